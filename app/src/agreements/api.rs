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
    let ids: Vec<i64> = listed.iter().map(|item| item.id.get()).collect();
    let loaded = store::load_many_with_facts(&mut conn, &ids).await.map_err(ssr::refused)?;
    let rows = listed
        .iter()
        .filter_map(|item| {
            let (agreement, facts) = loaded.get(&item.id.get())?;
            super::views::row(item, agreement, facts, &actor, today)
        })
        .collect();
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
    let demo_person = store::demo_subject(&mut conn, person.id).await?.is_some();
    drop(conn);
    super::views::page(
        id,
        &agreement,
        &log,
        &facts,
        &actor,
        &names,
        request_lang(),
        state.config.demo_sign_in && demo_person,
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
        client: super::signing::client(
            state.config.trust_forwarded_for,
            leptos::prelude::use_context::<http::request::Parts>().as_ref(),
        ),
    };
    crate::workflow::execute::<Agreement>(&state.db, id.get(), &actor, command, now)
        .await
        .map_err(ssr::refused)?;
    Ok(())
}

/// Whether `hash` (SHA-256 hex, spaces and case ignored) is a signed agreement version's,
/// or, `of_file`, the hash of a PDF the portal issued of one: `None` when it is not; a
/// malformed hash is refused at its field.
#[server]
pub async fn verify_agreement(
    hash: String,
    #[server(default)] of_file: bool,
) -> Result<Option<Verification>, AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use crate::time::stockholm_time;
    let (state, _) = authorize(Action::VerifyAgreement).await?;
    let hash: String = hash.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
    if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(with_status(AppError::invalid("hash", "agreement.verify.malformed")));
    }
    let mut conn = state.db.read().await?;
    let version_hash =
        if of_file { super::store::issued_document(&mut conn, &hash).await? } else { Some(hash) };
    let Some(version_hash) = version_hash else { return Ok(None) };
    let found = super::store::signed_version(&mut conn, &version_hash).await.map_err(ssr::refused)?;
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

/// The terms editor of an agreement this person may edit now (403 otherwise).
#[server]
pub async fn get_terms_editor(id: AgreementId) -> Result<super::model::TermsEditor, AppError> {
    use super::store;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, authorize_on, request_lang, with_status};
    let (state, person) = authorize(Action::ReadAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let actor = store::actor(&mut conn, &person).await?;
    let (agreement, _, facts) = store::load_with_facts(&mut conn, id).await.map_err(ssr::refused)?;
    authorize_on(Action::ReadAgreement, Thing::Agreement(&agreement.visibility_with(&actor, &facts))).await?;
    let terms = agreement.latest().map(|v| v.content.terms.clone()).unwrap_or_default();
    let register = store::register(&mut conn, &terms, &[]).await?;
    drop(conn);
    super::views::editor(id, &agreement, &facts, &actor, &register, request_lang(), chrono::Utc::now())
        .ok_or_else(|| with_status(AppError::Forbidden))
}

