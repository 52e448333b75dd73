//! Finding a printed page on a scan: its four corner fiducials, its orientation, its
//! transform, and the identity its QR code carries.
//!
//! 1. The scan is averaged down to about 2.5 pixels per mm and thresholded (Otsu).
//! 2. Dark connected regions that are solid, square and of a fiducial's size are candidates;
//!    the one nearest each corner of the scan is taken. Filled answer boxes are of a similar
//!    size but lie inside the page, never nearest a corner.
//! 3. Each fiducial's centre is refined at full resolution (centroid of its dark pixels).
//! 4. The four centres must form the page's rectangle (188 × 275 mm between centres), upright
//!    or on its side. For each orientation that fits (0° or 180° for an upright scan, 90° or
//!    270° for a landscape one), the homography is fitted and the QR code's place is resampled
//!    upright and decoded: the orientation whose QR code reads is the page's.

use super::geometry::{Homography, warp_averaged};
use super::{Bitmap, Placement, ReadError};
use crate::model::{FIDUCIAL_MM, PAGE_HEIGHT_MM, fiducials, qr_rect};
use crate::qr::{PageIdentity, parse_payload};

/// A page found on a scan.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub identity: PageIdentity,
    pub h: Homography,
    pub placement: Placement,
    /// Grey level of the paper.
    pub paper: f64,
    /// Grey level of printed ink (inside the fiducials).
    pub ink: f64,
}

/// A dark connected region of the reduced scan.
#[derive(Debug, Clone, Copy)]
struct Blob {
    area: u32,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    cx: f64,
    cy: f64,
}

/// The least resolution read: 140 dpi (the QR code's 0.5 mm modules need about 3 pixels each;
/// a page scanned at 150 dpi and cropped a little passes).
const MIN_PX_PER_MM: f64 = 140.0 / 25.4;

