//! # duluan-vitext: the Vietnamese text engine of duluan
//!
//! Pure functions over `&str` (no IO, no threads, nothing downloaded): everything a server or
//! a script needs to clean and understand Vietnamese free text.
//!
//! * [`normalize`]: NFC, zero-width characters, `ð` → `đ`, tone-mark placement (`hòa`/`hoà`),
//!   with [`legacy`] repair of TCVN3, VNI and mojibake;
//! * [`syllable`]: parser, validator and a well-formedness score (flags OCR damage and text
//!   typed without diacritics);
//! * [`chars`]: letter-level folding (`đ` → `d`) and tone tables;
//! * [`tokens`]: words, numbers and symbols with byte positions, lower-cased and folded forms;
//! * [`terms`]: multi-syllable terms learned by association, and a segmenter;
//! * [`stopwords`]: the MIT-licensed stopwords-iso list;
//! * [`pii`]: personal data in free text (names, phones, ID and passport numbers, e-mails);
//! * [`restore`]: diacritic restoration (syllable 4-grams, Kneser-Ney, beam search), built-in
//!   model trained on the bundled [`corpus`] and MPL-2.0 software translations (`models/NOTICE.md`);
//! * [`keyphrases`] (YAKE-like), [`dedup`] (SimHash near duplicates), [`cluster`] (online
//!   clustering into candidate opinion streams with labels);
//! * [`classify`]: topic and direction models (logistic regression, cross-validated macro-F1,
//!   active learning);
//! * [`spikes`]: spike detection per series with explanations (jump, terms, items, areas).
//!
//! ```
//! use duluan_vitext::{normalize::normalize, chars::fold, syllable::quality};
//! let text = normalize("Ng\u{AD}êi d©n ph\u{AD}êng Ninh KiÒu lo l¾ng vÒ ngËp óng"); // TCVN3 from an old file
//! assert_eq!(text, "Người dân phường Ninh Kiều lo lắng về ngập úng");
//! assert_eq!(fold(&text), "Nguoi dan phuong Ninh Kieu lo lang ve ngap ung");
//! assert!(quality(&text).valid_ratio() > 0.99);
//! ```

pub mod chars;
pub mod classify;
pub mod cluster;
pub mod corpus;
pub mod dedup;
pub mod features;
pub mod keyphrases;
pub mod legacy;
pub mod normalize;
pub mod pii;
pub mod restore;
pub mod spikes;
pub mod stopwords;
pub mod syllable;
pub mod terms;
pub mod tokens;
