//! Plain routes for files: an application's ethics decision and a proposal's clinical
//! partner letter, uploaded as a multipart form (with or without JavaScript) and downloaded
//! again. Each asks the policy's gate, then the record's own rules, like the server
//! functions do. Someone not signed in is told so before anything is looked up, so the
//! answer says nothing about which records exist.

use app::attachments::{self, AttachError, Owner};
use app::error::AppError;
use app::policy::{Action, Thing};
use app::request::{AppState, authorize_parts, authorize_parts_on};
use app::storage::{FileStore, clean_filename};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::workflow::{Aggregate, Context};

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

fn refusal(error: AppError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, "not allowed").into_response()
}

/// Back to the form, with the reason for a refusal shown at the upload field.
fn back(path: &str, problem: Option<&str>) -> Response {
    match problem {
        None => Redirect::to(&format!("{path}#form")).into_response(),
        Some(problem) => Redirect::to(&format!("{path}?upload_error={problem}#form")).into_response(),
    }
}

/// The person behind the request, or the answer for one who is not signed in.
async fn signed_in(
    state: &AppState,
    parts: &Parts,
    action: Action,
) -> Result<app::identity::model::SignedInPerson, Response> {
    match authorize_parts(state, parts, action).await {
        Ok(Some(person)) => Ok(person),
        Ok(None) => Err(StatusCode::UNAUTHORIZED.into_response()),
        Err(error) => Err(refusal(error)),
    }
}

