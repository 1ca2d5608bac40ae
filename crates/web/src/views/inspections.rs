//! Inspections of the level below: the list with its filters, the plan form (the inspecting
//! unit among the user's units, the inspected one among its children), and each inspection
//! with its record, its findings grouped by kind (a correction shows its deadline and the task
//! it became) and the forms to record, add a finding or cancel. The page prints as a record.

use super::areas::Pager;
use super::outbreaks::{Choice, form_errors, found, iso, require};
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_date, vn_datetime};
use crate::AppState;
use crate::api::inspections::InspectionQuery;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::inspection::{
    FindingDraft, FindingKind, InspectionStatus, PlanDraft, RecordDraft, inspects,
    parse_cancel_reason,
};
use chongdich_domain::task::TaskStatus;
use chongdich_store::areas::AreaRow;
use chongdich_store::inspections::{FindingRow, InspectionRow};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Inspections per page of the list.
const PER_PAGE: u64 = 50;
/// The most children offered as inspected units (a unit has at most a few hundred).
const MAX_CHILDREN: u64 = 1000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(list))
        .route("/inspections/new", get(new_page).post(create))
        .route("/inspections/{id}", get(detail))
        .route("/inspections/{id}/record", post(record))
        .route("/inspections/{id}/findings", post(add_finding))
        .route("/inspections/{id}/cancel", post(cancel))
}

/// Notices of this room, by key (never text from the URL).
fn notice(key: Option<&str>) -> Option<String> {
    Some(
        match key? {
            "created" => "Đã lập kế hoạch kiểm tra.",
            "recorded" => "Đã ghi kết quả kiểm tra.",
            "finding" => "Đã ghi kết luận.",
            "correction" => "Đã ghi yêu cầu khắc phục và giao nhiệm vụ cho đơn vị được kiểm tra.",
            "cancelled" => "Đã huỷ cuộc kiểm tra.",
            _ => return None,
        }
        .to_owned(),
    )
}

fn layout(u: &Authed, title: impl Into<String>, msg: Option<&str>) -> Layout {
    let mut l = Layout::for_user(u, title, "tasks");
    l.notice = notice(msg);
    l
}

/// The CSS class of a status badge.
fn status_badge(s: InspectionStatus) -> &'static str {
    match s {
        InspectionStatus::Planned => "badge",
        InspectionStatus::Done => "badge on",
        InspectionStatus::Cancelled => "badge off",
    }
}

/// A unit offered in a select, with its validity when it is not in force today.
pub struct UnitOption {
    pub id: String,
    pub label: String,
}

fn unit_option(a: &AreaRow, today: NaiveDate) -> UnitOption {
    let when = match (a.valid_from, a.valid_to) {
        (Some(f), _) if today < f => format!(" — từ {}", vn_date(&f)),
        (_, Some(t)) if today > t => format!(" — đến {}", vn_date(&t)),
        _ => String::new(),
    };
    UnitOption {
        id: a.id.clone(),
        label: format!("{} ({}){when}", a.name, a.id),
    }
}

pub struct InspectionLine {
    pub id: i64,
    pub title: String,
    pub area_id: String,
    pub area_name: String,
    pub by_area_id: String,
    pub by_area_name: String,
    pub day: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub badge: &'static str,
    pub finding_count: i64,
    pub correction_count: i64,
}

impl From<InspectionRow> for InspectionLine {
    fn from(r: InspectionRow) -> Self {
        let st = r.status();
        Self {
            day: vn_date(&r.inspected_on()),
            status: st.as_str(),
            status_label: st.label(),
            badge: status_badge(st),
            id: r.id,
            title: r.title,
            area_id: r.area_id,
            area_name: r.area_name,
            by_area_id: r.by_area_id,
            by_area_name: r.by_area_name,
            finding_count: r.finding_count,
            correction_count: r.correction_count,
        }
    }
}

/// The list's filters as typed (kept in the form and in the pager's links).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ListQuery {
    pub status: String,
    pub by_area_id: String,
    pub area_id: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing)]
    pub page: Option<u64>,
    #[serde(skip_serializing)]
    pub msg: Option<String>,
}

