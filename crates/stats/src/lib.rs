//! duluan-stats: the survey statistics engine of duluan, equal to R's `survey` package.
//!
//! Pure library, no IO: designs (SRS, stratified, multistage clusters with finite population
//! corrections, `nest`, lonely-PSU rules), Taylor-linearisation estimates (totals, means,
//! ratios, proportions, variances, quantiles, domains, design effects, confidence intervals,
//! proportion intervals, Rao-Scott tables), weighting (post-stratification, raking, calibration,
//! trimming) with weighting-aware variances, replicate weights, sample-size planning and
//! reproducible sample draws, and the AAPOR outcome rates of fieldwork dispositions.
//!
//! ```
//! use duluan_stats::{Design, DesignSpec, Factor};
//! // Stratified sample: two strata, weights 10 and 20.
//! let strata = Factor::from_strs(&["a", "a", "a", "b", "b", "b"]);
//! let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
//! let design = Design::new(6, DesignSpec {
//!     strata: Some(strata),
//!     weights: Some(vec![10.0, 10.0, 10.0, 20.0, 20.0, 20.0]),
//!     ..Default::default()
//! }).unwrap();
//! let mean = design.mean(&y, None).unwrap();
//! assert!((mean.estimate - 4.0).abs() < 1e-12);
//! assert!(mean.se > 0.0);
//! ```

// Numeric kernels index several parallel columns by row: range loops read best there.
#![allow(clippy::needless_range_loop)]

pub mod aapor;
pub mod data;
pub mod design;
pub mod dist;
pub mod draw;
pub mod error;
pub mod estimate;
mod linalg;
pub mod planning;
pub mod quantile;
pub mod random;
pub mod replicate;
pub mod table;
pub mod weighting;

pub use data::{Column, Factor, Frame, Text};
pub use design::{Design, DesignSpec, LonelyPsu};
pub use error::{Result, StatsError};
pub use estimate::{Estimate, Interval};
pub use planning::{Allocation, Plan, SampleSize, StratumPlan, Target};
pub use quantile::{CipropMethod, PropInterval, QuantileEstimate, QuantileRule};
pub use replicate::{RepDesign, RepType};
pub use table::{ChisqStatistic, ChisqTest};
pub use weighting::{CalFun, CalibrateOptions, Margin, ModelMatrix, RakeOptions};
