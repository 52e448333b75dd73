//! The completed interviews held by column: each variable a column of small integer codes into
//! its own list of distinct answers (code 0: no answer), so that a survey of 100,000 interviews
//! × 60 questions takes a few tens of megabytes instead of a map per interview. Each interview
//! keeps its response id, so that interviews held can be refreshed with the changed ones
//! (added or replaced by id) into what a full read gives, and the check of such a refresh
//! against the stored interviews' [`Fingerprint`].

use std::collections::HashMap;

/// One variable's answers: `codes[i]` indexes `values` (`values[0]` is the empty answer).
#[derive(Clone, Debug, Default, PartialEq)]
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

/// Every completed interview as the results read it, in a deterministic order: by wave in the
/// order they were read, then by response id (what a full read gives, and what
/// [`Data::close`] restores after interviews were added to a reopened `Data`).
///
/// Built by pushes then [`Data::finish`]; a finished `Data` may be [`Data::reopen`]ed to add
/// interviews or replace those it holds by response id ([`Data::upsert`]), then closed again:
/// the result is the same as a full read of the same interviews (same rows, same codes).
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
    /// Response id of each interview (`""` when pushed without one).
    ids: Vec<String>,
    columns: Vec<Column>,
    /// Column of each variable name.
    names: HashMap<String, usize>,
    /// While loading: each column's look-up of its distinct answers.
    index: Vec<Lookup>,
    /// While reopened: the look-up of response ids.
    rows: Lookup,
    /// While reopened: what changed since.
    reopened: Option<Reopened>,
}

/// What a reopened `Data` must put right when it is closed.
#[derive(Clone, Copy, Debug)]
struct Reopened {
    /// Interviews held when reopened (those after were added).
    held: usize,
    /// Whether an interview held was replaced.
    replaced: bool,
}

/// A look-up of a list of strings (a column's distinct answers, the response ids): scanned while
/// short or while few searches were made, hashed once the scans have cost about twice what
/// hashing the list would (so a reopened `Data` that takes one more interview builds no map).
#[derive(Clone, Debug, Default)]
struct Lookup {
    map: Option<HashMap<String, u32>>,
    /// Entries compared by scans so far.
    scanned: usize,
}

/// Distinct answers always scanned, never hashed.
const SCAN: usize = 24;

impl Lookup {
    /// Index in `list` of `v`, searched in `list[skip..]`.
    fn find(&mut self, list: &[String], skip: usize, v: &str) -> Option<u32> {
        if let Some(m) = &self.map {
            return m.get(v).copied();
        }
        let hit = list[skip..].iter().position(|x| x == v);
        self.scanned += hit.map_or(list.len() - skip, |p| p + 1);
        if list.len() - skip > SCAN && self.scanned > 2 * list.len() {
            let mut m = HashMap::with_capacity(list.len());
            for (i, x) in list.iter().enumerate().skip(skip) {
                m.entry(x.clone()).or_insert(i as u32);
            }
            self.map = Some(m);
        }
        hit.map(|p| (p + skip) as u32)
    }

