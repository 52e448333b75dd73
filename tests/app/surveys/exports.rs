//! Exports: CSV (one row per response, select-multiple dummies), the repeats' long table, the
//! codebook in both languages, XLSX, SPSS `.sav` read back by GNU PSPP (`pspp-convert`,
//! `DISPLAY DICTIONARY`) and by pyreadstat, and Stata `.dta` read back by pyreadstat and pandas,
//! when they are installed (required when `DULUAN_TEST_SAV_TOOLS=1`); an export of a survey
//! without responses is a valid empty file.
//!
//! pyreadstat is looked for in a venv at `$CARGO_TARGET_DIR/sav-venv` (or `DULUAN_PYREADSTAT_PYTHON`).

use std::path::{Path, PathBuf};
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use super::{DEMO_KEY, create_survey, demo_answers, demo_survey_id, submit};
use crate::helpers::{TestApp, spawn_demo};

fn tools_required() -> bool {
    std::env::var("DULUAN_TEST_SAV_TOOLS").is_ok_and(|v| v == "1")
}

fn pspp() -> Option<(PathBuf, PathBuf)> {
    let convert = PathBuf::from("/usr/bin/pspp-convert");
    let pspp = PathBuf::from("/usr/bin/pspp");
    if convert.exists() && pspp.exists() {
        Some((convert, pspp))
    } else {
        assert!(
            !tools_required(),
            "DULUAN_TEST_SAV_TOOLS=1 but PSPP is missing: apt-get install pspp"
        );
        eprintln!("skipping PSPP checks: pspp is not installed");
        None
    }
}

fn pyreadstat_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var("DULUAN_PYREADSTAT_PYTHON")
            .ok()
            .map(PathBuf::from),
        Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("../sav-venv/bin/python")),
        std::env::var("CARGO_TARGET_DIR")
            .ok()
            .map(|d| Path::new(&d).join("sav-venv/bin/python")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.exists()
            && Command::new(&c)
                .args(["-c", "import pyreadstat, pandas"])
                .output()
                .is_ok_and(|o| o.status.success())
        {
            return Some(c);
        }
    }
    assert!(
        !tools_required(),
        "DULUAN_TEST_SAV_TOOLS=1 but pyreadstat is missing: python3 -m venv $CARGO_TARGET_DIR/sav-venv && $CARGO_TARGET_DIR/sav-venv/bin/pip install pyreadstat"
    );
    eprintln!("skipping pyreadstat checks: no venv with pyreadstat");
    None
}

async fn download(app: &TestApp, path: &str) -> (StatusCode, Vec<u8>) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    if r.status() == StatusCode::OK {
        // Exports stream: the length is not known when the answer starts.
        assert!(r.content_length().is_none(), "{path} was not streamed");
    }
    (r.status(), r.bytes().await.unwrap().to_vec())
}

