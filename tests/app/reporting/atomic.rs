//! A write and its audit entry are one transaction: when the audit entry cannot be written (a
//! trigger installed by the test refuses it), the action fails with an error page and nothing of
//! it remains — the report keeps its status and its history.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_demo};

/// Makes every insert into `audit_log` of `action` fail, on either backend.
pub async fn refuse_audit_of(app: &TestApp, action: &str) {
    // The action is a test constant: inlining it keeps the trigger one statement per backend.
    assert!(
        action
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
    );
    match &app.db {
        duluan::db::Db::Sqlite(pool) => {
            let sql = format!(
                "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log WHEN NEW.action = '{action}'
                 BEGIN SELECT RAISE(ABORT, 'test: audit refused'); END"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .unwrap();
        }
        duluan::db::Db::Pg(pool) => {
            let sql = format!(
                "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                   IF NEW.action = '{action}' THEN RAISE EXCEPTION 'test: audit refused'; END IF;
                   RETURN NEW;
                 END $$;
                 CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION test_refuse_audit();"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn accepting_a_report_whose_audit_entry_fails_changes_nothing() {
    let app = spawn_demo().await;
    let city = super::unit(&app, "92").await;
    let report = duluan::reporting::store::list_submitted(&app.db, &[city])
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("the demo has submitted reports");
    let events_before = duluan::reporting::store::list_events(&app.db, report.id)
        .await
        .unwrap()
        .len();
    let centre = app.other_client();
    centre.login_demo("analyst").await;
    refuse_audit_of(&app, "report.accept").await;

    let path = format!("/reporting/reports/{}", report.id);
    let failed = centre.post(&format!("{path}/accept"), &[]).await;
    assert_eq!(
        failed.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        failed.body
    );
    failed.assert_contains("<html");

    let after = duluan::reporting::store::find_report(&app.db, report.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.status, "submitted", "the status must not change");
    let events_after = duluan::reporting::store::list_events(&app.db, report.id)
        .await
        .unwrap()
        .len();
    assert_eq!(events_after, events_before, "no workflow event may remain");
    let page = centre.get(&path).await;
    page.assert_contains("Đã gửi");

    // Other actions are audited as before and go through.
    let returned = centre
        .post(
            &format!("{path}/return"),
            &[("comment", "Bổ sung số liệu.")],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER, "{}", returned.body);
}
