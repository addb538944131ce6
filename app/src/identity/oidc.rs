//! Sign-in through OpenID Connect providers: discovery, authorization code with PKCE (S256),
//! `state` bound to the browser, `nonce`, ID-token validation (issuer, audience, expiry,
//! signature) by the `openidconnect` crate, and RP-initiated sign-out.
//!
//! A sign-in in flight lives in the `oidc_sign_ins` table, not in memory, so the callback
//! may reach any replica. Each row is consumed by the first callback that names its state.

use crate::config::{OidcProviderConfig, PortalConfig};
use crate::db::{self, Db};
use base64::Engine;
use chrono::{Duration, Utc};
use openidconnect::core::{CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreIdToken};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, TokenResponse,
};
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Instant;

/// The cookie that ties a sign-in in flight to the browser that started it.
pub const BROWSER_COOKIE: &str = "portal_oidc";
/// How long a person has to finish signing in at the provider.
pub const SIGN_IN_WINDOW_MINUTES: i64 = 10;
/// Provider metadata (endpoints and signing keys) is fetched again after this long.
const METADATA_TTL_SECONDS: u64 = 600;

/// Why a sign-in did not complete. Each has a message for the person (`signin.failure.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignInFailure {
    #[error("unknown identity provider")]
    UnknownProvider,
    #[error("the identity provider could not be reached or sent unusable metadata")]
    ProviderUnavailable,
    #[error("the callback named no sign-in we started, or one already used")]
    UnknownState,
    #[error("the callback came to another browser than the one that started signing in")]
    OtherBrowser,
    #[error("the sign-in took too long")]
    Expired,
    #[error("the identity provider refused or was cancelled")]
    ProviderRefused,
    #[error("the identity provider did not accept the authorization code")]
    CodeRejected,
    #[error("the ID token was missing or invalid")]
    TokenInvalid,
    #[error("the callback was malformed")]
    Malformed,
}

impl SignInFailure {
    pub const ALL: [SignInFailure; 9] = [
        SignInFailure::UnknownProvider,
        SignInFailure::ProviderUnavailable,
        SignInFailure::UnknownState,
        SignInFailure::OtherBrowser,
        SignInFailure::Expired,
        SignInFailure::ProviderRefused,
        SignInFailure::CodeRejected,
        SignInFailure::TokenInvalid,
        SignInFailure::Malformed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SignInFailure::UnknownProvider => "unknown_provider",
            SignInFailure::ProviderUnavailable => "provider_unavailable",
            SignInFailure::UnknownState => "unknown_state",
            SignInFailure::OtherBrowser => "other_browser",
            SignInFailure::Expired => "expired",
            SignInFailure::ProviderRefused => "provider_refused",
            SignInFailure::CodeRejected => "code_rejected",
            SignInFailure::TokenInvalid => "token_invalid",
            SignInFailure::Malformed => "malformed",
        }
    }

    pub fn parse(code: &str) -> Option<SignInFailure> {
        SignInFailure::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// The identity a provider vouched for, after every check passed.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub provider_id: String,
    pub issuer: String,
    pub subject: String,
    pub display_name: String,
    pub email: Option<String>,
    pub home_organisation: Option<String>,
    /// Every claim of the ID token, for the claim-to-role rules.
    pub claims: serde_json::Map<String, serde_json::Value>,
    pub id_token: String,
    pub return_to: String,
    /// When the person authenticated at the provider (`auth_time`), if it said.
    pub auth_time: Option<chrono::DateTime<Utc>>,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    /// The signing request this sign-in was started for (JSON, see
    /// [`crate::agreements::signing`]); `None` for an ordinary sign-in.
    pub signing: Option<String>,
}

/// The configured providers with their discovered metadata, cached per replica.
pub struct OidcProviders {
    http: reqwest::Client,
    metadata: Mutex<HashMap<String, (Instant, ProviderMetadataWithLogout)>>,
}

impl Default for OidcProviders {
    fn default() -> Self {
        OidcProviders::new()
    }
}

fn redirect_url(config: &PortalConfig) -> Result<RedirectUrl, SignInFailure> {
    RedirectUrl::new(format!("{}/auth/oidc/callback", config.public_url.trim_end_matches('/')))
        .map_err(|_| SignInFailure::Malformed)
}

impl OidcProviders {
    pub fn new() -> OidcProviders {
        let http = reqwest::Client::builder()
            // An OIDC client must never follow redirects (SSRF, token leaks).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .expect("a reqwest client with these settings always builds");
        OidcProviders { http, metadata: Mutex::new(HashMap::new()) }
    }

