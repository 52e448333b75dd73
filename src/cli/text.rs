//! `duluan text`: Vietnamese text tools over standard input, one output line per input line
//! (`normalize`, `fold`, `restore`, `tokenize`, `keyphrases`, `pii`), model training and use
//! (`train`, `classify`), and spike detection over a CSV of timestamped items (`spikes`).
//! The work is done by the pure engine `duluan_vitext`; this file reads, writes and reports.

use anyhow::{Context as _, bail};
use duluan_vitext::{
    chars, classify, keyphrases, legacy, normalize, pii, restore, spikes, syllable, terms,
};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `duluan text`.
#[derive(Debug, clap::Args)]
pub struct TextArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TextCommand,
}

/// Tone-mark convention for `oa`, `oe`, `uy`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ToneStyleArg {
    /// `hòa`, `khỏe`, `thủy` (default).
    Old,
    /// `hoà`, `khoẻ`, `thuỷ`.
    New,
}

/// Bucket size of `spikes`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GranularityArg {
    /// Hourly buckets against the same hour on previous days.
    Hour,
    /// Daily buckets against the same weekday in previous weeks.
    Day,
}

/// The subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TextCommand {
    /// NFC, zero-width characters, ð→đ, tone placement, legacy encodings (TCVN3, VNI, mojibake).
    Normalize {
        /// Tone-mark convention.
        #[arg(long, value_enum, default_value = "old")]
        tone_style: ToneStyleArg,
        /// Do not detect or convert legacy encodings.
        #[arg(long)]
        no_legacy: bool,
        /// Append a tab, the encoding found and the share of valid syllables to each line.
        #[arg(long)]
        report: bool,
    },
    /// Remove diacritics (đ→d) and lower-case: the form used to search without marks.
    Fold,
    /// Restore diacritics of text typed without marks.
    Restore {
        /// A model saved with `--save` (default: the model trained on the bundled corpus).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Train the model on this clean UTF-8 text file instead (one sentence or paragraph per line).
        #[arg(long, conflicts_with = "model")]
        corpus: Option<PathBuf>,
        /// Save the trained model to this file and exit without reading standard input.
        #[arg(long, requires = "corpus")]
        save: Option<PathBuf>,
    },
    /// Segment into syllables and multi-syllable terms (`người_dân phản_ánh`).
    Tokenize {
        /// Learn terms from this text file instead of the bundled corpus.
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// The best keyphrases of each line, separated by `; `.
    Keyphrases {
        /// How many per line.
        #[arg(short, long, default_value_t = 5)]
        n: usize,
    },
    /// Personal data found in each line, as a JSON array (kind, byte and character positions, text).
    Pii,
    /// Train a topic or direction model from labelled text and print its cross-validated scores.
    Train {
        /// Tab-separated file with a header row naming the columns `label` and `text`.
        #[arg(long)]
        labels: PathBuf,
        /// Where to write the model.
        #[arg(long)]
        out: PathBuf,
        /// Number of cross-validation folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
    },
    /// Classify each line: label, tab, confidence.
    Classify {
        /// A model written by `train`.
        #[arg(long)]
        model: PathBuf,
    },
    /// Active learning: read unlabelled lines and print the `n` whose labels would help the
    /// model most (smallest margin between its two best labels): line number, tab, margin, tab,
    /// best label, tab, text.
    Propose {
        /// A model written by `train`.
        #[arg(long)]
        model: PathBuf,
        /// How many lines to propose.
        #[arg(short, long, default_value_t = 20)]
        n: usize,
    },
    /// Detect spikes in a CSV of timestamped items (header with `time`, `series`, `text`;
    /// optional `negative` and `area`).
    Spikes {
        /// The CSV file.
        file: PathBuf,
        /// Bucket size.
        #[arg(long, value_enum, default_value = "hour")]
        granularity: GranularityArg,
        /// A bucket with fewer items is never a spike.
        #[arg(long, default_value_t = 10)]
        min_volume: u32,
        /// Minimum z-score.
        #[arg(long, default_value_t = 3.0)]
        z: f64,
    },
}

