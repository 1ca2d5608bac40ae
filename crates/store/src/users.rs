//! Accounts and the roles they hold on area subtrees.
//!
//! An administrator sees the accounts that hold a grant within their scope, and may change
//! only accounts whose every grant lies within it (so a district administrator cannot take over
//! a provincial account that also holds a role in the district).

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::{Grant, Role, Scope};
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::text::search_key;
use chongdich_domain::user::Username;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct GrantRow {
    pub user_id: i64,
    pub role: String,
    pub area_id: String,
    pub area_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UserView {
    pub user: UserRow,
    pub grants: Vec<GrantRow>,
}

/// An account to create. The password arrives hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub grants: Vec<Grant>,
}

/// For signing in: the account and its password hash.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Credentials {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub disabled: bool,
}

fn user_select() -> SelectStatement {
    Query::select()
        .columns([
            "id",
            "username",
            "display_name",
            "disabled",
            "created_at",
            "updated_at",
        ])
        .from("users")
        .to_owned()
}

/// What a search for an account looks in: its username and name, without diacritics.
fn user_key(username: &str, display_name: &str) -> String {
    search_key(&format!("{username} {display_name}"))
}

/// Accounts with at least one grant inside the scope.
fn visible(scope: &Scope) -> sea_orm::sea_query::SimpleExpr {
    if scope.is_everywhere() {
        return Expr::cust("1 = 1");
    }
    Expr::col("id").in_subquery(
        Query::select()
            .column("user_id")
            .from("role_grants")
            .and_where(crate::scope::area_in_scope("area_id", scope))
            .to_owned(),
    )
}

async fn grants_of<C: ConnectionTrait>(db: &C, ids: &[i64]) -> Result<Vec<GrantRow>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let stmt = Query::select()
        .columns([
            (Alias::new("g"), Alias::new("user_id")),
            (Alias::new("g"), Alias::new("role")),
            (Alias::new("g"), Alias::new("area_id")),
        ])
        .expr_as(Expr::cust("a.name"), "area_name")
        .from_as("role_grants", "g")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = g.area_id"),
        )
        .and_where(Expr::col((Alias::new("g"), Alias::new("user_id"))).is_in(ids.iter().copied()))
        .order_by((Alias::new("g"), Alias::new("id")), Order::Asc)
        .to_owned();
    Ok(
        GrantRow::find_by_statement(db.get_database_backend().build(&stmt))
            .all(db)
            .await?,
    )
}

async fn check_grants_in_scope(
    store: &Store,
    scope: &Scope,
    grants: &[Grant],
) -> Result<(), StoreError> {
    if grants.is_empty() {
        return Err(Invalid::field("grants", "cần ít nhất một vai trò trên một địa bàn").into());
    }
    for g in grants {
        if !store.area_in_scope(scope, &g.area_id).await? {
            return Err(Invalid::field(
                "grants",
                format!(
                    "địa bàn {} không có hoặc nằm ngoài phạm vi quản lý của bạn",
                    g.area_id
                ),
            )
            .into());
        }
    }
    Ok(())
}

