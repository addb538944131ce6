//! Server functions for identity: who is here, demo sign-in, sign-out, language, people.

use super::claims::ClaimRule;
use super::model::{ApiTokenListing, Choice, DemoPerson, PersonAdminView, PersonListing, Viewer};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The viewer of the current request: their person (if signed in) and language.
#[server]
pub async fn get_viewer() -> Result<Viewer, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, current_viewer};
    authorize(Action::ReadPublicCatalogue).await?;
    current_viewer().await
}

#[server]
pub async fn list_demo_people() -> Result<Vec<DemoPerson>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::UseDemoSignIn).await?;
    if !crate::demo::is_demo_database(&state.db).await? {
        return Err(crate::request::with_status(AppError::NotFound));
    }
    Ok(super::store::demo_people(&state.db).await?)
}

/// Signs in as a demo person: a new session (new id), the person's language, an event.
#[server]
pub async fn demo_sign_in(person_id: i64) -> Result<(), AppError> {
    use super::signin::{SignInMethod, begin_session};
    use super::{sessions, store};
    use crate::policy::Action;
    use crate::request::{authorize, cookie, remember_language, set_cookie, with_status};

    let (state, _) = authorize(Action::UseDemoSignIn).await?;
    // On a database with real people, demo sign-in would let anyone be anyone.
    if !crate::demo::is_demo_database(&state.db).await? {
        return Err(with_status(AppError::NotFound));
    }
    if !store::is_demo_person(&state.db, person_id).await? {
        return Err(with_status(AppError::invalid("person_id", "error.unknown_demo_person")));
    }
    let previous = use_context::<http::request::Parts>().and_then(|p| cookie(&p, sessions::COOKIE));
    let session = begin_session(&state, person_id, previous.as_deref(), SignInMethod::Demo).await?;
    set_cookie(&state.config, session.cookie());
    if let Some(lang) = session.lang {
        remember_language(&state.config, lang);
    }
    leptos_axum::redirect("/");
    Ok(())
}

/// Ends the portal session and, when the session came from a provider that offers it,
/// sends the browser on to end the provider's session too.
#[server]
pub async fn sign_out() -> Result<(), AppError> {
    use super::sessions;
    use crate::policy::Action;
    use crate::request::{CookieSpec, authorize, cookie, set_cookie};

    let (state, person) = authorize(Action::SignOut).await?;
    let token = use_context::<http::request::Parts>().and_then(|p| cookie(&p, sessions::COOKIE));
    let mut next = "/".to_owned();
    if let (Some(token), Some(person)) = (token, person)
        && let Some((provider_id, id_token)) =
            super::signin::end_session(&state, &token, person.id.get()).await?
        && let Some(url) = state.oidc.end_session_url(&state.config, &provider_id, Some(&id_token)).await
    {
        next = url;
    }
    set_cookie(
        &state.config,
        CookieSpec { name: sessions::COOKIE, value: "", max_age_seconds: Some(0), http_only: true },
    );
    leptos_axum::redirect(&next);
    Ok(())
}

/// The ways to sign in on this deployment.
#[server]
pub async fn sign_in_options() -> Result<SignInChoices, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::UseProviderSignIn).await?;
    Ok(SignInChoices { providers: provider_choices(&state.config), demo: state.config.demo_sign_in })
}

/// What the signed-in person declared of their gender (their profile's form shows it).
#[server]
pub async fn get_declared_gender() -> Result<Option<kernel::codes::Gender>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ViewOwnProfile).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    Ok(super::store::declared_gender(&state.db, person.id.get()).await?)
}

/// Declares one's gender, or (an empty choice) withdraws the declaration; back to the profile.
#[server]
pub async fn declare_gender(gender: String) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use kernel::codes::Gender;
    let (state, person) = authorize(Action::EditOwnProfile).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let gender = match gender.trim() {
        "" => None,
        code => Some(
            Gender::parse(code)
                .ok_or_else(|| with_status(AppError::invalid("gender", "profile.gender.invalid")))?,
        ),
    };
    super::store::declare_gender(&state.db, person.id.get(), gender).await?;
    leptos_axum::redirect("/me");
    Ok(())
}

/// Switches the language for this browser and, when signed in, for the person.
#[server]
pub async fn set_language(lang: String, return_to: String) -> Result<(), AppError> {
    use crate::audit::{NewEvent, record};
    use crate::i18n::Lang;
    use crate::policy::Action;
    use crate::request::{authorize, remember_language, safe_return_path, with_status};

    let (state, person) = authorize(Action::SetOwnLanguage).await?;
    let Some(lang) = Lang::parse(&lang) else {
        return Err(with_status(AppError::invalid("lang", "error.unknown_language")));
    };
    remember_language(&state.config, lang);
    if let Some(person) = person {
        let before = super::store::set_preferred_lang(&state.db, person.id.get(), lang).await?;
        if before != Some(lang) {
            record(
                &state.db,
                NewEvent::about_person(
                    person.id.get(),
                    "language_changed",
                    before.map(|l| l.code().to_owned()),
                    Some(lang.code().to_owned()),
                ),
            )
            .await?;
        }
    }
    leptos_axum::redirect(&safe_return_path(&return_to));
    Ok(())
}

