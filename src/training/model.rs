//! Training's rules, no IO: a course's checks and what counts as trained lately.

use chrono::NaiveDate;

/// Longest title, trainer or place (characters).
pub const MAX_LINE: usize = 300;
/// Longest description (characters).
pub const MAX_TEXT: usize = 8000;
/// Default window of the coverage page, in months (`?months=`, 1 to 60).
pub const DEFAULT_MONTHS: u32 = 12;

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
    fn trained_lately_means_completed_within_the_window() {
        let today = day(2026, 12, 5);
        assert!(trained_lately(Some(day(2026, 1, 5)), today, 12));
        assert!(trained_lately(Some(day(2025, 12, 1)), today, 12));
        assert!(!trained_lately(Some(day(2025, 11, 30)), today, 12));
        assert!(!trained_lately(None, today, 12));
        assert!(!trained_lately(Some(day(2026, 12, 6)), today, 12));
    }
}
