//! Topic and direction models: multinomial logistic regression on folded syllable uni- and
//! bi-gram features (so text with and without diacritics looks the same), trained by SGD from
//! analysts' labels; k-fold cross-validated macro-F1 with per-class scores; active learning by
//! uncertainty sampling (the items whose two best labels are closest); compact serialisation.
//!
//! ```
//! use duluan_vitext::classify::{Classifier, TrainOptions};
//! let data = [
//!     ("giá cả", "giá xăng tăng cao"), ("giá cả", "giá điện lại tăng"), ("giá cả", "giá thịt heo tăng"),
//!     ("giao thông", "kẹt xe giờ cao điểm"), ("giao thông", "đường ngập, kẹt xe"), ("giao thông", "tai nạn giao thông ở ngã tư"),
//! ];
//! let model = Classifier::train(&data, &TrainOptions::default()).unwrap();
//! assert_eq!(model.predict("gia dien tang qua").label, "giá cả");
//! let bytes = model.to_bytes();
//! assert_eq!(Classifier::from_bytes(&bytes).unwrap().predict("ket xe qua").label, "giao thông");
//! ```

mod self_training;

pub use self_training::{SelfTrainOptions, keyword_examples, self_train};

use crate::features::{negated, ngrams};
use std::collections::HashMap;

/// Training parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainOptions {
    /// Passes over the data.
    pub epochs: usize,
    /// Initial learning rate.
    pub learning_rate: f32,
    /// L2 penalty.
    pub l2: f32,
    /// Seed of the example order (training is deterministic for a seed).
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 30,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 7,
        }
    }
}

/// Why training or reading a model failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// Fewer than two labels or no example.
    NotEnoughLabels(usize),
    /// The serialised bytes are not a model (what and where).
    Corrupt(String),
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelError::NotEnoughLabels(n) => {
                write!(
                    f,
                    "need at least two labels, found {n} / cần ít nhất hai nhãn, hiện có {n}"
                )
            }
            ModelError::Corrupt(w) => {
                write!(f, "invalid model file / tệp mô hình không hợp lệ: {w}")
            }
        }
    }
}

impl std::error::Error for ModelError {}

/// A prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct Prediction<'a> {
    /// Best label.
    pub label: &'a str,
    /// Its probability.
    pub confidence: f64,
    /// Probability of the best label minus that of the second (small: uncertain).
    pub margin: f64,
}

