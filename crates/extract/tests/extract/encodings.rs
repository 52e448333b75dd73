//! Encodings: UTF-8 with and without BOM, UTF-16 LE/BE with BOM, Windows-1258, TCVN3 and VNI
//! bytes, TCVN3 and mojibake typed into UTF-8, mixed files, NFD in and NFC out.

use crate::{errs, ok};
use duluan_extract::FileErrorKind;
use unicode_normalization::UnicodeNormalization;

const TCVN3: &str = "Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng";
const EXPECTED: &str = "Người dân phường Ninh Kiều lo lắng về ngập úng";

/// Latin-1 bytes of a string whose characters are all below U+0100.
fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(c as u32).expect("Latin-1 character"))
        .collect()
}

/// Windows-1252 bytes (characters above U+00FF mapped back to 0x80–0x9F).
fn cp1252(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| {
            if (c as u32) < 0x100 {
                c as u8
            } else {
                let s = c.to_string();
                let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(&s);
                assert!(!bad, "{c}");
                bytes[0]
            }
        })
        .collect()
}

#[test]
fn utf8_with_and_without_bom() {
    for bom in [&b""[..], b"\xEF\xBB\xBF"] {
        let mut bytes = bom.to_vec();
        bytes.extend_from_slice("text,area\nNgười dân lo lắng,92\n".as_bytes());
        let x = ok("a.csv", &bytes);
        assert_eq!(x.items[0].text, "Người dân lo lắng");
        assert_eq!(x.items[0].area.as_deref(), Some("92"));
        assert!(x.warnings.is_empty());
    }
}

#[test]
fn utf16_le_and_be_with_bom() {
    let text = "text;area\nNgười dân phường Ninh Kiều;92\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    for bytes in [le, be] {
        let x = ok("a.csv", &bytes);
        assert_eq!(x.items[0].text, "Người dân phường Ninh Kiều");
        assert_eq!(x.items[0].legacy_encoding, None);
    }
    // An odd number of bytes after a UTF-16 BOM is not text.
    let e = errs("a.txt", b"\xFF\xFEa\x00b");
    assert_eq!(e[0].kind, FileErrorKind::NotText);
}

#[test]
fn windows_1258_bytes() {
    // "Người dân lo lắng về ngập úng" in Windows-1258 (base letters + combining tone bytes).
    let line = b"Ng\xFD\xF5\xCCi d\xE2n lo l\xE3\xECng v\xEA\xCC ng\xE2\xF2p \xFAng";
    let mut bytes = b"text\n".to_vec();
    bytes.extend_from_slice(line);
    bytes.push(b'\n');
    let x = ok("a.csv", &bytes);
    assert_eq!(x.items[0].text, "Người dân lo lắng về ngập úng");
    assert_eq!(x.items[0].legacy_encoding.as_deref(), Some("windows-1258"));
    assert_eq!(
        x.warnings,
        vec!["the file is not UTF-8: read as windows-1258"]
    );
}

#[test]
fn tcvn3_latin1_bytes() {
    let mut bytes = latin1(TCVN3);
    bytes.push(b'\n');
    let x = ok("a.txt", &bytes);
    assert_eq!(x.items[0].text, EXPECTED);
    assert_eq!(x.items[0].legacy_encoding.as_deref(), Some("tcvn3"));
    assert_eq!(x.warnings, vec!["the file is not UTF-8: read as tcvn3"]);
}

#[test]
fn tcvn3_typed_into_utf8() {
    // Text typed with a .VnTime font and saved as Unicode: the font's letters show as Latin-1.
    let x = ok("a.txt", TCVN3.as_bytes());
    assert_eq!(x.items[0].text, EXPECTED);
    assert_eq!(x.items[0].legacy_encoding.as_deref(), Some("tcvn3"));
    assert!(x.warnings.is_empty());
}

#[test]
fn vni_bytes() {
    let vni = "Ngöôøi daân phaûn aùnh veà giaù ñieän";
    let x = ok("a.txt", &cp1252(vni));
    assert_eq!(x.items[0].text, "Người dân phản ánh về giá điện");
    assert_eq!(x.items[0].legacy_encoding.as_deref(), Some("vni"));
}

#[test]
fn mojibake_in_utf8_is_repaired() {
    let x = ok("a.jsonl", "{\"text\": \"Viá»‡t Nam\"}\n".as_bytes());
    assert_eq!(x.items[0].text, "Việt Nam");
    assert_eq!(
        x.items[0].legacy_encoding.as_deref(),
        Some("utf8-as-cp1252")
    );
}

#[test]
fn mixed_file_converts_only_bad_lines_and_says_which() {
    let mut bytes = "text\nNgười dân ý kiến một\n".as_bytes().to_vec();
    bytes.extend(latin1(TCVN3));
    bytes.extend_from_slice("\nÝ kiến ba\n".as_bytes());
    let x = ok("a.csv", &bytes);
    let texts: Vec<&str> = x.items.iter().map(|i| i.text.as_str()).collect();
    assert_eq!(texts, vec!["Người dân ý kiến một", EXPECTED, "Ý kiến ba"]);
    let enc: Vec<Option<&str>> = x
        .items
        .iter()
        .map(|i| i.legacy_encoding.as_deref())
        .collect();
    assert_eq!(enc, vec![None, Some("tcvn3"), None]);
    assert_eq!(x.warnings, vec!["line 3 is not UTF-8: read as tcvn3"]);
}

#[test]
fn nfd_in_nfc_out() {
    let nfd: String = "Người dân phường Ninh Kiều, thuỷ lợi".nfd().collect();
    assert_ne!(nfd, "Người dân phường Ninh Kiều, thuỷ lợi");
    let csv = format!("text,title\n\"{nfd}\",\"{nfd}\"\n");
    let x = ok("a.csv", csv.as_bytes());
    // NFC, with the tone of `oa, oe, uy` in its one canonical place (vitext's default: thủy).
    assert_eq!(x.items[0].text, "Người dân phường Ninh Kiều, thủy lợi");
    assert_eq!(
        x.items[0].title.as_deref(),
        Some("Người dân phường Ninh Kiều, thủy lợi")
    );
    assert!(unicode_normalization::is_nfc(&x.items[0].text));
}
