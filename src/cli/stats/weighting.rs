//! The population files of `duluan stats`: `--poststratify`, `--rake`, `--calibrate` (and
//! `--trim`), applied to a design or to every replicate.

use std::collections::HashMap;

use anyhow::{Context as _, Result, anyhow, bail};
use duluan_stats::data::Column;
use duluan_stats::{
    CalFun, CalibrateOptions, Design, Factor, Frame, Margin, ModelMatrix, RakeOptions, RepDesign,
};

use super::estimate::SideFiles;
use super::{EstimateArgs, text_column};

/// The `--poststratify` file as (variable factor, margin).
fn poststrat_margin(frame: &Frame, bytes: &[u8]) -> Result<(Factor, Margin)> {
    let pop = Frame::from_csv(bytes).context("--poststratify file")?;
    let var = pop
        .names()
        .iter()
        .find(|n| n.as_str() != "Freq")
        .cloned()
        .ok_or_else(|| anyhow!("--poststratify: need a variable column and a Freq column"))?;
    frame.require(&[var.as_str()])?;
    let levels = text_column(&pop, &var)?;
    let counts = pop.numeric("Freq").context("--poststratify: column Freq")?;
    let margin = Margin {
        name: var.clone(),
        counts: levels.into_iter().zip(counts.iter().copied()).collect(),
    };
    Ok((frame.factor(&var)?, margin))
}

/// The `--rake` file as (variable factor, margin) pairs in file order.
fn rake_margins(frame: &Frame, bytes: &[u8]) -> Result<Vec<(Factor, Margin)>> {
    let pop = Frame::from_csv(bytes).context("--rake file")?;
    pop.require(&["variable", "level", "Freq"])
        .context("--rake file")?;
    let vars = text_column(&pop, "variable")?;
    let levels = text_column(&pop, "level")?;
    let counts = pop.numeric("Freq")?;
    let mut order: Vec<String> = Vec::new();
    let mut margins: HashMap<String, Margin> = HashMap::new();
    for ((v, l), c) in vars.iter().zip(&levels).zip(counts) {
        if !margins.contains_key(v) {
            order.push(v.clone());
        }
        margins
            .entry(v.clone())
            .or_insert_with(|| Margin {
                name: v.clone(),
                counts: Vec::new(),
            })
            .counts
            .push((l.clone(), *c));
    }
    let names: Vec<&str> = order.iter().map(String::as_str).collect();
    frame.require(&names)?;
    order
        .iter()
        .map(|v| Ok((frame.factor(v)?, margins[v].clone())))
        .collect()
}

/// The `--calibrate` file as a model matrix (R's names), totals in its column order, options.
fn calibration(
    a: &EstimateArgs,
    frame: &Frame,
    bytes: &[u8],
) -> Result<(ModelMatrix, Vec<f64>, CalibrateOptions)> {
    let pop = Frame::from_csv(bytes).context("--calibrate file")?;
    pop.require(&["name", "total"])
        .context("--calibrate file")?;
    let names = text_column(&pop, "name")?;
    let totals = pop.numeric("total")?;
    let mut vars: Vec<String> = Vec::new();
    for n in &names {
        if n == "(Intercept)" {
            continue;
        }
        let var = if frame.names().iter().any(|c| c == n) {
            n.clone()
        } else {
            frame
                .names()
                .iter()
                .filter(|c| n.starts_with(c.as_str()) && matches!(frame.column(c), Ok(Column::Text(_))))
                .max_by_key(|c| c.len())
                .cloned()
                .ok_or_else(|| {
                    anyhow!(
                        "--calibrate: `{n}` is neither a column nor a column followed by a level; columns: {}",
                        frame.names().join(", ")
                    )
                })?
        };
        if !vars.contains(&var) {
            vars.push(var);
        }
    }
    let refs: Vec<&str> = vars.iter().map(String::as_str).collect();
    let mm = ModelMatrix::from_frame(frame, &refs)?;
    let by_name: HashMap<&str, f64> = names
        .iter()
        .map(String::as_str)
        .zip(totals.iter().copied())
        .collect();
    let mut t = Vec::with_capacity(mm.names.len());
    for n in &mm.names {
        t.push(*by_name.get(n.as_str()).ok_or_else(|| {
            anyhow!("--calibrate: no population total for `{n}` / thiếu tổng thể cho `{n}`")
        })?);
    }
    let calfun = match a.calfun.as_str() {
        "linear" => CalFun::Linear,
        "raking" => CalFun::Raking,
        o => bail!("--calfun `{o}`: use linear or raking"),
    };
    Ok((
        mm,
        t,
        CalibrateOptions {
            calfun,
            ..Default::default()
        },
    ))
}

/// Post-stratification and raking of a replicate design (every replicate is reweighted).
pub(super) fn weight_replicates(
    a: &EstimateArgs,
    frame: &Frame,
    side: &SideFiles,
    mut r: RepDesign,
) -> Result<RepDesign> {
    if let Some(bytes) = &side.poststratify {
        let (f, m) = poststrat_margin(frame, bytes)?;
        r = r.post_stratify(&f, &m)?;
    }
    if let Some(bytes) = &side.rake {
        let ms = rake_margins(frame, bytes)?;
        let pairs: Vec<(&Factor, &Margin)> = ms.iter().map(|(f, m)| (f, m)).collect();
        r = r.rake(&pairs, RakeOptions::default())?;
    }
    if let Some(bytes) = &side.calibrate {
        let (mm, t, opts) = calibration(a, frame, bytes)?;
        r = r.calibrate(&mm, &t, opts)?;
    }
    Ok(r)
}

/// Post-stratification, raking, calibration and trimming of a design, in that order.
pub(super) fn apply_weighting(
    a: &EstimateArgs,
    frame: &Frame,
    side: &SideFiles,
    mut d: Design,
) -> Result<Design> {
    if let Some(bytes) = &side.poststratify {
        let (f, m) = poststrat_margin(frame, bytes)?;
        d = d.post_stratify(&f, &m, false)?;
    }
    if let Some(bytes) = &side.rake {
        let ms = rake_margins(frame, bytes)?;
        let pairs: Vec<(&Factor, &Margin)> = ms.iter().map(|(f, m)| (f, m)).collect();
        d = d.rake(&pairs, RakeOptions::default())?;
    }
    if let Some(bytes) = &side.calibrate {
        let (mm, t, opts) = calibration(a, frame, bytes)?;
        d = d.calibrate(&mm, &t, opts)?;
    }
    if let Some(trim) = &a.trim {
        let (lo, hi) = trim
            .split_once(':')
            .and_then(|(l, h)| Some((l.trim().parse::<f64>().ok()?, h.trim().parse::<f64>().ok()?)))
            .ok_or_else(|| anyhow!("--trim `{trim}`: write LOW:HIGH"))?;
        d = d.trim_weights(lo, hi, false)?;
    }
    Ok(d)
}
