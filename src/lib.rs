//! protectcert: a protective-security compliance certification service.
//!
//! Arrows point inward: `domain` is pure logic (tiers, checklists, scoring,
//! certificate numbers, status, audit chain, reminder schedule); `db` is storage,
//! one query module per entity; `service` holds one function per use case and is
//! the only place that decides who may do what (`service::access`); `api` (JSON)
//! and `web` (HTML) are thin adapters over `service` that never import each other;
//! `startup` wires them (with `rate_limit`, the limit on public verification). `certificates` renders, signs and checks certificate PDFs;
//! `notify` sends reminder emails.

pub mod api;
pub mod audit_key;
pub mod auth;
pub mod certificates;
pub mod checklists;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod notify;
pub mod private_fs;
pub mod rate_limit;
pub mod secrets;
pub mod security_headers;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod token_path;
pub mod web;
// Issue 12 part F: metrics, health and the request log.
pub mod access_log;
pub mod edge;
pub mod health;
pub mod metrics;
