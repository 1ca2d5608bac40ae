//! Bulk loading of generated records (synthetic datasets for demos, training and benchmarks).
//!
//! This is the one measured hot path that speaks per-engine SQL: on PostgreSQL each table of a
//! batch is sent with `COPY … FROM STDIN (FORMAT csv)`, on SQLite with multi-row INSERTs of
//! [`crate::BATCH`] rows; a batch is one transaction on both engines. Records carry their own
//! ids (the caller numbers them from [`Store::bulk_first_ids`]); [`Store::bulk_finish`] then
//! moves PostgreSQL's sequences past them (SQLite's AUTOINCREMENT follows by itself), refreshes
//! the planner's statistics and writes the run's single audit entry. Nothing here checks the
//! records against the rules: the generator is trusted, the foreign keys are not bypassed.

use crate::audit::Who;
use crate::persons::given_key;
use crate::{BATCH, Engine, Store, StoreError};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::{Classification, FoundIn, Outcome, Setting};
use chongdich_domain::exposure::{Certainty, Proximity};
use chongdich_domain::outbreak::ZoneKind;
use chongdich_domain::person::{Sex, dedup_key};
use chongdich_domain::sample::{SampleKind, SampleReason, TestResult};
use chongdich_domain::text::{search_key, sort_key};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use std::fmt::Write as _;

/// A person row.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub street: String,
    pub full_name: String,
    /// The keys the store searches and sorts by; [`PersonRecord::new`] fills them.
    pub search_key: String,
    pub given_key: String,
    pub sort_key: String,
    pub dedup_key: Option<String>,
    /// `"cccd"`, `"cmnd"` or `"passport"` with its number.
    pub id_kind: Option<&'static str>,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub phone: Option<String>,
    pub nationality: String,
    pub occupation: String,
    pub workplace: String,
    pub created_at: DateTime<Utc>,
}

/// The fields of a person as given; the keys are derived.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFields {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub street: String,
    pub full_name: String,
    pub id_kind: Option<&'static str>,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub sex: Option<Sex>,
    pub phone: Option<String>,
    pub nationality: String,
    pub occupation: String,
    pub workplace: String,
    pub created_at: DateTime<Utc>,
}

