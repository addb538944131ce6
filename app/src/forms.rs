//! The one way forms report back: a message beside the field that failed, and forms that
//! keep what was typed when a submission fails (they reset only after a success).

use crate::error::AppError;
use crate::i18n::I18n;
use leptos::prelude::*;

/// The message for `field` if the last submission failed there; general failures go to "".
pub fn error_at<T: Clone + Send + Sync + 'static>(
    i: I18n,
    result: Option<Result<T, AppError>>,
    field: &'static str,
) -> Option<String> {
    match result? {
        Ok(_) => None,
        Err(AppError::Invalid { field: f, message_key }) if f == field => Some(i.t(&message_key)),
        Err(AppError::Invalid { .. }) => None,
        Err(other) if field.is_empty() => Some(i.t(other.message_key())),
        Err(_) => None,
    }
}

/// Counts successful submissions only, so a failed one does not reload (and reset) a form.
pub fn successes<S>(action: ServerAction<S>) -> Memo<usize>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Memo::new(move |previous: Option<&usize>| {
        let version = action.version().get();
        let failed = action.value().with(|v| matches!(v, Some(Err(_))));
        if failed { previous.copied().unwrap_or(0) } else { version }
    })
}

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
    name: &'static str,
    label: String,
    kind: FieldKind,
    value: String,
    message: Signal<Option<String>>,
    #[prop(default = None)] hint: Option<String>,
    #[prop(optional)] required: bool,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
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
