//! One integration-test binary (built once) that drives the real app over HTTP.
//! Every test gets its own app and database; set PROTECTCERT_TEST_DATABASE_URL to a
//! PostgreSQL server URL to run the same suite on PostgreSQL.

mod accounts;
mod accreditation;
mod appeals;
mod audit;
mod auth;
mod authorisation;
mod certificates;
mod checklists;
mod cli;
mod contract;
mod documents;
mod evidence;
mod faults;
mod fire_safety;
mod headers;
mod health;
mod helpers;
mod page_authorisation;
mod pages;
mod premises;
mod preview;
mod public_register;
mod register;
mod reminders;
mod team;
mod workflow;
// Part 3: the second sign-off.
mod sign_off;
// Part 1 of issue 11: conditions to closure.
mod conditions;
// Part 4 (advisor oversight).
mod oversight;
// Issue 12 part C: the police search at national scale.
mod search;

// Issue 12 part F: /metrics and /healthz.
mod metrics;

// Issue 12 part E: the reminder outbox sent in batches.
mod reminder_batches;

// Issue 12 part B: the verification path at gate speed.
mod verification_speed;

// Issue 12, part D: issuance under load (the PDF made before the write transaction).
mod issuance;

// Issue 12 part A: the register generator.
mod bench_seed;

// Issue 13: checklist version 2 and its scoring rules.
mod scoring_v2;

// Issue 13 parts 7 and 9: premises in scope and certificate validity.
mod premises_scope;
