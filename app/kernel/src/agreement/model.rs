//! Collaboration models: the templates an agreement starts from. A model fixes who owns
//! the results (its [`IpRule`], the Lambert toolkit's options), how publication works
//! (its [`PublicationRule`]) and the clauses, in Swedish and English, as Markdown with
//! `{{placeholder}}` names that [`fill`] replaces with the agreement's typed data.
//!
//! Models are versioned: a change makes a new version ([`CollaborationModel::revised`]) and
//! an agreement keeps a copy of the version it used, so its text never moves under it.

use crate::codes::code_list;
use crate::ids::ModelId;
use crate::workflow::text_fits;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Longest model name.
pub const MAX_NAME: usize = 200;
/// Longest explanation of a model.
pub const MAX_EXPLANATION: usize = 5_000;
/// Longest clause, in each language.
pub const MAX_CLAUSE: usize = 20_000;
/// Longest publication notice, objection window or delay a model may set (about a year).
pub const MAX_PUBLICATION_DAYS: u16 = 366;

code_list!(
    /// The language a text is shown or signed in.
    #[derive(Default)]
    Language {
        #[default]
        Sv = "sv",
        En = "en",
    }
);

/// A text in both of the portal's languages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Bilingual {
    pub sv: String,
    pub en: String,
}

impl Bilingual {
    pub fn new(sv: impl Into<String>, en: impl Into<String>) -> Bilingual {
        Bilingual { sv: sv.into(), en: en.into() }
    }

    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Sv => &self.sv,
            Language::En => &self.en,
        }
    }

    /// Both languages present and within `max` characters.
    pub fn fits(&self, max: usize) -> bool {
        text_fits(&self.sv, max, true) && text_fits(&self.en, max, true)
    }
}

code_list!(
    /// What kind of organisation takes part. The first four are industry (they receive
    /// state aid); universities and university hospitals/regions are research
    /// organisations and public authorities.
    PartyKind {
        SpinOut = "spin_out",
        Sme = "sme",
        Pharma = "pharma",
        InfrastructureProvider = "infrastructure_provider",
        University = "university",
        UniversityHospitalRegion = "university_hospital_region",
    }
);

impl PartyKind {
    /// A company: its costs count as industry co-funding and the state-aid limits apply.
    pub fn is_industry(self) -> bool {
        !self.is_research_organisation()
    }

    /// A university or a university hospital/region: a research organisation in the
    /// state-aid sense, whose own contributions are public co-financing.
    pub fn is_research_organisation(self) -> bool {
        matches!(self, PartyKind::University | PartyKind::UniversityHospitalRegion)
    }

    /// A public authority: what it signs is a public record to be archived, and its
    /// confidential annexes need their own marking. The same organisations as the
    /// research organisations, asked for another reason.
    pub fn is_public_authority(self) -> bool {
        self.is_research_organisation()
    }

    /// The party kind of a company of this kind.
    pub fn of_company(kind: crate::codes::CompanyKind) -> PartyKind {
        use crate::codes::CompanyKind;
        match kind {
            CompanyKind::SpinOut => PartyKind::SpinOut,
            CompanyKind::Sme => PartyKind::Sme,
            CompanyKind::Pharma => PartyKind::Pharma,
            CompanyKind::InfrastructureProvider => PartyKind::InfrastructureProvider,
        }
    }
}

code_list!(
    /// Who owns the project's results (foreground IP) and what the others get: the Lambert
    /// toolkit's options 1–5 for a company and a research organisation, and its consortium
    /// options A–D for several parties (see AGREEMENTS.md).
    IpRule {
        /// Lambert 1: the academic side owns; the company gets a non-exclusive licence.
        AcademicOwnsLicence = "academic_owns_licence",
        /// Lambert 2: as 1, plus an option to an exclusive licence.
        AcademicOwnsExclusiveOption = "academic_owns_exclusive_option",
        /// Lambert 3: as 1, plus an option to take assignment of named results.
        AcademicOwnsAssignmentOption = "academic_owns_assignment_option",
        /// Lambert 4: the company owns; the academic side keeps research use and publishes
        /// after review.
        CompanyOwnsResearchUseKept = "company_owns_research_use_kept",
        /// Lambert 5: contract research or a service: the company owns everything and
        /// the academic side keeps nothing unless agreed.
        CompanyOwnsContractResearch = "company_owns_contract_research",
        /// Consortium A: each owns what it creates; every party gets a broad licence.
        EachOwnsBroadLicence = "each_owns_broad_licence",
        /// Consortium B: results go to a lead exploitation party; the others share revenue.
        LeadExploitationParty = "lead_exploitation_party",
        /// Consortium C: each takes the results that fit its business, under a plan.
        EachTakesWhatFits = "each_takes_what_fits",
        /// Consortium D: each owns its own; licences for the project only, and a duty to
        /// negotiate licences for exploitation on request.
        EachOwnsProjectLicences = "each_owns_project_licences",
    }
);

