//! Does a research purpose fit a cohort's consent codes (GA4GH DUO)? The rules of the
//! brief, as DUOS applies them: a purpose fits the primary codes that cover it; for-profit
//! use never fits NPU or NCU; codes that need a person's judgement (ethics approval,
//! collaboration, publication, geography, moratorium…) make the answer "needs review",
//! never a silent yes. Pure: shown to the applicant before submitting and to the committee.

use crate::catalogue::model::{ConsentCode, DuoTerm};
use serde::{Deserialize, Serialize};

/// What the research is for, as DUO names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "disease")]
pub enum ResearchPurpose {
    /// Any research (fits only data consented for general research use).
    General,
    /// Health, medical or biomedical research.
    HealthMedical,
    /// Research on one disease.
    DiseaseSpecific(String),
    /// Research on population origins or ancestry.
    PopulationOrigins,
    /// Development of methods, algorithms or software.
    MethodsDevelopment,
}

/// Why an answer is what it is: one line per code that decided it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The primary code covers the purpose.
    PurposeCovered(DuoTerm),
    /// The primary code does not cover the purpose.
    PurposeNotCovered(DuoTerm),
    /// The dataset is for another disease.
    OtherDisease { dataset: String, purpose: String },
    /// The diseases may be related (one names the other): a person must judge.
    RelatedDisease { dataset: String, purpose: String },
    /// NPU or NCU and the use is for profit.
    ForProfitNotAllowed(DuoTerm),
    /// NMDS: no methods development outside the permitted purpose.
    MethodsNotAllowed,
    /// A modifier the committee must check (IRB, COL, PUB, GS, MOR, TS, RTN, GSO…).
    NeedsHumanCheck(DuoTerm),
    /// The dataset carries no primary code at all.
    NoPrimaryCode,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict", content = "reasons")]
pub enum Compatibility {
    Compatible(Vec<Reason>),
    NeedsReview(Vec<Reason>),
    NotCompatible(Vec<Reason>),
}

impl Compatibility {
    pub fn code(&self) -> &'static str {
        match self {
            Compatibility::Compatible(_) => "compatible",
            Compatibility::NeedsReview(_) => "needs_review",
            Compatibility::NotCompatible(_) => "not_compatible",
        }
    }

    pub fn reasons(&self) -> &[Reason] {
        match self {
            Compatibility::Compatible(r)
            | Compatibility::NeedsReview(r)
            | Compatibility::NotCompatible(r) => r,
        }
    }
}

fn same_disease(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn related_disease(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim().to_lowercase(), b.trim().to_lowercase());
    !a.is_empty() && !b.is_empty() && (a.contains(&b) || b.contains(&a))
}

/// Does the primary code cover the purpose? `Err` carries why not (or why a person must look).
fn purpose_fit(code: &ConsentCode, purpose: &ResearchPurpose) -> Result<Reason, (Reason, bool)> {
    use ResearchPurpose::*;
    let covered = Ok(Reason::PurposeCovered(code.term));
    let not_covered = Err((Reason::PurposeNotCovered(code.term), false));
    match (code.term, purpose) {
        (DuoTerm::Nres | DuoTerm::Gru, _) => covered,
        (DuoTerm::Hmb, HealthMedical | DiseaseSpecific(_) | MethodsDevelopment) => covered,
        (DuoTerm::Poa, PopulationOrigins) => covered,
        (DuoTerm::Ds, DiseaseSpecific(wanted)) => {
            let consented = code.disease_term.clone().unwrap_or_default();
            if same_disease(&consented, wanted) {
                covered
            } else if related_disease(&consented, wanted) {
                Err((Reason::RelatedDisease { dataset: consented, purpose: wanted.clone() }, true))
            } else {
                Err((Reason::OtherDisease { dataset: consented, purpose: wanted.clone() }, false))
            }
        }
        _ => not_covered,
    }
}

