//! Planning: sample size and margin of error for a proportion or a mean (with design effect,
//! finite population correction and expected response rate) and stratified allocation
//! (proportional, Neyman, optimal with costs).
//!
//! Formulas (z the normal quantile of the confidence level, e the margin of error):
//! n₀ = z² · S² · deff / e² with S² = p(1-p) for a proportion or σ² for a mean;
//! with a population of N, n = n₀ N / (n₀ + N − 1) (the inverse of e = z √(deff S²/n · (N−n)/(N−1)));
//! the number to contact is n / response rate, rounded up.

use std::str::FromStr;

use crate::dist;
use crate::error::{Result, StatsError, invalid};

/// What the sample must estimate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// A proportion with an expected value p (0.5 when unknown: the largest sample).
    Proportion(f64),
    /// A mean with an expected population standard deviation.
    Mean(f64),
}

/// Inputs of a sample-size calculation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// What is estimated.
    pub target: Target,
    /// Confidence level, e.g. 0.95.
    pub level: f64,
    /// Design effect (1 for simple random sampling).
    pub deff: f64,
    /// Population size (None: infinite).
    pub population: Option<f64>,
    /// Expected response rate in (0, 1].
    pub response_rate: f64,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            target: Target::Proportion(0.5),
            level: 0.95,
            deff: 1.0,
            population: None,
            response_rate: 1.0,
        }
    }
}

/// A computed sample size, step by step.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSize {
    /// Simple-random-sampling size for an infinite population.
    pub n_srs: f64,
    /// After the design effect.
    pub n_deff: f64,
    /// After the finite population correction.
    pub n_fpc: f64,
    /// Completed interviews needed (rounded up).
    pub completes: u64,
    /// Units to contact given the response rate (rounded up).
    pub contacts: u64,
}

fn check_plan(plan: &Plan) -> Result<f64> {
    if !(plan.level > 0.0 && plan.level < 1.0) {
        return Err(invalid(
            "level",
            format!("{} must be between 0 and 1", plan.level),
        ));
    }
    if !(plan.deff > 0.0 && plan.deff.is_finite()) {
        return Err(invalid("deff", format!("{} must be positive", plan.deff)));
    }
    if !(plan.response_rate > 0.0 && plan.response_rate <= 1.0) {
        return Err(invalid(
            "response-rate",
            format!("{} must be in (0, 1]", plan.response_rate),
        ));
    }
    if let Some(n) = plan.population
        && !(n >= 1.0 && n.is_finite())
    {
        return Err(invalid("population", format!("{n} must be at least 1")));
    }
    match plan.target {
        Target::Proportion(p) if !(0.0..=1.0).contains(&p) => {
            Err(invalid("p", format!("{p} must be between 0 and 1")))
        }
        Target::Proportion(p) => Ok(p * (1.0 - p)),
        Target::Mean(sd) if !(sd > 0.0 && sd.is_finite()) => {
            Err(invalid("sd", format!("{sd} must be positive")))
        }
        Target::Mean(sd) => Ok(sd * sd),
    }
}

/// Sample size for a margin of error `moe` (half-width of the interval).
pub fn sample_size(plan: &Plan, moe: f64) -> Result<SampleSize> {
    let s2 = check_plan(plan)?;
    if !(moe > 0.0 && moe.is_finite()) {
        return Err(invalid("moe", format!("{moe} must be positive")));
    }
    let z = dist::qnorm(1.0 - (1.0 - plan.level) / 2.0);
    let n_srs = z * z * s2 / (moe * moe);
    let n_deff = n_srs * plan.deff;
    let n_fpc = match plan.population {
        Some(pop) => n_deff * pop / (n_deff + pop - 1.0),
        None => n_deff,
    };
    let completes = (n_fpc - 1e-9).ceil().max(1.0);
    let contacts = (completes / plan.response_rate - 1e-9).ceil();
    Ok(SampleSize {
        n_srs,
        n_deff,
        n_fpc,
        completes: completes as u64,
        contacts: contacts as u64,
    })
}

/// Margin of error of `n` completed interviews.
pub fn margin_of_error(plan: &Plan, n: f64) -> Result<f64> {
    let s2 = check_plan(plan)?;
    if !(n >= 1.0 && n.is_finite()) {
        return Err(invalid("n", format!("{n} must be at least 1")));
    }
    let z = dist::qnorm(1.0 - (1.0 - plan.level) / 2.0);
    let fpc = match plan.population {
        Some(pop) if n > pop => {
            return Err(invalid(
                "n",
                format!("{n} is larger than the population {pop}"),
            ));
        }
        Some(pop) if pop > 1.0 => (pop - n) / (pop - 1.0),
        Some(_) => 0.0,
        None => 1.0,
    };
    Ok(z * (plan.deff * s2 / n * fpc).sqrt())
}

/// How to share a sample among strata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Allocation {
    /// n_h ∝ N_h.
    #[default]
    Proportional,
    /// n_h ∝ N_h S_h.
    Neyman,
    /// n_h ∝ N_h S_h / √c_h.
    Optimal,
}

impl FromStr for Allocation {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "proportional" => Ok(Allocation::Proportional),
            "neyman" => Ok(Allocation::Neyman),
            "optimal" => Ok(Allocation::Optimal),
            o => Err(invalid(
                "allocation",
                format!("`{o}`: use proportional, neyman or optimal"),
            )),
        }
    }
}

