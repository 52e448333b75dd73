//! The Stata dictionary of an export: variables, variable labels and value-label tables for the
//! `.dta` writer (`dta.rs`), in the plan's language. The columns, their order and their coding
//! are the `.sav` export's (`spss.rs`); only the names are made valid for Stata.

use super::dta::{Kind, LabelSet, NAME_MAX, Variable};
use super::plan::{Plan, VarKind};

/// Stata's reserved words (`str1`…`str2045` are reserved too, see [`stata_names`]).
const RESERVED: [&str; 20] = [
    "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n",
    "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with",
];

/// Name of the value-label table shared by the 0/1 columns of select-multiple choices (another
/// when a select-one question already gave its table that name).
const CHOSEN: &str = "chosen";

/// The `.dta` dictionary of a plan: the variables, then the value-label tables. A select-one
/// column gets a table of its own, named after it, with the `.sav` export's codes and labels
/// (codes that are not whole numbers cannot be labelled in Stata and are left out); every
/// choice column of a select-multiple shares one table `0 = no, 1 = yes`.
pub fn dta_dictionary(plan: &Plan, yes: &str, no: &str) -> (Vec<Variable>, Vec<LabelSet>) {
    let names = stata_names(&plan.vars.iter().map(|v| v.name.clone()).collect::<Vec<_>>());
    let mut sets: Vec<LabelSet> = Vec::new();
    let coded: Vec<&str> = plan
        .vars
        .iter()
        .zip(&names)
        .filter(|(v, _)| matches!(v.kind, VarKind::Coded(..)))
        .map(|(_, n)| n.as_str())
        .collect();
    let mut chosen = CHOSEN.to_string();
    let mut k = 2;
    while coded.contains(&chosen.as_str()) {
        chosen = format!("{CHOSEN}_{k}");
        k += 1;
    }
    let mut dummies = false;
    let vars = plan
        .vars
        .iter()
        .zip(names)
        .map(|(v, name)| {
            let (kind, value_labels) = match &v.kind {
                VarKind::Meta | VarKind::Text => (Kind::Text, String::new()),
                VarKind::Number => (Kind::Number, String::new()),
                VarKind::Date => (Kind::Date, String::new()),
                VarKind::Coded(codes, numeric) => {
                    let entries: Vec<(i32, String)> = codes
                        .iter()
                        .filter(|c| {
                            c.1.fract() == 0.0
                                && (-2_147_483_647.0..=2_147_483_620.0).contains(&c.1)
                        })
                        .map(|(choice, code, label)| {
                            (
                                *code as i32,
                                if *numeric {
                                    label.clone()
                                } else {
                                    format!("{label} [{choice}]")
                                },
                            )
                        })
                        .collect();
                    if entries.is_empty() {
                        (Kind::Number, String::new())
                    } else {
                        sets.push(LabelSet {
                            name: name.clone(),
                            entries,
                        });
                        (Kind::Number, name.clone())
                    }
                }
                VarKind::Dummy(_) => {
                    dummies = true;
                    (Kind::Number, chosen.clone())
                }
            };
            Variable {
                name,
                label: v.label.clone(),
                kind,
                value_labels,
            }
        })
        .collect();
    if dummies {
        sets.push(LabelSet {
            name: chosen,
            entries: vec![(0, no.to_string()), (1, yes.to_string())],
        });
    }
    (vars, sets)
}

/// Valid, unique Stata names (ASCII letters, digits and `_`, not starting with a digit, at most
/// 32 bytes, not a reserved word) for `names`: other characters become `_`, a name starting with
/// a digit gets a `v`, a reserved word gets a trailing `_`, and a name already taken (after
/// cutting to 32 bytes) gets `_2`, `_3`… SPSS names from [`super::sav::spss_names`] keep their
/// spelling when they are already valid Stata names.
pub fn stata_names(names: &[String]) -> Vec<String> {
    let reserved = |s: &str| {
        RESERVED.contains(&s)
            || s.strip_prefix("str").is_some_and(|d| {
                !d.starts_with('0') && d.parse::<u16>().is_ok_and(|w| (1..=2045).contains(&w))
            })
    };
    let mut seen = std::collections::HashSet::new();
    names
        .iter()
        .map(|n| {
            let mut s: String = n
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                s.insert(0, 'v');
            }
            s.truncate(NAME_MAX);
            if reserved(&s) {
                s.push('_');
            }
            let mut candidate = s.clone();
            let mut k = 2;
            while !seen.insert(candidate.clone()) {
                let suffix = format!("_{k}");
                candidate = format!("{}{suffix}", &s[..s.len().min(NAME_MAX - suffix.len())]);
                k += 1;
            }
            candidate
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid_and_unique() {
        let names = [
            "age",
            "Age",
            "1x",
            "int",
            "str12",
            "a.b$c",
            "a_very_long_name_that_goes_past_32_bytes",
            "a_very_long_name_that_goes_past_32_bytes_too",
            "strL",
            "string",
            "str2046",
        ]
        .map(String::from);
        assert_eq!(
            stata_names(&names),
            vec![
                "age",
                "Age",
                "v1x",
                "int_",
                "str12_",
                "a_b_c",
                "a_very_long_name_that_goes_past_",
                "a_very_long_name_that_goes_pas_2",
                "strL_",
                "string",
                "str2046",
            ]
        );
    }
}
