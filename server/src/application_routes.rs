//! Plain routes for files: an application's ethics decision and a proposal's clinical
//! partner letter, uploaded as a multipart form (with or without JavaScript) and downloaded
//! again. Each asks the policy like every server function does.

use app::error::AppError;
use app::policy::{Action, Thing};
use app::request::{AppState, authorize_parts_on};
use app::storage::{FileStore, clean_filename, is_pdf};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub fn router(state: &AppState) -> Router<AppState> {
    // Room for the multipart framing around the largest file allowed.
    let limit =
        usize::try_from(state.config.attachment_max_bytes).unwrap_or(usize::MAX).saturating_add(64 * 1024);
    Router::new()
        .route("/applications/{id}/attachments", post(upload).layer(DefaultBodyLimit::max(limit)))
        .route("/applications/{id}/attachments/{attachment}", get(download))
        .route("/proposals/{id}/attachments", post(upload_letter).layer(DefaultBodyLimit::max(limit)))
        .route("/proposals/{id}/attachments/{attachment}", get(download_letter))
}

fn status_of(error: &AppError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn back(id: i64, problem: Option<&str>) -> Response {
    match problem {
        None => Redirect::to(&format!("/applications/{id}#form")).into_response(),
        Some(problem) => {
            Redirect::to(&format!("/applications/{id}?upload_error={problem}#form")).into_response()
        }
    }
}

/// POST /applications/{id}/attachments: the ethics decision, as a PDF.
async fn upload(State(state): State<AppState>, Path(id): Path<i64>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let facts = match app::cohort_access::page_data::facts(&state.db, id).await {
        Ok(Some(facts)) => facts,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    };
    let person =
        match authorize_parts_on(&state, &parts, Action::ChangeApplication, Thing::Application(&facts)).await
        {
            Ok(Some(person)) => person,
            Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
            Err(error) => return (status_of(&error), "not allowed").into_response(),
        };
    let (filename, bytes) = match read_pdf(&state, parts, body).await {
        Upload::File(filename, bytes) => (filename, bytes),
        Upload::Problem(problem) => return back(id, Some(problem)),
        Upload::Malformed => return StatusCode::BAD_REQUEST.into_response(),
    };
    let store = FileStore::local(&state.config.attachment_dir);
    match app::cohort_access::store::attach_ethics_decision(
        &state.db, &store, id, person.id, &filename, &bytes,
    )
    .await
    {
        Ok(true) => back(id, None),
        Ok(false) => back(id, Some("failed")),
        Err(error) => {
            tracing::error!(%error, "storing an attachment failed");
            back(id, Some("failed"))
        }
    }
}

/// What a multipart upload brought: a PDF, a problem to show at the field, or nothing readable.
enum Upload {
    File(String, Vec<u8>),
    Problem(&'static str),
    Malformed,
}

/// Reads the `file` field of a multipart form, up to the size limit, and checks it is a PDF
/// by its content.
async fn read_pdf(state: &AppState, parts: axum::http::request::Parts, body: axum::body::Body) -> Upload {
    let Ok(mut multipart) = Multipart::from_request(Request::from_parts(parts, body), state).await else {
        return Upload::Malformed;
    };
    let max = state.config.attachment_max_bytes as usize;
    let (mut filename, mut bytes) = (String::new(), Vec::new());
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) if field.name() == Some("file") => {
                filename = clean_filename(field.file_name().unwrap_or_default());
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if bytes.len() + chunk.len() > max {
                                return Upload::Problem("too_large");
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => return Upload::Problem("too_large"),
                    }
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            // The body was cut off by the size limit, or is not a multipart form.
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Upload::Problem("too_large");
            }
            Err(_) => return Upload::Malformed,
        }
    }
    if bytes.is_empty() {
        Upload::Problem("empty")
    } else if !is_pdf(&bytes) {
        Upload::Problem("not_pdf")
    } else {
        Upload::File(filename, bytes)
    }
}

/// A stored PDF as a download, never cached by shared caches.
async fn send_pdf(state: &AppState, filename: &str, key: &str) -> Response {
    match FileStore::local(&state.config.attachment_dir).get(key).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, content_disposition(filename)),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(app::storage::StorageError::NotFound) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => internal(error),
    }
}

