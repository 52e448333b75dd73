//! Weighting: post-stratification, raking, calibration (linear and raking) and trimming, each
//! returning a new design whose variances account for the weighting as R's `postStratify`,
//! `rake`, `calibrate` and `trimWeights` do.

use std::collections::HashMap;

use crate::data::{Factor, Frame};
use crate::design::{Adjustment, Design, check_weights};
use crate::error::{Result, StatsError, invalid};
use crate::linalg;

/// Population count of each level of a variable (one margin).
#[derive(Debug, Clone, PartialEq)]
pub struct Margin {
    /// Variable name (for messages).
    pub name: String,
    /// Level label and population count.
    pub counts: Vec<(String, f64)>,
}

/// Calibration distance (R's `calfun`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CalFun {
    /// Linear (GREG) calibration: g = 1 + x'λ.
    #[default]
    Linear,
    /// Raking ratio: g = exp(x'λ).
    Raking,
}

/// Options of [`Design::calibrate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CalibrateOptions {
    /// Distance function.
    pub calfun: CalFun,
    /// Bounds on the g-weights (`None`: unbounded).
    pub bounds: Option<(f64, f64)>,
    /// Maximum Newton iterations (R: 50).
    pub maxit: usize,
    /// Convergence tolerance on |misfit| / (1 + |total|) (R: 1e-7).
    pub epsilon: f64,
}

impl Default for CalibrateOptions {
    fn default() -> Self {
        CalibrateOptions {
            calfun: CalFun::Linear,
            bounds: None,
            maxit: 50,
            epsilon: 1e-7,
        }
    }
}

/// Options of [`Design::rake`] (R's `control=list(maxit=10, epsilon=1)`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RakeOptions {
    /// Maximum passes over the margins.
    pub maxit: usize,
    /// Convergence: largest change of a cell of the cross-table between passes; below 1 it
    /// is a fraction of the total weight.
    pub epsilon: f64,
}

impl Default for RakeOptions {
    fn default() -> Self {
        RakeOptions {
            maxit: 10,
            epsilon: 1.0,
        }
    }
}

/// Calibration variables: named columns of a model matrix (R's `model.matrix(~ ...)`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelMatrix {
    /// Column names in R's style: `(Intercept)`, numeric variable names, `var` + level.
    pub names: Vec<String>,
    /// Columns.
    pub columns: Vec<Vec<f64>>,
}

impl ModelMatrix {
    /// Intercept plus, for each variable, its numeric column or treatment dummies of its levels
    /// after the first (as R's `model.matrix(~a+b)`). Text columns are factors.
    pub fn from_frame(frame: &Frame, vars: &[&str]) -> Result<ModelMatrix> {
        frame.require(vars)?;
        let n = frame.rows();
        let mut names = vec!["(Intercept)".to_string()];
        let mut columns = vec![vec![1.0; n]];
        for v in vars {
            match frame.column(v)? {
                crate::data::Column::Num(x) => {
                    if let Some(row) = x.iter().position(|x| !x.is_finite()) {
                        return Err(StatsError::MissingValue {
                            column: v.to_string(),
                            row: row + 1,
                        });
                    }
                    names.push(v.to_string());
                    columns.push(x.clone());
                }
                crate::data::Column::Text(_) => {
                    let f = frame.factor(v)?;
                    for (l, label) in f.levels.iter().enumerate().skip(1) {
                        names.push(format!("{v}{label}"));
                        columns.push(
                            f.codes
                                .iter()
                                .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                                .collect(),
                        );
                    }
                }
            }
        }
        Ok(ModelMatrix { names, columns })
    }
}

