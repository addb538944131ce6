//! Signing: who signs a version (each party's signatories, and each named researcher's
//! undertaking to their university), in what order (the server enforces it: an order
//! kept only in e-mails does not stop a copied link, DocuSeal #481), the re-authentication
//! rule, and the evidence each signature keeps, hash-chained to the one before.
//!
//! A signature is a simple electronic signature with strong evidence (eIDAS Art. 25): a
//! fresh sign-in at the identity provider, the SHA-256 of the exact text, and an
//! append-only chain of records in which any change shows.

use crate::ids::{OrganisationId, PersonId};
use crate::workflow::text_fits;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::canonical::sha256_hex;
use super::model::PartyKind;
use super::terms::{Authority, Terms};

/// How long a signing request stays good: the sign-in must come back within it.
pub const SIGNING_WINDOW_MINUTES: i64 = 15;
/// Longest issuer, subject, nonce or authentication context.
pub const MAX_CLAIM: usize = 500;
/// Longest user agent.
pub const MAX_USER_AGENT: usize = 1_000;
/// Longest IP address as text.
pub const MAX_IP: usize = 100;
/// The most authentication methods (`amr`) a signature keeps.
pub const MAX_METHODS: usize = 10;

/// In what capacity a person signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "capacity")]
pub enum Capacity {
    /// For a party, binding it.
    Party { organisation: OrganisationId },
    /// A researcher's undertaking to their university (lärarundantaget).
    Undertaking { university: OrganisationId },
}

impl Capacity {
    pub fn organisation(self) -> OrganisationId {
        match self {
            Capacity::Party { organisation } | Capacity::Undertaking { university: organisation } => {
                organisation
            }
        }
    }
}

/// One signature a version needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub signer: PersonId,
    pub name: String,
    pub capacity: Capacity,
    pub authority: Option<Authority>,
    /// Signing step; undertakings have none (they come before their university signs).
    pub step: Option<u8>,
}

/// Every signature the terms need: the signatories in party order, then the undertakings.
pub fn slots(terms: &Terms) -> Vec<Slot> {
    let parties = terms.parties.iter().flat_map(|party| {
        party.signatories.iter().map(move |s| Slot {
            signer: s.person,
            name: s.name.trim().to_owned(),
            capacity: Capacity::Party { organisation: party.organisation },
            authority: Some(s.authority),
            step: Some(s.step),
        })
    });
    let undertakings = terms.researchers.iter().map(|r| Slot {
        signer: r.person,
        name: r.name.trim().to_owned(),
        capacity: Capacity::Undertaking { university: r.university },
        authority: None,
        step: None,
    });
    parties.chain(undertakings).collect()
}

/// Who must sign before this slot and has not: every signatory of a lower step, and, for
/// a university, every undertaking of its researchers (it cannot grant rights to results
/// its researchers own until they have).
pub fn waiting_for(terms: &Terms, slot: &Slot, signed: &BTreeSet<(PersonId, Capacity)>) -> Vec<PersonId> {
    let Some(step) = slot.step else { return Vec::new() };
    let organisation = slot.capacity.organisation();
    let university = terms.party(organisation).is_some_and(|p| p.kind == PartyKind::University);
    let mut waiting: Vec<PersonId> = slots(terms)
        .into_iter()
        .filter(|other| !signed.contains(&(other.signer, other.capacity)))
        .filter(|other| match (other.step, other.capacity) {
            (Some(s), _) => s < step,
            (None, Capacity::Undertaking { university: u }) => university && u == organisation,
            (None, Capacity::Party { .. }) => false,
        })
        .map(|other| other.signer)
        .collect();
    let mut seen = BTreeSet::new();
    waiting.retain(|person| seen.insert(*person));
    waiting
}

/// The signing request the portal recorded before sending the signer to sign in again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningRequest {
    pub version: u32,
    pub hash: String,
    pub nonce: String,
    pub requested_at: DateTime<Utc>,
}