/// Saves one section of the terms (`fields` as its form posts them, `part-n` for row n):
/// a new working version when the latest was sent. `base` is the version's hash when the
/// form was drawn; a save over someone else's newer edit is refused, not merged.
#[server]
pub async fn revise_terms(
    id: AgreementId,
    section: String,
    base: String,
    #[server(default)] fields: std::collections::BTreeMap<String, String>,
) -> Result<(), AppError> {
    use super::store;
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use kernel::agreement::form::{self, Section};
    use kernel::agreement::{Agreement, Command};
    let (state, person) = authorize(Action::ActOnAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let section = Section::parse(&section)
        .ok_or_else(|| with_status(AppError::invalid("", "agreement.form.choice")))?;
    if fields.len() > 4 * kernel::agreement::terms::MAX_ITEMS * form::columns(section).len() {
        return Err(with_status(AppError::invalid(section.code(), "form.too_many")));
    }
    let mut conn = state.db.read().await?;
    let actor = store::actor(&mut conn, &person).await?;
    let (agreement, _, facts) = store::load_with_facts(&mut conn, id).await.map_err(ssr::refused)?;
    // Asked first, so that someone who may not edit learns nothing from the checks below.
    let context = kernel::agreement::Context::with(chrono::Utc::now(), facts);
    if !kernel::workflow::Aggregate::permitted(&agreement, &actor, &context)
        .contains(&kernel::agreement::Permission::Edit)
    {
        return Err(with_status(AppError::Forbidden));
    }
    let Some(latest) = agreement.latest() else { return Err(with_status(AppError::NotFound)) };
    if kernel::agreement::canonical::version_hash(id, latest.number, &latest.content) != base {
        return Err(with_status(AppError::invalid("", "agreement.form.stale")));
    }
    let emails: Vec<String> =
        fields.iter().filter(|(k, _)| k.starts_with("email-")).map(|(_, v)| v.clone()).collect();
    let register = store::register(&mut conn, &latest.content.terms, &emails).await?;
    drop(conn);
    let terms = form::apply(section, &fields, &latest.content.terms, &register)
        .map_err(|problem| with_status(AppError::invalid(&problem.field.replace('.', "-"), problem.key)))?;
    crate::workflow::execute::<Agreement>(
        &state.db,
        id.get(),
        &actor,
        Command::Revise { terms },
        chrono::Utc::now(),
    )
    .await
    .map_err(ssr::refused)?;
    Ok(())
}

/// Sets who approves the agreement internally and in what order (`roles` posted as
/// `roles[0]=legal`, in the order they approve).
#[server]
pub async fn set_approval_plan(
    id: AgreementId,
    order: String,
    #[server(default)] roles: std::collections::BTreeMap<String, String>,
) -> Result<(), AppError> {
    use crate::policy::Action;
    use crate::request::{authorize, with_status};
    use kernel::agreement::review::{ApprovalOrder, ApprovalPlan, ApprovalRole, MAX_ROLES};
    // Duplicates and the length are the kernel's to refuse (`plan_fits`).
    use kernel::agreement::{Agreement, Command};
    let (state, person) = authorize(Action::ActOnAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let order = ApprovalOrder::parse(&order)
        .ok_or_else(|| with_status(AppError::invalid("approval-order", "agreement.form.choice")))?;
    let mut numbered: Vec<(usize, &String)> =
        roles.iter().filter_map(|(k, v)| Some((k.strip_prefix("role-")?.parse().ok()?, v))).collect();
    numbered.sort();
    let mut chosen = Vec::new();
    for (n, code) in numbered.into_iter().filter(|(_, v)| !v.is_empty()).take(MAX_ROLES + 1) {
        let role = ApprovalRole::parse(code).ok_or_else(|| {
            with_status(AppError::invalid(&format!("approval-role-{n}"), "agreement.form.choice"))
        })?;
        chosen.push(role);
    }
    let mut conn = state.db.read().await?;
    let actor = super::store::actor(&mut conn, &person).await?;
    drop(conn);
    let command = Command::SetApprovalPlan { approval: ApprovalPlan { roles: chosen, order } };
    crate::workflow::execute::<Agreement>(&state.db, id.get(), &actor, command, chrono::Utc::now())
        .await
        .map_err(ssr::refused)?;
    Ok(())
}

/// The guided choice of a model, for someone who may edit the agreement now: the
/// questions, and for complete answers (as the page's link carries them) the
/// recommendation and why.
#[server]
pub async fn guide_agreement(
    id: AgreementId,
    #[server(default)] answers: std::collections::BTreeMap<String, String>,
) -> Result<super::model::GuidePage, AppError> {
    use super::store;
    use crate::policy::{Action, Thing};
    use crate::request::{authorize, authorize_on, request_lang, with_status};
    use kernel::agreement::{Context, Permission};
    use kernel::workflow::Aggregate;
    let (state, person) = authorize(Action::ReadAgreement).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let mut conn = state.db.read().await?;
    let actor = store::actor(&mut conn, &person).await?;
    let (agreement, _, facts) = store::load_with_facts(&mut conn, id).await.map_err(ssr::refused)?;
    authorize_on(Action::ReadAgreement, Thing::Agreement(&agreement.visibility_with(&actor, &facts))).await?;
    let context = Context::with(chrono::Utc::now(), facts);
    if !agreement.permitted(&actor, &context).contains(&Permission::Edit) {
        return Err(with_status(AppError::Forbidden));
    }
    let models = store::models(&mut conn).await?;
    Ok(super::views::guide(id, &agreement, &answers, &models, request_lang()))
}
