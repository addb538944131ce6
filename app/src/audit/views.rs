//! The administrators' audit page: filter by actor, action, subject and dates; see the
//! state of the hash chain.

use super::api::{ChainStatus, audit_chain_status, audit_trail};
use super::model::{AuditFilter, AuditPage};
use crate::error::AppError;
use crate::i18n::{I18n, use_i18n};
use crate::ui::{DataTable, Loaded, Pager, TableName};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The filter in the address bar, so a filtered view can be shared and the back button works.
fn filter_from_query() -> Memo<AuditFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        let query = query.get();
        let text = |key: &str| query.get(key).filter(|v| !v.trim().is_empty());
        AuditFilter {
            actor: text("actor"),
            action: text("action"),
            subject_kind: text("subject_kind"),
            from_date: text("from"),
            to_date: text("to"),
            page: query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1),
        }
    })
}

fn page_href(filter: &AuditFilter, page: u32) -> String {
    let mut filter = filter.clone();
    filter.page = page;
    let query: Vec<String> =
        filter.query_pairs().into_iter().map(|(k, v)| format!("{k}={}", urlencode(&v))).collect();
    if query.is_empty() { "/admin/audit".into() } else { format!("/admin/audit?{}", query.join("&")) }
}

pub(crate) fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn AuditTrailPage() -> impl IntoView {
    let i = use_i18n();
    let filter = filter_from_query();
    let trail = Resource::new(move || filter.get(), audit_trail);
    let chain = Resource::new(|| (), |_| audit_chain_status());
    // A refused filter shows at its field, with the form to correct it.
    let refused_filter = Callback::new(move |error: AppError| {
        let AppError::Invalid { field, message_key } = error else { return Err(error) };
        let empty = AuditPage { entries: vec![], total: 0, page: 1, actions: vec![], subject_kinds: vec![] };
        Ok(view! { <AuditFilterForm filter=filter.get_untracked() page=empty error=Some((field, message_key)) /> }
            .into_any())
    });
    view! {
        <Title text=i.t("audit.title") />
        <section class="page">
            <h1>{i.t("audit.title")}</h1>
            <p>{i.t("audit.intro")}</p>
            <Loaded resource=chain render={move |status: ChainStatus| match status.broken_at {
                None => view! {
                    <p class="notice notice--ok" data-testid="chain-status">
                        {i.t_with("audit.chain_ok", &[("count", &status.rows_checked.to_string())])}
                    </p>
                }.into_any(),
                Some(id) => view! {
                    <p class="notice notice--error" role="alert" data-testid="chain-status">
                        {i.t_with("audit.chain_broken", &[("id", &id.to_string())])}
                    </p>
                }.into_any(),
            }} />
            <Loaded resource=trail recover=refused_filter render={move |page: AuditPage| {
                let current = filter.get_untracked();
                view! { <AuditFilterForm filter=current.clone() page=page.clone() error=None /> <AuditTable filter=current page /> }.into_any()
            }} />
        </section>
    }
}

fn options(i: I18n, values: Vec<String>, selected: Option<String>, tr_prefix: &'static str) -> impl IntoView {
    let any = i.t("audit.any");
    view! {
        <option value="" selected=selected.is_none()>{any}</option>
        {values.into_iter().map(|value| {
            let label = crate::i18n::translate_or(i.lang, &format!("{tr_prefix}{value}"), &value);
            view! { <option value=value.clone() selected=selected.as_deref() == Some(value.as_str())>{label}</option> }
        }).collect_view()}
    }
}

