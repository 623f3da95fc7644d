//! Micro-benchmarks of the hot pure paths beside render + sign
//! (benches/certificate_pdf.rs): scoring an assessment, the due-reminder schedule,
//! and QR token sign (as issuance signs: the current key read from the register)
//! and verify (as `/api/v1/verify/token/{token}` checks: against the published keys).
//!
//!     cargo bench --bench micro
//!
//! Prints the median and p90 per operation over repeated batches. Under `cargo test`
//! (no `--bench` argument) each runs once, as a smoke test. No external harness:
//! the existing benches' style (see BENCHMARKS.md).

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use protectcert::certificates::token::{self, CertificateClaims, StatusEntry, TokenType};
use protectcert::db::Db;
use protectcert::domain::checklist::Checklist;
use protectcert::domain::reminders::Schedule;
use protectcert::domain::scoring::{Case, assess};
use protectcert::domain::tier::Tier;
use time::macros::{date, datetime};

/// Times `f` in `batches` batches of `per_batch` calls; prints per-call median and p90.
fn measure(name: &str, batches: usize, per_batch: usize, mut f: impl FnMut()) {
    for _ in 0..per_batch {
        f();
    }
    let mut per_call: Vec<Duration> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed() / per_batch as u32
        })
        .collect();
    per_call.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "{name}: median {:.2} µs, p90 {:.2} µs ({} batches of {per_batch}) = {:.0}/s on one core",
        us(per_call[batches / 2]),
        us(per_call[batches * 9 / 10]),
        batches,
        1e6 / us(per_call[batches / 2]).max(1e-9)
    );
}

fn main() -> anyhow::Result<()> {
    let bench = std::env::args().any(|a| a == "--bench");
    let (batches, per_batch) = if bench { (50, 200) } else { (1, 1) };

    // Scoring: an enhanced-tier building assessment, every item scored.
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/checklists/building-v2.toml"
    ))?;
    let checklist = Checklist::parse(&source)?;
    let case = Case::fully_evidenced(&checklist, Tier::Enhanced);
    let scores: HashMap<String, Option<u8>> = checklist
        .applicable_items(Tier::Enhanced)
        .iter()
        .enumerate()
        .map(|(i, (_, item))| (item.id.clone(), Some(if i % 7 == 3 { 2 } else { 4 })))
        .collect();
    let completed = datetime!(2026-12-01 12:00 UTC);
    let outcome = assess(&checklist, &case, &scores, completed)?.outcome;
    measure(
        &format!(
            "score an enhanced building assessment ({} items, {outcome:?})",
            scores.len()
        ),
        batches,
        per_batch,
        || {
            black_box(assess(&checklist, &case, black_box(&scores), completed).ok());
        },
    );

    // The due-reminder schedule: which reminder is current for each of 1,000 due
    // dates spread over two years (what the sweep decides per candidate).
    let schedule = Schedule::new(&[90, 30, 7], 30, 14)?;
    let today = date!(2026 - 12 - 01);
    let due: Vec<time::Date> = (0..1000)
        .map(|i| today + time::Duration::days(i64::from(i % 730) - 365))
        .collect();
    measure(
        "due-reminder schedule: current offset for 1,000 due dates",
        batches,
        per_batch.div_ceil(20),
        || {
            let n = due
                .iter()
                .filter(|d| schedule.current_offset(**d, black_box(today)).is_some())
                .count();
            black_box(n);
        },
    );

    // Tokens: the current key is read from a register, as issuance does.
    let dir = tempfile::tempdir()?;
    let db = Db::connect(&dir.path().join("bench.db").to_string_lossy(), 1)?;
    db.migrate()?;
    let mut conn = db.get()?;
    let claims = CertificateClaims {
        sub: "PSC-2026-K7QMT-94HRX-T".into(),
        name: "Riverside Hall".into(),
        postcode: "BS1 4DJ".into(),
        kind: "building".into(),
        tier: "standard".into(),
        iat: completed.unix_timestamp(),
        exp: completed.unix_timestamp() + 365 * 86400,
        status: Some(StatusEntry {
            idx: 123_456,
            uri: "https://certificates.example.org/api/v1/status-list".into(),
        }),
    };
    let signed = token::sign(&mut conn, TokenType::Certificate, &claims)?;
    let keys = token::published_keys(&mut conn)?;
    measure(
        "token sign (key read from SQLite, Ed25519)",
        batches,
        per_batch,
        || {
            black_box(token::sign(&mut conn, TokenType::Certificate, black_box(&claims)).ok());
        },
    );
    measure(
        "token verify (Ed25519, published keys in memory)",
        batches,
        per_batch,
        || {
            black_box(
                token::verify::<CertificateClaims>(
                    black_box(&signed),
                    &keys,
                    TokenType::Certificate,
                )
                .ok(),
            );
        },
    );
    if !bench {
        println!("micro: each benchmark ran once; run `cargo bench --bench micro` to measure");
    }
    Ok(())
}
