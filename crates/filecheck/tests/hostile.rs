//! Hostile files built in the test itself: a two-cell sheet reaching `XFD1048576`, zip bombs, a
//! central directory that lies about sizes, too many entries, ODS repeats and an `.xls` whose
//! `DIMENSIONS` declare the whole grid. Each must be refused with what was found, quickly and
//! without a large allocation; a property test reads random sheets and checks the bounds hold.

use duluan_filecheck::sheets::{Which, read};
use duluan_filecheck::{Limits, Refusal, zip as zcheck};
use proptest::prelude::*;
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

const LIMITS: Limits = Limits {
    max_file_bytes: 10 << 20,
    max_entries: 1_000,
    max_inflated_bytes: 50 << 20,
    max_ratio: 250,
    max_rows: 100_000,
    max_cols: 1_000,
    max_cells: 2_000_000,
    max_sheets: 50,
};

/// A ZIP of `(name, content)` entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    for (name, content) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// A hand-written XLSX whose one sheet has this XML inside `<sheetData>` (and this
/// `<dimension>`, if any).
pub fn xlsx_with(dimension: Option<&str>, sheet_data: &str) -> Vec<u8> {
    let dim = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

fn two_cells_far_apart() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("survey").unwrap();
    ws.write_string(0, 0, "type").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_two_cell_sheet_declaring_the_whole_grid_is_refused_by_its_dimension() {
    let err = read(&two_cells_far_apart(), &LIMITS, Which::All).unwrap_err();
    assert_eq!(
        err,
        Refusal::SheetTooLarge {
            sheet: "survey".into(),
            rows: 1_048_576,
            cols: 16_384,
            max_rows: 100_000,
            max_cols: 1_000,
        }
    );
    assert_eq!(
        err.to_string(),
        "the sheet \"survey\" declares 1,048,576 rows × 16,384 columns; at most 100,000 rows × 1,000 columns are read"
    );
}

#[test]
fn a_far_cell_without_a_dimension_is_refused_when_reached() {
    let bytes = xlsx_with(
        None,
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
    );
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert_eq!(
        err,
        Refusal::CellOutside {
            sheet: "survey".into(),
            cell: "XFD1048576".into(),
            max_rows: 100_000,
            max_cols: 1_000,
        }
    );
}

#[test]
fn cells_inside_the_rows_and_columns_but_spanning_too_large_a_rectangle_are_refused() {
    let bytes = xlsx_with(
        None,
        r#"<row r="1"><c r="A1"><v>1</v></c></row><row r="99999"><c r="ALK99999"><v>2</v></c></row>"#,
    );
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert!(matches!(err, Refusal::TooManyCells { .. }), "{err:?}");
}

#[test]
fn a_normal_sheet_reads_its_cells() {
    let bytes = xlsx_with(
        Some("A1:B2"),
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>type</t></is></c><c r="B1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>text</t></is></c><c r="B2"><v>7</v></c></row>"#,
    );
    let sheets = read(&bytes, &LIMITS, Which::All).unwrap();
    assert_eq!(sheets.len(), 1);
    let rows = sheets[0].rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][1], calamine::Data::String("name".into()));
    assert_eq!(rows[1][1], calamine::Data::Float(7.0));
}

#[test]
fn a_zip_bomb_is_refused_from_its_directory_before_inflating() {
    // 120 MiB of zeros deflate to about 120 KiB.
    let zeros = vec![0u8; 120 << 20];
    let bytes = zip_of(&[
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/worksheets/sheet1.xml", &zeros),
    ]);
    assert!(bytes.len() < 1 << 20);
    let err = zcheck::check_directory(&bytes, &LIMITS).unwrap_err();
    assert!(
        matches!(
            err,
            Refusal::InflatedTooLarge { .. } | Refusal::CompressionRatio { .. }
        ),
        "{err:?}"
    );
    // A bomb under the total cap is still caught by its ratio.
    let zeros = vec![0u8; 40 << 20];
    let bytes = zip_of(&[("xl/worksheets/sheet1.xml", &zeros)]);
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert!(
        matches!(err, Refusal::CompressionRatio { ref entry, .. } if entry == "xl/worksheets/sheet1.xml"),
        "{err:?}"
    );
}

/// Rewrites the declared inflated size of every central directory header to `size`.
fn lie_about_sizes(bytes: &mut [u8], size: u32) {
    let mut i = 0;
    while i + 46 <= bytes.len() {
        if &bytes[i..i + 4] == b"PK\x01\x02" {
            bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            i += 46;
        } else {
            i += 1;
        }
    }
}

