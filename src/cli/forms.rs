//! `duluan forms`: questionnaires. `check` reads an XLSForm (or a duluan JSON form) and prints
//! every error with its place; `convert` turns an XLSForm into duluan's JSON form and back.
//!
//! This file only reads and writes files; parsing, checking and conversion are done by the
//! `duluan-forms` engine.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use duluan_forms::xlsform::{export_xlsx, import_xlsx};
use duluan_forms::{Diagnostic, Form, Item, Lang, check_form};

/// Arguments of `duluan forms`.
#[derive(Debug, clap::Args)]
pub struct FormsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: FormsCommand,
}

/// Subcommands of `duluan forms`.
#[derive(Debug, clap::Subcommand)]
pub enum FormsCommand {
    /// Check an XLSForm (.xlsx, .xls, .ods) or a JSON form: print every error with its place
    /// and exit with status 1, or print a short summary and exit with 0.
    Check {
        /// The form file.
        file: PathBuf,
        /// The published version this one follows: also check that it keeps every variable
        /// (same names, types and choice values) so that survey waves compare.
        #[arg(long, value_name = "PUBLISHED")]
        against: Option<PathBuf>,
        /// Language of the messages.
        #[arg(long, value_enum, default_value_t = MessageLang::Vi)]
        lang: MessageLang,
    },
    /// Convert between XLSForm (.xlsx, .xls, .ods; written as .xlsx) and duluan's JSON form,
    /// by file extension.
    Convert {
        /// Input file.
        input: PathBuf,
        /// Output file (.json or .xlsx).
        output: PathBuf,
        /// Language of the messages.
        #[arg(long, value_enum, default_value_t = MessageLang::Vi)]
        lang: MessageLang,
    },
}

/// Language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageLang {
    /// Tiếng Việt.
    Vi,
    /// English.
    En,
}

impl From<MessageLang> for Lang {
    fn from(l: MessageLang) -> Lang {
        match l {
            MessageLang::Vi => Lang::Vi,
            MessageLang::En => Lang::En,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Spreadsheet,
    Json,
}

fn kind_of(path: &Path) -> Result<Kind> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    match ext.as_str() {
        "xlsx" | "xls" | "xlsm" | "xlsb" | "ods" => Ok(Kind::Spreadsheet),
        "json" => Ok(Kind::Json),
        _ => bail!(
            "{}: unknown extension (expected .xlsx, .xls, .ods or .json) / phần mở rộng không hỗ trợ",
            path.display()
        ),
    }
}

/// Reads a form and checks it: the form, or every diagnostic.
fn load(path: &Path) -> Result<std::result::Result<Form, Vec<Diagnostic>>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(match kind_of(path)? {
        Kind::Spreadsheet => import_xlsx(&bytes),
        Kind::Json => {
            let text = String::from_utf8_lossy(&bytes);
            match Form::from_json(&text) {
                Ok(form) => check_form(&form).map(|_| form),
                Err(e) => Err(vec![Diagnostic::new(
                    duluan_forms::DiagKind::File,
                    format!("not a duluan JSON form: {e}"),
                    format!("không phải là biểu mẫu JSON của duluan: {e}"),
                )]),
            }
        }
    })
}

fn count(items: &[Item], out: &mut (usize, usize, usize)) {
    for it in items {
        match it {
            Item::Question(_) => out.0 += 1,
            Item::Group(g) => {
                if g.repeat {
                    out.2 += 1;
                } else {
                    out.1 += 1;
                }
                count(&g.items, out);
            }
        }
    }
}

