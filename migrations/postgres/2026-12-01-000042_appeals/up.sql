-- Appeals against an assessment (one per application), the reviewer's scores of
-- the appealed items, the evidence sent with an appeal, and the operator's right
-- to reply on an assessed application.
CREATE TABLE appeals (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    state TEXT NOT NULL CHECK (state IN ('lodged', 'in_review', 'decided')),
    items TEXT NOT NULL,
    grounds TEXT NOT NULL,
    original_outcome TEXT NOT NULL,
    lodged_by TEXT NOT NULL REFERENCES users(id),
    lodged_at TIMESTAMP NOT NULL,
    window_closes_at TIMESTAMP NOT NULL,
    reviewer_id TEXT REFERENCES users(id),
    claimed_at TIMESTAMP,
    decided_at TIMESTAMP,
    outcome TEXT,
    result TEXT,
    consequence TEXT,
    decision_application_id TEXT REFERENCES applications(id),
    certificate_number TEXT,
    withdrawn_certificate_number TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX appeals_organisation ON appeals (organisation_id);
CREATE INDEX appeals_state ON appeals (state);
CREATE INDEX appeals_decision_application ON appeals (decision_application_id);

CREATE TABLE appeal_scores (
    appeal_id TEXT NOT NULL REFERENCES appeals(id),
    item_id TEXT NOT NULL,
    score INTEGER,
    note TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (appeal_id, item_id)
);

CREATE TABLE appeal_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    appeal_id TEXT NOT NULL REFERENCES appeals(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX appeal_evidence_appeal ON appeal_evidence (appeal_id);

CREATE TABLE replies (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id),
    statement TEXT NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL
);
