//! Case pages: the filtered list with its epidemic curve and exports, registering a case
//! (with the person, duplicates offered), and a case's record: classification with history,
//! outcome, outbreak, contacts and the chain of transmission.

use super::areas::Pager;
use super::persons::{
    ContactForm, ExposureChoices, Opt, PersonChoices, contact_from_form, exposure_choices, opts,
    person_choices,
};
use super::{FormErrors, Layout, Notice, Submitted, render_status, see_other};
use crate::AppState;
use crate::api::cases::CaseQuery;
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
use chongdich_domain::case::{CaseDraft, Classification, FoundIn, Outcome, Setting, parse_outcome};
use chongdich_domain::person::PersonDraft;
use chongdich_store::cases::{CaseEventRow, CaseRow};
use chongdich_store::contacts::ContactRow;
use chongdich_store::diseases::DiseaseRow;
use chongdich_store::outbreaks::OutbreakRow;
use chongdich_store::persons::{Created, PersonRow};
use chrono::Duration;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list).post(create))
        .route("/cases/new", get(new_page))
        .route("/cases/export", get(export))
        .route("/cases/{id}", get(detail))
        .route("/cases/{id}/classification", post(classify))
        .route("/cases/{id}/outcome", post(outcome))
        .route("/cases/{id}/outbreak", post(set_outbreak))
        .route("/cases/{id}/contacts", post(add_contact))
}

fn case_choices() -> (Vec<Opt>, Vec<Opt>, Vec<Opt>) {
    (
        opts(
            Classification::ALL,
            Classification::as_str,
            Classification::label,
        ),
        opts(FoundIn::ALL, FoundIn::as_str, FoundIn::label),
        opts(Setting::ALL, Setting::as_str, Setting::label),
    )
}

// ---- list ----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    area_id: String,
    disease: String,
    classification: String,
    found_in: String,
    outbreak_id: String,
    from: String,
    to: String,
    page: Option<u64>,
    msg: Option<String>,
}

impl ListQuery {
    fn api(&self) -> Result<CaseQuery, Invalid> {
        let some = |s: &String| Some(s.clone()).filter(|v| !v.trim().is_empty());
        Ok(CaseQuery {
            q: some(&self.q),
            area_id: some(&self.area_id),
            disease: some(&self.disease),
            classification: some(&self.classification),
            found_in: some(&self.found_in),
            outbreak_id: match self.outbreak_id.trim() {
                "" => None,
                v => Some(
                    v.parse()
                        .map_err(|_| Invalid::field("outbreak_id", "mã ổ dịch là một số"))?,
                ),
            },
            from: some(&self.from),
            to: some(&self.to),
            ..Default::default()
        })
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("q", &self.q),
            ("area_id", &self.area_id),
            ("disease", &self.disease),
            ("classification", &self.classification),
            ("found_in", &self.found_in),
            ("outbreak_id", &self.outbreak_id),
            ("from", &self.from),
            ("to", &self.to),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    l: Layout,
    q: ListQuery,
    qs: String,
    cases: Vec<CaseRow>,
    pager: Pager,
    capped: bool,
    diseases: Vec<DiseaseRow>,
    classifications: Vec<Opt>,
    found_ins: Vec<Opt>,
    curve_svg: String,
    curve_note: String,
    can_edit: bool,
}

/// The epidemic curve of the cases matching a filter, one bar per day with zero days filled,
/// community cases apart from cases found in quarantine, lockdown or at entry.
pub async fn curve_svg(
    s: &AppState,
    u: &Authed,
    f: &chongdich_store::cases::CaseFilter,
    title: &str,
) -> Result<String, PageError> {
    let points = s.store.curve(&u.scope(Permission::ViewPersons), f).await?;
    let (Some(first), Some(last)) = (points.first().map(|p| p.day), points.last().map(|p| p.day))
    else {
        return Ok(String::new());
    };
    let first = first.max(last - Duration::days(399));
    let mut days = Vec::new();
    let mut d = first;
    while d <= last {
        let mut v = [0u32; 2];
        for p in points.iter().filter(|p| p.day == d) {
            let i = if p.found_in == FoundIn::Community.as_str() {
                0
            } else {
                1
            };
            v[i] += u32::try_from(p.n).unwrap_or(u32::MAX);
        }
        days.push(chongdich_svg::curve::Day {
            label: d.format("%d/%m").to_string(),
            values: v.to_vec(),
        });
        d += Duration::days(1);
    }
    let series = [
        chongdich_svg::curve::Series {
            label: "Cộng đồng".into(),
            color: "#c62828".into(),
        },
        chongdich_svg::curve::Series {
            label: "Đã cách ly / phong tỏa / nhập cảnh".into(),
            color: "#90a4ae".into(),
        },
    ];
    Ok(chongdich_svg::curve::epi_curve(&days, &series, title))
}

async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    if !u.can(Permission::ViewPersons) {
        return Err(PageError::forbidden());
    }
    let api = q.api()?;
    let mut f = api.filter(&s).await?;
    let page = q.page.unwrap_or(1).max(1);
    let p = s
        .store
        .cases(
            &u.scope(Permission::ViewPersons),
            &u.who(),
            &f,
            50,
            (page - 1) * 50,
        )
        .await?;
    // The curve covers the chosen period, or the last 60 days when none is chosen.
    let mut curve_note = String::new();
    if f.from.is_none() && f.to.is_none() && f.outbreak_id.is_none() {
        f.from = Some(s.clock.today() - Duration::days(59));
        curve_note = "60 ngày gần nhất".into();
    }
    let curve = curve_svg(&s, &u, &f, "Số ca theo ngày").await?;
    let qs = q.query_string();
    let link = {
        let qs = qs.clone();
        move |n: u64| format!("/cases?{qs}&page={n}")
    };
    let (classifications, found_ins, _) = case_choices();
    render_status(
        StatusCode::OK,
        &ListPage {
            l: Layout::for_user(&u, "Ca bệnh", "cases").with_notice(q.msg.as_deref()),
            pager: Pager::new(p.total.min(10_000), page, 50, link),
            capped: p.total > 10_000,
            cases: p.items,
            diseases: s.store.diseases().await?,
            classifications,
            found_ins,
            curve_svg: curve,
            curve_note,
            can_edit: u.can(Permission::EditSurveillance),
            qs,
            q,
        },
    )
}

