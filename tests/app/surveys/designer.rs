//! The designer: a survey created in a unit, an XLSForm imported (errors with sheet, row and
//! column, nothing half-saved), live expression checks, a question edited, a choice added, the
//! preview, publication (immutable afterwards), XLSForm export, and waves of one series.

use reqwest::StatusCode;

use super::{create_survey, demo_xlsx};
use crate::helpers::spawn_demo;

#[tokio::test]
async fn a_designer_imports_checks_edits_previews_and_publishes() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Khảo sát thử", true).await;
    let page = app.get(&format!("/surveys/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Khảo sát thử");
    page.assert_contains("bản nháp");

    // A broken XLSForm: the error says sheet, row and column; nothing is stored.
    let mut broken = duluan::surveys::demo_form();
    if let duluan_forms::Item::Question(q) = &mut broken.items[2] {
        q.relevant = Some("${khong_co} = '1'".into());
    }
    let bytes = duluan_forms::xlsform::export_xlsx(&broken).unwrap();
    let page = app
        .upload(&format!("/surveys/{id}/import"), "broken.xlsx", bytes)
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("Không nhập được tệp XLSForm");
    page.assert_contains("khong_co");
    page.assert_contains("relevant");
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    designer.assert_contains("Câu hỏi thứ nhất");
    assert!(!designer.body.contains("uses_online"));

    // A good one replaces the draft.
    let page = app
        .upload(&format!("/surveys/{id}/import"), "demo.xlsx", demo_xlsx())
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    assert_eq!(designer.status, StatusCode::OK);
    // Translations side by side: both languages as columns of the structure.
    designer.assert_contains("Ông/bà bao nhiêu tuổi?");
    designer.assert_contains("How old are you?");
    designer.assert_contains("${uses_online}");

    // Live checking of an expression, in the context of the whole questionnaire.
    let check = app
        .post(
            &format!("/surveys/{id}/designer/check?q=services&p=relevant"),
            &[("relevant", "${uses_onlin} = '1'")],
        )
        .await;
    assert_eq!(check.status, StatusCode::OK);
    check.assert_contains("field-error");
    check.assert_contains("uses_onlin");
    let check = app
        .post(
            &format!("/surveys/{id}/designer/check?q=services&p=relevant"),
            &[("relevant", "${uses_online} = '1' and")],
        )
        .await;
    check.assert_contains("field-error");
    let check = app
        .post(
            &format!("/surveys/{id}/designer/check?q=services&p=relevant"),
            &[("relevant", "${uses_online} = '1' and ${age} >= 18")],
        )
        .await;
    check.assert_contains("sv-check-ok");

    // Saving a question with a broken constraint is refused and changes nothing.
    let edit = |constraint: &'static str| {
        vec![
            ("orig", "age"),
            ("name", "age"),
            ("type", "integer"),
            ("label_0", "Age?"),
            ("label_1", "Năm nay ông/bà bao nhiêu tuổi?"),
            ("required", "yes"),
            ("relevant", ""),
            ("constraint", constraint),
            ("message_0", "15 to 120"),
            ("message_1", "Từ 15 đến 120 tuổi"),
            ("calculation", ""),
        ]
    };
    let page = app
        .post(
            &format!("/surveys/{id}/designer/question"),
            &edit(". >= 15 and"),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    assert!(!designer.body.contains("Năm nay ông/bà bao nhiêu tuổi?"));
    let page = app
        .post(
            &format!("/surveys/{id}/designer/question"),
            &edit(". >= 15 and . <= 120"),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    designer.assert_contains("Năm nay ông/bà bao nhiêu tuổi?");

    // A new question and a new choice.
    let page = app
        .post(
            &format!("/surveys/{id}/designer/question"),
            &[
                ("orig", ""),
                ("name", "trust"),
                ("type", "select_one yn"),
                ("section", ""),
                ("label_0", "Do you trust the local authorities?"),
                (
                    "label_1",
                    "Ông/bà có tin tưởng chính quyền địa phương không?",
                ),
                ("relevant", "${age} >= 18"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(
            &format!("/surveys/{id}/designer/choice"),
            &[
                ("list", "yn"),
                ("name", "9"),
                ("label_0", "Don't know"),
                ("label_1", "Không biết"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    designer.assert_contains("Ông/bà có tin tưởng chính quyền địa phương không?");
    designer.assert_contains("Không biết");

    // A new section; removing a question others refer to is refused, an unused one goes.
    let page = app
        .post(
            &format!("/surveys/{id}/designer/section"),
            &[
                ("name", "opinion"),
                ("label_0", "Your opinion"),
                ("label_1", "Ý kiến của ông/bà"),
                ("one_page", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app
        .post(
            &format!("/surveys/{id}/designer/delete"),
            &[("name", "age")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app
        .post(
            &format!("/surveys/{id}/designer/delete"),
            &[("name", "comment")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    designer.assert_contains("Ý kiến của ông/bà");
    assert!(!designer.body.contains("row-comment"));
    designer.assert_contains("row-age");

    // Preview as a respondent, phone size by default; skip logic and validation apply.
    let preview = app.get(&format!("/surveys/{id}/preview")).await;
    assert_eq!(preview.status, StatusCode::OK);
    preview.assert_contains("sv-phone");
    preview.assert_contains("Năm nay ông/bà bao nhiêu tuổi?");
    let step = app
        .post(
            &format!("/surveys/{id}/preview"),
            &[
                ("page", "about"),
                ("nav", "next"),
                ("state", "{}"),
                ("size", "phone"),
                ("a.age", "9"),
                ("a.gender", "1"),
            ],
        )
        .await;
    step.assert_contains("Từ 15 đến 120 tuổi");

    // Publish: the version becomes immutable and the survey opens with a public link.
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.get(&format!("/surveys/{id}")).await;
    page.assert_contains("id=\"public-link\"");
    page.assert_contains("Đang thu thập");
    let page = app
        .post(
            &format!("/surveys/{id}/designer/question"),
            &edit(". >= 18"),
        )
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    let page = app
        .upload(&format!("/surveys/{id}/import"), "demo.xlsx", demo_xlsx())
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);

    // The XLSForm export reads back as the same questionnaire.
    let r = app
        .client
        .get(format!("{}/surveys/{id}/xlsform", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    let back = duluan_forms::xlsform::import_xlsx(&bytes).unwrap();
    assert!(back.questions().iter().any(|q| q.name == "trust"));

    // A new version keeps the published variables; removing one is refused at publication.
    let page = app.post(&format!("/surveys/{id}/new-version"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/surveys/{id}")).await;
    page.assert_contains("bản nháp");
    let mut smaller = back.clone();
    smaller.items.retain(|i| i.name() != "trust");
    smaller.version = "7".into();
    let page = app
        .upload(
            &format!("/surveys/{id}/import"),
            "smaller.xlsx",
            duluan_forms::xlsform::export_xlsx(&smaller).unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("trust");

    // Every change is in the audit log.
    let entries: i64 = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE object_type = 'survey' AND object_id = $1"
    )
    .bind(id.to_string())
    .fetch_one(pool)
    .await
    .unwrap());
    assert!(entries >= 7, "{entries}");
}

#[tokio::test]
async fn a_new_wave_continues_the_series_with_the_same_questionnaire() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let first = super::demo_survey_id(&app).await;
    let unit = app.unit_id("92").await.to_string();
    let page = app
        .post(
            "/surveys",
            &[
                ("unit_id", unit.as_str()),
                ("title", "Chuyển đổi số — sau 6 tháng"),
                ("purpose", "after"),
                ("continues", &first.to_string()),
                ("anonymous", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id: i64 = page.location().rsplit('/').next().unwrap().parse().unwrap();
    let page = app.get(&format!("/surveys/{id}")).await;
    page.assert_contains("Các đợt của cùng bảng hỏi");
    page.assert_contains("Sau một thời gian thực hiện");
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    designer.assert_contains("Mức độ hài lòng của ông/bà");
    let waves: Vec<i64> = duluan::with_db!(&app.db, |pool| {
        sqlx::query_scalar(
        "SELECT wave FROM surveys WHERE series = (SELECT series FROM surveys WHERE id = $1) ORDER BY wave"
    )
    .bind(id)
    .fetch_all(pool)
    .await
    .unwrap()
    });
    assert_eq!(waves, vec![1, 2]);
    // Bad input gets a clear message.
    let page = app
        .post(
            "/surveys",
            &[
                ("unit_id", unit.as_str()),
                ("title", " "),
                ("purpose", "before"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    page.assert_contains("Tên cuộc điều tra phải có");
}

#[tokio::test]
async fn units_see_only_their_own_surveys() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    duluan::accounts::create_user(
        &app.db,
        "ward.designer",
        "Thiết kế phường",
        "mat-khau-phuong",
        duluan::accounts::model::Role::Designer,
        ward,
    )
    .await
    .unwrap();
    let city_survey = super::demo_survey_id(&app).await;
    let ward_app = app.other_client();
    ward_app.login("ward.designer", "mat-khau-phuong").await;
    let ward_survey = create_survey(&ward_app, "31135", "Khảo sát phường", true).await;
    // The ward's designer neither sees nor changes the city's survey, by URL guessing either.
    for path in [
        format!("/surveys/{city_survey}"),
        format!("/surveys/{city_survey}/designer"),
        format!("/surveys/{city_survey}/responses"),
        format!("/surveys/{city_survey}/export/responses.csv"),
        format!("/surveys/{city_survey}/xlsform"),
    ] {
        let page = ward_app.get(&path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    let page = ward_app
        .post(
            &format!("/surveys/{city_survey}/status"),
            &[("status", "closed")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let list = ward_app.get("/surveys").await;
    list.assert_contains("Khảo sát phường");
    assert!(!list.body.contains("chuyển đổi số ở phường"));
    // The city's designer sees the ward's survey (it lies in the city's subtree).
    app.login_demo("designer").await;
    assert_eq!(
        app.get(&format!("/surveys/{ward_survey}")).await.status,
        StatusCode::OK
    );
    // A viewer sees results, not individual responses; a reporter sees nothing.
    let viewer = app.other_client();
    viewer.login_demo("viewer").await;
    assert_eq!(
        viewer.get(&format!("/surveys/{city_survey}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        viewer
            .get(&format!("/surveys/{city_survey}/responses"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        viewer
            .get(&format!("/surveys/{city_survey}/export/responses.sav"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let reporter = app.other_client();
    reporter.login_demo("reporter").await;
    assert_eq!(
        reporter
            .get(&format!("/surveys/{city_survey}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reporter.get("/surveys/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Where each row of the designer's structure table is, by item name.
fn row_positions(body: &str, names: &[&str]) -> Vec<usize> {
    names
        .iter()
        .map(|n| {
            body.find(&format!("id=\"row-{n}\""))
                .unwrap_or_else(|| panic!("no row {n}"))
        })
        .collect()
}

async fn draft_form(app: &crate::helpers::TestApp, id: i64) -> duluan_forms::Form {
    let json: String = duluan::with_db!(&app.db, |pool| sqlx::query_scalar(
        "SELECT form_json FROM survey_versions WHERE survey_id = $1 AND published_at IS NULL"
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    duluan_forms::Form::from_json(&json).unwrap()
}

#[tokio::test]
async fn the_designer_reorders_items_edits_sections_and_hints() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Sắp xếp", true).await;
    let page = app
        .upload(&format!("/surveys/{id}/import"), "demo.xlsx", demo_xlsx())
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let names = |f: &duluan_forms::Form| {
        f.items
            .iter()
            .map(|i| i.name().to_string())
            .collect::<Vec<_>>()
    };
    let before = names(&draft_form(&app, id).await);
    assert_eq!(
        before,
        [
            "about",
            "uses_online",
            "services",
            "satisfaction",
            "comment",
            "adult"
        ]
    );

    // Up and down within the top level.
    let mv = |name: &str, dir: &str| {
        let app = &app;
        let (name, dir) = (name.to_string(), dir.to_string());
        async move {
            let (name, dir) = (name.as_str(), dir.as_str());
            let page = app
                .post(
                    &format!("/surveys/{id}/designer/move"),
                    &[("name", name), ("dir", dir)],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
    };
    mv("comment", "up").await;
    let form = draft_form(&app, id).await;
    assert_eq!(&names(&form)[3..5], ["comment", "satisfaction"]);
    let designer = app.get(&format!("/surveys/{id}/designer")).await;
    let pos = row_positions(&designer.body, &["comment", "satisfaction"]);
    assert!(pos[0] < pos[1], "the structure shows the new order");
    mv("comment", "down").await;
    assert_eq!(names(&draft_form(&app, id).await), before);
    // Out of a section from its first place, and back in from just before it.
    mv("age", "up").await;
    let form = draft_form(&app, id).await;
    assert_eq!(&names(&form)[..2], ["age", "about"]);
    mv("age", "down").await;
    let form = draft_form(&app, id).await;
    assert_eq!(names(&form), before);
    let Some(duluan_forms::Item::Group(about)) = form.items.first() else {
        panic!("about is first")
    };
    assert_eq!(about.items[0].name(), "age");
    let bad = app
        .post(
            &format!("/surveys/{id}/designer/move"),
            &[("name", "age"), ("dir", "sideways")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // A section, edited after it was added; a question moved into it and out again.
    let page = app
        .post(
            &format!("/surveys/{id}/designer/section"),
            &[
                ("name", "household"),
                ("label_0", "Household"),
                ("label_1", "Hộ gia đình"),
                ("one_page", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let editor = app
        .get(&format!("/surveys/{id}/designer?section=household"))
        .await;
    editor.assert_contains("section-editor");
    editor.assert_contains("Hộ gia đình");
    let page = app
        .post(
            &format!("/surveys/{id}/designer/section"),
            &[
                ("orig", "household"),
                ("name", "ho_gia_dinh"),
                ("label_0", "Your household"),
                ("label_1", "Hộ gia đình của ông/bà"),
                ("relevant", "${age} >= 18"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let form = draft_form(&app, id).await;
    let Some(duluan_forms::Item::Group(g)) = form.items.last() else {
        panic!("the section is last")
    };
    assert_eq!(g.name, "ho_gia_dinh");
    assert_eq!(g.label.0["Tiếng Việt (vi)"], "Hộ gia đình của ông/bà");
    assert_eq!(g.relevant.as_deref(), Some("${age} >= 18"));
    assert_eq!(g.appearance, None, "one page was unticked");
    // A broken relevance is refused and changes nothing.
    let page = app
        .post(
            &format!("/surveys/{id}/designer/section"),
            &[
                ("orig", "ho_gia_dinh"),
                ("name", "ho_gia_dinh"),
                ("relevant", "${khong_co} = 1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.assert_contains("khong_co");
    // The item before the section goes into it going down (at its start); going up from its
    // first place it leaves the section again.
    let q = names(&form)[names(&form).len() - 2].clone();
    let q = q.as_str();
    mv(q, "down").await;
    let form = draft_form(&app, id).await;
    let Some(duluan_forms::Item::Group(g)) = form.items.last() else {
        panic!("the section is last")
    };
    assert_eq!(g.items[0].name(), q, "moved into the section, at its start");
    mv(q, "up").await;
    let form = draft_form(&app, id).await;
    assert_eq!(names(&form)[names(&form).len() - 2], q, "and out again");

    // Hints in every language.
    let page = app
        .post(
            &format!("/surveys/{id}/designer/question"),
            &[
                ("orig", "age"),
                ("name", "age"),
                ("type", "integer"),
                ("label_0", "How old are you?"),
                ("label_1", "Ông/bà bao nhiêu tuổi?"),
                ("hint_0", "In whole years"),
                ("hint_1", "Tính theo năm tròn"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let form = draft_form(&app, id).await;
    let age = form
        .questions()
        .into_iter()
        .find(|q| q.name == "age")
        .unwrap()
        .clone();
    assert_eq!(age.hint.0["English (en)"], "In whole years");
    assert_eq!(age.hint.0["Tiếng Việt (vi)"], "Tính theo năm tròn");
    let editor = app.get(&format!("/surveys/{id}/designer?edit=age")).await;
    editor.assert_contains("Tính theo năm tròn");
    // The respondent sees the hint (preview).
    let preview = app.get(&format!("/surveys/{id}/preview")).await;
    preview.assert_contains("Tính theo năm tròn");
}

fn unescape(s: &str) -> String {
    s.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The answers a preview page carries in its hidden `state` field.
fn preview_state(body: &str) -> String {
    let at = body
        .find("name=\"state\" value=\"")
        .expect("a preview state")
        + 20;
    unescape(&body[at..at + body[at..].find('"').unwrap()])
}

#[tokio::test]
async fn rank_questions_get_a_select_per_position_and_open_repeats_add_and_remove() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let id = create_survey(&app, "92", "Xếp hạng", true).await;
    let form = serde_json::json!({
        "id": "rank", "version": "1", "title": "Xếp hạng",
        "default_language": "Tiếng Việt (vi)",
        "items": [
            {"kind": "question", "name": "prio", "type": "rank prio", "required": "yes",
             "label": {"Tiếng Việt (vi)": "Xếp hạng các việc cần làm", "English (en)": "Rank the tasks"}},
            {"kind": "group", "name": "members", "repeat": true, "appearance": "field-list",
             "label": {"Tiếng Việt (vi)": "Thành viên", "English (en)": "Member"},
             "items": [{"kind": "question", "name": "m_age", "type": "integer",
                        "label": {"Tiếng Việt (vi)": "Tuổi", "English (en)": "Age"}}]}
        ],
        "choices": [{"name": "prio", "choices": [
            {"name": "roads", "label": {"Tiếng Việt (vi)": "Đường sá", "English (en)": "Roads"}},
            {"name": "schools", "label": {"Tiếng Việt (vi)": "Trường học", "English (en)": "Schools"}},
            {"name": "health", "label": {"Tiếng Việt (vi)": "Y tế", "English (en)": "Health"}}]}]
    });
    let form = duluan_forms::Form::from_json(&form.to_string()).unwrap();
    let bytes = duluan_forms::xlsform::export_xlsx(&form).unwrap();
    let page = app
        .upload(&format!("/surveys/{id}/import"), "rank.xlsx", bytes)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let preview = format!("/surveys/{id}/preview");

    // One select per position, each offering every choice.
    let page = app.get(&preview).await;
    assert_eq!(
        page.body.matches("name=\"a.prio\"").count(),
        3,
        "{}",
        page.body
    );
    assert_eq!(page.body.matches("value=\"schools\"").count(), 3);
    let state = preview_state(&page.body);

    // The same choice twice is refused by the server, beside the question.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "prio"),
                ("nav", "next"),
                ("a.prio", "schools"),
                ("a.prio", "schools"),
                ("a.prio", "roads"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("field-error");
    page.assert_contains("mỗi lựa chọn một lần");
    // A missing position too.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "prio"),
                ("nav", "next"),
                ("a.prio", "schools"),
                ("a.prio", ""),
                ("a.prio", "roads"),
            ],
        )
        .await;
    page.assert_contains("Hãy xếp hạng tất cả các lựa chọn");
    // Ranked: the order is kept and the open repeat shows its first instance.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "prio"),
                ("nav", "next"),
                ("a.prio", "health"),
                ("a.prio", "roads"),
                ("a.prio", "schools"),
            ],
        )
        .await;
    let state = preview_state(&page.body);
    let answers: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(answers["prio"], "health roads schools");
    page.assert_contains("name=\"a.m_age.0\"");
    page.assert_contains("value=\"add:members:0\"");
    assert!(
        !page.body.contains("remove:members"),
        "the last instance stays"
    );

    // Add another: a second instance, its page shown; the first answer kept.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "members[1]"),
                ("nav", "add:members:0"),
                ("a.m_age.0", "40"),
            ],
        )
        .await;
    page.assert_contains("name=\"a.m_age.1\"");
    page.assert_contains("value=\"remove:members:1\"");
    let state = preview_state(&page.body);
    let answers: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(answers["members"].as_array().unwrap().len(), 2);
    assert_eq!(answers["members"][0]["m_age"], "40");

    // Remove it again: back to the first instance.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "members[2]"),
                ("nav", "remove:members:1"),
                ("a.m_age.1", "12"),
            ],
        )
        .await;
    page.assert_contains("name=\"a.m_age.0\"");
    assert!(!page.body.contains("name=\"a.m_age.1\""));
    let state = preview_state(&page.body);
    let answers: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(answers["members"].as_array().unwrap().len(), 1);
    // A forged change of a repeat that does not exist changes nothing.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "members[1]"),
                ("nav", "remove:prio:0"),
                ("a.m_age.0", "40"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(preview_state(&page.body), state);
    // Finished.
    let page = app
        .post(
            &preview,
            &[
                ("state", state.as_str()),
                ("page", "members[1]"),
                ("nav", "next"),
                ("a.m_age.0", "40"),
            ],
        )
        .await;
    page.assert_contains("sv-preview-bar");
    assert!(!page.body.contains("field-error"), "{}", page.body);
}
