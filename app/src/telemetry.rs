//! The id of the request being handled (set by the server's request-id layer), so events
//! can name the request that caused them.

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub fn current_request_id() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    parts.headers.get(REQUEST_ID_HEADER)?.to_str().ok().map(str::to_owned)
}
