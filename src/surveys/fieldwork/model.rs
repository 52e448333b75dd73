//! Fieldwork rules with no IO: a sampling frame read from a table (every error with its row and
//! column), the sample designs and their parameters, the draw into cases (design weights and
//! release batches), and how cases count towards the AAPOR outcome rates.

use std::collections::{BTreeMap, HashMap};

use duluan_stats::Factor;
use duluan_stats::draw::{self, Sample};
use duluan_stats::planning::{self, Allocation, StratumPlan};
use serde::Serialize;

use crate::kit::keys::stored_keys;

use crate::uploads::table::Table;

/// Data rows a frame may have.
pub const MAX_FRAME_ROWS: usize = 200_000;

/// Release batches (replicates) a sample may be split into.
pub const MAX_REPLICATES: u32 = 100;

/// Accepted header spellings of each frame column (lower-case; English first, then Vietnamese
/// with and without marks).
pub const ID_COLUMN: &[&str] = &["id", "ma", "mã"];
/// Stratum column.
pub const STRATUM_COLUMN: &[&str] = &["stratum", "strata", "tang", "tầng"];
/// Cluster column.
pub const CLUSTER_COLUMN: &[&str] = &["cluster", "cum", "cụm"];
/// Size (measure of size for PPS).
pub const SIZE_COLUMN: &[&str] = &["size", "quy_mo", "quy mô", "quymo"];
/// Unit code (the unit of the tree the row lies in).
pub const UNIT_COLUMN: &[&str] = &["unit", "don_vi", "đơn vị", "đơn_vị"];
/// E-mail address.
pub const EMAIL_COLUMN: &[&str] = &["email", "e-mail", "thu_dien_tu", "thư điện tử"];
/// Telephone number.
pub const PHONE_COLUMN: &[&str] = &["phone", "dien_thoai", "điện thoại", "sdt"];
/// Postal address.
pub const ADDRESS_COLUMN: &[&str] = &["address", "dia_chi", "địa chỉ"];
/// Preferred language (`vi`, `en`).
pub const LANG_COLUMN: &[&str] = &["lang", "language", "ngon_ngu", "ngôn ngữ"];

/// A frame error: the row and column of the file, and a message key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameError {
    /// Row in the file (1 is the header).
    pub row: usize,
    /// How the column is named in the file.
    pub column: String,
    /// Message key.
    pub key: &'static str,
    /// The value at fault (shown quoted), or another row number for duplicates.
    pub value: String,
}

/// How to reach a frame member: kept in its own table, read only with the capability.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone number as written (digits, spaces, `+`, `-`, `.`, parentheses).
    pub phone: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Preferred language (`vi` or `en`).
    pub lang: Option<String>,
}

impl Contact {
    /// Whether any contact field is set.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none() && self.address.is_none()
    }
}

/// One checked frame row.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameRow {
    /// Row in the file.
    pub row: usize,
    /// The member's id in the frame (unique).
    pub ext_id: String,
    /// Stratum label ("" when the frame has none).
    pub stratum: String,
    /// Cluster label ("" when none).
    pub cluster: String,
    /// Measure of size.
    pub size: Option<f64>,
    /// Unit of the tree.
    pub unit_id: Option<i64>,
    /// Other columns (name → value), for quotas and analysis.
    pub attrs: BTreeMap<String, String>,
    /// Contact data.
    pub contact: Contact,
}

/// A checked frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    /// Names of the other columns, in file order.
    pub attributes: Vec<String>,
    /// Rows in file order.
    pub rows: Vec<FrameRow>,
}

fn clean(s: &str) -> String {
    crate::kit::text::one_line(s)
}

/// Whether `s` looks like a telephone number: 8 to 15 digits, with an optional leading `+` and
/// spaces, dots, hyphens or parentheses between.
pub fn is_phone(s: &str) -> bool {
    let body = s.strip_prefix('+').unwrap_or(s);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (8..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')'))
}