/// A trained linear model.
#[derive(Clone, Debug, PartialEq)]
pub struct Classifier {
    labels: Vec<String>,
    index: HashMap<u64, usize>,
    features: Vec<u64>,
    /// `features.len() * labels.len()` weights, feature-major.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

fn vectorise(text: &str) -> Vec<(u64, f32)> {
    let mut tf: HashMap<u64, f32> = HashMap::new();
    for (h, _) in ngrams(text, true).into_iter().chain(negated(text)) {
        *tf.entry(h).or_default() += 1.0;
    }
    let mut v: Vec<(u64, f32)> = tf.into_iter().map(|(h, c)| (h, 1.0 + c.ln())).collect();
    let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt().max(1e-6);
    for x in &mut v {
        x.1 /= norm;
    }
    v.sort_unstable_by_key(|x| x.0);
    v
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        crate::features::mix(self.0)
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

fn softmax(z: &mut [f32]) {
    let m = z.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mut s = 0.0;
    for x in z.iter_mut() {
        *x = (*x - m).exp();
        s += *x;
    }
    for x in z.iter_mut() {
        *x /= s;
    }
}

impl Classifier {
    /// Trains on `(label, text)` pairs.
    pub fn train<L: AsRef<str>, T: AsRef<str>>(
        examples: &[(L, T)],
        options: &TrainOptions,
    ) -> Result<Classifier, ModelError> {
        let mut labels: Vec<String> = examples
            .iter()
            .map(|(l, _)| l.as_ref().to_string())
            .collect();
        labels.sort();
        labels.dedup();
        if labels.len() < 2 {
            return Err(ModelError::NotEnoughLabels(labels.len()));
        }
        let label_of: HashMap<&str, usize> = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_str(), i))
            .collect();
        let mut index: HashMap<u64, usize> = HashMap::new();
        let mut features = Vec::new();
        let data: Vec<(usize, Vec<(usize, f32)>)> = examples
            .iter()
            .map(|(l, t)| {
                let v = vectorise(t.as_ref())
                    .into_iter()
                    .map(|(h, w)| {
                        let i = *index.entry(h).or_insert_with(|| {
                            features.push(h);
                            features.len() - 1
                        });
                        (i, w)
                    })
                    .collect();
                (label_of[l.as_ref()], v)
            })
            .collect();
        let k = labels.len();
        let mut weights = vec![0f32; features.len() * k];
        let mut bias = vec![0f32; k];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = Rng(options.seed);
        let mut z = vec![0f32; k];
        let mut step = 0usize;
        for _ in 0..options.epochs {
            rng.shuffle(&mut order);
            for &e in &order {
                let (y, x) = &data[e];
                z.copy_from_slice(&bias);
                for &(f, v) in x {
                    for (c, zc) in z.iter_mut().enumerate() {
                        *zc += weights[f * k + c] * v;
                    }
                }
                softmax(&mut z);
                let lr =
                    options.learning_rate / (1.0 + step as f32 / data.len().max(1) as f32).sqrt();
                step += 1;
                for c in 0..k {
                    let g = z[c] - if c == *y { 1.0 } else { 0.0 };
                    bias[c] -= lr * g;
                    for &(f, v) in x {
                        let w = &mut weights[f * k + c];
                        *w -= lr * (g * v + options.l2 * *w);
                    }
                }
            }
        }
        Ok(Classifier {
            labels,
            index,
            features,
            weights,
            bias,
        })
    }

    /// The labels, sorted.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Probability of every label (in the order of [`Classifier::labels`]).
    pub fn probabilities(&self, text: &str) -> Vec<f64> {
        let k = self.labels.len();
        let mut z = self.bias.clone();
        for (h, v) in vectorise(text) {
            if let Some(&f) = self.index.get(&h) {
                for (c, zc) in z.iter_mut().enumerate() {
                    *zc += self.weights[f * k + c] * v;
                }
            }
        }
        softmax(&mut z);
        z.into_iter().map(|p| p as f64).collect()
    }

