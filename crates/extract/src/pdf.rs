//! PDF: the text layer of each page by `pdf-extract` (on `lopdf`); a page without text is a
//! scan, whose largest embedded image is taken out with `lopdf` (JPEG, JPEG 2000, CCITT fax
//! wrapped in a TIFF, raw pixels written as PNM) and read by OCR. One item per document, pages
//! joined by blank lines. The parsers run in a thread with a large stack and their panics are
//! caught: a damaged PDF is an error, never a crash.

use crate::image::{OcrBudget, ocr_text};
use crate::{
    Extracted, ExtractedItem, FileError, FileErrorKind, Format, Options, check_size, clean,
};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Longest first line taken as the title.
const MAX_TITLE_CHARS: usize = 200;

/// A page with fewer letters and digits than this and an image is taken for a scan (its text
/// layer may hold only a stamped page number).
const SCAN_MAX_LETTERS: usize = 16;

/// Letters and digits of a text.
fn alphanumerics(text: &str) -> usize {
    text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// Stack of the parsing thread: deep object graphs recurse.
const STACK_BYTES: usize = 256 << 20;

fn malformed(why: impl Into<String>) -> Vec<FileError> {
    vec![FileError::file(FileErrorKind::Malformed(why.into()))]
}

/// Reads a PDF into one item.
pub(crate) fn extract(bytes: &[u8], options: &Options) -> Result<Extracted, Vec<FileError>> {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("duluan-extract-pdf".to_string())
            .stack_size(STACK_BYTES)
            .spawn_scoped(s, || extract_inner(bytes, options));
        match handle {
            Ok(h) => h.join().unwrap_or_else(|_| {
                Err(malformed(
                    "the PDF reader failed on this file (damaged PDF)",
                ))
            }),
            Err(e) => Err(malformed(format!("cannot start the PDF reader: {e}"))),
        }
    })
}

/// The text of one page, or `None` when the reader failed on it.
fn page_text(doc: &Document, page: u32) -> Option<String> {
    catch_unwind(AssertUnwindSafe(|| {
        let mut s = String::new();
        let mut out = pdf_extract::PlainTextOutput::new(&mut s);
        pdf_extract::output_doc_page(doc, &mut out, page).ok()?;
        Some(s)
    }))
    .ok()
    .flatten()
}

/// Tidies a page's text: lines trimmed at the end, at most one blank line in a row.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines().map(str::trim_end) {
        if line.trim().is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

