//! `duluan text train`, `classify` and `propose`: the labelled TSV file, the cross-validation
//! report and the active-learning proposals.

use anyhow::{Context as _, bail};
use duluan_vitext::{classify, normalize};
use std::io::Write;

/// Reads a TSV with a header naming `label` and `text` (any order, other columns ignored).
pub(super) fn parse_labels(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .flexible(true)
        .quoting(false)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .context("cannot read the header row / không đọc được dòng tiêu đề")?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .with_context(|| {
                format!("no column `{name}` in the header / thiếu cột `{name}` trong dòng tiêu đề")
            })
    };
    let (li, ti) = (col("label")?, col("text")?);
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let row = n + 2;
        let rec = rec.with_context(|| format!("row {row} / dòng {row}"))?;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let label = rec.get(li).unwrap_or("").trim();
        let text = rec.get(ti).unwrap_or("").trim();
        if label.is_empty() {
            bail!("row {row}, column `label`: empty / dòng {row}, cột `label`: trống");
        }
        out.push((normalize::normalize(label), normalize::normalize(text)));
    }
    if out.is_empty() {
        bail!("no labelled rows / không có dòng nào có nhãn");
    }
    Ok(out)
}

pub(super) fn write_proposals<W: Write>(
    out: &mut W,
    model: &classify::Classifier,
    lines: &[String],
    n: usize,
) -> std::io::Result<()> {
    for (i, margin) in classify::propose(model, lines, n) {
        let label = model.predict(&lines[i]).label;
        writeln!(out, "{}\t{margin:.3}\t{label}\t{}", i + 1, lines[i])?;
    }
    Ok(())
}

pub(super) fn write_cv_report<W: Write>(
    out: &mut W,
    r: &classify::CvReport,
    n: usize,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}-fold cross-validation on {n} examples: macro-F1 {:.3}, accuracy {:.3}",
        r.folds, r.macro_f1, r.accuracy
    )?;
    writeln!(out, "label\tprecision\trecall\tf1\tsupport")?;
    for c in &r.classes {
        writeln!(
            out,
            "{}\t{:.3}\t{:.3}\t{:.3}\t{}",
            c.label, c.precision, c.recall, c.f1, c.support
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_tsv() {
        let ex =
            parse_labels("id\ttext\tlabel\n1\tgiá xăng tăng\tgiá cả\n2\tkẹt xe\tgiao thông\n\n")
                .unwrap();
        assert_eq!(
            ex,
            vec![
                ("giá cả".into(), "giá xăng tăng".into()),
                ("giao thông".into(), "kẹt xe".into())
            ]
        );
        let e = parse_labels("text\nabc\n").unwrap_err().to_string();
        assert!(e.contains("no column `label`"), "{e}");
        let e = parse_labels("label\ttext\n\tabc\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2"), "{e}");
        assert!(parse_labels("").is_err());
    }

    #[test]
    fn proposals_are_the_least_certain_lines() {
        let data = [
            ("giá cả", "giá xăng tăng cao"),
            ("giá cả", "giá điện lại tăng"),
            ("giao thông", "kẹt xe giờ cao điểm"),
            ("giao thông", "tai nạn giao thông ở ngã tư"),
        ];
        let m = classify::Classifier::train(&data, &classify::TrainOptions::default()).unwrap();
        let lines: Vec<String> = ["giá xăng tăng", "xe cộ và giá cả", "kẹt xe"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut out = Vec::new();
        write_proposals(&mut out, &m, &lines, 1).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("2\t"), "{text}");
        assert_eq!(text.lines().count(), 1);
    }
}
