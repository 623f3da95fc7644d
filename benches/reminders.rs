//! Reminder sweep over a register of 1,000,000 certificates, the delivery of the
//! whole first-day backlog to .eml files (in a child process, so that its peak memory
//! and bytes written are its own), and delivery throughput to an SMTP server on
//! loopback (aiosmtpd, `tests/smtp_sink.py`).
//!
//!     cargo bench --bench reminders
//!     REMINDERS_BENCH_DATABASE_URL=postgres://USER@HOST:PORT/DB cargo bench --bench reminders
//!
//! SQLite by default (a temporary file); with a `postgres://` URL the register is
//! written into a new database on that server (dropped at the end).
//! `REMINDERS_BENCH_BACKLOG=N` sends only N of the backlog (the rest is set aside).
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
use protectcert::db::{Db, DbConnection};
use protectcert::notify::{Reminders, SweepReport};
use time::{Duration, OffsetDateTime};

const CERTIFICATES: i64 = 1_000_000;
const ORGANISATIONS: i64 = 10_000;
/// Expiry dates spread evenly over this many days, starting 45 days ago: a register
/// of one-year certificates, some lapsed recently.
const SPREAD_DAYS: i64 = 410;
const DELIVERIES: usize = 2_000;
/// Set in the child process that queues and delivers the backlog.
const CHILD: &str = "REMINDERS_BENCH_CHILD";

#[derive(QueryableByName)]
struct PlanRow {
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct PgPlanRow {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
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
    if std::env::var_os(CHILD).is_some() {
        return rt.block_on(backlog_child());
    }
    rt.block_on(run())
}

fn audit_key() -> protectcert::domain::audit::AuditKey {
    protectcert::domain::audit::AuditKey::new(vec![7; 32]).expect("key")
}

/// Where the register lives: a SQLite file in `dir`, or a new database on the
/// PostgreSQL server of `REMINDERS_BENCH_DATABASE_URL`.
struct Target {
    url: String,
    /// (server URL, database name) to drop at the end.
    pg: Option<(String, String)>,
}

fn target(dir: &std::path::Path) -> anyhow::Result<Target> {
    let given = std::env::var("REMINDERS_BENCH_DATABASE_URL").unwrap_or_default();
    if !(given.starts_with("postgres://") || given.starts_with("postgresql://")) {
        return Ok(Target {
            url: dir.join("bench.db").to_string_lossy().into_owned(),
            pg: None,
        });
    }
    let name = format!("protectcert_reminders_bench_{}", std::process::id());
    let mut admin = PgConnection::establish(&given)?;
    admin.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let (scheme, rest) = given.split_once("://").expect("a URL");
    let (authority, query) = match rest.split_once('/') {
        Some((a, path)) => (a, path.split_once('?').map(|(_, q)| q)),
        None => (rest, None),
    };
    let url = match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    };
    Ok(Target {
        url,
        pg: Some((given, name)),
    })
}

fn raw_connection(url: &str) -> anyhow::Result<DbConnection> {
    Ok(if url.starts_with("postgres") {
        DbConnection::Postgres(PgConnection::establish(url)?)
    } else {
        DbConnection::Sqlite(SqliteConnection::establish(url)?)
    })
}

async fn run() -> anyhow::Result<()> {
    println!("machine: {} cores, {}", cores(), cpu_model());
    let dir = tempfile::tempdir()?;
    let target = target(dir.path())?;
    let url = target.url.clone();
    let result = measure(dir.path(), &url).await;
    if let Some((server, name)) = &target.pg {
        let mut admin = PgConnection::establish(server)?;
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    }
    result
}

async fn measure(dir: &std::path::Path, url: &str) -> anyhow::Result<()> {
    let db = Db::connect(url, 4)?.with_audit_key(audit_key());
    db.migrate()?;
    println!("database: {:?}", db.backend);
    let today = OffsetDateTime::now_utc().date();

    let t = Instant::now();
    let mut conn = raw_connection(url)?;
    match &mut conn {
        DbConnection::Sqlite(c) => fill_register(c, today)?,
        DbConnection::Postgres(c) => fill_register_pg(c, today)?,
    }
    println!(
        "register: {CERTIFICATES} certificates, {CERTIFICATES} premises, {ORGANISATIONS} organisations written in {:.1} s",
        t.elapsed().as_secs_f64(),
    );

    println!("\nquery plan, certificates due for one offset:");
    for line in plan(&mut conn, today)? {
        println!("  {line}");
    }

    let mut settings = Settings::defaults()?;
    settings.data_dir = dir.to_path_buf();
    settings.database_url = url.to_string();
    let reminders = Reminders::new(&settings)?;
    let now = today.with_hms(9, 0, 0)?.assume_utc();

    backlog(&settings, now)?;

    let mut times = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu_secs());
        let again = reminders.queue(&db, now + Duration::minutes(5)).await?;
        times.push(t.elapsed().as_secs_f64());
        cpu.push(cpu_secs() - c);
        assert!(again.is_empty(), "a second sweep queues nothing new");
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "steady state (same day again, nothing new; the cost of every 5-minute sweep): median {:.0} ms, min {:.0} ms, max {:.0} ms over 5; this process's CPU median {:.0} ms",
        times[2] * 1000.0,
        times[0] * 1000.0,
        times[4] * 1000.0,
        cpu[2] * 1000.0
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

    // The same steady-state sweep without the covering index of the candidates.
    conn.batch_execute("DROP INDEX certificates_expiry_reminders")?;
    println!("\nwithout the certificates_expiry_reminders index:");
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

