//! The demo's survey: an anonymous opinion poll of Cần Thơ city, open, with its questionnaire
//! (`demo_form.json`: skip logic, a constraint, a calculation, two languages) published.
//! A second survey is in fieldwork: a household sample (see `fieldwork::demo`). A third, a
//! satisfaction survey in two closed waves weighted to the city's population, feeds the results
//! pages (see `results::demo`).
//! Loaded by `crate::demo` through `surveys::load_demo`.

use duluan_forms::Form;

use crate::db::Db;
use crate::surveys::{model, store};

/// Demo data: an anonymous opinion poll of the city, open, with its questionnaire published.
pub async fn load_demo(db: &Db) -> anyhow::Result<()> {
    let Some(unit_id) = crate::orgs::resolve_unit_ref(db, "92").await? else {
        return Ok(());
    };
    if !store::list_surveys(db, &[unit_id]).await?.is_empty() {
        return Ok(());
    }
    let input = model::SurveyInput::parse(
        "Thăm dò ý kiến về chuyển đổi số ở phường, xã",
        "before",
        "1",
        "",
        "",
        true,
    )
    .map_err(|k| anyhow::anyhow!(k))?;
    let form = demo_form();
    let now = chrono::Utc::now();
    let mut tx = db.begin().await?;
    let id = store::insert_survey(&mut tx, unit_id, &input, &form.id, &form.to_json(), now).await?;
    tx.commit().await?;
    let versions = store::list_versions(db, id).await?;
    let mut published = form.clone();
    published.published = true;
    let mut tx = db.begin().await?;
    store::publish_version(&mut tx, versions[0].id, &published.to_json(), now).await?;
    store::update_survey_status(
        &mut tx,
        id,
        super::model::SurveyStatus::Open,
        Some("demo-chuyen-doi-so"),
        now,
    )
    .await?;
    tx.commit().await?;
    load_fieldwork_demo(db, unit_id, now).await?;
    super::results::demo::load(db, unit_id, now).await
}

/// A household survey in fieldwork (not anonymous: it is fielded from a sample with contacts),
/// its questionnaire published, its frame, sample and first batch from `fieldwork::demo`.
async fn load_fieldwork_demo(
    db: &Db,
    unit_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let input = model::SurveyInput::parse(
        "Khảo sát hộ gia đình về dịch vụ hành chính công (mẫu phân tầng)",
        "during",
        "1",
        "",
        "",
        false,
    )
    .map_err(|k| anyhow::anyhow!(k))?;
    let form = demo_form();
    let mut tx = db.begin().await?;
    let id = store::insert_survey(
        &mut tx,
        unit_id,
        &input,
        "ho-gia-dinh-dvc",
        &form.to_json(),
        now,
    )
    .await?;
    tx.commit().await?;
    let versions = store::list_versions(db, id).await?;
    let mut published = form.clone();
    published.published = true;
    let mut tx = db.begin().await?;
    store::publish_version(&mut tx, versions[0].id, &published.to_json(), now).await?;
    store::update_survey_status(&mut tx, id, model::SurveyStatus::Open, None, now).await?;
    tx.commit().await?;
    super::fieldwork::demo::load(db, id, unit_id).await
}

/// The demo questionnaire: skip logic, a constraint, a calculation, two languages.
pub fn demo_form() -> Form {
    Form::from_json(include_str!("demo_form.json")).expect("the demo form is valid JSON")
}
