//! The demo outbox's server function.

use super::model::OutboxMessage;
use crate::error::AppError;
use leptos::prelude::*;

/// Mail the portal would have sent to the viewer (administrators see everyone's), with the
/// portal's address in its links. Only where no mail server is configured.
#[server]
pub async fn demo_outbox() -> Result<Vec<OutboxMessage>, AppError> {
    use crate::identity::model::Role;
    use crate::policy::Action;
    use crate::request::authorize;
    let (state, person) = authorize(Action::ReadDemoOutbox).await?;
    let person = person.ok_or(AppError::NotSignedIn)?;
    let recipient =
        (!person.has_role(Role::Administrator)).then_some((person.id.get(), person.email.as_deref()));
    let mut messages = super::store::outbox(&state.db, person.id.get(), recipient, 200).await?;
    let own = |to: &str| person.email.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(to));
    for message in &mut messages {
        if !own(&message.to) {
            // An administrator reads everyone's mail, but joins nobody's team with it.
            message.body = super::model::redact_invitation_links(&message.body);
        }
        message.subject = super::model::with_portal_url(&message.subject, &state.config.public_url);
        message.body = super::model::with_portal_url(&message.body, &state.config.public_url);
    }
    Ok(messages)
}
