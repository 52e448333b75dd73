//! Writing a form as XLSForm sheets, with only the columns and languages it uses.

use super::Sheet;
use super::columns::Col;
use crate::model::{Form, Item, Text};
use std::collections::BTreeSet;

fn lang_header(base: &str, lang: &str) -> String {
    if lang.is_empty() {
        base.to_string()
    } else {
        format!("{base}::{lang}")
    }
}

/// Writes a form as XLSForm sheets (`survey`, `choices`, `settings`), with only the columns
/// the form uses.
pub fn export_sheets(form: &Form) -> Vec<Sheet> {
    // Which (column, language) pairs are used.
    let mut used: BTreeSet<(Col, String)> = BTreeSet::new();
    fn scan(items: &[Item], used: &mut BTreeSet<(Col, String)>) {
        let text = |c: Col, t: &Text, used: &mut BTreeSet<(Col, String)>| {
            for (k, v) in &t.0 {
                if !v.is_empty() {
                    used.insert((c, k.clone()));
                }
            }
        };
        for it in items {
            match it {
                Item::Question(q) => {
                    text(Col::Label, &q.label, used);
                    text(Col::InterviewerLabel, &q.interviewer_label, used);
                    text(Col::Hint, &q.hint, used);
                    text(Col::GuidanceHint, &q.guidance_hint, used);
                    text(Col::RequiredMessage, &q.required_message, used);
                    text(Col::ConstraintMessage, &q.constraint_message, used);
                    for (c, v) in [
                        (Col::Required, &q.required),
                        (Col::Constraint, &q.constraint),
                        (Col::Relevant, &q.relevant),
                        (Col::Calculation, &q.calculation),
                        (Col::Default, &q.default),
                        (Col::ReadOnly, &q.read_only),
                        (Col::ChoiceFilter, &q.choice_filter),
                        (Col::Appearance, &q.appearance),
                        (Col::Parameters, &q.parameters),
                    ] {
                        if v.is_some() {
                            used.insert((c, String::new()));
                        }
                    }
                }
                Item::Group(g) => {
                    text(Col::Label, &g.label, used);
                    text(Col::InterviewerLabel, &g.interviewer_label, used);
                    for (c, v) in [
                        (Col::Relevant, &g.relevant),
                        (Col::Appearance, &g.appearance),
                        (Col::RepeatCount, &g.repeat_count),
                    ] {
                        if v.is_some() {
                            used.insert((c, String::new()));
                        }
                    }
                    scan(&g.items, used);
                }
            }
        }
    }
    scan(&form.items, &mut used);
    used.insert((Col::Type, String::new()));
    used.insert((Col::Name, String::new()));
    let columns: Vec<(Col, String)> = used.into_iter().collect();
    let mut survey = vec![
        columns
            .iter()
            .map(|(c, l)| lang_header(c.header(), l))
            .collect::<Vec<_>>(),
    ];
    fn rows(items: &[Item], columns: &[(Col, String)], out: &mut Vec<Vec<String>>) {
        for it in items {
            match it {
                Item::Question(q) => {
                    out.push(
                        columns
                            .iter()
                            .map(|(c, l)| {
                                let t = |t: &Text| t.0.get(l).cloned().unwrap_or_default();
                                let o = |o: &Option<String>| o.clone().unwrap_or_default();
                                match c {
                                    Col::Type => q.kind.to_string(),
                                    Col::Name => q.name.clone(),
                                    Col::Label => t(&q.label),
                                    Col::InterviewerLabel => t(&q.interviewer_label),
                                    Col::Hint => t(&q.hint),
                                    Col::GuidanceHint => t(&q.guidance_hint),
                                    Col::RequiredMessage => t(&q.required_message),
                                    Col::ConstraintMessage => t(&q.constraint_message),
                                    Col::Required => o(&q.required),
                                    Col::Constraint => o(&q.constraint),
                                    Col::Relevant => o(&q.relevant),
                                    Col::Calculation => o(&q.calculation),
                                    Col::Default => o(&q.default),
                                    Col::ReadOnly => o(&q.read_only),
                                    Col::ChoiceFilter => o(&q.choice_filter),
                                    Col::Appearance => o(&q.appearance),
                                    Col::Parameters => o(&q.parameters),
                                    Col::RepeatCount => String::new(),
                                }
                            })
                            .collect(),
                    );
                }
                Item::Group(g) => {
                    let kind = if g.repeat { "repeat" } else { "group" };
                    out.push(
                        columns
                            .iter()
                            .map(|(c, l)| {
                                let t = |t: &Text| t.0.get(l).cloned().unwrap_or_default();
                                let o = |o: &Option<String>| o.clone().unwrap_or_default();
                                match c {
                                    Col::Type => format!("begin {kind}"),
                                    Col::Name => g.name.clone(),
                                    Col::Label => t(&g.label),
                                    Col::InterviewerLabel => t(&g.interviewer_label),
                                    Col::Relevant => o(&g.relevant),
                                    Col::Appearance => o(&g.appearance),
                                    Col::RepeatCount => o(&g.repeat_count),
                                    _ => String::new(),
                                }
                            })
                            .collect(),
                    );
                    rows(&g.items, columns, out);
                    let mut end = vec![String::new(); columns.len()];
                    end[0] = format!("end {kind}");
                    out.push(end);
                }
            }
        }
    }
    rows(&form.items, &columns, &mut survey);
    let mut sheets = vec![Sheet {
        name: "survey".into(),
        rows: survey,
    }];

    if !form.choices.is_empty() {
        let mut langs = BTreeSet::new();
        let mut extra = BTreeSet::new();
        for l in &form.choices {
            for c in &l.choices {
                langs.extend(
                    c.label
                        .0
                        .iter()
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, _)| k.clone()),
                );
                extra.extend(c.columns.keys().cloned());
            }
        }
        let mut header = vec!["list_name".to_string(), "name".to_string()];
        header.extend(langs.iter().map(|l| lang_header("label", l)));
        header.extend(extra.iter().cloned());
        let mut rows = vec![header];
        for l in &form.choices {
            for c in &l.choices {
                let mut row = vec![l.name.clone(), c.name.clone()];
                row.extend(
                    langs
                        .iter()
                        .map(|lang| c.label.0.get(lang).cloned().unwrap_or_default()),
                );
                row.extend(
                    extra
                        .iter()
                        .map(|k| c.columns.get(k).cloned().unwrap_or_default()),
                );
                rows.push(row);
            }
        }
        sheets.push(Sheet {
            name: "choices".into(),
            rows,
        });
    }

    let mut settings: Vec<(&str, String)> = vec![
        ("form_title", form.title.clone()),
        ("form_id", form.id.clone()),
        ("version", form.version.clone()),
    ];
    if let Some(l) = &form.default_language {
        settings.push(("default_language", l.clone()));
    }
    if let Some(n) = &form.instance_name {
        settings.push(("instance_name", n.clone()));
    }
    if let Some(k) = &form.public_key {
        settings.push(("public_key", k.clone()));
    }
    if form.published {
        settings.push(("published", "yes".into()));
    }
    sheets.push(Sheet {
        name: "settings".into(),
        rows: vec![
            settings.iter().map(|(k, _)| k.to_string()).collect(),
            settings.into_iter().map(|(_, v)| v).collect(),
        ],
    });
    sheets
}
