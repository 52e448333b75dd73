//! Survey domain types: purposes and waves, collection modes, AAPOR dispositions, response
//! states, validated inputs, secrets for links and tokens, and merging posted answers into a
//! forms-engine record. No IO, no HTTP.

use chrono::NaiveDate;
use duluan_forms::check::CheckedForm;
use duluan_forms::{Answer, Record};

use crate::kit::keys::stored_keys;

stored_keys! {
    /// Why a survey is run, relative to a policy (*trước, trong, sau khi ban hành chính sách*).
    /// Waves of the same series compare over time.
    pub enum Purpose: "survey purpose" {
        /// Before a policy is drafted or issued.
        Before = "before",
        /// While it is being implemented.
        During = "during",
        /// After a period of implementation.
        After = "after",
        /// Not tied to a policy (a regular poll).
        Other = "other",
    }
}

impl Purpose {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("surveys-purpose-{}", self.key())
    }
}

stored_keys! {
    /// How a case is reached: the four collection modes share one case record.
    pub enum CollectionMode: "collection mode" {
        /// Web, by anonymous link or one-time token.
        Web = "web",
        /// Email invitation (a token sent by email).
        Email = "email",
        /// Telephone interview.
        Phone = "phone",
        /// Self-completed paper questionnaire.
        Paper = "paper",
        /// Face-to-face on a phone or tablet without connection (ODK Collect and other OpenRosa
        /// clients), sent when back in coverage.
        Offline = "offline",
    }
}

stored_keys! {
    /// Final or temporary disposition of a case, its key the AAPOR code (Standard Definitions,
    /// 2023): what response rates are computed from.
    pub enum Disposition: "case disposition" {
        /// 1.1 complete.
        Complete = "1.1",
        /// 1.2 partial.
        Partial = "1.2",
        /// 2.11 refusal.
        Refusal = "2.11",
        /// 2.12 break-off (started, abandoned below the partial threshold).
        BreakOff = "2.12",
        /// 2.20 non-contact.
        NonContact = "2.20",
        /// 3.19 invited, nothing ever returned (unknown eligibility).
        NotReturned = "3.19",
        /// 3.30 e-mail invitation returned undelivered (a hard bounce).
        Undeliverable = "3.30",
        /// 4.10 not eligible.
        NotEligible = "4.10",
        // Telephone outcomes (AAPOR telephone codes).
        /// 2.21 an appointment to call back (the respondent was not available).
        Appointment = "2.21",
        /// 3.12 busy every time.
        Busy = "3.12",
        /// 3.13 no answer.
        NoAnswer = "3.13",
        /// 3.14 answering machine, unknown whether the respondent's.
        AnsweringMachine = "3.14",
        /// 4.30 wrong, non-working or disconnected number.
        WrongNumber = "4.30",
        /// 4.80 quota filled: the respondent's quota cell was full (screened out).
        QuotaFilled = "4.80",
    }
}

impl Disposition {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("surveys-disp-{}", self.key().replace('.', "-"))
    }
}

stored_keys! {
    /// Where a survey stands. An unknown stored key is an error, not "closed".
    pub enum SurveyStatus: "survey status" {
        /// Being designed: no collection.
        Draft = "draft",
        /// In the field: links and tokens accept answers.
        Open = "open",
        /// Fieldwork ended: nothing more is accepted.
        Closed = "closed",
    }
}

impl SurveyStatus {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("surveys-status-{}", self.key())
    }
}

/// A stored survey.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Survey {
    /// Id.
    pub id: i64,
    /// Owning unit: its subtree's designers build it, its staff see responses.
    pub unit_id: i64,
    /// Title.
    pub title: String,
    /// Purpose.
    pub purpose: Purpose,
    /// Series key: waves of the same questionnaire share it.
    pub series: String,
    /// Wave number within the series (1, 2, …).
    pub wave: i64,
    /// First day in the field.
    pub field_start: Option<NaiveDate>,
    /// Last day in the field.
    pub field_end: Option<NaiveDate>,
    /// Anonymous: no address kept, no link from a complete response to a token.
    pub anonymous: bool,
    /// Key of the public link, when there is one.
    pub public_key: Option<String>,
    /// Status.
    pub status: SurveyStatus,
}

impl Survey {
    /// Whether answers are accepted on `today`: open and within the field period.
    pub fn accepts_on(&self, today: NaiveDate) -> bool {
        self.status == SurveyStatus::Open
            && self.field_start.is_none_or(|d| d <= today)
            && self.field_end.is_none_or(|d| today <= d)
    }
}

