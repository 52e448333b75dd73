//! Organisation tree (*cây tổ chức*): units of any depth — city/province (*thành phố, tỉnh*),
//! commune/ward/special zone (*xã, phường, đặc khu*), hamlet (*ấp, khu vực, tổ dân phố*), and
//! non-territorial units (Fatherland Front, mass organisations, agency party committees).
//!
//! Invariants: `unit_closure` always holds exactly the (ancestor, descendant) pairs of the
//! `parent_id` tree, each unit its own ancestor at depth 0; the tree has no cycles; codes are
//! unique; a unit's validity dates are ordered. Lineage links (merge/split/rename/transfer) make
//! former units roll up to their successors: [`store::list_rollup`] answers "everything under X as
//! of date D". A unit may carry a population (*dân số*, a whole number, never negative, or
//! unknown) with its reference; surveys weight to it through [`current_units_named`]. Other
//! contexts use the functions re-exported here, never the tables.

pub mod actions;
pub mod demo;
pub mod model;
pub mod pages;
pub mod store;

use crate::db::Db;
use crate::error::AppResult;

pub use model::name_key;
pub use store::{
    ImportSummary, count_subtree, filter_within, find_unit_by_code, is_within, list_kinds,
    map_codes, path_of, path_of_in, subtree_ids,
};

/// For each of `ids`, its ancestors from the top down, the unit itself last.
pub async fn ancestor_ids(
    db: &Db,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<i64>>> {
    store::ancestor_map(db, ids).await
}

/// `(id, name)` of the given units.
pub async fn unit_names(db: &Db, ids: &[i64]) -> AppResult<Vec<(i64, String)>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(store::list_units_by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Units at most `depth` levels below `roots`.
pub async fn units_near(db: &Db, roots: &[i64], depth: i64) -> AppResult<Vec<model::Unit>> {
    store::list_near(db, roots, depth).await
}

/// Everything under `root` as of `date`, following lineage (see [`store::list_rollup`]).
pub async fn rollup(db: &Db, root: i64, date: chrono::NaiveDate) -> AppResult<Vec<model::Unit>> {
    store::list_rollup(db, root, date).await
}

/// Everything under any of `roots` as of `date`, following lineage, each unit once (one query).
pub async fn rollup_many(
    db: &Db,
    roots: &[i64],
    date: chrono::NaiveDate,
) -> AppResult<Vec<model::Unit>> {
    store::list_rollup_many(db, roots, date).await
}

/// The current units strictly under `root` (valid today, Vietnam time) that a list of choices
/// may stand for: those whose code is one of `codes`, and those whose name may equal one of
/// `names` (same folded name; the caller compares [`model::name_key`]s). Indexed look-ups only.
pub async fn current_units_named(
    db: &Db,
    root: i64,
    codes: &[String],
    names: &[String],
) -> AppResult<Vec<model::Unit>> {
    let today = crate::kit::time::vn_date(chrono::Utc::now());
    let mut folded: Vec<String> = names
        .iter()
        .map(|n| model::fold(&model::name_key(n)))
        .collect();
    folded.sort_unstable();
    folded.dedup();
    store::list_descendants_matching(db, root, today, codes, &folded).await
}

/// One unit.
pub async fn find_unit(db: &Db, id: i64) -> AppResult<Option<model::Unit>> {
    store::find_unit(db, id).await
}

/// The given units (in id order).
pub async fn units_by_ids(db: &Db, ids: &[i64]) -> AppResult<Vec<model::Unit>> {
    store::list_units_by_ids(db, ids).await
}

/// How many units exist.
pub async fn count_units(db: &Db) -> AppResult<i64> {
    store::count_units(db).await
}

/// Every top-level unit (no parent). Several exist (former provinces, imported trees), so a grant
/// at one of them is not a grant over everything: platform-wide rights are a property of the user
/// (`CurrentUser::platform_with`), and a platform-wide user's roles hold at each of these.
pub async fn root_ids(db: &Db) -> AppResult<Vec<i64>> {
    store::list_root_ids(db).await
}

/// Resolves what a user typed to name a unit: `#id`, or a code.
pub async fn resolve_unit_ref(db: &Db, raw: &str) -> AppResult<Option<i64>> {
    let s = raw.trim();
    if let Some(id) = s.strip_prefix('#').and_then(|n| n.parse::<i64>().ok()) {
        return Ok(store::find_unit(db, id).await?.map(|u| u.id));
    }
    if s.is_empty() {
        return Ok(None);
    }
    Ok(store::find_unit_by_code(db, s).await?.map(|u| u.id))
}

/// Routes of the organisation pages.
pub fn routes() -> axum::Router<crate::app::AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/orgs", get(pages::list_units))
        .route("/orgs/export.csv", get(pages::export_units))
        .route(
            "/orgs/types",
            get(pages::list_kinds).post(pages::create_kind),
        )
        .route(
            "/orgs/import",
            get(pages::show_import).post(pages::import_units),
        )
        .route(
            "/orgs/population",
            get(pages::show_population_import)
                .post(pages::import_populations)
                .layer(axum::extract::DefaultBodyLimit::max(
                    pages::POPULATION_BODY_LIMIT,
                )),
        )
        .route("/orgs/{id}", get(pages::show_unit))
        .route("/orgs/{id}/rollup", get(pages::show_rollup))
        .route(
            "/orgs/{id}/edit",
            get(pages::show_edit).post(pages::update_unit),
        )
        .route(
            "/orgs/{id}/new",
            get(pages::show_new_child).post(pages::create_child),
        )
        .route("/orgs/{id}/lineage", post(pages::add_lineage))
}
