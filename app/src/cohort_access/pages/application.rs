//! One application: where each cohort stands, the consent check, the team and its terms,
//! the form, remarks, the committees' handling (for those who serve), advice (for
//! reviewers) and the timeline of every event the viewer may see.

use super::commands::{CommandForm, Refresh, field};
use super::form::ApplicationFormView;
use super::handling::NodeHandlingView;
use super::{application_state, part_state};
use crate::cohort_access::api::get_application;
use crate::cohort_access::duo::{Compatibility, Reason};
use crate::cohort_access::model::{ApplicationPage, DuoView, PartStatus, PartView, Permission};
use crate::i18n::{I18n, use_i18n};
use crate::ui::{DataTable, Loaded, TableName, Timeline};
use kernel::ApplicationId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ApplicationPageView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        ApplicationId(params.get().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0))
    });
    let check = Memo::new(move |_| query.get().get("check").is_some());
    let upload_error = Memo::new(move |_| query.get().get("upload_error"));
    let refresh = RwSignal::new(0u64);
    provide_context(Refresh(refresh));
    let page = Resource::new(
        move || (id.get(), check.get(), refresh.get()),
        |(id, check, _)| get_application(id, check),
    );
    view! {
        <Loaded resource=page render={move |page: ApplicationPage| {
            view! { <ApplicationView page upload_error=upload_error.get_untracked() /> }.into_any()
        }} />
    }
    .into_any()
}

#[component]
fn ApplicationView(page: ApplicationPage, upload_error: Option<String>) -> impl IntoView {
    let i = use_i18n();
    let title = if page.title.is_empty() { i.t("applications.untitled") } else { page.title.clone() };
    let on_team = page.viewer.on_team;
    let has_handling = !page.handling.is_empty();
    let has_advice = !page.advice.is_empty();
    view! {
        <Title text=title.clone() />
        <article class="page application-page" data-testid="application">
            <p class="breadcrumbs">
                {if on_team {
                    view! { <a href="/applications">{i.t("applications.title")}</a> }.into_any()
                } else if has_handling {
                    view! { <a href="/committee">{i.t("committee.title")}</a> }.into_any()
                } else {
                    view! { <a href="/reviews">{i.t("reviews.title")}</a> }.into_any()
                }}
            </p>
            <h1>{title}</h1>
            <p class="application-page__status">
                <span class="tag" data-testid="application-state">{application_state(i, page.state)}</span>
                {(page.version > 0).then(|| view! { " "<span>{i.t_with("application.version", &[("version", &page.version.to_string())])}</span> })}
                " · "{i.t_with("application.by", &[("name", &page.applicant)])}
            </p>
            <nav class="in-page" aria-label=i.t("application.sections")>
                <ul>
                    <li><a href="#parts">{i.t("application.parts")}</a></li>
                    <li><a href="#consent">{i.t("application.consent")}</a></li>
                    <li><a href="#team">{i.t("application.team")}</a></li>
                    <li><a href="#form">{i.t("application.form")}</a></li>
                    <li><a href="#remarks">{i.t("application.remarks")}</a></li>
                    {page.handling.iter().map(|h| view! {
                        <li><a href=format!("#handling-{}", h.node_slug)>{i.t_with("handling.heading", &[("node", h.node_name.get(i.lang))])}</a></li>
                    }).collect_view()}
                    {has_advice.then(|| view! { <li><a href="#advice">{i.t("advice.heading")}</a></li> })}
                    <li><a href="#timeline">{i.t("application.timeline")}</a></li>
                </ul>
            </nav>
            <Parts page=page.clone() />
            <ConsentCheck duo=page.duo.clone() />
            <Team page=page.clone() />
            <section id="form" aria-labelledby="form-heading">
                <h2 id="form-heading">{i.t("application.form")}</h2>
                <ApplicationFormView page=page.clone() upload_error />
            </section>
            <Remarks page=page.clone() />
            {page.handling.clone().into_iter().map(|handling| view! { <NodeHandlingView id=page.id handling permitted=page.permitted.clone() /> }).collect_view()}
            {has_advice.then(|| view! { <Advice page=page.clone() /> })}
            <section id="timeline" aria-labelledby="timeline-heading">
                <h2 id="timeline-heading">{i.t("application.timeline")}</h2>
                <Timeline entries=page.timeline.clone() label=i.t("application.timeline") />
            </section>
        </article>
    }
    .into_any()
}

