//! Inference on a replicate design: degrees of freedom, quantiles with Woodruff intervals,
//! confidence intervals of proportions and the Rao-Scott chi-square test.

use super::RepDesign;
use crate::data::Factor;
use crate::dist;
use crate::error::{Result, StatsError, degenerate, invalid};
use crate::estimate::{ci_bounds, in_domain};
use crate::quantile::{
    CipropMethod, PropInterval, QuantileEstimate, QuantileRule, quantile_sorted, sorted_pairs,
};
use crate::table::{ChisqStatistic, ChisqTest, rao_scott};

impl RepDesign {
    /// Degrees of freedom of the replicate design as R's `degf`: the rank of the matrix of
    /// replicate weights minus one (rank from the replicates' Gram matrix, relative tolerance
    /// 1e-10 on its pivots, the square of R's QR tolerance).
    pub fn degf(&self) -> f64 {
        let r = self.reps.len();
        let mut g = vec![0.0; r * r];
        for a in 0..r {
            for b in a..r {
                let s: f64 = self.reps[a]
                    .iter()
                    .zip(&self.reps[b])
                    .map(|(x, y)| x * y)
                    .sum();
                g[a * r + b] = s;
                g[b * r + a] = s;
            }
        }
        let big = (0..r).map(|a| g[a * r + a]).fold(0.0, f64::max);
        let mut rank = 0;
        let mut used = vec![false; r];
        for _ in 0..r {
            // Full pivoting on the diagonal (the Gram matrix stays symmetric positive semidefinite).
            let Some(p) = (0..r)
                .filter(|&i| !used[i])
                .max_by(|&a, &b| g[a * r + a].total_cmp(&g[b * r + b]))
            else {
                break;
            };
            let d = g[p * r + p];
            if d.is_nan() || d <= 1e-10 * big {
                break;
            }
            used[p] = true;
            rank += 1;
            for i in 0..r {
                if used[i] {
                    continue;
                }
                let f = g[i * r + p] / d;
                for j in 0..r {
                    g[i * r + j] -= f * g[p * r + j];
                }
            }
        }
        rank as f64 - 1.0
    }

    /// Quantiles with Woodruff intervals whose proportion SE comes from the replicates (R's
    /// `svyquantile` on a replicate design, `interval.type="mean"`). `df`: `None` uses
    /// [`RepDesign::degf`].
    pub fn quantiles(
        &self,
        y: &[f64],
        probs: &[f64],
        rule: QuantileRule,
        level: f64,
        df: Option<f64>,
        domain: Option<&[bool]>,
    ) -> Result<Vec<QuantileEstimate>> {
        self.fake_design_check(y, domain)?;
        if !(level > 0.0 && level < 1.0) {
            return Err(invalid("level", format!("{level} must be between 0 and 1")));
        }
        let df = df.unwrap_or_else(|| self.degf());
        let sorted = sorted_pairs(y, &self.pw, domain);
        let alpha = 1.0 - level;
        let mut out = Vec::with_capacity(probs.len());
        for &p in probs {
            if !(0.0..=1.0).contains(&p) {
                return Err(invalid("quantile", format!("{p} is not between 0 and 1")));
            }
            let q = quantile_sorted(&sorted, p, rule);
            let below: Vec<f64> = y.iter().map(|&v| if v <= q { 1.0 } else { 0.0 }).collect();
            let m = self.mean(&below, domain)?;
            let (lo_p, hi_p) = ci_bounds(m.estimate, m.se, level, df);
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
            out.push(QuantileEstimate {
                p,
                estimate: q,
                lower,
                upper,
                se: (upper - lower) / (2.0 * dist::qt(1.0 - alpha / 2.0, df)),
            });
        }
        Ok(out)
    }

