//! The `parameters` column: pyxform's checks for media, audit and geo questions, and the
//! `start`/`end`/`step` of a range.

use super::Checker;
use crate::diag::{DiagKind, Place};
use crate::model::{Question, QuestionType};
use crate::value::str_to_number;

impl<'a> Checker<'a> {
    /// pyxform's checks of the parameters of media, audit and geo questions.
    pub(super) fn media_params(&mut self, q: &Question, place: &Place) {
        let Some(raw) = q.parameters.as_deref().filter(|p| !p.trim().is_empty()) else {
            return;
        };
        let params = parse_parameters(raw);
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let accepted: &[&str] = match q.kind {
            QuestionType::Image => &["max-pixels", "app"],
            QuestionType::Audio => &["quality"],
            QuestionType::Audit => &[
                "track-changes",
                "track-changes-reasons",
                "identify-user",
                "location-priority",
                "location-min-interval",
                "location-max-age",
            ],
            QuestionType::Geopoint => &[
                "allow-mock-accuracy",
                "capture-accuracy",
                "warning-accuracy",
                "reference-geometry",
            ],
            QuestionType::Geotrace | QuestionType::Geoshape => {
                &["allow-mock-accuracy", "incremental", "reference-geometry"]
            }
            _ => return,
        };
        let mut problems: Vec<(String, String)> = Vec::new();
        if raw
            .split([' ', '\t', ',', ';'])
            .any(|kv| !kv.is_empty() && !kv.contains('='))
        {
            problems.push((
                format!("parameters must be `name=value` pairs, not `{raw}`"),
                format!("tham số phải là các cặp `tên=giá trị`, không phải `{raw}`"),
            ));
        }
        for (k, _) in &params {
            if !accepted.contains(&k.as_str()) {
                let list = accepted.join(", ");
                problems.push((
                    format!("parameter `{k}` is not accepted here (accepted: {list})"),
                    format!("không chấp nhận tham số `{k}` ở đây (được chấp nhận: {list})"),
                ));
            }
        }
        let int = |k: &str| get(k).map(|v| v.parse::<i64>().ok().filter(|n| *n >= 0));
        let one_of = |k: &str, allowed: &[&str], problems: &mut Vec<(String, String)>| {
            if let Some(v) = get(k)
                && !allowed.contains(&v)
            {
                let list = allowed.join(", ");
                problems.push((
                    format!("parameter `{k}` must be one of {list}, not `{v}`"),
                    format!("tham số `{k}` phải là một trong {list}, không phải `{v}`"),
                ));
            }
        };
        match q.kind {
            QuestionType::Image => {
                if let Some(None) = int("max-pixels") {
                    problems.push((
                        "parameter `max-pixels` must be a whole number".into(),
                        "tham số `max-pixels` phải là một số nguyên".into(),
                    ));
                }
            }
            QuestionType::Audio => one_of(
                "quality",
                &["voice-only", "low", "normal", "external"],
                &mut problems,
            ),
            QuestionType::Geopoint | QuestionType::Geotrace | QuestionType::Geoshape => {
                one_of("allow-mock-accuracy", &["true", "false"], &mut problems);
                one_of("incremental", &["true"], &mut problems);
                for k in ["capture-accuracy", "warning-accuracy"] {
                    if get(k).is_some_and(|v| v.parse::<f64>().is_err()) {
                        problems.push((
                            format!("parameter `{k}` must be a number"),
                            format!("tham số `{k}` phải là một số"),
                        ));
                    }
                }
            }
            QuestionType::Audit => {
                one_of("track-changes", &["true", "false"], &mut problems);
                one_of("identify-user", &["true", "false"], &mut problems);
                one_of("track-changes-reasons", &["on-form-edit"], &mut problems);
                let loc = [
                    "location-priority",
                    "location-min-interval",
                    "location-max-age",
                ];
                let given = loc.iter().filter(|k| get(k).is_some()).count();
                if given > 0 && given < 3 {
                    problems.push((
                        "to log locations in the audit, `location-priority`, `location-min-interval` and `location-max-age` are all required".into(),
                        "để ghi vị trí trong nhật ký, cần đủ cả `location-priority`, `location-min-interval` và `location-max-age`".into(),
                    ));
                } else if given == 3 {
                    one_of(
                        "location-priority",
                        &["no-power", "low-power", "balanced", "high-accuracy"],
                        &mut problems,
                    );
                    match (int("location-min-interval"), int("location-max-age")) {
                        (Some(Some(min)), Some(Some(max))) if max >= min => {}
                        (Some(Some(_)), Some(Some(_))) => problems.push((
                            "`location-max-age` must be at least `location-min-interval`".into(),
                            "`location-max-age` phải lớn hơn hoặc bằng `location-min-interval`".into(),
                        )),
                        _ => problems.push((
                            "`location-min-interval` and `location-max-age` must be whole numbers ≥ 0".into(),
                            "`location-min-interval` và `location-max-age` phải là số nguyên ≥ 0".into(),
                        )),
                    }
                }
            }
            _ => {}
        }
        for (en, vi) in problems {
            self.push(
                DiagKind::Type,
                Place {
                    property: Some("parameters".into()),
                    ..place.clone()
                },
                en,
                vi,
            );
        }
    }

    pub(super) fn range_params(&mut self, q: &Question, place: &Place) -> Option<(f64, f64, f64)> {
        let (mut start, mut end, mut step) = (1.0, 10.0, 1.0);
        let mut ok = true;
        for kv in q
            .parameters
            .as_deref()
            .unwrap_or("")
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        {
            if kv.is_empty() {
                continue;
            }
            let Some((k, v)) = kv.split_once('=') else {
                ok = false;
                continue;
            };
            let n = str_to_number(v);
            match k.trim() {
                "start" if !n.is_nan() => start = n,
                "end" if !n.is_nan() => end = n,
                "step" if !n.is_nan() && n > 0.0 => step = n,
                _ => ok = false,
            }
        }
        if !ok {
            self.push(
                DiagKind::Type,
                Place { property: Some("parameters".into()), ..place.clone() },
                format!("range parameters must be `start=… end=… step=…` with numbers, not `{}`", q.parameters.as_deref().unwrap_or("")),
                format!("tham số của thang đo phải có dạng `start=… end=… step=…` với các số, không phải `{}`", q.parameters.as_deref().unwrap_or("")),
            );
            return None;
        }
        Some((start, end, step))
    }
}

/// XLSForm `parameters` as pyxform reads them: `key=value` pairs separated by spaces, `,` or
/// `;`; keys lower-cased, values lower-cased except `label` and `value`.
pub fn parse_parameters(raw: &str) -> Vec<(String, String)> {
    raw.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter_map(|kv| kv.split_once('='))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .map(|(k, v)| {
            let k = k.to_lowercase();
            let v = if k == "label" || k == "value" {
                v.to_string()
            } else {
                v.to_lowercase()
            };
            (k, v)
        })
        .collect()
}
