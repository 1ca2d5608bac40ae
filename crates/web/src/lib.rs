//! The HTTP surface of chongdich: the JSON API under `/api/v1` (OpenAPI at
//! `/api/v1/openapi.json`), the Vietnamese HTML views, health and metrics.
//!
//! Rooms: [`auth`] (who is asking), [`error`] (one error type per edge), [`extract`] (request
//! parsing that names the bad field), [`excel`] (Excel in and out), [`geojson`] (unit boundaries uploaded as GeoJSON), [`export`] (case list exports), [`api`] (JSON handlers), [`views`] (pages and templates),
//! [`idempotency`], [`metrics`], [`demo`] (the demo province).

pub mod api;
pub mod auth;
pub mod client_addr;
pub mod demo;
pub mod docx;
pub mod error;
pub mod excel;
pub mod export;
pub mod extract;
pub mod geojson;
pub mod hotline_limit;
pub mod idempotency;
pub mod imports;
pub mod metrics;
pub mod views;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chongdich_domain::clock::SharedClock;
use chongdich_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// Mark cookies `Secure` (the server sits behind TLS).
    pub secure_cookies: bool,
    pub session_ttl: chrono::Duration,
    /// The largest request body accepted, except uploads.
    pub body_limit: usize,
    /// The largest upload (CSV imports).
    pub upload_limit: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client ([`client_addr`]).
    pub trusted_proxies: client_addr::Proxies,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: chrono::Duration::hours(12),
            body_limit: 256 * 1024,
            upload_limit: 16 * 1024 * 1024,
            trusted_proxies: client_addr::Proxies::default(),
        }
    }
}

pub struct Inner {
    pub store: Store,
    pub clock: SharedClock,
    pub settings: WebSettings,
    pub limiter: auth::LoginLimiter,
    pub metrics: metrics::Metrics,
    pub idempotency: idempotency::InFlight,
    pub hotline: hotline_limit::HotlineGuard,
    pub imports: imports::Progress,
}

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Store, clock: SharedClock, settings: WebSettings) -> Self {
        Self(Arc::new(Inner {
            store,
            clock,
            settings,
            limiter: auth::LoginLimiter::default(),
            metrics: metrics::Metrics::default(),
            idempotency: idempotency::InFlight::default(),
            hotline: hotline_limit::HotlineGuard::default(),
            imports: imports::Progress::default(),
        }))
    }
}

/// Gives each request an operation id (from `X-Request-Id` when the caller sent a sane one),
/// echoes it in the response and makes it available to errors and logs.
async fn operation(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| chongdich_store::sessions::random_token()[..16].to_owned());
    let span = tracing::info_span!("request", operation_id = %id, method = %req.method(), path = %req.uri().path());
    let mut res = error::OPERATION_ID
        .scope(id.clone(), async move {
            let _entered = span.enter();
            next.run(req).await
        })
        .await;
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    res
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!("health check: {e}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api_router, openapi) = api::router();
    let openapi = Arc::new(openapi);
    Router::new()
        .merge(views::router(openapi.clone()))
        .merge(api_router)
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .layer(middleware::from_fn_with_state(state.clone(), idempotency::layer))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::layer))
        .layer(DefaultBodyLimit::max(state.settings.body_limit))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client_addr::layer,
        ))
        .layer(middleware::from_fn(operation))
        .with_state(state)
}

/// How long a graceful shutdown waits for requests in flight.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
