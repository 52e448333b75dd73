//! The collaborator form as typed and its check into a `CollaboratorInput`: identity (name,
//! contacts, recorded consent) apart from the representation attributes.

use chrono::NaiveDate;

use super::{AttributeValue, Attributes, Dimension};

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
                v.dimension == d
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
