//! GA4GH Passport visas for node systems: each live entitlement becomes a
//! ControlledAccessGrants visa, a JWT signed RS256 with `jku` and `kid` in its header
//! (REMS' `GET /api/permissions/{user}` shape). Signing keys are generated and stored in
//! the database, so every replica signs with the same key; a rotated key stays published
//! at `/api/jwk` until the last visa it signed has expired.

use crate::db::{self, Db};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, sha2::Sha256};
use serde::Serialize;
use serde_json::json;

/// How long a visa is valid, at most (its grant's end date may come sooner).
pub const VISA_LIFETIME: Duration = Duration::hours(1);

#[derive(Debug, thiserror::Error)]
pub enum VisaError {
    #[error(transparent)]
    Sql(#[from] sqlx::Error),
    #[error("signing key: {0}")]
    Key(String),
}

/// A public key as `/api/jwk` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[serde(rename = "use")]
    pub use_: String,
    pub alg: String,
    pub n: String,
    pub e: String,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    kid: String,
    private_pem: String,
    n: String,
    e: String,
    created_at: String,
}

impl KeyRow {
    fn jwk(&self) -> Jwk {
        Jwk {
            kty: "RSA".into(),
            kid: self.kid.clone(),
            use_: "sig".into(),
            alg: "RS256".into(),
            n: self.n.clone(),
            e: self.e.clone(),
        }
    }
}

/// The key to sign with now: the newest, unless it is older than `rotation`, in which
/// case a new one is made (the old one stays published while its visas live).
async fn signing_key(db: &Db, rotation: Duration, now: DateTime<Utc>) -> Result<KeyRow, VisaError> {
    let newest: Option<KeyRow> = sqlx::query_as(
        "SELECT kid, private_pem, n, e, created_at FROM visa_signing_keys ORDER BY created_at DESC, kid DESC LIMIT 1",
    )
    .fetch_optional(db.pool())
    .await?;
    if let Some(key) = newest {
        let fresh = db::parse_timestamp(&key.created_at).is_some_and(|created| now - created < rotation);
        if fresh {
            return Ok(key);
        }
    }
    // Generating a 2048-bit key takes a moment: off the async threads.
    let key = tokio::task::spawn_blocking(|| RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048))
        .await
        .map_err(|e| VisaError::Key(e.to_string()))?
        .map_err(|e| VisaError::Key(e.to_string()))?;
    let pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| VisaError::Key(e.to_string()))?;
    let row = KeyRow {
        kid: format!("visa-{}", &crate::identity::tokens::hash(&B64.encode(key.n().to_bytes_be()))[..16]),
        private_pem: pem.to_string(),
        n: B64.encode(key.n().to_bytes_be()),
        e: B64.encode(key.e().to_bytes_be()),
        created_at: db::timestamp(now),
    };
    sqlx::query(
        "INSERT INTO visa_signing_keys (kid, private_pem, n, e, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.kid)
    .bind(&row.private_pem)
    .bind(&row.n)
    .bind(&row.e)
    .bind(&row.created_at)
    .execute(db.pool())
    .await?;
    Ok(row)
}

/// The keys relying parties may need: the newest, and older ones whose visas still live.
pub async fn published_keys(db: &Db, now: DateTime<Utc>) -> Result<Vec<Jwk>, sqlx::Error> {
    let keys: Vec<KeyRow> = sqlx::query_as(
        "SELECT kid, private_pem, n, e, created_at FROM visa_signing_keys \
         WHERE last_exp > $1 OR created_at = (SELECT MAX(created_at) FROM visa_signing_keys) ORDER BY created_at DESC",
    )
    .bind(db::timestamp(now))
    .fetch_all(db.pool())
    .await?;
    Ok(keys.iter().map(KeyRow::jwk).collect())
}

fn sign(key: &KeyRow, header: &serde_json::Value, claims: &serde_json::Value) -> Result<String, VisaError> {
    let private =
        RsaPrivateKey::from_pkcs8_pem(&key.private_pem).map_err(|e| VisaError::Key(e.to_string()))?;
    let signer = SigningKey::<Sha256>::new(private);
    let input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
    let signature = signer.sign(input.as_bytes());
    Ok(format!("{input}.{}", B64.encode(signature.to_bytes())))
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    cohort_slug: String,
    node_slug: String,
    starts_on: String,
    ends_on: String,
    granted_at: Option<String>,
}

/// How node systems name a person: unique in the portal, whichever provider they use.
pub fn portal_subject(person_id: i64) -> String {
    format!("portal-{person_id}")
}

/// Who a name in a passport request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    One(i64),
    Nobody,
    /// A provider subject two people share (at different providers): never guessed.
    Several,
}

