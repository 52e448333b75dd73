//! A scanned stack uploaded by a clerk: read off the async workers within a time limit, one
//! page at a time, each page's result stored with a message in the clerk's language; a page
//! read before is a duplicate, a page of another survey is said so; an upload where no page is
//! one of ours is refused whole (400) and stores nothing. One transaction per upload; sheets
//! whose pages are all read and whose questions are all clear land at once.

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use duluan_paper::{Layout, Limits, PageReading, ReadError};
use serde_json::json;
use sha2::Digest as _;

use super::land::{self, Settled};
use super::model::{self, MAX_SCAN_BYTES, MAX_SCAN_PAGES, PageStatus, READ_TIME, SheetStatus};
use super::print::clerk_survey;
use super::store::{self, NewPage};
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

#[derive(Template)]
#[template(path = "surveys/paper/scan.html")]
struct ScanTemplate {
    c: Chrome,
    survey_id: i64,
    refused: bool,
    /// `(page, status label, message)`.
    pages: Vec<(usize, String, String)>,
    landed: usize,
    to_verify: usize,
}

/// The message of a page that is not read.
fn error_text(tr: Tr, e: &ReadError) -> String {
    match e {
        ReadError::TooLarge { max, .. } => {
            tr.ta("paper-read-too-large", &[("max", (max >> 20).to_string())])
        }
        ReadError::UnknownFormat => tr.t("paper-read-format"),
        ReadError::Unreadable { format, .. } => tr.ta(
            "paper-read-unreadable",
            &[("format", format.to_uppercase())],
        ),
        ReadError::EmptyPdf => tr.t("paper-read-empty-pdf"),
        ReadError::TooManyPages { pages, max } => tr.ta(
            "paper-read-too-many-pages",
            &[("pages", pages.to_string()), ("max", max.to_string())],
        ),
        ReadError::TooManyPixels { .. } | ReadError::BudgetExhausted { .. } => {
            tr.t("paper-read-too-big-page")
        }
        ReadError::TooSmall { .. } => tr.t("paper-read-too-small"),
        ReadError::FiducialsNotFound { found } => {
            tr.ta("paper-read-corners", &[("found", found.to_string())])
        }
        ReadError::FiducialsMisplaced => tr.t("paper-read-misplaced"),
        ReadError::QrNotFound => tr.t("paper-read-qr"),
        ReadError::ForeignQr
        | ReadError::UnknownForm { .. }
        | ReadError::OtherLayout { .. }
        | ReadError::NoSuchPage { .. } => tr.t("paper-read-other-survey"),
    }
}

fn is_other_survey(e: &ReadError) -> bool {
    matches!(
        e,
        ReadError::UnknownForm { .. } | ReadError::OtherLayout { .. } | ReadError::ForeignQr
    )
}

/// Reads the upload's pages within the time limit: the file's own refusal, or one result per
/// page (pages past the limit are `None`).
async fn read_pages(
    bytes: Vec<u8>,
    layouts: Vec<Layout>,
) -> Result<
    Result<Vec<Option<Result<PageReading, ReadError>>>, ReadError>,
    crate::uploads::Unfinished,
> {
    let deadline = Instant::now() + READ_TIME - std::time::Duration::from_secs(5);
    crate::uploads::read_blocking(READ_TIME, move || {
        let limits = Limits {
            max_bytes: MAX_SCAN_BYTES,
            max_pdf_pages: MAX_SCAN_PAGES,
            ..Limits::default()
        };
        let mut out = Vec::new();
        let r = duluan_paper::read_scan_each(&bytes, &layouts[..], &limits, &mut |_, page| {
            out.push(Some(page));
            Instant::now() < deadline
        });
        r.map(|()| out)
    })
    .await
}

