//! Outbreaks (ổ dịch): cases grouped by place, their zones, timeline, chain and curve.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::cases::{CaseFilter, apply_filter};
use crate::contacts::Chain;
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::access::Scope;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::flevel::Exposure;
use chongdich_domain::outbreak::{OutbreakInput, ZoneInput};
use chongdich_domain::text::search_key;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct OutbreakRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub disease_id: i64,
    pub disease_code: String,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    pub place: String,
    pub setting: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub case_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ZoneRow {
    pub id: i64,
    pub outbreak_id: i64,
    pub area_id: String,
    pub area_name: String,
    pub kind: String,
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

/// Cases per day and where they were found, for an epidemic curve.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CurvePoint {
    pub day: NaiveDate,
    pub found_in: String,
    pub n: i64,
}

fn select_outbreaks(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(
            ["id", "province_code", "disease_id", "area_id", "name", "place", "setting", "started_on", "ended_on", "created_at"]
                .map(|c| (Alias::new("o"), Alias::new(c))),
        )
        .expr_as(Expr::cust("d.code"), "disease_code")
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM cases c WHERE c.outbreak_id = o.id AND c.classification = 'confirmed')"),
            "case_count",
        )
        .from_as("outbreaks", "o")
        .join_as(JoinType::InnerJoin, "areas", "a", Expr::cust("a.id = o.area_id"))
        .join_as(JoinType::InnerJoin, "diseases", "d", Expr::cust("d.id = o.disease_id"))
        .and_where(area_in_scope((Alias::new("o"), Alias::new("area_id")), scope))
        .to_owned()
}

impl Store {
    pub async fn create_outbreak(
        &self,
        scope: &Scope,
        who: &Who,
        input: &OutbreakInput,
    ) -> Result<OutbreakRow, StoreError> {
        let rules = self.disease_for_input(&input.disease).await?;
        self.check_area(scope, &input.area_id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, input.area_id.as_str()).await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("outbreaks")
                    .columns([
                        "province_code",
                        "disease_id",
                        "area_id",
                        "name",
                        "search_key",
                        "place",
                        "setting",
                        "started_on",
                        "created_at",
                    ])
                    .values_panic([
                        province.into(),
                        rules.disease.id.into(),
                        input.area_id.as_str().into(),
                        input.name.clone().into(),
                        search_key(&input.name).into(),
                        input.place.clone().into(),
                        input.setting.as_str().into(),
                        input.started_on.into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("ổ dịch"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "outbreak", Some(id.to_string()))
                .in_area(input.area_id.as_str())
                .with_detail(input.name.clone()),
        )
        .await?;
        txn.commit().await?;
        self.outbreak_row(scope, id).await
    }

    pub async fn outbreak_row(&self, scope: &Scope, id: i64) -> Result<OutbreakRow, StoreError> {
        let stmt = select_outbreaks(scope)
            .and_where(Expr::col((Alias::new("o"), Alias::new("id"))).eq(id))
            .to_owned();
        OutbreakRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("ổ dịch"))
    }

