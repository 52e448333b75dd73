//! Telephone fieldwork (*phỏng vấn qua điện thoại*): the interviewer console (`console.rs`: the
//! queues of the surveys in an interviewer's scope, "next case" claiming one case atomically, the
//! case page with the audited telephone number, the questionnaire in interviewer wording through
//! the respondent engine, and the outcome of each attempt) and the supervisor's page
//! (`supervisor.rs`: calling rules, interviewers' activity, cases by attempts, releasing or
//! reassigning a claim, moving web or e-mail cases to the telephone queue).
//!
//! Here the rules, no IO: the calling rules of a survey ([`Settings`]), what an attempt's outcome
//! sets ([`Outcome::disposition`], AAPOR telephone codes) and which dispositions end a case
//! ([`is_final`]).
//!
//! Invariants: a case is claimed by one interviewer at a time (one UPDATE that re-checks the
//! claim, `FOR UPDATE SKIP LOCKED` on PostgreSQL); a claim expires after [`CLAIM_MINUTES`]; an
//! attempt is recorded only by the claim's holder, with its event, and frees the claim; a case
//! leaves the queue once its disposition is final or it reached the survey's maximum attempts;
//! every read of a telephone number is audited.

pub mod console;
pub mod supervisor;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Timelike, Utc};

use crate::kit::keys::stored_keys;
use crate::surveys::model::Disposition;

/// How long a claim holds without an outcome before another interviewer may take the case.
pub const CLAIM_MINUTES: i64 = 30;

/// The calling rules of a survey.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Attempts after which a case leaves the queue (final).
    pub max_attempts: i64,
    /// Calling starts at this hour, Vietnam time (0–23).
    pub hours_from: i64,
    /// Calling ends at this hour, Vietnam time (1–24, after `hours_from`).
    pub hours_to: i64,
    /// Minutes before a case tried without an appointment is tried again.
    pub retry_minutes: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_attempts: 6,
            hours_from: 8,
            hours_to: 21,
            retry_minutes: 60,
        }
    }
}

impl Settings {
    /// Whether `now` lies within the calling hours.
    pub fn within_hours(&self, now: DateTime<Utc>) -> bool {
        let h = now.with_timezone(&crate::kit::time::vn_offset()).hour() as i64;
        self.hours_from <= h && h < self.hours_to
    }

    /// The settings as typed, or the message key of the first mistake.
    pub fn parse(max: &str, from: &str, to: &str, retry: &str) -> Result<Settings, &'static str> {
        let num = |s: &str| s.trim().parse::<i64>().ok();
        let max_attempts = num(max)
            .filter(|n| (1..=50).contains(n))
            .ok_or("phone-error-max")?;
        let hours_from = num(from)
            .filter(|n| (0..=23).contains(n))
            .ok_or("phone-error-hours")?;
        let hours_to = num(to)
            .filter(|n| (1..=24).contains(n) && *n > hours_from)
            .ok_or("phone-error-hours")?;
        let retry_minutes = num(retry)
            .filter(|n| (0..=10_080).contains(n))
            .ok_or("phone-error-retry")?;
        Ok(Settings {
            max_attempts,
            hours_from,
            hours_to,
            retry_minutes,
        })
    }
}

stored_keys! {
    /// The outcome of one telephone attempt, as the interviewer records it.
    pub enum Outcome: "telephone outcome" {
        /// Nobody answered.
        NoAnswer = "no_answer",
        /// Busy.
        Busy = "busy",
        /// An answering machine.
        Machine = "machine",
        /// The respondent refused.
        Refusal = "refusal",
        /// An appointment to call back at a date and time.
        Appointment = "appointment",
        /// Wrong or non-working number.
        WrongNumber = "wrong_number",
        /// Reached, not eligible.
        NotEligible = "not_eligible",
        /// The questionnaire was completed.
        Completed = "completed",
        /// Partly answered, enough to count as a partial.
        Partial = "partial",
        /// Started, then broken off.
        BreakOff = "break_off",
        /// Reached, but the respondent's quota cell is full.
        QuotaFull = "quota_full",
    }
}

impl Outcome {
    /// The AAPOR telephone disposition an attempt with this outcome sets.
    pub fn disposition(self) -> Disposition {
        match self {
            Outcome::NoAnswer => Disposition::NoAnswer,
            Outcome::Busy => Disposition::Busy,
            Outcome::Machine => Disposition::AnsweringMachine,
            Outcome::Refusal => Disposition::Refusal,
            Outcome::Appointment => Disposition::Appointment,
            Outcome::WrongNumber => Disposition::WrongNumber,
            Outcome::NotEligible => Disposition::NotEligible,
            Outcome::Completed => Disposition::Complete,
            Outcome::Partial => Disposition::Partial,
            Outcome::BreakOff => Disposition::BreakOff,
            Outcome::QuotaFull => Disposition::QuotaFilled,
        }
    }

    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("phone-outcome-{}", self.key().replace('_', "-"))
    }
}

/// Whether a disposition ends a case: interviews (1.x), refusals and break-offs, and every
/// ineligible code (4.x). Non-contacts, appointments and unknown eligibility stay in the queue.
pub fn is_final(d: Disposition) -> bool {
    let k = d.key();
    k.starts_with('1')
        || k.starts_with('4')
        || matches!(d, Disposition::Refusal | Disposition::BreakOff)
}

/// The final dispositions as a SQL list of literals (`'1.1', '1.2', …`); keys are constants.
pub fn final_keys_sql() -> String {
    Disposition::ALL
        .iter()
        .filter(|d| is_final(**d))
        .map(|d| format!("'{}'", d.key()))
        .collect::<Vec<_>>()
        .join(", ")
}
