//! The public data types: documents, queries, hits, options and errors.

use std::ops::Range;
use std::path::PathBuf;
use tantivy::TantivyError;

/// Errors of the index. Messages are in English; the app translates what it shows.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// Reading or writing the index directory failed.
    #[error("search index: cannot use {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the index directory open for writing.
    #[error("search index: {path} is in use by another process")]
    Locked {
        /// The index directory.
        path: PathBuf,
    },
    /// The search engine failed.
    #[error("search index: {0}")]
    Engine(#[from] TantivyError),
}

/// One opinion item as the index sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    /// The item's id in the database; adding a doc with an existing id replaces it.
    pub id: i64,
    /// The item's text (any normalisation form; stored and highlighted in NFC).
    pub text: String,
    /// Optional title (searched and ranked, not highlighted).
    pub title: Option<String>,
    /// Source code (collaborator, report, survey, feed, letter…), matched exactly.
    pub source: String,
    /// Topic code, matched exactly.
    pub topic: Option<String>,
    /// Direction code (positive, negative…), matched exactly.
    pub direction: Option<String>,
    /// Ids of the item's unit and of all its ancestors.
    pub areas: Vec<i64>,
    /// Time of the item, unix seconds.
    pub time: i64,
}

/// Order of hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first (newest first when the query has no text).
    #[default]
    Relevance,
    /// Newest first.
    Newest,
}

/// A search. `Query::default()` matches everything, newest first, 20 per page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// What the user typed; empty matches all items (only the filters apply).
    /// Words are ANDed, `"…"` is a phrase, `-word` excludes, `a OR b` accepts either.
    pub text: String,
    /// Any of these sources (empty: no filter).
    pub sources: Vec<String>,
    /// Any of these topics (empty: no filter).
    pub topics: Vec<String>,
    /// Any of these directions (empty: no filter).
    pub directions: Vec<String>,
    /// Visibility: items under any of these units. `None`: unrestricted; `Some(vec![])`: none.
    pub scope: Option<Vec<i64>>,
    /// Items under this unit (in addition to the scope).
    pub area: Option<i64>,
    /// From this time, included (unix seconds).
    pub from: Option<i64>,
    /// Up to this time, excluded (unix seconds).
    pub to: Option<i64>,
    /// Order of hits.
    pub sort: Sort,
    /// Hits to skip (at most [`MAX_OFFSET`](crate::MAX_OFFSET)).
    pub offset: usize,
    /// Hits to return (at most [`MAX_LIMIT`](crate::MAX_LIMIT); 0 only counts).
    pub limit: usize,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            text: String::new(),
            sources: Vec::new(),
            topics: Vec::new(),
            directions: Vec::new(),
            scope: None,
            area: None,
            from: None,
            to: None,
            sort: Sort::Relevance,
            offset: 0,
            limit: 20,
        }
    }
}

/// A page of results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hits {
    /// Number of matching items (all pages).
    pub total: usize,
    /// The hits of the requested page.
    pub hits: Vec<Hit>,
}

/// One matching item.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The item's id.
    pub id: i64,
    /// Relevance score (0 when sorted by date).
    pub score: f32,
    /// The item's time, unix seconds.
    pub time: i64,
    /// The fragment HTML-escaped, matches in `<mark>`, `…` where the text was cut.
    pub snippet_html: String,
    /// About [`FRAGMENT_CHARS`](crate::FRAGMENT_CHARS) characters of the stored (NFC) text around the best matches.
    pub fragment: String,
    /// Byte offset of `fragment` in the stored NFC text.
    pub fragment_start: usize,
    /// Byte ranges of matched words in `fragment` (add `fragment_start` for the whole text).
    pub highlights: Vec<Range<usize>>,
}

/// Tuning of the writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Memory budget of the writer in bytes, split between its threads (at least 15 MB each).
    pub writer_memory: usize,
    /// Indexing threads (0: one per core, at most 4).
    pub writer_threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            writer_memory: 64 << 20,
            writer_threads: 0,
        }
    }
}
