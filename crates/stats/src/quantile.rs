//! Quantiles (R's `svyquantile` with `qrule="math"` or `"hf7"` and Woodruff intervals) and
//! confidence intervals for proportions (R's `svyciprop`).

use std::str::FromStr;

use crate::design::Design;
use crate::dist;
use crate::error::{Result, StatsError, degenerate, invalid};
use crate::estimate::{Estimate, check_domain, check_level, check_values, in_domain};

/// How a weighted quantile is read off the weighted distribution function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuantileRule {
    /// R's `qrule="math"`: the inverse of the weighted empirical distribution function.
    #[default]
    Math,
    /// R's `qrule="hf7"`: linear interpolation, Hyndman and Fan type 7 with weights.
    Hf7,
}

impl FromStr for QuantileRule {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "math" => Ok(QuantileRule::Math),
            "hf7" => Ok(QuantileRule::Hf7),
            o => Err(invalid("qrule", format!("`{o}`: use math or hf7"))),
        }
    }
}

/// A quantile with its Woodruff confidence interval.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileEstimate {
    /// Probability (0..1).
    pub p: f64,
    /// Quantile.
    pub estimate: f64,
    /// Lower confidence limit (NaN when the interval leaves [0, 1]).
    pub lower: f64,
    /// Upper confidence limit.
    pub upper: f64,
    /// Standard error derived from the interval width (R's convention).
    pub se: f64,
}

/// Compensated running sum (close to R's long-double accumulation).
#[derive(Default, Clone, Copy)]
struct Neumaier {
    sum: f64,
    c: f64,
}

impl Neumaier {
    fn add(&mut self, x: f64) {
        let t = self.sum + x;
        if self.sum.abs() >= x.abs() {
            self.c += (self.sum - t) + x;
        } else {
            self.c += (x - t) + self.sum;
        }
        self.sum = t;
    }
    fn value(&self) -> f64 {
        self.sum + self.c
    }
}

/// Sorted (value, weight) pairs of the domain with non-zero weight.
pub(crate) fn sorted_pairs(y: &[f64], w: &[f64], domain: Option<&[bool]>) -> Vec<(f64, f64)> {
    let mut v: Vec<(f64, f64)> = y
        .iter()
        .zip(w)
        .enumerate()
        .filter(|&(i, (_, &w))| w != 0.0 && in_domain(domain, i))
        .map(|(_, (&y, &w))| (y, w))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    v
}

/// Weighted quantile of already sorted pairs under a rule.
pub(crate) fn quantile_sorted(v: &[(f64, f64)], p: f64, rule: QuantileRule) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let mut acc = Neumaier::default();
    let cumw: Vec<f64> = v
        .iter()
        .map(|&(_, w)| {
            acc.add(w);
            acc.value()
        })
        .collect();
    match rule {
        QuantileRule::Math => {
            let total = cumw[n - 1];
            let target = p * total;
            let pos = match cumw.iter().rposition(|&c| c <= target) {
                Some(pos) => pos,
                None => return v[0].0,
            };
            let next = if pos == n - 1 { pos } else { pos + 1 };
            let wlow = p - cumw[pos] / total;
            if wlow == 0.0 { v[pos].0 } else { v[next].0 }
        }
        QuantileRule::Hf7 => {
            if n == 1 {
                return v[0].0;
            }
            let denom = cumw[n - 2];
            let pk: Vec<f64> = (0..n)
                .map(|i| if i == 0 { 0.0 } else { cumw[i - 1] / denom })
                .collect();
            // R's approx(rule = 2): clamp outside, then linear between neighbours.
            if p <= pk[0] {
                return v[0].0;
            }
            if p >= pk[n - 1] {
                return v[n - 1].0;
            }
            let (mut i, mut j) = (0usize, n - 1);
            while i < j - 1 {
                let ij = (i + j) / 2;
                if p < pk[ij] {
                    j = ij;
                } else {
                    i = ij;
                }
            }
            if p == pk[j] {
                return v[j].0;
            }
            if p == pk[i] {
                return v[i].0;
            }
            v[i].0 + (v[j].0 - v[i].0) * ((p - pk[i]) / (pk[j] - pk[i]))
        }
    }
}

