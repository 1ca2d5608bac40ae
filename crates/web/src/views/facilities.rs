//! Quarantine (`/quarantine`): the overview of every facility in the user's area with its
//! beds, occupied and free (a bar per facility drawn on the server) and the people in
//! quarantine per area; the form to register a facility with its rooms; each facility with its
//! rooms and occupants, the forms to admit, discharge and move, and the occupancy of the last
//! 30 days.

use super::outbreaks::{Choice, form_errors, found, require, written};
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_date, vn_number};
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
use chongdich_domain::facility::{
    AdmissionDraft, DischargeDraft, FacilityDraft, FacilityKind, LeftReason, RiskGroup,
    TransferDraft, room_lines,
};
use chongdich_store::facilities::{AreaQuarantine, FacilityRow};
use serde::Deserialize;

/// The width of a facility's bar on the overview, in pixels.
const BAR_W: i64 = 200;
/// The most rooms offered as destinations of a move.
const MAX_ROOM_CHOICES: u64 = 2000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quarantine", get(overview))
        .route("/quarantine/facilities/new", get(new_page).post(create))
        .route("/quarantine/facilities/{id}", get(detail))
        .route("/quarantine/facilities/{id}/admit", post(admit))
        .route(
            "/quarantine/facilities/{id}/stays/{stay_id}/discharge",
            post(discharge),
        )
        .route(
            "/quarantine/facilities/{id}/stays/{stay_id}/transfer",
            post(transfer),
        )
}

fn notice(key: Option<&str>) -> Option<String> {
    Some(
        match key? {
            "created" => "Đã đăng ký cơ sở cách ly.",
            "admitted" => "Đã tiếp nhận người vào cơ sở.",
            "discharged" => "Đã ghi người rời cơ sở.",
            "transferred" => "Đã chuyển người sang phòng / cơ sở mới.",
            _ => return None,
        }
        .to_owned(),
    )
}

fn layout(u: &Authed, title: impl Into<String>, msg: Option<&str>) -> Layout {
    let mut l = Layout::for_user(u, title, "quarantine");
    l.notice = notice(msg);
    l
}

fn kind_label(k: &str) -> &'static str {
    FacilityKind::parse(k).map(|k| k.label()).unwrap_or("")
}

/// A facility's line on the overview, with its bar.
pub struct FacilityLine {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub area_name: String,
    pub operator: String,
    pub rooms: i64,
    pub beds: String,
    pub occupied: String,
    pub free: String,
    /// The bar: the occupied part's width, of [`BAR_W`].
    pub used_w: i64,
    /// Red when full, amber from 80 %.
    pub color: &'static str,
}

fn bar(occupied: i64, beds: i64) -> (i64, &'static str) {
    let w = if beds > 0 {
        (occupied.min(beds) * BAR_W) / beds
    } else {
        0
    };
    let color = if beds > 0 && occupied >= beds {
        "#c62828"
    } else if beds > 0 && occupied * 5 >= beds * 4 {
        "#ef6c00"
    } else {
        "#2e7d32"
    };
    (w, color)
}

impl From<FacilityRow> for FacilityLine {
    fn from(r: FacilityRow) -> Self {
        let (used_w, color) = bar(r.occupied, r.beds);
        Self {
            kind: kind_label(&r.kind),
            beds: vn_number(r.beds),
            occupied: vn_number(r.occupied),
            free: vn_number(r.free()),
            used_w,
            color,
            id: r.id,
            name: r.name,
            area_name: r.area_name,
            operator: r.operator,
            rooms: r.rooms,
        }
    }
}

pub struct AreaLine {
    pub area_id: String,
    pub area_name: String,
    pub facilities: i64,
    pub beds: String,
    pub occupied: String,
}

impl From<AreaQuarantine> for AreaLine {
    fn from(a: AreaQuarantine) -> Self {
        Self {
            beds: vn_number(a.beds),
            occupied: vn_number(a.occupied),
            area_id: a.area_id,
            area_name: a.area_name,
            facilities: a.facilities,
        }
    }
}

