//! The test data the agreement's tests share: a company and a university with one
//! signatory each and one named researcher, a legal-then-finance review, and the people
//! around them.

use super::model::{Language, PartyKind};
use super::money::{Contribution, ContributionKind, FundingSource, ResearchCategory};
use super::review::{ApprovalOrder, ApprovalPlan, ApprovalRole};
use super::schedule::{Milestone, MilestoneKind, Obligation, ObligationKind};
use super::signing::{Authentication, Capacity, Client, SignatureRecord, SigningRequest};
use super::terms::{
    Annex, Authority, BackgroundEntry, Content, Party, PartyRole, Researcher, Signatory, Terms,
};
use super::*;
use crate::codes::CompanySize;
use crate::ids::{AgreementId, AttachmentId, CompanyId, NodeId, OrganisationId, PersonId, ProposalId};
use crate::workflow::Aggregate;
use chrono::{DateTime, Duration, Utc};

pub const COMPANY: CompanyId = CompanyId(10);
pub const COMPANY_ORG: OrganisationId = OrganisationId(10);
pub const UNIVERSITY_ORG: OrganisationId = OrganisationId(11);
pub const OTHER_COMPANY_ORG: OrganisationId = OrganisationId(99);
pub const PROPOSAL: ProposalId = ProposalId(7);
pub const NODE: NodeId = NodeId(5);
pub const AGREEMENT: AgreementId = AgreementId(3);

pub const ADMIN: PersonId = PersonId(1);
pub const COMPANY_MEMBER: PersonId = PersonId(2);
pub const UNIVERSITY_MEMBER: PersonId = PersonId(3);
pub const COMPANY_SIGNER: PersonId = PersonId(20);
pub const UNIVERSITY_SIGNER: PersonId = PersonId(21);
pub const RESEARCHER: PersonId = PersonId(22);
pub const LEGAL: PersonId = PersonId(30);
pub const FINANCE: PersonId = PersonId(31);
pub const COORDINATOR: PersonId = PersonId(40);
pub const BOARD: PersonId = PersonId(50);
pub const REVIEWER: PersonId = PersonId(51);
pub const OTHER_COMPANY: PersonId = PersonId(52);
pub const STRANGER: PersonId = PersonId(53);

pub fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

pub fn day(text: &str) -> chrono::NaiveDate {
    crate::dates::parse(text).unwrap()
}

fn cash(party: OrganisationId, year: i32, amount: i64, source: FundingSource) -> Contribution {
    Contribution { party, year, kind: ContributionKind::Cash { amount }, source, description: String::new() }
}

fn hours(party: OrganisationId, year: i32, hours: i64, rate: i64) -> Contribution {
    Contribution {
        party,
        year,
        kind: ContributionKind::Hours { hours, rate },
        source: FundingSource::Own,
        description: "Arbete".into(),
    }
}

