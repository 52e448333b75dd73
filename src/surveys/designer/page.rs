//! The designer page: the structure of the questionnaire with its translations side by side,
//! and the editors of a question and of a section.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use duluan_forms::model::Item;
use duluan_forms::{Diagnostic, Form as Questionnaire, check_form};
use serde::Deserialize;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::model::Survey;
use crate::surveys::pages::form_lang;
use crate::surveys::visible_survey;
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::current_of;
use super::tree::*;

/// Choices of a list: value and labels in each language.
pub(super) type ChoiceRows = Vec<(String, Vec<String>)>;

/// A row of the structure table.
pub struct Row {
    pub(super) section: bool,
    pub(super) depth: usize,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) labels: Vec<String>,
    pub(super) required: String,
    pub(super) relevant: String,
    pub(super) constraint: String,
    pub(super) calculation: String,
    pub(super) errors: Vec<String>,
}

/// The question being edited.
pub struct Edit {
    pub(super) orig: String,
    pub(super) name: String,
    pub(super) kind: String,
    pub(super) labels: Vec<String>,
    pub(super) hints: Vec<String>,
    pub(super) messages: Vec<String>,
    pub(super) required: String,
    pub(super) relevant: String,
    pub(super) constraint: String,
    pub(super) calculation: String,
    pub(super) section: String,
}

/// The section (group or repeat) being edited.
pub struct SectionEdit {
    pub(super) orig: String,
    pub(super) name: String,
    pub(super) repeat: bool,
    pub(super) labels: Vec<String>,
    pub(super) relevant: String,
    pub(super) one_page: bool,
    pub(super) repeat_count: String,
}

#[derive(Template)]
#[template(path = "surveys/designer.html")]
pub(super) struct DesignerTemplate {
    c: Chrome,
    id: i64,
    version: String,
    editable: bool,
    languages: Vec<String>,
    rows: Vec<Row>,
    lists: Vec<(String, ChoiceRows)>,
    /// The version's form media files, offered as `select_one_from_file NAME` types.
    media: Vec<String>,
    sections: Vec<String>,
    edit: Option<Edit>,
    section_edit: Option<SectionEdit>,
    errors: Vec<String>,
}

pub(super) fn walk(
    items: &[Item],
    depth: usize,
    langs: &[String],
    diags: &[Diagnostic],
    lang: duluan_forms::Lang,
    out: &mut Vec<Row>,
) {
    for it in items {
        let errors: Vec<String> = diags
            .iter()
            .filter(|d| d.place.item.as_deref() == Some(it.name()))
            .map(|d| d.render(lang))
            .collect();
        match it {
            Item::Group(g) => {
                out.push(Row {
                    section: true,
                    depth,
                    name: g.name.clone(),
                    kind: if g.repeat {
                        "repeat".into()
                    } else {
                        "group".into()
                    },
                    labels: langs
                        .iter()
                        .map(|l| g.label.0.get(l).cloned().unwrap_or_default())
                        .collect(),
                    required: String::new(),
                    relevant: g.relevant.clone().unwrap_or_default(),
                    constraint: String::new(),
                    calculation: g.repeat_count.clone().unwrap_or_default(),
                    errors,
                });
                walk(&g.items, depth + 1, langs, diags, lang, out);
            }
            Item::Question(q) => out.push(Row {
                section: false,
                depth,
                name: q.name.clone(),
                kind: q.kind.to_string(),
                labels: langs
                    .iter()
                    .map(|l| q.label.0.get(l).cloned().unwrap_or_default())
                    .collect(),
                required: q.required.clone().unwrap_or_default(),
                relevant: q.relevant.clone().unwrap_or_default(),
                constraint: q.constraint.clone().unwrap_or_default(),
                calculation: q.calculation.clone().unwrap_or_default(),
                errors,
            }),
        }
    }
}

pub(super) fn edit_of(form: &Questionnaire, name: &str, langs: &[String]) -> Option<Edit> {
    let q = form.questions().into_iter().find(|q| q.name == name)?;
    Some(Edit {
        orig: q.name.clone(),
        name: q.name.clone(),
        kind: q.kind.to_string(),
        labels: langs
            .iter()
            .map(|l| q.label.0.get(l).cloned().unwrap_or_default())
            .collect(),
        hints: langs
            .iter()
            .map(|l| q.hint.0.get(l).cloned().unwrap_or_default())
            .collect(),
        messages: langs
            .iter()
            .map(|l| q.constraint_message.0.get(l).cloned().unwrap_or_default())
            .collect(),
        required: q.required.clone().unwrap_or_default(),
        relevant: q.relevant.clone().unwrap_or_default(),
        constraint: q.constraint.clone().unwrap_or_default(),
        calculation: q.calculation.clone().unwrap_or_default(),
        section: String::new(),
    })
}

