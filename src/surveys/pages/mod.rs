//! Staff pages of surveys: the list, a new survey (or a new wave of a series), the survey's page
//! (versions, publishing, fieldwork status, public link, one-time tokens, counts), and the
//! stylesheet of the survey pages.

use axum::response::Response;
use duluan_forms::Lang as FormLang;

use crate::surveys::model::Survey;
use crate::web::i18n::Tr;

mod actions;
mod list;
mod show;

pub use actions::*;
pub use list::*;
pub use show::*;

const CSS: &str = include_str!("../../../assets/surveys.css");
const GEO_JS: &str = include_str!("../../../assets/surveys-geo.js");

/// `GET /surveys/assets/geo.js`: the map widget of location questions (no outside resources).
pub async fn geo_script() -> Response {
    crate::web::assets::asset(GEO_JS.as_bytes(), "text/javascript; charset=utf-8")
}

/// `GET /surveys/assets/surveys.css`.
pub async fn stylesheet() -> Response {
    crate::web::assets::asset(CSS.as_bytes(), "text/css; charset=utf-8")
}

/// The message language of form diagnostics for a translator.
pub fn form_lang(tr: Tr) -> FormLang {
    match tr.lang() {
        crate::web::i18n::Lang::Vi => FormLang::Vi,
        crate::web::i18n::Lang::En => FormLang::En,
    }
}

/// A survey as a line of the list.
pub struct SurveyLine {
    id: i64,
    title: String,
    unit: String,
    purpose: String,
    wave: i64,
    status: String,
    period: String,
}

pub(super) fn period(s: &Survey) -> String {
    let d = |d: Option<chrono::NaiveDate>| {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    if s.field_start.is_none() && s.field_end.is_none() {
        String::new()
    } else {
        format!("{} – {}", d(s.field_start), d(s.field_end))
    }
}
