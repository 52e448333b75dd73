//! XLSForm sheets as tables of text: the mapping between the survey/choices/settings sheets
//! and a [`Form`], independent of the spreadsheet file format.

mod choices;
mod columns;
mod export;
mod settings;
mod survey;

pub use export::export_sheets;

use crate::check::check_form;
use crate::diag::{DiagKind, Diagnostic, Place};
use crate::model::Form;
use choices::{add_other_choices, choice_label_warnings, read_choices};
use columns::Col;
use settings::read_settings;
use std::collections::HashMap;
use survey::read_survey;

/// A sheet: its name and its rows of cells (row 0 is the header row, spreadsheet row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// Sheet name.
    pub name: String,
    /// Cells as text.
    pub rows: Vec<Vec<String>>,
}

fn diag(
    kind: DiagKind,
    sheet: &str,
    row: Option<usize>,
    column: Option<&str>,
    en: String,
    vi: String,
) -> Diagnostic {
    Diagnostic {
        kind,
        place: Place {
            sheet: Some(sheet.to_string()),
            row,
            column: column.map(str::to_string),
            ..Place::default()
        },
        message_en: en,
        message_vi: vi,
    }
}

fn find_sheet<'a>(sheets: &'a [Sheet], name: &str) -> Option<&'a Sheet> {
    sheets.iter().find(|s| s.name == name).or_else(|| {
        sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(name))
    })
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", |s| s.trim())
}

/// Where items and choices came from, to place the checker's diagnostics.
#[derive(Default)]
struct Origins {
    items: HashMap<Vec<usize>, usize>,
    choices: HashMap<(String, usize), usize>,
    survey_headers: HashMap<&'static str, String>,
    choice_headers: HashMap<String, String>,
}

/// Reads a form from its sheets. Every error is reported, each with its place; no form is
/// produced if there is one.
pub fn import_sheets(sheets: &[Sheet]) -> Result<Form, Vec<Diagnostic>> {
    import_sheets_with_warnings(sheets).map(|(form, _)| form)
}

/// [`import_sheets`], also returning the warnings (kind [`DiagKind::Warning`]): what pyxform
/// accepts with a warning, and settings duluan does not keep.
pub fn import_sheets_with_warnings(
    sheets: &[Sheet],
) -> Result<(Form, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut or_other_lists: Vec<String> = Vec::new();
    let mut origins = Origins::default();
    let Some(survey) = find_sheet(sheets, "survey") else {
        let found: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        let found = if found.is_empty() {
            "none".to_string()
        } else {
            found.join(", ")
        };
        errors.push(diag(
            DiagKind::Sheet,
            "survey",
            None,
            None,
            format!("there is no `survey` sheet (sheets found: {found})"),
            format!("không có trang tính `survey` (các trang tìm thấy: {found})"),
        ));
        return Err(errors);
    };
    let mut form = Form::default();
    if let Some(settings) = find_sheet(sheets, "settings") {
        read_settings(settings, &mut form, &mut errors, &mut warnings);
    }
    if let Some(choices) = find_sheet(sheets, "choices") {
        form.choices = read_choices(choices, &mut origins, &mut errors);
    }
    form.items = read_survey(
        survey,
        &mut origins,
        &mut errors,
        &mut warnings,
        &mut or_other_lists,
    );
    add_other_choices(&mut form, &or_other_lists, &mut warnings);
    choice_label_warnings(&form, sheets, &origins, &mut warnings);
    // ODK entities (a list of things kept across forms: households, wells) are not kept: the
    // form imports and collects its answers; the survey's cases play that part in duluan.
    if let Some(entities) = find_sheet(sheets, "entities")
        && entities.rows.len() > 1
    {
        warnings.push(diag(
            DiagKind::Warning,
            &entities.name,
            Some(2),
            None,
            "the `entities` sheet is not used: duluan does not create or update ODK entity lists (its survey cases play that part); the answers are collected as usual and `save_to` is ignored".into(),
            "không dùng trang tính `entities`: duluan không tạo hay cập nhật danh sách thực thể của ODK (việc này do các trường hợp của cuộc khảo sát đảm nhận); câu trả lời vẫn được thu như thường và cột `save_to` bị bỏ qua".into(),
        ));
    }
    if find_sheet(sheets, "choices").is_none()
        && form.questions().iter().any(|q| q.kind.list().is_some())
    {
        let found: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
        errors.push(diag(
            DiagKind::Sheet,
            "choices",
            None,
            None,
            format!("the form has select questions but no `choices` sheet (sheets found: {})", found.join(", ")),
            format!("biểu mẫu có câu hỏi lựa chọn nhưng không có trang tính `choices` (các trang tìm thấy: {})", found.join(", ")),
        ));
    }
    // Without the type or name column nothing else can be checked.
    let unreadable = errors.iter().any(|d| {
        d.kind == DiagKind::Column
            && d.place.column.is_none()
            && d.place.sheet.as_deref() == Some(survey.name.as_str())
    });
    match check_form(&form) {
        _ if unreadable => {}
        Ok(_) => {}
        Err(diags) => {
            for mut d in diags {
                place_diagnostic(&mut d, &survey.name, sheets, &origins);
                errors.push(d);
            }
        }
    }
    if errors.is_empty() {
        warnings.sort_by_key(|d| (d.place.sheet.clone(), d.place.row));
        Ok((form, warnings))
    } else {
        errors.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.place.sheet.clone().unwrap_or_default() != "survey",
                    d.place.sheet.clone(),
                    d.place.row,
                    d.place.column.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        errors.dedup();
        Err(errors)
    }
}

fn place_diagnostic(d: &mut Diagnostic, survey_name: &str, sheets: &[Sheet], origins: &Origins) {
    if let Some((list, idx)) = d.place.choice.clone() {
        let choices =
            find_sheet(sheets, "choices").map_or("choices".to_string(), |s| s.name.clone());
        d.place.sheet = Some(choices);
        d.place.row = origins.choices.get(&(list, idx)).copied();
        d.place.column = d
            .place
            .property
            .as_ref()
            .map(|p| {
                origins
                    .choice_headers
                    .get(p)
                    .cloned()
                    .unwrap_or_else(|| p.clone())
            })
            .or(Some("list_name".to_string()));
        return;
    }
    if !d.place.path.is_empty() {
        d.place.sheet = Some(survey_name.to_string());
        d.place.row = origins.items.get(&d.place.path).copied();
        if let Some(p) = &d.place.property {
            let col = Col::ALL
                .iter()
                .find(|c| c.header() == p)
                .and_then(|c| origins.survey_headers.get(c.header()).cloned())
                .unwrap_or_else(|| p.clone());
            d.place.column = Some(col);
        }
        return;
    }
    if d.place.property.as_deref() == Some("instance_name") {
        d.place.sheet = Some("settings".to_string());
        d.place.row = Some(2);
        d.place.column = Some("instance_name".to_string());
    }
}
