//! The outputs read back by the programs people use: poppler (`pdftotext`, `pdffonts`,
//! `pdftoppm`), LibreOffice and python-docx (Debian `poppler-utils`,
//! `libreoffice-writer-nogui`, `python3-docx`).
//!
//! First pages are rendered to `tests/out/` (ignored by git) for a person to look at:
//! `pdf-party.png`, `pdf-state.png`, `pdf-draft.png`, `pdf-brief.png` from the PDF,
//! `docx-party.png`, `docx-state.png`, `docx-brief.png` from the DOCX through LibreOffice. A missing program prints
//! `skipped: …` on the terminal; with `DULUAN_TEST_DOCS_TOOLS=1` it fails the test instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use duluan_documents::{Document, Layout, to_docx, to_pdf};
use unicode_normalization::UnicodeNormalization;

use crate::sample::{self, BULLETIN_TITLE, MARKUP, NAME, PARAGRAPH, RECIPIENT_LINES, TITLE};

fn required() -> bool {
    std::env::var("DULUAN_TEST_DOCS_TOOLS").as_deref() == Ok("1")
}

/// Says why a check did not run, past the test harness's capture; fails when tools are
/// required.
fn skip(why: &str) {
    assert!(!required(), "DULUAN_TEST_DOCS_TOOLS=1, but {why}");
    let _ = writeln!(std::io::stderr().lock(), "skipped: {why}");
}

/// The program's path, or `None` after saying that it is missing.
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(&format!("{name} is not installed"));
    }
    found
}

/// Where the rendered files go.
fn out_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/out");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a command that must succeed; its standard output.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// NFC, whitespace runs as one space.
fn squash(s: &str) -> String {
    s.nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `pdftotext` of a PDF file, squashed.
fn pdf_text(pdftotext: &Path, pdf: &Path) -> String {
    squash(&run(Command::new(pdftotext)
        .args(["-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")))
}

/// Renders page 1 of `pdf` at 100 dpi to `png`.
fn first_page(pdftoppm: &Path, pdf: &Path, png: &Path) {
    let prefix = png.with_extension("");
    run(Command::new(pdftoppm)
        .args(["-r", "100", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&prefix));
    assert!(png.is_file(), "{png:?}");
}

#[test]
fn pdf_reads_back_with_poppler_in_embedded_fonts() {
    let (Some(pdftotext), Some(pdffonts), Some(pdftoppm)) =
        (tool("pdftotext"), tool("pdffonts"), tool("pdftoppm"))
    else {
        return;
    };
    let out = out_dir();
    for (name, layout, draft) in [
        ("party", Layout::Party, false),
        ("state", Layout::State, false),
        ("draft", Layout::Party, true),
    ] {
        let pdf = out.join(format!("report-{name}.pdf"));
        std::fs::write(&pdf, to_pdf(&sample::report(layout, draft)).unwrap()).unwrap();

        let text = pdf_text(&pdftotext, &pdf);
        for want in [TITLE, PARAGRAPH, MARKUP, NAME]
            .into_iter()
            .chain(RECIPIENT_LINES)
        {
            assert!(
                text.contains(&squash(want)),
                "{name}: missing {want:?} in\n{text}"
            );
        }
        let national: &[&str] = match layout {
            Layout::Party => &["ĐẢNG CỘNG SẢN VIỆT NAM"],
            Layout::State => &[
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
            ],
            Layout::Brief => &[],
        };
        for want in national {
            assert!(text.contains(want), "{name}: missing {want:?} in\n{text}");
        }
        assert_eq!(text.contains("DỰ THẢO"), draft, "{name}");
        if draft {
            assert!(text.contains("Số -BC/BTGDVTU"), "{text}");
            assert!(text.contains("Hà Nội, ngày tháng năm 2026"), "{text}");
        }

        // Every font embedded, and all of them Liberation Serif.
        let fonts = run(Command::new(&pdffonts).arg(&pdf));
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type… encoding emb sub uni object-number generation
            let emb = cols[cols.len() - 5];
            assert_eq!(emb, "yes", "not embedded: {row}");
            assert!(cols[0].contains("LiberationSerif"), "another font: {row}");
        }

        first_page(&pdftoppm, &pdf, &out.join(format!("pdf-{name}.png")));
    }
}

#[test]
fn brief_pdf_reads_back_without_the_official_lines() {
    let (Some(pdftotext), Some(pdftoppm)) = (tool("pdftotext"), tool("pdftoppm")) else {
        return;
    };
    let out = out_dir();
    let pdf = out.join("report-brief.pdf");
    std::fs::write(&pdf, to_pdf(&sample::bulletin(false)).unwrap()).unwrap();
    let text = pdf_text(&pdftotext, &pdf);
    for want in [
        BULLETIN_TITLE,
        PARAGRAPH,
        MARKUP,
        "THÀNH ỦY HÀ NỘI",
        "BAN TUYÊN GIÁO VÀ DÂN VẬN",
        "Hà Nội, ngày 05 tháng 12 năm 2026",
        "BẢN TIN",
    ] {
        assert!(text.contains(&squash(want)), "missing {want:?} in\n{text}");
    }
    for unwanted in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Số",
        "Nơi nhận",
    ] {
        assert!(!text.contains(unwanted), "{unwanted:?} in\n{text}");
    }
    first_page(&pdftoppm, &pdf, &out.join("pdf-brief.png"));

    // Nor does a party document without recipients or signer print the label.
    let mut doc = sample::report(Layout::Party, false);
    doc.recipients.clear();
    doc.signature.position = String::new();
    doc.signature.name = String::new();
    let pdf = out.join("report-party-unsigned.pdf");
    std::fs::write(&pdf, to_pdf(&doc).unwrap()).unwrap();
    let text = pdf_text(&pdftotext, &pdf);
    assert!(text.contains(&squash(TITLE)), "{text}");
    assert!(
        !text.contains("Nơi nhận") && !text.contains("K/T TRƯỞNG BAN"),
        "{text}"
    );
}

#[test]
fn docx_converts_with_libreoffice() {
    let (Some(soffice), Some(pdftotext), Some(pdftoppm)) =
        (tool("soffice"), tool("pdftotext"), tool("pdftoppm"))
    else {
        return;
    };
    let out = out_dir();
    // A fresh profile: nothing from a person's LibreOffice settings, no lock shared with one.
    let profile = std::env::temp_dir().join(format!("duluan-docs-lo-{}", std::process::id()));
    for (name, doc) in [
        ("party", sample::report(Layout::Party, false)),
        ("state", sample::report(Layout::State, false)),
        ("brief", sample::bulletin(false)),
    ] {
        let docx = out.join(format!("report-{name}.docx"));
        std::fs::write(&docx, to_docx(&doc).unwrap()).unwrap();
        let dir = out.join(format!("lo-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        run(Command::new(&soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args([
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
            ])
            .arg(&dir)
            .arg(&docx));
        let pdf = dir.join(format!("report-{name}.pdf"));
        assert!(pdf.is_file(), "LibreOffice wrote no PDF");
        let text = pdf_text(&pdftotext, &pdf);
        let wants = if name == "brief" {
            [BULLETIN_TITLE, "Hà Nội, ngày 05 tháng 12 năm 2026"]
        } else {
            [TITLE, NAME]
        };
        for want in wants.into_iter().chain([PARAGRAPH, MARKUP]) {
            assert!(
                text.contains(&squash(want)),
                "{name}: missing {want:?} in\n{text}"
            );
        }
        assert_eq!(text.contains("Nơi nhận"), name != "brief", "{name}");
        first_page(&pdftoppm, &pdf, &out.join(format!("docx-{name}.png")));
    }
    let _ = std::fs::remove_dir_all(&profile);
}

