//! The signed-in user's own page: their roles, password and API tokens.

use super::{Empty, FormErrors, Layout, Notice, Submitted, render_status, see_other, vn_datetime};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chongdich_domain::Invalid;
use chongdich_domain::access::Role;
use serde::Deserialize;

pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: bool,
}

pub struct GrantLine {
    pub role: &'static str,
    pub area_id: String,
    pub area_name: String,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    grants: Vec<GrantLine>,
    tokens: Vec<TokenLine>,
    new_secret: Option<String>,
    password_errors: FormErrors,
    token_errors: FormErrors,
    token_name: String,
}

#[allow(clippy::too_many_arguments)]
async fn page_with(
    s: &AppState,
    u: &Authed,
    notice: Option<&str>,
    new_secret: Option<String>,
    password_errors: FormErrors,
    token_errors: FormErrors,
    token_name: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let grants = s
        .store
        .grant_rows(u.user_id)
        .await?
        .into_iter()
        .map(|g| GrantLine {
            role: Role::parse(&g.role).map(|r| r.label()).unwrap_or("?"),
            area_id: g.area_id,
            area_name: g.area_name,
        })
        .collect();
    let tokens = s
        .store
        .tokens(u.user_id)
        .await?
        .into_iter()
        .map(|t| TokenLine {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created: vn_datetime(&t.created_at),
            last_used: t
                .last_used_at
                .map(|t| vn_datetime(&t))
                .unwrap_or_else(|| "chưa dùng".into()),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    render_status(
        status,
        &AccountPage {
            l: Layout::for_user(u, "Tài khoản của tôi", "account").with_notice(notice),
            grants,
            tokens,
            new_secret,
            password_errors,
            token_errors,
            token_name,
        },
    )
}

pub async fn page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    page_with(
        &s,
        &u,
        n.msg.as_deref(),
        None,
        FormErrors::default(),
        FormErrors::default(),
        String::new(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(s): State<AppState>,
    sub: Submitted<PasswordForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    match crate::api::users::change_own(&s, u, &sub.form.current, &sub.form.new_password).await {
        // Changing the password ends every session, this one too: sign in again.
        Ok(()) => Ok(see_other("/login")),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let e = Invalid(e.errors);
            page_with(
                &s,
                u,
                None,
                None,
                e.into(),
                FormErrors::default(),
                String::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(s): State<AppState>,
    sub: Submitted<TokenForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    match s
        .store
        .create_token(&u.who(), u.user_id, &sub.form.name)
        .await
    {
        Ok((_, secret)) => {
            page_with(
                &s,
                u,
                Some("created"),
                Some(secret),
                FormErrors::default(),
                FormErrors::default(),
                String::new(),
                StatusCode::OK,
            )
            .await
        }
        Err(chongdich_store::StoreError::Invalid(e)) => {
            page_with(
                &s,
                u,
                None,
                None,
                FormErrors::default(),
                e.into(),
                sub.form.name.clone(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<Empty>,
) -> Result<Response, PageError> {
    s.store
        .revoke_token(&sub.user.who(), sub.user.user_id, id)
        .await?;
    Ok(see_other("/account?msg=revoked"))
}
