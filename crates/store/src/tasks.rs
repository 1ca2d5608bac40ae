//! Tasks: what documents, officers and inspections assign to agencies, with deadlines, progress
//! reports (and their attachments), escalation to the committee of the level above, reminders.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::scope::{area_above, area_in_scope};
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::agency::AgencyKind;
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::task::{AgencyRole, REMIND_DAYS_BEFORE, TaskInput, TaskSource, TaskStatus};
use chongdich_domain::text::search_key;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A task about to be written.
#[derive(Debug, Clone)]
pub struct NewTask {
    pub area: AreaId,
    pub input: TaskInput,
    pub source: TaskSource,
    pub document_id: Option<i64>,
    pub item_path: Option<String>,
}

/// Writes one task and its agencies inside the caller's transaction; returns its id. The
/// caller has checked the area against the scope and validated the input.
pub(crate) async fn insert_task<C: ConnectionTrait>(
    db: &C,
    who: &Who,
    now: DateTime<Utc>,
    task: &NewTask,
) -> Result<i64, StoreError> {
    let province = crate::province_of(db, task.area.as_str()).await?;
    let row = db
        .query_one(
            &Query::insert()
                .into_table("tasks")
                .columns([
                    "province_code",
                    "area_id",
                    "document_id",
                    "item_path",
                    "title",
                    "search_key",
                    "deadline",
                    "status",
                    "progress",
                    "source",
                    "created_at",
                    "created_by",
                    "updated_at",
                ])
                .values_panic([
                    province.clone().into(),
                    task.area.as_str().into(),
                    task.document_id.into(),
                    task.item_path.clone().into(),
                    task.input.title.clone().into(),
                    search_key(&task.input.title).into(),
                    task.input.deadline.into(),
                    TaskStatus::New.as_str().into(),
                    0i32.into(),
                    task.source.as_str().into(),
                    now.into(),
                    who.username.clone().into(),
                    now.into(),
                ])
                .returning_col("id")
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("nhiệm vụ"))?;
    let id: i64 = row.try_get("", "id")?;
    let agencies: Vec<_> = task
        .input
        .lead
        .iter()
        .map(|a| (AgencyRole::Lead, a))
        .chain(task.input.support.iter().map(|a| (AgencyRole::Support, a)))
        .collect();
    if !agencies.is_empty() {
        let mut ins = Query::insert()
            .into_table("task_agencies")
            .columns([
                "task_id",
                "role",
                "agency_id",
                "name",
                "province_code",
                "area_id",
                "deadline",
                "status",
            ])
            .to_owned();
        for (role, a) in agencies {
            ins.values_panic([
                id.into(),
                role.as_str().into(),
                a.agency_id.into(),
                a.name.clone().into(),
                province.clone().into(),
                task.area.as_str().into(),
                task.input.deadline.into(),
                TaskStatus::New.as_str().into(),
            ]);
        }
        db.execute(&ins).await?;
    }
    audit::append(
        db,
        who,
        now,
        &AuditEvent::new(AuditAction::Create, "task", Some(id.to_string()))
            .in_area(task.area.as_str())
            .with_detail(task.input.title.chars().take(200).collect::<String>()),
    )
    .await?;
    Ok(id)
}

/// A task as listed.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct TaskRow {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub document_id: Option<i64>,
    pub item_path: Option<String>,
    pub title: String,
    pub deadline: Option<NaiveDate>,
    /// As stored (new, in_progress, done, escalated); see [`TaskRow::effective`].
    pub status: String,
    pub progress: i32,
    pub source: String,
    pub escalated_to: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TaskRow {
    /// The status shown: an open task past its deadline is overdue.
    pub fn effective(&self, today: NaiveDate) -> TaskStatus {
        TaskStatus::parse(&self.status)
            .unwrap_or(TaskStatus::New)
            .effective(self.deadline, today)
    }
}

/// An agency named by a task.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct TaskAgencyRow {
    pub task_id: i64,
    pub role: String,
    pub agency_id: Option<i64>,
    pub name: String,
}

/// A task with its agencies, for lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskItem {
    pub task: TaskRow,
    pub agencies: Vec<TaskAgencyRow>,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub task_id: i64,
    pub body: String,
    pub progress: Option<i32>,
    pub status: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AttachmentRow {
    pub id: i64,
    pub report_id: i64,
    pub task_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// A progress report with its attachments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportView {
    pub report: ReportRow,
    pub attachments: Vec<AttachmentRow>,
}

/// The document a task comes from, briefly.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct DocumentBrief {
    pub id: i64,
    pub kind: String,
    pub number: Option<String>,
    pub subject: Option<String>,
}

