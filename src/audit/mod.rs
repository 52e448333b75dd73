//! Audit log (*nhật ký hệ thống*): every write, and every read of personal data, with who, when,
//! what, which unit and from which address.
//!
//! Invariants: the application only appends (the database refuses UPDATE and DELETE);
//! an entry carries the path of its unit at the time, so an administrator sees exactly the entries
//! of their subtree; failing to write an entry fails the action that caused it.

pub mod model;
pub mod pages;
pub mod store;

use crate::db::{Db, Tx};
use crate::error::AppResult;
pub use model::Actor;

/// Retention: deletes the entries older than `before`; returns how many.
pub async fn purge_before(
    db: &crate::db::Db,
    before: chrono::DateTime<chrono::Utc>,
) -> crate::error::AppResult<u64> {
    store::delete_before(db, before).await
}

/// Records one action in its own transaction: for reads of personal data and for events that
/// change nothing else. A write records its entry with [`record_in`] (or [`Entry::write`]) in the
/// write's own transaction, so that failing to record fails the write.
pub async fn record(
    db: &Db,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    unit_id: Option<i64>,
    detail: serde_json::Value,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    record_in(
        &mut tx,
        actor,
        action,
        object_type,
        object_id,
        unit_id,
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Records one action inside `tx`, the transaction of the change it records. `unit_id` is the
/// unit the object belongs to (for scoping the log).
pub async fn record_in(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: &str,
    unit_id: Option<i64>,
    detail: serde_json::Value,
) -> AppResult<()> {
    let path = match unit_id {
        Some(id) => crate::orgs::path_of_in(tx, id).await?,
        None => String::new(),
    };
    store::insert_entry(
        tx,
        chrono::Utc::now(),
        actor,
        action,
        object_type,
        object_id,
        unit_id,
        &path,
        &detail.to_string(),
    )
    .await
}

/// Starts an audit entry for `action` by `actor`:
/// `audit::entry(&actor, "unit_update").object("unit", id).unit(Some(unit)).write(&mut tx).await?`.
pub fn entry<'a>(actor: &'a Actor, action: &'a str) -> Entry<'a> {
    Entry {
        actor,
        action,
        object_type: "",
        object_id: String::new(),
        unit_id: None,
        detail: serde_json::Value::Object(Default::default()),
    }
}

/// An audit entry being built ([`entry`]).
#[must_use = "an audit entry is recorded only by `write` or `write_alone`"]
pub struct Entry<'a> {
    actor: &'a Actor,
    action: &'a str,
    object_type: &'a str,
    object_id: String,
    unit_id: Option<i64>,
    detail: serde_json::Value,
}

impl<'a> Entry<'a> {
    /// The object acted on: its kind and id.
    pub fn object(mut self, object_type: &'a str, object_id: impl ToString) -> Self {
        self.object_type = object_type;
        self.object_id = object_id.to_string();
        self
    }

    /// The unit the object belongs to (scopes who sees the entry).
    pub fn unit(mut self, unit_id: impl Into<Option<i64>>) -> Self {
        self.unit_id = unit_id.into();
        self
    }

    /// Details: what changed, never personal data or answers.
    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }

    /// Records the entry in the transaction of the change.
    pub async fn write(self, tx: &mut Tx) -> AppResult<()> {
        record_in(
            tx,
            self.actor,
            self.action,
            self.object_type,
            &self.object_id,
            self.unit_id,
            self.detail,
        )
        .await
    }

    /// Records the entry in a transaction of its own (reads of personal data).
    pub async fn write_alone(self, db: &Db) -> AppResult<()> {
        let mut tx = db.begin().await?;
        self.write(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Routes of the audit pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::get;
    axum::Router::new().route("/admin/audit", get(pages::list_audit))
}
