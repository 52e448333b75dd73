//! Helpers: XLSForm tables written inline, answers, the clock.

use duluan_forms::value::parse_datetime;
use duluan_forms::xlsform::{Sheet, import_sheets};
use duluan_forms::{
    Answer, DateTime, Diagnostic, Engine, Form, Lang, Mode, Options, Record, check_form,
};

pub fn sheet(name: &str, rows: &[&[&str]]) -> Sheet {
    Sheet {
        name: name.into(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    }
}

/// Imports a survey and a choices table (the settings are fixed).
pub fn try_form(survey: &[&[&str]], choices: &[&[&str]]) -> Result<Form, Vec<Diagnostic>> {
    let mut sheets = vec![
        sheet("survey", survey),
        sheet(
            "settings",
            &[&["form_id", "version", "form_title"], &["t", "1", "Test"]],
        ),
    ];
    if !choices.is_empty() {
        sheets.push(sheet("choices", choices));
    }
    import_sheets(&sheets)
}

pub fn form(survey: &[&[&str]], choices: &[&[&str]]) -> Form {
    try_form(survey, choices).unwrap_or_else(|e| {
        panic!(
            "{}",
            e.iter()
                .map(|d| d.render(Lang::En))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

pub fn engine(survey: &[&[&str]], choices: &[&[&str]]) -> Engine {
    Engine::new(check_form(&form(survey, choices)).unwrap())
}

pub fn now() -> DateTime {
    parse_datetime("2026-11-28T10:00:00+07:00").unwrap()
}

pub fn opts(lang: &str) -> Options {
    Options::new(lang, Mode::SelfCompletion, now())
}

/// Answers from `name=value` pairs (top level only).
pub fn answers(pairs: &[(&str, &str)]) -> Record {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Answer::Value(v.to_string())))
        .collect()
}

/// Answers from JSON.
pub fn record(json: &str) -> Record {
    serde_json::from_str(json).unwrap()
}
