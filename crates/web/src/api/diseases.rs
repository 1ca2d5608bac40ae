//! `/api/v1/diseases…`: diseases and their versioned rule sets (administrators edit).

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::disease::{RuleSet, RuleSetDraft};
use chongdich_store::diseases::{DiseaseRow, DiseaseRules};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Disease {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub icd10: Option<String>,
}

impl From<DiseaseRow> for Disease {
    fn from(r: DiseaseRow) -> Self {
        Self {
            id: r.id,
            code: r.code,
            name: r.name,
            icd10: r.icd10,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rules {
    pub version: i32,
    pub name: String,
    /// The document the rules come from.
    pub source: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub max_f_level: u8,
    pub infectious_days_before_onset: u32,
    pub contact_window_days: u32,
    pub f0_classifications: Vec<String>,
    pub confirming_tests: Vec<String>,
    /// Parameters not verified in a faithful source.
    pub unverified: Vec<String>,
    pub notes: String,
    /// In force today (by the server's clock).
    pub in_force: bool,
}

fn rules(r: &RuleSet, today: NaiveDate) -> Rules {
    let p = &r.params;
    Rules {
        version: r.version,
        name: r.name.clone(),
        source: r.source.clone(),
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        max_f_level: p.max_f_level,
        infectious_days_before_onset: p.infectious_days_before_onset,
        contact_window_days: p.contact_window_days,
        f0_classifications: p
            .f0_classifications
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        confirming_tests: p
            .confirming_tests
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        unverified: p.unverified.clone(),
        notes: p.notes.clone(),
        in_force: r.in_force_on(today),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiseaseDetail {
    #[serde(flatten)]
    pub disease: Disease,
    pub rule_sets: Vec<Rules>,
}

fn detail(d: DiseaseRules, today: NaiveDate) -> DiseaseDetail {
    let current = d.in_force(today).map(|r| r.version);
    DiseaseDetail {
        rule_sets: d
            .rule_sets
            .iter()
            .map(|r| Rules {
                in_force: Some(r.version) == current,
                ..rules(r, today)
            })
            .collect(),
        disease: d.disease.into(),
    }
}

/// Every disease.
#[utoipa::path(get, path = "/api/v1/diseases", tag = "diseases",
    responses((status = 200, body = Vec<Disease>)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(_u): ApiUser,
) -> Result<Json<Vec<Disease>>, ApiError> {
    Ok(Json(
        s.store
            .diseases()
            .await?
            .into_iter()
            .map(Disease::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDisease {
    /// Lowercase code, e.g. `dengue`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub icd10: String,
}

/// Add a disease (administrators). It has no rules until a rule set is added.
#[utoipa::path(post, path = "/api/v1/diseases", tag = "diseases", request_body = NewDisease,
    responses((status = 201, body = DiseaseDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewDisease>,
) -> Result<(StatusCode, Json<DiseaseDetail>), ApiError> {
    require(&u, Permission::ManageRules)?;
    let d = s
        .store
        .create_disease(&u.who(), &b.code, &b.name, &b.icd10)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(s.store.disease(d.id).await?, s.clock.today())),
    ))
}

/// A disease with every version of its rules.
#[utoipa::path(get, path = "/api/v1/diseases/{code}", tag = "diseases", params(("code" = String, Path)),
    responses((status = 200, body = DiseaseDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(_u): ApiUser,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<DiseaseDetail>, ApiError> {
    Ok(Json(detail(
        s.store.disease_by_code(&code).await?,
        s.clock.today(),
    )))
}

/// Add a new version of a disease's rules (earlier versions are never edited). Lists are
/// comma-separated strings, e.g. `"confirming_tests": "rt_pcr,antigen"`.
#[utoipa::path(post, path = "/api/v1/diseases/{code}/rule-sets", tag = "diseases", params(("code" = String, Path)),
    request_body = RuleSetDraftSchema,
    responses((status = 201, body = DiseaseDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_rule_set(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<RuleSetDraft>,
) -> Result<(StatusCode, Json<DiseaseDetail>), ApiError> {
    require(&u, Permission::ManageRules)?;
    let d = s.store.disease_by_code(&code).await?;
    let d = s.store.add_rule_set(&u.who(), d.disease.id, &b).await?;
    Ok((StatusCode::CREATED, Json(detail(d, s.clock.today()))))
}

/// The fields of a new rule set (all strings, as typed).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct RuleSetDraftSchema {
    pub name: String,
    pub source: String,
    pub valid_from: String,
    pub valid_to: String,
    pub max_f_level: String,
    pub infectious_days_before_onset: String,
    pub contact_window_days: String,
    pub f0_classifications: String,
    pub confirming_tests: String,
    pub unverified: String,
    pub notes: String,
}
