//! The test harness: every test starts the real server on `127.0.0.1:0` with its own fresh
//! database — SQLite in a temporary folder, or, when `DULUAN_TEST_POSTGRES_URL` is set, a new
//! PostgreSQL database cloned from a migrated template — and talks to it over HTTP.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use duluan::app::Running;
use duluan::config::Config;
use duluan::db::Db;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use sqlx::Connection as _;

/// A running server and a browser-like client (cookies, no automatic redirects).
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: Db,
    running: Option<Running>,
    _dir: tempfile::TempDir,
    pg_database: Option<(String, String)>,
}

/// A response read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    /// Where a redirect points.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts that the body contains `text`.
    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} in the page (status {}):\n{}",
            self.status,
            &self.body
        );
    }
}

fn postgres_url() -> Option<String> {
    std::env::var("DULUAN_TEST_POSTGRES_URL")
        .ok()
        .filter(|s| !s.is_empty())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn with_database(url: &str, name: &str) -> String {
    // Replace the database name at the end of the URL (before any query string).
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let cut = base.rfind('/').expect("a database URL has a path");
    format!("{}/{}{}", &base[..cut], name, query)
}

/// The name of the migrated template database for the current migrations.
fn template_name() -> String {
    let mut hash: u64 = 0xcbf29ce484222325;
    for m in sqlx::migrate!("migrations/postgres").iter() {
        for b in m.checksum.iter().chain(m.version.to_le_bytes().iter()) {
            hash ^= *b as u64;
            hash = hash.wrapping_mul(0x100000001b3);
        }
    }
    format!("duluan_tpl_{hash:016x}")
}

async fn fresh_postgres(url: &str) -> (String, String) {
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .expect("DULUAN_TEST_POSTGRES_URL must reach PostgreSQL");
    let template = template_name();
    sqlx::query("SELECT pg_advisory_lock(424242)")
        .execute(&mut admin)
        .await
        .unwrap();
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&template)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
    if exists.is_none() {
        let create = format!("CREATE DATABASE {template}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&mut admin)
            .await
            .unwrap();
        let db = Db::connect(&with_database(url, &template)).await.unwrap();
        db.migrate().await.unwrap();
        db.close().await;
    }
    let name = format!(
        "duluan_t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let create = format!("CREATE DATABASE {name} TEMPLATE {template}");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("SELECT pg_advisory_unlock(424242)")
        .execute(&mut admin)
        .await
        .unwrap();
    (with_database(url, &name), name)
}

/// Starts the server on an empty, migrated database.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Starts the server on a database filled with the demo.
pub async fn spawn_demo() -> TestApp {
    let app = spawn_app().await;
    duluan::demo::load(&app.db).await.expect("demo loads");
    app
}

/// Starts the server with a configuration changed by `adjust`.
pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let (mut app, config) = fresh_database(adjust).await;
    let running = duluan::app::spawn(config, app.db.clone())
        .await
        .expect("server starts");
    app.base = format!("http://{}", running.addr);
    app.running = Some(running);
    app
}

/// A fresh, migrated database with no server on it (a benchmark's reference figure), dropped
/// with the returned value; [`spawn_with`] starts the server on one.
pub async fn database_only() -> TestApp {
    fresh_database(|_| {}).await.0
}

/// An empty database, no migration applied and no server (a test of a migration that moves data
/// writes rows in the older schema first, then migrates), dropped with the returned value.
pub async fn unmigrated_database() -> TestApp {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (url, pg_database) = match postgres_url() {
        Some(server) => {
            let mut admin = sqlx::PgConnection::connect(&server).await.unwrap();
            let name = format!(
                "duluan_u_{}_{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            );
            let create = format!("CREATE DATABASE {name} TEMPLATE template0");
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut admin)
                .await
                .unwrap();
            (Some(with_database(&server, &name)), Some((server, name)))
        }
        None => (None, None),
    };
    let config = Config::for_database(dir.path().to_path_buf(), url);
    let db = config.database.open().await.expect("database opens");
    TestApp {
        base: String::new(),
        client: reqwest::Client::new(),
        db,
        running: None,
        _dir: dir,
        pg_database,
    }
}

async fn fresh_database(adjust: impl FnOnce(&mut Config)) -> (TestApp, Config) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let (url, pg_database) = match postgres_url() {
        Some(server) => {
            let (url, name) = fresh_postgres(&server).await;
            (Some(url), Some((server, name)))
        }
        None => (None, None),
    };
    let mut config = Config::for_database(dir.path().to_path_buf(), url);
    adjust(&mut config);
    let db = config.database.open().await.expect("database opens");
    db.migrate().await.expect("migrations run");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let app = TestApp {
        base: String::new(),
        client,
        db,
        running: None,
        _dir: dir,
        pg_database,
    };
    (app, config)
}

impl TestApp {
    /// Waits until the server's search index holds every change logged so far (at most a
    /// minute; panics after).
    pub async fn wait_indexed(&self) {
        self.wait_indexed_within(std::time::Duration::from_secs(60))
            .await;
    }

