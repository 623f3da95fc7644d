-- Advisor oversight finds an advisor's certificates when their accreditation is
-- suspended or withdrawn (and forecasts how many on the advisor's page).
CREATE INDEX certificates_advisor ON certificates (advisor_id);
