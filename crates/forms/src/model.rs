//! The questionnaire model: a [`Form`] the app stores as JSON.
//!
//! A form is a tree of [`Item`]s (questions, groups, repeats) and a set of [`ChoiceList`]s.
//! Texts ([`Text`]) are maps from a language name as written in XLSForm column headers
//! (`"Tiếng Việt (vi)"`, `"English (en)"`, or `""` for a column without a language) to the text.
//! Expressions are kept as written (XLSForm syntax, `${name}` references); [`crate::check_form`]
//! parses and checks them. Every field maps to one XLSForm column, so a form survives
//! export and import unchanged.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A text in several languages. Key: the language as in XLSForm (`"Tiếng Việt (vi)"`), `""`
/// for text without a language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<String, String>);

impl Text {
    /// A text without a language.
    pub fn plain(s: &str) -> Text {
        let mut m = BTreeMap::new();
        m.insert(String::new(), s.to_string());
        Text(m)
    }

    /// Adds a translation.
    pub fn with(mut self, language: &str, s: &str) -> Text {
        self.0.insert(language.to_string(), s.to_string());
        self
    }

    /// True when there is no text in any language.
    pub fn is_empty(&self) -> bool {
        self.0.values().all(|s| s.is_empty())
    }

    /// The text in `language` (a full name or just its code, e.g. `vi`), else in `fallback`,
    /// else without language, else any.
    pub fn get(&self, language: &str, fallback: Option<&str>) -> Option<&str> {
        let find = |lang: &str| {
            self.0
                .iter()
                .find(|(k, v)| !v.is_empty() && language_matches(k, lang))
                .map(|(_, v)| v.as_str())
        };
        find(language)
            .or_else(|| fallback.and_then(find))
            .or_else(|| self.0.get("").filter(|s| !s.is_empty()).map(String::as_str))
            .or_else(|| self.0.values().find(|s| !s.is_empty()).map(String::as_str))
    }
}

/// The language code of an XLSForm language name: `"Tiếng Việt (vi)"` → `Some("vi")`.
pub fn language_code(name: &str) -> Option<&str> {
    let name = name.trim_end();
    let open = name.rfind('(')?;
    name.strip_suffix(')')
        .map(|s| &s[open + 1..])
        .filter(|c| !c.is_empty())
}

/// True when the XLSForm language name `name` is `wanted` or has the code `wanted`.
pub fn language_matches(name: &str, wanted: &str) -> bool {
    name == wanted || language_code(name) == Some(wanted)
}

/// Question types. In JSON and XLSForm they are written as XLSForm's `type` cell:
/// `"integer"`, `"select_one yes_no"`, …
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
#[derive(Default)]
pub enum QuestionType {
    /// Free text.
    #[default]
    Text,
    /// Whole number.
    Integer,
    /// Decimal number.
    Decimal,
    /// One choice from a list (with appearance `likert` it is a Likert scale).
    SelectOne(String),
    /// Several choices from a list, stored space-separated.
    SelectMultiple(String),
    /// Order the choices of a list, stored space-separated from first to last.
    Rank(String),
    /// One choice from the rows of a form media file (`select_one_from_file villages.csv`):
    /// CSV, XML or GeoJSON attached to the version; `parameters` `value=`/`label=` name the
    /// columns (defaults `name`, `label`).
    SelectOneFromFile(String),
    /// Several choices from the rows of a form media file, stored space-separated.
    SelectMultipleFromFile(String),
    /// A number on a scale (`parameters`: `start=1 end=5 step=1`; appearance `rating` for stars).
    Range,
    /// A date `YYYY-MM-DD`.
    Date,
    /// A time `HH:MM[:SS]`.
    Time,
    /// A date and time.
    DateTime,
    /// A text shown, nothing asked.
    Note,
    /// A value computed from `calculation`, not shown.
    Calculate,
    /// A value set by the app (or a default), not shown.
    Hidden,
    /// A statement the respondent acknowledges (value `OK`).
    Acknowledge,
    /// A location as ODK writes it: `lat lon alt acc` (altitude and accuracy optional).
    Geopoint,
    /// A line: at least 2 points `lat lon alt acc`, separated by `;`.
    Geotrace,
    /// A polygon: at least 4 points separated by `;`, the first equal to the last.
    Geoshape,
    /// A photo; the value is the attachment's file name.
    Image,
    /// A sound recording; the value is the attachment's file name.
    Audio,
    /// A video; the value is the attachment's file name.
    Video,
    /// Any file; the value is the attachment's file name.
    File,
    /// A barcode or QR code, scanned (the value is its text).
    Barcode,
    /// Metadata: when the form was opened (filled by the client, never shown).
    Start,
    /// Metadata: when the form was finalised.
    End,
    /// Metadata: the day the form was opened.
    Today,
    /// Metadata: the device's identifier.
    DeviceId,
    /// Metadata: the user name set on the device.
    Username,
    /// Metadata: the audit log of the form (a file `audit.csv`); `parameters` as ODK's
    /// (`location-priority=… location-min-interval=… location-max-age=… track-changes=…`).
    Audit,
    /// Metadata: the device's phone number. Published as pyxform does; the value is never kept
    /// (it identifies a phone, not an opinion): reading an instance drops it.
    PhoneNumber,
    /// Metadata: the SIM card's serial number; never kept, as [`QuestionType::PhoneNumber`].
    SimSerial,
    /// Metadata: the subscriber id (IMSI); never kept, as [`QuestionType::PhoneNumber`].
    SubscriberId,
    /// Metadata: the e-mail address set on the device; never kept, as
    /// [`QuestionType::PhoneNumber`].
    Email,
    /// Metadata: the location where the form was first opened, taken by the device; kept as a
    /// geopoint.
    StartGeopoint,
    /// Metadata: a recording of the whole interview in the background. Imported, but not
    /// published: duluan does not record interviews, so its XForm leaves out the recording action
    /// and the value stays empty.
    BackgroundAudio,
}

