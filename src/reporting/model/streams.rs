//! Opinion streams' domain types: the fixed choices (scope, breadth, direction, intensity), the
//! stream form and its checked input, and the personal-data warning on free text (no IO).

use super::parse_month;

/// A choice among fixed keys, with its message key `reporting-<group>-<key>`.
macro_rules! choice {
    ($name:ident, $group:literal, [$($key:literal),+]) => {
        /// Allowed keys of this choice.
        pub struct $name;
        impl $name {
            /// Every key, in display order.
            pub const KEYS: &'static [&'static str] = &[$($key),+];
            /// Whether `key` is allowed.
            pub fn valid(key: &str) -> bool {
                Self::KEYS.contains(&key)
            }
            /// The message key of `key`'s label.
            pub fn label_key(key: &str) -> String {
                format!("reporting-{}-{}", $group, key)
            }
        }
    };
}

choice!(Scope, "scope", ["local", "domestic", "international"]);
choice!(Breadth, "breadth", ["some", "many", "most", "nearly_all"]);

crate::kit::keys::stored_keys! {
    /// The direction of opinion in a stream (*chiều hướng*), read from `streams.direction` and
    /// `city_streams.direction` into this enum.
    pub enum Direction: "stream direction" {
        /// Agree.
        Agree = "agree",
        /// Uneasy.
        Uneasy = "uneasy",
        /// Worried.
        Worried = "worried",
        /// Indignant.
        Indignant = "indignant",
        /// Oppose.
        Oppose = "oppose",
    }
}

impl Direction {
    /// The message key of its label.
    pub fn label_key(self) -> String {
        format!("reporting-direction-{}", self.key())
    }
}
choice!(Intensity, "intensity", ["low", "medium", "high"]);

/// The raw fields of the stream form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct StreamForm {
    /// Client-generated id (a retry never duplicates).
    #[serde(default)]
    pub client_id: String,
    /// Unit id.
    #[serde(default)]
    pub unit_id: String,
    /// Month `YYYY-MM`.
    #[serde(default)]
    pub period: String,
    /// Topic id.
    #[serde(default)]
    pub topic_id: String,
    /// The issue in a sentence or two.
    #[serde(default)]
    pub summary: String,
    /// Scope key.
    #[serde(default)]
    pub scope: String,
    /// Breadth key.
    #[serde(default)]
    pub breadth: String,
    /// Direction key.
    #[serde(default)]
    pub direction: String,
    /// Intensity key.
    #[serde(default)]
    pub intensity: String,
    /// Strata where it is heard.
    #[serde(default)]
    pub strata: String,
    /// Areas where it is heard.
    #[serde(default)]
    pub areas: String,
    /// Causes.
    #[serde(default)]
    pub causes: String,
    /// Forecast.
    #[serde(default)]
    pub forecast: String,
    /// Recommendation.
    #[serde(default)]
    pub recommendation: String,
    /// Evidence links, one per line.
    #[serde(default)]
    pub evidence: String,
    /// The user confirmed that flagged text is not personal data.
    #[serde(default)]
    pub confirm_pii: String,
}

/// A checked stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamInput {
    /// Client id.
    pub client_id: String,
    /// Unit.
    pub unit_id: i64,
    /// Month.
    pub period: String,
    /// Topic.
    pub topic_id: i64,
    /// Summary.
    pub summary: String,
    /// Scope.
    pub scope: String,
    /// Breadth.
    pub breadth: String,
    /// Direction.
    pub direction: Direction,
    /// Intensity.
    pub intensity: String,
    /// Strata.
    pub strata: String,
    /// Areas.
    pub areas: String,
    /// Causes.
    pub causes: String,
    /// Forecast.
    pub forecast: String,
    /// Recommendation.
    pub recommendation: String,
    /// Evidence links.
    pub evidence: String,
}

/// A field with the message key of its error.
pub type FieldError = (&'static str, &'static str);

/// Free text as reporting stores it (NFC, trimmed, line ends normalised): `kit::text`.
pub use crate::kit::text::free_text as clean;

impl StreamForm {
    /// The free-text fields (name, text) that the personal-data check reads.
    pub fn free_text(&self) -> Vec<(&'static str, String)> {
        vec![
            ("summary", clean(&self.summary)),
            ("strata", clean(&self.strata)),
            ("areas", clean(&self.areas)),
            ("causes", clean(&self.causes)),
            ("forecast", clean(&self.forecast)),
            ("recommendation", clean(&self.recommendation)),
        ]
    }

