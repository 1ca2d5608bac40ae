//! One error type at each edge: [`ApiError`] answers JSON with a stable code, a message and the
//! offending field; [`PageError`] answers an HTML page. A 500 logs its cause with the operation
//! id and shows only the id.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served; it reaches logs and error bodies.
    pub static OPERATION_ID: String;
}

pub fn operation_id() -> String {
    OPERATION_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The body of every API error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `invalid`, `malformed_json`, `unsupported_media_type`,
    /// `payload_too_large`, `unauthorized`, `forbidden`, `csrf`, `not_found`, `conflict`,
    /// `rate_limited`, `idempotency_key_reused`, `internal`.
    pub code: String,
    /// For a person, in Vietnamese.
    pub message: String,
    /// The first offending field, when one is to blame.
    pub field: Option<String>,
    /// Every offending field with its message.
    pub errors: Vec<FieldErrorBody>,
    pub operation_id: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            errors: vec![],
        }
    }

    pub fn field(
        status: StatusCode,
        code: &'static str,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        Self {
            status,
            code,
            errors: vec![FieldError::new(field, message.clone())],
            message,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "cần đăng nhập hoặc mã truy cập API (Authorization: Bearer …)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("không tìm thấy {what}"),
        )
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let op = operation_id();
        tracing::error!(operation_id = %op, "internal error: {cause}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("lỗi hệ thống; mã tra cứu {op}"),
        )
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        let message =
            e.0.iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; ");
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            message,
            errors: e.0,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => i.into(),
            StoreError::NotFound(what) => Self::not_found(what),
            StoreError::Forbidden(m) => Self::forbidden(m),
            StoreError::Conflict(m) => Self::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::Db(e) => Self::internal(e),
            StoreError::Internal(e) => Self::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            code: self.code.to_owned(),
            message: self.message,
            field: self.errors.first().map(|e| e.field.clone()),
            errors: self
                .errors
                .into_iter()
                .map(|e| FieldErrorBody {
                    field: e.field,
                    message: e.message,
                })
                .collect(),
            operation_id: operation_id(),
        };
        (self.status, Json(body)).into_response()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: crate::views::Layout,
    status: u16,
    message: &'a str,
    operation_id: &'a str,
}

/// An error shown as a page.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub message: String,
}

impl PageError {
    pub fn not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: "Không tìm thấy trang hoặc bản ghi này (hoặc nó nằm ngoài phạm vi của bạn)."
                .into(),
        }
    }

    pub fn forbidden() -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: "Bạn không có quyền thực hiện việc này.".into(),
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self {
            status: e.status,
            message: e.message,
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<Invalid> for PageError {
    fn from(e: Invalid) -> Self {
        ApiError::from(e).into()
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        ApiError::internal(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let op = operation_id();
        let page = ErrorPage {
            l: crate::views::Layout::anonymous("Lỗi"),
            status: self.status.as_u16(),
            message: &self.message,
            operation_id: &op,
        };
        match page.render() {
            Ok(html) => (self.status, Html(html)).into_response(),
            Err(_) => (self.status, self.message).into_response(),
        }
    }
}
