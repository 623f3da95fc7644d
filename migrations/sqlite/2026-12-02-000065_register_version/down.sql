DROP TRIGGER IF EXISTS certificates_public_deleted;
DROP TRIGGER IF EXISTS certificates_public_changed;
DROP TABLE IF EXISTS register_version;
