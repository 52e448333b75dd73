//! Values of the expression language and their XPath 1.0 / ODK conversions.
//!
//! ODK stores every answer as a string; expressions see strings, numbers, booleans, dates,
//! date-times and node-sets (several answers of a question inside a repeat). The conversions
//! follow XPath 1.0 (`string()`, `number()`, `boolean()`) with JavaRosa's extensions for dates:
//! a date is a number of days since 1970-01-01, a date-time a fractional number of days.

use std::fmt::Write as _;

/// A calendar date as a number of days since 1970-01-01 (negative before).
pub type Days = i64;

/// An instant with the UTC offset it was observed at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DateTime {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub epoch_ms: i64,
    /// Offset from UTC in minutes (Việt Nam: +420).
    pub offset_minutes: i32,
}

impl DateTime {
    /// The local calendar date of this instant.
    pub fn local_date(&self) -> Days {
        let local = self.epoch_ms + i64::from(self.offset_minutes) * 60_000;
        local.div_euclid(86_400_000)
    }

    /// Local milliseconds since local midnight.
    fn local_ms_of_day(&self) -> i64 {
        let local = self.epoch_ms + i64::from(self.offset_minutes) * 60_000;
        local.rem_euclid(86_400_000)
    }

    /// ISO 8601 with milliseconds and offset, as ODK writes `now()`.
    pub fn to_iso(&self) -> String {
        let (y, m, d) = civil_from_days(self.local_date());
        let ms = self.local_ms_of_day();
        let mut out = format!(
            "{}T{:02}:{:02}:{:02}.{:03}",
            format_ymd(y, m, d),
            ms / 3_600_000,
            ms / 60_000 % 60,
            ms / 1000 % 60,
            ms % 1000
        );
        let off = self.offset_minutes;
        if off == 0 {
            out.push('Z');
        } else {
            let sign = if off < 0 { '-' } else { '+' };
            let a = off.unsigned_abs();
            let _ = write!(out, "{sign}{:02}:{:02}", a / 60, a % 60);
        }
        out
    }
}

/// A value during evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string (every stored answer is one).
    Str(String),
    /// An IEEE double, as in XPath.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// A date (days since 1970-01-01).
    Date(Days),
    /// A date-time.
    DateTime(DateTime),
    /// The string values of several nodes (a question inside a repeat, seen from outside it).
    Nodes(Vec<String>),
}

impl Value {
    /// The empty string, ODK's "no answer".
    pub fn empty() -> Value {
        Value::Str(String::new())
    }

    /// XPath `string()`.
    pub fn to_str(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::Num(n) => format_number(*n),
            Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
            Value::Date(d) => format_date(*d),
            Value::DateTime(dt) => dt.to_iso(),
            Value::Nodes(v) => v.first().cloned().unwrap_or_default(),
        }
    }

    /// `string()` without copying when the value already is a string.
    pub fn as_str(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Str(s) => std::borrow::Cow::Borrowed(s),
            Value::Nodes(v) => std::borrow::Cow::Borrowed(v.first().map_or("", String::as_str)),
            other => std::borrow::Cow::Owned(other.to_str()),
        }
    }

    /// `string()`, consuming the value.
    pub fn into_str(self) -> String {
        match self {
            Value::Str(s) => s,
            Value::Nodes(mut v) if !v.is_empty() => v.swap_remove(0),
            other => other.to_str(),
        }
    }

    /// XPath `number()`, extended as JavaRosa does: dates count days since 1970-01-01.
    pub fn to_num(&self) -> f64 {
        match self {
            Value::Str(s) => str_to_number(s),
            Value::Num(n) => *n,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Date(d) => *d as f64,
            Value::DateTime(dt) => dt.epoch_ms as f64 / 86_400_000.0,
            Value::Nodes(v) => v.first().map_or(f64::NAN, |s| str_to_number(s)),
        }
    }

    /// XPath `boolean()`.
    pub fn to_bool(&self) -> bool {
        match self {
            Value::Str(s) => !s.is_empty(),
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Bool(b) => *b,
            Value::Date(_) | Value::DateTime(_) => true,
            Value::Nodes(v) => !v.is_empty(),
        }
    }

    /// True for the empty string and the empty node-set.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Str(s) => s.is_empty(),
            Value::Nodes(v) => v.iter().all(String::is_empty),
            _ => false,
        }
    }
}

