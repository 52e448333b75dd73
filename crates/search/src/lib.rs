//! Full-text index of opinion monitoring (*theo dõi dư luận*): a small API over
//! [tantivy](https://docs.rs/tantivy) that the app drives from its database.
//!
//! Search is diacritic-insensitive (`ngap ung`, `Ngập úng`, `NGẬP ÚNG` and NFD input find the
//! same items; `Đ`/`đ` match `d`), items whose words carry the marks typed in the query rank
//! higher, and every hit comes with a highlighted snippet. The index lives in a directory of
//! the node that runs the app (or in memory for tests); the database stays the source of truth
//! and the app rebuilds the index from it whenever [`Index::needs_rebuild`] says so.
//!
//! ```
//! use duluan_search::{Doc, Index, Query};
//! let index = Index::in_memory()?;
//! index.upsert(&[Doc {
//!     id: 1,
//!     text: "Đường Lê Lợi ngập úng sau mưa lớn".into(),
//!     source: "ctv".into(),
//!     areas: vec![1, 10],
//!     time: 1_750_000_000,
//!     ..Doc::default()
//! }])?;
//! index.commit()?;
//! let hits = index.search(&Query { text: "ngap ung".into(), ..Query::default() })?;
//! assert_eq!(hits.total, 1);
//! assert_eq!(hits.hits[0].snippet_html, "Đường Lê Lợi <mark>ngập</mark> <mark>úng</mark> sau mưa lớn");
//! # Ok::<(), duluan_search::SearchError>(())
//! ```

mod analyzer;
mod parse;
mod query;
mod safe;
mod schema;
mod snippet;
mod types;

use schema::{Fields, schema};
pub use types::{Doc, Hit, Hits, Options, Query, SearchError, Sort};

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use tantivy::collector::{Count, TopDocs};
use tantivy::directory::{Directory, DirectoryLock, Lock, MmapDirectory};
use tantivy::schema::Value;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, TantivyError, Term,
};

pub use snippet::FRAGMENT_CHARS;

/// Version of the index layout (schema and analyzers). Bump it whenever either changes: an
/// index of another version is recreated empty and flagged for a rebuild.
pub const SCHEMA_VERSION: u32 = 1;
/// File holding the layout version in the index directory.
const VERSION_FILE: &str = "duluan-search.version";
/// File present while the index does not hold everything yet (removed by `mark_rebuilt`).
const REBUILD_FILE: &str = "duluan-search.rebuild";
/// Largest page size a search returns (larger limits are lowered to it).
pub const MAX_LIMIT: usize = 1_000;
/// Largest offset a search pages to (deeper pages come back empty, with the total).
pub const MAX_OFFSET: usize = 100_000;

/// The search index. `Send + Sync`: share it (in an `Arc`) and call it from blocking tasks.
pub struct Index {
    index: tantivy::Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    fields: Fields,
    dir: Option<PathBuf>,
    rebuild: AtomicBool,
    /// The caller's change-log position that the last commit holds (see [`Index::position`]).
    position: AtomicU64,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("dir", &self.dir)
            .field("num_docs", &self.num_docs())
            .field("needs_rebuild", &self.needs_rebuild())
            .finish()
    }
}

fn io_error(path: &Path, source: std::io::Error) -> SearchError {
    SearchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn register_analyzers(index: &tantivy::Index) {
    index
        .tokenizers()
        .register(analyzer::FOLDED, analyzer::folded_analyzer());
    index
        .tokenizers()
        .register(analyzer::EXACT, analyzer::exact_analyzer());
}

/// Whether `name` is a file tantivy or this crate writes in an index directory.
fn is_index_file(name: &str) -> bool {
    if matches!(
        name,
        "meta.json"
            | ".managed.json"
            | ".tantivy-meta.lock"
            | ".tantivy-writer.lock"
            | VERSION_FILE
            | REBUILD_FILE
    ) {
        return true;
    }
    // Segment files: `<32 hex digits>.<ext>` and `<32 hex digits>.<opstamp>.del`.
    let (stem, _) = name.split_at(name.find('.').unwrap_or(name.len()));
    stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit()) && name.len() > 33
}

const POSITION_PREFIX: &str = "duluan-position ";

fn position_payload(position: u64) -> String {
    format!("{POSITION_PREFIX}{position}")
}

fn parse_position(payload: &str) -> Option<u64> {
    payload.strip_prefix(POSITION_PREFIX)?.parse().ok()
}

