//! Estimators with Taylor-linearisation standard errors: totals, means, ratios, proportions,
//! population variances, domains (R's `svyby`), design effects and confidence intervals.

use crate::data::Factor;
use crate::design::Design;
use crate::dist;
use crate::error::{Result, StatsError, degenerate, invalid};

/// One estimated statistic.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// What was estimated (variable, level or domain).
    pub label: String,
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// Design effect (R's `deff=TRUE`, without-replacement SRS reference) when defined.
    pub deff: Option<f64>,
    /// Design degrees of freedom of the (sub)population: PSUs minus strata.
    pub df: f64,
}

/// Which reference distribution a confidence interval uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interval {
    /// Normal quantiles (R's `confint()` default).
    #[default]
    Normal,
    /// Student t with the design degrees of freedom (`confint(df=degf(design))`).
    T,
}

impl Estimate {
    /// Confidence interval at `level` (for example 0.95).
    pub fn ci(&self, level: f64, interval: Interval) -> (f64, f64) {
        let df = match interval {
            Interval::Normal => f64::INFINITY,
            Interval::T => self.df,
        };
        ci_bounds(self.estimate, self.se, level, df)
    }

    /// Coefficient of variation (SE / estimate).
    pub fn cv(&self) -> f64 {
        self.se / self.estimate
    }
}

/// estimate ± quantile × se with a t (or normal when `df` is infinite) quantile, as R's `tconfint`.
pub fn ci_bounds(est: f64, se: f64, level: f64, df: f64) -> (f64, f64) {
    let a = (1.0 - level) / 2.0;
    let q = if df > 0.0 { dist::qt(a, df) } else { f64::NAN };
    (est + se * q, est - se * q)
}

pub(crate) fn in_domain(domain: Option<&[bool]>, i: usize) -> bool {
    domain.is_none_or(|d| d[i])
}

pub(crate) fn check_domain(design: &Design, domain: Option<&[bool]>) -> Result<()> {
    if let Some(d) = domain {
        if d.len() != design.n {
            return Err(StatsError::RaggedColumns {
                column: "domain".into(),
                expected: design.n,
                found: d.len(),
            });
        }
        if !d.iter().zip(&design.w).any(|(&b, &w)| b && w != 0.0) {
            return Err(StatsError::EmptyDomain {
                domain: "subset".into(),
            });
        }
    }
    Ok(())
}

pub(crate) fn check_values(design: &Design, y: &[f64], domain: Option<&[bool]>) -> Result<()> {
    if y.len() != design.n {
        return Err(StatsError::RaggedColumns {
            column: "variable".into(),
            expected: design.n,
            found: y.len(),
        });
    }
    for (i, &v) in y.iter().enumerate() {
        if !v.is_finite() && in_domain(domain, i) {
            return Err(StatsError::MissingValue {
                column: "variable".into(),
                row: i + 1,
            });
        }
    }
    Ok(())
}

/// Weighted population variance of `y` in the domain with the n/(n-1) factor (R's `svyvar`
/// point estimate), plus the domain's weight sum and count of non-zero weights.
fn srs_parts(design: &Design, y: &[f64], domain: Option<&[bool]>) -> (f64, f64, f64) {
    let mut psum = 0.0;
    let mut sy = 0.0;
    let mut nobs = 0.0;
    for i in 0..design.n {
        if in_domain(domain, i) {
            let w = design.w[i];
            psum += w;
            sy += w * y[i];
            if w != 0.0 {
                nobs += 1.0;
            }
        }
    }
    let mean = sy / psum;
    let mut ss = 0.0;
    for i in 0..design.n {
        if in_domain(domain, i) {
            let d = y[i] - mean;
            ss += design.w[i] * d * d;
        }
    }
    (ss / psum * nobs / (nobs - 1.0), psum, nobs)
}

impl Design {
    /// Population total of `y` (R's `svytotal`), optionally in a domain.
    pub fn total(&self, y: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        Ok(self.totals(&[y], domain)?.remove(0))
    }

