//! One item with its labels and the models' predictions (marked as machine-made).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::monitoring::model::Direction;
use crate::monitoring::store::{self, Item};
use crate::web::ctx::Auth;
use crate::web::layout::{Chrome, page};

use super::search::{direction_names, item_labels};
use super::{roots, topic_names};

/// The item page.
#[derive(Template)]
#[template(path = "monitoring/item.html")]
pub struct ItemTemplate {
    c: Chrome,
    item: Item,
    area: String,
    when: String,
    ingested: String,
    topic: Option<(String, Option<String>)>,
    direction: Option<(String, Option<String>)>,
    predicted_topic: Option<(String, String)>,
    predicted_direction: Option<(String, String)>,
    can_label: bool,
    topics: Vec<(String, String)>,
    directions: Vec<(String, String)>,
    kind_label: String,
    quality_label: String,
    /// The text with its marks restored by the machine, when it was typed without them.
    restored: Option<String>,
    hotspot_form: Option<crate::hotspots::OpenFrom>,
    /// The first item of its near-duplicate group, when it is a copy.
    copy_of: Option<i64>,
    /// How many copies of it arrived, when it is the first of a group.
    copies: i64,
}

/// `GET /monitoring/items/{id}`.
pub async fn show_item(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    roots(&auth)?;
    let tr = auth.ctx.tr;
    let item = store::find_item(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let unit = item.unit_id.ok_or(AppError::NotFound)?;
    if !crate::accounts::can(&state.db, &auth.user, Capability::ViewMonitoring, unit).await? {
        return Err(AppError::NotFound);
    }
    let topics = topic_names(&state, tr).await?;
    let directions = direction_names(tr);
    let tnames: HashMap<String, String> = topics.iter().cloned().collect();
    let dnames: HashMap<String, String> = directions.iter().cloned().collect();
    let (topic, direction) = item_labels(&item, &tnames, &dnames);
    let pct = |c: f64| format!("{:.0}", c * 100.0);
    let predicted_topic = item
        .pred_topic
        .as_ref()
        .zip(item.pred_topic_conf)
        .map(|(t, c)| (tnames.get(t).cloned().unwrap_or_else(|| t.clone()), pct(c)));
    let predicted_direction = item
        .pred_direction
        .zip(item.pred_direction_conf)
        .map(|(d, c)| (tr.t(&d.label_key()), pct(c)));
    let area = crate::orgs::unit_names(&state.db, &[unit])
        .await?
        .into_iter()
        .next()
        .map(|u| u.1)
        .unwrap_or_default();
    let can_label =
        crate::accounts::can(&state.db, &auth.user, Capability::ManageMonitoring, unit).await?;
    // The reading restored at ingest, else made now (items stored before readings were kept).
    let restored = match store::restored_of(&state.db, id).await? {
        Some(r) => Some(r),
        None => {
            let model = state.monitoring.adapted_restorer();
            crate::kit::text::restored_reading(model, &item.body).await
        }
    };
    let hotspot_form =
        crate::hotspots::open_from_form(&state.db, &auth.user, crate::hotspots::Source::Item, id)
            .await?;
    let copy_of = store::copy_of(&state.db, id).await?;
    let copies = store::copy_counts(&state.db, &[id])
        .await?
        .first()
        .map(|c| c.1)
        .unwrap_or(0);
    Ok(page(ItemTemplate {
        copy_of,
        copies,
        hotspot_form,
        restored,
        c: auth.ctx.chrome("monitoring-item-title"),
        kind_label: tr.t(&item.source_kind.label_key()),
        quality_label: tr.t(&item.quality.label_key()),
        when: crate::kit::time::show_unix_secs(item.occurred_at),
        ingested: crate::kit::time::show_unix_secs(item.ingested_at),
        item,
        area,
        topic,
        direction,
        predicted_topic,
        predicted_direction,
        can_label,
        topics,
        directions,
    }))
}
