//! OCR by tesseract: a PNG and scanned PDFs (JPEG, CCITT G4 and Flate page images).
//! Skipped with a notice when tesseract or its Vietnamese model is missing, unless
//! `DULUAN_TEST_OCR=1`, which makes them required.

use crate::{fixture, fold};
use duluan_extract::{Format, Options, extract, ocr};
use std::time::Duration;

/// Whether OCR tests can run (panics when they are required but cannot).
fn ocr_ready(test: &str) -> bool {
    let required = std::env::var("DULUAN_TEST_OCR").is_ok_and(|v| v == "1");
    match ocr::available() {
        Some(info) if info.vietnamese => true,
        other => {
            let why = match other {
                None => "tesseract is not installed".to_string(),
                Some(i) => format!(
                    "tesseract {} has no Vietnamese model (langs {:?})",
                    i.version, i.langs
                ),
            };
            assert!(!required, "DULUAN_TEST_OCR=1 but {why}");
            println!("SKIPPED {test}: {why} (Debian: tesseract-ocr tesseract-ocr-vie)");
            false
        }
    }
}

fn options() -> Options {
    Options {
        ocr: true,
        ocr_langs: "vie".to_string(),
        ocr_timeout: Duration::from_secs(120),
        ..Options::default()
    }
}

/// The OCR text has the words of the fixture (compared folded, so a wrong tone mark is not a
/// failure but a wrong word is) and mostly with their diacritics.
fn check_ocr_text(text: &str) {
    let folded = fold(text);
    for words in [
        "nguoi dan phuong ninh kieu",
        "lo lang ve ngap ung",
        "gia dien tang cao",
    ] {
        assert!(
            folded.contains(words),
            "missing \"{words}\" in OCR text:\n{text}"
        );
    }
    assert!(text.contains("Ninh Kiều"), "diacritics lost:\n{text}");
}

#[test]
fn available_reports_vietnamese() {
    if !ocr_ready("available_reports_vietnamese") {
        return;
    }
    let info = ocr::available().unwrap();
    assert!(
        info.version.starts_with(|c: char| c.is_ascii_digit()),
        "{info:?}"
    );
    assert!(info.langs.iter().any(|l| l == "vie"));
}

#[test]
fn png_image() {
    if !ocr_ready("png_image") {
        return;
    }
    let x = extract("anh-chup.png", &fixture("ocr-vi.png"), &options()).unwrap();
    assert_eq!(x.format, Format::Image);
    assert_eq!(x.ocr_pages, 1);
    assert!(x.items[0].via_ocr);
    check_ocr_text(&x.items[0].text);
}

#[test]
fn scanned_pdfs() {
    if !ocr_ready("scanned_pdfs") {
        return;
    }
    for name in ["scan-jpeg.pdf", "scan-g4.pdf", "scan-flate.pdf"] {
        let x = extract(name, &fixture(name), &options())
            .unwrap_or_else(|e| panic!("{name}: {}", crate::show(&e)));
        assert_eq!(x.ocr_pages, 1, "{name}");
        assert!(x.items[0].via_ocr, "{name}");
        assert_eq!(x.items[0].line, 1);
        check_ocr_text(&x.items[0].text);
    }
}

#[test]
fn mixed_pdf_text_page_and_scanned_page() {
    if !ocr_ready("mixed_pdf_text_page_and_scanned_page") {
        return;
    }
    let x = extract("mixed.pdf", &fixture("mixed.pdf"), &options()).unwrap();
    assert_eq!(x.ocr_pages, 1);
    assert!(x.warnings.is_empty(), "{:?}", x.warnings);
    let text = &x.items[0].text;
    assert!(
        text.starts_with("Trang một có chữ: ý kiến về rác thải."),
        "{text}"
    );
    check_ocr_text(text);
}

#[test]
fn errors_are_clear() {
    if !ocr_ready("errors_are_clear") {
        return;
    }
    let bad_lang = Options {
        ocr_langs: "xyz".to_string(),
        ..options()
    };
    let e = extract("a.png", &fixture("ocr-vi.png"), &bad_lang).unwrap_err();
    assert!(
        e[0].to_string().contains("\"xyz\" is not installed"),
        "{}",
        e[0]
    );
    let e = ocr::image_to_text(
        b"\x89PNG\r\n\x1a\nnot really",
        "vie",
        Duration::from_secs(30),
    )
    .unwrap_err();
    assert!(matches!(e, ocr::OcrError::Failed(_)), "{e:?}");
    let tiny = Options {
        ocr_timeout: Duration::from_millis(1),
        ..options()
    };
    let e = extract("a.png", &fixture("ocr-vi.png"), &tiny).unwrap_err();
    assert!(
        e[0].to_string().contains("OCR took longer than"),
        "{}",
        e[0]
    );
}
