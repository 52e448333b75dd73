//! The streaming of an export: keyset pages of complete responses read one ahead, each
//! written by the sink of its format (CSV, long table, `.sav`, XLSX, `.dta`) into chunks sent
//! down the response, in memory that does not grow with the number of responses. XLSX and
//! `.dta` rows go to a temporary file first (the XLSX worksheet's, the `.dta` spool) and the
//! finished file is sent from a blocking thread.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

use super::csv_files::{csv_bytes, csv_writer, write_codebook, write_repeats};
use super::dta::DtaWriter;
use super::plan::{Plan, Row, VarKind, read_values};
use super::sav::SavWriter;
use super::spss::sav_variables;
use super::stata::dta_dictionary;
use super::{BATCH, CHUNK, Chunk, ExportFile, ExportJob, XLSX_MAX_ROWS};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::kit::csv::text_cell;
use crate::surveys::store;

/// One page of stored responses: `(id, version_id, completed_at, data)`.
type Batch = Vec<(String, i64, Option<DateTime<Utc>>, String)>;

fn xlsx_io(e: rust_xlsxwriter::XlsxError) -> io::Error {
    io::Error::other(e.to_string())
}

/// Writes `t` as `YYYY-MM-DDTHH:MM:SSZ` (UTC) into `out`.
fn iso_time(out: &mut String, t: &DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write as _;
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
}

