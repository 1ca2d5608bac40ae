//! `/api/v1/labs…`, `/api/v1/samples…`: labs and their capacity, samples and results. A
//! positive confirmatory result confirms the person's case as the rule set says.

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::sample::{ResultDraft, SampleDraft, TestResult};
use chongdich_domain::vocab::parse_date;
use chongdich_store::samples::{LabLoad, LabRow, SampleFilter, SampleRow};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Lab {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    pub capacity_per_day: i32,
}

impl From<LabRow> for Lab {
    fn from(r: LabRow) -> Self {
        Self {
            id: r.id,
            area_id: r.area_id,
            area_name: r.area_name,
            name: r.name,
            capacity_per_day: r.capacity_per_day,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Sample {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub case_id: Option<i64>,
    pub disease: String,
    /// `rt_pcr` or `antigen`.
    pub kind: String,
    pub reason: String,
    pub pool_size: Option<i32>,
    pub pool_code: Option<String>,
    pub taken_on: NaiveDate,
    pub lab_id: Option<i64>,
    pub lab_name: Option<String>,
    pub symptoms: String,
    /// `pending`, `negative`, `positive`, `invalid`.
    pub result: String,
    pub result_on: Option<NaiveDate>,
    pub ct: Option<f64>,
}

impl From<SampleRow> for Sample {
    fn from(r: SampleRow) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            full_name: r.full_name,
            case_id: r.case_id,
            disease: r.disease_code,
            kind: r.kind,
            reason: r.reason,
            pool_size: r.pool_size,
            pool_code: r.pool_code,
            taken_on: r.taken_on,
            lab_id: r.lab_id,
            lab_name: r.lab_name,
            symptoms: r.symptoms,
            result: r.result,
            result_on: r.result_on,
            ct: r.ct,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SamplePage {
    pub items: Vec<Sample>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

/// Labs within your area.
#[utoipa::path(get, path = "/api/v1/labs", tag = "tests",
    responses((status = 200, body = Vec<Lab>)),
    security(("token" = []), ("session" = [])))]
pub async fn labs(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Vec<Lab>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    Ok(Json(
        s.store
            .labs(&u.scope(Permission::ViewPersons))
            .await?
            .into_iter()
            .map(Lab::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLab {
    pub area_id: String,
    pub name: String,
    pub capacity_per_day: i32,
}

/// Register a lab with its daily capacity.
#[utoipa::path(post, path = "/api/v1/labs", tag = "tests", request_body = NewLab,
    responses((status = 201, body = Lab), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create_lab(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewLab>,
) -> Result<(StatusCode, Json<Lab>), ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let area = AreaId::parse(&b.area_id)?;
    let lab = s
        .store
        .create_lab(
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            &area,
            &b.name,
            b.capacity_per_day,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(lab.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LabDay {
    pub lab_id: i64,
    pub lab_name: String,
    pub capacity_per_day: i32,
    pub day: NaiveDate,
    pub samples: i64,
    pub positive: i64,
    /// Samples above capacity that day.
    pub over_capacity: bool,
}

impl From<LabLoad> for LabDay {
    fn from(r: LabLoad) -> Self {
        Self {
            over_capacity: r.samples > i64::from(r.capacity_per_day),
            lab_id: r.lab_id,
            lab_name: r.lab_name,
            capacity_per_day: r.capacity_per_day,
            day: r.day,
            samples: r.samples,
            positive: r.positive,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoadQuery {
    /// Default: 14 days before `to`.
    pub from: Option<String>,
    /// Default: today.
    pub to: Option<String>,
}

/// Testing load per lab per day against capacity.
#[utoipa::path(get, path = "/api/v1/labs/load", tag = "tests", params(LoadQuery),
    responses((status = 200, body = Vec<LabDay>)),
    security(("token" = []), ("session" = [])))]
pub async fn load(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<LoadQuery>,
) -> Result<Json<Vec<LabDay>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let (from, to) = load_period(&s, q.from.as_deref(), q.to.as_deref())?;
    Ok(Json(
        s.store
            .lab_load(&u.scope(Permission::ViewPersons), from, to)
            .await?
            .into_iter()
            .map(LabDay::from)
            .collect(),
    ))
}

pub(crate) fn load_period(
    s: &AppState,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let to = parse_date("to", to.unwrap_or(""))?.unwrap_or_else(|| s.clock.today());
    let from = parse_date("from", from.unwrap_or(""))?.unwrap_or(to - Duration::days(13));
    if from > to {
        return Err(chongdich_domain::Invalid::field("from", "từ ngày sau đến ngày").into());
    }
    Ok((from, to))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SampleQuery {
    pub area_id: Option<String>,
    pub lab_id: Option<i64>,
    pub person_id: Option<i64>,
    /// `pending`, `negative`, `positive`, `invalid`.
    pub result: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

impl SampleQuery {
    pub fn filter(&self) -> Result<SampleFilter, ApiError> {
        let mut c = chongdich_domain::error::Collector::new();
        let area = self
            .area_id
            .as_deref()
            .filter(|a| !a.trim().is_empty())
            .and_then(|a| c.take(AreaId::parse(a)));
        let result = c
            .take(TestResult::parse_opt(self.result.as_deref().unwrap_or("")))
            .flatten();
        let from = c
            .take(parse_date("from", self.from.as_deref().unwrap_or("")))
            .flatten();
        let to = c
            .take(parse_date("to", self.to.as_deref().unwrap_or("")))
            .flatten();
        c.finish()?;
        Ok(SampleFilter {
            area,
            lab_id: self.lab_id,
            result,
            from,
            to,
            person_id: self.person_id,
        })
    }
}

/// Samples within your area, newest first.
#[utoipa::path(get, path = "/api/v1/samples", tag = "tests", params(SampleQuery),
    responses((status = 200, body = SamplePage)),
    security(("token" = []), ("session" = [])))]
pub async fn samples(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<SampleQuery>,
) -> Result<Json<SamplePage>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let f = q.filter()?;
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .samples(&u.scope(Permission::ViewPersons), &f, p.limit(), p.offset())
        .await?;
    Ok(Json(SamplePage {
        items: page.items.into_iter().map(Sample::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewSample {
    pub disease: String,
    /// `rt_pcr` or `antigen`.
    pub kind: String,
    /// `symptoms`, `contact`, `case`, `returnee`, `quarantine`, `screening`, `other`.
    pub reason: String,
    /// Default today.
    pub taken_on: String,
    pub lab_id: String,
    /// People in a pooled sample (1 = individual).
    pub pool_size: String,
    pub pool_code: String,
    /// Cough, fever, shortness of breath …
    pub symptoms: String,
}

/// Record a sample taken from a person.
#[utoipa::path(post, path = "/api/v1/persons/{id}/samples", tag = "tests", params(("id" = i64, Path)),
    request_body = NewSample,
    responses((status = 201, body = Sample), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create_sample(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewSample>,
) -> Result<(StatusCode, Json<Sample>), ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let input = SampleDraft {
        disease: b.disease,
        kind: b.kind,
        reason: b.reason,
        taken_on: b.taken_on,
        lab_id: b.lab_id,
        pool_size: b.pool_size,
        pool_code: b.pool_code,
        symptoms: b.symptoms,
    }
    .parse(s.clock.today())?;
    let row = s
        .store
        .create_sample(&u.scope(Permission::EditSurveillance), &u.who(), id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResultBody {
    pub result: String,
    /// Default today.
    pub result_on: String,
    /// Cycle threshold (RT-PCR).
    pub ct: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultRecorded {
    pub sample: Sample,
    /// The case this result confirmed, if the rules made it confirmatory.
    pub confirmed_case_id: Option<i64>,
}

/// Record a sample's result.
#[utoipa::path(post, path = "/api/v1/samples/{id}/result", tag = "tests", params(("id" = i64, Path)),
    request_body = ResultBody,
    responses((status = 200, body = ResultRecorded), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn set_result(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ResultBody>,
) -> Result<Json<ResultRecorded>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let scope = u.scope(Permission::EditSurveillance);
    let sample = s.store.sample(&scope, id).await?;
    let r = ResultDraft {
        result: b.result,
        result_on: b.result_on,
        ct: b.ct,
    }
    .parse(sample.taken_on, s.clock.today())?;
    let out = s.store.set_result(&scope, &u.who(), id, &r).await?;
    Ok(Json(ResultRecorded {
        sample: out.sample.into(),
        confirmed_case_id: out.confirmed_case_id,
    }))
}
