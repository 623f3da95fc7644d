DROP TABLE replies;
DROP TABLE appeal_evidence;
DROP TABLE appeal_scores;
DROP TABLE appeals;
