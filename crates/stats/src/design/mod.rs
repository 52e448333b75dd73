//! Survey designs (R's `svydesign`): strata, multistage clusters, weights, finite population
//! corrections, `nest`, lonely-PSU rules, and the Taylor-linearisation variance of R's `svyrecvar`.
//!
//! A design keeps only integer indices per row (cluster of each row at each stage, stratum of
//! each cluster), so a variance is one pass over the rows to sum PSU totals and one pass over
//! the PSUs: no sorting and no per-group copies.

mod build;
mod variance;

use std::str::FromStr;

use crate::data::Factor;
use crate::error::{Result, StatsError, invalid};

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
}
