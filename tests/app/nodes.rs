//! Several nodes on one PostgreSQL behave as one: two `duluan serve` processes, each with its own
//! data folder (so its own search index), on the same database.
//!
//! - A job runs on one node only: over the same window, one node counts runs of the mail
//!   sender and of the retention job (`duluan_job_runs_total` on `/metrics`), the other none.
//! - An item ingested on node A is found by a search on node B, within the lag we state
//!   (measured and printed; the poll is 0.5 s).
//! - A unit moved on A changes what B's search by area shows (B rewrites the unit's items with
//!   their new ancestry from the change log).
//! - A report's attachment uploaded on A is served by B (attachments live in the database).
//! - Node B is killed with SIGKILL while A ingests; once started again on the same folder it
//!   catches up from its index's position and finds every item, none twice.
//!
//! On SQLite (no `DULUAN_TEST_POSTGRES_URL`) the test says it is skipped: a second process on
//! the same SQLite file is refused by the data folder's lock by design.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, database_only};
use crate::monitoring::{api_token, post_items};

const TOKEN: &str = "two-nodes-metrics-token";

struct Node {
    child: Child,
    dir: std::path::PathBuf,
    port: u16,
    url: String,
}

impl Node {
    fn start(url: &str, dir: &std::path::Path) -> Node {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Node {
            child: spawn(url, dir, port),
            dir: dir.to_path_buf(),
            port,
            url: url.to_string(),
        }
    }

    /// Starts the node again on its folder and port (after [`Node::kill`]).
    fn restart(&mut self) {
        self.child = spawn(&self.url, &self.dir, self.port);
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default()
    }

