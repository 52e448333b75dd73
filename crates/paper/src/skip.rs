//! Skip instructions printed from relevance expressions, when they can be said simply.
//!
//! A question's relevance (with its groups') is understood when it says "asked only when the
//! single-choice question `x` has one of these values": `${x} = 'v'`, `${x} != 'v'`,
//! `selected(${x}, 'v')`, `not(...)`, and `or`/`and` of such on the same `x`. Then, for each
//! choice `c` of `x`, the run of questions right after `x` that `c` makes irrelevant becomes an
//! arrow printed by that choice ("» Chuyển sang câu 7", or "» Kết thúc" when the run reaches
//! the end). A conditioned question that no arrow fully covers gets a filter line under its
//! wording instead ("Chỉ trả lời nếu Câu 2 chọn «Có»"). Anything else prints nothing: the
//! respondent answers, and the respondent engine drops the answers that were not relevant.

use std::collections::{BTreeMap, BTreeSet};

use duluan_forms::expr::{BinOp, Expr};
use duluan_forms::parse_expression;

/// "Asked only when `var` has one of `allowed`."
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Condition {
    pub var: String,
    pub allowed: BTreeSet<String>,
}

/// What the skip analysis needs to know of one numbered question.
pub(crate) struct Numbered<'a> {
    pub name: &'a str,
    pub number: u32,
    /// The choice values when it is a select_one (a possible source of arrows).
    pub select_one: Option<Vec<String>>,
    /// Its relevance and that of its groups.
    pub relevance: Vec<&'a str>,
}

/// Where a choice sends the respondent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Jump {
    /// To this question number.
    To(u32),
    /// To the end of the questionnaire.
    End,
}

/// The printed skip logic: arrows by choice, filter lines by question.
#[derive(Debug, Default)]
pub(crate) struct Skips {
    /// (question index, choice value) → jump.
    pub arrows: BTreeMap<(usize, String), Jump>,
    /// question index → (source question index, allowed values) for a filter line.
    pub filters: BTreeMap<usize, (usize, Vec<String>)>,
}

/// The skip logic of `questions` (in printed order).
pub(crate) fn analyse(questions: &[Numbered<'_>]) -> Skips {
    let index: BTreeMap<&str, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.name, i))
        .collect();
    let lists: Lists<'_> = questions
        .iter()
        .filter_map(|q| q.select_one.as_ref().map(|c| (q.name, c)))
        .collect();
    let choices_of = |name: &str| lists.get(name).copied();
    let conditions: Vec<Option<Condition>> = questions
        .iter()
        .map(|q| condition(&q.relevance, &lists))
        .collect();
    let mut skips = Skips::default();
    let mut covered: BTreeMap<(usize, String), bool> = BTreeMap::new();
    for (i, q) in questions.iter().enumerate() {
        let Some(choices) = &q.select_one else {
            continue;
        };
        for c in choices {
            let mut j = i + 1;
            while let Some(Some(cond)) = conditions.get(j) {
                if cond.var != q.name || cond.allowed.contains(c) {
                    break;
                }
                covered.insert((j, c.clone()), true);
                j += 1;
            }
            if j > i + 1 {
                let jump = questions.get(j).map_or(Jump::End, |n| Jump::To(n.number));
                skips.arrows.insert((i, c.clone()), jump);
            }
        }
    }
    for (k, cond) in conditions.iter().enumerate() {
        let Some(cond) = cond else { continue };
        let Some(&src) = index.get(cond.var.as_str()) else {
            continue;
        };
        if src >= k {
            continue;
        }
        let all = choices_of(&cond.var).cloned().unwrap_or_default();
        let fully = all
            .iter()
            .filter(|c| !cond.allowed.contains(*c))
            .all(|c| covered.contains_key(&(k, c.clone())));
        if !fully && !cond.allowed.is_empty() {
            // Allowed values in the list's order.
            let allowed = all
                .iter()
                .filter(|c| cond.allowed.contains(*c))
                .cloned()
                .collect();
            skips.filters.insert(k, (src, allowed));
        }
    }
    skips
}

/// The condition all of `relevance` state together, when it is one simple condition.
/// The choices of each single-choice question, by name.
type Lists<'a> = BTreeMap<&'a str, &'a Vec<String>>;

fn condition(relevance: &[&str], lists: &Lists<'_>) -> Option<Condition> {
    let mut out: Option<Condition> = None;
    for r in relevance {
        let expr = parse_expression(r).ok()?;
        let c = simple(&expr, lists)?;
        out = Some(match out {
            None => c,
            Some(prev) if prev.var == c.var => Condition {
                var: c.var,
                allowed: prev.allowed.intersection(&c.allowed).cloned().collect(),
            },
            Some(_) => return None,
        });
    }
    out
}

