//! The terms editor (`/agreements/<id>/terms`): one form per section of the terms, each
//! saved on its own as a revision, with what is still missing before the version can be
//! sent and the state-aid warnings on top, and the approval plan below. Works without
//! JavaScript: a list ends in empty rows to add to, a ticked "remove" drops a row, and a
//! refused save comes back with the message at its field and everything typed still there.

use super::api::{ReviseTerms, SetApprovalPlan, get_terms_editor};
use super::model::{EditorColumn, EditorInput, EditorSection, TermsEditor};
use crate::error::AppError;
use crate::forms::Refresh;
use crate::i18n::{I18n, use_i18n};
use crate::ui::{FieldError, Loaded};
use kernel::AgreementId;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TermsEditorPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        AgreementId(params.get().get("id").and_then(|id| id.parse::<i64>().ok()).unwrap_or(0))
    });
    let refresh = RwSignal::new(0u64);
    provide_context(Refresh(refresh));
    let editor = Resource::new(move || (id.get(), refresh.get()), |(id, _)| get_terms_editor(id));
    view! {
        <Loaded resource=editor render={move |editor: TermsEditor| view! { <Editor editor /> }.into_any()} />
    }
}

/// Where a field's problem is shown: `terms-milestones-2-due` for `milestones.2.due`.
fn dom_id(field: &str) -> String {
    format!("terms-{}", field.replace('.', "-"))
}

/// The section a field of the terms belongs to, for a link to it.
fn section_of(field: &str) -> &str {
    let first = field.split(['.', '-']).next().unwrap_or(field);
    match first {
        "parties" if field.contains("signatories") => "signatories",
        "parties"
        | "researchers"
        | "contributions"
        | "background"
        | "foreground_exceptions"
        | "milestones"
        | "obligations" => first,
        "model" => "model",
        "approval" => "approval",
        _ => "general",
    }
}

#[component]
fn Editor(editor: TermsEditor) -> impl IntoView {
    let i = use_i18n();
    let heading = i.t_with("agreement.form.title", &[("title", &editor.title)]);
    let id = editor.id;
    view! {
        <Title text=heading.clone() />
        <section class="page">
            <p class="breadcrumb"><a href=format!("/agreements/{id}")>{i.t("agreement.form.back")}</a></p>
            <h1>{heading}</h1>
            <p class="lede">{i.t_with("agreement.form.lede", &[("version", &editor.version.to_string())])}</p>
            <nav aria-label=i.t("agreement.form.sections")>
                <ul class="inline-list">
                    {editor.sections.iter().map(|s| view! {
                        <li><a href=format!("#section-{}", s.code)>{i.t(&format!("agreement.section.{}", s.code))}</a></li>
                    }).collect_view()}
                    <li><a href="#section-approval">{i.t("agreement.section.approval")}</a></li>
                </ul>
            </nav>
            <Missing editor=editor.clone() />
            {editor.sections.iter().cloned().map(|section| view! {
                <SectionForm id base=editor.base.clone() section warnings=editor.warnings.clone() />
            }).collect_view()}
            <ApprovalForm editor=editor.clone() />
        </section>
    }
}

