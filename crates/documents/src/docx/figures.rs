//! The DOCX's figures: each chart's SVG drawn as a PNG by `duluan-render`.

use docx_rs::Pic;

use super::TEXT_WIDTH;
use crate::{Block, Document, Error};

/// Pixels per SVG unit of the figures' PNG (288 dpi at their printed size).
const FIGURE_SCALE: f32 = 3.0;
/// Points per SVG unit (a CSS pixel), as typst prints an SVG.
const PT_PER_SVG_UNIT: f32 = 0.75;
/// Largest printed height of a figure: 150 mm, in points.
const FIGURE_MAX_HEIGHT_PT: f32 = 425.2;
/// EMU (the unit of drawings) per point.
const EMU_PER_PT: f32 = 12700.0;

/// Each figure's chart as a PNG picture, at its printed size.
pub(super) fn pictures(doc: &Document) -> Result<Vec<Pic>, Error> {
    let mut out = Vec::new();
    for (i, svg) in doc
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Figure { svg, .. } => Some(svg),
            _ => None,
        })
        .enumerate()
    {
        let png = duluan_render::svg_to_png(svg, FIGURE_SCALE).map_err(|e| Error::Svg {
            figure: i + 1,
            message: e.to_string(),
        })?;
        let (w, h) = png_size(&png).ok_or_else(|| Error::Svg {
            figure: i + 1,
            message: "the rendered PNG has no size".into(),
        })?;
        // Printed at the size typst gives the SVG, within the text width and 150 mm of height.
        let to_pt = PT_PER_SVG_UNIT / FIGURE_SCALE;
        let (mut w_pt, mut h_pt) = (w as f32 * to_pt, h as f32 * to_pt);
        let max_w = TEXT_WIDTH as f32 / 20.0;
        if w_pt > max_w {
            h_pt *= max_w / w_pt;
            w_pt = max_w;
        }
        if h_pt > FIGURE_MAX_HEIGHT_PT {
            w_pt *= FIGURE_MAX_HEIGHT_PT / h_pt;
            h_pt = FIGURE_MAX_HEIGHT_PT;
        }
        out.push(
            Pic::new_with_dimensions(png, w, h)
                .size((w_pt * EMU_PER_PT) as u32, (h_pt * EMU_PER_PT) as u32),
        );
    }
    Ok(out)
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[12..16] != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(png[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(png[20..24].try_into().ok()?);
    Some((w, h))
}
