DROP TRIGGER IF EXISTS certificates_public_deleted ON certificates;
DROP TRIGGER IF EXISTS certificates_public_changed ON certificates;
DROP FUNCTION IF EXISTS register_version_bump();
DROP TABLE IF EXISTS register_version;
