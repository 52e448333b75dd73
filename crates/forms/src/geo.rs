//! ODK's geographic and digest functions on answers as ODK writes them: `area()` of a geoshape
//! (square metres), `distance()` along a geotrace, a geoshape or a list of geopoints (metres),
//! and `digest()` of a text (MD5, SHA-1, SHA-256, SHA-384, SHA-512 in base64 or hex).
//!
//! Distances are great-circle distances on a sphere of the WGS84 equatorial radius; areas are
//! those of the spherical polygon on the same sphere (the sum of the signed trapezoids between
//! each edge and the equator, as in Chamberlain and Duquette's method). Both are what a surveyor
//! reads off a map to well under a percent for the plots and streets a form measures.

use base64::Engine as _;

use crate::eval::EvalError;

/// The WGS84 equatorial radius in metres.
const RADIUS: f64 = 6_378_137.0;

/// The points (latitude, longitude in degrees) of `lat lon [alt acc]` items separated by `;`;
/// empty items (a trailing `;`) are skipped.
fn points(value: &str) -> Result<Vec<(f64, f64)>, EvalError> {
    let mut out = Vec::new();
    for (i, item) in value.split(';').enumerate() {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let mut f = item.split_whitespace().map(str::parse::<f64>);
        match (f.next(), f.next()) {
            (Some(Ok(lat)), Some(Ok(lon)))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                out.push((lat, lon))
            }
            _ => {
                return Err(EvalError::new(
                    format!("point {} is not `latitude longitude`: `{item}`", i + 1),
                    format!("điểm thứ {} không có dạng `vĩ_độ kinh_độ`: `{item}`", i + 1),
                ));
            }
        }
    }
    Ok(out)
}

/// Great-circle distance between two points, in metres (haversine).
fn between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = p2 - p1;
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * RADIUS * h.sqrt().min(1.0).asin()
}

/// `distance()`: the length of the line through the points, in metres (0 for fewer than two;
/// empty text gives 0, as a question not answered yet).
pub fn distance(value: &str) -> Result<f64, EvalError> {
    let p = points(value)?;
    Ok(p.windows(2).map(|w| between(w[0], w[1])).sum())
}

/// `area()`: the area enclosed by a geoshape, in square metres (0 for fewer than three distinct
/// points). The ring may or may not repeat its first point at the end.
pub fn area(value: &str) -> Result<f64, EvalError> {
    let mut p = points(value)?;
    if p.len() >= 2 && p.first() == p.last() {
        p.pop();
    }
    if p.len() < 3 {
        return Ok(0.0);
    }
    let mut sum = 0.0;
    for i in 0..p.len() {
        let (a, b) = (p[i], p[(i + 1) % p.len()]);
        let dl = (b.1 - a.1).to_radians();
        // Longitudes across the antimeridian go the short way round.
        let dl = if dl > std::f64::consts::PI {
            dl - 2.0 * std::f64::consts::PI
        } else if dl < -std::f64::consts::PI {
            dl + 2.0 * std::f64::consts::PI
        } else {
            dl
        };
        sum += dl * (2.0 + a.0.to_radians().sin() + b.0.to_radians().sin());
    }
    Ok((sum * RADIUS * RADIUS / 2.0).abs())
}

/// `digest(text, algorithm[, encoding])`: the digest of the text's UTF-8 bytes, in `base64`
/// (the default) or `hex`.
pub fn digest(text: &str, algorithm: &str, encoding: &str) -> Result<String, EvalError> {
    use md5::Digest as _;
    let bytes = text.as_bytes();
    let raw: Vec<u8> = match algorithm.trim().to_ascii_uppercase().as_str() {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => {
            use sha1::Digest as _;
            sha1::Sha1::digest(bytes).to_vec()
        }
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        other => {
            return Err(EvalError::new(
                format!(
                    "`digest()` does not know the algorithm `{other}`: use MD5, SHA-1, SHA-256, SHA-384 or SHA-512"
                ),
                format!(
                    "`digest()` không có thuật toán `{other}`: hãy dùng MD5, SHA-1, SHA-256, SHA-384 hoặc SHA-512"
                ),
            ));
        }
    };
    match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => Ok(base64::engine::general_purpose::STANDARD.encode(raw)),
        "hex" => Ok(hex::encode(raw)),
        other => Err(EvalError::new(
            format!("`digest()` does not know the encoding `{other}`: use base64 or hex"),
            format!("`digest()` không có cách mã hóa `{other}`: hãy dùng base64 hoặc hex"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_match_a_great_circle() {
        // One degree of latitude on this sphere: 2πR/360.
        let d = distance("10 105 0 0;11 105 0 0").unwrap();
        assert!((d - 111_319.49).abs() < 0.1, "{d}");
        // A list of points, a trailing `;`, and nothing.
        let d3 = distance("10 105;11 105;11 106;").unwrap();
        assert!(d3 > d + 100_000.0 && d3 < d + 110_000.0, "{d3}");
        assert_eq!(distance("").unwrap(), 0.0);
        assert_eq!(distance("10 105").unwrap(), 0.0);
        assert!(distance("10 east").is_err());
    }

    #[test]
    fn areas_match_the_sphere() {
        // A square of 0.01° by 0.01° at the equator: (R·0.01·π/180)² to a few parts in a million.
        let side = RADIUS * 0.01_f64.to_radians();
        let a = area("0 0 0 0;0 0.01 0 0;0.01 0.01 0 0;0.01 0 0 0;0 0 0 0").unwrap();
        assert!(
            (a / (side * side) - 1.0).abs() < 1e-4,
            "{a} vs {}",
            side * side
        );
        // Open or closed ring, either orientation: the same area.
        let b = area("0.01 0;0.01 0.01;0 0.01;0 0").unwrap();
        assert!((a - b).abs() < 1e-6 * a, "{a} {b}");
        // At 10°N a plot of 100 m × 100 m (in degrees of latitude and longitude there).
        let dlat = 100.0 / (RADIUS * 1f64.to_radians());
        let dlon = dlat / 10f64.to_radians().cos();
        let plot = format!(
            "10 105;10 {};{} {};{} 105;10 105",
            105.0 + dlon,
            10.0 + dlat,
            105.0 + dlon,
            10.0 + dlat
        );
        let a = area(&plot).unwrap();
        assert!((a - 10_000.0).abs() < 5.0, "{a}");
        assert_eq!(area("10 105;10 106").unwrap(), 0.0);
        assert_eq!(area("").unwrap(), 0.0);
    }

    #[test]
    fn digests_as_odk_writes_them() {
        assert_eq!(
            digest("abc", "SHA-256", "hex").unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            digest("abc", "MD5", "hex").unwrap(),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            digest("abc", "sha-1", "hex").unwrap(),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            digest("abc", "SHA-256", "base64").unwrap(),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert!(digest("abc", "CRC32", "hex").is_err());
        assert!(digest("abc", "MD5", "base32").is_err());
    }
}
