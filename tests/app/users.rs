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
