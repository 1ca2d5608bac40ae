//! Quarantine orders and the daily follow-up (`/quarantine/work`, `/quarantine/orders/{id}`):
//! today's work list of a commune or a facility (printable, and as Excel); an order with its
//! terms and why, its check-ins and violations, and the forms to record them, to open a suspect
//! case in one step or to end it; the form issuing an order for a person; the person's own
//! check-in page reached by link or QR code without an account (`/khai-bao/{token}`); the rule
//! set versions (`/quarantine/rules`).

use super::outbreaks::{Choice, form_errors, found, require, written};
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_date, vn_datetime};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::quarantine::order::{
    CheckinDraft, Duty, OrderDraft, SYMPTOMS, ViolationDraft, ViolationKind,
};
use chongdich_domain::quarantine::{OrderKind, QuarantineRuleSet, Subject};
use chongdich_store::quarantine::{AreaFollowed, OrderRow, WorkLine, WorkList, WorkPlace};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quarantine/work", get(work_page))
        .route("/quarantine/work.xlsx", get(work_export))
        .route("/quarantine/followed", get(followed_page))
        .route("/quarantine/orders/{id}", get(order_page))
        .route("/quarantine/orders/{id}/checkins", post(add_checkin))
        .route("/quarantine/orders/{id}/violations", post(add_violation))
        .route("/quarantine/orders/{id}/case", post(to_case))
        .route("/quarantine/orders/{id}/close", post(close))
        .route(
            "/persons/{id}/quarantine/new",
            get(new_order_page).post(create_order),
        )
        .route("/khai-bao/{token}", get(self_page).post(self_submit))
        .route("/quarantine/rules", get(rules_page).post(add_rules))
}

fn notice(key: Option<&str>) -> Option<String> {
    Some(
        match key? {
            "created" => "Đã ra lệnh cách ly.",
            "checkin" => "Đã ghi khai báo y tế hằng ngày.",
            "violation" => "Đã ghi vi phạm.",
            "closed" => "Đã kết thúc lệnh cách ly.",
            "case" => "Đã mở ca nghi nhiễm; người cùng phòng đã thành người tiếp xúc.",
            "rules" => "Đã thêm phiên bản quy tắc cách ly.",
            _ => return None,
        }
        .to_owned(),
    )
}

fn layout(u: &Authed, title: impl Into<String>, msg: Option<&str>) -> Layout {
    let mut l = Layout::for_user(u, title, "quarantine");
    l.notice = notice(msg);
    l
}

fn opt_date(d: Option<chrono::NaiveDate>) -> String {
    d.as_ref().map(vn_date).unwrap_or_default()
}

fn kind_label(k: &str) -> &'static str {
    OrderKind::parse(k).map(|k| k.label()).unwrap_or("")
}

fn subject_label(s: &str) -> &'static str {
    Subject::parse(s).map(|s| s.label()).unwrap_or("")
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct WorkQuery {
    pub area: String,
    pub facility: Option<i64>,
    /// Only the lines with this duty (`call`, `test`, …).
    pub duty: String,
}

/// One line of the work list on screen.
pub struct WorkRow {
    pub order_id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub phone: String,
    pub area_name: String,
    pub address: String,
    pub subject: &'static str,
    pub kind: &'static str,
    pub phase: &'static str,
    pub starts_on: String,
    pub ends_on: String,
    pub until_on: String,
    pub last_checkin: String,
    pub duties: Vec<(String, String)>,
}

impl WorkRow {
    fn new(l: &WorkLine) -> Self {
        let o = &l.order;
        Self {
            order_id: o.id,
            person_id: o.person_id,
            full_name: o.full_name.clone(),
            phone: o.phone.clone().unwrap_or_default(),
            area_name: o.area_name.clone(),
            address: o.address.clone(),
            subject: subject_label(&o.subject),
            kind: kind_label(&o.kind),
            phase: l.phase.label(),
            starts_on: vn_date(&o.starts_on),
            ends_on: opt_date(o.ends_on),
            until_on: vn_date(&o.until_on),
            last_checkin: opt_date(l.last_checkin),
            duties: l
                .duties
                .iter()
                .map(|d| (d.key().to_owned(), d.label()))
                .collect(),
        }
    }
}

