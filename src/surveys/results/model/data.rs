//! The completed interviews held by column: each variable a column of small integer codes into
//! its own list of distinct answers (code 0: no answer), so that a survey of 100,000 interviews
//! × 60 questions takes a few tens of megabytes instead of a map per interview.

use std::collections::HashMap;

/// One variable's answers: `codes[i]` indexes `values` (`values[0]` is the empty answer).
#[derive(Clone, Debug, Default)]
pub struct Column {
    /// Distinct answers, `""` first.
    pub values: Vec<String>,
    /// Code of each interview.
    pub codes: Vec<u32>,
}

impl Column {
    /// The answer of interview `i` (`""` when none).
    pub fn get(&self, i: usize) -> &str {
        self.codes
            .get(i)
            .map_or("", |&c| self.values[c as usize].as_str())
    }

    /// Whether interview `i` answered.
    pub fn answered(&self, i: usize) -> bool {
        self.codes.get(i).is_some_and(|&c| c != 0)
    }
}

/// Every completed interview as the results read it.
#[derive(Clone, Debug, Default)]
pub struct Data {
    /// Interviews.
    pub n: usize,
    /// Design weight of each interview's case (fielded from a sample), if any.
    pub weights: Vec<Option<f64>>,
    /// Stratum of each interview's frame row, if any.
    pub strata: Vec<Option<String>>,
    /// Wave of each interview (its survey's id) when several waves are read together.
    pub wave: Vec<i64>,
    /// Primary sampling unit of each interview's case when its sample was drawn in clusters
    /// (two-stage), within its stratum.
    pub clusters: Vec<Option<String>>,
    /// Day each interview was completed (Vietnam's calendar), if known.
    pub days: Vec<Option<chrono::NaiveDate>>,
    columns: Vec<Column>,
    /// Column of each variable name.
    names: HashMap<String, usize>,
    /// While loading: each column's look-up of its distinct answers (a short list is scanned,
    /// a long one hashed).
    index: Vec<Lookup>,
}

/// A column's distinct answers while loading.
#[derive(Clone, Debug, Default)]
struct Lookup {
    map: Option<HashMap<String, u32>>,
}

/// Distinct answers scanned before a column gets a hash map.
const SCAN: usize = 24;

/// An interview column nobody answered.
static EMPTY: Column = Column {
    values: Vec::new(),
    codes: Vec::new(),
};

/// What the results know of an interview besides its answers.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    /// Design weight of its case.
    pub weight: Option<f64>,
    /// Stratum of its case's frame row.
    pub stratum: Option<String>,
    /// Cluster (primary sampling unit) of its case, when the sample was drawn in clusters.
    pub cluster: Option<String>,
    /// Day it was completed.
    pub day: Option<chrono::NaiveDate>,
    /// Its wave (survey id).
    pub wave: i64,
}

/// Prefix of the columns that describe an interview's frame row rather than answer a question
/// (`@stratum`, `@unit`, `@frame:<attribute>`): no question name starts with it.
pub const FRAME_PREFIX: char = '@';
/// The stratum of the interview's frame row, as a column.
pub const STRATUM_COLUMN: &str = "@stratum";
/// The unit of the organisation tree of the interview's frame row (its name), as a column.
pub const UNIT_COLUMN: &str = "@unit";
/// Prefix of a frame attribute's column.
pub const ATTR_COLUMN: &str = "@frame:";
/// The member's id in the frame (what links a panel's interviews across waves), as a column;
/// never a domain.
pub const MEMBER_COLUMN: &str = "@member";

