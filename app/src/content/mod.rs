//! Content pages written in Markdown (about, nodes, how access and co-creation work, …).

pub mod api;
#[cfg(feature = "ssr")]
pub mod library;
pub mod model;
pub mod views;
