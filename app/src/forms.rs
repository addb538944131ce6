//! The one way forms report back: a message beside the field that failed, and forms that
//! keep what was typed when a submission fails (they reset only after a success). The
//! rules and signals live here; the controls that show them are in `crate::ui::fields`.

use crate::error::AppError;
use crate::i18n::I18n;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;

/// The longest text each kind of field takes, in characters: the one table every field's
/// limit comes from (the server checks them; the pages set `maxlength` from them too).
pub mod limits {
    /// A title, a name of a thing (a call, a company, a proposal).
    pub const TITLE: usize = 200;
    /// A person's name, a contact name, a city.
    pub const NAME: usize = 120;
    pub const PHONE: usize = 40;
    pub const EMAIL: usize = 254;
    /// A short line: a reference number, a place, a choice written out.
    pub const SHORT: usize = 500;
    /// A reason, a rationale, a comment, a justification, a question.
    pub const REASON: usize = 5_000;
    /// A longer text: a description, a call's text, a clause.
    pub const BODY: usize = 20_000;
}

/// The text trimmed, when it fits its limit (and is there, if required); else the refusal
/// at its field. Every text a server function keeps passes through this.
#[cfg(feature = "ssr")]
pub fn bounded(text: &str, field: &str, max: usize, required: bool) -> Result<String, AppError> {
    let trimmed = text.trim();
    let refuse = |key: &str| Err(crate::request::with_status(AppError::invalid(field, key)));
    if required && trimmed.is_empty() {
        return refuse("form.required");
    }
    if trimmed.chars().count() > max {
        return refuse("form.too_long");
    }
    Ok(trimmed.to_owned())
}

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

/// Bumped after every successful command: the application page reloads its data on it.
#[derive(Debug, Clone, Copy)]
pub struct Refresh(pub RwSignal<u64>);

/// Saves the form a moment after typing stops, or at once when a field is left (unless
/// for one of the form's own buttons, which save anyway). In the browser only; without
/// JavaScript the buttons save.
pub struct Autosave<S: ServerFn + 'static> {
    #[cfg(feature = "hydrate")]
    pending: StoredValue<Option<TimeoutHandle>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    form: NodeRef<leptos::html::Form>,
    #[cfg(feature = "hydrate")]
    action: ServerAction<S>,
    #[cfg(not(feature = "hydrate"))]
    kind: std::marker::PhantomData<fn() -> S>,
}

impl<S: ServerFn + 'static> Clone for Autosave<S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ServerFn + 'static> Copy for Autosave<S> {}

impl<S> Autosave<S>
where
    S: ServerFn<Error = AppError> + DeserializeOwned + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn new(form: NodeRef<leptos::html::Form>, action: ServerAction<S>) -> Autosave<S> {
        #[cfg(feature = "hydrate")]
        {
            let autosave = Autosave { pending: StoredValue::new_local(None), form, action };
            on_cleanup(move || autosave.cancel());
            autosave
        }
        #[cfg(not(feature = "hydrate"))]
        Autosave { kind: std::marker::PhantomData }
    }

    /// Forgets a save that has not started (the form is being submitted, or is gone).
    pub fn cancel(self) {
        #[cfg(feature = "hydrate")]
        if let Some(handle) = self.pending.try_get_value().flatten() {
            handle.clear();
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    pub fn schedule(self, delay_ms: u64) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::form::FromFormData;
            self.cancel();
            let (form, action) = (self.form, self.action);
            let handle = set_timeout_with_handle(
                move || {
                    // The form may have been replaced meanwhile (after a submission).
                    let Some(element) = form.try_get_untracked().flatten().filter(|f| f.is_connected())
                    else {
                        return;
                    };
                    let Ok(data) = web_sys::FormData::new_with_form(&element) else { return };
                    if let Ok(args) = S::from_form_data(&data) {
                        action.dispatch(args);
                    }
                },
                std::time::Duration::from_millis(delay_ms),
            );
            self.pending.try_set_value(handle.ok());
        }
    }

    /// A field was left: save now, unless focus went to a button of the form (which saves
    /// itself) or what lost focus was not a field (a button removed after a submission).
    pub fn left_field(self, event: leptos::ev::FocusEvent) {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            let tag = |target: Option<web_sys::EventTarget>| {
                target
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .map(|e| e.tag_name().to_ascii_lowercase())
            };
            let from_field = matches!(tag(event.target()).as_deref(), Some("input" | "textarea" | "select"));
            let to_button = tag(event.related_target()).as_deref() == Some("button");
            if from_field && !to_button {
                self.schedule(0);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    }
}

/// What a save answers: when it saved (Stockholm time).
pub trait Saved {
    fn saved_at(&self) -> &str;
}

/// The status line under an autosaved form: saving, the time of the last save, or why the
/// last one failed. `last_saved` is the time the page was loaded with.
pub fn save_status<S>(
    i: I18n,
    save: ServerAction<S>,
    autosave: ServerAction<S>,
    last_saved: String,
) -> impl Fn() -> String + Clone + Send + Sync + 'static
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Saved + Clone + Send + Sync + 'static,
{
    move || {
        if autosave.pending().get() || save.pending().get() {
            return i.t("form.saving");
        }
        let latest = [save.value().get(), autosave.value().get()];
        match latest.iter().flatten().find(|r| r.is_err()) {
            Some(Err(error)) => i.t_with("form.not_saved", &[("reason", &i.t(error.message_key()))]),
            _ => {
                let saved = latest
                    .iter()
                    .flatten()
                    .filter_map(|r| r.as_ref().ok())
                    .map(|o| o.saved_at().to_owned())
                    .max();
                i.t_with("form.saved_at", &[("time", &saved.unwrap_or_else(|| last_saved.clone()))])
            }
        }
    }
}
