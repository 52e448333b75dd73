//! Uploads to grey bitmaps, within bounds: PNG, JPEG and TIFF through `image` (its size read
//! from the header and checked before decoding; every page of a TIFF, as a PDF's), and PDF
//! pages rasterised by `hayro` in pure Rust.
//!
//! A multi-page TIFF: its chain of image directories is walked first (bounded: the page limit,
//! a directory seen twice ends the chain, every offset inside the file), then each page is
//! decoded by `image` as the file with its header pointing at that page's directory, so that
//! every page gets the same codecs and bounds as a one-page TIFF.
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
    /// TIFF (every page).
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
    match format {
        Format::Pdf => pdf_pages(bytes, limits, each),
        Format::Tiff => tiff_pages(bytes, limits, each),
        _ => {
            each(0, raster(bytes, format, limits, &mut 0));
            Ok(())
        }
    }
}

/// The offsets of a classic TIFF's image directories, in order (at most `max + 1`: past the
/// limit the count is what was seen, and the caller refuses the file).
fn tiff_directories(bytes: &[u8], max: usize) -> Result<Vec<usize>, ReadError> {
    let little = bytes.starts_with(b"II");
    let u16_at = |o: usize| {
        bytes.get(o..o + 2).map(|b| {
            let b = [b[0], b[1]];
            if little {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            }
        })
    };
    let u32_at = |o: usize| {
        bytes.get(o..o + 4).map(|b| {
            let b = [b[0], b[1], b[2], b[3]];
            if little {
                u32::from_le_bytes(b)
            } else {
                u32::from_be_bytes(b)
            }
        })
    };
    let broken = || unreadable(Format::Tiff, "broken chain of image directories");
    let mut out = Vec::new();
    let mut next = u32_at(4).ok_or_else(broken)? as usize;
    while next != 0 {
        if out.contains(&next) {
            break;
        }
        if out.len() > max {
            break;
        }
        let entries = usize::from(u16_at(next).ok_or_else(broken)?);
        let link = next + 2 + entries * 12;
        let following = u32_at(link).ok_or_else(broken)? as usize;
        out.push(next);
        next = following;
    }
    if out.is_empty() {
        return Err(broken());
    }
    Ok(out)
}

