//! The one event timeline: what happened to a thing, in order, each line with who and when.

use crate::i18n::use_i18n;
use crate::timeline::TimelineEntry;
use leptos::prelude::*;

/// The entries, newest first, as an ordered list named by `label`.
#[component]
pub fn Timeline(entries: Vec<TimelineEntry>, #[prop(into)] label: String) -> impl IntoView {
    let i = use_i18n();
    view! {
        <ol class="timeline" aria-label=label data-testid="timeline">
            {entries.into_iter().rev().map(|entry| {
                let args: Vec<(&str, &str)> = entry.args.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                let line = i.t_with(&format!("timeline.{}", entry.kind), &args);
                let who = entry.actor.clone().unwrap_or_else(|| i.t("audit.system"));
                view! {
                    <li class="timeline__item" class:timeline__item--internal=entry.internal data-kind=entry.kind.clone()>
                        <p class="timeline__line">
                            <strong>{line}</strong>
                            {entry.internal.then(|| view! { <span class="tag tag--muted">{i.t("timeline.internal")}</span> })}
                        </p>
                        <p class="timeline__meta">
                            {who}" · "<time datetime=entry.at_iso.clone()>{entry.at.clone()}</time>
                        </p>
                        {entry.text.clone().map(|text| view! { <p class="timeline__text">{text}</p> })}
                    </li>
                }
            }).collect_view()}
        </ol>
    }
}
