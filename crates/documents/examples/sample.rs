//! Writes the tests' sample reports as DOCX and PDF into a folder, to look at them.
//!
//! `cargo run --release -p duluan-documents --example sample -- DIR`
//! writes `party.docx`, `party.pdf`, `state.docx`, `state.pdf`, `draft.docx`, `draft.pdf`,
//! `brief.docx`, `brief.pdf` (a bulletin) and `synthesis.pdf` (the benchmark's document).

use duluan_documents::Layout;

#[path = "../tests/documents/sample.rs"]
mod sample;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: sample DIR")?;
    std::fs::create_dir_all(&dir)?;
    for (name, doc) in [
        ("party", sample::report(Layout::Party, false)),
        ("state", sample::report(Layout::State, false)),
        ("draft", sample::report(Layout::Party, true)),
        ("brief", sample::bulletin(false)),
    ] {
        std::fs::write(
            format!("{dir}/{name}.docx"),
            duluan_documents::to_docx(&doc)?,
        )?;
        std::fs::write(format!("{dir}/{name}.pdf"), duluan_documents::to_pdf(&doc)?)?;
    }
    let synthesis = sample::synthesis(12, 5, 20, 3);
    std::fs::write(
        format!("{dir}/synthesis.pdf"),
        duluan_documents::to_pdf(&synthesis)?,
    )?;
    Ok(())
}
