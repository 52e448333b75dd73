//! `duluan text`: Vietnamese text tools over standard input, one output line per input line
//! (`normalize`, `fold`, `restore`, `tokenize`, `keyphrases`, `pii`), model training and use
//! (`train`, `classify`, `propose`), and spike detection over a CSV of timestamped items
//! (`spikes`). The work is done by the pure engine `duluan_vitext`; this folder reads, writes
//! and reports: this file holds the arguments and the dispatch, `lines.rs` the line tools,
//! `learn.rs` the labelled files and models, `spikes_file.rs` the items file and the report.

mod learn;
mod lines;
mod spikes_file;

use anyhow::Context as _;
use duluan_vitext::{classify, legacy, normalize, restore, spikes, syllable, terms};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use learn::{parse_labels, write_cv_report, write_proposals};
use lines::{fold_line, keyphrase_line, normalize_line, pii_line};
use spikes_file::{ItemRow, parse_items, write_spikes};

pub use lines::map_lines;

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
