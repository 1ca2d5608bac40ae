//! Imports of lists from Excel: the uploaded file kept as a job (its kind, settings, status,
//! counts and report), read back by its creator only; the column mapping each user last chose
//! for a kind; and the communes a list may name, resolved from the names people type.
//!
//! A job moves `uploaded` → `checked` → `running` → `done` (or `failed`, from which it may be
//! checked again). Starting it is one conditional UPDATE, so a job runs once however often it
//! is asked to.

use crate::audit::{self, Who};
use crate::diseases::DiseaseRules;
use crate::persons::PersonRow;
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::{AreaId, AreaLevel, Structure};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::CaseInput;
use chongdich_domain::exposure::ExposureInput;
use chongdich_domain::import::ImportKind;
use chongdich_domain::person::PersonInput;
use chongdich_domain::text::search_key;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult};
use serde::Serialize;
use std::collections::HashMap;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// The file is kept; its columns are not yet checked.
    Uploaded,
    /// Checked: the report is there, the valid rows may be imported.
    Checked,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [
        JobStatus::Uploaded,
        JobStatus::Checked,
        JobStatus::Running,
        JobStatus::Done,
        JobStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Uploaded => "uploaded",
            JobStatus::Checked => "checked",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Uploaded => "Đã tải lên, chưa kiểm tra",
            JobStatus::Checked => "Đã kiểm tra",
            JobStatus::Running => "Đang nhập",
            JobStatus::Done => "Đã nhập xong",
            JobStatus::Failed => "Không nhập được",
        }
    }
}

/// A job as read (without its file).
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct JobRow {
    pub id: i64,
    pub province_code: Option<String>,
    pub kind: String,
    pub file_name: String,
    /// The settings as JSON (`chongdich_domain::import::ImportSettings`).
    pub mapping: String,
    pub status: String,
    pub total: i64,
    pub valid: i64,
    pub invalid: i64,
    pub imported: i64,
    /// The report as JSON (`chongdich_domain::import::Report`), empty before a check.
    pub report: String,
    pub error: String,
    pub batch_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobRow {
    pub fn status(&self) -> JobStatus {
        JobStatus::parse(&self.status).unwrap_or(JobStatus::Failed)
    }
}

const JOB_COLUMNS: [&str; 16] = [
    "id",
    "province_code",
    "kind",
    "file_name",
    "mapping",
    "status",
    "total",
    "valid",
    "invalid",
    "imported",
    "report",
    "error",
    "batch_id",
    "created_at",
    "created_by",
    "finished_at",
];

/// What a check found, to be kept with the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub settings: String,
    pub total: i64,
    pub valid: i64,
    pub invalid: i64,
    pub report: String,
}

/// A commune a list may name.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct CommuneName {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub district_kind: Option<String>,
}

impl Store {
    /// Marks the imports left running by a stopped server as failed (their transaction was
    /// rolled back with the process), so that they may be checked and run again. For a single
    /// server process, which is what runs imports. Returns how many.
    pub async fn fail_interrupted_imports(&self) -> Result<u64, StoreError> {
        Ok(self
            .db
            .execute(
                &Query::update()
                    .table("import_jobs")
                    .value("status", JobStatus::Failed.as_str())
                    .value(
                        "error",
                        "máy chủ đã dừng khi đang nhập; chưa ghi dòng nào — hãy kiểm tra lại rồi nhập",
                    )
                    .value("finished_at", self.clock.now())
                    .and_where(Expr::cust("status = 'running'"))
                    .to_owned(),
            )
            .await?
            .rows_affected())
    }

