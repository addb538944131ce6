//! A node committee's handling of its part: handler, reviewers and their advice, votes
//! under the node's rule, the decision per cohort, questions back to the applicant,
//! the one extension of the deadline, remarks, revocation and requests for more time.

use super::commands::{CommandForm, field};
use super::part_state;
use crate::cohort_access::model::{CohortHandling, NodeHandling, PartStatus, Permission};
use crate::i18n::{I18n, use_i18n};
use kernel::ApplicationId;
use kernel::access::votes::{Tally, Vote};
use leptos::prelude::*;

fn tally_text(i: I18n, tally: &Tally) -> String {
    let counts = |a: &usize, r: &usize, x: &usize| {
        [("approve", a.to_string()), ("reject", r.to_string()), ("abstain", x.to_string())]
    };
    let with = |key: &str, a, r, x| {
        let c = counts(a, r, x);
        let args: Vec<(&str, &str)> = c.iter().map(|(k, v)| (*k, v.as_str())).collect();
        i.t_with(key, &args)
    };
    match tally {
        Tally::NoQuorum { cast, needed } => {
            i.t_with("tally.no_quorum", &[("cast", &cast.to_string()), ("needed", &needed.to_string())])
        }
        Tally::Approve { approve, reject, abstain } => with("tally.approve", approve, reject, abstain),
        Tally::Reject { approve, reject, abstain } => with("tally.reject", approve, reject, abstain),
        Tally::Undecided { approve, reject, abstain } => with("tally.undecided", approve, reject, abstain),
    }
}

fn vote_label(i: I18n, vote: Vote) -> String {
    i.t(match vote {
        Vote::Approve => "vote.approve",
        Vote::Reject => "vote.reject",
        Vote::Abstain => "vote.abstain",
    })
}

