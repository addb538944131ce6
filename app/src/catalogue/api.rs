//! Server functions for the catalogue: the overview, search, datasets, nodes and harvests.
// A form with many fields is a server function with many arguments.
#![allow(clippy::too_many_arguments)]

use super::model::{CatalogueOverview, DatasetDetail, DatasetSearchResult, HarvestRunView, NodeDetail};
use crate::error::AppError;
use leptos::prelude::*;

#[server]
pub async fn get_catalogue_overview() -> Result<CatalogueOverview, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang};
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    Ok(super::store::overview(&state.db, request_lang()).await?)
}

/// A search as the page's URL carries it (`q=cardio&node=uppsala…`).
#[server]
pub async fn search_datasets(query: String) -> Result<DatasetSearchResult, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, request_lang, with_status};
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    let query = super::model::DatasetQuery::from_query_string(&query)
        .map_err(|problem| with_status(AppError::invalid(&problem.parameter, "catalogue.bad_query")))?;
    Ok(super::store::search(&state.db, &query, request_lang()).await?)
}

#[server]
pub async fn get_dataset(slug: String) -> Result<DatasetDetail, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    super::store::dataset(&state.db, &slug).await?.ok_or_else(|| with_status(AppError::NotFound))
}

#[server]
pub async fn list_nodes() -> Result<Vec<NodeDetail>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ReadPublicCatalogue).await?;
    Ok(super::store::nodes(&state.db).await?)
}

/// A node with its records and harvests; `can_edit` says whether the viewer may change it.
#[server]
pub async fn get_node(slug: String) -> Result<NodeDetail, AppError> {
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, permits, with_status};
    let (state, person) = authorize(Action::ReadPublicCatalogue).await?;
    let mut node =
        super::store::node(&state.db, &slug).await?.ok_or_else(|| with_status(AppError::NotFound))?;
    node.can_edit = permits(&state, person.as_ref(), Action::EditNode, Thing::Node { slug: &slug });
    Ok(node)
}

#[server]
pub async fn update_node(
    slug: String,
    description_sv: String,
    description_en: String,
    contact_name: String,
    contact_email: String,
    catalogue_site_url: String,
    catalogue_url: String,
    services: Option<Vec<String>>,
) -> Result<(), AppError> {
    use crate::audit::{NewEvent, record_in};
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let (state, person) = authorize_on(Action::EditNode, Thing::Node { slug: &slug }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let changes = super::model::NodeChanges::parse(
        &description_sv,
        &description_en,
        &contact_name,
        &contact_email,
        &catalogue_site_url,
        &catalogue_url,
        &services.unwrap_or_default(),
        state.config.is_production(),
    )
    .map_err(|(field, key)| with_status(AppError::invalid(field, key)))?;
    let mut tx = state.db.write().await?;
    let node_id =
        super::store::node_id(&mut tx, &slug).await?.ok_or_else(|| with_status(AppError::NotFound))?;
    let changed = super::store::update_node(&mut tx, node_id, &changes).await?;
    if !changed.is_empty() {
        let event = NewEvent::transition(Some(person.id.get()), "node", &slug, "node_updated", None, None);
        record_in(&mut tx, NewEvent { summary: Some(format!("changed {}", changed.join(", "))), ..event })
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Harvests the node's catalogue now and answers the run (succeeded or failed: a failed
/// harvest is a result to show, not an error of this call).
#[server]
pub async fn harvest_node_now(slug: String) -> Result<HarvestRunView, AppError> {
    use super::harvest::{HarvestError, HarvestLimits, Initiator, harvest_node};
    use crate::policy::{Action, Thing};
    use crate::request::{authorize_on, with_status};
    let (state, person) = authorize_on(Action::HarvestNode, Thing::Node { slug: &slug }).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let limits = HarvestLimits::from_config(&state.config);
    let report = match harvest_node(&state.db, limits, &slug, Initiator::Person(person.id.get())).await {
        Ok(report) => report,
        Err(HarvestError::NoSuchNode) => return Err(with_status(AppError::NotFound)),
        Err(HarvestError::NoCatalogue) => {
            return Err(with_status(AppError::invalid("catalogue_url", "catalogue.no_catalogue_url")));
        }
        Err(HarvestError::AlreadyRunning) => {
            return Err(with_status(AppError::invalid("harvest", "catalogue.harvest_running")));
        }
        Err(HarvestError::Sql(error)) => return Err(error.into()),
    };
    let runs = super::store::harvest_runs(&state.db, &slug, super::store::RUNS_SHOWN).await?;
    runs.into_iter().find(|r| r.id == report.run_id).ok_or(AppError::Internal)
}