fn extract_inner(bytes: &[u8], options: &Options) -> Result<Extracted, Vec<FileError>> {
    // lopdf inflates streams whole and without a cap (object streams as it loads): measure them
    // first.
    let (max_stream, max_total) = options.max_pdf_inflated;
    duluan_filecheck::pdf::check_streams(bytes, max_stream, max_total)
        .map_err(|r| vec![FileError::file(FileErrorKind::Refused(r))])?;
    let mut doc = catch_unwind(|| Document::load_mem(bytes))
        .map_err(|_| malformed("the PDF reader failed on this file (damaged PDF)"))?
        .map_err(|e| malformed(format!("PDF: {e}")))?;
    if doc.is_encrypted() {
        // Many PDFs are "encrypted" with an empty user password: they open for everyone.
        let opened = catch_unwind(AssertUnwindSafe(|| doc.decrypt(""))).is_ok_and(|r| r.is_ok());
        if !opened {
            return Err(vec![FileError::file(FileErrorKind::Encrypted)]);
        }
    }
    let pages = catch_unwind(AssertUnwindSafe(|| doc.get_pages()))
        .map_err(|_| malformed("the PDF's page tree is damaged"))?;
    if pages.is_empty() {
        return Err(malformed("the PDF has no pages"));
    }
    // Every page is read (and scans sent to OCR): refuse a long document before the first.
    if pages.len() > options.max_pdf_pages {
        return Err(vec![FileError::file(FileErrorKind::TooManyPages {
            pages: pages.len(),
            max: options.max_pdf_pages,
        })]);
    }
    let mut budget = OcrBudget::start();
    let mut texts: Vec<(usize, String, bool)> = Vec::new();
    let (mut needs_ocr, mut unreadable, mut no_image) = (Vec::new(), Vec::new(), Vec::new());
    let mut ocr_pages = 0;
    let mut errors = Vec::new();
    for (&number, &page_id) in &pages {
        let n = number as usize;
        let text = match page_text(&doc, number) {
            Some(t) => tidy(&t),
            None => {
                unreadable.push(n);
                String::new()
            }
        };
        let letters = alphanumerics(&text);
        if letters >= SCAN_MAX_LETTERS {
            texts.push((n, text, false));
            continue;
        }
        // Little or no text: a scan (maybe with a stamped page number) when the page has an image.
        let keep_text = |texts: &mut Vec<(usize, String, bool)>, no_text: &mut Vec<usize>| {
            if letters > 0 {
                texts.push((n, text.clone(), false));
            } else {
                no_text.push(n);
            }
        };
        let found = catch_unwind(AssertUnwindSafe(|| largest_image(&doc, page_id)))
            .unwrap_or_else(|_| Err("damaged image".to_string()));
        if matches!(found, Ok(None)) {
            keep_text(&mut texts, &mut no_image);
            continue;
        }
        if !options.ocr {
            keep_text(&mut texts, &mut needs_ocr);
            continue;
        }
        let image = catch_unwind(AssertUnwindSafe(|| {
            found.and_then(|s| s.map(|s| image_bytes(&doc, s)).transpose())
        }))
        .unwrap_or_else(|_| Err("damaged image".to_string()));
        match image {
            Ok(Some(img)) => match ocr_text(&img, options, &mut budget) {
                Ok(t) => {
                    ocr_pages += 1;
                    if alphanumerics(&t) > letters {
                        texts.push((n, t, true));
                    } else {
                        keep_text(&mut texts, &mut no_image);
                    }
                }
                Err(FileErrorKind::NeedsOcr) => keep_text(&mut texts, &mut needs_ocr),
                // The file's OCR budget is spent: stop here, the file is refused whole.
                Err(
                    kind @ (FileErrorKind::TooManyOcrPages { .. }
                    | FileErrorKind::OcrTimeLimit { .. }),
                ) => return Err(vec![FileError::at_page(n, kind)]),
                Err(kind) => errors.push(FileError::at_page(n, kind)),
            },
            Ok(None) => keep_text(&mut texts, &mut no_image),
            Err(why) => errors.push(FileError::at_page(
                n,
                FileErrorKind::Malformed(format!("page image: {why}")),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if texts.is_empty() {
        if !needs_ocr.is_empty() {
            return Err(vec![FileError::file(FileErrorKind::NeedsOcr)]);
        }
        if !unreadable.is_empty() && no_image.is_empty() {
            return Err(malformed("no page's text could be read (damaged PDF)"));
        }
        return Err(vec![FileError::file(FileErrorKind::EmptyText)]);
    }
    let mut warnings = Vec::new();
    let pages = |v: &[usize]| {
        let noun = if v.len() == 1 { "page" } else { "pages" };
        format!("{noun} {}", crate::decode::ranges(v))
    };
    if !needs_ocr.is_empty() {
        warnings.push(format!(
            "{} without a text layer (scans) skipped: OCR is off or not installed",
            pages(&needs_ocr)
        ));
    }
    if !unreadable.is_empty() {
        warnings.push(format!(
            "the text of {} could not be read",
            pages(&unreadable)
        ));
    }
    if !no_image.is_empty() {
        warnings.push(format!("{}: no text found", pages(&no_image)));
    }
    let raw = texts
        .iter()
        .map(|(_, t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join("\n\n");
    check_size(&raw, options).map_err(|k| vec![FileError::file(k)])?;
    let (text, enc) = clean(&raw);
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(vec![FileError::file(FileErrorKind::EmptyText)]);
    }
    let title = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .filter(|l| l.chars().count() <= MAX_TITLE_CHARS)
        .map(str::to_string);
    let mut item = ExtractedItem::new(texts[0].0, text);
    item.title = title;
    item.via_ocr = texts.iter().any(|(_, _, ocr)| *ocr);
    item.legacy_encoding = enc.map(str::to_string);
    Ok(Extracted {
        format: Format::Pdf,
        items: vec![item],
        warnings,
        ocr_pages,
    })
}

/// The largest image XObject of a page; `Ok(None)` without images.
fn largest_image(doc: &Document, page_id: ObjectId) -> Result<Option<&Stream>, String> {
    let (own, inherited) = doc.get_page_resources(page_id).map_err(|e| e.to_string())?;
    let mut dicts: Vec<&Dictionary> = own.into_iter().collect();
    dicts.extend(
        inherited
            .iter()
            .filter_map(|id| doc.get_dictionary(*id).ok()),
    );
    let mut best: Option<(i64, &Stream)> = None;
    for resources in dicts {
        let xobjects = match resources.get(b"XObject") {
            Ok(Object::Reference(id)) => doc.get_dictionary(*id).ok(),
            Ok(Object::Dictionary(d)) => Some(d),
            _ => None,
        };
        for (_, value) in xobjects.into_iter().flat_map(|d| d.iter()) {
            let stream = match value {
                Object::Reference(id) => doc.get_object(*id).and_then(Object::as_stream).ok(),
                Object::Stream(s) => Some(s),
                _ => None,
            };
            let Some(stream) = stream else { continue };
            let dict = &stream.dict;
            if dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image".as_slice()) {
                continue;
            }
            let w = dict.get(b"Width").and_then(Object::as_i64).unwrap_or(0);
            let h = dict.get(b"Height").and_then(Object::as_i64).unwrap_or(0);
            let area = w.saturating_mul(h);
            if area > 0 && best.is_none_or(|(a, _)| area > a) {
                best = Some((area, stream));
            }
        }
    }
    Ok(best.map(|(_, s)| s))
}

/// A name or the names of an array.
fn names(o: Option<&Object>) -> Vec<Vec<u8>> {
    match o {
        Some(Object::Name(n)) => vec![n.clone()],
        Some(Object::Array(a)) => a
            .iter()
            .filter_map(|o| o.as_name().ok().map(<[u8]>::to_vec))
            .collect(),
        _ => Vec::new(),
    }
}

/// Follows a reference.
fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    match o {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(o),
        _ => o,
    }
}

/// Converts an image XObject into bytes leptonica reads.
fn image_bytes(doc: &Document, stream: &Stream) -> Result<Vec<u8>, String> {
    let dict = &stream.dict;
    let filters = names(dict.get(b"Filter").ok().map(|o| resolve(doc, o)));
    let codec = filters.iter().position(|f| {
        matches!(
            f.as_slice(),
            b"DCTDecode" | b"JPXDecode" | b"CCITTFaxDecode"
        )
    });
    let width = dict.get(b"Width").and_then(Object::as_i64).unwrap_or(0);
    let height = dict.get(b"Height").and_then(Object::as_i64).unwrap_or(0);
    if !(1..=100_000).contains(&width) || !(1..=100_000).contains(&height) {
        return Err(format!("image of {width}×{height} pixels"));
    }
    let (width, height) = (width as usize, height as usize);
    // The data with the filters before the image codec (if any) undone.
    let data = |upto: usize| -> Result<Vec<u8>, String> {
        if upto == 0 {
            return Ok(stream.content.clone());
        }
        let mut s = stream.clone();
        let before: Vec<Object> = filters[..upto]
            .iter()
            .map(|f| Object::Name(f.clone()))
            .collect();
        s.dict.set("Filter", Object::Array(before));
        s.dict.remove(b"DecodeParms");
        s.decompressed_content().map_err(|e| e.to_string())
    };
    if let Some(i) = codec {
        let bytes = data(i)?;
        return match filters[i].as_slice() {
            b"CCITTFaxDecode" => {
                let params = match dict.get(b"DecodeParms").map(|o| resolve(doc, o)) {
                    Ok(Object::Dictionary(d)) => Some(d),
                    Ok(Object::Array(a)) => a
                        .get(i)
                        .map(|o| resolve(doc, o))
                        .and_then(|o| o.as_dict().ok()),
                    _ => None,
                };
                let get = |k: &[u8], default: i64| {
                    params
                        .and_then(|p| p.get(k).and_then(Object::as_i64).ok())
                        .unwrap_or(default)
                };
                let rows = match get(b"Rows", 0) {
                    r if r > 0 => r as usize,
                    _ => height,
                };
                let byte_align = params
                    .and_then(|p| p.get(b"EncodedByteAlign").and_then(Object::as_bool).ok())
                    .unwrap_or(false);
                Ok(ccitt_tiff(
                    &bytes,
                    get(b"Columns", 1728).clamp(1, 100_000) as usize,
                    rows,
                    get(b"K", 0),
                    byte_align,
                ))
            }
            _ => Ok(bytes), // JPEG and JPEG 2000 files are the stream's bytes.
        };
    }
    let raw = stream.decompressed_content().map_err(|e| e.to_string())?;
    let bpc = dict
        .get(b"BitsPerComponent")
        .and_then(Object::as_i64)
        .unwrap_or(8);
    let mask = dict
        .get(b"ImageMask")
        .and_then(Object::as_bool)
        .unwrap_or(false);
    let inverted = matches!(
        dict.get(b"Decode").map(|o| resolve(doc, o)),
        Ok(Object::Array(a)) if a.first().and_then(|o| o.as_float().ok()) == Some(1.0)
    );
    let space = dict.get(b"ColorSpace").map(|o| resolve(doc, o)).ok();
    if mask || bpc == 1 {
        // PDF: 0 is black (mask: 0 paints); PBM: 1 is black.
        let row = width.div_ceil(8);
        let body = raw.get(..row * height).ok_or("image data too short")?;
        let flip = !inverted;
        return Ok(pnm(
            "P4",
            width,
            height,
            None,
            body.iter().map(|b| if flip { !b } else { *b }).collect(),
        ));
    }
    if bpc != 8 {
        return Err(format!("{bpc} bits per component are not supported"));
    }
    let (kind, palette) = color_space(doc, space)?;
    match (kind, palette) {
        (1, None) => {
            let body = raw.get(..width * height).ok_or("image data too short")?;
            Ok(pnm("P5", width, height, Some(255), body.to_vec()))
        }
        (3, None) => {
            let body = raw
                .get(..width * height * 3)
                .ok_or("image data too short")?;
            Ok(pnm("P6", width, height, Some(255), body.to_vec()))
        }
        (4, None) => {
            let body = raw
                .get(..width * height * 4)
                .ok_or("image data too short")?;
            let rgb = body
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = 255 - p[3] as u32;
                    [0, 1, 2].map(|i| ((255 - p[i] as u32) * k / 255) as u8)
                })
                .collect();
            Ok(pnm("P6", width, height, Some(255), rgb))
        }
        (n, Some(lookup)) if n == 1 || n == 3 => {
            let body = raw.get(..width * height).ok_or("image data too short")?;
            let mut out = Vec::with_capacity(width * height * n);
            for &ix in body {
                let at = ix as usize * n;
                let px = lookup.get(at..at + n).ok_or("palette too short")?;
                out.extend_from_slice(px);
            }
            Ok(if n == 1 {
                pnm("P5", width, height, Some(255), out)
            } else {
                pnm("P6", width, height, Some(255), out)
            })
        }
        _ => Err("unsupported colour space".to_string()),
    }
}

/// Components of a colour space (1, 3 or 4) and, for `Indexed`, its palette.
fn color_space(doc: &Document, space: Option<&Object>) -> Result<(usize, Option<Vec<u8>>), String> {
    let Some(space) = space else {
        return Ok((1, None));
    };
    match space {
        Object::Name(n) => match n.as_slice() {
            b"DeviceGray" | b"CalGray" | b"G" => Ok((1, None)),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Ok((3, None)),
            b"DeviceCMYK" | b"CMYK" => Ok((4, None)),
            other => Err(format!("colour space {}", String::from_utf8_lossy(other))),
        },
        Object::Array(a) => {
            let kind = a.first().and_then(|o| o.as_name().ok()).unwrap_or(b"");
            match kind {
                b"ICCBased" => {
                    let n = a
                        .get(1)
                        .map(|o| resolve(doc, o))
                        .and_then(|o| o.as_stream().ok())
                        .and_then(|s| s.dict.get(b"N").and_then(Object::as_i64).ok())
                        .unwrap_or(3);
                    Ok((n.clamp(1, 4) as usize, None))
                }
                b"CalGray" => Ok((1, None)),
                b"CalRGB" | b"Lab" => Ok((3, None)),
                b"Indexed" | b"I" => {
                    let (base, _) = color_space(doc, a.get(1).map(|o| resolve(doc, o)))?;
                    let lookup = match a.get(3).map(|o| resolve(doc, o)) {
                        Some(Object::String(s, _)) => s.clone(),
                        Some(Object::Stream(s)) => {
                            s.get_plain_content().map_err(|e| e.to_string())?
                        }
                        _ => return Err("indexed colour space without a palette".to_string()),
                    };
                    Ok((base, Some(lookup)))
                }
                other => Err(format!("colour space {}", String::from_utf8_lossy(other))),
            }
        }
        _ => Err("unreadable colour space".to_string()),
    }
}

/// A binary PNM image (`P4` bitmap, `P5` grey, `P6` colour).
fn pnm(magic: &str, width: usize, height: usize, max: Option<u32>, body: Vec<u8>) -> Vec<u8> {
    let mut header = format!("{magic}\n{width} {height}\n");
    if let Some(m) = max {
        header.push_str(&format!("{m}\n"));
    }
    let mut out = header.into_bytes();
    out.extend(body);
    out
}

/// Wraps CCITT fax data in a one-strip little-endian TIFF (K < 0: Group 4; K ≥ 0: Group 3).
fn ccitt_tiff(data: &[u8], columns: usize, rows: usize, k: i64, byte_align: bool) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    let compression: u32 = if k < 0 { 4 } else { 3 };
    let mut entries: Vec<(u16, u16, u32)> = vec![
        (256, LONG, columns as u32),
        (257, LONG, rows as u32),
        (258, SHORT, 1),
        (259, SHORT, compression),
        (262, SHORT, 0), // WhiteIsZero: the fax codes say which runs are black
        (273, LONG, 0),  // strip offset, set below
        (277, SHORT, 1),
        (278, LONG, rows as u32),
        (279, LONG, data.len() as u32),
    ];
    if compression == 3 {
        let options = u32::from(k > 0) | if byte_align { 4 } else { 0 };
        entries.push((292, LONG, options));
    }
    let data_offset = 8 + 2 + entries.len() * 12 + 4;
    for e in &mut entries {
        if e.0 == 273 {
            e.2 = data_offset as u32;
        }
    }
    let mut out = Vec::with_capacity(data_offset + data.len());
    out.extend_from_slice(b"II*\0");
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if kind == SHORT {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_pages() {
        assert_eq!(tidy("\n\n a  \n\n\n\nb\nc  \n\n"), " a\n\nb\nc");
    }

    #[test]
    fn tiff_header() {
        let t = ccitt_tiff(b"abc", 100, 20, -1, false);
        assert_eq!(&t[..4], b"II*\0");
        assert_eq!(u16::from_le_bytes([t[8], t[9]]), 9);
        assert_eq!(&t[t.len() - 3..], b"abc");
        let offset = 8 + 2 + 9 * 12 + 4;
        assert_eq!(t.len(), offset + 3);
    }
}
