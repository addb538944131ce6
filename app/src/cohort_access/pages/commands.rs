//! The small forms that give an application one command each. Every form has its own
//! action, so a refusal shows at the form that caused it; a success reloads the page's data.
//! A form posts its command as the application's rules type it: `command[vote][cohort]=12`.

use crate::cohort_access::api::ActOnApplication;
pub use crate::forms::Refresh;
use crate::ui::{command_form, command_hidden};
use kernel::ApplicationId;
use leptos::prelude::*;

pub use crate::ui::command_field as field;

/// A form for one command on the application. `command` is the command's name
/// (`vote`, `withdraw`…); `fixed` are its values the form does not ask for (the cohort, the
/// node); a command without values (`withdraw`) has none and no fields.
#[component]
pub fn CommandForm(
    id: ApplicationId,
    command: &'static str,
    #[prop(optional)] fixed: Vec<(&'static str, String)>,
    /// Unique on the page, for the message's id.
    key: String,
    children: Children,
    #[prop(optional, into)] class: Option<String>,
) -> impl IntoView {
    let unit = kernel::access::PersonCommand::UNIT.contains(&command);
    let hidden = command_hidden(id.to_string(), command, unit, fixed);
    command_form(crate::failed_form::remembered_action::<ActOnApplication>(), hidden, key, children, class)
}
