//! Inspections of the level below: plans, records, findings (a required correction becomes a
//! task of the inspected unit in the same transaction), cancellations. Every write is audited.
//!
//! Visibility follows the inspected unit: it lies below the inspecting one, so whoever sees the
//! inspecting unit sees the inspection, and so do the inspected unit's own users (they are told
//! what they must correct). Only users whose scope holds the inspecting unit write to it: the
//! inspected do not write their own inspection's record.

use crate::agencies::agencies_with_unit;
use crate::areas::{AreaRow, Page};
use crate::audit::{self, Who};
use crate::scope::{area_above, area_in_scope};
use crate::tasks::{NewTask, insert_task};
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::agency::name_matches;
use chongdich_domain::area::{AreaId, AreaLevel};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::inspection::{
    Below, FindingInput, FindingKind, InspectionStatus, PlanInput, RecordInput, Unit, check_levels,
};
use chongdich_domain::task::{NamedAgency, TaskInput, TaskSource};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::HashMap;

/// An inspection as read, with the names of both units and of the lead agency.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct InspectionRow {
    pub id: i64,
    pub province_code: Option<String>,
    /// The inspected unit.
    pub area_id: String,
    pub area_name: String,
    pub area_level: String,
    /// The inspecting unit.
    pub by_area_id: String,
    pub by_area_name: String,
    pub title: String,
    pub scope_text: String,
    pub planned_on: NaiveDate,
    pub status: String,
    pub lead_agency_id: Option<i64>,
    pub lead_agency_name: Option<String>,
    pub team: String,
    /// What was checked; for a cancelled inspection, why it was cancelled.
    pub record: String,
    pub done_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub finding_count: i64,
    pub correction_count: i64,
}

impl InspectionRow {
    pub fn status(&self) -> InspectionStatus {
        InspectionStatus::parse(&self.status).unwrap_or(InspectionStatus::Planned)
    }

    /// The day the inspection took place, or is planned to.
    pub fn inspected_on(&self) -> NaiveDate {
        self.done_on.unwrap_or(self.planned_on)
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult)]
struct FindingDb {
    id: i64,
    inspection_id: i64,
    kind: String,
    subject: String,
    text: String,
    decision: String,
    deadline: Option<NaiveDate>,
    task_id: Option<i64>,
    task_status: Option<String>,
    created_at: DateTime<Utc>,
    created_by: String,
}

/// A finding, with the task a correction became and the agencies leading it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    pub id: i64,
    pub inspection_id: i64,
    pub kind: String,
    pub subject: String,
    pub text: String,
    pub decision: String,
    pub deadline: Option<NaiveDate>,
    pub task_id: Option<i64>,
    /// The task's status as stored (`new`, `in_progress`, `done`, `escalated`).
    pub task_status: Option<String>,
    /// The agencies responsible for a correction (the task's lead agencies).
    pub responsible: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl FindingRow {
    pub fn kind(&self) -> FindingKind {
        FindingKind::parse(&self.kind).unwrap_or(FindingKind::Finding)
    }
}

/// An inspection with its findings, in the order they were recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionView {
    pub inspection: InspectionRow,
    pub findings: Vec<FindingRow>,
}

/// What to list. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    /// Inspections made by this unit.
    pub by_area: Option<AreaId>,
    /// Inspections of this unit or of any unit below it.
    pub area: Option<AreaId>,
    pub status: Option<InspectionStatus>,
    /// The day of the inspection (done, else planned) from …
    pub from: Option<NaiveDate>,
    /// … to, both included.
    pub to: Option<NaiveDate>,
}

/// An agency offered in a select.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AgencyChoice {
    pub id: i64,
    pub name: String,
    pub area_name: String,
}

fn col(c: &'static str) -> (Alias, Alias) {
    (Alias::new("i"), Alias::new(c))
}

/// The day an inspection took place, else the day it is planned for.
const INSPECTED_ON: &str = "COALESCE(i.done_on, i.planned_on)";

