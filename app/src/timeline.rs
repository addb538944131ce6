//! What the one event timeline shows: plain data, built by the domains' page data and drawn
//! by `ui::timeline`.

use serde::{Deserialize, Serialize};

/// One event as the timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// Stockholm time, to the minute.
    pub at: String,
    /// The stored UTC time, for `<time datetime>`.
    pub at_iso: String,
    pub actor: Option<String>,
    /// The event kind: its line is the translation `timeline.<kind>`.
    pub kind: String,
    /// Values for the line's `{name}` placeholders.
    pub args: Vec<(String, String)>,
    /// Free text the event carries (questions, reasons, remarks).
    pub text: Option<String>,
    /// Business of a committee that the applicant's team does not see.
    pub internal: bool,
}
