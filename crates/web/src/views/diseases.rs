//! Diseases and their versioned rule sets. Everyone signed in reads them; administrators
//! (`ManageRules`) add a disease or a new version of its rules — a version is never edited.

use super::outbreaks::{Choice, form_errors, found, require};
use super::{FormErrors, Layout, Notice, Submitted, render_status, see_other, vn_date};
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
use chongdich_domain::case::Classification;
use chongdich_domain::disease::{RuleParams, RuleSet, RuleSetDraft};
use chongdich_domain::sample::SampleKind;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/diseases", get(list).post(create))
        .route("/diseases/{code}", get(detail))
        .route("/diseases/{code}/rule-sets", post(add_rule_set))
}

/// The Vietnamese name of a rule parameter (`RuleParams::NAMES`).
pub fn param_label(name: &str) -> &'static str {
    match name {
        "max_f_level" => "Truy vết tối đa đến",
        "infectious_days_before_onset" => "Lây từ trước khởi phát (ngày)",
        "contact_window_days" => "Cửa sổ tiếp xúc (ngày)",
        "f0_classifications" => "Tính là F0",
        "confirming_tests" => "Xét nghiệm khẳng định",
        _ => "Tham số khác",
    }
}

fn validity(r: &RuleSet) -> String {
    match r.valid_to {
        Some(t) => format!("{} – {}", vn_date(&r.valid_from), vn_date(&t)),
        None => format!("từ {}", vn_date(&r.valid_from)),
    }
}

pub struct DiseaseLine {
    pub code: String,
    pub name: String,
    pub icd10: String,
    /// "v4 — name" of the rule set in force today, empty when none is.
    pub rules: String,
    pub source: String,
}

/// The new-disease form as typed.
#[derive(Debug, Deserialize, Default)]
pub struct DiseaseForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    icd10: String,
}

#[derive(Template)]
#[template(path = "diseases.html")]
struct ListPage {
    l: Layout,
    diseases: Vec<DiseaseLine>,
    can_manage: bool,
    form: DiseaseForm,
    errors: FormErrors,
    today: String,
}

