//! Collaborators' domain types: representation dimensions, the checked collaborator form, the CSV
//! import parser (all rows checked, errors with row and column), coverage targets and cells,
//! inactivity (no IO).

use chrono::NaiveDate;

/// A representation attribute a deployment lists values for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dimension {
    /// Sector (*lĩnh vực*).
    Sector,
    /// Organisation (*tổ chức*).
    Organisation,
    /// Social stratum (*giai tầng xã hội*).
    Stratum,
    /// Age band.
    AgeBand,
    /// Gender.
    Gender,
    /// Ethnicity (*dân tộc*).
    Ethnicity,
    /// Religion (*tôn giáo*).
    Religion,
}

impl Dimension {
    /// Every dimension, in display order.
    pub const ALL: [Dimension; 7] = [
        Dimension::Stratum,
        Dimension::Sector,
        Dimension::Organisation,
        Dimension::AgeBand,
        Dimension::Gender,
        Dimension::Ethnicity,
        Dimension::Religion,
    ];

    /// Stored key (also the CSV column and the collaborators column).
    pub fn key(self) -> &'static str {
        match self {
            Dimension::Sector => "sector",
            Dimension::Organisation => "organisation",
            Dimension::Stratum => "stratum",
            Dimension::AgeBand => "age_band",
            Dimension::Gender => "gender",
            Dimension::Ethnicity => "ethnicity",
            Dimension::Religion => "religion",
        }
    }

    /// Parses a key.
    pub fn parse(key: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.key() == key.trim())
    }
}

/// Where a collaborator stands (`collaborators.status`). Read from the database by [`TryFrom`]:
/// an unknown value is an error at the store, never a silent default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollaboratorStatus {
    /// Serving.
    Active,
    /// Replaced by a successor (history kept).
    Replaced,
    /// Term ended without a successor.
    Ended,
}

impl CollaboratorStatus {
    /// The stored key.
    pub fn key(self) -> &'static str {
        match self {
            CollaboratorStatus::Active => "active",
            CollaboratorStatus::Replaced => "replaced",
            CollaboratorStatus::Ended => "ended",
        }
    }
}

impl TryFrom<String> for CollaboratorStatus {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        match key.as_str() {
            "active" => Ok(CollaboratorStatus::Active),
            "replaced" => Ok(CollaboratorStatus::Replaced),
            "ended" => Ok(CollaboratorStatus::Ended),
            other => Err(format!("unknown collaborator status {other:?}")),
        }
    }
}

/// One allowed value of a dimension.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttributeValue {
    /// Dimension key.
    pub dimension: String,
    /// Value key.
    pub key: String,
    /// Vietnamese name.
    pub name_vi: String,
    /// English name.
    pub name_en: String,
}

/// The representation attributes of a collaborator: one value key (or empty) per dimension, in
/// the order of [`Dimension::ALL`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes(pub [String; 7]);

impl Attributes {
    /// The value of a dimension.
    pub fn get(&self, d: Dimension) -> &str {
        let i = Dimension::ALL.iter().position(|x| *x == d).expect("listed");
        &self.0[i]
    }
}

/// A checked collaborator: identity apart from representation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollaboratorInput {
    /// Unit (area) the collaborator belongs to.
    pub unit_id: i64,
    /// Identity: full name (personal data).
    pub full_name: String,
    /// Identity: phone.
    pub phone: String,
    /// Identity: e-mail.
    pub email: String,
    /// Date consent to the processing of personal data was recorded.
    pub consent_date: Option<NaiveDate>,
    /// Term or contract start.
    pub term_from: Option<NaiveDate>,
    /// Term or contract end.
    pub term_to: Option<NaiveDate>,
    /// Representation attributes.
    pub attributes: Attributes,
}

/// Raw text fields of one collaborator (form or CSV row), the unit already resolved by the caller.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct CollaboratorFields {
    /// Unit code or `#id`.
    #[serde(default)]
    pub unit: String,
    /// Full name.
    #[serde(default)]
    pub full_name: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// Consent date `YYYY-MM-DD`.
    #[serde(default)]
    pub consent_date: String,
    /// Term start.
    #[serde(default)]
    pub term_from: String,
    /// Term end.
    #[serde(default)]
    pub term_to: String,
    /// Sector key.
    #[serde(default)]
    pub sector: String,
    /// Organisation key.
    #[serde(default)]
    pub organisation: String,
    /// Stratum key.
    #[serde(default)]
    pub stratum: String,
    /// Age band key.
    #[serde(default)]
    pub age_band: String,
    /// Gender key.
    #[serde(default)]
    pub gender: String,
    /// Ethnicity key.
    #[serde(default)]
    pub ethnicity: String,
    /// Religion key.
    #[serde(default)]
    pub religion: String,
}