impl ListQuery {
    fn api(&self) -> InspectionQuery {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
        InspectionQuery {
            by_area_id: opt(&self.by_area_id),
            area_id: opt(&self.area_id),
            status: opt(&self.status),
            from: opt(&self.from),
            to: opt(&self.to),
            ..Default::default()
        }
    }

    fn link(&self, page: u64) -> String {
        let q = serde_urlencoded::to_string(self).unwrap_or_default();
        format!("/inspections?{q}&page={page}")
    }
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    errors: FormErrors,
    inspections: Vec<InspectionLine>,
    pager: Pager,
    statuses: Vec<Choice>,
    units: Vec<UnitOption>,
    can_plan: bool,
}

impl ListPage {
    /// Whether the unit filtered on is among those offered (else it is added to the select).
    fn by_listed(&self) -> bool {
        self.q.by_area_id.is_empty() || self.units.iter().any(|o| o.id == self.q.by_area_id)
    }
}

/// The units a user inspects from, those in force today first.
async fn inspecting_units(
    s: &AppState,
    u: &Authed,
    p: Permission,
) -> Result<Vec<AreaRow>, PageError> {
    let today = s.clock.today();
    let mut units = s.store.inspecting_units(&u.scope(p)).await?;
    units.sort_by_key(|a| !a.valid_on(today));
    Ok(units)
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let page = q.page.unwrap_or(1).max(1);
    let (items, total, errors) = match q.api().filter() {
        Ok(f) => {
            let p = s
                .store
                .inspections(
                    &u.scope(Permission::ViewDirectives),
                    &f,
                    PER_PAGE,
                    (page - 1) * PER_PAGE,
                )
                .await?;
            (p.items, p.total, FormErrors::default())
        }
        Err(e) => (vec![], 0, e.into()),
    };
    let today = s.clock.today();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        status,
        &ListPage {
            l: layout(&u, "Kiểm tra", q.msg.as_deref()),
            pager: Pager::new(total, page, PER_PAGE, |n| q.link(n)),
            inspections: items.into_iter().map(InspectionLine::from).collect(),
            statuses: InspectionStatus::ALL
                .iter()
                .map(|s| Choice::new(s.as_str(), s.label()))
                .collect(),
            units: inspecting_units(&s, &u, Permission::ViewDirectives)
                .await?
                .iter()
                .map(|a| unit_option(a, today))
                .collect(),
            can_plan: u.can(Permission::ManageDirectives),
            errors,
            q,
        },
    )
}

#[derive(Template)]
#[template(path = "inspection_new.html")]
struct NewPage {
    l: Layout,
    /// The units the user inspects from (the step before the form, when there are several).
    units: Vec<UnitOption>,
    by_name: String,
    by_level: String,
    children: Vec<UnitOption>,
    agencies: Vec<Choice>,
    form: PlanDraft,
    errors: FormErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    by: String,
}

async fn new_form(
    s: &AppState,
    u: &Authed,
    form: PlanDraft,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ManageDirectives)?;
    let scope = u.scope(Permission::ManageDirectives);
    let today = s.clock.today();
    let units = inspecting_units(s, u, Permission::ManageDirectives).await?;
    let mut form = form;
    if form.by_area_id.trim().is_empty()
        && let Some(first) = units.first()
    {
        form.by_area_id = first.id.clone();
    }
    let mut options: Vec<UnitOption> = units.iter().map(|a| unit_option(a, today)).collect();
    let by = match AreaId::parse(&form.by_area_id) {
        Ok(id) => s.store.area(&scope, &id).await.ok(),
        Err(_) => None,
    };
    let (by_name, by_level, children, agencies) = match &by {
        Some(by) => {
            if !options.iter().any(|o| o.id == by.id) {
                options.push(unit_option(by, today));
            }
            let id = AreaId::parse(&by.id)?;
            let children = s
                .store
                .children(&scope, &id, MAX_CHILDREN, 0)
                .await?
                .items
                .iter()
                .filter(|c| inspects(by.level(), c.level()))
                .map(|c| unit_option(c, today))
                .collect();
            let agencies = s
                .store
                .inspection_lead_agencies(&scope, &id)
                .await?
                .into_iter()
                .map(|a| Choice::new(a.id.to_string(), format!("{} — {}", a.name, a.area_name)))
                .collect();
            (
                by.name.clone(),
                by.level().label().to_owned(),
                children,
                agencies,
            )
        }
        None => (String::new(), String::new(), vec![], vec![]),
    };
    if form.planned_on.is_empty() && errors.is_empty() {
        form.planned_on = iso(today);
    }
    render_status(
        status,
        &NewPage {
            l: layout(u, "Lập kế hoạch kiểm tra", None),
            units: options,
            by_name,
            by_level,
            children,
            agencies,
            form,
            errors,
        },
    )
}

