//! A satisfaction index in the spirit of Vietnam's SIPAS: the questionnaire's groups of
//! five-point questions shown as Likert scales are its dimensions (access, procedure, staff, result…); a
//! respondent's score on a dimension is the share of its questions they answered satisfied
//! (4 or 5 on the 1–5 scale) × 100, and their index the mean of the dimensions they answered.
//! The index and each dimension are design-based means of those scores with their intervals;
//! by domain (the unit that served them, say) each is compared with all the other respondents:
//! the difference of the two domain means, its standard error from the linearised difference
//! (R's `svyby(…, covmat = TRUE)` then `svycontrast`), and whether its interval leaves zero
//! out.

use duluan_forms::model::{Item, Question};
use duluan_forms::{Form, QuestionType};
use duluan_stats::{Design, Interval};

use super::{Data, Line, Settings, suppressed};

/// The answers that count as satisfied.
pub const SATISFIED: [&str; 2] = ["4", "5"];

/// One dimension: its group name, label and questions.
#[derive(Clone, Debug, PartialEq)]
pub struct Dimension {
    /// Group name.
    pub name: String,
    /// Group label.
    pub label: String,
    /// Its questions' names.
    pub items: Vec<String>,
}

/// Whether a question is a 1–5 satisfaction scale: shown as a Likert scale, its list's choice
/// names exactly 1…5.
fn five_point(form: &Form, q: &Question) -> bool {
    let QuestionType::SelectOne(list) = &q.kind else {
        return false;
    };
    if !q
        .appearance
        .as_deref()
        .is_some_and(|a| a.contains("likert"))
    {
        return false;
    }
    form.choices
        .iter()
        .find(|l| l.name == *list)
        .is_some_and(|l| {
            l.choices
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                == ["1", "2", "3", "4", "5"]
        })
}

/// The dimensions of the index: top-level groups (not repeats) holding five-point questions;
/// `None` unless there are at least two.
pub fn dimensions(form: &Form, lang: &str) -> Option<Vec<Dimension>> {
    let fallback = form.default_language.as_deref();
    let mut out = Vec::new();
    for item in &form.items {
        let Item::Group(g) = item else { continue };
        if g.repeat {
            continue;
        }
        let items: Vec<String> = g
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Question(q) if five_point(form, q) => Some(q.name.clone()),
                _ => None,
            })
            .collect();
        if !items.is_empty() {
            out.push(Dimension {
                name: g.name.clone(),
                label: g.label.get(lang, fallback).unwrap_or(&g.name).to_string(),
                items,
            });
        }
    }
    (out.len() >= 2).then_some(out)
}

/// Each respondent's score (0–100) on each dimension, and their index; `None` where they
/// answered none of it.
pub fn scores(dims: &[Dimension], data: &Data) -> (Vec<Vec<Option<f64>>>, Vec<Option<f64>>) {
    let per: Vec<Vec<Option<f64>>> = dims
        .iter()
        .map(|d| {
            let cols: Vec<_> = d.items.iter().map(|q| data.column(q)).collect();
            (0..data.n)
                .map(|i| {
                    let (mut yes, mut all) = (0usize, 0usize);
                    for c in &cols {
                        let v = c.get(i);
                        if !v.is_empty() {
                            all += 1;
                            yes += usize::from(SATISFIED.contains(&v));
                        }
                    }
                    (all > 0).then(|| 100.0 * yes as f64 / all as f64)
                })
                .collect()
        })
        .collect();
    let index = (0..data.n)
        .map(|i| {
            let got: Vec<f64> = per.iter().filter_map(|d| d[i]).collect();
            (!got.is_empty()).then(|| got.iter().sum::<f64>() / got.len() as f64)
        })
        .collect();
    (per, index)
}

/// The mean of `y` (where present, and within `within`) with its t interval, as a line.
pub fn mean_line(
    d: &Design,
    y: &[Option<f64>],
    within: Option<&[bool]>,
    s: Settings,
    key: &str,
    label: &str,
) -> Result<Line, String> {
    let domain: Vec<bool> = y
        .iter()
        .enumerate()
        .map(|(i, v)| v.is_some() && within.is_none_or(|w| w[i]))
        .collect();
    let n = domain.iter().filter(|b| **b).count();
    let mut line = Line {
        key: key.into(),
        label: label.into(),
        n,
        value: None,
        deff: None,
        total: None,
        se: None,
    };
    if n < s.k.max(2) {
        return Ok(line);
    }
    let values: Vec<f64> = y.iter().map(|v| v.unwrap_or(0.0)).collect();
    let e = d.mean(&values, Some(&domain)).map_err(|e| e.to_string())?;
    let (lo, hi) = e.ci(s.level, Interval::T);
    line.value = Some((e.estimate, lo, hi));
    line.deff = e.deff;
    line.se = Some(e.se);
    Ok(line)
}

/// A domain's index against everyone else's.
#[derive(Clone, Debug, PartialEq)]
pub struct Versus {
    /// The domain's index.
    pub line: Line,
    /// Domain minus the rest, its interval, and whether it is real; `None` when hidden.
    pub diff: Option<(f64, f64, f64, bool)>,
}

