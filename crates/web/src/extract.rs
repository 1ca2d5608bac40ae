//! Request parsing whose failures name the field: JSON bodies, query strings, paging.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;

/// A JSON body. Malformed JSON is 400 `malformed_json`; a wrong type or a missing field is
/// 422 `invalid` naming the field (its path, e.g. `grants[0].area_id`); a body over the limit
/// is 413; another content type is 415.
pub struct ApiJson<T>(pub T);

/// The largest JSON body accepted (uploads have their own, larger limit).
pub const JSON_LIMIT: usize = 1024 * 1024;

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "nội dung phải là JSON (Content-Type: application/json)",
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| body_error(e.status()))?;
        if bytes.len() > JSON_LIMIT {
            return Err(body_error(StatusCode::PAYLOAD_TOO_LARGE));
        }
        parse_json(&bytes).map(ApiJson)
    }
}

pub fn body_error(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "nội dung gửi lên quá lớn",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_body",
            "không đọc được nội dung gửi lên",
        )
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "malformed_json",
                format!("JSON không hợp lệ: {inner}"),
            );
        }
        let text = inner.to_string();
        // "missing field `name`" has no path of its own: name the missing field.
        let field = match text.split('`').nth(1) {
            Some(missing) if text.starts_with("missing field") => {
                if path == "." {
                    missing.to_owned()
                } else {
                    format!("{path}.{missing}")
                }
            }
            _ => path,
        };
        ApiError::field(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &field,
            format!("trường \"{field}\" không hợp lệ: {text}"),
        )
    })
}

/// A query string, with the same error body as everything else.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(q.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|err| {
                let field = err.path().to_string();
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    &field,
                    format!("tham số \"{field}\" không hợp lệ: {}", err.into_inner()),
                )
            })
    }
}

/// A path parameter, with the same error body as everything else (`/api/v1/users/abc` is a
/// 400 naming `id`, not a plain-text rejection).
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| {
                ApiError::field(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    "id",
                    format!("đường dẫn không hợp lệ: {}", e.body_text()),
                )
            })
    }
}

/// Paging: `limit` 1–200 (default 50), `offset` from 0.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl PageParams {
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(50).clamp(1, 200)
    }

    pub fn offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }
}