    async fn metadata(
        &self,
        provider: &OidcProviderConfig,
    ) -> Result<ProviderMetadataWithLogout, SignInFailure> {
        if let Some((fetched, metadata)) = self.metadata.lock().expect("metadata lock").get(&provider.id)
            && fetched.elapsed().as_secs() < METADATA_TTL_SECONDS
        {
            return Ok(metadata.clone());
        }
        let issuer =
            IssuerUrl::new(provider.issuer.clone()).map_err(|_| SignInFailure::ProviderUnavailable)?;
        let metadata =
            ProviderMetadataWithLogout::discover_async(issuer, &self.http).await.map_err(|error| {
                tracing::warn!(provider = %provider.id, %error, "OIDC discovery failed");
                SignInFailure::ProviderUnavailable
            })?;
        self.metadata
            .lock()
            .expect("metadata lock")
            .insert(provider.id.clone(), (Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    fn client(
        provider: &OidcProviderConfig,
        metadata: ProviderMetadataWithLogout,
        config: &PortalConfig,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SignInFailure,
    > {
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(provider.client_id.clone()),
            provider.client_secret.as_ref().map(|s| ClientSecret::new(s.expose_secret().to_owned())),
        )
        .set_redirect_uri(redirect_url(config)?))
    }

    /// Starts signing in: remembers state, nonce and PKCE verifier against a fresh browser
    /// token, and answers the provider URL to send the browser to plus that token. With a
    /// `signing` request the provider is asked to authenticate the person again, whatever
    /// session it has (`prompt=login`, `max_age=0`); the portal does not trust that it did
    /// and checks `auth_time` itself.
    pub async fn start(
        &self,
        db: &Db,
        config: &PortalConfig,
        provider_id: &str,
        return_to: &str,
        signing: Option<&str>,
    ) -> Result<(String, String), SignInFailure> {
        let provider = config.provider(provider_id).ok_or(SignInFailure::UnknownProvider)?;
        let metadata = self.metadata(provider).await?;
        let client = Self::client(provider, metadata, config)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in provider.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if signing.is_some() {
            request = request.add_prompt(CoreAuthPrompt::Login).set_max_age(std::time::Duration::ZERO);
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        let browser_token = crate::identity::sessions::new_token();
        let now = Utc::now();
        sqlx::query(
            "INSERT INTO oidc_sign_ins (state_hash, browser_hash, provider_id, nonce, pkce_verifier, return_to, created_at, expires_at, signing) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(super::tokens::hash(state.secret()))
        .bind(super::tokens::hash(&browser_token))
        .bind(&provider.id)
        .bind(nonce.secret())
        .bind(verifier.secret())
        .bind(return_to)
        .bind(db::timestamp(now))
        .bind(db::timestamp(now + Duration::minutes(SIGN_IN_WINDOW_MINUTES)))
        .bind(signing)
        .execute(db.pool())
        .await
        .map_err(|error| {
            tracing::error!(%error, "could not store a sign-in in flight");
            SignInFailure::ProviderUnavailable
        })?;
        Ok((url.to_string(), browser_token))
    }

    /// Finishes signing in from the provider's callback. The sign-in row is deleted first,
    /// so a replayed callback (same state, same code) finds nothing and is refused.
    pub async fn finish(
        &self,
        db: &Db,
        config: &PortalConfig,
        callback: &Callback,
        browser_token: Option<&str>,
    ) -> Result<VerifiedIdentity, SignInFailure> {
        let state = callback.state.as_deref().filter(|s| !s.is_empty()).ok_or(SignInFailure::Malformed)?;
        type Row = (String, String, String, String, String, String, Option<String>);
        let row: Option<Row> = sqlx::query_as(
            "DELETE FROM oidc_sign_ins WHERE state_hash = $1 \
             RETURNING browser_hash, provider_id, nonce, pkce_verifier, return_to, expires_at, signing",
        )
        .bind(super::tokens::hash(state))
        .fetch_optional(db.pool())
        .await
        .map_err(|_| SignInFailure::ProviderUnavailable)?;
        let (browser_hash, provider_id, nonce, verifier, return_to, expires_at, signing) =
            row.ok_or(SignInFailure::UnknownState)?;
        if browser_token.map(super::tokens::hash).as_deref() != Some(browser_hash.as_str()) {
            return Err(SignInFailure::OtherBrowser);
        }
        if db::parse_timestamp(&expires_at).is_none_or(|t| t <= Utc::now()) {
            return Err(SignInFailure::Expired);
        }
        if callback.error.is_some() {
            return Err(SignInFailure::ProviderRefused);
        }
        let code = callback.code.as_deref().filter(|c| !c.is_empty()).ok_or(SignInFailure::Malformed)?;
        let provider = config.provider(&provider_id).ok_or(SignInFailure::UnknownProvider)?;
        let metadata = self.metadata(provider).await?;
        let client = Self::client(provider, metadata, config)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| SignInFailure::ProviderUnavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&self.http)
            .await
            .map_err(|error| {
                tracing::warn!(provider = %provider.id, %error, "authorization code refused");
                SignInFailure::CodeRejected
            })?;
        let id_token = response.id_token().ok_or(SignInFailure::TokenInvalid)?;
        let claims = id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce)).map_err(|error| {
            tracing::warn!(provider = %provider.id, %error, "ID token refused");
            SignInFailure::TokenInvalid
        })?;
        let all_claims = payload_claims(&id_token.to_string()).ok_or(SignInFailure::TokenInvalid)?;
        let text_claim = |name: &str| all_claims.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let display_name = claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .or_else(|| {
                let given = claims.given_name().and_then(|n| n.get(None)).map(|n| n.to_string());
                let family = claims.family_name().and_then(|n| n.get(None)).map(|n| n.to_string());
                match (given, family) {
                    (Some(g), Some(f)) => Some(format!("{g} {f}")),
                    (g, f) => g.or(f),
                }
            })
            .or_else(|| claims.preferred_username().map(|u| u.to_string()))
            .unwrap_or_else(|| claims.subject().to_string());
        // People set their names at their provider; what the portal keeps fits its fields.
        let fit = |text: String, max: usize| text.trim().chars().take(max).collect::<String>();
        use crate::forms::limits;
        Ok(VerifiedIdentity {
            provider_id: provider.id.clone(),
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            display_name: fit(display_name, limits::NAME),
            email: claims.email().map(|e| e.to_string()).filter(|e| e.len() <= limits::EMAIL),
            home_organisation: text_claim("schac_home_organization").map(|o| fit(o, limits::SHORT)),
            claims: all_claims,
            id_token: id_token.to_string(),
            return_to,
            auth_time: claims.auth_time(),
            acr: claims.auth_context_ref().map(|acr| acr.to_string()),
            amr: claims
                .auth_method_refs()
                .map(|amr| amr.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
            signing,
        })
    }

    /// Where to send the browser to end the provider's session too, if it offers that.
    pub async fn end_session_url(
        &self,
        config: &PortalConfig,
        provider_id: &str,
        id_token: Option<&str>,
    ) -> Option<String> {
        let provider = config.provider(provider_id)?;
        let metadata = self.metadata(provider).await.ok()?;
        let endpoint = metadata.additional_metadata().end_session_endpoint.clone()?;
        let after =
            PostLogoutRedirectUrl::new(format!("{}/", config.public_url.trim_end_matches('/'))).ok()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(ClientId::new(provider.client_id.clone()))
            .set_post_logout_redirect_uri(after);
        if let Some(token) = id_token.and_then(|t| CoreIdToken::from_str(t).ok()) {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }
}

/// The query of the provider's redirect back to us.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The claims of an ID token whose signature the caller has already verified.
fn payload_claims(jwt: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Removes sign-ins that were never finished.
pub async fn delete_stale_sign_ins(db: &Db) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM oidc_sign_ins WHERE expires_at <= $1")
        .bind(db::now())
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_codes_round_trip() {
        for failure in SignInFailure::ALL {
            assert_eq!(SignInFailure::parse(failure.code()), Some(failure));
        }
    }

    #[test]
    fn the_sign_in_page_explains_every_failure() {
        for failure in SignInFailure::ALL {
            assert!(crate::identity::api::SIGN_IN_FAILURES.contains(&failure.code()), "{failure:?}");
        }
    }

    #[test]
    fn claims_come_from_the_token_payload() {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"x","eduperson_entitlement":["urn:a","urn:b"]}"#);
        let claims = payload_claims(&format!("e30.{payload}.sig")).unwrap();
        assert_eq!(claims["eduperson_entitlement"][1], "urn:b");
        assert!(payload_claims("not-a-jwt").is_none());
    }
}