    /// Records that `list[at]` was just added.
    fn added(&mut self, list: &[String], at: usize) {
        if let Some(m) = &mut self.map {
            m.entry(list[at].clone()).or_insert(at as u32);
        }
    }
}

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
        self.push_interview("", answers, meta);
    }

    /// Adds the interview of response `id` (a full read: every id once, in order).
    pub fn push_interview<'a>(
        &mut self,
        id: &str,
        answers: impl IntoIterator<Item = (&'a str, &'a str)>,
        meta: Meta,
    ) {
        let i = self.n;
        self.put(i, answers);
        self.weights.push(meta.weight);
        self.strata.push(meta.stratum);
        self.clusters.push(meta.cluster.filter(|c| !c.is_empty()));
        self.days.push(meta.day);
        self.wave.push(meta.wave);
        self.ids.push(id.to_string());
        if self.reopened.is_some() {
            self.rows.added(&self.ids, i);
        }
        self.n += 1;
    }

    /// Adds the interview of response `id`, or replaces the one held with that id (its answers
    /// may have been edited): whether it replaced one. Reopens a finished `Data`.
    pub fn upsert<'a>(
        &mut self,
        id: &str,
        answers: impl IntoIterator<Item = (&'a str, &'a str)>,
        meta: Meta,
    ) -> bool {
        self.reopen();
        let held = if id.is_empty() {
            None
        } else {
            self.rows.find(&self.ids, 0, id)
        };
        let Some(i) = held else {
            self.push_interview(id, answers, meta);
            return false;
        };
        let i = i as usize;
        for c in self.columns.iter_mut() {
            if let Some(code) = c.codes.get_mut(i) {
                *code = 0;
            }
        }
        self.put(i, answers);
        self.weights[i] = meta.weight;
        self.strata[i] = meta.stratum;
        self.clusters[i] = meta.cluster.filter(|c| !c.is_empty());
        self.days[i] = meta.day;
        self.wave[i] = meta.wave;
        if let Some(r) = &mut self.reopened {
            r.replaced = true;
        }
        true
    }

    /// Sets the answers of interview `i`, whose codes are 0 or not there yet (a variable given
    /// twice keeps its first answer; empty answers are no answer).
    fn put<'a>(&mut self, i: usize, answers: impl IntoIterator<Item = (&'a str, &'a str)>) {
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
                    self.columns.len() - 1
                }
            };
            if self.columns[c].codes.get(i).is_some_and(|&code| code != 0) {
                continue;
            }
            // A finished `Data` has no look-ups: they come back empty, to be scanned or hashed.
            if self.index.len() <= c {
                self.index.resize_with(c + 1, Lookup::default);
            }
            let col = &mut self.columns[c];
            let lookup = &mut self.index[c];
            let code = match lookup.find(&col.values, 1, v) {
                Some(code) => code,
                None => {
                    col.values.push(v.to_string());
                    lookup.added(&col.values, col.values.len() - 1);
                    col.values.len() as u32 - 1
                }
            };
            if col.codes.len() <= i {
                col.codes.resize(i, 0);
                col.codes.push(code);
            } else {
                col.codes[i] = code;
            }
        }
    }

    /// Pads every column to the number of interviews and drops the look-up maps (call once
    /// every interview is in).
    pub fn finish(mut self) -> Data {
        self.close();
        self
    }

    /// Opens a finished `Data` for more interviews ([`Data::upsert`]); its look-ups are rebuilt
    /// only as far as the new interviews need them.
    pub fn reopen(&mut self) {
        if self.reopened.is_none() {
            self.reopened = Some(Reopened {
                held: self.n,
                replaced: false,
            });
        }
    }

    /// [`Data::finish`] in place. After a reopening, puts the interviews back in order (wave,
    /// then response id) and renumbers every column's answers by first use, dropping answers
    /// and columns nobody gives any more: the same `Data` as a full read of the same interviews.
    pub fn close(&mut self) {
        let n = self.n;
        for c in self.columns.iter_mut() {
            c.codes.resize(n, 0);
        }
        if let Some(r) = self.reopened.take() {
            if n > r.held {
                self.restore_order();
            }
            if n > r.held || r.replaced {
                self.renumber();
            }
        }
        self.index = Vec::new();
        self.rows = Lookup::default();
    }

    /// Sorts the interviews by wave (in the order they first come) and response id, stably.
    fn restore_order(&mut self) {
        let mut rank: HashMap<i64, usize> = HashMap::new();
        for w in &self.wave {
            let next = rank.len();
            rank.entry(*w).or_insert(next);
        }
        let key = |i: usize| (rank[&self.wave[i]], self.ids[i].as_str());
        let mut order: Vec<u32> = (0..self.n as u32).collect();
        order.sort_by(|&a, &b| key(a as usize).cmp(&key(b as usize)));
        if order.iter().enumerate().all(|(i, &o)| i == o as usize) {
            return;
        }
        fn permute<T: Default>(v: &mut Vec<T>, order: &[u32]) {
            let mut old = std::mem::take(v);
            *v = order
                .iter()
                .map(|&i| std::mem::take(&mut old[i as usize]))
                .collect();
        }
        permute(&mut self.weights, &order);
        permute(&mut self.strata, &order);
        permute(&mut self.wave, &order);
        permute(&mut self.clusters, &order);
        permute(&mut self.days, &order);
        permute(&mut self.ids, &order);
        for c in self.columns.iter_mut() {
            permute(&mut c.codes, &order);
        }
    }

    /// Renumbers each column's answers in order of first use, dropping unused answers and the
    /// columns nobody answers.
    fn renumber(&mut self) {
        let mut keep = Vec::with_capacity(self.columns.len());
        for c in self.columns.iter_mut() {
            let mut new = vec![u32::MAX; c.values.len()];
            new[0] = 0;
            let mut values = vec![String::new()];
            for code in c.codes.iter_mut() {
                let k = *code as usize;
                if new[k] == u32::MAX {
                    new[k] = values.len() as u32;
                    values.push(std::mem::take(&mut c.values[k]));
                }
                *code = new[k];
            }
            c.values = values;
            keep.push(c.values.len() > 1);
        }
        if keep.iter().all(|k| *k) {
            return;
        }
        let mut moved = vec![usize::MAX; keep.len()];
        let mut at = 0;
        for (c, k) in keep.iter().enumerate() {
            if *k {
                moved[c] = at;
                at += 1;
            }
        }
        let mut kept = keep.iter();
        self.columns.retain(|_| *kept.next().unwrap_or(&false));
        self.names.retain(|_, c| keep[*c]);
        for c in self.names.values_mut() {
            *c = moved[*c];
        }
    }

    /// Response id of interview `i` (`""` when pushed without one).
    pub fn id(&self, i: usize) -> &str {
        self.ids.get(i).map_or("", String::as_str)
    }

    /// The interview of response `id`, if held (a scan).
    pub fn row_of(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|x| x == id)
    }

    /// Sum of the design weights, and sum of their magnitudes (what bounds its rounding).
    pub fn weight_sums(&self) -> (f64, f64) {
        self.weights
            .iter()
            .flatten()
            .fold((0.0, 0.0), |(s, a), w| (s + w, a + w.abs()))
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

impl PartialEq for Data {
    /// The same interviews in the same order, with the same answers coded alike (columns are
    /// compared by name: their places do not matter).
    fn eq(&self, other: &Data) -> bool {
        self.n == other.n
            && self.weights == other.weights
            && self.strata == other.strata
            && self.wave == other.wave
            && self.clusters == other.clusters
            && self.days == other.days
            && self.ids == other.ids
            && self.names.len() == other.names.len()
            && self.names.keys().all(|k| {
                other.names.contains_key(k) && self.column(k).values == other.column(k).values && {
                    let (a, b) = (self.column(k), other.column(k));
                    (0..self.n).all(|i| a.codes.get(i) == b.codes.get(i))
                }
            })
    }
}

mod fingerprint;
pub use fingerprint::{Fingerprint, Stale};

#[cfg(test)]
mod tests;
