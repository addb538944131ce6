//! What a content page looks like once rendered; shared by server and browser.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedPage {
    pub slug: String,
    pub title: String,
    pub html: String,
    /// The language the page is written in; differs from the requested one on fallback.
    pub lang: Lang,
    pub is_fallback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageLink {
    pub slug: String,
    pub title: String,
}
