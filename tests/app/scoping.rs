//! The role × page matrix: every role sees and changes only what lies under its units, also when
//! guessing URLs.

use reqwest::StatusCode;

use crate::helpers::{TestApp, spawn_demo};

const OK: u16 = 200;
const REDIRECT: u16 = 303;
const FORBIDDEN: u16 = 403;

async fn status(app: &TestApp, method: &str, path: &str) -> u16 {
    let page = match method {
        "GET" => app.get(path).await,
        _ => {
            app.post(path, &[("name", "Ấp kiểm thử"), ("kind", "hamlet")])
                .await
        }
    };
    page.status.as_u16()
}

#[tokio::test]
async fn every_role_sees_only_its_subtree() {
    let app = spawn_demo().await;
    let ninh_kieu = app.unit_id("31135").await;
    duluan::accounts::create_user(
        &app.db,
        "admin_nk",
        "Quản trị phường Ninh Kiều",
        "duluan-demo",
        duluan::accounts::model::Role::Administrator,
        ninh_kieu,
    )
    .await
    .unwrap();
    let city = app.unit_id("92").await;
    let cai_khe = app.unit_id("31120").await;
    let cai_khe_hamlet = app.unit_id("31120-01").await;
    let nk_hamlet = app.unit_id("31135-01").await;

    let city_roles = ["analyst", "designer", "interviewer", "verifier", "viewer"];
    let ward_roles = ["reporter", "ctv"];
    // (path, method, admin at city, other city roles, admin at the ward, other ward roles)
    let matrix: Vec<(String, &str, u16, u16, u16, u16)> = vec![
        (format!("/orgs/{city}"), "GET", OK, OK, FORBIDDEN, FORBIDDEN),
        (format!("/orgs/{ninh_kieu}"), "GET", OK, OK, OK, OK),
        (format!("/orgs/{nk_hamlet}"), "GET", OK, OK, OK, OK),
        (
            format!("/orgs/{cai_khe}"),
            "GET",
            OK,
            OK,
            FORBIDDEN,
            FORBIDDEN,
        ),
        (
            format!("/orgs/{cai_khe_hamlet}"),
            "GET",
            OK,
            OK,
            FORBIDDEN,
            FORBIDDEN,
        ),
        (
            format!("/orgs/{cai_khe}/rollup"),
            "GET",
            OK,
            OK,
            FORBIDDEN,
            FORBIDDEN,
        ),
        (
            format!("/orgs/{ninh_kieu}/edit"),
            "GET",
            OK,
            FORBIDDEN,
            OK,
            FORBIDDEN,
        ),
        (
            format!("/orgs/{cai_khe}/edit"),
            "GET",
            OK,
            FORBIDDEN,
            FORBIDDEN,
            FORBIDDEN,
        ),
        (
            format!("/orgs/{cai_khe}/new"),
            "POST",
            REDIRECT,
            FORBIDDEN,
            FORBIDDEN,
            FORBIDDEN,
        ),
        (
            format!("/orgs/{nk_hamlet}/new"),
            "POST",
            REDIRECT,
            FORBIDDEN,
            REDIRECT,
            FORBIDDEN,
        ),
        (
            "/orgs/import".to_string(),
            "GET",
            OK,
            FORBIDDEN,
            OK,
            FORBIDDEN,
        ),
        (
            "/admin/users".to_string(),
            "GET",
            OK,
            FORBIDDEN,
            OK,
            FORBIDDEN,
        ),
        (
            "/admin/audit".to_string(),
            "GET",
            OK,
            FORBIDDEN,
            OK,
            FORBIDDEN,
        ),
    ];
    let mut failures = vec![];
    let mut checked = 0;
    for (user, column) in std::iter::once(("admin", 0))
        .chain(city_roles.iter().map(|u| (*u, 1)))
        .chain(std::iter::once(("admin_nk", 2)))
        .chain(ward_roles.iter().map(|u| (*u, 3)))
    {
        let client = app.other_client();
        client.login_demo(user).await;
        for (path, method, a, b, c, d) in &matrix {
            let expected = [*a, *b, *c, *d][column];
            let got = status(&client, method, path).await;
            checked += 1;
            if got != expected {
                failures.push(format!(
                    "{user}: {method} {path} gave {got}, expected {expected}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "scoping failures:\n{}",
        failures.join("\n")
    );
    assert_eq!(checked, 9 * 13);
}

#[tokio::test]
async fn search_and_export_stay_inside_the_subtree() {
    let app = spawn_demo().await;
    app.login_demo("reporter").await;
    let page = app.get("/orgs?q=cai%20khe").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Phường Cái Khế"));
    let own = app.get("/orgs?q=khu%20vuc").await;
    own.assert_contains("Khu vực 1");
    assert!(!own.body.contains("31120-01"));
    let export = app.get("/orgs/export.csv").await;
    let lines: Vec<&str> = export.body.lines().skip(1).collect();
    assert_eq!(lines.len(), 1 + 6, "{}", export.body);
    assert!(
        lines.iter().all(|l| l.starts_with("31135")),
        "{}",
        export.body
    );
}

#[tokio::test]
async fn a_ward_administrator_manages_only_the_wards_users() {
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
    app.login("admin_nk", "duluan-demo").await;
    let users = app.get("/admin/users").await;
    users.assert_contains("reporter");
    users.assert_contains("ctv");
    assert!(!users.body.contains(">analyst<"), "{}", users.body);
    let analyst = duluan::accounts::store::find_user_by_username(&app.db, "analyst")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        app.get(&format!("/admin/users/{}", analyst.id))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Granting a role at a unit outside the ward is refused.
    let reporter = duluan::accounts::store::find_user_by_username(&app.db, "reporter")
        .await
        .unwrap()
        .unwrap();
    let grant = app
        .post(
            &format!("/admin/users/{}/grants", reporter.id),
            &[("role", "administrator"), ("unit", "92")],
        )
        .await;
    assert_eq!(grant.status, StatusCode::FORBIDDEN);
    let created = app
        .post(
            "/admin/users",
            &[
                ("username", "ctv2"),
                ("display_name", "CTV 2"),
                ("password", "12345678"),
                ("role", "collaborator"),
                ("unit", "31120"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::UNPROCESSABLE_ENTITY);
    created.assert_contains("Bạn chỉ có thể giao vai trò tại đơn vị mình quản lý");
}

#[tokio::test]
async fn an_administrator_at_one_top_level_unit_sees_only_that_tree() {
    // The demo holds three top-level units: the city (92) and the former provinces 93 and 94.
    let app = spawn_demo().await;
    let hau_giang = app.unit_id("93").await;
    duluan::accounts::create_user(
        &app.db,
        "admin_hg",
        "Quản trị Hậu Giang cũ",
        "duluan-demo",
        duluan::accounts::model::Role::Administrator,
        hau_giang,
    )
    .await
    .unwrap();
    // The platform-wide administrator leaves traces in the city's tree and outside any unit, and
    // a user without grants.
    let admin = app.other_client();
    admin.login_demo("admin").await;
    let city = app.unit_id("92").await;
    admin
        .post(
            &format!("/orgs/{city}/new"),
            &[("name", "Ban bí mật của thành phố"), ("kind", "area")],
        )
        .await;
    let created = admin
        .post(
            "/admin/users",
            &[
                ("username", "no.grants"),
                ("display_name", "Người chưa có vai trò"),
                ("password", "mat-khau-ctv"),
                ("role", "viewer"),
                ("unit", "92"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id: i64 = created
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let grant = duluan::accounts::store::list_grants(&app.db, id)
        .await
        .unwrap()[0]
        .id;
    let removed = admin
        .post(&format!("/admin/users/{id}/grants/{grant}/delete"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    let _ = app
        .other_client()
        .post(
            "/login",
            &[("username", "khong.ton.tai"), ("password", "x")],
        )
        .await;

    app.login("admin_hg", "duluan-demo").await;
    let audit = app.get("/admin/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    for hidden in [
        "Ban bí mật của thành phố",
        "no.grants",
        "login_failed",
        "unit_create",
    ] {
        assert!(
            !audit.body.contains(hidden),
            "{hidden} in the audit page of admin_hg"
        );
    }
    let users = app.get("/admin/users").await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(!users.body.contains("no.grants"), "{}", users.body);
    assert_eq!(
        app.get(&format!("/admin/users/{id}")).await.status,
        StatusCode::FORBIDDEN
    );
    // Deployment-wide settings and new top-level units belong to platform-wide users.
    assert_eq!(app.get("/admin/mail").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post(
            "/orgs/types",
            &[("key", "zone"), ("name_vi", "Vùng"), ("name_en", "Zone")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/collaborators/settings").await.status,
        StatusCode::FORBIDDEN
    );
    // The platform-wide administrator sees all of it.
    let all = admin.get("/admin/audit").await;
    all.assert_contains("Ban bí mật của thành phố");
    all.assert_contains("login_failed");
    admin.get("/admin/users").await.assert_contains("no.grants");
    assert_eq!(admin.get("/admin/mail").await.status, StatusCode::OK);
}

/// `kit::scope`: the units of a user's scope for several capabilities are the union of the
/// roll-ups of their grants (lineage followed, as of today), each unit once, and a capability the
/// user does not hold adds nothing.
#[tokio::test]
async fn the_scope_helper_unites_the_grants_roll_ups_once_each() {
    use duluan::accounts::model::{Capability, Grant, Role};
    let app = spawn_demo().await;
    let cai_khe = app.unit_id("31120").await;
    let ninh_kieu = app.unit_id("31135").await;
    let id = duluan::accounts::create_user(
        &app.db,
        "two_wards",
        "Báo cáo viên hai phường",
        "duluan-demo",
        Role::Reporter,
        cai_khe,
    )
    .await
    .unwrap();
    let mut user = duluan::accounts::load_current_user(&app.db, id)
        .await
        .unwrap()
        .unwrap();
    let cap = Capability::EditReports;
    let one = duluan::kit::scope::units(&app.db, &user, &[cap])
        .await
        .unwrap();
    let today = chrono::Utc::now().date_naive();
    let expected = duluan::orgs::rollup(&app.db, cai_khe, today).await.unwrap();
    assert_eq!(
        one.iter().map(|u| u.id).collect::<Vec<_>>(),
        expected.iter().map(|u| u.id).collect::<Vec<_>>()
    );
    // A second grant (and the same one twice) adds the other ward's subtree once.
    for unit_id in [ninh_kieu, cai_khe] {
        user.grants.push(Grant {
            id: 0,
            role: Role::Reporter,
            unit_id,
        });
    }
    let both = duluan::kit::scope::units(&app.db, &user, &[cap, Capability::ViewAudit])
        .await
        .unwrap();
    let mut ids: Vec<i64> = both.iter().map(|u| u.id).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "each unit once");
    let mut want: Vec<i64> = expected.iter().map(|u| u.id).collect();
    want.extend(
        duluan::orgs::rollup(&app.db, ninh_kieu, today)
            .await
            .unwrap()
            .iter()
            .map(|u| u.id),
    );
    want.sort_unstable();
    want.dedup();
    assert_eq!(ids, want);
    assert!(ids.contains(&app.unit_id("31135-01").await));
    // Filtering ids keeps those inside; a capability the user lacks gives nothing.
    let city = app.unit_id("92").await;
    let kept = duluan::kit::scope::filter(&app.db, &user, &[cap], &[city, ninh_kieu])
        .await
        .unwrap();
    assert_eq!(kept, vec![ninh_kieu]);
    assert!(
        duluan::kit::scope::units(&app.db, &user, &[Capability::ManageUsers])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(duluan::kit::scope::require_roots(&user, &[Capability::ManageUsers]).is_err());
}
