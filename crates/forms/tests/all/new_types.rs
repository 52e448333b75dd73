//! Geo, media, barcode and metadata questions: engine validation (messages in Vietnamese and
//! English), XForm binds and controls as pyxform writes them, instances (media answers as
//! files, `meta/audit`), the XLSForm import's leniency (warnings, `or_other`, Excel dates,
//! settings, refusals of what duluan does not support yet), and the verdict corpus
//! (`tests/verdicts/forms.rs`; pyxform's side is `ci/xlsform-verdicts.sh`).

#[path = "../verdicts/forms.rs"]
mod forms;

use crate::util::{answers, engine, form, opts, sheet, try_form};
use crate::xform::{bind, binds, checked, control, instance, settings, xform};
use duluan_forms::xform::{read_instance, to_xform, write_instance};
use duluan_forms::xlsform::{import_sheets_with_warnings, import_xlsx_with_warnings};
use duluan_forms::{Answer, DiagKind, QuestionType, check_form};
use forms::Expect;

const ALL: &[&[&str]] = &[
    &["type", "name", "label", "parameters"],
    &["start", "start", "", ""],
    &["end", "end", "", ""],
    &["today", "today", "", ""],
    &["deviceid", "deviceid", "", ""],
    &["username", "username", "", ""],
    &[
        "audit",
        "audit",
        "",
        "track-changes=true identify-user=false",
    ],
    &["geopoint", "gp", "Where", ""],
    &["geotrace", "gt", "Line", ""],
    &["geoshape", "gs", "Shape", ""],
    &["image", "img", "Photo", "max-pixels=1024"],
    &["audio", "au", "Audio", "quality=voice-only"],
    &["video", "vi", "Video", ""],
    &["file", "fi", "File", ""],
    &["barcode", "bc", "Code", ""],
];

#[test]
fn kinds_and_flags() {
    use QuestionType as Q;
    let all = [
        (Q::Geopoint, "geopoint", false, false),
        (Q::Geotrace, "geotrace", false, false),
        (Q::Geoshape, "geoshape", false, false),
        (Q::Image, "image", true, false),
        (Q::Audio, "audio", true, false),
        (Q::Video, "video", true, false),
        (Q::File, "file", true, false),
        (Q::Barcode, "barcode", false, false),
        (Q::Start, "start", false, true),
        (Q::End, "end", false, true),
        (Q::Today, "today", false, true),
        (Q::DeviceId, "deviceid", false, true),
        (Q::Username, "username", false, true),
        (Q::Audit, "audit", true, true),
    ];
    for (t, s, media, meta) in all {
        assert_eq!(t.to_string(), s);
        assert_eq!(Q::parse(s), Some(t.clone()));
        assert_eq!(Q::parse(&s.to_uppercase()), Some(t.clone()));
        assert_eq!(t.is_media(), media, "{s}");
        assert_eq!(t.is_metadata(), meta, "{s}");
        assert_eq!(t.is_input(), !meta, "{s}");
        assert_eq!(t.is_shown(), !meta, "{s}");
        // Stored JSON: the XLSForm string.
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, format!("\"{s}\""));
        assert_eq!(serde_json::from_str::<Q>(&json).unwrap(), t);
    }
    for (alias, t) in [
        ("gps", Q::Geopoint),
        ("location", Q::Geopoint),
        ("photo", Q::Image),
        ("add image prompt", Q::Image),
        ("q geoshape", Q::Geoshape),
        ("add barcode prompt", Q::Barcode),
        ("imei", Q::DeviceId),
        ("start time", Q::Start),
        ("get today", Q::Today),
    ] {
        assert_eq!(Q::parse(alias), Some(t), "{alias}");
    }
}

fn issue(survey: &[&[&str]], name: &str, value: &str) -> Option<(String, String)> {
    let e = engine(survey, &[]);
    let en = e.evaluate(&answers(&[(name, value)]), &opts("en"));
    let vi = e.evaluate(&answers(&[(name, value)]), &opts("vi"));
    let m = |ev: &duluan_forms::Evaluation| {
        ev.question(name)
            .unwrap()
            .issue
            .as_ref()
            .map(|i| i.message.clone())
    };
    match (m(&en), m(&vi)) {
        (Some(a), Some(b)) => Some((a, b)),
        (None, None) => None,
        other => panic!("{other:?}"),
    }
}

