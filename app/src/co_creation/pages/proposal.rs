//! One proposal: the company's form (saved as it is typed) and its eligibility, the
//! screening, the reviewers, the reviews, the board's decision, the consensus report the
//! company reads once decisions are released, and the timeline.

use crate::co_creation::api::{ActOnProposal, SaveProposal, SaveReview, get_proposal};
use crate::co_creation::form::{AI_ACT_CLASSES, DEVICE_CLASSES, RESOURCES, SECTIONS};
use crate::co_creation::model::{Confidence, Decision, Permission, ProposalPage, ProposalState, Stage};
use crate::forms::{Autosave, Refresh, error_at};
use crate::i18n::{I18n, use_i18n};
use crate::ui::{Field, FieldError, FieldKind, Loaded, ProblemList, Progress, Timeline, command_form};
use kernel::ProposalId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

pub fn proposal_state(i: I18n, state: ProposalState) -> String {
    i.t(&format!("proposal.state.{}", state.code()))
}

use crate::ui::command_field as field_name;

/// A form for one command on the proposal: `command` names it, `fixed` are its values the
/// form does not ask for; a command without values (`start_agreement`) posts its name.
fn proposal_command(
    id: ProposalId,
    command: &'static str,
    fixed: Vec<(&'static str, String)>,
    key: String,
    children: Children,
    class: Option<String>,
) -> impl IntoView {
    let hidden = crate::ui::command_hidden(id.to_string(), command, command == "start_agreement", fixed);
    command_form(crate::failed_form::remembered_action::<ActOnProposal>(), hidden, key, children, class)
}

#[component]
pub fn ProposalPageView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        ProposalId(params.get().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0))
    });
    let upload_error = Memo::new(move |_| query.get().get("upload_error"));
    let check = Memo::new(move |_| query.get().get("check").is_some());
    let refresh = RwSignal::new(0u64);
    provide_context(Refresh(refresh));
    let page = Resource::new(
        move || (id.get(), check.get(), refresh.get()),
        |(id, check, _)| get_proposal(id, check),
    );
    view! {
        <Loaded resource=page render={move |page: ProposalPage| {
            view! { <ProposalView page upload_error=upload_error.get_untracked() /> }.into_any()
        }} />
    }
}

#[component]
fn ProposalView(page: ProposalPage, upload_error: Option<String>) -> impl IntoView {
    let i = use_i18n();
    let title = if page.form.title.is_empty() { i.t("proposal.untitled") } else { page.form.title.clone() };
    let id = page.id;
    let is_company = page.is_company;
    let (can_edit, can_withdraw, can_start, can_screen) = (
        page.may(Permission::EditDraft),
        page.may(Permission::Withdraw),
        page.may(Permission::StartAgreement),
        page.may(Permission::Screen),
    );
    view! {
        <Title text=title.clone() />
        <article class="page proposal-page" data-testid="proposal">
            <p class="breadcrumbs">
                {if is_company {
                    view! { <a href="/proposals">{i.t("proposals.title")}</a> }.into_any()
                } else {
                    view! { <a href=format!("/calls/{}", page.call.slug)>{page.call.title.get(i.lang).to_owned()}</a> }.into_any()
                }}
            </p>
            <h1>{title}</h1>
            <p>
                <span class="tag" data-testid="proposal-state">{proposal_state(i, page.state)}</span>" "
                {(page.stage == Stage::ExpressionOfInterest).then(|| view! { <span class="tag tag--muted">{i.t("proposal.stage.expression_of_interest")}</span>" " })}
                {i.t_with("proposal.by", &[("company", &page.company), ("call", page.call.title.get(i.lang))])}
            </p>
            <Eligibility page=page.clone() />
            {page.agreement.clone().map(|(agreement, at)| view! {
                <p class="notice notice--success" data-testid="agreement-started">
                    {i.t_with("proposal.agreement_started", &[("at", &at)])}" "
                    <a href=format!("/agreements/{agreement}")>{i.t("proposal.open_agreement")}</a>
                </p>
            })}
            {page.report.clone().map(|_| view! { <Report page=page.clone() /> })}
            <section id="form" aria-labelledby="form-heading">
                <h2 id="form-heading">{i.t("proposal.form")}</h2>
                {if can_edit {
                    view! { <ProposalForm page=page.clone() upload_error /> }.into_any()
                } else {
                    view! { <ProposalRead page=page.clone() /> }.into_any()
                }}
            </section>
            {(can_withdraw || can_start).then(|| view! { <CompanyActions page=page.clone() /> })}
            {can_screen.then(|| view! { <Screening id /> })}
            {page.assignment.clone().map(|_| view! { <Assignment page=page.clone() /> })}
            {page.own_review.clone().map(|_| view! { <ReviewForm page=page.clone() /> })}
            <Reviews page=page.clone() />
            {page.decision.clone().map(|_| view! { <BoardDecision page=page.clone() /> })}
            <section id="timeline" aria-labelledby="timeline-heading">
                <h2 id="timeline-heading">{i.t("proposal.timeline")}</h2>
                <Timeline entries=page.timeline.clone() label=i.t("proposal.timeline") />
            </section>
        </article>
    }
}