/// Reads a frame from a table: an `id` column is required; `stratum`, `cluster`, `size`,
/// `unit` (a unit code, looked up in `unit_codes`), `email`, `phone`, `address` and `lang` are
/// known; every other named column is kept as an attribute. All errors are returned at once.
pub fn parse_frame(
    table: &Table,
    unit_codes: &HashMap<String, i64>,
) -> Result<Frame, Vec<FrameError>> {
    let headers: Vec<String> = table.headers.iter().map(|h| clean(h)).collect();
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let mut errors = vec![];
    let Some(id_col) = find(ID_COLUMN) else {
        return Err(vec![FrameError {
            row: 1,
            column: "id".into(),
            key: "fieldwork-frame-error-no-id",
            value: String::new(),
        }]);
    };
    let cols = [
        find(STRATUM_COLUMN),
        find(CLUSTER_COLUMN),
        find(SIZE_COLUMN),
        find(UNIT_COLUMN),
        find(EMAIL_COLUMN),
        find(PHONE_COLUMN),
        find(ADDRESS_COLUMN),
        find(LANG_COLUMN),
    ];
    let [
        stratum_col,
        cluster_col,
        size_col,
        unit_col,
        email_col,
        phone_col,
        address_col,
        lang_col,
    ] = cols;
    let known: Vec<usize> = std::iter::once(Some(id_col))
        .chain(cols)
        .flatten()
        .collect();
    let mut attributes: Vec<(usize, String)> = vec![];
    for (i, h) in headers.iter().enumerate() {
        if known.contains(&i) || h.is_empty() {
            continue;
        }
        if attributes.iter().any(|(_, a)| a == h) || known.iter().any(|&k| headers[k] == *h) {
            errors.push(FrameError {
                row: 1,
                column: table.label(i),
                key: "fieldwork-frame-error-duplicate-column",
                value: h.clone(),
            });
            continue;
        }
        attributes.push((i, h.clone()));
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut rows = Vec::with_capacity(table.rows.len());
    for (row, cells) in &table.rows {
        let row = *row;
        let get = |c: Option<usize>| clean(Table::cell(cells, c));
        let mut err = |col: usize, key: &'static str, value: String| {
            errors.push(FrameError {
                row,
                column: table.label(col),
                key,
                value,
            })
        };
        let ext_id = get(Some(id_col));
        if ext_id.is_empty() {
            err(id_col, "fieldwork-frame-error-id-empty", String::new());
        } else if let Some(first) = seen.get(&ext_id) {
            err(
                id_col,
                "fieldwork-frame-error-id-duplicate",
                first.to_string(),
            );
        } else {
            seen.insert(ext_id.clone(), row);
        }
        // A stratum column with a blank cell: the row would fall into a stratum of its own.
        if let Some(c) = stratum_col
            && get(Some(c)).is_empty()
        {
            err(c, "fieldwork-frame-error-stratum-empty", String::new());
        }
        let size = match (size_col, get(size_col)) {
            (_, s) if s.is_empty() => None,
            (Some(c), s) => match s.replace(',', ".").parse::<f64>() {
                Ok(v) if v > 0.0 && v.is_finite() => Some(v),
                _ => {
                    err(c, "fieldwork-frame-error-size", s);
                    None
                }
            },
            (None, _) => None,
        };
        let unit_id = match (unit_col, get(unit_col)) {
            (_, s) if s.is_empty() => None,
            (Some(c), s) => match unit_codes.get(&s) {
                Some(id) => Some(*id),
                None => {
                    err(c, "fieldwork-frame-error-unit", s);
                    None
                }
            },
            (None, _) => None,
        };
        let optional = |s: String| (!s.is_empty()).then_some(s);
        let email = optional(get(email_col));
        if let (Some(c), Some(e)) = (email_col, &email)
            && !crate::mail::model::is_email(e)
        {
            err(c, "fieldwork-frame-error-email", e.clone());
        }
        let phone = optional(get(phone_col));
        if let (Some(c), Some(p)) = (phone_col, &phone)
            && !is_phone(p)
        {
            err(c, "fieldwork-frame-error-phone", p.clone());
        }
        let lang = optional(get(lang_col).to_lowercase());
        if let (Some(c), Some(l)) = (lang_col, &lang)
            && !matches!(l.as_str(), "vi" | "en")
        {
            err(c, "fieldwork-frame-error-lang", l.clone());
        }
        let attrs = attributes
            .iter()
            .filter_map(|(i, name)| {
                let v = get(Some(*i));
                (!v.is_empty()).then(|| (name.clone(), v))
            })
            .collect();
        rows.push(FrameRow {
            row,
            ext_id,
            stratum: get(stratum_col),
            cluster: get(cluster_col),
            size,
            unit_id,
            attrs,
            contact: Contact {
                email,
                phone,
                address: optional(get(address_col)),
                lang,
            },
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(FrameError {
            row: 2,
            column: String::new(),
            key: "fieldwork-frame-error-empty",
            value: String::new(),
        });
    }
    if errors.is_empty() {
        Ok(Frame {
            attributes: attributes.into_iter().map(|(_, a)| a).collect(),
            rows,
        })
    } else {
        Err(errors)
    }
}

stored_keys! {
    /// How a sample is drawn from a frame.
    pub enum Method: "sampling method" {
        /// Simple random sample of `n` rows.
        Srs = "srs",
        /// An independent simple random sample in each stratum, `n` allocated over strata.
        Stratified = "stratified",
        /// Systematic sample with probability proportional to size (certainty units taken
        /// whole).
        Pps = "pps",
        /// Clusters by PPS on their number of rows, then `m` rows at random in each.
        TwoStage = "two_stage",
    }
}

/// Parameters of a draw, as chosen on the draw page (stored with the sample as JSON).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Design {
    /// Method.
    #[serde(serialize_with = "method_key")]
    pub method: Method,
    /// Cases to draw (for two-stage: clusters).
    pub n: u64,
    /// Two-stage: rows per cluster.
    pub per_cluster: u64,
    /// Stratified: allocation.
    pub allocation: String,
    /// Stratified, Neyman and optimal: `stratum → (sd, cost)`.
    pub strata: BTreeMap<String, (f64, f64)>,
    /// Generator seed.
    pub seed: u64,
    /// Release batches.
    pub replicates: u32,
}

fn method_key<S: serde::Serializer>(m: &Method, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(m.key())
}

/// A design error: a message key and its arguments' value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesignError {
    /// Field of the form.
    pub field: &'static str,
    /// Message key.
    pub key: &'static str,
    /// Detail (the engine's explanation, a stratum name…).
    pub detail: String,
}

