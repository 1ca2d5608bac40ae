//! Returnee batches: people back from an epidemic area, registered one by one at a checkpoint
//! or imported from a list. Each person of a batch is written with their returnee record and the
//! quarantine order their rule version gives, in the same transaction; the receiving commune's
//! work list shows them at once.
//!
//! An import writes many rows in one transaction ([`ReturneeImport`]): people, returnee
//! records and orders go in multi-row INSERTs of [`crate::BATCH`] rows, so that 100,000 rows
//! take seconds and the caller streams them in chunks (memory stays flat). Nothing is visible
//! until [`ReturneeImport::commit`]; dropping the import rolls everything back.

use crate::audit::{self, Who};
use crate::persons::person_values;
use crate::quarantine::{OrderExtras, order_values};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::quarantine::QuarantineRuleSet;
use chongdich_domain::quarantine::order::{Fallback, OrderInput, OrderTerms, terms};
use chongdich_domain::returnee::{BatchInput, BatchSource, ReturneeInput};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Value};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct BatchRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub area_name: String,
    pub origin: String,
    pub origin_area_id: Option<String>,
    pub origin_level: String,
    pub transport: String,
    pub arrived_on: NaiveDate,
    pub source: String,
    pub notes: String,
    pub fallback: String,
    pub people: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl BatchRow {
    /// The batch as the domain reads it, to fill the blanks of its people's rows.
    pub fn input(&self) -> Result<BatchInput, StoreError> {
        let bad =
            |what: &str| StoreError::Internal(format!("lô #{} đã lưu có {what} hỏng", self.id));
        Ok(BatchInput {
            area_id: AreaId::parse(&self.area_id).map_err(|_| bad("mã xã"))?,
            origin: self.origin.clone(),
            origin_area_id: match &self.origin_area_id {
                Some(a) => Some(AreaId::parse(a).map_err(|_| bad("mã nơi đi"))?),
                None => None,
            },
            origin_level: self.origin_level.clone(),
            transport: self.transport.clone(),
            arrived_on: self.arrived_on,
            source: BatchSource::parse(&self.source).map_err(|_| bad("nguồn"))?,
            notes: self.notes.clone(),
        })
    }

    /// The batch's decision for people the rules are silent on.
    pub fn fallback(&self) -> Option<Fallback> {
        serde_json::from_str(&self.fallback).ok()
    }
}

/// A person of a batch with their order.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ReturneeLine {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub area_id: String,
    pub area_name: String,
    pub subject: Option<String>,
    pub arrived_on: Option<NaiveDate>,
    pub order_id: Option<i64>,
    pub kind: Option<String>,
    pub ends_on: Option<NaiveDate>,
    pub until_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchView {
    pub batch: BatchRow,
    pub people: Vec<ReturneeLine>,
}

/// What registering one returnee wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Registered {
    pub person_id: i64,
    pub returnee_id: i64,
    pub order_id: i64,
}

fn select_batches() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "province_code",
                "area_id",
                "origin",
                "origin_area_id",
                "origin_level",
                "transport",
                "arrived_on",
                "source",
                "notes",
                "fallback",
                "created_at",
                "created_by",
            ]
            .map(|c| (Alias::new("b"), Alias::new(c))),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM returnees r WHERE r.batch_id = b.id)"),
            "people",
        )
        .from_as("returnee_batches", "b")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = b.area_id"),
        )
        .to_owned()
}

fn bcol(c: &'static str) -> (Alias, Alias) {
    (Alias::new("b"), Alias::new(c))
}

/// The order a returnee is given: quarantine from the day they arrived, at the address they
/// gave.
fn order_input(r: &ReturneeInput) -> OrderInput {
    OrderInput {
        subject: r.subject,
        immunity: r.immunity.clone(),
        start: r.arrived_on,
        rule: None,
        over: None,
        address: r.person.street.clone(),
        household: String::new(),
        sign_posted_on: None,
    }
}

/// The terms of a returnee's order; an error names the row's fields (`subject`, `address`).
pub fn returnee_terms(
    sets: &[QuarantineRuleSet],
    r: &ReturneeInput,
    fallback: Option<&Fallback>,
) -> Result<OrderTerms, Invalid> {
    let mut input = order_input(r);
    if input.address.trim().is_empty() {
        // The commune is known; a home order names at least that.
        input.address = "(chưa ghi địa chỉ)".into();
    }
    terms(sets, &input, fallback)
}

