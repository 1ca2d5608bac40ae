//! The audit viewer (administrators only): filters, pages, CSV export.

use super::areas::Pager;
use super::{FormErrors, Layout, render, render_status, vn_datetime};
use crate::AppState;
use crate::api::audit::{AuditQuery, export_response};
use crate::auth::PageUser;
use crate::error::PageError;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chongdich_domain::access::Permission;
use chongdich_domain::audit::AuditAction;

pub struct EntryLine {
    pub at: String,
    pub username: String,
    pub action: &'static str,
    pub record: String,
    pub area_id: String,
    pub ip: String,
    pub detail: String,
    pub operation_id: String,
}

pub struct ActionOption {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    l: Layout,
    q: AuditQuery,
    entries: Vec<EntryLine>,
    pager: Pager,
    actions: Vec<ActionOption>,
    errors: FormErrors,
    export_link: String,
}

impl AuditPage {
    fn val<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

fn query_string(q: &AuditQuery, page: Option<u64>) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("username", &q.username),
        ("record_type", &q.record_type),
        ("record_id", &q.record_id),
        ("action", &q.action),
        ("area_id", &q.area_id),
        ("from", &q.from),
        ("to", &q.to),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            pairs.push((k, v.to_owned()));
        }
    }
    if let Some(u) = q.user_id {
        pairs.push(("user_id", u.to_string()));
    }
    if let Some(p) = page {
        pairs.push(("page", p.to_string()));
    }
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

#[derive(Debug, serde::Deserialize)]
pub struct PageNo {
    page: Option<u64>,
}

pub async fn page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<AuditQuery>,
    Query(p): Query<PageNo>,
) -> Result<Response, PageError> {
    if !u.can(Permission::ViewAudit) {
        return Err(PageError::forbidden());
    }
    let page = p.page.unwrap_or(1).max(1);
    let actions = AuditAction::ALL
        .into_iter()
        .map(|a| ActionOption {
            value: a.as_str(),
            label: a.label(),
        })
        .collect();
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AuditPage {
                    l: Layout::for_user(&u, "Nhật ký truy cập", "audit"),
                    export_link: String::new(),
                    q,
                    entries: vec![],
                    pager: Pager::new(0, 1, 100, |_| String::new()),
                    actions,
                    errors: e.into(),
                },
            );
        }
    };
    let result = s
        .store
        .audit_entries(
            &u.scope(Permission::ViewAudit),
            &filter,
            100,
            (page - 1) * 100,
        )
        .await?;
    let entries = result
        .items
        .into_iter()
        .map(|e| EntryLine {
            at: vn_datetime(&e.at),
            username: e.username,
            action: AuditAction::parse(&e.action)
                .map(|a| a.label())
                .unwrap_or("?"),
            record: match e.record_id {
                Some(id) => format!("{} #{id}", e.record_type),
                None => e.record_type,
            },
            area_id: e.area_id.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
            operation_id: e.operation_id.unwrap_or_default(),
        })
        .collect();
    render(&AuditPage {
        l: Layout::for_user(&u, "Nhật ký truy cập", "audit"),
        export_link: format!("/audit/export?{}", query_string(&q, None)),
        pager: Pager::new(result.total, page, 100, |n| {
            format!("/audit?{}", query_string(&q, Some(n)))
        }),
        q,
        entries,
        actions,
        errors: FormErrors::default(),
    })
}

pub async fn export(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    if !u.can(Permission::ViewAudit) {
        return Err(PageError::forbidden());
    }
    let filter = q.filter().map_err(crate::error::ApiError::from)?;
    Ok(export_response(&s, &u, filter, q.format.as_deref()).await?)
}