#[component]
pub fn NodeHandlingView(
    id: ApplicationId,
    handling: NodeHandling,
    permitted: Vec<Permission>,
) -> impl IntoView {
    let i = use_i18n();
    let node = handling.node_slug.clone();
    let node_id = handling.node_id;
    let may = |p: Permission| permitted.contains(&p);
    let (may_assign, may_invite, may_return, may_extend) = (
        may(Permission::AssignHandler(node_id)),
        may(Permission::InviteReviewer(node_id)),
        may(Permission::ReturnForChanges(node_id)),
        may(Permission::ExtendDeadline(node_id)),
    );
    let may_remark_internal = may(Permission::AddRemark { node: node_id, internal: true });
    let at_node = move || vec![("node", node_id.to_string())];
    let name = handling.node_name.get(i.lang).to_owned();
    let key = |what: &str| format!("{what}-{node}");
    let (handler_id, reviewer_id, questions_id, extend_id, remark_id) = (
        key("handler-person"),
        key("reviewer-person"),
        key("questions"),
        key("extend-reason"),
        key("remark-text"),
    );
    view! {
        <section id=format!("handling-{node}") class="handling" aria-labelledby=format!("handling-{node}-heading") data-testid=format!("handling-{node}")>
            <h2 id=format!("handling-{node}-heading")>{i.t_with("handling.heading", &[("node", &name)])}</h2>
            {handling.cohorts.iter().map(|cohort| view! { <CohortDecision id cohort=cohort.clone() permitted=permitted.clone() /> }).collect_view()}
            {(may_assign || may_invite).then(|| view! {
                <div class="handling__row">
                    {may_assign.then(|| view! {
                        <CommandForm id command="assign_handler" fixed=at_node() key=key("handler") class="form-grid">
                            <div class="field">
                                <label for=handler_id.clone()>{i.t("handling.handler")}</label>
                                <select id=handler_id.clone() name=field("assign_handler", "handler")>
                                    {handling.committee.iter().map(|(pid, person)| view! { <option value=pid.to_string()>{person.clone()}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field field--actions"><button type="submit" class="button button--quiet" data-testid="assign-handler">{i.t("handling.assign")}</button></div>
                        </CommandForm>
                    })}
                    {may_invite.then(|| view! {
                        <CommandForm id command="invite_reviewer" fixed=at_node() key=key("reviewer") class="form-grid">
                            <div class="field">
                                <label for=reviewer_id.clone()>{i.t("handling.reviewer")}</label>
                                <select id=reviewer_id.clone() name=field("invite_reviewer", "reviewer")>
                                    {handling.reviewer_candidates.iter().map(|(pid, person)| view! { <option value=pid.to_string()>{person.clone()}</option> }).collect_view()}
                                </select>
                            </div>
                            <div class="field field--actions"><button type="submit" class="button button--quiet" data-testid="invite-reviewer">{i.t("handling.invite_reviewer")}</button></div>
                        </CommandForm>
                    })}
                </div>
            })}
            {(!handling.reviewers.is_empty()).then(|| view! {
                <h3>{i.t("handling.reviewers")}</h3>
                <ul class="plain-list" data-testid="reviewers">
                    {handling.reviewers.iter().map(|r| view! {
                        <li>
                            <strong>{r.name.clone()}</strong>" · "
                            {match r.conflicted {
                                None => i.t("handling.not_declared"),
                                Some(true) => i.t("handling.conflicted"),
                                Some(false) => i.t("handling.no_conflict"),
                            }}
                            {r.advice.clone().map(|a| view! { <p class="prose-text">{a}</p> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {may_return.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("handling.return")}</summary>
                    <CommandForm id command="return_for_changes" fixed=at_node() key=key("return")>
                        <div class="field">
                            <label for=questions_id.clone()>{i.t("handling.questions")}</label>
                            <textarea id=questions_id.clone() name=field("return_for_changes", "questions") rows="4"></textarea>
                        </div>
                        <button type="submit" class="button" data-testid="return-for-changes">{i.t("handling.return_send")}</button>
                    </CommandForm>
                </details>
            })}
            {may_extend.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("handling.extend")}</summary>
                    <CommandForm id command="extend_deadline" fixed=at_node() key=key("extend")>
                        <div class="field">
                            <label for=extend_id.clone()>{i.t("handling.extend_reason")}</label>
                            <textarea id=extend_id.clone() name=field("extend_deadline", "reason") rows="3"></textarea>
                        </div>
                        <button type="submit" class="button button--quiet">{i.t("handling.extend_send")}</button>
                    </CommandForm>
                </details>
            })}
            {may_remark_internal.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("handling.remark")}</summary>
                    <CommandForm id command="add_remark" fixed=at_node() key=key("remark")>
                        <div class="field">
                            <label for=remark_id.clone()>{i.t("handling.remark_text")}</label>
                            <textarea id=remark_id.clone() name=field("add_remark", "text") rows="3"></textarea>
                        </div>
                        <fieldset class="field">
                            <legend>{i.t("handling.remark_to")}</legend>
                            <label class="checkbox"><input type="radio" name=field("add_remark", "public") value="false" checked=true />{i.t("handling.internal")}</label>
                            <label class="checkbox"><input type="radio" name=field("add_remark", "public") value="true" />{i.t("handling.public")}</label>
                        </fieldset>
                        <button type="submit" class="button button--quiet">{i.t("handling.remark_send")}</button>
                    </CommandForm>
                </details>
            })}
        </section>
    }
    .into_any()
}

/// One cohort: the votes so far, a vote, and the decision the votes allow.
#[component]
fn CohortDecision(id: ApplicationId, cohort: CohortHandling, permitted: Vec<Permission>) -> impl IntoView {
    let i = use_i18n();
    let c = cohort.cohort_id;
    let key = move |what: &str| format!("{what}-{c}");
    let acronym = cohort.acronym.clone();
    let at_cohort = move || vec![("cohort", c.to_string())];
    let may = |p: Permission| permitted.contains(&p);
    let (may_vote, may_decide, may_revoke, may_extension) = (
        may(Permission::Vote(c)),
        may(Permission::Decide(c)),
        may(Permission::Revoke(c)),
        may(Permission::DecideExtension(c)),
    );
    let request = cohort.extension_request.clone().filter(|_| may_extension);
    view! {
        <div class="cohort-decision" data-testid=format!("decide-{}", cohort.acronym)>
            <h3>{cohort.acronym.clone()}" · "{part_state(i, cohort.state)}</h3>
            {(!cohort.votes.is_empty()).then(|| view! {
                <ul class="plain-list votes">
                    {cohort.votes.iter().map(|v| view! {
                        <li><strong>{v.voter.clone()}</strong>": "{vote_label(i, v.vote)}" · "{v.at.clone()}
                            {(!v.comment.is_empty()).then(|| view! { <span class="prose-text">{format!(" – {}", v.comment)}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {(cohort.state == PartStatus::Submitted).then(|| view! { <p class="muted">{i.t("handling.needs_handler")}</p> })}
            {may_vote.then(|| view! {
                <p data-testid="tally">{tally_text(i, &cohort.tally)}</p>
                <CommandForm id command="vote" fixed=at_cohort() key=key("vote")>
                    <fieldset class="field">
                        <legend>{i.t_with("handling.your_vote", &[("cohort", &acronym)])}</legend>
                        <label class="checkbox"><input type="radio" name=field("vote", "vote") value="approve" />{i.t("vote.approve")}</label>
                        <label class="checkbox"><input type="radio" name=field("vote", "vote") value="reject" />{i.t("vote.reject")}</label>
                        <label class="checkbox"><input type="radio" name=field("vote", "vote") value="abstain" />{i.t("vote.abstain")}</label>
                    </fieldset>
                    <div class="field">
                        <label for=key("vote-comment")>{i.t("handling.vote_comment")}</label>
                        <input id=key("vote-comment") name=field("vote", "comment") maxlength=crate::forms::limits::REASON />
                    </div>
                    <button type="submit" class="button button--quiet" data-testid="cast-vote">{i.t("handling.cast_vote")}</button>
                </CommandForm>
            })}
            {may_decide.then(|| view! {
                <div class="handling__row">
                    <CommandForm id command="decide" fixed=at_cohort() key=key("approve")>
                        <div class="field">
                            <label for=key("ends-on")>{i.t("handling.ends_on")}</label>
                            <input id=key("ends-on") type="date" name="command[decide][decision][approve][ends_on]" />
                        </div>
                        <div class="field">
                            <label for=key("conditions")>{i.t("application.conditions")}</label>
                            <textarea id=key("conditions") name="command[decide][decision][approve][conditions]" rows="3"></textarea>
                        </div>
                        <button type="submit" class="button" data-testid="approve">{i.t("handling.approve")}</button>
                    </CommandForm>
                    <CommandForm id command="decide" fixed=at_cohort() key=key("reject")>
                        <div class="field">
                            <label for=key("reasons")>{i.t("application.reasons")}</label>
                            <textarea id=key("reasons") name="command[decide][decision][reject][reasons]" rows="3"></textarea>
                        </div>
                        <button type="submit" class="button button--danger" data-testid="reject">{i.t("handling.reject")}</button>
                    </CommandForm>
                </div>
            })}
            {may_revoke.then(|| view! {
                <details class="disclosure">
                    <summary>{i.t("handling.revoke")}</summary>
                    <CommandForm id command="revoke" fixed=at_cohort() key=key("revoke")>
                        <div class="field">
                            <label for=key("revoke-reason")>{i.t("handling.revoke_reason")}</label>
                            <textarea id=key("revoke-reason") name=field("revoke", "reason") rows="3"></textarea>
                        </div>
                        <button type="submit" class="button button--danger">{i.t("handling.revoke_send")}</button>
                    </CommandForm>
                </details>
            })}
            {request.map(|(until, why)| view! {
                <p class="notice">{i.t_with("extension.pending", &[("date", &until)])}" "<span class="prose-text">{why}</span></p>
                <div class="handling__row">
                    <CommandForm id command="decide_extension" fixed=vec![("cohort", c.to_string()), ("approve", "true".into())] key=key("grant") class="inline-form">
                        <button type="submit" class="button button--quiet">{i.t("extension.grant")}</button>
                    </CommandForm>
                    <CommandForm id command="decide_extension" fixed=vec![("cohort", c.to_string()), ("approve", "false".into())] key=key("refuse") class="inline-form">
                        <label for=key("refuse-why") class="visually-hidden">{i.t("extension.refuse_reason")}</label>
                        <input id=key("refuse-why") name=field("decide_extension", "comment") placeholder=i.t("extension.refuse_reason") />
                        <button type="submit" class="button button--quiet">{i.t("extension.refuse")}</button>
                    </CommandForm>
                </div>
            })}
        </div>
    }
    .into_any()
}
