//! `/api/v1/persons…`: people (one record however many roles), duplicates, merges, contacts
//! and their F-levels. Every read of a person is audited by the store.

use super::require;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiJson, ApiPath, ApiQuery, PageParams};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chongdich_domain::access::Permission;
use chongdich_domain::area::AreaId;
use chongdich_domain::exposure::ExposureDraft;
use chongdich_domain::person::PersonDraft;
use chongdich_store::contacts::{ContactRow, Exposed, FlevelRow};
use chongdich_store::persons::{Created, PersonFilter, PersonRow};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    pub full_name: String,
    /// `cccd`, `cmnd` or `passport`.
    pub id_kind: Option<String>,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    /// `male` or `female`.
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub nationality: String,
    pub area_id: String,
    pub area_name: String,
    pub street: String,
    pub occupation: String,
    pub workplace: String,
    /// Set when this record was merged into another.
    pub merged_into: Option<i64>,
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Self {
        Self {
            id: r.id,
            full_name: r.full_name,
            id_kind: r.id_kind,
            id_number: r.id_number,
            birth_date: r.birth_date,
            birth_year: r.birth_year,
            sex: r.sex,
            phone: r.phone,
            nationality: r.nationality,
            area_id: r.area_id,
            area_name: r.area_name,
            street: r.street,
            occupation: r.occupation,
            workplace: r.workplace,
            merged_into: r.merged_into,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<Person>,
    /// Counted up to 10,001: more than 10,000 means "10.000+".
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

/// A new person. With `confirm_new: false` (the default) and possible duplicates found, nothing
/// is written and the answer is 409 with the candidates.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPerson {
    #[serde(flatten)]
    #[schema(inline)]
    pub person: PersonDraftSchema,
    #[serde(default)]
    pub confirm_new: bool,
}

/// The fields of a person as sent (strings; dates dd/mm/yyyy or yyyy-mm-dd, or a year).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct PersonDraftSchema {
    pub full_name: String,
    /// `cccd`, `cmnd`, `passport` (guessed from the number when empty).
    pub id_kind: String,
    pub id_number: String,
    pub birth_date: String,
    pub sex: String,
    pub phone: String,
    pub nationality: String,
    pub area_id: String,
    pub street: String,
    pub occupation: String,
    pub workplace: String,
}

