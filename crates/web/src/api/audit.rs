//! `/api/v1/audit…`: the audit log, for administrators, within their area.

use super::require;
use super::types::{AuditPage, AuditRecord};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chongdich_domain::access::{Permission, Scope};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::clock::vietnam;
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::Store;
use chongdich_store::audit::{AuditEntry, AuditFilter};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    pub user_id: Option<i64>,
    pub username: Option<String>,
    /// user, area, population, agency, agency_member, api_token, audit, session …
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    /// view, create, update, disable, enable, revoke, import, export, login, login_failed, logout
    pub action: Option<String>,
    /// An area: entries of it and everything below it.
    pub area_id: Option<String>,
    /// First day (dd/mm/yyyy or yyyy-mm-dd), Vietnam time.
    pub from: Option<String>,
    /// Last day (dd/mm/yyyy or yyyy-mm-dd), included.
    pub to: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    /// For the export: `csv` (default, streamed) or `xlsx` (Excel, at most 1,048,575 rows).
    pub format: Option<String>,
}

/// A date as typed on screen (dd/mm/yyyy) or in ISO form.
pub fn parse_day(field: &str, s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s.trim(), "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d"))
        .map_err(|_| Invalid::field(field, "ngày phải có dạng dd/mm/yyyy"))
}

fn start_of(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?
        .and_local_timezone(vietnam())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn some(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl AuditQuery {
    pub fn filter(&self) -> Result<AuditFilter, Invalid> {
        let mut errors = Vec::new();
        let mut day = |field: &str, v: &Option<String>, next: bool| match some(v) {
            Some(text) => match parse_day(field, &text) {
                Ok(d) => start_of(if next { d.succ_opt().unwrap_or(d) } else { d }),
                Err(e) => {
                    errors.extend(e.0);
                    None
                }
            },
            None => None,
        };
        let from = day("from", &self.from, false);
        let to = day("to", &self.to, true);
        if let Some(a) = some(&self.action)
            && AuditAction::parse(&a).is_none()
        {
            errors.push(FieldError::new("action", "hành động không hợp lệ"));
        }
        if !errors.is_empty() {
            return Err(Invalid(errors));
        }
        Ok(AuditFilter {
            user_id: self.user_id,
            username: some(&self.username),
            record_type: some(&self.record_type),
            record_id: some(&self.record_id),
            action: some(&self.action),
            area_id: some(&self.area_id),
            from,
            to,
        })
    }
}

/// Entries of the audit log, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    require(&u, Permission::ViewAudit)?;
    let filter = q.filter()?;
    let p = crate::extract::PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .audit_entries(
            &u.scope(Permission::ViewAudit),
            &filter,
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(AuditPage {
        items: page.items.into_iter().map(AuditRecord::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

const CSV_HEADER: [&str; 11] = [
    "id",
    "thoi_gian",
    "nguoi_dung_id",
    "nguoi_dung",
    "hanh_dong",
    "loai_ban_ghi",
    "ma_ban_ghi",
    "dia_ban",
    "dia_chi_ip",
    "ma_thao_tac",
    "chi_tiet",
];

fn csv_chunk(entries: &[AuditEntry], header: bool) -> Result<Bytes, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| std::io::Error::other(e.to_string());
    if header {
        w.write_record(CSV_HEADER).map_err(io)?;
    }
    for e in entries {
        w.write_record([
            e.id.to_string(),
            e.at.with_timezone(&vietnam())
                .format("%d/%m/%Y %H:%M:%S")
                .to_string(),
            e.user_id.map(|i| i.to_string()).unwrap_or_default(),
            e.username.clone(),
            e.action.clone(),
            e.record_type.clone(),
            e.record_id.clone().unwrap_or_default(),
            e.area_id.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
            e.operation_id.clone().unwrap_or_default(),
            e.detail.clone().unwrap_or_default(),
        ])
        .map_err(io)?;
    }
    let mut bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    if header {
        // A byte-order mark, so that Excel reads the Vietnamese text as UTF-8.
        let mut with_bom = "\u{feff}".as_bytes().to_vec();
        with_bom.append(&mut bytes);
        bytes = with_bom;
    }
    Ok(Bytes::from(bytes))
}

/// Streams the matching entries as CSV, oldest first, 2,000 rows per database round trip,
/// so an export of any size runs in constant memory.
pub fn csv_stream(store: Store, scope: Scope, filter: AuditFilter) -> Body {
    let state = (store, scope, filter, 0i64, true, false);
    let stream = futures_util::stream::unfold(
        state,
        |(store, scope, filter, after, first, done)| async move {
            if done {
                return None;
            }
            match store.audit_chunk(&scope, &filter, after, 2_000).await {
                Ok(chunk) => {
                    if chunk.is_empty() && !first {
                        return None;
                    }
                    let next_after = chunk.last().map(|e| e.id).unwrap_or(after);
                    let finished = chunk.is_empty();
                    Some((
                        csv_chunk(&chunk, first),
                        (store, scope, filter, next_after, false, finished),
                    ))
                }
                Err(e) => Some((
                    Err(std::io::Error::other(e.to_string())),
                    (store, scope, filter, after, false, true),
                )),
            }
        },
    );
    Body::from_stream(stream)
}

/// The matching entries as a CSV file (UTF-8 with BOM, streamed) or, with `format=xlsx`, an
/// Excel workbook. The export is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn export(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Response, ApiError> {
    require(&u, Permission::ViewAudit)?;
    let filter = q.filter()?;
    export_response(&s, &u, filter, q.format.as_deref()).await
}

pub async fn export_response(
    s: &AppState,
    u: &crate::auth::Authed,
    filter: AuditFilter,
    format: Option<&str>,
) -> Result<Response, ApiError> {
    let xlsx = match format.map(str::trim).filter(|f| !f.is_empty()) {
        None | Some("csv") => false,
        Some("xlsx") => true,
        Some(_) => return Err(Invalid::field("format", "định dạng xuất là csv hoặc xlsx").into()),
    };
    let scope = u.scope(Permission::ViewAudit);
    if xlsx {
        let total = s.store.audit_entries(&scope, &filter, 1, 0).await?.total;
        if total > XLSX_MAX_ROWS {
            return Err(Invalid::field(
                "format",
                format!("{total} dòng vượt giới hạn của Excel ({XLSX_MAX_ROWS}); hãy lọc bớt hoặc xuất CSV"),
            )
            .into());
        }
    }
    s.store
        .audit(
            &u.who(),
            AuditEvent::new(AuditAction::Export, "audit", None).with_detail(format!("{filter:?}")),
        )
        .await?;
    let day = s.clock.today().format("%Y%m%d");
    if xlsx {
        let bytes = xlsx_export(&s.store, &scope, &filter).await?;
        return Ok((
            [
                (header::CONTENT_TYPE, crate::excel::XLSX_MIME.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"nhat-ky-{day}.xlsx\""),
                ),
            ],
            bytes,
        )
            .into_response());
    }
    let name = format!("nhat-ky-{day}.csv");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        csv_stream(s.store.clone(), scope, filter),
    )
        .into_response())
}

/// Excel's row limit, less the header.
pub const XLSX_MAX_ROWS: i64 = 1_048_575;

/// The matching entries as an Excel workbook, written in constant memory (rows go to a
/// temporary file as they are read, 2,000 at a time).
pub async fn xlsx_export(
    store: &Store,
    scope: &Scope,
    filter: &AuditFilter,
) -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| ApiError::internal(e);
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory().map_err(err)?;
    ws.set_name("Nhật ký").map_err(err)?;
    let headers = [
        "Mã",
        "Thời gian",
        "Mã người dùng",
        "Người dùng",
        "Hành động",
        "Loại bản ghi",
        "Mã bản ghi",
        "Địa bàn",
        "Địa chỉ IP",
        "Mã thao tác",
        "Chi tiết",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(err)?;
    }
    let mut row = 1u32;
    let mut after = 0i64;
    loop {
        let chunk = store.audit_chunk(scope, filter, after, 2_000).await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        for e in &chunk {
            ws.write_number(row, 0, e.id as f64).map_err(err)?;
            ws.write_string(
                row,
                1,
                e.at.with_timezone(&vietnam())
                    .format("%d/%m/%Y %H:%M:%S")
                    .to_string(),
            )
            .map_err(err)?;
            if let Some(u) = e.user_id {
                ws.write_number(row, 2, u as f64).map_err(err)?;
            }
            let texts = [
                Some(e.username.as_str()),
                AuditAction::parse(&e.action).map(|a| a.label()),
                Some(e.record_type.as_str()),
                e.record_id.as_deref(),
                e.area_id.as_deref(),
                e.ip.as_deref(),
                e.operation_id.as_deref(),
                e.detail.as_deref(),
            ];
            for (i, t) in texts.iter().enumerate() {
                if let Some(t) = t {
                    ws.write_string(row, 3 + i as u16, *t).map_err(err)?;
                }
            }
            row += 1;
        }
    }
    ws.set_column_width(1, 20).map_err(err)?;
    ws.set_column_width(10, 60).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}