pub fn terms() -> Terms {
    let signatory = |person, name: &str, authority, step| Signatory {
        person,
        name: name.into(),
        title: "Behörig företrädare".into(),
        authority,
        step,
    };
    Terms {
        title: "Exempelprojekt: tidig upptäckt av sepsis".into(),
        purpose: "att validera en biomarkörpanel för sepsis på akutmottagningen".into(),
        language: Language::Sv,
        start: Some(day("2026-06-01")),
        end: Some(day("2028-05-31")),
        parties: vec![
            Party {
                organisation: COMPANY_ORG,
                name: "Exempelbolaget AB".into(),
                kind: PartyKind::Sme,
                organisation_number: "556000-0001".into(),
                role: PartyRole::Coordinator,
                size: Some(CompanySize::Small),
                signatories: vec![signatory(COMPANY_SIGNER, "Anna Andersson", Authority::Statutory, 1)],
            },
            Party {
                organisation: UNIVERSITY_ORG,
                name: "Exempeluniversitetet".into(),
                kind: PartyKind::University,
                organisation_number: "202100-0000".into(),
                role: PartyRole::Partner,
                size: None,
                signatories: vec![signatory(UNIVERSITY_SIGNER, "Bertil Berg", Authority::Delegation, 2)],
            },
        ],
        researchers: vec![Researcher {
            person: RESEARCHER,
            name: "Cecilia Ceder".into(),
            university: UNIVERSITY_ORG,
        }],
        contributions: vec![
            cash(COMPANY_ORG, 2026, 500_000, FundingSource::Own),
            hours(COMPANY_ORG, 2027, 1_000, 900),
            cash(UNIVERSITY_ORG, 2026, 1_200_000, FundingSource::Vinnova),
            hours(UNIVERSITY_ORG, 2027, 800, 700),
        ],
        research_category: ResearchCategory::IndustrialResearch,
        market_price_paid: false,
        cost_of_developed_goods: "Panelen säljs till parterna till självkostnadspris i fem år.".into(),
        background: vec![BackgroundEntry {
            party: UNIVERSITY_ORG,
            what: "Prover ur sepsiskohorten".into(),
            owner: "Exempeluniversitetet".into(),
            restrictions: "Etikprövat ändamål".into(),
            project_use: "Avgiftsfritt".into(),
            exploitation: "Separat avtal".into(),
            essential: true,
        }],
        foreground_exceptions: Vec::new(),
        milestones: vec![
            Milestone {
                code: "M1".into(),
                title: "Panelen låst".into(),
                kind: MilestoneKind::Milestone,
                due: day("2026-12-15"),
                responsible: COMPANY_ORG,
                acceptance: "Styrgruppen godkänner specifikationen".into(),
            },
            Milestone {
                code: "M2".into(),
                title: "Valideringsrapport".into(),
                kind: MilestoneKind::Deliverable,
                due: day("2027-09-30"),
                responsible: UNIVERSITY_ORG,
                acceptance: "Rapporten godkänd av båda parter".into(),
            },
        ],
        obligations: vec![Obligation {
            code: "R".into(),
            kind: ObligationKind::ProgressReport,
            responsible: COMPANY_ORG,
            first_due: day("2026-12-31"),
            every_months: 6,
            until: None,
        }],
        trl_start: Some(4),
        annexes: vec![
            Annex {
                title: "Budget per arbetspaket".into(),
                attachment: AttachmentId(1),
                sha256: "ab".repeat(32),
                confidential: false,
            },
            Annex {
                title: "Panelens sammansättning".into(),
                attachment: AttachmentId(2),
                sha256: "cd".repeat(32),
                confidential: true,
            },
        ],
        negotiated: Default::default(),
    }
}

/// The model the fixtures use: Lambert 2 (academia owns, option to an exclusive licence).
pub fn model() -> super::model::CollaborationModel {
    example_models()
        .into_iter()
        .find(|m| m.ip_rule == super::model::IpRule::AcademicOwnsExclusiveOption)
        .unwrap()
}

pub fn content() -> Content {
    Content { model: Some(model()), terms: terms() }
}

pub fn approval() -> ApprovalPlan {
    ApprovalPlan { roles: vec![ApprovalRole::Legal, ApprovalRole::Finance], order: ApprovalOrder::InOrder }
}

pub fn facts() -> AgreementFacts {
    AgreementFacts {
        agreement: AGREEMENT,
        selected_proposal: Some(SelectedProposal { proposal: PROPOSAL, company: COMPANY }),
        nodes: [NODE].into(),
        approvers: [(ApprovalRole::Legal, [LEGAL].into()), (ApprovalRole::Finance, [FINANCE].into())].into(),
    }
}

pub fn context(now: &str) -> Context {
    Context::with(at(now), facts())
}

fn person(id: PersonId, organisations: &[OrganisationId], roles: Roles) -> Actor {
    Actor::Person(Person {
        id,
        roles,
        organisations: organisations.iter().copied().collect(),
        coordinates: Default::default(),
    })
}

