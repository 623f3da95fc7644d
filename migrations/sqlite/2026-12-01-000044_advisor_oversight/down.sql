ALTER TABLE certificates DROP COLUMN accreditation_status_at_issue;
DROP TABLE certificate_reviews;
