//! Quarantine facilities: registration with their rooms, the capacity of each facility in one
//! grouped query, admissions (every rule checked in the transaction that writes), discharges,
//! transfers, occupancy over time and the overview per area.
//!
//! Visibility follows the facility's area. Reading the people in a facility is audited as a
//! view, as reading a person's record is.
//!
//! Concurrent admissions: the checks and the insert run in one transaction. On SQLite the write
//! transaction holds the database's write lock from its start (`BEGIN IMMEDIATE`), so admissions
//! are serialised; on PostgreSQL the facility's row is locked (`SELECT … FOR UPDATE`) before
//! anything is counted, so two admissions into one facility run one after the other. A person
//! present in two places at once is refused by a partial unique index on both engines.

use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::{Engine, Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::facility::{
    AdmissionInput, Cohort, DischargeInput, FacilityInput, FacilityState, LeftReason, RiskGroup,
    RoomState, TransferInput, check_admission, occupancy,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, LockType, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::Serialize;

/// A facility with its capacity and how many people are in it now.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct FacilityRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    pub kind: String,
    pub operator: String,
    pub address: String,
    pub phone: String,
    pub beds: i64,
    pub rooms: i64,
    pub occupied: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl FacilityRow {
    pub fn free(&self) -> i64 {
        Ord::max(self.beds - self.occupied, 0)
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct RoomRow {
    pub id: i64,
    pub facility_id: i64,
    pub name: String,
    pub beds: i64,
}

/// A person present in a facility now.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct StayRow {
    pub id: i64,
    pub facility_id: i64,
    pub room_id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub risk_group: String,
    pub cohort_date: NaiveDate,
    pub admitted_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    pub left_reason: Option<String>,
    pub transferred_to: Option<i64>,
}

impl StayRow {
    pub fn risk_group(&self) -> RiskGroup {
        RiskGroup::parse(&self.risk_group).unwrap_or(RiskGroup::F1)
    }
}

/// A room with the people in it now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomView {
    pub room: RoomRow,
    pub occupants: Vec<StayRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacilityView {
    pub facility: FacilityRow,
    pub rooms: Vec<RoomView>,
}

/// The facilities of one area (where they stand) and the people in them.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AreaQuarantine {
    pub area_id: String,
    pub area_name: String,
    pub facilities: i64,
    pub beds: i64,
    pub occupied: i64,
}

/// Where a person is now: their open stay, its facility and room.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct PresentStay {
    pub stay_id: i64,
    pub facility_id: i64,
    pub facility_name: String,
    pub room_name: String,
}

/// A room offered as a destination of a move.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct RoomChoice {
    pub id: i64,
    pub facility_id: i64,
    pub facility_name: String,
    pub name: String,
    pub beds: i64,
    pub occupied: i64,
}

/// Present stays per facility, counted once for all (from the partial index of present stays).
fn present_per_facility() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column("facility_id")
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from("facility_stays")
        .and_where(Expr::cust("left_on IS NULL"))
        .group_by_col("facility_id")
        .to_owned()
}

fn fcol(c: &'static str) -> (Alias, Alias) {
    (Alias::new("f"), Alias::new(c))
}

fn select_facilities(scope: &Scope) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "province_code",
                "area_id",
                "name",
                "kind",
                "operator",
                "address",
                "phone",
                "beds",
                "created_at",
                "created_by",
            ]
            .map(fcol),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(Expr::cust("COALESCE(o.n, 0)"), "occupied")
        .expr_as(Expr::cust("COALESCE(r.n, 0)"), "rooms")
        .from_as("facilities", "f")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = f.area_id"),
        )
        .join_subquery(
            JoinType::LeftJoin,
            present_per_facility(),
            "o",
            Expr::cust("o.facility_id = f.id"),
        )
        .join_subquery(
            JoinType::LeftJoin,
            Query::select()
                .column("facility_id")
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .from("facility_rooms")
                .group_by_col("facility_id")
                .to_owned(),
            "r",
            Expr::cust("r.facility_id = f.id"),
        )
        .and_where(area_in_scope(fcol("area_id"), scope))
        .to_owned()
}

