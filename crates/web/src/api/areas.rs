//! `/api/v1/areas…` and `/api/v1/population/import`.

use super::require;
use super::types::{
    Area, AreaPage, ImportReport, NewVillage, PopulationInput, PopulationRecord, RowErrorOut,
    WardLink,
};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::population::{ImportMode, PopulationFigure, parse_population_csv};
use chongdich_store::areas::Page;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreaQuery {
    /// Words of the name (diacritics and case ignored) or a code.
    pub q: Option<String>,
    /// `current` or `legacy`.
    pub structure: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

pub(crate) fn page(p: Page<chongdich_store::areas::AreaRow>) -> AreaPage {
    AreaPage {
        items: p.items.into_iter().map(Area::from).collect(),
        total: p.total,
        limit: p.limit,
        offset: p.offset,
    }
}

pub(crate) fn parse_id(id: &str) -> Result<AreaId, ApiError> {
    AreaId::parse(id).map_err(|_| ApiError::not_found("địa bàn"))
}

/// Search areas; without `q`, the areas your access is granted on.
#[utoipa::path(get, path = "/api/v1/areas", tag = "areas", params(AreaQuery),
    responses((status = 200, body = AreaPage), (status = 401, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<AreaQuery>,
) -> Result<Json<AreaPage>, ApiError> {
    let scope = u.scope(Permission::ViewAreas);
    let paging = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let structure = match q.structure.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Structure::parse(s)?.as_str()),
        None => None,
    };
    match q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(text) => Ok(Json(page(
            s.store
                .search_areas(&scope, text, structure, paging.limit(), paging.offset())
                .await?,
        ))),
        None => {
            let roots = s.store.scope_roots(&scope).await?;
            let total = roots.len() as i64;
            Ok(Json(page(Page {
                items: roots,
                total,
                limit: total as u64,
                offset: 0,
            })))
        }
    }
}

/// One area with its latest population.
#[utoipa::path(get, path = "/api/v1/areas/{id}", tag = "areas",
    params(("id" = String, Path, description = "area id, e.g. N12, L105, T3")),
    responses((status = 200, body = Area), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Area>, ApiError> {
    let id = parse_id(&id)?;
    Ok(Json(
        s.store
            .area(&u.scope(Permission::ViewAreas), &id)
            .await?
            .into(),
    ))
}

/// The sub-areas, in Vietnamese alphabetical order.
#[utoipa::path(get, path = "/api/v1/areas/{id}/children", tag = "areas",
    params(("id" = String, Path), PageParams),
    responses((status = 200, body = AreaPage), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn children(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<AreaPage>, ApiError> {
    let id = parse_id(&id)?;
    let scope = u.scope(Permission::ViewAreas);
    s.store.area(&scope, &id).await?;
    Ok(Json(page(
        s.store.children(&scope, &id, p.limit(), p.offset()).await?,
    )))
}

/// How a ward changed on 01/07/2025: the new ward an old one went into, or the old wards a new one took in.
#[utoipa::path(get, path = "/api/v1/areas/{id}/mapping", tag = "areas",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<WardLink>), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn mapping(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<WardLink>>, ApiError> {
    let id = parse_id(&id)?;
    s.store.area(&u.scope(Permission::ViewAreas), &id).await?;
    Ok(Json(
        s.store
            .ward_mapping(&id)
            .await?
            .into_iter()
            .map(WardLink::from)
            .collect(),
    ))
}

/// Enter a village (thôn, bản, tổ dân phố) under a ward.
#[utoipa::path(post, path = "/api/v1/areas/{id}/villages", tag = "areas",
    params(("id" = String, Path, description = "the ward")), request_body = NewVillage,
    responses((status = 201, body = Area), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_village(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<NewVillage>,
) -> Result<(StatusCode, Json<Area>), ApiError> {
    require(&u, Permission::EditAreas)?;
    let id = parse_id(&id)?;
    let area = s
        .store
        .add_village(
            &u.scope(Permission::EditAreas),
            &u.who(),
            &id,
            &body.name,
            &body.kind,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(area.into())))
}

/// Every population figure of an area, newest year first.
#[utoipa::path(get, path = "/api/v1/areas/{id}/population", tag = "areas",
    params(("id" = String, Path)),
    responses((status = 200, body = Vec<PopulationRecord>), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn population(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<PopulationRecord>>, ApiError> {
    let id = parse_id(&id)?;
    let list = s
        .store
        .populations(&u.scope(Permission::ViewAreas), &id)
        .await?;
    Ok(Json(list.into_iter().map(PopulationRecord::from).collect()))
}

/// Set the population of an area for a year, with its source.
#[utoipa::path(put, path = "/api/v1/areas/{id}/population", tag = "areas",
    params(("id" = String, Path)), request_body = PopulationInput,
    responses((status = 200, body = Area), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn set_population(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<PopulationInput>,
) -> Result<Json<Area>, ApiError> {
    require(&u, Permission::EditAreas)?;
    let id = parse_id(&id)?;
    let figure = PopulationFigure::parse(
        &body.population.to_string(),
        &body.year.to_string(),
        &body.source,
    )?;
    let scope = u.scope(Permission::EditAreas);
    s.store
        .set_population(&scope, &u.who(), &id, &figure)
        .await?;
    Ok(Json(s.store.area(&scope, &id).await?.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `current` or `legacy`: which structure the codes belong to.
    pub structure: String,
    /// `all_or_nothing` (default) or `valid_rows`.
    pub mode: Option<String>,
}

/// Import population figures from CSV (UTF-8) or an Excel workbook's first sheet
/// (`code,population,year,source`). With
/// `all_or_nothing`, a file with any bad row writes nothing (422 lists every bad row by line);
/// with `valid_rows`, the valid rows are written and the bad ones reported.
#[utoipa::path(post, path = "/api/v1/population/import", tag = "areas", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "CSV text, or an .xlsx workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
    responses((status = 200, body = ImportReport), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn import_population(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    require(&u, Permission::EditAreas)?;
    let structure = Structure::parse(&q.structure)?;
    let mode = ImportMode::parse(q.mode.as_deref().unwrap_or(""))?;
    let text = crate::excel::upload_text(&body)?;
    let parsed = parse_population_csv(&text)?;
    let report = s
        .store
        .import_population(
            &u.scope(Permission::EditAreas),
            &u.who(),
            structure,
            parsed,
            mode,
        )
        .await?;
    if !report.written {
        let fields = report
            .errors
            .iter()
            .map(|e| {
                chongdich_domain::FieldError::new(
                    format!("line {}: {}", e.line, e.field),
                    e.message.clone(),
                )
            })
            .collect::<Vec<_>>();
        let fields = if fields.is_empty() {
            vec![chongdich_domain::FieldError::new(
                "file",
                "tệp không có dòng dữ liệu nào",
            )]
        } else {
            fields
        };
        let mut err = ApiError::from(Invalid(fields));
        err.message = format!(
            "{} dòng lỗi; không nhập dòng nào. {}",
            report.errors.len(),
            err.message
        );
        return Err(err);
    }
    Ok(Json(ImportReport {
        imported: report.imported,
        written: report.written,
        errors: report
            .errors
            .into_iter()
            .map(|e| RowErrorOut {
                line: e.line,
                field: e.field,
                message: e.message,
            })
            .collect(),
    }))
}
