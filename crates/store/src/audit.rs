//! The append-only audit log: who did what to which record, when, from where.
//!
//! Entries are written in the same transaction as the change they describe, so there is no
//! change without its entry. The database refuses UPDATE and DELETE on the table (a trigger on
//! both engines).

use crate::areas::Page;
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::access::Scope;
use chongdich_domain::audit::AuditEvent;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// Who is acting, and from where: attached to every audit entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Who {
    pub user_id: Option<i64>,
    pub username: String,
    pub ip: Option<String>,
    pub operation_id: Option<String>,
}

impl Who {
    pub fn console() -> Self {
        Self {
            user_id: None,
            username: "console".into(),
            ip: None,
            operation_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub area_id: Option<String>,
    pub province_code: Option<String>,
    pub ip: Option<String>,
    pub operation_id: Option<String>,
    pub detail: Option<String>,
}

/// What to look for in the log. Every field narrows; none given: everything in scope.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub action: Option<String>,
    /// The area and everything below it.
    pub area_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Appends one entry using the given connection or transaction.
pub async fn append<C: ConnectionTrait>(
    db: &C,
    who: &Who,
    at: DateTime<Utc>,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    // An event about no particular area (a login, an export, a token) is filed under the
    // actor's first area, so the administrators of that area see what their users do.
    let area_id = match (&event.area_id, who.user_id) {
        (Some(a), _) => Some(a.clone()),
        (None, Some(user)) => db
            .query_one(
                &Query::select()
                    .column("area_id")
                    .from("role_grants")
                    .and_where(Expr::col("user_id").eq(user))
                    .order_by("id", Order::Asc)
                    .limit(1)
                    .to_owned(),
            )
            .await?
            .and_then(|r| r.try_get::<String>("", "area_id").ok()),
        (None, None) => None,
    };
    let province_code = match &area_id {
        Some(area) => crate::province_of(db, area).await?,
        None => None,
    };
    db.execute(
        &Query::insert()
            .into_table("audit_log")
            .columns([
                "at",
                "user_id",
                "username",
                "action",
                "record_type",
                "record_id",
                "area_id",
                "province_code",
                "ip",
                "operation_id",
                "detail",
            ])
            .values_panic([
                at.into(),
                who.user_id.into(),
                who.username.clone().into(),
                event.action.as_str().into(),
                event.record_type.clone().into(),
                event.record_id.clone().into(),
                area_id.into(),
                province_code.into(),
                who.ip.clone().into(),
                who.operation_id.clone().into(),
                event.detail.clone().into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

fn filtered(scope: &Scope, f: &AuditFilter) -> SelectStatement {
    let mut q = Query::select()
        .columns([
            "id",
            "at",
            "user_id",
            "username",
            "action",
            "record_type",
            "record_id",
            "area_id",
            "province_code",
            "ip",
            "operation_id",
            "detail",
        ])
        .from("audit_log")
        .to_owned();
    // Entries without an area (logins, account changes of national users) are seen only by
    // those whose scope is the whole country.
    if !scope.is_everywhere() {
        q.and_where(area_in_scope("area_id", scope));
    }
    if let Some(u) = f.user_id {
        q.and_where(Expr::col("user_id").eq(u));
    }
    if let Some(u) = &f.username {
        q.and_where(Expr::col("username").eq(u.as_str()));
    }
    if let Some(t) = &f.record_type {
        q.and_where(Expr::col("record_type").eq(t.as_str()));
    }
    if let Some(r) = &f.record_id {
        q.and_where(Expr::col("record_id").eq(r.as_str()));
    }
    if let Some(a) = &f.action {
        q.and_where(Expr::col("action").eq(a.as_str()));
    }
    if let Some(area) = &f.area_id {
        q.and_where(
            Expr::col("area_id").in_subquery(
                Query::select()
                    .column("descendant_id")
                    .from("area_closure")
                    .and_where(Expr::col("ancestor_id").eq(area.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(from) = f.from {
        q.and_where(Expr::col("at").gte(from));
    }
    if let Some(to) = f.to {
        q.and_where(Expr::col("at").lt(to));
    }
    q
}

impl Store {
    /// Appends an entry on its own (for events with no other write: views, logins, exports).
    pub async fn audit(&self, who: &Who, event: AuditEvent) -> Result<(), StoreError> {
        append(&self.db, who, self.clock.now(), &event).await
    }

    /// The newest entries first.
    pub async fn audit_entries(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<AuditEntry>, StoreError> {
        let base = filtered(scope, filter);
        let total = crate::count_of(&self.db, &base).await?;
        let stmt = base
            .clone()
            .order_by("id", Order::Desc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        let items = AuditEntry::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// The next matching entries after an id, oldest first: export walks the log with it.
    pub async fn audit_chunk(
        &self,
        scope: &Scope,
        filter: &AuditFilter,
        after_id: i64,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let stmt = filtered(scope, filter)
            .and_where(Expr::col("id").gt(after_id))
            .order_by("id", Order::Asc)
            .limit(limit)
            .to_owned();
        Ok(
            AuditEntry::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}
