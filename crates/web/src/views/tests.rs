//! Tests (xét nghiệm): samples with their filters and the labs' load against capacity, one
//! sample with the form to record its result, and the labs. A positive result that the rule set
//! in force counts as confirmatory confirms the person's case (the store decides); the page
//! then goes to that case.

use super::agencies::{AreaOption, area_options};
use super::areas::Pager;
use super::outbreaks::{Choice, form_errors, found, iso, require};
use super::{FormErrors, Layout, Notice, Submitted, render_status, see_other, vn_date};
use crate::AppState;
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
use chongdich_domain::error::Collector;
use chongdich_domain::sample::{ResultDraft, TestResult};
use chongdich_domain::vocab::parse_date;
use chongdich_store::samples::{LabLoad, LabRow, SampleFilter, SampleRow};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use std::collections::HashMap;

const PER_PAGE: u64 = 50;
/// Days of the lab-load table.
const LOAD_DAYS: i64 = 14;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/samples", get(samples))
        .route("/samples/{id}", get(sample))
        .route("/samples/{id}/result", post(set_result))
        .route("/labs", get(labs).post(create_lab))
}

fn result_choices() -> Vec<Choice> {
    TestResult::ALL
        .iter()
        .map(|r| Choice::new(r.as_str(), r.label()))
        .collect()
}

/// A CSS class for a result badge.
pub fn result_badge(result: &str) -> &'static str {
    match result {
        "positive" => "badge result-positive",
        "negative" => "badge result-negative",
        "pending" => "badge result-pending",
        _ => "badge",
    }
}

pub struct SampleLine {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub case_id: Option<i64>,
    pub disease: String,
    pub kind: String,
    pub reason: String,
    pub pool: String,
    pub taken_on: String,
    pub lab_id: Option<i64>,
    pub lab_name: String,
    pub symptoms: String,
    pub result: String,
    pub result_label: String,
    pub result_on: String,
    pub ct: String,
}

impl From<SampleRow> for SampleLine {
    fn from(r: SampleRow) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            full_name: r.full_name,
            case_id: r.case_id,
            disease: r.disease_code,
            kind: super::labels::sample_kind(&r.kind),
            reason: super::labels::sample_reason(&r.reason),
            pool: match (r.pool_size, r.pool_code) {
                (Some(n), Some(code)) if n > 1 => format!("gộp {n} người, mã {code}"),
                (Some(n), None) if n > 1 => format!("gộp {n} người"),
                _ => "mẫu đơn".to_owned(),
            },
            taken_on: vn_date(&r.taken_on),
            lab_id: r.lab_id,
            lab_name: r.lab_name.unwrap_or_default(),
            symptoms: r.symptoms,
            result_label: super::labels::result(&r.result),
            result: r.result,
            result_on: r.result_on.as_ref().map(vn_date).unwrap_or_default(),
            ct: r
                .ct
                .map(|v| v.to_string().replace('.', ","))
                .unwrap_or_default(),
        }
    }
}

/// The filters of the sample list, as typed (all text, so that a bad value is shown back
/// with its error rather than refused).
#[derive(Debug, Deserialize, Default)]
pub struct SamplesQuery {
    #[serde(default)]
    result: String,
    #[serde(default)]
    lab_id: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    page: Option<u64>,
    msg: Option<String>,
}

impl SamplesQuery {
    fn filter(&self) -> Result<SampleFilter, chongdich_domain::Invalid> {
        let mut c = Collector::new();
        let result = c.take(TestResult::parse_opt(&self.result)).flatten();
        let lab_id = match self.lab_id.trim() {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    c.push("lab_id", "phòng xét nghiệm không hợp lệ");
                    None
                }
            },
        };
        let from = c.take(parse_date("from", &self.from)).flatten();
        let to = c.take(parse_date("to", &self.to)).flatten();
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            c.push("to", "đến ngày trước từ ngày");
        }
        c.finish()?;
        Ok(SampleFilter {
            result,
            lab_id,
            from,
            to,
            ..Default::default()
        })
    }

    /// The query string of the list with these filters, on a page.
    fn link(&self, page: u64) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        for (k, v) in [
            ("result", &self.result),
            ("lab_id", &self.lab_id),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if !v.trim().is_empty() {
                pairs.push((k, v.trim().to_owned()));
            }
        }
        pairs.push(("page", page.to_string()));
        format!(
            "/samples?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    }
}

