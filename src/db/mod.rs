//! Storage: one diesel codebase over SQLite (the embedded default) and PostgreSQL.
//! Each entity's queries live in its own module here (`premises`, `applications`,
//! …): no use case or handler writes SQL. (The stores that the service layer
//! uses as infrastructure keep theirs beside them: the reminder outbox in
//! `notify::outbox`, the checklist and key stores in `checklists`, `secrets` and
//! `certificates::token`.)
//!
//! Blocking diesel calls run on actix's blocking pool through [`Db::run`], never on
//! the async executor threads.

pub mod advisors;
pub mod applications;
pub mod certificates;
pub mod enums;
pub mod evidence;
pub mod models;
pub mod notifications;
pub mod password_resets;
pub mod premises;
pub mod schema;
pub mod sequences;
pub mod users;
// Part 3: the second sign-off.
pub mod sign_offs;

// Part 1 of issue 11: conditions to closure.
pub mod conditions;

// Part 4 (advisor oversight).
pub mod reviews;

// Issue 11 part 5: fire safety on file.
pub mod fire_safety;
// issue 11 part 2: appeals
pub mod appeals;
// Issue 12 part F: the database check behind /healthz, the pool's events and the
// counted gauges of /metrics.
pub mod gauges;
pub mod health;

// Issue 12 part B: point reads at gate speed.
pub mod public;
pub mod reader;

// Issue 12 part A: batched inserts for `bench seed`.
pub mod bulk;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::cell::RefCell;
use std::sync::Arc;

use crate::domain::audit::AuditKey;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;
pub type PooledConn = PooledConnection<ConnectionManager<DbConnection>>;

/// One page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// Which backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL selects: `postgres://` or `postgresql://` is
    /// PostgreSQL, `sqlite://PATH` or a plain file path is SQLite. Anything else that
    /// looks like a URL (`Postgres://`, `postgress://`, `mysql://`) or has spaces
    /// around it is refused, so a typo never starts a new, empty register. The
    /// message names the accepted forms and never the password.
    pub fn of_url(url: &str) -> anyhow::Result<Backend> {
        const ACCEPTED: &str = "accepted forms: postgres://USER:PASSWORD@HOST:PORT/DB,              postgresql://…, sqlite://PATH or a plain file path";
        if url.trim() != url || url.is_empty() {
            anyhow::bail!(
                "database URL `{}` has spaces around it or is blank; {ACCEPTED}",
                redact(url)
            );
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres);
        }
        if url.starts_with("sqlite://") {
            return Ok(Backend::Sqlite);
        }
        if let Some(scheme) = scheme_of(url) {
            anyhow::bail!(
                "database URL `{}` has an unknown scheme `{scheme}`; {ACCEPTED}",
                redact(url)
            );
        }
        if url.chars().any(char::is_control) {
            anyhow::bail!("database path has control characters; {ACCEPTED}");
        }
        Ok(Backend::Sqlite)
    }
}

/// The scheme of something that looks like a URL (`name:` or `name://` before any
/// slash), if it does.
fn scheme_of(url: &str) -> Option<&str> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let looks_like_scheme = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (looks_like_scheme || url.contains("://")).then_some(scheme)
}

/// The file path of a SQLite URL (`sqlite://PATH` or a plain path).
fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://").unwrap_or(url)
}

/// One line for a PostgreSQL server that cannot be reached, naming where.
fn postgres_unreachable(url: &str, error: &str) -> String {
    let host_port = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .map(|rest| rest.rsplit_once('@').map_or(rest, |(_, h)| h))
        .map(|rest| rest.split(['/', '?']).next().unwrap_or(rest))
        .unwrap_or("");
    let host_port = if host_port.is_empty() {
        "localhost:5432".to_string()
    } else if host_port.contains(':') && !host_port.ends_with(']') {
        host_port.to_string()
    } else {
        format!("{host_port}:5432")
    };
    let lower = error.to_lowercase();
    let reason = if lower.contains("connection refused") {
        "connection refused".to_string()
    } else if lower.contains("timeout") || lower.contains("timed out") {
        "timed out".to_string()
    } else {
        error
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("unknown error")
            .to_string()
    };
    format!("cannot connect to PostgreSQL: {reason} at {host_port}")
}