/// Who owns a result under a rule, before the agreement's named exceptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForegroundOwner {
    /// The research organisation(s), whoever made it.
    AcademicSide,
    /// The company, whoever made it.
    Company,
    /// The party that made it.
    Creator,
    /// The party named lead exploitation party.
    LeadExploitationParty,
    /// The party whose business it fits, as the exploitation plan allocates it.
    ByExploitationPlan,
}

/// What the parties who do not own a result may do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rights {
    NonExclusiveLicence,
    NonExclusiveLicenceAndExclusiveOption,
    LicenceAndAssignmentOption,
    /// Owns it: may exploit it any way it likes.
    Ownership,
    /// Every party: a broad non-exclusive licence.
    BroadNonExclusiveLicence,
    /// A share of the revenue; the lead's rights lapse if it does not exploit.
    RevenueShare,
    /// Takes its part, and must exploit it under the exploitation plan.
    ExploitUnderPlan,
    /// A licence for the project only; a licence for exploitation to be negotiated.
    ProjectLicenceAndDutyToNegotiate,
}

/// What the research side keeps of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcademicUse {
    /// Uses and publishes, after a confidentiality or patent delay.
    PublishesAfterDelay,
    /// Keeps research and teaching use; publishes after the company's review.
    ResearchUseAndPublishesAfterReview,
    /// Keeps nothing unless agreed.
    NoneUnlessAgreed,
    /// Publishes after notice to the other parties.
    PublishesAfterNotice,
}

/// A rule's answer to "who owns the results and what do the others get".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForegroundTerms {
    pub owner: ForegroundOwner,
    /// What the company gets (in a consortium: every party that does not own the result).
    pub company_gets: Rights,
    pub academic_use: AcademicUse,
}

impl IpRule {
    /// The option's name in the Lambert toolkit: "1"–"5" or "A"–"D".
    pub fn toolkit_option(self) -> &'static str {
        match self {
            IpRule::AcademicOwnsLicence => "1",
            IpRule::AcademicOwnsExclusiveOption => "2",
            IpRule::AcademicOwnsAssignmentOption => "3",
            IpRule::CompanyOwnsResearchUseKept => "4",
            IpRule::CompanyOwnsContractResearch => "5",
            IpRule::EachOwnsBroadLicence => "A",
            IpRule::LeadExploitationParty => "B",
            IpRule::EachTakesWhatFits => "C",
            IpRule::EachOwnsProjectLicences => "D",
        }
    }

    /// For three or more parties.
    pub fn consortium(self) -> bool {
        matches!(
            self,
            IpRule::EachOwnsBroadLicence
                | IpRule::LeadExploitationParty
                | IpRule::EachTakesWhatFits
                | IpRule::EachOwnsProjectLicences
        )
    }

    /// The translation key of the rule's explanation in plain words.
    pub fn explanation_key(self) -> String {
        format!("agreement.ip.{}", self.code())
    }

    /// Who owns the results and what the others get.
    pub fn foreground(self) -> ForegroundTerms {
        use AcademicUse::*;
        use ForegroundOwner::*;
        let (owner, company_gets, academic_use) = match self {
            IpRule::AcademicOwnsLicence => (AcademicSide, Rights::NonExclusiveLicence, PublishesAfterDelay),
            IpRule::AcademicOwnsExclusiveOption => {
                (AcademicSide, Rights::NonExclusiveLicenceAndExclusiveOption, PublishesAfterDelay)
            }
            IpRule::AcademicOwnsAssignmentOption => {
                (AcademicSide, Rights::LicenceAndAssignmentOption, PublishesAfterDelay)
            }
            IpRule::CompanyOwnsResearchUseKept => {
                (Company, Rights::Ownership, ResearchUseAndPublishesAfterReview)
            }
            IpRule::CompanyOwnsContractResearch => (Company, Rights::Ownership, NoneUnlessAgreed),
            IpRule::EachOwnsBroadLicence => (Creator, Rights::BroadNonExclusiveLicence, PublishesAfterNotice),
            IpRule::LeadExploitationParty => {
                (ForegroundOwner::LeadExploitationParty, Rights::RevenueShare, PublishesAfterNotice)
            }
            IpRule::EachTakesWhatFits => (ByExploitationPlan, Rights::ExploitUnderPlan, PublishesAfterNotice),
            IpRule::EachOwnsProjectLicences => {
                (Creator, Rights::ProjectLicenceAndDutyToNegotiate, PublishesAfterNotice)
            }
        };
        ForegroundTerms { owner, company_gets, academic_use }
    }

    /// The company takes every result, whoever made it: with a research organisation in
    /// the project, the state-aid framework then wants the research side paid the market
    /// price or the IP shared in line with the contributions.
    pub fn company_takes_all(self) -> bool {
        self.foreground().owner == ForegroundOwner::Company
    }
}