pub(crate) fn lookup_population(f: &Factor, margin: &Margin, partial: bool) -> Result<Vec<f64>> {
    let pop: HashMap<&str, f64> = margin
        .counts
        .iter()
        .map(|(l, c)| (l.as_str(), *c))
        .collect();
    let mut out = Vec::with_capacity(f.n_levels());
    for l in &f.levels {
        match pop.get(l.as_str()) {
            Some(&c) if c > 0.0 && c.is_finite() => out.push(c),
            _ => {
                return Err(StatsError::BadMargin {
                    margin: format!("{}={l}", margin.name),
                    reason: "level in the sample has no positive population count / mức có trong mẫu nhưng không có số tổng thể".into(),
                });
            }
        }
    }
    if !partial {
        for (l, c) in &margin.counts {
            if *c > 0.0 && !f.levels.iter().any(|x| x == l) {
                return Err(StatsError::BadMargin {
                    margin: format!("{}={l}", margin.name),
                    reason: "population level absent from the sample / mức của tổng thể không có trong mẫu".into(),
                });
            }
        }
    }
    Ok(out)
}

/// The cross-classification of raking margins: raking only ever multiplies a row's weight by
/// one factor per margin level, so it can run on these cells.
pub(crate) struct Cells {
    pub cross: Factor,
    /// level[m][cell]: level of margin m in the cell.
    pub level: Vec<Vec<u32>>,
    pub n_levels: Vec<usize>,
}

impl Cells {
    pub fn of(margins: &[(&Factor, &Margin)]) -> Cells {
        let mut cross = margins[0].0.clone();
        for (f, _) in &margins[1..] {
            cross = Factor::interaction(&cross, f);
        }
        let nc = cross.n_levels();
        let mut level: Vec<Vec<u32>> = vec![vec![0; nc]; margins.len()];
        for (i, &c) in cross.codes.iter().enumerate() {
            for (m, (f, _)) in margins.iter().enumerate() {
                level[m][c as usize] = f.codes[i];
            }
        }
        Cells {
            cross,
            level,
            n_levels: margins.iter().map(|(f, _)| f.n_levels()).collect(),
        }
    }

    /// Weight total of each cell.
    pub fn totals(&self, w: &[f64]) -> Vec<f64> {
        let mut t = vec![0.0; self.cross.n_levels()];
        for (&c, &wi) in self.cross.codes.iter().zip(w) {
            t[c as usize] += wi;
        }
        t
    }

    /// Iterative proportional fitting of weights `w` (R's `rake` loop): returns the final factor
    /// of each cell, each margin's factors right after it was fitted in the last pass, the
    /// number of the last pass and whether the cross-table moved by less than `eps`.
    /// `fixed`: run exactly this many passes (replicates follow the full sample).
    pub fn rake(
        &self,
        w: &[f64],
        pops: &[Vec<f64>],
        eps: f64,
        maxit: usize,
        fixed: Option<usize>,
    ) -> (Vec<f64>, Vec<Vec<f64>>, usize, bool) {
        let nc = self.cross.n_levels();
        let w0 = self.totals(w);
        let mut factor = vec![1.0; nc];
        let mut snaps: Vec<Vec<f64>> = vec![vec![1.0; nc]; pops.len()];
        let mut old = w0.clone();
        let mut iter = 0;
        while iter < fixed.unwrap_or(maxit) {
            for (m, pop) in pops.iter().enumerate() {
                let mut sample = vec![0.0; self.n_levels[m]];
                for c in 0..nc {
                    sample[self.level[m][c] as usize] += w0[c] * factor[c];
                }
                for c in 0..nc {
                    let l = self.level[m][c] as usize;
                    factor[c] *= pop[l] / sample[l];
                }
                snaps[m].copy_from_slice(&factor);
            }
            if fixed.is_some() {
                iter += 1;
                continue;
            }
            let new: Vec<f64> = w0.iter().zip(&factor).map(|(a, b)| a * b).collect();
            let delta = old
                .iter()
                .zip(&new)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            if delta < eps {
                return (factor, snaps, iter, true);
            }
            old = new;
            iter += 1;
        }
        (factor, snaps, iter, fixed.is_some())
    }
}