/// What keeps this version from being sent, each linked to its section; or that
/// nothing does.
#[component]
fn Missing(editor: TermsEditor) -> impl IntoView {
    let i = use_i18n();
    if editor.missing.is_empty() {
        return view! { <p class="notice notice--success" data-testid="terms-complete">{i.t("agreement.form.complete")}</p> }
            .into_any();
    }
    let model_link = format!("/agreements/{}#models-heading", editor.id);
    view! {
        <div class="notice" data-testid="terms-missing">
            <p>{i.t_with("agreement.form.missing", &[("count", &editor.missing.len().to_string())])}</p>
            <ul>
                {editor.missing.iter().map(|(field, key)| {
                    let section = section_of(field);
                    let href = if section == "model" { model_link.clone() } else { format!("#section-{section}") };
                    view! { <li><a href=href>{i.t(&format!("agreement.section.{section}"))}": "{i.t(key)}</a></li> }
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

/// The message at one field: the refusal of this section's last save, if it was there.
fn field_message(i: I18n, action: ServerAction<ReviseTerms>, field: String) -> Signal<Option<String>> {
    Signal::derive(move || match action.value().get() {
        Some(Err(AppError::Invalid { field: at, message_key })) if dom_id(&at) == field => {
            Some(i.t(&message_key))
        }
        _ => None,
    })
}

#[component]
fn SectionForm(
    id: AgreementId,
    base: String,
    section: EditorSection,
    warnings: Vec<super::model::Warning>,
) -> impl IntoView {
    let i = use_i18n();
    let code = section.code.clone();
    let mine = code.clone();
    let action = crate::failed_form::remembered_action_where::<ReviseTerms>(move |f| {
        f.typed("section") == Some(&mine)
    });
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Ok(_)))) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    // A refusal that names no field of this form (the whole list, the version) goes below it.
    let fields: Vec<String> = (0..section.rows.len())
        .flat_map(|n| section.columns.iter().map(move |c| (n, c.part.clone())))
        .map(|(n, part)| field_id(&section.code, section.single, &part, n))
        .collect();
    let general_error = Signal::derive(move || match action.value().get() {
        Some(Err(AppError::Invalid { field, message_key })) if !fields.contains(&dom_id(&field)) => {
            Some(i.t(&message_key))
        }
        Some(Err(other)) if !matches!(other, AppError::Invalid { .. }) => Some(i.t(other.message_key())),
        _ => None,
    });
    let heading_id = format!("section-{code}");
    let labelled_by = format!("{heading_id}-heading");
    let h2_id = labelled_by.clone();
    let error_id = format!("{heading_id}-error");
    let section_name = i.t(&format!("agreement.section.{code}"));
    let section_hint = i.t(&format!("agreement.section_hint.{code}"));
    let form_testid = format!("terms-{code}");
    let save_testid = format!("save-{code}");
    let show_warnings = code == "contributions" && !warnings.is_empty();
    let rows = section.rows.clone();
    let filled = section.filled;
    view! {
        <section class="form-section" id=heading_id aria-labelledby=labelled_by>
            <h2 id=h2_id>{section_name}</h2>
            <p class="field__hint">{section_hint}</p>
            {show_warnings.then(|| view! { <Warnings warnings /> })}
            <ActionForm action attr:class="form" attr:novalidate=true attr:data-testid=form_testid>
                <input type="hidden" name="id" value=id.to_string() />
                <input type="hidden" name="section" value=code.clone() />
                <input type="hidden" name="base" value=base />
                {rows.into_iter().enumerate().map(|(n, values)| {
                    let legend = if section.single {
                        None
                    } else if n < filled {
                        Some(i.t_with("agreement.form.row", &[("n", &(n + 1).to_string())]))
                    } else {
                        Some(i.t("agreement.form.new_row"))
                    };
                    let cells = section.columns.iter().zip(values).map(|(column, value)| {
                        view! { <Cell code=section.code.clone() single=section.single column=column.clone() n value action /> }
                    }).collect_view();
                    let removable = !section.single && n < filled;
                    let remove_name = format!("fields[remove-{n}]");
                    let remove_id = format!("terms-{code}-{n}-remove");
                    match legend {
                        None => view! { <div class="field-grid">{cells}</div> }.into_any(),
                        Some(legend) => view! {
                            <fieldset class="field-grid row-fieldset">
                                <legend>{legend}</legend>
                                {cells}
                                {removable.then(|| view! {
                                    <div class="field field--check">
                                        <input type="checkbox" id=remove_id.clone() name=remove_name.clone() value="true"
                                            checked=crate::failed_form::ticked_in("section", &code, &remove_name, false) />
                                        <label for=remove_id.clone()>{i.t("agreement.form.remove")}</label>
                                    </div>
                                })}
                            </fieldset>
                        }.into_any(),
                    }
                }).collect_view()}
                <FieldError id=error_id message=general_error />
                <button type="submit" class="button" data-testid=save_testid>{i.t("agreement.form.save")}</button>
            </ActionForm>
        </section>
    }
}

fn field_id(code: &str, single: bool, part: &str, n: usize) -> String {
    if single { format!("terms-{part}") } else { format!("terms-{code}-{n}-{part}") }
}

/// One value of one row: its control, label and message.
#[component]
fn Cell(
    code: String,
    single: bool,
    column: EditorColumn,
    n: usize,
    value: String,
    action: ServerAction<ReviseTerms>,
) -> impl IntoView {
    let i = use_i18n();
    let part = column.part.clone();
    let name = if single { format!("fields[{part}]") } else { format!("fields[{part}-{n}]") };
    let id = field_id(&code, single, &part, n);
    let message = field_message(i, action, id.clone());
    let error_id = format!("{id}-error");
    let value = crate::failed_form::typed_in("section", &code, &name, value);
    let label = i.t(&format!("agreement.field.{code}.{part}"));
    let invalid = move || message.get().is_some().to_string();
    let control = match column.input {
        EditorInput::Text { max } => {
            let kind = if part == "email" { "email" } else { "text" };
            view! { <input id=id.clone() name=name type=kind value=value maxlength=max.to_string() aria-describedby=error_id.clone() aria-invalid=invalid /> }.into_any()
        }
        EditorInput::Area { max } => view! {
            <textarea id=id.clone() name=name rows=if single { "4" } else { "2" } maxlength=max.to_string() aria-describedby=error_id.clone() aria-invalid=invalid>{value}</textarea>
        }.into_any(),
        EditorInput::Date => view! { <input id=id.clone() name=name type="date" value=value min="1900-01-01" max="2200-12-31" aria-describedby=error_id.clone() aria-invalid=invalid /> }.into_any(),
        EditorInput::Number => view! { <input id=id.clone() name=name type="text" inputmode="numeric" value=value maxlength="20" aria-describedby=error_id.clone() aria-invalid=invalid /> }.into_any(),
        EditorInput::Check => {
            let checked = crate::failed_form::ticked_in("section", &code, &name, !value.is_empty());
            return view! {
                <div class="field field--check">
                    <input id=id.clone() name=name type="checkbox" value="true" checked=checked aria-describedby=error_id.clone() />
                    <label for=id.clone()>{label}</label>
                    <FieldError id=error_id message />
                </div>
            }.into_any();
        }
        EditorInput::Choice { options, translated, optional } => view! {
            <select id=id.clone() name=name aria-describedby=error_id.clone() aria-invalid=invalid>
                {optional.then(|| view! { <option value="" selected=value.is_empty()>{i.t("agreement.form.none")}</option> })}
                {options.into_iter().map(|(code, text)| {
                    let text = if translated { i.t(&text) } else { text };
                    let selected = code == value;
                    view! { <option value=code selected=selected>{text}</option> }
                }).collect_view()}
            </select>
        }.into_any(),
    };
    view! {
        <div class="field" class:field--invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            {control}
            <FieldError id=error_id message />
        </div>
    }
    .into_any()
}

#[component]
fn Warnings(warnings: Vec<super::model::Warning>) -> impl IntoView {
    let i = use_i18n();
    view! {
        <div class="notice notice--warning" role="status" data-testid="state-aid-warnings">
            <h3>{i.t("agreement.aid.title")}</h3>
            <ul>{warnings.iter().map(|w| {
                let args: Vec<(&str, &str)> = w.args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                view! { <li>{i.t_with(&w.key, &args)}</li> }
            }).collect_view()}</ul>
            <p class="field__hint">{i.t("agreement.aid.explained")}</p>
        </div>
    }
}

/// Who approves internally, in which order: one choice per place in the order.
#[component]
fn ApprovalForm(editor: TermsEditor) -> impl IntoView {
    use kernel::agreement::review::{ApprovalOrder, ApprovalRole};
    let i = use_i18n();
    let action = crate::failed_form::remembered_action::<SetApprovalPlan>();
    if let Some(Refresh(refresh)) = use_context::<Refresh>() {
        Effect::new(move |_| {
            if action.value().with(|v| matches!(v, Some(Ok(_)))) {
                refresh.update(|n| *n += 1);
            }
        });
    }
    let message = Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(i.t(error.message_key())),
        _ => None,
    });
    let order = crate::failed_form::typed_or("order", editor.approval_order.clone());
    view! {
        <section class="form-section" id="section-approval" aria-labelledby="section-approval-heading">
            <h2 id="section-approval-heading">{i.t("agreement.section.approval")}</h2>
            <p class="field__hint">{i.t("agreement.section_hint.approval")}</p>
            <ActionForm action attr:class="form" attr:data-testid="terms-approval">
                <input type="hidden" name="id" value=editor.id.to_string() />
                <div class="field">
                    <label for="approval-order">{i.t("agreement.field.approval.order")}</label>
                    <select id="approval-order" name="order">
                        {ApprovalOrder::ALL.iter().map(|o| view! {
                            <option value=o.code() selected=order == o.code()>{i.t(&format!("agreement.approval_order.{}", o.code()))}</option>
                        }).collect_view()}
                    </select>
                </div>
                <div class="field-grid">
                    {(0..ApprovalRole::ALL.len()).map(|n| {
                        let name = format!("roles[role-{n}]");
                        let chosen = crate::failed_form::typed_or(&name, editor.approval_roles.get(n).cloned().unwrap_or_default());
                        let input = format!("approval-role-{n}");
                        view! {
                            <div class="field">
                                <label for=input.clone()>{i.t_with("agreement.field.approval.role", &[("n", &(n + 1).to_string())])}</label>
                                <select id=input name=name>
                                    <option value="" selected=chosen.is_empty()>{i.t("agreement.form.none")}</option>
                                    {ApprovalRole::ALL.iter().map(|r| view! {
                                        <option value=r.code() selected=chosen == r.code()>{i.t(&format!("agreement.approval_role.{}", r.code()))}</option>
                                    }).collect_view()}
                                </select>
                            </div>
                        }
                    }).collect_view()}
                </div>
                <FieldError id="approval-error".into() message />
                <button type="submit" class="button" data-testid="save-approval">{i.t("agreement.form.save")}</button>
            </ActionForm>
        </section>
    }
}

/// Translation keys the editor builds at run time (checked by the i18n tests).
pub fn dynamic_translation_keys() -> Vec<String> {
    use kernel::agreement::form::{self, Input, Section};
    use kernel::agreement::review::ApprovalOrder;
    let mut keys = vec![
        "agreement.section.approval".to_owned(),
        "agreement.section_hint.approval".to_owned(),
        "agreement.section.model".to_owned(),
    ];
    for section in Section::ALL {
        keys.push(format!("agreement.section.{}", section.code()));
        keys.push(format!("agreement.section_hint.{}", section.code()));
        for column in form::columns(*section) {
            keys.push(format!("agreement.field.{}.{}", section.code(), column.part));
            if let Input::Choice { codes, labels, .. } = column.input {
                keys.extend(codes().into_iter().map(|code| format!("{labels}{code}")));
            }
        }
    }
    keys.extend(ApprovalOrder::ALL.iter().map(|o| format!("agreement.approval_order.{}", o.code())));
    keys.extend(
        [
            "number",
            "choice",
            "unknown_person",
            "unknown_party",
            "unknown_organisation",
            "party_in_use",
            "stale",
        ]
        .map(|k| format!("agreement.form.{k}")),
    );
    keys
}
