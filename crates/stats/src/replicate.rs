//! Replicate-weight designs: JK1, JKn, BRR and Fay (balanced half-samples), the Rao-Wu
//! bootstrap (seeded), and replicate weights supplied with the data (R's `as.svrepdesign`,
//! `svrepdesign`, `svrVar`).

use std::collections::HashMap;
use std::str::FromStr;

use crate::data::Factor;
use crate::design::{Design, LonelyPsu, check_weights};
use crate::dist;
use crate::error::{Result, StatsError, degenerate, invalid};
use crate::estimate::{Estimate, ci_bounds, in_domain, indicators};
use crate::quantile::{
    CipropMethod, PropInterval, QuantileEstimate, QuantileRule, quantile_sorted, sorted_pairs,
};
use crate::random::Rng;
use crate::table::{ChisqStatistic, ChisqTest, rao_scott};
use crate::weighting::{
    CalibrateOptions, Cells, Margin, ModelMatrix, RakeOptions, g_weights, lookup_population,
};

/// Kind of replication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RepType {
    /// Delete-one-PSU jackknife for unstratified designs.
    Jk1,
    /// Stratified delete-one-PSU jackknife.
    Jkn,
    /// Balanced repeated replication (two PSUs per stratum).
    Brr,
    /// BRR with Fay's factor ρ (0 < ρ < 1).
    Fay(f64),
    /// Rao-Wu bootstrap with this many replicates.
    Bootstrap(usize),
    /// Supplied weights with a given overall scale.
    Other,
}

impl FromStr for RepType {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "jk1" => Ok(RepType::Jk1),
            "jkn" => Ok(RepType::Jkn),
            "brr" => Ok(RepType::Brr),
            "bootstrap" => Ok(RepType::Bootstrap(50)),
            o => Err(invalid(
                "replicates",
                format!("`{o}`: use jk1, jkn, brr or bootstrap"),
            )),
        }
    }
}

/// A design whose variances come from replicate weights.
#[derive(Debug, Clone)]
pub struct RepDesign {
    n: usize,
    pw: Vec<f64>,
    reps: Vec<Vec<f64>>,
    scale: f64,
    rscales: Vec<f64>,
    mse: bool,
    kind: RepType,
}

/// Sylvester Hadamard matrix of order 2^k >= `min` (entries ±1).
pub fn hadamard(min: usize) -> Vec<Vec<i8>> {
    let mut h = vec![vec![1i8]];
    while h.len() < min {
        let m = h.len();
        let mut next = vec![vec![0i8; 2 * m]; 2 * m];
        for i in 0..m {
            for j in 0..m {
                next[i][j] = h[i][j];
                next[i][j + m] = h[i][j];
                next[i + m][j] = h[i][j];
                next[i + m][j + m] = -h[i][j];
            }
        }
        h = next;
    }
    h
}

