//! Hot spots' domain types and rules, no IO: stages and their moves, severities, evidence
//! addresses, scenario steps, tasks and their deadlines.

use chrono::NaiveDate;

use crate::kit::keys::stored_keys;

stored_keys! {
    /// Where a hot spot stands (*giai đoạn*), in the order it usually moves.
    pub enum Stage: "hot spot stage" {
        /// A first signal (an alert, a collaborator's report) not yet checked (*tín hiệu*).
        Signal = "signal",
        /// Being verified with the units concerned (*đang xác minh*).
        Verifying = "verifying",
        /// Confirmed as a hot spot (*đã xác định*).
        Confirmed = "confirmed",
        /// The response is under way (*đang xử lý*).
        Responding = "responding",
        /// Calmed; still watched (*đã ổn định*).
        Stabilised = "stabilised",
        /// Closed (*kết thúc*).
        Closed = "closed",
    }
}

impl Stage {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("hotspots-stage-{}", self.key())
    }

    /// Whether the hot spot still needs work (every stage before closed).
    pub fn is_open(self) -> bool {
        self != Stage::Closed
    }
}

/// Checks a move from `from` to `to` with its reason: a move changes the stage and always says
/// why (the register keeps who moved it and why); the error is a message key.
pub fn check_move(from: Stage, to: Stage, reason: &str) -> Result<(), &'static str> {
    if from == to {
        return Err("hotspots-error-same-stage");
    }
    if reason.trim().is_empty() {
        return Err("hotspots-error-reason");
    }
    if reason.chars().count() > MAX_NOTE {
        return Err("hotspots-error-note-long");
    }
    Ok(())
}

stored_keys! {
    /// How serious a hot spot is (*mức độ*).
    pub enum Severity: "hot spot severity" {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
        /// Very high: a risk to security and order.
        Critical = "critical",
    }
}

impl Severity {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("hotspots-severity-{}", self.key())
    }
}

stored_keys! {
    /// What a timeline entry records.
    pub enum EventKind: "hot spot event" {
        /// Opened.
        Opened = "opened",
        /// Stage moved.
        Stage = "stage",
        /// Evidence attached.
        Evidence = "evidence",
        /// Evidence removed.
        EvidenceRemoved = "evidence_removed",
        /// A scenario instantiated into tasks.
        Scenario = "scenario",
        /// A task added by hand.
        Task = "task",
        /// A task's status changed.
        TaskStatus = "task_status",
        /// Severity, title, summary, areas or restriction edited.
        Edited = "edited",
        /// A note on the timeline.
        Note = "note",
    }
}

impl EventKind {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("hotspots-event-{}", self.key().replace('_', "-"))
    }
}

stored_keys! {
    /// What a piece of evidence is (*căn cứ*): a page of another context.
    pub enum EvidenceKind: "evidence kind" {
        /// A monitoring alert (`/monitoring/alerts/{id}`).
        Alert = "alert",
        /// A monitored item (`/monitoring/items/{id}`).
        Item = "item",
        /// An opinion stream (`/reporting/streams/{id}`).
        Stream = "stream",
        /// A unit's report (`/reporting/reports/{id}`).
        Report = "report",
        /// A survey's figure for one question (`/surveys/{id}/results`, `ref_key` the question).
        Survey = "survey",
        /// A file attached to a unit's report (`/reporting/attachments/{id}`).
        Attachment = "attachment",
    }
}

impl EvidenceKind {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("hotspots-evidence-{}", self.key())
    }

    /// The address of the page it stands for.
    pub fn href(self, id: i64, key: &str) -> String {
        match self {
            EvidenceKind::Alert => format!("/monitoring/alerts/{id}"),
            EvidenceKind::Item => format!("/monitoring/items/{id}"),
            EvidenceKind::Stream => format!("/reporting/streams/{id}"),
            EvidenceKind::Report => format!("/reporting/reports/{id}"),
            EvidenceKind::Attachment => format!("/reporting/attachments/{id}"),
            EvidenceKind::Survey if key.is_empty() => format!("/surveys/{id}/results"),
            EvidenceKind::Survey => format!("/surveys/{id}/results#q-{key}"),
        }
    }
}

/// A reference to evidence: what, which, and for a survey the question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceRef {
    /// Kind.
    pub kind: EvidenceKind,
    /// The object's id.
    pub id: i64,
    /// The question's name for a survey figure, empty otherwise.
    pub key: String,
}

