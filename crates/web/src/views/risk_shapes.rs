//! Unit boundaries for the public map: administrators (`EditAreas`, within their scope) upload a
//! GeoJSON FeatureCollection — pasted or as a file — and see which units have a boundary;
//! parsing in [`crate::geojson`], storage all or nothing.

use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_datetime};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::{AreaId, AreaLevel, Structure};
use chongdich_store::StoreError;
use serde::Deserialize;

/// Units listed under "already uploaded".
const LISTED: u64 = 30;
/// Pasted text longer than this is not shown again after an error (the file stays the user's).
const KEEP_PASTED: usize = 256 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/risk/shapes",
            // Boundaries are large: the handler applies the upload limit itself.
            get(page).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/risk/shapes/remove", post(remove))
}

pub struct ShapeLine {
    pub id: String,
    pub name: String,
    pub level: &'static str,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "risk_shapes.html")]
struct ShapesPage {
    l: Layout,
    structure: String,
    pasted: String,
    errors: FormErrors,
    loaded: Option<usize>,
    count: i64,
    lines: Vec<ShapeLine>,
    remove_errors: FormErrors,
}

#[derive(Default)]
struct Shown {
    structure: String,
    pasted: String,
    errors: FormErrors,
    loaded: Option<usize>,
    remove_errors: FormErrors,
    notice: Option<String>,
}

async fn show(
    s: &AppState,
    u: &Authed,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (count, rows) = s
        .store
        .shaped_areas(&u.scope(Permission::EditAreas), LISTED)
        .await?;
    let mut l = Layout::for_user(u, "Ranh giới đơn vị trên bản đồ", "risk");
    l.notice = shown.notice;
    render_status(
        status,
        &ShapesPage {
            l,
            structure: if shown.structure.is_empty() {
                Structure::in_force_on(s.clock.today()).as_str().to_owned()
            } else {
                shown.structure
            },
            pasted: shown.pasted,
            errors: shown.errors,
            loaded: shown.loaded,
            count,
            lines: rows
                .into_iter()
                .map(|r| ShapeLine {
                    level: AreaLevel::parse(&r.level).map_or("", AreaLevel::label),
                    updated: format!("{} — {}", vn_datetime(&r.updated_at), r.updated_by),
                    id: r.area_id,
                    name: r.name,
                })
                .collect(),
            remove_errors: shown.remove_errors,
        },
    )
}

fn require(u: &Authed) -> Result<(), PageError> {
    if u.can(Permission::EditAreas) {
        Ok(())
    } else {
        Err(PageError::forbidden())
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ShapesQuery {
    msg: Option<String>,
    n: Option<u64>,
}

pub async fn page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ShapesQuery>,
) -> Result<Response, PageError> {
    require(&u)?;
    let notice = match q.msg.as_deref() {
        Some("removed") => Some(format!("Đã bỏ {} ranh giới.", q.n.unwrap_or(0))),
        _ => None,
    };
    show(
        &s,
        &u,
        Shown {
            notice,
            ..Shown::default()
        },
        StatusCode::OK,
    )
    .await
}

/// The upload form (multipart: csrf, structure, file, geojson — the file wins when chosen).
pub async fn upload(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    req: Request,
) -> Result<Response, PageError> {
    require(&u)?;
    let upload = super::Upload::read(&s, &u, req).await?;
    let (structure, pasted, file) = (
        upload.text("structure"),
        upload.text("geojson"),
        upload.file("file"),
    );
    let parsed = Structure::parse(&structure).and_then(|st| {
        let text = if file.is_empty() {
            pasted.as_str()
        } else {
            std::str::from_utf8(file).map_err(|_| {
                Invalid::field(
                    "geojson",
                    "tệp không phải văn bản UTF-8: tệp GeoJSON là văn bản JSON (.geojson, .json)",
                )
            })?
        };
        crate::geojson::parse_text(text, Some(st))
    });
    let result = match parsed {
        Ok(shapes) => match crate::api::risk::save_shapes(&s, &u, shapes).await {
            Ok(ids) => Ok(ids.len()),
            Err(StoreError::Invalid(e)) => Err(e),
            Err(other) => return Err(other.into()),
        },
        Err(e) => Err(e),
    };
    let (status, shown) = match result {
        Ok(n) => (
            StatusCode::OK,
            Shown {
                structure,
                loaded: Some(n),
                ..Shown::default()
            },
        ),
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Shown {
                structure,
                pasted: if pasted.len() <= KEEP_PASTED {
                    pasted
                } else {
                    String::new()
                },
                errors: e.into(),
                ..Shown::default()
            },
        ),
    };
    show(&s, &u, shown, status).await
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    /// Area ids, separated by spaces, commas or new lines.
    #[serde(default)]
    ids: String,
}

pub async fn remove(
    State(s): State<AppState>,
    sub: Submitted<RemoveForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u)?;
    let mut ids = Vec::new();
    let mut bad = Vec::new();
    for t in sub
        .form
        .ids
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|t| !t.is_empty())
    {
        match AreaId::parse(t) {
            Ok(a) => ids.push(a),
            Err(_) => bad.push(t.to_owned()),
        }
    }
    let e = if !bad.is_empty() {
        Invalid::field(
            "ids",
            format!("mã địa bàn không hợp lệ: {}", bad.join(", ")),
        )
    } else {
        match s
            .store
            .remove_area_shapes(&u.scope(Permission::EditAreas), &u.who(), &ids)
            .await
        {
            Ok(n) => return Ok(see_other(&format!("/risk/shapes?msg=removed&n={n}"))),
            Err(StoreError::Invalid(e)) => e,
            Err(other) => return Err(other.into()),
        }
    };
    show(
        &s,
        u,
        Shown {
            remove_errors: e.into(),
            ..Shown::default()
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