/// What the identity provider's ID token said (nonce and subject verified by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Authentication {
    pub issuer: String,
    pub subject: String,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    pub auth_time: DateTime<Utc>,
}

/// Where the signature came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

/// Why a sign-in does not count as the fresh one a signature needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Reauthentication {
    #[error("the sign-in is older than the signing request")]
    BeforeRequest,
    #[error("the sign-in time is in the future")]
    InFuture,
    #[error("the signing request is in the future")]
    RequestInFuture,
    #[error("the signing request has expired")]
    RequestExpired,
}

impl Reauthentication {
    pub fn message_key(self) -> &'static str {
        match self {
            Reauthentication::BeforeRequest => "agreement.sign.refused.stale_sign_in",
            Reauthentication::InFuture => "agreement.sign.refused.future_sign_in",
            Reauthentication::RequestInFuture | Reauthentication::RequestExpired => {
                "agreement.sign.refused.request_expired"
            }
        }
    }
}

/// The re-authentication rule: the identity provider's `auth_time` falls after the
/// signing request and not after now, and the request is recent. The prompt to sign in
/// again can be stripped in the browser, so the time is what counts. `auth_time` has
/// whole seconds, so it is compared with the request's second.
pub fn reauthenticated(
    requested_at: DateTime<Utc>,
    auth_time: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), Reauthentication> {
    if requested_at > now {
        return Err(Reauthentication::RequestInFuture);
    }
    if now - requested_at > Duration::minutes(SIGNING_WINDOW_MINUTES) {
        return Err(Reauthentication::RequestExpired);
    }
    if auth_time.timestamp() < requested_at.timestamp() {
        return Err(Reauthentication::BeforeRequest);
    }
    if auth_time > now {
        return Err(Reauthentication::InFuture);
    }
    Ok(())
}

/// The evidence texts fit their bounds and the required ones are there.
pub fn evidence_fits(request: &SigningRequest, authentication: &Authentication, client: &Client) -> bool {
    text_fits(&request.nonce, MAX_CLAIM, true)
        && text_fits(&authentication.issuer, MAX_CLAIM, true)
        && text_fits(&authentication.subject, MAX_CLAIM, true)
        && authentication.acr.as_deref().is_none_or(|a| text_fits(a, MAX_CLAIM, false))
        && authentication.amr.len() <= MAX_METHODS
        && authentication.amr.iter().all(|m| text_fits(m, MAX_CLAIM, true))
        && text_fits(&client.ip, MAX_IP, true)
        && text_fits(&client.user_agent, MAX_USER_AGENT, false)
}

/// One signature, as kept: the signing certificate's page is made from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureRecord {
    pub version: u32,
    /// The SHA-256 of the version's canonical text.
    pub hash: String,
    pub signer: PersonId,
    pub name: String,
    pub capacity: Capacity,
    pub authority: Option<Authority>,
    pub issuer: String,
    pub subject: String,
    pub acr: Option<String>,
    pub amr: Vec<String>,
    pub auth_time: DateTime<Utc>,
    pub requested_at: DateTime<Utc>,
    pub nonce: String,
    pub server_time: DateTime<Utc>,
    pub ip: String,
    pub user_agent: String,
    /// [`chain_hash`] of the agreement's previous signature; `None` for the first.
    pub previous: Option<String>,
}

