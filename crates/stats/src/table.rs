//! Two-way tables: Pearson's chi-square with the Rao-Scott corrections (R's `svychisq`).

use std::str::FromStr;

use crate::data::Factor;
use crate::design::Design;
use crate::dist;
use crate::error::{Result, StatsError, degenerate, invalid};
use crate::linalg;

/// Which Rao-Scott correction to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChisqStatistic {
    /// Second-order correction referred to an F distribution (R's default `statistic="F"`).
    #[default]
    F,
    /// First-order (mean eigenvalue) correction referred to chi-square (`statistic="Chisq"`).
    Chisq,
}

impl FromStr for ChisqStatistic {
    type Err = StatsError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "F" | "f" => Ok(ChisqStatistic::F),
            "Chisq" | "chisq" => Ok(ChisqStatistic::Chisq),
            o => Err(invalid("statistic", format!("`{o}`: use F or Chisq"))),
        }
    }
}

/// Result of a design-based test of independence.
#[derive(Debug, Clone, PartialEq)]
pub struct ChisqTest {
    /// F statistic (second order) or Pearson X² (first order).
    pub statistic: f64,
    /// Numerator degrees of freedom (F) or chi-square df.
    pub ndf: f64,
    /// Denominator degrees of freedom (F only; infinite for chi-square).
    pub ddf: f64,
    /// p-value.
    pub p_value: f64,
    /// Pearson X² of the weighted table rescaled to the sample size.
    pub pearson: f64,
    /// Estimated cell proportions, rows varying fastest.
    pub cells: Vec<f64>,
}

impl Design {
    /// Rao-Scott test of independence of two factors (R's `svychisq(~a+b, design)`).
    pub fn chisq(&self, a: &Factor, b: &Factor, statistic: ChisqStatistic) -> Result<ChisqTest> {
        for (name, f) in [("rows", a), ("columns", b)] {
            if f.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: name.into(),
                    expected: self.n,
                    found: f.len(),
                });
            }
        }
        a.check("rows")?;
        b.check("columns")?;
        let nr = a.n_levels();
        let nc = b.n_levels();
        if nr < 2 || nc < 2 {
            return Err(degenerate(
                "chi-square test",
                "each variable needs at least two levels / mỗi biến cần ít nhất hai mức",
            ));
        }
        let k = nr * nc;
        let mut ind = vec![vec![0.0; self.n]; k];
        for i in 0..self.n {
            ind[a.codes[i] as usize + nr * b.codes[i] as usize][i] = 1.0;
        }
        let refs: Vec<&[f64]> = ind.iter().map(|v| v.as_slice()).collect();
        let (means, v) = self.means_cov(&refs, None)?;
        let mean2: Vec<f64> = means.iter().map(|e| e.estimate).collect();
        let nu = self.n_psu() as f64 - self.n_strata() as f64;
        rao_scott(mean2, &v, self.n as f64, nu, nr, nc, statistic)
    }
}

