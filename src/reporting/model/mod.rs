//! Reporting's domain types: report kinds and periods with their due and lock dates, the workflow
//! of a report, opinion streams and their checked input, the personal-data warning (no IO).
//!
//! Here: kinds, periods, schedules, the workflow, rates and attachment checks; streams' types are
//! in `streams`, re-exported here so callers write `model::StreamInput`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

mod streams;

pub use streams::*;

pub use crate::kit::time::end_of_day;

/// The kinds of report (*báo cáo định kỳ / nhanh / chuyên đề / đột xuất*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Monthly (period = month, due on the due day of the next month).
    Monthly,
    /// Quarterly.
    Quarterly,
    /// Yearly.
    Yearly,
    /// Quick report (*báo cáo nhanh*): event-driven, due within hours.
    Quick,
    /// Thematic report (*chuyên đề*), with a deadline.
    Thematic,
    /// Ad-hoc request (*đột xuất*) of the centre to chosen units, with a deadline.
    AdHoc,
}

impl ReportKind {
    /// Every kind, in display order.
    pub const ALL: [ReportKind; 6] = [
        ReportKind::Monthly,
        ReportKind::Quarterly,
        ReportKind::Yearly,
        ReportKind::Quick,
        ReportKind::Thematic,
        ReportKind::AdHoc,
    ];

    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            ReportKind::Monthly => "monthly",
            ReportKind::Quarterly => "quarterly",
            ReportKind::Yearly => "yearly",
            ReportKind::Quick => "quick",
            ReportKind::Thematic => "thematic",
            ReportKind::AdHoc => "adhoc",
        }
    }

    /// Parses a stored key.
    pub fn parse(key: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.key() == key.trim())
    }

    /// Whether reports of this kind have calendar periods.
    pub fn periodic(self) -> bool {
        matches!(
            self,
            ReportKind::Monthly | ReportKind::Quarterly | ReportKind::Yearly
        )
    }
}

/// A calendar period: `2026-10`, `2026-Q4`, `2026`; or the one period `once` of a type with a
/// single deadline (thematic, ad-hoc), or a dated event label of a quick report (`2026-10-03`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period(String);

