//! Pure domain logic: no I/O, time passed in. Tested directly and fast.

pub mod accreditation;
pub mod application;
pub mod audit;
pub mod certificate_number;
pub mod checklist;
pub mod reminders;
pub mod scoring;
pub mod status;
pub mod tier;
