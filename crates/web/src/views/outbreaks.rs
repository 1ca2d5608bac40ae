//! Outbreaks (ổ dịch): the list with the form to declare one; each outbreak with its
//! epidemic curve, transmission chain, timeline, cases and zones, and the forms to put a zone
//! around it and to declare it over.

use super::agencies::{AreaOption, area_options};
use super::areas::Pager;
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_date};
use crate::AppState;
use crate::api::cases::chain_svg;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::case::{Classification, FoundIn, Setting};
use chongdich_domain::outbreak::{OutbreakDraft, ZoneDraft, ZoneKind};
use chongdich_domain::vocab::parse_date;
use chongdich_store::StoreError;
use chongdich_store::cases::{CaseFilter, CaseRow};
use chongdich_store::outbreaks::{CurvePoint, OutbreakRow, ZoneRow};
use chongdich_svg::curve::{Day, Series};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

/// Outbreaks per page of the list.
const PER_PAGE: u64 = 50;
/// Cases per page of an outbreak (the case list has them all, with its filters).
const CASES_PER_PAGE: u64 = 200;
/// The longest epidemic curve drawn, in days.
const MAX_CURVE_DAYS: i64 = 400;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/outbreaks", get(list).post(create))
        .route("/outbreaks/{id}", get(detail))
        .route("/outbreaks/{id}/zones", post(add_zone))
        .route("/outbreaks/{id}/end", post(end))
}

/// A value of a select, a checkbox or a radio button, and its label.
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            label: label.into(),
        }
    }
}

/// The diseases offered in a select: their code, shown with their name.
pub async fn disease_choices(s: &AppState) -> Result<Vec<Choice>, PageError> {
    Ok(s.store
        .diseases()
        .await?
        .into_iter()
        .map(|d| Choice::new(d.code.clone(), format!("{} ({})", d.name, d.code)))
        .collect())
}

/// A store error that a form answers with its field errors; any other is passed on.
pub fn form_errors(e: StoreError) -> Result<FormErrors, PageError> {
    match e {
        StoreError::Invalid(i) => Ok(i.into()),
        other => Err(other.into()),
    }
}

/// Writes a form's parsed input: what the write returned, or the field errors to show the form
/// again with (any other error passes on).
pub async fn written<I, T>(
    parsed: Result<I, chongdich_domain::Invalid>,
    write: impl AsyncFnOnce(I) -> Result<T, StoreError>,
) -> Result<Result<T, FormErrors>, PageError> {
    match parsed {
        Ok(input) => match write(input).await {
            Ok(v) => Ok(Ok(v)),
            Err(e) => form_errors(e).map(Err),
        },
        Err(e) => Ok(Err(e.into())),
    }
}

/// A store read whose "not found" is the page's 404.
pub fn found<T>(r: Result<T, StoreError>) -> Result<T, PageError> {
    match r {
        Err(StoreError::NotFound(_)) => Err(PageError::not_found()),
        other => Ok(other?),
    }
}

/// Refuses with the 403 page unless the user holds the permission somewhere.
pub fn require(u: &Authed, p: Permission) -> Result<(), PageError> {
    if u.can(p) {
        Ok(())
    } else {
        Err(PageError::forbidden())
    }
}

/// yyyy-mm-dd, what a date input shows.
pub fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub struct OutbreakLine {
    pub id: i64,
    pub name: String,
    pub disease: String,
    pub area_id: String,
    pub area_name: String,
    pub place: String,
    pub setting: String,
    pub started: String,
    pub ended: String,
    pub active: bool,
    pub case_count: i64,
}

impl From<OutbreakRow> for OutbreakLine {
    fn from(o: OutbreakRow) -> Self {
        Self {
            id: o.id,
            setting: super::labels::setting(&o.setting),
            started: vn_date(&o.started_on),
            ended: o.ended_on.as_ref().map(vn_date).unwrap_or_default(),
            active: o.ended_on.is_none(),
            name: o.name,
            disease: o.disease_code,
            area_id: o.area_id,
            area_name: o.area_name,
            place: o.place,
            case_count: o.case_count,
        }
    }
}

#[derive(Template)]
#[template(path = "outbreaks.html")]
struct ListPage {
    l: Layout,
    outbreaks: Vec<OutbreakLine>,
    pager: Pager,
    can_create: bool,
    diseases: Vec<Choice>,
    areas: Vec<AreaOption>,
    settings: Vec<Choice>,
    form: OutbreakDraft,
    errors: FormErrors,
}

#[derive(Debug, Deserialize, Default)]
pub struct PageQuery {
    page: Option<u64>,
    msg: Option<String>,
}

