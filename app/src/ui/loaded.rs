//! The one way pages show data that arrives.

use super::status::ErrorNotice;
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// Turns an error into the page's own answer to it, or hands it back for the error notice.
pub type Recover = Callback<AppError, Result<AnyView, AppError>>;

/// What a resource loads, rendered by `render`, or the error it brought; one loading line
/// meanwhile. The one way pages show data that arrives.
#[component]
pub fn Loaded<T, F>(
    resource: Resource<Result<T, AppError>>,
    render: F,
    /// The whole page is what loads: the loading line stands as the page.
    #[prop(optional)]
    page: bool,
    /// Errors the page answers itself (a refused filter shown at its form); the ones it
    /// hands back get the error notice.
    #[prop(optional)]
    recover: Option<Recover>,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    let i = use_i18n();
    let loading = if page { "page loading" } else { "loading" };
    view! {
        <Suspense fallback=move || view! { <p class=loading>{i.t("shell.loading")}</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value),
                        Err(error) => match recover {
                            Some(recover) => recover.run(error).unwrap_or_else(|error| view! { <ErrorNotice error /> }.into_any()),
                            None => view! { <ErrorNotice error /> }.into_any(),
                        },
                    }
                })
            }}
        </Suspense>
    }
}