pub(crate) fn locate(img: &Bitmap) -> Result<Located, ReadError> {
    let (w, h) = (img.width(), img.height());
    let long = f64::from(w.max(h));
    let ppmm = long / PAGE_HEIGHT_MM;
    if ppmm < MIN_PX_PER_MM || w.min(h) < 400 {
        return Err(ReadError::TooSmall {
            width: w,
            height: h,
        });
    }
    let k = ((ppmm / 2.5).floor() as u32).max(1);
    let small = reduce(img, k);
    let (dw, dh) = (w / k, h / k);
    let hist = histogram(&small);
    let paper = percentile(&hist, 0.70);
    let darkest = percentile(&hist, 0.002);
    if paper - darkest < 60.0 {
        return Err(ReadError::FiducialsNotFound { found: 0 });
    }
    let t = otsu(&hist);
    let blobs = blobs(&small, dw, dh, t);
    let side = FIDUCIAL_MM * ppmm / f64::from(k);
    let candidates: Vec<Blob> = blobs
        .into_iter()
        .filter(|b| {
            let (bw, bh) = (f64::from(b.x1 - b.x0 + 1), f64::from(b.y1 - b.y0 + 1));
            let area = f64::from(b.area);
            let solid = area / (bw * bh);
            (0.35..2.6).contains(&(area / (side * side)))
                && (0.55..1.8).contains(&(bw / side))
                && (0.55..1.8).contains(&(bh / side))
                && (0.6..1.67).contains(&(bw / bh))
                && solid > 0.7
        })
        .collect();
    let corners = [
        (0.0, 0.0),
        (f64::from(dw), 0.0),
        (f64::from(dw), f64::from(dh)),
        (0.0, f64::from(dh)),
    ];
    let mut chosen: [Option<Blob>; 4] = [None; 4];
    for (i, (cx, cy)) in corners.iter().enumerate() {
        chosen[i] = candidates
            .iter()
            .filter(|b| {
                (b.cx - cx).abs() < 0.3 * f64::from(dw) && (b.cy - cy).abs() < 0.3 * f64::from(dh)
            })
            .min_by(|a, b| {
                let da = (a.cx - cx).hypot(a.cy - cy);
                let db = (b.cx - cx).hypot(b.cy - cy);
                da.total_cmp(&db)
            })
            .copied();
    }
    let found = chosen.iter().filter(|c| c.is_some()).count() as u8;
    if found < 4 {
        return Err(ReadError::FiducialsNotFound { found });
    }
    let points: Vec<(f64, f64)> = chosen
        .iter()
        .flatten()
        .map(|b| refine(img, b, k, t, side * f64::from(k)))
        .collect();
    let p: [(f64, f64); 4] = [points[0], points[1], points[2], points[3]];
    let d = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
    let (top, right, bottom, left) = (d(p[0], p[1]), d(p[1], p[2]), d(p[2], p[3]), d(p[3], p[0]));
    let f = fiducials();
    let centres = f.map(|r| r.center());
    let (across, down) = (centres[1].0 - centres[0].0, centres[3].1 - centres[0].1);
    let ratio = (top + bottom) / (left + right);
    let sides_agree = (top / bottom - 1.0).abs() < 0.06 && (left / right - 1.0).abs() < 0.06;
    let turns: &[usize] = if (ratio / (across / down) - 1.0).abs() < 0.08 {
        &[0, 2]
    } else if (ratio / (down / across) - 1.0).abs() < 0.08 {
        &[1, 3]
    } else {
        &[]
    };
    if turns.is_empty() || !sides_agree {
        return Err(ReadError::FiducialsMisplaced);
    }
    let ink = {
        let mut v: Vec<f64> = Vec::new();
        for r in &chosen {
            let b = r.expect("four were found");
            let (cx, cy) = (b.cx * f64::from(k), b.cy * f64::from(k));
            let half = side * f64::from(k) * 0.2;
            for j in -2..=2 {
                for i in -2..=2 {
                    v.push(img.sample(
                        cx + f64::from(i) * half / 2.0,
                        cy + f64::from(j) * half / 2.0,
                    ));
                }
            }
        }
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut foreign = false;
    for &s in turns {
        let to = [p[s % 4], p[(s + 1) % 4], p[(s + 2) % 4], p[(s + 3) % 4]];
        let Some(hm) = Homography::fit(&centres, &to) else {
            continue;
        };
        match read_qr(img, &hm, ppmm, (paper + ink) / 2.0) {
            Some(text) => match parse_payload(&text) {
                Some(identity) => {
                    let (x0, y0) = hm.map(105.0, 148.5);
                    let (x1, y1) = hm.map(106.0, 148.5);
                    let angle = (y1 - y0).atan2(x1 - x0).to_degrees() - 90.0 * s as f64;
                    let skew = (angle + 540.0).rem_euclid(360.0) - 180.0;
                    return Ok(Located {
                        identity,
                        placement: Placement {
                            rotation: (s * 90) as u16,
                            skew_degrees: (skew * 100.0).round() / 100.0,
                            pixels_per_mm: (hm.scale_at(105.0, 148.5) * 1000.0).round() / 1000.0,
                        },
                        h: hm,
                        paper,
                        ink: ink.min(paper - 40.0),
                    });
                }
                None => foreign = true,
            },
            None => continue,
        }
    }
    Err(if foreign {
        ReadError::ForeignQr
    } else {
        ReadError::QrNotFound
    })
}

/// The QR code's text, read from its place resampled upright: averaged (less noise), then
/// as is, then cut at the page's mid grey, at a few resolutions.
fn read_qr(img: &Bitmap, h: &Homography, scan_ppmm: f64, mid: f64) -> Option<String> {
    let q = qr_rect();
    let margin = 3.0;
    let region = (
        q.x - margin,
        q.y - margin,
        q.w + 2.0 * margin,
        q.h + 2.0 * margin,
    );
    // Samples per output pixel side: about one per scan pixel.
    let n = |ppmm: f64| ((scan_ppmm / ppmm).round() as u32).clamp(1, 4);
    for (ppmm, average, binary) in [
        (8.0, true, false),
        (8.0, true, true),
        (6.0, true, true),
        (10.0, false, false),
        (6.0, false, false),
    ] {
        let (w, hh, mut px) =
            warp_averaged(img, h, region, ppmm, if average { n(ppmm) } else { 1 });
        if binary {
            px.iter_mut()
                .for_each(|v| *v = if f64::from(*v) < mid { 0 } else { 255 });
        }
        if let Some(text) = decode_qr(w as usize, hh as usize, &px) {
            return Some(text);
        }
    }
    None
}

/// rqrr on an upright crop; a panic inside the decoder counts as no code.
fn decode_qr(w: usize, h: usize, px: &[u8]) -> Option<String> {
    std::panic::catch_unwind(|| {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| px[y * w + x]);
        prepared
            .detect_grids()
            .into_iter()
            .find_map(|g| g.decode().ok().map(|(_, text)| text))
    })
    .ok()
    .flatten()
}

