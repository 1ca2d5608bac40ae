//! `/api/v1/cases…`: cases (F0 and suspects), their classification history, outcome, outbreak,
//! chain of transmission, lists with filters and exports (CSV streamed, Excel in constant
//! memory).

use super::require;
use crate::AppState;
use crate::auth::{ApiUser, Authed};
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chongdich_domain::Invalid;
use chongdich_domain::access::{Permission, Scope};
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::{CaseDraft, Classification, FoundIn, parse_outcome};
use chongdich_domain::vocab::parse_date;
use chongdich_store::Store;
use chongdich_store::cases::{CaseEventRow, CaseFilter, CaseRow};
use chongdich_store::contacts::Chain;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Case {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub area_id: String,
    pub area_name: String,
    /// Disease code.
    pub disease: String,
    pub case_code: Option<String>,
    /// `suspected`, `probable`, `confirmed`, `discarded`.
    pub classification: String,
    pub onset_date: Option<NaiveDate>,
    pub sample_date: Option<NaiveDate>,
    pub confirmed_date: Option<NaiveDate>,
    pub isolated_on: Option<NaiveDate>,
    /// The day the case counts on the epidemic curve.
    pub curve_date: NaiveDate,
    /// `community`, `quarantine`, `lockdown`, `point_of_entry`, `hospital`.
    pub found_in: String,
    /// Only community cases count toward an area's risk.
    pub community: bool,
    pub source_known: bool,
    pub setting: String,
    pub treatment_place: String,
    /// `treating`, `recovered`, `died`.
    pub outcome: String,
    pub outcome_date: Option<NaiveDate>,
    pub illegal_entry: bool,
    pub outbreak_id: Option<i64>,
    pub notes: String,
}

