//! A form refused without JavaScript comes back as the page again, with the message at its
//! field and everything typed still there. The server keeps the refused post for a few
//! minutes (`server/src/form_refusals.rs`) and sends the browser back to the page it came
//! from with `?form_error=<token>`; the page then finds the refusal here: on the server in
//! the request, in the browser in the JSON the server wrote into the page's head, so both
//! render the same thing. With JavaScript, forms never leave the page, and this is unused.

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{Deserialize, Serialize};

/// The query parameter that names a kept refusal.
pub const QUERY: &str = "form_error";
/// The id of the element in the page's head that carries it to the browser.
pub const ELEMENT_ID: &str = "portal-failed-form";
/// How long a refused post is kept to be shown again.
pub const KEPT_MINUTES: i64 = 15;

/// A refused post: which server function, why, and what was typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedForm {
    pub path: String,
    pub error: AppError,
    pub fields: Vec<(String, String)>,
}

impl FailedForm {
    /// What was typed into the field of this name, if it was sent.
    pub fn typed(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Was a checkbox of this name ticked (sent at all)?
    pub fn ticked(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, _)| key == name)
    }

    /// As the page's head carries it: JSON that cannot end the element it is in.
    pub fn to_element_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default().replace('<', "\\u003c").replace('>', "\\u003e")
    }
}

/// The refusal this page is shown again for, if any.
pub fn failed_form() -> Option<FailedForm> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()?.extensions.get::<FailedForm>().cloned()
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        thread_local! {
            static WRITTEN: std::cell::OnceCell<Option<FailedForm>> = const { std::cell::OnceCell::new() };
        }
        WRITTEN.with(|written| {
            written
                .get_or_init(|| {
                    let text =
                        web_sys::window()?.document()?.get_element_by_id(ELEMENT_ID)?.text_content()?;
                    serde_json::from_str(&text).ok()
                })
                .clone()
        })
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        None
    }
}

/// What was typed into this field before the refusal, else the value it has.
pub fn typed_or(name: &str, value: String) -> String {
    failed_form().and_then(|form| form.typed(name).map(str::to_owned)).unwrap_or(value)
}

/// Was this checkbox ticked when the form was refused, else as it is.
pub fn ticked_or(name: &str, checked: bool) -> bool {
    match failed_form() {
        Some(form) if !form.fields.is_empty() => form.ticked(name),
        _ => checked,
    }
}

/// The action a form posts to, already holding its refusal when the page is shown again
/// for one of its posts: every `error_at` and command message then shows it at its field.
pub fn remembered_action<S>() -> ServerAction<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    remembered_action_where::<S>(|_| true)
}

/// As [`remembered_action`], for one of several forms on a page that post to the same
/// function: the one whose post `is_mine` recognises (by a hidden field, say).
pub fn remembered_action_where<S>(is_mine: impl Fn(&FailedForm) -> bool) -> ServerAction<S>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let action = ServerAction::<S>::new();
    if let Some(failed) = failed_form().filter(|failed| failed.path == S::PATH && is_mine(failed)) {
        action.value().set(Some(Err(failed.error)));
    }
    action
}

/// What was typed into this field of the form whose hidden `key` was `value`, before
/// its refusal; else `value_now`. For pages with several forms of the same field names.
pub fn typed_in(key: &str, value: &str, name: &str, value_now: String) -> String {
    failed_form()
        .filter(|form| form.typed(key) == Some(value))
        .map(|form| form.typed(name).unwrap_or_default().to_owned())
        .unwrap_or(value_now)
}

/// Was this checkbox of the form whose hidden `key` was `value` ticked when it was
/// refused; else as it is.
pub fn ticked_in(key: &str, value: &str, name: &str, checked: bool) -> bool {
    failed_form().filter(|form| form.typed(key) == Some(value)).map_or(checked, |form| form.ticked(name))
}

/// The refusal's JSON in the page's head, for the browser to render the same page.
#[component]
pub fn FailedFormData() -> impl IntoView {
    failed_form().map(|failed| {
        view! { <script type="application/json" id=ELEMENT_ID inner_html=failed.to_element_text()></script> }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_element_cannot_be_ended_by_what_was_typed() {
        let failed = FailedForm {
            path: "/api/save_call".into(),
            error: AppError::invalid("title", "form.too_long"),
            fields: vec![("call[title_en]".into(), "</script><script>alert(1)</script>".into())],
        };
        let text = failed.to_element_text();
        assert!(!text.contains('<') && !text.contains('>'), "{text}");
        let back: FailedForm = serde_json::from_str(&text).unwrap();
        assert_eq!(back, failed);
        assert_eq!(back.typed("call[title_en]"), Some("</script><script>alert(1)</script>"));
        assert!(!back.ticked("call[published]"));
    }
}
