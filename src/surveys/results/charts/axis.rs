//! The value axis of a chart: round ticks fitted to the figures, and how values on it are written.

use super::{Estimate, Locale};

/// A value axis: its ends and ticks, and how values on it are written.
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) ticks: Vec<f64>,
    pub(super) share: bool,
    /// Decimals of tick labels, and of value labels.
    pub(super) tick_dec: usize,
    pub(super) value_dec: usize,
}

impl Axis {
    /// 0 to 100 % in quarters.
    pub(super) fn percent() -> Axis {
        Axis {
            lo: 0.0,
            hi: 1.0,
            ticks: vec![0.0, 0.25, 0.5, 0.75, 1.0],
            share: true,
            tick_dec: 0,
            value_dec: 1,
        }
    }

    /// Round ticks about `target` steps apart covering `min..=max`, steps of 1, 2, 2.5 or 5 times
    /// a power of ten.
    pub(super) fn nice(min: f64, max: f64, target: f64, share: bool) -> Axis {
        let (mut min, mut max) = if min.is_finite() && max.is_finite() && min <= max {
            (min, max)
        } else {
            (0.0, 1.0)
        };
        if max - min < 1e-9 * max.abs().max(1.0) {
            let d = if share {
                0.05
            } else {
                (min.abs() * 0.1).max(1.0)
            };
            (min, max) = (min - d, max + d);
        }
        let raw = (max - min) / target;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw * 0.999)
            .unwrap_or(10.0 * mag);
        let lo = (min / step + 1e-9).floor() * step;
        let hi = (max / step - 1e-9).ceil() * step;
        let (lo, hi) = if share {
            (lo.max(0.0), hi.min(1.0))
        } else {
            (lo, hi)
        };
        let n = ((hi - lo) / step).round() as usize;
        let ticks: Vec<f64> = (0..=n).map(|i| lo + step * i as f64).collect();
        let scaled = if share { 100.0 } else { 1.0 };
        let tick_dec = (0..4)
            .find(|d| {
                let f = 10f64.powi(*d) * scaled;
                ticks.iter().all(|t| ((t * f).round() - t * f).abs() < 1e-6)
            })
            .unwrap_or(4) as usize;
        let value_dec = if share {
            1
        } else {
            (2.0 - (hi - lo).log10().floor()).clamp(0.0, 3.0) as usize
        };
        Axis {
            lo,
            hi,
            ticks,
            share,
            tick_dec,
            value_dec,
        }
    }

    /// Where `v` falls along `len` units from the axis' start, kept on the axis.
    pub(super) fn at(&self, v: f64, len: f64) -> f64 {
        ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0) * len
    }

    pub(super) fn write(&self, loc: &Locale, v: f64, decimals: usize) -> String {
        if self.share {
            loc.pct(v, decimals)
        } else {
            loc.num(v, decimals)
        }
    }

    pub(super) fn tick(&self, loc: &Locale, v: f64) -> String {
        self.write(loc, v, self.tick_dec)
    }

    pub(super) fn value(&self, loc: &Locale, v: f64) -> String {
        self.write(loc, v, self.value_dec)
    }

    /// `41,2 % (38,0 %–44,5 %)`.
    pub(super) fn with_interval(&self, loc: &Locale, (e, lo, hi): Estimate) -> String {
        format!(
            "{} ({}–{})",
            self.value(loc, e),
            self.value(loc, lo),
            self.value(loc, hi)
        )
    }
}

/// A value with its interval when all three are numbers, the interval put in order.
pub(super) fn finite((e, lo, hi): Estimate) -> Option<Estimate> {
    (e.is_finite() && lo.is_finite() && hi.is_finite()).then(|| (e, lo.min(hi), lo.max(hi)))
}
