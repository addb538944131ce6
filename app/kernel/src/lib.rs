//! The portal's workflows as pure Rust, for the server and the browser alike: identifiers,
//! Stockholm time, and one aggregate per workflow (typed commands and events, the fold,
//! the permission table, the value rules and what each person may see). No database, no
//! HTTP: `app` stores and shows what these decide.

pub mod access;
pub mod agreement;
pub mod codes;
pub mod dates;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod ids;
pub mod kpi;
pub mod proposal;
pub mod stockholm;
pub mod workflow;

pub use ids::*;
pub use workflow::{Aggregate, Context, EventKind, Permissioned};
