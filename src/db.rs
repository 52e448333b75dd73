//! The database handle: one code path for the embedded SQLite database and for PostgreSQL.
//!
//! SQL is written once with `$1…$n` placeholders (sqlx-sqlite binds them by number), `RETURNING`
//! and `ON CONFLICT`, and run on either backend through [`with_db!`] (on a pool) and
//! [`with_conn!`] (inside a [`Tx`]), which expand the same body once per backend.
//! Only `store.rs` files (and this module) hold SQL.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

/// A pool on one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    /// Embedded SQLite (the default).
    Sqlite(SqlitePool),
    /// PostgreSQL (production).
    Pg(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool (`&SqlitePool` or `&PgPool`).
#[macro_export]
macro_rules! with_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Pg($pool) => $body,
        }
    };
}

/// One open transaction on either backend: multi-step writes are ordinary async functions that
/// take `&mut Tx` and run their statements through [`with_conn!`]; the caller commits once at the
/// end, and an error anywhere (an early `?`) drops the transaction, which rolls it back.
///
/// ```ignore
/// let mut tx = db.begin().await?;
/// store::update_thing(&mut tx, id, &change).await?;
/// audit::entry(actor, "thing_update").object("thing", id).unit(unit).write(&mut tx).await?;
/// tx.commit().await?;
/// ```
pub enum Tx {
    /// A transaction of the embedded SQLite database (begun `IMMEDIATE`).
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    /// A PostgreSQL transaction.
    Pg(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tx::Sqlite(_) => "Tx::Sqlite",
            Tx::Pg(_) => "Tx::Pg",
        })
    }
}

impl Tx {
    /// Makes every change of the transaction durable and visible.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Pg(tx) => tx.commit().await,
        }
    }

    /// Undoes every change of the transaction (dropping it does the same, without waiting).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Pg(tx) => tx.rollback().await,
        }
    }

    /// The backend's name.
    pub fn backend(&self) -> &'static str {
        match self {
            Tx::Sqlite(_) => "sqlite",
            Tx::Pg(_) => "postgres",
        }
    }
}

/// Runs `$body` with `$conn` bound to the transaction's connection (`&mut SqliteConnection` or
/// `&mut PgConnection`); pass it to sqlx as `&mut *$conn` when the body runs several statements.
#[macro_export]
macro_rules! with_conn {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn: &mut sqlx::SqliteConnection = &mut *tx;
                $body
            }
            $crate::db::Tx::Pg(tx) => {
                let $conn: &mut sqlx::PgConnection = &mut *tx;
                $body
            }
        }
    };
}

/// `$start, $start+1, …` for `n` numbered parameters: the list of an `IN (…)` or of a multi-row
/// `VALUES`.
pub fn placeholders(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How often servers checkpoint the SQLite log in the background ([`Db::spawn_checkpointer`]).
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// How long an SQLite connection waits for another's write lock before "database is locked".
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Page cache per SQLite connection, in KiB when negative (`PRAGMA cache_size`): 16 MiB instead
/// of SQLite's 2 MiB, so that the indexes of large tables (random client ids of submissions)
/// stay in memory.
const SQLITE_CACHE_SIZE: i64 = -16384;

/// Log pages after which a pool connection's commit checkpoints (`PRAGMA wal_autocheckpoint`):
/// a safety net, as servers checkpoint in the background ([`Db::spawn_checkpointer`]) and the
/// CLI's commands write little.
const SQLITE_AUTOCHECKPOINT: i64 = 8000;

/// The same for the submission writer's connection ([`open_sqlite_writer`]): 256 MiB of log.
/// At 8,000 pages a commit of the writer paid for copying about every 0.4 s under 5,000
/// submissions/s (each row dirties about four pages): 30–65 ms stalls that made the p99. With
/// the background checkpoint every [`CHECKPOINT_EVERY`], the writer's own checkpoint comes every
/// few seconds, finds little left to copy, and lets the log start again from its beginning.
const SQLITE_WRITER_AUTOCHECKPOINT: i64 = 65_536;

/// Opens a connection of its own (rusqlite, synchronous) to the SQLite file `path` with the
/// pool's settings, for the submission writer's thread (`surveys::store`): through the pool,
/// every statement is a round trip to the connection's worker thread. The file exists and is in
/// WAL mode already (the pool made it so).
pub fn open_sqlite_writer(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "cache_size", SQLITE_CACHE_SIZE)?;
    conn.pragma_update(None, "wal_autocheckpoint", SQLITE_WRITER_AUTOCHECKPOINT)?;
    // Deleted rows are overwritten with zeros, as on the pool's connections (see there).
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.set_prepared_statement_cache_capacity(32);
    Ok(conn)
}

/// Which backend a URL selects.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

