//! Errors of the survey engine: every message says what went wrong and where, in English and Vietnamese.

use thiserror::Error;

/// Everything that can go wrong when building a design or computing an estimate.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum StatsError {
    /// Two input columns have different lengths.
    #[error(
        "column `{column}` has {found} rows but the design has {expected} / cột `{column}` có {found} dòng nhưng thiết kế có {expected} dòng"
    )]
    RaggedColumns {
        /// Offending column.
        column: String,
        /// Rows expected.
        expected: usize,
        /// Rows found.
        found: usize,
    },
    /// A weight is missing, zero, negative or not finite.
    #[error(
        "weight in row {row} is {value}: weights must be positive and finite / trọng số ở dòng {row} là {value}: trọng số phải dương và hữu hạn"
    )]
    BadWeight {
        /// 1-based row.
        row: usize,
        /// The value found.
        value: f64,
    },
    /// A value is missing or not a number where one is needed.
    #[error(
        "column `{column}`, row {row}: missing or non-numeric value / cột `{column}`, dòng {row}: thiếu giá trị hoặc không phải số"
    )]
    MissingValue {
        /// Column.
        column: String,
        /// 1-based row.
        row: usize,
    },
    /// A stratum has a single PSU and the lonely-PSU rule is `fail`.
    #[error(
        "stratum `{stratum}` has only one PSU (stage {stage}); choose another lonely-PSU rule (adjust, average, remove, certainty) / tầng `{stratum}` chỉ có một đơn vị mẫu bậc 1 (giai đoạn {stage}); hãy chọn quy tắc khác"
    )]
    LonelyPsu {
        /// Stratum label.
        stratum: String,
        /// 1-based stage.
        stage: usize,
    },
    /// Cluster ids repeat across strata but `nest` is off.
    #[error(
        "clusters not nested in strata at stage {stage}: cluster `{cluster}` appears in several strata; use nest / cụm `{cluster}` xuất hiện trong nhiều tầng; hãy dùng tùy chọn nest"
    )]
    NotNested {
        /// Stage (1-based).
        stage: usize,
        /// Cluster label.
        cluster: String,
    },
    /// The finite population correction is inconsistent.
    #[error(
        "bad finite population correction at stage {stage}, row {row}: {reason} / hiệu chỉnh tổng thể hữu hạn sai ở giai đoạn {stage}, dòng {row}: {reason}"
    )]
    BadFpc {
        /// Stage (1-based).
        stage: usize,
        /// 1-based row.
        row: usize,
        /// Explanation.
        reason: String,
    },
    /// A domain (subpopulation) has no respondents.
    #[error("domain `{domain}` has no respondents / miền `{domain}` không có người trả lời")]
    EmptyDomain {
        /// Domain label.
        domain: String,
    },
    /// Calibration or raking did not converge.
    #[error(
        "calibration did not converge after {iterations} iterations: margin `{margin}` is still off by {off} / hiệu chỉnh không hội tụ sau {iterations} vòng: biên `{margin}` còn lệch {off}"
    )]
    NoConvergence {
        /// Margin (variable or level) still off.
        margin: String,
        /// Difference between estimated and population total.
        off: f64,
        /// Iterations run.
        iterations: usize,
    },
    /// A population total or count refers to a level absent from the sample, or is missing.
    #[error(
        "population margin problem for `{margin}`: {reason} / lỗi biên tổng thể `{margin}`: {reason}"
    )]
    BadMargin {
        /// Variable or level.
        margin: String,
        /// Explanation.
        reason: String,
    },
    /// An argument is out of its range.
    #[error("invalid argument `{name}`: {reason} / tham số `{name}` không hợp lệ: {reason}")]
    InvalidArgument {
        /// Argument name.
        name: String,
        /// Explanation.
        reason: String,
    },
    /// A computation is impossible with these data (e.g. a zero denominator).
    #[error("cannot compute {what}: {reason} / không tính được {what}: {reason}")]
    Degenerate {
        /// What was being computed.
        what: String,
        /// Why not.
        reason: String,
    },
    /// CSV input could not be read.
    #[error("CSV line {line}: {reason} / CSV dòng {line}: {reason}")]
    Csv {
        /// 1-based line.
        line: usize,
        /// Explanation.
        reason: String,
    },
    /// A column name is unknown.
    #[error(
        "unknown column(s) {unknown}; existing columns: {existing} / không có cột {unknown}; các cột hiện có: {existing}"
    )]
    UnknownColumn {
        /// Unknown names, comma-separated.
        unknown: String,
        /// Existing names, comma-separated.
        existing: String,
    },
    /// A survey disposition code is not a final AAPOR disposition.
    #[error(
        "`{code}` is not an AAPOR final disposition code (expected 1.1, 1.2 or a code such as 2.11, 3.21, 4.70) / `{code}` không phải mã kết quả cuối cùng theo AAPOR (cần 1.1, 1.2 hoặc mã dạng 2.11, 3.21, 4.70)"
    )]
    UnknownDisposition {
        /// The code as given.
        code: String,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, StatsError>;

pub(crate) fn invalid(name: &str, reason: impl Into<String>) -> StatsError {
    StatsError::InvalidArgument {
        name: name.to_string(),
        reason: reason.into(),
    }
}

pub(crate) fn degenerate(what: &str, reason: impl Into<String>) -> StatsError {
    StatsError::Degenerate {
        what: what.to_string(),
        reason: reason.into(),
    }
}