#[test]
fn geo_values_are_checked() {
    let ok = [
        ("gp", "21.0285 105.8542"),
        ("gp", "21.0285 105.8542 12.5 4"),
        ("gp", "-90 180 0 0"),
        ("gt", "21 105 0 0;21.1 105.1 0 0"),
        ("gt", "21 105;21.1 105.1;"),
        ("gs", "21 105 0 0;21.1 105 0 0;21.1 105.1 0 0;21 105 0 0"),
    ];
    for (n, v) in ok {
        assert_eq!(issue(ALL, n, v), None, "{n}={v}");
    }
    let bad = [
        (
            "gp",
            "21.0285",
            "Enter a location as `latitude longitude [altitude] [accuracy]`.",
        ),
        (
            "gp",
            "abc def",
            "Enter a location as `latitude longitude [altitude] [accuracy]`.",
        ),
        (
            "gp",
            "1 2 3 4 5",
            "Enter a location as `latitude longitude [altitude] [accuracy]`.",
        ),
        ("gp", "91 105", "The latitude must be between -90 and 90."),
        (
            "gp",
            "21 -180.5",
            "The longitude must be between -180 and 180.",
        ),
        (
            "gp",
            "21 105 high",
            "Enter a location as `latitude longitude [altitude] [accuracy]`.",
        ),
        (
            "gt",
            "21 105 0 0",
            "A line needs at least 2 points, separated by `;`.",
        ),
        (
            "gt",
            "21 105;95 105",
            "Point 2: The latitude must be between -90 and 90.",
        ),
        (
            "gs",
            "21 105;21.1 105;21 105",
            "A shape needs at least 4 points, the last one equal to the first.",
        ),
        (
            "gs",
            "21 105;21.1 105;21.1 105.1;21.2 105",
            "A shape needs at least 4 points, the last one equal to the first.",
        ),
    ];
    for (n, v, en) in bad {
        let (got_en, got_vi) = issue(ALL, n, v).unwrap_or_else(|| panic!("{n}={v} accepted"));
        assert_eq!(got_en, en, "{n}={v}");
        assert_ne!(got_vi, got_en);
        assert!(!got_vi.is_ascii(), "{got_vi}");
    }
}

#[test]
fn media_values_are_plain_file_names() {
    for v in ["1712345678901.jpg", "ảnh_nhà-1.png", "audit.csv"] {
        assert_eq!(issue(ALL, "img", v), None, "{v}");
    }
    for v in [
        "../etc/passwd",
        "a/b.jpg",
        "C:\\x.jpg",
        "..",
        "a b.jpg",
        "x;y.jpg",
    ] {
        let (en, vi) = issue(ALL, "img", v).unwrap_or_else(|| panic!("{v} accepted"));
        assert!(
            en.starts_with("An attachment must be a plain file name"),
            "{en}"
        );
        assert!(vi.starts_with("Tệp đính kèm"), "{vi}");
    }
    // The audit log is not shown, but a bad file name is still an issue.
    assert!(issue(ALL, "audit", "../audit.csv").is_some());
    // Barcode: any text.
    assert_eq!(issue(ALL, "bc", "0123 ABC/xyz"), None);
}

#[test]
fn metadata_is_not_shown_nor_required() {
    let e = engine(ALL, &[]);
    let ev = e.evaluate(&answers(&[]), &opts("en"));
    for p in &ev.pages {
        for &i in &p.questions {
            assert!(
                !ev.questions[i].kind.is_metadata(),
                "{}",
                ev.questions[i].name
            );
        }
    }
    assert!(ev.is_complete());
    // Values the client fills are kept in the record to store.
    let sent = answers(&[
        ("start", "2026-12-05T09:00:00.000+07:00"),
        ("deviceid", "collect:abc123"),
        ("audit", "audit.csv"),
    ]);
    let ev = e.evaluate(&sent, &opts("en"));
    for (k, v) in &sent {
        assert_eq!(ev.record.get(k), Some(v), "{k}");
    }
}

