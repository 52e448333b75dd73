//! Frame pages: a survey's sampling frames, importing one from CSV or a spreadsheet (all or
//! nothing, every error with its row and column), or building one from the organisation tree
//! (the units of a type under a unit, with the number of units of another type under each as
//! the size for PPS).

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::model::{self, Frame, FrameError, FrameRow, MAX_FRAME_ROWS};
use super::store;
use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::model::Survey;
use crate::surveys::survey_for;
use crate::uploads::table::{self, TableError};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

/// How long reading an uploaded frame may take.
const FRAME_READ_TIME: Duration = Duration::from_secs(60);

/// Largest frame upload (bytes), also the route's body limit.
pub const MAX_FRAME_BYTES: usize = 40 << 20;

/// What a frame spreadsheet may hold: one sheet of at most [`MAX_FRAME_ROWS`] members in a few
/// dozen columns. Anything past these is refused before it is read.
const FRAME_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    max_file_bytes: MAX_FRAME_BYTES as u64,
    max_entries: 1_000,
    // 200,000 rows of ten short cells inflate to about 150 MiB of sheet XML.
    max_inflated_bytes: 256 << 20,
    max_ratio: 250,
    max_rows: MAX_FRAME_ROWS as u32 + 10_000,
    max_cols: 64,
    max_cells: 4_000_000,
    max_sheets: 32,
};

/// A frame as a line of the list.
pub struct FrameLine {
    id: i64,
    name: String,
    source: String,
    rows: i64,
    attributes: String,
    created: String,
}

#[derive(Template)]
#[template(path = "surveys/fieldwork/frames.html")]
struct FramesTemplate {
    c: Chrome,
    survey_id: i64,
    frames: Vec<FrameLine>,
    errors: Vec<String>,
    kinds: Vec<(String, String)>,
    tree: TreeForm,
}

/// The form that builds a frame from the tree.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TreeForm {
    /// Name of the frame.
    #[serde(default)]
    pub name: String,
    /// Code (or `#id`) of the unit under which to take units.
    #[serde(default)]
    pub under: String,
    /// Type of the units that are the frame's members.
    #[serde(default)]
    pub kind: String,
    /// Type of the units counted under each member as its size (optional).
    #[serde(default)]
    pub size_kind: String,
}

async fn render(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    errors: Vec<String>,
    tree: TreeForm,
) -> AppResult<Response> {
    let tr = auth.ctx.tr;
    let frames = store::list_frames(&state.db, s.id)
        .await?
        .into_iter()
        .map(|f| FrameLine {
            id: f.id,
            name: f.name,
            source: tr.t(&format!("fieldwork-frame-source-{}", f.source)),
            rows: f.row_count,
            attributes: serde_json::from_str::<Vec<String>>(&f.attributes)
                .unwrap_or_default()
                .join(", "),
            created: crate::kit::time::show(f.created_at),
        })
        .collect();
    let kinds = crate::orgs::list_kinds(&state.db)
        .await?
        .into_iter()
        .map(|k| (k.key.clone(), k.name(tr.lang()).to_string()))
        .collect();
    let failed = !errors.is_empty();
    Ok(crate::kit::form::respond(
        page(FramesTemplate {
            c: auth
                .ctx
                .chrome_titled(format!("{} — {}", tr.t("fieldwork-frames-title"), s.title)),
            survey_id: s.id,
            frames,
            errors,
            kinds,
            tree,
        }),
        failed,
    ))
}

/// `GET /surveys/{id}/fieldwork/frames`.
pub async fn show_frames(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    render(&state, &auth, &s, vec![], TreeForm::default()).await
}

/// A frame error in the user's language, with its place.
fn error_text(tr: crate::web::i18n::Tr, e: &FrameError) -> String {
    tr.ta(
        "fieldwork-frame-error",
        &[
            ("row", e.row.to_string()),
            ("column", e.column.clone()),
            ("message", tr.ta(e.key, &[("value", e.value.clone())])),
        ],
    )
}

