//! Integration tests of `duluan-search`: matching, filters, snippets, storage and hostile input.

mod filters;
mod garbage;
mod matching;
mod snippets;
mod storage;

use duluan_search::{Doc, Index, Query, Sort};

/// A document with the given id, text and time; source `ctv`, areas `[1]`.
pub fn doc(id: i64, text: &str, time: i64) -> Doc {
    Doc {
        id,
        text: text.to_string(),
        source: "ctv".into(),
        areas: vec![1],
        time,
        ..Doc::default()
    }
}

/// An in-memory index holding `docs`, committed.
pub fn index_with(docs: &[Doc]) -> Index {
    let index = Index::in_memory().unwrap();
    index.upsert(docs).unwrap();
    index.commit().unwrap();
    index
}

/// Ids found for `text` (relevance order), at most 100.
pub fn ids(index: &Index, text: &str) -> Vec<i64> {
    ids_for(
        index,
        &Query {
            text: text.into(),
            limit: 100,
            ..Query::default()
        },
    )
}

/// Ids found for a query.
pub fn ids_for(index: &Index, q: &Query) -> Vec<i64> {
    index.search(q).unwrap().hits.iter().map(|h| h.id).collect()
}

/// Ids found for `text`, sorted (for set comparisons).
pub fn id_set(index: &Index, text: &str) -> Vec<i64> {
    let mut v = ids(index, text);
    v.sort();
    v
}

/// Query with the given text, newest first.
pub fn newest(text: &str) -> Query {
    Query {
        text: text.into(),
        sort: Sort::Newest,
        limit: 100,
        ..Query::default()
    }
}
