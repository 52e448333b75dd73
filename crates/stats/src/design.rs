//! Survey designs (R's `svydesign`): strata, multistage clusters, weights, finite population
//! corrections, `nest`, lonely-PSU rules, and the Taylor-linearisation variance of R's `svyrecvar`.
//!
//! A design keeps only integer indices per row (cluster of each row at each stage, stratum of
//! each cluster), so a variance is one pass over the rows to sum PSU totals and one pass over
//! the PSUs: no sorting and no per-group copies.

use std::collections::HashMap;
use std::str::FromStr;

use crate::data::Factor;
use crate::error::{Result, StatsError, invalid};
use crate::linalg;

/// What to do with a stratum that has a single PSU (R's `options(survey.lonely.psu=)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LonelyPsu {
    /// Stop with an error (R's default).
    #[default]
    Fail,
    /// Centre the lonely PSU at the grand mean (R: contributes its uncentred total).
    Adjust,
    /// Give the stratum the average variance of the other strata.
    Average,
    /// Ignore the stratum in the variance.
    Remove,
    /// Treat the lonely PSU as sampled with certainty (no variance).
    Certainty,
}

impl FromStr for LonelyPsu {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "fail" => Ok(LonelyPsu::Fail),
            "adjust" => Ok(LonelyPsu::Adjust),
            "average" => Ok(LonelyPsu::Average),
            "remove" => Ok(LonelyPsu::Remove),
            "certainty" => Ok(LonelyPsu::Certainty),
            other => Err(invalid(
                "lonely-psu",
                format!("`{other}`: use fail, adjust, average, remove or certainty"),
            )),
        }
    }
}

/// Everything needed to build a [`Design`], as in R's `svydesign(ids=, strata=, weights=, fpc=, nest=)`.
#[derive(Debug, Clone, Default)]
pub struct DesignSpec {
    /// Cluster identifiers, one factor per stage. Empty: every row is its own PSU (`ids=~1`).
    pub ids: Vec<Factor>,
    /// First-stage strata (none: one stratum).
    pub strata: Option<Factor>,
    /// Sampling weights (none: from `probs`, else from `fpc`, else all 1).
    pub weights: Option<Vec<f64>>,
    /// Sampling probabilities (alternative to `weights`).
    pub probs: Option<Vec<f64>>,
    /// Finite population corrections, one column per stage (empty or one per stage): either all
    /// population sizes (values >= 1, some > 1) or all sampling fractions (values <= 1).
    pub fpc: Vec<Vec<f64>>,
    /// Cluster ids are only unique within strata (R's `nest=TRUE`).
    pub nest: bool,
    /// Lonely-PSU rule.
    pub lonely_psu: LonelyPsu,
}

/// One sampling stage: clusters of rows grouped in strata.
#[derive(Debug, Clone)]
pub(crate) struct Stage {
    /// Cluster of each row (global index at this stage).
    pub cluster: Vec<u32>,
    /// Stratum of each cluster.
    pub cluster_stratum: Vec<u32>,
    /// Number of sampled clusters per stratum.
    pub stratum_n: Vec<u32>,
    /// Population number of clusters per stratum (infinite without fpc).
    pub stratum_pop: Vec<f64>,
    /// Factor multiplying this stage's variance in each stratum (product of the sampling
    /// fractions of the earlier stages).
    pub stratum_mult: Vec<f64>,
}

impl Stage {
    pub fn n_clusters(&self) -> usize {
        self.cluster_stratum.len()
    }
    pub fn n_strata(&self) -> usize {
        self.stratum_n.len()
    }
}

/// How weighting changed the design, kept so variances account for it (R's `postStrata`).
#[derive(Debug, Clone)]
pub(crate) enum Adjustment {
    /// Post-stratification: group of each row, weights after and before.
    PostStrat {
        group: Vec<u32>,
        n_groups: usize,
        new_w: Vec<f64>,
        old_w: Vec<f64>,
    },
    /// Raking: each margin's groups and the weights right after it was fitted in the last pass.
    Rake {
        margins: Vec<(Vec<u32>, usize, Vec<f64>)>,
    },
    /// Regression (GREG) calibration: calibration variables (columns), weights before, g-weights.
    Greg {
        x: Vec<Vec<f64>>,
        w0: Vec<f64>,
        g: Vec<f64>,
        /// Inverse of sum w0 x x'.
        inv: Vec<f64>,
    },
}

