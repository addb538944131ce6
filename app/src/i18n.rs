//! Languages and UI strings. Every visible string comes from `app/locales/{sv,en}.json`.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Sv, Lang::En];
    /// Name of the cookie that remembers the language per browser.
    pub const COOKIE: &'static str = "portal_lang";

    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "sv" | "sv-se" => Some(Lang::Sv),
            "en" | "en-gb" | "en-us" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's own name, shown in the switch whatever the current language is.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::Sv => "Svenska",
            Lang::En => "English",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Sv => Lang::En,
            Lang::En => Lang::Sv,
        }
    }

    /// Picks the language for a request: the remembered choice first, then the browser's
    /// `Accept-Language` preference (in order of quality), then Swedish.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(Lang::parse) {
            return lang;
        }
        let mut offers: Vec<(f32, Lang)> = accept_language
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let primary = tag.split('-').next()?;
                let lang = Lang::parse(primary)?;
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((quality, lang))
            })
            .collect();
        offers.sort_by(|a, b| b.0.total_cmp(&a.0));
        offers.first().map(|(_, lang)| *lang).unwrap_or_default()
    }
}

fn parse_catalogue(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).expect("translation files are valid JSON objects of strings")
}

static SV: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse_catalogue(include_str!("../locales/sv.json")));
static EN: LazyLock<HashMap<String, String>> =
    LazyLock::new(|| parse_catalogue(include_str!("../locales/en.json")));

fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    match lang {
        Lang::Sv => &SV,
        Lang::En => &EN,
    }
}

/// Looks up a UI string. A missing key shows itself, which the translation tests catch.
pub fn translate(lang: Lang, key: &str) -> String {
    catalogue(lang).get(key).cloned().unwrap_or_else(|| key.to_owned())
}

/// Looks up a UI string for a value that may have no translation of its own (an event
/// action recorded by a later release, say): the value itself is shown then.
pub fn translate_or(lang: Lang, key: &str, fallback: &str) -> String {
    catalogue(lang).get(key).cloned().unwrap_or_else(|| fallback.to_owned())
}

/// A stored RFC 3339 UTC time as people read it: `2026-11-23 03:20:28 UTC`.
pub fn display_utc(timestamp: &str) -> String {
    format!("{} UTC", timestamp.chars().take(19).collect::<String>().replace('T', " "))
}

/// The current language, provided as context at the root of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct I18n {
    pub lang: Lang,
}

impl I18n {
    pub fn t(&self, key: &str) -> String {
        translate(self.lang, key)
    }

    /// Translates a key and fills `{name}` placeholders.
    pub fn t_with(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key);
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }
}

pub fn use_i18n() -> I18n {
    leptos::prelude::use_context::<I18n>().unwrap_or_default()
}

impl Default for I18n {
    fn default() -> Self {
        I18n { lang: Lang::Sv }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    #[test]
    fn remembered_choice_beats_browser_preference() {
        assert_eq!(Lang::negotiate(Some("en"), Some("sv-SE,sv;q=0.9")), Lang::En);
    }

    #[test]
    fn browser_preference_is_ordered_by_quality() {
        assert_eq!(Lang::negotiate(None, Some("de;q=1.0, sv;q=0.5, en;q=0.8")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("sv-SE")), Lang::Sv);
    }

    #[test]
    fn swedish_is_the_default() {
        assert_eq!(Lang::negotiate(None, None), Lang::Sv);
        assert_eq!(Lang::negotiate(Some("xx"), Some("fr")), Lang::Sv);
    }

    #[test]
    fn times_show_to_the_second() {
        assert_eq!(display_utc("2026-11-23T03:20:28.435126Z"), "2026-11-23 03:20:28 UTC");
    }

    #[test]
    fn placeholders_are_filled() {
        let i = I18n { lang: Lang::En };
        let text = i.t_with("home.cohorts_count", &[("count", "8")]);
        assert!(text.contains('8'), "{text}");
    }

    #[test]
    fn both_languages_have_the_same_keys() {
        let sv: BTreeSet<_> = SV.keys().collect();
        let en: BTreeSet<_> = EN.keys().collect();
        let only_sv: Vec<_> = sv.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&sv).collect();
        assert!(only_sv.is_empty() && only_en.is_empty(), "only in sv: {only_sv:?}; only in en: {only_en:?}");
        assert!(SV.values().chain(EN.values()).all(|v| !v.trim().is_empty()));
    }