#[server]
pub async fn list_people() -> Result<Vec<PersonListing>, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ListPeople).await?;
    Ok(super::store::all_people(&state.db).await?)
}

/// The failure codes the sign-in page explains (`signin.failure.<code>`); kept in step with
/// `oidc::SignInFailure` by a test.
pub const SIGN_IN_FAILURES: &[&str] = &[
    "unknown_provider",
    "provider_unavailable",
    "unknown_state",
    "other_browser",
    "expired",
    "provider_refused",
    "code_rejected",
    "token_invalid",
    "malformed",
    "rate_limited",
];

#[cfg(feature = "ssr")]
fn provider_choices(config: &crate::config::PortalConfig) -> Vec<Choice> {
    config
        .oidc_providers
        .iter()
        .map(|p| Choice { slug: p.id.clone(), name: p.display_name.clone() })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInChoices {
    pub providers: Vec<Choice>,
    pub demo: bool,
}

#[server]
pub async fn person_for_admin(person_id: i64) -> Result<PersonAdminView, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, _) = authorize(Action::ListPeople).await?;
    super::roles::person_admin_view(&state.db, person_id)
        .await?
        .ok_or_else(|| with_status(AppError::NotFound))
}

#[cfg(feature = "ssr")]
fn role_change_error(error: super::roles::RoleChangeError) -> AppError {
    use super::roles::RoleChangeError::*;
    crate::request::with_status(match error {
        UnknownPerson | UnknownGrant => AppError::NotFound,
        UnknownNode => AppError::invalid("node", "error.unknown_node"),
        UnknownCohort => AppError::invalid("cohort", "error.unknown_cohort"),
        UnknownOrganisation => AppError::invalid("organisation", "error.unknown_organisation"),
        AlreadyHeld => AppError::invalid("role", "error.role_already_held"),
        Db(error) => error.into(),
    })
}

/// Reads a role and its scope from form fields, checking that they fit together.
#[cfg(feature = "ssr")]
fn role_and_scope(
    role: &str,
    node: Option<&str>,
    cohort: Option<&str>,
) -> Result<(super::model::Role, super::model::RoleScope), AppError> {
    use super::model::{Role, RoleScope};
    use crate::request::with_status;
    let role =
        Role::parse(role).ok_or_else(|| with_status(AppError::invalid("role", "error.unknown_role")))?;
    let scope =
        RoleScope::from_fields(node, cohort).map_err(|key| with_status(AppError::invalid("node", key)))?;
    role.check_scope(&scope).map_err(|key| with_status(AppError::invalid("node", key)))?;
    Ok((role, scope))
}

#[server]
pub async fn grant_role(
    person_id: i64,
    role: String,
    node: Option<String>,
    cohort: Option<String>,
) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, admin) = authorize(Action::ManageRoles).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    let (role, scope) = role_and_scope(&role, node.as_deref(), cohort.as_deref())?;
    super::roles::grant(&state.db, person_id, role, &scope, admin.id.get())
        .await
        .map_err(role_change_error)?;
    Ok(())
}

#[server]
pub async fn revoke_role(grant_id: i64, reason: String) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, admin) = authorize(Action::ManageRoles).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(with_status(AppError::invalid("reason", "error.reason_required")));
    }
    let reason = crate::forms::bounded(reason, "reason", crate::forms::limits::REASON, true)?;
    super::roles::revoke(&state.db, grant_id, admin.id.get(), &reason).await.map_err(role_change_error)
}

#[server]
pub async fn set_membership(person_id: i64, organisation: String, member: bool) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, admin) = authorize(Action::ManageRoles).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    super::roles::set_membership(&state.db, person_id, &organisation, member, admin.id.get())
        .await
        .map_err(role_change_error)
}

/// The claim rules with what the form needs to add one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRulesView {
    pub rules: Vec<ClaimRule>,
    pub providers: Vec<Choice>,
    pub nodes: Vec<Choice>,
    pub cohorts: Vec<Choice>,
}

#[server]
pub async fn list_claim_rules() -> Result<ClaimRulesView, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ManageClaimRules).await?;
    Ok(ClaimRulesView {
        rules: super::roles::claim_rules(&state.db).await?,
        providers: provider_choices(&state.config),
        nodes: super::roles::node_choices(&state.db).await?,
        cohorts: super::roles::cohort_choices(&state.db).await?,
    })
}

