//! CSV and JSON Lines: one item per record, with the keys `text` (required), `time`, `area`,
//! `id`, `title`, `topic`, `direction`, `url`, `lang`. Unknown keys are errors.

use crate::decode::Decoded;
use crate::{
    Errors, ExtractedItem, FileError, FileErrorKind, Options, Quality, check_size, clean, clean_opt,
};

/// The keys of a record.
pub const KEYS: [&str; 9] = [
    "text",
    "time",
    "area",
    "id",
    "title",
    "topic",
    "direction",
    "url",
    "lang",
];

/// Builds the item of one record from its (key, value) pairs; errors go to `errors`.
fn item<'a>(
    first_line: usize,
    last_line: usize,
    pairs: impl Iterator<Item = (&'a str, &'a str)>,
    decoded: &Decoded,
    options: &Options,
    errors: &mut Errors,
) -> Option<ExtractedItem> {
    let mut item = ExtractedItem::new(first_line, String::new());
    let mut ok = true;
    let mut text_seen = false;
    for (key, value) in pairs {
        match key {
            "text" => {
                text_seen = true;
                if let Err(kind) = check_size(value, options) {
                    errors.push(FileError::at(first_line, "text", kind));
                    ok = false;
                    continue;
                }
                let (text, enc) = clean(value.trim());
                let text = text.trim().to_string();
                if text.is_empty() {
                    errors.push(FileError::at(first_line, "text", FileErrorKind::EmptyText));
                    ok = false;
                    continue;
                }
                if let Err(kind) = check_size(&text, options) {
                    errors.push(FileError::at(first_line, "text", kind));
                    ok = false;
                    continue;
                }
                item.legacy_encoding = decoded
                    .lines_encoding(first_line, last_line)
                    .or(enc)
                    .map(str::to_string);
                item.quality = Quality::of(&text);
                item.text = text;
            }
            "time" => match parse_time(value) {
                Ok(t) => item.time = t,
                Err(why) => {
                    errors.push(FileError::at(
                        first_line,
                        "time",
                        FileErrorKind::InvalidValue(why),
                    ));
                    ok = false;
                }
            },
            "area" => item.area = clean_opt(value),
            "id" => item.external_id = clean_opt(value),
            "title" => item.title = clean_opt(value),
            "topic" => item.topic = clean_opt(value),
            "direction" => item.direction = clean_opt(value),
            "url" => item.url = clean_opt(value),
            "lang" => item.lang = clean_opt(value),
            _ => {}
        }
    }
    if !text_seen {
        errors.push(FileError::at(
            first_line,
            "text",
            FileErrorKind::MissingColumn,
        ));
        ok = false;
    }
    ok.then_some(item)
}

/// Reads a time: RFC 3339 (kept with its offset) or `YYYY-MM-DD[ HH:MM[:SS]]` (local, no offset).
pub fn parse_time(value: &str) -> Result<Option<String>, String> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat};
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.to_rfc3339_opts(SecondsFormat::Secs, true)));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, f) {
            return Ok(Some(t.format("%Y-%m-%dT%H:%M:%S").to_string()));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(Some(d.format("%Y-%m-%d").to_string()));
    }
    let shown: String = v.chars().take(40).collect();
    Err(format!(
        "\"{shown}\" is not a time (expected RFC 3339 or YYYY-MM-DD[ HH:MM[:SS]])"
    ))
}

/// `;` when the header line has more semicolons than commas (outside quotes), else `,`.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text.split('\n').next().unwrap_or("");
    let (mut commas, mut semis, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semis += 1,
            _ => {}
        }
    }
    if semis > commas { b';' } else { b',' }
}

/// Reads a CSV file with a header row.
pub(crate) fn csv(
    decoded: &Decoded,
    options: &Options,
) -> Result<Vec<ExtractedItem>, Vec<FileError>> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(&decoded.text))
        .has_headers(true)
        .flexible(false)
        .from_reader(decoded.text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|c| c.trim().trim_start_matches('\u{FEFF}').to_lowercase())
            .collect(),
        Err(e) => return Err(vec![csv_error(&e, 1)]),
    };
    let mut errors = Errors::default();
    let mut keys: Vec<&'static str> = Vec::with_capacity(header.len());
    for (i, name) in header.iter().enumerate() {
        match KEYS.iter().find(|k| **k == name) {
            Some(k) if keys.contains(k) => {
                errors.push(FileError::at(1, name, FileErrorKind::DuplicateColumn))
            }
            Some(k) => keys.push(k),
            None if name.is_empty() => errors.push(FileError::at(
                1,
                &format!("#{}", i + 1),
                FileErrorKind::InvalidValue("empty column name".to_string()),
            )),
            None => errors.push(FileError::at(1, name, FileErrorKind::UnknownColumn)),
        }
    }
    if !keys.contains(&"text") {
        errors.push(FileError::at(1, "text", FileErrorKind::MissingColumn));
    }
    if !errors.is_empty() {
        return errors.into_result(Vec::new());
    }
    // The csv crate counts records, not the line breaks inside quoted fields: lines come from
    // byte offsets instead.
    let breaks: Vec<usize> = decoded
        .text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    // The position may point at the end of the previous line (`\n` of a `\r\n`, blank lines).
    let bytes = decoded.text.as_bytes();
    let line_at = |byte: u64| {
        let mut at = byte as usize;
        while bytes.get(at).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
            at += 1;
        }
        breaks.partition_point(|&b| b < at) + 1
    };
    let mut items = Vec::new();
    for record in reader.records() {
        match record {
            Ok(rec) => {
                let line = rec.position().map_or(0, |p| line_at(p.byte()));
                let newlines: usize = rec.iter().map(|f| f.matches('\n').count()).sum();
                let pairs = keys.iter().copied().zip(rec.iter());
                if let Some(it) = item(line, line + newlines, pairs, decoded, options, &mut errors)
                {
                    items.push(it);
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                errors.push(csv_error(&e, line));
            }
        }
    }
    if items.is_empty() && errors.is_empty() {
        errors.push(FileError::file(FileErrorKind::Empty));
    }
    errors.into_result(items)
}

