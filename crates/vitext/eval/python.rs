//! Running a Python script over lines, shared by the evaluation examples: the peers (pyvi,
//! underthesea) read one sentence per line on standard input and write one line per sentence.

use std::io::Write;
use std::process::{Command, Stdio};

/// The output lines of `python -c script` fed `lines` (one per line); an error when it fails
/// (its last line of standard error) or does not give one line per input line.
pub fn pipe_lines(python: &str, script: &str, lines: &[String]) -> Result<Vec<String>, String> {
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{python}: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if got.len() != lines.len() {
        return Err(format!("{} lines out for {}", got.len(), lines.len()));
    }
    Ok(got)
}
