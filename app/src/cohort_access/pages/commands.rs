//! The small forms that give an application one command each. Every form has its own
//! action, so a refusal shows at the form that caused it; a success reloads the page's data.

use crate::cohort_access::api::{ActAsCommittee, ActAsReviewer, ActAsTeam};
use crate::error::AppError;
use crate::forms::FieldError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// Bumped after every successful command: the application page reloads its data on it.
#[derive(Debug, Clone, Copy)]
pub struct Refresh(pub RwSignal<u64>);

fn refresh_on_success<S>(action: ServerAction<S>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Ok(_)))) {
                refresh.update(|n| *n += 1);
            }
        });
    }
}

/// The message for a failed command, wherever in the form it belongs.
fn message<S>(action: ServerAction<S>) -> Signal<Option<String>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let i = use_i18n();
    Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(i.t(error.message_key())),
        _ => None,
    })
}

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
    let action = ServerAction::<ActAsTeam>::new();
    refresh_on_success(action);
    let error_id = format!("{key}-error");
    let described = error_id.clone();
    view! {
        <ActionForm action attr:class=class.unwrap_or_else(|| "command-form".into()) attr:aria-describedby=described>
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="step" value=step />
            {children()}
            <FieldError id=error_id message=message(action) />
        </ActionForm>
    }
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
    let action = ServerAction::<ActAsCommittee>::new();
    refresh_on_success(action);
    let error_id = format!("{key}-error");
    let described = error_id.clone();
    view! {
        <ActionForm action attr:class=class.unwrap_or_else(|| "command-form".into()) attr:aria-describedby=described>
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="node" value=node />
            <input type="hidden" name="step" value=step />
            {children()}
            <FieldError id=error_id message=message(action) />
        </ActionForm>
    }
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
    let action = ServerAction::<ActAsReviewer>::new();
    refresh_on_success(action);
    let error_id = format!("{key}-error");
    let described = error_id.clone();
    view! {
        <ActionForm action attr:class="command-form" attr:aria-describedby=described>
            <input type="hidden" name="id" value=id.to_string() />
            <input type="hidden" name="node" value=node />
            <input type="hidden" name="step" value=step />
            {children()}
            <FieldError id=error_id message=message(action) />
        </ActionForm>
    }
}
