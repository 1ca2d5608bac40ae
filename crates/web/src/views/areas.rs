//! The area browser: search without diacritics, each area with its sub-areas, population,
//! the 2025 merger, its agencies; entering villages, editing and importing populations.

use super::home::AreaLine;
use super::{
    FormErrors, Layout, Notice, Submitted, render, render_status, see_other, vn_date, vn_datetime,
    vn_number,
};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::{AreaId, AreaLevel, Structure};
use chongdich_domain::population::{ImportMode, PopulationFigure, parse_population_csv};
use chongdich_store::areas::AreaBrief;
use chongdich_store::population::PopulationImport;
use serde::Deserialize;

const PAGE: u64 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct BrowseQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    structure: String,
    #[serde(default)]
    page: Option<u64>,
}

/// Links to the pages of a list.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(total: i64, page: u64, per: u64, link: impl Fn(u64) -> String) -> Self {
        let pages = (total.max(0) as u64).div_ceil(per).max(1);
        Self {
            page,
            pages,
            total,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

#[derive(Template)]
#[template(path = "areas.html")]
struct BrowsePage {
    l: Layout,
    q: String,
    structure: String,
    results: Vec<AreaLine>,
    pager: Pager,
    searched: bool,
}

pub async fn browse(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<BrowseQuery>,
) -> Result<Response, PageError> {
    let scope = u.scope(Permission::ViewAreas);
    let page = q.page.unwrap_or(1).max(1);
    let structure = Structure::parse(&q.structure).ok();
    let searched = !q.q.trim().is_empty();
    let (rows, total) = if searched {
        let p = s
            .store
            .search_areas(
                &scope,
                &q.q,
                structure.map(|s| s.as_str()),
                PAGE,
                (page - 1) * PAGE,
            )
            .await?;
        (p.items, p.total)
    } else {
        let roots = s.store.scope_roots(&scope).await?;
        let n = roots.len() as i64;
        (roots, n)
    };
    let link = |p: u64| {
        format!(
            "/areas?{}",
            serde_urlencoded::to_string([
                ("q", q.q.as_str()),
                ("structure", q.structure.as_str()),
                ("page", &p.to_string())
            ])
            .unwrap_or_default()
        )
    };
    render(&BrowsePage {
        l: Layout::for_user(&u, "Địa bàn", "areas"),
        q: q.q.clone(),
        structure: structure.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        results: rows.iter().map(AreaLine::from).collect(),
        pager: Pager::new(total, page, PAGE, link),
        searched,
    })
}

pub struct PopLine {
    pub year: i32,
    pub population: String,
    pub source: String,
    pub updated: String,
}

pub struct MapLine {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
}

pub struct AgencyLine {
    pub id: i64,
    pub name: String,
}

/// What was typed in the forms of the area page, kept when validation fails.
#[derive(Default)]
pub struct AreaForms {
    pub village_name: String,
    pub village_kind: String,
    pub village_errors: FormErrors,
    pub population: String,
    pub year: String,
    pub source: String,
    pub population_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "area.html")]
struct DetailPage {
    l: Layout,
    area: AreaLine,
    level: &'static str,
    validity: String,
    coordinates: String,
    area_km2: String,
    breadcrumb: Vec<AreaBrief>,
    populations: Vec<PopLine>,
    children: Vec<AreaLine>,
    pager: Pager,
    went_into: Vec<MapLine>,
    took_in: Vec<MapLine>,
    agencies: Vec<AgencyLine>,
    can_edit: bool,
    can_add_village: bool,
    forms: AreaForms,
}

#[derive(Debug, Deserialize, Default)]
pub struct DetailQuery {
    page: Option<u64>,
    msg: Option<String>,
}

