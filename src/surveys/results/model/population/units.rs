//! A population table taken from the organisation tree: a single-choice question whose choices
//! stand for units (*đơn vị*), each choice's population being its unit's. A choice stands for a
//! unit when the choice's name is the unit's code, or else when one of its labels (any language)
//! is the unit's name, compared as `orgs::name_key` (NFC, case ignored, diacritics kept). Every
//! problem is named: a choice that stands for no unit or for several, a unit without a
//! population, two choices for one unit.

use std::collections::HashMap;

use duluan_forms::check::CheckedForm;

use super::super::crosstab::single_choices;
use super::super::weighting::PopTable;

/// A unit as the tree gives it (the current units under the survey's unit that may match).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRef {
    /// Id.
    pub id: i64,
    /// Code, if any.
    pub code: Option<String>,
    /// Name.
    pub name: String,
    /// Population, when known.
    pub population: Option<i64>,
    /// Where it comes from.
    pub source: String,
}

impl UnitRef {
    /// How a message names the unit: `Phường Cái Khế (31117)`.
    pub fn shown(&self) -> String {
        match &self.code {
            Some(c) => format!("{} ({c})", self.name),
            None => self.name.clone(),
        }
    }
}

/// A problem of a table taken from the units; texts are ready to show (`“label” (name)` for a
/// choice, `name (code)` for a unit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnitsIssue {
    /// The question is not a single-choice question of the questionnaire.
    NotSingleChoice(String),
    /// A choice stands for no unit.
    NoUnit {
        /// The choice.
        choice: String,
    },
    /// A choice's label is the name of several units (and its name no unit's code).
    Ambiguous {
        /// The choice.
        choice: String,
        /// The units.
        units: Vec<String>,
    },
    /// The unit a choice stands for has no population.
    NoPopulation {
        /// The choice.
        choice: String,
        /// The unit.
        unit: String,
    },
    /// Two choices stand for the same unit.
    SameUnit {
        /// The first choice.
        first: String,
        /// The other.
        second: String,
        /// The unit.
        unit: String,
    },
}

/// What a question's choices ask of the tree: codes and names to look up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnitLookup {
    /// Each choice's name (a unit's code when it stands for one by code).
    pub codes: Vec<String>,
    /// Every label of every choice, in every language.
    pub names: Vec<String>,
}

/// One choice: its name, its labels in every language, and how messages show it.
struct Choice {
    name: String,
    labels: Vec<String>,
    shown: String,
}

fn choices(form: &CheckedForm, variable: &str, lang: &str) -> Option<Vec<Choice>> {
    let (_, shown) = single_choices(form, variable, lang)?;
    let &id = form.by_name.get(variable)?;
    let list = form.form.choices.get(form.nodes[id as usize].list?)?;
    Some(
        list.choices
            .iter()
            .zip(shown)
            .map(|(c, (name, label))| Choice {
                name: c.name.clone(),
                labels: c.label.0.values().cloned().collect(),
                shown: if label == name {
                    format!("“{name}”")
                } else {
                    format!("“{label}” ({name})")
                },
            })
            .collect(),
    )
}

/// The codes and names the choices of `variable` ask the tree for; an issue when it is not a
/// single-choice question.
pub fn unit_lookup(form: &CheckedForm, variable: &str) -> Result<UnitLookup, UnitsIssue> {
    let list = choices(form, variable, "")
        .ok_or_else(|| UnitsIssue::NotSingleChoice(variable.to_string()))?;
    let mut out = UnitLookup::default();
    for c in list {
        out.codes.push(c.name);
        out.names.extend(c.labels);
    }
    Ok(out)
}

/// A table taken from the units, with what it was taken from.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitsTable {
    /// The table (one variable, a cell per choice).
    pub table: PopTable,
    /// Each choice's name with its unit's id and population, in choice order.
    pub units: Vec<(String, i64, i64)>,
    /// The units' population references, each once, sorted, joined by `; `.
    pub sources: String,
}

