//! The JSON API under `/api/v1`. Each handler carries `#[utoipa::path]`; the OpenAPI document
//! is assembled from them. Wire types live in [`types`], apart from the store's rows.

pub mod agencies;
pub mod areas;
pub mod audit;
pub mod cases;
pub mod diseases;
pub mod documents;
pub mod facilities;
pub mod hotline;
pub mod imports;
pub mod inspections;
pub mod outbreaks;
pub mod persons;
pub mod quarantine;
pub mod returnees;
pub mod risk;
pub mod tasks;
pub mod tests;
pub mod tokens;
pub mod types;
pub mod users;

use crate::AppState;
use crate::error::ApiError;
use axum::Router;
use chongdich_domain::access::Permission;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chongdich API",
        description = "API của chongdich — phần mềm điều hành phòng, chống dịch cấp tỉnh. \
            Xác thực bằng mã truy cập (Authorization: Bearer cdt_…) tạo ở trang Tài khoản, \
            hoặc bằng phiên đăng nhập kèm tiêu đề X-CSRF-Token cho các yêu cầu ghi. \
            Gửi tiêu đề Idempotency-Key với yêu cầu ghi để thử lại an toàn.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&Security),
    tags(
        (name = "areas", description = "Địa bàn hành chính, dân số"),
        (name = "agencies", description = "Cơ quan, Ban Chỉ đạo"),
        (name = "users", description = "Tài khoản và phân quyền"),
        (name = "tokens", description = "Mã truy cập API"),
        (name = "audit", description = "Nhật ký truy cập"),
        (name = "persons", description = "Người: hồ sơ, trùng lặp, gộp, tiếp xúc, F-level"),
        (name = "cases", description = "Ca bệnh (F0, nghi ngờ), phân loại, chuỗi lây, xuất Excel"),
        (name = "outbreaks", description = "Ổ dịch, vùng phong tỏa, đường cong dịch"),
        (name = "tests", description = "Xét nghiệm: phòng xét nghiệm, mẫu, kết quả"),
        (name = "diseases", description = "Bệnh và bộ quy tắc theo phiên bản"),
        (name = "risk", description = "Cấp độ dịch của địa bàn: bộ quy tắc, đánh giá, phê duyệt, công bố, biện pháp"),
        (name = "documents", description = "Văn bản chỉ đạo: sổ văn bản, phân tích văn bản thành nhiệm vụ"),
        (name = "tasks", description = "Nhiệm vụ: giao việc, tiến độ, quá hạn, báo cáo cấp trên, nhắc việc"),
        (name = "inspections", description = "Kiểm tra: kế hoạch, biên bản, vi phạm, yêu cầu khắc phục, khen thưởng, kỷ luật"),
        (name = "facilities", description = "Cơ sở cách ly: phòng, giường, tiếp nhận, chuyển, ra khỏi cơ sở, công suất"),
        (name = "quarantine", description = "Lệnh cách ly y tế, khai báo hằng ngày, vi phạm, chuyển ca nghi ngờ, danh sách việc hằng ngày, bộ quy tắc cách ly"),
        (name = "returnees", description = "Người về từ vùng dịch: lô, đăng ký từng người kèm lệnh cách ly"),
        (name = "imports", description = "Nhập danh sách từ Excel: tải lên, chọn cột, kiểm tra từng dòng, nhập các dòng hợp lệ"),
        (name = "hotline", description = "Đường dây nóng và phản ánh của người dân"),
        (name = "public", description = "Công khai (không cần đăng nhập): cấp độ dịch đã công bố")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The API routes (full paths) and the OpenAPI document describing them.
pub fn router() -> (Router<AppState>, OpenApiDoc) {
    let r = OpenApiRouter::with_openapi(ApiDoc::openapi());
    let r = documents::register(r);
    let r = tasks::register(r);
    let r = inspections::register(r);
    let r = facilities::register(r);
    let r = imports::register(r);
    let r = quarantine::register(r);
    let r = returnees::register(r);
    hotline::register(r)
        .routes(routes!(areas::list))
        .routes(routes!(areas::get_one))
        .routes(routes!(areas::children))
        .routes(routes!(areas::mapping))
        .routes(routes!(areas::add_village))
        .routes(routes!(areas::population, areas::set_population))
        .routes(routes!(areas::import_population))
        .routes(routes!(agencies::list, agencies::create))
        .routes(routes!(agencies::get_one))
        .routes(routes!(agencies::add_member))
        .routes(routes!(agencies::remove_member))
        .routes(routes!(users::me))
        .routes(routes!(users::change_own_password))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get_one, users::update))
        .routes(routes!(users::set_password))
        .routes(routes!(users::disable))
        .routes(routes!(users::enable))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(audit::list))
        .routes(routes!(audit::export))
        .routes(routes!(persons::list, persons::create))
        .routes(routes!(persons::get_one, persons::update))
        .routes(routes!(persons::merge))
        .routes(routes!(persons::contacts, persons::add_contact))
        .routes(routes!(tests::create_sample))
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::export))
        .routes(routes!(cases::get_one))
        .routes(routes!(cases::classify))
        .routes(routes!(cases::outcome))
        .routes(routes!(cases::set_outbreak))
        .routes(routes!(cases::chain))
        .routes(routes!(outbreaks::list, outbreaks::create))
        .routes(routes!(outbreaks::get_one))
        .routes(routes!(outbreaks::add_zone))
        .routes(routes!(outbreaks::end))
        .routes(routes!(tests::labs, tests::create_lab))
        .routes(routes!(tests::load))
        .routes(routes!(tests::samples))
        .routes(routes!(tests::set_result))
        .routes(routes!(diseases::list, diseases::create))
        .routes(routes!(diseases::get_one))
        .routes(routes!(diseases::add_rule_set))
        .routes(routes!(risk::rule_sets, risk::save_rule_set))
        .routes(routes!(risk::rule_set))
        .routes(routes!(risk::assessments, risk::assess))
        .routes(routes!(risk::assessment))
        .routes(routes!(risk::approve))
        .routes(routes!(risk::area))
        .routes(routes!(risk::set_coverage))
        .routes(routes!(risk::set_capacity))
        .routes(routes!(risk::import_inputs))
        .routes(routes!(risk::add_fact))
        .routes(routes!(risk::end_fact))
        .routes(routes!(risk::add_neighbours))
        .routes(routes!(risk::add_measure))
        .routes(routes!(risk::upload_shapes))
        .routes(routes!(crate::views::public::feed_json))
        .routes(routes!(crate::views::public::feed_csv))
        .split_for_parts()
}

/// Refuses with 403 unless the user holds the permission somewhere.
pub fn require(u: &crate::auth::Authed, p: Permission) -> Result<(), ApiError> {
    if u.can(p) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "vai trò của bạn không cho phép việc này",
        ))
    }
}
