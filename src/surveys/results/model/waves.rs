//! Waves compared: the change of each estimate from one wave of a series to the next, with its
//! interval and whether it is real. Waves are independent samples: the difference's standard
//! error is √(se₁² + se₂²) and its interval uses the normal quantile (the usual test of two
//! independent survey estimates). A change is only given when both waves show the cell and
//! it has a sampling error (a share the weighting fixes to the population has none).

use super::{Line, QuestionResult};

/// A change between two waves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// Later minus earlier.
    pub diff: f64,
    /// Interval of the difference.
    pub lower: f64,
    /// See `lower`.
    pub upper: f64,
    /// Whether the interval leaves zero out.
    pub significant: bool,
}

/// The change from `earlier` to `later` at confidence `level`, when both are shown and have a
/// standard error.
pub fn change(earlier: &Line, later: &Line, level: f64) -> Option<Change> {
    let (a, _, _) = earlier.value?;
    let (b, _, _) = later.value?;
    let se = (earlier.se?.powi(2) + later.se?.powi(2)).sqrt();
    // A figure the weighting fixes (a calibration margin) has no sampling error to compare.
    if !se.is_finite() || se < 1e-9 * a.abs().max(b.abs()).max(1.0) {
        return None;
    }
    let z = duluan_stats::dist::qnorm(1.0 - (1.0 - level) / 2.0);
    let diff = b - a;
    let (lower, upper) = (diff - z * se, diff + z * se);
    Some(Change {
        diff,
        lower,
        upper,
        significant: lower > 0.0 || upper < 0.0,
    })
}

/// One wave's cell of a line: the line (when the wave has it) and the change from the previous
/// wave.
pub type WaveCell = (Option<Line>, Option<Change>);

/// One question across waves: per line key, the line of each wave (`None` where the wave does
/// not have it) and the change from the previous wave.
#[derive(Clone, Debug, PartialEq)]
pub struct Across {
    /// Variable name.
    pub name: String,
    /// `(key, label, per wave: (line, change from the previous wave))`.
    pub lines: Vec<(String, String, Vec<WaveCell>)>,
}

/// Lines up the questions of `reference` (the current wave's questionnaire order) across the
/// waves' results, matching questions by name and lines by key.
pub fn align(
    reference: &[QuestionResult],
    waves: &[Vec<QuestionResult>],
    level: f64,
) -> Vec<Across> {
    reference
        .iter()
        .map(|q| {
            let per_wave: Vec<Option<&QuestionResult>> = waves
                .iter()
                .map(|w| w.iter().find(|x| x.name == q.name && x.kind == q.kind))
                .collect();
            let lines = q
                .lines
                .iter()
                .map(|l| {
                    let mut cells: Vec<WaveCell> = Vec::new();
                    let mut previous: Option<Line> = None;
                    for w in &per_wave {
                        let line = w
                            .and_then(|w| w.lines.iter().find(|x| x.key == l.key))
                            .cloned();
                        let ch = match (&previous, &line) {
                            (Some(a), Some(b)) => change(a, b, level),
                            _ => None,
                        };
                        previous = line.clone();
                        cells.push((line, ch));
                    }
                    (l.key.clone(), l.label.clone(), cells)
                })
                .collect();
            Across {
                name: q.name.clone(),
                lines,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(p: f64, se: f64) -> Line {
        Line {
            key: "1".into(),
            label: "Có".into(),
            n: 100,
            value: Some((p, p - 0.1, p + 0.1)),
            deff: None,
            total: None,
            se: Some(se),
        }
    }

    #[test]
    fn a_change_by_hand() {
        // 0.40 → 0.52 with standard errors 0.03 and 0.04: se 0.05, z 1.959964.
        let c = change(&line(0.40, 0.03), &line(0.52, 0.04), 0.95).unwrap();
        assert!((c.diff - 0.12).abs() < 1e-12);
        assert!((c.lower - (0.12 - 1.959_963_984_540_054 * 0.05)).abs() < 1e-9);
        assert!(c.significant);
        let c = change(&line(0.40, 0.05), &line(0.45, 0.05), 0.95).unwrap();
        assert!(!c.significant);
        // Figures fixed by the weighting (no sampling error) have no change to test.
        assert!(change(&line(0.4, 1e-17), &line(0.4, 0.0), 0.95).is_none());
        // A hidden cell has no change.
        let mut hidden = line(0.4, 0.03);
        hidden.hide();
        assert!(change(&hidden, &line(0.5, 0.03), 0.95).is_none());
    }
}
