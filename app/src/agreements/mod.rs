//! Collaboration agreements: from a selected proposal (or an administrator's start outside
//! a call) to a signed agreement that is followed up until it closes. The rules live in
//! the kernel's `agreement` aggregate; this module stores it, builds its pages and serves
//! them (docs/agreements.md).

pub mod api;
#[cfg(feature = "ssr")]
pub mod document;
pub mod edit;
pub mod guide;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod views;

/// The most agreements one list shows.
pub const LIST_LIMIT: i64 = 200;