/// The cells of the first sheet of an XLSX file, as text.
fn read_xlsx(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a valid XLSX file");
    let names = wb.sheet_names();
    assert_eq!(names, ["Sheet1", "variables"]);
    let range = wb.worksheet_range(&names[0]).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn check_with_tools(sav: &[u8], dir: &Path, expect_rows: usize, english: bool) {
    let file = dir.join("x.sav");
    std::fs::write(&file, sav).unwrap();
    if let Some((convert, pspp)) = pspp() {
        let csv = dir.join("x.csv");
        let out = Command::new(convert).arg(&file).arg(&csv).output().unwrap();
        assert!(
            out.status.success(),
            "pspp-convert: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = std::fs::read_to_string(&csv).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(
            header.starts_with("response_id,completed_at,form_version,age,gender"),
            "{header}"
        );
        assert!(header.contains("services_tax"), "{header}");
        assert_eq!(lines.count(), expect_rows, "{text}");
        let syntax = dir.join("d.sps");
        std::fs::write(
            &syntax,
            format!("GET FILE='{}'.\nDISPLAY DICTIONARY.\n", file.display()),
        )
        .unwrap();
        let out = Command::new(pspp)
            .arg(&syntax)
            .arg("-O")
            .arg("format=txt")
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success() && !listing.contains("error:"),
            "pspp: {} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if english {
            assert!(listing.contains("Gender"), "{listing}");
            assert!(listing.contains("Very satisfied"), "{listing}");
        } else {
            assert!(listing.contains("Giới tính"), "{listing}");
            assert!(listing.contains("Rất hài lòng"), "{listing}");
            assert!(listing.contains("Khó trả lời"), "{listing}");
        }
        // 98 ("hard to say") is a user-missing value.
        assert!(listing.contains("98"), "{listing}");
    }
    if let Some(py) = pyreadstat_python() {
        let script = format!(
            "import pyreadstat, json\n\
             df, meta = pyreadstat.read_sav({:?}, user_missing=True)\n\
             print(json.dumps({{'rows': len(df), 'cols': list(df.columns), 'labels': meta.column_names_to_labels, \
             'values': {{k: {{str(a): b for a, b in v.items()}} for k, v in meta.variable_value_labels.items()}}, \
             'missing': {{k: [str(r['lo']) for r in v] for k, v in meta.missing_ranges.items()}}, \
             'age': [None if x != x else x for x in df['age'].tolist()]}}, ensure_ascii=False))\n",
            file.display().to_string()
        );
        let out = Command::new(py).args(["-c", &script]).output().unwrap();
        assert!(
            out.status.success(),
            "pyreadstat: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["rows"], expect_rows);
        assert_eq!(v["cols"][3], "age");
        if english {
            assert_eq!(v["labels"]["age"], "How old are you?");
            assert_eq!(v["values"]["satisfaction"]["5.0"], "Very satisfied");
        } else {
            assert_eq!(v["labels"]["age"], "Ông/bà bao nhiêu tuổi?");
            assert_eq!(v["values"]["satisfaction"]["98.0"], "Khó trả lời");
        }
        if expect_rows > 0 {
            assert_eq!(v["missing"]["satisfaction"][0], "98.0");
            let mut ages: Vec<f64> = v["age"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_f64().unwrap())
                .collect();
            ages.sort_by(f64::total_cmp);
            assert_eq!(ages, vec![30.0, 45.0, 60.0]);
        }
    }
}

#[tokio::test]
async fn responses_export_to_csv_codebook_xlsx_and_sav() {
    let app = spawn_demo().await;
    for (age, sat) in [(30, "5"), (45, "2"), (60, "98")] {
        let mut answers = demo_answers(age, sat);
        if age == 45 {
            answers["uses_online"] = json!("2");
            answers.as_object_mut().unwrap().remove("services");
        }
        let (s, b) = submit(
            &app,
            DEMO_KEY,
            json!({"id": uuid::Uuid::new_v4().to_string(), "answers": answers}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }
    submit(&app, DEMO_KEY, json!({"id": uuid::Uuid::new_v4().to_string(), "answers": {"age": "20"}, "complete": false})).await;
    app.login_demo("analyst").await;
    let id = demo_survey_id(&app).await;

    let (status, csv) = download(&app, &format!("/surveys/{id}/export/responses.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "response_id",
            "completed_at",
            "form_version",
            "age",
            "gender",
            "uses_online",
            "services",
            "services_tax",
            "services_land",
            "services_civil",
            "satisfaction",
            "comment",
            "adult"
        ]
    );
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 3, "partial responses are not exported");
    let r30 = rows.iter().find(|r| r[3] == "30").unwrap();
    assert_eq!(&r30[6..10], ["tax civil", "1", "0", "1"]);
    assert_eq!(r30[11], "Cần hướng dẫn thêm");
    let r45 = rows.iter().find(|r| r[3] == "45").unwrap();
    assert_eq!(&r45[6..10], ["", "", "", ""], "services was not asked");
    assert_eq!(r45[12], "1");

    let (_, codebook) = download(&app, &format!("/surveys/{id}/export/codebook.csv")).await;
    let codebook = String::from_utf8(codebook).unwrap();
    assert!(
        codebook
            .starts_with("variable,question,type,value,label::English (en),label::Tiếng Việt (vi)"),
        "{codebook}"
    );
    assert!(
        codebook.contains("satisfaction,satisfaction,select_one sat,98=98,Hard to say,Khó trả lời"),
        "{codebook}"
    );

    let (_, repeats) = download(&app, &format!("/surveys/{id}/export/repeats.csv")).await;
    assert_eq!(
        String::from_utf8(repeats).unwrap(),
        "_id,repeat,instance,variable,value\n"
    );

    let (status, xlsx) = download(&app, &format!("/surveys/{id}/export/responses.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let sheet = read_xlsx(&xlsx);
    assert_eq!(sheet.len(), 4, "header and three responses");
    assert_eq!(
        sheet[0][..4],
        ["response_id", "completed_at", "form_version", "age"]
    );
    let mut ages: Vec<&str> = sheet[1..].iter().map(|r| r[3].as_str()).collect();
    ages.sort();
    assert_eq!(ages, ["30", "45", "60"]);

    let dir = tempfile::tempdir().unwrap();
    let (status, sav) =
        download(&app, &format!("/surveys/{id}/export/responses.sav?lang=vi")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&sav[..4], b"$FL2");
    check_with_tools(&sav, dir.path(), 3, false);
    let (_, sav_en) = download(&app, &format!("/surveys/{id}/export/responses.sav?lang=en")).await;
    check_with_tools(&sav_en, dir.path(), 3, true);

    // Exports are audited.
    let n: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.export'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(n, 6);
}

#[tokio::test]
async fn a_survey_without_responses_exports_valid_empty_files() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Chưa có phiếu", true).await;
    app.upload(
        &format!("/surveys/{id}/import"),
        "demo.xlsx",
        super::demo_xlsx(),
    )
    .await;
    app.post(&format!("/surveys/{id}/publish"), &[]).await;
    let (status, csv) = download(&app, &format!("/surveys/{id}/export/responses.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.lines().count(), 1);
    assert!(csv.starts_with("response_id,"));
    let (status, repeats) = download(&app, &format!("/surveys/{id}/export/repeats.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(repeats, b"_id,repeat,instance,variable,value\n");
    let (status, codebook) = download(&app, &format!("/surveys/{id}/export/codebook.csv")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        String::from_utf8(codebook)
            .unwrap()
            .contains("\nage,age,integer,")
    );
    let (status, xlsx) = download(&app, &format!("/surveys/{id}/export/responses.xlsx")).await;
    assert_eq!(status, StatusCode::OK);
    let sheet = read_xlsx(&xlsx);
    assert_eq!(sheet.len(), 1, "the header only");
    assert_eq!(sheet[0][0], "response_id");
    let (status, sav) = download(&app, &format!("/surveys/{id}/export/responses.sav")).await;
    assert_eq!(status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    check_with_tools(&sav, dir.path(), 0, false);
    let (status, dta) = download(&app, &format!("/surveys/{id}/export/responses.dta")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dta.starts_with(b"<stata_dta><header><release>118</release>"));
    if let Some(v) = read_dta(&dta, dir.path()) {
        assert_eq!(v["rows"], 0);
        assert_eq!(v["cols"][3], "age");
        assert_eq!(v["labels"][3], "Ông/bà bao nhiêu tuổi?");
        assert_eq!(v["values"]["satisfaction"]["98"], "Khó trả lời");
        assert_eq!(v["pandas"]["data"]["age"], json!([]));
    }
    let (status, _) = download(&app, &format!("/surveys/{id}/export/responses.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A questionnaire with every kind of column the Stata export codes: a select-one whose choice
/// names are not numbers (coded 1…n), one with numeric codes (98 among them), a select-multiple
/// (one 0/1 column per choice), an integer whose name is longer than Stata's 32 bytes, a
/// decimal, a date and two texts; labels in Vietnamese and English.
fn stata_form() -> Vec<u8> {
    let l = |vi: &str, en: &str| json!({"Tiếng Việt (vi)": vi, "English (en)": en});
    let q = |name: &str, kind: &str, vi: &str, en: &str| json!({"kind": "question", "name": name, "type": kind, "label": l(vi, en)});
    let c = |name: &str, vi: &str, en: &str| json!({"name": name, "label": l(vi, en)});
    let form = duluan_forms::Form::from_json(
        &json!({
            "id": "stata", "version": "1", "title": "Khảo sát Stata",
            "default_language": "Tiếng Việt (vi)",
            "items": [
                {"kind": "group", "name": "all", "appearance": "field-list",
                 "label": l("Tất cả", "All"),
                 "items": [
                    q("province", "select_one province", "Tỉnh/thành phố", "Province"),
                    q("sat", "select_one sat", "Mức độ hài lòng", "Satisfaction"),
                    q("services", "select_multiple services", "Dịch vụ đã dùng", "Services used"),
                    q(LONG_NAME, "integer", "Số người trong hộ", "Household members"),
                    q("income", "decimal", "Thu nhập (triệu đồng)", "Income (million VND)"),
                    q("visit", "date", "Ngày đến bộ phận một cửa", "Date of the visit"),
                    q("note", "text", "Ghi chú", "Note"),
                    q("story", "text", "Câu chuyện của ông/bà", "Your story"),
                    q("age", "integer", "Tuổi", "Age")
                 ]}
            ],
            "choices": [
                {"name": "province", "choices": [
                    c("hn", "Hà Nội", "Hanoi"),
                    c("hcm", "TP. Hồ Chí Minh", "Ho Chi Minh City"),
                    c("dn", "Đà Nẵng", "Da Nang")]},
                {"name": "sat", "choices": [
                    c("1", "Hài lòng", "Satisfied"),
                    c("2", "Không hài lòng", "Dissatisfied"),
                    c("98", "Khó trả lời", "Hard to say")]},
                {"name": "services", "choices": [
                    c("a", "Thuế", "Tax"),
                    c("b", "Đất đai", "Land"),
                    c("c", "Hộ tịch", "Civil status")]}
            ]
        })
        .to_string(),
    )
    .unwrap();
    duluan_forms::xlsform::export_xlsx(&form).unwrap()
}

/// A question name past Stata's 32 bytes (the `.sav` keeps it whole).
const LONG_NAME: &str = "so_nguoi_trong_ho_gia_dinh_dang_song_cung_nhau";

/// The Stata name of [`LONG_NAME`]: its first 32 bytes.
const LONG_NAME_DTA: &str = "so_nguoi_trong_ho_gia_dinh_dang_";

/// A text longer than `str2045` holds: the export makes its column a `strL`.
fn long_story() -> String {
    "Người dân cần được hướng dẫn dùng dịch vụ công trực tuyến; cán bộ xã đã giúp tận tình."
        .repeat(40)
}

/// Publishes [`stata_form`] as a new survey at unit 92 (as the logged-in designer); returns its
/// id and public key.
async fn stata_survey(app: &TestApp) -> (i64, String) {
    let id = create_survey(app, "92", "Khảo sát Stata", true).await;
    let page = app
        .upload(&format!("/surveys/{id}/import"), "stata.xlsx", stata_form())
        .await;
    assert!(page.status.is_redirection(), "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let key: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT public_key FROM surveys WHERE id = $1"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    (id, key)
}

/// Reads a `.dta` file with pyreadstat (`read_dta`: values, `column_labels`,
/// `variable_value_labels`, file label) and with pandas (`read_stata`: values without and with
/// categoricals, variable labels, value-label tables, data label), as JSON; `None` when neither
/// is installed (required when `DULUAN_TEST_SAV_TOOLS=1`).
fn read_dta(dta: &[u8], dir: &Path) -> Option<serde_json::Value> {
    let py = pyreadstat_python()?;
    let file = dir.join("x.dta");
    std::fs::write(&file, dta).unwrap();
    let script = format!(
        "import datetime, json, pandas, pyreadstat\n\
         path = {:?}\n\
         def clean(x):\n\
         \x20   if x is None or x is pandas.NaT or (isinstance(x, float) and x != x):\n\
         \x20       return None\n\
         \x20   if isinstance(x, (datetime.date, datetime.datetime)):\n\
         \x20       return x.strftime('%Y-%m-%d')\n\
         \x20   return x\n\
         def table(df):\n\
         \x20   return {{c: [clean(x) for x in df[c].astype(object).tolist()] for c in df.columns}}\n\
         def keys(d):\n\
         \x20   return {{k: {{str(int(a)): b for a, b in v.items()}} for k, v in d.items()}}\n\
         df, meta = pyreadstat.read_dta(path)\n\
         out = {{'rows': len(df), 'cols': list(df.columns), 'labels': meta.column_labels,\n\
         \x20      'file_label': meta.file_label, 'values': keys(meta.variable_value_labels),\n\
         \x20      'data': table(df)}}\n\
         with pandas.read_stata(path, iterator=True) as r:\n\
         \x20   out['pandas'] = {{'labels': r.variable_labels(), 'values': keys(r.value_labels()),\n\
         \x20                    'data_label': r.data_label}}\n\
         out['pandas']['data'] = table(pandas.read_stata(path, convert_categoricals=False))\n\
         out['pandas']['categories'] = table(pandas.read_stata(path))\n\
         print(json.dumps(out, ensure_ascii=False))\n",
        file.display().to_string()
    );
    let out = Command::new(py).args(["-c", &script]).output().unwrap();
    assert!(
        out.status.success(),
        "pyreadstat/pandas: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[tokio::test]
async fn responses_export_to_stata_dta_read_back_by_pyreadstat_and_pandas() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let (id, key) = stata_survey(&app).await;
    let story = long_story();
    assert!(story.len() > 2045, "{} bytes", story.len());
    let answers = [
        json!({"age": "30", "province": "hn", "sat": "1", "services": "a c", LONG_NAME: "4",
               "income": "12.5", "visit": "2026-03-01", "note": "Xin chào, Việt Nam!",
               "story": story.clone()}),
        json!({"age": "45", "province": "hcm", "sat": "98", "services": "b",
               "income": "-0.25", "visit": "1959-12-31", "note": "", "story": "ngắn"}),
        json!({"age": "60"}),
    ];
    for a in answers {
        let (s, b) = submit(
            &app,
            &key,
            json!({"id": uuid::Uuid::new_v4().to_string(), "answers": a}),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
    }

    // The survey page links the export in each language of the questionnaire.
    let page = app.get(&format!("/surveys/{id}")).await;
    assert!(
        page.body.contains(&format!(
            "href=\"/surveys/{id}/export/responses.dta?lang=vi\">Stata (.dta) (Tiếng Việt (vi))</a>"
        )),
        "{}",
        page.body
    );

    let r = app
        .client
        .get(format!(
            "{}/surveys/{id}/export/responses.dta?lang=vi",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/x-stata-dta");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with("-responses.dta\""),
        "{:?}",
        r.headers()
    );
    let (status, dta) =
        download(&app, &format!("/surveys/{id}/export/responses.dta?lang=vi")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(dta.starts_with(
        b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>\x0f\x00</K><N>\x03\0\0\0\0\0\0\0</N>"
    ));
    assert!(dta.ends_with(b"</value_labels></stata_dta>"));

    let dir = tempfile::tempdir().unwrap();
    let Some(v) = read_dta(&dta, dir.path()) else {
        eprintln!("skipped: the .dta read-back (no pyreadstat)");
        return;
    };
    let cols = [
        "response_id",
        "completed_at",
        "form_version",
        "province",
        "sat",
        "services",
        "services_a",
        "services_b",
        "services_c",
        LONG_NAME_DTA,
        "income",
        "visit",
        "note",
        "story",
        "age",
    ];
    assert_eq!(v["rows"], 3);
    assert_eq!(v["cols"], json!(cols));
    assert_eq!(v["file_label"], "Khảo sát Stata");
    assert_eq!(
        v["labels"],
        json!([
            "Response id",
            "Completed at (UTC)",
            "Questionnaire version",
            "Tỉnh/thành phố",
            "Mức độ hài lòng",
            "Dịch vụ đã dùng",
            "Dịch vụ đã dùng: Thuế",
            "Dịch vụ đã dùng: Đất đai",
            "Dịch vụ đã dùng: Hộ tịch",
            "Số người trong hộ",
            "Thu nhập (triệu đồng)",
            "Ngày đến bộ phận một cửa",
            "Ghi chú",
            "Câu chuyện của ông/bà",
            "Tuổi"
        ])
    );
    let chosen = json!({"0": "Không chọn", "1": "Có chọn"});
    assert_eq!(
        v["values"],
        json!({
            "province": {"1": "Hà Nội [hn]", "2": "TP. Hồ Chí Minh [hcm]", "3": "Đà Nẵng [dn]"},
            "sat": {"1": "Hài lòng", "2": "Không hài lòng", "98": "Khó trả lời"},
            "services_a": chosen, "services_b": chosen, "services_c": chosen
        })
    );
    // Rows come in the order of their ids: find each by age.
    let data = &v["data"];
    let ages: Vec<f64> = data["age"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_f64().unwrap())
        .collect();
    let row = |age: f64| ages.iter().position(|a| *a == age).unwrap();
    let (r30, r45, r60) = (row(30.0), row(45.0), row(60.0));
    let cell = |data: &serde_json::Value, col: &str, r: usize| data[col][r].clone();
    let expect: [(&str, [serde_json::Value; 3]); 12] = [
        ("province", [json!(1.0), json!(2.0), json!(null)]),
        ("sat", [json!(1.0), json!(98.0), json!(null)]),
        ("services", [json!("a c"), json!("b"), json!("")]),
        ("services_a", [json!(1.0), json!(0.0), json!(null)]),
        ("services_b", [json!(0.0), json!(1.0), json!(null)]),
        ("services_c", [json!(1.0), json!(0.0), json!(null)]),
        (LONG_NAME_DTA, [json!(4.0), json!(null), json!(null)]),
        ("income", [json!(12.5), json!(-0.25), json!(null)]),
        (
            "visit",
            [json!("2026-03-01"), json!("1959-12-31"), json!(null)],
        ),
        ("note", [json!("Xin chào, Việt Nam!"), json!(""), json!("")]),
        ("story", [json!(story), json!("ngắn"), json!("")]),
        ("form_version", [json!("1"), json!("1"), json!("1")]),
    ];
    let pandas = &v["pandas"];
    for (reader, data) in [("pyreadstat", data), ("pandas", &pandas["data"])] {
        for (col, values) in &expect {
            for (r, want) in [r30, r45, r60].into_iter().zip(values) {
                let got = cell(data, col, r);
                let same = match (got.as_f64(), want.as_f64()) {
                    (Some(g), Some(w)) => g == w,
                    _ => got == *want,
                };
                assert!(same, "{reader}: {col} row {r}: {got} ≠ {want}");
            }
        }
        let ids = data["response_id"].as_array().unwrap();
        assert!(
            ids.iter().all(|i| i.as_str().unwrap().len() == 36),
            "{ids:?}"
        );
    }
    // pandas: labels, the label tables by their names, the dataset label, categoricals.
    assert_eq!(pandas["data_label"], "Khảo sát Stata");
    assert_eq!(pandas["labels"]["story"], "Câu chuyện của ông/bà");
    assert_eq!(pandas["labels"][LONG_NAME_DTA], "Số người trong hộ");
    assert_eq!(pandas["values"]["chosen"], chosen);
    assert_eq!(pandas["values"]["sat"]["98"], "Khó trả lời");
    let categories = &pandas["categories"];
    assert_eq!(categories["province"][r45], "TP. Hồ Chí Minh [hcm]");
    assert_eq!(categories["sat"][r45], "Khó trả lời");
    assert_eq!(categories["services_b"][r30], "Không chọn");
    assert_eq!(categories["services_b"][r60], json!(null));

    // In English: the labels of the questionnaire's other language.
    let (_, dta_en) = download(&app, &format!("/surveys/{id}/export/responses.dta?lang=en")).await;
    let v = read_dta(&dta_en, dir.path()).unwrap();
    assert_eq!(v["labels"][3], "Province");
    assert_eq!(v["values"]["province"]["2"], "Ho Chi Minh City [hcm]");
    assert_eq!(
        v["values"]["services_c"],
        json!({"0": "Not chosen", "1": "Chosen"})
    );
}
