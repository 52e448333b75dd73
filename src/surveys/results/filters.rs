//! The filters of the results pages: the completion period (`from`, `to`) checked and turned
//! into the interviews it keeps, what the links of a view carry to keep it, and the domains the
//! sample's frame offers (its strata, units and attributes).

use super::{ResultsQuery, model};
use crate::error::{AppError, AppResult};

/// The days of a filter, checked: `(from, to)`.
pub type Period = (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>);

impl ResultsQuery {
    /// The completion period asked for; a day that is not one, or a period that ends before it
    /// starts, is refused with a message that says so.
    pub(super) fn period(&self) -> AppResult<Period> {
        let day = |s: &str| {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::BadRequest("results-filter-bad-day"))
        };
        let (from, to) = (day(&self.from)?, day(&self.to)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::BadRequest("results-filter-bad-period"));
        }
        Ok((from, to))
    }

    /// What the links of a view carry to keep it: unweighted, and the period
    /// (`weighted=0&from=…&to=…`, empty when none).
    pub(super) fn keep(&self, weighted: bool, has_design: bool, period: Period) -> String {
        let mut parts = Vec::new();
        if !weighted && has_design {
            parts.push("weighted=0".to_string());
        }
        if let Some(f) = period.0 {
            parts.push(format!("from={f}"));
        }
        if let Some(t) = period.1 {
            parts.push(format!("to={t}"));
        }
        parts.join("&")
    }
}

/// The interviews a period keeps (`None`: every one).
pub(super) fn period_mask(data: &model::Data, period: Period) -> Option<Vec<bool>> {
    if period.0.is_none() && period.1.is_none() {
        return None;
    }
    Some(
        data.days
            .iter()
            .map(|d| {
                d.is_some_and(|d| {
                    period.0.is_none_or(|f| d >= f) && period.1.is_none_or(|t| d <= t)
                })
            })
            .collect(),
    )
}

/// The domains the sample's frame offers (`(column, label)`): its strata, units and
/// attributes, each with 2 to [`MAX_FRAME_DOMAINS`] values.
pub(super) fn frame_domains(data: &model::Data, tr: crate::web::i18n::Tr) -> Vec<(String, String)> {
    use model::data::{ATTR_COLUMN, STRATUM_COLUMN, UNIT_COLUMN};
    data.frame_columns()
        .into_iter()
        .filter(|(_, values)| (2..=MAX_FRAME_DOMAINS).contains(&values.len()))
        .map(|(name, _)| {
            let label = match name {
                STRATUM_COLUMN => tr.t("results-by-stratum"),
                UNIT_COLUMN => tr.t("results-by-unit"),
                _ => tr.ta(
                    "results-by-attribute",
                    &[(
                        "name",
                        name.strip_prefix(ATTR_COLUMN).unwrap_or(name).to_string(),
                    )],
                ),
            };
            (name.to_string(), label)
        })
        .collect()
}

/// Most values a frame column may have to be offered as domains.
pub const MAX_FRAME_DOMAINS: usize = 50;
