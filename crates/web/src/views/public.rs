//! The public page (no login): every unit's published level on a map (a province's wards by
//! their uploaded boundaries where there are some), a search for one's commune ignoring
//! diacritics, its level since when and the measures in force; JSON and CSV feeds of the
//! published levels.

use super::{Layout, UnitNames, render, vn_datetime};
use crate::AppState;
use crate::api::risk::{LevelNames, MeasureOut, PublishedOut, measures_out, published_out};
use crate::error::{ApiError, PageError};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_store::risk::Published;
use serde::Deserialize;
use std::collections::HashMap;
use utoipa::IntoParams;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public", get(page))
        .route("/public/area/{id}", get(area_page))
}

/// One unit in a list of the page.
pub struct Line {
    pub id: String,
    pub name: String,
    pub tier: &'static str,
    pub level_name: String,
    pub colour: String,
    pub since: String,
    pub next: String,
}

fn tier(level: &str) -> &'static str {
    match level {
        "province" => "Tỉnh/Thành phố",
        "district" => "Huyện/Quận",
        _ => "Xã/Phường",
    }
}

fn line(p: &Published, names: &LevelNames) -> Line {
    Line {
        id: p.area_id.clone(),
        name: p.area_name.clone(),
        tier: tier(&p.unit_level),
        level_name: names.name(&p.rule_set_id, &p.level),
        colour: p.colour.clone(),
        since: vn_datetime(&p.since),
        next: match (&p.next_level, &p.next_effective_at) {
            (Some(l), Some(t)) => format!(
                "{} từ {}",
                names.name(p.rule_set_id.as_str(), l),
                vn_datetime(t)
            ),
            _ => String::new(),
        },
    }
}

pub struct Legend {
    pub name: String,
    pub colour: String,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "public.html")]
struct PublicPage {
    l: Layout,
    q: String,
    area_id: String,
    area_name: String,
    /// The province list (country view) or the unit list (province view).
    lines: Vec<Line>,
    found: Vec<Line>,
    searched: bool,
    map: String,
    legend: Vec<Legend>,
    national: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct PublicQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub area: String,
}

/// A unit of the map: a dot at its centroid, or its boundary where one was uploaded.
struct Dot<'a> {
    lat: f64,
    lon: f64,
    colour: &'a str,
    title: String,
    href: Option<String>,
    rings: Vec<Vec<(f64, f64)>>,
}

