//! The portal application: domains (catalogue, identity, content), the policy that guards
//! them, and the Leptos UI. Compiled twice: `ssr` for the server, `hydrate` for the browser.
#![recursion_limit = "512"]

pub mod agreements;
pub mod audit;
pub mod catalogue;
pub mod co_creation;
pub mod cohort_access;
pub mod content;
pub mod error;
pub mod failed_form;
pub mod forms;
pub mod html;
pub mod i18n;
pub mod identity;
pub mod kpi;
pub mod notifications;
pub mod policy;
pub mod routes;
pub mod shell;
pub mod time;
pub mod timeline;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod attachments;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod demo;
#[cfg(feature = "ssr")]
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod request;
#[cfg(feature = "ssr")]
pub mod storage;
#[cfg(feature = "ssr")]
pub mod telemetry;
#[cfg(feature = "ssr")]
pub mod workflow;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(routes::App);
}
