//! The document registry's pages: the list with search, one document with its references,
//! citing documents and tasks, and the import: paste text or upload .txt, .md or .docx, review
//! and correct what the parser extracted on one screen, then confirm — the document goes into
//! the registry and the chosen items become tasks, in one transaction.

use super::agencies::{AreaOption, area_options};
use super::areas::Pager;
use super::outbreaks::{Choice, found, iso, require};
use super::{FormErrors, Layout, Submitted, render, render_status, see_other, vn_datetime};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::access::Permission;
use chongdich_domain::agency::unit_group;
use chongdich_domain::area::{AreaId, AreaLevel};
use chongdich_domain::directive::encoding::{decode_text, legacy_encoding};
use chongdich_domain::directive::{
    DocumentKind, Item, ParsedDirective, PartialDate, Reference, Signer,
};
use chongdich_domain::task::{NamedAgency, TaskInput, split_agency_list};
use chongdich_domain::vocab::parse_date;
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::StoreError;
use chongdich_store::documents::{DocumentRow, DocumentTask, NewDocument};
use serde::Deserialize;
use std::collections::HashMap;

const PER_PAGE: u64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents", get(list))
        .route(
            "/documents/import",
            get(import_page)
                .post(import)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/documents/confirm",
            post(confirm).layer(DefaultBodyLimit::disable()),
        )
        .route("/documents/{id}", get(detail))
}

/// The text of an uploaded document: plain text (.txt, .md: UTF-8, or UTF-16 with its
/// byte-order mark), or the paragraphs of a .docx. Anything else is refused with a message
/// naming the field.
pub fn document_text(file_name: &str, bytes: &[u8]) -> Result<String, Invalid> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".docx") || bytes.starts_with(b"PK\x03\x04") {
        return crate::docx::docx_text(bytes)
            .map_err(|e| Invalid::field("file", format!("không đọc được tệp .docx: {e}")));
    }
    if !(lower.is_empty() || lower.ends_with(".txt") || lower.ends_with(".md")) {
        return Err(Invalid::field(
            "file",
            "chỉ nhận tệp văn bản .txt, .md hoặc .docx",
        ));
    }
    decode_text(bytes).map_err(|e| Invalid::field("file", e.to_string()))
}

/// Refuses, on `field`, a text still in TCVN3 or VNI: the parser would find nothing in it.
pub fn unicode_text(field: &str, text: String) -> Result<String, Invalid> {
    match legacy_encoding(&text) {
        Some(encoding) => Err(Invalid::field(field, encoding.message())),
        None => Ok(text),
    }
}

pub fn kind_label(kind: &str) -> String {
    DocumentKind::parse(kind)
        .map(|k| k.label().to_owned())
        .unwrap_or_else(|_| kind.to_owned())
}

pub struct DocumentLine {
    pub id: i64,
    pub label: String,
    pub date: String,
    pub issuer: String,
    pub subject: String,
    pub area_name: String,
    pub task_count: i64,
}

impl From<&DocumentRow> for DocumentLine {
    fn from(d: &DocumentRow) -> Self {
        Self {
            id: d.id,
            label: d.label(),
            date: d.date().map(|d| d.display()).unwrap_or_default(),
            issuer: d.issuer.clone().unwrap_or_default(),
            subject: d.subject.clone().unwrap_or_default(),
            area_name: d.area_name.clone(),
            task_count: d.task_count,
        }
    }
}

#[derive(Template)]
#[template(path = "documents.html")]
struct ListPage {
    l: Layout,
    q: String,
    kind: String,
    kinds: Vec<Choice>,
    documents: Vec<DocumentLine>,
    pager: Pager,
    can_import: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    page: Option<u64>,
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let page = q.page.unwrap_or(1).max(1);
    let text = q.q.clone().unwrap_or_default();
    let kind = q.kind.clone().unwrap_or_default();
    let p = s
        .store
        .documents(
            &u.scope(Permission::ViewDirectives),
            Some(text.as_str()).filter(|t| !t.trim().is_empty()),
            DocumentKind::parse_opt(&kind).ok().flatten(),
            PER_PAGE,
            (page - 1) * PER_PAGE,
        )
        .await?;
    let link = {
        let (t, k) = (text.clone(), kind.clone());
        move |n: u64| {
            format!(
                "/documents?q={}&kind={}&page={n}",
                urlencoding(&t),
                urlencoding(&k)
            )
        }
    };
    render(&ListPage {
        l: Layout::for_user(&u, "Văn bản chỉ đạo", "tasks"),
        pager: Pager::new(p.total, page, PER_PAGE, link),
        documents: p.items.iter().map(DocumentLine::from).collect(),
        kinds: DocumentKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label()))
            .collect(),
        q: text,
        kind,
        can_import: u.can(Permission::ManageDirectives),
    })
}

