//! UI journeys in a real headless Chromium (Debian `chromium` + `chromium-driver`) driven over
//! WebDriver. CI sets `DULUAN_TEST_BROWSER=1`, which makes a missing browser a failure; elsewhere
//! the journeys are skipped with a message when chromedriver is not installed.
//! Screenshots of key pages are kept in the target folder's `tmp/screenshots`.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::spawn_demo;

/// A chromedriver process and a browser session; both end on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group, and Chromium's processes are in it: kill
        // the whole group, so that no browser outlives a test (also one that panicked before it
        // ended its session).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn chromedriver() -> Option<String> {
    let path =
        std::env::var("DULUAN_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    std::path::Path::new(&path).exists().then_some(path)
}

/// Starts headless Chromium at phone size (390×844), or `None` when it is not installed and not
/// required.
pub async fn browser() -> Option<Browser> {
    let Some(driver_path) = chromedriver() else {
        assert!(
            std::env::var("DULUAN_TEST_BROWSER").is_err(),
            "DULUAN_TEST_BROWSER is set but chromedriver is missing: apt-get install chromium chromium-driver"
        );
        eprintln!("skipping browser journey: chromedriver is not installed");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({
        "goog:chromeOptions": {
            "binary": std::env::var("DULUAN_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--disable-crash-reporter", "--disable-breakpad", "--window-size=390,844", "--lang=vi",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }
    });
    let caps = match caps {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut last_error = None;
    // chromedriver needs a moment to listen; try for up to 20 seconds.
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => {
                return Some(Browser {
                    client,
                    driver,
                    _profile: profile,
                });
            }
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("cannot start a browser session: {last_error:?}");
}

/// Saves a screenshot of the current page as a test artefact.
pub async fn screenshot(client: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// Fills the login form on the current page as a demo user and waits for the logged-in page.
pub async fn fill_login(c: &Client, user: &str) {
    c.find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("duluan-demo")
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("nav.main"))
        .await
        .unwrap();
}

/// Opens the login page and logs in as a demo user.
pub async fn log_in(c: &Client, base: &str, user: &str) {
    c.goto(&format!("{base}/login")).await.unwrap();
    fill_login(c, user).await;
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .expect(css)
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reporter_logs_in_on_a_phone_and_finds_their_ward() {
    let Some(b) = browser().await else { return };
    let app = spawn_demo().await;
    let c = &b.client;
    c.goto(&format!("{}/", app.base)).await.unwrap();
    // Anonymous: the login page, in Vietnamese.
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    assert_eq!(text_of(c, "h1").await, "Đăng nhập");
    screenshot(c, "login-phone").await;
    fill_login(c, "reporter").await;
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    assert_eq!(text_of(c, "h1").await, "Chào mừng đến với duluan");
    screenshot(c, "home-phone").await;
    // To the organisation tree and the ward.
    c.find(Locator::LinkText("Tổ chức"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::LinkText("Phường Ninh Kiều"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::LinkText("Khu vực 1"))
        .await
        .unwrap();
    assert_eq!(text_of(c, "h1").await, "Phường Ninh Kiều");
    // The page fits a phone screen: no horizontal scrolling of the document.
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow, json!(true));
    screenshot(c, "ward-phone").await;
    // Search typed without diacritics finds the hamlets; nothing outside the ward.
    c.goto(&format!("{}/orgs?q=khu+vuc", app.base))
        .await
        .unwrap();
    let body = text_of(c, "main").await;
    assert!(body.contains("Khu vực 1"), "{body}");
    assert!(!body.contains("31120"), "{body}");
    // Switch to English.
    c.find(Locator::Css("button[name=lang]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::LinkText("Organisation"))
        .await
        .unwrap();
    b.client.clone().close().await.unwrap();
}
