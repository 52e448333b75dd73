//! Exports: CSV (one row per response, select-multiple dummies), the repeats' long table, the
//! codebook in both languages, XLSX, and SPSS `.sav` read back by GNU PSPP (`pspp-convert`,
//! `DISPLAY DICTIONARY`) and by pyreadstat when they are installed (required when
//! `DULUAN_TEST_SAV_TOOLS=1`); an export of a survey without responses is a valid empty file.
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
    let (status, _) = download(&app, &format!("/surveys/{id}/export/responses.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
