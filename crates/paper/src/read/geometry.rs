//! The projective transform from page millimetres to scan pixels, fitted on four points.
//!
//! Four fiducial centres fix a homography exactly; it takes in rotation, scale, shear and the
//! slight keystone of a photographed or badly fed page. It is solved as the usual 8 × 8
//! linear system by Gaussian elimination with partial pivoting.

use super::Bitmap;

/// x' = (a·u + b·v + c) / (g·u + h·v + 1), y' = (d·u + e·v + f) / (g·u + h·v + 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Homography([f64; 8]);

impl Homography {
    /// The transform taking each `from[i]` to `to[i]`; `None` when the points are degenerate.
    pub(crate) fn fit(from: &[(f64, f64); 4], to: &[(f64, f64); 4]) -> Option<Homography> {
        let mut m = [[0.0f64; 9]; 8];
        for i in 0..4 {
            let ((u, v), (x, y)) = (from[i], to[i]);
            m[2 * i] = [u, v, 1.0, 0.0, 0.0, 0.0, -u * x, -v * x, x];
            m[2 * i + 1] = [0.0, 0.0, 0.0, u, v, 1.0, -u * y, -v * y, y];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
            if m[pivot][col].abs() < 1e-12 {
                return None;
            }
            m.swap(col, pivot);
            let pivot_row = m[col];
            for (row, r) in m.iter_mut().enumerate() {
                if row != col {
                    let f = r[col] / pivot_row[col];
                    if f != 0.0 {
                        for (a, b) in r[col..].iter_mut().zip(&pivot_row[col..]) {
                            *a -= f * b;
                        }
                    }
                }
            }
        }
        let mut h = [0.0; 8];
        for (i, v) in h.iter_mut().enumerate() {
            *v = m[i][8] / m[i][i];
        }
        h.iter().all(|v| v.is_finite()).then_some(Homography(h))
    }

    /// The image of (u, v).
    #[inline]
    pub(crate) fn map(&self, u: f64, v: f64) -> (f64, f64) {
        let h = &self.0;
        let w = h[6] * u + h[7] * v + 1.0;
        (
            (h[0] * u + h[1] * v + h[2]) / w,
            (h[3] * u + h[4] * v + h[5]) / w,
        )
    }

    /// Pixels per mm around (u, v) (the mean of the two axes' scales).
    pub(crate) fn scale_at(&self, u: f64, v: f64) -> f64 {
        let (x0, y0) = self.map(u, v);
        let (x1, y1) = self.map(u + 1.0, v);
        let (x2, y2) = self.map(u, v + 1.0);
        ((x1 - x0).hypot(y1 - y0) + (x2 - x0).hypot(y2 - y0)) / 2.0
    }
}

/// The page region (`x`, `y`, `w`, `h` mm) resampled upright at `ppmm` pixels per mm.
pub(crate) fn warp(
    img: &Bitmap,
    h: &Homography,
    region: (f64, f64, f64, f64),
    ppmm: f64,
) -> (u32, u32, Vec<u8>) {
    warp_averaged(img, h, region, ppmm, 1)
}

/// The same, each output pixel the mean of `n × n` samples (less noise when shrinking).
pub(crate) fn warp_averaged(
    img: &Bitmap,
    h: &Homography,
    (x, y, w, hh): (f64, f64, f64, f64),
    ppmm: f64,
    n: u32,
) -> (u32, u32, Vec<u8>) {
    let (cw, ch) = (
        (w * ppmm).round().max(1.0) as u32,
        (hh * ppmm).round().max(1.0) as u32,
    );
    let mut out = Vec::with_capacity(cw as usize * ch as usize);
    let n = n.max(1);
    let sub = f64::from(n);
    for j in 0..ch {
        for i in 0..cw {
            let mut sum = 0.0;
            for b in 0..n {
                for a in 0..n {
                    let (u, v) = (
                        x + (f64::from(i) + (f64::from(a) + 0.5) / sub) / ppmm,
                        y + (f64::from(j) + (f64::from(b) + 0.5) / sub) / ppmm,
                    );
                    let (px, py) = h.map(u, v);
                    sum += img.sample(px, py);
                }
            }
            out.push((sum / (sub * sub)).round().clamp(0.0, 255.0) as u8);
        }
    }
    (cw, ch, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_points_give_back_a_rotation_and_scale() {
        let (a, s) = (3f64.to_radians(), 11.8);
        let f = |u: f64, v: f64| {
            (
                s * (u * a.cos() - v * a.sin()) + 40.0,
                s * (u * a.sin() + v * a.cos()) + 25.0,
            )
        };
        let from = [(11.0, 11.0), (199.0, 11.0), (199.0, 286.0), (11.0, 286.0)];
        let to = from.map(|(u, v)| f(u, v));
        let h = Homography::fit(&from, &to).unwrap();
        for (u, v) in [(0.0, 0.0), (105.0, 148.5), (210.0, 297.0)] {
            let (x, y) = h.map(u, v);
            let (ex, ey) = f(u, v);
            assert!((x - ex).abs() < 1e-6 && (y - ey).abs() < 1e-6);
        }
        assert!((h.scale_at(100.0, 100.0) - s).abs() < 1e-6);
        assert!(Homography::fit(&[(0.0, 0.0); 4], &to).is_none());
    }
}
