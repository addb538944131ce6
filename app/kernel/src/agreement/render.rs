//! The agreement's text: each clause of the model (or as the parties rewrote it), in the
//! agreement's language, its placeholders filled from the typed data. The canonical text
//! that is signed and the printable agreement both come from here.

use super::model::{DelayGround, Heading, Language, Placeholder, fill};
use super::schedule::ObligationKind;
use super::terms::{Content, PartyRole};
use crate::ids::OrganisationId;

/// The clauses in the order of the headings, filled. A clause's text was checked when
/// the model was chosen or the clause negotiated, so filling cannot fail; should it, the
/// template is kept as written rather than lost.
pub fn clauses(content: &Content, language: Language) -> Vec<(Heading, String)> {
    Heading::ALL
        .iter()
        .filter_map(|heading| {
            let negotiated = content.terms.negotiated.get(heading);
            let model = content.model.as_ref().and_then(|m| m.clause(*heading)).map(|c| &c.body);
            let template = negotiated.or(model)?.get(language);
            let text =
                fill(template, |p| value(content, p, language)).unwrap_or_else(|_| template.to_owned());
            Some((*heading, text))
        })
        .collect()
}

fn pick(language: Language, sv: &'static str, en: &'static str) -> &'static str {
    match language {
        Language::Sv => sv,
        Language::En => en,
    }
}

fn role_label(role: PartyRole, language: Language) -> &'static str {
    match role {
        PartyRole::Coordinator => pick(language, "koordinator", "coordinator"),
        PartyRole::LeadExploitationParty => {
            pick(language, "ledande exploaterande part", "lead exploitation party")
        }
        PartyRole::Partner => pick(language, "part", "partner"),
        PartyRole::AssociatedPartner => pick(language, "associerad part", "associated partner"),
    }
}

fn obligation_label(kind: ObligationKind, language: Language) -> &'static str {
    match kind {
        ObligationKind::ProgressReport => pick(language, "Lägesrapport", "Progress report"),
        ObligationKind::FinancialReport => pick(language, "Ekonomisk rapport", "Financial report"),
        ObligationKind::PublicationNotice => pick(language, "Publiceringsanmälan", "Publication notice"),
        ObligationKind::ExploitationReport => {
            pick(language, "Rapport om nyttiggörande", "Exploitation report")
        }
        ObligationKind::AuditorCertificate => pick(language, "Revisorsintyg", "Auditor's certificate"),
    }
}

fn ground_label(ground: DelayGround, language: Language) -> &'static str {
    match ground {
        DelayGround::PatentFiling => pick(language, "patentansökan", "a patent filing"),
        DelayGround::ConfidentialBackground => {
            pick(language, "konfidentiell bakgrundsinformation", "confidential background")
        }
        DelayGround::ConfidentialInformation => {
            pick(language, "konfidentiell information", "confidential information")
        }
    }
}

/// An amount in kronor as each language writes it: "1 234 567 kr", "SEK 1,234,567".
pub fn sek(amount: i64, language: Language) -> String {
    let digits = amount.unsigned_abs().to_string();
    let separator = pick(language, " ", ",");
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push_str(separator);
        }
        grouped.push(digit);
    }
    let sign = if amount < 0 { "-" } else { "" };
    match language {
        Language::Sv => format!("{sign}{grouped} kr"),
        Language::En => format!("{sign}SEK {grouped}"),
    }
}

/// A basis-point share as a percentage with one decimal: "42,9 %", "42.9%".
fn percent(share_bp: i64, language: Language) -> String {
    let tenths = (share_bp + 5) / 10;
    match language {
        Language::Sv => format!("{},{} %", tenths / 10, tenths % 10),
        Language::En => format!("{}.{}%", tenths / 10, tenths % 10),
    }
}

