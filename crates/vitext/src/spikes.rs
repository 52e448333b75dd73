//! Spike detection per series (topic × area, cluster, term …): counts and negative share per
//! hour or per day against a seasonal rolling baseline (same hour on the previous days, same
//! weekday in the previous weeks; at least three seasons of history), a z-score with a Poisson floor and a minimum volume, and the explanation an
//! analyst needs: the size of the jump, top terms, representative items and the areas involved.
//!
//! ```
//! use duluan_vitext::spikes::{detect, Item, Options};
//! let mut items = Vec::new();
//! for day in 0..10 {
//!     for i in 0..5 { items.push(Item::new(day * 86_400 + 9 * 3600 + i, "giao thông", "xe đông")); }
//! }
//! for i in 0..40 { items.push(Item::new(10 * 86_400 + 9 * 3600 + i, "giao thông", "đường ngập sâu sau mưa")); }
//! let spikes = detect(&items, &Options::default());
//! assert_eq!(spikes.len(), 1);
//! assert_eq!(spikes[0].count, 40);
//! assert!(spikes[0].top_terms.iter().any(|t| t.contains("ngập")));
//! ```

use crate::features::ngrams;
use crate::stopwords::{is_stopword, is_stopword_unaccented};
use std::collections::{HashMap, HashSet};

/// One timestamped item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// Seconds since 1970-01-01 (local wall time is fine: buckets follow it).
    pub time: i64,
    /// The series it counts in.
    pub series: &'a str,
    /// Its text.
    pub text: &'a str,
    /// Whether its direction is negative, when known.
    pub negative: Option<bool>,
    /// Area (commune, ward …), when known.
    pub area: Option<&'a str>,
}

impl<'a> Item<'a> {
    /// An item without direction or area.
    pub fn new(time: i64, series: &'a str, text: &'a str) -> Item<'a> {
        Item {
            time,
            series,
            text,
            negative: None,
            area: None,
        }
    }
}

/// Bucket size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    /// One hour; the seasonal baseline is the same hour on previous days.
    Hour,
    /// One day; the seasonal baseline is the same weekday in previous weeks.
    Day,
}

/// Parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Bucket size.
    pub granularity: Granularity,
    /// A bucket with fewer items is never a spike.
    pub min_volume: u32,
    /// Minimum z-score.
    pub z_threshold: f64,
    /// Number of seasonal periods in the baseline (days for hours, weeks for days).
    pub seasons: usize,
    /// Minimum rise of the negative share (0..1) for a negative-direction spike.
    pub negative_jump: f64,
    /// Terms in an explanation.
    pub top_terms: usize,
    /// Representative items in an explanation.
    pub examples: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            granularity: Granularity::Hour,
            min_volume: 10,
            z_threshold: 3.0,
            seasons: 7,
            negative_jump: 0.2,
            top_terms: 5,
            examples: 3,
        }
    }
}

/// What rose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpikeKind {
    /// The volume.
    Volume,
    /// The share of negative items.
    Negative,
    /// Both.
    Both,
}

/// A detected spike with its explanation.
#[derive(Clone, Debug, PartialEq)]
pub struct Spike {
    /// Series.
    pub series: String,
    /// Start of the bucket (seconds).
    pub start: i64,
    /// End of the bucket (exclusive).
    pub end: i64,
    /// What rose.
    pub kind: SpikeKind,
    /// Items in the bucket.
    pub count: u32,
    /// Mean count of the baseline buckets.
    pub baseline_mean: f64,
    /// Standard deviation of the baseline counts.
    pub baseline_sd: f64,
    /// Volume z-score.
    pub z: f64,
    /// Negative share in the bucket and in the baseline, when directions are known.
    pub negative_share: Option<(f64, f64)>,
    /// Distinctive terms of the bucket against its baseline.
    pub top_terms: Vec<String>,
    /// Indices (into the input slice) of representative items.
    pub examples: Vec<usize>,
    /// Areas of the bucket's items with counts, most frequent first.
    pub areas: Vec<(String, u32)>,
}

impl Spike {
    /// The jump as a ratio to the baseline mean (∞-safe: baseline below 1 counts as 1).
    pub fn ratio(&self) -> f64 {
        self.count as f64 / self.baseline_mean.max(1.0)
    }
}

/// Counts of one bucket of a series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Items.
    pub count: u32,
    /// Items whose direction is negative.
    pub negative: u32,
    /// Items whose direction is known.
    pub known: u32,
}

