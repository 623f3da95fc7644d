-- An accreditation can be withdrawn (final), as well as suspended.
ALTER TABLE advisors DROP CONSTRAINT advisors_status_check;
ALTER TABLE advisors ADD CONSTRAINT advisors_status_check
    CHECK (status IN ('active', 'suspended', 'withdrawn'));
