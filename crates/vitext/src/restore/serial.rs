//! Serialisation of a model (`VTRS2`): writing it to bytes and reading it back with checks.

use super::{MAX_PARTS, Model, ModelError, Part, ngram};
use ngram::Reader;

impl Model {
    /// Serialises the model: `VTRS2`, the order, the number of mixed models with each one's
    /// weight and floor, the vocabulary, then each model's n-gram tables ([`ngram::write`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = b"VTRS2".to_vec();
        ngram::put(&mut out, self.order() as u64);
        ngram::put(&mut out, self.parts.len() as u64);
        for p in &self.parts {
            out.extend_from_slice(&p.weight.to_le_bytes());
            out.extend_from_slice(&p.floor.to_le_bytes());
        }
        ngram::put(&mut out, self.vocab.len() as u64);
        for w in &self.vocab {
            ngram::put(&mut out, w.len() as u64);
            out.extend_from_slice(w.as_bytes());
        }
        for p in &self.parts {
            ngram::write(&mut out, &p.tables);
        }
        out
    }

    /// Reads what [`Model::to_bytes`] wrote.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        if bytes.starts_with(b"VTRS1") {
            return Err(ModelError(
                "a model of an older release (VTRS1): train it again from its text".into(),
            ));
        }
        if !bytes.starts_with(b"VTRS2") {
            return Err(ModelError("missing header VTRS2".into()));
        }
        let mut r = Reader { b: bytes, at: 5 };
        let e = ModelError;
        let order = r.get().map_err(e)? as usize;
        if !(1..=ngram::MAX_ORDER).contains(&order) {
            return Err(ModelError(format!("order {order}")));
        }
        let count = r.get().map_err(e)? as usize;
        if !(1..=MAX_PARTS).contains(&count) {
            return Err(ModelError(format!("{count} mixed models")));
        }
        let mut parts = Vec::with_capacity(count);
        for _ in 0..count {
            let mut f32s = [0f32; 2];
            for x in &mut f32s {
                let b = r.take(4).map_err(e)?;
                *x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                if !x.is_finite() || *x > 0.0 {
                    return Err(ModelError(format!("weight or floor {x}")));
                }
            }
            parts.push(Part {
                weight: f32s[0],
                tables: Vec::new(),
                floor: f32s[1],
            });
        }
        let n = r.get().map_err(e)? as usize;
        if !(3..=ngram::MAX_VOCAB).contains(&n) || n > bytes.len() {
            return Err(ModelError(format!("vocabulary size {n}")));
        }
        let mut vocab = Vec::with_capacity(n);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..n {
            let len = r.get().map_err(e)? as usize;
            let at = r.at;
            let w = r.take(len).map_err(e)?;
            let w = std::str::from_utf8(w)
                .map_err(|_| ModelError(format!("word at byte {at} is not UTF-8")))?;
            if !seen.insert(w) {
                return Err(ModelError(format!("duplicate word {w:?}")));
            }
            vocab.push(w.to_string());
        }
        for p in &mut parts {
            p.tables = ngram::read(&mut r, order, n).map_err(e)?;
        }
        let mut m = Model::with_vocab(vocab);
        m.parts = parts;
        m.rank_forms();
        Ok(m)
    }
}
