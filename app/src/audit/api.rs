//! Server functions for the administrators' audit view.

use super::model::{AuditFilter, AuditPage};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the audit page says about the chain: rows checked and the first broken row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    pub rows_checked: u64,
    pub broken_at: Option<i64>,
}

#[server]
pub async fn audit_trail(filter: AuditFilter) -> Result<AuditPage, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, person) = authorize(Action::ViewAudit).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    for (field, value) in [("from", &filter.from_date), ("to", &filter.to_date)] {
        if let Some(date) = value.as_deref().filter(|d| !d.is_empty())
            && kernel::dates::parse(date).is_none()
        {
            return Err(with_status(AppError::invalid(field, "error.invalid_date")));
        }
    }
    for (field, value) in
        [("actor", &filter.actor), ("action", &filter.action), ("subject_kind", &filter.subject_kind)]
    {
        if let Some(value) = value.as_deref() {
            crate::forms::bounded(value, field, crate::forms::limits::SHORT, false)?;
        }
    }
    Ok(super::store::search(&state.db, person.id.get(), &filter).await?)
}

#[server]
pub async fn audit_chain_status() -> Result<ChainStatus, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ViewAudit).await?;
    let report = super::store::verify(&state.db).await?;
    Ok(ChainStatus { rows_checked: report.rows_checked, broken_at: report.first_break.map(|(id, _)| id) })
}
