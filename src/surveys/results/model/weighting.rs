//! Weighting to population figures: post-stratification, raking, linear (GREG) or raking
//! calibration, then optional trimming, with `duluan_stats` doing the arithmetic (as R's
//! `postStratify`, `rake`, `calibrate`, `trimWeights`) and this module checking the population
//! tables against the interviews first, so that a wrong table gets a message naming the table,
//! the variable and the level rather than a numerical failure.
//!
//! A population table crosses one or more single-choice questions (sex × age group × area, as a
//! statistics office publishes it) and gives a population count for each combination. Raking
//! and calibration take every table as one margin (R's `rake(d, list(~sex+age, ~area), …)`);
//! post-stratification takes one table, its combinations being the post-strata.

use duluan_stats::{
    CalFun, CalibrateOptions, Design, Factor, Margin, ModelMatrix, RakeOptions, StatsError,
};

use super::data::Data;

crate::kit::keys::stored_keys! {
    /// How the weights are adjusted to the population.
    pub enum Method: "weighting method" {
        /// Design weights only.
        None = "none",
        /// Post-stratification to the cells of one table.
        PostStratify = "poststratify",
        /// Raking (iterative proportional fitting) to every table's margin.
        Rake = "rake",
        /// Linear (GREG) calibration.
        Linear = "linear",
        /// Raking-ratio calibration (Newton).
        Raking = "raking",
    }
}

/// A population table: the questions it crosses and each combination's count.
#[derive(Clone, Debug, PartialEq)]
pub struct PopTable {
    /// Its id in the store.
    pub id: i64,
    /// Its name, as shown.
    pub name: String,
    /// Variable names (single-choice questions) it crosses.
    pub variables: Vec<String>,
    /// Each combination: the choice names (one per variable) and the population count.
    pub cells: Vec<(Vec<String>, f64)>,
}

impl PopTable {
    /// The population total.
    pub fn total(&self) -> f64 {
        self.cells.iter().map(|c| c.1).sum()
    }

    /// The key of a combination (the choice names joined).
    pub fn key(levels: &[String]) -> String {
        levels.join(SEP)
    }
}

const SEP: &str = " × ";

/// A survey's weighting.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The method.
    pub method: Method,
    /// Population tables.
    pub tables: Vec<PopTable>,
    /// Trimming: weights kept within [mean / t, mean × t] (R's `trimWeights`, not strict).
    pub trim: Option<f64>,
}

impl Spec {
    /// Whether it changes anything.
    pub fn active(&self) -> bool {
        self.method != Method::None && !self.tables.is_empty()
    }
}

/// Raking's limits: passes and the convergence tolerance as a fraction of the total weight
/// (R: `rake(…, control = list(maxit = 100, epsilon = 1e-7))`).
pub const RAKE_MAXIT: usize = 100;
/// See [`RAKE_MAXIT`].
pub const RAKE_EPSILON: f64 = 1e-7;
/// A weighted count may miss its population count by this fraction of the total.
pub const MARGIN_TOLERANCE: f64 = 1e-5;
/// Tables' totals may differ by this fraction (rounding in published tables), no more.
pub const TOTALS_TOLERANCE: f64 = 1e-3;

/// Why the weights could not be computed; every variant names what to fix.
#[derive(Clone, Debug, PartialEq)]
pub enum WeightError {
    /// The method needs a population table.
    NoTables,
    /// Post-stratification takes exactly one table.
    PostStratifyOneTable(usize),
    /// Two tables do not describe the same population.
    TotalsDiffer {
        /// First table and its total.
        a: (String, f64),
        /// The other and its total.
        b: (String, f64),
    },
    /// Interviews without an answer to a table's variable cannot be weighted.
    Unanswered {
        /// The table.
        table: String,
        /// The variable.
        variable: String,
        /// Interviews without it.
        count: usize,
    },
    /// Interviews in a combination the table does not have.
    NotInTable {
        /// The table.
        table: String,
        /// `(variable, choice)` of the combination.
        level: Vec<(String, String)>,
        /// Interviews in it.
        count: usize,
    },
    /// A combination of the table with population but no interview.
    NotInData {
        /// The table.
        table: String,
        /// `(variable, choice)` of the combination.
        level: Vec<(String, String)>,
        /// Its population.
        population: f64,
    },
    /// Raking did not converge; the combination furthest from its count.
    NoConvergence {
        /// The table.
        table: String,
        /// `(variable, choice)` of the combination.
        level: Vec<(String, String)>,
        /// Passes made.
        iterations: usize,
    },
    /// Trimming bounds that every weight falls outside.
    TrimAll(f64),
    /// Anything else the statistics engine refused (its message).
    Failed(String),
}