impl Store {
    /// Registers a batch received by a commune within the scope.
    pub async fn create_batch(
        &self,
        scope: &Scope,
        who: &Who,
        input: &BatchInput,
        fallback: Option<&Fallback>,
    ) -> Result<BatchRow, StoreError> {
        self.check_area(scope, &input.area_id).await?;
        let txn = self.write().await?;
        let id = self
            .insert_batch(&txn, who, self.clock.now(), input, fallback)
            .await?;
        txn.commit().await?;
        self.batch_row(scope, id).await
    }

    async fn insert_batch<C: ConnectionTrait>(
        &self,
        txn: &C,
        who: &Who,
        now: DateTime<Utc>,
        input: &BatchInput,
        fallback: Option<&Fallback>,
    ) -> Result<i64, StoreError> {
        if let Some(o) = &input.origin_area_id
            && crate::province_of(txn, o.as_str()).await.is_err()
        {
            return Err(Invalid::field("origin_area_id", "không có địa bàn này").into());
        }
        let province = crate::province_of(txn, input.area_id.as_str()).await?;
        let fallback = match fallback {
            Some(f) => serde_json::to_string(f).map_err(|e| StoreError::Internal(e.to_string()))?,
            None => String::new(),
        };
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("returnee_batches")
                    .columns([
                        "province_code",
                        "area_id",
                        "origin",
                        "origin_area_id",
                        "origin_level",
                        "transport",
                        "arrived_on",
                        "source",
                        "notes",
                        "fallback",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        province.into(),
                        input.area_id.as_str().into(),
                        input.origin.clone().into(),
                        input
                            .origin_area_id
                            .as_ref()
                            .map(|a| a.as_str().to_owned())
                            .into(),
                        input.origin_level.clone().into(),
                        input.transport.clone().into(),
                        input.arrived_on.into(),
                        input.source.as_str().into(),
                        input.notes.clone().into(),
                        fallback.into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("lô người về"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "returnee_batch", Some(id.to_string()))
                .in_area(input.area_id.as_str())
                .with_detail(format!(
                    "từ {} ({}), đến ngày {}",
                    input.origin,
                    input.origin_level,
                    input.arrived_on.format("%d/%m/%Y")
                )),
        )
        .await?;
        Ok(id)
    }

    pub async fn batch_row(&self, scope: &Scope, id: i64) -> Result<BatchRow, StoreError> {
        BatchRow::find_by_statement(
            self.db.get_database_backend().build(
                &select_batches()
                    .and_where(Expr::col(bcol("id")).eq(id))
                    .and_where(area_in_scope(bcol("area_id"), scope))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("lô người về"))
    }

    /// The latest batches within the scope (newest first), at most `limit`.
    pub async fn batches(&self, scope: &Scope, limit: u64) -> Result<Vec<BatchRow>, StoreError> {
        Ok(BatchRow::find_by_statement(
            self.db.get_database_backend().build(
                &select_batches()
                    .and_where(area_in_scope(bcol("area_id"), scope))
                    .order_by(bcol("arrived_on"), Order::Desc)
                    .order_by(bcol("id"), Order::Desc)
                    .limit(limit)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?)
    }

    /// A batch with its people and their orders; the read is audited (it names people).
    pub async fn batch(&self, scope: &Scope, who: &Who, id: i64) -> Result<BatchView, StoreError> {
        let batch = self.batch_row(scope, id).await?;
        let people = ReturneeLine::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .expr_as(Expr::cust("r.id"), "id")
                    .expr_as(Expr::cust("r.person_id"), "person_id")
                    .expr_as(Expr::cust("p.full_name"), "full_name")
                    .expr_as(Expr::cust("r.area_id"), "area_id")
                    .expr_as(Expr::cust("a.name"), "area_name")
                    .expr_as(Expr::cust("r.subject"), "subject")
                    .expr_as(Expr::cust("r.arrived_on"), "arrived_on")
                    .expr_as(Expr::cust("o.id"), "order_id")
                    .expr_as(Expr::cust("o.kind"), "kind")
                    .expr_as(Expr::cust("o.ends_on"), "ends_on")
                    .expr_as(Expr::cust("o.until_on"), "until_on")
                    .from_as("returnees", "r")
                    .join_as(
                        JoinType::InnerJoin,
                        "persons",
                        "p",
                        Expr::cust("p.id = r.person_id"),
                    )
                    .join_as(
                        JoinType::InnerJoin,
                        "areas",
                        "a",
                        Expr::cust("a.id = r.area_id"),
                    )
                    .join_as(
                        JoinType::LeftJoin,
                        "quarantine_orders",
                        "o",
                        Expr::cust("o.returnee_id = r.id"),
                    )
                    .and_where(Expr::cust("r.batch_id").eq(id))
                    .and_where(area_in_scope(
                        (Alias::new("r"), Alias::new("area_id")),
                        scope,
                    ))
                    .order_by((Alias::new("r"), Alias::new("id")), Order::Asc)
                    .limit(10_000)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        audit::append(
            &self.db,
            who,
            self.clock.now(),
            &AuditEvent::new(AuditAction::View, "returnee_batch", Some(id.to_string()))
                .in_area(batch.area_id.clone())
                .with_detail(format!("{} người", people.len())),
        )
        .await?;
        Ok(BatchView { batch, people })
    }

    /// Registers one person of a batch (at a checkpoint): the person, the returnee record and
    /// the order, in one transaction. The person's commune must lie within the scope.
    pub async fn register_returnee(
        &self,
        scope: &Scope,
        who: &Who,
        batch_id: i64,
        input: &ReturneeInput,
    ) -> Result<Registered, StoreError> {
        let batch = self.batch_row(scope, batch_id).await?;
        self.check_area(scope, &input.person.area_id)
            .await
            .map_err(|e| e.not_found_as("area_id", "xã, phường ngoài phạm vi của bạn"))?;
        let sets = self.quarantine_rules().await?;
        let fallback = batch.fallback();
        let terms = returnee_terms(&sets, input, fallback.as_ref())?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let person_id = crate::persons::insert_person(&txn, who, now, &input.person).await?;
        let returnee_id = insert_returnee_row(&txn, who, now, &batch, person_id, input).await?;
        let province = crate::province_of(&txn, input.person.area_id.as_str()).await?;
        let order_id = self
            .insert_order(
                &txn,
                who,
                now,
                crate::quarantine::PersonRef {
                    id: person_id,
                    province_code: province.as_deref(),
                    area_id: input.person.area_id.as_str(),
                    full_name: &input.person.full_name,
                },
                &terms,
                &OrderExtras {
                    input: &order_input(input),
                    facility_id: None,
                    returnee_id: Some(returnee_id),
                },
            )
            .await?;
        txn.commit().await?;
        Ok(Registered {
            person_id,
            returnee_id,
            order_id,
        })
    }

    /// ID numbers among `numbers` that a person already has (within the whole database: an ID
    /// number names one person nationally).
    pub async fn id_numbers_taken(
        &self,
        numbers: &[String],
    ) -> Result<HashSet<String>, StoreError> {
        let mut out = HashSet::new();
        for chunk in numbers.chunks(crate::BATCH) {
            for r in self
                .db
                .query_all(
                    &Query::select()
                        .column("id_number")
                        .from("persons")
                        .and_where(Expr::col("id_number").is_in(chunk.iter().cloned()))
                        .and_where(Expr::col("merged_into").is_null())
                        .to_owned(),
                )
                .await?
            {
                out.insert(r.try_get("", "id_number")?);
            }
        }
        Ok(out)
    }

    /// Opens an import: the batch is written in a transaction that stays open until
    /// [`ReturneeImport::commit`].
    pub async fn begin_returnee_import(
        &self,
        scope: &Scope,
        who: &Who,
        batch: &BatchInput,
        fallback: Option<&Fallback>,
    ) -> Result<ReturneeImport, StoreError> {
        self.check_area(scope, &batch.area_id).await?;
        let sets = self.quarantine_rules().await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let batch_id = self.insert_batch(&txn, who, now, batch, fallback).await?;
        let province = crate::province_of(&txn, batch.area_id.as_str()).await?;
        Ok(ReturneeImport {
            txn,
            who: who.clone(),
            now,
            batch_id,
            batch_area: batch.area_id.as_str().to_owned(),
            province,
            sets,
            fallback: fallback.cloned(),
            provinces: HashMap::new(),
            rows: 0,
        })
    }
}

async fn insert_returnee_row<C: ConnectionTrait>(
    txn: &C,
    who: &Who,
    now: DateTime<Utc>,
    batch: &BatchRow,
    person_id: i64,
    input: &ReturneeInput,
) -> Result<i64, StoreError> {
    let province = crate::province_of(txn, input.person.area_id.as_str()).await?;
    let values = returnee_values(
        province,
        input,
        person_id,
        batch.id,
        &batch.origin,
        batch.origin_area_id.clone(),
        &batch.transport,
        &batch.source,
        now,
        &who.username,
    );
    let id = crate::insert_row(txn, "returnees", values, "người về").await?;
    audit::append(
        txn,
        who,
        now,
        &AuditEvent::new(AuditAction::Create, "returnee", Some(id.to_string()))
            .in_area(input.person.area_id.as_str())
            .with_detail(format!("{} — lô #{}", input.person.full_name, batch.id)),
    )
    .await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
fn returnee_values(
    province: Option<String>,
    input: &ReturneeInput,
    person_id: i64,
    batch_id: i64,
    origin: &str,
    origin_area_id: Option<String>,
    transport: &str,
    source: &str,
    now: DateTime<Utc>,
    who: &str,
) -> Vec<(&'static str, Value)> {
    vec![
        ("province_code", province.into()),
        ("area_id", input.person.area_id.as_str().to_owned().into()),
        ("person_id", person_id.into()),
        ("origin", origin.to_owned().into()),
        ("origin_area_id", origin_area_id.into()),
        ("arrived_on", Some(input.arrived_on).into()),
        ("transport", transport.to_owned().into()),
        ("source", source.to_owned().into()),
        ("hotline_report_id", Option::<i64>::None.into()),
        ("created_at", now.into()),
        ("created_by", who.to_owned().into()),
        ("batch_id", Some(batch_id).into()),
        ("subject", Some(input.subject.as_str().to_owned()).into()),
    ]
}

/// An import in progress: one transaction, rows added in chunks.
pub struct ReturneeImport {
    txn: DatabaseTransaction,
    who: Who,
    now: DateTime<Utc>,
    batch_id: i64,
    batch_area: String,
    province: Option<String>,
    sets: Vec<QuarantineRuleSet>,
    fallback: Option<Fallback>,
    /// Province of each commune met so far.
    provinces: HashMap<String, Option<String>>,
    rows: u64,
}

impl ReturneeImport {
    pub fn batch_id(&self) -> i64 {
        self.batch_id
    }

    /// The terms a row would get (for validating before anything is written).
    pub fn terms(&self, r: &ReturneeInput) -> Result<OrderTerms, Invalid> {
        returnee_terms(&self.sets, r, self.fallback.as_ref())
    }

    /// Writes a chunk of rows (people, returnee records, orders). The rows were validated
    /// before; an error here aborts the whole import (drop it, nothing is kept).
    pub async fn add(&mut self, rows: &[ReturneeInput]) -> Result<(), StoreError> {
        // 400 rows a statement: 15,600 bound values for the orders, under both engines' limits.
        for chunk in rows.chunks(crate::BATCH) {
            self.add_chunk(chunk).await?;
        }
        Ok(())
    }

    async fn province(&mut self, area: &str) -> Result<Option<String>, StoreError> {
        if let Some(p) = self.provinces.get(area) {
            return Ok(p.clone());
        }
        let p = crate::province_of(&self.txn, area).await?;
        self.provinces.insert(area.to_owned(), p.clone());
        Ok(p)
    }

    async fn add_chunk(&mut self, rows: &[ReturneeInput]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut terms = Vec::with_capacity(rows.len());
        let mut provinces = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            terms.push(self.terms(r).map_err(|e| {
                StoreError::Internal(format!(
                    "dòng {} không còn hợp lệ: {e}",
                    self.rows + i as u64 + 1
                ))
            })?);
            provinces.push(self.province(r.person.area_id.as_str()).await?);
        }
        // People.
        let mut q = Query::insert().into_table("persons").to_owned();
        for (i, r) in rows.iter().enumerate() {
            let mut v = person_values(&r.person, provinces[i].clone());
            v.push(("created_at", self.now.into()));
            v.push(("updated_at", self.now.into()));
            if i == 0 {
                q.columns(v.iter().map(|(c, _)| Alias::new(*c)));
            }
            q.values_panic(v.into_iter().map(|(_, v)| v.into()));
        }
        let person_ids =
            returned_ids(&self.txn, q.returning_col("id").to_owned(), rows.len()).await?;
        // Returnee records.
        let mut q = Query::insert().into_table("returnees").to_owned();
        let origin = self.batch_origin().await?;
        for (i, r) in rows.iter().enumerate() {
            let v = returnee_values(
                provinces[i].clone(),
                r,
                person_ids[i],
                self.batch_id,
                &origin.0,
                origin.1.clone(),
                &origin.2,
                "excel",
                self.now,
                &self.who.username,
            );
            if i == 0 {
                q.columns(v.iter().map(|(c, _)| Alias::new(*c)));
            }
            q.values_panic(v.into_iter().map(|(_, v)| v.into()));
        }
        let returnee_ids =
            returned_ids(&self.txn, q.returning_col("id").to_owned(), rows.len()).await?;
        // Orders.
        let mut q = Query::insert().into_table("quarantine_orders").to_owned();
        for (i, r) in rows.iter().enumerate() {
            let input = order_input(r);
            let v = order_values(
                (
                    person_ids[i],
                    provinces[i].as_deref(),
                    r.person.area_id.as_str(),
                ),
                &terms[i],
                &OrderExtras {
                    input: &input,
                    facility_id: None,
                    returnee_id: Some(returnee_ids[i]),
                },
                self.now,
                &self.who.username,
            );
            if i == 0 {
                q.columns(v.iter().map(|(c, _)| Alias::new(*c)));
            }
            q.values_panic(v.into_iter().map(|(_, v)| v.into()));
        }
        self.txn.execute(&q).await?;
        self.rows += rows.len() as u64;
        Ok(())
    }

    async fn batch_origin(&self) -> Result<(String, Option<String>, String), StoreError> {
        let r = self
            .txn
            .query_one(
                &Query::select()
                    .columns(["origin", "origin_area_id", "transport"])
                    .from("returnee_batches")
                    .and_where(Expr::col("id").eq(self.batch_id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("lô người về"))?;
        Ok((
            r.try_get("", "origin")?,
            r.try_get("", "origin_area_id")?,
            r.try_get("", "transport")?,
        ))
    }

    /// Makes the import visible, with one audit entry for the whole list.
    pub async fn commit(self, file_name: &str) -> Result<(i64, u64), StoreError> {
        audit::append(
            &self.txn,
            &self.who,
            self.now,
            &AuditEvent::new(
                AuditAction::Create,
                "returnee_import",
                Some(self.batch_id.to_string()),
            )
            .in_area(self.batch_area.clone())
            .with_detail(format!(
                "nhập {} người về từ {file_name} (lô #{}, tỉnh {})",
                self.rows,
                self.batch_id,
                self.province.as_deref().unwrap_or("—")
            )),
        )
        .await?;
        self.txn.commit().await?;
        Ok((self.batch_id, self.rows))
    }
}

/// Runs a multi-row INSERT … RETURNING id and gives the ids in the order of the rows. Neither
/// engine promises the order of RETURNING, but both number the rows of one VALUES list in
/// order (SQLite's rowids follow one another under the write lock; PostgreSQL draws the
/// sequence row by row), so the ids sorted ascending are the rows' ids in order.
async fn returned_ids(
    txn: &DatabaseTransaction,
    q: sea_orm::sea_query::InsertStatement,
    n: usize,
) -> Result<Vec<i64>, StoreError> {
    let rows = txn.query_all(&q).await?;
    if rows.len() != n {
        return Err(StoreError::Internal(format!(
            "ghi {n} dòng nhưng nhận {} mã",
            rows.len()
        )));
    }
    let mut ids = rows
        .iter()
        .map(|r| r.try_get::<i64>("", "id").map_err(StoreError::from))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use chongdich_domain::clock::{ManualClock, SharedClock};
    use chongdich_domain::person::PersonDraft;
    use chongdich_domain::quarantine::order::FallbackDraft;
    use chongdich_domain::returnee::{BatchDraft, ReturneeDraft};
    use chrono::TimeZone;
    use std::sync::Arc;

    async fn store() -> TestDb {
        let clock: SharedClock = Arc::new(ManualClock::at(
            Utc.with_ymd_and_hms(2021, 6, 24, 3, 0, 0).unwrap(),
        ));
        let db = TestDb::new(clock).await.unwrap();
        let units = crate::units::embedded().unwrap();
        db.store
            .import_units(&units.data(), Some(&["12"]))
            .await
            .unwrap();
        db
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 6, 24).unwrap()
    }

    fn batch() -> BatchInput {
        BatchDraft {
            area_id: "L03386".into(),
            origin: "TP. Bắc Giang".into(),
            arrived_on: "20/06/2021".into(),
            source: "excel".into(),
            ..BatchDraft::default()
        }
        .parse(today())
        .unwrap()
    }

    fn rows(n: usize, b: &BatchInput) -> Vec<ReturneeInput> {
        (0..n)
            .map(|i| {
                ReturneeDraft {
                    person: PersonDraft {
                        full_name: format!("Người Thứ {}", ["An", "Bình", "Cường"][i % 3]),
                        street: format!("Tổ {i}"),
                        area_id: if i.is_multiple_of(2) {
                            "L03386"
                        } else {
                            "L03387"
                        }
                        .into(),
                        ..PersonDraft::default()
                    },
                    subject: if i.is_multiple_of(3) {
                        "f1"
                    } else {
                        "returnee"
                    }
                    .into(),
                    ..ReturneeDraft::default()
                }
                .parse(b, today())
                .unwrap()
            })
            .collect()
    }

    async fn count(store: &Store, table: &str) -> i64 {
        store
            .connection()
            .query_one(
                &Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from(Alias::new(table))
                    .to_owned(),
            )
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap()
    }

    #[tokio::test]
    async fn an_import_writes_each_person_with_their_own_record_and_order_or_nothing() {
        let db = store().await;
        let store = &db.store;
        let b = batch();
        let fallback = FallbackDraft {
            fallback_kind: "home".into(),
            fallback_days: "14".into(),
            fallback_test_days: "1, 7, 14".into(),
            fallback_monitoring_days: "14".into(),
            fallback_basis: "Kế hoạch của tỉnh".into(),
        }
        .parse()
        .unwrap();
        let who = Who::console();
        let input = rows(250, &b);

        // Dropped before commit: nothing at all, the batch included.
        let mut import = store
            .begin_returnee_import(&Scope::everywhere(), &who, &b, fallback.as_ref())
            .await
            .unwrap();
        import.add(&input[..120]).await.unwrap();
        drop(import);
        for t in [
            "returnee_batches",
            "persons",
            "returnees",
            "quarantine_orders",
        ] {
            assert_eq!(count(store, t).await, 0, "{t}");
        }

        let mut import = store
            .begin_returnee_import(&Scope::everywhere(), &who, &b, fallback.as_ref())
            .await
            .unwrap();
        import.add(&input[..130]).await.unwrap();
        import.add(&input[130..]).await.unwrap();
        let (batch_id, n) = import.commit("danh-sach.xlsx").await.unwrap();
        assert_eq!(n, 250);
        for t in ["persons", "returnees", "quarantine_orders"] {
            assert_eq!(count(store, t).await, 250, "{t}");
        }
        // Every order belongs to its returnee's person, with the row's name, street, commune
        // and subject; F1 rows got CĐ 600's rule, returnees the province's decision.
        let rows = store
            .connection()
            .query_all(
                &Query::select()
                    .expr_as(Expr::cust("p.full_name"), "name")
                    .expr_as(Expr::cust("p.street"), "street")
                    .expr_as(Expr::cust("o.area_id"), "area")
                    .expr_as(Expr::cust("o.kind"), "kind")
                    .expr_as(Expr::cust("r.subject"), "subject")
                    .expr_as(Expr::cust("o.overridden"), "overridden")
                    .from_as(Alias::new("returnees"), Alias::new("r"))
                    .join_as(
                        JoinType::InnerJoin,
                        Alias::new("persons"),
                        Alias::new("p"),
                        Expr::cust("p.id = r.person_id"),
                    )
                    .join_as(
                        JoinType::InnerJoin,
                        Alias::new("quarantine_orders"),
                        Alias::new("o"),
                        Expr::cust("o.returnee_id = r.id AND o.person_id = r.person_id"),
                    )
                    .and_where(Expr::cust("r.batch_id").eq(batch_id))
                    .to_owned(),
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 250);
        for r in rows {
            let street: String = r.try_get("", "street").unwrap();
            let i: usize = street.trim_start_matches("Tổ ").parse().unwrap();
            let name: String = r.try_get("", "name").unwrap();
            assert!(
                name.ends_with(["An", "Bình", "Cường"][i % 3]),
                "{i}: {name}"
            );
            let area: String = r.try_get("", "area").unwrap();
            assert_eq!(
                area,
                if i.is_multiple_of(2) {
                    "L03386"
                } else {
                    "L03387"
                }
            );
            let kind: String = r.try_get("", "kind").unwrap();
            let subject: String = r.try_get("", "subject").unwrap();
            let overridden: bool = r.try_get("", "overridden").unwrap();
            if i.is_multiple_of(3) {
                assert_eq!(
                    (kind.as_str(), subject.as_str(), overridden),
                    ("centralized", "f1", false)
                );
            } else {
                assert_eq!(
                    (kind.as_str(), subject.as_str(), overridden),
                    ("home", "returnee", true)
                );
            }
        }
    }
}
