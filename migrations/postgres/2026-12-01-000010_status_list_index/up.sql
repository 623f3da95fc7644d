-- Each certificate's random place in the published status lists (W3C Bitstring
-- Status List): unique, assigned at issue. Certificates issued before get theirs
-- when the service starts (a random draw is not portable SQL).
ALTER TABLE certificates ADD COLUMN status_index INTEGER;
CREATE UNIQUE INDEX certificates_status_index ON certificates (status_index);