/// A survey design: weights plus the structure needed for variances.
#[derive(Debug, Clone)]
pub struct Design {
    pub(crate) n: usize,
    pub(crate) w: Vec<f64>,
    pub(crate) stages: Vec<Stage>,
    pub(crate) has_strata: bool,
    pub(crate) has_fpc: bool,
    pub(crate) lonely: LonelyPsu,
    pub(crate) strata_labels: Vec<String>,
    /// Stratum of each row at stage 1.
    pub(crate) row_stratum: Vec<u32>,
    pub(crate) adjustments: Vec<Adjustment>,
}

/// Maps pairs of codes (a, b) to dense indices in order of first appearance.
fn pair_index(a: &[u32], na: usize, b: &[u32], nb: usize) -> (Vec<u32>, Vec<(u32, u32)>) {
    let n = a.len();
    let mut out = Vec::with_capacity(n);
    let mut pairs = Vec::new();
    let cells = (na as u64) * (nb as u64);
    if cells <= (4 * n as u64).max(1 << 16) {
        let mut table = vec![u32::MAX; cells as usize];
        for i in 0..n {
            let key = a[i] as usize * nb + b[i] as usize;
            let mut c = table[key];
            if c == u32::MAX {
                c = pairs.len() as u32;
                table[key] = c;
                pairs.push((a[i], b[i]));
            }
            out.push(c);
        }
    } else {
        let mut map: HashMap<u64, u32> = HashMap::new();
        for i in 0..n {
            let key = a[i] as u64 * nb as u64 + b[i] as u64;
            let next = pairs.len() as u32;
            let c = *map.entry(key).or_insert_with(|| {
                pairs.push((a[i], b[i]));
                next
            });
            out.push(c);
        }
    }
    (out, pairs)
}

fn check_len(name: &str, expected: usize, found: usize) -> Result<()> {
    if expected != found {
        return Err(StatsError::RaggedColumns {
            column: name.to_string(),
            expected,
            found,
        });
    }
    Ok(())
}

pub(crate) fn check_weights(w: &[f64]) -> Result<()> {
    for (i, &v) in w.iter().enumerate() {
        if !(v.is_finite() && v > 0.0) {
            return Err(StatsError::BadWeight {
                row: i + 1,
                value: v,
            });
        }
    }
    Ok(())
}

