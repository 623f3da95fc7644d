-- Sign-up answers the same for a new and a taken address; the outbox then tells
-- the address what happened (`signed_up`: the account is ready; `signup_attempted`:
-- someone tried to sign up with an address that already has an account).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry', 'password_reset', 'account_invited', 'signup_attempted', 'signed_up'));
