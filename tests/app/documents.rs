//! Documents (issue 17): the demo's centre drafts the month's report from the merged streams,
//! edits it, sends it for approval; the city's leader approves it; the issued PDF and DOCX are
//! frozen (hash recorded) and read back by Debian's poppler (`pdftotext`, `pdftoppm`), by
//! LibreOffice (`soffice --convert-to pdf`) and by python-docx. Without those tools the checks
//! that need them print `skipped: …`, unless `DULUAN_TEST_DOCS_TOOLS=1` makes them required
//! (`.ci/run` installs them). Then a new version supersedes it, the refusals, the role × route
//! matrix, and a survey report whose figures are the results export's.

use std::process::Command;

use reqwest::StatusCode;
use sha2::Digest;

use crate::helpers::{TestApp, spawn_demo};
use crate::reporting::this_month;

fn tools_required() -> bool {
    std::env::var("DULUAN_TEST_DOCS_TOOLS").is_ok_and(|v| v == "1")
}

/// Whether `program` runs (`--version` or `-v`); panics when the tools are required.
fn tool(program: &str, package: &str) -> bool {
    let ok = Command::new(program)
        .arg(if program == "pdftotext" || program == "pdftoppm" {
            "-v"
        } else {
            "--version"
        })
        .output()
        .is_ok();
    if !ok {
        assert!(
            !tools_required(),
            "DULUAN_TEST_DOCS_TOOLS=1 but {program} is missing: apt-get install {package}"
        );
        eprintln!("skipped: {program} not found (Debian {package})");
    }
    ok
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of a PDF by `pdftotext -layout`-free reading, whitespace collapsed.
fn pdf_text(path: &std::path::Path) -> String {
    let out = Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed: {out:?}");
    collapse(&String::from_utf8(out.stdout).expect("UTF-8"))
}

/// Where the rendered pages are kept for a person to look at.
fn keep_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("screenshots")
        .join("documents");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Block ids of a kind on a document's page, in order.
fn block_ids(body: &str, kind: &str) -> Vec<i64> {
    let marker = format!("class=\"doc-block kind-{kind}\" id=\"b");
    body.match_indices(&marker)
        .filter_map(|(i, m)| {
            body[i + m.len()..]
                .split('"')
                .next()
                .and_then(|s| s.parse().ok())
        })
        .collect()
}

pub(crate) fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/documents/")
        .split(['?', '/'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Merges the demo's three riverbank-erosion streams of this month into a city stream with a
/// recommendation, as the centre does before its report.
pub(crate) async fn merge_erosion(app: &TestApp) {
    let month = this_month();
    let erosion: Vec<String> = duluan::reporting::store::list_period_streams(&app.db, &month)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.summary.contains("sạt lở bờ sông kéo dài"))
        .map(|s| s.id.to_string())
        .collect();
    assert_eq!(erosion.len(), 3);
    let fields: Vec<(&str, &str)> = erosion.iter().map(|id| ("stream", id.as_str())).collect();
    let merged = app.post("/reporting/synthesis/merge", &fields).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let city_id: i64 = merged
        .location()
        .rsplit("#city-")
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let edited = app
        .post(
            &format!("/reporting/city-streams/{city_id}"),
            &[
                (
                    "summary",
                    "Nhân dân ba địa phương ven sông lo lắng về sạt lở, mong sớm có kè.",
                ),
                ("scope", "local"),
                ("direction", "worried"),
                ("recommendation", "Ưu tiên vốn xây kè năm tới."),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER);
}

async fn download(app: &TestApp, path: &str) -> (Vec<u8>, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let hash = r
        .headers()
        .get("x-content-sha256")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    (r.bytes().await.unwrap().to_vec(), hash)
}

const EDITED: &str = "Thực hiện chế độ báo cáo định kỳ, Ban Tuyên giáo và Dân vận báo cáo như sau: tình hình tư tưởng của Nhân dân ổn định; nổi lên là lo lắng về sạt lở bờ sông.";

#[tokio::test]
async fn the_centre_drafts_the_monthly_report_and_the_leader_issues_it() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    merge_erosion(&app).await;
    let city = app.unit_id("92").await;
    let month = this_month();
    let created = app
        .post(
            "/documents",
            &[
                ("kind", "synthesis"),
                ("unit", &city.to_string()),
                ("period", &month),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = id_from(created.location());
    let page = app.get(&format!("/documents/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // Assembled from the data: the merged stream with its breadth and recommendation, the
    // completeness table, monitoring, each figure with its source page.
    page.assert_contains("Tình hình dư luận xã hội tháng");
    page.assert_contains("Sạt lở bờ sông");
    page.assert_contains("3 đơn vị phản ánh");
    page.assert_contains("Ưu tiên vốn xây kè năm tới.");
    page.assert_contains("Báo cáo tháng của các đơn vị");
    page.assert_contains(&format!("/reporting/synthesis?period={month}"));
    page.assert_contains("ĐẢNG CỘNG SẢN VIỆT NAM");
    page.assert_contains("Trần Minh Khoa");
    // Edit the opening paragraph.
    let first = block_ids(&page.body, "paragraph")[0];
    let saved = app
        .post(
            &format!("/documents/{id}/blocks/{first}"),
            &[("action", "save"), ("kind", "paragraph"), ("text", EDITED)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    // Insert a paragraph after it and move it up above the first.
    let inserted = app
        .post(
            &format!("/documents/{id}/blocks/{first}"),
            &[
                ("action", "insert"),
                ("kind", "paragraph"),
                ("text", "Đoạn thêm để thử."),
            ],
        )
        .await;
    assert_eq!(inserted.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/documents/{id}")).await;
    let paragraphs = block_ids(&page.body, "paragraph");
    assert_eq!(paragraphs[0], first);
    let added = paragraphs[1];
    assert!(page.body.find(EDITED).unwrap() < page.body.find("Đoạn thêm để thử.").unwrap());
    let deleted = app
        .post(
            &format!("/documents/{id}/blocks/{added}"),
            &[("action", "delete")],
        )
        .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get(&format!("/documents/{id}"))
            .await
            .body
            .contains("Đoạn thêm để thử.")
    );
    // The draft's PDF says so and has no number.
    let (draft_pdf, _) = download(&app, &format!("/documents/{id}/file.pdf")).await;
    assert!(draft_pdf.starts_with(b"%PDF"));

    // The analyst may not approve; sending it for approval freezes the text.
    let refused = app.post(&format!("/documents/{id}/approve"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let sent = app.post(&format!("/documents/{id}/submit"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let late = app
        .post(
            &format!("/documents/{id}/blocks/{first}"),
            &[
                ("action", "save"),
                ("kind", "paragraph"),
                ("text", "Sửa muộn"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    late.assert_contains("đang chờ duyệt");

    // The leader returns it once with a reason, then approves the resent draft.
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    let no_reason = leader
        .post(&format!("/documents/{id}/return"), &[("note", " ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
    let returned = leader
        .post(
            &format!("/documents/{id}/return"),
            &[("note", "Bổ sung số liệu khảo sát.")],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.post(&format!("/documents/{id}/submit"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let approved = leader.post(&format!("/documents/{id}/approve"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    let page = leader.get(&format!("/documents/{id}")).await;
    page.assert_contains("Đã ban hành");
    page.assert_contains("Số 1-BC/BTGDVTU");
    page.assert_contains("Bổ sung số liệu khảo sát.");
    // Frozen: the stored files come back byte for byte with the hash recorded at approval.
    let (pdf, pdf_hash) = download(&leader, &format!("/documents/{id}/file.pdf")).await;
    let (docx, docx_hash) = download(&leader, &format!("/documents/{id}/file.docx")).await;
    assert_eq!(hex::encode(sha2::Sha256::digest(&pdf)), pdf_hash);
    assert_eq!(hex::encode(sha2::Sha256::digest(&docx)), docx_hash);
    page.assert_contains(&pdf_hash);
    assert_eq!(
        download(&app, &format!("/documents/{id}/file.pdf")).await.0,
        pdf
    );
    assert!(pdf.starts_with(b"%PDF") && docx.starts_with(b"PK"));
    let edit_issued = app
        .post(&format!("/documents/{id}/title"), &[("title", "Khác")])
        .await;
    assert_eq!(edit_issued.status, StatusCode::CONFLICT);
    let path = duluan::orgs::path_of(&app.db, city).await.unwrap();
    let filter = duluan::audit::model::AuditFilter {
        action: "document.approve".into(),
        ..Default::default()
    };
    let audit = duluan::audit::store::list_entries(&app.db, &[path], &filter, 10, 0)
        .await
        .unwrap();
    let entry = audit.first().expect("approval audited");
    assert!(entry.detail.contains(&pdf_hash) && entry.detail.contains(&docx_hash));

    check_files(&pdf, &docx);

    // A new version replaces it once approved, with the next number of the year.
    let reissued = app.post(&format!("/documents/{id}/reissue"), &[]).await;
    assert_eq!(reissued.status, StatusCode::SEE_OTHER);
    let v2 = id_from(reissued.location());
    assert_ne!(v2, id);
    assert_eq!(
        app.post(&format!("/documents/{id}/reissue"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        app.post(&format!("/documents/{v2}/submit"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        leader
            .post(&format!("/documents/{v2}/approve"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    leader
        .get(&format!("/documents/{v2}"))
        .await
        .assert_contains("Số 2-BC/BTGDVTU");
    leader
        .get(&format!("/documents/{id}"))
        .await
        .assert_contains("Đã được thay thế");
    // The old version's files are still the ones issued.
    assert_eq!(
        download(&leader, &format!("/documents/{id}/file.pdf"))
            .await
            .1,
        pdf_hash
    );
}

/// Reads the issued files back with the tools a recipient would use.
fn check_files(pdf: &[u8], docx: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = dir.path().join("bao-cao.pdf");
    let docx_path = dir.path().join("bao-cao.docx");
    std::fs::write(&pdf_path, pdf).unwrap();
    std::fs::write(&docx_path, docx).unwrap();
    if tool("pdftotext", "poppler-utils") {
        let text = pdf_text(&pdf_path);
        for expected in [
            "THÀNH ỦY CẦN THƠ",
            "BAN TUYÊN GIÁO VÀ DÂN VẬN",
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            "Số 1-BC/BTGDVTU",
            "BÁO CÁO",
            "Tình hình dư luận xã hội tháng",
            EDITED,
            "Ưu tiên vốn xây kè năm tới.",
            "Nơi nhận:",
            "Thường trực Thành ủy (để báo cáo)",
            "PHÓ TRƯỞNG BAN",
            "Trần Minh Khoa",
        ] {
            assert!(
                text.contains(expected),
                "{expected:?} not in the PDF's text:\n{text}"
            );
        }
        assert!(
            !text.contains("DỰ THẢO"),
            "an issued document is not marked draft"
        );
        let fonts = Command::new("pdffonts").arg(&pdf_path).output().unwrap();
        let listing = String::from_utf8_lossy(&fonts.stdout);
        for line in listing.lines().skip(2) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // name type encoding emb sub uni object ID: "emb" is the fourth column from the end.
            assert_eq!(cols[cols.len() - 5], "yes", "font not embedded: {line}");
        }
    }
    if tool("pdftoppm", "poppler-utils") {
        let out = Command::new("pdftoppm")
            .args(["-r", "80", "-png", "-f", "1", "-l", "2"])
            .arg(&pdf_path)
            .arg(keep_dir().join("issued"))
            .status()
            .unwrap();
        assert!(out.success());
    }
    if tool("soffice", "libreoffice-writer-nogui") {
        let profile = dir.path().join("lo-profile");
        let out = Command::new("soffice")
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path().join("lo"))
            .arg(&docx_path)
            .output()
            .unwrap();
        let converted = dir.path().join("lo").join("bao-cao.pdf");
        assert!(
            out.status.success() && converted.exists(),
            "LibreOffice could not convert the DOCX: {out:?}"
        );
        if tool("pdftotext", "poppler-utils") {
            let text = pdf_text(&converted);
            for expected in [
                "Tình hình dư luận xã hội tháng",
                "Trần Minh Khoa",
                "Số 1-BC/BTGDVTU",
                EDITED,
            ] {
                assert!(
                    text.contains(expected),
                    "{expected:?} not in LibreOffice's PDF:\n{text}"
                );
            }
        }
        let _ = Command::new("pdftoppm")
            .args(["-r", "80", "-png", "-f", "1", "-l", "1"])
            .arg(&converted)
            .arg(keep_dir().join("issued-libreoffice"))
            .status();
    }
    let has_docx = Command::new("/usr/bin/python3")
        .args(["-c", "import docx"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_docx {
        assert!(
            !tools_required(),
            "DULUAN_TEST_DOCS_TOOLS=1 but python-docx is missing: apt-get install python3-docx"
        );
        eprintln!("skipped: python-docx not found (Debian python3-docx)");
        return;
    }
    let script = r#"
import sys, docx
d = docx.Document(sys.argv[1])
t = d.tables[0]
assert len(t.columns) == 2, len(t.columns)
left = t.cell(0, 0).text
right = t.cell(0, 1).text
assert "BAN TUYÊN GIÁO VÀ DÂN VẬN" in left, left
assert "ĐẢNG CỘNG SẢN VIỆT NAM" in right, right
body = d.element.body
assert body[0].tag.endswith("tbl"), body[0].tag
titles = [p for p in d.paragraphs if p.text.startswith("Tình hình dư luận xã hội tháng")]
assert titles, [p.text for p in d.paragraphs][:10]
style = titles[0].style
assert style is not None and style.name not in ("Normal", "Default Paragraph Font"), style.name
texts = "\n".join(c.text for tb in d.tables for row in tb.rows for c in row.cells)
assert "Nơi nhận:" in texts and "Thường trực Thành ủy (để báo cáo)" in texts, texts
print("ok", style.name)
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .arg(&docx_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python-docx check failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn documents_refuse_bad_input_and_wrong_people() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await.to_string();
    // A month that does not exist, a kind that does not, a unit out of scope.
    let bad = app
        .post(
            "/documents",
            &[
                ("kind", "synthesis"),
                ("unit", &city),
                ("period", "2026-13"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("NNNN-TT");
    let bad = app
        .post(
            "/documents",
            &[("kind", "memo"), ("unit", &city), ("period", "2026-11")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // A quick report without a subject.
    let bad = app
        .post(
            "/documents",
            &[("kind", "quick"), ("unit", &city), ("title", "  ")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    bad.assert_contains("Trích yếu không được để trống");
    // Settings: a symbol with a space is refused, the form shows what was typed, nothing saved.
    let before = app.get(&format!("/documents/settings?unit={city}")).await;
    before.assert_contains("BC/BTGDVTU");
    let refused = app
        .post(
            "/documents/settings",
            &[
                ("unit", &city),
                ("layout", "state"),
                ("issuing_body", "TRUNG TÂM THÔNG TIN"),
                ("symbol", "BC TT"),
                ("place", "Cần Thơ"),
                ("signatory_position", "GIÁM ĐỐC"),
                ("signatory_name", "Lê Văn B"),
                ("recipients", "Lưu VT"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    refused.assert_contains("không có dấu cách");
    refused.assert_contains("TRUNG TÂM THÔNG TIN");
    app.get(&format!("/documents/settings?unit={city}"))
        .await
        .assert_contains("BC/BTGDVTU");
    // A ward without settings: its draft cannot be approved until they are set.
    let ward = app.unit_id("31135").await.to_string();
    let ward_doc = app
        .post(
            "/documents",
            &[
                ("kind", "quick"),
                ("unit", &ward),
                ("title", "Sạt lở tại Ninh Kiều"),
            ],
        )
        .await;
    assert_eq!(ward_doc.status, StatusCode::SEE_OTHER, "{}", ward_doc.body);
    let wid = id_from(ward_doc.location());
    app.get(&format!("/documents/{wid}"))
        .await
        .assert_contains("id=\"no-issuer\"");
    assert_eq!(
        app.post(&format!("/documents/{wid}/submit"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let leader = app.other_client();
    leader.login_demo("viewer").await;
    let no_issuer = leader.post(&format!("/documents/{wid}/approve"), &[]).await;
    assert_eq!(no_issuer.status, StatusCode::BAD_REQUEST);
    no_issuer.assert_contains("thể thức");
    leader
        .get(&format!("/documents/{wid}"))
        .await
        .assert_contains("Chờ duyệt");
    // The ward's reporter reads reports but sees no draft; a collaborator has no documents.
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter.get(&format!("/documents/{wid}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        reporter
            .get(&format!("/documents/{wid}/file.pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let ctv = app.other_client();
    ctv.login_demo("ctv").await;
    assert_eq!(ctv.get("/documents").await.status, StatusCode::FORBIDDEN);
}

/// Who may do what, route by route: (path, method, expected status per role in
/// `[analyst, viewer, admin, reporter, designer, ctv]`).
#[tokio::test]
async fn the_role_and_route_matrix_of_documents() {
    const OK: u16 = 200;
    const SEE: u16 = 303;
    const CONFLICT: u16 = 409;
    const FORB: u16 = 403;
    const GONE: u16 = 404;
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await.to_string();
    let created = app
        .post(
            "/documents",
            &[("kind", "quick"), ("unit", &city), ("title", "Tin nhanh")],
        )
        .await;
    let id = id_from(created.location());
    let block = block_ids(
        &app.get(&format!("/documents/{id}")).await.body,
        "paragraph",
    )[0];
    let roles = ["analyst", "viewer", "admin", "reporter", "designer", "ctv"];
    let matrix: Vec<(String, &str, [u16; 6])> = vec![
        ("/documents".into(), "GET", [OK, OK, OK, OK, FORB, FORB]),
        (
            format!("/documents/settings?unit={city}"),
            "GET",
            [OK, FORB, FORB, FORB, FORB, FORB],
        ),
        (
            format!("/documents/{id}"),
            "GET",
            [OK, OK, GONE, GONE, GONE, GONE],
        ),
        (
            format!("/documents/{id}/file.docx"),
            "GET",
            [OK, OK, GONE, GONE, GONE, GONE],
        ),
        (
            format!("/documents/{id}/blocks/{block}"),
            "POST",
            [SEE, FORB, GONE, GONE, GONE, GONE],
        ),
        (
            format!("/documents/{id}/approve"),
            "POST",
            [FORB, CONFLICT, GONE, GONE, GONE, GONE],
        ),
    ];
    let mut failures = vec![];
    for (column, user) in roles.iter().enumerate() {
        let client = app.other_client();
        client.login_demo(user).await;
        for (path, method, expected) in &matrix {
            let url = format!("{}{path}", client.base);
            let r = if *method == "GET" {
                client.client.get(url).send().await.unwrap()
            } else {
                client
                    .client
                    .post(url)
                    .form(&[
                        ("action", "save"),
                        ("kind", "paragraph"),
                        ("text", "Nội dung"),
                    ])
                    .send()
                    .await
                    .unwrap()
            };
            let got = r.status().as_u16();
            if got != expected[column] {
                failures.push(format!(
                    "{user}: {method} {path} gave {got}, expected {}",
                    expected[column]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn a_survey_report_publishes_the_results_pages_figures_and_hides_what_it_hides() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let city = app.unit_id("92").await.to_string();
    let list = app.get("/documents").await;
    let survey: i64 = list
        .body
        .split("id=\"s-survey\" name=\"survey\"><option value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .and_then(|s| s.parse().ok())
        .expect("a survey to report on");
    let created = app
        .post(
            "/documents",
            &[
                ("kind", "survey"),
                ("unit", &city),
                ("survey", &survey.to_string()),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = id_from(created.location());
    let page = app.get(&format!("/documents/{id}")).await;
    page.assert_contains("Khoảng tin cậy 95 %");
    page.assert_contains(&format!("/documents/{id}/charts/"));
    // Every shown share of the export appears in the report as the same figure (one decimal,
    // decimal comma), and every hidden one appears as hidden.
    let csv = app.get(&format!("/surveys/{survey}/results.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut shown = 0;
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    for row in reader.records() {
        let row = row.unwrap();
        if row.get(2) != Some("share") || row.get(4).unwrap_or("").is_empty() {
            continue;
        }
        let est: f64 = row.get(5).unwrap().parse().unwrap();
        let lo: f64 = row.get(6).unwrap().parse().unwrap();
        let hi: f64 = row.get(7).unwrap().parse().unwrap();
        let fmt = |x: f64| format!("{:.1}", x * 100.0).replace('.', ",");
        let cells = format!(
            "<td>{}</td><td>{}</td><td>{} – {}</td><td>{}</td>",
            row.get(3).unwrap(),
            fmt(est),
            fmt(lo),
            fmt(hi),
            row.get(4).unwrap()
        );
        if page.body.contains(&cells) {
            shown += 1;
        }
    }
    assert!(
        shown >= 3,
        "the report shows {shown} of the export's shares"
    );
    let chart = block_ids(&page.body, "figure")[0];
    let svg = app
        .get(&format!("/documents/{id}/charts/{chart}.svg"))
        .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.body.starts_with("<svg") || svg.body.starts_with("<?xml"));
    // It renders with its charts.
    let (pdf, _) = download(&app, &format!("/documents/{id}/file.pdf")).await;
    assert!(pdf.starts_with(b"%PDF"));
    let (docx, _) = download(&app, &format!("/documents/{id}/file.docx")).await;
    assert!(docx.starts_with(b"PK"));
}
