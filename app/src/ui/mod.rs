//! The shared pieces every page is built from: the error and not-found notices, loading a
//! resource, the pager, the event timeline, form fields, data tables and a form's problem
//! list. Nothing here knows a page: pages import `ui`, never the other way round.

pub mod fields;
pub mod loaded;
pub mod pager;
pub mod status;
pub mod table;
pub mod timeline;

pub use fields::{
    Field, FieldError, FieldKind, ProblemList, Progress, command_field, command_form, command_hidden,
};
pub use loaded::Loaded;
pub use pager::Pager;
pub use status::{ErrorNotice, NotFound};
pub use table::{DataTable, TableName};
pub use timeline::Timeline;