impl Data {
    /// Adds one interview: its top-level answers (empty answers are no answer), design weight,
    /// stratum and wave.
    pub fn push<'a>(
        &mut self,
        answers: impl IntoIterator<Item = (&'a str, &'a str)>,
        weight: Option<f64>,
        stratum: Option<String>,
        wave: i64,
    ) {
        self.push_with(
            answers,
            Meta {
                weight,
                stratum,
                wave,
                ..Meta::default()
            },
        );
    }

    /// Adds one interview with everything known of it.
    pub fn push_with<'a>(
        &mut self,
        answers: impl IntoIterator<Item = (&'a str, &'a str)>,
        meta: Meta,
    ) {
        let i = self.n;
        for (k, v) in answers {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            let c = match self.names.get(k) {
                Some(&c) => c,
                None => {
                    self.names.insert(k.to_string(), self.columns.len());
                    self.columns.push(Column {
                        values: vec![String::new()],
                        codes: Vec::new(),
                    });
                    self.index.push(Lookup::default());
                    self.columns.len() - 1
                }
            };
            let col = &mut self.columns[c];
            let lookup = &mut self.index[c];
            let found = match &lookup.map {
                Some(m) => m.get(v).copied(),
                None => col.values[1..]
                    .iter()
                    .position(|x| x == v)
                    .map(|p| p as u32 + 1),
            };
            let code = match found {
                Some(code) => code,
                None => {
                    let code = col.values.len() as u32;
                    col.values.push(v.to_string());
                    match &mut lookup.map {
                        Some(m) => {
                            m.insert(v.to_string(), code);
                        }
                        None if col.values.len() > SCAN => {
                            lookup.map = Some(
                                col.values
                                    .iter()
                                    .enumerate()
                                    .skip(1)
                                    .map(|(i, x)| (x.clone(), i as u32))
                                    .collect(),
                            );
                        }
                        None => {}
                    }
                    code
                }
            };
            if col.codes.len() < i {
                col.codes.resize(i, 0);
            }
            if col.codes.len() == i {
                col.codes.push(code);
            }
        }
        self.weights.push(meta.weight);
        self.strata.push(meta.stratum);
        self.clusters.push(meta.cluster.filter(|c| !c.is_empty()));
        self.days.push(meta.day);
        self.wave.push(meta.wave);
        self.n += 1;
    }

    /// Pads every column to the number of interviews and drops the look-up maps (call once
    /// every interview is in).
    pub fn finish(mut self) -> Data {
        let n = self.n;
        for c in self.columns.iter_mut() {
            c.codes.resize(n, 0);
        }
        self.index = Vec::new();
        self
    }

    /// The column of variable `name` (empty when nobody answered it).
    pub fn column(&self, name: &str) -> &Column {
        self.names.get(name).map_or(&EMPTY, |&c| &self.columns[c])
    }

    /// Interviews × variables: what it holds.
    pub fn cells(&self) -> usize {
        self.n * self.columns.len()
    }

    /// Whether every interview belongs to a cluster of a sample drawn in clusters.
    pub fn has_clusters(&self) -> bool {
        self.n > 0 && self.clusters.iter().all(Option::is_some)
    }

    /// The columns that describe frame rows (`@…`, not the member's id), sorted, with their
    /// distinct values.
    pub fn frame_columns(&self) -> Vec<(&str, Vec<&str>)> {
        let mut out: Vec<(&str, Vec<&str>)> = self
            .names
            .iter()
            .filter(|(k, _)| k.starts_with(FRAME_PREFIX) && k.as_str() != MEMBER_COLUMN)
            .map(|(k, &c)| {
                let mut values: Vec<&str> = self.columns[c].values[1..]
                    .iter()
                    .map(String::as_str)
                    .collect();
                values.sort_unstable();
                (k.as_str(), values)
            })
            .collect();
        out.sort_unstable_by(|a, b| a.0.cmp(b.0));
        out
    }

    /// Whether every interview carries a positive design weight.
    pub fn has_design(&self) -> bool {
        self.n > 0 && self.weights.iter().all(|w| w.is_some_and(|w| w > 0.0))
    }

    /// The interviews of wave `wave` only.
    pub fn wave_mask(&self, wave: i64) -> Vec<bool> {
        self.wave.iter().map(|w| *w == wave).collect()
    }

    /// Builds from maps of answers (tests and small callers).
    pub fn from_rows(rows: &[super::Row]) -> Data {
        let mut d = Data::default();
        for r in rows {
            d.push(
                r.answers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                r.weight,
                r.stratum.clone(),
                0,
            );
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_distinct_answers_move_to_a_hash_map_and_keep_their_codes() {
        let mut d = Data::default();
        for i in 0..100 {
            let v = (i % 40).to_string();
            d.push([("x", v.as_str())], None, None, 0);
        }
        let d = d.finish();
        let x = d.column("x");
        assert_eq!(x.values.len(), 41);
        for i in 0..100 {
            assert_eq!(x.get(i), (i % 40).to_string());
        }
    }

    #[test]
    fn columns_are_padded_and_codes_are_shared() {
        let mut d = Data::default();
        d.push([("a", "1")], None, None, 0);
        d.push([("b", "x"), ("a", " ")], None, None, 0);
        d.push([("a", "1"), ("b", "y")], Some(2.0), None, 0);
        d.push([], None, None, 0);
        let d = d.finish();
        assert_eq!(d.n, 4);
        let a = d.column("a");
        assert_eq!(a.codes, [1, 0, 1, 0]);
        assert_eq!(a.get(2), "1");
        let b = d.column("b");
        assert_eq!((b.get(0), b.get(1), b.get(2), b.get(3)), ("", "x", "y", ""));
        assert!(!b.answered(0) && b.answered(1));
        assert_eq!(d.column("nope").get(1), "");
        assert!(!d.has_design());
    }
}
