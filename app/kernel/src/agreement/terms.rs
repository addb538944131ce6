//! What an agreement says, as typed data: the parties and their signatories, the named
//! researchers whose undertakings lärarundantaget requires, the money, the cost of
//! developed goods, the background IP register, the foreground rule's exceptions, the
//! milestones and obligations, TRL at start, annexes and any clause the parties
//! negotiated. One [`Content`] is one version.
//!
//! Two levels of checking: [`Terms::check_bounds`] on every edit (every text bounded,
//! every date sane, every number in range), and [`Content::missing`] before a version is
//! sent (everything a signable agreement needs, and every reference resolved).

use crate::codes::{CompanySize, code_list};
use crate::dates;
use crate::ids::{AttachmentId, OrganisationId, PersonId};
use crate::workflow::text_fits;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::model::{Bilingual, CollaborationModel, ForegroundOwner, Heading, IpRule, Language, PartyKind};
use super::money::{
    self, AidTerms, Contribution, Contributor, MoneyError, ResearchCategory, StateAidWarning, Summary,
};
use super::schedule::{MAX_EVERY_MONTHS, Milestone, Obligation};

/// Longest title of the agreement, a milestone or an annex.
pub const MAX_TITLE: usize = 300;
/// Longest name (of a party, a signatory, a researcher) or signatory's title.
pub const MAX_NAME: usize = 200;
/// Longest organisation number (Swedish ones are 11 characters; foreign ones vary).
pub const MAX_ORGANISATION_NUMBER: usize = 30;
/// Longest short code (a milestone's, an obligation's).
pub const MAX_CODE: usize = 20;
/// Longest free text (purpose, terms, register entries, acceptance criteria).
pub const MAX_TEXT: usize = 5_000;
/// Longest link.
pub const MAX_LINK: usize = 2_000;
/// The most entries of any one list (parties, milestones, register entries, …).
pub const MAX_ITEMS: usize = 200;
/// The most signatories one party may have.
pub const MAX_SIGNATORIES: usize = 10;
/// The last step of the signing order.
pub const MAX_SIGNING_STEP: u8 = 20;

code_list!(
    /// A party's role in the project.
    PartyRole {
        Coordinator = "coordinator",
        LeadExploitationParty = "lead_exploitation_party",
        Partner = "partner",
        AssociatedPartner = "associated_partner",
    }
);

code_list!(
    /// On what authority a signatory binds their organisation.
    Authority {
        /// A company's registered signatory (firmatecknare).
        Statutory = "statutory",
        /// A university's or region's delegated signatory (delegation from rektor or board).
        Delegation = "delegation",
        PowerOfAttorney = "power_of_attorney",
    }
);

/// A person who signs for a party. Signatories sign in the order of `step`: every
/// signatory of a lower step first; those of one step in any order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signatory {
    pub person: PersonId,
    pub name: String,
    pub title: String,
    pub authority: Authority,
    pub step: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub organisation: OrganisationId,
    pub name: String,
    pub kind: PartyKind,
    pub organisation_number: String,
    pub role: PartyRole,
    /// A company's size under the EU definition; research organisations have none.
    pub size: Option<CompanySize>,
    pub signatories: Vec<Signatory>,
}

/// A named university researcher: under lärarundantaget they own what they invent, so
/// each signs an undertaking to their university before it grants rights to results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Researcher {
    pub person: PersonId,
    pub name: String,
    pub university: OrganisationId,
}

/// An entry of the background IP register: what a party brings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackgroundEntry {
    pub party: OrganisationId,
    pub what: String,
    pub owner: String,
    pub restrictions: String,
    /// On what terms the others may use it in the project.
    pub project_use: String,
    /// On what terms they may use it to exploit the results.
    pub exploitation: String,
    /// The project cannot run without it.
    pub essential: bool,
}

/// A result the parties agreed to give another owner than the model's rule would.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForegroundException {
    pub result: String,
    pub owner: OrganisationId,
    pub terms: String,
}

/// A file attached to the agreement; its SHA-256 goes into the signed text. A
/// confidential annex is marked so and shown to the parties and administrators only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annex {
    pub title: String,
    pub attachment: AttachmentId,
    pub sha256: String,
    pub confidential: bool,
}

