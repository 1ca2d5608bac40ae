//! `/api/v1/public/reports` (citizens, no login) and `/api/v1/hotline/reports…` (operators):
//! reports of suspects, illegal entrants, arrivals from epidemic areas, violations and price
//! gouging; their triage, assignment, outcome, and conversion into a suspected case or a
//! returnee record.

use super::persons::{Candidates, Person, PersonDraftSchema};
use super::require;
use crate::AppState;
use crate::auth::{ApiUser, Authed};
use crate::error::{ApiError, ErrorBody, operation_id};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use crate::hotline_limit::{Limited, client_key};
use axum::Json;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::case::CaseDraft;
use chongdich_domain::hotline::{
    AssignDraft, Channel, CloseDraft, ConvertTarget, ReportDraft, ReportInput, ReportKind,
    ReportStatus, ReturneeDraft, TriageDraft, reference,
};
use chongdich_store::audit::Who;
use chongdich_store::hotline::{ConvertPerson, ConvertTo, Converted, ReportFilter, ReportRow};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(submit_public))
        .routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(triage))
        .routes(routes!(assign))
        .routes(routes!(close))
        .routes(routes!(convert))
}

/// The address of the client, when the server was started with it (`into_make_service_with_
/// connect_info`); in-process requests have none and share one allowance.
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(crate::auth::client_ip(parts)))
    }
}

/// The actor of a citizen's submission in the audit log.
pub fn public_who(ip: Option<String>) -> Who {
    Who {
        user_id: None,
        username: "public".into(),
        ip,
        operation_id: Some(operation_id()),
    }
}