fn stay_select() -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "facility_id",
                "room_id",
                "person_id",
                "risk_group",
                "cohort_date",
                "admitted_on",
                "left_on",
                "left_reason",
                "transferred_to",
            ]
            .map(|c| (Alias::new("s"), Alias::new(c))),
        )
        .expr_as(Expr::cust("p.full_name"), "full_name")
        .from_as("facility_stays", "s")
        .join_as(
            JoinType::InnerJoin,
            "persons",
            "p",
            Expr::cust("p.id = s.person_id"),
        )
        .to_owned()
}

impl Store {
    /// Registers a facility with its rooms, in an area within the scope.
    pub async fn create_facility(
        &self,
        scope: &Scope,
        who: &Who,
        input: &FacilityInput,
    ) -> Result<FacilityRow, StoreError> {
        self.check_area(scope, &input.area_id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, input.area_id.as_str()).await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("facilities")
                    .columns([
                        "province_code",
                        "area_id",
                        "name",
                        "kind",
                        "operator",
                        "address",
                        "phone",
                        "beds",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        province.into(),
                        input.area_id.as_str().into(),
                        input.name.clone().into(),
                        input.kind.as_str().into(),
                        input.operator.clone().into(),
                        input.address.clone().into(),
                        input.phone.clone().into(),
                        input.beds.into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("cơ sở cách ly"))?;
        let id: i64 = row.try_get("", "id")?;
        for chunk in input.rooms.chunks(crate::BATCH) {
            let mut q = Query::insert()
                .into_table("facility_rooms")
                .columns(["facility_id", "name", "beds"])
                .to_owned();
            for r in chunk {
                q.values_panic([id.into(), r.name.clone().into(), r.beds.into()]);
            }
            txn.execute(&q).await?;
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "facility", Some(id.to_string()))
                .in_area(input.area_id.as_str())
                .with_detail(format!(
                    "{}: {} phòng, {} giường",
                    input.name,
                    input.rooms.len(),
                    input.beds
                )),
        )
        .await?;
        txn.commit().await?;
        self.facility_row(scope, id).await
    }

