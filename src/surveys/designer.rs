//! The questionnaire designer (*thiết kế phiếu hỏi*): XLSForm import (every error with sheet,
//! row and column) and export, the structure of the draft version with sections, questions,
//! choices and logic and their translations side by side, editing a question with live
//! server-side checking of its expressions (htmx), adding choices, and the respondent preview
//! at phone and desktop size.
//!
//! Every change is checked whole by `duluan_forms::check_form` before it is stored: a stored
//! draft always checks, and a published version is never changed.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use duluan_forms::model::{Choice, ChoiceList, Item, Question, QuestionType, Text};
use duluan_forms::{Diagnostic, Form as Questionnaire, Record, check_form, parse_expression};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::surveys::collect::{Outcome, PreviewState, RespondTemplate, build_step, options, step};
use crate::surveys::model::{Survey, Version};
use crate::surveys::pages::form_lang;
use crate::surveys::{draft_version, engine_for, live_version, store, survey_for, visible_survey};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, RenderPage, page};

fn read_form(v: &Version) -> AppResult<Questionnaire> {
    Questionnaire::from_json(&v.form_json).map_err(|e| AppError::Internal(e.into()))
}

/// The draft version of a survey (409 when there is none: make a new version first).
async fn draft_of(state: &AppState, s: &Survey) -> AppResult<(Version, Questionnaire)> {
    let v = draft_version(&state.db, s.id)
        .await?
        .ok_or(AppError::Conflict("surveys-error-no-draft"))?;
    let f = read_form(&v)?;
    Ok((v, f))
}

/// The version staff look at: the draft if there is one, else the published one.
async fn current_of(state: &AppState, s: &Survey) -> AppResult<(Version, Questionnaire)> {
    let v = match draft_version(&state.db, s.id).await? {
        Some(v) => v,
        None => live_version(&state.db, s.id)
            .await?
            .ok_or(AppError::NotFound)?,
    };
    let f = read_form(&v)?;
    Ok((v, f))
}

/// Longest an XLSForm may take to read: a large form reads in well under a second.
const XLSFORM_READ_TIME: std::time::Duration = std::time::Duration::from_secs(30);

/// `POST /surveys/{id}/import`: replaces the draft questionnaire by an XLSForm; every error is
/// listed with its sheet, row and column, and nothing is stored unless the whole form checks.
pub async fn import_xlsform(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, _) = draft_of(&state, &s).await?;
    let mut bytes = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("surveys-error-upload"))?
    {
        if field.name() == Some("file") {
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("surveys-error-upload"))?
                .to_vec();
        }
    }
    let lang = form_lang(auth.ctx.tr);
    // Read off the async workers with a time limit; the reader bounds the file itself
    // (`duluan_forms::xlsform::XLSFORM_LIMITS`) and refuses it with a clear error.
    let read = crate::uploads::read_blocking(XLSFORM_READ_TIME, move || {
        duluan_forms::xlsform::import_xlsx(&bytes)
    })
    .await
    .unwrap_or_else(|u| {
        let text = crate::uploads::unfinished_text(auth.ctx.tr, &u);
        Err(vec![Diagnostic::new(
            duluan_forms::DiagKind::File,
            text.clone(),
            text,
        )])
    });
    let imported = read.and_then(|mut f| {
        f.id = s.series.clone();
        f.published = false;
        if f.version.trim().is_empty() {
            f.version = draft.version.clone();
        }
        check_form(&f).map(|_| f)
    });
    let form = match imported {
        Ok(f) => f,
        Err(diags) => {
            let mut errors = vec![auth.ctx.tr.t("surveys-import-failed")];
            errors.extend(diags.iter().map(|d| d.render(lang)));
            // A file that could not be read as a spreadsheet at all (refused before reading:
            // too large, a zip bomb, a sheet of a million rows) is a bad request; a form with
            // mistakes is unprocessable.
            let unreadable = diags.iter().all(|d| d.kind == duluan_forms::DiagKind::File);
            let mut r = crate::surveys::pages::render_show_errors(&state, &auth, s, errors).await?;
            *r.status_mut() = if unreadable {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return Ok(r);
        }
    };
    let versions = store::list_versions(&state.db, id).await?;
    let version = if versions
        .iter()
        .any(|v| v.id != draft.id && v.version == form.version)
    {
        draft.version.clone()
    } else {
        form.version.clone()
    };
    let mut form = form;
    form.version = version.clone();
    store::update_draft(&state.db, draft.id, &version, &form.to_json(), Utc::now()).await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.import",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"version": version, "questions": form.questions().len()}),
    )
    .await?;
    Ok(Redirect::to(&format!("/surveys/{id}/designer")).into_response())
}

