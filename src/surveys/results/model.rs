//! The figures of a results page, no IO: a design from the completed interviews (their design
//! weights and strata when the survey was fielded from a sample, else equal weights), then for
//! every question outside repeats the estimate a reader expects — each choice's share with its
//! confidence interval for a single or multiple choice, the mean with its interval for a number —
//! with n and the design effect, and small cells suppressed.
//!
//! Suppression: a cell (a choice's share) resting on fewer than `k` respondents is not shown; when
//! a question has exactly one such cell its smallest other cell goes too (complementary
//! suppression), so that the hidden one cannot be recovered as 100 % minus the others. A question
//! answered by fewer than `k` respondents shows nothing at all.

use std::collections::HashMap;

use duluan_forms::QuestionType;
use duluan_forms::check::CheckedForm;
use duluan_stats::{CipropMethod, Design, DesignSpec, Factor, Interval, LonelyPsu};

/// One completed interview as the results read it.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// Top-level answers by variable name.
    pub answers: HashMap<String, String>,
    /// Design weight of its case (fielded from a sample), if any.
    pub weight: Option<f64>,
    /// Stratum of its case's frame row, if any.
    pub stratum: Option<String>,
}

/// One line of a question's table.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Choice label, or the question's own for a mean.
    pub label: String,
    /// Respondents in the cell (unweighted).
    pub n: usize,
    /// `(estimate, lower, upper)`: a share (0–1) or a mean; `None` when suppressed.
    pub value: Option<(f64, f64, f64)>,
    /// Design effect, when defined.
    pub deff: Option<f64>,
}

/// What kind of figure a question gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Shares of the choices of a single choice.
    Single,
    /// Share choosing each option of a multiple choice.
    Multiple,
    /// Mean of a number.
    Mean,
}

/// The figures of one question.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionResult {
    /// Variable name.
    pub name: String,
    /// Wording.
    pub label: String,
    /// What the lines are.
    pub kind: Kind,
    /// Respondents who answered it.
    pub n: usize,
    /// Its lines (empty when fewer than `k` answered).
    pub lines: Vec<Line>,
}

/// How the figures are computed.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Use the design weights and strata (when every interview has them).
    pub weighted: bool,
    /// Smallest cell shown.
    pub k: usize,
    /// Confidence level (0.95).
    pub level: f64,
}

/// Whether the interviews carry a design (every one a weight).
pub fn has_design(rows: &[Row]) -> bool {
    !rows.is_empty() && rows.iter().all(|r| r.weight.is_some_and(|w| w > 0.0))
}

/// The design of the interviews: weights and strata of the sample when asked for and present,
/// else equal weights (a simple random sample with replacement). A stratum with one interview is
/// centred at the grand mean (R's `survey.lonely.psu = "adjust"`).
pub fn design(rows: &[Row], weighted: bool) -> Result<Design, String> {
    let n = rows.len();
    let spec = if weighted && has_design(rows) {
        let strata: Vec<&str> = rows
            .iter()
            .map(|r| r.stratum.as_deref().unwrap_or(""))
            .collect();
        DesignSpec {
            strata: Some(Factor::from_strs(&strata)),
            weights: Some(rows.iter().map(|r| r.weight.unwrap_or(1.0)).collect()),
            lonely_psu: LonelyPsu::Adjust,
            ..Default::default()
        }
    } else {
        DesignSpec::default()
    };
    Design::new(n, spec).map_err(|e| e.to_string())
}

/// Which cells of a question to hide: those under `k`, and with exactly one of them, the
/// smallest other one (ties to the earlier).
pub fn suppressed(counts: &[usize], k: usize) -> Vec<bool> {
    let mut out: Vec<bool> = counts.iter().map(|&c| c < k).collect();
    if out.iter().filter(|s| **s).count() == 1
        && let Some((i, _)) = counts
            .iter()
            .enumerate()
            .filter(|(i, _)| !out[*i])
            .min_by_key(|(i, c)| (**c, *i))
    {
        out[i] = true;
    }
    out
}

