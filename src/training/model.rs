//! Training's rules, no IO: a course's and a session's checks, what counts as trained lately,
//! and the months in which a course was held.

use chrono::{Datelike, NaiveDate, NaiveTime};

/// Longest title, trainer or place (characters).
pub const MAX_LINE: usize = 300;
/// Longest description (characters).
pub const MAX_TEXT: usize = 8000;
/// Default window of the coverage page, in months, until the deployment's setting says otherwise
/// (`training_settings`; `?months=` overrides it for one view).
pub const DEFAULT_MONTHS: u32 = 12;
/// Longest coverage window, in months (the setting and `?months=`).
pub const MAX_MONTHS: u32 = 60;
/// Most sessions in one course.
pub const MAX_SESSIONS: usize = 200;

/// A coverage window typed by a user: 1 to [`MAX_MONTHS`] months.
pub fn parse_months(raw: &str) -> Option<u32> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (1..=MAX_MONTHS).contains(m))
}

/// A course as typed, cleaned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CourseDraft {
    /// Title and topic.
    pub title: String,
    /// Trainer (*giảng viên*).
    pub trainer: String,
    /// Place.
    pub place: String,
    /// First day.
    pub starts_on: Option<NaiveDate>,
    /// Last day.
    pub ends_on: Option<NaiveDate>,
    /// Description and materials (*nội dung, tài liệu*).
    pub description: String,
}

/// Checks a course; errors are `(field, message key)`.
pub fn check_course(d: &CourseDraft) -> Vec<(&'static str, &'static str)> {
    let mut errors = vec![];
    if d.title.chars().count() < 3 {
        errors.push(("title", "training-error-title"));
    }
    for (field, text) in [
        ("title", &d.title),
        ("trainer", &d.trainer),
        ("place", &d.place),
    ] {
        if text.chars().count() > MAX_LINE {
            errors.push((field, "training-error-long"));
        }
    }
    if d.description.chars().count() > MAX_TEXT {
        errors.push(("description", "training-error-long"));
    }
    match (d.starts_on, d.ends_on) {
        (Some(s), Some(e)) if e < s => errors.push(("ends_on", "training-error-order")),
        (None, _) => errors.push(("starts_on", "training-error-date")),
        (_, None) => errors.push(("ends_on", "training-error-date")),
        _ => {}
    }
    errors
}

/// A session as typed, cleaned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionDraft {
    /// Its day.
    pub held_on: Option<NaiveDate>,
    /// Its start time, if given.
    pub starts_at: Option<NaiveTime>,
    /// Whether the start time typed was not a time.
    pub bad_time: bool,
    /// The session's topic.
    pub topic: String,
    /// Trainer (empty: the course's).
    pub trainer: String,
    /// Place (empty: the course's).
    pub place: String,
}

/// A start time typed as `HH:MM` (or `HH:MM:SS`, as some browsers send): `Ok(None)` when empty,
/// else the error's message key.
pub fn parse_time(raw: &str) -> Result<Option<NaiveTime>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .map(Some)
        .map_err(|_| "training-error-time")
}

