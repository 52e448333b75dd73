//! Translation of a [`Query`] and its parsed text into a tantivy query.

use crate::schema::Fields;
use crate::{Query, analyzer, parse, safe};
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query as TantivyQuery,
    RangeQuery, TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

/// Weight of a match in the title relative to one in the text.
const TITLE_BOOST: f32 = 2.0;
/// Weight of an exact (marks included) match, added to the folded match.
const EXACT_BOOST: f32 = 1.0;

/// The tantivy query of a search; `None` when nothing can match.
pub(crate) fn build(
    f: &Fields,
    q: &Query,
    parsed: &parse::Parsed,
    has_text: bool,
) -> Option<Box<dyn TantivyQuery>> {
    let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = Vec::new();
    if has_text && parsed.is_empty() {
        return None;
    }
    for group in &parsed.groups {
        let mut alternatives: Vec<Box<dyn TantivyQuery>> =
            group.iter().map(|u| unit_query(f, u, true)).collect();
        let q = if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Box::new(BooleanQuery::union(alternatives))
        };
        clauses.push((Occur::Must, q));
    }
    for u in &parsed.excluded {
        clauses.push((Occur::MustNot, unit_query(f, u, false)));
    }
    if parsed.groups.is_empty() {
        clauses.push((Occur::Must, Box::new(AllQuery)));
    }
    let mut filter = |terms: Vec<Term>| {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(
                Box::new(TermSetQuery::new(terms)),
                0.0,
            )),
        ));
    };
    let strings = |field: Field, values: &[String]| -> Vec<Term> {
        values
            .iter()
            .map(|v| Term::from_field_text(field, &analyzer::nfc(v)))
            .collect()
    };
    if !q.sources.is_empty() {
        filter(strings(f.source, &q.sources));
    }
    if !q.topics.is_empty() {
        filter(strings(f.topic, &q.topics));
    }
    if !q.directions.is_empty() {
        filter(strings(f.direction, &q.directions));
    }
    if let Some(scope) = &q.scope {
        if scope.is_empty() {
            return None;
        }
        filter(
            scope
                .iter()
                .map(|&a| Term::from_field_i64(f.areas, a))
                .collect(),
        );
    }
    if let Some(area) = q.area {
        filter(vec![Term::from_field_i64(f.areas, area)]);
    }
    if q.from.is_some() || q.to.is_some() {
        if let (Some(from), Some(to)) = (q.from, q.to)
            && from >= to
        {
            return None;
        }
        let bound = |v: Option<i64>, inclusive: bool| match v {
            None => Bound::Unbounded,
            Some(v) if inclusive => Bound::Included(Term::from_field_i64(f.time, v)),
            Some(v) => Bound::Excluded(Term::from_field_i64(f.time, v)),
        };
        let range = RangeQuery::new(bound(q.from, true), bound(q.to, false));
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(range), 0.0)),
        ));
    }
    Some(Box::new(BooleanQuery::new(clauses)))
}

/// Query of one word or phrase over text and title: folded terms must match; exact terms,
/// when the user typed marks, add to the score.
fn unit_query(f: &Fields, u: &parse::Unit, scored: bool) -> Box<dyn TantivyQuery> {
    let folded = |field: Field| -> Box<dyn TantivyQuery> {
        if u.folded.len() == 1 {
            Box::new(TermQuery::new(
                Term::from_field_text(field, &u.folded[0].1),
                IndexRecordOption::WithFreqs,
            ))
        } else {
            Box::new(safe::SafeSeek(Box::new(PhraseQuery::new_with_offset(
                u.folded
                    .iter()
                    .map(|(p, t)| (*p, Term::from_field_text(field, t)))
                    .collect(),
            ))))
        }
    };
    let folded: Box<dyn TantivyQuery> = Box::new(BooleanQuery::union(vec![
        folded(f.text_folded),
        Box::new(BoostQuery::new(folded(f.title_folded), TITLE_BOOST)),
    ]));
    if !scored || u.exact.is_empty() {
        return folded;
    }
    // The folded match is required; exact terms only add to the score.
    let mut clauses: Vec<(Occur, Box<dyn TantivyQuery>)> = vec![(Occur::Must, folded)];
    for (field, boost) in [
        (f.text_exact, EXACT_BOOST),
        (f.title_exact, EXACT_BOOST * TITLE_BOOST),
    ] {
        for t in &u.exact {
            let term = TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            );
            clauses.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(term), boost)),
            ));
        }
    }
    Box::new(BooleanQuery::new(clauses))
}
