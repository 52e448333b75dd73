//! Unit tests of the telephone rules: outcomes to AAPOR codes, final dispositions, calling hours
//! and the settings form.

use chrono::TimeZone;

use super::*;

#[test]
fn outcomes_map_to_aapor_telephone_codes() {
    let codes: Vec<(&str, &str)> = Outcome::ALL
        .iter()
        .map(|o| (o.key(), o.disposition().key()))
        .collect();
    assert_eq!(
        codes,
        [
            ("no_answer", "3.13"),
            ("busy", "3.12"),
            ("machine", "3.14"),
            ("refusal", "2.11"),
            ("appointment", "2.21"),
            ("wrong_number", "4.30"),
            ("not_eligible", "4.10"),
            ("completed", "1.1"),
            ("partial", "1.2"),
            ("break_off", "2.12"),
            ("quota_full", "4.80"),
        ]
    );
    let finals: Vec<bool> = Outcome::ALL
        .iter()
        .map(|o| is_final(o.disposition()))
        .collect();
    assert_eq!(
        finals,
        [
            false, false, false, true, false, true, true, true, true, true, true
        ]
    );
    assert!(!is_final(Disposition::NotReturned));
    assert!(final_keys_sql().contains("'4.30'"));
}

#[test]
fn calling_hours_are_vietnam_time_and_settings_are_checked() {
    let s = Settings::default();
    // 01:00 UTC is 08:00 in Vietnam; 14:00 UTC is 21:00.
    assert!(s.within_hours(Utc.with_ymd_and_hms(2026, 12, 4, 1, 0, 0).unwrap()));
    assert!(!s.within_hours(Utc.with_ymd_and_hms(2026, 12, 4, 0, 59, 0).unwrap()));
    assert!(!s.within_hours(Utc.with_ymd_and_hms(2026, 12, 4, 14, 0, 0).unwrap()));
    assert_eq!(
        Settings::parse("3", "0", "24", "0"),
        Ok(Settings {
            max_attempts: 3,
            hours_from: 0,
            hours_to: 24,
            retry_minutes: 0
        })
    );
    assert_eq!(
        Settings::parse("0", "8", "20", "60"),
        Err("phone-error-max")
    );
    assert_eq!(
        Settings::parse("5", "20", "8", "60"),
        Err("phone-error-hours")
    );
    assert_eq!(
        Settings::parse("5", "8", "20", "-1"),
        Err("phone-error-retry")
    );
}

#[test]
fn the_console_shows_the_interviewer_wording_and_guidance() {
    use crate::web::i18n::{Lang, Tr};
    let form = serde_json::json!({
        "id": "t", "version": "1", "title": "T", "default_language": "English (en)",
        "items": [
            {"kind": "question", "name": "age", "type": "integer",
             "label": {"English (en)": "Your age?"},
             "interviewer_label": {"English (en)": "Ask: how old is the respondent?"},
             "guidance_hint": {"English (en)": "Round down to whole years."}}
        ],
        "choices": []
    });
    let form = duluan_forms::Form::from_json(&form.to_string()).unwrap();
    let engine = duluan_forms::Engine::from_form(&form).unwrap();
    let tr = Tr(Lang::En);
    let record = duluan_forms::Record::new();
    let step = crate::surveys::respondent::show(
        &engine,
        &record,
        "",
        false,
        &console::interviewer_options(tr),
    );
    assert_eq!(step.questions[0].label, "Ask: how old is the respondent?");
    assert_eq!(step.questions[0].guidance, "Round down to whole years.");
    let web = crate::surveys::respondent::show(
        &engine,
        &record,
        "",
        false,
        &crate::surveys::respondent::options(tr),
    );
    assert_eq!(web.questions[0].label, "Your age?");
    assert!(web.questions[0].guidance.is_empty());
}
