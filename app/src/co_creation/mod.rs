//! Co-creation with companies: calls with their criteria, company profiles, proposals
//! screened on eligibility, reviewed by reviewers free of conflicts, ranked, decided by the
//! board and released together with consensus reports; selected ones start agreements.

pub mod api;
pub mod assignment;
pub mod form;
pub mod model;
pub mod org_number;
pub mod pages;
pub mod scoring;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod views;