/// Runs the command.
pub fn run(args: TextArgs) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = std::io::stderr();
    let result = match args.command {
        TextCommand::Normalize {
            tone_style,
            no_legacy,
            report,
        } => {
            let options = normalize::Options {
                tone_style: match tone_style {
                    ToneStyleArg::Old => syllable::ToneStyle::Old,
                    ToneStyleArg::New => syllable::ToneStyle::New,
                },
                repair_legacy: !no_legacy,
            };
            map_lines(stdin.lock(), &mut out, &mut err, |l| {
                normalize_line(l, &options, report)
            })
        }
        TextCommand::Fold => map_lines(stdin.lock(), &mut out, &mut err, fold_line),
        TextCommand::Restore {
            model,
            corpus,
            save,
        } => {
            let owned;
            let model: &restore::Model = match (model, corpus) {
                (Some(path), _) => {
                    let bytes = read(&path)?;
                    owned = restore::Model::from_bytes(&bytes)
                        .with_context(|| format!("{}", path.display()))?;
                    &owned
                }
                (None, Some(path)) => {
                    let text = read_text(&path)?;
                    owned = restore::Model::train(text.lines());
                    &owned
                }
                (None, None) => restore::Model::default_model(),
            };
            if let Some(path) = save {
                std::fs::write(&path, model.to_bytes())
                    .with_context(|| format!("cannot write / không ghi được {}", path.display()))?;
                writeln!(err, "model saved: {} syllables", model.vocabulary_size())?;
                return Ok(ExitCode::SUCCESS);
            }
            map_lines(stdin.lock(), &mut out, &mut err, |l| {
                model.restore(&normalize::normalize(l))
            })
        }
        TextCommand::Tokenize { corpus } => {
            let owned;
            let lex: &terms::Lexicon = match corpus {
                Some(path) => {
                    let text = read_text(&path)?;
                    owned = terms::Lexicon::learn(text.lines(), &terms::LearnOptions::default());
                    &owned
                }
                None => terms::Lexicon::default_lexicon(),
            };
            map_lines(stdin.lock(), &mut out, &mut err, |l| {
                lex.segment_joined(&normalize::normalize(l))
            })
        }
        TextCommand::Keyphrases { n } => {
            map_lines(stdin.lock(), &mut out, &mut err, |l| keyphrase_line(l, n))
        }
        TextCommand::Pii => map_lines(stdin.lock(), &mut out, &mut err, pii_line),
        TextCommand::Train {
            labels,
            out: path,
            folds,
        } => {
            let text = read_text(&labels)?;
            let examples = parse_labels(&text).with_context(|| format!("{}", labels.display()))?;
            let options = classify::TrainOptions::default();
            let report = classify::cross_validate(&examples, folds, &options)?;
            write_cv_report(&mut out, &report, examples.len())?;
            let model = classify::Classifier::train(&examples, &options)?;
            std::fs::write(&path, model.to_bytes())
                .with_context(|| format!("cannot write / không ghi được {}", path.display()))?;
            writeln!(out, "model written to {}", path.display())?;
            Ok(())
        }
        TextCommand::Classify { model } => {
            let bytes = read(&model)?;
            let m = classify::Classifier::from_bytes(&bytes)
                .with_context(|| format!("{}", model.display()))?;
            map_lines(stdin.lock(), &mut out, &mut err, |l| {
                let p = m.predict(l);
                format!("{}\t{:.3}", p.label, p.confidence)
            })
        }
        TextCommand::Propose { model, n } => {
            let bytes = read(&model)?;
            let m = classify::Classifier::from_bytes(&bytes)
                .with_context(|| format!("{}", model.display()))?;
            let mut lines = Vec::new();
            map_lines(stdin.lock(), &mut std::io::sink(), &mut err, |l| {
                lines.push(normalize::normalize(l));
                String::new()
            })?;
            write_proposals(&mut out, &m, &lines, n)?;
            Ok(())
        }
        TextCommand::Spikes {
            file,
            granularity,
            min_volume,
            z,
        } => {
            let text = read_text(&file)?;
            let rows = parse_items(&text).with_context(|| format!("{}", file.display()))?;
            let items: Vec<spikes::Item> = rows.iter().map(ItemRow::item).collect();
            let options = spikes::Options {
                granularity: match granularity {
                    GranularityArg::Hour => spikes::Granularity::Hour,
                    GranularityArg::Day => spikes::Granularity::Day,
                },
                min_volume,
                z_threshold: z,
                ..spikes::Options::default()
            };
            let found = spikes::detect(&items, &options);
            write_spikes(&mut out, &found, &items)?;
            Ok(())
        }
    };
    match result {
        Ok(()) => {}
        Err(e) if is_broken_pipe(&e) => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e),
    }
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}

fn read(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read / không đọc được {}", path.display()))
}

/// Reads a text file; legacy 8-bit files are decoded (and said so on standard error).
fn read_text(path: &PathBuf) -> anyhow::Result<String> {
    let bytes = read(path)?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let (s, enc) = legacy::decode_bytes(e.as_bytes());
            eprintln!(
                "{}: not UTF-8, decoded as {} / không phải UTF-8, đã giải mã theo {}",
                path.display(),
                enc.name(),
                enc.name()
            );
            Ok(s)
        }
    }
}

