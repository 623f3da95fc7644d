ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry', 'password_reset', 'account_invited', 'signup_attempted'));
ALTER TABLE applications DROP CONSTRAINT applications_status_check;
ALTER TABLE applications ADD CONSTRAINT applications_status_check
    CHECK (status IN ('draft', 'submitted', 'in_review', 'completed', 'withdrawn'));
DROP INDEX applications_one_open_per_premises;
CREATE UNIQUE INDEX applications_one_open_per_premises ON applications (premises_id)
    WHERE status IN ('draft', 'submitted', 'in_review');