#[test]
fn xform_binds_and_controls_as_pyxform() {
    let x = xform(ALL, &[]);
    let r = "/t";
    let p = |n: &str| format!("{r}/{n}");
    let b = binds(&x);
    let expect = [
        ("start", "dateTime", Some(("timestamp", "start"))),
        ("end", "dateTime", Some(("timestamp", "end"))),
        ("today", "date", Some(("date", "today"))),
        ("deviceid", "string", Some(("property", "deviceid"))),
        ("username", "string", Some(("property", "username"))),
        ("gp", "geopoint", None),
        ("gt", "geotrace", None),
        ("gs", "geoshape", None),
        ("img", "binary", None),
        ("au", "binary", None),
        ("vi", "binary", None),
        ("fi", "binary", None),
        ("bc", "barcode", None),
    ];
    for (n, ty, preload) in expect {
        let a = b.get(&p(n)).unwrap_or_else(|| panic!("no bind {n}: {b:?}"));
        assert_eq!(a.get("type").map(String::as_str), Some(ty), "{n}");
        assert_eq!(
            a.get("jr:preload").map(String::as_str),
            preload.map(|x| x.0),
            "{n}"
        );
        assert_eq!(
            a.get("jr:preloadParams").map(String::as_str),
            preload.map(|x| x.1),
            "{n}"
        );
    }
    // The audit is meta/audit, with its parameters as odk: attributes.
    let audit = b.get(&p("meta/audit")).expect("meta/audit bind");
    assert_eq!(audit.get("type").unwrap(), "binary");
    assert_eq!(audit.get("odk:track-changes").unwrap(), "true");
    assert_eq!(audit.get("odk:identify-user").unwrap(), "false");
    assert!(!b.contains_key(&p("audit")));
    assert!(instance(&x).iter().any(|l| l.starts_with("/t/meta/audit")));
    assert_eq!(
        bind(&x, &p("au"), "odk:quality").as_deref(),
        Some("voice-only")
    );
    assert!(x.contains("orx:max-pixels=\"1024\""), "{x}");
    for (n, m) in [
        ("img", "image/*"),
        ("au", "audio/*"),
        ("vi", "video/*"),
        ("fi", "application/*"),
    ] {
        let (tag, a) = control(&x, &p(n));
        assert_eq!(
            (tag.as_str(), a.get("mediatype").map(String::as_str)),
            ("upload", Some(m))
        );
    }
    for n in ["gp", "gt", "gs", "bc"] {
        assert_eq!(control(&x, &p(n)).0, "input");
    }
    // Metadata has no control.
    let body = &x[x.find("<h:body").unwrap()..];
    for n in ["start", "end", "today", "deviceid", "username", "audit"] {
        assert!(!body.contains(&format!("ref=\"{}\"", p(n))), "{n}");
    }
}

const DEVICE: &[&[&str]] = &[
    &["type", "name", "label"],
    &["phonenumber", "phone", ""],
    &["get sim id", "sim", ""],
    &["subscriberid", "sub", ""],
    &["email", "mail", ""],
    &["start-geopoint", "where", ""],
    &["background-audio", "rec", ""],
    &["uri:username", "user", ""],
    &["text", "a", "A"],
];

