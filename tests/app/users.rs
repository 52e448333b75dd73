//! User administration through the pages, and the `duluan user add` command line.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

#[tokio::test]
async fn an_administrator_creates_grants_and_locks_a_user() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    let bad = app
        .post(
            "/admin/users",
            &[
                ("username", "x"),
                ("display_name", ""),
                ("password", "123"),
                ("role", "king"),
                ("unit", "nowhere"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Tên đăng nhập phải dài từ 3 đến 64 ký tự.",
        "Họ tên hiển thị là bắt buộc",
        "ít nhất 8 ký tự",
        "Vai trò không hợp lệ.",
        "Không tìm thấy đơn vị này.",
    ] {
        bad.assert_contains(msg);
    }
    let created = app
        .post(
            "/admin/users",
            &[
                ("username", "ctv.caikhe"),
                ("display_name", "Cộng tác viên Cái Khế"),
                ("password", "mat-khau-ctv"),
                ("role", "collaborator"),
                ("unit", "31120"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let user_page = app.get(created.location()).await;
    user_page.assert_contains("Cộng tác viên Cái Khế");
    user_page.assert_contains("Phường Cái Khế");
    let duplicate = app
        .post(
            "/admin/users",
            &[
                ("username", "ctv.caikhe"),
                ("display_name", "X"),
                ("password", "mat-khau-ctv"),
                ("role", "collaborator"),
                ("unit", "31120"),
            ],
        )
        .await;
    duplicate.assert_contains("Tên đăng nhập này đã được dùng.");
    let ctv = app.other_client();
    ctv.login("ctv.caikhe", "mat-khau-ctv").await;
    let cai_khe = app.unit_id("31120").await;
    assert_eq!(
        ctv.get(&format!("/orgs/{cai_khe}")).await.status,
        StatusCode::OK
    );
    // Lock the account: the open session ends and login is refused.
    let id: i64 = created
        .location()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let locked = app
        .post(
            &format!("/admin/users/{id}"),
            &[("display_name", "Cộng tác viên Cái Khế")],
        )
        .await;
    assert_eq!(locked.status, StatusCode::OK);
    assert_eq!(ctv.get("/").await.status, StatusCode::SEE_OTHER);
    let again = ctv
        .post(
            "/login",
            &[("username", "ctv.caikhe"), ("password", "mat-khau-ctv")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_command_line_creates_the_first_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let exe = env!("CARGO_BIN_EXE_duluan");
    let data = dir.path().to_str().unwrap();
    let csv = dir.path().join("units.csv");
    std::fs::write(&csv, "code,name,type,parent_code\n01,Thành phố Hà Nội,thành phố trung ương,\n00070,Phường Hoàn Kiếm,phường,01\n").unwrap();
    let import = std::process::Command::new(exe)
        .args(["orgs", "import", csv.to_str().unwrap(), "--data-dir", data])
        .env_remove("DULUAN_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    assert!(String::from_utf8_lossy(&import.stdout).contains("2 created"));
    let bad = std::fs::write(&csv, "code,name,type\n02,Tỉnh X,castle\n");
    bad.unwrap();
    let failed = std::process::Command::new(exe)
        .args(["orgs", "import", csv.to_str().unwrap(), "--data-dir", data])
        .output()
        .unwrap();
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("Line 2, column type"), "{stderr}");
    let add = std::process::Command::new(exe)
        .args([
            "user",
            "add",
            "--name",
            "root",
            "--role",
            "administrator",
            "--unit",
            "01",
            "--data-dir",
            data,
        ])
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let out = String::from_utf8_lossy(&add.stdout);
    let password = out
        .lines()
        .find_map(|l| l.strip_prefix("password: "))
        .expect("a generated password")
        .to_string();
    let wrong_role = std::process::Command::new(exe)
        .args([
            "user",
            "add",
            "--name",
            "x2",
            "--role",
            "king",
            "--unit",
            "01",
            "--data-dir",
            data,
        ])
        .output()
        .unwrap();
    assert!(!wrong_role.status.success());
    assert!(String::from_utf8_lossy(&wrong_role.stderr).contains("administrator, analyst"));
    // The administrator logs in on a server started on that data folder.
    let config = duluan::config::Config::for_database(dir.path().to_path_buf(), None);
    let db = config.database.open().await.unwrap();
    let running = duluan::app::spawn(config, db).await.unwrap();
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{}", running.addr);
    let login = client
        .post(format!("{base}/login"))
        .form(&[("username", "root"), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let orgs = client
        .get(format!("{base}/orgs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(orgs.contains("Thành phố Hà Nội"));
    running.stop().await;
}

/// A ward administrator (Ninh Kiều) and three users: one entirely inside the ward, one who also
/// reports for another ward (Cái Khế), one who also holds a city-level role.
async fn ward_admin_and_users() -> (crate::helpers::TestApp, [(i64, &'static str); 3]) {
    use duluan::accounts::model::Role;
    let app = spawn_demo().await;
    let ninh_kieu = app.unit_id("31135").await;
    let cai_khe = app.unit_id("31120").await;
    let city = app.unit_id("92").await;
    duluan::accounts::create_user(
        &app.db,
        "admin_nk",
        "QT",
        "duluan-demo",
        Role::Administrator,
        ninh_kieu,
    )
    .await
    .unwrap();
    let mut users = vec![];
    for (login, extra) in [
        ("inside", None),
        ("two.wards", Some((Role::Reporter, cai_khe))),
        ("city.viewer", Some((Role::Viewer, city))),
    ] {
        let id = duluan::accounts::create_user(
            &app.db,
            login,
            login,
            "duluan-demo",
            Role::Reporter,
            ninh_kieu,
        )
        .await
        .unwrap();
        if let Some((role, unit)) = extra {
            // The city administrator adds the second grant through the page.
            let city_admin = app.other_client();
            city_admin.login_demo("admin").await;
            let code = if unit == city { "92" } else { "31120" };
            let added = city_admin
                .post(
                    &format!("/admin/users/{id}/grants"),
                    &[("role", role.key()), ("unit", code)],
                )
                .await;
            assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        }
        users.push((id, login));
    }
    app.login("admin_nk", "duluan-demo").await;
    (app, [users[0], users[1], users[2]])
}

/// An action on a user: name, path, form (empty: a GET), status when allowed.
type Check = (&'static str, String, Vec<(&'static str, &'static str)>, u16);

#[tokio::test]
async fn a_ward_administrator_acts_only_on_users_entirely_inside_the_ward() {
    let (app, users) = ward_admin_and_users().await;
    let mut failures = vec![];
    for (id, login) in users {
        let inside = login == "inside";
        let grants = duluan::accounts::store::list_grants(&app.db, id)
            .await
            .unwrap();
        let ward_grant = grants[0].id;
        let checks: Vec<Check> = vec![
            ("show", format!("/admin/users/{id}"), vec![], 200),
            (
                "reset password",
                format!("/admin/users/{id}/password"),
                vec![("password", "mat-khau-moi-123")],
                200,
            ),
            (
                "update",
                format!("/admin/users/{id}"),
                vec![("display_name", "Đổi tên"), ("active", "on")],
                200,
            ),
            (
                "add grant",
                format!("/admin/users/{id}/grants"),
                vec![("role", "collaborator"), ("unit", "31135-01")],
                303,
            ),
            (
                "remove grant",
                format!("/admin/users/{id}/grants/{ward_grant}/delete"),
                vec![],
                303,
            ),
            (
                "lock",
                format!("/admin/users/{id}"),
                vec![("display_name", "Khóa")],
                200,
            ),
        ];
        for (what, path, form, allowed) in checks {
            let page = if form.is_empty() && what == "show" {
                app.get(&path).await
            } else {
                app.post(&path, &form).await
            };
            let expected = if inside { allowed } else { 403 };
            if page.status.as_u16() != expected {
                failures.push(format!(
                    "{what} of {login}: {} instead of {expected}",
                    page.status
                ));
            }
        }
        // Nothing changed for the users out of reach: same password, same grants.
        if !inside {
            let other = app.other_client();
            other.login(login, "duluan-demo").await;
            let after = duluan::accounts::store::list_grants(&app.db, id)
                .await
                .unwrap();
            assert_eq!(after, grants, "grants of {login} changed");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The list shows only the user the ward administrator may act on.
    let list = app.get("/admin/users").await;
    list.assert_contains(">inside<");
    assert!(!list.body.contains("two.wards"), "{}", list.body);
    assert!(!list.body.contains("city.viewer"), "{}", list.body);
}

#[tokio::test]
async fn a_ward_administrator_cannot_grant_a_role_outside_the_ward_nor_above_their_own() {
    let (app, users) = ward_admin_and_users().await;
    let (inside, _) = users[0];
    for (role, unit) in [
        ("reporter", "31120"),
        ("administrator", "92"),
        ("viewer", "92"),
    ] {
        let page = app
            .post(
                &format!("/admin/users/{inside}/grants"),
                &[("role", role), ("unit", unit)],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{role} at {unit}");
    }
    assert_eq!(
        duluan::accounts::store::list_grants(&app.db, inside)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// Makes every audit insert of `action` fail, on either backend: the change it records must fail
/// with it.
async fn break_audit(db: &duluan::db::Db, action: &str) {
    match db {
        duluan::db::Db::Sqlite(pool) => {
            let sql = format!(
                "CREATE TRIGGER break_{action} BEFORE INSERT ON audit_log WHEN NEW.action = '{action}'
                 BEGIN SELECT RAISE(ABORT, 'audit broken for the test'); END"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .unwrap();
        }
        duluan::db::Db::Pg(pool) => {
            let sql = format!(
                "CREATE FUNCTION break_{action}() RETURNS trigger AS $$
                 BEGIN IF NEW.action = '{action}' THEN RAISE EXCEPTION 'audit broken for the test'; END IF; RETURN NEW; END
                 $$ LANGUAGE plpgsql;
                 CREATE TRIGGER break_{action} BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION break_{action}();"
            );
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn user_writes_fail_whole_when_their_audit_entry_fails() {
    let app = spawn_demo().await;
    app.login_demo("admin").await;
    break_audit(&app.db, "user_create").await;
    let created = app
        .post(
            "/admin/users",
            &[
                ("username", "half.made"),
                ("display_name", "Nửa chừng"),
                ("password", "mat-khau-ctv"),
                ("role", "collaborator"),
                ("unit", "31120"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        duluan::accounts::store::find_user_by_username(&app.db, "half.made")
            .await
            .unwrap()
            .is_none(),
        "a user was created without its audit entry"
    );
    // A password reset: the old password still works afterwards.
    break_audit(&app.db, "password_reset").await;
    let reporter = duluan::accounts::store::find_user_by_username(&app.db, "reporter")
        .await
        .unwrap()
        .unwrap();
    let reset = app
        .post(
            &format!("/admin/users/{}/password", reporter.id),
            &[("password", "mat-khau-moi-123")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::INTERNAL_SERVER_ERROR);
    app.other_client().login_demo("reporter").await;
    // Adding a grant.
    break_audit(&app.db, "grant_add").await;
    let before = duluan::accounts::store::list_grants(&app.db, reporter.id)
        .await
        .unwrap();
    let grant = app
        .post(
            &format!("/admin/users/{}/grants", reporter.id),
            &[("role", "viewer"), ("unit", "31120")],
        )
        .await;
    assert_eq!(grant.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        duluan::accounts::store::list_grants(&app.db, reporter.id)
            .await
            .unwrap(),
        before
    );
}

#[tokio::test]
async fn only_a_platform_wide_administrator_makes_users_platform_wide() {
    let (ward_admin, users) = ward_admin_and_users().await;
    let (inside, _) = users[0];
    let cai_khe = ward_admin.unit_id("31120").await;
    // The ward administrator's attempt is ignored.
    let ignored = ward_admin
        .post(
            &format!("/admin/users/{inside}"),
            &[
                ("display_name", "inside"),
                ("active", "on"),
                ("platform_wide", "on"),
            ],
        )
        .await;
    assert_eq!(ignored.status, StatusCode::OK);
    let row = duluan::accounts::store::find_user(&ward_admin.db, inside)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.platform_wide);
    let user = ward_admin.other_client();
    user.login("inside", "duluan-demo").await;
    assert_eq!(
        user.get(&format!("/orgs/{cai_khe}")).await.status,
        StatusCode::FORBIDDEN
    );
    // The platform-wide administrator's is not; the user's role then reaches every tree, and the
    // ward administrator no longer manages them.
    let admin = ward_admin.other_client();
    admin.login_demo("admin").await;
    let done = admin
        .post(
            &format!("/admin/users/{inside}"),
            &[
                ("display_name", "inside"),
                ("active", "on"),
                ("platform_wide", "on"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        user.get(&format!("/orgs/{cai_khe}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        ward_admin
            .get(&format!("/admin/users/{inside}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Nobody drops their own flag.
    let admin_id = duluan::accounts::store::find_user_by_username(&admin.db, "admin")
        .await
        .unwrap()
        .unwrap()
        .id;
    let own = admin
        .post(
            &format!("/admin/users/{admin_id}"),
            &[("display_name", "Quản trị hệ thống"), ("active", "on")],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    own.assert_contains("Bạn không thể tự bỏ quyền toàn hệ thống của mình.");
}
