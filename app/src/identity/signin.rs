//! What every way of signing in and out shares: a new session (never the old id), the
//! person's language, claim rules, and the audit events.

use super::oidc::VerifiedIdentity;
use super::sessions::{self, SessionPolicy};
use super::{roles, store};
use crate::audit::{NewEvent, record, record_in};
use crate::db::Db;
use crate::i18n::Lang;
use crate::request::{AppState, CookieSpec};

/// A session just started: the cookie to set.
pub struct StartedSession {
    pub token: String,
    pub max_age_seconds: i64,
    pub lang: Option<Lang>,
}

impl StartedSession {
    pub fn cookie(&self) -> CookieSpec<'_> {
        CookieSpec {
            name: sessions::COOKIE,
            value: &self.token,
            max_age_seconds: Some(self.max_age_seconds),
            http_only: true,
        }
    }
}

/// Where a session came from, for sign-out at the provider and for the audit trail.
pub enum SignInMethod<'a> {
    Demo,
    Provider { provider_id: &'a str, id_token: &'a str },
}

/// Ends the browser's previous session, if any, and starts a new one for the person.
pub async fn begin_session(
    state: &AppState,
    person_id: i64,
    previous_token: Option<&str>,
    method: SignInMethod<'_>,
) -> Result<StartedSession, sqlx::Error> {
    let key = state.config.session_key();
    let had_session = match previous_token {
        Some(old) => store::delete_session(&state.db, &sessions::hash_token(&key, old)).await?.is_some(),
        None => false,
    };
    let token = sessions::new_token();
    let policy = SessionPolicy::from_config(&state.config);
    let (provider_id, id_token, summary) = match method {
        SignInMethod::Demo => (None, None, "demo sign-in".to_owned()),
        SignInMethod::Provider { provider_id, id_token } => {
            (Some(provider_id), Some(id_token), format!("signed in through {provider_id}"))
        }
    };
    store::create_session(
        &state.db,
        person_id,
        &sessions::hash_token(&key, &token),
        &policy,
        provider_id,
        id_token,
    )
    .await?;
    record(
        &state.db,
        NewEvent {
            summary: Some(summary),
            ..NewEvent::about_person(
                person_id,
                "signed_in",
                Some(if had_session { "signed_in" } else { "signed_out" }.into()),
                Some("signed_in".into()),
            )
        },
    )
    .await?;
    Ok(StartedSession {
        token,
        max_age_seconds: policy.absolute.num_seconds(),
        lang: store::preferred_lang(&state.db, person_id).await?,
    })
}

/// Ends a session. Answers the provider and ID token it came from, for provider sign-out.
pub async fn end_session(
    state: &AppState,
    token: &str,
    person_id: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let ended =
        store::delete_session(&state.db, &sessions::hash_token(&state.config.session_key(), token)).await?;
    record(
        &state.db,
        NewEvent::about_person(person_id, "signed_out", Some("signed_in".into()), Some("signed_out".into())),
    )
    .await?;
    Ok(ended.and_then(|(provider, id_token)| provider.zip(id_token)))
}

/// The person a provider vouched for: found by issuer and subject, created on first
/// sign-in, their name, email and home organisation refreshed from the claims, and their
/// claim-rule roles brought in step.
pub async fn person_from_provider(
    db: &Db,
    identity: &VerifiedIdentity,
) -> Result<i64, roles::RoleChangeError> {
    let rules = roles::claim_rules(db).await?;
    let mut tx = db.write().await?;
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE issuer = $1 AND subject = $2")
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .fetch_optional(&mut *tx)
            .await?;
    let person_id = match existing {
        Some(id) => {
            let before: (String, Option<String>, Option<String>) =
                sqlx::query_as("SELECT display_name, email, home_organisation FROM people WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            let after =
                (identity.display_name.clone(), identity.email.clone(), identity.home_organisation.clone());
            if before != after {
                sqlx::query(
                    "UPDATE people SET display_name = $1, email = $2, home_organisation = $3 WHERE id = $4",
                )
                .bind(&after.0)
                .bind(&after.1)
                .bind(&after.2)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                let describe = |(name, email, org): &(String, Option<String>, Option<String>)| {
                    format!("{name} <{}> {}", email.as_deref().unwrap_or("-"), org.as_deref().unwrap_or("-"))
                };
                record_in(
                    &mut tx,
                    NewEvent {
                        reason: Some(format!("claims from {}", identity.provider_id)),
                        ..NewEvent::about_person(
                            id,
                            "profile_refreshed",
                            Some(describe(&before)),
                            Some(describe(&after)),
                        )
                    },
                )
                .await?;
            }
            id
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO people (issuer, subject, display_name, email, home_organisation, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(&identity.issuer)
            .bind(&identity.subject)
            .bind(&identity.display_name)
            .bind(&identity.email)
            .bind(&identity.home_organisation)
            .bind(crate::db::now())
            .fetch_one(&mut *tx)
            .await?;
            record_in(
                &mut tx,
                NewEvent {
                    summary: Some(format!(
                        "first sign-in of {} through {}",
                        identity.display_name, identity.provider_id
                    )),
                    ..NewEvent::about_person(id, "person_created", None, Some("active".into()))
                },
            )
            .await?;
            id
        }
    };
    roles::sync_claim_grants_in(&mut tx, &rules, person_id, &identity.provider_id, &identity.claims).await?;
    tx.commit().await?;
    Ok(person_id)
}