fn version_line() -> String {
    format!("duluan-search schema {SCHEMA_VERSION}\n")
}

impl Index {
    /// Opens the index in `dir` (created if missing) with default [`Options`].
    ///
    /// An index of another [`SCHEMA_VERSION`], a corrupt one, or a new directory is (re)created
    /// empty and [`needs_rebuild`](Index::needs_rebuild) returns `true`. Only files the index
    /// writes are removed; other files in `dir` are left alone.
    pub fn open(dir: &Path) -> Result<Index, SearchError> {
        Index::open_with(dir, Options::default())
    }

    /// [`Index::open`] with explicit options.
    pub fn open_with(dir: &Path, options: Options) -> Result<Index, SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        let version_path = dir.join(VERSION_FILE);
        let version = match std::fs::read_to_string(&version_path) {
            Ok(v) => Some(v),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Some(String::new()),
            Err(e) => return Err(io_error(&version_path, e)),
        };
        if version.as_deref() == Some(version_line().as_str()) {
            let flagged = dir.join(REBUILD_FILE).exists();
            match Index::open_existing(dir, options, flagged) {
                Ok(index) => return Ok(index),
                Err(e @ (SearchError::Locked { .. } | SearchError::Io { .. })) => return Err(e),
                Err(SearchError::Engine(_)) => {} // corrupt: recreate below
            }
        }
        Index::recreate(dir, options)
    }

    fn open_existing(dir: &Path, options: Options, flagged: bool) -> Result<Index, SearchError> {
        let index = tantivy::Index::open_in_dir(dir)?;
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err(SearchError::Engine(TantivyError::SchemaError(
                "schema differs from this version".into(),
            )));
        }
        Index::start(index, fields, Some(dir), options, flagged)
    }

    fn recreate(dir: &Path, options: Options) -> Result<Index, SearchError> {
        {
            // Refuse to wipe an index another process is writing.
            let _lock = Index::lock(dir)?;
            let entries = std::fs::read_dir(dir).map_err(|e| io_error(dir, e))?;
            let rebuild_path = dir.join(REBUILD_FILE);
            std::fs::write(&rebuild_path, b"rebuild from the database\n")
                .map_err(|e| io_error(&rebuild_path, e))?;
            for entry in entries {
                let entry = entry.map_err(|e| io_error(dir, e))?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if is_index_file(name)
                    && name != REBUILD_FILE
                    && name != ".tantivy-writer.lock"
                    && entry.file_type().is_ok_and(|t| t.is_file())
                {
                    std::fs::remove_file(entry.path()).map_err(|e| io_error(&entry.path(), e))?;
                }
            }
        }
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(TantivyError::from)?;
        let index = tantivy::Index::create(directory, schema, Default::default())?;
        let version_path = dir.join(VERSION_FILE);
        std::fs::write(&version_path, version_line()).map_err(|e| io_error(&version_path, e))?;
        Index::start(index, fields, Some(dir), options, true)
    }

    /// Takes the writer lock of `dir` (released when the guard drops).
    fn lock(dir: &Path) -> Result<DirectoryLock, SearchError> {
        let directory = MmapDirectory::open(dir).map_err(TantivyError::from)?;
        directory
            .acquire_lock(&Lock {
                filepath: PathBuf::from(".tantivy-writer.lock"),
                is_blocking: false,
            })
            .map_err(|e| match e {
                tantivy::directory::error::LockError::LockBusy => SearchError::Locked {
                    path: dir.to_path_buf(),
                },
                e => SearchError::Engine(TantivyError::LockFailure(e, None)),
            })
    }

    /// A new empty index in memory (for tests); it reports `needs_rebuild() == true` like any
    /// new index until [`mark_rebuilt`](Index::mark_rebuilt).
    pub fn in_memory() -> Result<Index, SearchError> {
        Index::in_memory_with(Options::default())
    }

    /// [`Index::in_memory`] with explicit options.
    pub fn in_memory_with(options: Options) -> Result<Index, SearchError> {
        let (schema, fields) = schema();
        let index = tantivy::Index::create_in_ram(schema);
        Index::start(index, fields, None, options, true)
    }

    fn start(
        index: tantivy::Index,
        fields: Fields,
        dir: Option<&Path>,
        options: Options,
        rebuild: bool,
    ) -> Result<Index, SearchError> {
        register_analyzers(&index);
        let threads = match options.writer_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            n => n,
        };
        let memory = options.writer_memory.max(threads * 15_000_000);
        let writer = index
            .writer_with_num_threads(threads, memory)
            .map_err(|e| match (e, dir) {
                (
                    TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _),
                    Some(d),
                ) => SearchError::Locked {
                    path: d.to_path_buf(),
                },
                (e, _) => SearchError::Engine(e),
            })?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let position = index
            .load_metas()?
            .payload
            .as_deref()
            .and_then(parse_position)
            .unwrap_or(0);
        Ok(Index {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            dir: dir.map(Path::to_path_buf),
            rebuild: AtomicBool::new(rebuild),
            position: AtomicU64::new(position),
        })
    }

    /// The position in the caller's ordered change log that the index holds: every change up
    /// to it is in the last commit. Recorded in the commit itself (tantivy's commit payload),
    /// so the index and its position never disagree after a crash. `0` for a new index.
    pub fn position(&self) -> u64 {
        self.position.load(Ordering::SeqCst)
    }

    /// Commits every change so far, recording that the index now holds the caller's change
    /// log up to `position`; visible to searches when it returns.
    pub fn commit_at(&self, position: u64) -> Result<(), SearchError> {
        let mut writer = self.writer();
        Index::commit_writer(&mut writer, position)?;
        self.position.store(position, Ordering::SeqCst);
        self.reader.reload()?;
        Ok(())
    }

    fn commit_writer(
        writer: &mut IndexWriter<TantivyDocument>,
        position: u64,
    ) -> Result<(), SearchError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&position_payload(position));
        prepared.commit()?;
        Ok(())
    }

    /// Whether the index was created empty (new, of another version, or corrupt) or a rebuild
    /// was interrupted: the app should then upsert every item from the database, commit, and
    /// call [`mark_rebuilt`](Index::mark_rebuilt). The flag survives restarts until then.
    pub fn needs_rebuild(&self) -> bool {
        self.rebuild.load(Ordering::SeqCst)
    }

    /// Commits, then records that the index holds every item (clears [`Index::needs_rebuild`]).
    pub fn mark_rebuilt(&self) -> Result<(), SearchError> {
        self.commit()?;
        if let Some(dir) = &self.dir {
            let path = dir.join(REBUILD_FILE);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(&path, e)),
            }
        }
        self.rebuild.store(false, Ordering::SeqCst);
        Ok(())
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter<TantivyDocument>> {
        // A panic while holding the lock cannot leave the writer half-changed in a way a
        // commit would expose: tantivy's operations are queued, so keep using it.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds or replaces (by id) documents; visible to searches after [`Index::commit`].
    pub fn upsert(&self, docs: &[Doc]) -> Result<(), SearchError> {
        let f = self.fields;
        let writer = self.writer();
        for d in docs {
            writer.delete_term(Term::from_field_i64(f.id, d.id));
            let mut doc = TantivyDocument::new();
            doc.add_i64(f.id, d.id);
            doc.add_i64(f.time, d.time);
            for &a in &d.areas {
                doc.add_i64(f.areas, a);
            }
            doc.add_text(f.source, analyzer::nfc(&d.source));
            if let Some(t) = &d.topic {
                doc.add_text(f.topic, analyzer::nfc(t));
            }
            if let Some(t) = &d.direction {
                doc.add_text(f.direction, analyzer::nfc(t));
            }
            let text = analyzer::nfc(&d.text);
            doc.add_text(f.text, &text);
            doc.add_text(f.text_folded, &text);
            doc.add_text(f.text_exact, &text);
            if let Some(title) = &d.title {
                let title = analyzer::nfc(title);
                doc.add_text(f.title, &title);
                doc.add_text(f.title_folded, &title);
                doc.add_text(f.title_exact, &title);
            }
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Deletes documents by id; visible after [`Index::commit`].
    pub fn delete(&self, ids: &[i64]) -> Result<(), SearchError> {
        let writer = self.writer();
        for &id in ids {
            writer.delete_term(Term::from_field_i64(self.fields.id, id));
        }
        Ok(())
    }

    /// Deletes every document, including uncommitted ones; visible after [`Index::commit`].
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer().delete_all_documents()?;
        Ok(())
    }

    /// Makes every change so far durable and visible to searches when it returns; the
    /// recorded [`position`](Index::position) stays what it was.
    pub fn commit(&self) -> Result<(), SearchError> {
        self.commit_at(self.position())
    }

    /// Drops the changes made since the last commit.
    pub fn rollback(&self) -> Result<(), SearchError> {
        self.writer().rollback()?;
        Ok(())
    }

    /// Merges every segment into one, then commits (pending changes included). Searches get
    /// faster on a large index; worth calling after a full rebuild. Blocks until done.
    pub fn optimize(&self) -> Result<(), SearchError> {
        let mut writer = self.writer();
        let position = self.position();
        Index::commit_writer(&mut writer, position)?;
        // A background merge may hold some of the segments: the merge is then refused; wait
        // for it (no commit can start one meanwhile: the writer is locked) and try again.
        let started = std::time::Instant::now();
        loop {
            let ids = self.index.searchable_segment_ids()?;
            if ids.len() <= 1 {
                break;
            }
            match writer.merge(&ids).wait() {
                Ok(_) => break,
                Err(TantivyError::InvalidArgument(_))
                    if started.elapsed() < std::time::Duration::from_secs(1_800) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => return Err(e.into()),
            }
        }
        Index::commit_writer(&mut writer, position)?;
        self.reader.reload()?;
        Ok(())
    }

    /// Number of segments visible to searches (many small ones make searches slower).
    pub fn segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// Number of documents visible to searches.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Runs a search. Never fails on what the user typed: text that is not valid syntax is read
    /// as plain words, and text with nothing searchable (only punctuation or emoji) matches
    /// nothing.
    pub fn search(&self, q: &Query) -> Result<Hits, SearchError> {
        let text = analyzer::nfc(&q.text);
        let (mut folded, mut exact) = (analyzer::folded_analyzer(), analyzer::exact_analyzer());
        let parsed = parse::parse(&mut folded, &mut exact, &text);
        let has_text = !text.trim().is_empty();
        let Some(query) = query::build(&self.fields, q, &parsed, has_text) else {
            return Ok(Hits::default());
        };
        let searcher = self.reader.searcher();
        let limit = q.limit.min(MAX_LIMIT);
        if limit == 0 || q.offset > MAX_OFFSET {
            let total = searcher.search(&query, &Count)?;
            return Ok(Hits {
                total,
                hits: Vec::new(),
            });
        }
        let top = TopDocs::with_limit(limit).and_offset(q.offset);
        let by_date = q.sort == Sort::Newest || parsed.groups.is_empty();
        let (total, docs): (usize, Vec<(f32, DocAddress)>) = if by_date {
            let (total, docs) = searcher.search(
                &query,
                &(Count, top.order_by_fast_field::<i64>("time", Order::Desc)),
            )?;
            (total, docs.into_iter().map(|(_, a)| (0.0, a)).collect())
        } else {
            searcher.search(&query, &(Count, top.order_by_score()))?
        };
        self.hits(&searcher, total, docs, &parsed, &mut folded)
    }

    fn hits(
        &self,
        searcher: &tantivy::Searcher,
        total: usize,
        docs: Vec<(f32, DocAddress)>,
        parsed: &parse::Parsed,
        folded: &mut TextAnalyzer,
    ) -> Result<Hits, SearchError> {
        let terms: HashSet<&str> = parsed.positive_terms().collect();
        let mut hits = Vec::with_capacity(docs.len());
        for (score, address) in docs {
            let doc: TantivyDocument = searcher.doc(address)?;
            let get_i64 = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
            let text = doc
                .get_first(self.fields.text)
                .and_then(|v| v.as_str())
                .unwrap_or("");
            let s = snippet::snippet(folded, text, &terms);
            hits.push(Hit {
                id: get_i64(self.fields.id),
                score,
                time: get_i64(self.fields.time),
                snippet_html: s.html,
                fragment: s.fragment,
                fragment_start: s.start,
                highlights: s.highlights,
            });
        }
        Ok(Hits { total, hits })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Index>();
    }

    #[test]
    fn index_file_names() {
        for name in [
            "meta.json",
            ".managed.json",
            "0123456789abcdef0123456789abcdef.idx",
            "0123456789abcdef0123456789abcdef.12.del",
            VERSION_FILE,
        ] {
            assert!(is_index_file(name), "{name}");
        }
        for name in [
            "notes.txt",
            "0123456789abcdef0123456789abcdef",
            "x.idx",
            "meta.json.bak",
        ] {
            assert!(!is_index_file(name), "{name}");
        }
    }
}