async fn export(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    if !u.can(Permission::ViewPersons) {
        return Err(PageError::forbidden());
    }
    let mut api = q.list.api()?;
    api.format = Some(q.format.clone());
    crate::api::cases::export_response(&s, &u, &api)
        .await
        .map_err(PageError::from)
}

#[derive(Debug, Default, Deserialize)]
struct ExportQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default)]
    format: String,
}

// ---- register ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CaseForm {
    /// An existing person; empty to register the person with the fields below.
    person_id: String,
    confirm_new: String,
    #[serde(flatten)]
    person: PersonDraft,
    disease: String,
    classification: String,
    case_code: String,
    onset_date: String,
    sample_date: String,
    confirmed_date: String,
    isolated_on: String,
    found_in: String,
    source_known: String,
    setting: String,
    treatment_place: String,
    illegal_entry: String,
    notes: String,
}

impl CaseForm {
    fn draft(&self) -> CaseDraft {
        CaseDraft {
            disease: self.disease.clone(),
            classification: self.classification.clone(),
            case_code: self.case_code.clone(),
            onset_date: self.onset_date.clone(),
            sample_date: self.sample_date.clone(),
            confirmed_date: self.confirmed_date.clone(),
            isolated_on: self.isolated_on.clone(),
            found_in: self.found_in.clone(),
            source_known: !self.source_known.is_empty(),
            setting: self.setting.clone(),
            treatment_place: self.treatment_place.clone(),
            illegal_entry: !self.illegal_entry.is_empty(),
            notes: self.notes.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct NewPage {
    l: Layout,
    f: CaseForm,
    pf: PersonDraft,
    person: Option<PersonRow>,
    errors: FormErrors,
    candidates: Vec<PersonRow>,
    choices: PersonChoices,
    diseases: Vec<DiseaseRow>,
    classifications: Vec<Opt>,
    found_ins: Vec<Opt>,
    settings: Vec<Opt>,
}

async fn new_form(
    s: &AppState,
    u: &Authed,
    f: CaseForm,
    errors: FormErrors,
    candidates: Vec<PersonRow>,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let person = match f.person_id.trim().parse::<i64>() {
        Ok(id) => Some(
            s.store
                .person(&u.scope(Permission::EditSurveillance), &u.who(), id)
                .await?,
        ),
        Err(_) => None,
    };
    let (classifications, found_ins, settings) = case_choices();
    render_status(
        status,
        &NewPage {
            l: Layout::for_user(u, "Đăng ký ca bệnh", "cases"),
            pf: f.person.clone(),
            f,
            person,
            errors,
            candidates,
            choices: person_choices(s, u).await?,
            diseases: s.store.diseases().await?,
            classifications,
            found_ins,
            settings,
        },
    )
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    #[serde(default)]
    person_id: String,
}

async fn new_page(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let diseases = s.store.diseases().await?;
    let f = CaseForm {
        person_id: q.person_id,
        disease: diseases.first().map(|d| d.code.clone()).unwrap_or_default(),
        classification: "suspected".into(),
        person: PersonDraft {
            nationality: "VN".into(),
            ..Default::default()
        },
        ..Default::default()
    };
    new_form(&s, &u, f, FormErrors::default(), vec![], StatusCode::OK).await
}

async fn create(
    State(s): State<AppState>,
    sub: Submitted<CaseForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let f = sub.form.clone();
    let today = s.clock.today();
    let scope = u.scope(Permission::EditSurveillance);
    // Parse both parts first, so every error shows at once and nothing is written on error.
    let mut c = chongdich_domain::error::Collector::new();
    let case = c.take(f.draft().parse(today));
    let existing = f.person_id.trim().parse::<i64>().ok();
    let person = if existing.is_none() {
        c.take(f.person.parse(today))
    } else {
        None
    };
    if let Err(e) = c.finish() {
        return new_form(&s, u, f, e.into(), vec![], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let Some(case) = case else {
        return Err(ApiError::internal("case missing").into());
    };
    if let Err(chongdich_store::StoreError::Invalid(e)) =
        s.store.disease_for_input(&case.disease).await
    {
        return new_form(&s, u, f, e.into(), vec![], StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let person_id = match (existing, person) {
        (Some(id), _) => id,
        (None, Some(p)) => match s
            .store
            .create_person(&scope, &u.who(), &p, !f.confirm_new.is_empty())
            .await
        {
            Ok(Created::New(row)) => row.id,
            Ok(Created::Candidates(cands)) => {
                return new_form(&s, u, f, FormErrors::default(), cands, StatusCode::CONFLICT)
                    .await;
            }
            Err(chongdich_store::StoreError::Invalid(e)) => {
                return new_form(&s, u, f, e.into(), vec![], StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
            Err(e) => return Err(e.into()),
        },
        (None, None) => return Err(ApiError::internal("person missing").into()),
    };
    match s
        .store
        .create_case(&scope, &u.who(), person_id, &case)
        .await
    {
        Ok(id) => Ok(see_other(&format!("/cases/{id}?msg=created"))),
        Err(chongdich_store::StoreError::Invalid(e)) => {
            let f = CaseForm {
                person_id: person_id.to_string(),
                ..f
            };
            new_form(&s, u, f, e.into(), vec![], StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---- a case ----

#[derive(Template)]
#[template(path = "case.html")]
struct DetailPage {
    l: Layout,
    c: CaseRow,
    history: Vec<CaseEventRow>,
    contacts: Vec<ContactRow>,
    chain_svg: String,
    outbreaks: Vec<OutbreakRow>,
    can_edit: bool,
    classifications: Vec<Opt>,
    outcomes: Vec<Opt>,
    cf: ContactForm,
    cf_errors: FormErrors,
    class_errors: FormErrors,
    outcome_errors: FormErrors,
    choices: PersonChoices,
    ex: ExposureChoices,
    rules_note: String,
}

#[derive(Default)]
struct Forms {
    cf: Option<(ContactForm, FormErrors)>,
    class_errors: FormErrors,
    outcome_errors: FormErrors,
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
    let c = s.store.case(&scope, &u.who(), id).await?;
    let chain = s.store.chain(c.disease_id, &[c.person_id], 3, 300).await?;
    let chain_svg = if chain.nodes.len() > 1 {
        crate::api::cases::chain_svg(
            &chain,
            Some(c.person_id),
            &format!("Chuỗi lây nhiễm quanh ca #{id}"),
        )
    } else {
        String::new()
    };
    let rules = s.store.disease(c.disease_id).await?;
    let rules_note = match rules.in_force(s.clock.today()) {
        Some(r) => format!(
            "Bộ quy tắc đang áp dụng: v{} — {} ({}): truy vết đến F{}, tiếp xúc trong {} ngày, lây từ {} ngày trước khởi phát{}.",
            r.version,
            r.name,
            r.source,
            r.params.max_f_level,
            r.params.contact_window_days,
            r.params.infectious_days_before_onset,
            if r.params.unverified.is_empty() {
                String::new()
            } else {
                format!("; chưa kiểm chứng: {}", r.params.unverified.join(", "))
            }
        ),
        None => "Chưa có bộ quy tắc áp dụng cho ngày hôm nay: F-level không được tính.".into(),
    };
    let (cf, cf_errors) = forms.cf.unwrap_or_else(|| {
        (
            ContactForm {
                disease: c.disease_code.clone(),
                person: PersonDraft {
                    nationality: "VN".into(),
                    area_id: c.area_id.clone(),
                    ..Default::default()
                },
                ..Default::default()
            },
            FormErrors::default(),
        )
    });
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, format!("Ca bệnh #{id}"), "cases").with_notice(notice),
            history: s.store.case_events(id).await?,
            contacts: s.store.contacts_of(&scope, c.person_id).await?,
            outbreaks: s
                .store
                .outbreaks(&scope, Some(c.disease_id), true, 200, 0)
                .await?
                .items,
            can_edit: u.can(Permission::EditSurveillance),
            classifications: opts(
                Classification::ALL,
                Classification::as_str,
                Classification::label,
            ),
            outcomes: opts(Outcome::ALL, Outcome::as_str, Outcome::label),
            cf,
            cf_errors,
            class_errors: forms.class_errors,
            outcome_errors: forms.outcome_errors,
            choices: person_choices(s, u).await?,
            ex: exposure_choices(),
            chain_svg,
            rules_note,
            c,
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

#[derive(Debug, Deserialize)]
struct ClassifyForm {
    #[serde(default)]
    classification: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    on_date: String,
}

async fn classify(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<ClassifyForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let f = &sub.form;
    let result: Result<(), ApiError> = async {
        let mut c = chongdich_domain::error::Collector::new();
        let to = c.take(Classification::parse(&f.classification));
        let on = c
            .take(chongdich_domain::vocab::parse_past_date(
                "on_date",
                &f.on_date,
                s.clock.today(),
            ))
            .flatten();
        c.finish()?;
        let Some(to) = to else {
            return Err(ApiError::internal("classification missing"));
        };
        s.store
            .classify_case(
                &u.scope(Permission::EditSurveillance),
                &u.who(),
                id,
                to,
                &f.reason,
                on,
            )
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/cases/{id}?msg=classified"))),
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let forms = Forms {
                class_errors: FormErrors(e.errors),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
struct OutcomeForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    outcome_date: String,
}

async fn outcome(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<OutcomeForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let scope = u.scope(Permission::EditSurveillance);
    let case = s.store.case(&scope, &u.who(), id).await?;
    let cl = case
        .classification()
        .ok_or_else(|| ApiError::internal("bad classification"))?;
    match parse_outcome(
        &sub.form.outcome,
        &sub.form.outcome_date,
        cl,
        s.clock.today(),
    ) {
        Ok((o, d)) => {
            s.store.set_outcome(&scope, &u.who(), id, o, d).await?;
            Ok(see_other(&format!("/cases/{id}?msg=saved")))
        }
        Err(e) => {
            let forms = Forms {
                outcome_errors: e.into(),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct OutbreakForm {
    #[serde(default)]
    outbreak_id: String,
}

async fn set_outbreak(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<OutbreakForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    if !u.can(Permission::EditSurveillance) {
        return Err(PageError::forbidden());
    }
    let o = match sub.form.outbreak_id.trim() {
        "" => None,
        v => Some(
            v.parse::<i64>()
                .map_err(|_| Invalid::field("outbreak_id", "mã ổ dịch là một số"))?,
        ),
    };
    s.store
        .set_case_outbreak(&u.scope(Permission::EditSurveillance), &u.who(), id, o)
        .await?;
    Ok(see_other(&format!("/cases/{id}?msg=saved")))
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
    let case = s
        .store
        .case(&u.scope(Permission::EditSurveillance), &u.who(), id)
        .await?;
    let mut form = sub.form.clone();
    form.disease = case.disease_code.clone();
    match contact_from_form(&s, u, case.person_id, &form).await? {
        Ok(()) => Ok(see_other(&format!("/cases/{id}?msg=contact#contacts"))),
        Err(errors) => {
            let forms = Forms {
                cf: Some((form, errors)),
                ..Default::default()
            };
            detail_page(&s, u, id, None, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
