-- Fire safety on file for premises (issue 11, part 5): each recording of a fire
-- risk assessment is a new row, so what was on file before is kept; the current
-- one is the row not yet superseded (at most one per premises).
CREATE TABLE fire_safety_records (
    id TEXT PRIMARY KEY NOT NULL,
    premises_id TEXT NOT NULL REFERENCES premises(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    assessor TEXT NOT NULL,
    assessed_on DATE NOT NULL,
    next_review_on DATE NOT NULL,
    certificate_reference TEXT,
    certificate_expires_on DATE,
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    superseded_at TIMESTAMP
);
CREATE INDEX fire_safety_records_premises ON fire_safety_records (premises_id, recorded_at);
CREATE UNIQUE INDEX fire_safety_records_one_current ON fire_safety_records (premises_id)
    WHERE superseded_at IS NULL;
CREATE INDEX fire_safety_records_review ON fire_safety_records (next_review_on)
    WHERE superseded_at IS NULL;
CREATE INDEX fire_safety_records_certificate_expiry ON fire_safety_records (certificate_expires_on)
    WHERE superseded_at IS NULL;

-- Files the operator attaches to a fire safety record (the assessment, the certificate).
CREATE TABLE fire_safety_evidence (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL REFERENCES fire_safety_records(id),
    premises_id TEXT NOT NULL REFERENCES premises(id),
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX fire_safety_evidence_record ON fire_safety_evidence (record_id);