#[component]
fn AuditFilterForm(filter: AuditFilter, page: AuditPage, error: Option<(String, String)>) -> impl IntoView {
    let i = use_i18n();
    let error_for = move |field: &str| error.as_ref().filter(|(f, _)| f == field).map(|(_, key)| i.t(key));
    let from_error = error_for("from");
    let to_error = error_for("to");
    view! {
        <form method="get" action="/admin/audit" class="filters" aria-label=i.t("audit.filter")>
            <div class="field">
                <label for="audit-actor">{i.t("audit.actor")}</label>
                <input id="audit-actor" name="actor" type="search" value=filter.actor.clone().unwrap_or_default() />
            </div>
            <div class="field">
                <label for="audit-action">{i.t("audit.action")}</label>
                <select id="audit-action" name="action">{options(i, page.actions, filter.action.clone(), "audit.action.")}</select>
            </div>
            <div class="field">
                <label for="audit-kind">{i.t("audit.subject")}</label>
                <select id="audit-kind" name="subject_kind">{options(i, page.subject_kinds, filter.subject_kind.clone(), "audit.kind.")}</select>
            </div>
            <DateField id="audit-from" name="from" label=i.t("audit.from") value=filter.from_date.clone() error=from_error />
            <DateField id="audit-to" name="to" label=i.t("audit.to") value=filter.to_date.clone() error=to_error />
            <div class="field field--actions">
                <button type="submit" class="button">{i.t("audit.apply")}</button>
                <a href="/admin/audit">{i.t("audit.clear")}</a>
            </div>
        </form>
    }
}

#[component]
fn DateField(
    id: &'static str,
    name: &'static str,
    label: String,
    value: Option<String>,
    error: Option<String>,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let invalid = error.is_some();
    view! {
        <div class="field" class:field--invalid=invalid>
            <label for=id>{label}</label>
            <input
                id=id
                name=name
                type="date"
                value=value.unwrap_or_default()
                aria-invalid=invalid.then_some("true")
                aria-describedby=invalid.then(|| error_id.clone())
            />
            {error.map(|message| view! { <p class="field__error" id=error_id>{message}</p> })}
        </div>
    }
}

#[component]
fn AuditTable(filter: AuditFilter, page: AuditPage) -> impl IntoView {
    let i = use_i18n();
    let page_count = page.page_count();
    let current = page.page;
    let caption = i.t_with(
        "audit.caption",
        &[
            ("count", &page.total.to_string()),
            ("page", &current.to_string()),
            ("pages", &page_count.to_string()),
        ],
    );
    view! {
        <DataTable name=TableName::Caption { id: "audit-caption", text: caption } testid="audit-table">
            <thead>
                <tr>
                    <th scope="col">"#"</th>
                    <th scope="col">{i.t("audit.time")}</th>
                    <th scope="col">{i.t("audit.actor")}</th>
                    <th scope="col">{i.t("audit.action")}</th>
                    <th scope="col">{i.t("audit.subject")}</th>
                    <th scope="col">{i.t("audit.change")}</th>
                    <th scope="col">{i.t("audit.summary")}</th>
                </tr>
            </thead>
            <tbody>
                {page.entries.into_iter().map(|entry| {
                    let (id, actor_name) = (entry.id, entry.actor_name);
                    let entry = entry.event;
                    let change = match (&entry.from_state, &entry.to_state) {
                        (None, None) => String::new(),
                        (from, to) => format!("{} → {}", from.as_deref().unwrap_or("–"), to.as_deref().unwrap_or("–")),
                    };
                    let action = crate::i18n::translate_or(i.lang, &format!("audit.action.{}", entry.action), &entry.action);
                    let summary = [entry.summary.clone(), entry.reason.clone()].into_iter().flatten().collect::<Vec<_>>().join(" — ");
                    view! {
                        <tr>
                            <td>{id}</td>
                            <td><time datetime=entry.occurred_at.clone()>{crate::i18n::display_utc(&entry.occurred_at)}</time></td>
                            <td>{actor_name.unwrap_or_else(|| i.t("audit.system"))}</td>
                            <td>{action}</td>
                            <td>{format!("{} {}", entry.subject_kind, entry.subject_id)}</td>
                            <td>{change}</td>
                            <td>{summary}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </DataTable>
        <Pager
            label=i.t("audit.pages")
            previous=(current > 1).then(|| (page_href(&filter, current - 1), i.t("audit.newer")))
            next=(current < page_count).then(|| (page_href(&filter, current + 1), i.t("audit.older")))
        />
    }
}
