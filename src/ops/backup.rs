//! Backups of the embedded database (`duluan backup`, `duluan restore`). A backup is SQLite's
//! `VACUUM INTO` of the live database: it reads one consistent snapshot inside a read
//! transaction, so it may run while the server writes (writers are not blocked under WAL), and
//! the copy is compact. It is written beside its target as `….partial`, checked
//! (`integrity_check`, `foreign_key_check`), then renamed into place: a backup file that exists
//! is whole.
//!
//! A restore refuses while a server holds the data folder (`serve` keeps an exclusive lock on
//! `duluan.lock`), checks the backup the same way, moves the current database aside
//! (`duluan.db.before-restore-<time>`: nothing is lost), puts the copy in place, applies the
//! migrations (a backup of an older release), and rebuilds the search index, which is derived
//! from the database and never part of a backup.
//!
//! PostgreSQL deployments use `pg_dump` / `pg_restore` (docs/operations.md); these commands say so.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::db::Db;

/// The database file in a data folder.
pub const DB_FILE: &str = "duluan.db";
/// The lock a server holds on its data folder.
pub const LOCK_FILE: &str = "duluan.lock";

/// What a backup or restore did.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Tables in the copy.
    pub tables: usize,
    /// Bytes of the copy.
    pub bytes: u64,
}

/// Holds the data folder for a server's lifetime (released when dropped).
#[derive(Debug)]
pub struct FolderLock(#[allow(dead_code)] std::fs::File);

/// Takes the data folder's lock, or says that another process holds it.
pub fn lock_folder(data_dir: &Path) -> anyhow::Result<FolderLock> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
    let path = data_dir.join(LOCK_FILE);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(FolderLock(file)),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "thư mục dữ liệu {} đang được một tiến trình duluan khác dùng (máy chủ đang chạy?) / \
             the data folder is in use by another duluan process (is the server running?)",
            data_dir.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

fn postgres_refused() -> anyhow::Error {
    anyhow::anyhow!(
        "PostgreSQL: sao lưu bằng pg_dump và khôi phục bằng pg_restore (docs/operations.md) / \
         back up with pg_dump and restore with pg_restore (docs/operations.md)"
    )
}

/// Writes a consistent copy of the live database `db` to `to` (which must not exist).
pub async fn backup(db: &Db, to: &Path) -> anyhow::Result<Summary> {
    let Db::Sqlite(pool) = db else {
        return Err(postgres_refused());
    };
    if to.exists() {
        bail!(
            "{} đã có: chọn một tên khác / already exists: choose another name",
            to.display()
        );
    }
    let partial = partial_path(to);
    let _ = std::fs::remove_file(&partial);
    super::store::vacuum_into(pool, &partial).await?;
    let checked = {
        let partial = partial.clone();
        tokio::task::spawn_blocking(move || super::store::check_file(&partial)).await?
    };
    let tables = match checked {
        Ok(t) => t,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, to)
        .with_context(|| format!("cannot move the backup to {}", to.display()))?;
    let bytes = std::fs::metadata(to)?.len();
    Ok(Summary { tables, bytes })
}

fn partial_path(to: &Path) -> PathBuf {
    let mut name = to.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    to.with_file_name(name)
}

/// Puts the backup `from` in place as the database of `data_dir` (no server may hold it),
/// migrates it and rebuilds the search index. The database it replaces is kept beside it.
pub async fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<Summary> {
    let _lock = lock_folder(data_dir)?;
    let tables = {
        let from = from.to_path_buf();
        tokio::task::spawn_blocking(move || super::store::check_file(&from)).await??
    };
    let db_path = data_dir.join(DB_FILE);
    // The copy first, beside its place, so that a failure leaves the current database alone.
    let incoming = data_dir.join(format!("{DB_FILE}.restoring"));
    std::fs::copy(from, &incoming)
        .with_context(|| format!("cannot copy {} into {}", from.display(), data_dir.display()))?;
    if db_path.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = data_dir.join(format!("{DB_FILE}.before-restore-{stamp}"));
        // Bring the write-ahead log into the file before moving it: the file alone is whole.
        super::store::checkpoint(&db_path)?;
        std::fs::rename(&db_path, &aside)
            .with_context(|| format!("cannot move the current database to {}", aside.display()))?;
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data_dir.join(format!("{DB_FILE}{suffix}")));
    }
    std::fs::rename(&incoming, &db_path)?;
    // The search index is derived: rebuilt from the restored items, at the restored log's head.
    let index_dir = data_dir.join("search-index");
    if index_dir.exists() {
        std::fs::remove_dir_all(&index_dir)
            .with_context(|| format!("cannot clear {}", index_dir.display()))?;
    }
    let db = Db::open_in_dir(data_dir).await?;
    db.migrate()
        .await
        .context("migrating the restored database")?;
    let runtime = crate::monitoring::Runtime::open(data_dir);
    crate::monitoring::index::rebuild(&db, &runtime)
        .await
        .map_err(|e| anyhow::anyhow!("rebuilding the search index: {e:?}"))?;
    db.close().await;
    let bytes = std::fs::metadata(&db_path)?.len();
    Ok(Summary { tables, bytes })
}
