//! Whether an answer fits its question's type: numbers, ranges, dates and times, choices,
//! locations and attachment names.

use crate::model::{Choice, QuestionType};
use crate::value::{parse_date, parse_datetime, parse_time};

/// Checks a non-empty value against its type; returns (Vietnamese, English) messages.
pub(super) fn type_problem(
    kind: &QuestionType,
    v: &str,
    choices: &[(&Choice, String)],
    range: Option<(f64, f64, f64)>,
) -> Option<(String, String)> {
    let offered = |x: &str| choices.iter().any(|(c, _)| c.name == x);
    let bad = |vi: &str, en: &str| Some((vi.to_string(), en.to_string()));
    match kind {
        QuestionType::Integer => {
            let t = v.trim();
            let body = t.strip_prefix('-').unwrap_or(t);
            if body.is_empty()
                || !body.bytes().all(|b| b.is_ascii_digit())
                || t.parse::<i64>().is_err()
            {
                return bad("Hãy nhập một số nguyên.", "Enter a whole number.");
            }
        }
        QuestionType::Decimal => {
            if crate::value::parse_number(v).is_nan() {
                return bad("Hãy nhập một số.", "Enter a number.");
            }
        }
        QuestionType::Range => {
            let n = crate::value::parse_number(v);
            let (start, end, step) = range.unwrap_or((1.0, 10.0, 1.0));
            let (lo, hi) = if start <= end {
                (start, end)
            } else {
                (end, start)
            };
            let steps = ((n - start) / step).abs();
            if n.is_nan() || n < lo || n > hi || (steps - steps.round()).abs() > 1e-9 {
                return Some((
                    format!(
                        "Hãy chọn một giá trị từ {} đến {}.",
                        crate::value::format_number(start),
                        crate::value::format_number(end)
                    ),
                    format!(
                        "Choose a value from {} to {}.",
                        crate::value::format_number(start),
                        crate::value::format_number(end)
                    ),
                ));
            }
        }
        QuestionType::Date => {
            if parse_date(v).is_none() {
                return bad(
                    "Hãy nhập ngày theo dạng YYYY-MM-DD.",
                    "Enter a date as YYYY-MM-DD.",
                );
            }
        }
        QuestionType::Time => {
            if parse_time(v).is_none() {
                return bad("Hãy nhập giờ theo dạng HH:MM.", "Enter a time as HH:MM.");
            }
        }
        QuestionType::DateTime => {
            if parse_datetime(v).is_none() {
                return bad(
                    "Hãy nhập ngày giờ theo dạng YYYY-MM-DDTHH:MM.",
                    "Enter a date and time as YYYY-MM-DDTHH:MM.",
                );
            }
        }
        QuestionType::SelectOne(_) | QuestionType::SelectOneFromFile(_) => {
            if !offered(v.trim()) {
                return bad(
                    "Hãy chọn một trong các lựa chọn được đưa ra.",
                    "Choose one of the options offered.",
                );
            }
        }
        QuestionType::SelectMultiple(_)
        | QuestionType::SelectMultipleFromFile(_)
        | QuestionType::Rank(_) => {
            let mut seen = Vec::new();
            for t in v.split_whitespace() {
                if !offered(t) || seen.contains(&t) {
                    return bad(
                        "Hãy chọn trong các lựa chọn được đưa ra, mỗi lựa chọn một lần.",
                        "Choose among the options offered, each at most once.",
                    );
                }
                seen.push(t);
            }
            if matches!(kind, QuestionType::Rank(_)) && seen.len() != choices.len() {
                return bad("Hãy xếp hạng tất cả các lựa chọn.", "Rank every option.");
            }
        }
        QuestionType::Acknowledge => {
            if v != "OK" {
                return bad(
                    "Giá trị xác nhận phải là OK.",
                    "The acknowledgement value must be OK.",
                );
            }
        }
        QuestionType::Text
        | QuestionType::Note
        | QuestionType::Calculate
        | QuestionType::Hidden
        | QuestionType::Barcode
        | QuestionType::Start
        | QuestionType::End
        | QuestionType::Today
        | QuestionType::DeviceId
        | QuestionType::Username
        | QuestionType::PhoneNumber
        | QuestionType::SimSerial
        | QuestionType::SubscriberId
        | QuestionType::Email
        | QuestionType::BackgroundAudio => {}
        QuestionType::Geopoint | QuestionType::StartGeopoint => {
            if let Err((vi, en)) = parse_geopoint(v) {
                return Some((vi, en));
            }
        }
        QuestionType::Geotrace | QuestionType::Geoshape => {
            let shape = *kind == QuestionType::Geoshape;
            let mut points = Vec::new();
            for (i, p) in v.split(';').enumerate() {
                if p.trim().is_empty() && i > 0 && i + 1 == v.split(';').count() {
                    // ODK Collect may end the list with `;`.
                    continue;
                }
                match parse_geopoint(p) {
                    Ok(pt) => points.push(pt),
                    Err((vi, en)) => {
                        return Some((
                            format!("Điểm thứ {}: {vi}", i + 1),
                            format!("Point {}: {en}", i + 1),
                        ));
                    }
                }
            }
            if shape {
                let closed = points.len() >= 4
                    && points.first().map(|p| (p[0], p[1])) == points.last().map(|p| (p[0], p[1]));
                if !closed {
                    return bad(
                        "Một vùng cần ít nhất 4 điểm, điểm cuối trùng với điểm đầu.",
                        "A shape needs at least 4 points, the last one equal to the first.",
                    );
                }
            } else if points.len() < 2 {
                return bad(
                    "Một đường cần ít nhất 2 điểm, cách nhau bởi dấu `;`.",
                    "A line needs at least 2 points, separated by `;`.",
                );
            }
        }
        QuestionType::Image
        | QuestionType::Audio
        | QuestionType::Video
        | QuestionType::File
        | QuestionType::Audit => {
            if !is_plain_file_name(v) {
                return bad(
                    "Tệp đính kèm phải là một tên tệp đơn giản (chữ, số, `.`, `-`, `_`), không có đường dẫn.",
                    "An attachment must be a plain file name (letters, digits, `.`, `-`, `_`), without a path.",
                );
            }
        }
    }
    None
}

