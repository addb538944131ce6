//! The demo outbox page: the mail the portal would have sent, clearly labelled as a demo.

use super::api::demo_outbox;
use super::model::OutboxMessage;
use crate::i18n::{display_utc, use_i18n};
use crate::ui::Loaded;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let i = use_i18n();
    let messages = Resource::new(|| (), |_| demo_outbox());
    view! {
        <Title text=i.t("outbox.title") />
        <section class="page">
            <h1>{i.t("outbox.title")}</h1>
            <p class="notice notice--demo" data-testid="outbox-demo-notice">{i.t("outbox.demo_notice")}</p>
            <Loaded resource=messages render={move |messages: Vec<OutboxMessage>| {
                if messages.is_empty() {
                    return view! { <p>{i.t("outbox.empty")}</p> }.into_any();
                }
                view! {
                    <ol class="outbox" data-testid="outbox">
                        {messages.into_iter().map(|message| view! {
                            <li class="outbox__message">
                                <article aria-labelledby=format!("mail-{}", message.id)>
                                    <h2 class="outbox__subject" id=format!("mail-{}", message.id)>{message.subject.clone()}</h2>
                                    <p class="outbox__meta">
                                        {i.t_with("outbox.meta", &[("to", &message.to), ("at", &display_utc(&message.created_at))])}
                                        " · "{i.t(&format!("outbox.delivery.{}", message.delivery))}
                                    </p>
                                    <MailBody text=message.body.clone() />
                                </article>
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }} />
        </section>
    }
}

/// A plain-text body with its web addresses as links.
#[component]
fn MailBody(text: String) -> impl IntoView {
    view! {
        <div class="outbox__body">
            {text.split('\n').map(|line| {
                let words = line.split(' ').map(|word| {
                    if word.starts_with("http://") || word.starts_with("https://") {
                        view! { <a href=word.to_owned()>{word.to_owned()}</a>" " }.into_any()
                    } else {
                        view! { {format!("{word} ")} }.into_any()
                    }
                }).collect_view();
                view! { <p>{words}</p> }
            }).collect_view()}
        </div>
    }
}

/// Translation keys built at run time here.
pub fn dynamic_translation_keys() -> Vec<String> {
    ["pending", "sent", "outbox", "failed"].iter().map(|d| format!("outbox.delivery.{d}")).collect()
}
