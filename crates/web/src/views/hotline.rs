//! The hotline room's pages: the public report form (no login) with its thank-you page, and
//! the operators' screens — the list with its filters, the entry of a phone call, and a
//! report with its triage, assignment, closing and conversion forms.
//!
//! The public form has no session to carry a CSRF token; it is protected otherwise: a
//! honeypot field that people do not see, a signed token stating when the form was served
//! (too fast or too old is refused, what was typed is kept), the rate limit per address and
//! per phone ([`crate::hotline_limit`]), and the form-action CSP. The commune is typed as text
//! and looked up ignoring diacritics on the server; when several communes match, they are
//! offered as choices — no JavaScript, and it works with the whole country's list.

use super::agencies::{AreaOption, area_options};
use super::areas::Pager;
use super::outbreaks::{Choice, found, iso, require};
use super::persons::{PersonChoices, person_choices};
use super::{FormErrors, Layout, Submitted, render, render_status, see_other, vn_datetime};
use crate::AppState;
use crate::api::hotline::{
    ClientIp, ConvertBody, area_error_as, convert_request, public_who, report_filter,
    require_convert,
};
use crate::api::persons::PersonDraftSchema;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use crate::hotline_limit::client_key;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::hotline::{
    AssignDraft, Channel, CloseDraft, Priority, ReportDraft, ReportInput, ReportKind, ReportStatus,
    TriageDraft, reference,
};
use chongdich_domain::person::PersonDraft;
use chongdich_domain::text::search_key;
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::StoreError;
use chongdich_store::areas::PlaceOption;
use chongdich_store::hotline::{CommuneOption, Converted, ReportRow};
use chongdich_store::persons::PersonRow;
use serde::{Deserialize, Serialize};

/// Reports per page of the list.
const PER_PAGE: u64 = 50;
/// Communes offered when a name is ambiguous; more asks for the district or province.
const MAX_CANDIDATES: u64 = 20;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/report", get(report_page).post(report_submit))
        .route("/hotline", get(list))
        .route("/hotline/export.xlsx", get(export))
        .route("/hotline/new", get(new_page).post(create))
        .route("/hotline/{id}", get(detail))
        .route("/hotline/{id}/triage", post(triage))
        .route("/hotline/{id}/assign", post(assign))
        .route("/hotline/{id}/close", post(close))
        .route("/hotline/{id}/convert", post(convert))
}

fn kind_choices() -> Vec<Choice> {
    ReportKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), k.label()))
        .collect()
}

fn priority_choices() -> Vec<Choice> {
    Priority::ALL
        .iter()
        .map(|p| Choice::new(p.as_str(), p.label()))
        .collect()
}

fn status_choices() -> Vec<Choice> {
    ReportStatus::ALL
        .iter()
        .map(|s| Choice::new(s.as_str(), s.label()))
        .collect()
}

fn kind_label(s: &str) -> String {
    ReportKind::parse(s)
        .map(|k| k.label().to_owned())
        .unwrap_or_else(|_| s.to_owned())
}

fn status_label(s: &str) -> String {
    ReportStatus::parse(s)
        .map(|k| k.label().to_owned())
        .unwrap_or_else(|_| s.to_owned())
}

/// A store error that a form answers with its field errors; any other is passed on.
fn form_errors(e: StoreError) -> Result<FormErrors, PageError> {
    super::outbreaks::form_errors(e)
}

// ---- The public form ----

/// The public form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReportForm {
    pub kind: String,
    /// The commune's name as typed ("tan phong", "Tân Phong, Lai Châu").
    pub commune: String,
    /// The commune picked among the candidates (or found from the name).
    pub area_id: String,
    pub place_detail: String,
    pub subject_name: String,
    pub subject_phone: String,
    pub description: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    /// The honeypot: hidden from people, filled by robots.
    #[serde(skip_serializing)]
    pub website: String,
    /// The signed form token.
    #[serde(skip_serializing)]
    pub t: String,
}

impl ReportForm {
    fn draft(&self) -> ReportDraft {
        ReportDraft {
            kind: self.kind.clone(),
            area_id: self.area_id.clone(),
            reporter_name: self.reporter_name.clone(),
            reporter_phone: self.reporter_phone.clone(),
            subject_name: self.subject_name.clone(),
            subject_phone: self.subject_phone.clone(),
            place_detail: self.place_detail.clone(),
            description: self.description.clone(),
            priority: String::new(),
        }
    }
}

