//! The interviews and population tables of the R bundle as CSV, each value exactly as R
//! must read it back.

use super::*;

/// A cell of `data.csv` or a population table: protected against spreadsheet formulas as
/// `kit::csv` does (a plain number stays a number, so `-3` reads back as −3), and reversibly —
/// a value that already starts with quotes before such a character gets one more — so that the
/// script's `unprotect` gives back exactly what was stored.
pub(super) fn cell(s: &str) -> Cow<'_, str> {
    if is_plain_number(s) {
        return Cow::Borrowed(s);
    }
    match text_cell(s.trim_start_matches('\'')) {
        Cow::Owned(_) => Cow::Owned(format!("'{s}")),
        Cow::Borrowed(_) => Cow::Borrowed(s),
    }
}

/// A number read back exactly (Rust's shortest round-trip form).
pub(super) fn num(x: f64) -> String {
    format!("{x}")
}

pub(super) fn write_data(
    out: &mut impl std::io::Write,
    data: &Data,
    questions: &[Question],
    uses_design: bool,
) -> Result<(), BundleError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        ".weight".to_string(),
        ".stratum".to_string(),
        ".cluster".to_string(),
        ".day".to_string(),
    ];
    header.extend(questions.iter().map(|q| cell(&q.name).into_owned()));
    w.write_record(&header)?;
    let cols: Vec<_> = questions.iter().map(|q| data.column(&q.name)).collect();
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..data.n {
        row.clear();
        if uses_design {
            let stratum = data.strata[i].as_deref().unwrap_or("");
            if stratum.contains('\0') {
                return Err(BundleError::Unsupported);
            }
            let cluster = data.clusters[i].as_deref().unwrap_or("");
            if cluster.contains('\0') {
                return Err(BundleError::Unsupported);
            }
            row.push(num(data.weights[i].unwrap_or(1.0)));
            row.push(cell(stratum).into_owned());
            row.push(cell(cluster).into_owned());
        } else {
            row.push("1".into());
            row.push(String::new());
            row.push(String::new());
        }
        row.push(data.days[i].map(|d| d.to_string()).unwrap_or_default());
        for (q, c) in questions.iter().zip(&cols) {
            let v = c.get(i);
            let v: Cow<str> = match q.kind {
                // The page splits a multiple choice on white space: one space between names.
                Kind::Multiple => Cow::Owned(v.split_whitespace().collect::<Vec<_>>().join(" ")),
                _ => Cow::Borrowed(v),
            };
            // R's strings cannot hold NUL (read.csv would cut the value).
            if v.contains('\0') {
                return Err(BundleError::Unsupported);
            }
            row.push(cell(&v).into_owned());
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

pub(super) fn write_population(
    out: &mut impl std::io::Write,
    t: &PopTable,
) -> Result<(), BundleError> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = t.variables.iter().map(|v| cell(v).into_owned()).collect();
    header.push("population".into());
    w.write_record(&header)?;
    for (levels, count) in &t.cells {
        let mut row: Vec<String> = levels.iter().map(|l| cell(l).into_owned()).collect();
        row.push(num(*count));
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}
