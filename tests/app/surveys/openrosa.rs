//! Offline collection through the real server, by a scripted OpenRosa device written from the
//! OpenRosa specifications (Form List API, Form Submission API) as ODK Collect behaves: an
//! interviewer adds a device and reads its address once; the device lists its forms, downloads
//! the XForm and the manifest's case list, learns the size limit by HEAD, and submits a filled
//! instance as multipart; a resend is not duplicated, other answers under the same instance id
//! are refused, an edit (`deprecatedID`) replaces the answers; the response is mode `offline`
//! on its case (1.1), and the fieldwork monitor counts it. Refusals: a revoked or unknown token,
//! an interviewer of another unit, garbage, a form or case that is not theirs — each with an
//! OpenRosa message and nothing stored.

use duluan::with_db;
use duluan_forms::{Answer, Engine, Form, Record};
use reqwest::StatusCode;

use super::fieldwork_phone::{interviewer, phone_survey_from, scalar, text};
use crate::helpers::TestApp;

fn frame_csv(n: usize) -> String {
    let mut s = String::from("id,stratum,cluster\n");
    for i in 1..=n {
        s.push_str(&format!("ho{i:03},Phường A,Tổ {}\n", 1 + i % 3));
    }
    s
}

/// Adds a device for the logged-in interviewer `c`; returns the address shown once.
pub(super) async fn add_device(c: &TestApp, label: &str) -> String {
    let page = c.post("/openrosa/devices", &[("label", label)]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // The configuration QR code for ODK Collect comes with the address.
    assert!(page.body.contains("id=\"device-qr\"><svg"), "{}", page.body);
    let start = page
        .body
        .find("id=\"server-url\" readonly value=\"")
        .unwrap()
        + 32;
    let end = start + page.body[start..].find('"').unwrap();
    page.body[start..end].to_string()
}

/// A device: a client without cookies that sends OpenRosa's header.
pub(super) fn device() -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("X-OpenRosa-Version", "1.0".parse().unwrap());
    reqwest::Client::builder()
        .default_headers(h)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `(status, body)` of a GET.
pub(super) async fn get(d: &reqwest::Client, url: &str) -> (StatusCode, String) {
    let r = d.get(url).send().await.unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

/// The text of every element named `tag`.
pub(super) fn texts(xml: &str, tag: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    doc.descendants()
        .filter(|n| n.tag_name().name() == tag)
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

/// The engine of the survey's live version, as the device's XForm was made from.
async fn engine_of(app: &TestApp, survey: i64) -> Engine {
    let json = with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, String>(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1 AND published_at IS NOT NULL ORDER BY id DESC LIMIT 1"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap()
    });
    Engine::from_form(&Form::from_json(&json).unwrap()).unwrap()
}

/// A filled instance of the demo questionnaire for `case`, as a device writes it (the XForm's
/// id `duluan_{survey}` and version `1`).
fn instance(
    engine: &Engine,
    survey: i64,
    case: Option<i64>,
    id: &str,
    deprecated: Option<&str>,
    age: &str,
) -> String {
    let mut r = Record::new();
    for (k, v) in [
        ("age", age),
        ("gender", "2"),
        ("uses_online", "1"),
        ("services", "tax land"),
        ("satisfaction", "4"),
        // Decomposed, as some Android keyboards type it: stored in NFC.
        ("comment", "Thu\u{309} tu\u{323}c nhanh hơn trươ\u{301}c"),
    ] {
        r.insert(k.into(), Answer::Value(v.into()));
    }
    duluan_forms::xform::write_instance_from(
        engine.form(),
        &duluan_forms::xform::Instance {
            form_id: format!("duluan_{survey}"),
            version: Some("1".into()),
            instance_id: id.into(),
            deprecated_id: deprecated.map(str::to_string),
            case: case.map(|c| c.to_string()),
            record: r,
            files: Vec::new(),
        },
    )
}

/// Submits `xml` with `files` as OpenRosa's multipart.
pub(super) async fn submit(
    d: &reqwest::Client,
    base: &str,
    xml: &str,
    files: &[(&str, Vec<u8>)],
) -> (StatusCode, String) {
    let mut form = reqwest::multipart::Form::new().part(
        "xml_submission_file",
        reqwest::multipart::Part::bytes(xml.as_bytes().to_vec())
            .file_name("submission.xml")
            .mime_str("text/xml")
            .unwrap(),
    );
    for (name, bytes) in files {
        form = form.part(
            name.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    let r = d
        .post(format!("{base}/submission"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    scalar(app, sql, id).await
}

const OFFLINE: &str =
    "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND mode = 'offline'";

#[tokio::test]
async fn a_device_lists_downloads_fills_and_submits_once_and_an_edit_replaces_the_answers() {
    let app = crate::helpers::spawn_demo().await;
    let survey = phone_survey_from(&app, &frame_csv(4), 4, "offline", "5").await;
    let c = interviewer(&app, "dtv_or", "92").await;
    let base = add_device(&c, "Điện thoại Samsung A15").await;
    assert!(
        base.starts_with("http://") && base.contains("/openrosa/key/"),
        "{base}"
    );
    // The address is shown once: the devices page lists the device, not its address.
    let page = c.get("/openrosa/devices").await;
    page.assert_contains("Điện thoại Samsung A15");
    assert!(!page.body.contains(&base));

    let d = device();
    let r = d.get(format!("{base}/formList")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-openrosa-version"], "1.0");
    let list = r.text().await.unwrap();
    let form_id = format!("duluan_{survey}");
    assert!(texts(&list, "formID").contains(&form_id), "{list}");
    let pos = texts(&list, "formID")
        .iter()
        .position(|f| *f == form_id)
        .unwrap();
    let download = texts(&list, "downloadUrl")[pos].clone();
    let manifest_url = texts(&list, "manifestUrl")[pos].clone();
    let hash = texts(&list, "hash")[pos].clone();
    let (status, xform) = get(&d, &download).await;
    assert_eq!(status, StatusCode::OK, "{xform}");
    assert_eq!(
        hash,
        duluan::surveys::openrosa::model::md5_hash(xform.as_bytes())
    );
    assert!(roxmltree::Document::parse(&xform).is_ok(), "{xform}");
    assert!(xform.contains("jr://file-csv/cases.csv"), "{xform}");

    // The manifest gives the case list: the four released cases, no contact data.
    let (status, manifest) = get(&d, &manifest_url).await;
    assert_eq!(status, StatusCode::OK, "{manifest}");
    assert_eq!(texts(&manifest, "filename"), vec!["cases.csv".to_string()]);
    let (status, csv) = get(&d, &texts(&manifest, "downloadUrl")[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 5, "{csv}");
    assert!(
        csv.starts_with("name,label\n") && csv.contains("ho00"),
        "{csv}"
    );
    let case: i64 = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        hash_of(&manifest),
        duluan::surveys::openrosa::model::md5_hash(csv.as_bytes())
    );

    // HEAD tells the size limit.
    let r = d.head(format!("{base}/submission")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(r.headers()["x-openrosa-accept-content-length"], "10485760");

    let engine = engine_of(&app, survey).await;
    let first = "uuid:6f1f6b6e-0d3c-4a4e-9a53-2f0a3c1d0001";
    let xml = instance(&engine, survey, Some(case), first, None, "41");
    let (status, body) = submit(&d, &base, &xml, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(body.contains("OpenRosaResponse"), "{body}");
    assert_eq!(count(&app, OFFLINE, survey).await, 1);
    let disposition = "SELECT disposition FROM survey_cases WHERE id = $1";
    assert_eq!(text(&app, disposition, case).await, "1.1");
    // The demo survey is anonymous: the complete response keeps no link to its case.
    let linked = "SELECT COUNT(*) FROM survey_responses WHERE case_id = $1";
    assert_eq!(count(&app, linked, case).await, 0);
    let events = "SELECT COUNT(*) FROM survey_case_events WHERE case_id = $1 AND kind = 'received'";
    assert_eq!(count(&app, events, case).await, 1);

    // A resend (the device did not see the answer) is not stored twice.
    let (status, body) = submit(&d, &base, &xml, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(count(&app, OFFLINE, survey).await, 1);
    // Other answers under the same instance id are refused.
    let other = instance(&engine, survey, Some(case), first, None, "52");
    let (status, body) = submit(&d, &base, &other, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // The completed case left the case list.
    let (_, csv) = get(&d, &texts(&manifest, "downloadUrl")[0]).await;
    assert_eq!(csv.lines().count(), 4, "{csv}");
    // A second interview of the same case is refused.
    let again = instance(
        &engine,
        survey,
        Some(case),
        "uuid:second-of-the-same-case",
        None,
        "30",
    );
    let (status, body) = submit(&d, &base, &again, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // An edit replaces the answers of the response, under a new instance id.
    let edited = "uuid:6f1f6b6e-0d3c-4a4e-9a53-2f0a3c1d0002";
    let xml2 = instance(&engine, survey, Some(case), edited, Some(first), "42");
    let (status, body) = submit(&d, &base, &xml2, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(count(&app, OFFLINE, survey).await, 1);
    let data = "SELECT data FROM survey_responses WHERE survey_id = $1 AND mode = 'offline'";
    let stored = text(&app, data, survey).await;
    assert!(
        stored.contains("\"42\"") && stored.contains("Thủ tục nhanh hơn trước"),
        "{stored}"
    );
    // Editing the original again is refused: it was edited already.
    let xml3 = instance(&engine, survey, Some(case), "uuid:third", Some(first), "43");
    let (status, body) = submit(&d, &base, &xml3, &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // The fieldwork monitor counts the case under the offline mode.
    app.login_demo("designer").await;
    let page = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Phỏng vấn trực tiếp (ODK Collect)");
    // The responses browser shows it.
    let page = app.get(&format!("/surveys/{survey}/responses")).await;
    assert_eq!(page.status, StatusCode::OK);

    // Revoked, the device opens nothing.
    let dev = scalar(
        &app,
        "SELECT MAX(id) FROM openrosa_devices WHERE user_id = (SELECT id FROM users WHERE username = 'dtv_or') AND $1 = $1",
        0,
    )
    .await;
    let page = c
        .post(&format!("/openrosa/devices/{dev}/revoke"), &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (status, body) = get(&d, &format!("{base}/formList")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("thu hồi"), "{body}");
    app.stop().await;
}

fn hash_of(manifest: &str) -> String {
    texts(manifest, "hash")[0].clone()
}

#[tokio::test]
async fn refusals_say_why_in_openrosa_terms_and_store_nothing() {
    let app = crate::helpers::spawn_demo().await;
    let survey = phone_survey_from(&app, &frame_csv(3), 3, "offline", "5").await;
    let c = interviewer(&app, "dtv_ok", "92").await;
    let base = add_device(&c, "Máy A").await;
    let d = device();
    let engine = engine_of(&app, survey).await;
    let (_, csv) = get(&d, &format!("{base}/forms/{survey}/media/cases.csv")).await;
    let case: i64 = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();

    // An unknown token.
    let bad = base.rsplit_once('/').unwrap().0.to_string() + "/not-a-token";
    let (status, _) = get(&d, &format!("{bad}/formList")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = submit(
        &d,
        &bad,
        &instance(&engine, survey, Some(case), "uuid:a", None, "30"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Garbage, a DTD, another form, a draft version, no case, a case of nobody's list.
    for (xml, want) in [
        ("not xml at all".to_string(), "XML"),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>".to_string(),
            "XML",
        ),
        (
            "<other_form id=\"other_form\" version=\"1\"><meta><instanceID>uuid:b</instanceID></meta></other_form>"
                .to_string(),
            "biểu mẫu",
        ),
        (
            instance(&engine, survey, Some(case), "uuid:c", None, "30")
                .replacen(" version=\"1\"", " version=\"zz\"", 1),
            "phiên bản",
        ),
        (instance(&engine, survey, None, "uuid:d", None, "30"), "chưa chọn trường hợp"),
        (instance(&engine, survey, Some(999_999), "uuid:e", None, "30"), "không thuộc danh sách"),
        // An answer the form refuses (age under 15).
        (instance(&engine, survey, Some(case), "uuid:f", None, "3"), "không hợp lệ"),
    ] {
        let (status, body) = submit(&d, &base, &xml, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{xml}\n{body}");
        assert!(body.contains("OpenRosaResponse") && body.contains(want), "{want}: {body}");
    }
    // A file that is not what its name says, and a path as a name.
    let xml = instance(&engine, survey, Some(case), "uuid:g", None, "30");
    let (status, body) = submit(&d, &base, &xml, &[("a.jpg", b"MZ not a photo".to_vec())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = submit(&d, &base, &xml, &[("..%2Fx.jpg", vec![0xFF, 0xD8, 0xFF])]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Not multipart.
    let r = d
        .post(format!("{base}/submission"))
        .body("<x/>")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Too large for one request.
    let big = vec![0xFFu8; 11 * 1024 * 1024];
    let (status, _) = submit(&d, &base, &xml, &[("big.jpg", big)]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&app, OFFLINE, survey).await, 0);
    let disposition = "SELECT disposition FROM survey_cases WHERE id = $1";
    assert_ne!(text(&app, disposition, case).await, "1.1");

    // An interviewer of another unit sees no form and may not submit to this survey.
    let other_unit: String = with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT code FROM units WHERE id NOT IN (SELECT descendant_id FROM unit_closure
           WHERE ancestor_id = (SELECT id FROM units WHERE code = '92'))
           AND id NOT IN (SELECT ancestor_id FROM unit_closure
           WHERE descendant_id = (SELECT id FROM units WHERE code = '92')) ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let o = interviewer(&app, "dtv_other", &other_unit).await;
    let other = add_device(&o, "Máy B").await;
    let (status, list) = get(&d, &format!("{other}/formList")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.contains(&format!("duluan_{survey}<")), "{list}");
    let (status, _) = get(&d, &format!("{other}/forms/{survey}/form.xml")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = submit(
        &d,
        &other,
        &instance(&engine, survey, Some(case), "uuid:h", None, "30"),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(count(&app, OFFLINE, survey).await, 0);
    app.stop().await;
}

/// The demo questionnaire with an optional photo question.
fn form_with_photo() -> duluan_forms::Form {
    let mut form = duluan::surveys::demo_form();
    form.items
        .push(duluan_forms::Item::Question(duluan_forms::Question {
            name: "photo".into(),
            kind: duluan_forms::QuestionType::Image,
            label: duluan_forms::Text::plain("Ảnh chụp quang cảnh (không chụp người)"),
            parameters: Some("max-pixels=1024".into()),
            ..Default::default()
        }));
    form
}

#[tokio::test]
async fn a_photo_sent_over_two_requests_is_kept_once_and_staff_download_it_audited() {
    let app = crate::helpers::spawn_demo().await;
    app.login_demo("designer").await;
    let survey = super::create_survey(&app, "92", "Khảo sát có ảnh", false).await;
    let xlsx = duluan_forms::xlsform::export_xlsx(&form_with_photo()).unwrap();
    let page = app
        .upload(&format!("/surveys/{survey}/import"), "anh.xlsx", xlsx)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{survey}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // On the web the photo question says where it is answered.
    let key = with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT public_key FROM surveys WHERE id = $1"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());
    let web = app.other_client();
    let mut page = web.get(&format!("/s/{key}")).await;
    for _ in 0..6 {
        if page.body.contains("ODK Collect") || page.status != StatusCode::OK {
            break;
        }
        // Walk the pages with valid answers until the photo's page.
        let fields = [
            ("nav", "next"),
            ("a.age", "40"),
            ("a.gender", "1"),
            ("a.uses_online", "2"),
            ("a.satisfaction", "3"),
            ("a.comment", ""),
        ];
        let step = page
            .body
            .find("name=\"page\" value=\"")
            .map(|i| {
                let s = i + 19;
                page.body[s..s + page.body[s..].find('"').unwrap()].to_string()
            })
            .unwrap_or_default();
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        f.push(("page", step.as_str()));
        page = web.post(&format!("/s/{key}"), &f).await;
    }
    page.assert_contains("chỉ trả lời được trên ứng dụng ODK Collect");

    let c = interviewer(&app, "dtv_photo", "92").await;
    let base = add_device(&c, "Máy ảnh").await;
    let d = device();
    let engine = engine_of(&app, survey).await;
    let mut r = Record::new();
    for (k, v) in [
        ("age", "35"),
        ("gender", "1"),
        ("uses_online", "2"),
        ("satisfaction", "5"),
        ("photo", "1733412345678.jpg"),
    ] {
        r.insert(k.into(), Answer::Value(v.into()));
    }
    let xml = duluan_forms::xform::write_instance_from(
        engine.form(),
        &duluan_forms::xform::Instance {
            form_id: format!("duluan_{survey}"),
            version: Some(engine.form().form.version.clone()),
            instance_id: "uuid:photo-1".into(),
            deprecated_id: None,
            case: None,
            record: r,
            files: Vec::new(),
        },
    );
    // First the form alone (Collect splits large sends), then again with the photo.
    let (status, body) = submit(&d, &base, &xml, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(b"synthetic photo bytes");
    let (status, body) = submit(
        &d,
        &base,
        &xml,
        &[
            ("1733412345678.jpg", jpeg.clone()),
            ("stray.jpg", jpeg.clone()),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = submit(&d, &base, &xml, &[("1733412345678.jpg", jpeg.clone())]).await;
    assert_eq!(status, StatusCode::CREATED);
    let files = "SELECT COUNT(*) FROM survey_response_files f JOIN survey_responses r ON r.id = f.response_id WHERE r.survey_id = $1";
    assert_eq!(
        count(&app, files, survey).await,
        1,
        "the named photo, once; not the stray file"
    );
    assert_eq!(count(&app, OFFLINE, survey).await, 1);

    // Staff see it on the response's page and download it; the read is audited.
    let rid = text(
        &app,
        "SELECT id FROM survey_responses WHERE survey_id = $1 AND mode = 'offline'",
        survey,
    )
    .await;
    let page = app.get(&format!("/surveys/{survey}/responses/{rid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("1733412345678.jpg");
    let r = app
        .client
        .get(format!(
            "{}/surveys/{survey}/responses/{rid}/files/1733412345678.jpg",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().to_vec(), jpeg);
    let audited =
        "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.response_file_read' AND $1 = $1";
    assert_eq!(count(&app, audited, 0).await, 1);
    // The interviewer (no ViewResponses) may not.
    let r = c
        .client
        .get(format!(
            "{}/surveys/{survey}/responses/{rid}/files/1733412345678.jpg",
            c.base
        ))
        .send()
        .await
        .unwrap();
    assert!(
        matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status()
    );
    app.stop().await;
}

#[tokio::test]
async fn an_xlsform_pyxform_only_warns_about_imports_and_its_warnings_are_shown() {
    let app = crate::helpers::spawn_demo().await;
    app.login_demo("designer").await;
    let survey = super::create_survey(&app, "92", "Biểu mẫu có lưu ý", false).await;
    // A choice without a label: pyxform warns, the form converts.
    let mut form = duluan::surveys::demo_form();
    form.choices[0].choices[2].label = duluan_forms::Text::default();
    let xlsx = duluan_forms::xlsform::export_xlsx(&form).unwrap();
    let page = app
        .upload(&format!("/surveys/{survey}/import"), "canh-bao.xlsx", xlsx)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("Đã nhập biểu mẫu");
    page.assert_contains("choices");
    let stored = with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1"
    )
    .bind(survey)
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(stored.contains("\"age\""), "{stored}");
    app.stop().await;
}