pub struct CommuneChoice {
    pub id: String,
    pub label: String,
}

impl From<&CommuneOption> for CommuneChoice {
    fn from(c: &CommuneOption) -> Self {
        Self {
            id: c.id.clone(),
            label: c.label(),
        }
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    l: Layout,
    f: ReportForm,
    token: String,
    errors: FormErrors,
    kinds: Vec<Choice>,
    /// Communes matching the name, to pick one.
    candidates: Vec<CommuneChoice>,
    /// A message about the whole form (too fast, expired, rate limit).
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "report_sent.html")]
struct SentPage {
    l: Layout,
    reference: String,
}

fn public_layout() -> Layout {
    Layout::anonymous("Phản ánh, báo tin về dịch bệnh")
}

fn render_form(
    s: &AppState,
    status: StatusCode,
    f: ReportForm,
    errors: FormErrors,
    candidates: Vec<CommuneChoice>,
    problem: Option<String>,
) -> Result<Response, PageError> {
    render_status(
        status,
        &ReportPage {
            l: public_layout(),
            token: s.hotline.form_token(s.clock.now()),
            f,
            errors,
            kinds: kind_choices(),
            candidates,
            problem,
        },
    )
}

pub async fn report_page(State(s): State<AppState>) -> Result<Response, PageError> {
    render_form(
        &s,
        StatusCode::OK,
        ReportForm::default(),
        FormErrors::default(),
        vec![],
        None,
    )
}

/// The commune of the form: the one picked (if it still matches the name typed), else the one
/// the name designates; otherwise the error for the field and the candidates to pick from.
async fn resolve_commune(
    s: &AppState,
    f: &ReportForm,
) -> Result<
    (
        Option<CommuneOption>,
        Option<FieldError>,
        Vec<CommuneChoice>,
    ),
    PageError,
> {
    let typed = f.commune.split(',').next().unwrap_or("");
    let typed_key = search_key(typed);
    if let Ok(id) = AreaId::parse(&f.area_id)
        && let Some(c) = s.store.commune(&id).await?
        && search_key(&c.label()).contains(&typed_key)
    {
        return Ok((Some(c), None, vec![]));
    }
    if typed_key.is_empty() {
        return Ok((
            None,
            Some(FieldError::new(
                "commune",
                "ghi tên xã, phường nơi xảy ra sự việc",
            )),
            vec![],
        ));
    }
    let found = s
        .store
        .commune_candidates(&f.commune, s.clock.today(), MAX_CANDIDATES + 1)
        .await?;
    let exact: Vec<&CommuneOption> = found
        .iter()
        .filter(|c| {
            let k = search_key(&c.name);
            k == typed_key
                || ["xa ", "phuong ", "thi tran "]
                    .iter()
                    .any(|p| k == format!("{p}{typed_key}"))
        })
        .collect();
    let pick = match (found.as_slice(), exact.as_slice()) {
        ([only], _) => Some(only.clone()),
        (_, [only]) => Some((*only).clone()),
        _ => None,
    };
    if let Some(c) = pick {
        return Ok((Some(c), None, vec![]));
    }
    let problem = |m: String| Some(FieldError::new("commune", m));
    if found.is_empty() {
        return Ok((
            None,
            problem(format!(
                "không tìm thấy xã, phường nào tên \"{}\" — kiểm tra lại tên (có thể gõ không dấu)",
                f.commune.trim()
            )),
            vec![],
        ));
    }
    let message = if found.len() > MAX_CANDIDATES as usize {
        "có quá nhiều xã, phường trùng tên — chọn một dưới đây, hoặc ghi thêm tên huyện hoặc \
         tỉnh sau dấu phẩy, vd: \"Tân Phong, Lai Châu\""
            .to_owned()
    } else {
        format!(
            "có {} xã, phường trùng tên — chọn một trong danh sách dưới đây",
            found.len()
        )
    };
    Ok((
        None,
        problem(message),
        found
            .iter()
            .take(MAX_CANDIDATES as usize)
            .map(CommuneChoice::from)
            .collect(),
    ))
}