impl PersonRecord {
    /// A record with the same search, sort and duplicate keys as [`Store::create_person`] makes.
    pub fn new(f: PersonFields) -> Self {
        let key = search_key(&f.full_name);
        Self {
            given_key: given_key(&key),
            sort_key: sort_key(&given_key(&f.full_name)),
            dedup_key: dedup_key(&key, f.birth_year),
            search_key: key,
            id: f.id,
            province_code: f.province_code,
            area_id: f.area_id,
            street: f.street,
            full_name: f.full_name,
            id_kind: f.id_kind,
            id_number: f.id_number,
            birth_date: f.birth_date,
            birth_year: f.birth_year,
            sex: f.sex,
            phone: f.phone,
            nationality: f.nationality,
            occupation: f.occupation,
            workplace: f.workplace,
            created_at: f.created_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabRecord {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub name: String,
    pub capacity_per_day: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutbreakRecord {
    pub id: i64,
    pub province_code: Option<String>,
    pub disease_id: i64,
    pub area_id: String,
    pub name: String,
    pub place: String,
    pub setting: Setting,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ZoneRecord {
    pub id: i64,
    pub outbreak_id: i64,
    pub area_id: String,
    pub kind: ZoneKind,
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseRecord {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub person_id: i64,
    pub disease_id: i64,
    pub case_code: Option<String>,
    pub classification: Classification,
    pub onset_date: Option<NaiveDate>,
    pub sample_date: Option<NaiveDate>,
    pub confirmed_date: Option<NaiveDate>,
    pub isolated_on: Option<NaiveDate>,
    pub curve_date: NaiveDate,
    pub found_in: FoundIn,
    pub source_known: bool,
    pub setting: Setting,
    pub treatment_place: String,
    pub outcome: Outcome,
    pub outcome_date: Option<NaiveDate>,
    pub illegal_entry: bool,
    pub outbreak_id: Option<i64>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CaseEventRecord {
    pub id: i64,
    pub case_id: i64,
    pub at: DateTime<Utc>,
    pub on_date: NaiveDate,
    pub from_class: Option<Classification>,
    pub to_class: Classification,
    pub reason: String,
    pub by_user: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRecord {
    pub id: i64,
    pub province_code: Option<String>,
    pub disease_id: i64,
    pub source_person_id: i64,
    pub exposed_person_id: i64,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub setting: Setting,
    pub proximity: Proximity,
    pub duration_minutes: Option<i32>,
    pub certainty: Certainty,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SampleRecord {
    pub id: i64,
    pub province_code: Option<String>,
    pub area_id: String,
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub disease_id: i64,
    pub kind: SampleKind,
    pub reason: SampleReason,
    pub taken_on: NaiveDate,
    pub lab_id: Option<i64>,
    pub symptoms: String,
    pub result: TestResult,
    pub result_on: Option<NaiveDate>,
    pub ct: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlevelRecord {
    pub person_id: i64,
    pub disease_id: i64,
    pub level: u8,
    pub via_person_id: i64,
    pub root_person_id: i64,
    pub exposure_id: i64,
    pub exposed_on: NaiveDate,
    pub province_code: Option<String>,
    pub area_id: String,
    pub updated_at: DateTime<Utc>,
}

/// Records to insert together (one transaction), in foreign-key order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkData {
    pub persons: Vec<PersonRecord>,
    pub labs: Vec<LabRecord>,
    pub outbreaks: Vec<OutbreakRecord>,
    pub zones: Vec<ZoneRecord>,
    pub cases: Vec<CaseRecord>,
    pub events: Vec<CaseEventRecord>,
    pub exposures: Vec<ExposureRecord>,
    pub samples: Vec<SampleRecord>,
    pub flevels: Vec<FlevelRecord>,
}

impl BulkData {
    pub fn rows(&self) -> usize {
        self.persons.len()
            + self.labs.len()
            + self.outbreaks.len()
            + self.zones.len()
            + self.cases.len()
            + self.events.len()
            + self.exposures.len()
            + self.samples.len()
            + self.flevels.len()
    }
}

/// The next free id of each table with one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NextIds {
    pub person: i64,
    pub lab: i64,
    pub outbreak: i64,
    pub zone: i64,
    pub case: i64,
    pub case_event: i64,
    pub exposure: i64,
    pub sample: i64,
}

/// The tables with an identity column, for [`Store::bulk_finish`].
const ID_TABLES: [&str; 8] = [
    "persons",
    "labs",
    "outbreaks",
    "outbreak_zones",
    "cases",
    "case_events",
    "exposures",
    "samples",
];

/// One value of a row, for either engine.
#[derive(Debug, Clone, Copy)]
enum Cell<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Date(Option<NaiveDate>),
    Time(DateTime<Utc>),
    Bool(bool),
    Float(Option<f64>),
}

use Cell::{Bool, Date, Float, Int, Text, Time};

fn s(v: &str) -> Cell<'_> {
    Text(Some(v))
}

fn os(v: &Option<String>) -> Cell<'_> {
    Text(v.as_deref())
}

fn i(v: i64) -> Cell<'static> {
    Int(Some(v))
}

fn d(v: NaiveDate) -> Cell<'static> {
    Date(Some(v))
}

impl Cell<'_> {
    fn expr(self) -> SimpleExpr {
        match self {
            Int(v) => Expr::val(v),
            Text(v) => Expr::val(v.map(str::to_owned)),
            Date(v) => Expr::val(v),
            Time(v) => Expr::val(v),
            Bool(v) => Expr::val(v),
            Float(v) => Expr::val(v),
        }
    }

    /// The value in PostgreSQL's CSV COPY format: NULL is an unquoted empty field, text is
    /// always quoted (so an empty string stays an empty string).
    fn csv(self, out: &mut String) {
        match self {
            Int(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Text(Some(v)) => {
                out.push('"');
                for c in v.chars() {
                    if c == '"' {
                        out.push('"');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            Date(Some(v)) => {
                let _ = write!(out, "{}", v.format("%Y-%m-%d"));
            }
            Time(v) => {
                let _ = write!(out, "{}", v.format("%Y-%m-%d %H:%M:%S%.6f+00"));
            }
            Bool(v) => out.push(if v { 't' } else { 'f' }),
            Float(Some(v)) => {
                let _ = write!(out, "{v}");
            }
            Int(None) | Text(None) | Date(None) | Float(None) => {}
        }
    }
}

/// A record type and its table.
trait Row {
    const TABLE: &'static str;
    const COLUMNS: &'static [&'static str];
    fn cells(&self) -> Vec<Cell<'_>>;
}

impl Row for PersonRecord {
    const TABLE: &'static str = "persons";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "province_code",
        "area_id",
        "street",
        "full_name",
        "search_key",
        "given_key",
        "sort_key",
        "id_kind",
        "id_number",
        "birth_date",
        "birth_year",
        "sex",
        "phone",
        "nationality",
        "occupation",
        "workplace",
        "dedup_key",
        "created_at",
        "updated_at",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            os(&self.province_code),
            s(&self.area_id),
            s(&self.street),
            s(&self.full_name),
            s(&self.search_key),
            s(&self.given_key),
            s(&self.sort_key),
            Text(self.id_kind),
            os(&self.id_number),
            Date(self.birth_date),
            Int(self.birth_year.map(i64::from)),
            Text(self.sex.map(|x| x.as_str())),
            os(&self.phone),
            s(&self.nationality),
            s(&self.occupation),
            s(&self.workplace),
            os(&self.dedup_key),
            Time(self.created_at),
            Time(self.created_at),
        ]
    }
}

impl Row for LabRecord {
    const TABLE: &'static str = "labs";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "province_code",
        "area_id",
        "name",
        "capacity_per_day",
        "created_at",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            os(&self.province_code),
            s(&self.area_id),
            s(&self.name),
            i(i64::from(self.capacity_per_day)),
            Time(self.created_at),
        ]
    }
}

/// Outbreaks carry their name's search key, computed here.
struct OutbreakRow<'a>(&'a OutbreakRecord, String);

