//! The document registry: the Steering Committee's documents with their header fields, the
//! documents they cite (linked when the cited one is registered, whichever is registered
//! first), and the tasks confirmed from their items.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::tasks::{NewTask, TaskFilter, TaskItem, insert_task};
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::agency::{UnitGroup, guess_kind, is_group_name, name_matches, unit_group};
use chongdich_domain::area::{AreaId, AreaLevel};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::directive::{DocumentKind, ParsedDirective, PartialDate, Signer, number_key};
use chongdich_domain::error::Collector;
use chongdich_domain::task::{NamedAgency, TaskInput, TaskSource};
use chongdich_domain::text::{clean, search_key};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// The largest document text kept (characters).
pub const MAX_BODY: usize = 2_000_000;

/// An item of a document confirmed as a task.
#[derive(Debug, Clone)]
pub struct DocumentTask {
    pub path: String,
    pub input: TaskInput,
}

/// A document as confirmed on the review screen (or sent to the API).
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// The level that issued it (whose committee's work it is).
    pub area: AreaId,
    /// The header fields as corrected; its items are not read (see `tasks`).
    pub fields: ParsedDirective,
    pub body: String,
    pub tasks: Vec<DocumentTask>,
    /// Register the agencies a task names that are not registered yet (groups stay names).
    pub create_missing_agencies: bool,
}

