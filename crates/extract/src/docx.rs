//! Word 2007+ documents: the paragraphs of `word/document.xml` (tables as one line per row,
//! cells separated by ` | `, text boxes once); the whole document is one item, its title the
//! first paragraph (or `docProps/core.xml`'s title when the first paragraph is long).

use crate::{
    Extracted, ExtractedItem, FileError, FileErrorKind, Format, Options, check_size, clean,
    clean_opt,
};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::Read;

/// Largest XML part read (uncompressed), against ZIP bombs.
const MAX_PART_BYTES: u64 = 64 << 20;

/// Longest first paragraph taken as the title.
const MAX_TITLE_CHARS: usize = 200;

fn malformed(why: impl Into<String>) -> Vec<FileError> {
    vec![FileError::file(FileErrorKind::Malformed(why.into()))]
}

/// Reads one part of the archive as UTF-8 text; `Ok(None)` when the part is absent.
fn read_part(
    zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, Vec<FileError>> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(malformed(format!("{name}: {e}"))),
    };
    let mut bytes = Vec::new();
    file.take(MAX_PART_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| malformed(format!("{name}: {e}")))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(malformed(format!(
            "{name} is larger than {} MiB uncompressed",
            MAX_PART_BYTES >> 20
        )));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(bytes.to_vec())
        .map(Some)
        .map_err(|_| malformed(format!("{name} is not UTF-8 XML")))
}

/// Reads a DOCX file into one item.
pub(crate) fn extract(bytes: &[u8], options: &Options) -> Result<Extracted, Vec<FileError>> {
    // Entries, declared sizes and compression ratios before anything is inflated; the parts
    // read are then capped by their actual inflated size (`MAX_PART_BYTES`).
    duluan_filecheck::zip::check_directory(bytes, &crate::DOCX_LIMITS).map_err(|r| match r {
        duluan_filecheck::Refusal::Damaged(why) => {
            malformed(format!("damaged ZIP/DOCX archive: {why}"))
        }
        r => vec![FileError::file(FileErrorKind::Refused(r))],
    })?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| malformed(format!("damaged ZIP/DOCX archive: {e}")))?;
    let document = read_part(&mut zip, "word/document.xml")?
        .ok_or_else(|| malformed("no word/document.xml: not a Word document"))?;
    let paragraphs =
        paragraphs(&document).map_err(|e| malformed(format!("word/document.xml: {e}")))?;
    let core_title = match read_part(&mut zip, "docProps/core.xml") {
        Ok(Some(core)) => core_title(&core),
        _ => None,
    };
    let raw = paragraphs.join("\n");
    if let Err(kind) = check_size(&raw, options) {
        return Err(vec![FileError::file(kind)]);
    }
    let (text, enc) = clean(&raw);
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(vec![FileError::file(FileErrorKind::EmptyText)]);
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    let title = match (first, core_title) {
        (Some(f), _) if f.chars().count() <= MAX_TITLE_CHARS => Some(f.to_string()),
        (_, Some(t)) => Some(t),
        (Some(f), None) => Some(f.chars().take(MAX_TITLE_CHARS).collect::<String>() + "…"),
        (None, None) => None,
    };
    let mut item = ExtractedItem::new(1, text);
    item.title = title;
    item.legacy_encoding = enc.map(str::to_string);
    Ok(Extracted {
        format: Format::Docx,
        items: vec![item],
        warnings: Vec::new(),
        ocr_pages: 0,
    })
}

