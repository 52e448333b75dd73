//! OpenRosa's documents and rules, no IO: the form list, the manifest, the answer to a
//! submission, the case list a device downloads, the names and types of the files that come with
//! a submission, and the XForm id of a survey.

use md5::{Digest as _, Md5};

/// Largest submission a device may send in one request (OpenRosa's
/// `X-OpenRosa-Accept-Content-Length`): ODK Collect splits larger ones into several requests.
pub const MAX_SUBMISSION_BYTES: usize = 10 * 1024 * 1024;

/// Largest instance XML accepted (the rest of a request is attachments).
pub const MAX_INSTANCE_BYTES: usize = 2 * 1024 * 1024;

/// Most files one submission request may carry.
pub const MAX_FILES: usize = 32;

/// The case list's file name in a form's manifest.
pub const CASES_FILE: &str = "cases.csv";

/// The XForm id of a survey (`duluan_12`): the surveys of a series share the questionnaire's
/// own form id, so the survey's number keeps them apart on a device.
pub fn form_id(survey_id: i64) -> String {
    format!("duluan_{survey_id}")
}

/// The survey of an XForm id written by [`form_id`].
pub fn survey_of_form_id(id: &str) -> Option<i64> {
    id.strip_prefix("duluan_")?
        .parse()
        .ok()
        .filter(|n: &i64| *n > 0)
}

/// `md5:…` of some bytes, as OpenRosa's form list and manifest write hashes.
pub fn md5_hash(bytes: &[u8]) -> String {
    let d = Md5::digest(bytes);
    let mut out = String::with_capacity(36);
    out.push_str("md5:");
    for b in d {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// One form of a form list.
#[derive(Clone, Debug)]
pub struct ListedForm {
    /// XForm id.
    pub form_id: String,
    /// Name shown on the device.
    pub name: String,
    /// Version string.
    pub version: String,
    /// `md5:…` of the XForm.
    pub hash: String,
    /// Where the XForm is downloaded.
    pub download_url: String,
    /// Where its manifest is, when it has media files.
    pub manifest_url: Option<String>,
}

/// The form list (`/formList`, OpenRosa Form List API).
pub fn form_list_xml(forms: &[ListedForm]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xforms xmlns=\"http://openrosa.org/xforms/xformsList\">\n",
    );
    for f in forms {
        out.push_str("  <xform>\n");
        for (tag, value) in [
            ("formID", &f.form_id),
            ("name", &f.name),
            ("version", &f.version),
            ("hash", &f.hash),
            ("downloadUrl", &f.download_url),
        ] {
            out.push_str(&format!("    <{tag}>{}</{tag}>\n", xml_escape(value)));
        }
        if let Some(m) = &f.manifest_url {
            out.push_str(&format!(
                "    <manifestUrl>{}</manifestUrl>\n",
                xml_escape(m)
            ));
        }
        out.push_str("  </xform>\n");
    }
    out.push_str("</xforms>\n");
    out
}

/// One media file of a manifest.
#[derive(Clone, Debug)]
pub struct MediaFile {
    /// File name as the form refers to it (`jr://file-csv/cases.csv`).
    pub name: String,
    /// `md5:…` of its bytes.
    pub hash: String,
    /// Where it is downloaded.
    pub download_url: String,
}

/// A form's manifest (OpenRosa Form List API).
pub fn manifest_xml(files: &[MediaFile]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest xmlns=\"http://openrosa.org/xforms/xformsManifest\">\n",
    );
    for f in files {
        out.push_str(&format!(
            "  <mediaFile>\n    <filename>{}</filename>\n    <hash>{}</hash>\n    <downloadUrl>{}</downloadUrl>\n  </mediaFile>\n",
            xml_escape(&f.name),
            xml_escape(&f.hash),
            xml_escape(&f.download_url)
        ));
    }
    out.push_str("</manifest>\n");
    out
}

/// The answer to a submission (OpenRosa Form Submission API): a message the device shows.
pub fn response_xml(message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<OpenRosaResponse xmlns=\"http://openrosa.org/http/response\">\n  <message nature=\"\">{}</message>\n</OpenRosaResponse>\n",
        xml_escape(message)
    )
}

/// The case list a device downloads (`name,label`, as ODK's `select_one_from_file` reads CSV):
/// `(case id, label)` rows. Labels carry no contact data.
pub fn cases_csv(rows: &[(i64, String)]) -> String {
    let mut out = String::from("name,label\n");
    for (id, label) in rows {
        let label = label.replace(['\r', '\n'], " ");
        if label.contains([',', '"']) {
            out.push_str(&format!("{id},\"{}\"\n", label.replace('"', "\"\"")));
        } else {
            out.push_str(&format!("{id},{label}\n"));
        }
    }
    out
}

/// The case a submission names (the case list's `name`): a positive number.
pub fn parse_case(value: &str) -> Option<i64> {
    value.trim().parse().ok().filter(|n: &i64| *n > 0)
}

/// The name of a file that came with a submission, when it is one a device writes: letters,
/// digits, `.`, `-`, `_`, at most 128 characters, not starting with a dot (never a path).
pub fn attachment_name(raw: &str) -> Option<&str> {
    let ok = !raw.is_empty()
        && raw.len() <= 128
        && !raw.starts_with('.')
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    ok.then_some(raw)
}