fn draw(dots: &[Dot<'_>], title: &str) -> String {
    let units: Vec<chongdich_svg::map::Unit<'_>> = dots
        .iter()
        .map(|d| chongdich_svg::map::Unit {
            lat: d.lat,
            lon: d.lon,
            colour: d.colour,
            title: &d.title,
            href: d.href.as_deref(),
            rings: &d.rings,
        })
        .collect();
    chongdich_svg::map::level_map(&units, 640, title)
}

/// The wards of a province, each with its name and a link: its boundary where an
/// administrator uploaded one (`shapes`: area id → GeoJSON geometry), else a dot.
fn province_map(
    rows: &[Published],
    shapes: &HashMap<String, String>,
    names: &LevelNames,
    title: &str,
) -> String {
    let dots: Vec<Dot<'_>> = rows
        .iter()
        .filter(|p| p.unit_level == "ward")
        .filter_map(|p| {
            let rings = shapes
                .get(&p.area_id)
                .and_then(|g| crate::geojson::rings(g))
                .unwrap_or_default();
            if rings.is_empty() && (p.lat.is_none() || p.lon.is_none()) {
                return None;
            }
            Some(Dot {
                lat: p.lat.unwrap_or(f64::NAN),
                lon: p.lon.unwrap_or(f64::NAN),
                colour: &p.colour,
                title: format!("{} — {}", p.area_name, names.name(&p.rule_set_id, &p.level)),
                href: Some(format!("/public/area/{}", p.area_id)),
                rings,
            })
        })
        .collect();
    draw(&dots, title)
}

/// The uploaded boundaries of the wards among `rows`.
async fn ward_shapes(
    s: &AppState,
    rows: &[Published],
) -> Result<HashMap<String, String>, PageError> {
    let ids: Vec<String> = rows
        .iter()
        .filter(|p| p.unit_level == "ward")
        .map(|p| p.area_id.clone())
        .collect();
    Ok(s.store.area_shapes(&ids).await?)
}

/// How many wards are at each level.
fn legend(wards: impl Iterator<Item = (String, String)>) -> Vec<Legend> {
    let mut counted: HashMap<(String, String), usize> = HashMap::new();
    for k in wards {
        *counted.entry(k).or_default() += 1;
    }
    let mut out: Vec<Legend> = counted
        .into_iter()
        .map(|((name, colour), count)| Legend {
            name,
            colour,
            count,
        })
        .collect();
    let rank = |c: &str| {
        ["green", "yellow", "orange", "red"]
            .iter()
            .position(|x| *x == c)
    };
    out.sort_by(|a, b| (rank(&a.colour), &a.name).cmp(&(rank(&b.colour), &b.name)));
    out
}

pub async fn page(
    State(s): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> Result<Response, PageError> {
    let names = LevelNames::load(&s).await?;
    let country = AreaId::country();
    // Without a choice, the one province published (a provincial deployment), else the country.
    let root = match AreaId::parse(q.area.trim()) {
        Ok(a) => a,
        Err(_) => {
            let provinces = s.store.published_tier(&country, "province").await?;
            match provinces.as_slice() {
                [one] => AreaId::parse(&one.area_id).unwrap_or_else(|_| country.clone()),
                _ => country.clone(),
            }
        }
    };
    let national = root.as_str() == AreaId::COUNTRY;
    let (area_name, lines, map, legend) = if national {
        let provinces = s.store.published_tier(&country, "province").await?;
        let dots = s.store.published_dots(&country).await?;
        // 10,000 wards: a compact drawing, one path per colour (dots even where boundaries were
        // uploaded: the whole country's would be megabytes).
        let drawn: Vec<Dot<'_>> = dots
            .iter()
            .map(|d| Dot {
                lat: d.lat,
                lon: d.lon,
                colour: &d.colour,
                title: String::new(),
                href: None,
                rings: Vec::new(),
            })
            .collect();
        let colour_names = |c: &str| match c {
            "green" => "Xanh",
            "yellow" => "Vàng",
            "orange" => "Cam",
            "red" => "Đỏ",
            _ => "Chưa công bố",
        };
        (
            "Cả nước".to_owned(),
            provinces.iter().map(|p| line(p, &names)).collect(),
            draw(&drawn, "Bản đồ cấp độ dịch — Cả nước"),
            legend(
                dots.iter()
                    .map(|d| (colour_names(&d.colour).to_owned(), d.colour.clone())),
            ),
        )
    } else {
        let rows = s.store.published_levels(&root).await?;
        let shapes = ward_shapes(&s, &rows).await?;
        let area_name = rows
            .iter()
            .find(|p| p.area_id == root.as_str())
            .map(|p| p.area_name.clone())
            .unwrap_or_else(|| root.to_string());
        (
            area_name.clone(),
            rows.iter().map(|p| line(p, &names)).collect(),
            province_map(
                &rows,
                &shapes,
                &names,
                &format!("Bản đồ cấp độ dịch — {area_name}"),
            ),
            legend(
                rows.iter()
                    .filter(|p| p.unit_level == "ward")
                    .map(|p| (names.name(&p.rule_set_id, &p.level), p.colour.clone())),
            ),
        )
    };
    let search = q.q.trim();
    let mut found = Vec::new();
    if !search.is_empty() {
        let ids: Vec<String> = s
            .store
            .search_areas(&Scope::everywhere(), search, None, 50, 0)
            .await?
            .items
            .into_iter()
            .map(|a| a.id)
            .collect();
        let published: HashMap<String, Published> = s
            .store
            .published_of(&ids)
            .await?
            .into_iter()
            .map(|p| (p.area_id.clone(), p))
            .collect();
        // In the search's order (tier, then Vietnamese name order).
        for id in &ids {
            if let Some(p) = published.get(id) {
                found.push(line(p, &names));
            }
        }
    }
    render(&PublicPage {
        l: Layout::anonymous("Cấp độ dịch đã công bố"),
        q: search.to_owned(),
        map,
        area_id: root.to_string(),
        area_name,
        lines,
        found,
        searched: !search.is_empty(),
        legend,
        national,
    })
}

#[derive(Template)]
#[template(path = "public_area.html")]
struct AreaPage {
    l: Layout,
    unit: Option<Line>,
    name: String,
    trail: Vec<(String, String)>,
    measures: Vec<MeasureOut>,
    reasons: Vec<String>,
    rule_set: String,
}

pub async fn area_page(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let area = AreaId::parse(&id).map_err(|_| PageError::not_found())?;
    let row = s
        .store
        .area(&Scope::everywhere(), &area)
        .await
        .map_err(|_| PageError::not_found())?;
    let names = LevelNames::load(&s).await?;
    let published = s.store.published_level(&area).await?;
    let measures = s.store.measures_in_force(&area).await?;
    let rule_set = measures
        .as_ref()
        .map(|m| m.rule_set_name.clone())
        .unwrap_or_default();
    let reasons: Vec<String> = match &published {
        Some(p) => s
            .store
            .risk_history(&area, 60)
            .await?
            .into_iter()
            .find(|h| h.assessment_id == p.assessment_id)
            .map(|h| {
                h.reasons()
                    .into_iter()
                    .map(|r| r.text)
                    .chain(
                        (!h.override_reason.is_empty())
                            .then(|| format!("Ban Chỉ đạo điều chỉnh: {}", h.override_reason)),
                    )
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let units = UnitNames::load(&s, reasons.iter().map(String::as_str)).await?;
    let reasons = reasons.iter().map(|r| units.apply(r)).collect();
    let trail = s
        .store
        .ancestors(&area)
        .await?
        .into_iter()
        .filter(|a| a.level != "country")
        .map(|a| (a.id, a.name))
        .collect();
    render(&AreaPage {
        l: Layout::anonymous(&row.name),
        unit: published.as_ref().map(|p| line(p, &names)),
        name: row.name,
        trail,
        measures: measures.map(measures_out).unwrap_or_default(),
        reasons,
        rule_set,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// The area whose units are listed (`VN`, a province `L12`, …); the whole country when absent.
    pub area: Option<String>,
}

async fn feed_rows(s: &AppState, q: &FeedQuery) -> Result<Vec<PublishedOut>, ApiError> {
    let root = match q.area.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => AreaId::parse(a).map_err(|_| {
            ApiError::from(chongdich_domain::Invalid::field(
                "area",
                "mã địa bàn không hợp lệ (ví dụ VN, L12, N12)",
            ))
        })?,
        None => AreaId::country(),
    };
    let names = LevelNames::load(s).await?;
    Ok(s.store
        .published_levels(&root)
        .await?
        .into_iter()
        .map(|p| published_out(p, &names))
        .collect())
}

/// The published levels (no login): every unit under an area, as they stand now.
#[utoipa::path(get, path = "/public/risk.json", tag = "public", params(FeedQuery),
    responses((status = 200, body = Vec<PublishedOut>)))]
pub async fn feed_json(
    State(s): State<AppState>,
    Query(q): Query<FeedQuery>,
) -> Result<Json<Vec<PublishedOut>>, ApiError> {
    Ok(Json(feed_rows(&s, &q).await?))
}

/// The published levels as CSV (UTF-8 with BOM, opens in Excel).
#[utoipa::path(get, path = "/public/risk.csv", tag = "public", params(FeedQuery),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn feed_csv(
    State(s): State<AppState>,
    Query(q): Query<FeedQuery>,
) -> Result<Response, ApiError> {
    let rows = feed_rows(&s, &q).await?;
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    let header = [
        "area_id",
        "area_name",
        "unit_level",
        "parent_id",
        "rule_set",
        "level",
        "level_name",
        "colour",
        "since",
        "next_level",
        "next_effective_at",
    ];
    let err = |e: csv::Error| ApiError::internal(e.to_string());
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record([
            r.area_id,
            r.area_name,
            r.unit_level,
            r.parent_id.unwrap_or_default(),
            r.rule_set_id,
            r.level,
            r.level_name,
            r.colour,
            r.since.to_rfc3339(),
            r.next_level.unwrap_or_default(),
            r.next_effective_at
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
        ])
        .map_err(err)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cap-do-dich.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