/// The person a node system asks about: a portal subject, or a provider's subject (with
/// its issuer when given).
pub async fn find_holder(db: &Db, user: &str, issuer: Option<&str>) -> Result<Holder, sqlx::Error> {
    let ids: Vec<i64> = match (user.strip_prefix("portal-").and_then(|n| n.parse::<i64>().ok()), issuer) {
        (Some(id), None) => {
            sqlx::query_scalar("SELECT id FROM people WHERE id = $1").bind(id).fetch_all(db.pool()).await?
        }
        (_, Some(issuer)) => {
            sqlx::query_scalar("SELECT id FROM people WHERE issuer = $1 AND subject = $2")
                .bind(issuer)
                .bind(user)
                .fetch_all(db.pool())
                .await?
        }
        (None, None) => {
            sqlx::query_scalar("SELECT id FROM people WHERE subject = $1 LIMIT 2")
                .bind(user)
                .fetch_all(db.pool())
                .await?
        }
    };
    Ok(match ids.as_slice() {
        [] => Holder::Nobody,
        [id] => Holder::One(*id),
        _ => Holder::Several,
    })
}

/// The person's visas, one per live entitlement (only those `node`'s committee granted,
/// when asked for a node).
pub async fn passport(
    db: &Db,
    public_url: &str,
    person: i64,
    node: Option<i64>,
    rotation: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<String>, VisaError> {
    let (issuer, subject): (String, String) =
        sqlx::query_as("SELECT issuer, subject FROM people WHERE id = $1")
            .bind(person)
            .fetch_one(db.pool())
            .await?;
    let today = now.with_timezone(&chrono_tz::Europe::Stockholm).date_naive().to_string();
    let grants: Vec<GrantRow> = sqlx::query_as(
        "SELECT c.slug AS cohort_slug, n.slug AS node_slug, e.starts_on, e.ends_on, e.granted_at FROM entitlements e \
         JOIN cohorts c ON c.id = e.cohort_id \
         JOIN application_parts ap ON ap.application_id = e.application_id AND ap.cohort_id = e.cohort_id \
         JOIN nodes n ON n.id = ap.node_id \
         WHERE e.person_id = $1 AND e.ended_at IS NULL AND e.starts_on <= $2 AND e.ends_on >= $2 \
           AND ($3 IS NULL OR ap.node_id = $3) ORDER BY c.slug",
    )
    .bind(person)
    .bind(&today)
    .bind(node)
    .fetch_all(db.pool())
    .await?;
    if grants.is_empty() {
        return Ok(Vec::new());
    }
    let key = signing_key(db, rotation, now).await?;
    let base = public_url.trim_end_matches('/');
    let header = json!({ "alg": "RS256", "typ": "JWT", "kid": key.kid, "jku": format!("{base}/api/jwk") });
    let mut visas = Vec::with_capacity(grants.len());
    let mut last_exp = now;
    for grant in grants {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        let (Some(starts), Some(ends)) = (day(&grant.starts_on), day(&grant.ends_on)) else { continue };
        // When the committee decided (older rows: the start of the first day, in Stockholm).
        let asserted = grant
            .granted_at
            .as_deref()
            .and_then(db::parse_timestamp)
            .unwrap_or_else(|| kernel::stockholm::start_of_day(starts))
            .timestamp();
        // Short-lived, so a revoked grant stops working within the hour; node systems
        // fetch fresh visas.
        let exp = kernel::stockholm::end_of_day(ends).min(now + VISA_LIFETIME);
        last_exp = last_exp.max(exp);
        let claims = json!({
            "iss": format!("{base}/"),
            // The portal's own name for the person, unique whichever provider they use;
            // their provider and its subject beside it, for node systems that know those.
            "sub": portal_subject(person),
            "subject_issuer": issuer,
            "subject_at_issuer": subject,
            "iat": now.timestamp(),
            "exp": exp.timestamp(),
            "ga4gh_visa_v1": {
                "type": "ControlledAccessGrants",
                "asserted": asserted,
                "value": format!("{base}/datasets/{}", grant.cohort_slug),
                "source": format!("{base}/nodes/{}#access-committee", grant.node_slug),
                "by": "dac",
            },
        });
        visas.push(sign(&key, &header, &claims)?);
    }
    // The key stays published at least until the last visa it signed expires.
    sqlx::query(
        "UPDATE visa_signing_keys SET last_exp = $1 WHERE kid = $2 AND (last_exp IS NULL OR last_exp < $1)",
    )
    .bind(db::timestamp(last_exp))
    .bind(&key.kid)
    .execute(db.pool())
    .await?;
    Ok(visas)
}
