//! Bad input: binary data, empty files, damaged documents, and random or mutated bytes through
//! every entry point (never a panic; an error names what is wrong).

use crate::{errs, fixture, no_ocr};
use duluan_extract::feeds::parse_feed;
use duluan_extract::{FileErrorKind, extract, sniff};

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const NAMES: [&str; 8] = [
    "a.csv", "a.jsonl", "a.txt", "a.docx", "a.pdf", "a.png", "noext", "a.xlsx",
];

#[test]
fn binary_garbage_is_not_text() {
    let mut rng = Rng(7);
    let garbage = rng.bytes(4096);
    for name in ["a.csv", "a.jsonl", "a.txt", "noext"] {
        let e = errs(name, &garbage);
        assert_eq!(e.len(), 1, "{name}");
        assert_eq!(e[0].kind, FileErrorKind::NotText, "{name}");
        assert!(e[0].to_string().starts_with("binary data, not text"));
    }
    // One NUL byte in an otherwise fine file is enough.
    assert_eq!(
        errs("a.txt", b"Ng\xc6\xb0\xe1\xbb\x9di\0")[0].kind,
        FileErrorKind::NotText
    );
}

#[test]
fn empty_files() {
    for name in ["a.csv", "a.jsonl", "a.txt", "noext", "a.pdf", "a.docx"] {
        let e = errs(name, b"");
        assert_eq!(e[0].kind, FileErrorKind::Empty, "{name}");
    }
    for name in ["a.csv", "a.jsonl", "a.txt"] {
        let e = errs(name, b"\xEF\xBB\xBF  \r\n\n\t ");
        assert_eq!(e[0].kind, FileErrorKind::Empty, "{name}");
        assert_eq!(e[0].to_string(), "the file has no items (it is empty)");
    }
}

#[test]
fn damaged_documents_give_errors() {
    let pdf = fixture("text-vi.pdf");
    for cut in [10, 100, pdf.len() / 2] {
        // A truncated PDF is either read in part by lopdf's recovery or refused; never a panic.
        if let Err(e) = extract("a.pdf", &pdf[..cut], &no_ocr()) {
            assert!(!e.is_empty());
        }
    }
    let e = errs(
        "a.pdf",
        b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF",
    );
    assert!(
        matches!(
            e[0].kind,
            FileErrorKind::Malformed(_) | FileErrorKind::EmptyText
        ),
        "{e:?}"
    );
    let docx = fixture("sample.docx");
    let e = errs("a.docx", &docx[..docx.len() - 30]);
    assert!(
        matches!(&e[0].kind, FileErrorKind::Malformed(m) if m.contains("ZIP")),
        "{e:?}"
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5EED);
    for round in 0..400 {
        let len = rng.below(if round % 10 == 0 { 20_000 } else { 300 });
        let mut bytes = rng.bytes(len);
        // Some rounds start like a known format, to get past the sniffer.
        let prefix: &[u8] = match round % 7 {
            0 => b"%PDF-1.4\n",
            1 => b"PK\x03\x04",
            2 => b"text,time\n",
            3 => b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>",
            4 => b"\xFF\xFE",
            _ => b"",
        };
        bytes.splice(0..0, prefix.iter().copied());
        for name in NAMES {
            let _ = sniff(name, &bytes);
            if let Err(e) = extract(name, &bytes, &no_ocr()) {
                assert!(!e.is_empty());
                for err in &e {
                    assert!(!err.to_string().is_empty());
                }
            }
        }
        let _ = parse_feed(&bytes, None);
        let _ = parse_feed(&bytes, Some("text/html"));
    }
}

#[test]
fn mutated_documents_never_panic() {
    let mut rng = Rng(42);
    let seeds = [
        ("a.docx", fixture("sample.docx")),
        ("a.pdf", fixture("text-vi.pdf")),
        ("a.pdf", fixture("scan-g4.pdf")),
        ("a.pdf", fixture("scan-flate.pdf")),
        (
            "a.csv",
            "text,time,area\n\"Người dân\",2026-03-01,92\n"
                .as_bytes()
                .to_vec(),
        ),
        (
            "a.jsonl",
            "{\"text\":\"Người dân\",\"time\":\"2026-03-01\"}\n"
                .as_bytes()
                .to_vec(),
        ),
    ];
    for (name, seed) in &seeds {
        for _ in 0..120 {
            let mut bytes = seed.clone();
            for _ in 0..=rng.below(8) {
                let i = rng.below(bytes.len());
                match rng.below(3) {
                    0 => bytes[i] = rng.next() as u8,
                    1 => bytes.truncate(i.max(1)),
                    _ => {
                        let j = rng.below(bytes.len());
                        bytes.insert(j, rng.next() as u8);
                    }
                }
            }
            let _ = extract(name, &bytes, &no_ocr());
        }
    }
    let feed = br#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title type="html">&lt;b&gt;x</title><content type="html">&lt;p&gt;Ng&#432;&#7901;i</content></entry></feed>"#;
    for _ in 0..500 {
        let mut bytes = feed.to_vec();
        for _ in 0..=rng.below(4) {
            let i = rng.below(bytes.len());
            bytes[i] = rng.next() as u8;
        }
        let _ = parse_feed(&bytes, None);
    }
}
