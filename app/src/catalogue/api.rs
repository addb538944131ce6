//! Server functions for the public catalogue.

use super::model::CatalogueOverview;
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn get_catalogue_overview() -> Result<CatalogueOverview, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang};
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    Ok(super::store::overview(&state.db, request_lang()).await?)
}