    /// Keeps an uploaded file as a job of its user. `area` (the receiving unit) files the job
    /// and its audit entry under a province.
    pub async fn create_import_job(
        &self,
        who: &Who,
        kind: ImportKind,
        area: Option<&AreaId>,
        file_name: &str,
        content: Vec<u8>,
        settings: &str,
    ) -> Result<JobRow, StoreError> {
        let now = self.clock.now();
        let size = content.len();
        let txn = self.write().await?;
        let province = match area {
            Some(a) => crate::province_of(&txn, a.as_str()).await?,
            None => None,
        };
        let row = txn
            .query_one(
                &Query::insert()
                    .into_table("import_jobs")
                    .columns([
                        "province_code",
                        "kind",
                        "file_name",
                        "content",
                        "mapping",
                        "status",
                        "total",
                        "valid",
                        "invalid",
                        "imported",
                        "report",
                        "error",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        province.into(),
                        kind.as_str().into(),
                        file_name.into(),
                        content.into(),
                        settings.into(),
                        JobStatus::Uploaded.as_str().into(),
                        0i64.into(),
                        0i64.into(),
                        0i64.into(),
                        0i64.into(),
                        "".into(),
                        "".into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("lượt nhập"))?;
        let id: i64 = row.try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &{
                let e = AuditEvent::new(AuditAction::Import, "import_job", Some(id.to_string()));
                match area {
                    Some(a) => e.in_area(a.as_str()),
                    None => e,
                }
            }
            .with_detail(format!(
                "tải lên {} ({}, {} byte)",
                file_name,
                kind.label(),
                size
            )),
        )
        .await?;
        txn.commit().await?;
        self.import_job(who, id).await
    }

    /// A job, for the user who created it only (anyone else: not found).
    pub async fn import_job(&self, who: &Who, id: i64) -> Result<JobRow, StoreError> {
        JobRow::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .columns(JOB_COLUMNS)
                    .from("import_jobs")
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("created_by").eq(who.username.as_str()))
                    .to_owned(),
            ),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("lượt nhập"))
    }

    /// The file of a job (its creator only).
    pub async fn import_job_content(&self, who: &Who, id: i64) -> Result<Vec<u8>, StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .column("content")
                    .from("import_jobs")
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("created_by").eq(who.username.as_str()))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("lượt nhập"))?;
        Ok(row.try_get("", "content")?)
    }

    /// Keeps a check's settings, counts and report. Refused while the job runs or once done.
    pub async fn save_import_check(
        &self,
        who: &Who,
        id: i64,
        c: &Checked,
    ) -> Result<JobRow, StoreError> {
        let res = self
            .db
            .execute(
                &Query::update()
                    .table("import_jobs")
                    .values([
                        ("mapping", c.settings.clone().into()),
                        ("status", JobStatus::Checked.as_str().into()),
                        ("total", c.total.into()),
                        ("valid", c.valid.into()),
                        ("invalid", c.invalid.into()),
                        ("report", c.report.clone().into()),
                        ("error", "".into()),
                    ])
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("created_by").eq(who.username.as_str()))
                    .and_where(Expr::col("status").is_in([
                        JobStatus::Uploaded.as_str(),
                        JobStatus::Checked.as_str(),
                        JobStatus::Failed.as_str(),
                    ]))
                    .to_owned(),
            )
            .await?;
        if res.rows_affected() == 0 {
            let job = self.import_job(who, id).await?;
            return Err(StoreError::Conflict(format!(
                "lượt nhập #{id} {}: không kiểm tra lại được",
                job.status().label().to_lowercase()
            )));
        }
        self.import_job(who, id).await
    }

    /// Marks a checked job as running; a job that is not checked (already running, done, not
    /// yet checked) is refused, so a job imports once.
    pub async fn start_import_job(&self, who: &Who, id: i64) -> Result<JobRow, StoreError> {
        let res = self
            .db
            .execute(
                &Query::update()
                    .table("import_jobs")
                    .values([
                        ("status", JobStatus::Running.as_str().into()),
                        ("error", "".into()),
                    ])
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("created_by").eq(who.username.as_str()))
                    .and_where(Expr::col("status").eq(JobStatus::Checked.as_str()))
                    .to_owned(),
            )
            .await?;
        let job = self.import_job(who, id).await?;
        if res.rows_affected() == 0 {
            return Err(StoreError::Conflict(match job.status() {
                JobStatus::Uploaded => "chưa kiểm tra tệp: hãy chọn cột và kiểm tra trước".into(),
                JobStatus::Failed => {
                    "lần nhập trước không thành công: hãy kiểm tra lại rồi nhập".into()
                }
                s => format!("lượt nhập #{id}: {}", s.label().to_lowercase()),
            }));
        }
        Ok(job)
    }

    /// Ends a running job: done with its batch and rows, or failed with the reason (the
    /// import wrote nothing then).
    pub async fn finish_import_job(
        &self,
        who: &Who,
        id: i64,
        outcome: Result<(Option<i64>, u64), String>,
    ) -> Result<JobRow, StoreError> {
        let now = self.clock.now();
        let values: Vec<(&str, Expr)> = match &outcome {
            Ok((batch_id, rows)) => vec![
                ("status", JobStatus::Done.as_str().into()),
                ("batch_id", (*batch_id).into()),
                ("imported", i64::try_from(*rows).unwrap_or(i64::MAX).into()),
                ("finished_at", Some(now).into()),
            ],
            Err(e) => vec![
                ("status", JobStatus::Failed.as_str().into()),
                ("error", e.clone().into()),
                ("finished_at", Some(now).into()),
            ],
        };
        self.db
            .execute(
                &Query::update()
                    .table("import_jobs")
                    .values(values.into_iter().map(|(c, v)| (Alias::new(c), v)))
                    .and_where(Expr::col("id").eq(id))
                    .and_where(Expr::col("created_by").eq(who.username.as_str()))
                    .and_where(Expr::col("status").eq(JobStatus::Running.as_str()))
                    .to_owned(),
            )
            .await?;
        self.import_job(who, id).await
    }

    /// The mapping a user last chose for a kind (JSON: field → header), if any.
    pub async fn import_mapping(
        &self,
        username: &str,
        kind: ImportKind,
    ) -> Result<Option<String>, StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .column("mapping")
                    .from("import_mappings")
                    .and_where(Expr::col("username").eq(username))
                    .and_where(Expr::col("kind").eq(kind.as_str()))
                    .to_owned(),
            )
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("", "mapping")?),
            None => None,
        })
    }

    /// Remembers a user's mapping for a kind (replacing the last one).
    pub async fn remember_import_mapping(
        &self,
        username: &str,
        kind: ImportKind,
        mapping: &str,
    ) -> Result<(), StoreError> {
        self.db
            .execute(
                &Query::insert()
                    .into_table("import_mappings")
                    .columns(["username", "kind", "mapping", "updated_at"])
                    .values_panic([
                        username.into(),
                        kind.as_str().into(),
                        mapping.into(),
                        self.clock.now().into(),
                    ])
                    .on_conflict(
                        OnConflict::columns(["username", "kind"])
                            .update_columns(["mapping", "updated_at"])
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    /// The communes (wards) within the scope in the structure in force on `on`, with their
    /// district, for resolving the names typed in a list.
    pub async fn commune_resolver(
        &self,
        scope: &Scope,
        on: NaiveDate,
    ) -> Result<CommuneResolver, StoreError> {
        let structure = Structure::in_force_on(on);
        let a = |c: &str| (Alias::new("a"), Alias::new(c.to_owned()));
        let rows = CommuneName::find_by_statement(
            self.db.get_database_backend().build(
                &Query::select()
                    .expr_as(Expr::cust("a.id"), "id")
                    .expr_as(Expr::cust("a.name"), "name")
                    .expr_as(Expr::cust("a.kind"), "kind")
                    .expr_as(Expr::cust("p.name"), "district")
                    .expr_as(Expr::cust("p.kind"), "district_kind")
                    .from_as("areas", "a")
                    .join_as(
                        JoinType::LeftJoin,
                        "areas",
                        "p",
                        Expr::cust("p.id = a.parent_id"),
                    )
                    .and_where(Expr::col(a("level")).eq(AreaLevel::Ward.as_str()))
                    .and_where(Expr::col(a("structure")).eq(structure.as_str()))
                    .and_where(area_in_scope(a("id"), scope))
                    .to_owned(),
            ),
        )
        .all(&self.db)
        .await?;
        Ok(CommuneResolver::new(rows))
    }
}

impl Store {
    /// The people the sources typed in a contact list name (an ID number or a case code),
    /// within the scope: typed text → person. A text naming no one is left out.
    pub async fn import_sources(
        &self,
        scope: &Scope,
        keys: &[String],
    ) -> Result<HashMap<String, i64>, StoreError> {
        let mut out = HashMap::new();
        for chunk in keys.chunks(crate::BATCH) {
            let by_case = self
                .db
                .query_all(
                    &Query::select()
                        .expr_as(Expr::cust("c.case_code"), "k")
                        .expr_as(Expr::cust("c.person_id"), "person_id")
                        .from_as("cases", "c")
                        .join_as(
                            JoinType::InnerJoin,
                            "persons",
                            "p",
                            Expr::cust("p.id = c.person_id"),
                        )
                        .and_where(
                            Expr::col((Alias::new("c"), Alias::new("case_code")))
                                .is_in(chunk.iter().cloned()),
                        )
                        .and_where(Expr::cust("p.merged_into IS NULL"))
                        .and_where(area_in_scope(
                            (Alias::new("p"), Alias::new("area_id")),
                            scope,
                        ))
                        .order_by((Alias::new("c"), Alias::new("id")), sea_orm::Order::Asc)
                        .to_owned(),
                )
                .await?;
            for r in by_case {
                out.entry(r.try_get("", "k")?)
                    .or_insert(r.try_get::<i64>("", "person_id")?);
            }
            let by_id = self
                .db
                .query_all(
                    &Query::select()
                        .expr_as(Expr::cust("p.id_number"), "k")
                        .expr_as(Expr::cust("p.id"), "person_id")
                        .from_as("persons", "p")
                        .and_where(
                            Expr::col((Alias::new("p"), Alias::new("id_number")))
                                .is_in(chunk.iter().cloned()),
                        )
                        .and_where(Expr::cust("p.merged_into IS NULL"))
                        .and_where(area_in_scope(
                            (Alias::new("p"), Alias::new("area_id")),
                            scope,
                        ))
                        .to_owned(),
                )
                .await?;
            for r in by_id {
                out.insert(r.try_get("", "k")?, r.try_get::<i64>("", "person_id")?);
            }
        }
        Ok(out)
    }

    /// Opens an import of cases: one transaction until [`CaseImport::commit`] (dropped before
    /// it, nothing is kept). The diseases are read first.
    pub async fn begin_case_import(&self, who: &Who) -> Result<CaseImport, StoreError> {
        let mut diseases = HashMap::new();
        for d in self.diseases().await? {
            diseases.insert(d.code.clone(), self.disease(d.id).await?);
        }
        let txn = self.write().await?;
        Ok(CaseImport {
            store: self.clone(),
            txn,
            who: who.clone(),
            now: self.clock.now(),
            today: self.clock.today(),
            diseases,
            area: None,
            rows: 0,
        })
    }

    /// Opens an import of contacts of `disease_id` whose sources are `sources` (read first,
    /// within the scope): one transaction until [`ContactImport::commit`].
    pub async fn begin_contact_import(
        &self,
        scope: &Scope,
        who: &Who,
        disease_id: i64,
        sources: &[i64],
    ) -> Result<ContactImport, StoreError> {
        let mut rows = HashMap::new();
        for id in sources {
            rows.insert(*id, self.person_row(scope, *id).await?);
        }
        let txn = self.write().await?;
        Ok(ContactImport {
            store: self.clone(),
            txn,
            who: who.clone(),
            now: self.clock.now(),
            disease_id,
            sources: rows,
            touched: Vec::new(),
            area: None,
            rows: 0,
        })
    }
}

/// The person just written, as the case and exposure writers read it.
fn written_person(
    id: i64,
    province: Option<String>,
    p: &PersonInput,
    now: DateTime<Utc>,
) -> PersonRow {
    PersonRow {
        id,
        area_id: p.area_id.as_str().to_owned(),
        area_name: String::new(),
        province_code: province,
        street: p.street.clone(),
        full_name: p.full_name.clone(),
        id_kind: p.id.as_ref().map(|d| d.kind.as_str().to_owned()),
        id_number: p.id.as_ref().map(|d| d.number.clone()),
        birth_date: None,
        birth_year: None,
        sex: None,
        phone: None,
        nationality: p.nationality.clone(),
        occupation: p.occupation.clone(),
        workplace: p.workplace.clone(),
        merged_into: None,
        created_at: now,
        updated_at: now,
    }
}

/// The audit entry of a whole import.
async fn audit_import(
    txn: &DatabaseTransaction,
    who: &Who,
    now: DateTime<Utc>,
    entity: &str,
    area: Option<&str>,
    detail: String,
) -> Result<(), StoreError> {
    let e = AuditEvent::new(AuditAction::Create, entity, None);
    let e = match area {
        Some(a) => e.in_area(a),
        None => e,
    };
    audit::append(txn, who, now, &e.with_detail(detail)).await
}

/// A case import in progress: one transaction, a person and a case per row.
pub struct CaseImport {
    store: Store,
    txn: DatabaseTransaction,
    who: Who,
    now: DateTime<Utc>,
    today: NaiveDate,
    diseases: HashMap<String, DiseaseRules>,
    /// The commune of the first row (files the import's audit entry).
    area: Option<String>,
    rows: u64,
}

impl CaseImport {
    /// Writes a row (the person, the case with its history and audit entry, the F-levels
    /// around a confirmed case). The row was validated before; an error aborts the import.
    pub async fn add(&mut self, person: &PersonInput, case: &CaseInput) -> Result<(), StoreError> {
        let rules = self.diseases.get(&case.disease).ok_or_else(|| {
            Invalid::field("disease", format!("không có bệnh mã \"{}\"", case.disease))
        })?;
        let id = crate::persons::insert_person(&self.txn, &self.who, self.now, person).await?;
        let province = crate::province_of(&self.txn, person.area_id.as_str()).await?;
        let row = written_person(id, province, person, self.now);
        self.store
            .insert_case(
                &self.txn, &self.who, &row, rules, case, self.now, self.today,
            )
            .await?;
        self.area.get_or_insert_with(|| row.area_id.clone());
        self.rows += 1;
        Ok(())
    }

    /// Keeps everything, with one audit entry for the import. Gives the rows written.
    pub async fn commit(self, file_name: &str) -> Result<u64, StoreError> {
        audit_import(
            &self.txn,
            &self.who,
            self.now,
            "case_import",
            self.area.as_deref(),
            format!("nhập {} ca bệnh từ {file_name}", self.rows),
        )
        .await?;
        self.txn.commit().await?;
        Ok(self.rows)
    }
}

/// A contact import in progress: one transaction, a person and an exposure per row, the
/// F-levels recomputed around each source at the end.
pub struct ContactImport {
    store: Store,
    txn: DatabaseTransaction,
    who: Who,
    now: DateTime<Utc>,
    disease_id: i64,
    sources: HashMap<i64, PersonRow>,
    touched: Vec<i64>,
    area: Option<String>,
    rows: u64,
}

impl ContactImport {
    /// Writes a row: the contact person, the exposure from the source to them.
    pub async fn add(
        &mut self,
        person: &PersonInput,
        source_id: i64,
        exposure: &ExposureInput,
    ) -> Result<(), StoreError> {
        let source = self
            .sources
            .get(&source_id)
            .ok_or(StoreError::NotFound("người nguồn"))?;
        let id = crate::persons::insert_person(&self.txn, &self.who, self.now, person).await?;
        crate::contacts::insert_exposure(
            &self.txn,
            &self.who,
            self.now,
            self.disease_id,
            source,
            id,
            exposure,
        )
        .await?;
        if !self.touched.contains(&source_id) {
            self.touched.push(source_id);
        }
        self.area
            .get_or_insert_with(|| person.area_id.as_str().to_owned());
        self.rows += 1;
        Ok(())
    }

    /// Recomputes the F-levels around every source touched, once each, then keeps everything
    /// with one audit entry for the import. Gives the rows written.
    pub async fn commit(self, file_name: &str) -> Result<u64, StoreError> {
        for source in &self.touched {
            self.store
                .recompute_flevels(&self.txn, self.disease_id, &[*source])
                .await?;
        }
        audit_import(
            &self.txn,
            &self.who,
            self.now,
            "contact_import",
            self.area.as_deref(),
            format!(
                "nhập {} người tiếp xúc của {} người nguồn từ {file_name}",
                self.rows,
                self.touched.len()
            ),
        )
        .await?;
        self.txn.commit().await?;
        Ok(self.rows)
    }
}

/// The name without its kind in front ("Phường Tân Phong" → "tan phong"), as a search key.
fn bare_key(name: &str, kind: &str) -> String {
    let key = search_key(name);
    let kind = search_key(kind);
    match key.strip_prefix(&format!("{kind} ")) {
        Some(rest) if !kind.is_empty() && !rest.is_empty() => rest.to_owned(),
        _ => key,
    }
}

/// Words people put before a commune's name, written out or abbreviated.
const COMMUNE_PREFIXES: &[&str] = &["thi tran", "phuong", "xa", "tt", "p", "x"];
/// … and before a district's.
const DISTRICT_PREFIXES: &[&str] = &["thanh pho", "thi xa", "huyen", "quan", "tp", "tx", "h", "q"];

fn split_prefix<'a>(key: &str, prefixes: &[&'a str]) -> Option<(&'a str, String)> {
    prefixes.iter().find_map(|p| {
        key.strip_prefix(&format!("{p} "))
            .filter(|r| !r.is_empty())
            .map(|r| (*p, r.to_owned()))
    })
}

