-- Issue 13 parts 7 and 9 (scope and validity).
-- Who is responsible for the premises (s.4): `individual` or `organisation`.
ALTER TABLE premises ADD COLUMN responsible_person TEXT NOT NULL DEFAULT 'organisation';
-- The Schedule 1 use (or `none`); NULL: not stated (registered before it was asked).
ALTER TABLE premises ADD COLUMN schedule1_use TEXT;
-- A Schedule 2 Part 1 exclusion, or `none`.
ALTER TABLE premises ADD COLUMN schedule2_exclusion TEXT NOT NULL DEFAULT 'none';
-- What a certificate lapses on, recorded at issue (comma-separated:
-- responsible_person, tier, layout, use), and the change to the premises that made
-- it lapse ({"at": ..., "changes": [...]}, NULL while none was recorded). A table of
-- its own: widening certificates moves PostgreSQL's estimates for the register search.
CREATE TABLE certificate_lapses (
    certificate_id TEXT PRIMARY KEY NOT NULL REFERENCES certificates (id),
    lapses_on TEXT NOT NULL,
    lapse_recorded TEXT
);
