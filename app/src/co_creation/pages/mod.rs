//! The co-creation pages: calls (public list, a call's page, the editor, the panel),
//! companies, proposals and a reviewer's desk.

mod calls;
mod companies;
mod lists;
mod proposal;

pub use calls::{CallEditPage, CallPageView, CallsPage, PanelPageView};
pub use companies::{CompanyInvitationPage, CompanyNewPage, CompanyPageView};
pub use lists::{MyProposalsPage, ReviewingPage};
pub use proposal::ProposalPageView;

/// Translation keys these pages build at run time (checked by the i18n tests).
pub fn dynamic_translation_keys() -> Vec<String> {
    use super::form::{AI_ACT_CLASSES, DEVICE_CLASSES, RESOURCES, SECTIONS};
    use super::model::{
        CallPhase, CompanyKind, CompanySize, Confidence, ConflictKind, DEFAULT_CRITERIA, Decision,
        ProposalState,
    };
    let mut keys: Vec<String> =
        ProposalState::ALL.iter().map(|s| format!("proposal.state.{}", s.code())).collect();
    keys.extend(CallPhase::ALL.iter().map(|p| format!("call.phase.{}", p.code())));
    keys.extend(SECTIONS.iter().map(|(s, _)| format!("proposal.section.{s}")));
    keys.extend(SECTIONS.iter().flat_map(|(_, fields)| fields.iter().map(|f| format!("proposal.field.{f}"))));
    keys.extend(RESOURCES.iter().map(|r| format!("resource.{r}")));
    keys.extend(DEVICE_CLASSES.iter().map(|c| format!("device_class.{c}")));
    keys.extend(AI_ACT_CLASSES.iter().map(|c| format!("ai_act_class.{c}")));
    keys.extend(CompanyKind::ALL.iter().map(|k| format!("company.kind.{}", k.code())));
    keys.extend(CompanySize::ALL.iter().map(|k| format!("company.size.{}", k.code())));
    keys.extend(Confidence::ALL.iter().map(|c| format!("confidence.{}", c.code())));
    keys.extend(ConflictKind::ALL.iter().map(|c| format!("conflict.{}", c.code())));
    keys.extend(Decision::ALL.iter().map(|d| format!("decision.{}", d.code())));
    keys.extend(kernel::proposal::EVENT_KINDS.iter().map(|k| format!("timeline.proposal_{k}")));
    keys.extend((1..=9).map(|n| format!("trl.{n}")));
    keys.extend(
        DEFAULT_CRITERIA
            .iter()
            .flat_map(|c| [format!("criterion.{c}.name"), format!("criterion.{c}.description")]),
    );
    keys.extend(["trl_low", "trl_high"].iter().map(|k| format!("proposal.ineligible.{k}")));
    keys.extend(
        [
            "org_number_format",
            "org_number_person",
            "org_number_check",
            "org_number_taken",
            "unknown_person",
            "website",
            "judging_role",
        ]
        .iter()
        .map(|k| format!("company.refused.{k}")),
    );
    keys.extend(
        ["wrong_state", "call_closed", "no_decision", "budget", "reviewer", "reviewed"]
            .iter()
            .map(|k| format!("proposal.refused.{k}")),
    );
    keys.extend(
        ["score", "comment", "justification", "resubmit"].iter().map(|k| format!("review.refused.{k}")),
    );
    keys.extend(
        [
            "criteria_locked",
            "closes_before_opens",
            "trl",
            "trl_order",
            "score",
            "reviewers",
            "weight",
            "criterion_name",
            "no_criteria",
        ]
        .iter()
        .map(|k| format!("call.refused.{k}")),
    );
    keys.extend(["released", "open", "screening", "undecided"].iter().map(|k| format!("panel.blocked.{k}")));
    keys.extend(
        [
            "title_sv",
            "title_en",
            "body_sv",
            "body_en",
            "opens",
            "closes",
            "trl_min",
            "trl_max",
            "disease_areas",
            "overall_threshold",
            "reviewers_per_proposal",
            "expression_of_interest",
            "published",
        ]
        .iter()
        .map(|f| format!("call.field.{f}")),
    );
    keys.extend(
        ["name_sv", "name_en", "description_sv", "description_en", "threshold", "weight"]
            .iter()
            .map(|f| format!("call.criterion.{f}")),
    );
    keys.extend(
        [
            "name",
            "org_number",
            "kind",
            "size",
            "city",
            "website",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        .iter()
        .map(|f| format!("company.field.{f}")),
    );
    keys.extend(["form.invalid_datetime", "form.choose", "form.draft_too_large"].map(String::from));
    keys
}
