//! The Vietnamese web shell: server-rendered pages (askama, auto-escaped) that work without
//! JavaScript. Each capability has its module here and its templates in `templates/`.

pub mod account;
pub mod agencies;
pub mod areas;
pub mod audit;
pub mod cases;
pub mod directives;
pub mod diseases;
pub mod docs;
pub mod facilities;
pub mod home;
pub mod hotline;
pub mod imports;
pub mod inspections;
pub mod labels;
pub mod outbreaks;
pub mod persons;
pub mod public;
pub mod quarantine_orders;
pub mod returnees;
pub mod risk;
pub mod risk_shapes;
pub mod tasks;
pub mod tests;
pub mod users;

use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chongdich_domain::access::Permission;
use chongdich_domain::clock::vietnam;
use chongdich_domain::{FieldError, Invalid};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// What every page's frame needs.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    /// Which navigation entry is current.
    pub active: &'static str,
    /// A one-line notice (after a successful action).
    pub notice: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NavUser {
    pub display_name: String,
    pub username: String,
    pub csrf: String,
    pub can_users: bool,
    pub can_audit: bool,
    pub can_edit_areas: bool,
    pub can_agencies: bool,
    pub can_persons: bool,
    pub can_rules: bool,
    pub can_hotline: bool,
}

impl Layout {
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            user: None,
            active: "",
            notice: None,
        }
    }

    pub fn for_user(u: &Authed, title: impl Into<String>, active: &'static str) -> Self {
        Self {
            title: title.into(),
            user: Some(NavUser {
                display_name: u.display_name.clone(),
                username: u.username.clone(),
                csrf: u.csrf.clone().unwrap_or_default(),
                can_users: u.can(Permission::ManageUsers),
                can_audit: u.can(Permission::ViewAudit),
                can_edit_areas: u.can(Permission::EditAreas),
                can_agencies: u.can(Permission::ManageAgencies),
                can_persons: u.can(Permission::ViewPersons),
                can_rules: u.can(Permission::ManageRules),
                can_hotline: u.can(Permission::HandleHotline),
            }),
            active,
            notice: None,
        }
    }

    pub fn with_notice(mut self, msg: Option<&str>) -> Self {
        self.notice = msg.and_then(notice_text).map(str::to_owned);
        self
    }

    pub fn csrf(&self) -> &str {
        self.user.as_ref().map(|u| u.csrf.as_str()).unwrap_or("")
    }

    /// A fresh key for a form, so that submitting it twice writes once.
    pub fn idem(&self) -> String {
        chongdich_store::sessions::random_token()[..24].to_owned()
    }
}

