//! Small facts about the deployment (`demo_loaded`, …), kept in the database.

use crate::{Store, StoreError};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .column("value")
                    .from("settings")
                    .and_where(Expr::col("key").eq(key))
                    .to_owned(),
            )
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get::<String>("", "value")?),
            None => None,
        })
    }

    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.db
            .execute(
                &Query::insert()
                    .into_table("settings")
                    .columns(["key", "value"])
                    .values_panic([key.into(), value.into()])
                    .on_conflict(OnConflict::column("key").update_column("value").to_owned())
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
