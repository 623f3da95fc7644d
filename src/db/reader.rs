//! Issue 12 part B: point reads at gate speed.
//!
//! On SQLite a point read by an indexed key takes a few microseconds, less than
//! handing it to the blocking pool and back (two context switches and a pool
//! checkout). [`Db::read`] therefore runs such a read on the calling thread (the
//! async worker) through a read-only connection that this thread keeps open, whose
//! prepared statements diesel caches. WAL readers never wait for the writer, so
//! the worker is not held up by issuance. On PostgreSQL every query is a network
//! round trip: it stays on the blocking pool ([`Db::run`]).
//!
//! Only reads that are one indexed lookup belong here (the public verification of
//! one certificate); anything that scans or writes uses [`Db::run`].

use std::cell::RefCell;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;

use super::{Backend, Db, DbConnection};

/// How many registers one thread keeps a reader open on (one in service; the test
/// suite runs many apps, each on its own file, on the same threads).
const READERS_PER_THREAD: usize = 4;

thread_local! {
    /// This thread's read-only connections, by database path, most recent first.
    static READERS: RefCell<Vec<(String, DbConnection)>> = const { RefCell::new(Vec::new()) };
}

fn open_reader(path: &str, cache_kib: u32) -> anyhow::Result<DbConnection> {
    let mut conn = SqliteConnection::establish(path)
        .map_err(|e| anyhow::anyhow!("cannot open the database at {path}: {e}"))?;
    // query_only: this connection can never write. The page cache is bounded: the
    // OS keeps the file's hot pages, and every thread has its own cache.
    conn.batch_execute(&format!(
        "PRAGMA busy_timeout = 1000; PRAGMA query_only = ON; PRAGMA cache_size = -{cache_kib};"
    ))?;
    Ok(DbConnection::Sqlite(conn))
}

/// Whether `Db::read` may use a per-thread reader for this database.
pub(super) fn inline_reads(backend: Backend, path: &str) -> bool {
    backend == Backend::Sqlite && !path.starts_with(':') && !path.starts_with("file:")
}

impl Db {
    /// Runs one point read: on SQLite on this thread through its own read-only
    /// connection, on PostgreSQL on the blocking pool (see the module notes).
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<anyhow::Error> + Send + 'static,
    {
        match &self.reader_path {
            Some(path) => self.read_here(path, f),
            None => self.run(f).await,
        }
    }

    fn read_here<T, E, F>(&self, path: &str, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<anyhow::Error>,
    {
        READERS.with(|readers| {
            let mut readers = readers.borrow_mut();
            match readers.iter().position(|(p, _)| p == path) {
                Some(0) => {}
                Some(at) => {
                    let found = readers.remove(at);
                    readers.insert(0, found);
                }
                None => {
                    let conn = open_reader(path, self.reader_cache_kib).map_err(E::from)?;
                    readers.insert(0, (path.to_string(), conn));
                    readers.truncate(READERS_PER_THREAD);
                }
            }
            let (_, conn) = &mut readers[0];
            let result = f(conn);
            if result.is_err() {
                // A reader that failed is not trusted again: the next read opens
                // a fresh one.
                readers.remove(0);
            }
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;

    #[test]
    fn only_file_backed_sqlite_reads_inline() {
        assert!(inline_reads(Backend::Sqlite, "/data/p.db"));
        assert!(!inline_reads(Backend::Sqlite, ":memory:"));
        assert!(!inline_reads(Backend::Sqlite, "file:x?mode=memory"));
        assert!(!inline_reads(Backend::Postgres, "postgres://h/x"));
    }

    #[test]
    fn the_reader_sees_committed_writes_and_cannot_write() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("r.db").to_string_lossy().into_owned();
        let db = Db::connect(&path, 1).expect("db");
        db.blocking(|c| -> anyhow::Result<()> {
            Ok(c.batch_execute("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1);")?)
        })
        .expect("table");
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let count = |db: &Db| -> i64 {
            db.read_here(path.as_str(), |c| {
                diesel::sql_query("SELECT count(*) AS n FROM t")
                    .get_result::<N>(c)
                    .map_err(anyhow::Error::from)
            })
            .expect("read")
            .n
        };
        assert_eq!(count(&db), 1);
        db.blocking(|c| -> anyhow::Result<()> {
            Ok(c.batch_execute("INSERT INTO t VALUES (2);")?)
        })
        .expect("insert");
        assert_eq!(count(&db), 2, "a later commit is seen at once");
        let refused: Result<(), anyhow::Error> = db.read_here(path.as_str(), |c| {
            Ok(c.batch_execute("INSERT INTO t VALUES (3);")?)
        });
        assert!(refused.is_err(), "the reader is read-only");
        assert_eq!(count(&db), 2);
    }
}
