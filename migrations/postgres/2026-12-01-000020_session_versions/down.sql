ALTER TABLE users DROP COLUMN active;
ALTER TABLE users DROP COLUMN session_version;
