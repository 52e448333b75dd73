//! One translation mechanism for every user-visible string: Fluent messages compiled into the
//! binary from `locales/vi/*.ftl` (the default) and `locales/en/*.ftl`.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};
use unic_langid::langid;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "vi",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static VI: LanguageIdentifier = langid!("vi");
static EN: LanguageIdentifier = langid!("en");

/// A language of the user interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// Vietnamese, the default.
    #[default]
    Vi,
    /// English.
    En,
}

impl Lang {
    /// Every supported language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The short code (`vi`, `en`) stored in settings and cookies.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Parses a short code; anything unknown is `None`.
    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Vi => &VI,
            Lang::En => &EN,
        }
    }
}

/// A translator for one language; cheap to copy into every template.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tr(pub Lang);

impl Tr {
    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(self.0.id(), key)
    }

    /// The message `key` with named arguments.
    pub fn ta(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(self.0.id(), key, &map)
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every message key of every `.ftl` file of a language, and the files' text.
    fn messages(lang: &str) -> (Vec<String>, String) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut keys = Vec::new();
        let mut all = String::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            keys.extend(
                text.lines()
                    .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && !l.starts_with('.'))
                    .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
                    .filter(|k| !k.is_empty()),
            );
            all.push_str(&text);
        }
        (keys, all)
    }

    #[test]
    fn both_languages_define_the_same_messages() {
        let mut vi = messages("vi").0;
        let mut en = messages("en").0;
        vi.sort();
        en.sort();
        assert!(vi.len() > 20);
        let only_vi: Vec<_> = vi.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !vi.contains(k)).collect();
        assert!(only_vi.is_empty(), "missing in en: {only_vi:?}");
        assert!(only_en.is_empty(), "missing in vi: {only_en:?}");
        let mut dedup = vi.clone();
        dedup.dedup();
        assert_eq!(dedup.len(), vi.len(), "a key is defined twice");
    }

    #[test]
    fn vietnamese_messages_are_nfc() {
        use unicode_normalization::UnicodeNormalization;
        let text = messages("vi").1;
        let nfc: String = text.nfc().collect();
        assert_eq!(text, nfc);
    }

    #[test]
    fn messages_are_found_in_both_languages() {
        assert_eq!(Tr(Lang::Vi).t("nav-orgs"), "Tổ chức");
        assert_eq!(Tr(Lang::En).t("nav-orgs"), "Organisation");
    }
}
