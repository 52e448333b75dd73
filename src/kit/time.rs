//! Vietnam time: the one place that knows the offset (UTC+7, no daylight saving), calendar days
//! and months as people in Vietnam count them, and how times are shown.
//!
//! Instants are stored in UTC (or as unix seconds); days, months and deadlines are Vietnamese
//! calendar days, so every conversion between the two goes through here.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// Seconds to add to a UTC unix time to get Vietnam's wall clock.
pub const VN_OFFSET_SECS: i32 = 7 * 3600;

/// Vietnam's time zone.
pub fn vn_offset() -> FixedOffset {
    FixedOffset::east_opt(VN_OFFSET_SECS).expect("a valid offset")
}

/// Today's date in Vietnam at the instant `now`.
pub fn vn_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&vn_offset()).date_naive()
}

/// The instant a Vietnamese calendar day begins.
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    vn_offset()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .single()
        .expect("a fixed offset maps every local time once")
        .with_timezone(&Utc)
}

/// The last second of a Vietnamese calendar day, as an instant (deadlines are "by the end of").
pub fn end_of_day(date: NaiveDate) -> DateTime<Utc> {
    let t = NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time");
    vn_offset()
        .from_local_datetime(&date.and_time(t))
        .single()
        .expect("a fixed offset maps every local time once")
        .with_timezone(&Utc)
}

/// The first day of the month `n` months after the month of `d`.
pub fn add_months(d: NaiveDate, n: i32) -> NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 + n;
    NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .expect("the first of a month exists")
}

/// Parses a month written `YYYY-MM` into its first day.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    let (y, m) = s.trim().split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, 1)
}

/// An instant shown as Vietnamese people write it: `dd/mm/yyyy HH:MM`, Vietnam time.
pub fn show(at: DateTime<Utc>) -> String {
    at.with_timezone(&vn_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// A unix time shown like [`show`]; a dash for none or out of range.
pub fn show_unix(t: Option<i64>) -> String {
    t.and_then(|t| DateTime::from_timestamp(t, 0))
        .map(show)
        .unwrap_or_else(|| "—".into())
}

/// A unix time shown like [`show`].
pub fn show_unix_secs(t: i64) -> String {
    show_unix(Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn days_begin_and_end_at_vietnamese_midnight() {
        let d = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        assert_eq!(start_of_day(d), utc(2027, 1, 14, 17, 0));
        assert_eq!(
            end_of_day(d),
            utc(2027, 1, 15, 16, 59) + chrono::Duration::seconds(59)
        );
        // 17:00 UTC is already the next day in Vietnam.
        assert_eq!(
            vn_date(utc(2026, 12, 31, 17, 0)),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            vn_date(utc(2026, 12, 31, 16, 59)),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }

    #[test]
    fn months_add_across_years_both_ways() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(
            add_months(d, 2),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(
            add_months(d, -11),
            NaiveDate::from_ymd_opt(2025, 12, 1).unwrap()
        );
        assert_eq!(parse_month("2026-07"), NaiveDate::from_ymd_opt(2026, 7, 1));
        for bad in ["2026-7", "26-07", "2026-13", "2026/07", "", "abcd-ef"] {
            assert_eq!(parse_month(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_show_in_vietnam_time() {
        assert_eq!(show(utc(2026, 12, 31, 17, 5)), "01/01/2027 00:05");
        assert_eq!(show_unix(Some(0)), "01/01/1970 07:00");
        assert_eq!(show_unix(None), "—");
    }
}
