DELETE FROM notifications WHERE kind IN ('signup_attempted');
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry', 'password_reset', 'account_invited'));
