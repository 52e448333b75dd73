//! Form media files through the real server: an XLSForm whose select takes its choices from a
//! CSV file (with a choice filter) and whose calculation reads it with `pulldata()`. Imported
//! without its file (a warning naming it), publishing refused until it is attached (naming the
//! file and the question); a file too large or lacking a column the form reads is refused with
//! nothing stored; the XLSForm and its file sent together; the OpenRosa manifest lists the file
//! with its MD5 and the device downloads it byte for byte; a device's answer from the file is
//! stored, one not in the file refused; a web respondent answers through the HTML pages, a long
//! list shows as a dropdown, and the pulldata value is shown and stored; the codebook labels the
//! file's values. A new version keeps the
//! files, its copy is replaced by name and removed while the published version keeps its own; a
//! published version's files cannot change.

use duluan::with_db;
use duluan_forms::{Answer, Engine, Form, Record};
use reqwest::StatusCode;

use super::create_survey;
use super::fieldwork_phone::{interviewer, scalar};
use super::openrosa::{add_device, device, get, submit, texts};
use crate::helpers::{Page, TestApp, spawn_demo};

/// The questionnaire: a district from a list, a village from `villages.csv` filtered by the
/// district, its head pulled from the same file and shown in a note, a number of households.
fn questionnaire() -> Form {
    Form::from_json(
        r#"{"id": "ap", "version": "1", "title": "Khảo sát ấp",
        "items": [
          {"kind": "question", "name": "district", "type": "select_one d",
           "label": {"": "Quận, huyện"}, "required": "yes"},
          {"kind": "question", "name": "village", "type": "select_one_from_file villages.csv",
           "label": {"": "Ấp, khu vực"}, "required": "yes", "choice_filter": "district=${district}"},
          {"kind": "question", "name": "head", "type": "calculate",
           "calculation": "pulldata('villages', 'head', 'name', ${village})"},
          {"kind": "question", "name": "info", "type": "note",
           "label": {"": "Trưởng ấp: ${head}"}},
          {"kind": "question", "name": "households", "type": "integer",
           "label": {"": "Số hộ"}, "required": "yes"}
        ],
        "choices": [{"name": "d", "choices": [
          {"name": "nk", "label": {"": "Ninh Kiều"}},
          {"name": "tn", "label": {"": "Thốt Nốt"}}]}]}"#,
    )
    .unwrap()
}

/// `villages.csv`: two villages of Ninh Kiều, and 300 of Thốt Nốt (a long list).
fn villages_csv() -> Vec<u8> {
    let mut s = String::from("name,label,district,head\nck,Cái Khế,nk,Lan\nah,An Hòa,nk,Minh\n");
    for i in 1..=300 {
        s.push_str(&format!("tn{i:03},Ấp {i} Thốt Nốt,tn,Ông {i}\n"));
    }
    s.into_bytes()
}

