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
// Part 3: the second sign-off before issue.
pub mod sign_off;

// Part 1 of issue 11: conditions to closure.
pub mod condition;
// Part 4 (advisor oversight).
pub mod oversight;

// Issue 11 part 5: fire safety on file.
pub mod fire_safety;
// issue 11 part 2: appeals
pub mod appeal;
// Issue 12 part C: the register search keys.
pub mod search_keys;

// Issue 12 part F: counting for /metrics, and when the database check stands.
pub mod metrics;

// Issue 12 part A: a made-up national-scale register for load tests.
pub mod synthetic;

// Issue 13 part 7 (scope): Schedule 1 use, Schedule 2 exclusion, responsible person.
pub mod qualifying;
