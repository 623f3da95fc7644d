-- Back to 'active' and 'suspended' only: a withdrawn accreditation becomes suspended
-- (never active again).
CREATE TABLE advisors_old (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users(id),
    accreditation_number TEXT NOT NULL UNIQUE,
    accredited_until DATE NOT NULL,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    tied_organisation_id TEXT REFERENCES organisations(id),
    created_at TIMESTAMP NOT NULL
);
INSERT INTO advisors_old (user_id, accreditation_number, accredited_until, scopes, status, tied_organisation_id, created_at)
    SELECT user_id, accreditation_number, accredited_until, scopes,
           CASE status WHEN 'withdrawn' THEN 'suspended' ELSE status END,
           tied_organisation_id, created_at FROM advisors;
DROP TABLE advisors;
ALTER TABLE advisors_old RENAME TO advisors;
