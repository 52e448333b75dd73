//! AAPOR outcome rates: response, cooperation, refusal and contact rates computed from final
//! case dispositions, following the AAPOR *Standard Definitions* (10th edition, 2023).
//!
//! # Dispositions and categories
//!
//! Every case fielded ends with one final disposition code. The codes form a tree whose first
//! digit is the broad outcome and whose first digit after the point is the group; deeper digits
//! only refine the reason, differ by mode (telephone, in person, mail, web/e-mail) and never
//! change the group. [`category`] maps a code to one of the eight categories the rates use:
//!
//! | Code | Category | Meaning |
//! |------|----------|---------|
//! | `1.1` | [`Category::Complete`] (I) | complete interview or returned questionnaire |
//! | `1.2` | [`Category::Partial`] (P) | partial: broke off after enough of the questionnaire |
//! | `2.1x` | [`Category::Refusal`] (R) | refusal (household or respondent, explicit or implicit) and break-off with too little data |
//! | `2.2x` | [`Category::NonContact`] (NC) | eligible, but the respondent was never reached or never available |
//! | `2.3x`–`2.9x` | [`Category::Other`] (O) | eligible, other non-interview: death, inability, language, … |
//! | `3.1x` | [`Category::UnknownHousehold`] (UH) | unknown whether there is an eligible household/unit at all (never answered, never returned, not attempted) |
//! | `3.2x`–`3.9x` | [`Category::UnknownOther`] (UO) | a unit was reached but eligibility stays unknown (no screener, mail returned undelivered, …) |
//! | `4.x` | [`Category::NotEligible`] (NE) | not eligible: out of sample, non-working number, business, no eligible respondent, quota filled, … |
//!
//! A code is `1.1`, `1.2`, or `2.`, `3.` or `4.` followed by two or three digits whose first
//! digit is 1–9 (`2.10`, `2.112`, `3.19`, `4.70`). The headings `1.0`…`4.0` are not final
//! dispositions; those and anything else are an error naming the code, never a default.
//!
//! # Rates
//!
//! [`Counts`] tallies the categories (as `f64`, so weighted tallies work the same way) and
//! [`Counts::rates`] computes every rate. Rates describe the cases you pass: per mode, per
//! wave, per interviewer or for the whole mixed-mode study, count only those cases (or add
//! [`Counts`] together).
//!
//! # The eligibility estimate `e`
//!
//! Cases of unknown eligibility (UH + UO) are partly eligible; `e` is the share of them
//! assumed eligible. RR1, REF1 and CON1 count them all as eligible (the most conservative
//! rates, `e = 1`), RR5, RR6, REF3 and CON3 count none (`e = 0`), and RR3, RR4, REF2 and CON2
//! use the estimate you give. The Standard Definitions ask that `e` rest on the best available
//! evidence and that its method be reported; [`Counts::e_resolved`] gives the usual default,
//! the share eligible among cases whose eligibility is resolved.
//!
//! ```
//! use duluan_stats::aapor::Counts;
//! let counts = Counts::from_codes(["1.1", "1.1", "1.2", "2.11", "2.21", "3.19", "4.70"]).unwrap();
//! let e = counts.e_resolved().unwrap(); // 5 eligible of 6 resolved
//! let rates = counts.rates(e).unwrap();
//! assert_eq!(rates.rr1, Some(2.0 / 6.0));
//! assert_eq!(rates.coop1, Some(2.0 / 4.0));
//! ```

use std::ops::{Add, AddAssign};

use crate::error::{Result, StatsError, invalid};

/// The outcome category of a final disposition, as the rate formulas use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// I: complete interview (1.1).
    Complete,
    /// P: partial interview (1.2).
    Partial,
    /// R: refusal and break-off (2.1x).
    Refusal,
    /// NC: non-contact (2.2x).
    NonContact,
    /// O: other eligible non-interview (2.3x and the other 2.x groups).
    Other,
    /// UH: unknown if there is an eligible household or unit (3.1x).
    UnknownHousehold,
    /// UO: unknown eligibility, other (3.2x–3.9x).
    UnknownOther,
    /// NE: not eligible (4.x).
    NotEligible,
}

