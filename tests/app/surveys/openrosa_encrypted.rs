//! Encrypted forms through the real server. A key pair is made at test time; the demo survey
//! gets a version 2 with the public key. A scripted device does the device's side of ODK's
//! scheme (written here from the scheme, not with duluan's decryption code): it downloads the
//! XForm (which carries `base64RsaPublicKey`), encrypts an instance and a photo, and submits
//! the manifest and the `.enc` files; a resend is not stored twice, another manifest under the
//! same instance id is refused, a plain instance for the encrypted version and an encrypted one
//! for the plain version are refused. A staff member then decrypts with the private key: the
//! ZIP holds the answers and the photo byte for byte, a tampered submission lands in
//! `errors.csv`, a wrong key gets a clear error, and the key appears nowhere afterwards. Every
//! other collection path refuses the encrypted version. An instance encrypted by Python's
//! `cryptography` (an independent implementation of the scheme, `odk_encrypt.py`) decrypts too.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::Command;

use aes::cipher::{AsyncStreamCipher, KeyIvInit};
use base64::Engine as _;
use duluan_forms::{Answer, Engine, Form, Record};
use md5::{Digest as _, Md5};
use reqwest::StatusCode;
use rsa::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::rand_core::{OsRng, RngCore as _};
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use serde_json::json;

