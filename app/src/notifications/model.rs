//! A notice: who gets which mail, in their language. Pure.

use crate::i18n::{Lang, translate};
use serde::{Deserialize, Serialize};

/// Links in stored mail start with this; it becomes the portal's public URL when the mail
/// is sent or shown, so a message never carries a stale host.
pub const PORTAL: &str = "{portal}";

/// A message about to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// What it is about: the translation keys are `mail.<kind>.subject` and `.body`.
    pub kind: &'static str,
    pub recipient_id: Option<i64>,
    pub email: String,
    pub lang: Lang,
    /// `{name}` placeholders in the subject and body.
    pub args: Vec<(&'static str, String)>,
    /// The record the mail is about: who is excluded from it does not read it in the outbox.
    pub about: About,
    /// A reminder is queued once per key.
    pub dedupe_key: Option<String>,
}

/// The record a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Nothing,
    Application(i64),
    Proposal(i64),
}

impl About {
    pub fn application_id(self) -> Option<i64> {
        match self {
            About::Application(id) => Some(id),
            _ => None,
        }
    }

    pub fn proposal_id(self) -> Option<i64> {
        match self {
            About::Proposal(id) => Some(id),
            _ => None,
        }
    }
}

impl Notice {
    /// Subject and body in the recipient's language.
    pub fn render(&self) -> (String, String) {
        let fill = |key: &str| {
            let mut text = translate(self.lang, key);
            for (name, value) in &self.args {
                text = text.replace(&format!("{{{name}}}"), value);
            }
            text
        };
        let body = format!("{}\n\n{}", fill(&format!("mail.{}.body", self.kind)), fill("mail.footer"));
        (fill(&format!("mail.{}.subject", self.kind)), body)
    }
}

/// Every kind of notice (their texts are translated; a test checks).
pub const KINDS: &[&str] = &[
    "member_invited",
    "submitted",
    "submitted_committee",
    "resubmitted_committee",
    "returned",
    "approved",
    "rejected",
    "remark",
    "reviewer_invited",
    "extension_requested",
    "extension_granted",
    "extension_refused",
    "revoked",
    "expired",
    "deadline_near",
    "access_expiring",
    "progress_report_due",
    "proposal_submitted",
    "proposal_ineligible",
    "proposal_invited",
    "proposal_decision",
    "proposal_review_assigned",
];

/// A message as the outbox page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub delivery: String,
}

/// Hides the secret part of invitation links: for mail that went out, and for mail shown to
/// someone it was not sent to.
pub fn redact_invitation_links(text: &str) -> String {
    let marker = "/invitations/";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let token_end = after.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(after.len());
        out.push('…');
        rest = &after[token_end..];
    }
    out.push_str(rest);
    out
}

/// Replaces the portal placeholder with the public URL.
pub fn with_portal_url(text: &str, public_url: &str) -> String {
    text.replace(PORTAL, public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_renders_in_its_language_with_its_values() {
        let notice = Notice {
            kind: "returned",
            recipient_id: Some(1),
            email: "sara@example.org".into(),
            lang: Lang::En,
            args: vec![
                ("title", "Heart study".into()),
                ("node", "Umeå".into()),
                ("questions", "Which registers?".into()),
                ("link", format!("{PORTAL}/applications/7")),
            ],
            about: About::Application(7),
            dedupe_key: None,
        };
        let (subject, body) = notice.render();
        assert!(subject.contains("Heart study"), "{subject}");
        assert!(body.contains("Which registers?") && body.contains("{portal}/applications/7"), "{body}");
        assert!(!body.contains("{title}") && !subject.contains('{'), "every placeholder is filled: {body}");
        assert_eq!(
            with_portal_url(&body, "https://portal.example.se/")
                .matches("https://portal.example.se/applications/7")
                .count(),
            1
        );
        let swedish = Notice { lang: Lang::Sv, ..notice };
        assert_ne!(swedish.render().0, subject);
    }

    #[test]
    fn invitation_links_lose_their_token_when_redacted() {
        let text = "Join: {portal}/invitations/0a1b2c3d4e5f then see {portal}/applications/7";
        assert_eq!(
            redact_invitation_links(text),
            "Join: {portal}/invitations/… then see {portal}/applications/7"
        );
    }

    #[test]
    fn every_kind_has_its_texts_in_both_languages() {
        for kind in KINDS {
            for lang in Lang::ALL {
                for part in ["subject", "body"] {
                    let key = format!("mail.{kind}.{part}");
                    assert_ne!(translate(lang, &key), key, "{key} missing in {lang:?}");
                }
            }
        }
    }
}
