//! `/api/v1/…quarantine…`: quarantine orders (issued from the rule set in force on their start,
//! or overridden with a reason), daily check-ins by the health worker or by the person through
//! the order's link (no account), violations, closing an order, escalating it to a suspect case
//! (room mates become contacts), the work lists of a commune and of a facility, the people
//! followed per unit, and the rule-set versions.
//!
//! Reading needs `view_persons` (orders name people); writing needs `manage_quarantine`;
//! escalating to a case also needs `edit_surveillance`; adding a rule set needs `manage_rules`.
//! Retries are safe: the app's `Idempotency-Key` layer answers a repeated write once, the store
//! refuses a second open order for one person (on `start`), and the public link counts the
//! same declaration sent twice on one day once.

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::quarantine::order::{
    CheckinDraft, CheckinInput, Duty, OrderDraft, Phase, ViolationDraft, ViolationInput,
};
use chongdich_domain::quarantine::{QuarantineRuleSet, in_force};
use chongdich_domain::vocab::parse_past_date;
use chongdich_store::StoreError;
use chongdich_store::quarantine::{
    AreaFollowed, CheckinRow, OrderRow, OrderView, StoredRuleSet, ViolationRow, WorkLine, WorkPlace,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(person_orders, create_order))
        .routes(routes!(rule_sets, add_rule_set))
        .routes(routes!(work))
        .routes(routes!(followed))
        .routes(routes!(get_order))
        .routes(routes!(add_checkin))
        .routes(routes!(add_violation))
        .routes(routes!(close))
        .routes(routes!(to_case))
        .routes(routes!(public_order, public_checkin))
}

/// A text field that a JSON client may also send as a number (`"doses": 2`,
/// `"temperature": 37.5`) or as a list (`"fallback_test_days": [1, 7, 14]`, joined with ", ").
pub(crate) fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Piece {
        Text(String),
        Int(i64),
        Float(f64),
        Bool(bool),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        One(Piece),
        Many(Vec<Piece>),
        Null(()),
    }
    fn piece(p: Piece) -> String {
        match p {
            Piece::Text(s) => s,
            Piece::Int(n) => n.to_string(),
            Piece::Float(x) => x.to_string(),
            Piece::Bool(b) => b.to_string(),
        }
    }
    Ok(match Lenient::deserialize(d)? {
        Lenient::One(p) => piece(p),
        Lenient::Many(v) => v.into_iter().map(piece).collect::<Vec<_>>().join(", "),
        Lenient::Null(()) => String::new(),
    })
}

