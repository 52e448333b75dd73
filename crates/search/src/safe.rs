//! `SafeSeek`: a query wrapper whose scorer answers `seek_danger` with plain `seek`.
//!
//! tantivy 0.27's `PhraseScorer::seek_danger` has a `debug_assert!` that the target is not
//! below its current document, which the `seek_danger` contract does not promise (after a
//! `SeekLowerBound` the scorer may be ahead): a phrase inside an exclusion or an intersection
//! then panics in debug builds (release builds are correct). Wrapping phrase queries in
//! `SafeSeek` uses the default `seek_danger`, which only seeks forward.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Wraps a query; matches and scores exactly like it.
#[derive(Debug)]
pub(crate) struct SafeSeek(pub Box<dyn Query>);

impl Clone for SafeSeek {
    fn clone(&self) -> Self {
        SafeSeek(self.0.box_clone())
    }
}

impl Query for SafeSeek {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(SafeSeekWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct SafeSeekWeight(Box<dyn Weight>);

impl Weight for SafeSeekWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(SafeSeekScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct SafeSeekScorer(Box<dyn Scorer>);

impl DocSet for SafeSeekScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.0.doc() >= target {
            return self.0.doc();
        }
        self.0.seek(target)
    }

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }
}

impl Scorer for SafeSeekScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}