/// A TIFF's pages, decoded one at a time.
fn tiff_pages(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(usize, Result<Bitmap, ReadError>) -> bool,
) -> Result<(), ReadError> {
    let dirs = tiff_directories(bytes, limits.max_pdf_pages)?;
    if dirs.len() > limits.max_pdf_pages {
        return Err(ReadError::TooManyPages {
            pages: dirs.len(),
            max: limits.max_pdf_pages,
        });
    }
    if dirs.len() == 1 {
        each(0, raster(bytes, Format::Tiff, limits, &mut 0));
        return Ok(());
    }
    // One copy of the file whose header is pointed at each page in turn.
    let mut file = bytes.to_vec();
    let little = bytes.starts_with(b"II");
    let mut spent = 0;
    for (i, dir) in dirs.into_iter().enumerate() {
        let offset = dir as u32;
        let header = if little {
            offset.to_le_bytes()
        } else {
            offset.to_be_bytes()
        };
        file[4..8].copy_from_slice(&header);
        if !each(i, raster(&file, Format::Tiff, limits, &mut spent)) {
            break;
        }
    }
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

/// A PNG, JPEG or TIFF page (a TIFF's first, or the one its header points at); `spent` the
/// pixels of the file's pages before it, within [`Limits::max_total_pixels`].
fn raster(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
    spent: &mut u64,
) -> Result<Bitmap, ReadError> {
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
    *spent = spent.saturating_add(u64::from(w) * u64::from(h));
    if *spent > limits.max_total_pixels {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A TIFF of `pages` grey pages, page `i` `100 + 10 i` wide and filled with `20 + 40 i`.
    fn tiff(pages: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        {
            let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
            for i in 0..pages {
                let (w, h) = (100 + 10 * i, 80);
                let data = vec![(20 + 40 * i) as u8; (w * h) as usize];
                enc.write_image::<tiff::encoder::colortype::Gray8>(w, h, &data)
                    .unwrap();
            }
        }
        out.into_inner()
    }

    fn pages(bytes: &[u8], limits: &Limits) -> Result<Vec<Result<Bitmap, ReadError>>, ReadError> {
        let mut out = Vec::new();
        decode_scan_each(bytes, limits, &mut |i, page| {
            assert_eq!(i, out.len());
            out.push(page);
            true
        })?;
        Ok(out)
    }

    #[test]
    fn every_page_of_a_tiff_is_read_in_order() {
        let bytes = tiff(3);
        assert_eq!(sniff(&bytes), Some(Format::Tiff));
        let read = pages(&bytes, &Limits::default()).unwrap();
        assert_eq!(read.len(), 3);
        for (i, page) in read.into_iter().enumerate() {
            let page = page.unwrap();
            assert_eq!(page.width(), 100 + 10 * i as u32);
            assert_eq!(page.height(), 80);
            assert!(
                page.pixels().iter().all(|&p| p == (20 + 40 * i) as u8),
                "page {i}"
            );
        }
        // A one-page TIFF as before.
        let one = pages(&tiff(1), &Limits::default()).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].as_ref().unwrap().width(), 100);
    }

    #[test]
    fn a_tiff_is_bounded_before_its_pages_are_decoded() {
        let bytes = tiff(3);
        // Too many pages: refused whole, nothing decoded.
        let limits = Limits {
            max_pdf_pages: 2,
            ..Limits::default()
        };
        assert!(matches!(
            pages(&bytes, &limits),
            Err(ReadError::TooManyPages { pages: 3, max: 2 })
        ));
        // Too wide a page: that page refused, the others read.
        let limits = Limits {
            max_width: 115,
            ..Limits::default()
        };
        let read = pages(&bytes, &limits).unwrap();
        assert!(read[0].is_ok() && read[1].is_ok());
        assert!(matches!(read[2], Err(ReadError::TooManyPixels { .. })));
        // The file's pixel budget: the pages past it are refused.
        let limits = Limits {
            max_total_pixels: 100 * 80 + 110 * 80,
            ..Limits::default()
        };
        let read = pages(&bytes, &limits).unwrap();
        assert!(read[0].is_ok() && read[1].is_ok());
        assert!(matches!(read[2], Err(ReadError::BudgetExhausted { .. })));
        // The caller stops (its time is up): the pages after are not decoded.
        let mut seen = 0;
        decode_scan_each(&bytes, &Limits::default(), &mut |_, _| {
            seen += 1;
            false
        })
        .unwrap();
        assert_eq!(seen, 1);
    }

    #[test]
    fn a_looping_or_broken_tiff_chain_ends() {
        let mut bytes = tiff(3);
        let dirs = tiff_directories(&bytes, 10).unwrap();
        assert_eq!(dirs.len(), 3);
        // The last directory's link pointed back at the first: three pages, no endless loop.
        let last = dirs[2];
        let entries = u16::from_le_bytes([bytes[last], bytes[last + 1]]) as usize;
        let link = last + 2 + entries * 12;
        let first = (dirs[0] as u32).to_le_bytes();
        bytes[link..link + 4].copy_from_slice(&first);
        assert_eq!(pages(&bytes, &Limits::default()).unwrap().len(), 3);
        // A link past the end of the file: the file is refused, not read past its end.
        bytes[link..link + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            pages(&bytes, &Limits::default()),
            Err(ReadError::Unreadable { .. })
        ));
        // A header pointing nowhere.
        let mut broken = tiff(1);
        broken[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            pages(&broken, &Limits::default()),
            Err(ReadError::Unreadable { .. })
        ));
    }
}