/// Each requested cohort: its node, where it stands, the deadline, the decision.
#[component]
fn Parts(page: ApplicationPage) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    let reports_open = page.may(Permission::ReportProgress);
    let can_withdraw = page.may(Permission::Withdraw);
    let can_close = page.may(Permission::Close);
    let permitted = page.permitted.clone();
    view! {
        <section id="parts" aria-labelledby="parts-heading">
            <h2 id="parts-heading">{i.t("application.parts")}</h2>
            <ul class="part-list">
                {page.parts.into_iter().map(|part| {
                    let may_extend = permitted.contains(&Permission::RequestExtension(part.cohort_id));
                    view! { <PartCard id part may_extend /> }
                }).collect_view()}
            </ul>
            {reports_open.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("progress.heading")}</summary>
                    <p>{i.t("progress.explain")}</p>
                    <CommandForm id command="report_progress" key="progress".into()>
                        <div class="field">
                            <label for="progress-summary">{i.t("progress.summary")}</label>
                            <textarea id="progress-summary" name=field("report_progress", "summary") rows="4"></textarea>
                        </div>
                        <div class="field">
                            <label for="progress-publications">{i.t("progress.publications")}</label>
                            <textarea id="progress-publications" name=field("report_progress", "publications") rows="3"></textarea>
                        </div>
                        <button type="submit" class="button">{i.t("progress.send")}</button>
                    </CommandForm>
                </details>
            })}
            {can_withdraw.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("application.withdraw")}</summary>
                    <p>{i.t("application.withdraw_explain")}</p>
                    <CommandForm id command="withdraw" key="withdraw".into()>
                        <button type="submit" class="button button--danger">{i.t("application.withdraw_confirm")}</button>
                    </CommandForm>
                </details>
            })}
            {can_close.then(|| view! {
                <CommandForm id command="close" key="close".into()>
                    <button type="submit" class="button button--quiet">{i.t("application.close")}</button>
                </CommandForm>
            })}
        </section>
    }
    .into_any()
}

#[component]
fn PartCard(id: ApplicationId, part: PartView, may_extend: bool) -> impl IntoView {
    let i = use_i18n();
    let clock = part.clock.clone().map(|clock| {
        let text = match clock.status.as_str() {
            "paused" => i.t_with("clock.paused_days", &[("days", &clock.days.to_string())]),
            "overdue" => i.t_with("clock.overdue_days", &[("days", &clock.days.to_string())]),
            _ => i.t_with("clock.running_days", &[("days", &clock.days.to_string())]),
        };
        (text, clock.extended, clock.status == "overdue")
    });
    let cohort_id = part.cohort_id;
    let pending = part.extension_request.clone();
    view! {
        <li class="part" data-testid=format!("part-{}", part.cohort_slug)>
            <h3 class="part__title">
                <abbr class="cohort__acronym">{part.acronym.clone()}</abbr>" "
                <a href=format!("/datasets/{}", part.cohort_slug)>{part.title.get(i.lang).to_owned()}</a>
            </h3>
            <dl class="facts facts--inline">
                <dt>{i.t("application.decided_by")}</dt>
                <dd>{part.node_name.get(i.lang).to_owned()}</dd>
                <dt>{i.t("applications.state")}</dt>
                <dd data-testid="part-state"><strong>{part_state(i, part.state)}</strong></dd>
                {part.deadline.clone().map(|deadline| view! {
                    <dt>{i.t("application.deadline")}</dt>
                    <dd data-testid="part-deadline">
                        {deadline}" "{i.t("application.stockholm_time")}
                        {clock.clone().map(|(text, extended, overdue)| view! {
                            " · "<span class:tag--alert=overdue>{text}</span>
                            {extended.then(|| view! { " · "{i.t("clock.extended")} })}
                        })}
                    </dd>
                })}
                {part.handler.clone().map(|handler| view! { <dt>{i.t("committee.handler")}</dt><dd>{handler}</dd> })}
                {part.ends_on.clone().map(|ends_on| view! {
                    <dt>{i.t("application.access_until")}</dt>
                    <dd data-testid="access-ends-on">{ends_on}</dd>
                })}
                {part.conditions.clone().filter(|c| !c.is_empty()).map(|c| view! { <dt>{i.t("application.conditions")}</dt><dd class="prose-text">{c}</dd> })}
                {part.reasons.clone().map(|r| view! { <dt>{i.t("application.reasons")}</dt><dd class="prose-text" data-testid="decision-reasons">{r}</dd> })}
            </dl>
            {pending.clone().map(|(until, why)| view! {
                <p class="notice">{i.t_with("extension.pending", &[("date", &until)])}" "<span class="prose-text">{why}</span></p>
            })}
            {may_extend.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("extension.ask")}</summary>
                    <CommandForm id command="request_extension" fixed=vec![("cohort", cohort_id.to_string())] key=format!("extension-{cohort_id}")>
                        <div class="field">
                            <label for=format!("extension-date-{cohort_id}")>{i.t("extension.until")}</label>
                            <input id=format!("extension-date-{cohort_id}") type="date" name=field("request_extension", "ends_on") />
                        </div>
                        <div class="field">
                            <label for=format!("extension-reason-{cohort_id}")>{i.t("extension.reason")}</label>
                            <textarea id=format!("extension-reason-{cohort_id}") name=field("request_extension", "reason") rows="3"></textarea>
                        </div>
                        <button type="submit" class="button">{i.t("extension.send")}</button>
                    </CommandForm>
                </details>
            })}
        </li>
    }
    .into_any()
}

