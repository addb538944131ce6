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
