//! Near-duplicate detection measured on a constructed set: posts made of two or three
//! consecutive sentences of the bundled corpus (so that many pairs share a topic and words), each
//! with edited copies as reshares arrive — marks stripped, a prefix and hashtags added, a word
//! dropped or replaced, punctuation and case changed, emoji, several edits at once. A pair is
//! predicted "the same post" when its SimHash fingerprints differ in at most `d` bits. Precision
//! and recall are over pairs: every copy with its original (should match), every copy and every
//! original with every other original (should not). Run with `--nocapture` for the table.

use duluan_vitext::dedup::{
    DEFAULT_RESEMBLANCE, PREFILTER_DISTANCE, hamming, resemblance, shingles, simhash,
};

/// Kinds of edits made to each post.
const KINDS: usize = 8;

/// A small deterministic generator (no dependency): the set is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn strip_marks(s: &str) -> String {
    duluan_vitext::chars::fold(s)
}

fn edit(text: &str, kind: usize, rng: &mut Lcg, vocabulary: &[&str]) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let drop = |words: &[&str], rng: &mut Lcg| {
        let mut w = words.to_vec();
        if w.len() > 4 {
            w.remove(rng.below(w.len()));
        }
        w.join(" ")
    };
    match kind {
        0 => strip_marks(text),
        1 => format!("Chia sẻ: {text} #cantho #tintuc"),
        2 => drop(&words, rng),
        3 => {
            let mut w = words.clone();
            let i = rng.below(w.len());
            w[i] = vocabulary[rng.below(vocabulary.len())];
            w.join(" ")
        }
        4 => format!("{}!!! 😡😡", text.replace(['.', ','], "").to_uppercase()),
        // Quoted in part with a comment of one's own: the first sentence or two and a reaction.
        6 => {
            let kept: Vec<&str> = text.split_inclusive('.').collect();
            let n = kept.len().saturating_sub(1).max(1);
            format!("{} Mọi người thấy sao về chuyện này?", kept[..n].concat())
        }
        // The sentences in another order.
        7 => {
            let mut parts: Vec<&str> = text.split_inclusive('.').collect();
            parts.reverse();
            parts.join(" ")
        }
        _ => {
            let once = drop(&words, rng);
            let words: Vec<&str> = once.split_whitespace().collect();
            format!("Nóng: {} ... xem thêm", drop(&words, rng))
        }
    }
}

struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

fn rates(c: &Counts) -> (f64, f64) {
    (
        c.tp as f64 / (c.tp + c.fp).max(1) as f64,
        c.tp as f64 / (c.tp + c.fn_).max(1) as f64,
    )
}

/// Every copy against every original, and every pair of originals, under the rule `same`.
fn measure<T>(originals: &[T], copies: &[(usize, T)], same: impl Fn(&T, &T) -> bool) -> Counts {
    let mut c = Counts {
        tp: 0,
        fp: 0,
        fn_: 0,
    };
    for (of, f) in copies {
        for (j, o) in originals.iter().enumerate() {
            match (j == *of, same(f, o)) {
                (true, true) => c.tp += 1,
                (true, false) => c.fn_ += 1,
                (false, true) => c.fp += 1,
                _ => {}
            }
        }
    }
    for i in 0..originals.len() {
        for j in i + 1..originals.len() {
            if same(&originals[i], &originals[j]) {
                c.fp += 1;
            }
        }
    }
    c
}

#[test]
fn near_duplicates_are_found_with_high_precision_and_recall() {
    let lines: Vec<&str> = duluan_vitext::corpus::lines()
        .filter(|l| l.split_whitespace().count() >= 6)
        .collect();
    let vocabulary: Vec<&str> = lines
        .iter()
        .flat_map(|l| l.split_whitespace())
        .filter(|w| w.chars().count() > 2)
        .collect();
    let mut rng = Lcg(20261205);
    // Posts of two or three consecutive sentences (often on the same topic).
    let mut posts: Vec<String> = vec![];
    let mut i = 0;
    while i + 3 <= lines.len() {
        let n = 2 + rng.below(2);
        posts.push(lines[i..i + n].join(" "));
        i += n;
    }
    let print = |t: &str| (simhash(t), shingles(t));
    let originals: Vec<(u64, Vec<u64>)> = posts.iter().map(|p| print(p)).collect();
    let mut copies: Vec<(usize, (u64, Vec<u64>))> = vec![];
    for (k, p) in posts.iter().enumerate() {
        for kind in 0..KINDS {
            copies.push((k, print(&edit(p, kind, &mut rng, &vocabulary))));
        }
    }
    println!(
        "{} posts, {} edited copies; pairs: {} should match, {} should not",
        posts.len(),
        copies.len(),
        copies.len(),
        copies.len() * (posts.len() - 1) + posts.len() * (posts.len() - 1) / 2
    );
    // The fingerprint alone: recall falls fast as edits grow on texts this short.
    println!("fingerprint alone, distance  precision  recall");
    for d in [4u32, 8, 12, 16, 20, 24] {
        let (p, r) = rates(&measure(&originals, &copies, |a, b| hamming(a.0, b.0) <= d));
        println!("{d:>27}  {p:>9.4}  {r:>6.4}");
    }
    // The rule ingest uses (`dedup::same_post`): fingerprints within the prefilter distance,
    // then the resemblance of the texts at least the threshold.
    println!(
        "fingerprint within {PREFILTER_DISTANCE} and resemblance, threshold  precision  recall"
    );
    let mut chosen = None;
    for t in [0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6] {
        let (p, r) = rates(&measure(&originals, &copies, |a, b| {
            duluan_vitext::dedup::same_post((a.0, &a.1), (b.0, &b.1), t)
        }));
        println!("{t:>59.2}  {p:>9.4}  {r:>6.4}");
        if (t - DEFAULT_RESEMBLANCE).abs() < 1e-9 {
            chosen = Some((p, r));
        }
    }
    let (precision, recall) = chosen.expect("the default threshold is measured");
    assert!(precision >= 0.99, "precision {precision:.4}");
    assert!(recall >= 0.95, "recall {recall:.4}");
    // A resemblance of a text with itself is 1, with an unrelated one near 0.
    let a = shingles(&posts[0]);
    assert_eq!(resemblance(&a, &a), 1.0);
    assert!(resemblance(&a, &shingles(&posts[posts.len() / 2])) < 0.1);
}