    /// Outbreaks within the scope, the active ones first, newest first.
    pub async fn outbreaks(
        &self,
        scope: &Scope,
        disease_id: Option<i64>,
        active_only: bool,
        limit: u64,
        offset: u64,
    ) -> Result<Page<OutbreakRow>, StoreError> {
        let mut stmt = select_outbreaks(scope);
        if let Some(d) = disease_id {
            stmt.and_where(Expr::col((Alias::new("o"), Alias::new("disease_id"))).eq(d));
        }
        if active_only {
            stmt.and_where(Expr::col((Alias::new("o"), Alias::new("ended_on"))).is_null());
        }
        let total = crate::count_of(&self.db, &stmt).await?;
        stmt.order_by_expr(
            Expr::cust("CASE WHEN o.ended_on IS NULL THEN 0 ELSE 1 END"),
            Order::Asc,
        )
        .order_by((Alias::new("o"), Alias::new("started_on")), Order::Desc)
        .order_by((Alias::new("o"), Alias::new("id")), Order::Desc)
        .limit(limit)
        .offset(offset);
        let items = OutbreakRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// Declares an outbreak over on a date.
    pub async fn end_outbreak(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        on: NaiveDate,
    ) -> Result<OutbreakRow, StoreError> {
        let o = self.outbreak_row(scope, id).await?;
        if on < o.started_on {
            return Err(chongdich_domain::Invalid::field(
                "ended_on",
                "ngày kết thúc trước ngày phát hiện",
            )
            .into());
        }
        if on > self.clock.today() {
            return Err(chongdich_domain::Invalid::field("ended_on", "ngày ở tương lai").into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("outbreaks")
                .value("ended_on", on)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "outbreak", Some(id.to_string()))
                .in_area(o.area_id.clone())
                .with_detail(format!("kết thúc ổ dịch {}", on.format("%d/%m/%Y"))),
        )
        .await?;
        txn.commit().await?;
        self.outbreak_row(scope, id).await
    }

    pub async fn add_zone(
        &self,
        scope: &Scope,
        who: &Who,
        outbreak_id: i64,
        z: &ZoneInput,
    ) -> Result<Vec<ZoneRow>, StoreError> {
        let o = self.outbreak_row(scope, outbreak_id).await?;
        self.check_area(scope, &z.area_id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::insert()
                .into_table("outbreak_zones")
                .columns([
                    "outbreak_id",
                    "area_id",
                    "kind",
                    "description",
                    "starts_on",
                    "ends_on",
                    "created_at",
                ])
                .values_panic([
                    outbreak_id.into(),
                    z.area_id.as_str().into(),
                    z.kind.as_str().into(),
                    z.description.clone().into(),
                    z.starts_on.into(),
                    z.ends_on.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Create,
                "outbreak_zone",
                Some(outbreak_id.to_string()),
            )
            .in_area(o.area_id.clone())
            .with_detail(format!("{} {}", z.kind.label(), z.area_id.as_str())),
        )
        .await?;
        txn.commit().await?;
        self.zones(outbreak_id).await
    }

    pub async fn zones(&self, outbreak_id: i64) -> Result<Vec<ZoneRow>, StoreError> {
        let stmt = Query::select()
            .columns(
                [
                    "id",
                    "outbreak_id",
                    "area_id",
                    "kind",
                    "description",
                    "starts_on",
                    "ends_on",
                ]
                .map(|c| (Alias::new("z"), Alias::new(c))),
            )
            .expr_as(Expr::cust("a.name"), "area_name")
            .from_as("outbreak_zones", "z")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = z.area_id"),
            )
            .and_where(Expr::col((Alias::new("z"), Alias::new("outbreak_id"))).eq(outbreak_id))
            .order_by((Alias::new("z"), Alias::new("starts_on")), Order::Asc)
            .to_owned();
        Ok(
            ZoneRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Cases per day (curve date) and place found, for the cases matching a filter.
    pub async fn curve(
        &self,
        scope: &Scope,
        f: &CaseFilter,
    ) -> Result<Vec<CurvePoint>, StoreError> {
        let mut stmt = Query::select()
            .expr_as(Expr::cust("c.curve_date"), "day")
            .expr_as(Expr::cust("c.found_in"), "found_in")
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_as("cases", "c")
            .join_as(
                JoinType::InnerJoin,
                "persons",
                "p",
                Expr::cust("p.id = c.person_id"),
            )
            .to_owned();
        apply_filter(&mut stmt, scope, f);
        stmt.add_group_by([Expr::cust("c.curve_date"), Expr::cust("c.found_in")])
            .order_by_expr(Expr::cust("c.curve_date"), Order::Asc);
        Ok(
            CurvePoint::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The chain of an outbreak: its confirmed cases and the exposures among them.
    pub async fn outbreak_chain(&self, scope: &Scope, id: i64) -> Result<Chain, StoreError> {
        let o = self.outbreak_row(scope, id).await?;
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .column("person_id")
                    .from("cases")
                    .and_where(Expr::col("outbreak_id").eq(id))
                    .and_where(Expr::col("classification").eq("confirmed"))
                    .to_owned(),
            )
            .await?;
        let mut people = BTreeSet::new();
        for r in rows {
            people.insert(r.try_get::<i64>("", "person_id")?);
        }
        let ids: Vec<i64> = people.iter().copied().collect();
        let mut edges = Vec::new();
        #[derive(FromQueryResult)]
        struct E {
            id: i64,
            source_person_id: i64,
            exposed_person_id: i64,
            first_date: NaiveDate,
            last_date: NaiveDate,
        }
        for chunk in ids.chunks(500) {
            let stmt = Query::select()
                .columns([
                    "id",
                    "source_person_id",
                    "exposed_person_id",
                    "first_date",
                    "last_date",
                ])
                .from("exposures")
                .and_where(Expr::col("disease_id").eq(o.disease_id))
                .and_where(Expr::col("exposed_person_id").is_in(chunk.to_vec()))
                .to_owned();
            for e in E::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?
            {
                if people.contains(&e.source_person_id) {
                    edges.push(Exposure {
                        id: e.id,
                        source: e.source_person_id,
                        exposed: e.exposed_person_id,
                        first: e.first_date,
                        last: e.last_date,
                    });
                }
            }
        }
        self.chain_of(o.disease_id, &people, edges, false).await
    }
}
