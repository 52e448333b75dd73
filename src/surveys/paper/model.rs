//! Paper mode's kinds and the pure steps between the engine crate and the store: a sheet's key
//! from its QR identity, a page reading turned into answers and items for a verifier, and the
//! answers of a sheet checked by the forms engine before they land. No IO.

use std::collections::BTreeMap;

use duluan_forms::{Answer, Engine, Mode, Options, Record};
use duluan_paper::{PageReading, QuestionStatus, SheetId, Verdict};

use crate::kit::keys::stored_keys;

/// Sheets a batch may print at once.
pub const MAX_BATCH_SHEETS: i64 = 500;
/// The bytes an upload may have (a scanner's multi-page PDF or TIFF is large: above the
/// server's 20 MB for other routes, see `app::body_limit`).
pub const MAX_SCAN_BYTES: usize = 64 * 1024 * 1024;
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

/// The days a landed sheet's crops are kept when the survey never said.
pub const DEFAULT_RETENTION_DAYS: i64 = 365;
/// The most days a survey may keep them.
pub const MAX_RETENTION_DAYS: i64 = 3650;

/// A survey's paper settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Keyed fields (items of kind `key`) are keyed twice, blind, by two different verifiers.
    pub double_entry: bool,
    /// Days after landing that a sheet's crops are kept (0: kept).
    pub retention_days: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            double_entry: false,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

/// Two entries of a keyed field agree: the same once trimmed.
pub fn same_entry(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

/// What a verifier's value does to a keyed item under double entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryStep {
    /// The first entry: stored, the item stays open for a second verifier.
    First,
    /// The second entry by another verifier: resolves the item when it agrees with the first,
    /// else the item waits for adjudication.
    Second {
        /// The first entry's value.
        first: String,
    },
    /// Both entries are in and the item is open (they disagreed, or the forms engine refused
    /// the value they agreed on): a third verifier settles it.
    Adjudicate,
}

/// The step a verifier's value takes on a keyed item under double entry, given the item's
/// entries `(entry_no, user)`; a refusal (message key) when the verifier keyed it already.
pub fn entry_step(
    entries: &[(i64, Option<i64>, String)],
    user_id: i64,
) -> Result<EntryStep, &'static str> {
    let keyed = entries.iter().any(|(_, u, _)| *u == Some(user_id));
    match entries {
        [] => Ok(EntryStep::First),
        _ if keyed && entries.len() < 2 => Err("paper-error-double-same"),
        _ if keyed => Err("paper-error-adjudicate-own"),
        [(_, _, first)] => Ok(EntryStep::Second {
            first: first.clone(),
        }),
        _ => Ok(EntryStep::Adjudicate),
    }
}

/// One verifier pair's or one verifier's figures in the disagreement report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryStats {
    /// Who (the pair: "A — B").
    pub who: String,
    /// Keyed fields compared (keyed twice).
    pub compared: i64,
    /// The two entries agreed.
    pub agreed: i64,
    /// They did not.
    pub disagreed: i64,
}

impl EntryStats {
    fn count(&mut self, agree: bool) {
        self.compared += 1;
        if agree {
            self.agreed += 1;
        } else {
            self.disagreed += 1;
        }
    }

    /// The disagreement rate in percent, one decimal ("" when nothing was compared).
    pub fn rate(&self) -> String {
        if self.compared == 0 {
            return String::new();
        }
        format!(
            "{:.1}%",
            self.disagreed as f64 * 100.0 / self.compared as f64
        )
    }
}

/// A disagreement listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// The sheet's key.
    pub sheet_key: String,
    /// The question.
    pub question: String,
    /// The first entry and who keyed it.
    pub first: (String, String),
    /// The second entry and who keyed it.
    pub second: (String, String),
    /// The final value, once adjudicated.
    pub final_value: Option<String>,
}

/// The disagreement report: by pair, by verifier, and the disagreements.
#[derive(Debug, Clone, Default)]
pub struct EntryReport {
    /// By verifier pair (in the order of their ids).
    pub pairs: Vec<EntryStats>,
    /// By verifier (each keyed field a verifier keyed that was keyed twice).
    pub verifiers: Vec<EntryStats>,
    /// The disagreements, newest first.
    pub disagreements: Vec<Disagreement>,
}