fn strip_prefix(key: &str, prefixes: &[&str]) -> Option<String> {
    split_prefix(key, prefixes).map(|(_, rest)| rest)
}

/// Finds communes by the names people type: "Phường Tân Phong", "P. Tân Phong", "tan phong", or
/// the id ("L03387"); with the district ("Thành phố Lai Châu", "TP Lai Châu") when two communes
/// share a name. Only the communes it was built from are known (those within the user's scope).
#[derive(Debug, Clone, Default)]
pub struct CommuneResolver {
    communes: Vec<CommuneName>,
    /// Full name's key → communes.
    by_full: HashMap<String, Vec<usize>>,
    /// Name without its kind → communes.
    by_bare: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
}

impl CommuneResolver {
    pub fn new(communes: Vec<CommuneName>) -> Self {
        let mut r = Self::default();
        for (i, c) in communes.iter().enumerate() {
            r.by_full.entry(search_key(&c.name)).or_default().push(i);
            r.by_bare
                .entry(bare_key(&c.name, &c.kind))
                .or_default()
                .push(i);
            r.by_id.insert(c.id.clone(), i);
        }
        r.communes = communes;
        r
    }

    /// How many communes it knows.
    pub fn len(&self) -> usize {
        self.communes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.communes.is_empty()
    }

