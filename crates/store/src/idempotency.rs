//! Remembered responses to requests that carried an `Idempotency-Key`, so that a retried
//! request returns the first answer instead of writing twice.

use crate::{Store, StoreError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};

#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct StoredResponse {
    pub request_hash: String,
    pub status: i32,
    pub content_type: String,
    pub body: String,
}

impl Store {
    pub async fn stored_response(
        &self,
        user_id: i64,
        key: &str,
    ) -> Result<Option<StoredResponse>, StoreError> {
        let stmt = Query::select()
            .columns(["request_hash", "status", "content_type", "body"])
            .from("idempotency_keys")
            .and_where(Expr::col("user_id").eq(user_id))
            .and_where(Expr::col("key").eq(key))
            .to_owned();
        Ok(
            StoredResponse::find_by_statement(self.db.get_database_backend().build(&stmt))
                .one(&self.db)
                .await?,
        )
    }

    pub async fn store_response(
        &self,
        user_id: i64,
        key: &str,
        r: &StoredResponse,
    ) -> Result<(), StoreError> {
        self.db
            .execute(
                &Query::insert()
                    .into_table("idempotency_keys")
                    .columns([
                        "user_id",
                        "key",
                        "request_hash",
                        "status",
                        "content_type",
                        "body",
                        "created_at",
                    ])
                    .values_panic([
                        user_id.into(),
                        key.into(),
                        r.request_hash.clone().into(),
                        r.status.into(),
                        r.content_type.clone().into(),
                        r.body.clone().into(),
                        self.clock.now().into(),
                    ])
                    .on_conflict(
                        OnConflict::columns(["user_id", "key"])
                            .do_nothing()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
