//! Replicate-weight designs: JK1, JKn, BRR and Fay (balanced half-samples), the Rao-Wu
//! bootstrap (seeded), and replicate weights supplied with the data (R's `as.svrepdesign`,
//! `svrepdesign`, `svrVar`).

mod adjust;
mod build;
mod estimators;
mod inference;

pub use build::hadamard;

use std::str::FromStr;

use crate::design::Design;
use crate::error::{Result, StatsError, invalid};
use crate::estimate::{Estimate, in_domain};

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

impl RepDesign {
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
}

impl Design {
    /// Replicate version of this design (see [`RepDesign::from_design`]).
    pub fn replicates(&self, kind: RepType, seed: u64) -> Result<RepDesign> {
        RepDesign::from_design(self, kind, seed)
    }
}
