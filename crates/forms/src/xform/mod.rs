//! XForms (ODK/OpenRosa): a checked form written as the XForm ODK Collect and Enketo read, and
//! the instances they submit read back into a [`Record`].
//!
//! [`to_xform`] writes what pyxform 4.x writes from duluan's XLSForm export of the same form
//! (checked bind by bind and text by text by `ci/xform-check.sh`): the title, a model with the
//! primary instance, one secondary instance per choice list (`instance('list')/root/item`),
//! `itext` translations (labels, hints, `guidance_hint` as `form="guidance"`, choice labels,
//! constraint and required messages; text without a language belongs to the form's default
//! language when it names one, else to a translation called `default`), binds with absolute paths (`${name}` becomes the node's path, or the relative
//! `../name` pyxform writes between nodes of the same repeat), defaults (literal in the
//! instance, dynamic through `setvalue`), and the body controls (`input`, `select1`, `select`,
//! `odk:rank`, `range`, `trigger`, `upload` with its `mediatype`, groups, repeats with
//! `jr:count`). Geo questions have their bind types (`geopoint`, `geotrace`, `geoshape`),
//! media `binary`, `barcode` its own; metadata (`start`, `end`, `today`, `deviceid`,
//! `username`) is a bind with pyxform's `jr:preload`/`jr:preloadParams` and no control; the
//! audit log is `meta/audit` with its `odk:` parameters. Media answers and `meta/audit` read
//! back into [`Instance::files`]. pyxform's shapes are kept
//! where it adds nodes of its own: a `table-list` group gets a label note and a header select
//! (`generated_table_list_label_ROW`, `reserved_name_for_field_list_labels_ROW`, ROW being the
//! row of duluan's XLSForm export), and a repeat count that is not a plain `${name}` gets a
//! calculate `REPEAT_count`.
//!
//! Deliberate differences from pyxform: the primary instance's root element is the form id when
//! it is a valid XML name (pyxform writes `data`); a text missing in one language takes the text
//! duluan's engine would show (the form's default language, then any) where pyxform writes `-`.
//!
//! Wording: [`to_xform`] writes the self-completion wording (`label`), as pyxform does from
//! duluan's XLSForm (it ignores `interviewer_label`). [`to_xform_in_mode`] with
//! [`Mode::Interviewer`] writes the interviewer wording instead, falling back to `label`, exactly
//! as the response engine chooses it: the XForm then says what an interviewer holding ODK
//! Collect reads out. ODK has no text form for a second wording of a label (its forms are media,
//! `guidance` for hints and `short`/`long`), so one XForm carries one wording.
//!
//! With a case list ([`XFormSettings::case_list`]), the XForm declares the CSV media file as
//! the secondary instance `cases` and asks first, required, which case the interview is for
//! (the control [`CASE_FIELD`], values from the file's `name` column, labels from `label`).
//!
//! [`read_instance`] reads a submitted instance against the form, bounded before and while it
//! parses (size, elements, depth, no DTD); [`write_instance`] writes one (a scripted device for
//! tests, and the shape [`read_instance`] accepts).
//!
//! ```
//! use duluan_forms::xform::{XFormSettings, read_instance, to_xform, write_instance};
//! use duluan_forms::{Answer, Form, Record, check_form};
//!
//! let form = Form::from_json(r#"{"id": "demo", "version": "1", "title": "Demo", "items": [
//!   {"kind": "question", "name": "age", "type": "integer", "label": {"": "Age"},
//!    "required": "yes"}]}"#).unwrap();
//! let checked = check_form(&form).unwrap();
//! let settings = XFormSettings {
//!     form_id: "demo".into(), version: "1".into(), title: "Demo".into(), case_list: None,
//! };
//! let xml = to_xform(&checked, &settings);
//! assert!(xml.contains(r#"<bind nodeset="/demo/age" type="int" required="true()"/>"#));
//! assert!(xml.contains(r#"<input ref="/demo/age"><label>Age</label></input>"#));
//!
//! let mut record = Record::new();
//! record.insert("age".into(), Answer::Value("34".into()));
//! let sent = write_instance(&checked, &record, "uuid:6f1c");
//! let instance = read_instance(&checked, sent.as_bytes()).unwrap();
//! assert_eq!((instance.record, instance.instance_id.as_str()), (record, "uuid:6f1c"));
//! ```

