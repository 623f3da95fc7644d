-- Issue 12: one number that moves whenever what public verification shows of any
-- certificate changes. Each instance keeps public records in memory and polls this
-- row (README "Verification at gate speed"); a trigger, so that no write path can
-- forget it. Inserts need nothing: a certificate not yet known is never cached.
-- The row is updated in the changing transaction, so the new version is seen
-- exactly when the change is (commits on this one row are serialised).
CREATE TABLE register_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO register_version (id, version) VALUES (1, 0);

CREATE FUNCTION register_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE register_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER certificates_public_changed
AFTER UPDATE OF number, status, premises_name, town, tier, kind, issued_at, expires_at
ON certificates
FOR EACH ROW
WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.status IS DISTINCT FROM NEW.status
  OR OLD.premises_name IS DISTINCT FROM NEW.premises_name OR OLD.town IS DISTINCT FROM NEW.town
  OR OLD.tier IS DISTINCT FROM NEW.tier OR OLD.kind IS DISTINCT FROM NEW.kind
  OR OLD.issued_at IS DISTINCT FROM NEW.issued_at OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
EXECUTE FUNCTION register_version_bump();

CREATE TRIGGER certificates_public_deleted
AFTER DELETE ON certificates
FOR EACH STATEMENT
EXECUTE FUNCTION register_version_bump();