impl Design {
    /// Post-stratifies to population counts of the levels of `f` (R's `postStratify`).
    /// `partial`: ignore population levels absent from the sample.
    pub fn post_stratify(&self, f: &Factor, margin: &Margin, partial: bool) -> Result<Design> {
        if f.len() != self.n {
            return Err(StatsError::RaggedColumns {
                column: margin.name.clone(),
                expected: self.n,
                found: f.len(),
            });
        }
        f.check(&margin.name)?;
        let pop = lookup_population(f, margin, partial)?;
        let mut sample = vec![0.0; f.n_levels()];
        for (i, &c) in f.codes.iter().enumerate() {
            sample[c as usize] += self.w[i];
        }
        let ratio: Vec<f64> = pop.iter().zip(&sample).map(|(p, s)| p / s).collect();
        let old_w = self.w.clone();
        let new_w: Vec<f64> = f
            .codes
            .iter()
            .zip(&old_w)
            .map(|(&c, w)| w * ratio[c as usize])
            .collect();
        let mut d = self.clone();
        d.w = new_w.clone();
        d.adjustments.push(Adjustment::PostStrat {
            group: f.codes.clone(),
            n_groups: f.n_levels(),
            new_w,
            old_w,
        });
        Ok(d)
    }

    /// Rakes to several margins by iterative proportional fitting (R's `rake`). Fails, naming
    /// the margin level furthest from its population count, when it does not converge.
    pub fn rake(&self, margins: &[(&Factor, &Margin)], options: RakeOptions) -> Result<Design> {
        if margins.is_empty() {
            return Err(invalid("margins", "no margins to rake to / không có biên"));
        }
        let mut pops = Vec::with_capacity(margins.len());
        for (f, m) in margins {
            if f.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: m.name.clone(),
                    expected: self.n,
                    found: f.len(),
                });
            }
            f.check(&m.name)?;
            pops.push(lookup_population(f, m, false)?);
        }
        let total: f64 = self.w.iter().sum();
        let eps = if options.epsilon < 1.0 {
            options.epsilon * total
        } else {
            options.epsilon
        };
        // Raking multiplies each row's weight by one factor per margin level, so it runs on
        // the cells of the cross-classification of all margins: R's passes over the rows
        // become passes over a few cells, and the rows are touched once at the end.
        let cells = Cells::of(margins);
        let (factor, snaps, iter, converged) = cells.rake(&self.w, &pops, eps, options.maxit, None);
        let (cross, cell_level, nc) = (&cells.cross, &cells.level, cells.cross.n_levels());
        let cell_w0 = cells.totals(&self.w);
        if !converged {
            let mut worst = (String::new(), 0.0f64);
            for (m, ((f, mg), pop)) in margins.iter().zip(&pops).enumerate() {
                let mut sample = vec![0.0; f.n_levels()];
                for c in 0..nc {
                    sample[cell_level[m][c] as usize] += cell_w0[c] * factor[c];
                }
                for (l, (s, p)) in sample.iter().zip(pop).enumerate() {
                    if (s - p).abs() >= worst.1.abs() {
                        worst = (format!("{}={}", mg.name, f.levels[l]), s - p);
                    }
                }
            }
            return Err(StatsError::NoConvergence {
                margin: worst.0,
                off: worst.1,
                iterations: iter,
            });
        }
        let w: Vec<f64> = self
            .w
            .iter()
            .zip(&cross.codes)
            .map(|(w, &c)| w * factor[c as usize])
            .collect();
        let last = margins
            .iter()
            .zip(&snaps)
            .map(|((f, _), snap)| {
                let psw = self
                    .w
                    .iter()
                    .zip(&cross.codes)
                    .map(|(w, &c)| w * snap[c as usize])
                    .collect();
                (f.codes.clone(), f.n_levels(), psw)
            })
            .collect();
        let mut d = self.clone();
        d.w = w;
        d.adjustments.push(Adjustment::Rake { margins: last });
        Ok(d)
    }

    /// Calibrates the weights to population totals of the columns of `x` (R's `calibrate`).
    pub fn calibrate(
        &self,
        x: &ModelMatrix,
        totals: &[f64],
        options: CalibrateOptions,
    ) -> Result<Design> {
        let p = x.columns.len();
        if totals.len() != p {
            return Err(invalid(
                "population",
                format!("{} totals for {p} calibration variables", totals.len()),
            ));
        }
        for (name, c) in x.names.iter().zip(&x.columns) {
            if c.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: name.clone(),
                    expected: self.n,
                    found: c.len(),
                });
            }
        }
        let ww = &self.w;
        let (g, inv) = g_weights(x, ww, totals, options)?;
        let mut d = self.clone();
        d.w = ww.iter().zip(&g).map(|(w, g)| w * g).collect();
        d.adjustments.push(Adjustment::Greg {
            x: x.columns.clone(),
            w0: ww.clone(),
            g,
            inv,
        });
        Ok(d)
    }

    /// Trims weights to [lower, upper], sharing the trimmed amount equally among the other
    /// rows (R's `trimWeights`); `strict` repeats until no weight is outside.
    pub fn trim_weights(&self, lower: f64, upper: f64, strict: bool) -> Result<Design> {
        if lower.is_nan() || upper.is_nan() || lower > upper {
            return Err(invalid(
                "trim",
                format!("bounds [{lower}, {upper}] are not an interval"),
            ));
        }
        let mut d = self.clone();
        for _ in 0..1000 {
            let outside: Vec<bool> = d.w.iter().map(|&w| w < lower || w > upper).collect();
            let n_out = outside.iter().filter(|&&b| b).count();
            if n_out == 0 {
                break;
            }
            if n_out == d.n {
                return Err(invalid(
                    "trim",
                    "every weight is outside the bounds / mọi trọng số đều ngoài giới hạn",
                ));
            }
            let mut trimmed = 0.0;
            for w in d.w.iter_mut() {
                let c = w.clamp(lower, upper);
                trimmed += *w - c;
                *w = c;
            }
            let share = trimmed / (d.n - n_out) as f64;
            for (w, out) in d.w.iter_mut().zip(&outside) {
                if !out {
                    *w += share;
                }
            }
            if !strict {
                break;
            }
        }
        check_weights(&d.w)?;
        Ok(d)
    }
}

