//! A two-way table of two single-choice questions: the share of each column choice within each
//! row choice (row percentages) with its interval, and the Rao-Scott test of independence, over
//! the interviews that answered both — estimated as domains of the whole design.

use duluan_forms::QuestionType;
use duluan_forms::check::CheckedForm;
use duluan_stats::{Design, Factor};

use super::{Data, Line, Settings, interval, suppressed, text};

/// A crosstab as computed.
#[derive(Clone, Debug, PartialEq)]
pub struct Crosstab {
    /// Row question's wording and column question's wording.
    pub titles: (String, String),
    /// Column choices' labels.
    pub columns: Vec<String>,
    /// Each row choice: its label, its respondents, and a line per column choice.
    pub rows: Vec<(String, usize, Vec<Line>)>,
    /// Interviews that answered both.
    pub n: usize,
    /// Rao-Scott F (second order): `(F, numerator df, denominator df, p)`, when computable.
    pub test: Option<(f64, f64, f64, f64)>,
}

/// The wording and choices `(name, label)` of a single-choice question outside repeats.
pub fn single_choices(
    form: &CheckedForm,
    name: &str,
    lang: &str,
) -> Option<(String, Vec<(String, String)>)> {
    let &id = form.by_name.get(name)?;
    let node = &form.nodes[id as usize];
    let q = form.question(id)?;
    if !node.repeats.is_empty() || !matches!(q.kind, QuestionType::SelectOne(_)) {
        return None;
    }
    let fallback = form.form.default_language.as_deref();
    let list = form.form.choices.get(node.list?)?;
    Some((
        text(&q.label, lang, fallback, &q.name),
        list.choices
            .iter()
            .map(|c| (c.name.clone(), text(&c.label, lang, fallback, &c.name)))
            .collect(),
    ))
}

/// The names and wordings of the single-choice questions outside repeats (what a crosstab
/// crosses, what a domain is cut by).
pub fn single_questions(form: &CheckedForm, lang: &str) -> Vec<(String, String)> {
    form.nodes
        .iter()
        .filter_map(|n| single_choices(form, &n.name, lang).map(|(l, _)| (n.name.clone(), l)))
        .collect()
}

/// Crosses the single-choice questions `row` and `col` under design `d` (over every interview
/// of `data`), within `within` when given; `Err` names what is wrong (`unknown:name`, `same`).
#[allow(clippy::too_many_arguments)]
pub fn crosstab(
    form: &CheckedForm,
    data: &Data,
    d: &Design,
    row: &str,
    col: &str,
    s: Settings,
    lang: &str,
    within: Option<&[bool]>,
) -> Result<Crosstab, String> {
    if row == col {
        return Err("same".into());
    }
    let (rt, rc) = single_choices(form, row, lang).ok_or_else(|| format!("unknown:{row}"))?;
    let (ct, cc) = single_choices(form, col, lang).ok_or_else(|| format!("unknown:{col}"))?;
    let (rcol, ccol) = (data.column(row), data.column(col));
    let both: Vec<bool> = (0..data.n)
        .map(|i| rcol.answered(i) && ccol.answered(i) && within.is_none_or(|w| w[i]))
        .collect();
    let n = both.iter().filter(|b| **b).count();
    let mut out = Crosstab {
        titles: (rt, ct),
        columns: cc.iter().map(|c| c.1.clone()).collect(),
        rows: vec![],
        n,
        test: None,
    };
    if n < s.k.max(2) {
        return Ok(out);
    }
    // The column choices' indicators, shared by every row.
    let inds: Vec<Vec<f64>> = cc
        .iter()
        .map(|(cname, _)| {
            (0..data.n)
                .map(|i| f64::from(u8::from(ccol.get(i) == cname)))
                .collect()
        })
        .collect();
    let refs: Vec<&[f64]> = inds.iter().map(Vec::as_slice).collect();
    for (rname, rlabel) in &rc {
        let domain: Vec<bool> = (0..data.n)
            .map(|i| both[i] && rcol.get(i) == rname)
            .collect();
        let in_row = domain.iter().filter(|b| **b).count();
        // Every column's share in the row in one variance pass.
        let means = if in_row >= 2 {
            d.means(&refs, Some(&domain)).ok()
        } else {
            None
        };
        let mut lines = Vec::new();
        let mut cells = Vec::new();
        for (j, (cname, clabel)) in cc.iter().enumerate() {
            let cell = (0..data.n)
                .filter(|&i| domain[i] && inds[j][i] > 0.0)
                .count();
            cells.push(cell);
            let value = means.as_ref().map(|m| {
                let (e, lo, hi, _) = interval(d, &m[j], s, in_row, &inds[j], &domain);
                (e, lo, hi)
            });
            lines.push(Line {
                key: cname.clone(),
                se: means.as_ref().map(|m| m[j].se),
                label: clabel.clone(),
                n: cell,
                value,
                deff: None,
                total: None,
            });
        }
        let hide = if in_row < s.k {
            vec![true; cells.len()]
        } else {
            suppressed(&cells, s.k)
        };
        for (l, h) in lines.iter_mut().zip(hide) {
            if h {
                l.hide();
            }
        }
        out.rows.push((rlabel.clone(), in_row, lines));
    }
    let rv: Vec<&str> = (0..data.n).map(|i| rcol.get(i)).collect();
    let cv: Vec<&str> = (0..data.n).map(|i| ccol.get(i)).collect();
    let (fa, fb) = (Factor::from_strs(&rv), Factor::from_strs(&cv));
    out.test = d
        .chisq_in(&fa, &fb, Some(&both), duluan_stats::ChisqStatistic::F)
        .ok()
        .map(|t| (t.statistic, t.ndf, t.ddf, t.p_value));
    Ok(out)
}
