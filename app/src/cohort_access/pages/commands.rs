//! The small forms that give an application one command each. Every form has its own
//! action, so a refusal shows at the form that caused it; a success reloads the page's data.
//! A form posts its command as the application's rules type it: `command[vote][cohort]=12`.

use crate::cohort_access::api::ActOnApplication;
pub use crate::forms::Refresh;
use crate::ui::command_form;
use kernel::ApplicationId;
use leptos::prelude::*;

/// The name of a command's field in a form: `command[vote][comment]`.
pub fn field(command: &str, name: &str) -> String {
    format!("command[{command}][{name}]")
}

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
    let mut hidden: Vec<(String, String)> = vec![("id".into(), id.to_string())];
    if kernel::access::PersonCommand::UNIT.contains(&command) {
        hidden.push(("command".into(), command.to_owned()));
    }
    hidden.extend(fixed.into_iter().map(|(name, value)| (field(command, name), value)));
    command_form(crate::failed_form::remembered_action::<ActOnApplication>(), hidden, key, children, class)
}
