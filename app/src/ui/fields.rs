//! Form pieces: a labelled field with its hint and message, the message beside a control,
//! a form for one command, the progress through a long form and the list of what stopped a
//! submission. What the messages say comes from `crate::forms`.

use crate::error::AppError;
use crate::forms::Refresh;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos::server_fn::client::Client;
use leptos::server_fn::codec::PostUrl;
use leptos::server_fn::request::ClientReq;
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

/// The message beside a control (`id` is what the control's `aria-describedby` names);
/// nothing while there is none.
#[component]
pub fn FieldError(id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.get().is_some()>
            <p class="field__error" id=id.clone()>{move || message.get()}</p>
        </Show>
    }
}

/// What kind of control a [`Field`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Date,
    Area,
}

/// A labelled control with its hint and the message for its last problem; `changed` marks a
/// value that differs from the version before (for committees comparing versions).
#[component]
pub fn Field(
    /// Unique on the page: the control's id and the prefix of its hint's and message's ids.
    id: String,
    #[prop(into)] name: String,
    label: String,
    kind: FieldKind,
    value: String,
    message: Signal<Option<String>>,
    #[prop(default = None)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    // Shown again after a refusal without JavaScript: what was typed, not what was stored.
    let value = crate::failed_form::typed_or(&name, value);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    let invalid = move || message.get().is_some().to_string();
    let control = match kind {
        FieldKind::Area => view! {
            <textarea id=id.clone() name=name rows="5" aria-describedby=described.clone() aria-invalid=invalid
                required=required disabled=disabled>{value}</textarea>
        }
        .into_any(),
        other => {
            let kind = match other {
                FieldKind::Email => "email",
                FieldKind::Date => "date",
                _ => "text",
            };
            view! {
                <input id=id.clone() name=name type=kind value=value aria-describedby=described.clone()
                    aria-invalid=invalid required=required disabled=disabled />
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:field--invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            {hint.map(|hint| view! { <p class="field__hint" id=hint_id.clone()>{hint}</p> })}
            {control}
            <FieldError id=error_id.clone() message />
        </div>
    }
}

/// The name of a command's field in a form, as the workflows' `PersonCommand` reads it:
/// `command[withdraw][reason]`.
pub fn command_field(command: &str, name: &str) -> String {
    format!("command[{command}][{name}]")
}

/// The hidden values of a form for one command on record `id`: a command that carries
/// nothing but its name (`unit`) posts `command=<name>`; the others post their `fixed`
/// values under [`command_field`] names.
pub fn command_hidden(
    id: String,
    command: &str,
    unit: bool,
    fixed: Vec<(&str, String)>,
) -> Vec<(String, String)> {
    let mut hidden = vec![("id".to_owned(), id)];
    if unit {
        hidden.push(("command".into(), command.to_owned()));
    }
    hidden.extend(fixed.into_iter().map(|(name, value)| (command_field(command, name), value)));
    hidden
}

/// A form for one command: the hidden values that name it, the fields given as children,
/// and the message of a refusal below them.
pub fn command_form<S, P>(
    action: ServerAction<S>,
    hidden: Vec<(String, String)>,
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

/// How far the form is: one step per section, done or not.
#[component]
pub fn Progress(
    sections: Vec<(String, bool)>,
    /// Translation key prefix of the section names (`form.section`).
    prefix: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let done = sections.iter().filter(|(_, d)| *d).count();
    let total = sections.len();
    view! {
        <nav class="progress" aria-label=i.t("form.progress")>
            <p class="progress__summary" data-testid="form-progress">{i.t_with("form.progress_summary", &[("done", &done.to_string()), ("total", &total.to_string())])}</p>
            <ol class="progress__steps">
                {sections.into_iter().map(|(section, complete)| view! {
                    <li class="progress__step" class:progress__step--done=complete>
                        <a href=format!("#section-{section}")>{i.t(&format!("{prefix}.{section}"))}</a>
                        <span class="visually-hidden">{if complete { i.t("form.section_done") } else { i.t("form.section_todo") }}</span>
                        <span aria-hidden="true">{if complete { " ✓" } else { "" }}</span>
                    </li>
                }).collect_view()}
            </ol>
        </nav>
    }
    .into_any()
}

/// What stopped a submission, each problem linked to its field. `id_prefix` is the prefix
/// of the fields' ids (`form` for `form-title`), `label_prefix` that of the translations of
/// their names (`form.field`). Nothing when there are none.
#[component]
pub fn ProblemList(
    problems: Vec<(String, String)>,
    id_prefix: &'static str,
    label_prefix: &'static str,
) -> impl IntoView {
    let i = use_i18n();
    let count = problems.len();
    (count > 0).then(|| {
        view! {
            <div class="notice notice--error" role="alert" data-testid="form-problems">
                <p>{i.t_with("form.problems", &[("count", &count.to_string())])}</p>
                <ul>
                    {problems.into_iter().map(|(field, key)| view! {
                        <li><a href=format!("#{id_prefix}-{field}")>{i.t(&format!("{label_prefix}.{field}"))}": "{i.t(&key)}</a></li>
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}