/// A CSV parser error at a line (0: unknown).
fn csv_error(e: &csv::Error, line: usize) -> FileError {
    let why = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields as in the header, found {len}"),
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        _ => e.to_string(),
    };
    if line == 0 {
        FileError::file(FileErrorKind::Malformed(why))
    } else {
        FileError::at_line(line, FileErrorKind::Malformed(why))
    }
}

/// Reads JSON Lines: one object per line, blank lines skipped.
pub(crate) fn jsonl(
    decoded: &Decoded,
    options: &Options,
) -> Result<Vec<ExtractedItem>, Vec<FileError>> {
    use serde_json::Value;
    let mut errors = Errors::default();
    let mut items = Vec::new();
    for (i, raw) in decoded.text.split('\n').enumerate() {
        let line = i + 1;
        let raw = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
        if raw.is_empty() {
            continue;
        }
        let map = match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                errors.push(FileError::at_line(
                    line,
                    FileErrorKind::Malformed("the line is not a JSON object {…}".to_string()),
                ));
                continue;
            }
            Err(e) => {
                let why = e.to_string();
                let why = why.split(" at line ").next().unwrap_or(&why);
                errors.push(FileError::at_line(
                    line,
                    FileErrorKind::Malformed(format!("JSON: {why} at character {}", e.column())),
                ));
                continue;
            }
        };
        let mut pairs: Vec<(&str, String)> = Vec::with_capacity(map.len());
        let mut bad = false;
        for (key, value) in &map {
            let Some(k) = KEYS.iter().find(|k| **k == key) else {
                errors.push(FileError::at(line, key, FileErrorKind::UnknownColumn));
                bad = true;
                continue;
            };
            match value {
                Value::Null => {}
                Value::String(s) => pairs.push((k, s.clone())),
                Value::Number(n) => pairs.push((k, n.to_string())),
                _ => {
                    errors.push(FileError::at(
                        line,
                        key,
                        FileErrorKind::InvalidValue("expected a string".to_string()),
                    ));
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        // Key order of the item does not matter; `text` may be missing (reported by `item`).
        if !pairs.iter().any(|(k, _)| *k == "text") {
            errors.push(FileError::at(line, "text", FileErrorKind::MissingColumn));
            continue;
        }
        let iter = pairs.iter().map(|(k, v)| (*k, v.as_str()));
        if let Some(it) = item(line, line, iter, decoded, options, &mut errors) {
            items.push(it);
        }
    }
    if items.is_empty() && errors.is_empty() {
        errors.push(FileError::file(FileErrorKind::Empty));
    }
    errors.into_result(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_time(input: &str, expected: Option<&str>) {
        assert_eq!(
            parse_time(input).ok().flatten().as_deref(),
            expected,
            "{input}"
        );
    }

    #[test]
    fn times() {
        check_time("2026-03-01", Some("2026-03-01"));
        check_time("2026-03-01 08:30", Some("2026-03-01T08:30:00"));
        check_time("2026-03-01 08:30:15", Some("2026-03-01T08:30:15"));
        check_time(
            "2026-03-01T08:30:15+07:00",
            Some("2026-03-01T08:30:15+07:00"),
        );
        check_time("2026-03-01T01:30:15Z", Some("2026-03-01T01:30:15Z"));
        check_time("", None);
        check_time("2026-02-30", None);
        check_time("hôm qua", None);
        assert!(parse_time("01/03/2026").is_err());
    }

    #[test]
    fn delimiter() {
        assert_eq!(sniff_delimiter("text;area\na,b;1"), b';');
        assert_eq!(sniff_delimiter("text,area\n"), b',');
        assert_eq!(sniff_delimiter("\"a;b;c\",x\n"), b',');
    }
}