impl NewDocument {
    /// Checks the header fields and every task; errors name the field (`tasks[3].lead`).
    pub fn check(mut self) -> Result<Self, Invalid> {
        let mut c = Collector::new();
        self.body = self.body.replace("\r\n", "\n");
        if self.body.trim().is_empty() {
            c.push("body", "văn bản trống");
        } else if self.body.chars().count() > MAX_BODY {
            c.push("body", "văn bản dài quá 2.000.000 ký tự");
        }
        let f = &mut self.fields;
        let opt = |s: &Option<String>| s.as_deref().map(clean).filter(|s| !s.is_empty());
        f.number = opt(&f.number);
        f.issuer = opt(&f.issuer);
        f.place = opt(&f.place);
        f.subject = opt(&f.subject);
        if f.subject
            .as_deref()
            .is_some_and(|s| s.chars().count() > 2000)
        {
            c.push("subject", "trích yếu dài quá 2.000 ký tự");
        }
        if f.number.as_deref().is_some_and(|s| s.chars().count() > 100) {
            c.push("number", "số, ký hiệu dài quá 100 ký tự");
        }
        if let Some(d) = f.date {
            let month_ok = d.month.is_none_or(|m| (1..=12).contains(&m));
            let day_ok = match (d.day, d.month) {
                (Some(_), None) => false,
                (Some(_), Some(_)) => d.to_date().is_some(),
                _ => true,
            };
            if !(1945..=2100).contains(&d.year) || !month_ok || !day_ok {
                c.push("date", "ngày ban hành không hợp lệ");
            }
        }
        f.recipients = f
            .recipients
            .iter()
            .map(|s| clean(s))
            .filter(|s| !s.is_empty())
            .collect();
        f.distribution = f
            .distribution
            .iter()
            .map(|s| clean(s))
            .filter(|s| !s.is_empty())
            .collect();
        f.signer = f.signer.take().and_then(|s| {
            let name = clean(&s.name);
            (!name.is_empty()).then(|| Signer {
                name,
                authority: opt(&s.authority),
                title: opt(&s.title),
            })
        });
        let mut tasks = Vec::with_capacity(self.tasks.len());
        for (i, t) in std::mem::take(&mut self.tasks).into_iter().enumerate() {
            if let Some(input) = c.take(t.input.check(&format!("tasks[{i}]."))) {
                tasks.push(DocumentTask {
                    path: t.path,
                    input,
                });
            }
        }
        c.finish()?;
        self.tasks = tasks;
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct DocumentRow {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub kind: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub place: Option<String>,
    pub date_year: Option<i32>,
    pub date_month: Option<i32>,
    pub date_day: Option<i32>,
    pub subject: Option<String>,
    pub task_count: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl DocumentRow {
    pub fn date(&self) -> Option<PartialDate> {
        Some(PartialDate {
            year: self.date_year?,
            month: self.date_month.and_then(|m| u32::try_from(m).ok()),
            day: self.date_day.and_then(|d| u32::try_from(d).ok()),
        })
    }

    /// "Thông báo /TB-UBND" or "Công văn 1229/UBND-VX".
    pub fn label(&self) -> String {
        let kind = DocumentKind::parse(&self.kind)
            .map(|k| k.label())
            .unwrap_or("Văn bản");
        match &self.number {
            Some(n) => format!("{kind} {n}"),
            None => kind.to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ReferenceRow {
    pub id: i64,
    pub document_id: i64,
    pub kind: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub date_year: Option<i32>,
    pub date_month: Option<i32>,
    pub date_day: Option<i32>,
    pub referenced_id: Option<i64>,
}

impl ReferenceRow {
    pub fn date(&self) -> Option<PartialDate> {
        Some(PartialDate {
            year: self.date_year?,
            month: self.date_month.and_then(|m| u32::try_from(m).ok()),
            day: self.date_day.and_then(|d| u32::try_from(d).ok()),
        })
    }
}

/// A registered document with everything about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentView {
    pub document: DocumentRow,
    pub recipients: Vec<String>,
    pub distribution: Vec<String>,
    pub signer: Option<Signer>,
    pub body: String,
    pub references: Vec<ReferenceRow>,
    /// Registered documents that cite this one.
    pub cited_by: Vec<DocumentRow>,
    pub tasks: Vec<TaskItem>,
}

fn select_documents(scope: &Scope) -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "area_id",
                "kind",
                "number",
                "issuer",
                "place",
                "date_year",
                "date_month",
                "date_day",
                "subject",
                "created_at",
                "created_by",
            ]
            .map(|c| (Alias::new("d"), Alias::new(c))),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .expr_as(
            Expr::cust("(SELECT COUNT(*) FROM tasks t WHERE t.document_id = d.id)"),
            "task_count",
        )
        .from_as("documents", "d")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = d.area_id"),
        )
        .cond_where(
            Cond::any()
                .add(area_in_scope(
                    (Alias::new("d"), Alias::new("area_id")),
                    scope,
                ))
                .add(issued_above(scope)),
        )
        .to_owned()
}

/// Documents of the levels above the scope are visible too: a district reads the province's
/// directives it implements.
fn issued_above(scope: &Scope) -> Expr {
    if scope.is_empty() {
        return Expr::cust("1 = 0");
    }
    let roots: Vec<String> = scope
        .roots()
        .iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    Expr::col((Alias::new("d"), Alias::new("area_id"))).in_subquery(
        Query::select()
            .column("ancestor_id")
            .from("area_closure")
            .and_where(Expr::col("descendant_id").is_in(roots))
            .to_owned(),
    )
}

fn date_parts(d: Option<PartialDate>) -> [Expr; 3] {
    [
        Expr::val(d.map(|d| d.year)),
        Expr::val(d.and_then(|d| d.month).map(|m| m as i32)),
        Expr::val(d.and_then(|d| d.day).map(|m| m as i32)),
    ]
}

/// A registered agency the document's area (or a unit below it) holds.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
struct AgencyCandidate {
    id: i64,
    name: String,
    area_id: String,
    area_name: String,
}

/// The agencies a document's tasks name, as the tasks are written: the registered ones, plus
/// those registered on the way.
struct Agencies {
    candidates: Vec<AgencyCandidate>,
    /// Register the names that match no agency (groups stay names).
    create: bool,
    /// The document's unit and its name, where agencies it names are registered …
    home: (AreaId, String),
    /// … unless the name ends with one of these units below it ("UBND huyện Than Uyên",
    /// "Trạm Y tế xã Mường Than"): then in that unit, so that its people see its tasks.
    units: Vec<(AreaId, String)>,
}

impl Agencies {
    /// Sets each name's agency: the registered one it names, or a new one registered in its
    /// unit (`unit` for the leads of a task split by unit, else the document's unit).
    async fn resolve<C: ConnectionTrait>(
        &mut self,
        txn: &C,
        who: &Who,
        now: DateTime<Utc>,
        input: &mut TaskInput,
        unit: Option<&(AreaId, String)>,
    ) -> Result<(), StoreError> {
        let leads = input.lead.len();
        for (i, a) in input
            .lead
            .iter_mut()
            .chain(input.support.iter_mut())
            .enumerate()
        {
            if a.agency_id.is_some() {
                continue;
            }
            let (area, area_name) = match unit {
                Some(u) if i < leads => u.clone(),
                _ => self
                    .named_unit(&a.name)
                    .unwrap_or_else(|| self.home.clone()),
            };
            let found = self.candidates.iter().find(|c| {
                name_matches(&c.name, &a.name, &c.area_name)
                    && (i >= leads || unit.is_none() || c.area_id == area.as_str())
            });
            if let Some(c) = found {
                a.agency_id = Some(c.id);
                continue;
            }
            if self.create && !is_group_name(&a.name) {
                let agency_id = crate::agencies::insert_agency(
                    txn,
                    who,
                    now,
                    &area,
                    &a.name,
                    guess_kind(&a.name),
                )
                .await?;
                self.candidates.push(AgencyCandidate {
                    id: agency_id,
                    name: a.name.clone(),
                    area_id: area.as_str().to_owned(),
                    area_name,
                });
                a.agency_id = Some(agency_id);
            }
        }
        Ok(())
    }

    /// The unit below the document's that a name ends with, the most specific one; None when
    /// none does, or when two units of that name do (two "xã Tân Phong" of a province).
    fn named_unit(&self, name: &str) -> Option<(AreaId, String)> {
        let key = search_key(name);
        let matching: Vec<(usize, &(AreaId, String))> = self
            .units
            .iter()
            .map(|u| (search_key(&u.1), u))
            .filter(|(unit, _)| !unit.is_empty() && key.ends_with(&format!(" {unit}")))
            .map(|(unit, u)| (unit.len(), u))
            .collect();
        let longest = matching.iter().map(|(len, _)| *len).max()?;
        match matching
            .iter()
            .filter(|(len, _)| *len == longest)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [(_, u)] => Some((*u).clone()),
            _ => None,
        }
    }

    /// Where a task belongs: the unit of its lead agencies, when they are all registered in
    /// one unit.
    fn lead_area(&self, input: &TaskInput) -> Option<AreaId> {
        let areas: Vec<&str> = input
            .lead
            .iter()
            .filter_map(|a| a.agency_id)
            .filter_map(|id| self.candidates.iter().find(|c| c.id == id))
            .map(|c| c.area_id.as_str())
            .collect();
        match areas.first() {
            Some(first) if areas.len() == input.lead.len() && areas.iter().all(|a| a == first) => {
                AreaId::parse(first).ok()
            }
            _ => None,
        }
    }
}

async fn area_name_of<C: ConnectionTrait>(db: &C, area: &AreaId) -> Result<String, StoreError> {
    Ok(db
        .query_one(
            &Query::select()
                .column("name")
                .from("areas")
                .and_where(Expr::col("id").eq(area.as_str()))
                .to_owned(),
        )
        .await?
        .and_then(|r| r.try_get::<String>("", "name").ok())
        .unwrap_or_default())
}

/// The units of `level` below `area` (through the 2025 mapping too) in force on `on`, by id.
async fn units_below<C: ConnectionTrait>(
    db: &C,
    area: &AreaId,
    level: AreaLevel,
    on: chrono::NaiveDate,
) -> Result<Vec<(AreaId, String)>, StoreError> {
    let rows = db
        .query_all(
            &Query::select()
                .columns([
                    (Alias::new("a"), Alias::new("id")),
                    (Alias::new("a"), Alias::new("name")),
                ])
                .from_as("area_closure", "c")
                .join_as(
                    JoinType::InnerJoin,
                    "areas",
                    "a",
                    Expr::cust("a.id = c.descendant_id"),
                )
                .and_where(
                    Expr::col((Alias::new("c"), Alias::new("ancestor_id"))).eq(area.as_str()),
                )
                .and_where(Expr::col((Alias::new("a"), Alias::new("level"))).eq(level.as_str()))
                .cond_where(
                    Cond::any()
                        .add(Expr::col((Alias::new("a"), Alias::new("valid_from"))).is_null())
                        .add(Expr::col((Alias::new("a"), Alias::new("valid_from"))).lte(on)),
                )
                .cond_where(
                    Cond::any()
                        .add(Expr::col((Alias::new("a"), Alias::new("valid_to"))).is_null())
                        .add(Expr::col((Alias::new("a"), Alias::new("valid_to"))).gte(on)),
                )
                .order_by((Alias::new("a"), Alias::new("id")), Order::Asc)
                .to_owned(),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                AreaId::parse(&r.try_get::<String>("", "id")?)?,
                r.try_get::<String>("", "name")?,
            ))
        })
        .collect()
}