/// What the automatic check says: a draft that would be ineligible, or why it was.
#[component]
fn Eligibility(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let reasons: Vec<String> = page
        .eligibility
        .iter()
        .map(|(key, values)| {
            let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            i.t_with(key, &values)
        })
        .collect();
    if page.state == ProposalState::Ineligible {
        return view! {
            <div class="notice notice--error" role="status" data-testid="ineligible">
                <p><strong>{i.t("proposal.ineligible_heading")}</strong></p>
                <p data-testid="ineligible-reason">{page.ineligible_reason.clone().unwrap_or_default()}</p>
            </div>
        }
        .into_any();
    }
    if reasons.is_empty() {
        return ().into_any();
    }
    view! {
        <div class="notice notice--warn" role="status" data-testid="eligibility-warning">
            <p><strong>{i.t("proposal.would_be_ineligible")}</strong></p>
            <ul>{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul>
        </div>
    }
    .into_any()
}

#[component]
fn ProposalForm(page: ProposalPage, upload_error: Option<String>) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    let save = crate::failed_form::remembered_action::<SaveProposal>();
    let autosave = crate::failed_form::remembered_action::<SaveProposal>();
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if save.value().with(|v| matches!(v, Some(Ok(outcome)) if outcome.submitted.is_some())) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let autosaver = Autosave::new(form_ref, autosave);
    let status = crate::forms::save_status(i, save, autosave, page.last_saved.clone());
    let problems = StoredValue::new(page.problems.clone());
    let message = move |field: &'static str| {
        let problem = problems.with_value(|p| p.iter().find(|(f, _)| f == field).map(|(_, key)| i.t(key)));
        Signal::derive(move || error_at(i, save.value().get(), field).or_else(|| problem.clone()))
    };
    let required = page.required.clone();
    let form = page.form.clone();
    let field = move |field: &'static str, kind: FieldKind, value: String| {
        let hint_key = format!("proposal.hint.{field}");
        let hint = (i.t(&hint_key) != hint_key).then(|| i.t(&hint_key));
        view! {
            <Field id=format!("proposal-{field}") name=format!("fields[{field}]") label=i.t(&format!("proposal.field.{field}"))
                kind value message=message(field) hint=hint required=required.iter().any(|r| r == field) />
        }
    };
    let select = move |field: &'static str,
                       choices: &'static [&'static str],
                       current: String,
                       prefix: &'static str| {
        view! {
            <div class="field">
                <label for=format!("proposal-{field}")>{i.t(&format!("proposal.field.{field}"))}</label>
                <select id=format!("proposal-{field}") name=format!("fields[{field}]") aria-describedby=format!("proposal-{field}-error")>
                    <option value="" selected=current.is_empty()>{i.t("form.choose")}</option>
                    {choices.iter().map(|c| view! { <option value=*c selected=current == *c>{i.t(&format!("{prefix}.{c}"))}</option> }).collect_view()}
                </select>
                <FieldError id=format!("proposal-{field}-error") message=message(field) />
            </div>
        }
    };
    let trl = form.trl_claimed;
    let letter = page.letter.clone();
    view! {
        <ProblemList problems=page.problems.clone() id_prefix="proposal" label_prefix="proposal.field" />
        <Progress sections=page.sections.clone() prefix="proposal.section" />
        <form id="letter-upload" method="post" enctype="multipart/form-data" action=format!("/proposals/{id}/attachments")></form>
        <ActionForm action=save node_ref=form_ref attr:class="form proposal-form" attr:novalidate=true attr:id="proposal-form"
            on:input=move |_| autosaver.schedule(1500) on:focusout=move |ev| autosaver.left_field(ev)
            on:change=move |_| autosaver.schedule(300) on:submit=move |_| autosaver.cancel()>
            <input type="hidden" name="id" value=id.to_string() />
            <fieldset class="form-section" id="section-project">
                <legend>{i.t("proposal.section.project")}</legend>
                {field("title", FieldKind::Text, form.title.clone())}
                {field("summary", FieldKind::Area, form.summary.clone())}
                {field("technology", FieldKind::Area, form.technology.clone())}
                <div class="field" id="proposal-trl_claimed-field">
                    <label for="proposal-trl_claimed">{i.t("proposal.field.trl_claimed")}</label>
                    <p class="field__hint" id="proposal-trl_claimed-hint">{i.t_with("proposal.hint.trl_claimed", &[("min", &page.call.trl_min.to_string()), ("max", &page.call.trl_max.to_string())])}</p>
                    <select id="proposal-trl_claimed" name="fields[trl_claimed]" aria-describedby="proposal-trl_claimed-hint proposal-trl_claimed-error">
                        <option value="" selected=trl.is_none()>{i.t("form.choose")}</option>
                        {(1..=9u8).map(|n| view! { <option value=n.to_string() selected=trl == Some(n)>{format!("TRL {n} – {}", i.t(&format!("trl.{n}")))}</option> }).collect_view()}
                    </select>
                    <FieldError id="proposal-trl_claimed-error".into() message=message("trl_claimed") />
                </div>
                {field("trl_evidence", FieldKind::Area, form.trl_evidence.clone())}
            </fieldset>
            <fieldset class="form-section" id="section-clinical_need">
                <legend>{i.t("proposal.section.clinical_need")}</legend>
                {field("disease_area", FieldKind::Text, form.disease_area.clone())}
                {field("patient_group", FieldKind::Text, form.patient_group.clone())}
                {field("unmet_need", FieldKind::Area, form.unmet_need.clone())}
                {field("healthcare_pull", FieldKind::Area, form.healthcare_pull.clone())}
                <div class="field" id="proposal-clinical_letter">
                    <label for="letter-file">{i.t("proposal.field.clinical_letter")}</label>
                    <p class="field__hint" id="letter-file-hint">{i.t("proposal.hint.clinical_letter")}</p>
                    {letter.map(|(a, name, size)| view! {
                        <p data-testid="letter-attachment"><a href=format!("/proposals/{id}/attachments/{a}")>{name}</a>{format!(" ({} kB)", (size + 1023) / 1024)}</p>
                    })}
                    <input id="letter-file" type="file" name="file" accept="application/pdf" form="letter-upload" aria-describedby="letter-file-hint letter-file-error" />
                    <button type="submit" class="button button--quiet" form="letter-upload" data-testid="upload-letter">{i.t("form.upload")}</button>
                    <FieldError id="letter-file-error".into() message=Signal::derive({
                        let upload = upload_error.clone().map(|e| i.t(&format!("upload.{e}")));
                        move || upload.clone()
                    }) />
                </div>
            </fieldset>
            <fieldset class="form-section" id="section-evidence">
                <legend>{i.t("proposal.section.evidence")}</legend>
                {field("scientific_evidence", FieldKind::Area, form.scientific_evidence.clone())}
                {field("applications", FieldKind::Area, form.applications.clone())}
            </fieldset>
            <fieldset class="form-section" id="section-resources">
                <legend>{i.t("proposal.section.resources")}</legend>
                <fieldset class="field" id="proposal-nodes" aria-describedby="proposal-nodes-error">
                    <legend>{i.t("proposal.field.nodes")}</legend>
                    {page.nodes.iter().map(|(slug, name)| view! {
                        <label class="checkbox"><input type="checkbox" name=format!("nodes[{slug}]") value=slug.clone() checked=form.nodes.contains(slug) />{name.get(i.lang).to_owned()}</label>
                    }).collect_view()}
                    <FieldError id="proposal-nodes-error".into() message=message("nodes") />
                </fieldset>
                <fieldset class="field" id="proposal-resources" aria-describedby="proposal-resources-error">
                    <legend>{i.t("proposal.field.resources")}</legend>
                    {RESOURCES.iter().map(|r| view! {
                        <label class="checkbox"><input type="checkbox" name=format!("resources[{r}]") value=*r checked=form.resources.iter().any(|x| x == r) />{i.t(&format!("resource.{r}"))}</label>
                    }).collect_view()}
                    <FieldError id="proposal-resources-error".into() message=message("resources") />
                </fieldset>
                {field("resources_detail", FieldKind::Area, form.resources_detail.clone())}
                {field("partners", FieldKind::Area, form.partners.clone())}
                {field("budget", FieldKind::Area, form.budget.clone())}
            </fieldset>
            <fieldset class="form-section" id="section-regulatory">
                <legend>{i.t("proposal.section.regulatory")}</legend>
                {select("device_class", &DEVICE_CLASSES, form.device_class.clone(), "device_class")}
                {select("ai_act_class", &AI_ACT_CLASSES, form.ai_act_class.clone(), "ai_act_class")}
                {field("regulatory_pathway", FieldKind::Area, form.regulatory_pathway.clone())}
                {field("background_ip", FieldKind::Area, form.background_ip.clone())}
                {field("milestones", FieldKind::Area, form.milestones.clone())}
                <div class="field">
                    <label class="checkbox"><input type="checkbox" name="fields[may_name]" value="true" checked=form.may_name />{i.t("proposal.field.may_name")}</label>
                </div>
            </fieldset>
            <p class="form-status" role="status" aria-live="polite" data-testid="save-status">{status}</p>
            <FieldError id="proposal-form-error".into() message=message("") />
            <div class="form-actions">
                <button type="submit" name="intent" value="save" class="button button--quiet" data-testid="save-draft">{i.t("form.save")}</button>
                <button type="submit" name="intent" value="submit" class="button" data-testid="submit-proposal">{i.t("proposal.submit")}</button>
            </div>
        </ActionForm>
    }
}