pub async fn report_submit(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    body: Bytes,
) -> Result<Response, PageError> {
    let mut f: ReportForm = serde_urlencoded::from_bytes(&body).map_err(|_| PageError {
        status: StatusCode::BAD_REQUEST,
        message: "Không đọc được biểu mẫu gửi lên.".into(),
    })?;
    if !f.website.trim().is_empty() {
        // A person never sees the field; nothing is written and nothing more is said.
        return Err(PageError {
            status: StatusCode::BAD_REQUEST,
            message: "Không nhận được phản ánh này. Nếu bạn là người gửi, hãy tải lại trang \
                      rồi gửi lại, hoặc gọi đường dây nóng."
                .into(),
        });
    }
    let now = s.clock.now();
    let token = s.hotline.check_token(&f.t, now);
    let (commune, commune_error, candidates) = resolve_commune(&s, &f).await?;
    f.area_id = commune.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    if let Some(c) = &commune {
        f.commune = c.label();
    }
    let parsed = ReportInput::parse(&f.draft(), Channel::Web);
    let mut errors: Vec<FieldError> = commune_error.into_iter().collect();
    if let Err(Invalid(e)) = &parsed {
        let named = !errors.is_empty();
        errors.extend(
            e.iter()
                .filter(|x| !(named && x.field == "area_id"))
                .cloned()
                .map(|mut x| {
                    if x.field == "area_id" {
                        x.field = "commune".into();
                    }
                    x
                }),
        );
    }
    let nonce = match token {
        Ok(n) => n,
        Err(problem) => {
            return render_form(
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                f,
                FormErrors(errors),
                candidates,
                Some(problem.message().to_owned()),
            );
        }
    };
    let input = match parsed {
        Ok(input) if errors.is_empty() => input,
        _ => {
            return render_form(
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                f,
                FormErrors(errors),
                candidates,
                None,
            );
        }
    };
    // The same form sent again with the same content is the same report.
    let key = client_key("form", &nonce, &f);
    if let Some(id) = s.store.report_by_client_key(&key).await? {
        return sent(id);
    }
    let phone = input.reporter_phone.as_ref().map(|p| p.as_str().to_owned());
    if let Err(l) = s.hotline.acquire(now, ip.as_deref(), phone.as_deref()) {
        return render_form(
            &s,
            StatusCode::TOO_MANY_REQUESTS,
            f,
            FormErrors::default(),
            vec![],
            Some(l.message()),
        );
    }
    match s
        .store
        .submit_report(&public_who(ip), &input, Some(&key), None)
        .await
    {
        Ok(done) => sent(done.id),
        Err(e) => {
            let errors = form_errors(area_error_as(e, "commune"))?;
            render_form(
                &s,
                StatusCode::UNPROCESSABLE_ENTITY,
                f,
                errors,
                vec![],
                None,
            )
        }
    }
}

fn sent(id: i64) -> Result<Response, PageError> {
    render(&SentPage {
        l: public_layout(),
        reference: reference(id),
    })
}

// ---- The operators' list ----

pub struct ReportLine {
    pub id: i64,
    pub reference: String,
    pub created: String,
    pub kind: String,
    pub status: String,
    pub status_label: String,
    pub urgent: bool,
    pub channel: String,
    pub area_name: String,
    pub subject_name: String,
    pub summary: String,
    pub assigned: String,
}