/// The duties a list may be filtered by, with their headings.
const DUTIES: [(&str, &str); 6] = [
    ("call", "Cần gọi hỏi thăm"),
    ("test", "Xét nghiệm hôm nay"),
    ("ends", "Hết cách ly hôm nay"),
    ("monitoring_ends", "Hết theo dõi hôm nay"),
    ("missed", "Bỏ khai báo"),
    ("move", "Cần chuyển"),
];

#[derive(Template)]
#[template(path = "quarantine_work.html")]
struct WorkPage {
    l: Layout,
    heading: String,
    on: String,
    area: String,
    facility: Option<i64>,
    duty: String,
    counts: Vec<(String, String, usize)>,
    rows: Vec<WorkRow>,
    total: usize,
    areas: Vec<Choice>,
    query: String,
}

/// The place a work list is for: the facility asked for, the area asked for, or the user's own
/// area when it is a single one.
async fn place_of(
    s: &AppState,
    u: &Authed,
    q: &WorkQuery,
) -> Result<(WorkPlace, String), PageError> {
    let scope = u.scope(Permission::ViewPersons);
    if let Some(f) = q.facility {
        let f = found(s.store.facility_row(&scope, f).await)?;
        return Ok((WorkPlace::Facility(f.id), format!("Cơ sở {}", f.name)));
    }
    let area = if q.area.trim().is_empty() {
        match scope.roots() {
            [one] => one.clone(),
            _ => AreaId::country(),
        }
    } else {
        AreaId::parse(q.area.trim()).map_err(|_| PageError::not_found())?
    };
    let a = found(s.store.area(&scope, &area).await)?;
    Ok((WorkPlace::Area(area), a.name))
}

/// Areas offered in the list's selector: the user's roots and their children.
async fn area_choices(s: &AppState, u: &Authed) -> Result<Vec<Choice>, PageError> {
    let scope = u.scope(Permission::ViewPersons);
    let mut areas = Vec::new();
    for root in scope.roots() {
        if let Ok(a) = s.store.area(&scope, root).await {
            areas.push(Choice::new(a.id.clone(), a.name.clone()));
            for c in s.store.children(&scope, root, 1000, 0).await?.items {
                areas.push(Choice::new(c.id.clone(), format!("— {}", c.name)));
            }
        }
    }
    Ok(areas)
}

async fn work_of(s: &AppState, u: &Authed, q: &WorkQuery) -> Result<(WorkList, String), PageError> {
    require(u, Permission::ViewPersons)?;
    let (place, name) = place_of(s, u, q).await?;
    let list = found(
        s.store
            .work_list(
                &u.scope(Permission::ViewPersons),
                &u.who(),
                &place,
                s.clock.today(),
            )
            .await,
    )?;
    Ok((list, name))
}

fn keep(list: &WorkList, duty: &str) -> Vec<WorkRow> {
    list.lines
        .iter()
        .filter(|l| duty.is_empty() || l.duties.iter().any(|d| d.key() == duty))
        .map(WorkRow::new)
        .collect()
}

pub async fn work_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<WorkQuery>,
) -> Result<Response, PageError> {
    let (list, name) = work_of(&s, &u, &q).await?;
    let rows = keep(&list, q.duty.trim());
    let counts = DUTIES
        .iter()
        .map(|(k, label)| {
            let n = list
                .counts
                .iter()
                .find(|(c, _)| c == k)
                .map_or(0, |(_, n)| *n);
            ((*k).to_owned(), (*label).to_owned(), n)
        })
        .collect();
    let query = match q.facility {
        Some(f) => format!("facility={f}"),
        None => format!(
            "area={}",
            match &place_of(&s, &u, &q).await?.0 {
                WorkPlace::Area(a) => a.as_str().to_owned(),
                WorkPlace::Facility(_) => String::new(),
            }
        ),
    };
    render_status(
        StatusCode::OK,
        &WorkPage {
            l: layout(&u, format!("Việc hôm nay — {name}"), None),
            heading: name,
            on: vn_date(&list.on),
            area: q.area.clone(),
            facility: q.facility,
            duty: q.duty.trim().to_owned(),
            counts,
            total: list.lines.len(),
            rows,
            areas: area_choices(&s, &u).await?,
            query,
        },
    )
}