#[test]
fn a_directory_that_lies_about_sizes_does_not_get_past_the_cap() {
    // Each entry inflates to 30 MiB (together 60 MiB, over the 50 MiB cap) but the directory
    // says 1,000 bytes: the directory check passes, inflating stops at the first byte too many.
    let spaces = vec![b' '; 30 << 20];
    let mut bytes = zip_of(&[
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("a.xml", &spaces),
        ("b.xml", &spaces),
    ]);
    lie_about_sizes(&mut bytes, 1_000);
    zcheck::check_directory(&bytes, &LIMITS).expect("the directory itself looks harmless");
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert!(
        matches!(
            err,
            Refusal::SizeMismatch { .. } | Refusal::InflatedTooLarge { .. } | Refusal::Damaged(_)
        ),
        "{err:?}"
    );
}

#[test]
fn too_many_entries_are_refused() {
    let names: Vec<String> = (0..1_001).map(|i| format!("f{i}.xml")).collect();
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"x".as_slice()))
        .collect();
    let bytes = zip_of(&entries);
    assert_eq!(
        zcheck::check_directory(&bytes, &LIMITS).unwrap_err(),
        Refusal::TooManyEntries {
            entries: 1_001,
            max: 1_000
        }
    );
}

#[test]
fn a_forged_shared_string_count_is_refused() {
    let sst = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="99999999999999"><si><t>a</t></si></sst>"#;
    let sheet = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#;
    let bytes = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ]);
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert!(matches!(err, Refusal::TooManyCells { .. }), "{err:?}");
}