impl Period {
    /// Parses a period for a report kind; the error is a message key.
    pub fn parse(kind: ReportKind, raw: &str) -> Result<Period, &'static str> {
        let s = raw.trim();
        let ok = match kind {
            ReportKind::Monthly => parse_month(s).is_some(),
            ReportKind::Quarterly => {
                s.len() == 7 && s[..4].parse::<i32>().is_ok() && {
                    matches!(&s[4..], "-Q1" | "-Q2" | "-Q3" | "-Q4")
                }
            }
            ReportKind::Yearly => s.len() == 4 && s.parse::<i32>().is_ok_and(|y| y > 1999),
            ReportKind::Quick => NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok(),
            ReportKind::Thematic | ReportKind::AdHoc => s == "once",
        };
        if ok {
            Ok(Period(s.to_string()))
        } else {
            Err("reporting-report-error-period")
        }
    }

    /// The month `2026-10` (for streams and monthly reports).
    pub fn month(date: NaiveDate) -> Period {
        Period(format!("{:04}-{:02}", date.year(), date.month()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The month periods from `from` to `to` (both `YYYY-MM`, inclusive), at most 120.
    pub fn months_between(from: &str, to: &str) -> Vec<String> {
        let (Some(mut d), Some(end)) = (parse_month(from), parse_month(to)) else {
            return vec![];
        };
        let mut out = vec![];
        while d <= end && out.len() < 120 {
            out.push(format!("{:04}-{:02}", d.year(), d.month()));
            d = add_months(d, 1);
        }
        out
    }
}

/// First day of a `YYYY-MM` month; reporting periods begin in 2000.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    crate::kit::time::parse_month(s).filter(|d| d.year() > 1999)
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    crate::kit::time::add_months(d, n as i32)
}

/// The settings of a report type that decide deadlines.
#[derive(Clone, Debug)]
pub struct Schedule {
    /// Kind.
    pub kind: ReportKind,
    /// Day of the month after the period by which the report is due (monthly, quarterly, yearly).
    pub due_day: i32,
    /// Days after the due date when the report locks.
    pub lock_after_days: i32,
    /// Hours a quick report has.
    pub due_hours: i32,
    /// The deadline of thematic and ad-hoc types.
    pub deadline: Option<DateTime<Utc>>,
}

impl Schedule {
    /// `(due, lock)` of a report of `period` opened at `now`.
    pub fn deadlines(&self, period: &Period, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        let day = |first: NaiveDate| {
            let last = add_months(first, 1).pred_opt().expect("valid date").day() as i32;
            first
                .with_day(self.due_day.clamp(1, last) as u32)
                .expect("valid day")
        };
        let due = match self.kind {
            ReportKind::Monthly => {
                let first = parse_month(period.as_str()).unwrap_or(now.date_naive());
                end_of_day(day(add_months(first, 1)))
            }
            ReportKind::Quarterly => {
                let y: i32 = period.as_str()[..4].parse().unwrap_or(2026);
                let q: u32 = period.as_str()[6..].parse().unwrap_or(1);
                let first = NaiveDate::from_ymd_opt(y, 1, 1).expect("valid date");
                end_of_day(day(add_months(first, q * 3)))
            }
            ReportKind::Yearly => {
                let y: i32 = period.as_str().parse().unwrap_or(2026);
                end_of_day(day(
                    NaiveDate::from_ymd_opt(y + 1, 1, 1).expect("valid date")
                ))
            }
            ReportKind::Quick => now + Duration::hours(self.due_hours.max(1) as i64),
            ReportKind::Thematic | ReportKind::AdHoc => {
                self.deadline.unwrap_or(now + Duration::days(7))
            }
        };
        (
            due,
            due + Duration::days(self.lock_after_days.max(0) as i64),
        )
    }
}

/// Where a report stands in the workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Being written by the unit.
    Draft,
    /// Sent to the centre.
    Submitted,
    /// Sent back by the centre with comments.
    Returned,
    /// Accepted by the centre (and thereby locked).
    Accepted,
}

impl Status {
    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Accepted => "accepted",
        }
    }

    /// Parses a stored key; `None` for a key no version of duluan writes.
    pub fn parse(key: &str) -> Option<Status> {
        match key {
            "draft" => Some(Status::Draft),
            "submitted" => Some(Status::Submitted),
            "returned" => Some(Status::Returned),
            "accepted" => Some(Status::Accepted),
            _ => None,
        }
    }
}

/// How a report type's kind is read from the database: an unknown key is an error at the store,
/// never "monthly" by default.
impl TryFrom<String> for ReportKind {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        ReportKind::parse(&key).ok_or_else(|| format!("unknown report kind {key:?}"))
    }
}

/// How a report's status is read from the database: an unknown key is an error at the store,
/// never a draft by default (a draft is editable; a misread accepted report must not become one).
impl TryFrom<String> for Status {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Status::parse(&key).ok_or_else(|| format!("unknown report status {key:?}"))
    }
}

/// A workflow step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The unit saves its text.
    Edit,
    /// The unit submits.
    Submit,
    /// The centre accepts.
    Accept,
    /// The centre returns with a comment.
    Return,
    /// The centre reopens with a reason.
    Reopen,
}

/// Whether a report is locked: accepted, or its lock date has passed.
pub fn is_locked(status: Status, lock_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == Status::Accepted || now > lock_at
}

