-- Times are UTC, stored as TIMESTAMP; ids are UUID text; JSON documents are TEXT.
CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT REFERENCES organisations(id),
    role TEXT NOT NULL CHECK (role IN ('operator', 'advisor', 'police', 'admin')),
    name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE advisors (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    accreditation_number TEXT NOT NULL UNIQUE,
    accredited_until DATE NOT NULL,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    tied_organisation_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE checklists (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    hash TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    UNIQUE (kind, version)
);

CREATE TABLE premises (
    id TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL CHECK (kind IN ('building', 'event')),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    town TEXT NOT NULL,
    postcode TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    place_of_worship BOOLEAN NOT NULL,
    event_start TIMESTAMP,
    event_end TIMESTAMP,
    dsi_name TEXT,
    dsi_email TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX premises_organisation ON premises (organisation_id);

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
CREATE INDEX applications_organisation ON applications (organisation_id);
CREATE INDEX applications_status ON applications (status);
CREATE INDEX applications_advisor ON applications (advisor_id);

CREATE TABLE answers (
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('in_place', 'partial', 'not_in_place', 'not_applicable')),
    note TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, item_id)
);

CREATE TABLE scores (
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_id TEXT NOT NULL,
    score INTEGER,
    note TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, item_id)
);

CREATE TABLE evidence (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    item_id TEXT,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    data BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_application ON evidence (application_id);

CREATE TABLE certificates (
    id TEXT PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    application_id TEXT NOT NULL UNIQUE REFERENCES applications(id),
    premises_id TEXT NOT NULL REFERENCES premises(id),
    organisation_id TEXT NOT NULL REFERENCES organisations(id),
    kind TEXT NOT NULL,
    tier TEXT NOT NULL,
    premises_name TEXT NOT NULL,
    address TEXT NOT NULL,
    town TEXT NOT NULL,
    postcode TEXT NOT NULL,
    advisor_id TEXT NOT NULL REFERENCES users(id),
    advisor_name TEXT NOT NULL,
    accreditation_number TEXT NOT NULL,
    checklist_id TEXT NOT NULL REFERENCES checklists(id),
    outcome TEXT NOT NULL,
    conditions TEXT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked', 'superseded')),
    status_reason TEXT,
    superseded_by TEXT,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX certificates_premises ON certificates (premises_id);
CREATE INDEX certificates_organisation ON certificates (organisation_id);
CREATE INDEX certificates_postcode ON certificates (postcode);
CREATE INDEX certificates_expiry ON certificates (status, expires_at);

-- Counters and the audit chain head live in rows so that every instance shares them
-- and an UPDATE serialises concurrent writers.
CREATE TABLE sequences (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO sequences (name, value, last_hash) VALUES ('certificate', 0, ''), ('audit', 0, '');

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE secrets (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
