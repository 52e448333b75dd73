//! OCR by the `tesseract` program (Debian `tesseract-ocr`, `tesseract-ocr-vie`), the only IO of
//! this crate. The image goes to tesseract's standard input and the text comes back on its
//! standard output; a run longer than its timeout is killed. OCR is optional at run time:
//! [`available`] says whether tesseract and its Vietnamese model are installed.
//!
//! The program is `tesseract` from `PATH`, or the path in the environment variable
//! `DULUAN_TESSERACT` when it is set.

use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What is installed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OcrInfo {
    /// Tesseract's version, e.g. `5.3.0`.
    pub version: String,
    /// Installed language models, e.g. `["eng", "osd", "vie"]`.
    pub langs: Vec<String>,
    /// The Vietnamese model (`vie`) is installed.
    pub vietnamese: bool,
}

/// Why OCR failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OcrError {
    /// The `tesseract` program is not installed (Debian: `apt install tesseract-ocr tesseract-ocr-vie`).
    Missing,
    /// The languages string is not of the form `vie+eng`.
    BadLanguages(String),
    /// A requested language model is not installed (Debian: `tesseract-ocr-vie`).
    LanguageNotInstalled(String),
    /// The run took longer than its timeout and was stopped.
    Timeout(Duration),
    /// Tesseract failed (an image it cannot read, …); the text is its message.
    Failed(String),
}

impl fmt::Display for OcrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OcrError::Missing => f.write_str(
                "the tesseract program is not installed (Debian packages tesseract-ocr and tesseract-ocr-vie)",
            ),
            OcrError::BadLanguages(l) => {
                write!(f, "invalid OCR languages \"{l}\" (expected e.g. vie+eng)")
            }
            OcrError::LanguageNotInstalled(l) => write!(
                f,
                "the OCR language model \"{l}\" is not installed (Debian package tesseract-ocr-vie for vie)"
            ),
            OcrError::Timeout(t) => write!(f, "OCR took longer than {} s and was stopped", t.as_secs()),
            OcrError::Failed(why) => write!(f, "tesseract failed: {why}"),
        }
    }
}

impl std::error::Error for OcrError {}

/// The program to run.
pub(crate) fn program() -> OsString {
    std::env::var_os("DULUAN_TESSERACT").unwrap_or_else(|| "tesseract".into())
}

/// Output of a finished run.
struct Run {
    success: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Runs a program with `input` on its standard input, killing it after `timeout`.
fn run(
    program: &OsString,
    args: &[&str],
    input: Option<&[u8]>,
    timeout: Duration,
) -> Result<Run, OcrError> {
    let mut child = Command::new(program)
        .args(args)
        // One thread per run: the app runs several OCR jobs on few cores.
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => {
                OcrError::Missing
            }
            _ => OcrError::Failed(e.to_string()),
        })?;
    let writer = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => {
            let bytes = bytes.to_vec();
            // A write error means tesseract stopped reading; its exit status tells why.
            Some(std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut out);
            }
            out
        })
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(OcrError::Failed(e.to_string()));
            }
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    match status {
        None => Err(OcrError::Timeout(timeout)),
        Some(s) => Ok(Run {
            success: s.success(),
            stdout,
            stderr,
        }),
    }
}

/// Whether tesseract is installed, its version and languages (`None` when it is not).
pub fn available() -> Option<OcrInfo> {
    let p = program();
    let t = Duration::from_secs(20);
    let version = run(&p, &["--version"], None, t).ok()?;
    if !version.success {
        return None;
    }
    // Tesseract 4+ prints the version on stdout, older ones on stderr.
    let text = String::from_utf8_lossy(if version.stdout.is_empty() {
        &version.stderr
    } else {
        &version.stdout
    })
    .into_owned();
    let version = text
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("")
        .to_string();
    let list = run(&p, &["--list-langs"], None, t).ok()?;
    let text =
        String::from_utf8_lossy(&list.stdout).into_owned() + &String::from_utf8_lossy(&list.stderr);
    let langs: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with("List of") && !l.trim().is_empty())
        .filter(|l| {
            l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .map(str::to_string)
        .collect();
    let vietnamese = langs.iter().any(|l| l == "vie");
    Some(OcrInfo {
        version,
        langs,
        vietnamese,
    })
}

/// Checks a languages string such as `vie+eng`.
fn check_langs(langs: &str) -> Result<(), OcrError> {
    let ok = !langs.is_empty()
        && langs.len() <= 64
        && langs
            .split('+')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    if ok {
        Ok(())
    } else {
        Err(OcrError::BadLanguages(langs.chars().take(64).collect()))
    }
}

/// Reads the text of an image (PNG, JPEG, TIFF, PNM, JPEG 2000: what leptonica reads).
///
/// `langs` is tesseract's `-l` value (`vie+eng`); `timeout` bounds the run.
/// The text is returned as tesseract wrote it (not yet normalised).
pub fn image_to_text(bytes: &[u8], langs: &str, timeout: Duration) -> Result<String, OcrError> {
    image_to_text_with(&program(), bytes, langs, timeout)
}

pub(crate) fn image_to_text_with(
    program: &OsString,
    bytes: &[u8],
    langs: &str,
    timeout: Duration,
) -> Result<String, OcrError> {
    check_langs(langs)?;
    let run = run(
        program,
        &["stdin", "stdout", "-l", langs],
        Some(bytes),
        timeout,
    )?;
    let stderr = String::from_utf8_lossy(&run.stderr);
    if !run.success {
        if let Some(rest) = stderr.split("Failed loading language '").nth(1) {
            let lang = rest.split('\'').next().unwrap_or(langs);
            return Err(OcrError::LanguageNotInstalled(lang.to_string()));
        }
        let why: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        let start = why.len().saturating_sub(3);
        return Err(OcrError::Failed(why[start..].join("; ")));
    }
    // Tesseract ends pages with a form feed.
    Ok(String::from_utf8_lossy(&run.stdout).replace('\u{c}', "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_program() {
        let p: OsString = "/nonexistent/tesseract-for-duluan".into();
        assert_eq!(
            image_to_text_with(&p, b"x", "vie", Duration::from_secs(5)),
            Err(OcrError::Missing)
        );
    }

    #[test]
    fn languages_checked() {
        assert!(check_langs("vie+eng").is_ok());
        assert!(check_langs("vie").is_ok());
        for bad in ["", "vie+", "-psm", "vie eng", "../x"] {
            assert!(
                matches!(check_langs(bad), Err(OcrError::BadLanguages(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn timeout_kills() {
        let p: OsString = "sleep".into();
        let started = Instant::now();
        let got = run(&p, &["5"], None, Duration::from_millis(200));
        assert!(matches!(got, Err(OcrError::Timeout(_))));
        assert!(started.elapsed() < Duration::from_secs(3));
    }
}
