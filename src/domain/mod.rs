//! Pure domain logic: no I/O, time passed in. Tested directly and fast. (Stored
//! enums carry diesel's derive markers; their SQL mapping lives in `db::enums`.)

pub mod accreditation;
pub mod actor;
pub mod application;
pub mod audit;
pub mod certificate_number;
pub mod checklist;
pub mod clock;
pub mod reminders;
pub mod scope;
pub mod scoring;
pub mod status;
pub mod status_list;
pub mod text;
pub mod throttle;
pub mod tier;
// issue 11 part 2: appeals
pub mod appeal;
