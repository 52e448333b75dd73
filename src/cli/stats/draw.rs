//! `duluan stats draw`: a reproducible sample drawn from a frame (CSV).

use anyhow::{Result, anyhow, bail};
use duluan_stats::Frame;
use duluan_stats::planning::{self, Allocation, StratumPlan};

use super::{DrawArgs, text_column};

/// `draw`: returns the sample as CSV (frame columns plus `_prob` and `_weight`).
pub fn draw(a: &DrawArgs, frame_bytes: &[u8]) -> Result<String> {
    let frame = Frame::from_csv(frame_bytes)?;
    let wanted: Vec<&str> = [a.strata.as_deref(), a.size.as_deref(), a.cluster.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    frame.require(&wanted)?;
    let need = |o: &Option<String>, what: &str| {
        o.clone()
            .ok_or_else(|| anyhow!("--method {} needs --{what}", a.method))
    };
    let sample = match a.method.as_str() {
        "srs" => duluan_stats::draw::srs(frame.rows(), a.n, a.seed)?,
        "stratified" => {
            let f = frame.factor(&need(&a.strata, "strata")?)?;
            let mut counts = vec![0u64; f.n_levels()];
            for &c in &f.codes {
                counts[c as usize] += 1;
            }
            let plans: Vec<StratumPlan> = f
                .levels
                .iter()
                .zip(&counts)
                .map(|(l, &c)| StratumPlan {
                    name: l.clone(),
                    size: c as f64,
                    sd: 1.0,
                    cost: 1.0,
                })
                .collect();
            let sizes: Vec<usize> =
                planning::allocate(a.n as u64, &plans, Allocation::Proportional)?
                    .into_iter()
                    .map(|x| x as usize)
                    .collect();
            duluan_stats::draw::stratified(&f, &sizes, a.seed)?
        }
        "pps" => {
            let col = need(&a.size, "size")?;
            duluan_stats::draw::systematic_pps(frame.numeric(&col)?, a.n, a.seed)?
        }
        "two-stage" => {
            let f = frame.factor(&need(&a.cluster, "cluster")?)?;
            duluan_stats::draw::two_stage(&f, a.n, a.per_cluster, a.seed)?
        }
        o => bail!("--method `{o}`: use srs, stratified, pps or two-stage"),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = frame.names().to_vec();
    header.push("_prob".into());
    header.push("_weight".into());
    w.write_record(&header)?;
    let cols: Vec<Vec<String>> = frame
        .names()
        .iter()
        .map(|n| text_column(&frame, n))
        .collect::<Result<_>>()?;
    for (&r, &p) in sample.rows.iter().zip(&sample.probs) {
        let mut rec: Vec<String> = cols.iter().map(|c| c[r].clone()).collect();
        rec.push(format!("{p}"));
        rec.push(format!("{}", 1.0 / p));
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow!("{e}"))?,
    )?)
}