/// The state after `step`, or the message key saying why it is refused.
pub fn transition(
    status: Status,
    lock_at: DateTime<Utc>,
    now: DateTime<Utc>,
    step: Step,
) -> Result<Status, &'static str> {
    let locked = is_locked(status, lock_at, now);
    match step {
        Step::Edit | Step::Submit if locked => Err("reporting-report-error-locked"),
        Step::Edit => match status {
            Status::Draft | Status::Returned => Ok(status),
            _ => Err("reporting-report-error-not-editable"),
        },
        Step::Submit => match status {
            Status::Draft | Status::Returned => Ok(Status::Submitted),
            _ => Err("reporting-report-error-not-editable"),
        },
        Step::Accept | Step::Return => match status {
            Status::Submitted => Ok(if step == Step::Accept {
                Status::Accepted
            } else {
                Status::Returned
            }),
            _ => Err("reporting-report-error-not-submitted"),
        },
        Step::Reopen => {
            if locked || status == Status::Submitted {
                Ok(Status::Draft)
            } else {
                Err("reporting-report-error-not-locked")
            }
        }
    }
}

/// Completeness and timeliness of one cell or total (DHIS2's definitions): `expected` assigned
/// unit-periods, `submitted` reports sent (submitted or accepted), `on_time` sent by the due date.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rates {
    /// Expected reports.
    pub expected: i64,
    /// Reports submitted (status submitted or accepted).
    pub submitted: i64,
    /// Of those, first submitted by the due date.
    pub on_time: i64,
}

impl Rates {
    /// Reporting rate in percent (submitted / expected).
    pub fn completeness(&self) -> f64 {
        pct(self.submitted, self.expected)
    }

    /// Timeliness in percent (on time / expected), as DHIS2's "reporting rate on time".
    pub fn timeliness(&self) -> f64 {
        pct(self.on_time, self.expected)
    }
}

