//! The leaders' dashboard (*bảng điều khiển lãnh đạo*): the state of opinion in a unit's subtree
//! at a glance — open alerts, the month's leading opinion streams by breadth and direction with
//! the change from last month, this month's report completeness, surveys in the field with
//! their progress and a key figure, and the latest issued documents — each tile linking to its
//! source, each shown only to a reader with that source's capability at the unit. It is a
//! viewer's home page and a tab for everyone; the tiles refresh every minute through htmx
//! (`/dashboard/tiles`), and the page prints (CSS) and exports as PDF (`/dashboard.pdf`,
//! through `duluan-documents`). It owns no table: it reads other contexts' public figures.
//! Hot spots are not built yet, and the tile says so.

pub mod charts;
mod pdf;
mod tiles;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

pub use tiles::Tiles;

/// The capabilities that open the dashboard: any one of its sources.
pub const CAPS: [Capability; 3] = [
    Capability::ViewReports,
    Capability::ViewMonitoring,
    Capability::ViewSurveyResults,
];

/// The unit asked for.
#[derive(Debug, Default, Deserialize)]
pub struct DashQuery {
    #[serde(default)]
    unit: String,
}

/// The page.
#[derive(Template)]
#[template(path = "dashboard/page.html")]
pub struct DashTemplate {
    c: Chrome,
    t: Tiles,
    units: Vec<(i64, String)>,
}

/// The tiles alone (the htmx refresh).
#[derive(Template)]
#[template(path = "dashboard/tiles.html")]
pub struct TilesTemplate {
    c: Chrome,
    t: Tiles,
}

/// The unit the dashboard shows: the one asked for, if the user reads one of its sources there,
/// else the user's first such root.
async fn unit_of(state: &AppState, auth: &Auth, raw: &str) -> AppResult<(i64, Vec<(i64, String)>)> {
    let roots = crate::kit::scope::require_roots(&auth.user, &CAPS)?;
    let names = crate::orgs::unit_names(&state.db, &roots).await?;
    let unit = match crate::kit::bounds::parse_id(raw)? {
        Some(id) => {
            let mut ok = false;
            for cap in CAPS {
                ok |= crate::accounts::can(&state.db, &auth.user, cap, id).await?;
            }
            if !ok {
                return Err(AppError::Forbidden);
            }
            id
        }
        None => roots[0],
    };
    Ok((unit, names))
}

/// `GET /dashboard` (and a viewer's `GET /`).
pub async fn show_dashboard(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let (unit, units) = unit_of(&state, &auth, &q.unit).await?;
    let t = tiles::gather(&state, &auth, unit).await?;
    Ok(page(DashTemplate {
        c: auth.ctx.chrome("dashboard-title"),
        t,
        units,
    }))
}

/// `GET /dashboard/tiles?unit=`: the tiles for the refresh.
pub async fn show_tiles(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let (unit, _) = unit_of(&state, &auth, &q.unit).await?;
    let t = tiles::gather(&state, &auth, unit).await?;
    Ok(page(TilesTemplate {
        c: auth.ctx.chrome("dashboard-title"),
        t,
    }))
}

/// `GET /dashboard.pdf?unit=`: the tiles as a PDF.
pub async fn export_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<DashQuery>,
) -> AppResult<Response> {
    let (unit, _) = unit_of(&state, &auth, &q.unit).await?;
    let t = tiles::gather(&state, &auth, unit).await?;
    pdf::export(&state, auth.ctx.tr, unit, &t).await
}

/// Routes of the dashboard.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/dashboard", get(show_dashboard))
        .route("/dashboard/tiles", get(show_tiles))
        .route("/dashboard.pdf", get(export_pdf))
        .route("/dashboard/assets/dashboard.css", get(stylesheet))
}

async fn stylesheet() -> Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../assets/dashboard.css"),
    )
        .into_response()
}
