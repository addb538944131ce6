//! The small forms that give an application one command each. Every form has its own
//! action, so a refusal shows at the form that caused it; a success reloads the page's data.

use crate::cohort_access::api::{ActAsCommittee, ActAsReviewer, ActAsTeam};
use crate::error::AppError;
use crate::forms::FieldError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

/// Bumped after every successful command: the application page reloads its data on it.
#[derive(Debug, Clone, Copy)]
pub struct Refresh(pub RwSignal<u64>);

/// A form for one command: the hidden values that name it, the fields given as children,
/// and the message of a refusal below them.
fn command_form<S, P>(
    action: ServerAction<S>,
    hidden: Vec<(&'static str, String)>,
    key: String,
    children: Children,
    class: Option<String>,
) -> impl IntoView
where
    S: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, P>, Error = AppError>
        + Clone
        + Send
        + Sync
        + 'static,
    <<S::Client as Client<AppError>>::Request as ClientReq<AppError>>::FormData:
        From<leptos::web_sys::FormData>,
    S::Output: Clone + Send + Sync + 'static,
    S::Client: Client<AppError>,
    P: Send + Sync + 'static,
{
    let i = use_i18n();
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Ok(_)))) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    let message = Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(i.t(error.message_key())),
        _ => None,
    });
    let error_id = format!("{key}-error");
    let described = error_id.clone();
    view! {
        <ActionForm action attr:class=class.unwrap_or_else(|| "command-form".into()) attr:aria-describedby=described>
            {hidden.into_iter().map(|(name, value)| view! { <input type="hidden" name=name value=value /> }).collect_view()}
            {children()}
            <FieldError id=error_id message />
        </ActionForm>
    }
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