/// `POST /surveys/{id}/paper/scans`: a scanned stack (`file`).
pub async fn upload_scan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<Response> {
    let (s, _) = clerk_survey(&state, &auth, id).await?;
    let tr = auth.ctx.tr;
    let mut bytes = vec![];
    let mut file_name = String::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest("paper-error-upload"))?
    {
        if field.name() == Some("file") {
            file_name = crate::kit::text::one_line(field.file_name().unwrap_or_default());
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::BadRequest("paper-error-upload"))?
                .to_vec();
        }
    }
    let refuse = |pages: Vec<(usize, String, String)>| {
        let body = page(ScanTemplate {
            c: auth.ctx.chrome_titled(tr.t("paper-scan-refused")),
            survey_id: s.id,
            refused: true,
            pages,
            landed: 0,
            to_verify: 0,
        });
        Ok((StatusCode::BAD_REQUEST, body).into_response())
    };
    if bytes.is_empty() {
        return refuse(vec![(0, String::new(), tr.t("paper-error-no-file"))]);
    }
    let mut layouts = Vec::new();
    for json in store::layouts_of(&state.db, s.id).await? {
        let l: Layout = serde_json::from_str(&json)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored layout unreadable: {e}")))?;
        layouts.push(l);
    }
    if layouts.is_empty() {
        return refuse(vec![(
            0,
            String::new(),
            tr.t("paper-error-nothing-printed"),
        )]);
    }
    let size = bytes.len() as i64;
    let sha = hex::encode(sha2::Sha256::digest(&bytes));
    let by_version: BTreeMap<(String, String), usize> = layouts
        .iter()
        .map(|l| ((l.form_id.clone(), l.form_version.clone()), l.pages.len()))
        .collect();
    let results = match read_pages(bytes, layouts).await {
        Err(u) => {
            return refuse(vec![(
                0,
                String::new(),
                crate::uploads::unfinished_text(tr, &u),
            )]);
        }
        Ok(Err(e)) => return refuse(vec![(0, String::new(), error_text(tr, &e))]),
        Ok(Ok(r)) => r,
    };
    if !results
        .iter()
        .any(|r| matches!(r, Some(Ok(_))) || matches!(r, Some(Err(e)) if is_other_survey(e)))
    {
        let pages = results
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let msg = match r {
                    Some(Err(e)) => error_text(tr, e),
                    _ => tr.t("paper-read-timeout"),
                };
                (i + 1, tr.t("paper-page-unreadable"), msg)
            })
            .collect();
        return refuse(pages);
    }

    let now = Utc::now();
    let lang = tr.lang().code();
    let mut tx = state.db.begin().await?;
    let scan_id = store::insert_scan(
        &mut tx,
        s.id,
        &file_name,
        size,
        &sha,
        results.len() as i64,
        auth.user.id,
        now,
    )
    .await?;
    // The sheets this upload reads, locked in key order before anything is read of them: an
    // upload racing this one for the same page waits, then finds it read (a duplicate).
    let keys: std::collections::BTreeSet<String> = results
        .iter()
        .filter_map(|r| match r {
            Some(Ok(reading)) => Some(model::sheet_key(&reading.identity.sheet)),
            _ => None,
        })
        .collect();
    for key in &keys {
        store::lock_sheet_by_key(&mut tx, s.id, key).await?;
    }
    let mut shown = Vec::new();
    let mut seen: HashSet<(String, u32)> = HashSet::new();
    let mut touched: BTreeMap<i64, usize> = BTreeMap::new();
    for (i, r) in results.into_iter().enumerate() {
        let (status, message, sheet_id, page_no, reading) = match r {
            None => (
                PageStatus::Unreadable,
                tr.t("paper-read-timeout"),
                None,
                None,
                None,
            ),
            Some(Err(e)) => {
                let st = if is_other_survey(&e) {
                    PageStatus::OtherSurvey
                } else {
                    PageStatus::Unreadable
                };
                (st, error_text(tr, &e), None, None, None)
            }
            Some(Ok(reading)) => {
                let key = model::sheet_key(&reading.identity.sheet);
                let page_no = reading.identity.page;
                let pages = by_version
                    .get(&(
                        reading.identity.form_id.clone(),
                        reading.identity.form_version.clone(),
                    ))
                    .copied()
                    .unwrap_or(0);
                let label = key.trim_start_matches(['S', 'C']).to_string();
                let args = [("sheet", label), ("page", page_no.to_string())];
                match store::sheet_by_key(&mut tx, s.id, &key).await? {
                    None => (
                        PageStatus::Unreadable,
                        tr.ta("paper-read-unknown-sheet", &args),
                        None,
                        Some(page_no),
                        None,
                    ),
                    Some(sheet)
                        if !seen.insert((key.clone(), page_no))
                            || land::pages_read(&sheet).contains(&page_no)
                            || sheet.status == SheetStatus::Landed =>
                    {
                        (
                            PageStatus::Duplicate,
                            tr.ta("paper-read-duplicate", &args),
                            Some(sheet.id),
                            Some(page_no),
                            None,
                        )
                    }
                    Some(sheet) => {
                        touched.insert(sheet.id, pages);
                        (
                            PageStatus::Read,
                            tr.ta("paper-read-ok", &args),
                            Some(sheet.id),
                            Some(page_no),
                            Some((sheet, reading)),
                        )
                    }
                }
            }
        };
        let reading_json = reading.as_ref().map(|(_, r)| {
            let mut r = r.clone();
            r.boxes.iter_mut().for_each(|b| b.crop = None);
            serde_json::to_string(&r).unwrap_or_default()
        });
        let outcome = reading.as_ref().map(|(_, r)| model::outcome_of(r));
        let status = match &outcome {
            Some(o) if !o.items.is_empty() => PageStatus::Verify,
            _ => status,
        };
        let new_page = NewPage {
            index: i as i64,
            sheet_id,
            page_number: page_no.map(i64::from),
            status,
            message: &message,
            reading: reading_json.as_deref(),
        };
        let Some(page_id) = store::insert_page(&mut tx, scan_id, &new_page).await? else {
            // Taken meanwhile by another upload (`paper_pages_once`): a duplicate, never a 500.
            let key = reading
                .as_ref()
                .map(|(_, r)| model::sheet_key(&r.identity.sheet))
                .unwrap_or_default();
            let args = [
                ("sheet", key.trim_start_matches(['S', 'C']).to_string()),
                ("page", page_no.unwrap_or(0).to_string()),
            ];
            let message = tr.ta("paper-read-duplicate", &args);
            let dup = NewPage {
                status: PageStatus::Duplicate,
                message: &message,
                reading: None,
                ..new_page
            };
            store::insert_page(&mut tx, scan_id, &dup).await?;
            shown.push((i + 1, tr.t("paper-page-duplicate"), message));
            continue;
        };
        if let (Some((sheet, _)), Some(o)) = (reading, outcome) {
            // The sheet as it stands in this transaction (an earlier page may have changed it).
            let sheet = store::sheet_by_id(&mut tx, sheet.id)
                .await?
                .ok_or(AppError::NotFound)?;
            let mut answers = land::answers(&sheet);
            for q in &o.empty {
                answers.remove(q);
            }
            answers.extend(o.answers);
            let mut read = land::pages_read(&sheet);
            read.push(page_no.unwrap_or(0));
            read.sort_unstable();
            for item in &o.items {
                store::insert_item(
                    &mut tx,
                    sheet.id,
                    Some(page_id),
                    &item.question,
                    item.kind,
                    &item.read_as,
                    item.crop.as_deref(),
                    "",
                )
                .await?;
            }
            store::update_sheet(
                &mut tx,
                sheet.id,
                SheetStatus::Reading,
                &serde_json::to_string(&answers).unwrap_or_else(|_| "{}".into()),
                &serde_json::to_string(&read).unwrap_or_else(|_| "[]".into()),
            )
            .await?;
        }
        shown.push((
            i + 1,
            tr.t(&format!("paper-page-{}", status.key())),
            message,
        ));
    }
    let (mut landed, mut to_verify) = (0, 0);
    let mut settled = Vec::new();
    for (sheet_id, pages) in touched {
        let st = land::settle(&mut tx, &s, sheet_id, pages, lang, auth.user.id, now).await?;
        match st {
            Settled::Landed(..) => landed += 1,
            Settled::Verifying => to_verify += 1,
            Settled::Waiting => {}
        }
        settled.push(st);
    }
    audit::entry(&auth.ctx.actor(), "survey.paper_scan")
        .object("paper_scan", scan_id)
        .unit(s.unit_id)
        .detail(json!({"survey": s.id, "pages": shown.len(), "sha256": sha, "landed": landed}))
        .write(&mut tx)
        .await?;
    tx.commit().await?;
    land::after_commit(&state.db, s.id, &settled).await?;
    Ok(page(ScanTemplate {
        c: auth.ctx.chrome_titled(tr.t("paper-scan-title")),
        survey_id: s.id,
        refused: false,
        pages: shown,
        landed,
        to_verify,
    }))
}
