//! The national catalogue: nodes, cohorts and their consent codes.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod views;