#[derive(Template)]
#[template(path = "quarantine.html")]
struct OverviewPage {
    l: Layout,
    facilities: Vec<FacilityLine>,
    areas: Vec<AreaLine>,
    total_beds: String,
    total_occupied: String,
    total_free: String,
    bar_w: i64,
    can_manage: bool,
    /// People followed today under each unit of the user's area (orders in force).
    followed: Vec<super::quarantine_orders::FollowedRow>,
    followed_area: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
    /// A search for the person to admit (name, ID number or phone).
    #[serde(default)]
    person_q: String,
    /// The person chosen among the results.
    person_id: Option<i64>,
}

/// A person found for admission.
pub struct Candidate {
    pub id: i64,
    pub full_name: String,
    pub birth: String,
    pub area_name: String,
    pub id_number: String,
}

/// The most people a search for admission shows.
const MAX_CANDIDATES: u64 = 10;

pub async fn overview(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let rows = s.store.facilities(&scope).await?;
    let areas = s.store.quarantine_by_area(&scope).await?;
    let beds: i64 = rows.iter().map(|r| r.beds).sum();
    let occupied: i64 = rows.iter().map(|r| r.occupied).sum();
    let root = match scope.roots() {
        [one] => one.clone(),
        _ => chongdich_domain::area::AreaId::country(),
    };
    let followed = s
        .store
        .followed_by_area(&scope, &root, s.clock.today())
        .await?
        .into_iter()
        .map(super::quarantine_orders::FollowedRow::from)
        .collect();
    render_status(
        StatusCode::OK,
        &OverviewPage {
            l: layout(&u, "Cách ly tập trung", q.msg.as_deref()),
            total_beds: vn_number(beds),
            total_occupied: vn_number(occupied),
            total_free: vn_number((beds - occupied).max(0)),
            facilities: rows.into_iter().map(FacilityLine::from).collect(),
            areas: areas.into_iter().map(AreaLine::from).collect(),
            bar_w: BAR_W,
            can_manage: u.can(Permission::ManageQuarantine),
            followed,
            followed_area: root.as_str().to_owned(),
        },
    )
}

/// The registration form as typed: the rooms are one text field, one room a line.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FacilityForm {
    pub area_id: String,
    pub name: String,
    pub kind: String,
    pub operator: String,
    pub address: String,
    pub phone: String,
    pub beds: String,
    pub rooms: String,
}

impl FacilityForm {
    fn draft(&self) -> FacilityDraft {
        FacilityDraft {
            area_id: self.area_id.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            operator: self.operator.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            beds: self.beds.clone(),
            rooms: room_lines(&self.rooms),
        }
    }
}

#[derive(Template)]
#[template(path = "facility_new.html")]
struct NewPage {
    l: Layout,
    form: FacilityForm,
    errors: FormErrors,
    kinds: Vec<Choice>,
    areas: Vec<Choice>,
}

async fn new_form(
    s: &AppState,
    u: &Authed,
    form: FacilityForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ManageQuarantine)?;
    let scope = u.scope(Permission::ManageQuarantine);
    let mut areas: Vec<Choice> = Vec::new();
    for root in scope.roots() {
        if let Ok(a) = s.store.area(&scope, root).await {
            areas.push(Choice::new(a.id.clone(), format!("{} ({})", a.name, a.id)));
            for c in s.store.children(&scope, root, 1000, 0).await?.items {
                areas.push(Choice::new(
                    c.id.clone(),
                    format!("— {} ({})", c.name, c.id),
                ));
            }
        }
    }
    render_status(
        status,
        &NewPage {
            l: layout(u, "Đăng ký cơ sở cách ly", None),
            kinds: FacilityKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            areas,
            form,
            errors,
        },
    )
}

