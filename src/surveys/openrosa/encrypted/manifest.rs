//! The manifest of an encrypted submission (the `xml_submission_file` a device sends for a form
//! with a public key, ODK's encryption scheme), read without IO: root `data` in the namespace
//! [`NS`] with `id`, `version` and `encrypted="yes"`; `base64EncryptedKey`, `meta/instanceID`,
//! one `media/file` per encrypted attachment (in the order they were encrypted),
//! `encryptedXmlFile` and `base64EncryptedElementSignature`. Everything in it is visible to the
//! server; the answers are in the `.enc` files it names.

use crate::surveys::openrosa::model::attachment_name;

/// The namespace of an encrypted submission's manifest.
pub const NS: &str = "http://www.opendatakit.org/xforms/encrypted";

/// An encrypted submission's manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The form id (`id`).
    pub form_id: String,
    /// The form version (`version`), when the form has one.
    pub version: Option<String>,
    /// `meta/instanceID`.
    pub instance_id: String,
    /// The AES key, encrypted with the form's RSA public key, base64.
    pub encrypted_key: String,
    /// The encrypted media files (`….enc`), in the order they were encrypted.
    pub media: Vec<String>,
    /// The encrypted instance (`submission.xml.enc`).
    pub xml_file: String,
    /// The MD5 of the signed lines, encrypted with the public key, base64.
    pub signature: String,
}

impl Manifest {
    /// Every file the submission is made of: the media, then the instance.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.media
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(self.xml_file.as_str()))
    }
}

/// Whether a submitted XML document is an encrypted submission's manifest: its root element is
/// in [`NS`] or says `encrypted="yes"` (a document that does not parse is not one; the plain
/// path reports it).
pub fn is_manifest(xml: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(xml) else {
        return false;
    };
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 200_000,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts).is_ok_and(|doc| {
        let root = doc.root_element();
        root.tag_name().namespace() == Some(NS) || root.attribute("encrypted") == Some("yes")
    })
}

/// An encrypted file's name: a name a device writes (see [`attachment_name`]) ending in `.enc`.
fn enc_name(raw: &str) -> Option<String> {
    let name = attachment_name(raw.trim())?;
    (name.len() > 4 && name.ends_with(".enc")).then(|| name.to_string())
}

/// Reads a manifest; `Err` is a message key saying what is wrong.
pub fn parse(xml: &[u8]) -> Result<Manifest, &'static str> {
    const BAD: &str = "openrosa-error-manifest";
    let text = std::str::from_utf8(xml).map_err(|_| "openrosa-error-xml")?;
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 10_000,
        ..Default::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(text, opts).map_err(|_| "openrosa-error-xml")?;
    let root = doc.root_element();
    if root.tag_name().namespace() != Some(NS)
        || root.tag_name().name() != "data"
        || root.attribute("encrypted") != Some("yes")
    {
        return Err(BAD);
    }
    let form_id = root.attribute("id").unwrap_or("").trim().to_string();
    if form_id.is_empty() {
        return Err(BAD);
    }
    let version = root
        .attribute("version")
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let text_of = |e: roxmltree::Node| e.text().unwrap_or("").trim().to_string();
    let (mut key, mut instance_id, mut xml_file, mut signature) = (None, None, None, None);
    let mut media = Vec::new();
    for e in root.children().filter(|n| n.is_element()) {
        match e.tag_name().name() {
            "base64EncryptedKey" => key = Some(text_of(e)),
            "meta" => {
                instance_id = e
                    .children()
                    .find(|c| c.is_element() && c.tag_name().name() == "instanceID")
                    .map(text_of);
            }
            "media" => {
                for f in e
                    .children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "file")
                {
                    media.push(enc_name(&text_of(f)).ok_or(BAD)?);
                }
            }
            "encryptedXmlFile" => xml_file = Some(enc_name(&text_of(e)).ok_or(BAD)?),
            "base64EncryptedElementSignature" => signature = Some(text_of(e)),
            _ => {}
        }
    }
    let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty()).ok_or(BAD);
    let instance_id = nonempty(instance_id)?;
    if instance_id.len() > 128 {
        return Err("openrosa-error-instance-id");
    }
    let m = Manifest {
        form_id,
        version,
        instance_id,
        encrypted_key: nonempty(key)?,
        media,
        xml_file: nonempty(xml_file)?,
        signature: nonempty(signature)?,
    };
    let mut names: Vec<&str> = m.files().collect();
    names.sort_unstable();
    names.dedup();
    if names.len() != m.media.len() + 1 || m.media.len() >= super::super::model::MAX_FILES {
        return Err(BAD);
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<data xmlns="http://www.opendatakit.org/xforms/encrypted" id="duluan_3" version="2" encrypted="yes">
  <base64EncryptedKey>a2V5</base64EncryptedKey>
  <orx:meta xmlns:orx="http://openrosa.org/xforms"><orx:instanceID>uuid:1</orx:instanceID></orx:meta>
  <media><file>1.jpg.enc</file></media>
  <media><file>2.m4a.enc</file></media>
  <encryptedXmlFile>submission.xml.enc</encryptedXmlFile>
  <base64EncryptedElementSignature>c2ln</base64EncryptedElementSignature>
</data>"#;

    #[test]
    fn a_manifest_is_read_with_its_files_in_order() {
        assert!(is_manifest(GOOD.as_bytes()));
        let m = parse(GOOD.as_bytes()).unwrap();
        assert_eq!(m.form_id, "duluan_3");
        assert_eq!(m.version.as_deref(), Some("2"));
        assert_eq!(m.instance_id, "uuid:1");
        assert_eq!(
            m.files().collect::<Vec<_>>(),
            ["1.jpg.enc", "2.m4a.enc", "submission.xml.enc"]
        );
        assert!(!is_manifest(
            b"<duluan_3 id=\"duluan_3\"><a>1</a></duluan_3>"
        ));
        // The namespace typed as an answer does not make a manifest.
        assert!(!is_manifest(
            b"<duluan_3 id=\"duluan_3\"><a>http://www.opendatakit.org/xforms/encrypted</a></duluan_3>"
        ));
    }

    #[test]
    fn a_bad_manifest_is_refused() {
        for (from, to) in [
            ("encrypted=\"yes\"", "encrypted=\"no\""),
            (
                "<encryptedXmlFile>submission.xml.enc",
                "<encryptedXmlFile>submission.xml",
            ),
            ("<file>1.jpg.enc", "<file>../1.jpg.enc"),
            ("<file>2.m4a.enc", "<file>1.jpg.enc"),
            ("uuid:1", ""),
            ("<base64EncryptedKey>a2V5", "<base64EncryptedKey>"),
            (
                "http://www.opendatakit.org/xforms/encrypted",
                "http://example.org/x",
            ),
        ] {
            let bad = GOOD.replace(from, to);
            assert!(parse(bad.as_bytes()).is_err(), "{to}");
        }
        assert_eq!(parse(b"<data"), Err("openrosa-error-xml"));
    }
}