code_list!(
    /// Why a party may delay another's publication.
    DelayGround {
        PatentFiling = "patent_filing",
        ConfidentialBackground = "confidential_background",
        ConfidentialInformation = "confidential_information",
    }
);

/// How a party publishes results: notice to the others, a window to object, the longest
/// delay an objection may cause and whether silence is consent. Practice varies (30/60/90
/// days' notice, delays of 60 days to 6 months), so these are a model's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicationRule {
    /// The research organisations may publish their own results (after notice).
    pub research_may_publish: bool,
    pub notice_days: u16,
    pub objection_days: u16,
    pub longest_delay_days: u16,
    /// No objection within the window counts as consent.
    pub deemed_consent: bool,
    pub grounds: BTreeSet<DelayGround>,
}

impl PublicationRule {
    /// The windows nest (an objection comes within the notice) and none exceeds a year.
    pub fn sane(&self) -> bool {
        self.objection_days <= self.notice_days
            && self.notice_days <= MAX_PUBLICATION_DAYS
            && self.longest_delay_days <= MAX_PUBLICATION_DAYS
    }
}

code_list!(
    /// A clause's heading, after Vinnova's guide to project agreements, in its order.
    Heading {
        Parties = "parties",
        Purpose = "purpose",
        Definitions = "definitions",
        Scope = "scope",
        Financing = "financing",
        Governance = "governance",
        Communication = "communication",
        IntellectualProperty = "intellectual_property",
        DevelopedGoods = "developed_goods",
        Publication = "publication",
        Reporting = "reporting",
        Confidentiality = "confidentiality",
        Liability = "liability",
        Breach = "breach",
        Term = "term",
        Disputes = "disputes",
        GoverningLaw = "governing_law",
        Survival = "survival",
        Amendments = "amendments",
    }
);

impl Heading {
    /// The headings every model has.
    pub const REQUIRED: [Heading; 9] = [
        Heading::Parties,
        Heading::Purpose,
        Heading::Financing,
        Heading::IntellectualProperty,
        Heading::Publication,
        Heading::Confidentiality,
        Heading::Term,
        Heading::Disputes,
        Heading::GoverningLaw,
    ];

    pub fn title(self, language: Language) -> &'static str {
        let (sv, en) = match self {
            Heading::Parties => ("Parter", "Parties"),
            Heading::Purpose => ("Syfte", "Purpose"),
            Heading::Definitions => ("Definitioner", "Definitions"),
            Heading::Scope => ("Omfattning", "Scope"),
            Heading::Financing => ("Finansiering", "Financing"),
            Heading::Governance => ("Organisation och styrning", "Organisation and governance"),
            Heading::Communication => ("Kommunikation", "Communication"),
            Heading::IntellectualProperty => ("Immateriella rättigheter", "Intellectual property"),
            Heading::DevelopedGoods => ("Kostnad för framtagna produkter", "Cost of developed goods"),
            Heading::Publication => ("Publicering", "Publication"),
            Heading::Reporting => ("Rapportering", "Reporting"),
            Heading::Confidentiality => ("Sekretess", "Confidentiality"),
            Heading::Liability => ("Ansvar", "Liability"),
            Heading::Breach => ("Avtalsbrott", "Breach"),
            Heading::Term => ("Giltighetstid", "Term"),
            Heading::Disputes => ("Tvister", "Disputes"),
            Heading::GoverningLaw => ("Tillämplig lag", "Governing law"),
            Heading::Survival => ("Bestående villkor", "Survival"),
            Heading::Amendments => ("Ändringar", "Amendments"),
        };
        match language {
            Language::Sv => sv,
            Language::En => en,
        }
    }
}

/// One clause of a model: its heading and its Markdown body in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clause {
    pub heading: Heading,
    pub body: Bilingual,
}