fn design_error(field: &'static str, key: &'static str, detail: impl Into<String>) -> DesignError {
    DesignError {
        field,
        key,
        detail: detail.into(),
    }
}

/// One drawn case: the frame row (index into the frame's rows), its inclusion probability and
/// its release batch (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct Drawn {
    /// Index of the row in the frame (row order).
    pub index: usize,
    /// Inclusion probability in the whole draw.
    pub prob: f64,
    /// Release batch.
    pub replicate: u32,
}

/// Rows of a frame as the draw sees them (in frame order).
#[derive(Clone, Debug, Default)]
pub struct DrawFrame {
    /// Stratum of each row.
    pub strata: Vec<String>,
    /// Cluster of each row.
    pub clusters: Vec<String>,
    /// Size of each row.
    pub sizes: Vec<Option<f64>>,
}

/// Sizes allocated to each stratum (in the factor's level order) for a stratified draw.
pub fn allocation(frame: &DrawFrame, design: &Design) -> Result<Vec<(String, u64)>, DesignError> {
    let strata = Factor::from_strs(&frame.strata);
    let mut counts = vec![0u64; strata.n_levels()];
    for c in &strata.codes {
        counts[*c as usize] += 1;
    }
    let method: Allocation = design.allocation.parse().map_err(|_| {
        design_error(
            "allocation",
            "fieldwork-error-allocation",
            &design.allocation,
        )
    })?;
    let mut plans = vec![];
    for (h, name) in strata.levels.iter().enumerate() {
        let (sd, cost) = match method {
            Allocation::Proportional => (1.0, 1.0),
            _ => *design.strata.get(name).ok_or_else(|| {
                design_error("strata", "fieldwork-error-stratum-missing", name.clone())
            })?,
        };
        plans.push(StratumPlan {
            name: name.clone(),
            size: counts[h] as f64,
            sd,
            cost,
        });
    }
    let sizes = planning::allocate(design.n, &plans, method)
        .map_err(|e| design_error("n", "fieldwork-error-impossible", e.to_string()))?;
    Ok(strata.levels.into_iter().zip(sizes).collect())
}

