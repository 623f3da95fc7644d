-- Issue 12: the advisor's worklist and the queue read a page of applications in
-- one status, newest first; without these, a register of a million applications
-- was scanned whole (or all of one advisor's sorted) for every look at the page.
-- The order matches `db::applications::list` (created_at DESC, id ASC), so a
-- page stops after its LIMIT rows.
CREATE INDEX applications_advisor_status_newest
    ON applications (advisor_id, status, created_at DESC, id);
CREATE INDEX applications_status_newest
    ON applications (status, created_at DESC, id);
