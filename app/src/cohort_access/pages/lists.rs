//! The lists around applications: my applications, an invitation to a team, requests for
//! advice, and a node committee's queue.

use super::basket::BASKET_PATH;
use super::commands::{CommandForm, field};
use super::{application_state, part_state};
use crate::cohort_access::api::{
    JoinTeam, committee_queue, get_invitation, get_review_request, my_applications, my_reviews,
};
use crate::cohort_access::model::{ApplicationSummary, InvitationView, PartStatus, QueuePage, ReviewRequest};
use crate::forms::error_at;
use crate::i18n::use_i18n;
use crate::ui::{DataTable, FieldError, Loaded, TableName};
use kernel::ApplicationId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn MyApplicationsPage() -> impl IntoView {
    let i = use_i18n();
    let applications = Resource::new(|| (), |_| my_applications());
    view! {
        <Title text=i.t("applications.title") />
        <section class="page">
            <h1>{i.t("applications.title")}</h1>
            <p class="lede">{i.t("applications.lede")}</p>
            <p><a class="button button--quiet" href=BASKET_PATH>{i.t("basket.title")}</a></p>
            <Loaded resource=applications render={move |rows: Vec<ApplicationSummary>| {
                if rows.is_empty() {
                    return view! { <p class="notice">{i.t("applications.none")}" "<a href="/catalogue">{i.t("basket.to_catalogue")}</a></p> }.into_any();
                }
                view! {
                    <DataTable name=TableName::Caption { id: "my-applications-caption", text: i.t("applications.caption") } testid="my-applications">
                        <thead><tr>
                            <th scope="col">{i.t("form.field.title")}</th>
                            <th scope="col">{i.t("applications.state")}</th>
                            <th scope="col">{i.t("applications.parts")}</th>
                            <th scope="col">{i.t("applications.role")}</th>
                            <th scope="col">{i.t("applications.updated")}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|row| view! {
                                <tr>
                                    <td><a href=format!("/applications/{}", row.id)>{if row.title.is_empty() { i.t("applications.untitled") } else { row.title.clone() }}</a></td>
                                    <td>{application_state(i, row.state)}</td>
                                    <td>
                                        <ul class="plain-list">
                                            {row.parts.iter().map(|(acronym, node, state)| view! {
                                                <li>{format!("{acronym} ({node}): ")}{part_state(i, *state)}</li>
                                            }).collect_view()}
                                        </ul>
                                    </td>
                                    <td>{if row.is_applicant { i.t("applications.role_applicant") } else { i.t("applications.role_member") }}</td>
                                    <td>{row.updated_at.clone()}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </DataTable>
                }.into_any()
            }} />
        </section>
    }
    .into_any()
}

#[component]
pub fn InvitationPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let token = Memo::new(move |_| params.get().get("token").unwrap_or_default());
    let invitation = Resource::new(move || token.get(), get_invitation);
    let join = crate::failed_form::remembered_action::<JoinTeam>();
    let error = Signal::derive(move || {
        error_at(i, join.value().get(), "").or_else(|| error_at(i, join.value().get(), "person"))
    });
    view! {
        <Title text=i.t("invitation.title") />
        <section class="page page--narrow">
            <h1>{i.t("invitation.title")}</h1>
            <Loaded resource=invitation render={move |invitation: InvitationView| {
                let link = format!("/applications/{}", invitation.application_id);
                view! {
                    <p class="lede">{i.t_with("invitation.lede", &[("inviter", &invitation.inviter), ("title", &invitation.title)])}</p>
                    <p>{i.t_with("invitation.sent_to", &[("email", &invitation.email)])}</p>
                    {if invitation.already_member {
                        view! { <p><a class="button" href=link>{i.t("invitation.open")}</a></p> }.into_any()
                    } else if !invitation.live {
                        view! { <p class="notice notice--error" role="status">{i.t("invitation.not_live")}</p> }.into_any()
                    } else {
                        view! {
                            <p>{i.t("invitation.explain")}</p>
                            <ActionForm action=join attr:class="inline-form">
                                <input type="hidden" name="token" value=token.get_untracked() />
                                <button type="submit" class="button" data-testid="join-team">{i.t("invitation.join")}</button>
                            </ActionForm>
                            <FieldError id="join-error".into() message=error />
                        }.into_any()
                    }}
                }.into_any()
            }} />
        </section>
    }
    .into_any()
}

