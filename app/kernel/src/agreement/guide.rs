//! The guided choice: a few questions that lead to the kind of model (its IP rule) that
//! fits, with the reasons in plain words (translation keys with arguments) and the
//! runners-up. The person may pick another; this only recommends.

use crate::codes::code_list;
use serde::{Deserialize, Serialize};

use super::model::{CollaborationModel, IpRule, PartyKind};

code_list!(
    /// Who owns background the project cannot run without.
    BackgroundHolder {
        Nobody = "nobody",
        AcademicSide = "academic_side",
        Company = "company",
        Several = "several",
    }
);

code_list!(
    /// What the company needs of the results.
    CompanyNeed {
        /// To use them.
        UseOnly = "use_only",
        /// To use them with nobody else using them in its field.
        Exclusivity = "exclusivity",
        /// To own them (to patent, to sell).
        Ownership = "ownership",
    }
);

/// The answers, as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answers {
    pub essential_background: BackgroundHolder,
    /// The results must stay unpublished.
    pub results_unpublished: bool,
    pub company_needs: CompanyNeed,
    /// How many parties take part.
    pub parties: u8,
    /// An infrastructure provider's service agreement: the company pays the full price.
    pub service_agreement: bool,
    /// With several parties: one of them will take the results to market for all.
    pub one_party_exploits: bool,
}

/// A question of the sequence: its translation key, the answer's field and its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Question {
    pub key: &'static str,
    pub field: &'static str,
    /// The options' codes; a yes/no question has "yes" and "no".
    pub options: &'static [&'static str],
    /// Asked only when three or more parties take part.
    pub consortium_only: bool,
}

const YES_NO: &[&str] = &["yes", "no"];

/// The questions, in the order they are asked.
pub const QUESTIONS: [Question; 6] = [
    Question {
        key: "guide.q.service_agreement",
        field: "service_agreement",
        options: YES_NO,
        consortium_only: false,
    },
    Question { key: "guide.q.parties", field: "parties", options: &["2", "3", "4+"], consortium_only: false },
    Question {
        key: "guide.q.essential_background",
        field: "essential_background",
        options: &["nobody", "academic_side", "company", "several"],
        consortium_only: false,
    },
    Question {
        key: "guide.q.results_unpublished",
        field: "results_unpublished",
        options: YES_NO,
        consortium_only: false,
    },
    Question {
        key: "guide.q.company_needs",
        field: "company_needs",
        options: &["use_only", "exclusivity", "ownership"],
        consortium_only: false,
    },
    Question {
        key: "guide.q.one_party_exploits",
        field: "one_party_exploits",
        options: YES_NO,
        consortium_only: true,
    },
];

impl Answers {
    /// The answers as a form or a link gives them (`parties=4+`, `results_unpublished=no`):
    /// `None` until every question that applies is answered with one of its options.
    pub fn read(answer: impl Fn(&str) -> Option<String>) -> Option<Answers> {
        let yes = |field: &str| match answer(field).as_deref() {
            Some("yes") => Some(true),
            Some("no") => Some(false),
            _ => None,
        };
        let parties = match answer("parties").as_deref() {
            Some("2") => 2,
            Some("3") => 3,
            Some("4+") => 4,
            _ => return None,
        };
        Some(Answers {
            service_agreement: yes("service_agreement")?,
            parties,
            essential_background: BackgroundHolder::parse(&answer("essential_background")?)?,
            results_unpublished: yes("results_unpublished")?,
            company_needs: CompanyNeed::parse(&answer("company_needs")?)?,
            one_party_exploits: if parties >= 3 { yes("one_party_exploits")? } else { false },
        })
    }
}

/// One reason, in plain words: a translation key and the values it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

fn reason(key: &'static str) -> Reason {
    Reason { key, args: Vec::new() }
}

fn reason_with(key: &'static str, name: &'static str, value: impl ToString) -> Reason {
    Reason { key, args: vec![(name, value.to_string())] }
}

/// What the guide recommends, why, and what else would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub rule: IpRule,
    pub reasons: Vec<Reason>,
    pub runners_up: Vec<IpRule>,
}

