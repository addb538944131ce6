//! The agreement pages: the list (filters in the URL, overdue first) and one agreement
//! (its summary for everyone who may see it; the text, money, review, signatures and
//! the commands for those the agreement's rules let further in).

use super::api::{
    ActOnAgreement, ChooseModel, ConfirmDemoSignature, get_agreement, list_agreements, verify_agreement,
};
use super::model::{
    AgreementDetail, AgreementList, AgreementPage, AgreementState, ListQuery, Permission, Verification,
};
use crate::forms::Refresh;
use crate::i18n::{I18n, use_i18n};
use crate::ui::{DataTable, Loaded, TableName, Timeline, command_form};
use kernel::AgreementId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

pub fn state_name(i: I18n, state: AgreementState) -> String {
    i.t(&format!("agreement.state.{}", state.code()))
}

use crate::ui::command_field as field;

/// A form for one command on the agreement; a command without values posts its name.
#[component]
fn AgreementCommand(
    id: AgreementId,
    command: &'static str,
    #[prop(optional)] fixed: Vec<(&'static str, String)>,
    key: String,
    children: Children,
) -> impl IntoView {
    let unit = kernel::agreement::PersonCommand::UNIT.contains(&command);
    let hidden = crate::ui::command_hidden(id.to_string(), command, unit, fixed);
    command_form(crate::failed_form::remembered_action::<ActOnAgreement>(), hidden, key, children, None)
}

/// A command that asks only for a reason.
#[component]
fn ReasonCommand(
    id: AgreementId,
    command: &'static str,
    #[prop(optional)] fixed: Vec<(&'static str, String)>,
    button: String,
) -> impl IntoView {
    let i = use_i18n();
    let input = format!("{command}-reason");
    view! {
        <AgreementCommand id command fixed key=command.to_owned()>
            <div class="field">
                <label for=input.clone()>{i.t("agreement.reason")}</label>
                <textarea id=input name=field(command, "reason") rows="3" maxlength="5000" required></textarea>
            </div>
            <button type="submit" class="button button--quiet" data-testid=command>{button}</button>
        </AgreementCommand>
    }
}

#[component]
pub fn AgreementsPage() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let q = query.get();
        ListQuery {
            state: q.get("state").filter(|s| !s.is_empty()),
            party: q.get("party").and_then(|p| p.parse().ok()),
            overdue: q.get("overdue").is_some_and(|v| v == "1"),
        }
    });
    let list = Resource::new(move || filters.get(), list_agreements);
    view! {
        <Title text=i.t("agreements.title") />
        <section class="page">
            <h1>{i.t("agreements.title")}</h1>
            <p class="lede">{i.t("agreements.lede")}</p>
            <Loaded resource=list render={move |list: AgreementList| {
                let chosen = filters.get_untracked();
                view! { <AgreementFilters list=list.clone() chosen /> <AgreementTable list /> }.into_any()
            }} />
        </section>
    }
}

