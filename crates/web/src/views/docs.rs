//! The API documentation page, drawn by the server from the OpenAPI document (no CDN, no JS).

use super::{Layout, render};
use crate::AppState;
use crate::auth::authenticate;
use crate::error::PageError;
use askama::Template;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use std::sync::Arc;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::{OpenApi, RefOr};

pub struct Param {
    pub name: String,
    pub location: &'static str,
    pub required: bool,
    pub description: String,
}

pub struct Operation {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub params: Vec<Param>,
    pub body: String,
    pub responses: String,
    pub anchor: String,
}

pub struct Tag {
    pub name: String,
    pub description: String,
    pub operations: Vec<Operation>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    l: Layout,
    title: String,
    description: String,
    tags: Vec<Tag>,
}

fn operations(doc: &OpenApi) -> Vec<Tag> {
    let mut tags: Vec<Tag> = doc
        .tags
        .iter()
        .flatten()
        .map(|t| Tag {
            name: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            operations: vec![],
        })
        .collect();
    for (path, item) in doc.paths.paths.iter() {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let params = op
                .parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    RefOr::T(p) => Some(p),
                    RefOr::Ref(_) => None,
                })
                .map(|p| Param {
                    name: p.name.clone(),
                    location: match p.parameter_in {
                        ParameterIn::Path => "path",
                        ParameterIn::Query | ParameterIn::QueryString => "query",
                        ParameterIn::Header => "header",
                        ParameterIn::Cookie => "cookie",
                    },
                    required: matches!(p.required, utoipa::openapi::Required::True),
                    description: p.description.clone().unwrap_or_default(),
                })
                .collect();
            let body = op
                .request_body
                .as_ref()
                .and_then(|b| match b {
                    RefOr::T(b) => Some(b.content.keys().cloned().collect::<Vec<_>>().join(", ")),
                    RefOr::Ref(_) => None,
                })
                .unwrap_or_default();
            let responses = op
                .responses
                .responses
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let tag = op
                .tags
                .as_ref()
                .and_then(|t| t.first())
                .cloned()
                .unwrap_or_default();
            let entry = Operation {
                anchor: format!(
                    "{}-{}",
                    method.to_lowercase(),
                    path.replace(['/', '{', '}'], "-")
                ),
                method: method.to_owned(),
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                params,
                body,
                responses,
            };
            match tags.iter_mut().find(|t| t.name == tag) {
                Some(t) => t.operations.push(entry),
                None => tags.push(Tag {
                    name: tag,
                    description: String::new(),
                    operations: vec![entry],
                }),
            }
        }
    }
    tags
}

pub async fn page(
    State(s): State<AppState>,
    Extension(doc): Extension<Arc<OpenApi>>,
    req: Request,
) -> Result<Response, PageError> {
    let (parts, _) = req.into_parts();
    let l = match authenticate(&s, &parts).await {
        Ok(Some(u)) => Layout::for_user(&u, "Tài liệu API", "api"),
        _ => Layout::anonymous("Tài liệu API"),
    };
    render(&DocsPage {
        l,
        title: doc.info.title.clone(),
        description: doc.info.description.clone().unwrap_or_default(),
        tags: operations(&doc),
    })
}

pub async fn openapi_json(Extension(doc): Extension<Arc<OpenApi>>) -> Response {
    Json(doc.as_ref().clone()).into_response()
}