/// `POST /surveys/{id}/fieldwork/frames`: imports a frame file (`name`, `file`).
pub async fn import_frame(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let mut bytes = vec![];
    let mut name = String::new();
    let mut file_name = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("fieldwork-frame-error-upload"))?
    {
        match field.name() {
            Some("file") => {
                file_name = field.file_name().unwrap_or_default().to_string();
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest("fieldwork-frame-error-upload"))?
                    .to_vec();
            }
            Some("name") => {
                name = field
                    .text()
                    .await
                    .map_err(|_| AppError::BadRequest("fieldwork-frame-error-upload"))?;
            }
            _ => {}
        }
    }
    let mut name = crate::kit::text::one_line(&name);
    if name.is_empty() {
        name = crate::kit::text::one_line(&file_name);
    }
    let fail = |errors: Vec<String>| render(&state, &auth, &s, errors, TreeForm::default());
    if bytes.is_empty() {
        return fail(vec![tr.t("fieldwork-frame-error-no-file")]).await;
    }
    let read = crate::uploads::read_blocking(FRAME_READ_TIME, move || {
        table::read(&bytes, &FRAME_LIMITS, MAX_FRAME_ROWS)
    })
    .await;
    let t = match read {
        Ok(Ok(t)) => t,
        Ok(Err(e)) => {
            let mut r = fail(vec![table::error_text(tr, &e)]).await?;
            if matches!(e, TableError::Refused(_)) {
                *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            }
            return Ok(r);
        }
        Err(u) => {
            let mut r = fail(vec![crate::uploads::unfinished_text(tr, &u)]).await?;
            *r.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    // Unit codes are those of the survey's own subtree.
    let codes: HashMap<String, i64> =
        crate::orgs::rollup(&state.db, s.unit_id, Utc::now().date_naive())
            .await?
            .into_iter()
            .filter_map(|u| u.code.map(|c| (c, u.id)))
            .collect();
    let frame = match model::parse_frame(&t, &codes) {
        Ok(f) => f,
        Err(errs) => {
            // At most the first hundred, with the total: a broken file can hold thousands.
            let total = errs.len();
            let mut shown: Vec<String> = errs.iter().take(100).map(|e| error_text(tr, e)).collect();
            if total > 100 {
                shown.push(tr.ta("fieldwork-frame-more-errors", &[("n", total.to_string())]));
            }
            return fail(shown).await;
        }
    };
    if name.is_empty() {
        name = tr.t("fieldwork-frame-unnamed");
    }
    save(&state, &auth, &s, &name, "file", &frame).await
}

/// Stores a frame and its audit entry in one transaction, then shows the list.
async fn save(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    name: &str,
    source: &str,
    frame: &Frame,
) -> AppResult<Response> {
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let frame_id =
        store::insert_frame(&mut tx, s.id, name, source, frame, Some(auth.user.id), now).await?;
    let contacts = frame.rows.iter().filter(|r| !r.contact.is_empty()).count();
    audit::entry(&auth.ctx.actor(), "survey.frame_create")
        .object("survey_frame", frame_id)
        .unit(s.unit_id)
        .detail(json!({
            "survey": s.id,
            "source": source,
            "rows": frame.rows.len(),
            "with_contact": contacts,
        }))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/surveys/{}/fieldwork/frames", s.id)).into_response())
}

/// `POST /surveys/{id}/fieldwork/frames/tree`: a frame of the units of a type under a unit.
pub async fn build_from_tree(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(f): Form<TreeForm>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let tr = auth.ctx.tr;
    let mut errors = vec![];
    let under = crate::orgs::resolve_unit_ref(&state.db, &f.under).await?;
    let kinds = crate::orgs::list_kinds(&state.db).await?;
    let kind_ok = |k: &str| kinds.iter().any(|x| x.key == k);
    match under {
        None => errors.push(tr.t("fieldwork-tree-error-under")),
        Some(u) => {
            // Inside the survey's own unit.
            if !crate::orgs::is_within(&state.db, &[s.unit_id], u).await? {
                errors.push(tr.t("fieldwork-tree-error-under"));
            }
        }
    }
    if !kind_ok(f.kind.trim()) {
        errors.push(tr.t("fieldwork-tree-error-kind"));
    }
    if !f.size_kind.trim().is_empty() && !kind_ok(f.size_kind.trim()) {
        errors.push(tr.t("fieldwork-tree-error-size-kind"));
    }
    let (Some(under), true) = (under, errors.is_empty()) else {
        return render(&state, &auth, &s, errors, f).await;
    };
    let today = Utc::now().date_naive();
    let all = crate::orgs::rollup(&state.db, under, today).await?;
    let members: Vec<&crate::orgs::model::Unit> =
        all.iter().filter(|u| u.kind == f.kind.trim()).collect();
    if members.is_empty() {
        return render(
            &state,
            &auth,
            &s,
            vec![tr.t("fieldwork-tree-error-none")],
            f,
        )
        .await;
    }
    // Size: units of `size_kind` under each member, through their ancestors.
    let mut sizes: HashMap<i64, f64> = HashMap::new();
    if !f.size_kind.trim().is_empty() {
        let counted: Vec<i64> = all
            .iter()
            .filter(|u| u.kind == f.size_kind.trim())
            .map(|u| u.id)
            .collect();
        for ancestors in crate::orgs::ancestor_ids(&state.db, &counted)
            .await?
            .values()
        {
            for a in ancestors {
                *sizes.entry(*a).or_default() += 1.0;
            }
        }
    }
    let parents: Vec<i64> = members.iter().filter_map(|u| u.parent_id).collect();
    let parent_codes: HashMap<i64, String> = crate::orgs::units_by_ids(&state.db, &parents)
        .await?
        .into_iter()
        .map(|u| (u.id, u.code.unwrap_or_else(|| format!("#{}", u.id))))
        .collect();
    let frame = Frame {
        attributes: vec!["name".into()],
        rows: members
            .iter()
            .enumerate()
            .map(|(i, u)| FrameRow {
                row: i + 1,
                ext_id: u.code.clone().unwrap_or_else(|| format!("#{}", u.id)),
                stratum: u
                    .parent_id
                    .and_then(|p| parent_codes.get(&p).cloned())
                    .unwrap_or_default(),
                cluster: String::new(),
                size: if f.size_kind.trim().is_empty() {
                    None
                } else {
                    Some(sizes.get(&u.id).copied().unwrap_or(0.0)).filter(|s| *s > 0.0)
                },
                unit_id: Some(u.id),
                attrs: [("name".to_string(), u.name.clone())].into_iter().collect(),
                contact: Default::default(),
            })
            .collect(),
    };
    let mut name = crate::kit::text::one_line(&f.name);
    if name.is_empty() {
        name = tr.t("fieldwork-frame-unnamed");
    }
    save(&state, &auth, &s, &name, "tree", &frame).await
}
