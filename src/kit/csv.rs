//! Cells of every CSV export, neutralised against spreadsheet formula injection ("CSV
//! injection", OWASP): a spreadsheet that opens a CSV file runs a cell starting with `=`, `+`,
//! `-` or `@` as a formula (`=HYPERLINK(…)`, `=cmd|…`), and tab or carriage return let such a
//! cell hide behind leading white space. Answers, unit names and labels are typed by people
//! outside the staff's control, so every CSV export writes its cells through this module.
//!
//! - [`text_cell`]: OWASP's recommendation, a single quote before a cell starting with one of
//!   those characters; the spreadsheet shows the text as typed (the quote is hidden) and runs
//!   nothing. Quoting of separators and double quotes is the `csv` writer's job.
//! - [`number_cell`] for columns that hold numbers (numeric survey questions, coded numeric
//!   choices, counts): a cell that is a plain decimal number (`-3`, `2.5`, `-1.5e3`) stays as it
//!   is, so that `-3` is read as the number −3 and sums and analyses keep working. A plain
//!   number cannot call anything; whatever else starts with `-` or `+` in such a column (which
//!   the forms engine does not let through, but a stored value is not trusted) is treated as
//!   text.
//!
//! XLSX exports need none of this as long as they write text with `write_string` (never with a
//! generic `write` that turns `=…` into a formula).

use std::borrow::Cow;

/// Whether a spreadsheet could read `s` as the start of a formula.
fn is_risky(s: &str) -> bool {
    matches!(
        s.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// A text cell: as it is, or with a leading `'` when it would start a formula.
pub fn text_cell(s: &str) -> Cow<'_, str> {
    if is_risky(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Reads back a cell that [`text_cell`] wrote: the leading `'` before a risky character is
/// dropped, so that an export re-imports as it was (the units CSV round trip).
pub fn read_text_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_risky(rest) => rest,
        _ => s,
    }
}

/// Whether `s` is a plain decimal number: optional `-`, digits, optional fraction, optional
/// exponent. No `+`, spaces, `inf` or `NaN`.
pub fn is_plain_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// A cell of a numeric column: a plain number as it is (negative numbers stay numbers),
/// anything else as a [`text_cell`].
pub fn number_cell(s: &str) -> Cow<'_, str> {
    if is_plain_number(s) {
        Cow::Borrowed(s)
    } else {
        text_cell(s)
    }
}

/// The cells of a record of text columns, ready for `csv::Writer::write_record`.
pub fn text_record<'a, I>(cells: I) -> impl Iterator<Item = Cow<'a, [u8]>>
where
    I: IntoIterator<Item = &'a str>,
{
    cells.into_iter().map(|c| match text_cell(c) {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, text: &str, number: &str) {
        assert_eq!(text_cell(input), text, "text cell of {input:?}");
        assert_eq!(number_cell(input), number, "number cell of {input:?}");
        assert_eq!(read_text_cell(text), input, "reading back {text:?}");
    }

    #[test]
    fn formula_starts_are_neutralised() {
        check("=1+1", "'=1+1", "'=1+1");
        check("+84 912", "'+84 912", "'+84 912");
        check("-3", "'-3", "-3");
        check("-2.5e-3", "'-2.5e-3", "-2.5e-3");
        check(
            "-1+cmd|' /C calc'!A0",
            "'-1+cmd|' /C calc'!A0",
            "'-1+cmd|' /C calc'!A0",
        );
        check("@SUM(A1)", "'@SUM(A1)", "'@SUM(A1)");
        check("\t=1", "'\t=1", "'\t=1");
        check("\r=1", "'\r=1", "'\r=1");
        check("Cần Thơ", "Cần Thơ", "Cần Thơ");
        check("12", "12", "12");
        check("", "", "");
        check("a=b", "a=b", "a=b");
        check(" =1", " =1", " =1");
    }

    #[test]
    fn plain_numbers_are_recognised() {
        for yes in ["0", "-0", "42", "-3", "3.25", "-1e5", "1E+3"] {
            assert!(is_plain_number(yes), "{yes}");
        }
        for no in [
            "", "-", "+3", "1.", ".5", "1e", "inf", "NaN", "1 2", "-3-", "0x10",
        ] {
            assert!(!is_plain_number(no), "{no}");
        }
    }
}