fn reason_text(i: I18n, reason: &Reason) -> String {
    let term =
        |t: &crate::catalogue::model::DuoTerm| format!("{} ({})", t.abbreviation(), i.t(&t.label_key()));
    match reason {
        Reason::PurposeCovered(t) => i.t_with("duo.reason.purpose_covered", &[("code", &term(t))]),
        Reason::PurposeNotCovered(t) => i.t_with("duo.reason.purpose_not_covered", &[("code", &term(t))]),
        Reason::OtherDisease { dataset, purpose } => {
            i.t_with("duo.reason.other_disease", &[("dataset", dataset), ("purpose", purpose)])
        }
        Reason::RelatedDisease { dataset, purpose } => {
            i.t_with("duo.reason.related_disease", &[("dataset", dataset), ("purpose", purpose)])
        }
        Reason::ForProfitNotAllowed(t) => {
            i.t_with("duo.reason.for_profit_not_allowed", &[("code", &term(t))])
        }
        Reason::MethodsNotAllowed => i.t("duo.reason.methods_not_allowed"),
        Reason::NeedsHumanCheck(t) => i.t_with("duo.reason.needs_human_check", &[("code", &term(t))]),
        Reason::NoPrimaryCode => i.t("duo.reason.no_primary_code"),
    }
}

