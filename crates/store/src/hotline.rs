//! The hotline and citizens' reports: reports taken from the public form and from phone calls,
//! their triage, assignment to a commune or an agency and outcome, and the step that turns a
//! report about a person into a suspected case or a returnee record.
//!
//! A report is visible to those whose scope holds its commune or the unit it was assigned to.
//! Every write is audited in its own transaction; every read of one report (names and phone
//! numbers of the reporter and of the person reported) is audited as a view.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::persons::{PersonRow, insert_person, select_persons};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::{AreaId, AreaLevel, Structure};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::CaseInput;
use chongdich_domain::hotline::{
    AssignDraft, CloseDraft, ConvertTarget, ReportInput, ReportKind, ReportStatus, ReturneeInput,
    TriageDraft, check_convertible, parse_reference, reference,
};
use chongdich_domain::person::PersonInput;
use chongdich_domain::text::search_key;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// A report as read by an operator.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: Option<String>,
    pub area_name: Option<String>,
    /// The district (or province) the commune belongs to.
    pub area_parent_name: Option<String>,
    pub kind: String,
    pub channel: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    pub subject_name: String,
    pub subject_phone: String,
    pub place_detail: String,
    pub description: String,
    pub status: String,
    pub priority: String,
    pub assigned_area_id: Option<String>,
    pub assigned_area_name: Option<String>,
    pub assigned_agency_id: Option<i64>,
    pub assigned_agency_name: Option<String>,
    pub outcome: String,
    pub person_id: Option<i64>,
    pub case_id: Option<i64>,
    pub returnee_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
}

impl ReportRow {
    pub fn reference(&self) -> String {
        reference(self.id)
    }

    /// The status (a row written by this module always has a known one).
    pub fn status(&self) -> ReportStatus {
        ReportStatus::parse(&self.status).unwrap_or(ReportStatus::New)
    }

    pub fn kind(&self) -> ReportKind {
        ReportKind::parse(&self.kind).unwrap_or(ReportKind::Other)
    }
}

/// Filters of the operators' list.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    pub status: Option<ReportStatus>,
    pub kind: Option<ReportKind>,
    /// The report's commune or its assigned unit lies under this area.
    pub area: Option<AreaId>,
    /// Words of the names, phones, place or description (diacritics ignored), or a reference.
    pub q: String,
}

/// A commune offered to a citizen: its id, name and where it is ("Thành phố Lai Châu, Lai Châu").
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CommuneOption {
    pub id: String,
    pub name: String,
    pub parent_name: Option<String>,
    pub parent_level: Option<String>,
    pub grand_name: Option<String>,
    pub grand_level: Option<String>,
}

impl CommuneOption {
    /// "Phường Tân Phong — Thành phố Lai Châu — Lai Châu" (the country is left out).
    pub fn label(&self) -> String {
        let mut parts = vec![self.name.clone()];
        for (name, level) in [
            (&self.parent_name, &self.parent_level),
            (&self.grand_name, &self.grand_level),
        ] {
            if let Some(n) = name
                && level.as_deref() != Some(AreaLevel::Country.as_str())
            {
                parts.push(n.clone());
            }
        }
        parts.join(" — ")
    }
}

/// How a report was submitted: new, or the same submission seen again (a retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    pub id: i64,
    pub created: bool,
}

/// Whom a report about a person is recorded as.
#[derive(Debug, Clone)]
pub enum ConvertPerson {
    /// A person already registered (the operator picked them among the candidates).
    Existing(i64),
    /// A new person; unless `confirm_new`, possible duplicates are offered first.
    New {
        input: Box<PersonInput>,
        confirm_new: bool,
    },
}

/// What a report becomes.
#[derive(Debug, Clone)]
pub enum ConvertTo {
    /// A suspected case of a disease (classification taken from the input).
    Suspect(Box<CaseInput>),
    Returnee(ReturneeInput),
}

impl ConvertTo {
    pub fn target(&self) -> ConvertTarget {
        match self {
            ConvertTo::Suspect(_) => ConvertTarget::Suspect,
            ConvertTo::Returnee(_) => ConvertTarget::Returnee,
        }
    }
}

