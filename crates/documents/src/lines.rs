//! The words both formats print, made once so that the DOCX and the PDF say the same thing.
//!
//! Fixed texts of the layouts (the party's name, the national name and motto), the number and
//! date lines with their draft blanks, the numbered captions, the recipients' punctuation, and
//! the cleaning every user text goes through (line ends, control characters), and whether the
//! end of a document has a signature block at all.

use crate::{Header, Layout, Signature};

/// Right column of the party layout.
pub(crate) const PARTY_NAME: &str = "ĐẢNG CỘNG SẢN VIỆT NAM";
/// Right column of the state layout, first line.
pub(crate) const NATION: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// Right column of the state layout, second line.
pub(crate) const MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
/// The mark top right of a draft's first page.
pub(crate) const DRAFT_MARK: &str = "DỰ THẢO";
/// Above the recipients.
pub(crate) const RECIPIENTS_LABEL: &str = "Nơi nhận:";
/// The left column's separator under the issuing body in the party layout.
pub(crate) const PARTY_STAR: &str = "*";
/// Where a draft leaves the number, the day or the month to be written in by hand.
const BLANK: &str = "     ";

/// A user text as both formats print it: CR LF and CR become LF (a line break), a tab a
/// space, and the characters XML 1.0 cannot carry or that print nothing (other C0 and C1
/// controls, U+FFFE, U+FFFF) are dropped. Nothing else changes: no markup is read.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' => out.push('\n'),
            '\t' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A cleaned text in capitals (the bodies, the kind, the signer's authority and position).
pub(crate) fn upper(text: &str) -> String {
    clean(text).to_uppercase()
}

/// "Số 12-BC/BTGDVTU" (party) or "Số: 12/BC-UBND" (state); without a number, blanks where it
/// goes: "Số     -BC/BTGDVTU", "Số:     /BC-UBND". A bulletin has no number line: `None`.
pub(crate) fn number_line(h: &Header) -> Option<String> {
    let symbol = clean(&h.symbol);
    let symbol = symbol.trim();
    let (lead, sep) = match h.layout {
        Layout::Party => ("Số", "-"),
        Layout::State => ("Số:", "/"),
        Layout::Brief => return None,
    };
    let number = match h.number {
        Some(n) => format!(" {n}"),
        None => BLANK.to_string(),
    };
    Some(if symbol.is_empty() {
        format!("{lead}{number}")
    } else {
        format!("{lead}{number}{sep}{symbol}")
    })
}

/// "Hà Nội, ngày 05 tháng 02 năm 2026": a day below 10 and the months 1 and 2 take a leading
/// zero (Nghị định 30/2020/NĐ-CP, Hướng dẫn 36-HD/VPTW); without a date, blanks for the day and
/// month and the draft year: "Hà Nội, ngày     tháng     năm 2026".
pub(crate) fn date_line(h: &Header) -> String {
    let place = clean(&h.place);
    let date = match h.date {
        Some((d, m, y)) => {
            let m = if m < 3 {
                format!("{m:02}")
            } else {
                m.to_string()
            };
            format!("ngày {d:02} tháng {m} năm {y}")
        }
        None => format!("ngày{BLANK}tháng{BLANK}năm {}", h.draft_year),
    };
    if place.trim().is_empty() {
        date
    } else {
        format!("{place}, {date}")
    }
}

/// "Bảng 2. caption", numbered from 1 in the order of the tables.
pub(crate) fn table_caption(n: usize, caption: &str) -> String {
    numbered("Bảng", n, caption)
}

/// "Biểu đồ 1. caption", numbered from 1 in the order of the figures.
pub(crate) fn figure_caption(n: usize, caption: &str) -> String {
    numbered("Biểu đồ", n, caption)
}

fn numbered(label: &str, n: usize, caption: &str) -> String {
    let caption = clean(caption);
    let caption = caption.trim();
    if caption.is_empty() {
        format!("{label} {n}")
    } else {
        format!("{label} {n}. {caption}")
    }
}

/// Each recipient as its line: "- Thường trực Thành ủy (để báo cáo)," and the last with ".".
/// A dash the caller already wrote before it, and a comma, semicolon or full stop after it,
/// are not doubled; an empty recipient is left out.
pub(crate) fn recipients(list: &[String]) -> Vec<String> {
    let items: Vec<String> = list
        .iter()
        .map(|r| {
            let r = clean(r).replace('\n', " ");
            r.trim()
                .trim_start_matches(['-', '–', '•'])
                .trim_end_matches([',', ';', '.'])
                .trim()
                .to_string()
        })
        .filter(|r| !r.is_empty())
        .collect();
    let last = items.len().saturating_sub(1);
    items
        .into_iter()
        .enumerate()
        .map(|(i, r)| format!("- {r}{}", if i == last { "." } else { "," }))
        .collect()
}

/// Whether the document is signed: a signature block is printed when the signer's position or
/// name is given (the authority alone is not a signature). Without one, and without
/// recipients, a document has nothing at its end.
pub(crate) fn signed(sig: &Signature) -> bool {
    [&sig.position, &sig.name]
        .iter()
        .any(|t| !clean(t).trim().is_empty())
}

/// For each column, whether it holds numbers only (set flush right): every non-empty cell
/// made of digits, spaces and `.,%+-−`, with at least one digit somewhere in the column.
pub(crate) fn numeric_columns(columns: usize, rows: &[Vec<String>]) -> Vec<bool> {
    (0..columns)
        .map(|c| {
            let mut digits = false;
            let all = rows.iter().all(|row| {
                let cell = row.get(c).map_or("", |s| s.trim());
                digits |= cell.chars().any(|ch| ch.is_ascii_digit());
                cell.chars()
                    .all(|ch| ch.is_ascii_digit() || " .,%+-−\u{a0}".contains(ch))
            });
            all && digits
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(layout: Layout, number: Option<u32>, date: Option<(u32, u32, i32)>) -> Header {
        Header {
            layout,
            superior_body: "Thành ủy Hà Nội".into(),
            issuing_body: "Ban Tuyên giáo và Dân vận".into(),
            number,
            symbol: match layout {
                Layout::Party => "BC/BTGDVTU".into(),
                Layout::State | Layout::Brief => "BC-UBND".into(),
            },
            place: "Hà Nội".into(),
            date,
            draft_year: 2026,
        }
    }

    #[test]
    fn number_lines() {
        let check = |layout, number, want: &str| {
            assert_eq!(number_line(&header(layout, number, None)).unwrap(), want);
        };
        check(Layout::Party, Some(125), "Số 125-BC/BTGDVTU");
        check(Layout::Party, None, "Số     -BC/BTGDVTU");
        check(Layout::State, Some(7), "Số: 7/BC-UBND");
        check(Layout::State, None, "Số:     /BC-UBND");
        let mut h = header(Layout::Party, Some(3), None);
        h.symbol = String::new();
        assert_eq!(number_line(&h).unwrap(), "Số 3");
        assert_eq!(number_line(&header(Layout::Brief, Some(3), None)), None);
    }

    #[test]
    fn date_lines() {
        let check = |date, want: &str| {
            assert_eq!(date_line(&header(Layout::Party, None, date)), want);
        };
        check(None, "Hà Nội, ngày     tháng     năm 2026");
        check(Some((5, 2, 2026)), "Hà Nội, ngày 05 tháng 02 năm 2026");
        check(Some((15, 11, 2026)), "Hà Nội, ngày 15 tháng 11 năm 2026");
        check(Some((30, 3, 2026)), "Hà Nội, ngày 30 tháng 3 năm 2026");
        check(Some((9, 1, 2027)), "Hà Nội, ngày 09 tháng 01 năm 2027");
        let mut h = header(Layout::State, None, Some((1, 12, 2026)));
        h.place = " ".into();
        assert_eq!(date_line(&h), "ngày 01 tháng 12 năm 2026");
        // A bulletin's date line follows the same rules.
        let brief = |date| date_line(&header(Layout::Brief, None, date));
        assert_eq!(brief(None), "Hà Nội, ngày     tháng     năm 2026");
        assert_eq!(
            brief(Some((5, 2, 2026))),
            "Hà Nội, ngày 05 tháng 02 năm 2026"
        );
    }

    #[test]
    fn signed_needs_a_position_or_a_name() {
        let sig = |authority: &str, position: &str, name: &str| Signature {
            authority: authority.into(),
            position: position.into(),
            name: name.into(),
        };
        assert!(!signed(&sig("", "", "")));
        assert!(!signed(&sig("K/T Trưởng ban", " ", "\t\u{0}")));
        assert!(signed(&sig("", "Phó Trưởng ban", "")));
        assert!(signed(&sig("", "", "Nguyễn Văn A")));
    }

    #[test]
    fn captions_and_recipients() {
        assert_eq!(table_caption(2, " Kết quả "), "Bảng 2. Kết quả");
        assert_eq!(figure_caption(1, ""), "Biểu đồ 1");
        let list = [
            "Thường trực Thành ủy (để báo cáo)",
            "- Các ban đảng Thành ủy;",
            "",
            "Lưu VT.",
        ]
        .map(String::from);
        assert_eq!(
            recipients(&list),
            [
                "- Thường trực Thành ủy (để báo cáo),",
                "- Các ban đảng Thành ủy,",
                "- Lưu VT."
            ]
        );
        assert!(recipients(&[]).is_empty());
    }

    #[test]
    fn cleaning_keeps_text_and_drops_controls() {
        assert_eq!(
            clean("a\r\nb\rc\td\u{0}e\u{7}\u{85}f\u{FFFF}"),
            "a\nb\nc def"
        );
        let verbatim = "*not bold* #set [x] $y$ \\ // comment @ref <lab> & \"q\" 'a' -- ---";
        assert_eq!(clean(verbatim), verbatim);
        assert_eq!(upper("đường ưu tiên ỹ ự ặ"), "ĐƯỜNG ƯU TIÊN Ỹ Ự Ặ");
    }

    #[test]
    fn numeric_columns_are_found() {
        let rows = [
            vec![
                "Hà Nội".to_string(),
                "1.234".into(),
                "".into(),
                "12,5%".into(),
            ],
            vec!["Huế".to_string(), "-7".into(), "".into(), "n/a".into()],
        ];
        assert_eq!(numeric_columns(4, &rows), [false, true, false, false]);
    }
}