/// Reads the address of a duluan page pasted by an analyst (a full URL of any host, or a path)
/// into the evidence it stands for; `None` when it is not one of the pages evidence can come
/// from. A survey's question is named by `?q=` or the fragment `#q-name`.
pub fn parse_evidence_address(raw: &str) -> Option<EvidenceRef> {
    let raw = raw.trim();
    if raw.len() > 2000 {
        return None;
    }
    let path = match raw.find("://") {
        Some(i) => {
            let rest = &raw[i + 3..];
            &rest[rest.find('/')?..]
        }
        None => raw,
    };
    let (path, fragment) = match path.split_once('#') {
        Some((p, f)) => (p, f),
        None => (path, ""),
    };
    let (path, query) = match path.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path, ""),
    };
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().ok().filter(|n| *n > 0);
    let (kind, id, key) = match parts.as_slice() {
        ["", "monitoring", "alerts", n] => (EvidenceKind::Alert, id(n)?, String::new()),
        ["", "monitoring", "items", n] => (EvidenceKind::Item, id(n)?, String::new()),
        ["", "reporting", "streams", n] => (EvidenceKind::Stream, id(n)?, String::new()),
        ["", "reporting", "reports", n] => (EvidenceKind::Report, id(n)?, String::new()),
        ["", "reporting", "attachments", n] => (EvidenceKind::Attachment, id(n)?, String::new()),
        ["", "surveys", n, "results"] => {
            let from_query = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("q="))
                .unwrap_or_default();
            let key = fragment.strip_prefix("q-").unwrap_or(from_query);
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                || key.len() > 64
            {
                return None;
            }
            (EvidenceKind::Survey, id(n)?, key.to_string())
        }
        _ => return None,
    };
    Some(EvidenceRef { kind, id, key })
}

stored_keys! {
    /// Who carries out a scenario's step (*cơ quan chủ trì*).
    pub enum Agency: "scenario agency" {
        /// The hot spot's own unit (the centre, or the unit that opened it).
        Owner = "owner",
        /// Each of the hot spot's areas: one task per area unit.
        Areas = "areas",
        /// A partner organisation (the People's Committee, police, the Fatherland Front…).
        Partner = "partner",
    }
}

impl Agency {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("hotspots-agency-{}", self.key())
    }
}

stored_keys! {
    /// Where a task stands.
    pub enum TaskStatus: "task status" {
        /// Assigned, not begun.
        Open = "open",
        /// Under way.
        InProgress = "in_progress",
        /// Done.
        Done = "done",
        /// No longer needed.
        Cancelled = "cancelled",
    }
}

impl TaskStatus {
    /// The message key of its name.
    pub fn label_key(self) -> String {
        format!("hotspots-task-{}", self.key().replace('_', "-"))
    }

    /// Whether work remains.
    pub fn is_open(self) -> bool {
        matches!(self, TaskStatus::Open | TaskStatus::InProgress)
    }
}

/// Whether a task due on `due_on` with `status` is overdue on `today` (Vietnam's calendar day):
/// still open after its due day.
pub fn is_overdue(status: TaskStatus, due_on: NaiveDate, today: NaiveDate) -> bool {
    status.is_open() && due_on < today
}

/// The due day of a scenario step started on `start`.
pub fn due_from(start: NaiveDate, offset_days: i32) -> NaiveDate {
    start + chrono::Duration::days(i64::from(offset_days.clamp(0, MAX_OFFSET_DAYS)))
}

/// Longest title (characters).
pub const MAX_TITLE: usize = 300;
/// Longest summary, detail, message or note (characters).
pub const MAX_NOTE: usize = 4000;
/// Latest deadline of a scenario step, in days after the start.
pub const MAX_OFFSET_DAYS: i32 = 365;
/// Most steps of a scenario.
pub const MAX_STEPS: usize = 40;
/// Most evidence of a hot spot.
pub const MAX_EVIDENCE: usize = 200;
/// Most tasks of a hot spot.
pub const MAX_TASKS: usize = 300;
/// Most areas of a hot spot.
pub const MAX_AREAS: usize = 50;

