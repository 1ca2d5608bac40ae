//! `/api/v1/risk…`: risk rule sets, assessments, approval and publication, a unit's level with
//! its reasons and measures, and the inputs entered per unit.

use super::require;
use crate::AppState;
use crate::auth::{ApiUser, Authed};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use chongdich_domain::Invalid;
use chongdich_domain::access::{Permission, Scope};
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::risk::{Reason, RiskRuleSet};
use chongdich_domain::vocab::parse_date;
use chongdich_store::risk::{
    AssessmentRow, HistoryRow, MeasuresInForce, Override, Published, ResultRow, RuleSetRow,
    UnitInputs,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetSummary {
    pub id: String,
    pub version: i32,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// Shipped with chongdich (version 1 of a shipped set) or entered by an administrator.
    pub shipped: bool,
    pub created_by: String,
    /// In force today (by the server's clock) among the latest versions.
    pub in_force: bool,
}

fn summary(r: RuleSetRow, today_id: Option<&str>) -> RuleSetSummary {
    RuleSetSummary {
        in_force: today_id == Some(r.id.as_str()),
        id: r.id,
        version: r.version,
        name: r.name,
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        shipped: r.shipped,
        created_by: r.created_by,
    }
}

/// The rule sets (latest version of each).
#[utoipa::path(get, path = "/api/v1/risk/rule-sets", tag = "risk",
    responses((status = 200, body = Vec<RuleSetSummary>)),
    security(("token" = []), ("session" = [])))]
