//! Reading a population table from an uploaded or pasted table: one column per question it
//! crosses (headed by the question's name), a last column of counts (headed `population`,
//! `dan_so`, `dân số`, `so_nguoi` or `count`), one row per combination. A level may be given by
//! the choice's name or its label in any language. Every error says where (row and column).
//! A table may instead be taken from the organisation tree's units (`units.rs`).

pub mod units;

use std::collections::{HashMap, HashSet};

use duluan_forms::check::CheckedForm;

use super::crosstab::single_choices;
use super::weighting::PopTable;
use crate::uploads::table::Table;

crate::kit::keys::stored_keys! {
    /// Where a population table came from.
    pub enum TableSource: "population table source" {
        /// Uploaded or pasted.
        Upload = "upload",
        /// Taken from the populations of the organisation tree's units.
        Units = "units",
    }
}

/// Largest number of combinations in a table.
pub const MAX_CELLS: usize = 2_000;

/// Headers of the counts column.
const COUNT_HEADERS: &[&str] = &[
    "population",
    "dan_so",
    "dân số",
    "dan so",
    "so_nguoi",
    "count",
];

/// One problem of a table: a message key, its place and the value in question.
#[derive(Clone, Debug, PartialEq)]
pub struct TableIssue {
    /// Fluent key.
    pub key: &'static str,
    /// Row in the file (0: the table as a whole).
    pub row: usize,
    /// Column as the file names it (empty: the table as a whole).
    pub column: String,
    /// The value or name in question.
    pub value: String,
}

fn issue(key: &'static str, row: usize, column: String, value: impl Into<String>) -> TableIssue {
    TableIssue {
        key,
        row,
        column,
        value: value.into(),
    }
}

/// A count as published: `1234567`, `1.234.567`, `1,234,567`, `1 234 567` or a decimal.
pub fn parse_count(raw: &str) -> Option<f64> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if s.is_empty() {
        return None;
    }
    let grouped = |sep: char| {
        let parts: Vec<&str> = s.split(sep).collect();
        parts.len() > 1
            && (1..=3).contains(&parts[0].len())
            && parts[1..].iter().all(|p| p.len() == 3)
            && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    let v = if grouped('.') {
        s.replace('.', "").parse().ok()
    } else if grouped(',') {
        s.replace(',', "").parse().ok()
    } else {
        s.replace(',', ".").parse::<f64>().ok()
    };
    v.filter(|x: &f64| x.is_finite() && *x >= 0.0)
}

fn fold(s: &str) -> String {
    crate::kit::text::one_line(s).to_lowercase()
}

