//! The one error type server functions return, mapped once to HTTP status and UI message.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("sign in first")]
    NotSignedIn,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Bad input: which field, and the translation key of the message shown beside it.
    #[error("invalid {field}: {message_key}")]
    Invalid { field: String, message_key: String },
    /// Something failed on the server; the details are in the log, never in the response.
    #[error("internal error")]
    Internal,
    /// The portal is too busy to answer now (its connections are all in use); try again.
    #[error("busy")]
    Busy,
    /// The request itself could not be read or sent (malformed arguments, network).
    #[error("request failed: {0}")]
    Request(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(shortened(value.to_string()))
    }
}

/// The most of a request error's message that is kept: the argument decoder quotes the
/// value it refused, which may be a megabyte of junk.
const REQUEST_MESSAGE_CHARS: usize = 300;

fn shortened(mut message: String) -> String {
    if let Some((cut, _)) = message.char_indices().nth(REQUEST_MESSAGE_CHARS) {
        message.truncate(cut);
        message.push('…');
    }
    message
}

impl AppError {
    pub fn invalid(field: &str, message_key: &str) -> AppError {
        AppError::Invalid { field: field.to_owned(), message_key: message_key.to_owned() }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::NotSignedIn => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Invalid { .. } | AppError::Request(_) => 400,
            AppError::Internal => 500,
            AppError::Busy => 503,
        }
    }

    /// Translation key of the message a person sees.
    pub fn message_key(&self) -> &str {
        match self {
            AppError::NotSignedIn => "error.not_signed_in",
            AppError::Forbidden => "error.forbidden",
            AppError::NotFound => "error.not_found",
            AppError::Invalid { message_key, .. } => message_key,
            AppError::Internal => "error.internal",
            AppError::Busy => "error.busy",
            AppError::Request(_) => "error.request",
        }
    }
}

impl From<crate::policy::Denied> for AppError {
    fn from(denied: crate::policy::Denied) -> Self {
        match denied {
            crate::policy::Denied::NotSignedIn => AppError::NotSignedIn,
            crate::policy::Denied::Forbidden => AppError::Forbidden,
            // Features switched off in this deployment look like they do not exist.
            crate::policy::Denied::NotAvailable => AppError::NotFound,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if matches!(error, sqlx::Error::PoolTimedOut) {
            tracing::warn!("no database connection came free in time; answering 503");
            return AppError::Busy;
        }
        tracing::error!(%error, "database error");
        AppError::Internal
    }
}
