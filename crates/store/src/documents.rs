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
use chongdich_domain::agency::{guess_kind, is_group_name, name_matches};
use chongdich_domain::area::AreaId;
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

impl Store {
    async fn agency_candidates<C: ConnectionTrait>(
        db: &C,
        area: &AreaId,
    ) -> Result<Vec<AgencyCandidate>, StoreError> {
        let stmt = Query::select()
            .columns([
                (Alias::new("g"), Alias::new("id")),
                (Alias::new("g"), Alias::new("name")),
                (Alias::new("g"), Alias::new("area_id")),
            ])
            .expr_as(Expr::cust("a.name"), "area_name")
            .from_as("agencies", "g")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = g.area_id"),
            )
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
            let mut dup = Query::select()
                .column("id")
                .from("documents")
                .and_where(Expr::col("number_key").eq(key.as_str()))
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
            self.check_agencies(&t.input).await?;
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
                Some(k) => txn
                    .query_one(
                        &Query::select()
                            .column("id")
                            .from("documents")
                            .and_where(Expr::col("number_key").eq(k.as_str()))
                            .and_where(Expr::col("id").ne(id))
                            .order_by("id", Order::Asc)
                            .limit(1)
                            .to_owned(),
                    )
                    .await?
                    .and_then(|r| r.try_get::<i64>("", "id").ok()),
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
            txn.execute(
                &Query::update()
                    .table("document_references")
                    .value("referenced_id", id)
                    .and_where(Expr::col("number_key").eq(k.as_str()))
                    .and_where(Expr::col("referenced_id").is_null())
                    .and_where(Expr::col("document_id").ne(id))
                    .to_owned(),
            )
            .await?;
        }
        // Tasks: names resolved to registered agencies; missing ones registered when asked.
        let mut candidates = Self::agency_candidates(&txn, &doc.area).await?;
        let area_name = txn
            .query_one(
                &Query::select()
                    .column("name")
                    .from("areas")
                    .and_where(Expr::col("id").eq(doc.area.as_str()))
                    .to_owned(),
            )
            .await?
            .and_then(|r| r.try_get::<String>("", "name").ok())
            .unwrap_or_default();
        for t in &doc.tasks {
            let mut input = t.input.clone();
            for a in input.lead.iter_mut().chain(input.support.iter_mut()) {
                if a.agency_id.is_some() {
                    continue;
                }
                if let Some(c) = candidates
                    .iter()
                    .find(|c| name_matches(&c.name, &a.name, &c.area_name))
                {
                    a.agency_id = Some(c.id);
                    continue;
                }
                if doc.create_missing_agencies && !is_group_name(&a.name) {
                    let agency_id = crate::agencies::insert_agency(
                        &txn,
                        who,
                        now,
                        &doc.area,
                        &a.name,
                        guess_kind(&a.name),
                    )
                    .await?;
                    candidates.push(AgencyCandidate {
                        id: agency_id,
                        name: a.name.clone(),
                        area_id: doc.area.as_str().to_owned(),
                        area_name: area_name.clone(),
                    });
                    a.agency_id = Some(agency_id);
                }
            }
            // The task belongs where its lead agencies are, when they are all in one unit.
            let lead_areas: Vec<&str> = input
                .lead
                .iter()
                .filter_map(|a| a.agency_id)
                .filter_map(|aid| candidates.iter().find(|c| c.id == aid))
                .map(|c| c.area_id.as_str())
                .collect();
            let area = match lead_areas.first() {
                Some(first)
                    if lead_areas.len() == input.lead.len()
                        && lead_areas.iter().all(|a| a == first) =>
                {
                    AreaId::parse(first)?
                }
                _ => doc.area.clone(),
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
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "document", Some(id.to_string()))
                .in_area(doc.area.as_str())
                .with_detail(format!(
                    "{} {} — {} nhiệm vụ",
                    f.kind.label(),
                    f.number.as_deref().unwrap_or_default(),
                    doc.tasks.len()
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
