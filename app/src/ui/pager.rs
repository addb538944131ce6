//! Paging through a long list.

use leptos::prelude::*;

/// Previous and next links for a paged list, with where we are in between.
#[component]
pub fn Pager(
    label: String,
    previous: Option<(String, String)>,
    next: Option<(String, String)>,
    #[prop(optional, into)] status: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label=label>
            {previous.map(|(href, text)| view! { <a rel="prev" href=href>{text}</a> })}
            {status.map(|text| view! { <span class="pager__status">{text}</span> })}
            {next.map(|(href, text)| view! { <a rel="next" href=href>{text}</a> })}
        </nav>
    }
}