/// The answer for one cohort's codes.
pub fn check(codes: &[ConsentCode], purpose: &ResearchPurpose, for_profit: bool) -> Compatibility {
    let mut refusals = Vec::new();
    let mut reviews = Vec::new();
    let mut grounds = Vec::new();

    let primaries: Vec<&ConsentCode> = codes.iter().filter(|c| c.term.is_primary()).collect();
    if primaries.is_empty() {
        reviews.push(Reason::NoPrimaryCode);
    }
    // Several primary codes: the purpose must fit one of them.
    let fits: Vec<Result<Reason, (Reason, bool)>> =
        primaries.iter().map(|c| purpose_fit(c, purpose)).collect();
    if let Some(Ok(reason)) = fits.iter().find(|f| f.is_ok()) {
        grounds.push(reason.clone());
    } else if let Some(Err((reason, _))) = fits.iter().find(|f| matches!(f, Err((_, true)))) {
        reviews.push(reason.clone());
    } else {
        refusals.extend(fits.into_iter().filter_map(|f| f.err().map(|(reason, _)| reason)));
    }

    for code in codes.iter().filter(|c| !c.term.is_primary()) {
        match code.term {
            DuoTerm::Npu | DuoTerm::Ncu if for_profit => {
                refusals.push(Reason::ForProfitNotAllowed(code.term))
            }
            DuoTerm::Npu | DuoTerm::Ncu => {}
            DuoTerm::Nmds if *purpose == ResearchPurpose::MethodsDevelopment => {
                refusals.push(Reason::MethodsNotAllowed)
            }
            DuoTerm::Nmds => {}
            other => reviews.push(Reason::NeedsHumanCheck(other)),
        }
    }
    if !refusals.is_empty() {
        Compatibility::NotCompatible(refusals)
    } else if !reviews.is_empty() {
        grounds.extend(reviews);
        Compatibility::NeedsReview(grounds)
    } else {
        Compatibility::Compatible(grounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResearchPurpose::*;

    fn codes(spec: &[(DuoTerm, Option<&str>)]) -> Vec<ConsentCode> {
        spec.iter()
            .map(|(term, disease)| ConsentCode { term: *term, disease_term: disease.map(String::from) })
            .collect()
    }

    fn verdict(spec: &[(DuoTerm, Option<&str>)], purpose: ResearchPurpose, for_profit: bool) -> &'static str {
        check(&codes(spec), &purpose, for_profit).code()
    }

    #[test]
    fn the_matching_table_of_the_brief() {
        let cancer = || DiseaseSpecific("cancer".into());
        // DS-X fits GRU, HMB, DS-X.
        assert_eq!(verdict(&[(DuoTerm::Gru, None)], cancer(), false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Hmb, None)], cancer(), false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Ds, Some("Cancer"))], cancer(), false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Ds, Some("diabetes"))], cancer(), false), "not_compatible");
        assert_eq!(verdict(&[(DuoTerm::Poa, None)], cancer(), false), "not_compatible");
        // HMB fits GRU, HMB.
        assert_eq!(verdict(&[(DuoTerm::Gru, None)], HealthMedical, false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Hmb, None)], HealthMedical, false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Ds, Some("cancer"))], HealthMedical, false), "not_compatible");
        // POA fits GRU, POA.
        assert_eq!(verdict(&[(DuoTerm::Poa, None)], PopulationOrigins, false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Hmb, None)], PopulationOrigins, false), "not_compatible");
        // General research fits only general consent.
        assert_eq!(verdict(&[(DuoTerm::Gru, None)], General, false), "compatible");
        assert_eq!(verdict(&[(DuoTerm::Hmb, None)], General, false), "not_compatible");
        assert_eq!(verdict(&[(DuoTerm::Nres, None)], General, true), "compatible");
    }

    #[test]
    fn for_profit_use_never_fits_npu_or_ncu() {
        for modifier in [DuoTerm::Npu, DuoTerm::Ncu] {
            let spec = [(DuoTerm::Hmb, None), (modifier, None)];
            assert_eq!(verdict(&spec, HealthMedical, true), "not_compatible");
            assert_eq!(verdict(&spec, HealthMedical, false), "compatible");
        }
    }

    #[test]
    fn modifiers_that_need_a_person_are_flagged_never_passed() {
        for modifier in [
            DuoTerm::Irb,
            DuoTerm::Col,
            DuoTerm::Pub,
            DuoTerm::Gs,
            DuoTerm::Mor,
            DuoTerm::Ts,
            DuoTerm::Rtn,
            DuoTerm::Gso,
        ] {
            let result = check(&codes(&[(DuoTerm::Hmb, None), (modifier, None)]), &HealthMedical, false);
            assert_eq!(result.code(), "needs_review", "{modifier:?}");
            assert!(result.reasons().contains(&Reason::NeedsHumanCheck(modifier)));
            assert!(result.reasons().contains(&Reason::PurposeCovered(DuoTerm::Hmb)), "the grounds are kept");
        }
        // A refusal outweighs a flag.
        assert_eq!(
            verdict(&[(DuoTerm::Ds, Some("x")), (DuoTerm::Irb, None)], HealthMedical, false),
            "not_compatible"
        );
    }

    #[test]
    fn related_diseases_and_missing_codes_go_to_a_person() {
        let result =
            check(&codes(&[(DuoTerm::Ds, Some("cancer"))]), &DiseaseSpecific("breast cancer".into()), false);
        assert_eq!(result.code(), "needs_review");
        assert_eq!(
            result.reasons()[0],
            Reason::RelatedDisease { dataset: "cancer".into(), purpose: "breast cancer".into() }
        );
        assert_eq!(check(&[], &HealthMedical, false).code(), "needs_review");
        assert_eq!(
            verdict(&[(DuoTerm::Hmb, None), (DuoTerm::Nmds, None)], MethodsDevelopment, false),
            "not_compatible"
        );
        assert_eq!(
            verdict(&[(DuoTerm::Hmb, None), (DuoTerm::Nmds, None)], HealthMedical, false),
            "compatible"
        );
    }

    #[test]
    fn the_demo_cohorts_answer_as_their_committees_would_expect() {
        // SCAPIS: HMB + IRB + PUB; U-CAN: DS-cancer + IRB + COL; LifeGene: HMB + IRB + NPU.
        let scapis = codes(&[(DuoTerm::Hmb, None), (DuoTerm::Irb, None), (DuoTerm::Pub, None)]);
        let ucan = codes(&[(DuoTerm::Ds, Some("cancer")), (DuoTerm::Irb, None), (DuoTerm::Col, None)]);
        let lifegene = codes(&[(DuoTerm::Hmb, None), (DuoTerm::Irb, None), (DuoTerm::Npu, None)]);
        let heart = DiseaseSpecific("cardiovascular disease".into());
        assert_eq!(check(&scapis, &heart, false).code(), "needs_review");
        assert_eq!(check(&ucan, &heart, false).code(), "not_compatible");
        assert_eq!(check(&lifegene, &heart, true).code(), "not_compatible");
    }
}
