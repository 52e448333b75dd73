//! `duluan text spikes`: the CSV of timestamped items read into the engine's items, and the
//! report of the spikes found.

use anyhow::{Context as _, bail};
use duluan_vitext::{normalize, spikes};
use std::io::Write;

/// One CSV row of `spikes`.
#[derive(Debug)]
pub(super) struct ItemRow {
    time: i64,
    series: String,
    text: String,
    negative: Option<bool>,
    area: Option<String>,
}

impl ItemRow {
    pub(super) fn item(&self) -> spikes::Item<'_> {
        spikes::Item {
            time: self.time,
            series: &self.series,
            text: &self.text,
            negative: self.negative,
            area: self.area.as_deref(),
        }
    }
}

fn parse_bool(s: &str) -> Option<Option<bool>> {
    let l = s.trim().to_lowercase();
    Some(match l.as_str() {
        "" => None,
        "1" | "true" | "yes" | "có" | "negative" | "tiêu cực" => Some(true),
        "0" | "false" | "no" | "không" | "positive" | "neutral" | "tích cực" | "trung tính" => {
            Some(false)
        }
        _ => return None,
    })
}

pub(super) fn parse_items(text: &str) -> anyhow::Result<Vec<ItemRow>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .context("cannot read the header row / không đọc được dòng tiêu đề")?
        .clone();
    let find = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let need = |name: &str| {
        find(name).with_context(|| {
            format!("no column `{name}` in the header / thiếu cột `{name}` trong dòng tiêu đề")
        })
    };
    let (ti, si, xi) = (need("time")?, need("series")?, need("text")?);
    let (ni, ai) = (find("negative"), find("area"));
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let row = n + 2;
        let rec = rec.with_context(|| format!("row {row} / dòng {row}"))?;
        let raw_time = rec.get(ti).unwrap_or("");
        let Some(time) = spikes::parse_time(raw_time) else {
            bail!(
                "row {row}, column `time`: cannot read {raw_time:?} as a time (YYYY-MM-DD HH:MM, RFC 3339 or Unix seconds) / dòng {row}, cột `time`: không đọc được thời gian {raw_time:?}"
            );
        };
        let negative = match ni.map(|i| rec.get(i).unwrap_or("")) {
            None => None,
            Some(v) => parse_bool(v).with_context(|| {
                format!("row {row}, column `negative`: {v:?} is not yes/no / dòng {row}, cột `negative`: {v:?} không phải có/không")
            })?,
        };
        let area = ai
            .and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        out.push(ItemRow {
            time,
            series: rec.get(si).unwrap_or("").trim().to_string(),
            text: normalize::normalize(rec.get(xi).unwrap_or("")),
            negative,
            area,
        });
    }
    Ok(out)
}

fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days (inverse of the engine's parser).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

pub(super) fn write_spikes<W: Write>(
    out: &mut W,
    found: &[spikes::Spike],
    items: &[spikes::Item],
) -> std::io::Result<()> {
    if found.is_empty() {
        writeln!(out, "no spike / không có đột biến")?;
    }
    for s in found {
        let kind = match s.kind {
            spikes::SpikeKind::Volume => "volume",
            spikes::SpikeKind::Negative => "negative share",
            spikes::SpikeKind::Both => "volume and negative share",
        };
        writeln!(
            out,
            "{} {} → {}: {kind} spike, {} items vs {:.1} ± {:.1} (×{:.1}, z = {:.1})",
            s.series,
            format_time(s.start),
            format_time(s.end),
            s.count,
            s.baseline_mean,
            s.baseline_sd,
            s.ratio(),
            s.z
        )?;
        if let Some((p, p0)) = s.negative_share {
            writeln!(
                out,
                "  negative share {:.0}% vs {:.0}%",
                p * 100.0,
                p0 * 100.0
            )?;
        }
        writeln!(out, "  terms: {}", s.top_terms.join("; "))?;
        if !s.areas.is_empty() {
            let areas: Vec<String> = s.areas.iter().map(|(a, c)| format!("{a} ({c})")).collect();
            writeln!(out, "  areas: {}", areas.join(", "))?;
        }
        for &i in &s.examples {
            writeln!(out, "  e.g. {}", items[i].text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_csv_and_spike_report() {
        let mut csv = String::from("time,series,text,negative,area\n");
        for d in 1..=9 {
            for i in 0..3 {
                csv.push_str(&format!(
                    "2025-07-0{d} 09:{i:02},giao thông,xe đông,0,Cái Khế\n"
                ));
            }
        }
        for i in 0..30 {
            csv.push_str(&format!(
                "2025-07-10 09:{i:02},giao thông,đường ngập sâu sau mưa,có,An Hòa\n"
            ));
        }
        let rows = parse_items(&csv).unwrap();
        assert_eq!(rows.len(), 57);
        let items: Vec<spikes::Item> = rows.iter().map(ItemRow::item).collect();
        let found = spikes::detect(&items, &spikes::Options::default());
        let mut out = Vec::new();
        write_spikes(&mut out, &found, &items).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("giao thông 2025-07-10 09:00 → 2025-07-10 10:00: volume and negative share spike, 30 items"), "{text}");
        assert!(text.contains("areas: An Hòa (30)"), "{text}");
        let e = parse_items("time,series,text\nhôm qua,a,b\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2, column `time`"), "{e}");
        let e = parse_items("time,series,text,negative\n2025-01-01,a,b,maybe\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("column `negative`"), "{e}");
        assert!(parse_items("series,text\n").is_err());
    }

    #[test]
    fn times_format_back() {
        for s in [
            "1970-01-01 00:00",
            "2025-07-10 09:00",
            "2000-02-29 23:59",
            "1969-12-31 12:00",
        ] {
            assert_eq!(format_time(spikes::parse_time(s).unwrap()), s);
        }
    }
}
