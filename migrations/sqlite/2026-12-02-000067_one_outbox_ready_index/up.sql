-- Issue 12: notifications_ready_order (status, next_attempt_at, id) serves every
-- query notifications_ready (status, next_attempt_at) did; each change of an
-- outbox row's status wrote both.
DROP INDEX notifications_ready;