async fn write_grants(
    txn: &DatabaseTransaction,
    user_id: i64,
    grants: &[Grant],
) -> Result<(), StoreError> {
    txn.execute(
        &Query::delete()
            .from_table("role_grants")
            .and_where(Expr::col("user_id").eq(user_id))
            .to_owned(),
    )
    .await?;
    let mut seen = Vec::new();
    for g in grants {
        if seen.contains(g) {
            continue;
        }
        seen.push(g.clone());
        txn.execute(
            &Query::insert()
                .into_table("role_grants")
                .columns(["user_id", "role", "area_id"])
                .values_panic([
                    user_id.into(),
                    g.role.as_str().into(),
                    g.area_id.as_str().into(),
                ])
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}

fn describe(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| format!("{}@{}", g.role.as_str(), g.area_id))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    pub async fn create_user(
        &self,
        scope: &Scope,
        who: &Who,
        new: NewUser,
    ) -> Result<UserView, StoreError> {
        check_grants_in_scope(self, scope, &new.grants).await?;
        if self.credentials(new.username.as_str()).await?.is_some() {
            return Err(Invalid::field("username", "tên đăng nhập đã có người dùng").into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("users")
                    .columns([
                        "username",
                        "display_name",
                        "password_hash",
                        "disabled",
                        "created_at",
                        "updated_at",
                        "search_key",
                    ])
                    .values_panic([
                        new.username.as_str().into(),
                        new.display_name.clone().into(),
                        new.password_hash.clone().into(),
                        false.into(),
                        now.into(),
                        now.into(),
                        user_key(new.username.as_str(), &new.display_name).into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await
            .map_err(|e| match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Invalid(
                    Invalid::field("username", "tên đăng nhập đã có người dùng"),
                ),
                _ => StoreError::Db(e),
            })?
            .ok_or(StoreError::NotFound("tài khoản"))?;
        let id: i64 = row.try_get("", "id")?;
        write_grants(&txn, id, &new.grants).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "user", Some(id.to_string()))
                .in_area(new.grants[0].area_id.as_str())
                .with_detail(format!(
                    "{} ({})",
                    new.username.as_str(),
                    describe(&new.grants)
                )),
        )
        .await?;
        txn.commit().await?;
        self.user_unaudited(scope, id).await
    }

    async fn user_unaudited(&self, scope: &Scope, id: i64) -> Result<UserView, StoreError> {
        let stmt = user_select()
            .and_where(Expr::col("id").eq(id))
            .and_where(visible(scope))
            .to_owned();
        let user = UserRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("tài khoản"))?;
        let grants = grants_of(&self.db, &[id]).await?;
        Ok(UserView { user, grants })
    }

    /// One account within the scope. The read is audited.
    pub async fn user(&self, scope: &Scope, who: &Who, id: i64) -> Result<UserView, StoreError> {
        let view = self.user_unaudited(scope, id).await?;
        self.audit(
            who,
            AuditEvent::new(AuditAction::View, "user", Some(id.to_string())).in_area(
                view.grants
                    .first()
                    .map(|g| g.area_id.clone())
                    .unwrap_or_else(|| AreaId::COUNTRY.to_owned()),
            ),
        )
        .await?;
        Ok(view)
    }

    /// The accounts within the scope, by username; `query` matches username or name.
    pub async fn users(
        &self,
        scope: &Scope,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<Page<UserView>, StoreError> {
        let mut base = user_select().and_where(visible(scope)).to_owned();
        // Diacritics and case ignored: "hoa", "HOÀ" and "Hoà" find Nguyễn Thị Hoà.
        let key = query.map(search_key).unwrap_or_default();
        if !key.is_empty() {
            base.and_where(Expr::col("search_key").like(format!("%{key}%")));
        }
        let total = crate::count_of(&self.db, &base).await?;
        let stmt = base
            .order_by("username", Order::Asc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        let users = UserRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let grants = grants_of(&self.db, &ids).await?;
        let items = users
            .into_iter()
            .map(|user| UserView {
                grants: grants
                    .iter()
                    .filter(|g| g.user_id == user.id)
                    .cloned()
                    .collect(),
                user,
            })
            .collect();
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// The account must be wholly within the scope to be changed.
    async fn changeable(&self, scope: &Scope, id: i64) -> Result<UserView, StoreError> {
        let view = self.user_unaudited(scope, id).await?;
        for g in &view.grants {
            let area = AreaId::parse(&g.area_id)?;
            if !self.area_in_scope(scope, &area).await? {
                return Err(StoreError::Forbidden(
                    "tài khoản này có vai trò ngoài phạm vi quản lý của bạn".into(),
                ));
            }
        }
        Ok(view)
    }

    pub async fn update_user(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        display_name: &str,
        grants: &[Grant],
    ) -> Result<UserView, StoreError> {
        let view = self.changeable(scope, id).await?;
        check_grants_in_scope(self, scope, grants).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("users")
                .value("display_name", display_name)
                .value("search_key", user_key(&view.user.username, display_name))
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        write_grants(&txn, id, grants).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "user", Some(id.to_string()))
                .in_area(grants[0].area_id.as_str())
                .with_detail(format!("{display_name} ({})", describe(grants))),
        )
        .await?;
        txn.commit().await?;
        self.user_unaudited(scope, id).await
    }

    /// Sets a new password hash and ends the account's sessions.
    pub async fn set_password(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        hash: &str,
    ) -> Result<(), StoreError> {
        let view = self.changeable(scope, id).await?;
        self.write_password(who, &view, hash).await
    }

    /// Sets the acting user's own password (no administrator needed).
    pub async fn set_own_password(&self, who: &Who, id: i64, hash: &str) -> Result<(), StoreError> {
        let view = self.user_unaudited(&Scope::everywhere(), id).await?;
        self.write_password(who, &view, hash).await
    }

    async fn write_password(
        &self,
        who: &Who,
        view: &UserView,
        hash: &str,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let id = view.user.id;
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("users")
                .value("password_hash", hash)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        txn.execute(
            &Query::delete()
                .from_table("sessions")
                .and_where(Expr::col("user_id").eq(id))
                .to_owned(),
        )
        .await?;
        let mut event = AuditEvent::new(AuditAction::Update, "user", Some(id.to_string()))
            .with_detail("đổi mật khẩu");
        if let Some(g) = view.grants.first() {
            event = event.in_area(g.area_id.as_str());
        }
        audit::append(&txn, who, now, &event).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Disables (or re-enables) an account; disabling ends its sessions and stops its tokens.
    pub async fn set_disabled(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        disabled: bool,
    ) -> Result<(), StoreError> {
        let view = self.changeable(scope, id).await?;
        if who.user_id == Some(id) && disabled {
            return Err(StoreError::Forbidden(
                "không thể tự khoá tài khoản của mình".into(),
            ));
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("users")
                .value("disabled", disabled)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        if disabled {
            txn.execute(
                &Query::delete()
                    .from_table("sessions")
                    .and_where(Expr::col("user_id").eq(id))
                    .to_owned(),
            )
            .await?;
        }
        let action = if disabled {
            AuditAction::Disable
        } else {
            AuditAction::Enable
        };
        let mut event = AuditEvent::new(action, "user", Some(id.to_string()))
            .with_detail(view.user.username.clone());
        if let Some(g) = view.grants.first() {
            event = event.in_area(g.area_id.as_str());
        }
        audit::append(&txn, who, now, &event).await?;
        txn.commit().await?;
        Ok(())
    }

    /// For signing in and for the console: the account by name, with its hash. Not scoped.
    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>, StoreError> {
        let stmt = Query::select()
            .columns([
                "id",
                "username",
                "display_name",
                "password_hash",
                "disabled",
            ])
            .from("users")
            .and_where(Expr::col("username").eq(username.trim().to_lowercase()))
            .to_owned();
        Ok(
            Credentials::find_by_statement(self.db.get_database_backend().build(&stmt))
                .one(&self.db)
                .await?,
        )
    }

    /// The grants of an account, for building its actor.
    pub async fn grants(&self, user_id: i64) -> Result<Vec<Grant>, StoreError> {
        let rows = grants_of(&self.db, &[user_id]).await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(Grant {
                role: Role::parse(&r.role)?,
                area_id: AreaId::parse(&r.area_id)?,
            });
        }
        Ok(out)
    }

    /// How many accounts exist.
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        crate::count_of(
            &self.db,
            &Query::select().column("id").from("users").to_owned(),
        )
        .await
    }
}

impl Store {
    /// The grants of an account with the names of their areas.
    pub async fn grant_rows(&self, user_id: i64) -> Result<Vec<GrantRow>, StoreError> {
        grants_of(&self.db, &[user_id]).await
    }
}

impl Store {
    /// Fills the search key of accounts created before it existed (migration 3). Idempotent:
    /// a no-op once every account has one.
    pub(crate) async fn backfill_user_search_keys(&self) -> Result<u64, StoreError> {
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns(["id", "username", "display_name"])
                    .from("users")
                    .and_where(Expr::col("search_key").eq(""))
                    .to_owned(),
            )
            .await?;
        let mut n = 0;
        for r in rows {
            let id: i64 = r.try_get("", "id")?;
            let username: String = r.try_get("", "username")?;
            let display_name: String = r.try_get("", "display_name")?;
            self.db
                .execute(
                    &Query::update()
                        .table("users")
                        .value("search_key", user_key(&username, &display_name))
                        .and_where(Expr::col("id").eq(id))
                        .to_owned(),
                )
                .await?;
            n += 1;
        }
        Ok(n)
    }
}