/// The agreement's typed data, one version of it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    pub title: String,
    pub purpose: String,
    /// The language the agreement is signed in.
    pub language: Language,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub parties: Vec<Party>,
    pub researchers: Vec<Researcher>,
    pub contributions: Vec<Contribution>,
    pub research_category: ResearchCategory,
    /// The research organisations are paid the market price for their work.
    pub market_price_paid: bool,
    /// How the cost of what the project produces is shared, and on what terms the
    /// parties may buy or use it afterwards.
    pub cost_of_developed_goods: String,
    pub background: Vec<BackgroundEntry>,
    pub foreground_exceptions: Vec<ForegroundException>,
    pub milestones: Vec<Milestone>,
    pub obligations: Vec<Obligation>,
    /// From the proposal's assessed TRL.
    pub trl_start: Option<u8>,
    pub annexes: Vec<Annex>,
    /// Clauses the parties rewrote, in place of the model's.
    pub negotiated: BTreeMap<Heading, Bilingual>,
}

/// One version's whole content: the model it uses (a copy of that model version) and
/// the typed data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub model: Option<CollaborationModel>,
    pub terms: Terms,
}

/// What is wrong, where: the field, and the message's translation key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub field: String,
    pub key: &'static str,
}

impl Problem {
    pub fn new(field: impl Into<String>, key: &'static str) -> Problem {
        Problem { field: field.into(), key }
    }
}

/// Who owns a result once the rule and the exceptions are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "owner")]
pub enum ResultOwner {
    Party {
        organisation: OrganisationId,
    },
    /// The exploitation plan allocates it.
    ByExploitationPlan,
    /// The rule names a side the agreement lacks (no research organisation, no company).
    Unresolved,
}

fn check_text(field: &str, text: &str, max: usize, required: bool) -> Result<(), Problem> {
    if text_fits(text, max, required) {
        Ok(())
    } else if required && text.trim().is_empty() {
        Err(Problem::new(field, "form.required"))
    } else {
        Err(Problem::new(field, "form.too_long"))
    }
}

fn check_date(field: &str, date: NaiveDate) -> Result<(), Problem> {
    if dates::sane(date) { Ok(()) } else { Err(Problem::new(field, "form.date")) }
}

fn check_count(field: &str, count: usize, max: usize) -> Result<(), Problem> {
    if count <= max { Ok(()) } else { Err(Problem::new(field, "form.too_many")) }
}

