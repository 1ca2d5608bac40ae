//! Browser sessions. The cookie carries a random token; the database keeps only its SHA-256.

use crate::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};

/// A random secret, hex-encoded (256 bits).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Opens a session; returns the cookie token and the CSRF token.
    pub async fn create_session(
        &self,
        user_id: i64,
        ip: Option<&str>,
        ttl: Duration,
    ) -> Result<(String, String), StoreError> {
        let token = random_token();
        let csrf = random_token();
        let now = self.clock.now();
        self.db
            .execute(
                &Query::insert()
                    .into_table("sessions")
                    .columns([
                        "token_hash",
                        "user_id",
                        "csrf_token",
                        "created_at",
                        "expires_at",
                        "ip",
                    ])
                    .values_panic([
                        hash_token(&token).into(),
                        user_id.into(),
                        csrf.clone().into(),
                        now.into(),
                        (now + ttl).into(),
                        ip.map(str::to_owned).into(),
                    ])
                    .to_owned(),
            )
            .await?;
        Ok((token, csrf))
    }

    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        self.db
            .execute(
                &Query::delete()
                    .from_table("sessions")
                    .and_where(Expr::col("token_hash").eq(hash_token(token)))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    /// Removes expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> Result<u64, StoreError> {
        let r = self
            .db
            .execute(
                &Query::delete()
                    .from_table("sessions")
                    .and_where(Expr::col("expires_at").lte(self.clock.now()))
                    .to_owned(),
            )
            .await?;
        Ok(r.rows_affected())
    }
}

/// Who is behind a session or an API token, with the grants to build the actor: one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The session's CSRF token; None for an API token.
    pub csrf_token: Option<String>,
    pub grants: Vec<chongdich_domain::access::Grant>,
}

#[derive(Debug, FromQueryResult)]
struct PrincipalRow {
    user_id: i64,
    username: String,
    display_name: String,
    csrf_token: Option<String>,
    last_used_at: Option<DateTime<Utc>>,
    role: Option<String>,
    area_id: Option<String>,
}

fn principal(rows: Vec<PrincipalRow>) -> Result<Option<Principal>, StoreError> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let mut p = Principal {
        user_id: first.user_id,
        username: first.username.clone(),
        display_name: first.display_name.clone(),
        csrf_token: first.csrf_token.clone(),
        grants: Vec::new(),
    };
    for r in &rows {
        if let (Some(role), Some(area)) = (&r.role, &r.area_id) {
            p.grants.push(chongdich_domain::access::Grant {
                role: chongdich_domain::access::Role::parse(role)?,
                area_id: chongdich_domain::area::AreaId::parse(area)?,
            });
        }
    }
    Ok(Some(p))
}

/// An API token's last use is recorded at most once a minute: no write per request.
const LAST_USED_EVERY_SECONDS: i64 = 60;

/// The enabled account behind a credential row (`s` a session, `t` a token) with its grants,
/// one row per grant. `csrf` and `last_used` are the credential's columns (or NULL).
fn principal_query(
    table: &'static str,
    alias: &'static str,
    csrf: &'static str,
    last_used: &'static str,
) -> SelectStatement {
    Query::select()
        .expr_as(Expr::cust(format!("{alias}.user_id")), "user_id")
        .expr_as(Expr::cust("u.username"), "username")
        .expr_as(Expr::cust("u.display_name"), "display_name")
        .expr_as(Expr::cust(csrf), "csrf_token")
        .expr_as(Expr::cust(last_used), "last_used_at")
        .expr_as(Expr::cust("g.role"), "role")
        .expr_as(Expr::cust("g.area_id"), "area_id")
        .from_as(table, alias)
        .join_as(
            JoinType::InnerJoin,
            "users",
            "u",
            Expr::cust(format!("u.id = {alias}.user_id")),
        )
        .join_as(
            JoinType::LeftJoin,
            "role_grants",
            "g",
            Expr::cust("g.user_id = u.id"),
        )
        .and_where(Expr::col((Alias::new("u"), Alias::new("disabled"))).eq(false))
        .order_by((Alias::new("g"), Alias::new("id")), Order::Asc)
        .to_owned()
}

impl Store {
    /// The enabled account behind a live session cookie, with its grants.
    pub async fn session_principal(&self, token: &str) -> Result<Option<Principal>, StoreError> {
        let stmt = principal_query("sessions", "s", "s.csrf_token", "s.expires_at")
            .and_where(Expr::col((Alias::new("s"), Alias::new("token_hash"))).eq(hash_token(token)))
            .and_where(Expr::col((Alias::new("s"), Alias::new("expires_at"))).gt(self.clock.now()))
            .to_owned();
        let rows = PrincipalRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        principal(rows)
    }

    /// The enabled account behind a live API token, with its grants.
    pub async fn token_principal(&self, plain: &str) -> Result<Option<Principal>, StoreError> {
        if !plain.starts_with(crate::tokens::TOKEN_PREFIX) {
            return Ok(None);
        }
        let hash = hash_token(plain);
        let stmt = principal_query("api_tokens", "t", "NULL", "t.last_used_at")
            .and_where(Expr::col((Alias::new("t"), Alias::new("token_hash"))).eq(hash.clone()))
            .and_where(Expr::cust("t.revoked_at IS NULL"))
            .to_owned();
        let rows = PrincipalRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        let now = self.clock.now();
        let stale = rows.first().is_some_and(|r| {
            r.last_used_at
                .is_none_or(|t| (now - t).num_seconds() >= LAST_USED_EVERY_SECONDS)
        });
        if stale {
            self.db
                .execute(
                    &Query::update()
                        .table("api_tokens")
                        .value("last_used_at", now)
                        .and_where(Expr::col("token_hash").eq(hash))
                        .to_owned(),
                )
                .await?;
        }
        principal(rows)
    }
}
