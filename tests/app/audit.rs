//! The audit log: entries for writes, reads of personal data and logins; the administrator page;
//! append-only in the database.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

#[tokio::test]
async fn writes_and_reads_of_personal_data_are_recorded() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let ward = app.unit_id("31135").await;
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
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let reporter = duluan::accounts::store::find_user_by_username(&app.db, "reporter")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.get(&format!("/admin/users/{}", reporter.id))
            .await
            .status,
        StatusCode::OK
    );
    let bad_login = app.other_client();
    let _ = bad_login
        .post("/login", &[("username", "admin"), ("password", "guess")])
        .await;

    let page = app.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    for action in ["login", "unit_create", "user_read", "login_failed"] {
        page.assert_contains(&format!("<td>{action}</td>"));
    }
    page.assert_contains("127.0.0.1");
    page.assert_contains("Khu vực 9");
    let filtered = app.get("/admin/audit?action=unit_create").await;
    filtered.assert_contains("<td>unit_create</td>");
    assert!(!filtered.body.contains("<td>user_read</td>"));
    let by_user = app.get("/admin/audit?user=nobody").await;
    by_user.assert_contains("Không có mục nào.");
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let by_day = app
        .get(&format!("/admin/audit?from={today}&to={today}"))
        .await;
    by_day.assert_contains("<td>unit_create</td>");
    let yesterday = (chrono::Utc::now().date_naive() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let none = app.get(&format!("/admin/audit?to={yesterday}")).await;
    none.assert_contains("Không có mục nào.");
    // Reading the log is itself recorded.
    assert!(
        duluan::audit::store::count_action(&app.db, "audit_read")
            .await
            .unwrap()
            >= 4
    );
}

#[tokio::test]
async fn a_ward_administrator_sees_only_the_wards_entries() {
    let app = spawn_demo().await;
    let ninh_kieu = app.unit_id("31135").await;
    duluan::accounts::create_user(
        &app.db,
        "admin_nk",
        "QT",
        "duluan-demo",
        duluan::accounts::model::Role::Administrator,
        ninh_kieu,
    )
    .await
    .unwrap();
    let city_admin = app.other_client();
    city_admin.login_demo("admin").await;
    let cai_khe = app.unit_id("31120").await;
    city_admin
        .post(
            &format!("/orgs/{cai_khe}/new"),
            &[("name", "Khu vực bí mật"), ("kind", "area")],
        )
        .await;
    app.login("admin_nk", "duluan-demo").await;
    app.post(
        &format!("/orgs/{ninh_kieu}/new"),
        &[("name", "Khu vực của phường"), ("kind", "area")],
    )
    .await;
    let page = app.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("Khu vực của phường");
    assert!(!page.body.contains("Khu vực bí mật"));
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_entries() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let n = duluan::audit::store::count_action(&app.db, "login")
        .await
        .unwrap();
    assert_eq!(n, 1);
    let update = "UPDATE audit_log SET username = 'someone else'";
    let delete = "DELETE FROM audit_log";
    match &app.db {
        duluan::db::Db::Sqlite(pool) => {
            assert!(sqlx::query(update).execute(pool).await.is_err());
            assert!(sqlx::query(delete).execute(pool).await.is_err());
        }
        duluan::db::Db::Pg(pool) => {
            assert!(sqlx::query(update).execute(pool).await.is_err());
            assert!(sqlx::query(delete).execute(pool).await.is_err());
        }
    }
    assert_eq!(
        duluan::audit::store::count_action(&app.db, "login")
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn the_audit_page_shows_no_answers_contacts_or_free_text() {
    let app = spawn_demo().await;
    let ward = app.unit_id("31135").await;
    let city = app.unit_id("92").await;
    let someone = duluan::audit::Actor {
        user_id: None,
        username: "analyst".into(),
        ip: "10.0.0.1".into(),
    };
    // Entries as older code wrote them: answer values, an e-mail address, a comment naming a
    // person, a phone number.
    let entries = [
        (
            "survey.response.update",
            "survey_response",
            ward,
            serde_json::json!({"survey": 1, "changes": [{"question": "q_party", "instance": "", "from": "ung-ho-BI-MAT", "to": "phan-doi-BI-MAT"}]}),
        ),
        (
            "mail.test",
            "mail_outbox",
            city,
            serde_json::json!({"to": "nguoi.nhan@example.org"}),
        ),
        (
            "report.return",
            "report",
            ward,
            serde_json::json!({"from": "submitted", "to": "returned", "comment": "Ông Trần Văn Bí Mật phản ánh"}),
        ),
        (
            "collaborator.update",
            "collaborator",
            ward,
            serde_json::json!({"contact": "0912 345 678", "period": "2026-03"}),
        ),
    ];
    for (action, object, unit, detail) in entries {
        duluan::audit::record(&app.db, &someone, action, object, "1", Some(unit), detail)
            .await
            .unwrap();
    }
    app.login_demo("admin").await;
    let page = app.get("/admin/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    for secret in [
        "BI-MAT",
        "nguoi.nhan@example.org",
        "Trần Văn Bí Mật",
        "0912 345 678",
    ] {
        assert!(
            !page.body.contains(secret),
            "{secret} shown on the audit page"
        );
    }
    // What was done, and what may be shown, stays: the entries, the status change, the period.
    for kept in [
        "<td>survey.response.update</td>",
        "<td>mail.test</td>",
        "returned",
        "2026-03",
    ] {
        page.assert_contains(kept);
    }
    // An administrator may not read responses: that entry's detail is hidden altogether.
    page.assert_contains("ngoài quyền xem của bạn");
    assert!(!page.body.contains("q_party"), "{}", page.body);
}
