//! A retried request never creates a duplicate.
//!
//! A state-changing request that carries a key — the `Idempotency-Key` header on the API, the
//! hidden `idem` field that every HTML form carries — is answered once; a retry with the same
//! key and the same body gets the first answer again (marked `Idempotent-Replayed: true`), a
//! retry with another body gets 422, and a retry while the first is still running gets 409.

use crate::AppState;
use crate::auth::authenticate;
use crate::error::ApiError;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chongdich_store::idempotency::StoredResponse;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::sync::Mutex;

pub const HEADER: &str = "idempotency-key";
pub const FORM_FIELD: &str = "idem";
const MAX_STORED: usize = 4 * 1024 * 1024;

/// Keys whose first request is still being answered.
#[derive(Debug, Default)]
pub struct InFlight(Mutex<HashSet<(i64, String)>>);

impl InFlight {
    fn start(&self, user: i64, key: &str) -> bool {
        self.0
            .lock()
            .map(|mut s| s.insert((user, key.to_owned())))
            .unwrap_or(true)
    }

    fn finish(&self, user: i64, key: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.remove(&(user, key.to_owned()));
        }
    }
}

fn form_key(body: &[u8]) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v)
}

/// The `idem` field of a multipart body (an upload form), read without parsing the files: the
/// part whose headers name the field, up to the next boundary.
fn multipart_key(content_type: &str, body: &[u8]) -> Option<String> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    let delimiter = format!("--{boundary}");
    let name = format!("name=\"{FORM_FIELD}\"");
    let mut rest = body;
    while let Some(at) = find(rest, delimiter.as_bytes()) {
        rest = &rest[at + delimiter.len()..];
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&rest[..head_end]);
        let is_key = head.lines().any(|l| {
            l.to_ascii_lowercase().starts_with("content-disposition:")
                && l.split(';').any(|p| p.trim() == name)
        });
        if is_key {
            let value = &rest[head_end + 4..];
            let end = find(value, format!("\r\n{delimiter}").as_bytes())?;
            return std::str::from_utf8(&value[..end]).ok().map(str::to_owned);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn valid_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 128 && k.bytes().all(|b| b.is_ascii_graphic())
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(req).await;
    }
    let header_key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_upload = content_type.starts_with("multipart/form-data");
    if header_key.is_none() && !is_form && !is_upload {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.settings.upload_limit).await {
        Ok(b) => b,
        Err(_) if is_upload && !parts.uri.path().starts_with("/api/") => {
            // What the upload forms say of a file too large.
            return crate::error::PageError {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: format!(
                    "Tệp quá lớn (tối đa {} MB). Hãy chia nhỏ tệp.",
                    state.settings.upload_limit / (1024 * 1024)
                ),
            }
            .into_response();
        }
        Err(_) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "nội dung gửi lên quá lớn",
            )
            .into_response();
        }
    };
    let key = header_key.or_else(|| {
        if is_form {
            form_key(&bytes)
        } else if is_upload {
            multipart_key(&content_type, &bytes)
        } else {
            None
        }
    });
    let Some(key) = key.filter(|k| valid_key(k)) else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    let Ok(Some(user)) = authenticate(&state, &parts).await else {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    };
    // The handler reuses this instead of authenticating the request a second time.
    let mut parts = parts;
    parts.extensions.insert(user.clone());
    let mut hasher = Sha256::new();
    hasher.update(parts.method.as_str());
    hasher.update(b" ");
    hasher.update(parts.uri.path());
    hasher.update(b"\n");
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());

    match state.store.stored_response(user.user_id, &key).await {
        Ok(Some(stored)) if stored.request_hash == request_hash => return replay(stored),
        Ok(Some(_)) => {
            return ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "khoá Idempotency-Key này đã dùng cho một yêu cầu khác",
            )
            .into_response();
        }
        Ok(None) => {}
        Err(e) => return ApiError::from(e).into_response(),
    }
    if !state.idempotency.start(user.user_id, &key) {
        return ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            "yêu cầu này đang được xử lý; thử lại sau giây lát",
        )
        .into_response();
    }
    let res = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let res = remember(&state, user.user_id, &key, request_hash, res).await;
    state.idempotency.finish(user.user_id, &key);
    res
}

async fn remember(
    state: &AppState,
    user: i64,
    key: &str,
    request_hash: String,
    res: Response,
) -> Response {
    let status = res.status();
    // Server errors and refusals are not final answers: a retry may succeed.
    if status.is_server_error() || matches!(status.as_u16(), 401 | 403 | 409 | 429) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_STORED).await else {
        return ApiError::internal("response too large to remember").into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let stored_body = if status.is_redirection() {
        parts
            .headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("/")
            .to_owned()
    } else {
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let stored = StoredResponse {
        request_hash,
        status: i32::from(status.as_u16()),
        content_type,
        body: stored_body,
    };
    if let Err(e) = state.store.store_response(user, key, &stored).await {
        tracing::warn!("could not remember idempotent response: {e}");
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status as u16).unwrap_or(StatusCode::OK);
    let mut res = if status.is_redirection() {
        let mut r = status.into_response();
        if let Ok(v) = HeaderValue::from_str(&stored.body) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    } else {
        let mut r = (status, stored.body).into_response();
        if let Ok(v) = HeaderValue::from_str(&stored.content_type) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    };
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_form_key() {
        assert_eq!(
            form_key(b"name=B%E1%BA%A3n&idem=abc123").as_deref(),
            Some("abc123")
        );
        assert_eq!(form_key(b"name=x"), None);
        assert!(valid_key("abc-123"));
        assert!(!valid_key(""));
        assert!(!valid_key("có dấu"));
    }

    #[test]
    fn in_flight_keys_are_exclusive() {
        let f = InFlight::default();
        assert!(f.start(1, "k"));
        assert!(!f.start(1, "k"));
        assert!(f.start(2, "k"));
        f.finish(1, "k");
        assert!(f.start(1, "k"));
    }

    #[test]
    fn the_key_of_an_upload_form_is_read_from_its_parts() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n\
                     --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\
                     Content-Type: text/plain\r\n\r\nname=\"idem\" inside a file\r\n\
                     --XyZ\r\nContent-Disposition: form-data; name=\"idem\"\r\n\r\nk-123\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_key("multipart/form-data; boundary=XyZ", body).as_deref(),
            Some("k-123")
        );
        assert_eq!(
            multipart_key("multipart/form-data; boundary=\"XyZ\"", body).as_deref(),
            Some("k-123")
        );
        // Without the field, or without a boundary: no key.
        let none =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"idempotent\"\r\n\r\nx\r\n--XyZ--\r\n";
        assert_eq!(
            multipart_key("multipart/form-data; boundary=XyZ", none),
            None
        );
        assert_eq!(multipart_key("multipart/form-data", body), None);
        assert_eq!(
            multipart_key("multipart/form-data; boundary=XyZ", b"garbage"),
            None
        );
    }
}