fn select_inspections(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "province_code",
                "area_id",
                "by_area_id",
                "title",
                "scope_text",
                "planned_on",
                "status",
                "lead_agency_id",
                "team",
                "record",
                "done_on",
                "created_at",
                "created_by",
                "updated_at",
            ]
            .map(col),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(Expr::cust("a.level"), "area_level")
        .expr_as(Expr::cust("b.name"), "by_area_name")
        .expr_as(Expr::cust("g.name"), "lead_agency_name")
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM inspection_findings f WHERE f.inspection_id = i.id)"),
            "finding_count",
        )
        .expr_as(
            Expr::cust(
                "(SELECT COUNT(*) FROM inspection_findings f WHERE f.inspection_id = i.id AND f.kind = 'correction')",
            ),
            "correction_count",
        )
        .from_as("inspections", "i")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = i.area_id"),
        )
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "b",
            Expr::cust("b.id = i.by_area_id"),
        )
        .join_as(
            JoinType::LeftJoin,
            "agencies",
            "g",
            Expr::cust("g.id = i.lead_agency_id"),
        )
        .and_where(area_in_scope(col("area_id"), scope))
        .to_owned()
}

fn unit(a: &AreaRow) -> Unit {
    Unit {
        id: a.id.clone(),
        name: a.name.clone(),
        level: a.level(),
        valid_from: a.valid_from,
        valid_to: a.valid_to,
    }
}

/// The registered agency a name typed on a correction stands for: the one among `candidates`
/// it names ([`name_matches`], as for a document's names), when exactly one does.
fn named_agency(name: &str, candidates: &[AgencyChoice]) -> Option<i64> {
    let mut found = candidates
        .iter()
        .filter(|c| name_matches(&c.name, name, &c.area_name));
    match (found.next(), found.next()) {
        (Some(c), None) => Some(c.id),
        _ => None,
    }
}

/// The task a correction becomes: led by the responsible agencies, in the inspected unit, due
/// on the correction's deadline. A name typed that stands for exactly one of the `candidates`
/// (the registered agencies it may name) leads as that agency, so that the task is in that
/// agency's list; one that stands for an agency already leading is not repeated; any other
/// stays a name.
fn correction_task(
    area: AreaId,
    f: &FindingInput,
    registered: Option<(i64, String)>,
    candidates: &[AgencyChoice],
) -> Result<NewTask, Invalid> {
    let title = if f.subject.is_empty() {
        f.text.clone()
    } else {
        format!("{}: {}", f.subject, f.text)
    };
    let mut lead: Vec<NamedAgency> = registered
        .map(|(id, name)| NamedAgency {
            agency_id: Some(id),
            name,
        })
        .into_iter()
        .collect();
    for n in &f.agency_names {
        let agency_id = named_agency(n, candidates);
        if agency_id.is_some() && lead.iter().any(|a| a.agency_id == agency_id) {
            continue;
        }
        lead.push(NamedAgency {
            agency_id,
            name: n.clone(),
        });
    }
    let input = TaskInput {
        title,
        deadline: f.deadline,
        lead,
        support: vec![],
    }
    .check("")
    .map_err(|e| {
        // The task's fields are the finding's: name those the form shows.
        Invalid(
            e.0.into_iter()
                .map(|fe| {
                    let field = match fe.field.as_str() {
                        "title" => "text",
                        _ => "agency_id",
                    };
                    chongdich_domain::FieldError::new(field, fe.message)
                })
                .collect(),
        )
    })?;
    Ok(NewTask {
        area,
        input,
        source: TaskSource::Inspection,
        document_id: None,
        item_path: None,
    })
}