pub fn admin() -> Actor {
    person(ADMIN, &[], Roles { administrator: true, board: false })
}
pub fn company_member() -> Actor {
    person(COMPANY_MEMBER, &[COMPANY_ORG], Roles::default())
}
pub fn university_member() -> Actor {
    person(UNIVERSITY_MEMBER, &[UNIVERSITY_ORG], Roles::default())
}
pub fn company_signer() -> Actor {
    person(COMPANY_SIGNER, &[COMPANY_ORG], Roles::default())
}
pub fn university_signer() -> Actor {
    person(UNIVERSITY_SIGNER, &[UNIVERSITY_ORG], Roles::default())
}
pub fn researcher() -> Actor {
    person(RESEARCHER, &[UNIVERSITY_ORG], Roles::default())
}
pub fn legal() -> Actor {
    person(LEGAL, &[], Roles::default())
}
pub fn finance() -> Actor {
    person(FINANCE, &[], Roles::default())
}
pub fn coordinator() -> Actor {
    Actor::Person(Person { id: COORDINATOR, coordinates: [NODE].into(), ..Person::default() })
}
pub fn board() -> Actor {
    person(BOARD, &[], Roles { administrator: false, board: true })
}
/// Holds the reviewer role elsewhere in the portal: nothing here.
pub fn reviewer() -> Actor {
    person(REVIEWER, &[], Roles::default())
}
pub fn other_company() -> Actor {
    person(OTHER_COMPANY, &[OTHER_COMPANY_ORG], Roles::default())
}
pub fn stranger() -> Actor {
    person(STRANGER, &[], Roles::default())
}

/// A sign command for the signing round as it stands: the right hash unless `wrong_hash`,
/// a request a minute old and a sign-in `auth_age` seconds old.
pub fn sign(
    agreement: &Agreement,
    capacity: Capacity,
    now: DateTime<Utc>,
    auth_age: i64,
    wrong_hash: bool,
) -> Command {
    let round = agreement.signing.clone().unwrap_or(SigningRound { version: 0, hash: String::new() });
    let hash = if wrong_hash { "0".repeat(64) } else { round.hash };
    Command::Sign {
        capacity,
        request: SigningRequest {
            version: round.version,
            hash,
            nonce: "n-0S6_WzA2Mj".into(),
            requested_at: now - Duration::seconds(60),
        },
        authentication: Authentication {
            issuer: "https://idp.example.se".into(),
            subject: "sub-123".into(),
            acr: Some("https://refeds.org/profile/mfa".into()),
            amr: vec!["pwd".into(), "otp".into()],
            auth_time: now - Duration::seconds(auth_age),
        },
        client: Client { ip: "192.0.2.10".into(), user_agent: "Mozilla/5.0 (X11; Linux x86_64)".into() },
    }
}

pub fn party(organisation: OrganisationId) -> Capacity {
    Capacity::Party { organisation }
}

pub fn undertaking() -> Capacity {
    Capacity::Undertaking { university: UNIVERSITY_ORG }
}

pub fn signature_record(previous: Option<String>) -> SignatureRecord {
    SignatureRecord {
        version: 2,
        hash: "ab".repeat(32),
        signer: COMPANY_SIGNER,
        name: "Anna Andersson".into(),
        capacity: party(COMPANY_ORG),
        authority: Some(Authority::Statutory),
        issuer: "https://idp.example.se".into(),
        subject: "sub-123".into(),
        acr: None,
        amr: vec!["pwd".into()],
        auth_time: at("2026-05-04T10:01:00Z"),
        requested_at: at("2026-05-04T10:00:00Z"),
        nonce: "n".into(),
        server_time: at("2026-05-04T10:01:05Z"),
        ip: "10.0.0.1".into(),
        user_agent: "test".into(),
        previous,
    }
}

/// An agreement and its log, run command by command.
pub struct Story {
    pub agreement: Agreement,
    pub log: Vec<(Event, DateTime<Utc>)>,
}

impl Story {
    pub fn new() -> Story {
        Story { agreement: Agreement::default(), log: Vec::new() }
    }

    /// Created from the proposal by the company, the model chosen.
    pub fn drafted() -> Story {
        let mut story = Story::new();
        let context = context("2026-04-01T08:00:00Z");
        let create = Command::CreateFromProposal {
            proposal: PROPOSAL,
            company: COMPANY,
            approval: approval(),
            terms: terms(),
        };
        story.run(&company_member(), create, &context).unwrap();
        story.run(&company_member(), Command::ChooseModel { model: model() }, &context).unwrap();
        story
    }

    pub fn run(&mut self, actor: &Actor, command: Command, context: &Context) -> Result<(), Refusal> {
        for event in self.agreement.decide(actor, &command, context)? {
            self.agreement.apply(&event, context.now);
            self.log.push((event, context.now));
        }
        Ok(())
    }

    pub fn replayed(&self) -> Agreement {
        Agreement::fold(self.log.iter().map(|(e, t)| (e, *t)))
    }
}
