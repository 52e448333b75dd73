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

    /// Proportion of each level of a factor (R's `svymean(~factor(x))`), labelled by level.
    pub fn proportions(&self, f: &Factor, domain: Option<&[bool]>) -> Result<Vec<Estimate>> {
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
        let mut psum = vec![0.0; nl];
        let mut nobs = vec![0.0; nl];
        let mut sums = vec![0.0; nl * nv];
        let mut present = vec![false; nl * np];
        for i in 0..self.n {
            let l = by.codes[i] as usize;
            let w = self.w[i];
            psum[l] += w;
            if w != 0.0 {
                nobs[l] += 1.0;
                present[l * np + psu[i] as usize] = true;
            }
            for (j, y) in ys.iter().enumerate() {
                sums[l * nv + j] += y[i] * w;
            }
        }
        let levels: Vec<usize> = (0..nl).filter(|&l| psum[l] > 0.0).collect();
        let mut slot = vec![usize::MAX; nl];
        for (li, &l) in levels.iter().enumerate() {
            slot[l] = li;
        }
        let means: Vec<f64> = (0..nl * nv).map(|x| sums[x] / psum[x / nv]).collect();
        let k = levels.len() * nv;
        let mut tot = vec![0.0; np * k];
        let mut ss = vec![0.0; nl * nv];
        for i in 0..self.n {
            let l = by.codes[i] as usize;
            let li = slot[l];
            if li == usize::MAX {
                continue;
            }
            let w = self.w[i];
            let base = psu[i] as usize * k + li * nv;
            for (j, y) in ys.iter().enumerate() {
                let d = y[i] - means[l * nv + j];
                tot[base + j] += d * w / psum[l];
                ss[l * nv + j] += w * d * d;
            }
        }
        let var = self.stage_variance_diag(0, &tot, k)?;
        let mut out = Vec::with_capacity(levels.len());
        for (li, &l) in levels.iter().enumerate() {
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
                    let v = var[li * nv + j];
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