async fn list_page(
    s: &AppState,
    u: &Authed,
    notice: Option<&str>,
    form: DiseaseForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let today = s.clock.today();
    let mut diseases = Vec::new();
    // A handful of diseases: one read each for its rule sets.
    for d in s.store.diseases().await? {
        let rules = s.store.disease(d.id).await?;
        let current = rules.in_force(today);
        diseases.push(DiseaseLine {
            rules: current
                .map(|r| format!("v{} — {}", r.version, r.name))
                .unwrap_or_default(),
            source: current.map(|r| r.source.clone()).unwrap_or_default(),
            code: d.code,
            name: d.name,
            icd10: d.icd10.unwrap_or_default(),
        });
    }
    render_status(
        status,
        &ListPage {
            l: Layout::for_user(u, "Bệnh và bộ quy tắc", "diseases").with_notice(notice),
            diseases,
            can_manage: u.can(Permission::ManageRules),
            form,
            errors,
            today: vn_date(&today),
        },
    )
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    list_page(
        &s,
        &u,
        n.msg.as_deref(),
        DiseaseForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    sub: Submitted<DiseaseForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    let f = &sub.form;
    let errors = match s
        .store
        .create_disease(&u.who(), &f.code, &f.name, &f.icd10)
        .await
    {
        Ok(d) => return Ok(see_other(&format!("/diseases/{}?msg=created", d.code))),
        Err(e) => form_errors(e)?,
    };
    list_page(
        &s,
        u,
        None,
        sub.form,
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// One parameter of a rule set as shown: its value, and whether a faithful source backs it.
pub struct ParamCell {
    pub value: String,
    pub verified: bool,
}

pub struct RuleLine {
    pub version: i32,
    pub name: String,
    pub source: String,
    pub validity: String,
    pub in_force: bool,
    /// In the order of `RuleParams::NAMES`.
    pub params: Vec<ParamCell>,
    pub notes: String,
}

fn rule_line(r: &RuleSet, in_force: bool) -> RuleLine {
    let p = &r.params;
    let join = |v: Vec<&str>| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.join(", ")
        }
    };
    let value = |name: &str| match name {
        "max_f_level" => match p.max_f_level {
            0 => "không truy vết tiếp xúc".to_owned(),
            n => format!("F{n}"),
        },
        "infectious_days_before_onset" => p.infectious_days_before_onset.to_string(),
        "contact_window_days" => p.contact_window_days.to_string(),
        "f0_classifications" => join(p.f0_classifications.iter().map(|c| c.label()).collect()),
        "confirming_tests" => join(p.confirming_tests.iter().map(|t| t.label()).collect()),
        _ => String::new(),
    };
    RuleLine {
        version: r.version,
        name: r.name.clone(),
        source: r.source.clone(),
        validity: validity(r),
        in_force,
        params: RuleParams::NAMES
            .iter()
            .map(|n| ParamCell {
                value: value(n),
                verified: p.is_verified(n),
            })
            .collect(),
        notes: p.notes.clone(),
    }
}

/// A checkbox of the rule-set form.
pub struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

fn checks(choices: Vec<Choice>, typed: &str) -> Vec<Check> {
    let on: Vec<&str> = typed.split(',').map(str::trim).collect();
    choices
        .into_iter()
        .map(|c| Check {
            checked: on.contains(&c.value.as_str()),
            value: c.value,
            label: c.label,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "disease.html")]
struct DetailPage {
    l: Layout,
    code: String,
    name: String,
    icd10: String,
    today: String,
    rules: Vec<RuleLine>,
    param_headers: Vec<&'static str>,
    can_manage: bool,
    next_version: i32,
    form: RuleSetDraft,
    f0_checks: Vec<Check>,
    test_checks: Vec<Check>,
    unverified_checks: Vec<Check>,
    errors: FormErrors,
}

async fn detail_page(
    s: &AppState,
    u: &Authed,
    code: &str,
    notice: Option<&str>,
    typed: Option<(RuleSetDraft, FormErrors)>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let d = found(s.store.disease_by_code(code).await)?;
    let today = s.clock.today();
    let current = d.in_force(today).map(|r| r.version);
    let latest = d.rule_sets.iter().max_by_key(|r| r.version);
    let next_version = latest.map_or(1, |r| r.version + 1);
    let (form, errors) = typed.unwrap_or_else(|| {
        let draft = match latest {
            // The new version starts when its document does: the dates are typed afresh.
            Some(r) => RuleSetDraft {
                valid_from: String::new(),
                valid_to: String::new(),
                ..RuleSetDraft::of(r)
            },
            None => RuleSetDraft::default(),
        };
        (draft, FormErrors::default())
    });
    let f0_checks = checks(
        Classification::ALL
            .iter()
            .map(|c| Choice::new(c.as_str(), c.label()))
            .collect(),
        &form.f0_classifications,
    );
    let test_checks = checks(
        SampleKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), k.label()))
            .collect(),
        &form.confirming_tests,
    );
    let unverified_checks = checks(
        RuleParams::NAMES
            .iter()
            .map(|n| Choice::new(*n, param_label(n)))
            .collect(),
        &form.unverified,
    );
    render_status(
        status,
        &DetailPage {
            l: Layout::for_user(u, format!("{} — bộ quy tắc", d.disease.name), "diseases")
                .with_notice(notice),
            code: d.disease.code.clone(),
            name: d.disease.name.clone(),
            icd10: d.disease.icd10.clone().unwrap_or_default(),
            today: vn_date(&today),
            rules: d
                .rule_sets
                .iter()
                .rev()
                .map(|r| rule_line(r, Some(r.version) == current))
                .collect(),
            param_headers: RuleParams::NAMES.iter().map(|n| param_label(n)).collect(),
            can_manage: u.can(Permission::ManageRules),
            next_version,
            form,
            f0_checks,
            test_checks,
            unverified_checks,
            errors,
        },
    )
}

pub async fn detail(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(code): Path<String>,
    Query(n): Query<Notice>,
) -> Result<Response, PageError> {
    detail_page(&s, &u, &code, n.msg.as_deref(), None, StatusCode::OK).await
}

/// The rule-set form's fields; the lists come as repeated checkboxes and are joined with
/// commas, as [`RuleSetDraft`] reads them.
fn draft_of(pairs: &[(String, String)]) -> RuleSetDraft {
    let one = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let many = |k: &str| {
        pairs
            .iter()
            .filter(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect::<Vec<_>>()
            .join(",")
    };
    RuleSetDraft {
        name: one("name"),
        source: one("source"),
        valid_from: one("valid_from"),
        valid_to: one("valid_to"),
        max_f_level: one("max_f_level"),
        infectious_days_before_onset: one("infectious_days_before_onset"),
        contact_window_days: one("contact_window_days"),
        f0_classifications: many("f0_classifications"),
        confirming_tests: many("confirming_tests"),
        unverified: many("unverified"),
        notes: one("notes"),
    }
}

pub async fn add_rule_set(
    State(s): State<AppState>,
    Path(code): Path<String>,
    sub: Submitted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    let d = found(s.store.disease_by_code(&code).await)?;
    let draft = draft_of(&sub.form);
    let errors = match s.store.add_rule_set(&u.who(), d.disease.id, &draft).await {
        Ok(_) => {
            return Ok(see_other(&format!(
                "/diseases/{}?msg=rules",
                d.disease.code
            )));
        }
        Err(e) => form_errors(e)?,
    };
    detail_page(
        &s,
        u,
        &code,
        None,
        Some((draft, errors)),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