#[test]
fn device_metadata_imports_but_what_identifies_a_phone_is_never_kept() {
    use QuestionType as Q;
    for (s, t, never_kept) in [
        ("phonenumber", Q::PhoneNumber, true),
        ("simserial", Q::SimSerial, true),
        ("subscriberid", Q::SubscriberId, true),
        ("email", Q::Email, true),
        ("start-geopoint", Q::StartGeopoint, false),
        ("background-audio", Q::BackgroundAudio, true),
    ] {
        assert_eq!(t.to_string(), s);
        assert_eq!(Q::parse(s), Some(t.clone()));
        assert!(t.is_metadata() && !t.is_shown() && !t.is_input(), "{s}");
        assert_eq!(t.is_never_kept(), never_kept, "{s}");
        assert!(!t.is_media(), "{s}");
    }
    // Imported with a warning for each value dropped and for the recording not published.
    let sheets = [sheet("survey", DEVICE)];
    let (mut form, w) = import_sheets_with_warnings(&sheets).unwrap();
    form.id = "device_metadata".into();
    assert_eq!(w.len(), 5, "{w:?}");
    assert!(w.iter().all(|d| d.kind == DiagKind::Warning));
    assert!(
        w[0].message_en.contains("not kept") && w[0].message_vi.contains("không lưu"),
        "{:?}",
        w[0]
    );
    assert_eq!(w[0].place.row, Some(2));
    assert!(w[4].message_en.contains("not published"), "{:?}", w[4]);
    // The XForm as pyxform's: property preloads, the first-load location, no recording action.
    let checked = check_form(&form).unwrap();
    let x = to_xform(&checked, &settings(&checked));
    let b = binds(&x);
    let root = b
        .keys()
        .find_map(|k| k.strip_suffix("/phone"))
        .unwrap_or_else(|| panic!("no bind of phone: {b:?}"))
        .to_string();
    for (n, param) in [
        ("phone", "phonenumber"),
        ("sim", "simserial"),
        ("sub", "subscriberid"),
        ("mail", "email"),
        ("user", "username"),
    ] {
        let a = &b[&format!("{root}/{n}")];
        assert_eq!(a.get("jr:preload").map(String::as_str), Some("property"));
        assert_eq!(a.get("jr:preloadParams").map(String::as_str), Some(param));
    }
    assert_eq!(b[&format!("{root}/where")]["type"], "geopoint");
    assert_eq!(b[&format!("{root}/rec")]["type"], "binary");
    assert!(
        x.contains(&format!(
            r#"<odk:setgeopoint ref="{root}/where" event="odk-instance-first-load"/>"#
        )),
        "{x}"
    );
    assert!(!x.contains("recordaudio"), "{x}");
    // A device's instance: the identifying values are dropped on reading, the location kept and
    // checked as a geopoint.
    let sent = answers(&[
        ("phone", "+84901234567"),
        ("sim", "8984012345678901234"),
        ("sub", "452041234567890"),
        ("mail", "ai@example.vn"),
        ("where", "10.03 105.78 3 5"),
        ("rec", "rec.m4a"),
        ("a", "x"),
    ]);
    let xml = write_instance(&checked, &sent, "uuid:7");
    let inst = read_instance(&checked, xml.as_bytes()).unwrap();
    assert_eq!(
        inst.record,
        answers(&[("where", "10.03 105.78 3 5"), ("a", "x")])
    );
    assert!(inst.files.is_empty());
    assert!(issue(DEVICE, "where", "500 105").is_some());
    assert_eq!(issue(DEVICE, "where", "10.03 105.78"), None);
}

#[test]
fn instances_give_files() {
    let f = checked(ALL, &[]);
    let mut r = answers(&[
        ("start", "2026-12-05T09:00:00.000+07:00"),
        ("today", "2026-12-05"),
        ("gp", "21.0285 105.8542 12 5"),
        ("gt", "21 105 0 0;21.1 105.1 0 0"),
        ("img", "1712345678901.jpg"),
        ("au", "rec.m4a"),
        ("bc", "8935049500124"),
    ]);
    r.insert("audit".into(), Answer::Value("audit.csv".into()));
    let xml = write_instance(&f, &r, "uuid:9");
    assert!(
        xml.contains("<meta><audit>audit.csv</audit><instanceID>"),
        "{xml}"
    );
    let inst = read_instance(&f, xml.as_bytes()).unwrap();
    assert_eq!(inst.record, r);
    assert_eq!(inst.files, ["1712345678901.jpg", "rec.m4a", "audit.csv"]);
    // A path in a media answer is refused, with where.
    let bad = xml.replace("1712345678901.jpg", "../../x.jpg");
    let e = read_instance(&f, bad.as_bytes()).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("/t/img"));
    let bad = xml.replace("<audit>audit.csv", "<audit>/tmp/audit.csv");
    let e = read_instance(&f, bad.as_bytes()).unwrap_err();
    assert_eq!(e.path.as_deref(), Some("/t/meta/audit"));
}

#[test]
fn audit_rules() {
    // Named otherwise: pyxform's error, on the name cell.
    let e = try_form(
        &[
            &["type", "name", "label"],
            &["audit", "log", ""],
            &["text", "t", "T"],
        ],
        &[],
    )
    .unwrap_err();
    assert_eq!(
        (e[0].place.row, e[0].place.column.as_deref()),
        (Some(2), Some("name"))
    );
    // A blank name is `audit`.
    let f = form(
        &[
            &["type", "name", "label"],
            &["audit", "", ""],
            &["text", "t", "T"],
        ],
        &[],
    );
    assert_eq!(f.questions()[0].name, "audit");
    // Inside a repeat: refused.
    let e = try_form(
        &[
            &["type", "name", "label"],
            &["begin repeat", "r", "R"],
            &["audit", "", ""],
            &["text", "t", "T"],
            &["end repeat", "", ""],
        ],
        &[],
    )
    .unwrap_err();
    assert_eq!(e[0].message_en, "the audit cannot be inside a repeat");
}