/// Applies `f` to every line of `input` (bytes up to `\n`, a trailing `\r` dropped) and writes
/// one output line per input line. Lines that are not UTF-8 are decoded as a legacy 8-bit
/// encoding with a warning on `err` naming the line.
pub fn map_lines<R: BufRead, W: Write, E: Write>(
    mut input: R,
    out: &mut W,
    err: &mut E,
    mut f: impl FnMut(&str) -> String,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .context("cannot read standard input")?
            == 0
        {
            break;
        }
        n += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let line = match std::str::from_utf8(&buf) {
            Ok(s) => f(s),
            Err(_) => {
                let (s, enc) = legacy::decode_bytes(&buf);
                writeln!(
                    err,
                    "line {n}: not UTF-8, decoded as {} / dòng {n}: không phải UTF-8, đã giải mã theo {}",
                    enc.name(),
                    enc.name()
                )?;
                f(&s)
            }
        };
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn normalize_line(line: &str, options: &normalize::Options, report: bool) -> String {
    let text = normalize::normalize_with(line, options);
    if !report {
        return text;
    }
    let encoding = if options.repair_legacy {
        legacy::detect(line)
    } else {
        legacy::Encoding::Unicode
    };
    let q = syllable::quality(&text);
    let flag = if q.looks_damaged() {
        "\tdamaged"
    } else if q.looks_unaccented() {
        "\tunaccented"
    } else {
        ""
    };
    format!("{text}\t{}\t{:.2}{flag}", encoding.name(), q.valid_ratio())
}

fn fold_line(line: &str) -> String {
    chars::fold(&normalize::normalize(line)).to_lowercase()
}

fn keyphrase_line(line: &str, n: usize) -> String {
    keyphrases::keyphrases(&normalize::normalize(line), n)
        .iter()
        .map(|k| k.phrase.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn pii_line(line: &str) -> String {
    let found: Vec<serde_json::Value> = pii::detect(line)
        .iter()
        .map(|f| {
            serde_json::json!({
                "kind": f.kind.name(),
                "start": f.start,
                "end": f.end,
                "char_start": f.char_start,
                "char_end": f.char_end,
                "text": &line[f.start..f.end],
            })
        })
        .collect();
    serde_json::Value::Array(found).to_string()
}

/// Reads a TSV with a header naming `label` and `text` (any order, other columns ignored).
fn parse_labels(text: &str) -> anyhow::Result<Vec<(String, String)>> {
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

fn write_proposals<W: Write>(
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

fn write_cv_report<W: Write>(out: &mut W, r: &classify::CvReport, n: usize) -> std::io::Result<()> {
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

/// One CSV row of `spikes`.
#[derive(Debug)]
struct ItemRow {
    time: i64,
    series: String,
    text: String,
    negative: Option<bool>,
    area: Option<String>,
}

impl ItemRow {
    fn item(&self) -> spikes::Item<'_> {
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

fn parse_items(text: &str) -> anyhow::Result<Vec<ItemRow>> {
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

fn write_spikes<W: Write>(
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

    fn run_map(input: &[u8], f: impl FnMut(&str) -> String) -> (String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        map_lines(input, &mut out, &mut err, f).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn check(input: &str, f: impl FnMut(&str) -> String, expected: &str) {
        assert_eq!(run_map(input.as_bytes(), f).0, expected, "{input:?}");
    }

    #[test]
    fn one_line_out_per_line_in() {
        let opts = normalize::Options::default();
        check(
            "hoà\r\nthuỷ\n\nHµ Néi",
            |l| normalize_line(l, &opts, false),
            "hòa\nthủy\n\nHà Nội\n",
        );
        check("", |l| normalize_line(l, &opts, false), "");
        check("Đường NGẬP\n", fold_line, "duong ngap\n");
        check(
            "Người dân phản ánh giá điện tăng cao\n",
            |l| normalize_line(l, &opts, true),
            "Người dân phản ánh giá điện tăng cao\tunicode\t1.00\n",
        );
        check(
            "nguoi dan phan anh\n",
            |l| normalize_line(l, &opts, true),
            "nguoi dan phan anh\tunicode\t1.00\tunaccented\n",
        );
    }

    #[test]
    fn invalid_utf8_is_decoded_with_a_warning() {
        let (out, err) = run_map(b"H\xb5 N\xe9i\nok\n\xff\xfe\x00", |l| l.to_string());
        assert_eq!(out.lines().next(), Some("Hà Nội"));
        assert_eq!(out.lines().count(), 3);
        assert!(err.contains("line 1: not UTF-8, decoded as tcvn3"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn long_line_and_binary_garbage_do_not_panic() {
        let long = "nguoi dan ".repeat(100_000);
        let (out, _) = run_map(long.as_bytes(), fold_line);
        assert_eq!(out.len(), long.len() + 1);
        let garbage: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let model = restore::Model::default_model();
        let (out, _) = run_map(&garbage, |l| model.restore(l));
        assert_eq!(
            out.matches('\n').count(),
            garbage.iter().filter(|&&b| b == b'\n').count() + 1
        );
        let _ = run_map(&garbage, pii_line);
        let _ = run_map(&garbage, |l| keyphrase_line(l, 3));
    }

    #[test]
    fn pii_and_keyphrases_lines() {
        check(
            "Bà Lan gọi 0903123456\n",
            pii_line,
            "[{\"char_end\":6,\"char_start\":3,\"end\":7,\"kind\":\"name\",\"start\":4,\"text\":\"Lan\"},{\"char_end\":21,\"char_start\":11,\"end\":24,\"kind\":\"phone\",\"start\":14,\"text\":\"0903123456\"}]\n",
        );
        check("không có gì\n", pii_line, "[]\n");
        let (out, _) = run_map(
            "Giá điện tăng. Giá điện tháng này tăng cao.\n".as_bytes(),
            |l| keyphrase_line(l, 2),
        );
        assert!(out.starts_with("giá điện"), "{out}");
    }

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
