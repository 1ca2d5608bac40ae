//! Tasks' pages: the list (all, my agencies', an agency's, overdue, due soon) with reminders on
//! screen, the committee's overdue view by agency and by area, a task with its reports and
//! attachments, the report and escalation forms, and the form to assign a task by hand.

use super::agencies::{AreaOption, area_options};
use super::areas::Pager;
use super::directives::urlencoding;
use super::outbreaks::{Choice, found, iso, require};
use super::{
    FormErrors, Layout, Submitted, render, render_status, see_other, vn_date, vn_datetime,
};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use crate::excel::{Cell, ListSheet, failed};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::task::{
    NamedAgency, TaskInput, TaskSource, TaskStatus, due_soon, split_agency_list,
};
use chongdich_domain::vocab::parse_date;
use chongdich_store::StoreError;
use chongdich_store::tasks::{NewAttachment, NewReport, NewTask, TaskFilter, TaskItem};
use chrono::NaiveDate;
use serde::Deserialize;

const PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tasks", get(list))
        .route("/tasks/export.xlsx", get(export))
        .route("/tasks/new", get(new_page).post(create))
        .route("/tasks/overdue", get(overdue))
        .route("/tasks/{id}", get(detail))
        .route(
            "/tasks/{id}/reports",
            post(report).layer(DefaultBodyLimit::disable()),
        )
        .route("/tasks/{id}/escalate", post(escalate))
        .route("/tasks/{id}/attachments/{aid}", get(attachment))
}

/// A task as a line of a list.
pub struct TaskLine {
    pub id: i64,
    pub title: String,
    pub path: String,
    pub area_id: String,
    pub area_name: String,
    pub lead: Vec<AgencyLink>,
    pub support: Vec<AgencyLink>,
    pub deadline: String,
    pub status: String,
    pub status_label: String,
    pub progress: i32,
    pub due_soon: bool,
    pub document_id: Option<i64>,
}

pub struct AgencyLink {
    pub id: Option<i64>,
    pub name: String,
}

