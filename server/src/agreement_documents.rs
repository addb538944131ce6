//! An agreement's signed versions as PDF downloads, and the public check of an uploaded
//! PDF. A download asks the policy's gate, then the agreement's own visibility (the PDF
//! holds the clauses, so the board's summary is not enough); only a version every
//! signatory signed is a document. Each file handed out is recorded by its SHA-256, which
//! is what the verification page compares an uploaded copy with: a changed byte, another
//! hash, no match.

use crate::agreement_pdf;
use app::agreements::{document, store};
use app::policy::{Action, Thing};
use app::request::{AppState, authorize_parts, authorize_parts_on};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use kernel::AgreementId;
use sha2::{Digest, Sha256};

/// The largest upload the check reads: far above any agreement's PDF.
pub const VERIFY_MAX_BYTES: usize = 20 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/agreements/{id}/versions/{version}/pdf", get(download)).route(
        "/agreements/verify/file",
        post(verify_file).layer(DefaultBodyLimit::max(VERIFY_MAX_BYTES + 64 * 1024)),
    )
}

fn status_of(error: &app::error::AppError) -> StatusCode {
    StatusCode::from_u16(error.status()).unwrap_or(StatusCode::FORBIDDEN)
}

fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "agreement document route failed");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// GET /agreements/{id}/versions/{version}/pdf
async fn download(
    State(state): State<AppState>,
    Path((id, version)): Path<(i64, u32)>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let agreement_id = AgreementId(id);
    let person = match authorize_parts(&state, &parts, Action::ReadAgreement).await {
        Ok(Some(person)) => person,
        Ok(None) => return StatusCode::UNAUTHORIZED.into_response(),
        Err(error) => return status_of(&error).into_response(),
    };
    let loaded = async {
        let mut conn = state.db.read().await?;
        let actor = store::actor(&mut conn, &person).await?;
        let Ok((agreement, _, facts)) = store::load_with_facts(&mut conn, agreement_id).await else {
            return Ok(None);
        };
        let visibility = agreement.visibility_with(&actor, &facts);
        let in_force = store::in_force_since(&mut conn, agreement_id, version).await?;
        Ok::<_, sqlx::Error>(Some((agreement, visibility, in_force)))
    };
    let (agreement, visibility, in_force) = match loaded.await {
        Ok(Some(found)) => found,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(error) => return internal(error),
    };
    if let Err(error) =
        authorize_parts_on(&state, &parts, Action::ReadAgreement, Thing::Agreement(&visibility)).await
    {
        return status_of(&error).into_response();
    }
    if !visibility.sees_clauses() {
        return StatusCode::FORBIDDEN.into_response();
    }
    let Some(in_force_at) = in_force else { return StatusCode::NOT_FOUND.into_response() };
    let Some(printed) =
        document::printed(agreement_id, &agreement, version, in_force_at, &state.config.public_url)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let bytes = match agreement_pdf::render(&printed, in_force_at) {
        Ok(bytes) => bytes,
        Err(error) => return internal(error),
    };
    let sha256 = hex(&Sha256::digest(&bytes));
    let recorded = async {
        let mut tx = state.db.write().await?;
        store::record_issued_document(&mut tx, &sha256, agreement_id, version, chrono::Utc::now()).await?;
        tx.commit().await
    };
    if let Err(error) = recorded.await {
        return internal(error);
    }
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"agreement-{id}-v{version}.pdf\"")),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// POST /agreements/verify/file: anyone may check a PDF. The file is hashed and
/// forgotten; the answer is the verification page for that hash (`?file=`), a link like
/// any other result. A post without a file, or too large, comes back with the reason.
async fn verify_file(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if let Err(error) = authorize_parts(&state, &parts, Action::VerifyAgreement).await {
        return status_of(&error).into_response();
    }
    let back =
        |problem: &str| Redirect::to(&format!("/agreements/verify?file_error={problem}")).into_response();
    let Ok(mut multipart) = Multipart::from_request(Request::from_parts(parts, body), &state).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut hasher = Sha256::new();
    let (mut read, mut seen_file) = (0usize, false);
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) if field.name() == Some("file") => {
                seen_file = true;
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) => {
                            read += chunk.len();
                            if read > VERIFY_MAX_BYTES {
                                return back("too_large");
                            }
                            hasher.update(&chunk);
                        }
                        Ok(None) => break,
                        Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return back("too_large");
                        }
                        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
                    }
                }
            }
            Ok(Some(_)) => continue,
            Ok(None) => break,
            Err(error) if error.status() == StatusCode::PAYLOAD_TOO_LARGE => return back("too_large"),
            Err(_) => return StatusCode::BAD_REQUEST.into_response(),
        }
    }
    if !seen_file || read == 0 {
        return back("no_file");
    }
    Redirect::to(&format!("/agreements/verify?file={}", hex(&hasher.finalize()))).into_response()
}