    /// Totals of several variables with one variance pass.
    pub fn totals(&self, ys: &[&[f64]], domain: Option<&[bool]>) -> Result<Vec<Estimate>> {
        check_domain(self, domain)?;
        let mut ests = Vec::with_capacity(ys.len());
        for y in ys {
            check_values(self, y, domain)?;
            let mut t = 0.0;
            for i in 0..self.n {
                if in_domain(domain, i) {
                    t += y[i] * self.w[i];
                }
            }
            ests.push(t);
        }
        let k = ys.len();
        let v = self.vcov_rows(k, domain, |i, out| {
            let inside = in_domain(domain, i);
            for (j, y) in ys.iter().enumerate() {
                out[j] = if inside { y[i] * self.w[i] } else { 0.0 };
            }
        })?;
        let df = self.degf(domain);
        Ok(ys
            .iter()
            .enumerate()
            .map(|(j, y)| {
                let var = v[j * k + j];
                let (s2, psum, nobs) = srs_parts(self, y, domain);
                let vsrs = s2 * psum * psum * (psum - nobs) / (psum * nobs);
                Estimate {
                    label: String::new(),
                    estimate: ests[j],
                    se: var.sqrt(),
                    deff: Some(var / vsrs),
                    df,
                }
            })
            .collect())
    }

    /// Population mean of `y` (R's `svymean`), optionally in a domain.
    pub fn mean(&self, y: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        Ok(self.means(&[y], domain)?.remove(0))
    }

    /// Means of several variables with one variance pass.
    pub fn means(&self, ys: &[&[f64]], domain: Option<&[bool]>) -> Result<Vec<Estimate>> {
        Ok(self.means_cov(ys, domain)?.0)
    }

