//! The line tools of `duluan text` (`normalize`, `fold`, `restore`, `tokenize`, `keyphrases`,
//! `pii`): one output line per input line, legacy 8-bit lines decoded with a warning.

use anyhow::Context as _;
use duluan_vitext::{chars, keyphrases, legacy, normalize, pii, syllable};
use std::io::{BufRead, Write};

/// Applies `f` to every line of `input` (bytes up to `\n`, a trailing `\r` dropped) and writes
/// one output line per input line. Lines that are not UTF-8 are decoded as a legacy 8-bit
/// encoding with a warning on `err` naming the line.
pub fn map_lines<R: BufRead, W: Write, E: Write>(
    mut input: R,
    out: &mut W,
    err: &mut E,
    mut f: impl FnMut(&str) -> String,
) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        if input
            .read_until(b'\n', &mut buf)
            .context("cannot read standard input")?
            == 0
        {
            break;
        }
        n += 1;
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        let line = match std::str::from_utf8(&buf) {
            Ok(s) => f(s),
            Err(_) => {
                let (s, enc) = legacy::decode_bytes(&buf);
                writeln!(
                    err,
                    "line {n}: not UTF-8, decoded as {} / dòng {n}: không phải UTF-8, đã giải mã theo {}",
                    enc.name(),
                    enc.name()
                )?;
                f(&s)
            }
        };
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub(super) fn normalize_line(line: &str, options: &normalize::Options, report: bool) -> String {
    let text = normalize::normalize_with(line, options);
    if !report {
        return text;
    }
    let encoding = if options.repair_legacy {
        legacy::detect(line)
    } else {
        legacy::Encoding::Unicode
    };
    let q = syllable::quality(&text);
    let flag = if q.looks_damaged() {
        "\tdamaged"
    } else if q.looks_unaccented() {
        "\tunaccented"
    } else {
        ""
    };
    format!("{text}\t{}\t{:.2}{flag}", encoding.name(), q.valid_ratio())
}

pub(super) fn fold_line(line: &str) -> String {
    chars::fold(&normalize::normalize(line)).to_lowercase()
}

pub(super) fn keyphrase_line(line: &str, n: usize) -> String {
    keyphrases::keyphrases(&normalize::normalize(line), n)
        .iter()
        .map(|k| k.phrase.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

pub(super) fn pii_line(line: &str) -> String {
    let found: Vec<serde_json::Value> = pii::detect(line)
        .iter()
        .map(|f| {
            serde_json::json!({
                "kind": f.kind.name(),
                "start": f.start,
                "end": f.end,
                "char_start": f.char_start,
                "char_end": f.char_end,
                "text": &line[f.start..f.end],
            })
        })
        .collect();
    serde_json::Value::Array(found).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use duluan_vitext::restore;

    fn run_map(input: &[u8], f: impl FnMut(&str) -> String) -> (String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        map_lines(input, &mut out, &mut err, f).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn check(input: &str, f: impl FnMut(&str) -> String, expected: &str) {
        assert_eq!(run_map(input.as_bytes(), f).0, expected, "{input:?}");
    }

    #[test]
    fn one_line_out_per_line_in() {
        let opts = normalize::Options::default();
        check(
            "hoà\r\nthuỷ\n\nHµ Néi",
            |l| normalize_line(l, &opts, false),
            "hòa\nthủy\n\nHà Nội\n",
        );
        check("", |l| normalize_line(l, &opts, false), "");
        check("Đường NGẬP\n", fold_line, "duong ngap\n");
        check(
            "Người dân phản ánh giá điện tăng cao\n",
            |l| normalize_line(l, &opts, true),
            "Người dân phản ánh giá điện tăng cao\tunicode\t1.00\n",
        );
        check(
            "nguoi dan phan anh\n",
            |l| normalize_line(l, &opts, true),
            "nguoi dan phan anh\tunicode\t1.00\tunaccented\n",
        );
    }

    #[test]
    fn invalid_utf8_is_decoded_with_a_warning() {
        let (out, err) = run_map(b"H\xb5 N\xe9i\nok\n\xff\xfe\x00", |l| l.to_string());
        assert_eq!(out.lines().next(), Some("Hà Nội"));
        assert_eq!(out.lines().count(), 3);
        assert!(err.contains("line 1: not UTF-8, decoded as tcvn3"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn long_line_and_binary_garbage_do_not_panic() {
        let long = "nguoi dan ".repeat(100_000);
        let (out, _) = run_map(long.as_bytes(), fold_line);
        assert_eq!(out.len(), long.len() + 1);
        let garbage: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let model = restore::Model::default_model();
        let (out, _) = run_map(&garbage, |l| model.restore(l));
        assert_eq!(
            out.matches('\n').count(),
            garbage.iter().filter(|&&b| b == b'\n').count() + 1
        );
        let _ = run_map(&garbage, pii_line);
        let _ = run_map(&garbage, |l| keyphrase_line(l, 3));
    }

    #[test]
    fn pii_and_keyphrases_lines() {
        check(
            "Bà Lan gọi 0903123456\n",
            pii_line,
            "[{\"char_end\":6,\"char_start\":3,\"end\":7,\"kind\":\"name\",\"start\":4,\"text\":\"Lan\"},{\"char_end\":21,\"char_start\":11,\"end\":24,\"kind\":\"phone\",\"start\":14,\"text\":\"0903123456\"}]\n",
        );
        check("không có gì\n", pii_line, "[]\n");
        let (out, _) = run_map(
            "Giá điện tăng. Giá điện tháng này tăng cao.\n".as_bytes(),
            |l| keyphrase_line(l, 2),
        );
        assert!(out.starts_with("giá điện"), "{out}");
    }
}
