//! Diagnostics: every problem found in a form, with its place and a message in Vietnamese and
//! English.

use crate::expr::Position;
use serde::Serialize;
use std::fmt;

/// What kind of problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagKind {
    /// The file is not a readable spreadsheet.
    File,
    /// A sheet is missing or misnamed.
    Sheet,
    /// A column header is missing or unknown.
    Column,
    /// An unknown question type.
    UnknownType,
    /// A name is missing or not a valid XML name.
    InvalidName,
    /// Two items (or two choices of a list) share a name.
    DuplicateName,
    /// `begin group`/`end group` do not match, or a group is empty.
    Structure,
    /// A select names a list that does not exist, or a list is empty.
    MissingList,
    /// A label or another required cell is missing.
    Missing,
    /// An expression does not parse.
    Syntax,
    /// A reference to an unknown question or choice column.
    UnknownName,
    /// An unknown function.
    UnknownFunction,
    /// A wrong number of arguments.
    Arity,
    /// A value of the wrong type.
    Type,
    /// Calculations or relevance conditions that depend on each other in a cycle.
    Cycle,
    /// A new version breaks the published one.
    Version,
    /// Not an error: what pyxform accepts with a warning, or a setting duluan does not keep.
    /// Returned next to the form by the `*_with_warnings` importers, never in an error list.
    Warning,
}

/// Where a problem is. Spreadsheet fields are filled by the XLSForm importer; `item`,
/// `property` and `path` by the form checker.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Place {
    /// Sheet name (`survey`, `choices`, `settings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// 1-based spreadsheet row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// Column header as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Name of the item (or choice list) concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// Property of the item (`relevant`, `calculation`, `label`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// Index path of the item in the form body (`[2, 0]`: first item of the third).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<usize>,
    /// Choice list and index of the choice, for choice problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice: Option<(String, usize)>,
    /// Position inside the expression.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "ser_pos")]
    pub expression: Option<Position>,
}

fn ser_pos<S: serde::Serializer>(p: &Option<Position>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => (p.offset, p.line, p.column).serialize(s),
        None => s.serialize_none(),
    }
}

/// A problem in a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// What kind.
    pub kind: DiagKind,
    /// Where.
    pub place: Place,
    /// English message.
    pub message_en: String,
    /// Vietnamese message.
    pub message_vi: String,
}

/// The language of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Tiếng Việt.
    #[default]
    Vi,
    /// English.
    En,
}

impl Diagnostic {
    /// A diagnostic without a place yet.
    pub fn new(kind: DiagKind, en: impl Into<String>, vi: impl Into<String>) -> Diagnostic {
        Diagnostic {
            kind,
            place: Place::default(),
            message_en: en.into(),
            message_vi: vi.into(),
        }
    }

    /// True for a warning (the form is still accepted).
    pub fn is_warning(&self) -> bool {
        self.kind == DiagKind::Warning
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.message_vi,
            Lang::En => &self.message_en,
        }
    }

    /// The place and message in `lang`, e.g.
    /// `survey, row 12, column relevant, line 1 column 5: unknown question ${q7}`.
    pub fn render(&self, lang: Lang) -> String {
        let p = &self.place;
        let vi = lang == Lang::Vi;
        let mut parts = Vec::new();
        if let Some(s) = &p.sheet {
            parts.push(if vi {
                format!("trang tính {s}")
            } else {
                s.clone()
            });
        }
        if let Some(r) = p.row {
            parts.push(if vi {
                format!("dòng {r}")
            } else {
                format!("row {r}")
            });
        }
        if let Some(c) = &p.column {
            parts.push(if vi {
                format!("cột {c}")
            } else {
                format!("column {c}")
            });
        } else if let Some(prop) = &p.property {
            parts.push(prop.clone());
        }
        if p.sheet.is_none()
            && let Some(i) = &p.item
        {
            parts.push(if vi {
                format!("mục `{i}`")
            } else {
                format!("item `{i}`")
            });
        }
        if let Some(e) = &p.expression {
            parts.push(if vi {
                format!("dòng {} cột {} của biểu thức", e.line, e.column)
            } else {
                format!("expression line {} column {}", e.line, e.column)
            });
        }
        let place = parts.join(", ");
        if place.is_empty() {
            self.message(lang).to_string()
        } else {
            format!("{place}: {}", self.message(lang))
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}
