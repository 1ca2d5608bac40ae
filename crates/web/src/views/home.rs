//! Sign-in, sign-out and the home page (the user's areas with their sub-areas).

use super::{Empty, Layout, Notice, Submitted, render, render_status, see_other};
use crate::AppState;
use crate::auth::{LOGIN_CSRF_COOKIE, PageUser, SESSION_COOKIE, password};
use crate::error::{PageError, operation_id};
use askama::Template;
use axum::extract::FromRequest;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, extract::Request};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chongdich_domain::access::Permission;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_store::areas::AreaRow;
use chongdich_store::audit::Who;
use serde::Deserialize;

/// An area as listed on a page.
#[derive(Debug, Clone)]
pub struct AreaLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub code: String,
    pub structure: String,
    pub population: String,
    pub population_note: String,
    pub child_count: i64,
}

impl From<&AreaRow> for AreaLine {
    fn from(a: &AreaRow) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: a.kind.clone(),
            code: a.code.clone().unwrap_or_default(),
            structure: match a.structure.as_deref() {
                Some("legacy") => "trước 01/07/2025".to_owned(),
                Some("current") => "từ 01/07/2025".to_owned(),
                _ => String::new(),
            },
            population: a
                .population
                .map(super::vn_number)
                .unwrap_or_else(|| "chưa rõ".to_owned()),
            population_note: match (a.population_year, &a.population_source) {
                (Some(y), Some(s)) => format!("năm {y}; nguồn: {s}"),
                _ => "chưa có số liệu".to_owned(),
            },
            child_count: a.child_count,
        }
    }
}

pub struct RootBlock {
    pub area: AreaLine,
    pub children: Vec<AreaLine>,
    pub more: i64,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    roots: Vec<RootBlock>,
}

pub async fn home(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    let scope = u.scope(Permission::ViewAreas);
    let mut roots = Vec::new();
    for root in s.store.scope_roots(&scope).await? {
        let id = chongdich_domain::area::AreaId::parse(&root.id)?;
        // Today's province first, then the same province as it was before 01/07/2025.
        let mut blocks = vec![root];
        blocks.extend(s.store.counted_provinces(&id).await?);
        for area in blocks {
            let id = chongdich_domain::area::AreaId::parse(&area.id)?;
            let page = s.store.children(&scope, &id, 100, 0).await?;
            roots.push(RootBlock {
                area: (&area).into(),
                more: page.total - page.items.len() as i64,
                children: page.items.iter().map(AreaLine::from).collect(),
            });
        }
    }
    render(&HomePage {
        l: Layout::for_user(&u, "Trang chủ", "home").with_notice(n.msg.as_deref()),
        roots,
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    csrf: String,
    next: String,
    username: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
}

fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn login_cookie(s: &AppState, value: String) -> Cookie<'static> {
    Cookie::build((LOGIN_CSRF_COOKIE, value))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(s.settings.secure_cookies)
        .build()
}

pub async fn login_page(
    State(s): State<AppState>,
    jar: CookieJar,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let csrf = match jar.get(LOGIN_CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => c.value().to_owned(),
        _ => chongdich_store::sessions::random_token(),
    };
    let jar = jar.add(login_cookie(&s, csrf.clone()));
    let page = LoginPage {
        l: Layout::anonymous("Đăng nhập"),
        csrf,
        next: safe_next(&q.next),
        username: String::new(),
        error: None,
    };
    Ok((jar, render(&page)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(s): State<AppState>,
    jar: CookieJar,
    req: Request,
) -> Result<Response, PageError> {
    let ip = crate::client_addr::client_ip(req.extensions());
    let Form(f): Form<LoginForm> = Form::from_request(req, &s).await.map_err(|_| PageError {
        status: StatusCode::BAD_REQUEST,
        message: "Không đọc được biểu mẫu.".into(),
    })?;
    let again = |status: StatusCode, error: &str| {
        render_status(
            status,
            &LoginPage {
                l: Layout::anonymous("Đăng nhập"),
                csrf: f.csrf.clone(),
                next: safe_next(&f.next),
                username: f.username.clone(),
                error: Some(error.to_owned()),
            },
        )
    };
    let expected = jar
        .get(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .unwrap_or_default();
    if expected.is_empty() || !crate::auth::constant_time_eq(expected.as_bytes(), f.csrf.as_bytes())
    {
        return again(
            StatusCode::FORBIDDEN,
            "Biểu mẫu đã hết hạn. Hãy tải lại trang và đăng nhập lại.",
        );
    }
    let now = s.clock.now();
    if let Err(wait) = s.limiter.check(now, &f.username, ip.as_deref()) {
        return again(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "Đăng nhập sai quá nhiều lần. Hãy thử lại sau {} phút.",
                (wait + 59) / 60
            ),
        );
    }
    let creds = s.store.credentials(&f.username).await?;
    let hash = creds
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.to_owned());
    let pw = f.password.clone();
    let ok = tokio::task::spawn_blocking(move || password::verify(&pw, &hash))
        .await
        .map_err(crate::error::ApiError::internal)?;
    let who = |id: Option<i64>, name: &str| Who {
        user_id: id,
        username: name.to_owned(),
        ip: ip.clone(),
        operation_id: Some(operation_id()),
    };
    match creds {
        Some(c) if ok && !c.disabled => {
            s.limiter.succeeded(&f.username);
            let (token, _csrf) = s
                .store
                .create_session(c.id, ip.as_deref(), s.settings.session_ttl)
                .await?;
            let mut event = AuditEvent::new(AuditAction::Login, "session", Some(c.id.to_string()));
            if let Some(g) = s.store.grants(c.id).await?.first() {
                event = event.in_area(g.area_id.as_str());
            }
            s.store.audit(&who(Some(c.id), &c.username), event).await?;
            let cookie = Cookie::build((SESSION_COOKIE, token))
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(s.settings.secure_cookies)
                .build();
            let jar = jar
                .add(cookie)
                .remove(Cookie::build(LOGIN_CSRF_COOKIE).path("/login"));
            Ok((jar, see_other(&safe_next(&f.next))).into_response())
        }
        other => {
            s.limiter.failed(now, &f.username, ip.as_deref());
            let detail = match &other {
                Some(c) if c.disabled => "tài khoản bị khoá",
                Some(_) => "sai mật khẩu",
                None => "không có tài khoản",
            };
            let mut event =
                AuditEvent::new(AuditAction::LoginFailed, "session", None).with_detail(detail);
            if let Some(c) = &other
                && let Some(g) = s.store.grants(c.id).await?.first()
            {
                event = event.in_area(g.area_id.as_str());
            }
            s.store
                .audit(&who(other.as_ref().map(|c| c.id), f.username.trim()), event)
                .await?;
            again(
                StatusCode::UNAUTHORIZED,
                "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khoá.",
            )
        }
    }
}

pub async fn logout(
    State(s): State<AppState>,
    jar: CookieJar,
    sub: Submitted<Empty>,
) -> Result<Response, PageError> {
    if let Some(c) = jar.get(SESSION_COOKIE) {
        s.store.delete_session(c.value()).await?;
    }
    s.store
        .audit(
            &sub.user.who(),
            AuditEvent::new(
                AuditAction::Logout,
                "session",
                Some(sub.user.user_id.to_string()),
            ),
        )
        .await?;
    let jar = jar.remove(Cookie::build(SESSION_COOKIE).path("/"));
    Ok((jar, see_other("/login")).into_response())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/areas?q=x"), "/areas?q=x");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }
}
