//! Building replicate weights: supplied with the data, or from a Taylor design by JK1, JKn,
//! BRR/Fay (balanced half-samples) or the Rao-Wu bootstrap.

use super::{RepDesign, RepType};
use crate::design::{Design, LonelyPsu, check_weights};
use crate::error::{Result, StatsError, degenerate, invalid};
use crate::random::Rng;

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
}

fn psus_by_stratum(cluster_stratum: &[u32], nstr: usize) -> Vec<Vec<u32>> {
    let mut m = vec![Vec::new(); nstr];
    for (c, &s) in cluster_stratum.iter().enumerate() {
        m[s as usize].push(c as u32);
    }
    m
}
