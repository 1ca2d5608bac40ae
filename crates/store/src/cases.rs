//! Cases (F0 and suspects): registration, classification with its history, outcome, lists.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::diseases::DiseaseRules;
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::{CaseInput, Classification, FoundIn, Outcome};
use chongdich_domain::text::search_key;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CaseRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub area_name: String,
    pub person_id: i64,
    pub full_name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub disease_id: i64,
    pub disease_code: String,
    pub case_code: Option<String>,
    pub classification: String,
    pub onset_date: Option<NaiveDate>,
    pub sample_date: Option<NaiveDate>,
    pub confirmed_date: Option<NaiveDate>,
    pub isolated_on: Option<NaiveDate>,
    pub curve_date: NaiveDate,
    pub found_in: String,
    pub source_known: bool,
    pub setting: String,
    pub treatment_place: String,
    pub outcome: String,
    pub outcome_date: Option<NaiveDate>,
    pub illegal_entry: bool,
    pub outbreak_id: Option<i64>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CaseRow {
    pub fn classification(&self) -> Option<Classification> {
        Classification::parse(&self.classification).ok()
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CaseEventRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub on_date: NaiveDate,
    pub from_class: Option<String>,
    pub to_class: String,
    pub reason: String,
    pub by_user: String,
}

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub q: String,
    pub area: Option<AreaId>,
    pub disease_id: Option<i64>,
    pub classification: Option<Classification>,
    pub found_in: Option<FoundIn>,
    pub outbreak_id: Option<i64>,
    /// On the epidemic-curve date (onset, else sample, else confirmation).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

pub(crate) fn select_cases() -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "province_code",
                "area_id",
                "person_id",
                "disease_id",
                "case_code",
                "classification",
                "onset_date",
                "sample_date",
                "confirmed_date",
                "isolated_on",
                "curve_date",
                "found_in",
                "source_known",
                "setting",
                "treatment_place",
                "outcome",
                "outcome_date",
                "illegal_entry",
                "outbreak_id",
                "notes",
                "created_at",
                "updated_at",
            ]
            .map(|c| (Alias::new("c"), Alias::new(c))),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(Expr::cust("p.full_name"), "full_name")
        .expr_as(Expr::cust("p.birth_year"), "birth_year")
        .expr_as(Expr::cust("p.sex"), "sex")
        .expr_as(Expr::cust("d.code"), "disease_code")
        .from_as("cases", "c")
        .join_as(
            JoinType::InnerJoin,
            "persons",
            "p",
            Expr::cust("p.id = c.person_id"),
        )
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = c.area_id"),
        )
        .join_as(
            JoinType::InnerJoin,
            "diseases",
            "d",
            Expr::cust("d.id = c.disease_id"),
        )
        .to_owned()
}

fn col(c: &'static str) -> (Alias, Alias) {
    (Alias::new("c"), Alias::new(c))
}

pub(crate) fn apply_filter(stmt: &mut SelectStatement, scope: &Scope, f: &CaseFilter) {
    stmt.and_where(area_in_scope(col("area_id"), scope));
    if let Some(area) = &f.area {
        stmt.and_where(area_in_scope(col("area_id"), &Scope::of([area.clone()])));
    }
    if let Some(d) = f.disease_id {
        stmt.and_where(Expr::col(col("disease_id")).eq(d));
    }
    if let Some(c) = f.classification {
        stmt.and_where(Expr::col(col("classification")).eq(c.as_str()));
    }
    if let Some(x) = f.found_in {
        stmt.and_where(Expr::col(col("found_in")).eq(x.as_str()));
    }
    if let Some(o) = f.outbreak_id {
        stmt.and_where(Expr::col(col("outbreak_id")).eq(o));
    }
    if let Some(d) = f.from {
        stmt.and_where(Expr::col(col("curve_date")).gte(d));
    }
    if let Some(d) = f.to {
        stmt.and_where(Expr::col(col("curve_date")).lte(d));
    }
    let q = f.q.trim();
    if !q.is_empty() {
        let key = search_key(q);
        let hi = format!("{key}~");
        stmt.cond_where(
            Cond::any()
                .add(Expr::col(col("case_code")).eq(q))
                .add(
                    Expr::col((Alias::new("p"), Alias::new("search_key")))
                        .gte(key.clone())
                        .and(Expr::col((Alias::new("p"), Alias::new("search_key"))).lt(hi.clone())),
                )
                .add(
                    Expr::col((Alias::new("p"), Alias::new("given_key")))
                        .gte(key)
                        .and(Expr::col((Alias::new("p"), Alias::new("given_key"))).lt(hi)),
                ),
        );
    }
}