/// Resolves an entity reference of XML text.
fn entity(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// The paragraphs of `word/document.xml`, table rows as `cell | cell`.
fn paragraphs(xml: &str) -> Result<Vec<String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut out: Vec<String> = Vec::new();
    // Open paragraphs (a text box puts paragraphs inside a paragraph).
    let mut paras: Vec<String> = Vec::new();
    let (mut in_t, mut in_run, mut fallback) = (false, 0usize, 0usize);
    let mut cell_depth = 0usize;
    let mut cell = String::new();
    let mut row: Vec<String> = Vec::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} (at byte {})", reader.error_position()))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "Fallback" => fallback += 1,
                    _ if fallback > 0 => {}
                    "t" => in_t = true,
                    "r" => in_run += 1,
                    "p" => paras.push(String::new()),
                    "tc" => {
                        cell_depth += 1;
                        if cell_depth == 1 {
                            cell.clear();
                        }
                    }
                    "tr" if cell_depth == 0 => row.clear(),
                    _ => {}
                }
            }
            Event::Empty(e) => {
                if fallback > 0 || in_run == 0 {
                    continue;
                }
                let ch = match e.local_name().as_ref() {
                    "tab" => '\t',
                    "br" | "cr" => '\n',
                    "noBreakHyphen" => '-',
                    _ => continue,
                };
                if let Some(p) = paras.last_mut() {
                    p.push(ch);
                }
            }
            Event::Text(t) if in_t && fallback == 0 => {
                if let Some(p) = paras.last_mut() {
                    p.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) if in_t && fallback == 0 => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => entity(&r),
                };
                if let (Some(c), Some(p)) = (c, paras.last_mut()) {
                    p.push(c);
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    "Fallback" => fallback = fallback.saturating_sub(1),
                    _ if fallback > 0 => {}
                    "t" => in_t = false,
                    "r" => in_run = in_run.saturating_sub(1),
                    "p" => {
                        let Some(p) = paras.pop() else { continue };
                        let p = p.trim();
                        if p.is_empty() {
                            continue;
                        }
                        if let Some(outer) = paras.last_mut() {
                            // A text box: its paragraph ends a line of the outer one.
                            outer.push('\n');
                            outer.push_str(p);
                        } else if cell_depth > 0 {
                            if !cell.is_empty() {
                                cell.push(' ');
                            }
                            cell.push_str(p);
                        } else {
                            out.push(p.to_string());
                        }
                    }
                    "tc" => {
                        cell_depth = cell_depth.saturating_sub(1);
                        if cell_depth == 0 {
                            row.push(cell.trim().to_string());
                        }
                    }
                    "tr" if cell_depth == 0 => {
                        let cells: Vec<&str> = row
                            .iter()
                            .map(String::as_str)
                            .filter(|c| !c.is_empty())
                            .collect();
                        if !cells.is_empty() {
                            out.push(cells.join(" | "));
                        }
                        row.clear();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// The `dc:title` of `docProps/core.xml`, if any.
fn core_title(xml: &str) -> Option<String> {
    let mut reader = Reader::from_str(xml);
    let (mut inside, mut title) = (false, String::new());
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == "title" => inside = true,
            Event::End(e) if e.local_name().as_ref() == "title" => break,
            Event::Text(t) if inside => title.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if inside => {
                if let Some(c) = r.resolve_char_ref().ok().flatten().or_else(|| entity(&r)) {
                    title.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    clean_opt(&title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_tables_and_text_boxes() {
        let xml = r#"<w:document xmlns:w="w"><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left"/></w:tabs></w:pPr><w:r><w:t>Tiêu đề</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">A &amp; </w:t></w:r><w:r><w:tab/><w:t>B&#x1EA1;</w:t></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>x</w:t></w:r></w:p><w:p><w:r><w:t>y</w:t></w:r></w:p></w:tc><w:tc><w:p/></w:tc><w:tc><w:p><w:r><w:t>z</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:t>ngoài</w:t></w:r><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>hộp</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>hộp</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent></w:r></w:p>
<w:p><w:r><w:delText>xoá</w:delText></w:r></w:p>
</w:body></w:document>"#;
        assert_eq!(
            paragraphs(xml).unwrap(),
            vec!["Tiêu đề", "A & \tBạ", "x y | z", "ngoài\nhộp"]
        );
        assert!(paragraphs("<w:p><w:t>x</w:q>").is_err());
    }
}