/// The content type of a file that came with a submission, from its name's extension checked
/// against its first bytes: photos (JPEG, PNG, WebP), recordings (AMR, 3GP/MP4/M4A, MP3, OGG,
/// WAV), videos (MP4, 3GP, WebM) and the audit log (CSV text). Anything else, or a file whose bytes are not what its name
/// says, is refused (a message key).
pub fn media_type(name: &str, bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("openrosa-error-file-empty");
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let riff = |kind: &[u8]| bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == kind;
    let iso = bytes.len() >= 12 && &bytes[4..8] == b"ftyp";
    let (ok, mime) = match ext.as_str() {
        "jpg" | "jpeg" => (bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "image/jpeg"),
        "png" => (bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "image/png"),
        "webp" => (riff(b"WEBP"), "image/webp"),
        "amr" => (bytes.starts_with(b"#!AMR"), "audio/amr"),
        "m4a" => (iso, "audio/mp4"),
        "mp3" => (
            bytes.starts_with(b"ID3") || (bytes.len() > 1 && bytes[0] == 0xFF && bytes[1] >= 0xE0),
            "audio/mpeg",
        ),
        "ogg" | "oga" | "opus" => (bytes.starts_with(b"OggS"), "audio/ogg"),
        "wav" => (riff(b"WAVE"), "audio/wav"),
        "mp4" => (iso, "video/mp4"),
        "3gp" => (iso, "video/3gpp"),
        "webm" => (bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]), "video/webm"),
        // The form's audit log (`audit.csv`, ODK's `audit` metadata): text, no NUL.
        "csv" => (
            std::str::from_utf8(bytes).is_ok() && !bytes.contains(&0),
            "text/csv",
        ),
        _ => return Err("openrosa-error-file-type"),
    };
    if ok {
        Ok(mime)
    } else {
        Err("openrosa-error-file-content")
    }
}

/// What a device's configuration QR code carries, as ODK Collect reads it: the settings JSON
/// (the server address; forms kept exactly as the server lists them; finished forms sent
/// automatically on any connection; the project's name), compressed with zlib and encoded as
/// base64.
pub fn collect_settings(server_url: &str, project: &str) -> String {
    use base64::Engine as _;
    use std::io::Write as _;
    let json = serde_json::json!({
        "general": {
            "server_url": server_url,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
        },
        "admin": {},
        "project": {"name": project},
    })
    .to_string();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(json.as_bytes());
    let bytes = z.finish().unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The QR code of `payload` as an SVG element to put in a page (black modules on white, no
/// style attribute, no XML declaration); `None` if it does not fit a QR code.
pub fn qr_svg(payload: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_collect_settings_decode_to_the_server_address() {
        use base64::Engine as _;
        use std::io::Read as _;
        let p = collect_settings(
            "https://khaosat.example.vn/openrosa/key/abc",
            "duluan — Máy A",
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&p)
            .unwrap();
        let mut json = String::new();
        flate2::read::ZlibDecoder::new(&bytes[..])
            .read_to_string(&mut json)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["general"]["server_url"],
            "https://khaosat.example.vn/openrosa/key/abc"
        );
        assert_eq!(v["project"]["name"], "duluan — Máy A");
        let svg = qr_svg(&p).unwrap();
        assert!(svg.starts_with("<svg") && !svg.contains("style"), "{svg}");
    }

    #[test]
    fn form_ids_round_trip_and_refuse_others() {
        assert_eq!(form_id(12), "duluan_12");
        assert_eq!(survey_of_form_id("duluan_12"), Some(12));
        for bad in ["duluan_", "duluan_-1", "duluan_0", "other_12", "duluan_1x"] {
            assert_eq!(survey_of_form_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_form_list_escapes_what_it_writes() {
        let xml = form_list_xml(&[ListedForm {
            form_id: "duluan_1".into(),
            name: "Khảo sát <A & B>".into(),
            version: "1".into(),
            hash: md5_hash(b"x"),
            download_url: "http://h/openrosa/key/t/forms/1/form.xml".into(),
            manifest_url: None,
        }]);
        assert!(
            xml.contains("<name>Khảo sát &lt;A &amp; B&gt;</name>"),
            "{xml}"
        );
        assert!(xml.contains("<hash>md5:9dd4e461268c8034f5c8564e155c67a6</hash>"));
        assert!(roxmltree::Document::parse(&xml).is_ok());
    }

    #[test]
    fn files_are_checked_by_name_and_bytes() {
        assert_eq!(
            media_type("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]),
            Ok("image/jpeg")
        );
        assert_eq!(
            media_type("a.jpg", b"\x89PNG\r\n\x1a\n"),
            Err("openrosa-error-file-content")
        );
        assert_eq!(media_type("a.exe", b"MZ"), Err("openrosa-error-file-type"));
        assert_eq!(
            media_type("audit.csv", b"event,node,start\n"),
            Ok("text/csv")
        );
        assert_eq!(
            media_type("audit.csv", &[0xFF, 0xFE, 0]),
            Err("openrosa-error-file-content")
        );
        assert_eq!(media_type("a.png", b""), Err("openrosa-error-file-empty"));
        assert_eq!(
            media_type("v.mp4", b"\0\0\0\x18ftypmp42\0\0\0\0"),
            Ok("video/mp4")
        );
        assert_eq!(
            attachment_name("1733412345678.jpg"),
            Some("1733412345678.jpg")
        );
        for bad in ["../x.jpg", "a/b.jpg", ".hidden", "", "a b.jpg", "ả.jpg"] {
            assert_eq!(attachment_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_case_list_quotes_labels() {
        assert_eq!(
            cases_csv(&[(3, "Tổ 1, khu vực 2".into()), (4, "a\"b".into())]),
            "name,label\n3,\"Tổ 1, khu vực 2\"\n4,\"a\"\"b\"\n"
        );
        assert_eq!(parse_case(" 12 "), Some(12));
        assert_eq!(parse_case("x"), None);
    }
}