pub async fn new_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ManageDirectives)?;
    if !q.by.trim().is_empty() {
        // A unit named in the link must be one the user may inspect from.
        let id = AreaId::parse(&q.by).map_err(|_| PageError::not_found())?;
        found(
            s.store
                .area(&u.scope(Permission::ManageDirectives), &id)
                .await,
        )?;
    }
    let form = PlanDraft {
        by_area_id: q.by.trim().to_owned(),
        ..Default::default()
    };
    new_form(&s, &u, form, FormErrors::default(), StatusCode::OK).await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<PlanDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageDirectives)?;
    let errors = match sub.form.parse() {
        Ok(input) => match s
            .store
            .plan_inspection(&u.scope(Permission::ManageDirectives), &u.who(), &input)
            .await
        {
            Ok(row) => return Ok(see_other(&format!("/inspections/{}?msg=created", row.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    new_form(&s, u, sub.form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// One finding as shown.
pub struct FindingLine {
    pub id: i64,
    pub subject: String,
    pub text: String,
    pub decision: String,
    pub deadline: String,
    pub task_id: Option<i64>,
    pub task_status: String,
    pub task_badge: &'static str,
    pub responsible: String,
    pub created: String,
    pub created_by: String,
}

impl FindingLine {
    fn new(f: FindingRow, today: NaiveDate) -> Self {
        let status = f
            .task_status
            .as_deref()
            .and_then(|s| TaskStatus::parse(s).ok())
            .map(|s| s.effective(f.deadline, today));
        Self {
            task_status: status.map(|s| s.label().to_owned()).unwrap_or_default(),
            task_badge: match status {
                Some(TaskStatus::Done) => "badge on",
                Some(TaskStatus::Overdue) => "badge off",
                _ => "badge",
            },
            deadline: f.deadline.as_ref().map(vn_date).unwrap_or_default(),
            responsible: f.responsible.join("; "),
            created: vn_datetime(&f.created_at),
            id: f.id,
            subject: f.subject,
            text: f.text,
            decision: f.decision,
            task_id: f.task_id,
            created_by: f.created_by,
        }
    }
}

/// The findings of one kind.
pub struct FindingGroup {
    pub kind: &'static str,
    pub label: &'static str,
    pub subject_label: &'static str,
    pub decision_label: &'static str,
    pub is_correction: bool,
    pub items: Vec<FindingLine>,
}

fn groups(findings: Vec<FindingRow>, today: NaiveDate) -> Vec<FindingGroup> {
    let mut out: Vec<FindingGroup> = FindingKind::ALL
        .iter()
        .map(|k| FindingGroup {
            kind: k.as_str(),
            label: k.label(),
            subject_label: k.subject_label(),
            decision_label: k.decision_label(),
            is_correction: *k == FindingKind::Correction,
            items: vec![],
        })
        .collect();
    for f in findings {
        let kind = f.kind();
        if let Some(g) = out.iter_mut().find(|g| g.kind == kind.as_str()) {
            g.items.push(FindingLine::new(f, today));
        }
    }
    out.retain(|g| !g.items.is_empty());
    out
}

/// What was typed in the forms of an inspection's page, kept when validation fails.
#[derive(Default)]
pub struct DetailForms {
    pub record: RecordDraft,
    pub record_errors: FormErrors,
    pub finding: FindingDraft,
    pub finding_errors: FormErrors,
    pub reason: String,
    pub cancel_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct DetailPage {
    l: Layout,
    i: InspectionRow,
    status: InspectionStatus,
    status_label: &'static str,
    badge: &'static str,
    planned: String,
    done: String,
    created: String,
    groups: Vec<FindingGroup>,
    can_write: bool,
    kinds: Vec<Choice>,
    agencies: Vec<Choice>,
    forms: DetailForms,
}

impl DetailPage {
    fn is_planned(&self) -> bool {
        self.status == InspectionStatus::Planned
    }

    fn is_done(&self) -> bool {
        self.status == InspectionStatus::Done
    }

    fn is_cancelled(&self) -> bool {
        self.status == InspectionStatus::Cancelled
    }
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    msg: Option<&str>,
    forms: DetailForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewDirectives)?;
    let v = found(
        s.store
            .inspection(&u.scope(Permission::ViewDirectives), id)
            .await,
    )?;
    let today = s.clock.today();
    let manage = u.scope(Permission::ManageDirectives);
    let can_write = u.can(Permission::ManageDirectives)
        && s.store
            .area_in_scope(&manage, &AreaId::parse(&v.inspection.by_area_id)?)
            .await?;
    let i = v.inspection;
    let st = i.status();
    let agencies = if can_write && st == InspectionStatus::Done {
        s.store
            .agencies(&manage, Some(&AreaId::parse(&i.area_id)?), 200, 0)
            .await?
            .items
            .into_iter()
            .map(|a| Choice::new(a.id.to_string(), format!("{} — {}", a.name, a.area_name)))
            .collect()
    } else {
        vec![]
    };
    let mut forms = forms;
    if forms.record.done_on.is_empty() && forms.record_errors.is_empty() {
        forms.record.done_on = iso(i.done_on.unwrap_or(i.planned_on.min(today)));
        if forms.record.record.is_empty() && st == InspectionStatus::Done {
            forms.record.record = i.record.clone();
        }
    }
    render_status(
        status,
        &DetailPage {
            l: layout(u, i.title.clone(), msg),
            status: st,
            status_label: st.label(),
            badge: status_badge(st),
            planned: vn_date(&i.planned_on),
            done: i.done_on.as_ref().map(vn_date).unwrap_or_default(),
            created: vn_datetime(&i.created_at),
            groups: groups(v.findings, today),
            can_write,
            kinds: FindingKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            agencies,
            forms,
            i,
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

/// The inspection a form writes to, if the user may write it (404 or 403 otherwise).
async fn writable(s: &AppState, u: &Authed, id: i64) -> Result<InspectionRow, PageError> {
    require(u, Permission::ManageDirectives)?;
    found(
        s.store
            .inspection_for_write(&u.scope(Permission::ManageDirectives), id)
            .await,
    )
}

pub async fn record(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<RecordDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    writable(&s, u, id).await?;
    let errors = match sub.form.parse(s.clock.today()) {
        Ok(input) => match s
            .store
            .record_inspection(&u.scope(Permission::ManageDirectives), &u.who(), id, &input)
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/inspections/{id}?msg=recorded"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = DetailForms {
        record: sub.form,
        record_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn add_finding(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<FindingDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    let row = writable(&s, u, id).await?;
    let errors = match sub.form.parse(row.inspected_on()) {
        Ok(input) => match s
            .store
            .add_finding(&u.scope(Permission::ManageDirectives), &u.who(), id, &input)
            .await
        {
            Ok(f) => {
                let msg = if f.task_id.is_some() {
                    "correction"
                } else {
                    "finding"
                };
                return Ok(see_other(&format!(
                    "/inspections/{id}?msg={msg}#kind-{}",
                    f.kind
                )));
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = DetailForms {
        finding: sub.form,
        finding_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Debug, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<CancelForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    writable(&s, u, id).await?;
    let errors = match parse_cancel_reason(&sub.form.reason) {
        Ok(reason) => match s
            .store
            .cancel_inspection(
                &u.scope(Permission::ManageDirectives),
                &u.who(),
                id,
                &reason,
            )
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/inspections/{id}?msg=cancelled"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = DetailForms {
        reason: sub.form.reason,
        cancel_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}
