//! Cohort access applications: one application for cohorts at several nodes, decided per
//! node under statutory clocks, checked against the cohorts' consent codes.

pub mod api;
pub mod duo;
pub mod form;
pub mod model;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod page_data;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod visas;