impl Row for OutbreakRow<'_> {
    const TABLE: &'static str = "outbreaks";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "province_code",
        "disease_id",
        "area_id",
        "name",
        "search_key",
        "place",
        "setting",
        "started_on",
        "ended_on",
        "created_at",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        let o = self.0;
        vec![
            i(o.id),
            os(&o.province_code),
            i(o.disease_id),
            s(&o.area_id),
            s(&o.name),
            s(&self.1),
            s(&o.place),
            s(o.setting.as_str()),
            d(o.started_on),
            Date(o.ended_on),
            Time(o.created_at),
        ]
    }
}

impl Row for ZoneRecord {
    const TABLE: &'static str = "outbreak_zones";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "outbreak_id",
        "area_id",
        "kind",
        "description",
        "starts_on",
        "ends_on",
        "created_at",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            i(self.outbreak_id),
            s(&self.area_id),
            s(self.kind.as_str()),
            s(&self.description),
            d(self.starts_on),
            Date(self.ends_on),
            Time(self.created_at),
        ]
    }
}

impl Row for CaseRecord {
    const TABLE: &'static str = "cases";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "province_code",
        "area_id",
        "person_id",
        "disease_id",
        "case_code",
        "classification",
        "onset_date",
        "sample_date",
        "confirmed_date",
        "isolated_on",
        "curve_date",
        "found_in",
        "source_known",
        "setting",
        "treatment_place",
        "outcome",
        "outcome_date",
        "illegal_entry",
        "outbreak_id",
        "notes",
        "created_at",
        "updated_at",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            os(&self.province_code),
            s(&self.area_id),
            i(self.person_id),
            i(self.disease_id),
            os(&self.case_code),
            s(self.classification.as_str()),
            Date(self.onset_date),
            Date(self.sample_date),
            Date(self.confirmed_date),
            Date(self.isolated_on),
            d(self.curve_date),
            s(self.found_in.as_str()),
            Bool(self.source_known),
            s(self.setting.as_str()),
            s(&self.treatment_place),
            s(self.outcome.as_str()),
            Date(self.outcome_date),
            Bool(self.illegal_entry),
            Int(self.outbreak_id),
            s(&self.notes),
            Time(self.created_at),
            Time(self.created_at),
        ]
    }
}

