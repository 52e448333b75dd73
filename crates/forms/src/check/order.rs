//! The evaluation order of the nodes, and the cycles among calculations and conditions that
//! prevent one.

use super::{Checker, DefaultValue};
use crate::diag::DiagKind;
use crate::expr::Expr;
use std::collections::{BTreeSet, HashMap};

impl<'a> Checker<'a> {
    /// Topological order of nodes; reports cycles.
    pub(super) fn order(&mut self) -> Vec<u32> {
        let n = self.nodes.len();
        let mut deps: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); n];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(p) = node.parent {
                deps[i].insert(p);
            }
            let mut add = |e: &Expr| {
                e.walk(&mut |x| {
                    if let Expr::Ref { id, .. } = x
                        && (*id as usize) < n
                        && *id as usize != i
                    {
                        deps[i].insert(*id);
                    }
                })
            };
            for e in [&node.relevant, &node.calculation, &node.repeat_count]
                .into_iter()
                .flatten()
            {
                add(e);
            }
            if let Some(DefaultValue::Dynamic(e)) = &node.default {
                add(e);
            }
        }
        let self_refs: Vec<u32> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, node)| {
                let mut hit = false;
                if let Some(c) = &node.calculation {
                    c.walk(&mut |x| hit |= matches!(x, Expr::Ref { id, .. } if *id as usize == *i));
                }
                hit
            })
            .map(|(i, _)| i as u32)
            .collect();
        for i in self_refs {
            let name = self.nodes[i as usize].name.clone();
            let place = self.place(i, "calculation", None);
            self.push(
                DiagKind::Cycle,
                place,
                format!("the calculation of `{name}` refers to itself"),
                format!("công thức của `{name}` tham chiếu chính nó"),
            );
        }
        // Kahn's algorithm, smallest index first (document order).
        let mut indeg: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
        let mut users: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, d) in deps.iter().enumerate() {
            for &j in d {
                users[j as usize].push(i as u32);
            }
        }
        let mut ready: BTreeSet<u32> = (0..n as u32).filter(|&i| indeg[i as usize] == 0).collect();
        let mut order = Vec::with_capacity(n);
        while let Some(i) = ready.pop_first() {
            order.push(i);
            for &u in &users[i as usize] {
                indeg[u as usize] -= 1;
                if indeg[u as usize] == 0 {
                    ready.insert(u);
                }
            }
        }
        if order.len() < n {
            let mut reported = BTreeSet::new();
            let left: BTreeSet<u32> = (0..n as u32).filter(|i| indeg[*i as usize] > 0).collect();
            for &start in &left {
                if reported.contains(&start) {
                    continue;
                }
                if let Some(cycle) = find_cycle(start, &deps, &left) {
                    if cycle.iter().any(|c| reported.contains(c)) {
                        continue;
                    }
                    reported.extend(cycle.iter().copied());
                    let names: Vec<String> = cycle
                        .iter()
                        .chain(cycle.first())
                        .map(|&c| format!("${{{}}}", self.nodes[c as usize].name))
                        .collect();
                    let first = cycle[0];
                    let prop = if self.nodes[first as usize].calculation.is_some() {
                        "calculation"
                    } else {
                        "relevant"
                    };
                    let place = self.place(first, prop, None);
                    let chain = names.join(" → ");
                    self.push(
                        DiagKind::Cycle,
                        place,
                        format!(
                            "calculations or conditions depend on each other in a cycle: {chain}"
                        ),
                        format!(
                            "các công thức hoặc điều kiện phụ thuộc lẫn nhau thành vòng: {chain}"
                        ),
                    );
                }
            }
        }
        order
    }
}

fn find_cycle(start: u32, deps: &[BTreeSet<u32>], left: &BTreeSet<u32>) -> Option<Vec<u32>> {
    // Walk dependencies inside `left` until a node repeats.
    let mut seen: HashMap<u32, usize> = HashMap::new();
    let mut path = Vec::new();
    let mut cur = start;
    loop {
        if let Some(&i) = seen.get(&cur) {
            return Some(path[i..].to_vec());
        }
        seen.insert(cur, path.len());
        path.push(cur);
        cur = *deps[cur as usize].iter().find(|d| left.contains(d))?;
    }
}