/// A field (or CSV column) with the message key of its error.
pub type FieldError = (&'static str, &'static str);

fn date(raw: &str) -> Result<Option<NaiveDate>, ()> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map(Some)
        .map_err(|_| ())
}

impl CollaboratorFields {
    /// The raw value of a dimension.
    pub fn attribute(&self, d: Dimension) -> &str {
        match d {
            Dimension::Sector => &self.sector,
            Dimension::Organisation => &self.organisation,
            Dimension::Stratum => &self.stratum,
            Dimension::AgeBand => &self.age_band,
            Dimension::Gender => &self.gender,
            Dimension::Ethnicity => &self.ethnicity,
            Dimension::Religion => &self.religion,
        }
    }

    /// Checks the fields; `unit_id` is the resolved unit (`None`: unknown code); attribute values
    /// must be keys (or names) of `values`. Errors name the field.
    pub fn parse(
        &self,
        unit_id: Option<i64>,
        values: &[AttributeValue],
    ) -> Result<CollaboratorInput, Vec<FieldError>> {
        let mut errors = vec![];
        if unit_id.is_none() {
            errors.push(("unit", "collaborators-error-unit"));
        }
        let full_name = crate::kit::text::one_line(&self.full_name);
        if full_name.chars().count() < 2 || full_name.chars().count() > 200 {
            errors.push(("full_name", "collaborators-error-name"));
        }
        let phone = self.phone.trim().to_string();
        let phone_ok = phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +.-()".contains(c))
            && phone.chars().filter(char::is_ascii_digit).count() >= 8;
        if !phone.is_empty() && !phone_ok {
            errors.push(("phone", "collaborators-error-phone"));
        }
        let email = self.email.trim().to_string();
        if !email.is_empty() && !crate::mail::model::is_email(&email) {
            errors.push(("email", "collaborators-error-email"));
        }
        let mut dates = [None, None, None];
        for (i, (field, raw)) in [
            ("consent_date", &self.consent_date),
            ("term_from", &self.term_from),
            ("term_to", &self.term_to),
        ]
        .into_iter()
        .enumerate()
        {
            match date(raw) {
                Ok(d) => dates[i] = d,
                Err(()) => errors.push((field, "collaborators-error-date")),
            }
        }
        if dates[0].is_none() && !errors.iter().any(|e| e.0 == "consent_date") {
            errors.push(("consent_date", "collaborators-error-consent"));
        }
        if let (Some(a), Some(b)) = (dates[1], dates[2])
            && b < a
        {
            errors.push(("term_to", "collaborators-error-term"));
        }
        let mut attributes = Attributes::default();
        for (i, d) in Dimension::ALL.into_iter().enumerate() {
            let raw = self.attribute(d).trim();
            if raw.is_empty() {
                continue;
            }
            let folded = crate::orgs::model::fold(raw);
            match values.iter().find(|v| {
                v.dimension == d.key()
                    && (v.key == raw
                        || crate::orgs::model::fold(&v.name_vi) == folded
                        || crate::orgs::model::fold(&v.name_en) == folded)
            }) {
                Some(v) => attributes.0[i] = v.key.clone(),
                None => errors.push((d.key(), "collaborators-error-attribute")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CollaboratorInput {
            unit_id: unit_id.expect("checked"),
            full_name,
            phone,
            email,
            consent_date: dates[0],
            term_from: dates[1],
            term_to: dates[2],
            attributes,
        })
    }
}

/// The CSV columns of an import, in order (`unit` takes a unit code).
pub const CSV_COLUMNS: [&str; 14] = [
    "unit",
    "full_name",
    "phone",
    "email",
    "consent_date",
    "term_from",
    "term_to",
    "stratum",
    "sector",
    "organisation",
    "age_band",
    "gender",
    "ethnicity",
    "religion",
];

/// One error of an import: row (1 = the header), column, message key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    /// Row number in the file.
    pub row: usize,
    /// Column name.
    pub column: String,
    /// Message key.
    pub key: &'static str,
}

/// The most data rows an import takes.
pub const MAX_IMPORT_ROWS: usize = 50_000;

/// Errors of a header row (unknown columns, missing required ones); `label` names a column.
fn check_headers(headers: &[String], label: impl Fn(usize) -> String) -> Vec<CsvError> {
    let mut errors = vec![];
    for (i, h) in headers.iter().enumerate() {
        if !h.is_empty() && !CSV_COLUMNS.contains(&h.as_str()) {
            errors.push(CsvError {
                row: 1,
                column: label(i),
                key: "collaborators-import-error-column",
            });
        }
    }
    for required in ["unit", "full_name", "consent_date"] {
        if !headers.iter().any(|h| h == required) {
            errors.push(CsvError {
                row: 1,
                column: required.to_string(),
                key: "collaborators-import-error-missing-column",
            });
        }
    }
    errors
}

/// The fields of one data row, by header name.
fn fields_of(headers: &[String], cell: impl Fn(usize) -> String) -> CollaboratorFields {
    let get = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .map(&cell)
            .unwrap_or_default()
    };
    CollaboratorFields {
        unit: get("unit"),
        full_name: get("full_name"),
        phone: get("phone"),
        email: get("email"),
        consent_date: get("consent_date"),
        term_from: get("term_from"),
        term_to: get("term_to"),
        sector: get("sector"),
        organisation: get("organisation"),
        stratum: get("stratum"),
        age_band: get("age_band"),
        gender: get("gender"),
        ethnicity: get("ethnicity"),
        religion: get("religion"),
    }
}