/// The form as sent in, to read.
#[component]
fn ProposalRead(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let form = page.form.clone();
    let nodes = page.nodes.clone();
    let letter_link = page.letter.as_ref().map(|(a, ..)| format!("/proposals/{}/attachments/{a}", page.id));
    let letter_name = page.letter.as_ref().map(|(_, name, _)| name.clone()).unwrap_or_default();
    let value = move |field: &str| -> String {
        match field {
            "trl_claimed" => form
                .trl_claimed
                .map(|t| format!("TRL {t} – {}", i.t(&format!("trl.{t}"))))
                .unwrap_or_default(),
            "clinical_letter" => letter_name.clone(),
            "nodes" => form
                .nodes
                .iter()
                .map(|n| {
                    nodes
                        .iter()
                        .find(|(s, _)| s == n)
                        .map(|(_, name)| name.get(i.lang).to_owned())
                        .unwrap_or_else(|| n.clone())
                })
                .collect::<Vec<_>>()
                .join(", "),
            "resources" => {
                form.resources.iter().map(|r| i.t(&format!("resource.{r}"))).collect::<Vec<_>>().join(", ")
            }
            "device_class" if !form.device_class.is_empty() => {
                i.t(&format!("device_class.{}", form.device_class))
            }
            "ai_act_class" if !form.ai_act_class.is_empty() => {
                i.t(&format!("ai_act_class.{}", form.ai_act_class))
            }
            "may_name" => {
                if form.may_name {
                    i.t("form.yes")
                } else {
                    i.t("form.no")
                }
            }
            other => form.text(other).unwrap_or_default().to_owned(),
        }
    };
    view! {
        {SECTIONS.iter().map(|(section, fields)| view! {
            <section class="form-section form-section--read" aria-labelledby=format!("section-{section}-heading")>
                <h3 id=format!("section-{section}-heading")>{i.t(&format!("proposal.section.{section}"))}</h3>
                <dl class="facts">
                    {fields.iter().map(|field| {
                        let text = value(field);
                        let link = (*field == "clinical_letter").then(|| letter_link.clone()).flatten();
                        view! {
                            <dt>{i.t(&format!("proposal.field.{field}"))}</dt>
                            <dd class="prose-text">{match link {
                                Some(href) if !text.is_empty() => view! { <a href=href>{text}</a> }.into_any(),
                                _ => view! { {if text.is_empty() { "–".to_owned() } else { text }} }.into_any(),
                            }}</dd>
                        }
                    }).collect_view()}
                </dl>
            </section>
        }).collect_view()}
    }
}

