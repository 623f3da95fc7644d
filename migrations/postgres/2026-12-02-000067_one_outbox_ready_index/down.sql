CREATE INDEX notifications_ready ON notifications (status, next_attempt_at);