/// Percent-encodes a query value.
pub fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)])
        .map(|e| e.trim_start_matches("v=").to_owned())
        .unwrap_or_default()
}

pub struct ReferenceLine {
    pub label: String,
    pub linked: Option<i64>,
}

#[derive(Template)]
#[template(path = "document.html")]
struct DetailPage {
    l: Layout,
    d: DocumentLine,
    kind: String,
    number: String,
    place: String,
    recipients: Vec<String>,
    distribution: Vec<String>,
    signer: Option<Signer>,
    references: Vec<ReferenceLine>,
    cited_by: Vec<DocumentLine>,
    tasks: Vec<super::tasks::TaskLine>,
    body: String,
    registered: String,
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(n): Query<super::Notice>,
) -> Result<Response, PageError> {
    require(&u, Permission::ViewDirectives)?;
    let v = found(
        s.store
            .document(&u.scope(Permission::ViewDirectives), id)
            .await,
    )?;
    let today = s.clock.today();
    render(&DetailPage {
        l: Layout::for_user(&u, v.document.label(), "tasks").with_notice(n.msg.as_deref()),
        d: DocumentLine::from(&v.document),
        kind: kind_label(&v.document.kind),
        number: v.document.number.clone().unwrap_or_default(),
        place: v.document.place.clone().unwrap_or_default(),
        recipients: v.recipients,
        distribution: v.distribution,
        signer: v.signer,
        references: v
            .references
            .iter()
            .map(|r| ReferenceLine {
                label: reference_label(
                    &kind_label(&r.kind),
                    r.number.as_deref(),
                    r.date(),
                    r.issuer.as_deref(),
                ),
                linked: r.referenced_id,
            })
            .collect(),
        cited_by: v.cited_by.iter().map(DocumentLine::from).collect(),
        tasks: v
            .tasks
            .iter()
            .map(|t| super::tasks::TaskLine::new(t, today))
            .collect(),
        body: v.body,
        registered: format!(
            "{} bởi {}",
            vn_datetime(&v.document.created_at),
            v.document.created_by
        ),
    })
}

fn reference_label(
    kind: &str,
    number: Option<&str>,
    date: Option<PartialDate>,
    issuer: Option<&str>,
) -> String {
    let mut out = kind.to_owned();
    if let Some(n) = number {
        out.push_str(&format!(" số {n}"));
    }
    if let Some(d) = date {
        out.push_str(&format!(" ngày {}", d.display()));
    }
    if let Some(i) = issuer {
        out.push_str(&format!(" của {i}"));
    }
    out
}

#[derive(Template)]
#[template(path = "document_import.html")]
struct ImportPage {
    l: Layout,
    areas: Vec<AreaOption>,
    area_id: String,
    text: String,
    errors: FormErrors,
}

pub async fn import_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
) -> Result<Response, PageError> {
    require(&u, Permission::ManageDirectives)?;
    let areas = area_options(&s, &u, Permission::ManageDirectives).await?;
    render(&ImportPage {
        l: Layout::for_user(&u, "Nhập văn bản chỉ đạo", "tasks"),
        area_id: areas.first().map(|a| a.id.clone()).unwrap_or_default(),
        areas,
        text: String::new(),
        errors: FormErrors::default(),
    })
}

/// One item of the review screen, as shown and as typed back.
#[derive(Debug, Clone, Default)]
pub struct ReviewItem {
    pub path: String,
    pub depth: usize,
    pub take: bool,
    pub text: String,
    pub lead: String,
    pub support: String,
    pub deadline: String,
    /// What the names resolve to: registered agencies, new ones, groups.
    pub hint: String,
    /// The row's field errors, joined.
    pub error: String,
}

/// The review screen's fields.
#[derive(Debug, Clone, Default)]
pub struct ReviewForm {
    pub area_id: String,
    pub body: String,
    pub kind: String,
    pub number: String,
    pub issuer: String,
    pub place: String,
    pub date_day: String,
    pub date_month: String,
    pub date_year: String,
    pub subject: String,
    pub recipients: String,
    pub distribution: String,
    pub signer_name: String,
    pub signer_authority: String,
    pub signer_title: String,
    pub references_json: String,
    pub create_agencies: bool,
    pub items: Vec<ReviewItem>,
}

