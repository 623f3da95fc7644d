DELETE FROM certificate_terms WHERE substr(term, 1, 1) = '&';
