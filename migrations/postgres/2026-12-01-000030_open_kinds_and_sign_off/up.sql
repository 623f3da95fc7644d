-- An email's kind is checked by the application (`ReminderKind`), so a new kind
-- of email needs no migration; an application can wait for a second sign-off
-- (`awaiting_sign_off`), and is still open while it does.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE applications DROP CONSTRAINT applications_status_check;
ALTER TABLE applications ADD CONSTRAINT applications_status_check
    CHECK (status IN ('draft', 'submitted', 'in_review', 'awaiting_sign_off', 'completed', 'withdrawn'));
DROP INDEX applications_one_open_per_premises;
CREATE UNIQUE INDEX applications_one_open_per_premises ON applications (premises_id)
    WHERE status IN ('draft', 'submitted', 'in_review', 'awaiting_sign_off');
