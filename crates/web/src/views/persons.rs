//! People pages: search, register (with duplicate candidates), a person's record with F-levels
//! and why, contacts, chain, samples, and merging two records.

use super::areas::Pager;
use super::{FormErrors, Layout, Notice, Submitted, render_status, see_other};
use crate::AppState;
use crate::api::persons::{NewContact, PersonDraftSchema, person_filter, record_contact};
use crate::auth::{Authed, PageUser};
use crate::error::{ApiError, PageError};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use chongdich_domain::Invalid;
use chongdich_domain::access::Permission;
use chongdich_domain::case::Setting;
use chongdich_domain::exposure::{Certainty, Proximity};
use chongdich_domain::person::{IdKind, PersonDraft, Sex};
use chongdich_domain::sample::{SampleDraft, SampleKind, SampleReason};
use chongdich_store::areas::PlaceOption;
use chongdich_store::cases::CaseRow;
use chongdich_store::contacts::{ContactRow, FlevelRow};
use chongdich_store::diseases::DiseaseRow;
use chongdich_store::persons::{Created, PersonRow};
use chongdich_store::samples::{LabRow, SampleRow};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/persons", get(list).post(create))
        .route("/persons/new", get(new_page))
        .route("/persons/{id}", get(detail).post(update))
        .route("/persons/{id}/contacts", post(add_contact))
        .route("/persons/{id}/samples", post(add_sample))
        .route("/persons/{id}/merge", post(merge))
}

/// A value and its label, for selects.
pub struct Opt {
    pub value: String,
    pub label: String,
}

pub fn opts<T: Copy>(
    all: &[T],
    v: impl Fn(T) -> &'static str,
    l: impl Fn(T) -> &'static str,
) -> Vec<Opt> {
    all.iter()
        .map(|x| Opt {
            value: v(*x).to_owned(),
            label: l(*x).to_owned(),
        })
        .collect()
}

/// Everything a person form needs besides the values.
pub struct PersonChoices {
    pub places: Vec<PlaceOption>,
    pub id_kinds: Vec<Opt>,
    pub sexes: Vec<Opt>,
}

pub async fn person_choices(s: &AppState, u: &Authed) -> Result<PersonChoices, PageError> {
    Ok(PersonChoices {
        places: s
            .store
            .place_options(
                &u.scope(Permission::EditSurveillance),
                s.clock.today(),
                3000,
            )
            .await?,
        id_kinds: opts(&IdKind::ALL, IdKind::as_str, IdKind::label),
        sexes: opts(&Sex::ALL, Sex::as_str, Sex::label),
    })
}

/// Everything an exposure form needs.
pub struct ExposureChoices {
    pub settings: Vec<Opt>,
    pub proximities: Vec<Opt>,
    pub certainties: Vec<Opt>,
}

pub fn exposure_choices() -> ExposureChoices {
    ExposureChoices {
        settings: opts(Setting::ALL, Setting::as_str, Setting::label),
        proximities: opts(Proximity::ALL, Proximity::as_str, Proximity::label),
        certainties: opts(Certainty::ALL, Certainty::as_str, Certainty::label),
    }
}

pub fn level_label(l: &i32) -> String {
    format!("F{l}")
}

// ---- list ----

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    area_id: String,
    #[serde(default)]
    f_level: String,
    #[serde(default)]
    disease: String,
    page: Option<u64>,
    msg: Option<String>,
}

#[derive(Template)]
#[template(path = "persons.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    persons: Vec<PersonRow>,
    pager: Pager,
    capped: bool,
    diseases: Vec<DiseaseRow>,
    can_edit: bool,
}

