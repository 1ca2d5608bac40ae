//! `/api/v1/agencies…`: agencies and Steering Committees attached to areas, with their members.

use super::require;
use super::types::{Agency, AgencyDetail, AgencyPage, NewAgency, NewMember};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::agency::{AgencyKind, MemberInput};
use chongdich_domain::area::AreaId;
use chongdich_domain::error::Collector;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgencyQuery {
    /// Only agencies of this area and below.
    pub area_id: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Agencies within your area.
#[utoipa::path(get, path = "/api/v1/agencies", tag = "agencies", params(AgencyQuery),
    responses((status = 200, body = AgencyPage), (status = 401, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<AgencyQuery>,
) -> Result<Json<AgencyPage>, ApiError> {
    let area = match q.area_id.as_deref().filter(|a| !a.is_empty()) {
        Some(a) => Some(AreaId::parse(a)?),
        None => None,
    };
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .agencies(
            &u.scope(Permission::ViewAreas),
            area.as_ref(),
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(AgencyPage {
        items: page.items.into_iter().map(Agency::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// Create an agency on an area within your scope.
#[utoipa::path(post, path = "/api/v1/agencies", tag = "agencies", request_body = NewAgency,
    responses((status = 201, body = AgencyDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<NewAgency>,
) -> Result<(StatusCode, Json<AgencyDetail>), ApiError> {
    require(&u, Permission::ManageAgencies)?;
    let mut c = Collector::new();
    let area = c.take(AreaId::parse(&body.area_id));
    let kind = c.take(AgencyKind::parse(&body.kind));
    c.take(chongdich_domain::agency::parse_agency_name(&body.name));
    c.finish()?;
    let (Some(area), Some(kind)) = (area, kind) else {
        return Err(ApiError::internal("parsed fields missing"));
    };
    let view = s
        .store
        .create_agency(
            &u.scope(Permission::ManageAgencies),
            &u.who(),
            &area,
            &body.name,
            kind,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// One agency with its members.
#[utoipa::path(get, path = "/api/v1/agencies/{id}", tag = "agencies", params(("id" = i64, Path)),
    responses((status = 200, body = AgencyDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AgencyDetail>, ApiError> {
    Ok(Json(
        s.store
            .agency(&u.scope(Permission::ViewAreas), id)
            .await?
            .into(),
    ))
}

/// Add a member (name, position, phone).
#[utoipa::path(post, path = "/api/v1/agencies/{id}/members", tag = "agencies", params(("id" = i64, Path)),
    request_body = NewMember,
    responses((status = 201, body = AgencyDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_member(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewMember>,
) -> Result<(StatusCode, Json<AgencyDetail>), ApiError> {
    require(&u, Permission::ManageAgencies)?;
    let member = MemberInput::parse(&body.full_name, &body.position, &body.phone)?
        .with_account(&body.account)?;
    let view = s
        .store
        .add_member(&u.scope(Permission::ManageAgencies), &u.who(), id, &member)
        .await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// Remove a member.
#[utoipa::path(delete, path = "/api/v1/agencies/{id}/members/{member_id}", tag = "agencies",
    params(("id" = i64, Path), ("member_id" = i64, Path)),
    responses((status = 200, body = AgencyDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn remove_member(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath((id, member_id)): ApiPath<(i64, i64)>,
) -> Result<Json<AgencyDetail>, ApiError> {
    require(&u, Permission::ManageAgencies)?;
    let view = s
        .store
        .remove_member(
            &u.scope(Permission::ManageAgencies),
            &u.who(),
            id,
            member_id,
        )
        .await?;
    Ok(Json(view.into()))
}
