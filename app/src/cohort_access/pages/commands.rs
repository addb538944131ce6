//! The small forms that give an application one command each. Every form has its own
//! action, so a refusal shows at the form that caused it; a success reloads the page's data.

use crate::cohort_access::api::{ActAsCommittee, ActAsReviewer, ActAsTeam};
pub use crate::forms::Refresh;
use crate::forms::command_form;
use leptos::prelude::*;

/// A command of the team (see [`crate::cohort_access::api::act_as_team`]).
#[component]
pub fn TeamForm(
    id: i64,
    step: &'static str,
    /// Unique on the page, for the message's id.
    key: String,
    children: Children,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let hidden = vec![("id", id.to_string()), ("step", step.to_owned())];
    command_form(ServerAction::<ActAsTeam>::new(), hidden, key, children, class)
}

/// A command of a node's committee (see [`crate::cohort_access::api::act_as_committee`]).
#[component]
pub fn CommitteeForm(
    id: i64,
    node: String,
    step: &'static str,
    key: String,
    children: Children,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let hidden = vec![("id", id.to_string()), ("node", node), ("step", step.to_owned())];
    command_form(ServerAction::<ActAsCommittee>::new(), hidden, key, children, class)
}

/// A reviewer's declaration or advice (see [`crate::cohort_access::api::act_as_reviewer`]).
#[component]
pub fn ReviewerForm(
    id: i64,
    node: String,
    step: &'static str,
    key: String,
    children: Children,
) -> impl IntoView {
    let hidden = vec![("id", id.to_string()), ("node", node), ("step", step.to_owned())];
    command_form(ServerAction::<ActAsReviewer>::new(), hidden, key, children, None)
}
