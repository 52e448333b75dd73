//! Bounds on hostile documents: a DOCX zip bomb and an archive of too many parts are refused
//! from the ZIP directory before anything is inflated; a PDF longer than the page limit is
//! refused before its first page is read; scans past the OCR page limit are refused before
//! tesseract runs (the time limit is tested with a stand-in program in `src/image.rs`).

use crate::{fixture, no_ocr};
use duluan_extract::{FileErrorKind, Options, extract};
use duluan_filecheck::Refusal;
use std::io::Write;

fn deflated(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        z.start_file(
            *name,
            zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        z.write_all(content).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn a_docx_zip_bomb_is_refused_before_inflating() {
    // 60 MiB of one repeated paragraph deflate about 1,000 times.
    let mut xml = b"<w:document><w:body><w:p><w:t>".to_vec();
    xml.resize(60 << 20, b'a');
    xml.extend_from_slice(b"</w:t></w:p></w:body></w:document>");
    let bytes = deflated(&[("word/document.xml", &xml)]);
    let started = std::time::Instant::now();
    let e = extract("bomb.docx", &bytes, &no_ocr()).unwrap_err();
    assert!(
        matches!(
            &e[0].kind,
            FileErrorKind::Refused(Refusal::CompressionRatio { entry, .. }) if entry == "word/document.xml"
        ),
        "{e:?}"
    );
    // Refused from the directory: nothing was inflated.
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn an_archive_of_too_many_parts_is_refused() {
    let names: Vec<String> = (0..5_001).map(|i| format!("p{i}.xml")).collect();
    let mut entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    entries.push(("word/document.xml", b"<w:document/>"));
    let e = extract("many.docx", &deflated(&entries), &no_ocr()).unwrap_err();
    assert!(
        matches!(
            e[0].kind,
            FileErrorKind::Refused(Refusal::TooManyEntries { max: 5_000, .. })
        ),
        "{e:?}"
    );
}

#[test]
fn a_pdf_longer_than_the_limit_is_refused_before_reading() {
    let options = Options {
        max_pdf_pages: 1,
        ..no_ocr()
    };
    let e = extract("a.pdf", &fixture("text-vi.pdf"), &options).unwrap_err();
    assert!(
        matches!(e[0].kind, FileErrorKind::TooManyPages { max: 1, pages } if pages > 1),
        "{e:?}"
    );
}

#[test]
fn scans_past_the_ocr_page_limit_are_refused() {
    let options = Options {
        ocr: true,
        max_ocr_pages: 0,
        ..Options::default()
    };
    for name in ["scan-jpeg.pdf", "scan-g4.pdf"] {
        let e = extract("a.pdf", &fixture(name), &options).unwrap_err();
        assert_eq!(
            e[0].kind,
            FileErrorKind::TooManyOcrPages { max: 0 },
            "{name}"
        );
        assert_eq!(e[0].page, Some(1));
    }
}

/// A valid one-page PDF whose page content is `content` (already deflated).
fn pdf_with_content(content: &[u8]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                content.len()
            )
            .as_bytes(),
            content,
            b"\nendstream",
        ]
        .concat(),
    ];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn a_pdf_flate_bomb_is_refused_before_the_pdf_reader_inflates_it() {
    use std::io::Write;
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(&vec![b' '; 8 << 20]).unwrap();
    let pdf = pdf_with_content(&e.finish().unwrap());
    let options = Options {
        max_pdf_inflated: (4 << 20, 16 << 20),
        ..no_ocr()
    };
    let e = extract("bom.pdf", &pdf, &options).unwrap_err();
    assert_eq!(
        e[0].kind,
        FileErrorKind::Refused(Refusal::InflatedTooLarge {
            bytes: (4 << 20) + 1,
            max: 4 << 20
        })
    );
    // Within the limits the same file is read (a page of spaces has no text).
    let e = extract("bom.pdf", &pdf, &no_ocr()).unwrap_err();
    assert!(!matches!(e[0].kind, FileErrorKind::Refused(_)), "{e:?}");
}