/// A questionnaire version of a survey.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Version {
    /// Id.
    pub id: i64,
    /// Survey.
    pub survey_id: i64,
    /// Version string (XLSForm `version`).
    pub version: String,
    /// The `duluan_forms::Form` as JSON.
    pub form_json: String,
    /// When it was published; a published version never changes.
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The fields of a new or edited survey, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct SurveyInput {
    /// Title, trimmed and NFC.
    pub title: String,
    /// Purpose.
    pub purpose: Purpose,
    /// Wave number, at least 1.
    pub wave: i64,
    /// Field period.
    pub field_start: Option<NaiveDate>,
    /// Field period end, not before the start.
    pub field_end: Option<NaiveDate>,
    /// Anonymous survey.
    pub anonymous: bool,
}

fn parse_date(s: &str) -> Result<Option<NaiveDate>, &'static str> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| "surveys-error-date")
}

impl SurveyInput {
    /// Checks the raw fields; the error is a message key.
    pub fn parse(
        title: &str,
        purpose: &str,
        wave: &str,
        field_start: &str,
        field_end: &str,
        anonymous: bool,
    ) -> Result<SurveyInput, &'static str> {
        use unicode_normalization::UnicodeNormalization;
        let title: String = title.trim().nfc().collect();
        if title.is_empty() || title.chars().count() > 300 {
            return Err("surveys-error-title");
        }
        let purpose = Purpose::parse(purpose).ok_or("surveys-error-purpose")?;
        let wave = match wave.trim() {
            "" => 1,
            w => w
                .parse::<i64>()
                .ok()
                .filter(|w| (1..=1000).contains(w))
                .ok_or("surveys-error-wave")?,
        };
        let field_start = parse_date(field_start)?;
        let field_end = parse_date(field_end)?;
        if let (Some(a), Some(b)) = (field_start, field_end)
            && b < a
        {
            return Err("surveys-error-period");
        }
        Ok(SurveyInput {
            title,
            purpose,
            wave,
            field_start,
            field_end,
            anonymous,
        })
    }
}

pub use crate::kit::secret::{hash_secret, new_secret};

/// Digest of a stored record, to tell a retry (same content) from a replay (other content).
pub fn digest_record(json: &str) -> String {
    hash_secret(json)
}

stored_keys! {
    /// Whether a response is finished.
    pub enum ResponseStatus: "response status" {
        /// Started, not finished (kept as partial).
        Partial = "partial",
        /// Every relevant required question answered and valid.
        Complete = "complete",
    }
}

impl ResponseStatus {
    /// Complete when `complete`, else partial.
    pub fn of(complete: bool) -> ResponseStatus {
        if complete {
            ResponseStatus::Complete
        } else {
            ResponseStatus::Partial
        }
    }

    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("surveys-status-{}", self.key())
    }
}

/// Sets the answer of question `name` in the repeat `instance` (indices of its enclosing
/// repeats, outermost first), creating missing repeat instances. Unknown names are ignored.
pub fn set_answer(
    record: &mut Record,
    form: &CheckedForm,
    name: &str,
    instance: &[u32],
    value: String,
) {
    let Some(&id) = form.by_name.get(name) else {
        return;
    };
    let repeats = &form.nodes[id as usize].repeats;
    if repeats.len() != instance.len() {
        return;
    }
    let mut current = record;
    for (r, &i) in repeats.iter().zip(instance) {
        let rname = form.nodes[*r as usize].name.clone();
        let entry = current
            .entry(rname)
            .or_insert_with(|| Answer::Repeat(Vec::new()));
        if !matches!(entry, Answer::Repeat(_)) {
            *entry = Answer::Repeat(Vec::new());
        }
        let Answer::Repeat(instances) = entry else {
            return;
        };
        let i = i as usize;
        if i > 200 {
            return;
        }
        while instances.len() <= i {
            instances.push(Record::new());
        }
        current = &mut instances[i];
    }
    current.insert(name.to_string(), Answer::Value(value));
}

/// Adds one empty instance to the repeat `name` at the top level of `record`.
pub fn add_repeat_instance(record: &mut Record, name: &str) {
    let entry = record
        .entry(name.to_string())
        .or_insert_with(|| Answer::Repeat(Vec::new()));
    if let Answer::Repeat(v) = entry
        && v.len() < 200
    {
        v.push(Record::new());
    }
}

/// Field name of a question instance in a posted page: `a.NAME` or `a.NAME.0.2`.
pub fn field_name(name: &str, instance: &[u32]) -> String {
    let mut s = format!("a.{name}");
    for i in instance {
        s.push('.');
        s.push_str(&i.to_string());
    }
    s
}

/// Parses a field name made by [`field_name`].
pub fn parse_field_name(field: &str) -> Option<(&str, Vec<u32>)> {
    let rest = field.strip_prefix("a.")?;
    let mut parts = rest.split('.');
    let name = parts.next()?;
    let instance = parts
        .map(|p| p.parse::<u32>().ok())
        .collect::<Option<Vec<_>>>()?;
    Some((name, instance))
}

