//! A content page, with a visible note when it is shown in the other language.

use super::api::content_page;
use super::model::RenderedPage;
use crate::i18n::use_i18n;
use crate::ui::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ContentPageView() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let page = Resource::new(move || params.read().get("slug").unwrap_or_default(), content_page);
    view! {
        <Loaded resource=page page=true render={move |page: RenderedPage| {
            let fallback_note = page.is_fallback.then(|| {
                view! { <p class="notice" role="note">{i.t("content.fallback_note")}</p> }
            });
            view! {
                <Title text=page.title.clone() />
                <div class="page page--prose">
                    {fallback_note}
                    <article class="prose" lang=page.lang.code() inner_html=page.html></article>
                </div>
            }
            .into_any()
        }} />
    }
}
