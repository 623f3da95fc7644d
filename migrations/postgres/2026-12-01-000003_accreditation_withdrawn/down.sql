-- Back to 'active' and 'suspended' only: a withdrawn accreditation becomes suspended
-- (never active again).
ALTER TABLE advisors DROP CONSTRAINT advisors_status_check;
UPDATE advisors SET status = 'suspended' WHERE status = 'withdrawn';
ALTER TABLE advisors ADD CONSTRAINT advisors_status_check
    CHECK (status IN ('active', 'suspended'));
