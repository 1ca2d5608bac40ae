//! `/api/v1/documents…`: the document registry, the parser, and registering a document with
//! the tasks of its items.

use super::require;
use super::tasks::Task;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::directive::{DocumentKind, ParsedDirective, PartialDate, Signer};
use chongdich_domain::task::{NamedAgency, TaskInput};
use chongdich_domain::vocab::parse_date;
use chongdich_domain::{Invalid, error::Collector};
use chongdich_store::documents::{DocumentRow, DocumentTask, NewDocument};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Adds this room's routes.
pub fn register(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(parse))
        .routes(routes!(list, create))
        .routes(routes!(get_one))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ParseBody {
    /// The document's text (plain text or markdown).
    pub text: String,
}

/// Parse a document's text: kind, number, place and date, subject, recipients, references,
/// numbered items with lead and support agencies and deadlines, distribution list, signer.
/// Nothing is written. Fields the parser could not find are null or empty.
#[utoipa::path(post, path = "/api/v1/documents/parse", tag = "documents", request_body = ParseBody,
    responses((status = 200, description = "what the parser found", body = Object), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn parse(
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<ParseBody>,
) -> Result<Json<ParsedDirective>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    if b.text.trim().is_empty() {
        return Err(Invalid::field("text", "văn bản trống").into());
    }
    let text = crate::views::directives::unicode_text("text", b.text)?;
    Ok(Json(chongdich_domain::directive::parse::parse(&text)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    /// thong_bao, cong_van, quyet_dinh, ke_hoach, chi_thi, cong_dien, nghi_quyet, unknown.
    pub kind: String,
    pub number: Option<String>,
    pub issuer: Option<String>,
    pub place: Option<String>,
    /// Possibly incomplete: {year, month|null, day|null}.
    #[schema(value_type = Object)]
    pub date: Option<PartialDate>,
    pub subject: Option<String>,
    pub area_id: String,
    pub area_name: String,
    pub task_count: i64,
}

impl From<&DocumentRow> for Document {
    fn from(d: &DocumentRow) -> Self {
        Self {
            id: d.id,
            kind: d.kind.clone(),
            number: d.number.clone(),
            issuer: d.issuer.clone(),
            place: d.place.clone(),
            date: d.date(),
            subject: d.subject.clone(),
            area_id: d.area_id.clone(),
            area_name: d.area_name.clone(),
            task_count: d.task_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub items: Vec<Document>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentQuery {
    /// Words of the number, subject or issuer, with or without diacritics.
    pub q: Option<String>,
    pub kind: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Registered documents within your area, newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", params(DocumentQuery),
    responses((status = 200, body = DocumentPage)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<DocumentQuery>,
) -> Result<Json<DocumentPage>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    let kind = DocumentKind::parse_opt(q.kind.as_deref().unwrap_or_default())?;
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .documents(
            &u.scope(Permission::ViewDirectives),
            q.q.as_deref().filter(|t| !t.trim().is_empty()),
            kind,
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(DocumentPage {
        items: page.items.iter().map(Document::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reference {
    pub kind: String,
    pub number: Option<String>,
    #[schema(value_type = Object)]
    pub date: Option<PartialDate>,
    pub issuer: Option<String>,
    /// The registered document it points at, when there is one.
    pub document_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDetail {
    #[serde(flatten)]
    pub document: Document,
    pub recipients: Vec<String>,
    pub distribution: Vec<String>,
    #[schema(value_type = Object)]
    pub signer: Option<Signer>,
    pub references: Vec<Reference>,
    /// Registered documents citing this one.
    pub cited_by: Vec<Document>,
    pub tasks: Vec<Task>,
    pub body: String,
}

/// One document with its references, the documents citing it and its tasks.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = DocumentDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<DocumentDetail>, ApiError> {
    require(&u, Permission::ViewDirectives)?;
    detail(&s, &u.scope(Permission::ViewDirectives), id)
        .await
        .map(Json)
}

async fn detail(
    s: &AppState,
    scope: &chongdich_domain::access::Scope,
    id: i64,
) -> Result<DocumentDetail, ApiError> {
    let v = s.store.document(scope, id).await?;
    let today = s.clock.today();
    Ok(DocumentDetail {
        document: Document::from(&v.document),
        recipients: v.recipients,
        distribution: v.distribution,
        signer: v.signer,
        references: v
            .references
            .iter()
            .map(|r| Reference {
                kind: r.kind.clone(),
                number: r.number.clone(),
                date: r.date(),
                issuer: r.issuer.clone(),
                document_id: r.referenced_id,
            })
            .collect(),
        cited_by: v.cited_by.iter().map(Document::from).collect(),
        tasks: v.tasks.iter().map(|t| Task::new(t, today)).collect(),
        body: v.body,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemTask {
    /// The item's path ("9.1").
    pub path: String,
    pub text: String,
    /// Agency names as written; registered agencies are matched by name.
    #[serde(default)]
    pub lead: Vec<String>,
    #[serde(default)]
    pub support: Vec<String>,
    /// yyyy-mm-dd or dd/mm/yyyy.
    #[serde(default)]
    pub deadline: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDocumentBody {
    /// The issuing level (its committee's work).
    pub area_id: String,
    /// The full text.
    pub text: String,
    /// The header fields as reviewed; when absent, the parser's.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Option<ParsedDirective>,
    /// The items that become tasks; when absent, every item (and sub-item) the parser found
    /// with a lead agency.
    #[serde(default)]
    pub tasks: Option<Vec<ItemTask>>,
    /// Register agencies the tasks name that are not registered yet (default true).
    #[serde(default)]
    pub create_missing_agencies: Option<bool>,
}

/// Register a document and give its items as tasks, in one transaction. A number already
/// registered that year is refused (422 naming `number`), so a retry writes once.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", request_body = NewDocumentBody,
    responses((status = 201, body = DocumentDetail), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(b): ApiJson<NewDocumentBody>,
) -> Result<(StatusCode, Json<DocumentDetail>), ApiError> {
    require(&u, Permission::ManageDirectives)?;
    let area = AreaId::parse(&b.area_id)
        .map_err(|_| Invalid::field("area_id", "mã địa bàn không hợp lệ"))?;
    let text = crate::views::directives::unicode_text("text", b.text)?;
    let parsed = chongdich_domain::directive::parse::parse(&text);
    let names = |v: Vec<String>| {
        v.into_iter()
            .map(|name| NamedAgency {
                agency_id: None,
                name,
            })
            .collect()
    };
    let tasks = match b.tasks {
        Some(list) => {
            let mut c = Collector::new();
            let mut out = Vec::new();
            for (i, t) in list.into_iter().enumerate() {
                let deadline = c
                    .take(parse_date(
                        &format!("tasks[{i}].deadline"),
                        t.deadline.as_deref().unwrap_or_default(),
                    ))
                    .flatten();
                out.push(DocumentTask {
                    path: t.path,
                    input: TaskInput {
                        title: t.text,
                        deadline,
                        lead: names(t.lead),
                        support: names(t.support),
                    },
                });
            }
            c.finish()?;
            out
        }
        None => parsed
            .flat_items()
            .into_iter()
            .filter(|i| !i.lead.is_empty())
            .map(|i| DocumentTask {
                path: i.path.clone(),
                input: TaskInput {
                    title: i.text.clone(),
                    deadline: i.deadline,
                    lead: names(i.lead.clone()),
                    support: names(i.support.clone()),
                },
            })
            .collect(),
    };
    let doc = NewDocument {
        area,
        fields: b.fields.unwrap_or(parsed),
        body: text,
        tasks,
        create_missing_agencies: b.create_missing_agencies.unwrap_or(true),
    };
    let id = s
        .store
        .register_document(&u.scope(Permission::ManageDirectives), &u.who(), doc)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(detail(&s, &u.scope(Permission::ViewDirectives), id).await?),
    ))
}
