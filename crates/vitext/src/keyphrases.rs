//! Keyphrases over syllable n-grams, YAKE-like: statistics of each syllable inside the text
//! (frequency, position, spread over sentences, casing, variety of neighbours), combined for
//! candidate n-grams of one to three syllables that neither start nor end with a stopword
//! (combined by a length-neutral geometric mean, single syllables penalised).
//! Lower YAKE scores are better; [`keyphrases`] returns the best first with the score turned
//! into `1 / (1 + score)` so that higher is better.

use crate::stopwords::is_stopword;
use crate::tokens::{self, Kind};
use std::collections::{HashMap, HashSet};

/// A keyphrase: lower-case syllables joined by one space, and its relevance (higher is better).
#[derive(Clone, Debug, PartialEq)]
pub struct Keyphrase {
    /// The phrase.
    pub phrase: String,
    /// Relevance in (0, 1].
    pub score: f64,
    /// Occurrences in the text.
    pub count: usize,
}

/// Score multiplier of one-syllable candidates (higher is worse).
const SINGLE_SYLLABLE_PENALTY: f64 = 2.0;

#[derive(Default)]
struct Stats {
    tf: f64,
    upper: f64,
    sentences: HashSet<usize>,
    positions: Vec<usize>,
    left: HashSet<String>,
    right: HashSet<String>,
}

/// The `n` best keyphrases of a text (a single item or many items joined by new lines).
///
/// ```
/// use duluan_vitext::keyphrases::keyphrases;
/// let text = "Giá điện tăng. Người dân lo lắng vì giá điện tăng liên tục. Giá điện tháng này cao.";
/// let k = keyphrases(text, 3);
/// assert_eq!(k[0].phrase, "giá điện");
/// ```
pub fn keyphrases(text: &str, n: usize) -> Vec<Keyphrase> {
    keyphrases_with(text, n, crate::terms::Lexicon::default_lexicon())
}