/// The result of a conversion.
#[derive(Debug, Clone)]
pub enum Converted {
    /// The report with its links (also when it had been converted before: nothing new written).
    Done {
        report: Box<ReportRow>,
        created: bool,
    },
    /// People who may be the one reported; nothing was written.
    Candidates(Vec<PersonRow>),
}

fn r(c: &'static str) -> (Alias, Alias) {
    (Alias::new("r"), Alias::new(c))
}

const OPEN: [&str; 3] = ["new", "triaged", "assigned"];

fn select_reports(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "province_code",
                "area_id",
                "kind",
                "channel",
                "reporter_name",
                "reporter_phone",
                "subject_name",
                "subject_phone",
                "place_detail",
                "description",
                "status",
                "priority",
                "assigned_area_id",
                "assigned_agency_id",
                "outcome",
                "person_id",
                "case_id",
                "returnee_id",
                "created_at",
                "created_by",
                "updated_at",
            ]
            .map(r),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(Expr::cust("ap.name"), "area_parent_name")
        .expr_as(Expr::cust("aa.name"), "assigned_area_name")
        .expr_as(Expr::cust("g.name"), "assigned_agency_name")
        .from_as("hotline_reports", "r")
        .join_as(
            JoinType::LeftJoin,
            "areas",
            "a",
            Expr::cust("a.id = r.area_id"),
        )
        .join_as(
            JoinType::LeftJoin,
            "areas",
            "ap",
            Expr::cust("ap.id = a.parent_id"),
        )
        .join_as(
            JoinType::LeftJoin,
            "areas",
            "aa",
            Expr::cust("aa.id = r.assigned_area_id"),
        )
        .join_as(
            JoinType::LeftJoin,
            "agencies",
            "g",
            Expr::cust("g.id = r.assigned_agency_id"),
        )
        .cond_where(visible(scope))
        .to_owned()
}

/// The access rule of the room: the scope holds the report's commune or its assigned unit.
fn visible(scope: &Scope) -> Cond {
    Cond::any()
        .add(area_in_scope(r("area_id"), scope))
        .add(area_in_scope(r("assigned_area_id"), scope))
}

async fn fetch_report<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    id: i64,
) -> Result<ReportRow, StoreError> {
    let stmt = select_reports(scope)
        .and_where(Expr::col(r("id")).eq(id))
        .to_owned();
    ReportRow::find_by_statement(db.get_database_backend().build(&stmt))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("phản ánh"))
}

async fn report_id_by_key<C: ConnectionTrait>(
    db: &C,
    key: &str,
) -> Result<Option<i64>, StoreError> {
    let row = db
        .query_one(
            &Query::select()
                .column("id")
                .from("hotline_reports")
                .and_where(Expr::col("client_key").eq(key))
                .to_owned(),
        )
        .await?;
    Ok(match row {
        Some(r) => Some(r.try_get("", "id")?),
        None => None,
    })
}