/// The index within each domain `(key, label, mask)` and against the rest of the respondents.
/// A domain under `k` respondents is hidden, and with exactly one hidden the smallest other
/// goes too, so that the hidden one cannot be worked out from the overall index.
pub fn by_domain(
    d: &Design,
    y: &[Option<f64>],
    domains: &[(String, String, Vec<bool>)],
    s: Settings,
) -> Result<Vec<Versus>, String> {
    let present: Vec<bool> = y.iter().map(Option::is_some).collect();
    let values: Vec<f64> = y.iter().map(|v| v.unwrap_or(0.0)).collect();
    let w = d.weights();
    let mut out = Vec::new();
    let mut counts = Vec::new();
    for (key, label, mask) in domains {
        let line = mean_line(d, y, Some(mask), s, key, label)?;
        counts.push(line.n);
        let rest: Vec<bool> = (0..y.len()).map(|i| present[i] && !mask[i]).collect();
        let diff = match line.value {
            Some((m_u, _, _)) if rest.iter().filter(|b| **b).count() >= 2 => {
                // The linearised difference of two domain means: z = 1_u (y − m_u) / W_u −
                // 1_o (y − m_o) / W_o, its variance the design variance of Σ w z.
                let inside: Vec<bool> = (0..y.len()).map(|i| present[i] && mask[i]).collect();
                let (mut wu, mut wo, mut so) = (0.0, 0.0, 0.0);
                for i in 0..y.len() {
                    if inside[i] {
                        wu += w[i];
                    } else if rest[i] {
                        wo += w[i];
                        so += w[i] * values[i];
                    }
                }
                let m_o = so / wo;
                let z: Vec<f64> = (0..y.len())
                    .map(|i| {
                        if inside[i] {
                            (values[i] - m_u) / wu
                        } else if rest[i] {
                            -(values[i] - m_o) / wo
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let t = d.total(&z, None).map_err(|e| e.to_string())?;
                let df = d.degf(None);
                let q = duluan_stats::dist::qt(1.0 - (1.0 - s.level) / 2.0, df);
                let diff = m_u - m_o;
                let (lo, hi) = (diff - q * t.se, diff + q * t.se);
                Some((diff, lo, hi, lo > 0.0 || hi < 0.0))
            }
            _ => None,
        };
        out.push(Versus { line, diff });
    }
    for (v, hide) in out.iter_mut().zip(suppressed(&counts, s.k)) {
        if hide {
            v.line.hide();
            v.diff = None;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_template_has_four_dimensions_and_scores_count_satisfied_answers() {
        let form = crate::surveys::results::demo::sipas_form();
        let dims = dimensions(&form, "vi").unwrap();
        let names: Vec<&str> = dims.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["tiep_can", "thu_tuc", "cong_chuc", "ket_qua"]);
        let mut data = Data::default();
        // Satisfied on both access items, one of two procedure items; nothing else.
        data.push(
            [
                ("tc_thong_tin", "5"),
                ("tc_noi_tiep", "4"),
                ("tt_don_gian", "2"),
                ("tt_phi", "4"),
            ],
            None,
            None,
            0,
        );
        data.push([("gioi_tinh", "1")], None, None, 0);
        let data = data.finish();
        let (per, index) = scores(&dims, &data);
        assert_eq!(per[0][0], Some(100.0));
        assert_eq!(per[1][0], Some(50.0));
        assert_eq!(per[2][0], None);
        assert_eq!(index[0], Some(75.0));
        assert_eq!(index[1], None);
    }

    #[test]
    fn a_domain_against_the_rest_by_hand() {
        // Equal weights: domain A scores 80, 60, 70, 90, 100; the rest 50, 40, 60, 30, 70, 50.
        let a = [80.0, 60.0, 70.0, 90.0, 100.0];
        let o = [50.0, 40.0, 60.0, 30.0, 70.0, 50.0];
        let y: Vec<Option<f64>> = a.iter().chain(&o).map(|v| Some(*v)).collect();
        let n = y.len();
        let d = Design::new(n, duluan_stats::DesignSpec::default()).unwrap();
        let mask: Vec<bool> = (0..n).map(|i| i < 5).collect();
        let s = Settings {
            weighted: false,
            k: 5,
            level: 0.95,
            method: duluan_stats::CipropMethod::Logit,
            totals: false,
        };
        let out = by_domain(&d, &y, &[("A".into(), "A".into(), mask)], s).unwrap();
        let (diff, lo, _, real) = out[0].diff.unwrap();
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        assert!((diff - (mean(&a) - mean(&o))).abs() < 1e-12);
        // With replacement, equal weights: var = n/(n−1) Σ z² with z as in by_domain (weights
        // 1): (y − m_u)/n_u inside, −(y − m_o)/n_o outside.
        let ss: f64 = a
            .iter()
            .map(|v| ((v - mean(&a)) / 5.0).powi(2))
            .sum::<f64>()
            + o.iter()
                .map(|v| ((v - mean(&o)) / 6.0).powi(2))
                .sum::<f64>();
        let se = (ss * n as f64 / (n as f64 - 1.0)).sqrt();
        let q = duluan_stats::dist::qt(0.975, (n - 1) as f64);
        assert!((lo - (diff - q * se)).abs() < 1e-9, "{lo}");
        assert!(real);
    }
}