/// One task with everything about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskView {
    pub task: TaskRow,
    pub agencies: Vec<TaskAgencyRow>,
    pub reports: Vec<ReportView>,
    pub document: Option<DocumentBrief>,
    pub escalated_to_name: Option<String>,
    pub escalation_reason: Option<String>,
}

/// What a list of tasks is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Tasks naming this agency (as lead or support).
    pub agency_id: Option<i64>,
    /// Tasks naming any of these agencies (the user's own).
    pub agencies: Option<Vec<i64>>,
    /// The area and everything below it.
    pub area: Option<AreaId>,
    /// `Overdue` means open and past its deadline; `New`/`InProgress` exclude overdue ones.
    pub status: Option<TaskStatus>,
    /// Open, with a deadline within the reminder window.
    pub due_soon: bool,
    pub document_id: Option<i64>,
    /// Words of the task's text, ignoring diacritics.
    pub q: Option<String>,
}

/// A progress report as entered.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub body: String,
    pub progress: Option<i32>,
    pub status: Option<TaskStatus>,
    pub attachments: Vec<NewAttachment>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// The largest attachment kept (bytes).
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

impl NewReport {
    /// Checks the text, the percentage and the attachments; errors name the field.
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut c = chongdich_domain::error::Collector::new();
        self.body = chongdich_domain::text::clean(&self.body);
        if self.body.is_empty() && self.attachments.is_empty() && self.status.is_none() {
            c.push("body", "nhập nội dung báo cáo hoặc đính kèm tệp");
        }
        if self.body.chars().count() > 8000 {
            c.push("body", "nội dung dài quá 8.000 ký tự");
        }
        if let Some(p) = self.progress
            && !(0..=100).contains(&p)
        {
            c.push("progress", "tiến độ là một số từ 0 đến 100 (%)");
        }
        for (i, a) in self.attachments.iter_mut().enumerate() {
            a.file_name =
                chongdich_domain::text::clean(&a.file_name).replace(['/', '\\', '"'], "_");
            if a.file_name.is_empty() {
                a.file_name = format!("tep-{}", i + 1);
            }
            if a.data.len() > MAX_ATTACHMENT {
                c.push(
                    format!("attachments[{i}]"),
                    format!("tệp \"{}\" lớn quá 10 MB", a.file_name),
                );
            }
        }
        c.finish()?;
        Ok(self)
    }
}

/// Overdue tasks counted by agency and by area.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueSummary {
    pub total: i64,
    pub by_agency: Vec<CountRow>,
    pub by_area: Vec<CountRow>,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CountRow {
    /// The agency's id (as text) or the area's id; None for agencies named without a record.
    pub key: Option<String>,
    pub name: String,
    pub n: i64,
}

fn select_tasks(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "area_id",
                "document_id",
                "item_path",
                "title",
                "deadline",
                "status",
                "progress",
                "source",
                "escalated_to",
                "created_at",
                "updated_at",
            ]
            .map(|c| (Alias::new("t"), Alias::new(c))),
        )
        .expr_as(
            Expr::cust("(SELECT a.name FROM areas a WHERE a.id = t.area_id)"),
            "area_name",
        )
        .from_as("tasks", "t")
        .and_where(in_scope_by_province("t", scope))
        .to_owned()
}

/// The scope as a condition on a table carrying `area_id` and `province_code`: whole provinces
/// by their code, so that the province-leading indexes serve (SQLite would otherwise walk the
/// province's closure and look each unit's rows up); anything smaller by the area closure.
pub(crate) fn in_scope_by_province(alias: &str, scope: &Scope) -> Expr {
    if scope.is_everywhere() {
        return Expr::cust("1 = 1");
    }
    let provinces: Option<Vec<String>> = scope
        .roots()
        .iter()
        .map(|r| {
            let id = r.as_str();
            let official = id.len() == 3
                && (id.starts_with('L') || id.starts_with('N'))
                && id[1..].chars().all(|c| c.is_ascii_digit());
            official.then(|| id[1..].to_owned())
        })
        .collect();
    match provinces {
        Some(codes) if !codes.is_empty() => {
            Expr::col((Alias::new(alias), Alias::new("province_code"))).is_in(codes)
        }
        _ => area_in_scope((Alias::new(alias), Alias::new("area_id")), scope),
    }
}

/// Open tasks (escalated ones too: the level above answers for them), written as the partial
/// indexes' own predicate: literals, not bound values, or SQLite cannot prove that the index
/// covers the query and scans the table instead.
fn open(alias: &str) -> Expr {
    Expr::cust(format!(
        "{alias}.status IN ('new', 'in_progress', 'escalated')"
    ))
}