/// Weighted quantile of `y` with weights `w` (rows with zero weight are ignored).
pub fn weighted_quantile(y: &[f64], w: &[f64], p: f64, rule: QuantileRule) -> f64 {
    quantile_sorted(&sorted_pairs(y, w, None), p, rule)
}

/// Method of a proportion's confidence interval (R's `svyciprop(method=)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CipropMethod {
    /// Wald interval on the logit scale (R's default, from a quasi-binomial model).
    #[default]
    Logit,
    /// Profile-likelihood interval of the Rao-Scott scaled binomial likelihood.
    Likelihood,
    /// Wald interval on the arcsine square-root scale.
    Asin,
    /// Clopper-Pearson (beta) interval with the Korn-Graubard effective sample size.
    Beta,
    /// Wald interval on the proportion scale.
    Mean,
    /// Logit transform by the delta method (same limits as `Logit`).
    Xlogit,
}

impl FromStr for CipropMethod {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "logit" => CipropMethod::Logit,
            "likelihood" => CipropMethod::Likelihood,
            "asin" => CipropMethod::Asin,
            "beta" => CipropMethod::Beta,
            "mean" => CipropMethod::Mean,
            "xlogit" => CipropMethod::Xlogit,
            o => {
                return Err(invalid(
                    "method",
                    format!("`{o}`: use logit, likelihood, asin, beta, mean or xlogit"),
                ));
            }
        })
    }
}

/// A proportion with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct PropInterval {
    /// Proportion, SE (of the proportion), design df.
    pub estimate: Estimate,
    /// Lower limit.
    pub lower: f64,
    /// Upper limit.
    pub upper: f64,
}

fn expit(x: f64) -> f64 {
    1.0 - 1.0 / (1.0 + x.exp())
}

