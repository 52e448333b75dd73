//! The SPSS dictionary of an export: variables, value labels and missing values for the
//! `.sav` writer (`sav.rs`), in the plan's language.

use super::plan::{Plan, VarKind};
use super::sav::{Format, Measure, Variable};

/// Codes SPSS users expect as "don't know / no answer", declared as user-missing.
const MISSING_CODES: [f64; 9] = [97.0, 98.0, 99.0, -1.0, -9.0, -99.0, 997.0, 998.0, 999.0];

/// The `.sav` dictionary of a plan.
pub fn sav_variables(plan: &Plan, yes: &str, no: &str) -> Vec<Variable> {
    plan.vars
        .iter()
        .map(|v| {
            let (width, format, value_labels, missing, measure) = match &v.kind {
                VarKind::Meta => (
                    if v.question == "_id" { 36 } else { 32 },
                    Format::Text,
                    vec![],
                    vec![],
                    Measure::Nominal,
                ),
                VarKind::Text => (255, Format::Text, vec![], vec![], Measure::Nominal),
                VarKind::Number => (
                    0,
                    Format::Number {
                        width: 12,
                        decimals: 2,
                    },
                    vec![],
                    vec![],
                    Measure::Scale,
                ),
                VarKind::Date => (0, Format::Date, vec![], vec![], Measure::Scale),
                VarKind::Coded(codes, numeric) => {
                    let labels: Vec<(f64, String)> = codes
                        .iter()
                        .map(|(name, code, label)| {
                            (
                                *code,
                                if *numeric {
                                    label.clone()
                                } else {
                                    format!("{label} [{name}]")
                                },
                            )
                        })
                        .collect();
                    let missing: Vec<f64> = if *numeric {
                        codes
                            .iter()
                            .map(|c| c.1)
                            .filter(|c| MISSING_CODES.contains(c))
                            .take(3)
                            .collect()
                    } else {
                        vec![]
                    };
                    (
                        0,
                        Format::Number {
                            width: 8,
                            decimals: 0,
                        },
                        labels,
                        missing,
                        Measure::Nominal,
                    )
                }
                VarKind::Dummy(_) => (
                    0,
                    Format::Number {
                        width: 1,
                        decimals: 0,
                    },
                    vec![(0.0, no.to_string()), (1.0, yes.to_string())],
                    vec![],
                    Measure::Nominal,
                ),
            };
            Variable {
                name: v.name.clone(),
                label: v.label.clone(),
                width,
                format,
                value_labels,
                missing,
                measure,
            }
        })
        .collect()
}