impl Design {
    /// Rao-Scott test of independence within a domain (R's `svychisq(~a+b, subset(design,
    /// domain))`): the tables' levels are those met in the domain; the design's degrees of
    /// freedom are the domain's when the weights are the sampling weights (R drops the other
    /// rows), the whole design's once calibrated (R keeps them with zero weight).
    pub fn chisq_in(
        &self,
        a: &Factor,
        b: &Factor,
        domain: Option<&[bool]>,
        statistic: ChisqStatistic,
    ) -> Result<ChisqTest> {
        let Some(dm) = domain else {
            return self.chisq(a, b, statistic);
        };
        crate::estimate::check_domain(self, Some(dm))?;
        for (name, f) in [("rows", a), ("columns", b)] {
            if f.len() != self.n {
                return Err(StatsError::RaggedColumns {
                    column: name.into(),
                    expected: self.n,
                    found: f.len(),
                });
            }
        }
        // Levels met in the domain, renumbered in their order.
        let used = |f: &Factor| -> Vec<Option<u32>> {
            let mut seen = vec![false; f.n_levels()];
            for (i, &c) in f.codes.iter().enumerate() {
                if dm[i] {
                    seen[c as usize] = true;
                }
            }
            let mut next = 0;
            seen.iter()
                .map(|&s| {
                    s.then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        let (ua, ub) = (used(a), used(b));
        let nr = ua.iter().flatten().count();
        let nc = ub.iter().flatten().count();
        if nr < 2 || nc < 2 {
            return Err(degenerate(
                "chi-square test",
                "each variable needs at least two levels / mỗi biến cần ít nhất hai mức",
            ));
        }
        let k = nr * nc;
        let mut ind = vec![vec![0.0; self.n]; k];
        for i in 0..self.n {
            if dm[i]
                && let (Some(r), Some(c)) = (ua[a.codes[i] as usize], ub[b.codes[i] as usize])
            {
                ind[r as usize + nr * c as usize][i] = 1.0;
            }
        }
        let refs: Vec<&[f64]> = ind.iter().map(|v| v.as_slice()).collect();
        let (means, v) = self.means_cov(&refs, Some(dm))?;
        let mean2: Vec<f64> = means.iter().map(|e| e.estimate).collect();
        let (n, nu) = if self.adjustments.is_empty() {
            (
                dm.iter().filter(|&&x| x).count() as f64,
                self.degf(Some(dm)),
            )
        } else {
            (self.n as f64, self.n_psu() as f64 - self.n_strata() as f64)
        };
        rao_scott(mean2, &v, n, nu, nr, nc, statistic)
    }
}

/// Rao-Scott corrections of Pearson's X² from estimated cell proportions `mean2` (rows
/// varying fastest) and their covariance `v`, for `n` rows and `nu` design degrees of freedom.
pub(crate) fn rao_scott(
    mean2: Vec<f64>,
    v: &[f64],
    n: f64,
    nu: f64,
    nr: usize,
    nc: usize,
    statistic: ChisqStatistic,
) -> Result<ChisqTest> {
    let k = nr * nc;
    // Pearson on the weighted table scaled to n.
    let mut row = vec![0.0; nr];
    let mut col = vec![0.0; nc];
    let tab: Vec<f64> = mean2.iter().map(|m| m * n).collect();
    for r in 0..nr {
        for c in 0..nc {
            row[r] += tab[r + nr * c];
            col[c] += tab[r + nr * c];
        }
    }
    let mut pearson = 0.0;
    for r in 0..nr {
        for c in 0..nc {
            let e = row[r] * col[c] / n;
            pearson += (tab[r + nr * c] - e).powi(2) / e;
        }
    }
    // Interaction contrasts orthogonal to the main effects (double centring).
    let q = (nr - 1) * (nc - 1);
    let mut cm = vec![0.0; k * q];
    let mut idx = 0;
    for cj in 1..nc {
        for ri in 1..nr {
            for r in 0..nr {
                for c in 0..nc {
                    let e = if r == ri && c == cj { 1.0 } else { 0.0 };
                    let rm = if r == ri { 1.0 / nc as f64 } else { 0.0 };
                    let cmn = if c == cj { 1.0 / nr as f64 } else { 0.0 };
                    cm[(r + nr * c) * q + idx] = e - rm - cmn + 1.0 / k as f64;
                }
            }
            idx += 1;
        }
    }
    let idiag: Vec<f64> = mean2
        .iter()
        .map(|&m| if m == 0.0 { 0.0 } else { 1.0 / m })
        .collect();
    // denom = C' (iD / N) C ; numr = C' iD V iD C
    let mut dc = cm.clone();
    for cell in 0..k {
        for j in 0..q {
            dc[cell * q + j] *= idiag[cell];
        }
    }
    let ct = linalg::transpose(&cm, k, q);
    let mut denom = linalg::mat_mul(&ct, &dc, q, k, q);
    denom.iter_mut().for_each(|x| *x /= n);
    let vdc = linalg::mat_mul(v, &dc, k, k, q);
    let dct = linalg::transpose(&dc, k, q);
    let numr = linalg::mat_mul(&dct, &vdc, q, k, q);
    let inv = linalg::invert(&denom, q).ok_or_else(|| {
        degenerate(
            "chi-square test",
            "empty cells make the table singular / bảng có ô rỗng",
        )
    })?;
    let delta = linalg::mat_mul(&inv, &numr, q, q, q);
    let tr: f64 = (0..q).map(|i| delta[i * q + i]).sum();
    let d2 = linalg::mat_mul(&delta, &delta, q, q, q);
    let tr2: f64 = (0..q).map(|i| d2[i * q + i]).sum();
    let d0 = tr * tr / tr2;
    Ok(match statistic {
        ChisqStatistic::F => {
            let f = pearson / tr;
            ChisqTest {
                statistic: f,
                ndf: d0,
                ddf: d0 * nu,
                p_value: dist::pf_upper(f, d0, d0 * nu),
                pearson,
                cells: mean2,
            }
        }
        ChisqStatistic::Chisq => ChisqTest {
            statistic: pearson,
            ndf: q as f64,
            ddf: f64::INFINITY,
            p_value: dist::pchisq_upper(pearson / (tr / q as f64), q as f64),
            pearson,
            cells: mean2,
        },
    })
}
