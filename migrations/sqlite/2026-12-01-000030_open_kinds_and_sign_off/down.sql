-- Back to the listed kinds and statuses (rows with newer ones must be gone first).
PRAGMA defer_foreign_keys = ON;

CREATE TABLE notifications_new (
    id TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('certificate_expiry', 'condition_due', 'accreditation_expiry', 'password_reset', 'account_invited', 'signup_attempted')),
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

CREATE TEMP TABLE applications_copy AS SELECT * FROM applications;
DROP TABLE applications;
CREATE TABLE applications (
    id TEXT PRIMARY KEY NOT NULL,
    premises_id TEXT NOT NULL REFERENCES premises(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    tier TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'in_review', 'completed', 'withdrawn')),
    advisor_id TEXT REFERENCES users(id),
    outcome TEXT,
    result TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    assigned_at TIMESTAMP,
    completed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO applications SELECT * FROM applications_copy;
DROP TABLE applications_copy;
CREATE INDEX applications_organisation ON applications (organisation_id);
CREATE INDEX applications_status ON applications (status);
CREATE INDEX applications_advisor ON applications (advisor_id);
CREATE UNIQUE INDEX applications_one_open_per_premises ON applications (premises_id)
    WHERE status IN ('draft', 'submitted', 'in_review');