async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    if !u.can(Permission::ViewPersons) {
        return Err(PageError::forbidden());
    }
    let level = match q.f_level.trim() {
        "" => None,
        v => Some(
            v.parse::<u8>()
                .map_err(|_| Invalid::field("f_level", "F-level từ 1 đến 5"))?,
        ),
    };
    let f = person_filter(&s, Some(&q.q), Some(&q.area_id), level, Some(&q.disease)).await?;
    let page = q.page.unwrap_or(1).max(1);
    let p = s
        .store
        .persons(
            &u.scope(Permission::ViewPersons),
            &u.who(),
            &f,
            50,
            (page - 1) * 50,
        )
        .await?;
    let link = {
        let qs = serde_urlencoded::to_string([
            ("q", &q.q),
            ("area_id", &q.area_id),
            ("f_level", &q.f_level),
            ("disease", &q.disease),
        ])
        .unwrap_or_default();
        move |n: u64| format!("/persons?{qs}&page={n}")
    };
    render_status(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_user(&u, "Người & truy vết", "persons").with_notice(q.msg.as_deref()),
            pager: Pager::new(p.total.min(10_000), page, 50, link),
            capped: p.total > 10_000,
            persons: p.items,
            diseases: s.store.diseases().await?,
            can_edit: u.can(Permission::EditSurveillance),
            q,
        },
    )
}

// ---- new person ----

#[derive(Template)]
#[template(path = "person_new.html")]
struct NewPage {
    l: Layout,
    pf: PersonDraft,
    errors: FormErrors,
    choices: PersonChoices,
    candidates: Vec<PersonRow>,
}

