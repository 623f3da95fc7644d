-- Sign-up answers the same for a new and a taken address; an address that already
-- has an account is told by email (`signup_attempted`) that someone tried.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry', 'password_reset', 'account_invited', 'signup_attempted'));
