//! Evidence from other contexts: what a reference stands for, asked of the context that owns it
//! (which also says whether the user may read it), kept as a label when attached.

use crate::accounts::model::CurrentUser;
use crate::app::AppState;
use crate::error::AppResult;
use crate::hotspots::model::{EvidenceKind, EvidenceRef};
use crate::hotspots::store::NewEvidence;
use crate::web::i18n::Tr;

/// A reference resolved: its unit and label.
#[derive(Clone, Debug)]
pub struct Resolved {
    /// The reference.
    pub r: EvidenceRef,
    /// The object's unit.
    pub unit_id: i64,
    /// What it says, in the attaching user's language.
    pub label: String,
}

impl Resolved {
    /// The evidence to store, with the analyst's note.
    pub fn to_new<'a>(&'a self, note: &'a str) -> NewEvidence<'a> {
        NewEvidence {
            kind: self.r.kind,
            ref_id: self.r.id,
            ref_key: &self.r.key,
            unit_id: Some(self.unit_id),
            label: &self.label,
            note,
        }
    }
}

/// What `r` stands for, when it exists and `user` may read it; `None` otherwise (the caller says
/// "not found or not yours" without telling which).
pub async fn resolve(
    state: &AppState,
    user: &CurrentUser,
    r: &EvidenceRef,
    tr: Tr,
) -> AppResult<Option<Resolved>> {
    let db = &state.db;
    let found = match r.kind {
        EvidenceKind::Alert => crate::monitoring::alert_brief(db, user, r.id, tr).await?,
        EvidenceKind::Item => crate::monitoring::item_brief(db, user, r.id).await?,
        EvidenceKind::Stream => crate::reporting::stream_brief(state, user, r.id, tr).await?,
        EvidenceKind::Report => crate::reporting::report_brief(db, user, r.id).await?,
        EvidenceKind::Attachment => crate::reporting::attachment_brief(db, user, r.id).await?,
        EvidenceKind::Survey => {
            crate::surveys::results::figure_brief(state, user, r.id, &r.key, tr).await?
        }
    };
    Ok(found.map(|(unit_id, label)| Resolved {
        r: r.clone(),
        unit_id,
        label: crate::kit::text::one_line(&label),
    }))
}
