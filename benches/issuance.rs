//! Issuance under load (issue 12, part D): the service in this process on SQLite,
//! on a register of 10,000 certificates written by SQL, completes fully scored
//! assessments (each issues a certificate: number, PDF rendered and signed,
//! supersede, audit) with 1, 4 and 32 concurrent clients, and reports
//! completions/s and the p50/p99 of each completion.
//!
//!     cargo bench --bench issuance
//!
//! Under `cargo test` (no `--bench` argument) it only issues a few certificates on
//! a small register with 1 and 4 clients, as a smoke test. No timed assertion.

#[path = "../tests/api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, SqliteConnection, connection::SimpleConnection};
use serde_json::json;

use helpers::{TestApp, spawn_app_with};

struct Plan {
    register: usize,
    runs: Vec<(usize, usize)>,
}

fn main() -> anyhow::Result<()> {
    let measuring = std::env::args().any(|a| a == "--bench");
    let plan = if measuring {
        Plan {
            register: 10_000,
            // (clients, completions)
            runs: vec![(1, 32), (4, 64), (32, 128)],
        }
    } else {
        Plan {
            register: 100,
            runs: vec![(1, 2), (4, 4)],
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run(plan))
}

async fn run(plan: Plan) -> anyhow::Result<()> {
    let defaults = protectcert::config::Settings::defaults()?;
    let app = spawn_app_with(|s| {
        s.database_pool_size = defaults.database_pool_size;
        s.certificate_templates_dir =
            concat!(env!("CARGO_MANIFEST_DIR"), "/certificate-templates").into();
    })
    .await;
    if app.settings.database_url.starts_with("postgres") {
        println!("issuance: the register is written for SQLite only; running on an empty one");
    } else {
        let t = Instant::now();
        fill_register(&app.settings.database_url, plan.register)?;
        println!(
            "register: {} certificates written by SQL in {:.1} s",
            plan.register,
            t.elapsed().as_secs_f64()
        );
    }
    let app = Arc::new(app);
    let admin = app.admin().await;
    let (advisor, _) = app.advisor(&admin, &["building", "event"], None).await;
    let (operator, _) = app.operator("Quayside Venues Ltd").await;
    let total: usize = plan.runs.iter().map(|(_, n)| n).sum();
    let t = Instant::now();
    let ready = ready_applications(&app, &operator, &advisor, total).await?;
    println!(
        "{total} applications answered, submitted, claimed and scored in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let mut ready = ready.into_iter();
    for (clients, completions) in plan.runs {
        let ids: Vec<String> = ready.by_ref().take(completions).collect();
        let (elapsed, mut times) = complete_all(&app, &advisor, ids, clients).await?;
        times.sort();
        let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
        println!(
            "{clients:>2} client(s): {completions} completions in {:.2} s = {:.0} completions/s; p50 {:.1} ms, p99 {:.1} ms",
            elapsed.as_secs_f64(),
            completions as f64 / elapsed.as_secs_f64(),
            ms(pct(50)),
            ms(pct(99)),
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `n` applications in review, every item scored full marks, ready to complete.
async fn ready_applications(
    app: &Arc<TestApp>,
    operator: &str,
    advisor: &str,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    let mut tasks = Vec::new();
    for worker in 0..8 {
        let (app, operator, advisor) = (app.clone(), operator.to_string(), advisor.to_string());
        let count = n / 8 + usize::from(worker < n % 8);
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..count {
                let premises = app.building(&operator, 450).await;
                let application = app
                    .answered_application(&operator, premises["id"].as_str().expect("id"))
                    .await;
                let id = application["id"].as_str().expect("id").to_string();
                let claimed = app.submit_and_claim(&operator, &advisor, &id).await;
                app.score_all(&advisor, &claimed, |item| item["max_score"].clone())
                    .await;
                ids.push(id);
            }
            ids
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await?);
    }
    Ok(ids)
}

/// Completes `ids` with `clients` clients, each taking the next one as soon as
/// its last is answered; returns the wall time and each completion's time.
async fn complete_all(
    app: &Arc<TestApp>,
    advisor: &str,
    ids: Vec<String>,
    clients: usize,
) -> anyhow::Result<(Duration, Vec<Duration>)> {
    let queue = Arc::new(std::sync::Mutex::new(ids));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (app, advisor, queue) = (app.clone(), advisor.to_string(), queue.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            loop {
                let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                let Some(id) = next else { break };
                let t = Instant::now();
                let done = app
                    .post(
                        &format!("/api/v1/applications/{id}/complete"),
                        Some(&advisor),
                        json!({}),
                    )
                    .await
                    .ok();
                times.push(t.elapsed());
                assert!(done["certificate"]["number"].is_string(), "{done}");
            }
            times
        }));
    }
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await?);
    }
    Ok((start.elapsed(), times))
}

/// Organisations, premises and active certificates written by SQL (as in
/// `benches/reminders.rs`), each with its own status-list index.
fn fill_register(url: &str, certificates: usize) -> anyhow::Result<()> {
    let mut conn = SqliteConnection::establish(url)?;
    let base = "2026-06-01 12:00:00";
    let orgs = (certificates / 10).max(1);
    conn.batch_execute(&format!(
        "PRAGMA foreign_keys = OFF;
         BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {org_max})
         INSERT INTO organisations (id, name, created_at)
           SELECT printf('o%05d', i), printf('Venue Group %d', i), '{base}' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {cert_max})
         INSERT INTO premises (id, organisation_id, kind, name, address, town, postcode, capacity,
                               place_of_worship, event_start, event_end, dsi_name, dsi_email, created_at, updated_at)
           SELECT printf('p%07d', i), printf('o%05d', i % {orgs}), 'building', printf('Hall %d', i),
                  '1 Quay Street', 'Bristol', 'BS1 4DJ', 450, 0, NULL, NULL, NULL, NULL, '{base}', '{base}' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {cert_max})
         INSERT INTO certificates (id, number, application_id, premises_id, organisation_id, kind, tier,
                                   premises_name, address, town, postcode, advisor_id, advisor_name,
                                   accreditation_number, checklist_id, outcome, conditions, issued_at,
                                   expires_at, status, status_reason, superseded_by, updated_at, status_index)
           SELECT printf('c%07d', i), printf('PSC-2026-%06d-X', i), printf('a%07d', i), printf('p%07d', i),
                  printf('o%05d', i % {orgs}), 'building', 'standard', printf('Hall %d', i),
                  '1 Quay Street', 'Bristol', 'BS1 4DJ', 'adv', 'Ada Advisor', 'PSA-0001', 'building-v1',
                  'certified', '[]', datetime('{base}', printf('%+d days', -(i % 300))),
                  datetime('{base}', printf('%+d days', 365 - (i % 300))),
                  'active', NULL, NULL, '{base}', i FROM n;
         COMMIT;
         PRAGMA foreign_keys = ON;
         ANALYZE;",
        org_max = orgs - 1,
        cert_max = certificates - 1,
    ))?;
    Ok(())
}
