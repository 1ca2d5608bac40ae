//! Quarantine orders, their daily check-ins and violations, the work lists of a commune and of a
//! facility, and the quarantine population per area.
//!
//! An order's terms are computed in the domain (`quarantine::order::terms`) from the rule set in
//! force on its start date, which this module keeps in `quarantine_rule_sets` (the shipped
//! versions are seeded; an administrator adds more). The order stores the computed plan beside
//! the terms actually applied, so an override stays visible and explainable.
//!
//! An order is *followed* from its start to `until_on` (the last day of quarantine, or of the
//! monitoring after it) while its status is `open`; the work lists read the open orders of an
//! area through a partial index on `(area_id, until_on)`.

use crate::audit::{self, Who};
use crate::persons::PersonRow;
use crate::scope::area_in_scope;
use crate::sessions::random_token;
use crate::{Engine, Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::{CaseDates, CaseInput, Classification, FoundIn, Setting};
use chongdich_domain::exposure::{Certainty, ExposureInput, Proximity};
use chongdich_domain::quarantine::order::{
    CheckinBy, CheckinInput, Duty, FollowUp, OrderInput, OrderTerms, Phase, ViolationInput,
};
use chongdich_domain::quarantine::{OrderKind, QuarantineRuleSet, Subject, shipped};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, LockType, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Value};
use serde::Serialize;
use std::collections::HashMap;

/// The status of an order.
pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";
pub const BECAME_CASE: &str = "case";

/// An order as stored, with the person's name.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct OrderRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub area_name: String,
    pub person_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub subject: String,
    pub kind: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub released_on: NaiveDate,
    pub home_from: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    pub until_on: NaiveDate,
    pub tests: String,
    pub sign_at_door: bool,
    pub daily_declaration: bool,
    pub doses: i32,
    pub last_dose: Option<NaiveDate>,
    pub recovered_on: Option<NaiveDate>,
    pub rule_set: String,
    pub rule: String,
    pub source: String,
    pub mark: String,
    pub explanation: String,
    pub computed: String,
    pub overridden: bool,
    pub override_reason: String,
    pub address: String,
    pub household: String,
    pub sign_posted_on: Option<NaiveDate>,
    pub facility_id: Option<i64>,
    pub returnee_id: Option<i64>,
    pub status: String,
    pub closed_on: Option<NaiveDate>,
    pub closed_reason: String,
    pub case_id: Option<i64>,
    pub token: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl OrderRow {
    pub fn kind(&self) -> OrderKind {
        OrderKind::parse(&self.kind).unwrap_or(OrderKind::Home)
    }

    pub fn subject(&self) -> Subject {
        Subject::parse(&self.subject).unwrap_or(Subject::F1)
    }

    pub fn test_dates(&self) -> Vec<NaiveDate> {
        self.tests
            .split(',')
            .filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
            .collect()
    }

    pub fn follow_up(&self, last_checkin: Option<NaiveDate>, in_facility: bool) -> FollowUp {
        FollowUp {
            kind: self.kind(),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            home_from: self.home_from,
            monitoring_until: self.monitoring_until,
            until_on: self.until_on,
            tests: self.test_dates(),
            daily_declaration: self.daily_declaration,
            last_checkin,
            in_facility,
        }
    }

    pub fn is_open(&self) -> bool {
        self.status == OPEN
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CheckinRow {
    pub id: i64,
    pub order_id: i64,
    pub on_date: NaiveDate,
    pub temperature: Option<f64>,
    pub symptoms: String,
    pub by_kind: String,
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ViolationRow {
    pub id: i64,
    pub order_id: i64,
    pub on_date: NaiveDate,
    pub kind: String,
    pub description: String,
    pub decision: String,
    pub fine: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// An order with its check-ins and violations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderView {
    pub order: OrderRow,
    pub checkins: Vec<CheckinRow>,
    pub violations: Vec<ViolationRow>,
    /// The facility the person is in now, if any: (facility id, facility name, room name).
    pub present_in: Option<(i64, String, String)>,
}

/// One line of a work list: a person followed today and what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkLine {
    pub order: OrderRow,
    pub phase: Phase,
    pub last_checkin: Option<NaiveDate>,
    pub in_facility: bool,
    pub duties: Vec<Duty>,
}

/// A work list: the lines with at least one duty first, then everyone else followed today.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkList {
    pub on: NaiveDate,
    pub lines: Vec<WorkLine>,
    /// How many lines carry each duty (`call`, `test`, `ends`, `monitoring_ends`, `missed`, `move`).
    pub counts: Vec<(String, usize)>,
}

/// People followed today under the area's units, one row per child unit.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AreaFollowed {
    pub area_id: String,
    pub area_name: String,
    pub quarantined: i64,
    pub at_home: i64,
    pub monitored: i64,
}

/// A stored rule-set version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredRuleSet {
    pub set: QuarantineRuleSet,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The columns of `quarantine_orders` as read back (all but `updated_at`), in table order.