/// XPath string → number: optional minus, digits, optional fraction; surrounding whitespace
/// allowed. As in JavaRosa, a date or date-time string counts days since 1970-01-01 and a time
/// `HH:MM[:SS]` counts the fraction of a day; anything else is NaN.
pub fn str_to_number(s: &str) -> f64 {
    let n = parse_number(s);
    if !n.is_nan() {
        return n;
    }
    let t = s.trim();
    if let Some(d) = parse_date(t) {
        d as f64
    } else if let Some(dt) = parse_datetime(t) {
        Value::DateTime(dt).to_num()
    } else if let Some((ms, _)) = parse_time(t) {
        ms as f64 / 86_400_000.0
    } else {
        f64::NAN
    }
}

/// Strict XPath number syntax only (no dates): `-?digits[.digits]`, whitespace around.
pub fn parse_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return f64::NAN;
    }
    let body = t.strip_prefix('-').unwrap_or(t);
    let mut digits = 0;
    let mut dots = 0;
    for c in body.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => dots += 1,
            _ => return f64::NAN,
        }
    }
    if digits == 0 || dots > 1 {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// XPath number → string: integers without a fraction, `NaN`, `Infinity`, `-Infinity`.
pub fn format_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else if n == n.trunc() && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
pub fn civil_from_days(z: Days) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) → days since 1970-01-01; `None` for an impossible date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<Days> {
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn format_ymd(y: i64, m: u32, d: u32) -> String {
    if (0..=9999).contains(&y) {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!("{y}-{m:02}-{d:02}")
    }
}

/// Days → `YYYY-MM-DD`.
pub fn format_date(days: Days) -> String {
    let (y, m, d) = civil_from_days(days);
    format_ymd(y, m, d)
}

fn digits(s: &str, n: usize) -> Option<u32> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Parses `YYYY-MM-DD` (the form ODK stores dates in).
pub fn parse_date(s: &str) -> Option<Days> {
    let s = s.trim();
    let bytes = s.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let y = digits(&s[0..4], 4)?;
    let m = digits(&s[5..7], 2)?;
    let d = digits(&s[8..10], 2)?;
    days_from_civil(i64::from(y), m, d)
}

/// Parses a time of day `HH:MM[:SS[.sss]][Z|±HH:MM]` into milliseconds since midnight and
/// an optional offset in minutes.
pub fn parse_time(s: &str) -> Option<(i64, Option<i32>)> {
    let s = s.trim();
    let (clock, offset) = split_offset(s)?;
    let mut parts = clock.split(':');
    let h = digits(parts.next()?, 2)?;
    let mi = digits(parts.next()?, 2)?;
    let mut ms = 0i64;
    if let Some(sec) = parts.next() {
        let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
        let sec = digits(whole, 2)?;
        if sec > 59 {
            return None;
        }
        ms += i64::from(sec) * 1000;
        if !frac.is_empty() {
            if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let f: String = frac.chars().chain("000".chars()).take(3).collect();
            ms += f.parse::<i64>().ok()?;
        }
    }
    if parts.next().is_some() || h > 23 || mi > 59 {
        return None;
    }
    Some((
        ms + i64::from(h) * 3_600_000 + i64::from(mi) * 60_000,
        offset,
    ))
}

fn split_offset(s: &str) -> Option<(&str, Option<i32>)> {
    if let Some(rest) = s.strip_suffix('Z') {
        return Some((rest, Some(0)));
    }
    if s.len() > 6 && s.is_char_boundary(s.len() - 6) {
        let (head, tail) = s.split_at(s.len() - 6);
        let tb = tail.as_bytes();
        if (tb[0] == b'+' || tb[0] == b'-') && tb[3] == b':' {
            let h = digits(&tail[1..3], 2)?;
            let m = digits(&tail[4..6], 2)?;
            let v = (h * 60 + m) as i32;
            return Some((head, Some(if tb[0] == b'-' { -v } else { v })));
        }
    }
    Some((s, None))
}

/// Parses `YYYY-MM-DDTHH:MM[:SS[.sss]][Z|±HH:MM]` (no offset: UTC).
pub fn parse_datetime(s: &str) -> Option<DateTime> {
    let s = s.trim();
    let (date, time) = s.split_once('T')?;
    let days = parse_date(date)?;
    let (ms, off) = parse_time(time)?;
    let off = off.unwrap_or(0);
    Some(DateTime {
        epoch_ms: days * 86_400_000 + ms - i64::from(off) * 60_000,
        offset_minutes: off,
    })
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// ODK `format-date`/`format-date-time`: `%Y %y %m %n %b %d %e %a %H %h %M %S %3`.
pub fn format_with(days: Days, ms_of_day: i64, fmt: &str) -> String {
    let (y, m, d) = civil_from_days(days);
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{y:04}")),
            Some('y') => out.push_str(&format!("{:02}", y.rem_euclid(100))),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('n') => out.push_str(&m.to_string()),
            Some('b') => out.push_str(MONTHS[(m - 1) as usize]),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('e') => out.push_str(&d.to_string()),
            Some('a') => out.push_str(WEEKDAYS[days.rem_euclid(7) as usize]),
            Some('H') => out.push_str(&format!("{:02}", ms_of_day / 3_600_000)),
            Some('h') => out.push_str(&(ms_of_day / 3_600_000).to_string()),
            Some('M') => out.push_str(&format!("{:02}", ms_of_day / 60_000 % 60)),
            Some('S') => out.push_str(&format!("{:02}", ms_of_day / 1000 % 60)),
            Some('3') => out.push_str(&format!("{:03}", ms_of_day % 1000)),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Splits a date-time into local days and milliseconds of the day.
pub fn local_parts(dt: &DateTime) -> (Days, i64) {
    (dt.local_date(), dt.local_ms_of_day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_conversions() {
        let cases: &[(&str, f64)] = &[
            ("12", 12.0),
            (" -3.5 ", -3.5),
            (".5", 0.5),
            ("1970-01-02", 1.0),
        ];
        for (s, n) in cases {
            assert_eq!(str_to_number(s), *n, "{s}");
        }
        for s in ["", "abc", "1e3", "1.2.3", "-", "+1", "2024-02-30"] {
            assert!(str_to_number(s).is_nan(), "{s}");
        }
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(-0.5), "-0.5");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::INFINITY), "Infinity");
    }

    #[test]
    fn dates_round_trip() {
        for s in [
            "1970-01-01",
            "2000-02-29",
            "2026-11-28",
            "1900-03-01",
            "0001-01-01",
        ] {
            let d = parse_date(s).unwrap();
            assert_eq!(format_date(d), s);
        }
        assert_eq!(parse_date("2026-11-28"), Some(20_785));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
    }

    #[test]
    fn datetimes_and_formats() {
        let dt = parse_datetime("2026-11-28T10:05:07.250+07:00").unwrap();
        assert_eq!(dt.to_iso(), "2026-11-28T10:05:07.250+07:00");
        assert_eq!(dt.local_date(), parse_date("2026-11-28").unwrap());
        let (d, ms) = local_parts(&dt);
        assert_eq!(
            format_with(d, ms, "%e/%n/%Y %H:%M:%S.%3 %a %b %y"),
            "28/11/2026 10:05:07.250 Sat Nov 26"
        );
        assert_eq!(parse_time("25:00"), None);
        // Found by the `evaluate` fuzz target: a multi-byte character where an offset would be.
        assert!(str_to_number("bel ::i1Ҏ i ~x").is_nan());
        assert_eq!(parse_time("10:00ҎҎҎ"), None);
        assert_eq!(parse_time("07:30").unwrap().0, 27_000_000);
    }
}