/// One stratum of an allocation.
#[derive(Debug, Clone, PartialEq)]
pub struct StratumPlan {
    /// Label.
    pub name: String,
    /// Population size N_h.
    pub size: f64,
    /// Standard deviation S_h (Neyman, optimal).
    pub sd: f64,
    /// Cost per interview c_h (optimal).
    pub cost: f64,
}

/// Allocates `n` interviews to strata. Strata whose share exceeds their size are taken whole
/// and the rest is shared again; rounding keeps the total at `n` (largest remainders).
pub fn allocate(n: u64, strata: &[StratumPlan], method: Allocation) -> Result<Vec<u64>> {
    if strata.is_empty() {
        return Err(invalid("strata", "no strata / không có tầng"));
    }
    let total: f64 = strata.iter().map(|s| s.size).sum();
    if (n as f64) > total {
        return Err(invalid(
            "n",
            format!("{n} is larger than the population {total}"),
        ));
    }
    let mut score = Vec::with_capacity(strata.len());
    for s in strata {
        if !(s.size >= 0.0 && s.size.is_finite()) || s.size.fract() != 0.0 {
            return Err(invalid(
                "size",
                format!(
                    "stratum `{}`: size {} must be a whole number",
                    s.name, s.size
                ),
            ));
        }
        let v = match method {
            Allocation::Proportional => s.size,
            Allocation::Neyman => {
                if !(s.sd >= 0.0 && s.sd.is_finite()) {
                    return Err(invalid("sd", format!("stratum `{}`: sd {}", s.name, s.sd)));
                }
                s.size * s.sd
            }
            Allocation::Optimal => {
                if !(s.sd >= 0.0 && s.sd.is_finite() && s.cost > 0.0 && s.cost.is_finite()) {
                    return Err(invalid(
                        "cost",
                        format!(
                            "stratum `{}`: sd {} and cost {} must be positive",
                            s.name, s.sd, s.cost
                        ),
                    ));
                }
                s.size * s.sd / s.cost.sqrt()
            }
        };
        score.push(v);
    }
    if score.iter().sum::<f64>() <= 0.0 {
        return Err(invalid(
            "strata",
            "every stratum has zero weight in this allocation",
        ));
    }
    // Continuous allocation with caps.
    let k = strata.len();
    let mut alloc = vec![0.0; k];
    let mut capped = vec![false; k];
    let mut left = n as f64;
    loop {
        let free: f64 = (0..k).filter(|&h| !capped[h]).map(|h| score[h]).sum();
        if free <= 0.0 {
            break;
        }
        let mut changed = false;
        for h in 0..k {
            if !capped[h] {
                alloc[h] = left * score[h] / free;
                if alloc[h] > strata[h].size {
                    capped[h] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
        for h in 0..k {
            if capped[h] {
                alloc[h] = strata[h].size;
            }
        }
        left = n as f64
            - (0..k)
                .filter(|&h| capped[h])
                .map(|h| strata[h].size)
                .sum::<f64>();
    }
    // Largest remainder rounding within caps.
    let mut out: Vec<u64> = alloc.iter().map(|a| a.floor() as u64).collect();
    let mut rest = n - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| (alloc[b] - alloc[b].floor()).total_cmp(&(alloc[a] - alloc[a].floor())));
    while rest > 0 {
        let mut progressed = false;
        for &h in &order {
            if rest > 0 && (out[h] as f64) < strata[h].size {
                out[h] += 1;
                rest -= 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_n(plan: Plan, moe: f64, completes: u64, contacts: u64) {
        let s = sample_size(&plan, moe).unwrap();
        assert_eq!(
            (s.completes, s.contacts),
            (completes, contacts),
            "{plan:?} {s:?}"
        );
    }

    #[test]
    fn classic_sample_sizes() {
        // 1.96² · 0.25 / 0.03² = 1067.07 → 1068.
        check_n(Plan::default(), 0.03, 1068, 1068);
        // With deff 2 and a 60% response rate.
        check_n(
            Plan {
                deff: 2.0,
                response_rate: 0.6,
                ..Plan::default()
            },
            0.05,
            769,
            1282,
        );
        // Finite population of 1000.
        check_n(
            Plan {
                population: Some(1000.0),
                ..Plan::default()
            },
            0.05,
            278,
            278,
        );
        // A mean with sd 10 to ± 1 at 95%: 1.96² · 100 = 384.1 → 385.
        check_n(
            Plan {
                target: Target::Mean(10.0),
                ..Plan::default()
            },
            1.0,
            385,
            385,
        );
    }

    #[test]
    fn allocation_rules() {
        let strata = |v: &[(f64, f64, f64)]| -> Vec<StratumPlan> {
            v.iter()
                .enumerate()
                .map(|(i, &(size, sd, cost))| StratumPlan {
                    name: format!("s{i}"),
                    size,
                    sd,
                    cost,
                })
                .collect()
        };
        let s = strata(&[(5000.0, 10.0, 1.0), (3000.0, 20.0, 4.0), (2000.0, 5.0, 1.0)]);
        assert_eq!(
            allocate(100, &s, Allocation::Proportional).unwrap(),
            [50, 30, 20]
        );
        // Neyman: 50000 : 60000 : 10000.
        assert_eq!(allocate(120, &s, Allocation::Neyman).unwrap(), [50, 60, 10]);
        // Optimal: 50000 : 30000 : 10000.
        assert_eq!(allocate(90, &s, Allocation::Optimal).unwrap(), [50, 30, 10]);
        // A small stratum is taken whole.
        let s = strata(&[(10.0, 100.0, 1.0), (1000.0, 1.0, 1.0)]);
        assert_eq!(allocate(50, &s, Allocation::Neyman).unwrap(), [10, 40]);
    }
}
