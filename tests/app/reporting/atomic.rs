//! A write and its audit entry are one transaction: when the audit entry cannot be written (a
//! trigger installed by the test refuses it), the action fails with an error page and nothing of
//! it remains — a report keeps its status and its history, an item its labels.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

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
    app.refuse_audit_of("report.accept").await;

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
    assert_eq!(
        after.status.key(),
        "submitted",
        "the status must not change"
    );
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

#[tokio::test]
async fn a_label_whose_audit_entry_fails_is_not_kept() {
    let app = spawn_demo().await;
    app.login_demo("analyst").await;
    let ward = super::unit(&app, "31135").await;
    let item = duluan::monitoring::store::list_items(&app.db, &[ward], None, 0, i64::MAX, 1)
        .await
        .unwrap()
        .remove(0);
    app.refuse_audit_of("monitoring_label").await;
    let failed = app
        .post(
            &format!("/monitoring/items/{}/label", item.id),
            &[("kind", "topic"), ("value", "health")],
        )
        .await;
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    let after = duluan::monitoring::store::find_item(&app.db, item.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.label_topic, item.label_topic,
        "the label must not be kept"
    );
    assert_eq!(after.rev, item.rev, "no new revision");
}
