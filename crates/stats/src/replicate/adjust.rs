//! Weighting adjustments of a replicate design, applied to the full-sample and every
//! replicate weight: post-stratification, calibration and raking.

use std::collections::HashMap;

use super::RepDesign;
use crate::data::Factor;
use crate::error::{Result, StatsError, invalid};
use crate::weighting::{
    CalibrateOptions, Cells, Margin, ModelMatrix, RakeOptions, g_weights, lookup_population,
};

impl RepDesign {
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