/// A lowercase hex SHA-256.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Terms {
    pub fn party(&self, organisation: OrganisationId) -> Option<&Party> {
        self.parties.iter().find(|p| p.organisation == organisation)
    }

    pub fn coordinator(&self) -> Option<&Party> {
        self.parties.iter().find(|p| p.role == PartyRole::Coordinator)
    }

    pub fn lead_exploitation_party(&self) -> Option<&Party> {
        self.parties.iter().find(|p| p.role == PartyRole::LeadExploitationParty)
    }

    pub fn contributors(&self) -> Vec<Contributor> {
        self.parties
            .iter()
            .map(|p| Contributor { organisation: p.organisation, kind: p.kind, size: p.size })
            .collect()
    }

    /// The contributions added up.
    pub fn money(&self) -> Result<Summary, MoneyError> {
        money::summarise(&self.contributors(), &self.contributions)
    }

    /// Who owns `result`, made by `creator`, under `rule` and the agreed exceptions.
    pub fn owner_of_result(&self, rule: IpRule, creator: OrganisationId, result: &str) -> ResultOwner {
        if let Some(exception) = self.foreground_exceptions.iter().find(|e| e.result.trim() == result.trim())
        {
            return ResultOwner::Party { organisation: exception.owner };
        }
        let creator = self.party(creator);
        let first = |pick: fn(PartyKind) -> bool| {
            creator
                .filter(|p| pick(p.kind))
                .or_else(|| self.lead_exploitation_party().filter(|p| pick(p.kind)))
                .or_else(|| self.parties.iter().find(|p| pick(p.kind)))
        };
        let owner = match rule.foreground().owner {
            ForegroundOwner::AcademicSide => first(PartyKind::is_research_organisation),
            ForegroundOwner::Company => first(PartyKind::is_industry),
            ForegroundOwner::Creator => creator,
            ForegroundOwner::LeadExploitationParty => self.lead_exploitation_party(),
            ForegroundOwner::ByExploitationPlan => return ResultOwner::ByExploitationPlan,
        };
        owner.map_or(ResultOwner::Unresolved, |p| ResultOwner::Party { organisation: p.organisation })
    }

    /// Every text bounded, every date sane, every number in range: checked on each edit.
    pub fn check_bounds(&self) -> Result<(), Problem> {
        check_text("title", &self.title, MAX_TITLE, false)?;
        check_text("purpose", &self.purpose, MAX_TEXT, false)?;
        check_text("cost_of_developed_goods", &self.cost_of_developed_goods, MAX_TEXT, false)?;
        for (field, date) in [("start", self.start), ("end", self.end)] {
            date.map_or(Ok(()), |d| check_date(field, d))?;
        }
        if self.trl_start.is_some_and(|t| !(1..=9).contains(&t)) {
            return Err(Problem::new("trl_start", "form.trl"));
        }
        for (field, count) in [
            ("parties", self.parties.len()),
            ("researchers", self.researchers.len()),
            ("background", self.background.len()),
            ("foreground_exceptions", self.foreground_exceptions.len()),
            ("milestones", self.milestones.len()),
            ("obligations", self.obligations.len()),
            ("annexes", self.annexes.len()),
        ] {
            check_count(field, count, MAX_ITEMS)?;
        }
        for (i, party) in self.parties.iter().enumerate() {
            let field = |name: &str| format!("parties.{i}.{name}");
            check_text(&field("name"), &party.name, MAX_NAME, false)?;
            check_text(
                &field("organisation_number"),
                &party.organisation_number,
                MAX_ORGANISATION_NUMBER,
                false,
            )?;
            check_count(&field("signatories"), party.signatories.len(), MAX_SIGNATORIES)?;
            for (j, signatory) in party.signatories.iter().enumerate() {
                check_text(&field(&format!("signatories.{j}.name")), &signatory.name, MAX_NAME, false)?;
                check_text(&field(&format!("signatories.{j}.title")), &signatory.title, MAX_NAME, false)?;
                if !(1..=MAX_SIGNING_STEP).contains(&signatory.step) {
                    return Err(Problem::new(
                        field(&format!("signatories.{j}.step")),
                        "agreement.refused.step",
                    ));
                }
            }
        }
        for (i, researcher) in self.researchers.iter().enumerate() {
            check_text(&format!("researchers.{i}.name"), &researcher.name, MAX_NAME, false)?;
        }
        for (index, contribution) in self.contributions.iter().enumerate() {
            contribution.value(index).map_err(|e| {
                let column = match &e {
                    MoneyError::OutOfBounds { field: "value", .. } => ".amount".to_owned(),
                    MoneyError::OutOfBounds { field, .. } => format!(".{field}"),
                    _ => String::new(),
                };
                Problem::new(format!("contributions.{index}{column}"), e.message_key())
            })?;
        }
        check_count("contributions", self.contributions.len(), money::MAX_CONTRIBUTIONS)?;
        for (i, entry) in self.background.iter().enumerate() {
            for (name, text) in [
                ("what", &entry.what),
                ("owner", &entry.owner),
                ("restrictions", &entry.restrictions),
                ("project_use", &entry.project_use),
                ("exploitation", &entry.exploitation),
            ] {
                check_text(&format!("background.{i}.{name}"), text, MAX_TEXT, false)?;
            }
        }
        for (i, exception) in self.foreground_exceptions.iter().enumerate() {
            check_text(&format!("foreground_exceptions.{i}.result"), &exception.result, MAX_TITLE, false)?;
            check_text(&format!("foreground_exceptions.{i}.terms"), &exception.terms, MAX_TEXT, false)?;
        }
        for (i, milestone) in self.milestones.iter().enumerate() {
            check_text(&format!("milestones.{i}.code"), &milestone.code, MAX_CODE, false)?;
            check_text(&format!("milestones.{i}.title"), &milestone.title, MAX_TITLE, false)?;
            check_text(&format!("milestones.{i}.acceptance"), &milestone.acceptance, MAX_TEXT, false)?;
            check_date(&format!("milestones.{i}.due"), milestone.due)?;
        }
        for (i, obligation) in self.obligations.iter().enumerate() {
            check_text(&format!("obligations.{i}.code"), &obligation.code, MAX_CODE, false)?;
            check_date(&format!("obligations.{i}.first_due"), obligation.first_due)?;
            obligation.until.map_or(Ok(()), |d| check_date(&format!("obligations.{i}.until"), d))?;
            if obligation.every_months > MAX_EVERY_MONTHS {
                return Err(Problem::new(format!("obligations.{i}.every_months"), "form.too_long"));
            }
        }
        for (i, annex) in self.annexes.iter().enumerate() {
            check_text(&format!("annexes.{i}.title"), &annex.title, MAX_TITLE, true)?;
            if !is_sha256_hex(&annex.sha256) {
                return Err(Problem::new(format!("annexes.{i}.sha256"), "agreement.refused.annex_hash"));
            }
        }
        for (heading, body) in &self.negotiated {
            super::model::validate_clause(*heading, body)
                .map_err(|e| Problem::new(format!("clauses.{}", heading.code()), e.message_key()))?;
        }
        Ok(())
    }
}

