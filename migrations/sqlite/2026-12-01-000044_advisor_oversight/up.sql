-- Advisor oversight (issue 11, part 4). When an admin suspends or withdraws an
-- accreditation, each certificate that advisor issued that is still active gets a
-- review row; an admin resolves it (confirmed, or a reassessment ordered).
CREATE TABLE certificate_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    certificate_id TEXT NOT NULL REFERENCES certificates(id),
    advisor_id TEXT NOT NULL REFERENCES users(id),
    cause TEXT NOT NULL CHECK (cause IN ('suspended', 'withdrawn')),
    reason TEXT NOT NULL,
    flagged_at TIMESTAMP NOT NULL,
    resolution TEXT CHECK (resolution IN ('confirmed', 'reassessment_ordered')),
    resolved_by TEXT REFERENCES users(id),
    resolved_at TIMESTAMP,
    note TEXT,
    reassess_by DATE
);
-- At most one open review per certificate, whichever admin flags it at once.
CREATE UNIQUE INDEX certificate_reviews_one_open ON certificate_reviews (certificate_id) WHERE resolution IS NULL;
CREATE INDEX certificate_reviews_flagged ON certificate_reviews (flagged_at);
CREATE INDEX certificate_reviews_certificate ON certificate_reviews (certificate_id);
-- The accreditation's standing (active, lapsed, suspended, withdrawn) on the day
-- of issue; NULL for certificates issued before it was recorded.
ALTER TABLE certificates ADD COLUMN accreditation_status_at_issue TEXT;