/// The first sweep over the register, in a child process: queues the backlog (every
/// reminder current in its window) and delivers all of it to .eml files, then
/// prints its peak memory and what it wrote.
fn backlog(settings: &Settings, now: OffsetDateTime) -> anyhow::Result<()> {
    let out = Command::new(std::env::current_exe()?)
        .arg("--bench")
        .env(CHILD, "1")
        .env("REMINDERS_BENCH_CHILD_URL", &settings.database_url)
        .env("REMINDERS_BENCH_CHILD_DIR", &settings.data_dir)
        .env(
            "REMINDERS_BENCH_CHILD_NOW",
            now.unix_timestamp().to_string(),
        )
        .stderr(Stdio::inherit())
        .output()?;
    anyhow::ensure!(out.status.success(), "the backlog child failed");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let outbox = settings.data_dir.join("outbox");
    let mut files = 0u64;
    let mut bytes = 0u64;
    let mut sample = None;
    for entry in std::fs::read_dir(&outbox)? {
        let entry = entry?;
        files += 1;
        bytes += entry.metadata()?.len();
        if sample.is_none() {
            sample = Some(entry.path());
        }
    }
    println!(
        ".eml files: {files}, {:.0} bytes each on average",
        bytes as f64 / files.max(1) as f64
    );
    if let Some(path) = sample {
        println!("one of them ({}):", path.display());
        for line in std::fs::read_to_string(path)?.lines().take(60) {
            println!("  | {line}");
        }
    }
    // The files are not needed again: free the disk for the rest.
    std::fs::remove_dir_all(&outbox)?;
    std::fs::create_dir(&outbox)?;
    Ok(())
}

async fn backlog_child() -> anyhow::Result<()> {
    let url = std::env::var("REMINDERS_BENCH_CHILD_URL")?;
    let mut settings = Settings::defaults()?;
    settings.data_dir = std::env::var("REMINDERS_BENCH_CHILD_DIR")?.into();
    settings.database_url = url.clone();
    let now =
        OffsetDateTime::from_unix_timestamp(std::env::var("REMINDERS_BENCH_CHILD_NOW")?.parse()?)?;
    let db = Db::connect(&url, 4)?.with_audit_key(audit_key());
    let reminders = Reminders::new(&settings)?;
    let before = io_counters();
    let t = Instant::now();
    let queued = reminders.queue(&db, now).await?.len();
    let queue_secs = t.elapsed().as_secs_f64();
    println!(
        "\nfirst sweep (backlog: every reminder current in its {}-day window): {queued} queued in {queue_secs:.2} s",
        settings.reminder_window_days,
    );
    if let Some(limit) = std::env::var("REMINDERS_BENCH_BACKLOG")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        let mut conn = raw_connection(&url)?;
        conn.batch_execute(&format!(
            "UPDATE notifications SET status = 'skipped', last_error = 'benchmark'
             WHERE status = 'pending' AND id NOT IN
               (SELECT id FROM notifications WHERE status = 'pending' ORDER BY id LIMIT {limit})"
        ))?;
        println!("(REMINDERS_BENCH_BACKLOG: only {limit} of them are sent)");
    }
    let after_queue = io_counters();
    let t = Instant::now();
    let mut report = SweepReport::default();
    reminders.deliver(&db, now, &mut report).await?;
    let secs = t.elapsed().as_secs_f64();
    let after = io_counters();
    let sent = report.sent.len();
    println!(
        "backlog delivered to .eml files: {sent} sent in {secs:.2} s = {:.0} messages/s ({}); queue + deliver {:.0} messages/s",
        sent as f64 / secs,
        report.summary(),
        sent as f64 / (secs + queue_secs),
    );
    let per = |a: u64, b: u64| (b.saturating_sub(a)) as f64 / sent.max(1) as f64;
    println!(
        "written per message while delivering: {:.0} bytes passed to write() (wchar), {:.0} bytes to storage (write_bytes); queueing wrote {:.0} MB (wchar)",
        per(after_queue.0, after.0),
        per(after_queue.1, after.1),
        after_queue.0.saturating_sub(before.0) as f64 / 1e6,
    );
    println!(
        "peak memory of the sweep process (VmHWM): {} MB",
        vm_hwm_kb() / 1024
    );
    Ok(())
}

