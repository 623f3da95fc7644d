-- Issue 12 part E (reminders at scale): the order a sender claims ready rows in,
-- (next_attempt_at, id), read straight from an index. With only (status,
-- next_attempt_at), every claim of a backlog (whose rows share one next_attempt_at)
-- sorted all of its pending rows to take the first few.
CREATE INDEX notifications_ready_order ON notifications (status, next_attempt_at, id);