impl Design {
    /// Builds a design over `n` rows.
    pub fn new(n: usize, spec: DesignSpec) -> Result<Design> {
        if n == 0 {
            return Err(invalid("data", "no rows / không có dòng dữ liệu"));
        }
        let mut ids = spec.ids;
        if ids.is_empty() {
            ids.push(Factor {
                codes: (0..n as u32).collect(),
                levels: (1..=n).map(|i| i.to_string()).collect(),
            });
        }
        for (k, f) in ids.iter().enumerate() {
            check_len(&format!("ids[{}]", k + 1), n, f.len())?;
            f.check(&format!("ids[{}]", k + 1))?;
        }
        let has_strata = spec.strata.is_some();
        let strata = spec.strata.unwrap_or_else(|| Factor::constant(n, "1"));
        check_len("strata", n, strata.len())?;
        strata.check("strata")?;
        if let Some(w) = &spec.weights {
            check_len("weights", n, w.len())?;
        }
        if let Some(p) = &spec.probs {
            check_len("probs", n, p.len())?;
        }
        if !spec.fpc.is_empty() && spec.fpc.len() != ids.len() {
            return Err(invalid(
                "fpc",
                format!(
                    "{} fpc columns for {} stages: give one per stage / cần một cột fpc cho mỗi giai đoạn",
                    spec.fpc.len(),
                    ids.len()
                ),
            ));
        }
        for (k, f) in spec.fpc.iter().enumerate() {
            check_len(&format!("fpc[{}]", k + 1), n, f.len())?;
        }
        let first_levels = {
            let mut seen = vec![false; ids[0].n_levels()];
            let mut count = 0;
            for &c in &ids[0].codes {
                if !seen[c as usize] {
                    seen[c as usize] = true;
                    count += 1;
                }
            }
            count
        };
        if first_levels == 1 && !(spec.nest && has_strata) {
            return Err(invalid(
                "ids",
                "design has only one primary sampling unit / thiết kế chỉ có một đơn vị mẫu bậc 1",
            ));
        }

        // Stage 1 clusters.
        let n_strata = strata.n_levels();
        let mut stages: Vec<Stage> = Vec::with_capacity(ids.len());
        let c1 = if spec.nest && has_strata {
            pair_index(&strata.codes, n_strata, &ids[0].codes, ids[0].n_levels()).0
        } else {
            dense_index(&ids[0].codes)
        };
        // Stratum of each stage-1 cluster, checking nesting.
        let nc1 = c1.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
        let mut cs = vec![u32::MAX; nc1];
        for i in 0..n {
            let c = c1[i] as usize;
            let s = strata.codes[i];
            if cs[c] == u32::MAX {
                cs[c] = s;
            } else if cs[c] != s {
                return Err(StatsError::NotNested {
                    stage: 1,
                    cluster: ids[0].levels[ids[0].codes[i] as usize].clone(),
                });
            }
        }
        stages.push(make_stage(c1, cs, n_strata));
        for k in 1..ids.len() {
            let prev = &stages[k - 1];
            let (ck, pairs) = pair_index(
                &prev.cluster,
                prev.n_clusters(),
                &ids[k].codes,
                ids[k].n_levels(),
            );
            let cs: Vec<u32> = pairs.iter().map(|&(p, _)| p).collect();
            let ns = prev.n_clusters();
            stages.push(make_stage(ck, cs, ns));
        }

        // Finite population corrections.
        let has_fpc = !spec.fpc.is_empty();
        if has_fpc {
            let mut any_gt1 = false;
            let mut all_ge1 = true;
            for (k, col) in spec.fpc.iter().enumerate() {
                for (i, &v) in col.iter().enumerate() {
                    if !v.is_finite() || v <= 0.0 {
                        return Err(StatsError::BadFpc {
                            stage: k + 1,
                            row: i + 1,
                            reason: format!("value {v} is missing or not positive"),
                        });
                    }
                    any_gt1 |= v > 1.0;
                    all_ge1 &= v >= 1.0;
                }
            }
            if any_gt1 != all_ge1 {
                return Err(StatsError::BadFpc {
                    stage: 1,
                    row: 1,
                    reason: "must have all fpc >= 1 (population sizes) or all fpc <= 1 (sampling fractions)".into(),
                });
            }
            for (k, col) in spec.fpc.iter().enumerate() {
                let st = &mut stages[k];
                let mut set = vec![false; st.n_strata()];
                for (i, &v) in col.iter().enumerate() {
                    let s = st.cluster_stratum[st.cluster[i] as usize] as usize;
                    if set[s] {
                        continue;
                    }
                    set[s] = true;
                    let nh = st.stratum_n[s] as f64;
                    let pop = if any_gt1 { v } else { nh / v };
                    if pop < nh {
                        return Err(StatsError::BadFpc {
                            stage: k + 1,
                            row: i + 1,
                            reason: format!(
                                "population size {pop} is smaller than the {nh} sampled units (sampling over 100%)"
                            ),
                        });
                    }
                    st.stratum_pop[s] = pop;
                }
            }
            for k in 1..stages.len() {
                let (before, after) = stages.split_at_mut(k);
                let prev = &before[k - 1];
                let st = &mut after[0];
                for s in 0..st.n_strata() {
                    // Stratum s at stage k is cluster s of stage k-1.
                    let ps = prev.cluster_stratum[s] as usize;
                    let frac = prev.stratum_n[ps] as f64 / prev.stratum_pop[ps];
                    st.stratum_mult[s] = prev.stratum_mult[ps] * frac;
                }
            }
        }

        // Weights.
        let w = if let Some(w) = spec.weights {
            if spec.probs.is_some() {
                return Err(invalid(
                    "weights",
                    "give weights or probabilities, not both / chỉ cho trọng số hoặc xác suất",
                ));
            }
            w
        } else if let Some(p) = spec.probs {
            p.iter().map(|&p| 1.0 / p).collect()
        } else if has_fpc {
            (0..n)
                .map(|i| {
                    let mut prob = 1.0;
                    for st in &stages {
                        let s = st.cluster_stratum[st.cluster[i] as usize] as usize;
                        prob *= st.stratum_n[s] as f64 / st.stratum_pop[s];
                    }
                    1.0 / prob
                })
                .collect()
        } else {
            vec![1.0; n]
        };
        check_weights(&w)?;
        Ok(Design {
            n,
            w,
            stages,
            has_strata,
            has_fpc,
            lonely: spec.lonely_psu,
            strata_labels: strata.levels,
            row_stratum: strata.codes,
            adjustments: Vec::new(),
        })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.n
    }

