//! Decoding: the mixture's n-gram probabilities and the beam search that restores the marks
//! of a text.

use super::{
    BEAM, BOS, EOS, MAX_CACHE, MAX_CANDIDATES, MAX_PARTS, MAX_PHRASE, Model, PROFILE_WEIGHT, UNK,
    ngram,
};
use crate::tokens::{self, Kind};

impl Model {
    pub(super) fn log_prob(&self, ctx: &[u32], w: u32) -> f32 {
        let weights: Vec<f32> = self.parts.iter().map(|p| p.weight).collect();
        self.log_prob_with(&weights, ctx, w)
    }

    /// [`Model::log_prob_with`], each part's log-probability of `w` after `ctx` kept in
    /// `cache` for the other weightings of the same text.
    fn cached(
        &self,
        weights: &[f32],
        ctx: &[u32],
        w: u32,
        cache: &mut ngram::KeyMap<[f32; MAX_PARTS]>,
    ) -> f32 {
        if self.parts.len() < 2 {
            return self.log_prob_with(weights, ctx, w);
        }
        // Ids are below 2^16 - 1: three of context and the word fill 64 bits.
        let mut k = 0u64;
        for i in 0..3 {
            let id = if ctx.len() + i >= 3 {
                ctx[ctx.len() + i - 3]
            } else {
                0xffff
            };
            k = (k << 16) | (id as u64 & 0xffff);
        }
        k = (k << 16) | w as u64;
        if cache.len() > MAX_CACHE {
            cache.clear();
        }
        let lp = cache.entry(k).or_insert_with(|| {
            let mut v = [0f32; MAX_PARTS];
            for (x, p) in v.iter_mut().zip(&self.parts) {
                *x = ngram::log_prob(&p.tables, ctx, w, p.floor);
            }
            v
        });
        let mut acc = f32::NEG_INFINITY;
        for (x, weight) in lp.iter().zip(weights) {
            let x = weight + x;
            let (hi, lo) = if x > acc { (x, acc) } else { (acc, x) };
            acc = hi + (lo - hi).exp().ln_1p();
        }
        acc
    }

    /// Log-probability under the mixture with the given weights (natural logs, one per part).
    fn log_prob_with(&self, weights: &[f32], ctx: &[u32], w: u32) -> f32 {
        match self.parts.as_slice() {
            [] => 0.0,
            [p] => ngram::log_prob(&p.tables, ctx, w, p.floor),
            parts => {
                let mut acc = f32::NEG_INFINITY;
                for (p, weight) in parts.iter().zip(weights) {
                    let x = weight + ngram::log_prob(&p.tables, ctx, w, p.floor);
                    let (hi, lo) = if x > acc { (x, acc) } else { (acc, x) };
                    acc = hi + (lo - hi).exp().ln_1p();
                }
                acc
            }
        }
    }

    /// Candidate ids for one written word: its accented forms when it carries no mark.
    fn candidates(&self, lower: &str) -> Vec<u32> {
        let marked = lower.chars().any(crate::chars::has_mark);
        if !marked && let Some(list) = self.by_fold.get(lower) {
            return list.iter().copied().take(MAX_CANDIDATES).collect();
        }
        vec![self.index.get(lower).copied().unwrap_or(UNK)]
    }