/// Reads table `t` against the questionnaire; `name` is what the table is called.
pub fn parse(t: &Table, form: &CheckedForm, name: &str) -> Result<PopTable, Vec<TableIssue>> {
    let mut issues = Vec::new();
    let Some(count_col) = t.column(COUNT_HEADERS) else {
        return Err(vec![issue(
            "weighting-table-no-count",
            0,
            String::new(),
            "",
        )]);
    };
    // Every other non-empty header is a question.
    let mut variables = Vec::new();
    let mut levels: Vec<HashMap<String, String>> = Vec::new();
    let mut cols = Vec::new();
    let by_lower: HashMap<String, String> = form
        .by_name
        .keys()
        .map(|k| (k.to_lowercase(), k.clone()))
        .collect();
    for (c, h) in t.headers.iter().enumerate() {
        if c == count_col || h.is_empty() {
            continue;
        }
        let found = by_lower
            .get(h.as_str())
            .and_then(|n| single_choices(form, n, "").map(|(_, ch)| (n.clone(), ch)));
        let Some((var, choices)) = found else {
            issues.push(issue(
                "weighting-table-unknown-variable",
                1,
                t.label(c),
                h.clone(),
            ));
            continue;
        };
        if variables.contains(&var) {
            issues.push(issue(
                "weighting-table-variable-twice",
                1,
                t.label(c),
                h.clone(),
            ));
            continue;
        }
        // A level by its name, or by its label in any language.
        let mut map = HashMap::new();
        let &id = form.by_name.get(&var).expect("known");
        let node = &form.nodes[id as usize];
        if let Some(list) = node.list.and_then(|l| form.form.choices.get(l)) {
            for ch in &list.choices {
                for label in ch.label.0.values() {
                    map.entry(fold(label)).or_insert_with(|| ch.name.clone());
                }
            }
        }
        for (n, _) in &choices {
            map.insert(fold(n), n.clone());
            map.insert(n.clone(), n.clone());
        }
        variables.push(var);
        levels.push(map);
        cols.push(c);
    }
    if variables.is_empty() && issues.is_empty() {
        issues.push(issue("weighting-table-no-variable", 0, String::new(), ""));
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut cells: Vec<(Vec<String>, f64)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row, values) in &t.rows {
        let mut combo = Vec::new();
        let mut ok = true;
        for (k, &c) in cols.iter().enumerate() {
            let raw = Table::cell(values, Some(c));
            match levels[k].get(raw).or_else(|| levels[k].get(&fold(raw))) {
                Some(n) => combo.push(n.clone()),
                None => {
                    issues.push(issue(
                        "weighting-table-unknown-level",
                        *row,
                        t.label(c),
                        raw,
                    ));
                    ok = false;
                }
            }
        }
        let raw = Table::cell(values, Some(count_col));
        let count = parse_count(raw);
        if count.is_none() {
            issues.push(issue(
                "weighting-table-bad-count",
                *row,
                t.label(count_col),
                raw,
            ));
            ok = false;
        }
        if !ok {
            continue;
        }
        let key = PopTable::key(&combo);
        if let Some(first) = seen.insert(key.clone(), *row) {
            issues.push(issue(
                "weighting-table-duplicate",
                *row,
                String::new(),
                format!("{key} ({first})"),
            ));
            continue;
        }
        cells.push((combo, count.unwrap_or(0.0)));
        if cells.len() > MAX_CELLS {
            issues.push(issue(
                "weighting-table-too-many",
                *row,
                String::new(),
                MAX_CELLS.to_string(),
            ));
            return Err(issues);
        }
    }
    if cells.is_empty() && issues.is_empty() {
        issues.push(issue("weighting-table-empty", 0, String::new(), ""));
    }
    // A crossed table lists every combination of the levels it uses.
    if issues.is_empty() && variables.len() > 1 {
        let used: Vec<Vec<String>> = (0..variables.len())
            .map(|k| {
                let mut v: Vec<String> = Vec::new();
                for (c, _) in &cells {
                    if !v.contains(&c[k]) {
                        v.push(c[k].clone());
                    }
                }
                v
            })
            .collect();
        let have: HashSet<String> = cells.iter().map(|(c, _)| PopTable::key(c)).collect();
        let mut combo = vec![0usize; used.len()];
        'all: loop {
            let key: Vec<String> = combo
                .iter()
                .enumerate()
                .map(|(k, &i)| used[k][i].clone())
                .collect();
            let key = PopTable::key(&key);
            if !have.contains(&key) {
                issues.push(issue("weighting-table-missing", 0, String::new(), key));
                if issues.len() >= 20 {
                    break;
                }
            }
            for k in (0..combo.len()).rev() {
                combo[k] += 1;
                if combo[k] < used[k].len() {
                    continue 'all;
                }
                combo[k] = 0;
            }
            break;
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    Ok(PopTable {
        id: 0,
        name: name.to_string(),
        variables,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_as_published() {
        assert_eq!(parse_count("1.234.567"), Some(1_234_567.0));
        assert_eq!(parse_count("1,234,567"), Some(1_234_567.0));
        assert_eq!(parse_count("1 234 567"), Some(1_234_567.0));
        assert_eq!(parse_count("12,5"), Some(12.5));
        assert_eq!(parse_count("12.5"), Some(12.5));
        assert_eq!(parse_count("1.23"), Some(1.23));
        assert_eq!(parse_count("-3"), None);
        assert_eq!(parse_count("abc"), None);
        assert_eq!(parse_count(""), None);
    }
}