/// A point as ODK writes it, `lat lon [alt [acc]]`: latitude in [-90, 90], longitude in
/// [-180, 180], altitude and accuracy numbers when present. Returns the numbers, or
/// (Vietnamese, English) messages.
pub fn parse_geopoint(v: &str) -> Result<Vec<f64>, (String, String)> {
    let parts: Vec<&str> = v.split_whitespace().collect();
    let nums: Vec<f64> = parts
        .iter()
        .map(|p| p.parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()
        .unwrap_or_default();
    if !(2..=4).contains(&parts.len()) || nums.len() != parts.len() {
        return Err((
            "Hãy nhập một vị trí dạng `vĩ độ kinh độ [độ cao] [độ chính xác]`.".into(),
            "Enter a location as `latitude longitude [altitude] [accuracy]`.".into(),
        ));
    }
    if !(-90.0..=90.0).contains(&nums[0]) {
        return Err((
            "Vĩ độ phải nằm trong khoảng từ -90 đến 90.".into(),
            "The latitude must be between -90 and 90.".into(),
        ));
    }
    if !(-180.0..=180.0).contains(&nums[1]) {
        return Err((
            "Kinh độ phải nằm trong khoảng từ -180 đến 180.".into(),
            "The longitude must be between -180 and 180.".into(),
        ));
    }
    Ok(nums)
}

/// True for an attachment name without a path: letters, digits, `.`, `-`, `_`, not `.` or `..`.
pub fn is_plain_file_name(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 255
        && v != "."
        && v != ".."
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}