    /// Current (analysis) weights.
    pub fn weights(&self) -> &[f64] {
        &self.w
    }

    /// Number of first-stage strata.
    pub fn n_strata(&self) -> usize {
        self.stages[0].n_strata()
    }

    /// Number of PSUs.
    pub fn n_psu(&self) -> usize {
        self.stages[0].n_clusters()
    }

    /// Whether the weights were adjusted (post-stratified, raked or calibrated): R's
    /// `is.calibrated`, under which a subset keeps every row with weight zero.
    pub fn is_calibrated(&self) -> bool {
        !self.adjustments.is_empty()
    }

    /// True when strata were given.
    pub fn has_strata(&self) -> bool {
        self.has_strata
    }

    /// The lonely-PSU rule.
    pub fn lonely_psu(&self) -> LonelyPsu {
        self.lonely
    }

    /// Changes the lonely-PSU rule.
    pub fn set_lonely_psu(&mut self, rule: LonelyPsu) {
        self.lonely = rule;
    }

    /// Design degrees of freedom (R's `degf`): PSUs minus strata among rows with non-zero
    /// weight in the domain.
    pub fn degf(&self, domain: Option<&[bool]>) -> f64 {
        let st = &self.stages[0];
        if domain.is_none() && self.w.iter().all(|&w| w != 0.0) {
            return st.n_clusters() as f64 - st.n_strata() as f64;
        }
        let mut psu = vec![false; st.n_clusters()];
        let mut strat = vec![false; st.n_strata()];
        for i in 0..self.n {
            if self.w[i] != 0.0 && domain.is_none_or(|d| d[i]) {
                let c = st.cluster[i] as usize;
                psu[c] = true;
                strat[st.cluster_stratum[c] as usize] = true;
            }
        }
        (psu.iter().filter(|&&b| b).count() as f64) - (strat.iter().filter(|&&b| b).count() as f64)
    }

    /// PSU index (stage 1) of each row.
    pub fn psu_of_rows(&self) -> &[u32] {
        &self.stages[0].cluster
    }

    /// Stratum index (stage 1) of each row.
    pub fn stratum_of_rows(&self) -> &[u32] {
        &self.row_stratum
    }