/// One combination of a table, before and after weighting.
#[derive(Clone, Debug, PartialEq)]
pub struct MarginCheck {
    /// The table.
    pub table: String,
    /// `(variable, choice)` of the combination.
    pub level: Vec<(String, String)>,
    /// Its population count.
    pub population: f64,
    /// Interviews in it.
    pub sample: usize,
    /// Its share of the population.
    pub population_share: f64,
    /// Its share of the interviews under the weights before weighting.
    pub before_share: f64,
    /// Its weighted total after weighting (reproduces `population` when the weighting worked).
    pub after: f64,
}

/// What the weighting did.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// Interviews.
    pub n: usize,
    /// Smallest, largest and mean weight.
    pub min: f64,
    /// See `min`.
    pub max: f64,
    /// See `min`.
    pub mean: f64,
    /// Design effect of the weighting (Kish: n Σw² / (Σw)²).
    pub deff: f64,
    /// Effective sample size, n / deff.
    pub n_eff: f64,
    /// Weights below zero (possible with linear calibration).
    pub negative: usize,
    /// The trimming bounds used.
    pub trimmed: Option<(f64, f64)>,
    /// Every combination of every table.
    pub margins: Vec<MarginCheck>,
}

/// Kish's design effect of weights and the effective sample size.
pub fn kish(w: &[f64]) -> (f64, f64) {
    let n = w.len() as f64;
    let (s, s2) = w.iter().fold((0.0, 0.0), |(s, s2), x| (s + x, s2 + x * x));
    if s == 0.0 {
        return (f64::NAN, 0.0);
    }
    let deff = n * s2 / (s * s);
    (deff, n / deff)
}

fn pairs(t: &PopTable, levels: &[String]) -> Vec<(String, String)> {
    t.variables
        .iter()
        .cloned()
        .zip(levels.iter().cloned())
        .collect()
}

/// The combination of table `t` each interview falls in (as a key), checked against the table.
fn keys_of(t: &PopTable, data: &Data) -> Result<Vec<String>, WeightError> {
    let cols: Vec<_> = t.variables.iter().map(|v| data.column(v)).collect();
    for (v, c) in t.variables.iter().zip(&cols) {
        let missing = (0..data.n).filter(|&i| !c.answered(i)).count();
        if missing > 0 {
            return Err(WeightError::Unanswered {
                table: t.name.clone(),
                variable: v.clone(),
                count: missing,
            });
        }
    }
    // A combination counted as nobody is no level to weight interviews to.
    let known: std::collections::HashSet<String> = t
        .cells
        .iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|(l, _)| PopTable::key(l))
        .collect();
    let mut keys = Vec::with_capacity(data.n);
    let mut strays: std::collections::HashMap<String, (Vec<String>, usize)> = Default::default();
    for i in 0..data.n {
        let levels: Vec<String> = cols.iter().map(|c| c.get(i).to_string()).collect();
        let k = PopTable::key(&levels);
        if !known.contains(&k) {
            strays.entry(k.clone()).or_insert((levels, 0)).1 += 1;
        }
        keys.push(k);
    }
    if let Some((_, (levels, count))) = strays
        .into_iter()
        .max_by(|a, b| a.1.1.cmp(&b.1.1).then(b.0.cmp(&a.0)))
    {
        return Err(WeightError::NotInTable {
            table: t.name.clone(),
            level: pairs(t, &levels),
            count,
        });
    }
    let present: std::collections::HashSet<&str> = keys.iter().map(String::as_str).collect();
    for (levels, pop) in &t.cells {
        let k = PopTable::key(levels);
        if *pop > 0.0 && !present.contains(k.as_str()) {
            return Err(WeightError::NotInData {
                table: t.name.clone(),
                level: pairs(t, levels),
                population: *pop,
            });
        }
    }
    Ok(keys)
}