/// Checks a session of a course held from `first` to `last` day; errors are
/// `(field, message key)` (`training-error-session-outside` takes the course's days).
pub fn check_session(
    d: &SessionDraft,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<(&'static str, &'static str)> {
    let mut errors = vec![];
    match d.held_on {
        None => errors.push(("held_on", "training-error-date")),
        Some(day) if day < first || day > last => {
            errors.push(("held_on", "training-error-session-outside"))
        }
        Some(_) => {}
    }
    if d.bad_time {
        errors.push(("starts_at", "training-error-time"));
    }
    if d.topic.is_empty() {
        errors.push(("topic", "training-error-topic"));
    }
    for (field, text) in [
        ("topic", &d.topic),
        ("trainer", &d.trainer),
        ("place", &d.place),
    ] {
        if text.chars().count() > MAX_LINE {
            errors.push((field, "training-error-long"));
        }
    }
    errors
}

/// The months (1–12, each once) of `year` in which a course was held: those of its sessions'
/// days when it has sessions, else those of its days from `first` to `last`.
pub fn held_months(
    year: i32,
    first: NaiveDate,
    last: NaiveDate,
    sessions: &[NaiveDate],
) -> Vec<u32> {
    let mut months: Vec<u32> = if sessions.is_empty() {
        (1..=12)
            .filter(|m| {
                let Some(start) = NaiveDate::from_ymd_opt(year, *m, 1) else {
                    return false;
                };
                let end = crate::kit::time::add_months(start, 1) - chrono::Duration::days(1);
                first <= end && last >= start
            })
            .collect()
    } else {
        sessions
            .iter()
            .filter(|d| d.year() == year)
            .map(|d| d.month())
            .collect()
    };
    months.sort_unstable();
    months.dedup();
    months
}

/// Whether a completion on `completed` counts as trained within the last `months` months: on or
/// after the first day of the month `months` months before today's, and not after today.
pub fn trained_lately(completed: Option<NaiveDate>, today: NaiveDate, months: u32) -> bool {
    let since = crate::kit::time::add_months(today, -(months as i32));
    completed.is_some_and(|d| d >= since && d <= today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_course_has_a_title_and_days_in_order() {
        let mut d = CourseDraft {
            title: "Kỹ năng nắm bắt dư luận".into(),
            starts_on: Some(day(2026, 12, 10)),
            ends_on: Some(day(2026, 12, 9)),
            ..CourseDraft::default()
        };
        assert_eq!(check_course(&d), vec![("ends_on", "training-error-order")]);
        d.ends_on = Some(day(2026, 12, 11));
        assert!(check_course(&d).is_empty());
        d.title = "ab".into();
        assert_eq!(check_course(&d), vec![("title", "training-error-title")]);
    }

    #[test]
    fn a_session_falls_within_its_course_and_has_a_topic() {
        let (first, last) = (day(2026, 11, 10), day(2026, 11, 12));
        let mut d = SessionDraft {
            held_on: Some(day(2026, 11, 13)),
            topic: "Ghi luồng ý kiến".into(),
            ..SessionDraft::default()
        };
        assert_eq!(
            check_session(&d, first, last),
            vec![("held_on", "training-error-session-outside")]
        );
        d.held_on = Some(day(2026, 11, 9));
        assert_eq!(
            check_session(&d, first, last),
            vec![("held_on", "training-error-session-outside")]
        );
        d.held_on = Some(last);
        assert!(check_session(&d, first, last).is_empty());
        d.held_on = Some(first);
        assert!(check_session(&d, first, last).is_empty());
        d.topic.clear();
        d.bad_time = true;
        d.held_on = None;
        assert_eq!(
            check_session(&d, first, last),
            vec![
                ("held_on", "training-error-date"),
                ("starts_at", "training-error-time"),
                ("topic", "training-error-topic")
            ]
        );
    }

    #[test]
    fn a_start_time_is_hours_and_minutes() {
        assert_eq!(parse_time(""), Ok(None));
        assert_eq!(parse_time(" 07:30 "), Ok(NaiveTime::from_hms_opt(7, 30, 0)));
        assert_eq!(
            parse_time("14:05:00"),
            Ok(NaiveTime::from_hms_opt(14, 5, 0))
        );
        assert_eq!(parse_time("25:00"), Err("training-error-time"));
        assert_eq!(parse_time("sáng"), Err("training-error-time"));
    }

    #[test]
    fn a_course_is_held_in_its_sessions_months_else_its_days() {
        // Without sessions: every month its days touch, within the year.
        assert_eq!(
            held_months(2026, day(2026, 3, 30), day(2026, 4, 2), &[]),
            vec![3, 4]
        );
        assert_eq!(
            held_months(2026, day(2025, 12, 30), day(2026, 1, 2), &[]),
            vec![1]
        );
        assert_eq!(
            held_months(2025, day(2025, 12, 30), day(2026, 1, 2), &[]),
            vec![12]
        );
        assert!(held_months(2027, day(2026, 5, 1), day(2026, 5, 2), &[]).is_empty());
        // With sessions: their months only, each once.
        assert_eq!(
            held_months(
                2026,
                day(2026, 1, 1),
                day(2026, 12, 31),
                &[day(2026, 6, 3), day(2026, 2, 1), day(2026, 6, 20)]
            ),
            vec![2, 6]
        );
        assert!(
            held_months(2025, day(2025, 12, 1), day(2026, 2, 1), &[day(2026, 1, 5)]).is_empty()
        );
    }

    #[test]
    fn months_are_one_to_sixty() {
        assert_eq!(parse_months(" 6 "), Some(6));
        assert_eq!(parse_months("60"), Some(60));
        assert_eq!(parse_months("0"), None);
        assert_eq!(parse_months("61"), None);
        assert_eq!(parse_months("mười"), None);
    }

    #[test]
    fn trained_lately_means_completed_within_the_window() {
        let today = day(2026, 12, 5);
        assert!(trained_lately(Some(day(2026, 1, 5)), today, 12));
        assert!(trained_lately(Some(day(2025, 12, 1)), today, 12));
        assert!(!trained_lately(Some(day(2025, 11, 30)), today, 12));
        assert!(!trained_lately(None, today, 12));
        assert!(!trained_lately(Some(day(2026, 12, 6)), today, 12));
    }
}
