//! Images (PNG, JPEG, TIFF) read by OCR: one item per image.

use crate::ocr::{self, OcrError};
use crate::{
    Extracted, ExtractedItem, FileError, FileErrorKind, Format, Options, check_size, clean,
};

/// OCR of one image (or PDF page bitmap) into a normalised text.
pub(crate) fn ocr_text(bytes: &[u8], options: &Options) -> Result<String, FileErrorKind> {
    if !options.ocr {
        return Err(FileErrorKind::NeedsOcr);
    }
    match ocr::image_to_text(bytes, &options.ocr_langs, options.ocr_timeout) {
        Ok(text) => Ok(clean(text.trim()).0.trim().to_string()),
        Err(OcrError::Missing) => Err(FileErrorKind::NeedsOcr),
        Err(e) => Err(FileErrorKind::Ocr(e.to_string())),
    }
}

/// Reads an image file by OCR.
pub(crate) fn extract(bytes: &[u8], options: &Options) -> Result<Extracted, Vec<FileError>> {
    let text = ocr_text(bytes, options).map_err(|k| vec![FileError::file(k)])?;
    if text.is_empty() {
        return Err(vec![FileError::file(FileErrorKind::EmptyText)]);
    }
    check_size(&text, options).map_err(|k| vec![FileError::file(k)])?;
    let mut item = ExtractedItem::new(1, text);
    item.via_ocr = true;
    Ok(Extracted {
        format: Format::Image,
        items: vec![item],
        warnings: Vec::new(),
        ocr_pages: 1,
    })
}