impl PersonDraftSchema {
    pub fn draft(&self) -> PersonDraft {
        PersonDraft {
            full_name: self.full_name.clone(),
            id_kind: self.id_kind.clone(),
            id_number: self.id_number.clone(),
            birth_date: self.birth_date.clone(),
            sex: self.sex.clone(),
            phone: self.phone.clone(),
            nationality: self.nationality.clone(),
            area_id: self.area_id.clone(),
            street: self.street.clone(),
            occupation: self.occupation.clone(),
            workplace: self.workplace.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Candidates {
    pub code: String,
    pub message: String,
    pub candidates: Vec<Person>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonQuery {
    /// Name (diacritics ignored, given name or full name), CCCD/CMND/passport or phone.
    pub q: Option<String>,
    pub area_id: Option<String>,
    /// Only people at this F-level (1–5) of `disease`.
    pub f_level: Option<u8>,
    /// Disease code, e.g. `covid19`.
    pub disease: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

pub(crate) async fn person_filter(
    s: &AppState,
    q: Option<&str>,
    area: Option<&str>,
    f_level: Option<u8>,
    disease: Option<&str>,
) -> Result<PersonFilter, ApiError> {
    let area = match area.filter(|a| !a.trim().is_empty()) {
        Some(a) => Some(AreaId::parse(a)?),
        None => None,
    };
    let disease_id = match disease.filter(|d| !d.trim().is_empty()) {
        Some(d) => Some(s.store.disease_for_input(d).await?.disease.id),
        None => None,
    };
    if let Some(l) = f_level
        && !(1..=5).contains(&l)
    {
        return Err(chongdich_domain::Invalid::field("f_level", "F-level từ 1 đến 5").into());
    }
    Ok(PersonFilter {
        q: q.unwrap_or_default().to_owned(),
        area,
        f_level,
        disease_id,
    })
}

/// People within your area: search by name, ID number or phone; filter by area and F-level.
#[utoipa::path(get, path = "/api/v1/persons", tag = "persons", params(PersonQuery),
    responses((status = 200, body = PersonPage), (status = 401, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> Result<Json<PersonPage>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let f = person_filter(
        &s,
        q.q.as_deref(),
        q.area_id.as_deref(),
        q.f_level,
        q.disease.as_deref(),
    )
    .await?;
    let p = PageParams {
        limit: q.limit,
        offset: q.offset,
    };
    let page = s
        .store
        .persons(
            &u.scope(Permission::ViewPersons),
            &u.who(),
            &f,
            p.limit(),
            p.offset(),
        )
        .await?;
    Ok(Json(PersonPage {
        items: page.items.into_iter().map(Person::from).collect(),
        total: page.total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// Register a person. Possible duplicates (same ID number, phone, or name + birth year) are
/// returned with 409 unless `confirm_new` is true.
#[utoipa::path(post, path = "/api/v1/persons", tag = "persons", request_body = NewPerson,
    responses((status = 201, body = Person), (status = 409, body = Candidates), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiJson(body): ApiJson<NewPerson>,
) -> Result<Response, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let input = body.person.draft().parse(s.clock.today())?;
    match s
        .store
        .create_person(&u.scope(Permission::EditSurveillance), &u.who(), &input, body.confirm_new)
        .await?
    {
        Created::New(p) => Ok((StatusCode::CREATED, Json(Person::from(*p))).into_response()),
        Created::Candidates(c) => Ok((
            StatusCode::CONFLICT,
            Json(Candidates {
                code: "possible_duplicates".into(),
                message: format!(
                    "có {} hồ sơ có thể trùng; dùng hồ sơ có sẵn hoặc gửi lại với confirm_new = true",
                    c.len()
                ),
                candidates: c.into_iter().map(Person::from).collect(),
            }),
        )
            .into_response()),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Flevel {
    /// Disease id.
    pub disease_id: i64,
    /// 1 = F1 … 5 = F5.
    pub level: i32,
    /// The person one step nearer the F0.
    pub via_person_id: i64,
    pub via_name: String,
    /// The F0.
    pub root_person_id: i64,
    pub root_name: String,
    pub exposure_id: i64,
    /// From when this person may have been infected along that path.
    pub exposed_on: NaiveDate,
}

impl From<FlevelRow> for Flevel {
    fn from(r: FlevelRow) -> Self {
        Self {
            disease_id: r.disease_id,
            level: r.level,
            via_person_id: r.via_person_id,
            via_name: r.via_name,
            root_person_id: r.root_person_id,
            root_name: r.root_name,
            exposure_id: r.exposure_id,
            exposed_on: r.exposed_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDetail {
    #[serde(flatten)]
    pub person: Person,
    /// Derived F-levels with their explanation.
    pub f_levels: Vec<Flevel>,
    /// Records merged into this one.
    pub merged: Vec<Person>,
}

/// One person, with F-levels; the read is audited.
#[utoipa::path(get, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = i64, Path)),
    responses((status = 200, body = PersonDetail), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn get_one(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<PersonDetail>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    let scope = u.scope(Permission::ViewPersons);
    let p = s.store.person(&scope, &u.who(), id).await?;
    Ok(Json(PersonDetail {
        person: p.into(),
        f_levels: s
            .store
            .flevels_of(id)
            .await?
            .into_iter()
            .map(Flevel::from)
            .collect(),
        merged: s
            .store
            .merged_into(&scope, id)
            .await?
            .into_iter()
            .map(Person::from)
            .collect(),
    }))
}

/// Correct a person's record.
#[utoipa::path(put, path = "/api/v1/persons/{id}", tag = "persons", params(("id" = i64, Path)),
    request_body = PersonDraftSchema,
    responses((status = 200, body = Person), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn update(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<PersonDraftSchema>,
) -> Result<Json<Person>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let input = body.draft().parse(s.clock.today())?;
    Ok(Json(
        s.store
            .update_person(&u.scope(Permission::EditSurveillance), &u.who(), id, &input)
            .await?
            .into(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MergeBody {
    /// The record merged into this one (it is kept, marked as merged).
    pub merged_id: i64,
}

/// Merge another record into this one: cases, samples and contacts move here; both histories
/// are kept.
#[utoipa::path(post, path = "/api/v1/persons/{id}/merge", tag = "persons", params(("id" = i64, Path)),
    request_body = MergeBody,
    responses((status = 200, body = Person), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn merge(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<MergeBody>,
) -> Result<Json<Person>, ApiError> {
    require(&u, Permission::EditSurveillance)?;
    Ok(Json(
        s.store
            .merge_persons(
                &u.scope(Permission::EditSurveillance),
                &u.who(),
                id,
                body.merged_id,
            )
            .await?
            .into(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub exposure_id: i64,
    pub disease_id: i64,
    pub source_person_id: i64,
    pub exposed_person_id: i64,
    pub other_id: i64,
    pub other_name: String,
    /// The other person's F-level for the disease, if any.
    pub other_level: Option<i32>,
    /// The other person is a confirmed case.
    pub other_is_case: bool,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub setting: String,
    pub proximity: String,
    pub certainty: String,
    pub duration_minutes: Option<i32>,
    pub notes: String,
}

impl From<ContactRow> for Contact {
    fn from(r: ContactRow) -> Self {
        Self {
            exposure_id: r.exposure_id,
            disease_id: r.disease_id,
            source_person_id: r.source_person_id,
            exposed_person_id: r.exposed_person_id,
            other_id: r.other_id,
            other_name: r.other_name,
            other_level: r.other_level,
            other_is_case: r.other_is_case,
            first_date: r.first_date,
            last_date: r.last_date,
            setting: r.setting,
            proximity: r.proximity,
            certainty: r.certainty,
            duration_minutes: r.duration_minutes,
            notes: r.notes,
        }
    }
}

/// A person's contacts, both directions.
#[utoipa::path(get, path = "/api/v1/persons/{id}/contacts", tag = "persons", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Contact>), (status = 404, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn contacts(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<Contact>>, ApiError> {
    require(&u, Permission::ViewPersons)?;
    Ok(Json(
        s.store
            .contacts_of(&u.scope(Permission::ViewPersons), id)
            .await?
            .into_iter()
            .map(Contact::from)
            .collect(),
    ))
}

/// A contact of this person (the source): an existing person (`exposed_person_id`) or a new
/// one (`person`), with the exposure.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContact {
    /// Disease code, e.g. `covid19`.
    pub disease: String,
    pub exposed_person_id: Option<i64>,
    pub person: Option<PersonDraftSchema>,
    /// Dates dd/mm/yyyy or yyyy-mm-dd; `last_date` defaults to `first_date`.
    pub first_date: String,
    #[serde(default)]
    pub last_date: String,
    #[serde(default)]
    pub setting: String,
    /// `physical`, `within_2m`, `same_space`, `care`, `other`.
    #[serde(default)]
    pub proximity: String,
    #[serde(default)]
    pub duration_minutes: String,
    /// `confirmed`, `probable`, `possible`.
    #[serde(default)]
    pub certainty: String,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactCreated {
    pub exposure_id: i64,
    pub exposed_person_id: i64,
    /// The exposed person's F-levels after recomputation.
    pub f_levels: Vec<Flevel>,
}

/// Record a contact; F-levels around both people are recomputed at once.
#[utoipa::path(post, path = "/api/v1/persons/{id}/contacts", tag = "persons", params(("id" = i64, Path)),
    request_body = NewContact,
    responses((status = 201, body = ContactCreated), (status = 422, body = ErrorBody)),
    security(("token" = []), ("session" = [])))]
pub async fn add_contact(
    State(s): State<AppState>,
    ApiUser(u): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<ContactCreated>), ApiError> {
    require(&u, Permission::EditSurveillance)?;
    let (exposure_id, exposed_id) = record_contact(&s, &u, id, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(ContactCreated {
            exposure_id,
            exposed_person_id: exposed_id,
            f_levels: s
                .store
                .flevels_of(exposed_id)
                .await?
                .into_iter()
                .map(Flevel::from)
                .collect(),
        }),
    ))
}

/// Parses and records a contact; shared by the API and the page.
pub(crate) async fn record_contact(
    s: &AppState,
    u: &crate::auth::Authed,
    source: i64,
    body: &NewContact,
) -> Result<(i64, i64), ApiError> {
    let today = s.clock.today();
    let mut c = chongdich_domain::error::Collector::new();
    let disease = match s.store.disease_for_input(&body.disease).await {
        Ok(d) => Some(d),
        Err(chongdich_store::StoreError::Invalid(e)) => {
            c.take::<()>(Err(e));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let exposure = c.take(
        ExposureDraft {
            first_date: body.first_date.clone(),
            last_date: body.last_date.clone(),
            setting: body.setting.clone(),
            proximity: body.proximity.clone(),
            duration_minutes: body.duration_minutes.clone(),
            certainty: body.certainty.clone(),
            notes: body.notes.clone(),
        }
        .parse(today),
    );
    let exposed = match (body.exposed_person_id, &body.person) {
        (Some(id), None) => Some(Exposed::Existing(id)),
        (None, Some(p)) => c
            .take(p.draft().parse(today))
            .map(|p| Exposed::New(Box::new(p))),
        _ => {
            c.push(
                "exposed_person_id",
                "cho biết người tiếp xúc: exposed_person_id (có sẵn) hoặc person (người mới)",
            );
            None
        }
    };
    c.finish()?;
    let (Some(disease), Some(exposure), Some(exposed)) = (disease, exposure, exposed) else {
        return Err(ApiError::internal("parsed contact fields missing"));
    };
    let scope = u.scope(Permission::EditSurveillance);
    let (exposure_id, exposed_id) = s
        .store
        .add_exposure(
            &scope,
            &u.who(),
            disease.disease.id,
            source,
            &exposed,
            &exposure,
        )
        .await?;
    Ok((exposure_id, exposed_id))
}
