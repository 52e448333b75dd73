//! Vietnamese syllables: a parser into initial consonant, vowel cluster, final consonant and
//! tone; a validator of the spelling rules; canonical tone-mark placement (`hòa` or `hoà`);
//! and a score of how much of a text is well-formed Vietnamese.

use crate::chars::{self, Tone};

/// Where the tone mark goes in the open syllables `oa`, `oe`, `uy` (the only place the two
/// conventions differ).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ToneStyle {
    /// Traditional placement, on the first vowel: `hòa`, `khỏe`, `thủy` (the default).
    #[default]
    Old,
    /// Placement on the main vowel, as in the 1980s reform: `hoà`, `khoẻ`, `thuỷ`.
    New,
}

/// A parsed syllable, all parts lower case and without tone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Syllable {
    /// Initial consonant (`""`, `b`, `ch`, `ngh`, `qu`, `gi` …).
    pub initial: String,
    /// The vowel cluster without tone (`oa`, `ươ`, `uyê` …).
    pub vowels: String,
    /// Final consonant (`""`, `c`, `ch`, `m`, `n`, `ng`, `nh`, `p`, `t`).
    pub coda: String,
    /// The tone.
    pub tone: Tone,
}

/// Why a word is not a well-formed Vietnamese syllable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invalid {
    /// Empty, or contains a character that is not a Vietnamese letter.
    NotLetters,
    /// More letters than any Vietnamese syllable has.
    TooLong,
    /// No vowel.
    NoVowel,
    /// More than one tone mark.
    SeveralTones,
    /// The consonants before the vowels are not a Vietnamese initial.
    BadInitial,
    /// The vowel cluster does not exist in Vietnamese.
    BadVowels,
    /// The letters after the vowels are not a Vietnamese final.
    BadCoda,
    /// The parts exist but do not combine (`ka`, `ghu`, `ăc` with a level tone, `âu` with a final …).
    BadCombination,
}

const INITIALS: [&str; 27] = [
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];
const CODAS: [&str; 8] = ["c", "ch", "m", "n", "ng", "nh", "p", "t"];
/// Vowel clusters that need a final consonant.
const CLOSED_ONLY: [&str; 10] = ["ă", "â", "oă", "uâ", "iê", "yê", "uô", "ươ", "uyê", "oo"];
/// Vowel clusters that end in a glide and take no final consonant.
const OPEN_ONLY: [&str; 30] = [
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa",
    "ưi", "ưu", "uơ", "iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya",
];
const OTHER_VOWELS: [&str; 15] = [
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy", "uyu",
];

fn known_cluster(v: &str) -> bool {
    CLOSED_ONLY.contains(&v) || OPEN_ONLY.contains(&v) || OTHER_VOWELS.contains(&v)
}

/// A word split into letters with its parts located.
struct Analysis {
    /// Lower-case letters, vowels without tone (first `len`).
    buf: [char; MAX_LETTERS],
    len: usize,
    initial_len: usize,
    cluster_end: usize,
    tone: Tone,
    tones: usize,
}

/// No Vietnamese syllable has more letters (`nghiêng` has 7).
const MAX_LETTERS: usize = 10;

impl Analysis {
    fn base(&self) -> &[char] {
        &self.buf[..self.len]
    }
}

fn analyse(word: &str) -> Result<Analysis, Invalid> {
    let mut buf = ['\0'; MAX_LETTERS];
    let mut len = 0;
    let mut push = |c: char| {
        if len == MAX_LETTERS {
            return Err(Invalid::TooLong);
        }
        buf[len] = c;
        len += 1;
        Ok(())
    };
    let mut tone = Tone::Level;
    let mut tones = 0;
    for c in word.chars() {
        if let Some(v) = chars::split_vowel(c) {
            if v.tone != Tone::Level {
                tones += 1;
                tone = v.tone;
            }
            push(v.shape)?;
        } else {
            let l = chars::lower_char(c);
            if !matches!(
                l,
                'b' | 'c'
                    | 'd'
                    | 'đ'
                    | 'g'
                    | 'h'
                    | 'k'
                    | 'l'
                    | 'm'
                    | 'n'
                    | 'p'
                    | 'q'
                    | 'r'
                    | 's'
                    | 't'
                    | 'v'
                    | 'x'
            ) {
                return Err(Invalid::NotLetters);
            }
            push(l)?;
        }
    }
    if len == 0 {
        return Err(Invalid::NotLetters);
    }
    let base = &buf[..len];
    let is_v = |c: char| {
        matches!(
            c,
            'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
        )
    };
    let first_vowel = base.iter().position(|&c| is_v(c)).ok_or(Invalid::NoVowel)?;
    let mut initial_len = first_vowel;
    // `qu` and `gi` take their vowel letter into the initial when another vowel follows.
    if first_vowel == 1
        && base.len() > 2
        && is_v(base[2])
        && matches!((base[0], base[1]), ('q', 'u') | ('g', 'i'))
    {
        initial_len = 2;
    }
    let mut cluster_end = initial_len;
    while cluster_end < base.len() && is_v(base[cluster_end]) {
        cluster_end += 1;
    }
    Ok(Analysis {
        buf,
        len,
        initial_len,
        cluster_end,
        tone,
        tones,
    })
}