/// `GET /surveys/{id}/xlsform`: the current questionnaire as an XLSForm file.
pub async fn export_xlsform(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (_, form) = current_of(&state, &s).await?;
    let bytes = duluan_forms::xlsform::export_xlsx(&form)
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
    let name = format!("{}-v{}.xlsx", form.id, form.version);
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
    );
    Ok(r)
}

/// Choices of a list: value and labels in each language.
type ChoiceRows = Vec<(String, Vec<String>)>;

/// A row of the structure table.
pub struct Row {
    section: bool,
    depth: usize,
    name: String,
    kind: String,
    labels: Vec<String>,
    required: String,
    relevant: String,
    constraint: String,
    calculation: String,
    errors: Vec<String>,
}

/// The question being edited.
pub struct Edit {
    orig: String,
    name: String,
    kind: String,
    labels: Vec<String>,
    hints: Vec<String>,
    messages: Vec<String>,
    required: String,
    relevant: String,
    constraint: String,
    calculation: String,
    section: String,
}

/// The section (group or repeat) being edited.
pub struct SectionEdit {
    orig: String,
    name: String,
    repeat: bool,
    labels: Vec<String>,
    relevant: String,
    one_page: bool,
    repeat_count: String,
}

#[derive(Template)]
#[template(path = "surveys/designer.html")]
struct DesignerTemplate {
    c: Chrome,
    id: i64,
    version: String,
    editable: bool,
    languages: Vec<String>,
    rows: Vec<Row>,
    lists: Vec<(String, ChoiceRows)>,
    sections: Vec<String>,
    edit: Option<Edit>,
    section_edit: Option<SectionEdit>,
    errors: Vec<String>,
}

fn walk(
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

fn languages_of(form: &Questionnaire) -> Vec<String> {
    let mut langs: Vec<String> = form.languages();
    if langs.len() > 1 {
        langs.retain(|l| !l.is_empty());
    }
    if langs.is_empty() {
        langs.push(String::new());
    }
    langs
}

fn find_question_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Question> {
    for it in items.iter_mut() {
        match it {
            Item::Question(q) if q.name == name => return Some(q),
            Item::Group(g) => {
                if let Some(q) = find_question_mut(&mut g.items, name) {
                    return Some(q);
                }
            }
            _ => {}
        }
    }
    None
}

fn find_group_items_mut<'a>(items: &'a mut Vec<Item>, name: &str) -> Option<&'a mut Vec<Item>> {
    if name.is_empty() {
        return Some(items);
    }
    for it in items.iter_mut() {
        if let Item::Group(g) = it {
            if g.name == name {
                return Some(&mut g.items);
            }
            if let Some(v) = find_group_items_mut(&mut g.items, name) {
                return Some(v);
            }
        }
    }
    None
}

fn sections_of(items: &[Item], out: &mut Vec<String>) {
    for it in items {
        if let Item::Group(g) = it {
            out.push(g.name.clone());
            sections_of(&g.items, out);
        }
    }
}

fn edit_of(form: &Questionnaire, name: &str, langs: &[String]) -> Option<Edit> {
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

fn find_group<'a>(items: &'a [Item], name: &str) -> Option<&'a duluan_forms::Group> {
    for it in items {
        if let Item::Group(g) = it {
            if g.name == name {
                return Some(g);
            }
            if let Some(found) = find_group(&g.items, name) {
                return Some(found);
            }
        }
    }
    None
}

