//! Open answers summarised without reading them one by one: the keyphrases of all of a text
//! question's answers (`duluan_vitext::keyphrases`), the themes they cluster into
//! (`duluan_vitext::cluster`: its label terms, its size and share), and for readers who may read
//! responses a few example answers of each theme with personal data masked
//! (`duluan_vitext::pii::redact`). A theme under `k` answers is not shown: it would point at a
//! few people's words.

use duluan_forms::QuestionType;
use duluan_forms::check::CheckedForm;
use duluan_vitext::cluster::{Clusterer, Options};

use super::Data;

/// Examples kept per theme.
pub const EXAMPLES: usize = 3;
/// Longest example shown, in characters.
const EXAMPLE_CHARS: usize = 240;

/// One theme.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Its distinctive terms.
    pub label: Vec<String>,
    /// Answers in it.
    pub size: usize,
    /// Their share of the answers.
    pub share: f64,
    /// A few answers, personal data masked (empty unless asked for).
    pub examples: Vec<String>,
}

/// The summary of one text question.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenSummary {
    /// Variable name.
    pub name: String,
    /// Wording.
    pub label: String,
    /// Non-empty answers.
    pub n: usize,
    /// Keyphrases with how often they occur.
    pub keyphrases: Vec<(String, usize)>,
    /// Themes of at least `k` answers, largest first.
    pub themes: Vec<Theme>,
}

/// Cuts a text to `max` characters at a space, with `…`.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let head: String = text.chars().take(max).collect();
    let at = head.rfind(' ').unwrap_or(head.len());
    format!("{}…", head[..at].trim_end())
}

/// The summaries of every text question outside repeats answered by at least `k` respondents
/// (within `within`); `examples` adds masked example answers.
pub fn summarise(
    form: &CheckedForm,
    data: &Data,
    k: usize,
    lang: &str,
    within: Option<&[bool]>,
    examples: bool,
) -> Vec<OpenSummary> {
    let fallback = form.form.default_language.as_deref();
    let mut out = Vec::new();
    for (i, node) in form.nodes.iter().enumerate() {
        if !node.repeats.is_empty() {
            continue;
        }
        let Some(q) = form.question(i as u32) else {
            continue;
        };
        if !matches!(q.kind, QuestionType::Text) {
            continue;
        }
        let col = data.column(&q.name);
        let answers: Vec<&str> = (0..data.n)
            .filter(|&r| col.answered(r) && within.is_none_or(|w| w[r]))
            .map(|r| col.get(r))
            .collect();
        if answers.len() < k.max(1) {
            continue;
        }
        let joined = answers.join("\n");
        let keyphrases = duluan_vitext::keyphrases::keyphrases(&joined, 10)
            .into_iter()
            .filter(|p| p.count >= k)
            .map(|p| (p.phrase, p.count))
            .collect();
        let mut c = Clusterer::new(Options::default());
        for a in &answers {
            c.add(a);
        }
        let themes = c
            .clusters(k.max(1))
            .into_iter()
            .take(8)
            .map(|cl| Theme {
                share: cl.size as f64 / answers.len() as f64,
                examples: if examples {
                    cl.members
                        .iter()
                        .take(EXAMPLES)
                        .map(|&m| cut(&duluan_vitext::pii::redact(answers[m]), EXAMPLE_CHARS))
                        .collect()
                } else {
                    vec![]
                },
                label: cl.label,
                size: cl.size,
            })
            .collect();
        out.push(OpenSummary {
            name: q.name.clone(),
            label: q.label.get(lang, fallback).unwrap_or(&q.name).to_string(),
            n: answers.len(),
            keyphrases,
            themes,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_become_keyphrases_and_themes_with_masked_examples() {
        let form = crate::surveys::results::demo::sipas_form();
        let checked = duluan_forms::check::check_form(&form).unwrap();
        let mut data = Data::default();
        let texts = [
            "Thủ tục đất đai còn rườm rà, phải đi lại nhiều lần.",
            "Thủ tục đất đai rườm rà quá, gọi tôi số 0912 345 678.",
            "Thủ tục đất đai rườm rà, mất nhiều thời gian.",
            "Thủ tục đất đai rườm rà và chậm.",
            "Thủ tục đất đai rườm rà, nhiều giấy tờ.",
            "Thủ tục đất đai rườm rà lắm.",
            "Cán bộ hướng dẫn tận tình.",
        ];
        for t in texts {
            data.push([("gop_y", t)], None, None, 0);
        }
        let data = data.finish();
        let out = summarise(&checked, &data, 5, "vi", None, true);
        assert_eq!(out.len(), 1);
        let s = &out[0];
        assert_eq!(s.n, 7);
        assert!(
            s.keyphrases.iter().any(|(p, _)| p.contains("đất đai")),
            "{s:?}"
        );
        assert_eq!(s.themes.len(), 1, "{s:?}");
        assert!(s.themes[0].size >= 5);
        let all = s.themes[0].examples.join(" ");
        assert!(!all.contains("0912"), "{all}");
        // Without the right to read responses: no examples.
        let out = summarise(&checked, &data, 5, "vi", None, false);
        assert!(out[0].themes[0].examples.is_empty());
        // Fewer answers than k: nothing.
        assert!(summarise(&checked, &data, 8, "vi", None, true).is_empty());
    }
}
