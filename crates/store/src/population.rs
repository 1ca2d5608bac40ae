//! Population figures per area, each with its year and source. Missing is "unknown", never a guess.

use crate::audit::{self, Who};
use crate::{Store, StoreError};
use chongdich_domain::access::Scope;
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::population::{
    ImportMode, ParsedCsv, PopulationFigure, PopulationRow, RowError,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct PopulationEntry {
    pub area_id: String,
    pub year: i32,
    pub population: i64,
    pub source: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// What a CSV import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopulationImport {
    /// Rows written (0 when nothing was written).
    pub imported: usize,
    /// Bad rows, by line number.
    pub errors: Vec<RowError>,
    /// Whether anything was written.
    pub written: bool,
}

async fn upsert<C: ConnectionTrait>(
    db: &C,
    area_id: &str,
    f: &PopulationFigure,
    now: DateTime<Utc>,
    by: &str,
) -> Result<(), StoreError> {
    db.execute(
        &Query::insert()
            .into_table("populations")
            .columns([
                "area_id",
                "year",
                "population",
                "source",
                "updated_at",
                "updated_by",
            ])
            .values_panic([
                area_id.into(),
                f.year.into(),
                f.population.into(),
                f.source.clone().into(),
                now.into(),
                by.into(),
            ])
            .on_conflict(
                OnConflict::columns(["area_id", "year"])
                    .update_columns(["population", "source", "updated_at", "updated_by"])
                    .to_owned(),
            )
            .to_owned(),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Sets the population of an area within the scope for a year.
    pub async fn set_population(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        figure: &PopulationFigure,
    ) -> Result<(), StoreError> {
        if !self.area_in_scope(scope, area).await? {
            return Err(StoreError::NotFound("địa bàn"));
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        upsert(&txn, area.as_str(), figure, now, &who.username).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "population", Some(area.to_string()))
                .in_area(area.as_str())
                .with_detail(format!(
                    "{} người ({}), {}",
                    figure.population, figure.year, figure.source
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Every figure of an area, newest year first.
    pub async fn populations(
        &self,
        scope: &Scope,
        area: &AreaId,
    ) -> Result<Vec<PopulationEntry>, StoreError> {
        if !self.area_in_scope(scope, area).await? {
            return Err(StoreError::NotFound("địa bàn"));
        }
        let stmt = Query::select()
            .columns([
                "area_id",
                "year",
                "population",
                "source",
                "updated_at",
                "updated_by",
            ])
            .from("populations")
            .and_where(Expr::col("area_id").eq(area.as_str()))
            .order_by("year", Order::Desc)
            .to_owned();
        Ok(
            PopulationEntry::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Imports parsed CSV rows for units of one structure. Codes that are unknown or outside
    /// the scope are bad rows too. In `AllOrNothing` mode any bad row means nothing is written.
    pub async fn import_population(
        &self,
        scope: &Scope,
        who: &Who,
        structure: Structure,
        parsed: ParsedCsv<PopulationRow>,
        mode: ImportMode,
    ) -> Result<PopulationImport, StoreError> {
        let mut errors = parsed.errors;
        let mut good = Vec::new();
        for row in parsed.rows {
            let id = AreaId::official(structure, &row.code);
            if self.area_in_scope(scope, &id).await? {
                good.push((id, row));
            } else {
                errors.push(RowError {
                    line: row.line,
                    field: "code".into(),
                    message: format!(
                        "không có đơn vị mã {} ({}) trong phạm vi của bạn",
                        row.code,
                        structure.label()
                    ),
                });
            }
        }
        errors.sort_by_key(|e| e.line);
        if good.is_empty() || (mode == ImportMode::AllOrNothing && !errors.is_empty()) {
            return Ok(PopulationImport {
                imported: 0,
                errors,
                written: false,
            });
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        for (id, row) in &good {
            upsert(&txn, id.as_str(), &row.figure, now, &who.username).await?;
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Import, "population", None).with_detail(format!(
                "{} dòng nhập, {} dòng lỗi ({})",
                good.len(),
                errors.len(),
                structure.as_str()
            )),
        )
        .await?;
        txn.commit().await?;
        Ok(PopulationImport {
            imported: good.len(),
            errors,
            written: true,
        })
    }
}
