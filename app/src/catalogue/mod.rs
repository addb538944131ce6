//! The national catalogue: nodes, cohorts and datasets with their consent codes; harvesting
//! the nodes' catalogues, searching them, and publishing the whole as DCAT-AP.

pub mod api;
#[cfg(feature = "ssr")]
pub mod dcat;
#[cfg(feature = "ssr")]
pub mod harvest;
pub mod model;
#[cfg(feature = "ssr")]
pub mod outbound;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
pub mod views;