    /// Proportion of rows where `indicator` is 1 with an interval (R's `svyciprop` on a
    /// replicate design; `df` is [`RepDesign::degf`]). The logit interval uses the replicate
    /// variance of the replicates' logits, as R's quasi-binomial model on replicate weights;
    /// the likelihood method is not available here.
    pub fn ciprop(
        &self,
        indicator: &[f64],
        method: CipropMethod,
        level: f64,
        domain: Option<&[bool]>,
    ) -> Result<PropInterval> {
        if !(level > 0.0 && level < 1.0) {
            return Err(invalid("level", format!("{level} must be between 0 and 1")));
        }
        let m = self.mean(indicator, domain)?;
        let df = self.degf();
        let (p, se) = (m.estimate, m.se);
        let alpha = 1.0 - level;
        let t = dist::qt(1.0 - alpha / 2.0, df);
        let expit = |x: f64| 1.0 - 1.0 / (1.0 + x.exp());
        let (lower, upper) = match method {
            CipropMethod::Mean => (p - t * se, p + t * se),
            CipropMethod::Asin => {
                let th = p.sqrt().asin();
                let s = se / (2.0 * (p * (1.0 - p)).sqrt());
                ((th - t * s).sin().powi(2), (th + t * s).sin().powi(2))
            }
            CipropMethod::Xlogit => {
                let th = (p / (1.0 - p)).ln();
                let s = se / (p * (1.0 - p));
                (expit(th - t * s), expit(th + t * s))
            }
            CipropMethod::Logit => {
                // R fits the quasi-binomial model by IRLS on the full-sample weights (scaled
                // to mean 1) and on each replicate (scaled to sum 1, started at the full fit),
                // stopping on its deviance rule; replaying those steps matches R's limits.
                let y: Vec<f64> = (0..self.n)
                    .map(|i| {
                        if in_domain(domain, i) {
                            indicator[i]
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let dom = |w: &[f64], scale: f64| -> Vec<f64> {
                    (0..self.n)
                        .map(|i| {
                            if in_domain(domain, i) {
                                w[i] * scale
                            } else {
                                0.0
                            }
                        })
                        .collect()
                };
                let wsum: f64 = (0..self.n)
                    .filter(|&i| in_domain(domain, i))
                    .map(|i| self.pw[i])
                    .sum();
                let nd = (0..self.n).filter(|&i| in_domain(domain, i)).count() as f64;
                let full = irls_logit(&y, &dom(&self.pw, nd / wsum), None);
                let thetas: Vec<f64> = self
                    .reps
                    .iter()
                    .map(|r| {
                        let s: f64 = (0..self.n)
                            .filter(|&i| in_domain(domain, i))
                            .map(|i| r[i])
                            .sum();
                        irls_logit(&y, &dom(r, 1.0 / s), Some(full))
                    })
                    .collect();
                let se = self.rep_var(full, &thetas).sqrt();
                (expit(full - t * se), expit(full + t * se))
            }
            CipropMethod::Beta => {
                let rows = match domain {
                    Some(d) => d.iter().filter(|&&b| b).count(),
                    None => self.n,
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
                return Err(invalid(
                    "method",
                    "the likelihood interval needs a Taylor design / khoảng likelihood cần thiết kế Taylor",
                ));
            }
        };
        Ok(PropInterval {
            estimate: m,
            lower,
            upper,
        })
    }

    /// Rao-Scott test of independence with the replicate covariance of the cell proportions
    /// and [`RepDesign::degf`] as the design degrees of freedom (R's `svychisq` on a
    /// replicate design).
    pub fn chisq(&self, a: &Factor, b: &Factor, statistic: ChisqStatistic) -> Result<ChisqTest> {
        for (name, f) in [("rows", a), ("columns", b)] {
            if f.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: name.into(),
                    expected: self.n,
                    found: f.len(),
                });
            }
            f.check(name)?;
        }
        let (nr, nc) = (a.n_levels(), b.n_levels());
        if nr < 2 || nc < 2 {
            return Err(degenerate(
                "chi-square test",
                "each variable needs at least two levels / mỗi biến cần ít nhất hai mức",
            ));
        }
        let k = nr * nc;
        let cell: Vec<usize> = a
            .codes
            .iter()
            .zip(&b.codes)
            .map(|(&x, &y)| x as usize + nr * y as usize)
            .collect();
        let props = |w: &[f64]| -> Vec<f64> {
            let mut t = vec![0.0; k];
            let mut s = 0.0;
            for (c, wi) in cell.iter().zip(w) {
                t[*c] += wi;
                s += wi;
            }
            t.iter().map(|x| x / s).collect()
        };
        let mean2 = props(&self.pw);
        let thetas: Vec<Vec<f64>> = self.reps.iter().map(|w| props(w)).collect();
        let center: Vec<f64> = if self.mse {
            mean2.clone()
        } else {
            let used: Vec<&Vec<f64>> = thetas
                .iter()
                .zip(&self.rscales)
                .filter(|(_, r)| **r > 0.0)
                .map(|(t, _)| t)
                .collect();
            (0..k)
                .map(|j| used.iter().map(|t| t[j]).sum::<f64>() / used.len() as f64)
                .collect()
        };
        let mut v = vec![0.0; k * k];
        for (t, r) in thetas.iter().zip(&self.rscales) {
            for x in 0..k {
                let dx = (t[x] - center[x]) * r * self.scale;
                for y in 0..k {
                    v[x * k + y] += dx * (t[y] - center[y]);
                }
            }
        }
        rao_scott(mean2, &v, self.n as f64, self.degf(), nr, nc, statistic)
    }
}

/// Intercept-only logistic regression by R's `glm.fit` IRLS (binomial starting values, or
/// `start`), stopping when the relative change of the deviance is below 1e-8.
fn irls_logit(y: &[f64], w: &[f64], start: Option<f64>) -> f64 {
    let dev = |mu: &dyn Fn(usize) -> f64| -> f64 {
        let mut d = 0.0;
        for i in 0..y.len() {
            if w[i] > 0.0 {
                let m = mu(i);
                d += 2.0 * w[i] * if y[i] > 0.5 { -m.ln() } else { -(1.0 - m).ln() };
            }
        }
        d
    };
    let expit = |x: f64| x.exp() / (1.0 + x.exp());
    let mut eta: Vec<f64> = match start {
        Some(b) => vec![b; y.len()],
        None => y
            .iter()
            .zip(w)
            .map(|(&y, &w)| {
                let m = (w * y + 0.5) / (w + 1.0);
                (m / (1.0 - m)).ln()
            })
            .collect(),
    };
    let mut devold = dev(&|i| expit(eta[i]));
    let mut beta = start.unwrap_or(0.0);
    for _ in 0..25 {
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..y.len() {
            if w[i] > 0.0 {
                let m = expit(eta[i]);
                let me = (eta[i].exp() / (1.0 + eta[i].exp()).powi(2)).max(f64::EPSILON);
                let z = eta[i] + (y[i] - m) / me;
                let ww = w[i] * me * me / (m * (1.0 - m));
                num += ww * z;
                den += ww;
            }
        }
        beta = num / den;
        eta.iter_mut().for_each(|e| *e = beta);
        let mu = expit(beta);
        let d = dev(&|_| mu);
        if (d - devold).abs() / (d.abs() + 0.1) < 1e-8 {
            break;
        }
        devold = d;
    }
    beta
}