/// The work list as an Excel workbook (what the screen shows, with the filter).
pub async fn work_export(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<WorkQuery>,
) -> Result<Response, PageError> {
    use rust_xlsxwriter::{Format, Workbook};
    let (list, name) = work_of(&s, &u, &q).await?;
    let rows = keep(&list, q.duty.trim());
    let fail = |e: rust_xlsxwriter::XlsxError| PageError {
        status: StatusCode::INTERNAL_SERVER_ERROR,
        message: format!("không tạo được tệp Excel: {e}"),
    };
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory().map_err(fail)?;
    ws.set_name("Việc hôm nay").map_err(fail)?;
    let headers = [
        "Lệnh",
        "Họ và tên",
        "Điện thoại",
        "Địa bàn",
        "Địa chỉ",
        "Đối tượng",
        "Hình thức",
        "Giai đoạn",
        "Từ ngày",
        "Hết cách ly",
        "Theo dõi đến",
        "Khai báo gần nhất",
        "Việc cần làm",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        ws.write_number(row, 0, r.order_id as f64).map_err(fail)?;
        let duties = r
            .duties
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        for (c, v) in [
            (1u16, r.full_name.as_str()),
            (2, r.phone.as_str()),
            (3, r.area_name.as_str()),
            (4, r.address.as_str()),
            (5, r.subject),
            (6, r.kind),
            (7, r.phase),
            (8, r.starts_on.as_str()),
            (9, r.ends_on.as_str()),
            (10, r.until_on.as_str()),
            (11, r.last_checkin.as_str()),
            (12, duties.as_str()),
        ] {
            ws.write_string(row, c, v).map_err(fail)?;
        }
    }
    ws.set_column_width(1, 28).map_err(fail)?;
    ws.set_column_width(12, 50).map_err(fail)?;
    let bytes = wb.save_to_buffer().map_err(fail)?;
    s.store
        .audit(
            &u.who(),
            chongdich_domain::audit::AuditEvent::new(
                chongdich_domain::audit::AuditAction::Export,
                "quarantine_work_list",
                None,
            )
            .with_detail(format!("{name}: {} dòng", rows.len())),
        )
        .await?;
    let day = list.on.format("%Y%m%d");
    Ok((
        [
            (header::CONTENT_TYPE, crate::excel::XLSX_MIME.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"viec-hom-nay-{day}.xlsx\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AreaQuery {
    pub area: String,
}

pub struct FollowedRow {
    pub area_id: String,
    pub area_name: String,
    pub quarantined: i64,
    pub at_home: i64,
    pub monitored: i64,
}

impl From<AreaFollowed> for FollowedRow {
    fn from(a: AreaFollowed) -> Self {
        Self {
            area_id: a.area_id,
            area_name: a.area_name,
            quarantined: a.quarantined,
            at_home: a.at_home,
            monitored: a.monitored,
        }
    }
}

#[derive(Template)]
#[template(path = "quarantine_followed.html")]
struct FollowedPage {
    l: Layout,
    area_id: String,
    area_name: String,
    parent: Option<String>,
    rows: Vec<FollowedRow>,
    totals: (i64, i64, i64),
}

/// People in quarantine and monitored today, per unit under an area.
pub async fn followed_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<AreaQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let area = if q.area.trim().is_empty() {
        match scope.roots() {
            [one] => one.clone(),
            _ => AreaId::country(),
        }
    } else {
        AreaId::parse(q.area.trim()).map_err(|_| PageError::not_found())?
    };
    let a = found(s.store.area(&scope, &area).await)?;
    let rows: Vec<FollowedRow> = found(
        s.store
            .followed_by_area(&scope, &area, s.clock.today())
            .await,
    )?
    .into_iter()
    .map(FollowedRow::from)
    .collect();
    let totals = rows.iter().fold((0, 0, 0), |t, r| {
        (t.0 + r.quarantined, t.1 + r.at_home, t.2 + r.monitored)
    });
    render_status(
        StatusCode::OK,
        &FollowedPage {
            l: layout(&u, format!("Người cách ly, theo dõi — {}", a.name), None),
            area_id: a.id.clone(),
            area_name: a.name.clone(),
            parent: a.parent_id.clone(),
            rows,
            totals,
        },
    )
}

/// An order on screen.
pub struct OrderLines {
    pub kind: &'static str,
    pub subject: &'static str,
    pub starts_on: String,
    pub ends_on: String,
    pub released_on: String,
    pub home_from: String,
    pub monitoring_until: String,
    pub tests: String,
    pub status: &'static str,
    pub computed_kind: String,
}

impl OrderLines {
    fn new(o: &OrderRow) -> Self {
        let computed_kind = serde_json::from_str::<serde_json::Value>(&o.computed)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(kind_label))
            .unwrap_or("")
            .to_owned();
        Self {
            kind: kind_label(&o.kind),
            subject: subject_label(&o.subject),
            starts_on: vn_date(&o.starts_on),
            ends_on: opt_date(o.ends_on),
            released_on: vn_date(&o.released_on),
            home_from: opt_date(o.home_from),
            monitoring_until: opt_date(o.monitoring_until),
            tests: o
                .test_dates()
                .iter()
                .map(vn_date)
                .collect::<Vec<_>>()
                .join(", "),
            status: match o.status.as_str() {
                "open" => "Đang thực hiện",
                "case" => "Đã chuyển ca nghi nhiễm",
                _ => "Đã kết thúc",
            },
            computed_kind,
        }
    }
}

pub struct CheckinLine {
    pub on_date: String,
    pub temperature: String,
    pub symptoms: String,
    pub by: &'static str,
    pub note: String,
    pub at: String,
    pub warning: bool,
}

pub struct ViolationLine {
    pub on_date: String,
    pub kind: &'static str,
    pub description: String,
    pub decision: String,
    pub fine: String,
}

/// What was typed in an order's forms, kept when validation fails.
#[derive(Default)]
pub struct OrderForms {
    pub checkin: CheckinDraft,
    pub checkin_errors: FormErrors,
    pub violation: ViolationDraft,
    pub violation_errors: FormErrors,
    pub case: CaseForm,
    pub case_errors: FormErrors,
    pub close: CloseForm,
    pub close_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "quarantine_order.html")]
struct OrderPage {
    l: Layout,
    o: OrderRow,
    lines: OrderLines,
    checkins: Vec<CheckinLine>,
    violations: Vec<ViolationLine>,
    present_in: Option<(i64, String, String)>,
    link: String,
    qr: String,
    can_manage: bool,
    can_case: bool,
    forms: OrderForms,
    symptoms: Vec<Choice>,
    violation_kinds: Vec<Choice>,
}

/// The QR code of a link, as an SVG drawn on the server.
pub fn qr_svg(text: &str) -> String {
    use qrcode::QrCode;
    use qrcode::render::svg;
    match QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(160, 160)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

/// The address the browser used, for the absolute link printed and encoded in the QR code.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

async fn order_view(
    s: &AppState,
    u: &Authed,
    origin: &str,
    id: i64,
    msg: Option<&str>,
    forms: OrderForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let v = found(
        s.store
            .order(&u.scope(Permission::ViewPersons), &u.who(), id)
            .await,
    )?;
    let manage = u.can(Permission::ManageQuarantine)
        && s.store
            .area(
                &u.scope(Permission::ManageQuarantine),
                &AreaId::parse(&v.order.area_id).map_err(|_| PageError::not_found())?,
            )
            .await
            .is_ok();
    let link = format!("{origin}/khai-bao/{}", v.order.token);
    let mut forms = forms;
    if forms.checkin.on_date.is_empty() {
        forms.checkin.on_date = vn_date(&s.clock.today());
    }
    if forms.violation.on_date.is_empty() {
        forms.violation.on_date = vn_date(&s.clock.today());
    }
    if forms.case.on_date.is_empty() {
        forms.case.on_date = vn_date(&s.clock.today());
    }
    if forms.close.closed_on.is_empty() {
        forms.close.closed_on = vn_date(&s.clock.today());
    }
    render_status(
        status,
        &OrderPage {
            l: layout(u, format!("Lệnh cách ly — {}", v.order.full_name), msg),
            lines: OrderLines::new(&v.order),
            checkins: v
                .checkins
                .iter()
                .map(|c| CheckinLine {
                    on_date: vn_date(&c.on_date),
                    temperature: c
                        .temperature
                        .map(|t| format!("{t:.1} °C").replace('.', ","))
                        .unwrap_or_default(),
                    symptoms: c.symptoms.clone(),
                    by: if c.by_kind == "self" {
                        "Người cách ly tự khai"
                    } else {
                        "Cán bộ y tế"
                    },
                    note: c.note.clone(),
                    at: vn_datetime(&c.created_at),
                    warning: c
                        .temperature
                        .is_some_and(|t| t >= chongdich_domain::quarantine::order::FEVER)
                        || !c.symptoms.trim().is_empty(),
                })
                .collect(),
            violations: v
                .violations
                .iter()
                .map(|x| ViolationLine {
                    on_date: vn_date(&x.on_date),
                    kind: ViolationKind::parse(&x.kind)
                        .map(|k| k.label())
                        .unwrap_or(""),
                    description: x.description.clone(),
                    decision: x.decision.clone(),
                    fine: x
                        .fine
                        .map(|f| format!("{} đ", super::vn_number(f)))
                        .unwrap_or_default(),
                })
                .collect(),
            present_in: v.present_in.clone(),
            qr: qr_svg(&link),
            link,
            can_manage: manage && v.order.is_open(),
            can_case: manage && v.order.is_open() && u.can(Permission::EditSurveillance),
            o: v.order,
            forms,
            symptoms: SYMPTOMS.iter().map(|(k, l)| Choice::new(*k, *l)).collect(),
            violation_kinds: ViolationKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
}

/// The order's page again after a form failed, with what was typed and its errors.
async fn rejected(
    s: &AppState,
    u: &Authed,
    headers: &HeaderMap,
    id: i64,
    forms: OrderForms,
) -> Result<Response, PageError> {
    order_view(
        s,
        u,
        &origin(headers),
        id,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn order_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    order_view(
        &s,
        &u,
        &origin(&headers),
        id,
        q.msg.as_deref(),
        OrderForms::default(),
        StatusCode::OK,
    )
    .await
}

/// The check-in form: the symptoms ticked arrive as repeated `symptom` fields.
fn checkin_draft(fields: &[(String, String)]) -> CheckinDraft {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut symptoms: Vec<String> = fields
        .iter()
        .filter(|(f, _)| f == "symptom")
        .filter_map(|(_, v)| {
            SYMPTOMS
                .iter()
                .find(|(k, _)| k == v)
                .map(|(_, l)| (*l).to_owned())
        })
        .collect();
    let other = get("symptoms");
    if !other.trim().is_empty() {
        symptoms.push(other.trim().to_owned());
    }
    CheckinDraft {
        on_date: get("on_date"),
        temperature: get("temperature"),
        symptoms: symptoms.join(", "),
        note: get("note"),
    }
}

pub async fn add_checkin(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    sub: Submitted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let draft = checkin_draft(&sub.form);
    let outcome = written(draft.parse(s.clock.today()), async |input| {
        s.store
            .add_checkin(&u.scope(Permission::ManageQuarantine), &u.who(), id, &input)
            .await
    })
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other(&format!("/quarantine/orders/{id}?msg=checkin")));
    };
    rejected(
        &s,
        u,
        &headers,
        id,
        OrderForms {
            checkin: draft,
            checkin_errors: errors,
            ..OrderForms::default()
        },
    )
    .await
}

pub async fn add_violation(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    sub: Submitted<ViolationDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let outcome = written(sub.form.parse(s.clock.today()), async |input| {
        s.store
            .add_violation(&u.scope(Permission::ManageQuarantine), &u.who(), id, &input)
            .await
    })
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other(&format!("/quarantine/orders/{id}?msg=violation")));
    };
    rejected(
        &s,
        u,
        &headers,
        id,
        OrderForms {
            violation: sub.form,
            violation_errors: errors,
            ..OrderForms::default()
        },
    )
    .await
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    pub on_date: String,
    pub reason: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub closed_on: String,
    pub reason: String,
}

fn day(field: &str, s: &str, today: chrono::NaiveDate) -> Result<chrono::NaiveDate, FormErrors> {
    match chongdich_domain::vocab::parse_past_date(field, s, today) {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(chongdich_domain::Invalid::field(field, "bắt buộc").into()),
        Err(e) => Err(e.into()),
    }
}

pub async fn to_case(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    sub: Submitted<CaseForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    require(u, Permission::EditSurveillance)?;
    let errors = match day("on_date", &sub.form.on_date, s.clock.today()) {
        Ok(on) => {
            let scope = u.scope(Permission::ManageQuarantine);
            match s
                .store
                .order_to_case(&scope, &u.who(), id, on, &sub.form.reason)
                .await
            {
                Ok((case_id, _)) => return Ok(see_other(&format!("/cases/{case_id}?msg=created"))),
                Err(e) => form_errors(e)?,
            }
        }
        Err(e) => e,
    };
    rejected(
        &s,
        u,
        &headers,
        id,
        OrderForms {
            case: sub.form,
            case_errors: errors,
            ..OrderForms::default()
        },
    )
    .await
}

pub async fn close(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    sub: Submitted<CloseForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let errors = match day("closed_on", &sub.form.closed_on, s.clock.today()) {
        Ok(on) => match s
            .store
            .close_order(
                &u.scope(Permission::ManageQuarantine),
                &u.who(),
                id,
                on,
                &sub.form.reason,
            )
            .await
        {
            Ok(()) => return Ok(see_other(&format!("/quarantine/orders/{id}?msg=closed"))),
            Err(chongdich_store::StoreError::Conflict(m)) => {
                chongdich_domain::Invalid::field("closed_reason", m).into()
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e,
    };
    rejected(
        &s,
        u,
        &headers,
        id,
        OrderForms {
            close: sub.form,
            close_errors: errors,
            ..OrderForms::default()
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "quarantine_order_new.html")]
struct NewOrderPage {
    l: Layout,
    person_id: i64,
    full_name: String,
    form: OrderDraft,
    errors: FormErrors,
    subjects: Vec<Choice>,
    kinds: Vec<Choice>,
    /// The order the rules give for what was typed, when it could be computed.
    preview: Option<String>,
    orders: Vec<(i64, String)>,
}

async fn new_order_form(
    s: &AppState,
    u: &Authed,
    person_id: i64,
    form: OrderDraft,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ManageQuarantine)?;
    let scope = u.scope(Permission::ManageQuarantine);
    let p = found(s.store.person(&scope, &u.who(), person_id).await)?;
    let orders = s
        .store
        .orders_of_person(&scope, person_id)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id,
                format!(
                    "{} từ {} đến {} ({})",
                    kind_label(&o.kind),
                    vn_date(&o.starts_on),
                    vn_date(&o.until_on),
                    OrderLines::new(&o).status
                ),
            )
        })
        .collect();
    let mut form = form;
    if form.start.is_empty() {
        form.start = vn_date(&s.clock.today());
    }
    if form.address.is_empty() {
        form.address = p.street.clone();
    }
    let today = s.clock.today();
    let preview = match form.parse(today) {
        Ok(mut input) => {
            input.over = None;
            let sets = s.store.quarantine_rules().await?;
            chongdich_domain::quarantine::order::terms(&sets, &input, None)
                .ok()
                .map(|t| t.explanation)
        }
        Err(_) => None,
    };
    render_status(
        status,
        &NewOrderPage {
            l: layout(u, format!("Ra lệnh cách ly — {}", p.full_name), None),
            person_id,
            full_name: p.full_name,
            form,
            errors,
            subjects: Subject::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            kinds: OrderKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            preview,
            orders,
        },
    )
}

