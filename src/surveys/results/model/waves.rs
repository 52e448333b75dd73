//! Waves compared: the change of each estimate from one wave of a series to the next, with its
//! interval and whether it is real. The difference's standard error is √(se₁² + se₂² − 2 cov):
//! for independent samples cov = 0; when the two waves interviewed some of the same frame
//! members (a panel: the same member id in both waves' frames), cov is estimated from those
//! members' influence values (`panel_cov`), so that a change measured on the same households is
//! judged with the precision pairing gives. The interval uses the normal quantile. A change is
//! only given when both waves show the cell and it has a sampling error (a share the weighting
//! fixes to the population has none).

use duluan_stats::Design;

use super::data::MEMBER_COLUMN;
use super::{Data, Kind, Line, QuestionResult};

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
/// standard error; `cov` is the covariance of the two estimates when the waves share members
/// (a panel), none for independent samples.
pub fn change(earlier: &Line, later: &Line, level: f64, cov: Option<f64>) -> Option<Change> {
    let (a, _, _) = earlier.value?;
    let (b, _, _) = later.value?;
    let var = earlier.se?.powi(2) + later.se?.powi(2) - 2.0 * cov.unwrap_or(0.0);
    let se = var.max(0.0).sqrt();
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
    cov: &dyn Fn(usize, &str, &str) -> Option<f64>,
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
                    for (k, w) in per_wave.iter().enumerate() {
                        let line = w
                            .and_then(|w| w.lines.iter().find(|x| x.key == l.key))
                            .cloned();
                        let ch = match (&previous, &line) {
                            (Some(a), Some(b)) => change(a, b, level, cov(k, &q.name, &l.key)),
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

/// A line's variable and domain in one wave: for a choice, whether each interview chose it
/// among those who answered the question; for [`super::MEAN`], the number among those who gave
/// one. `None` for other lines (a median has no influence values of this kind).
pub fn line_values(
    data: &Data,
    name: &str,
    kind: Kind,
    key: &str,
) -> Option<(Vec<f64>, Vec<bool>)> {
    let col = data.column(name);
    match kind {
        Kind::Single | Kind::Multiple => {
            let hit: Vec<bool> = col
                .values
                .iter()
                .map(|v| match kind {
                    Kind::Multiple => v.split_whitespace().any(|x| x == key),
                    _ => v == key,
                })
                .collect();
            let y = col
                .codes
                .iter()
                .map(|&c| f64::from(u8::from(hit[c as usize])))
                .collect();
            let domain = (0..data.n).map(|i| col.answered(i)).collect();
            Some((y, domain))
        }
        Kind::Mean if key == super::MEAN => {
            let parsed: Vec<Option<f64>> = col.values.iter().map(|v| super::number(v)).collect();
            let y = col
                .codes
                .iter()
                .map(|&c| parsed[c as usize].unwrap_or(0.0))
                .collect();
            let domain = col
                .codes
                .iter()
                .map(|&c| c != 0 && parsed[c as usize].is_some())
                .collect();
            Some((y, domain))
        }
        Kind::Mean => None,
    }
}

/// One wave as the panel covariance sees it: its interviews, its design, and each interview's
/// member id.
pub struct PanelWave<'a> {
    /// The interviews.
    pub data: &'a Data,
    /// The design the wave's figures use (weighted or not, as shown).
    pub design: &'a Design,
}

impl PanelWave<'_> {
    fn members(&self) -> Vec<&str> {
        let col = self.data.column(MEMBER_COLUMN);
        (0..self.data.n).map(|i| col.get(i)).collect()
    }
}

/// How many members two waves share (interviewed in both), when the covariance can use them:
/// each wave's primary sampling units are its interviews (no clusters).
pub fn shared_members(a: &PanelWave, b: &PanelWave) -> usize {
    if a.data.has_clusters() || b.data.has_clusters() {
        return 0;
    }
    let ma: std::collections::HashSet<&str> =
        a.members().into_iter().filter(|m| !m.is_empty()).collect();
    b.members()
        .into_iter()
        .filter(|m| !m.is_empty() && ma.contains(m))
        .count()
}

/// The covariance of a line's estimates in two waves that share members: with t the influence
/// values of each wave's estimate (calibration residuals included), Σ over the shared members of
/// t_a t_b, scaled like each wave's variance (n/(n − 1), n its interviews). For a simple random
/// panel with everyone in both waves this gives the paired variance s_d² / n.
pub fn panel_cov(a: &PanelWave, b: &PanelWave, name: &str, kind: Kind, key: &str) -> Option<f64> {
    let (ya, da) = line_values(a.data, name, kind, key)?;
    let (yb, db) = line_values(b.data, name, kind, key)?;
    let ta = a.design.mean_influences(&[&ya], Some(&da)).ok()?.pop()?;
    let tb = b.design.mean_influences(&[&yb], Some(&db)).ok()?.pop()?;
    let by_member: std::collections::HashMap<&str, f64> = a
        .members()
        .into_iter()
        .zip(&ta)
        .filter(|(m, _)| !m.is_empty())
        .map(|(m, t)| (m, *t))
        .collect();
    let cross: f64 = b
        .members()
        .into_iter()
        .zip(&tb)
        .filter_map(|(m, t)| by_member.get(m).map(|u| u * t))
        .sum();
    let (na, nb) = (a.data.n as f64, b.data.n as f64);
    Some(cross * (na / (na - 1.0) * nb / (nb - 1.0)).sqrt())
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
        let c = change(&line(0.40, 0.03), &line(0.52, 0.04), 0.95, None).unwrap();
        assert!((c.diff - 0.12).abs() < 1e-12);
        assert!((c.lower - (0.12 - 1.959_963_984_540_054 * 0.05)).abs() < 1e-9);
        assert!(c.significant);
        let c = change(&line(0.40, 0.05), &line(0.45, 0.05), 0.95, None).unwrap();
        assert!(!c.significant);
        // Figures fixed by the weighting (no sampling error) have no change to test.
        assert!(change(&line(0.4, 1e-17), &line(0.4, 0.0), 0.95, None).is_none());
        // A hidden cell has no change.
        let mut hidden = line(0.4, 0.03);
        hidden.hide();
        assert!(change(&hidden, &line(0.5, 0.03), 0.95, None).is_none());
    }

    /// A wave of `ys` (choice "1" or "2" per member), members `m{i}` from `first`.
    fn wave(ys: &[u8], first: usize) -> Data {
        let mut d = Data::default();
        for (i, y) in ys.iter().enumerate() {
            let v = y.to_string();
            let m = format!("m{}", first + i);
            d.push(
                [("q", v.as_str()), (MEMBER_COLUMN, m.as_str())],
                None,
                None,
                0,
            );
        }
        d.finish()
    }

    #[test]
    fn a_full_panel_gets_the_paired_variance() {
        // 12 members answer in both waves; the change of the share of "1" is the mean of the
        // members' differences, whose variance is s_d² / n (the paired t test's).
        let a = [1u8, 1, 2, 1, 2, 2, 1, 1, 2, 1, 2, 1];
        let b = [1u8, 2, 2, 1, 2, 1, 1, 2, 2, 1, 2, 2];
        let (da, db) = (wave(&a, 0), wave(&b, 0));
        let (ga, gb) = (
            super::super::design(&da, false).unwrap(),
            super::super::design(&db, false).unwrap(),
        );
        let (pa, pb) = (
            PanelWave {
                data: &da,
                design: &ga,
            },
            PanelWave {
                data: &db,
                design: &gb,
            },
        );
        assert_eq!(shared_members(&pa, &pb), 12);
        let cov = panel_cov(&pa, &pb, "q", Kind::Single, "1").unwrap();
        let ind =
            |x: &[u8]| -> Vec<f64> { x.iter().map(|&y| f64::from(u8::from(y == 1))).collect() };
        let (ya, yb) = (ind(&a), ind(&b));
        let ma = ga.mean(&ya, None).unwrap();
        let mb = gb.mean(&yb, None).unwrap();
        let n = 12.0;
        let d: Vec<f64> = yb.iter().zip(&ya).map(|(b, a)| b - a).collect();
        let dm = d.iter().sum::<f64>() / n;
        let sd2 = d.iter().map(|x| (x - dm).powi(2)).sum::<f64>() / (n - 1.0);
        let var = ma.se.powi(2) + mb.se.powi(2) - 2.0 * cov;
        assert!((var - sd2 / n).abs() < 1e-15, "{var} {}", sd2 / n);
        // Through `change`: the same interval.
        let line = |m: &duluan_stats::Estimate| Line {
            key: "1".into(),
            label: "1".into(),
            n: 12,
            value: Some((m.estimate, 0.0, 1.0)),
            deff: None,
            se: Some(m.se),
            total: None,
        };
        let c = change(&line(&ma), &line(&mb), 0.95, Some(cov)).unwrap();
        let z = duluan_stats::dist::qnorm(0.975);
        assert!((c.upper - c.diff - z * (sd2 / n).sqrt()).abs() < 1e-12);
        // Independent waves (other members): no covariance to use.
        let other = wave(&b, 100);
        let go = super::super::design(&other, false).unwrap();
        let po = PanelWave {
            data: &other,
            design: &go,
        };
        assert_eq!(shared_members(&pa, &po), 0);
        assert_eq!(panel_cov(&pa, &po, "q", Kind::Single, "1"), Some(0.0));
    }
}
