//! `/api/v1/imports…`: lists imported from Excel, as on the pages. Upload the file with the
//! batch (`POST /api/v1/imports/returnees`, multipart), or with the disease
//! (`POST /api/v1/imports/cases`, `POST /api/v1/imports/contacts`) → the job with the file's headers and the
//! columns offered; check it with the columns chosen (`POST /api/v1/imports/{id}/validate`) →
//! the report of every bad row; import the valid rows (`POST /api/v1/imports/{id}/run`, 202) and
//! follow the job (`GET /api/v1/imports/{id}`) until `done` (with its batch) or `failed` (nothing
//! written). A job is read by the account that uploaded it only; it runs once. Returnees need
//! `manage_quarantine`; cases and contacts `edit_surveillance`.

use super::require;
use crate::AppState;
use crate::auth::{ApiUser, Authed};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use crate::imports::{self as engine, Preview, Step};
use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::import::{ImportKind, ImportSettings, Mapping, Report};
use chongdich_domain::quarantine::order::FallbackDraft;
use chongdich_domain::returnee::BatchDraft;
use chongdich_domain::text::search_key;
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::imports::JobRow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes (the upload without the app's body limit: it has its own).
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.merge(
        OpenApiRouter::<AppState>::new()
            .routes(routes!(upload_returnees))
            .routes(routes!(upload_cases))
            .routes(routes!(upload_contacts))
            .layer(axum::extract::DefaultBodyLimit::disable()),
    )
    .routes(routes!(get_one))
    .routes(routes!(validate))
    .routes(routes!(run))
}

