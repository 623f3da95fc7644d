-- Issue 12 part C: the police search served from indexes, newest first.
-- The postcode key (upper case, no spaces) and the district (outward code: the
-- key without its inward code, always the last three characters), as
-- domain::search_keys computes them for new certificates.
ALTER TABLE certificates ADD COLUMN postcode_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE certificates ADD COLUMN district TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE certificates SET postcode_key = upper(replace(postcode, ' ', ''));
UPDATE certificates SET district = CASE
    WHEN length(postcode_key) >= 5 THEN substr(postcode_key, 1, length(postcode_key) - 3)
    ELSE postcode_key END;
-- Newest first, for each way in: everything, a postcode prefix, a district, an
-- organisation (operators), a status.
CREATE INDEX certificates_newest ON certificates (issued_at, number);
CREATE INDEX certificates_postcode_key ON certificates (postcode_key, issued_at, number);
CREATE INDEX certificates_district ON certificates (district, issued_at, number);
CREATE INDEX certificates_organisation_newest ON certificates (organisation_id, issued_at, number);
CREATE INDEX certificates_status_newest ON certificates (status, issued_at, number);
-- The lower-case words of each premises name, searched by word prefix as a range
-- (byte order, "C", so that the range bounds hold whatever the database's locale).
CREATE TABLE certificate_terms (
    term TEXT COLLATE "C" NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (term, issued_at, number)
);
CREATE INDEX certificate_terms_number ON certificate_terms (number, term);
-- Splitting names into words is Rust's (domain::search_keys): certificates already
-- issued wait here and are given their terms at start-up.
CREATE TABLE certificate_terms_pending (certificate_id TEXT PRIMARY KEY NOT NULL);
INSERT INTO certificate_terms_pending (certificate_id) SELECT id FROM certificates;