#[component]
pub fn ReviewsPage() -> impl IntoView {
    let i = use_i18n();
    let reviews = Resource::new(|| (), |_| my_reviews());
    view! {
        <Title text=i.t("reviews.title") />
        <section class="page">
            <h1>{i.t("reviews.title")}</h1>
            <p class="lede">{i.t("reviews.lede")}</p>
            <Loaded resource=reviews render={move |requests: Vec<ReviewRequest>| {
                if requests.is_empty() {
                    return view! { <p>{i.t("reviews.none")}</p> }.into_any();
                }
                view! {
                    <ul class="card-grid" data-testid="review-requests">
                        {requests.into_iter().map(|request| {
                            let status = review_status(i, &request);
                            view! {
                                <li class="card">
                                    <h2 class="card__title"><a href=format!("/reviews/{}/{}", request.application_id, request.node_slug)>{request.title.clone()}</a></h2>
                                    <p>{request.node_name.get(i.lang).to_owned()}" · "{request.invited_at.clone()}</p>
                                    <p><strong>{status}</strong></p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }} />
        </section>
    }
    .into_any()
}

fn review_status(i: crate::i18n::I18n, request: &ReviewRequest) -> String {
    match (request.conflicted, request.advised) {
        (None, _) => i.t("reviews.status.declare"),
        (Some(true), _) => i.t("reviews.status.conflicted"),
        (Some(false), false) => i.t("reviews.status.advise"),
        (Some(false), true) => i.t("reviews.status.advised"),
    }
}

/// A request for advice: first the declaration of conflicts, before anything of the
/// application is shown but its title and team.
#[component]
pub fn ReviewRequestPage() -> impl IntoView {
    let i = use_i18n();
    let params = use_params_map();
    let key = Memo::new(move |_| {
        let p = params.get();
        let id = p.get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0);
        (ApplicationId(id), p.get("node").unwrap_or_default())
    });
    let refresh = RwSignal::new(0u64);
    provide_context(super::commands::Refresh(refresh));
    let request =
        Resource::new(move || (key.get(), refresh.get()), |((id, node), _)| get_review_request(id, node));
    view! {
        <Title text=i.t("reviews.request_title") />
        <section class="page page--narrow">
            <p class="breadcrumbs"><a href="/reviews">{i.t("reviews.title")}</a></p>
            <h1>{i.t("reviews.request_title")}</h1>
            <Loaded resource=request render={move |request: ReviewRequest| {
                let id = request.application_id;
                view! {
                    <dl class="facts">
                        <dt>{i.t("form.field.title")}</dt>
                        <dd>{request.title.clone()}</dd>
                        <dt>{i.t("reviews.node")}</dt>
                        <dd>{request.node_name.get(i.lang).to_owned()}</dd>
                        <dt>{i.t("application.team")}</dt>
                        <dd>
                            <ul class="plain-list" data-testid="review-team">
                                {request.team.iter().map(|(name, org)| view! {
                                    <li>{name.clone()}{org.clone().map(|o| format!(" ({o})"))}</li>
                                }).collect_view()}
                            </ul>
                        </dd>
                    </dl>
                    {match request.conflicted {
                        None => view! {
                            <p>{i.t("reviews.declare_explain")}</p>
                            <CommandForm id command="declare_conflict" fixed=vec![("node", request.node_id.to_string())] key="declare".into()>
                                <fieldset class="field">
                                    <legend>{i.t("reviews.conflict_question")}</legend>
                                    <label class="checkbox"><input type="radio" name=field("declare_conflict", "conflicted") value="false" />{i.t("reviews.no_conflict")}</label>
                                    <label class="checkbox"><input type="radio" name=field("declare_conflict", "conflicted") value="true" />{i.t("reviews.conflict")}</label>
                                </fieldset>
                                <div class="field">
                                    <label for="conflict-reason">{i.t("reviews.conflict_reason")}</label>
                                    <textarea id="conflict-reason" name=field("declare_conflict", "reason") rows="3"></textarea>
                                </div>
                                <button type="submit" class="button" data-testid="declare">{i.t("reviews.declare")}</button>
                            </CommandForm>
                        }.into_any(),
                        Some(true) => view! { <p class="notice" role="status" data-testid="declared-conflict">{i.t("reviews.declared_conflict")}</p> }.into_any(),
                        Some(false) => view! {
                            <p><a class="button" href=format!("/applications/{id}#advice")>{i.t("reviews.open_application")}</a></p>
                        }.into_any(),
                    }}
                }.into_any()
            }} />
        </section>
    }
    .into_any()
}

/// A node committee's queue: overdue and near deadlines first, narrowed in the URL.
#[component]
pub fn CommitteeQueuePage() -> impl IntoView {
    let i = use_i18n();
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let q = query.get();
        let get = |key: &str| q.get(key).filter(|v| !v.is_empty());
        (get("node"), get("state"), get("cohort"), get("overdue"), get("mine"))
    });
    let queue = Resource::new(
        move || filters.get(),
        |(node, state, cohort, overdue, mine)| committee_queue(node, state, cohort, overdue, mine),
    );
    view! {
        <Title text=i.t("committee.title") />
        <section class="page">
            <h1>{i.t("committee.title")}</h1>
            <p class="lede">{i.t("committee.lede")}</p>
            <Loaded resource=queue render={move |page: QueuePage| {
                view! { <QueueView page filters=filters.get_untracked() /> }.into_any()
            }} />
        </section>
    }
    .into_any()
}

type QueueFilters = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);

#[component]
fn QueueView(page: QueuePage, filters: QueueFilters) -> impl IntoView {
    let i = use_i18n();
    let (_, state, cohort, overdue, mine) = filters;
    let node = page.node_slug.clone();
    view! {
        <form method="get" action="/committee" class="form-grid queue-filters" role="search">
            <div class="field">
                <label for="queue-node">{i.t("committee.node")}</label>
                <select id="queue-node" name="node">
                    {page.nodes.iter().map(|(slug, name)| view! {
                        <option value=slug.clone() selected=*slug == node>{name.get(i.lang).to_owned()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="queue-state">{i.t("applications.state")}</label>
                <select id="queue-state" name="state">
                    <option value="">{i.t("committee.any")}</option>
                    {PartStatus::IN_QUEUE.iter().map(|status| view! {
                        <option value=status.code() selected=state.as_deref() == Some(status.code())>{part_state(i, *status)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="queue-cohort">{i.t("committee.cohort")}</label>
                <select id="queue-cohort" name="cohort">
                    <option value="">{i.t("committee.any")}</option>
                    {page.cohorts.iter().map(|slug| view! {
                        <option value=slug.clone() selected=cohort.as_deref() == Some(slug.as_str())>{slug.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field field--checks">
                <label class="checkbox"><input type="checkbox" name="overdue" value="1" checked=overdue.is_some() />{i.t("committee.overdue_only")}</label>
                <label class="checkbox"><input type="checkbox" name="mine" value="1" checked=mine.is_some() />{i.t("committee.mine_only")}</label>
            </div>
            <div class="field field--actions"><button type="submit" class="button">{i.t("committee.filter")}</button></div>
        </form>
        {if page.items.is_empty() {
            view! { <p class="notice">{i.t("committee.empty")}</p> }.into_any()
        } else {
            view! {
                <DataTable name=TableName::Caption { id: "queue-caption", text: i.t_with("committee.caption", &[("count", &page.items.len().to_string())]) } testid="committee-queue">
                    <thead><tr>
                        <th scope="col">{i.t("form.field.title")}</th>
                        <th scope="col">{i.t("committee.applicant")}</th>
                        <th scope="col">{i.t("committee.cohort")}</th>
                        <th scope="col">{i.t("applications.state")}</th>
                        <th scope="col">{i.t("committee.handler")}</th>
                        <th scope="col">{i.t("committee.deadline")}</th>
                    </tr></thead>
                    <tbody>
                        {page.items.into_iter().map(|row| {
                            let href = format!("/applications/{}#handling-{}", row.application_id, page.node_slug);
                            let flag = if row.overdue {
                                Some(("tag tag--alert", i.t("clock.overdue")))
                            } else if row.paused {
                                Some(("tag tag--muted", i.t("clock.paused")))
                            } else if row.near {
                                Some(("tag tag--warn", i.t("committee.near")))
                            } else {
                                None
                            };
                            view! {
                                <tr class:queue--overdue=row.overdue>
                                    <td><a href=href>{row.title.clone()}</a></td>
                                    <td>{row.applicant.clone()}</td>
                                    <td>{row.cohort_slug.clone()}</td>
                                    <td>{part_state(i, row.state)}</td>
                                    <td>{row.handler.clone().unwrap_or_else(|| i.t("committee.no_handler"))}</td>
                                    <td>{row.deadline.clone().unwrap_or_default()}" "{flag.map(|(class, text)| view! { <span class=class>{text}</span> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </DataTable>
            }.into_any()
        }}
    }
    .into_any()
}