fn find_group_mut<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut duluan_forms::Group> {
    for it in items.iter_mut() {
        if let Item::Group(g) = it {
            if g.name == name {
                return Some(g);
            }
            if let Some(found) = find_group_mut(&mut g.items, name) {
                return Some(found);
            }
        }
    }
    None
}

fn section_edit_of(form: &Questionnaire, name: &str, langs: &[String]) -> Option<SectionEdit> {
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

/// The indices leading to the item `name` from the top of the questionnaire.
fn locate(items: &[Item], name: &str) -> Option<Vec<usize>> {
    for (i, it) in items.iter().enumerate() {
        if it.name() == name {
            return Some(vec![i]);
        }
        if let Item::Group(g) = it
            && let Some(mut rest) = locate(&g.items, name)
        {
            rest.insert(0, i);
            return Some(rest);
        }
    }
    None
}

/// The list of items that holds the item at `path` (the questionnaire or a section's items).
fn container_mut<'a>(items: &'a mut Vec<Item>, path: &[usize]) -> Option<&'a mut Vec<Item>> {
    match path {
        [] | [_] => Some(items),
        [first, rest @ ..] => match items.get_mut(*first)? {
            Item::Group(g) => container_mut(&mut g.items, rest),
            Item::Question(_) => None,
        },
    }
}

/// Moves the item `name` one place up or down. Next to a section it goes into that section
/// (at its end going up, at its start going down); at the first or last place of a section it
/// leaves the section, before or after it. `false` when the item is not found or cannot move.
pub fn move_item(items: &mut Vec<Item>, name: &str, up: bool) -> bool {
    let Some(path) = locate(items, name) else {
        return false;
    };
    let idx = *path.last().expect("a path has at least one index");
    let Some(siblings) = container_mut(items, &path) else {
        return false;
    };
    let len = siblings.len();
    let neighbour = if up {
        idx.checked_sub(1)
    } else {
        Some(idx + 1)
    }
    .filter(|n| *n < len);
    if let Some(n) = neighbour {
        let into_section = matches!(siblings[n], Item::Group(_));
        if into_section {
            let item = siblings.remove(idx);
            let n = if up { n } else { n - 1 };
            if let Item::Group(g) = &mut siblings[n] {
                if up {
                    g.items.push(item);
                } else {
                    g.items.insert(0, item);
                }
            }
        } else {
            siblings.swap(idx, n);
        }
        return true;
    }
    // First or last in its list: leave the section, if it is in one.
    if path.len() < 2 {
        return false;
    }
    let parent_path = &path[..path.len() - 1];
    let section_idx = *parent_path.last().expect("checked above");
    let item = match container_mut(items, &path) {
        Some(siblings) => siblings.remove(idx),
        None => return false,
    };
    match container_mut(items, parent_path) {
        Some(outer) => {
            let at = if up { section_idx } else { section_idx + 1 };
            outer.insert(at.min(outer.len()), item);
            true
        }
        None => false,
    }
}

async fn render_designer(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    edit: Option<Edit>,
    errors: Vec<String>,
) -> AppResult<Response> {
    render_designer_with(state, auth, s, edit, None, errors).await
}

async fn render_designer_with(
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

/// Query of the expression check: which question and which property.
#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    q: String,
    p: String,
}