/// A submission body of the JSON API: the client's id, the answers, whether it is final.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    /// Client-generated UUID: a retry with the same id never duplicates.
    pub id: String,
    /// The answers (a forms-engine record).
    pub answers: Record,
    /// True when the respondent finished (then every required answer must be there).
    #[serde(default = "yes")]
    pub complete: bool,
}

fn yes() -> bool {
    true
}

/// Largest accepted submission body, in bytes.
pub const MAX_SUBMISSION_BYTES: usize = 256 * 1024;

/// Why a submission is refused (a message key).
pub fn parse_submission(body: &[u8]) -> Result<Submission, &'static str> {
    if body.len() > MAX_SUBMISSION_BYTES {
        return Err("surveys-submit-too-large");
    }
    let sub: Submission = serde_json::from_slice(body).map_err(|_| "surveys-submit-malformed")?;
    let id = uuid::Uuid::parse_str(&sub.id).map_err(|_| "surveys-submit-bad-id")?;
    if id.is_nil() {
        return Err("surveys-submit-bad-id");
    }
    Ok(Submission {
        id: id.hyphenated().to_string(),
        ..sub
    })
}

/// Variable names of a form as columns (questions with a value: not notes), outside repeats,
/// and the repeats with their own columns.
pub fn columns(form: &CheckedForm) -> (Vec<u32>, Vec<(u32, Vec<u32>)>) {
    use duluan_forms::QuestionType;
    use duluan_forms::check::NodeKind;
    let mut top = Vec::new();
    let mut repeats: Vec<(u32, Vec<u32>)> = Vec::new();
    for (i, n) in form.nodes.iter().enumerate() {
        let i = i as u32;
        match &n.kind {
            NodeKind::Repeat => repeats.push((i, Vec::new())),
            NodeKind::Question(t) if !matches!(t, QuestionType::Note) => match n.repeats.last() {
                None => top.push(i),
                Some(r) => {
                    if let Some(entry) = repeats.iter_mut().find(|(id, _)| id == r) {
                        entry.1.push(i);
                    }
                }
            },
            _ => {}
        }
    }
    (top, repeats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kit::keys::assert_keys;

    #[test]
    fn survey_input_is_checked() {
        let ok = SurveyInput::parse(
            " Khảo sát ",
            "before",
            "2",
            "2026-01-01",
            "2026-02-01",
            true,
        )
        .unwrap();
        assert_eq!(ok.title, "Khảo sát");
        assert_eq!(ok.wave, 2);
        assert_eq!(
            SurveyInput::parse("", "before", "", "", "", false),
            Err("surveys-error-title")
        );
        assert_eq!(
            SurveyInput::parse("x", "soon", "", "", "", false),
            Err("surveys-error-purpose")
        );
        assert_eq!(
            SurveyInput::parse("x", "after", "0", "", "", false),
            Err("surveys-error-wave")
        );
        assert_eq!(
            SurveyInput::parse("x", "after", "", "2026-02-01", "2026-01-01", false),
            Err("surveys-error-period")
        );
    }

    #[test]
    fn submissions_are_parsed_strictly() {
        let ok = parse_submission(
            br#"{"id":"0190b5c6-3a52-7d4e-9b1a-1234567890ab","answers":{"q":"1"}}"#,
        )
        .unwrap();
        assert!(ok.complete);
        assert_eq!(
            parse_submission(br#"{"id":"x","answers":{}}"#).unwrap_err(),
            "surveys-submit-bad-id"
        );
        assert_eq!(
            parse_submission(b"{").unwrap_err(),
            "surveys-submit-malformed"
        );
        let big = vec![b' '; MAX_SUBMISSION_BYTES + 1];
        assert_eq!(
            parse_submission(&big).unwrap_err(),
            "surveys-submit-too-large"
        );
    }

    #[test]
    fn field_names_round_trip() {
        assert_eq!(field_name("age", &[1, 0]), "a.age.1.0");
        assert_eq!(parse_field_name("a.age.1.0"), Some(("age", vec![1, 0])));
        assert_eq!(parse_field_name("a.age"), Some(("age", vec![])));
        assert_eq!(parse_field_name("csrf"), None);
    }

    #[test]
    fn dispositions_have_aapor_codes() {
        assert_keys(&Disposition::ALL, Disposition::key);
        assert_eq!(Disposition::Complete.key(), "1.1");
        assert_eq!(Disposition::parse("3.19"), Some(Disposition::NotReturned));
    }

    #[test]
    fn stored_keys_read_into_enums_and_unknown_ones_are_errors() {
        assert_keys(&Purpose::ALL, Purpose::key);
        assert_keys(&CollectionMode::ALL, CollectionMode::key);
        assert_keys(&SurveyStatus::ALL, SurveyStatus::key);
        assert_keys(&ResponseStatus::ALL, ResponseStatus::key);
        // What older code read as "closed" is now an error at the store.
        assert!(SurveyStatus::try_from("archived".to_string()).is_err());
    }
}
