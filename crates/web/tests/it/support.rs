//! A fresh application per test: a new database (SQLite file, or PostgreSQL when
//! DATABASE_URL says so), Lai Châu's units, and accounts with a known password.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chongdich_domain::access::{Grant, Role, Scope};
use chongdich_domain::area::AreaId;
use chongdich_domain::clock::{ManualClock, SharedClock};
use chongdich_domain::user::Username;
use chongdich_store::Store;
use chongdich_store::audit::Who;
use chongdich_store::testing::TestDb;
use chongdich_store::users::NewUser;
use chongdich_web::{AppState, WebSettings};
use chrono::TimeZone;
use http_body_util::BodyExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

pub const PASSWORD: &str = "mật khẩu thử nghiệm 2021";

/// Accounts every test app has: (username, role, area).
pub const ACCOUNTS: &[(&str, Role, &str)] = &[
    ("national", Role::Administrator, "VN"),
    ("admin", Role::Administrator, "N12"),
    // Two districts of the legacy structure: Thành phố Lai Châu (105) and Tam Đường (106).
    ("admin_a", Role::Administrator, "L105"),
    ("admin_b", Role::Administrator, "L106"),
    ("officer_a", Role::HealthOfficer, "L105"),
    ("officer_b", Role::HealthOfficer, "L106"),
    ("bcd", Role::SteeringCommittee, "N12"),
    ("viewer", Role::Viewer, "N12"),
];

fn password_hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| chongdich_web::auth::password::hash(PASSWORD).unwrap())
}

pub struct TestApp {
    pub db: TestDb,
    pub router: Router,
    pub clock: ManualClock,
}

/// A signed-in browser: its cookie and CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub fn field<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(&html[start..end])
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_settings(WebSettings::default()).await
    }

    pub async fn with_settings(settings: WebSettings) -> TestApp {
        let clock = ManualClock::at(chrono::Utc.with_ymd_and_hms(2021, 6, 24, 1, 0, 0).unwrap());
        let shared: SharedClock = Arc::new(clock.clone());
        let db = TestDb::new(shared.clone()).await.expect("test database");
        let store = db.store.clone();
        let units = chongdich_store::units::embedded().unwrap();
        store
            .import_units(&units.data(), Some(&["12"]))
            .await
            .unwrap();
        for (name, role, area) in ACCOUNTS {
            store
                .create_user(
                    &Scope::everywhere(),
                    &Who::console(),
                    NewUser {
                        username: Username::parse(name).unwrap(),
                        display_name: format!("Người dùng {name}"),
                        password_hash: password_hash().to_owned(),
                        grants: vec![Grant {
                            role: *role,
                            area_id: AreaId::parse(area).unwrap(),
                        }],
                    },
                )
                .await
                .unwrap();
        }
        let router = chongdich_web::app(AppState::new(store, shared, settings));
        TestApp { db, router, clock }
    }

    pub fn store(&self) -> &Store {
        &self.db.store
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        self.store()
            .credentials(username)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub async fn send(&self, req: Request<Body>) -> (StatusCode, HeaderMap, Bytes) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, headers, body)
    }

    /// An API token for an account (made in the store, as the account page would).
    pub async fn token(&self, username: &str) -> String {
        let id = self.user_id(username).await;
        let who = Who {
            user_id: Some(id),
            username: username.into(),
            ..Who::default()
        };
        self.store().create_token(&who, id, "test").await.unwrap().1
    }

    /// A JSON API call with a bearer token.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (status, _, bytes) = self.send(b.body(body).unwrap()).await;
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, v)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.api(Method::GET, path, token, None).await
    }

    /// Signs in through the login form, as a browser does.
    pub async fn login(&self, username: &str) -> Session {
        self.try_login(username, PASSWORD).await.expect("login")
    }

    pub async fn try_login(&self, username: &str, password: &str) -> Result<Session, StatusCode> {
        self.try_login_via(username, password, None).await
    }

    /// Signs in through a socket from `peer`, which forwards for `forwarded_for` (as a reverse
    /// proxy would).
    pub async fn try_login_via(
        &self,
        username: &str,
        password: &str,
        via: Option<(std::net::SocketAddr, &str)>,
    ) -> Result<Session, StatusCode> {
        let (_, headers, body) = self
            .send(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let login_cookie = cookie_pair(&headers, "cd_login_csrf").expect("login csrf cookie");
        let html = String::from_utf8_lossy(&body).into_owned();
        let csrf = field(&html, "csrf").expect("csrf field").to_owned();
        let form = serde_urlencoded::to_string([
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .unwrap();
        let mut req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, login_cookie)
            .body(Body::from(form))
            .unwrap();
        if let Some((peer, forwarded_for)) = via {
            req.headers_mut()
                .insert("x-forwarded-for", forwarded_for.parse().unwrap());
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let (status, headers, _) = self.send(req).await;
        if status != StatusCode::SEE_OTHER {
            return Err(status);
        }
        let cookie = cookie_pair(&headers, "cd_session").expect("session cookie");
        let (_, _, home) = self
            .send(
                Request::get("/")
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        let csrf = field(&String::from_utf8_lossy(&home), "csrf")
            .expect("csrf on home")
            .to_owned();
        Ok(Session { cookie, csrf })
    }

    pub async fn page(&self, s: &Session, path: &str) -> (StatusCode, String) {
        let (status, _, body) = self
            .send(
                Request::get(path)
                    .header(header::COOKIE, &s.cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post_form(
        &self,
        s: &Session,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &s.csrf));
        let form = serde_urlencoded::to_string(&all).unwrap();
        let (status, headers, body) = self
            .send(
                Request::post(path)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, &s.cookie)
                    .body(Body::from(form))
                    .unwrap(),
            )
            .await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// Posts a multipart form (text fields and at most one file) with the session's CSRF token.
    pub async fn post_multipart(
        &self,
        s: &Session,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> (StatusCode, HeaderMap, String) {
        let boundary = "chongdichTestBoundary42";
        let mut body: Vec<u8> = Vec::new();
        for (name, value) in fields.iter().chain([("csrf", s.csrf.as_str())].iter()) {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((name, file_name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let (status, headers, body) = self
            .send(
                Request::post(path)
                    .header(
                        header::CONTENT_TYPE,
                        format!("multipart/form-data; boundary={boundary}"),
                    )
                    .header(header::COOKIE, &s.cookie)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        (status, headers, String::from_utf8_lossy(&body).into_owned())
    }

    /// Serves the app on a free port of 127.0.0.1 (for the browser test).
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = self.router.clone();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        addr
    }
}

/// `name=value` of a Set-Cookie header, ready for a Cookie header.
pub fn cookie_pair(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}
