//! The steering board's KPI dashboard: figures folded from the workflows' event logs by
//! `kernel::kpi`, targets per period with their history, drill-down to the records behind
//! each number, and a CSV of exactly what is shown.

pub mod api;
pub mod charts;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod store;
