//! Mail the portal sends. A notice is queued in `notifications` in the same transaction as
//! the change it tells about (an outbox), and the mail job sends it over SMTP with retries.
//! Where no mail server is configured (the demo), mail stays on the portal's outbox page.

pub mod api;
#[cfg(feature = "ssr")]
pub mod delivery;
pub mod model;
#[cfg(feature = "ssr")]
pub mod store;
pub mod views;