/// What a date filter shows: yyyy-mm-dd when it parses (as a date input wants), else as typed.
fn date_value(s: &str) -> String {
    match parse_date("d", s) {
        Ok(Some(d)) => iso(d),
        _ => s.to_owned(),
    }
}

/// One cell of the lab-load table.
pub struct LoadCell {
    pub samples: i64,
    pub positive: i64,
    pub over: bool,
}

pub struct LoadRow {
    pub lab_id: i64,
    pub lab_name: String,
    pub capacity: i32,
    pub cells: Vec<LoadCell>,
    pub over_days: usize,
}

/// Samples per lab per day over `days`, every lab in a row, days without samples as 0.
pub fn load_rows(labs: &[LabRow], load: &[LabLoad], days: &[NaiveDate]) -> Vec<LoadRow> {
    let by_key: HashMap<(i64, NaiveDate), &LabLoad> =
        load.iter().map(|l| ((l.lab_id, l.day), l)).collect();
    labs.iter()
        .map(|lab| {
            let cells: Vec<LoadCell> = days
                .iter()
                .map(|d| match by_key.get(&(lab.id, *d)) {
                    Some(l) => LoadCell {
                        samples: l.samples,
                        positive: l.positive,
                        over: l.samples > i64::from(lab.capacity_per_day),
                    },
                    None => LoadCell {
                        samples: 0,
                        positive: 0,
                        over: false,
                    },
                })
                .collect();
            LoadRow {
                lab_id: lab.id,
                lab_name: lab.name.clone(),
                capacity: lab.capacity_per_day,
                over_days: cells.iter().filter(|c| c.over).count(),
                cells,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "samples.html")]
struct SamplesPage {
    l: Layout,
    samples: Vec<SampleLine>,
    pager: Pager,
    results: Vec<Choice>,
    labs: Vec<LabRow>,
    q: SamplesQuery,
    from_value: String,
    to_value: String,
    errors: FormErrors,
    load_days: Vec<String>,
    load: Vec<LoadRow>,
}

pub async fn samples(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<SamplesQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let page = q.page.unwrap_or(1).max(1);
    let (items, pager, errors, status) = match q.filter() {
        Ok(f) => {
            let p = s
                .store
                .samples(&scope, &f, PER_PAGE, (page - 1) * PER_PAGE)
                .await?;
            (
                p.items,
                Pager::new(p.total, page, PER_PAGE, |n| q.link(n)),
                FormErrors::default(),
                StatusCode::OK,
            )
        }
        Err(e) => (
            vec![],
            Pager::new(0, 1, PER_PAGE, |_| String::new()),
            e.into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    let labs = s.store.labs(&scope).await?;
    let today = s.clock.today();
    let first = today - Duration::days(LOAD_DAYS - 1);
    let days: Vec<NaiveDate> = (0..LOAD_DAYS).map(|i| first + Duration::days(i)).collect();
    let load = s.store.lab_load(&scope, first, today).await?;
    render_status(
        status,
        &SamplesPage {
            l: Layout::for_user(&u, "Xét nghiệm", "tests").with_notice(q.msg.as_deref()),
            samples: items.into_iter().map(SampleLine::from).collect(),
            pager,
            results: result_choices(),
            load: load_rows(&labs, &load, &days),
            load_days: days.iter().map(|d| d.format("%d/%m").to_string()).collect(),
            labs,
            from_value: date_value(&q.from),
            to_value: date_value(&q.to),
            q,
            errors,
        },
    )
}

#[derive(Template)]
#[template(path = "sample.html")]
struct SamplePage {
    l: Layout,
    x: SampleLine,
    can_edit: bool,
    results: Vec<Choice>,
    form: ResultDraft,
    errors: FormErrors,
}

async fn sample_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    notice: Option<&str>,
    form: Option<(ResultDraft, FormErrors)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let row = found(s.store.sample(&u.scope(Permission::ViewPersons), id).await)?;
    let can_edit = u.can(Permission::EditSurveillance)
        && s.store
            .area_in_scope(
                &u.scope(Permission::EditSurveillance),
                &AreaId::parse(&row.area_id)?,
            )
            .await?;
    let (form, errors) = form.unwrap_or_else(|| {
        (
            ResultDraft {
                result: if row.result == TestResult::Pending.as_str() {
                    String::new()
                } else {
                    row.result.clone()
                },
                result_on: iso(row.result_on.unwrap_or_else(|| s.clock.today())),
                ct: row.ct.map(|v| v.to_string()).unwrap_or_default(),
            },
            FormErrors::default(),
        )
    });
    render_status(
        status,
        &SamplePage {
            l: Layout::for_user(u, format!("Mẫu xét nghiệm #{id}"), "tests").with_notice(notice),
            x: row.into(),
            can_edit,
            results: result_choices(),
            form,
            errors,
        },
    )
}

pub async fn sample(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    sample_page(&s, &u, id, n.msg.as_deref(), None, StatusCode::OK).await
}

pub async fn set_result(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<ResultDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::EditSurveillance)?;
    let scope = u.scope(Permission::EditSurveillance);
    let row = found(s.store.sample(&scope, id).await)?;
    let errors = match sub.form.parse(row.taken_on, s.clock.today()) {
        Ok(r) => match s.store.set_result(&scope, &u.who(), id, &r).await {
            Ok(out) => {
                return Ok(see_other(&match out.confirmed_case_id {
                    Some(case) => format!("/cases/{case}?msg=confirmed_by_test"),
                    None => format!("/samples/{id}?msg=result"),
                }));
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    sample_page(
        &s,
        u,
        id,
        None,
        Some((sub.form, errors)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The new-lab form as typed.
#[derive(Debug, Deserialize, Default)]
pub struct LabForm {
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    capacity_per_day: String,
}

#[derive(Template)]
#[template(path = "labs.html")]
struct LabsPage {
    l: Layout,
    labs: Vec<LabRow>,
    can_create: bool,
    areas: Vec<AreaOption>,
    form: LabForm,
    errors: FormErrors,
}

impl LabsPage {
    fn capacity(&self, n: &i32) -> String {
        super::vn_number(i64::from(*n))
    }
}

async fn labs_page(
    s: &AppState,
    u: &Authed,
    notice: Option<&str>,
    form: LabForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let can_create = u.can(Permission::EditSurveillance);
    render_status(
        status,
        &LabsPage {
            l: Layout::for_user(u, "Phòng xét nghiệm", "tests").with_notice(notice),
            labs: s.store.labs(&u.scope(Permission::ViewPersons)).await?,
            areas: if can_create {
                area_options(s, u, Permission::EditSurveillance).await?
            } else {
                vec![]
            },
            can_create,
            form,
            errors,
        },
    )
}

pub async fn labs(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    labs_page(
        &s,
        &u,
        n.msg.as_deref(),
        LabForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create_lab(
    State(s): State<AppState>,
    sub: Submitted<LabForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::EditSurveillance)?;
    let f = &sub.form;
    let mut c = Collector::new();
    let area = c.take(AreaId::parse(&f.area_id));
    let capacity = match f.capacity_per_day.trim().replace('.', "").parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) => {
            c.push(
                "capacity_per_day",
                "công suất là số mẫu mỗi ngày (số nguyên)",
            );
            None
        }
    };
    let errors: FormErrors = match (c.finish(), area, capacity) {
        (Ok(()), Some(area), Some(capacity)) => match s
            .store
            .create_lab(
                &u.scope(Permission::EditSurveillance),
                &u.who(),
                &area,
                &f.name,
                capacity,
            )
            .await
        {
            Ok(_) => return Ok(see_other("/labs?msg=created")),
            Err(e) => form_errors(e)?,
        },
        (Err(e), _, _) => e.into(),
        _ => chongdich_domain::Invalid::field("area_id", "thiếu địa bàn").into(),
    };
    labs_page(
        &s,
        u,
        None,
        sub.form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