/// A confirmed task as written: leads that are groups of units ([`unit_group`]) become one task
/// per unit of that level below the document's unit, led by that unit's agency (the unit is
/// returned with it); the other leads keep one task. A group with no unit of its level below
/// (a commune's document naming "các huyện") stays a name.
async fn split_by_unit<C: ConnectionTrait>(
    db: &C,
    area: &AreaId,
    on: chrono::NaiveDate,
    input: &TaskInput,
) -> Result<Vec<(TaskInput, Option<(AreaId, String)>)>, StoreError> {
    let mut kept = Vec::new();
    let mut by_level: Vec<(AreaLevel, Vec<UnitGroup>)> = Vec::new();
    for a in &input.lead {
        match unit_group(&a.name).filter(|_| a.agency_id.is_none()) {
            Some(g) => match by_level.iter_mut().find(|(l, _)| *l == g.level) {
                Some((_, gs)) => gs.push(g),
                None => by_level.push((g.level, vec![g])),
            },
            None => kept.push(a.clone()),
        }
    }
    let mut out = Vec::new();
    for (level, groups) in by_level {
        let units = units_below(db, area, level, on).await?;
        if units.is_empty() {
            // Nothing to split into: the group stays a name.
            kept.extend(
                input
                    .lead
                    .iter()
                    .filter(|a| unit_group(&a.name).is_some_and(|g| groups.contains(&g)))
                    .cloned(),
            );
            continue;
        }
        for (unit, name) in units {
            let lead = groups
                .iter()
                .map(|g| NamedAgency {
                    agency_id: None,
                    name: g.member_name(&name),
                })
                .collect();
            out.push((
                TaskInput {
                    lead,
                    ..input.clone()
                },
                Some((unit, name)),
            ));
        }
    }
    if !kept.is_empty() {
        out.insert(
            0,
            (
                TaskInput {
                    lead: kept,
                    ..input.clone()
                },
                None,
            ),
        );
    }
    Ok(out)
}

