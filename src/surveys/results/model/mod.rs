//! The figures of a results page, no IO: a design from the completed interviews (their design
//! weights and strata when the survey was fielded from a sample, else equal weights), weighted
//! to population tables when the survey has a weighting (`weighting.rs`), then for every
//! question outside repeats the estimate a reader expects — each choice's share with its
//! confidence interval for a single or multiple choice, the mean and median with their
//! intervals for a number — with n and the design effect, in the whole sample or a domain, and
//! small cells suppressed.
//!
//! Domains are estimated on the whole design (R's `svyby` / `subset`), never by cutting the
//! interviews and starting again, so a domain's variance keeps the design's strata.
//!
//! Suppression: a cell (a choice's share) resting on fewer than `k` respondents is not shown; when
//! a question has exactly one such cell its smallest other cell goes too (complementary
//! suppression), so that the hidden one cannot be recovered as 100 % minus the others. A question
//! answered by fewer than `k` respondents shows nothing at all.

pub mod crosstab;
pub mod data;
pub mod index;
pub mod open;
pub mod population;
pub mod waves;
pub mod weighting;

use std::collections::HashMap;

use duluan_forms::QuestionType;
use duluan_forms::check::CheckedForm;
use duluan_stats::{CipropMethod, Design, DesignSpec, Factor, Interval, LonelyPsu, QuantileRule};

pub use crosstab::{Crosstab, crosstab, single_choices, single_questions};
pub use data::Data;

/// One completed interview as a map (tests and small callers; the page reads [`Data`]).
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
    /// Choice name, or [`MEAN`] / [`MEDIAN`]: what lines of two waves are matched by.
    pub key: String,
    /// Choice label, or [`MEAN`] / [`MEDIAN`] (the page translates those).
    pub label: String,
    /// Respondents in the cell (unweighted).
    pub n: usize,
    /// `(estimate, lower, upper)`: a share (0–1) or a mean; `None` when suppressed.
    pub value: Option<(f64, f64, f64)>,
    /// Design effect, when defined.
    pub deff: Option<f64>,
    /// Standard error of the estimate (Woodruff's for a median), when defined.
    pub se: Option<f64>,
    /// A choice's estimated number in the population `(total, lower, upper)`, when the weights
    /// stand for a population ([`Settings::totals`]) and the cell is shown.
    pub total: Option<(f64, f64, f64)>,
}

impl Line {
    /// Hides the cell: its estimate, interval, design effect, standard error and total.
    pub fn hide(&mut self) {
        self.value = None;
        self.deff = None;
        self.se = None;
        self.total = None;
    }
}

/// What kind of figure a question gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Shares of the choices of a single choice.
    Single,
    /// Share choosing each option of a multiple choice.
    Multiple,
    /// Mean (and median) of a number.
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
    /// Use the design weights and strata (when every interview has them) and the weighting.
    pub weighted: bool,
    /// Smallest cell shown.
    pub k: usize,
    /// Confidence level (0.95).
    pub level: f64,
    /// How a share's interval is computed (R's `svyciprop` method; the deployment's
    /// `--results-ci-method`, logit by default).
    pub method: CipropMethod,
    /// Whether the weights stand for a population (a probability sample's design weights, or
    /// weights calibrated to population tables), so that each choice's number in the
    /// population is estimated too.
    pub totals: bool,
}

