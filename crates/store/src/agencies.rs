//! Agencies attached to areas, and their members.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::access::Scope;
use chongdich_domain::agency::{AgencyKind, MemberInput, parse_agency_name};
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::text::sort_key;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AgencyRow {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    pub kind: String,
    pub member_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct MemberRow {
    pub id: i64,
    pub agency_id: i64,
    pub full_name: String,
    pub position: String,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgencyView {
    pub agency: AgencyRow,
    pub members: Vec<MemberRow>,
}

/// `agencies g` with its unit `a`: the agency's id and name, and the unit's name as
/// `area_name` — what matching a name written in a document needs.
pub(crate) fn agencies_with_unit() -> SelectStatement {
    Query::select()
        .columns([
            (Alias::new("g"), Alias::new("id")),
            (Alias::new("g"), Alias::new("name")),
        ])
        .expr_as(Expr::cust("a.name"), "area_name")
        .from_as("agencies", "g")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = g.area_id"),
        )
        .to_owned()
}

fn select_agencies(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns([
            (Alias::new("g"), Alias::new("id")),
            (Alias::new("g"), Alias::new("area_id")),
            (Alias::new("g"), Alias::new("name")),
            (Alias::new("g"), Alias::new("kind")),
            (Alias::new("g"), Alias::new("created_at")),
        ])
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM agency_members m WHERE m.agency_id = g.id)"),
            "member_count",
        )
        .from_as("agencies", "g")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = g.area_id"),
        )
        .and_where(area_in_scope(
            (Alias::new("g"), Alias::new("area_id")),
            scope,
        ))
        .to_owned()
}

/// Writes an agency (and its audit entry) inside the caller's transaction; returns its id.
/// The caller has checked the area and the name.
pub(crate) async fn insert_agency<C: ConnectionTrait>(
    db: &C,
    who: &Who,
    now: DateTime<Utc>,
    area: &AreaId,
    name: &str,
    kind: AgencyKind,
) -> Result<i64, StoreError> {
    let province = crate::province_of(db, area.as_str()).await?;
    let row = db
        .query_one(
            &Query::insert()
                .into_table("agencies")
                .columns([
                    "area_id",
                    "province_code",
                    "name",
                    "kind",
                    "sort_key",
                    "created_at",
                ])
                .values_panic([
                    area.as_str().into(),
                    province.into(),
                    name.into(),
                    kind.as_str().into(),
                    sort_key(name).into(),
                    now.into(),
                ])
                .returning_col("id")
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("cơ quan"))?;
    let id: i64 = row.try_get("", "id")?;
    audit::append(
        db,
        who,
        now,
        &AuditEvent::new(AuditAction::Create, "agency", Some(id.to_string()))
            .in_area(area.as_str())
            .with_detail(name),
    )
    .await?;
    Ok(id)
}

impl Store {
    /// Agencies within the scope; with `area`, only those of that area and below.
    pub async fn agencies(
        &self,
        scope: &Scope,
        area: Option<&AreaId>,
        limit: u64,
        offset: u64,
    ) -> Result<Page<AgencyRow>, StoreError> {
        let mut base = select_agencies(scope);
        if let Some(area) = area {
            base.and_where(area_in_scope(
                (Alias::new("g"), Alias::new("area_id")),
                &Scope::of([area.clone()]),
            ));
        }
        let total = crate::count_of(&self.db, &base).await?;
        let stmt = base
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .order_by((Alias::new("g"), Alias::new("sort_key")), Order::Asc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        let items = AgencyRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    pub async fn agency(&self, scope: &Scope, id: i64) -> Result<AgencyView, StoreError> {
        let stmt = select_agencies(scope)
            .and_where(Expr::col((Alias::new("g"), Alias::new("id"))).eq(id))
            .to_owned();
        let agency = AgencyRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("cơ quan"))?;
        let members = MemberRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns(["id", "agency_id", "full_name", "position", "phone"])
                    .from("agency_members")
                    .and_where(Expr::col("agency_id").eq(id))
                    .order_by("id", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        Ok(AgencyView { agency, members })
    }

    pub async fn create_agency(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        name: &str,
        kind: AgencyKind,
    ) -> Result<AgencyView, StoreError> {
        let name = parse_agency_name(name)?;
        if !self.area_in_scope(scope, area).await? {
            return Err(chongdich_domain::Invalid::field(
                "area_id",
                "địa bàn không có hoặc nằm ngoài phạm vi của bạn",
            )
            .into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let id = insert_agency(&txn, who, now, area, &name, kind).await?;
        txn.commit().await?;
        self.agency(scope, id).await
    }

    pub async fn add_member(
        &self,
        scope: &Scope,
        who: &Who,
        agency_id: i64,
        member: &MemberInput,
    ) -> Result<AgencyView, StoreError> {
        let view = self.agency(scope, agency_id).await?;
        let user_id: Option<i64> = match &member.account {
            Some(name) => Some(
                self.credentials(name.as_str())
                    .await?
                    .map(|c| c.id)
                    .ok_or_else(|| {
                        chongdich_domain::Invalid::field(
                            "account",
                            format!("không có tài khoản \"{}\"", name.as_str()),
                        )
                    })?,
            ),
            None => None,
        };
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::insert()
                .into_table("agency_members")
                .columns([
                    "agency_id",
                    "full_name",
                    "position",
                    "phone",
                    "user_id",
                    "created_at",
                ])
                .values_panic([
                    agency_id.into(),
                    member.full_name.clone().into(),
                    member.position.clone().into(),
                    member.phone.clone().into(),
                    user_id.into(),
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
                "agency_member",
                Some(agency_id.to_string()),
            )
            .in_area(view.agency.area_id.as_str())
            .with_detail(format!("{} — {}", member.full_name, member.position)),
        )
        .await?;
        txn.commit().await?;
        self.agency(scope, agency_id).await
    }
}

impl Store {
    /// Removes a member from an agency within the scope (people leave committees).
    pub async fn remove_member(
        &self,
        scope: &Scope,
        who: &Who,
        agency_id: i64,
        member_id: i64,
    ) -> Result<AgencyView, StoreError> {
        let view = self.agency(scope, agency_id).await?;
        let Some(member) = view.members.iter().find(|m| m.id == member_id) else {
            return Err(StoreError::NotFound("thành viên"));
        };
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::delete()
                .from_table("agency_members")
                .and_where(Expr::col("id").eq(member_id))
                .and_where(Expr::col("agency_id").eq(agency_id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Delete,
                "agency_member",
                Some(agency_id.to_string()),
            )
            .in_area(view.agency.area_id.as_str())
            .with_detail(format!("{} — {}", member.full_name, member.position)),
        )
        .await?;
        txn.commit().await?;
        self.agency(scope, agency_id).await
    }
}
