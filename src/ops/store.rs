//! The SQL of operations: SQLite's copy of a live database, the checks of a backup file and
//! the checkpoint before a database file is moved. No context's rows are read here.

use std::path::Path;

use anyhow::{Context as _, bail};

/// Writes a compact, consistent copy of the database behind `pool` to `path` (SQLite's
/// `VACUUM INTO`: one read transaction's snapshot).
pub async fn vacuum_into(pool: &sqlx::SqlitePool, path: &Path) -> anyhow::Result<()> {
    let target = path
        .to_str()
        .context("the backup's path is not valid UTF-8")?
        .to_string();
    sqlx::query("VACUUM INTO $1")
        .bind(&target)
        .execute(pool)
        .await
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Brings the write-ahead log of the database file at `path` into the file.
pub fn checkpoint(path: &Path) -> anyhow::Result<()> {
    let conn = rusqlite::Connection::open(path)?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Checks a database file as a backup: SQLite's integrity and foreign-key checks pass and it
/// holds duluan's migrations; returns its table count.
pub fn check_file(path: &Path) -> anyhow::Result<usize> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("cannot open {}", path.display()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .with_context(|| format!("{} is not an SQLite database", path.display()))?;
    if integrity != "ok" {
        bail!(
            "{} is damaged (integrity_check: {integrity})",
            path.display()
        );
    }
    let broken: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if broken > 0 {
        bail!(
            "{}: {broken} rows point at rows that do not exist (foreign_key_check)",
            path.display()
        );
    }
    let tables: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    let migrated: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    if migrated == 0 {
        bail!("{} is not a duluan database", path.display());
    }
    Ok(tables as usize)
}

/// Takes or renews the lease of `job` for `holder` until `until` (unix seconds) when it is
/// free, expired at `now`, or already `holder`'s; whether `holder` has it. One statement: two
/// nodes racing for it cannot both win.
pub async fn take_lease(
    db: &crate::db::Db,
    job: &str,
    holder: &str,
    until: i64,
    now: i64,
) -> crate::error::AppResult<bool> {
    let n = crate::with_db!(db, |pool| sqlx::query(
        "INSERT INTO job_leases (job, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE job_leases.until < $4 OR job_leases.holder = excluded.holder"
    )
    .bind(job)
    .bind(holder)
    .bind(until)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected());
    Ok(n == 1)
}

/// Gives up every lease `holder` has (a node that stops).
pub async fn release_leases(db: &crate::db::Db, holder: &str) -> crate::error::AppResult<u64> {
    Ok(crate::with_db!(db, |pool| sqlx::query(
        "DELETE FROM job_leases WHERE holder = $1"
    )
    .bind(holder)
    .execute(pool)
    .await?
    .rows_affected()))
}
