//! A user's scope: the units where they may use a capability. A grant is a role at a unit and
//! covers that unit's subtree (and, as of today, the former units that became part of it through
//! lineage); a page asks here instead of walking the tree itself.

use chrono::Utc;

use crate::accounts::model::{Capability, CurrentUser};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::orgs::model::Unit;

/// The tops of the user's subtrees for any of `caps` (sorted, each once).
pub fn roots(user: &CurrentUser, caps: &[Capability]) -> Vec<i64> {
    let mut out: Vec<i64> = caps.iter().flat_map(|c| user.roots_with(*c)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// [`roots`], or forbidden when the user holds none of `caps` anywhere.
pub fn require_roots(user: &CurrentUser, caps: &[Capability]) -> AppResult<Vec<i64>> {
    let r = roots(user, caps);
    if r.is_empty() {
        Err(AppError::Forbidden)
    } else {
        Ok(r)
    }
}

/// Every unit valid today in the user's scope for any of `caps`: their roots' subtrees, following
/// lineage, each unit once, by name. One query whatever the number of grants.
pub async fn units(db: &Db, user: &CurrentUser, caps: &[Capability]) -> AppResult<Vec<Unit>> {
    let r = roots(user, caps);
    crate::orgs::rollup_many(db, &r, Utc::now().date_naive()).await
}

/// The ids among `ids` that lie in the user's scope for any of `caps`, in the current tree (one
/// query).
pub async fn filter(
    db: &Db,
    user: &CurrentUser,
    caps: &[Capability],
    ids: &[i64],
) -> AppResult<Vec<i64>> {
    crate::orgs::filter_within(db, &roots(user, caps), ids).await
}
