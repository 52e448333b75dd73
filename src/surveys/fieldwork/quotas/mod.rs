//! Quotas (*hạn ngạch*): targets on the cells of one to three dimensions — closed questions
//! (`select_one` outside repeats) and frame columns (the stratum or an attribute column) — with
//! live counts of the completed interviews in each cell, and what happens when a cell is full:
//! close it (respondents of the cell are stopped with the standard notice and its frame cases
//! are no longer called or mailed), screen out with the quota's own message (the same, with the
//! message), or keep collecting (counts only).
//!
//! Layout: here the rules, no IO (dimensions, cells, targets, the spread of a total);
//! `live.rs` keeps the counts (a completion adds one to its cells, a recount rebuilds them from
//! the stored interviews) and screens respondents; `pages.rs` is the designer's quota page.
//!
//! Invariants: a cell's count is the number of completed interviews in it — a recount from the
//! stored answers and frame rows always gives it, the increment after a completion only keeps it
//! live between recounts; a quota with a frame dimension counts only interviews that belong to a
//! case of a frame (never guesses); a screened-out case gets AAPOR 4.80 (quota filled) and keeps
//! its partial answers out of the counts; cases of a full frame cell of a closing quota carry
//! `quota_held` and leave the telephone queue and the e-mail schedule until the cell opens again.

pub mod live;
pub mod pages;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::kit::keys::stored_keys;

/// Most dimensions a quota crosses.
pub const MAX_DIMS: usize = 3;
/// Most cells a quota has.
pub const MAX_CELLS: usize = 500;
/// Largest target of a cell.
pub const MAX_TARGET: i64 = 1_000_000;
/// Separates the values of a cell's key (a control character no value contains).
pub const SEP: char = '\u{1f}';

stored_keys! {
    /// What happens when a cell is full.
    pub enum Action: "quota action" {
        /// Stop respondents of a full cell with the standard notice; stop calling and mailing
        /// the frame cases of the cell.
        Close = "close",
        /// Stop them with the quota's own message (and stop calling and mailing, as `Close`).
        ScreenOut = "screen_out",
        /// Keep collecting; the counts show how far over the target a cell is.
        Keep = "keep",
    }
}

impl Action {
    /// Message key of its name.
    pub fn label_key(self) -> String {
        format!("quota-action-{}", self.key().replace('_', "-"))
    }

    /// Whether a full cell stops respondents.
    pub fn stops(self) -> bool {
        self != Action::Keep
    }
}

/// One dimension of a quota.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "source", content = "name", rename_all = "lowercase")]
pub enum Dim {
    /// A closed question, by variable name.
    Question(String),
    /// A frame column: `stratum` or an attribute column's name.
    Frame(String),
}

impl Dim {
    /// The form value that names it (`q:sex`, `f:stratum`).
    pub fn key(&self) -> String {
        match self {
            Dim::Question(n) => format!("q:{n}"),
            Dim::Frame(n) => format!("f:{n}"),
        }
    }

    /// Parses [`Dim::key`].
    pub fn parse(raw: &str) -> Option<Dim> {
        let raw = raw.trim();
        let (kind, name) = raw.split_once(':')?;
        if name.is_empty() {
            return None;
        }
        match kind {
            "q" => Some(Dim::Question(name.to_string())),
            "f" => Some(Dim::Frame(name.to_string())),
            _ => None,
        }
    }

    /// Whether it is a frame column.
    pub fn is_frame(&self) -> bool {
        matches!(self, Dim::Frame(_))
    }
}

/// A case's frame row as quotas read it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameValues {
    /// The stratum.
    pub stratum: String,
    /// Attribute columns.
    pub attrs: BTreeMap<String, String>,
}

impl FrameValues {
    /// Reads a stored frame row (`attrs` as stored JSON); unreadable attributes read as none.
    pub fn from_stored(stratum: String, attrs: &str) -> FrameValues {
        FrameValues {
            stratum,
            attrs: serde_json::from_str(attrs).unwrap_or_default(),
        }
    }

    fn get(&self, column: &str) -> Option<&str> {
        if column == "stratum" {
            Some(self.stratum.as_str())
        } else {
            self.attrs.get(column).map(String::as_str)
        }
    }
}