    /// Applies the weighting adjustments to influence columns (R's `svyrecvar` pre-step).
    pub(crate) fn adjust(&self, cols: &mut [Vec<f64>]) {
        for adj in &self.adjustments {
            match adj {
                Adjustment::PostStrat {
                    group,
                    n_groups,
                    new_w,
                    old_w,
                } => {
                    let mut den = vec![0.0; *n_groups];
                    for (i, &g) in group.iter().enumerate() {
                        den[g as usize] += old_w[i];
                    }
                    for x in cols.iter_mut() {
                        let mut num = vec![0.0; *n_groups];
                        for (i, &g) in group.iter().enumerate() {
                            let psw = if new_w[i] == 0.0 && old_w[i] == 0.0 {
                                1.0
                            } else {
                                new_w[i]
                            };
                            num[g as usize] += x[i] * old_w[i] / psw;
                        }
                        for (i, &g) in group.iter().enumerate() {
                            let psw = if new_w[i] == 0.0 && old_w[i] == 0.0 {
                                1.0
                            } else {
                                new_w[i]
                            };
                            x[i] -= num[g as usize] / den[g as usize] * psw;
                        }
                    }
                }
                Adjustment::Rake { margins } => rake_residuals(margins, cols),
                Adjustment::Greg { x: cal, w0, g, inv } => {
                    let p = cal.len();
                    for x in cols.iter_mut() {
                        let mut b = vec![0.0; p];
                        for (j, bj) in b.iter_mut().enumerate() {
                            let cj = &cal[j];
                            let mut s = 0.0;
                            for i in 0..x.len() {
                                if g[i] != 0.0 {
                                    s += cj[i] * x[i] / g[i];
                                }
                            }
                            *bj = s;
                        }
                        let beta = linalg::mat_vec(inv, &b, p);
                        for i in 0..x.len() {
                            let mut fit = 0.0;
                            for j in 0..p {
                                fit += cal[j][i] * beta[j];
                            }
                            x[i] -= g[i] * w0[i] * fit;
                        }
                    }
                }
            }
        }
    }

    /// Taylor variance-covariance matrix (k x k, row-major) of totals whose influence values
    /// (already multiplied by the weights) are the columns `cols`. `domain` only matters for
    /// the `average` lonely-PSU rule (strata without domain rows are not counted).
    pub(crate) fn vcov(
        &self,
        mut cols: Vec<Vec<f64>>,
        domain: Option<&[bool]>,
    ) -> Result<Vec<f64>> {
        self.adjust(&mut cols);
        let k = cols.len();
        let mut v = vec![0.0; k * k];
        let n_stages = if self.has_fpc { self.stages.len() } else { 1 };
        for si in 0..n_stages {
            let st = &self.stages[si];
            let nc = st.n_clusters();
            let mut tot = vec![0.0; nc * k];
            for (j, x) in cols.iter().enumerate() {
                for (i, &c) in st.cluster.iter().enumerate() {
                    tot[c as usize * k + j] += x[i];
                }
            }
            self.stage_variance(si, &tot, k, domain, &mut v)?;
        }
        Ok(v)
    }

    /// True when influence values can be summed straight into PSU totals: no weighting
    /// adjustment and a single stage in the variance.
    pub(crate) fn single_pass(&self) -> bool {
        self.adjustments.is_empty() && (!self.has_fpc || self.stages.len() == 1)
    }

    /// Variance-covariance of k influence columns given row by row: `fill(i, out)` writes row
    /// i's k values. Without weighting adjustments and with one stage this never stores an
    /// n x k matrix: the values go straight into PSU totals.
    pub(crate) fn vcov_rows(
        &self,
        k: usize,
        domain: Option<&[bool]>,
        mut fill: impl FnMut(usize, &mut [f64]),
    ) -> Result<Vec<f64>> {
        let mut row = vec![0.0; k];
        if !self.single_pass() {
            let mut cols = vec![vec![0.0; self.n]; k];
            for i in 0..self.n {
                fill(i, &mut row);
                for j in 0..k {
                    cols[j][i] = row[j];
                }
            }
            return self.vcov(cols, domain);
        }
        let st = &self.stages[0];
        let mut tot = vec![0.0; st.n_clusters() * k];
        for (i, &c) in st.cluster.iter().enumerate() {
            fill(i, &mut row);
            let t = &mut tot[c as usize * k..c as usize * k + k];
            for j in 0..k {
                t[j] += row[j];
            }
        }
        let mut v = vec![0.0; k * k];
        self.stage_variance(0, &tot, k, domain, &mut v)?;
        Ok(v)
    }

    /// Variances only (no covariances) of k columns of stage-`si` PSU totals.
    pub(crate) fn stage_variance_diag(&self, si: usize, tot: &[f64], k: usize) -> Result<Vec<f64>> {
        let mut out = vec![0.0; k];
        let mut one = vec![0.0; 1];
        let nc = self.stages[si].n_clusters();
        let mut col = vec![0.0; nc];
        for j in 0..k {
            for c in 0..nc {
                col[c] = tot[c * k + j];
            }
            one[0] = 0.0;
            self.stage_variance(si, &col, 1, None, &mut one)?;
            out[j] = one[0];
        }
        Ok(out)
    }

