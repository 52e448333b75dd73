//! Computing every node instance in dependency order (repeat counts, relevance, defaults,
//! calculations), and the wording, choices and messages a question shows.

use super::{Answer, Cell, Ctx, MAX_REPEAT_INSTANCES, MAX_TOTAL_INSTANCES, Record, State};
use crate::check::{CheckedForm, DefaultValue, NodeKind};
use crate::eval::{EvalError, evaluate};
use crate::expr::Expr;
use crate::model::{Choice, Text};
use crate::value::Value;

fn depth(form: &CheckedForm, id: u32) -> usize {
    let node = &form.nodes[id as usize];
    node.repeats.len() + usize::from(node.kind == NodeKind::Repeat)
}

impl<'a> State<'a> {
    /// Every instance key of the repeats `chain` (instances of the last repeat included).
    pub(super) fn instances(&self, chain: &[u32], prefix: &[u32]) -> Vec<Vec<u32>> {
        let mut keys = vec![prefix.to_vec()];
        for &r in &chain[prefix.len().min(chain.len())..] {
            let mut next = Vec::new();
            for k in keys {
                let c = self.counts[r as usize].get(&k).copied().unwrap_or(0);
                for i in 0..c {
                    let mut kk = k.clone();
                    kk.push(i);
                    next.push(kk);
                }
            }
            keys = next;
        }
        keys
    }

