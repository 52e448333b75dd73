//! The columns of the survey sheet: canonical headers, pyxform's aliases, languages in
//! headers, and the known column a misspelt header was likely meant to be.

/// A column of the survey sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Col {
    Type,
    Name,
    Label,
    InterviewerLabel,
    Hint,
    GuidanceHint,
    Required,
    RequiredMessage,
    Constraint,
    ConstraintMessage,
    Relevant,
    Calculation,
    Default,
    ReadOnly,
    ChoiceFilter,
    Appearance,
    Parameters,
    RepeatCount,
}

impl Col {
    pub(super) const ALL: [Col; 18] = [
        Col::Type,
        Col::Name,
        Col::Label,
        Col::InterviewerLabel,
        Col::Hint,
        Col::GuidanceHint,
        Col::Required,
        Col::RequiredMessage,
        Col::Constraint,
        Col::ConstraintMessage,
        Col::Relevant,
        Col::Calculation,
        Col::Default,
        Col::ReadOnly,
        Col::ChoiceFilter,
        Col::Appearance,
        Col::Parameters,
        Col::RepeatCount,
    ];

    /// Canonical header (also the property name in diagnostics).
    pub(super) fn header(self) -> &'static str {
        match self {
            Col::Type => "type",
            Col::Name => "name",
            Col::Label => "label",
            Col::InterviewerLabel => "interviewer_label",
            Col::Hint => "hint",
            Col::GuidanceHint => "guidance_hint",
            Col::Required => "required",
            Col::RequiredMessage => "required_message",
            Col::Constraint => "constraint",
            Col::ConstraintMessage => "constraint_message",
            Col::Relevant => "relevant",
            Col::Calculation => "calculation",
            Col::Default => "default",
            Col::ReadOnly => "read_only",
            Col::ChoiceFilter => "choice_filter",
            Col::Appearance => "appearance",
            Col::Parameters => "parameters",
            Col::RepeatCount => "repeat_count",
        }
    }

    pub(super) fn translatable(self) -> bool {
        matches!(
            self,
            Col::Label
                | Col::InterviewerLabel
                | Col::Hint
                | Col::GuidanceHint
                | Col::RequiredMessage
                | Col::ConstraintMessage
        )
    }

    /// pyxform's survey header aliases (lower case, spaces and underscores as written).
    pub(super) fn from_alias(h: &str) -> Option<Col> {
        Some(match h {
            "type" | "command" => Col::Type,
            "name" => Col::Name,
            "label" | "caption" => Col::Label,
            "interviewer_label" | "interviewer label" => Col::InterviewerLabel,
            "hint" => Col::Hint,
            "guidance_hint" | "guidance hint" => Col::GuidanceHint,
            "required" | "bind::required" => Col::Required,
            "required_message" | "required message" | "jr:requiredmsg" | "bind::jr:requiredmsg" => {
                Col::RequiredMessage
            }
            "constraint" | "bind::constraint" => Col::Constraint,
            "constraint_message"
            | "constraint message"
            | "constraining message"
            | "jr:constraintmsg"
            | "bind::jr:constraintmsg" => Col::ConstraintMessage,
            "relevant" | "relevance" | "bind::relevant" => Col::Relevant,
            "calculation" | "calculate" | "bind::calculate" => Col::Calculation,
            "default" => Col::Default,
            "read_only" | "readonly" | "read only" | "bind::readonly" => Col::ReadOnly,
            "choice_filter" | "choice filter" => Col::ChoiceFilter,
            "appearance" | "control::appearance" => Col::Appearance,
            "parameters" => Col::Parameters,
            "repeat_count" | "repeat count" | "jr:count" | "count" | "control::jr:count" => {
                Col::RepeatCount
            }
            _ => return None,
        })
    }
}

/// Splits a header into its lower-cased base and its language (`label::Tiếng Việt (vi)`).
pub(super) fn split_header(h: &str) -> (String, Option<String>) {
    let h = h.trim();
    let lower = h.to_lowercase();
    for prefix in ["bind::", "control::"] {
        if lower.starts_with(prefix) {
            return (lower, None);
        }
    }
    match h.find("::") {
        Some(i) => (
            h[..i].trim().to_lowercase(),
            Some(h[i + 2..].trim().to_string()),
        ),
        None => (lower, None),
    }
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

/// The known survey column an unknown header is a likely misspelling of.
pub(super) fn near_miss(base: &str) -> Option<&'static str> {
    if base.chars().count() > 40 {
        return None;
    }
    let limit = if base.chars().count() <= 6 { 1 } else { 2 };
    Col::ALL
        .iter()
        .map(|c| c.header())
        .find(|h| distance(base, h) <= limit)
}