pub const ORDER_COLUMNS: [&str; 38] = [
    "id",
    "province_code",
    "area_id",
    "person_id",
    "subject",
    "kind",
    "starts_on",
    "ends_on",
    "released_on",
    "home_from",
    "monitoring_until",
    "until_on",
    "tests",
    "sign_at_door",
    "daily_declaration",
    "doses",
    "last_dose",
    "recovered_on",
    "rule_set",
    "rule",
    "source",
    "mark",
    "explanation",
    "computed",
    "overridden",
    "override_reason",
    "address",
    "household",
    "sign_posted_on",
    "facility_id",
    "returnee_id",
    "status",
    "closed_on",
    "closed_reason",
    "case_id",
    "token",
    "created_at",
    "created_by",
];

/// The select of orders with the person's name and the area's.
fn select_orders() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .columns(ORDER_COLUMNS.map(ocol))
        .expr_as(Expr::cust("p.full_name"), "full_name")
        .expr_as(Expr::cust("p.phone"), "phone")
        .expr_as(Expr::cust("a.name"), "area_name")
        .from_as("quarantine_orders", "o")
        .join_as(
            JoinType::InnerJoin,
            "persons",
            "p",
            Expr::cust("p.id = o.person_id"),
        )
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = o.area_id"),
        )
        .to_owned()
}

fn ocol(c: &'static str) -> (Alias, Alias) {
    (Alias::new("o"), Alias::new(c))
}

fn iso_dates(d: &[NaiveDate]) -> String {
    d.iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// What an order is written with besides its terms.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderExtras<'a> {
    pub input: &'a OrderInput,
    pub facility_id: Option<i64>,
    pub returnee_id: Option<i64>,
}

/// The columns and values of a new order (one row of a multi-row insert).
pub(crate) fn order_values(
    person: (i64, Option<&str>, &str),
    terms: &OrderTerms,
    extras: &OrderExtras<'_>,
    now: DateTime<Utc>,
    who: &str,
) -> Vec<(&'static str, Value)> {
    let (person_id, province, area_id) = person;
    let i = extras.input;
    vec![
        ("province_code", province.map(str::to_owned).into()),
        ("area_id", area_id.to_owned().into()),
        ("person_id", person_id.into()),
        ("subject", terms.subject.as_str().into()),
        ("kind", terms.kind.as_str().into()),
        ("starts_on", terms.starts_on.into()),
        ("ends_on", terms.ends_on.into()),
        ("released_on", terms.released_on.into()),
        ("home_from", terms.home_from.into()),
        ("monitoring_until", terms.monitoring_until.into()),
        ("until_on", terms.until_on.into()),
        ("tests", iso_dates(&terms.tests).into()),
        ("sign_at_door", terms.sign_at_door.into()),
        ("daily_declaration", terms.daily_declaration.into()),
        ("doses", i32::from(i.immunity.doses).into()),
        ("last_dose", i.immunity.last_dose.into()),
        ("recovered_on", i.immunity.recovered_on.into()),
        ("rule_set", terms.rule_set.clone().into()),
        ("rule", terms.rule.clone().into()),
        ("source", terms.source.clone().into()),
        ("mark", terms.mark.as_str().into()),
        ("explanation", terms.explanation.clone().into()),
        (
            "computed",
            serde_json::to_string(&terms.computed)
                .unwrap_or_default()
                .into(),
        ),
        ("overridden", terms.overridden.into()),
        ("override_reason", terms.override_reason.clone().into()),
        ("address", i.address.clone().into()),
        ("household", i.household.clone().into()),
        ("sign_posted_on", i.sign_posted_on.into()),
        ("facility_id", extras.facility_id.into()),
        ("returnee_id", extras.returnee_id.into()),
        ("status", OPEN.into()),
        ("closed_on", Option::<NaiveDate>::None.into()),
        ("closed_reason", "".into()),
        ("case_id", Option::<i64>::None.into()),
        // 128 bits are plenty for a link that only takes a daily declaration.
        ("token", random_token()[..32].to_owned().into()),
        ("created_at", now.into()),
        ("created_by", who.to_owned().into()),
        ("updated_at", now.into()),
    ]
}

/// A person's open order followed on or after `day`, if any (id, start, until).
async fn open_order_of<C: ConnectionTrait>(
    db: &C,
    person_id: i64,
    day: NaiveDate,
) -> Result<Option<(i64, NaiveDate, NaiveDate)>, StoreError> {
    let row = db
        .query_one(
            &Query::select()
                .columns(["id", "starts_on", "until_on"])
                .from("quarantine_orders")
                .and_where(Expr::col("person_id").eq(person_id))
                .and_where(Expr::col("status").eq(OPEN))
                .and_where(Expr::col("until_on").gte(day))
                .order_by("id", Order::Desc)
                .limit(1)
                .to_owned(),
        )
        .await?;
    Ok(match row {
        Some(r) => Some((
            r.try_get("", "id")?,
            r.try_get("", "starts_on")?,
            r.try_get("", "until_on")?,
        )),
        None => None,
    })
}

