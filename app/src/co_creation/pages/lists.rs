//! The lists around proposals: a company's proposals and a reviewer's desk (assigned
//! proposals and conflicts of interest).

use super::proposal::proposal_state;
use crate::co_creation::api::{DeclareConflict, my_proposals, reviewer_desk};
use crate::co_creation::model::{ConflictKind, MyProposalsView, ReviewerDeskView};
use crate::forms::{error_at, successes};
use crate::i18n::use_i18n;
use crate::ui::{DataTable, FieldError, Loaded, TableName};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MyProposalsPage() -> impl IntoView {
    let i = use_i18n();
    let data = Resource::new(|| (), |_| my_proposals());
    view! {
        <Title text=i.t("proposals.title") />
        <section class="page">
            <h1>{i.t("proposals.title")}</h1>
            <p class="lede">{i.t("proposals.lede")}" "<a href="/calls">{i.t("calls.title")}</a></p>
            <Loaded resource=data render={move |data: MyProposalsView| view! {
                <h2>{i.t("proposals.companies")}</h2>
                {if data.companies.is_empty() {
                    view! { <p class="notice">{i.t("proposals.no_company")}</p> }.into_any()
                } else {
                    view! { <ul>{data.companies.iter().map(|(slug, name)| view! { <li><a href=format!("/companies/{slug}")>{name.clone()}</a></li> }).collect_view()}</ul> }.into_any()
                }}
                <p><a class="button button--quiet" href="/companies/new">{i.t("company.register")}</a></p>
                <h2>{i.t("proposals.list")}</h2>
                {if data.proposals.is_empty() {
                    view! { <p class="notice">{i.t("proposals.none")}</p> }.into_any()
                } else {
                    view! {
                        <DataTable name=TableName::Caption { id: "my-proposals-caption", text: i.t("proposals.caption") } testid="my-proposals">
                            <thead><tr>
                                <th scope="col">{i.t("proposal.field.title")}</th>
                                <th scope="col">{i.t("proposals.call")}</th>
                                <th scope="col">{i.t("proposal.company")}</th>
                                <th scope="col">{i.t("proposals.state")}</th>
                                <th scope="col">{i.t("proposals.updated")}</th>
                            </tr></thead>
                            <tbody>
                                {data.proposals.iter().map(|p| view! {
                                    <tr>
                                        <td><a href=format!("/proposals/{}", p.id)>{if p.title.is_empty() { i.t("proposal.untitled") } else { p.title.clone() }}</a></td>
                                        <td><a href=format!("/calls/{}", p.call_slug)>{p.call.get(i.lang).to_owned()}</a></td>
                                        <td>{p.company.clone()}</td>
                                        <td>{proposal_state(i, p.state)}</td>
                                        <td>{p.updated.clone()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </DataTable>
                    }.into_any()
                }}
            }.into_any()} />
        </section>
    }
}

#[component]
pub fn ReviewingPage() -> impl IntoView {
    let i = use_i18n();
    let declare = crate::failed_form::remembered_action::<DeclareConflict>();
    let declared = successes(declare);
    let desk = Resource::new(move || declared.get(), |_| reviewer_desk());
    let error = Signal::derive(move || {
        error_at(i, declare.value().get(), "").or_else(|| error_at(i, declare.value().get(), "kind"))
    });
    view! {
        <Title text=i.t("reviewing.title") />
        <section class="page">
            <h1>{i.t("reviewing.title")}</h1>
            <p class="lede">{i.t("reviewing.lede")}</p>
            <Loaded resource=desk render={move |desk: ReviewerDeskView| view! {
                <h2>{i.t("reviewing.assigned")}</h2>
                {if desk.assigned.is_empty() {
                    view! { <p class="notice">{i.t("reviewing.none")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="card-list" data-testid="assigned-proposals">
                            {desk.assigned.iter().map(|(id, title, company, call, done)| view! {
                                <li class="card">
                                    <a href=format!("/proposals/{id}")>{title.clone()}</a>
                                    <p class="field__hint">{format!("{company} · {}", call.get(i.lang))}" · "{if *done { i.t("proposal.review_done") } else { i.t("proposal.review_pending") }}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <h2 id="conflicts-heading">{i.t("reviewing.conflicts")}</h2>
                <p>{i.t("reviewing.conflicts_lede")}</p>
                <DataTable name=TableName::Heading("conflicts-heading") testid="conflicts">
                    <thead><tr><th scope="col">{i.t("proposal.company")}</th><th scope="col">{i.t("reviewing.conflict")}</th></tr></thead>
                    <tbody>
                        {desk.companies.into_iter().map(|(company, name, kind)| view! {
                            <tr>
                                <th scope="row">{name.clone()}</th>
                                <td>{match kind {
                                    Some(kind) => view! { <span class="tag tag--warn" data-testid=format!("conflict-{company}")>{i.t(&format!("conflict.{kind}"))}</span> }.into_any(),
                                    None => view! {
                                        <ActionForm action=declare attr:class="command-form command-form--inline">
                                            <input type="hidden" name="company" value=company.to_string() />
                                            <label class="visually-hidden" for=format!("conflict-kind-{company}")>{i.t_with("reviewing.conflict_with", &[("company", &name)])}</label>
                                            <select id=format!("conflict-kind-{company}") name="kind">
                                                {ConflictKind::ALL.iter().map(|k| view! { <option value=k.code()>{i.t(&format!("conflict.{}", k.code()))}</option> }).collect_view()}
                                            </select>
                                            <button type="submit" class="button button--quiet" data-testid=format!("declare-{company}")>{i.t("reviewing.declare")}</button>
                                        </ActionForm>
                                    }.into_any(),
                                }}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </DataTable>
                <FieldError id="conflict-error".into() message=error />
            }.into_any()} />
        </section>
    }
}