    /// The best label with its confidence and margin.
    pub fn predict(&self, text: &str) -> Prediction<'_> {
        let p = self.probabilities(text);
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|a, b| p[*b].total_cmp(&p[*a]).then(a.cmp(b)));
        let best = order[0];
        let second = order.get(1).map_or(0.0, |&i| p[i]);
        Prediction {
            label: &self.labels[best],
            confidence: p[best],
            margin: p[best] - second,
        }
    }

    /// Serialises compactly: header, labels, delta-coded feature hashes, f32 weights.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"VTCL1".to_vec();
        put(&mut out, self.labels.len() as u64);
        for l in &self.labels {
            put(&mut out, l.len() as u64);
            out.extend_from_slice(l.as_bytes());
        }
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        let k = self.labels.len();
        let mut order: Vec<usize> = (0..self.features.len()).collect();
        order.sort_by_key(|&i| self.features[i]);
        put(&mut out, order.len() as u64);
        let mut prev = 0u64;
        for &i in &order {
            put(&mut out, self.features[i] - prev);
            prev = self.features[i];
            for c in 0..k {
                out.extend_from_slice(&self.weights[i * k + c].to_le_bytes());
            }
        }
        out
    }

    /// Reads what [`Classifier::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier, ModelError> {
        let bad = |w: &str, at: usize| ModelError::Corrupt(format!("{w} at byte {at}"));
        if !bytes.starts_with(b"VTCL1") {
            return Err(bad("missing header VTCL1", 0));
        }
        let mut at = 5;
        let k = get(bytes, &mut at)? as usize;
        if !(2..=10_000).contains(&k) {
            return Err(bad("label count", at));
        }
        let mut labels = Vec::with_capacity(k);
        for _ in 0..k {
            let n = get(bytes, &mut at)? as usize;
            let end = at
                .checked_add(n)
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| bad("truncated label", at))?;
            labels.push(
                std::str::from_utf8(&bytes[at..end])
                    .map_err(|_| bad("label not UTF-8", at))?
                    .to_string(),
            );
            at = end;
        }
        let f32s = |n: usize, at: &mut usize| -> Result<Vec<f32>, ModelError> {
            let end = at
                .checked_add(n.checked_mul(4).ok_or_else(|| bad("size", *at))?)
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| bad("truncated weights", *at))?;
            let v = bytes[*at..end]
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            *at = end;
            Ok(v)
        };
        let bias = f32s(k, &mut at)?;
        let nf = get(bytes, &mut at)? as usize;
        if nf > bytes.len() {
            return Err(bad("feature count", at));
        }
        let mut features = Vec::with_capacity(nf);
        let mut weights = Vec::with_capacity(nf * k);
        let mut prev = 0u64;
        for _ in 0..nf {
            prev = prev
                .checked_add(get(bytes, &mut at)?)
                .ok_or_else(|| bad("feature overflow", at))?;
            features.push(prev);
            weights.extend(f32s(k, &mut at)?);
        }
        if at != bytes.len() {
            return Err(bad("trailing bytes", at));
        }
        let index = features.iter().enumerate().map(|(i, &h)| (h, i)).collect();
        Ok(Classifier {
            labels,
            index,
            features,
            weights,
            bias,
        })
    }
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(b: &[u8], at: &mut usize) -> Result<u64, ModelError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *b
            .get(*at)
            .ok_or_else(|| ModelError::Corrupt(format!("truncated at byte {at}")))?;
        *at += 1;
        v |= ((byte & 0x7f) as u64) << shift;
        if byte < 0x80 {
            return Ok(v);
        }
    }
    Err(ModelError::Corrupt(format!("bad number at byte {at}")))
}

/// Scores of one class in a cross-validation.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassScore {
    /// The label.
    pub label: String,
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Number of examples with this label.
    pub support: usize,
}

/// Result of [`cross_validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct CvReport {
    /// Unweighted mean of the per-class F1.
    pub macro_f1: f64,
    /// Share of examples predicted right.
    pub accuracy: f64,
    /// Per-class scores, sorted by label.
    pub classes: Vec<ClassScore>,
    /// Number of folds used.
    pub folds: usize,
}

/// K-fold cross-validation (examples shuffled with the training seed, then dealt round-robin
/// into folds per label so that each fold has every label when possible).
pub fn cross_validate<L: AsRef<str>, T: AsRef<str>>(
    examples: &[(L, T)],
    folds: usize,
    options: &TrainOptions,
) -> Result<CvReport, ModelError> {
    let folds = folds.clamp(2, examples.len().max(2));
    let mut order: Vec<usize> = (0..examples.len()).collect();
    Rng(options.seed ^ 0x00C0_FFEE).shuffle(&mut order);
    order.sort_by(|a, b| examples[*a].0.as_ref().cmp(examples[*b].0.as_ref()));
    let mut fold_of = vec![0usize; examples.len()];
    for (n, &i) in order.iter().enumerate() {
        fold_of[i] = n % folds;
    }
    let mut labels: Vec<&str> = examples.iter().map(|(l, _)| l.as_ref()).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(ModelError::NotEnoughLabels(labels.len()));
    }
    let li: HashMap<&str, usize> = labels.iter().enumerate().map(|(i, l)| (*l, i)).collect();
    let k = labels.len();
    let (mut tp, mut fp, mut fneg) = (vec![0usize; k], vec![0usize; k], vec![0usize; k]);
    let mut correct = 0;
    for f in 0..folds {
        let train: Vec<(&str, &str)> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| fold_of[*i] != f)
            .map(|(_, (l, t))| (l.as_ref(), t.as_ref()))
            .collect();
        let Ok(model) = Classifier::train(&train, options) else {
            continue;
        };
        for (i, (l, t)) in examples
            .iter()
            .enumerate()
            .filter(|(i, _)| fold_of[*i] == f)
        {
            let _ = i;
            let truth = li[l.as_ref()];
            let guess = li
                .get(model.predict(t.as_ref()).label)
                .copied()
                .unwrap_or(usize::MAX);
            if guess == truth {
                tp[truth] += 1;
                correct += 1;
            } else {
                fneg[truth] += 1;
                if guess < k {
                    fp[guess] += 1;
                }
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let classes: Vec<ClassScore> = (0..k)
        .map(|c| {
            let p = ratio(tp[c], tp[c] + fp[c]);
            let r = ratio(tp[c], tp[c] + fneg[c]);
            let f1 = if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            };
            ClassScore {
                label: labels[c].to_string(),
                precision: p,
                recall: r,
                f1,
                support: tp[c] + fneg[c],
            }
        })
        .collect();
    let macro_f1 = classes.iter().map(|c| c.f1).sum::<f64>() / k as f64;
    Ok(CvReport {
        macro_f1,
        accuracy: ratio(correct, examples.len()),
        classes,
        folds,
    })
}