impl Db {
    /// Connects to `url` (`postgres://…` or `sqlite://…`).
    pub async fn connect(url: &str) -> anyhow::Result<Db> {
        if is_postgres_url(url) {
            let options = PgConnectOptions::from_str(url).context("invalid PostgreSQL URL")?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot connect to PostgreSQL")?;
            Ok(Db::Pg(pool))
        } else {
            let options = SqliteConnectOptions::from_str(url)
                .context("invalid SQLite URL")?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .pragma("cache_size", SQLITE_CACHE_SIZE.to_string())
                .pragma("wal_autocheckpoint", SQLITE_AUTOCHECKPOINT.to_string())
                // A deleted or moved row is overwritten with zeros in the file: completing an
                // anonymous survey response deletes its in-progress row (which linked it to a
                // token or a device), and without this the bytes stay readable in the page's
                // free space until something else reuses it. Costs nothing on inserts.
                .pragma("secure_delete", "ON");
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .context("cannot open the SQLite database")?;
            Ok(Db::Sqlite(pool))
        }
    }

    /// Opens (creating if needed) the embedded database `duluan.db` in `dir`.
    pub async fn open_in_dir(dir: &Path) -> anyhow::Result<Db> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the data directory {}", dir.display()))?;
        let path = dir.join("duluan.db");
        Db::connect(&format!("sqlite://{}", path.display())).await
    }

    /// Begins a transaction ([`Tx`]). On SQLite it is `IMMEDIATE`: it holds the write lock from
    /// its first statement. A deferred transaction that reads first and writes later gets
    /// `SQLITE_BUSY` at once (no waiting under the busy timeout) when another connection writes
    /// in between; an immediate one waits for the lock instead.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Pg(pool) => Tx::Pg(pool.begin().await?),
        })
    }

    /// Applies every pending migration of this backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await?,
            Db::Pg(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Applies the pending migrations up to `last` (included): for tests of a migration that moves
    /// data, which write rows in the older schema first.
    pub async fn migrate_until(&self, last: i64) -> anyhow::Result<()> {
        fn upto(mut m: sqlx::migrate::Migrator, last: i64) -> sqlx::migrate::Migrator {
            m.migrations = m
                .migrations
                .iter()
                .filter(|x| x.version <= last)
                .cloned()
                .collect::<Vec<_>>()
                .into();
            m
        }
        match self {
            Db::Sqlite(pool) => {
                upto(sqlx::migrate!("migrations/sqlite"), last)
                    .run(pool)
                    .await?
            }
            Db::Pg(pool) => {
                upto(sqlx::migrate!("migrations/postgres"), last)
                    .run(pool)
                    .await?
            }
        }
        Ok(())
    }

    /// `true` when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        with_db!(self, |pool| sqlx::query("SELECT 1")
            .execute(pool)
            .await
            .is_ok())
    }

    /// The pool's open connections and how many of them are idle.
    pub fn pool_state(&self) -> (u32, u32) {
        with_db!(self, |pool| (pool.size(), pool.num_idle() as u32))
    }

    /// The backend's name, for logs and pages.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    /// SQLite: checkpoints the write-ahead log every [`CHECKPOINT_EVERY`] from a pool connection
    /// (`PASSIVE`: it never blocks a writer or a reader), so that the writers' commits seldom
    /// have to copy pages into the database. A commit still checkpoints when the log holds more
    /// pages than its connection's `wal_autocheckpoint` ([`SQLITE_AUTOCHECKPOINT`],
    /// [`SQLITE_WRITER_AUTOCHECKPOINT`]); only then, with everything copied, can the next writer start the log
    /// again from its beginning, so the log stays bounded. Ends when the pool is closed or its
    /// task is dropped. PostgreSQL: nothing.
    pub fn spawn_checkpointer(&self) -> Option<tokio::task::JoinHandle<()>> {
        let Db::Sqlite(pool) = self else {
            return None;
        };
        let pool = pool.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !pool.is_closed() {
                tick.tick().await;
                let began = std::time::Instant::now();
                match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&pool)
                    .await
                {
                    Ok((_, log, copied)) => tracing::debug!(
                        log,
                        copied,
                        micros = began.elapsed().as_micros() as u64,
                        "checkpoint (pages in the log, copied)"
                    ),
                    Err(err) if !pool.is_closed() => {
                        tracing::warn!(error = %err, "checkpoint of the SQLite log failed")
                    }
                    Err(_) => {}
                }
            }
        }))
    }

    /// Closes the pool.
    pub async fn close(&self) {
        with_db!(self, |pool| pool.close().await)
    }
}

/// Versions of the embedded migrations for both backends (for the start-up log and tests).
pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
    let sqlite = sqlx::migrate!("migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .collect();
    let pg = sqlx::migrate!("migrations/postgres")
        .iter()
        .map(|m| m.version)
        .collect();
    (sqlite, pg)
}
