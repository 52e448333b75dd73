//! Durability: `kill -9` of a `duluan serve` process in the middle of a load of JSON
//! submissions; every submission that got a success answer is in the database afterwards.

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use super::{DEMO_KEY, demo_answers};

#[tokio::test]
async fn every_acknowledged_submission_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_duluan"))
        .args([
            "serve",
            "--demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--data-dir",
        ])
        .arg(dir.path())
        .env_remove("DULUAN_DATABASE_URL")
        .env("DULUAN_SURVEY_RATE", "0")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("duluan serve starts");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let start = Instant::now();
    loop {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tasks = Vec::new();
    for k in 0..32u32 {
        let client = client.clone();
        let base = base.clone();
        let acked = acked.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0.. {
                let id = uuid::Uuid::new_v4().to_string();
                let body = json!({"id": id, "answers": demo_answers(20 + (k + i) % 60, "4")});
                match client
                    .post(format!("{base}/s/{DEMO_KEY}/submissions"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => acked.lock().unwrap().push(id),
                    Ok(r) => panic!("refused: {}", r.status()),
                    Err(_) => break,
                }
            }
        }));
    }
    // Let the load run, then kill the server without warning.
    while acked.lock().unwrap().len() < 200 && start.elapsed() < Duration::from_secs(180) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("kill -9");
    child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 200, "only {} acknowledged", acked.len());
    // Reopen the database as a restarted server would, and count.
    let db = duluan::db::Db::open_in_dir(dir.path()).await.unwrap();
    db.migrate().await.unwrap();
    let stored: Vec<String> = duluan::with_db!(&db, |pool| sqlx::query_scalar(
        "SELECT id FROM survey_responses WHERE status = 'complete'"
    )
    .fetch_all(pool)
    .await
    .unwrap());
    let stored: std::collections::HashSet<String> = stored.into_iter().collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged submissions lost",
        lost.len(),
        acked.len()
    );
    assert!(stored.len() >= acked.len());
}
