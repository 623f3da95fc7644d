DROP INDEX certificates_conditions;
DROP TABLE notifications;