/// The recommendation for these answers.
pub fn recommend(answers: &Answers) -> Recommendation {
    use BackgroundHolder::*;
    use IpRule::*;
    let consortium = answers.parties >= 3;
    let parties = reason_with("guide.reason.parties", "parties", answers.parties.max(2));
    let (rule, mut reasons, runners_up) = if answers.service_agreement {
        (
            CompanyOwnsContractResearch,
            vec![reason("guide.reason.service_agreement")],
            vec![CompanyOwnsResearchUseKept],
        )
    } else if answers.results_unpublished {
        let second = if consortium { EachOwnsProjectLicences } else { CompanyOwnsResearchUseKept };
        let reasons = vec![reason("guide.reason.unpublished"), reason("guide.reason.market_price")];
        (CompanyOwnsContractResearch, reasons, vec![second])
    } else if consortium && answers.one_party_exploits {
        (
            LeadExploitationParty,
            vec![parties, reason("guide.reason.one_party_exploits")],
            vec![EachTakesWhatFits, EachOwnsBroadLicence],
        )
    } else if consortium && answers.company_needs != CompanyNeed::UseOnly {
        let need = reason_with("guide.reason.company_needs", "need", answers.company_needs.code());
        (EachTakesWhatFits, vec![parties, need], vec![LeadExploitationParty, EachOwnsProjectLicences])
    } else if consortium && answers.essential_background != Nobody {
        let holder =
            reason_with("guide.reason.background_protected", "holder", answers.essential_background.code());
        (EachOwnsProjectLicences, vec![parties, holder], vec![EachOwnsBroadLicence, EachTakesWhatFits])
    } else if consortium {
        (
            EachOwnsBroadLicence,
            vec![parties, reason("guide.reason.equal_terms")],
            vec![EachOwnsProjectLicences, EachTakesWhatFits],
        )
    } else {
        let holder = answers.essential_background;
        match answers.company_needs {
            CompanyNeed::UseOnly => (
                AcademicOwnsLicence,
                vec![parties, reason("guide.reason.use_only")],
                vec![AcademicOwnsExclusiveOption, EachOwnsBroadLicence],
            ),
            CompanyNeed::Exclusivity if holder == Company => (
                CompanyOwnsResearchUseKept,
                vec![parties, reason("guide.reason.exclusivity"), reason("guide.reason.company_background")],
                vec![AcademicOwnsExclusiveOption, AcademicOwnsAssignmentOption],
            ),
            CompanyNeed::Exclusivity => (
                AcademicOwnsExclusiveOption,
                vec![parties, reason("guide.reason.exclusivity")],
                vec![AcademicOwnsAssignmentOption, CompanyOwnsResearchUseKept],
            ),
            CompanyNeed::Ownership if holder == AcademicSide => (
                AcademicOwnsAssignmentOption,
                vec![parties, reason("guide.reason.ownership"), reason("guide.reason.academic_background")],
                vec![CompanyOwnsResearchUseKept, AcademicOwnsExclusiveOption],
            ),
            CompanyNeed::Ownership => (
                CompanyOwnsResearchUseKept,
                vec![parties, reason("guide.reason.ownership")],
                vec![AcademicOwnsAssignmentOption, CompanyOwnsContractResearch],
            ),
        }
    };
    if rule != CompanyOwnsContractResearch {
        reasons.push(reason("guide.reason.research_publishes"));
    }
    Recommendation { rule, reasons, runners_up }
}

/// The model of this rule that suits every kind of party taking part: its latest
/// version. `None` when no model fits.
pub fn model_for<'a>(
    models: &'a [CollaborationModel],
    rule: IpRule,
    kinds: &[PartyKind],
) -> Option<&'a CollaborationModel> {
    models
        .iter()
        .filter(|m| m.ip_rule == rule && m.suits_all(kinds.iter().copied()))
        .max_by_key(|m| (m.version, std::cmp::Reverse(m.id)))
}

#[cfg(test)]
mod tests {
    use super::super::examples::example_models;
    use super::*;

    fn answers() -> Answers {
        Answers {
            essential_background: BackgroundHolder::Nobody,
            results_unpublished: false,
            company_needs: CompanyNeed::UseOnly,
            parties: 2,
            service_agreement: false,
            one_party_exploits: false,
        }
    }

