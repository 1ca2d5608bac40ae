//! `/api/v1/returnee-batches…`: people back from an epidemic area, registered by batch (where
//! they came from, how, when, the receiving commune) and then one by one: each person is written
//! with their returnee record and the quarantine order of the rule version in force on the day
//! they arrived, in one transaction. Where that version has no rule for them (returnees under
//! CĐ 600), the batch's local decision (`fallback_*`) applies, or the person is refused on
//! `subject`.
//!
//! Reading needs `view_persons` (a batch names people); writing needs `manage_quarantine`.

use super::persons::PersonDraftSchema;
use super::quarantine::{Order, lenient_text};
use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::quarantine::order::{Fallback, FallbackDraft};
use chongdich_domain::returnee::{BatchDraft, ReturneeDraft};
use chongdich_store::StoreError;
use chongdich_store::returnees::{BatchRow, ReturneeLine};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(list, create))
        .routes(routes!(get_one))
        .routes(routes!(register_returnee))
}

/// The province's decision for people the rules are silent on.
#[derive(Debug, Serialize, ToSchema)]
pub struct FallbackOut {
    /// `centralized`, `hotel`, `home`, `self_monitoring` or `none`.
    pub kind: String,
    pub days: u32,
    pub test_days: Vec<u32>,
    pub monitoring_days: u32,
    /// The decision: number, date, issuer.
    pub basis: String,
}

