//! The contexts of MISSION.md as navigation, the home page, and honest pages for contexts that are
//! not built yet.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;

use crate::accounts::model::Capability;
use crate::error::AppError;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// One context of the product in the navigation.
#[derive(Clone, Copy, Debug)]
pub struct ContextEntry {
    /// Path.
    pub href: &'static str,
    /// Message key of its name.
    pub label_key: &'static str,
    /// Message key of what it is for.
    pub about_key: &'static str,
    /// Whether it is built.
    pub built: bool,
    /// Capability needed to see it, if any.
    pub capability: Option<Capability>,
}

const fn entry(
    href: &'static str,
    label_key: &'static str,
    about_key: &'static str,
    built: bool,
    capability: Option<Capability>,
) -> ContextEntry {
    ContextEntry {
        href,
        label_key,
        about_key,
        built,
        capability,
    }
}

/// Every context, in navigation order.
pub const CONTEXTS: [ContextEntry; 17] = [
    entry("/", "nav-home", "about-home", true, None),
    entry(
        "/dashboard",
        "nav-dashboard",
        "about-dashboard",
        true,
        Some(Capability::ViewReports),
    ),
    entry("/orgs", "nav-orgs", "about-orgs", true, None),
    entry(
        "/collaborators",
        "nav-collaborators",
        "about-collaborators",
        true,
        None,
    ),
    entry("/reporting", "nav-reporting", "about-reporting", true, None),
    entry("/briefings", "nav-briefings", "about-briefings", true, None),
    entry(
        "/training",
        "nav-training",
        "about-training",
        true,
        Some(Capability::ViewReports),
    ),
    entry(
        "/plans",
        "nav-plans",
        "about-plans",
        true,
        Some(Capability::ViewReports),
    ),
    entry("/surveys", "nav-surveys", "about-surveys", true, None),
    entry(
        "/paper/verify",
        "nav-paper",
        "about-paper",
        true,
        Some(Capability::VerifyForms),
    ),
    entry(
        "/monitoring",
        "nav-monitoring",
        "about-monitoring",
        true,
        Some(Capability::ViewMonitoring),
    ),
    entry(
        "/hotspots",
        "nav-hotspots",
        "about-hotspots",
        true,
        Some(Capability::ViewHotspots),
    ),
    entry(
        "/documents",
        "nav-documents",
        "about-documents",
        true,
        Some(Capability::ViewReports),
    ),
    entry("/account", "nav-account", "about-account", true, None),
    entry(
        "/admin/users",
        "nav-users",
        "about-users",
        true,
        Some(Capability::ManageUsers),
    ),
    entry(
        "/admin/mail",
        "nav-mail",
        "about-mail",
        true,
        Some(Capability::ManageUsers),
    ),
    entry(
        "/admin/audit",
        "nav-audit",
        "about-audit",
        true,
        Some(Capability::ViewAudit),
    ),
];

/// The home page: what each context is for.
#[derive(Template)]
#[template(path = "home.html")]
pub struct HomeTemplate {
    c: Chrome,
    cards: Vec<(String, String, &'static str, bool)>,
    roles: Vec<(String, String)>,
}

/// `GET /`: a leader's (viewer's) home is the dashboard; everyone else's, what each context is
/// for.
pub async fn show_home(State(state): State<AppState>, auth: Auth) -> Result<Response, AppError> {
    if auth.user.has_role(crate::accounts::model::Role::Viewer) {
        return crate::dashboard::show_dashboard(
            State(state),
            auth,
            axum::extract::Query(Default::default()),
        )
        .await;
    }
    let tr = auth.ctx.tr;
    let cards = CONTEXTS
        .iter()
        .skip(1)
        .filter(|c| c.capability.is_none_or(|cap| auth.user.has_anywhere(cap)))
        .map(|c| (tr.t(c.label_key), tr.t(c.about_key), c.href, c.built))
        .collect();
    let mut roles = Vec::new();
    let unit_ids: Vec<i64> = auth.user.grants.iter().map(|g| g.unit_id).collect();
    let state_units = crate::orgs::unit_names(&state.db, &unit_ids).await?;
    for g in &auth.user.grants {
        let unit = state_units
            .iter()
            .find(|(id, _)| *id == g.unit_id)
            .map(|(_, n)| n.clone())
            .unwrap_or_default();
        roles.push((tr.t(&g.role.label_key()), unit));
    }
    Ok(page(HomeTemplate {
        c: auth.ctx.chrome("nav-home"),
        cards,
        roles,
    }))
}

/// A context that is not built yet says so plainly.
#[derive(Template)]
#[template(path = "not_built.html")]
pub struct NotBuiltTemplate {
    c: Chrome,
    about: String,
}

/// `GET /{context}` for contexts that are not built yet.
pub async fn show_not_built(auth: Auth) -> Result<Response, AppError> {
    let path = auth.ctx.path.split('?').next().unwrap_or("/").to_string();
    let entry = CONTEXTS
        .iter()
        .find(|c| !c.built && path.starts_with(c.href))
        .ok_or(AppError::NotFound)?;
    Ok(page(NotBuiltTemplate {
        c: auth.ctx.chrome(entry.label_key),
        about: auth.ctx.tr.t(entry.about_key),
    }))
}
