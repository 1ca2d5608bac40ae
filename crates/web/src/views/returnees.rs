//! Returnees (`/quarantine/returnees`): the batches received (where from, the risk level
//! there, the transport, the day, the receiving commune), the form registering a batch with
//! the province's decision for people the rules are silent on, and each batch with its people
//! and their orders, where a checkpoint registers people one by one. Lists arrive by Excel
//! through `/quarantine/returnees/import`.

use super::outbreaks::{Choice, found, require, written};
use super::persons::{PersonChoices, person_choices};
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_date};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::access::Permission;
use chongdich_domain::quarantine::order::FallbackDraft;
use chongdich_domain::quarantine::{OrderKind, Subject};
use chongdich_domain::returnee::{BatchDraft, BatchSource, ReturneeDraft};
use chongdich_store::returnees::{BatchRow, ReturneeLine};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/quarantine/returnees", get(list).post(create))
        .route("/quarantine/returnees/{id}", get(detail))
        .route("/quarantine/returnees/{id}/people", post(register))
}

fn notice(key: Option<&str>) -> Option<String> {
    Some(
        match key? {
            "created" => {
                "Đã ghi nhận lô người về. Ghi từng người bên dưới, hoặc nhập danh sách Excel."
            }
            "registered" => "Đã ghi người về và ra lệnh cách ly.",
            "imported" => "Đã nhập danh sách.",
            _ => return None,
        }
        .to_owned(),
    )
}

fn layout(u: &Authed, title: impl Into<String>, msg: Option<&str>) -> Layout {
    let mut l = Layout::for_user(u, title, "quarantine");
    l.notice = notice(msg);
    l
}

pub struct BatchLine {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub origin: String,
    pub origin_level: String,
    pub transport: String,
    pub arrived_on: String,
    pub source: &'static str,
    pub people: i64,
    pub fallback: String,
}

impl From<&BatchRow> for BatchLine {
    fn from(b: &BatchRow) -> Self {
        Self {
            id: b.id,
            area_id: b.area_id.clone(),
            area_name: b.area_name.clone(),
            origin: b.origin.clone(),
            origin_level: b.origin_level.clone(),
            transport: b.transport.clone(),
            arrived_on: vn_date(&b.arrived_on),
            source: BatchSource::parse(&b.source)
                .map(|s| s.label())
                .unwrap_or(""),
            people: b.people,
            fallback: b
                .fallback()
                .map(|f| {
                    format!(
                        "{} {} ngày{}; theo {}",
                        f.kind.label(),
                        f.days,
                        if f.monitoring_days > 0 {
                            format!(", theo dõi {} ngày", f.monitoring_days)
                        } else {
                            String::new()
                        },
                        f.basis
                    )
                })
                .unwrap_or_default(),
        }
    }
}

/// The batch form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct BatchForm {
    #[serde(flatten)]
    pub batch: BatchDraft,
    #[serde(flatten)]
    pub fallback: FallbackDraft,
}

#[derive(Template)]
#[template(path = "returnee_batches.html")]
struct ListPage {
    l: Layout,
    batches: Vec<BatchLine>,
    can_manage: bool,
    form: BatchForm,
    errors: FormErrors,
    areas: Vec<Choice>,
    kinds: Vec<Choice>,
}

/// Communes offered as the receiving commune: every commune of the user's scope in force.
pub async fn commune_choices(s: &AppState, u: &Authed) -> Result<Vec<Choice>, PageError> {
    Ok(s.store
        .place_options(
            &u.scope(Permission::ManageQuarantine),
            s.clock.today(),
            3000,
        )
        .await?
        .into_iter()
        .map(|p| Choice::new(p.id, p.label))
        .collect())
}

