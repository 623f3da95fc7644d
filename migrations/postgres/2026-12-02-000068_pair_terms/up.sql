-- Issue 12: a query of two words reads the names holding both through one pair
-- term for every two words of a name (domain::search_keys::name_terms): `&a b`,
-- `a` before `b` in byte order. A name of more than 16 words (PAIRED_WORDS) is
-- given the one term `&+` instead. Certificates still waiting for their terms
-- (certificate_terms_pending) are given theirs, pairs included, at start-up.
INSERT INTO certificate_terms (term, issued_at, number)
SELECT '&+', min(issued_at), number FROM certificate_terms
GROUP BY number HAVING count(*) > 16;
INSERT INTO certificate_terms (term, issued_at, number)
SELECT '&' || a.term || ' ' || b.term, a.issued_at, a.number
FROM certificate_terms a
JOIN certificate_terms b ON b.number = a.number AND b.term > a.term
WHERE substr(a.term, 1, 1) <> '&' AND substr(b.term, 1, 1) <> '&'
  AND a.number NOT IN (SELECT number FROM certificate_terms WHERE term = '&+');
