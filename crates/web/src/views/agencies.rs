//! Agencies and Steering Committees attached to areas, with their members.

use super::areas::Pager;
use super::{Empty, FormErrors, Layout, Notice, Submitted, render_status, see_other};
use crate::AppState;
use crate::auth::{Authed, PageUser};
use crate::error::PageError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chongdich_domain::access::Permission;
use chongdich_domain::agency::{AgencyKind, MemberInput};
use chongdich_domain::area::AreaId;
use chongdich_domain::error::Collector;
use chongdich_store::agencies::{AgencyRow, MemberRow};
use serde::Deserialize;

pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
}

pub fn kind_options() -> Vec<KindOption> {
    AgencyKind::ALL
        .into_iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: k.label(),
        })
        .collect()
}

pub fn kind_label(k: &str) -> &'static str {
    AgencyKind::parse(k).map(|k| k.label()).unwrap_or("Khác")
}

/// Areas offered in pickers: the user's roots and their direct sub-areas.
pub struct AreaOption {
    pub id: String,
    pub label: String,
}

pub async fn area_options(
    s: &AppState,
    u: &Authed,
    p: Permission,
) -> Result<Vec<AreaOption>, PageError> {
    let scope = u.scope(p);
    let mut out = Vec::new();
    for root in s.store.scope_roots(&scope).await? {
        out.push(AreaOption {
            id: root.id.clone(),
            label: format!("{} ({})", root.name, root.id),
        });
        let id = AreaId::parse(&root.id)?;
        for c in s.store.children(&scope, &id, 200, 0).await?.items {
            out.push(AreaOption {
                id: c.id.clone(),
                label: format!("— {} ({})", c.name, c.id),
            });
        }
    }
    Ok(out)
}

#[derive(Default)]
pub struct AgencyForm {
    pub area_id: String,
    pub name: String,
    pub kind: String,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "agencies.html")]
struct ListPage {
    l: Layout,
    agencies: Vec<AgencyRow>,
    pager: Pager,
    can_create: bool,
    areas: Vec<AreaOption>,
    kinds: Vec<KindOption>,
    form: AgencyForm,
}

impl ListPage {
    fn kind_label(&self, k: &str) -> &'static str {
        kind_label(k)
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    msg: Option<String>,
}

async fn list_page(
    s: &AppState,
    u: &Authed,
    page: u64,
    notice: Option<&str>,
    form: AgencyForm,
    status: StatusCode,
) -> Result<Response, PageError> {
    let p = s
        .store
        .agencies(&u.scope(Permission::ViewAreas), None, 50, (page - 1) * 50)
        .await?;
    let can_create = u.can(Permission::ManageAgencies);
    render_status(
        status,
        &ListPage {
            l: Layout::for_user(u, "Cơ quan, Ban Chỉ đạo", "agencies").with_notice(notice),
            pager: Pager::new(p.total, page, 50, |n| format!("/agencies?page={n}")),
            agencies: p.items,
            areas: if can_create {
                area_options(s, u, Permission::ManageAgencies).await?
            } else {
                vec![]
            },
            can_create,
            kinds: kind_options(),
            form,
        },
    )
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list_page(
        &s,
        &u,
        q.page.unwrap_or(1).max(1),
        q.msg.as_deref(),
        AgencyForm::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<CreateForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::ManageAgencies) {
        return Err(PageError::forbidden());
    }
    let f = &sub.form;
    let mut c = Collector::new();
    let area = c.take(AreaId::parse(&f.area_id));
    let kind = c.take(AgencyKind::parse(&f.kind));
    c.take(chongdich_domain::agency::parse_agency_name(&f.name));
    let result = match (c.finish(), area, kind) {
        (Ok(()), Some(area), Some(kind)) => {
            s.store
                .create_agency(
                    &u.scope(Permission::ManageAgencies),
                    &u.who(),
                    &area,
                    &f.name,
                    kind,
                )
                .await
        }
        (Err(e), _, _) => Err(e.into()),
        _ => Err(chongdich_domain::Invalid::field("area_id", "thiếu địa bàn").into()),
    };
    match result {
        Ok(v) => Ok(see_other(&format!("/agencies/{}?msg=created", v.agency.id))),
        Err(chongdich_store::StoreError::Invalid(e)) => {
            let form = AgencyForm {
                area_id: f.area_id.clone(),
                name: f.name.clone(),
                kind: f.kind.clone(),
                errors: e.into(),
            };
            list_page(&s, u, 1, None, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Default)]
pub struct MemberForm {
    pub full_name: String,
    pub position: String,
    pub phone: String,
    pub account: String,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "agency.html")]
struct DetailPage {
    l: Layout,
    agency: AgencyRow,
    kind: &'static str,
    members: Vec<MemberRow>,
    can_edit: bool,
    form: MemberForm,
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    notice: Option<&str>,
    form: MemberForm,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = s
        .store
        .agency(&u.scope(Permission::ViewAreas), id)
        .await
        .map_err(|_| PageError::not_found())?;
    let can_edit = u.can(Permission::ManageAgencies)
        && s.store
            .area_in_scope(
                &u.scope(Permission::ManageAgencies),
                &AreaId::parse(&v.agency.area_id)?,
            )
            .await?;
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, v.agency.name.clone(), "agencies").with_notice(notice),
            kind: kind_label(&v.agency.kind),
            agency: v.agency,
            members: v.members,
            can_edit,
            form,
        },
    )
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    detail_page(
        &s,
        &u,
        id,
        n.msg.as_deref(),
        MemberForm::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct NewMemberForm {
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    account: String,
}

pub async fn add_member(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<NewMemberForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::ManageAgencies) {
        return Err(PageError::forbidden());
    }
    let f = &sub.form;
    let added = match MemberInput::parse(&f.full_name, &f.position, &f.phone)
        .and_then(|m| m.with_account(&f.account))
    {
        Ok(m) => {
            s.store
                .add_member(&u.scope(Permission::ManageAgencies), &u.who(), id, &m)
                .await
        }
        Err(e) => Err(e.into()),
    };
    match added {
        Ok(_) => Ok(see_other(&format!("/agencies/{id}?msg=member"))),
        Err(chongdich_store::StoreError::Invalid(e)) => {
            let form = MemberForm {
                full_name: f.full_name.clone(),
                position: f.position.clone(),
                phone: f.phone.clone(),
                account: f.account.clone(),
                errors: e.into(),
            };
            detail_page(&s, u, id, None, form, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn remove_member(
    State(s): State<AppState>,
    Path((id, member_id)): Path<(i64, i64)>,
    sub: Submitted<Empty>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::ManageAgencies) {
        return Err(PageError::forbidden());
    }
    s.store
        .remove_member(
            &u.scope(Permission::ManageAgencies),
            &u.who(),
            id,
            member_id,
        )
        .await?;
    Ok(see_other(&format!("/agencies/{id}?msg=member_removed")))
}
