//! The audit trail: every state change and sign-in, hash-chained so that an edit, a
//! removal or an insertion by hand is found by `portal audit verify`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod chain;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod views;

#[cfg(feature = "ssr")]
pub use store::{NewEvent, record, record_in};