/// Calls `f` with each response of a batch as a [`Row`]: one parse of its JSON, no map.
pub fn each_row(
    plan: &Plan,
    versions: &HashMap<i64, String>,
    batch: &[(String, i64, Option<DateTime<Utc>>, String)],
    mut f: impl FnMut(&Row<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut values: Vec<Cow<'_, str>> = Vec::with_capacity(plan.keys.len());
    let mut completed = String::with_capacity(24);
    for (id, version_id, at, data) in batch {
        read_values(plan, data, &mut values);
        completed.clear();
        if let Some(t) = at {
            iso_time(&mut completed, t);
        }
        f(&Row {
            id,
            completed: &completed,
            version: versions.get(version_id).map(String::as_str).unwrap_or(""),
            values: &values,
        })?;
    }
    Ok(())
}

/// Where the rows of a running export go.
enum Sink {
    Csv,
    Repeats,
    Sav(SavWriter<Vec<u8>>),
    Xlsx(Box<rust_xlsxwriter::Workbook>, u32),
    Dta(Box<DtaWriter<File>>),
}

impl Sink {
    /// Writes one batch of responses; returns the bytes ready to send.
    fn write_batch(
        &mut self,
        plan: &Plan,
        versions: &HashMap<i64, String>,
        batch: &Batch,
    ) -> io::Result<Vec<u8>> {
        match self {
            Sink::Csv => {
                let mut w = csv_writer();
                each_row(plan, versions, batch, |row| {
                    for v in &plan.vars {
                        w.write_field(row.csv_cell(v).as_bytes())
                            .map_err(io::Error::other)?;
                    }
                    w.write_record(None::<&[u8]>).map_err(io::Error::other)
                })?;
                csv_bytes(w)
            }
            Sink::Repeats => {
                let mut w = csv_writer();
                for (rid, _, _, data) in batch {
                    let record: duluan_forms::Record =
                        serde_json::from_str(data).unwrap_or_default();
                    write_repeats(&mut w, rid, &record, "").map_err(io::Error::other)?;
                }
                csv_bytes(w)
            }
            Sink::Sav(w) => {
                each_row(plan, versions, batch, |row| {
                    w.write_values(plan.vars.iter().map(|v| row.sav_value(v)))
                })?;
                Ok(std::mem::replace(w.get_mut(), Vec::with_capacity(CHUNK)))
            }
            Sink::Xlsx(wb, r) => {
                let ws = wb.worksheet_from_index(0).map_err(xlsx_io)?;
                each_row(plan, versions, batch, |row| {
                    *r += 1;
                    if *r as i64 > XLSX_MAX_ROWS {
                        return Err(io::Error::other("more rows than an XLSX sheet holds"));
                    }
                    for (c, v) in plan.vars.iter().enumerate() {
                        let cell = row.cell(v);
                        if cell.is_empty() {
                            continue;
                        }
                        match (&v.kind, cell.parse::<f64>()) {
                            (VarKind::Number | VarKind::Dummy(_), Ok(x)) => {
                                ws.write_number(*r, c as u16, x).map_err(xlsx_io)?;
                            }
                            _ => {
                                ws.write_string(*r, c as u16, cell).map_err(xlsx_io)?;
                            }
                        }
                    }
                    Ok(())
                })?;
                Ok(Vec::new())
            }
            Sink::Dta(w) => {
                each_row(plan, versions, batch, |row| {
                    w.write_values(plan.vars.iter().map(|v| row.dta_value(v)))
                })?;
                Ok(Vec::new())
            }
        }
    }
}

/// Sends a chunk down the response (nothing when empty); fails when the client has gone.
async fn send(tx: &mpsc::Sender<Chunk>, bytes: Vec<u8>) -> io::Result<()> {
    if bytes.is_empty() {
        return Ok(());
    }
    tx.send(Ok(Bytes::from(bytes)))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
}

/// A blocking `Write` into the response stream (for the XLSX packager, which runs on a
/// blocking thread): bytes are sent in chunks of about 256 KiB.
struct BlockingPipe {
    tx: mpsc::Sender<Chunk>,
    buf: Vec<u8>,
}

impl Write for BlockingPipe {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= CHUNK {
            self.flush()?;
        }
        Ok(b.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

/// Reads the next page of complete responses in its own task, so that the database read of
/// the next page overlaps the writing of this one.
fn fetch(db: &Db, survey_id: i64, after: String) -> tokio::task::JoinHandle<AppResult<Batch>> {
    let db = db.clone();
    tokio::spawn(async move { store::next_export_batch(&db, survey_id, &after, BATCH).await })
}

/// Writes the export `job` into `tx` chunk by chunk, reading the complete responses in keyset
/// pages of [`BATCH`]: memory holds about two pages and the chunks in the channel, whatever the
/// number of responses. Returns the number of responses written. A survey without responses
/// gives a valid file (header, dictionary or empty sheet).
pub async fn produce(db: &Db, job: &ExportJob, tx: &mpsc::Sender<Chunk>) -> AppResult<u64> {
    let io = |e: io::Error| AppError::Internal(e.into());
    let plan = &job.plan;
    let mut sink = match job.file {
        ExportFile::Codebook => {
            let bytes = write_codebook(Vec::new(), plan, &job.engine)
                .map_err(|e| AppError::Internal(e.into()))?;
            send(tx, bytes).await.map_err(io)?;
            return Ok(0);
        }
        ExportFile::Responses => {
            let mut w = csv_writer();
            w.write_record(plan.vars.iter().map(|v| text_cell(&v.name).into_owned()))
                .map_err(|e| AppError::Internal(e.into()))?;
            send(tx, csv_bytes(w).map_err(io)?).await.map_err(io)?;
            Sink::Csv
        }
        ExportFile::Repeats => {
            let mut w = csv_writer();
            w.write_record(["_id", "repeat", "instance", "variable", "value"])
                .map_err(|e| AppError::Internal(e.into()))?;
            send(tx, csv_bytes(w).map_err(io)?).await.map_err(io)?;
            Sink::Repeats
        }
        ExportFile::Sav => {
            let vars = sav_variables(plan, &job.yes_no.0, &job.yes_no.1);
            let created = (
                job.created.format("%d %b %y").to_string(),
                job.created.format("%H:%M:%S").to_string(),
            );
            let mut w = SavWriter::new(
                Vec::with_capacity(CHUNK),
                &vars,
                &job.title,
                (&created.0, &created.1),
            )
            .map_err(io)?;
            let header = std::mem::take(w.get_mut());
            send(tx, header).await.map_err(io)?;
            Sink::Sav(w)
        }
        ExportFile::Xlsx => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_io)
                .map_err(io)?;
            for (c, v) in plan.vars.iter().enumerate() {
                ws.write_string(0, c as u16, &v.name)
                    .map_err(xlsx_io)
                    .map_err(io)?;
            }
            Sink::Xlsx(Box::new(wb), 0)
        }
        ExportFile::Dta => {
            let (vars, labels) = dta_dictionary(plan, &job.yes_no.0, &job.yes_no.1);
            let spool = tempfile::tempfile().map_err(io)?;
            Sink::Dta(Box::new(DtaWriter::new(spool, vars, labels).map_err(io)?))
        }
    };
    let versions: HashMap<i64, String> = store::list_versions(db, job.survey_id)
        .await?
        .into_iter()
        .map(|v| (v.id, v.version))
        .collect();
    let mut rows = 0u64;
    let mut next = Some(fetch(db, job.survey_id, String::new()));
    while let Some(pending) = next.take() {
        let batch = pending
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("export read stopped: {e}")))??;
        if batch.len() as i64 == BATCH
            && let Some(last) = batch.last()
        {
            next = Some(fetch(db, job.survey_id, last.0.clone()));
        }
        let bytes = sink.write_batch(plan, &versions, &batch).map_err(io)?;
        rows += batch.len() as u64;
        send(tx, bytes).await.map_err(io)?;
        // XLSX and `.dta` send nothing until the end: stop reading for a client that has gone.
        if tx.is_closed() {
            return Err(io(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the client went away",
            )));
        }
    }
    match sink {
        Sink::Csv | Sink::Repeats => {}
        Sink::Sav(w) => {
            let tail = w.finish().map_err(io)?;
            send(tx, tail).await.map_err(io)?;
        }
        Sink::Xlsx(mut wb, _) => {
            let labels = wb.add_worksheet();
            let header = labels
                .set_name("variables")
                .and_then(|l| l.write_string(0, 0, "variable"))
                .and_then(|l| l.write_string(0, 1, "label"));
            header.map_err(xlsx_io).map_err(io)?;
            for (k, v) in plan.vars.iter().enumerate() {
                labels
                    .write_string(k as u32 + 1, 0, &v.name)
                    .and_then(|l| l.write_string(k as u32 + 1, 1, &v.label))
                    .map_err(xlsx_io)
                    .map_err(io)?;
            }
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let mut pipe = BlockingPipe {
                    tx,
                    buf: Vec::with_capacity(CHUNK),
                };
                wb.save_to_writer(&mut pipe).map_err(xlsx_io)?;
                pipe.flush()
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("XLSX packaging stopped: {e}")))?
            .map_err(io)?;
        }
        Sink::Dta(w) => {
            let label = job.title.clone();
            let stamp = job.created.format("%d %b %Y %H:%M").to_string();
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let mut pipe = BlockingPipe {
                    tx,
                    buf: Vec::with_capacity(CHUNK),
                };
                w.finish(&mut pipe, &label, &stamp)?;
                pipe.flush()
            })
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!(".dta writing stopped: {e}")))?
            .map_err(io)?;
        }
    }
    Ok(rows)
}