/// Parses and validates one word as a Vietnamese syllable.
///
/// ```
/// use duluan_vitext::syllable::{parse, Invalid};
/// let s = parse("Nguyễn").unwrap();
/// assert_eq!((s.initial.as_str(), s.vowels.as_str(), s.coda.as_str()), ("ng", "uyê", "n"));
/// assert_eq!(parse("ghu"), Err(Invalid::BadCombination));
/// assert_eq!(parse("chat"), Err(Invalid::BadCombination)); // a stop final needs sắc or nặng
/// ```
pub fn parse(word: &str) -> Result<Syllable, Invalid> {
    let a = analyse(word)?;
    if a.tones > 1 {
        return Err(Invalid::SeveralTones);
    }
    let initial: String = a.base()[..a.initial_len].iter().collect();
    let vowels: String = a.base()[a.initial_len..a.cluster_end].iter().collect();
    let coda: String = a.base()[a.cluster_end..].iter().collect();
    if !initial.is_empty() && !INITIALS.contains(&initial.as_str()) {
        return Err(Invalid::BadInitial);
    }
    if !known_cluster(&vowels) {
        return Err(Invalid::BadVowels);
    }
    if !coda.is_empty() && !CODAS.contains(&coda.as_str()) {
        return Err(Invalid::BadCoda);
    }
    let first = vowels.chars().next().unwrap_or('a');
    let last = vowels.chars().last().unwrap_or('a');
    let front = matches!(first, 'e' | 'ê' | 'i' | 'y');
    let ok = match initial.as_str() {
        "k" => front,
        "gh" | "ngh" => matches!(first, 'e' | 'ê' | 'i'),
        "c" | "ng" => !matches!(first, 'e' | 'ê' | 'i' | 'y'),
        "g" => !matches!(first, 'e' | 'ê' | 'y'),
        "q" => false,
        "qu" => !matches!(first, 'u' | 'o'),
        _ => true,
    } && (!coda.is_empty() || !CLOSED_ONLY.contains(&vowels.as_str()))
        && (coda.is_empty() || !OPEN_ONLY.contains(&vowels.as_str()))
        && (!matches!(coda.as_str(), "ch" | "nh") || matches!(last, 'a' | 'ê' | 'i' | 'y'))
        && (!matches!(coda.as_str(), "c" | "ch" | "p" | "t")
            || matches!(a.tone, Tone::Acute | Tone::Dot));
    if !ok {
        return Err(Invalid::BadCombination);
    }
    Ok(Syllable {
        initial,
        vowels,
        coda,
        tone: a.tone,
    })
}

/// Whether `word` is a well-formed Vietnamese syllable.
pub fn is_valid(word: &str) -> bool {
    parse(word).is_ok()
}

/// Whether `word`, written without any mark, could be a Vietnamese syllable once its marks
/// are restored (`nguoi` → `người`).
pub fn is_valid_folded(word: &str) -> bool {
    if word.chars().any(crate::chars::has_mark) {
        return false;
    }
    let Ok(a) = analyse(word) else { return false };
    let initial: String = a.base()[..a.initial_len].iter().collect();
    let vowels: String = a.base()[a.initial_len..a.cluster_end].iter().collect();
    let coda: String = a.base()[a.cluster_end..].iter().collect();
    (initial.is_empty() || INITIALS.contains(&initial.as_str()))
        && (coda.is_empty() || CODAS.contains(&coda.as_str()))
        && CLOSED_ONLY
            .iter()
            .chain(OPEN_ONLY.iter())
            .chain(OTHER_VOWELS.iter())
            .any(|v| crate::chars::fold(v) == vowels)
}

