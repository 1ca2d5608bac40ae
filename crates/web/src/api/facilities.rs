//! `/api/v1/facilities…`: quarantine facilities with their rooms and capacity, admissions,
//! discharges, transfers, occupancy over time and the overview per area. Reading needs
//! `view_persons` (stays name people); writing needs `manage_quarantine`.

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::facility::{
    AdmissionDraft, DischargeDraft, FacilityDraft, RoomDraft, TransferDraft,
};
use chongdich_store::facilities::{AreaQuarantine, FacilityRow, StayRow};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create))
        .routes(routes!(overview))
        .routes(routes!(get_one))
        .routes(routes!(occupancy))
        .routes(routes!(admit))
        .routes(routes!(discharge))
        .routes(routes!(transfer))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Facility {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    /// `centralized`, `hotel` or `hospital`.
    pub kind: String,
    pub operator: String,
    pub address: String,
    pub phone: String,
    /// Beds in all.
    pub beds: i64,
    pub rooms: i64,
    /// People present now.
    pub occupied: i64,
    pub free: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<FacilityRow> for Facility {
    fn from(r: FacilityRow) -> Self {
        Self {
            free: r.free(),
            id: r.id,
            area_id: r.area_id,
            area_name: r.area_name,
            name: r.name,
            kind: r.kind,
            operator: r.operator,
            address: r.address,
            phone: r.phone,
            beds: r.beds,
            rooms: r.rooms,
            occupied: r.occupied,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stay {
    pub id: i64,
    pub facility_id: i64,
    pub room_id: i64,
    pub person_id: i64,
    pub full_name: String,
    /// `f1`, `returnee`, `entrant` or `suspect`.
    pub risk_group: String,
    /// The day of arrival or of last exposure.
    pub cohort_date: NaiveDate,
    pub admitted_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// `discharged`, `transferred`, `moved_room`, `positive` or `other`.
    pub left_reason: Option<String>,
    /// The stay that followed a move.
    pub transferred_to: Option<i64>,
}

impl From<StayRow> for Stay {
    fn from(r: StayRow) -> Self {
        Self {
            id: r.id,
            facility_id: r.facility_id,
            room_id: r.room_id,
            person_id: r.person_id,
            full_name: r.full_name,
            risk_group: r.risk_group,
            cohort_date: r.cohort_date,
            admitted_on: r.admitted_on,
            left_on: r.left_on,
            left_reason: r.left_reason,
            transferred_to: r.transferred_to,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Room {
    pub id: i64,
    pub name: String,
    pub beds: i64,
    pub occupants: Vec<Stay>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FacilityDetail {
    #[serde(flatten)]
    pub facility: Facility,
    pub room_list: Vec<Room>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaLine {
    pub area_id: String,
    pub area_name: String,
    pub facilities: i64,
    pub beds: i64,
    pub occupied: i64,
}

impl From<AreaQuarantine> for AreaLine {
    fn from(a: AreaQuarantine) -> Self {
        Self {
            area_id: a.area_id,
            area_name: a.area_name,
            facilities: a.facilities,
            beds: a.beds,
            occupied: a.occupied,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Overview {
    pub facilities: i64,
    pub beds: i64,
    pub occupied: i64,
    pub free: i64,
    /// Per area where facilities stand.
    pub areas: Vec<AreaLine>,
}

/// Every facility within your area with its capacity, by area then name.
#[utoipa::path(get, path = "/api/v1/facilities", tag = "facilities",
    responses((status = 200, body = Vec<Facility>), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Vec<Facility>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let rows = s
        .store
        .facilities(&u.scope(Permission::ViewPersons))
        .await?;
    Ok(Json(rows.into_iter().map(Facility::from).collect()))
}

/// The capacity of your area at a glance: facilities, beds, people in quarantine, per area.
#[utoipa::path(get, path = "/api/v1/facilities/overview", tag = "facilities",
    responses((status = 200, body = Overview), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn overview(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Overview>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let areas = s
        .store
        .quarantine_by_area(&u.scope(Permission::ViewPersons))
        .await?;
    let sum = |f: fn(&AreaQuarantine) -> i64| areas.iter().map(f).sum::<i64>();
    let (facilities, beds, occupied) =
        (sum(|a| a.facilities), sum(|a| a.beds), sum(|a| a.occupied));
    Ok(Json(Overview {
        facilities,
        beds,
        occupied,
        free: (beds - occupied).max(0),
        areas: areas.into_iter().map(AreaLine::from).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRoom {
    pub name: String,
    pub beds: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFacility {
    /// Where it stands, within your area.
    pub area_id: String,
    pub name: String,
    /// `centralized`, `hotel` or `hospital`.
    pub kind: String,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    /// The beds it may use in all; default: every bed of its rooms.
    #[serde(default)]
    pub beds: Option<i64>,
    pub rooms: Vec<NewRoom>,
}

/// Register a facility with its rooms.
#[utoipa::path(post, path = "/api/v1/facilities", tag = "facilities", request_body = NewFacility,
    responses((status = 201, body = Facility), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewFacility>,
) -> Result<(StatusCode, Json<Facility>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let input = FacilityDraft {
        area_id: b.area_id,
        name: b.name,
        kind: b.kind,
        operator: b.operator,
        address: b.address,
        phone: b.phone,
        beds: b.beds.map(|n| n.to_string()).unwrap_or_default(),
        rooms: b
            .rooms
            .into_iter()
            .map(|r| RoomDraft {
                name: r.name,
                beds: r.beds.to_string(),
            })
            .collect(),
    }
    .parse()?;
    let row = s
        .store
        .create_facility(&u.scope(Permission::ManageQuarantine), &u.who(), &input)
        .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One facility with its rooms and the people in them now (the read is audited).
#[utoipa::path(get, path = "/api/v1/facilities/{id}", tag = "facilities", params(("id" = i64, Path)),
    responses((status = 200, body = FacilityDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<FacilityDetail>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let v = s
        .store
        .facility(&u.scope(Permission::ViewPersons), &u.who(), id)
        .await?;
    Ok(Json(FacilityDetail {
        facility: v.facility.into(),
        room_list: v
            .rooms
            .into_iter()
            .map(|r| Room {
                id: r.room.id,
                name: r.room.name,
                beds: r.room.beds,
                occupants: r.occupants.into_iter().map(Stay::from).collect(),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayCount {
    pub day: NaiveDate,
    pub present: i64,
}

/// People present each day of the last 30 days.
#[utoipa::path(get, path = "/api/v1/facilities/{id}/occupancy", tag = "facilities", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<DayCount>), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn occupancy(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<DayCount>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let days = s
        .store
        .facility_occupancy(&u.scope(Permission::ViewPersons), id, s.clock.today())
        .await?;
    Ok(Json(
        days.into_iter()
            .map(|(day, present)| DayCount { day, present })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAdmission {
    pub person_id: i64,
    pub room_id: i64,
    /// `f1`, `returnee`, `entrant` or `suspect`.
    pub risk_group: String,
    /// The day of arrival or of last exposure (dd/mm/yyyy or yyyy-mm-dd).
    pub cohort_date: String,
    /// Default: today.
    #[serde(default)]
    pub admitted_on: String,
}

/// Admit a person into a room. Refused (422, nothing written) when the room holds people of
/// another arrival date or risk group (`room_id`), the room or the facility is full (`room_id`,
/// `facility_id`), or the person is already in a facility (`person_id`).
#[utoipa::path(post, path = "/api/v1/facilities/{id}/admissions", tag = "facilities", params(("id" = i64, Path)),
    request_body = NewAdmission,
    responses((status = 201, body = Stay), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn admit(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewAdmission>,
) -> Result<(StatusCode, Json<Stay>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    require(&u, Permission::ViewPersons)?;
    let input = AdmissionDraft {
        person_id: b.person_id.to_string(),
        room_id: b.room_id.to_string(),
        risk_group: b.risk_group,
        cohort_date: b.cohort_date,
        admitted_on: b.admitted_on,
    }
    .parse(s.clock.today())?;
    let stay = s
        .store
        .admit(
            &u.scope(Permission::ManageQuarantine),
            &u.scope(Permission::ViewPersons),
            &u.who(),
            id,
            &input,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(stay.into())))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DischargeBody {
    /// `discharged` (default), `positive` or `other`.
    #[serde(default)]
    pub reason: String,
    /// Default: today.
    #[serde(default)]
    pub left_on: String,
}

/// End a stay: quarantine completed, tested positive, or another reason.
#[utoipa::path(post, path = "/api/v1/facilities/{id}/stays/{stay_id}/discharge", tag = "facilities",
    params(("id" = i64, Path), ("stay_id" = i64, Path)), request_body = DischargeBody,
    responses((status = 200, body = Stay), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn discharge(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((id, stay_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<DischargeBody>,
) -> Result<Json<Stay>, ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let input = DischargeDraft {
        reason: b.reason,
        left_on: b.left_on,
    }
    .parse(s.clock.today())?;
    Ok(Json(
        s.store
            .discharge(
                &u.scope(Permission::ManageQuarantine),
                &u.who(),
                id,
                stay_id,
                &input,
            )
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferBody {
    /// The room moved to, of this facility or another within your area.
    pub room_id: i64,
    /// Default: today.
    #[serde(default)]
    pub on: String,
}

/// Move a person to another room or facility: the stay ends and the next opens in one
/// transaction; the destination's rules are checked. Returns the new stay.
#[utoipa::path(post, path = "/api/v1/facilities/{id}/stays/{stay_id}/transfer", tag = "facilities",
    params(("id" = i64, Path), ("stay_id" = i64, Path)), request_body = TransferBody,
    responses((status = 201, body = Stay), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn transfer(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((id, stay_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<TransferBody>,
) -> Result<(StatusCode, Json<Stay>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let input = TransferDraft {
        room_id: b.room_id.to_string(),
        on: b.on,
    }
    .parse(s.clock.today())?;
    let stay = s
        .store
        .transfer(
            &u.scope(Permission::ManageQuarantine),
            &u.who(),
            id,
            stay_id,
            &input,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(stay.into())))
}
