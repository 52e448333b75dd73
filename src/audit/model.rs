//! Audit log domain types: who acted, the entry, the page's filters.

use chrono::{DateTime, NaiveDate, Utc};

/// Who is acting, from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// The user, when logged in.
    pub user_id: Option<i64>,
    /// Login name (or what was typed at a failed login).
    pub username: String,
    /// Client address.
    pub ip: String,
}

/// One recorded action.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (login name at the time).
    pub username: String,
    /// What (`unit_update`, `login`, …).
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Its id.
    pub object_id: String,
    /// The unit concerned.
    pub unit_id: Option<i64>,
    /// Client address.
    pub ip: String,
    /// Details (JSON).
    pub detail: String,
}

/// Filters of the audit page; empty fields do not filter.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AuditFilter {
    /// Login name, exact.
    #[serde(default)]
    pub user: String,
    /// Action, exact.
    #[serde(default)]
    pub action: String,
    /// From this day.
    #[serde(default)]
    pub from: String,
    /// To this day (inclusive).
    #[serde(default)]
    pub to: String,
    /// Page number from 1 (parsed by `kit::bounds::PageNo`).
    #[serde(default)]
    pub page: String,
}

impl AuditFilter {
    /// The day bounds, ignoring unparsable ones.
    pub fn days(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        (parse(&self.from), parse(&self.to))
    }
}
