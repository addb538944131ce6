//! A signed version as a document to keep: its text, its parties and a signing
//! certificate, every label in the agreement's own language. The PDF (in `server`) lays
//! this out; nothing here knows about pages.

use super::views::DEMO_ISSUER;
use crate::i18n::{I18n, Lang};
use crate::time::stockholm_time;
use chrono::{DateTime, Utc};
use kernel::AgreementId;
use kernel::agreement::model::Language;
use kernel::agreement::signing::Capacity;
use kernel::agreement::{Agreement, canonical, render};

/// One signed version, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintedVersion {
    /// BCP 47, for the PDF's language tag.
    pub language: &'static str,
    pub title: String,
    /// "Agreement 12, version 2 · in force since …".
    pub subtitle: String,
    /// The SHA-256 of the canonical text, as signed.
    pub hash: String,
    /// Label and value lines under the title (model, period, purpose).
    pub facts: Vec<(String, String)>,
    pub parties_heading: String,
    /// A header row, then one row per party.
    pub parties: Vec<Vec<String>>,
    /// Each clause's heading and its filled text (Markdown).
    pub clauses: Vec<(String, String)>,
    pub certificate: Certificate,
    /// The first footer line, `{page}` and `{pages}` to fill.
    pub footer: String,
}

/// The last page: who signed, how they were authenticated, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Certificate {
    pub heading: String,
    pub lede: String,
    pub hash_label: String,
    /// One block of label and value lines per signature, in the order given.
    pub signatures: Vec<Vec<(String, String)>>,
    pub demo_note: Option<String>,
}

fn lang_of(language: Language) -> Lang {
    match language {
        Language::Sv => Lang::Sv,
        Language::En => Lang::En,
    }
}

fn time(at: DateTime<Utc>) -> String {
    stockholm_time(&crate::db::timestamp(at))
}

/// The version as printed, or `None` when it has not come into force (only a version
/// every signatory signed becomes a document).
pub fn printed(
    id: AgreementId,
    agreement: &Agreement,
    number: u32,
    in_force_at: DateTime<Utc>,
    public_url: &str,
) -> Option<PrintedVersion> {
    let version = agreement.version(number)?;
    let content = &version.content;
    let terms = &content.terms;
    let language = terms.language;
    let i = I18n { lang: lang_of(language) };
    let party_name =
        |o| terms.parties.iter().find(|p| p.organisation == o).map(|p| p.name.clone()).unwrap_or_default();
    let hash = canonical::version_hash(id, number, content);
    let id_text = id.to_string();
    let number_text = number.to_string();
    let mut facts = Vec::new();
    if let Some(model) = &content.model {
        facts.push((
            i.t("agreement.pdf.model"),
            format!(
                "{} ({} {})",
                model.name.get(language),
                i.t("agreement.pdf.model_version"),
                model.version
            ),
        ));
    }
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "–".into());
    facts.push((i.t("agreement.pdf.period"), format!("{} – {}", date(terms.start), date(terms.end))));
    if !terms.purpose.trim().is_empty() {
        facts.push((i.t("agreement.field.general.purpose"), terms.purpose.trim().to_owned()));
    }
    if let Ok(total) = terms.money().map(|m| m.total) {
        facts.push((i.t("agreement.pdf.total"), render::sek(total.0, language)));
    }
    let mut parties = vec![vec![
        i.t("agreement.field.parties.organisation"),
        i.t("agreement.field.parties.organisation_number"),
        i.t("agreement.pdf.kind"),
        i.t("agreement.field.parties.role"),
    ]];
    parties.extend(terms.parties.iter().map(|p| {
        vec![
            p.name.clone(),
            p.organisation_number.clone(),
            i.t(&format!("agreement.party_kind.{}", p.kind.code())),
            i.t(&format!("agreement.role.{}", p.role.code())),
        ]
    }));
    let signed: Vec<_> = agreement.signatures.iter().filter(|s| s.version == number).collect();
    let signatures = signed
        .iter()
        .map(|s| {
            let capacity = match s.capacity {
                Capacity::Party { organisation } => party_name(organisation),
                Capacity::Undertaking { university } => {
                    i.t_with("agreement.undertaking_for", &[("university", &party_name(university))])
                }
            };
            let mut lines = vec![
                (i.t("agreement.pdf.signer"), s.name.clone()),
                (i.t("agreement.pdf.capacity"), capacity),
            ];
            if let Some(authority) = s.authority {
                lines.push((
                    i.t("agreement.field.signatories.authority"),
                    i.t(&format!("agreement.authority.{}", authority.code())),
                ));
            }
            let method = [s.acr.clone().unwrap_or_default(), s.amr.join(", ")]
                .into_iter()
                .filter(|m| !m.is_empty())
                .collect::<Vec<_>>()
                .join(" · ");
            lines.extend([
                (i.t("agreement.pdf.issuer"), s.issuer.clone()),
                (i.t("agreement.pdf.subject"), s.subject.clone()),
                (i.t("agreement.pdf.method"), if method.is_empty() { "–".into() } else { method }),
                (i.t("agreement.pdf.requested_at"), time(s.requested_at)),
                (i.t("agreement.pdf.authenticated_at"), time(s.auth_time)),
                (i.t("agreement.pdf.signed_at"), time(s.server_time)),
                (i.t("agreement.pdf.client"), format!("{} · {}", s.ip, s.user_agent)),
                (i.t("agreement.pdf.chain"), kernel::agreement::signing::chain_hash(s)),
            ]);
            lines
        })
        .collect();
    let demo = signed.iter().any(|s| s.issuer == DEMO_ISSUER);
    let verify_url = format!("{}/agreements/verify", public_url.trim_end_matches('/'));
    Some(PrintedVersion {
        language: language_tag(language),
        title: if terms.title.trim().is_empty() {
            i.t("agreement.pdf.heading")
        } else {
            terms.title.trim().to_owned()
        },
        subtitle: i.t_with(
            "agreement.pdf.subtitle",
            &[("id", &id_text), ("version", &number_text), ("in_force", &time(in_force_at))],
        ),
        facts,
        parties_heading: i.t("agreement.pdf.parties"),
        parties,
        clauses: render::clauses(content, language)
            .into_iter()
            .map(|(heading, text)| (heading.title(language).to_owned(), text))
            .collect(),
        certificate: Certificate {
            heading: i.t("agreement.pdf.certificate"),
            lede: i.t_with("agreement.pdf.certificate_lede", &[("url", &verify_url)]),
            hash_label: i.t("agreement.pdf.hash"),
            signatures,
            demo_note: demo.then(|| i.t("agreement.pdf.demo")),
        },
        footer: i.t_with("agreement.pdf.footer", &[("id", &id_text), ("version", &number_text)]),
        hash,
    })
}

fn language_tag(language: Language) -> &'static str {
    match language {
        Language::Sv => "sv",
        Language::En => "en",
    }
}
