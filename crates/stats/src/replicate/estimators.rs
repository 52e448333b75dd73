//! Point estimators on a replicate design: totals, means, variances, ratios and proportions
//! with their replicate standard errors.

use super::RepDesign;
use crate::data::Factor;
use crate::error::{Result, degenerate};
use crate::estimate::{Estimate, in_domain, indicators};

impl RepDesign {
    /// Total of `y` with its replicate standard error (and design effect without a domain).
    pub fn total(&self, y: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        self.fake_design_check(y, domain)?;
        let mut e = self.estimate(|w| {
            (0..self.n)
                .filter(|&i| in_domain(domain, i))
                .map(|i| w[i] * y[i])
                .sum()
        });
        if domain.is_none() {
            let (s2, npop, nobs) = self.srs_parts(y);
            let vsrs = s2 * npop * npop / nobs * (npop - nobs) / npop;
            e.deff = Some(e.se * e.se / vsrs);
        }
        Ok(e)
    }

    /// Mean of `y` with its replicate standard error.
    /// Without a domain the estimate carries R's design effect (`deff=TRUE`).
    pub fn mean(&self, y: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        self.fake_design_check(y, domain)?;
        let mut e = self.estimate(|w| {
            let (mut s, mut t) = (0.0, 0.0);
            for i in 0..self.n {
                if in_domain(domain, i) {
                    s += w[i] * y[i];
                    t += w[i];
                }
            }
            s / t
        });
        if domain.is_none() {
            let (s2, npop, nobs) = self.srs_parts(y);
            let vsrs = s2 / nobs * (npop - nobs) / npop;
            e.deff = Some(e.se * e.se / vsrs);
        }
        Ok(e)
    }

    /// R's `svyvar(estimate.only=TRUE)` on the full-sample weights, the population size (sum of
    /// the weights) and the number of rows: the SRS reference of a design effect.
    fn srs_parts(&self, y: &[f64]) -> (f64, f64, f64) {
        let n = self.n as f64;
        let npop: f64 = self.pw.iter().sum();
        let mean = self.pw.iter().zip(y).map(|(w, y)| w * y).sum::<f64>() / npop;
        let ss: f64 = self
            .pw
            .iter()
            .zip(y)
            .map(|(w, y)| w * (y - mean) * (y - mean))
            .sum();
        (n / (n - 1.0) * ss / npop, npop, n)
    }

    /// Population variance of `y` (R's `svyvar` on a replicate design): n/(n−1) times the
    /// weighted variance, with its replicate standard error.
    pub fn variance(&self, y: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        self.fake_design_check(y, domain)?;
        let n = (0..self.n).filter(|&i| in_domain(domain, i)).count() as f64;
        if n < 2.0 {
            return Err(degenerate(
                "variance",
                "fewer than two observations / ít hơn hai quan sát",
            ));
        }
        Ok(self.estimate(|w| {
            let (mut s, mut t) = (0.0, 0.0);
            for i in 0..self.n {
                if in_domain(domain, i) {
                    s += w[i] * y[i];
                    t += w[i];
                }
            }
            let m = s / t;
            let mut ss = 0.0;
            for i in 0..self.n {
                if in_domain(domain, i) {
                    ss += w[i] * (y[i] - m) * (y[i] - m);
                }
            }
            n / (n - 1.0) * ss / t
        }))
    }

    /// Ratio of totals with its replicate standard error.
    pub fn ratio(&self, num: &[f64], den: &[f64], domain: Option<&[bool]>) -> Result<Estimate> {
        self.fake_design_check(num, domain)?;
        self.fake_design_check(den, domain)?;
        Ok(self.estimate(|w| {
            let (mut a, mut b) = (0.0, 0.0);
            for i in 0..self.n {
                if in_domain(domain, i) {
                    a += w[i] * num[i];
                    b += w[i] * den[i];
                }
            }
            a / b
        }))
    }

    /// Proportions of the levels of a factor.
    pub fn proportions(&self, f: &Factor, domain: Option<&[bool]>) -> Result<Vec<Estimate>> {
        f.check("factor")?;
        indicators(f)
            .iter()
            .zip(&f.levels)
            .map(|(ind, l)| {
                let mut e = self.mean(ind, domain)?;
                e.label = l.clone();
                Ok(e)
            })
            .collect()
    }
}
