-- An accreditation can be withdrawn (final), as well as suspended. SQLite cannot
-- alter a CHECK constraint, so the table is rebuilt with the wider one, keeping
-- every row and the foreign keys. (No table references advisors, so dropping the
-- old one breaks no reference.)
CREATE TABLE advisors_new (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    accreditation_number TEXT NOT NULL UNIQUE,
    accredited_until DATE NOT NULL,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'withdrawn')),
    tied_organisation_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL
);
INSERT INTO advisors_new (user_id, accreditation_number, accredited_until, scopes, status, tied_organisation_id, created_at)
    SELECT user_id, accreditation_number, accredited_until, scopes, status, tied_organisation_id, created_at FROM advisors;
DROP TABLE advisors;
ALTER TABLE advisors_new RENAME TO advisors;