code_list!(
    /// The names a clause may use as `{{name}}`, each filled from the agreement's typed
    /// data. Nothing else is a placeholder: an unknown name is an error of the model.
    Placeholder {
        Title = "title",
        Purpose = "purpose",
        Parties = "parties",
        Coordinator = "coordinator",
        LeadExploitationParty = "lead_exploitation_party",
        StartDate = "start_date",
        EndDate = "end_date",
        TotalBudget = "total_budget",
        Contributions = "contributions",
        IndustryContribution = "industry_contribution",
        PublicFunding = "public_funding",
        Background = "background",
        ForegroundExceptions = "foreground_exceptions",
        CostOfDevelopedGoods = "cost_of_developed_goods",
        Milestones = "milestones",
        Obligations = "obligations",
        Researchers = "researchers",
        TrlStart = "trl_start",
        NoticeDays = "notice_days",
        ObjectionDays = "objection_days",
        LongestDelayDays = "longest_delay_days",
        DeemedConsent = "deemed_consent",
        DelayGrounds = "delay_grounds",
        Annexes = "annexes",
    }
);

/// What is wrong with a clause's placeholders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum PlaceholderError {
    #[error("unknown placeholder {{{{{0}}}}}")]
    Unknown(String),
    #[error("a placeholder is not closed")]
    Unclosed,
}

/// Replaces every `{{name}}` in a template with `value(name)`. Spaces inside the braces
/// are allowed; any other text is kept as written.
pub fn fill(
    template: &str,
    mut value: impl FnMut(Placeholder) -> String,
) -> Result<String, PlaceholderError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("}}").ok_or(PlaceholderError::Unclosed)?;
        let name = after[..close].trim();
        let placeholder =
            Placeholder::parse(name).ok_or_else(|| PlaceholderError::Unknown(name.to_owned()))?;
        out.push_str(&value(placeholder));
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The placeholders a template uses, in order.
pub fn placeholders(template: &str) -> Result<Vec<Placeholder>, PlaceholderError> {
    let mut used = Vec::new();
    fill(template, |p| {
        used.push(p);
        String::new()
    })?;
    Ok(used)
}

/// Why a model cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum ModelError {
    #[error("a model's version starts at 1")]
    Version,
    #[error("the name or explanation is missing or too long")]
    Text,
    #[error("the model suits no kind of party")]
    NoPartyKinds,
    #[error("the publication windows do not nest or exceed a year")]
    Publication,
    #[error("clause {0:?} appears twice")]
    DuplicateClause(Heading),
    #[error("clause {0:?} is missing")]
    MissingClause(Heading),
    #[error("clause {0:?} is empty or too long")]
    ClauseText(Heading),
    #[error("clause {clause:?}: {problem}")]
    Placeholder { clause: Heading, problem: PlaceholderError },
}

impl ModelError {
    pub fn message_key(&self) -> &'static str {
        match self {
            ModelError::Version => "agreement.model.refused.version",
            ModelError::Text => "agreement.model.refused.text",
            ModelError::NoPartyKinds => "agreement.model.refused.party_kinds",
            ModelError::Publication => "agreement.model.refused.publication",
            ModelError::DuplicateClause(_) => "agreement.model.refused.duplicate_clause",
            ModelError::MissingClause(_) => "agreement.model.refused.missing_clause",
            ModelError::ClauseText(_) => "agreement.model.refused.clause_text",
            ModelError::Placeholder { .. } => "agreement.model.refused.placeholder",
        }
    }
}

/// Which version of which model: what an agreement records it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ModelRef {
    pub id: ModelId,
    pub version: u32,
}

/// A collaboration model, one version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaborationModel {
    pub id: ModelId,
    pub version: u32,
    /// One of the examples the portal ships: pages label it so.
    pub example: bool,
    pub name: Bilingual,
    pub explanation: Bilingual,
    /// The kinds of party the model is written for.
    pub suits: BTreeSet<PartyKind>,
    pub ip_rule: IpRule,
    pub publication: PublicationRule,
    pub clauses: Vec<Clause>,
}

impl CollaborationModel {
    pub fn reference(&self) -> ModelRef {
        ModelRef { id: self.id, version: self.version }
    }

    /// A change makes a new version: the administrator edits the copy this returns, and
    /// agreements that used this version keep it.
    pub fn revised(&self) -> CollaborationModel {
        CollaborationModel { version: self.version.saturating_add(1), ..self.clone() }
    }

