//! Vaccination coverage and treatment capacity of many units at once, from an Excel or CSV
//! file: a report per row, then all rows or none.

use super::*;
use axum::http::header;
use axum::response::IntoResponse;
use chongdich_domain::population::RowError;
use chongdich_domain::risk_import::{COLUMNS, TEMPLATE_CSV, parse_risk_inputs_csv};

const TITLE: &str = "Nạp tỷ lệ tiêm chủng và năng lực điều trị từ Excel";

/// One bad row (or the file) as reported on the page.
pub struct ReportLine {
    pub line: String,
    pub column: String,
    pub message: String,
}

/// A column's name as written in the file: `mui1_18 (first_dose_18plus)`.
fn column_label(field: &str) -> String {
    match COLUMNS.iter().find(|(name, _)| *name == field) {
        Some((name, aliases)) => format!("{} ({name})", aliases[1]),
        None => field.to_owned(),
    }
}

impl ReportLine {
    fn of_row(e: RowError) -> Self {
        Self {
            line: e.line.to_string(),
            column: column_label(&e.field),
            message: e.message,
        }
    }

    /// A store error's field: `dòng 5: first_dose_18plus`.
    fn of_field(e: FieldError) -> Self {
        let (line, field) = match e
            .field
            .strip_prefix("dòng ")
            .and_then(|r| r.split_once(": "))
        {
            Some((l, f)) => (l.to_owned(), f.to_owned()),
            None => (String::new(), e.field.clone()),
        };
        Self {
            line,
            column: column_label(&field),
            message: e.message,
        }
    }
}

#[derive(Template)]
#[template(path = "risk_inputs_import.html")]
pub struct ImportPage {
    pub l: Layout,
    pub structure: String,
    pub errors: FormErrors,
    pub report: Vec<ReportLine>,
}

#[derive(Debug, Deserialize)]
pub struct ImportPageQuery {
    pub msg: Option<String>,
    pub n: Option<u64>,
    /// `csv`: the template to fill in.
    pub template: Option<String>,
}

fn page_layout(u: &Authed, msg: Option<&str>, n: Option<u64>) -> Layout {
    let l = Layout::for_user(u, TITLE, "risk");
    match msg {
        Some("imported") => Layout {
            notice: Some(format!(
                "Đã nạp {} đơn vị; số liệu được dùng từ lần đánh giá sau.",
                n.unwrap_or(0)
            )),
            ..l
        },
        _ => l,
    }
}

pub async fn coverage_import_page(
    PageUser(u): PageUser,
    Query(q): Query<ImportPageQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::AssessRisk)?;
    if q.template.as_deref() == Some("csv") {
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"mau-tiem-chung-dieu-tri.csv\"",
                ),
            ],
            // With a byte order mark, so that Excel reads it as UTF-8.
            format!("\u{feff}{TEMPLATE_CSV}"),
        )
            .into_response());
    }
    render_status(
        StatusCode::OK,
        &ImportPage {
            l: page_layout(&u, q.msg.as_deref(), q.n),
            structure: "current".into(),
            errors: FormErrors::default(),
            report: Vec::new(),
        },
    )
}

/// The upload (multipart: structure, csrf, file): every bad row reported and nothing written,
/// or every row written and back to the form with the count.
pub async fn coverage_import(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    require(&u, Permission::AssessRisk)?;
    let upload = crate::views::Upload::read(&s, &u, req).await?;
    let (structure, file) = (upload.text("structure"), upload.file("file"));
    let again = |errors: FormErrors, report: Vec<ReportLine>| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ImportPage {
                l: page_layout(&u, None, None),
                structure: structure.clone(),
                errors,
                report,
            },
        )
    };
    let st = match Structure::parse(&structure) {
        Ok(st) => st,
        Err(e) => return again(e.into(), Vec::new()),
    };
    if file.is_empty() {
        return again(
            Invalid::field("file", "chưa chọn tệp hoặc tệp rỗng").into(),
            Vec::new(),
        );
    }
    let parsed = match crate::excel::upload_text(file)
        .and_then(|text| parse_risk_inputs_csv(&text, Some(st), s.clock.today()))
    {
        Ok(p) => p,
        Err(e) => return again(e.into(), Vec::new()),
    };
    if !parsed.errors.is_empty() {
        return again(
            FormErrors::default(),
            parsed.errors.into_iter().map(ReportLine::of_row).collect(),
        );
    }
    match s
        .store
        .import_risk_inputs(&u.scope(Permission::AssessRisk), &u.who(), &parsed.rows)
        .await
    {
        Ok(r) => Ok(see_other(&format!(
            "/risk/coverage/import?msg=imported&n={}",
            r.units
        ))),
        Err(StoreError::Invalid(e)) => again(
            FormErrors::default(),
            e.0.into_iter().map(ReportLine::of_field).collect(),
        ),
        Err(e) => Err(e.into()),
    }
}