fn assigned_text(r: &ReportRow) -> String {
    [r.assigned_area_name.clone(), r.assigned_agency_name.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

impl From<ReportRow> for ReportLine {
    fn from(r: ReportRow) -> Self {
        let mut summary: String = r.description.chars().take(140).collect();
        if r.description.chars().count() > 140 {
            summary.push('…');
        }
        Self {
            id: r.id,
            reference: r.reference(),
            created: vn_datetime(&r.created_at),
            kind: kind_label(&r.kind),
            status_label: status_label(&r.status),
            urgent: r.priority == Priority::Urgent.as_str(),
            channel: if r.channel == Channel::Phone.as_str() {
                "☎".into()
            } else {
                "web".into()
            },
            area_name: r.area_name.clone().unwrap_or_default(),
            subject_name: r.subject_name.clone(),
            assigned: assigned_text(&r),
            summary,
            status: r.status,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    q: String,
    page: Option<u64>,
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "hotline.html")]
struct ListPage {
    l: Layout,
    items: Vec<ReportLine>,
    pager: Pager,
    total: i64,
    status: String,
    kind: String,
    area: String,
    q: String,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    areas: Vec<AreaOption>,
    errors: FormErrors,
    export_href: String,
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::HandleHotline)?;
    let page = q.page.unwrap_or(1).max(1);
    let (filter, errors, status) = match report_filter(&q.status, &q.kind, &q.area, &q.q) {
        Ok(f) => (f, FormErrors::default(), StatusCode::OK),
        Err(e) => (
            chongdich_store::hotline::ReportFilter::default(),
            e.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let p = s
        .store
        .reports(
            &u.scope(Permission::HandleHotline),
            &u.who(),
            &filter,
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?;
    let link = {
        let (st, k, a, qq) = (
            q.status.clone(),
            q.kind.clone(),
            q.area.clone(),
            q.q.clone(),
        );
        move |n: u64| {
            format!(
                "/hotline?{}",
                serde_urlencoded::to_string([
                    ("status", st.as_str()),
                    ("kind", k.as_str()),
                    ("area", a.as_str()),
                    ("q", qq.as_str()),
                    ("page", n.to_string().as_str()),
                ])
                .unwrap_or_default()
            )
        }
    };
    let export_href = link(1)
        .replacen("/hotline?", "/hotline/export.xlsx?", 1)
        .replace("&page=1", "");
    render_status(
        status,
        &ListPage {
            l: Layout::for_user(&u, "Đường dây nóng", "hotline").with_notice(q.msg.as_deref()),
            pager: Pager::new(p.total, page, PER_PAGE, link),
            total: p.total,
            items: p.items.into_iter().map(ReportLine::from).collect(),
            status: q.status,
            kind: q.kind,
            area: q.area,
            q: q.q,
            statuses: status_choices(),
            kinds: kind_choices(),
            areas: area_options(&s, &u, Permission::HandleHotline).await?,
            errors,
            export_href,
        },
    )
}

/// The list as filtered on screen, as an Excel workbook (at most 100,000 reports), with the
/// contacts: audited as an export.
pub async fn export(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    use crate::excel::{Cell, ListSheet, failed};
    require(&u, Permission::HandleHotline)?;
    let filter = report_filter(&q.status, &q.kind, &q.area, &q.q).map_err(|e| PageError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        message: e.to_string(),
    })?;
    let mut sheet = ListSheet::new(
        "Phản ánh",
        &[
            "Mã",
            "Nhận lúc",
            "Kênh",
            "Nội dung",
            "Ưu tiên",
            "Xã, phường",
            "Huyện, tỉnh",
            "Nơi cụ thể",
            "Người báo tin",
            "Điện thoại người báo",
            "Người được phản ánh",
            "Điện thoại",
            "Mô tả",
            "Trạng thái",
            "Giao cho",
            "Kết quả xử lý",
        ],
        &[(3, 28.0), (5, 22.0), (12, 60.0), (15, 40.0)],
    )
    .map_err(failed)?;
    let scope = u.scope(Permission::HandleHotline);
    let chunk = 5_000u64;
    let mut offset = 0u64;
    while offset < 100_000 {
        let page = s
            .store
            .reports(&scope, &u.who(), &filter, chunk, offset)
            .await?;
        for r in &page.items {
            sheet
                .row(&[
                    Cell::Text(&r.reference()),
                    Cell::Text(&vn_datetime(&r.created_at)),
                    Cell::Text(if r.channel == Channel::Phone.as_str() {
                        "Điện thoại"
                    } else {
                        "Trang web"
                    }),
                    Cell::Text(&kind_label(&r.kind)),
                    Cell::Text(if r.priority == Priority::Urgent.as_str() {
                        "Khẩn"
                    } else {
                        "Thường"
                    }),
                    Cell::Text(r.area_name.as_deref().unwrap_or_default()),
                    Cell::Text(r.area_parent_name.as_deref().unwrap_or_default()),
                    Cell::Text(&r.place_detail),
                    Cell::Text(&r.reporter_name),
                    Cell::Text(&r.reporter_phone),
                    Cell::Text(&r.subject_name),
                    Cell::Text(&r.subject_phone),
                    Cell::Text(&r.description),
                    Cell::Text(&status_label(&r.status)),
                    Cell::Text(&assigned_text(r)),
                    Cell::Text(&r.outcome),
                ])
                .map_err(failed)?;
        }
        if (page.items.len() as u64) < chunk {
            break;
        }
        offset += chunk;
    }
    sheet
        .download(
            &s,
            &u.who(),
            "hotline_report",
            "danh sách phản ánh",
            "phan-anh",
        )
        .await
}

// ---- A phone call ----

#[derive(Template)]
#[template(path = "hotline_new.html")]
struct NewPage {
    l: Layout,
    f: ReportDraft,
    errors: FormErrors,
    kinds: Vec<Choice>,
    priorities: Vec<Choice>,
    places: Vec<PlaceOption>,
}

async fn places(s: &AppState, u: &Authed) -> Result<Vec<PlaceOption>, PageError> {
    Ok(s.store
        .place_options(&u.scope(Permission::HandleHotline), s.clock.today(), 3000)
        .await?)
}

async fn new_form(
    s: &AppState,
    u: &Authed,
    f: ReportDraft,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    render_status(
        status,
        &NewPage {
            l: Layout::for_user(u, "Ghi nhận cuộc gọi", "hotline"),
            f,
            errors,
            kinds: kind_choices(),
            priorities: priority_choices(),
            places: places(s, u).await?,
        },
    )
}

pub async fn new_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    require(&u, Permission::HandleHotline)?;
    new_form(
        &s,
        &u,
        ReportDraft::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<ReportDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::HandleHotline)?;
    let errors = match ReportInput::parse(&sub.form, Channel::Phone) {
        Ok(input) => match s
            .store
            .submit_report(
                &u.who(),
                &input,
                None,
                Some(&u.scope(Permission::HandleHotline)),
            )
            .await
        {
            Ok(done) => return Ok(see_other(&format!("/hotline/{}?msg=created", done.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    new_form(&s, u, sub.form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

// ---- One report ----

/// A report for the screen.
pub struct ReportView {
    pub id: i64,
    pub reference: String,
    pub created: String,
    pub updated: String,
    pub created_by: String,
    pub kind: String,
    pub kind_label: String,
    pub channel_label: String,
    pub status: String,
    pub status_label: String,
    pub open: bool,
    pub priority: String,
    pub urgent: bool,
    pub area_id: String,
    pub area: String,
    pub place_detail: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub subject_name: String,
    pub subject_phone: String,
    pub description: String,
    pub assigned: String,
    pub assigned_area_id: String,
    pub assigned_agency_id: String,
    pub outcome: String,
    pub person_id: Option<i64>,
    pub case_id: Option<i64>,
    pub returnee_id: Option<i64>,
}

impl From<&ReportRow> for ReportView {
    fn from(r: &ReportRow) -> Self {
        let status = r.status();
        Self {
            id: r.id,
            reference: r.reference(),
            created: vn_datetime(&r.created_at),
            updated: vn_datetime(&r.updated_at),
            created_by: if r.created_by == "public" {
                "Người dân (trang web)".into()
            } else {
                r.created_by.clone()
            },
            kind: r.kind.clone(),
            kind_label: kind_label(&r.kind),
            channel_label: Channel::parse(&r.channel)
                .map(|c| c.label().to_owned())
                .unwrap_or_default(),
            status: r.status.clone(),
            status_label: status.label().to_owned(),
            open: status.is_open(),
            priority: r.priority.clone(),
            urgent: r.priority == Priority::Urgent.as_str(),
            area_id: r.area_id.clone().unwrap_or_default(),
            area: [r.area_name.clone(), r.area_parent_name.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" — "),
            place_detail: r.place_detail.clone(),
            reporter_name: r.reporter_name.clone(),
            reporter_phone: r.reporter_phone.clone(),
            subject_name: r.subject_name.clone(),
            subject_phone: r.subject_phone.clone(),
            description: r.description.clone(),
            assigned: assigned_text(r),
            assigned_area_id: r.assigned_area_id.clone().unwrap_or_default(),
            assigned_agency_id: r
                .assigned_agency_id
                .map(|a| a.to_string())
                .unwrap_or_default(),
            outcome: r.outcome.clone(),
            person_id: r.person_id,
            case_id: r.case_id,
            returnee_id: r.returnee_id,
        }
    }
}

/// The conversion form as typed: the target, the person and what the target needs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConvertForm {
    pub to: String,
    /// A candidate picked ("" for a new person).
    pub person_id: String,
    pub confirm_new: String,
    pub disease: String,
    pub origin: String,
    pub origin_area_id: String,
    pub arrived_on: String,
    pub transport: String,
    pub full_name: String,
    pub id_kind: String,
    pub id_number: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: String,
    pub nationality: String,
    pub area_id: String,
    pub street: String,
    pub occupation: String,
    pub workplace: String,
}

impl ConvertForm {
    fn person(&self) -> PersonDraft {
        PersonDraft {
            full_name: self.full_name.clone(),
            id_kind: self.id_kind.clone(),
            id_number: self.id_number.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            phone: self.phone.clone(),
            nationality: self.nationality.clone(),
            area_id: self.area_id.clone(),
            street: self.street.clone(),
            occupation: self.occupation.clone(),
            workplace: self.workplace.clone(),
        }
    }

    fn body(&self) -> Result<ConvertBody, Invalid> {
        let person_id = match self.person_id.trim() {
            "" => None,
            p => Some(p.parse::<i64>().map_err(|_| {
                Invalid::field("person_id", format!("mã người \"{p}\" không hợp lệ"))
            })?),
        };
        let p = self.person();
        Ok(ConvertBody {
            to: self.to.clone(),
            person_id,
            person: Some(PersonDraftSchema {
                full_name: p.full_name,
                id_kind: p.id_kind,
                id_number: p.id_number,
                birth_date: p.birth_date,
                sex: p.sex,
                phone: p.phone,
                nationality: p.nationality,
                area_id: p.area_id,
                street: p.street,
                occupation: p.occupation,
                workplace: p.workplace,
            }),
            confirm_new: !self.confirm_new.trim().is_empty(),
            disease: self.disease.clone(),
            origin: self.origin.clone(),
            origin_area_id: self.origin_area_id.clone(),
            arrived_on: self.arrived_on.clone(),
            transport: self.transport.clone(),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CloseForm {
    pub outcome: String,
    /// `close` or `reject` (the button pressed).
    pub action: String,
}

/// What was typed in the forms of a report's page, kept when validation fails.
#[derive(Default)]
pub struct DetailForms {
    pub triage: TriageDraft,
    pub triage_errors: FormErrors,
    pub assign: AssignDraft,
    pub assign_errors: FormErrors,
    pub close: CloseForm,
    pub close_errors: FormErrors,
    pub convert: Option<ConvertForm>,
    pub convert_errors: FormErrors,
    /// People who may be the one reported (the conversion waits for a choice).
    pub candidates: Vec<PersonRow>,
}

#[derive(Template)]
#[template(path = "hotline_report.html")]
struct DetailPage {
    l: Layout,
    r: ReportView,
    kinds: Vec<Choice>,
    priorities: Vec<Choice>,
    places: Vec<PlaceOption>,
    agencies: Vec<Choice>,
    can_convert: bool,
    may_concern_a_person: bool,
    diseases: Vec<Choice>,
    choices: Option<PersonChoices>,
    pf: PersonDraft,
    cf: ConvertForm,
    forms: DetailForms,
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    notice: Option<&str>,
    forms: DetailForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::HandleHotline)?;
    let scope = u.scope(Permission::HandleHotline);
    let row = found(s.store.report(&scope, &u.who(), id).await)?;
    let r = ReportView::from(&row);
    let mut forms = forms;
    if forms.triage_errors.is_empty() {
        forms.triage = TriageDraft {
            kind: row.kind.clone(),
            priority: row.priority.clone(),
            status: String::new(),
        };
    }
    if forms.assign_errors.is_empty() {
        forms.assign = AssignDraft {
            area_id: r.assigned_area_id.clone(),
            agency_id: r.assigned_agency_id.clone(),
        };
    }
    let can_convert = u.can(Permission::EditSurveillance)
        && match row.area_id.as_deref().map(AreaId::parse) {
            Some(Ok(area)) => {
                s.store
                    .area_in_scope(&u.scope(Permission::EditSurveillance), &area)
                    .await?
            }
            _ => false,
        };
    let may_concern_a_person = row.kind().may_concern_a_person();
    let cf = forms.convert.clone().unwrap_or_else(|| ConvertForm {
        to: match row.kind() {
            ReportKind::EpidemicArrival => "returnee".into(),
            _ => "suspect".into(),
        },
        full_name: row.subject_name.clone(),
        phone: row.subject_phone.clone(),
        area_id: row.area_id.clone().unwrap_or_default(),
        street: row.place_detail.chars().take(200).collect(),
        arrived_on: iso(s.clock.today()),
        ..Default::default()
    });
    let (choices, diseases) = if can_convert && r.open && may_concern_a_person {
        (
            Some(person_choices(s, u).await?),
            super::outbreaks::disease_choices(s).await?,
        )
    } else {
        (None, vec![])
    };
    let agencies = if r.open {
        s.store
            .agencies(&scope, None, 200, 0)
            .await?
            .items
            .into_iter()
            .map(|g| Choice::new(g.id.to_string(), format!("{} ({})", g.name, g.area_name)))
            .collect()
    } else {
        vec![]
    };
    let places = if r.open { places(s, u).await? } else { vec![] };
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, format!("Phản ánh {}", r.reference), "hotline")
                .with_notice(notice),
            pf: cf.person(),
            cf,
            kinds: kind_choices(),
            priorities: priority_choices(),
            places,
            agencies,
            can_convert,
            may_concern_a_person,
            diseases,
            choices,
            forms,
            r,
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    msg: Option<String>,
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    detail_page(
        &s,
        &u,
        id,
        q.msg.as_deref(),
        DetailForms::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn triage(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<TriageDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::HandleHotline)?;
    let scope = u.scope(Permission::HandleHotline);
    let errors = match s.store.triage_report(&scope, &u.who(), id, &sub.form).await {
        Ok(_) => return Ok(see_other(&format!("/hotline/{id}?msg=saved"))),
        Err(e) => step_errors(e)?,
    };
    let forms = DetailForms {
        triage: sub.form,
        triage_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn assign(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<AssignDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::HandleHotline)?;
    let scope = u.scope(Permission::HandleHotline);
    let errors = match s.store.assign_report(&scope, &u.who(), id, &sub.form).await {
        Ok(_) => return Ok(see_other(&format!("/hotline/{id}?msg=saved"))),
        Err(e) => step_errors(e)?,
    };
    let forms = DetailForms {
        assign: sub.form,
        assign_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn close(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<CloseForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::HandleHotline)?;
    let scope = u.scope(Permission::HandleHotline);
    let d = CloseDraft {
        outcome: sub.form.outcome.clone(),
        reject: sub.form.action == "reject",
    };
    let errors = match s.store.close_report(&scope, &u.who(), id, &d).await {
        Ok(_) => return Ok(see_other(&format!("/hotline/{id}?msg=saved"))),
        Err(e) => step_errors(e)?,
    };
    let forms = DetailForms {
        close: sub.form,
        close_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The field errors of a step; a report outside the scope is the page's 404.
fn step_errors(e: StoreError) -> Result<FormErrors, PageError> {
    match e {
        StoreError::NotFound(_) => Err(PageError::not_found()),
        other => form_errors(other),
    }
}

pub async fn convert(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<ConvertForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require_convert(u)?;
    let scope = u.scope(Permission::HandleHotline);
    let report = found(s.store.report_row(&scope, id).await)?;
    let attempt = async {
        let body = sub.form.body()?;
        let req = convert_request(&s, &report, &body).await?;
        Ok::<_, crate::error::ApiError>(
            s.store
                .convert_report(
                    &scope,
                    &u.scope(Permission::EditSurveillance),
                    &u.who(),
                    id,
                    &req.person,
                    &req.to,
                )
                .await?,
        )
    };
    let (errors, candidates, status) = match attempt.await {
        Ok(Converted::Done { .. }) => {
            return Ok(see_other(&format!("/hotline/{id}?msg=created")));
        }
        Ok(Converted::Candidates(c)) => (FormErrors::default(), c, StatusCode::CONFLICT),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => (
            FormErrors(e.errors),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => return Err(e.into()),
    };
    let forms = DetailForms {
        convert: Some(sub.form),
        convert_errors: errors,
        candidates,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, status).await
}
