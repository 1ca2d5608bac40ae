//! `/api/v1/me`, `/api/v1/users…`: accounts and their roles. Administrators only, within their area.

use super::require;
use super::types::{
    Grant, GrantInput, Me, NewUserInput, OwnPasswordInput, PasswordInput, User, UserPage,
    UserUpdate,
};
use crate::AppState;
use crate::auth::{ApiUser, password};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::{self, Permission, Role};
use chongdich_domain::area::AreaId;
use chongdich_domain::error::Collector;
use chongdich_domain::user::{Username, check_password, parse_display_name};
use chongdich_store::users::NewUser;
use serde::Deserialize;
use utoipa::IntoParams;

/// Parses grants, naming the bad one (`grants[1].role`).
pub(crate) fn parse_grants(c: &mut Collector, input: &[GrantInput]) -> Vec<access::Grant> {
    let mut out = Vec::new();
    if input.is_empty() {
        c.push("grants", "cần ít nhất một vai trò trên một địa bàn");
    }
    for (i, g) in input.iter().enumerate() {
        let role = Role::parse(&g.role).map_err(|e| rename(e, &format!("grants[{i}].role")));
        let area =
            AreaId::parse(&g.area_id).map_err(|e| rename(e, &format!("grants[{i}].area_id")));
        if let (Some(role), Some(area_id)) = (c.take(role), c.take(area)) {
            out.push(access::Grant { role, area_id });
        }
    }
    out
}

fn rename(mut e: chongdich_domain::Invalid, field: &str) -> chongdich_domain::Invalid {
    for f in &mut e.0 {
        f.field = field.to_owned();
    }
    e
}

/// Hashes off the async workers: Argon2 takes tens of milliseconds by design.
pub(crate) async fn hash(p: &str) -> Result<String, ApiError> {
    let p = p.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&p))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}

/// The signed-in user and their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn me(State(s): State<AppState>, ApiUser(u): ApiUser) -> Result<Json<Me>, ApiError> {
    let grants = s.store.grant_rows(u.user_id).await?;
    Ok(Json(Me {
        id: u.user_id,
        username: u.username,
        display_name: u.display_name,
        grants: grants.into_iter().map(Grant::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the username or name.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Accounts holding a role within your area.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(UserQuery),
    responses((status = 200, body = UserPage), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<UserQuery>,
) -> Result<Json<UserPage>, ApiError> {
    require(&u, Permission::ManageUsers)?;
    let p = crate::extract::PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .users(
            &u.scope(Permission::ManageUsers),
            q.q.as_deref(),
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(UserPage {
        items: page.items.into_iter().map(User::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// Create an account with its roles.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserInput,
    responses((status = 201, body = User), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<NewUserInput>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    require(&u, Permission::ManageUsers)?;
    let mut c = Collector::new();
    let username = c.take(Username::parse(&body.username));
    let display_name = c.take(parse_display_name(&body.display_name));
    c.take(check_password("password", &body.password));
    let grants = parse_grants(&mut c, &body.grants);
    c.finish()?;
    let (Some(username), Some(display_name)) = (username, display_name) else {
        return Err(ApiError::internal("parsed fields missing"));
    };
    let user = s
        .store
        .create_user(
            &u.scope(Permission::ManageUsers),
            &u.who(),
            NewUser {
                username,
                display_name,
                password_hash: hash(&body.password).await?,
                grants,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// One account (the read is recorded in the audit log).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<User>, ApiError> {
    require(&u, Permission::ManageUsers)?;
    Ok(Json(
        s.store
            .user(&u.scope(Permission::ManageUsers), &u.who(), id)
            .await?
            .into(),
    ))
}

/// Change an account's name and roles (the roles given replace the old ones).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = UserUpdate,
    responses((status = 200, body = User), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn update(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<UserUpdate>,
) -> Result<Json<User>, ApiError> {
    require(&u, Permission::ManageUsers)?;
    let mut c = Collector::new();
    let display_name = c.take(parse_display_name(&body.display_name));
    let grants = parse_grants(&mut c, &body.grants);
    c.finish()?;
    let display_name = display_name.unwrap_or_default();
    Ok(Json(
        s.store
            .update_user(
                &u.scope(Permission::ManageUsers),
                &u.who(),
                id,
                &display_name,
                &grants,
            )
            .await?
            .into(),
    ))
}

/// Set a new password; the account's sessions end.
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)),
    request_body = PasswordInput,
    responses((status = 204), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn set_password(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PasswordInput>,
) -> Result<StatusCode, ApiError> {
    require(&u, Permission::ManageUsers)?;
    check_password("password", &body.password)?;
    s.store
        .set_password(
            &u.scope(Permission::ManageUsers),
            &u.who(),
            id,
            &hash(&body.password).await?,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disable an account: its sessions end and its tokens stop working.
#[utoipa::path(post, path = "/api/v1/users/{id}/disable", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn disable(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    require(&u, Permission::ManageUsers)?;
    s.store
        .set_disabled(&u.scope(Permission::ManageUsers), &u.who(), id, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a disabled account.
#[utoipa::path(post, path = "/api/v1/users/{id}/enable", tag = "users", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn enable(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    require(&u, Permission::ManageUsers)?;
    s.store
        .set_disabled(&u.scope(Permission::ManageUsers), &u.who(), id, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change your own password (the current one is required); every session of yours ends.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "users", request_body = OwnPasswordInput,
    responses((status = 204), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn change_own_password(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<OwnPasswordInput>,
) -> Result<StatusCode, ApiError> {
    change_own(&s, &u, &body.current, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the current password, then sets the new one (ending every session of the user).
/// Shared by the API and the account page.
pub(crate) async fn change_own(
    s: &AppState,
    u: &crate::auth::Authed,
    current: &str,
    new_password: &str,
) -> Result<(), ApiError> {
    let creds = s
        .store
        .credentials(&u.username)
        .await?
        .ok_or_else(|| ApiError::not_found("tài khoản"))?;
    let current = current.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&current, &creds.password_hash))
        .await
        .map_err(ApiError::internal)?;
    if !ok {
        return Err(
            chongdich_domain::Invalid::field("current", "mật khẩu hiện tại không đúng").into(),
        );
    }
    check_password("new_password", new_password)?;
    s.store
        .set_own_password(&u.who(), u.user_id, &hash(new_password).await?)
        .await?;
    Ok(())
}
