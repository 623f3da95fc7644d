ALTER TABLE certificates DROP COLUMN lapse_recorded;
ALTER TABLE certificates DROP COLUMN lapses_on;
ALTER TABLE premises DROP COLUMN schedule2_exclusion;
ALTER TABLE premises DROP COLUMN schedule1_use;
ALTER TABLE premises DROP COLUMN responsible_person;
