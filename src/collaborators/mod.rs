//! Collaborator network (*mạng lưới cộng tác viên dư luận xã hội*, CTV): the registry with the
//! person (*danh tính*: name, contacts, recorded consent) kept apart from the attributes that count
//! for representation (*tính đại diện*: area, sector, organisation, social stratum, age band,
//! gender, ethnicity, religion — value lists configurable per deployment), representation targets
//! and the coverage matrix (*độ bao phủ*), activity per period, inactivity flags and replacement.
//!
//! Invariants: identity lives only in `collaborator_identities`; every other view shows the
//! pseudonymous id (`CTV-…`); identity is shown only to users who manage collaborators at the
//! collaborator's unit, and each such read is audited; an import is checked whole (errors name row
//! and column) and written in one transaction; replacing a collaborator keeps the old record
//! (status `replaced`, pointing at its successor) and gives the same unit and attributes to the
//! new person, so coverage counts the slot once.

pub mod briefings;
pub mod demo;
pub mod model;
pub mod pages;
pub mod settings;
pub mod store;

use crate::db::Db;

pub use demo::load as load_demo;

/// Routes of the collaborator pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/collaborators", get(pages::list_collaborators))
        .route(
            "/collaborators/new",
            get(pages::show_new).post(pages::create_collaborator),
        )
        .route(
            "/collaborators/import",
            get(pages::show_import).post(pages::import_collaborators),
        )
        .route("/collaborators/coverage", get(pages::show_coverage))
        .route("/collaborators/targets", post(pages::set_target))
        .route(
            "/collaborators/settings",
            get(settings::show_settings).post(settings::update_inactivity),
        )
        .route("/collaborators/settings/values", post(settings::save_value))
        .route(
            "/collaborators/settings/values/delete",
            post(settings::delete_value),
        )
        .route("/collaborators/{id}", get(pages::show_collaborator))
        .route("/collaborators/{id}/activity", post(pages::record_activity))
        .route(
            "/collaborators/{id}/replace",
            get(pages::show_replace).post(pages::replace_collaborator),
        )
}

/// Activity of collaborators per month, `(collaborator, period, items, briefings)` from `from` on:
/// the counts recorded by hand plus the briefings each attended (dated attendance records).
pub async fn activity_of(
    db: &Db,
    ids: &[i64],
    from: &str,
) -> crate::error::AppResult<Vec<(i64, String, i32, i32)>> {
    let mut out = store::list_activity(db, ids, from).await?;
    for (id, period, n) in store::list_attendance(db, ids, from).await? {
        match out.iter_mut().find(|a| a.0 == id && a.1 == period) {
            Some(a) => a.3 += n as i32,
            None => out.push((id, period, 0, n as i32)),
        }
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// An active collaborator as another context reads the network (training's coverage): no
/// identity, only the pseudonym, the unit and one representation attribute.
#[derive(Clone, Debug)]
pub struct NetworkMember {
    /// Registry id.
    pub id: i64,
    /// Pseudonym (`CTV-…`).
    pub pseudonym: String,
    /// Unit.
    pub unit_id: i64,
    /// The value of the chosen dimension, named in `tr`'s language (empty when not recorded).
    pub value: String,
}

/// The active collaborators of `unit`'s subtree with the value of `dimension`.
pub async fn network_members(
    db: &Db,
    unit: i64,
    dimension: model::Dimension,
    tr: crate::web::i18n::Tr,
) -> crate::error::AppResult<Vec<NetworkMember>> {
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    let values = store::list_values(db).await?;
    Ok(store::list_collaborators(db, &units, 20000)
        .await?
        .into_iter()
        .filter(|c| c.status == model::CollaboratorStatus::Active)
        .map(|c| {
            let key = c.attribute(dimension);
            let value = if key.is_empty() {
                String::new()
            } else {
                pages::value_name(tr, &values, dimension, key)
            };
            NetworkMember {
                id: c.id,
                pseudonym: c.pseudonym.clone(),
                unit_id: c.unit_id,
                value,
            }
        })
        .collect())
}

/// A collaborator's e-mail contact, for an invitation (personal data: only for sending, never
/// shown).
#[derive(Clone, Debug)]
pub struct Contact {
    /// Registry id.
    pub id: i64,
    /// Pseudonymous id.
    pub pseudonym: String,
    /// Unit.
    pub unit_id: i64,
    /// E-mail address from the identity.
    pub email: String,
}

/// The active collaborators of `unit`'s subtree whose identity holds an e-mail address.
pub async fn contacts_within(db: &Db, unit: i64) -> crate::error::AppResult<Vec<Contact>> {
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    Ok(store::list_contacts(db, &units)
        .await?
        .into_iter()
        .map(|(id, pseudonym, unit_id, email)| Contact {
            id,
            pseudonym,
            unit_id,
            email,
        })
        .collect())
}

/// The pseudonyms of the given collaborators, for other contexts' pages: `(id, pseudonym)`.
pub async fn pseudonyms_of(db: &Db, ids: &[i64]) -> crate::error::AppResult<Vec<(i64, String)>> {
    store::list_pseudonyms(db, ids).await
}

/// The months (1–12) of `year` in which a briefing was held in `unit`'s subtree (for the yearly
/// work plan's "done").
pub async fn briefing_months(db: &Db, unit: i64, year: i32) -> crate::error::AppResult<Vec<u32>> {
    let units = crate::orgs::subtree_ids(db, &[unit]).await?;
    Ok(store::list_briefing_periods(db, &units, year)
        .await?
        .iter()
        .filter_map(|p| p.get(5..7).and_then(|m| m.parse().ok()))
        .collect())
}