impl From<Fallback> for FallbackOut {
    fn from(f: Fallback) -> Self {
        Self {
            kind: f.kind.as_str().to_owned(),
            days: f.days,
            test_days: f.test_days,
            monitoring_days: f.monitoring_days,
            basis: f.basis,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Batch {
    pub id: i64,
    /// The receiving commune.
    pub area_id: String,
    pub area_name: String,
    pub origin: String,
    pub origin_area_id: Option<String>,
    pub origin_level: String,
    pub transport: String,
    pub arrived_on: NaiveDate,
    /// `checkpoint`, `excel` or `hotline`.
    pub source: String,
    pub notes: String,
    pub fallback: Option<FallbackOut>,
    /// People registered in the batch.
    pub people: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl From<BatchRow> for Batch {
    fn from(r: BatchRow) -> Self {
        Self {
            fallback: r.fallback().map(FallbackOut::from),
            id: r.id,
            area_id: r.area_id,
            area_name: r.area_name,
            origin: r.origin,
            origin_area_id: r.origin_area_id,
            origin_level: r.origin_level,
            transport: r.transport,
            arrived_on: r.arrived_on,
            source: r.source,
            notes: r.notes,
            people: r.people,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Returnee {
    /// The returnee record.
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub area_id: String,
    pub area_name: String,
    pub subject: Option<String>,
    pub arrived_on: Option<NaiveDate>,
    pub order_id: Option<i64>,
    pub kind: Option<String>,
    pub ends_on: Option<NaiveDate>,
    pub until_on: Option<NaiveDate>,
}

impl From<ReturneeLine> for Returnee {
    fn from(r: ReturneeLine) -> Self {
        Self {
            id: r.id,
            person_id: r.person_id,
            full_name: r.full_name,
            area_id: r.area_id,
            area_name: r.area_name,
            subject: r.subject,
            arrived_on: r.arrived_on,
            order_id: r.order_id,
            kind: r.kind,
            ends_on: r.ends_on,
            until_on: r.until_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchDetail {
    #[serde(flatten)]
    pub batch: Batch,
    /// The people of the batch with their orders, in the order registered.
    pub returnees: Vec<Returnee>,
}

/// A batch as typed, with the local decision for people the rules are silent on (optional:
/// leave `fallback_kind` empty). Strings; numbers accepted for the day counts and a list for
/// `fallback_test_days`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewBatch {
    /// The receiving commune.
    pub area_id: String,
    /// Where they came from, as said ("TP. Bắc Giang").
    pub origin: String,
    pub origin_area_id: String,
    /// The origin's level when they left ("cấp 4", "vùng phong tỏa").
    pub origin_level: String,
    pub transport: String,
    /// `dd/mm/yyyy` or `yyyy-mm-dd`; not in the future.
    pub arrived_on: String,
    /// `checkpoint` (default), `excel` or `hotline`.
    pub source: String,
    pub notes: String,
    /// `centralized`, `hotel`, `home`, `self_monitoring` or `none`; empty: no local decision.
    pub fallback_kind: String,
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub fallback_days: String,
    /// Days of the quarantine with a test ("1, 7, 14" or `[1, 7, 14]`).
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub fallback_test_days: String,
    #[serde(deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub fallback_monitoring_days: String,
    /// The decision: "Thông báo 000/TB-UBND ngày 18/6/2021 của UBND tỉnh Lai Châu".
    pub fallback_basis: String,
}

/// Register a batch received by a commune within your area.
#[utoipa::path(post, path = "/api/v1/returnee-batches", tag = "returnees", request_body = NewBatch,
    responses((status = 201, body = Batch), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewBatch>,
) -> Result<(StatusCode, Json<Batch>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let today = s.clock.today();
    let batch = BatchDraft {
        area_id: b.area_id,
        origin: b.origin,
        origin_area_id: b.origin_area_id,
        origin_level: b.origin_level,
        transport: b.transport,
        arrived_on: b.arrived_on,
        source: b.source,
        notes: b.notes,
    }
    .parse(today);
    let fallback = FallbackDraft {
        fallback_kind: b.fallback_kind,
        fallback_days: b.fallback_days,
        fallback_test_days: b.fallback_test_days,
        fallback_monitoring_days: b.fallback_monitoring_days,
        fallback_basis: b.fallback_basis,
    }
    .parse();
    // Every bad field at once, the batch's and the decision's.
    let (batch, fallback) = match (batch, fallback) {
        (Ok(b), Ok(f)) => (b, f),
        (Err(mut e), Err(f)) => {
            e.0.extend(f.0);
            return Err(e.into());
        }
        (Err(e), _) | (_, Err(e)) => return Err(e.into()),
    };
    let row = s
        .store
        .create_batch(
            &u.scope(Permission::ManageQuarantine),
            &u.who(),
            &batch,
            fallback.as_ref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// At most this many (1–500, default 100).
    pub limit: Option<u64>,
}

/// The latest batches within your area, newest arrival first.
#[utoipa::path(get, path = "/api/v1/returnee-batches", tag = "returnees", params(BatchQuery),
    responses((status = 200, body = Vec<Batch>), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<BatchQuery>,
) -> Result<Json<Vec<Batch>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    Ok(Json(
        s.store
            .batches(&u.scope(Permission::ViewPersons), limit)
            .await?
            .into_iter()
            .map(Batch::from)
            .collect(),
    ))
}

/// One batch with its people and their orders (the read is audited).
#[utoipa::path(get, path = "/api/v1/returnee-batches/{id}", tag = "returnees",
    params(("id" = i64, Path)),
    responses((status = 200, body = BatchDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<BatchDetail>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let v = s
        .store
        .batch(&u.scope(Permission::ViewPersons), &u.who(), id)
        .await?;
    Ok(Json(BatchDetail {
        batch: v.batch.into(),
        returnees: v.people.into_iter().map(Returnee::from).collect(),
    }))
}

/// One person of a batch: the person's fields (their commune defaults to the batch's), who
/// they are and their vaccination. Strings; `doses` may be a number.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReturnee {
    #[serde(flatten)]
    #[schema(inline)]
    pub person: PersonDraftSchema,
    /// `returnee` (default), `f1`, `entrant` or `suspect`.
    #[serde(default)]
    pub subject: String,
    /// Doses of vaccine received (0–5).
    #[serde(default, deserialize_with = "lenient_text")]
    #[schema(value_type = String)]
    pub doses: String,
    #[serde(default)]
    pub last_dose: String,
    #[serde(default)]
    pub recovered_on: String,
    /// Default: the batch's day.
    #[serde(default)]
    pub arrived_on: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub person_id: i64,
    pub returnee_id: i64,
    pub order_id: i64,
    pub order: Order,
}

/// Register one person of the batch (at a checkpoint): the person, their returnee record and
/// their quarantine order from the day they arrived, in one transaction. Refused (nothing
/// written) on `subject` when the rule set in force has no rule for them and the batch carries
/// no local decision, on any bad field of the person, or on `area_id` outside your area.
#[utoipa::path(post, path = "/api/v1/returnee-batches/{id}/returnees", tag = "returnees",
    params(("id" = i64, Path)), request_body = NewReturnee,
    responses((status = 201, body = Registered), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn register_returnee(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<NewReturnee>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    require(&u, Permission::ManageQuarantine)?;
    let scope = u.scope(Permission::ManageQuarantine);
    let batch = s.store.batch_row(&scope, id).await?;
    let input = ReturneeDraft {
        person: b.person.draft(),
        subject: b.subject,
        doses: b.doses,
        last_dose: b.last_dose,
        recovered_on: b.recovered_on,
        arrived_on: b.arrived_on,
    }
    .parse(&batch.input()?, s.clock.today())?;
    let done = s
        .store
        .register_returnee(&scope, &u.who(), id, &input)
        .await?;
    let order = s
        .store
        .order_row(&scope, done.order_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound(_) => ApiError::internal("lệnh vừa lập không đọc lại được"),
            other => other.into(),
        })?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            person_id: done.person_id,
            returnee_id: done.returnee_id,
            order_id: done.order_id,
            order: order.into(),
        }),
    ))
}