impl Store {
    /// How many units of `level` lie below `area` on `on`: the tasks a group of units
    /// ([`unit_group`]) becomes.
    pub async fn unit_count(
        &self,
        area: &AreaId,
        level: AreaLevel,
        on: chrono::NaiveDate,
    ) -> Result<usize, StoreError> {
        Ok(units_below(&self.db, area, level, on).await?.len())
    }

    async fn agency_candidates<C: ConnectionTrait>(
        db: &C,
        area: &AreaId,
    ) -> Result<Vec<AgencyCandidate>, StoreError> {
        let stmt = crate::agencies::agencies_with_unit()
            .column((Alias::new("g"), Alias::new("area_id")))
            .and_where(area_in_scope(
                (Alias::new("g"), Alias::new("area_id")),
                &Scope::of([area.clone()]),
            ))
            .order_by((Alias::new("g"), Alias::new("id")), Order::Asc)
            .to_owned();
        Ok(
            AgencyCandidate::find_by_statement(db.get_database_backend().build(&stmt))
                .all(db)
                .await?,
        )
    }

    /// The registered agencies a document's names stand for, for the review screen: each name
    /// with the agency it matched, if any.
    pub async fn match_agencies(
        &self,
        area: &AreaId,
        names: &[String],
    ) -> Result<Vec<NamedAgency>, StoreError> {
        let candidates = Self::agency_candidates(&self.db, area).await?;
        Ok(names
            .iter()
            .map(|n| NamedAgency {
                agency_id: candidates
                    .iter()
                    .find(|c| name_matches(&c.name, n, &c.area_name))
                    .map(|c| c.id),
                name: n.clone(),
            })
            .collect())
    }

