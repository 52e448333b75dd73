//! Every write and its audit entry are one transaction: when the database refuses the audit
//! entry, the change it records is undone too, and the user sees an error instead of a success.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

#[tokio::test]
async fn a_unit_edit_whose_audit_entry_fails_changes_nothing() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let ward = app.unit_id("31135").await;
    app.refuse_audit_of("unit_update").await;
    let edit = app
        .post(
            &format!("/orgs/{ward}/edit"),
            &[
                ("name", "Phường đổi tên"),
                ("kind", "ward"),
                ("code", "31135"),
                ("parent", "31120"),
            ],
        )
        .await;
    assert_eq!(
        edit.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        edit.body
    );
    let page = app.get(&format!("/orgs/{ward}")).await;
    page.assert_contains("Phường Ninh Kiều");
    assert!(!page.body.contains("Phường đổi tên"));
    // Neither renamed nor moved.
    assert!(app.children_codes("92").await.contains_key("31135"));
    assert!(!app.children_codes("31120").await.contains_key("31135"));
}

#[tokio::test]
async fn a_new_unit_or_import_whose_audit_entry_fails_is_not_kept() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let ward = app.unit_id("31135").await;
    app.refuse_audit_of("unit_create").await;
    app.refuse_audit_of("unit_import").await;
    let created = app
        .post(
            &format!("/orgs/{ward}/new"),
            &[
                ("name", "Khu vực 9"),
                ("kind", "area"),
                ("code", "31135-09"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!app.children_codes("31135").await.contains_key("31135-09"));
    let csv = "code,name,type,parent_code\nNEW-1,Ấp mới,hamlet,31135\n";
    let imported = app
        .upload("/orgs/import", "units.csv", csv.as_bytes().to_vec())
        .await;
    assert_eq!(imported.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        duluan::orgs::resolve_unit_ref(&app.db, "NEW-1")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_collaborator_whose_audit_entry_fails_is_not_kept() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let ward = app.unit_id("31135").await;
    let before = duluan::collaborators::store::list_collaborators(&app.db, &[ward], 1000)
        .await
        .unwrap()
        .len();
    app.refuse_audit_of("collaborator.create").await;
    let refused = app
        .post(
            "/collaborators/new",
            &[
                ("unit", "31135"),
                ("full_name", "Đỗ Văn Nam"),
                ("consent_date", "2026-01-02"),
                ("stratum", "worker"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
    let after = duluan::collaborators::store::list_collaborators(&app.db, &[ward], 1000)
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_survey_whose_audit_entry_fails_is_not_created_nor_closed() {
    let app = spawn_demo().await;
    app.login_demo("designer").await;
    let city = app.unit_id("92").await;
    let count = || async {
        duluan::surveys::store::list_surveys(&app.db, &[city])
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    app.refuse_audit_of("survey.create").await;
    let created = app
        .post(
            "/surveys",
            &[
                ("unit_id", city.to_string().as_str()),
                ("title", "Khảo sát không được ghi nhật ký"),
                ("purpose", "before"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(count().await, before);
    // Closing the demo survey: refused with its audit entry, so it stays open.
    let demo = crate::surveys::demo_survey_id(&app).await;
    app.refuse_audit_of("survey.status").await;
    let closed = app
        .post(&format!("/surveys/{demo}/status"), &[("status", "closed")])
        .await;
    assert_eq!(closed.status, StatusCode::INTERNAL_SERVER_ERROR);
    let survey = duluan::surveys::store::find_survey(&app.db, demo)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(survey.status, duluan::surveys::model::SurveyStatus::Open);
}