impl QuestionType {
    /// The choice list a select, rank uses.
    pub fn list(&self) -> Option<&str> {
        match self {
            QuestionType::SelectOne(l)
            | QuestionType::SelectMultiple(l)
            | QuestionType::Rank(l) => Some(l),
            _ => None,
        }
    }

    /// The form media file a select takes its choices from.
    pub fn file(&self) -> Option<&str> {
        match self {
            QuestionType::SelectOneFromFile(f) | QuestionType::SelectMultipleFromFile(f) => Some(f),
            _ => None,
        }
    }

    /// True for a select of one choice (from a list or a file).
    pub fn is_select_one(&self) -> bool {
        matches!(
            self,
            QuestionType::SelectOne(_) | QuestionType::SelectOneFromFile(_)
        )
    }

    /// True for a select of several choices (from a list or a file).
    pub fn is_select_multiple(&self) -> bool {
        matches!(
            self,
            QuestionType::SelectMultiple(_) | QuestionType::SelectMultipleFromFile(_)
        )
    }

    /// True for types the respondent sees and answers.
    pub fn is_input(&self) -> bool {
        !matches!(
            self,
            QuestionType::Note | QuestionType::Calculate | QuestionType::Hidden
        ) && !self.is_metadata()
    }

    /// True for types shown on a page (inputs and notes).
    pub fn is_shown(&self) -> bool {
        !matches!(self, QuestionType::Calculate | QuestionType::Hidden) && !self.is_metadata()
    }

    /// True for types whose value is an attachment's file name: image, audio, video, file and
    /// the audit log.
    pub fn is_media(&self) -> bool {
        matches!(
            self,
            QuestionType::Image
                | QuestionType::Audio
                | QuestionType::Video
                | QuestionType::File
                | QuestionType::Audit
        )
    }

    /// True for metadata the client fills and never shows: start, end, today, deviceid,
    /// username, audit, the device properties never kept, start-geopoint, background-audio.
    pub fn is_metadata(&self) -> bool {
        matches!(
            self,
            QuestionType::Start
                | QuestionType::End
                | QuestionType::Today
                | QuestionType::DeviceId
                | QuestionType::Username
                | QuestionType::Audit
                | QuestionType::StartGeopoint
                | QuestionType::BackgroundAudio
        ) || self.is_never_kept()
    }

    /// True for metadata whose value duluan never keeps: the device's phone number, SIM serial,
    /// subscriber id and e-mail address (they identify a phone or a person, not an opinion), and
    /// the background recording of an interview. Reading an instance drops their values.
    pub fn is_never_kept(&self) -> bool {
        matches!(
            self,
            QuestionType::PhoneNumber
                | QuestionType::SimSerial
                | QuestionType::SubscriberId
                | QuestionType::Email
                | QuestionType::BackgroundAudio
        )
    }

    /// True for the geo types (geopoint, geotrace, geoshape).
    pub fn is_geo(&self) -> bool {
        matches!(
            self,
            QuestionType::Geopoint | QuestionType::Geotrace | QuestionType::Geoshape
        )
    }

