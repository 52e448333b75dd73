//! The index on disk: reopening keeps documents, another version or a corrupt directory is
//! recreated and flagged for a rebuild, foreign files are left alone, a second writer is refused.

use super::*;
use duluan_search::SearchError;
use std::fs;
use std::path::Path;

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn fill(dir: &Path) {
    let index = Index::open(dir).unwrap();
    assert!(index.needs_rebuild());
    index
        .upsert(&[doc(1, "ngập úng", 1), doc(2, "giá điện", 2)])
        .unwrap();
    index.mark_rebuilt().unwrap();
    assert!(!index.needs_rebuild());
}

#[test]
fn reopen_keeps_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("index");
    fill(&dir);
    let index = Index::open(&dir).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!(index.num_docs(), 2);
    assert_eq!(id_set(&index, "ngap"), [1]);
    // Changes after reopening are kept too; uncommitted ones are not.
    index.delete(&[1]).unwrap();
    index.commit().unwrap();
    index.upsert(&[doc(3, "chưa lưu", 3)]).unwrap();
    drop(index);
    let index = Index::open(&dir).unwrap();
    assert_eq!(id_set(&index, ""), [2]);
}

#[test]
fn the_position_is_kept_with_the_commit_that_holds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::open(tmp.path()).unwrap();
    assert_eq!(index.position(), 0);
    index.upsert(&[doc(1, "ngập úng", 1)]).unwrap();
    index.commit_at(41).unwrap();
    assert_eq!(index.position(), 41);
    // A plain commit and an optimize keep it; changes not committed do not move it.
    index.upsert(&[doc(2, "giá điện", 2)]).unwrap();
    index.commit().unwrap();
    index.optimize().unwrap();
    assert_eq!(index.position(), 41);
    index.upsert(&[doc(3, "chưa lưu", 3)]).unwrap();
    drop(index);
    let index = Index::open(tmp.path()).unwrap();
    assert_eq!(index.position(), 41);
    assert_eq!(id_set(&index, ""), [1, 2]);
    index.commit_at(7).unwrap();
    drop(index);
    assert_eq!(Index::open(tmp.path()).unwrap().position(), 7);
}

#[test]
fn an_interrupted_rebuild_is_still_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let index = Index::open(tmp.path()).unwrap();
    assert!(index.needs_rebuild());
    index.upsert(&[doc(1, "một phần", 1)]).unwrap();
    index.commit().unwrap();
    drop(index); // the app stopped before mark_rebuilt
    let index = Index::open(tmp.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 1);
}

#[test]
fn another_version_is_recreated_and_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    fs::write(
        tmp.path().join("duluan-search.version"),
        "duluan-search schema 0\n",
    )
    .unwrap();
    let index = Index::open(tmp.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
    assert_eq!(id_set(&index, "ngap"), Vec::<i64>::new());
    // And it works.
    index.upsert(&[doc(5, "mới", 1)]).unwrap();
    index.mark_rebuilt().unwrap();
    drop(index);
    let index = Index::open(tmp.path()).unwrap();
    assert!(!index.needs_rebuild());
    assert_eq!(id_set(&index, "moi"), [5]);
}

#[test]
fn corrupt_index_is_recreated_and_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    fs::write(tmp.path().join("meta.json"), "{ not json").unwrap();
    let index = Index::open(tmp.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
    drop(index);

    // Truncated segment files.
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    let mut truncated = 0;
    for name in files(tmp.path()) {
        if name.len() > 33 && !name.starts_with('.') && name != "meta.json" {
            fs::write(tmp.path().join(&name), b"xx").unwrap();
            truncated += 1;
        }
    }
    assert!(truncated > 3);
    let index = Index::open(tmp.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
}

#[test]
fn foreign_directory_keeps_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), "giữ lại").unwrap();
    fs::write(tmp.path().join("meta.json"), "[1, 2, 3]").unwrap();
    fs::create_dir(tmp.path().join("sub")).unwrap();
    let index = Index::open(tmp.path()).unwrap();
    assert!(index.needs_rebuild());
    assert_eq!(index.num_docs(), 0);
    index.upsert(&[doc(1, "ngập", 1)]).unwrap();
    index.commit().unwrap();
    assert_eq!(id_set(&index, "ngap"), [1]);
    assert_eq!(
        fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "giữ lại"
    );
    assert!(tmp.path().join("sub").is_dir());
}

#[test]
fn path_that_is_a_file_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = Index::open(&file).unwrap_err();
    assert!(matches!(err, SearchError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("file"), "{err}");
}

#[test]
fn second_writer_on_the_same_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    let first = Index::open(tmp.path()).unwrap();
    let err = Index::open(tmp.path()).unwrap_err();
    assert!(matches!(err, SearchError::Locked { .. }), "{err:?}");
    // The first one is intact.
    assert_eq!(first.num_docs(), 2);
    drop(first);
    assert_eq!(Index::open(tmp.path()).unwrap().num_docs(), 2);
}

#[test]
fn shared_between_threads() {
    let index = std::sync::Arc::new(Index::in_memory().unwrap());
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let index = index.clone();
            std::thread::spawn(move || {
                for i in 0..30 {
                    index.upsert(&[doc(t * 100 + i, "song song", i)]).unwrap();
                    if i % 10 == 0 {
                        index.commit().unwrap();
                    }
                    index.search(&newest("song")).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    index.commit().unwrap();
    assert_eq!(index.num_docs(), 120);
}
