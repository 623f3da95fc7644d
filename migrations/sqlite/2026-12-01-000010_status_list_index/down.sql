DROP INDEX certificates_status_index;
ALTER TABLE certificates DROP COLUMN status_index;
