//! Tests: labs with their daily capacity, samples and results. A positive result of a test
//! that the disease's rule set counts as confirmatory confirms the person's case.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::{CaseDates, CaseInput, Classification, FoundIn, Setting};
use chongdich_domain::sample::{ResultInput, SampleInput, SampleKind, SampleReason, TestResult};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct LabRow {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    pub capacity_per_day: i32,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct SampleRow {
    pub id: i64,
    pub area_id: String,
    pub person_id: i64,
    pub full_name: String,
    pub case_id: Option<i64>,
    pub disease_id: i64,
    pub disease_code: String,
    pub kind: String,
    pub reason: String,
    pub pool_size: Option<i32>,
    pub pool_code: Option<String>,
    pub taken_on: NaiveDate,
    pub lab_id: Option<i64>,
    pub lab_name: Option<String>,
    pub symptoms: String,
    pub result: String,
    pub result_on: Option<NaiveDate>,
    pub ct: Option<f64>,
    pub created_at: DateTime<Utc>,
}

/// Samples taken per lab and day against the lab's capacity.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct LabLoad {
    pub lab_id: i64,
    pub lab_name: String,
    pub capacity_per_day: i32,
    pub day: NaiveDate,
    pub samples: i64,
    pub positive: i64,
}

/// What recording a result did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResultOutcome {
    pub sample: SampleRow,
    /// The case confirmed by this result, if the rules made it confirmatory.
    pub confirmed_case_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct SampleFilter {
    pub area: Option<AreaId>,
    pub lab_id: Option<i64>,
    pub result: Option<TestResult>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub person_id: Option<i64>,
}

fn select_samples(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "area_id",
                "person_id",
                "case_id",
                "disease_id",
                "kind",
                "reason",
                "pool_size",
                "pool_code",
                "taken_on",
                "lab_id",
                "symptoms",
                "result",
                "result_on",
                "ct",
                "created_at",
            ]
            .map(|c| (Alias::new("s"), Alias::new(c))),
        )
        .expr_as(Expr::cust("p.full_name"), "full_name")
        .expr_as(Expr::cust("d.code"), "disease_code")
        .expr_as(Expr::cust("l.name"), "lab_name")
        .from_as("samples", "s")
        .join_as(
            JoinType::InnerJoin,
            "persons",
            "p",
            Expr::cust("p.id = s.person_id"),
        )
        .join_as(
            JoinType::InnerJoin,
            "diseases",
            "d",
            Expr::cust("d.id = s.disease_id"),
        )
        .join_as(
            JoinType::LeftJoin,
            "labs",
            "l",
            Expr::cust("l.id = s.lab_id"),
        )
        .and_where(area_in_scope(
            (Alias::new("s"), Alias::new("area_id")),
            scope,
        ))
        .to_owned()
}

/// Where a case confirmed by a test was found, from why the sample was taken.
fn found_in_for(reason: SampleReason) -> FoundIn {
    match reason {
        SampleReason::Quarantine => FoundIn::Quarantine,
        SampleReason::Returnee => FoundIn::PointOfEntry,
        _ => FoundIn::Community,
    }
}

impl Store {
    pub async fn create_lab(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        name: &str,
        capacity_per_day: i32,
    ) -> Result<LabRow, StoreError> {
        let name = chongdich_domain::text::clean(name);
        let mut c = chongdich_domain::error::Collector::new();
        if name.chars().count() < 3 || name.chars().count() > 200 {
            c.push("name", "tên phòng xét nghiệm từ 3 đến 200 ký tự");
        }
        if !(0..=1_000_000).contains(&capacity_per_day) {
            c.push("capacity_per_day", "công suất từ 0 đến 1.000.000 mẫu/ngày");
        }
        c.finish()?;
        self.check_area(scope, area).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, area.as_str()).await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("labs")
                    .columns([
                        "province_code",
                        "area_id",
                        "name",
                        "capacity_per_day",
                        "created_at",
                    ])
                    .values_panic([
                        province.into(),
                        area.as_str().into(),
                        name.clone().into(),
                        capacity_per_day.into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("phòng xét nghiệm"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "lab", Some(id.to_string()))
                .in_area(area.as_str())
                .with_detail(name),
        )
        .await?;
        txn.commit().await?;
        self.lab(scope, id).await
    }

