DROP TABLE certificate_lapses;
ALTER TABLE premises DROP COLUMN schedule2_exclusion;
ALTER TABLE premises DROP COLUMN schedule1_use;
ALTER TABLE premises DROP COLUMN responsible_person;
