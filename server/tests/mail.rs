//! Mail: queued with the change it tells about, sent over SMTP by the mail job, retried
//! when the server refuses, kept for the demo outbox when there is no server; reminders
//! are queued once each. On both databases, against a small SMTP server on loopback.

mod common;

use app::cohort_access::store;
use app::notifications::delivery::deliver_due;
use kernel::access::{Actor, Command};
use kernel::{CohortId, PersonId};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A loopback SMTP server that refuses the first `refuse` sessions (421) and keeps the
/// messages of the others.
struct SmtpSink {
    port: u16,
    received: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    async fn start(refuse: usize) -> SmtpSink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let store = received.clone();
        tokio::spawn(async move {
            let mut sessions = 0;
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                sessions += 1;
                let store = store.clone();
                let refused = sessions <= refuse;
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    if refused {
                        let _ = write.write_all(b"421 sink.test busy, try later\r\n").await;
                        return;
                    }
                    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(body) = data.as_mut() {
                            if line == "." {
                                store.lock().unwrap().push(data.take().unwrap_or_default());
                                let _ = write.write_all(b"250 queued\r\n").await;
                            } else {
                                body.push_str(&line);
                                body.push('\n');
                            }
                            continue;
                        }
                        let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" => b"250-sink.test\r\n250 8BITMIME\r\n",
                            "HELO" | "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                            "DATA" => {
                                data = Some(String::new());
                                b"354 go ahead\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"502 not here\r\n",
                        };
                        let _ = write.write_all(reply).await;
                    }
                });
            }
        });
        SmtpSink { port, received }
    }
}

/// An application of Sara's with David invited: one invitation mail queued.
async fn invitation_queued(db: &app::db::Db) -> i64 {
    let sara = PersonId(common::person_id(db, "Sara Lindqvist").await);
    let scapis: CohortId = sqlx::query_scalar("SELECT id FROM cohorts WHERE slug = 'scapis'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let id = store::create(db, &Actor::person(sara), "Mail test", &[scapis], now).await.unwrap();
    let invite = Command::InviteMember { email: "david.okafor@example.org".into() };
    store::execute(db, id, &Actor::person(sara), invite, now).await.unwrap();
    id
}

async fn delivery(db: &app::db::Db) -> (String, i64, Option<String>) {
    sqlx::query_as("SELECT delivery, attempts, last_error FROM notifications WHERE kind = 'member_invited'")
        .fetch_one(db.pool())
        .await
        .unwrap()
}

on_both_backends!(mail_is_sent_over_smtp_and_retried_when_the_server_refuses, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    invitation_queued(&t.db).await;
    let sink = SmtpSink::start(1).await;
    let config = app::config::PortalConfig {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", sink.port).into()),
        public_url: "https://portal.example.se".into(),
        ..common::test_config(&t.url)
    };

    // The server is busy: the message waits and is tried again later.
    let first = deliver_due(&t.db, &config).await.unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    let (state, attempts, error) = delivery(&t.db).await;
    assert_eq!((state.as_str(), attempts), ("pending", 1));
    assert!(error.is_some_and(|e| !e.is_empty()));
    assert_eq!(deliver_due(&t.db, &config).await.unwrap().failed, 0, "not due again at once");

    // Later, the server takes it; the link carries the portal's address.
    sqlx::query("UPDATE notifications SET next_attempt_at = '2000-01-01T00:00:00.000000Z'")
        .execute(t.db.pool())
        .await
        .unwrap();
    let second = deliver_due(&t.db, &config).await.unwrap();
    assert_eq!((second.sent, second.failed), (1, 0));
    assert_eq!(delivery(&t.db).await.0, "sent");
    let received = sink.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    // The body is quoted-printable: long lines are broken with a trailing `=`.
    let mail = received[0].replace("=\n", "").replace("=3D", "=");
    assert!(mail.contains("To: david.okafor@example.org"), "{mail}");
    assert!(mail.contains("https://portal.example.se/invitations/"), "{mail}");
    assert!(!mail.contains("{portal}"));
});

on_both_backends!(without_a_mail_server_mail_stays_in_the_demo_outbox_and_reminders_go_once, |t| {
    app::demo::seed_demo_without_history(&t.db, None).await.unwrap();
    let id = invitation_queued(&t.db).await;
    let config = common::test_config(&t.url);
    assert!(config.smtp_url.is_none());
    let done = deliver_due(&t.db, &config).await.unwrap();
    assert_eq!((done.sent, done.kept), (0, 1));
    assert_eq!(delivery(&t.db).await.0, "outbox");

    // Submitted eighty days ago: Uppsala's deadline is near, and the committee hears once.
    let sara = PersonId(common::person_id(&t.db, "Sara Lindqvist").await);
    let scapis: CohortId = sqlx::query_scalar("SELECT id FROM cohorts WHERE slug = 'scapis'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let then = chrono::Utc::now() - chrono::Duration::days(80);
    store::execute(
        &t.db,
        id,
        &Actor::person(sara),
        Command::CancelInvitation { email: "david.okafor@example.org".into() },
        then,
    )
    .await
    .unwrap();
    store::execute(&t.db, id, &Actor::person(sara), Command::AcceptTerms { cohort: scapis }, then)
        .await
        .unwrap();
    store::execute(&t.db, id, &Actor::person(sara), Command::Submit, then).await.unwrap();
    let now = chrono::Utc::now();
    let queued = app::cohort_access::notices::queue_reminders(&t.db, now).await.unwrap();
    let reminded: Vec<String> = sqlx::query_scalar(
        "SELECT recipient_email FROM notifications WHERE kind = 'deadline_near' ORDER BY recipient_email",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(queued, reminded.len());
    assert!(reminded.contains(&"anna.ekstrom@example.org".to_owned()), "{reminded:?}");
    assert!(!reminded.contains(&"karin.sjoberg@example.org".to_owned()), "Umeå does not decide SCAPIS");
    assert_eq!(app::cohort_access::notices::queue_reminders(&t.db, now).await.unwrap(), 0, "once only");

    // The demo outbox shows a person their own mail, with the portal's address in links.
    let app = common::TestApp::spawn(t, |_| {}).await;
    let anna = app.sign_in_as("Anna Ekström").await;
    let (status, body) = app
        .call(<app::notifications::api::DemoOutbox as leptos::server_fn::ServerFn>::PATH, &[], &anna)
        .await;
    assert_eq!(status, 200, "{body}");
    let messages: Vec<app::notifications::model::OutboxMessage> = serde_json::from_str(&body).unwrap();
    assert!(messages.iter().all(|m| m.to == "anna.ekstrom@example.org"), "only her own mail");
    assert!(messages.iter().any(|m| m.kind == "deadline_near"
        && m.body.contains(&format!("{}/applications/", app.state.config.public_url))));
    // With a mail server configured there is no outbox page.
    let production_like =
        common::TestApp::spawn(t, |c| c.smtp_url = Some("smtp://127.0.0.1:1".to_owned().into())).await;
    let anna = production_like.sign_in_as("Anna Ekström").await;
    let path = <app::notifications::api::DemoOutbox as leptos::server_fn::ServerFn>::PATH;
    assert_eq!(production_like.call(path, &[], &anna).await.0, 404);
});