impl Store {
    /// Plans an inspection of `area_id` by `by_area_id`: the inspecting unit lies within the
    /// scope and the inspected one is its direct child, of the level below, existing on the
    /// planned day ([`check_levels`]).
    pub async fn plan_inspection(
        &self,
        scope: &Scope,
        who: &Who,
        input: &PlanInput,
    ) -> Result<InspectionRow, StoreError> {
        let by = self.area(scope, &input.by_area_id).await.map_err(|e| {
            e.not_found_as(
                "by_area_id",
                "đơn vị kiểm tra không có hoặc nằm ngoài phạm vi của bạn",
            )
        })?;
        let target = self
            .area(&Scope::everywhere(), &input.area_id)
            .await
            .map_err(|e| e.not_found_as("area_id", "không có đơn vị này"))?;
        let depth = self.depth_below(&input.by_area_id, &input.area_id).await?;
        let below = match depth {
            Some(1) => Below::Child,
            Some(d) if d > 1 => Below::Deeper,
            _ => Below::Outside,
        };
        check_levels(&unit(&by), &unit(&target), below, input.planned_on)?;
        if let Some(agency) = input.lead_agency_id {
            self.agency(scope, agency).await.map_err(|e| {
                e.not_found_as(
                    "lead_agency_id",
                    "không có cơ quan này hoặc cơ quan nằm ngoài phạm vi của bạn",
                )
            })?;
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, input.area_id.as_str()).await?;
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("inspections")
                    .columns([
                        "province_code",
                        "area_id",
                        "by_area_id",
                        "title",
                        "scope_text",
                        "planned_on",
                        "status",
                        "lead_agency_id",
                        "team",
                        "record",
                        "created_at",
                        "created_by",
                        "updated_at",
                    ])
                    .values_panic([
                        province.into(),
                        input.area_id.as_str().into(),
                        input.by_area_id.as_str().into(),
                        input.title.clone().into(),
                        input.scope_text.clone().into(),
                        input.planned_on.into(),
                        InspectionStatus::Planned.as_str().into(),
                        input.lead_agency_id.into(),
                        input.team.clone().into(),
                        String::new().into(),
                        now.into(),
                        who.username.clone().into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("cuộc kiểm tra"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "inspection", Some(id.to_string()))
                .in_area(input.area_id.as_str())
                .with_detail(format!(
                    "{} kiểm tra {} ngày {}: {}",
                    by.name,
                    target.name,
                    input.planned_on.format("%d/%m/%Y"),
                    input.title.chars().take(200).collect::<String>()
                )),
        )
        .await?;
        txn.commit().await?;
        self.inspection_row(scope, id).await
    }

    /// How many levels `descendant` lies below `ancestor` in the official tree (not through
    /// the 2025 mapping); None when it does not.
    async fn depth_below(
        &self,
        ancestor: &AreaId,
        descendant: &AreaId,
    ) -> Result<Option<i32>, StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .column("depth")
                    .from("area_closure")
                    .and_where(Expr::col("ancestor_id").eq(ancestor.as_str()))
                    .and_where(Expr::col("descendant_id").eq(descendant.as_str()))
                    .and_where(Expr::col("via_mapping").eq(false))
                    .to_owned(),
            )
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get::<i32>("", "depth")?),
            None => None,
        })
    }

    /// One inspection, if the inspected unit lies within the scope.
    pub async fn inspection_row(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<InspectionRow, StoreError> {
        let stmt = select_inspections(scope)
            .and_where(Expr::col(col("id")).eq(id))
            .to_owned();
        InspectionRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("cuộc kiểm tra"))
    }

    /// One inspection with its findings.
    pub async fn inspection(&self, scope: &Scope, id: i64) -> Result<InspectionView, StoreError> {
        let inspection = self.inspection_row(scope, id).await?;
        let findings = self.findings(id, None).await?;
        Ok(InspectionView {
            inspection,
            findings,
        })
    }

    /// Inspections within the scope, narrowed by the filter, the latest first.
    pub async fn inspections(
        &self,
        scope: &Scope,
        f: &InspectionFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<InspectionRow>, StoreError> {
        let mut stmt = select_inspections(scope);
        if let Some(by) = &f.by_area {
            stmt.and_where(Expr::col(col("by_area_id")).eq(by.as_str()));
        }
        if let Some(area) = &f.area {
            stmt.and_where(area_in_scope(col("area_id"), &Scope::of([area.clone()])));
        }
        if let Some(s) = f.status {
            stmt.and_where(Expr::col(col("status")).eq(s.as_str()));
        }
        if let Some(from) = f.from {
            stmt.and_where(Expr::cust(INSPECTED_ON).gte(from));
        }
        if let Some(to) = f.to {
            stmt.and_where(Expr::cust(INSPECTED_ON).lte(to));
        }
        let total = crate::count_of(&self.db, &stmt).await?;
        stmt.order_by_expr(Expr::cust(INSPECTED_ON), Order::Desc)
            .order_by(col("id"), Order::Desc)
            .limit(limit)
            .offset(offset);
        let items = InspectionRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// An inspection the caller may write to: visible in the scope, and made by a unit within
    /// it (the inspected unit's own users see it but do not write it).
    pub async fn inspection_for_write(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<InspectionRow, StoreError> {
        let row = self.inspection_row(scope, id).await?;
        if !self
            .area_in_scope(scope, &AreaId::parse(&row.by_area_id)?)
            .await?
        {
            return Err(StoreError::Forbidden(format!(
                "chỉ {} (đơn vị kiểm tra) mới ghi được cuộc kiểm tra này",
                row.by_area_name
            )));
        }
        Ok(row)
    }

    /// Writes what was checked: the inspection is done. A done inspection's record may be
    /// amended; a cancelled one's may not.
    pub async fn record_inspection(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        input: &RecordInput,
    ) -> Result<InspectionRow, StoreError> {
        let row = self.inspection_for_write(scope, id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let done = txn
            .execute(
                &Query::update()
                    .table("inspections")
                    .value("record", input.record.clone())
                    .value("done_on", input.done_on)
                    .value("status", InspectionStatus::Done.as_str())
                    .value("updated_at", now)
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("status").is_in([
                        InspectionStatus::Planned.as_str(),
                        InspectionStatus::Done.as_str(),
                    ]))
                    .to_owned(),
            )
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "cuộc kiểm tra đã huỷ, không ghi kết quả được".into(),
            ));
        }
        let what = if row.status() == InspectionStatus::Done {
            "sửa biên bản kiểm tra"
        } else {
            "ghi kết quả kiểm tra"
        };
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "inspection", Some(id.to_string()))
                .in_area(row.area_id.clone())
                .with_detail(format!("{what} ngày {}", input.done_on.format("%d/%m/%Y"))),
        )
        .await?;
        txn.commit().await?;
        self.inspection_row(scope, id).await
    }

    /// Cancels a planned inspection, keeping why as its record.
    pub async fn cancel_inspection(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        reason: &str,
    ) -> Result<InspectionRow, StoreError> {
        let row = self.inspection_for_write(scope, id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let done = txn
            .execute(
                &Query::update()
                    .table("inspections")
                    .value("record", reason)
                    .value("status", InspectionStatus::Cancelled.as_str())
                    .value("updated_at", now)
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("status").eq(InspectionStatus::Planned.as_str()))
                    .to_owned(),
            )
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "chỉ huỷ được cuộc kiểm tra chưa thực hiện".into(),
            ));
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "inspection", Some(id.to_string()))
                .in_area(row.area_id.clone())
                .with_detail(format!(
                    "huỷ kiểm tra: {}",
                    reason.chars().take(200).collect::<String>()
                )),
        )
        .await?;
        txn.commit().await?;
        self.inspection_row(scope, id).await
    }

    /// Adds a finding to a done inspection. A correction becomes a task of the inspected unit,
    /// led by the responsible agencies and due on its deadline, written in the same transaction
    /// as the finding: both or neither.
    pub async fn add_finding(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        f: &FindingInput,
    ) -> Result<FindingRow, StoreError> {
        let row = self.inspection_for_write(scope, id).await?;
        let registered = match f.agency_id {
            Some(agency) => {
                let a = self.agency(scope, agency).await.map_err(|e| {
                    e.not_found_as(
                        "agency_id",
                        "không có cơ quan này hoặc cơ quan nằm ngoài phạm vi của bạn",
                    )
                })?;
                Some((a.agency.id, a.agency.name))
            }
            None => None,
        };
        let task = if f.kind == FindingKind::Correction {
            let area = AreaId::parse(&row.area_id)?;
            let candidates = if f.agency_names.is_empty() {
                vec![]
            } else {
                self.correction_agencies(scope, &area).await?
            };
            Some(correction_task(area, f, registered, &candidates)?)
        } else {
            None
        };
        let now = self.clock.now();
        let txn = self.write().await?;
        // The status and day as they stand now, inside the transaction.
        let current = txn
            .query_one(
                &Query::select()
                    .columns(["status", "done_on"])
                    .from("inspections")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("cuộc kiểm tra"))?;
        let status: String = current.try_get("", "status")?;
        let done_on: Option<NaiveDate> = current.try_get("", "done_on")?;
        let Some(done_on) = done_on.filter(|_| status == InspectionStatus::Done.as_str()) else {
            return Err(StoreError::Conflict(
                "chỉ ghi kết luận cho cuộc kiểm tra đã thực hiện: ghi kết quả kiểm tra trước"
                    .into(),
            ));
        };
        if let Some(d) = f.deadline.filter(|d| *d < done_on) {
            return Err(Invalid::field(
                "deadline",
                format!(
                    "thời hạn {} trước ngày kiểm tra {}",
                    d.format("%d/%m/%Y"),
                    done_on.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        let task_id = match &task {
            Some(t) => Some(insert_task(&txn, who, now, t).await?),
            None => None,
        };
        let inserted = txn
            .query_one(
                &Query::insert()
                    .into_table("inspection_findings")
                    .columns([
                        "inspection_id",
                        "kind",
                        "subject",
                        "text",
                        "decision",
                        "deadline",
                        "task_id",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        id.into(),
                        f.kind.as_str().into(),
                        f.subject.clone().into(),
                        f.text.clone().into(),
                        f.decision.clone().into(),
                        f.deadline.into(),
                        task_id.into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("kết luận kiểm tra"))?;
        let finding_id: i64 = inserted.try_get("", "id")?;
        let mut detail = format!("{}: {}", f.kind.label(), f.text);
        if let Some(t) = task_id {
            detail = format!("{detail} (nhiệm vụ #{t})");
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                AuditAction::Create,
                "inspection_finding",
                Some(finding_id.to_string()),
            )
            .in_area(row.area_id.clone())
            .with_detail(detail.chars().take(300).collect::<String>()),
        )
        .await?;
        txn.commit().await?;
        self.findings(id, Some(finding_id))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("kết luận kiểm tra"))
    }

    /// The findings of an inspection (or one of them), with their tasks' status and lead
    /// agencies.
    async fn findings(
        &self,
        inspection_id: i64,
        only: Option<i64>,
    ) -> Result<Vec<FindingRow>, StoreError> {
        let mut stmt = Query::select()
            .columns(
                [
                    "id",
                    "inspection_id",
                    "kind",
                    "subject",
                    "text",
                    "decision",
                    "deadline",
                    "task_id",
                    "created_at",
                    "created_by",
                ]
                .map(|c| (Alias::new("f"), Alias::new(c))),
            )
            .expr_as(Expr::cust("t.status"), "task_status")
            .from_as("inspection_findings", "f")
            .join_as(
                JoinType::LeftJoin,
                "tasks",
                "t",
                Expr::cust("t.id = f.task_id"),
            )
            .and_where(Expr::col((Alias::new("f"), Alias::new("inspection_id"))).eq(inspection_id))
            .order_by((Alias::new("f"), Alias::new("id")), Order::Asc)
            .to_owned();
        if let Some(one) = only {
            stmt.and_where(Expr::col((Alias::new("f"), Alias::new("id"))).eq(one));
        }
        let rows = FindingDb::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        let task_ids: Vec<i64> = rows.iter().filter_map(|r| r.task_id).collect();
        let mut leads: HashMap<i64, Vec<String>> = HashMap::new();
        for chunk in task_ids.chunks(crate::BATCH) {
            let stmt = Query::select()
                .columns(["task_id", "name"])
                .from("task_agencies")
                .and_where(Expr::col("task_id").is_in(chunk.to_vec()))
                .and_where(Expr::col("role").eq("lead"))
                .order_by("id", Order::Asc)
                .to_owned();
            for r in self.db.query_all(&stmt).await? {
                leads
                    .entry(r.try_get("", "task_id")?)
                    .or_default()
                    .push(r.try_get("", "name")?);
            }
        }
        Ok(rows
            .into_iter()
            .map(|r| FindingRow {
                responsible: r.task_id.and_then(|t| leads.remove(&t)).unwrap_or_default(),
                id: r.id,
                inspection_id: r.inspection_id,
                kind: r.kind,
                subject: r.subject,
                text: r.text,
                decision: r.decision,
                deadline: r.deadline,
                task_id: r.task_id,
                task_status: r.task_status,
                created_at: r.created_at,
                created_by: r.created_by,
            })
            .collect())
    }

    /// The units a user inspects from: the roots of the scope and, for a province of today's
    /// structure, the province of before 01/07/2025 whose records count under it (its
    /// districts were inspected by that province). Villages inspect no one and are left out.
    pub async fn inspecting_units(&self, scope: &Scope) -> Result<Vec<AreaRow>, StoreError> {
        let mut out = Vec::new();
        for root in self.scope_roots(scope).await? {
            let extra = if root.level() == AreaLevel::Province {
                self.counted_provinces(&AreaId::parse(&root.id)?).await?
            } else {
                vec![]
            };
            out.push(root);
            out.extend(extra);
        }
        out.retain(|a| a.level() != AreaLevel::Village);
        let mut seen = std::collections::HashSet::new();
        out.retain(|a| seen.insert(a.id.clone()));
        Ok(out)
    }

    /// The agencies that may lead an inspection by `by`: those of that unit and of the units
    /// above it (including, through the 2025 mapping, today's province), within the scope.
    pub async fn inspection_lead_agencies(
        &self,
        scope: &Scope,
        by: &AreaId,
    ) -> Result<Vec<AgencyChoice>, StoreError> {
        let stmt = agencies_with_unit()
            .and_where(area_above((Alias::new("g"), Alias::new("area_id")), by))
            .and_where(area_in_scope(
                (Alias::new("g"), Alias::new("area_id")),
                scope,
            ))
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .order_by((Alias::new("g"), Alias::new("sort_key")), Order::Asc)
            .limit(500)
            .to_owned();
        Ok(
            AgencyChoice::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The registered agencies a name typed on a correction of `area` may stand for: those of
    /// the inspected unit and of the units below it (the ones offered in the form's list), and
    /// those of the units above it (the inspecting unit and up), within the scope.
    async fn correction_agencies(
        &self,
        scope: &Scope,
        area: &AreaId,
    ) -> Result<Vec<AgencyChoice>, StoreError> {
        let g_area = || (Alias::new("g"), Alias::new("area_id"));
        let stmt = agencies_with_unit()
            .cond_where(
                Cond::any()
                    .add(area_in_scope(g_area(), &Scope::of([area.clone()])))
                    .add(area_above(g_area(), area)),
            )
            .and_where(area_in_scope(g_area(), scope))
            .order_by((Alias::new("g"), Alias::new("id")), Order::Asc)
            .to_owned();
        Ok(
            AgencyChoice::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The inspection whose correction a task is (its id and title), if the task came from
    /// one and the inspection lies within the scope.
    pub async fn inspection_of_task(
        &self,
        scope: &Scope,
        task_id: i64,
    ) -> Result<Option<(i64, String)>, StoreError> {
        let stmt = Query::select()
            .columns([col("id"), col("title")])
            .from_as("inspections", "i")
            .and_where(
                Expr::col(col("id")).in_subquery(
                    Query::select()
                        .column("inspection_id")
                        .from("inspection_findings")
                        .and_where(Expr::col("task_id").eq(task_id))
                        .to_owned(),
                ),
            )
            .and_where(area_in_scope(col("area_id"), scope))
            .to_owned();
        Ok(match self.db.query_one(&stmt).await? {
            Some(r) => Some((r.try_get("", "id")?, r.try_get("", "title")?)),
            None => None,
        })
    }
}