/// Index, inside the vowel cluster `cluster` (lower case, no tone), of the vowel that carries the tone.
fn tone_index(cluster: &[char], has_coda: bool, style: ToneStyle) -> usize {
    let n = cluster.len();
    if let Some(i) = cluster
        .iter()
        .rposition(|c| matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư'))
    {
        return i;
    }
    if has_coda || n == 0 {
        return n.saturating_sub(1);
    }
    match n {
        1 => 0,
        2 => match (cluster[0], cluster[1], style) {
            ('o', 'a' | 'e', ToneStyle::New) | ('u', 'y', ToneStyle::New) => 1,
            _ => 0,
        },
        _ => 1,
    }
}

/// Moves the tone mark of one word to its canonical vowel under `style`.
///
/// Returns `None` when the word is not a Vietnamese syllable shape, has no tone, or has its
/// tone in place already (then the caller keeps the word as it is). Letter case is kept letter
/// by letter.
///
/// ```
/// use duluan_vitext::syllable::{place_tone, ToneStyle};
/// assert_eq!(place_tone("hoà", ToneStyle::Old).as_deref(), Some("hòa"));
/// assert_eq!(place_tone("thủy", ToneStyle::New).as_deref(), Some("thuỷ"));
/// assert_eq!(place_tone("qúy", ToneStyle::Old).as_deref(), Some("quý"));
/// assert_eq!(place_tone("quý", ToneStyle::Old), None);
/// ```
pub fn place_tone(word: &str, style: ToneStyle) -> Option<String> {
    let a = analyse(word).ok()?;
    if a.tones != 1 || a.cluster_end == a.initial_len {
        return None;
    }
    let target = a.initial_len
        + tone_index(
            &a.base()[a.initial_len..a.cluster_end],
            a.cluster_end < a.base().len(),
            style,
        );
    if word
        .chars()
        .nth(target)
        .and_then(chars::split_vowel)
        .is_some_and(|v| v.tone == a.tone)
    {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    for (i, c) in word.chars().enumerate() {
        match chars::split_vowel(c) {
            Some(v) if i == target => out.push(chars::with_tone(v, a.tone)),
            Some(v) => out.push(chars::with_tone(v, Tone::Level)),
            None => out.push(c),
        }
    }
    Some(out)
}

/// How much of a text is well-formed Vietnamese.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Quality {
    /// Words (runs of letters) seen.
    pub words: usize,
    /// Words that are well-formed Vietnamese syllables (or, without any mark, could be one).
    pub valid: usize,
    /// Words that carry a Vietnamese mark (tone, `ă â ê ô ơ ư`, `đ`).
    pub marked: usize,
}

impl Quality {
    /// Share of words that are valid syllables (1.0 for a text without words).
    pub fn valid_ratio(&self) -> f64 {
        if self.words == 0 {
            1.0
        } else {
            self.valid as f64 / self.words as f64
        }
    }
    /// Share of words that carry a mark (1.0 for a text without words).
    pub fn marked_ratio(&self) -> f64 {
        if self.words == 0 {
            1.0
        } else {
            self.marked as f64 / self.words as f64
        }
    }
    /// Looks like Vietnamese typed without diacritics: mostly valid syllables, few marks.
    pub fn looks_unaccented(&self) -> bool {
        self.words >= 4 && self.valid_ratio() >= 0.8 && self.marked_ratio() < 0.15
    }
    /// Looks damaged (OCR errors, wrong encoding, or not Vietnamese): under 80 % valid syllables.
    pub fn looks_damaged(&self) -> bool {
        self.words >= 3 && self.valid_ratio() < 0.8
    }
}

/// Scores a text: counts words, valid syllables and marked words.
///
/// ```
/// use duluan_vitext::syllable::quality;
/// assert!(quality("Người dân phản ánh về giá điện tăng cao").valid_ratio() > 0.99);
/// assert!(quality("Nguoi dan phan anh ve gia dien tang cao").looks_unaccented());
/// assert!(quality("Ng¬êi d©n ph¶n ¸nh vÒ gi¸ ®iÖn").looks_damaged());
/// ```
pub fn quality(text: &str) -> Quality {
    let mut q = Quality::default();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if word.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        q.words += 1;
        if word.chars().any(chars::has_mark) {
            q.marked += 1;
            if is_valid(word) {
                q.valid += 1;
            }
        } else if is_valid(word) || is_valid_folded(word) {
            q.valid += 1;
        }
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_place(input: &str, style: ToneStyle, expected: &str) {
        assert_eq!(
            place_tone(input, style).unwrap_or_else(|| input.to_string()),
            expected,
            "{input} {style:?}"
        );
    }

    #[test]
    fn tone_placement_both_conventions() {
        use ToneStyle::{New, Old};
        for (new, old) in [
            ("hoà", "hòa"),
            ("thuỷ", "thủy"),
            ("khoẻ", "khỏe"),
            ("Hoá", "Hóa"),
            ("HOÀ", "HÒA"),
            ("loã", "lõa"),
            ("tuý", "túy"),
            ("oà", "òa"),
            ("xoè", "xòe"),
        ] {
            check_place(new, Old, old);
            check_place(old, Old, old);
            check_place(old, New, new);
            check_place(new, New, new);
        }
        for (word, canon) in [
            ("hoàng", "hoàng"),
            ("hòang", "hoàng"),
            ("toán", "toán"),
            ("quý", "quý"),
            ("qúy", "quý"),
            ("quả", "quả"),
            ("qủa", "quả"),
            ("giả", "giả"),
            ("gỉa", "giả"),
            ("gìn", "gìn"),
            ("giữa", "giữa"),
            ("người", "người"),
            ("ngừơi", "người"),
            ("rượu", "rượu"),
            ("của", "của"),
            ("cuả", "của"),
            ("mùa", "mùa"),
            ("khuya", "khuya"),
            ("khuỷu", "khuỷu"),
            ("thuở", "thuở"),
            ("quyết", "quyết"),
            ("khuyến", "khuyến"),
            ("nguyễn", "nguyễn"),
            ("ngoài", "ngoài"),
            ("ngòai", "ngoài"),
            ("Việt", "Việt"),
            ("VIỂT", "VIỂT"),
            ("tiếng", "tiếng"),
            ("quỳnh", "quỳnh"),
            ("huỳnh", "huỳnh"),
            ("hùynh", "huỳnh"),
            ("xuân", "xuân"),
            ("khoắng", "khoắng"),
        ] {
            check_place(word, Old, canon);
            check_place(word, New, canon);
        }
    }

    #[test]
    fn parser_parts() {
        let p = |w: &str| {
            parse(w).map(|s| format!("{}|{}|{}|{:?}", s.initial, s.vowels, s.coda, s.tone))
        };
        assert_eq!(p("quốc").unwrap(), "qu|ô|c|Acute");
        assert_eq!(p("giường").unwrap(), "gi|ươ|ng|Grave");
        assert_eq!(p("gì").unwrap(), "g|i||Grave");
        assert_eq!(p("anh").unwrap(), "|a|nh|Level");
        assert_eq!(p("Đường").unwrap(), "đ|ươ|ng|Grave");
        assert_eq!(p("nghiêng").unwrap(), "ngh|iê|ng|Level");
    }

    #[test]
    fn validator() {
        for ok in [
            "yêu", "uống", "khuya", "oanh", "quyển", "nghĩ", "kẻ", "gà", "ghế", "thuở", "ạ", "ừ",
            "xoong", "ân", "ăm", "âu", "sông",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for (bad, why) in [
            ("", Invalid::NotLetters),
            ("hello", Invalid::BadCoda),
            ("xyz", Invalid::NotLetters),
            ("bkav", Invalid::BadInitial),
            ("tàt", Invalid::BadCombination),
            ("ka", Invalid::BadCombination),
            ("ngi", Invalid::BadCombination),
            ("áà", Invalid::SeveralTones),
            ("aul", Invalid::BadCoda),
            ("ât", Invalid::BadCombination),
            ("ghô", Invalid::BadCombination),
            ("ơp", Invalid::BadCombination),
            ("win", Invalid::NotLetters),
            ("1a", Invalid::NotLetters),
            ("bcd", Invalid::NoVowel),
        ] {
            assert_eq!(parse(bad), Err(why), "{bad}");
        }
    }

    #[test]
    fn quality_flags() {
        let q = quality("Người dân phường Ninh Kiều lo lắng về ngập úng");
        assert_eq!(q.words, 10);
        assert!(q.valid_ratio() > 0.99 && !q.looks_unaccented() && !q.looks_damaged());
        assert!(quality("Nguoi dan phuong Ninh Kieu lo lang ve ngap ung").looks_unaccented());
        assert!(quality("Nguòi dâ'n phuwòng Ninh Kiêuf lo lăngs").looks_damaged());
        assert_eq!(quality("").words, 0);
    }
}