/// Reads an import file into raw rows (header checked); the caller resolves units and parses each.
pub fn read_csv(bytes: &[u8]) -> Result<Vec<(usize, CollaboratorFields)>, Vec<CsvError>> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(_) => {
            return Err(vec![CsvError {
                row: 1,
                column: String::new(),
                key: "collaborators-import-error-header",
            }]);
        }
    };
    let mut errors = check_headers(&headers, |i| headers[i].clone());
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = vec![];
    for (i, record) in reader.records().enumerate() {
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                let row = i + 2;
                errors.push(CsvError {
                    row,
                    column: String::new(),
                    key: "collaborators-import-error-row",
                });
                continue;
            }
        };
        // The record's line in the file, as the csv reader counts it.
        let row = record
            .position()
            .map(|p| p.line() as usize)
            .unwrap_or(i + 2);
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        rows.push((
            row,
            fields_of(&headers, |i| record.get(i).unwrap_or("").to_string()),
        ));
        if rows.len() > MAX_IMPORT_ROWS {
            errors.push(CsvError {
                row,
                column: String::new(),
                key: "collaborators-import-error-too-many",
            });
            break;
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Whether the bytes are a spreadsheet (XLSX or ODS: a ZIP archive; XLS: an OLE file) rather
/// than CSV text.
pub fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// The spreadsheet name of a 0-based column: `A`, `B`, … `Z`, `AA` …
pub fn column_letter(mut i: usize) -> String {
    let mut out = vec![];
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// A spreadsheet cell as the text the checks read: numbers without a spurious `.0`, dates
/// (Excel serials) as `YYYY-MM-DD`.
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if serial.is_finite() && (1.0..3.0e6).contains(&serial) {
                let base = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");
                (base + chrono::Duration::days(serial.floor() as i64)).to_string()
            } else {
                serial.to_string()
            }
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// What a collaborator import spreadsheet may hold: one sheet of at most
/// [`MAX_IMPORT_ROWS`] people (plus the header and some blank rows) in the [`CSV_COLUMNS`]
/// (plus a few columns of the unit's own notes). Everything past these is refused before it is
/// read, with what the file declares.
pub const IMPORT_LIMITS: duluan_filecheck::Limits = duluan_filecheck::Limits {
    // Uploads are capped by the server's body limit long before this.
    max_file_bytes: 20 << 20,
    // An .xlsx has about ten parts; 1,000 leaves room for images and custom XML.
    max_entries: 1_000,
    // 50,000 rows of 14 short cells inflate to about 30 MiB of sheet XML.
    max_inflated_bytes: 64 << 20,
    // Spreadsheet XML deflates 5–30 times; deflate's own maximum is about 1,000.
    max_ratio: 250,
    // MAX_IMPORT_ROWS people, the header, and room for blank rows between groups.
    max_rows: MAX_IMPORT_ROWS as u32 + 10_000,
    // The 14 import columns and some notes columns; nobody keeps 16,384.
    max_cols: 64,
    // The rectangle from A1 to the last cell: the rows above at 20 columns.
    max_cells: 1_200_000,
    // Only the first sheet is read, but every sheet name is listed when the workbook opens.
    max_sheets: 100,
};

/// Reads a spreadsheet import (XLSX, also XLS or ODS) within [`IMPORT_LIMITS`]: the first
/// sheet, its first row the header, the same columns and checks as CSV. Rows are the sheet's
/// row numbers; columns are named by letter and header (`C (consent_date)`).
pub fn read_xlsx(bytes: &[u8]) -> Result<ImportFile, ImportError> {
    let file_error = || {
        ImportError::Rows(vec![CsvError {
            row: 1,
            column: String::new(),
            key: "collaborators-import-error-spreadsheet",
        }])
    };
    let sheets = duluan_filecheck::sheets::read(
        bytes,
        &IMPORT_LIMITS,
        duluan_filecheck::sheets::Which::First,
    )
    .map_err(|e| match e {
        // A file that is no spreadsheet keeps the import's own message.
        duluan_filecheck::Refusal::NotSpreadsheet(_) | duluan_filecheck::Refusal::Damaged(_) => {
            file_error()
        }
        e => ImportError::Refused(e),
    })?;
    let Some(first) = sheets.into_iter().next() else {
        return Err(file_error());
    };
    let grid = first.rows();
    // The header is the first row with a value; columns start at the first used column.
    let Some(r0) = grid
        .iter()
        .position(|r| r.iter().any(|d| !cell_text(d).is_empty()))
    else {
        return Err(file_error());
    };
    let c0 = grid
        .iter()
        .filter_map(|r| r.iter().position(|d| !cell_text(d).is_empty()))
        .min()
        .unwrap_or(0);
    let cells =
        |r: &Vec<calamine::Data>| -> Vec<String> { r.iter().skip(c0).map(cell_text).collect() };
    let headers: Vec<String> = cells(&grid[r0]).iter().map(|h| h.to_lowercase()).collect();
    let label = |i: usize| {
        let h = headers.get(i).cloned().unwrap_or_default();
        format!("{} ({h})", column_letter(c0 + i))
    };
    let mut errors = check_headers(&headers, label);
    for e in &mut errors {
        e.row = r0 + 1;
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let mut rows = vec![];
    for (i, line) in grid.iter().enumerate().skip(r0 + 1) {
        let row = i + 1;
        let texts = cells(line);
        if texts.iter().all(String::is_empty) {
            continue;
        }
        rows.push((
            row,
            fields_of(&headers, |i| texts.get(i).cloned().unwrap_or_default()),
        ));
        if rows.len() > MAX_IMPORT_ROWS {
            return Err(ImportError::Rows(vec![CsvError {
                row,
                column: String::new(),
                key: "collaborators-import-error-too-many",
            }]));
        }
    }
    let labels = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty())
        .map(|(i, h)| (h.clone(), label(i)))
        .collect();
    Ok(ImportFile { rows, labels })
}

/// Why an import file was not read.
#[derive(Clone, Debug)]
pub enum ImportError {
    /// Errors with their row and column.
    Rows(Vec<CsvError>),
    /// The spreadsheet was refused before reading (too large, a zip bomb, a sheet declaring a
    /// million rows): the refusal says what and the limit.
    Refused(duluan_filecheck::Refusal),
}

/// A read import: its rows, and how its columns are named in errors.
#[derive(Clone, Debug, Default)]
pub struct ImportFile {
    /// `(row number in the file, raw fields)`.
    pub rows: Vec<(usize, CollaboratorFields)>,
    /// `(field, label)` for spreadsheets (`C (consent_date)`); empty for CSV.
    pub labels: Vec<(String, String)>,
}

impl ImportFile {
    /// How errors name the column of `field`.
    pub fn column(&self, field: &str) -> String {
        self.labels
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| field.to_string())
    }
}

/// Reads an import file, CSV or spreadsheet (told apart by the file's first bytes).
pub fn read_import(bytes: &[u8]) -> Result<ImportFile, ImportError> {
    if is_spreadsheet(bytes) {
        read_xlsx(bytes)
    } else {
        Ok(ImportFile {
            rows: read_csv(bytes).map_err(ImportError::Rows)?,
            labels: vec![],
        })
    }
}

/// Where a target applies: the unit's own network, or each of its direct children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppliesTo {
    /// The unit's whole subtree counted together.
    Unit,
    /// Each direct child (e.g. every commune of the city).
    Children,
}