/// Calibration g-weights of weights `ww` to `totals` (R's `regcalibrate` closed form for the
/// unbounded linear distance, `grake` otherwise), with the inverse of Σ w x x'.
pub(crate) fn g_weights(
    x: &ModelMatrix,
    ww: &[f64],
    totals: &[f64],
    options: CalibrateOptions,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let p = x.columns.len();
    let sample: Vec<f64> = x
        .columns
        .iter()
        .map(|c| c.iter().zip(ww).map(|(a, w)| a * w).sum())
        .collect();
    let tmat = crossprod(&x.columns, ww, None);
    let inv = linalg::invert(&tmat, p).ok_or_else(|| StatsError::BadMargin {
        margin: x.names.join(", "),
        reason: "calibration variables are collinear / các biến hiệu chỉnh cộng tuyến".into(),
    })?;
    let g: Vec<f64> = match (options.calfun, options.bounds) {
        (CalFun::Linear, None) => {
            let diff: Vec<f64> = totals.iter().zip(&sample).map(|(t, s)| t - s).collect();
            let lambda = linalg::mat_vec(&inv, &diff, p);
            (0..ww.len())
                .map(|i| 1.0 + (0..p).map(|j| x.columns[j][i] * lambda[j]).sum::<f64>())
                .collect()
        }
        _ => grake(x, ww, &sample, totals, options)?,
    };
    Ok((g, inv))
}

/// Σ w_i d_i x_i x_i' for columns x.
fn crossprod(cols: &[Vec<f64>], w: &[f64], d: Option<&[f64]>) -> Vec<f64> {
    let p = cols.len();
    let mut t = vec![0.0; p * p];
    for a in 0..p {
        for b in a..p {
            let mut s = 0.0;
            for i in 0..w.len() {
                let wi = match d {
                    Some(d) => w[i] * d[i],
                    None => w[i],
                };
                s += wi * cols[a][i] * cols[b][i];
            }
            t[a * p + b] = s;
            t[b * p + a] = s;
        }
    }
    t
}

