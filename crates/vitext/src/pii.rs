//! Personal data in free Vietnamese text: what looks like a private person's name, a phone
//! number, an ID card (CCCD/CMND) or passport number, an e-mail address, with positions.
//!
//! The app calls [`detect`] before saving free text and warns the user (duluan records
//! opinions, never who said them). Names of public office holders in their role (`Chủ tịch UBND
//! xã Nguyễn Văn A`), of historical figures used for streets and places (`đường Lê Lợi`), and
//! place names are not private persons and are not reported.
//!
//! ```
//! use duluan_vitext::pii::{detect, Kind};
//! let text = "Bà Nguyễn Thị Lan (0903 123 456, lan.nt@example.vn) phản ánh với Chủ tịch UBND phường Trần Văn Minh.";
//! let found = detect(text);
//! let kinds: Vec<(Kind, &str)> = found.iter().map(|f| (f.kind, &text[f.start..f.end])).collect();
//! assert_eq!(kinds, [
//!     (Kind::Name, "Nguyễn Thị Lan"),
//!     (Kind::Phone, "0903 123 456"),
//!     (Kind::Email, "lan.nt@example.vn"),
//! ]);
//! ```

use crate::syllable;

/// What was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A private person's name.
    Name,
    /// A Vietnamese phone number (mobile or fixed, with or without +84).
    Phone,
    /// A citizen ID (CCCD, 12 digits) or old ID card (CMND, 9 digits) number.
    IdNumber,
    /// A passport number (one letter and seven digits).
    Passport,
    /// An e-mail address.
    Email,
}

impl Kind {
    /// Short English name (`name`, `phone`, `id`, `passport`, `email`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Name => "name",
            Kind::Phone => "phone",
            Kind::IdNumber => "id",
            Kind::Passport => "passport",
            Kind::Email => "email",
        }
    }

    /// What to tell a Vietnamese user.
    pub fn label_vi(self) -> &'static str {
        match self {
            Kind::Name => "tên người",
            Kind::Phone => "số điện thoại",
            Kind::IdNumber => "số CCCD/CMND",
            Kind::Passport => "số hộ chiếu",
            Kind::Email => "địa chỉ email",
        }
    }
}

/// One finding: kind and position (bytes and characters, end exclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What it looks like.
    pub kind: Kind,
    /// Byte offset of the start in the input.
    pub start: usize,
    /// Byte offset just after the end.
    pub end: usize,
    /// Character (Unicode scalar) offset of the start.
    pub char_start: usize,
    /// Character offset just after the end.
    pub char_end: usize,
}

/// Finds personal data in `text`; findings are sorted by position and never overlap.
pub fn detect(text: &str) -> Vec<Finding> {
    let mut spans: Vec<(Kind, usize, usize)> = Vec::new();
    find_emails(text, &mut spans);
    find_numbers(text, &mut spans);
    find_names(text, &mut spans);
    spans.sort_by_key(|s| (s.1, std::cmp::Reverse(s.2)));
    let mut out: Vec<Finding> = Vec::new();
    for (kind, start, end) in spans {
        if out.last().is_some_and(|l| start < l.end) {
            continue;
        }
        out.push(Finding {
            kind,
            start,
            end,
            char_start: 0,
            char_end: 0,
        });
    }
    // Character offsets in one pass.
    let mut chars_before = 0;
    let mut byte = 0;
    for f in &mut out {
        chars_before += text[byte..f.start].chars().count();
        f.char_start = chars_before;
        chars_before += text[f.start..f.end].chars().count();
        f.char_end = chars_before;
        byte = f.end;
    }
    out
}

/// Whether a text contains any personal data.
pub fn contains_personal_data(text: &str) -> bool {
    !detect(text).is_empty()
}

/// Replaces every finding by `[kind]` (e.g. `[phone]`).
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for f in detect(text) {
        out.push_str(&text[last..f.start]);
        out.push('[');
        out.push_str(f.kind.name());
        out.push(']');
        last = f.end;
    }
    out.push_str(&text[last..]);
    out
}