    /// Best sequence of forms for one phrase of lower-case words (beam search, hypotheses
    /// that share their last `order - 1` words recombined). `None` for words left as written.
    fn best(
        &self,
        words: &[String],
        weights: &[f32],
        cache: &mut ngram::KeyMap<[f32; MAX_PARTS]>,
    ) -> (Vec<Option<u32>>, f32) {
        #[derive(Clone, Copy)]
        struct Hyp {
            score: f32,
            /// Last words, oldest first, `u32::MAX` where there is none.
            ctx: [u32; 3],
            back: u32,
            word: u32,
        }
        fn context(h: &Hyp) -> &[u32] {
            let start = h.ctx.iter().position(|&w| w != u32::MAX).unwrap_or(3);
            &h.ctx[start..]
        }
        if words.is_empty() {
            return (Vec::new(), 0.0);
        }
        let keep = self.order().saturating_sub(1).min(3);
        let shift = |ctx: [u32; 3], w: u32| -> [u32; 3] {
            let mut c = [ctx[1], ctx[2], w];
            for x in c.iter_mut().take(3 - keep) {
                *x = u32::MAX;
            }
            c
        };
        let start = Hyp {
            score: 0.0,
            ctx: shift([u32::MAX; 3], BOS),
            back: 0,
            word: BOS,
        };
        let mut steps: Vec<Vec<Hyp>> = Vec::with_capacity(words.len());
        let mut beam = vec![start];
        let mut next: Vec<Hyp> = Vec::new();
        for w in words {
            let cands = self.candidates(w);
            next.clear();
            for (bi, h) in beam.iter().enumerate() {
                for &c in &cands {
                    next.push(Hyp {
                        score: h.score + self.cached(weights, context(h), c, cache),
                        ctx: shift(h.ctx, c),
                        back: bi as u32,
                        word: c,
                    });
                }
            }
            next.sort_by(|a, b| b.score.total_cmp(&a.score));
            let mut kept: Vec<Hyp> = Vec::with_capacity(BEAM);
            for h in &next {
                if kept.len() == BEAM {
                    break;
                }
                if !kept.iter().any(|k| k.ctx == h.ctx) {
                    kept.push(*h);
                }
            }
            steps.push(std::mem::replace(&mut beam, kept));
        }
        let (mut at, score) = beam
            .iter()
            .enumerate()
            .map(|(i, h)| (i, h.score + self.cached(weights, context(h), EOS, cache)))
            .fold((0, f32::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        let mut out = vec![None; words.len()];
        steps.push(beam);
        for i in (0..words.len()).rev() {
            let h = steps[i + 1][at];
            out[i] = Some(h.word).filter(|&id| id != UNK);
            at = h.back as usize;
        }
        (out, score)
    }

    /// Mixture weights tried for each text: for each part, that part at [`PROFILE_WEIGHT`]
    /// and the others sharing what is left (the trained weights for a single model).
    fn profiles(&self) -> Vec<Vec<f32>> {
        let n = self.parts.len();
        if n < 2 {
            return vec![self.parts.iter().map(|p| p.weight).collect()];
        }
        let rest = ((1.0 - PROFILE_WEIGHT) / (n - 1) as f32).ln();
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| if i == j { PROFILE_WEIGHT.ln() } else { rest })
                    .collect()
            })
            .collect()
    }

    /// Restores the marks of a text, keeping everything else (case, spacing, punctuation,
    /// words that already carry marks and words the model does not know). A mixture model
    /// decodes the whole text once per part, that part weighing 0.97, and keeps the most
    /// probable reading: public-life text leans on the corpus model, software text on the
    /// general one.
    pub fn restore(&self, text: &str) -> String {
        let toks = tokens::tokenize(text);
        let mut phrases: Vec<Vec<&tokens::Token<'_>>> = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i].kind != Kind::Word {
                i += 1;
                continue;
            }
            // A phrase: words, also when joined by `_` or `-` without spaces (`tùy_chọn`, the
            // segmenter's `người_dân`, `Rịa-Vũng`).
            let mut j = i + 1;
            while j < toks.len() {
                let joined = |k: usize| {
                    matches!(toks[k].text, "_" | "-")
                        && toks[k].start == toks[k - 1].end
                        && toks[k - 1].kind == Kind::Word
                        && toks
                            .get(k + 1)
                            .is_some_and(|n| n.kind == Kind::Word && n.start == toks[k].end)
                };
                if toks[j].kind == Kind::Word || joined(j) {
                    j += 1;
                } else {
                    break;
                }
            }
            phrases.push(toks[i..j].iter().filter(|t| t.kind == Kind::Word).collect());
            i = j;
        }
        let lowers: Vec<Vec<String>> = phrases
            .iter()
            .map(|p| p.iter().map(|t| tokens::lower(t.text)).collect())
            .collect();
        let mut best: (f32, Vec<Option<u32>>) = (f32::NEG_INFINITY, Vec::new());
        let mut cache = ngram::KeyMap::default();
        for weights in self.profiles() {
            let mut score = 0.0;
            let mut chosen = Vec::new();
            for l in &lowers {
                // Very long phrases are decoded in windows so that memory stays bounded.
                for c in l.chunks(MAX_PHRASE) {
                    let (ids, s) = self.best(c, &weights, &mut cache);
                    chosen.extend(ids);
                    score += s;
                }
            }
            if score > best.0 || best.1.len() != chosen.len() {
                best = (score, chosen);
            }
        }
        let mut out = String::with_capacity(text.len() + text.len() / 4);
        let mut last = 0;
        for (t, id) in phrases.iter().flatten().zip(best.1) {
            out.push_str(&text[last..t.start]);
            match id {
                Some(id) => out.push_str(&apply_case(t.text, &self.vocab[id as usize])),
                None => out.push_str(t.text),
            }
            last = t.end;
        }
        out.push_str(&text[last..]);
        out
    }
}

/// Copies the letter case of `written` onto `form` (same number of letters after folding).
fn apply_case(written: &str, form: &str) -> String {
    let mut out = String::with_capacity(form.len());
    let mut w = written.chars();
    for c in form.chars() {
        match w.next() {
            Some(x) if x.is_uppercase() => out.extend(c.to_uppercase()),
            _ => out.push(c),
        }
    }
    out
}
