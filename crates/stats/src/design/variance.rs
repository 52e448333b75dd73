//! Taylor-linearisation variances (R's `svyrecvar`): the weighting adjustments of influence
//! values, PSU totals per stage and each stage's contribution with the lonely-PSU rules.

use super::{Adjustment, Design, LonelyPsu};
use crate::error::{Result, StatsError};
use crate::linalg;

impl Design {
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