#[component]
fn CompanyActions(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    view! {
        <section id="company-actions" aria-labelledby="company-actions-heading">
            <h2 id="company-actions-heading">{i.t("proposal.actions")}</h2>
            {page.may(Permission::StartAgreement).then(|| proposal_command(id, "start_agreement", vec![], "start-agreement".into(), Box::new(move || view! {
                <p>{i.t("proposal.start_agreement_hint")}</p>
                <button type="submit" class="button" data-testid="start-agreement">{i.t("proposal.start_agreement")}</button>
            }.into_any()), None))}
            {page.may(Permission::Withdraw).then(|| proposal_command(id, "withdraw", vec![], "withdraw".into(), Box::new(move || view! {
                <div class="field">
                    <label for="withdraw-reason">{i.t("proposal.withdraw_reason")}</label>
                    <input id="withdraw-reason" name=field_name("withdraw", "reason") maxlength=crate::forms::limits::REASON />
                </div>
                <button type="submit" class="button button--quiet">{i.t("proposal.withdraw")}</button>
            }.into_any()), None))}
        </section>
    }
}

#[component]
fn Screening(id: ProposalId) -> impl IntoView {
    let i = use_i18n();
    let form = |eligible: bool, label: String, testid: &'static str| {
        let key = if eligible { "eligible" } else { "ineligible" };
        proposal_command(
            id,
            "screen",
            vec![("eligible", eligible.to_string())],
            format!("screen-{key}"),
            Box::new(move || {
                view! {
                    <div class="field">
                        <label for=format!("screen-{key}-reason")>{i.t("proposal.screening_reason")}</label>
                        <textarea id=format!("screen-{key}-reason") name=field_name("screen", "reason") rows="2"></textarea>
                    </div>
                    <button type="submit" class="button" data-testid=testid>{label}</button>
                }
                .into_any()
            }),
            None,
        )
    };
    view! {
        <section id="screening" aria-labelledby="screening-heading">
            <h2 id="screening-heading">{i.t("proposal.screening")}</h2>
            <p>{i.t("proposal.screening_hint")}</p>
            {form(true, i.t("proposal.screen_eligible"), "screen-eligible")}
            {form(false, i.t("proposal.screen_ineligible"), "screen-ineligible")}
        </section>
    }
}

