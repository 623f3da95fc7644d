DELETE FROM notifications WHERE kind IN ('password_reset', 'account_invited');
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry'));
DROP TABLE password_resets;
