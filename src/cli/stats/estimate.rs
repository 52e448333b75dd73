//! `duluan stats FILE …`: every requested estimate over CSV bytes, on the design (or its
//! replicates) and in each `--by` domain.

use anyhow::{Result, anyhow, bail};
use duluan_stats::{
    ChisqStatistic, CipropMethod, Design, DesignSpec, Estimate, Frame, Interval, QuantileRule,
    RepDesign, RepType,
};

use super::EstimateArgs;
use super::output::{Row, row};
use super::weighting::{apply_weighting, weight_replicates};

/// Population files given beside the data.
#[derive(Debug, Default)]
pub struct SideFiles {
    /// `--poststratify` contents.
    pub poststratify: Option<Vec<u8>>,
    /// `--rake` contents.
    pub rake: Option<Vec<u8>>,
    /// `--calibrate` contents.
    pub calibrate: Option<Vec<u8>>,
}

fn split_plus(s: &Option<String>) -> Vec<String> {
    match s.as_deref().map(str::trim) {
        None | Some("") | Some("1") | Some("~1") => Vec::new(),
        Some(v) => v
            .trim_start_matches('~')
            .split('+')
            .map(|x| x.trim().to_string())
            .collect(),
    }
}

/// Every column the options refer to, for one "unknown column" error.
fn referenced_columns(a: &EstimateArgs) -> Result<Vec<String>> {
    let mut cols = split_plus(&a.ids);
    cols.extend(split_plus(&a.fpc));
    cols.extend(a.strata.iter().cloned());
    cols.extend(a.weights.iter().cloned());
    cols.extend(a.mean.iter().cloned());
    cols.extend(a.total.iter().cloned());
    cols.extend(a.variance.iter().cloned());
    cols.extend(a.prop.iter().cloned());
    cols.extend(a.by.iter().cloned());
    for r in &a.ratio {
        let (n, d) = r
            .split_once('/')
            .ok_or_else(|| anyhow!("--ratio `{r}`: write NUM/DEN"))?;
        cols.push(n.trim().into());
        cols.push(d.trim().into());
    }
    for q in &a.quantile {
        cols.push(q.split(':').next().unwrap_or_default().trim().into());
    }
    for t in &a.table {
        let parts: Vec<&str> = t.split('+').map(str::trim).collect();
        if parts.len() != 2 {
            bail!("--table `{t}`: write A+B (two columns)");
        }
        cols.extend(parts.iter().map(|s| s.to_string()));
    }
    Ok(cols)
}

fn build_design(a: &EstimateArgs, frame: &Frame) -> Result<Design> {
    let spec = DesignSpec {
        ids: split_plus(&a.ids)
            .iter()
            .map(|c| frame.factor(c))
            .collect::<Result<_, _>>()?,
        strata: a.strata.as_deref().map(|s| frame.factor(s)).transpose()?,
        weights: a
            .weights
            .as_deref()
            .map(|w| frame.numeric(w).map(<[f64]>::to_vec))
            .transpose()?,
        probs: None,
        fpc: split_plus(&a.fpc)
            .iter()
            .map(|c| frame.numeric(c).map(<[f64]>::to_vec))
            .collect::<Result<_, _>>()?,
        nest: a.nest,
        lonely_psu: a.lonely_psu.parse()?,
    };
    Ok(Design::new(frame.rows(), spec)?)
}

