//! Administrators' pages about people: one person's roles and organisations, the claim
//! rules, and API tokens. Forms work with and without JavaScript (ActionForm); errors show
//! beside their field and the form keeps what was typed.

use super::api::{
    AddClaimRule, ApiTokensView, ClaimRulesView, CreateApiToken, GrantRole, RemoveClaimRule, RevokeApiToken,
    RevokeRole, SetMembership, list_api_tokens, list_claim_rules, person_for_admin,
};
use super::model::{Choice, PersonAdminView, Role};
use super::views::grant_label;
use crate::forms::{error_at, successes};
use crate::i18n::use_i18n;
use crate::ui::{DataTable, FieldError, Loaded, TableName};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
fn ChoiceOptions(choices: Vec<Choice>, none_label: String) -> impl IntoView {
    view! {
        <option value="">{none_label}</option>
        {choices.into_iter().map(|c| view! { <option value=c.slug.clone()>{format!("{} ({})", c.name, c.slug)}</option> }).collect_view()}
    }
}

#[component]
fn RoleOptions() -> impl IntoView {
    let i = use_i18n();
    view! {
        {Role::ALL.into_iter().map(|role| view! { <option value=role.code()>{i.t(role.label_key())}</option> }).collect_view()}
    }
}

#[component]
pub fn PersonAdminPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let person_id = move || params.read().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
    let grant = crate::failed_form::remembered_action::<GrantRole>();
    let revoke = crate::failed_form::remembered_action::<RevokeRole>();
    let membership = crate::failed_form::remembered_action::<SetMembership>();
    let (granted, revoked, joined) = (successes(grant), successes(revoke), successes(membership));
    let person = Resource::new(
        move || (person_id(), granted.get(), revoked.get(), joined.get()),
        |(id, ..)| person_for_admin(id),
    );
    let grant_value = Signal::derive(move || grant.value().get());
    view! {
        <Title text=i.t("people.person_title") />
        <Loaded resource=person page=true render={move |view: PersonAdminView| {
            let id = view.person.id;
            view! {
                <section class="page">
                    <p><a href="/admin/people">{i.t("people.back")}</a></p>
                    <h1>{view.person.display_name.clone()}</h1>
                    <dl class="facts">
                        <dt>{i.t("profile.email")}</dt>
                        <dd>{view.person.email.clone().unwrap_or_default()}</dd>
                        <dt>{i.t("people.identity_provider")}</dt>
                        <dd>{view.person.issuer.clone()}</dd>
                    </dl>

                    <h2>{i.t("people.roles_heading")}</h2>
                    {if view.grants.is_empty() {
                        view! { <p>{i.t("role.applicant")}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="grant-list">
                                {view.grants.into_iter().map(|g| {
                                    let label = grant_label(i, &g.grant);
                                    let source = match g.source_rule_id {
                                        Some(rule) => i.t_with("people.granted_by_rule", &[("rule", &rule.to_string())]),
                                        None => g.granted_by.clone().unwrap_or_else(|| i.t("audit.system")),
                                    };
                                    let reason_id = format!("revoke-reason-{}", g.id);
                                    view! {
                                        <li class="grant-list__item">
                                            <span><strong>{label}</strong>" · "{source}</span>
                                            <ActionForm action=revoke attr:class="inline-form">
                                                <input type="hidden" name="grant_id" value=g.id.to_string() />
                                                <label for=reason_id.clone() class="visually-hidden">{i.t("people.revoke_reason")}</label>
                                                <input id=reason_id name="reason" required placeholder=i.t("people.revoke_reason") />
                                                <button type="submit" class="button button--quiet">{i.t("people.revoke")}</button>
                                            </ActionForm>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <FieldError id="revoke-error".into() message=Signal::derive(move || error_at(i, revoke.value().get(), "reason")) />

                    <h2>{i.t("people.grant_heading")}</h2>
                    <ActionForm action=grant attr:class="form-grid">
                        <input type="hidden" name="person_id" value=id.to_string() />
                        <div class="field">
                            <label for="grant-role">{i.t("people.role")}</label>
                            <select id="grant-role" name="role"><RoleOptions /></select>
                            <FieldError id="grant-role-error".into() message=Signal::derive(move || error_at(i, grant_value.get(), "role")) />
                        </div>
                        <div class="field">
                            <label for="grant-node">{i.t("people.scope_node")}</label>
                            <select id="grant-node" name="node" aria-describedby="grant-node-error">
                                <ChoiceOptions choices=view.all_nodes.clone() none_label=i.t("people.no_scope") />
                            </select>
                            <FieldError id="grant-node-error".into() message=Signal::derive(move || error_at(i, grant_value.get(), "node")) />
                        </div>
                        <div class="field">
                            <label for="grant-cohort">{i.t("people.scope_cohort")}</label>
                            <select id="grant-cohort" name="cohort">
                                <ChoiceOptions choices=view.all_cohorts.clone() none_label=i.t("people.no_scope") />
                            </select>
                            <FieldError id="grant-cohort-error".into() message=Signal::derive(move || error_at(i, grant_value.get(), "cohort")) />
                        </div>
                        <div class="field field--actions">
                            <button type="submit" class="button">{i.t("people.grant")}</button>
                        </div>
                    </ActionForm>
                    <FieldError id="grant-error".into() message=Signal::derive(move || error_at(i, grant_value.get(), "")) />

                    <h2>{i.t("people.organisations_heading")}</h2>
                    <ul class="grant-list">
                        {view.organisations.clone().into_iter().map(|org| view! {
                            <li class="grant-list__item">
                                <span>{org.name.clone()}</span>
                                <ActionForm action=membership attr:class="inline-form">
                                    <input type="hidden" name="person_id" value=id.to_string() />
                                    <input type="hidden" name="organisation" value=org.slug.clone() />
                                    <input type="hidden" name="member" value="false" />
                                    <button type="submit" class="button button--quiet">{i.t("people.remove_membership")}</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}
                    </ul>
                    <ActionForm action=membership attr:class="form-grid">
                        <input type="hidden" name="person_id" value=id.to_string() />
                        <input type="hidden" name="member" value="true" />
                        <div class="field">
                            <label for="membership-organisation">{i.t("people.organisation")}</label>
                            <select id="membership-organisation" name="organisation">
                                {view.all_organisations.into_iter().map(|c| view! { <option value=c.slug.clone()>{c.name}</option> }).collect_view()}
                            </select>
                        </div>
                        <div class="field field--actions">
                            <button type="submit" class="button">{i.t("people.add_membership")}</button>
                        </div>
                    </ActionForm>
                </section>
            }.into_any()
        }} />
    }
}

#[component]
pub fn ClaimRulesPage() -> impl IntoView {
    let i = use_i18n();
    let add = crate::failed_form::remembered_action::<AddClaimRule>();
    let remove = crate::failed_form::remembered_action::<RemoveClaimRule>();
    let (added, removed) = (successes(add), successes(remove));
    let rules = Resource::new(move || (added.get(), removed.get()), |_| list_claim_rules());
    let add_value = Signal::derive(move || add.value().get());
    view! {
        <Title text=i.t("claims.title") />
        <section class="page">
            <h1>{i.t("claims.title")}</h1>
            <p>{i.t("claims.intro")}</p>
            <Loaded resource=rules render={move |view: ClaimRulesView| view! {
                <DataTable name=TableName::Caption { id: "rules-caption", text: i.t_with("claims.caption", &[("count", &view.rules.len().to_string())]) }>
                    <thead><tr>
                        <th scope="col">{i.t("claims.provider")}</th>
                        <th scope="col">{i.t("claims.claim")}</th>
                        <th scope="col">{i.t("claims.value")}</th>
                        <th scope="col">{i.t("people.role")}</th>
                        <th scope="col"><span class="visually-hidden">{i.t("claims.remove")}</span></th>
                    </tr></thead>
                    <tbody>
                        {view.rules.into_iter().map(|rule| {
                            let grant = super::model::RoleGrant::named(
                                rule.role,
                                match &rule.scope { super::model::RoleScope::Node(n) => Some(n.clone()), _ => None },
                                match &rule.scope { super::model::RoleScope::Cohort(c) => Some(c.clone()), _ => None },
                            );
                            view! {
                                <tr>
                                    <td>{rule.provider_id.clone().unwrap_or_else(|| i.t("claims.any_provider"))}</td>
                                    <td><code>{rule.claim.clone()}</code></td>
                                    <td><code>{rule.value.clone()}</code></td>
                                    <td>{grant_label(i, &grant)}</td>
                                    <td>
                                        <ActionForm action=remove>
                                            <input type="hidden" name="rule_id" value=rule.id.to_string() />
                                            <button type="submit" class="button button--quiet">{i.t("claims.remove")}</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </DataTable>
                <h2>{i.t("claims.add_heading")}</h2>
                <ActionForm action=add attr:class="form-grid">
                    <div class="field">
                        <label for="rule-provider">{i.t("claims.provider")}</label>
                        <select id="rule-provider" name="provider">
                            <ChoiceOptions choices=view.providers none_label=i.t("claims.any_provider") />
                        </select>
                        <FieldError id="rule-provider-error".into() message=Signal::derive(move || error_at(i, add_value.get(), "provider")) />
                    </div>
                    <div class="field">
                        <label for="rule-claim">{i.t("claims.claim")}</label>
                        <input id="rule-claim" name="claim" value="eduperson_entitlement" required />
                        <FieldError id="rule-claim-error".into() message=Signal::derive(move || error_at(i, add_value.get(), "claim")) />
                    </div>
                    <div class="field">
                        <label for="rule-value">{i.t("claims.value")}</label>
                        <input id="rule-value" name="value" required />
                        <FieldError id="rule-value-error".into() message=Signal::derive(move || error_at(i, add_value.get(), "value")) />
                    </div>
                    <div class="field">
                        <label for="rule-role">{i.t("people.role")}</label>
                        <select id="rule-role" name="role"><RoleOptions /></select>
                        <FieldError id="rule-role-error".into() message=Signal::derive(move || error_at(i, add_value.get(), "role")) />
                    </div>
                    <div class="field">
                        <label for="rule-node">{i.t("people.scope_node")}</label>
                        <select id="rule-node" name="node"><ChoiceOptions choices=view.nodes none_label=i.t("people.no_scope") /></select>
                        <FieldError id="rule-node-error".into() message=Signal::derive(move || error_at(i, add_value.get(), "node")) />
                    </div>
                    <div class="field">
                        <label for="rule-cohort">{i.t("people.scope_cohort")}</label>
                        <select id="rule-cohort" name="cohort"><ChoiceOptions choices=view.cohorts none_label=i.t("people.no_scope") /></select>
                    </div>
                    <div class="field field--actions">
                        <button type="submit" class="button">{i.t("claims.add")}</button>
                    </div>
                </ActionForm>
            }.into_any()} />
        </section>
    }
}

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let i = use_i18n();
    let create = crate::failed_form::remembered_action::<CreateApiToken>();
    let revoke = crate::failed_form::remembered_action::<RevokeApiToken>();
    let (created, revoked) = (successes(create), successes(revoke));
    let tokens = Resource::new(move || (created.get(), revoked.get()), |_| list_api_tokens());
    // The form's node choices load once, apart from the list, so the form never re-renders.
    let form_choices = Resource::new(|| (), |_| list_api_tokens());
    let create_value = Signal::derive(move || create.value().get());
    view! {
        <Title text=i.t("tokens.title") />
        <section class="page">
            <h1>{i.t("tokens.title")}</h1>
            <p>{i.t("tokens.intro")}</p>
            {move || match create.value().get() {
                Some(Ok(created)) => Some(view! {
                    <div class="notice notice--ok" role="status">
                        <p>{i.t("tokens.shown_once")}</p>
                        <p><code class="token-value" data-testid="new-token">{created.token}</code></p>
                    </div>
                }),
                _ => None,
            }}
            <h2>{i.t("tokens.create_heading")}</h2>
            <ActionForm action=create attr:class="form-grid">
                <div class="field">
                    <label for="token-name">{i.t("tokens.name")}</label>
                    <input id="token-name" name="name" required maxlength="100" />
                    <FieldError id="token-name-error".into() message=Signal::derive(move || error_at(i, create_value.get(), "name")) />
                </div>
                <fieldset class="field">
                    <legend>{i.t("tokens.scopes")}</legend>
                    <label><input type="checkbox" name="scope_audit_read" value="on" />" "<code>"audit:read"</code>" – "{i.t("tokens.scope_audit_read")}</label>
                    <label><input type="checkbox" name="scope_people_read" value="on" />" "<code>"people:read"</code>" – "{i.t("tokens.scope_people_read")}</label>
                    <label><input type="checkbox" name="scope_entitlements_read" value="on" />" "<code>"entitlements:read"</code>" – "{i.t("tokens.scope_entitlements_read")}</label>
                    <label><input type="checkbox" name="scope_co_creation_audit" value="on" />" "<code>"audit:co_creation"</code>" – "{i.t("tokens.scope_co_creation_audit")}</label>
                    <FieldError id="token-scopes-error".into() message=Signal::derive(move || error_at(i, create_value.get(), "scopes")) />
                </fieldset>
                <div class="field">
                    <label for="token-expires">{i.t("tokens.expires_on")}</label>
                    <input id="token-expires" name="expires_on" type="date" required />
                    <FieldError id="token-expires-error".into() message=Signal::derive(move || error_at(i, create_value.get(), "expires_on")) />
                </div>
                <Suspense>
                    {move || Suspend::new(async move {
                        form_choices.await.ok().map(|view| view! {
                            <div class="field">
                                <label for="token-node">{i.t("tokens.node")}</label>
                                <select id="token-node" name="node" aria-describedby="token-node-error"><ChoiceOptions choices=view.nodes none_label=i.t("tokens.no_node") /></select>
                                <FieldError id="token-node-error".into() message=Signal::derive(move || error_at(i, create_value.get(), "node")) />
                            </div>
                        })
                    })}
                </Suspense>
                <div class="field field--actions">
                    <button type="submit" class="button">{i.t("tokens.create")}</button>
                </div>
            </ActionForm>
            <Loaded resource=tokens render={move |view: ApiTokensView| view! {
                <DataTable name=TableName::Caption { id: "tokens-caption", text: i.t_with("tokens.caption", &[("count", &view.tokens.len().to_string())]) } testid="token-table">
                    <thead><tr>
                        <th scope="col">{i.t("tokens.name")}</th>
                        <th scope="col">{i.t("tokens.scopes")}</th>
                        <th scope="col">{i.t("tokens.expires_on")}</th>
                        <th scope="col">{i.t("tokens.last_used")}</th>
                        <th scope="col">{i.t("tokens.status")}</th>
                    </tr></thead>
                    <tbody>
                        {view.tokens.into_iter().map(|t| view! {
                            <tr>
                                <th scope="row">{t.name.clone()}<br /><code>{format!("{}…", t.prefix)}</code></th>
                                <td>{t.scopes.join(", ")}</td>
                                <td>{t.expires_at.chars().take(10).collect::<String>()}</td>
                                <td>{t.last_used_at.as_deref().map(crate::i18n::display_utc).unwrap_or_else(|| i.t("tokens.never"))}</td>
                                <td>
                                    {if t.live {
                                        view! {
                                            <ActionForm action=revoke>
                                                <input type="hidden" name="token_id" value=t.id.to_string() />
                                                <button type="submit" class="button button--quiet">{i.t("tokens.revoke")}</button>
                                            </ActionForm>
                                        }.into_any()
                                    } else if t.revoked_at.is_some() {
                                        view! { <span>{i.t("tokens.revoked")}</span> }.into_any()
                                    } else {
                                        view! { <span>{i.t("tokens.expired")}</span> }.into_any()
                                    }}
                                </td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </DataTable>
            }.into_any()} />
        </section>
    }
}