    /// Parses an XLSForm type with pyxform's aliases (`select one x`, `select_multiple x`,
    /// `select all that apply x`, `int`, `string`, `trigger`, `dateTime`, …). Group and repeat
    /// markers are not question types.
    pub fn parse(s: &str) -> Option<QuestionType> {
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = s.to_lowercase();
        let with_list = |prefixes: &[&str]| {
            prefixes.iter().find_map(|p| {
                lower
                    .strip_prefix(p)
                    .and_then(|rest| rest.strip_prefix(' '))
                    .map(|_| s[p.len() + 1..].to_string())
            })
        };
        if let Some(f) = with_list(&["select_one_from_file", "select one from file"]) {
            return Some(QuestionType::SelectOneFromFile(f));
        }
        if let Some(f) = with_list(&["select_multiple_from_file", "select multiple from file"]) {
            return Some(QuestionType::SelectMultipleFromFile(f));
        }
        if let Some(l) = with_list(&["select_one", "select one", "select1"]) {
            return Some(QuestionType::SelectOne(l));
        }
        if let Some(l) = with_list(&[
            "select_multiple",
            "select multiple",
            "select all that apply",
        ]) {
            return Some(QuestionType::SelectMultiple(l));
        }
        if let Some(l) = with_list(&["rank"]) {
            return Some(QuestionType::Rank(l));
        }
        Some(match lower.as_str() {
            "text" | "string" => QuestionType::Text,
            "integer" | "int" => QuestionType::Integer,
            "decimal" => QuestionType::Decimal,
            "range" => QuestionType::Range,
            "date" => QuestionType::Date,
            "time" => QuestionType::Time,
            "datetime" => QuestionType::DateTime,
            "note" => QuestionType::Note,
            "calculate" => QuestionType::Calculate,
            "hidden" => QuestionType::Hidden,
            "acknowledge" | "trigger" => QuestionType::Acknowledge,
            "geopoint"
            | "gps"
            | "location"
            | "q geopoint"
            | "q location"
            | "add location prompt" => QuestionType::Geopoint,
            "geotrace" | "q geotrace" => QuestionType::Geotrace,
            "geoshape" | "q geoshape" => QuestionType::Geoshape,
            "image" | "photo" | "q image" | "q picture" | "add image prompt" => QuestionType::Image,
            "audio" | "q audio" | "add audio prompt" => QuestionType::Audio,
            "video" | "q video" | "add video prompt" => QuestionType::Video,
            "file" | "add file prompt" => QuestionType::File,
            "barcode" | "q barcode" | "add barcode prompt" => QuestionType::Barcode,
            "start" | "start time" | "get start time" => QuestionType::Start,
            "end" | "end time" | "get end time" => QuestionType::End,
            "today" | "get today" => QuestionType::Today,
            "deviceid" | "device id" | "get device id" | "imei" | "uri:deviceid" => {
                QuestionType::DeviceId
            }
            "username" | "uri:username" => QuestionType::Username,
            "audit" => QuestionType::Audit,
            "phonenumber" | "phone number" | "get phone number" | "uri:phonenumber" => {
                QuestionType::PhoneNumber
            }
            "simserial" | "sim id" | "get sim id" | "uri:simserial" => QuestionType::SimSerial,
            "subscriberid" | "subscriber id" | "get subscriber id" | "uri:subscriberid" => {
                QuestionType::SubscriberId
            }
            "email" | "uri:email" => QuestionType::Email,
            "start-geopoint" => QuestionType::StartGeopoint,
            "background-audio" => QuestionType::BackgroundAudio,
            _ => return None,
        })
    }
}