fn literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Str(s, _) => Some(s.clone()),
        Expr::Num(n, _) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
        _ => None,
    }
}

fn simple(e: &Expr, lists: &Lists<'_>) -> Option<Condition> {
    let all = |var: &str| -> Option<BTreeSet<String>> {
        lists.get(var).map(|v| v.iter().cloned().collect())
    };
    match e {
        Expr::Bin(op @ (BinOp::Eq | BinOp::Ne), a, b, _) => {
            let (var, value) = match (a.as_ref(), b.as_ref()) {
                (Expr::Ref { name, .. }, other) | (other, Expr::Ref { name, .. }) => {
                    (name.clone(), literal(other)?)
                }
                _ => return None,
            };
            let mut allowed = all(&var)?;
            if !allowed.contains(&value) {
                return None;
            }
            if *op == BinOp::Eq {
                allowed = [value].into();
            } else {
                allowed.remove(&value);
            }
            Some(Condition { var, allowed })
        }
        Expr::Bin(op @ (BinOp::Or | BinOp::And), a, b, _) => {
            let (a, b) = (simple(a, lists)?, simple(b, lists)?);
            if a.var != b.var {
                return None;
            }
            let allowed = if *op == BinOp::Or {
                a.allowed.union(&b.allowed).cloned().collect()
            } else {
                a.allowed.intersection(&b.allowed).cloned().collect()
            };
            Some(Condition {
                var: a.var,
                allowed,
            })
        }
        Expr::Call { name, args, .. } if name == "selected" && args.len() == 2 => {
            let Expr::Ref { name: var, .. } = &args[0] else {
                return None;
            };
            let value = literal(&args[1])?;
            if !all(var)?.contains(&value) {
                return None;
            }
            Some(Condition {
                var: var.clone(),
                allowed: [value].into(),
            })
        }
        Expr::Call { name, args, .. } if name == "not" && args.len() == 1 => {
            let c = simple(&args[0], lists)?;
            let allowed = all(&c.var)?.difference(&c.allowed).cloned().collect();
            Some(Condition {
                var: c.var,
                allowed,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q<'a>(name: &'a str, number: u32, one: bool, rel: &[&'a str]) -> Numbered<'a> {
        Numbered {
            name,
            number,
            select_one: one.then(|| vec!["1".to_string(), "2".into(), "3".into()]),
            relevance: rel.to_vec(),
        }
    }

    #[test]
    fn a_run_after_the_source_becomes_an_arrow() {
        let qs = [
            q("q1", 1, false, &[]),
            q("q2", 2, true, &[]),
            q("q3", 3, false, &["${q2} = '2'"]),
            q("q4", 4, false, &["${q2}='2'", "${q2} != '3'"]),
            q("q5", 5, false, &["selected(${q2}, '2')"]),
            q("q6", 6, false, &["${q2} = 2 or ${q2} = '3'"]),
            q("q7", 7, false, &[]),
        ];
        let s = analyse(&qs);
        // Choosing 1 skips q3..q6: go to 7. Choosing 3 skips q3..q5: go to 6.
        assert_eq!(s.arrows.get(&(1, "1".into())), Some(&Jump::To(7)));
        assert_eq!(s.arrows.get(&(1, "3".into())), Some(&Jump::To(6)));
        assert_eq!(s.arrows.get(&(1, "2".into())), None);
        assert!(s.filters.is_empty(), "{:?}", s.filters);
    }

    #[test]
    fn what_cannot_be_an_arrow_becomes_a_filter_line_or_nothing() {
        let qs = [
            q("q2", 2, true, &[]),
            q("q3", 3, false, &[]),
            q("q4", 4, false, &["not(selected(${q2}, '1'))"]),
            q("q5", 5, false, &["${q2} = '1' and ${q3} > 2"]),
            q("q6", 6, false, &["${q3} = '1'"]),
            q("q7", 7, false, &["${q2} = '3'"]),
        ];
        let s = analyse(&qs);
        assert!(s.arrows.is_empty());
        assert_eq!(s.filters.get(&2), Some(&(0, vec!["2".into(), "3".into()])));
        assert_eq!(s.filters.get(&5), Some(&(0, vec!["3".into()])));
        assert_eq!(s.filters.len(), 2);
        // A run reaching the end of the questionnaire ends it.
        let qs = [q("a", 1, true, &[]), q("b", 2, false, &["${a} = '1'"])];
        assert_eq!(analyse(&qs).arrows.get(&(0, "2".into())), Some(&Jump::End));
    }
}