/// Active learning: the `n` unlabelled texts whose labels would help most (smallest margin
/// between the two most probable labels), as `(index in texts, margin)`, most uncertain first.
pub fn propose<T: AsRef<str>>(model: &Classifier, unlabelled: &[T], n: usize) -> Vec<(usize, f64)> {
    let mut m: Vec<(usize, f64)> = unlabelled
        .iter()
        .enumerate()
        .map(|(i, t)| (i, model.predict(t.as_ref()).margin))
        .collect();
    m.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    m.truncate(n);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<(&'static str, String)> {
        let mut d = Vec::new();
        for (label, file) in [
            ("kinh tế", "kinh-te.txt"),
            ("y tế", "y-te.txt"),
            ("giáo dục", "giao-duc.txt"),
            ("giao thông", "giao-thong.txt"),
        ] {
            let text = crate::corpus::FILES
                .iter()
                .find(|f| f.0 == file)
                .map(|f| f.1)
                .unwrap_or("");
            for line in text.lines().filter(|l| !l.starts_with('#')).take(80) {
                d.push((label, line.to_string()));
            }
        }
        d
    }

    #[test]
    fn cross_validated_topics_on_the_corpus() {
        let d = data();
        let r = cross_validate(&d, 5, &TrainOptions::default()).unwrap();
        assert_eq!(r.classes.len(), 4);
        assert!(r.macro_f1 > 0.7, "{r:?}");
        assert_eq!(r.classes.iter().map(|c| c.support).sum::<usize>(), d.len());
    }

    #[test]
    fn serialisation_and_errors() {
        let d = data();
        let m = Classifier::train(
            &d,
            &TrainOptions {
                epochs: 5,
                ..TrainOptions::default()
            },
        )
        .unwrap();
        let b = m.to_bytes();
        let back = Classifier::from_bytes(&b).unwrap();
        assert_eq!(
            back.predict("benh vien qua tai").label,
            m.predict("benh vien qua tai").label
        );
        assert_eq!(back.probabilities("học phí"), m.probabilities("học phí"));
        assert!(Classifier::from_bytes(&b[..b.len() - 1]).is_err());
        assert!(Classifier::from_bytes(b"VTCL1").is_err());
        assert_eq!(
            Classifier::train(&[("a", "x")], &TrainOptions::default()),
            Err(ModelError::NotEnoughLabels(1))
        );
        let unl = [
            "bệnh viện quá tải",
            "giá xăng",
            "học sinh đi xe buýt đến trường",
        ];
        let p = propose(&m, &unl, 2);
        assert_eq!(p.len(), 2);
        assert!(p[0].1 <= p[1].1);
    }

    proptest::proptest! {
        #[test]
        fn from_bytes_never_panics(b in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = Classifier::from_bytes(&b);
            let mut v = b"VTCL1".to_vec();
            v.extend(b);
            let _ = Classifier::from_bytes(&v);
        }
    }
}
