//! `/api/v1/tasks…`: tasks with their agencies, deadlines and status; progress reports and
//! attachments; escalation; the overdue summary; and the reminder outbox that an e-mail or
//! SMS gateway drains (`/api/v1/notifications`).

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::task::{NamedAgency, TaskInput, TaskSource, TaskStatus};
use chongdich_domain::vocab::parse_date;
use chongdich_store::tasks::{
    NewAttachment, NewReport, NewTask, NotificationRow, TaskFilter, TaskItem, TaskView,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create))
        .routes(routes!(overdue))
        .routes(routes!(get_one))
        .routes(routes!(add_report))
        .routes(routes!(escalate))
        .routes(routes!(download_attachment))
        .routes(routes!(notifications))
        .routes(routes!(notification_sent))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(upload_attachment))
                .layer(DefaultBodyLimit::disable()),
        )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskAgency {
    /// lead or support.
    pub role: String,
    /// The registered agency, or null for a name as written (a group).
    pub agency_id: Option<i64>,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    pub id: i64,
    pub title: String,
    pub area_id: String,
    pub area_name: String,
    pub deadline: Option<NaiveDate>,
    /// new, in_progress, done, overdue (open and past its deadline), escalated.
    pub status: String,
    /// 0–100.
    pub progress: i32,
    /// directive, manual, inspection.
    pub source: String,
    pub document_id: Option<i64>,
    /// The item of the document ("9.1").
    pub item_path: Option<String>,
    pub agencies: Vec<TaskAgency>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    pub fn new(t: &TaskItem, today: NaiveDate) -> Self {
        Self {
            id: t.task.id,
            title: t.task.title.clone(),
            area_id: t.task.area_id.clone(),
            area_name: t.task.area_name.clone(),
            deadline: t.task.deadline,
            status: t.task.effective(today).as_str().to_owned(),
            progress: t.task.progress,
            source: t.task.source.clone(),
            document_id: t.task.document_id,
            item_path: t.task.item_path.clone(),
            agencies: t
                .agencies
                .iter()
                .map(|a| TaskAgency {
                    role: a.role.clone(),
                    agency_id: a.agency_id,
                    name: a.name.clone(),
                })
                .collect(),
            updated_at: t.task.updated_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub items: Vec<Task>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    /// Tasks naming this agency (lead or support).
    pub agency: Option<i64>,
    /// Tasks naming an agency you are a member of.
    pub mine: Option<bool>,
    /// The area and below.
    pub area: Option<String>,
    /// new, in_progress, done, overdue, escalated.
    pub status: Option<String>,
    /// Open, due within 3 days.
    pub due_soon: Option<bool>,
    pub document: Option<i64>,
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Tasks within your area: nearest deadline first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", params(TaskQuery),
    responses((status = 200, body = TaskPage), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> Result<Json<TaskPage>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let area = match q.area.as_deref().filter(|a| !a.trim().is_empty()) {
        Some(a) => {
            Some(AreaId::parse(a).map_err(|_| Invalid::field("area", "mã địa bàn không hợp lệ"))?)
        }
        None => None,
    };
    let agencies = if q.mine.unwrap_or(false) {
        Some(
            s.store
                .agencies_of_user(u.user_id)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
        )
    } else {
        None
    };
    let filter = TaskFilter {
        agency_id: q.agency,
        agencies,
        area,
        status: TaskStatus::parse_opt(q.status.as_deref().unwrap_or_default())?,
        due_soon: q.due_soon.unwrap_or(false),
        document_id: q.document,
        q: q.q.filter(|t| !t.trim().is_empty()),
    };
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .tasks(
            &u.scope(Permission::ViewDirectives),
            &filter,
            p.limit(),
            p.offset(),
        )
        .await?;
    let today = s.clock.today();
    Ok(Json(TaskPage {
        items: page.items.iter().map(|t| Task::new(t, today)).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AgencyRef {
    /// A registered agency …
    #[serde(default)]
    pub agency_id: Option<i64>,
    /// … or a name as written.
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTaskBody {
    pub area_id: String,
    pub title: String,
    /// yyyy-mm-dd or dd/mm/yyyy.
    #[serde(default)]
    pub deadline: Option<String>,
    pub lead: Vec<AgencyRef>,
    #[serde(default)]
    pub support: Vec<AgencyRef>,
}

fn named(list: Vec<AgencyRef>) -> Vec<NamedAgency> {
    list.into_iter()
        .map(|a| NamedAgency {
            agency_id: a.agency_id,
            name: a.name.unwrap_or_default(),
        })
        .collect()
}

/// Assign a task by hand.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = NewTaskBody,
    responses((status = 201, body = TaskDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewTaskBody>,
) -> Result<(StatusCode, Json<TaskDetail>), ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let area = AreaId::parse(&b.area_id)
        .map_err(|_| Invalid::field("area_id", "mã địa bàn không hợp lệ"))?;
    let deadline = parse_date("deadline", b.deadline.as_deref().unwrap_or_default())?;
    let task = NewTask {
        area,
        input: TaskInput {
            title: b.title,
            deadline,
            lead: named(b.lead),
            support: named(b.support),
        },
        source: TaskSource::Manual,
        document_id: None,
        item_path: None,
    };
    let v = s
        .store
        .create_task(&u.scope(Permission::ManageDirectives), &u.who(), &task)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TaskDetail::new(v, s.clock.today())),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: i64,
    pub body: String,
    pub progress: Option<i32>,
    pub status: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: Task,
    pub reports: Vec<Report>,
    /// The committee it was escalated to.
    pub escalated_to: Option<String>,
    pub escalation_reason: Option<String>,
}

impl TaskDetail {
    fn new(v: TaskView, today: NaiveDate) -> Self {
        let item = TaskItem {
            task: v.task,
            agencies: v.agencies,
        };
        Self {
            task: Task::new(&item, today),
            reports: v
                .reports
                .into_iter()
                .map(|r| Report {
                    id: r.report.id,
                    body: r.report.body,
                    progress: r.report.progress,
                    status: r.report.status,
                    created_at: r.report.created_at,
                    created_by: r.report.created_by,
                    attachments: r
                        .attachments
                        .into_iter()
                        .map(|a| Attachment {
                            id: a.id,
                            file_name: a.file_name,
                            content_type: a.content_type,
                            size: a.size,
                        })
                        .collect(),
                })
                .collect(),
            escalated_to: v.escalated_to_name,
            escalation_reason: v.escalation_reason,
        }
    }
}

/// One task with its agencies and progress reports.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 200, body = TaskDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<TaskDetail>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let v = s
        .store
        .task(&u.scope(Permission::ViewDirectives), id)
        .await?;
    Ok(Json(TaskDetail::new(v, s.clock.today())))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReportBody {
    #[serde(default)]
    pub body: String,
    /// 0–100.
    #[serde(default)]
    pub progress: Option<i32>,
    /// new, in_progress or done.
    #[serde(default)]
    pub status: Option<String>,
}

/// Report progress (attach files to the report afterwards with
/// `POST /api/v1/tasks/{id}/reports/{report_id}/attachments`).
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reports", tag = "tasks", params(("id" = i64, Path)),
    request_body = ReportBody,
    responses((status = 201, body = TaskDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_report(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReportBody>,
) -> Result<(StatusCode, Json<TaskDetail>), ApiError> {
    require(&u, Permission::ReportTasks)?;
    let status = match b.status.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(st) => Some(TaskStatus::parse_reported(st)?),
        None => None,
    };
    let v = s
        .store
        .report_task(
            &u.scope(Permission::ReportTasks),
            &u.who(),
            id,
            NewReport {
                body: b.body,
                progress: b.progress,
                status,
                attachments: Vec::new(),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TaskDetail::new(v, s.clock.today())),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachmentQuery {
    /// The file's name (with its extension).
    pub file_name: String,
}

/// Attach a file (the request body, up to 10 MB) to a progress report.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reports/{report_id}/attachments", tag = "tasks",
    params(("id" = i64, Path), ("report_id" = i64, Path), AttachmentQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = TaskDetail), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn upload_attachment(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((id, report_id)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<AttachmentQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<TaskDetail>), ApiError> {
    require(&u, Permission::ReportTasks)?;
    let limit = chongdich_store::tasks::MAX_ATTACHMENT;
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| crate::extract::body_error(StatusCode::PAYLOAD_TOO_LARGE))?;
    if bytes.is_empty() {
        return Err(Invalid::field("file", "tệp rỗng").into());
    }
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && *v != "application/octet-stream")
        .map(str::to_owned)
        .unwrap_or_else(|| crate::views::tasks::content_type_of(&q.file_name).to_owned());
    let v = s
        .store
        .attach_to_report(
            &u.scope(Permission::ReportTasks),
            &u.who(),
            id,
            report_id,
            NewAttachment {
                file_name: q.file_name,
                content_type,
                data: bytes.to_vec(),
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TaskDetail::new(v, s.clock.today())),
    ))
}

/// An attached file.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/attachments/{attachment_id}", tag = "tasks",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn download_attachment(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let (name, ctype, data) = s
        .store
        .task_attachment(&u.scope(Permission::ViewDirectives), id, aid)
        .await?;
    Ok(crate::views::tasks::download(&name, &ctype, data))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EscalateBody {
    pub reason: String,
}

/// Send a task beyond this level's authority to the Steering Committee of the level above.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/escalate", tag = "tasks", params(("id" = i64, Path)),
    request_body = EscalateBody,
    responses((status = 200, body = TaskDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn escalate(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EscalateBody>,
) -> Result<Json<TaskDetail>, ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let v = s
        .store
        .escalate_task(
            &u.scope(Permission::ManageDirectives),
            &u.who(),
            id,
            &b.reason,
        )
        .await?;
    Ok(Json(TaskDetail::new(v, s.clock.today())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Count {
    /// The agency's id or the area's id (null for an agency named without a record).
    pub key: Option<String>,
    pub name: String,
    pub overdue: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueSummary {
    pub total: i64,
    pub by_agency: Vec<Count>,
    pub by_area: Vec<Count>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverdueQuery {
    pub area: Option<String>,
}

/// Overdue tasks within your area, counted by lead agency and by area.
#[utoipa::path(get, path = "/api/v1/tasks/overdue", tag = "tasks", params(OverdueQuery),
    responses((status = 200, body = OverdueSummary)),
    security(("token" = []), ("session" = [])))]
pub async fn overdue(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<OverdueQuery>,
) -> Result<Json<OverdueSummary>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let area = match q.area.as_deref().filter(|a| !a.trim().is_empty()) {
        Some(a) => {
            Some(AreaId::parse(a).map_err(|_| Invalid::field("area", "mã địa bàn không hợp lệ"))?)
        }
        None => None,
    };
    let sm = s
        .store
        .overdue_summary(&u.scope(Permission::ViewDirectives), area.as_ref())
        .await?;
    let counts = |v: Vec<chongdich_store::tasks::CountRow>| {
        v.into_iter()
            .map(|c| Count {
                key: c.key,
                name: c.name,
                overdue: c.n,
            })
            .collect()
    };
    Ok(Json(OverdueSummary {
        total: sm.total,
        by_agency: counts(sm.by_agency),
        by_area: counts(sm.by_area),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// sms (e-mail later).
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub task_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<NotificationRow> for Notification {
    fn from(n: NotificationRow) -> Self {
        Self {
            id: n.id,
            channel: n.channel,
            recipient: n.recipient,
            subject: n.subject,
            body: n.body,
            task_id: n.task_id,
            created_at: n.created_at,
            sent_at: n.sent_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Only those not yet marked sent (default true).
    pub unsent: Option<bool>,
    pub limit: Option<u64>,
}

/// The reminder outbox for an SMS or e-mail gateway: reminders of tasks due within 3 days or
/// overdue, one per lead agency member with a phone (administrators of the whole country,
/// i.e. the server's operator).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "tasks", params(OutboxQuery),
    responses((status = 200, body = Vec<Notification>), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn notifications(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> Result<Json<Vec<Notification>>, ApiError> {
    require_operator(&u)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    Ok(Json(
        s.store
            .notifications(q.unsent.unwrap_or(true), limit)
            .await?
            .into_iter()
            .map(Notification::from)
            .collect(),
    ))
}

/// Mark a notification delivered.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/sent", tag = "tasks", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn notification_sent(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    require_operator(&u)?;
    s.store.mark_notification_sent(id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The outbox holds phone numbers of every province: only an administrator of the whole
/// country (the server's operator, or the gateway's token) drains it.
fn require_operator(u: &crate::auth::Authed) -> Result<(), ApiError> {
    if u.scope(Permission::ManageUsers).is_everywhere() {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "chỉ quản trị hệ thống toàn quốc (cổng gửi tin nhắn) được đọc hộp thư đi",
        ))
    }
}