/// A report as operators read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    /// What the citizen was given: `PA-000123`.
    pub reference: String,
    /// `suspect`, `illegal_entrant`, `epidemic_arrival`, `measure_violation`, `price_gouging`,
    /// `other`.
    pub kind: String,
    /// `web` or `phone`.
    pub channel: String,
    /// `new`, `triaged`, `assigned`, `closed`, `rejected`.
    pub status: String,
    /// `normal` or `urgent`.
    pub priority: String,
    /// The commune.
    pub area_id: Option<String>,
    pub area_name: Option<String>,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub subject_name: String,
    pub subject_phone: String,
    pub place_detail: String,
    pub description: String,
    pub assigned_area_id: Option<String>,
    pub assigned_area_name: Option<String>,
    pub assigned_agency_id: Option<i64>,
    pub assigned_agency_name: Option<String>,
    /// The outcome, or why it was rejected.
    pub outcome: String,
    /// The person the report became, and their suspected case or returnee record.
    pub person_id: Option<i64>,
    pub case_id: Option<i64>,
    pub returnee_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl From<ReportRow> for Report {
    fn from(r: ReportRow) -> Self {
        Self {
            reference: r.reference(),
            id: r.id,
            kind: r.kind,
            channel: r.channel,
            status: r.status,
            priority: r.priority,
            area_id: r.area_id,
            area_name: r.area_name,
            reporter_name: r.reporter_name,
            reporter_phone: r.reporter_phone,
            subject_name: r.subject_name,
            subject_phone: r.subject_phone,
            place_detail: r.place_detail,
            description: r.description,
            assigned_area_id: r.assigned_area_id,
            assigned_area_name: r.assigned_area_name,
            assigned_agency_id: r.assigned_agency_id,
            assigned_agency_name: r.assigned_agency_name,
            outcome: r.outcome,
            person_id: r.person_id,
            case_id: r.case_id,
            returnee_id: r.returnee_id,
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<Report>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

/// A citizen's report.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct NewPublicReport {
    /// `suspect`, `illegal_entrant`, `epidemic_arrival`, `measure_violation`, `price_gouging`,
    /// `other`.
    pub kind: String,
    /// The commune (ward) where it happens, e.g. `L03386`.
    pub area_id: String,
    pub reporter_name: String,
    /// Required: to be called back.
    pub reporter_phone: String,
    /// The person reported, if any.
    pub subject_name: String,
    pub subject_phone: String,
    /// House number, village, shop …
    pub place_detail: String,
    /// What happened (10–2000 characters).
    pub description: String,
}

impl NewPublicReport {
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

/// What a citizen gets back.
#[derive(Debug, Serialize, ToSchema)]
pub struct Receipt {
    /// The number to quote when calling the hotline about this report.
    pub reference: String,
    pub message: String,
}

/// The answer to a citizen refused for now: 429 with `Retry-After`.
pub fn limited_response(l: Limited) -> Response {
    let mut res =
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", l.message()).into_response();
    if let Ok(v) = HeaderValue::from_str(&l.wait_seconds().to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Report a suspect, an illegal entrant, an arrival from an epidemic area, a violation of
/// measures, price gouging or fake supplies. No login. Limited per address and per phone
/// number (429 with `Retry-After`); send an `Idempotency-Key` header to retry safely (the same
/// key and body give the same reference, marked `Idempotent-Replayed: true`).
#[utoipa::path(post, path = "/api/v1/public/reports", tag = "public", request_body = NewPublicReport,
    responses((status = 201, body = Receipt), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn submit_public(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(b): ApiJson<NewPublicReport>,
) -> Result<Response, ApiError> {
    let input = ReportInput::parse(&b.draft(), Channel::Web)?;
    let key = headers
        .get(crate::idempotency::HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .map(|k| client_key("api", k, &b));
    let receipt = |id: i64| Receipt {
        reference: reference(id),
        message: "Đã nhận phản ánh. Cảm ơn bạn đã báo tin.".into(),
    };
    if let Some(k) = &key
        && let Some(id) = s.store.report_by_client_key(k).await?
    {
        return Ok(replayed(Json(receipt(id))));
    }
    let now = s.clock.now();
    let phone = input.reporter_phone.as_ref().map(|p| p.as_str().to_owned());
    if let Err(l) = s.hotline.acquire(now, ip.as_deref(), phone.as_deref()) {
        return Ok(limited_response(l));
    }
    let done = s
        .store
        .submit_report(&public_who(ip), &input, key.as_deref(), None)
        .await?;
    if done.created {
        Ok((StatusCode::CREATED, Json(receipt(done.id))).into_response())
    } else {
        Ok(replayed(Json(receipt(done.id))))
    }
}

fn replayed(body: Json<Receipt>) -> Response {
    let mut res = (StatusCode::CREATED, body).into_response();
    res.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    res
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `new`, `triaged`, `assigned`, `closed`, `rejected`.
    pub status: Option<String>,
    pub kind: Option<String>,
    /// The report's commune or assigned unit lies under this area.
    pub area: Option<String>,
    /// Words of names, phones, place or description (diacritics ignored), or a reference.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Parses the list's filters, naming the bad one.
pub fn report_filter(
    status: &str,
    kind: &str,
    area: &str,
    q: &str,
) -> Result<ReportFilter, Invalid> {
    let mut c = chongdich_domain::error::Collector::new();
    let status = c.take(ReportStatus::parse_opt(status)).flatten();
    let kind = c.take(ReportKind::parse_opt(kind)).flatten();
    let area = if area.trim().is_empty() {
        None
    } else {
        c.take(AreaId::parse(area).map_err(|_| {
            Invalid::field(
                "area",
                format!("mã địa bàn \"{}\" không hợp lệ", area.trim()),
            )
        }))
    };
    c.finish()?;
    Ok(ReportFilter {
        status,
        kind,
        area,
        q: q.trim().to_owned(),
    })
}

/// Reports within your area (their commune or the unit they were assigned to): open urgent
/// ones first, then the newest. A search is audited.
#[utoipa::path(get, path = "/api/v1/hotline/reports", tag = "hotline", params(ReportQuery),
    responses((status = 200, body = ReportPage), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<ReportPage>, ApiError> {
    require(&u, Permission::HandleHotline)?;
    let f = report_filter(
        q.status.as_deref().unwrap_or(""),
        q.kind.as_deref().unwrap_or(""),
        q.area.as_deref().unwrap_or(""),
        q.q.as_deref().unwrap_or(""),
    )?;
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .reports(
            &u.scope(Permission::HandleHotline),
            &u.who(),
            &f,
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(ReportPage {
        items: page.items.into_iter().map(Report::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// A phone call taken by an operator.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewCallReport {
    pub kind: String,
    /// The commune (ward) or village, within your area.
    pub area_id: String,
    pub reporter_name: String,
    /// May be empty (number withheld).
    pub reporter_phone: String,
    pub subject_name: String,
    pub subject_phone: String,
    pub place_detail: String,
    pub description: String,
    /// `normal` or `urgent`; empty: urgent for suspects and illegal entrants.
    pub priority: String,
}

/// Record a phone call to the hotline.
#[utoipa::path(post, path = "/api/v1/hotline/reports", tag = "hotline", request_body = NewCallReport,
    responses((status = 201, body = Report), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewCallReport>,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    require(&u, Permission::HandleHotline)?;
    let input = ReportInput::parse(
        &ReportDraft {
            kind: b.kind,
            area_id: b.area_id,
            reporter_name: b.reporter_name,
            reporter_phone: b.reporter_phone,
            subject_name: b.subject_name,
            subject_phone: b.subject_phone,
            place_detail: b.place_detail,
            description: b.description,
            priority: b.priority,
        },
        Channel::Phone,
    )?;
    let scope = u.scope(Permission::HandleHotline);
    let done = s
        .store
        .submit_report(&u.who(), &input, None, Some(&scope))
        .await
        .map_err(|e| area_error_as(e, "area_id"))?;
    Ok((
        StatusCode::CREATED,
        Json(s.store.report_row(&scope, done.id).await?.into()),
    ))
}

/// The store names the place `area_id`; a form may call it otherwise.
pub fn area_error_as(e: chongdich_store::StoreError, field: &str) -> chongdich_store::StoreError {
    match e {
        chongdich_store::StoreError::Invalid(Invalid(errors)) => Invalid(
            errors
                .into_iter()
                .map(|mut f| {
                    if f.field == "area_id" {
                        f.field = field.to_owned();
                    }
                    f
                })
                .collect(),
        )
        .into(),
        other => other,
    }
}

/// One report; the read is audited.
#[utoipa::path(get, path = "/api/v1/hotline/reports/{id}", tag = "hotline", params(("id" = i64, Path)),
    responses((status = 200, body = Report), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Report>, ApiError> {
    require(&u, Permission::HandleHotline)?;
    Ok(Json(
        s.store
            .report(&u.scope(Permission::HandleHotline), &u.who(), id)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TriageBody {
    pub kind: String,
    /// `normal` or `urgent`.
    pub priority: String,
    /// `triaged` (default) or `new`.
    pub status: String,
}

/// Triage a report: what it is really about, how urgent.
#[utoipa::path(post, path = "/api/v1/hotline/reports/{id}/triage", tag = "hotline",
    params(("id" = i64, Path)), request_body = TriageBody,
    responses((status = 200, body = Report), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn triage(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TriageBody>,
) -> Result<Json<Report>, ApiError> {
    require(&u, Permission::HandleHotline)?;
    let d = TriageDraft {
        kind: b.kind,
        priority: b.priority,
        status: b.status,
    };
    Ok(Json(
        s.store
            .triage_report(&u.scope(Permission::HandleHotline), &u.who(), id, &d)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AssignBody {
    /// The commune (or any unit within your area) that will handle it.
    pub area_id: Option<String>,
    /// The agency that will handle it (its unit is assigned too when no area is given).
    pub agency_id: Option<i64>,
}

/// Assign a report to a commune and/or an agency.
#[utoipa::path(post, path = "/api/v1/hotline/reports/{id}/assign", tag = "hotline",
    params(("id" = i64, Path)), request_body = AssignBody,
    responses((status = 200, body = Report), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn assign(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AssignBody>,
) -> Result<Json<Report>, ApiError> {
    require(&u, Permission::HandleHotline)?;
    let d = AssignDraft {
        area_id: b.area_id.unwrap_or_default(),
        agency_id: b.agency_id.map(|a| a.to_string()).unwrap_or_default(),
    };
    Ok(Json(
        s.store
            .assign_report(&u.scope(Permission::HandleHotline), &u.who(), id, &d)
            .await?
            .into(),
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CloseBody {
    /// What was done, or (with `reject`) why nothing will be.
    pub outcome: String,
    /// Reject the report (false, duplicate, not for us) instead of closing it.
    pub reject: bool,
}

/// Close a report with its outcome, or reject it.
#[utoipa::path(post, path = "/api/v1/hotline/reports/{id}/close", tag = "hotline",
    params(("id" = i64, Path)), request_body = CloseBody,
    responses((status = 200, body = Report), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn close(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Json<Report>, ApiError> {
    require(&u, Permission::HandleHotline)?;
    let d = CloseDraft {
        outcome: b.outcome,
        reject: b.reject,
    };
    Ok(Json(
        s.store
            .close_report(&u.scope(Permission::HandleHotline), &u.who(), id, &d)
            .await?
            .into(),
    ))
}

/// Turn a report about a person into a suspected case or a returnee record.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConvertBody {
    /// `suspect` or `returnee`.
    #[serde(default)]
    pub to: String,
    /// A person already registered; otherwise one is made from `person` (name and phone
    /// default to the reported person's, the place to the report's commune).
    #[serde(default)]
    pub person_id: Option<i64>,
    #[serde(default)]
    pub person: Option<PersonDraftSchema>,
    /// Make a new person even though records that may be the same exist.
    #[serde(default)]
    pub confirm_new: bool,
    /// For a suspect: the disease code (default: the only disease, when there is one).
    #[serde(default)]
    pub disease: String,
    /// For a returnee: where from (province, city, country).
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub origin_area_id: String,
    /// For a returnee: dd/mm/yyyy or yyyy-mm-dd.
    #[serde(default)]
    pub arrived_on: String,
    #[serde(default)]
    pub transport: String,
}

/// What the page and the API ask to convert, parsed against the report.
pub struct ConvertRequest {
    pub person: ConvertPerson,
    pub to: ConvertTo,
}

/// Parses a conversion: the person (defaults from the report) and the target.
pub async fn convert_request(
    s: &AppState,
    report: &ReportRow,
    b: &ConvertBody,
) -> Result<ConvertRequest, ApiError> {
    let today = s.clock.today();
    let mut c = chongdich_domain::error::Collector::new();
    let target = c.take(ConvertTarget::parse(&b.to));
    // A report already linked to a person stays with that person.
    let person = match b.person_id.or(report.person_id) {
        Some(id) => Some(ConvertPerson::Existing(id)),
        None => {
            let given = b.person.as_ref().map(PersonDraftSchema::draft);
            let mut d = given.unwrap_or_default();
            if d.full_name.trim().is_empty() {
                d.full_name = report.subject_name.clone();
            }
            if d.phone.trim().is_empty() {
                d.phone = report.subject_phone.clone();
            }
            if d.area_id.trim().is_empty() {
                d.area_id = report.area_id.clone().unwrap_or_default();
            }
            if d.street.trim().is_empty() {
                d.street = report.place_detail.chars().take(200).collect();
            }
            c.take(d.parse(today)).map(|input| ConvertPerson::New {
                input: Box::new(input),
                confirm_new: b.confirm_new,
            })
        }
    };
    let to = match target {
        Some(ConvertTarget::Suspect) => {
            let disease = if b.disease.trim().is_empty() {
                let all = s.store.diseases().await?;
                match all.as_slice() {
                    [only] => only.code.clone(),
                    _ => String::new(),
                }
            } else {
                b.disease.clone()
            };
            c.take(
                CaseDraft {
                    disease,
                    classification: "suspected".into(),
                    illegal_entry: report.kind() == ReportKind::IllegalEntrant,
                    notes: format!("Từ phản ánh {}", report.reference()),
                    ..Default::default()
                }
                .parse(today),
            )
            .map(|case| ConvertTo::Suspect(Box::new(case)))
        }
        Some(ConvertTarget::Returnee) => c
            .take(
                ReturneeDraft {
                    origin: b.origin.clone(),
                    origin_area_id: b.origin_area_id.clone(),
                    arrived_on: b.arrived_on.clone(),
                    transport: b.transport.clone(),
                }
                .parse(today),
            )
            .map(ConvertTo::Returnee),
        None => None,
    };
    c.finish()?;
    match (person, to) {
        (Some(person), Some(to)) => Ok(ConvertRequest { person, to }),
        _ => Err(Invalid::field("to", "thiếu thông tin chuyển hồ sơ").into()),
    }
}

/// Checks that the user may convert reports (handle the hotline and register people).
pub fn require_convert(u: &Authed) -> Result<(), ApiError> {
    require(u, Permission::HandleHotline)?;
    require(u, Permission::EditSurveillance)
}

/// Turn a report about a person into a suspected case (`to: suspect`) or a returnee record
/// (`to: returnee`), in one step: the person (new, or `person_id`), the case or returnee, and
/// the links on the report. 201 with the report when made; 200 when it had been made before
/// (nothing written); 409 with the candidates when the person may already be registered.
#[utoipa::path(post, path = "/api/v1/hotline/reports/{id}/convert", tag = "hotline",
    params(("id" = i64, Path)), request_body = ConvertBody,
    responses((status = 201, body = Report), (status = 200, body = Report),
        (status = 409, body = Candidates), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn convert(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ConvertBody>,
) -> Result<Response, ApiError> {
    require_convert(&u)?;
    let scope = u.scope(Permission::HandleHotline);
    let report = s.store.report_row(&scope, id).await?;
    let req = convert_request(&s, &report, &b).await?;
    match s
        .store
        .convert_report(
            &scope,
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            id,
            &req.person,
            &req.to,
        )
        .await?
    {
        Converted::Done { report, created } => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, Json(Report::from(*report))).into_response())
        }
        Converted::Candidates(c) => Ok((
            StatusCode::CONFLICT,
            Json(Candidates {
                code: "possible_duplicates".into(),
                message: format!(
                    "có {} hồ sơ có thể trùng; gửi lại với person_id của người đó, hoặc với \
                     confirm_new = true",
                    c.len()
                ),
                candidates: c.into_iter().map(Person::from).collect(),
            }),
        )
            .into_response()),
    }
}