async fn list_view(
    s: &AppState,
    u: &Authed,
    msg: Option<&str>,
    form: BatchForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let rows = s
        .store
        .batches(&u.scope(Permission::ViewPersons), 200)
        .await?;
    let can_manage = u.can(Permission::ManageQuarantine);
    let mut form = form;
    if form.batch.arrived_on.is_empty() {
        form.batch.arrived_on = vn_date(&s.clock.today());
    }
    render_status(
        status,
        &ListPage {
            l: layout(u, "Người về từ vùng dịch", msg),
            batches: rows.iter().map(BatchLine::from).collect(),
            areas: if can_manage {
                commune_choices(s, u).await?
            } else {
                vec![]
            },
            kinds: OrderKind::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            can_manage,
            form,
            errors,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    list_view(
        &s,
        &u,
        q.msg.as_deref(),
        BatchForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<BatchForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let today = s.clock.today();
    let mut draft = sub.form.batch.clone();
    draft.source = BatchSource::Checkpoint.as_str().into();
    let parsed = match (draft.parse(today), sub.form.fallback.parse()) {
        (Ok(b), Ok(f)) => Ok((b, f)),
        (Err(mut a), Err(b)) => {
            a.0.extend(b.0);
            Err(a)
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let outcome = written(parsed, async |(batch, fallback)| {
        s.store
            .create_batch(
                &u.scope(Permission::ManageQuarantine),
                &u.who(),
                &batch,
                fallback.as_ref(),
            )
            .await
    })
    .await?;
    let errors = match outcome {
        Ok(row) => {
            return Ok(see_other(&format!(
                "/quarantine/returnees/{}?msg=created",
                row.id
            )));
        }
        Err(errors) => errors,
    };
    list_view(
        &s,
        u,
        None,
        sub.form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub struct PersonLine {
    pub person_id: i64,
    pub full_name: String,
    pub area_name: String,
    pub subject: &'static str,
    pub arrived_on: String,
    pub order_id: Option<i64>,
    pub kind: &'static str,
    pub ends_on: String,
    pub until_on: String,
}

impl From<&ReturneeLine> for PersonLine {
    fn from(r: &ReturneeLine) -> Self {
        Self {
            person_id: r.person_id,
            full_name: r.full_name.clone(),
            area_name: r.area_name.clone(),
            subject: r
                .subject
                .as_deref()
                .and_then(|s| Subject::parse(s).ok())
                .map(|s| s.label())
                .unwrap_or(""),
            arrived_on: r.arrived_on.as_ref().map(vn_date).unwrap_or_default(),
            order_id: r.order_id,
            kind: r
                .kind
                .as_deref()
                .and_then(|k| OrderKind::parse(k).ok())
                .map(|k| k.label())
                .unwrap_or(""),
            ends_on: r.ends_on.as_ref().map(vn_date).unwrap_or_default(),
            until_on: r.until_on.as_ref().map(vn_date).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "returnee_batch.html")]
struct DetailPage {
    l: Layout,
    b: BatchLine,
    people: Vec<PersonLine>,
    can_manage: bool,
    p: ReturneeDraft,
    errors: FormErrors,
    choices: PersonChoices,
    subjects: Vec<Choice>,
}

async fn detail_view(
    s: &AppState,
    u: &Authed,
    id: i64,
    msg: Option<&str>,
    p: ReturneeDraft,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    require(u, Permission::ViewPersons)?;
    let v = found(
        s.store
            .batch(&u.scope(Permission::ViewPersons), &u.who(), id)
            .await,
    )?;
    let can_manage = u.can(Permission::ManageQuarantine)
        && s.store
            .batch_row(&u.scope(Permission::ManageQuarantine), id)
            .await
            .is_ok();
    let mut p = p;
    if p.person.area_id.is_empty() {
        p.person.area_id = v.batch.area_id.clone();
    }
    render_status(
        status,
        &DetailPage {
            l: layout(
                u,
                format!(
                    "Lô người về từ {} ngày {}",
                    v.batch.origin,
                    vn_date(&v.batch.arrived_on)
                ),
                msg,
            ),
            b: BatchLine::from(&v.batch),
            people: v.people.iter().map(PersonLine::from).collect(),
            can_manage,
            choices: person_choices(s, u).await?,
            subjects: Subject::ALL
                .iter()
                .map(|k| Choice::new(k.as_str(), k.label()))
                .collect(),
            p,
            errors,
        },
    )
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    detail_view(
        &s,
        &u,
        id,
        q.msg.as_deref(),
        ReturneeDraft {
            subject: Subject::Returnee.as_str().into(),
            ..ReturneeDraft::default()
        },
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// One person at the checkpoint: the person, the returnee record and the order, at once.
pub async fn register(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<ReturneeDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageQuarantine)?;
    let scope = u.scope(Permission::ManageQuarantine);
    let batch = found(s.store.batch_row(&scope, id).await)?;
    let batch_input = batch.input()?;
    let outcome = written(
        sub.form.parse(&batch_input, s.clock.today()),
        async |input| {
            s.store
                .register_returnee(&scope, &u.who(), id, &input)
                .await
        },
    )
    .await?;
    let Err(errors) = outcome else {
        return Ok(see_other(&format!(
            "/quarantine/returnees/{id}?msg=registered"
        )));
    };
    detail_view(
        &s,
        u,
        id,
        None,
        sub.form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