/// A Python that has python-docx (Debian's, when another Python comes first on the path).
fn python_with_docx() -> Option<PathBuf> {
    let found = ["/usr/bin/python3", "python3"].into_iter().find_map(|p| {
        let ok = Command::new(p)
            .args(["-c", "import docx"])
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| PathBuf::from(p))
    });
    if found.is_none() {
        skip("python-docx is not installed (Debian python3-docx)");
    }
    found
}

/// What `check_docx.py` reads of the document's DOCX, written to `tests/out/{name}.docx`.
fn python_docx(python: &Path, name: &str, doc: &Document) -> serde_json::Value {
    let docx = out_dir().join(format!("{name}.docx"));
    std::fs::write(&docx, to_docx(doc).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/documents/check_docx.py");
    let json = run(Command::new(python).arg(script).arg(&docx));
    serde_json::from_str(&json).unwrap()
}

/// Whether any paragraph or table cell python-docx reads holds `what`.
fn holds(v: &serde_json::Value, what: &str) -> bool {
    v["texts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t.as_str().unwrap().contains(what))
}

#[test]
fn docx_header_table_comes_first_in_every_layout() {
    let Some(python) = python_with_docx() else {
        return;
    };
    for (name, doc) in [
        ("first-party", sample::report(Layout::Party, false)),
        ("first-state", sample::report(Layout::State, false)),
        ("first-brief", sample::bulletin(false)),
    ] {
        let v = python_docx(&python, name, &doc);
        assert_eq!(v["first"], "tbl", "{name}: the header table comes first");
        assert_eq!(v["header_columns"], 2, "{name}");
    }
}

#[test]
fn brief_docx_as_python_docx_reads_it() {
    let Some(python) = python_with_docx() else {
        return;
    };
    let v = python_docx(&python, "brief", &sample::bulletin(false));
    assert_eq!(
        v["header_cells"],
        serde_json::json!([[
            "THÀNH ỦY HÀ NỘI\nBAN TUYÊN GIÁO VÀ DÂN VẬN",
            "Hà Nội, ngày 05 tháng 12 năm 2026"
        ]])
    );
    let styled = |style: &str| -> Vec<&serde_json::Value> {
        v["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["style"] == style)
            .map(|p| &p["text"])
            .collect()
    };
    assert_eq!(styled("Tiêu đề văn bản"), [BULLETIN_TITLE]);
    assert_eq!(styled("Tên loại văn bản"), ["BẢN TIN"]);
    for unwanted in ["Nơi nhận", "ĐẢNG CỘNG SẢN", "CỘNG HÒA", "Số"] {
        assert!(!holds(&v, unwanted), "{unwanted:?} in {v}");
    }
    assert_eq!(
        v["tables"], 2,
        "the header and the data table, no end table"
    );
}

#[test]
fn party_docx_without_recipients_or_signer_has_no_end() {
    let Some(python) = python_with_docx() else {
        return;
    };
    let mut doc = sample::report(Layout::Party, false);
    doc.recipients.clear();
    doc.signature.position = String::new();
    doc.signature.name = String::new();
    let v = python_docx(&python, "party-unsigned", &doc);
    assert!(!holds(&v, "Nơi nhận"), "{v}");
    assert!(!holds(&v, "K/T TRƯỞNG BAN"), "{v}");
    assert_eq!(
        v["tables"], 2,
        "the header and the data table, no end table"
    );
    assert_eq!(v["first"], "tbl");
}

#[test]
fn docx_structure_as_python_docx_reads_it() {
    let Some(python) = python_with_docx() else {
        return;
    };
    let v = python_docx(&python, "structure", &sample::report(Layout::Party, true));

    assert_eq!(v["first"], "tbl", "the header table comes first");
    assert_eq!(v["header_columns"], 2);
    let cell = |r: usize, c: usize| v["header_cells"][r][c].as_str().unwrap().to_string();
    assert_eq!(cell(0, 0), "THÀNH ỦY HÀ NỘI\nBAN TUYÊN GIÁO VÀ DÂN VẬN\n*");
    assert_eq!(cell(0, 1), "ĐẢNG CỘNG SẢN VIỆT NAM");
    assert_eq!(cell(1, 0), "Số     -BC/BTGDVTU");
    assert_eq!(cell(1, 1), "Hà Nội, ngày     tháng     năm 2026");

    let paragraphs = v["paragraphs"].as_array().unwrap();
    let styled = |style: &str| -> Vec<String> {
        paragraphs
            .iter()
            .filter(|p| p["style"] == style)
            .map(|p| p["text"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(styled("Tiêu đề văn bản"), [TITLE]);
    assert_eq!(styled("Tên loại văn bản"), ["BÁO CÁO"]);
    assert_eq!(
        styled("Heading 1"),
        ["I. TÌNH HÌNH DƯ LUẬN XÃ HỘI", "II. DỰ BÁO VÀ KIẾN NGHỊ"]
    );
    assert_eq!(styled("Heading 2").len(), 1);
    assert_eq!(styled("Heading 3"), ["a) Về giải phóng mặt bằng"]);
    assert!(styled("Body Text").iter().any(|t| t == PARAGRAPH));
    assert!(styled("Body Text").iter().any(|t| t == MARKUP));
    assert!(styled("Caption").iter().any(|t| t.starts_with("Bảng 1. ")));
    assert!(
        styled("Caption")
            .iter()
            .any(|t| t.starts_with("Biểu đồ 1. "))
    );

    let left = v["signature_cells"][0][0].as_str().unwrap();
    let want = std::iter::once("Nơi nhận:")
        .chain(RECIPIENT_LINES)
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(left, want);
    let right = v["signature_cells"][0][1].as_str().unwrap();
    assert!(
        right.starts_with("K/T TRƯỞNG BAN\nPHÓ TRƯỞNG BAN\n"),
        "{right}"
    );
    assert!(right.ends_with(NAME), "{right}");

    assert_eq!(
        v["page_mm"],
        serde_json::json!([210.0, 297.0, 20.0, 20.0, 30.0, 15.0])
    );
    assert_eq!(v["different_first_page"], true);
    assert_eq!(v["first_page_header"], serde_json::json!(["DỰ THẢO"]));
    assert_eq!(v["images"], 1);
}
