//! API tokens for node systems: named, scoped, expiring, revocable. The token is shown once;
//! only its SHA-256 is stored (the token is 256 random bits, so no salt or key is needed).

use super::model::ApiTokenListing;
use crate::audit::{NewEvent, record_in};
use crate::db::{self, Db};
use crate::policy::ApiScope;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::Row;

/// Tokens start with this, so a leaked one is recognisable (secret scanners, logs).
pub const TOKEN_PREFIX: &str = "pnt_";

/// A node system calling `/api/` with a live token.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub name: String,
    pub scopes: Vec<ApiScope>,
    pub node_slug: Option<String>,
    /// A node's token reads only that node's business.
    pub node_id: Option<i64>,
    pub expires_at: String,
}

/// SHA-256, hex: how tokens, sign-in states and browser bindings are stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn parse_scopes(text: &str) -> Vec<ApiScope> {
    text.split_whitespace().filter_map(ApiScope::parse).collect()
}

pub struct NewToken<'a> {
    pub name: &'a str,
    pub scopes: &'a [ApiScope],
    pub node_id: Option<i64>,
    pub expires_at: DateTime<Utc>,
}

/// Creates a token and answers it in full: the only time it is ever available.
pub async fn create(db: &Db, token: NewToken<'_>, actor_id: i64) -> Result<(i64, String), sqlx::Error> {
    let secret = format!("{TOKEN_PREFIX}{}", super::sessions::new_token());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let scopes = token.scopes.iter().map(|s| s.code()).collect::<Vec<_>>().join(" ");
    let mut tx = db.pool().begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (name, token_prefix, token_hash, scopes, node_id, created_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(token.name)
    .bind(&prefix)
    .bind(hash(&secret))
    .bind(&scopes)
    .bind(token.node_id)
    .bind(actor_id)
    .bind(db::now())
    .bind(db::timestamp(token.expires_at))
    .fetch_one(&mut *tx)
    .await?;
    record_in(
        &mut tx,
        NewEvent {
            summary: Some(format!(
                "{} ({prefix}…) scopes [{scopes}] until {}",
                token.name,
                db::timestamp(token.expires_at)
            )),
            ..NewEvent::transition(Some(actor_id), "api_token", id, "api_token_created", None, Some("active"))
        },
    )
    .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// Revokes at once: the next request with the token is refused. False if already revoked.
pub async fn revoke(db: &Db, token_id: i64, actor_id: i64) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool().begin().await?;
    let changed = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(db::now())
    .bind(actor_id)
    .bind(token_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        record_in(
            &mut tx,
            NewEvent::transition(
                Some(actor_id),
                "api_token",
                token_id,
                "api_token_revoked",
                Some("active"),
                Some("revoked"),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(changed > 0)
}

pub async fn list(db: &Db) -> Result<Vec<ApiTokenListing>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT t.id, t.name, t.token_prefix, t.scopes, n.slug AS node_slug, p.display_name AS created_by, \
         t.created_at, t.expires_at, t.last_used_at, t.revoked_at \
         FROM api_tokens t JOIN people p ON p.id = t.created_by LEFT JOIN nodes n ON n.id = t.node_id ORDER BY t.id DESC",
    )
    .fetch_all(db.pool())
    .await?;
    let now = db::now();
    rows.iter()
        .map(|r| {
            let expires_at: String = r.try_get("expires_at")?;
            let revoked_at: Option<String> = r.try_get("revoked_at")?;
            Ok(ApiTokenListing {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                prefix: r.try_get("token_prefix")?,
                scopes: r.try_get::<String, _>("scopes")?.split_whitespace().map(str::to_owned).collect(),
                node_slug: r.try_get("node_slug")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                live: revoked_at.is_none() && expires_at > now,
                expires_at,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at,
            })
        })
        .collect()
}

/// The caller behind a bearer token, if the token is live (not revoked, not expired).
pub async fn authenticate(db: &Db, bearer: &str) -> Result<Option<ApiCaller>, sqlx::Error> {
    if !bearer.starts_with(TOKEN_PREFIX) {
        return Ok(None);
    }
    let now = Utc::now();
    let row = sqlx::query(
        "SELECT t.id, t.name, t.scopes, n.slug AS node_slug, t.node_id, t.expires_at, t.last_used_at FROM api_tokens t \
         LEFT JOIN nodes n ON n.id = t.node_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2",
    )
    .bind(hash(bearer))
    .bind(db::timestamp(now))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let last_used: Option<String> = row.try_get("last_used_at")?;
    // Written at most once a minute, to keep busy integrations from writing on every call.
    if last_used
        .as_deref()
        .and_then(db::parse_timestamp)
        .is_none_or(|t| now - t >= chrono::Duration::minutes(1))
    {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(db::timestamp(now))
            .bind(id)
            .execute(db.pool())
            .await?;
    }
    Ok(Some(ApiCaller {
        name: row.try_get("name")?,
        scopes: parse_scopes(&row.try_get::<String, _>("scopes")?),
        node_slug: row.try_get("node_slug")?,
        node_id: row.try_get("node_id")?,
        expires_at: row.try_get("expires_at")?,
    }))
}