fn num(v: Option<u32>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl ReviewForm {
    pub fn from_parsed(area_id: &str, body: &str, p: &ParsedDirective) -> Self {
        fn walk(items: &[Item], depth: usize, out: &mut Vec<ReviewItem>) {
            for i in items {
                out.push(ReviewItem {
                    path: i.path.clone(),
                    depth,
                    take: !i.lead.is_empty(),
                    text: i.text.clone(),
                    lead: i.lead.join("; "),
                    support: i.support.join("; "),
                    deadline: i.deadline.map(iso).unwrap_or_default(),
                    hint: String::new(),
                    error: String::new(),
                });
                walk(&i.items, depth + 1, out);
            }
        }
        let mut items = Vec::new();
        walk(&p.items, 0, &mut items);
        Self {
            area_id: area_id.to_owned(),
            body: body.to_owned(),
            kind: p.kind.as_str().to_owned(),
            number: p.number.clone().unwrap_or_default(),
            issuer: p.issuer.clone().unwrap_or_default(),
            place: p.place.clone().unwrap_or_default(),
            date_day: num(p.date.and_then(|d| d.day)),
            date_month: num(p.date.and_then(|d| d.month)),
            date_year: p.date.map(|d| d.year.to_string()).unwrap_or_default(),
            subject: p.subject.clone().unwrap_or_default(),
            recipients: p.recipients.join("\n"),
            distribution: p.distribution.join("\n"),
            signer_name: p
                .signer
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            signer_authority: p
                .signer
                .as_ref()
                .and_then(|s| s.authority.clone())
                .unwrap_or_default(),
            signer_title: p
                .signer
                .as_ref()
                .and_then(|s| s.title.clone())
                .unwrap_or_default(),
            references_json: serde_json::to_string(&p.references).unwrap_or_else(|_| "[]".into()),
            create_agencies: true,
            items,
        }
    }

    /// Reads the submitted fields (item fields are numbered: `item3_text`).
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let map: HashMap<&str, &str> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let get = |k: &str| map.get(k).map(|v| (*v).to_owned()).unwrap_or_default();
        let count: usize = get("item_count").trim().parse().unwrap_or(0).min(2000);
        let items = (0..count)
            .map(|i| ReviewItem {
                path: get(&format!("item{i}_path")),
                depth: get(&format!("item{i}_depth")).parse().unwrap_or(0).min(6),
                take: map.contains_key(format!("item{i}_take").as_str()),
                text: get(&format!("item{i}_text")),
                lead: get(&format!("item{i}_lead")),
                support: get(&format!("item{i}_support")),
                deadline: get(&format!("item{i}_deadline")),
                hint: String::new(),
                error: String::new(),
            })
            .collect();
        Self {
            area_id: get("area_id"),
            body: get("body"),
            kind: get("kind"),
            number: get("number"),
            issuer: get("issuer"),
            place: get("place"),
            date_day: get("date_day"),
            date_month: get("date_month"),
            date_year: get("date_year"),
            subject: get("subject"),
            recipients: get("recipients"),
            distribution: get("distribution"),
            signer_name: get("signer_name"),
            signer_authority: get("signer_authority"),
            signer_title: get("signer_title"),
            references_json: get("references_json"),
            create_agencies: map.contains_key("create_agencies"),
            items,
        }
    }

    /// The document to register; errors name the review screen's fields.
    fn to_document(&self) -> Result<NewDocument, Invalid> {
        let mut c = chongdich_domain::error::Collector::new();
        let area = c.take(
            AreaId::parse(&self.area_id)
                .map_err(|_| Invalid::field("area_id", "chọn cấp ban hành")),
        );
        let kind = c.take(DocumentKind::parse(&self.kind));
        let part = |field: &str, v: &str, max: u32| -> Result<Option<u32>, Invalid> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<u32>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .ok_or_else(|| {
                    Invalid::field(field, format!("\"{t}\" không phải số từ 1 đến {max}"))
                })
        };
        let day = c.take(part("date_day", &self.date_day, 31));
        let month = c.take(part("date_month", &self.date_month, 12));
        let year = c.take(part("date_year", &self.date_year, 2100));
        let date = match (year.flatten(), month.flatten(), day.flatten()) {
            (Some(y), m, d) => Some(PartialDate {
                year: y as i32,
                month: m,
                day: d,
            }),
            (None, None, None) => None,
            _ => {
                c.push("date_year", "nhập năm ban hành");
                None
            }
        };
        let references: Vec<Reference> = if self.references_json.trim().is_empty() {
            Vec::new()
        } else {
            match serde_json::from_str(&self.references_json) {
                Ok(r) => r,
                Err(_) => {
                    c.push(
                        "references_json",
                        "danh sách văn bản dẫn chiếu bị hỏng; hãy nhập lại văn bản",
                    );
                    Vec::new()
                }
            }
        };
        let lines = |s: &str| -> Vec<String> {
            s.lines()
                .map(chongdich_domain::text::clean)
                .filter(|l| !l.is_empty())
                .collect()
        };
        let names = |s: &str| -> Vec<NamedAgency> {
            split_agency_list(s)
                .into_iter()
                .map(|name| NamedAgency {
                    agency_id: None,
                    name,
                })
                .collect()
        };
        let mut tasks = Vec::new();
        for (i, it) in self.items.iter().enumerate().filter(|(_, it)| it.take) {
            let deadline = c.take(parse_date(&format!("item{i}_deadline"), &it.deadline));
            tasks.push((
                i,
                DocumentTask {
                    path: it.path.clone(),
                    input: TaskInput {
                        title: it.text.clone(),
                        deadline: deadline.flatten(),
                        lead: names(&it.lead),
                        support: names(&it.support),
                    },
                },
            ));
        }
        c.finish()?;
        let (Some(area), Some(kind)) = (area, kind) else {
            return Err(Invalid::field("kind", "thiếu loại văn bản"));
        };
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let doc = NewDocument {
            area,
            fields: ParsedDirective {
                kind,
                number: opt(&self.number),
                issuer: opt(&self.issuer),
                place: opt(&self.place),
                date,
                subject: opt(&self.subject),
                recipients: lines(&self.recipients),
                references,
                items: Vec::new(),
                distribution: lines(&self.distribution),
                signer: opt(&self.signer_name).map(|name| Signer {
                    name,
                    authority: opt(&self.signer_authority),
                    title: opt(&self.signer_title),
                }),
            },
            body: self.body.clone(),
            tasks: Vec::new(),
            create_missing_agencies: self.create_agencies,
        };
        // Task errors are named after the review screen's rows.
        let index: Vec<usize> = tasks.iter().map(|(i, _)| *i).collect();
        let doc = NewDocument {
            tasks: tasks.into_iter().map(|(_, t)| t).collect(),
            ..doc
        };
        doc.check().map_err(|e| rename_task_fields(e, &index))
    }
}