/// A PostgreSQL URL with a connect timeout, unless it sets its own.
fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
    } else {
        format!("{url}?connect_timeout={PG_CONNECT_TIMEOUT_SECS}")
    }
}

/// Issue 12 part B: the page cache of a per-thread SQLite reader, unless configured.
const DEFAULT_READER_CACHE_KIB: u32 = 512;

/// How long opening a PostgreSQL connection may take before the service says so.
const PG_CONNECT_TIMEOUT_SECS: u64 = 5;

/// The pool's size unless configured. SQLite runs its queries inside the service,
/// on the service's own cores, and has one writer: more connections than blocking
/// threads that can use them at once only hold page caches (issue 12, 3 December:
/// 4 instead of 8 was 3 MB less resident, the same throughput). A PostgreSQL
/// connection costs the service little, and its queries run on the server.
pub fn default_pool_size(backend: Backend) -> u32 {
    match backend {
        Backend::Sqlite => 4,
        Backend::Postgres => 8,
    }
}

/// The page cache of each pooled SQLite connection, in KiB (SQLite's default is
/// 2,000 KiB).
const POOLED_SQLITE_CACHE_KIB: u32 = 512;

#[derive(Debug)]
struct SqlitePragmas;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            // The busy timeout makes a second writer wait instead of failing at once.
            // (WAL is a property of the file, set once in `Db::connect`.) The page
            // cache is small: every pooled connection has its own, while the OS
            // keeps the file's hot pages once for all of them (issue 12: eight
            // connections at SQLite's default 2 MiB were an eighth of the memory).
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; \
                 PRAGMA foreign_keys = ON; PRAGMA cache_size = -{POOLED_SQLITE_CACHE_KIB};"
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The handle the app shares: a connection pool, and the key that audit entries
/// written through it are linked with (see [`Db::with_audit_key`]).
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    pub backend: Backend,
    audit_key: Option<Arc<AuditKey>>,
    // Issue 12 part F: the pool's checkouts, waits and timeouts, for /metrics.
    pool_events: Arc<health::PoolEvents>,
    /// The URL the pool connects to (for the health check's own connection).
    url: Arc<str>,

    // Issue 12 part B: the SQLite file that `read` opens per thread (None: `run`).
    reader_path: Option<Arc<str>>,
    reader_cache_kib: u32,

    // Issue 12: told, on the connection, when work on it changed a public record.
    after_public_change: Arc<std::sync::OnceLock<public::AfterChange>>,
}

thread_local! {
    /// The audit key of the [`Db`] whose work runs on this thread right now.
    static AUDIT_KEY: RefCell<Option<Arc<AuditKey>>> = const { RefCell::new(None) };
}

/// The audit key in scope: the one of the `Db` running the current work
/// ([`Db::run`], [`Db::blocking`]). `sequences::audit` refuses to write without it.
pub(crate) fn audit_key_in_scope() -> Option<Arc<AuditKey>> {
    AUDIT_KEY.with(|k| k.borrow().clone())
}

/// A pooled connection that writes audit entries with its `Db`'s key.
pub struct Conn {
    conn: PooledConn,
    _scope: AuditKeyScope,
    _on_this_thread: std::marker::PhantomData<std::rc::Rc<()>>,
}

