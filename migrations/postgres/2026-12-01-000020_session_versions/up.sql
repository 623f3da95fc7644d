-- A login token carries its user's session version; logging out, a new password
-- or a deactivation bumps it, which ends every token issued before. A deactivated
-- account (active = false) cannot log in and its tokens are refused.
ALTER TABLE users ADD COLUMN session_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