/// `tasks[2].lead` → `item7_lead` when the third task is the review screen's eighth row.
fn rename_task_fields(e: Invalid, index: &[usize]) -> Invalid {
    Invalid(
        e.0.into_iter()
            .map(|f| {
                let renamed = f.field.strip_prefix("tasks[").and_then(|rest| {
                    let (n, field) = rest.split_once("].")?;
                    let row = index.get(n.parse::<usize>().ok()?)?;
                    let field = if field == "title" { "text" } else { field };
                    Some(format!("item{row}_{field}"))
                });
                FieldError::new(renamed.unwrap_or(f.field), f.message)
            })
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "document_review.html")]
struct ReviewPage {
    l: Layout,
    f: ReviewForm,
    areas: Vec<AreaOption>,
    kinds: Vec<Choice>,
    references: Vec<String>,
    errors: FormErrors,
}

async fn review_page(
    s: &AppState,
    u: &Authed,
    mut f: ReviewForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    // What each row's names resolve to, so the reviewer sees which agencies exist and into how
    // many tasks a group of units splits on the document's date.
    let on = f
        .date_year
        .trim()
        .parse::<i32>()
        .ok()
        .and_then(|y| {
            let n = |s: &str| s.trim().parse::<u32>().ok();
            chrono::NaiveDate::from_ymd_opt(
                y,
                n(&f.date_month).unwrap_or(1),
                n(&f.date_day).unwrap_or(1),
            )
        })
        .unwrap_or_else(|| s.clock.today());
    if let Ok(area) = AreaId::parse(&f.area_id) {
        for it in &mut f.items {
            let names: Vec<String> = split_agency_list(&it.lead)
                .into_iter()
                .chain(split_agency_list(&it.support))
                .collect();
            if names.is_empty() {
                continue;
            }
            let matched = s.store.match_agencies(&area, &names).await?;
            let leads = split_agency_list(&it.lead).len();
            let mut hints = Vec::new();
            for (i, m) in matched.iter().enumerate() {
                let group = unit_group(&m.name).filter(|_| m.agency_id.is_none() && i < leads);
                let units = match &group {
                    Some(g) => s.store.unit_count(&area, g.level, on).await?,
                    None => 0,
                };
                let state = if m.agency_id.is_some() {
                    "đã có".to_owned()
                } else if let Some(g) = group.filter(|_| units > 0) {
                    let each = if g.level == AreaLevel::District {
                        "huyện"
                    } else {
                        "xã"
                    };
                    format!("giao cho từng {each}: {units} nhiệm vụ")
                } else if chongdich_domain::agency::is_group_name(&m.name) {
                    "nhóm, giữ nguyên tên".to_owned()
                } else {
                    "chưa có, sẽ tạo".to_owned()
                };
                hints.push(format!("{} ({state})", m.name));
            }
            it.hint = hints.join(" · ");
        }
    }
    let references: Vec<Reference> = serde_json::from_str(&f.references_json).unwrap_or_default();
    for (i, it) in f.items.iter_mut().enumerate() {
        it.error = ["text", "lead", "support", "deadline"]
            .iter()
            .filter_map(|k| errors.get(&format!("item{i}_{k}")))
            .collect::<Vec<_>>()
            .join("; ");
    }
    render_status(
        status,
        &ReviewPage {
            l: Layout::for_user(u, "Rà soát văn bản trước khi vào sổ", "tasks"),
            areas: area_options(s, u, Permission::ManageDirectives).await?,
            kinds: DocumentKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            references: references
                .iter()
                .map(|r| {
                    reference_label(
                        r.kind.label(),
                        r.number.as_deref(),
                        r.date,
                        r.issuer.as_deref(),
                    )
                })
                .collect(),
            f,
            errors,
        },
    )
}

