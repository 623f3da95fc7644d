-- Conditions to closure: each condition of a certificate is a row with a state,
-- its history and its evidence files; certificates.conditions (JSON) stays as the
-- snapshot of issue. Certificates issued before get their rows at start-up.
CREATE TABLE certificate_conditions (
    id TEXT PRIMARY KEY NOT NULL,
    certificate_id TEXT NOT NULL REFERENCES certificates(id),
    item_id TEXT NOT NULL,
    text TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    state TEXT NOT NULL,
    raised_by TEXT NOT NULL REFERENCES users(id),
    -- Set once, by the sweep that found it overdue past the grace period.
    overdue_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX certificate_conditions_item ON certificate_conditions (certificate_id, item_id);
CREATE INDEX certificate_conditions_state_due ON certificate_conditions (state, due_at);

CREATE TABLE condition_events (
    id TEXT PRIMARY KEY NOT NULL,
    condition_id TEXT NOT NULL REFERENCES certificate_conditions(id),
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    evidence_id TEXT
);
CREATE INDEX condition_events_condition ON condition_events (condition_id, at);

CREATE TABLE condition_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    condition_id TEXT NOT NULL REFERENCES certificate_conditions(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX condition_evidence_condition ON condition_evidence (condition_id);

-- What holds a certificate suspended: an admin's suspension ('admin') and each
-- overdue condition ('condition:<id>'). It is reinstated only when none is left.
CREATE TABLE certificate_holds (
    certificate_id TEXT NOT NULL REFERENCES certificates(id),
    holder TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (certificate_id, holder)
);
-- Certificates suspended before holds existed were suspended by an admin.
INSERT INTO certificate_holds (certificate_id, holder, reason, created_at)
    SELECT id, 'admin', COALESCE(status_reason, ''), updated_at FROM certificates WHERE status = 'suspended';
