//! The `settings` sheet: title, id, version, default language, instance name, public key.

use super::{Sheet, cell, diag};
use crate::diag::{DiagKind, Diagnostic};
use crate::model::Form;

pub(super) fn read_settings(
    sheet: &Sheet,
    form: &mut Form,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let Some(header) = sheet.rows.first() else {
        return;
    };
    let values: Vec<&str> = sheet
        .rows
        .get(1)
        .map(|r| (0..header.len()).map(|i| cell(r, i)).collect())
        .unwrap_or_default();
    for (i, h) in header.iter().enumerate() {
        let v = values.get(i).copied().unwrap_or("");
        match h.trim().to_lowercase().as_str() {
            "form_title" | "title" => form.title = v.to_string(),
            "form_id" | "id_string" => form.id = v.to_string(),
            "version" => form.version = v.to_string(),
            "default_language" => {
                form.default_language = Some(v.to_string()).filter(|s| !s.is_empty())
            }
            "instance_name" => form.instance_name = Some(v.to_string()).filter(|s| !s.is_empty()),
            "public_key" if !v.trim().is_empty() => match crate::public_key::check_public_key(v) {
                Ok((key, _)) => form.public_key = Some(key),
                Err(e) => errors.push(diag(
                    DiagKind::Type,
                    &sheet.name,
                    Some(2),
                    Some(h.trim()),
                    format!("`public_key`: {}", e.en),
                    format!("`public_key`: {}", e.vi),
                )),
            },
            "submission_url" if !v.is_empty() => warnings.push(diag(
                DiagKind::Warning,
                &sheet.name,
                Some(2),
                Some(h.trim()),
                "`submission_url` is ignored: devices send their submissions to this duluan server"
                    .into(),
                "bỏ qua `submission_url`: thiết bị gửi phiếu về chính máy chủ duluan này".into(),
            )),
            "published" => match v.to_lowercase().as_str() {
                "" | "no" | "false" => form.published = false,
                "yes" | "true" => form.published = true,
                _ => errors.push(diag(
                    DiagKind::Type,
                    &sheet.name,
                    Some(2),
                    Some(h),
                    format!("`published` must be yes or no, not `{v}`"),
                    format!("`published` phải là yes hoặc no, không phải `{v}`"),
                )),
            },
            _ => {}
        }
    }
}