pub async fn rule_sets(
    State(s): State<AppState>,
    ApiUser(_u): ApiUser,
) -> Result<Json<Vec<RuleSetSummary>>, ApiError> {
    let today = s.store.risk_rules_on(s.clock.today()).await?;
    let today_id = today.as_ref().map(|r| r.id.as_str());
    Ok(Json(
        s.store
            .risk_rule_sets()
            .await?
            .into_iter()
            .map(|r| summary(r, today_id))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VersionQuery {
    /// A version; the latest when absent.
    pub version: Option<i32>,
}

/// One rule set, whole: levels, criteria with their sources and verification marks, measures.
#[utoipa::path(get, path = "/api/v1/risk/rule-sets/{id}", tag = "risk",
    params(("id" = String, Path), VersionQuery),
    responses((status = 200, description = "the rule set (the shape of data/risk-rules/*.json)"),
        (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn rule_set(
    State(s): State<AppState>,
    ApiUser(_u): ApiUser,
    ApiPath(id): ApiPath<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Json<RiskRuleSet>, ApiError> {
    Ok(Json(s.store.risk_rule_set(&id, q.version).await?.1))
}

/// Save a rule set (administrators): an existing id gets its next version (earlier versions stay
/// as they were); a new id is a new set — how a province enters its own response plan.
#[utoipa::path(post, path = "/api/v1/risk/rule-sets", tag = "risk",
    request_body(content = String, description = "a rule set (the shape of data/risk-rules/*.json)", content_type = "application/json"),
    responses((status = 201, body = RuleSetSummary), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn save_rule_set(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    body: String,
) -> Result<(StatusCode, Json<RuleSetSummary>), ApiError> {
    require(&u, Permission::ManageRules)?;
    let set = RiskRuleSet::from_json(&body)?;
    let row = s.store.save_risk_rule_set(&u.who(), &set).await?;
    Ok((StatusCode::CREATED, Json(summary(row, None))))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub rule_set_id: String,
    pub rule_version: i32,
    pub as_of: NaiveDate,
    /// `proposed`, `approved` or `superseded`.
    pub status: String,
    pub computed_at: DateTime<Utc>,
    pub computed_by: String,
    pub unit_count: i32,
    /// Units whose level differs from the one in force when computed.
    pub changed_count: i32,
    pub decision_no: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    /// When the approved levels take effect.
    pub effective_at: Option<DateTime<Utc>>,
}

impl From<AssessmentRow> for AssessmentOut {
    fn from(r: AssessmentRow) -> Self {
        Self {
            id: r.id,
            area_id: r.area_id,
            area_name: r.area_name,
            rule_set_id: r.rule_set_id,
            rule_version: r.rule_version,
            as_of: r.as_of,
            status: r.status,
            computed_at: r.computed_at,
            computed_by: r.computed_by,
            unit_count: r.unit_count,
            changed_count: r.changed_count,
            decision_no: r.decision_no,
            approved_by: r.approved_by,
            approved_at: r.approved_at,
            effective_at: r.effective_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonOut {
    pub criterion: String,
    /// `fired` or `not_computable`.
    pub outcome: String,
    pub text: String,
    pub source: String,
    /// `verified`, `summary` or `unverified`.
    pub mark: String,
}

fn reasons(rs: Vec<Reason>) -> Vec<ReasonOut> {
    rs.into_iter()
        .map(|r| ReasonOut {
            criterion: r.criterion,
            outcome: match r.outcome {
                chongdich_domain::risk::ReasonOutcome::Fired => "fired",
                chongdich_domain::risk::ReasonOutcome::NotComputable => "not_computable",
            }
            .into(),
            text: r.text,
            source: r.source,
            mark: r.mark.as_str().into(),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitLevelOut {
    pub area_id: String,
    pub area_name: String,
    pub parent_id: Option<String>,
    /// `province`, `district` or `ward`.
    pub unit_level: String,
    /// A level id of the rule set (`nguy_co_cao`, `cap_3` …).
    pub level: String,
    pub colour: String,
    /// What the rules gave, before any override.
    pub computed_level: String,
    /// Why the committee chose another level (empty: not overridden).
    pub override_reason: String,
    /// The level in force when the assessment was computed.
    pub previous_level: Option<String>,
    pub changed: bool,
    pub reasons: Vec<ReasonOut>,
}

impl From<ResultRow> for UnitLevelOut {
    fn from(r: ResultRow) -> Self {
        Self {
            changed: r.changed(),
            reasons: reasons(r.reasons()),
            area_id: r.area_id,
            area_name: r.area_name,
            parent_id: r.parent_id,
            unit_level: r.unit_level,
            level: r.level,
            colour: r.colour,
            computed_level: r.computed_level,
            override_reason: r.override_reason,
            previous_level: r.previous_level,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentDetail {
    #[serde(flatten)]
    pub assessment: AssessmentOut,
    pub units: Vec<UnitLevelOut>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AssessRequest {
    /// The province (or district, or `VN`) whose units are assessed.
    pub area_id: String,
    /// The day assessed: `YYYY-MM-DD` or `dd/mm/yyyy`; today when empty.
    #[serde(default)]
    pub as_of: String,
    /// A rule set id; the one in force on the day when empty.
    #[serde(default)]
    pub rule_set: String,
}

fn scope(u: &Authed, p: Permission) -> Scope {
    u.scope(p)
}

/// Assess every unit under an area: a proposal, with every unit's level and reasons.
#[utoipa::path(post, path = "/api/v1/risk/assessments", tag = "risk", request_body = AssessRequest,
    responses((status = 201, body = AssessmentOut), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn assess(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<AssessRequest>,
) -> Result<(StatusCode, Json<AssessmentOut>), ApiError> {
    require(&u, Permission::AssessRisk)?;
    let area = AreaId::parse(b.area_id.trim())
        .map_err(|_| Invalid::field("area_id", "mã địa bàn không hợp lệ (ví dụ L12, N12, L105)"))?;
    let as_of = parse_date("as_of", &b.as_of)?.unwrap_or_else(|| s.clock.today());
    let a = s
        .store
        .assess_risk(
            &scope(&u, Permission::AssessRisk),
            &u.who(),
            &area,
            as_of,
            Some(b.rule_set.as_str()),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

/// The latest assessments within the caller's areas, newest first.
#[utoipa::path(get, path = "/api/v1/risk/assessments", tag = "risk",
    responses((status = 200, body = Vec<AssessmentOut>)),
    security(("token" = []), ("session" = [])))]
pub async fn assessments(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
) -> Result<Json<Vec<AssessmentOut>>, ApiError> {
    Ok(Json(
        s.store
            .assessments(&scope(&u, Permission::ViewAreas), 100)
            .await?
            .into_iter()
            .map(AssessmentOut::from)
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResultsQuery {
    /// Only the units whose level changed ("what changed since the last decision").
    #[serde(default)]
    pub changed: bool,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// An assessment with its units' levels and reasons (paged: provinces, districts, wards).
#[utoipa::path(get, path = "/api/v1/risk/assessments/{id}", tag = "risk",
    params(("id" = i64, Path), ResultsQuery),
    responses((status = 200, body = AssessmentDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn assessment(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Json<AssessmentDetail>, ApiError> {
    let sc = scope(&u, Permission::ViewAreas);
    let a = s.store.assessment(&sc, id).await?;
    let limit = q.limit.unwrap_or(200).clamp(1, 1000);
    let offset = q.offset.unwrap_or(0);
    let (rows, total) = s
        .store
        .assessment_results(&sc, id, q.changed, limit, offset)
        .await?;
    Ok(Json(AssessmentDetail {
        assessment: a.into(),
        units: rows.into_iter().map(UnitLevelOut::from).collect(),
        total,
        limit,
        offset,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OverrideIn {
    pub area_id: String,
    pub level: String,
    pub reason: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ApproveRequest {
    /// The number of the committee's decision: "125/QĐ-BCĐ".
    pub decision_no: String,
    #[serde(default)]
    pub overrides: Vec<OverrideIn>,
}

/// Approve a proposal and publish it (steering committee). Levels take effect after the rule
/// set's announcement time (48 hours under QĐ 4800 and QĐ 218, at once under QĐ 2686).
#[utoipa::path(post, path = "/api/v1/risk/assessments/{id}/approve", tag = "risk",
    params(("id" = i64, Path)), request_body = ApproveRequest,
    responses((status = 200, body = AssessmentOut), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn approve(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ApproveRequest>,
) -> Result<Json<AssessmentOut>, ApiError> {
    require(&u, Permission::ApproveRisk)?;
    let overrides: Vec<Override> = b
        .overrides
        .into_iter()
        .map(|o| Override {
            area_id: o.area_id.trim().to_owned(),
            level: o.level.trim().to_owned(),
            reason: o.reason,
        })
        .collect();
    let a = s
        .store
        .approve_assessment(
            &scope(&u, Permission::ApproveRisk),
            &u.who(),
            id,
            &b.decision_no,
            &overrides,
        )
        .await?;
    Ok(Json(a.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedOut {
    pub area_id: String,
    pub area_name: String,
    pub parent_id: Option<String>,
    pub unit_level: String,
    pub rule_set_id: String,
    pub level: String,
    pub level_name: String,
    pub colour: String,
    /// Since when the unit has been at this level.
    pub since: DateTime<Utc>,
    pub assessment_id: i64,
    /// A change approved and announced, not yet in force.
    pub next_level: Option<String>,
    pub next_effective_at: Option<DateTime<Utc>>,
}

/// Level names by rule set, for the feeds and pages.
pub struct LevelNames(std::collections::HashMap<(String, String), String>);

impl LevelNames {
    pub async fn load(s: &AppState) -> Result<Self, chongdich_store::StoreError> {
        let mut m = std::collections::HashMap::new();
        for row in s.store.risk_rule_sets().await? {
            let r = row.rules()?;
            for l in r.levels {
                m.insert((r.id.clone(), l.id), l.name);
            }
        }
        Ok(Self(m))
    }

    pub fn name(&self, rule_set: &str, level: &str) -> String {
        self.0
            .get(&(rule_set.to_owned(), level.to_owned()))
            .cloned()
            .unwrap_or_else(|| level.to_owned())
    }
}

pub fn published_out(p: Published, names: &LevelNames) -> PublishedOut {
    PublishedOut {
        level_name: names.name(&p.rule_set_id, &p.level),
        area_id: p.area_id,
        area_name: p.area_name,
        parent_id: p.parent_id,
        unit_level: p.unit_level,
        rule_set_id: p.rule_set_id,
        level: p.level,
        colour: p.colour,
        since: p.since,
        assessment_id: p.assessment_id,
        next_level: p.next_level,
        next_effective_at: p.next_effective_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryOut {
    pub assessment_id: i64,
    pub as_of: NaiveDate,
    pub status: String,
    pub rule_set_id: String,
    pub decision_no: Option<String>,
    pub effective_at: Option<DateTime<Utc>>,
    pub level: String,
    pub colour: String,
    pub computed_level: String,
    pub override_reason: String,
    pub previous_level: Option<String>,
    pub reasons: Vec<ReasonOut>,
}

impl From<HistoryRow> for HistoryOut {
    fn from(h: HistoryRow) -> Self {
        Self {
            reasons: reasons(h.reasons()),
            assessment_id: h.assessment_id,
            as_of: h.as_of,
            status: h.status,
            rule_set_id: h.rule_set_id,
            decision_no: h.decision_no,
            effective_at: h.effective_at,
            level: h.level,
            colour: h.colour,
            computed_level: h.computed_level,
            override_reason: h.override_reason,
            previous_level: h.previous_level,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureOut {
    pub level: String,
    pub category: String,
    pub category_label: String,
    pub text: String,
    /// The document (rule set measures) or the province that added it.
    pub source: String,
    /// `verified`, `summary`, `unverified`, or `added` for a province's own.
    pub mark: String,
    /// The id of an added measure (to remove it).
    pub added_id: Option<i64>,
}

pub fn measures_out(m: MeasuresInForce) -> Vec<MeasureOut> {
    let label = |c: &str| {
        chongdich_domain::risk::MeasureCategory::parse(c)
            .map(|c| c.label().to_owned())
            .unwrap_or_else(|_| c.to_owned())
    };
    let mut out: Vec<MeasureOut> = m
        .from_rules
        .into_iter()
        .map(|x| MeasureOut {
            level: x.level,
            category: x.category.as_str().into(),
            category_label: x.category.label().into(),
            text: x.text,
            source: x.source,
            mark: x.mark.as_str().into(),
            added_id: None,
        })
        .collect();
    out.extend(m.added.into_iter().map(|x| MeasureOut {
        category_label: label(&x.category),
        level: x.level,
        category: x.category,
        text: x.text,
        source: format!("bổ sung của {} ({})", x.area_id, x.created_by),
        mark: "added".into(),
        added_id: Some(x.id),
    }));
    out
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaRisk {
    pub area_id: String,
    /// The level in force now (None: never published).
    pub published: Option<PublishedOut>,
    pub measures: Vec<MeasureOut>,
    pub history: Vec<HistoryOut>,
    #[schema(value_type = Object)]
    pub inputs: UnitInputs,
}

/// A unit's published level, measures in force, history with reasons, and inputs.
#[utoipa::path(get, path = "/api/v1/risk/areas/{id}", tag = "risk", params(("id" = String, Path)),
    responses((status = 200, body = AreaRisk), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn area(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<AreaRisk>, ApiError> {
    let area = AreaId::parse(&id).map_err(|_| ApiError::not_found("địa bàn"))?;
    s.store
        .area(&scope(&u, Permission::ViewAreas), &area)
        .await?;
    let names = LevelNames::load(&s).await?;
    Ok(Json(AreaRisk {
        published: s
            .store
            .published_level(&area)
            .await?
            .map(|p| published_out(p, &names)),
        measures: s
            .store
            .measures_in_force(&area)
            .await?
            .map(measures_out)
            .unwrap_or_default(),
        history: s
            .store
            .risk_history(&area, 60)
            .await?
            .into_iter()
            .map(HistoryOut::from)
            .collect(),
        inputs: s.store.unit_inputs(&area).await?,
        area_id: area.to_string(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CoverageIn {
    /// `YYYY-MM-DD` or `dd/mm/yyyy`; today when empty.
    #[serde(default)]
    pub as_of: String,
    /// Fractions 0–1; absent: unknown.
    pub first_dose_18plus: Option<f64>,
    pub full_dose_65plus: Option<f64>,
    pub full_dose_all: Option<f64>,
    pub source: String,
}

/// Record a unit's vaccination coverage.
#[utoipa::path(post, path = "/api/v1/risk/areas/{id}/coverage", tag = "risk",
    params(("id" = String, Path)), request_body = CoverageIn,
    responses((status = 204), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn set_coverage(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<CoverageIn>,
) -> Result<StatusCode, ApiError> {
    require(&u, Permission::AssessRisk)?;
    let area = AreaId::parse(&id).map_err(|_| ApiError::not_found("địa bàn"))?;
    let as_of = parse_date("as_of", &b.as_of)?.unwrap_or_else(|| s.clock.today());
    s.store
        .set_coverage(
            &scope(&u, Permission::AssessRisk),
            &u.who(),
            &area,
            as_of,
            [b.first_dose_18plus, b.full_dose_65plus, b.full_dose_all],
            &b.source,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CapacityIn {
    #[serde(default)]
    pub as_of: String,
    /// Whether the unit can receive and treat its patients.
    pub met: bool,
    #[serde(default)]
    pub note: String,
}

/// Record a unit's treatment capacity assessment.
#[utoipa::path(post, path = "/api/v1/risk/areas/{id}/capacity", tag = "risk",
    params(("id" = String, Path)), request_body = CapacityIn,
    responses((status = 204), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn set_capacity(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<CapacityIn>,
) -> Result<StatusCode, ApiError> {
    require(&u, Permission::AssessRisk)?;
    let area = AreaId::parse(&id).map_err(|_| ApiError::not_found("địa bàn"))?;
    let as_of = parse_date("as_of", &b.as_of)?.unwrap_or_else(|| s.clock.today());
    s.store
        .set_capacity(
            &scope(&u, Permission::AssessRisk),
            &u.who(),
            &area,
            as_of,
            b.met,
            &b.note,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct FactIn {
    /// A fact kind a rule set looks at: `illegal_entry_risk`, `community_contacts` …
    pub kind: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub note: String,
}

/// Record a fact about a unit (from a date, until a date or open).
#[utoipa::path(post, path = "/api/v1/risk/areas/{id}/facts", tag = "risk",
    params(("id" = String, Path)), request_body = FactIn,
    responses((status = 201), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_fact(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<FactIn>,
) -> Result<StatusCode, ApiError> {
    require(&u, Permission::AssessRisk)?;
    let area = AreaId::parse(&id).map_err(|_| ApiError::not_found("địa bàn"))?;
    let from = parse_date("valid_from", &b.valid_from)?.unwrap_or_else(|| s.clock.today());
    let to = parse_date("valid_to", &b.valid_to)?;
    s.store
        .add_fact(
            &scope(&u, Permission::AssessRisk),
            &u.who(),
            &area,
            &b.kind,
            from,
            to,
            &b.note,
        )
        .await?;
    Ok(StatusCode::CREATED)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndFactIn {
    /// The last day the fact counts: `YYYY-MM-DD` or `dd/mm/yyyy`; today when empty.
    #[serde(default)]
    pub valid_to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FactOut {
    pub id: i64,
    pub area_id: String,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub note: String,
}

/// End a fact recorded for a unit: it no longer counts after that day.
#[utoipa::path(post, path = "/api/v1/risk/facts/{id}/end", tag = "risk",
    params(("id" = i64, Path)), request_body = EndFactIn,
    responses((status = 200, body = FactOut), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn end_fact(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EndFactIn>,
) -> Result<Json<FactOut>, ApiError> {
    require(&u, Permission::AssessRisk)?;
    let to = parse_date("valid_to", &b.valid_to)?.unwrap_or_else(|| s.clock.today());
    let f = s
        .store
        .end_fact(&scope(&u, Permission::AssessRisk), &u.who(), id, to)
        .await?;
    Ok(Json(FactOut {
        id: f.id,
        area_id: f.area_id,
        kind: f.kind,
        valid_from: f.valid_from,
        valid_to: f.valid_to,
        note: f.note,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NeighboursIn {
    /// Pairs of neighbouring units: `[["L03386", "L03389"], …]`.
    #[serde(default)]
    pub pairs: Vec<(String, String)>,
    /// Or a CSV text, one pair per line: `L03386,L03389` (a header line is skipped).
    #[serde(default)]
    pub csv: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeighboursAdded {
    pub added: usize,
}

/// Parses neighbour pairs from a list and a CSV text; an error names the line.
pub fn neighbour_pairs(
    pairs: &[(String, String)],
    csv: &str,
) -> Result<Vec<(AreaId, AreaId)>, Invalid> {
    let mut c = chongdich_domain::error::Collector::new();
    let mut out = Vec::new();
    let mut push = |field: String, a: &str, b: &str| match (
        AreaId::parse(a.trim()),
        AreaId::parse(b.trim()),
    ) {
        (Ok(a), Ok(b)) => out.push((a, b)),
        _ => c.push(field, format!("mã địa bàn không hợp lệ: \"{a}\", \"{b}\"")),
    };
    for (i, (a, b)) in pairs.iter().enumerate() {
        push(format!("pairs[{i}]"), a, b);
    }
    for (i, line) in csv.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || (i == 0 && !t.chars().any(|ch| ch.is_ascii_digit())) {
            continue;
        }
        let mut parts = t.split([',', ';', '\t']);
        match (parts.next(), parts.next()) {
            (Some(a), Some(b)) => push(format!("csv dòng {}", i + 1), a, b),
            _ => push(format!("csv dòng {}", i + 1), t, ""),
        }
    }
    c.finish()?;
    Ok(out)
}

/// Add neighbouring pairs (an importable adjacency list); all or nothing.
#[utoipa::path(post, path = "/api/v1/risk/neighbours", tag = "risk", request_body = NeighboursIn,
    responses((status = 200, body = NeighboursAdded), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_neighbours(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NeighboursIn>,
) -> Result<Json<NeighboursAdded>, ApiError> {
    require(&u, Permission::AssessRisk)?;
    let pairs = neighbour_pairs(&b.pairs, &b.csv)?;
    let source = if b.source.trim().is_empty() {
        format!("nhập bởi {}", u.who().username)
    } else {
        b.source.trim().to_owned()
    };
    let added = s
        .store
        .add_neighbours(
            &scope(&u, Permission::AssessRisk),
            &u.who(),
            &pairs,
            &source,
        )
        .await?;
    Ok(Json(NeighboursAdded { added }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MeasureIn {
    /// The province (or district) adding the measure.
    pub area_id: String,
    pub rule_set: String,
    pub level: String,
    /// `services`, `gatherings`, `weddings_funerals`, `schools`, `markets`, …
    pub category: String,
    pub text: String,
}

/// Add a provincial measure to a level of a rule set (steering committee).
#[utoipa::path(post, path = "/api/v1/risk/measures", tag = "risk", request_body = MeasureIn,
    responses((status = 201, body = MeasureOut), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_measure(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<MeasureIn>,
) -> Result<(StatusCode, Json<MeasureOut>), ApiError> {
    require(&u, Permission::ApproveRisk)?;
    let area = AreaId::parse(b.area_id.trim())
        .map_err(|_| Invalid::field("area_id", "mã địa bàn không hợp lệ"))?;
    let m = s
        .store
        .add_measure(
            &scope(&u, Permission::ApproveRisk),
            &u.who(),
            &area,
            b.rule_set.trim(),
            b.level.trim(),
            &b.category,
            &b.text,
        )
        .await?;
    let mut out = measures_out(MeasuresInForce {
        rule_set_id: m.rule_set_id.clone(),
        rule_set_name: String::new(),
        level: m.level.clone(),
        level_name: String::new(),
        from_rules: Vec::new(),
        added: vec![m],
    });
    Ok((StatusCode::CREATED, Json(out.remove(0))))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ShapesQuery {
    /// `legacy` (before 01/07/2025) or `current`: the structure of the features' `code`
    /// properties (GSO codes are reused across the two); not needed when they carry `area_id`.
    pub structure: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ShapesLoaded {
    /// How many units' boundaries were stored.
    pub loaded: usize,
    pub area_ids: Vec<String>,
}

/// Stores parsed boundaries for a user (`EditAreas`, within its scope): all or nothing, the
/// errors naming the feature at fault.
pub(crate) async fn save_shapes(
    s: &AppState,
    u: &Authed,
    shapes: Vec<crate::geojson::Shape>,
) -> Result<Vec<String>, chongdich_store::StoreError> {
    let (fields, pairs): (Vec<String>, Vec<(AreaId, String)>) = shapes
        .into_iter()
        .map(|sh| (sh.field, (sh.area, sh.geometry)))
        .unzip();
    s.store
        .set_area_shapes(&scope(u, Permission::EditAreas), &u.who(), &pairs)
        .await
        .map_err(|e| crate::geojson::name_features(e, &fields))?;
    Ok(pairs.into_iter().map(|(a, _)| a.to_string()).collect())
}

/// Upload unit boundaries (administrators, within their areas): a GeoJSON FeatureCollection
/// whose features each have a Polygon or MultiPolygon geometry and a property naming the unit —
/// `code` (a GSO code of the structure given by `?structure=`) or `area_id` (`L03386`, `N12`).
/// Coordinates are WGS 84 longitude, latitude. A unit's boundary replaces its earlier one;
/// the public map draws a province's wards by their boundaries. Any error (named by feature:
/// `features[3].properties.code`) and nothing is stored.
#[utoipa::path(post, path = "/api/v1/risk/shapes", tag = "risk", params(ShapesQuery),
    request_body(content = String, content_type = "application/geo+json",
        description = "a GeoJSON FeatureCollection (application/json is accepted too)"),
    responses((status = 200, body = ShapesLoaded), (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn upload_shapes(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<ShapesQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Json<ShapesLoaded>, ApiError> {
    require(&u, Permission::EditAreas)?;
    let json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/geo+json")
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "nội dung phải là GeoJSON (Content-Type: application/geo+json hoặc application/json)",
        ));
    }
    let structure = match q.structure.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(st) => Some(Structure::parse(st)?),
    };
    // Boundaries are large: the upload limit, not the API's.
    let bytes = axum::body::to_bytes(body, s.settings.upload_limit)
        .await
        .map_err(|_| crate::extract::body_error(StatusCode::PAYLOAD_TOO_LARGE))?;
    let value: serde_json::Value = crate::extract::parse_json(&bytes)?;
    let shapes = crate::geojson::parse_value(&value, structure)?;
    drop(value);
    let area_ids = save_shapes(&s, &u, shapes).await?;
    Ok(Json(ShapesLoaded {
        loaded: area_ids.len(),
        area_ids,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InputsImportQuery {
    /// `current` or `legacy`: the structure of GSO codes (`03386`) in the unit column; not
    /// needed when the column holds area ids (`L03386`).
    pub structure: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InputsImported {
    /// Distinct units written.
    pub units: usize,
    /// Coverage rows and capacity rows written.
    pub coverage: usize,
    pub capacity: usize,
}

/// Import vaccination coverage and treatment capacity of many units from CSV (UTF-8) or an
/// Excel workbook's first sheet. Columns (Vietnamese or English names): `ma_dia_ban|area_id|code`,
/// `ngay|as_of`, `mui1_18|first_dose_18plus`, `du_lieu_65|full_dose_65plus`,
/// `du_lieu|full_dose_all`, `nguon|source`, `dap_ung_dieu_tri|capacity_met`, `ghi_chu|note`.
/// All or nothing: any bad row is a 422 naming each row's line and column
/// (`dòng 3: first_dose_18plus`), and nothing is written.
#[utoipa::path(post, path = "/api/v1/risk/inputs/import", tag = "risk", params(InputsImportQuery),
    request_body(content = String, content_type = "text/csv", description = "CSV text, or an .xlsx workbook (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet)"),
    responses((status = 200, body = InputsImported), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn import_inputs(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<InputsImportQuery>,
    body: axum::body::Bytes,
) -> Result<Json<InputsImported>, ApiError> {
    require(&u, Permission::AssessRisk)?;
    let structure = q
        .structure
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(Structure::parse)
        .transpose()?;
    let text = crate::excel::upload_text(&body)?;
    let parsed =
        chongdich_domain::risk_import::parse_risk_inputs_csv(&text, structure, s.clock.today())?;
    if !parsed.errors.is_empty() {
        let n = parsed.errors.len();
        let mut err = ApiError::from(Invalid(
            parsed
                .errors
                .into_iter()
                .map(|e| {
                    chongdich_domain::FieldError::new(
                        format!("dòng {}: {}", e.line, e.field),
                        e.message,
                    )
                })
                .collect(),
        ));
        err.message = format!("{n} lỗi; không nạp dòng nào. {}", err.message);
        return Err(err);
    }
    let r = s
        .store
        .import_risk_inputs(&scope(&u, Permission::AssessRisk), &u.who(), &parsed.rows)
        .await?;
    Ok(Json(InputsImported {
        units: r.units,
        coverage: r.coverage,
        capacity: r.capacity,
    }))
}