async fn new_page(State(s): State<AppState>, PageUser(u): PageUser) -> Result<Response, PageError> {
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    render_status(
        StatusCode::OK,
        &NewPage {
            l: Layout::for_user(&u, "Đăng ký người", "persons"),
            pf: PersonDraft {
                nationality: "VN".into(),
                ..Default::default()
            },
            errors: FormErrors::default(),
            choices: person_choices(&s, &u).await?,
            candidates: vec![],
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct PersonForm {
    #[serde(flatten)]
    pub person: PersonDraft,
    #[serde(default)]
    pub confirm_new: String,
}

async fn create(
    State(s): State<AppState>,
    sub: Submitted<PersonForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let draft = &sub.form.person;
    let again = |errors: FormErrors, candidates: Vec<PersonRow>, status| {
        let s = s.clone();
        let u = u.clone();
        let pf = draft.clone();
        async move {
            render_status(
                status,
                &NewPage {
                    l: Layout::for_user(&u, "Đăng ký người", "persons"),
                    pf,
                    errors,
                    choices: person_choices(&s, &u).await?,
                    candidates,
                },
            )
        }
    };
    let input = match draft.parse(s.clock.today()) {
        Ok(i) => i,
        Err(e) => return again(e.into(), vec![], StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    match s
        .store
        .create_person(
            &u.scope(Permission::EditSurveillance),
            &u.who(),
            &input,
            !sub.form.confirm_new.is_empty(),
        )
        .await
    {
        Ok(Created::New(p)) => Ok(see_other(&format!("/persons/{}?msg=created", p.id))),
        Ok(Created::Candidates(c)) => again(FormErrors::default(), c, StatusCode::CONFLICT).await,
        Err(chongdich_store::StoreError::Invalid(e)) => {
            again(e.into(), vec![], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- a person's record ----

/// The contact form as typed: the exposed person (existing id or new person's fields) and the
/// exposure.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    pub disease: String,
    pub exposed_person_id: String,
    #[serde(flatten)]
    pub person: PersonDraft,
    pub first_date: String,
    pub last_date: String,
    pub setting: String,
    pub proximity: String,
    pub duration_minutes: String,
    pub certainty: String,
    pub notes: String,
}

impl ContactForm {
    pub fn body(&self) -> Result<NewContact, Invalid> {
        let existing = match self.exposed_person_id.trim().trim_start_matches('#') {
            "" => None,
            v => Some(
                v.parse::<i64>()
                    .map_err(|_| Invalid::field("exposed_person_id", "mã người là một số"))?,
            ),
        };
        let p = &self.person;
        Ok(NewContact {
            disease: self.disease.clone(),
            exposed_person_id: existing,
            person: existing.is_none().then(|| PersonDraftSchema {
                full_name: p.full_name.clone(),
                id_kind: p.id_kind.clone(),
                id_number: p.id_number.clone(),
                birth_date: p.birth_date.clone(),
                sex: p.sex.clone(),
                phone: p.phone.clone(),
                nationality: p.nationality.clone(),
                area_id: p.area_id.clone(),
                street: p.street.clone(),
                occupation: p.occupation.clone(),
                workplace: p.workplace.clone(),
            }),
            first_date: self.first_date.clone(),
            last_date: self.last_date.clone(),
            setting: self.setting.clone(),
            proximity: self.proximity.clone(),
            duration_minutes: self.duration_minutes.clone(),
            certainty: self.certainty.clone(),
            notes: self.notes.clone(),
        })
    }
}

/// Records a contact from a page form; field errors come back for the form.
pub async fn contact_from_form(
    s: &AppState,
    u: &Authed,
    source: i64,
    f: &ContactForm,
) -> Result<Result<(), FormErrors>, PageError> {
    let body = match f.body() {
        Ok(b) => b,
        Err(e) => return Ok(Err(e.into())),
    };
    match record_contact(s, u, source, &body).await {
        Ok(_) => Ok(Ok(())),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => Ok(Err(FormErrors(e.errors))),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "person.html")]
struct DetailPage {
    l: Layout,
    p: PersonRow,
    flevels: Vec<FlevelRow>,
    held: Vec<FlevelRow>,
    cases: Vec<CaseRow>,
    contacts: Vec<ContactRow>,
    samples: Vec<SampleRow>,
    merged: Vec<PersonRow>,
    chain_svg: String,
    can_edit: bool,
    diseases: Vec<DiseaseRow>,
    labs: Vec<LabRow>,
    cf: ContactForm,
    cf_errors: FormErrors,
    sf: SampleDraft,
    sf_errors: FormErrors,
    merge_errors: FormErrors,
    ef: PersonDraft,
    ef_errors: FormErrors,
    choices: PersonChoices,
    ex: ExposureChoices,
    sample_kinds: Vec<Opt>,
    sample_reasons: Vec<Opt>,
}

impl DetailPage {
    fn disease_code(&self, id: &i64) -> String {
        self.diseases
            .iter()
            .find(|d| d.id == *id)
            .map(|d| d.code.clone())
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct Forms {
    cf: Option<(ContactForm, FormErrors)>,
    sf: Option<(SampleDraft, FormErrors)>,
    merge: Option<FormErrors>,
    edit: Option<(PersonDraft, FormErrors)>,
}

/// A stored person as the strings of the form that edits it.
fn draft_of(p: &PersonRow) -> PersonDraft {
    PersonDraft {
        full_name: p.full_name.clone(),
        id_kind: p.id_kind.clone().unwrap_or_default(),
        id_number: p.id_number.clone().unwrap_or_default(),
        birth_date: p.birth_display(),
        sex: p.sex.clone().unwrap_or_default(),
        phone: p.phone.clone().unwrap_or_default(),
        nationality: p.nationality.clone(),
        area_id: p.area_id.clone(),
        street: p.street.clone(),
        occupation: p.occupation.clone(),
        workplace: p.workplace.clone(),
    }
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    notice: Option<&str>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !u.can(Permission::ViewPersons) {
        return Err(PageError::forbidden());
    }
    let scope = u.scope(Permission::ViewPersons);
    let p = s.store.person(&scope, &u.who(), id).await?;
    let flevels = s.store.flevels_of(id).await?;
    let cases = s.store.cases_of_person(&scope, id).await?;
    let diseases = s.store.diseases().await?;
    let disease_id = cases
        .first()
        .map(|c| c.disease_id)
        .or_else(|| flevels.first().map(|f| f.disease_id))
        .or_else(|| diseases.first().map(|d| d.id));
    let (chain_svg, held) = match disease_id {
        Some(d) => {
            let chain = s.store.chain(d, &[id], 2, 150).await?;
            let svg = if chain.edges.is_empty() {
                String::new()
            } else {
                crate::api::cases::chain_svg(
                    &chain,
                    Some(id),
                    &format!("Chuỗi tiếp xúc quanh {}", p.full_name),
                )
            };
            (svg, s.store.held_by(&scope, id, d).await?)
        }
        None => (String::new(), vec![]),
    };
    let default_disease = diseases.first().map(|d| d.code.clone()).unwrap_or_default();
    let (cf, cf_errors) = forms.cf.unwrap_or_else(|| {
        (
            ContactForm {
                disease: default_disease.clone(),
                person: PersonDraft {
                    nationality: "VN".into(),
                    area_id: p.area_id.clone(),
                    ..Default::default()
                },
                ..Default::default()
            },
            FormErrors::default(),
        )
    });
    let (sf, sf_errors) = forms.sf.unwrap_or_else(|| {
        (
            SampleDraft {
                disease: default_disease.clone(),
                kind: "rt_pcr".into(),
                ..Default::default()
            },
            FormErrors::default(),
        )
    });
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, p.full_name.clone(), "persons").with_notice(notice),
            contacts: s.store.contacts_of(&scope, id).await?,
            samples: s
                .store
                .samples(
                    &scope,
                    &chongdich_store::samples::SampleFilter {
                        person_id: Some(id),
                        ..Default::default()
                    },
                    100,
                    0,
                )
                .await?
                .items,
            merged: s.store.merged_into(&scope, id).await?,
            can_edit: u.can(Permission::EditSurveillance),
            labs: s.store.labs(&scope).await?,
            choices: person_choices(s, u).await?,
            ex: exposure_choices(),
            sample_kinds: opts(SampleKind::ALL, SampleKind::as_str, SampleKind::label),
            sample_reasons: opts(SampleReason::ALL, SampleReason::as_str, SampleReason::label),
            merge_errors: forms.merge.unwrap_or_default(),
            ef_errors: forms.edit.as_ref().map(|e| e.1.clone()).unwrap_or_default(),
            ef: forms.edit.map(|e| e.0).unwrap_or_else(|| draft_of(&p)),
            p,
            flevels,
            held,
            cases,
            chain_svg,
            diseases,
            cf,
            cf_errors,
            sf,
            sf_errors,
        },
    )
}

async fn detail(
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
        Forms::default(),
        StatusCode::OK,
    )
    .await
}

async fn add_contact(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<ContactForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    match contact_from_form(&s, u, id, &sub.form).await? {
        Ok(()) => Ok(see_other(&format!("/persons/{id}?msg=contact#contacts"))),
        Err(errors) => {
            let forms = Forms {
                cf: Some((sub.form.clone(), errors)),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn add_sample(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<SampleDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let result = match sub.form.parse(s.clock.today()) {
        Ok(input) => s
            .store
            .create_sample(&u.scope(Permission::EditSurveillance), &u.who(), id, &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/persons/{id}?msg=sample#samples"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let forms = Forms {
                sf: Some((sub.form.clone(), FormErrors(e.errors))),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct MergeForm {
    #[serde(default)]
    merged_id: String,
}

async fn merge(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<MergeForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let result = match sub
        .form
        .merged_id
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
    {
        Ok(m) => s
            .store
            .merge_persons(&u.scope(Permission::EditSurveillance), &u.who(), id, m)
            .await
            .map_err(ApiError::from),
        Err(_) => Err(Invalid::field("merged_id", "nhập mã hồ sơ cần gộp (một số)").into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/persons/{id}?msg=merged"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let forms = Forms {
                merge: Some(FormErrors(e.errors)),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<PersonDraft>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let result = match sub.form.parse(s.clock.today()) {
        Ok(input) => s
            .store
            .update_person(&u.scope(Permission::EditSurveillance), &u.who(), id, &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/persons/{id}?msg=saved"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let forms = Forms {
                edit: Some((sub.form.clone(), FormErrors(e.errors))),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
