//! Bounds on what a viewer can type that sizes the work of a request: page numbers, page sizes,
//! month ranges and ids in query strings. Each is parsed once, here, from the raw text of the
//! query (fields are `String`s, so that a bad value never becomes the framework's untranslated
//! rejection); a value out of bounds, or a filter that is none of its choices, is a 400 whose
//! translated message (`bounds-error-*` in `locales/*/main.ftl`) says what is wrong and what
//! the limit is, before any work starts.
//!
//! Decisions: an empty value takes the page's default; a value too large is refused (400), not
//! clamped, so that the reader learns the limit instead of silently getting something else.

use chrono::{Datelike, NaiveDate};

use crate::error::{AppError, AppResult};

/// Highest page number a list pages to (`bounds-error-page` says it).
pub const MAX_PAGE: u32 = 1_000;
/// Most rows a viewer may ask for on one page (`bounds-error-page-size` says it).
pub const MAX_PAGE_SIZE: u32 = 500;
/// Longest month range, in months, of a report over periods (`bounds-error-period-span`).
pub const MAX_RANGE_MONTHS: u32 = 120;
/// First year a month may name (`bounds-error-month`).
pub const MIN_YEAR: i32 = 2000;
/// Last year a month may name (four digits).
pub const MAX_YEAR: i32 = 9999;

/// A page number from 1 to [`MAX_PAGE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageNo(u32);

impl PageNo {
    /// Parses a page number; empty is page 1. Not a whole number, zero, negative or above
    /// [`MAX_PAGE`]: `bounds-error-page`.
    pub fn parse(raw: &str) -> AppResult<PageNo> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(PageNo(1));
        }
        raw.parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .map(PageNo)
            .ok_or(AppError::BadRequest("bounds-error-page"))
    }

    /// The number, from 1.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Rows to skip before this page with `size` rows per page.
    pub fn offset(self, size: usize) -> usize {
        (self.0 as usize - 1) * size
    }
}

/// A number of rows per page from 1 to [`MAX_PAGE_SIZE`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(u32);

impl PageSize {
    /// Parses a page size; empty is `default` (itself at most [`MAX_PAGE_SIZE`]). Not a whole
    /// number, zero, negative or above [`MAX_PAGE_SIZE`]: `bounds-error-page-size`.
    pub fn parse(raw: &str, default: u32) -> AppResult<PageSize> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(PageSize(default.clamp(1, MAX_PAGE_SIZE)));
        }
        raw.parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .map(PageSize)
            .ok_or(AppError::BadRequest("bounds-error-page-size"))
    }

    /// The number of rows.
    pub fn get(self) -> u32 {
        self.0
    }
}

/// The first day of a `YYYY-MM` month between [`MIN_YEAR`] and [`MAX_YEAR`].
pub fn parse_month(raw: &str) -> Option<NaiveDate> {
    let (y, m) = raw.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, m.parse().ok()?, 1)
}

/// A range of whole months, `from` to `to` included, at most [`MAX_RANGE_MONTHS`] long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl MonthRange {
    /// Parses `from` and `to` (`YYYY-MM`). An empty `to` is `default_to`'s month; an empty
    /// `from` is `default_months` months ending with `to`. A month that does not parse:
    /// `bounds-error-month`; `from` after `to`: `bounds-error-period-order`; more than
    /// [`MAX_RANGE_MONTHS`] months: `bounds-error-period-span`.
    pub fn parse(
        from: &str,
        to: &str,
        default_to: NaiveDate,
        default_months: u32,
    ) -> AppResult<MonthRange> {
        let month = |raw: &str| parse_month(raw).ok_or(AppError::BadRequest("bounds-error-month"));
        let to = if to.trim().is_empty() {
            first_of_month(default_to)
        } else {
            month(to)?
        };
        let from = if from.trim().is_empty() {
            months_before(to, default_months.clamp(1, MAX_RANGE_MONTHS) - 1)
        } else {
            month(from)?
        };
        if from > to {
            return Err(AppError::BadRequest("bounds-error-period-order"));
        }
        let range = MonthRange { from, to };
        if range.months() > MAX_RANGE_MONTHS {
            return Err(AppError::BadRequest("bounds-error-period-span"));
        }
        Ok(range)
    }

    /// Number of months in the range (both ends included).
    pub fn months(&self) -> u32 {
        let index = |d: NaiveDate| d.year() * 12 + d.month0() as i32;
        (index(self.to) - index(self.from) + 1) as u32
    }

    /// The first month as `YYYY-MM`.
    pub fn first_month(&self) -> String {
        self.from.format("%Y-%m").to_string()
    }

    /// The last month as `YYYY-MM`.
    pub fn last_month(&self) -> String {
        self.to.format("%Y-%m").to_string()
    }
}