/// Notices shown after a redirect, by key (never text from the URL).
fn notice_text(key: &str) -> Option<&'static str> {
    Some(match key {
        "created" => "Đã tạo.",
        "saved" => "Đã lưu.",
        "password" => "Đã đổi mật khẩu.",
        "disabled" => "Đã khoá tài khoản.",
        "enabled" => "Đã mở khoá tài khoản.",
        "revoked" => "Đã thu hồi mã truy cập.",
        "village" => "Đã thêm thôn/bản/tổ dân phố.",
        "population" => "Đã cập nhật dân số.",
        "member" => "Đã thêm thành viên.",
        "member_removed" => "Đã xoá thành viên.",
        "contact" => "Đã thêm người tiếp xúc; F-level đã được tính lại.",
        "classified" => "Đã đổi phân loại; F-level của người tiếp xúc đã được tính lại.",
        "merged" => "Đã gộp hồ sơ.",
        "sample" => "Đã ghi nhận mẫu xét nghiệm.",
        "result" => "Đã ghi kết quả xét nghiệm.",
        "confirmed_by_test" => {
            "Kết quả dương tính đã khẳng định ca bệnh (theo bộ quy tắc đang áp dụng)."
        }
        "zone" => "Đã thêm vùng phong tỏa / cách ly.",
        "ended" => "Đã kết thúc ổ dịch.",
        "rules" => "Đã thêm phiên bản quy tắc mới.",
        "document" => "Đã vào sổ văn bản và giao các nhiệm vụ đã chọn.",
        "task" => "Đã giao nhiệm vụ.",
        "reported" => "Đã ghi báo cáo tiến độ.",
        "escalated" => "Đã báo cáo Ban Chỉ đạo cấp trên.",
        _ => return None,
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct Notice {
    pub msg: Option<String>,
}

/// Renders a template into a response.
pub fn render(t: &impl Template) -> Result<Response, PageError> {
    Ok(Html(t.render()?).into_response())
}

pub fn render_status(status: StatusCode, t: &impl Template) -> Result<Response, PageError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// Field errors of a form, shown next to each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field || e.field.starts_with(&format!("{field}[")))
            .map(|e| e.message.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every error, for the summary at the top of a form.
    pub fn all(&self) -> &[FieldError] {
        &self.0
    }
}

impl From<Invalid> for FormErrors {
    fn from(e: Invalid) -> Self {
        Self(e.0)
    }
}

/// dd/mm/yyyy.
pub fn vn_date(d: &NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// dd/mm/yyyy hh:mm in Vietnam time.
pub fn vn_datetime(t: &DateTime<Utc>) -> String {
    t.with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// 460196 → "460.196".
pub fn vn_number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A submitted form from a signed-in user whose CSRF token matched.
pub struct Submitted<T> {
    pub user: Authed,
    pub form: T,
}

/// A form with no field of its own but the CSRF token (sign out, disable, revoke …).
#[derive(Debug, Deserialize)]
pub struct Empty {}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Submitted<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let PageUser(user) = PageUser::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let csrf: CsrfOnly = serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        if !user.csrf_ok(&csrf.csrf) {
            return Err(PageError {
                status: StatusCode::FORBIDDEN,
                message: "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang rồi gửi lại."
                    .into(),
            }
            .into_response());
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| bad_form())?;
        Ok(Submitted { user, form })
    }
}

fn bad_form() -> Response {
    PageError {
        status: StatusCode::BAD_REQUEST,
        message: "Không đọc được biểu mẫu gửi lên.".into(),
    }
    .into_response()
}

/// A multipart form (an upload) read whole: its fields by name (and the file names sent with
/// file fields), its CSRF token checked.
pub struct Upload(
    std::collections::HashMap<String, Vec<u8>>,
    std::collections::HashMap<String, String>,
);

impl Upload {
    /// Reads every field of the request's multipart body, up to the settings' upload limit
    /// (the route lifts the app-wide body limit with `DefaultBodyLimit::disable()`): a larger
    /// body is a 413 naming the limit.
    pub async fn read(s: &crate::AppState, u: &Authed, req: Request) -> Result<Self, PageError> {
        let limit = s.settings.upload_limit;
        let req = req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, limit)));
        let bad_request = |message: String| PageError {
            status: StatusCode::BAD_REQUEST,
            message,
        };
        let mut mp = axum::extract::Multipart::from_request(req, s)
            .await
            .map_err(|e| bad_request(e.body_text()))?;
        let failed = |e: axum::extract::multipart::MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                PageError {
                    status: StatusCode::PAYLOAD_TOO_LARGE,
                    message: format!(
                        "Tệp quá lớn (tối đa {} MB). Hãy chia nhỏ tệp.",
                        limit / (1024 * 1024)
                    ),
                }
            } else {
                bad_request(e.body_text())
            }
        };
        let mut fields = std::collections::HashMap::new();
        let mut names = std::collections::HashMap::new();
        while let Some(field) = mp.next_field().await.map_err(failed)? {
            let name = field.name().unwrap_or("").to_owned();
            if let Some(f) = field.file_name() {
                names.insert(name.clone(), f.to_owned());
            }
            let bytes = field.bytes().await.map_err(failed)?;
            fields.insert(name, bytes.to_vec());
        }
        let upload = Self(fields, names);
        if !u.csrf_ok(&upload.text("csrf")) {
            return Err(PageError {
                status: StatusCode::FORBIDDEN,
                message: "Biểu mẫu đã hết hạn. Hãy tải lại trang.".into(),
            });
        }
        Ok(upload)
    }

    /// A text field (empty when absent).
    pub fn text(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// A file field's bytes (empty when absent).
    pub fn file(&self, name: &str) -> &[u8] {
        self.0.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// The name the browser sent with a file field ("" when absent).
    pub fn file_name(&self, name: &str) -> &str {
        self.1.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Area ids (`L03386`, `N12`) in texts for the screen — reasons of a risk level name the units
/// they point at by id — with the units' names put in their place.
pub struct UnitNames(std::collections::HashMap<String, String>);

impl UnitNames {
    fn ids_in(text: &str) -> impl Iterator<Item = &str> {
        text.split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| {
                (3..=6).contains(&t.len())
                    && (t.starts_with('L') || t.starts_with('N'))
                    && t[1..].chars().all(|c| c.is_ascii_digit())
            })
    }

    /// Reads the names of every area id found in the texts.
    pub async fn load<'a>(
        s: &crate::AppState,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, chongdich_store::StoreError> {
        let mut ids: Vec<String> = texts
            .into_iter()
            .flat_map(Self::ids_in)
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids.dedup();
        Ok(Self(s.store.area_names(&ids).await?))
    }

    /// The text with each known id replaced by the unit's name.
    pub fn apply(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        for id in Self::ids_in(text) {
            let Some(name) = self.0.get(id) else { continue };
            if let Some(at) = rest.find(id) {
                out.push_str(&rest[..at]);
                out.push_str(name);
                rest = &rest[at + id.len()..];
            }
        }
        out.push_str(rest);
        out
    }
}

pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        APP_JS,
    )
        .into_response()
}

