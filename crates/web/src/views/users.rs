//! User administration: accounts, their roles on area subtrees, passwords, disabling.

use super::agencies::{AreaOption, area_options};
use super::areas::Pager;
use super::{
    Empty, FormErrors, Layout, Notice, Submitted, render, render_status, see_other, vn_datetime,
};
use crate::AppState;
use crate::api::types::GrantInput;
use crate::api::users::{hash, parse_grants};
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chongdich_domain::access::{Permission, Role};
use chongdich_domain::error::Collector;
use chongdich_domain::user::{Username, check_password, parse_display_name};
use chongdich_store::users::{NewUser, UserView};
use serde::Deserialize;

pub const GRANT_ROWS: usize = 3;

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
}

fn role_options() -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            label: r.label(),
        })
        .collect()
}

pub struct UserLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub roles: String,
}

impl From<&UserView> for UserLine {
    fn from(v: &UserView) -> Self {
        Self {
            id: v.user.id,
            username: v.user.username.clone(),
            display_name: v.user.display_name.clone(),
            disabled: v.user.disabled,
            roles: v
                .grants
                .iter()
                .map(|g| {
                    format!(
                        "{} — {}",
                        Role::parse(&g.role).map(|r| r.label()).unwrap_or("?"),
                        g.area_name
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

#[derive(Template)]
#[template(path = "users.html")]
struct ListPage {
    l: Layout,
    q: String,
    users: Vec<UserLine>,
    pager: Pager,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<u64>,
    msg: Option<String>,
}

fn need_admin(u: &Authed) -> Result<(), PageError> {
    if u.can(Permission::ManageUsers) {
        Ok(())
    } else {
        Err(PageError::forbidden())
    }
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    need_admin(&u)?;
    let page = q.page.unwrap_or(1).max(1);
    let p = s
        .store
        .users(
            &u.scope(Permission::ManageUsers),
            Some(&q.q),
            50,
            (page - 1) * 50,
        )
        .await?;
    render(&ListPage {
        l: Layout::for_user(&u, "Tài khoản", "users").with_notice(q.msg.as_deref()),
        pager: Pager::new(p.total, page, 50, |n| {
            format!(
                "/users?{}",
                serde_urlencoded::to_string([("q", q.q.as_str()), ("page", &n.to_string())])
                    .unwrap_or_default()
            )
        }),
        users: p.items.iter().map(UserLine::from).collect(),
        q: q.q.clone(),
    })
}

/// The fields of the account form, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct AccountForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub role_0: String,
    #[serde(default)]
    pub area_0: String,
    #[serde(default)]
    pub role_1: String,
    #[serde(default)]
    pub area_1: String,
    #[serde(default)]
    pub role_2: String,
    #[serde(default)]
    pub area_2: String,
}

impl AccountForm {
    fn grants(&self) -> Vec<GrantInput> {
        [
            (&self.role_0, &self.area_0),
            (&self.role_1, &self.area_1),
            (&self.role_2, &self.area_2),
        ]
        .into_iter()
        .filter(|(r, a)| !r.is_empty() || !a.is_empty())
        .map(|(r, a)| GrantInput {
            role: r.clone(),
            area_id: a.clone(),
        })
        .collect()
    }

    fn from_view(v: &UserView) -> Self {
        let g = |i: usize| {
            v.grants
                .get(i)
                .map(|g| (g.role.clone(), g.area_id.clone()))
                .unwrap_or_default()
        };
        let ((role_0, area_0), (role_1, area_1), (role_2, area_2)) = (g(0), g(1), g(2));
        Self {
            username: v.user.username.clone(),
            display_name: v.user.display_name.clone(),
            password: String::new(),
            role_0,
            area_0,
            role_1,
            area_1,
            role_2,
            area_2,
        }
    }
}

pub struct GrantRowView {
    pub index: usize,
    pub role: String,
    pub area: String,
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    l: Layout,
    /// None: a new account.
    user: Option<UserLine>,
    created: String,
    form: AccountForm,
    rows: Vec<GrantRowView>,
    roles: Vec<RoleOption>,
    areas: Vec<AreaOption>,
    errors: FormErrors,
    password_errors: FormErrors,
}

fn rows(f: &AccountForm) -> Vec<GrantRowView> {
    [
        (&f.role_0, &f.area_0),
        (&f.role_1, &f.area_1),
        (&f.role_2, &f.area_2),
    ]
    .into_iter()
    .enumerate()
    .take(GRANT_ROWS)
    .map(|(index, (r, a))| GrantRowView {
        index,
        role: r.clone(),
        area: a.clone(),
    })
    .collect()
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    s: &AppState,
    u: &Authed,
    view: Option<&UserView>,
    form: AccountForm,
    errors: FormErrors,
    password_errors: FormErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let title = match view {
        Some(v) => format!("Tài khoản {}", v.user.username),
        None => "Tạo tài khoản".to_owned(),
    };
    render_status(
        status,
        &FormPage {
            l: Layout::for_user(u, title, "users").with_notice(notice),
            user: view.map(UserLine::from),
            created: view
                .map(|v| vn_datetime(&v.user.created_at))
                .unwrap_or_default(),
            rows: rows(&form),
            form,
            roles: role_options(),
            areas: area_options(s, u, Permission::ManageUsers).await?,
            errors,
            password_errors,
        },
    )
}

pub async fn new_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    need_admin(&u)?;
    form_page(
        &s,
        &u,
        None,
        AccountForm::default(),
        FormErrors::default(),
        FormErrors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<AccountForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    need_admin(u)?;
    let f = &sub.form;
    let mut c = Collector::new();
    let username = c.take(Username::parse(&f.username));
    let display_name = c.take(parse_display_name(&f.display_name));
    c.take(check_password("password", &f.password));
    let grants = parse_grants(&mut c, &f.grants());
    let result = match (c.finish(), username, display_name) {
        (Ok(()), Some(username), Some(display_name)) => {
            let password_hash = hash(&f.password).await?;
            s.store
                .create_user(
                    &u.scope(Permission::ManageUsers),
                    &u.who(),
                    NewUser {
                        username,
                        display_name,
                        password_hash,
                        grants,
                    },
                )
                .await
        }
        (Err(e), _, _) => Err(e.into()),
        _ => Err(chongdich_domain::Invalid::field("username", "thiếu tên đăng nhập").into()),
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/users/{}?msg=created", v.user.id))),
        Err(chongdich_store::StoreError::Invalid(e)) => {
            let mut form = f.clone();
            form.password.clear();
            form_page(
                &s,
                u,
                None,
                form,
                e.into(),
                FormErrors::default(),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    need_admin(&u)?;
    let v = s
        .store
        .user(&u.scope(Permission::ManageUsers), &u.who(), id)
        .await
        .map_err(|_| PageError::not_found())?;
    form_page(
        &s,
        &u,
        Some(&v),
        AccountForm::from_view(&v),
        FormErrors::default(),
        FormErrors::default(),
        n.msg.as_deref(),
        StatusCode::OK,
    )
    .await
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<AccountForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    need_admin(u)?;
    let f = &sub.form;
    let mut c = Collector::new();
    let display_name = c.take(parse_display_name(&f.display_name));
    let grants = parse_grants(&mut c, &f.grants());
    let result = match c.finish() {
        Ok(()) => {
            s.store
                .update_user(
                    &u.scope(Permission::ManageUsers),
                    &u.who(),
                    id,
                    &display_name.unwrap_or_default(),
                    &grants,
                )
                .await
        }
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/users/{id}?msg=saved"))),
        Err(chongdich_store::StoreError::Invalid(e)) => {
            let v = s
                .store
                .user(&u.scope(Permission::ManageUsers), &u.who(), id)
                .await?;
            let mut form = f.clone();
            form.username = v.user.username.clone();
            form_page(
                &s,
                u,
                Some(&v),
                form,
                e.into(),
                FormErrors::default(),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(chongdich_store::StoreError::Forbidden(_)) => Err(PageError::forbidden()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: String,
}

pub async fn reset_password(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<PasswordForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    need_admin(u)?;
    let scope = u.scope(Permission::ManageUsers);
    match check_password("password", &sub.form.password) {
        Ok(()) => {
            let h = hash(&sub.form.password).await?;
            s.store
                .set_password(&scope, &u.who(), id, &h)
                .await
                .map_err(|e| match e {
                    chongdich_store::StoreError::Forbidden(_) => PageError::forbidden(),
                    other => other.into(),
                })?;
            Ok(see_other(&format!("/users/{id}?msg=password")))
        }
        Err(e) => {
            let v = s.store.user(&scope, &u.who(), id).await?;
            form_page(
                &s,
                u,
                Some(&v),
                AccountForm::from_view(&v),
                FormErrors::default(),
                e.into(),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn set_disabled(
    s: &AppState,
    u: &Authed,
    id: i64,
    disabled: bool,
) -> Result<Response, PageError> {
    need_admin(u)?;
    s.store
        .set_disabled(&u.scope(Permission::ManageUsers), &u.who(), id, disabled)
        .await
        .map_err(|e| match e {
            chongdich_store::StoreError::Forbidden(m) => PageError {
                status: StatusCode::FORBIDDEN,
                message: m,
            },
            other => other.into(),
        })?;
    Ok(see_other(&format!(
        "/users/{id}?msg={}",
        if disabled { "disabled" } else { "enabled" }
    )))
}

pub async fn disable(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<Empty>,
) -> Result<Response, PageError> {
    set_disabled(&s, &sub.user, id, true).await
}

pub async fn enable(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<Empty>,
) -> Result<Response, PageError> {
    set_disabled(&s, &sub.user, id, false).await
}