/// GET /applications/{id}/attachments/{attachment}: for those who may read the application.
async fn download(
    State(state): State<AppState>,
    Path((id, attachment)): Path<(i64, i64)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let facts = match app::cohort_access::page_data::facts(&state.db, id).await {
        Ok(Some(facts)) => facts,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    };
    let person =
        match authorize_parts_on(&state, &parts, Action::ReadApplication, Thing::Application(&facts)).await {
            Ok(Some(person)) => person,
            Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
            Err(error) => return (status_of(&error), "not allowed").into_response(),
        };
    // Outside the team, only what a submitted version carries: a draft's files are the team's.
    if !facts.team_ids.contains(&person.id) {
        match app::cohort_access::store::submitted_attachments(&state.db, id).await {
            Ok(submitted) if submitted.contains(&attachment) => {}
            Ok(_) => return StatusCode::NOT_FOUND.into_response(),
            Err(error) => return internal(error),
        }
    }
    let row = match app::cohort_access::store::attachment(&state.db, id, attachment).await {
        Ok(row) => row,
        Err(error) => return internal(error),
    };
    let Some((filename, key)) = row else { return StatusCode::NOT_FOUND.into_response() };
    send_pdf(&state, &filename, &key).await
}

/// `attachment` with an ASCII name for old clients and the UTF-8 name (RFC 6266) for the rest.
fn content_disposition(filename: &str) -> String {
    let name = clean_filename(filename);
    let ascii: String = name.chars().map(|c| if c.is_ascii() && c != '%' { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "attachment route failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// The policy's facts about a proposal, or the response for a missing one.
async fn proposal_facts(state: &AppState, id: i64) -> Result<app::policy::ProposalFacts, Response> {
    match app::co_creation::store::facts(&state.db, id).await {
        Ok(Some(facts)) => Ok(facts),
        Ok(None) => Err(StatusCode::NOT_FOUND.into_response()),
        Err(error) => Err(internal(error)),
    }
}

/// POST /proposals/{id}/attachments: the clinical partner's letter, as a PDF.
async fn upload_letter(State(state): State<AppState>, Path(id): Path<i64>, request: Request) -> Response {
    let back = |problem: Option<&str>| match problem {
        None => Redirect::to(&format!("/proposals/{id}#form")).into_response(),
        Some(problem) => {
            Redirect::to(&format!("/proposals/{id}?upload_error={problem}#form")).into_response()
        }
    };
    let (parts, body) = request.into_parts();
    let facts = match proposal_facts(&state, id).await {
        Ok(facts) => facts,
        Err(response) => return response,
    };
    let person =
        match authorize_parts_on(&state, &parts, Action::ChangeProposal, Thing::Proposal(&facts)).await {
            Ok(Some(person)) => person,
            Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
            Err(error) => return (status_of(&error), "not allowed").into_response(),
        };
    let (filename, bytes) = match read_pdf(&state, parts, body).await {
        Upload::File(filename, bytes) => (filename, bytes),
        Upload::Problem(problem) => return back(Some(problem)),
        Upload::Malformed => return StatusCode::BAD_REQUEST.into_response(),
    };
    let store = FileStore::local(&state.config.attachment_dir);
    match app::co_creation::store::attach_letter(&state.db, &store, id, person.id, &filename, &bytes).await {
        Ok(true) => back(None),
        Ok(false) => back(Some("failed")),
        Err(error) => {
            tracing::error!(%error, "storing an attachment failed");
            back(Some("failed"))
        }
    }
}

/// GET /proposals/{id}/attachments/{attachment}: for those who may read the proposal.
async fn download_letter(
    State(state): State<AppState>,
    Path((id, attachment)): Path<(i64, i64)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let facts = match proposal_facts(&state, id).await {
        Ok(facts) => facts,
        Err(response) => return response,
    };
    let person = match authorize_parts_on(&state, &parts, Action::ReadProposal, Thing::Proposal(&facts)).await
    {
        Ok(Some(person)) => person,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => return (status_of(&error), "not allowed").into_response(),
    };
    // Outside the company, only the letter the proposal names: replaced drafts stay theirs.
    if !facts.representative_ids.contains(&person.id) {
        let named = match state.db.pool().acquire().await {
            Ok(mut conn) => app::co_creation::store::proposal(&mut conn, id).await,
            Err(error) => Err(error),
        };
        match named {
            Ok(Some(row)) if row.form().clinical_letter == Some(attachment) => {}
            Ok(_) => return StatusCode::NOT_FOUND.into_response(),
            Err(error) => return internal(error),
        }
    }
    match app::co_creation::store::attachment(&state.db, id, attachment).await {
        Ok(Some((filename, key, _))) => send_pdf(&state, &filename, &key).await,
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => internal(error),
    }
}
