DROP INDEX sign_offs_one_pending;
DROP INDEX sign_offs_application;
DROP TABLE sign_offs;