impl TaskLine {
    pub fn new(t: &TaskItem, today: NaiveDate) -> Self {
        let status = t.task.effective(today);
        let links = |role: &str| {
            t.agencies
                .iter()
                .filter(|a| a.role == role)
                .map(|a| AgencyLink {
                    id: a.agency_id,
                    name: a.name.clone(),
                })
                .collect()
        };
        Self {
            id: t.task.id,
            title: t.task.title.clone(),
            path: t.task.item_path.clone().unwrap_or_default(),
            area_id: t.task.area_id.clone(),
            area_name: t.task.area_name.clone(),
            lead: links("lead"),
            support: links("support"),
            deadline: t.task.deadline.as_ref().map(vn_date).unwrap_or_default(),
            status: status.as_str().to_owned(),
            status_label: status.label().to_owned(),
            progress: t.task.progress,
            due_soon: due_soon(status, t.task.deadline, today),
            document_id: t.task.document_id,
        }
    }
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct ListQuery {
    /// all | mine | mine_due_soon | overdue | due_soon
    view: Option<String>,
    agency: Option<i64>,
    area: Option<String>,
    status: Option<String>,
    q: Option<String>,
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct ListPage {
    l: Layout,
    view: String,
    heading: String,
    q: String,
    status: String,
    area: String,
    agency: Option<i64>,
    statuses: Vec<Choice>,
    tasks: Vec<TaskLine>,
    pager: Pager,
    has_own: bool,
    own_due: i64,
    own_overdue: i64,
    can_manage: bool,
    export_href: String,
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let scope = u.scope(Permission::ViewDirectives);
    let own: Vec<i64> = s
        .store
        .agencies_of_user(u.user_id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let (view, filter, heading) = filter_of(&s, &u, &q, &own).await?;
    let page = q.page.unwrap_or(1).max(1);
    let p = s
        .store
        .tasks(&scope, &filter, PER_PAGE, (page - 1) * PER_PAGE)
        .await?;
    // Reminders on screen: the user's agencies' tasks due soon and overdue.
    let (own_due, own_overdue) = if own.is_empty() {
        (0, 0)
    } else {
        let count = |f: TaskFilter| {
            let s = s.clone();
            let scope = scope.clone();
            async move { s.store.tasks(&scope, &f, 1, 0).await.map(|p| p.total) }
        };
        (
            count(TaskFilter {
                agencies: Some(own.clone()),
                due_soon: true,
                ..TaskFilter::default()
            })
            .await?,
            count(TaskFilter {
                agencies: Some(own.clone()),
                status: Some(TaskStatus::Overdue),
                ..TaskFilter::default()
            })
            .await?,
        )
    };
    let today = s.clock.today();
    let link = {
        let q = q.clone();
        let view = view.clone();
        move |n: u64| {
            format!(
                "/tasks?view={}&agency={}&area={}&status={}&q={}&page={n}",
                view,
                q.agency.map(|a| a.to_string()).unwrap_or_default(),
                urlencoding(q.area.as_deref().unwrap_or_default()),
                urlencoding(q.status.as_deref().unwrap_or_default()),
                urlencoding(q.q.as_deref().unwrap_or_default()),
            )
        }
    };
    let export_href = link(1).replacen("/tasks?", "/tasks/export.xlsx?", 1);
    render(&ListPage {
        l: Layout::for_user(&u, heading.clone(), "tasks"),
        export_href,
        pager: Pager::new(p.total, page, PER_PAGE, link),
        tasks: p.items.iter().map(|t| TaskLine::new(t, today)).collect(),
        heading,
        view,
        q: q.q.unwrap_or_default(),
        status: q.status.unwrap_or_default(),
        area: q.area.unwrap_or_default(),
        agency: q.agency,
        statuses: TaskStatus::ALL
            .iter()
            .map(|st| Choice::new(st.as_str(), st.label()))
            .collect(),
        has_own: !own.is_empty(),
        own_due,
        own_overdue,
        can_manage: u.can(Permission::ManageDirectives),
    })
}

/// The list a query asks for: its view (mine, all, overdue, due soon), filter and heading.
async fn filter_of(
    s: &AppState,
    u: &Authed,
    q: &ListQuery,
    own: &[i64],
) -> Result<(String, TaskFilter, String), PageError> {
    let view = q.view.clone().unwrap_or_else(|| {
        if q.agency.is_none() && !own.is_empty() {
            "mine".into()
        } else {
            "all".into()
        }
    });
    let mut filter = TaskFilter {
        agency_id: q.agency,
        area: q
            .area
            .as_deref()
            .filter(|a| !a.is_empty())
            .and_then(|a| AreaId::parse(a).ok()),
        status: q
            .status
            .as_deref()
            .and_then(|st| TaskStatus::parse_opt(st).ok().flatten()),
        q: q.q.clone().filter(|t| !t.trim().is_empty()),
        ..TaskFilter::default()
    };
    let mut heading = "Nhiệm vụ".to_owned();
    match view.as_str() {
        "mine" if q.agency.is_none() => {
            filter.agencies = Some(own.to_vec());
            heading = "Nhiệm vụ của đơn vị tôi".into();
        }
        // What the reminder on screen counts.
        "mine_due_soon" if q.agency.is_none() => {
            filter.agencies = Some(own.to_vec());
            filter.due_soon = true;
            heading = "Nhiệm vụ của đơn vị tôi sắp đến hạn".into();
        }
        "overdue" => {
            filter.status = Some(TaskStatus::Overdue);
            heading = "Nhiệm vụ quá hạn".into();
        }
        "due_soon" => {
            filter.due_soon = true;
            heading = "Nhiệm vụ sắp đến hạn".into();
        }
        _ => {}
    }
    if let Some(a) = q.agency {
        let agency = found(s.store.agency(&u.scope(Permission::ViewAreas), a).await)?;
        heading = format!("Nhiệm vụ của {}", agency.agency.name);
    }
    Ok((view, filter, heading))
}

/// The list as filtered on screen, as an Excel workbook (at most 100,000 tasks).
pub async fn export(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let scope = u.scope(Permission::ViewDirectives);
    let own: Vec<i64> = s
        .store
        .agencies_of_user(u.user_id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let (_, filter, heading) = filter_of(&s, &u, &q, &own).await?;
    let today = s.clock.today();
    let mut sheet = ListSheet::new(
        "Nhiệm vụ",
        &[
            "Số",
            "Nội dung",
            "Chủ trì",
            "Phối hợp",
            "Địa bàn",
            "Hạn",
            "Trạng thái",
            "Tiến độ (%)",
            "Văn bản",
            "Mục",
        ],
        &[(1, 60.0), (2, 30.0), (3, 30.0)],
    )
    .map_err(failed)?;
    let chunk = 5_000u64;
    let mut offset = 0u64;
    while offset < 100_000 {
        let page = s.store.tasks(&scope, &filter, chunk, offset).await?;
        for t in &page.items {
            let line = TaskLine::new(t, today);
            let names = |l: &[AgencyLink]| {
                l.iter()
                    .map(|a| a.name.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            sheet
                .row(&[
                    Cell::Number(line.id as f64),
                    Cell::Text(&line.title),
                    Cell::Text(&names(&line.lead)),
                    Cell::Text(&names(&line.support)),
                    Cell::Text(&line.area_name),
                    Cell::Text(&line.deadline),
                    Cell::Text(&line.status_label),
                    Cell::Number(f64::from(line.progress)),
                    line.document_id
                        .map_or(Cell::Empty, |d| Cell::Number(d as f64)),
                    Cell::Text(&line.path),
                ])
                .map_err(failed)?;
        }
        if (page.items.len() as u64) < chunk {
            break;
        }
        offset += chunk;
    }
    sheet
        .download(&s, &u.who(), "task", &heading, "nhiem-vu")
        .await
}

pub struct CountLine {
    pub href: Option<String>,
    pub name: String,
    pub n: i64,
}

#[derive(Template)]
#[template(path = "tasks_overdue.html")]
struct OverduePage {
    l: Layout,
    total: i64,
    by_agency: Vec<CountLine>,
    by_area: Vec<CountLine>,
    tasks: Vec<TaskLine>,
    today: String,
}

/// The committee's view: every overdue task within the scope, by agency and by area.
pub async fn overdue(
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let scope = u.scope(Permission::ViewDirectives);
    let summary = s.store.overdue_summary(&scope, None).await?;
    let list = s
        .store
        .tasks(
            &scope,
            &TaskFilter {
                status: Some(TaskStatus::Overdue),
                ..TaskFilter::default()
            },
            PER_PAGE,
            0,
        )
        .await?;
    let today = s.clock.today();
    render(&OverduePage {
        l: Layout::for_user(&u, "Nhiệm vụ quá hạn", "tasks"),
        total: summary.total,
        by_agency: summary
            .by_agency
            .into_iter()
            .map(|c| CountLine {
                href: c.key.map(|k| format!("/tasks?view=overdue&agency={k}")),
                name: c.name,
                n: c.n,
            })
            .collect(),
        by_area: summary
            .by_area
            .into_iter()
            .map(|c| CountLine {
                href: c
                    .key
                    .map(|k| format!("/tasks?view=overdue&area={}", urlencoding(&k))),
                name: c.name,
                n: c.n,
            })
            .collect(),
        tasks: list.items.iter().map(|t| TaskLine::new(t, today)).collect(),
        today: vn_date(&today),
    })
}

pub struct ReportLine {
    pub at: String,
    pub by: String,
    pub body: String,
    pub progress: Option<i32>,
    pub status: String,
    pub attachments: Vec<(i64, String, String)>,
}

#[derive(Default, Clone)]
pub struct ReportForm {
    pub body: String,
    pub progress: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct DetailPage {
    l: Layout,
    t: TaskLine,
    source: String,
    document: Option<(i64, String)>,
    inspection: Option<(i64, String)>,
    reports: Vec<ReportLine>,
    escalated_to: String,
    escalation_reason: String,
    can_report: bool,
    can_escalate: bool,
    statuses: Vec<Choice>,
    form: ReportForm,
    reason: String,
    errors: FormErrors,
}

/// What a form sent back to the task's page keeps: the report as typed, the escalation's
/// reason, and the field errors.
#[derive(Default)]
struct Again {
    form: ReportForm,
    reason: String,
    errors: FormErrors,
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    notice: Option<&str>,
    again: Again,
    status: StatusCode,
) -> Result<Response, PageError> {
    let Again {
        form,
        reason,
        errors,
    } = again;
    require(u, Permission::ViewDirectives)?;
    let v = found(s.store.task(&u.scope(Permission::ViewDirectives), id).await)?;
    let today = s.clock.today();
    let item = TaskItem {
        task: v.task.clone(),
        agencies: v.agencies.clone(),
    };
    let t = TaskLine::new(&item, today);
    let open = v.task.status != TaskStatus::Done.as_str();
    let inspection = if v.task.source == TaskSource::Inspection.as_str() {
        s.store
            .inspection_of_task(&u.scope(Permission::ViewDirectives), id)
            .await?
    } else {
        None
    };
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, format!("Nhiệm vụ #{id}"), "tasks").with_notice(notice),
            source: TaskSource::parse(&v.task.source)
                .map(|s| s.label().to_owned())
                .unwrap_or_default(),
            inspection,
            document: v.document.map(|d| {
                (
                    d.id,
                    format!(
                        "{} {}",
                        super::directives::kind_label(&d.kind),
                        d.number.unwrap_or_default()
                    ),
                )
            }),
            reports: v
                .reports
                .into_iter()
                .map(|r| ReportLine {
                    at: vn_datetime(&r.report.created_at),
                    by: r.report.created_by,
                    body: r.report.body,
                    progress: r.report.progress,
                    status: r
                        .report
                        .status
                        .as_deref()
                        .and_then(|st| TaskStatus::parse(st).ok())
                        .map(|st| st.label().to_owned())
                        .unwrap_or_default(),
                    attachments: r
                        .attachments
                        .into_iter()
                        .map(|a| (a.id, a.file_name, format_size(a.size)))
                        .collect(),
                })
                .collect(),
            escalated_to: v.escalated_to_name.unwrap_or_default(),
            escalation_reason: v.escalation_reason.unwrap_or_default(),
            can_report: u.can(Permission::ReportTasks),
            can_escalate: u.can(Permission::ManageDirectives)
                && open
                && v.task.status != TaskStatus::Escalated.as_str(),
            statuses: [TaskStatus::InProgress, TaskStatus::Done, TaskStatus::New]
                .iter()
                .map(|st| Choice::new(st.as_str(), st.label()))
                .collect(),
            t,
            form,
            reason,
            errors,
        },
    )
}

fn format_size(n: i64) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} B")
    }
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(n): Query<super::Notice>,
) -> Result<Response, PageError> {
    detail_page(
        &s,
        &u,
        id,
        n.msg.as_deref(),
        Again::default(),
        StatusCode::OK,
    )
    .await
}

/// A progress report from the form: text, percentage, status and one attached file.
pub async fn report(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    require(&u, Permission::ReportTasks)?;
    let upload = super::Upload::read(&s, &u, req).await?;
    let form = ReportForm {
        body: upload.text("body"),
        progress: upload.text("progress"),
        status: upload.text("status"),
    };
    let parsed = parse_report(&form, upload.file_name("file"), upload.file("file"));
    let errors = match parsed {
        Ok(r) => match s
            .store
            .report_task(&u.scope(Permission::ReportTasks), &u.who(), id, r)
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/tasks/{id}?msg=reported"))),
            Err(StoreError::Invalid(e)) => e.into(),
            Err(e) => return Err(page_error(e)),
        },
        Err(e) => e.into(),
    };
    detail_page(
        &s,
        &u,
        id,
        None,
        Again {
            form,
            errors,
            ..Again::default()
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The report of a form or of the API: progress a number from 0 to 100, a status that may
/// be reported, at most one file.
pub fn parse_report(form: &ReportForm, file_name: &str, file: &[u8]) -> Result<NewReport, Invalid> {
    let mut c = chongdich_domain::error::Collector::new();
    let progress = match form.progress.trim().trim_end_matches('%') {
        "" => None,
        p => c.take(
            p.parse::<i32>()
                .map_err(|_| Invalid::field("progress", "tiến độ là một số từ 0 đến 100 (%)")),
        ),
    };
    let status = match form.status.trim() {
        "" => None,
        st => c.take(TaskStatus::parse_reported(st)),
    };
    c.finish()?;
    let attachments = if file.is_empty() {
        Vec::new()
    } else {
        vec![NewAttachment {
            file_name: file_name.to_owned(),
            content_type: content_type_of(file_name).to_owned(),
            data: file.to_vec(),
        }]
    };
    NewReport {
        body: form.body.clone(),
        progress,
        status,
        attachments,
    }
    .check()
}

/// The content type an attachment is served with, from its extension; anything unknown is
/// served as a download.
pub fn content_type_of(file_name: &str) -> &'static str {
    let lower = file_name.to_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or_default();
    match ext {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "txt" => "text/plain; charset=utf-8",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        _ => "application/octet-stream",
    }
}

#[derive(Deserialize)]
pub struct EscalateForm {
    #[serde(default)]
    reason: String,
}

pub async fn escalate(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<EscalateForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageDirectives)?;
    let errors = match s
        .store
        .escalate_task(
            &u.scope(Permission::ManageDirectives),
            &u.who(),
            id,
            &sub.form.reason,
        )
        .await
    {
        Ok(_) => return Ok(see_other(&format!("/tasks/{id}?msg=escalated"))),
        Err(StoreError::Invalid(e)) => e.into(),
        Err(e) => return Err(page_error(e)),
    };
    detail_page(
        &s,
        u,
        id,
        None,
        Again {
            reason: sub.form.reason.clone(),
            errors,
            ..Again::default()
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// An attachment, always as a download (never rendered inline from our origin).
pub async fn attachment(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path((id, aid)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let (name, ctype, data) = found(
        s.store
            .task_attachment(&u.scope(Permission::ViewDirectives), id, aid)
            .await,
    )?;
    Ok(download(&name, &ctype, data))
}

/// Bytes served as a file download named `name`.
pub fn download(name: &str, ctype: &str, data: Vec<u8>) -> Response {
    let ascii: String = chongdich_domain::text::search_key(name)
        .replace(' ', "-")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("bin");
    let disposition = format!(
        "attachment; filename=\"{ascii}.{ext}\"; filename*=UTF-8''{}",
        urlencoding(name).replace('+', "%20")
    );
    (
        [
            (header::CONTENT_TYPE, ctype.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response()
}

#[derive(Default, Clone)]
pub struct NewTaskForm {
    pub area_id: String,
    pub title: String,
    pub lead: Vec<String>,
    pub lead_other: String,
    pub support: Vec<String>,
    pub support_other: String,
    pub deadline: String,
}

#[derive(Template)]
#[template(path = "task_new.html")]
struct NewPage {
    l: Layout,
    areas: Vec<AreaOption>,
    agencies: Vec<Choice>,
    f: NewTaskForm,
    errors: FormErrors,
}

async fn new_task_page(
    s: &AppState,
    u: &Authed,
    f: NewTaskForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ManageDirectives)?;
    let agencies = s
        .store
        .agencies(&u.scope(Permission::ManageDirectives), None, 1000, 0)
        .await?
        .items
        .into_iter()
        .map(|a| Choice::new(a.id.to_string(), format!("{} — {}", a.name, a.area_name)))
        .collect();
    let areas = area_options(s, u, Permission::ManageDirectives).await?;
    let f = if f.area_id.is_empty() {
        NewTaskForm {
            area_id: areas.first().map(|a| a.id.clone()).unwrap_or_default(),
            ..f
        }
    } else {
        f
    };
    render_status(
        status,
        &NewPage {
            l: Layout::for_user(u, "Giao nhiệm vụ", "tasks"),
            areas,
            agencies,
            f,
            errors,
        },
    )
}

pub async fn new_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    new_task_page(
        &s,
        &u,
        NewTaskForm {
            deadline: iso(s.clock.today() + chrono::Duration::days(7)),
            ..NewTaskForm::default()
        },
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn task_form(pairs: &[(String, String)]) -> NewTaskForm {
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let many = |k: &str| {
        pairs
            .iter()
            .filter(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    };
    NewTaskForm {
        area_id: one("area_id"),
        title: one("title"),
        lead: many("lead"),
        lead_other: one("lead_other"),
        support: many("support"),
        support_other: one("support_other"),
        deadline: one("deadline"),
    }
}

/// The task of the form: chosen agencies by id, others typed by name.
fn task_of(f: &NewTaskForm) -> Result<NewTask, Invalid> {
    let mut c = chongdich_domain::error::Collector::new();
    let area =
        c.take(AreaId::parse(&f.area_id).map_err(|_| Invalid::field("area_id", "chọn địa bàn")));
    let deadline = c.take(parse_date("deadline", &f.deadline)).flatten();
    let agencies =
        |ids: &[String], other: &str, field: &str, c: &mut chongdich_domain::error::Collector| {
            let mut out: Vec<NamedAgency> = Vec::new();
            for id in ids {
                match id.parse::<i64>() {
                    Ok(id) => out.push(NamedAgency {
                        agency_id: Some(id),
                        name: String::new(),
                    }),
                    Err(_) => c.push(field, "cơ quan không hợp lệ"),
                }
            }
            out.extend(
                split_agency_list(other)
                    .into_iter()
                    .map(|name| NamedAgency {
                        agency_id: None,
                        name,
                    }),
            );
            out
        };
    let lead = agencies(&f.lead, &f.lead_other, "lead", &mut c);
    let support = agencies(&f.support, &f.support_other, "support", &mut c);
    c.finish()?;
    let Some(area) = area else {
        return Err(Invalid::field("area_id", "chọn địa bàn"));
    };
    Ok(NewTask {
        area,
        input: TaskInput {
            title: f.title.clone(),
            deadline,
            lead,
            support,
        },
        source: TaskSource::Manual,
        document_id: None,
        item_path: None,
    })
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageDirectives)?;
    let f = task_form(&sub.form);
    let errors = match task_of(&f) {
        Ok(mut task) => {
            // Agencies chosen by id carry their registered names.
            let names = s
                .store
                .agencies(&u.scope(Permission::ManageDirectives), None, 1000, 0)
                .await?
                .items;
            for a in task
                .input
                .lead
                .iter_mut()
                .chain(task.input.support.iter_mut())
            {
                if let Some(id) = a.agency_id
                    && let Some(g) = names.iter().find(|g| g.id == id)
                {
                    a.name = g.name.clone();
                }
            }
            match s
                .store
                .create_task(&u.scope(Permission::ManageDirectives), &u.who(), &task)
                .await
            {
                Ok(t) => return Ok(see_other(&format!("/tasks/{}?msg=task", t.task.id))),
                Err(StoreError::Invalid(e)) => e.into(),
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => e.into(),
    };
    new_task_page(&s, u, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// A store error of a write as the page's error: "not found" is the 404 page.
fn page_error(e: StoreError) -> PageError {
    match e {
        StoreError::NotFound(_) => PageError::not_found(),
        other => other.into(),
    }
}