    pub async fn lab(&self, scope: &Scope, id: i64) -> Result<LabRow, StoreError> {
        self.labs(scope)
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or(StoreError::NotFound("phòng xét nghiệm"))
    }

    pub async fn labs(&self, scope: &Scope) -> Result<Vec<LabRow>, StoreError> {
        let stmt = Query::select()
            .columns(
                ["id", "area_id", "name", "capacity_per_day"]
                    .map(|c| (Alias::new("l"), Alias::new(c))),
            )
            .expr_as(Expr::cust("a.name"), "area_name")
            .from_as("labs", "l")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = l.area_id"),
            )
            .and_where(area_in_scope(
                (Alias::new("l"), Alias::new("area_id")),
                scope,
            ))
            .order_by((Alias::new("l"), Alias::new("id")), Order::Asc)
            .to_owned();
        Ok(
            LabRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Records a sample taken from a person.
    pub async fn create_sample(
        &self,
        scope: &Scope,
        who: &Who,
        person_id: i64,
        input: &SampleInput,
    ) -> Result<SampleRow, StoreError> {
        let rules = self.disease_for_input(&input.disease).await?;
        let person = self.person_row(scope, person_id).await.map_err(|e| {
            e.not_found_as(
                "person_id",
                format!("không có người #{person_id} trong phạm vi của bạn"),
            )
        })?;
        if let Some(lab) = input.lab_id
            && self.lab(&Scope::everywhere(), lab).await.is_err()
        {
            return Err(
                Invalid::field("lab_id", format!("không có phòng xét nghiệm #{lab}")).into(),
            );
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let case_id = {
            let row = txn
                .query_one(
                    &Query::select()
                        .column("id")
                        .from("cases")
                        .and_where(Expr::col("person_id").eq(person_id))
                        .and_where(Expr::col("disease_id").eq(rules.disease.id))
                        .and_where(Expr::col("classification").ne("discarded"))
                        .order_by("id", Order::Desc)
                        .limit(1)
                        .to_owned(),
                )
                .await?;
            match row {
                Some(r) => Some(r.try_get::<i64>("", "id")?),
                None => None,
            }
        };
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("samples")
                    .columns([
                        "province_code",
                        "area_id",
                        "person_id",
                        "case_id",
                        "disease_id",
                        "kind",
                        "reason",
                        "pool_size",
                        "pool_code",
                        "taken_on",
                        "lab_id",
                        "symptoms",
                        "result",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        person.province_code.clone().into(),
                        person.area_id.clone().into(),
                        person_id.into(),
                        case_id.into(),
                        rules.disease.id.into(),
                        input.kind.as_str().into(),
                        input.reason.as_str().into(),
                        input.pool_size.map(|n| n as i32).into(),
                        input.pool_code.clone().into(),
                        input.taken_on.into(),
                        input.lab_id.into(),
                        input.symptoms.clone().into(),
                        TestResult::Pending.as_str().into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("mẫu"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "sample", Some(id.to_string()))
                .in_area(person.area_id.clone())
                .with_detail(format!("{} — {}", person.full_name, input.kind.label())),
        )
        .await?;
        txn.commit().await?;
        self.sample(scope, id).await
    }

    pub async fn sample(&self, scope: &Scope, id: i64) -> Result<SampleRow, StoreError> {
        let stmt = select_samples(scope)
            .and_where(Expr::col((Alias::new("s"), Alias::new("id"))).eq(id))
            .to_owned();
        SampleRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("mẫu xét nghiệm"))
    }

    /// Records a result. A positive individual result of a confirmatory test (per the rule set
    /// in force) confirms the person's open case, or registers a confirmed case if there is
    /// none — in the same transaction as the result.
    pub async fn set_result(
        &self,
        scope: &Scope,
        who: &Who,
        sample_id: i64,
        r: &ResultInput,
    ) -> Result<ResultOutcome, StoreError> {
        let s = self.sample(scope, sample_id).await?;
        let rules = self.disease(s.disease_id).await?;
        let kind = SampleKind::parse(&s.kind)?;
        let pooled = s.pool_size.is_some_and(|n| n > 1);
        let today = self.clock.today();
        let now = self.clock.now();
        let confirms = r.result == TestResult::Positive
            && self
                .rules_today(&rules)
                .is_some_and(|p| p.confirms(kind, pooled));
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("samples")
                .value("result", r.result.as_str())
                .value("result_on", r.result_on)
                .value("ct", r.ct)
                .and_where(Expr::col("id").eq(sample_id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "sample", Some(sample_id.to_string()))
                .in_area(s.area_id.clone())
                .with_detail(format!("kết quả {}: {}", s.kind, r.result.label())),
        )
        .await?;
        let mut confirmed_case_id = None;
        if confirms {
            let reason = format!("xét nghiệm #{sample_id} ({}) dương tính", kind.label());
            let already = txn
                .query_one(
                    &Query::select()
                        .column("id")
                        .from("cases")
                        .and_where(Expr::col("person_id").eq(s.person_id))
                        .and_where(Expr::col("disease_id").eq(s.disease_id))
                        .and_where(Expr::col("classification").eq("confirmed"))
                        .limit(1)
                        .to_owned(),
                )
                .await?;
            if already.is_none() {
                if let Some(case_id) = Store::open_case_of(&txn, s.person_id, s.disease_id).await? {
                    self.confirm_in(&txn, who, case_id, s.taken_on, r.result_on, &reason)
                        .await?;
                    confirmed_case_id = Some(case_id);
                } else {
                    let person = self.person_row(&Scope::everywhere(), s.person_id).await?;
                    let input = CaseInput {
                        disease: rules.disease.code.clone(),
                        classification: Classification::Confirmed,
                        case_code: None,
                        dates: CaseDates {
                            onset: None,
                            sample: Some(s.taken_on),
                            confirmed: Some(r.result_on),
                            isolated: None,
                        },
                        found_in: found_in_for(
                            SampleReason::parse(&s.reason).unwrap_or(SampleReason::Other),
                        ),
                        source_known: false,
                        setting: Setting::Other,
                        treatment_place: String::new(),
                        illegal_entry: false,
                        notes: reason.clone(),
                    };
                    let id = self
                        .insert_case(&txn, who, &person, &rules, &input, now, today)
                        .await?;
                    confirmed_case_id = Some(id);
                }
                if let Some(c) = confirmed_case_id {
                    txn.execute(
                        &Query::update()
                            .table("samples")
                            .value("case_id", c)
                            .and_where(Expr::col("id").eq(sample_id))
                            .to_owned(),
                    )
                    .await?;
                }
            }
        }
        txn.commit().await?;
        Ok(ResultOutcome {
            sample: self.sample(scope, sample_id).await?,
            confirmed_case_id,
        })
    }

    /// Confirms an open case inside a transaction (from a test result).
    async fn confirm_in<C: ConnectionTrait>(
        &self,
        txn: &C,
        who: &Who,
        case_id: i64,
        sample_on: NaiveDate,
        on: NaiveDate,
        reason: &str,
    ) -> Result<(), StoreError> {
        let row = txn
            .query_one(
                &Query::select()
                    .columns([
                        "person_id",
                        "disease_id",
                        "classification",
                        "area_id",
                        "onset_date",
                    ])
                    .from("cases")
                    .and_where(Expr::col("id").eq(case_id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("ca bệnh"))?;
        let person_id: i64 = row.try_get("", "person_id")?;
        let disease_id: i64 = row.try_get("", "disease_id")?;
        let from = Classification::parse(&row.try_get::<String>("", "classification")?)?;
        let area: String = row.try_get("", "area_id")?;
        let onset: Option<NaiveDate> = row.try_get("", "onset_date")?;
        let now = self.clock.now();
        let mut q = Query::update();
        q.table("cases")
            .value("classification", "confirmed")
            .value("confirmed_date", on)
            .value("sample_date", sample_on)
            .value("updated_at", now);
        if onset.is_none() {
            q.value("curve_date", sample_on);
        }
        q.and_where(Expr::col("id").eq(case_id));
        txn.execute(&q).await?;
        crate::cases::add_event(
            txn,
            case_id,
            now,
            on,
            Some(from),
            Classification::Confirmed,
            reason,
            who,
        )
        .await?;
        audit::append(
            txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "case", Some(case_id.to_string()))
                .in_area(area)
                .with_detail(format!("{} → Xác định: {reason}", from.label())),
        )
        .await?;
        self.recompute_flevels(txn, disease_id, &[person_id]).await
    }

    /// Samples within the scope, newest first.
    pub async fn samples(
        &self,
        scope: &Scope,
        f: &SampleFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<SampleRow>, StoreError> {
        let mut stmt = select_samples(scope);
        let s = |c: &'static str| (Alias::new("s"), Alias::new(c));
        if let Some(a) = &f.area {
            stmt.and_where(area_in_scope(s("area_id"), &Scope::of([a.clone()])));
        }
        if let Some(l) = f.lab_id {
            stmt.and_where(Expr::col(s("lab_id")).eq(l));
        }
        if let Some(r) = f.result {
            stmt.and_where(Expr::col(s("result")).eq(r.as_str()));
        }
        if let Some(d) = f.from {
            stmt.and_where(Expr::col(s("taken_on")).gte(d));
        }
        if let Some(d) = f.to {
            stmt.and_where(Expr::col(s("taken_on")).lte(d));
        }
        if let Some(p) = f.person_id {
            stmt.and_where(Expr::col(s("person_id")).eq(p));
        }
        let total = crate::count_capped(&self.db, &stmt, 10_000).await?;
        stmt.order_by(s("taken_on"), Order::Desc)
            .order_by(s("id"), Order::Desc)
            .limit(limit)
            .offset(offset);
        let items = SampleRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// Samples per lab per day in a period, against each lab's capacity.
    pub async fn lab_load(
        &self,
        scope: &Scope,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<LabLoad>, StoreError> {
        let stmt = Query::select()
            .expr_as(Expr::cust("l.id"), "lab_id")
            .expr_as(Expr::cust("l.name"), "lab_name")
            .expr_as(Expr::cust("l.capacity_per_day"), "capacity_per_day")
            .expr_as(Expr::cust("s.taken_on"), "day")
            .expr_as(Expr::cust("COUNT(*)"), "samples")
            .expr_as(
                Expr::cust("SUM(CASE WHEN s.result = 'positive' THEN 1 ELSE 0 END)"),
                "positive",
            )
            .from_as("samples", "s")
            .join_as(
                JoinType::InnerJoin,
                "labs",
                "l",
                Expr::cust("l.id = s.lab_id"),
            )
            .and_where(area_in_scope(
                (Alias::new("l"), Alias::new("area_id")),
                scope,
            ))
            .and_where(Expr::col((Alias::new("s"), Alias::new("taken_on"))).gte(from))
            .and_where(Expr::col((Alias::new("s"), Alias::new("taken_on"))).lte(to))
            .add_group_by([
                Expr::cust("l.id"),
                Expr::cust("l.name"),
                Expr::cust("l.capacity_per_day"),
                Expr::cust("s.taken_on"),
            ])
            .order_by_expr(Expr::cust("s.taken_on"), Order::Desc)
            .order_by_expr(Expr::cust("l.id"), Order::Asc)
            .to_owned();
        Ok(
            LabLoad::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}