/// The key of the cell with these values.
pub fn cell_key<S: AsRef<str>>(values: &[S]) -> String {
    let mut out = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(SEP);
        }
        out.push_str(v.as_ref());
    }
    out
}

/// The values of a cell key.
pub fn cell_values(key: &str) -> Vec<&str> {
    key.split(SEP).collect()
}

/// The cell a respondent falls in: `None` while a dimension is unknown (a question not answered
/// yet, or a frame column without a frame row). `answer` reads a top-level answer by name.
pub fn cell_of<'a>(
    dims: &[Dim],
    answer: impl Fn(&str) -> Option<&'a str>,
    frame: Option<&FrameValues>,
) -> Option<String> {
    let mut values = Vec::with_capacity(dims.len());
    for d in dims {
        let v = match d {
            Dim::Question(n) => answer(n)?,
            Dim::Frame(c) => frame?.get(c)?,
        };
        let v = v.trim();
        if v.is_empty() {
            return None;
        }
        values.push(v.to_string());
    }
    Some(cell_key(&values))
}

/// A quota as stored, with its cells.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// Id.
    pub id: i64,
    /// Name shown to staff.
    pub name: String,
    /// Its dimensions, in order.
    pub dims: Vec<Dim>,
    /// What a full cell does.
    pub action: Action,
    /// Message shown to a screened-out respondent (empty: the standard one).
    pub message: String,
    /// Its cells, in the order they were made.
    pub cells: Vec<Cell>,
}

impl Quota {
    /// Whether every dimension is a frame column.
    pub fn frame_only(&self) -> bool {
        self.dims.iter().all(Dim::is_frame)
    }

    /// Whether some dimension is a frame column.
    pub fn uses_frame(&self) -> bool {
        self.dims.iter().any(Dim::is_frame)
    }

    /// The full cell `key` stops respondents in, if it is one.
    pub fn stops_at(&self, key: &str) -> bool {
        self.action.stops() && self.cells.iter().any(|c| c.key == key && c.is_full())
    }
}

/// One cell of a quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Its key ([`cell_key`]).
    pub key: String,
    /// Target of completed interviews.
    pub target: i64,
    /// Completed interviews counted.
    pub filled: i64,
}

impl Cell {
    /// Whether the target is reached.
    pub fn is_full(&self) -> bool {
        self.filled >= self.target
    }
}

/// A dimension a designer may choose, with its values `(value, label)` in order.
#[derive(Clone, Debug, PartialEq)]
pub struct DimChoice {
    /// The dimension.
    pub dim: Dim,
    /// Its name as shown.
    pub label: String,
    /// Its values and their labels.
    pub values: Vec<(String, String)>,
}

/// Why a quota cannot be made as asked: a message key and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaError {
    /// Message key.
    pub key: &'static str,
    /// Arguments of the message.
    pub args: Vec<(&'static str, String)>,
}

impl QuotaError {
    fn new(key: &'static str) -> QuotaError {
        QuotaError { key, args: vec![] }
    }

    fn with(mut self, name: &'static str, value: impl Into<String>) -> QuotaError {
        self.args.push((name, value.into()));
        self
    }
}

/// The cells of crossed dimensions, in order (the first dimension varies slowest): each cell
/// as the index of its value in each dimension.
pub fn combinations(dims: &[&DimChoice]) -> Result<Vec<Vec<usize>>, QuotaError> {
    let mut n: usize = 1;
    for d in dims {
        if d.values.is_empty() {
            return Err(QuotaError::new("quota-error-no-values").with("dim", d.label.clone()));
        }
        n = n.saturating_mul(d.values.len());
    }
    if n > MAX_CELLS {
        return Err(QuotaError::new("quota-error-too-many-cells")
            .with("n", n.to_string())
            .with("max", MAX_CELLS.to_string()));
    }
    let mut out: Vec<Vec<usize>> = vec![vec![]];
    for d in dims {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..d.values.len()).map(move |i| {
                    let mut p = prefix.clone();
                    p.push(i);
                    p
                })
            })
            .collect();
    }
    Ok(out)
}

