//! CSV, JSON Lines and plain text: fields, line numbers, quality flags, errors with line and column.

use crate::{errs, ok, show};
use duluan_extract::{FileErrorKind, Format, Quality};

#[test]
fn csv_all_columns_comma() {
    let csv = "id,time,area,title,topic,direction,url,lang,text\n\
               a-1,2026-03-01 08:30,92,Ngập,Hạ tầng,tiêu cực,https://x.vn/1,vi,\"Người dân lo lắng về ngập úng, đề nghị khơi thông cống\"\n\
               a-2,2026-03-02T09:00:00+07:00,,,,,,,Giá điện tăng cao ảnh hưởng đời sống\n";
    let x = ok("y-kien.csv", csv.as_bytes());
    assert_eq!(x.format, Format::Csv);
    assert_eq!(x.items.len(), 2);
    let a = &x.items[0];
    assert_eq!(a.line, 2);
    assert_eq!(a.external_id.as_deref(), Some("a-1"));
    assert_eq!(a.time.as_deref(), Some("2026-03-01T08:30:00"));
    assert_eq!(a.area.as_deref(), Some("92"));
    assert_eq!(a.title.as_deref(), Some("Ngập"));
    assert_eq!(a.topic.as_deref(), Some("Hạ tầng"));
    assert_eq!(a.direction.as_deref(), Some("tiêu cực"));
    assert_eq!(a.url.as_deref(), Some("https://x.vn/1"));
    assert_eq!(a.lang.as_deref(), Some("vi"));
    assert_eq!(
        a.text,
        "Người dân lo lắng về ngập úng, đề nghị khơi thông cống"
    );
    assert_eq!(a.quality, Quality::Good);
    assert_eq!(a.legacy_encoding, None);
    let b = &x.items[1];
    assert_eq!(
        (b.line, b.area.as_deref(), b.title.as_deref()),
        (3, None, None)
    );
    assert_eq!(b.time.as_deref(), Some("2026-03-02T09:00:00+07:00"));
    assert!(x.warnings.is_empty());
}

#[test]
fn csv_semicolon_and_multiline_fields_keep_first_line() {
    let csv = "text;area\r\n\"Dòng một\r\ndòng hai\";01\r\nÝ kiến ba;02\r\n";
    let x = ok("a.csv", csv.as_bytes());
    assert_eq!(x.items.len(), 2);
    assert_eq!(x.items[0].text, "Dòng một\r\ndòng hai");
    assert_eq!(x.items[0].area.as_deref(), Some("01"));
    assert_eq!(x.items[1].line, 4);
    assert_eq!(x.items[1].area.as_deref(), Some("02"));
}

#[test]
fn csv_header_errors_name_columns() {
    let e = errs("a.csv", "noi_dung,area,Mood\nabc,1,x\n".as_bytes());
    let cols: Vec<(Option<usize>, Option<&str>, &FileErrorKind)> = e
        .iter()
        .map(|e| (e.line, e.column.as_deref(), &e.kind))
        .collect();
    assert_eq!(
        cols,
        vec![
            (Some(1), Some("noi_dung"), &FileErrorKind::UnknownColumn),
            (Some(1), Some("mood"), &FileErrorKind::UnknownColumn),
            (Some(1), Some("text"), &FileErrorKind::MissingColumn),
        ]
    );
    let e = errs("a.csv", b"text,area,text\nx,1,y\n");
    assert_eq!(e[0].kind, FileErrorKind::DuplicateColumn);
    assert!(show(&e).contains("line 1, column `text`: column appears twice"));
}

#[test]
fn csv_row_errors_are_all_reported_with_lines() {
    let csv = "text,time\nmột ý kiến,2026-03-01\n,2026-03-02\nhai,hôm qua\nba,2026-13-01\nbốn\nnăm,2026-03-05\n";
    let e = errs("a.csv", csv.as_bytes());
    let got: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), 4, "{got:#?}");
    assert_eq!(got[0], "line 3, column `text`: the item has no text");
    assert!(got[1].starts_with("line 4, column `time`: invalid value: \"hôm qua\" is not a time"));
    assert!(got[2].starts_with("line 5, column `time`"));
    assert_eq!(
        got[3],
        "line 6: malformed file: expected 2 fields as in the header, found 1"
    );
    // The same with Windows line ends.
    let crlf = csv.replace('\n', "\r\n");
    let again: Vec<String> = errs("a.csv", crlf.as_bytes())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(again, got);
}

