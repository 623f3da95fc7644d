DROP TABLE certificate_terms_pending;
DROP TABLE certificate_terms;
DROP INDEX certificates_status_newest;
DROP INDEX certificates_organisation_newest;
DROP INDEX certificates_district;
DROP INDEX certificates_postcode_key;
DROP INDEX certificates_newest;
ALTER TABLE certificates DROP COLUMN district;
ALTER TABLE certificates DROP COLUMN postcode_key;