impl Category {
    /// All categories, in the order of the Standard Definitions.
    pub const ALL: [Category; 8] = [
        Category::Complete,
        Category::Partial,
        Category::Refusal,
        Category::NonContact,
        Category::Other,
        Category::UnknownHousehold,
        Category::UnknownOther,
        Category::NotEligible,
    ];

    /// The abbreviation used in the formulas: `I`, `P`, `R`, `NC`, `O`, `UH`, `UO`, `NE`.
    pub fn abbrev(self) -> &'static str {
        match self {
            Category::Complete => "I",
            Category::Partial => "P",
            Category::Refusal => "R",
            Category::NonContact => "NC",
            Category::Other => "O",
            Category::UnknownHousehold => "UH",
            Category::UnknownOther => "UO",
            Category::NotEligible => "NE",
        }
    }
}

/// The category of a final disposition code such as `"1.1"`, `"2.112"` or `"4.70"`.
///
/// Errors with [`StatsError::UnknownDisposition`] naming the code when it is not a final
/// disposition of the tree (see the module documentation for the accepted form).
pub fn category(code: &str) -> Result<Category> {
    let unknown = || StatsError::UnknownDisposition {
        code: code.to_string(),
    };
    match code {
        "1.1" => return Ok(Category::Complete),
        "1.2" => return Ok(Category::Partial),
        _ => {}
    }
    let bytes = code.as_bytes();
    let (major, rest) = match bytes {
        [m @ b'2'..=b'4', b'.', rest @ ..] => (*m, rest),
        _ => return Err(unknown()),
    };
    if !(2..=3).contains(&rest.len()) || !rest.iter().all(u8::is_ascii_digit) {
        return Err(unknown());
    }
    let group = rest[0];
    Ok(match (major, group) {
        (_, b'0') => return Err(unknown()),
        (b'2', b'1') => Category::Refusal,
        (b'2', b'2') => Category::NonContact,
        (b'2', _) => Category::Other,
        (b'3', b'1') => Category::UnknownHousehold,
        (b'3', _) => Category::UnknownOther,
        _ => Category::NotEligible,
    })
}

/// Case counts by category (weighted or not).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Complete interviews.
    pub i: f64,
    /// Partial interviews.
    pub p: f64,
    /// Refusals and break-offs.
    pub r: f64,
    /// Non-contacts.
    pub nc: f64,
    /// Other eligible non-interviews.
    pub o: f64,
    /// Unknown if household/unit.
    pub uh: f64,
    /// Unknown eligibility, other.
    pub uo: f64,
    /// Not eligible.
    pub ne: f64,
}

