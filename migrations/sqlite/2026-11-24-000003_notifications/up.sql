-- The reminder outbox: one row per email. The unique key (subject, kind, offset_days)
-- lets the database itself refuse a second copy of the same reminder, whichever
-- instance or sweep tries to queue it.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    -- What the reminder is about: certificate:NUMBER, condition:NUMBER:ITEM,
    -- accreditation:ADVISOR_ID:UNTIL.
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry')),
    -- Days relative to the due date: -30 is thirty days before, 30 thirty days after.
    offset_days INTEGER NOT NULL,
    due_on DATE NOT NULL,
    -- JSON array of addresses.
    recipients TEXT NOT NULL,
    mail_subject TEXT NOT NULL,
    -- JSON: what the templates need to render the bodies at send time.
    context TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL,
    last_error TEXT,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (subject, kind, offset_days)
);
-- What a sender looks for: pending rows whose next attempt has come.
CREATE INDEX notifications_ready ON notifications (status, next_attempt_at);

-- Condition reminders look at recent certificates with conditions.
CREATE INDEX certificates_conditions ON certificates (status, outcome, issued_at);