impl std::ops::Deref for Conn {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// Puts a key in scope for as long as it lives, then restores the one before.
struct AuditKeyScope(Option<Arc<AuditKey>>);

impl AuditKeyScope {
    fn enter(key: Option<Arc<AuditKey>>) -> AuditKeyScope {
        AuditKeyScope(AUDIT_KEY.with(|k| k.replace(key)))
    }
}

impl Drop for AuditKeyScope {
    fn drop(&mut self) {
        let previous = self.0.take();
        AUDIT_KEY.with(|k| *k.borrow_mut() = previous);
    }
}

impl Db {
    /// Opens a pool of `pool_size` connections (0: [`default_pool_size`] for the
    /// backend); for SQLite `url` is a file path (its folder is created).
    pub fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        let backend = Backend::of_url(url)?;
        let pool_size = match pool_size {
            0 => default_pool_size(backend),
            n => n,
        };
        let url = match backend {
            Backend::Sqlite => sqlite_path(url).to_string(),
            Backend::Postgres => with_connect_timeout(url),
        };
        let url = url.as_str();
        if backend == Backend::Sqlite
            && let Some(parent) = std::path::Path::new(url).parent()
            && !parent.as_os_str().is_empty()
        {
            crate::private_fs::create_missing_dirs(parent)?;
        }
        if backend == Backend::Sqlite {
            // The register holds the keys: only its owner may read it (SQLite gives
            // its -wal and -shm files the same mode).
            if !url.starts_with(':') && !url.starts_with("file:") {
                crate::private_fs::touch(std::path::Path::new(url))
                    .map_err(|e| anyhow::anyhow!("cannot create the database at {url}: {e}"))?;
            }
            // WAL lets readers run beside the one writer. Switching to it takes a
            // lock that the pool's connections, opening together, would race for;
            // it persists in the file, so one connection does it before the pool.
            let mut conn = SqliteConnection::establish(url)
                .map_err(|e| anyhow::anyhow!("cannot open the database at {url}: {e}"))?;
            conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        } else {
            // One attempt first, so that a server that is down or refuses is one
            // clear line, not the pool's retries until its timeout.
            PgConnection::establish(url)
                .map_err(|e| anyhow::anyhow!("{}", postgres_unreachable(url, &e.to_string())))?;
        }
        let manager = ConnectionManager::<DbConnection>::new(url);
        let pool_events = Arc::new(health::PoolEvents::default());
        let pool = Pool::builder()
            .max_size(pool_size)
            // Issue 12 part B: a SQLite file cannot drop its connection, and the
            // `SELECT 1` of a check-out test was compiled afresh on every request.
            // A PostgreSQL connection is still tested: the server may have gone.
            .test_on_check_out(backend == Backend::Postgres)
            .connection_customizer(Box::new(SqlitePragmas))
            .event_handler(Box::new(health::PoolEventHandler(pool_events.clone())))
            .build(manager)
            .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", redact(url)))?;
        Ok(Db {
            pool,
            backend,
            audit_key: None,
            pool_events,
            url: Arc::from(url),

            reader_path: reader::inline_reads(backend, url).then(|| Arc::from(url)),
            reader_cache_kib: DEFAULT_READER_CACHE_KIB,
            after_public_change: Arc::default(),
        })
    }

    /// Opens an existing register only: a SQLite file that is not there is an
    /// error, not a new empty register (a command run from the wrong folder must
    /// not quietly report on nothing).
    pub fn open_existing(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        if Backend::of_url(url)? == Backend::Sqlite
            && !std::path::Path::new(sqlite_path(url)).exists()
        {
            anyhow::bail!(
                "no register at {url}: run this from the folder that holds data/ (paths are relative to the working folder), or set PROTECTCERT_DATA_DIR or PROTECTCERT_DATABASE_URL"
            );
        }
        Db::connect(url, pool_size)
    }

    /// Issue 12 part B: the page cache of each thread's SQLite reader ([`Db::read`]).
    pub fn with_reader_cache_kib(mut self, kib: u32) -> Db {
        self.reader_cache_kib = kib;
        self
    }

