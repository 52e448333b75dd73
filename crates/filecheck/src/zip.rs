//! ZIP containers (XLSX, XLSB, ODS, DOCX): the central directory checked without inflating
//! anything, then every entry inflated into nothing while counting.
//!
//! The directory is parsed here rather than by the `zip` crate because opening a `ZipArchive`
//! already trusts the declared entry count; this parser looks at no more than
//! [`Limits::max_entries`] headers and allocates only for the entries it accepts.

use crate::{Limits, RATIO_FLOOR_BYTES, Refusal};
use std::io::{Read, Write};

/// One entry of the central directory, as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The entry's name (lossy UTF-8).
    pub name: String,
    /// Compression method (0 stored, 8 deflate, …).
    pub method: u16,
    /// Declared compressed size.
    pub compressed: u64,
    /// Declared inflated size.
    pub uncompressed: u64,
}

/// The central directory of an archive that passed [`check_directory`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    /// The entries in directory order.
    pub entries: Vec<Entry>,
}

impl Directory {
    /// Whether an entry has this exact name.
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }
    /// The sum of declared inflated sizes.
    pub fn declared_total(&self) -> u64 {
        self.entries
            .iter()
            .fold(0u64, |a, e| a.saturating_add(e.uncompressed))
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8).map(|s| {
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        u64::from_le_bytes(a)
    })
}

fn damaged(why: &str) -> Refusal {
    Refusal::Damaged(format!("ZIP archive: {why}"))
}

const EOCD: &[u8; 4] = b"PK\x05\x06";
const EOCD64_LOCATOR: &[u8; 4] = b"PK\x06\x07";
const EOCD64: &[u8; 4] = b"PK\x06\x06";
const CENTRAL: &[u8; 4] = b"PK\x01\x02";

/// Reads the central directory and refuses an archive with too many entries, too large a
/// declared total, or an entry compressed beyond [`Limits::max_ratio`]. Nothing is inflated.
pub fn check_directory(bytes: &[u8], limits: &Limits) -> Result<Directory, Refusal> {
    crate::check_file_size(bytes, limits)?;
    // The end record is in the last 22 + 65,535 (comment) bytes; search backwards.
    let from = bytes.len().saturating_sub(22 + 65_535);
    let eocd = (from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| &bytes[i..i + 4] == EOCD)
        .ok_or_else(|| damaged("no end of central directory record"))?;
    let mut entries = u64::from(u16_at(bytes, eocd + 10).unwrap_or(0));
    let mut cd_size = u64::from(u32_at(bytes, eocd + 12).unwrap_or(0));
    let mut cd_offset = u64::from(u32_at(bytes, eocd + 16).unwrap_or(0));
    let mut end_of_cd = eocd as u64;
    let zip64 = entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF;
    if zip64 && eocd >= 20 && &bytes[eocd - 20..eocd - 16] == EOCD64_LOCATOR {
        let at = u64_at(bytes, eocd - 20 + 8).unwrap_or(u64::MAX);
        let at = usize::try_from(at).unwrap_or(usize::MAX);
        if bytes.get(at..at + 4) != Some(EOCD64.as_slice()) {
            return Err(damaged("the ZIP64 end record is missing"));
        }
        entries = u64_at(bytes, at + 32).ok_or_else(|| damaged("short ZIP64 end record"))?;
        cd_size = u64_at(bytes, at + 40).ok_or_else(|| damaged("short ZIP64 end record"))?;
        cd_offset = u64_at(bytes, at + 48).ok_or_else(|| damaged("short ZIP64 end record"))?;
        end_of_cd = at as u64;
    }
    if entries > limits.max_entries {
        return Err(Refusal::TooManyEntries {
            entries,
            max: limits.max_entries,
        });
    }
    // Data prepended to the archive shifts every offset; the directory ends where its end record
    // starts, so start from there when the declared offset does not point at a header.
    let declared_start = usize::try_from(cd_offset).unwrap_or(usize::MAX);
    let start = if bytes.get(declared_start..declared_start.saturating_add(4))
        == Some(CENTRAL.as_slice())
        || entries == 0
    {
        declared_start
    } else {
        let s = end_of_cd
            .checked_sub(cd_size)
            .ok_or_else(|| damaged("the central directory is larger than the file"))?;
        usize::try_from(s).unwrap_or(usize::MAX)
    };
    let mut out = Directory::default();
    let mut total: u64 = 0;
    let mut at = start;
    // Walk the headers actually present (at most one more than allowed): a directory that
    // declares fewer entries than it holds must not slip more past the count.
    while bytes.get(at..at + 4) == Some(CENTRAL.as_slice()) {
        if out.entries.len() as u64 >= limits.max_entries {
            return Err(Refusal::TooManyEntries {
                entries: out.entries.len() as u64 + 1,
                max: limits.max_entries,
            });
        }
        let h = bytes
            .get(at..at + 46)
            .ok_or_else(|| damaged("a central directory header is cut short"))?;
        let method = u16_at(h, 10).unwrap_or(0);
        let mut compressed = u64::from(u32_at(h, 20).unwrap_or(0));
        let mut uncompressed = u64::from(u32_at(h, 24).unwrap_or(0));
        let name_len = usize::from(u16_at(h, 28).unwrap_or(0));
        let extra_len = usize::from(u16_at(h, 30).unwrap_or(0));
        let comment_len = usize::from(u16_at(h, 32).unwrap_or(0));
        let name_at = at + 46;
        let name = bytes
            .get(name_at..name_at + name_len)
            .ok_or_else(|| damaged("an entry name is cut short"))?;
        let extra = bytes
            .get(name_at + name_len..name_at + name_len + extra_len)
            .ok_or_else(|| damaged("an extra field is cut short"))?;
        // ZIP64 sizes: the extended information field holds the fields whose 32-bit value is
        // 0xFFFFFFFF, inflated size first.
        if uncompressed == 0xFFFF_FFFF || compressed == 0xFFFF_FFFF {
            let mut e = 0;
            while e + 4 <= extra.len() {
                let id = u16_at(extra, e).unwrap_or(0);
                let len = usize::from(u16_at(extra, e + 2).unwrap_or(0));
                if id == 0x0001 {
                    let mut f = e + 4;
                    if uncompressed == 0xFFFF_FFFF {
                        uncompressed = u64_at(extra, f).unwrap_or(u64::MAX);
                        f += 8;
                    }
                    if compressed == 0xFFFF_FFFF {
                        compressed = u64_at(extra, f).unwrap_or(0);
                    }
                    break;
                }
                e += 4 + len;
            }
        }
        let name = String::from_utf8_lossy(name).into_owned();
        total = total.saturating_add(uncompressed);
        if total > limits.max_inflated_bytes {
            return Err(Refusal::InflatedTooLarge {
                bytes: total,
                max: limits.max_inflated_bytes,
            });
        }
        if uncompressed > RATIO_FLOOR_BYTES {
            let ratio = uncompressed / compressed.max(1);
            if ratio > limits.max_ratio {
                return Err(Refusal::CompressionRatio {
                    entry: name,
                    ratio,
                    max: limits.max_ratio,
                });
            }
        }
        out.entries.push(Entry {
            name,
            method,
            compressed,
            uncompressed,
        });
        at = name_at + name_len + extra_len + comment_len;
    }
    if (out.entries.len() as u64) < entries {
        return Err(damaged(
            "the central directory holds fewer entries than declared",
        ));
    }
    Ok(out)
}

