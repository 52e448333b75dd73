//! Internal sources: the reporting context's opinion streams brought in as items.

use chrono::Utc;

use crate::app::AppState;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::monitoring::model::{self, PollStatus, SourceKind};
use crate::monitoring::store::{self, Source};

use super::{Incoming, ingest};

/// Source of a kind, created at `unit_id` when missing.
pub async fn internal_source(
    db: &Db,
    kind: SourceKind,
    name: &str,
    unit_id: i64,
) -> AppResult<Source> {
    if let Some(s) = store::find_source_of_kind(db, kind).await? {
        return Ok(s);
    }
    let now = Utc::now().timestamp();
    let id = store::insert_source(
        db,
        &store::NewSource {
            name,
            unit_id,
            ..store::NewSource::of(kind)
        },
        now,
    )
    .await?;
    store::find_source(db, id).await?.ok_or(AppError::NotFound)
}

/// Brings the reporting context's new opinion streams in as items; returns how many.
pub async fn sync_internal(state: &AppState, now: i64) -> AppResult<usize> {
    let db = &state.db;
    let existing = store::find_source_of_kind(db, SourceKind::Reporting).await?;
    let cursor = existing.as_ref().map_or(0, |s| s.cursor);
    let mut total = 0;
    let mut cursor = cursor;
    loop {
        let streams = crate::reporting::streams_for_monitoring(db, cursor, 500).await?;
        let Some(last) = streams.last().map(|s| s.id) else {
            break;
        };
        let source = match &existing {
            Some(s) => s.clone(),
            None => {
                let first = streams[0].unit_id;
                let top = crate::orgs::ancestor_ids(db, &[first])
                    .await?
                    .get(&first)
                    .and_then(|v| v.first().copied())
                    .unwrap_or(first);
                let name = "Luồng ý kiến (báo cáo dư luận)";
                internal_source(db, SourceKind::Reporting, name, top).await?
            }
        };
        let incoming: Vec<Incoming> = streams
            .into_iter()
            .enumerate()
            .map(|(i, s)| Incoming {
                external_id: Some(format!("stream:{}", s.id)),
                text: s.text,
                title: String::new(),
                time: Some(s.created_at),
                area: None,
                unit_id: Some(s.unit_id),
                topic: Some(s.topic_key),
                direction: Some(model::direction_of_stream(s.direction).key().to_string()),
                url: format!("/reporting/streams/{}", s.id),
                lang: "vi".into(),
                via_ocr: false,
                legacy: None,
                place: i,
            })
            .collect();
        match ingest(state, &source, incoming, None).await? {
            Ok((ids, _)) => total += ids.len(),
            Err(errors) => {
                tracing::warn!(
                    ?errors,
                    "monitoring: some opinion streams could not be taken in"
                );
            }
        }
        cursor = last;
        store::set_cursor(db, source.id, cursor, PollStatus::Ok, now).await?;
    }
    Ok(total)
}