/// A one-line summary of a valid form.
fn summary(form: &Form, lang: Lang) -> String {
    let mut c = (0, 0, 0);
    count(&form.items, &mut c);
    let langs: Vec<String> = form
        .languages()
        .into_iter()
        .map(|l| if l.is_empty() { "-".into() } else { l })
        .collect();
    match lang {
        Lang::Vi => format!(
            "hợp lệ: biểu mẫu `{}` phiên bản `{}`: {} câu hỏi, {} nhóm, {} nhóm lặp, {} danh sách lựa chọn; ngôn ngữ: {}",
            form.id,
            form.version,
            c.0,
            c.1,
            c.2,
            form.choices.len(),
            langs.join(", ")
        ),
        Lang::En => format!(
            "valid: form `{}` version `{}`: {} questions, {} groups, {} repeats, {} choice lists; languages: {}",
            form.id,
            form.version,
            c.0,
            c.1,
            c.2,
            form.choices.len(),
            langs.join(", ")
        ),
    }
}

fn report(
    path: &Path,
    errors: &[Diagnostic],
    lang: Lang,
    out: &mut dyn std::io::Write,
) -> Result<()> {
    for d in errors {
        writeln!(out, "{}: {}", path.display(), d.render(lang))?;
    }
    match lang {
        Lang::Vi => writeln!(out, "{} lỗi", errors.len())?,
        Lang::En => writeln!(out, "{} errors", errors.len())?,
    }
    Ok(())
}