/// Does the purpose fit each cohort's consent codes? Before submitting and for committees.
#[component]
fn ConsentCheck(duo: Vec<DuoView>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <section id="consent" aria-labelledby="consent-heading">
            <h2 id="consent-heading">{i.t("application.consent")}</h2>
            <p>{i.t("duo.explain")}</p>
            <ul class="duo-list">
                {duo.into_iter().map(|item| {
                    let (class, verdict) = match &item.verdict {
                        None => ("tag tag--muted", i.t("duo.no_purpose")),
                        Some(v @ Compatibility::Compatible(_)) => ("tag tag--ok", i.t(&format!("duo.verdict.{}", v.code()))),
                        Some(v @ Compatibility::NeedsReview(_)) => ("tag tag--warn", i.t(&format!("duo.verdict.{}", v.code()))),
                        Some(v @ Compatibility::NotCompatible(_)) => ("tag tag--alert", i.t(&format!("duo.verdict.{}", v.code()))),
                    };
                    let reasons: Vec<String> = item.verdict.as_ref().map(|v| v.reasons().iter().map(|r| reason_text(i, r)).collect()).unwrap_or_default();
                    view! {
                        <li class="duo-list__item" data-testid=format!("duo-{}", item.acronym)>
                            <strong>{item.acronym.clone()}</strong>" "<span class=class>{verdict}</span>
                            <ul>{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// The team: who will see the data, their terms for each cohort, invitations.
#[component]
fn Team(page: ApplicationPage) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    let can_edit = page.viewer.can_edit;
    let manage = page.may(Permission::InviteMember);
    let remove = page.may(Permission::RemoveMember);
    let me = page.viewer.person_id;
    let permitted = page.permitted.clone();
    let parts = page.parts.clone();
    let my_open_terms: Vec<PartView> = page
        .team
        .iter()
        .find(|m| m.person_id == me)
        .map(|m| parts.iter().filter(|p| !m.accepted.contains(&p.cohort_id)).cloned().collect())
        .unwrap_or_default();
    view! {
        <section id="team" aria-labelledby="team-heading">
            <h2 id="team-heading">{i.t("application.team")}</h2>
            <DataTable name=TableName::Heading("team-heading") testid="team">
                <thead><tr>
                    <th scope="col">{i.t("team.name")}</th>
                    <th scope="col">{i.t("team.organisation")}</th>
                    {parts.iter().map(|p| view! { <th scope="col">{i.t_with("team.terms_of", &[("cohort", &p.acronym)])}</th> }).collect_view()}
                    {remove.then(|| view! { <th scope="col"><span class="visually-hidden">{i.t("team.remove")}</span></th> })}
                </tr></thead>
                <tbody>
                    {page.team.clone().into_iter().map(|member| view! {
                        <tr>
                            <td>
                                {member.name.clone()}
                                {member.is_applicant.then(|| view! { " "<span class="tag tag--muted">{i.t("team.applicant")}</span> })}
                                {member.email.clone().map(|e| view! { <br /><small>{e}</small> })}
                            </td>
                            <td>{member.organisation.clone().unwrap_or_default()}</td>
                            {parts.iter().map(|p| {
                                let accepted = member.accepted.contains(&p.cohort_id);
                                view! { <td>{if accepted { i.t("team.accepted") } else { i.t("team.not_yet") }}</td> }
                            }).collect_view()}
                            {(remove && !member.is_applicant).then(|| view! {
                                <td>
                                    <CommandForm id command="remove_member" fixed=vec![("person", member.person_id.to_string())] key=format!("remove-{}", member.person_id) class="inline-form">
                                        <button type="submit" class="button button--quiet">{i.t("team.remove")}<span class="visually-hidden">{format!(" {}", member.name)}</span></button>
                                    </CommandForm>
                                </td>
                            })}
                        </tr>
                    }).collect_view()}
                </tbody>
            </DataTable>
            {(!page.invitations.is_empty()).then(|| view! {
                <h3>{i.t("team.invited")}</h3>
                <ul class="plain-list" data-testid="invitations">
                    {page.invitations.clone().into_iter().map(|email| view! {
                        <li>
                            {email.clone()}
                            {manage.then(|| view! {
                                <CommandForm id command="cancel_invitation" fixed=vec![("email", email.clone())] key=format!("cancel-{email}") class="inline-form">
                                    <button type="submit" class="button button--quiet">{i.t("team.cancel_invitation")}</button>
                                </CommandForm>
                            })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {manage.then(|| view! {
                <CommandForm id command="invite_member" key="invite".into() class="form-grid">
                    <div class="field">
                        <label for="invite-email">{i.t("team.invite_email")}</label>
                        <input id="invite-email" type="email" name=field("invite_member", "email") autocomplete="off" maxlength=crate::forms::limits::EMAIL aria-describedby="invite-error" />
                    </div>
                    <div class="field field--actions"><button type="submit" class="button" data-testid="invite">{i.t("team.invite")}</button></div>
                </CommandForm>
            })}
            {(can_edit && !my_open_terms.is_empty()).then(|| view! {
                <h3>{i.t("team.your_terms")}</h3>
                {my_open_terms.into_iter().filter(|part| permitted.contains(&Permission::AcceptTerms(part.cohort_id))).map(|part| view! {
                    <div class="terms" data-testid=format!("terms-{}", part.cohort_slug)>
                        <p><strong>{part.acronym.clone()}</strong>": "<span class="prose-text">{part.terms.get(i.lang).to_owned()}</span></p>
                        <CommandForm id command="accept_terms" fixed=vec![("cohort", part.cohort_id.to_string())] key=format!("terms-{}", part.cohort_id) class="inline-form">
                            <button type="submit" class="button">{i.t_with("team.accept_terms", &[("cohort", &part.acronym)])}</button>
                        </CommandForm>
                    </div>
                }).collect_view()}
            })}
        </section>
    }
    .into_any()
}

/// Questions from committees and remarks, with the team's answers.
#[component]
fn Remarks(page: ApplicationPage) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    // The team answers each node that sent the application back.
    let asking: std::collections::BTreeMap<String, (kernel::NodeId, String)> = page
        .parts
        .iter()
        .filter(|p| page.viewer.on_team && p.state == PartStatus::Returned)
        .filter(|p| page.may(Permission::AddRemark { node: p.node_id, internal: false }))
        .map(|p| (p.node_slug.clone(), (p.node_id, p.node_name.get(i.lang).to_owned())))
        .collect();
    view! {
        <section id="remarks" aria-labelledby="remarks-heading">
            <h2 id="remarks-heading">{i.t("application.remarks")}</h2>
            {if page.remarks.is_empty() {
                view! { <p>{i.t("remarks.none")}</p> }.into_any()
            } else {
                view! {
                    <ul class="remarks" data-testid="remarks">
                        {page.remarks.iter().map(|remark| view! {
                            <li class="remark" class:remark--internal=!remark.public class:remark--questions=remark.kind == "questions">
                                <p class="remark__meta">
                                    <strong>{if remark.kind == "questions" { i.t("remarks.questions") } else { i.t("remarks.remark") }}</strong>
                                    " · "{remark.node_name.get(i.lang).to_owned()}" · "{remark.author.clone()}" · "{remark.at.clone()}
                                    {(!remark.public).then(|| view! { " "<span class="tag tag--muted">{i.t("timeline.internal")}</span> })}
                                </p>
                                <p class="prose-text">{remark.text.clone()}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {asking.into_iter().map(|(slug, (node, name))| view! {
                <CommandForm id command="add_remark" fixed=vec![("node", node.to_string()), ("public", "true".into())] key=format!("answer-{slug}")>
                    <div class="field">
                        <label for=format!("answer-{slug}")>{i.t_with("remarks.answer", &[("node", &name)])}</label>
                        <textarea id=format!("answer-{slug}") name=field("add_remark", "text") rows="3"></textarea>
                    </div>
                    <button type="submit" class="button button--quiet" data-testid=format!("answer-{slug}-send")>{i.t("remarks.send")}</button>
                </CommandForm>
            }).collect_view()}
        </section>
    }
    .into_any()
}

/// The viewer's requests for advice on this application.
#[component]
fn Advice(page: ApplicationPage) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    let permitted = page.permitted.clone();
    view! {
        <section id="advice" aria-labelledby="advice-heading">
            <h2 id="advice-heading">{i.t("advice.heading")}</h2>
            {page.advice.into_iter().map(|seat| view! {
                <div class="advice-seat">
                    <h3>{seat.node_name.get(i.lang).to_owned()}</h3>
                    {seat.advice.clone().map(|a| view! { <p class="prose-text" data-testid="my-advice">{a}</p> })}
                    {permitted.contains(&Permission::GiveAdvice(seat.node_id)).then(|| view! {
                        <CommandForm id command="give_advice" fixed=vec![("node", seat.node_id.to_string())] key=format!("advise-{}", seat.node_slug)>
                            <div class="field">
                                <label for=format!("advice-{}", seat.node_slug)>{i.t("advice.your_advice")}</label>
                                <textarea id=format!("advice-{}", seat.node_slug) name=field("give_advice", "advice") rows="5"></textarea>
                            </div>
                            <button type="submit" class="button" data-testid="give-advice">{i.t("advice.send")}</button>
                        </CommandForm>
                    })}
                </div>
            }).collect_view()}
        </section>
    }
    .into_any()
}
