//! Images (PNG, JPEG, TIFF) read by OCR: one item per image.

use crate::ocr::{self, OcrError};
use crate::{
    Extracted, ExtractedItem, FileError, FileErrorKind, Format, Options, check_size, clean,
};
use std::ffi::OsString;
use std::time::Instant;

/// The OCR spent on one file so far: pages and time, against [`Options::max_ocr_pages`] and
/// [`Options::ocr_total_timeout`].
pub(crate) struct OcrBudget {
    started: Instant,
    /// Pages given to tesseract.
    pub(crate) pages: usize,
}

impl OcrBudget {
    pub(crate) fn start() -> OcrBudget {
        OcrBudget {
            started: Instant::now(),
            pages: 0,
        }
    }
}

/// OCR of one image (or PDF page bitmap) into a normalised text, within the file's budget.
pub(crate) fn ocr_text(
    bytes: &[u8],
    options: &Options,
    budget: &mut OcrBudget,
) -> Result<String, FileErrorKind> {
    ocr_text_with(&ocr::program(), bytes, options, budget)
}

fn ocr_text_with(
    program: &OsString,
    bytes: &[u8],
    options: &Options,
    budget: &mut OcrBudget,
) -> Result<String, FileErrorKind> {
    if !options.ocr {
        return Err(FileErrorKind::NeedsOcr);
    }
    if budget.pages >= options.max_ocr_pages {
        return Err(FileErrorKind::TooManyOcrPages {
            max: options.max_ocr_pages,
        });
    }
    let spent = FileErrorKind::OcrTimeLimit {
        seconds: options.ocr_total_timeout.as_secs(),
        pages: budget.pages,
    };
    let left = options
        .ocr_total_timeout
        .saturating_sub(budget.started.elapsed());
    if left.is_zero() {
        return Err(spent);
    }
    // The run is killed when the file's time is up, not only when its own is.
    let timeout = left.min(options.ocr_timeout);
    budget.pages += 1;
    match ocr::image_to_text_with(program, bytes, &options.ocr_langs, timeout) {
        Ok(text) => Ok(clean(text.trim()).0.trim().to_string()),
        Err(OcrError::Missing) => Err(FileErrorKind::NeedsOcr),
        Err(OcrError::Timeout(_)) if timeout < options.ocr_timeout => Err(spent),
        Err(e) => Err(FileErrorKind::Ocr(e.to_string())),
    }
}

/// Reads an image file by OCR.
pub(crate) fn extract(bytes: &[u8], options: &Options) -> Result<Extracted, Vec<FileError>> {
    let text =
        ocr_text(bytes, options, &mut OcrBudget::start()).map_err(|k| vec![FileError::file(k)])?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A stand-in for tesseract that never answers.
    fn sleeper() -> OsString {
        let path = std::env::temp_dir().join(format!("duluan-sleeper-{}.sh", std::process::id()));
        std::fs::write(&path, "#!/bin/sh\nexec sleep 30\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.into_os_string()
    }

    #[test]
    fn the_file_time_limit_kills_the_run_and_refuses_the_file() {
        let options = Options {
            ocr_langs: "vie".into(),
            ocr_timeout: Duration::from_secs(120),
            ocr_total_timeout: Duration::from_millis(300),
            ..Options::default()
        };
        let mut budget = OcrBudget::start();
        let started = Instant::now();
        let got = ocr_text_with(&sleeper(), b"image", &options, &mut budget);
        assert_eq!(
            got,
            Err(FileErrorKind::OcrTimeLimit {
                seconds: 0,
                pages: 0
            })
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        // Nothing is left for a second page: refused without starting tesseract.
        let started = Instant::now();
        assert!(matches!(
            ocr_text_with(&sleeper(), b"image", &options, &mut budget),
            Err(FileErrorKind::OcrTimeLimit { .. })
        ));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn pages_past_the_limit_are_refused_before_tesseract_runs() {
        let options = Options {
            max_ocr_pages: 2,
            ..Options::default()
        };
        let mut budget = OcrBudget::start();
        budget.pages = 2;
        let started = Instant::now();
        assert_eq!(
            ocr_text_with(&sleeper(), b"image", &options, &mut budget),
            Err(FileErrorKind::TooManyOcrPages { max: 2 })
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
}
