//! `/api/v1/inspections…`: each level inspects the one below it — plans, records, findings
//! (a required correction becomes a task), cancellations.

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::error::Collector;
use chongdich_domain::inspection::{
    FindingDraft, InspectionStatus, PlanDraft, RecordDraft, parse_cancel_reason,
};
use chongdich_domain::task::TaskStatus;
use chongdich_domain::vocab::parse_date;
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::inspections::{FindingRow, InspectionFilter, InspectionRow};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(record))
        .routes(routes!(add_finding))
        .routes(routes!(cancel))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Inspection {
    pub id: i64,
    /// The inspected unit.
    pub area_id: String,
    pub area_name: String,
    /// The inspecting unit (the level directly above the inspected one).
    pub by_area_id: String,
    pub by_area_name: String,
    pub title: String,
    /// What is to be checked.
    pub scope_text: String,
    pub planned_on: NaiveDate,
    /// `planned`, `done` or `cancelled`.
    pub status: String,
    pub lead_agency_id: Option<i64>,
    pub lead_agency_name: Option<String>,
    /// The members of the inspection team.
    pub team: String,
    /// What was checked (the record); for a cancelled inspection, why it was cancelled.
    pub record: String,
    pub done_on: Option<NaiveDate>,
    pub finding_count: i64,
    pub correction_count: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl From<InspectionRow> for Inspection {
    fn from(r: InspectionRow) -> Self {
        Self {
            id: r.id,
            area_id: r.area_id,
            area_name: r.area_name,
            by_area_id: r.by_area_id,
            by_area_name: r.by_area_name,
            title: r.title,
            scope_text: r.scope_text,
            planned_on: r.planned_on,
            status: r.status,
            lead_agency_id: r.lead_agency_id,
            lead_agency_name: r.lead_agency_name,
            team: r.team,
            record: r.record,
            done_on: r.done_on,
            finding_count: r.finding_count,
            correction_count: r.correction_count,
            created_at: r.created_at,
            created_by: r.created_by,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Finding {
    pub id: i64,
    /// `finding`, `violation`, `correction`, `reward` or `discipline`.
    pub kind: String,
    /// Whom it is about.
    pub subject: String,
    pub text: String,
    /// The form of handling, reward or discipline, or the decision it rests on.
    pub decision: String,
    /// A correction's deadline.
    pub deadline: Option<NaiveDate>,
    /// The task a correction became (`/api/v1/tasks/{task_id}`).
    pub task_id: Option<i64>,
    /// The task's status as shown: `new`, `in_progress`, `done`, `overdue` or `escalated`.
    pub task_status: Option<String>,
    /// The agencies responsible for a correction.
    pub responsible: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl Finding {
    fn from_row(r: FindingRow, today: NaiveDate) -> Self {
        Self {
            task_status: r.task_status.as_deref().map(|s| {
                TaskStatus::parse(s)
                    .map(|st| st.effective(r.deadline, today).as_str().to_owned())
                    .unwrap_or_else(|_| s.to_owned())
            }),
            id: r.id,
            kind: r.kind,
            subject: r.subject,
            text: r.text,
            decision: r.decision,
            deadline: r.deadline,
            task_id: r.task_id,
            responsible: r.responsible,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionDetail {
    #[serde(flatten)]
    pub inspection: Inspection,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionPage {
    pub items: Vec<Inspection>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionQuery {
    /// Inspections made by this unit.
    pub by_area_id: Option<String>,
    /// Inspections of this unit or of any unit below it.
    pub area_id: Option<String>,
    /// `planned`, `done` or `cancelled`.
    pub status: Option<String>,
    /// From this day of inspection (done, else planned), dd/mm/yyyy or yyyy-mm-dd.
    pub from: Option<String>,
    /// To this day, included.
    pub to: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

fn area_param(c: &mut Collector, field: &str, v: Option<&str>) -> Option<AreaId> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    c.take(AreaId::parse(v).map_err(|e| {
        Invalid(
            e.0.into_iter()
                .map(|f| FieldError::new(field, f.message))
                .collect(),
        )
    }))
}

impl InspectionQuery {
    /// The filter, every bad parameter named.
    pub fn filter(&self) -> Result<InspectionFilter, Invalid> {
        let mut c = Collector::new();
        let by_area = area_param(&mut c, "by_area_id", self.by_area_id.as_deref());
        let area = area_param(&mut c, "area_id", self.area_id.as_deref());
        let status = c
            .take(InspectionStatus::parse_opt(
                self.status.as_deref().unwrap_or(""),
            ))
            .flatten();
        let from = c
            .take(parse_date("from", self.from.as_deref().unwrap_or("")))
            .flatten();
        let to = c
            .take(parse_date("to", self.to.as_deref().unwrap_or("")))
            .flatten();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            c.push("to", "ngày cuối trước ngày đầu");
        }
        c.finish()?;
        Ok(InspectionFilter {
            by_area,
            area,
            status,
            from,
            to,
        })
    }
}

/// Inspections within your area (made by your units or of them), the latest first.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", params(InspectionQuery),
    responses((status = 200, body = InspectionPage), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<InspectionQuery>,
) -> Result<Json<InspectionPage>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let filter = q.filter()?;
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .inspections(
            &u.scope(Permission::ViewDirectives),
            &filter,
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(InspectionPage {
        items: page.items.into_iter().map(Inspection::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInspection {
    /// The inspecting unit, within your area.
    pub by_area_id: String,
    /// The inspected unit: a direct child of the inspecting one (province → district,
    /// district → commune, commune → village; from 01/07/2025 province → commune).
    pub area_id: String,
    pub title: String,
    #[serde(default)]
    pub scope_text: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub planned_on: String,
    #[serde(default)]
    pub lead_agency_id: Option<i64>,
    #[serde(default)]
    pub team: String,
}

/// Plan an inspection of the level below.
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", request_body = NewInspection,
    responses((status = 201, body = Inspection), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewInspection>,
) -> Result<(StatusCode, Json<Inspection>), ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let input = PlanDraft {
        by_area_id: b.by_area_id,
        area_id: b.area_id,
        title: b.title,
        scope_text: b.scope_text,
        planned_on: b.planned_on,
        lead_agency_id: b.lead_agency_id.map(|i| i.to_string()).unwrap_or_default(),
        team: b.team,
    }
    .parse()?;
    let row = s
        .store
        .plan_inspection(&u.scope(Permission::ManageDirectives), &u.who(), &input)
        .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One inspection with its findings.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = InspectionDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<InspectionDetail>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let v = s
        .store
        .inspection(&u.scope(Permission::ViewDirectives), id)
        .await?;
    let today = s.clock.today();
    Ok(Json(InspectionDetail {
        inspection: v.inspection.into(),
        findings: v
            .findings
            .into_iter()
            .map(|f| Finding::from_row(f, today))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordBody {
    /// The day the inspection took place (not in the future).
    pub done_on: String,
    /// What was checked and how (the record).
    pub record: String,
}

/// Record the result of an inspection (it becomes done); a done inspection's record may be
/// amended. Only the inspecting unit writes it.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/record", tag = "inspections", params(("id" = i64, Path)),
    request_body = RecordBody,
    responses((status = 200, body = Inspection), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn record(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RecordBody>,
) -> Result<Json<Inspection>, ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let scope = u.scope(Permission::ManageDirectives);
    s.store.inspection_for_write(&scope, id).await?;
    let input = RecordDraft {
        done_on: b.done_on,
        record: b.record,
    }
    .parse(s.clock.today())?;
    Ok(Json(
        s.store
            .record_inspection(&scope, &u.who(), id, &input)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFinding {
    /// `finding`, `violation`, `correction`, `reward` or `discipline`.
    pub kind: String,
    /// Whom it is about: required for a violation, a reward or a discipline.
    #[serde(default)]
    pub subject: String,
    pub text: String,
    /// The form of handling, reward or discipline (required for the last two).
    #[serde(default)]
    pub decision: String,
    /// A correction's deadline (required for a correction, not before the inspection day).
    #[serde(default)]
    pub deadline: String,
    /// A correction's responsible agency (a registered one) …
    #[serde(default)]
    pub agency_id: Option<i64>,
    /// … and/or agencies by name, separated by ";".
    #[serde(default)]
    pub agency_name: String,
}

/// Add a finding to a done inspection. A correction becomes a task of the inspected unit, led
/// by the responsible agency and due on the deadline, in the same transaction.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/findings", tag = "inspections", params(("id" = i64, Path)),
    request_body = NewFinding,
    responses((status = 201, body = Finding), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_finding(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewFinding>,
) -> Result<(StatusCode, Json<Finding>), ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let scope = u.scope(Permission::ManageDirectives);
    let row = s.store.inspection_for_write(&scope, id).await?;
    let input = FindingDraft {
        kind: b.kind,
        subject: b.subject,
        text: b.text,
        decision: b.decision,
        deadline: b.deadline,
        agency_id: b.agency_id.map(|i| i.to_string()).unwrap_or_default(),
        agency_name: b.agency_name,
    }
    .parse(row.inspected_on())?;
    let f = s.store.add_finding(&scope, &u.who(), id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(Finding::from_row(f, s.clock.today())),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CancelBody {
    /// Why the inspection will not take place.
    pub reason: String,
}

/// Cancel a planned inspection.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/cancel", tag = "inspections", params(("id" = i64, Path)),
    request_body = CancelBody,
    responses((status = 200, body = Inspection), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn cancel(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CancelBody>,
) -> Result<Json<Inspection>, ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let scope = u.scope(Permission::ManageDirectives);
    s.store.inspection_for_write(&scope, id).await?;
    let reason = parse_cancel_reason(&b.reason)?;
    Ok(Json(
        s.store
            .cancel_inspection(&scope, &u.who(), id, &reason)
            .await?
            .into(),
    ))
}
