//! Paper mode's kinds and the pure steps between the engine crate and the store: a sheet's key
//! from its QR identity, a page reading turned into answers and items for a verifier, and the
//! answers of a sheet checked by the forms engine before they land. No IO.

use std::collections::BTreeMap;

use duluan_forms::{Answer, Engine, Mode, Options, Record};
use duluan_paper::{PageReading, QuestionStatus, SheetId, Verdict};

use crate::kit::keys::stored_keys;

/// Sheets a batch may print at once.
pub const MAX_BATCH_SHEETS: i64 = 500;
/// The bytes an upload may have (the server's own body limit is the same).
pub const MAX_SCAN_BYTES: usize = 20 * 1024 * 1024;
/// The time an upload's reading may take.
pub const READ_TIME: std::time::Duration = std::time::Duration::from_secs(45);
/// Pages one upload may have.
pub const MAX_SCAN_PAGES: usize = 400;

stored_keys! {
    /// What became of a scanned page.
    pub enum PageStatus: "paper page status" {
        /// Read, nothing doubtful on it.
        Read = "read",
        /// Read, with marks or fields a verifier looks at.
        Verify = "verify",
        /// Not readable as a page of ours (the message says why).
        Unreadable = "unreadable",
        /// The same sheet and page was read before.
        Duplicate = "duplicate",
        /// A page of another survey, version or layout.
        OtherSurvey = "other_survey",
    }
}

stored_keys! {
    /// Where a printed sheet stands.
    pub enum SheetStatus: "paper sheet status" {
        /// Printed, no page read yet.
        Printed = "printed",
        /// Some pages read.
        Reading = "reading",
        /// Every page read, items open for a verifier.
        Verifying = "verifying",
        /// Its answers are a response.
        Landed = "landed",
    }
}

stored_keys! {
    /// Why a verifier looks at a question.
    pub enum ItemKind: "paper item kind" {
        /// A box neither clearly empty nor clearly marked.
        Doubtful = "doubtful",
        /// Two or more ticks on a single choice.
        Several = "several",
        /// Blacked-out boxes and no tick.
        OnlyFilled = "only_filled",
        /// Digits, a date or text to key from the crop.
        Key = "key",
        /// A question printed over two pages.
        Split = "split",
        /// The forms engine refused the answer (the message says why).
        Invalid = "invalid",
    }
}

/// The stored key of a sheet ("S000012" for an anonymous one, "C<code>" for a case's).
pub fn sheet_key(sheet: &SheetId) -> String {
    match sheet {
        SheetId::Anonymous(n) => format!("S{n:06}"),
        SheetId::Case(code) => format!("C{code}"),
    }
}

/// The code printed for a case ("K123"): its number, never contact data.
pub fn case_code(case_id: i64) -> String {
    format!("K{case_id}")
}

/// An item a page asks a verifier to resolve.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The question's name.
    pub question: String,
    /// Why.
    pub kind: ItemKind,
    /// What the reader saw (the ticked choices, space-separated).
    pub read_as: String,
    /// A PNG of the question's boxes, when the reader gives one.
    pub crop: Option<Vec<u8>>,
}

/// What one page contributes to its sheet: answers read, questions read empty, items.
#[derive(Debug, Default)]
pub struct PageOutcome {
    /// Answers read, by question.
    pub answers: BTreeMap<String, String>,
    /// Questions with nothing marked.
    pub empty: Vec<String>,
    /// Questions a verifier resolves.
    pub items: Vec<NewItem>,
    /// Questions of printed repeats (not taken by this version of paper mode).
    pub skipped: usize,
}

/// Splits a page's reading into answers and items.
pub fn outcome_of(reading: &PageReading) -> PageOutcome {
    let mut out = PageOutcome::default();
    for q in &reading.questions {
        if q.instance.is_some() {
            out.skipped += 1;
            continue;
        }
        let boxes = || {
            reading
                .boxes
                .iter()
                .filter(move |b| b.question == q.name && b.instance.is_none())
        };
        let ticked = boxes()
            .filter(|b| b.verdict == Verdict::Ticked)
            .filter_map(|b| b.choice.clone())
            .collect::<Vec<_>>()
            .join(" ");
        let box_crop = || boxes().find_map(|b| b.crop.clone());
        let kind = match q.status {
            QuestionStatus::Answered => {
                out.answers
                    .insert(q.name.clone(), q.value.clone().unwrap_or_default());
                continue;
            }
            QuestionStatus::Unanswered => {
                out.empty.push(q.name.clone());
                continue;
            }
            QuestionStatus::DoubtfulBox => ItemKind::Doubtful,
            QuestionStatus::SeveralTicks => ItemKind::Several,
            QuestionStatus::OnlyFilled => ItemKind::OnlyFilled,
            QuestionStatus::ToKey => ItemKind::Key,
            QuestionStatus::OnSeveralPages => ItemKind::Split,
        };
        out.items.push(NewItem {
            question: q.name.clone(),
            kind,
            read_as: ticked,
            crop: q.crop.clone().or_else(box_crop),
        });
    }
    out
}

/// The options the engine evaluates a paper sheet with.
pub fn options(lang: &str) -> Options {
    let now = chrono::Utc::now();
    Options::new(
        lang,
        Mode::SelfCompletion,
        duluan_forms::DateTime {
            epoch_ms: now.timestamp_millis(),
            offset_minutes: 420,
        },
    )
}

/// A sheet's answers as the engine's record.
pub fn record_of(answers: &BTreeMap<String, String>) -> Record {
    answers
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), Answer::Value(v.trim().to_string())))
        .collect()
}

/// The answers checked by the engine: the record to store, or each question's refusal.
pub fn check(
    engine: &Engine,
    answers: &BTreeMap<String, String>,
    lang: &str,
) -> Result<Record, Vec<(String, String)>> {
    let eval = engine.evaluate(&record_of(answers), &options(lang));
    if eval.is_complete() {
        return Ok(eval.record);
    }
    Err(eval
        .issues()
        .map(|q| {
            (
                q.name.clone(),
                q.issue
                    .as_ref()
                    .map(|i| i.message.clone())
                    .unwrap_or_default(),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_keys_are_stable() {
        assert_eq!(sheet_key(&SheetId::Anonymous(12)), "S000012");
        assert_eq!(sheet_key(&SheetId::Case("HN-1".into())), "CHN-1");
    }

    #[test]
    fn stored_keys_round_trip() {
        for k in PageStatus::ALL {
            assert_eq!(PageStatus::parse(k.key()), Some(k));
        }
        for k in ItemKind::ALL {
            assert_eq!(ItemKind::parse(k.key()), Some(k));
        }
    }
}