    /// Every literal key the code asks for (through `t`, `t_with` or a `tr_key` field) exists
    /// in both files.
    #[test]
    fn every_key_used_in_the_code_is_translated() {
        let mut missing = Vec::new();
        let mut used = 0;
        visit(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")), &mut |source| {
            for marker in [".t(\"", ".t_with(\"", "tr_key: \""] {
                for piece in source.split(marker).skip(1) {
                    let key = piece.split('"').next().unwrap_or_default();
                    used += 1;
                    if !SV.contains_key(key) || !EN.contains_key(key) {
                        missing.push(key.to_owned());
                    }
                }
            }
        });
        assert!(used > 20, "the scan found only {used} keys: the pattern is broken");
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    /// Every message key the agreement's rules refuse or warn with (string literals of the
    /// kernel's agreement module) exists in both files.
    #[test]
    fn every_agreement_message_key_is_translated() {
        let mut missing = Vec::new();
        let mut used = 0;
        let kernel = concat!(env!("CARGO_MANIFEST_DIR"), "/kernel/src/agreement");
        visit(Path::new(kernel), &mut |source| {
            for marker in ["\"agreement.", "\"form."] {
                for piece in source.split(marker).skip(1) {
                    let rest = piece.split('"').next().unwrap_or_default();
                    // A literal ending in a dot is a prefix (`"agreement.role."`), not a key.
                    if rest.is_empty()
                        || rest.ends_with('.')
                        || !rest.chars().all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
                    {
                        continue;
                    }
                    let key = format!("{}{rest}", &marker[1..]);
                    used += 1;
                    if !SV.contains_key(&key) || !EN.contains_key(&key) {
                        missing.push(key);
                    }
                }
            }
        });
        assert!(used > 40, "the scan found only {used} keys: the pattern is broken");
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    /// Keys put together at run time (sort orders, facets, outcomes, messages of errors).
    #[test]
    fn every_built_key_is_translated() {
        let mut keys = crate::catalogue::pages::dynamic_translation_keys();
        keys.extend(crate::cohort_access::pages::dynamic_translation_keys());
        keys.extend(crate::co_creation::pages::dynamic_translation_keys());
        keys.extend(crate::notifications::views::dynamic_translation_keys());
        keys.extend(crate::agreements::pages::dynamic_translation_keys());
        keys.extend(
            ["catalogue.bad_query", "catalogue.no_catalogue_url", "catalogue.harvest_running"]
                .map(String::from),
        );
        keys.extend(
            [
                "required",
                "too_long",
                "invalid_email",
                "invalid_url",
                "https_required",
                "unknown_choice",
                "invalid_date",
            ]
            .map(|k| format!("form.{k}")),
        );
        keys.extend(
            [
                "disease_required",
                "period_order",
                "period_past",
                "period_too_long",
                "ethics_reference",
                "date_future",
                "ethics_pdf_required",
            ]
            .map(|k| format!("application.{k}")),
        );
        let missing: Vec<_> =
            keys.iter().filter(|k| !SV.contains_key(k.as_str()) || !EN.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
    }

    #[test]
    fn every_sign_in_failure_is_explained() {
        for code in crate::identity::api::SIGN_IN_FAILURES {
            let key = format!("signin.failure.{code}");
            assert!(SV.contains_key(&key) && EN.contains_key(&key), "{key}");
        }
    }

    fn visit(dir: &Path, f: &mut dyn FnMut(&str)) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, f);
            } else if path.extension().is_some_and(|e| e == "rs") {
                f(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
}