/// Adjusts the weights of `base` (a design over every interview of `data`) to the tables.
pub fn apply(
    base: &Design,
    data: &Data,
    spec: &Spec,
) -> Result<(Design, Diagnostics), WeightError> {
    if spec.tables.is_empty() {
        return Err(WeightError::NoTables);
    }
    if spec.method == Method::PostStratify && spec.tables.len() != 1 {
        return Err(WeightError::PostStratifyOneTable(spec.tables.len()));
    }
    let first = &spec.tables[0];
    for t in &spec.tables[1..] {
        let (a, b) = (first.total(), t.total());
        if (a - b).abs() > TOTALS_TOLERANCE * a.abs().max(b.abs()) {
            return Err(WeightError::TotalsDiffer {
                a: (first.name.clone(), a),
                b: (t.name.clone(), b),
            });
        }
    }
    let mut factors = Vec::new();
    let mut margins = Vec::new();
    for t in &spec.tables {
        let keys = keys_of(t, data)?;
        factors.push(Factor::from_strs(&keys));
        margins.push(Margin {
            name: t.name.clone(),
            counts: t
                .cells
                .iter()
                .filter(|c| c.1 > 0.0)
                .map(|(l, c)| (PopTable::key(l), *c))
                .collect(),
        });
    }
    let failed = |e: StatsError| WeightError::Failed(e.to_string());
    let mut d = match spec.method {
        Method::None => base.clone(),
        Method::PostStratify => base
            .post_stratify(&factors[0], &margins[0], false)
            .map_err(failed)?,
        Method::Rake => {
            let pairs: Vec<(&Factor, &Margin)> = factors.iter().zip(margins.iter()).collect();
            base.rake(
                &pairs,
                RakeOptions {
                    maxit: RAKE_MAXIT,
                    epsilon: RAKE_EPSILON,
                },
            )
            .map_err(|e| match e {
                StatsError::NoConvergence {
                    margin, iterations, ..
                } => {
                    // "table=key": the table and the combination furthest from its count.
                    let t = spec
                        .tables
                        .iter()
                        .find(|t| margin.starts_with(&format!("{}=", t.name)))
                        .unwrap_or(first);
                    let key = &margin[(t.name.len() + 1).min(margin.len())..];
                    let levels: Vec<String> = key.split(SEP).map(str::to_string).collect();
                    WeightError::NoConvergence {
                        table: t.name.clone(),
                        level: pairs_of(t, &levels),
                        iterations,
                    }
                }
                e => failed(e),
            })?
        }
        Method::Linear | Method::Raking => {
            let (x, totals) = model_matrix(&factors, &margins, data.n);
            base.calibrate(
                &x,
                &totals,
                CalibrateOptions {
                    calfun: if spec.method == Method::Linear {
                        CalFun::Linear
                    } else {
                        CalFun::Raking
                    },
                    ..Default::default()
                },
            )
            .map_err(failed)?
        }
    };
    let mut trimmed = None;
    if let Some(t) = spec.trim.filter(|t| *t > 1.0) {
        let w = d.weights();
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        let (lo, hi) = (mean / t, mean * t);
        if w.iter().all(|&x| x < lo || x > hi) {
            return Err(WeightError::TrimAll(t));
        }
        d = d.trim_weights(lo, hi, false).map_err(failed)?;
        trimmed = Some((lo, hi));
    }
    let diag = diagnostics(base, &d, &factors, spec, trimmed);
    // Raking can stop on a cycle that meets its own convergence test (R's too) without
    // reproducing the margins: before trimming, every count must be met.
    if trimmed.is_none() {
        let total = first.total();
        if let Some(worst) = diag
            .margins
            .iter()
            .filter(|m| (m.after - m.population).abs() > MARGIN_TOLERANCE * total)
            .max_by(|a, b| {
                (a.after - a.population)
                    .abs()
                    .total_cmp(&(b.after - b.population).abs())
            })
        {
            return Err(WeightError::NoConvergence {
                table: worst.table.clone(),
                level: worst.level.clone(),
                iterations: RAKE_MAXIT,
            });
        }
    }
    Ok((d, diag))
}

fn pairs_of(t: &PopTable, levels: &[String]) -> Vec<(String, String)> {
    pairs(t, levels)
}

/// Intercept and the dummies of every table's combinations after its first (R's
/// `model.matrix(~ t1 + t2)`), with the population totals in the same order.
fn model_matrix(factors: &[Factor], margins: &[Margin], n: usize) -> (ModelMatrix, Vec<f64>) {
    let total: f64 = margins[0].counts.iter().map(|c| c.1).sum();
    let mut names = vec!["(Intercept)".to_string()];
    let mut columns = vec![vec![1.0; n]];
    let mut totals = vec![total];
    for (f, m) in factors.iter().zip(margins) {
        for (l, label) in f.levels.iter().enumerate().skip(1) {
            names.push(format!("{}{label}", m.name));
            columns.push(
                f.codes
                    .iter()
                    .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                    .collect(),
            );
            totals.push(m.counts.iter().find(|c| c.0 == *label).map_or(0.0, |c| c.1));
        }
    }
    (ModelMatrix { names, columns }, totals)
}

