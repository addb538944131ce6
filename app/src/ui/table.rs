//! Tables of records: each in a region that scrolls sideways on a narrow screen, takes
//! focus (so keyboard users can scroll it) and carries the table's name.

use leptos::prelude::*;

/// What names a table and its scrolling region.
pub enum TableName {
    /// A caption; its id labels the region.
    Caption { id: &'static str, text: String },
    /// The heading above the table, by its id.
    Heading(&'static str),
    /// A name of its own, read out but not shown.
    Label(String),
}

#[component]
pub fn DataTable(
    name: TableName,
    /// The table's `data-testid`.
    #[prop(optional)]
    testid: Option<&'static str>,
    /// Tighter cells, for wide tables of figures.
    #[prop(optional)]
    dense: bool,
    /// The head and the body.
    children: Children,
) -> impl IntoView {
    let (labelled_by, label, caption) = match name {
        TableName::Caption { id, text } => (Some(id), None, Some(view! { <caption id=id>{text}</caption> })),
        TableName::Heading(id) => (Some(id), None, None),
        TableName::Label(text) => (None, Some(text), None),
    };
    view! {
        <div class="table-scroll" role="region" tabindex="0" aria-labelledby=labelled_by aria-label=label>
            <table class="table" class:table--dense=dense data-testid=testid>
                {caption}
                {children()}
            </table>
        </div>
    }
}
