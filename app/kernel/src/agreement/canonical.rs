//! The canonical text of an agreement version: what is signed and hashed. Every field of
//! the typed data, the model's id, version and rules, and each clause as filled, in a
//! fixed order, one `path: value` line each (a value's further lines indented by two
//! spaces); then normalised (Unicode NFC, LF line ends, no trailing spaces, one final
//! newline) and hashed with SHA-256. Same data, same hash; any change, another hash.
//!
//! The same list of entries gives the field-by-field and clause-by-clause difference
//! between two versions ([`diff`]), so what is shown as changed is what the hash covers.

use crate::ids::AgreementId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use unicode_normalization::UnicodeNormalization;

use super::model::Heading;
use super::money::ContributionKind;
use super::render;
use super::terms::Content;

/// The first line of every canonical text: what it is, and the form's revision.
pub const FORMAT: &str = "portal agreement canonical text 1";

/// One field of a version: its path ("party.17.name", "clause.publication") and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub path: String,
    pub value: String,
}

/// Collects entries with paths made unique (a draft may name one party twice).
#[derive(Default)]
struct Entries {
    list: Vec<Entry>,
    seen: BTreeSet<String>,
}

impl Entries {
    fn put(&mut self, path: String, value: impl ToString) {
        let mut unique = path.clone();
        let mut n = 2;
        while !self.seen.insert(unique.clone()) {
            unique = format!("{path}#{n}");
            n += 1;
        }
        self.list.push(Entry { path: unique, value: value.to_string().trim().to_owned() });
    }

    fn flag(&mut self, path: String, value: bool) {
        self.put(path, if value { "yes" } else { "no" });
    }

    fn maybe(&mut self, path: String, value: Option<impl ToString>) {
        self.put(path, value.map(|v| v.to_string()).unwrap_or_default());
    }
}

