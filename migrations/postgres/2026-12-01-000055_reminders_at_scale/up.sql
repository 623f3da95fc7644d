-- Issue 12 part E (reminders at scale).
-- The order a sender claims ready rows in, (next_attempt_at, id), read straight from
-- an index. With only (status, next_attempt_at), every claim of a backlog (whose rows
-- share one next_attempt_at) sorted all of its pending rows to take the first few.
CREATE INDEX notifications_ready_order ON notifications (status, next_attempt_at, id);
-- The expiry reminders a sweep looks for: the active buildings' certificates expiring
-- on given days, from the index alone (the certificate rows of one expiry day lie
-- all over the table) ...
CREATE INDEX certificates_expiry_reminders ON certificates (status, kind, expires_at, number);
-- ... and the reminders already queued for those due dates, likewise.
CREATE INDEX notifications_due ON notifications (kind, offset_days, due_on, subject);