    fn keys(recommendation: &Recommendation) -> Vec<&'static str> {
        recommendation.reasons.iter().map(|r| r.key).collect()
    }

    #[test]
    fn a_company_that_only_uses_the_results_gets_a_licence() {
        let r = recommend(&answers());
        assert_eq!(r.rule, IpRule::AcademicOwnsLicence);
        assert_eq!(
            keys(&r),
            ["guide.reason.parties", "guide.reason.use_only", "guide.reason.research_publishes"]
        );
        assert_eq!(r.reasons[0].args, [("parties", "2".to_owned())]);
        assert_eq!(r.runners_up, [IpRule::AcademicOwnsExclusiveOption, IpRule::EachOwnsBroadLicence]);
    }

    #[test]
    fn exclusivity_is_an_option_unless_the_companys_background_carries_the_project() {
        let exclusive = Answers { company_needs: CompanyNeed::Exclusivity, ..answers() };
        assert_eq!(recommend(&exclusive).rule, IpRule::AcademicOwnsExclusiveOption);
        let company = Answers { essential_background: BackgroundHolder::Company, ..exclusive };
        let r = recommend(&company);
        assert_eq!(r.rule, IpRule::CompanyOwnsResearchUseKept);
        assert!(keys(&r).contains(&"guide.reason.company_background"));
    }

    #[test]
    fn ownership_is_an_assignment_option_when_academia_brings_the_background() {
        let own = Answers { company_needs: CompanyNeed::Ownership, ..answers() };
        assert_eq!(recommend(&own).rule, IpRule::CompanyOwnsResearchUseKept);
        let academic = Answers { essential_background: BackgroundHolder::AcademicSide, ..own };
        assert_eq!(recommend(&academic).rule, IpRule::AcademicOwnsAssignmentOption);
    }

    #[test]
    fn a_service_or_unpublished_results_mean_contract_research() {
        let service = Answers { service_agreement: true, parties: 5, ..answers() };
        let r = recommend(&service);
        assert_eq!(
            (r.rule, keys(&r)),
            (IpRule::CompanyOwnsContractResearch, vec!["guide.reason.service_agreement"])
        );
        let secret = Answers { results_unpublished: true, ..answers() };
        let r = recommend(&secret);
        assert_eq!(r.rule, IpRule::CompanyOwnsContractResearch);
        assert_eq!(keys(&r), ["guide.reason.unpublished", "guide.reason.market_price"]);
        let secret_consortium = Answers { parties: 4, ..secret };
        assert_eq!(recommend(&secret_consortium).runners_up, [IpRule::EachOwnsProjectLicences]);
    }

    #[test]
    fn consortia_by_who_exploits_what_the_company_needs_and_whose_background() {
        let consortium = Answers { parties: 4, ..answers() };
        assert_eq!(recommend(&consortium).rule, IpRule::EachOwnsBroadLicence);
        let background = Answers { essential_background: BackgroundHolder::Several, ..consortium };
        let r = recommend(&background);
        assert_eq!(r.rule, IpRule::EachOwnsProjectLicences);
        assert_eq!(r.reasons[1].args, [("holder", "several".to_owned())]);
        let needs = Answers { company_needs: CompanyNeed::Exclusivity, ..background };
        assert_eq!(recommend(&needs).rule, IpRule::EachTakesWhatFits);
        let lead = Answers { one_party_exploits: true, ..needs };
        assert_eq!(recommend(&lead).rule, IpRule::LeadExploitationParty);
    }

    #[test]
    fn answers_are_read_from_a_form_only_when_complete() {
        let form = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> =
                pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            move |field: &str| pairs.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone())
        };
        let two = [
            ("service_agreement", "no"),
            ("parties", "2"),
            ("essential_background", "nobody"),
            ("results_unpublished", "no"),
            ("company_needs", "use_only"),
        ];
        assert_eq!(Answers::read(form(&two)), Some(answers()));
        assert_eq!(Answers::read(form(&two[..4])), None, "a question left out");
        let mut four = two.to_vec();
        four[1] = ("parties", "4+");
        assert_eq!(Answers::read(form(&four)), None, "a consortium is asked who exploits");
        four.push(("one_party_exploits", "yes"));
        assert_eq!(recommend(&Answers::read(form(&four)).unwrap()).rule, IpRule::LeadExploitationParty);
        four[0] = ("service_agreement", "maybe");
        assert_eq!(Answers::read(form(&four)), None, "an answer that is no option");
    }

    #[test]
    fn every_recommendation_has_an_example_model_and_the_questions_are_few() {
        let models = example_models();
        for rule in IpRule::ALL {
            assert!(
                model_for(&models, *rule, &[PartyKind::Sme, PartyKind::University]).is_some(),
                "{rule:?}"
            );
        }
        let with_provider = [PartyKind::InfrastructureProvider, PartyKind::University];
        assert!(model_for(&models, IpRule::AcademicOwnsLicence, &with_provider).is_none());
        let mut newer = models[0].revised();
        newer.name.en = "newer".into();
        let both = [models[0].clone(), newer];
        assert_eq!(model_for(&both, IpRule::AcademicOwnsLicence, &[]).map(|m| m.version), Some(2));
        assert!(QUESTIONS.len() <= 6 && QUESTIONS.iter().filter(|q| q.consortium_only).count() == 1);
    }
}
