//! Reproducible sample draws from a frame: simple random, stratified, systematic PPS and
//! two-stage (PPS of clusters, then simple random units within them).
//!
//! The algorithms are ours and fixed, so a seed always gives the same sample:
//! * SRS: partial Fisher-Yates shuffle of the row indices with [`crate::random::Rng`].
//! * Stratified: an independent SRS in each stratum, strata in level order, one generator.
//! * Systematic PPS (Madow): units whose size is at least the sampling interval are taken with
//!   certainty (repeatedly, until none is); the others are selected at u, u + I, u + 2I, … on the
//!   cumulated sizes in frame order, with I = remaining size / remaining n and u uniform in [0, I).
//!   Sort the frame first for implicit stratification.
//! * Two-stage: systematic PPS of clusters by their number of frame units, then an SRS of `m`
//!   units in each selected cluster (all of them when it has fewer).
//!
//! Every draw returns the selected rows in frame order with their inclusion probabilities.

use crate::data::Factor;
use crate::error::{Result, invalid};
use crate::random::Rng;

/// A drawn sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Selected rows of the frame, increasing.
    pub rows: Vec<usize>,
    /// Inclusion probability of each selected row.
    pub probs: Vec<f64>,
}

impl Sample {
    /// Design weights (1 / inclusion probability).
    pub fn weights(&self) -> Vec<f64> {
        self.probs.iter().map(|p| 1.0 / p).collect()
    }
}

/// Simple random sample of `n` rows out of `frame_size`, without replacement.
pub fn srs(frame_size: usize, n: usize, seed: u64) -> Result<Sample> {
    if n > frame_size {
        return Err(invalid(
            "n",
            format!("{n} is larger than the frame ({frame_size} rows)"),
        ));
    }
    let mut rng = Rng::new(seed);
    let mut rows = rng.sample_without_replacement(frame_size, n);
    rows.sort_unstable();
    let p = n as f64 / frame_size as f64;
    Ok(Sample {
        probs: vec![p; rows.len()],
        rows,
    })
}

/// Stratified simple random sample: `sizes[h]` rows from level h of `strata`.
pub fn stratified(strata: &Factor, sizes: &[usize], seed: u64) -> Result<Sample> {
    if sizes.len() != strata.n_levels() {
        return Err(invalid(
            "sizes",
            format!("{} sizes for {} strata", sizes.len(), strata.n_levels()),
        ));
    }
    strata.check("strata")?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); strata.n_levels()];
    for (i, &c) in strata.codes.iter().enumerate() {
        members[c as usize].push(i);
    }
    let mut rng = Rng::new(seed);
    let mut picked: Vec<(usize, f64)> = Vec::new();
    for (h, m) in members.iter().enumerate() {
        if sizes[h] > m.len() {
            return Err(invalid(
                "sizes",
                format!(
                    "stratum `{}`: {} requested, {} in the frame",
                    strata.levels[h],
                    sizes[h],
                    m.len()
                ),
            ));
        }
        let p = if m.is_empty() {
            0.0
        } else {
            sizes[h] as f64 / m.len() as f64
        };
        for j in rng.sample_without_replacement(m.len(), sizes[h]) {
            picked.push((m[j], p));
        }
    }
    picked.sort_by_key(|x| x.0);
    Ok(Sample {
        rows: picked.iter().map(|x| x.0).collect(),
        probs: picked.iter().map(|x| x.1).collect(),
    })
}

/// Inclusion probabilities proportional to size for a sample of `n` with certainty units
/// capped at 1.
pub fn pps_probabilities(sizes: &[f64], n: usize) -> Result<Vec<f64>> {
    if let Some(i) = sizes.iter().position(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(invalid(
            "size",
            format!("row {}: size {} must be non-negative", i + 1, sizes[i]),
        ));
    }
    let positive = sizes.iter().filter(|&&s| s > 0.0).count();
    if n > positive {
        return Err(invalid(
            "n",
            format!("{n} is larger than the {positive} units with a positive size"),
        ));
    }
    let mut prob = vec![0.0; sizes.len()];
    let mut certain = vec![false; sizes.len()];
    let mut left = n as f64;
    loop {
        let total: f64 = sizes
            .iter()
            .zip(&certain)
            .filter(|(_, c)| !**c)
            .map(|(s, _)| s)
            .sum();
        let mut changed = false;
        for i in 0..sizes.len() {
            if !certain[i] && sizes[i] > 0.0 && sizes[i] * left >= total {
                certain[i] = true;
                changed = true;
            }
        }
        if !changed {
            for i in 0..sizes.len() {
                prob[i] = if certain[i] {
                    1.0
                } else if total > 0.0 {
                    sizes[i] * left / total
                } else {
                    0.0
                };
            }
            return Ok(prob);
        }
        left = n as f64 - certain.iter().filter(|&&c| c).count() as f64;
        if left <= 0.0 {
            for i in 0..sizes.len() {
                prob[i] = if certain[i] { 1.0 } else { 0.0 };
            }
            return Ok(prob);
        }
    }
}

/// Systematic PPS sample of `n` units with sizes `sizes` (Madow's method, see the module docs).
pub fn systematic_pps(sizes: &[f64], n: usize, seed: u64) -> Result<Sample> {
    let prob = pps_probabilities(sizes, n)?;
    let mut rng = Rng::new(seed);
    let certain: Vec<usize> = (0..sizes.len()).filter(|&i| prob[i] >= 1.0).collect();
    let rest = n.saturating_sub(certain.len());
    let mut rows = certain.clone();
    if rest > 0 {
        // Cumulate the probabilities (they sum to `rest`); interval 1.
        let u = rng.uniform();
        let mut next = u;
        let mut cum = 0.0;
        for (i, &p) in prob.iter().enumerate() {
            if p >= 1.0 || p <= 0.0 {
                continue;
            }
            cum += p;
            if cum > next {
                rows.push(i);
                next += 1.0;
            }
        }
        // Rounding could leave the last pick out.
        if rows.len() < n
            && let Some(last) = (0..prob.len())
                .rev()
                .find(|&i| prob[i] > 0.0 && prob[i] < 1.0 && !rows.contains(&i))
        {
            rows.push(last);
        }
    }
    rows.sort_unstable();
    let probs = rows.iter().map(|&i| prob[i]).collect();
    Ok(Sample { rows, probs })
}

/// Two-stage sample: `n_clusters` clusters by systematic PPS on their unit counts, then `m`
/// units by SRS in each selected cluster.
pub fn two_stage(clusters: &Factor, n_clusters: usize, m: usize, seed: u64) -> Result<Sample> {
    clusters.check("clusters")?;
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); clusters.n_levels()];
    for (i, &c) in clusters.codes.iter().enumerate() {
        members[c as usize].push(i);
    }
    let sizes: Vec<f64> = members.iter().map(|v| v.len() as f64).collect();
    let first = systematic_pps(&sizes, n_clusters, seed)?;
    let mut rng = Rng::new(seed ^ 0x5bd1_e995_u64.rotate_left(17));
    let mut picked = Vec::new();
    for (&c, &p1) in first.rows.iter().zip(&first.probs) {
        let mem = &members[c];
        let k = m.min(mem.len());
        let p2 = k as f64 / mem.len() as f64;
        for j in rng.sample_without_replacement(mem.len(), k) {
            picked.push((mem[j], p1 * p2));
        }
    }
    picked.sort_by_key(|x| x.0);
    Ok(Sample {
        rows: picked.iter().map(|x| x.0).collect(),
        probs: picked.iter().map(|x| x.1).collect(),
    })
}