use super::fieldwork_phone::{interviewer, next_case, phone_survey_from, scalar, text};
use super::openrosa::{add_device, device, submit};
use super::{DEMO_KEY, all_text, demo_answers, demo_survey_id};
use crate::helpers::TestApp;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A key pair made for the test: the private key, its PEM (PKCS#8) and the public key as a
/// form's `public_key` (base64 DER SubjectPublicKeyInfo).
struct Keys {
    public: RsaPublicKey,
    public_b64: String,
    pem: String,
}

fn keys() -> Keys {
    let private = RsaPrivateKey::new(&mut OsRng, 2048).unwrap();
    let public = RsaPublicKey::from(&private);
    let public_b64 = b64(public.to_public_key_der().unwrap().as_bytes());
    let pem = private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
    Keys {
        public,
        public_b64,
        pem,
    }
}

/// The demo questionnaire as version 2 with the public key.
fn encrypted_form(public_b64: &str) -> Form {
    let mut form = duluan::surveys::demo_form();
    form.version = "2".into();
    form.public_key = Some(public_b64.into());
    form
}

/// Publishes version 2 of the demo survey with the public key (as the designer); returns the
/// survey.
async fn encrypt_demo(app: &TestApp, public_b64: &str) -> i64 {
    app.login_demo("designer").await;
    let id = demo_survey_id(app).await;
    let page = app.post(&format!("/surveys/{id}/new-version"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let bytes = duluan_forms::xlsform::export_xlsx(&encrypted_form(public_b64)).unwrap();
    let page = app
        .upload(&format!("/surveys/{id}/import"), "ma_hoa.xlsx", bytes)
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = app.post(&format!("/surveys/{id}/publish"), &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    id
}

/// A filled instance of version 2, as a device writes it.
fn instance_xml(survey: i64, instance_id: &str, age: &str) -> String {
    let form = encrypted_form("");
    let engine = Engine::from_form(&Form {
        public_key: None,
        ..form
    })
    .unwrap();
    let mut r = Record::new();
    for (k, v) in [
        ("age", age),
        ("gender", "2"),
        ("uses_online", "1"),
        ("services", "tax land"),
        ("satisfaction", "4"),
        ("comment", "Chuyện riêng ở bến đò Cái Khế"),
    ] {
        r.insert(k.into(), Answer::Value(v.into()));
    }
    duluan_forms::xform::write_instance_from(
        engine.form(),
        &duluan_forms::xform::Instance {
            form_id: format!("duluan_{survey}"),
            version: Some("2".into()),
            instance_id: instance_id.into(),
            deprecated_id: None,
            case: None,
            record: r,
            files: Vec::new(),
        },
    )
}

/// What a device sends for an encrypted form: the manifest and the `.enc` files.
struct Sealed {
    manifest: String,
    files: Vec<(String, Vec<u8>)>,
}

/// The device's side of ODK's scheme: a fresh AES key wrapped with RSA-OAEP (SHA-256), each
/// file AES-256-CFB with PKCS#5 padding under the IV stepped from MD5(instance id + key), the
/// media first and the instance last, and the signed MD5 of the lines.
fn seal(
    public: &RsaPublicKey,
    form_id: &str,
    version: &str,
    instance_id: &str,
    xml: &[u8],
    media: &[(&str, &[u8])],
) -> Sealed {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let wrap = |bytes: &[u8]| {
        b64(&public
            .encrypt(&mut OsRng, Oaep::new::<sha2::Sha256>(), bytes)
            .unwrap())
    };
    let encrypted_key = wrap(&key);
    let mut seed: [u8; 16] = Md5::new()
        .chain_update(instance_id.as_bytes())
        .chain_update(key)
        .finalize()
        .into();
    let mut lines = format!("{form_id}\n{version}\n{encrypted_key}\n{instance_id}\n");
    let all: Vec<(&str, &[u8])> = media
        .iter()
        .copied()
        .chain(std::iter::once(("submission.xml", xml)))
        .collect();
    let mut files = Vec::new();
    for (i, (name, plain)) in all.iter().enumerate() {
        seed[i % 16] = seed[i % 16].wrapping_add(1);
        let pad = 16 - plain.len() % 16;
        let mut buf = plain.to_vec();
        buf.extend(std::iter::repeat_n(pad as u8, pad));
        cfb_mode::Encryptor::<aes::Aes256>::new(&key.into(), &seed.into()).encrypt(&mut buf);
        files.push((format!("{name}.enc"), buf));
        lines.push_str(&format!("{name}::{}\n", hex::encode(Md5::digest(plain))));
    }
    let signature = wrap(&Md5::digest(lines.as_bytes()));
    let media_xml: String = media
        .iter()
        .map(|(n, _)| format!("<media><file>{n}.enc</file></media>"))
        .collect();
    let manifest = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<data xmlns=\"http://www.opendatakit.org/xforms/encrypted\" id=\"{form_id}\" version=\"{version}\" encrypted=\"yes\"><base64EncryptedKey>{encrypted_key}</base64EncryptedKey><orx:meta xmlns:orx=\"http://openrosa.org/xforms\"><orx:instanceID>{instance_id}</orx:instanceID></orx:meta>{media_xml}<encryptedXmlFile>submission.xml.enc</encryptedXmlFile><base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature></data>"
    );
    Sealed { manifest, files }
}

/// Posts a submission as OpenRosa's multipart (`openrosa::submit` with owned file names).
async fn post(
    d: &reqwest::Client,
    base: &str,
    xml: &str,
    files: &[(String, Vec<u8>)],
) -> (StatusCode, String) {
    let files: Vec<(&str, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.clone()))
        .collect();
    submit(d, base, xml, &files).await
}

/// Posts the private key to the decryption page; `(status, content type, body)`.
async fn decrypt(app: &TestApp, survey: i64, pem: &str) -> (StatusCode, String, Vec<u8>) {
    let form = reqwest::multipart::Form::new().part(
        "key",
        reqwest::multipart::Part::bytes(pem.as_bytes().to_vec()).file_name("khoa-rieng.pem"),
    );
    let r = app
        .client
        .post(format!("{}/surveys/{survey}/encrypted", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

/// The files of a ZIP by name.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        out.insert(f.name().unwrap().to_string(), b);
    }
    out
}

const STORED: &str = "SELECT COUNT(*) FROM survey_encrypted_submissions WHERE survey_id = $1";
const FILES: &str = "SELECT COUNT(*) FROM survey_encrypted_files f JOIN survey_encrypted_submissions s ON s.id = f.submission_id WHERE s.survey_id = $1";

/// A small JPEG's first bytes and some content: what a photo question sends.
fn photo() -> Vec<u8> {
    let mut p = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F'];
    p.extend((0..3000u32).map(|i| (i * 7 % 251) as u8));
    p
}

#[tokio::test]
async fn a_device_submits_encrypted_and_staff_decrypt_with_the_private_key() {
    let app = crate::helpers::spawn_demo().await;
    let k = keys();
    let survey = encrypt_demo(&app, &k.public_b64).await;
    let c = interviewer(&app, "dtv_mh", "92").await;
    let base = add_device(&c, "Máy mã hóa").await;
    let d = device();
    let form_id = format!("duluan_{survey}");

    // The XForm carries the public key, as pyxform writes it.
    let xform = d
        .get(format!("{base}/forms/{survey}/form.xml"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        xform.contains(&format!(
            "<submission base64RsaPublicKey=\"{}\"/>",
            k.public_b64
        )),
        "{xform}"
    );
    let r = d.head(format!("{base}/submission")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    // An encrypted interview with a photo.
    let first = "uuid:2b1d0c55-enc-0001";
    let xml = instance_xml(survey, first, "37");
    let photo = photo();
    let sealed = seal(
        &k.public,
        &form_id,
        "2",
        first,
        xml.as_bytes(),
        &[("1733400000000.jpg", &photo)],
    );
    let (status, body) = post(&d, &base, &sealed.manifest, &sealed.files).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(scalar(&app, STORED, survey).await, 1);
    assert_eq!(scalar(&app, FILES, survey).await, 2);
    // It is not a response: results and analysis do not see it.
    let responses =
        "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND mode = 'offline'";
    assert_eq!(scalar(&app, responses, survey).await, 0);
    // Nothing of the answers is readable on the server.
    for (column, value) in all_text(&app.db).await {
        assert!(
            !value.contains("bến đò Cái Khế"),
            "{column} holds the answer"
        );
    }
    let audited =
        "SELECT COUNT(*) FROM audit_log WHERE action = 'survey.encrypted_received' AND $1 = $1";
    assert_eq!(scalar(&app, audited, 0).await, 1);

    // A resend is not stored twice; the same instance id with another manifest is refused.
    let (status, body) = post(&d, &base, &sealed.manifest, &sealed.files).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(scalar(&app, STORED, survey).await, 1);
    let other = seal(&k.public, &form_id, "2", first, xml.as_bytes(), &[]);
    let (status, body) = post(&d, &base, &other.manifest, &other.files).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("OpenRosaResponse"), "{body}");

    // A plain instance for the encrypted version is refused, and an encrypted one for the
    // plain version 1.
    let plain = instance_xml(survey, "uuid:plain-1", "40");
    let (status, body) = post(&d, &base, &plain, &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.contains("mã hóa"), "{body}");
    let to_v1 = seal(&k.public, &form_id, "1", "uuid:enc-v1", xml.as_bytes(), &[]);
    let (status, body) = post(&d, &base, &to_v1.manifest, &to_v1.files).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(scalar(&app, STORED, survey).await, 1);

    // A second interview whose instance ciphertext was altered on the way.
    let second = "uuid:2b1d0c55-enc-0002";
    let xml2 = instance_xml(survey, second, "52");
    let mut tampered = seal(&k.public, &form_id, "2", second, xml2.as_bytes(), &[]);
    tampered.files[0].1[20] ^= 0x01;
    let (status, body) = post(&d, &base, &tampered.manifest, &tampered.files).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // The survey page says how many wait.
    let page = app.get(&format!("/surveys/{survey}")).await;
    page.assert_contains("id=\"encrypted-count\">2<");
    page.assert_contains("chỉ người giữ khóa riêng mới đọc được");
    assert!(!page.body.contains("id=\"public-link\""), "{}", page.body);
    let page = app.get(&format!("/surveys/{survey}/fieldwork")).await;
    page.assert_contains(
        "id=\"encrypted-waiting\">Phiếu mã hóa đang chờ giải mã: <strong>2</strong>",
    );

    // Staff who export responses decrypt.
    app.login_demo("analyst").await;
    let page = app.get(&format!("/surveys/{survey}/encrypted")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_contains("id=\"encrypted-count\">2<");
    // A wrong key: a clear error on the page.
    let wrong = keys();
    let (status, _, body) = decrypt(&app, survey, &wrong.pem).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let body = String::from_utf8(body).unwrap();
    assert!(body.contains("id=\"encrypted-error\""), "{body}");
    assert!(body.contains("không khớp"), "{body}");
    let (status, _, body) = decrypt(&app, survey, "not a key").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("Không đọc được khóa riêng")
    );
    // A file far larger than any key is refused before it is read as one.
    let (status, _, body) = decrypt(&app, survey, &"A".repeat(20 << 10)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8(body).unwrap().contains("quá lớn"));

    // The right key: the ZIP.
    let (status, ct, zip) = decrypt(&app, survey, &k.pem).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&zip));
    assert_eq!(ct, "application/zip");
    let files = unzip(&zip);
    let rows = String::from_utf8(files["submissions.csv"].clone()).unwrap();
    let mut lines = rows.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("instance_id,received_on,age,gender,"),
        "{header}"
    );
    let row: Vec<&str> = lines.collect();
    assert_eq!(row.len(), 1, "{rows}");
    assert!(row[0].starts_with(&format!("{first},")), "{rows}");
    assert!(
        row[0].contains(",37,") && row[0].contains("Chuyện riêng ở bến đò Cái Khế"),
        "{rows}"
    );
    assert_eq!(
        files["media/uuid_2b1d0c55-enc-0001/1733400000000.jpg"],
        photo,
        "{:?}",
        files.keys()
    );
    let errors = String::from_utf8(files["errors.csv"].clone()).unwrap();
    assert_eq!(errors.lines().count(), 2, "{errors}");
    assert!(errors.contains(second), "{errors}");
    assert!(
        errors.contains("Chữ ký") || errors.contains("phần đệm"),
        "{errors}"
    );
    // The export is audited with its counts; the key is kept nowhere.
    let detail = text(
        &app,
        "SELECT detail FROM audit_log WHERE action = 'survey.encrypted_export' AND $1 = $1",
        0,
    )
    .await;
    assert!(
        detail.contains("\"decrypted\":1") && detail.contains("\"failed\":1"),
        "{detail}"
    );
    let secret = k.pem.lines().nth(1).unwrap().to_string();
    for (column, value) in all_text(&app.db).await {
        assert!(!value.contains(&secret), "{column} keeps the private key");
    }
    app.stop().await;
}

#[tokio::test]
async fn every_other_collection_path_refuses_an_encrypted_version() {
    let app = crate::helpers::spawn_demo().await;
    let csv = "id,stratum,phone\nh001,A,0902 555 001\nh002,A,0902 555 002\n";
    let survey = phone_survey_from(&app, csv, 2, "phone", "5").await;
    let k = keys();
    assert_eq!(encrypt_demo(&app, &k.public_b64).await, survey);
    let said = "chỉ thu thập ngoại tuyến";

    // The public link.
    let r = app.other_client();
    let page = r.get(&format!("/s/{DEMO_KEY}")).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    page.assert_contains(said);
    // JSON submissions.
    let (status, body) = super::submit(
        &app,
        DEMO_KEY,
        json!({"id": uuid::Uuid::new_v4().to_string(), "answers": demo_answers(30, "4"), "complete": true}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "surveys-encrypted-offline-only");
    // One-time tokens.
    let page = app
        .post(
            &format!("/surveys/{survey}/tokens"),
            &[("count", "1"), ("mode", "web")],
        )
        .await;
    let token = page
        .body
        .match_indices("href=\"/t/")
        .map(|(i, _)| page.body[i + 6..].split('"').next().unwrap().to_string())
        .next()
        .expect("a token link");
    let page = r.get(&token).await;
    assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
    page.assert_contains(said);
    // Paper.
    let page = app
        .post(
            &format!("/surveys/{survey}/paper/batches"),
            &[("sheets", "5")],
        )
        .await;
    page.assert_contains(said);
    let batches = "SELECT COUNT(*) FROM paper_batches WHERE survey_id = $1";
    assert_eq!(scalar(&app, batches, survey).await, 0);
    // The telephone console.
    let c = interviewer(&app, "dtv_dt", "92").await;
    if let Ok(case) = next_case(&c, survey).await {
        let page = c.get(&format!("/interviewer/cases/{case}")).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
        page.assert_contains(said);
    } else {
        panic!("no case to call");
    }
    // Nothing was stored by any of them.
    let responses = "SELECT COUNT(*) FROM survey_responses WHERE survey_id = $1 AND version_id = (SELECT MAX(id) FROM survey_versions WHERE survey_id = $1)";
    assert_eq!(scalar(&app, responses, survey).await, 0);
    app.stop().await;
}

/// Python with `cryptography`: `DULUAN_CRYPTO_PYTHON`, the exports' venv, or the system's.
fn crypto_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var("DULUAN_CRYPTO_PYTHON")
            .ok()
            .map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("../sav-venv/bin/python")),
        std::env::var("CARGO_TARGET_DIR")
            .ok()
            .map(|d| PathBuf::from(d).join("sav-venv/bin/python")),
        Some(PathBuf::from("/usr/bin/python3")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.exists()
            && Command::new(&c)
                .args(["-c", "import cryptography"])
                .output()
                .is_ok_and(|o| o.status.success())
        {
            return Some(c);
        }
    }
    assert!(
        !std::env::var("DULUAN_TEST_CRYPTO").is_ok_and(|v| v == "1"),
        "DULUAN_TEST_CRYPTO=1 but no python with cryptography: $CARGO_TARGET_DIR/sav-venv/bin/pip install cryptography"
    );
    None
}