/// `POST /surveys/{id}/designer/check?q=NAME&p=PROPERTY` (htmx): checks one expression in the
/// context of the whole draft and answers an HTML fragment with the errors at their place.
pub async fn check_expression(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(cq): Query<CheckQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (_, mut form) = current_of(&state, &s).await?;
    let lang = form_lang(auth.ctx.tr);
    let tr = auth.ctx.tr;
    let value = fields
        .iter()
        .find(|(k, _)| *k == cq.p)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    if value.is_empty() {
        return Ok(Html(String::new()).into_response());
    }
    let is_flag = matches!(cq.p.as_str(), "required")
        && matches!(value.as_str(), "yes" | "no" | "true" | "false");
    if !is_flag && let Err(e) = parse_expression(&value) {
        let msg = tr.ta(
            "surveys-check-syntax",
            &[
                ("col", e.position.column.to_string()),
                ("msg", e.message_vi_or_en(lang)),
            ],
        );
        return Ok(Html(format!(
            "<span class=\"field-error\" role=\"alert\">{}</span>",
            esc(&msg)
        ))
        .into_response());
    }
    let name = if cq.q.is_empty() {
        "__new__".to_string()
    } else {
        cq.q.clone()
    };
    if find_question_mut(&mut form.items, &name).is_none() {
        form.items.push(Item::Question(Question {
            name: name.clone(),
            kind: QuestionType::Text,
            label: Text::plain("?"),
            ..Question::default()
        }));
    }
    let q = find_question_mut(&mut form.items, &name).expect("just ensured");
    match cq.p.as_str() {
        "relevant" => q.relevant = Some(value),
        "constraint" => q.constraint = Some(value),
        "calculation" => {
            q.calculation = Some(value);
            q.kind = QuestionType::Calculate;
        }
        "required" => q.required = Some(value),
        _ => return Err(AppError::BadRequest("surveys-error-property")),
    }
    let errors: Vec<String> = match check_form(&form) {
        Ok(_) => vec![],
        Err(d) => d
            .iter()
            .filter(|d| {
                d.place.item.as_deref() == Some(&name)
                    && d.place.property.as_deref() == Some(cq.p.as_str())
            })
            .map(|d| d.render(lang))
            .collect(),
    };
    let html = if errors.is_empty() {
        format!(
            "<span class=\"sv-check-ok\">✓ {}</span>",
            esc(&tr.t("surveys-check-ok"))
        )
    } else {
        errors
            .iter()
            .map(|e| {
                format!(
                    "<span class=\"field-error\" role=\"alert\">{}</span>",
                    esc(e)
                )
            })
            .collect::<Vec<_>>()
            .join("<br>")
    };
    Ok(Html(html).into_response())
}

trait ParseMessage {
    fn message_vi_or_en(&self, lang: duluan_forms::Lang) -> String;
}

impl ParseMessage for duluan_forms::ParseError {
    fn message_vi_or_en(&self, lang: duluan_forms::Lang) -> String {
        match lang {
            duluan_forms::Lang::Vi => self.message_vi.clone(),
            duluan_forms::Lang::En => self.message_en.clone(),
        }
    }
}

async fn refuse_edit(
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

/// `POST /surveys/{id}/designer/question`: saves a question (new when `orig` is empty) with its
/// labels, hints and messages in every language; the whole draft is checked first and nothing
/// is stored when it does not check.
pub async fn save_question(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, mut form) = draft_of(&state, &s).await?;
    let langs = languages_of(&form);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| {
                unicode_normalization::UnicodeNormalization::nfc(v.trim()).collect::<String>()
            })
            .unwrap_or_default()
    };
    let edit = Edit {
        orig: get("orig"),
        name: get("name"),
        kind: get("type"),
        labels: (0..langs.len())
            .map(|i| get(&format!("label_{i}")))
            .collect(),
        hints: (0..langs.len())
            .map(|i| get(&format!("hint_{i}")))
            .collect(),
        messages: (0..langs.len())
            .map(|i| get(&format!("message_{i}")))
            .collect(),
        required: get("required"),
        relevant: get("relevant"),
        constraint: get("constraint"),
        calculation: get("calculation"),
        section: get("section"),
    };
    let tr = auth.ctx.tr;
    let lang = form_lang(tr);
    let Some(kind) = QuestionType::parse(&edit.kind) else {
        let msg = tr.ta("surveys-error-type", &[("type", edit.kind.clone())]);
        return refuse_edit(&state, &auth, &s, edit, vec![msg]).await;
    };
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
    let text = |vals: &[String]| {
        let mut t = Text::default();
        for (l, v) in langs.iter().zip(vals) {
            if !v.is_empty() {
                t.0.insert(l.clone(), v.clone());
            }
        }
        t
    };
    if edit.orig.is_empty() {
        let q = Question {
            name: edit.name.clone(),
            kind,
            label: text(&edit.labels),
            hint: text(&edit.hints),
            required: opt(&edit.required),
            relevant: opt(&edit.relevant),
            constraint: opt(&edit.constraint),
            constraint_message: text(&edit.messages),
            calculation: opt(&edit.calculation),
            ..Question::default()
        };
        match find_group_items_mut(&mut form.items, &edit.section) {
            Some(items) => items.push(Item::Question(q)),
            None => {
                return refuse_edit(&state, &auth, &s, edit, vec![tr.t("surveys-error-section")])
                    .await;
            }
        }
    } else {
        let Some(q) = find_question_mut(&mut form.items, &edit.orig) else {
            return Err(AppError::NotFound);
        };
        q.name = edit.name.clone();
        q.kind = kind;
        q.label = text(&edit.labels);
        q.hint = text(&edit.hints);
        q.required = opt(&edit.required);
        q.relevant = opt(&edit.relevant);
        q.constraint = opt(&edit.constraint);
        q.constraint_message = text(&edit.messages);
        q.calculation = opt(&edit.calculation);
    }
    if let Err(diags) = check_form(&form) {
        let errors = diags.iter().map(|d| d.render(lang)).collect();
        return refuse_edit(&state, &auth, &s, edit, errors).await;
    }
    store::update_draft(
        &state.db,
        draft.id,
        &draft.version,
        &form.to_json(),
        Utc::now(),
    )
    .await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.question",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"question": edit.name, "new": edit.orig.is_empty()}),
    )
    .await?;
    Ok(Redirect::to(&format!("/surveys/{id}/designer")).into_response())
}

