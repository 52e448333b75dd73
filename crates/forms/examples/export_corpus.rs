//! Imports every XLSForm of the corpus and writes duluan's own export of it to a folder
//! (used by `ci/pyxform-check.sh` to prove pyxform accepts what duluan exports):
//!
//! ```text
//! cargo run -p duluan-forms --example export_corpus -- crates/forms/tests/corpus OUT_DIR
//! ```

use duluan_forms::Lang;
use duluan_forms::xlsform::{export_xlsx, import_xlsx};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus = args
        .next()
        .unwrap_or_else(|| "crates/forms/tests/corpus".into());
    let out = args.next().unwrap_or_else(|| "target/forms-exports".into());
    std::fs::create_dir_all(&out)?;
    let mut names: Vec<_> = std::fs::read_dir(&corpus)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    names.sort();
    for path in names {
        let form = import_xlsx(&std::fs::read(&path)?).map_err(|e| {
            format!(
                "{}: {}",
                path.display(),
                e.iter()
                    .map(|d| d.render(Lang::En))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("form");
        std::fs::write(
            Path::new(&out).join(format!("{stem}.xlsx")),
            export_xlsx(&form)?,
        )?;
        let mut published = form.clone();
        published.published = true;
        std::fs::write(
            Path::new(&out).join(format!("{stem}_published.xlsx")),
            export_xlsx(&published)?,
        )?;
        println!("exported {stem}");
    }
    Ok(())
}