fn list(items: Vec<String>, language: Language) -> String {
    if items.is_empty() {
        return pick(language, "Inga.", "None.").to_owned();
    }
    items.into_iter().map(|i| format!("- {i}")).collect::<Vec<_>>().join("\n")
}

fn or_dash(text: &str) -> String {
    if text.trim().is_empty() { "—".to_owned() } else { text.trim().to_owned() }
}

/// The text a placeholder stands for in this version.
pub fn value(content: &Content, placeholder: Placeholder, language: Language) -> String {
    let terms = &content.terms;
    let name_of = |organisation: OrganisationId| {
        terms.party(organisation).map(|p| p.name.trim().to_owned()).unwrap_or_default()
    };
    let money = terms.money().ok();
    let publication = content.model.as_ref().map(|m| &m.publication);
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_else(|| "—".to_owned());
    match placeholder {
        Placeholder::Title => or_dash(&terms.title),
        Placeholder::Purpose => or_dash(&terms.purpose),
        Placeholder::Parties => list(
            terms
                .parties
                .iter()
                .map(|p| {
                    let number = p.organisation_number.trim();
                    format!("{} ({number}), {}", p.name.trim(), role_label(p.role, language))
                })
                .collect(),
            language,
        ),
        Placeholder::Coordinator => or_dash(&terms.coordinator().map(|p| p.name.clone()).unwrap_or_default()),
        Placeholder::LeadExploitationParty => {
            or_dash(&terms.lead_exploitation_party().map(|p| p.name.clone()).unwrap_or_default())
        }
        Placeholder::StartDate => date(terms.start),
        Placeholder::EndDate => date(terms.end),
        Placeholder::TotalBudget => money.map(|m| sek(m.total.0, language)).unwrap_or_else(|| "—".into()),
        Placeholder::IndustryContribution => {
            money.map(|m| sek(m.industry.0, language)).unwrap_or_else(|| "—".into())
        }
        Placeholder::PublicFunding => money
            .map(|m| sek(m.public_grants.0.saturating_add(m.public_cofinancing.0), language))
            .unwrap_or_else(|| "—".into()),
        Placeholder::Contributions => match money {
            Some(m) => list(
                m.parties
                    .iter()
                    .map(|p| {
                        let (total, share) =
                            (sek(p.total.0, language), percent(i64::from(p.share_bp), language));
                        format!("{}: {total} ({share})", name_of(p.party))
                    })
                    .collect(),
                language,
            ),
            None => "—".into(),
        },
        Placeholder::Background => list(
            terms
                .background
                .iter()
                .map(|b| {
                    let (owner, limits, use_, exploit) = match language {
                        Language::Sv => ("ägare", "begränsningar", "användning i projektet", "nyttiggörande"),
                        Language::En => ("owner", "restrictions", "use in the project", "exploitation"),
                    };
                    format!(
                        "{}: {}. {owner}: {}; {limits}: {}; {use_}: {}; {exploit}: {}",
                        name_of(b.party),
                        b.what.trim(),
                        or_dash(&b.owner),
                        or_dash(&b.restrictions),
                        or_dash(&b.project_use),
                        or_dash(&b.exploitation)
                    )
                })
                .collect(),
            language,
        ),
        Placeholder::ForegroundExceptions => list(
            terms
                .foreground_exceptions
                .iter()
                .map(|e| format!("{} → {}: {}", e.result.trim(), name_of(e.owner), or_dash(&e.terms)))
                .collect(),
            language,
        ),
        Placeholder::CostOfDevelopedGoods => or_dash(&terms.cost_of_developed_goods),
        Placeholder::Milestones => list(
            terms
                .milestones
                .iter()
                .map(|m| {
                    let (code, title, due, who) =
                        (m.code.trim(), m.title.trim(), m.due, name_of(m.responsible));
                    format!("{code} {title}, {due}, {who}: {}", or_dash(&m.acceptance))
                })
                .collect(),
            language,
        ),
        Placeholder::Obligations => list(
            terms
                .obligations
                .iter()
                .map(|o| {
                    let every = match (o.every_months, language) {
                        (0, Language::Sv) => "en gång".to_owned(),
                        (0, Language::En) => "once".to_owned(),
                        (n, Language::Sv) => format!("var {n}:e månad"),
                        (n, Language::En) => format!("every {n} months"),
                    };
                    let kind = obligation_label(o.kind, language);
                    format!("{} {kind}, {}, {every}, {}", o.code.trim(), o.first_due, name_of(o.responsible))
                })
                .collect(),
            language,
        ),
        Placeholder::Researchers => list(
            terms
                .researchers
                .iter()
                .map(|r| format!("{}, {}", r.name.trim(), name_of(r.university)))
                .collect(),
            language,
        ),
        Placeholder::TrlStart => terms.trl_start.map(|t| t.to_string()).unwrap_or_else(|| "—".into()),
        Placeholder::NoticeDays => publication.map(|p| p.notice_days.to_string()).unwrap_or_default(),
        Placeholder::ObjectionDays => publication.map(|p| p.objection_days.to_string()).unwrap_or_default(),
        Placeholder::LongestDelayDays => {
            publication.map(|p| p.longest_delay_days.to_string()).unwrap_or_default()
        }
        Placeholder::DeemedConsent => match publication.map(|p| p.deemed_consent) {
            Some(true) => pick(
                language,
                "Tystnad inom fristen räknas som samtycke.",
                "Silence within the window counts as consent.",
            ),
            Some(false) => {
                pick(language, "Samtycke ska ges skriftligen.", "Consent must be given in writing.")
            }
            None => "",
        }
        .to_owned(),
        Placeholder::DelayGrounds => {
            let grounds: Vec<&str> = publication
                .map(|p| p.grounds.iter().map(|g| ground_label(*g, language)).collect())
                .unwrap_or_default();
            if grounds.is_empty() { "—".to_owned() } else { grounds.join(", ") }
        }
        Placeholder::Annexes => list(
            terms
                .annexes
                .iter()
                .map(|a| {
                    let marking = if a.confidential {
                        pick(language, " (konfidentiell)", " (confidential)")
                    } else {
                        ""
                    };
                    format!("{}{marking}", a.title.trim())
                })
                .collect(),
            language,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn amounts_and_lists_read_as_each_language_writes_them() {
        assert_eq!(sek(1_234_567, Language::Sv), "1 234 567 kr");
        assert_eq!(sek(1_234_567, Language::En), "SEK 1,234,567");
        assert_eq!(sek(999, Language::Sv), "999 kr");
        assert_eq!(sek(-1_000, Language::En), "-SEK 1,000");
        assert_eq!(percent(4_286, Language::Sv), "42,9 %");
        assert_eq!(list(vec![], Language::En), "None.");
    }

    #[test]
    fn every_clause_is_filled_from_the_data() {
        let content = fixtures::content();
        for language in Language::ALL {
            let clauses = clauses(&content, *language);
            assert!(clauses.len() >= Heading::REQUIRED.len());
            for (heading, text) in &clauses {
                assert!(!text.contains("{{"), "{heading:?} left a placeholder: {text}");
            }
        }
        let sv = clauses(&content, Language::Sv);
        let parties = &sv.iter().find(|(h, _)| *h == Heading::Parties).unwrap().1;
        assert!(parties.contains("Exempelbolaget AB (556000-0001), koordinator"), "{parties}");
        let mut negotiated = content.clone();
        negotiated.terms.negotiated.insert(
            Heading::Publication,
            super::super::model::Bilingual::new(
                "Publicering efter {{notice_days}} dagar.",
                "After {{notice_days}} days.",
            ),
        );
        let en = clauses(&negotiated, Language::En);
        assert!(en.iter().any(|(h, t)| *h == Heading::Publication && t == "After 30 days."));
    }
}
