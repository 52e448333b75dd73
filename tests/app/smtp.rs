//! A real SMTP server on loopback for the tests that send mail (Debian `python3-aiosmtpd`): it
//! writes every accepted message into a Maildir and refuses any recipient starting with `bounce`
//! with 550, so that hard bounces can be tested too. Without aiosmtpd the tests print `skipped:`,
//! unless `DULUAN_TEST_SMTP` is set (CI), where a missing server fails them.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::TestApp;

fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// aiosmtpd with a handler that refuses any recipient starting with `bounce` (550) and writes
/// every accepted message into a Maildir.
const SERVER: &str = r#"
import sys, mailbox, asyncio, re
from aiosmtpd.controller import Controller
box = mailbox.Maildir(sys.argv[2])
class H:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith('bounce'):
            return '550 5.1.1 <%s>: Recipient address rejected: User unknown' % address
        envelope.rcpt_tos.append(address)
        return '250 OK'
    async def handle_DATA(self, server, session, envelope):
        box.add(envelope.content)
        mid = re.search(rb'(?im)^message-id:\s*(\S+)', envelope.content)
        with open(sys.argv[3], 'a') as log:
            for r in envelope.rcpt_tos:
                log.write('%s\t%s\n' % (r, mid.group(1).decode() if mid else ''))
        return '250 Message accepted for delivery'
c = Controller(H(), hostname='127.0.0.1', port=int(sys.argv[1]))
c.start()
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
"#;

pub struct SmtpServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SmtpServer {
    pub async fn start() -> Option<SmtpServer> {
        let available = Command::new(python())
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !available {
            assert!(
                std::env::var("DULUAN_TEST_SMTP").is_err(),
                "DULUAN_TEST_SMTP is set but aiosmtpd is missing: apt-get install python3-aiosmtpd"
            );
            eprintln!("skipped: python3-aiosmtpd is not installed");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(python())
            .args(["-c", SERVER])
            .arg(port.to_string())
            .arg(dir.path().join("maildir"))
            .arg(dir.path().join("delivered.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Some(SmtpServer { port, dir, child });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not listen on {port}");
    }

    /// Every accepted delivery as `(recipient, Message-ID)`, in arrival order: cheap to read
    /// for large runs (no message is parsed).
    pub fn deliveries(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(self.dir.path().join("delivered.log"))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(r, m)| (r.to_string(), m.to_string()))
            .collect()
    }

    /// Every received message as `(To, decoded Subject, decoded text body)` (the plain part of
    /// a multipart message).
    pub fn received(&self) -> Vec<(String, String, String)> {
        self.received_parts()
            .into_iter()
            .map(|(to, subject, text, _)| (to, subject, text))
            .collect()
    }

    /// Every received message as `(To, Subject, text body, HTML body)`, the HTML body empty
    /// when the message has none.
    pub fn received_parts(&self) -> Vec<(String, String, String, String)> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join("new")) else {
            return vec![];
        };
        let mut out = vec![];
        for e in entries.flatten() {
            let script = "import sys, email, email.policy\n\
                m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n\
                t = m.get_body(preferencelist=('plain',))\n\
                h = m.get_body(preferencelist=('html',))\n\
                sys.stdout.write(str(m['To']) + '\\x00' + str(m['Subject']) + '\\x00' + (t.get_content() if t else '') + '\\x00' + (h.get_content() if h else ''))";
            let o = Command::new(python())
                .args(["-c", script])
                .arg(e.path())
                .output()
                .unwrap();
            let text = String::from_utf8(o.stdout).unwrap();
            let mut parts = text.splitn(4, '\0');
            let mut next = || parts.next().unwrap_or("").to_string();
            out.push((next(), next(), next(), next()));
        }
        out
    }
}

pub async fn configure_mail(app: &TestApp, port: u16) {
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let port = port.to_string();
    let saved = admin
        .post(
            "/admin/mail",
            &[
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "none"),
                ("from_address", "trungtam@cantho.test"),
                ("from_name", "Trung tâm Thông tin Cần Thơ"),
                ("enabled", "yes"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
}