    /// Means and their full variance-covariance matrix (row-major).
    pub fn means_cov(
        &self,
        ys: &[&[f64]],
        domain: Option<&[bool]>,
    ) -> Result<(Vec<Estimate>, Vec<f64>)> {
        check_domain(self, domain)?;
        let k = ys.len();
        for y in ys {
            if y.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: "variable".into(),
                    expected: self.n,
                    found: y.len(),
                });
            }
        }
        if domain.is_none() && self.single_pass() {
            return self.means_fast(ys);
        }
        // Pass 1: weight sum, weighted sums, missing values.
        let (mut psum, mut nobs) = (0.0, 0.0);
        let mut sy = vec![0.0; k];
        for i in 0..self.n {
            if in_domain(domain, i) {
                let w = self.w[i];
                psum += w;
                if w != 0.0 {
                    nobs += 1.0;
                }
                for (j, y) in ys.iter().enumerate() {
                    let v = y[i];
                    if !v.is_finite() {
                        return Err(StatsError::MissingValue {
                            column: "variable".into(),
                            row: i + 1,
                        });
                    }
                    sy[j] += v * w;
                }
            }
        }
        let ests: Vec<f64> = sy.iter().map(|s| s / psum).collect();
        // Pass 2: PSU totals of the influence values and the SRS variances (for deff).
        let mut ss = vec![0.0; k];
        let v = self.vcov_rows(k, domain, |i, out| {
            if in_domain(domain, i) {
                let w = self.w[i];
                for (j, y) in ys.iter().enumerate() {
                    let d = y[i] - ests[j];
                    out[j] = d * w / psum;
                    ss[j] += w * d * d;
                }
            } else {
                out.iter_mut().for_each(|x| *x = 0.0);
            }
        })?;
        let df = self.degf(domain);
        let out = (0..k)
            .map(|j| {
                let var = v[j * k + j];
                let s2 = ss[j] / psum * nobs / (nobs - 1.0);
                let deff = if psum < nobs {
                    None
                } else {
                    Some(var / (s2 * (psum - nobs) / (psum * nobs)))
                };
                Estimate {
                    label: String::new(),
                    estimate: ests[j],
                    se: var.sqrt(),
                    deff,
                    df,
                }
            })
            .collect();
        Ok((out, v))
    }

    /// The influence values of the means of `ys` over `domain`, row by row (one column per
    /// variable): `w (y - mean) / Σw` inside the domain, 0 outside, then the weighting's
    /// adjustments (calibration residuals). Their PSU totals are what the variance is made of;
    /// two estimates' covariance across samples that share units (a panel) is made of the
    /// products of the shared units' values.
    pub fn mean_influences(&self, ys: &[&[f64]], domain: Option<&[bool]>) -> Result<Vec<Vec<f64>>> {
        check_domain(self, domain)?;
        let means = self.means(ys, domain)?;
        let psum: f64 = (0..self.n)
            .filter(|&i| in_domain(domain, i))
            .map(|i| self.w[i])
            .sum();
        let mut cols: Vec<Vec<f64>> = ys
            .iter()
            .zip(&means)
            .map(|(y, m)| {
                (0..self.n)
                    .map(|i| {
                        if in_domain(domain, i) {
                            self.w[i] * (y[i] - m.estimate) / psum
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        self.adjust(&mut cols);
        Ok(cols)
    }

    /// Means over the whole sample of a single-pass design in one pass over the rows.
    ///
    /// PSU totals of the influence values are (Σ_psu y w − m Σ_psu w) / Σ w, so the pass only
    /// sums y w and w per PSU (in registers while consecutive rows share a PSU); the SRS
    /// variances for the design effect use sums shifted by the first value, which keeps them
    /// accurate.
    fn means_fast(&self, ys: &[&[f64]]) -> Result<(Vec<Estimate>, Vec<f64>)> {
        let k = ys.len();
        let n = self.n;
        let w = &self.w;
        let psu = &self.stages[0].cluster;
        let np = self.stages[0].n_clusters();
        let mut tyw = vec![0.0; np * k];
        let mut tw = vec![0.0; np];
        let shift: Vec<f64> = ys.iter().map(|y| y[0]).collect();
        let mut lin = vec![0.0; k];
        let mut sq = vec![0.0; k];
        let mut run = vec![0.0; k];
        let mut run_w = 0.0;
        let mut nobs = 0.0;
        let mut cur = psu[0] as usize;
        for i in 0..n {
            let c = psu[i] as usize;
            if c != cur {
                for j in 0..k {
                    tyw[cur * k + j] += run[j];
                    run[j] = 0.0;
                }
                tw[cur] += run_w;
                run_w = 0.0;
                cur = c;
            }
            let wi = w[i];
            run_w += wi;
            if wi != 0.0 {
                nobs += 1.0;
            }
            for j in 0..k {
                let y = ys[j][i];
                run[j] += y * wi;
                let d = y - shift[j];
                let wd = wi * d;
                lin[j] += wd;
                sq[j] += wd * d;
            }
        }
        for j in 0..k {
            tyw[cur * k + j] += run[j];
        }
        tw[cur] += run_w;
        let psum: f64 = tw.iter().sum();
        let mut ests = Vec::with_capacity(k);
        for j in 0..k {
            let s: f64 = (0..np).map(|c| tyw[c * k + j]).sum();
            if !s.is_finite() || !sq[j].is_finite() {
                check_values(self, ys[j], None)?;
            }
            ests.push(s / psum);
        }
        let mut tot = tyw;
        for c in 0..np {
            for j in 0..k {
                tot[c * k + j] = (tot[c * k + j] - ests[j] * tw[c]) / psum;
            }
        }
        let mut v = vec![0.0; k * k];
        self.stage_variance(0, &tot, k, None, &mut v)?;
        let df = self.degf(None);
        let out = (0..k)
            .map(|j| {
                let var = v[j * k + j];
                let ss = (sq[j] - lin[j] * lin[j] / psum).max(0.0);
                let s2 = ss / psum * nobs / (nobs - 1.0);
                Estimate {
                    label: String::new(),
                    estimate: ests[j],
                    se: var.sqrt(),
                    deff: (psum >= nobs).then(|| var / (s2 * (psum - nobs) / (psum * nobs))),
                    df,
                }
            })
            .collect();
        Ok((out, v))
    }

    /// Proportion of each level of a factor (R's `svymean(~factor(x))`), labelled by level.
    pub fn proportions(&self, f: &Factor, domain: Option<&[bool]>) -> Result<Vec<Estimate>> {
        f.check("factor")?;
        let ind = indicators(f);
        let refs: Vec<&[f64]> = ind.iter().map(|v| v.as_slice()).collect();
        let mut out = self.means(&refs, domain)?;
        for (e, l) in out.iter_mut().zip(&f.levels) {
            e.label = l.clone();
        }
        Ok(out)
    }

    /// Estimated population count of each level of a factor (R's `svytotal(~factor(x))`).
    pub fn level_totals(&self, f: &Factor, domain: Option<&[bool]>) -> Result<Vec<Estimate>> {
        f.check("factor")?;
        let ind = indicators(f);
        let refs: Vec<&[f64]> = ind.iter().map(|v| v.as_slice()).collect();
        let mut out = self.totals(&refs, domain)?;
        for (e, l) in out.iter_mut().zip(&f.levels) {
            e.label = l.clone();
        }
        Ok(out)
    }

    /// Ratio of two population totals (R's `svyratio`), optionally in a domain.
    pub fn ratio(&self, num: &[f64], den: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        check_domain(self, domain)?;
        check_values(self, num, domain)?;
        check_values(self, den, domain)?;
        let (mut ty, mut tx) = (0.0, 0.0);
        for i in 0..self.n {
            if in_domain(domain, i) {
                ty += num[i] * self.w[i];
                tx += den[i] * self.w[i];
            }
        }
        if tx == 0.0 {
            return Err(degenerate(
                "ratio",
                "the denominator total is zero / tổng mẫu số bằng 0",
            ));
        }
        let r = ty / tx;
        let z: Vec<f64> = (0..self.n)
            .map(|i| {
                if in_domain(domain, i) {
                    (num[i] - r * den[i]) / tx
                } else {
                    0.0
                }
            })
            .collect();
        let x: Vec<f64> = z.iter().zip(&self.w).map(|(a, w)| a * w).collect();
        let v = self.vcov(vec![x], domain)?[0];
        let (s2, psum, nobs) = srs_parts(self, &z, domain);
        let vsrs = s2 * psum * psum * (psum - nobs) / (psum * nobs);
        Ok(Estimate {
            label: String::new(),
            estimate: r,
            se: v.sqrt(),
            deff: Some(v / vsrs),
            df: self.degf(domain),
        })
    }

    /// Population variance of `y` (R's `svyvar`) with its standard error.
    pub fn variance(&self, y: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        check_domain(self, domain)?;
        check_values(self, y, domain)?;
        let m = self.mean(y, domain)?.estimate;
        let mut nobs = 0.0;
        for i in 0..self.n {
            if in_domain(domain, i) && self.w[i] != 0.0 {
                nobs += 1.0;
            }
        }
        if nobs < 2.0 {
            return Err(degenerate(
                "variance",
                "fewer than two observations / ít hơn hai quan sát",
            ));
        }
        let z: Vec<f64> = y
            .iter()
            .map(|&v| (v - m) * (v - m) * nobs / (nobs - 1.0))
            .collect();
        let mut e = self.mean(&z, domain)?;
        e.deff = None;
        Ok(e)
    }

    /// Runs an estimator in every level of `by` (R's `svyby`), returning `(level, estimates)`.
    /// Levels without respondents are skipped like R's `drop.empty.groups`.
    pub fn by<F>(&self, by: &Factor, mut f: F) -> Result<Vec<(String, Vec<Estimate>)>>
    where
        F: FnMut(&Design, &[bool]) -> Result<Vec<Estimate>>,
    {
        if by.len() != self.n {
            return Err(StatsError::RaggedColumns {
                column: "by".into(),
                expected: self.n,
                found: by.len(),
            });
        }
        by.check("by")?;
        let mut out = Vec::new();
        let mut mask = vec![false; self.n];
        for (l, label) in by.levels.iter().enumerate() {
            let mut any = false;
            for i in 0..self.n {
                mask[i] = by.codes[i] == l as u32;
                any |= mask[i] && self.w[i] != 0.0;
            }
            if !any {
                continue;
            }
            out.push((label.clone(), f(self, &mask)?));
        }
        Ok(out)
    }

    /// Means of several variables in every level of `by` (R's `svyby(~y, ~by, svymean)`),
    /// in two passes over the rows when the design allows it.
    pub fn means_by(&self, ys: &[&[f64]], by: &Factor) -> Result<Vec<(String, Vec<Estimate>)>> {
        if by.len() != self.n {
            return Err(StatsError::RaggedColumns {
                column: "by".into(),
                expected: self.n,
                found: by.len(),
            });
        }
        by.check("by")?;
        for y in ys {
            check_values(self, y, None)?;
        }
        if self.lonely == crate::design::LonelyPsu::Average || !self.single_pass() {
            // The average rule depends on the domain, weighting needs row-level columns.
            return self.by(by, |d, mask| d.means(ys, Some(mask)));
        }
        let nl = by.n_levels();
        let nv = ys.len();
        let st = &self.stages[0];
        let np = st.n_clusters();
        let psu = &st.cluster;
        let k = nl * nv;
        // One pass: per PSU and level, Σ y w and Σ w; per level, shifted sums for the deff.
        let mut syw = vec![0.0; np * k];
        let mut sw = vec![0.0; np * nl];
        let mut nobs = vec![0.0; nl];
        let mut present = vec![false; nl * np];
        let shift: Vec<f64> = ys.iter().map(|y| y[0]).collect();
        let mut lin = vec![0.0; k];
        let mut sq = vec![0.0; k];
        for i in 0..self.n {
            let l = by.codes[i] as usize;
            let c = psu[i] as usize;
            let w = self.w[i];
            sw[c * nl + l] += w;
            if w != 0.0 {
                nobs[l] += 1.0;
                present[l * np + c] = true;
            }
            let base = c * k + l * nv;
            for (j, y) in ys.iter().enumerate() {
                let v = y[i];
                syw[base + j] += v * w;
                let d = v - shift[j];
                lin[l * nv + j] += w * d;
                sq[l * nv + j] += w * d * d;
            }
        }
        let mut psum = vec![0.0; nl];
        let mut sums = vec![0.0; k];
        for c in 0..np {
            for l in 0..nl {
                psum[l] += sw[c * nl + l];
            }
            for x in 0..k {
                sums[x] += syw[c * k + x];
            }
        }
        let levels: Vec<usize> = (0..nl).filter(|&l| psum[l] > 0.0).collect();
        let means: Vec<f64> = (0..k).map(|x| sums[x] / psum[x / nv]).collect();
        let ss: Vec<f64> = (0..k)
            .map(|x| (sq[x] - lin[x] * lin[x] / psum[x / nv]).max(0.0))
            .collect();
        let mut tot = syw;
        for c in 0..np {
            for l in 0..nl {
                for j in 0..nv {
                    let x = l * nv + j;
                    tot[c * k + x] = (tot[c * k + x] - means[x] * sw[c * nl + l]) / psum[l];
                }
            }
        }
        let var = self.stage_variance_diag(0, &tot, k)?;
        let mut out = Vec::with_capacity(levels.len());
        for &l in &levels {
            let mut psus = 0.0;
            let mut strata = vec![false; st.n_strata()];
            for c in 0..np {
                if present[l * np + c] {
                    psus += 1.0;
                    strata[st.cluster_stratum[c] as usize] = true;
                }
            }
            let df = psus - strata.iter().filter(|&&b| b).count() as f64;
            let ests = (0..nv)
                .map(|j| {
                    let v = var[l * nv + j];
                    let (ps, no) = (psum[l], nobs[l]);
                    let s2 = ss[l * nv + j] / ps * no / (no - 1.0);
                    Estimate {
                        label: String::new(),
                        estimate: means[l * nv + j],
                        se: v.sqrt(),
                        deff: if ps < no {
                            None
                        } else {
                            Some(v / (s2 * (ps - no) / (ps * no)))
                        },
                        df,
                    }
                })
                .collect();
            out.push((by.levels[l].clone(), ests));
        }
        Ok(out)
    }
}

/// 0/1 indicator columns of each level of a factor.
pub(crate) fn indicators(f: &Factor) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; f.len()]; f.n_levels()];
    for (i, &c) in f.codes.iter().enumerate() {
        out[c as usize][i] = 1.0;
    }
    out
}

pub(crate) fn check_level(level: f64) -> Result<()> {
    if !(level > 0.0 && level < 1.0) {
        return Err(invalid("level", format!("{level} must be between 0 and 1")));
    }
    Ok(())
}
