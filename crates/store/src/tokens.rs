//! API tokens: shown once, stored hashed, revocable.

use crate::audit::{self, Who};
use crate::sessions::{hash_token, random_token};
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// Every API token starts with this, so a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "cdt_";

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Store {
    /// Creates a token for the acting user; the plain token is returned once and never stored.
    pub async fn create_token(
        &self,
        who: &Who,
        user_id: i64,
        name: &str,
    ) -> Result<(TokenRow, String), StoreError> {
        let name = chongdich_domain::text::clean(name);
        if name.is_empty() || name.chars().count() > 80 {
            return Err(Invalid::field("name", "tên mã truy cập cần từ 1 đến 80 ký tự").into());
        }
        let plain = format!("{TOKEN_PREFIX}{}", random_token());
        let now = self.clock.now();
        let txn = self.write().await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("api_tokens")
                    .columns(["user_id", "name", "token_hash", "prefix", "created_at"])
                    .values_panic([
                        user_id.into(),
                        name.clone().into(),
                        hash_token(&plain).into(),
                        plain[..12].to_owned().into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("mã truy cập"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "api_token", Some(id.to_string()))
                .with_detail(name),
        )
        .await?;
        txn.commit().await?;
        let token = self
            .tokens(user_id)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or(StoreError::NotFound("mã truy cập"))?;
        Ok((token, plain))
    }

    /// The tokens of a user, newest first.
    pub async fn tokens(&self, user_id: i64) -> Result<Vec<TokenRow>, StoreError> {
        let stmt = Query::select()
            .columns([
                "id",
                "user_id",
                "name",
                "prefix",
                "created_at",
                "last_used_at",
                "revoked_at",
            ])
            .from("api_tokens")
            .and_where(Expr::col("user_id").eq(user_id))
            .order_by("id", Order::Desc)
            .to_owned();
        Ok(
            TokenRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Revokes one of the user's own tokens.
    pub async fn revoke_token(
        &self,
        who: &Who,
        user_id: i64,
        token_id: i64,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let txn = self.write().await?;
        let r = txn
            .execute(
                &Query::update()
                    .table("api_tokens")
                    .value("revoked_at", now)
                    .and_where(Expr::col("id").eq(token_id))
                    .and_where(Expr::col("user_id").eq(user_id))
                    .and_where(Expr::col("revoked_at").is_null())
                    .to_owned(),
            )
            .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound("mã truy cập"));
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Revoke, "api_token", Some(token_id.to_string())),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