fn diagnostics(
    base: &Design,
    d: &Design,
    factors: &[Factor],
    spec: &Spec,
    trimmed: Option<(f64, f64)>,
) -> Diagnostics {
    let w = d.weights();
    let w0 = base.weights();
    let n = w.len();
    let (deff, n_eff) = kish(w);
    let total0: f64 = w0.iter().sum();
    let mut margins = Vec::new();
    for (t, f) in spec.tables.iter().zip(factors) {
        let pop_total = t.total();
        let mut sample = vec![0usize; f.n_levels()];
        let mut before = vec![0.0; f.n_levels()];
        let mut after = vec![0.0; f.n_levels()];
        for i in 0..n {
            let c = f.codes[i] as usize;
            sample[c] += 1;
            before[c] += w0[i];
            after[c] += w[i];
        }
        for (levels, pop) in &t.cells {
            let k = PopTable::key(levels);
            let l = f.levels.iter().position(|x| *x == k);
            margins.push(MarginCheck {
                table: t.name.clone(),
                level: pairs(t, levels),
                population: *pop,
                sample: l.map_or(0, |l| sample[l]),
                population_share: pop / pop_total,
                before_share: l.map_or(0.0, |l| before[l] / total0),
                after: l.map_or(0.0, |l| after[l]),
            });
        }
    }
    Diagnostics {
        n,
        min: w.iter().copied().fold(f64::INFINITY, f64::min),
        max: w.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        mean: w.iter().sum::<f64>() / n.max(1) as f64,
        deff,
        n_eff,
        negative: w.iter().filter(|x| **x < 0.0).count(),
        trimmed,
        margins,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use duluan_stats::DesignSpec;

    fn data(rows: &[(&str, &str)]) -> Data {
        let mut d = Data::default();
        for (s, a) in rows {
            d.push([("sex", *s), ("age", *a)], None, None, 0);
        }
        d.finish()
    }

    fn table(name: &str, var: &str, cells: &[(&str, f64)]) -> PopTable {
        PopTable {
            id: 0,
            name: name.into(),
            variables: vec![var.into()],
            cells: cells
                .iter()
                .map(|(l, c)| (vec![l.to_string()], *c))
                .collect(),
        }
    }

    fn sample() -> Data {
        // 10 interviews: 7 men, 3 women; ages 1 (young) and 2 (old).
        data(&[
            ("1", "1"),
            ("1", "1"),
            ("1", "1"),
            ("1", "2"),
            ("1", "2"),
            ("1", "2"),
            ("1", "2"),
            ("2", "1"),
            ("2", "2"),
            ("2", "2"),
        ])
    }

    fn base(n: usize) -> Design {
        Design::new(n, DesignSpec::default()).unwrap()
    }

    #[test]
    fn raking_reproduces_both_margins() {
        let d = sample();
        let spec = Spec {
            method: Method::Rake,
            tables: vec![
                table("Giới tính", "sex", &[("1", 500.0), ("2", 500.0)]),
                table("Tuổi", "age", &[("1", 400.0), ("2", 600.0)]),
            ],
            trim: None,
        };
        let (w, diag) = apply(&base(d.n), &d, &spec).unwrap();
        let sum = |f: &dyn Fn(usize) -> bool| -> f64 {
            (0..d.n).filter(|&i| f(i)).map(|i| w.weights()[i]).sum()
        };
        let sex = d.column("sex");
        let age = d.column("age");
        assert!((sum(&|i| sex.get(i) == "2") - 500.0).abs() < 1e-3);
        assert!((sum(&|i| age.get(i) == "1") - 400.0).abs() < 1e-3);
        for m in &diag.margins {
            assert!((m.after - m.population).abs() < 1e-3, "{m:?}");
        }
        assert!(diag.deff > 1.0 && diag.n_eff < 10.0);
        assert_eq!(diag.n, 10);
    }

    #[test]
    fn linear_and_raking_calibration_and_poststratification_hit_the_counts() {
        let d = sample();
        let two = vec![
            table("sex", "sex", &[("1", 500.0), ("2", 500.0)]),
            table("age", "age", &[("1", 400.0), ("2", 600.0)]),
        ];
        for method in [Method::Linear, Method::Raking] {
            let spec = Spec {
                method,
                tables: two.clone(),
                trim: None,
            };
            let (_, diag) = apply(&base(d.n), &d, &spec).unwrap();
            for m in &diag.margins {
                assert!((m.after - m.population).abs() < 1e-6, "{method:?} {m:?}");
            }
        }
        let joint = PopTable {
            id: 0,
            name: "sex × age".into(),
            variables: vec!["sex".into(), "age".into()],
            cells: vec![
                (vec!["1".into(), "1".into()], 200.0),
                (vec!["1".into(), "2".into()], 300.0),
                (vec!["2".into(), "1".into()], 200.0),
                (vec!["2".into(), "2".into()], 300.0),
            ],
        };
        let spec = Spec {
            method: Method::PostStratify,
            tables: vec![joint],
            trim: None,
        };
        let (w, diag) = apply(&base(d.n), &d, &spec).unwrap();
        // The one woman aged 1 stands for 200 people.
        assert!((w.weights()[7] - 200.0).abs() < 1e-9);
        assert_eq!(diag.margins.len(), 4);
    }

    #[test]
    fn bad_tables_are_named() {
        let d = sample();
        let spec = |tables: Vec<PopTable>| Spec {
            method: Method::Rake,
            tables,
            trim: None,
        };
        let e = apply(
            &base(d.n),
            &d,
            &spec(vec![
                table("A", "sex", &[("1", 500.0), ("2", 500.0)]),
                table("B", "age", &[("1", 400.0), ("2", 700.0)]),
            ]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            WeightError::TotalsDiffer {
                a: ("A".into(), 1000.0),
                b: ("B".into(), 1100.0)
            }
        );
        let e = apply(
            &base(d.n),
            &d,
            &spec(vec![table("A", "sex", &[("1", 500.0)])]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            WeightError::NotInTable {
                table: "A".into(),
                level: vec![("sex".into(), "2".into())],
                count: 3
            }
        );
        let e = apply(
            &base(d.n),
            &d,
            &spec(vec![table(
                "A",
                "sex",
                &[("1", 500.0), ("2", 400.0), ("3", 100.0)],
            )]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            WeightError::NotInData {
                table: "A".into(),
                level: vec![("sex".into(), "3".into())],
                population: 100.0
            }
        );
        let e = apply(
            &base(d.n),
            &d,
            &spec(vec![table("A", "other", &[("1", 500.0)])]),
        )
        .unwrap_err();
        assert!(
            matches!(e, WeightError::Unanswered { count: 10, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn raking_that_cannot_converge_names_a_margin_level() {
        // Everyone young is a man and every man is young: the margins conflict.
        let d = data(&[("1", "1"), ("1", "1"), ("2", "2"), ("2", "2")]);
        let spec = Spec {
            method: Method::Rake,
            tables: vec![
                table("Giới tính", "sex", &[("1", 900.0), ("2", 100.0)]),
                table("Tuổi", "age", &[("1", 100.0), ("2", 900.0)]),
            ],
            trim: None,
        };
        let e = apply(&base(d.n), &d, &spec).unwrap_err();
        assert!(matches!(e, WeightError::NoConvergence { .. }), "{e:?}");
        if let WeightError::NoConvergence { level, .. } = e {
            assert_eq!(level.len(), 1);
        }
    }

    #[test]
    fn trimming_caps_the_weights() {
        let d = sample();
        let spec = Spec {
            method: Method::Rake,
            tables: vec![table("sex", "sex", &[("1", 100.0), ("2", 900.0)])],
            trim: Some(4.0),
        };
        // Raked: 7 men at 100/7 ≈ 14.3, 3 women at 300; mean 100, bounds [25, 400].
        let (w, diag) = apply(&base(d.n), &d, &spec).unwrap();
        let (lo, hi) = diag.trimmed.unwrap();
        assert!((lo - 25.0).abs() < 1e-9 && (hi - 400.0).abs() < 1e-9);
        // The men go up to 25; the 75 added is taken equally from the three women.
        for (i, &x) in w.weights().iter().enumerate() {
            let want = if i < 7 { 25.0 } else { 275.0 };
            assert!((x - want).abs() < 1e-9, "{i}: {x}");
        }
        // Bounds every weight is outside of.
        let spec = Spec {
            trim: Some(2.0),
            ..spec
        };
        assert_eq!(
            apply(&base(d.n), &d, &spec).unwrap_err(),
            WeightError::TrimAll(2.0)
        );
    }
}