/// POST /applications/{id}/attachments: the ethics decision, as a PDF.
async fn upload(State(state): State<AppState>, Path(id): Path<i64>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let person = match signed_in(&state, &parts, Action::ChangeApplication).await {
        Ok(person) => person,
        Err(response) => return response,
    };
    let path = format!("/applications/{id}");
    // The application's rules: this person may edit its form now.
    let allowed = async {
        let mut conn = state.db.read().await?;
        let (application, _) =
            app::cohort_access::store::load(&mut conn, id).await.map_err(|_| sqlx::Error::RowNotFound)?;
        let facts = app::cohort_access::store::access_facts(&mut conn, &application).await?;
        let context = Context::with(chrono::Utc::now(), facts);
        Ok::<bool, sqlx::Error>(
            application.may(&person.access_actor(), kernel::access::Permission::EditForm, &context).is_ok(),
        )
    };
    match allowed.await {
        Ok(true) => {}
        Ok(false) => return StatusCode::FORBIDDEN.into_response(),
        Err(sqlx::Error::RowNotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    }
    let pdf = match read_pdf(&state, parts, body).await {
        Ok(pdf) => pdf,
        Err(Upload::Problem(problem)) => return back(&path, Some(problem)),
        Err(Upload::Malformed) => return StatusCode::BAD_REQUEST.into_response(),
    };
    store(&state, Owner::Application(id), person.id, pdf, &path).await
}

/// Keeps a checked PDF and goes back to the form.
async fn store(
    state: &AppState,
    owner: Owner,
    person: kernel::PersonId,
    pdf: attachments::CheckedPdf,
    path: &str,
) -> Response {
    let files = FileStore::local(&state.config.attachment_dir);
    match attachments::attach(&state.db, &files, owner, person, pdf).await {
        Ok(_) => back(path, None),
        Err(AttachError::Refused(key)) => back(path, Some(key.trim_start_matches("upload."))),
        Err(AttachError::Closed) => back(path, Some("failed")),
        Err(error) => {
            tracing::error!(%error, "storing an attachment failed");
            back(path, Some("failed"))
        }
    }
}

/// What went wrong with an upload.
enum Upload {
    /// A problem to show at the field (the key after `upload.`).
    Problem(&'static str),
    /// Not a readable multipart form at all.
    Malformed,
}

/// Reads the `file` field of a multipart form, up to the size limit, and checks that it is
/// a PDF. Nothing is written anywhere yet.
async fn read_pdf(
    state: &AppState,
    parts: Parts,
    body: axum::body::Body,
) -> Result<attachments::CheckedPdf, Upload> {
    let Ok(mut multipart) = Multipart::from_request(Request::from_parts(parts, body), state).await else {
        return Err(Upload::Malformed);
    };
    let max = state.config.attachment_max_bytes;
    let (mut filename, mut bytes) = (String::new(), Vec::new());
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) if field.name() == Some("file") => {
                filename = clean_filename(field.file_name().unwrap_or_default());
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            if (bytes.len() + chunk.len()) as u64 > max {
                                return Err(Upload::Problem("too_large"));
                            }
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(None) => break,
                        Err(_) => return Err(Upload::Problem("too_large")),
                    }
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            // The body was cut off by the size limit, or is not a multipart form.
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Upload::Problem("too_large"));
            }
            Err(_) => return Err(Upload::Malformed),
        }
    }
    match attachments::check_pdf(&filename, bytes, max) {
        Ok(pdf) => Ok(pdf),
        Err(AttachError::Refused(key)) => Err(Upload::Problem(match key {
            "upload.empty" => "empty",
            "upload.too_large" => "too_large",
            _ => "not_pdf",
        })),
        Err(_) => Err(Upload::Problem("failed")),
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

/// GET /applications/{id}/attachments/{attachment}: for those who may read the application;
/// outside the team, only what a submitted version carries (a draft's files are the team's).
async fn download(
    State(state): State<AppState>,
    Path((id, attachment)): Path<(i64, i64)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let person = match signed_in(&state, &parts, Action::ReadApplication).await {
        Ok(person) => person,
        Err(response) => return response,
    };
    let found = async {
        let mut conn = state.db.read().await?;
        let Ok((application, _)) = app::cohort_access::store::load(&mut conn, id).await else {
            return Ok(None);
        };
        let facts = app::cohort_access::store::access_facts(&mut conn, &application).await?;
        let lens = application.visibility(&person.access_actor(), &facts);
        let submitted = app::cohort_access::store::submitted_attachments(&mut conn, id).await?;
        let file = attachments::find(&mut conn, Owner::Application(id), attachment).await?;
        Ok::<_, sqlx::Error>(Some((lens, submitted, file)))
    };
    let (lens, submitted, file) = match found.await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    };
    if let Err(error) =
        authorize_parts_on(&state, &parts, Action::ReadApplication, Thing::Application(&lens)).await
    {
        return refusal(error);
    }
    if !lens.sees_draft() && !submitted.contains(&attachment) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match file {
        Some((filename, key, _)) => send_pdf(&state, &filename, &key).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
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

/// POST /proposals/{id}/attachments: the clinical partner's letter, as a PDF.
async fn upload_letter(State(state): State<AppState>, Path(id): Path<i64>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let person = match signed_in(&state, &parts, Action::ChangeProposal).await {
        Ok(person) => person,
        Err(response) => return response,
    };
    let path = format!("/proposals/{id}");
    let allowed = async {
        let mut conn = state.db.read().await?;
        let Ok((proposal, _)) = app::co_creation::store::load(&mut conn, id).await else { return Ok(None) };
        let facts = app::co_creation::store::proposal_facts(&mut conn, id).await?;
        let context = Context::with(chrono::Utc::now(), facts);
        Ok::<_, sqlx::Error>(Some(
            proposal.may(&person.proposal_actor(), kernel::proposal::Permission::EditDraft, &context).is_ok(),
        ))
    };
    match allowed.await {
        Ok(Some(true)) => {}
        Ok(Some(false)) => return StatusCode::FORBIDDEN.into_response(),
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    }
    let pdf = match read_pdf(&state, parts, body).await {
        Ok(pdf) => pdf,
        Err(Upload::Problem(problem)) => return back(&path, Some(problem)),
        Err(Upload::Malformed) => return StatusCode::BAD_REQUEST.into_response(),
    };
    store(&state, Owner::Proposal(id), person.id, pdf, &path).await
}

/// GET /proposals/{id}/attachments/{attachment}: for those who may read the proposal;
/// outside the company, only the letter the submitted version names.
async fn download_letter(
    State(state): State<AppState>,
    Path((id, attachment)): Path<(i64, i64)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let person = match signed_in(&state, &parts, Action::ReadProposal).await {
        Ok(person) => person,
        Err(response) => return response,
    };
    let found = async {
        let mut conn = state.db.read().await?;
        let Ok((proposal, _)) = app::co_creation::store::load(&mut conn, id).await else { return Ok(None) };
        let facts = app::co_creation::store::proposal_facts(&mut conn, id).await?;
        let lens = proposal.visibility(&person.proposal_actor(), &facts);
        let submitted = app::co_creation::store::submitted_form(&mut conn, id).await?;
        let draft = app::co_creation::store::proposal(&mut conn, id).await?.map(|row| row.form());
        let file = attachments::find(&mut conn, Owner::Proposal(id), attachment).await?;
        Ok::<_, sqlx::Error>(Some((lens, submitted, draft, file)))
    };
    let (lens, submitted, draft, file) = match found.await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    };
    if let Err(error) = authorize_parts_on(&state, &parts, Action::ReadProposal, Thing::Proposal(&lens)).await
    {
        return refusal(error);
    }
    let named = if lens.sees_draft() { draft } else { submitted };
    if named.and_then(|form| form.clinical_letter) != Some(attachment) && !lens.sees_draft() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match file {
        Some((filename, key, _)) => send_pdf(&state, &filename, &key).await,
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