impl From<CaseRow> for Case {
    fn from(r: CaseRow) -> Self {
        Self {
            community: FoundIn::parse(&r.found_in).is_ok_and(|f| f.is_community()),
            id: r.id,
            person_id: r.person_id,
            full_name: r.full_name,
            birth_year: r.birth_year,
            sex: r.sex,
            area_id: r.area_id,
            area_name: r.area_name,
            disease: r.disease_code,
            case_code: r.case_code,
            classification: r.classification,
            onset_date: r.onset_date,
            sample_date: r.sample_date,
            confirmed_date: r.confirmed_date,
            isolated_on: r.isolated_on,
            curve_date: r.curve_date,
            found_in: r.found_in,
            source_known: r.source_known,
            setting: r.setting,
            treatment_place: r.treatment_place,
            outcome: r.outcome,
            outcome_date: r.outcome_date,
            illegal_entry: r.illegal_entry,
            outbreak_id: r.outbreak_id,
            notes: r.notes,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEvent {
    pub at: chrono::DateTime<chrono::Utc>,
    pub on_date: NaiveDate,
    pub from: Option<String>,
    pub to: String,
    pub reason: String,
    pub by: String,
}

impl From<CaseEventRow> for CaseEvent {
    fn from(r: CaseEventRow) -> Self {
        Self {
            at: r.at,
            on_date: r.on_date,
            from: r.from_class,
            to: r.to_class,
            reason: r.reason,
            by: r.by_user,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub case: Case,
    /// Classification history, oldest first.
    pub history: Vec<CaseEvent>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<Case>,
    /// Counted up to 10,001.
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CaseQuery {
    /// Name (diacritics ignored) or case code.
    pub q: Option<String>,
    pub area_id: Option<String>,
    /// Disease code.
    pub disease: Option<String>,
    pub classification: Option<String>,
    pub found_in: Option<String>,
    pub outbreak_id: Option<i64>,
    /// From this curve date (dd/mm/yyyy or yyyy-mm-dd).
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// Export only: `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

impl CaseQuery {
    pub async fn filter(&self, s: &AppState) -> Result<CaseFilter, ApiError> {
        let mut c = chongdich_domain::error::Collector::new();
        let nonempty = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let area = nonempty(&self.area_id).and_then(|a| c.take(AreaId::parse(&a)));
        let classification =
            nonempty(&self.classification).and_then(|v| c.take(Classification::parse(&v)));
        let found_in = nonempty(&self.found_in).and_then(|v| c.take(FoundIn::parse(&v)));
        let from = c
            .take(parse_date("from", self.from.as_deref().unwrap_or("")))
            .flatten();
        let to = c
            .take(parse_date("to", self.to.as_deref().unwrap_or("")))
            .flatten();
        let disease_id = match nonempty(&self.disease) {
            Some(d) => match s.store.disease_for_input(&d).await {
                Ok(r) => Some(r.disease.id),
                Err(chongdich_store::StoreError::Invalid(e)) => {
                    c.take::<()>(Err(e));
                    None
                }
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        c.finish()?;
        Ok(CaseFilter {
            q: self.q.clone().unwrap_or_default(),
            area,
            disease_id,
            classification,
            found_in,
            outbreak_id: self.outbreak_id,
            from,
            to,
        })
    }
}

/// Cases within your area, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", params(CaseQuery),
    responses((status = 200, body = CasePage), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Json<CasePage>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let f = q.filter(&s).await?;
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .cases(
            &u.scope(Permission::ViewPersons),
            &u.who(),
            &f,
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(CasePage {
        items: page.items.into_iter().map(Case::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// A new case of a person.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCase {
    pub person_id: i64,
    /// Disease code, e.g. `covid19`.
    pub disease: String,
    /// Default `suspected`.
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub case_code: String,
    #[serde(default)]
    pub onset_date: String,
    #[serde(default)]
    pub sample_date: String,
    #[serde(default)]
    pub confirmed_date: String,
    #[serde(default)]
    pub isolated_on: String,
    /// Default `community`.
    #[serde(default)]
    pub found_in: String,
    #[serde(default)]
    pub source_known: bool,
    #[serde(default)]
    pub setting: String,
    #[serde(default)]
    pub treatment_place: String,
    /// Entered the country illegally: registered as a suspect.
    #[serde(default)]
    pub illegal_entry: bool,
    #[serde(default)]
    pub notes: String,
}

impl NewCase {
    pub fn draft(&self) -> CaseDraft {
        CaseDraft {
            disease: self.disease.clone(),
            classification: self.classification.clone(),
            case_code: self.case_code.clone(),
            onset_date: self.onset_date.clone(),
            sample_date: self.sample_date.clone(),
            confirmed_date: self.confirmed_date.clone(),
            isolated_on: self.isolated_on.clone(),
            found_in: self.found_in.clone(),
            source_known: self.source_known,
            setting: self.setting.clone(),
            treatment_place: self.treatment_place.clone(),
            illegal_entry: self.illegal_entry,
            notes: self.notes.clone(),
        }
    }
}

async fn detail(s: &AppState, u: &Authed, id: i64) -> Result<CaseDetail, ApiError> {
    let c = s
        .store
        .case(&u.scope(Permission::ViewPersons), &u.who(), id)
        .await?;
    Ok(CaseDetail {
        case: c.into(),
        history: s
            .store
            .case_events(id)
            .await?
            .into_iter()
            .map(CaseEvent::from)
            .collect(),
    })
}

/// Register a case. A confirmed case recomputes the F-levels of its contacts.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", request_body = NewCase,
    responses((status = 201, body = CaseDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<NewCase>,
) -> Result<(StatusCode, Json<CaseDetail>), ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let input = body.draft().parse(s.clock.today())?;
    let id = s
        .store
        .create_case(
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            body.person_id,
            &input,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail(&s, &u, id).await?)))
}

/// One case with its classification history; the read is audited.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = CaseDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CaseDetail>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    Ok(Json(detail(&s, &u, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ClassifyBody {
    /// `suspected`, `probable`, `confirmed`, `discarded`.
    pub classification: String,
    /// Required to discard.
    #[serde(default)]
    pub reason: String,
    /// Default today.
    #[serde(default)]
    pub on_date: String,
}

/// Change a case's classification. Confirming or discarding recomputes F-levels: a discarded
/// F0 releases its contacts unless another path holds them.
#[utoipa::path(post, path = "/api/v1/cases/{id}/classification", tag = "cases", params(("id" = i64, Path)),
    request_body = ClassifyBody,
    responses((status = 200, body = CaseDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn classify(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<ClassifyBody>,
) -> Result<Json<CaseDetail>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let mut c = chongdich_domain::error::Collector::new();
    let to = c.take(Classification::parse(&body.classification));
    let on = c
        .take(chongdich_domain::vocab::parse_past_date(
            "on_date",
            &body.on_date,
            s.clock.today(),
        ))
        .flatten();
    c.finish()?;
    let Some(to) = to else {
        return Err(ApiError::internal("classification missing"));
    };
    s.store
        .classify_case(
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            id,
            to,
            &body.reason,
            on,
        )
        .await?;
    Ok(Json(detail(&s, &u, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OutcomeBody {
    /// `treating`, `recovered`, `died`.
    pub outcome: String,
    #[serde(default)]
    pub outcome_date: String,
}

/// Record how a case ended.
#[utoipa::path(post, path = "/api/v1/cases/{id}/outcome", tag = "cases", params(("id" = i64, Path)),
    request_body = OutcomeBody,
    responses((status = 200, body = CaseDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn outcome(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> Result<Json<CaseDetail>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let scope = u.scope(Permission::EditSurveillance);
    let case = s.store.case(&scope, &u.who(), id).await?;
    let cl = case
        .classification()
        .ok_or_else(|| ApiError::internal("bad classification"))?;
    let (o, d) = parse_outcome(&body.outcome, &body.outcome_date, cl, s.clock.today())?;
    s.store.set_outcome(&scope, &u.who(), id, o, d).await?;
    Ok(Json(detail(&s, &u, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OutbreakBody {
    /// None takes the case out of its outbreak.
    pub outbreak_id: Option<i64>,
}

/// Put a case in an outbreak, or take it out.
#[utoipa::path(put, path = "/api/v1/cases/{id}/outbreak", tag = "cases", params(("id" = i64, Path)),
    request_body = OutbreakBody,
    responses((status = 200, body = CaseDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn set_outbreak(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<OutbreakBody>,
) -> Result<Json<CaseDetail>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    s.store
        .set_case_outbreak(
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            id,
            body.outbreak_id,
        )
        .await?;
    Ok(Json(detail(&s, &u, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainNode {
    pub person_id: i64,
    pub full_name: String,
    /// 0 = F0, 1..5 = F-level, none = not classified.
    pub level: Option<u8>,
    pub case_id: Option<i64>,
    pub case_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainEdge {
    pub source: i64,
    pub exposed: i64,
    pub first_date: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainGraph {
    pub nodes: Vec<ChainNode>,
    pub edges: Vec<ChainEdge>,
    pub truncated: bool,
}

impl From<Chain> for ChainGraph {
    fn from(c: Chain) -> Self {
        Self {
            nodes: c
                .nodes
                .into_iter()
                .map(|n| ChainNode {
                    person_id: n.person_id,
                    full_name: n.full_name,
                    level: n.level,
                    case_id: n.case_id,
                    case_code: n.case_code,
                })
                .collect(),
            edges: c
                .edges
                .into_iter()
                .map(|e| ChainEdge {
                    source: e.source,
                    exposed: e.exposed,
                    first_date: e.first_date,
                })
                .collect(),
            truncated: c.truncated,
        }
    }
}

/// The chain around a case: contacts up to 3 steps away (at most 300 people).
#[utoipa::path(get, path = "/api/v1/cases/{id}/chain", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = ChainGraph), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn chain(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ChainGraph>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let c = s
        .store
        .case(&u.scope(Permission::ViewPersons), &u.who(), id)
        .await?;
    Ok(Json(
        s.store
            .chain(c.disease_id, &[c.person_id], 3, 300)
            .await?
            .into(),
    ))
}

/// The chain drawn as SVG, for pages and reports.
pub fn chain_svg(chain: &Chain, highlight: Option<i64>, title: &str) -> String {
    let nodes: Vec<chongdich_svg::chain::Node> = chain
        .nodes
        .iter()
        .map(|n| chongdich_svg::chain::Node {
            id: n.person_id,
            label: match n.level {
                Some(l) => format!("F{l} · {}", n.full_name),
                None => n.full_name.clone(),
            },
            sublabel: n
                .case_code
                .clone()
                .map(|c| format!("BN {c}"))
                .unwrap_or_else(|| format!("#{}", n.person_id)),
            level: n.level,
            href: Some(format!("/persons/{}", n.person_id)),
        })
        .collect();
    let edges: Vec<chongdich_svg::chain::Edge> = chain
        .edges
        .iter()
        .map(|e| chongdich_svg::chain::Edge {
            from: e.source,
            to: e.exposed,
            label: e.first_date.format("%d/%m").to_string(),
        })
        .collect();
    chongdich_svg::chain::chain(&nodes, &edges, highlight, title)
}

/// Export the filtered case list: CSV (UTF-8 with BOM, streamed as rows are read) or, with
/// `format=xlsx`, an Excel workbook written in constant memory. The export is audited.
#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", params(CaseQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn export(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<CaseQuery>,
) -> Result<Response, ApiError> {
    require(&u, Permission::ViewPersons)?;
    export_response(&s, &u, &q).await
}

pub async fn export_response(
    s: &AppState,
    u: &Authed,
    q: &CaseQuery,
) -> Result<Response, ApiError> {
    let xlsx = match q.format.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        None | Some("csv") => false,
        Some("xlsx") => true,
        Some(_) => return Err(Invalid::field("format", "định dạng xuất là csv hoặc xlsx").into()),
    };
    let f = q.filter(s).await?;
    let scope = u.scope(Permission::ViewPersons);
    s.store
        .audit(
            &u.who(),
            AuditEvent::new(AuditAction::Export, "case", None).with_detail(format!("{f:?}")),
        )
        .await?;
    let day = s.clock.today().format("%Y%m%d");
    if xlsx {
        let path = crate::export::xlsx_to_file(&s.store, &scope, &f).await?;
        let body = crate::export::file_body(path)
            .await
            .map_err(ApiError::internal)?;
        return Ok((
            [
                (header::CONTENT_TYPE, crate::excel::XLSX_MIME.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"ca-benh-{day}.xlsx\""),
                ),
            ],
            body,
        )
            .into_response());
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ca-benh-{day}.csv\""),
            ),
        ],
        csv_stream(s.store.clone(), scope, f),
    )
        .into_response())
}

fn csv_stream(store: Store, scope: Scope, f: CaseFilter) -> Body {
    let stream = futures_util::stream::unfold(
        (store, scope, f, 0i64, true, false),
        |(store, scope, f, after, first, done)| async move {
            if done {
                return None;
            }
            match store.cases_chunk(&scope, &f, after, 5_000).await {
                Ok(chunk) => {
                    if chunk.is_empty() && !first {
                        return None;
                    }
                    let next = chunk.last().map(|c| c.id).unwrap_or(after);
                    let finished = chunk.is_empty();
                    Some((
                        crate::export::csv_rows(&chunk, first),
                        (store, scope, f, next, false, finished),
                    ))
                }
                Err(e) => Some((
                    Err(std::io::Error::other(e.to_string())),
                    (store, scope, f, after, false, true),
                )),
            }
        },
    );
    Body::from_stream(stream)
}
