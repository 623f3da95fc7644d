-- Issue 13 parts 7 and 9 (scope and validity).
-- Who is responsible for the premises (s.4): `individual` or `organisation`.
ALTER TABLE premises ADD COLUMN responsible_person TEXT NOT NULL DEFAULT 'organisation';
-- The Schedule 1 use (or `none`); NULL: not stated (registered before it was asked).
ALTER TABLE premises ADD COLUMN schedule1_use TEXT;
-- A Schedule 2 Part 1 exclusion, or `none`.
ALTER TABLE premises ADD COLUMN schedule2_exclusion TEXT NOT NULL DEFAULT 'none';
-- What a certificate lapses on (comma-separated: responsible_person, tier, layout,
-- use); NULL for certificates issued before it was recorded.
ALTER TABLE certificates ADD COLUMN lapses_on TEXT;
-- The change to the premises that made a current certificate lapse, as JSON
-- ({"at": ..., "changes": [...]}); NULL while none was recorded.
ALTER TABLE certificates ADD COLUMN lapse_recorded TEXT;