fn execute(args: FormsArgs, out: &mut dyn std::io::Write) -> Result<ExitCode> {
    match args.command {
        FormsCommand::Check {
            file,
            against,
            lang,
        } => match load(&file)? {
            Ok(form) => {
                if let Some(previous) = against {
                    let old = match load(&previous)? {
                        Ok(old) => old,
                        Err(errors) => {
                            report(&previous, &errors, lang.into(), out)?;
                            return Ok(ExitCode::from(1));
                        }
                    };
                    let errors = duluan_forms::version::check_new_version(&old, &form);
                    if !errors.is_empty() {
                        report(&file, &errors, lang.into(), out)?;
                        return Ok(ExitCode::from(1));
                    }
                }
                writeln!(out, "{}", summary(&form, lang.into()))?;
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                report(&file, &errors, lang.into(), out)?;
                Ok(ExitCode::from(1))
            }
        },
        FormsCommand::Convert {
            input,
            output,
            lang,
        } => {
            let out_kind = kind_of(&output)?;
            let form = match load(&input)? {
                Ok(form) => form,
                Err(errors) => {
                    report(&input, &errors, lang.into(), out)?;
                    return Ok(ExitCode::from(1));
                }
            };
            let bytes = match out_kind {
                Kind::Json => {
                    let mut s = form.to_json();
                    s.push('\n');
                    s.into_bytes()
                }
                Kind::Spreadsheet => {
                    if output
                        .extension()
                        .and_then(|e| e.to_str())
                        .map(str::to_lowercase)
                        .as_deref()
                        != Some("xlsx")
                    {
                        bail!(
                            "{}: XLSForms are written as .xlsx / chỉ ghi được tệp .xlsx",
                            output.display()
                        );
                    }
                    export_xlsx(&form).map_err(anyhow::Error::msg)?
                }
            };
            std::fs::write(&output, bytes)
                .with_context(|| format!("cannot write {}", output.display()))?;
            writeln!(out, "{} → {}", input.display(), output.display())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Runs the command.
pub fn run(args: FormsArgs) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    execute(args, &mut lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/forms/tests/corpus")
            .join(name)
    }

    fn run_to_string(command: FormsCommand) -> (ExitCode, String) {
        let mut out = Vec::new();
        let code = execute(FormsArgs { command }, &mut out).unwrap();
        (code, String::from_utf8(out).unwrap())
    }

    #[test]
    fn check_a_valid_form_prints_a_summary() {
        let (code, out) = run_to_string(FormsCommand::Check {
            against: None,
            file: corpus("household_roster.xlsx"),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::SUCCESS);
        assert_eq!(
            out.trim(),
            "valid: form `household_2026` version `3`: 20 questions, 0 groups, 1 repeats, 3 choice lists; languages: English (en), Tiếng Việt (vi)"
        );
        let (_, out) = run_to_string(FormsCommand::Check {
            against: None,
            file: corpus("bao_cao_nhanh_ctv.xlsx"),
            lang: MessageLang::Vi,
        });
        assert!(out.starts_with("hợp lệ: biểu mẫu `bao_cao_nhanh`"), "{out}");
    }

    #[test]
    fn check_a_broken_form_prints_every_error_and_fails() {
        let (code, out) = run_to_string(FormsCommand::Check {
            against: None,
            file: corpus("broken/every_mistake.xlsx"),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::from(1));
        assert!(
            out.contains(
                "every_mistake.xlsx: survey, row 4, column type: unknown question type `geopint`"
            ),
            "{out}"
        );
        assert!(out.contains("row 8, column calculation: calculations or conditions depend on each other in a cycle"), "{out}");
        assert!(out.trim_end().ends_with("10 errors"), "{out}");
        let (code, out) = run_to_string(FormsCommand::Check {
            against: None,
            file: corpus("broken/not_a_spreadsheet.xlsx"),
            lang: MessageLang::Vi,
        });
        assert_eq!(code, ExitCode::from(1));
        assert!(out.contains("tệp không phải là bảng tính"), "{out}");
    }

    #[test]
    fn convert_round_trips_between_xlsform_and_json() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("form.json");
        let xlsx = dir.path().join("again.xlsx");
        let json2 = dir.path().join("again.json");
        let (code, _) = run_to_string(FormsCommand::Convert {
            input: corpus("khao_sat_dich_vu_cong.xlsx"),
            output: json.clone(),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::SUCCESS);
        let text = std::fs::read_to_string(&json).unwrap();
        assert!(text.contains("\"id\": \"dich_vu_cong_2026\""));
        let (code, _) = run_to_string(FormsCommand::Convert {
            input: json.clone(),
            output: xlsx.clone(),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::SUCCESS);
        let (code, _) = run_to_string(FormsCommand::Convert {
            input: xlsx,
            output: json2.clone(),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::SUCCESS);
        assert_eq!(std::fs::read_to_string(json2).unwrap(), text);
        let (code, out) = run_to_string(FormsCommand::Check {
            against: None,
            file: json.clone(),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        // A new version that drops a variable and reuses the version string is refused.
        let next = dir.path().join("next.json");
        let mut form = Form::from_json(&text).unwrap();
        form.items.retain(|i| i.name() != "gender");
        std::fs::write(&next, form.to_json()).unwrap();
        let (code, out) = run_to_string(FormsCommand::Check {
            against: Some(json.clone()),
            file: next.clone(),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::from(1));
        assert!(
            out.contains("the new version must not reuse version `2026.1`"),
            "{out}"
        );
        assert!(out.contains("variable `gender` was removed"), "{out}");
        form = Form::from_json(&text).unwrap();
        form.version = "2026.2".into();
        std::fs::write(&next, form.to_json()).unwrap();
        let (code, out) = run_to_string(FormsCommand::Check {
            against: Some(json),
            file: next,
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
    }

    #[test]
    fn convert_refuses_broken_input_and_unknown_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("x.json");
        let (code, out) = run_to_string(FormsCommand::Convert {
            input: corpus("broken/wrong_sheet_names.xlsx"),
            output: out_path.clone(),
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::from(1));
        assert!(out.contains("there is no `survey` sheet"), "{out}");
        assert!(
            !out_path.exists(),
            "nothing is written when there is an error"
        );
        let bad = dir.path().join("form.json");
        std::fs::write(&bad, "{\"items\": 3}").unwrap();
        let (code, out) = run_to_string(FormsCommand::Check {
            against: None,
            file: bad,
            lang: MessageLang::En,
        });
        assert_eq!(code, ExitCode::from(1));
        assert!(out.contains("not a duluan JSON form"), "{out}");
        let err = execute(
            FormsArgs {
                command: FormsCommand::Convert {
                    input: corpus("household_roster.xlsx"),
                    output: dir.path().join("x.csv"),
                    lang: MessageLang::En,
                },
            },
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown extension"));
    }
}
