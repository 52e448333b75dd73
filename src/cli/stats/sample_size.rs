//! `duluan stats sample-size`: sample size for a margin of error (or the reverse), and its
//! allocation over strata.

use anyhow::{Context as _, Result, anyhow};
use duluan_stats::Frame;
use duluan_stats::planning::{self, Allocation, Plan, StratumPlan, Target};

use super::{Format, SampleSizeArgs, text_column};

/// `sample-size`: returns the printed text.
pub fn sample_size(a: &SampleSizeArgs, strata: Option<Vec<u8>>) -> Result<String> {
    let target = match a.sd {
        Some(sd) => Target::Mean(sd),
        None => Target::Proportion(a.p.unwrap_or(0.5)),
    };
    let plan = Plan {
        target,
        level: a.level,
        deff: a.deff,
        population: a.population,
        response_rate: a.response_rate,
    };
    let mut rows: Vec<(String, String)> = Vec::new();
    let completes = if let Some(n) = a.n {
        let e = planning::margin_of_error(&plan, n)?;
        rows.push(("n".into(), format!("{n}")));
        rows.push(("margin_of_error".into(), format!("{e}")));
        n.round() as u64
    } else {
        let moe = a.moe.ok_or_else(|| anyhow!("give --moe or --n"))?;
        let s = planning::sample_size(&plan, moe)?;
        rows.push(("n_srs".into(), format!("{}", s.n_srs)));
        rows.push(("n_deff".into(), format!("{}", s.n_deff)));
        rows.push(("n_fpc".into(), format!("{}", s.n_fpc)));
        rows.push(("completes".into(), s.completes.to_string()));
        rows.push(("contacts".into(), s.contacts.to_string()));
        s.completes
    };
    if let Some(bytes) = strata {
        let f = Frame::from_csv(&bytes).context("--strata-file")?;
        f.require(&["stratum", "size"]).context("--strata-file")?;
        let names = text_column(&f, "stratum")?;
        let sizes = f.numeric("size")?;
        let sd = f.numeric("sd").ok();
        let cost = f.numeric("cost").ok();
        let plans: Vec<StratumPlan> = (0..f.rows())
            .map(|i| StratumPlan {
                name: names[i].clone(),
                size: sizes[i],
                sd: sd.map_or(1.0, |v| v[i]),
                cost: cost.map_or(1.0, |v| v[i]),
            })
            .collect();
        let method: Allocation = a.allocation.parse()?;
        let alloc = planning::allocate(completes, &plans, method)?;
        for (p, n) in plans.iter().zip(alloc) {
            rows.push((format!("stratum {}", p.name), n.to_string()));
        }
    }
    Ok(match a.format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|(k, v)| {
                    let val = v
                        .parse::<f64>()
                        .ok()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(
                            serde_json::Value::String(v.clone()),
                            serde_json::Value::Number,
                        );
                    (k.clone(), val)
                })
                .collect();
            serde_json::to_string_pretty(&map)? + "\n"
        }
        Format::Csv => {
            std::iter::once("quantity,value".to_string())
                .chain(rows.iter().map(|(k, v)| format!("{k},{v}")))
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        }
        Format::Table => {
            let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
            rows.iter()
                .map(|(k, v)| format!("{k:<w$}  {v}\n"))
                .collect()
        }
    })
}
