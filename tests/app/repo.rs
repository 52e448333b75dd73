//! Invariants of the repository itself (ARCHITECTURE.md): both migration folders list the same
//! versions and build the same tables and columns; every `.rs` file starts with `//!`; only
//! `store.rs` files and the files of a `store/` folder (and `db.rs`) hold SQL in the app crate;
//! a context's store is used only by that context; the surveys' respondent engine uses no
//! web type.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::helpers::spawn_app;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | ".git" | "node_modules" | "duluan-data"
            ) && !name.starts_with("target")
            {
                files(&path, ext, out);
            }
        } else if name.ends_with(ext) {
            out.push(path);
        }
    }
}

#[test]
fn both_migration_folders_have_the_same_versions() {
    let names = |backend: &str| -> BTreeSet<String> {
        std::fs::read_dir(root().join("migrations").join(backend))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect()
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    let (a, b) = duluan::db::migration_versions();
    assert_eq!(a, b);
}

#[test]
fn every_rust_file_starts_with_a_module_comment() {
    let mut all = vec![];
    files(&root(), ".rs", &mut all);
    assert!(all.len() > 20);
    let missing: Vec<_> = all
        .iter()
        .filter(|p| {
            !std::fs::read_to_string(p)
                .unwrap_or_default()
                .starts_with("//!")
        })
        .collect();
    assert!(missing.is_empty(), "files without //!: {missing:?}");
}

#[test]
fn only_store_files_hold_sql_in_the_app() {
    let mut all = vec![];
    files(&root().join("src"), ".rs", &mut all);
    let sql_words = ["SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"];
    let offenders: Vec<_> = all
        .iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            // A store split by sub-resource is a folder `store/`: its files are store files.
            let in_store_folder = p
                .parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d == "store");
            name != "store.rs" && name != "db.rs" && !in_store_folder
        })
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            text.lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .any(|l| sql_words.iter().any(|w| l.contains(&format!("\"{w}"))))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "SQL outside store.rs and store/: {offenders:?}"
    );
}

#[test]
fn the_respondent_engine_knows_no_http() {
    // Every collection mode (web, e-mail, telephone, paper, OpenRosa) calls it, so it takes
    // plain values and returns plain types (`src/surveys/respondent/mod.rs`).
    let mut all = vec![];
    files(&root().join("src/surveys/respondent"), ".rs", &mut all);
    assert!(!all.is_empty());
    let words = [
        "axum",
        "http::",
        "tower",
        "askama",
        "AppState",
        "Ctx",
        "cookie",
        "StatusCode",
        "Header",
    ];
    let mut offenders = vec![];
    for path in &all {
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if !code.starts_with("//") && words.iter().any(|w| code.contains(w)) {
                offenders.push(format!("{}:{}: {}", path.display(), n + 1, code));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "the respondent engine uses web types:\n{}",
        offenders.join("\n")
    );
}

/// The context a file of `src/` belongs to: its first folder (`src/orgs/pages.rs` → `orgs`), or
/// none for the files at the top (`app.rs`, `db.rs`, …), which belong to no context.
fn context_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root().join("src")).ok()?;
    let mut parts = rel.components();
    let first = parts.next()?.as_os_str().to_string_lossy().to_string();
    parts.next().map(|_| first)
}

#[test]
fn a_context_store_is_used_only_by_its_own_context() {
    let mut all = vec![];
    files(&root().join("src"), ".rs", &mut all);
    let mut offenders = vec![];
    for path in &all {
        let own = context_of(path);
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            // `crate::X::store` (a path or a `use`), outside X.
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let Some((context, after)) = rest.split_once("::") else {
                    break;
                };
                let used_store = after.starts_with("store")
                    && !after["store".len()..]
                        .starts_with(|c: char| c.is_alphanumeric() || c == '_');
                if used_store && own.as_deref() != Some(context) {
                    offenders.push(format!(
                        "{}:{}: {}",
                        path.strip_prefix(root()).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "a context's store is private to it; call the context's public functions instead:\n{}",
        offenders.join("\n")
    );
}

#[tokio::test]
async fn the_schema_is_the_same_on_both_backends() {
    let app = spawn_app().await;
    let columns: BTreeSet<(String, String)> = match &app.db {
        duluan::db::Db::Sqlite(pool) => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect(),
        duluan::db::Db::Pg(pool) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
        )
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect(),
    };
    // The expected schema is listed once (`tests/app/schema/`, a file per migration); both backends must match it.
    let mut listing = String::new();
    for entry in std::fs::read_dir(root().join("tests/app/schema"))
        .unwrap()
        .flatten()
    {
        listing.push_str(&std::fs::read_to_string(entry.path()).unwrap());
        listing.push('\n');
    }
    let expected: BTreeSet<(String, String)> = listing
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (t, c) = l.split_once('.').unwrap();
            (t.to_string(), c.to_string())
        })
        .collect();
    let missing: Vec<_> = expected.difference(&columns).collect();
    let extra: Vec<_> = columns.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
}

#[test]
fn the_systemd_unit_is_valid() {
    let Ok(probe) = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
    else {
        eprintln!("skipped: systemd-analyze not found");
        return;
    };
    assert!(probe.status.success());
    let unit = std::fs::read_to_string(root().join("deploy/duluan.service")).unwrap();
    // The binary is not installed here: any executable stands in for it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("duluan.service");
    std::fs::write(&path, unit.replace("/usr/local/bin/duluan", "/bin/true")).unwrap();
    let out = std::process::Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    // Lines about the machine itself (no running systemd in a container) are not the unit's.
    let about_unit: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("duluan.service"))
        .collect();
    assert!(about_unit.is_empty(), "{text}");
}