async fn list_page(
    s: &AppState,
    u: &Authed,
    page: u64,
    notice: Option<&str>,
    form: OutbreakDraft,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let p = s
        .store
        .outbreaks(
            &u.scope(Permission::ViewPersons),
            None,
            false,
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?;
    let can_create = u.can(Permission::EditSurveillance);
    let (diseases, areas) = if can_create {
        (
            disease_choices(s).await?,
            area_options(s, u, Permission::EditSurveillance).await?,
        )
    } else {
        (vec![], vec![])
    };
    let form = if form.started_on.is_empty() && errors.is_empty() {
        OutbreakDraft {
            started_on: iso(s.clock.today()),
            ..form
        }
    } else {
        form
    };
    render_status(
        status,
        &ListPage {
            l: Layout::for_user(u, "Ổ dịch", "outbreaks").with_notice(notice),
            pager: Pager::new(p.total, page, PER_PAGE, |n| format!("/outbreaks?page={n}")),
            outbreaks: p.items.into_iter().map(OutbreakLine::from).collect(),
            can_create,
            diseases,
            areas,
            settings: Setting::ALL
                .iter()
                .map(|s| Choice::new(s.as_str(), s.label()))
                .collect(),
            form,
            errors,
        },
    )
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    list_page(
        &s,
        &u,
        q.page.unwrap_or(1).max(1),
        q.msg.as_deref(),
        OutbreakDraft::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<OutbreakDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::EditSurveillance)?;
    let errors = match sub.form.parse(s.clock.today()) {
        Ok(input) => match s
            .store
            .create_outbreak(&u.scope(Permission::EditSurveillance), &u.who(), &input)
            .await
        {
            Ok(o) => return Ok(see_other(&format!("/outbreaks/{}?msg=created", o.id))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    list_page(
        &s,
        u,
        1,
        None,
        sub.form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// Confirmed cases per day from the first to the last (to `until` when the outbreak is still
/// active), every day drawn, zero days included: community cases, then all the others. At most
/// [`MAX_CURVE_DAYS`]: beyond that only the latest days are drawn (the `bool` says so).
pub fn curve_days(points: &[CurvePoint], until: Option<NaiveDate>) -> (Vec<Day>, bool) {
    let (Some(first), Some(last)) = (
        points.iter().map(|p| p.day).min(),
        points.iter().map(|p| p.day).max(),
    ) else {
        return (Vec::new(), false);
    };
    let end = until.map_or(last, |t| t.max(last));
    let cut = (end - first).num_days() >= MAX_CURVE_DAYS;
    let start = if cut {
        end - Duration::days(MAX_CURVE_DAYS - 1)
    } else {
        first
    };
    let n = (end - start).num_days() + 1;
    let mut days: Vec<Day> = (0..n)
        .map(|i| Day {
            label: (start + Duration::days(i)).format("%d/%m").to_string(),
            values: vec![0, 0],
        })
        .collect();
    for p in points.iter().filter(|p| p.day >= start && p.day <= end) {
        let Ok(i) = usize::try_from((p.day - start).num_days()) else {
            continue;
        };
        let series = usize::from(p.found_in != FoundIn::Community.as_str());
        if let Some(v) = days.get_mut(i).and_then(|d| d.values.get_mut(series)) {
            *v = v.saturating_add(u32::try_from(p.n).unwrap_or(u32::MAX));
        }
    }
    (days, cut)
}

fn curve_series() -> [Series; 2] {
    [
        Series {
            label: "Cộng đồng".into(),
            color: "#c62828".into(),
        },
        Series {
            label: "Đã cách ly / phong tỏa / nhập cảnh".into(),
            color: "#1565c0".into(),
        },
    ]
}

/// One line of an outbreak's timeline: on `day`, `what`, optionally a link.
pub struct Moment {
    pub date: NaiveDate,
    pub day: String,
    pub kind: &'static str,
    pub what: String,
    pub link: Option<String>,
    pub link_text: String,
}

impl Moment {
    fn new(date: NaiveDate, kind: &'static str, what: impl Into<String>) -> Self {
        Self {
            date,
            day: vn_date(&date),
            kind,
            what: what.into(),
            link: None,
            link_text: String::new(),
        }
    }

    fn linked(mut self, href: String, text: String) -> Self {
        self.link = Some(href);
        self.link_text = text;
        self
    }
}

/// What happened, in order: the outbreak detected, each case confirmed, the zones put in place
/// and lifted, the outbreak declared over.
pub fn timeline(
    o: &OutbreakRow,
    cases: &[CaseRow],
    zones: &[ZoneRow],
    today: NaiveDate,
) -> Vec<Moment> {
    let mut out = vec![Moment::new(o.started_on, "start", "Phát hiện ổ dịch")];
    for c in cases
        .iter()
        .filter(|c| c.classification == Classification::Confirmed.as_str())
    {
        let label = match &c.case_code {
            Some(code) => format!("BN {code} — {}", c.full_name),
            None => format!("Ca #{} — {}", c.id, c.full_name),
        };
        out.push(
            Moment::new(
                c.confirmed_date.unwrap_or(c.curve_date),
                "case",
                "được xác định là ca bệnh",
            )
            .linked(format!("/cases/{}", c.id), label),
        );
    }
    for z in zones {
        let kind = super::labels::zone_kind(&z.kind);
        out.push(Moment::new(
            z.starts_on,
            "zone",
            format!("Bắt đầu {}: {}", kind.to_lowercase(), z.area_name),
        ));
        if let Some(e) = z.ends_on {
            let planned = if e > today { " (dự kiến)" } else { "" };
            out.push(Moment::new(
                e,
                "zone",
                format!("Kết thúc {}: {}{planned}", kind.to_lowercase(), z.area_name),
            ));
        }
    }
    if let Some(e) = o.ended_on {
        out.push(Moment::new(e, "end", "Kết thúc ổ dịch"));
    }
    let rank = |k: &str| match k {
        "start" => 0,
        "case" => 1,
        "zone" => 2,
        _ => 3,
    };
    out.sort_by_key(|m| (m.date, rank(m.kind)));
    out
}

pub struct CaseLine {
    pub id: i64,
    pub code: String,
    pub person_id: i64,
    pub full_name: String,
    pub birth_year: String,
    pub area_name: String,
    pub classification: String,
    pub class_label: String,
    pub day: String,
    pub found_in: String,
}

impl From<CaseRow> for CaseLine {
    fn from(c: CaseRow) -> Self {
        Self {
            id: c.id,
            code: c.case_code.unwrap_or_default(),
            person_id: c.person_id,
            full_name: c.full_name,
            birth_year: c.birth_year.map(|y| y.to_string()).unwrap_or_default(),
            area_name: c.area_name,
            class_label: super::labels::classification(&c.classification),
            classification: c.classification,
            day: vn_date(&c.curve_date),
            found_in: super::labels::found_in(&c.found_in),
        }
    }
}

pub struct ZoneLine {
    pub kind: String,
    pub area_id: String,
    pub area_name: String,
    pub description: String,
    pub starts: String,
    pub ends: String,
}

impl From<&ZoneRow> for ZoneLine {
    fn from(z: &ZoneRow) -> Self {
        Self {
            kind: super::labels::zone_kind(&z.kind),
            area_id: z.area_id.clone(),
            area_name: z.area_name.clone(),
            description: z.description.clone(),
            starts: vn_date(&z.starts_on),
            ends: z.ends_on.as_ref().map(vn_date).unwrap_or_default(),
        }
    }
}

/// What was typed in the forms of an outbreak's page, kept when validation fails.
#[derive(Default)]
pub struct DetailForms {
    pub zone: ZoneDraft,
    pub zone_errors: FormErrors,
    pub ended_on: String,
    pub end_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "outbreak.html")]
struct DetailPage {
    l: Layout,
    o: OutbreakLine,
    disease_name: String,
    curve_svg: String,
    curve_cut: bool,
    chain_svg: String,
    chain_truncated: bool,
    timeline: Vec<Moment>,
    /// The timeline holds only the cases of this page.
    timeline_partial: bool,
    cases: Vec<CaseLine>,
    cases_total: i64,
    pager: Pager,
    zones: Vec<ZoneLine>,
    can_edit: bool,
    areas: Vec<AreaOption>,
    zone_kinds: Vec<Choice>,
    forms: DetailForms,
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    page: u64,
    notice: Option<&str>,
    forms: DetailForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let today = s.clock.today();
    let o = found(s.store.outbreak_row(&scope, id).await)?;
    let points = s
        .store
        .curve(
            &scope,
            &CaseFilter {
                outbreak_id: Some(id),
                classification: Some(Classification::Confirmed),
                ..Default::default()
            },
        )
        .await?;
    let (days, curve_cut) = curve_days(&points, o.ended_on.is_none().then_some(today));
    let curve_svg = chongdich_svg::curve::epi_curve(
        &days,
        &curve_series(),
        &format!("Ca xác định theo ngày — {}", o.name),
    );
    let chain = s.store.outbreak_chain(&scope, id).await?;
    let chain_svg = chain_svg(&chain, None, &format!("Chuỗi lây nhiễm — {}", o.name));
    let cases = s
        .store
        .cases(
            &scope,
            &u.who(),
            &CaseFilter {
                outbreak_id: Some(id),
                ..Default::default()
            },
            CASES_PER_PAGE,
            (page - 1) * CASES_PER_PAGE,
        )
        .await?;
    let zones = s.store.zones(id).await?;
    let disease_name = s
        .store
        .diseases()
        .await?
        .into_iter()
        .find(|d| d.id == o.disease_id)
        .map(|d| d.name)
        .unwrap_or_else(|| o.disease_code.clone());
    let area = AreaId::parse(&o.area_id)?;
    let can_edit = u.can(Permission::EditSurveillance)
        && s.store
            .area_in_scope(&u.scope(Permission::EditSurveillance), &area)
            .await?;
    let mut areas = Vec::new();
    if can_edit {
        areas = area_options(s, u, Permission::EditSurveillance).await?;
        if !areas.iter().any(|a| a.id == o.area_id) {
            areas.insert(
                0,
                AreaOption {
                    id: o.area_id.clone(),
                    label: format!("{} ({})", o.area_name, o.area_id),
                },
            );
        }
    }
    let mut forms = forms;
    if forms.zone.area_id.is_empty() && forms.zone_errors.is_empty() {
        forms.zone.area_id = o.area_id.clone();
        forms.zone.starts_on = iso(today);
    }
    if forms.ended_on.is_empty() && forms.end_errors.is_empty() {
        forms.ended_on = iso(today);
    }
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, o.name.clone(), "outbreaks").with_notice(notice),
            disease_name,
            curve_svg,
            curve_cut,
            chain_svg,
            chain_truncated: chain.truncated,
            timeline: timeline(&o, &cases.items, &zones, today),
            timeline_partial: cases.total > cases.items.len() as i64,
            cases_total: cases.total,
            pager: Pager::new(cases.total, page, CASES_PER_PAGE, |n| {
                format!("/outbreaks/{id}?page={n}#cases")
            }),
            cases: cases.items.into_iter().map(CaseLine::from).collect(),
            zones: zones.iter().map(ZoneLine::from).collect(),
            can_edit,
            areas,
            zone_kinds: ZoneKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            forms,
            o: o.into(),
        },
    )
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response, PageError> {
    detail_page(
        &s,
        &u,
        id,
        q.page.unwrap_or(1).max(1),
        q.msg.as_deref(),
        DetailForms::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn add_zone(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<ZoneDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::EditSurveillance)?;
    let scope = u.scope(Permission::EditSurveillance);
    found(s.store.outbreak_row(&scope, id).await)?;
    let errors = match sub.form.parse(s.clock.today()) {
        Ok(z) => match s.store.add_zone(&scope, &u.who(), id, &z).await {
            Ok(_) => return Ok(see_other(&format!("/outbreaks/{id}?msg=zone#zones"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = DetailForms {
        zone: sub.form,
        zone_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, 1, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[derive(Debug, Deserialize)]
pub struct EndForm {
    #[serde(default)]
    ended_on: String,
}

pub async fn end(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<EndForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::EditSurveillance)?;
    let scope = u.scope(Permission::EditSurveillance);
    found(s.store.outbreak_row(&scope, id).await)?;
    let parsed = parse_date("ended_on", &sub.form.ended_on)
        .and_then(|d| d.ok_or_else(|| Invalid::field("ended_on", "cần ngày kết thúc ổ dịch")));
    let errors = match parsed {
        Ok(on) => match s.store.end_outbreak(&scope, &u.who(), id, on).await {
            Ok(_) => return Ok(see_other(&format!("/outbreaks/{id}?msg=ended"))),
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = DetailForms {
        ended_on: sub.form.ended_on,
        end_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, 1, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod curve_tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn point(d: &str, found_in: &str, n: i64) -> CurvePoint {
        CurvePoint {
            day: day(d),
            found_in: found_in.into(),
            n,
        }
    }

    #[test]
    fn every_day_is_drawn_with_community_and_other_cases_apart() {
        let points = [
            point("2021-06-01", "community", 2),
            point("2021-06-01", "quarantine", 1),
            point("2021-06-01", "lockdown", 1),
            point("2021-06-04", "point_of_entry", 3),
        ];
        let (days, cut) = curve_days(&points, None);
        assert!(!cut);
        assert_eq!(days.len(), 4);
        assert_eq!(days[0].label, "01/06");
        assert_eq!(days[0].values, vec![2, 2]);
        assert_eq!(days[1].values, vec![0, 0]);
        assert_eq!(days[3].values, vec![0, 3]);
        // Active: up to today.
        let (days, _) = curve_days(&points, Some(day("2021-06-10")));
        assert_eq!(days.len(), 10);
        assert_eq!(days[9].label, "10/06");
        // At most 400 days, the latest ones.
        let (days, cut) = curve_days(&points, Some(day("2023-01-01")));
        assert!(cut);
        assert_eq!(days.len(), 400);
        assert_eq!(days[399].label, "01/01");
        assert!(curve_days(&[], Some(day("2021-06-10"))).0.is_empty());
    }
}