    pub fn clause(&self, heading: Heading) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.heading == heading)
    }

    /// Written for every one of these kinds of party.
    pub fn suits_all(&self, kinds: impl IntoIterator<Item = PartyKind>) -> bool {
        kinds.into_iter().all(|k| self.suits.contains(&k))
    }

    /// Everything a model must be before an agreement may use it: texts present and
    /// bounded, the required headings once each, only known placeholders.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.version == 0 {
            return Err(ModelError::Version);
        }
        if !self.name.fits(MAX_NAME) || !self.explanation.fits(MAX_EXPLANATION) {
            return Err(ModelError::Text);
        }
        if self.suits.is_empty() {
            return Err(ModelError::NoPartyKinds);
        }
        if !self.publication.sane() {
            return Err(ModelError::Publication);
        }
        let mut seen = BTreeSet::new();
        for clause in &self.clauses {
            if !seen.insert(clause.heading) {
                return Err(ModelError::DuplicateClause(clause.heading));
            }
            validate_clause(clause.heading, &clause.body)?;
        }
        match Heading::REQUIRED.into_iter().find(|h| !seen.contains(h)) {
            Some(missing) => Err(ModelError::MissingClause(missing)),
            None => Ok(()),
        }
    }
}

/// A clause body (a model's, or one the parties negotiated): both languages present,
/// bounded, and using only known placeholders.
pub fn validate_clause(heading: Heading, body: &Bilingual) -> Result<(), ModelError> {
    if !body.fits(MAX_CLAUSE) {
        return Err(ModelError::ClauseText(heading));
    }
    for text in [&body.sv, &body.en] {
        placeholders(text).map_err(|problem| ModelError::Placeholder { clause: heading, problem })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_names_and_refuses_others() {
        let filled = fill("Mellan {{ parties }} från {{start_date}}.", |p| format!("<{}>", p.code()));
        assert_eq!(filled.unwrap(), "Mellan <parties> från <start_date>.");
        assert_eq!(fill("{{price}}", |_| String::new()), Err(PlaceholderError::Unknown("price".into())));
        assert_eq!(fill("open {{title", |_| String::new()), Err(PlaceholderError::Unclosed));
        assert_eq!(fill("no braces { here }", |_| String::new()).unwrap(), "no braces { here }");
        assert_eq!(
            placeholders("{{title}} {{notice_days}}").unwrap(),
            vec![Placeholder::Title, Placeholder::NoticeDays]
        );
    }

    #[test]
    fn each_rule_says_who_owns_the_results() {
        assert_eq!(IpRule::AcademicOwnsLicence.foreground().owner, ForegroundOwner::AcademicSide);
        assert_eq!(
            IpRule::AcademicOwnsExclusiveOption.foreground().company_gets,
            Rights::NonExclusiveLicenceAndExclusiveOption
        );
        assert_eq!(
            IpRule::CompanyOwnsResearchUseKept.foreground().academic_use,
            AcademicUse::ResearchUseAndPublishesAfterReview
        );
        assert_eq!(
            IpRule::CompanyOwnsContractResearch.foreground().academic_use,
            AcademicUse::NoneUnlessAgreed
        );
        assert_eq!(IpRule::LeadExploitationParty.foreground().company_gets, Rights::RevenueShare);
        assert_eq!(IpRule::EachTakesWhatFits.foreground().owner, ForegroundOwner::ByExploitationPlan);
        let companies: Vec<_> = IpRule::ALL.iter().filter(|r| r.company_takes_all()).collect();
        assert_eq!(companies, [&IpRule::CompanyOwnsResearchUseKept, &IpRule::CompanyOwnsContractResearch]);
        let options: String = IpRule::ALL.iter().map(|r| r.toolkit_option()).collect();
        assert_eq!(options, "12345ABCD");
        assert_eq!(IpRule::ALL.iter().filter(|r| r.consortium()).count(), 4);
    }

    #[test]
    fn party_kinds_split_into_industry_and_research() {
        let industry: Vec<_> = PartyKind::ALL.iter().filter(|k| k.is_industry()).collect();
        assert_eq!(industry.len(), 4);
        assert!(PartyKind::UniversityHospitalRegion.is_research_organisation());
        assert!(PartyKind::University.is_public_authority() && !PartyKind::Pharma.is_public_authority());
        assert_eq!(PartyKind::of_company(crate::codes::CompanyKind::Sme), PartyKind::Sme);
    }

    #[test]
    fn a_publication_rule_nests_its_windows() {
        let mut rule = PublicationRule {
            research_may_publish: true,
            notice_days: 30,
            objection_days: 30,
            longest_delay_days: 90,
            deemed_consent: true,
            grounds: BTreeSet::new(),
        };
        assert!(rule.sane());
        rule.objection_days = 31;
        assert!(!rule.sane());
    }
}
