//! The agreements' server functions: the list, one agreement's page, its small commands
//! and the demo's signing confirmation. The policy is the coarse gate (signed in); the
//! agreement's rules decide who sees and does what.

use super::model::{AgreementList, AgreementPage, ListQuery, Verification};
use crate::error::AppError;
use kernel::agreement::PersonCommand;
use kernel::{AgreementId, OrganisationId};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::request::with_status;
    use crate::workflow::ExecuteError;
    use kernel::agreement::Refusal;

    pub fn refused(error: ExecuteError<Refusal>) -> AppError {
        with_status(match error {
            ExecuteError::Refused(Refusal::NotAllowed) => AppError::Forbidden,
            ExecuteError::Refused(refusal) => AppError::invalid(refusal.field(), refusal.message_key()),
            ExecuteError::NotFound => AppError::NotFound,
            ExecuteError::Sql(error) => AppError::from(error),
            ExecuteError::Corrupt(problem) => {
                tracing::error!(%problem, "an agreement's events could not be read");
                AppError::Internal
            }
        })
    }

    /// Where the request came from, for a signature's evidence: the proxy's last
    /// `X-Forwarded-For` address where the configuration trusts it, else the connection's.
    pub fn client(trust_forwarded_for: bool) -> kernel::agreement::signing::Client {
        let parts = leptos::prelude::use_context::<http::request::Parts>();
        let header = |name: &str| {
            parts.as_ref().and_then(|p| p.headers.get(name)).and_then(|v| v.to_str().ok()).map(str::to_owned)
        };
        let forwarded = trust_forwarded_for
            .then(|| header("x-forwarded-for"))
            .flatten()
            .and_then(|h| h.rsplit(',').next().map(|ip| ip.trim().to_owned()));
        let connected = parts
            .as_ref()
            .and_then(|p| p.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>())
            .map(|c| c.0.ip().to_string());
        let user_agent: String = header("user-agent").unwrap_or_default().chars().take(500).collect();
        kernel::agreement::signing::Client {
            ip: forwarded.or(connected).unwrap_or_else(|| "unknown".into()),
            user_agent,
        }
    }
}