    async fn ready(&mut self) {
        let client = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if client
                .get(format!("{}/healthz", self.base()))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the node stopped ({status}):\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the node did not start:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no shutdown, no lease given up, the index writer cut off.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn spawn(url: &str, dir: &std::path::Path, port: u16) -> Child {
    std::fs::create_dir_all(dir).unwrap();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("serve.log"))
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_duluan"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir)
        .args(["--database-url", url, "--metrics-token", TOKEN])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("duluan serve starts")
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs of each job on a node so far (`duluan_job_runs_total`).
async fn job_runs(base: &str, job: &str) -> f64 {
    let body = reqwest::Client::new()
        .get(format!("{base}/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let prefix = format!("duluan_job_runs_total{{job=\"{job}\"}} ");
    body.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0.0, |v| v.trim().parse().unwrap())
}

/// The number of hits of a search on a node (`Tìm thấy N mục tin`).
async fn hits(app: &TestApp, query: &str) -> usize {
    let page = app.get(&format!("/monitoring/search?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let at = page.body.find("Tìm thấy ").expect("a hit count") + "Tìm thấy ".len();
    page.body[at..].split(' ').next().unwrap().parse().unwrap()
}

/// Polls a node's search until it shows `want` hits; returns how long that took.
async fn until_hits(app: &TestApp, query: &str, want: usize, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let n = hits(app, query).await;
        if n == want {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "{query}: {n} hits after {within:?}, expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn items(prefix: &str, word: &str, area: &str, from: usize, to: usize) -> serde_json::Value {
    let items: Vec<serde_json::Value> = (from..to)
        .map(|k| {
            json!({
                "id": format!("{prefix}-{k}"),
                "text": format!("Người dân phản ánh {word} số {k} ở khu dân cư"),
                "area": area,
            })
        })
        .collect();
    json!({ "items": items })
}

#[tokio::test(flavor = "multi_thread")]
async fn two_nodes_on_one_postgres_behave_as_one() {
    let setup = database_only().await;
    let Some(url) = setup.database_url() else {
        eprintln!(
            "skipped: two nodes share one PostgreSQL database (set DULUAN_TEST_POSTGRES_URL)"
        );
        return;
    };
    duluan::demo::load(&setup.db).await.unwrap();
    let folders = tempfile::tempdir().unwrap();
    let mut a = Node::start(&url, &folders.path().join("a"));
    let mut b = Node::start(&url, &folders.path().join("b"));
    a.ready().await;
    b.ready().await;
    let on_a = TestApp::for_server(a.base(), setup.db.clone());
    let on_b = TestApp::for_server(b.base(), setup.db.clone());
    on_a.login_demo("analyst").await;
    on_b.login_demo("analyst").await;

    // Jobs: over the same window, one node runs each, the other none.
    let window = Instant::now();
    let jobs = ["mail_send", "retention"];
    let before: Vec<(f64, f64)> = {
        let mut v = vec![];
        for job in jobs {
            v.push((
                job_runs(&a.base(), job).await,
                job_runs(&b.base(), job).await,
            ));
        }
        v
    };

    // An item ingested on A is found on B.
    let city = setup.unit_id("92").await;
    let token = api_token(&on_a, city).await;
    let (status, v) = post_items(
        &on_a,
        &token,
        &items("lag", "đèn đường hỏng", "31135", 0, 3),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let lag = until_hits(&on_b, "q=den+duong+hong", 3, Duration::from_secs(20)).await;
    println!("an item ingested on node A is found on node B after {lag:?}");
    assert!(lag < Duration::from_secs(5), "lag {lag:?}");

    // A unit moved on A changes what B shows by area.
    let p1 = setup.unit_id("31135").await;
    let p2 = setup.unit_id("31120").await;
    let admin = on_a.other_client();
    admin.login_demo("admin").await;
    let created = admin
        .post(
            &format!("/orgs/{p1}/new"),
            &[
                ("name", "Khu vực Hai Máy"),
                ("kind", "area"),
                ("code", "31135-88"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let w = setup.unit_id("31135-88").await;
    let (status, v) = post_items(
        &on_a,
        &token,
        &items("mv", "cây xanh gãy đổ", "31135-88", 0, 2),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    until_hits(
        &on_b,
        &format!("q=cay+xanh+gay+do&area=%23{p1}"),
        2,
        Duration::from_secs(20),
    )
    .await;
    let moved = admin
        .post(
            &format!("/orgs/{w}/edit"),
            &[
                ("name", "Khu vực Hai Máy"),
                ("kind", "area"),
                ("code", "31135-88"),
                ("parent", "31120"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let lag = until_hits(
        &on_b,
        &format!("q=cay+xanh+gay+do&area=%23{p2}"),
        2,
        Duration::from_secs(20),
    )
    .await;
    println!("a unit moved on node A shows under its new parent on node B after {lag:?}");
    assert_eq!(
        hits(&on_b, &format!("q=cay+xanh+gay+do&area=%23{p1}")).await,
        0
    );

    // A report's attachment uploaded on A is served by B.
    let reporter_a = on_a.other_client();
    reporter_a.login_demo("reporter").await;
    let opened = reporter_a
        .post(
            "/reporting/reports/open",
            &[
                ("assignment", &format!("1:{p1}")),
                ("period", &crate::reporting::this_month()),
            ],
        )
        .await;
    let report = crate::reporting::id_in(opened.location());
    let pdf = b"%PDF-1.4\n% bien ban hai may\n".to_vec();
    let done = reporter_a
        .upload(
            &format!("/reporting/reports/{report}/attachments"),
            "Biên bản.pdf",
            pdf.clone(),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = reporter_a
        .get(&format!("/reporting/reports/{report}"))
        .await;
    let at = page.body.find("/reporting/attachments/").expect("listed")
        + "/reporting/attachments/".len();
    let aid = page.body[at..].split('"').next().unwrap().to_string();
    let reporter_b = on_b.other_client();
    reporter_b.login_demo("reporter").await;
    let file = reporter_b
        .client
        .get(format!("{}/reporting/attachments/{aid}", b.base()))
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.bytes().await.unwrap().to_vec(), pdf);

    // The jobs' window closes (at least two periods of the mail sender).
    let rest = Duration::from_secs(12).saturating_sub(window.elapsed());
    tokio::time::sleep(rest).await;
    for (job, (a0, b0)) in jobs.iter().zip(before) {
        let ran_a = job_runs(&a.base(), job).await - a0;
        let ran_b = job_runs(&b.base(), job).await - b0;
        let total_a = job_runs(&a.base(), job).await;
        let total_b = job_runs(&b.base(), job).await;
        println!("{job}: node A ran it {total_a} times, node B {total_b}");
        assert!(
            (total_a > 0.0) != (total_b > 0.0),
            "{job} ran on both nodes or on neither: A {total_a}, B {total_b}"
        );
        assert!(ran_a == 0.0 || ran_b == 0.0, "{job}: A {ran_a}, B {ran_b}");
    }

    // B is killed while A ingests; started again, it finds every item.
    let batches = 40;
    let per = 250;
    let before_kill = duluan::monitoring::store::count_items(&setup.db)
        .await
        .unwrap();
    let ingest = {
        let on_a = on_a.other_client();
        let token = token.clone();
        tokio::spawn(async move {
            for k in 0..batches {
                let body = items(
                    "kill",
                    "nước sinh hoạt đục",
                    "31120",
                    k * per,
                    (k + 1) * per,
                );
                let (status, v) = post_items(&on_a, &token, &body).await;
                assert_eq!(status, StatusCode::OK, "{v}");
            }
        })
    };
    until_hits_at_least(&on_b, "q=nuoc+sinh+hoat+duc", 1).await;
    b.kill();
    ingest.await.unwrap();
    let stored = duluan::monitoring::store::count_items(&setup.db)
        .await
        .unwrap();
    b.restart();
    b.ready().await;
    let on_b = TestApp::for_server(b.base(), setup.db.clone());
    on_b.login_demo("analyst").await;
    let lag = until_hits(
        &on_b,
        "q=nuoc+sinh+hoat+duc",
        batches * per,
        Duration::from_secs(120),
    )
    .await;
    println!("node B, killed during ingest and started again, holds every item after {lag:?}");
    assert_eq!(hits(&on_a, "q=nuoc+sinh+hoat+duc").await, batches * per);
    assert_eq!((stored - before_kill) as usize, batches * per);
    let everything = format!("area=%23{city}");
    assert_eq!(
        hits(&on_b, &everything).await,
        hits(&on_a, &everything).await
    );

    // Both nodes are known with their positions, for the log's retention.
    let nodes = duluan::monitoring::store::index_nodes(&setup.db)
        .await
        .unwrap();
    assert_eq!(nodes.len(), 2, "{nodes:?}");
}

/// Polls a node's search until it shows at least `want` hits (at most a minute).
async fn until_hits_at_least(app: &TestApp, query: &str, want: usize) {
    let start = Instant::now();
    while hits(app, query).await < want {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{query}: no hits"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The retention of the change log: a node gone for over a week is forgotten, and entries are
/// deleted up to the position of the live node furthest behind, not one further.
#[tokio::test]
async fn the_change_log_keeps_what_a_live_node_needs_and_no_more() {
    use duluan::monitoring::store;
    let app = crate::helpers::spawn_demo().await;
    app.wait_indexed().await;
    let db = &app.db;
    let (last, pruned) = store::index_head(db).await.unwrap();
    assert_eq!(pruned, 1);
    assert!(last > 100, "the demo's items are logged: {last}");
    assert_eq!(store::log_backlog(db, 0).await.unwrap(), last - 1);
    let now = chrono::Utc::now().timestamp();
    store::record_node(db, "gone:/srv/a", 0, now - 8 * 86_400)
        .await
        .unwrap();
    let behind = last - 5;
    store::record_node(db, "live:/srv/b", behind, now)
        .await
        .unwrap();
    let deleted = duluan::monitoring::prune_index_log(db, now).await.unwrap();
    assert_eq!(deleted as i64, behind - 1);
    let names: Vec<String> = store::index_nodes(db)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.0)
        .collect();
    assert!(!names.iter().any(|n| n == "gone:/srv/a"), "{names:?}");
    assert!(names.iter().any(|n| n == "live:/srv/b"), "{names:?}");
    assert_eq!(store::index_head(db).await.unwrap().1, behind);
    let kept = store::log_after(db, 0, 1000).await.unwrap();
    assert_eq!(kept.first().map(|e| e.seq), Some(behind + 1));
    assert_eq!(kept.len() as i64, last - behind);
    // Nothing to prune a second time.
    assert_eq!(
        duluan::monitoring::prune_index_log(db, now).await.unwrap(),
        0
    );
}