/// Draws the sample and splits it into release batches: in a stratified draw each batch takes
/// its share of every stratum, so any number of released batches is itself a stratified sample.
pub fn draw_cases(frame: &DrawFrame, design: &Design) -> Result<Vec<Drawn>, DesignError> {
    let rows = frame.strata.len();
    if rows == 0 {
        return Err(design_error("frame", "fieldwork-frame-error-empty", ""));
    }
    if design.n == 0 {
        return Err(design_error("n", "fieldwork-error-n", "0"));
    }
    if design.replicates == 0 || design.replicates > MAX_REPLICATES {
        return Err(design_error(
            "replicates",
            "fieldwork-error-replicates",
            design.replicates.to_string(),
        ));
    }
    let impossible = |e: duluan_stats::error::StatsError| {
        design_error("n", "fieldwork-error-impossible", e.to_string())
    };
    let n = usize::try_from(design.n).unwrap_or(usize::MAX);
    let sample: Sample = match design.method {
        Method::Srs => draw::srs(rows, n, design.seed).map_err(impossible)?,
        Method::Stratified => {
            if frame.strata.iter().any(String::is_empty) {
                let at = frame.strata.iter().position(String::is_empty).unwrap_or(0);
                return Err(design_error(
                    "method",
                    "fieldwork-error-stratum-empty",
                    (at + 1).to_string(),
                ));
            }
            let alloc = allocation(frame, design)?;
            let sizes: Vec<usize> = alloc.iter().map(|(_, n)| *n as usize).collect();
            draw::stratified(&Factor::from_strs(&frame.strata), &sizes, design.seed)
                .map_err(impossible)?
        }
        Method::Pps => {
            let mut sizes = Vec::with_capacity(rows);
            for (i, s) in frame.sizes.iter().enumerate() {
                match s {
                    Some(v) => sizes.push(*v),
                    None => {
                        return Err(design_error(
                            "method",
                            "fieldwork-error-size-missing",
                            (i + 1).to_string(),
                        ));
                    }
                }
            }
            draw::systematic_pps(&sizes, n, design.seed).map_err(impossible)?
        }
        Method::TwoStage => {
            if frame.clusters.iter().any(String::is_empty) {
                let at = frame
                    .clusters
                    .iter()
                    .position(String::is_empty)
                    .unwrap_or(0);
                return Err(design_error(
                    "method",
                    "fieldwork-error-cluster-empty",
                    (at + 1).to_string(),
                ));
            }
            if design.per_cluster == 0 {
                return Err(design_error("per_cluster", "fieldwork-error-n", "0"));
            }
            draw::two_stage(
                &Factor::from_strs(&frame.clusters),
                n,
                usize::try_from(design.per_cluster).unwrap_or(usize::MAX),
                design.seed,
            )
            .map_err(impossible)?
        }
    };
    Ok(assign_replicates(frame, &sample, design))
}

/// Gives each drawn row a release batch: within each stratum (or the whole sample), the rows in
/// a seeded random order are dealt to batches 1, 2, …, k in turn.
fn assign_replicates(frame: &DrawFrame, sample: &Sample, design: &Design) -> Vec<Drawn> {
    let k = design.replicates.max(1);
    let mut rng = duluan_stats::random::Rng::new(design.seed ^ 0x5eed_ba7c_u64);
    let mut by_stratum: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (j, &row) in sample.rows.iter().enumerate() {
        let key = if design.method == Method::Stratified {
            frame.strata[row].as_str()
        } else {
            ""
        };
        by_stratum.entry(key).or_default().push(j);
    }
    let mut replicate = vec![1u32; sample.rows.len()];
    for members in by_stratum.values() {
        let order = rng.sample_without_replacement(members.len(), members.len());
        for (turn, pick) in order.into_iter().enumerate() {
            replicate[members[pick]] = (turn as u32 % k) + 1;
        }
    }
    sample
        .rows
        .iter()
        .zip(&sample.probs)
        .zip(replicate)
        .map(|((&index, &prob), replicate)| Drawn {
            index,
            prob,
            replicate,
        })
        .collect()
}

/// The design weight of a released case: the inverse of its inclusion probability, scaled by
/// the share of its stratum's drawn cases that are released (when only some batches are out,
/// the released cases stand for the whole stratum).
pub fn released_weight(prob: f64, drawn_in_stratum: u64, released_in_stratum: u64) -> f64 {
    let share = if released_in_stratum == 0 {
        1.0
    } else {
        drawn_in_stratum as f64 / released_in_stratum as f64
    };
    share / prob
}
