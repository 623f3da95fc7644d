-- Issue 12: one number that moves whenever what public verification shows of any
-- certificate changes. Each instance keeps public records in memory and polls this
-- row (README "Verification at gate speed"); a trigger, so that no write path can
-- forget it. Inserts need nothing: a certificate not yet known is never cached.
CREATE TABLE register_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO register_version (id, version) VALUES (1, 0);

CREATE TRIGGER certificates_public_changed
AFTER UPDATE OF number, status, premises_name, town, tier, kind, issued_at, expires_at
ON certificates
WHEN OLD.number IS NOT NEW.number OR OLD.status IS NOT NEW.status
  OR OLD.premises_name IS NOT NEW.premises_name OR OLD.town IS NOT NEW.town
  OR OLD.tier IS NOT NEW.tier OR OLD.kind IS NOT NEW.kind
  OR OLD.issued_at IS NOT NEW.issued_at OR OLD.expires_at IS NOT NEW.expires_at
BEGIN
    UPDATE register_version SET version = version + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_public_deleted
AFTER DELETE ON certificates
BEGIN
    UPDATE register_version SET version = version + 1 WHERE id = 1;
END;