#[test]
fn or_other_adds_a_choice_and_a_question() {
    let f = form(
        &[
            &["type", "name", "label"],
            &["select_one fruit or_other", "fruit", "Fruit"],
            &["select_multiple fruit or_other", "fruits", "Fruits"],
        ],
        &[
            &["list_name", "name", "label"],
            &["fruit", "mango", "Mango"],
        ],
    );
    let names: Vec<&str> = f.questions().iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["fruit", "fruit_other", "fruits", "fruits_other"]);
    let other = f.questions()[1];
    assert_eq!(other.kind, QuestionType::Text);
    assert_eq!(
        other.relevant.as_deref(),
        Some("selected(${fruit}, 'other')")
    );
    assert_eq!(
        f.questions()[0].kind,
        QuestionType::SelectOne("fruit".into())
    );
    let list = f.list("fruit").unwrap();
    assert_eq!(list.choices.len(), 2, "one `other`, shared");
    assert_eq!(list.choices[1].name, "other");
    // It survives export and import unchanged.
    let again = duluan_forms::xlsform::import_sheets(&duluan_forms::xlsform::export_sheets(&f));
    assert_eq!(again.unwrap(), f);
    // The engine asks `fruit_other` only when `other` is chosen.
    let e = duluan_forms::Engine::new(check_form(&f).unwrap());
    let ev = e.evaluate(&answers(&[("fruit", "other")]), &opts("en"));
    assert!(ev.question("fruit_other").unwrap().relevant);
    let ev = e.evaluate(&answers(&[("fruit", "mango")]), &opts("en"));
    assert!(!ev.question("fruit_other").unwrap().relevant);
}

