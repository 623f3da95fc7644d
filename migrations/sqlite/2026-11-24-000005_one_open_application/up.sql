-- At most one open application per premises. The handler's count-then-insert
-- does not hold on PostgreSQL's default isolation, where two concurrent requests
-- both count none; this index makes the second insert fail instead.
-- (A database that already holds two open applications for one premises must
-- have one withdrawn before this migration can run.)
CREATE UNIQUE INDEX applications_one_open_per_premises ON applications (premises_id)
    WHERE status IN ('draft', 'submitted', 'in_review');