impl Design {
    /// Quantiles of `y` with Woodruff intervals at confidence `level` (R's `svyquantile`,
    /// `interval.type="mean"`). `df`: `None` uses the design degrees of freedom, infinity the
    /// normal distribution.
    pub fn quantiles(
        &self,
        y: &[f64],
        probs: &[f64],
        rule: QuantileRule,
        level: f64,
        df: Option<f64>,
        domain: Option<&[bool]>,
    ) -> Result<Vec<QuantileEstimate>> {
        check_domain(self, domain)?;
        check_values(self, y, domain)?;
        check_level(level)?;
        let df = df.unwrap_or_else(|| self.degf(domain));
        let alpha = 1.0 - level;
        let sorted = sorted_pairs(y, &self.w, domain);
        let mut out = Vec::with_capacity(probs.len());
        for &p in probs {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid("quantile", format!("{p} is not between 0 and 1")));
            }
            let q = quantile_sorted(&sorted, p, rule);
            let below: Vec<f64> = y.iter().map(|&v| if v <= q { 1.0 } else { 0.0 }).collect();
            let m = self.mean(&below, domain)?;
            let (lo_p, hi_p) = crate::estimate::ci_bounds(m.estimate, m.se, level, df);
            let lower = if lo_p.is_nan() || lo_p < 0.0 {
                f64::NAN
            } else {
                quantile_sorted(&sorted, lo_p, rule)
            };
            let upper = if hi_p.is_nan() || hi_p > 1.0 {
                f64::NAN
            } else {
                quantile_sorted(&sorted, hi_p, rule)
            };
            let qcrit = dist::qt(1.0 - alpha / 2.0, df);
            out.push(QuantileEstimate {
                p,
                estimate: q,
                lower,
                upper,
                se: (upper - lower) / (2.0 * qcrit),
            });
        }
        Ok(out)
    }

    /// Proportion of rows where `indicator` is 1 with an interval (R's `svyciprop`).
    pub fn ciprop(
        &self,
        indicator: &[f64],
        method: CipropMethod,
        level: f64,
        domain: Option<&[bool]>,
    ) -> Result<PropInterval> {
        check_level(level)?;
        let m = self.mean(indicator, domain)?;
        let df = m.df;
        let p = m.estimate;
        let se = m.se;
        let alpha = 1.0 - level;
        let t = dist::qt(1.0 - alpha / 2.0, df);
        let (lower, upper) = match method {
            CipropMethod::Mean => (p - t * se, p + t * se),
            CipropMethod::Asin => {
                let th = p.sqrt().asin();
                let s = se / (2.0 * (p * (1.0 - p)).sqrt());
                ((th - t * s).sin().powi(2), (th + t * s).sin().powi(2))
            }
            CipropMethod::Logit | CipropMethod::Xlogit => {
                let th = (p / (1.0 - p)).ln();
                let s = se / (p * (1.0 - p));
                (expit(th - t * s), expit(th + t * s))
            }
            CipropMethod::Beta => {
                // nrow() of R's subset: the domain's rows, or every row (weight zero outside)
                // once the weights were calibrated.
                let rows = match domain {
                    Some(d) if !self.is_calibrated() => d.iter().filter(|&&b| b).count(),
                    _ => self.n,
                } as f64;
                let mut neff = p * (1.0 - p) / (se * se);
                let ratio = dist::qt(alpha / 2.0, rows - 1.0) / dist::qt(alpha / 2.0, df);
                neff *= ratio * ratio;
                (
                    dist::qbeta(alpha / 2.0, neff * p, neff * (1.0 - p) + 1.0),
                    dist::qbeta(1.0 - alpha / 2.0, neff * p + 1.0, neff * (1.0 - p)),
                )
            }
            CipropMethod::Likelihood => {
                self.likelihood_interval(p, se, indicator, level, df, domain)?
            }
        };
        Ok(PropInterval {
            estimate: m,
            lower,
            upper,
        })
    }

    /// Profile-likelihood limits of the intercept-only quasi-binomial model: the two values of
    /// π where the scaled deviance difference equals the design-adjusted critical value.
    fn likelihood_interval(
        &self,
        p: f64,
        se: f64,
        y: &[f64],
        level: f64,
        df: f64,
        domain: Option<&[bool]>,
    ) -> Result<(f64, f64)> {
        if !(p > 0.0 && p < 1.0) {
            return Err(degenerate(
                "likelihood interval",
                "the proportion is 0 or 1",
            ));
        }
        // Rescaled weights (mean 1 over the domain), as svyglm uses.
        let mut sw = 0.0;
        let mut nd = 0.0;
        for i in 0..self.n {
            if in_domain(domain, i) {
                sw += self.w[i];
                nd += 1.0;
            }
        }
        let scale = nd / sw;
        let mut s1 = 0.0;
        let mut s0 = 0.0;
        for i in 0..self.n {
            if in_domain(domain, i) {
                let w = self.w[i] * scale;
                s1 += w * y[i];
                s0 += w * (1.0 - y[i]);
            }
        }
        let nw = s0 + s1;
        // Design-based variance of the logit over the model-based one (lambda).
        let naive = 1.0 / (nw * p * (1.0 - p));
        let design_var = (se / (p * (1.0 - p))).powi(2);
        let lambda = design_var / naive;
        // R profiles the deviance and cuts it at qnorm(2 alpha) with
        // alpha = pnorm(qt(a, df) sqrt(lambda)) / 2, that is at |qt(a, df)| sqrt(lambda).
        let a = (1.0 - level) / 2.0;
        let z = dist::qt(a, df).abs() * lambda.sqrt();
        let loglik = |pi: f64| s1 * pi.ln() + s0 * (1.0 - pi).ln();
        let lmax = loglik(p);
        // Signed root of the deviance difference (dispersion from the Pearson statistic).
        let mut pearson = 0.0;
        for i in 0..self.n {
            if in_domain(domain, i) {
                let w = self.w[i] * scale;
                pearson += w * (y[i] - p).powi(2) / (p * (1.0 - p));
            }
        }
        let disp = pearson / (nd - 1.0);
        let root = |pi: f64| (2.0 * (lmax - loglik(pi)) / disp).max(0.0).sqrt() - z;
        let solve = |mut lo: f64, mut hi: f64| {
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                let rl = root(lo);
                let rm = root(mid);
                if (rl > 0.0) == (rm > 0.0) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        };
        Ok((solve(1e-300, p), solve(p, 1.0 - 1e-16)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn math_rule_on_equal_weights() {
        let y = [3.0, 1.0, 2.0, 4.0];
        let w = [1.0; 4];
        assert_eq!(weighted_quantile(&y, &w, 0.5, QuantileRule::Math), 2.0);
        assert_eq!(weighted_quantile(&y, &w, 0.6, QuantileRule::Math), 3.0);
        assert_eq!(weighted_quantile(&y, &w, 0.5, QuantileRule::Hf7), 2.5);
    }
}