/// Unknown paths: JSON under /api/, a page elsewhere.
async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        crate::error::ApiError::not_found("đường dẫn API này").into_response()
    } else {
        PageError::not_found().into_response()
    }
}

pub fn router(openapi: Arc<utoipa::openapi::OpenApi>) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(home::login_page).post(home::login))
        .route("/logout", post(home::logout))
        .route("/account", get(account::page))
        .route("/account/password", post(account::change_password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/areas", get(areas::browse))
        .route("/areas/{id}", get(areas::detail))
        .route("/areas/{id}/villages", post(areas::add_village))
        .route("/areas/{id}/population", post(areas::set_population))
        .route(
            "/population/import",
            get(areas::import_page)
                .post(areas::import)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/agencies", get(agencies::list).post(agencies::create))
        .route("/agencies/{id}", get(agencies::detail))
        .route("/agencies/{id}/members", post(agencies::add_member))
        .route(
            "/agencies/{id}/members/{member_id}/remove",
            post(agencies::remove_member),
        )
        .route("/users", get(users::list).post(users::create))
        .route("/users/new", get(users::new_page))
        .route("/users/{id}", get(users::detail).post(users::update))
        .route("/users/{id}/password", post(users::reset_password))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/audit", get(audit::page))
        .route("/audit/export", get(audit::export))
        .route("/api/docs", get(docs::page))
        .route("/api/v1/openapi.json", get(docs::openapi_json))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .merge(persons::routes())
        .merge(cases::routes())
        .merge(outbreaks::routes())
        .merge(tests::routes())
        .merge(diseases::routes())
        .merge(risk::routes())
        .merge(risk_shapes::routes())
        .merge(public::routes())
        .merge(directives::routes())
        .merge(tasks::routes())
        .merge(inspections::routes())
        .merge(facilities::routes())
        .merge(quarantine_orders::routes())
        .merge(returnees::routes())
        .merge(imports::routes())
        .merge(hotline::routes())
        .fallback(not_found)
        .layer(axum::Extension(openapi))
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn area_ids_in_reasons_become_names() {
        let names = UnitNames(
            [
                ("L03632".to_owned(), "Xã Mường Kim".to_owned()),
                ("L03631".to_owned(), "Xã Tà Hừa".to_owned()),
            ]
            .into(),
        );
        assert_eq!(
            names.apply("Nguy cơ: tiếp giáp đơn vị Nguy cơ cao trở lên: L03632, L03631, L99999"),
            "Nguy cơ: tiếp giáp đơn vị Nguy cơ cao trở lên: Xã Mường Kim, Xã Tà Hừa, L99999"
        );
        // Words and numbers that only look alike are left alone.
        assert_eq!(names.apply("Lai Châu L0363 2 ca"), "Lai Châu L0363 2 ca");
        assert_eq!(
            UnitNames::ids_in("N12 (L105), LX12, L1").collect::<Vec<_>>(),
            ["N12", "L105"]
        );
    }

    #[test]
    fn numbers_and_dates_the_vietnamese_way() {
        assert_eq!(vn_number(460_196), "460.196");
        assert_eq!(vn_number(96_208_984), "96.208.984");
        assert_eq!(vn_number(999), "999");
        assert_eq!(vn_number(-1_000), "-1.000");
        assert_eq!(
            vn_date(&NaiveDate::from_ymd_opt(2021, 7, 5).unwrap()),
            "05/07/2021"
        );
    }

    #[test]
    fn form_errors_by_field() {
        let e = FormErrors(vec![FieldError::new("grants[1].role", "sai")]);
        assert_eq!(e.get("grants"), Some("sai"));
        assert_eq!(e.get("name"), None);
    }

    #[test]
    fn notices_only_from_known_keys() {
        assert_eq!(notice_text("saved"), Some("Đã lưu."));
        assert_eq!(notice_text("<script>"), None);
    }
}
