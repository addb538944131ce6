//! Signing through the identity provider: the signer asks to sign, the portal records the
//! request (the version, its hash, the time) with a sign-in in flight and sends them to
//! their provider to sign in again; the callback turns the fresh ID token into the
//! agreement's `Sign` command. The kernel decides whether the sign-in counts (`auth_time`
//! after the request, the request recent) and whether it is this person's turn; this
//! module checks only what the token is: the same person who asked, at the provider they
//! belong to.

use super::store;
use crate::identity::oidc::VerifiedIdentity;
use crate::request::AppState;
use crate::workflow::ExecuteError;
use chrono::{DateTime, Utc};
use http::request::Parts;
use kernel::agreement::signing::{Authentication, Capacity, Client, SigningRequest};
use kernel::agreement::{Agreement, Command, Context, Permission, Refusal};
use kernel::workflow::Aggregate;
use kernel::{AgreementId, OrganisationId, PersonId};
use serde::{Deserialize, Serialize};

/// A signature asked for, kept with the sign-in in flight until the provider answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningIntent {
    pub agreement: AgreementId,
    pub person: PersonId,
    pub capacity: Capacity,
    pub request: SigningRequest,
}

/// Why a signature through the provider did not happen; each has a message for the
/// signer (`agreement.signing_failed.<code>`), or is the kernel's refusal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigningFailure {
    /// Signed in through the demo, or through no provider the portal knows.
    NoProvider,
    /// The provider signed in someone else than the person who asked.
    OtherPerson,
    /// The ID token did not say when the person authenticated.
    NoAuthTime,
    /// The agreement's rules refused the signature.
    Refused(Refusal),
    NotFound,
    Storage,
}

impl SigningFailure {
    /// The message's translation key.
    pub fn message_key(&self) -> &'static str {
        match self {
            SigningFailure::NoProvider => "agreement.signing_failed.no_provider",
            SigningFailure::OtherPerson => "agreement.signing_failed.other_person",
            SigningFailure::NoAuthTime => "agreement.signing_failed.no_auth_time",
            SigningFailure::Refused(refusal) => refusal.message_key(),
            SigningFailure::NotFound => "error.not_found",
            SigningFailure::Storage => "error.internal",
        }
    }
}

impl From<ExecuteError<Refusal>> for SigningFailure {
    fn from(error: ExecuteError<Refusal>) -> SigningFailure {
        match error {
            ExecuteError::Refused(refusal) => SigningFailure::Refused(refusal),
            ExecuteError::NotFound => SigningFailure::NotFound,
            ExecuteError::Sql(_) | ExecuteError::Corrupt(_) => SigningFailure::Storage,
        }
    }
}

impl From<sqlx::Error> for SigningFailure {
    fn from(error: sqlx::Error) -> SigningFailure {
        tracing::error!(%error, "signing: the database failed");
        SigningFailure::Storage
    }
}

/// Where the request came from, for a signature's evidence: the proxy's last
/// `X-Forwarded-For` address where the configuration trusts it, else the connection's.
pub fn client(trust_forwarded_for: bool, parts: Option<&Parts>) -> Client {
    let header =
        |name: &str| parts.and_then(|p| p.headers.get(name)).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let forwarded = trust_forwarded_for
        .then(|| header("x-forwarded-for"))
        .flatten()
        .and_then(|h| h.rsplit(',').next().map(|ip| ip.trim().to_owned()));
    let connected = parts
        .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
        .map(|c| c.0.ip().to_string());
    let user_agent: String = header("user-agent").unwrap_or_default().chars().take(500).collect();
    Client { ip: forwarded.or(connected).unwrap_or_else(|| "unknown".into()), user_agent }
}

/// The provider this person signs in through: the configured one with their issuer.
async fn provider_of(state: &AppState, person: PersonId) -> Result<Option<String>, sqlx::Error> {
    let mut conn = state.db.read().await?;
    let issuer: Option<(String, i64)> = sqlx::query_as("SELECT issuer, is_demo FROM people WHERE id = $1")
        .bind(person.get())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(issuer
        .filter(|(_, demo)| *demo == 0)
        .and_then(|(issuer, _)| state.config.oidc_providers.iter().find(|p| p.issuer == issuer))
        .map(|p| p.id.clone()))
}

/// Records a signing request for this person and capacity, if the agreement's rules let
/// them sign now: the provider to send them to, and the request to keep with the sign-in.
pub async fn ask(
    state: &AppState,
    person: &crate::identity::model::SignedInPerson,
    agreement: AgreementId,
    organisation: OrganisationId,
    undertaking: bool,
    now: DateTime<Utc>,
) -> Result<(String, SigningIntent), SigningFailure> {
    let provider = provider_of(state, person.id).await?.ok_or(SigningFailure::NoProvider)?;
    let mut conn = state.db.read().await?;
    let actor = store::actor(&mut conn, person).await?;
    let (folded, _, facts) = store::load_with_facts(&mut conn, agreement).await?;
    drop(conn);
    // Asked now so that nobody is sent to sign in for a signature that cannot be given;
    // the command asks again when it comes back.
    let context = Context::with(now, facts);
    folded.may(&actor, Permission::Sign, &context).map_err(SigningFailure::Refused)?;
    let round = folded.signing.clone().ok_or(SigningFailure::Refused(Refusal::WrongState))?;
    let capacity = if undertaking {
        Capacity::Undertaking { university: organisation }
    } else {
        Capacity::Party { organisation }
    };
    let request = SigningRequest {
        version: round.version,
        hash: round.hash,
        nonce: crate::identity::sessions::new_token(),
        requested_at: now,
    };
    Ok((provider, SigningIntent { agreement, person: person.id, capacity, request }))
}

/// Signs with the identity the provider sent back for `intent`, as the person signed in
/// (`person`, from the session cookie): both must be the one who asked.
pub async fn sign(
    state: &AppState,
    person: Option<&crate::identity::model::SignedInPerson>,
    identity: &VerifiedIdentity,
    intent: &SigningIntent,
    client: Client,
    now: DateTime<Utc>,
) -> Result<(), SigningFailure> {
    let person = person.filter(|p| p.id == intent.person).ok_or(SigningFailure::OtherPerson)?;
    let mut conn = state.db.read().await?;
    let known: Option<(String, String)> = sqlx::query_as("SELECT issuer, subject FROM people WHERE id = $1")
        .bind(person.id.get())
        .fetch_optional(&mut *conn)
        .await?;
    if known.as_ref() != Some(&(identity.issuer.clone(), identity.subject.clone())) {
        return Err(SigningFailure::OtherPerson);
    }
    let auth_time = identity.auth_time.ok_or(SigningFailure::NoAuthTime)?;
    let actor = store::actor(&mut conn, person).await?;
    drop(conn);
    let command = Command::Sign {
        capacity: intent.capacity,
        request: intent.request.clone(),
        authentication: Authentication {
            issuer: identity.issuer.clone(),
            subject: identity.subject.clone(),
            acr: identity.acr.clone(),
            amr: identity.amr.clone(),
            auth_time,
        },
        client,
    };
    crate::workflow::execute::<Agreement>(&state.db, intent.agreement.get(), &actor, command, now).await?;
    Ok(())
}