/// Newton iterations of R's `grake` for the linear-with-bounds and raking distances.
fn grake(
    x: &ModelMatrix,
    ww0: &[f64],
    sample0: &[f64],
    totals: &[f64],
    options: CalibrateOptions,
) -> Result<Vec<f64>> {
    let p = x.columns.len();
    let n = ww0.len();
    let (lo, hi) = options.bounds.unwrap_or((f64::NEG_INFINITY, f64::INFINITY));
    let fm1 = |u: f64| -> f64 {
        match options.calfun {
            CalFun::Raking => u.exp().clamp(lo, hi) - 1.0,
            CalFun::Linear => u.clamp(lo - 1.0, hi - 1.0),
        }
    };
    let df = |u: f64| -> f64 {
        match options.calfun {
            CalFun::Raking => {
                // As R's cal.raking: the derivative's window is on u itself.
                if u < hi - 1.0 && u > lo - 1.0 {
                    u.exp()
                } else {
                    0.0
                }
            }
            CalFun::Linear => {
                if u < hi - 1.0 && u > lo - 1.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
    };
    let scales: Vec<f64> = totals.iter().zip(sample0).map(|(t, s)| t / s).collect();
    let (ww, sample, scale) = if scales.iter().all(|&s| s > 20.0) {
        let sc = scales.iter().sum::<f64>() / p as f64;
        (
            ww0.iter().map(|w| w * sc).collect::<Vec<f64>>(),
            sample0.iter().map(|s| s * sc).collect::<Vec<f64>>(),
            Some(sc),
        )
    } else {
        (ww0.to_vec(), sample0.to_vec(), None)
    };
    let xeta_of = |eta: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|i| (0..p).map(|j| x.columns[j][i] * eta[j]).sum())
            .collect()
    };
    let misfit_of = |xeta: &[f64]| -> Vec<f64> {
        (0..p)
            .map(|j| {
                let s: f64 = (0..n).map(|i| x.columns[j][i] * ww[i] * fm1(xeta[i])).sum();
                totals[j] - sample[j] - s
            })
            .collect()
    };
    let mut eta = vec![0.0; p];
    let mut xeta = vec![0.0; n];
    let mut deriv: Vec<f64> = xeta.iter().map(|&u| df(u)).collect();
    let mut iter = 1;
    loop {
        let tmat = crossprod(&x.columns, &ww, Some(&deriv));
        let misfit = misfit_of(&xeta);
        let inv = linalg::invert(&tmat, p).ok_or_else(|| StatsError::NoConvergence {
            margin: x.names.join(", "),
            off: misfit.iter().fold(0.0, |a: f64, b| a.max(b.abs())),
            iterations: iter,
        })?;
        let mut deta = linalg::mat_vec(&inv, &misfit, p);
        for (e, d) in eta.iter_mut().zip(&deta) {
            *e += d;
        }
        xeta = xeta_of(&eta);
        let mut g: Vec<f64> = xeta.iter().map(|&u| 1.0 + fm1(u)).collect();
        deriv = xeta.iter().map(|&u| df(u)).collect();
        while iter < options.maxit && g.iter().chain(&deriv).any(|v| !v.is_finite()) {
            iter += 1;
            for (e, d) in eta.iter_mut().zip(deta.iter_mut()) {
                *d /= 2.0;
                *e -= *d;
            }
            xeta = xeta_of(&eta);
            g = xeta.iter().map(|&u| 1.0 + fm1(u)).collect();
            deriv = xeta.iter().map(|&u| df(u)).collect();
        }
        let misfit = misfit_of(&xeta);
        let worst = misfit
            .iter()
            .zip(totals)
            .enumerate()
            .map(|(j, (m, t))| (j, m.abs() / (1.0 + t.abs()), *m))
            .fold((0, -1.0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
        if worst.1 < options.epsilon {
            if let Some(sc) = scale {
                g.iter_mut().for_each(|v| *v *= sc);
            }
            return Ok(g);
        }
        iter += 1;
        if iter > options.maxit {
            return Err(StatsError::NoConvergence {
                margin: x.names[worst.0].clone(),
                off: -worst.2,
                iterations: iter - 1,
            });
        }
    }
}