/// A field a column can hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct Field {
    pub field: String,
    pub label: String,
    pub required: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SampleRow {
    /// The row's number in the sheet.
    pub line: u32,
    pub cells: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CellError {
    /// `full_name`, `id_number`, `commune`, `subject` …
    pub field: String,
    /// The column as the report names it: "Số CCCD/CMND".
    pub label: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BadRow {
    pub line: u32,
    pub name: String,
    pub errors: Vec<CellError>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobReport {
    pub header_line: u32,
    pub total: u64,
    pub valid: u64,
    pub invalid: u64,
    /// The bad rows in line order (at most 1,000; the counts are exact).
    pub rows: Vec<BadRow>,
}

impl From<Report> for JobReport {
    fn from(r: Report) -> Self {
        Self {
            header_line: r.header_line,
            total: r.total,
            valid: r.valid,
            invalid: r.invalid,
            rows: r
                .rows
                .into_iter()
                .map(|b| BadRow {
                    line: b.line,
                    name: b.name,
                    errors: b
                        .errors
                        .into_iter()
                        .map(|e| CellError {
                            field: e.field,
                            label: e.label,
                            message: e.message,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Job {
    pub id: i64,
    /// `returnees`, `cases` or `contacts`.
    pub kind: String,
    /// `uploaded`, `checked`, `running`, `done` or `failed`.
    pub status: String,
    pub file_name: String,
    /// The header row's number and its cells.
    pub header_line: u32,
    pub headers: Vec<String>,
    /// The fields of the kind.
    pub fields: Vec<Field>,
    /// Field → column (0-based): as checked, else as offered (the user's remembered columns,
    /// else guessed from the headers).
    pub mapping: BTreeMap<String, usize>,
    /// The first rows under the header (on upload).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<SampleRow>,
    pub total: i64,
    pub valid: i64,
    pub invalid: i64,
    pub imported: i64,
    /// The report, once checked.
    pub report: Option<JobReport>,
    /// While running.
    pub progress: Option<Step>,
    /// Why a run failed (nothing was written).
    pub error: String,
    /// The batch written, when done.
    pub batch_id: Option<i64>,
    /// The receiving commune (its work list: `/api/v1/quarantine/work?area=…`); returnees only.
    pub area_id: String,
    /// Cases and contacts: the disease of the rows naming none.
    pub disease: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

async fn job_body(
    s: &AppState,
    u: &Authed,
    job: JobRow,
    sample: Vec<engine::Row>,
) -> Result<Job, ApiError> {
    let kind = engine::kind_of(&job)?;
    let settings = engine::settings_of(&job)?;
    let mapping = engine::offered_mapping(&s.store, &u.who(), &job).await?;
    let progress = s.imports.get(job.id);
    let disease = if kind == ImportKind::Returnees {
        String::new()
    } else {
        engine::disease_code(&settings)
    };
    Ok(Job {
        id: job.id,
        kind: job.kind.clone(),
        status: job.status.clone(),
        file_name: job.file_name.clone(),
        header_line: settings.header_line,
        headers: settings.headers,
        fields: kind
            .targets()
            .iter()
            .map(|t| Field {
                field: t.field.into(),
                label: t.label.into(),
                required: t.required,
            })
            .collect(),
        mapping: mapping.0,
        sample: sample
            .into_iter()
            .map(|r| SampleRow {
                line: r.line,
                cells: r.cells,
            })
            .collect(),
        total: job.total,
        valid: job.valid,
        invalid: job.invalid,
        imported: job.imported,
        report: engine::report_of(&job).map(JobReport::from),
        progress,
        error: job.error.clone(),
        batch_id: job.batch_id,
        disease,
        area_id: settings.batch.area_id,
        created_at: job.created_at,
        finished_at: job.finished_at,
    })
}

/// The multipart body of an upload: the batch's fields, the decision's, and `file`.
#[derive(Debug, Default, ToSchema)]
#[allow(dead_code)]
pub struct ReturneeUpload {
    /// The receiving commune (a ward within your area: `L03386`).
    pub area_id: String,
    /// Where they came from ("TP. Bắc Giang").
    pub origin: String,
    pub origin_area_id: String,
    pub origin_level: String,
    pub transport: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub arrived_on: String,
    pub notes: String,
    /// The province's decision for people the rules in force are silent on: `home`,
    /// `centralized` … (empty: none).
    pub fallback_kind: String,
    pub fallback_days: String,
    /// "1, 7, 14".
    pub fallback_test_days: String,
    pub fallback_monitoring_days: String,
    /// The document deciding it.
    pub fallback_basis: String,
    /// The list: .xlsx (first sheet) or UTF-8 CSV.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The multipart body of a case or contact list: the disease and `file`.
#[derive(Debug, Default, ToSchema)]
#[allow(dead_code)]
pub struct ListUpload {
    /// The disease of rows naming none (`covid19` when empty).
    pub disease: String,
    /// The list: .xlsx (first sheet) or UTF-8 CSV.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Reads a multipart body up to the upload limit.
async fn read_multipart(
    s: &AppState,
    req: Request,
) -> Result<(HashMap<String, String>, String, Vec<u8>), ApiError> {
    let limit = s.settings.upload_limit;
    let req = req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, limit)));
    let mut mp = axum::extract::Multipart::from_request(req, s)
        .await
        .map_err(|e| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("gửi multipart/form-data với trường file: {}", e.body_text()),
            )
        })?;
    let failed = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("tệp quá lớn (tối đa {} MB)", limit / (1024 * 1024)),
            )
        } else {
            ApiError::field(StatusCode::BAD_REQUEST, "invalid", "file", e.body_text())
        }
    };
    let mut fields = HashMap::new();
    let mut file_name = String::new();
    let mut file = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(failed)? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            file_name = field.file_name().unwrap_or("").to_owned();
            file = field.bytes().await.map_err(failed)?.to_vec();
        } else {
            let bytes = field.bytes().await.map_err(failed)?;
            fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok((fields, file_name, file))
}

/// Upload a returnee list with its batch. The file is kept as a job; the answer has its header
/// row, the first rows and the columns offered. A file that is not .xlsx or UTF-8 CSV, has no
/// header row or no rows under it is refused on `file`; the batch's errors name its fields.
#[utoipa::path(post, path = "/api/v1/imports/returnees", tag = "imports",
    request_body(content = ReturneeUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Job), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn upload_returnees(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    req: Request,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let (f, file_name, content) = read_multipart(&s, req).await?;
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    let (job, Preview { sample, .. }) = engine::upload(
        &s.store,
        &u.scope(Permission::ManageQuarantine),
        &u.who(),
        s.clock.today(),
        engine::Upload {
            kind: ImportKind::Returnees,
            settings: ImportSettings {
                batch: BatchDraft {
                    area_id: text("area_id"),
                    origin: text("origin"),
                    origin_area_id: text("origin_area_id"),
                    origin_level: text("origin_level"),
                    transport: text("transport"),
                    arrived_on: text("arrived_on"),
                    source: String::new(),
                    notes: text("notes"),
                },
                fallback: FallbackDraft {
                    fallback_kind: text("fallback_kind"),
                    fallback_days: text("fallback_days"),
                    fallback_test_days: text("fallback_test_days"),
                    fallback_monitoring_days: text("fallback_monitoring_days"),
                    fallback_basis: text("fallback_basis"),
                },
                ..ImportSettings::default()
            },
            file_name,
            content,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(job_body(&s, &u, job, sample).await?),
    ))
}

async fn upload_list(
    s: AppState,
    u: Authed,
    kind: ImportKind,
    req: Request,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    require(&u, engine::permission(kind))?;
    let (f, file_name, content) = read_multipart(&s, req).await?;
    let (job, Preview { sample, .. }) = engine::upload(
        &s.store,
        &u.scope(engine::permission(kind)),
        &u.who(),
        s.clock.today(),
        engine::Upload {
            kind,
            settings: ImportSettings {
                disease: f.get("disease").cloned().unwrap_or_default(),
                ..ImportSettings::default()
            },
            file_name,
            content,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(job_body(&s, &u, job, sample).await?),
    ))
}

/// Upload a case list: each row a person (full name, ID number, birth, sex, phone, commune …)
/// and their case (classification, case code, onset, sample and confirmation dates, where
/// found). Then validate and run as any list. Needs `edit_surveillance`.
#[utoipa::path(post, path = "/api/v1/imports/cases", tag = "imports",
    request_body(content = ListUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Job), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn upload_cases(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    req: Request,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    upload_list(s, u, ImportKind::Cases, req).await
}

/// Upload a contact list: each row a contact person and their source (the ID number or case
/// code of a case within your area), with the first and last contact dates. Running it
/// recomputes the F-levels around each source. Needs `edit_surveillance`.
#[utoipa::path(post, path = "/api/v1/imports/contacts", tag = "imports",
    request_body(content = ListUpload, content_type = "multipart/form-data"),
    responses((status = 201, body = Job), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn upload_contacts(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    req: Request,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    upload_list(s, u, ImportKind::Contacts, req).await
}

/// One of your import jobs: its status, counts, report, progress while running, and its batch
/// once done.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = i64, Path)),
    responses((status = 200, body = Job), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Job>, ApiError> {
    let job = s.store.import_job(&u.who(), id).await?;
    require(&u, engine::permission(engine::kind_of(&job)?))?;
    Ok(Json(job_body(&s, &u, job, vec![]).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ValidateBody {
    /// Field → its column: a number (0-based) or the header's text. Absent: the columns
    /// offered. Fields left out are not imported.
    #[schema(value_type = Option<Object>)]
    pub mapping: Option<BTreeMap<String, serde_json::Value>>,
}

fn mapping_of(
    kind: ImportKind,
    headers: &[String],
    given: &BTreeMap<String, serde_json::Value>,
) -> Result<Mapping, Invalid> {
    let mut m = BTreeMap::new();
    let mut errors = Vec::new();
    for (field, v) in given {
        if !kind.targets().iter().any(|t| t.field == field) {
            errors.push(FieldError::new(
                format!("mapping.{field}"),
                "không có trường này",
            ));
            continue;
        }
        let col = match v {
            serde_json::Value::Null => continue,
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            serde_json::Value::String(h) => {
                let key = search_key(h);
                headers.iter().position(|x| search_key(x) == key)
            }
            _ => None,
        };
        match col {
            Some(c) => {
                m.insert(field.clone(), c);
            }
            None => errors.push(FieldError::new(
                field.clone(),
                format!("không có cột {v} trong tệp"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(Invalid(errors));
    }
    let m = Mapping(m);
    m.check(kind, headers.len())?;
    Ok(m)
}

/// Check every row with the columns chosen, keep the report and remember the columns for your
/// next list of this kind. A required field without a column is refused naming it.
#[utoipa::path(post, path = "/api/v1/imports/{id}/validate", tag = "imports", params(("id" = i64, Path)),
    request_body = ValidateBody,
    responses((status = 200, body = Job), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn validate(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ValidateBody>,
) -> Result<Json<Job>, ApiError> {
    let who = u.who();
    let job = s.store.import_job(&who, id).await?;
    let permission = engine::permission(engine::kind_of(&job)?);
    require(&u, permission)?;
    let mapping = match &b.mapping {
        Some(given) => Some(mapping_of(
            engine::kind_of(&job)?,
            &engine::settings_of(&job)?.headers,
            given,
        )?),
        None => None,
    };
    let (job, _) = engine::check_job(
        &s.store,
        &u.scope(permission),
        &who,
        s.clock.today(),
        id,
        mapping,
    )
    .await?;
    Ok(Json(job_body(&s, &u, job, vec![]).await?))
}

/// Import the valid rows of a checked job, in the background (202): follow it with
/// `GET /api/v1/imports/{id}`. All rows or none are written. A job not checked, running or done
/// is refused (409): a job imports once.
#[utoipa::path(post, path = "/api/v1/imports/{id}/run", tag = "imports", params(("id" = i64, Path)),
    responses((status = 202, body = Job), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn run(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<Job>), ApiError> {
    let job = s.store.import_job(&u.who(), id).await?;
    let permission = engine::permission(engine::kind_of(&job)?);
    require(&u, permission)?;
    let job = engine::start(&s, u.scope(permission), u.who(), id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(job_body(&s, &u, job, vec![]).await?),
    ))
}