fn mapping_kind_label(kind: &str) -> &'static str {
    match kind {
        "whole" => "toàn bộ",
        "default-part" => "phần lớn (số liệu tính vào đây)",
        _ => "một phần",
    }
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: &str,
    page: u64,
    notice: Option<&str>,
    forms: AreaForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let id = AreaId::parse(id).map_err(|_| PageError::not_found())?;
    let scope = u.scope(Permission::ViewAreas);
    let a = s
        .store
        .area(&scope, &id)
        .await
        .map_err(|_| PageError::not_found())?;
    let can_edit = u.can(Permission::EditAreas)
        && s.store
            .area_in_scope(&u.scope(Permission::EditAreas), &id)
            .await?;
    let level = a.level();
    let children = s
        .store
        .children(&scope, &id, PAGE, (page - 1) * PAGE)
        .await?;
    let mapping = s.store.ward_mapping(&id).await?;
    let (mut went_into, mut took_in) = (Vec::new(), Vec::new());
    for m in mapping {
        if m.old_area_id == a.id {
            went_into.push(MapLine {
                id: m.new_area_id,
                name: m.new_name,
                kind: mapping_kind_label(&m.kind),
            });
        } else {
            took_in.push(MapLine {
                id: m.old_area_id,
                name: m.old_name,
                kind: mapping_kind_label(&m.kind),
            });
        }
    }
    let agencies = s
        .store
        .agencies(&scope, Some(&id), 100, 0)
        .await?
        .items
        .into_iter()
        .filter(|g| g.area_id == a.id)
        .map(|g| AgencyLine {
            id: g.id,
            name: g.name,
        })
        .collect();
    let validity = match (a.valid_from, a.valid_to) {
        (Some(f), Some(t)) => format!("từ {} đến {}", vn_date(&f), vn_date(&t)),
        (Some(f), None) => format!("từ {}", vn_date(&f)),
        (None, Some(t)) => format!("đến {}", vn_date(&t)),
        (None, None) => "không giới hạn".to_owned(),
    };
    let link_id = a.id.clone();
    let page_view = DetailPage {
        l: Layout::for_user(u, a.name.clone(), "areas").with_notice(notice),
        level: level.label(),
        validity,
        coordinates: match (a.lat, a.lon) {
            (Some(lat), Some(lon)) => format!("{lat:.4}, {lon:.4}"),
            _ => "chưa có".to_owned(),
        },
        area_km2: a
            .area_km2
            .map(|k| format!("{k:.2} km²"))
            .unwrap_or_else(|| "chưa có".to_owned()),
        breadcrumb: s.store.ancestors(&id).await?,
        populations: s
            .store
            .populations(&scope, &id)
            .await?
            .into_iter()
            .map(|p| PopLine {
                year: p.year,
                population: vn_number(p.population),
                source: p.source,
                updated: format!("{} — {}", vn_datetime(&p.updated_at), p.updated_by),
            })
            .collect(),
        pager: Pager::new(children.total, page, PAGE, |p| {
            format!("/areas/{link_id}?page={p}")
        }),
        children: children.items.iter().map(AreaLine::from).collect(),
        went_into,
        took_in,
        agencies,
        can_edit,
        can_add_village: can_edit && matches!(level, AreaLevel::Ward | AreaLevel::Village),
        area: (&a).into(),
        forms,
    };
    render_status(status, &page_view)
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response, PageError> {
    detail_page(
        &s,
        &u,
        &id,
        q.page.unwrap_or(1).max(1),
        q.msg.as_deref(),
        AreaForms::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct VillageForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

pub async fn add_village(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<VillageForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditAreas) {
        return Err(PageError::forbidden());
    }
    let parent = AreaId::parse(&id).map_err(|_| PageError::not_found())?;
    match s
        .store
        .add_village(
            &u.scope(Permission::EditAreas),
            &u.who(),
            &parent,
            &sub.form.name,
            &sub.form.kind,
        )
        .await
    {
        Ok(v) => Ok(see_other(&format!("/areas/{}?msg=village", v.id))),
        Err(e) => {
            let errors = match e {
                chongdich_store::StoreError::Invalid(i) => FormErrors::from(i),
                chongdich_store::StoreError::Conflict(m) => {
                    FormErrors::from(Invalid::field("name", m))
                }
                other => return Err(other.into()),
            };
            let forms = AreaForms {
                village_name: sub.form.name.clone(),
                village_kind: sub.form.kind.clone(),
                village_errors: errors,
                ..AreaForms::default()
            };
            detail_page(&s, u, &id, 1, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PopulationForm {
    #[serde(default)]
    population: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    source: String,
}

pub async fn set_population(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<PopulationForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    let f = &sub.form;
    if !u.can(Permission::EditAreas) {
        return Err(PageError::forbidden());
    }
    let area = AreaId::parse(&id).map_err(|_| PageError::not_found())?;
    match PopulationFigure::parse(&f.population, &f.year, &f.source) {
        Ok(figure) => {
            s.store
                .set_population(&u.scope(Permission::EditAreas), &u.who(), &area, &figure)
                .await?;
            Ok(see_other(&format!("/areas/{id}?msg=population")))
        }
        Err(e) => {
            let forms = AreaForms {
                population: f.population.clone(),
                year: f.year.clone(),
                source: f.source.clone(),
                population_errors: e.into(),
                ..AreaForms::default()
            };
            detail_page(&s, u, &id, 1, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "population_import.html")]
struct ImportPage {
    l: Layout,
    structure: String,
    mode: String,
    errors: FormErrors,
    report: Option<PopulationImport>,
}

pub async fn import_page(
    State(_s): State<AppState>,
    PageUser(u): PageUser,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    if !u.can(Permission::EditAreas) {
        return Err(PageError::forbidden());
    }
    render(&ImportPage {
        l: Layout::for_user(&u, "Nhập dân số từ CSV", "areas").with_notice(n.msg.as_deref()),
        structure: "current".into(),
        mode: "all_or_nothing".into(),
        errors: FormErrors::default(),
        report: None,
    })
}

/// The CSV upload form (multipart: structure, mode, csrf, file).
pub async fn import(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    if !u.can(Permission::EditAreas) {
        return Err(PageError::forbidden());
    }
    let upload = super::Upload::read(&s, &u, req).await?;
    let (structure, mode, file) = (
        upload.text("structure"),
        upload.text("mode"),
        upload.file("file"),
    );
    let mut c = chongdich_domain::error::Collector::new();
    let st = c.take(Structure::parse(&structure));
    let md = c.take(ImportMode::parse(&mode));
    let text = match crate::excel::upload_text(file) {
        Ok(t) if !t.trim().is_empty() => Some(t),
        Ok(_) => {
            c.push("file", "chưa chọn tệp hoặc tệp rỗng");
            None
        }
        Err(e) => {
            c.take::<()>(Err(e));
            None
        }
    };
    let parsed = text.as_deref().map(parse_population_csv).transpose();
    let parsed = match parsed {
        Ok(p) => p,
        Err(e) => {
            for f in e.0 {
                c.push(f.field, f.message);
            }
            None
        }
    };
    let again = |errors: FormErrors, report: Option<PopulationImport>, status| {
        render_status(
            status,
            &ImportPage {
                l: Layout::for_user(&u, "Nhập dân số từ CSV", "areas"),
                structure: structure.clone(),
                mode: mode.clone(),
                errors,
                report,
            },
        )
    };
    if let Err(e) = c.finish() {
        return again(e.into(), None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (Some(st), Some(md), Some(parsed)) = (st, md, parsed) else {
        return Err(crate::error::ApiError::internal("parsed import form incomplete").into());
    };
    let report = s
        .store
        .import_population(&u.scope(Permission::EditAreas), &u.who(), st, parsed, md)
        .await?;
    let status = if report.written {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    again(FormErrors::default(), Some(report), status)
}
