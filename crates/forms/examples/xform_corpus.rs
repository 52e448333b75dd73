//! Writes duluan's XForm of every XLSForm in a folder (used by `ci/xform-check.sh` to compare
//! it with pyxform's XForm of the same file):
//!
//! ```text
//! cargo run -p duluan-forms --example xform_corpus -- IN_DIR OUT_DIR
//! ```
//!
//! For `IN_DIR/NAME.xlsx` it writes `OUT_DIR/NAME.duluan.xml`, and for forms not named
//! `generated_*` also `OUT_DIR/NAME.cases.duluan.xml`, the same form with a case list, and
//! `OUT_DIR/NAME.interviewer.duluan.xml`, in interviewer wording (checked by ODK Validate).

use duluan_forms::xform::{CaseList, Mode, XFormSettings, to_xform, to_xform_in_mode};
use duluan_forms::xlsform::import_xlsx;
use duluan_forms::{Lang, Text, check_form};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let input = args
        .next()
        .unwrap_or_else(|| "crates/forms/tests/corpus".into());
    let out = args.next().unwrap_or_else(|| "target/forms-xforms".into());
    std::fs::create_dir_all(&out)?;
    let mut paths: Vec<_> = std::fs::read_dir(&input)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    paths.sort();
    for path in paths {
        let render = |e: Vec<duluan_forms::Diagnostic>| {
            format!(
                "{}: {}",
                path.display(),
                e.iter()
                    .map(|d| d.render(Lang::En))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let form = import_xlsx(&std::fs::read(&path)?).map_err(render)?;
        let checked = check_form(&form).map_err(render)?;
        let settings = XFormSettings {
            form_id: form.id.clone(),
            version: form.version.clone(),
            title: form.title.clone(),
            case_list: None,
        };
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("form");
        std::fs::write(
            Path::new(&out).join(format!("{stem}.duluan.xml")),
            to_xform(&checked, &settings),
        )?;
        if stem.starts_with("generated_") {
            continue;
        }
        std::fs::write(
            Path::new(&out).join(format!("{stem}.interviewer.duluan.xml")),
            to_xform_in_mode(&checked, &settings, Mode::Interviewer),
        )?;
        let with_cases = XFormSettings {
            case_list: Some(CaseList {
                file: "cases.csv".into(),
                label: Text::default()
                    .with("Tiếng Việt (vi)", "Hộ được phỏng vấn")
                    .with("English (en)", "Household interviewed"),
            }),
            ..settings
        };
        std::fs::write(
            Path::new(&out).join(format!("{stem}.cases.duluan.xml")),
            to_xform(&checked, &with_cases),
        )?;
    }
    Ok(())
}