/// The hash that chains a record to the next: SHA-256 over its fields in a fixed order
/// (the previous link included), so changing any earlier record breaks every later link.
pub fn chain_hash(record: &SignatureRecord) -> String {
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (capacity, organisation) = match record.capacity {
        Capacity::Party { organisation } => ("party", organisation),
        Capacity::Undertaking { university } => ("undertaking", university),
    };
    let lines = [
        format!("version: {}", record.version),
        format!("hash: {}", record.hash),
        format!("signer: {}", record.signer),
        format!("name: {}", record.name),
        format!("capacity: {capacity} {organisation}"),
        format!("authority: {}", record.authority.map(|a| a.code()).unwrap_or_default()),
        format!("issuer: {}", record.issuer),
        format!("subject: {}", record.subject),
        format!("acr: {}", record.acr.as_deref().unwrap_or_default()),
        format!("amr: {}", record.amr.join(",")),
        format!("auth_time: {}", time(record.auth_time)),
        format!("requested_at: {}", time(record.requested_at)),
        format!("nonce: {}", record.nonce),
        format!("server_time: {}", time(record.server_time)),
        format!("ip: {}", record.ip),
        format!("user_agent: {}", record.user_agent),
        format!("previous: {}", record.previous.as_deref().unwrap_or_default()),
    ];
    let text: String = lines.iter().map(|l| format!("{}\n", l.replace('\n', "\n  "))).collect();
    sha256_hex(text.as_bytes())
}

/// Every record links to the one before it.
pub fn chain_holds(records: &[SignatureRecord]) -> bool {
    let mut previous: Option<String> = None;
    records.iter().all(|record| {
        let linked = record.previous == previous;
        previous = Some(chain_hash(record));
        linked
    })
}

#[cfg(test)]
mod tests {
    use super::super::fixtures;
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_sign_in_must_come_after_the_request_and_not_from_the_future() {
        let requested = at("2026-05-04T10:00:00.400Z");
        let now = at("2026-05-04T10:02:00Z");
        assert_eq!(reauthenticated(requested, at("2026-05-04T10:01:00Z"), now), Ok(()));
        assert_eq!(reauthenticated(requested, at("2026-05-04T10:00:00Z"), now), Ok(()), "the same second");
        assert_eq!(
            reauthenticated(requested, at("2026-05-04T09:59:59Z"), now),
            Err(Reauthentication::BeforeRequest),
            "an older sign-in: the prompt was not honoured"
        );
        assert_eq!(
            reauthenticated(requested, at("2026-05-04T10:03:00Z"), now),
            Err(Reauthentication::InFuture)
        );
        assert_eq!(
            reauthenticated(requested, at("2026-05-04T10:20:00Z"), at("2026-05-04T10:20:01Z")),
            Err(Reauthentication::RequestExpired)
        );
        assert_eq!(reauthenticated(now, now, requested), Err(Reauthentication::RequestInFuture));
    }

    #[test]
    fn signatories_wait_for_lower_steps_and_universities_for_their_researchers() {
        let terms = fixtures::terms();
        let all = slots(&terms);
        assert_eq!(all.len(), 3);
        let [company, university, undertaking] = [&all[0], &all[1], &all[2]];
        let mut signed = BTreeSet::new();
        assert_eq!(waiting_for(&terms, company, &signed), []);
        assert_eq!(
            waiting_for(&terms, university, &signed),
            [fixtures::COMPANY_SIGNER, fixtures::RESEARCHER]
        );
        assert_eq!(waiting_for(&terms, undertaking, &signed), []);
        signed.insert((company.signer, company.capacity));
        assert_eq!(waiting_for(&terms, university, &signed), [fixtures::RESEARCHER]);
        signed.insert((undertaking.signer, undertaking.capacity));
        assert_eq!(waiting_for(&terms, university, &signed), []);
    }

    #[test]
    fn any_change_to_an_earlier_signature_breaks_the_chain() {
        let first = fixtures::signature_record(None);
        let second = fixtures::signature_record(Some(chain_hash(&first)));
        assert!(chain_holds(&[first.clone(), second.clone()]));
        let mut forged = first.clone();
        forged.ip = "10.0.0.2".into();
        assert!(!chain_holds(&[forged, second.clone()]));
        assert!(!chain_holds(&[second]), "the first has no previous");
        assert_ne!(chain_hash(&first), chain_hash(&fixtures::signature_record(Some("x".into()))));
    }
}