/// The verdict on one bucket against its baseline.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// What rose.
    pub kind: SpikeKind,
    /// Volume z-score.
    pub z: f64,
    /// Mean count of the baseline buckets.
    pub baseline_mean: f64,
    /// Standard deviation of the baseline counts.
    pub baseline_sd: f64,
    /// Negative share in the bucket and in the baseline, when directions are known.
    pub negative_share: Option<(f64, f64)>,
}

/// What explains a spike.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    /// Distinctive terms of the spike's items against the baseline's.
    pub top_terms: Vec<String>,
    /// Indices (into the spike's items) of representative items.
    pub examples: Vec<usize>,
    /// Areas of the spike's items with counts, most frequent first.
    pub areas: Vec<(String, u32)>,
}

fn stats(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() > 1 {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// Scores one bucket against its seasonal baseline: the counts of the same bucket in each
/// previous season the series' history covers (a season without items counts as zero). Fewer
/// than three baseline buckets, or fewer items than `min_volume`, is never a spike. This is the
/// rule [`detect`] applies; callers that keep counts (a database, a stream) use it directly and
/// read texts only for the buckets that spike, for [`explain`].
pub fn score(bucket: Counts, baseline: &[Counts], options: &Options) -> Option<Verdict> {
    if bucket.count < options.min_volume || baseline.len() < 3 {
        return None;
    }
    let counts: Vec<f64> = baseline.iter().map(|c| c.count as f64).collect();
    let (mean, sd) = stats(&counts);
    let z = (bucket.count as f64 - mean) / sd.max(mean.sqrt()).max(1.0);
    let volume = z >= options.z_threshold;
    let (bn, bk) = baseline
        .iter()
        .fold((0u32, 0u32), |a, c| (a.0 + c.negative, a.1 + c.known));
    let mut negative = false;
    let mut shares = None;
    if bucket.known >= options.min_volume && bk > 0 {
        let p = bucket.negative as f64 / bucket.known as f64;
        let p0 = bn as f64 / bk as f64;
        shares = Some((p, p0));
        let q = p0.clamp(0.05, 0.95);
        let zn = (p - p0) / (q * (1.0 - q) / bucket.known as f64).sqrt();
        negative = p - p0 >= options.negative_jump && zn >= options.z_threshold;
    }
    let kind = match (volume, negative) {
        (true, true) => SpikeKind::Both,
        (true, false) => SpikeKind::Volume,
        (false, true) => SpikeKind::Negative,
        (false, false) => return None,
    };
    Some(Verdict {
        kind,
        z,
        baseline_mean: mean,
        baseline_sd: sd,
        negative_share: shares,
    })
}

/// Explains a spike: the terms of `spike` (the bucket's items) over-represented against
/// `baseline` (items of its baseline buckets), representative items (distinct texts scoring
/// highest on those terms) and the areas, most frequent first.
pub fn explain(spike: &[Item<'_>], baseline: &[Item<'_>], options: &Options) -> Explanation {
    let fg: Vec<&str> = spike.iter().map(|i| i.text).collect();
    let bg: Vec<&str> = baseline.iter().map(|i| i.text).collect();
    let (top_terms, weights) = distinctive_terms(&fg, &bg, options.top_terms);
    let mut scored: Vec<(f64, usize)> = fg
        .iter()
        .enumerate()
        .map(|(i, text)| {
            // Weights are keyed by the unaccented term: an example typed without marks counts.
            let t = crate::tokens::fold_lower(text);
            (
                weights
                    .iter()
                    .filter(|(term, _)| t.contains(term.as_str()))
                    .map(|(_, w)| w)
                    .sum::<f64>(),
                i,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut seen_texts: Vec<&str> = Vec::new();
    let mut examples = Vec::new();
    for (_, i) in scored {
        if examples.len() >= options.examples {
            break;
        }
        if !seen_texts.contains(&fg[i]) {
            seen_texts.push(fg[i]);
            examples.push(i);
        }
    }
    let mut areas: HashMap<&str, u32> = HashMap::new();
    for it in spike {
        if let Some(a) = it.area {
            *areas.entry(a).or_default() += 1;
        }
    }
    let mut areas: Vec<(String, u32)> =
        areas.into_iter().map(|(a, c)| (a.to_string(), c)).collect();
    areas.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Explanation {
        top_terms,
        examples,
        areas,
    }
}

/// Detects spikes in every series (results sorted by series, then time).
pub fn detect(items: &[Item<'_>], options: &Options) -> Vec<Spike> {
    let size: i64 = match options.granularity {
        Granularity::Hour => 3600,
        Granularity::Day => 86_400,
    };
    let period: i64 = match options.granularity {
        Granularity::Hour => 24,
        Granularity::Day => 7,
    };
    let mut series: HashMap<&str, HashMap<i64, Counts>> = HashMap::new();
    for it in items {
        let cell = series
            .entry(it.series)
            .or_default()
            .entry(it.time.div_euclid(size))
            .or_default();
        cell.count += 1;
        if let Some(n) = it.negative {
            cell.known += 1;
            cell.negative += n as u32;
        }
    }
    let mut found: Vec<(&str, i64, u32, Verdict, Vec<i64>)> = Vec::new();
    let mut names: Vec<&&str> = series.keys().collect();
    names.sort();
    for name in names {
        let cells = &series[*name];
        let (Some(&lo), Some(&hi)) = (cells.keys().min(), cells.keys().max()) else {
            continue;
        };
        for (&b, cell) in cells.iter() {
            if cell.count < options.min_volume {
                continue;
            }
            // Seasonal baseline (same hour on previous days, same weekday in previous weeks);
            // daily buckets fall back to the previous days while fewer than 3 weeks are known;
            // hourly buckets wait for 3 days of history (the daily rhythm would fool a plain
            // rolling window).
            let mut base: Vec<i64> = (1..=options.seasons as i64)
                .map(|k| b - k * period)
                .filter(|&x| x >= lo)
                .collect();
            if base.len() < 3 && options.granularity == Granularity::Day {
                base = (1..=period).map(|k| b - k).filter(|&x| x >= lo).collect();
            }
            if b > hi {
                continue;
            }
            let counts: Vec<Counts> = base
                .iter()
                .map(|x| cells.get(x).copied().unwrap_or_default())
                .collect();
            if let Some(v) = score(*cell, &counts, options) {
                found.push((name, b, cell.count, v, base));
            }
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    // Second pass: the items of spike buckets and of their baselines.
    let mut wanted: HashMap<(&str, i64), Vec<usize>> = HashMap::new();
    for (s, b, _, _, base) in &found {
        wanted.entry((s, *b)).or_default();
        for x in base {
            wanted.entry((s, *x)).or_default();
        }
    }
    for (i, it) in items.iter().enumerate() {
        if let Some(v) = wanted.get_mut(&(it.series, it.time.div_euclid(size)))
            && v.len() < 5000
        {
            v.push(i);
        }
    }
    let mut out: Vec<Spike> = found
        .into_iter()
        .map(|(s, b, count, v, base)| {
            let spike_ids = &wanted[&(s, b)];
            let spike_items: Vec<Item<'_>> = spike_ids.iter().map(|&i| items[i]).collect();
            let base_items: Vec<Item<'_>> = base
                .iter()
                .flat_map(|x| wanted[&(s, *x)].iter().map(|&i| items[i]))
                .take(5000)
                .collect();
            let e = explain(&spike_items, &base_items, options);
            Spike {
                series: s.to_string(),
                start: b * size,
                end: (b + 1) * size,
                kind: v.kind,
                count,
                baseline_mean: v.baseline_mean,
                baseline_sd: v.baseline_sd,
                z: v.z,
                negative_share: v.negative_share,
                top_terms: e.top_terms,
                examples: e.examples.iter().map(|&i| spike_ids[i]).collect(),
                areas: e.areas,
            }
        })
        .collect();
    out.sort_by(|a, b| a.series.cmp(&b.series).then(a.start.cmp(&b.start)));
    out
}

/// Terms of `texts`, keyed by their unaccented form so that "ngập úng" and "ngap ung" count
/// as one: in how many texts each occurs, and how often each spelling of it was written.
fn term_counts(texts: &[&str]) -> TermCounts {
    let mut counts: HashMap<String, f64> = HashMap::new();
    let mut spellings: HashMap<String, HashMap<String, u32>> = HashMap::new();
    for text in texts {
        let mut seen: HashSet<String> = HashSet::new();
        for (_, t) in ngrams(text, false) {
            let key = crate::chars::fold(&t);
            if t.split(' ').any(is_stopword)
                || (t == key && key.split(' ').any(is_stopword_unaccented))
            {
                continue;
            }
            *spellings
                .entry(key.clone())
                .or_default()
                .entry(t)
                .or_default() += 1;
            if seen.insert(key.clone()) {
                *counts.entry(key).or_default() += 1.0;
            }
        }
    }
    TermCounts { counts, spellings }
}

/// What [`term_counts`] finds.
struct TermCounts {
    /// Texts holding each term (by its unaccented key).
    counts: HashMap<String, f64>,
    /// The spellings of each term, with how often each was written.
    spellings: HashMap<String, HashMap<String, u32>>,
}

impl TermCounts {
    /// How a term is shown: its most frequent spelling with diacritics, else as written.
    fn shown(&self, key: &str) -> String {
        self.spellings
            .get(key)
            .and_then(|forms| {
                forms
                    .iter()
                    .filter(|(form, _)| form.as_str() != key)
                    .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                    .map(|(form, _)| form.clone())
            })
            .unwrap_or_else(|| key.to_string())
    }
}

/// The `n` terms (lower-case uni- and bi-grams, no stopwords) most over-represented in `fg`
/// against `bg`, by smoothed log-odds weighted by frequency, as shown; and the weights of the
/// best `3n` by unaccented key (for picking examples).
fn distinctive_terms(fg: &[&str], bg: &[&str], n: usize) -> (Vec<String>, Vec<(String, f64)>) {
    let f = term_counts(fg);
    let b = term_counts(bg);
    let (nf, nb) = (fg.len().max(1) as f64, bg.len().max(1) as f64);
    let mut scored: Vec<(String, f64)> = f
        .counts
        .iter()
        .filter(|(_, c)| **c >= 2.0 || nf < 4.0)
        .map(|(t, &c)| {
            let cb = b.counts.get(t).copied().unwrap_or(0.0);
            let lo = ((c + 0.5) / nf).ln() - ((cb + 0.5) / nb).ln();
            // Two-syllable terms read better than single syllables.
            let bonus = if t.contains(' ') { 1.3 } else { 1.0 };
            (t.clone(), bonus * lo * (c / nf).sqrt())
        })
        .filter(|(_, s)| *s > 0.0)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut keys: Vec<&str> = Vec::new();
    for (t, _) in &scored {
        if keys.len() >= n {
            break;
        }
        let padded = format!(" {t} ");
        if keys
            .iter()
            .any(|x| format!(" {x} ").contains(&padded) || padded.contains(&format!(" {x} ")))
        {
            continue;
        }
        keys.push(t);
    }
    let terms = keys.iter().map(|k| f.shown(k)).collect();
    scored.truncate(n * 3);
    (terms, scored)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a timestamp: Unix seconds, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]`, or RFC 3339
/// (`2025-07-01T08:30:00+07:00`, `…Z`). Times with an offset are kept as local wall time (the
/// offset is not applied), so that hours of the day mean what the reporter meant.
///
/// ```
/// use duluan_vitext::spikes::parse_time;
/// assert_eq!(parse_time("1970-01-02"), Some(86_400));
/// assert_eq!(parse_time("2025-07-01T08:30:00+07:00"), parse_time("2025-07-01 08:30"));
/// assert_eq!(parse_time("1751358600"), Some(1_751_358_600));
/// assert_eq!(parse_time("hôm qua"), None);
/// ```
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 12 {
        return s.parse().ok();
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    if b.len() > 10 {
        if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
            return None;
        }
        let (h, mi) = (num(11..13)?, num(14..16)?);
        let sec = if b.len() >= 19 && b[16] == b':' {
            num(17..19)?
        } else {
            0
        };
        if h > 23 || mi > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + mi * 60 + sec;
    }
    Some(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: i64, h: i64, i: i64) -> i64 {
        d * 86_400 + h * 3600 + i
    }

    #[test]
    fn seasonal_baseline_ignores_the_daily_rhythm() {
        // Every day: 30 items at 8h, 2 at 14h. A day with 30 at 8h is normal; 30 at 14h is a spike.
        let mut items = Vec::new();
        for d in 0..8 {
            for i in 0..30 {
                items.push(Item::new(day(d, 8, i), "s", "giá điện"));
            }
            for i in 0..2 {
                items.push(Item::new(day(d, 14, i), "s", "giá điện"));
            }
        }
        for i in 0..30 {
            items.push(Item {
                time: day(8, 14, i),
                series: "s",
                text: "cúp điện cả ngày",
                negative: Some(true),
                area: Some(if i % 3 == 0 { "Cái Khế" } else { "An Hòa" }),
            });
        }
        let sp = detect(&items, &Options::default());
        assert_eq!(sp.len(), 1, "{sp:?}");
        let s = &sp[0];
        assert_eq!(
            (s.start, s.count, s.kind),
            (day(8, 14, 0), 30, SpikeKind::Volume)
        );
        assert!((s.baseline_mean - 2.0).abs() < 1e-9);
        assert_eq!(
            s.areas,
            vec![("An Hòa".to_string(), 20), ("Cái Khế".to_string(), 10)]
        );
        assert!(
            s.top_terms.iter().any(|t| t.contains("cúp")),
            "{:?}",
            s.top_terms
        );
        assert!(s.ratio() >= 15.0 - 1e-9);
    }

    #[test]
    fn counts_and_explanation_agree_with_detect() {
        // Seven days of 2 items at 14h, then 30: score() on the counts and explain() on the
        // texts give what detect() gives on the items.
        let mut items = Vec::new();
        for d in 0..7 {
            for i in 0..2 {
                items.push(Item::new(day(d, 14, i), "s", "giá điện"));
            }
        }
        for i in 0..30 {
            items.push(Item::new(day(7, 14, i), "s", "cúp điện cả ngày"));
        }
        let sp = detect(&items, &Options::default());
        assert_eq!(sp.len(), 1);
        let two = Counts {
            count: 2,
            ..Counts::default()
        };
        let v = score(
            Counts {
                count: 30,
                ..Counts::default()
            },
            &[two; 7],
            &Options::default(),
        )
        .expect("a spike");
        assert_eq!((v.kind, v.z, v.baseline_mean), (sp[0].kind, sp[0].z, 2.0));
        // Two baseline days are not enough; too few items is never a spike.
        assert!(
            score(
                Counts {
                    count: 30,
                    ..Counts::default()
                },
                &[two; 2],
                &Options::default()
            )
            .is_none()
        );
        assert!(
            score(
                Counts {
                    count: 9,
                    ..Counts::default()
                },
                &[Counts::default(); 7],
                &Options::default()
            )
            .is_none()
        );
        let (fg, bg) = items.split_at(14);
        let e = explain(bg, fg, &Options::default());
        assert_eq!(e.top_terms, sp[0].top_terms);
        assert_eq!(e.examples.len(), 1, "identical texts give one example");
    }

    #[test]
    fn terms_typed_with_and_without_marks_count_as_one_and_show_their_marks() {
        // Half of the surge is typed without diacritics: "ngập úng" is one term, shown with its
        // marks; "cua" (của typed bare) is a stopword; an unaccented example is picked too.
        let mut spike = Vec::new();
        for i in 0..10 {
            spike.push(Item::new(i, "s", "Ngập úng nặng ở đường của phường"));
            spike.push(Item::new(i, "s", "ngap ung nang o duong cua phuong"));
        }
        spike.push(Item::new(0, "s", "Trời mưa ngap ung qua"));
        let baseline = vec![Item::new(0, "s", "giá điện tăng"); 12];
        let e = explain(&spike, &baseline, &Options::default());
        assert_eq!(
            e.top_terms.first().map(String::as_str),
            Some("ngập úng"),
            "{e:?}"
        );
        assert!(
            !e.top_terms
                .iter()
                .any(|t| t.contains("ngap") || t.contains("cua")),
            "{e:?}"
        );
        let (fg, _) = distinctive_terms(&["ngap ung", "ngap ung", "ngap ung"], &["gia dien"], 3);
        assert_eq!(
            fg.first().map(String::as_str),
            Some("ngap ung"),
            "no marks seen: as typed"
        );
    }

    #[test]
    fn negative_share_spike_without_volume_change() {
        let mut items = Vec::new();
        for d in 0..10 {
            for i in 0..20 {
                let neg = d == 9 && i < 15 || d < 9 && i < 2;
                items.push(Item {
                    time: day(d, 10, i),
                    series: "y tế",
                    text: if neg {
                        "bệnh viện quá tải, chờ lâu"
                    } else {
                        "khám bệnh nhanh"
                    },
                    negative: Some(neg),
                    area: None,
                });
            }
        }
        let sp = detect(&items, &Options::default());
        assert_eq!(sp.len(), 1);
        assert_eq!(sp[0].kind, SpikeKind::Negative);
        let (p, p0) = sp[0].negative_share.unwrap();
        assert!((p - 0.75).abs() < 1e-9 && (p0 - 0.1).abs() < 1e-9);
    }

    #[test]
    fn minimum_volume_and_empty_input() {
        assert!(detect(&[], &Options::default()).is_empty());
        let items: Vec<Item> = (0..5).map(|i| Item::new(day(3, 1, i), "s", "x")).collect();
        assert!(detect(&items, &Options::default()).is_empty());
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2000-03-01"),
            Some(days_from_civil(2000, 3, 1) * 86_400)
        );
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(parse_time("2025-13-01"), None);
        assert_eq!(parse_time("2025-01-01 24:00"), None);
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("2025-01-01X"), None);
    }
}
