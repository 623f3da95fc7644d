DELETE FROM notifications WHERE kind IN ('signup_attempted');
CREATE TABLE notifications_new (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry', 'password_reset', 'account_invited')),
    offset_days INTEGER NOT NULL,
    due_on DATE NOT NULL,
    recipients TEXT NOT NULL,
    mail_subject TEXT NOT NULL,
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
INSERT INTO notifications_new SELECT * FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_ready ON notifications (status, next_attempt_at);