impl AppliesTo {
    /// Stored key.
    pub fn key(self) -> &'static str {
        match self {
            AppliesTo::Unit => "unit",
            AppliesTo::Children => "children",
        }
    }

    /// Parses a key.
    pub fn parse(key: &str) -> Option<AppliesTo> {
        match key.trim() {
            "unit" => Some(AppliesTo::Unit),
            "children" => Some(AppliesTo::Children),
            _ => None,
        }
    }
}

/// A coverage cell: how many active collaborators count, how many are required.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Counted.
    pub have: i64,
    /// Required.
    pub need: i64,
}

impl Cell {
    /// Whether the target is met.
    pub fn met(&self) -> bool {
        self.have >= self.need
    }

    /// How many are missing.
    pub fn missing(&self) -> i64 {
        (self.need - self.have).max(0)
    }
}

/// Periods without activity after which a collaborator is flagged for replacement.
pub const INACTIVE_AFTER_PERIODS: usize = 3;

/// Whether a collaborator with activity in `active_periods` (months `YYYY-MM` with items or
/// briefings) is inactive over the `last` months (most recent first).
pub fn is_inactive(active_periods: &[String], last: &[String]) -> bool {
    !last.is_empty() && last.iter().all(|p| !active_periods.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Vec<AttributeValue> {
        vec![AttributeValue {
            dimension: "stratum".into(),
            key: "farmer".into(),
            name_vi: "Nông dân".into(),
            name_en: "Farmers".into(),
        }]
    }

    #[test]
    fn attributes_accept_keys_and_names() {
        let f = CollaboratorFields {
            full_name: "Trần Văn Bình".into(),
            consent_date: "2026-01-05".into(),
            stratum: "nông dân".into(),
            ..Default::default()
        };
        let c = f.parse(Some(1), &values()).unwrap();
        assert_eq!(c.attributes.get(Dimension::Stratum), "farmer");
        let f = CollaboratorFields {
            stratum: "astronaut".into(),
            ..f
        };
        let errs = f.parse(None, &values()).unwrap_err();
        assert!(errs.contains(&("stratum", "collaborators-error-attribute")));
        assert!(errs.contains(&("unit", "collaborators-error-unit")));
    }

    #[test]
    fn consent_is_required_and_terms_are_ordered() {
        let f = CollaboratorFields {
            full_name: "Lê Thị Hoa".into(),
            term_from: "2026-06-01".into(),
            term_to: "01/01/2026".into(),
            ..Default::default()
        };
        let errs = f.parse(Some(1), &[]).unwrap_err();
        assert!(errs.contains(&("consent_date", "collaborators-error-consent")));
        assert!(errs.contains(&("term_to", "collaborators-error-term")));
    }

    #[test]
    fn csv_errors_name_row_and_column() {
        let err = read_csv(b"unit,full_name,shoe_size\n31135,A,42\n").unwrap_err();
        assert_eq!(err[0].column, "shoe_size");
        assert!(err.iter().any(|e| e.column == "consent_date"));
        let rows = read_csv("unit,full_name,consent_date\n31135,Trần Văn Bình,2026-01-05\n31120,Lê Thị Hoa,2026-01-06\n".as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].0, 3);
    }

    #[test]
    fn spreadsheet_columns_are_lettered() {
        let letters: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letter)
            .collect();
        assert_eq!(
            letters,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]
        );
        assert!(is_spreadsheet(b"PK\x03\x04rest"));
        assert!(!is_spreadsheet(b"unit,full_name\n"));
    }

    #[test]
    fn xlsx_rows_and_dates_are_read_like_csv() {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["Unit", "full_name", "consent_date", "phone"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_number(1, 0, 31135.0).unwrap();
        ws.write_string(1, 1, "Trần Văn Bình").unwrap();
        let date = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(1, 2, ExcelDateTime::from_ymd(2026, 1, 5).unwrap(), &date)
            .unwrap();
        ws.write_number(1, 3, 912345678.0).unwrap();
        ws.write_string(3, 1, "Lê Thị Hoa").unwrap();
        let file = read_import(&wb.save_to_buffer().unwrap()).unwrap();
        assert_eq!(file.rows.len(), 2);
        let (row, f) = &file.rows[0];
        assert_eq!(*row, 2);
        assert_eq!(f.unit, "31135");
        assert_eq!(f.consent_date, "2026-01-05");
        assert_eq!(f.phone, "912345678");
        assert_eq!(file.rows[1].0, 4);
        assert_eq!(file.column("consent_date"), "C (consent_date)");
        assert!(read_import(b"PK\x03\x04not a zip").is_err());
    }

    #[test]
    fn inactivity_counts_the_last_periods() {
        let last = vec!["2026-10".to_string(), "2026-09".into(), "2026-08".into()];
        assert!(is_inactive(&["2026-06".into()], &last));
        assert!(!is_inactive(&["2026-09".into()], &last));
    }
}
