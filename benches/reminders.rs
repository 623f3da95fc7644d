//! Reminder sweep over a register of 1,000,000 certificates in SQLite, and delivery
//! throughput to an SMTP server on loopback (aiosmtpd, `tests/smtp_sink.py`).
//!
//!     cargo bench --bench reminders
//!
//! Prints the figures recorded in BENCHMARKS.md. Does nothing under `cargo test`
//! (which runs bench targets without `--bench`): it takes minutes and a gigabyte
//! of disk.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;
use protectcert::config::Settings;
use protectcert::db::Db;
use protectcert::notify::{Reminders, SweepReport};
use time::{Duration, OffsetDateTime};

const CERTIFICATES: i64 = 1_000_000;
const ORGANISATIONS: i64 = 10_000;
/// Expiry dates spread evenly over this many days, starting 45 days ago: a register
/// of one-year certificates, some lapsed recently.
const SPREAD_DAYS: i64 = 410;
const DELIVERIES: usize = 2_000;

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn main() -> anyhow::Result<()> {
    if !std::env::args().any(|a| a == "--bench") {
        println!("reminders benchmark: skipped (run it with `cargo bench --bench reminders`)");
        return Ok(());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    println!("machine: {} cores, {}", cores(), cpu_model());
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.db");
    let url = path.to_string_lossy().into_owned();
    let db = Db::connect(&url, 4)?
        .with_audit_key(protectcert::domain::audit::AuditKey::new(vec![7; 32]).expect("key"));
    db.migrate()?;
    let today = OffsetDateTime::now_utc().date();

    let t = Instant::now();
    let mut conn = SqliteConnection::establish(&url)?;
    fill_register(&mut conn, today)?;
    println!(
        "register: {CERTIFICATES} certificates, {CERTIFICATES} premises, {ORGANISATIONS} organisations written in {:.1} s ({} MB on disk)",
        t.elapsed().as_secs_f64(),
        std::fs::metadata(&path)?.len() / 1_000_000
    );

    println!("\nquery plan, certificates due for one offset:");
    for line in plan(&mut conn, today)? {
        println!("  {line}");
    }

    let mut settings = Settings::defaults()?;
    settings.data_dir = dir.path().to_path_buf();
    settings.database_url = url.clone();
    let reminders = Reminders::new(&settings)?;
    let now = today.with_hms(9, 0, 0)?.assume_utc();

    let t = Instant::now();
    let first = reminders.queue(&db, now).await?;
    println!(
        "\nfirst sweep (backlog: every reminder current in its {}-day window): {} queued in {:.2} s",
        settings.reminder_window_days,
        first.len(),
        t.elapsed().as_secs_f64()
    );
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let again = reminders.queue(&db, now + Duration::minutes(5)).await?;
        times.push(t.elapsed().as_secs_f64());
        assert!(again.is_empty(), "a second sweep queues nothing new");
    }
    times.sort_by(f64::total_cmp);
    println!(
        "steady state (same day again, nothing new; the cost of every 5-minute sweep): median {:.0} ms, min {:.0} ms, max {:.0} ms over 5",
        times[2] * 1000.0,
        times[0] * 1000.0,
        times[4] * 1000.0
    );
    let t = Instant::now();
    let next_day = reminders.queue(&db, now + Duration::days(1)).await?;
    println!(
        "next day: {} queued in {:.2} s",
        next_day.len(),
        t.elapsed().as_secs_f64()
    );

    deliver(&db, &mut conn, &settings, now + Duration::days(1)).await?;

    deliver_to_files(&db, &mut conn, &settings, now + Duration::days(1)).await?;

    // The same steady-state sweep without the (status, expires_at) index.
    conn.batch_execute("DROP INDEX certificates_expiry")?;
    println!("\nwithout the certificates_expiry index:");
    for line in plan(&mut conn, today)? {
        println!("  {line}");
    }
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        reminders.queue(&db, now + Duration::days(1)).await?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "steady-state sweep: median {:.0} ms over 3",
        times[1] * 1000.0
    );
    Ok(())
}

