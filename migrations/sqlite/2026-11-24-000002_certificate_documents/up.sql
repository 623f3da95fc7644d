-- The signed PDF of each certificate, kept byte for byte: every download returns
-- the identical file, and every instance serves it.
CREATE TABLE certificate_documents (
    certificate_id TEXT PRIMARY KEY NOT NULL REFERENCES certificates(id),
    pdf BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    -- The compact JWS printed in the QR code and kept in the PDF's metadata.
    token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Ed25519 keys that sign QR tokens and the status list. The newest is current;
-- older ones stay published in the JWKS so that earlier certificates still verify.
CREATE TABLE token_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    private_key TEXT NOT NULL,
    public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    retired_at TIMESTAMP
);