/// Checks a title (already cleaned to one line); the error is a message key.
pub fn check_title(title: &str) -> Result<(), &'static str> {
    if title.is_empty() {
        return Err("hotspots-error-title");
    }
    if title.chars().count() > MAX_TITLE {
        return Err("hotspots-error-title-long");
    }
    Ok(())
}

/// Checks a free text's length (already cleaned); the error is a message key.
pub fn check_note(text: &str) -> Result<(), &'static str> {
    if text.chars().count() > MAX_NOTE {
        return Err("hotspots-error-note-long");
    }
    Ok(())
}

/// A scenario step as kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepSpec {
    /// What to do.
    pub title: String,
    /// Who does it.
    pub agency: Agency,
    /// The partner, for [`Agency::Partner`].
    pub partner_id: Option<i64>,
    /// Deadline in days after the start.
    pub offset_days: i32,
    /// The orientation message to prepare (*nội dung định hướng*), possibly empty.
    pub message: String,
}

/// Checks a step; the error is a message key.
pub fn check_step(s: &StepSpec) -> Result<(), &'static str> {
    check_title(&s.title)?;
    check_note(&s.message)?;
    if !(0..=MAX_OFFSET_DAYS).contains(&s.offset_days) {
        return Err("hotspots-error-offset");
    }
    if (s.agency == Agency::Partner) != s.partner_id.is_some() {
        return Err("hotspots-error-partner");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_evidence_are_read_from_urls_and_paths() {
        let a = parse_evidence_address("https://duluan.example.vn/monitoring/alerts/12").unwrap();
        assert_eq!(
            (a.kind, a.id, a.key.as_str()),
            (EvidenceKind::Alert, 12, "")
        );
        let f = parse_evidence_address("https://x.vn/reporting/attachments/9").unwrap();
        assert_eq!((f.kind, f.id), (EvidenceKind::Attachment, 9));
        assert_eq!(f.kind.href(9, ""), "/reporting/attachments/9");
        let s = parse_evidence_address("/reporting/streams/7/").unwrap();
        assert_eq!((s.kind, s.id), (EvidenceKind::Stream, 7));
        let q = parse_evidence_address("/surveys/3/results#q-lo_ngai").unwrap();
        assert_eq!(
            (q.kind, q.id, q.key.as_str()),
            (EvidenceKind::Survey, 3, "lo_ngai")
        );
        let q = parse_evidence_address("http://x/surveys/3/results?by=a&q=q2").unwrap();
        assert_eq!(q.key, "q2");
        assert!(parse_evidence_address("/surveys/3/results?q=<script>").is_none());
        assert!(parse_evidence_address("/monitoring/alerts/0").is_none());
        assert!(parse_evidence_address("/monitoring/alerts/x").is_none());
        assert!(parse_evidence_address("/admin/users/1").is_none());
        assert!(parse_evidence_address("https://evil.example").is_none());
        assert_eq!(
            EvidenceKind::Survey.href(3, "q2"),
            "/surveys/3/results#q-q2".to_string()
        );
    }

    #[test]
    fn a_move_needs_another_stage_and_a_reason() {
        assert_eq!(
            check_move(Stage::Signal, Stage::Signal, "x"),
            Err("hotspots-error-same-stage")
        );
        assert_eq!(
            check_move(Stage::Signal, Stage::Verifying, "  "),
            Err("hotspots-error-reason")
        );
        assert!(check_move(Stage::Closed, Stage::Verifying, "Bùng phát lại").is_ok());
    }

    #[test]
    fn overdue_means_open_after_the_due_day() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let next = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert!(!is_overdue(TaskStatus::Open, d, d));
        assert!(is_overdue(TaskStatus::InProgress, d, next));
        assert!(!is_overdue(TaskStatus::Done, d, next));
        assert_eq!(
            due_from(d, 2),
            NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
        );
        assert_eq!(due_from(d, -5), d);
    }

    #[test]
    fn a_partner_step_names_its_partner() {
        let mut s = StepSpec {
            title: "Họp báo".into(),
            agency: Agency::Partner,
            partner_id: None,
            offset_days: 1,
            message: String::new(),
        };
        assert_eq!(check_step(&s), Err("hotspots-error-partner"));
        s.partner_id = Some(1);
        assert!(check_step(&s).is_ok());
        s.offset_days = 400;
        assert_eq!(check_step(&s), Err("hotspots-error-offset"));
    }
}
