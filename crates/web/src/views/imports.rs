//! Excel import of lists — returnees (`/quarantine/returnees/import`), cases (`/cases/import`)
//! and contacts (`/persons/contacts/import`), the same pages for each: the batch (returnees) or
//! the disease (cases, contacts) and the file;
//! choosing which column holds which field (remembered for next time); the report of every bad
//! row; importing the valid rows with a progress bar; the batch and the receiving commune's
//! work list when done. The engine is [`crate::imports`].

use super::outbreaks::{Choice, found, require};
use super::returnees::{BatchForm, commune_choices};
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_datetime, vn_number};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use crate::imports::{self as engine, Preview};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chongdich_domain::import::{ImportKind, ImportSettings, Mapping, Report};
use chongdich_domain::quarantine::OrderKind;
use chongdich_domain::quarantine::order::FallbackDraft;
use chongdich_domain::returnee::BatchDraft;
use chongdich_store::StoreError;
use chongdich_store::imports::{JobRow, JobStatus};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for kind in ImportKind::ALL.iter().copied() {
        let base = pages(kind).base;
        r = r
            .route(
                base,
                get(move |st: State<AppState>, pu: PageUser| form_page(kind, st, pu))
                    .post(
                        move |st: State<AppState>, pu: PageUser, req: axum::extract::Request| {
                            upload(kind, st, pu, req)
                        },
                    )
                    .layer(axum::extract::DefaultBodyLimit::disable()),
            )
            .route(
                &format!("{base}/{{id}}"),
                get(
                    move |st: State<AppState>, pu: PageUser, p: Path<i64>, q: Query<JobQuery>| {
                        job_page(kind, st, pu, p, q)
                    },
                ),
            )
            .route(
                &format!("{base}/{{id}}/check"),
                post(
                    move |st: State<AppState>,
                          p: Path<i64>,
                          sub: Submitted<HashMap<String, String>>| {
                        check(kind, st, p, sub)
                    },
                ),
            )
            .route(
                &format!("{base}/{{id}}/run"),
                post(
                    move |st: State<AppState>, p: Path<i64>, sub: Submitted<super::Empty>| {
                        run(kind, st, p, sub)
                    },
                ),
            );
    }
    r.route("/static/import.js", get(script))
}

/// Where the pages of a kind live and what they hang under.
#[derive(Debug, Clone, Copy)]
pub struct KindPages {
    pub kind: &'static str,
    /// The form's path; a job's pages are under it.
    pub base: &'static str,
    /// The breadcrumbs above it.
    pub crumbs: &'static [(&'static str, &'static str)],
    /// The section of the menu.
    pub section: &'static str,
    /// "Nhập danh sách người về từ Excel".
    pub title: &'static str,
}

pub fn pages(kind: ImportKind) -> KindPages {
    match kind {
        ImportKind::Returnees => KindPages {
            kind: "returnees",
            base: "/quarantine/returnees/import",
            crumbs: &[
                ("/quarantine", "Cách ly"),
                ("/quarantine/returnees", "Người về từ vùng dịch"),
            ],
            section: "quarantine",
            title: "Nhập danh sách người về từ Excel",
        },
        ImportKind::Cases => KindPages {
            kind: "cases",
            base: "/cases/import",
            crumbs: &[("/cases", "Ca bệnh")],
            section: "cases",
            title: "Nhập danh sách ca bệnh từ Excel",
        },
        ImportKind::Contacts => KindPages {
            kind: "contacts",
            base: "/persons/contacts/import",
            crumbs: &[("/persons", "Người")],
            section: "persons",
            title: "Nhập danh sách người tiếp xúc từ Excel",
        },
    }
}

const IMPORT_JS: &str = include_str!("../../static/import.js");

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        IMPORT_JS,
    )
        .into_response()
}

fn layout(u: &Authed, kind: ImportKind, title: impl Into<String>) -> Layout {
    Layout::for_user(u, title, pages(kind).section)
}