fn first_of_month(d: NaiveDate) -> NaiveDate {
    d.with_day(1).expect("the first of a month exists")
}

fn months_before(d: NaiveDate, n: u32) -> NaiveDate {
    let index = d.year() * 12 + d.month0() as i32 - n as i32;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .expect("a month in range")
}

/// An id in a query string: empty is `None`; anything but a positive whole number that fits
/// is `bounds-error-id`.
pub fn parse_id(raw: &str) -> AppResult<Option<i64>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(Some)
        .ok_or(AppError::BadRequest("bounds-error-id"))
}

/// A choice in a query string (a status or kind filter): empty is `None`; anything but one of
/// the choices `parse` knows is `bounds-error-choice`, never a silent "all".
pub fn parse_choice<T>(raw: &str, parse: fn(&str) -> Option<T>) -> AppResult<Option<T>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    parse(raw)
        .map(Some)
        .ok_or(AppError::BadRequest("bounds-error-choice"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(r: AppResult<impl std::fmt::Debug>) -> &'static str {
        match r {
            Err(AppError::BadRequest(k)) => k,
            other => panic!("expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn page_numbers() {
        assert_eq!(PageNo::parse("").unwrap().get(), 1);
        assert_eq!(PageNo::parse(" 7 ").unwrap().get(), 7);
        assert_eq!(PageNo::parse("1000").unwrap().offset(20), 19_980);
        for bad in ["0", "-1", "1001", "99999999999999999999", "1.5", "x", "１"] {
            assert_eq!(key(PageNo::parse(bad)), "bounds-error-page", "{bad}");
        }
    }

    #[test]
    fn page_sizes() {
        assert_eq!(PageSize::parse("", 50).unwrap().get(), 50);
        assert_eq!(PageSize::parse("500", 50).unwrap().get(), 500);
        for bad in ["0", "-5", "501", "18446744073709551616"] {
            assert_eq!(
                key(PageSize::parse(bad, 50)),
                "bounds-error-page-size",
                "{bad}"
            );
        }
    }

    #[test]
    fn month_ranges() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let r = MonthRange::parse("", "", today, 3).unwrap();
        assert_eq!(
            (r.first_month().as_str(), r.last_month().as_str()),
            ("2026-10", "2026-12")
        );
        let r = MonthRange::parse("2017-01", "2026-12", today, 3).unwrap();
        assert_eq!(r.months(), 120);
        let r = MonthRange::parse("", "2025-02", today, 3).unwrap();
        assert_eq!(r.first_month(), "2024-12");
        assert_eq!(
            key(MonthRange::parse("2016-12", "2026-12", today, 3)),
            "bounds-error-period-span"
        );
        assert_eq!(
            key(MonthRange::parse("2000-01", "2199-12", today, 3)),
            "bounds-error-period-span"
        );
        assert_eq!(
            key(MonthRange::parse("2026-05", "2026-04", today, 3)),
            "bounds-error-period-order"
        );
        for bad in [
            "1900-01", "10000-01", "2026-13", "2026-1", "26-01", "+026-01", "x",
        ] {
            assert_eq!(
                key(MonthRange::parse(bad, "2026-01", today, 3)),
                "bounds-error-month",
                "{bad}"
            );
        }
    }

    #[test]
    fn ids() {
        assert_eq!(parse_id("").unwrap(), None);
        assert_eq!(parse_id("42").unwrap(), Some(42));
        for bad in ["0", "-3", "9223372036854775808", "4x"] {
            assert_eq!(key(parse_id(bad)), "bounds-error-id", "{bad}");
        }
    }

    #[test]
    fn choices() {
        let parse = |s: &str| (s == "open").then_some(1);
        assert_eq!(parse_choice("", parse).unwrap(), None);
        assert_eq!(parse_choice(" open ", parse).unwrap(), Some(1));
        assert_eq!(key(parse_choice("opened", parse)), "bounds-error-choice");
    }

    /// The messages state the limits of this module: they must change together.
    #[test]
    fn messages_state_the_limits() {
        let en = include_str!("../../locales/en/main.ftl");
        let line = |k: &str| {
            en.lines()
                .find(|l| l.starts_with(&format!("{k} =")))
                .unwrap_or_else(|| panic!("{k} missing"))
                .to_string()
        };
        assert!(line("bounds-error-page").contains("1,000"));
        assert_eq!(MAX_PAGE, 1_000);
        assert!(line("bounds-error-page-size").contains("500"));
        assert_eq!(MAX_PAGE_SIZE, 500);
        assert!(line("bounds-error-period-span").contains("120 months"));
        assert_eq!(MAX_RANGE_MONTHS, 120);
        assert!(line("bounds-error-month").contains("2000"));
        assert_eq!(MIN_YEAR, 2000);
    }
}