impl Store {
    /// Writes the shipped rule-set versions that are not stored yet.
    pub(crate) async fn seed_quarantine_rules(&self) -> Result<(), StoreError> {
        let have: std::collections::HashSet<String> = self
            .db
            .query_all(
                &Query::select()
                    .column("code")
                    .from("quarantine_rule_sets")
                    .to_owned(),
            )
            .await?
            .into_iter()
            .map(|r| r.try_get::<String>("", "code"))
            .collect::<Result<_, _>>()?;
        for set in shipped() {
            if !have.contains(&set.id) {
                self.insert_quarantine_rule_set(&self.db, &Who::console(), &set)
                    .await?;
            }
        }
        Ok(())
    }

    async fn insert_quarantine_rule_set<C: ConnectionTrait>(
        &self,
        db: &C,
        who: &Who,
        set: &QuarantineRuleSet,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_string_pretty(set)
            .map_err(|e| StoreError::Internal(format!("bộ quy tắc: {e}")))?;
        db.execute(
            &Query::insert()
                .into_table("quarantine_rule_sets")
                .columns([
                    "code",
                    "name",
                    "valid_from",
                    "valid_to",
                    "body",
                    "created_at",
                    "created_by",
                ])
                .values_panic([
                    set.id.clone().into(),
                    set.name.clone().into(),
                    set.valid_from.into(),
                    set.valid_to.into(),
                    body.into(),
                    self.clock.now().into(),
                    who.username.clone().into(),
                ])
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    /// Every stored rule-set version, oldest first.
    pub async fn quarantine_rule_sets(&self) -> Result<Vec<StoredRuleSet>, StoreError> {
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns(["body", "created_at", "created_by"])
                    .from("quarantine_rule_sets")
                    .order_by("valid_from", Order::Asc)
                    .order_by("id", Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let body: String = r.try_get("", "body")?;
            let set = QuarantineRuleSet::from_json(&body).map_err(|e| {
                StoreError::Internal(format!("bộ quy tắc đã lưu không đọc được: {e}"))
            })?;
            out.push(StoredRuleSet {
                set,
                created_at: r.try_get("", "created_at")?,
                created_by: r.try_get("", "created_by")?,
            });
        }
        Ok(out)
    }

    /// The rule sets, as the domain takes them.
    pub async fn quarantine_rules(&self) -> Result<Vec<QuarantineRuleSet>, StoreError> {
        Ok(self
            .quarantine_rule_sets()
            .await?
            .into_iter()
            .map(|s| s.set)
            .collect())
    }

    /// Adds a rule-set version (an administrator's). The set is validated; an id already used
    /// is refused on `id` (a version is never edited in place: orders cite it).
    pub async fn add_quarantine_rule_set(
        &self,
        who: &Who,
        set: &QuarantineRuleSet,
    ) -> Result<(), StoreError> {
        set.validate()?;
        let txn = self.write().await?;
        let taken = txn
            .query_one(
                &Query::select()
                    .column("id")
                    .from("quarantine_rule_sets")
                    .and_where(Expr::col("code").eq(set.id.as_str()))
                    .to_owned(),
            )
            .await?;
        if taken.is_some() {
            return Err(Invalid::field(
                "id",
                format!(
                    "đã có phiên bản \"{}\"; một phiên bản đã dùng không được sửa, hãy đặt mã mới",
                    set.id
                ),
            )
            .into());
        }
        self.insert_quarantine_rule_set(&txn, who, set).await?;
        audit::append(
            &txn,
            who,
            self.clock.now(),
            &AuditEvent::new(
                AuditAction::Create,
                "quarantine_rule_set",
                Some(set.id.clone()),
            )
            .with_detail(format!(
                "{} — hiệu lực từ {}",
                set.name,
                set.valid_from.format("%d/%m/%Y")
            )),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Writes an order within a transaction and audits it; returns its id.
    pub(crate) async fn insert_order<C: ConnectionTrait>(
        &self,
        txn: &C,
        who: &Who,
        now: DateTime<Utc>,
        person: PersonRef<'_>,
        terms: &OrderTerms,
        extras: &OrderExtras<'_>,
    ) -> Result<i64, StoreError> {
        let values = order_values(
            (person.id, person.province_code, person.area_id),
            terms,
            extras,
            now,
            &who.username,
        );
        let id = crate::insert_row(txn, "quarantine_orders", values, "lệnh cách ly").await?;
        let mut detail = format!(
            "{}: {} từ {}",
            person.full_name,
            terms.kind.label(),
            terms.starts_on.format("%d/%m/%Y")
        );
        if terms.overridden {
            detail.push_str(&format!(
                " — điều chỉnh so với quy tắc ({}), lý do: {}",
                terms.computed.kind.label(),
                terms.override_reason
            ));
        }
        audit::append(
            txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Create,
                "quarantine_order",
                Some(id.to_string()),
            )
            .in_area(person.area_id)
            .with_detail(detail),
        )
        .await?;
        Ok(id)
    }

    /// Issues an order for a person within the scope, its terms computed by the rule set in
    /// force on its start (or overridden with a reason, audited). Refused on `start` when the
    /// person already has an open order followed on that day.
    pub async fn create_order(
        &self,
        scope: &Scope,
        who: &Who,
        person_id: i64,
        input: &OrderInput,
    ) -> Result<i64, StoreError> {
        let person = self.person_row(scope, person_id).await.map_err(|e| {
            e.not_found_as(
                "person_id",
                format!("không có người #{person_id} trong phạm vi của bạn"),
            )
        })?;
        if person.merged_into.is_some() {
            return Err(Invalid::field("person_id", "hồ sơ đã được gộp vào hồ sơ khác").into());
        }
        let sets = self.quarantine_rules().await?;
        let terms = chongdich_domain::quarantine::order::terms(&sets, input, None)?;
        let now = self.clock.now();
        let txn = self.write().await?;
        self.lock_person(&txn, person_id).await?;
        if let Some((id, start, until)) = open_order_of(&txn, person_id, input.start).await? {
            return Err(Invalid::field(
                "start",
                format!(
                    "{} đang có lệnh cách ly #{id} ({} – {}); kết thúc lệnh đó trước",
                    person.full_name,
                    start.format("%d/%m/%Y"),
                    until.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        let id = self
            .insert_order(
                &txn,
                who,
                now,
                PersonRef::of(&person),
                &terms,
                &OrderExtras {
                    input,
                    facility_id: None,
                    returnee_id: None,
                },
            )
            .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// On PostgreSQL, locks the person's row for the rest of the transaction (two orders for
    /// one person are then written one after the other); SQLite's write transaction already
    /// holds the database's write lock.
    pub(crate) async fn lock_person(
        &self,
        txn: &DatabaseTransaction,
        person_id: i64,
    ) -> Result<(), StoreError> {
        if self.engine() == Engine::Postgres {
            txn.query_one(
                &Query::select()
                    .column("id")
                    .from("persons")
                    .and_where(Expr::col("id").eq(person_id))
                    .lock(LockType::Update)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    /// One order within the scope (its area), not audited: for checks before a write.
    pub async fn order_row(&self, scope: &Scope, id: i64) -> Result<OrderRow, StoreError> {
        OrderRow::find_by_statement(
            self.db.get_database_backend().build(
                &select_orders()
                    .and_where(Expr::col(ocol("id")).eq(id))
                    .and_where(area_in_scope(ocol("area_id"), scope))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("lệnh cách ly"))
    }

    /// One order with its check-ins and violations; the read is audited.
    pub async fn order(&self, scope: &Scope, who: &Who, id: i64) -> Result<OrderView, StoreError> {
        let order = self.order_row(scope, id).await?;
        let view = self.order_view(order).await?;
        audit::append(
            &self.db,
            who,
            self.clock.now(),
            &AuditEvent::new(AuditAction::View, "quarantine_order", Some(id.to_string()))
                .in_area(view.order.area_id.clone()),
        )
        .await?;
        Ok(view)
    }

    async fn order_view(&self, order: OrderRow) -> Result<OrderView, StoreError> {
        let b = self.db.get_database_backend();
        let checkins = CheckinRow::find_by_statement(
            b.build(
                &Query::select()
                    .columns([
                        "id",
                        "order_id",
                        "on_date",
                        "temperature",
                        "symptoms",
                        "by_kind",
                        "note",
                        "created_at",
                        "created_by",
                    ])
                    .from("quarantine_checkins")
                    .and_where(Expr::col("order_id").eq(order.id))
                    .order_by("on_date", Order::Desc)
                    .order_by("id", Order::Desc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let violations = ViolationRow::find_by_statement(
            b.build(
                &Query::select()
                    .columns([
                        "id",
                        "order_id",
                        "on_date",
                        "kind",
                        "description",
                        "decision",
                        "fine",
                        "created_at",
                        "created_by",
                    ])
                    .from("quarantine_violations")
                    .and_where(Expr::col("order_id").eq(order.id))
                    .order_by("on_date", Order::Desc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let present_in = Self::present_stay(&self.db, order.person_id)
            .await?
            .map(|p| (p.facility_id, p.facility_name, p.room_name));
        Ok(OrderView {
            order,
            checkins,
            violations,
            present_in,
        })
    }

    /// A person's orders, newest first (within the scope).
    pub async fn orders_of_person(
        &self,
        scope: &Scope,
        person_id: i64,
    ) -> Result<Vec<OrderRow>, StoreError> {
        Ok(OrderRow::find_by_statement(
            self.db.get_database_backend().build(
                &select_orders()
                    .and_where(Expr::col(ocol("person_id")).eq(person_id))
                    .and_where(area_in_scope(ocol("area_id"), scope))
                    .order_by(ocol("starts_on"), Order::Desc)
                    .order_by(ocol("id"), Order::Desc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?)
    }

    /// The order a self check-in link names (no account: the token is the key).
    pub async fn order_by_token(&self, token: &str) -> Result<OrderRow, StoreError> {
        if token.len() != 32 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(StoreError::NotFound("lệnh cách ly"));
        }
        OrderRow::find_by_statement(
            self.db.get_database_backend().build(
                &select_orders()
                    .and_where(Expr::col(ocol("token")).eq(token))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("lệnh cách ly"))
    }

    /// Whether an order has a check-in on a day.
    pub async fn checked_in_on(&self, order_id: i64, on: NaiveDate) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_one(
                &Query::select()
                    .column("id")
                    .from("quarantine_checkins")
                    .and_where(Expr::col("order_id").eq(order_id))
                    .and_where(Expr::col("on_date").eq(on))
                    .limit(1)
                    .to_owned(),
            )
            .await?
            .is_some())
    }

    /// Records a daily check-in. Refused on `on_date` when the order is not followed that day
    /// (closed, not started, over) or the day is in the future.
    pub async fn add_checkin(
        &self,
        scope: &Scope,
        who: &Who,
        order_id: i64,
        input: &CheckinInput,
    ) -> Result<i64, StoreError> {
        let order = self.order_row(scope, order_id).await?;
        self.write_checkin(&order, who, CheckinBy::Worker, input)
            .await
    }

    /// A check-in sent by the person through the order's link.
    pub async fn self_checkin(&self, token: &str, input: &CheckinInput) -> Result<i64, StoreError> {
        let order = self.order_by_token(token).await?;
        let who = Who {
            user_id: None,
            username: format!("tự khai báo (lệnh #{})", order.id),
            ip: None,
            operation_id: None,
        };
        self.write_checkin(&order, &who, CheckinBy::Person, input)
            .await
    }

    async fn write_checkin(
        &self,
        order: &OrderRow,
        who: &Who,
        by: CheckinBy,
        input: &CheckinInput,
    ) -> Result<i64, StoreError> {
        let today = self.clock.today();
        let vn = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
        if input.on_date > today {
            return Err(Invalid::field(
                "on_date",
                format!("ngày {} ở tương lai", vn(input.on_date)),
            )
            .into());
        }
        if !order.is_open() || input.on_date < order.starts_on || input.on_date > order.until_on {
            return Err(Invalid::field(
                "on_date",
                format!(
                    "{} không trong thời gian cách ly, theo dõi ngày {} (lệnh #{}: {} – {}{})",
                    order.full_name,
                    vn(input.on_date),
                    order.id,
                    vn(order.starts_on),
                    vn(order.until_on),
                    if order.is_open() {
                        ""
                    } else {
                        ", đã kết thúc"
                    }
                ),
            )
            .into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        if by == CheckinBy::Person
            && let Some(id) = same_self_checkin(&txn, order.id, input).await?
        {
            // The person's phone sent the same declaration again (a retry, a double tap): the
            // link takes no Idempotency-Key, so the same values on the same day are one check-in.
            return Ok(id);
        }
        let id = crate::insert_row(
            &txn,
            "quarantine_checkins",
            vec![
                ("province_code", order.province_code.clone().into()),
                ("order_id", order.id.into()),
                ("on_date", input.on_date.into()),
                ("temperature", input.temperature.into()),
                ("symptoms", input.symptoms.clone().into()),
                ("by_kind", by.as_str().into()),
                ("note", input.note.clone().into()),
                ("created_at", now.into()),
                ("created_by", who.username.clone().into()),
            ],
            "khai báo",
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Create,
                "quarantine_checkin",
                Some(id.to_string()),
            )
            .in_area(order.area_id.clone())
            .with_detail(format!(
                "lệnh #{} ngày {}{}",
                order.id,
                vn(input.on_date),
                input
                    .temperature
                    .map(|t| format!(", {t:.1} °C"))
                    .unwrap_or_default()
            )),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Records a violation of an order (leaving the place, refusing a test) with the decision.
    pub async fn add_violation(
        &self,
        scope: &Scope,
        who: &Who,
        order_id: i64,
        input: &ViolationInput,
    ) -> Result<i64, StoreError> {
        let order = self.order_row(scope, order_id).await?;
        if input.on_date < order.starts_on || input.on_date > self.clock.today() {
            return Err(Invalid::field(
                "on_date",
                format!(
                    "ngày vi phạm phải từ {} đến hôm nay",
                    order.starts_on.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let id = crate::insert_row(
            &txn,
            "quarantine_violations",
            vec![
                ("province_code", order.province_code.clone().into()),
                ("order_id", order.id.into()),
                ("on_date", input.on_date.into()),
                ("kind", input.kind.as_str().into()),
                ("description", input.description.clone().into()),
                ("decision", input.decision.clone().into()),
                ("fine", input.fine.into()),
                ("created_at", now.into()),
                ("created_by", who.username.clone().into()),
            ],
            "vi phạm",
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Create,
                "quarantine_violation",
                Some(id.to_string()),
            )
            .in_area(order.area_id.clone())
            .with_detail(format!(
                "{} — {}: {}{}",
                order.full_name,
                input.on_date.format("%d/%m/%Y"),
                input.description,
                input
                    .fine
                    .map(|f| format!(", phạt {f} đồng"))
                    .unwrap_or_default()
            )),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Ends an order before its term (released by decision, moved away, died …).
    pub async fn close_order(
        &self,
        scope: &Scope,
        who: &Who,
        order_id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> Result<(), StoreError> {
        let order = self.order_row(scope, order_id).await?;
        if !order.is_open() {
            return Err(StoreError::Conflict(format!(
                "lệnh #{order_id} đã kết thúc"
            )));
        }
        if on < order.starts_on {
            return Err(Invalid::field(
                "closed_on",
                format!(
                    "ngày kết thúc trước ngày bắt đầu ({})",
                    order.starts_on.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        if reason.trim().chars().count() < 3 {
            return Err(Invalid::field("closed_reason", "ghi lý do kết thúc").into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        set_status(&txn, order_id, CLOSED, on, reason, None, now).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Update,
                "quarantine_order",
                Some(order_id.to_string()),
            )
            .in_area(order.area_id.clone())
            .with_detail(format!("kết thúc ngày {}: {reason}", on.format("%d/%m/%Y"))),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A positive test or symptoms during quarantine, in one step: a suspect case opens for the
    /// person (or the test's classification), the order ends with the case, the person leaves
    /// the facility, and everyone present in the same room becomes a contact of the person from
    /// the day they shared it. Returns the case's id and the room mates' ids.
    pub async fn order_to_case(
        &self,
        scope: &Scope,
        who: &Who,
        order_id: i64,
        on: NaiveDate,
        reason: &str,
    ) -> Result<(i64, Vec<i64>), StoreError> {
        let order = self.order_row(scope, order_id).await?;
        if !order.is_open() {
            return Err(StoreError::Conflict(format!(
                "lệnh #{order_id} đã kết thúc"
            )));
        }
        if on < order.starts_on || on > self.clock.today() {
            return Err(Invalid::field(
                "on_date",
                format!(
                    "ngày phải từ {} đến hôm nay",
                    order.starts_on.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        let reason = reason.trim();
        if reason.chars().count() < 3 {
            return Err(
                Invalid::field("reason", "ghi lý do (kết quả xét nghiệm, triệu chứng)").into(),
            );
        }
        let person = self.person_row(scope, order.person_id).await?;
        // Quarantine orders are COVID-19's (the only disease with quarantine rules yet).
        let rules = self.disease_for_input("covid19").await?;
        let now = self.clock.now();
        let today = self.clock.today();
        let txn = self.write().await?;
        let case = CaseInput {
            disease: "covid19".into(),
            case_code: None,
            classification: Classification::Suspected,
            dates: CaseDates {
                onset: None,
                sample: None,
                confirmed: None,
                isolated: Some(on),
            },
            found_in: FoundIn::Quarantine,
            source_known: true,
            setting: Setting::Other,
            treatment_place: String::new(),
            illegal_entry: false,
            notes: format!("Phát hiện khi cách ly (lệnh #{}): {reason}", order.id),
        };
        let case_id = self
            .insert_case(&txn, who, &person, &rules, &case, now, today)
            .await?;
        set_status(&txn, order_id, BECAME_CASE, on, reason, Some(case_id), now).await?;
        // Room mates: everyone present in the person's room now.
        let mut mates = Vec::new();
        let stay = txn
            .query_one(
                &Query::select()
                    .columns(["id", "room_id", "facility_id", "admitted_on"])
                    .from("facility_stays")
                    .and_where(Expr::col("person_id").eq(order.person_id))
                    .and_where(Expr::cust("left_on IS NULL"))
                    .to_owned(),
            )
            .await?;
        if let Some(stay) = stay {
            let stay_id: i64 = stay.try_get("", "id")?;
            let room_id: i64 = stay.try_get("", "room_id")?;
            let admitted: NaiveDate = stay.try_get("", "admitted_on")?;
            let rows = txn
                .query_all(
                    &Query::select()
                        .columns(["person_id", "admitted_on"])
                        .from("facility_stays")
                        .and_where(Expr::col("room_id").eq(room_id))
                        .and_where(Expr::cust("left_on IS NULL"))
                        .and_where(Expr::col("person_id").ne(order.person_id))
                        .to_owned(),
                )
                .await?;
            for r in rows {
                let mate: i64 = r.try_get("", "person_id")?;
                let since: NaiveDate = r.try_get("", "admitted_on")?;
                let input = ExposureInput {
                    first_date: Ord::max(since, admitted),
                    last_date: on,
                    setting: Setting::Other,
                    proximity: Proximity::SameSpace,
                    duration_minutes: None,
                    certainty: Certainty::Confirmed,
                    notes: format!("Cùng phòng cách ly (lệnh #{})", order.id),
                };
                crate::contacts::insert_exposure(
                    &txn,
                    who,
                    now,
                    rules.disease.id,
                    &person,
                    mate,
                    &input,
                )
                .await?;
                mates.push(mate);
            }
            txn.execute(
                &Query::update()
                    .table("facility_stays")
                    .value("left_on", on)
                    .value(
                        "left_reason",
                        chongdich_domain::facility::LeftReason::Positive.as_str(),
                    )
                    .and_where(Expr::col("id").eq(stay_id))
                    .and_where(Expr::cust("left_on IS NULL"))
                    .to_owned(),
            )
            .await?;
            if !mates.is_empty() {
                self.recompute_flevels(&txn, rules.disease.id, &[order.person_id])
                    .await?;
            }
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Update,
                "quarantine_order",
                Some(order_id.to_string()),
            )
            .in_area(order.area_id.clone())
            .with_detail(format!(
                "{} chuyển ca nghi ngờ #{case_id} ngày {}: {reason}; {} người cùng phòng thành người tiếp xúc",
                order.full_name,
                on.format("%d/%m/%Y"),
                mates.len()
            )),
        )
        .await?;
        txn.commit().await?;
        Ok((case_id, mates))
    }

    /// The work list of an area (a commune, or any unit: everything under it) or of a facility
    /// on `today`: every open order followed today with what to do.
    pub async fn work_list(
        &self,
        scope: &Scope,
        who: &Who,
        place: &WorkPlace,
        today: NaiveDate,
    ) -> Result<WorkList, StoreError> {
        let mut stmt = select_orders()
            .and_where(Expr::cust("o.status = 'open'"))
            .and_where(Expr::col(ocol("until_on")).gte(today))
            .and_where(Expr::col(ocol("starts_on")).lte(today))
            .and_where(area_in_scope(ocol("area_id"), scope))
            .to_owned();
        let audit_area = match place {
            WorkPlace::Area(a) => {
                self.check_area(scope, a).await?;
                let leaf = self.is_leaf(a).await?;
                if leaf {
                    stmt.and_where(Expr::col(ocol("area_id")).eq(a.as_str()));
                } else {
                    stmt.and_where(area_in_scope(ocol("area_id"), &Scope::of([a.clone()])));
                }
                a.as_str().to_owned()
            }
            WorkPlace::Facility(f) => {
                let f = self.facility_row(scope, *f).await?;
                // The orders of the people present in the facility, and those sent to it.
                stmt.and_where(
                    Expr::col(ocol("facility_id"))
                        .eq(f.id)
                        .or(Expr::col(ocol("person_id")).in_subquery(
                            Query::select()
                                .column("person_id")
                                .from("facility_stays")
                                .and_where(Expr::col("facility_id").eq(f.id))
                                .and_where(Expr::cust("left_on IS NULL"))
                                .to_owned(),
                        )),
                );
                f.area_id
            }
        };
        stmt.order_by(ocol("area_id"), Order::Asc)
            .order_by_expr(Expr::cust("p.sort_key"), Order::Asc)
            .order_by(ocol("id"), Order::Asc);
        let orders = OrderRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
        let persons: Vec<i64> = orders.iter().map(|o| o.person_id).collect();
        let mut last: HashMap<i64, NaiveDate> = HashMap::with_capacity(ids.len());
        let mut present: std::collections::HashSet<i64> = Default::default();
        for chunk in ids.chunks(crate::BATCH) {
            for r in self
                .db
                .query_all(
                    &Query::select()
                        .column("order_id")
                        .expr_as(Expr::cust("MAX(on_date)"), "last")
                        .from("quarantine_checkins")
                        .and_where(Expr::col("order_id").is_in(chunk.iter().copied()))
                        .group_by_col("order_id")
                        .to_owned(),
                )
                .await?
            {
                last.insert(r.try_get("", "order_id")?, r.try_get("", "last")?);
            }
        }
        for chunk in persons.chunks(crate::BATCH) {
            for r in self
                .db
                .query_all(
                    &Query::select()
                        .column("person_id")
                        .from("facility_stays")
                        .and_where(Expr::col("person_id").is_in(chunk.iter().copied()))
                        .and_where(Expr::cust("left_on IS NULL"))
                        .to_owned(),
                )
                .await?
            {
                present.insert(r.try_get("", "person_id")?);
            }
        }
        let mut lines: Vec<WorkLine> = orders
            .into_iter()
            .map(|order| {
                let last_checkin = last.get(&order.id).copied();
                let in_facility = present.contains(&order.person_id);
                let f = order.follow_up(last_checkin, in_facility);
                WorkLine {
                    phase: f.phase(today),
                    duties: f.duties(today),
                    order,
                    last_checkin,
                    in_facility,
                }
            })
            .collect();
        // Stable: lines with duties first, the rest in the query's order.
        lines.sort_by_key(|l| l.duties.is_empty());
        let mut counts: Vec<(String, usize)> =
            ["call", "test", "ends", "monitoring_ends", "missed", "move"]
                .iter()
                .map(|k| ((*k).to_owned(), 0))
                .collect();
        for l in &lines {
            for d in &l.duties {
                if let Some(c) = counts.iter_mut().find(|(k, _)| k == d.key()) {
                    c.1 += 1;
                }
            }
        }
        audit::append(
            &self.db,
            who,
            self.clock.now(),
            &AuditEvent::new(AuditAction::View, "quarantine_work_list", None)
                .in_area(audit_area)
                .with_detail(format!(
                    "{} người, ngày {}",
                    lines.len(),
                    today.format("%d/%m/%Y")
                )),
        )
        .await?;
        Ok(WorkList {
            on: today,
            lines,
            counts,
        })
    }

    /// Whether nothing lies under an area: no sub-unit, and no legacy ward merged into it (the
    /// closure links a 2025 ward to the wards it took in, so its list shows their records).
    async fn is_leaf(&self, a: &AreaId) -> Result<bool, StoreError> {
        Ok(self
            .db
            .query_one(
                &Query::select()
                    .column("descendant_id")
                    .from("area_closure")
                    .and_where(Expr::col("ancestor_id").eq(a.as_str()))
                    .and_where(Expr::col("descendant_id").ne(a.as_str()))
                    .limit(1)
                    .to_owned(),
            )
            .await?
            .is_none())
    }

    /// People followed today under each child unit of `parent` (within the scope): in
    /// centralized or hotel quarantine, at home, and monitored after release.
    pub async fn followed_by_area(
        &self,
        scope: &Scope,
        parent: &AreaId,
        today: NaiveDate,
    ) -> Result<Vec<AreaFollowed>, StoreError> {
        self.check_area(scope, parent).await?;
        let day = |d: NaiveDate| format!("'{}'", d.format("%Y-%m-%d"));
        // Dates as literals keep the partial index usable on SQLite; they come from a NaiveDate.
        let t = day(today);
        let in_q = format!("o.starts_on <= {t} AND o.ends_on >= {t}");
        let stmt = Query::select()
            .expr_as(Expr::cust("c.ancestor_id"), "area_id")
            .expr_as(Expr::cust("MIN(a.name)"), "area_name")
            .expr_as(
                Expr::cust(format!(
                    "CAST(COALESCE(SUM(CASE WHEN {in_q} AND o.kind IN ('centralized', 'hotel') THEN 1 ELSE 0 END), 0) AS BIGINT)"
                )),
                "quarantined",
            )
            .expr_as(
                Expr::cust(format!(
                    "CAST(COALESCE(SUM(CASE WHEN {in_q} AND o.kind = 'home' THEN 1 ELSE 0 END), 0) AS BIGINT)"
                )),
                "at_home",
            )
            .expr_as(
                Expr::cust(format!(
                    "CAST(COALESCE(SUM(CASE WHEN o.starts_on <= {t} AND (o.ends_on IS NULL OR o.ends_on < {t}) THEN 1 ELSE 0 END), 0) AS BIGINT)"
                )),
                "monitored",
            )
            .from_as("quarantine_orders", "o")
            .join_as(
                JoinType::InnerJoin,
                "area_closure",
                "c",
                Expr::cust("c.descendant_id = o.area_id"),
            )
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = c.ancestor_id"),
            )
            .and_where(Expr::cust("o.status = 'open'"))
            .and_where(Expr::cust(format!("o.until_on >= {t}")))
            .and_where(Expr::col((Alias::new("a"), Alias::new("parent_id"))).eq(parent.as_str()))
            .and_where(area_in_scope(ocol("area_id"), scope))
            .group_by_col((Alias::new("c"), Alias::new("ancestor_id")))
            .order_by_expr(Expr::cust("MIN(a.sort_key)"), Order::Asc)
            .to_owned();
        Ok(
            AreaFollowed::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}

/// A check-in the person already sent for the day with the same values, if any.
async fn same_self_checkin<C: ConnectionTrait>(
    txn: &C,
    order_id: i64,
    input: &CheckinInput,
) -> Result<Option<i64>, StoreError> {
    let rows = txn
        .query_all(
            &Query::select()
                .columns(["id", "temperature", "symptoms", "note"])
                .from("quarantine_checkins")
                .and_where(Expr::col("order_id").eq(order_id))
                .and_where(Expr::col("on_date").eq(input.on_date))
                .and_where(Expr::col("by_kind").eq(CheckinBy::Person.as_str()))
                .to_owned(),
        )
        .await?;
    for r in rows {
        let temperature: Option<f64> = r.try_get("", "temperature")?;
        let symptoms: String = r.try_get("", "symptoms")?;
        let note: String = r.try_get("", "note")?;
        let same_temperature = match (temperature, input.temperature) {
            (Some(a), Some(b)) => (a - b).abs() < 0.05,
            (None, None) => true,
            _ => false,
        };
        if same_temperature && symptoms == input.symptoms && note == input.note {
            return Ok(Some(r.try_get("", "id")?));
        }
    }
    Ok(None)
}

/// The person an order is written for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PersonRef<'a> {
    pub id: i64,
    pub province_code: Option<&'a str>,
    pub area_id: &'a str,
    pub full_name: &'a str,
}

impl<'a> PersonRef<'a> {
    pub fn of(p: &'a PersonRow) -> Self {
        Self {
            id: p.id,
            province_code: p.province_code.as_deref(),
            area_id: &p.area_id,
            full_name: &p.full_name,
        }
    }
}

/// Whose work list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkPlace {
    Area(AreaId),
    Facility(i64),
}

async fn set_status<C: ConnectionTrait>(
    txn: &C,
    order_id: i64,
    status: &str,
    on: NaiveDate,
    reason: &str,
    case_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let done = txn
        .execute(
            &Query::update()
                .table("quarantine_orders")
                .value("status", status)
                .value("closed_on", on)
                .value("closed_reason", reason.trim())
                .value("case_id", case_id)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(order_id))
                .and_where(Expr::cust("status = 'open'"))
                .to_owned(),
        )
        .await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::Conflict(format!(
            "lệnh #{order_id} đã kết thúc"
        )));
    }
    Ok(())
}