fn job_path(kind: ImportKind, id: i64) -> String {
    format!("{}/{id}", pages(kind).base)
}

/// A field of the list with its column, for the table of accepted columns and the mapping.
pub struct TargetLine {
    pub field: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub hint: &'static str,
    pub aliases: String,
    /// The column chosen ("" when none), as the select's value.
    pub column: String,
}

fn target_lines(kind: ImportKind, mapping: Option<&Mapping>) -> Vec<TargetLine> {
    kind.targets()
        .iter()
        .map(|t| TargetLine {
            field: t.field,
            label: t.label,
            required: t.required,
            hint: t.hint,
            aliases: t
                .aliases
                .iter()
                .take(4)
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", "),
            column: mapping
                .and_then(|m| m.column(t.field))
                .map(|c| c.to_string())
                .unwrap_or_default(),
        })
        .collect()
}

/// "A", "B", … "Z", "AA" …: the column as Excel names it.
pub fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(char::from(b'A' + r as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

#[derive(Template)]
#[template(path = "import_form.html")]
struct FormPage {
    l: Layout,
    k: KindPages,
    form: BatchForm,
    /// Cases and contacts: the disease chosen.
    disease: String,
    diseases: Vec<Choice>,
    errors: FormErrors,
    areas: Vec<Choice>,
    kinds: Vec<Choice>,
    targets: Vec<TargetLine>,
}

#[allow(clippy::too_many_arguments)]
async fn form_view(
    s: &AppState,
    u: &Authed,
    kind: ImportKind,
    form: BatchForm,
    disease: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, engine::permission(kind))?;
    let (areas, diseases) = if kind == ImportKind::Returnees {
        let areas = commune_choices(s, u)
            .await?
            .into_iter()
            .filter(|c| !c.value.starts_with('T'))
            .collect();
        (areas, Vec::new())
    } else {
        let diseases = s
            .store
            .diseases()
            .await?
            .into_iter()
            .map(|d| Choice::new(d.code, d.name))
            .collect();
        (Vec::new(), diseases)
    };
    render_status(
        status,
        &FormPage {
            l: layout(u, kind, pages(kind).title),
            k: pages(kind),
            kinds: OrderKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            targets: target_lines(kind, None),
            disease: if disease.is_empty() {
                "covid19".to_owned()
            } else {
                disease
            },
            diseases,
            areas,
            form,
            errors,
        },
    )
}

pub async fn form_page(
    kind: ImportKind,
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    form_view(
        &s,
        &u,
        kind,
        BatchForm::default(),
        String::new(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The upload (multipart: the batch's fields and the decision's for returnees, the disease
/// for cases and contacts, csrf, file).
pub async fn upload(
    kind: ImportKind,
    State(s): State<AppState>,
    PageUser(u): PageUser,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    require(&u, engine::permission(kind))?;
    let up = super::Upload::read(&s, &u, req).await?;
    let form = if kind == ImportKind::Returnees {
        BatchForm {
            batch: BatchDraft {
                area_id: up.text("area_id"),
                origin: up.text("origin"),
                origin_area_id: up.text("origin_area_id"),
                origin_level: up.text("origin_level"),
                transport: up.text("transport"),
                arrived_on: up.text("arrived_on"),
                source: String::new(),
                notes: up.text("notes"),
            },
            fallback: FallbackDraft {
                fallback_kind: up.text("fallback_kind"),
                fallback_days: up.text("fallback_days"),
                fallback_test_days: up.text("fallback_test_days"),
                fallback_monitoring_days: up.text("fallback_monitoring_days"),
                fallback_basis: up.text("fallback_basis"),
            },
        }
    } else {
        BatchForm::default()
    };
    let disease = up.text("disease");
    let uploaded = engine::upload(
        &s.store,
        &u.scope(engine::permission(kind)),
        &u.who(),
        s.clock.today(),
        engine::Upload {
            kind,
            settings: ImportSettings {
                batch: form.batch.clone(),
                fallback: form.fallback.clone(),
                disease: disease.clone(),
                ..ImportSettings::default()
            },
            file_name: up.file_name("file").to_owned(),
            content: up.file("file").to_vec(),
        },
    )
    .await;
    match uploaded {
        Ok((job, _)) => Ok(see_other(&job_path(kind, job.id))),
        Err(StoreError::Invalid(e)) => {
            form_view(
                &s,
                &u,
                kind,
                form,
                disease,
                e.into(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// A header offered in a select: its column number and "B — Họ và tên".
pub struct HeaderChoice {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "import_mapping.html")]
struct MappingPage {
    l: Layout,
    k: KindPages,
    job: JobLine,
    targets: Vec<TargetLine>,
    headers: Vec<HeaderChoice>,
    header_line: u32,
    /// The first rows, each with as many cells as headers.
    sample: Vec<(u32, Vec<String>)>,
    errors: FormErrors,
}

/// A job as shown.
pub struct JobLine {
    pub id: i64,
    pub kind: &'static str,
    pub disease: String,
    pub file_name: String,
    pub status: &'static str,
    pub created_at: String,
    pub total: String,
    pub valid: String,
    pub valid_n: i64,
    pub invalid: String,
    pub invalid_n: i64,
    pub imported: String,
    pub error: String,
    pub batch_id: Option<i64>,
    pub area_id: String,
    pub origin: String,
    pub arrived_on: String,
    pub fallback: String,
}

fn job_line(job: &JobRow) -> JobLine {
    let settings = engine::settings_of(job).unwrap_or_default();
    JobLine {
        id: job.id,
        kind: engine::kind_of(job)
            .map(|k| k.as_str())
            .unwrap_or("returnees"),
        disease: engine::disease_code(&settings),
        file_name: job.file_name.clone(),
        status: job.status().label(),
        created_at: vn_datetime(&job.created_at),
        total: vn_number(job.total),
        valid: vn_number(job.valid),
        valid_n: job.valid,
        invalid: vn_number(job.invalid),
        invalid_n: job.invalid,
        imported: vn_number(job.imported),
        error: job.error.clone(),
        batch_id: job.batch_id,
        area_id: settings.batch.area_id.clone(),
        origin: settings.batch.origin.clone(),
        arrived_on: settings.batch.arrived_on.clone(),
        fallback: settings.fallback.fallback_basis.clone(),
    }
}

async fn mapping_view(
    s: &AppState,
    u: &Authed,
    job: &JobRow,
    mapping: Option<Mapping>,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let who = u.who();
    let kind = engine::kind_of(job)?;
    let mapping = match mapping {
        Some(m) => m,
        None => engine::offered_mapping(&s.store, &who, job).await?,
    };
    let Preview {
        header_line,
        headers,
        sample,
    } = engine::job_preview(&s.store, &who, job).await?;
    let width = headers.len();
    render_status(
        status,
        &MappingPage {
            l: layout(u, kind, format!("Chọn cột — {}", job.file_name)),
            k: pages(kind),
            job: job_line(job),
            targets: target_lines(kind, Some(&mapping)),
            headers: headers
                .iter()
                .enumerate()
                .map(|(i, h)| HeaderChoice {
                    value: i.to_string(),
                    label: if h.is_empty() {
                        format!("Cột {}", column_letter(i))
                    } else {
                        format!("{} — {h}", column_letter(i))
                    },
                })
                .collect(),
            header_line,
            sample: sample
                .into_iter()
                .map(|r| {
                    let mut cells = r.cells;
                    cells.resize(width, String::new());
                    (r.line, cells)
                })
                .collect(),
            errors,
        },
    )
}

/// A bad row as shown.
pub struct BadRow {
    pub line: u32,
    pub name: String,
    pub errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    l: Layout,
    k: KindPages,
    job: JobLine,
    status: &'static str,
    bad: Vec<BadRow>,
    unlisted: String,
    /// While running: the bar.
    done: u64,
    total: u64,
    phase: &'static str,
}

async fn job_view(s: &AppState, u: &Authed, job: &JobRow) -> Result<Response, PageError> {
    let report: Report = engine::report_of(job).unwrap_or_default();
    let status = job.status();
    let (mut done, mut total, mut phase) = (0, u64::try_from(job.valid).unwrap_or(0), "checking");
    if status == JobStatus::Running
        && let Some(step) = s.imports.get(job.id)
    {
        (done, total, phase) = (step.done, step.total, step.phase);
    }
    let kind = engine::kind_of(job)?;
    render_status(
        StatusCode::OK,
        &JobPage {
            l: layout(u, kind, format!("Nhập danh sách — {}", job.file_name)),
            k: pages(kind),
            job: job_line(job),
            status: status.as_str(),
            unlisted: vn_number(i64::try_from(report.unlisted()).unwrap_or(i64::MAX)),
            bad: report
                .rows
                .iter()
                .map(|r| BadRow {
                    line: r.line,
                    name: r.name.clone(),
                    errors: r.errors.iter().map(|e| e.text()).collect(),
                })
                .collect(),
            done,
            total,
            phase,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct JobQuery {
    remap: Option<String>,
}

/// The job as it stands: choosing columns, the report, the progress, or the outcome.
pub async fn job_page(
    kind: ImportKind,
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<JobQuery>,
) -> Result<Response, PageError> {
    require(&u, engine::permission(kind))?;
    let job = found(s.store.import_job(&u.who(), id).await)?;
    let actual = engine::kind_of(&job)?;
    if actual != kind {
        return Ok(see_other(&job_path(actual, id)));
    }
    match job.status() {
        JobStatus::Uploaded => {
            mapping_view(&s, &u, &job, None, FormErrors::default(), StatusCode::OK).await
        }
        JobStatus::Checked | JobStatus::Failed if q.remap.is_some() => {
            mapping_view(&s, &u, &job, None, FormErrors::default(), StatusCode::OK).await
        }
        _ => job_view(&s, &u, &job).await,
    }
}

/// "Kiểm tra": the columns chosen (`map_{field}` = column number, empty for none).
pub async fn check(
    kind: ImportKind,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, engine::permission(kind))?;
    let who = u.who();
    let job = found(s.store.import_job(&who, id).await)?;
    if engine::kind_of(&job)? != kind {
        return Err(StoreError::NotFound("lượt nhập").into());
    }
    let settings = engine::settings_of(&job)?;
    let choices = sub
        .form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("map_").map(|f| (f, v.as_str())));
    let chosen = match Mapping::from_choices(kind, settings.headers.len(), choices) {
        Ok(m) => m,
        Err(e) => {
            // Keep what was chosen, even the columns refused.
            let kept = Mapping(
                sub.form
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((k.strip_prefix("map_")?.to_owned(), v.trim().parse().ok()?))
                    })
                    .collect(),
            );
            return mapping_view(
                &s,
                u,
                &job,
                Some(kept),
                e.into(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match engine::check_job(
        &s.store,
        &u.scope(engine::permission(kind)),
        &who,
        s.clock.today(),
        id,
        Some(chosen.clone()),
    )
    .await
    {
        Ok(_) => Ok(see_other(&job_path(kind, id))),
        Err(StoreError::Invalid(e)) => {
            mapping_view(
                &s,
                u,
                &job,
                Some(chosen),
                e.into(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// "Nhập N dòng hợp lệ": starts the import in the background, then shows its progress.
pub async fn run(
    kind: ImportKind,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<super::Empty>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, engine::permission(kind))?;
    let job = found(s.store.import_job(&u.who(), id).await)?;
    if engine::kind_of(&job)? != kind {
        return Err(StoreError::NotFound("lượt nhập").into());
    }
    engine::start(&s, u.scope(engine::permission(kind)), u.who(), id).await?;
    Ok(see_other(&job_path(kind, id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_in_excel() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