/// Organisations with one operator each, premises (a third with a designated senior
/// individual) and certificates (one in ten with a condition), written by SQL.
fn fill_register(conn: &mut SqliteConnection, today: time::Date) -> anyhow::Result<()> {
    let base = format!("{today} 12:00:00");
    conn.batch_execute(
        "PRAGMA foreign_keys = OFF; PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;",
    )?;
    conn.batch_execute(&format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {org_max})
         INSERT INTO organisations (id, name, created_at)
           SELECT printf('o%05d', i), printf('Venue Group %d', i), '{base}' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {org_max})
         INSERT INTO users (id, organisation_id, role, name, email, password_hash, created_at)
           SELECT printf('u%05d', i), printf('o%05d', i), 'operator', 'Olive Operator',
                  printf('op%d@venue.test', i), 'x', '{base}' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {cert_max})
         INSERT INTO premises (id, organisation_id, kind, name, address, town, postcode, capacity,
                               place_of_worship, event_start, event_end, dsi_name, dsi_email, created_at, updated_at)
           SELECT printf('p%07d', i), printf('o%05d', i % {orgs}), 'building', printf('Hall %d', i),
                  '1 Quay Street', 'Bristol', 'BS1 4DJ', 450, 0, NULL, NULL,
                  CASE WHEN i % 3 = 0 THEN 'Sam Senior' END,
                  CASE WHEN i % 3 = 0 THEN printf('dsi%d@venue.test', i) END, '{base}', '{base}' FROM n;
         WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {cert_max})
         INSERT INTO certificates (id, number, application_id, premises_id, organisation_id, kind, tier,
                                   premises_name, address, town, postcode, advisor_id, advisor_name,
                                   accreditation_number, checklist_id, outcome, conditions, issued_at,
                                   expires_at, status, status_reason, superseded_by, updated_at)
           SELECT printf('c%07d', i), printf('PSC-2026-%06d-X', i), printf('a%07d', i), printf('p%07d', i),
                  printf('o%05d', i % {orgs}), 'building', 'standard', printf('Hall %d', i),
                  '1 Quay Street', 'Bristol', 'BS1 4DJ', 'adv', 'Ada Advisor', 'PSA-0001', 'building-v1',
                  CASE WHEN i % 10 = 0 THEN 'certified_with_conditions' ELSE 'certified' END,
                  CASE WHEN i % 10 = 0 THEN json_array(json_object('item_id', 'gov-01',
                         'text', 'Bring fully into place: a written security plan',
                         'due_at', strftime('%Y-%m-%dT12:00:00Z', '{base}', printf('%+d days', i % {spread} - 45 - 365 + 90))))
                       ELSE '[]' END,
                  datetime('{base}', printf('%+d days', i % {spread} - 45 - 365)),
                  datetime('{base}', printf('%+d days', i % {spread} - 45)),
                  'active', NULL, NULL, '{base}' FROM n;
         COMMIT;
         ANALYZE;",
        org_max = ORGANISATIONS - 1,
        orgs = ORGANISATIONS,
        cert_max = CERTIFICATES - 1,
        spread = SPREAD_DAYS,
    ))?;
    Ok(())
}

/// SQLite's plan for the candidate query of `outbox::certificate_reminders` (one
/// offset; the sweep runs it once per offset).
fn plan(conn: &mut SqliteConnection, today: time::Date) -> anyhow::Result<Vec<String>> {
    let first = today + Duration::days(17);
    let last = today + Duration::days(30);
    let rows: Vec<PlanRow> = diesel::sql_query(format!(
        "EXPLAIN QUERY PLAN
         SELECT number FROM certificates
         WHERE status = 'active' AND expires_at >= '{first} 00:00:00' AND expires_at < '{last} 00:00:00'
           AND NOT EXISTS (SELECT 1 FROM notifications n
                           WHERE n.subject = 'certificate:' || certificates.number
                             AND n.kind = 'certificate_expiry' AND n.offset_days = -30)"
    ))
    .load(conn)?;
    Ok(rows.into_iter().map(|r| r.detail).collect())
}

/// Leaves `DELIVERIES` rows pending and times sending them to aiosmtpd on loopback.
async fn deliver(
    db: &Db,
    conn: &mut SqliteConnection,
    settings: &Settings,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
    let mailbox = settings.data_dir.join("mailbox.jsonl");
    let Ok(mut child) = Command::new("python3")
        .arg(script)
        .arg("0")
        .arg(&mailbox)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        println!("\ndelivery: skipped (python3 with aiosmtpd is needed)");
        return Ok(());
    };
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line)?;
    let Some(port) = line.trim().strip_prefix("ready ") else {
        println!("\ndelivery: skipped (the SMTP sink did not start: `pip install aiosmtpd`)");
        let _ = child.kill();
        return Ok(());
    };
    conn.batch_execute(&format!(
        "UPDATE notifications SET status = 'skipped', last_error = 'benchmark'
         WHERE status = 'pending' AND id NOT IN
           (SELECT id FROM notifications WHERE status = 'pending' ORDER BY id LIMIT {DELIVERIES})"
    ))?;
    let mut smtp = settings.clone();
    smtp.smtp_url = format!("smtp://127.0.0.1:{port}");
    let reminders = Reminders::new(&smtp)?;
    let t = Instant::now();
    let mut report = SweepReport::default();
    reminders.deliver(db, now, &mut report).await?;
    let secs = t.elapsed().as_secs_f64();
    let received = std::fs::read_to_string(&mailbox)
        .map(|s| s.lines().count())
        .unwrap_or(0);
    println!(
        "\ndelivery to aiosmtpd on loopback: {} sent ({} received) in {:.2} s = {:.0} messages/s ({})",
        report.sent.len(),
        received,
        secs,
        report.sent.len() as f64 / secs,
        report.summary()
    );
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

/// The same for the embedded default, .eml files: the cost of the outbox itself
/// (claim, status check, render, record with its audit entry) without a network.
async fn deliver_to_files(
    db: &Db,
    conn: &mut SqliteConnection,
    settings: &Settings,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    conn.batch_execute(&format!(
        "UPDATE notifications SET status = 'pending', last_error = NULL
         WHERE id IN (SELECT id FROM notifications WHERE status = 'skipped'
                      AND last_error = 'benchmark' ORDER BY id LIMIT {DELIVERIES})"
    ))?;
    let reminders = Reminders::new(settings)?;
    let t = Instant::now();
    let mut report = SweepReport::default();
    reminders.deliver(db, now, &mut report).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "delivery to .eml files: {} written in {:.2} s = {:.0} messages/s",
        report.sent.len(),
        secs,
        report.sent.len() as f64 / secs
    );
    Ok(())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string())
}
