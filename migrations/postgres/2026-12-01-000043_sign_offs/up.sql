-- The second sign-off (issue 11, part 3): one row each time an assessment that needs
-- a second reviewer is completed. `decision` stays NULL while it awaits sign-off and
-- becomes 'approved' (certificate issued, or the refusal final) or 'returned' (back to
-- the assessor, with the note). The rows of an application are its round trips.
CREATE TABLE sign_offs (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications(id),
    assessor_id TEXT NOT NULL REFERENCES users(id),
    outcome TEXT NOT NULL,
    assessed_at TIMESTAMP NOT NULL,
    reviewer_id TEXT REFERENCES users(id),
    decision TEXT CHECK (decision IN ('approved', 'returned')),
    note TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMP
);
CREATE INDEX sign_offs_application ON sign_offs (application_id, assessed_at);
-- At most one round awaits a decision at a time.
CREATE UNIQUE INDEX sign_offs_one_pending ON sign_offs (application_id) WHERE decision IS NULL;