/// A code as a path segment, percent-encoded past letters, digits, `-` and `_`, so two
/// codes never meet in one path and no code breaks a line.
fn key(code: &str) -> String {
    let mut out = String::new();
    for byte in code.trim().bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_' {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The version's fields in the canonical order.
pub fn entries(content: &Content) -> Vec<Entry> {
    let mut e = Entries::default();
    if let Some(model) = &content.model {
        e.put("model.id".into(), model.id);
        e.put("model.version".into(), model.version);
        e.put("model.name.sv".into(), &model.name.sv);
        e.put("model.name.en".into(), &model.name.en);
        e.put("model.ip_rule".into(), model.ip_rule.code());
        let p = &model.publication;
        e.flag("model.publication.research_may_publish".into(), p.research_may_publish);
        e.put("model.publication.notice_days".into(), p.notice_days);
        e.put("model.publication.objection_days".into(), p.objection_days);
        e.put("model.publication.longest_delay_days".into(), p.longest_delay_days);
        e.flag("model.publication.deemed_consent".into(), p.deemed_consent);
        let grounds: Vec<&str> = p.grounds.iter().map(|g| g.code()).collect();
        e.put("model.publication.grounds".into(), grounds.join(","));
    } else {
        e.put("model".into(), "");
    }
    let t = &content.terms;
    e.put("title".into(), &t.title);
    e.put("purpose".into(), &t.purpose);
    e.put("language".into(), t.language.code());
    e.maybe("start".into(), t.start);
    e.maybe("end".into(), t.end);
    e.put("research_category".into(), t.research_category.code());
    e.flag("market_price_paid".into(), t.market_price_paid);
    e.maybe("trl_start".into(), t.trl_start);
    e.put("cost_of_developed_goods".into(), &t.cost_of_developed_goods);
    for party in &t.parties {
        let at = format!("party.{}", party.organisation);
        e.put(format!("{at}.name"), &party.name);
        e.put(format!("{at}.kind"), party.kind.code());
        e.put(format!("{at}.organisation_number"), &party.organisation_number);
        e.put(format!("{at}.role"), party.role.code());
        e.maybe(format!("{at}.size"), party.size.map(|s| s.code()));
        for s in &party.signatories {
            let at = format!("{at}.signatory.{}", s.person);
            e.put(format!("{at}.name"), &s.name);
            e.put(format!("{at}.title"), &s.title);
            e.put(format!("{at}.authority"), s.authority.code());
            e.put(format!("{at}.step"), s.step);
        }
    }
    for r in &t.researchers {
        e.put(format!("researcher.{}.name", r.person), &r.name);
        e.put(format!("researcher.{}.university", r.person), r.university);
    }
    for (i, c) in t.contributions.iter().enumerate() {
        let at = format!("contribution.{i}");
        e.put(format!("{at}.party"), c.party);
        e.put(format!("{at}.year"), c.year);
        match c.kind {
            ContributionKind::Cash { amount } => e.put(format!("{at}.cash"), amount),
            ContributionKind::Hours { hours, rate } => {
                e.put(format!("{at}.hours"), format!("{hours} x {rate}"))
            }
            ContributionKind::Equipment { value } => e.put(format!("{at}.equipment"), value),
            ContributionKind::SamplesOrData { value } => e.put(format!("{at}.samples_or_data"), value),
        }
        e.put(format!("{at}.source"), c.source.code());
        e.put(format!("{at}.description"), &c.description);
    }
    for (i, b) in t.background.iter().enumerate() {
        let at = format!("background.{i}");
        e.put(format!("{at}.party"), b.party);
        e.put(format!("{at}.what"), &b.what);
        e.put(format!("{at}.owner"), &b.owner);
        e.put(format!("{at}.restrictions"), &b.restrictions);
        e.put(format!("{at}.project_use"), &b.project_use);
        e.put(format!("{at}.exploitation"), &b.exploitation);
        e.flag(format!("{at}.essential"), b.essential);
    }
    for (i, x) in t.foreground_exceptions.iter().enumerate() {
        e.put(format!("foreground_exception.{i}.result"), &x.result);
        e.put(format!("foreground_exception.{i}.owner"), x.owner);
        e.put(format!("foreground_exception.{i}.terms"), &x.terms);
    }
    for m in &t.milestones {
        let at = format!("milestone.{}", key(&m.code));
        e.put(format!("{at}.title"), &m.title);
        e.put(format!("{at}.kind"), m.kind.code());
        e.put(format!("{at}.due"), m.due);
        e.put(format!("{at}.responsible"), m.responsible);
        e.put(format!("{at}.acceptance"), &m.acceptance);
    }
    for o in &t.obligations {
        let at = format!("obligation.{}", key(&o.code));
        e.put(format!("{at}.kind"), o.kind.code());
        e.put(format!("{at}.responsible"), o.responsible);
        e.put(format!("{at}.first_due"), o.first_due);
        e.put(format!("{at}.every_months"), o.every_months);
        e.maybe(format!("{at}.until"), o.until);
    }
    for (i, a) in t.annexes.iter().enumerate() {
        e.put(format!("annex.{i}.title"), &a.title);
        e.put(format!("annex.{i}.attachment"), a.attachment);
        e.put(format!("annex.{i}.sha256"), &a.sha256);
        e.flag(format!("annex.{i}.confidential"), a.confidential);
    }
    for (heading, text) in render::clauses(content, t.language) {
        e.put(format!("clause.{}", heading.code()), text);
    }
    e.list
}

/// NFC, LF line ends, no trailing spaces or tabs, exactly one final newline.
pub fn normalise(text: &str) -> String {
    let composed: String = match unicode_normalization::is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => text.to_owned(),
        _ => text.nfc().collect(),
    };
    let unified = composed.replace("\r\n", "\n").replace('\r', "\n");
    let mut out: String =
        unified.lines().map(|l| l.trim_end_matches([' ', '\t'])).collect::<Vec<_>>().join("\n");
    let kept = out.trim_end_matches('\n').len();
    out.truncate(kept);
    out.push('\n');
    out
}

