//! Vietnamese stopwords: the MIT-licensed `vi` list of stopwords-iso (see
//! `data/NOTICE-stopwords.md`), lower case, one- to four-syllable entries.

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../data/stopwords-vi.txt");

fn set() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Whether a lower-case word or term (syllables separated by one space) is a stopword.
///
/// ```
/// use duluan_vitext::stopwords::is_stopword;
/// assert!(is_stopword("của") && is_stopword("bởi vì"));
/// assert!(!is_stopword("ngập"));
/// ```
pub fn is_stopword(lower: &str) -> bool {
    set().contains(lower)
}

/// Whether an unaccented lower-case word or term is a stopword written without its marks
/// ("cua" for "của", "vi vay" for "vì vậy"). For text typed without diacritics only: an
/// accented word that folds to a stopword ("cửa") is not one.
///
/// ```
/// use duluan_vitext::stopwords::is_stopword_unaccented;
/// assert!(is_stopword_unaccented("cua") && is_stopword_unaccented("vi vay"));
/// assert!(!is_stopword_unaccented("ngap"));
/// ```
pub fn is_stopword_unaccented(folded: &str) -> bool {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| all().map(crate::chars::fold).collect())
        .contains(folded)
}

/// All stopwords, sorted.
pub fn all() -> impl Iterator<Item = &'static str> {
    LIST.lines().map(str::trim).filter(|l| !l.is_empty())
}
