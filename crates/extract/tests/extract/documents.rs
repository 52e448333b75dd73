//! DOCX and PDF with a text layer; format sniffing.

use crate::{errs, fixture, ok};
use duluan_extract::{FileErrorKind, Format, Quality, sniff};

#[test]
fn docx_paragraphs_tables_and_legacy_font_text() {
    let x = ok("bao-cao.docx", &fixture("sample.docx"));
    assert_eq!(x.format, Format::Docx);
    assert_eq!(x.items.len(), 1);
    let item = &x.items[0];
    assert_eq!(item.line, 1);
    assert_eq!(item.title.as_deref(), Some("Ý kiến cử tri phường Cái Khế"));
    assert_eq!(
        item.text,
        "Ý kiến cử tri phường Cái Khế\n\
         Người dân phản ánh đường ngập sau mưa & triều cường.\n\
         Người dân phường Ninh Kiều lo lắng về ngập úng\n\
         Khu vực | Số ý kiến\n\
         Ninh Kiều | 12"
    );
    assert_eq!(item.legacy_encoding.as_deref(), Some("tcvn3"));
    assert_eq!(item.quality, Quality::Good);
}

#[test]
fn docx_name_does_not_matter_magic_does() {
    let x = ok("upload.bin", &fixture("sample.docx"));
    assert_eq!(x.format, Format::Docx);
}

#[test]
fn pdf_text_layer_pages_joined() {
    let x = ok("bao-cao.pdf", &fixture("text-vi.pdf"));
    assert_eq!(x.format, Format::Pdf);
    assert_eq!(x.ocr_pages, 0);
    let item = &x.items[0];
    assert_eq!(item.line, 1);
    assert!(!item.via_ocr);
    assert_eq!(item.title.as_deref(), Some("Báo cáo dư luận tuần 9"));
    assert!(
        item.text
            .contains("Người dân phường Ninh Kiều lo lắng về ngập úng."),
        "{}",
        item.text
    );
    assert!(
        item.text
            .contains("Trang hai: giá điện tăng cao ảnh hưởng đời sống.")
    );
    let first = item.text.find("Báo cáo").unwrap();
    let second = item.text.find("Trang hai").unwrap();
    assert!(first < second);
    assert_eq!(item.quality, Quality::Good);
}

#[test]
fn pdf_scanned_without_ocr_needs_ocr() {
    for name in ["scan-jpeg.pdf", "scan-g4.pdf", "scan-flate.pdf"] {
        let e = errs(name, &fixture(name));
        assert_eq!(e.len(), 1, "{name}");
        assert_eq!(e[0].kind, FileErrorKind::NeedsOcr, "{name}");
        assert!(e[0].to_string().contains("needs OCR"));
    }
}

#[test]
fn pdf_mixed_without_ocr_keeps_text_pages_and_warns() {
    let x = ok("mixed.pdf", &fixture("mixed.pdf"));
    assert!(
        x.items[0]
            .text
            .contains("Trang một có chữ: ý kiến về rác thải.")
    );
    assert_eq!(x.warnings.len(), 1);
    assert!(
        x.warnings[0].starts_with("page 2 without a text layer"),
        "{:?}",
        x.warnings
    );
}

#[test]
fn pdf_blank_page_has_no_text() {
    let e = errs("blank.pdf", &fixture("blank.pdf"));
    assert_eq!(e[0].kind, FileErrorKind::EmptyText);
}

#[test]
fn sniffing() {
    let check = |name: &str, bytes: &[u8], expected: Result<Format, &str>| {
        let got = sniff(name, bytes).map_err(|e| e.to_string());
        match expected {
            Ok(f) => assert_eq!(got, Ok(f), "{name}"),
            Err(msg) => {
                let e = got.expect_err(name);
                assert!(e.contains(msg), "{name}: {e}");
            }
        }
    };
    check("a.csv", b"text\n", Ok(Format::Csv));
    check("A.CSV", b"text\n", Ok(Format::Csv));
    check("a.ndjson", b"{}", Ok(Format::Jsonl));
    check("a.txt", b"x", Ok(Format::Text));
    check("noext", b"  {\"text\":1}", Ok(Format::Jsonl));
    check("noext", b"plain", Ok(Format::Text));
    check("scan.jpg", b"\xFF\xD8\xFF\xE0....", Ok(Format::Image));
    check("x", b"\x89PNG\r\n\x1a\n....", Ok(Format::Image));
    check("x", b"II*\0....", Ok(Format::Image));
    check("x", b"MM\0*....", Ok(Format::Image));
    check("x.pdf", b"junk before %PDF-1.4", Ok(Format::Pdf));
    check("x.txt", b"a text that mentions %PDF-1.4", Ok(Format::Text));
    check("x", b"%PDF-1.7", Ok(Format::Pdf));
    check(
        "old.doc",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1....",
        Err("old Word .doc"),
    );
    check("a.gif", b"GIF89a....", Err("GIF"));
    check("a.pdf", b"not a pdf", Err("the name ends in .pdf"));
    check("a.xlsx", b"anything", Err(".xlsx files"));
    check("a.csv", b"", Err("no items"));
    check(
        "a.zip",
        &zip_with(&["hello.txt"]),
        Err("not a Word document"),
    );
    check(
        "a.xlsx",
        &zip_with(&["xl/workbook.xml"]),
        Err("Excel workbook"),
    );
    check("a.docx", b"PK\x03\x04 truncated", Err("damaged ZIP"));
}

/// A stored ZIP archive with empty files of these names.
fn zip_with(names: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    for n in names {
        z.start_file(
            *n,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        z.write_all(b"x").unwrap();
    }
    z.finish().unwrap();
    buf.into_inner()
}

#[test]
fn docx_without_text_and_not_a_document() {
    let e = errs(
        "a.docx",
        &zip_docx("<w:document><w:body><w:p/></w:body></w:document>"),
    );
    assert_eq!(e[0].kind, FileErrorKind::EmptyText);
    let e = errs("a.docx", &zip_docx("<w:document><w:body><w:p><w:t>x</w:p>"));
    assert!(
        matches!(&e[0].kind, FileErrorKind::Malformed(m) if m.starts_with("word/document.xml")),
        "{e:?}"
    );
}

fn zip_docx(document: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut z = zip::ZipWriter::new(&mut buf);
    z.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
    )
    .unwrap();
    z.write_all(document.as_bytes()).unwrap();
    z.finish().unwrap();
    buf.into_inner()
}
