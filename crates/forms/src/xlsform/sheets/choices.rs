//! The `choices` sheet: choice lists with their labels and extra columns, pyxform's `other`
//! choice, and the warnings for choices without a label.

use super::columns::split_header;
use super::{Origins, Sheet, cell, diag, find_sheet};
use crate::diag::{DiagKind, Diagnostic};
use crate::model::{Choice, ChoiceList, Form, Text};
use std::collections::{BTreeMap, HashMap};

pub(super) fn read_choices(
    sheet: &Sheet,
    origins: &mut Origins,
    errors: &mut Vec<Diagnostic>,
) -> Vec<ChoiceList> {
    let Some(header) = sheet.rows.first() else {
        return Vec::new();
    };
    let mut list_col = None;
    let mut name_col = None;
    let mut labels = Vec::new();
    let mut extra = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if h.trim().is_empty() {
            continue;
        }
        let (base, lang) = split_header(h);
        match base.as_str() {
            "list_name" | "list name" if lang.is_none() => {
                list_col = Some(i);
                origins
                    .choice_headers
                    .insert("list_name".into(), h.trim().to_string());
            }
            "name" | "value" if lang.is_none() => {
                name_col = Some(i);
                origins
                    .choice_headers
                    .insert("name".into(), h.trim().to_string());
            }
            "label" => {
                labels.push((i, lang.unwrap_or_default()));
                origins
                    .choice_headers
                    .entry("label".into())
                    .or_insert_with(|| h.trim().to_string());
            }
            _ => extra.push((i, h.trim().to_string())),
        }
    }
    let missing = |col: &str, errors: &mut Vec<Diagnostic>| {
        errors.push(diag(
            DiagKind::Column,
            &sheet.name,
            Some(1),
            None,
            format!("the `{col}` column is missing"),
            format!("thiếu cột `{col}`"),
        ))
    };
    let (Some(lc), Some(nc)) = (list_col, name_col) else {
        if list_col.is_none() {
            missing("list_name", errors);
        }
        if name_col.is_none() {
            missing("name", errors);
        }
        return Vec::new();
    };
    let mut lists: Vec<ChoiceList> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (r, row) in sheet.rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let list = cell(row, lc);
        if list.is_empty() {
            errors.push(diag(
                DiagKind::Missing,
                &sheet.name,
                Some(r + 1),
                Some(header[lc].trim()),
                "the list name is missing".into(),
                "thiếu tên danh sách".into(),
            ));
            continue;
        }
        let li = *index.entry(list.to_string()).or_insert_with(|| {
            lists.push(ChoiceList {
                name: list.to_string(),
                choices: Vec::new(),
            });
            lists.len() - 1
        });
        let mut label = Text::default();
        for (i, lang) in &labels {
            let v = cell(row, *i);
            if !v.is_empty() {
                label.0.insert(lang.clone(), v.to_string());
            }
        }
        let mut columns = BTreeMap::new();
        for (i, h) in &extra {
            let v = cell(row, *i);
            if !v.is_empty() {
                columns.insert(h.clone(), v.to_string());
            }
        }
        origins
            .choices
            .insert((list.to_string(), lists[li].choices.len()), r + 1);
        lists[li].choices.push(Choice {
            name: cell(row, nc).to_string(),
            label,
            columns,
        });
    }
    lists
}

/// Adds pyxform's `other` choice (label `Other`, without a language) to each list used by an
/// `or_other` select, and its warning when the form has translations.
pub(super) fn add_other_choices(form: &mut Form, lists: &[String], warnings: &mut Vec<Diagnostic>) {
    if lists.is_empty() {
        return;
    }
    // pyxform writes `Other` in every language of a translated list.
    let languages = form.languages();
    let mut label = Text::default();
    for l in languages.iter().filter(|l| !l.is_empty()) {
        label = label.with(l, "Other");
    }
    if label.is_empty() {
        label = Text::plain("Other");
    }
    for l in &mut form.choices {
        if lists.contains(&l.name) && !l.choices.iter().any(|c| c.name == "other") {
            l.choices.push(Choice {
                name: "other".into(),
                label: label.clone(),
                columns: BTreeMap::new(),
            });
        }
    }
    if languages.iter().any(|l| !l.is_empty()) {
        warnings.push(Diagnostic::new(
            DiagKind::Warning,
            "this form uses `or_other` and translations: the label of the `other` choice (`Other`) and of the question `…_other` (`Specify other.`) are not translated",
            "biểu mẫu dùng `or_other` cùng với bản dịch: nhãn của lựa chọn `other` (`Other`) và của câu hỏi `…_other` (`Specify other.`) không được dịch",
        ));
    }
}

/// pyxform's warning for a choice without a label (the choice's name is shown instead).
pub(super) fn choice_label_warnings(
    form: &Form,
    sheets: &[Sheet],
    origins: &Origins,
    warnings: &mut Vec<Diagnostic>,
) {
    let sheet = find_sheet(sheets, "choices").map_or("choices".to_string(), |s| s.name.clone());
    let column = origins
        .choice_headers
        .get("label")
        .cloned()
        .unwrap_or_else(|| "label".into());
    for l in &form.choices {
        for (i, c) in l.choices.iter().enumerate() {
            if c.label.is_empty()
                && let Some(&row) = origins.choices.get(&(l.name.clone(), i))
            {
                warnings.push(diag(
                    DiagKind::Warning,
                    &sheet,
                    Some(row),
                    Some(&column),
                    format!(
                        "choice `{}` of list `{}` has no label: its name is shown",
                        c.name, l.name
                    ),
                    format!(
                        "lựa chọn `{}` của danh sách `{}` không có nhãn: tên của nó được hiển thị",
                        c.name, l.name
                    ),
                ));
            }
        }
    }
}