/// An entry as the report takes it: item, sheet key, question, user id, user name, value,
/// final value (rows of one item together, first entry first).
pub type ReportRow = (
    i64,
    String,
    String,
    Option<i64>,
    String,
    String,
    Option<String>,
);

/// The disagreement report of a survey's entries.
pub fn entry_report(rows: &[ReportRow]) -> EntryReport {
    let mut pairs: BTreeMap<(Option<i64>, Option<i64>), EntryStats> = BTreeMap::new();
    let mut verifiers: BTreeMap<Option<i64>, EntryStats> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let item = rows[i].0;
        let n = rows[i..].iter().take_while(|r| r.0 == item).count();
        if let [a, b] = &rows[i..i + n] {
            let agree = same_entry(&a.5, &b.5);
            let (lo, hi) = if a.3 <= b.3 { (a, b) } else { (b, a) };
            let pair = pairs.entry((lo.3, hi.3)).or_insert_with(|| EntryStats {
                who: format!("{} — {}", lo.4, hi.4),
                ..Default::default()
            });
            pair.count(agree);
            for r in [a, b] {
                verifiers
                    .entry(r.3)
                    .or_insert_with(|| EntryStats {
                        who: r.4.clone(),
                        ..Default::default()
                    })
                    .count(agree);
            }
            if !agree {
                disagreements.push(Disagreement {
                    sheet_key: a.1.clone(),
                    question: a.2.clone(),
                    first: (a.5.clone(), a.4.clone()),
                    second: (b.5.clone(), b.4.clone()),
                    final_value: a.6.clone(),
                });
            }
        }
        i += n;
    }
    EntryReport {
        pairs: pairs.into_values().collect(),
        verifiers: verifiers.into_values().collect(),
        disagreements,
    }
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
    fn double_entry_steps() {
        assert_eq!(entry_step(&[], 7), Ok(EntryStep::First));
        let one = [(1, Some(7), " 45".to_string())];
        assert_eq!(entry_step(&one, 7), Err("paper-error-double-same"));
        assert_eq!(
            entry_step(&one, 8),
            Ok(EntryStep::Second {
                first: " 45".into()
            })
        );
        let two = [one[0].clone(), (2, Some(8), "46".to_string())];
        assert_eq!(entry_step(&two, 7), Err("paper-error-adjudicate-own"));
        assert_eq!(entry_step(&two, 8), Err("paper-error-adjudicate-own"));
        assert_eq!(entry_step(&two, 9), Ok(EntryStep::Adjudicate));
        assert!(same_entry(" 45 ", "45"));
        assert!(!same_entry("45", "46"));
    }

    #[test]
    fn the_disagreement_report_counts_pairs_and_verifiers() {
        let row = |item: i64, user: i64, value: &str, fin: Option<&str>| -> ReportRow {
            (
                item,
                "S000001".into(),
                "age".into(),
                Some(user),
                format!("u{user}"),
                value.into(),
                fin.map(String::from),
            )
        };
        let rows = vec![
            row(3, 2, "45", None),
            row(3, 1, "46", None),
            row(2, 1, "7", Some("7")),
            row(2, 2, " 7", Some("7")),
            row(1, 1, "only one", None),
        ];
        let r = entry_report(&rows);
        assert_eq!(r.pairs.len(), 1);
        assert_eq!(r.pairs[0].who, "u1 — u2");
        assert_eq!(
            (r.pairs[0].compared, r.pairs[0].agreed, r.pairs[0].disagreed),
            (2, 1, 1)
        );
        assert_eq!(r.pairs[0].rate(), "50.0%");
        assert_eq!(r.verifiers.len(), 2);
        assert_eq!(r.verifiers[0].compared, 2);
        assert_eq!(r.disagreements.len(), 1);
        assert_eq!(r.disagreements[0].first, ("45".into(), "u2".into()));
        assert_eq!(r.disagreements[0].final_value, None);
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