pub(super) fn section_edit_of(
    form: &Questionnaire,
    name: &str,
    langs: &[String],
) -> Option<SectionEdit> {
    let g = find_group(&form.items, name)?;
    Some(SectionEdit {
        orig: g.name.clone(),
        name: g.name.clone(),
        repeat: g.repeat,
        labels: langs
            .iter()
            .map(|l| g.label.0.get(l).cloned().unwrap_or_default())
            .collect(),
        relevant: g.relevant.clone().unwrap_or_default(),
        one_page: g
            .appearance
            .as_deref()
            .is_some_and(|a| a.split_whitespace().any(|w| w == "field-list")),
        repeat_count: g.repeat_count.clone().unwrap_or_default(),
    })
}

pub(super) async fn render_designer(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    edit: Option<Edit>,
    errors: Vec<String>,
) -> AppResult<Response> {
    render_designer_with(state, auth, s, edit, None, errors).await
}

pub(super) async fn render_designer_with(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    edit: Option<Edit>,
    section_edit: Option<SectionEdit>,
    errors: Vec<String>,
) -> AppResult<Response> {
    let (v, form) = current_of(state, s).await?;
    let editable = v.published_at.is_none()
        && crate::accounts::can(&state.db, &auth.user, Capability::DesignSurveys, s.unit_id)
            .await?;
    let langs = languages_of(&form);
    let lang = form_lang(auth.ctx.tr);
    let diags = check_form(&form).err().unwrap_or_default();
    let mut rows = Vec::new();
    walk(&form.items, 0, &langs, &diags, lang, &mut rows);
    let lists = form
        .choices
        .iter()
        .map(|l| {
            (
                l.name.clone(),
                l.choices
                    .iter()
                    .map(|c| {
                        (
                            c.name.clone(),
                            langs
                                .iter()
                                .map(|x| c.label.0.get(x).cloned().unwrap_or_default())
                                .collect(),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let media = crate::surveys::store::list_media(&state.db, v.id)
        .await?
        .into_iter()
        .map(|f| f.file_name)
        .collect();
    let mut sections = Vec::new();
    sections_of(&form.items, &mut sections);
    let mut errors = errors;
    errors.extend(
        diags
            .iter()
            .filter(|d| d.place.item.is_none())
            .map(|d| d.render(lang)),
    );
    Ok(page(DesignerTemplate {
        c: auth.ctx.chrome_titled(format!(
            "{} — {}",
            auth.ctx.tr.t("surveys-designer"),
            s.title
        )),
        id: s.id,
        version: v.version.clone(),
        editable,
        languages: langs
            .iter()
            .map(|l| {
                if l.is_empty() {
                    "—".to_string()
                } else {
                    l.clone()
                }
            })
            .collect(),
        rows,
        lists,
        media,
        sections,
        edit,
        section_edit,
        errors,
    }))
}

/// Query of the designer page.
#[derive(Deserialize)]
pub struct DesignerQuery {
    #[serde(default)]
    edit: String,
    #[serde(default)]
    new: Option<String>,
    #[serde(default)]
    section: String,
}

/// `GET /surveys/{id}/designer`: the questionnaire's structure; `?edit=NAME` opens a question's
/// editor, `?new` the editor of a new question.
pub async fn show_designer(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<DesignerQuery>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (_, form) = current_of(&state, &s).await?;
    let langs = languages_of(&form);
    let edit = if q.new.is_some() {
        Some(Edit {
            orig: String::new(),
            name: String::new(),
            kind: "text".into(),
            labels: vec![String::new(); langs.len()],
            hints: vec![String::new(); langs.len()],
            messages: vec![String::new(); langs.len()],
            required: String::new(),
            relevant: String::new(),
            constraint: String::new(),
            calculation: String::new(),
            section: String::new(),
        })
    } else if q.edit.is_empty() {
        None
    } else {
        Some(edit_of(&form, &q.edit, &langs).ok_or(AppError::NotFound)?)
    };
    let section_edit = if q.section.is_empty() {
        None
    } else {
        Some(section_edit_of(&form, &q.section, &langs).ok_or(AppError::NotFound)?)
    };
    render_designer_with(&state, &auth, &s, edit, section_edit, vec![]).await
}

pub(super) async fn refuse_edit(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    edit: Edit,
    errors: Vec<String>,
) -> AppResult<Response> {
    let mut r = render_designer(state, auth, s, Some(edit), errors).await?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}