/// An ODS whose one table holds `content` (rows).
fn ods_with(content: &str) -> Vec<u8> {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="survey">{content}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file("mimetype", stored).unwrap();
    w.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    w.start_file(
        "content.xml",
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    w.write_all(xml.as_bytes()).unwrap();
    w.start_file("META-INF/manifest.xml", stored).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn ods_repeats_are_counted_before_calamine_expands_them() {
    let bytes = ods_with(
        r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#,
    );
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert_eq!(
        err,
        Refusal::SheetTooLarge {
            sheet: "survey".into(),
            rows: 1_000_000,
            cols: 16_384,
            max_rows: 100_000,
            max_cols: 1_000,
        }
    );
}

#[test]
fn ods_trailing_empty_repeats_are_fine() {
    let bytes = ods_with(
        r#"<table:table-row><table:table-cell office:value-type="string"><text:p>type</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16383"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#,
    );
    let sheets = read(&bytes, &LIMITS, Which::All).unwrap();
    assert_eq!(sheets[0].cells.len(), 1);
}

/// A compound file with one `Workbook` stream (at least 4,096 bytes, so in regular sectors).
fn cfb_with_workbook(stream: &[u8]) -> Vec<u8> {
    let mut stream = stream.to_vec();
    if stream.len() < 4096 {
        // Pad with an unknown record type the scan skips.
        let pad = 4096 - stream.len();
        stream.extend_from_slice(&0x7777u16.to_le_bytes());
        stream.extend_from_slice(&((pad as u16).saturating_sub(4)).to_le_bytes());
        stream.resize(4096 + 4, 0);
    }
    let n = stream.len().div_ceil(512);
    // Sectors: 0 FAT, 1 directory, 2.. the stream.
    let mut file = vec![0u8; 512];
    file[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    file[0x18..0x1A].copy_from_slice(&0x3Eu16.to_le_bytes());
    file[0x1A..0x1C].copy_from_slice(&3u16.to_le_bytes());
    file[0x1C..0x1E].copy_from_slice(&0xFFFEu16.to_le_bytes());
    file[0x1E..0x20].copy_from_slice(&9u16.to_le_bytes());
    file[0x20..0x22].copy_from_slice(&6u16.to_le_bytes());
    file[0x2C..0x30].copy_from_slice(&1u32.to_le_bytes());
    file[0x30..0x34].copy_from_slice(&1u32.to_le_bytes());
    file[0x38..0x3C].copy_from_slice(&4096u32.to_le_bytes());
    file[0x3C..0x40].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    file[0x44..0x48].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for i in 0..109 {
        let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
        file[0x4C + 4 * i..0x50 + 4 * i].copy_from_slice(&v.to_le_bytes());
    }
    let mut fat = vec![0xFFFF_FFFFu32; 128];
    fat[0] = 0xFFFF_FFFD;
    fat[1] = 0xFFFF_FFFE;
    for i in 0..n {
        fat[2 + i] = if i + 1 == n {
            0xFFFF_FFFE
        } else {
            (3 + i) as u32
        };
    }
    for v in fat {
        file.extend_from_slice(&v.to_le_bytes());
    }
    let mut dir = vec![0u8; 512];
    let name = |d: &mut [u8], s: &str| {
        let u: Vec<u16> = s.encode_utf16().collect();
        for (i, c) in u.iter().enumerate() {
            d[2 * i..2 * i + 2].copy_from_slice(&c.to_le_bytes());
        }
        d[0x40..0x42].copy_from_slice(&(((u.len() + 1) * 2) as u16).to_le_bytes());
    };
    name(&mut dir[..128], "Root Entry");
    dir[0x42] = 5;
    dir[0x74..0x78].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    name(&mut dir[128..256], "Workbook");
    dir[128 + 0x42] = 2;
    dir[128 + 0x74..128 + 0x78].copy_from_slice(&2u32.to_le_bytes());
    dir[128 + 0x78..128 + 0x7C].copy_from_slice(&(stream.len() as u32).to_le_bytes());
    file.extend_from_slice(&dir);
    stream.resize(n * 512, 0);
    file.extend_from_slice(&stream);
    file
}

fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut r = typ.to_le_bytes().to_vec();
    r.extend_from_slice(&(data.len() as u16).to_le_bytes());
    r.extend_from_slice(data);
    r
}

fn number(row: u16, col: u16) -> Vec<u8> {
    let mut d = row.to_le_bytes().to_vec();
    d.extend_from_slice(&col.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&1.0f64.to_le_bytes());
    record(0x0203, &d)
}

#[test]
fn xls_dimensions_and_far_cells_are_refused_before_calamine() {
    let bof = record(0x0809, &[0; 16]);
    let eof = record(0x000A, &[]);
    // DIMENSIONS declaring 4 billion rows: calamine would reserve rows × columns cells.
    let mut dims = 0u32.to_le_bytes().to_vec();
    dims.extend_from_slice(&u32::MAX.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    dims.extend_from_slice(&256u16.to_le_bytes());
    dims.extend_from_slice(&0u16.to_le_bytes());
    let stream = [
        bof.clone(),
        eof.clone(),
        bof.clone(),
        record(0x0200, &dims),
        number(0, 0),
        eof.clone(),
    ]
    .concat();
    let err = read(&cfb_with_workbook(&stream), &LIMITS, Which::All).unwrap_err();
    assert!(
        matches!(
            err,
            Refusal::SheetTooLarge {
                rows: 4_294_967_295,
                cols: 256,
                ..
            }
        ),
        "{err:?}"
    );
    // Two cells at A1 and IV65536 without a DIMENSIONS record: 16.7 million cells spanned.
    let stream = [
        bof.clone(),
        eof.clone(),
        bof,
        number(0, 0),
        number(65_535, 255),
        eof,
    ]
    .concat();
    let limits = Limits {
        max_rows: 65_536,
        max_cols: 256,
        ..LIMITS
    };
    let err = read(&cfb_with_workbook(&stream), &limits, Which::All).unwrap_err();
    assert!(
        matches!(
            err,
            Refusal::TooManyCells {
                cells: 16_777_216,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn an_xlsb_record_longer_than_its_part_is_refused() {
    // A record of type 0x81 declaring 2^28 - 1 bytes in a part of five bytes: calamine would
    // size its buffer to 256 MiB.
    let bytes = zip_of(&[
        ("xl/workbook.bin", b"\x83\x01\xFF\xFF\xFF\x7F".as_slice()),
        ("xl/worksheets/sheet1.bin", b"\x81\x01\x00".as_slice()),
    ]);
    let err = read(&bytes, &LIMITS, Which::All).unwrap_err();
    assert!(
        matches!(&err, Refusal::Damaged(d) if d.starts_with("xl/workbook.bin: a record declares 268435455 bytes")),
        "{err:?}"
    );
}

/// A minimal BIFF8 workbook stream: globals (one BOUNDSHEET), then one sheet of these records.
fn biff8_workbook(sheet_records: &[Vec<u8>]) -> Vec<u8> {
    let mut bof = 0x0600u16.to_le_bytes().to_vec();
    bof.extend_from_slice(&0x0005u16.to_le_bytes());
    bof.resize(16, 0);
    let mut sheet_bof = 0x0600u16.to_le_bytes().to_vec();
    sheet_bof.extend_from_slice(&0x0010u16.to_le_bytes());
    sheet_bof.resize(16, 0);
    let name = b"survey";
    let boundsheet_len = 4 + 6 + 2 + name.len();
    // Globals: BOF, BOUNDSHEET8, EOF; the sheet's BOF follows.
    let sheet_at = (4 + 16) + boundsheet_len + 4;
    let mut bs = (sheet_at as u32).to_le_bytes().to_vec();
    bs.extend_from_slice(&[0, 0, name.len() as u8, 0]);
    bs.extend_from_slice(name);
    let mut out = [
        record(0x0809, &bof),
        record(0x0085, &bs),
        record(0x000A, &[]),
    ]
    .concat();
    assert_eq!(out.len(), sheet_at);
    out.extend(record(0x0809, &sheet_bof));
    for r in sheet_records {
        out.extend_from_slice(r);
    }
    out.extend(record(0x000A, &[]));
    out
}

fn dimensions(rows: u32, cols: u16) -> Vec<u8> {
    let mut d = 0u32.to_le_bytes().to_vec();
    d.extend_from_slice(&rows.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    d.extend_from_slice(&cols.to_le_bytes());
    d.extend_from_slice(&0u16.to_le_bytes());
    record(0x0200, &d)
}

#[test]
fn a_valid_xls_reads_and_one_declaring_four_billion_rows_does_not_reach_calamine() {
    let good = cfb_with_workbook(&biff8_workbook(&[
        dimensions(2, 2),
        number(0, 0),
        number(1, 1),
    ]));
    let sheets = read(&good, &LIMITS, Which::All).unwrap();
    assert_eq!(sheets[0].name, "survey");
    assert_eq!(sheets[0].cells.len(), 2);
    assert_eq!(sheets[0].rows()[1][1], calamine::Data::Float(1.0));
    let bad = cfb_with_workbook(&biff8_workbook(&[dimensions(u32::MAX, 256), number(0, 0)]));
    assert!(matches!(
        read(&bad, &LIMITS, Which::All).unwrap_err(),
        Refusal::SheetTooLarge {
            rows: 4_294_967_295,
            ..
        }
    ));
}

#[test]
fn damaged_containers_are_refusals_not_panics() {
    for bytes in [
        b"".as_slice(),
        b"PK\x03\x04",
        b"PK\x05\x06\0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\0\0",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        b"text,not,a,sheet\n",
    ] {
        assert!(read(bytes, &LIMITS, Which::All).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any set of cells anywhere in the grid: either read, every cell within the limits and
    /// none lost, or refused; never a panic or a huge allocation.
    #[test]
    fn random_cells_read_within_the_limits_or_are_refused(
        cells in proptest::collection::vec((0u32..1_048_576, 0u16..16_384), 1..20),
    ) {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        for (r, c) in &cells {
            ws.write_number(*r, *c, 1.0).unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let limits = Limits { max_rows: 2_000, max_cols: 100, max_cells: 50_000, ..LIMITS };
        match read(&bytes, &limits, Which::All) {
            Ok(sheets) => {
                let max_r = cells.iter().map(|c| c.0).max().unwrap();
                let max_c = cells.iter().map(|c| u32::from(c.1)).max().unwrap();
                prop_assert!(max_r < 2_000 && max_c < 100);
                prop_assert!((u64::from(max_r) + 1) * (u64::from(max_c) + 1) <= 50_000);
                let mut distinct = cells.clone();
                distinct.sort();
                distinct.dedup();
                prop_assert_eq!(sheets[0].cells.len(), distinct.len());
            }
            Err(Refusal::SheetTooLarge { .. } | Refusal::CellOutside { .. } | Refusal::TooManyCells { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected refusal {e:?}"),
        }
    }

    /// Random bytes, and valid archives with random bytes overwritten, never panic.
    #[test]
    fn mutated_archives_never_panic(
        at in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..16),
    ) {
        let mut bytes = xlsx_with(Some("A1:B2"), r#"<row r="1"><c r="A1"><v>1</v></c></row>"#);
        for (i, b) in at {
            let n = bytes.len();
            bytes[i.index(n)] = b;
        }
        let _ = read(&bytes, &LIMITS, Which::All);
        let _ = zcheck::check_directory(&bytes, &LIMITS);
    }
}
