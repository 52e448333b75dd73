//! Building a design from its specification: checks, strata, the clusters of each stage
//! (nested or not), weights from probabilities and the finite population corrections.

use std::collections::HashMap;

use super::{Design, DesignSpec, Stage, check_len, check_weights};
use crate::data::Factor;
use crate::error::{Result, StatsError, invalid};

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
