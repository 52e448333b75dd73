//! duluan's charts from SVG to PNG, for downloads and for documents that take bitmaps (DOCX).
//!
//! An adapter crate: it keeps `resvg` (parser, text shaping, rasteriser) out of the app's
//! incremental builds. It reads no file and loads no system font: text is set in Noto Sans
//! (Regular and Bold, bundled in `fonts/` under the SIL Open Font License 1.1), which covers
//! Vietnamese with its stacked marks, and every font family an SVG names — `sans-serif`, `serif`,
//! `monospace`, `Arial` — resolves to it, so a PNG looks the same on every machine.
//!
//! Bounds are checked before any work that grows with them: the SVG text is at most
//! [`MAX_SVG_BYTES`], and the PNG at most [`MAX_SIDE`] pixels a side (a larger scale is reduced
//! to fit, never refused); `<image>` references are never followed, neither to files nor to
//! embedded data.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{self, fontdb};

/// Largest SVG text accepted, in bytes (a results chart is a few kilobytes).
pub const MAX_SVG_BYTES: usize = 1 << 20;
/// Largest width or height of a PNG, in pixels.
pub const MAX_SIDE: u32 = 4000;
/// Largest scale asked for (pixels per SVG unit).
pub const MAX_SCALE: f32 = 8.0;
/// The family every font request resolves to.
pub const FONT_FAMILY: &str = "Noto Sans";

/// Why an SVG was not rendered.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RenderError {
    /// The SVG text is longer than [`MAX_SVG_BYTES`].
    #[error("the SVG is {bytes} bytes, more than the {limit} accepted")]
    TooLarge {
        /// Its length.
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// The scale is not a number in `(0, MAX_SCALE]`.
    #[error("scale {0} is not between 0 and {MAX_SCALE}")]
    BadScale(f32),
    /// The text is not an SVG document resvg can read.
    #[error("not a readable SVG: {0}")]
    Parse(String),
    /// The document declares no usable size.
    #[error("the SVG has no usable size")]
    NoSize,
    /// The PNG could not be written.
    #[error("PNG encoding failed: {0}")]
    Encode(String),
}

/// The bundled fonts, loaded once per process.
fn fonts() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(include_bytes!("../fonts/NotoSans-Regular.ttf").to_vec());
        db.load_font_data(include_bytes!("../fonts/NotoSans-Bold.ttf").to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        db.set_serif_family(FONT_FAMILY);
        db.set_monospace_family(FONT_FAMILY);
        db.set_cursive_family(FONT_FAMILY);
        db.set_fantasy_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Parsing options: the bundled fonts only, no images from anywhere.
fn options() -> usvg::Options<'static> {
    usvg::Options {
        font_family: FONT_FAMILY.to_string(),
        fontdb: fonts(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

/// The PNG's size for an SVG of `(w, h)` units at `scale`, and the scale used: reduced so that
/// neither side passes [`MAX_SIDE`].
pub fn png_size(w: f32, h: f32, scale: f32) -> Option<(u32, u32, f32)> {
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return None;
    }
    let limit = MAX_SIDE as f32;
    let s = scale.min(limit / w).min(limit / h);
    let side = |v: f32| ((v * s).round() as u32).clamp(1, MAX_SIDE);
    Some((side(w), side(h), s))
}

/// Renders `svg` to a PNG on white at `scale` pixels per SVG unit (2.0 for a sharp phone or
/// slide picture), within the bounds above.
pub fn svg_to_png(svg: &str, scale: f32) -> Result<Vec<u8>, RenderError> {
    if svg.len() > MAX_SVG_BYTES {
        return Err(RenderError::TooLarge {
            bytes: svg.len(),
            limit: MAX_SVG_BYTES,
        });
    }
    if !(scale.is_finite() && scale > 0.0 && scale <= MAX_SCALE) {
        return Err(RenderError::BadScale(scale));
    }
    let tree =
        usvg::Tree::from_str(svg, &options()).map_err(|e| RenderError::Parse(e.to_string()))?;
    let size = tree.size();
    let (w, h, s) = png_size(size.width(), size.height(), scale).ok_or(RenderError::NoSize)?;
    let mut pixmap = Pixmap::new(w, h).ok_or(RenderError::NoSize)?;
    pixmap.fill(Color::WHITE);
    resvg::render(&tree, Transform::from_scale(s, s), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| RenderError::Encode(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_scale_and_stop_at_the_limit() {
        assert_eq!(png_size(360.0, 200.0, 2.0), Some((720, 400, 2.0)));
        let (w, h, s) = png_size(360.0, 2000.0, 3.0).unwrap();
        assert_eq!((w, h), (720, MAX_SIDE));
        assert!((s - 2.0).abs() < 1e-6);
        assert_eq!(png_size(0.0, 10.0, 1.0), None);
        assert_eq!(png_size(f32::NAN, 10.0, 1.0), None);
    }

    #[test]
    fn every_family_resolves_to_the_bundled_font() {
        let db = fonts();
        assert_eq!(db.len(), 2);
        for family in [
            fontdb::Family::SansSerif,
            fontdb::Family::Serif,
            fontdb::Family::Monospace,
        ] {
            let id = db.query(&fontdb::Query {
                families: &[family],
                ..Default::default()
            });
            assert!(id.is_some());
        }
    }
}