/// A share with its interval: the logit method; where every respondent of the domain answered
/// alike (a share of 0 or 1, no logit interval and no variance), the exact Clopper-Pearson
/// interval of 0 or n successes in the domain's n respondents.
fn share(
    d: &Design,
    ind: &[f64],
    level: f64,
    domain: &[bool],
) -> duluan_stats::Result<(f64, f64, f64, Option<f64>)> {
    let ci = d.ciprop(ind, CipropMethod::Logit, level, Some(domain))?;
    let p = ci.estimate.estimate;
    if ci.lower.is_finite() && ci.upper.is_finite() {
        return Ok((p, ci.lower, ci.upper, ci.estimate.deff));
    }
    let n = domain.iter().filter(|b| **b).count().max(1) as f64;
    let edge = ((1.0 - level) / 2.0).powf(1.0 / n);
    Ok(if p >= 0.5 {
        (p, edge, 1.0, None)
    } else {
        (p, 0.0, 1.0 - edge, None)
    })
}

fn text(t: &duluan_forms::model::Text, lang: &str, fallback: Option<&str>, name: &str) -> String {
    t.get(lang, fallback).unwrap_or(name).to_string()
}

/// The figures of every question outside repeats, in questionnaire order.
pub fn compute(
    form: &CheckedForm,
    rows: &[Row],
    s: Settings,
    lang: &str,
) -> Result<Vec<QuestionResult>, String> {
    let mut out = Vec::new();
    if rows.len() < 2 {
        return Ok(out);
    }
    let d = design(rows, s.weighted)?;
    let fallback = form.form.default_language.as_deref();
    for (i, node) in form.nodes.iter().enumerate() {
        if !node.repeats.is_empty() {
            continue;
        }
        let Some(q) = form.question(i as u32) else {
            continue;
        };
        let kind = match &q.kind {
            QuestionType::SelectOne(_) => Kind::Single,
            QuestionType::SelectMultiple(_) => Kind::Multiple,
            QuestionType::Integer | QuestionType::Decimal | QuestionType::Range => Kind::Mean,
            _ => continue,
        };
        let values: Vec<&str> = rows
            .iter()
            .map(|r| r.answers.get(&q.name).map(|v| v.trim()).unwrap_or(""))
            .collect();
        let domain: Vec<bool> = values.iter().map(|v| !v.is_empty()).collect();
        let answered = domain.iter().filter(|b| **b).count();
        let mut result = QuestionResult {
            name: q.name.clone(),
            label: text(&q.label, lang, fallback, &q.name),
            kind,
            n: answered,
            lines: vec![],
        };
        if answered < s.k.max(2) {
            out.push(result);
            continue;
        }
        match kind {
            Kind::Single | Kind::Multiple => {
                let choices = node
                    .list
                    .and_then(|l| form.form.choices.get(l))
                    .map(|l| l.choices.clone())
                    .unwrap_or_default();
                let mut lines = Vec::new();
                let mut cells = Vec::new();
                for c in &choices {
                    let ind: Vec<f64> = values
                        .iter()
                        .map(|v| {
                            let hit = match kind {
                                Kind::Multiple => v.split_whitespace().any(|x| x == c.name),
                                _ => *v == c.name,
                            };
                            if hit { 1.0 } else { 0.0 }
                        })
                        .collect();
                    let n = ind
                        .iter()
                        .zip(&domain)
                        .filter(|(x, d)| **d && **x > 0.0)
                        .count();
                    let (e, lo, hi, deff) = share(&d, &ind, s.level, &domain)
                        .map_err(|e| format!("{}: {e}", q.name))?;
                    cells.push(n);
                    lines.push(Line {
                        label: text(&c.label, lang, fallback, &c.name),
                        n,
                        value: Some((e, lo, hi)),
                        deff,
                    });
                }
                // A multiple choice's options are not parts of one whole: only the primary rule.
                let hide = match kind {
                    Kind::Multiple => cells.iter().map(|&c| c < s.k).collect(),
                    _ => suppressed(&cells, s.k),
                };
                for (l, h) in lines.iter_mut().zip(hide) {
                    if h {
                        l.value = None;
                        l.deff = None;
                    }
                }
                result.lines = lines;
            }
            Kind::Mean => {
                let y: Vec<f64> = values
                    .iter()
                    .map(|v| v.replace(',', ".").parse::<f64>().unwrap_or(0.0))
                    .collect();
                let e = d
                    .mean(&y, Some(&domain))
                    .map_err(|e| format!("{}: {e}", q.name))?;
                let (lo, hi) = e.ci(s.level, Interval::T);
                result.lines = vec![Line {
                    label: result.label.clone(),
                    n: answered,
                    value: Some((e.estimate, lo, hi)),
                    deff: e.deff,
                }];
            }
        }
        out.push(result);
    }
    Ok(out)
}

