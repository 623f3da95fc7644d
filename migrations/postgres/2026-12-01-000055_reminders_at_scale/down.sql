DROP INDEX notifications_due;
DROP INDEX certificates_expiry_reminders;
DROP INDEX notifications_ready_order;