mod body;
mod instance;
mod paths;
mod write;
mod xml;

use crate::engine::Record;
use crate::model::Text;

pub use instance::{MAX_DEPTH, MAX_ELEMENTS, MAX_INSTANCE_BYTES, read_instance, read_instance_for};
pub use instance::{write_instance, write_instance_from};
pub use paths::root_name;
pub use write::{to_xform, to_xform_in_mode};

pub use crate::engine::Mode;

/// Name of the control that chooses the fieldwork case when the server offers a case list.
pub const CASE_FIELD: &str = "duluan_case";

/// Id of the secondary instance holding the case list.
pub const CASE_INSTANCE: &str = "cases";

/// A list of cases sent with the form as a CSV media file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseList {
    /// The media file name, e.g. `cases.csv`; its columns are `name` (the value stored in
    /// [`CASE_FIELD`]) and `label` (what the interviewer sees).
    pub file: String,
    /// The question asking which case the interview is for.
    pub label: Text,
}

/// What the server decides about the XForm it serves.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct XFormSettings {
    /// The form id (`id` attribute of the primary instance, as ODK Collect reports it).
    pub form_id: String,
    /// The version (`version` attribute); a new version makes Collect download the form again.
    pub version: String,
    /// The title (`h:title`).
    pub title: String,
    /// The case list, when the interview is for one case of a fieldwork sample.
    pub case_list: Option<CaseList>,
}

/// A submitted instance, read against its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// The `id` attribute of the instance's root element.
    pub form_id: String,
    /// The `version` attribute, when present.
    pub version: Option<String>,
    /// `meta/instanceID` as sent, e.g. `uuid:…`.
    pub instance_id: String,
    /// `meta/deprecatedID`: the instance this one edits.
    pub deprecated_id: Option<String>,
    /// The value of [`CASE_FIELD`] when present.
    pub case: Option<String>,
    /// Answers keyed by question name, repeats as `Answer::Repeat`; empty elements are absent.
    pub record: Record,
    /// Attachment file names referenced by the instance: the answers of image, audio, video and
    /// file questions and `meta/audit`, in document order (each a plain file name: letters,
    /// digits, `.`, `-`, `_`; anything else is refused).
    pub files: Vec<String>,
}

/// Why an instance was refused: a message in English and in Vietnamese, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceError {
    /// English message.
    pub message_en: String,
    /// Vietnamese message (NFC).
    pub message_vi: String,
    /// The element concerned, as a path from the root (`/household/member[2]/age`).
    pub path: Option<String>,
}

impl InstanceError {
    pub(crate) fn new(en: impl Into<String>, vi: impl Into<String>) -> InstanceError {
        InstanceError {
            message_en: en.into(),
            message_vi: vi.into(),
            path: None,
        }
    }

    pub(crate) fn at(mut self, path: impl Into<String>) -> InstanceError {
        self.path = Some(path.into());
        self
    }

    /// The message in `lang`, with its path.
    pub fn render(&self, lang: crate::diag::Lang) -> String {
        let msg = match lang {
            crate::diag::Lang::Vi => &self.message_vi,
            crate::diag::Lang::En => &self.message_en,
        };
        match &self.path {
            Some(p) => format!("{p}: {msg}"),
            None => msg.clone(),
        }
    }
}

impl std::fmt::Display for InstanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(crate::diag::Lang::En))
    }
}

impl std::error::Error for InstanceError {}