    fn input_record(&self, chain: &[u32], key: &[u32]) -> Option<&'a Record> {
        let mut rec = self.input;
        for (r, &i) in chain.iter().zip(key) {
            match rec.get(&self.form.nodes[*r as usize].name)? {
                Answer::Repeat(v) => rec = v.get(i as usize)?,
                Answer::Value(_) => return None,
            }
        }
        Some(rec)
    }

    fn parent_relevant(&self, id: u32, key: &[u32]) -> bool {
        match self.form.nodes[id as usize].parent {
            None => true,
            Some(p) => {
                let d = depth(self.form, p);
                self.cells[p as usize]
                    .get(&key[..d.min(key.len())])
                    .is_some_and(|c| c.relevant)
            }
        }
    }

    pub(super) fn eval_bool(
        &self,
        e: &Expr,
        owner: u32,
        key: &[u32],
        current: &str,
    ) -> Result<bool, EvalError> {
        let ctx = Ctx {
            st: self,
            owner,
            key,
            current: Value::Str(current.to_string()),
            choice: None,
        };
        Ok(evaluate(e, &ctx)?.to_bool())
    }

    pub(super) fn compute(&mut self, id: u32) {
        let form = self.form;
        let node = &form.nodes[id as usize];
        let parent_keys = self.instances(&node.repeats, &[]);
        match &node.kind {
            NodeKind::Repeat => {
                let mut total = 0u32;
                for pk in parent_keys {
                    let count = match &node.repeat_count {
                        Some(e) => {
                            let ctx = Ctx {
                                st: self,
                                owner: id,
                                key: &pk,
                                current: Value::empty(),
                                choice: None,
                            };
                            let n = evaluate(e, &ctx).map(|v| v.to_num()).unwrap_or(0.0);
                            if n.is_finite() && n > 0.0 {
                                (n as u32).min(MAX_REPEAT_INSTANCES)
                            } else {
                                0
                            }
                        }
                        None => match self
                            .input_record(&node.repeats, &pk)
                            .and_then(|r| r.get(&node.name))
                        {
                            Some(Answer::Repeat(v)) => (v.len() as u32).min(MAX_REPEAT_INSTANCES),
                            _ => 0,
                        },
                    };
                    let count = count.min(MAX_TOTAL_INSTANCES.saturating_sub(total));
                    total += count;
                    self.counts[id as usize].insert(pk.clone(), count);
                    for i in 0..count {
                        let mut key = pk.clone();
                        key.push(i);
                        let rel = self.parent_relevant(id, &key)
                            && node
                                .relevant
                                .as_ref()
                                .is_none_or(|e| self.eval_bool(e, id, &key, "").unwrap_or(false));
                        self.cells[id as usize].insert(
                            key,
                            Cell {
                                value: String::new(),
                                relevant: rel,
                            },
                        );
                    }
                }
            }
            NodeKind::Group => {
                for key in parent_keys {
                    let rel = self.parent_relevant(id, &key)
                        && node
                            .relevant
                            .as_ref()
                            .is_none_or(|e| self.eval_bool(e, id, &key, "").unwrap_or(false));
                    self.cells[id as usize].insert(
                        key,
                        Cell {
                            value: String::new(),
                            relevant: rel,
                        },
                    );
                }
            }
            NodeKind::Question(_) => {
                for key in parent_keys {
                    let raw = match self
                        .input_record(&node.repeats, &key)
                        .and_then(|r| r.get(&node.name))
                    {
                        Some(Answer::Value(v)) => Some(v.clone()),
                        _ => None,
                    };
                    let cur = raw.clone().unwrap_or_default();
                    let rel = self.parent_relevant(id, &key)
                        && node
                            .relevant
                            .as_ref()
                            .is_none_or(|e| self.eval_bool(e, id, &key, &cur).unwrap_or(false));
                    let value = if !rel {
                        String::new()
                    } else if let Some(calc) = &node.calculation {
                        let ctx = Ctx {
                            st: self,
                            owner: id,
                            key: &key,
                            current: Value::Str(cur),
                            choice: None,
                        };
                        evaluate(calc, &ctx).map(|v| v.to_str()).unwrap_or_default()
                    } else if let Some(v) = raw {
                        v
                    } else {
                        match &node.default {
                            Some(DefaultValue::Literal(s)) => s.clone(),
                            Some(DefaultValue::Dynamic(e)) => {
                                let ctx = Ctx {
                                    st: self,
                                    owner: id,
                                    key: &key,
                                    current: Value::empty(),
                                    choice: None,
                                };
                                evaluate(e, &ctx).map(|v| v.to_str()).unwrap_or_default()
                            }
                            None => String::new(),
                        }
                    };
                    self.cells[id as usize].insert(
                        key,
                        Cell {
                            value,
                            relevant: rel,
                        },
                    );
                }
            }
        }
    }

    pub(super) fn text(&self, t: &Text) -> String {
        t.get(&self.opts.language, self.fallback)
            .unwrap_or("")
            .to_string()
    }

    pub(super) fn render(&self, t: &Text, owner: u32, key: &[u32]) -> String {
        let raw = self.text(t);
        if !raw.contains("${") {
            return raw;
        }
        let mut out = String::new();
        for (lit, name) in crate::expr::split_template(&raw) {
            out.push_str(lit);
            if let Some(name) = name
                && let Some(&id) = self.form.by_name.get(name)
            {
                let ctx = Ctx {
                    st: self,
                    owner,
                    key,
                    current: Value::empty(),
                    choice: None,
                };
                let v = ctx.value_of(id).map(|v| match v {
                    Value::Nodes(ns) => ns.join(", "),
                    other => other.to_str(),
                });
                out.push_str(&v.unwrap_or_default());
            }
        }
        out
    }

    pub(super) fn choices(&self, id: u32, key: &[u32]) -> Vec<(&'a Choice, String)> {
        let form = self.form;
        let node = &form.nodes[id as usize];
        let list = match node.list {
            Some(li) => &form.form.choices[li],
            None => match self.media.lists.get(&id) {
                Some((list, _)) => list,
                None => return Vec::new(),
            },
        };
        list.choices
            .iter()
            .filter(|ch| match &node.choice_filter {
                None => true,
                Some(e) => {
                    let ctx = Ctx {
                        st: self,
                        owner: id,
                        key,
                        current: Value::empty(),
                        choice: Some(ch),
                    };
                    evaluate(e, &ctx).is_ok_and(|v| v.to_bool())
                }
            })
            .map(|ch| {
                // A choice without a label shows its name (as ODK Collect does).
                let label = if ch.label.is_empty() {
                    ch.name.clone()
                } else {
                    self.text(&ch.label)
                };
                (ch, label)
            })
            .collect()
    }

    pub(super) fn message(&self, custom: &Text, vi: &str, en: &str) -> String {
        let m = self.text(custom);
        if !m.is_empty() {
            return m;
        }
        let lang = &self.opts.language;
        if crate::model::language_matches(lang, "en") || lang.to_lowercase().starts_with("english")
        {
            en.to_string()
        } else {
            vi.to_string()
        }
    }
}