/// Posts a multipart form of `(field, file name, bytes)` parts.
async fn upload_parts(app: &TestApp, path: &str, parts: &[(&str, &str, Vec<u8>)]) -> Page {
    let mut form = reqwest::multipart::Form::new();
    for (field, name, bytes) in parts {
        form = form.part(
            field.to_string(),
            reqwest::multipart::Part::bytes(bytes.clone()).file_name(name.to_string()),
        );
    }
    TestApp::read(
        app.client
            .post(format!("{}{path}", app.base))
            .multipart(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

const FILES: &str = "SELECT COUNT(*) FROM survey_version_media m JOIN survey_versions v ON v.id = m.version_id WHERE v.survey_id = $1";

#[tokio::test]
async fn a_form_with_a_csv_file_imports_publishes_and_collects_on_devices_and_the_web() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Khảo sát ấp", true).await;
    let xlsx = duluan_forms::xlsform::export_xlsx(&questionnaire()).unwrap();

    // Imported without its file: a warning names it.
    let page = app
        .upload(&format!("/surveys/{id}/import"), "ap.xlsx", xlsx.clone())
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page.assert_contains("chưa được đính kèm");
    page.assert_contains("villages.csv");
    // Publishing is refused, naming the file and the question.
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("câu hỏi `village` đọc tệp phương tiện `villages.csv`");

    // A file lacking a column the form reads, and one too large: refused, nothing stored.
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/media"),
        &[(
            "media",
            "villages.csv",
            b"name,label,district\nck,C\xc3\xa1i Kh\xe1\xba\xbf,nk\n".to_vec(),
        )],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("tệp phương tiện `villages.csv` không có cột `head`");
    let big = vec![b'a'; duluan::surveys::media::MAX_MEDIA_BYTES + 1];
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/media"),
        &[("media", "villages.csv", big.clone())],
    )
    .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE);
    page.assert_contains("Tệp `villages.csv` vượt quá 5 MiB");
    // The same refusals when the files come with the XLSForm: the form is not replaced.
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/import"),
        &[
            ("file", "ap.xlsx", xlsx.clone()),
            ("media", "villages.csv", b"name,label\nck,x\n".to_vec()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("không có cột `district`");
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/import"),
        &[
            ("file", "ap.xlsx", xlsx.clone()),
            ("media", "../villages.csv", villages_csv()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(scalar(&app, FILES, id).await, 0);

    // The XLSForm and its file together.
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/import"),
        &[
            ("file", "ap.xlsx", xlsx.clone()),
            ("media", "villages.csv", villages_csv()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, FILES, id).await, 1);
    let md5 = duluan::surveys::openrosa::model::md5_hash(&villages_csv());
    let show = app.get(&format!("/surveys/{id}")).await;
    show.assert_contains("villages.csv");
    show.assert_contains(md5.strip_prefix("md5:").unwrap());
    let audited = with_db!(&app.db, |pool| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.media' AND object_id = $1"
    )
    .bind(id.to_string())
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(audited, 1);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // A published version's files never change.
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/media"),
        &[("media", "villages.csv", villages_csv())],
    )
    .await;
    assert_eq!(page.status, StatusCode::CONFLICT);

    // A device: the manifest lists the file with its MD5; it downloads it byte for byte.
    let c = interviewer(&app, "dtv_media", "92").await;
    let base = add_device(&c, "Máy tính bảng").await;
    let d = device();
    let (status, manifest) = get(&d, &format!("{base}/forms/{id}/manifest")).await;
    assert_eq!(status, StatusCode::OK, "{manifest}");
    assert_eq!(texts(&manifest, "filename"), ["villages.csv"]);
    assert_eq!(texts(&manifest, "hash"), [md5.as_str()]);
    let url = texts(&manifest, "downloadUrl")[0].clone();
    let r = d.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(r.bytes().await.unwrap().to_vec(), villages_csv());
    let (status, _) = get(&d, &format!("{base}/forms/{id}/media/other.csv")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, xform) = get(&d, &format!("{base}/forms/{id}/form.xml")).await;
    assert!(
        xform.contains(r#"<instance id="villages" src="jr://file-csv/villages.csv"/>"#),
        "{xform}"
    );

    // A device's answer from the file is stored with the pulled value; one outside the
    // file (or filtered out) is refused.
    let json = with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, String>(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1 AND published_at IS NOT NULL"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap()
    });
    let engine = Engine::from_form(&Form::from_json(&json).unwrap()).unwrap();
    let instance = |iid: &str, village: &str| {
        let mut r = Record::new();
        for (k, v) in [
            ("district", "nk"),
            ("village", village),
            ("households", "120"),
        ] {
            r.insert(k.into(), Answer::Value(v.into()));
        }
        duluan_forms::xform::write_instance_from(
            engine.form(),
            &duluan_forms::xform::Instance {
                form_id: format!("duluan_{id}"),
                version: Some("1".into()),
                instance_id: iid.into(),
                deprecated_id: None,
                case: None,
                record: r,
                files: Vec::new(),
            },
        )
    };
    for bad in ["nowhere", "tn001"] {
        let (status, body) =
            submit(&d, &base, &instance(&format!("uuid:bad-{bad}"), bad), &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.contains("village"), "{body}");
    }
    let (status, body) = submit(&d, &base, &instance("uuid:media-ok", "ah"), &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let data = stored(&app, id).await;
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["village"], "ah");
    assert_eq!(data[0]["head"], "Minh");

    // A web respondent: the village list follows the district, a long list is a dropdown,
    // a value outside the list is refused, the pulled value is shown and stored.
    let key = with_db!(&app.db, |pool| sqlx::query_scalar::<_, String>(
        "SELECT public_key FROM surveys WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    let r = app.other_client();
    let path = format!("/s/{key}");
    r.get(&path).await.assert_contains("Quận, huyện");
    let page = r
        .post(
            &path,
            &[("page", "district"), ("nav", "next"), ("a.district", "tn")],
        )
        .await;
    page.assert_contains("Ấp 300 Thốt Nốt");
    page.assert_contains("<select id=\"f-a.village\"");
    assert!(!page.body.contains("Cái Khế"), "{}", page.body);
    let page = r.post(&path, &[("page", "village"), ("nav", "prev")]).await;
    page.assert_contains("Quận, huyện");
    let page = r
        .post(
            &path,
            &[("page", "district"), ("nav", "next"), ("a.district", "nk")],
        )
        .await;
    page.assert_contains("Cái Khế");
    page.assert_contains("type=\"radio\"");
    assert!(!page.body.contains("Thốt Nốt"), "{}", page.body);
    let page = r
        .post(
            &path,
            &[("page", "village"), ("nav", "next"), ("a.village", "tn001")],
        )
        .await;
    page.assert_contains("sv-q-error");
    let page = r
        .post(
            &path,
            &[("page", "village"), ("nav", "next"), ("a.village", "ck")],
        )
        .await;
    page.assert_contains("Trưởng ấp: Lan");
    let page = r.post(&path, &[("page", "info"), ("nav", "next")]).await;
    page.assert_contains("Số hộ");
    let page = r
        .post(
            &path,
            &[
                ("page", "households"),
                ("nav", "next"),
                ("a.households", "85"),
            ],
        )
        .await;
    page.assert_contains("Cảm ơn");
    let data = stored(&app, id).await;
    assert_eq!(data.len(), 2);
    let web = data.iter().find(|d| d["village"] == "ck").unwrap();
    assert_eq!(web["head"], "Lan");
    assert_eq!(web["households"], "85");

    // The exports label the answers from the file: the codebook lists the file's rows with
    // their labels, the data holds the values.
    let page = app.get(&format!("/surveys/{id}/export/codebook.csv")).await;
    assert_eq!(page.status, StatusCode::OK);
    let codebook = page.body;
    let village: Vec<&str> = codebook
        .lines()
        .filter(|l| l.starts_with("village,"))
        .collect();
    // (A questionnaire without languages has one `label` column.)
    assert!(codebook.starts_with("variable,question,type,value,label\n"));
    assert_eq!(village.len(), 1 + 302, "{codebook:?}");
    assert!(village[1].ends_with(",ck=1,Cái Khế"), "{}", village[1]);
    assert!(
        village[302].ends_with(",tn300=302,Ấp 300 Thốt Nốt"),
        "{}",
        village[302]
    );
    let csv = app
        .get(&format!("/surveys/{id}/export/responses.csv"))
        .await
        .body;
    assert!(csv.lines().any(|l| l.contains(",ck,")), "{csv}");
    // The results count the answers from the file as any choice question, labelled by the
    // file's rows (six more interviews from the device: past the small-cell threshold).
    for (k, village) in ["ck", "ck", "ck", "ah", "ah", "ck"].iter().enumerate() {
        let (status, body) = submit(
            &d,
            &base,
            &instance(&format!("uuid:more-{k}"), village),
            &[],
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let results = app.get(&format!("/surveys/{id}/results")).await;
    assert_eq!(results.status, StatusCode::OK);
    let village = &results.body[results
        .body
        .find("Ấp, khu vực")
        .expect("the village question")..];
    let village = &village[..village.find("Số hộ").unwrap_or(village.len())];
    assert!(village.contains("Cái Khế"), "{village}");
    assert!(village.contains("An Hòa"), "{village}");
    // A quota can be set on the village: the file's rows are its cells.
    let quotas = format!("/surveys/{id}/fieldwork/quotas");
    app.get(&quotas)
        .await
        .assert_contains("value=\"q:village\"");
    let page = app
        .post(
            &quotas,
            &[
                ("name", "Theo ấp"),
                ("dim1", "q:village"),
                ("action", "close"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.get(page.location()).await;
    page.assert_contains("Cái Khế");
    page.assert_contains("Ấp 300 Thốt Nốt");
    // The SPSS and Stata files, whose value labels come from the file, are written whole.
    for (file, magic) in [
        ("responses.sav", &b"$FL2"[..]),
        ("responses.dta", b"<stata_dta>"),
    ] {
        let r = app
            .client
            .get(format!("{}/surveys/{id}/export/{file}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(magic), "{file}");
        let label = "Cái Khế".as_bytes();
        assert!(bytes.windows(label.len()).any(|w| w == label), "{file}");
    }

    // A new version starts with the published version's files.
    let page = app.post(&format!("/surveys/{id}/new-version"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, FILES, id).await, 2);
    // The draft's copy is replaced by name; the published version keeps its own.
    let mut changed = villages_csv();
    changed.extend_from_slice(b"vt,V\xc4\xa9nh Tr\xc6\xb0\xe1\xbb\x9dng,nk,Hai\n");
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/media"),
        &[("media", "villages.csv", changed.clone())],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, FILES, id).await, 2);
    // The designer offers the draft's files as types of a select.
    app.get(&format!("/surveys/{id}/designer?edit=village"))
        .await
        .assert_contains("<option value=\"select_one_from_file villages.csv\">");
    let new_md5 = duluan::surveys::openrosa::model::md5_hash(&changed);
    app.get(&format!("/surveys/{id}"))
        .await
        .assert_contains(new_md5.strip_prefix("md5:").unwrap());
    let (_, manifest) = get(&d, &format!("{base}/forms/{id}/manifest")).await;
    assert_eq!(texts(&manifest, "hash"), [md5.as_str()]);
    let page = app
        .post(
            &format!("/surveys/{id}/media/delete"),
            &[("name", "villages.csv")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(scalar(&app, FILES, id).await, 1);
    // The published version still serves its file.
    let r = d.get(&url).send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), villages_csv());
}

/// The stored data of the survey's complete responses.
async fn stored(app: &TestApp, survey: i64) -> Vec<serde_json::Value> {
    let rows = with_db!(&app.db, |pool| {
        sqlx::query_scalar::<_, String>(
        "SELECT data FROM survey_responses WHERE survey_id = $1 AND status = 'complete' ORDER BY id"
    )
    .bind(survey)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    rows.iter()
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

/// A paper sheet of a questionnaire with a select from a file: the village is keyed by a
/// verifier (a select from a file prints as a box to write in), checked against the file's
/// values, and the sheet lands with the value pulled from the file.
#[tokio::test]
async fn a_paper_sheet_keys_a_value_from_the_file_and_lands_with_the_pulled_value() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Khảo sát ấp trên giấy", true).await;
    let xlsx = duluan_forms::xlsform::export_xlsx(&questionnaire()).unwrap();
    let page = upload_parts(
        &app,
        &format!("/surveys/{id}/import"),
        &[
            ("file", "ap.xlsx", xlsx),
            ("media", "villages.csv", villages_csv()),
        ],
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    // As if every page were read, the district ticked, the village and households left to key.
    let (_, items) = super::paper_double::sheet_to_key(
        &app,
        id,
        r#"{"district":"nk"}"#,
        &["village", "households"],
    )
    .await;
    let verifier = app.other_client();
    verifier.login_demo("verifier").await;
    let page = verifier.get(&format!("/surveys/{id}/paper/verify")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for (item, value) in items.iter().zip(["ck", "85"]) {
        let page = verifier
            .post(
                &format!("/surveys/{id}/paper/items/{item}"),
                &[("value", value)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let data = stored(&app, id).await;
    assert_eq!(data.len(), 1, "the sheet landed");
    assert_eq!(data[0]["village"], "ck");
    assert_eq!(data[0]["head"], "Lan");
    assert_eq!(data[0]["households"], "85");
}
