//! Who is asking: passwords, the login rate limit, and the extractors that turn a session
//! cookie or an API token into an [`Authed`] user with their grants.

use crate::AppState;
use crate::error::{ApiError, operation_id};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use chongdich_domain::access::{Actor, Permission, Scope};
use chongdich_store::audit::Who;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

pub const SESSION_COOKIE: &str = "cd_session";
pub const LOGIN_CSRF_COOKIE: &str = "cd_login_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub mod password {
    use argon2::Argon2;
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use rand::Rng;

    /// Hashes with Argon2id at the crate's defaults (19 MiB, 2 passes: OWASP's minimum).
    pub fn hash(password: &str) -> Result<String, String> {
        let mut salt = [0u8; 16];
        rand::rng().fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| e.to_string())
    }

    pub fn verify(password: &str, hash: &str) -> bool {
        match PasswordHash::new(hash) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    }

    /// A random password for a new account: 16 characters without look-alikes (0/O, 1/l/I).
    pub fn generate() -> String {
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut rng = rand::rng();
        (0..16)
            .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
            .collect()
    }

    /// Verified against when the account does not exist, so timing does not reveal it.
    pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$N1L8w7Xn4hQy7m3C0fJ6Y6m2n7r4Z2cQq9K8h1d2X0Q";
}

/// Failed sign-ins remembered per username and per address; past the limit, sign-in is refused
/// for the rest of the window without checking the password.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_PER_USERNAME: usize = 5;
pub const MAX_PER_ADDRESS: usize = 20;

impl LoginLimiter {
    fn keys(username: &str, ip: Option<&str>) -> [(String, usize); 2] {
        [
            (
                format!("u:{}", username.trim().to_lowercase()),
                MAX_PER_USERNAME,
            ),
            (format!("ip:{}", ip.unwrap_or("-")), MAX_PER_ADDRESS),
        ]
    }

    /// Refuses when either key has too many recent failures; returns the seconds to wait.
    pub fn check(&self, now: DateTime<Utc>, username: &str, ip: Option<&str>) -> Result<(), i64> {
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        let since = now - Duration::minutes(WINDOW_MINUTES);
        for (key, max) in Self::keys(username, ip) {
            if let Some(list) = map.get_mut(&key) {
                list.retain(|t| *t > since);
                if list.len() >= max {
                    let oldest = list.iter().min().copied().unwrap_or(now);
                    return Err((oldest + Duration::minutes(WINDOW_MINUTES) - now)
                        .num_seconds()
                        .max(1));
                }
            }
        }
        Ok(())
    }

    pub fn failed(&self, now: DateTime<Utc>, username: &str, ip: Option<&str>) {
        if let Ok(mut map) = self.failures.lock() {
            // Bounded memory under a spray of usernames: forget what is past the window.
            if map.len() > 10_000 {
                let since = now - Duration::minutes(WINDOW_MINUTES);
                map.retain(|_, list| list.iter().any(|t| *t > since));
            }
            for (key, _) in Self::keys(username, ip) {
                map.entry(key).or_default().push(now);
            }
        }
    }

    pub fn succeeded(&self, username: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(&format!("u:{}", username.trim().to_lowercase()));
        }
    }
}

/// How the request proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Authed {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub actor: Actor,
    /// The session's CSRF token (None for API tokens).
    pub csrf: Option<String>,
    pub via: Via,
    pub ip: Option<String>,
}

impl Authed {
    pub fn who(&self) -> Who {
        Who {
            user_id: Some(self.user_id),
            username: self.username.clone(),
            ip: self.ip.clone(),
            operation_id: Some(operation_id()),
        }
    }

    pub fn scope(&self, p: Permission) -> Scope {
        self.actor.scope(p)
    }

    pub fn can(&self, p: Permission) -> bool {
        self.actor.can_anywhere(p)
    }

