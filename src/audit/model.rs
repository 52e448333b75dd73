//! Audit log domain types: who acted, the entry, the page's filters, what the page shows of a
//! detail.

use chrono::{DateTime, NaiveDate, Utc};

/// Who is acting, from where.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    /// The user, when logged in.
    pub user_id: Option<i64>,
    /// Login name (or what was typed at a failed login).
    pub username: String,
    /// Client address.
    pub ip: String,
}

/// One recorded action.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditEntry {
    /// Id.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (login name at the time).
    pub username: String,
    /// What (`unit_update`, `login`, …).
    pub action: String,
    /// Kind of object.
    pub object_type: String,
    /// Its id.
    pub object_id: String,
    /// The unit concerned.
    pub unit_id: Option<i64>,
    /// Client address.
    pub ip: String,
    /// Details (JSON).
    pub detail: String,
}

/// Filters of the audit page; empty fields do not filter.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AuditFilter {
    /// Login name, exact.
    #[serde(default)]
    pub user: String,
    /// Action, exact.
    #[serde(default)]
    pub action: String,
    /// From this day.
    #[serde(default)]
    pub from: String,
    /// To this day (inclusive).
    #[serde(default)]
    pub to: String,
    /// Page number from 1 (parsed by `kit::bounds::PageNo`).
    #[serde(default)]
    pub page: String,
}

impl AuditFilter {
    /// The day bounds, ignoring unparsable ones.
    pub fn days(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        let parse = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        (parse(&self.from), parse(&self.to))
    }
}

/// Keys of entry details whose values are free text or personal data (answers, comments, notes,
/// addresses), masked on the audit page whoever reads it: the page tells that something was done,
/// by whom and when, not what a person said or how to reach them (issue 13, class 4).
const MASKED_KEYS: &[&str] = &[
    "address",
    "answers",
    "comment",
    "data",
    "email",
    "from_value",
    "name_full",
    "note",
    "phone",
    "reason",
    "text",
    "to_value",
    "value",
    "values",
];

/// Keys of the items of a `changes` list that are kept (which field changed, never its values).
const CHANGE_KEYS: &[&str] = &["question", "instance", "field"];

/// What the audit page shows of an entry's detail (JSON): nothing when the reader may not read the
/// entry's object (`readable`), otherwise the detail with personal data and free text masked as
/// `"…"`: keys of [`MASKED_KEYS`], any string that looks like an e-mail address or a phone number,
/// and the values in a `changes` list (only which field changed is kept).
pub fn redact_detail(detail: &str, readable: bool) -> Option<String> {
    if !readable {
        return None;
    }
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(detail) else {
        return Some(String::new());
    };
    redact_value(None, &mut value);
    Some(value.to_string())
}

fn redact_value(key: Option<&str>, value: &mut serde_json::Value) {
    use serde_json::Value;
    let masked = || Value::String("…".into());
    if let Some(k) = key
        && MASKED_KEYS.contains(&k)
    {
        *value = masked();
        return;
    }
    match value {
        Value::String(s) if looks_personal(s) => *value = masked(),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "changes"
                    && let Value::Array(items) = v
                {
                    for item in items.iter_mut() {
                        match item {
                            Value::Object(change) => {
                                change.retain(|ck, _| CHANGE_KEYS.contains(&ck.as_str()));
                                for (ck, cv) in change.iter_mut() {
                                    redact_value(Some(ck), cv);
                                }
                            }
                            other => *other = masked(),
                        }
                    }
                } else {
                    redact_value(Some(k), v);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                redact_value(None, item);
            }
        }
        _ => {}
    }
}

/// An e-mail address, or eight digits or more with only phone punctuation (a phone or
/// identity-card number; dates and periods keep their dashes).
fn looks_personal(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let phone_like = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '.' | '(' | ')'));
    s.contains('@') || (digits >= 8 && phone_like)
}

#[cfg(test)]
mod tests {
    use super::redact_detail;

    fn check(detail: &str, expected: &str) {
        assert_eq!(
            redact_detail(detail, true).as_deref(),
            Some(expected),
            "{detail}"
        );
    }

    #[test]
    fn personal_data_and_free_text_are_masked() {
        check(r#"{"role":"reporter"}"#, r#"{"role":"reporter"}"#);
        check(
            r#"{"name":"Khu vực 9","code":"31135-09"}"#,
            r#"{"code":"31135-09","name":"Khu vực 9"}"#,
        );
        check(r#"{"to":"ai@example.org"}"#, r#"{"to":"…"}"#);
        check(
            r#"{"from":"draft","to":"returned","comment":"Ông A nói"}"#,
            r#"{"comment":"…","from":"draft","to":"returned"}"#,
        );
        check(r#"{"contact":"0912345678"}"#, r#"{"contact":"…"}"#);
        check(r#"{"period":"2026-03"}"#, r#"{"period":"2026-03"}"#);
        check(
            r#"{"survey":3,"changes":[{"question":"q1","instance":"","from":"Có","to":"Không"}]}"#,
            r#"{"changes":[{"instance":"","question":"q1"}],"survey":3}"#,
        );
        check(
            r#"{"note":"x","streams":[1,2]}"#,
            r#"{"note":"…","streams":[1,2]}"#,
        );
        assert_eq!(redact_detail(r#"{"role":"x"}"#, false), None);
    }
}