impl fmt::Display for QuestionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuestionType::Text => f.write_str("text"),
            QuestionType::Integer => f.write_str("integer"),
            QuestionType::Decimal => f.write_str("decimal"),
            QuestionType::SelectOne(l) => write!(f, "select_one {l}"),
            QuestionType::SelectMultiple(l) => write!(f, "select_multiple {l}"),
            QuestionType::Rank(l) => write!(f, "rank {l}"),
            QuestionType::SelectOneFromFile(l) => write!(f, "select_one_from_file {l}"),
            QuestionType::SelectMultipleFromFile(l) => write!(f, "select_multiple_from_file {l}"),
            QuestionType::Range => f.write_str("range"),
            QuestionType::Date => f.write_str("date"),
            QuestionType::Time => f.write_str("time"),
            QuestionType::DateTime => f.write_str("dateTime"),
            QuestionType::Note => f.write_str("note"),
            QuestionType::Calculate => f.write_str("calculate"),
            QuestionType::Hidden => f.write_str("hidden"),
            QuestionType::Acknowledge => f.write_str("acknowledge"),
            QuestionType::Geopoint => f.write_str("geopoint"),
            QuestionType::Geotrace => f.write_str("geotrace"),
            QuestionType::Geoshape => f.write_str("geoshape"),
            QuestionType::Image => f.write_str("image"),
            QuestionType::Audio => f.write_str("audio"),
            QuestionType::Video => f.write_str("video"),
            QuestionType::File => f.write_str("file"),
            QuestionType::Barcode => f.write_str("barcode"),
            QuestionType::Start => f.write_str("start"),
            QuestionType::End => f.write_str("end"),
            QuestionType::Today => f.write_str("today"),
            QuestionType::DeviceId => f.write_str("deviceid"),
            QuestionType::Username => f.write_str("username"),
            QuestionType::Audit => f.write_str("audit"),
            QuestionType::PhoneNumber => f.write_str("phonenumber"),
            QuestionType::SimSerial => f.write_str("simserial"),
            QuestionType::SubscriberId => f.write_str("subscriberid"),
            QuestionType::Email => f.write_str("email"),
            QuestionType::StartGeopoint => f.write_str("start-geopoint"),
            QuestionType::BackgroundAudio => f.write_str("background-audio"),
        }
    }
}

impl From<QuestionType> for String {
    fn from(t: QuestionType) -> String {
        t.to_string()
    }
}

impl TryFrom<String> for QuestionType {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        QuestionType::parse(&s).ok_or_else(|| format!("unknown question type `{s}`"))
    }
}

/// A question (or note, calculate, hidden field).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Question {
    /// Variable name, unique in the form and stable across versions.
    pub name: String,
    /// The type.
    #[serde(rename = "type")]
    pub kind: QuestionType,
    /// Wording for self-completion (web, email, paper).
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub label: Text,
    /// Wording read by an interviewer (telephone); falls back to `label`.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub interviewer_label: Text,
    /// Help text.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub hint: Text,
    /// Guidance for interviewers (XLSForm `guidance_hint`), shown in interviewer mode.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub guidance_hint: Text,
    /// `yes`, `no` or an expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<String>,
    /// Message when a required question is unanswered.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub required_message: Text,
    /// Expression that must be true for a non-empty answer; `.` is the answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    /// Message when the constraint fails.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub constraint_message: Text,
    /// Expression: is the question asked?
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Expression computing the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calculation: Option<String>,
    /// Initial value: a literal, or an expression when it contains `${` or `(`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// `yes`, `no` or an expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<String>,
    /// Expression over choice columns keeping the choices offered (cascading selects).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice_filter: Option<String>,
    /// Display hints (`likert`, `minimal`, `rating`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// Type parameters (`start=1 end=5 step=1` for range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<String>,
}

/// A group of items, or a repeat (a group answered several times, e.g. one per household member).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Group {
    /// Name, unique in the form.
    pub name: String,
    /// True for a repeat.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub repeat: bool,
    /// Title for self-completion.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub label: Text,
    /// Title read by an interviewer.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub interviewer_label: Text,
    /// Expression: are the group's items asked? A non-relevant group hides all it contains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// `field-list` puts the group on one page; `table-list` makes a matrix of its selects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appearance: Option<String>,
    /// For repeats: expression for the number of instances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_count: Option<String>,
    /// The items inside.
    pub items: Vec<Item>,
}

/// An item of a form body.
// Questions are the common case: boxing them would only add indirection to the stored model.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Item {
    /// A question.
    Question(Question),
    /// A group or a repeat.
    Group(Group),
}

impl Item {
    /// The item's name.
    pub fn name(&self) -> &str {
        match self {
            Item::Question(q) => &q.name,
            Item::Group(g) => &g.name,
        }
    }
}

/// One choice of a list.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Choice {
    /// The value stored.
    pub name: String,
    /// The label shown.
    #[serde(skip_serializing_if = "Text::is_empty")]
    pub label: Text,
    /// Other columns (used by choice filters, e.g. `province`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, String>,
}

/// A named list of choices.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChoiceList {
    /// The list name used in `select_one NAME`.
    pub name: String,
    /// The choices, in order.
    pub choices: Vec<Choice>,
}