#[component]
fn Assignment(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let Some(assignment) = page.assignment.clone() else { return ().into_any() };
    let id = page.id;
    view! {
        <section id="reviewers" aria-labelledby="reviewers-heading">
            <h2 id="reviewers-heading">{i.t("proposal.reviewers")}</h2>
            <p>{i.t_with("proposal.reviewers_needed", &[("count", &assignment.assigned.len().to_string()), ("needed", &assignment.needed.to_string())])}
                {(assignment.conflicted > 0).then(|| format!(" {}", i.t_with("proposal.reviewers_conflicted", &[("count", &assignment.conflicted.to_string())])))}</p>
            <ul class="plain-list" data-testid="assigned-reviewers">
                {assignment.assigned.iter().map(|(reviewer, name, done)| {
                    let name = name.clone();
                    let done = *done;
                    let reviewer = *reviewer;
                    view! {
                        <li>{name.clone()}" "{if done { i.t("proposal.review_done") } else { i.t("proposal.review_pending") }}
                            {(!done).then(|| proposal_command(id, "remove_reviewer", vec![("reviewer", reviewer.to_string())], format!("unassign-{reviewer}"), Box::new(move || view! {
                                <button type="submit" class="button button--quiet">{i.t_with("proposal.unassign", &[("name", &name)])}</button>
                            }.into_any()), Some("command-form command-form--inline".into())))}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {(!assignment.candidates.is_empty()).then(|| proposal_command(id, "assign_reviewer", vec![], "assign".into(), Box::new(move || view! {
                <div class="field">
                    <label for="assign-reviewer">{i.t("proposal.add_reviewer")}</label>
                    <select id="assign-reviewer" name=field_name("assign_reviewer", "reviewer")>
                        {assignment.candidates.iter().map(|(r, name, load)| view! {
                            <option value=r.to_string()>{i.t_with("proposal.candidate", &[("name", name), ("load", &load.to_string())])}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit" class="button button--quiet" data-testid="assign-reviewer">{i.t("proposal.assign")}</button>
            }.into_any()), None))}
            <p class="field__hint">{i.t("proposal.suggest_on_panel")}</p>
        </section>
    }
    .into_any()
}

#[component]
fn ReviewForm(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let Some(own) = page.own_review.clone() else { return ().into_any() };
    let save = crate::failed_form::remembered_action::<SaveReview>();
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if save.value().with(|v| matches!(v, Some(Ok(_)))) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    let at = move |field: String| {
        Signal::derive(move || match save.value().get() {
            Some(Err(crate::error::AppError::Invalid { field: f, message_key })) if f == field => {
                Some(i.t(&message_key))
            }
            _ => None,
        })
    };
    let editable = page.may(Permission::Review);
    let criteria = page.criteria.clone();
    let again = |name: &str, value: String| crate::failed_form::typed_or(name, value);
    let assessed_trl =
        again("review[assessed_trl]", own.assessed_trl.map(|t| t.to_string()).unwrap_or_default());
    let confidence = again("review[confidence]", own.confidence.clone());
    view! {
        <section id="review" aria-labelledby="review-heading">
            <h2 id="review-heading">{i.t("review.heading")}</h2>
            <p>{if own.submitted { i.t_with("review.submitted_revision", &[("revision", &own.revision.to_string())]) } else { i.t("review.hint") }}</p>
            <ActionForm action=save attr:class="form review-form" attr:novalidate=true>
                <input type="hidden" name="id" value=page.id.to_string() />
                {criteria.iter().zip(own.scores.iter()).map(|(c, s)| {
                    let code = c.code.clone();
                    // After a refusal without JavaScript, what was chosen and typed comes back.
                    let score = again(&format!("review[score][{code}]"), s.score.clone());
                    let comment = again(&format!("review[comment][{code}]"), s.comment.clone());
                    view! {
                        <fieldset class="form-section criterion-score">
                            <legend>{c.name.get(i.lang).to_owned()}</legend>
                            <p class="field__hint">{c.description.get(i.lang).to_owned()}" "{i.t_with("review.threshold", &[("threshold", &c.threshold)])}</p>
                            <div class="field">
                                <label for=format!("score-{code}")>{i.t("review.score")}</label>
                                <select id=format!("score-{code}") name=format!("review[score][{code}]") disabled=!editable aria-describedby=format!("score-{code}-error")>
                                    <option value="" selected=score.is_empty()>{i.t("form.choose")}</option>
                                    {(0..=10u8).map(|h| {
                                        let written = if h % 2 == 0 { (h / 2).to_string() } else { format!("{}.5", h / 2) };
                                        let selected = score == written;
                                        view! { <option value=written.clone() selected=selected>{written.clone()}</option> }
                                    }).collect_view()}
                                </select>
                                <FieldError id=format!("score-{code}-error") message=at(format!("score-{code}")) />
                            </div>
                            <div class="field">
                                <label for=format!("comment-{code}")>{i.t("review.comment")}</label>
                                <textarea id=format!("comment-{code}") name=format!("review[comment][{code}]") rows="3" disabled=!editable aria-describedby=format!("comment-{code}-error")>{comment}</textarea>
                                <FieldError id=format!("comment-{code}-error") message=at(format!("comment-{code}")) />
                            </div>
                        </fieldset>
                    }
                }).collect_view()}
                <div class="field">
                    <label for="review-assessed_trl">{i.t("review.assessed_trl")}</label>
                    <select id="review-assessed_trl" name="review[assessed_trl]" disabled=!editable aria-describedby="review-assessed_trl-error">
                        <option value="" selected=assessed_trl.is_empty()>{i.t("form.choose")}</option>
                        {(1..=9u8).map(|t| view! { <option value=t.to_string() selected=assessed_trl == t.to_string()>{format!("TRL {t}")}</option> }).collect_view()}
                    </select>
                    <FieldError id="review-assessed_trl-error".into() message=at("assessed_trl".into()) />
                </div>
                <fieldset class="field" aria-describedby="review-confidence-error">
                    <legend>{i.t("review.confidence")}</legend>
                    {Confidence::ALL.iter().map(|c| view! {
                        <label class="checkbox"><input type="radio" name="review[confidence]" value=c.code() checked=confidence == c.code() disabled=!editable />{i.t(&format!("confidence.{}", c.code()))}</label>
                    }).collect_view()}
                    <FieldError id="review-confidence-error".into() message=at("confidence".into()) />
                </fieldset>
                {own.submitted.then(|| view! {
                    <div class="field">
                        <label for="review-justification">{i.t("review.justification")}</label>
                        <p class="field__hint" id="review-justification-hint">{i.t("review.justification_hint")}</p>
                        <textarea id="review-justification" name="review[justification]" rows="2" disabled=!editable aria-describedby="review-justification-hint review-justification-error">{again("review[justification]", String::new())}</textarea>
                        <FieldError id="review-justification-error".into() message=at("justification".into()) />
                    </div>
                })}
                <FieldError id="review-error".into() message=at(String::new()) />
                {editable.then(|| view! {
                    <div class="form-actions">
                        {(!own.submitted).then(|| view! { <button type="submit" name="intent" value="save" class="button button--quiet">{i.t("form.save")}</button> })}
                        <button type="submit" name="intent" value="submit" class="button" data-testid="submit-review">{if own.submitted { i.t("review.resubmit") } else { i.t("review.submit") }}</button>
                    </div>
                })}
            </ActionForm>
        </section>
    }
    .into_any()
}

#[component]
fn Reviews(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    if page.reviews_hidden {
        return view! { <p class="notice" data-testid="reviews-hidden">{i.t("review.others_hidden")}</p> }
            .into_any();
    }
    if page.reviews.is_empty() && page.aggregate.is_none() {
        return ().into_any();
    }
    let names: Vec<(String, String)> =
        page.criteria.iter().map(|c| (c.code.clone(), c.name.get(i.lang).to_owned())).collect();
    view! {
        <section id="reviews" aria-labelledby="reviews-heading">
            <h2 id="reviews-heading">{i.t("review.all")}</h2>
            {page.aggregate.clone().map(|a| view! {
                <p data-testid="aggregate">
                    {i.t_with("review.aggregate", &[("mean", &format!("{:.2}", a.weighted.value())), ("count", &a.reviews.to_string())])}
                    " "{if a.passes { i.t("review.passes") } else { i.t("review.fails") }}
                    {a.disagreement.then(|| view! { " "<span class="tag tag--warn">{i.t("panel.disagreement")}</span> })}
                </p>
            })}
            {page.reviews.iter().map(|r| view! {
                <article class="card review-card" data-testid="review">
                    <h3>{i.t_with("review.by", &[("reviewer", &r.reviewer)])}</h3>
                    <p class="field__hint">{r.submitted.clone().unwrap_or_default()}" · TRL "{r.assessed_trl.map(|t| t.to_string()).unwrap_or_default()}" · "{i.t(&format!("confidence.{}", r.confidence))}</p>
                    <dl class="facts">
                        {r.scores.iter().map(|s| view! {
                            <dt>{names.iter().find(|(c, _)| *c == s.code).map(|(_, n)| n.clone()).unwrap_or_default()}": "{s.score.clone()}</dt>
                            <dd class="prose-text">{s.comment.clone()}</dd>
                        }).collect_view()}
                    </dl>
                    {(!r.history.is_empty()).then(|| view! {
                        <details>
                            <summary>{i.t_with("review.revisions", &[("count", &r.revision.to_string())])}</summary>
                            <ul>{r.history.iter().map(|(at, why)| view! { <li>{format!("{at}: {why}")}</li> }).collect_view()}</ul>
                        </details>
                    })}
                </article>
            }).collect_view()}
        </section>
    }
    .into_any()
}

#[component]
fn BoardDecision(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let Some(decision) = page.decision.clone() else { return ().into_any() };
    let decide = crate::failed_form::remembered_action::<ActOnProposal>();
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if decide.value().with(|v| matches!(v, Some(Ok(_)))) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    let at = move |field: &'static str| Signal::derive(move || error_at(i, decide.value().get(), field));
    view! {
        <section id="decision" aria-labelledby="decision-heading">
            <h2 id="decision-heading">{i.t("decision.heading")}</h2>
            {(!decision.decision.is_empty()).then(|| view! {
                <p data-testid="recorded-decision"><strong>{i.t(&format!("decision.{}", decision.decision))}</strong>
                    " "{if decision.released { i.t("decision.released") } else { i.t("decision.not_released") }}</p>
                <p class="prose-text">{decision.rationale.clone()}</p>
            })}
            {page.may(Permission::RecordDecision).then(|| view! {
                <ActionForm action=decide attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="id" value=page.id.to_string() />
                    <fieldset class="field" aria-describedby="decision-error">
                        <legend>{i.t("decision.choice")}</legend>
                        {Decision::ALL.iter().map(|d| view! {
                            <label class="checkbox"><input type="radio" name="command[record_decision][decision]" value=d.code() checked=decision.decision == d.code() />{i.t(&format!("decision.{}", d.code()))}</label>
                        }).collect_view()}
                        <FieldError id="decision-error".into() message=at("decision") />
                    </fieldset>
                    <div class="field">
                        <label for="decision-rationale">{i.t("decision.rationale")}</label>
                        <textarea id="decision-rationale" name="command[record_decision][rationale]" rows="3" aria-describedby="decision-rationale-error">{decision.rationale.clone()}</textarea>
                        <FieldError id="decision-rationale-error".into() message=at("reason") />
                    </div>
                    <div class="field">
                        <label for="decision-summary">{i.t("decision.summary")}</label>
                        <p class="field__hint" id="decision-summary-hint">{i.t("decision.summary_hint")}</p>
                        <textarea id="decision-summary" name="command[record_decision][summary]" rows="4" aria-describedby="decision-summary-hint decision-summary-error">{decision.consensus_summary.clone()}</textarea>
                        <FieldError id="decision-summary-error".into() message=at("summary") />
                    </div>
                    <FieldError id="decision-form-error".into() message=at("") />
                    <button type="submit" class="button" data-testid="record-decision">{i.t("decision.record")}</button>
                </ActionForm>
            })}
        </section>
    }
    .into_any()
}

/// The consensus report: scores per criterion and the reasons, never who wrote them.
#[component]
fn Report(page: ProposalPage) -> impl IntoView {
    let i = use_i18n();
    let Some(report) = page.report.clone() else { return ().into_any() };
    view! {
        <section id="report" class="report" aria-labelledby="report-heading" data-testid="consensus-report">
            <h2 id="report-heading">{i.t("report.heading")}</h2>
            <p class="notice" data-testid="report-decision"><strong>{i.t(&format!("decision.{}", report.decision))}</strong></p>
            <h3>{i.t("report.rationale")}</h3>
            <p class="prose-text">{report.rationale.clone()}</p>
            <h3>{i.t("report.summary")}</h3>
            <p class="prose-text">{report.summary.clone()}</p>
            <p>{i.t_with("report.weighted", &[("mean", &report.weighted_mean)])}
                {(!report.assessed_trl.is_empty()).then(|| format!(" {}", i.t_with("report.assessed_trl", &[("trl", &report.assessed_trl.iter().map(u8::to_string).collect::<Vec<_>>().join(", "))])))}</p>
            {report.criteria.iter().map(|(c, median, comments)| view! {
                <section class="card">
                    <h3>{c.name.get(i.lang).to_owned()}": "{median.clone().unwrap_or_else(|| "–".into())}" / 5"</h3>
                    <p class="field__hint">{i.t_with("review.threshold", &[("threshold", &c.threshold)])}</p>
                    <ul>{comments.iter().map(|m| view! { <li class="prose-text">{m.clone()}</li> }).collect_view()}</ul>
                </section>
            }).collect_view()}
        </section>
    }
    .into_any()
}