    /// This handle with the key its audit entries are linked with.
    pub fn with_audit_key(mut self, key: AuditKey) -> Db {
        self.audit_key = Some(Arc::new(key));
        self
    }

    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit_key.as_deref()
    }

    /// A pooled connection for blocking code (the command line, start-up). Audit
    /// entries can only be written inside [`Db::run`] or [`Db::blocking`].
    /// A connection from the pool, with this handle's audit key in scope while it
    /// lives (on this thread: the connection cannot be sent to another).
    pub fn get(&self) -> anyhow::Result<Conn> {
        let conn = self.pool.get()?;
        Ok(Conn {
            conn,
            _scope: AuditKeyScope::enter(self.audit_key.clone()),
            _on_this_thread: std::marker::PhantomData,
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.run(|conn| {
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok::<_, anyhow::Error>(())
        })
        .await
        .is_ok()
    }

    /// Applies the embedded migrations of this backend; returns how many ran.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.get()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
            DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        }
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
        Ok(applied.len())
    }

    /// Runs blocking database work on the blocking thread pool.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<anyhow::Error> + Send + 'static,
    {
        let db = self.clone();
        actix_web::web::block(move || db.blocking(f))
            .await
            .map_err(|e| E::from(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    /// Runs blocking database work on this thread, with this handle's audit key in
    /// scope (for code already off the async executor: the command line, start-up).
    pub fn blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<anyhow::Error>,
    {
        let mut conn = self.pool.get().map_err(|e| E::from(e.into()))?;
        let _scope = AuditKeyScope::enter(self.audit_key.clone());
        public::take_changed();
        let done = f(&mut conn);
        // Issue 12: this instance shows its own status changes at once.
        if public::take_changed()
            && let Some(after) = self.after_public_change.get()
        {
            after(&mut conn);
        }
        done
    }

    /// Issue 12: what to run, once the work that changed a public record (a
    /// certificate's status or dates: `public::mark_changed`) is done, on its
    /// connection. Set once (the public cache); later calls are ignored.
    pub fn after_public_change(&self, after: public::AfterChange) {
        let _ = self.after_public_change.set(after);
    }
}

/// Runs `f` in one transaction that writes. On SQLite the transaction takes the write
/// lock first, so that two writers queue on the busy timeout rather than one of them
/// failing when it upgrades a read snapshot that has gone stale.
pub fn write_tx<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    conn.transaction(|tx| {
        if let DbConnection::Sqlite(_) = tx {
            diesel::sql_query("UPDATE sequences SET value = value WHERE name = 'audit'")
                .execute(tx)?;
        }
        f(tx)
    })
}

/// Hides the password of a database URL in messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme + 3],
                    &creds[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub fn now() -> time::PrimitiveDateTime {
    from_utc(time::OffsetDateTime::now_utc())
}

pub fn to_utc(t: time::PrimitiveDateTime) -> time::OffsetDateTime {
    t.assume_utc()
}

/// A UTC time as stored, cut to microseconds: both backends keep that precision, so
/// a stored time reads back equal to what the API answered when it was written.
pub fn from_utc(t: time::OffsetDateTime) -> time::PrimitiveDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t.replace_nanosecond(t.microsecond() * 1000).unwrap_or(t);
    time::PrimitiveDateTime::new(t.date(), t.time())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact("postgres://app:s3cret@localhost/db"),
            "postgres://app:***@localhost/db"
        );
        assert_eq!(redact("data/protectcert.db"), "data/protectcert.db");
    }

    /// The migration that lets an accreditation be withdrawn rebuilds the SQLite
    /// table: the rows survive it, and the new status is accepted, unknown ones not.
    #[test]
    fn withdrawn_accreditations_migration_keeps_the_advisors() {
        use diesel::migration::MigrationSource;
        use diesel::sqlite::Sqlite;
        let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
        conn.batch_execute("PRAGMA foreign_keys = ON;")
            .expect("pragma");
        diesel::migration::MigrationConnection::setup(&mut conn).expect("migrations table");
        let mut all = MigrationSource::<Sqlite>::migrations(&SQLITE_MIGRATIONS).expect("list");
        all.sort_by_key(|m| m.name().to_string());
        let at = all
            .iter()
            .position(|m| m.name().to_string().ends_with("_accreditation_withdrawn"))
            .expect("the migration exists");
        for m in &all[..at] {
            conn.run_migration(m).expect("earlier migration");
        }
        conn.batch_execute(
            "INSERT INTO organisations VALUES ('org', 'Tied Ltd', '2026-01-01 00:00:00');
             INSERT INTO users VALUES ('adv', NULL, 'advisor', 'Ada', 'ada@x.test', 'h', '2026-01-01 00:00:00');
             INSERT INTO advisors VALUES ('adv', 'PSA-1', '2027-06-30', 'building,event', 'suspended', 'org', '2026-01-01 00:00:00');",
        )
        .expect("seed");
        assert!(
            conn.batch_execute("UPDATE advisors SET status = 'withdrawn'")
                .is_err(),
            "before the migration, withdrawn is refused"
        );
        conn.run_migration(&all[at]).expect("the migration");
        #[derive(diesel::QueryableByName, Debug, PartialEq)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            accreditation_number: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            scopes: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            status: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            tied_organisation_id: Option<String>,
        }
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT accreditation_number, scopes, status, tied_organisation_id FROM advisors",
        )
        .load(&mut conn)
        .expect("rows");
        assert_eq!(
            rows,
            [Row {
                accreditation_number: "PSA-1".into(),
                scopes: "building,event".into(),
                status: "suspended".into(),
                tied_organisation_id: Some("org".into()),
            }]
        );
        conn.batch_execute("UPDATE advisors SET status = 'withdrawn'")
            .expect("withdrawn is allowed");
        assert!(
            conn.batch_execute("UPDATE advisors SET status = 'gone'")
                .is_err()
        );
        // The foreign keys hold: no advisor for a user that does not exist.
        assert!(
            conn.batch_execute(
                "INSERT INTO advisors VALUES ('ghost', 'PSA-2', '2027-06-30', 'event', 'active', NULL, '2026-01-01 00:00:00')"
            )
            .is_err()
        );
        // The rest of the migrations still apply on top.
        for m in &all[at + 1..] {
            conn.run_migration(m).expect("later migration");
        }
    }

    /// The migration that opens the email kinds and adds `awaiting_sign_off` rebuilds
    /// two SQLite tables, one of them referenced: every row and reference survives,
    /// the new status is accepted (and still blocks a second open application), and
    /// the foreign keys still hold afterwards.
    #[test]
    fn sign_off_migration_keeps_the_applications_and_their_references() {
        use diesel::migration::MigrationSource;
        use diesel::sqlite::Sqlite;
        let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
        conn.batch_execute("PRAGMA foreign_keys = ON;")
            .expect("pragma");
        diesel::migration::MigrationConnection::setup(&mut conn).expect("migrations table");
        let mut all = MigrationSource::<Sqlite>::migrations(&SQLITE_MIGRATIONS).expect("list");
        all.sort_by_key(|m| m.name().to_string());
        let at = all
            .iter()
            .position(|m| m.name().to_string().ends_with("_open_kinds_and_sign_off"))
            .expect("the migration exists");
        for m in &all[..at] {
            conn.run_migration(m).expect("earlier migration");
        }
        let t = "'2026-01-01 00:00:00'";
        conn.batch_execute(&format!(
            "INSERT INTO organisations VALUES ('org', 'Venue Ltd', {t});
             INSERT INTO users (id, organisation_id, role, name, email, password_hash, created_at)
                 VALUES ('op', 'org', 'operator', 'Olu', 'olu@x.test', 'h', {t});
             INSERT INTO checklists VALUES ('cl', 'building', 1, 'Buildings', 's', 'h', {t});
             INSERT INTO premises (id, organisation_id, kind, name, address, town, postcode,
                 capacity, place_of_worship, created_at, updated_at)
                 VALUES ('p1', 'org', 'building', 'Hall', '1 Road', 'Town', 'AB1 2CD', 900, 0, {t}, {t}),
                        ('p2', 'org', 'building', 'Annex', '2 Road', 'Town', 'AB1 2CD', 900, 0, {t}, {t});
             INSERT INTO applications (id, premises_id, organisation_id, checklist_id, tier, status,
                 created_by, created_at, updated_at)
                 VALUES ('a1', 'p1', 'org', 'cl', 'standard', 'in_review', 'op', {t}, {t});
             INSERT INTO answers VALUES ('a1', 'gov-01', 'in_place', 'n', {t});
             INSERT INTO notifications VALUES ('n1', 's', 'condition_due', 0, '2026-01-01', '[]',
                 'm', '{{}}', 'pending', 0, NULL, {t}, NULL, NULL, NULL, {t}, {t});"
        ))
        .expect("seed");
        conn.run_migration(&all[at]).expect("the migration");
        #[derive(diesel::QueryableByName, Debug, PartialEq)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            status: String,
        }
        let rows: Vec<Row> = diesel::sql_query("SELECT id, status FROM applications")
            .load(&mut conn)
            .expect("rows");
        assert_eq!(
            rows,
            [Row {
                id: "a1".into(),
                status: "in_review".into()
            }]
        );
        let kept: Vec<Row> = diesel::sql_query("SELECT application_id AS id, status FROM answers")
            .load(&mut conn)
            .expect("answers");
        assert_eq!(kept.len(), 1);
        let sent: Vec<Row> = diesel::sql_query("SELECT id, status FROM notifications")
            .load(&mut conn)
            .expect("notifications");
        assert_eq!(
            sent,
            [Row {
                id: "n1".into(),
                status: "pending".into()
            }]
        );
        conn.batch_execute("UPDATE applications SET status = 'awaiting_sign_off'")
            .expect("awaiting_sign_off is allowed");
        assert!(
            conn.batch_execute("UPDATE applications SET status = 'gone'")
                .is_err()
        );
        // Awaiting sign-off is open: no second open application for the premises.
        assert!(
            conn.batch_execute(&format!(
                "INSERT INTO applications (id, premises_id, organisation_id, checklist_id, tier,
                     status, created_by, created_at, updated_at)
                     VALUES ('a2', 'p1', 'org', 'cl', 'standard', 'draft', 'op', {t}, {t})"
            ))
            .is_err()
        );
        // The foreign keys hold on the rebuilt table and on those referencing it.
        assert!(
            conn.batch_execute(&format!(
                "INSERT INTO applications (id, premises_id, organisation_id, checklist_id, tier,
                     status, created_by, created_at, updated_at)
                     VALUES ('a3', 'nowhere', 'org', 'cl', 'standard', 'draft', 'op', {t}, {t})"
            ))
            .is_err()
        );
        assert!(
            conn.batch_execute(&format!(
                "INSERT INTO answers VALUES ('ghost', 'gov-01', 'in_place', 'n', {t})"
            ))
            .is_err()
        );
        // Any kind of email may be queued now; the status is still checked.
        conn.batch_execute(&format!(
            "INSERT INTO notifications VALUES ('n2', 's', 'a_new_kind', 0, '2026-01-01', '[]',
                 'm', '{{}}', 'pending', 0, NULL, {t}, NULL, NULL, NULL, {t}, {t})"
        ))
        .expect("a new kind");
        assert!(
            conn.batch_execute("UPDATE notifications SET status = 'lost'")
                .is_err()
        );
        for m in &all[at + 1..] {
            conn.run_migration(m).expect("later migration");
        }
    }

    #[test]
    fn a_pool_size_of_zero_is_the_backends_default() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pool.db");
        let path = path.to_str().expect("a UTF-8 path");
        assert_eq!(Db::connect(path, 0).expect("connect").pool.max_size(), 4);
        assert_eq!(Db::connect(path, 3).expect("connect").pool.max_size(), 3);
        assert_eq!(default_pool_size(Backend::Postgres), 8);
    }

    #[test]
    fn backend_from_url() {
        let of = |u: &str| Backend::of_url(u).ok();
        assert_eq!(of("postgresql://x/y"), Some(Backend::Postgres));
        assert_eq!(of("postgres://u:p@h:5/d"), Some(Backend::Postgres));
        assert_eq!(of("./data/p.db"), Some(Backend::Sqlite));
        assert_eq!(of("/abs/p.db"), Some(Backend::Sqlite));
        assert_eq!(of("sqlite://data/p.db"), Some(Backend::Sqlite));
        assert_eq!(sqlite_path("sqlite://data/p.db"), "data/p.db");
        for bad in [
            "Postgres://u:pw@h/d",
            "postgress://u:pw@h/d",
            "mysql://u:pw@h/d",
            " postgres://u:pw@h/d",
            "postgres://u:pw@h/d ",
            "file:p.db",
            "",
        ] {
            let err = Backend::of_url(bad).expect_err(bad).to_string();
            assert!(
                err.contains("postgres://") && err.contains("sqlite://"),
                "{err}"
            );
            assert!(!err.contains("pw"), "{err}");
        }
    }

    #[test]
    fn an_unreachable_postgres_is_one_line_naming_where() {
        assert_eq!(
            postgres_unreachable(
                "postgres://u:pw@db.example:6543/x?connect_timeout=5",
                "connection to server at \"db.example\", port 6543 failed: Connection refused\n\tIs the server running?"
            ),
            "cannot connect to PostgreSQL: connection refused at db.example:6543"
        );
        assert_eq!(
            postgres_unreachable("postgres://h/x", "Connection refused"),
            "cannot connect to PostgreSQL: connection refused at h:5432"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/x"),
            "postgres://h/x?connect_timeout=5"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/x?a=b"),
            "postgres://h/x?a=b&connect_timeout=5"
        );
    }
}