pub async fn new_order_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    new_order_form(
        &s,
        &u,
        id,
        OrderDraft {
            subject: "f1".into(),
            ..OrderDraft::default()
        },
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrderForm {
    #[serde(flatten)]
    pub draft: OrderDraft,
    /// "preview": show the computed order without writing.
    pub action: String,
}

pub async fn create_order(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<OrderForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let draft = sub.form.draft.clone();
    if sub.form.action == "preview" {
        return new_order_form(&s, u, id, draft, FormErrors::default(), StatusCode::OK).await;
    }
    let outcome = written(draft.parse(s.clock.today()), async |input| {
        s.store
            .create_order(&u.scope(Permission::ManageQuarantine), &u.who(), id, &input)
            .await
    })
    .await?;
    let errors = match outcome {
        Ok(order) => {
            return Ok(see_other(&format!(
                "/quarantine/orders/{order}?msg=created"
            )));
        }
        Err(errors) => errors,
    };
    new_order_form(&s, u, id, draft, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Template)]
#[template(path = "checkin_public.html")]
struct SelfPage {
    l: Layout,
    token: String,
    name: String,
    starts_on: String,
    until_on: String,
    today: String,
    done_today: bool,
    open: bool,
    sent: bool,
    form: CheckinDraft,
    errors: FormErrors,
    symptoms: Vec<Choice>,
}

/// A name as the public page shows it: the given name only ("… An").
fn given_name(full: &str) -> String {
    match full.split_whitespace().last() {
        Some(g) => format!("… {g}"),
        None => String::new(),
    }
}

async fn self_view(
    s: &AppState,
    token: &str,
    form: CheckinDraft,
    errors: FormErrors,
    sent: bool,
    status: StatusCode,
) -> Result<Response, PageError> {
    let o = found(s.store.order_by_token(token).await)?;
    let today = s.clock.today();
    let open = o.is_open() && o.starts_on <= today && today <= o.until_on;
    let done_today = s.store.checked_in_on(o.id, today).await?;
    render_status(
        status,
        &SelfPage {
            l: Layout::anonymous("Khai báo y tế hằng ngày"),
            token: token.to_owned(),
            name: given_name(&o.full_name),
            starts_on: vn_date(&o.starts_on),
            until_on: vn_date(&o.until_on),
            today: vn_date(&today),
            done_today,
            open,
            sent,
            form,
            errors,
            symptoms: SYMPTOMS.iter().map(|(k, l)| Choice::new(*k, *l)).collect(),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SentQuery {
    pub sent: Option<String>,
}

pub async fn self_page(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<SentQuery>,
) -> Result<Response, PageError> {
    self_view(
        &s,
        &token,
        CheckinDraft::default(),
        FormErrors::default(),
        q.sent.is_some(),
        StatusCode::OK,
    )
    .await
}

/// The person's own check-in: no account and no session; the token in the link is the key.
pub async fn self_submit(
    State(s): State<AppState>,
    Path(token): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| PageError {
            status: StatusCode::BAD_REQUEST,
            message: "Không đọc được biểu mẫu gửi lên.".into(),
        })?;
    let mut draft = checkin_draft(&fields);
    // The person declares for today only.
    draft.on_date = String::new();
    let errors: FormErrors = match draft.parse(s.clock.today()) {
        Ok(input) => match s.store.self_checkin(&token, &input).await {
            Ok(_) => return Ok(see_other(&format!("/khai-bao/{token}?sent=1"))),
            Err(chongdich_store::StoreError::NotFound(_)) => {
                return Err(PageError::not_found());
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    self_view(
        &s,
        &token,
        draft,
        errors,
        false,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub struct RuleSetView {
    pub id: String,
    pub name: String,
    pub source: String,
    pub valid_from: String,
    pub valid_to: String,
    pub notes: String,
    pub in_force: bool,
    pub assumptions: Vec<String>,
    pub rules: Vec<RuleView>,
    pub created_by: String,
}

pub struct RuleView {
    pub id: String,
    pub subjects: String,
    pub condition: String,
    pub kind: &'static str,
    pub days: u32,
    pub tests: String,
    pub monitoring: String,
    pub alternative: bool,
    pub mark: &'static str,
    pub text: String,
    pub source: String,
    pub unverified: bool,
}

fn rule_set_view(
    set: &QuarantineRuleSet,
    created_by: &str,
    today: chrono::NaiveDate,
) -> RuleSetView {
    RuleSetView {
        id: set.id.clone(),
        name: set.name.clone(),
        source: set.source.clone(),
        valid_from: vn_date(&set.valid_from),
        valid_to: opt_date(set.valid_to),
        notes: set.notes.clone(),
        in_force: set.in_force_on(today),
        assumptions: set
            .assumptions
            .iter()
            .map(|a| format!("{}: {}", a.field, a.note))
            .collect(),
        created_by: created_by.to_owned(),
        rules: set
            .rules
            .iter()
            .map(|r| RuleView {
                id: r.id.clone(),
                subjects: r
                    .subjects
                    .iter()
                    .map(|s| s.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                condition: match &r.condition {
                    chongdich_domain::quarantine::Condition::Any => "Mọi người".into(),
                    chongdich_domain::quarantine::Condition::Immune(t) => {
                        format!("Đã tiêm đủ ({} mũi) hoặc đã khỏi bệnh", t.min_doses)
                    }
                    chongdich_domain::quarantine::Condition::NotImmune(t) => {
                        format!("Chưa tiêm đủ ({} mũi), chưa khỏi bệnh", t.min_doses)
                    }
                },
                kind: r.kind.label(),
                days: r.days,
                tests: r
                    .test_days
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                monitoring: if r.monitoring_days > 0 {
                    format!("{} ngày", r.monitoring_days)
                } else {
                    String::new()
                },
                alternative: r.alternative,
                mark: r.mark.label(),
                unverified: !r.assumptions.is_empty()
                    || r.mark == chongdich_domain::quarantine::Mark::Unverified,
                text: r.text.clone(),
                source: r.source.clone(),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "quarantine_rules.html")]
struct RulesPage {
    l: Layout,
    sets: Vec<RuleSetView>,
    can_edit: bool,
    body: String,
    errors: FormErrors,
}

async fn rules_view(
    s: &AppState,
    u: &Authed,
    msg: Option<&str>,
    body: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewAreas)?;
    let today = s.clock.today();
    let sets = s.store.quarantine_rule_sets().await?;
    let body = if body.is_empty() {
        sets.last()
            .and_then(|s| serde_json::to_string_pretty(&s.set).ok())
            .unwrap_or_default()
    } else {
        body
    };
    render_status(
        status,
        &RulesPage {
            l: layout(u, "Quy tắc cách ly theo văn bản", msg),
            sets: sets
                .iter()
                .rev()
                .map(|x| rule_set_view(&x.set, &x.created_by, today))
                .collect(),
            can_edit: u.can(Permission::ManageRules),
            body,
            errors,
        },
    )
}

pub async fn rules_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    rules_view(
        &s,
        &u,
        q.msg.as_deref(),
        String::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RulesForm {
    pub body: String,
}

pub async fn add_rules(
    State(s): State<AppState>,
    sub: Submitted<RulesForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    let outcome = written(QuarantineRuleSet::from_json(&sub.form.body), async |set| {
        s.store.add_quarantine_rule_set(&u.who(), &set).await
    })
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other("/quarantine/rules?msg=rules"));
    };
    rules_view(
        &s,
        u,
        None,
        sub.form.body.clone(),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Which duties a line shows (for templates).
pub fn duty_class(d: &Duty) -> &'static str {
    match d {
        Duty::Missed { .. } | Duty::Move { .. } => "warn",
        _ => "",
    }
}