impl Row for CaseEventRecord {
    const TABLE: &'static str = "case_events";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "case_id",
        "at",
        "on_date",
        "from_class",
        "to_class",
        "reason",
        "by_user",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            i(self.case_id),
            Time(self.at),
            d(self.on_date),
            Text(self.from_class.map(|c| c.as_str())),
            s(self.to_class.as_str()),
            s(&self.reason),
            s(&self.by_user),
        ]
    }
}

impl Row for ExposureRecord {
    const TABLE: &'static str = "exposures";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "province_code",
        "disease_id",
        "source_person_id",
        "exposed_person_id",
        "first_date",
        "last_date",
        "setting",
        "proximity",
        "duration_minutes",
        "certainty",
        "notes",
        "created_at",
        "created_by",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            os(&self.province_code),
            i(self.disease_id),
            i(self.source_person_id),
            i(self.exposed_person_id),
            d(self.first_date),
            d(self.last_date),
            s(self.setting.as_str()),
            s(self.proximity.as_str()),
            Int(self.duration_minutes.map(i64::from)),
            s(self.certainty.as_str()),
            s(&self.notes),
            Time(self.created_at),
            s(&self.created_by),
        ]
    }
}

impl Row for SampleRecord {
    const TABLE: &'static str = "samples";
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "province_code",
        "area_id",
        "person_id",
        "case_id",
        "disease_id",
        "kind",
        "reason",
        "taken_on",
        "lab_id",
        "symptoms",
        "result",
        "result_on",
        "ct",
        "created_at",
        "created_by",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.id),
            os(&self.province_code),
            s(&self.area_id),
            i(self.person_id),
            Int(self.case_id),
            i(self.disease_id),
            s(self.kind.as_str()),
            s(self.reason.as_str()),
            d(self.taken_on),
            Int(self.lab_id),
            s(&self.symptoms),
            s(self.result.as_str()),
            Date(self.result_on),
            Float(self.ct),
            Time(self.created_at),
            s(&self.created_by),
        ]
    }
}

impl Row for FlevelRecord {
    const TABLE: &'static str = "person_flevels";
    const COLUMNS: &'static [&'static str] = &[
        "person_id",
        "disease_id",
        "level",
        "via_person_id",
        "root_person_id",
        "exposure_id",
        "exposed_on",
        "province_code",
        "area_id",
        "updated_at",
    ];
    fn cells(&self) -> Vec<Cell<'_>> {
        vec![
            i(self.person_id),
            i(self.disease_id),
            i(i64::from(self.level)),
            i(self.via_person_id),
            i(self.root_person_id),
            i(self.exposure_id),
            d(self.exposed_on),
            os(&self.province_code),
            s(&self.area_id),
            Time(self.updated_at),
        ]
    }
}

/// Multi-row INSERTs of `BATCH` rows (SQLite).
async fn insert_rows<C: ConnectionTrait, R: Row>(txn: &C, rows: &[R]) -> Result<(), StoreError> {
    for chunk in rows.chunks(BATCH) {
        let mut q = Query::insert();
        q.into_table(Alias::new(R::TABLE))
            .columns(R::COLUMNS.iter().map(|c| Alias::new(*c)));
        for r in chunk {
            q.values(r.cells().into_iter().map(Cell::expr))
                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        }
        txn.execute(&q).await?;
    }
    Ok(())
}

fn sqlx_err(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

/// The rows of a table as COPY CSV, in pieces of about a megabyte.
fn csv_pieces<R: Row>(rows: &[R]) -> Vec<String> {
    const PIECE: usize = 1 << 20;
    let mut out = Vec::new();
    let mut buf = String::with_capacity(PIECE + 4096);
    for r in rows {
        for (k, c) in r.cells().into_iter().enumerate() {
            if k > 0 {
                buf.push(',');
            }
            c.csv(&mut buf);
        }
        buf.push('\n');
        if buf.len() >= PIECE {
            out.push(std::mem::replace(
                &mut buf,
                String::with_capacity(PIECE + 4096),
            ));
        }
    }
    if !buf.is_empty() {
        out.push(buf);
    }
    out
}

/// `COPY table (columns) FROM STDIN` (PostgreSQL).
async fn copy_rows<R: Row>(
    conn: &mut sea_orm::sqlx::PgConnection,
    rows: &[R],
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "COPY {} ({}) FROM STDIN WITH (FORMAT csv)",
        R::TABLE,
        R::COLUMNS.join(", ")
    );
    let mut copy = conn.copy_in_raw(&sql).await.map_err(sqlx_err)?;
    for piece in csv_pieces(rows) {
        if let Err(e) = copy.send(piece.into_bytes()).await {
            let _ = copy.abort("the bulk load failed").await;
            return Err(sqlx_err(e));
        }
    }
    copy.finish().await.map_err(sqlx_err)?;
    Ok(())
}

