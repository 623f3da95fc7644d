DROP TABLE token_keys;
DROP TABLE certificate_documents;
