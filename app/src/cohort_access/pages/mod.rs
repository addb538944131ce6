//! The cohort access pages: the basket, my applications, one application (form, team,
//! consent check, decisions, committee handling, advice, timeline), invitations, the
//! committee queues and requests for advice.

mod application;
mod basket;
mod commands;
mod form;
mod handling;
mod lists;
mod rules;

pub use application::ApplicationPageView;
pub use basket::{BasketControl, BasketPage};
pub use lists::{CommitteeQueuePage, InvitationPage, MyApplicationsPage, ReviewRequestPage, ReviewsPage};
pub use rules::NodeRulesForm;

use crate::i18n::I18n;
use kernel::access::{ApplicationState, PartStatus};

/// The label of an application's state.
pub fn application_state(i: I18n, state: ApplicationState) -> String {
    i.t(&format!("application.state.{}", state.code()))
}

/// The label of a part's state.
pub fn part_state(i: I18n, state: PartStatus) -> String {
    i.t(&format!("part.state.{}", state.code()))
}

/// Translation keys these pages build at run time (checked by the i18n tests).
pub fn dynamic_translation_keys() -> Vec<String> {
    use super::model::INVALID_FIELDS;
    let mut keys: Vec<String> =
        ApplicationState::ALL.iter().map(|s| format!("application.state.{}", s.code())).collect();
    keys.extend(PartStatus::ALL.iter().map(|s| format!("part.state.{}", s.code())));
    keys.extend(kernel::access::EVENT_KINDS.iter().map(|k| format!("timeline.{k}")));
    keys.extend(super::form::SECTIONS.iter().map(|(s, _)| format!("form.section.{s}")));
    keys.extend(
        super::form::SECTIONS.iter().flat_map(|(_, fields)| fields.iter().map(|f| format!("form.field.{f}"))),
    );
    keys.extend(super::form::PURPOSES.iter().map(|p| format!("purpose.{p}")));
    keys.extend(["pseudonymised", "anonymised"].iter().map(|d| format!("data_form.{d}")));
    keys.extend(["compatible", "needs_review", "not_compatible"].iter().map(|v| format!("duo.verdict.{v}")));
    keys.extend(
        [
            "purpose_covered",
            "purpose_not_covered",
            "other_disease",
            "related_disease",
            "for_profit_not_allowed",
            "methods_not_allowed",
            "needs_human_check",
            "no_primary_code",
        ]
        .iter()
        .map(|r| format!("duo.reason.{r}")),
    );
    keys.extend(["approve", "reject", "abstain"].iter().map(|v| format!("vote.{v}")));
    keys.extend(["no_quorum", "approve", "reject", "undecided"].iter().map(|t| format!("tally.{t}")));
    keys.extend(["running", "paused", "overdue"].iter().map(|c| format!("clock.{c}")));
    keys.extend(INVALID_FIELDS.iter().map(|f| format!("application.refused.invalid.{f}")));
    keys.extend(
        ["not_allowed", "wrong_state", "terms", "not_in_application", "votes"]
            .iter()
            .map(|r| format!("application.refused.{r}")),
    );
    keys.extend(["not_pdf", "too_large", "empty", "failed"].iter().map(|e| format!("upload.{e}")));
    keys.extend(["decision_months", "extension_months", "quorum"].iter().map(|f| format!("rules.{f}")));
    keys.extend(["simple", "two_thirds"].iter().map(|m| format!("rules.majority.{m}")));
    keys
}