/// Counts bytes written into nothing.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Inflates every entry into nothing, stopping at the first byte past its declared size or past
/// the total cap: whatever the directory says, a reader that runs after this inflates no more
/// than [`Limits::max_inflated_bytes`]. Call after [`check_directory`].
pub fn check_inflated(bytes: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let mut archive =
        ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| damaged(&e.to_string()))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index(i)
            .map_err(|e| damaged(&format!("entry {}: {e}", i + 1)))?;
        let name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let declared = entry.size();
        let room = limits.max_inflated_bytes.saturating_sub(total);
        let mut counter = Counter(0);
        std::io::copy(&mut entry.take(declared.min(room) + 1), &mut counter)
            .map_err(|e| damaged(&format!("{name}: {e}")))?;
        total = total.saturating_add(counter.0);
        if total > limits.max_inflated_bytes {
            return Err(Refusal::InflatedTooLarge {
                bytes: total,
                max: limits.max_inflated_bytes,
            });
        }
        if counter.0 > declared {
            return Err(Refusal::SizeMismatch {
                entry: name,
                declared,
            });
        }
    }
    Ok(())
}

/// Both checks: the directory, then the actual inflated sizes.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<Directory, Refusal> {
    let dir = check_directory(bytes, limits)?;
    check_inflated(bytes, limits)?;
    Ok(dir)
}

/// Reads one entry, at most `max` inflated bytes (an entry over it is refused).
pub fn read_entry(bytes: &[u8], name: &str, max: u64) -> Result<Option<Vec<u8>>, Refusal> {
    let mut archive =
        ::zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| damaged(&e.to_string()))?;
    let entry = match archive.by_name(name) {
        Ok(e) => e,
        Err(::zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(damaged(&format!("{name}: {e}"))),
    };
    let mut out = Vec::new();
    entry
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| damaged(&format!("{name}: {e}")))?;
    if out.len() as u64 > max {
        return Err(Refusal::InflatedTooLarge {
            bytes: out.len() as u64,
            max,
        });
    }
    Ok(Some(out))
}