    /// Registers a document, its references and the tasks confirmed from its items, in one
    /// transaction. A number already registered in the same year is refused (naming the
    /// number), so confirming twice writes once.
    pub async fn register_document(
        &self,
        scope: &Scope,
        who: &Who,
        doc: NewDocument,
    ) -> Result<i64, StoreError> {
        self.check_area(scope, &doc.area).await?;
        let doc = doc.check()?;
        let f = &doc.fields;
        let key = f.number.as_deref().and_then(number_key);
        if let Some(key) = &key {
            // Numbers repeat between units (every district's UBND has its "12/UBND-VP"): a
            // duplicate is the same number in the same unit and year.
            let mut dup = Query::select()
                .column("id")
                .from("documents")
                .and_where(Expr::col("number_key").eq(key.as_str()))
                .and_where(Expr::col("area_id").eq(doc.area.as_str()))
                .to_owned();
            if let Some(d) = f.date {
                dup.and_where(Expr::col("date_year").eq(d.year));
            }
            if let Some(r) = self.db.query_one(&dup).await? {
                let id: i64 = r.try_get("", "id")?;
                return Err(Invalid::field(
                    "number",
                    format!(
                        "văn bản số {} đã có trong sổ (mục số {id})",
                        f.number.as_deref().unwrap_or_default()
                    ),
                )
                .into());
            }
        }
        for t in &doc.tasks {
            self.check_agencies(scope, &doc.area, &mut t.input.clone())
                .await?;
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, doc.area.as_str()).await?;
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
        let search = search_key(&format!(
            "{} {} {}",
            f.number.as_deref().unwrap_or_default(),
            f.subject.as_deref().unwrap_or_default(),
            f.issuer.as_deref().unwrap_or_default()
        ));
        let [y, m, d] = date_parts(f.date);
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("documents")
                    .columns([
                        "province_code",
                        "area_id",
                        "kind",
                        "number",
                        "number_key",
                        "issuer",
                        "place",
                        "date_year",
                        "date_month",
                        "date_day",
                        "subject",
                        "search_key",
                        "recipients",
                        "distribution",
                        "signer_name",
                        "signer_authority",
                        "signer_title",
                        "body",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        province.into(),
                        doc.area.as_str().into(),
                        f.kind.as_str().into(),
                        f.number.clone().into(),
                        key.clone().into(),
                        f.issuer.clone().into(),
                        f.place.clone().into(),
                        y,
                        m,
                        d,
                        f.subject.clone().into(),
                        search.into(),
                        json(&f.recipients).into(),
                        json(&f.distribution).into(),
                        f.signer.as_ref().map(|s| s.name.clone()).into(),
                        f.signer.as_ref().and_then(|s| s.authority.clone()).into(),
                        f.signer.as_ref().and_then(|s| s.title.clone()).into(),
                        doc.body.clone().into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("văn bản"))?;
        let id: i64 = row.try_get("", "id")?;
        // References: linked to a registered document of that number; and references made
        // earlier by others to this one's number now link here.
        for (i, r) in f.references.iter().enumerate() {
            let rkey = r.number.as_deref().and_then(number_key);
            let linked = match &rkey {
                Some(k) => {
                    let mut q = Query::select()
                        .column("id")
                        .from("documents")
                        .and_where(Expr::col("number_key").eq(k.as_str()))
                        .and_where(Expr::col("id").ne(id))
                        .order_by("id", Order::Asc)
                        .limit(1)
                        .to_owned();
                    // "98/TB-VPCP" of 2022 is not the one of 2021.
                    if let Some(d) = r.date {
                        q.and_where(Expr::col("date_year").eq(d.year));
                    }
                    txn.query_one(&q)
                        .await?
                        .and_then(|r| r.try_get::<i64>("", "id").ok())
                }
                None => None,
            };
            let [ry, rm, rd] = date_parts(r.date);
            txn.execute(
                &Query::insert()
                    .into_table("document_references")
                    .columns([
                        "document_id",
                        "position",
                        "kind",
                        "number",
                        "number_key",
                        "issuer",
                        "date_year",
                        "date_month",
                        "date_day",
                        "referenced_id",
                    ])
                    .values_panic([
                        id.into(),
                        (i as i32).into(),
                        r.kind.as_str().into(),
                        r.number.clone().into(),
                        rkey.into(),
                        r.issuer.clone().into(),
                        ry,
                        rm,
                        rd,
                        linked.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        }
        if let Some(k) = &key {
            let mut q = Query::update()
                .table("document_references")
                .value("referenced_id", id)
                .and_where(Expr::col("number_key").eq(k.as_str()))
                .and_where(Expr::col("referenced_id").is_null())
                .and_where(Expr::col("document_id").ne(id))
                .to_owned();
            if let Some(d) = f.date {
                q.cond_where(
                    Cond::any()
                        .add(Expr::col("date_year").is_null())
                        .add(Expr::col("date_year").eq(d.year)),
                );
            }
            txn.execute(&q).await?;
        }
        // Tasks: names resolved to registered agencies; missing ones registered when asked. A
        // task given to a group of units ("UBND các huyện, thành phố") is given to each unit's
        // agency, one task per unit, so that each sees, reports on and answers for its own.
        let on = f
            .date
            .and_then(|d| {
                chrono::NaiveDate::from_ymd_opt(d.year, d.month.unwrap_or(1), d.day.unwrap_or(1))
            })
            .unwrap_or_else(|| self.clock.today());
        let mut units = Vec::new();
        if doc.create_missing_agencies {
            for level in [AreaLevel::District, AreaLevel::Ward] {
                units.extend(units_below(&txn, &doc.area, level, on).await?);
            }
        }
        let mut agencies = Agencies {
            candidates: Self::agency_candidates(&txn, &doc.area).await?,
            create: doc.create_missing_agencies,
            home: (doc.area.clone(), area_name_of(&txn, &doc.area).await?),
            units,
        };
        let mut written = 0usize;
        for t in &doc.tasks {
            for (mut input, unit) in split_by_unit(&txn, &doc.area, on, &t.input).await? {
                agencies
                    .resolve(&txn, who, now, &mut input, unit.as_ref())
                    .await?;
                let area = match &unit {
                    Some((unit, _)) => unit.clone(),
                    None => agencies
                        .lead_area(&input)
                        .unwrap_or_else(|| doc.area.clone()),
                };
                insert_task(
                    &txn,
                    who,
                    now,
                    &NewTask {
                        area,
                        input,
                        source: TaskSource::Directive,
                        document_id: Some(id),
                        item_path: Some(t.path.clone()),
                    },
                )
                .await?;
                written += 1;
            }
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "document", Some(id.to_string()))
                .in_area(doc.area.as_str())
                .with_detail(format!(
                    "{} {} — {written} nhiệm vụ",
                    f.kind.label(),
                    f.number.as_deref().unwrap_or_default(),
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    /// Registered documents within the scope, newest first; `q` matches number, subject and
    /// issuer ignoring diacritics.
    pub async fn documents(
        &self,
        scope: &Scope,
        q: Option<&str>,
        kind: Option<DocumentKind>,
        limit: u64,
        offset: u64,
    ) -> Result<Page<DocumentRow>, StoreError> {
        let mut base = select_documents(scope);
        if let Some(q) = q {
            for w in search_key(q).split_whitespace() {
                base.and_where(
                    Expr::col((Alias::new("d"), Alias::new("search_key"))).like(format!("%{w}%")),
                );
            }
        }
        if let Some(k) = kind {
            base.and_where(Expr::col((Alias::new("d"), Alias::new("kind"))).eq(k.as_str()));
        }
        let total = crate::count_capped(&self.db, &base, 100_000).await?;
        let stmt = base
            .order_by((Alias::new("d"), Alias::new("id")), Order::Desc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        let items = DocumentRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// One document with its references, the documents citing it and its tasks.
    pub async fn document(&self, scope: &Scope, id: i64) -> Result<DocumentView, StoreError> {
        let b = self.db.get_database_backend();
        let document = DocumentRow::find_by_statement(
            b.build(
                &select_documents(scope)
                    .and_where(Expr::col((Alias::new("d"), Alias::new("id"))).eq(id))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("văn bản"))?;
        let extra = self
            .db
            .query_one(
                &Query::select()
                    .columns([
                        "recipients",
                        "distribution",
                        "signer_name",
                        "signer_authority",
                        "signer_title",
                        "body",
                    ])
                    .from("documents")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("văn bản"))?;
        let list = |c: &str| -> Result<Vec<String>, StoreError> {
            let s: String = extra.try_get("", c)?;
            Ok(serde_json::from_str(&s).unwrap_or_default())
        };
        let signer = extra
            .try_get::<Option<String>>("", "signer_name")?
            .map(|name| Signer {
                name,
                authority: extra.try_get("", "signer_authority").ok().flatten(),
                title: extra.try_get("", "signer_title").ok().flatten(),
            });
        let references = ReferenceRow::find_by_statement(
            b.build(
                &Query::select()
                    .columns([
                        "id",
                        "document_id",
                        "kind",
                        "number",
                        "issuer",
                        "date_year",
                        "date_month",
                        "date_day",
                        "referenced_id",
                    ])
                    .from("document_references")
                    .and_where(Expr::col("document_id").eq(id))
                    .order_by("position", Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let cited_by = DocumentRow::find_by_statement(
            b.build(
                &select_documents(scope)
                    .and_where(
                        Expr::col((Alias::new("d"), Alias::new("id"))).in_subquery(
                            Query::select()
                                .column("document_id")
                                .from("document_references")
                                .and_where(Expr::col("referenced_id").eq(id))
                                .to_owned(),
                        ),
                    )
                    .order_by((Alias::new("d"), Alias::new("id")), Order::Asc)
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        let tasks = self
            .tasks(
                scope,
                &TaskFilter {
                    document_id: Some(id),
                    ..TaskFilter::default()
                },
                500,
                0,
            )
            .await?
            .items;
        Ok(DocumentView {
            recipients: list("recipients")?,
            distribution: list("distribution")?,
            signer,
            body: extra.try_get("", "body")?,
            document,
            references,
            cited_by,
            tasks,
        })
    }
}