impl Content {
    /// The state-aid checks, with what the model says about IP and publication.
    pub fn aid_warnings(&self) -> Result<Vec<StateAidWarning>, MoneyError> {
        let summary = self.terms.money()?;
        let aid = AidTerms {
            category: self.terms.research_category,
            research_may_publish: self.model.as_ref().is_some_and(|m| m.publication.research_may_publish),
            company_takes_all: self.model.as_ref().is_some_and(|m| m.ip_rule.company_takes_all()),
            market_price_paid: self.terms.market_price_paid,
        };
        Ok(money::state_aid_warnings(&self.terms.contributors(), &summary, &aid))
    }

    /// What keeps this version from being sent: empty when it is complete.
    pub fn missing(&self) -> Vec<Problem> {
        let terms = &self.terms;
        let mut missing = Vec::new();
        let mut need = |ok: bool, field: &str, key: &'static str| {
            if !ok {
                missing.push(Problem::new(field, key));
            }
        };
        need(self.model.is_some(), "model", "agreement.missing.model");
        need(!terms.title.trim().is_empty(), "title", "form.required");
        need(!terms.purpose.trim().is_empty(), "purpose", "form.required");
        need(!terms.cost_of_developed_goods.trim().is_empty(), "cost_of_developed_goods", "form.required");
        match (terms.start, terms.end) {
            (Some(start), Some(end)) => need(start <= end, "end", "agreement.missing.period"),
            _ => need(false, "start", "agreement.missing.period"),
        }
        let organisations: BTreeSet<OrganisationId> = terms.parties.iter().map(|p| p.organisation).collect();
        need(terms.parties.len() >= 2, "parties", "agreement.missing.parties");
        need(organisations.len() == terms.parties.len(), "parties", "agreement.missing.duplicate_party");
        let coordinators = terms.parties.iter().filter(|p| p.role == PartyRole::Coordinator).count();
        need(coordinators == 1, "parties", "agreement.missing.coordinator");
        if self.model.as_ref().is_some_and(|m| m.ip_rule == IpRule::LeadExploitationParty) {
            let leads = terms.parties.iter().filter(|p| p.role == PartyRole::LeadExploitationParty).count();
            need(leads == 1, "parties", "agreement.missing.lead_exploitation_party");
        }
        for (i, party) in terms.parties.iter().enumerate() {
            need(!party.name.trim().is_empty(), &format!("parties.{i}.name"), "form.required");
            need(
                !party.signatories.is_empty(),
                &format!("parties.{i}.signatories"),
                "agreement.missing.signatory",
            );
            let people: BTreeSet<PersonId> = party.signatories.iter().map(|s| s.person).collect();
            need(
                people.len() == party.signatories.len(),
                &format!("parties.{i}.signatories"),
                "agreement.missing.duplicate_signatory",
            );
            need(
                !party.kind.is_industry() || party.size.is_some(),
                &format!("parties.{i}.size"),
                "agreement.missing.company_size",
            );
            for (j, s) in party.signatories.iter().enumerate() {
                need(
                    !s.name.trim().is_empty(),
                    &format!("parties.{i}.signatories.{j}.name"),
                    "form.required",
                );
            }
        }
        let universities: BTreeSet<OrganisationId> = terms
            .parties
            .iter()
            .filter(|p| p.kind == PartyKind::University)
            .map(|p| p.organisation)
            .collect();
        let researchers: BTreeSet<PersonId> = terms.researchers.iter().map(|r| r.person).collect();
        need(
            researchers.len() == terms.researchers.len(),
            "researchers",
            "agreement.missing.duplicate_researcher",
        );
        for (i, researcher) in terms.researchers.iter().enumerate() {
            need(
                universities.contains(&researcher.university),
                &format!("researchers.{i}.university"),
                "agreement.missing.university",
            );
            need(!researcher.name.trim().is_empty(), &format!("researchers.{i}.name"), "form.required");
        }
        if let Err(e) = terms.money() {
            missing.push(Problem::new("contributions", e.message_key()));
        }
        let known = |o: &OrganisationId| organisations.contains(o);
        for (field, organisation) in terms
            .background
            .iter()
            .map(|b| ("background", &b.party))
            .chain(terms.foreground_exceptions.iter().map(|e| ("foreground_exceptions", &e.owner)))
            .chain(terms.milestones.iter().map(|m| ("milestones", &m.responsible)))
            .chain(terms.obligations.iter().map(|o| ("obligations", &o.responsible)))
        {
            if !known(organisation) {
                missing.push(Problem::new(field, "agreement.missing.unknown_party"));
            }
        }
        for (field, codes) in [
            ("milestones", terms.milestones.iter().map(|m| m.code.trim()).collect::<Vec<_>>()),
            ("obligations", terms.obligations.iter().map(|o| o.code.trim()).collect::<Vec<_>>()),
        ] {
            let distinct: BTreeSet<&str> = codes.iter().copied().collect();
            let ok = distinct.len() == codes.len() && !distinct.contains("");
            if !ok {
                missing.push(Problem::new(field, "agreement.missing.codes"));
            }
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    #[test]
    fn who_owns_a_result_under_each_rule() {
        let terms = fixtures::terms();
        let (company, university) = (fixtures::COMPANY_ORG, fixtures::UNIVERSITY_ORG);
        let party = |organisation| ResultOwner::Party { organisation };
        let by_university = |rule| terms.owner_of_result(rule, university, "Assay");
        let by_company = |rule| terms.owner_of_result(rule, company, "Assay");
        assert_eq!(by_company(IpRule::AcademicOwnsLicence), party(university));
        assert_eq!(by_company(IpRule::AcademicOwnsAssignmentOption), party(university));
        assert_eq!(by_university(IpRule::CompanyOwnsResearchUseKept), party(company));
        assert_eq!(by_university(IpRule::CompanyOwnsContractResearch), party(company));
        assert_eq!(by_university(IpRule::EachOwnsBroadLicence), party(university));
        assert_eq!(by_company(IpRule::EachOwnsProjectLicences), party(company));
        assert_eq!(by_university(IpRule::EachTakesWhatFits), ResultOwner::ByExploitationPlan);
        assert_eq!(by_university(IpRule::LeadExploitationParty), ResultOwner::Unresolved, "no lead named");
        let mut with_lead = terms.clone();
        with_lead.parties[0].role = PartyRole::LeadExploitationParty;
        assert_eq!(with_lead.owner_of_result(IpRule::LeadExploitationParty, university, "x"), party(company));
        with_lead.foreground_exceptions.push(ForegroundException {
            result: "Cohort software".into(),
            owner: university,
            terms: "Open source".into(),
        });
        assert_eq!(
            with_lead.owner_of_result(IpRule::LeadExploitationParty, company, " Cohort software "),
            party(university),
            "an agreed exception wins over the rule"
        );
    }

    #[test]
    fn bounds_are_checked_on_every_edit_and_completeness_before_sending() {
        let mut content = fixtures::content();
        assert_eq!(content.terms.check_bounds(), Ok(()));
        assert_eq!(content.missing(), []);
        content.terms.title = "x".repeat(MAX_TITLE + 1);
        assert_eq!(content.terms.check_bounds(), Err(Problem::new("title", "form.too_long")));
        content = fixtures::content();
        content.terms.end = dates::parse("2200-12-31").and_then(|d| d.succ_opt());
        assert_eq!(content.terms.check_bounds(), Err(Problem::new("end", "form.date")));
        content = fixtures::content();
        content.terms.parties[0].signatories.clear();
        content.terms.researchers[0].university = fixtures::COMPANY_ORG;
        content.model = None;
        let keys: Vec<&str> = content.missing().iter().map(|p| p.key).collect();
        assert_eq!(
            keys,
            ["agreement.missing.model", "agreement.missing.signatory", "agreement.missing.university"]
        );
    }
}
