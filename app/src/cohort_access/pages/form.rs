//! The application form: sections with a progress indicator, saved as the applicant types
//! (after a pause and when a field is left) and with a button; submitting checks it all
//! and names each problem at its field. Committees read the submitted version, with the
//! fields that changed since the version before marked.

use crate::cohort_access::api::SaveApplication;
use crate::cohort_access::form::{ApplicationForm, DataForm, PURPOSES, SECTIONS};
use crate::cohort_access::model::ApplicationPage;
use crate::forms::Autosave;
use crate::i18n::{I18n, use_i18n};
use crate::ui::{Field, FieldError, FieldKind, ProblemList, Progress};
use leptos::prelude::*;

/// The message shown at a field: the last save's refusal there, else the problem the
/// submission check found.
fn field_message(
    i: I18n,
    problems: &[(String, String)],
    save: ServerAction<SaveApplication>,
    field: &'static str,
) -> Signal<Option<String>> {
    let problem = problems.iter().find(|(f, _)| f == field).map(|(_, key)| i.t(key));
    Signal::derive(move || crate::forms::error_at(i, save.value().get(), field).or_else(|| problem.clone()))
}

#[component]
pub fn ApplicationFormView(page: ApplicationPage, upload_error: Option<String>) -> impl IntoView {
    let i = use_i18n();
    let id = page.id;
    if !page.viewer.can_edit {
        return view! { <FormReadOnly page /> }.into_any();
    }
    let save = crate::failed_form::remembered_action::<SaveApplication>();
    let autosave = crate::failed_form::remembered_action::<SaveApplication>();
    if let Some(super::commands::Refresh(refresh)) = use_context::<super::commands::Refresh>() {
        // A submission changes the whole application: show it anew.
        Effect::new(move |_| {
            if save.value().with(|v| matches!(v, Some(Ok(outcome)) if outcome.submitted)) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    let form_ref = NodeRef::<leptos::html::Form>::new();
    let autosaver = Autosave::new(form_ref, autosave);
    let status = crate::forms::save_status(i, save, autosave, page.last_saved.clone());
    let problems = StoredValue::new(page.problems.clone());
    let message = move |field: &'static str| problems.with_value(|p| field_message(i, p, save, field));
    let form = page.form.clone();
    let (purpose, disease) = form.purpose_choice();
    let field = move |field: &'static str, kind: FieldKind, value: String, required: bool| {
        let hint_key = format!("form.hint.{field}");
        let hint = (i.t(&hint_key) != hint_key).then(|| i.t(&hint_key));
        view! {
            <Field id=format!("form-{field}") name=format!("form[{field}]") label=i.t(&format!("form.field.{field}")) kind value
                message=message(field) hint=hint required />
        }
    };
    let attachment =
        form.ethics_decision_attachment.and_then(|a| page.attachments.iter().find(|x| x.id == a)).cloned();
    let ethics_required = page.ethics_required;
    let pub_required = page.publication_plan_required;
    let is_applicant = page.viewer.is_applicant;
    view! {
        <ProblemList problems=page.problems.clone() id_prefix="form" label_prefix="form.field" />
        <Progress sections=page.sections.clone() prefix="form.section" />
        // The upload is a form of its own (files go as multipart to a plain route); its
        // controls sit in the ethics section below through their `form` attribute.
        <form id="ethics-upload" method="post" enctype="multipart/form-data" action=format!("/applications/{id}/attachments")></form>
        <ActionForm action=save node_ref=form_ref attr:class="form application-form" attr:novalidate=true attr:id="application-form"
            on:input=move |_| autosaver.schedule(1500) on:focusout=move |ev| autosaver.left_field(ev)
            on:submit=move |_| autosaver.cancel()>
            <input type="hidden" name="id" value=id.to_string() />
            <fieldset class="form-section" id="section-project">
                <legend>{i.t("form.section.project")}</legend>
                {field("title", FieldKind::Text, form.title.clone(), true)}
                {field("lay_summary", FieldKind::Area, form.lay_summary.clone(), true)}
                {field("scientific_abstract", FieldKind::Area, form.scientific_abstract.clone(), true)}
                <fieldset class="field" id="form-purpose" aria-describedby="form-purpose-error">
                    <legend>{i.t("form.field.purpose")}</legend>
                    {PURPOSES.iter().map(|p| view! {
                        <label class="checkbox"><input type="radio" name="form[purpose]" value=*p checked=purpose == *p />{i.t(&format!("purpose.{p}"))}</label>
                    }).collect_view()}
                    <div class="field field--nested">
                        <label for="form-disease">{i.t("form.field.disease")}</label>
                        <input id="form-disease" name="form[disease]" value=disease maxlength=crate::forms::limits::SHORT />
                    </div>
                    <FieldError id="form-purpose-error".into() message=message("purpose") />
                </fieldset>
                <div class="field">
                    <label class="checkbox"><input type="checkbox" name="form[for_profit]" value="true" checked=form.for_profit />{i.t("form.field.for_profit")}</label>
                </div>
                {field("funding", FieldKind::Area, form.funding.clone(), false)}
                {field("publication_plan", FieldKind::Area, form.publication_plan.clone(), pub_required)}
            </fieldset>
            <fieldset class="form-section" id="section-data">
                <legend>{i.t("form.section.data")}</legend>
                {field("data_categories", FieldKind::Area, form.data_categories.clone(), true)}
                {field("selection_criteria", FieldKind::Area, form.selection_criteria.clone(), true)}
                {field("linkage", FieldKind::Area, form.linkage.clone(), false)}
                <fieldset class="field" id="form-data_form" aria-describedby="form-data_form-error">
                    <legend>{i.t("form.field.data_form")}</legend>
                    {[("pseudonymised", DataForm::Pseudonymised), ("anonymised", DataForm::Anonymised)].into_iter().map(|(code, value)| view! {
                        <label class="checkbox"><input type="radio" name="form[data_form]" value=code checked=form.data_form == Some(value) />{i.t(&format!("data_form.{code}"))}</label>
                    }).collect_view()}
                    <FieldError id="form-data_form-error".into() message=message("data_form") />
                </fieldset>
                {field("data_form_reason", FieldKind::Area, form.data_form_reason.clone(), true)}
                {field("period_start", FieldKind::Date, form.period_start.clone(), true)}
                {field("period_end", FieldKind::Date, form.period_end.clone(), true)}
            </fieldset>
            <fieldset class="form-section" id="section-processing">
                <legend>{i.t("form.section.processing")}</legend>
                {field("processing_location", FieldKind::Text, form.processing_location.clone(), true)}
                {field("safeguards", FieldKind::Area, form.safeguards.clone(), true)}
            </fieldset>
            <fieldset class="form-section" id="section-ethics">
                <legend>{i.t("form.section.ethics")}</legend>
                <p class="field__hint">{if ethics_required { i.t("form.ethics_required") } else { i.t("form.ethics_when") }}</p>
                {field("ethics_reference", FieldKind::Text, form.ethics_reference.clone(), ethics_required)}
                {field("ethics_decision_date", FieldKind::Date, form.ethics_decision_date.clone(), ethics_required)}
                <div class="field" id="form-ethics_decision_attachment">
                    <label for="ethics-file">{i.t("form.field.ethics_decision_attachment")}</label>
                    <p class="field__hint" id="ethics-file-hint">{i.t("form.hint.ethics_decision_attachment")}</p>
                    {attachment.map(|a| view! {
                        <p data-testid="ethics-attachment">
                            <a href=format!("/applications/{id}/attachments/{}", a.id)>{a.filename.clone()}</a>
                            {format!(" ({} kB)", (a.size_bytes + 1023) / 1024)}
                        </p>
                    })}
                    <input id="ethics-file" type="file" name="file" accept="application/pdf" form="ethics-upload"
                        aria-describedby="ethics-file-hint form-ethics_decision_attachment-error" />
                    <button type="submit" class="button button--quiet" form="ethics-upload" data-testid="upload-ethics">{i.t("form.upload")}</button>
                    <FieldError id="form-ethics_decision_attachment-error".into() message=Signal::derive({
                        let upload = upload_error.clone().map(|e| i.t(&format!("upload.{e}")));
                        let problem = message("ethics_decision_attachment");
                        move || upload.clone().or_else(|| problem.get())
                    }) />
                </div>
            </fieldset>
            <p class="form-status" role="status" aria-live="polite" data-testid="save-status">{status}</p>
            <div class="form-actions">
                <button type="submit" name="intent" value="save" class="button button--quiet" data-testid="save-draft">{i.t("form.save")}</button>
                {is_applicant.then(|| view! {
                    <button type="submit" name="intent" value="submit" class="button" data-testid="submit-application">{i.t("form.submit")}</button>
                })}
            </div>
        </ActionForm>
    }
    .into_any()
}

/// The form as submitted, to read: changed fields marked.
#[component]
fn FormReadOnly(page: ApplicationPage) -> impl IntoView {
    let i = use_i18n();
    let form: ApplicationForm = page.form.clone();
    let value = |field: &str| -> String {
        match field {
            "purpose" => {
                let (purpose, disease) = form.purpose_choice();
                if purpose.is_empty() {
                    String::new()
                } else if disease.is_empty() {
                    i.t(&format!("purpose.{purpose}"))
                } else {
                    format!("{}: {disease}", i.t(&format!("purpose.{purpose}")))
                }
            }
            "for_profit" => {
                if form.for_profit {
                    i.t("form.yes")
                } else {
                    i.t("form.no")
                }
            }
            "data_form" => form
                .data_form
                .map(|d| {
                    i.t(&format!(
                        "data_form.{}",
                        match d {
                            DataForm::Pseudonymised => "pseudonymised",
                            DataForm::Anonymised => "anonymised",
                        }
                    ))
                })
                .unwrap_or_default(),
            "ethics_decision_attachment" => form
                .ethics_decision_attachment
                .and_then(|a| page.attachments.iter().find(|x| x.id == a))
                .map(|a| a.filename.clone())
                .unwrap_or_default(),
            other => serde_json::to_value(&form)
                .ok()
                .and_then(|v| v.get(other).and_then(|x| x.as_str().map(str::to_owned)))
                .unwrap_or_default(),
        }
    };
    let changed = page.changed_fields.clone();
    let compared = page.compared_versions;
    let attachment_link =
        form.ethics_decision_attachment.map(|a| format!("/applications/{}/attachments/{a}", page.id));
    view! {
        {compared.map(|(older, newer)| view! {
            <p class="notice" data-testid="changed-summary">
                {i.t_with("form.changed_since", &[("older", &older.to_string()), ("newer", &newer.to_string()), ("count", &changed.len().to_string())])}
                " "{changed.iter().map(|f| i.t(&format!("form.field.{f}"))).collect::<Vec<_>>().join(", ")}
            </p>
        })}
        {SECTIONS.iter().map(|(section, fields)| view! {
            <section class="form-section form-section--read" id=format!("section-{section}") aria-labelledby=format!("section-{section}-heading")>
                <h3 id=format!("section-{section}-heading")>{i.t(&format!("form.section.{section}"))}</h3>
                <dl class="facts">
                    {fields.iter().map(|field| {
                        let is_changed = changed.iter().any(|c| c == field);
                        let text = value(field);
                        let link = (*field == "ethics_decision_attachment").then(|| attachment_link.clone()).flatten();
                        view! {
                            <dt class:changed=is_changed>
                                {i.t(&format!("form.field.{field}"))}
                                {is_changed.then(|| view! { <span class="tag tag--warn" data-testid=format!("changed-{field}")>{i.t("form.changed")}</span> })}
                            </dt>
                            <dd class="prose-text">
                                {match link {
                                    Some(href) if !text.is_empty() => view! { <a href=href>{text}</a> }.into_any(),
                                    _ => view! { {if text.is_empty() { "–".to_owned() } else { text }} }.into_any(),
                                }}
                            </dd>
                        }
                    }).collect_view()}
                </dl>
            </section>
        }).collect_view()}
    }
    .into_any()
}