/// Spreads `total` over cells in proportion to `weights` by largest remainders (ties to the
/// earlier cell); equal shares when every weight is zero. The parts add up to `total`.
pub fn spread(total: i64, weights: &[f64]) -> Vec<i64> {
    if weights.is_empty() {
        return vec![];
    }
    let sum: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    let shares: Vec<f64> = if sum > 0.0 {
        weights
            .iter()
            .map(|w| {
                if w.is_finite() && *w > 0.0 {
                    total as f64 * w / sum
                } else {
                    0.0
                }
            })
            .collect()
    } else {
        vec![total as f64 / weights.len() as f64; weights.len()]
    };
    let mut out: Vec<i64> = shares.iter().map(|s| s.floor() as i64).collect();
    let mut left = total - out.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = shares[a] - shares[a].floor();
        let rb = shares[b] - shares[b].floor();
        rb.partial_cmp(&ra)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    for i in order.into_iter().cycle() {
        if left <= 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// A target as typed: a whole number from 0 to [`MAX_TARGET`].
pub fn parse_target(raw: &str) -> Option<i64> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=MAX_TARGET).contains(n))
}

/// Checks the dimensions asked for a new quota against those available: at least one, at most
/// [`MAX_DIMS`], each known and used once; on an anonymous survey, no crossing of a question
/// with a frame column (its answers are not linked to cases, so the cell could not be counted).
pub fn check_dims<'a>(
    asked: &[Dim],
    available: &'a [DimChoice],
    anonymous: bool,
) -> Result<Vec<&'a DimChoice>, QuotaError> {
    if asked.is_empty() {
        return Err(QuotaError::new("quota-error-no-dims"));
    }
    if asked.len() > MAX_DIMS {
        return Err(QuotaError::new("quota-error-too-many-dims").with("max", MAX_DIMS.to_string()));
    }
    let mut out: Vec<&DimChoice> = Vec::with_capacity(asked.len());
    for d in asked {
        let Some(c) = available.iter().find(|c| &c.dim == d) else {
            return Err(QuotaError::new("quota-error-unknown-dim").with("dim", d.key()));
        };
        if out.iter().any(|o| o.dim == *d) {
            return Err(QuotaError::new("quota-error-repeated-dim").with("dim", c.label.clone()));
        }
        out.push(c);
    }
    let mixed = asked.iter().any(Dim::is_frame) && asked.iter().any(|d| !d.is_frame());
    if anonymous && mixed {
        return Err(QuotaError::new("quota-error-anonymous-mixed"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(dim: Dim, values: &[&str]) -> DimChoice {
        DimChoice {
            label: dim.key(),
            dim,
            values: values
                .iter()
                .map(|v| (v.to_string(), v.to_uppercase()))
                .collect(),
        }
    }

    #[test]
    fn a_cell_needs_every_dimension_and_reads_frame_columns() {
        let dims = vec![Dim::Frame("stratum".into()), Dim::Question("sex".into())];
        let mut attrs = BTreeMap::new();
        attrs.insert("age".to_string(), "18-29".to_string());
        let frame = FrameValues {
            stratum: "P1".into(),
            attrs,
        };
        let answers = |n: &str| (n == "sex").then_some("2");
        assert_eq!(
            cell_of(&dims, answers, Some(&frame)),
            Some(format!("P1{SEP}2"))
        );
        // A question not answered yet, or no frame row: unknown.
        assert_eq!(cell_of(&dims, |_| None, Some(&frame)), None);
        assert_eq!(cell_of(&dims, answers, None), None);
        // Blank answers are not a value.
        assert_eq!(cell_of(&dims, |_| Some("  "), Some(&frame)), None);
        let age = [Dim::Frame("age".into())];
        assert_eq!(cell_of(&age, |_| None, Some(&frame)), Some("18-29".into()));
        assert_eq!(
            cell_of(&[Dim::Frame("ward".into())], |_| None, Some(&frame)),
            None
        );
        assert_eq!(cell_values(&format!("a{SEP}b")), ["a", "b"]);
        assert_eq!(Dim::parse("q:sex"), Some(Dim::Question("sex".into())));
        assert_eq!(Dim::parse("f:stratum"), Some(Dim::Frame("stratum".into())));
        assert_eq!(Dim::parse("x:sex"), None);
        assert_eq!(Dim::parse("q:"), None);
        let stored = serde_json::to_string(&dims).unwrap();
        assert_eq!(
            stored,
            r#"[{"source":"frame","name":"stratum"},{"source":"question","name":"sex"}]"#
        );
        assert_eq!(serde_json::from_str::<Vec<Dim>>(&stored).unwrap(), dims);
    }

    #[test]
    fn cells_cross_dimensions_first_slowest_and_are_bounded() {
        let a = choice(Dim::Frame("stratum".into()), &["p1", "p2"]);
        let b = choice(Dim::Question("sex".into()), &["1", "2", "3"]);
        let cells = combinations(&[&a, &b]).unwrap();
        assert_eq!(cells.len(), 6);
        assert_eq!(cells[0], [0, 0]);
        assert_eq!(cells[1], [0, 1]);
        assert_eq!(cells[5], [1, 2]);
        let empty = choice(Dim::Question("x".into()), &[]);
        assert_eq!(
            combinations(&[&a, &empty]).unwrap_err().key,
            "quota-error-no-values"
        );
        let many: Vec<String> = (0..30).map(|i| i.to_string()).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let big = choice(Dim::Question("y".into()), &many);
        let err = combinations(&[&big, &big]).unwrap_err();
        assert_eq!(err.key, "quota-error-too-many-cells");
        assert!(err.args.contains(&("n", "900".to_string())));
    }

    #[test]
    fn a_total_spreads_by_largest_remainders_and_adds_up() {
        assert_eq!(spread(10, &[1.0, 1.0, 1.0]), [4, 3, 3]);
        assert_eq!(spread(100, &[50.0, 30.0, 20.0]), [50, 30, 20]);
        // 7 × (0.5, 0.25, 0.25) = 3.5, 1.75, 1.75 → 3, 1, 1 + two by remainders .75, .75.
        assert_eq!(spread(7, &[2.0, 1.0, 1.0]), [3, 2, 2]);
        assert_eq!(spread(5, &[0.0, 0.0]), [3, 2]);
        assert_eq!(spread(0, &[3.0, 1.0]), [0, 0]);
        let s = spread(1001, &[3.0, 7.0, 11.0, 0.0, 13.0]);
        assert_eq!(s.iter().sum::<i64>(), 1001);
        assert_eq!(s[3], 0);
        assert!(spread(3, &[]).is_empty());
    }

    #[test]
    fn dimensions_and_targets_are_checked() {
        let avail = vec![
            choice(Dim::Frame("stratum".into()), &["p1"]),
            choice(Dim::Question("sex".into()), &["1", "2"]),
        ];
        let key = |asked: &[Dim], anon: bool| {
            check_dims(asked, &avail, anon).map(|_| ()).unwrap_err().key
        };
        assert_eq!(key(&[], false), "quota-error-no-dims");
        assert_eq!(
            key(&[Dim::Question("age".into())], false),
            "quota-error-unknown-dim"
        );
        let sex = Dim::Question("sex".into());
        assert_eq!(
            key(&[sex.clone(), sex.clone()], false),
            "quota-error-repeated-dim"
        );
        let four = vec![sex.clone(); 4];
        assert_eq!(key(&four, false), "quota-error-too-many-dims");
        let mixed = [Dim::Frame("stratum".into()), sex.clone()];
        assert_eq!(key(&mixed, true), "quota-error-anonymous-mixed");
        assert_eq!(check_dims(&mixed, &avail, false).unwrap().len(), 2);
        assert_eq!(check_dims(&[sex], &avail, true).unwrap().len(), 1);
        assert_eq!(parse_target(" 12 "), Some(12));
        assert_eq!(parse_target("0"), Some(0));
        assert_eq!(parse_target("-1"), None);
        assert_eq!(parse_target("1.5"), None);
        assert_eq!(parse_target("1000001"), None);
        assert!(Action::Close.stops() && Action::ScreenOut.stops() && !Action::Keep.stops());
        let q = Quota {
            id: 1,
            name: "q".into(),
            dims: vec![Dim::Frame("stratum".into())],
            action: Action::Close,
            message: String::new(),
            cells: vec![
                Cell {
                    key: "p1".into(),
                    target: 2,
                    filled: 2,
                },
                Cell {
                    key: "p2".into(),
                    target: 2,
                    filled: 1,
                },
            ],
        };
        assert!(q.stops_at("p1") && !q.stops_at("p2") && !q.stops_at("p3"));
        assert!(q.frame_only() && q.uses_frame());
    }
}