impl RepDesign {
    /// Replicate weights supplied with the data: `pw` are the full-sample weights and
    /// `reps` the replicate analysis weights (R's `svrepdesign(combined.weights=TRUE)`).
    /// `scale`/`rscales` default as R's: BRR 1/R, Fay 1/(R(1-ρ)²), JK1 (R-1)/R,
    /// bootstrap 1/(R-1); JKn needs `rscales`.
    pub fn from_weights(
        pw: Vec<f64>,
        reps: Vec<Vec<f64>>,
        kind: RepType,
        scale: Option<f64>,
        rscales: Option<Vec<f64>>,
    ) -> Result<RepDesign> {
        let n = pw.len();
        check_weights(&pw)?;
        if reps.is_empty() {
            return Err(invalid(
                "replicates",
                "no replicate weights / không có trọng số lặp",
            ));
        }
        for (r, w) in reps.iter().enumerate() {
            if w.len() != n {
                return Err(StatsError::RaggedColumns {
                    column: format!("replicate {}", r + 1),
                    expected: n,
                    found: w.len(),
                });
            }
            if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
                return Err(StatsError::BadWeight {
                    row: i + 1,
                    value: w[i],
                });
            }
        }
        let nr = reps.len() as f64;
        let default_scale = match kind {
            RepType::Brr => 1.0 / nr,
            RepType::Fay(rho) => 1.0 / (nr * (1.0 - rho).powi(2)),
            RepType::Jk1 => (nr - 1.0) / nr,
            RepType::Bootstrap(_) => 1.0 / (nr - 1.0),
            RepType::Jkn | RepType::Other => 1.0,
        };
        if kind == RepType::Jkn && rscales.is_none() {
            return Err(invalid(
                "rscales",
                "JKn replicate weights need rscales / cần rscales",
            ));
        }
        let rscales = rscales.unwrap_or_else(|| vec![1.0; reps.len()]);
        if rscales.len() != reps.len() {
            return Err(invalid(
                "rscales",
                format!("{} values for {} replicates", rscales.len(), reps.len()),
            ));
        }
        Ok(RepDesign {
            n,
            pw,
            reps,
            scale: scale.unwrap_or(default_scale),
            rscales,
            mse: false,
            kind,
        })
    }

    /// Builds replicate weights from a Taylor design (R's `as.svrepdesign`). The bootstrap
    /// uses `seed`; the other kinds are deterministic.
    pub fn from_design(design: &Design, kind: RepType, seed: u64) -> Result<RepDesign> {
        let st = &design.stages[0];
        let np = st.n_clusters();
        let nstr = st.n_strata();
        // Finite population correction per stratum: (N - n) / N, or 1.
        let fpc: Vec<f64> = (0..nstr)
            .map(|s| {
                let pop = st.stratum_pop[s];
                if pop.is_infinite() {
                    1.0
                } else {
                    (pop - st.stratum_n[s] as f64) / pop
                }
            })
            .collect();
        // factors[r][psu]
        let mut factors: Vec<Vec<f64>> = Vec::new();
        let mut rscales: Vec<f64> = Vec::new();
        let scale;
        match kind {
            RepType::Jk1 => {
                if design.has_strata && nstr > 1 {
                    return Err(invalid(
                        "replicates",
                        "JK1 is for unstratified designs: use JKn",
                    ));
                }
                let n = np as f64;
                for r in 0..np {
                    let mut f = vec![n / (n - 1.0); np];
                    f[r] = 0.0;
                    factors.push(f);
                    rscales.push(1.0);
                }
                scale = fpc[0] * (n - 1.0) / n;
            }
            RepType::Jkn => {
                let members = psus_by_stratum(st.cluster_stratum.as_slice(), nstr);
                let mut counted = 0usize;
                for (s, ps) in members.iter().enumerate() {
                    let nh = ps.len() as f64;
                    if ps.len() == 1 && fpc[s] != 0.0 {
                        match design.lonely {
                            LonelyPsu::Fail => {
                                return Err(StatsError::LonelyPsu {
                                    stratum: design.strata_labels[s].clone(),
                                    stage: 1,
                                });
                            }
                            LonelyPsu::Adjust => {
                                let k = nstr as f64;
                                let mut f = vec![k / (k - 1.0); np];
                                f[ps[0] as usize] = 0.0;
                                factors.push(f);
                                rscales.push((k - 1.0) / k);
                                counted += 1;
                            }
                            _ => {}
                        }
                        continue;
                    }
                    for &drop in ps {
                        let mut f = vec![1.0; np];
                        for &p in ps {
                            f[p as usize] = nh / (nh - 1.0);
                        }
                        f[drop as usize] = 0.0;
                        factors.push(f);
                        rscales.push(fpc[s] * (nh - 1.0) / nh);
                        counted += 1;
                    }
                }
                if counted == 0 {
                    return Err(degenerate(
                        "JKn replicates",
                        "every stratum was sampled exhaustively",
                    ));
                }
                scale = if counted < np && design.lonely == LonelyPsu::Average {
                    np as f64 / counted as f64
                } else {
                    1.0
                };
            }
            RepType::Brr | RepType::Fay(_) => {
                let rho = if let RepType::Fay(r) = kind { r } else { 0.0 };
                if !(0.0..1.0).contains(&rho) {
                    return Err(invalid("fay", format!("rho {rho} must be in [0, 1)")));
                }
                let members = psus_by_stratum(st.cluster_stratum.as_slice(), nstr);
                if let Some((s, _)) = members.iter().enumerate().find(|(_, m)| m.len() != 2) {
                    return Err(invalid(
                        "replicates",
                        format!(
                            "BRR needs exactly two PSUs per stratum; stratum `{}` has {} / BRR cần đúng hai đơn vị mỗi tầng",
                            design.strata_labels[s],
                            members[s].len()
                        ),
                    ));
                }
                let h = hadamard(nstr + 1);
                let nrep = h.len();
                for r in 0..nrep {
                    let mut f = vec![0.0; np];
                    for (s, m) in members.iter().enumerate() {
                        let first = h[s + 1][r] > 0;
                        let (a, b) = if first { (m[0], m[1]) } else { (m[1], m[0]) };
                        f[a as usize] = 2.0 - rho;
                        f[b as usize] = rho;
                    }
                    factors.push(f);
                    rscales.push(1.0);
                }
                scale = 1.0 / (nrep as f64 * (1.0 - rho).powi(2));
            }
            RepType::Bootstrap(nrep) => {
                if nrep < 2 {
                    return Err(invalid(
                        "replicates",
                        "the bootstrap needs at least 2 replicates",
                    ));
                }
                let members = psus_by_stratum(st.cluster_stratum.as_slice(), nstr);
                let mut rng = Rng::new(seed);
                for _ in 0..nrep {
                    let mut f = vec![0.0; np];
                    for (s, m) in members.iter().enumerate() {
                        let nh = m.len();
                        let pop = st.stratum_pop[s];
                        if pop.is_infinite() {
                            for _ in 0..nh {
                                f[m[rng.below(nh as u64) as usize] as usize] += 1.0;
                            }
                        } else {
                            // Without replacement from the PSUs repeated to the population size.
                            let big = pop.round() as usize;
                            let picks = rng.sample_without_replacement(big, nh);
                            for p in picks {
                                f[m[p % nh] as usize] += 1.0;
                            }
                        }
                    }
                    factors.push(f);
                    rscales.push(1.0);
                }
                let inv_mean: f64 =
                    members.iter().map(|m| 1.0 / m.len() as f64).sum::<f64>() / nstr as f64;
                let per = 1.0 / inv_mean;
                scale = per / ((per - 1.0) * (nrep as f64 - 1.0));
            }
            RepType::Other => {
                return Err(invalid("replicates", "`other` replicates must be supplied"));
            }
        }
        let psu = &st.cluster;
        let reps = factors
            .iter()
            .map(|f| {
                design
                    .w
                    .iter()
                    .zip(psu)
                    .map(|(w, &p)| w * f[p as usize])
                    .collect()
            })
            .collect();
        Ok(RepDesign {
            n: design.n,
            pw: design.w.clone(),
            reps,
            scale,
            rscales,
            mse: false,
            kind,
        })
    }

    /// Centre the replicate variance at the full-sample estimate (R's `mse=TRUE`).
    pub fn set_mse(&mut self, mse: bool) {
        self.mse = mse;
    }

    /// Number of replicates.
    pub fn n_replicates(&self) -> usize {
        self.reps.len()
    }

    /// Overall scale and per-replicate scales.
    pub fn scales(&self) -> (f64, &[f64]) {
        (self.scale, &self.rscales)
    }

    /// Full-sample weights.
    pub fn weights(&self) -> &[f64] {
        &self.pw
    }

    /// Replicate analysis weights.
    pub fn replicate_weights(&self) -> &[Vec<f64>] {
        &self.reps
    }

    /// Kind of replication.
    pub fn kind(&self) -> RepType {
        self.kind
    }

    /// Replicate variance of a statistic: `full` on the full sample, `thetas` per replicate.
    fn rep_var(&self, full: f64, thetas: &[f64]) -> f64 {
        let center = if self.mse {
            full
        } else {
            let (s, c) = thetas
                .iter()
                .zip(&self.rscales)
                .filter(|(_, r)| **r > 0.0)
                .fold((0.0, 0.0), |(s, c), (t, _)| (s + t, c + 1.0));
            s / c
        };
        thetas
            .iter()
            .zip(&self.rscales)
            .map(|(t, r)| (t - center).powi(2) * r)
            .sum::<f64>()
            * self.scale
    }

    fn estimate(&self, stat: impl Fn(&[f64]) -> f64) -> Estimate {
        let full = stat(&self.pw);
        let thetas: Vec<f64> = self.reps.iter().map(|w| stat(w)).collect();
        Estimate {
            label: String::new(),
            estimate: full,
            se: self.rep_var(full, &thetas).sqrt(),
            deff: None,
            df: f64::INFINITY,
        }
    }

    fn fake_design_check(&self, y: &[f64], domain: Option<&[bool]>) -> Result<()> {
        if y.len() != self.n {
            return Err(StatsError::RaggedColumns {
                column: "variable".into(),
                expected: self.n,
                found: y.len(),
            });
        }
        if let Some(d) = domain {
            if d.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: "domain".into(),
                    expected: self.n,
                    found: d.len(),
                });
            }
            if !d.iter().any(|&b| b) {
                return Err(StatsError::EmptyDomain {
                    domain: "subset".into(),
                });
            }
        }
        if let Some(i) = (0..self.n).find(|&i| in_domain(domain, i) && !y[i].is_finite()) {
            return Err(StatsError::MissingValue {
                column: "variable".into(),
                row: i + 1,
            });
        }
        Ok(())
    }

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

    /// Post-stratifies the full-sample and every replicate weight (R's
    /// `postStratify.svyrep.design`).
    pub fn post_stratify(&self, f: &Factor, margin: &Margin) -> Result<RepDesign> {
        if f.len() != self.n {
            return Err(StatsError::RaggedColumns {
                column: margin.name.clone(),
                expected: self.n,
                found: f.len(),
            });
        }
        f.check(&margin.name)?;
        let pop: HashMap<&str, f64> = margin
            .counts
            .iter()
            .map(|(l, c)| (l.as_str(), *c))
            .collect();
        let mut p = Vec::with_capacity(f.n_levels());
        for l in &f.levels {
            match pop.get(l.as_str()) {
                Some(&c) if c > 0.0 => p.push(c),
                _ => {
                    return Err(StatsError::BadMargin {
                        margin: format!("{}={l}", margin.name),
                        reason: "level in the sample has no positive population count".into(),
                    });
                }
            }
        }
        let adjust = |w: &[f64]| -> Vec<f64> {
            let mut s = vec![0.0; p.len()];
            for (i, &c) in f.codes.iter().enumerate() {
                s[c as usize] += w[i];
            }
            w.iter()
                .zip(&f.codes)
                .map(|(w, &c)| w * p[c as usize] / s[c as usize])
                .collect()
        };
        let mut d = self.clone();
        d.pw = adjust(&self.pw);
        d.reps = self.reps.iter().map(|w| adjust(w)).collect();
        Ok(d)
    }

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

    /// Calibrates the full-sample weights and every replicate to the same population totals
    /// (R's `calibrate` on a replicate design).
    pub fn calibrate(
        &self,
        x: &ModelMatrix,
        totals: &[f64],
        options: CalibrateOptions,
    ) -> Result<RepDesign> {
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
        let mut d = self.clone();
        let (g, _) = g_weights(x, &self.pw, totals, options)?;
        d.pw = self.pw.iter().zip(&g).map(|(w, g)| w * g).collect();
        d.reps = self
            .reps
            .iter()
            .map(|r| {
                let (g, _) = g_weights(x, r, totals, options)?;
                Ok(r.iter().zip(&g).map(|(w, g)| w * g).collect())
            })
            .collect::<Result<_>>()?;
        Ok(d)
    }

    /// Rakes the full-sample weights to the margins (R's rake rule) and every replicate with
    /// the same number of passes, as R's `rake` does on a replicate design.
    pub fn rake(&self, margins: &[(&Factor, &Margin)], options: RakeOptions) -> Result<RepDesign> {
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
        let total: f64 = self.pw.iter().sum();
        let eps = if options.epsilon < 1.0 {
            options.epsilon * total
        } else {
            options.epsilon
        };
        let cells = Cells::of(margins);
        let (factor, _, iter, converged) = cells.rake(&self.pw, &pops, eps, options.maxit, None);
        if !converged {
            return Err(StatsError::NoConvergence {
                margin: margins
                    .iter()
                    .map(|(_, m)| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                off: eps,
                iterations: iter,
            });
        }
        let apply = |w: &[f64], f: &[f64]| -> Vec<f64> {
            w.iter()
                .zip(&cells.cross.codes)
                .map(|(w, &c)| w * f[c as usize])
                .collect()
        };
        let mut d = self.clone();
        d.pw = apply(&self.pw, &factor);
        d.reps = self
            .reps
            .iter()
            .map(|r| {
                let (f, ..) = cells.rake(r, &pops, eps, options.maxit, Some(iter + 1));
                apply(r, &f)
            })
            .collect();
        Ok(d)
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

fn psus_by_stratum(cluster_stratum: &[u32], nstr: usize) -> Vec<Vec<u32>> {
    let mut m = vec![Vec::new(); nstr];
    for (c, &s) in cluster_stratum.iter().enumerate() {
        m[s as usize].push(c as u32);
    }
    m
}

impl Design {
    /// Replicate version of this design (see [`RepDesign::from_design`]).
    pub fn replicates(&self, kind: RepType, seed: u64) -> Result<RepDesign> {
        RepDesign::from_design(self, kind, seed)
    }
}