#[server]
pub async fn add_claim_rule(
    provider: Option<String>,
    claim: String,
    value: String,
    role: String,
    node: Option<String>,
    cohort: Option<String>,
) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, admin) = authorize(Action::ManageClaimRules).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    let provider = provider.filter(|p| !p.is_empty());
    if provider.as_deref().is_some_and(|p| state.config.provider(p).is_none()) {
        return Err(with_status(AppError::invalid("provider", "error.unknown_provider")));
    }
    let (claim, value) = (claim.trim(), value.trim());
    if claim.is_empty() || claim.len() > 200 {
        return Err(with_status(AppError::invalid("claim", "error.claim_required")));
    }
    if value.is_empty() || value.len() > 500 {
        return Err(with_status(AppError::invalid("value", "error.claim_value_required")));
    }
    let (role, scope) = role_and_scope(&role, node.as_deref(), cohort.as_deref())?;
    // Administration is never handed to whatever any provider asserts.
    if role == super::model::Role::Administrator && provider.is_none() {
        return Err(with_status(AppError::invalid("provider", "error.admin_rule_needs_provider")));
    }
    let rule = super::roles::NewClaimRule { provider_id: provider.as_deref(), claim, value, role, scope };
    super::roles::add_claim_rule(&state.db, rule, admin.id.get()).await.map_err(role_change_error)?;
    Ok(())
}

#[server]
pub async fn remove_claim_rule(rule_id: i64) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, admin) = authorize(Action::ManageClaimRules).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    super::roles::remove_claim_rule(&state.db, rule_id, admin.id.get()).await.map_err(role_change_error)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokensView {
    pub tokens: Vec<ApiTokenListing>,
    pub nodes: Vec<Choice>,
}

#[server]
pub async fn list_api_tokens() -> Result<ApiTokensView, AppError> {
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, _) = authorize(Action::ManageApiTokens).await?;
    Ok(ApiTokensView {
        tokens: super::tokens::list(&state.db).await?,
        nodes: super::roles::node_choices(&state.db).await?,
    })
}

/// A token just created: the only time its value is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
}

#[server]
pub async fn create_api_token(
    name: String,
    scope_audit_read: Option<String>,
    scope_people_read: Option<String>,
    scope_entitlements_read: Option<String>,
    scope_co_creation_audit: Option<String>,
    node: Option<String>,
    expires_on: String,
) -> Result<CreatedToken, AppError> {
    use crate::policy::{Action, ApiScope};
    use crate::request::{authorize, with_status};
    let (state, admin) = authorize(Action::ManageApiTokens).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(with_status(AppError::invalid("name", "error.token_name_required")));
    }
    // One checkbox per scope; a checked box sends a value, an unchecked one nothing.
    let scopes: Vec<ApiScope> = [
        (ApiScope::AuditRead, scope_audit_read),
        (ApiScope::PeopleRead, scope_people_read),
        (ApiScope::EntitlementsRead, scope_entitlements_read),
        (ApiScope::CoCreationAuditRead, scope_co_creation_audit),
    ]
    .into_iter()
    .filter_map(|(scope, checked)| checked.map(|_| scope))
    .collect();
    if scopes.is_empty() {
        return Err(with_status(AppError::invalid("scopes", "error.token_scope_required")));
    }
    let today = chrono::Utc::now().date_naive();
    let expires = chrono::NaiveDate::parse_from_str(expires_on.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d > today && *d <= today + chrono::Duration::days(366))
        .ok_or_else(|| with_status(AppError::invalid("expires_on", "error.token_expiry")))?;
    let node_id = match node.as_deref().filter(|n| !n.is_empty()) {
        None => None,
        Some(slug) => Some(
            sqlx::query_scalar::<_, i64>("SELECT id FROM nodes WHERE slug = $1")
                .bind(slug)
                .fetch_optional(state.db.pool())
                .await?
                .ok_or_else(|| with_status(AppError::invalid("node", "error.unknown_node")))?,
        ),
    };
    // Co-creation's trail (reviewers, rationales, conflicts) is never a node's business.
    if node_id.is_some() && scopes.contains(&ApiScope::CoCreationAuditRead) {
        return Err(with_status(AppError::invalid("node", "error.token_co_creation_node")));
    }
    let expires_at = expires.and_hms_opt(23, 59, 59).expect("a valid time").and_utc();
    let token = super::tokens::NewToken { name, scopes: &scopes, node_id, expires_at };
    let (id, token) = super::tokens::create(&state.db, token, admin.id.get()).await?;
    Ok(CreatedToken { id, token })
}

#[server]
pub async fn revoke_api_token(token_id: i64) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    let (state, admin) = authorize(Action::ManageApiTokens).await?;
    let admin = admin.ok_or(AppError::NotSignedIn)?;
    if super::tokens::revoke(&state.db, token_id, admin.id.get()).await? {
        Ok(())
    } else {
        Err(with_status(AppError::NotFound))
    }
}
