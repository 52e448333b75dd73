//! The CSV files of an export: the CSV writer's settings, the codebook (every variable and
//! value, labels in every language) and the repeats' long table.

use std::io::{self, Write};

use duluan_forms::Engine;
use duluan_forms::check::NodeKind;

use super::CHUNK;
use super::plan::{Plan, VarKind};
use crate::kit::csv::{number_cell, text_cell};

pub(super) fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .buffer_capacity(64 * 1024)
        .from_writer(Vec::with_capacity(CHUNK))
}

pub(super) fn csv_bytes(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}
/// The codebook: one line per variable and per value, labels in every language (one `label`
/// column for a questionnaire without languages). The values of a select from a file are its
/// file's rows as `engine` holds them.
pub fn write_codebook<W: Write>(out: W, plan: &Plan, engine: &Engine) -> csv::Result<W> {
    let form = engine.form();
    let mut w = csv::Writer::from_writer(out);
    let mut header = vec![
        "variable".to_string(),
        "question".into(),
        "type".into(),
        "value".into(),
    ];
    header.extend(plan.languages.iter().map(|l| format!("label::{l}")));
    if plan.languages.is_empty() {
        header.push("label".into());
    }
    // Labels are typed by designers (or come from an imported XLSForm): every cell is text.
    let write = |w: &mut csv::Writer<W>, line: &[String]| {
        w.write_record(line.iter().map(|c| text_cell(c).into_owned()))
    };
    write(&mut w, &header)?;
    for v in &plan.vars {
        let kind = form
            .node(&v.question)
            .and_then(|n| match &n.kind {
                NodeKind::Question(k) => Some(k.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| "meta".into());
        let mut line = vec![
            v.name.clone(),
            v.question.clone(),
            kind.clone(),
            String::new(),
        ];
        line.extend(plan.languages.iter().map(|l| {
            v.labels
                .iter()
                .find(|x| &x.0 == l)
                .map(|x| x.1.clone())
                .unwrap_or_default()
        }));
        if plan.languages.is_empty() {
            line.push(v.label.clone());
        }
        write(&mut w, &line)?;
        if let VarKind::Coded(codes, _) = &v.kind {
            let list = form
                .node(&v.question)
                .and_then(|n| n.list)
                .map(|i| &form.form.choices[i])
                .or_else(|| {
                    let id = *form.by_name.get(&v.question)?;
                    engine.file_choices(id)
                });
            for (name, code, label) in codes {
                let mut line = vec![
                    v.name.clone(),
                    v.question.clone(),
                    kind.clone(),
                    format!("{name}={code}"),
                ];
                let choice = list.and_then(|l| l.choices.iter().find(|c| &c.name == name));
                line.extend(plan.languages.iter().map(|l| {
                    choice
                        .and_then(|c| c.label.0.get(l).cloned())
                        .unwrap_or_default()
                }));
                if plan.languages.is_empty() {
                    line.push(label.clone());
                }
                write(&mut w, &line)?;
            }
        }
    }
    w.into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// Writes the repeat instances of a record as long rows (`_id`, repeat, instance, variable,
/// value); nested repeats get instance paths like `2.1`.
pub fn write_repeats<W: Write>(
    w: &mut csv::Writer<W>,
    id: &str,
    record: &duluan_forms::Record,
    prefix: &str,
) -> csv::Result<()> {
    for (name, answer) in record {
        if let duluan_forms::Answer::Repeat(instances) = answer {
            for (i, inst) in instances.iter().enumerate() {
                let path = if prefix.is_empty() {
                    format!("{}", i + 1)
                } else {
                    format!("{prefix}.{}", i + 1)
                };
                for (var, v) in inst {
                    if let duluan_forms::Answer::Value(s) = v {
                        // The value column mixes types: plain numbers stay numbers, anything
                        // else is neutralised text (`kit::csv`).
                        w.write_record([
                            text_cell(id).as_bytes(),
                            text_cell(name).as_bytes(),
                            path.as_bytes(),
                            text_cell(var).as_bytes(),
                            number_cell(s).as_bytes(),
                        ])?;
                    }
                }
                write_repeats(w, id, inst, &path)?;
            }
        }
    }
    Ok(())
}