/// The text that is signed.
pub fn canonical_text(agreement: AgreementId, version: u32, content: &Content) -> String {
    let mut text = format!("{FORMAT}\nagreement: {agreement}\nversion: {version}\n");
    for entry in entries(content) {
        let mut lines = entry.value.split('\n');
        text.push_str(&entry.path);
        text.push(':');
        if let Some(first) = lines.next().filter(|l| !l.is_empty()) {
            text.push(' ');
            text.push_str(first);
        }
        text.push('\n');
        for line in lines {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
    }
    normalise(&text)
}

/// SHA-256 as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The hash of a version: what every signature of it names.
pub fn version_hash(agreement: AgreementId, version: u32, content: &Content) -> String {
    sha256_hex(canonical_text(agreement, version, content).as_bytes())
}

/// A hash in groups of four, for the signing page and the PDF footers.
pub fn grouped(hash: &str) -> String {
    let chars: Vec<char> = hash.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// One field that differs between two versions; `None` where it is absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One clause that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseChange {
    pub heading: Heading,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What changed from one version to another, field by field and clause by clause.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionDiff {
    pub fields: Vec<Change>,
    pub clauses: Vec<ClauseChange>,
}

impl VersionDiff {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.clauses.is_empty()
    }
}

/// The difference in the new version's order, then what the new one dropped.
pub fn diff(old: &Content, new: &Content) -> VersionDiff {
    let before: BTreeMap<String, String> = entries(old).into_iter().map(|e| (e.path, e.value)).collect();
    let after = entries(new);
    let after_paths: BTreeSet<&str> = after.iter().map(|e| e.path.as_str()).collect();
    let mut changes: Vec<Change> = after
        .iter()
        .filter(|e| before.get(&e.path) != Some(&e.value))
        .map(|e| Change {
            path: e.path.clone(),
            before: before.get(&e.path).cloned(),
            after: Some(e.value.clone()),
        })
        .collect();
    changes.extend(
        entries(old).into_iter().filter(|e| !after_paths.contains(e.path.as_str())).map(|e| Change {
            path: e.path,
            before: Some(e.value),
            after: None,
        }),
    );
    let mut result = VersionDiff::default();
    for change in changes {
        match change.path.strip_prefix("clause.").and_then(Heading::parse) {
            Some(heading) => {
                result.clauses.push(ClauseChange { heading, before: change.before, after: change.after })
            }
            None => result.fields.push(change),
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::super::model::Bilingual;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_become_path_segments_that_never_meet() {
        assert_eq!(key("M1"), "M1");
        assert_eq!(key("D2.1"), "D2%2E1");
        assert_ne!(key("M 1"), key("M_1"));
        assert_eq!(key("a\nb: c"), "a%0Ab%3A%20c");
    }

    #[test]
    fn normalising_composes_and_trims() {
        assert_eq!(
            normalise("A\u{030A}ngstr\u{00F6}m  \r\nrad två\t\rslut\n\n\n"),
            "Ångström\nrad två\nslut\n"
        );
        assert_eq!(grouped("abcdef0123"), "abcd ef01 23");
    }

    #[test]
    fn the_text_is_fixed_and_the_hash_lowercase_hex() {
        let content = fixtures::content();
        let text = canonical_text(AgreementId(7), 2, &content);
        assert!(text.starts_with("portal agreement canonical text 1\nagreement: 7\nversion: 2\nmodel.id: "));
        assert!(text.contains("\nparty.10.name: Exempelbolaget AB\n"), "{text}");
        assert!(!text.contains(" \n") && !text.contains('\r'));
        let hash = version_hash(AgreementId(7), 2, &content);
        assert!(super::super::terms::is_sha256_hex(&hash));
        assert_eq!(hash, sha256_hex(text.as_bytes()));
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_ne!(hash, version_hash(AgreementId(7), 3, &content), "the version number is part of it");
    }

    #[test]
    fn a_diff_names_the_fields_and_clauses_that_changed() {
        let old = fixtures::content();
        let mut new = old.clone();
        new.terms.title = "Ny titel".into();
        new.terms.milestones.pop();
        new.terms
            .negotiated
            .insert(Heading::Publication, Bilingual::new("Publicering fritt.", "Free publication."));
        let diff = diff(&old, &new);
        let paths: Vec<&str> = diff.fields.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths[0], "title");
        assert!(paths[1..].iter().all(|p| p.starts_with("milestone.M2.")), "{paths:?}");
        assert!(diff.fields[1..].iter().all(|c| c.after.is_none()));
        let headings: Vec<Heading> = diff.clauses.iter().map(|c| c.heading).collect();
        assert!(headings.contains(&Heading::Publication), "{headings:?}");
        assert!(super::diff(&old, &old).is_empty());
    }

    /// One change to the data, chosen at random.
    fn mutate(content: &mut Content, which: usize, word: &str) {
        let t = &mut content.terms;
        match which % 12 {
            0 => t.title.push_str(word),
            1 => t.purpose = format!("{word} {}", t.purpose),
            2 => t.parties[0].name.push_str(word),
            3 => t.parties[1].signatories[0].step += 1,
            4 => t.contributions[0].year += 1,
            5 => t.background[0].restrictions.push_str(word),
            6 => t.milestones[0].acceptance.push_str(word),
            7 => t.researchers[0].name.push_str(word),
            8 => t.market_price_paid = !t.market_price_paid,
            9 => t.cost_of_developed_goods.push_str(word),
            10 => {
                if let Some(model) = content.model.as_mut() {
                    model.publication.notice_days += 1;
                }
            }
            _ => {
                t.negotiated.insert(Heading::Term, Bilingual::new(word, word));
            }
        }
    }

    proptest! {
        #[test]
        fn same_data_same_hash_any_change_another(which in 0usize..12, word in "[a-zA-Z0-9åäöÅÄÖ]{1,12}") {
            let content = fixtures::content();
            let hash = version_hash(AgreementId(1), 1, &content);
            let json = serde_json::to_string(&content).unwrap();
            let again: Content = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&hash, &version_hash(AgreementId(1), 1, &again));
            let mut changed = content.clone();
            mutate(&mut changed, which, &word);
            prop_assert_ne!(hash, version_hash(AgreementId(1), 1, &changed));
            prop_assert!(!diff(&content, &changed).is_empty());
        }
    }
}