fn col(c: &str) -> Expr {
    Expr::col((Alias::new("t"), Alias::new(c)))
}

fn apply_filter(stmt: &mut SelectStatement, f: &TaskFilter, today: NaiveDate) {
    let agencies: Option<Vec<i64>> = match (&f.agency_id, &f.agencies) {
        (Some(a), _) => Some(vec![*a]),
        (None, Some(list)) => Some(list.clone()),
        (None, None) => None,
    };
    if let Some(list) = agencies {
        stmt.and_where(
            col("id").in_subquery(
                Query::select()
                    .column("task_id")
                    .from("task_agencies")
                    .and_where(Expr::col("agency_id").is_in(list))
                    .to_owned(),
            ),
        );
    }
    if let Some(area) = &f.area {
        stmt.and_where(area_in_scope(
            (Alias::new("t"), Alias::new("area_id")),
            &Scope::of([area.clone()]),
        ));
    }
    match f.status {
        Some(TaskStatus::Overdue) => {
            stmt.and_where(open("t"))
                .and_where(col("deadline").lt(today));
        }
        Some(s @ (TaskStatus::New | TaskStatus::InProgress)) => {
            stmt.and_where(col("status").eq(s.as_str())).cond_where(
                Cond::any()
                    .add(col("deadline").is_null())
                    .add(col("deadline").gte(today)),
            );
        }
        Some(s) => {
            stmt.and_where(col("status").eq(s.as_str()));
        }
        None => {}
    }
    if f.due_soon {
        stmt.and_where(open("t"))
            .and_where(col("deadline").gte(today))
            .and_where(col("deadline").lte(today + chrono::Duration::days(REMIND_DAYS_BEFORE)));
    }
    if let Some(d) = f.document_id {
        stmt.and_where(col("document_id").eq(d));
    }
    if let Some(q) = &f.q {
        for word in search_key(q).split_whitespace() {
            stmt.and_where(col("search_key").like(format!("%{word}%")));
        }
    }
}