/// `POST /surveys/{id}/designer/choice`: adds a choice to a list (creating the list).
pub async fn add_choice(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, mut form) = draft_of(&state, &s).await?;
    let langs = languages_of(&form);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| {
                unicode_normalization::UnicodeNormalization::nfc(v.trim()).collect::<String>()
            })
            .unwrap_or_default()
    };
    let list = get("list");
    let mut label = Text::default();
    for (i, l) in langs.iter().enumerate() {
        let v = get(&format!("label_{i}"));
        if !v.is_empty() {
            label.0.insert(l.clone(), v);
        }
    }
    let choice = Choice {
        name: get("name"),
        label,
        ..Choice::default()
    };
    match form.choices.iter_mut().find(|l| l.name == list) {
        Some(l) => l.choices.push(choice),
        None => form.choices.push(ChoiceList {
            name: list.clone(),
            choices: vec![choice],
        }),
    }
    if let Err(diags) = check_form(&form) {
        let lang = form_lang(auth.ctx.tr);
        let errors = diags.iter().map(|d| d.render(lang)).collect();
        let mut r = render_designer(&state, &auth, &s, None, errors).await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    store::update_draft(
        &state.db,
        draft.id,
        &draft.version,
        &form.to_json(),
        Utc::now(),
    )
    .await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        "survey.choice",
        "survey",
        &id.to_string(),
        Some(s.unit_id),
        json!({"list": list}),
    )
    .await?;
    Ok(Redirect::to(&format!("/surveys/{id}/designer")).into_response())
}

fn remove_item(items: &mut Vec<Item>, name: &str) -> bool {
    if let Some(i) = items.iter().position(|it| it.name() == name) {
        items.remove(i);
        return true;
    }
    items.iter_mut().any(|it| match it {
        Item::Group(g) => remove_item(&mut g.items, name),
        Item::Question(_) => false,
    })
}