/// CPU time (user + system) of this process so far, from /proc/self/stat (the
/// database server's own time, on PostgreSQL, is not in it).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line; 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// (wchar, write_bytes) of this process from /proc/self/io.
fn io_counters() -> (u64, u64) {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    let field = |name: &str| {
        io.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (field("wchar:"), field("write_bytes:"))
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
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

/// The same register in PostgreSQL, by `generate_series` (foreign keys are not
/// checked while it is written: the bench leaves out applications and advisors).
fn fill_register_pg(conn: &mut PgConnection, today: time::Date) -> anyhow::Result<()> {
    let base = format!("TIMESTAMP '{today} 12:00:00'");
    conn.batch_execute(&format!(
        "SET session_replication_role = replica;
         BEGIN;
         INSERT INTO organisations (id, name, created_at)
           SELECT 'o' || lpad(i::text, 5, '0'), 'Venue Group ' || i, {base}
           FROM generate_series(0, {org_max}) i;
         INSERT INTO users (id, organisation_id, role, name, email, password_hash, created_at)
           SELECT 'u' || lpad(i::text, 5, '0'), 'o' || lpad(i::text, 5, '0'), 'operator',
                  'Olive Operator', 'op' || i || '@venue.test', 'x', {base}
           FROM generate_series(0, {org_max}) i;
         INSERT INTO premises (id, organisation_id, kind, name, address, town, postcode, capacity,
                               place_of_worship, event_start, event_end, dsi_name, dsi_email, created_at, updated_at)
           SELECT 'p' || lpad(i::text, 7, '0'), 'o' || lpad((i % {orgs})::text, 5, '0'), 'building',
                  'Hall ' || i, '1 Quay Street', 'Bristol', 'BS1 4DJ', 450, false, NULL, NULL,
                  CASE WHEN i % 3 = 0 THEN 'Sam Senior' END,
                  CASE WHEN i % 3 = 0 THEN 'dsi' || i || '@venue.test' END, {base}, {base}
           FROM generate_series(0, {cert_max}) i;
         INSERT INTO certificates (id, number, application_id, premises_id, organisation_id, kind, tier,
                                   premises_name, address, town, postcode, advisor_id, advisor_name,
                                   accreditation_number, checklist_id, outcome, conditions, issued_at,
                                   expires_at, status, status_reason, superseded_by, updated_at)
           SELECT 'c' || lpad(i::text, 7, '0'), 'PSC-2026-' || lpad(i::text, 6, '0') || '-X',
                  'a' || lpad(i::text, 7, '0'), 'p' || lpad(i::text, 7, '0'),
                  'o' || lpad((i % {orgs})::text, 5, '0'), 'building', 'standard', 'Hall ' || i,
                  '1 Quay Street', 'Bristol', 'BS1 4DJ', 'adv', 'Ada Advisor', 'PSA-0001', 'building-v1',
                  CASE WHEN i % 10 = 0 THEN 'certified_with_conditions' ELSE 'certified' END,
                  CASE WHEN i % 10 = 0 THEN json_build_array(json_build_object('item_id', 'gov-01',
                         'text', 'Bring fully into place: a written security plan',
                         'due_at', to_char({base} + (i % {spread} - 45 - 365 + 90) * INTERVAL '1 day',
                                           'YYYY-MM-DD\"T\"12:00:00\"Z\"')))::text
                       ELSE '[]' END,
                  {base} + (i % {spread} - 45 - 365) * INTERVAL '1 day',
                  {base} + (i % {spread} - 45) * INTERVAL '1 day',
                  'active', NULL, NULL, {base}
           FROM generate_series(0, {cert_max}) i;
         COMMIT;
         SET session_replication_role = DEFAULT;
         ANALYZE;",
        org_max = ORGANISATIONS - 1,
        orgs = ORGANISATIONS,
        cert_max = CERTIFICATES - 1,
        spread = SPREAD_DAYS,
    ))?;
    Ok(())
}

/// The database's plans for the queries of `outbox::certificates_due` (one offset;
/// the sweep runs them once per offset).
fn plan(conn: &mut DbConnection, today: time::Date) -> anyhow::Result<Vec<String>> {
    let first = today + Duration::days(17);
    let last = today + Duration::days(30);
    let candidates = format!(
        "SELECT number FROM certificates
         WHERE status = 'active' AND kind = 'building'
           AND expires_at >= '{first} 00:00:00' AND expires_at < '{last} 00:00:00'"
    );
    let queued = format!(
        "SELECT subject FROM notifications
         WHERE kind = 'certificate_expiry' AND offset_days = -30
           AND due_on >= '{first}' AND due_on <= '{last}'"
    );
    let mut lines = explain(conn, &candidates)?;
    lines.push("then the reminders already queued for those due dates:".to_string());
    lines.extend(explain(conn, &queued)?);
    Ok(lines)
}

fn explain(conn: &mut DbConnection, query: &str) -> anyhow::Result<Vec<String>> {
    Ok(match conn {
        DbConnection::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {query}"))
            .load::<PlanRow>(c)?
            .into_iter()
            .map(|r| r.detail)
            .collect(),
        DbConnection::Postgres(c) => diesel::sql_query(format!("EXPLAIN {query}"))
            .load::<PgPlanRow>(c)?
            .into_iter()
            .map(|r| r.line)
            .collect(),
    })
}

/// Leaves `DELIVERIES` rows pending and times sending them to aiosmtpd on loopback.
async fn deliver(
    db: &Db,
    conn: &mut DbConnection,
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
    conn: &mut DbConnection,
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