/// Reads the pasted text or the uploaded file, parses it and shows the review screen.
pub async fn import(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    req: axum::extract::Request,
) -> Result<Response, PageError> {
    require(&u, Permission::ManageDirectives)?;
    let upload = super::Upload::read(&s, &u, req).await?;
    let area_id = upload.text("area_id");
    let pasted = upload.text("text");
    let file = upload.file("file");
    let text = if !file.is_empty() {
        document_text(upload.file_name("file"), file).and_then(|t| unicode_text("file", t))
    } else if pasted.trim().is_empty() {
        Err(Invalid::field("text", "dán nội dung văn bản hoặc chọn tệp"))
    } else {
        unicode_text("text", pasted.clone())
    };
    let text = match text {
        Ok(t) if t.trim().is_empty() => Err(Invalid::field("text", "văn bản trống")),
        other => other,
    };
    let text = match text {
        Ok(t) => t,
        Err(e) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ImportPage {
                    l: Layout::for_user(&u, "Nhập văn bản chỉ đạo", "tasks"),
                    areas: area_options(&s, &u, Permission::ManageDirectives).await?,
                    area_id,
                    text: pasted,
                    errors: e.into(),
                },
            );
        }
    };
    let parsed = chongdich_domain::directive::parse::parse(&text);
    let form = ReviewForm::from_parsed(&area_id, &text, &parsed);
    let mut errors = Vec::new();
    if parsed.items.is_empty() {
        errors.push(FieldError::new(
            "items",
            "không tìm thấy mục đánh số nào (1., 2., I., a), -); văn bản vẫn vào sổ được, nhiệm vụ có thể giao tay sau",
        ));
    }
    review_page(&s, &u, form, FormErrors(errors), StatusCode::OK).await
}

/// Registers the reviewed document and its chosen tasks; on an error shows the review screen
/// again with everything as typed.
pub async fn confirm(
    State(s): State<AppState>,
    sub: Submitted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageDirectives)?;
    let form = ReviewForm::from_pairs(&sub.form);
    let errors = match form.to_document() {
        Ok(doc) => match s
            .store
            .register_document(&u.scope(Permission::ManageDirectives), &u.who(), doc)
            .await
        {
            Ok(id) => return Ok(see_other(&format!("/documents/{id}?msg=document"))),
            Err(StoreError::Invalid(e)) => e.into(),
            Err(e) => return Err(e.into()),
        },
        Err(e) => e.into(),
    };
    review_page(&s, u, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}