#[allow(clippy::too_many_arguments)]
/// Appends one entry to a case's classification history.
pub(crate) async fn add_event<C: ConnectionTrait>(
    txn: &C,
    case_id: i64,
    now: DateTime<Utc>,
    on: NaiveDate,
    from: Option<Classification>,
    to: Classification,
    reason: &str,
    who: &Who,
) -> Result<(), StoreError> {
    txn.execute(
        &Query::insert()
            .into_table("case_events")
            .columns([
                "case_id",
                "at",
                "on_date",
                "from_class",
                "to_class",
                "reason",
                "by_user",
            ])
            .values_panic([
                case_id.into(),
                now.into(),
                on.into(),
                from.map(|c| c.as_str().to_owned()).into(),
                to.as_str().into(),
                reason.into(),
                who.username.clone().into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Registers a case for a person. The case is filed in the person's area. A confirmed case
    /// recomputes the F-levels around the person in the same transaction.
    pub async fn create_case(
        &self,
        scope: &Scope,
        who: &Who,
        person_id: i64,
        input: &CaseInput,
    ) -> Result<i64, StoreError> {
        let rules = self.disease_for_input(&input.disease).await?;
        let person = self.person_row(scope, person_id).await.map_err(|e| {
            e.not_found_as(
                "person_id",
                format!("không có người #{person_id} trong phạm vi của bạn"),
            )
        })?;
        if person.merged_into.is_some() {
            return Err(Invalid::field("person_id", "hồ sơ đã được gộp vào hồ sơ khác").into());
        }
        let now = self.clock.now();
        let today = self.clock.today();
        let txn = self.write().await?;
        let id = self
            .insert_case(&txn, who, &person, &rules, input, now, today)
            .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Inserts a case with its first history entry and audit entry, recomputing F-levels when
    /// it is an F0, within the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_case<C: ConnectionTrait>(
        &self,
        txn: &C,
        who: &Who,
        person: &crate::persons::PersonRow,
        rules: &DiseaseRules,
        input: &CaseInput,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<i64, StoreError> {
        let person_id = person.id;
        let curve = input.dates.curve_date().unwrap_or(today);
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("cases")
                    .columns([
                        "province_code",
                        "area_id",
                        "person_id",
                        "disease_id",
                        "case_code",
                        "classification",
                        "onset_date",
                        "sample_date",
                        "confirmed_date",
                        "isolated_on",
                        "curve_date",
                        "found_in",
                        "source_known",
                        "setting",
                        "treatment_place",
                        "outcome",
                        "outcome_date",
                        "illegal_entry",
                        "outbreak_id",
                        "notes",
                        "created_at",
                        "updated_at",
                    ])
                    .values_panic([
                        person.province_code.clone().into(),
                        person.area_id.clone().into(),
                        person_id.into(),
                        rules.disease.id.into(),
                        input.case_code.clone().into(),
                        input.classification.as_str().into(),
                        input.dates.onset.into(),
                        input.dates.sample.into(),
                        input.dates.confirmed.into(),
                        input.dates.isolated.into(),
                        curve.into(),
                        input.found_in.as_str().into(),
                        input.source_known.into(),
                        input.setting.as_str().into(),
                        input.treatment_place.clone().into(),
                        Outcome::Treating.as_str().into(),
                        Option::<NaiveDate>::None.into(),
                        input.illegal_entry.into(),
                        Option::<i64>::None.into(),
                        input.notes.clone().into(),
                        now.into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("ca bệnh"))?;
        let id: i64 = row.try_get("", "id")?;
        let reason = if input.illegal_entry {
            "nhập cảnh trái phép"
        } else {
            "đăng ký ca bệnh"
        };
        add_event(txn, id, now, today, None, input.classification, reason, who).await?;
        audit::append(
            txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "case", Some(id.to_string()))
                .in_area(person.area_id.clone())
                .with_detail(format!(
                    "{} — {}",
                    person.full_name,
                    input.classification.label()
                )),
        )
        .await?;
        if rules
            .params_on(today)
            .is_some_and(|p| p.is_f0(input.classification))
        {
            self.recompute_flevels(txn, rules.disease.id, &[person_id])
                .await?;
        }
        Ok(id)
    }

    pub(crate) async fn case_row(&self, scope: &Scope, id: i64) -> Result<CaseRow, StoreError> {
        let stmt = select_cases()
            .and_where(Expr::col(col("id")).eq(id))
            .and_where(area_in_scope(col("area_id"), scope))
            .to_owned();
        CaseRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("ca bệnh"))
    }

    /// One case; the read is audited.
    pub async fn case(&self, scope: &Scope, who: &Who, id: i64) -> Result<CaseRow, StoreError> {
        let c = self.case_row(scope, id).await?;
        self.audit(
            who,
            AuditEvent::new(AuditAction::View, "case", Some(id.to_string()))
                .in_area(c.area_id.clone()),
        )
        .await?;
        Ok(c)
    }

    pub async fn case_events(&self, case_id: i64) -> Result<Vec<CaseEventRow>, StoreError> {
        Ok(CaseEventRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns([
                        "id",
                        "at",
                        "on_date",
                        "from_class",
                        "to_class",
                        "reason",
                        "by_user",
                    ])
                    .from("case_events")
                    .and_where(Expr::col("case_id").eq(case_id))
                    .order_by("id", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?)
    }

    /// Cases of a person (any disease), newest first.
    pub async fn cases_of_person(
        &self,
        scope: &Scope,
        person_id: i64,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let stmt = select_cases()
            .and_where(Expr::col(col("person_id")).eq(person_id))
            .and_where(area_in_scope(col("area_id"), scope))
            .order_by(col("id"), Order::Desc)
            .to_owned();
        Ok(
            CaseRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The case list: filtered, newest first, total counted up to 10,000. Audited as a search.
    pub async fn cases(
        &self,
        scope: &Scope,
        who: &Who,
        f: &CaseFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<CaseRow>, StoreError> {
        let mut stmt = select_cases();
        apply_filter(&mut stmt, scope, f);
        let total = crate::count_capped(&self.db, &stmt, 10_000).await?;
        stmt.order_by(col("curve_date"), Order::Desc)
            .order_by(col("id"), Order::Desc)
            .limit(limit)
            .offset(offset);
        let items = CaseRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        if !f.q.trim().is_empty() {
            self.audit(
                who,
                AuditEvent::new(AuditAction::View, "case_search", None).with_detail(format!(
                    "tìm \"{}\": {} kết quả",
                    f.q.trim(),
                    items.len()
                )),
            )
            .await?;
        }
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// A chunk of the case list in id order after `after` (for exports in constant memory).
    pub async fn cases_chunk(
        &self,
        scope: &Scope,
        f: &CaseFilter,
        after: i64,
        n: u64,
    ) -> Result<Vec<CaseRow>, StoreError> {
        let mut stmt = select_cases();
        apply_filter(&mut stmt, scope, f);
        stmt.and_where(Expr::col(col("id")).gt(after))
            .order_by(col("id"), Order::Asc)
            .limit(n);
        Ok(
            CaseRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Changes a case's classification (with the rules of `Classification::check_transition`),
    /// records the change in the case's history, and recomputes F-levels when it makes or
    /// unmakes an F0: a discarded F0 releases its contacts unless another path holds them.
    pub async fn classify_case(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        to: Classification,
        reason: &str,
        on: Option<NaiveDate>,
    ) -> Result<CaseRow, StoreError> {
        let case = self.case_row(scope, id).await?;
        let from = case
            .classification()
            .ok_or_else(|| StoreError::Internal(format!("case {id}: bad classification")))?;
        from.check_transition(to, reason)?;
        let today = self.clock.today();
        let on = on.unwrap_or(today);
        if on > today {
            return Err(Invalid::field("on_date", "ngày ở tương lai").into());
        }
        let rules = self.disease(case.disease_id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let mut q = Query::update();
        q.table("cases")
            .value("classification", to.as_str())
            .value("updated_at", now);
        if to == Classification::Confirmed && case.confirmed_date.is_none() {
            q.value("confirmed_date", on);
            if case.onset_date.is_none() && case.sample_date.is_none() {
                q.value("curve_date", on);
            }
        }
        q.and_where(Expr::col("id").eq(id));
        txn.execute(&q).await?;
        add_event(&txn, id, now, on, Some(from), to, reason.trim(), who).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "case", Some(id.to_string()))
                .in_area(case.area_id.clone())
                .with_detail(format!(
                    "{} → {}: {}",
                    from.label(),
                    to.label(),
                    reason.trim()
                )),
        )
        .await?;
        if let Some(p) = rules.params_on(today)
            && (p.is_f0(from) || p.is_f0(to))
        {
            self.recompute_flevels(&txn, case.disease_id, &[case.person_id])
                .await?;
        }
        txn.commit().await?;
        self.case_row(scope, id).await
    }

    /// Records how a case ended.
    pub async fn set_outcome(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        outcome: Outcome,
        on: Option<NaiveDate>,
    ) -> Result<CaseRow, StoreError> {
        let case = self.case_row(scope, id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("cases")
                .value("outcome", outcome.as_str())
                .value("outcome_date", on)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "case", Some(id.to_string()))
                .in_area(case.area_id.clone())
                .with_detail(format!("kết quả: {}", outcome.label())),
        )
        .await?;
        txn.commit().await?;
        self.case_row(scope, id).await
    }

    /// Puts a case in an outbreak (or takes it out with `None`). The outbreak must be of the
    /// same disease and within the scope.
    pub async fn set_case_outbreak(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        outbreak_id: Option<i64>,
    ) -> Result<CaseRow, StoreError> {
        let case = self.case_row(scope, id).await?;
        if let Some(o) = outbreak_id {
            let ob = self.outbreak_row(scope, o).await.map_err(|e| {
                e.not_found_as(
                    "outbreak_id",
                    format!("không có ổ dịch #{o} trong phạm vi của bạn"),
                )
            })?;
            if ob.disease_id != case.disease_id {
                return Err(Invalid::field("outbreak_id", "ổ dịch của bệnh khác").into());
            }
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("cases")
                .value("outbreak_id", outbreak_id)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "case", Some(id.to_string()))
                .in_area(case.area_id.clone())
                .with_detail(match outbreak_id {
                    Some(o) => format!("đưa vào ổ dịch #{o}"),
                    None => "bỏ khỏi ổ dịch".into(),
                }),
        )
        .await?;
        txn.commit().await?;
        self.case_row(scope, id).await
    }

    /// The open (suspected or probable) case of a person for a disease, if any.
    pub(crate) async fn open_case_of<C: ConnectionTrait>(
        db: &C,
        person_id: i64,
        disease_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        let row = db
            .query_one(
                &Query::select()
                    .column("id")
                    .from("cases")
                    .and_where(Expr::col("person_id").eq(person_id))
                    .and_where(Expr::col("disease_id").eq(disease_id))
                    .and_where(Expr::col("classification").is_in(["suspected", "probable"]))
                    .order_by("id", Order::Desc)
                    .limit(1)
                    .to_owned(),
            )
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("", "id")?),
            None => None,
        })
    }

    pub(crate) fn rules_today<'a>(
        &self,
        rules: &'a DiseaseRules,
    ) -> Option<&'a chongdich_domain::disease::RuleParams> {
        rules.params_on(self.clock.today())
    }
}
