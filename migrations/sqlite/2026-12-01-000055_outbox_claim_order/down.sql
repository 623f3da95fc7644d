DROP INDEX notifications_ready_order;
