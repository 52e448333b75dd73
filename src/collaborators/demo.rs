//! The collaborator network of the demo: collaborators in a few Cần Thơ communes and targets that
//! leave visible gaps on the coverage page, written in one transaction.

use crate::collaborators::store;
use crate::db::Db;

/// Demo data: collaborators in a few Cần Thơ communes, targets (every commune ≥ 2, every listed
/// stratum ≥ 3 city-wide) so that the coverage page shows the gaps.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    use crate::collaborators::model::{Attributes, CollaboratorInput};
    let city = crate::orgs::resolve_unit_ref(db, "92")
        .await?
        .ok_or_else(|| anyhow::anyhow!("city 92 missing"))?;
    let mut rows = vec![];
    // Two have an e-mail address: they are invited to their ward's briefings by e-mail.
    let people = [
        ("31135", "Trần Văn Bình", "farmer", "male", ""),
        (
            "31135",
            "Nguyễn Thị Mai",
            "business",
            "female",
            "mai.nguyen@example.org",
        ),
        ("31135", "Lê Văn Hùng", "retired", "male", ""),
        (
            "31120",
            "Phạm Thị Thu",
            "civil_servant",
            "female",
            "thu.pham@example.org",
        ),
        ("31120", "Võ Minh Tâm", "youth", "male", ""),
        ("31299", "Huỳnh Văn Sáu", "farmer", "male", ""),
        (
            "31315",
            "Thạch Thị Sa Rươne",
            "ethnic_minority",
            "female",
            "",
        ),
    ];
    let today = chrono::Utc::now().date_naive();
    for (code, name, stratum, gender, email) in people {
        let unit = crate::orgs::resolve_unit_ref(db, code)
            .await?
            .ok_or_else(|| anyhow::anyhow!("unit {code} missing"))?;
        let mut a = Attributes::default();
        a.0[0] = stratum.into();
        a.0[4] = gender.into();
        rows.push(CollaboratorInput {
            unit_id: unit,
            full_name: name.into(),
            phone: String::new(),
            email: email.into(),
            consent_date: Some(today),
            term_from: Some(today),
            term_to: None,
            attributes: a,
        });
    }
    let mut tx = db.begin().await?;
    store::insert_collaborators(&mut tx, &rows, chrono::Utc::now()).await?;
    store::upsert_target(
        &mut tx,
        city,
        crate::collaborators::model::AppliesTo::Children,
        crate::collaborators::model::TargetOn::Any,
        "",
        2,
    )
    .await?;
    for s in [
        "farmer",
        "worker",
        "civil_servant",
        "business",
        "youth",
        "religious",
    ] {
        store::upsert_target(
            &mut tx,
            city,
            crate::collaborators::model::AppliesTo::Unit,
            crate::collaborators::model::TargetOn::Stratum,
            s,
            3,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