#[tokio::test]
async fn an_instance_encrypted_by_python_cryptography_decrypts() {
    let Some(python) = crypto_python() else {
        eprintln!("skipped: no python with the cryptography package (set DULUAN_CRYPTO_PYTHON)");
        return;
    };
    let app = crate::helpers::spawn_demo().await;
    let k = keys();
    let survey = encrypt_demo(&app, &k.public_b64).await;
    let c = interviewer(&app, "dtv_py", "92").await;
    let base = add_device(&c, "Máy mã hóa").await;
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("instance.xml");
    let id = "uuid:python-0001";
    std::fs::write(&xml_path, instance_xml(survey, id, "64")).unwrap();
    let photo_path = dir.path().join("1733411111111.jpg");
    std::fs::write(&photo_path, photo()).unwrap();
    let out = dir.path().join("out");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/app/surveys/odk_encrypt.py");
    let run = Command::new(&python)
        .arg(&script)
        .args([&k.public_b64, &format!("duluan_{survey}"), "2", id])
        .arg(&xml_path)
        .arg(&out)
        .arg(&photo_path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let manifest = std::fs::read_to_string(out.join("submission.xml")).unwrap();
    let files: Vec<(String, Vec<u8>)> = ["1733411111111.jpg.enc", "submission.xml.enc"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(out.join(n)).unwrap()))
        .collect();
    let (status, body) = post(&device(), &base, &manifest, &files).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.login_demo("analyst").await;
    let (status, _, zip) = decrypt(&app, survey, &k.pem).await;
    assert_eq!(status, StatusCode::OK);
    let files = unzip(&zip);
    let rows = String::from_utf8(files["submissions.csv"].clone()).unwrap();
    assert!(
        rows.contains(&format!("{id},")) && rows.contains(",64,"),
        "{rows}"
    );
    assert_eq!(files["media/uuid_python-0001/1733411111111.jpg"], photo());
    assert_eq!(
        String::from_utf8(files["errors.csv"].clone())
            .unwrap()
            .lines()
            .count(),
        1
    );
    app.stop().await;
}
