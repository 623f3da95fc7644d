//! Issue 12 part F. The database check behind `/healthz`, on a connection of its
//! own (never one of the pool's, so a busy pool never delays it and it never
//! takes a connection from a request), and what the pool tells of its use.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::pg::PgConnection;
use diesel::r2d2::event::{CheckoutEvent, HandleEvent, TimeoutEvent};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, RunQueryDsl};

use super::{Backend, Db};

/// Counts of the pool's checkouts, kept by [`PoolEventHandler`].
#[derive(Debug, Default)]
pub struct PoolEvents {
    checkouts: AtomicU64,
    wait_micros: AtomicU64,
    timeouts: AtomicU64,
}

/// Feeds [`PoolEvents`] from r2d2's events.
#[derive(Debug)]
pub struct PoolEventHandler(pub Arc<PoolEvents>);

impl HandleEvent for PoolEventHandler {
    fn handle_checkout(&self, event: CheckoutEvent) {
        self.0.checkouts.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(event.duration().as_micros()).unwrap_or(u64::MAX);
        self.0.wait_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn handle_timeout(&self, _event: TimeoutEvent) {
        self.0.timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// The pool's use at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolUse {
    /// The most connections the pool opens.
    pub max: u32,
    /// Connections open now, in use or idle.
    pub open: u32,
    pub idle: u32,
    /// Connections handed out since start.
    pub checkouts: u64,
    /// Time spent waiting for them, in seconds, since start.
    pub wait_seconds: f64,
    /// Checkouts that gave up waiting since start.
    pub timeouts: u64,
}

impl Db {
    /// What the pool holds and has done (cheap: no connection is taken).
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse {
            max: self.pool.max_size(),
            open: state.connections,
            idle: state.idle_connections,
            checkouts: self.pool_events.checkouts.load(Ordering::Relaxed),
            wait_seconds: self.pool_events.wait_micros.load(Ordering::Relaxed) as f64 / 1e6,
            timeouts: self.pool_events.timeouts.load(Ordering::Relaxed),
        }
    }

    /// A database check with its own connection (see [`Probe`]).
    pub fn probe(&self) -> Probe {
        Probe {
            backend: self.backend,
            url: self.url.clone(),
            postgres: None,
        }
    }
}

/// Checks that the database answers. PostgreSQL: `SELECT 1` on a connection the
/// probe keeps (opened again after a failure). SQLite: the file at the configured
/// path opened afresh (never created) and its schema read, so a register that is
/// gone or unreadable fails even while the pool's open handles still read it.
pub struct Probe {
    backend: Backend,
    url: Arc<str>,
    postgres: Option<PgConnection>,
}

impl Probe {
    /// Whether the database answered (blocking: call off the async executor).
    pub fn check(&mut self) -> bool {
        match self.backend {
            Backend::Sqlite => self.check_sqlite().is_ok(),
            Backend::Postgres => {
                let ok = self.check_postgres().is_ok();
                if !ok {
                    self.postgres = None;
                }
                ok
            }
        }
    }

    fn check_sqlite(&self) -> anyhow::Result<()> {
        let mut conn = SqliteConnection::establish(&sqlite_uri(&self.url))?;
        diesel::sql_query("SELECT count(*) FROM sqlite_master").execute(&mut conn)?;
        Ok(())
    }

    fn check_postgres(&mut self) -> anyhow::Result<()> {
        let conn = match &mut self.postgres {
            Some(conn) => conn,
            None => self.postgres.insert(PgConnection::establish(&self.url)?),
        };
        diesel::sql_query("SELECT 1").execute(conn)?;
        Ok(())
    }
}

/// A SQLite URI that opens the file at `path` read-write but never creates it.
fn sqlite_uri(path: &str) -> String {
    let mut uri = String::from("file:");
    for c in path.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?mode=rw");
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_uri_escapes_what_a_uri_reads_and_never_creates() {
        assert_eq!(sqlite_uri("data/p.db"), "file:data/p.db?mode=rw");
        assert_eq!(sqlite_uri("/t/a?b#c%d"), "file:/t/a%3fb%23c%25d?mode=rw");
    }

    #[test]
    fn a_sqlite_probe_fails_once_the_file_is_gone_and_creates_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r?e#g.db");
        let db = Db::connect(path.to_str().expect("utf-8"), 1).expect("db");
        let mut probe = db.probe();
        assert!(probe.check());
        let moved = dir.path().join("moved.db");
        std::fs::rename(&path, &moved).expect("move");
        assert!(!probe.check());
        assert!(
            !path.exists(),
            "the probe must not create an empty register"
        );
        std::fs::rename(&moved, &path).expect("back");
        assert!(probe.check());
        let use_ = db.pool_use();
        assert_eq!(use_.max, 1);
        assert!(use_.open <= 1);
    }
}
