//! The data inventory (*danh mục dữ liệu cá nhân*, `GET /admin/data-inventory`, and `.csv`):
//! every kind of personal data the platform holds, where (tables), who may read it, and for how
//! long — the deployment's own retention settings filled in — for the impact assessment that
//! Vietnam's personal-data law requires. Only a platform-wide administrator reads it.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::accounts::model::Capability;
use crate::app::AppState;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::web::ctx::Auth;
use crate::web::i18n::Tr;
use crate::web::layout::{Chrome, page};

/// One kind of personal data: its key (messages `inventory-<key>-what` and `-who`), its tables.
struct Kind {
    key: &'static str,
    tables: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        key: "accounts",
        tables: "users, grants",
    },
    Kind {
        key: "sessions",
        tables: "sessions, login_failures",
    },
    Kind {
        key: "audit",
        tables: "audit_log",
    },
    Kind {
        key: "collaborators",
        tables: "collaborator_identities",
    },
    Kind {
        key: "contacts",
        tables: "survey_contacts, survey_frame_rows, survey_case_tokens",
    },
    Kind {
        key: "responses",
        tables: "survey_responses, survey_cases, survey_case_events",
    },
    Kind {
        key: "devices",
        tables: "openrosa_devices, survey_instances",
    },
    Kind {
        key: "response-files",
        tables: "survey_response_files",
    },
    Kind {
        key: "mail",
        tables: "mail_outbox",
    },
    Kind {
        key: "monitoring",
        tables: "monitor_items, monitor_labels, search-index/",
    },
    Kind {
        key: "notifications",
        tables: "monitor_notifications",
    },
    Kind {
        key: "reports",
        tables: "reports, streams, city_streams, report_attachments, report_attachment_contents, report_unit_contacts",
    },
    Kind {
        key: "training",
        tables: "training_participants, briefing_invitations",
    },
    Kind {
        key: "orientation",
        tables: "orientation_recipients",
    },
    Kind {
        key: "hotspots",
        tables: "hotspots, hotspot_members, hotspot_events, hotspot_tasks, hotspot_task_comments, hotspot_notices, hotspot_partners",
    },
];

/// One line as shown: what, where, who reads it, how long it is kept.
struct Line {
    what: String,
    tables: &'static str,
    who: String,
    kept: String,
}

/// How long a kind is kept under `config`.
fn kept(key: &str, config: &Config, tr: Tr) -> String {
    let months = |n: u32, key_keep: &str| {
        if n == 0 {
            tr.t(key_keep)
        } else {
            tr.ta("inventory-kept-months", &[("n", n.to_string())])
        }
    };
    let days = |n: u32, key_keep: &str| {
        if n == 0 {
            tr.t(key_keep)
        } else {
            tr.ta("inventory-kept-days", &[("n", n.to_string())])
        }
    };
    match key {
        "audit" => months(config.retain_audit_months, "inventory-kept-forever"),
        "monitoring" => months(config.retain_monitoring_months, "inventory-kept-forever"),
        "notifications" => days(config.retain_notifications_days, "inventory-kept-forever"),
        "responses" => {
            let partial = days(config.retain_partial_days, "inventory-kept-with-survey");
            tr.ta(
                "inventory-kept-responses",
                &[
                    ("partial", partial),
                    ("anonymous", config.survey_abandoned_days.to_string()),
                ],
            )
        }
        "sessions" => tr.ta(
            "inventory-kept-sessions",
            &[("hours", config.session_max_hours.to_string())],
        ),
        _ => tr.t(&format!("inventory-{key}-kept")),
    }
}

fn lines(config: &Config, tr: Tr) -> Vec<Line> {
    KINDS
        .iter()
        .map(|k| Line {
            what: tr.t(&format!("inventory-{}-what", k.key)),
            tables: k.tables,
            who: tr.t(&format!("inventory-{}-who", k.key)),
            kept: kept(k.key, config, tr),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ops/inventory.html")]
struct InventoryTemplate {
    c: Chrome,
    lines: Vec<Line>,
}

fn require_admin(auth: &Auth) -> AppResult<()> {
    if auth.user.platform_with(Capability::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn show(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_admin(&auth)?;
    let tr = auth.ctx.tr;
    Ok(page(InventoryTemplate {
        c: auth.ctx.chrome_titled(tr.t("inventory-title")),
        lines: lines(&state.config, tr),
    }))
}

async fn csv(State(state): State<AppState>, auth: Auth) -> AppResult<Response> {
    require_admin(&auth)?;
    let tr = auth.ctx.tr;
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| AppError::Internal(e.into());
    w.write_record([
        tr.t("inventory-col-what"),
        tr.t("inventory-col-where"),
        tr.t("inventory-col-who"),
        tr.t("inventory-col-kept"),
    ])
    .map_err(err)?;
    for l in lines(&state.config, tr) {
        w.write_record([
            crate::kit::csv::text_cell(&l.what).as_ref(),
            l.tables,
            crate::kit::csv::text_cell(&l.who).as_ref(),
            crate::kit::csv::text_cell(&l.kept).as_ref(),
        ])
        .map_err(err)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"duluan-data-inventory.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// Routes of the data inventory.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/data-inventory", get(show))
        .route("/admin/data-inventory.csv", get(csv))
}