impl Counts {
    /// Counts of a list of final disposition codes; the first bad code is an error.
    pub fn from_codes<I, S>(codes: I) -> Result<Counts>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut counts = Counts::default();
        for code in codes {
            counts.tally(category(code.as_ref())?, 1.0);
        }
        Ok(counts)
    }

    /// Adds `n` cases (or a weight) to a category.
    pub fn tally(&mut self, category: Category, n: f64) {
        *self.get_mut(category) += n;
    }

    /// The count of one category.
    pub fn get(&self, category: Category) -> f64 {
        match category {
            Category::Complete => self.i,
            Category::Partial => self.p,
            Category::Refusal => self.r,
            Category::NonContact => self.nc,
            Category::Other => self.o,
            Category::UnknownHousehold => self.uh,
            Category::UnknownOther => self.uo,
            Category::NotEligible => self.ne,
        }
    }

    fn get_mut(&mut self, category: Category) -> &mut f64 {
        match category {
            Category::Complete => &mut self.i,
            Category::Partial => &mut self.p,
            Category::Refusal => &mut self.r,
            Category::NonContact => &mut self.nc,
            Category::Other => &mut self.o,
            Category::UnknownHousehold => &mut self.uh,
            Category::UnknownOther => &mut self.uo,
            Category::NotEligible => &mut self.ne,
        }
    }

    /// All cases.
    pub fn total(&self) -> f64 {
        Category::ALL.iter().map(|&c| self.get(c)).sum()
    }

    /// The default eligibility estimate: the share eligible among cases whose eligibility is
    /// resolved, (I+P+R+NC+O) / (I+P+R+NC+O+NE); None when no case is resolved.
    ///
    /// It assumes unknown cases are eligible as often as resolved ones, which usually
    /// overstates `e` (unreached numbers and addresses are more often ineligible); prefer an
    /// estimate from better evidence when you have one.
    pub fn e_resolved(&self) -> Option<f64> {
        let eligible = self.i + self.p + self.r + self.nc + self.o;
        let resolved = eligible + self.ne;
        (resolved > 0.0).then(|| eligible / resolved)
    }

    /// Every outcome rate with the eligibility estimate `e` (see the module documentation).
    ///
    /// Errors when `e` is NaN or outside [0, 1], or when a count is negative or not finite.
    pub fn rates(&self, e: f64) -> Result<Rates> {
        if !(0.0..=1.0).contains(&e) {
            return Err(invalid("e", format!("{e} must be between 0 and 1")));
        }
        for c in Category::ALL {
            let n = self.get(c);
            if !(n >= 0.0 && n.is_finite()) {
                return Err(invalid(
                    c.abbrev(),
                    format!("count {n} must be non-negative and finite"),
                ));
            }
        }
        let ratio = |num: f64, den: f64| (den > 0.0).then(|| num / den);
        let i = self.i;
        let ip = self.i + self.p;
        // Each denominator is built from the numerator's own sum, so rounding can never push
        // a rate above 1 or break the order between the rates.
        let known = ip + (self.r + self.nc + self.o);
        let unknown = self.uh + self.uo;
        let all = known + unknown;
        let estimated = known + e * unknown;
        let coop_o = ip + self.r + self.o;
        let coop_r = ip + self.r;
        let contacted = coop_o;
        let con_known = contacted + self.nc;
        Ok(Rates {
            e,
            rr1: ratio(i, all),
            rr2: ratio(ip, all),
            rr3: ratio(i, estimated),
            rr4: ratio(ip, estimated),
            rr5: ratio(i, known),
            rr6: ratio(ip, known),
            coop1: ratio(i, coop_o),
            coop2: ratio(ip, coop_o),
            coop3: ratio(i, coop_r),
            coop4: ratio(ip, coop_r),
            ref1: ratio(self.r, all),
            ref2: ratio(self.r, estimated),
            ref3: ratio(self.r, known),
            con1: ratio(contacted, con_known + unknown),
            con2: ratio(contacted, con_known + e * unknown),
            con3: ratio(contacted, con_known),
        })
    }
}

impl Add for Counts {
    type Output = Counts;

    fn add(mut self, other: Counts) -> Counts {
        self += other;
        self
    }
}

impl AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        for c in Category::ALL {
            *self.get_mut(c) += other.get(c);
        }
    }
}

/// The outcome rates of the Standard Definitions; each is None when its denominator is zero.
///
/// With E = (I+P) + (R+NC+O) the known eligible cases and U = UH + UO the unknown ones:
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rates {
    /// The eligibility estimate used.
    pub e: f64,
    /// RR1 = I / (E + U).
    pub rr1: Option<f64>,
    /// RR2 = (I+P) / (E + U).
    pub rr2: Option<f64>,
    /// RR3 = I / (E + e·U).
    pub rr3: Option<f64>,
    /// RR4 = (I+P) / (E + e·U).
    pub rr4: Option<f64>,
    /// RR5 = I / E.
    pub rr5: Option<f64>,
    /// RR6 = (I+P) / E.
    pub rr6: Option<f64>,
    /// COOP1 = I / ((I+P) + R + O).
    pub coop1: Option<f64>,
    /// COOP2 = (I+P) / ((I+P) + R + O).
    pub coop2: Option<f64>,
    /// COOP3 = I / ((I+P) + R).
    pub coop3: Option<f64>,
    /// COOP4 = (I+P) / ((I+P) + R).
    pub coop4: Option<f64>,
    /// REF1 = R / (E + U).
    pub ref1: Option<f64>,
    /// REF2 = R / (E + e·U).
    pub ref2: Option<f64>,
    /// REF3 = R / E.
    pub ref3: Option<f64>,
    /// CON1 = ((I+P) + R + O) / ((I+P) + R + O + NC + U).
    pub con1: Option<f64>,
    /// CON2 = ((I+P) + R + O) / ((I+P) + R + O + NC + e·U).
    pub con2: Option<f64>,
    /// CON3 = ((I+P) + R + O) / ((I+P) + R + O + NC).
    pub con3: Option<f64>,
}
