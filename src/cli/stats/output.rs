//! The rows `duluan stats` prints, and their formats (aligned table, JSON, CSV).

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::Format;

/// One output line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// mean, total, ratio, variance, quantile, proportion, chisq.
    pub statistic: String,
    /// Variable(s).
    pub variable: String,
    /// Level of a categorical variable or quantile probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Domain (`--by` level).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Estimate (the F or X² statistic for tables).
    pub estimate: f64,
    /// Standard error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    /// Lower confidence limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_lower: Option<f64>,
    /// Upper confidence limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci_upper: Option<f64>,
    /// Design effect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deff: Option<f64>,
    /// Degrees of freedom (numerator df for tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub df: Option<f64>,
    /// Denominator degrees of freedom (tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ddf: Option<f64>,
    /// p-value (tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
}

/// An empty row of `statistic` over `variable`.
pub(super) fn row(statistic: &str, variable: &str) -> Row {
    Row {
        statistic: statistic.into(),
        variable: variable.into(),
        level: None,
        domain: None,
        estimate: f64::NAN,
        se: None,
        ci_lower: None,
        ci_upper: None,
        deff: None,
        df: None,
        ddf: None,
        p_value: None,
    }
}

const COLUMNS: [&str; 12] = [
    "statistic",
    "variable",
    "level",
    "domain",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "deff",
    "df",
    "ddf",
    "p_value",
];

fn fields(r: &Row) -> [String; 12] {
    let num = |v: Option<f64>| v.map(|x| format!("{x}")).unwrap_or_default();
    [
        r.statistic.clone(),
        r.variable.clone(),
        r.level.clone().unwrap_or_default(),
        r.domain.clone().unwrap_or_default(),
        format!("{}", r.estimate),
        num(r.se),
        num(r.ci_lower),
        num(r.ci_upper),
        num(r.deff),
        num(r.df),
        num(r.ddf),
        num(r.p_value),
    ]
}

/// Formats the rows.
pub fn render(rows: &[Row], format: Format) -> Result<String> {
    match format {
        Format::Json => Ok(serde_json::to_string_pretty(rows)? + "\n"),
        Format::Csv => {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(COLUMNS)?;
            for r in rows {
                w.write_record(fields(r))?;
            }
            Ok(String::from_utf8(
                w.into_inner().map_err(|e| anyhow!("{e}"))?,
            )?)
        }
        Format::Table => {
            let pretty = |v: Option<f64>| match v {
                Some(x) if x.is_finite() && x.abs() >= 1e-4 && x.abs() < 1e9 => format!("{x:.4}"),
                Some(x) => format!("{x:.4e}"),
                None => String::new(),
            };
            let body: Vec<[String; 12]> = rows
                .iter()
                .map(|r| {
                    let mut f = fields(r);
                    f[4] = pretty(Some(r.estimate));
                    for (i, v) in [
                        (5, r.se),
                        (6, r.ci_lower),
                        (7, r.ci_upper),
                        (8, r.deff),
                        (10, r.ddf),
                        (11, r.p_value),
                    ] {
                        f[i] = pretty(v);
                    }
                    f[9] =
                        r.df.map(|x| {
                            format!("{x:.4}")
                                .trim_end_matches('0')
                                .trim_end_matches('.')
                                .to_string()
                        })
                        .unwrap_or_default();
                    f
                })
                .collect();
            let used: Vec<usize> = (0..12)
                .filter(|&i| i < 2 || i == 4 || body.iter().any(|b| !b[i].is_empty()))
                .collect();
            let width: Vec<usize> = used
                .iter()
                .map(|&i| {
                    body.iter()
                        .map(|b| b[i].chars().count())
                        .chain([COLUMNS[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let mut s = String::new();
            let line = |cells: Vec<&str>, s: &mut String| {
                let parts: Vec<String> = cells
                    .iter()
                    .zip(&width)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect();
                s.push_str(parts.join("  ").trim_end());
                s.push('\n');
            };
            line(used.iter().map(|&i| COLUMNS[i]).collect(), &mut s);
            for b in &body {
                line(used.iter().map(|&i| b[i].as_str()).collect(), &mut s);
            }
            Ok(s)
        }
    }
}