    /// [`TestApp::wait_indexed`] with another bound.
    pub async fn wait_indexed_within(&self, within: std::time::Duration) {
        use duluan::monitoring::store;
        let started = std::time::Instant::now();
        loop {
            let (last, _) = store::index_head(&self.db).await.unwrap();
            let nodes = store::index_nodes(&self.db).await.unwrap();
            if nodes.iter().any(|(_, position, _)| *position >= last) {
                return;
            }
            assert!(
                started.elapsed() < within,
                "the search index did not catch up with the log ({last}): {nodes:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The PostgreSQL URL of this test's database (`None` on SQLite), for `duluan serve`
    /// processes started on the same data.
    pub fn database_url(&self) -> Option<String> {
        self.pg_database
            .as_ref()
            .map(|(server, name)| with_database(server, name))
    }

    /// The server's data folder (the SQLite database and the search index).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    /// Asserts that the audit log holds an entry with this action, as this client (an
    /// administrator) reads it: the log filtered by the action, since the demo's own entries can
    /// fill the unfiltered first page.
    pub async fn assert_audited(&self, action: &str) {
        let page = self
            .get(&format!("/admin/audit?action={}", urlencoding(action)))
            .await;
        assert_eq!(page.status, reqwest::StatusCode::OK);
        page.assert_contains(&format!("<td>{action}</td>"));
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `POST path` with a form.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        Self::read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `POST path` with a file upload in field `file`.
    pub async fn upload(&self, path: &str, file_name: &str, bytes: Vec<u8>) -> Page {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string());
        let form = reqwest::multipart::Form::new().part("file", part);
        Self::read(
            self.client
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Logs in and asserts success.
    pub async fn login(&self, username: &str, password: &str) {
        let page = self
            .post("/login", &[("username", username), ("password", password)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "login of {username} failed: {}",
            page.body
        );
    }

    /// Logs in as a demo user.
    pub async fn login_demo(&self, username: &str) {
        self.login(username, duluan::accounts::demo::DEMO_PASSWORD)
            .await;
    }

    /// A client of a server this test did not start (a `duluan serve` process at `base`),
    /// reading its database through `db`.
    pub fn for_server(base: String, db: Db) -> TestApp {
        TestApp {
            base,
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(600))
                .build()
                .unwrap(),
            db,
            running: None,
            _dir: tempfile::tempdir().unwrap(),
            pg_database: None,
        }
    }

    /// A second client with its own cookies, on the same server.
    pub fn other_client(&self) -> TestApp {
        TestApp {
            base: self.base.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            db: self.db.clone(),
            running: None,
            _dir: tempfile::tempdir().unwrap(),
            pg_database: None,
        }
    }

    /// The id of the unit with this code.
    pub async fn unit_id(&self, code: &str) -> i64 {
        duluan::orgs::resolve_unit_ref(&self.db, code)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no unit {code}"))
    }

    /// Makes the database refuse every audit entry with `action` from now on (a trigger), so that
    /// a test can check that the change the entry records is undone with it.
    pub async fn refuse_audit_of(&self, action: &str) {
        // The action is a literal of the test itself, never outside input.
        assert!(
            action
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        );
        let name = action.replace('.', "_");
        match &self.db {
            Db::Sqlite(pool) => {
                let sql = format!(
                    "CREATE TRIGGER test_refuse_{name} BEFORE INSERT ON audit_log
                     WHEN NEW.action = '{action}'
                     BEGIN SELECT RAISE(ABORT, 'audit entry refused by the test'); END"
                );
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(pool)
                    .await
                    .unwrap();
            }
            Db::Pg(pool) => {
                let sql = format!(
                    "CREATE FUNCTION test_refuse_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN
                       IF NEW.action = '{action}' THEN
                         RAISE EXCEPTION 'audit entry refused by the test';
                       END IF;
                       RETURN NEW;
                     END $$;
                     CREATE TRIGGER test_refuse_{name} BEFORE INSERT ON audit_log
                     FOR EACH ROW EXECUTE FUNCTION test_refuse_{name}();"
                );
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
    }

    /// Ids of a unit's direct children, by code.
    pub async fn children_codes(&self, code: &str) -> HashMap<String, i64> {
        let id = self.unit_id(code).await;
        duluan::orgs::store::list_children(&self.db, id)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.unit.code.unwrap_or_default(), c.unit.id))
            .collect()
    }

    /// The running server's state, to call its background jobs directly (benchmarks).
    pub fn state(&self) -> &duluan::app::AppState {
        &self
            .running
            .as_ref()
            .expect("a client of its own server")
            .state
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((server, name)) = self.pg_database.take() {
            // Drop the test's database on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(mut c) = sqlx::PgConnection::connect(&server).await {
                        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut c)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

/// Percent-encodes a query value (letters, digits, `._-` kept).
fn urlencoding(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'_' | b'-' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
