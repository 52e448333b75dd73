//! Small dense linear algebra (row-major square matrices) for calibration and table tests.

/// y = A x for a p x p row-major matrix.
pub(crate) fn mat_vec(a: &[f64], x: &[f64], p: usize) -> Vec<f64> {
    (0..p)
        .map(|i| (0..p).map(|j| a[i * p + j] * x[j]).sum())
        .collect()
}

/// Inverse of a p x p matrix by Gauss-Jordan elimination with partial pivoting; `None` when
/// the matrix is singular (pivot below `tol` times the largest diagonal entry).
pub(crate) fn invert(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut inv = vec![0.0; p * p];
    for i in 0..p {
        inv[i * p + i] = 1.0;
    }
    let big = (0..p).map(|i| m[i * p + i].abs()).fold(0.0, f64::max);
    let tol = big * 1e-13;
    for col in 0..p {
        let mut piv = col;
        for r in col + 1..p {
            if m[r * p + col].abs() > m[piv * p + col].abs() {
                piv = r;
            }
        }
        if m[piv * p + col].abs() <= tol || m[piv * p + col].is_nan() {
            return None;
        }
        if piv != col {
            for j in 0..p {
                m.swap(piv * p + j, col * p + j);
                inv.swap(piv * p + j, col * p + j);
            }
        }
        let d = m[col * p + col];
        for j in 0..p {
            m[col * p + j] /= d;
            inv[col * p + j] /= d;
        }
        for r in 0..p {
            if r != col {
                let f = m[r * p + col];
                if f != 0.0 {
                    for j in 0..p {
                        m[r * p + j] -= f * m[col * p + j];
                        inv[r * p + j] -= f * inv[col * p + j];
                    }
                }
            }
        }
    }
    Some(inv)
}

/// C = A B for row-major (r x m) times (m x c).
pub(crate) fn mat_mul(a: &[f64], b: &[f64], r: usize, m: usize, c: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for k in 0..m {
            let aik = a[i * m + k];
            if aik == 0.0 {
                continue;
            }
            for j in 0..c {
                out[i * c + j] += aik * b[k * c + j];
            }
        }
    }
    out
}

/// Transpose of an r x c matrix.
pub(crate) fn transpose(a: &[f64], r: usize, c: usize) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for i in 0..r {
        for j in 0..c {
            out[j * r + i] = a[i * c + j];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_of_2x2() {
        let inv = invert(&[4.0, 7.0, 2.0, 6.0], 2).unwrap();
        let expect = [0.6, -0.7, -0.2, 0.4];
        for (a, b) in inv.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12);
        }
        assert!(invert(&[1.0, 2.0, 2.0, 4.0], 2).is_none());
    }
}
