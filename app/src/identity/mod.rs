//! Who is here: people, roles, sign-in (OpenID Connect and demo), sessions, claim rules,
//! API tokens and the language preference.

pub mod admin_views;
pub mod api;
pub mod claims;
#[cfg(feature = "ssr")]
pub mod export;
pub mod model;
#[cfg(feature = "ssr")]
pub mod oidc;
#[cfg(feature = "ssr")]
pub mod roles;
#[cfg(feature = "ssr")]
pub mod sessions;
#[cfg(feature = "ssr")]
pub mod signin;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod tokens;
pub mod views;
