//! protectcert: a protective-security compliance certification service.
//!
//! `domain` is pure logic (tiers, checklists, scoring, certificate numbers, status,
//! audit chain, reminder schedule); `db` is storage; `api` the JSON interface, `web`
//! the HTML pages; `certificates` renders, signs and checks certificate PDFs;
//! `notify` sends reminder emails; `startup` wires them.

pub mod api;
pub mod auth;
pub mod certificates;
pub mod checklists;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod notify;
pub mod secrets;
pub mod startup;
pub mod telemetry;
pub mod web;