/// The path of the page where the person declares their health without an account.
pub fn checkin_link(token: &str) -> String {
    format!("/khai-bao/{token}")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Order {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    /// The commune the person is followed in.
    pub area_id: String,
    pub area_name: String,
    /// `f1`, `returnee`, `entrant` or `suspect`.
    pub subject: String,
    pub subject_label: String,
    /// `centralized`, `hotel`, `home`, `self_monitoring` or `none`.
    pub kind: String,
    pub kind_label: String,
    /// Day 1.
    pub starts_on: NaiveDate,
    /// The last day of quarantine (inclusive); none for self-monitoring.
    pub ends_on: Option<NaiveDate>,
    /// The first day free of quarantine (monitoring day 1).
    pub released_on: NaiveDate,
    /// The first day at home after a centralized part.
    pub home_from: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    /// The last day the person is followed.
    pub until_on: NaiveDate,
    /// Every test day, quarantine and monitoring.
    pub tests: Vec<NaiveDate>,
    pub sign_at_door: bool,
    pub daily_declaration: bool,
    pub doses: i32,
    pub last_dose: Option<NaiveDate>,
    pub recovered_on: Option<NaiveDate>,
    /// The rule set in force on the start date, and the rule applied (empty under a local
    /// decision).
    pub rule_set: String,
    pub rule: String,
    pub source: String,
    /// `verified`, `summary` or `unverified`.
    pub mark: String,
    pub explanation: String,
    /// What the rules computed, whatever the override (the shape of `OrderPlan`).
    #[schema(value_type = Object)]
    pub computed: serde_json::Value,
    pub overridden: bool,
    pub override_reason: String,
    pub address: String,
    pub household: String,
    pub sign_posted_on: Option<NaiveDate>,
    pub facility_id: Option<i64>,
    pub returnee_id: Option<i64>,
    /// `open`, `closed` or `case`.
    pub status: String,
    pub closed_on: Option<NaiveDate>,
    pub closed_reason: String,
    pub case_id: Option<i64>,
    /// The page where the person declares their health each day, without an account
    /// (`/khai-bao/{token}`): give it to the person (or print its QR code).
    pub checkin_link: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<OrderRow> for Order {
    fn from(r: OrderRow) -> Self {
        let tests = r.test_dates();
        Self {
            subject_label: r.subject().label().to_owned(),
            kind_label: r.kind().label().to_owned(),
            checkin_link: checkin_link(&r.token),
            computed: serde_json::from_str(&r.computed).unwrap_or(serde_json::Value::Null),
            id: r.id,
            person_id: r.person_id,
            full_name: r.full_name,
            phone: r.phone,
            area_id: r.area_id,
            area_name: r.area_name,
            subject: r.subject,
            kind: r.kind,
            starts_on: r.starts_on,
            ends_on: r.ends_on,
            released_on: r.released_on,
            home_from: r.home_from,
            monitoring_until: r.monitoring_until,
            until_on: r.until_on,
            tests,
            sign_at_door: r.sign_at_door,
            daily_declaration: r.daily_declaration,
            doses: r.doses,
            last_dose: r.last_dose,
            recovered_on: r.recovered_on,
            rule_set: r.rule_set,
            rule: r.rule,
            source: r.source,
            mark: r.mark,
            explanation: r.explanation,
            overridden: r.overridden,
            override_reason: r.override_reason,
            address: r.address,
            household: r.household,
            sign_posted_on: r.sign_posted_on,
            facility_id: r.facility_id,
            returnee_id: r.returnee_id,
            status: r.status,
            closed_on: r.closed_on,
            closed_reason: r.closed_reason,
            case_id: r.case_id,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checkin {
    pub id: i64,
    pub order_id: i64,
    pub on_date: NaiveDate,
    pub temperature: Option<f64>,
    pub symptoms: String,
    /// `worker` (entered by the health worker) or `self` (through the link).
    pub by_kind: String,
    pub note: String,
    /// Fever (≥ 37.5 °C) or a symptom: consider opening a suspect case.
    pub warning: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<CheckinRow> for Checkin {
    fn from(r: CheckinRow) -> Self {
        let warning = CheckinInput {
            on_date: r.on_date,
            temperature: r.temperature,
            symptoms: r.symptoms.clone(),
            note: String::new(),
        }
        .is_warning();
        Self {
            id: r.id,
            order_id: r.order_id,
            on_date: r.on_date,
            temperature: r.temperature,
            symptoms: r.symptoms,
            by_kind: r.by_kind,
            note: r.note,
            warning,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Violation {
    pub id: i64,
    pub order_id: i64,
    pub on_date: NaiveDate,
    /// `left_place`, `refused_test`, `visitors` or `other`.
    pub kind: String,
    pub description: String,
    pub decision: String,
    /// In đồng.
    pub fine: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<ViolationRow> for Violation {
    fn from(r: ViolationRow) -> Self {
        Self {
            id: r.id,
            order_id: r.order_id,
            on_date: r.on_date,
            kind: r.kind,
            description: r.description,
            decision: r.decision,
            fine: r.fine,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Presence {
    pub facility_id: i64,
    pub facility_name: String,
    pub room: String,
}

/// An order with its check-ins (newest first), violations and where the person is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderDetail {
    #[serde(flatten)]
    pub order: Order,
    /// `not_started`, `quarantine`, `monitoring` or `over` today.
    pub phase: String,
    pub checkins: Vec<Checkin>,
    pub violations: Vec<Violation>,
    /// The facility and room the person is in now.
    pub present_in: Option<Presence>,
}

fn phase_key(p: Phase) -> &'static str {
    match p {
        Phase::NotStarted => "not_started",
        Phase::Quarantine => "quarantine",
        Phase::Monitoring => "monitoring",
        Phase::Over => "over",
    }
}

impl OrderDetail {
    fn new(v: OrderView, today: NaiveDate) -> Self {
        let last = v.checkins.iter().map(|c| c.on_date).max();
        let phase = v.order.follow_up(last, v.present_in.is_some()).phase(today);
        Self {
            phase: phase_key(phase).to_owned(),
            order: v.order.into(),
            checkins: v.checkins.into_iter().map(Checkin::from).collect(),
            violations: v.violations.into_iter().map(Violation::from).collect(),
            present_in: v.present_in.map(|(id, name, room)| Presence {
                facility_id: id,
                facility_name: name,
                room,
            }),
        }
    }
}

/// An order as typed. Strings (numbers accepted for `doses`); dates `dd/mm/yyyy` or
/// `yyyy-mm-dd`. The `override_*` fields apply only when `override_kind` is given, and then
/// need a reason (recorded in the audit log).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewOrder {
    /// `f1`, `returnee`, `entrant` or `suspect`.
    pub subject: String,
    /// Day 1 (the last exposure or the arrival).
    pub start: String,
    /// Doses of COVID-19 vaccine received (0–5).
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub doses: String,
    pub last_dose: String,
    pub recovered_on: String,
    /// An alternative the rule set offers (empty: the default rule).
    pub rule: String,
    /// `centralized`, `hotel`, `home`, `self_monitoring` or `none`.
    pub override_kind: String,
    pub override_ends_on: String,
    pub override_monitoring_until: String,
    /// Test days, separated by commas or spaces (or a list).
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub override_tests: String,
    pub override_reason: String,
    /// Where a home quarantine is kept (required for `home`).
    pub address: String,
    /// Who lives there.
    pub household: String,
    /// The day the sign was put at the door.
    pub sign_posted_on: String,
}

impl NewOrder {
    fn draft(self) -> OrderDraft {
        OrderDraft {
            subject: self.subject,
            start: self.start,
            doses: self.doses,
            last_dose: self.last_dose,
            recovered_on: self.recovered_on,
            rule: self.rule,
            override_kind: self.override_kind,
            override_ends_on: self.override_ends_on,
            override_monitoring_until: self.override_monitoring_until,
            override_tests: self.override_tests,
            override_reason: self.override_reason,
            address: self.address,
            household: self.household,
            sign_posted_on: self.sign_posted_on,
        }
    }
}

/// A person's quarantine orders, newest first (reading the person is audited).
#[utoipa::path(get, path = "/api/v1/persons/{id}/quarantine-orders", tag = "quarantine",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Order>), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn person_orders(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Order>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    // 404 for a person outside the scope, and the read is in the audit log.
    s.store.person(&scope, &u.who(), id).await?;
    Ok(Json(
        s.store
            .orders_of_person(&scope, id)
            .await?
            .into_iter()
            .map(Order::from)
            .collect(),
    ))
}

/// Issue a quarantine order for a person: the terms come from the rule set in force on `start`
/// and the person's vaccination and recovery, unless overridden (`override_kind` with its
/// dates and a reason, audited). Refused on `start` while the person has another open order,
/// on `override_ends_on` when the override ends before the start; nothing is written then.
#[utoipa::path(post, path = "/api/v1/persons/{id}/quarantine-orders", tag = "quarantine",
    params(("id" = i64, Path)), request_body = NewOrder,
    responses((status = 201, body = Order), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create_order(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewOrder>,
) -> Result<(StatusCode, Json<Order>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let input = b.draft().parse(s.clock.today())?;
    let scope = u.scope(Permission::ManageQuarantine);
    let order_id = s.store.create_order(&scope, &u.who(), id, &input).await?;
    let row = s.store.order_row(&scope, order_id).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One order with its check-ins, violations and the self check-in link (the read is audited).
#[utoipa::path(get, path = "/api/v1/quarantine/orders/{id}", tag = "quarantine",
    params(("id" = i64, Path)),
    responses((status = 200, body = OrderDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_order(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<OrderDetail>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let v = s
        .store
        .order(&u.scope(Permission::ViewPersons), &u.who(), id)
        .await?;
    Ok(Json(OrderDetail::new(v, s.clock.today())))
}

/// A daily check-in (temperature, symptoms). Strings; `temperature` may be a number.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewCheckin {
    /// Default: today.
    pub on_date: String,
    /// `37.2` or `37,2` (°C); empty when not measured.
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub temperature: String,
    /// Symptoms, comma separated (`sot`, `ho`, `kho_tho`, … or words); empty: none.
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub symptoms: String,
    pub note: String,
}

impl NewCheckin {
    fn parse(self, today: NaiveDate) -> Result<CheckinInput, Invalid> {
        CheckinDraft {
            on_date: self.on_date,
            temperature: self.temperature,
            symptoms: self.symptoms,
            note: self.note,
        }
        .parse(today)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckinCreated {
    pub id: i64,
    pub order_id: i64,
    pub on_date: NaiveDate,
    pub temperature: Option<f64>,
    pub symptoms: String,
    pub note: String,
    /// Fever or a symptom: the health worker should consider a suspect case.
    pub warning: bool,
}

fn checkin_created(id: i64, order_id: i64, c: CheckinInput) -> CheckinCreated {
    CheckinCreated {
        warning: c.is_warning(),
        id,
        order_id,
        on_date: c.on_date,
        temperature: c.temperature,
        symptoms: c.symptoms,
        note: c.note,
    }
}

/// Record a check-in by the health worker. Refused on `on_date` when the order is not
/// followed that day (before its start, after its end, closed) or the day is in the future.
#[utoipa::path(post, path = "/api/v1/quarantine/orders/{id}/checkins", tag = "quarantine",
    params(("id" = i64, Path)), request_body = NewCheckin,
    responses((status = 201, body = CheckinCreated), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_checkin(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewCheckin>,
) -> Result<(StatusCode, Json<CheckinCreated>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let input = b.parse(s.clock.today())?;
    let cid = s
        .store
        .add_checkin(&u.scope(Permission::ManageQuarantine), &u.who(), id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(checkin_created(cid, id, input))))
}

/// A violation as typed; `fine` in đồng (digits, dots and spaces allowed, or a number).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewViolation {
    pub on_date: String,
    /// `left_place`, `refused_test`, `visitors` or `other`.
    pub kind: String,
    pub description: String,
    /// The decision taken (a fine's number, a move to centralized quarantine).
    pub decision: String,
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub fine: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationCreated {
    pub id: i64,
    pub order_id: i64,
    pub on_date: NaiveDate,
    pub kind: String,
    pub description: String,
    pub decision: String,
    pub fine: Option<i64>,
}

/// Record a violation (leaving the place, refusing a test, visitors …) with the decision and
/// the fine. Refused on `on_date` before the order's start or in the future.
#[utoipa::path(post, path = "/api/v1/quarantine/orders/{id}/violations", tag = "quarantine",
    params(("id" = i64, Path)), request_body = NewViolation,
    responses((status = 201, body = ViolationCreated), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_violation(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewViolation>,
) -> Result<(StatusCode, Json<ViolationCreated>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let input: ViolationInput = ViolationDraft {
        on_date: b.on_date,
        kind: b.kind,
        description: b.description,
        decision: b.decision,
        fine: b.fine,
    }
    .parse(s.clock.today())?;
    let vid = s
        .store
        .add_violation(&u.scope(Permission::ManageQuarantine), &u.who(), id, &input)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ViolationCreated {
            id: vid,
            order_id: id,
            on_date: input.on_date,
            kind: input.kind.as_str().to_owned(),
            description: input.description,
            decision: input.decision,
            fine: input.fine,
        }),
    ))
}

/// A day of a body, not in the future; today when empty.
fn past_day(field: &str, s: &str, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    Ok(parse_past_date(field, s, today)?.unwrap_or(today))
}

/// Renames the field of a store's refusal to the body's name for it.
fn rename_field(e: StoreError, from: &str, to: &str) -> ApiError {
    match e {
        StoreError::Invalid(mut i) => {
            for f in &mut i.0 {
                if f.field == from {
                    f.field = to.to_owned();
                }
            }
            i.into()
        }
        other => other.into(),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CloseBody {
    /// Default: today; not before the start, not in the future.
    pub closed_on: String,
    /// Why the order ends before its term (released by decision, moved away …).
    pub reason: String,
}

/// End an order before its term. 409 when it has already ended.
#[utoipa::path(post, path = "/api/v1/quarantine/orders/{id}/close", tag = "quarantine",
    params(("id" = i64, Path)), request_body = CloseBody,
    responses((status = 200, body = Order), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn close(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CloseBody>,
) -> Result<Json<Order>, ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let on = past_day("closed_on", &b.closed_on, s.clock.today())?;
    let scope = u.scope(Permission::ManageQuarantine);
    s.store
        .close_order(&scope, &u.who(), id, on, &b.reason)
        .await
        .map_err(|e| rename_field(e, "closed_reason", "reason"))?;
    Ok(Json(s.store.order_row(&scope, id).await?.into()))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CaseBody {
    /// The day of the positive test or the symptoms; default today.
    pub on_date: String,
    /// What was found (test result, symptoms).
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOpened {
    pub case_id: i64,
    pub order_id: i64,
    /// The people present in the same room, now contacts of the person.
    pub contacts: Vec<i64>,
}

/// A positive test or symptoms during quarantine, in one transaction: a suspected case opens
/// for the person (found in quarantine), the order ends with status `case`, the person leaves
/// the facility and everyone in the same room becomes a contact. Needs `manage_quarantine` and
/// `edit_surveillance`.
#[utoipa::path(post, path = "/api/v1/quarantine/orders/{id}/case", tag = "quarantine",
    params(("id" = i64, Path)), request_body = CaseBody,
    responses((status = 201, body = CaseOpened), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn to_case(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CaseBody>,
) -> Result<(StatusCode, Json<CaseOpened>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    require(&u, Permission::EditSurveillance)?;
    let on = past_day("on_date", &b.on_date, s.clock.today())?;
    // The order must lie where the user manages quarantine, the case where they register cases.
    s.store
        .order_row(&u.scope(Permission::ManageQuarantine), id)
        .await?;
    let (case_id, contacts) = s
        .store
        .order_to_case(
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            id,
            on,
            &b.reason,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CaseOpened {
            case_id,
            order_id: id,
            contacts,
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkQuery {
    /// A commune (its list), or any unit (everything under it).
    pub area: Option<String>,
    /// A facility (the people in it and those sent to it).
    pub facility: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DutyOut {
    /// `call`, `test`, `ends`, `monitoring_ends`, `missed` or `move`.
    pub duty: String,
    pub label: String,
    /// For `missed`: whole days without a check-in.
    pub days: Option<i64>,
    /// For `move`: why.
    pub reason: Option<String>,
}

impl From<&Duty> for DutyOut {
    fn from(d: &Duty) -> Self {
        Self {
            duty: d.key().to_owned(),
            label: d.label(),
            days: match d {
                Duty::Missed { days } => Some(*days),
                _ => None,
            },
            reason: match d {
                Duty::Move { reason } => Some(reason.clone()),
                _ => None,
            },
        }
    }
}

/// One person followed today.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkLineOut {
    pub order_id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub area_id: String,
    pub area_name: String,
    pub subject: String,
    pub kind: String,
    pub address: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    pub until_on: NaiveDate,
    /// `quarantine` or `monitoring`.
    pub phase: String,
    pub last_checkin: Option<NaiveDate>,
    pub in_facility: bool,
    /// What to do today (none: just followed).
    pub duties: Vec<DutyOut>,
}

impl From<WorkLine> for WorkLineOut {
    fn from(l: WorkLine) -> Self {
        Self {
            duties: l.duties.iter().map(DutyOut::from).collect(),
            phase: phase_key(l.phase).to_owned(),
            order_id: l.order.id,
            person_id: l.order.person_id,
            full_name: l.order.full_name,
            phone: l.order.phone,
            area_id: l.order.area_id,
            area_name: l.order.area_name,
            subject: l.order.subject,
            kind: l.order.kind,
            address: l.order.address,
            starts_on: l.order.starts_on,
            ends_on: l.order.ends_on,
            monitoring_until: l.order.monitoring_until,
            until_on: l.order.until_on,
            last_checkin: l.last_checkin,
            in_facility: l.in_facility,
        }
    }
}

/// How many people carry each duty today.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct DutyCounts {
    pub call: usize,
    pub test: usize,
    pub ends: usize,
    pub monitoring_ends: usize,
    pub missed: usize,
    #[serde(rename = "move")]
    pub move_: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkListOut {
    /// Today, by the application's clock.
    pub on: NaiveDate,
    pub area_id: Option<String>,
    pub facility_id: Option<i64>,
    /// People followed today.
    pub total: usize,
    /// People with at least one duty.
    pub with_duties: usize,
    pub counts: DutyCounts,
    /// Those with duties first, then everyone else, by commune and name.
    pub lines: Vec<WorkLineOut>,
}

/// The day's work list of a commune (`?area=`) or a facility (`?facility=`): every person
/// followed today with what to do — call (no check-in today), test, release, end of
/// monitoring, days missed, moves — and the count of each. Today is the application's date.
/// The read is audited.
#[utoipa::path(get, path = "/api/v1/quarantine/work", tag = "quarantine", params(WorkQuery),
    responses((status = 200, body = WorkListOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn work(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<WorkQuery>,
) -> Result<Json<WorkListOut>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let area = q.area.as_deref().map(str::trim).filter(|a| !a.is_empty());
    let place = match (area, q.facility) {
        (Some(a), None) => WorkPlace::Area(
            AreaId::parse(a)
                .map_err(|_| Invalid::field("area", format!("mã địa bàn \"{a}\" không hợp lệ")))?,
        ),
        (None, Some(f)) => WorkPlace::Facility(f),
        _ => {
            return Err(Invalid::field(
                "area",
                "chọn một địa bàn (area) hoặc một cơ sở cách ly (facility)",
            )
            .into());
        }
    };
    let today = s.clock.today();
    let list = s
        .store
        .work_list(&u.scope(Permission::ViewPersons), &u.who(), &place, today)
        .await
        .map_err(|e| rename_field(e, "area_id", "area"))?;
    let count = |k: &str| {
        list.counts
            .iter()
            .find(|(key, _)| key == k)
            .map_or(0, |(_, n)| *n)
    };
    let counts = DutyCounts {
        call: count("call"),
        test: count("test"),
        ends: count("ends"),
        monitoring_ends: count("monitoring_ends"),
        missed: count("missed"),
        move_: count("move"),
    };
    let (area_id, facility_id) = match &place {
        WorkPlace::Area(a) => (Some(a.as_str().to_owned()), None),
        WorkPlace::Facility(f) => (None, Some(*f)),
    };
    Ok(Json(WorkListOut {
        on: list.on,
        area_id,
        facility_id,
        total: list.lines.len(),
        with_duties: list.lines.iter().filter(|l| !l.duties.is_empty()).count(),
        counts,
        lines: list.lines.into_iter().map(WorkLineOut::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowedQuery {
    /// The unit whose children are counted.
    pub area: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Followed {
    pub area_id: String,
    pub area_name: String,
    /// In centralized or hotel quarantine today.
    pub quarantined: i64,
    /// In home quarantine today.
    pub at_home: i64,
    /// Monitored after release (or self-monitoring).
    pub monitored: i64,
}

impl From<AreaFollowed> for Followed {
    fn from(a: AreaFollowed) -> Self {
        Self {
            area_id: a.area_id,
            area_name: a.area_name,
            quarantined: a.quarantined,
            at_home: a.at_home,
            monitored: a.monitored,
        }
    }
}

/// People followed today under each child unit of `area` (units without anyone are left out).
#[utoipa::path(get, path = "/api/v1/quarantine/followed", tag = "quarantine",
    params(FollowedQuery),
    responses((status = 200, body = Vec<Followed>), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn followed(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<FollowedQuery>,
) -> Result<Json<Vec<Followed>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let area = AreaId::parse(q.area.trim())
        .map_err(|_| Invalid::field("area", format!("mã địa bàn \"{}\" không hợp lệ", q.area)))?;
    Ok(Json(
        s.store
            .followed_by_area(&u.scope(Permission::ViewPersons), &area, s.clock.today())
            .await
            .map_err(|e| rename_field(e, "area_id", "area"))?
            .into_iter()
            .map(Followed::from)
            .collect(),
    ))
}

/// What the self check-in link shows without an account: no name beyond an initial.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOrder {
    /// The initial of the person's given name: "A.".
    pub initial: String,
    pub kind: String,
    pub kind_label: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    pub until_on: NaiveDate,
    /// Whether a declaration is taken today (the order is open and followed today).
    pub open: bool,
    pub checked_in_today: bool,
}

fn initial(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .last()
        .and_then(|g| g.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .unwrap_or_default()
}

/// The order behind a self check-in link (no login). A wrong token is 404.
#[utoipa::path(get, path = "/api/v1/public/checkin/{token}", tag = "public",
    params(("token" = String, Path)),
    responses((status = 200, body = PublicOrder), (status = 404, body = ErrorBody)))]
pub async fn public_order(
    State(s): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<PublicOrder>, ApiError> {
    let o = s.store.order_by_token(&token).await?;
    let today = s.clock.today();
    let checked_in_today = s.store.checked_in_on(o.id, today).await?;
    Ok(Json(PublicOrder {
        initial: initial(&o.full_name),
        kind_label: o.kind().label().to_owned(),
        open: o.is_open() && o.starts_on <= today && today <= o.until_on,
        checked_in_today,
        kind: o.kind,
        starts_on: o.starts_on,
        ends_on: o.ends_on,
        monitoring_until: o.monitoring_until,
        until_on: o.until_on,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicReceipt {
    pub on_date: NaiveDate,
    pub message: String,
    /// Fever or a symptom: the commune health station will call.
    pub warning: bool,
}

/// The person's daily declaration through the order's link (no login). The same declaration
/// sent twice on one day is kept once. Refused on `on_date` outside the order; a wrong token
/// is 404.
#[utoipa::path(post, path = "/api/v1/public/checkin/{token}", tag = "public",
    params(("token" = String, Path)), request_body = NewCheckin,
    responses((status = 201, body = PublicReceipt), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn public_checkin(
    State(s): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(b): ApiJson<NewCheckin>,
) -> Result<(StatusCode, Json<PublicReceipt>), ApiError> {
    // A wrong link is 404 before the body is judged.
    s.store.order_by_token(&token).await?;
    let input = b.parse(s.clock.today())?;
    s.store.self_checkin(&token, &input).await?;
    let warning = input.is_warning();
    Ok((
        StatusCode::CREATED,
        Json(PublicReceipt {
            on_date: input.on_date,
            message: if warning {
                "Đã nhận khai báo. Bạn có dấu hiệu bất thường: Trạm Y tế sẽ liên hệ; hãy ở yên \
                 nơi cách ly và gọi ngay nếu khó thở."
                    .into()
            } else {
                "Đã nhận khai báo. Cảm ơn bạn.".into()
            },
            warning,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetOut {
    pub id: String,
    pub name: String,
    pub source: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// The version orders starting today are issued under.
    pub in_force_today: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// The whole set (the shape of `data/quarantine-rules/*.json`).
    #[schema(value_type = Object)]
    pub set: serde_json::Value,
}

fn rule_set_out(r: StoredRuleSet, today_id: Option<&str>) -> RuleSetOut {
    RuleSetOut {
        in_force_today: today_id == Some(r.set.id.as_str()),
        id: r.set.id.clone(),
        name: r.set.name.clone(),
        source: r.set.source.clone(),
        valid_from: r.set.valid_from,
        valid_to: r.set.valid_to,
        created_at: r.created_at,
        created_by: r.created_by,
        set: serde_json::to_value(&r.set).unwrap_or(serde_json::Value::Null),
    }
}

/// Every quarantine rule-set version (oldest first), with the one in force today marked.
#[utoipa::path(get, path = "/api/v1/quarantine/rule-sets", tag = "quarantine",
    responses((status = 200, body = Vec<RuleSetOut>)),
    security(("token" = []), ("session" = [])))]
pub async fn rule_sets(
    State(s): State<AppState>,
    ApiUser(_u): ApiUser,
) -> Result<Json<Vec<RuleSetOut>>, ApiError> {
    let stored = s.store.quarantine_rule_sets().await?;
    let sets: Vec<QuarantineRuleSet> = stored.iter().map(|r| r.set.clone()).collect();
    let today_id = in_force(&sets, s.clock.today()).map(|s| s.id.clone());
    Ok(Json(
        stored
            .into_iter()
            .map(|r| rule_set_out(r, today_id.as_deref()))
            .collect(),
    ))
}

/// Add a rule-set version (administrators): a whole set as JSON, checked field by field (an
/// error names its path, e.g. `rules[0].days`). A version is never edited: an id already
/// used is refused on `id`. The new version applies to orders starting within its dates
/// (the latest `valid_from` among the sets in force wins).
#[utoipa::path(post, path = "/api/v1/quarantine/rule-sets", tag = "quarantine",
    request_body(content = String, description = "a rule set (the shape of data/quarantine-rules/*.json)", content_type = "application/json"),
    responses((status = 201, body = RuleSetOut), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_rule_set(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    body: String,
) -> Result<(StatusCode, Json<RuleSetOut>), ApiError> {
    require(&u, Permission::ManageRules)?;
    let set = QuarantineRuleSet::from_json(&body)?;
    s.store.add_quarantine_rule_set(&u.who(), &set).await?;
    let stored = s.store.quarantine_rule_sets().await?;
    let sets: Vec<QuarantineRuleSet> = stored.iter().map(|r| r.set.clone()).collect();
    let today_id = in_force(&sets, s.clock.today()).map(|s| s.id.clone());
    let row = stored
        .into_iter()
        .find(|r| r.set.id == set.id)
        .ok_or_else(|| ApiError::internal("bộ quy tắc vừa lưu không đọc lại được"))?;
    Ok((
        StatusCode::CREATED,
        Json(rule_set_out(row, today_id.as_deref())),
    ))
}
