//! Collaborators' domain types (no IO): here the representation dimensions, statuses, attribute
//! values and inactivity; the checked collaborator form in `fields.rs`, the CSV/XLSX import parser
//! (all rows checked, errors with row and column) in `import.rs`, coverage targets and cells in
//! `coverage.rs`. Callers use `model::Name` as before.

mod coverage;
mod fields;
mod import;

pub use coverage::*;
pub use fields::*;
pub use import::*;

use crate::kit::keys::stored_keys;

stored_keys! {
    /// A representation attribute a deployment lists values for; its key is also the CSV column
    /// and the collaborators column.
    pub enum Dimension: "collaborator dimension" {
        /// Social stratum (*giai tầng xã hội*).
        Stratum = "stratum",
        /// Sector (*lĩnh vực*).
        Sector = "sector",
        /// Organisation (*tổ chức*).
        Organisation = "organisation",
        /// Age band.
        AgeBand = "age_band",
        /// Gender.
        Gender = "gender",
        /// Ethnicity (*dân tộc*).
        Ethnicity = "ethnicity",
        /// Religion (*tôn giáo*).
        Religion = "religion",
    }
}

stored_keys! {
    /// What a coverage target counts: every active collaborator, or those with one value of a
    /// dimension (the value is kept beside it).
    pub enum TargetOn: "collaborator target dimension" {
        /// Every active collaborator.
        Any = "any",
        /// By social stratum.
        Stratum = "stratum",
        /// By sector.
        Sector = "sector",
        /// By organisation.
        Organisation = "organisation",
        /// By age band.
        AgeBand = "age_band",
        /// By gender.
        Gender = "gender",
        /// By ethnicity.
        Ethnicity = "ethnicity",
        /// By religion.
        Religion = "religion",
    }
}

impl TargetOn {
    /// The dimension counted, `None` for every collaborator.
    pub fn dimension(self) -> Option<Dimension> {
        match self {
            TargetOn::Any => None,
            TargetOn::Stratum => Some(Dimension::Stratum),
            TargetOn::Sector => Some(Dimension::Sector),
            TargetOn::Organisation => Some(Dimension::Organisation),
            TargetOn::AgeBand => Some(Dimension::AgeBand),
            TargetOn::Gender => Some(Dimension::Gender),
            TargetOn::Ethnicity => Some(Dimension::Ethnicity),
            TargetOn::Religion => Some(Dimension::Religion),
        }
    }

    /// The target on one dimension.
    pub fn of(d: Dimension) -> TargetOn {
        match d {
            Dimension::Stratum => TargetOn::Stratum,
            Dimension::Sector => TargetOn::Sector,
            Dimension::Organisation => TargetOn::Organisation,
            Dimension::AgeBand => TargetOn::AgeBand,
            Dimension::Gender => TargetOn::Gender,
            Dimension::Ethnicity => TargetOn::Ethnicity,
            Dimension::Religion => TargetOn::Religion,
        }
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
    /// Dimension.
    pub dimension: Dimension,
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
            dimension: Dimension::Stratum,
            key: "farmer".into(),
            name_vi: "Nông dân".into(),
            name_en: "Farmers".into(),
        }]
    }

    #[test]
    fn every_dimension_is_a_target_and_back() {
        for d in Dimension::ALL {
            assert_eq!(TargetOn::of(d).key(), d.key());
            assert_eq!(TargetOn::of(d).dimension(), Some(d));
        }
        assert_eq!(TargetOn::Any.dimension(), None);
        assert!(TargetOn::try_from("everyone".to_string()).is_err());
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
