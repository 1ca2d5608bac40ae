//! `/api/v1/outbreaks…`: outbreaks, their zones, cases per day and chain.

use super::cases::ChainGraph;
use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::outbreak::{OutbreakDraft, ZoneDraft};
use chongdich_store::cases::CaseFilter;
use chongdich_store::outbreaks::{OutbreakRow, ZoneRow};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Outbreak {
    pub id: i64,
    pub disease: String,
    pub name: String,
    pub area_id: String,
    pub area_name: String,
    pub place: String,
    pub setting: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// Confirmed cases in the outbreak.
    pub case_count: i64,
}

impl From<OutbreakRow> for Outbreak {
    fn from(r: OutbreakRow) -> Self {
        Self {
            id: r.id,
            disease: r.disease_code,
            name: r.name,
            area_id: r.area_id,
            area_name: r.area_name,
            place: r.place,
            setting: r.setting,
            started_on: r.started_on,
            ended_on: r.ended_on,
            case_count: r.case_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Zone {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    /// `lockdown` or `medical_isolation`.
    pub kind: String,
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl From<ZoneRow> for Zone {
    fn from(r: ZoneRow) -> Self {
        Self {
            id: r.id,
            area_id: r.area_id,
            area_name: r.area_name,
            kind: r.kind,
            description: r.description,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurveDay {
    pub day: NaiveDate,
    pub found_in: String,
    pub cases: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutbreakDetail {
    #[serde(flatten)]
    pub outbreak: Outbreak,
    pub zones: Vec<Zone>,
    /// Confirmed cases per curve day and place found.
    pub curve: Vec<CurveDay>,
    pub chain: ChainGraph,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutbreakPage {
    pub items: Vec<Outbreak>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutbreakQuery {
    pub disease: Option<String>,
    /// Only outbreaks not yet ended.
    pub active: Option<bool>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Outbreaks within your area, active first.
#[utoipa::path(get, path = "/api/v1/outbreaks", tag = "outbreaks", params(OutbreakQuery),
    responses((status = 200, body = OutbreakPage)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<OutbreakQuery>,
) -> Result<Json<OutbreakPage>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let disease = match q.disease.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(s.store.disease_for_input(d).await?.disease.id),
        None => None,
    };
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .outbreaks(
            &u.scope(Permission::ViewPersons),
            disease,
            q.active.unwrap_or(false),
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(OutbreakPage {
        items: page.items.into_iter().map(Outbreak::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewOutbreak {
    pub disease: String,
    pub name: String,
    pub area_id: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub setting: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub started_on: String,
}

/// Declare an outbreak.
#[utoipa::path(post, path = "/api/v1/outbreaks", tag = "outbreaks", request_body = NewOutbreak,
    responses((status = 201, body = Outbreak), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewOutbreak>,
) -> Result<(StatusCode, Json<Outbreak>), ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let input = OutbreakDraft {
        disease: b.disease,
        name: b.name,
        area_id: b.area_id,
        place: b.place,
        setting: b.setting,
        started_on: b.started_on,
    }
    .parse(s.clock.today())?;
    let o = s
        .store
        .create_outbreak(&u.scope(Permission::EditSurveillance), &u.who(), &input)
        .await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

/// One outbreak with its zones, epidemic curve and chain.
#[utoipa::path(get, path = "/api/v1/outbreaks/{id}", tag = "outbreaks", params(("id" = i64, Path)),
    responses((status = 200, body = OutbreakDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OutbreakDetail>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let o = s.store.outbreak_row(&scope, id).await?;
    let curve = s
        .store
        .curve(
            &scope,
            &CaseFilter {
                outbreak_id: Some(id),
                classification: Some(chongdich_domain::case::Classification::Confirmed),
                ..Default::default()
            },
        )
        .await?;
    Ok(Json(OutbreakDetail {
        zones: s
            .store
            .zones(id)
            .await?
            .into_iter()
            .map(Zone::from)
            .collect(),
        curve: curve
            .into_iter()
            .map(|p| CurveDay {
                day: p.day,
                found_in: p.found_in,
                cases: p.n,
            })
            .collect(),
        chain: s.store.outbreak_chain(&scope, id).await?.into(),
        outbreak: o.into(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewZone {
    /// `lockdown` or `medical_isolation`.
    pub kind: String,
    pub area_id: String,
    #[serde(default)]
    pub description: String,
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
}

/// Put a lockdown or medical isolation zone around an outbreak.
#[utoipa::path(post, path = "/api/v1/outbreaks/{id}/zones", tag = "outbreaks", params(("id" = i64, Path)),
    request_body = NewZone,
    responses((status = 201, body = Vec<Zone>), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_zone(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewZone>,
) -> Result<(StatusCode, Json<Vec<Zone>>), ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let z = ZoneDraft {
        kind: b.kind,
        area_id: b.area_id,
        description: b.description,
        starts_on: b.starts_on,
        ends_on: b.ends_on,
    }
    .parse(s.clock.today())?;
    let zones = s
        .store
        .add_zone(&u.scope(Permission::EditSurveillance), &u.who(), id, &z)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(zones.into_iter().map(Zone::from).collect()),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndBody {
    pub ended_on: String,
}

/// Declare an outbreak over.
#[utoipa::path(post, path = "/api/v1/outbreaks/{id}/end", tag = "outbreaks", params(("id" = i64, Path)),
    request_body = EndBody,
    responses((status = 200, body = Outbreak), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn end(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EndBody>,
) -> Result<Json<Outbreak>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let on = chongdich_domain::vocab::parse_date("ended_on", &b.ended_on)?
        .ok_or_else(|| chongdich_domain::Invalid::field("ended_on", "cần ngày kết thúc"))?;
    Ok(Json(
        s.store
            .end_outbreak(&u.scope(Permission::EditSurveillance), &u.who(), id, on)
            .await?
            .into(),
    ))
}