    /// One facility with its capacity, if its area lies within the scope.
    pub async fn facility_row(&self, scope: &Scope, id: i64) -> Result<FacilityRow, StoreError> {
        let stmt = select_facilities(scope)
            .and_where(Expr::col(fcol("id")).eq(id))
            .to_owned();
        FacilityRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("cơ sở cách ly"))
    }

    /// Every facility within the scope with beds, occupied and free, by area then name.
    pub async fn facilities(&self, scope: &Scope) -> Result<Vec<FacilityRow>, StoreError> {
        let stmt = select_facilities(scope)
            .order_by(fcol("area_id"), Order::Asc)
            .order_by(fcol("name"), Order::Asc)
            .order_by(fcol("id"), Order::Asc)
            .to_owned();
        Ok(
            FacilityRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// One facility with its rooms and the people in them now; the read is audited (it names
    /// people).
    pub async fn facility(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
    ) -> Result<FacilityView, StoreError> {
        let facility = self.facility_row(scope, id).await?;
        let rooms = RoomRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns(["id", "facility_id", "name", "beds"])
                    .from("facility_rooms")
                    .and_where(Expr::col("facility_id").eq(id))
                    .order_by("id", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let stays = StayRow::find_by_statement(
            self.db.get_database_backend().build(
                &stay_select()
                    .and_where(Expr::cust("s.left_on IS NULL"))
                    .and_where(Expr::col((Alias::new("s"), Alias::new("facility_id"))).eq(id))
                    .order_by((Alias::new("s"), Alias::new("id")), Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let mut views: Vec<RoomView> = rooms
            .into_iter()
            .map(|room| RoomView {
                room,
                occupants: vec![],
            })
            .collect();
        for s in stays {
            if let Some(v) = views.iter_mut().find(|v| v.room.id == s.room_id) {
                v.occupants.push(s);
            }
        }
        self.audit(
            who,
            AuditEvent::new(AuditAction::View, "facility", Some(id.to_string()))
                .in_area(facility.area_id.clone())
                .with_detail(format!("{} người đang cách ly", facility.occupied)),
        )
        .await?;
        Ok(FacilityView {
            facility,
            rooms: views,
        })
    }

    /// Rooms of the facilities within the scope, with their present count: where someone may
    /// be moved to.
    pub async fn room_choices(
        &self,
        scope: &Scope,
        limit: u64,
    ) -> Result<Vec<RoomChoice>, StoreError> {
        let stmt = Query::select()
            .columns([
                (Alias::new("r"), Alias::new("id")),
                (Alias::new("r"), Alias::new("facility_id")),
                (Alias::new("r"), Alias::new("name")),
                (Alias::new("r"), Alias::new("beds")),
            ])
            .expr_as(Expr::cust("f.name"), "facility_name")
            .expr_as(
                Expr::cust(
                    "(SELECT COUNT(*) FROM facility_stays s WHERE s.room_id = r.id AND s.left_on IS NULL)",
                ),
                "occupied",
            )
            .from_as("facility_rooms", "r")
            .join_as(
                JoinType::InnerJoin,
                "facilities",
                "f",
                Expr::cust("f.id = r.facility_id"),
            )
            .and_where(area_in_scope(fcol("area_id"), scope))
            .order_by(fcol("name"), Order::Asc)
            .order_by((Alias::new("r"), Alias::new("id")), Order::Asc)
            .limit(limit)
            .to_owned();
        Ok(
            RoomChoice::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Locks the facility for the rest of the transaction (PostgreSQL; SQLite's write
    /// transaction already holds the database's lock) and reads its beds and name.
    async fn lock_facility(
        &self,
        txn: &DatabaseTransaction,
        id: i64,
    ) -> Result<(String, i64, String, Option<String>), StoreError> {
        let mut q = Query::select()
            .columns(["name", "beds", "area_id", "province_code"])
            .from("facilities")
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        if self.engine() == Engine::Postgres {
            q.lock(LockType::Update);
        }
        let row = txn
            .query_one(&q)
            .await?
            .ok_or(StoreError::NotFound("cơ sở cách ly"))?;
        Ok((
            row.try_get("", "name")?,
            row.try_get("", "beds")?,
            row.try_get("", "area_id")?,
            row.try_get("", "province_code")?,
        ))
    }

    /// Checks the room's and the facility's rules for a newcomer inside the transaction and
    /// inserts the stay; returns its id.
    #[allow(clippy::too_many_arguments)]
    async fn place(
        &self,
        txn: &DatabaseTransaction,
        who: &Who,
        now: DateTime<Utc>,
        room_id: i64,
        person_id: i64,
        cohort: Cohort,
        admitted_on: NaiveDate,
        expect_facility: Option<i64>,
    ) -> Result<(i64, i64, String), StoreError> {
        let room = txn
            .query_one(
                &Query::select()
                    .columns(["facility_id", "name", "beds"])
                    .from("facility_rooms")
                    .and_where(Expr::col("id").eq(room_id))
                    .to_owned(),
            )
            .await?
            .ok_or_else(|| StoreError::from(Invalid::field("room_id", "không có phòng này")))?;
        let facility_id: i64 = room.try_get("", "facility_id")?;
        if expect_facility.is_some_and(|f| f != facility_id) {
            return Err(Invalid::field("room_id", "phòng này không thuộc cơ sở đã chọn").into());
        }
        let (fname, fbeds, area_id, province) = self.lock_facility(txn, facility_id).await?;
        let present = txn
            .query_all(
                &Query::select()
                    .columns(["room_id", "risk_group", "cohort_date"])
                    .from("facility_stays")
                    .and_where(Expr::col("facility_id").eq(facility_id))
                    .and_where(Expr::cust("left_on IS NULL"))
                    .to_owned(),
            )
            .await?;
        let mut occupants = Vec::new();
        for r in &present {
            if r.try_get::<i64>("", "room_id")? == room_id {
                let g: String = r.try_get("", "risk_group")?;
                occupants.push(Cohort {
                    risk_group: RiskGroup::parse(&g).unwrap_or(RiskGroup::F1),
                    date: r.try_get("", "cohort_date")?,
                });
            }
        }
        let room_name: String = room.try_get("", "name")?;
        check_admission(
            &FacilityState {
                name: fname.clone(),
                beds: fbeds,
                occupied: i64::try_from(present.len()).unwrap_or(i64::MAX),
            },
            &RoomState {
                name: room_name.clone(),
                beds: room.try_get("", "beds")?,
                occupants,
            },
            cohort,
        )?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("facility_stays")
                    .columns([
                        "province_code",
                        "facility_id",
                        "room_id",
                        "person_id",
                        "risk_group",
                        "cohort_date",
                        "admitted_on",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        province.into(),
                        facility_id.into(),
                        room_id.into(),
                        person_id.into(),
                        cohort.risk_group.as_str().into(),
                        cohort.date.into(),
                        admitted_on.into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await
            .map_err(|e| {
                if e.to_string().contains("facility_stays_present_person")
                    || e.to_string().contains("UNIQUE")
                {
                    Invalid::field("person_id", "người này đang cách ly ở một cơ sở khác").into()
                } else {
                    StoreError::from(e)
                }
            })?
            .ok_or(StoreError::NotFound("lượt cách ly"))?;
        // The person's open order now names the facility (its work list shows them).
        txn.execute(
            &Query::update()
                .table("quarantine_orders")
                .value("facility_id", facility_id)
                .and_where(Expr::col("person_id").eq(person_id))
                .and_where(Expr::cust("status = 'open'"))
                .to_owned(),
        )
        .await?;
        Ok((
            row.try_get("", "id")?,
            facility_id,
            format!("{fname}, phòng {room_name} ({area_id})"),
        ))
    }

    /// The stay a person has open now, if any, with its facility and room.
    pub(crate) async fn present_stay<C: ConnectionTrait>(
        db: &C,
        person_id: i64,
    ) -> Result<Option<PresentStay>, StoreError> {
        let row = db
            .query_one(
                &Query::select()
                    .expr_as(Expr::cust("s.id"), "stay_id")
                    .expr_as(Expr::cust("f.id"), "facility_id")
                    .expr_as(Expr::cust("f.name"), "facility_name")
                    .expr_as(Expr::cust("r.name"), "room_name")
                    .from_as("facility_stays", "s")
                    .join_as(
                        JoinType::InnerJoin,
                        "facilities",
                        "f",
                        Expr::cust("f.id = s.facility_id"),
                    )
                    .join_as(
                        JoinType::InnerJoin,
                        "facility_rooms",
                        "r",
                        Expr::cust("r.id = s.room_id"),
                    )
                    .and_where(Expr::cust("s.left_on IS NULL"))
                    .and_where(Expr::col((Alias::new("s"), Alias::new("person_id"))).eq(person_id))
                    .to_owned(),
            )
            .await?;
        Ok(match row {
            Some(r) => Some(PresentStay::from_query_result(&r, "")?),
            None => None,
        })
    }

    /// Admits a person into a room of a facility within `scope`; the person must be visible in
    /// `persons`. Refused with a field error, nothing written, when the person is already in a
    /// facility, the room holds people of another cohort, or the room or the facility is full.
    pub async fn admit(
        &self,
        scope: &Scope,
        persons: &Scope,
        who: &Who,
        facility_id: i64,
        input: &AdmissionInput,
    ) -> Result<StayRow, StoreError> {
        let f = self.facility_row(scope, facility_id).await?;
        let person = self
            .person_row(persons, input.person_id)
            .await
            .map_err(|e| e.not_found_as("person_id", "không có người này trong phạm vi của bạn"))?;
        let now = self.clock.now();
        let txn = self.write().await?;
        if let Some(PresentStay {
            facility_name: place,
            ..
        }) = Self::present_stay(&txn, input.person_id).await?
        {
            return Err(Invalid::field(
                "person_id",
                format!(
                    "{} đang cách ly tại {place}; dùng mục \"Chuyển\"",
                    person.full_name
                ),
            )
            .into());
        }
        let (id, _, place) = self
            .place(
                &txn,
                who,
                now,
                input.room_id,
                input.person_id,
                input.cohort,
                input.admitted_on,
                Some(facility_id),
            )
            .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "facility_stay", Some(id.to_string()))
                .in_area(f.area_id.clone())
                .with_detail(format!(
                    "tiếp nhận người #{} vào {place} ngày {}",
                    input.person_id,
                    input.admitted_on.format("%d/%m/%Y")
                )),
        )
        .await?;
        txn.commit().await?;
        self.stay(id).await
    }

    async fn stay(&self, id: i64) -> Result<StayRow, StoreError> {
        StayRow::find_by_statement(
            self.db.get_database_backend().build(
                &stay_select()
                    .and_where(Expr::col((Alias::new("s"), Alias::new("id"))).eq(id))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("lượt cách ly"))
    }

    /// A stay present in a facility within the scope.
    async fn open_stay(
        &self,
        scope: &Scope,
        facility_id: i64,
        stay_id: i64,
    ) -> Result<StayRow, StoreError> {
        self.facility_row(scope, facility_id).await?;
        let s = self.stay(stay_id).await?;
        if s.facility_id != facility_id {
            return Err(StoreError::NotFound("lượt cách ly"));
        }
        if s.left_on.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} đã rời cơ sở",
                s.full_name
            )));
        }
        Ok(s)
    }

    /// Ends a stay (completed, positive, other).
    pub async fn discharge(
        &self,
        scope: &Scope,
        who: &Who,
        facility_id: i64,
        stay_id: i64,
        input: &DischargeInput,
    ) -> Result<StayRow, StoreError> {
        let s = self.open_stay(scope, facility_id, stay_id).await?;
        if input.left_on < s.admitted_on {
            return Err(Invalid::field(
                "left_on",
                format!(
                    "ngày ra trước ngày vào ({})",
                    s.admitted_on.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let (fname, _, area_id, _) = self.lock_facility(&txn, facility_id).await?;
        self.end_stay(&txn, stay_id, input.left_on, input.reason, None)
            .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Update,
                "facility_stay",
                Some(stay_id.to_string()),
            )
            .in_area(area_id)
            .with_detail(format!(
                "người #{} rời {fname} ngày {}: {}",
                s.person_id,
                input.left_on.format("%d/%m/%Y"),
                input.reason.label()
            )),
        )
        .await?;
        txn.commit().await?;
        self.stay(stay_id).await
    }

    async fn end_stay(
        &self,
        txn: &DatabaseTransaction,
        stay_id: i64,
        on: NaiveDate,
        reason: LeftReason,
        next: Option<i64>,
    ) -> Result<(), StoreError> {
        let done = txn
            .execute(
                &Query::update()
                    .table("facility_stays")
                    .value("left_on", on)
                    .value("left_reason", reason.as_str())
                    .value("transferred_to", next)
                    .and_where(Expr::col("id").eq(stay_id))
                    .and_where(Expr::cust("left_on IS NULL"))
                    .to_owned(),
            )
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict("người này đã rời cơ sở".into()));
        }
        Ok(())
    }

    /// Moves a person to another room, of this facility or of another within the scope: the
    /// stay ends and the next opens, in one transaction, the destination's rules checked.
    pub async fn transfer(
        &self,
        scope: &Scope,
        who: &Who,
        facility_id: i64,
        stay_id: i64,
        input: &TransferInput,
    ) -> Result<StayRow, StoreError> {
        let s = self.open_stay(scope, facility_id, stay_id).await?;
        if input.room_id == s.room_id {
            return Err(Invalid::field("room_id", "người này đang ở phòng này").into());
        }
        if input.on < s.admitted_on {
            return Err(Invalid::field(
                "on",
                format!(
                    "ngày chuyển trước ngày vào ({})",
                    s.admitted_on.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        // The destination must lie within the scope too.
        let dest = self
            .db
            .query_one(
                &Query::select()
                    .column((Alias::new("r"), Alias::new("facility_id")))
                    .from_as("facility_rooms", "r")
                    .join_as(
                        JoinType::InnerJoin,
                        "facilities",
                        "f",
                        Expr::cust("f.id = r.facility_id"),
                    )
                    .and_where(Expr::col((Alias::new("r"), Alias::new("id"))).eq(input.room_id))
                    .and_where(area_in_scope(fcol("area_id"), scope))
                    .to_owned(),
            )
            .await?
            .ok_or_else(|| {
                StoreError::from(Invalid::field(
                    "room_id",
                    "không có phòng này hoặc phòng nằm ngoài phạm vi của bạn",
                ))
            })?;
        let dest_facility: i64 = dest.try_get("", "facility_id")?;
        let reason = if dest_facility == facility_id {
            LeftReason::MovedRoom
        } else {
            LeftReason::Transferred
        };
        let now = self.clock.now();
        let txn = self.write().await?;
        // Lock both facilities in id order, so two opposite moves cannot deadlock.
        let (first, second) = (
            Ord::min(facility_id, dest_facility),
            Ord::max(facility_id, dest_facility),
        );
        self.lock_facility(&txn, first).await?;
        let (fname, _, area_id, _) = self.lock_facility(&txn, facility_id).await?;
        if second != first {
            self.lock_facility(&txn, second).await?;
        }
        // The old stay ends first: the person leaves the room (and the partial unique index)
        // before the next stay opens.
        self.end_stay(&txn, stay_id, input.on, reason, None).await?;
        let (next, _, place) = self
            .place(
                &txn,
                who,
                now,
                input.room_id,
                s.person_id,
                Cohort {
                    risk_group: s.risk_group(),
                    date: s.cohort_date,
                },
                input.on,
                None,
            )
            .await?;
        txn.execute(
            &Query::update()
                .table("facility_stays")
                .value("transferred_to", next)
                .and_where(Expr::col("id").eq(stay_id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Update,
                "facility_stay",
                Some(stay_id.to_string()),
            )
            .in_area(area_id)
            .with_detail(format!(
                "chuyển người #{} từ {fname} đến {place} ngày {}",
                s.person_id,
                input.on.format("%d/%m/%Y")
            )),
        )
        .await?;
        txn.commit().await?;
        self.stay(next).await
    }

    /// How many people were present each day of the 30 days ending `today`.
    pub async fn facility_occupancy(
        &self,
        scope: &Scope,
        facility_id: i64,
        today: NaiveDate,
    ) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
        self.facility_row(scope, facility_id).await?;
        let from = today - Duration::days(29);
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns(["admitted_on", "left_on"])
                    .from("facility_stays")
                    .and_where(Expr::col("facility_id").eq(facility_id))
                    .and_where(Expr::col("admitted_on").lte(today))
                    .and_where(Expr::cust("left_on IS NULL").or(Expr::col("left_on").gt(from)))
                    .to_owned(),
            )
            .await?;
        let mut stays = Vec::with_capacity(rows.len());
        for r in rows {
            stays.push((
                r.try_get::<NaiveDate>("", "admitted_on")?,
                r.try_get::<Option<NaiveDate>>("", "left_on")?,
            ));
        }
        Ok(occupancy(&stays, from, today))
    }

    /// Facilities, beds and people in quarantine now per area where facilities stand, within
    /// the scope: one grouped query.
    pub async fn quarantine_by_area(
        &self,
        scope: &Scope,
    ) -> Result<Vec<AreaQuarantine>, StoreError> {
        let stmt = Query::select()
            .expr_as(Expr::cust("f.area_id"), "area_id")
            .expr_as(Expr::cust("MIN(a.name)"), "area_name")
            .expr_as(Expr::cust("COUNT(*)"), "facilities")
            .expr_as(
                Expr::cust("CAST(COALESCE(SUM(f.beds), 0) AS BIGINT)"),
                "beds",
            )
            .expr_as(
                Expr::cust("CAST(COALESCE(SUM(o.n), 0) AS BIGINT)"),
                "occupied",
            )
            .from_as("facilities", "f")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = f.area_id"),
            )
            .join_subquery(
                JoinType::LeftJoin,
                present_per_facility(),
                "o",
                Expr::cust("o.facility_id = f.id"),
            )
            .and_where(area_in_scope(fcol("area_id"), scope))
            .group_by_col(fcol("area_id"))
            .order_by(fcol("area_id"), Order::Asc)
            .to_owned();
        Ok(
            AreaQuarantine::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}
