DROP TABLE certificate_holds;
DROP TABLE condition_evidence;
DROP TABLE condition_events;
DROP TABLE certificate_conditions;