/// Runs every requested estimate over CSV bytes.
pub fn estimate(a: &EstimateArgs, data: &[u8], side: &SideFiles) -> Result<Vec<Row>> {
    let frame = Frame::from_csv(data)?;
    let cols = referenced_columns(a)?;
    let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    frame.require(&refs)?;
    if !(a.level > 0.0 && a.level < 1.0) {
        bail!("--level {}: must be between 0 and 1", a.level);
    }
    let interval = match a.interval.as_str() {
        "t" => Interval::T,
        "normal" => Interval::Normal,
        o => bail!("--interval `{o}`: use t or normal"),
    };
    let with_replicates = a.replicates.is_some() || a.repweights.is_some();
    if with_replicates && (side.calibrate.is_some() || a.trim.is_some()) {
        bail!(
            "--calibrate and --trim are not available with replicate weights yet; use --poststratify or --rake"
        );
    }
    // With replicates, weighting is applied to every replicate after they are built.
    let design = if with_replicates {
        build_design(a, &frame)?
    } else {
        apply_weighting(a, &frame, side, build_design(a, &frame)?)?
    };
    let kind = match a.replicates.as_deref() {
        None if a.repweights.is_some() => Some(RepType::Other),
        None => None,
        Some("other") => Some(RepType::Other),
        Some(k) => Some(match k.parse::<RepType>()? {
            RepType::Bootstrap(_) => RepType::Bootstrap(a.bootstrap_replicates),
            RepType::Brr => match a.fay_rho {
                Some(rho) if rho > 0.0 => RepType::Fay(rho),
                _ => RepType::Brr,
            },
            k => k,
        }),
    };
    let reps = match kind {
        None => None,
        Some(kind) => match &a.repweights {
            Some(prefix) => {
                let names: Vec<&String> = frame
                    .names()
                    .iter()
                    .filter(|n| n.starts_with(prefix.as_str()))
                    .collect();
                if names.is_empty() {
                    bail!(
                        "--repweights `{prefix}`: no column starts with it; columns: {}",
                        frame.names().join(", ")
                    );
                }
                let reps = names
                    .iter()
                    .map(|n| frame.numeric(n).map(<[f64]>::to_vec))
                    .collect::<Result<Vec<_>, _>>()?;
                let pw = match &a.weights {
                    Some(w) => frame.numeric(w)?.to_vec(),
                    None => bail!("--repweights needs --weights (the full-sample weights)"),
                };
                if kind == RepType::Jkn {
                    bail!(
                        "supplied JKn weights need per-replicate scales: use --replicates other --rep-scale"
                    );
                }
                if kind == RepType::Other && a.rep_scale.is_none() {
                    bail!("--repweights of type other needs --rep-scale");
                }
                Some(weight_replicates(
                    a,
                    &frame,
                    side,
                    RepDesign::from_weights(pw, reps, kind, a.rep_scale, None)?,
                )?)
            }
            None => Some(weight_replicates(
                a,
                &frame,
                side,
                design.replicates(kind, a.seed)?,
            )?),
        },
    };
    let by = a.by.as_deref().map(|b| frame.factor(b)).transpose()?;
    let domains: Vec<(Option<String>, Option<Vec<bool>>)> = match &by {
        None => vec![(None, None)],
        Some(f) => f
            .levels
            .iter()
            .enumerate()
            .map(|(l, label)| {
                (
                    Some(label.clone()),
                    Some(f.codes.iter().map(|&c| c as usize == l).collect()),
                )
            })
            .collect(),
    };
    let mut out = Vec::new();
    for (dname, mask) in &domains {
        let est = Estimator {
            design: &design,
            reps: reps.as_ref(),
            frame: &frame,
            mask: mask.as_deref(),
            a,
            interval,
        };
        let mut push = |mut r: Row| {
            r.domain = dname.clone();
            out.push(r);
        };
        for v in &a.mean {
            push(est.simple("mean", v)?);
        }
        for v in &a.total {
            push(est.simple("total", v)?);
        }
        for v in &a.variance {
            push(est.simple("variance", v)?);
        }
        for r in &a.ratio {
            push(est.ratio(r)?);
        }
        for q in &a.quantile {
            for r in est.quantiles(q)? {
                push(r);
            }
        }
        for p in &a.prop {
            for r in est.proportions(p)? {
                push(r);
            }
        }
    }
    for t in &a.table {
        let (x, y) = t.split_once('+').unwrap_or_default();
        let stat: ChisqStatistic = a.table_statistic.parse()?;
        let (fx, fy) = (frame.factor(x.trim())?, frame.factor(y.trim())?);
        let test = match &reps {
            Some(r) => r.chisq(&fx, &fy, stat)?,
            None => design.chisq(&fx, &fy, stat)?,
        };
        let mut r = row(
            if stat == ChisqStatistic::F {
                "chisq_F"
            } else {
                "chisq"
            },
            t,
        );
        r.estimate = test.statistic;
        r.df = Some(test.ndf);
        r.ddf = test.ddf.is_finite().then_some(test.ddf);
        r.p_value = Some(test.p_value);
        out.push(r);
    }
    if out.is_empty() {
        bail!(
            "nothing to estimate: give --mean, --total, --ratio, --quantile, --prop, --variance or --table"
        );
    }
    Ok(out)
}

struct Estimator<'a> {
    design: &'a Design,
    reps: Option<&'a RepDesign>,
    frame: &'a Frame,
    mask: Option<&'a [bool]>,
    a: &'a EstimateArgs,
    interval: Interval,
}