/// A questionnaire.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Form {
    /// Form id (XLSForm `form_id`), stable across versions.
    pub id: String,
    /// Version (XLSForm `version`); a published version never changes.
    pub version: String,
    /// Title (XLSForm `form_title`).
    pub title: String,
    /// Language used when a text lacks the requested one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_language: Option<String>,
    /// Expression naming each record (XLSForm `instance_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_name: Option<String>,
    /// The RSA public key devices encrypt submissions with (XLSForm `public_key`, ODK's
    /// `base64RsaPublicKey`): base64 of a DER SubjectPublicKeyInfo, checked at import
    /// ([`crate::public_key::check_public_key`]). A form with a key is collected only offline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    /// True once published: then the form is immutable and changes need a new version.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub published: bool,
    /// The body.
    pub items: Vec<Item>,
    /// Choice lists.
    pub choices: Vec<ChoiceList>,
}

impl Form {
    /// Reads a form from its JSON.
    pub fn from_json(json: &str) -> Result<Form, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The form as pretty JSON (stable key order).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Every language used by any text, sorted (`""` included when some text has none).
    pub fn languages(&self) -> Vec<String> {
        let mut langs = std::collections::BTreeSet::new();
        let mut add = |t: &Text| {
            for (k, v) in &t.0 {
                if !v.is_empty() {
                    langs.insert(k.clone());
                }
            }
        };
        fn walk(items: &[Item], add: &mut dyn FnMut(&Text)) {
            for it in items {
                match it {
                    Item::Question(q) => {
                        for t in [
                            &q.label,
                            &q.interviewer_label,
                            &q.hint,
                            &q.guidance_hint,
                            &q.required_message,
                            &q.constraint_message,
                        ] {
                            add(t);
                        }
                    }
                    Item::Group(g) => {
                        add(&g.label);
                        add(&g.interviewer_label);
                        walk(&g.items, add);
                    }
                }
            }
        }
        walk(&self.items, &mut add);
        for l in &self.choices {
            for c in &l.choices {
                add(&c.label);
            }
        }
        langs.into_iter().collect()
    }

    /// Every question in document order (inside groups and repeats too).
    pub fn questions(&self) -> Vec<&Question> {
        fn walk<'a>(items: &'a [Item], out: &mut Vec<&'a Question>) {
            for it in items {
                match it {
                    Item::Question(q) => out.push(q),
                    Item::Group(g) => walk(&g.items, out),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.items, &mut out);
        out
    }

    /// The choice list called `name`.
    pub fn list(&self, name: &str) -> Option<&ChoiceList> {
        self.choices.iter().find(|l| l.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse_with_aliases() {
        let cases: &[(&str, QuestionType)] = &[
            ("select_one yn", QuestionType::SelectOne("yn".into())),
            ("select one  yn", QuestionType::SelectOne("yn".into())),
            ("Select_One yn", QuestionType::SelectOne("yn".into())),
            (
                "select all that apply fruits",
                QuestionType::SelectMultiple("fruits".into()),
            ),
            (
                "select multiple fruits",
                QuestionType::SelectMultiple("fruits".into()),
            ),
            ("rank prio", QuestionType::Rank("prio".into())),
            (
                "select_one_from_file villages.csv",
                QuestionType::SelectOneFromFile("villages.csv".into()),
            ),
            (
                "select multiple from file crops.xml",
                QuestionType::SelectMultipleFromFile("crops.xml".into()),
            ),
            ("int", QuestionType::Integer),
            ("string", QuestionType::Text),
            ("trigger", QuestionType::Acknowledge),
            ("dateTime", QuestionType::DateTime),
            ("range", QuestionType::Range),
        ];
        for (s, t) in cases {
            assert_eq!(QuestionType::parse(s).as_ref(), Some(t), "{s}");
            assert_eq!(QuestionType::parse(&t.to_string()).as_ref(), Some(t));
        }
        for s in ["", "geopointx", "select_one", "begin group", "integer x"] {
            assert_eq!(QuestionType::parse(s), None, "{s}");
        }
    }

    #[test]
    fn texts_pick_a_language() {
        let t = Text::default()
            .with("Tiếng Việt (vi)", "Tuổi")
            .with("English (en)", "Age");
        assert_eq!(t.get("vi", None), Some("Tuổi"));
        assert_eq!(t.get("English (en)", None), Some("Age"));
        assert_eq!(t.get("fr", Some("en")), Some("Age"));
        assert_eq!(language_code("Tiếng Việt (vi)"), Some("vi"));
        assert_eq!(language_code("English"), None);
    }
}
