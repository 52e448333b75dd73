//! # duluan-forms: the questionnaire engine
//!
//! A pure engine (no IO) for questionnaires as survey designers in Việt Nam already write them
//! for ODK and KoboToolbox:
//!
//! - [`Form`]: the questionnaire model (groups, repeats, every question type, choice lists with
//!   filters, texts in several languages, wording per mode, versions), stored as JSON.
//! - [`parse_expression`], [`check_form`], [`evaluate`]: the XLSForm/ODK expression language,
//!   its checker (unknown names, arity, types, cycles) and its evaluator with ODK semantics.
//! - [`Engine`]: the response engine shared by web, email, telephone and paper entry: given the
//!   answers so far, which questions are relevant, required and valid, computed values, pages
//!   and the record to store.
//! - [`xlsform`]: XLSForm import and export (`.xlsx`), every error at once with its place.
//! - [`media`]: form media files (CSV, XML, GeoJSON) read as tables for selects from a file
//!   and `pulldata()`, bounded; the engine takes them parsed ([`Engine::with_media`]).
//! - [`version`]: rules for publishing and for new versions that keep waves comparable.
//! - [`xform`]: the XForm (ODK/OpenRosa) of a checked form, as pyxform writes it, for ODK
//!   Collect and Enketo, and the instances they submit read back into a [`Record`].
//!
//! ```
//! use duluan_forms::{check_form, Answer, DateTime, Engine, Form, Mode, Options, Record};
//!
//! let json = r#"{
//!   "id": "demo", "version": "1", "title": "Demo",
//!   "items": [
//!     {"kind": "question", "name": "age", "type": "integer",
//!      "label": {"Tiếng Việt (vi)": "Tuổi", "English (en)": "Age"},
//!      "required": "yes", "constraint": ". >= 15 and . < 120",
//!      "constraint_message": {"Tiếng Việt (vi)": "Từ 15 tuổi trở lên", "English (en)": "15 or older"}},
//!     {"kind": "question", "name": "voter", "type": "select_one yn",
//!      "label": {"Tiếng Việt (vi)": "Ông/bà đã đi bầu cử chưa?", "English (en)": "Did you vote?"},
//!      "relevant": "${age} >= 18"},
//!     {"kind": "question", "name": "decade", "type": "calculate", "calculation": "int(${age} div 10) * 10"}
//!   ],
//!   "choices": [{"name": "yn", "choices": [
//!     {"name": "yes", "label": {"Tiếng Việt (vi)": "Có", "English (en)": "Yes"}},
//!     {"name": "no", "label": {"Tiếng Việt (vi)": "Không", "English (en)": "No"}}]}]
//! }"#;
//! let form = Form::from_json(json).unwrap();
//! let engine = Engine::new(check_form(&form).unwrap());
//! let now = DateTime { epoch_ms: 1_790_000_000_000, offset_minutes: 420 };
//! let mut answers = Record::new();
//! answers.insert("age".into(), Answer::Value("16".into()));
//! let result = engine.evaluate(&answers, &Options::new("vi", Mode::SelfCompletion, now));
//! assert!(!result.question("voter").unwrap().relevant);
//! assert_eq!(result.question("decade").unwrap().value, "10");
//! answers.insert("age".into(), Answer::Value("12".into()));
//! let result = engine.evaluate(&answers, &Options::new("en", Mode::SelfCompletion, now));
//! assert_eq!(result.question("age").unwrap().issue.as_ref().unwrap().message, "15 or older");
//! ```

pub mod check;
pub mod diag;
pub mod engine;
pub mod eval;
pub mod expr;
pub mod functions;
pub mod geo;
pub mod media;
pub mod model;
pub mod public_key;
pub mod value;
pub mod version;
pub mod xform;
pub mod xlsform;

pub use check::{CheckedForm, check_expression, check_form};
pub use diag::{DiagKind, Diagnostic, Lang, Place};
pub use engine::{
    Answer, Engine, Evaluation, Issue, IssueKind, Mode, Options, Page, QuestionState, Record,
};
pub use eval::{Env, EvalError, MapEnv, evaluate};
pub use expr::{Expr, ParseError, Position, Span, parse_expression};
pub use functions::Func;
pub use model::{Choice, ChoiceList, Form, Group, Item, Question, QuestionType, Text};
pub use value::{DateTime, Value};
