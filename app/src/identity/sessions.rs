//! Session tokens and their lifetime rules. The cookie holds a random token; the database
//! holds only its keyed hash, so a copy of the database cannot be replayed as a cookie.

use crate::config::PortalConfig;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

pub const COOKIE: &str = "portal_session";

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(key: &[u8], token: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl SessionPolicy {
    pub fn from_config(config: &PortalConfig) -> SessionPolicy {
        SessionPolicy {
            idle: Duration::minutes(config.session_idle_minutes.into()),
            absolute: Duration::hours(config.session_absolute_hours.into()),
        }
    }

    /// When a session started now must end at the latest.
    pub fn expires_at(&self, started: DateTime<Utc>) -> DateTime<Utc> {
        started + self.absolute
    }

    /// A session lives while it is younger than the absolute limit and was used recently.
    pub fn is_live(&self, expires_at: DateTime<Utc>, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now < expires_at && now - last_seen < self.idle
    }

    /// `last_seen_at` is written at most once a minute, to keep reads cheap.
    pub fn needs_touch(&self, last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now - last_seen >= Duration::minutes(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> SessionPolicy {
        SessionPolicy { idle: Duration::minutes(60), absolute: Duration::hours(12) }
    }

    #[test]
    fn idle_sessions_end() {
        let start = Utc::now();
        let expires = policy().expires_at(start);
        assert!(policy().is_live(expires, start, start + Duration::minutes(59)));
        assert!(!policy().is_live(expires, start, start + Duration::minutes(61)));
    }

    #[test]
    fn busy_sessions_still_end_at_the_absolute_limit() {
        let start = Utc::now();
        let expires = policy().expires_at(start);
        let later = start + Duration::hours(12) + Duration::seconds(1);
        assert!(!policy().is_live(expires, later - Duration::seconds(5), later));
    }

    #[test]
    fn tokens_are_random_and_hashes_keyed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_ne!(hash_token(b"key-one", &a), hash_token(b"key-two", &a));
        assert_eq!(hash_token(b"key-one", &a), hash_token(b"key-one", &a));
    }
}