    /// Checks every field; errors name their field.
    pub fn parse(&self) -> Result<StreamInput, Vec<FieldError>> {
        let mut errors = vec![];
        let unit_id = self.unit_id.trim().parse::<i64>().unwrap_or(0);
        if unit_id <= 0 {
            errors.push(("unit_id", "reporting-stream-error-unit"));
        }
        if parse_month(&self.period).is_none() {
            errors.push(("period", "reporting-stream-error-period"));
        }
        let topic_id = self.topic_id.trim().parse::<i64>().unwrap_or(0);
        if topic_id <= 0 {
            errors.push(("topic_id", "reporting-stream-error-topic"));
        }
        let summary = clean(&self.summary);
        let n = summary.chars().count();
        if n < 10 {
            errors.push(("summary", "reporting-stream-error-summary-short"));
        } else if n > 2000 {
            errors.push(("summary", "reporting-stream-error-too-long"));
        }
        for (field, value, ok) in [
            ("scope", &self.scope, Scope::valid(self.scope.trim())),
            (
                "breadth",
                &self.breadth,
                Breadth::valid(self.breadth.trim()),
            ),
            (
                "direction",
                &self.direction,
                Direction::parse(&self.direction).is_some(),
            ),
            (
                "intensity",
                &self.intensity,
                Intensity::valid(self.intensity.trim()),
            ),
        ] {
            let _ = value;
            if !ok {
                errors.push((field, "reporting-stream-error-choice"));
            }
        }
        for (field, value) in [
            ("strata", &self.strata),
            ("areas", &self.areas),
            ("causes", &self.causes),
            ("forecast", &self.forecast),
            ("recommendation", &self.recommendation),
            ("evidence", &self.evidence),
        ] {
            if value.chars().count() > 2000 {
                errors.push((field, "reporting-stream-error-too-long"));
            }
        }
        let evidence = clean(&self.evidence);
        if evidence
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .any(|l| !(l.starts_with("https://") || l.starts_with("http://")))
        {
            errors.push(("evidence", "reporting-stream-error-evidence"));
        }
        let client_id = self.client_id.trim();
        let client_id = if client_id.len() >= 8
            && client_id.len() <= 64
            && client_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            client_id.to_string()
        } else {
            uuid::Uuid::now_v7().to_string()
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(StreamInput {
            client_id,
            unit_id,
            period: self.period.trim().to_string(),
            topic_id,
            summary,
            scope: self.scope.trim().to_string(),
            breadth: self.breadth.trim().to_string(),
            direction: Direction::parse(&self.direction).expect("checked"),
            intensity: self.intensity.trim().to_string(),
            strata: clean(&self.strata),
            areas: clean(&self.areas),
            causes: clean(&self.causes),
            forecast: clean(&self.forecast),
            recommendation: clean(&self.recommendation),
            evidence,
        })
    }
}

/// A piece of a text for display: plain, or flagged as looking like personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The text.
    pub text: String,
    /// `Some(kind)` when flagged (`name`, `phone`, `id`, `passport`, `email`).
    pub flagged: Option<&'static str>,
}

/// A free-text field where personal data seems to appear, cut into pieces for highlighting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PiiWarning {
    /// The field.
    pub field: &'static str,
    /// The field's text in pieces.
    pub pieces: Vec<Piece>,
}

/// Runs the personal-data detector of the text engine over `fields`.
pub fn personal_data(fields: &[(&'static str, String)]) -> Vec<PiiWarning> {
    let mut out = vec![];
    for (field, text) in fields {
        let found = duluan_vitext::pii::detect(text);
        if found.is_empty() {
            continue;
        }
        let mut pieces = vec![];
        let mut last = 0;
        for f in found {
            if f.start > last {
                pieces.push(Piece {
                    text: text[last..f.start].to_string(),
                    flagged: None,
                });
            }
            pieces.push(Piece {
                text: text[f.start..f.end].to_string(),
                flagged: Some(f.kind.name()),
            });
            last = f.end;
        }
        if last < text.len() {
            pieces.push(Piece {
                text: text[last..].to_string(),
                flagged: None,
            });
        }
        out.push(PiiWarning { field, pieces });
    }
    out
}