/// A two-way table of two single-choice questions: the share of each column choice within each
/// row choice (row percentages) with its interval, and the Rao-Scott test of independence, over
/// the interviews that answered both.
#[derive(Clone, Debug, PartialEq)]
pub struct Crosstab {
    /// Row question's wording and column question's wording.
    pub titles: (String, String),
    /// Column choices' labels.
    pub columns: Vec<String>,
    /// Each row choice: its label, its respondents, and a line per column choice.
    pub rows: Vec<(String, usize, Vec<Line>)>,
    /// Interviews that answered both.
    pub n: usize,
    /// Rao-Scott F (second order): `(F, numerator df, denominator df, p)`, when computable.
    pub test: Option<(f64, f64, f64, f64)>,
}

/// The choices `(name, label)` of a single-choice question outside repeats.
fn single_choices(
    form: &CheckedForm,
    name: &str,
    lang: &str,
) -> Option<(String, Vec<(String, String)>)> {
    let &id = form.by_name.get(name)?;
    let node = &form.nodes[id as usize];
    let q = form.question(id)?;
    if !node.repeats.is_empty() || !matches!(q.kind, QuestionType::SelectOne(_)) {
        return None;
    }
    let fallback = form.form.default_language.as_deref();
    let list = form.form.choices.get(node.list?)?;
    Some((
        text(&q.label, lang, fallback, &q.name),
        list.choices
            .iter()
            .map(|c| (c.name.clone(), text(&c.label, lang, fallback, &c.name)))
            .collect(),
    ))
}

/// The names and wordings of the single-choice questions outside repeats (what a crosstab
/// crosses).
pub fn single_questions(form: &CheckedForm, lang: &str) -> Vec<(String, String)> {
    form.nodes
        .iter()
        .filter_map(|n| single_choices(form, &n.name, lang).map(|(l, _)| (n.name.clone(), l)))
        .collect()
}

