//! Server functions for content pages.

use super::model::{PageLink, RenderedPage};
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn content_page(slug: String) -> Result<RenderedPage, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang, with_status};
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    state.content.page(&slug, request_lang()).ok_or_else(|| with_status(AppError::NotFound))
}

#[server]
pub async fn content_menu() -> Result<Vec<PageLink>, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang};
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    Ok(state.content.menu(request_lang()))
}
