//! Browser sessions. The cookie carries a random token; the database keeps only its SHA-256.

use crate::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
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

/// A live session with its account.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct SessionInfo {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
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

    /// The session behind a cookie token, if it is live and its account is enabled.
    pub async fn session(&self, token: &str) -> Result<Option<SessionInfo>, StoreError> {
        let stmt = Query::select()
            .expr_as(Expr::cust("s.user_id"), "user_id")
            .expr_as(Expr::cust("u.username"), "username")
            .expr_as(Expr::cust("u.display_name"), "display_name")
            .expr_as(Expr::cust("s.csrf_token"), "csrf_token")
            .expr_as(Expr::cust("s.expires_at"), "expires_at")
            .from_as("sessions", "s")
            .join_as(
                sea_orm::sea_query::JoinType::InnerJoin,
                "users",
                "u",
                Expr::cust("u.id = s.user_id"),
            )
            .and_where(Expr::col((Alias::new("s"), Alias::new("token_hash"))).eq(hash_token(token)))
            .and_where(Expr::col((Alias::new("s"), Alias::new("expires_at"))).gt(self.clock.now()))
            .and_where(Expr::col((Alias::new("u"), Alias::new("disabled"))).eq(false))
            .to_owned();
        Ok(
            SessionInfo::find_by_statement(self.db.get_database_backend().build(&stmt))
                .one(&self.db)
                .await?,
        )
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