/// An area the generator may use, with what it needs to weigh and name it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct GenerationArea {
    pub id: String,
    pub level: String,
    pub code: Option<String>,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub province_code: Option<String>,
    /// The latest population figure, if any.
    pub population: Option<i64>,
}

impl Store {
    /// The first free id of each table (the current maximum + 1).
    pub async fn bulk_first_ids(&self) -> Result<NextIds, StoreError> {
        let mut next = [1i64; 8];
        for (k, table) in ID_TABLES.iter().enumerate() {
            let row = self
                .db
                .query_one(
                    &Query::select()
                        .expr_as(
                            Func::coalesce([Expr::col("id").max(), Expr::val(0i64)]),
                            "m",
                        )
                        .from(Alias::new(*table))
                        .to_owned(),
                )
                .await?;
            if let Some(r) = row {
                next[k] = r.try_get::<i64>("", "m")? + 1;
            }
        }
        Ok(NextIds {
            person: next[0],
            lab: next[1],
            outbreak: next[2],
            zone: next[3],
            case: next[4],
            case_event: next[5],
            exposure: next[6],
            sample: next[7],
        })
    }

    /// Inserts the records in one transaction, tables in foreign-key order.
    pub async fn bulk_insert(&self, data: &BulkData) -> Result<(), StoreError> {
        let outbreaks: Vec<OutbreakRow<'_>> = data
            .outbreaks
            .iter()
            .map(|o| OutbreakRow(o, search_key(&o.name)))
            .collect();
        match self.engine() {
            Engine::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                let mut tx = pool.begin().await.map_err(sqlx_err)?;
                let conn: &mut sea_orm::sqlx::PgConnection = &mut tx;
                copy_rows(conn, &data.persons).await?;
                copy_rows(conn, &data.labs).await?;
                copy_rows(conn, &outbreaks).await?;
                copy_rows(conn, &data.zones).await?;
                copy_rows(conn, &data.cases).await?;
                copy_rows(conn, &data.events).await?;
                copy_rows(conn, &data.exposures).await?;
                copy_rows(conn, &data.samples).await?;
                copy_rows(conn, &data.flevels).await?;
                tx.commit().await.map_err(sqlx_err)?;
            }
            Engine::Sqlite => {
                let txn = self.write().await?;
                insert_rows(&txn, &data.persons).await?;
                insert_rows(&txn, &data.labs).await?;
                insert_rows(&txn, &outbreaks).await?;
                insert_rows(&txn, &data.zones).await?;
                insert_rows(&txn, &data.cases).await?;
                insert_rows(&txn, &data.events).await?;
                insert_rows(&txn, &data.exposures).await?;
                insert_rows(&txn, &data.samples).await?;
                insert_rows(&txn, &data.flevels).await?;
                txn.commit().await?;
            }
        }
        Ok(())
    }

    /// Before a bulk load of `people` people: from 100,000 on, the secondary indexes of the
    /// tables it fills are dropped, to be built once at [`Store::bulk_finish`] (searches are
    /// slow meanwhile, and correct). Smaller loads keep them.
    pub async fn bulk_start(&self, people: u64) -> Result<(), StoreError> {
        if people >= 100_000 {
            for (name, _) in crate::migrate::bulk_indexes(self.db.get_database_backend()) {
                self.db
                    .execute_unprepared(&format!("DROP INDEX IF EXISTS {name}"))
                    .await?;
            }
        }
        Ok(())
    }

    /// Builds any index of the bulk-loaded tables that is missing (after a bulk load, or one
    /// that failed).
    pub(crate) async fn ensure_bulk_indexes(&self) -> Result<(), StoreError> {
        for (_, stmt) in crate::migrate::bulk_indexes(self.db.get_database_backend()) {
            self.db.execute_raw(stmt).await?;
        }
        Ok(())
    }

    /// After a bulk load: the indexes built again, PostgreSQL's sequences moved
    /// past the loaded ids (so the app's own inserts do not collide), statistics refreshed for
    /// the planner on both engines, and one audit entry for the whole run (`import`, record
    /// type `synthetic`).
    pub async fn bulk_finish(
        &self,
        who: &Who,
        area_id: Option<&str>,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.ensure_bulk_indexes().await?;
        let backend = self.db.get_database_backend();
        if backend == DbBackend::Postgres {
            for t in ID_TABLES {
                self.db
                    .execute_raw(Statement::from_string(
                        backend,
                        format!(
                            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
                             COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
                        ),
                    ))
                    .await?;
            }
            self.db
                .execute_unprepared(
                    "ANALYZE persons, labs, outbreaks, outbreak_zones, cases, case_events, \
                     exposures, samples, person_flevels",
                )
                .await?;
        } else {
            self.db.execute_unprepared("ANALYZE").await?;
        }
        let mut event = AuditEvent::new(AuditAction::Import, "synthetic", None).with_detail(detail);
        if let Some(a) = area_id {
            event = event.in_area(a);
        }
        self.audit(who, event).await
    }

    /// The provinces, districts and wards of some provinces (all when `provinces` is None) in
    /// force on a date, with their latest population, for the generator.
    pub async fn generation_areas(
        &self,
        provinces: Option<&[String]>,
        on: NaiveDate,
    ) -> Result<Vec<GenerationArea>, StoreError> {
        let mut q = Query::select()
            .columns(
                [
                    "id",
                    "level",
                    "code",
                    "name",
                    "kind",
                    "parent_id",
                    "province_code",
                ]
                .map(|c| (Alias::new("a"), Alias::new(c))),
            )
            .expr_as(
                Expr::cust(
                    "(SELECT p.population FROM populations p WHERE p.area_id = a.id \
                     ORDER BY p.year DESC LIMIT 1)",
                ),
                "population",
            )
            .from_as("areas", "a")
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("level")))
                    .is_in(["province", "district", "ward"]),
            )
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("valid_from")))
                    .is_null()
                    .or(Expr::col((Alias::new("a"), Alias::new("valid_from"))).lte(on)),
            )
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("valid_to")))
                    .is_null()
                    .or(Expr::col((Alias::new("a"), Alias::new("valid_to"))).gte(on)),
            )
            .order_by((Alias::new("a"), Alias::new("id")), sea_orm::Order::Asc)
            .to_owned();
        if let Some(p) = provinces {
            q.and_where(
                Expr::col((Alias::new("a"), Alias::new("province_code"))).is_in(p.iter().cloned()),
            );
        }
        Ok(
            GenerationArea::find_by_statement(self.db.get_database_backend().build(&q))
                .all(&self.db)
                .await?,
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::TestDb;
    use chongdich_domain::access::Scope;
    use chongdich_domain::area::AreaId;
    use chongdich_domain::clock::{ManualClock, SharedClock};
    use chongdich_domain::person::PersonDraft;
    use chrono::TimeZone;
    use std::sync::Arc;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn person(id: i64, name: &str, area: &str) -> PersonRecord {
        PersonRecord::new(PersonFields {
            id,
            province_code: Some("12".into()),
            area_id: area.into(),
            street: "Tổ 3, \"chợ\", số 5".into(),
            full_name: name.into(),
            id_kind: Some("cccd"),
            id_number: Some(format!("01209000{id:04}")),
            birth_date: Some(day(1990, 3, 4)),
            birth_year: Some(1990),
            sex: Some(Sex::Male),
            phone: None,
            nationality: "VN".into(),
            occupation: String::new(),
            workplace: String::new(),
            created_at: Utc.with_ymd_and_hms(2021, 6, 1, 2, 0, 0).unwrap(),
        })
    }

    #[tokio::test]
    async fn a_bulk_load_reads_back_and_the_app_inserts_after_it() {
        let clock: SharedClock = Arc::new(ManualClock::at(
            Utc.with_ymd_and_hms(2021, 6, 24, 3, 0, 0).unwrap(),
        ));
        let db = TestDb::new(clock).await.unwrap();
        let store = &db.store;
        let units = crate::units::embedded().unwrap();
        store
            .import_units(&units.data(), Some(&["12"]))
            .await
            .unwrap();
        let areas = store
            .generation_areas(Some(&["12".to_owned()]), day(2021, 6, 24))
            .await
            .unwrap();
        assert!(areas.iter().any(|a| a.id == "L03595" && a.level == "ward"));
        assert!(
            areas.iter().all(|a| a.id.starts_with('L')),
            "legacy units in 2021"
        );
        let disease = store.disease_by_code("covid19").await.unwrap().disease.id;
        // A large load drops the indexes of the tables it fills (here: the four name-search
        // indexes and the area one of persons); the end of the load builds them again.
        let name_indexes = async || {
            let sql = match store.engine() {
                crate::Engine::Postgres => {
                    "SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname LIKE 'persons\\_%' \
                     AND (indexname LIKE '%search%' OR indexname LIKE '%given%' OR indexname = 'persons_area')"
                }
                crate::Engine::Sqlite => {
                    "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' \
                     AND (name LIKE 'persons_search%' OR name LIKE 'persons_given%' OR name = 'persons_area')"
                }
            };
            let db = store.connection();
            db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .unwrap()
                .try_get::<i64>("", "n")
                .unwrap()
        };
        assert_eq!(name_indexes().await, 5);
        store.bulk_start(1_000_000).await.unwrap();
        assert_eq!(name_indexes().await, 0);
        let first = store.bulk_first_ids().await.unwrap();
        assert_eq!(first.person, 1);
        let base = 1_000;
        let at = Utc.with_ymd_and_hms(2021, 6, 13, 2, 0, 0).unwrap();
        let mut data = BulkData::default();
        for k in 0..3 {
            data.persons.push(person(base + k, "Lò Thị Hằng", "L03595"));
        }
        data.labs.push(LabRecord {
            id: 7,
            province_code: Some("12".into()),
            area_id: "L12".into(),
            name: "CDC Lai Châu".into(),
            capacity_per_day: 1_000,
            created_at: at,
        });
        data.outbreaks.push(OutbreakRecord {
            id: 5,
            province_code: Some("12".into()),
            disease_id: disease,
            area_id: "L03595".into(),
            name: "Ổ dịch chợ Than Uyên".into(),
            place: "Chợ".into(),
            setting: Setting::Market,
            started_on: day(2021, 6, 13),
            ended_on: None,
            created_at: at,
        });
        data.zones.push(ZoneRecord {
            id: 3,
            outbreak_id: 5,
            area_id: "L03595".into(),
            kind: ZoneKind::Lockdown,
            description: "Phong tỏa".into(),
            starts_on: day(2021, 6, 13),
            ends_on: None,
            created_at: at,
        });
        data.cases.push(CaseRecord {
            id: 20,
            province_code: Some("12".into()),
            area_id: "L03595".into(),
            person_id: base,
            disease_id: disease,
            case_code: Some("BN20".into()),
            classification: Classification::Confirmed,
            onset_date: Some(day(2021, 6, 11)),
            sample_date: Some(day(2021, 6, 12)),
            confirmed_date: Some(day(2021, 6, 13)),
            isolated_on: Some(day(2021, 6, 13)),
            curve_date: day(2021, 6, 11),
            found_in: FoundIn::Community,
            source_known: false,
            setting: Setting::Market,
            treatment_place: String::new(),
            outcome: Outcome::Treating,
            outcome_date: None,
            illegal_entry: false,
            outbreak_id: Some(5),
            notes: String::new(),
            created_at: at,
        });
        data.events.push(CaseEventRecord {
            id: 30,
            case_id: 20,
            at,
            on_date: day(2021, 6, 13),
            from_class: None,
            to_class: Classification::Confirmed,
            reason: "đăng ký ca bệnh".into(),
            by_user: "synthetic".into(),
        });
        data.exposures.push(ExposureRecord {
            id: 40,
            province_code: Some("12".into()),
            disease_id: disease,
            source_person_id: base,
            exposed_person_id: base + 1,
            first_date: day(2021, 6, 10),
            last_date: day(2021, 6, 12),
            setting: Setting::Household,
            proximity: Proximity::Physical,
            duration_minutes: None,
            certainty: Certainty::Confirmed,
            notes: String::new(),
            created_at: at,
            created_by: "synthetic".into(),
        });
        data.samples.push(SampleRecord {
            id: 50,
            province_code: Some("12".into()),
            area_id: "L03595".into(),
            person_id: base,
            case_id: Some(20),
            disease_id: disease,
            kind: SampleKind::RtPcr,
            reason: SampleReason::Symptoms,
            taken_on: day(2021, 6, 12),
            lab_id: Some(7),
            symptoms: "Sốt, ho".into(),
            result: TestResult::Positive,
            result_on: Some(day(2021, 6, 13)),
            ct: Some(21.5),
            created_at: at,
            created_by: "synthetic".into(),
        });
        data.flevels.push(FlevelRecord {
            person_id: base + 1,
            disease_id: disease,
            level: 1,
            via_person_id: base,
            root_person_id: base,
            exposure_id: 40,
            exposed_on: day(2021, 6, 10),
            province_code: Some("12".into()),
            area_id: "L03595".into(),
            updated_at: at,
        });
        store.bulk_insert(&data).await.unwrap();
        store
            .bulk_finish(&Who::console(), Some("L12"), "3 người")
            .await
            .unwrap();
        assert_eq!(name_indexes().await, 5);

        let everywhere = Scope::everywhere();
        let p = store.person_row(&everywhere, base).await.unwrap();
        assert_eq!(p.full_name, "Lò Thị Hằng");
        assert_eq!(p.street, "Tổ 3, \"chợ\", số 5");
        assert_eq!(p.workplace, "");
        assert_eq!(p.phone, None);
        let found = store
            .persons(
                &Scope::of([AreaId::parse("L12").unwrap()]),
                &Who::console(),
                &crate::persons::PersonFilter {
                    q: "hang lo".into(),
                    ..Default::default()
                },
                20,
                0,
            )
            .await
            .unwrap();
        assert_eq!(
            found.total, 3,
            "found by given name first, as the app's keys"
        );
        let c = store.case_row(&everywhere, 20).await.unwrap();
        assert_eq!(c.full_name, "Lò Thị Hằng");
        assert_eq!(c.outbreak_id, Some(5));
        assert!(!c.source_known);
        let o = store.outbreak_row(&everywhere, 5).await.unwrap();
        assert_eq!(o.case_count, 1);
        assert_eq!(store.zones(5).await.unwrap().len(), 1);
        let f = store.flevels_of(base + 1).await.unwrap();
        assert_eq!((f.len(), f[0].level, f[0].root_person_id), (1, 1, base));
        let chain = store.outbreak_chain(&everywhere, 5).await.unwrap();
        assert_eq!(chain.nodes.len(), 1);

        // The app's own inserts after the load get fresh ids on both engines.
        let next = store.bulk_first_ids().await.unwrap();
        assert_eq!((next.person, next.case, next.exposure), (base + 3, 21, 41));
        let draft = PersonDraft {
            full_name: "Nguyễn Văn An".into(),
            area_id: "L03595".into(),
            ..PersonDraft::default()
        };
        let input = draft.parse(day(2021, 6, 24)).unwrap();
        let created = store
            .create_person(&everywhere, &Who::console(), &input, true)
            .await
            .unwrap();
        let crate::persons::Created::New(row) = created else {
            panic!("created")
        };
        assert_eq!(row.id, base + 3);
        let case_id = store
            .create_case(
                &everywhere,
                &Who::console(),
                row.id,
                &chongdich_domain::case::CaseDraft {
                    disease: "covid19".into(),
                    ..Default::default()
                }
                .parse(day(2021, 6, 24))
                .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(case_id, 21);
        let audit = store
            .audit_entries(
                &everywhere,
                &crate::audit::AuditFilter {
                    record_type: Some("synthetic".into()),
                    ..Default::default()
                },
                10,
                0,
            )
            .await
            .unwrap();
        assert_eq!(audit.total, 1);
        assert_eq!(audit.items[0].action, "import");
    }
}