fn find_emails(text: &str, out: &mut Vec<(Kind, usize, usize)>) {
    let b = text.as_bytes();
    let local = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-');
    for (at, _) in text.match_indices('@') {
        let mut s = at;
        while s > 0 && local(b[s - 1]) {
            s -= 1;
        }
        while s < at && b[s] == b'.' {
            s += 1;
        }
        let mut e = at + 1;
        while e < b.len() && domain(b[e]) {
            e += 1;
        }
        while e > at + 1 && matches!(b[e - 1], b'.' | b'-') {
            e -= 1;
        }
        let dom = &text[at + 1..e];
        let tld_ok = dom.rsplit_once('.').is_some_and(|(h, tld)| {
            !h.is_empty() && tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic())
        });
        if s < at && tld_ok {
            out.push((Kind::Email, s, e));
        }
    }
}

/// Words that announce an ID number (lower case, folded comparison not needed).
const ID_CONTEXT: [&str; 8] = [
    "cccd",
    "cmnd",
    "căn cước",
    "chứng minh",
    "định danh",
    "số giấy tờ",
    "id",
    "cmt",
];

fn find_numbers(text: &str, out: &mut Vec<(Kind, usize, usize)>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let starts = c.is_ascii_digit()
            || (c == b'+' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
            || (c == b'(' && b.get(i + 1) == Some(&b'+'));
        let boundary_before = i == 0
            || !(b[i - 1].is_ascii_alphanumeric()
                || b[i - 1] >= 0x80
                || matches!(b[i - 1], b'.' | b',' | b'/'));
        if !starts || !boundary_before {
            // Passport: one upper-case letter and seven digits.
            if c.is_ascii_uppercase()
                && boundary_before
                && i + 8 <= b.len()
                && b[i + 1..i + 8].iter().all(u8::is_ascii_digit)
                && (i + 8 == b.len() || !(b[i + 8].is_ascii_alphanumeric() || b[i + 8] >= 0x80))
            {
                out.push((Kind::Passport, i, i + 8));
                i += 8;
                continue;
            }
            i += 1;
            continue;
        }
        // Gather a run of digits with single separators between groups.
        let start = i;
        let mut end = i;
        let mut digits = String::new();
        let mut groups: Vec<usize> = Vec::new();
        let mut seps = Vec::new();
        let mut plus = false;
        let mut open_paren = false;
        let mut j = i;
        let mut cur = 0;
        while j < b.len() {
            let d = b[j];
            if d.is_ascii_digit() {
                digits.push(d as char);
                cur += 1;
                j += 1;
                end = j;
            } else if d == b'+' && digits.is_empty() && !plus {
                plus = true;
                j += 1;
            } else if d == b'(' && !open_paren {
                open_paren = true;
                j += 1;
            } else if d == b')' && open_paren {
                open_paren = false;
                j += 1;
                end = j;
            } else if matches!(d, b' ' | b'.' | b'-')
                && b.get(j + 1)
                    .is_some_and(|&n| n.is_ascii_digit() || n == b'(')
                && !digits.is_empty()
            {
                if cur > 0 {
                    groups.push(cur);
                }
                cur = 0;
                seps.push(d);
                j += 1;
            } else {
                break;
            }
        }
        if cur > 0 {
            groups.push(cur);
        }
        let after_ok = end >= b.len() || !(b[end].is_ascii_alphanumeric() || b[end] >= 0x80);
        i = j.max(i + 1);
        if !after_ok || digits.is_empty() {
            continue;
        }
        let money_like = groups.len() >= 3
            && groups[1..].iter().all(|&g| g == 3)
            && seps.iter().all(|&s| s == b'.' || s == b',');
        let international = (plus || text[start..].starts_with("(+")) && digits.starts_with("84");
        let bare84 = digits.starts_with("84") && digits.len() == 11 && !money_like;
        let national = if international || bare84 {
            Some(format!("0{}", &digits[2..]))
        } else if digits.starts_with('0') {
            Some(digits.clone())
        } else {
            None
        };
        if let Some(n) = &national {
            let nb = n.as_bytes();
            let mobile = n.len() == 10 && matches!(nb[1], b'3' | b'5' | b'7' | b'8' | b'9');
            let fixed = n.len() == 11 && nb[1] == b'2';
            if (mobile || fixed) && !money_like {
                out.push((Kind::Phone, start, end));
                continue;
            }
        }
        let before = crate::tokens::lower(&text[floor_char(text, start.saturating_sub(40))..start]);
        let context = ID_CONTEXT.iter().any(|k| before.contains(k));
        let compact = seps.iter().all(|&s| s == b' ') && !plus;
        if digits.len() == 12
            && digits.starts_with('0')
            && (compact || context)
            && (!money_like || context)
        {
            let province: u32 = digits[..3].parse().unwrap_or(999);
            if (1..=96).contains(&province) {
                out.push((Kind::IdNumber, start, end));
                continue;
            }
        }
        if digits.len() == 9 && ((seps.is_empty() && !plus) || context) && !money_like {
            out.push((Kind::IdNumber, start, end));
        }
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Honorifics that introduce a person (lower case).
const HONORIFICS: [&str; 11] = [
    "ông", "bà", "anh", "chị", "cụ", "em", "cô", "chú", "bác", "cháu", "thím",
];

/// Common Vietnamese family names.
const SURNAMES: [&str; 56] = [
    "nguyễn", "trần", "lê", "phạm", "hoàng", "huỳnh", "phan", "vũ", "võ", "đặng", "bùi", "đỗ",
    "hồ", "ngô", "dương", "lý", "đào", "đoàn", "vương", "trịnh", "trương", "lâm", "phùng", "mai",
    "tô", "tạ", "cao", "lương", "lưu", "châu", "kiều", "thái", "quách", "đinh", "hà", "la",
    "triệu", "từ", "văn", "khúc", "tăng", "âu", "mạc", "diệp", "thạch", "kim", "lạc", "chu",
    "giang", "tiêu", "đồng", "nông", "lò", "hứa", "doãn", "chế",
];

/// Words after which capitalised words are a place, an organisation or a street, not a person.
const PLACE_WORDS: [&str; 36] = [
    "đường",
    "phố",
    "phường",
    "xã",
    "quận",
    "huyện",
    "tỉnh",
    "thành phố",
    "tp",
    "thị trấn",
    "thị xã",
    "ấp",
    "thôn",
    "bản",
    "khu phố",
    "tổ dân phố",
    "trường",
    "cầu",
    "chợ",
    "công viên",
    "bệnh viện",
    "sông",
    "núi",
    "hồ",
    "đảo",
    "cảng",
    "sân bay",
    "ga",
    "đại học",
    "thpt",
    "thcs",
    "tiểu học",
    "hẻm",
    "kênh",
    "rạch",
    "quảng trường",
];

/// Titles of public office: the person named in the role is a public office holder.
const TITLES: [&str; 24] = [
    "chủ tịch",
    "bí thư",
    "thủ tướng",
    "bộ trưởng",
    "thứ trưởng",
    "giám đốc",
    "tổng bí thư",
    "đại biểu",
    "trưởng ban",
    "phó ban",
    "chánh án",
    "viện trưởng",
    "trưởng công an",
    "trưởng phòng",
    "chánh văn phòng",
    "tỉnh trưởng",
    "đại sứ",
    "người phát ngôn",
    "tổng giám đốc",
    "trưởng đoàn",
    "ủy viên",
    "phó chủ tịch",
    "thượng tướng",
    "đại tướng",
];

/// Public and historical figures whose names are streets, places and institutions.
const PUBLIC_NAMES: [&str; 40] = [
    "hồ chí minh",
    "trần hưng đạo",
    "lê lợi",
    "nguyễn trãi",
    "lý thường kiệt",
    "quang trung",
    "hai bà trưng",
    "nguyễn huệ",
    "lê duẩn",
    "võ văn kiệt",
    "võ nguyên giáp",
    "phạm văn đồng",
    "nguyễn du",
    "nguyễn đình chiểu",
    "lê thánh tông",
    "hùng vương",
    "tôn đức thắng",
    "nguyễn thị minh khai",
    "trần phú",
    "phan chu trinh",
    "phan bội châu",
    "lê hồng phong",
    "nguyễn văn cừ",
    "trường chinh",
    "ngô quyền",
    "lý thái tổ",
    "trần quốc toản",
    "nguyễn tất thành",
    "lê văn sỹ",
    "cách mạng tháng tám",
    "nguyễn văn linh",
    "phạm ngũ lão",
    "nguyễn thái học",
    "trần quang khải",
    "bà triệu",
    "lê quý đôn",
    "chu văn an",
    "nguyễn khuyến",
    "phan đình phùng",
    "mạc đĩnh chi",
];

/// Place names that look like honorific + name (`Bà Rịa`) or like person names.
const PLACE_NAMES: [&str; 40] = [
    "bà rịa",
    "bà chiểu",
    "bà đen",
    "bà điểm",
    "ông lãnh",
    "bà quẹo",
    "ông đồng",
    "cô tô",
    "bà nà",
    "bà huyện thanh quan",
    "hà nội",
    "hồ chí minh",
    "cần thơ",
    "đà nẵng",
    "hải phòng",
    "huế",
    "hà tĩnh",
    "hà giang",
    "hà nam",
    "cao bằng",
    "lâm đồng",
    "kiên giang",
    "vĩnh long",
    "an giang",
    "đồng tháp",
    "cà mau",
    "tây ninh",
    "đồng nai",
    "lai châu",
    "điện biên",
    "lào cai",
    "thái nguyên",
    "tuyên quang",
    "phú thọ",
    "bắc ninh",
    "hưng yên",
    "ninh bình",
    "thanh hóa",
    "nghệ an",
    "quảng trị",
];

struct Word {
    start: usize,
    end: usize,
    lower: String,
    capital: bool,
    /// Punctuation or number between the previous word and this one.
    after_break: bool,
    /// The word right after is preceded by a comma.
    comma_after: bool,
}

fn words(text: &str) -> Vec<Word> {
    let toks = crate::tokens::tokenize(text);
    let mut out: Vec<Word> = Vec::new();
    let mut brk = true;
    for t in &toks {
        if t.kind == crate::tokens::Kind::Word {
            let first = t.text.chars().next().unwrap_or('a');
            out.push(Word {
                start: t.start,
                end: t.end,
                lower: crate::tokens::lower(t.text),
                capital: first.is_uppercase(),
                after_break: brk,
                comma_after: false,
            });
            brk = false;
        } else {
            if t.text == ","
                && let Some(w) = out.last_mut()
            {
                w.comma_after = true;
            }
            brk = true;
        }
    }
    out
}

fn phrase_before(ws: &[Word], i: usize, n: usize) -> String {
    let from = i.saturating_sub(n);
    ws[from..i]
        .iter()
        .map(|w| w.lower.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn find_names(text: &str, out: &mut Vec<(Kind, usize, usize)>) {
    let ws = words(text);
    let mut i = 0;
    while i < ws.len() {
        let honorific = HONORIFICS.contains(&ws[i].lower.as_str());
        let name_start = if honorific { i + 1 } else { i };
        // Take up to 4 capitalised valid syllables.
        let mut j = name_start;
        while j < ws.len()
            && j - name_start < 4
            && ws[j].capital
            && (j == name_start || !ws[j].after_break)
            && syllable::is_valid(&text[ws[j].start..ws[j].end])
        {
            j += 1;
        }
        let len = j - name_start;
        if len == 0 {
            i += 1;
            continue;
        }
        let name_lower = ws[name_start..j]
            .iter()
            .map(|w| w.lower.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let surname = SURNAMES.contains(&ws[name_start].lower.as_str());
        let is_name =
            honorific || (surname && (len >= 3 || (len == 2 && !ws[name_start].after_break)));
        let context = phrase_before(&ws, if honorific { i } else { name_start }, 8);
        let place_context = PLACE_WORDS.iter().any(|p| context.ends_with(p));
        let title_context = TITLES.iter().any(|t| context.contains(t))
            || (ws[j - 1].comma_after
                && j < ws.len()
                && TITLES
                    .iter()
                    .any(|t| phrase_after(&ws, j, 3).starts_with(t)));
        let public = PUBLIC_NAMES.iter().any(|p| name_lower.starts_with(p))
            || PLACE_NAMES.contains(&name_lower.as_str());
        let honorific_place =
            honorific && PLACE_NAMES.contains(&format!("{} {}", ws[i].lower, name_lower).as_str());
        if is_name && !place_context && !title_context && !public && !honorific_place {
            out.push((Kind::Name, ws[name_start].start, ws[j - 1].end));
            i = j;
        } else {
            i = j.max(i + 1);
        }
    }
}

fn phrase_after(ws: &[Word], i: usize, n: usize) -> String {
    ws[i..(i + n).min(ws.len())]
        .iter()
        .map(|w| w.lower.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A labelled span: kind, start and end byte offsets.
pub type Span = (Kind, usize, usize);

/// Counts of an evaluation against a labelled set, per kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evaluation {
    /// `(kind, true positives, false positives, false negatives)`, one row per kind seen.
    pub rows: Vec<(Kind, usize, usize, usize)>,
    /// Lines whose markup could not be read (1-based line numbers).
    pub bad_lines: Vec<usize>,
}

impl Evaluation {
    /// Precision and recall over all kinds (exact span match).
    pub fn overall(&self) -> (f64, f64) {
        let (tp, fp, fneg) = self
            .rows
            .iter()
            .fold((0, 0, 0), |a, r| (a.0 + r.1, a.1 + r.2, a.2 + r.3));
        (ratio(tp, tp + fp), ratio(tp, tp + fneg))
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn kind_from(name: &str) -> Option<Kind> {
    Some(match name {
        "name" => Kind::Name,
        "phone" => Kind::Phone,
        "id" => Kind::IdNumber,
        "passport" => Kind::Passport,
        "email" => Kind::Email,
        _ => return None,
    })
}

/// Reads one labelled line (`Bà [[name:Lan]] gọi [[phone:0903123456]]`): the plain text and
/// the expected findings as byte ranges in it. `None` when the markup is broken.
pub fn parse_labelled(line: &str) -> Option<(String, Vec<Span>)> {
    let mut text = String::with_capacity(line.len());
    let mut spans = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find("[[") {
        text.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("]]")?;
        let (kind, value) = after[..close].split_once(':')?;
        let start = text.len();
        text.push_str(value);
        spans.push((kind_from(kind)?, start, text.len()));
        rest = &after[close + 2..];
    }
    text.push_str(rest);
    Some((text, spans))
}

/// Evaluates [`detect`] on a labelled set: one text per line in the markup of
/// [`parse_labelled`]; empty lines and lines starting with `#` are skipped. A finding counts as
/// right only with the same kind and the exact same span.
pub fn evaluate(labelled: &str) -> Evaluation {
    use std::collections::BTreeMap;
    let mut counts: BTreeMap<Kind, (usize, usize, usize)> = BTreeMap::new();
    let mut bad_lines = Vec::new();
    for (n, line) in labelled.lines().enumerate() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((text, expected)) = parse_labelled(line) else {
            bad_lines.push(n + 1);
            continue;
        };
        let found: Vec<(Kind, usize, usize)> = detect(&text)
            .iter()
            .map(|f| (f.kind, f.start, f.end))
            .collect();
        for f in &found {
            let e = counts.entry(f.0).or_default();
            if expected.contains(f) {
                e.0 += 1
            } else {
                e.1 += 1
            }
        }
        for x in &expected {
            if !found.contains(x) {
                counts.entry(x.0).or_default().2 += 1;
            }
        }
    }
    Evaluation {
        rows: counts
            .into_iter()
            .map(|(k, (tp, fp, fneg))| (k, tp, fp, fneg))
            .collect(),
        bad_lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &[(Kind, &str)]) {
        let got: Vec<(Kind, &str)> = detect(input)
            .iter()
            .map(|f| (f.kind, &input[f.start..f.end]))
            .collect();
        assert_eq!(got, expected, "{input}");
    }

    #[test]
    fn phones() {
        use Kind::Phone;
        check("Gọi 0903123456 nhé", &[(Phone, "0903123456")]);
        check("SĐT: 090.312.3456", &[(Phone, "090.312.3456")]);
        check("liên hệ +84 903 123 456", &[(Phone, "+84 903 123 456")]);
        check("(+84) 292 3812 345", &[(Phone, "(+84) 292 3812 345")]);
        check("máy bàn 024-3825-1234", &[(Phone, "024-3825-1234")]);
        check("số 84903123456", &[(Phone, "84903123456")]);
        check("giá 150.000.000 đồng, năm 2025, 12/3/2025", &[]);
        check("mã 0123", &[]);
    }

    #[test]
    fn ids_and_passports_and_emails() {
        check(
            "CCCD 001203004567 cấp ngày",
            &[(Kind::IdNumber, "001203004567")],
        );
        check("số CMND: 381234567", &[(Kind::IdNumber, "381234567")]);
        check("hộ chiếu C1234567", &[(Kind::Passport, "C1234567")]);
        check(
            "thư gửi a.b-c@so.cantho.gov.vn.",
            &[(Kind::Email, "a.b-c@so.cantho.gov.vn")],
        );
        check("@ và a@b và x@y.z", &[]);
        check("tổng 100.000.000.000 đồng", &[]);
    }

    #[test]
    fn names() {
        use Kind::Name;
        check(
            "Theo ông Nguyễn Văn Tư, giá tăng.",
            &[(Name, "Nguyễn Văn Tư")],
        );
        check("chị Lan bán hàng", &[(Name, "Lan")]);
        check("Cụ Tư kể lại", &[(Name, "Tư")]);
        check("Gia đình em Trần Minh Khôi", &[(Name, "Trần Minh Khôi")]);
        check(
            "Người dân là Phạm Thị Hồng Nhung cho biết",
            &[(Name, "Phạm Thị Hồng Nhung")],
        );
        check("Chủ tịch UBND thành phố Trần Việt Trường phát biểu", &[]);
        check("ông Lê Văn Hùng, Bí thư Đảng ủy xã, cho biết", &[]);
        check("đường Lê Lợi và đường Nguyễn Văn Linh ngập", &[]);
        check("tỉnh Bà Rịa cũ, thành phố Hồ Chí Minh", &[]);
        check("Bà Rịa - Vũng Tàu", &[]);
        check("các em học sinh", &[]);
        check("Người dân xã Tân Phú phản ánh", &[]);
    }

    #[test]
    fn positions_in_chars() {
        let f = detect("Bà Tư gọi 0903123456");
        assert_eq!((f[0].char_start, f[0].char_end), (3, 5));
        assert_eq!((f[1].char_start, f[1].char_end), (10, 20));
        assert_eq!(redact("Bà Tư gọi 0903123456"), "Bà [name] gọi [phone]");
    }

    proptest::proptest! {
        #[test]
        fn findings_are_ordered_valid_ranges(s in "\\PC{0,80}") {
            let f = detect(&s);
            let mut last = 0;
            for x in &f {
                proptest::prop_assert!(x.start >= last && x.end > x.start && s.is_char_boundary(x.start) && s.is_char_boundary(x.end));
                last = x.end;
            }
        }
    }

    #[test]
    fn labelled_set_precision_and_recall() {
        let eval = evaluate(include_str!("../tests/data/pii-eval.txt"));
        assert!(eval.bad_lines.is_empty(), "{:?}", eval.bad_lines);
        let (p, r) = eval.overall();
        assert!(
            p >= 0.9 && r >= 0.85,
            "precision {p:.3} recall {r:.3}: {:?}",
            eval.rows
        );
    }
}
