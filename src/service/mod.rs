//! Use cases: one function per thing a user does, shared by the JSON API, the
//! pages and the CLI. Each takes the app state (or a connection), the caller and a
//! typed input, and returns a typed result or a [`ServiceError`]. Who may do what
//! is decided in [`access`] and nowhere else.
//!
//! A new use case goes in the module of the record it changes: validate the input
//! (`validate::Check`), open one transaction (`db::write_tx`), check access, call
//! the `db` queries, append to the audit log, return a view.

pub mod access;
pub mod accounts;
pub mod advisors;
pub mod applications;
pub mod audit;
pub mod certificates;
pub mod checklists;
pub mod error;
#[cfg(test)]
pub mod fixtures;
pub mod notifications;
pub mod overview;
pub mod page;
pub mod password_reset;
pub mod premises;
pub mod validate;
pub mod whole_number;
// Part 4 (advisor oversight).
pub mod oversight;

// Issue 11 part 5: fire safety on file.
pub mod fire_safety;
// issue 11 part 2: appeals
pub mod appeals;
// Issue 12 part A: `bench seed`.
pub mod bench_seed;

pub use error::{FieldError, ServiceError, ServiceResult};

/// Today's date (UTC), for accreditation and expiry checks.
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}
// Issue 12 part F: /metrics.
pub mod metrics;