/// Builds the table of `variable` named `name` from `units` (the current units under the
/// survey's unit that [`unit_lookup`] found); every problem at once, or nothing.
pub fn table_from_units(
    form: &CheckedForm,
    variable: &str,
    name: &str,
    lang: &str,
    units: &[UnitRef],
) -> Result<UnitsTable, Vec<UnitsIssue>> {
    let Some(list) = choices(form, variable, lang) else {
        return Err(vec![UnitsIssue::NotSingleChoice(variable.to_string())]);
    };
    let by_code: HashMap<&str, &UnitRef> = units
        .iter()
        .filter_map(|u| u.code.as_deref().map(|c| (c, u)))
        .collect();
    let mut by_name: HashMap<String, Vec<&UnitRef>> = HashMap::new();
    for u in units {
        by_name
            .entry(crate::orgs::name_key(&u.name))
            .or_default()
            .push(u);
    }
    let mut issues = Vec::new();
    let mut matched: Vec<(&Choice, &UnitRef)> = Vec::new();
    for c in &list {
        let unit = match by_code.get(c.name.as_str()) {
            Some(u) => Some(*u),
            None => {
                let mut found: Vec<&UnitRef> = Vec::new();
                for label in &c.labels {
                    for u in by_name
                        .get(&crate::orgs::name_key(label))
                        .into_iter()
                        .flatten()
                    {
                        if !found.iter().any(|f| f.id == u.id) {
                            found.push(u);
                        }
                    }
                }
                match found.len() {
                    0 => {
                        issues.push(UnitsIssue::NoUnit {
                            choice: c.shown.clone(),
                        });
                        None
                    }
                    1 => Some(found[0]),
                    _ => {
                        issues.push(UnitsIssue::Ambiguous {
                            choice: c.shown.clone(),
                            units: found.iter().map(|u| u.shown()).collect(),
                        });
                        None
                    }
                }
            }
        };
        if let Some(u) = unit {
            if u.population.is_none() {
                issues.push(UnitsIssue::NoPopulation {
                    choice: c.shown.clone(),
                    unit: u.shown(),
                });
            }
            if let Some((first, _)) = matched.iter().find(|(_, m)| m.id == u.id) {
                issues.push(UnitsIssue::SameUnit {
                    first: first.shown.clone(),
                    second: c.shown.clone(),
                    unit: u.shown(),
                });
            }
            matched.push((c, u));
        }
    }
    if !issues.is_empty() {
        return Err(issues);
    }
    let mut sources: Vec<&str> = matched
        .iter()
        .map(|(_, u)| u.source.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    sources.sort_unstable();
    sources.dedup();
    Ok(UnitsTable {
        table: PopTable {
            id: 0,
            name: name.to_string(),
            variables: vec![variable.to_string()],
            cells: matched
                .iter()
                .map(|(c, u)| (vec![c.name.clone()], u.population.unwrap_or(0) as f64))
                .collect(),
        },
        units: matched
            .iter()
            .map(|(c, u)| (c.name.clone(), u.id, u.population.unwrap_or(0)))
            .collect(),
        sources: sources.join("; "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(choices: &[(&str, &str)]) -> CheckedForm {
        let choices: Vec<serde_json::Value> = choices
            .iter()
            .map(|(n, l)| serde_json::json!({"name": n, "label": {"": l}}))
            .collect();
        let json = serde_json::json!({
            "items": [{"kind": "question", "name": "phuong", "type": "select_one p",
                       "label": {"": "Phường nơi ở"}},
                      {"kind": "question", "name": "tuoi", "type": "integer", "label": {"": "Tuổi"}}],
            "choices": [{"name": "p", "choices": choices}]
        });
        let f = duluan_forms::model::Form::from_json(&json.to_string()).unwrap();
        duluan_forms::check_form(&f).unwrap()
    }

    fn unit(id: i64, code: &str, name: &str, population: Option<i64>, source: &str) -> UnitRef {
        UnitRef {
            id,
            code: Some(code.into()),
            name: name.into(),
            population,
            source: source.into(),
        }
    }

    fn units() -> Vec<UnitRef> {
        vec![
            unit(
                1,
                "31117",
                "Phường Cái Khế",
                Some(40_000),
                "NGTK 2024 (minh hoạ)",
            ),
            unit(
                2,
                "31120",
                "Phường An Hòa",
                Some(50_000),
                "NGTK 2024 (minh hoạ)",
            ),
            unit(3, "31135", "Phường Ninh Kiều", None, ""),
            unit(4, "31135-01", "Khu vực 1", Some(900), "Điều tra 2023"),
            unit(5, "31120-01", "Khu vực 1", Some(800), ""),
        ]
    }

    #[test]
    fn choices_match_units_by_code_or_by_name() {
        // By code, and by a label in another case and another normalisation (NFD).
        let nfd: String =
            unicode_normalization::UnicodeNormalization::nfd("PHƯỜNG AN HÒA").collect();
        let f = form(&[("31117", "Cái Khế"), ("ah", &nfd)]);
        let t = table_from_units(&f, "phuong", "Dân số", "vi", &units()).unwrap();
        assert_eq!(t.table.variables, ["phuong"]);
        assert_eq!(
            t.table.cells,
            [
                (vec!["31117".to_string()], 40_000.0),
                (vec!["ah".to_string()], 50_000.0)
            ]
        );
        assert_eq!(
            t.units,
            [("31117".into(), 1, 40_000), ("ah".into(), 2, 50_000)]
        );
        assert_eq!(t.sources, "NGTK 2024 (minh hoạ)");
        let lookup = unit_lookup(&f, "phuong").unwrap();
        assert_eq!(lookup.codes, ["31117", "ah"]);
    }

    #[test]
    fn every_problem_is_named() {
        let f = form(&[
            ("31117", "Cái Khế"),
            ("x", "Phường Cái Khế"),
            ("31135", "Ninh Kiều"),
            ("kv1", "Khu vực 1"),
            ("z", "Phường Không Có"),
            ("hoa", "Phường An Hoà"),
        ]);
        let issues = table_from_units(&f, "phuong", "Dân số", "vi", &units()).unwrap_err();
        assert_eq!(
            issues,
            [
                UnitsIssue::SameUnit {
                    first: "“Cái Khế” (31117)".into(),
                    second: "“Phường Cái Khế” (x)".into(),
                    unit: "Phường Cái Khế (31117)".into()
                },
                UnitsIssue::NoPopulation {
                    choice: "“Ninh Kiều” (31135)".into(),
                    unit: "Phường Ninh Kiều (31135)".into()
                },
                UnitsIssue::Ambiguous {
                    choice: "“Khu vực 1” (kv1)".into(),
                    units: vec!["Khu vực 1 (31135-01)".into(), "Khu vực 1 (31120-01)".into()]
                },
                UnitsIssue::NoUnit {
                    choice: "“Phường Không Có” (z)".into()
                },
                // The tone mark on another vowel is another spelling: not the same name.
                UnitsIssue::NoUnit {
                    choice: "“Phường An Hoà” (hoa)".into()
                },
            ]
        );
        assert_eq!(
            table_from_units(&f, "tuoi", "", "vi", &units()).unwrap_err(),
            [UnitsIssue::NotSingleChoice("tuoi".into())]
        );
    }
}