async fn store_checked(
    state: &AppState,
    auth: &Auth,
    s: &Survey,
    draft: &Version,
    form: &Questionnaire,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<Response> {
    if let Err(diags) = check_form(form) {
        let lang = form_lang(auth.ctx.tr);
        let errors = diags.iter().map(|d| d.render(lang)).collect();
        let mut r = render_designer(state, auth, s, None, errors).await?;
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    store::update_draft(
        &state.db,
        draft.id,
        &draft.version,
        &form.to_json(),
        Utc::now(),
    )
    .await?;
    audit::record(
        &state.db,
        &auth.ctx.actor(),
        action,
        "survey",
        &s.id.to_string(),
        Some(s.unit_id),
        detail,
    )
    .await?;
    Ok(Redirect::to(&format!("/surveys/{}/designer", s.id)).into_response())
}

/// `POST /surveys/{id}/designer/section`: adds a section (a group; `field-list` puts it on one
/// page) at the end of the questionnaire, or, with `orig`, changes that section: its name,
/// titles in every language, relevance, one-page appearance and (for a repeat) its count.
pub async fn add_section(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, mut form) = draft_of(&state, &s).await?;
    let langs = languages_of(&form);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| {
                unicode_normalization::UnicodeNormalization::nfc(v.trim()).collect::<String>()
            })
            .unwrap_or_default()
    };
    let name = get("name");
    let orig = get("orig");
    let mut label = Text::default();
    for (i, l) in langs.iter().enumerate() {
        let v = get(&format!("label_{i}"));
        if !v.is_empty() {
            label.0.insert(l.clone(), v);
        }
    }
    let one_page = !get("one_page").is_empty();
    let relevant = Some(get("relevant")).filter(|r| !r.is_empty());
    if !orig.is_empty() {
        let Some(g) = find_group_mut(&mut form.items, &orig) else {
            return Err(AppError::NotFound);
        };
        g.name = name.clone();
        g.label = label;
        g.relevant = relevant;
        let mut words: Vec<String> = g
            .appearance
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .filter(|w| *w != "field-list")
            .map(str::to_string)
            .collect();
        if one_page {
            words.insert(0, "field-list".into());
        }
        g.appearance = (!words.is_empty()).then(|| words.join(" "));
        if g.repeat {
            g.repeat_count = Some(get("repeat_count")).filter(|r| !r.is_empty());
        }
        return store_checked(
            &state,
            &auth,
            &s,
            &draft,
            &form,
            "survey.section",
            json!({"section": name, "was": orig}),
        )
        .await;
    }
    let placeholder = Question {
        name: format!("{name}_note"),
        kind: QuestionType::Note,
        label: label.clone(),
        ..Question::default()
    };
    form.items.push(Item::Group(duluan_forms::Group {
        name: name.clone(),
        label,
        appearance: one_page.then(|| "field-list".to_string()),
        relevant,
        items: vec![Item::Question(placeholder)],
        ..duluan_forms::Group::default()
    }));
    store_checked(
        &state,
        &auth,
        &s,
        &draft,
        &form,
        "survey.section",
        json!({"section": name}),
    )
    .await
}

/// `POST /surveys/{id}/designer/move`: moves a question or a section one place up or down
/// (`dir=up|down`), into and out of sections (see [`move_item`]).
pub async fn move_designer_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, mut form) = draft_of(&state, &s).await?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let name = get("name");
    let up = match get("dir").as_str() {
        "up" => true,
        "down" => false,
        _ => return Err(AppError::BadRequest("surveys-error-move")),
    };
    if locate(&form.items, &name).is_none() {
        return Err(AppError::NotFound);
    }
    if !move_item(&mut form.items, &name, up) {
        return Ok(Redirect::to(&format!("/surveys/{id}/designer#row-{name}")).into_response());
    }
    store_checked(
        &state,
        &auth,
        &s,
        &draft,
        &form,
        "survey.move",
        json!({"item": name, "dir": if up { "up" } else { "down" }}),
    )
    .await
}

/// `POST /surveys/{id}/designer/delete`: removes a question or a section of the draft (refused
/// when other questions still refer to it).
pub async fn delete_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = survey_for(&state.db, &auth, id, Capability::DesignSurveys).await?;
    let (draft, mut form) = draft_of(&state, &s).await?;
    let name = fields
        .iter()
        .find(|(f, _)| f == "name")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if !remove_item(&mut form.items, &name) {
        return Err(AppError::NotFound);
    }
    store_checked(
        &state,
        &auth,
        &s,
        &draft,
        &form,
        "survey.delete_item",
        json!({"item": name}),
    )
    .await
}

/// Query of the preview.
#[derive(Deserialize)]
pub struct PreviewQuery {
    #[serde(default)]
    size: String,
}

