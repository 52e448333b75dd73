//! Writes the XLSForms of the verdict corpus (`tests/verdicts/forms.rs`) to a folder, with
//! duluan's verdict on each and its XForm of those it accepts (used by
//! `ci/xlsform-verdicts.sh`, which compares them with pyxform's):
//!
//! ```text
//! cargo run -p duluan-forms --example xlsform_verdicts -- OUT_DIR
//! ```
//!
//! For each form `NAME` it writes `NAME.xlsx`; `NAME.expect` (the verdict recorded in the
//! corpus: `accept WARNINGS [nocompare WHY]`, `refuse SHEET ROW COLUMN` or
//! `unsupported SHEET ROW COLUMN`);
//! `NAME.duluan` (duluan's verdict: `accept WARNINGS` or `refuse SHEET ROW COLUMN`, then the
//! messages); and `NAME.duluan.xml` when duluan accepts it.

#[path = "../tests/verdicts/forms.rs"]
mod forms;

use duluan_forms::xform::{XFormSettings, to_xform};
use duluan_forms::xlsform::import_xlsx_with_warnings;
use duluan_forms::{Lang, check_form};
use forms::Expect;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/forms-verdicts".into());
    std::fs::create_dir_all(&out)?;
    let out = Path::new(&out);
    for f in forms::forms() {
        let bytes = forms::xlsx(&f);
        std::fs::write(out.join(format!("{}.xlsx", f.name)), &bytes)?;
        let expect = match f.expect {
            Expect::Accept { warnings } => match f.no_compare {
                Some(why) => format!("accept {warnings} nocompare {why}"),
                None => format!("accept {warnings}"),
            },
            Expect::Refuse { sheet, row, column } => format!("refuse {sheet} {row} {column}"),
            Expect::Unsupported { sheet, row, column } => {
                format!("unsupported {sheet} {row} {column}")
            }
        };
        std::fs::write(out.join(format!("{}.expect", f.name)), expect + "\n")?;
        let verdict = match import_xlsx_with_warnings(&bytes) {
            Ok((form, warnings)) => {
                let checked = check_form(&form).map_err(|e| format!("{}: {e:?}", f.name))?;
                let settings = XFormSettings {
                    form_id: form.id.clone(),
                    version: form.version.clone(),
                    title: form.title.clone(),
                    case_list: None,
                };
                std::fs::write(
                    out.join(format!("{}.duluan.xml", f.name)),
                    to_xform(&checked, &settings),
                )?;
                let mut s = format!("accept {}\n", warnings.len());
                for w in warnings {
                    s += &format!("warning: {}\n", w.render(Lang::En));
                }
                s
            }
            Err(errors) => {
                let first = &errors[0].place;
                let mut s = format!(
                    "refuse {} {} {}\n",
                    first.sheet.as_deref().unwrap_or("-"),
                    first.row.map_or("-".to_string(), |r| r.to_string()),
                    first.column.as_deref().unwrap_or("-"),
                );
                for e in errors {
                    s += &format!("error: {}\n", e.render(Lang::En));
                }
                s
            }
        };
        std::fs::write(out.join(format!("{}.duluan", f.name)), verdict)?;
    }
    Ok(())
}