/// The design of the interviews: weights, strata and (for a sample drawn in clusters) clusters
/// of the sample when asked for and present, else equal weights (a simple random sample with replacement). A stratum with one interview is
/// centred at the grand mean (R's `survey.lonely.psu = "adjust"`).
pub fn design(data: &Data, weighted: bool) -> Result<Design, String> {
    let n = data.n;
    let spec = if weighted && data.has_design() {
        let strata: Vec<&str> = data
            .strata
            .iter()
            .map(|s| s.as_deref().unwrap_or(""))
            .collect();
        // A sample drawn in clusters: its clusters are the primary sampling units, nested in
        // the strata (R's `ids = ~cluster, nest = TRUE`).
        let ids = if data.has_clusters() {
            let clusters: Vec<&str> = data
                .clusters
                .iter()
                .map(|c| c.as_deref().unwrap_or(""))
                .collect();
            vec![Factor::from_strs(&clusters)]
        } else {
            vec![]
        };
        DesignSpec {
            ids,
            nest: true,
            strata: Some(Factor::from_strs(&strata)),
            weights: Some(data.weights.iter().map(|w| w.unwrap_or(1.0)).collect()),
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

/// Hides cells of a grid (`counts[row][col]`) so that none under `k` can be recovered from
/// totals: starting from `hidden`, any row (when `rows_add_up`) or column (when `cols_add_up`)
/// with exactly one hidden cell loses its smallest other cell too, until nothing changes.
/// Rows are the lines of a table (the choices), columns the domains it is cut by.
pub fn suppress_grid(
    counts: &[Vec<usize>],
    mut hidden: Vec<Vec<bool>>,
    rows_add_up: bool,
    cols_add_up: bool,
) -> Vec<Vec<bool>> {
    let rows = counts.len();
    let cols = counts.first().map_or(0, Vec::len);
    loop {
        let mut changed = false;
        let mut fix = |cells: Vec<(usize, usize)>, hidden: &mut Vec<Vec<bool>>| {
            if cells.iter().filter(|&&(r, c)| hidden[r][c]).count() == 1
                && let Some(&(r, c)) = cells
                    .iter()
                    .filter(|&&(r, c)| !hidden[r][c])
                    .min_by_key(|&&(r, c)| (counts[r][c], r, c))
            {
                hidden[r][c] = true;
                changed = true;
            }
        };
        if rows_add_up {
            for r in 0..rows {
                fix((0..cols).map(|c| (r, c)).collect(), &mut hidden);
            }
        }
        if cols_add_up {
            for c in 0..cols {
                fix((0..rows).map(|r| (r, c)).collect(), &mut hidden);
            }
        }
        if !changed {
            return hidden;
        }
    }
}

/// The figures of every question in each domain `(label, mask)`: per domain the question
/// results, with cells hidden so that a small cell can be recovered neither from its domain's
/// other cells nor from the other domains and the whole sample's figure.
pub fn compute_by(
    form: &CheckedForm,
    data: &Data,
    d: &Design,
    s: Settings,
    lang: &str,
    domains: &[Vec<bool>],
) -> Result<Vec<Vec<QuestionResult>>, String> {
    let mut per: Vec<Vec<QuestionResult>> = Vec::with_capacity(domains.len());
    let covered = covered(form);
    for mask in domains {
        let mut out = Vec::with_capacity(covered.len());
        for &(i, kind) in &covered {
            out.push(question(form, data, d, s, lang, Some(mask), i, kind)?);
        }
        per.push(out);
    }
    for (j, &(_, kind)) in covered.iter().enumerate() {
        if kind == Kind::Mean {
            continue;
        }
        // Lines × domains: counts and what each domain hid on its own.
        let lines = per.iter().map(|p| p[j].lines.len()).max().unwrap_or(0);
        if lines == 0 {
            continue;
        }
        let counts: Vec<Vec<usize>> = (0..lines)
            .map(|l| {
                per.iter()
                    .map(|p| p[j].lines.get(l).map_or(0, |x| x.n))
                    .collect()
            })
            .collect();
        let hidden: Vec<Vec<bool>> = (0..lines)
            .map(|l| {
                per.iter()
                    .map(|p| p[j].lines.get(l).is_none_or(|x| x.value.is_none()))
                    .collect()
            })
            .collect();
        let hidden = suppress_grid(&counts, hidden, true, kind == Kind::Single);
        for (l, row) in hidden.iter().enumerate() {
            for (c, h) in row.iter().enumerate() {
                if *h && let Some(x) = per[c][j].lines.get_mut(l) {
                    x.hide();
                }
            }
        }
    }
    Ok(per)
}

/// A design ready for the figures: the base design, weighted to the population tables when
/// the survey has a weighting and the reader asked for weighted figures.
pub struct Prepared {
    /// The design the figures use.
    pub design: Design,
    /// What the weighting did, or why it failed (the figures then use the base design).
    pub weighting: Option<Result<weighting::Diagnostics, weighting::WeightError>>,
}

impl Prepared {
    /// `s` with [`Settings::totals`] set where the weights stand for a population: a
    /// probability sample's design weights, or a weighting to population tables that applied.
    pub fn settings(&self, s: Settings, data: &Data) -> Settings {
        Settings {
            totals: s.weighted && (data.has_design() || matches!(self.weighting, Some(Ok(_)))),
            ..s
        }
    }
}

/// Builds the design of `data` and applies `spec` when `weighted`.
pub fn prepare(data: &Data, spec: &weighting::Spec, weighted: bool) -> Result<Prepared, String> {
    let base = design(data, weighted)?;
    if !weighted || !spec.active() || data.n < 2 {
        return Ok(Prepared {
            design: base,
            weighting: None,
        });
    }
    Ok(match weighting::apply(&base, data, spec) {
        Ok((d, diag)) => Prepared {
            design: d,
            weighting: Some(Ok(diag)),
        },
        Err(e) => Prepared {
            design: base,
            weighting: Some(Err(e)),
        },
    })
}

/// A share's interval by the deployment's method (`Settings::method`, R's `svyciprop`), from
/// the share already estimated as a mean `m` of the indicator `ind` over `domain` (`n`
/// respondents) of design `d`: closed forms of the mean and its standard error for every method
/// but the likelihood one, which profiles the likelihood. Where every respondent of the domain
/// answered alike (a share of 0 or 1, no variance), the exact Clopper-Pearson interval of 0 or n
/// successes in n, whatever the method.
pub fn interval(
    d: &Design,
    m: &duluan_stats::Estimate,
    s: Settings,
    n: usize,
    ind: &[f64],
    domain: &[bool],
) -> (f64, f64, f64, Option<f64>) {
    let p = m.estimate;
    let level = s.level;
    let exact = || {
        let edge = ((1.0 - level) / 2.0).powf(1.0 / n.max(1) as f64);
        if p >= 0.5 {
            (p, edge, 1.0, None)
        } else {
            (p, 0.0, 1.0 - edge, None)
        }
    };
    if !(p > 0.0 && p < 1.0) {
        return exact();
    }
    let se = m.se;
    // A share the weighting fixed (a margin of a population table) has no sampling variance
    // left but rounding: it is the population's, exactly.
    if se < 1e-12 {
        return (p, p, p, m.deff);
    }
    let alpha = 1.0 - level;
    let t = duluan_stats::dist::qt(1.0 - alpha / 2.0, m.df);
    let expit = |x: f64| 1.0 - 1.0 / (1.0 + x.exp());
    let (lo, hi) = match s.method {
        CipropMethod::Logit | CipropMethod::Xlogit => {
            let th = (p / (1.0 - p)).ln();
            let h = t * se / (p * (1.0 - p));
            (expit(th - h), expit(th + h))
        }
        CipropMethod::Mean => (p - t * se, p + t * se),
        CipropMethod::Asin => {
            let th = p.sqrt().asin();
            let h = t * se / (2.0 * (p * (1.0 - p)).sqrt());
            ((th - h).sin().powi(2), (th + h).sin().powi(2))
        }
        CipropMethod::Beta => {
            // Korn and Graubard: the effective sample size, by the ratio of the t quantiles
            // of the rows R's subset holds and of the design's degrees of freedom.
            let rows = if d.is_calibrated() { d.rows() } else { n } as f64;
            let ratio = duluan_stats::dist::qt(alpha / 2.0, rows - 1.0)
                / duluan_stats::dist::qt(alpha / 2.0, m.df);
            let neff = p * (1.0 - p) / (se * se) * ratio * ratio;
            (
                duluan_stats::dist::qbeta(alpha / 2.0, neff * p, neff * (1.0 - p) + 1.0),
                duluan_stats::dist::qbeta(1.0 - alpha / 2.0, neff * p + 1.0, neff * (1.0 - p)),
            )
        }
        CipropMethod::Likelihood => d
            .ciprop(ind, CipropMethod::Likelihood, level, Some(domain))
            .map_or((f64::NAN, f64::NAN), |c| (c.lower, c.upper)),
    };
    if lo.is_finite() && hi.is_finite() {
        (p, lo, hi, m.deff)
    } else {
        exact()
    }
}

/// The methods a deployment may choose for a share's interval (`--results-ci-method`). Not the
/// profile likelihood: R's `svyciprop(method = "likelihood")` stops on domains of stratified
/// cluster samples ("need at least two non-NA values to interpolate"), so its figures could not
/// be checked in R.
pub const CI_METHODS: &[&str] = &["logit", "asin", "beta", "mean", "xlogit"];

/// R's name of a method (`svyciprop(method = …)`).
pub fn method_name(m: CipropMethod) -> &'static str {
    match m {
        CipropMethod::Logit => "logit",
        CipropMethod::Likelihood => "likelihood",
        CipropMethod::Asin => "asin",
        CipropMethod::Beta => "beta",
        CipropMethod::Mean => "mean",
        CipropMethod::Xlogit => "xlogit",
    }
}

fn text(t: &duluan_forms::model::Text, lang: &str, fallback: Option<&str>, name: &str) -> String {
    t.get(lang, fallback).unwrap_or(name).to_string()
}

/// A number as typed (a decimal comma allowed); `None` when it is not one.
pub fn number(v: &str) -> Option<f64> {
    v.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
}

/// The questions the results cover, in questionnaire order: `(node index, kind)`.
pub fn covered(form: &CheckedForm) -> Vec<(usize, Kind)> {
    let mut out = Vec::new();
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
        out.push((i, kind));
    }
    out
}

/// The figures of every question outside repeats, in questionnaire order, over the interviews
/// of `within` (all when `None`) under design `d` (built over every interview of `data`).
pub fn compute(
    form: &CheckedForm,
    data: &Data,
    d: &Design,
    s: Settings,
    lang: &str,
    within: Option<&[bool]>,
) -> Result<Vec<QuestionResult>, String> {
    let mut out = Vec::new();
    let in_scope = |i: usize| within.is_none_or(|w| w[i]);
    if (0..data.n).filter(|&i| in_scope(i)).count() < 2 {
        return Ok(out);
    }
    for (i, kind) in covered(form) {
        out.push(question(form, data, d, s, lang, within, i, kind)?);
    }
    Ok(out)
}

/// The figures of the question at node `i`.
#[allow(clippy::too_many_arguments)]
pub fn question(
    form: &CheckedForm,
    data: &Data,
    d: &Design,
    s: Settings,
    lang: &str,
    within: Option<&[bool]>,
    i: usize,
    kind: Kind,
) -> Result<QuestionResult, String> {
    let fallback = form.form.default_language.as_deref();
    let node = &form.nodes[i];
    let q = form.question(i as u32).expect("a covered question");
    let col = data.column(&q.name);
    let n = data.n;
    let mut domain: Vec<bool> = (0..n)
        .map(|r| col.answered(r) && within.is_none_or(|w| w[r]))
        .collect();
    if kind == Kind::Mean {
        // Only answers that are numbers count.
        let ok: Vec<bool> = col.values.iter().map(|v| number(v).is_some()).collect();
        for (r, dm) in domain.iter_mut().enumerate() {
            *dm = *dm && ok[col.codes[r] as usize];
        }
    }
    let answered = domain.iter().filter(|b| **b).count();
    let mut result = QuestionResult {
        name: q.name.clone(),
        label: text(&q.label, lang, fallback, &q.name),
        kind,
        n: answered,
        lines: vec![],
    };
    if answered < s.k.max(2) {
        return Ok(result);
    }
    let err = |e: duluan_stats::StatsError| format!("{}: {e}", q.name);
    match kind {
        Kind::Single | Kind::Multiple => {
            let choices = node
                .list
                .and_then(|l| form.form.choices.get(l))
                .map(|l| l.choices.clone())
                .unwrap_or_default();
            // Every choice's indicator, then all their means in one variance pass (the logit
            // interval of `svyciprop` is a closed form of the mean and its standard error).
            let mut inds: Vec<Vec<f64>> = Vec::with_capacity(choices.len());
            let mut cells = Vec::with_capacity(choices.len());
            for c in &choices {
                // Whether each distinct answer holds the choice.
                let hit: Vec<bool> = col
                    .values
                    .iter()
                    .map(|v| match kind {
                        Kind::Multiple => v.split_whitespace().any(|x| x == c.name),
                        _ => *v == c.name,
                    })
                    .collect();
                let ind: Vec<f64> = col
                    .codes
                    .iter()
                    .map(|&k| f64::from(u8::from(hit[k as usize])))
                    .collect();
                cells.push((0..n).filter(|&r| domain[r] && ind[r] > 0.0).count());
                inds.push(ind);
            }
            let refs: Vec<&[f64]> = inds.iter().map(Vec::as_slice).collect();
            let means = if refs.is_empty() {
                vec![]
            } else {
                d.means(&refs, Some(&domain)).map_err(err)?
            };
            // Each choice's number in the population: totals of the same indicators over the
            // same domain, t intervals on the design's degrees of freedom (R's `svytotal`).
            let totals = if s.totals && !refs.is_empty() {
                d.totals(&refs, Some(&domain)).map_err(err)?
            } else {
                vec![]
            };
            let mut lines = Vec::with_capacity(choices.len());
            for (k, (((c, m), &cell), ind)) in choices
                .iter()
                .zip(&means)
                .zip(&cells)
                .zip(&inds)
                .enumerate()
            {
                let (e, lo, hi, deff) = interval(d, m, s, answered, ind, &domain);
                lines.push(Line {
                    key: c.name.clone(),
                    se: Some(m.se),
                    label: text(&c.label, lang, fallback, &c.name),
                    n: cell,
                    value: Some((e, lo, hi)),
                    deff,
                    total: totals.get(k).map(|t| {
                        let (lo, hi) = t.ci(s.level, Interval::T);
                        (t.estimate, lo, hi)
                    }),
                });
            }
            // A multiple choice's options are not parts of one whole: only the primary rule.
            let hide = match kind {
                Kind::Multiple => cells.iter().map(|&c| c < s.k).collect(),
                _ => suppressed(&cells, s.k),
            };
            for (l, h) in lines.iter_mut().zip(hide) {
                if h {
                    l.hide();
                }
            }
            result.lines = lines;
        }
        Kind::Mean => {
            let parsed: Vec<f64> = col
                .values
                .iter()
                .map(|v| number(v).unwrap_or(0.0))
                .collect();
            let y: Vec<f64> = col.codes.iter().map(|&k| parsed[k as usize]).collect();
            let e = d.mean(&y, Some(&domain)).map_err(err)?;
            let (lo, hi) = e.ci(s.level, Interval::T);
            let mut lines = vec![Line {
                key: MEAN.into(),
                se: Some(e.se),
                label: MEAN.into(),
                n: answered,
                value: Some((e.estimate, lo, hi)),
                deff: e.deff,
                total: None,
            }];
            if let Ok(m) = d.quantiles(&y, &[0.5], QuantileRule::Math, s.level, None, Some(&domain))
                && let Some(m) = m.first()
            {
                lines.push(Line {
                    key: MEDIAN.into(),
                    se: m.se.is_finite().then_some(m.se),
                    label: MEDIAN.into(),
                    n: answered,
                    value: Some((m.estimate, m.lower, m.upper)),
                    deff: None,
                    total: None,
                });
            }
            result.lines = lines;
        }
    }
    Ok(result)
}

/// The label of a mean's line (the page translates it).
pub const MEAN: &str = "mean";
/// The label of a median's line (the page translates it).
pub const MEDIAN: &str = "median";

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

    fn rows(values: &[&str], weights: Option<&[f64]>) -> Data {
        let rows: Vec<Row> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Row {
                answers: HashMap::from([("q".to_string(), v.to_string())]),
                weight: weights.map(|w| w[i]),
                stratum: weights.map(|_| if i % 2 == 0 { "A" } else { "B" }.to_string()),
            })
            .collect();
        Data::from_rows(&rows)
    }

    #[test]
    fn a_grid_hides_a_partner_in_the_row_and_in_the_column() {
        // Two choices × three domains; domain 2 hid choice 1 (3 < 5) and its complement.
        let counts = vec![vec![20, 3, 9], vec![30, 6, 12]];
        let hidden = vec![vec![false, true, false], vec![false, true, false]];
        let h = suppress_grid(&counts, hidden, true, true);
        // Row 0 had one hidden: its smallest other (9, domain 3) goes; then column 3 has one
        // hidden, so row 1's domain 3 goes; row 1 then has two hidden: stable.
        assert_eq!(h, vec![vec![false, true, true], vec![false, true, true]]);
        // Nothing hidden: nothing changes.
        let h = suppress_grid(&counts, vec![vec![false; 3]; 2], true, true);
        assert!(h.iter().flatten().all(|x| !x));
    }

    #[test]
    fn a_share_of_one_or_zero_gets_the_exact_interval() {
        let r = rows(&["1"; 12], None);
        let d = design(&r, false).unwrap();
        let domain = vec![true; 12];
        for name in CI_METHODS {
            let s = Settings {
                weighted: false,
                k: 5,
                level: 0.95,
                method: name.parse().unwrap(),
                totals: false,
            };
            for x in [1.0, 0.0] {
                let ind = [x; 12];
                let m = d.mean(&ind, Some(&domain)).unwrap();
                let (p, lo, hi, _) = interval(&d, &m, s, 12, &ind, &domain);
                let edge = 0.025f64.powf(1.0 / 12.0);
                let (want_lo, want_hi) = if x > 0.5 {
                    (edge, 1.0)
                } else {
                    (0.0, 1.0 - edge)
                };
                assert_eq!(p, x);
                assert!((lo - want_lo).abs() < 1e-12, "{name} {lo}");
                assert!((hi - want_hi).abs() < 1e-12, "{name} {hi}");
            }
        }
    }

    #[test]
    fn one_pass_for_all_choices_gives_what_ciprop_gives() {
        // Weighted, stratified: the shares of every choice through `means` and the closed forms
        // equal `ciprop`'s, interval and all, in a domain, by every method.
        let v = ["1", "2", "2", "3", "1", "2", "3", "3", "2", "1", "2", "2"];
        let w = [1.0, 2.0, 1.5, 3.0, 1.0, 2.5, 1.0, 2.0, 1.0, 1.0, 3.0, 2.0];
        let r = rows(&v, Some(&w));
        let d = design(&r, true).unwrap();
        let domain: Vec<bool> = (0..12).map(|i| i != 4).collect();
        let inds: Vec<Vec<f64>> = ["1", "2", "3"]
            .iter()
            .map(|c| v.iter().map(|x| f64::from(u8::from(x == c))).collect())
            .collect();
        let refs: Vec<&[f64]> = inds.iter().map(Vec::as_slice).collect();
        let means = d.means(&refs, Some(&domain)).unwrap();
        for name in CI_METHODS {
            let method: CipropMethod = name.parse().unwrap();
            assert_eq!(method_name(method), *name);
            let s = Settings {
                weighted: true,
                k: 5,
                level: 0.95,
                method,
                totals: false,
            };
            for (ind, m) in inds.iter().zip(&means) {
                let ci = d.ciprop(ind, method, 0.95, Some(&domain)).unwrap();
                let (p, lo, hi, _) = interval(&d, m, s, 11, ind, &domain);
                let pairs = [
                    (p, ci.estimate.estimate),
                    (lo, ci.lower),
                    (hi, ci.upper),
                    (m.se, ci.estimate.se),
                ];
                for (a, b) in pairs {
                    assert!((a - b).abs() < 1e-14, "{name}: {a} {b}");
                }
            }
        }
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
        assert!(!r.has_design());
    }
}
