//! Printing: the layout of the test form, and its PDF.

use duluan_paper::{LayoutOptions, SheetId, layout, render_pdf};

#[test]
fn the_form_prints() {
    let form = super::form::form();
    let l = layout(&form, &LayoutOptions::default()).unwrap();
    let pdf = render_pdf(
        &l,
        &[SheetId::Case("HN-0001".into()), SheetId::Anonymous(7)],
    )
    .unwrap();
    if let Ok(dir) = std::env::var("PAPER_DEBUG_DIR") {
        std::fs::write(format!("{dir}/form.pdf"), &pdf).unwrap();
        std::fs::write(
            format!("{dir}/layout.json"),
            serde_json::to_string_pretty(&l).unwrap(),
        )
        .unwrap();
    }
}
