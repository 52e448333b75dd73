//! The fingerprint of a survey's stored completed interviews, and the check that interviews
//! refreshed with the changed ones stand for a full read.

use chrono::{DateTime, Utc};

use super::Data;

/// What a survey's stored completed interviews look like from outside (`store::fingerprint`):
/// how many, their latest change, and the sum of their cases' design weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Fingerprint {
    /// Complete responses.
    pub count: i64,
    /// Their latest `updated_at`.
    pub latest: Option<DateTime<Utc>>,
    /// Sum of their cases' design weights (0 without any).
    pub weight: f64,
}

/// Why interviews refreshed with the changed ones only cannot stand for a full read.
#[derive(Clone, Debug, PartialEq)]
pub enum Stale {
    /// The latest change is earlier than when they were read: a response was deleted, or a
    /// clock went back.
    WentBack,
    /// Not as many are held as stored: a response was deleted or is no longer complete (or a new
    /// one was missed).
    Count { held: usize, stored: i64 },
    /// Their design weights add up to other than the stored ones': cases were reweighted (a
    /// release batch).
    Weights { held: f64, stored: f64 },
    /// The latest change, newer than those held, was not among those read.
    Missed,
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::WentBack => f.write_str("the latest change went back"),
            Stale::Count { held, stored } => write!(f, "{held} interviews held, {stored} stored"),
            Stale::Weights { held, stored } => {
                write!(f, "weights add up to {held} held, {stored} stored")
            }
            Stale::Missed => f.write_str("the latest change was not read"),
        }
    }
}

impl Fingerprint {
    /// Whether `data`, read when the interviews had fingerprint `was` and then refreshed with
    /// the interviews changed since (which had at most `read_latest` as their latest change), is
    /// what a full read would give now that they have this fingerprint.
    ///
    /// The refresh adds new interviews and replaces changed ones, so it is right unless an
    /// interview held went away (deleted, or no longer complete) or something it does not read
    /// changed (a case's weight). Every interview it read is stored and complete, and it read
    /// every new one, so the count held is the stored one plus those that went away: equal
    /// counts mean none did. Reweighting
    /// shows in the sum of weights, compared within what rounding can make of two sums of the
    /// same numbers in different orders.
    pub fn admits(
        &self,
        was: &Fingerprint,
        data: &Data,
        read_latest: Option<DateTime<Utc>>,
    ) -> Result<(), Stale> {
        if self.latest < was.latest {
            return Err(Stale::WentBack);
        }
        if i64::try_from(data.n).ok() != Some(self.count) {
            return Err(Stale::Count {
                held: data.n,
                stored: self.count,
            });
        }
        let (held, magnitude) = data.weight_sums();
        let rounding =
            2.0 * (data.n as f64 + 1.0) * f64::EPSILON * magnitude.max(self.weight.abs());
        if (held - self.weight).abs() > rounding {
            return Err(Stale::Weights {
                held,
                stored: self.weight,
            });
        }
        if self.latest > was.latest && read_latest < self.latest {
            return Err(Stale::Missed);
        }
        Ok(())
    }
}