pub async fn new_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    new_form(
        &s,
        &u,
        FacilityForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<FacilityForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let errors = match sub.form.draft().parse() {
        Ok(input) => match s
            .store
            .create_facility(&u.scope(Permission::ManageQuarantine), &u.who(), &input)
            .await
        {
            Ok(row) => {
                return Ok(see_other(&format!(
                    "/quarantine/facilities/{}?msg=created",
                    row.id
                )));
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    new_form(&s, u, sub.form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub struct OccupantLine {
    pub stay_id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub group: &'static str,
    pub cohort_date: String,
    pub admitted_on: String,
}

pub struct RoomLine {
    pub id: i64,
    pub name: String,
    pub beds: i64,
    pub occupants: Vec<OccupantLine>,
    /// Who may join: "trống" or the cohort of those in it.
    pub cohort: String,
}

impl RoomLine {
    fn free(&self) -> i64 {
        (self.beds - i64::try_from(self.occupants.len()).unwrap_or(i64::MAX)).max(0)
    }
}

/// What was typed in a facility's forms, kept when validation fails.
#[derive(Default)]
pub struct DetailForms {
    /// The search for the person to admit, and what it found.
    pub person_q: String,
    pub candidates: Vec<Candidate>,
    pub admit: AdmissionDraft,
    pub admit_errors: FormErrors,
    /// The stay whose discharge or move failed, with what was typed.
    pub stay_id: i64,
    pub discharge: DischargeDraft,
    pub transfer: TransferDraft,
    pub stay_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "facility.html")]
struct DetailPage {
    l: Layout,
    f: FacilityRow,
    kind: &'static str,
    free: i64,
    rooms: Vec<RoomLine>,
    chart: String,
    can_manage: bool,
    groups: Vec<Choice>,
    reasons: Vec<Choice>,
    destinations: Vec<Choice>,
    forms: DetailForms,
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    msg: Option<&str>,
    forms: DetailForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let v = found(s.store.facility(&scope, &u.who(), id).await)?;
    let today = s.clock.today();
    let days = s.store.facility_occupancy(&scope, id, today).await?;
    let chart_days: Vec<chongdich_svg::curve::Day> = days
        .iter()
        .map(|(d, n)| chongdich_svg::curve::Day {
            label: d.format("%d/%m").to_string(),
            values: vec![u32::try_from(*n).unwrap_or(u32::MAX)],
        })
        .collect();
    let chart = chongdich_svg::curve::epi_curve(
        &chart_days,
        &[chongdich_svg::curve::Series {
            label: "Người đang cách ly".into(),
            color: "#1565c0".into(),
        }],
        "Số người đang cách ly 30 ngày qua",
    );
    let manage = u.scope(Permission::ManageQuarantine);
    let can_manage =
        u.can(Permission::ManageQuarantine) && s.store.facility_row(&manage, id).await.is_ok();
    let destinations = if can_manage {
        s.store
            .room_choices(&manage, MAX_ROOM_CHOICES)
            .await?
            .into_iter()
            .map(|r| {
                Choice::new(
                    r.id.to_string(),
                    format!(
                        "{} — phòng {} ({}/{} giường)",
                        r.facility_name, r.name, r.occupied, r.beds
                    ),
                )
            })
            .collect()
    } else {
        vec![]
    };
    let rooms = v
        .rooms
        .into_iter()
        .map(|r| {
            let cohort = match r.occupants.first() {
                Some(o) => format!(
                    "{}, ngày {}",
                    o.risk_group().label(),
                    vn_date(&o.cohort_date)
                ),
                None => "Trống".to_owned(),
            };
            RoomLine {
                id: r.room.id,
                name: r.room.name,
                beds: r.room.beds,
                cohort,
                occupants: r
                    .occupants
                    .into_iter()
                    .map(|o| OccupantLine {
                        group: o.risk_group().label(),
                        cohort_date: vn_date(&o.cohort_date),
                        admitted_on: vn_date(&o.admitted_on),
                        stay_id: o.id,
                        person_id: o.person_id,
                        full_name: o.full_name,
                    })
                    .collect(),
            }
        })
        .collect();
    let mut forms = forms;
    if can_manage && !forms.person_q.trim().is_empty() {
        let found = s
            .store
            .persons(
                &scope,
                &u.who(),
                &chongdich_store::persons::PersonFilter {
                    q: forms.person_q.clone(),
                    ..Default::default()
                },
                MAX_CANDIDATES,
                0,
            )
            .await?;
        forms.candidates = found
            .items
            .into_iter()
            .map(|p| Candidate {
                birth: p.birth_display(),
                id: p.id,
                full_name: p.full_name,
                area_name: p.area_name,
                id_number: p.id_number.unwrap_or_default(),
            })
            .collect();
    }
    if forms.admit.admitted_on.is_empty() && forms.admit_errors.is_empty() {
        forms.admit.admitted_on = vn_date(&today);
    }
    let f = v.facility;
    render_status(
        status,
        &DetailPage {
            l: layout(u, f.name.clone(), msg),
            kind: kind_label(&f.kind),
            free: f.free(),
            rooms,
            chart,
            can_manage,
            groups: RiskGroup::ALL
                .iter()
                .map(|g| Choice::new(g.as_str(), g.label()))
                .collect(),
            reasons: [
                LeftReason::Discharged,
                LeftReason::Positive,
                LeftReason::Other,
            ]
            .iter()
            .map(|r| Choice::new(r.as_str(), r.label()))
            .collect(),
            destinations,
            forms,
            f,
        },
    )
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    let mut forms = DetailForms {
        person_q: q.person_q.clone(),
        ..DetailForms::default()
    };
    if let Some(p) = q.person_id {
        forms.admit.person_id = p.to_string();
    }
    detail_page(&s, &u, id, q.msg.as_deref(), forms, StatusCode::OK).await
}

/// The facility a form writes to, if the user may manage it (404 or 403 otherwise).
async fn writable(s: &AppState, u: &Authed, id: i64) -> Result<(), PageError> {
    require(u, Permission::ManageQuarantine)?;
    require(u, Permission::ViewPersons)?;
    found(
        s.store
            .facility_row(&u.scope(Permission::ManageQuarantine), id)
            .await,
    )?;
    Ok(())
}

pub async fn admit(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<AdmissionDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    writable(&s, u, id).await?;
    let outcome = written(sub.form.parse(s.clock.today()), async |input| {
        s.store
            .admit(
                &u.scope(Permission::ManageQuarantine),
                &u.scope(Permission::ViewPersons),
                &u.who(),
                id,
                &input,
            )
            .await
    })
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other(&format!(
            "/quarantine/facilities/{id}?msg=admitted"
        )));
    };
    let forms = DetailForms {
        admit: sub.form,
        admit_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn discharge(
    State(s): State<AppState>,
    Path((id, stay_id)): Path<(i64, i64)>,
    sub: Submitted<DischargeDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    writable(&s, u, id).await?;
    let outcome = written(sub.form.parse(s.clock.today()), async |input| {
        s.store
            .discharge(
                &u.scope(Permission::ManageQuarantine),
                &u.who(),
                id,
                stay_id,
                &input,
            )
            .await
    })
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other(&format!(
            "/quarantine/facilities/{id}?msg=discharged"
        )));
    };
    let forms = DetailForms {
        stay_id,
        discharge: sub.form,
        stay_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}

pub async fn transfer(
    State(s): State<AppState>,
    Path((id, stay_id)): Path<(i64, i64)>,
    sub: Submitted<TransferDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    writable(&s, u, id).await?;
    let outcome = written(sub.form.parse(s.clock.today()), async |input| {
        s.store
            .transfer(
                &u.scope(Permission::ManageQuarantine),
                &u.who(),
                id,
                stay_id,
                &input,
            )
            .await
    })
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other(&format!(
            "/quarantine/facilities/{id}?msg=transferred"
        )));
    };
    let forms = DetailForms {
        stay_id,
        transfer: sub.form,
        stay_errors: errors,
        ..Default::default()
    };
    detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
}