fn pct(a: i64, b: i64) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// Largest attachment accepted (10 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The content type of an allowed attachment (PDF, DOCX, PNG, JPEG), checked by the file name's
/// extension and by the file's first bytes; the error is a message key.
pub fn attachment_type(file_name: &str, bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("reporting-attachment-error-empty");
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err("reporting-attachment-error-size");
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let (ok, mime) = match ext.as_str() {
        "pdf" => (bytes.starts_with(b"%PDF-"), "application/pdf"),
        "docx" => (
            bytes.starts_with(b"PK\x03\x04"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "png" => (bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "image/png"),
        "jpg" | "jpeg" => (bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "image/jpeg"),
        _ => return Err("reporting-attachment-error-type"),
    };
    if ok {
        Ok(mime)
    } else {
        Err("reporting-attachment-error-content")
    }
}

/// A file name safe to show and to put in a `Content-Disposition` header: no path, no control
/// characters, at most 150 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(150)
        .collect();
    if name.trim().is_empty() {
        "tep".into()
    } else {
        clean(&name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn monthly_reports_are_due_on_the_15th_of_the_next_month_in_vietnam() {
        let s = Schedule {
            kind: ReportKind::Monthly,
            due_day: 15,
            lock_after_days: 10,
            due_hours: 24,
            deadline: None,
        };
        let p = Period::parse(ReportKind::Monthly, "2026-12").unwrap();
        let (due, lock) = s.deadlines(&p, utc(2026, 12, 1, 0));
        // 15 January 2027, 23:59:59 in Vietnam is 16:59:59 UTC.
        assert_eq!(due, Utc.with_ymd_and_hms(2027, 1, 15, 16, 59, 59).unwrap());
        assert_eq!(lock, Utc.with_ymd_and_hms(2027, 1, 25, 16, 59, 59).unwrap());
        let s31 = Schedule { due_day: 31, ..s };
        let p = Period::parse(ReportKind::Monthly, "2027-01").unwrap();
        assert_eq!(
            s31.deadlines(&p, utc(2027, 1, 1, 0)).0.date_naive(),
            NaiveDate::from_ymd_opt(2027, 2, 28).unwrap()
        );
    }

    #[test]
    fn periods_are_checked_per_kind() {
        assert!(Period::parse(ReportKind::Monthly, "2026-10").is_ok());
        assert!(Period::parse(ReportKind::Monthly, "2026-13").is_err());
        assert!(Period::parse(ReportKind::Quarterly, "2026-Q4").is_ok());
        assert!(Period::parse(ReportKind::Quarterly, "2026-Q5").is_err());
        assert!(Period::parse(ReportKind::Yearly, "2026").is_ok());
        assert!(Period::parse(ReportKind::AdHoc, "once").is_ok());
        assert_eq!(
            Period::months_between("2025-11", "2026-02"),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
    }

    #[test]
    fn stored_keys_read_into_enums_and_unknown_ones_are_errors() {
        for st in [
            Status::Draft,
            Status::Submitted,
            Status::Returned,
            Status::Accepted,
        ] {
            assert_eq!(Status::try_from(st.key().to_string()), Ok(st));
        }
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::try_from(k.key().to_string()), Ok(k));
        }
        crate::kit::keys::assert_keys(&Direction::ALL, Direction::key);
        // Never a draft (editable) or a monthly report by default.
        assert!(Status::try_from("archived".to_string()).is_err());
        assert!(Status::try_from(String::new()).is_err());
        assert!(ReportKind::try_from("weekly".to_string()).is_err());
    }

    #[test]
    fn the_workflow_refuses_what_it_must() {
        let later = utc(2030, 1, 1, 0);
        let now = utc(2026, 1, 1, 0);
        use Status::*;
        use Step::*;
        assert_eq!(transition(Draft, later, now, Submit), Ok(Submitted));
        assert_eq!(transition(Submitted, later, now, Accept), Ok(Accepted));
        assert_eq!(transition(Submitted, later, now, Return), Ok(Returned));
        assert_eq!(transition(Returned, later, now, Submit), Ok(Submitted));
        assert!(transition(Submitted, later, now, Edit).is_err());
        assert_eq!(
            transition(Accepted, later, now, Edit),
            Err("reporting-report-error-locked")
        );
        assert_eq!(
            transition(Draft, now, later, Submit),
            Err("reporting-report-error-locked")
        );
        assert_eq!(transition(Accepted, later, now, Reopen), Ok(Draft));
        assert!(transition(Draft, later, now, Reopen).is_err());
        assert!(transition(Draft, later, now, Accept).is_err());
    }

    #[test]
    fn personal_data_is_highlighted() {
        let w = personal_data(&[
            ("summary", "Người dân lo lắng về giá điện tăng.".into()),
            ("causes", "Liên hệ 0903 123 456 để biết thêm.".into()),
        ]);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].field, "causes");
        let flagged: Vec<_> = w[0].pieces.iter().filter(|p| p.flagged.is_some()).collect();
        assert_eq!(flagged[0].text, "0903 123 456");
        assert_eq!(flagged[0].flagged, Some("phone"));
    }

    #[test]
    fn stream_form_errors_name_fields() {
        let f = StreamForm {
            summary: "ngắn".into(),
            scope: "galactic".into(),
            ..Default::default()
        };
        let errs = f.parse().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.0).collect();
        assert!(fields.contains(&"summary"));
        assert!(fields.contains(&"scope"));
        assert!(fields.contains(&"unit_id"));
    }

    #[test]
    fn attachments_are_checked_by_name_and_content() {
        assert_eq!(
            attachment_type("bao-cao.PDF", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert_eq!(
            attachment_type("anh.png", b"%PDF-1.7"),
            Err("reporting-attachment-error-content")
        );
        assert_eq!(
            attachment_type("virus.exe", b"MZ"),
            Err("reporting-attachment-error-type")
        );
        let big = vec![0u8; MAX_ATTACHMENT_BYTES + 1];
        assert_eq!(
            attachment_type("a.pdf", &big),
            Err("reporting-attachment-error-size")
        );
        assert_eq!(
            clean_file_name("C:\\tmp\\Báo cáo \"tháng\".pdf"),
            "Báo cáo tháng.pdf"
        );
    }

    #[test]
    fn rates_follow_dhis2() {
        let r = Rates {
            expected: 103,
            submitted: 80,
            on_time: 60,
        };
        assert!((r.completeness() - 77.669).abs() < 0.01);
        assert!((r.timeliness() - 58.252).abs() < 0.01);
    }
}