/// The agreements this person may see, narrowed by the URL's filters: overdue first.
#[server]
pub async fn list_agreements(#[server(default)] query: ListQuery) -> Result<AgreementList, AppError> {
    use super::store::{self, ListFilter};
    use crate::policy::Action;
    use crate::request::authorize;
    use kernel::agreement::AgreementState;
    let (state, person) = authorize(Action::ReadAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let now = chrono::Utc::now();
    let today = kernel::stockholm::date(now);
    let mut conn = state.db.read().await?;
    let actor = store::actor(&mut conn, &person).await?;
    let filter = ListFilter {
        state: query.state.as_deref().and_then(AgreementState::parse),
        organisation: query.party.map(OrganisationId),
        overdue_on: query.overdue.then_some(today),
    };
    let listed = store::list(&mut conn, &actor, &filter, super::LIST_LIMIT).await?;
    let mut rows = Vec::with_capacity(listed.len());
    for item in &listed {
        let (agreement, _, facts) = store::load_with_facts(&mut conn, item.id).await.map_err(ssr::refused)?;
        rows.extend(super::views::row(item, &agreement, &facts, &actor, today));
    }
    let parties = store::party_choices(&mut conn, &actor).await?;
    Ok(AgreementList { rows, parties })
}

/// One agreement as this person may see it: 404 when there is none, 403 when its rules
/// show them nothing.
#[server]
pub async fn get_agreement(id: AgreementId) -> Result<AgreementPage, AppError> {
    use super::store;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, authorize_on, request_lang};
    let (state, person) = authorize(Action::ReadAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let actor = store::actor(&mut conn, &person).await?;
    let (agreement, log, facts) = store::load_with_facts(&mut conn, id).await.map_err(ssr::refused)?;
    let visibility = agreement.visibility_with(&actor, &facts);
    authorize_on(Action::ReadAgreement, Thing::Agreement(&visibility)).await?;
    let names = store::names(&mut conn, &super::views::people_mentioned(&agreement, &log)).await?;
    let models = store::models(&mut conn).await?;
    drop(conn);
    super::views::page(
        id,
        &agreement,
        &log,
        &facts,
        &actor,
        &names,
        request_lang(),
        state.config.demo_sign_in,
        &models,
        chrono::Utc::now(),
    )
    .ok_or_else(|| crate::request::with_status(AppError::Forbidden))
}

/// A command from the agreement page's small forms; the agreement's rules decide whether
/// this person may give it now.
#[server]
pub async fn act_on_agreement(id: AgreementId, command: PersonCommand) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    use kernel::agreement::Agreement;
    let (state, person) = authorize(Action::ActOnAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let actor = super::store::actor(&mut conn, &person).await?;
    drop(conn);
    crate::workflow::execute::<Agreement>(&state.db, id.get(), &actor, command.into(), chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    Ok(())
}

/// Signs for `organisation` (or gives one's undertaking to that university) through the
/// demo's confirmation: only where demo sign-in is on and for a demo person. It records
/// what a real signature records, with the demo as the issuer, and says so everywhere it
/// is shown. A real signature signs in again at the identity provider.
#[server]
pub async fn confirm_demo_signature(
    id: AgreementId,
    organisation: OrganisationId,
    undertaking: bool,
) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use kernel::agreement::signing::{Authentication, Capacity, SigningRequest};
    use kernel::agreement::{Agreement, Command};
    let (state, person) = authorize(Action::SignAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let subject = super::store::demo_subject(&mut conn, person.id).await?;
    let (Some(subject), true) = (subject, state.config.demo_sign_in) else {
        return Err(with_status(AppError::Forbidden));
    };
    let actor = super::store::actor(&mut conn, &person).await?;
    let (agreement, _, _) = super::store::load_with_facts(&mut conn, id).await.map_err(ssr::refused)?;
    drop(conn);
    let round = agreement
        .signing
        .clone()
        .ok_or_else(|| with_status(AppError::invalid("", "agreement.refused.wrong_state")))?;
    let now = chrono::Utc::now();
    let capacity = if undertaking {
        Capacity::Undertaking { university: organisation }
    } else {
        Capacity::Party { organisation }
    };
    let command = Command::Sign {
        capacity,
        request: SigningRequest {
            version: round.version,
            hash: round.hash,
            nonce: crate::identity::sessions::new_token(),
            requested_at: now,
        },
        authentication: Authentication {
            issuer: super::views::DEMO_ISSUER.into(),
            subject,
            acr: None,
            amr: vec!["demo".into()],
            auth_time: now,
        },
        client: ssr::client(state.config.trust_forwarded_for),
    };
    crate::workflow::execute::<Agreement>(&state.db, id.get(), &actor, command, now)
        .await
        .map_err(ssr::refused)?;
    Ok(())
}

/// Whether `hash` (SHA-256 hex, spaces and case ignored) is a signed agreement version's:
/// `None` when it is not; a malformed hash is refused at its field.
#[server]
pub async fn verify_agreement(hash: String) -> Result<Option<Verification>, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use crate::time::stockholm_time;
    let (state, _) = authorize(Action::VerifyAgreement).await?;
    let hash: String = hash.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(with_status(AppError::invalid("hash", "agreement.verify.malformed")));
    }
    let mut conn = state.db.read().await?;
    let found = super::store::signed_version(&mut conn, &hash).await.map_err(ssr::refused)?;
    Ok(found.map(|v| Verification {
        version: v.version,
        in_force_at: stockholm_time(&v.in_force_at),
        parties: v.parties,
        signers: v.signers.into_iter().map(|(name, at)| (name, stockholm_time(&at))).collect(),
    }))
}

/// Chooses a collaboration model for the draft: the latest version of it, copied into the
/// agreement (a later change of the model makes a new version; the agreement keeps this).
#[server]
pub async fn choose_model(id: AgreementId, model: kernel::ModelId) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use kernel::agreement::{Agreement, Command};
    let (state, person) = authorize(Action::ActOnAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let actor = super::store::actor(&mut conn, &person).await?;
    let model = super::store::model(&mut conn, model)
        .await?
        .ok_or_else(|| with_status(AppError::invalid("model", "agreement.missing.model")))?;
    drop(conn);
    crate::workflow::execute::<Agreement>(
        &state.db,
        id.get(),
        &actor,
        Command::ChooseModel { model },
        chrono::Utc::now(),
    )
    .await
    .map_err(ssr::refused)?;
    Ok(())
}
