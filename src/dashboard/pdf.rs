//! The dashboard as a PDF: its tiles as a short bulletin (headings, tables and the same charts)
//! in the unit's document settings, dated and timed, neither numbered nor signed: a snapshot
//! for reading, not an issued document.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, Utc};
use duluan_documents as d;

use crate::app::AppState;
use crate::error::AppResult;
use crate::web::i18n::Tr;

use super::tiles::Tiles;

fn table(columns: Vec<String>, rows: Vec<Vec<String>>, caption: String) -> d::Block {
    d::Block::Table {
        caption,
        columns,
        rows,
        note: String::new(),
    }
}

/// The bulletin of the tiles.
pub fn bulletin(tr: Tr, issuer: &crate::documents::model::Issuer, t: &Tiles) -> d::Document {
    let today = crate::kit::time::vn_date(Utc::now());
    let mut blocks = vec![d::Block::Paragraph {
        text: tr.ta(
            "dashboard-pdf-intro",
            &[("unit", t.unit.clone()), ("at", t.at.clone())],
        ),
    }];
    let heading = |blocks: &mut Vec<d::Block>, key: &str| {
        blocks.push(d::Block::Heading {
            level: 1,
            text: tr.t(key).to_uppercase(),
        })
    };
    if let Some((open, lines)) = &t.alerts {
        heading(&mut blocks, "dashboard-alerts");
        blocks.push(d::Block::Paragraph {
            text: tr.ta("dashboard-alerts-open", &[("n", open.to_string())]),
        });
        if !lines.is_empty() {
            blocks.push(table(
                vec![
                    tr.t("dashboard-col-when"),
                    tr.t("dashboard-col-topic"),
                    tr.t("dashboard-col-area"),
                    tr.t("dashboard-col-items"),
                ],
                lines
                    .iter()
                    .map(|a| {
                        vec![
                            a.at.clone(),
                            a.topic.clone(),
                            a.unit.clone(),
                            a.count.to_string(),
                        ]
                    })
                    .collect(),
                tr.t("dashboard-alerts"),
            ));
        }
    }
    if let Some((lines, svg)) = &t.streams {
        heading(&mut blocks, "dashboard-streams");
        if lines.is_empty() {
            blocks.push(d::Block::Paragraph {
                text: tr.t("dashboard-streams-none"),
            });
        } else {
            blocks.push(table(
                vec![
                    tr.t("dashboard-col-topic"),
                    tr.t("dashboard-col-breadth"),
                    tr.t("dashboard-col-change"),
                    tr.t("dashboard-col-direction"),
                ],
                lines
                    .iter()
                    .map(|l| {
                        vec![
                            l.topic.clone(),
                            l.breadth.to_string(),
                            l.change.clone(),
                            l.direction.clone(),
                        ]
                    })
                    .collect(),
                tr.t("dashboard-streams"),
            ));
            blocks.push(d::Block::Figure {
                caption: tr.t("dashboard-streams"),
                svg: svg.clone(),
            });
        }
    }
    if let Some((lines, _)) = &t.completeness {
        heading(&mut blocks, "dashboard-completeness");
        blocks.push(table(
            vec![
                tr.t("dashboard-col-type"),
                tr.t("dashboard-col-sent"),
                tr.t("dashboard-col-on-time"),
            ],
            lines
                .iter()
                .map(|l| {
                    vec![
                        l.name.clone(),
                        format!("{}/{}", l.sent, l.expected),
                        format!("{}/{}", l.on_time, l.expected),
                    ]
                })
                .collect(),
            tr.t("dashboard-completeness"),
        ));
    }
    if let Some(surveys) = &t.surveys {
        heading(&mut blocks, "dashboard-surveys");
        if surveys.is_empty() {
            blocks.push(d::Block::Paragraph {
                text: tr.t("dashboard-surveys-none"),
            });
        }
        for s in surveys {
            let mut text = tr.ta(
                "dashboard-survey-line",
                &[("title", s.title.clone()), ("n", s.complete.to_string())],
            );
            if let Some((q, choice, value)) = &s.figure {
                text.push_str(&format!(" {q}: {choice} {value}."));
            }
            blocks.push(d::Block::Paragraph { text });
        }
    }
    if let Some(docs) = &t.documents {
        heading(&mut blocks, "dashboard-documents");
        if docs.is_empty() {
            blocks.push(d::Block::Paragraph {
                text: tr.t("dashboard-documents-none"),
            });
        }
        for doc in docs {
            blocks.push(d::Block::Paragraph {
                text: format!(
                    "{} {}-{}: {}",
                    tr.t("dashboard-number"),
                    doc.number.unwrap_or_default(),
                    issuer.symbol,
                    doc.title
                ),
            });
        }
    }
    d::Document {
        header: d::Header {
            layout: d::Layout::Brief,
            superior_body: issuer.superior_body.clone(),
            issuing_body: issuer.issuing_body.clone(),
            number: None,
            symbol: String::new(),
            place: issuer.place.clone(),
            date: Some((today.day(), today.month(), today.year())),
            draft_year: today.year(),
        },
        kind: tr.t("dashboard-pdf-kind").to_uppercase(),
        title: tr.ta("dashboard-pdf-title", &[("unit", t.unit.clone())]),
        blocks,
        recipients: vec![],
        signature: d::Signature {
            authority: String::new(),
            position: String::new(),
            name: String::new(),
        },
        draft: false,
    }
}

/// Renders the bulletin as a PDF download.
pub async fn export(state: &AppState, tr: Tr, unit_id: i64, t: &Tiles) -> AppResult<Response> {
    let issuer = crate::documents::issuer_of(state, unit_id).await?;
    let doc = bulletin(tr, &issuer, t);
    let bytes = tokio::task::spawn_blocking(move || d::to_pdf(&doc))
        .await
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("dashboard pdf: {e}")))?
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("dashboard pdf: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"tong-quan-{unit_id}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
