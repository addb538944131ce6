//! Sends queued mail over SMTP (lettre). Runs as the `mail_delivery` job on whichever
//! replica holds its lease, so a message is not sent twice by two replicas.

use super::model::with_portal_url;
use super::store::{self, DueMessage, Outcome};
use crate::config::PortalConfig;
use crate::db::Db;
use chrono::Utc;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

/// Messages tried per run: few enough that a run ends well inside the job's lease (each
/// attempt may take up to the 20-second timeout), so no other replica sends them again.
const BATCH: i64 = 10;

/// What one run did: (sent, kept in the outbox, failed attempts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub sent: usize,
    pub kept: usize,
    pub failed: usize,
}

fn message(config: &PortalConfig, due: &DueMessage) -> Result<Message, String> {
    let from: Mailbox = config.mail_from.parse().map_err(|e| format!("mail_from: {e}"))?;
    let to: Mailbox = due.recipient_email.parse().map_err(|e| format!("recipient: {e}"))?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(with_portal_url(&due.subject, &config.public_url))
        .header(ContentType::TEXT_PLAIN)
        .body(with_portal_url(&due.body, &config.public_url))
        .map_err(|e| e.to_string())
}

/// Sends what is due; without a mail server, moves it to the outbox.
pub async fn deliver_due(db: &Db, config: &PortalConfig) -> Result<Delivered, sqlx::Error> {
    let now = Utc::now();
    let due = store::due(db, now, BATCH).await?;
    let mut done = Delivered::default();
    if due.is_empty() {
        return Ok(done);
    }
    let transport = match &config.smtp_url {
        None => None,
        Some(url) => match AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret()) {
            Ok(builder) => Some(builder.timeout(Some(std::time::Duration::from_secs(20))).build()),
            Err(error) => {
                tracing::error!(%error, "the mail server URL cannot be used");
                None
            }
        },
    };
    for message_row in &due {
        let outcome = match (&config.smtp_url, &transport) {
            (None, _) => Outcome::KeptInOutbox,
            (Some(_), None) => Outcome::Failed("the mail server URL cannot be used".into()),
            (Some(_), Some(transport)) => match message(config, message_row) {
                Err(error) => Outcome::Failed(error),
                Ok(mail) => match transport.send(mail).await {
                    Ok(_) => Outcome::Sent,
                    Err(error) => Outcome::Failed(error.to_string()),
                },
            },
        };
        match &outcome {
            Outcome::Sent => done.sent += 1,
            Outcome::KeptInOutbox => done.kept += 1,
            Outcome::Failed(error) => {
                tracing::warn!(id = message_row.id, %error, "mail not delivered; will retry");
                done.failed += 1;
            }
        }
        store::record_attempt(db, message_row, &outcome, Utc::now()).await?;
    }
    Ok(done)
}
