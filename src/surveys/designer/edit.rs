//! The designer's changes: live checking of one expression (htmx), saving a question, adding a
//! choice, adding or changing a section, moving and deleting items. Each change is checked
//! whole before it is stored.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use duluan_forms::model::{Choice, ChoiceList, Item, Question, QuestionType, Text};
use duluan_forms::{check_form, parse_expression};
use serde::Deserialize;
use serde_json::json;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::surveys::pages::form_lang;
use crate::surveys::survey_for;
use crate::web::ctx::Auth;

use super::page::*;
use super::tree::*;
use super::{current_of, draft_of, save_draft, store_checked};

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

pub(super) trait ParseMessage {
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
    let get = |k: &str| posted(&fields, k);
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
    let detail = json!({"question": edit.name, "new": edit.orig.is_empty()});
    save_draft(&state, &auth, &s, &draft, &form, "survey.question", detail).await
}

/// A posted field, trimmed and in NFC ("" when absent).
fn posted(fields: &[(String, String)], k: &str) -> String {
    fields
        .iter()
        .find(|(f, _)| f == k)
        .map(|(_, v)| unicode_normalization::UnicodeNormalization::nfc(v.trim()).collect())
        .unwrap_or_default()
}

/// The posted labels `label_0`, `label_1`, … in the questionnaire's languages (empty ones left
/// out).
fn posted_labels(fields: &[(String, String)], langs: &[String]) -> Text {
    let mut label = Text::default();
    for (i, l) in langs.iter().enumerate() {
        let v = posted(fields, &format!("label_{i}"));
        if !v.is_empty() {
            label.0.insert(l.clone(), v);
        }
    }
    label
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
    let get = |k: &str| posted(&fields, k);
    let list = get("list");
    let label = posted_labels(&fields, &langs);
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
    store_checked(
        &state,
        &auth,
        &s,
        &draft,
        &form,
        "survey.choice",
        json!({"list": list}),
    )
    .await
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
    let get = |k: &str| posted(&fields, k);
    let name = get("name");
    let orig = get("orig");
    let label = posted_labels(&fields, &langs);
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
