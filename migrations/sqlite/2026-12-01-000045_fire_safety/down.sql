DROP TABLE fire_safety_evidence;
DROP TABLE fire_safety_records;
