//! PDF streams measured before a PDF reader inflates them. `lopdf` (under `pdf-extract`)
//! inflates every Flate stream whole, without a cap, when it loads object streams and reads
//! pages: a few megabytes of zeros deflated make gigabytes. This scan finds each stream's data
//! (after the `stream` keyword) and inflates it into nothing, counting, as zlib and, as lopdf
//! does when zlib fails, as raw deflate; data that is neither (JPEG, CCITT, encrypted streams)
//! stops the decoder at once.

use crate::Refusal;
use flate2::read::{DeflateDecoder, ZlibDecoder};
use std::io::Read;

/// Bytes a decoder gives before it ends, fails or reaches `cap`.
fn inflated_len(mut r: impl Read, cap: u64) -> u64 {
    let mut buf = vec![0u8; 64 << 10];
    let mut n = 0u64;
    while n < cap {
        let want = buf.len().min((cap - n) as usize);
        match r.read(&mut buf[..want]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k as u64,
        }
    }
    n
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Refuses a PDF with a stream that inflates past `max_stream` bytes, or streams that inflate
/// past `max_total` together.
pub fn check_streams(bytes: &[u8], max_stream: u64, max_total: u64) -> Result<(), Refusal> {
    let mut total = 0u64;
    let mut at = 0usize;
    while let Some(i) = find(&bytes[at..], b"stream") {
        let keyword = at + i;
        at = keyword + 6;
        // `endstream` holds the word too; so may a string or a name.
        if keyword >= 3 && &bytes[keyword - 3..keyword] == b"end" {
            continue;
        }
        let rest = &bytes[at..];
        let data = if rest.starts_with(b"\r\n") {
            at + 2
        } else if rest.starts_with(b"\n") || rest.starts_with(b"\r") {
            at + 1
        } else {
            continue;
        };
        let cap = max_stream.min(max_total - total) + 1;
        let mut n = inflated_len(ZlibDecoder::new(&bytes[data..]), cap);
        if n == 0 {
            n = inflated_len(DeflateDecoder::new(&bytes[data..]), cap);
        }
        if n > max_stream {
            return Err(Refusal::InflatedTooLarge {
                bytes: n,
                max: max_stream,
            });
        }
        total += n;
        if total > max_total {
            return Err(Refusal::InflatedTooLarge {
                bytes: total,
                max: max_total,
            });
        }
        // Go on after the stream's data, not through it.
        at = match find(&bytes[data..], b"endstream") {
            Some(e) => data + e + 9,
            None => bytes.len(),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflated(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn pdf_with_stream(data: &[u8]) -> Vec<u8> {
        let mut out = format!(
            "%PDF-1.4\n1 0 obj\n<< /Length {} /Filter /FlateDecode >>\nstream\n",
            data.len()
        )
        .into_bytes();
        out.extend_from_slice(data);
        out.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        out
    }

    #[test]
    fn a_flate_bomb_is_refused_and_ordinary_streams_pass() {
        let bomb = pdf_with_stream(&deflated(&vec![0u8; 40 << 20]));
        assert!(bomb.len() < 100 << 10);
        assert_eq!(
            check_streams(&bomb, 16 << 20, 64 << 20),
            Err(Refusal::InflatedTooLarge {
                bytes: (16 << 20) + 1,
                max: 16 << 20
            })
        );
        let page = pdf_with_stream(&deflated(b"BT /F1 12 Tf (Xin chao) Tj ET"));
        assert_eq!(check_streams(&page, 16 << 20, 64 << 20), Ok(()));
        // Not deflated (a JPEG, say): nothing to count.
        let jpeg = pdf_with_stream(b"\xFF\xD8\xFF\xE0 not deflate data at all");
        assert_eq!(check_streams(&jpeg, 16 << 20, 64 << 20), Ok(()));
        // Many small streams add up.
        let many: Vec<u8> = (0..5)
            .flat_map(|_| pdf_with_stream(&deflated(&vec![0u8; 4 << 20])))
            .collect();
        assert!(matches!(
            check_streams(&many, 16 << 20, 16 << 20),
            Err(Refusal::InflatedTooLarge { max, .. }) if max == 16 << 20
        ));
    }
}