/// Sets a column of a report still open, and its time of change. Returns whether a row changed
/// (`only_if_null`: only when the column is still empty — the guard against converting twice).
async fn set_on_open<C: ConnectionTrait>(
    db: &C,
    id: i64,
    values: Vec<(&'static str, sea_orm::Value)>,
    only_if_null: Option<&'static str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Query::update();
    q.table("hotline_reports");
    for (c, v) in values {
        q.value(Alias::new(c), v);
    }
    q.value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").is_in(OPEN));
    if let Some(c) = only_if_null {
        q.and_where(Expr::col(c).is_null());
    }
    Ok(db.execute(&q).await?.rows_affected() > 0)
}

fn changed_meanwhile() -> StoreError {
    StoreError::Conflict("phản ánh vừa được người khác cập nhật; hãy tải lại".into())
}

impl Store {
    /// Communes (wards) whose name has a word starting with the query, diacritics ignored, in
    /// the structure in force on `on`, at most `limit`, ordered by province, district, name.
    /// Text after a comma narrows by the district or province ("Tân Phong, Lai Châu").
    /// Public facts: no scope.
    pub async fn commune_candidates(
        &self,
        query: &str,
        on: NaiveDate,
        limit: u64,
    ) -> Result<Vec<CommuneOption>, StoreError> {
        let (name, within) = match query.split_once(',') {
            Some((n, w)) => (n, search_key(w)),
            None => (query, String::new()),
        };
        let key = search_key(name);
        if key.is_empty() {
            return Ok(vec![]);
        }
        let structure = Structure::in_force_on(on);
        let terms = Query::select()
            .column("area_id")
            .from("area_terms")
            .and_where(Expr::col("term").gte(key.as_str()))
            .and_where(Expr::col("term").lt(format!("{key}~")))
            .to_owned();
        // Narrowing happens on the labels, so read a wider window then.
        let window = if within.is_empty() { limit } else { 500 };
        let stmt = commune_select()
            .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).in_subquery(terms))
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("level"))).eq(AreaLevel::Ward.as_str()),
            )
            .and_where(Expr::col((Alias::new("a"), Alias::new("structure"))).eq(structure.as_str()))
            .order_by((Alias::new("g"), Alias::new("sort_key")), Order::Asc)
            .order_by((Alias::new("p"), Alias::new("sort_key")), Order::Asc)
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .limit(window)
            .to_owned();
        let mut found =
            CommuneOption::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?;
        if !within.is_empty() {
            found.retain(|c| {
                let places = format!(
                    " {} {} ",
                    search_key(c.parent_name.as_deref().unwrap_or("")),
                    search_key(c.grand_name.as_deref().unwrap_or(""))
                );
                places.contains(&format!(" {within}")) || places.contains(&within)
            });
            found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(found)
    }

    /// One commune (ward) as offered to citizens, if the id is one.
    pub async fn commune(&self, id: &AreaId) -> Result<Option<CommuneOption>, StoreError> {
        let stmt = commune_select()
            .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).eq(id.as_str()))
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("level"))).eq(AreaLevel::Ward.as_str()),
            )
            .to_owned();
        Ok(
            CommuneOption::find_by_statement(self.db.get_database_backend().build(&stmt))
                .one(&self.db)
                .await?,
        )
    }

    /// Records a report. From the public (`scope` None) the place must be a commune (ward);
    /// from an operator it must be a ward or a village within their scope. With a `client_key`
    /// (a citizen's retried submission), the report already made under that key is returned
    /// instead of a second one.
    pub async fn submit_report(
        &self,
        who: &Who,
        input: &ReportInput,
        client_key: Option<&str>,
        scope: Option<&Scope>,
    ) -> Result<Submitted, StoreError> {
        if let Some(key) = client_key
            && let Some(id) = report_id_by_key(&self.db, key).await?
        {
            return Ok(Submitted { id, created: false });
        }
        #[derive(FromQueryResult)]
        struct Place {
            level: String,
            valid_from: Option<NaiveDate>,
            valid_to: Option<NaiveDate>,
        }
        let place = Place::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns(["level", "valid_from", "valid_to"])
                    .from("areas")
                    .and_where(Expr::col("id").eq(input.area_id.as_str()))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?;
        let today = self.clock.today();
        // Citizens name a commune in force today; operators may file under a village too.
        let fits = place.is_some_and(|p| match scope {
            Some(_) => matches!(p.level.as_str(), "ward" | "village"),
            None => {
                p.level == AreaLevel::Ward.as_str()
                    && p.valid_from.is_none_or(|f| f <= today)
                    && p.valid_to.is_none_or(|t| today <= t)
            }
        });
        if !fits {
            return Err(Invalid::field("area_id", "chọn một xã, phường có trong danh sách").into());
        }
        if let Some(scope) = scope {
            self.check_area(scope, &input.area_id).await?;
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, input.area_id.as_str()).await?;
        let phone = |p: &Option<chongdich_domain::person::Phone>| {
            p.as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        };
        let inserted = txn
            .query_one(
                &Query::insert()
                    .into_table("hotline_reports")
                    .columns([
                        "province_code",
                        "area_id",
                        "kind",
                        "channel",
                        "reporter_name",
                        "reporter_phone",
                        "subject_name",
                        "subject_phone",
                        "place_detail",
                        "description",
                        "status",
                        "priority",
                        "outcome",
                        "client_key",
                        "search_key",
                        "created_at",
                        "created_by",
                        "updated_at",
                    ])
                    .values_panic([
                        province.into(),
                        input.area_id.as_str().into(),
                        input.kind.as_str().into(),
                        input.channel.as_str().into(),
                        input.reporter_name.clone().into(),
                        phone(&input.reporter_phone).into(),
                        input.subject_name.clone().into(),
                        phone(&input.subject_phone).into(),
                        input.place_detail.clone().into(),
                        input.description.clone().into(),
                        ReportStatus::New.as_str().into(),
                        input.priority.as_str().into(),
                        "".into(),
                        client_key.map(str::to_owned).into(),
                        input.search_text().into(),
                        now.into(),
                        who.username.clone().into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await;
        let row = match inserted {
            Ok(row) => row.ok_or(StoreError::NotFound("phản ánh"))?,
            // The same submission racing itself: the first one stands.
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                drop(txn);
                if let Some(key) = client_key
                    && let Some(id) = report_id_by_key(&self.db, key).await?
                {
                    return Ok(Submitted { id, created: false });
                }
                return Err(StoreError::Db(e));
            }
            Err(e) => return Err(e.into()),
        };
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "hotline_report", Some(id.to_string()))
                .in_area(input.area_id.as_str())
                .with_detail(format!(
                    "{} — {} ({})",
                    reference(id),
                    input.kind.label(),
                    input.channel.label()
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(Submitted { id, created: true })
    }

    /// The report a citizen's submission made, if this submission was seen before.
    pub async fn report_by_client_key(&self, key: &str) -> Result<Option<i64>, StoreError> {
        report_id_by_key(&self.db, key).await
    }

    /// One report within the scope, without auditing (for internal use after a write).
    pub async fn report_row(&self, scope: &Scope, id: i64) -> Result<ReportRow, StoreError> {
        fetch_report(&self.db, scope, id).await
    }

    /// One report within the scope; the read of the names and phones in it is audited.
    pub async fn report(&self, scope: &Scope, who: &Who, id: i64) -> Result<ReportRow, StoreError> {
        let row = self.report_row(scope, id).await?;
        self.audit(
            who,
            AuditEvent::new(AuditAction::View, "hotline_report", Some(id.to_string()))
                .in_area(row.area_id.clone().unwrap_or_default()),
        )
        .await?;
        Ok(row)
    }

    /// Reports within the scope: the open urgent ones first, then the newest. A search is
    /// audited (who looked for whom), as for people.
    pub async fn reports(
        &self,
        scope: &Scope,
        who: &Who,
        f: &ReportFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<ReportRow>, StoreError> {
        let mut stmt = select_reports(scope);
        if let Some(s) = f.status {
            stmt.and_where(Expr::col(r("status")).eq(s.as_str()));
        }
        if let Some(k) = f.kind {
            stmt.and_where(Expr::col(r("kind")).eq(k.as_str()));
        }
        if let Some(area) = &f.area {
            stmt.cond_where(visible(&Scope::of([area.clone()])));
        }
        let q = f.q.trim();
        if !q.is_empty() {
            if let Some(id) = parse_reference(q) {
                stmt.and_where(Expr::col(r("id")).eq(id));
            } else {
                let key = search_key(q);
                // Keys hold letters, digits and single spaces: no LIKE wildcard can get in.
                for word in key.split(' ').filter(|w| !w.is_empty()) {
                    stmt.and_where(Expr::col(r("search_key")).like(format!("%{word}%")));
                }
            }
        }
        let total = crate::count_of(&self.db, &stmt).await?;
        stmt.order_by_expr(
            Expr::cust(
                "CASE WHEN r.priority = 'urgent' AND r.status IN ('new', 'triaged', 'assigned') THEN 0 ELSE 1 END",
            ),
            Order::Asc,
        )
        .order_by(r("created_at"), Order::Desc)
        .order_by(r("id"), Order::Desc)
        .limit(limit)
        .offset(offset);
        let items = ReportRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        if !q.is_empty() {
            self.audit(
                who,
                AuditEvent::new(AuditAction::View, "hotline_search", None)
                    .with_detail(format!("tìm \"{q}\": {} kết quả", items.len())),
            )
            .await?;
        }
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// Sets what the report is about, its priority and status (triaged, or back to new).
    pub async fn triage_report(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        d: &TriageDraft,
    ) -> Result<ReportRow, StoreError> {
        let before = self.report_row(scope, id).await?;
        let t = d.parse(before.status())?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let changed = set_on_open(
            &txn,
            id,
            vec![
                ("kind", t.kind.as_str().into()),
                ("priority", t.priority.as_str().into()),
                ("status", t.status.as_str().into()),
            ],
            None,
            now,
        )
        .await?;
        if !changed {
            return Err(changed_meanwhile());
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "hotline_report", Some(id.to_string()))
                .in_area(before.area_id.clone().unwrap_or_default())
                .with_detail(format!(
                    "phân loại: {}, {}, {}",
                    t.kind.label(),
                    t.priority.label(),
                    t.status.label()
                )),
        )
        .await?;
        txn.commit().await?;
        self.report_row(scope, id).await
    }

    /// Assigns a report to a unit and/or an agency within the scope. An agency alone assigns
    /// it to the agency's unit too, so that the agency's people see it.
    pub async fn assign_report(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        d: &AssignDraft,
    ) -> Result<ReportRow, StoreError> {
        let before = self.report_row(scope, id).await?;
        let a = d.parse(before.status())?;
        if let Some(area) = &a.area_id {
            self.check_area(scope, area).await?;
        }
        let agency = match a.agency_id {
            Some(agency_id) => Some(self.agency(scope, agency_id).await.map_err(|e| {
                e.not_found_as(
                    "agency_id",
                    format!("không có cơ quan #{agency_id} trong phạm vi của bạn"),
                )
            })?),
            None => None,
        };
        let area = a
            .area_id
            .as_ref()
            .map(|x| x.as_str().to_owned())
            .or_else(|| agency.as_ref().map(|g| g.agency.area_id.clone()));
        let now = self.clock.now();
        let txn = self.write().await?;
        let changed = set_on_open(
            &txn,
            id,
            vec![
                ("assigned_area_id", area.clone().into()),
                ("assigned_agency_id", a.agency_id.into()),
                ("status", ReportStatus::Assigned.as_str().into()),
            ],
            None,
            now,
        )
        .await?;
        if !changed {
            return Err(changed_meanwhile());
        }
        let to = [area.clone(), agency.as_ref().map(|g| g.agency.name.clone())]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ");
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "hotline_report", Some(id.to_string()))
                .in_area(before.area_id.clone().unwrap_or_default())
                .with_detail(format!("giao xử lý: {to}")),
        )
        .await?;
        txn.commit().await?;
        self.report_row(scope, id).await
    }

    /// Closes a report with its outcome, or rejects it with the reason.
    pub async fn close_report(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        d: &CloseDraft,
    ) -> Result<ReportRow, StoreError> {
        let before = self.report_row(scope, id).await?;
        let c = d.parse(before.status())?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let changed = set_on_open(
            &txn,
            id,
            vec![
                ("status", c.status.as_str().into()),
                ("outcome", c.outcome.clone().into()),
            ],
            None,
            now,
        )
        .await?;
        if !changed {
            return Err(changed_meanwhile());
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "hotline_report", Some(id.to_string()))
                .in_area(before.area_id.clone().unwrap_or_default())
                .with_detail(format!("{}: {}", c.status.label(), c.outcome)),
        )
        .await?;
        txn.commit().await?;
        self.report_row(scope, id).await
    }

    /// Turns a report about a person into a suspected case or a returnee record, in one
    /// transaction: the person (new, or one already registered), the case or returnee, and the
    /// links on the report. A report is linked to one person only: converting again reuses that
    /// person, and asking for what was already made returns it without writing anything.
    /// `scope` is where the user handles the hotline, `edit` where they register people.
    /// The people offered as possible duplicates are shown to the user: each is audited as a
    /// view of that person's record.
    pub async fn convert_report(
        &self,
        scope: &Scope,
        edit: &Scope,
        who: &Who,
        id: i64,
        person: &ConvertPerson,
        to: &ConvertTo,
    ) -> Result<Converted, StoreError> {
        let report = self.report_row(scope, id).await?;
        let already = match to {
            ConvertTo::Suspect(_) => report.case_id.is_some(),
            ConvertTo::Returnee(_) => report.returnee_id.is_some(),
        };
        if already {
            return Ok(Converted::Done {
                report: Box::new(report),
                created: false,
            });
        }
        check_convertible(report.kind(), report.status())?;
        let area = AreaId::parse(report.area_id.as_deref().unwrap_or_default())?;
        if !self.area_in_scope(edit, &area).await? {
            return Err(StoreError::Forbidden(
                "xã, phường của phản ánh nằm ngoài phạm vi bạn được đăng ký người".into(),
            ));
        }
        let rules = match to {
            ConvertTo::Suspect(c) => Some(self.disease_for_input(&c.disease).await?),
            ConvertTo::Returnee(_) => None,
        };
        // Who: the person already linked, the one picked, or a new one.
        let existing = match (report.person_id, person) {
            (Some(linked), ConvertPerson::Existing(p)) if *p != linked => {
                return Err(Invalid::field(
                    "person_id",
                    format!("phản ánh đã gắn với người #{linked}"),
                )
                .into());
            }
            (Some(linked), _) => Some(linked),
            (None, ConvertPerson::Existing(p)) => {
                let row = self.person_row(edit, *p).await.map_err(|e| {
                    e.not_found_as(
                        "person_id",
                        format!("không có người #{p} trong phạm vi của bạn"),
                    )
                })?;
                if row.merged_into.is_some() {
                    return Err(
                        Invalid::field("person_id", "hồ sơ đã được gộp vào hồ sơ khác").into(),
                    );
                }
                Some(*p)
            }
            (None, ConvertPerson::New { input, confirm_new }) => {
                self.check_area(edit, &input.area_id).await?;
                if !confirm_new {
                    let c = self.person_candidates(edit, input).await?;
                    if !c.is_empty() {
                        self.audit_candidates(who, id, &c).await?;
                        return Ok(Converted::Candidates(c));
                    }
                }
                None
            }
        };
        let now = self.clock.now();
        let today = self.clock.today();
        let txn = self.write().await?;
        let person_id = match (existing, person) {
            (Some(p), _) => p,
            (None, ConvertPerson::New { input, .. }) => {
                insert_person(&txn, who, now, input).await?
            }
            (None, ConvertPerson::Existing(p)) => *p,
        };
        if report.person_id.is_none()
            && !set_on_open(
                &txn,
                id,
                vec![("person_id", person_id.into())],
                Some("person_id"),
                now,
            )
            .await?
        {
            // Converted by someone else meanwhile: nothing of this attempt is kept.
            return Err(changed_meanwhile());
        }
        let person_row = PersonRow::find_by_statement(
            txn.get_database_backend().build(
                &select_persons()
                    .and_where(Expr::col((Alias::new("p"), Alias::new("id"))).eq(person_id))
                    .to_owned(),
            ),
        )
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("người"))?;
        let (column, made, detail) = match (to, &rules) {
            (ConvertTo::Suspect(case), Some(rules)) => {
                let case_id = match Store::open_case_of(&txn, person_id, rules.disease.id).await? {
                    Some(open) => open,
                    None => {
                        self.insert_case(&txn, who, &person_row, rules, case, now, today)
                            .await?
                    }
                };
                ("case_id", case_id, format!("thành ca nghi ngờ #{case_id}"))
            }
            (ConvertTo::Returnee(ret), _) => {
                let returnee_id = insert_returnee(&txn, who, now, &person_row, ret, id).await?;
                (
                    "returnee_id",
                    returnee_id,
                    format!("thành người về từ vùng dịch #{returnee_id}"),
                )
            }
            (ConvertTo::Suspect(_), None) => {
                return Err(Invalid::field("disease", "chọn bệnh").into());
            }
        };
        if !set_on_open(&txn, id, vec![(column, made.into())], Some(column), now).await? {
            return Err(changed_meanwhile());
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "hotline_report", Some(id.to_string()))
                .in_area(area.as_str())
                .with_detail(format!(
                    "chuyển {} (người #{person_id} {})",
                    detail, person_row.full_name
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(Converted::Done {
            report: Box::new(self.report_row(scope, id).await?),
            created: true,
        })
    }
}

impl Store {
    /// Records that the people offered as possible duplicates of the one a report is about
    /// were shown to the user: their names, birth dates and phones are read as for any person's
    /// record, one entry per person, all in one transaction.
    async fn audit_candidates(
        &self,
        who: &Who,
        report_id: i64,
        candidates: &[PersonRow],
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let txn = self.write().await?;
        for p in candidates {
            audit::append(
                &txn,
                who,
                now,
                &AuditEvent::new(AuditAction::View, "person", Some(p.id.to_string()))
                    .in_area(p.area_id.clone())
                    .with_detail(format!(
                        "hiện là hồ sơ có thể trùng khi chuyển phản ánh {}",
                        reference(report_id)
                    )),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(())
    }
}

fn commune_select() -> SelectStatement {
    Query::select()
        .expr_as(Expr::cust("a.id"), "id")
        .expr_as(Expr::cust("a.name"), "name")
        .expr_as(Expr::cust("p.name"), "parent_name")
        .expr_as(Expr::cust("p.level"), "parent_level")
        .expr_as(Expr::cust("g.name"), "grand_name")
        .expr_as(Expr::cust("g.level"), "grand_level")
        .from_as("areas", "a")
        .join_as(
            JoinType::LeftJoin,
            "areas",
            "p",
            Expr::cust("p.id = a.parent_id"),
        )
        .join_as(
            JoinType::LeftJoin,
            "areas",
            "g",
            Expr::cust("g.id = p.parent_id"),
        )
        .to_owned()
}

/// Records a returnee from an epidemic area, in the person's commune, within a transaction.
async fn insert_returnee<C: ConnectionTrait>(
    txn: &C,
    who: &Who,
    now: DateTime<Utc>,
    person: &PersonRow,
    ret: &ReturneeInput,
    report_id: i64,
) -> Result<i64, StoreError> {
    let row = txn
        .query_one(
            &Query::insert()
                .into_table("returnees")
                .columns([
                    "province_code",
                    "area_id",
                    "person_id",
                    "origin",
                    "origin_area_id",
                    "arrived_on",
                    "transport",
                    "source",
                    "hotline_report_id",
                    "created_at",
                    "created_by",
                ])
                .values_panic([
                    person.province_code.clone().into(),
                    person.area_id.clone().into(),
                    person.id.into(),
                    ret.origin.clone().into(),
                    ret.origin_area_id
                        .as_ref()
                        .map(|a| a.as_str().to_owned())
                        .into(),
                    ret.arrived_on.into(),
                    ret.transport.clone().into(),
                    "hotline".into(),
                    report_id.into(),
                    now.into(),
                    who.username.clone().into(),
                ])
                .returning_col("id")
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("người về"))?;
    let id: i64 = row.try_get("", "id")?;
    audit::append(
        txn,
        who,
        now,
        &AuditEvent::new(AuditAction::Create, "returnee", Some(id.to_string()))
            .in_area(person.area_id.clone())
            .with_detail(format!(
                "{} — từ {}, về ngày {}",
                person.full_name,
                ret.origin,
                ret.arrived_on.format("%d/%m/%Y")
            )),
    )
    .await?;
    Ok(id)
}