/// The scan averaged over `k × k` blocks.
fn reduce(img: &Bitmap, k: u32) -> Vec<u8> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let k = k as usize;
    let (dw, dh) = (w / k, h / k);
    let mut out = Vec::with_capacity(dw * dh);
    let mut acc = vec![0u32; dw];
    let px = img.pixels();
    for j in 0..dh {
        acc.iter_mut().for_each(|a| *a = 0);
        for r in 0..k {
            let row = &px[(j * k + r) * w..(j * k + r) * w + dw * k];
            for (i, chunk) in row.chunks_exact(k).enumerate() {
                acc[i] += chunk.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        let n = (k * k) as u32;
        out.extend(acc.iter().map(|&a| (a / n) as u8));
    }
    out
}

fn histogram(px: &[u8]) -> [u64; 256] {
    let mut h = [0u64; 256];
    for &v in px {
        h[v as usize] += 1;
    }
    h
}

/// The grey level below which `share` of the pixels lie.
fn percentile(h: &[u64; 256], share: f64) -> f64 {
    let total: u64 = h.iter().sum();
    let want = (total as f64 * share) as u64;
    let mut seen = 0;
    for (v, &n) in h.iter().enumerate() {
        seen += n;
        if seen > want {
            return v as f64;
        }
    }
    255.0
}

/// Otsu's threshold: the level that best separates the histogram in two classes.
fn otsu(h: &[u64; 256]) -> u8 {
    let total: f64 = h.iter().sum::<u64>() as f64;
    let sum: f64 = h
        .iter()
        .enumerate()
        .map(|(v, &n)| v as f64 * n as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 128u8);
    for (t, &n) in h.iter().enumerate() {
        w0 += n as f64;
        sum0 += t as f64 * n as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// The dark (≤ `t`) 4-connected regions.
fn blobs(px: &[u8], w: u32, h: u32, t: u8) -> Vec<Blob> {
    let (w, h) = (w as usize, h as usize);
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || px[start] > t {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut b = Blob {
            area: 0,
            x0: u32::MAX,
            y0: u32::MAX,
            x1: 0,
            y1: 0,
            cx: 0.0,
            cy: 0.0,
        };
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            b.area += 1;
            b.x0 = b.x0.min(x as u32);
            b.x1 = b.x1.max(x as u32);
            b.y0 = b.y0.min(y as u32);
            b.y1 = b.y1.max(y as u32);
            b.cx += x as f64;
            b.cy += y as f64;
            let mut push = |j: usize| {
                if !seen[j] && px[j] <= t {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        b.cx = b.cx / f64::from(b.area) + 0.5;
        b.cy = b.cy / f64::from(b.area) + 0.5;
        out.push(b);
    }
    out
}

/// The centre of a fiducial at full resolution: the centroid of the dark pixels of its window,
/// each weighted by how dark it is.
fn refine(img: &Bitmap, b: &Blob, k: u32, t: u8, side: f64) -> (f64, f64) {
    let k = f64::from(k);
    let pad = side * 0.35;
    let x0 = (f64::from(b.x0) * k - pad).max(0.0) as i64;
    let y0 = (f64::from(b.y0) * k - pad).max(0.0) as i64;
    let x1 = ((f64::from(b.x1) + 1.0) * k + pad).min(f64::from(img.width())) as i64;
    let y1 = ((f64::from(b.y1) + 1.0) * k + pad).min(f64::from(img.height())) as i64;
    let t = f64::from(t);
    let (mut sw, mut sx, mut sy) = (0.0, 0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let v = f64::from(img.get(x, y));
            if v < t {
                let wgt = ((t - v) / 32.0).min(1.0);
                sw += wgt;
                sx += wgt * (x as f64 + 0.5);
                sy += wgt * (y as f64 + 0.5);
            }
        }
    }
    if sw == 0.0 {
        return (b.cx * k, b.cy * k);
    }
    (sx / sw, sy / sw)
}
