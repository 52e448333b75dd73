//! Uploads to grey bitmaps, within bounds: PNG, JPEG and TIFF through `image` (its size read
//! from the header and checked before decoding; only a TIFF's first page), and PDF pages
//! rasterised by `hayro` in pure Rust.
//!
//! Why rasterise rather than take the image a scanner embeds in each page: a PDF page may
//! hold its scan as JPEG, CCITT, JBIG2 or several strips, rotated or scaled by the page's
//! matrix; rasterising the page gives what the page shows whatever the scanner did, at one
//! known resolution ([`Limits::pdf_dpi`]). The page's size in pixels is checked before.

use std::io::Cursor;

use super::{Bitmap, Limits, ReadError};

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// TIFF (first page).
    Tiff,
    /// PDF (every page).
    Pdf,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Tiff => "tiff",
            Format::Pdf => "pdf",
        }
    }
}

/// The format of an upload from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(Format::Jpeg)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(Format::Tiff)
    } else if bytes.len() >= 5
        && bytes[..bytes.len().min(1024)]
            .windows(5)
            .any(|w| w == b"%PDF-")
    {
        Some(Format::Pdf)
    } else {
        None
    }
}

/// Decodes each page of an upload in order, calling `each(index, page)`; `each` returns false
/// to stop (the pages after are not decoded). Errors of the whole upload (size, format, an
/// unreadable or empty PDF, too many pages) are returned; errors of one page go to `each`.
pub fn decode_scan_each(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(usize, Result<Bitmap, ReadError>) -> bool,
) -> Result<(), ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = sniff(bytes).ok_or(ReadError::UnknownFormat)?;
    if format == Format::Pdf {
        return pdf_pages(bytes, limits, each);
    }
    each(0, raster(bytes, format, limits));
    Ok(())
}

fn too_many(width: u64, height: u64, limits: &Limits) -> Option<ReadError> {
    (width > u64::from(limits.max_width) || height > u64::from(limits.max_height)).then_some(
        ReadError::TooManyPixels {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
        },
    )
}

fn unreadable(format: Format, e: impl std::fmt::Display) -> ReadError {
    ReadError::Unreadable {
        format: format.name().to_string(),
        message: e.to_string(),
    }
}

/// A PNG, JPEG or TIFF page.
fn raster(bytes: &[u8], format: Format, limits: &Limits) -> Result<Bitmap, ReadError> {
    let f = match format {
        Format::Png => image::ImageFormat::Png,
        Format::Jpeg => image::ImageFormat::Jpeg,
        _ => image::ImageFormat::Tiff,
    };
    let (w, h) = image::ImageReader::with_format(Cursor::new(bytes), f)
        .into_dimensions()
        .map_err(|e| unreadable(format, e))?;
    if let Some(e) = too_many(u64::from(w), u64::from(h), limits) {
        return Err(e);
    }
    if u64::from(w) * u64::from(h) > limits.max_total_pixels {
        return Err(ReadError::BudgetExhausted {
            max: limits.max_total_pixels,
        });
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), f);
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    // Room for the largest page at 16 bits per channel with alpha, decoded then converted.
    l.max_alloc = Some(u64::from(limits.max_width) * u64::from(limits.max_height) * 10);
    reader.limits(l);
    let img = reader.decode().map_err(|e| unreadable(format, e))?;
    let grey = img.into_luma8();
    let (w, h) = grey.dimensions();
    Bitmap::new(w, h, grey.into_raw()).ok_or_else(|| unreadable(format, "inconsistent size"))
}

/// A PDF's pages, rasterised one at a time.
fn pdf_pages(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(usize, Result<Bitmap, ReadError>) -> bool,
) -> Result<(), ReadError> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    let pdf = Pdf::new(bytes.to_vec()).map_err(|e| unreadable(Format::Pdf, format!("{e:?}")))?;
    let pages = pdf.pages();
    if pages.is_empty() {
        return Err(ReadError::EmptyPdf);
    }
    if pages.len() > limits.max_pdf_pages {
        return Err(ReadError::TooManyPages {
            pages: pages.len(),
            max: limits.max_pdf_pages,
        });
    }
    let scale = limits.pdf_dpi.clamp(150.0, 600.0) / 72.0;
    let cache = hayro::RenderCache::new();
    let settings = InterpreterSettings::default();
    let mut spent: u64 = 0;
    for (i, page) in pages.iter().enumerate() {
        let (pw, ph) = page.render_dimensions();
        let (w, h) = (
            (f64::from(pw) * f64::from(scale)).floor().max(0.0) as u64,
            (f64::from(ph) * f64::from(scale)).floor().max(0.0) as u64,
        );
        spent = spent.saturating_add(w.saturating_mul(h));
        let result = if let Some(e) = too_many(w, h, limits) {
            Err(e)
        } else if w == 0 || h == 0 || w > u64::from(u16::MAX) || h > u64::from(u16::MAX) {
            Err(unreadable(
                Format::Pdf,
                format!("page {} has no area", i + 1),
            ))
        } else if spent > limits.max_total_pixels {
            Err(ReadError::BudgetExhausted {
                max: limits.max_total_pixels,
            })
        } else {
            let pixmap = hayro::render(
                page,
                &cache,
                &settings,
                &hayro::RenderSettings {
                    x_scale: scale,
                    y_scale: scale,
                    width: Some(w as u16),
                    height: Some(h as u16),
                    bg_color: hayro::vello_cpu::color::palette::css::WHITE,
                },
            );
            let (pw, ph) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
            let grey: Vec<u8> = pixmap
                .data_as_u8_slice()
                .chunks_exact(4)
                .map(|p| {
                    // Premultiplied over the white background drawn first: opaque.
                    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                        as u8
                })
                .collect();
            Bitmap::new(pw, ph, grey).ok_or_else(|| unreadable(Format::Pdf, "inconsistent size"))
        };
        if !each(i, result) {
            break;
        }
    }
    Ok(())
}