/// Like [`keyphrases`], with the lexicon that decides which multi-syllable candidates are
/// words: a candidate of two or three syllables is kept when it is a known term, occurs at
/// least twice in the text, or is a run of capitalised syllables (a proper name).
pub fn keyphrases_with(text: &str, n: usize, lexicon: &crate::terms::Lexicon) -> Vec<Keyphrase> {
    // Sentences of phrases of (lower, capitalised-not-first) words.
    let toks = tokens::tokenize(text);
    let mut sentences: Vec<Vec<Vec<(String, bool)>>> = vec![vec![vec![]]];
    for t in &toks {
        match t.kind {
            Kind::Word => {
                let Some(s) = sentences.last_mut() else {
                    continue;
                };
                let first_of_sentence = s.len() == 1 && s[0].is_empty();
                let Some(p) = s.last_mut() else { continue };
                let capital =
                    t.text.chars().next().is_some_and(char::is_uppercase) && !first_of_sentence;
                p.push((tokens::lower(t.text), capital));
            }
            _ => {
                let end = matches!(t.text, "." | "!" | "?" | ";" | "\n") || t.text.starts_with('…');
                if end {
                    sentences.push(vec![vec![]]);
                } else {
                    if let Some(s) = sentences.last_mut() {
                        s.push(vec![]);
                    }
                }
            }
        }
    }
    let mut stats: HashMap<String, Stats> = HashMap::new();
    for (si, s) in sentences.iter().enumerate() {
        for p in s {
            for (i, (w, cap)) in p.iter().enumerate() {
                if is_stopword(w) {
                    continue;
                }
                let st = stats.entry(w.clone()).or_default();
                st.tf += 1.0;
                if *cap {
                    st.upper += 1.0;
                }
                st.sentences.insert(si);
                st.positions.push(si);
                if i > 0 {
                    st.left.insert(p[i - 1].0.clone());
                }
                if i + 1 < p.len() {
                    st.right.insert(p[i + 1].0.clone());
                }
            }
        }
    }
    if stats.is_empty() {
        return Vec::new();
    }
    let tfs: Vec<f64> = stats.values().map(|s| s.tf).collect();
    let mean = tfs.iter().sum::<f64>() / tfs.len() as f64;
    let sd = (tfs.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / tfs.len() as f64).sqrt();
    let max_tf = tfs.iter().cloned().fold(1.0, f64::max);
    let n_sent = sentences.len().max(1) as f64;
    let word_score: HashMap<&str, f64> = stats
        .iter()
        .map(|(w, s)| {
            let t_case = s.upper / (1.0 + s.tf.ln());
            let mut pos = s.positions.clone();
            pos.sort_unstable();
            let median = pos[pos.len() / 2] as f64;
            let t_pos = (3.0 + median).ln().ln();
            let t_norm = s.tf / (mean + sd);
            let t_rel =
                1.0 + (s.left.len() as f64 + s.right.len() as f64) / (2.0 * s.tf) * (s.tf / max_tf);
            let t_sent = s.sentences.len() as f64 / n_sent;
            (
                w.as_str(),
                t_rel * t_pos / (t_case + t_norm / t_rel + t_sent / t_rel),
            )
        })
        .collect();
    // Runs of capitalised syllables (proper names) of two or three syllables.
    let mut proper: HashSet<String> = HashSet::new();
    for s in &sentences {
        for p in s {
            for i in 0..p.len() {
                for len in 2..=3 {
                    if i + len <= p.len() && p[i..i + len].iter().all(|w| w.1) {
                        proper.insert(
                            p[i..i + len]
                                .iter()
                                .map(|w| w.0.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                        );
                    }
                }
            }
        }
    }
    // Candidates.
    let mut cand: HashMap<String, (usize, f64)> = HashMap::new();
    for s in &sentences {
        for p in s {
            for i in 0..p.len() {
                for len in 1..=3 {
                    if i + len > p.len() {
                        break;
                    }
                    let words = &p[i..i + len];
                    if is_stopword(&words[0].0) || is_stopword(&words[len - 1].0) {
                        continue;
                    }
                    let phrase = words
                        .iter()
                        .map(|w| w.0.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    if len > 1 && is_stopword(&phrase) {
                        continue;
                    }
                    let (mut prod, mut sum) = (1.0f64, 0.0);
                    for (w, _) in words {
                        if let Some(&sc) = word_score.get(w.as_str()) {
                            prod *= sc;
                            sum += sc;
                        }
                    }
                    // Length-neutral combination; a lone syllable is rarely a Vietnamese
                    // keyphrase, so it is penalised.
                    let single = if len == 1 {
                        SINGLE_SYLLABLE_PENALTY
                    } else {
                        1.0
                    };
                    let e = cand.entry(phrase).or_insert((0, 0.0));
                    e.0 += 1;
                    e.1 = single * prod.powf(1.0 / len as f64) / (1.0 + sum / len as f64);
                }
            }
        }
    }
    // Multi-syllable candidates must look like words (see `keyphrases_with`).
    cand.retain(|phrase, (count, _)| {
        !phrase.contains(' ')
            || *count >= 2
            || lexicon.contains(phrase)
            || proper.contains(phrase.as_str())
    });
    let mut scored: Vec<(String, usize, f64)> = cand
        .into_iter()
        .map(|(k, (tf, s))| (k, tf, s / tf as f64))
        .collect();
    scored.sort_by(|a, b| a.2.total_cmp(&b.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));
    let mut out: Vec<Keyphrase> = Vec::new();
    for (phrase, count, s) in scored {
        if out.len() >= n {
            break;
        }
        let padded = format!(" {phrase} ");
        if out.iter().any(|k| {
            format!(" {} ", k.phrase).contains(&padded)
                || padded.contains(&format!(" {} ", k.phrase))
        }) {
            continue;
        }
        out.push(Keyphrase {
            phrase,
            score: 1.0 / (1.0 + s),
            count,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_topic_and_skips_stopwords() {
        let text = "Người dân phường An Khánh phản ánh tình trạng ngập nước. Mỗi khi mưa lớn, đường ngập nước sâu. \
                    Ngập nước kéo dài làm xe chết máy. Người dân mong sớm chống ngập.";
        let k = keyphrases(text, 5);
        let phrases: Vec<&str> = k.iter().map(|k| k.phrase.as_str()).collect();
        assert!(phrases.contains(&"ngập nước"), "{phrases:?}");
        assert!(phrases.iter().all(|p| !is_stopword(p)));
        assert!(k.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn empty_and_stopword_only() {
        assert!(keyphrases("", 5).is_empty());
        assert!(keyphrases("và của là", 5).is_empty());
        assert!(keyphrases("!!! 123", 5).is_empty());
    }
}