    /// Whether an area id is one of the communes it knows.
    pub fn knows(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    fn label(&self, i: usize) -> String {
        let c = &self.communes[i];
        match &c.district {
            Some(d) => format!("{} ({d})", c.name),
            None => c.name.clone(),
        }
    }

    fn district_matches(&self, i: usize, wanted: &str) -> bool {
        let c = &self.communes[i];
        let Some(d) = &c.district else {
            return false;
        };
        let full = search_key(d);
        let bare = bare_key(d, c.district_kind.as_deref().unwrap_or(""));
        wanted == full || wanted == bare
    }

    /// The commune a row names: `Ok(None)` when blank, an error message (for the `commune`
    /// column) when unknown, outside the scope, or ambiguous.
    pub fn resolve(&self, commune: &str, district: &str) -> Result<Option<AreaId>, String> {
        let typed = commune.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        if let Some(&i) = self.by_id.get(typed) {
            return AreaId::parse(&self.communes[i].id)
                .map(Some)
                .map_err(|e| e.to_string());
        }
        let key = search_key(typed);
        let mut found: Vec<usize> = self.by_full.get(&key).cloned().unwrap_or_default();
        if found.is_empty() {
            found = self.by_bare.get(&key).cloned().unwrap_or_default();
        }
        if found.is_empty()
            && let Some((prefix, rest)) = split_prefix(&key, COMMUNE_PREFIXES)
        {
            // "TT Mường Tè" is the town, not the commune of the same name.
            let kind = match prefix {
                "tt" => "thi tran",
                "p" => "phuong",
                "x" => "xa",
                other => other,
            };
            found = self
                .by_bare
                .get(&rest)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&i| search_key(&self.communes[i].kind) == kind)
                .collect();
        }
        let district_key = search_key(district);
        let in_district = if district_key.is_empty() {
            String::new()
        } else {
            strip_prefix(&district_key, DISTRICT_PREFIXES).unwrap_or(district_key.clone())
        };
        if !district_key.is_empty() && !found.is_empty() {
            let narrowed: Vec<usize> = found
                .iter()
                .copied()
                .filter(|&i| {
                    self.district_matches(i, &district_key)
                        || self.district_matches(i, &in_district)
                })
                .collect();
            if narrowed.is_empty() {
                return Err(format!(
                    "không có xã, phường \"{typed}\" thuộc \"{}\" trong địa bàn của bạn (có: {})",
                    district.trim(),
                    found
                        .iter()
                        .take(5)
                        .map(|&i| self.label(i))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            found = narrowed;
        }
        match found.as_slice() {
            [] => Err(format!(
                "không có xã, phường \"{typed}\" trong địa bàn của bạn"
            )),
            [i] => AreaId::parse(&self.communes[*i].id)
                .map(Some)
                .map_err(|e| e.to_string()),
            many => Err(format!(
                "\"{typed}\" có ở nhiều nơi: {}; ghi tên đầy đủ (Xã …, Phường …) hoặc cột Huyện",
                many.iter()
                    .take(5)
                    .map(|&i| self.label(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn commune(id: &str, name: &str, kind: &str, district: &str, dkind: &str) -> CommuneName {
        CommuneName {
            id: id.into(),
            name: name.into(),
            kind: kind.into(),
            district: Some(district.into()),
            district_kind: Some(dkind.into()),
        }
    }

    fn resolver() -> CommuneResolver {
        CommuneResolver::new(vec![
            commune(
                "L03386",
                "Phường Quyết Thắng",
                "Phường",
                "Thành phố Lai Châu",
                "Thành phố",
            ),
            commune(
                "L03387",
                "Phường Tân Phong",
                "Phường",
                "Thành phố Lai Châu",
                "Thành phố",
            ),
            commune(
                "L03433",
                "Thị trấn Mường Tè",
                "Thị trấn",
                "Huyện Mường Tè",
                "Huyện",
            ),
            commune("L03445", "Xã Mường Tè", "Xã", "Huyện Mường Tè", "Huyện"),
            commune("L03413", "Xã Sơn Bình", "Xã", "Huyện Tam Đường", "Huyện"),
            commune("L09999", "Xã Sơn Bình", "Xã", "Huyện Khác", "Huyện"),
        ])
    }

    fn ok(r: &CommuneResolver, c: &str, d: &str) -> String {
        r.resolve(c, d).unwrap().unwrap().as_str().to_owned()
    }

    #[test]
    fn communes_by_full_or_bare_name_without_diacritics_or_by_id() {
        let r = resolver();
        assert_eq!(ok(&r, "Phường Tân Phong", ""), "L03387");
        assert_eq!(ok(&r, "Tân Phong", ""), "L03387");
        assert_eq!(ok(&r, "tan phong", ""), "L03387");
        assert_eq!(ok(&r, "P. Tân Phong", ""), "L03387");
        assert_eq!(ok(&r, "PHƯỜNG QUYẾT THẮNG", ""), "L03386");
        assert_eq!(ok(&r, "L03386", ""), "L03386");
        assert_eq!(r.resolve("  ", "").unwrap(), None);
        assert!(r.knows("L03413"));
        assert!(!r.knows("L03388"));
    }

    #[test]
    fn an_ambiguous_name_names_both_and_the_district_or_the_full_name_decides() {
        let r = resolver();
        let e = r.resolve("Mường Tè", "").unwrap_err();
        assert!(
            e.contains("Thị trấn Mường Tè") && e.contains("Xã Mường Tè"),
            "{e}"
        );
        assert_eq!(ok(&r, "Xã Mường Tè", ""), "L03445");
        assert_eq!(ok(&r, "TT Mường Tè", ""), "L03433");
        let e = r.resolve("Sơn Bình", "").unwrap_err();
        assert!(
            e.contains("Huyện Tam Đường") && e.contains("Huyện Khác"),
            "{e}"
        );
        assert_eq!(ok(&r, "Sơn Bình", "Huyện Tam Đường"), "L03413");
        assert_eq!(ok(&r, "Sơn Bình", "tam duong"), "L03413");
        assert_eq!(ok(&r, "Tân Phong", "TP Lai Châu"), "L03387");
        let e = r.resolve("Sơn Bình", "Phong Thổ").unwrap_err();
        assert!(e.contains("thuộc \"Phong Thổ\""), "{e}");
    }

    #[test]
    fn an_unknown_commune_or_one_outside_the_scope_is_unknown() {
        let r = resolver();
        let e = r.resolve("Phường Đoàn Kết", "").unwrap_err();
        assert!(
            e.starts_with("không có xã, phường \"Phường Đoàn Kết\""),
            "{e}"
        );
        // The resolver knows only the communes it was given (those within the scope).
        let e = r.resolve("L03388", "").unwrap_err();
        assert!(e.contains("không có xã, phường"));
    }

    mod db {
        use super::super::*;
        use crate::testing::TestDb;
        use chongdich_domain::clock::{ManualClock, SharedClock};
        use chongdich_domain::person::PersonDraft;
        use chongdich_domain::returnee::{BatchDraft, ReturneeDraft};
        use chrono::TimeZone;
        use std::sync::Arc;

        async fn store() -> TestDb {
            let clock: SharedClock = Arc::new(ManualClock::at(
                Utc.with_ymd_and_hms(2021, 6, 24, 3, 0, 0).unwrap(),
            ));
            let db = TestDb::new(clock).await.unwrap();
            let units = crate::units::embedded().unwrap();
            db.store
                .import_units(&units.data(), Some(&["12"]))
                .await
                .unwrap();
            db
        }

        fn who(name: &str) -> Who {
            Who {
                username: name.into(),
                ..Who::console()
            }
        }

        async fn count(store: &Store, table: &str) -> i64 {
            store
                .connection()
                .query_one(
                    &Query::select()
                        .expr_as(Expr::cust("COUNT(*)"), "n")
                        .from(Alias::new(table.to_owned()))
                        .to_owned(),
                )
                .await
                .unwrap()
                .unwrap()
                .try_get("", "n")
                .unwrap()
        }

        #[tokio::test]
        async fn an_import_dropped_before_its_commit_writes_nothing() {
            let db = store().await;
            let s = &db.store;
            let today = NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
            let batch = BatchDraft {
                area_id: "L03386".into(),
                origin: "TP. Bắc Giang".into(),
                arrived_on: "20/06/2021".into(),
                source: "excel".into(),
                ..BatchDraft::default()
            }
            .parse(today)
            .unwrap();
            let rows: Vec<_> = ["Nguyễn Văn An", "Lê Thị Bình"]
                .iter()
                .map(|n| {
                    ReturneeDraft {
                        person: PersonDraft {
                            full_name: (*n).into(),
                            ..PersonDraft::default()
                        },
                        subject: "f1".into(),
                        ..ReturneeDraft::default()
                    }
                    .parse(&batch, today)
                    .unwrap()
                })
                .collect();
            let scope = Scope::everywhere();
            let before = count(s, "audit_log").await;
            {
                let mut import = s
                    .begin_returnee_import(&scope, &who("admin"), &batch, None)
                    .await
                    .unwrap();
                for r in &rows {
                    import.terms(r).unwrap();
                }
                import.add(&rows).await.unwrap();
                // Failing midway: the import is dropped, never committed.
            }
            for t in [
                "persons",
                "returnees",
                "returnee_batches",
                "quarantine_orders",
            ] {
                assert_eq!(count(s, t).await, 0, "{t}");
            }
            assert_eq!(count(s, "audit_log").await, before);
            // The same rows committed are all there.
            let mut import = s
                .begin_returnee_import(&scope, &who("admin"), &batch, None)
                .await
                .unwrap();
            import.add(&rows).await.unwrap();
            let (batch_id, n) = import.commit("ds.xlsx").await.unwrap();
            assert_eq!(n, 2);
            assert_eq!(count(s, "persons").await, 2);
            assert_eq!(count(s, "quarantine_orders").await, 2);
            assert_eq!(
                s.batch(&scope, &who("admin"), batch_id)
                    .await
                    .unwrap()
                    .people
                    .len(),
                2
            );
        }

        #[tokio::test]
        async fn a_job_is_its_creators_runs_once_and_a_mapping_is_remembered() {
            let db = store().await;
            let s = &db.store;
            let area = AreaId::parse("L03386").unwrap();
            let job = s
                .create_import_job(
                    &who("officer_a"),
                    ImportKind::Returnees,
                    Some(&area),
                    "ds.xlsx",
                    b"PK\x03\x04...".to_vec(),
                    "{}",
                )
                .await
                .unwrap();
            assert_eq!(job.status(), JobStatus::Uploaded);
            assert_eq!(job.province_code.as_deref(), Some("12"));
            assert_eq!(
                s.import_job_content(&who("officer_a"), job.id)
                    .await
                    .unwrap(),
                b"PK\x03\x04..."
            );
            assert!(matches!(
                s.import_job(&who("officer_b"), job.id).await,
                Err(StoreError::NotFound(_))
            ));
            assert!(matches!(
                s.import_job_content(&who("officer_b"), job.id).await,
                Err(StoreError::NotFound(_))
            ));
            // Not checked yet: it cannot run.
            assert!(matches!(
                s.start_import_job(&who("officer_a"), job.id).await,
                Err(StoreError::Conflict(_))
            ));
            let checked = Checked {
                settings: "{}".into(),
                total: 3,
                valid: 2,
                invalid: 1,
                report: "{}".into(),
            };
            let job = s
                .save_import_check(&who("officer_a"), job.id, &checked)
                .await
                .unwrap();
            assert_eq!((job.status(), job.valid), (JobStatus::Checked, 2));
            s.start_import_job(&who("officer_a"), job.id).await.unwrap();
            // A server stopped mid-import: at the next start the job is failed, and may be
            // checked and run again.
            assert_eq!(s.fail_interrupted_imports().await.unwrap(), 1);
            let job = s.import_job(&who("officer_a"), job.id).await.unwrap();
            assert_eq!(job.status(), JobStatus::Failed);
            assert_eq!(s.fail_interrupted_imports().await.unwrap(), 0);
            let job = s
                .save_import_check(&who("officer_a"), job.id, &checked)
                .await
                .unwrap();
            assert_eq!(job.status(), JobStatus::Checked);
            s.start_import_job(&who("officer_a"), job.id).await.unwrap();
            // A second start, or a check while running, is refused.
            assert!(matches!(
                s.start_import_job(&who("officer_a"), job.id).await,
                Err(StoreError::Conflict(_))
            ));
            assert!(matches!(
                s.save_import_check(&who("officer_a"), job.id, &checked)
                    .await,
                Err(StoreError::Conflict(_))
            ));
            let job = s
                .finish_import_job(&who("officer_a"), job.id, Ok((Some(7), 2)))
                .await
                .unwrap();
            assert_eq!(
                (job.status(), job.batch_id, job.imported),
                (JobStatus::Done, Some(7), 2)
            );
            assert!(job.finished_at.is_some());
            assert!(matches!(
                s.start_import_job(&who("officer_a"), job.id).await,
                Err(StoreError::Conflict(_))
            ));

            assert_eq!(
                s.import_mapping("officer_a", ImportKind::Returnees)
                    .await
                    .unwrap(),
                None
            );
            for m in ["{\"full_name\":\"Họ tên\"}", "{\"full_name\":\"Tên\"}"] {
                s.remember_import_mapping("officer_a", ImportKind::Returnees, m)
                    .await
                    .unwrap();
            }
            assert_eq!(
                s.import_mapping("officer_a", ImportKind::Returnees)
                    .await
                    .unwrap()
                    .as_deref(),
                Some("{\"full_name\":\"Tên\"}")
            );
            assert_eq!(
                s.import_mapping("officer_b", ImportKind::Returnees)
                    .await
                    .unwrap(),
                None
            );
        }

        #[tokio::test]
        async fn communes_within_the_scope_in_the_structure_in_force() {
            let db = store().await;
            let s = &db.store;
            let on = NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
            let district = Scope::of([AreaId::parse("L105").unwrap()]);
            let r = s.commune_resolver(&district, on).await.unwrap();
            assert_eq!(
                r.resolve("Tân Phong", "").unwrap().unwrap().as_str(),
                "L03387"
            );
            assert!(
                r.resolve("Sơn Bình", "")
                    .unwrap_err()
                    .contains("không có xã, phường")
            );
            let all = s.commune_resolver(&Scope::everywhere(), on).await.unwrap();
            assert_eq!(
                all.resolve("Sơn Bình", "").unwrap().unwrap().as_str(),
                "L03413"
            );
            let e = all.resolve("Mường Tè", "").unwrap_err();
            assert!(
                e.contains("Thị trấn Mường Tè") && e.contains("Xã Mường Tè"),
                "{e}"
            );
            assert_eq!(all.len(), 106);
        }
    }
}