/// Crosses the single-choice questions `row` and `col`; `Err` names what is wrong (an unknown or
/// unsuitable question, the same one twice).
pub fn crosstab(
    form: &CheckedForm,
    rows: &[Row],
    row: &str,
    col: &str,
    s: Settings,
    lang: &str,
) -> Result<Crosstab, String> {
    if row == col {
        return Err("same".into());
    }
    let (rt, rc) = single_choices(form, row, lang).ok_or_else(|| format!("unknown:{row}"))?;
    let (ct, cc) = single_choices(form, col, lang).ok_or_else(|| format!("unknown:{col}"))?;
    let both: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            let has = |q: &str| r.answers.get(q).is_some_and(|v| !v.trim().is_empty());
            has(row) && has(col)
        })
        .collect();
    let n = both.len();
    let mut out = Crosstab {
        titles: (rt, ct),
        columns: cc.iter().map(|c| c.1.clone()).collect(),
        rows: vec![],
        n,
        test: None,
    };
    if n < s.k.max(2) {
        return Ok(out);
    }
    let owned: Vec<Row> = both.into_iter().cloned().collect();
    let d = design(&owned, s.weighted)?;
    let value = |r: &Row, q: &str| {
        r.answers
            .get(q)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let rv: Vec<String> = owned.iter().map(|r| value(r, row)).collect();
    let cv: Vec<String> = owned.iter().map(|r| value(r, col)).collect();
    for (rname, rlabel) in &rc {
        let domain: Vec<bool> = rv.iter().map(|v| v == rname).collect();
        let in_row = domain.iter().filter(|b| **b).count();
        let mut lines = Vec::new();
        let mut cells = Vec::new();
        for (cname, clabel) in &cc {
            let ind: Vec<f64> = cv.iter().map(|v| f64::from(u8::from(v == cname))).collect();
            let cell = ind
                .iter()
                .zip(&domain)
                .filter(|(x, d)| **d && **x > 0.0)
                .count();
            cells.push(cell);
            let value = if in_row >= 2 {
                share(&d, &ind, s.level, &domain)
                    .ok()
                    .map(|(e, lo, hi, _)| (e, lo, hi))
            } else {
                None
            };
            lines.push(Line {
                label: clabel.clone(),
                n: cell,
                value,
                deff: None,
            });
        }
        let hide = if in_row < s.k {
            vec![true; cells.len()]
        } else {
            suppressed(&cells, s.k)
        };
        for (l, h) in lines.iter_mut().zip(hide) {
            if h {
                l.value = None;
            }
        }
        out.rows.push((rlabel.clone(), in_row, lines));
    }
    let (fa, fb) = (Factor::from_strs(&rv), Factor::from_strs(&cv));
    if fa.levels.len() >= 2 && fb.levels.len() >= 2 {
        out.test = d
            .chisq(&fa, &fb, duluan_stats::ChisqStatistic::F)
            .ok()
            .map(|t| (t.statistic, t.ndf, t.ddf, t.p_value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_small_cell_takes_the_smallest_other_with_it() {
        assert_eq!(suppressed(&[10, 3, 7, 12], 5), [false, true, true, false]);
        // Two small cells protect each other.
        assert_eq!(suppressed(&[10, 3, 2, 12], 5), [false, true, true, false]);
        assert_eq!(suppressed(&[10, 6, 7], 5), [false, false, false]);
        // Ties go to the earlier cell; an empty cell is a small cell too.
        assert_eq!(suppressed(&[8, 0, 8], 5), [true, true, false]);
        assert_eq!(suppressed(&[4], 5), [true]);
    }

    fn rows(values: &[&str], weights: Option<&[f64]>) -> Vec<Row> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Row {
                answers: HashMap::from([("q".to_string(), v.to_string())]),
                weight: weights.map(|w| w[i]),
                stratum: weights.map(|_| if i % 2 == 0 { "A" } else { "B" }.to_string()),
            })
            .collect()
    }

    #[test]
    fn a_share_of_one_or_zero_gets_the_exact_interval() {
        let r = rows(&["1"; 12], None);
        let d = design(&r, false).unwrap();
        let domain = vec![true; 12];
        let (p, lo, hi, _) = share(&d, &[1.0; 12], 0.95, &domain).unwrap();
        assert_eq!((p, hi), (1.0, 1.0));
        assert!((lo - 0.025f64.powf(1.0 / 12.0)).abs() < 1e-12, "{lo}");
        let (p, lo, hi, _) = share(&d, &[0.0; 12], 0.95, &domain).unwrap();
        assert_eq!((p, lo), (0.0, 0.0));
        assert!(
            (hi - (1.0 - 0.025f64.powf(1.0 / 12.0))).abs() < 1e-12,
            "{hi}"
        );
    }

    #[test]
    fn equal_weights_give_the_share_and_the_logit_interval_by_hand() {
        // 12 of 30 chose "1": p = 0.4, se = sqrt(p(1-p)/(n-1)), logit interval with t(29).
        let mut v = vec!["1"; 12];
        v.extend(vec!["2"; 18]);
        let r = rows(&v, None);
        let d = design(&r, true).unwrap();
        let ind: Vec<f64> = v
            .iter()
            .map(|x| if *x == "1" { 1.0 } else { 0.0 })
            .collect();
        let ci = d.ciprop(&ind, CipropMethod::Logit, 0.95, None).unwrap();
        let p: f64 = 0.4;
        let se = (p * (1.0 - p) / 29.0).sqrt();
        assert!((ci.estimate.estimate - p).abs() < 1e-12);
        assert!((ci.estimate.se - se).abs() < 1e-12);
        let t = 2.045_229_642_132_703; // qt(0.975, 29)
        let logit = (p / (1.0 - p)).ln();
        let half = t * se / (p * (1.0 - p));
        let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
        assert!(
            (ci.lower - expit(logit - half)).abs() < 1e-9,
            "{}",
            ci.lower
        );
        assert!(
            (ci.upper - expit(logit + half)).abs() < 1e-9,
            "{}",
            ci.upper
        );
        // No weights on the interviews: the weighted switch falls back to equal weights.
        assert!(!has_design(&r));
    }
}