    /// Whether a submitted form token matches the session's.
    pub fn csrf_ok(&self, submitted: &str) -> bool {
        match &self.csrf {
            Some(expected) => constant_time_eq(expected.as_bytes(), submitted.as_bytes()),
            None => self.via == Via::Token,
        }
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn client_ip(parts: &Parts) -> Option<String> {
    crate::client_addr::client_ip(&parts.extensions)
}

/// Finds the user behind a bearer token or a session cookie.
pub async fn authenticate(state: &AppState, parts: &Parts) -> Result<Option<Authed>, ApiError> {
    // Already found by an outer layer (idempotency) for this same request.
    if let Some(a) = parts.extensions.get::<Authed>() {
        return Ok(Some(a.clone()));
    }
    let ip = client_ip(parts);
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // One query each: the account (enabled) and its grants, by token or by session cookie.
    let (principal, via) = if let Some(token) = bearer {
        (state.store.token_principal(token).await?, Via::Token)
    } else {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(cookie) = jar.get(SESSION_COOKIE) else {
            return Ok(None);
        };
        (
            state.store.session_principal(cookie.value()).await?,
            Via::Session,
        )
    };
    let Some(p) = principal else {
        return Ok(None);
    };
    let csrf = p.csrf_token;
    Ok(Some(Authed {
        user_id: p.user_id,
        username: p.username.clone(),
        display_name: p.display_name,
        actor: Actor {
            user_id: Some(p.user_id),
            username: p.username,
            grants: p.grants,
        },
        csrf,
        via,
        ip,
    }))
}

/// An API caller: 401 without credentials; with a session cookie, a state-changing request
/// must also carry the session's CSRF token in `X-CSRF-Token`.
pub struct ApiUser(pub Authed);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let authed = authenticate(state, parts)
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if authed.via == Via::Session && !safe {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !authed.csrf_ok(sent) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "thiếu hoặc sai mã chống giả mạo (X-CSRF-Token)",
                ));
            }
        }
        Ok(ApiUser(authed))
    }
}

/// A page visitor who must be signed in; otherwise they are sent to the sign-in page.
pub struct PageUser(pub Authed);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match authenticate(state, parts).await {
            Ok(Some(a)) => Ok(PageUser(a)),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = format!(
                    "/login?next={}",
                    serde_urlencoded::to_string([("", next)])
                        .unwrap_or_default()
                        .trim_start_matches('=')
                );
                Err(Redirect::to(&target).into_response())
            }
            Err(e) => Err(crate::error::PageError::from(e).into_response()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn passwords_hash_and_verify() {
        let h = password::hash("một mật khẩu dài").unwrap();
        assert!(password::verify("một mật khẩu dài", &h));
        assert!(!password::verify("sai mật khẩu", &h));
        assert!(!password::verify("x", "not a hash"));
        assert!(!password::verify("x", password::DUMMY_HASH));
        let g = password::generate();
        assert_eq!(g.chars().count(), 16);
        assert_ne!(g, password::generate());
    }

    #[test]
    fn login_limiter_blocks_after_five_failures_for_fifteen_minutes() {
        let l = LoginLimiter::default();
        let t0 = Utc.with_ymd_and_hms(2021, 6, 24, 8, 0, 0).unwrap();
        for i in 0..MAX_PER_USERNAME {
            assert!(l.check(t0, "an", Some("1.2.3.4")).is_ok(), "attempt {i}");
            l.failed(t0, "an", Some("1.2.3.4"));
        }
        let wait = l.check(t0, "AN", Some("5.6.7.8")).unwrap_err();
        assert_eq!(wait, 15 * 60);
        // Another account from the same address is not blocked yet.
        assert!(l.check(t0, "binh", Some("1.2.3.4")).is_ok());
        assert!(
            l.check(t0 + Duration::minutes(16), "an", Some("1.2.3.4"))
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_limited_across_usernames() {
        let l = LoginLimiter::default();
        let t0 = Utc.with_ymd_and_hms(2021, 6, 24, 8, 0, 0).unwrap();
        for i in 0..MAX_PER_ADDRESS {
            l.failed(t0, &format!("user{i}"), Some("9.9.9.9"));
        }
        assert!(l.check(t0, "someone", Some("9.9.9.9")).is_err());
        assert!(l.check(t0, "someone", Some("8.8.8.8")).is_ok());
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
