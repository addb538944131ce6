//! Who is here: people, roles, sessions, demo sign-in and the language preference.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod store;
pub mod views;