    /// Adds stage `si`'s contribution (PSU totals `tot`, k columns) to `v`.
    pub(crate) fn stage_variance(
        &self,
        si: usize,
        tot: &[f64],
        k: usize,
        domain: Option<&[bool]>,
        v: &mut [f64],
    ) -> Result<()> {
        {
            let st = &self.stages[si];
            let nc = st.n_clusters();
            // Clusters grouped by stratum.
            let ns = st.n_strata();
            let mut start = vec![0usize; ns + 1];
            for &s in &st.cluster_stratum {
                start[s as usize + 1] += 1;
            }
            for s in 0..ns {
                start[s + 1] += start[s];
            }
            let mut fill = start.clone();
            let mut order = vec![0u32; nc];
            for (c, &s) in st.cluster_stratum.iter().enumerate() {
                order[fill[s as usize]] = c as u32;
                fill[s as usize] += 1;
            }
            // Strata present (for the average rule at stage 1 with a domain).
            let present: Option<Vec<bool>> =
                if si == 0 && self.lonely == LonelyPsu::Average && self.adjustments.is_empty() {
                    domain.map(|d| {
                        let mut p = vec![false; ns];
                        for i in 0..self.n {
                            if d[i] {
                                p[st.cluster_stratum[st.cluster[i] as usize] as usize] = true;
                            }
                        }
                        p
                    })
                } else {
                    None
                };
            let mut stage_v = vec![0.0; k * k];
            let mut n_ok = 0usize;
            let mut n_present = 0usize;
            let mut mean = vec![0.0; k];
            let mut dev = vec![0.0; k];
            for s in 0..ns {
                let mult = st.stratum_mult[s];
                if mult == 0.0 {
                    continue;
                }
                let is_present = present.as_ref().is_none_or(|p| p[s]);
                if is_present {
                    n_present += 1;
                }
                let members = &order[start[s]..start[s + 1]];
                let nh = st.stratum_n[s] as f64;
                let pop = st.stratum_pop[s];
                let f = if pop.is_infinite() {
                    1.0
                } else {
                    (pop - nh) / pop
                };
                if f < 1e-7 {
                    if is_present {
                        n_ok += 1;
                    }
                    continue;
                }
                let scale = if members.len() > 1 {
                    f * nh / (nh - 1.0)
                } else {
                    f
                };
                let center = if members.len() == 1 {
                    match self.lonely {
                        LonelyPsu::Fail => {
                            let label = if si == 0 {
                                self.strata_labels[s].clone()
                            } else {
                                format!("cluster {} of stage {}", s + 1, si)
                            };
                            return Err(StatsError::LonelyPsu {
                                stratum: label,
                                stage: si + 1,
                            });
                        }
                        LonelyPsu::Average => continue,
                        LonelyPsu::Remove | LonelyPsu::Certainty => {
                            if is_present {
                                n_ok += 1;
                            }
                            continue;
                        }
                        LonelyPsu::Adjust => false,
                    }
                } else {
                    true
                };
                if is_present {
                    n_ok += 1;
                }
                mean.iter_mut().for_each(|m| *m = 0.0);
                if center {
                    for &c in members {
                        for j in 0..k {
                            mean[j] += tot[c as usize * k + j];
                        }
                    }
                    for m in mean.iter_mut() {
                        *m /= members.len() as f64;
                    }
                }
                let fac = scale * mult;
                for &c in members {
                    for j in 0..k {
                        dev[j] = tot[c as usize * k + j] - mean[j];
                    }
                    for a in 0..k {
                        let da = dev[a] * fac;
                        if da == 0.0 {
                            continue;
                        }
                        for b in 0..k {
                            stage_v[a * k + b] += da * dev[b];
                        }
                    }
                }
            }
            let factor = if self.lonely == LonelyPsu::Average && si == 0 && n_ok < n_present {
                if n_ok == 0 {
                    f64::NAN
                } else {
                    n_present as f64 / n_ok as f64
                }
            } else {
                1.0
            };
            for (a, b) in v.iter_mut().zip(&stage_v) {
                *a += b * factor;
            }
        }
        Ok(())
    }
}