/// The filters as a plain GET form: every view is a link, with or without JavaScript.
#[component]
fn AgreementFilters(list: AgreementList, chosen: ListQuery) -> impl IntoView {
    let i = use_i18n();
    let state = chosen.state.clone().unwrap_or_default();
    view! {
        <form method="get" action="/agreements" class="filters" aria-label=i.t("agreements.filters")>
            <div class="field">
                <label for="agreements-state">{i.t("agreements.state")}</label>
                <select id="agreements-state" name="state">
                    <option value="" selected=state.is_empty()>{i.t("agreements.any")}</option>
                    {AgreementState::ALL.iter().map(|s| {
                        let code = s.code();
                        view! { <option value=code selected=state == code>{state_name(i, *s)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="agreements-party">{i.t("agreements.party")}</label>
                <select id="agreements-party" name="party">
                    <option value="" selected=chosen.party.is_none()>{i.t("agreements.any")}</option>
                    {list.parties.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=chosen.party == Some(*id)>{name.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field field--check">
                <input id="agreements-overdue" type="checkbox" name="overdue" value="1" checked=chosen.overdue />
                <label for="agreements-overdue">{i.t("agreements.overdue_only")}</label>
            </div>
            <div class="field field--actions">
                <button type="submit" class="button button--quiet">{i.t("agreements.filter")}</button>
            </div>
        </form>
    }
}

#[component]
fn AgreementTable(list: AgreementList) -> impl IntoView {
    let i = use_i18n();
    if list.rows.is_empty() {
        return view! { <p class="notice" data-testid="agreements-none">{i.t("agreements.none")}</p> }
            .into_any();
    }
    view! {
        <DataTable name=TableName::Caption { id: "agreements-caption", text: i.t("agreements.caption") } testid="agreements">
            <thead><tr>
                <th scope="col">{i.t("agreement.title")}</th>
                <th scope="col">{i.t("agreement.parties")}</th>
                <th scope="col">{i.t("agreements.state")}</th>
                <th scope="col">{i.t("agreement.model")}</th>
                <th scope="col">{i.t("agreements.next_due")}</th>
            </tr></thead>
            <tbody>
                {list.rows.into_iter().map(|row| view! {
                    <tr class:row--overdue=row.overdue>
                        <td><a href=format!("/agreements/{}", row.id)>{if row.title.is_empty() { i.t("agreement.untitled") } else { row.title.clone() }}</a></td>
                        <td>{row.parties.join(", ")}</td>
                        <td>{state_name(i, row.state)}</td>
                        <td>{row.model.clone().unwrap_or_default()}</td>
                        <td>{row.next_due.clone().map(|(due, what)| view! {
                            <span>{due}" · "{what}</span>
                            {row.overdue.then(|| view! { " " <strong class="badge badge--warning">{i.t("agreement.overdue")}</strong> })}
                        })}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </DataTable>
    }
    .into_any()
}

#[component]
pub fn AgreementPageView() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        AgreementId(params.get().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0))
    });
    let refresh = RwSignal::new(0u64);
    provide_context(Refresh(refresh));
    let page = Resource::new(move || (id.get(), refresh.get()), |(id, _)| get_agreement(id));
    view! {
        <Loaded resource=page render={move |page: AgreementPage| view! { <AgreementView page /> }.into_any()} />
    }
}

#[component]
fn AgreementView(page: AgreementPage) -> impl IntoView {
    let i = use_i18n();
    let title = if page.title.is_empty() { i.t("agreement.untitled") } else { page.title.clone() };
    let id = page.id;
    let may = |p: Permission| page.permitted.contains(&p);
    view! {
        <Title text=title.clone() />
        <section class="page">
            <p class="breadcrumb"><a href="/agreements">{i.t("agreements.title")}</a></p>
            <h1>{title}</h1>
            <p class="status-line">
                <strong data-testid="agreement-state">{state_name(i, page.state)}</strong>
                {page.model.clone().map(|model| view! { " · " {model} })}
                {page.example_model.then(|| view! { " " <span class="badge">{i.t("agreement.example_model")}</span> })}
                {page.proposal.map(|p| view! { " · " <a href=format!("/proposals/{p}")>{i.t("agreement.from_proposal")}</a> })}
            </p>
            {page.summary_only.then(|| view! { <p class="notice">{i.t("agreement.summary_only")}</p> })}
            <SigningOutcome />
            <h2>{i.t("agreement.parties")}</h2>
            <ul class="plain-list" data-testid="parties">
                {page.parties.iter().map(|(name, kind, role)| view! {
                    <li>{name.clone()}" · "{i.t(&format!("agreement.party_kind.{kind}"))}" · "{i.t(&format!("agreement.role.{role}"))}</li>
                }).collect_view()}
            </ul>
            <dl class="facts">
                {page.period.clone().map(|(start, end)| view! { <dt>{i.t("agreement.period")}</dt><dd>{start}" – "{end}</dd> })}
                {page.total.clone().map(|total| view! { <dt>{i.t("agreement.total")}</dt><dd>{total}</dd> })}
                {page.industry_ratio.clone().map(|ratio| view! { <dt>{i.t("agreement.industry_ratio")}</dt><dd>{ratio}</dd> })}
            </dl>
            <Milestones page=page.clone() />
            {may(Permission::Edit).then(|| view! {
                <p><a class="button button--quiet" href=format!("/agreements/{id}/terms") data-testid="edit-terms">{i.t("agreement.edit_terms")}</a></p>
            })}
            {(!page.models.is_empty()).then(|| view! { <ModelChooser page=page.clone() /> })}
            {page.detail.clone().map(|detail| view! { <Detail page=page.clone() detail /> })}
            <h2>{i.t("agreement.actions")}</h2>
            <div class="command-row" data-testid="agreement-actions">
                {may(Permission::SendForInternalReview).then(|| view! {
                    <AgreementCommand id command="send_for_internal_review" key="review".into()>
                        <button type="submit" class="button" data-testid="send-for-internal-review">{i.t("agreement.send_for_review")}</button>
                    </AgreementCommand>
                })}
                {page.my_roles.clone().into_iter().map(|role| {
                    let role_name = i.t(&format!("agreement.approval_role.{role}"));
                    let label = i.t_with("agreement.approve_as", &[("role", &role_name)]);
                    let testid = format!("approve-{role}");
                    view! {
                        <AgreementCommand id command="approve" fixed=vec![("role", role.clone())] key=testid.clone()>
                            <button type="submit" class="button" data-testid=testid.clone()>{label.clone()}</button>
                        </AgreementCommand>
                        <ReasonCommand id command="request_changes" fixed=vec![("role", role.clone())] button=i.t("agreement.request_changes") />
                    }
                }).collect_view()}
                {may(Permission::ShareVersion).then(|| view! {
                    <AgreementCommand id command="share_version" key="share".into()>
                        <button type="submit" class="button" data-testid="share-version">{i.t("agreement.share_version")}</button>
                    </AgreementCommand>
                })}
                {page.may_accept_for.clone().into_iter().map(|(organisation, name)| {
                    let version = page.detail.as_ref().map(|d| d.version).unwrap_or(0).to_string();
                    let label = i.t_with("agreement.accept_for", &[("party", &name)]);
                    view! {
                        <AgreementCommand id command="accept_version" fixed=vec![("party", organisation.to_string()), ("version", version)] key=format!("accept-{organisation}")>
                            <button type="submit" class="button" data-testid="accept-version">{label.clone()}</button>
                        </AgreementCommand>
                    }
                }).collect_view()}
                {may(Permission::SendForSignature).then(|| view! {
                    <AgreementCommand id command="send_for_signature" key="signature".into()>
                        <button type="submit" class="button" data-testid="send-for-signature">{i.t("agreement.send_for_signature")}</button>
                    </AgreementCommand>
                })}
                {(may(Permission::Sign) && page.demo_signing).then(|| view! { <DemoSignature page=page.clone() /> })}
                {(may(Permission::Sign) && !page.demo_signing).then(|| view! { <ProviderSignature page=page.clone() /> })}
                {may(Permission::Resume).then(|| view! {
                    <AgreementCommand id command="resume" key="resume".into()>
                        <button type="submit" class="button button--quiet" data-testid="resume">{i.t("agreement.resume")}</button>
                    </AgreementCommand>
                })}
                {may(Permission::StartAmendment).then(|| view! { <ReasonCommand id command="start_amendment" button=i.t("agreement.start_amendment") /> })}
                {may(Permission::Hold).then(|| view! { <ReasonCommand id command="put_on_hold" button=i.t("agreement.put_on_hold") /> })}
                {may(Permission::Withdraw).then(|| view! { <ReasonCommand id command="withdraw" button=i.t("agreement.withdraw") /> })}
                {may(Permission::Terminate).then(|| view! { <ReasonCommand id command="terminate" button=i.t("agreement.terminate") /> })}
            </div>
            <Timeline entries=page.timeline.clone() label=i.t("agreement.history") />
        </section>
    }
}

#[component]
fn Milestones(page: AgreementPage) -> impl IntoView {
    let i = use_i18n();
    (!page.milestones.is_empty()).then(|| view! {
        <DataTable name=TableName::Caption { id: "milestones-caption", text: i.t("agreement.milestones") } testid="milestones">
            <thead><tr>
                <th scope="col">{i.t("agreement.milestone.code")}</th>
                <th scope="col">{i.t("agreement.milestone.title")}</th>
                <th scope="col">{i.t("agreement.milestone.due")}</th>
                <th scope="col">{i.t("agreement.milestone.responsible")}</th>
                <th scope="col">{i.t("agreement.milestone.status")}</th>
            </tr></thead>
            <tbody>
                {page.milestones.iter().map(|m| view! {
                    <tr class:row--overdue=m.overdue>
                        <td>{m.code.clone()}</td>
                        <td>{m.title.clone()}</td>
                        <td>{m.due.clone()}</td>
                        <td>{m.responsible.clone()}</td>
                        <td>
                            {i.t(&format!("agreement.milestone_status.{}", m.status))}
                            {m.overdue.then(|| view! { " " <strong class="badge badge--warning" data-testid="overdue">{i.t("agreement.overdue")}</strong> })}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </DataTable>
    })
}

#[component]
fn Detail(page: AgreementPage, detail: AgreementDetail) -> impl IntoView {
    let i = use_i18n();
    let comments_detail = detail.clone();
    view! {
        <section aria-labelledby="agreement-text">
            <h2 id="agreement-text">{i.t_with("agreement.version", &[("version", &detail.version.to_string())])}</h2>
            <p class="hash">
                {i.t(if detail.frozen { "agreement.hash_frozen" } else { "agreement.hash_working" })}
                " " <code data-testid="version-hash">{detail.hash.clone()}</code>
            </p>
            {(!detail.signed_versions.is_empty()).then(|| view! {
                <ul class="plain-list" data-testid="signed-documents">
                    {detail.signed_versions.iter().map(|n| view! {
                        <li><a href=format!("/agreements/{}/versions/{n}/pdf", page.id) download>
                            {i.t_with("agreement.pdf.download", &[("version", &n.to_string())])}
                        </a></li>
                    }).collect_view()}
                </ul>
            })}
            {(!detail.purpose.is_empty()).then(|| view! { <p>{detail.purpose.clone()}</p> })}
            {(!detail.warnings.is_empty()).then(|| view! {
                <div class="notice notice--warning" role="status" data-testid="state-aid-warnings">
                    <h3>{i.t("agreement.aid.title")}</h3>
                    <ul>{detail.warnings.iter().map(|w| {
                        let args: Vec<(&str, &str)> = w.args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                        view! { <li>{i.t_with(&w.key, &args)}</li> }
                    }).collect_view()}</ul>
                    <p class="field__hint">{i.t("agreement.aid.explained")}</p>
                </div>
            })}
            {(!detail.money.is_empty()).then(|| view! {
                <DataTable name=TableName::Caption { id: "money-caption", text: i.t("agreement.money") } testid="money">
                    <thead><tr>
                        <th scope="col">{i.t("agreement.party")}</th>
                        <th scope="col">{i.t("agreement.cash")}</th>
                        <th scope="col">{i.t("agreement.in_kind")}</th>
                        <th scope="col">{i.t("agreement.total")}</th>
                        <th scope="col">{i.t("agreement.share")}</th>
                    </tr></thead>
                    <tbody>{detail.money.iter().map(|m| view! {
                        <tr><td>{m.party.clone()}</td><td>{m.cash.clone()}</td><td>{m.in_kind.clone()}</td><td>{m.total.clone()}</td><td>{m.share.clone()}</td></tr>
                    }).collect_view()}</tbody>
                </DataTable>
            })}
            {(!detail.checklist.is_empty()).then(|| view! {
                <h3>{i.t("agreement.checklist")}</h3>
                <ol class="checklist" data-testid="checklist">{detail.checklist.iter().map(|c| view! {
                    <li class=format!("checklist__item checklist__item--{}", c.step)>
                        {i.t(&format!("agreement.approval_role.{}", c.role))}": "{i.t(&format!("agreement.step.{}", c.step))}
                        {c.by.clone().map(|by| view! { " · "{by} })}
                        {c.at.clone().map(|at| view! { " · "{at} })}
                    </li>
                }).collect_view()}</ol>
            })}
            {(!detail.changes.is_empty()).then(|| view! {
                <DataTable name=TableName::Caption { id: "changes-caption", text: i.t_with("agreement.changes", &[("version", &detail.changed_from.unwrap_or(0).to_string())]) } testid="changes">
                    <thead><tr>
                        <th scope="col">{i.t("agreement.changed")}</th>
                        <th scope="col">{i.t("agreement.before")}</th>
                        <th scope="col">{i.t("agreement.after")}</th>
                    </tr></thead>
                    <tbody>{detail.changes.iter().map(|c| view! {
                        <tr><td>{c.what.clone()}</td><td><del>{c.before.clone()}</del></td><td><ins>{c.after.clone()}</ins></td></tr>
                    }).collect_view()}</tbody>
                </DataTable>
            })}
            {(!detail.signatures.is_empty() || !detail.to_sign.is_empty()).then(|| view! {
                <h3>{i.t("agreement.signatures")}</h3>
                <ul class="plain-list" data-testid="signatures">
                    {detail.signatures.iter().map(|s| view! {
                        <li>
                            {s.name.clone()}" · "{s.capacity.clone()}" · "{s.signed_at.clone()}
                            " · "{i.t_with("agreement.signed_after", &[("at", &s.authenticated_at), ("issuer", &s.issuer)])}
                            {s.demo.then(|| view! { " " <span class="badge">{i.t("agreement.demo_signature")}</span> })}
                        </li>
                    }).collect_view()}
                    {detail.to_sign.iter().map(|name| view! { <li>{name.clone()}" · "{i.t("agreement.to_sign")}</li> }).collect_view()}
                </ul>
            })}
            {(!detail.background.is_empty()).then(|| view! {
                <h3>{i.t("agreement.background")}</h3>
                <ul class="plain-list">{detail.background.iter().map(|(party, what)| view! { <li>{party.clone()}": "{what.clone()}</li> }).collect_view()}</ul>
            })}
            {(!detail.annexes.is_empty()).then(|| view! {
                <h3>{i.t("agreement.annexes")}</h3>
                <ul class="plain-list">{detail.annexes.iter().map(|(title, confidential)| view! {
                    <li>{title.clone()}{confidential.then(|| view! { " " <span class="badge">{i.t("agreement.confidential")}</span> })}</li>
                }).collect_view()}</ul>
            })}
            <Comments page=page.clone() detail=comments_detail />
            <h3>{i.t("agreement.text")}</h3>
            <div class="agreement-text" data-testid="agreement-text">
                {detail.clauses.iter().map(|(heading, text)| view! {
                    <section class="clause"><h4>{heading.clone()}</h4><p class="clause__text">{text.clone()}</p></section>
                }).collect_view()}
            </div>
        </section>
    }
}

/// The collaboration models to choose from, each with its explanation; the chosen one marked.
#[component]
fn ModelChooser(page: AgreementPage) -> impl IntoView {
    let i = use_i18n();
    let action = crate::failed_form::remembered_action::<ChooseModel>();
    let hidden = vec![("id".to_owned(), page.id.to_string())];
    let models = page.models.clone();
    view! {
        <section aria-labelledby="models-heading">
            <h2 id="models-heading">{i.t("agreement.choose_model")}</h2>
            <p><a href=format!("/agreements/{}/guide", page.id) data-testid="open-guide">{i.t("agreement.open_guide")}</a></p>
            {command_form(action, hidden, "model".into(), Box::new(move || view! {
                <fieldset class="choices">
                    <legend>{i.t("agreement.model")}</legend>
                    {models.iter().map(|m| {
                        let input = format!("model-{}", m.id);
                        view! {
                            <div class="choice">
                                <input type="radio" id=input.clone() name="model" value=m.id.to_string() checked=m.chosen required />
                                <label for=input>
                                    <strong>{m.name.clone()}</strong>
                                    {m.example.then(|| view! { " " <span class="badge">{i.t("agreement.example_model")}</span> })}
                                    <span class="field__hint">{m.explanation.clone()}</span>
                                </label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <button type="submit" class="button" data-testid="choose-model">{i.t("agreement.choose_model")}</button>
            }.into_any()), None)}
        </section>
    }
}

/// The parties' comments per clause, and the form to add one while the text is reviewed
/// or negotiated.
#[component]
fn Comments(page: AgreementPage, detail: AgreementDetail) -> impl IntoView {
    let i = use_i18n();
    let may_comment = page.permitted.contains(&Permission::Comment);
    let id = page.id;
    let version = detail.version.to_string();
    let choices = detail.clause_choices.clone();
    (may_comment || !detail.comments.is_empty()).then(move || view! {
        <h3>{i.t("agreement.comments")}</h3>
        <ul class="plain-list" data-testid="comments">
            {detail.comments.iter().map(|c| view! {
                <li><strong>{c.clause.clone()}</strong>" · "{i.t_with("agreement.version", &[("version", &c.version.to_string())])}" · "{c.by.clone()}" · "{c.at.clone()}<br />{c.text.clone()}</li>
            }).collect_view()}
        </ul>
        {may_comment.then(move || view! {
            <AgreementCommand id command="comment" fixed=vec![("version", version)] key="comment".into()>
                <div class="field">
                    <label for="comment-clause">{i.t("agreement.comment_clause")}</label>
                    <select id="comment-clause" name=field("comment", "clause")>
                        {choices.iter().map(|(code, title)| view! { <option value=code.clone()>{title.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="comment-text">{i.t("agreement.comment_text")}</label>
                    <textarea id="comment-text" name=field("comment", "text") rows="3" maxlength="5000" required></textarea>
                </div>
                <button type="submit" class="button button--quiet" data-testid="comment">{i.t("agreement.add_comment")}</button>
            </AgreementCommand>
        })}
    })
}

/// The demo's stand-in for signing in again at an identity provider, labelled as such.
#[component]
fn DemoSignature(page: AgreementPage) -> impl IntoView {
    let i = use_i18n();
    let action = crate::failed_form::remembered_action::<ConfirmDemoSignature>();
    let capacities = page.may_sign_for.clone();
    view! {
        <div class="notice notice--demo" data-testid="demo-signature">
            <p>{i.t("agreement.demo_signature_explained")}</p>
            {capacities.into_iter().map(|(organisation, undertaking, label)| command_form(
                action,
                vec![
                    ("id".into(), page.id.to_string()),
                    ("organisation".into(), organisation.to_string()),
                    ("undertaking".into(), undertaking.to_string()),
                ],
                format!("sign-{organisation}-{undertaking}"),
                Box::new(move || view! {
                    <button type="submit" class="button" data-testid="confirm-demo-signature">{i.t_with("agreement.sign_as", &[("capacity", &label)])}</button>
                }.into_any()),
                None,
            )).collect_view()}
        </div>
    }
}

/// Signing in again at the identity provider: one plain form per capacity (the portal
/// sends the signer to the provider and back; JavaScript plays no part).
#[component]
fn ProviderSignature(page: AgreementPage) -> impl IntoView {
    let i = use_i18n();
    let action = format!("/agreements/{}/sign", page.id);
    view! {
        <div class="notice" data-testid="provider-signature">
            <p>{i.t("agreement.provider_signature_explained")}</p>
            {page.may_sign_for.clone().into_iter().map(|(organisation, undertaking, label)| view! {
                <form method="post" action=action.clone() class="command-form">
                    <input type="hidden" name="organisation" value=organisation.to_string() />
                    <input type="hidden" name="undertaking" value=undertaking.to_string() />
                    <button type="submit" class="button" data-testid="sign-at-provider">{i.t_with("agreement.sign_as", &[("capacity", &label)])}</button>
                </form>
            }).collect_view()}
        </div>
    }
}

/// What became of a signature through the identity provider (the callback's redirect
/// says it in the query).
#[component]
fn SigningOutcome() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    move || {
        let q = query.get();
        if q.get("signed").as_deref() == Some("1") {
            return view! { <p class="notice notice--success" role="status" data-testid="signing-outcome">{i.t("agreement.signed_at_provider")}</p> }.into_any();
        }
        match q.get("signing_failed").filter(|key| key.starts_with("agreement.") || key.starts_with("error.")) {
            Some(key) => view! { <p class="notice notice--error" role="alert" data-testid="signing-outcome">{i.t(&key)}</p> }.into_any(),
            None => ().into_any(),
        }
    }
}

/// Anyone may check a hash (from a signed agreement's footer) or a PDF the portal issued:
/// the hash is a plain GET form, the file a multipart post that comes back here with the
/// file's SHA-256 (`?file=`), so a result is a link either way. It names the parties and
/// signers, never the content.
#[component]
pub fn VerifyPage() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    let hash = Memo::new(move |_| query.get().get("hash").unwrap_or_default());
    let file = Memo::new(move |_| query.get().get("file").unwrap_or_default());
    let file_error = Memo::new(move |_| query.get().get("file_error"));
    let result = Resource::new(
        move || (hash.get(), file.get()),
        |(hash, file)| async move {
            match (hash.trim().is_empty(), file.trim().is_empty()) {
                (_, false) => verify_agreement(file, true).await.map(Some),
                (false, true) => verify_agreement(hash, false).await.map(Some),
                (true, true) => Ok(None),
            }
        },
    );
    let of_file = move || !file.get().trim().is_empty();
    view! {
        <Title text=i.t("verify.title") />
        <section class="page page--narrow">
            <h1>{i.t("verify.title")}</h1>
            <p class="lede">{i.t("verify.lede")}</p>
            <form method="get" action="/agreements/verify">
                <div class="field">
                    <label for="verify-hash">{i.t("verify.hash")}</label>
                    <input id="verify-hash" name="hash" maxlength="100" value=move || hash.get() aria-describedby="verify-hash-error" />
                </div>
                <button type="submit" class="button">{i.t("verify.check")}</button>
            </form>
            <form method="post" action="/agreements/verify/file" enctype="multipart/form-data" class="verify-file">
                <div class="field">
                    <label for="verify-file">{i.t("agreement.verify.upload")}</label>
                    <input id="verify-file" name="file" type="file" accept="application/pdf,.pdf" required aria-describedby="verify-file-error" />
                    {move || file_error.get().map(|key| view! {
                        <p class="field__error" id="verify-file-error" data-testid="verify-result">{i.t(&format!("agreement.verify.{}", verify_file_problem(&key)))}</p>
                    })}
                </div>
                <button type="submit" class="button">{i.t("agreement.verify.upload_button")}</button>
            </form>
            <Suspense fallback=|| ()>
                {move || result.get().map(|outcome| match outcome {
                    Ok(None) => ().into_any(),
                    Ok(Some(None)) if of_file() => view! { <p class="notice notice--warning" data-testid="verify-result">{i.t("agreement.verify.file_not_found")}</p> }.into_any(),
                    Ok(Some(None)) => view! { <p class="notice notice--warning" data-testid="verify-result">{i.t("verify.unknown")}</p> }.into_any(),
                    Ok(Some(Some(found))) => view! { <Verified found of_file=of_file() /> }.into_any(),
                    Err(error) => view! { <p class="field__error" id="verify-hash-error" data-testid="verify-result">{i.t(error.message_key())}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// The upload's problems the page can name; anything else reads as "choose a file".
fn verify_file_problem(key: &str) -> &'static str {
    match key {
        "too_large" => "too_large",
        _ => "no_file",
    }
}

#[component]
fn Verified(found: Verification, of_file: bool) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="notice notice--success" data-testid="verify-result">
            {of_file.then(|| view! { <p><strong>{i.t("agreement.verify.file_found")}</strong></p> })}
            <p>{i.t_with("verify.signed", &[("version", &found.version.to_string()), ("at", &found.in_force_at)])}</p>
            <p>{i.t("agreement.parties")}": "{found.parties.join(", ")}</p>
            <ul class="plain-list">{found.signers.iter().map(|(name, at)| view! { <li>{name.clone()}" · "{at.clone()}</li> }).collect_view()}</ul>
        </div>
    }
}

/// Translation keys these pages and the agreement's mail build at run time (checked by
/// the i18n tests), the refusals' messages included.
pub fn dynamic_translation_keys() -> Vec<String> {
    use kernel::agreement::model::PartyKind;
    use kernel::agreement::review::ApprovalRole;
    use kernel::agreement::schedule::MilestoneStatus;
    use kernel::agreement::terms::PartyRole;
    let mut keys: Vec<String> =
        AgreementState::ALL.iter().map(|s| format!("agreement.state.{}", s.code())).collect();
    keys.extend(PartyKind::ALL.iter().map(|k| format!("agreement.party_kind.{}", k.code())));
    keys.extend(PartyRole::ALL.iter().map(|r| format!("agreement.role.{}", r.code())));
    keys.extend(ApprovalRole::ALL.iter().map(|r| format!("agreement.approval_role.{}", r.code())));
    keys.extend(MilestoneStatus::ALL.iter().map(|s| format!("agreement.milestone_status.{}", s.code())));
    keys.extend(["approved", "pending", "waiting"].map(|s| format!("agreement.step.{s}")));
    keys.extend(kernel::agreement::EVENT_KINDS.iter().map(|k| format!("timeline.agreement_{k}")));
    keys.extend(
        [
            "agreement_review",
            "agreement_sign",
            "agreement_changes",
            "agreement_in_force",
            "agreement_due_soon",
            "agreement_due_today",
            "agreement_overdue",
        ]
        .iter()
        .flat_map(|k| [format!("mail.{k}.subject"), format!("mail.{k}.body")]),
    );
    keys.extend(["agreement.undertaking_for", "form.date", "form.too_many", "form.trl"].map(String::from));
    keys.extend(
        ["no_provider", "other_person", "no_auth_time"].map(|k| format!("agreement.signing_failed.{k}")),
    );
    keys.extend(["no_file", "too_large"].map(|k| format!("agreement.verify.{k}")));
    keys.extend(super::edit::dynamic_translation_keys());
    keys.extend(super::guide::dynamic_translation_keys());
    keys
}