async fn insert_attachment<C: ConnectionTrait>(
    db: &C,
    task_id: i64,
    report_id: i64,
    a: &NewAttachment,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute(
        &Query::insert()
            .into_table("task_attachments")
            .columns([
                "report_id",
                "task_id",
                "file_name",
                "content_type",
                "size",
                "data",
                "created_at",
            ])
            .values_panic([
                report_id.into(),
                task_id.into(),
                a.file_name.clone().into(),
                a.content_type.clone().into(),
                (a.data.len() as i64).into(),
                a.data.clone().into(),
                now.into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Keeps the copy of a task's status on its agencies in step.
async fn set_agencies_status<C: ConnectionTrait>(
    db: &C,
    task_id: i64,
    status: TaskStatus,
) -> Result<(), StoreError> {
    db.execute(
        &Query::update()
            .table("task_agencies")
            .value("status", status.as_str())
            .and_where(Expr::col("task_id").eq(task_id))
            .to_owned(),
    )
    .await?;
    Ok(())
}

impl Store {
    /// Writes a task entered by hand (or by another room) after checking its area.
    pub async fn create_task(
        &self,
        scope: &Scope,
        who: &Who,
        task: &NewTask,
    ) -> Result<TaskView, StoreError> {
        self.check_area(scope, &task.area).await?;
        let mut input = task.input.clone().check("")?;
        self.check_agencies(scope, &task.area, &mut input).await?;
        let task = NewTask {
            input,
            ..task.clone()
        };
        let now = self.clock.now();
        let txn = self.write().await?;
        let id = insert_task(&txn, who, now, &task).await?;
        txn.commit().await?;
        self.task(scope, id).await
    }

    /// Refuses agency ids that do not exist or that the user may not give work to: an agency
    /// must be registered within the user's scope or in a unit above the task's (a district's
    /// task may ask Sở Y tế for support; no one names another province's agency). An agency
    /// named by id alone takes its registered name.
    pub(crate) async fn check_agencies(
        &self,
        scope: &Scope,
        area: &AreaId,
        input: &mut TaskInput,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = input
            .lead
            .iter()
            .chain(&input.support)
            .filter_map(|a| a.agency_id)
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns(["id", "name"])
                    .from("agencies")
                    .and_where(Expr::col("id").is_in(ids.clone()))
                    .cond_where(
                        Cond::any()
                            .add(area_in_scope("area_id", scope))
                            .add(area_above("area_id", area)),
                    )
                    .to_owned(),
            )
            .await?;
        let mut found: HashMap<i64, String> = HashMap::new();
        for r in &rows {
            found.insert(r.try_get("", "id")?, r.try_get("", "name")?);
        }
        if let Some(missing) = ids.iter().find(|i| !found.contains_key(i)) {
            let field = if input.lead.iter().any(|a| a.agency_id == Some(*missing)) {
                "lead"
            } else {
                "support"
            };
            return Err(Invalid::field(
                field,
                format!("không có cơ quan số {missing} trong phạm vi của bạn"),
            )
            .into());
        }
        for a in input.lead.iter_mut().chain(input.support.iter_mut()) {
            if let Some(name) = a.agency_id.and_then(|id| found.get(&id))
                && a.name.trim().is_empty()
            {
                a.name = name.clone();
            }
        }
        Ok(())
    }

    /// Tasks within the scope, narrowed by the filter: the nearest deadline first, tasks
    /// without a deadline last.
    pub async fn tasks(
        &self,
        scope: &Scope,
        filter: &TaskFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<TaskItem>, StoreError> {
        let today = self.clock.today();
        let mut base = select_tasks(scope);
        apply_filter(&mut base, filter, today);
        // Counted on the task's own columns (from an index where one serves).
        let mut counted = base.clone();
        counted.clear_selects();
        counted.column((Alias::new("t"), Alias::new("id")));
        let total = crate::count_capped(&self.db, &counted, 100_000).await?;
        let mut stmt = base;
        // Tasks without a deadline last. Overdue and due-soon tasks all have one, and then
        // the order is the open-tasks index's own.
        if filter.status != Some(TaskStatus::Overdue) && !filter.due_soon {
            stmt.order_by_expr(
                Expr::cust("CASE WHEN t.deadline IS NULL THEN 1 ELSE 0 END"),
                Order::Asc,
            );
        }
        let stmt = stmt
            .order_by((Alias::new("t"), Alias::new("deadline")), Order::Asc)
            .order_by((Alias::new("t"), Alias::new("id")), Order::Asc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        let rows = TaskRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        let items = self.with_agencies(rows).await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    async fn with_agencies(&self, rows: Vec<TaskRow>) -> Result<Vec<TaskItem>, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut by_task: BTreeMap<i64, Vec<TaskAgencyRow>> = BTreeMap::new();
        if !ids.is_empty() {
            let stmt = Query::select()
                .columns(["task_id", "role", "agency_id", "name"])
                .from("task_agencies")
                .and_where(Expr::col("task_id").is_in(ids))
                .order_by("id", Order::Asc)
                .to_owned();
            for a in TaskAgencyRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?
            {
                by_task.entry(a.task_id).or_default().push(a);
            }
        }
        Ok(rows
            .into_iter()
            .map(|task| TaskItem {
                agencies: by_task.remove(&task.id).unwrap_or_default(),
                task,
            })
            .collect())
    }

    async fn task_row(&self, scope: &Scope, id: i64) -> Result<TaskRow, StoreError> {
        let stmt = select_tasks(scope).and_where(col("id").eq(id)).to_owned();
        TaskRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("nhiệm vụ"))
    }

    /// One task with its agencies, reports and document.
    pub async fn task(&self, scope: &Scope, id: i64) -> Result<TaskView, StoreError> {
        let task = self.task_row(scope, id).await?;
        let b = self.db.get_database_backend();
        let agencies = self
            .with_agencies(vec![task.clone()])
            .await?
            .remove(0)
            .agencies;
        let reports = ReportRow::find_by_statement(
            b.build(
                &Query::select()
                    .columns([
                        "id",
                        "task_id",
                        "body",
                        "progress",
                        "status",
                        "created_at",
                        "created_by",
                    ])
                    .from("task_reports")
                    .and_where(Expr::col("task_id").eq(id))
                    .order_by("id", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let attachments = AttachmentRow::find_by_statement(
            b.build(
                &Query::select()
                    .columns([
                        "id",
                        "report_id",
                        "task_id",
                        "file_name",
                        "content_type",
                        "size",
                    ])
                    .from("task_attachments")
                    .and_where(Expr::col("task_id").eq(id))
                    .order_by("id", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let reports = reports
            .into_iter()
            .map(|report| ReportView {
                attachments: attachments
                    .iter()
                    .filter(|a| a.report_id == report.id)
                    .cloned()
                    .collect(),
                report,
            })
            .collect();
        let document = match task.document_id {
            Some(d) => {
                DocumentBrief::find_by_statement(
                    b.build(
                        &Query::select()
                            .columns(["id", "kind", "number", "subject"])
                            .from("documents")
                            .and_where(Expr::col("id").eq(d))
                            .to_owned(),
                    ),
                )
                .one(&self.db)
                .await?
            }
            None => None,
        };
        let extra = self
            .db
            .query_one(
                &Query::select()
                    .column("escalation_reason")
                    .expr_as(
                        Expr::cust(
                            "(SELECT g.name FROM agencies g WHERE g.id = tasks.escalated_to)",
                        ),
                        "escalated_to_name",
                    )
                    .from("tasks")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?;
        let (escalation_reason, escalated_to_name) = match extra {
            Some(r) => (
                r.try_get::<Option<String>>("", "escalation_reason")?,
                r.try_get::<Option<String>>("", "escalated_to_name")?,
            ),
            None => (None, None),
        };
        Ok(TaskView {
            task,
            agencies,
            reports,
            document,
            escalated_to_name,
            escalation_reason,
        })
    }

    /// Records a progress report (with its attachments) and moves the task's status and
    /// progress, in one transaction.
    pub async fn report_task(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        report: NewReport,
    ) -> Result<TaskView, StoreError> {
        let report = report.check()?;
        let task = self.task_row(scope, id).await?;
        if task.status == TaskStatus::Done.as_str() && report.status != Some(TaskStatus::InProgress)
        {
            return Err(Invalid::field(
                "status",
                "nhiệm vụ đã hoàn thành; muốn báo cáo tiếp, chọn trạng thái \"đang thực hiện\" để mở lại",
            )
            .into());
        }
        let now = self.clock.now();
        let status = report.status.unwrap_or(match task.status.as_str() {
            "new" => TaskStatus::InProgress,
            s => TaskStatus::parse(s).unwrap_or(TaskStatus::InProgress),
        });
        let progress = match (report.progress, status) {
            (_, TaskStatus::Done) => 100,
            (Some(p), _) => p,
            (None, _) => task.progress,
        };
        let txn = self.write().await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("task_reports")
                    .columns([
                        "task_id",
                        "body",
                        "progress",
                        "status",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        id.into(),
                        report.body.clone().into(),
                        report.progress.into(),
                        report.status.map(|s| s.as_str().to_owned()).into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("báo cáo"))?;
        let report_id: i64 = row.try_get("", "id")?;
        for a in &report.attachments {
            insert_attachment(&txn, id, report_id, a, now).await?;
        }
        let mut upd = Query::update()
            .table("tasks")
            .value("status", status.as_str())
            .value("progress", progress)
            .value("updated_at", now)
            .and_where(Expr::col("id").eq(id))
            .to_owned();
        if status == TaskStatus::Done {
            upd.value("done_at", now);
        } else {
            upd.value("done_at", Option::<DateTime<Utc>>::None);
        }
        txn.execute(&upd).await?;
        set_agencies_status(&txn, id, status).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "task", Some(id.to_string()))
                .in_area(task.area_id.as_str())
                .with_detail(format!(
                    "báo cáo tiến độ: {} ({progress}%), {} tệp",
                    status.as_str(),
                    report.attachments.len()
                )),
        )
        .await?;
        txn.commit().await?;
        self.task(scope, id).await
    }

    /// Attaches a file to an existing progress report of the task.
    pub async fn attach_to_report(
        &self,
        scope: &Scope,
        who: &Who,
        task_id: i64,
        report_id: i64,
        file: NewAttachment,
    ) -> Result<TaskView, StoreError> {
        let task = self.task_row(scope, task_id).await?;
        let checked = NewReport {
            body: "-".into(),
            progress: None,
            status: None,
            attachments: vec![file],
        }
        .check()?;
        let Some(a) = checked.attachments.into_iter().next() else {
            return Err(Invalid::field("file", "tệp rỗng").into());
        };
        let exists = self
            .db
            .query_one(
                &Query::select()
                    .column("id")
                    .from("task_reports")
                    .and_where(Expr::col("id").eq(report_id))
                    .and_where(Expr::col("task_id").eq(task_id))
                    .to_owned(),
            )
            .await?
            .is_some();
        if !exists {
            return Err(StoreError::NotFound("báo cáo"));
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        insert_attachment(&txn, task_id, report_id, &a, now).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "task", Some(task_id.to_string()))
                .in_area(task.area_id.as_str())
                .with_detail(format!("đính kèm tệp {}", a.file_name)),
        )
        .await?;
        txn.commit().await?;
        self.task(scope, task_id).await
    }

    /// An attachment's name, type and bytes, when its task is within the scope.
    pub async fn task_attachment(
        &self,
        scope: &Scope,
        task_id: i64,
        id: i64,
    ) -> Result<(String, String, Vec<u8>), StoreError> {
        self.task_row(scope, task_id).await?;
        let row = self
            .db
            .query_one(
                &Query::select()
                    .columns(["file_name", "content_type", "data"])
                    .from("task_attachments")
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("task_id").eq(task_id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("tệp đính kèm"))?;
        Ok((
            row.try_get("", "file_name")?,
            row.try_get("", "content_type")?,
            row.try_get("", "data")?,
        ))
    }

    /// Sends a task beyond this level's authority to the Steering Committee of the level
    /// above: the committee becomes a lead agency and sees it in its list; the task is marked
    /// escalated with the reason.
    pub async fn escalate_task(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        reason: &str,
    ) -> Result<TaskView, StoreError> {
        let reason = chongdich_domain::text::clean(reason);
        if reason.is_empty() {
            return Err(Invalid::field("reason", "nêu lý do báo cáo cấp trên").into());
        }
        let task = self.task_row(scope, id).await?;
        if task.status == TaskStatus::Escalated.as_str() {
            return Err(Invalid::field("reason", "nhiệm vụ đã được báo cáo cấp trên").into());
        }
        let committee = self.committee_above(&task.area_id).await?;
        let Some((committee_id, committee_name)) = committee else {
            return Err(Invalid::field(
                "reason",
                "chưa có Ban Chỉ đạo của cấp trên được đăng ký ở trang Cơ quan",
            )
            .into());
        };
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("tasks")
                .value("status", TaskStatus::Escalated.as_str())
                .value("escalated_to", committee_id)
                .value("escalation_reason", reason.clone())
                .value("escalated_at", now)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        txn.execute(
            &Query::insert()
                .into_table("task_agencies")
                .columns([
                    "task_id",
                    "role",
                    "agency_id",
                    "name",
                    "province_code",
                    "area_id",
                    "deadline",
                    "status",
                ])
                .values_panic([
                    id.into(),
                    AgencyRole::Lead.as_str().into(),
                    committee_id.into(),
                    committee_name.into(),
                    crate::province_of(&txn, &task.area_id).await?.into(),
                    task.area_id.clone().into(),
                    task.deadline.into(),
                    TaskStatus::Escalated.as_str().into(),
                ])
                .to_owned(),
        )
        .await?;
        set_agencies_status(&txn, id, TaskStatus::Escalated).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "task", Some(id.to_string()))
                .in_area(task.area_id.as_str())
                .with_detail(format!("báo cáo cấp trên: {reason}")),
        )
        .await?;
        txn.commit().await?;
        // The escalating user may not see the level above; show what they can.
        self.task(&Scope::of([AreaId::parse(&task.area_id)?]), id)
            .await
            .or(Ok(TaskView {
                task,
                agencies: Vec::new(),
                reports: Vec::new(),
                document: None,
                escalated_to_name: None,
                escalation_reason: Some(reason),
            }))
    }

    /// The Steering Committee registered for the nearest level above an area (through either
    /// structure: a ward's province is its ancestor before and after 1/7/2025).
    async fn committee_above(&self, area_id: &str) -> Result<Option<(i64, String)>, StoreError> {
        const RANK: &str = "CASE a.level WHEN 'village' THEN 0 WHEN 'commune' THEN 1 \
            WHEN 'district' THEN 2 WHEN 'province' THEN 3 ELSE 4 END";
        let own = self
            .db
            .query_one(
                &Query::select()
                    .expr_as(Expr::cust(RANK), "rank")
                    .from_as("areas", "a")
                    .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).eq(area_id))
                    .to_owned(),
            )
            .await?
            .and_then(|r| r.try_get::<i32>("", "rank").ok())
            .unwrap_or(4);
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns([
                        (Alias::new("g"), Alias::new("id")),
                        (Alias::new("g"), Alias::new("name")),
                    ])
                    .from_as("area_closure", "c")
                    .join_as(
                        JoinType::InnerJoin,
                        "areas",
                        "a",
                        Expr::cust("a.id = c.ancestor_id"),
                    )
                    .join_as(
                        JoinType::InnerJoin,
                        "agencies",
                        "g",
                        Expr::cust("g.area_id = c.ancestor_id"),
                    )
                    .and_where(
                        Expr::col((Alias::new("c"), Alias::new("descendant_id"))).eq(area_id),
                    )
                    .and_where(Expr::cust(RANK).gt(own))
                    .and_where(
                        Expr::col((Alias::new("g"), Alias::new("kind")))
                            .eq(AgencyKind::SteeringCommittee.as_str()),
                    )
                    .order_by_expr(Expr::cust(RANK), Order::Asc)
                    .order_by((Alias::new("g"), Alias::new("id")), Order::Asc)
                    .limit(1)
                    .to_owned(),
            )
            .await?;
        Ok(rows.first().map(|r| {
            (
                r.try_get::<i64>("", "id").unwrap_or_default(),
                r.try_get::<String>("", "name").unwrap_or_default(),
            )
        }))
    }

    /// Overdue tasks within the scope, counted by agency and by area.
    pub async fn overdue_summary(
        &self,
        scope: &Scope,
        area: Option<&AreaId>,
    ) -> Result<OverdueSummary, StoreError> {
        let today = self.clock.today();
        let filter = TaskFilter {
            status: Some(TaskStatus::Overdue),
            area: area.cloned(),
            ..TaskFilter::default()
        };
        // The overdue tasks' ids and areas, from the open-tasks index.
        let mut overdue = Query::select()
            .columns([
                (Alias::new("t"), Alias::new("id")),
                (Alias::new("t"), Alias::new("area_id")),
            ])
            .from_as("tasks", "t")
            .and_where(in_scope_by_province("t", scope))
            .to_owned();
        apply_filter(&mut overdue, &filter, today);
        let b = self.db.get_database_backend();
        let total = crate::count_of(&self.db, &overdue).await?;
        // Lead agencies of open tasks past their deadline, from their own index.
        let mut leads = Query::select()
            .from_as("task_agencies", "ta")
            .and_where(in_scope_by_province("ta", scope))
            .and_where(Expr::cust("ta.role = 'lead'"))
            .and_where(open("ta"))
            .and_where(Expr::col((Alias::new("ta"), Alias::new("deadline"))).lt(today))
            .to_owned();
        if let Some(area) = area {
            leads.and_where(area_in_scope(
                (Alias::new("ta"), Alias::new("area_id")),
                &Scope::of([area.clone()]),
            ));
        }
        let by_agency = CountRow::find_by_statement(
            b.build(
                &leads
                    .expr_as(Expr::cust("CAST(ta.agency_id AS TEXT)"), "key")
                    .expr_as(Expr::cust("MIN(ta.name)"), "name")
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .group_by_col((Alias::new("ta"), Alias::new("agency_id")))
                    .add_group_by([Expr::cust(
                        "CASE WHEN ta.agency_id IS NULL THEN ta.name ELSE '' END",
                    )])
                    .order_by_expr(Expr::cust("COUNT(*)"), Order::Desc)
                    .order_by_expr(Expr::cust("MIN(ta.name)"), Order::Asc)
                    .limit(200)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        // Grouped first, named after: the areas' names are read for the groups only.
        let grouped = Query::select()
            .column((Alias::new("o"), Alias::new("area_id")))
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_subquery(overdue, "o")
            .group_by_col((Alias::new("o"), Alias::new("area_id")))
            .to_owned();
        let by_area = CountRow::find_by_statement(
            b.build(
                &Query::select()
                    .expr_as(Expr::cust("g.area_id"), "key")
                    .expr_as(Expr::cust("a.name"), "name")
                    .expr_as(Expr::cust("g.n"), "n")
                    .from_subquery(grouped, "g")
                    .join_as(
                        JoinType::InnerJoin,
                        "areas",
                        "a",
                        Expr::cust("a.id = g.area_id"),
                    )
                    .order_by_expr(Expr::cust("g.n"), Order::Desc)
                    .order_by_expr(Expr::cust("a.name"), Order::Asc)
                    .limit(200)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        Ok(OverdueSummary {
            total,
            by_agency,
            by_area,
        })
    }

    /// The agencies a user is a member of (their "own" tasks are those naming these).
    pub async fn agencies_of_user(&self, user_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = self
            .db
            .query_all(
                &Query::select()
                    .columns([
                        (Alias::new("g"), Alias::new("id")),
                        (Alias::new("g"), Alias::new("name")),
                    ])
                    .from_as("agency_members", "m")
                    .join_as(
                        JoinType::InnerJoin,
                        "agencies",
                        "g",
                        Expr::cust("g.id = m.agency_id"),
                    )
                    .and_where(Expr::col((Alias::new("m"), Alias::new("user_id"))).eq(user_id))
                    .order_by((Alias::new("g"), Alias::new("id")), Order::Asc)
                    .to_owned(),
            )
            .await?;
        let mut out: Vec<(i64, String)> = rows
            .iter()
            .filter_map(|r| Some((r.try_get("", "id").ok()?, r.try_get("", "name").ok()?)))
            .collect();
        out.dedup();
        Ok(out)
    }

    /// Queues reminders for open tasks due within the reminder window or overdue: one SMS per
    /// member with a phone of each lead agency, once per task, member and kind (the
    /// notification's dedup key). An e-mail or SMS gateway drains the outbox
    /// ([`Store::notifications`]). Returns how many were queued.
    pub async fn queue_task_reminders(&self) -> Result<u64, StoreError> {
        let today = self.clock.today();
        let now = self.clock.now();
        let horizon = today + chrono::Duration::days(REMIND_DAYS_BEFORE);
        let stmt = Query::select()
            .columns([
                (Alias::new("t"), Alias::new("id")),
                (Alias::new("t"), Alias::new("title")),
                (Alias::new("t"), Alias::new("deadline")),
                (Alias::new("t"), Alias::new("province_code")),
            ])
            .expr_as(Expr::cust("m.phone"), "phone")
            .expr_as(Expr::cust("g.name"), "agency")
            .from_as("tasks", "t")
            .join_as(
                JoinType::InnerJoin,
                "task_agencies",
                "ta",
                Expr::cust("ta.task_id = t.id AND ta.role = 'lead'"),
            )
            .join_as(
                JoinType::InnerJoin,
                "agencies",
                "g",
                Expr::cust("g.id = ta.agency_id"),
            )
            .join_as(
                JoinType::InnerJoin,
                "agency_members",
                "m",
                Expr::cust("m.agency_id = g.id"),
            )
            .and_where(open("t"))
            .and_where(col("deadline").lte(horizon))
            .and_where(Expr::cust("m.phone IS NOT NULL"))
            .to_owned();
        let rows = self.db.query_all(&stmt).await?;
        let mut queued = 0;
        for r in rows {
            let id: i64 = r.try_get("", "id")?;
            let title: String = r.try_get("", "title")?;
            let deadline: NaiveDate = r.try_get("", "deadline")?;
            let province: Option<String> = r.try_get("", "province_code")?;
            let phone: String = r.try_get("", "phone")?;
            let agency: String = r.try_get("", "agency")?;
            let kind = if deadline < today {
                "overdue"
            } else {
                "due_soon"
            };
            let short: String = title.chars().take(120).collect();
            let body = if kind == "overdue" {
                format!(
                    "[chongdich] {agency}: nhiệm vụ #{id} đã quá hạn {}: {short}",
                    deadline.format("%d/%m/%Y")
                )
            } else {
                format!(
                    "[chongdich] {agency}: nhiệm vụ #{id} đến hạn {}: {short}",
                    deadline.format("%d/%m/%Y")
                )
            };
            let key = format!("task:{id}:{kind}:{phone}");
            let mut ins = Query::insert()
                .into_table("notifications")
                .columns([
                    "province_code",
                    "channel",
                    "recipient",
                    "subject",
                    "body",
                    "dedup_key",
                    "task_id",
                    "created_at",
                ])
                .values_panic([
                    province.into(),
                    "sms".into(),
                    phone.into(),
                    format!("Nhắc việc: nhiệm vụ #{id}").into(),
                    body.into(),
                    key.into(),
                    id.into(),
                    now.into(),
                ])
                .to_owned();
            ins.on_conflict(
                sea_orm::sea_query::OnConflict::column("dedup_key")
                    .do_nothing()
                    .to_owned(),
            );
            queued += self.db.execute(&ins).await?.rows_affected();
        }
        Ok(queued)
    }

    /// Notifications waiting in the outbox (or all, newest first), for the gateway or an
    /// administrator.
    pub async fn notifications(
        &self,
        unsent_only: bool,
        limit: u64,
    ) -> Result<Vec<NotificationRow>, StoreError> {
        let mut stmt = Query::select()
            .columns([
                "id",
                "channel",
                "recipient",
                "subject",
                "body",
                "task_id",
                "created_at",
                "sent_at",
            ])
            .from("notifications")
            .limit(limit)
            .to_owned();
        if unsent_only {
            stmt.and_where(Expr::col("sent_at").is_null())
                .order_by("id", Order::Asc);
        } else {
            stmt.order_by("id", Order::Desc);
        }
        Ok(
            NotificationRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Marks a notification sent (the gateway delivered it).
    pub async fn mark_notification_sent(&self, id: i64) -> Result<(), StoreError> {
        let now = self.clock.now();
        let n = self
            .db
            .execute(
                &Query::update()
                    .table("notifications")
                    .value("sent_at", now)
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("sent_at").is_null())
                    .to_owned(),
            )
            .await?
            .rows_affected();
        if n == 0 {
            let exists = self
                .db
                .query_one(
                    &Query::select()
                        .column("id")
                        .from("notifications")
                        .and_where(Expr::col("id").eq(id))
                        .to_owned(),
                )
                .await?
                .is_some();
            if !exists {
                return Err(StoreError::NotFound("thông báo"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub task_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}