/// R's raking residuals: ten passes of x <- x - psw * ave(x / psw, margin) over the margins.
///
/// Every step subtracts `psw_m` times a vector indexed by margin m's groups, so the passes run
/// on those small vectors: with K[m][m'][g][h] = mean over rows of group g of margin m that are
/// in group h of margin m' of psw_m' / psw_m, a step for margin m adds to its vector A_m
/// the group means of x0/psw_m minus Σ_m' K A_m'. Only three passes over the rows remain.
fn rake_residuals(margins: &[(Vec<u32>, usize, Vec<f64>)], cols: &mut [Vec<f64>]) {
    let nm = margins.len();
    let n = margins.first().map_or(0, |m| m.0.len());
    let counts: Vec<Vec<f64>> = margins
        .iter()
        .map(|(g, ng, _)| {
            let mut c = vec![0.0; *ng];
            for &k in g {
                c[k as usize] += 1.0;
            }
            c
        })
        .collect();
    // kmat[m][mp]: ng_m x ng_mp (row-major), unused on the diagonal.
    let mut kmat: Vec<Vec<Vec<f64>>> = vec![vec![Vec::new(); nm]; nm];
    for m in 0..nm {
        for mp in 0..nm {
            if m == mp {
                continue;
            }
            let (gm, ngm, pswm) = &margins[m];
            let (gp, ngp, pswp) = &margins[mp];
            let mut k = vec![0.0; ngm * ngp];
            for i in 0..n {
                k[gm[i] as usize * ngp + gp[i] as usize] += pswp[i] / pswm[i];
            }
            for g in 0..*ngm {
                for h in 0..*ngp {
                    k[g * ngp + h] /= counts[m][g];
                }
            }
            kmat[m][mp] = k;
        }
    }
    for x in cols.iter_mut() {
        // b[m][g]: group means of x0 / psw_m.
        let b: Vec<Vec<f64>> = margins
            .iter()
            .zip(&counts)
            .map(|((g, ng, psw), cnt)| {
                let mut s = vec![0.0; *ng];
                for i in 0..n {
                    s[g[i] as usize] += x[i] / psw[i];
                }
                s.iter().zip(cnt).map(|(a, c)| a / c).collect()
            })
            .collect();
        let mut acc: Vec<Vec<f64>> = margins.iter().map(|(_, ng, _)| vec![0.0; *ng]).collect();
        for _ in 0..10 {
            for m in 0..nm {
                let ngm = margins[m].1;
                for g in 0..ngm {
                    // Current group mean of x / psw_m.
                    let mut mean = b[m][g] - acc[m][g];
                    for mp in 0..nm {
                        if mp != m {
                            let ngp = margins[mp].1;
                            let row = &kmat[m][mp][g * ngp..(g + 1) * ngp];
                            mean -= row.iter().zip(&acc[mp]).map(|(k, a)| k * a).sum::<f64>();
                        }
                    }
                    acc[m][g] += mean;
                }
            }
        }
        for (m, (g, _, psw)) in margins.iter().enumerate() {
            for i in 0..n {
                x[i] -= psw[i] * acc[m][g[i] as usize];
            }
        }
    }
}

/// Renumbers codes densely in order of first appearance.
fn dense_index(codes: &[u32]) -> Vec<u32> {
    let max = codes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut map = vec![u32::MAX; max];
    let mut next = 0u32;
    let mut out = Vec::with_capacity(codes.len());
    for &c in codes {
        let m = &mut map[c as usize];
        if *m == u32::MAX {
            *m = next;
            next += 1;
        }
        out.push(*m);
    }
    out
}

fn make_stage(cluster: Vec<u32>, cluster_stratum: Vec<u32>, n_strata: usize) -> Stage {
    let mut stratum_n = vec![0u32; n_strata];
    for &s in &cluster_stratum {
        stratum_n[s as usize] += 1;
    }
    Stage {
        cluster,
        cluster_stratum,
        stratum_n,
        stratum_pop: vec![f64::INFINITY; n_strata],
        stratum_mult: vec![1.0; n_strata],
    }
}