#[test]
fn csv_header_only_is_empty() {
    let e = errs("a.csv", b"text,area\n");
    assert_eq!(e[0].kind, FileErrorKind::Empty);
}

#[test]
fn jsonl_items_blank_lines_and_errors() {
    let jsonl = "{\"text\": \"Người dân phản ánh tiếng ồn\", \"id\": 17, \"area\": \"31\"}\n\n\
                 {\"text\": \"Ý kiến hai\", \"time\": \"2026-03-01\", \"topic\": null}\n";
    let x = ok("feed.jsonl", jsonl.as_bytes());
    assert_eq!(x.format, Format::Jsonl);
    assert_eq!(x.items.len(), 2);
    assert_eq!(x.items[0].external_id.as_deref(), Some("17"));
    assert_eq!(x.items[1].line, 3);
    assert_eq!(x.items[1].time.as_deref(), Some("2026-03-01"));

    let bad = "{\"text\": \"ok\"}\n{\"text\": \"x\", \"mood\": 1}\n[1,2]\n{\"text\": \"unterminated\n{\"area\": \"1\"}\n{\"text\": [\"a\"]}\n{\"text\": \"  \"}\n";
    let e = errs("x.jsonl", bad.as_bytes());
    let got: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(got.len(), 6, "{got:#?}");
    assert_eq!(
        got[0],
        "line 2, column `mood`: unknown column (known: text, time, area, id, title, topic, direction, url, lang)"
    );
    assert_eq!(
        got[1],
        "line 3: malformed file: the line is not a JSON object {…}"
    );
    assert!(
        got[2].starts_with("line 4: malformed file: JSON: EOF while parsing a string at character"),
        "{}",
        got[2]
    );
    assert_eq!(got[3], "line 5, column `text`: required column is missing");
    assert_eq!(
        got[4],
        "line 6, column `text`: invalid value: expected a string"
    );
    assert_eq!(got[5], "line 7, column `text`: the item has no text");
}

#[test]
fn text_items_are_separated_by_blank_lines() {
    let txt = "\n\nMột ý kiến\ntrên hai dòng\n   \nÝ kiến thứ hai\n\n\n\nBa\n";
    let x = ok("notes.txt", txt.as_bytes());
    assert_eq!(x.format, Format::Text);
    let got: Vec<(usize, &str)> = x.items.iter().map(|i| (i.line, i.text.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (3, "Một ý kiến\ntrên hai dòng"),
            (6, "Ý kiến thứ hai"),
            (10, "Ba")
        ]
    );
}

#[test]
fn text_item_of_invisible_characters_is_empty() {
    let e = errs("a.txt", "Có chữ\n\n\u{200B}\u{200B}\n".as_bytes());
    assert_eq!(
        (e[0].line, &e[0].kind),
        (Some(3), &FileErrorKind::EmptyText)
    );
}

#[test]
fn unaccented_and_damaged_are_flagged() {
    let txt = "Nguoi dan phuong Ninh Kieu lo lang ve ngap ung\n\nXkq zzvv qqrt brrr plx\n\nNgười dân lo lắng\n";
    let x = ok("a.txt", txt.as_bytes());
    let q: Vec<Quality> = x.items.iter().map(|i| i.quality).collect();
    assert_eq!(
        q,
        vec![Quality::Unaccented, Quality::Damaged, Quality::Good]
    );
}

#[test]
fn item_size_limit_names_the_line() {
    let big = "a".repeat(2 << 20);
    let csv = format!("text\nnhỏ\n{big}\n");
    let e = errs("big.csv", csv.as_bytes());
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, Some(3));
    assert!(
        matches!(e[0].kind, FileErrorKind::TooLarge { bytes, max } if bytes == 2 << 20 && max == 1 << 20)
    );

    // A 10 MB single line of plain text: refused with its line, quickly.
    let txt = format!("đầu\n\n{}\n", "x".repeat(10 << 20));
    let started = std::time::Instant::now();
    let e = errs("big.txt", txt.as_bytes());
    assert_eq!(e[0].line, Some(3));
    assert!(e[0].to_string().contains("more than the limit of 1048576"));
    assert!(started.elapsed().as_secs() < 10);

    // Raised limit: accepted.
    let options = duluan_extract::Options {
        max_item_bytes: 20 << 20,
        ..crate::no_ocr()
    };
    let x = duluan_extract::extract("big.txt", txt.as_bytes(), &options).unwrap();
    assert_eq!(x.items[1].text.len(), 10 << 20);
}