impl Estimator<'_> {
    /// Domain mask excluding rows where `y` is missing (R's na.rm=TRUE).
    fn mask_for(&self, ys: &[&[f64]]) -> Option<Vec<bool>> {
        let any_missing = ys.iter().any(|y| y.iter().any(|v| v.is_nan()));
        if !any_missing {
            return self.mask.map(<[bool]>::to_vec);
        }
        Some(
            (0..self.frame.rows())
                .map(|i| self.mask.is_none_or(|m| m[i]) && ys.iter().all(|y| !y[i].is_nan()))
                .collect(),
        )
    }

    fn fill(&self, mut r: Row, e: &Estimate) -> Row {
        r.estimate = e.estimate;
        r.se = Some(e.se);
        let (lo, hi) = if self.reps.is_some() {
            e.ci(self.a.level, Interval::Normal)
        } else {
            e.ci(self.a.level, self.interval)
        };
        r.ci_lower = Some(lo);
        r.ci_upper = Some(hi);
        if self.a.deff {
            r.deff = e.deff;
        }
        if self.reps.is_none() {
            r.df = Some(e.df);
        }
        r
    }

    fn simple(&self, stat: &str, var: &str) -> Result<Row> {
        let y = self.frame.numeric(var)?;
        let m = self.mask_for(&[y]);
        let m = m.as_deref();
        let e = match (stat, self.reps) {
            ("mean", Some(r)) => r.mean(y, m)?,
            ("total", Some(r)) => r.total(y, m)?,
            ("mean", None) => self.design.mean(y, m)?,
            ("total", None) => self.design.total(y, m)?,
            (_, Some(r)) => r.variance(y, m)?,
            (_, _) => self.design.variance(y, m)?,
        };
        Ok(self.fill(row(stat, var), &e))
    }

    fn ratio(&self, spec: &str) -> Result<Row> {
        let (n, d) = spec.split_once('/').unwrap_or_default();
        let (num, den) = (self.frame.numeric(n.trim())?, self.frame.numeric(d.trim())?);
        let m = self.mask_for(&[num, den]);
        let e = match self.reps {
            Some(r) => r.ratio(num, den, m.as_deref())?,
            None => self.design.ratio(num, den, m.as_deref())?,
        };
        Ok(self.fill(row("ratio", spec), &e))
    }

    fn quantiles(&self, spec: &str) -> Result<Vec<Row>> {
        let (var, ps) = match spec.split_once(':') {
            Some((v, p)) => (v.trim(), p),
            None => (spec.trim(), "0.5"),
        };
        let probs: Vec<f64> = ps
            .split(',')
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .map_err(|_| anyhow!("--quantile `{spec}`: `{p}` is not a number"))
            })
            .collect::<Result<_>>()?;
        let y = self.frame.numeric(var)?;
        let m = self.mask_for(&[y]);
        let rule: QuantileRule = self.a.qrule.parse()?;
        let df = match self.interval {
            Interval::T => None,
            Interval::Normal => Some(f64::INFINITY),
        };
        let qs = match self.reps {
            Some(r) => r.quantiles(y, &probs, rule, self.a.level, df, m.as_deref())?,
            None => self
                .design
                .quantiles(y, &probs, rule, self.a.level, df, m.as_deref())?,
        };
        Ok(qs
            .into_iter()
            .map(|q| {
                let mut r = row("quantile", var);
                r.level = Some(duluan_stats::data::format_number(q.p));
                r.estimate = q.estimate;
                r.se = Some(q.se);
                r.ci_lower = Some(q.lower);
                r.ci_upper = Some(q.upper);
                r
            })
            .collect())
    }

    fn proportions(&self, var: &str) -> Result<Vec<Row>> {
        let f = self.frame.factor(var)?;
        let method: CipropMethod = self.a.prop_method.parse()?;
        let mut out = Vec::new();
        if let Some(reps) = self.reps {
            for (l, e) in reps.proportions(&f, self.mask)?.iter().enumerate() {
                let mut r = self.fill(row("proportion", var), e);
                r.level = Some(e.label.clone());
                if e.estimate > 0.0 && e.estimate < 1.0 && method != CipropMethod::Likelihood {
                    let ind: Vec<f64> = f
                        .codes
                        .iter()
                        .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                        .collect();
                    let ci = reps.ciprop(&ind, method, self.a.level, self.mask)?;
                    r.ci_lower = Some(ci.lower);
                    r.ci_upper = Some(ci.upper);
                }
                out.push(r);
            }
            return Ok(out);
        }
        let props = self.design.proportions(&f, self.mask)?;
        for (l, e) in props.iter().enumerate() {
            let ind: Vec<f64> = f
                .codes
                .iter()
                .map(|&c| if c as usize == l { 1.0 } else { 0.0 })
                .collect();
            let mut r = self.fill(row("proportion", var), e);
            r.level = Some(e.label.clone());
            if e.estimate > 0.0 && e.estimate < 1.0 {
                let ci = self.design.ciprop(&ind, method, self.a.level, self.mask)?;
                r.ci_lower = Some(ci.lower);
                r.ci_upper = Some(ci.upper);
            }
            out.push(r);
        }
        Ok(out)
    }
}