#[test]
fn warnings_are_not_errors() {
    let (f, w) = import_sheets_with_warnings(&[
        sheet(
            "survey",
            &[
                &["type", "name", "label"],
                &["select_one yn", "ok", "OK?"],
                &["image", "p", "P"],
            ],
        ),
        sheet(
            "choices",
            &[&["list_name", "name", "label"], &["yn", "yes", ""]],
        ),
        sheet(
            "settings",
            &[
                &["form_id", "submission_url"],
                &["f", "https://x.example/submission"],
            ],
        ),
    ])
    .unwrap();
    assert_eq!(f.id, "f");
    let places: Vec<(Option<&str>, Option<usize>, Option<&str>)> = w
        .iter()
        .map(|d| {
            (
                d.place.sheet.as_deref(),
                d.place.row,
                d.place.column.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            (Some("choices"), Some(2), Some("label")),
            (Some("settings"), Some(2), Some("submission_url")),
            (Some("survey"), Some(3), Some("type")),
        ]
    );
    assert!(
        w.iter()
            .all(|d| d.kind == DiagKind::Warning && d.is_warning())
    );
    // The engine shows the choice's name where it has no label.
    let e = duluan_forms::Engine::new(check_form(&f).unwrap());
    let ev = e.evaluate(&answers(&[]), &opts("en"));
    assert_eq!(ev.question("ok").unwrap().choices[0].label, "yes");
}

#[test]
fn external_selects_say_what_to_use_instead() {
    let e = try_form(
        &[
            &["type", "name", "label"],
            &["select_one_external villages", "x", "X"],
        ],
        &[],
    )
    .unwrap_err();
    assert!(e[0].message_en.contains("select_one_from_file"), "{e:?}");
    assert!(e[0].message_vi.contains("chưa hỗ trợ"), "{e:?}");
}

#[test]
fn verdict_corpus() {
    let mut seen = 0;
    for f in forms::forms() {
        // Only a form both accept can have its XForm comparison skipped.
        assert!(f.no_compare.is_none() || matches!(f.expect, Expect::Accept { .. }));
        let got = import_xlsx_with_warnings(&forms::xlsx(&f));
        match (&f.expect, got) {
            (Expect::Accept { warnings }, Ok((form, w))) => {
                assert_eq!(w.len(), *warnings, "{}: {w:?}", f.name);
                let checked = check_form(&form).unwrap();
                let x = to_xform(&checked, &settings(&checked));
                roxmltree::Document::parse(&x).unwrap();
            }
            (
                Expect::Refuse { sheet, row, column } | Expect::Unsupported { sheet, row, column },
                Err(e),
            ) => {
                let p = &e[0].place;
                assert_eq!(
                    (p.sheet.as_deref(), p.row, p.column.as_deref()),
                    (Some(*sheet), Some(*row), Some(*column)),
                    "{}: {e:?}",
                    f.name
                );
            }
            (expect, got) => panic!("{}: expected {expect:?}, got {got:?}", f.name),
        }
        seen += 1;
    }
    assert!(seen >= 30);
}

#[test]
fn excel_dates_in_default() {
    let f = forms::forms()
        .into_iter()
        .find(|f| f.name == "excel_dates_in_default")
        .unwrap();
    let (form, _) = import_xlsx_with_warnings(&forms::xlsx(&f)).unwrap();
    let d: Vec<Option<&str>> = form
        .questions()
        .iter()
        .map(|q| q.default.as_deref())
        .collect();
    assert_eq!(
        d,
        [
            Some("2024-01-05"),
            Some("08:30:00"),
            Some("2024-01-05T08:30:00"),
            Some("2024-02-29")
        ]
    );
}

#[test]
fn meta_and_the_case_field_are_reserved_at_the_top_of_a_form() {
    for name in ["meta", "duluan_case"] {
        let errs = try_form(&[&["type", "name", "label"], &["text", name, "X"]], &[]).unwrap_err();
        assert!(
            errs.iter()
                .any(|d| d.kind == DiagKind::InvalidName && d.message_en.contains("reserved")),
            "{name}: {errs:?}"
        );
    }
    // Inside a group the name is the group's own: allowed.
    let f = try_form(
        &[
            &["type", "name", "label"],
            &["begin group", "g", "G"],
            &["text", "meta", "X"],
            &["end group", "", ""],
        ],
        &[],
    );
    assert!(f.is_ok(), "{f:?}");
}

#[test]
fn odk_functions_compute_ids_draws_digests_areas_and_lengths() {
    let survey: &[&[&str]] = &[
        &["type", "name", "label", "calculation"],
        &["geoshape", "plot", "Plot", ""],
        &["geotrace", "path", "Path", ""],
        &["text", "said", "Said", ""],
        &["calculate", "key", "", "once(uuid())"],
        &["calculate", "code", "", "uuid(12)"],
        &["calculate", "draw", "", "random()"],
        &[
            "calculate",
            "hashed",
            "",
            "digest(${said}, 'SHA-256', 'hex')",
        ],
        &["calculate", "size", "", "round(area(${plot}), 0)"],
        &["calculate", "length", "", "round(distance(${path}), 0)"],
    ];
    let e = engine(survey, &[]);
    // A plot of 0.001° × 0.001° at the equator and a path of 0.001° of latitude.
    let ev = e.evaluate(
        &answers(&[
            (
                "plot",
                "0 0 0 0;0 0.001 0 0;0.001 0.001 0 0;0.001 0 0 0;0 0 0 0",
            ),
            ("path", "0 0 0 0;0.001 0 0 0"),
            ("said", "abc"),
        ]),
        &opts("en"),
    );
    let v = |n: &str| ev.question(n).unwrap().value.clone();
    let key = v("key");
    assert_eq!(key.len(), 36, "{key}");
    assert_eq!(key.as_bytes()[14], b'4', "a version 4 UUID: {key}");
    let code = v("code");
    assert!(
        code.len() == 12 && code.chars().all(|c| c.is_ascii_alphanumeric()),
        "{code}"
    );
    let draw: f64 = v("draw").parse().unwrap();
    assert!((0.0..1.0).contains(&draw), "{draw}");
    assert_eq!(
        v("hashed"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    // (6,378,137 m × 0.001 × π/180)² = 12,392 m²; 111.32 m.
    assert_eq!(v("size"), "12392");
    assert_eq!(v("length"), "111");
    // `once()` keeps the first id when the answers change; `uuid()` draws again.
    let mut again = answers(&[("said", "abd")]);
    again.insert("key".into(), duluan_forms::Answer::Value(key.clone()));
    let ev2 = e.evaluate(&again, &opts("en"));
    assert_eq!(ev2.question("key").unwrap().value, key);
    assert_ne!(ev2.question("code").unwrap().value, code);
}
