//! What an expression sees from one node instance: references, `position()`,
//! `indexed-repeat()`, choice labels and columns, `pulldata()` and the clock.

use super::Ctx;
use crate::check::NodeKind;
use crate::eval::{Env, EvalError};
use crate::value::{DateTime, Days, Value};

impl Ctx<'_, '_> {
    fn owner_chain(&self) -> &[u32] {
        if self.owner == u32::MAX {
            &[]
        } else {
            &self.st.form.chains[self.owner as usize]
        }
    }

    /// Values of node `id` seen from this context: one value or a node-set.
    pub(super) fn value_of(&self, id: u32) -> Result<Value, EvalError> {
        let form = self.st.form;
        let target = &form.chains[id as usize];
        let own = self.owner_chain();
        let is_repeat = form.nodes[id as usize].kind == NodeKind::Repeat;
        // A repeat seen from inside itself still means all its instances (an absolute path).
        let shared = target.len() - usize::from(is_repeat);
        let common = target
            .iter()
            .zip(own)
            .take_while(|(a, b)| a == b)
            .count()
            .min(self.key.len())
            .min(shared);
        let cells = &self.st.cells[id as usize];
        if common == target.len() && !is_repeat {
            return Ok(Value::Str(
                cells
                    .get(&self.key[..common])
                    .map(|c| c.value.clone())
                    .unwrap_or_default(),
            ));
        }
        let keys = self.st.instances(target, &self.key[..common]);
        Ok(Value::Nodes(
            keys.iter()
                .map(|k| cells.get(k).map(|c| c.value.clone()).unwrap_or_default())
                .collect(),
        ))
    }
}

impl Env for Ctx<'_, '_> {
    fn reference(&self, id: u32, name: &str) -> Result<Value, EvalError> {
        let id = if (id as usize) < self.st.form.nodes.len() {
            id
        } else {
            *self
                .st
                .form
                .by_name
                .get(name)
                .ok_or_else(|| unknown(name))?
        };
        self.value_of(id)
    }

    fn count(&self, id: u32, name: &str) -> Result<usize, EvalError> {
        Ok(match self.reference(id, name)? {
            Value::Nodes(v) => v.len(),
            _ => 1,
        })
    }

    fn current(&self) -> Value {
        self.current.clone()
    }

    fn position(&self) -> Result<f64, EvalError> {
        match self.key.last() {
            Some(i) => Ok(f64::from(*i) + 1.0),
            None => Err(EvalError::new(
                "`position(..)` is used outside a repeat",
                "`position(..)` được dùng ngoài nhóm lặp",
            )),
        }
    }

    fn indexed(
        &self,
        field: (u32, &str),
        steps: &[((u32, &str), f64)],
    ) -> Result<Value, EvalError> {
        let form = self.st.form;
        let id = field.0;
        if id as usize >= form.nodes.len() {
            return Err(unknown(field.1));
        }
        let target = &form.chains[id as usize];
        let own = self.owner_chain();
        let mut key = Vec::new();
        for (k, r) in target.iter().enumerate() {
            if let Some((_, idx)) = steps.iter().find(|((sid, _), _)| sid == r) {
                if !idx.is_finite() || *idx < 1.0 {
                    return Ok(Value::empty());
                }
                key.push((*idx as u32).saturating_sub(1));
            } else if own.get(k) == Some(r) && k < self.key.len() {
                key.push(self.key[k]);
            } else {
                key.push(0);
            }
        }
        Ok(Value::Str(
            self.st.cells[id as usize]
                .get(&key)
                .map(|c| c.value.clone())
                .unwrap_or_default(),
        ))
    }

    fn choice_label(&self, select: (u32, &str), value: &str) -> Result<String, EvalError> {
        let form = self.st.form;
        if let Some((list, index)) = self.st.media.lists.get(&select.0) {
            let ch = index.get(value).map(|&i| &list.choices[i]);
            return Ok(ch.map(|c| self.st.text(&c.label)).unwrap_or_default());
        }
        let li = form
            .nodes
            .get(select.0 as usize)
            .and_then(|n| n.list)
            .ok_or_else(|| unknown(select.1))?;
        let ch = form.choice_index[li]
            .get(value)
            .map(|&i| &form.form.choices[li].choices[i]);
        Ok(ch.map(|c| self.st.text(&c.label)).unwrap_or_default())
    }

    fn choice_column(&self, name: &str) -> Result<Value, EvalError> {
        let Some(ch) = self.choice else {
            return Err(EvalError::new(
                format!("`{name}` can only be used in a choice filter"),
                format!("`{name}` chỉ dùng được trong bộ lọc lựa chọn"),
            ));
        };
        Ok(Value::Str(match name {
            "name" => ch.name.clone(),
            "label" => self.st.text(&ch.label),
            other => match other.strip_prefix("label::") {
                Some(lang) => ch.label.0.get(lang).cloned().unwrap_or_default(),
                None => ch.columns.get(other).cloned().unwrap_or_default(),
            },
        }))
    }

    fn pulldata(&self, file: &str, column: &str, key_column: &str, key: &str) -> Value {
        let file = crate::media::pulldata_file(file);
        Value::Str(
            self.st
                .media
                .tables
                .get(&file)
                .and_then(|t| t.lookup(column, key_column, key))
                .unwrap_or("")
                .to_string(),
        )
    }

    fn today(&self) -> Days {
        self.st.today
    }

    fn now(&self) -> DateTime {
        self.st.opts.now
    }

    fn regex(&self, pattern: &str) -> Option<&regex::Regex> {
        self.st.form.regexes.get(pattern)
    }
}

fn unknown(name: &str) -> EvalError {
    EvalError::new(
        format!("unknown question `${{{name}}}`"),
        format!("không có câu hỏi `${{{name}}}`"),
    )
}
