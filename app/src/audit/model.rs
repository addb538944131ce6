//! What the audit view and the audit API exchange.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    /// Part of the actor's name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub subject_kind: Option<String>,
    /// `YYYY-MM-DD`, inclusive, UTC.
    pub from_date: Option<String>,
    pub to_date: Option<String>,
    pub page: u32,
}

impl AuditFilter {
    pub const PAGE_SIZE: u32 = 50;

    /// The filter as URL query pairs (for links that keep it), without empty values.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        for (key, value) in [
            ("actor", &self.actor),
            ("action", &self.action),
            ("subject_kind", &self.subject_kind),
            ("from", &self.from_date),
            ("to", &self.to_date),
        ] {
            if let Some(value) = value.as_ref().filter(|v| !v.is_empty()) {
                pairs.push((key, value.clone()));
            }
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
    }
}

/// What an audit row records; also everything its hash covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFields {
    pub occurred_at: String,
    pub actor_id: Option<i64>,
    pub subject_kind: String,
    pub subject_id: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    pub summary: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(flatten)]
    pub event: EventFields,
    pub actor_name: Option<String>,
    pub row_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: u64,
    pub page: u32,
    /// Values the filter offers.
    pub actions: Vec<String>,
    pub subject_kinds: Vec<String>,
}

impl AuditPage {
    pub fn page_count(&self) -> u32 {
        (self.total.div_ceil(u64::from(AuditFilter::PAGE_SIZE)) as u32).max(1)
    }
}