#[allow(clippy::too_many_arguments)]
fn preview_page(
    auth: &Auth,
    id: i64,
    engine: &duluan_forms::Engine,
    answers: &Record,
    page_id: &str,
    issues: bool,
    size: &str,
    done: bool,
) -> Response {
    let tr = auth.ctx.tr;
    let mut answers = answers.clone();
    crate::surveys::collect::ensure_open_repeats(engine.form(), &mut answers);
    let answers = &answers;
    let eval = engine.evaluate(answers, &options(tr));
    let page_id = if eval.pages.iter().any(|p| p.id == page_id && p.relevant) {
        page_id.to_string()
    } else {
        eval.next_page(None)
            .map(|p| p.id.clone())
            .unwrap_or_default()
    };
    let t = RespondTemplate {
        tr,
        lang: tr.lang().code(),
        path: format!("/surveys/{id}/preview"),
        title: engine.form().form.title.clone(),
        step: build_step(engine, &eval, &page_id, issues),
        flash: done.then(|| tr.t("surveys-preview-done")),
        preview: Some(PreviewState {
            answers: serde_json::to_string(answers).unwrap_or_default(),
            size: if size == "desktop" {
                "desktop".into()
            } else {
                "phone".into()
            },
            back: format!("/surveys/{id}/designer"),
        }),
        anonymous: true,
    };
    Html(t.render_page()).into_response()
}

/// `GET /surveys/{id}/preview`: the questionnaire as a respondent sees it (phone size by
/// default); nothing is stored.
pub async fn show_preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (v, _) = current_of(&state, &s).await?;
    let engine = engine_for(&v.form_json)?;
    Ok(preview_page(
        &auth,
        id,
        &engine,
        &Record::new(),
        "",
        false,
        &q.size,
        false,
    ))
}

/// `POST /surveys/{id}/preview`: one step of the preview (answers carried in the page).
pub async fn step_preview(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let s = visible_survey(&state.db, &auth, id).await?;
    let (v, _) = current_of(&state, &s).await?;
    let engine = engine_for(&v.form_json)?;
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut answers: Record = serde_json::from_str(&get("state")).unwrap_or_default();
    let size = get("size");
    Ok(
        match step(&engine, &mut answers, &fields, &options(auth.ctx.tr)) {
            Outcome::Show { page, issues, .. } => {
                preview_page(&auth, id, &engine, &answers, &page, issues, &size, false)
            }
            Outcome::Complete(_) => {
                preview_page(&auth, id, &engine, &Record::new(), "", false, &size, true)
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str) -> Item {
        Item::Question(Question {
            name: name.into(),
            kind: QuestionType::Text,
            ..Question::default()
        })
    }

    fn g(name: &str, items: Vec<Item>) -> Item {
        Item::Group(duluan_forms::Group {
            name: name.into(),
            items,
            ..duluan_forms::Group::default()
        })
    }

    fn shape(items: &[Item]) -> String {
        items
            .iter()
            .map(|it| match it {
                Item::Question(q) => q.name.clone(),
                Item::Group(g) => format!("{}({})", g.name, shape(&g.items)),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn items_move_within_into_and_out_of_sections() {
        let mut items = vec![q("a"), q("b"), g("s", vec![q("c"), q("d")]), q("e")];
        assert!(move_item(&mut items, "b", true));
        assert_eq!(shape(&items), "b a s(c d) e");
        assert!(!move_item(&mut items, "b", true), "already first");
        assert!(move_item(&mut items, "a", false));
        assert_eq!(
            shape(&items),
            "b s(a c d) e",
            "down into the section, at its start"
        );
        assert!(move_item(&mut items, "a", true));
        assert_eq!(
            shape(&items),
            "b a s(c d) e",
            "up out of the section, before it"
        );
        assert!(move_item(&mut items, "e", true));
        assert_eq!(
            shape(&items),
            "b a s(c d e)",
            "up into the section, at its end"
        );
        assert!(move_item(&mut items, "e", false));
        assert_eq!(
            shape(&items),
            "b a s(c d) e",
            "down out of the section, after it"
        );
        assert!(move_item(&mut items, "s", true));
        assert_eq!(shape(&items), "b s(c d) a e", "a section moves whole");
        assert!(!move_item(&mut items, "x", true));
    }
}
