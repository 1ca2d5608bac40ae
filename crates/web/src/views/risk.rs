//! Risk levels for the staff: assessments and their approval by the Steering Committee, a
//! unit's level and why, the inputs entered per unit (vaccination coverage, treatment
//! capacity, facts, neighbouring units), the measures a province adds, and the rule sets —
//! read by everyone signed in, edited and cloned by administrators.
//!
//! Everything is scoped: a user sees the assessments and units within their `ViewAreas`
//! scope; running an assessment and entering inputs need `AssessRisk`, approving and adding
//! measures `ApproveRisk`, editing rule sets `ManageRules`, each within its own scope.

use super::areas::Pager;
use super::outbreaks::{Choice, form_errors, found, require};
use super::{FormErrors, Layout, Submitted, render_status, see_other, vn_date, vn_datetime};
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
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::case::{FoundIn, Setting};
use chongdich_domain::clock::vietnam;
use chongdich_domain::risk::{
    self, CoverageField, Effect, Mark, Measure, MeasureCategory, Reason, ReasonOutcome,
    RiskRuleSet, Test, UnitLevel,
};
use chongdich_domain::text::clean;
use chongdich_domain::vocab::{parse_date, parse_past_date};
use chongdich_domain::{FieldError, Invalid};
use chongdich_store::StoreError;
use chongdich_store::areas::AreaRow;
use chongdich_store::risk::{AddedMeasure, AssessmentRow, Override};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Units per page of an assessment.
const PER_PAGE: u64 = 50;
/// Assessments on the list.
const RECENT: u64 = 50;
/// Rows of a unit's history.
const HISTORY: u64 = 30;
/// Override rows of the approval form.
const OVERRIDE_ROWS: usize = 3;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/risk", get(list))
        .route("/risk/assessments", post(run))
        .route("/risk/assessments/{id}", get(assessment))
        .route("/risk/assessments/{id}/approve", post(approve))
        .route("/risk/areas/{id}", get(area))
        .route("/risk/areas/{id}/coverage", post(set_coverage))
        .route("/risk/areas/{id}/capacity", post(set_capacity))
        .route("/risk/areas/{id}/facts", post(add_fact))
        .route("/risk/areas/{id}/neighbours", post(add_neighbour))
        .route(
            "/risk/areas/{id}/neighbours/estimate",
            post(estimate_neighbours),
        )
        .route(
            "/risk/areas/{id}/neighbours/{other}/remove",
            post(remove_neighbour),
        )
        .route("/risk/areas/{id}/measures", post(add_measure))
        .route("/risk/measures/{id}/remove", post(remove_measure))
        .route("/risk/rules", get(rules_list))
        .route("/risk/rules/{id}", get(rule_set).post(edit_rule_set))
        .route("/risk/rules/{id}/clone", post(clone_rule_set))
}

// ---------------------------------------------------------------------------------------------
// What the pages share: level badges, marks, reasons, numbers, notices.

/// A level as shown: its name in the rule set, in its colour (`level level-{colour}`).
pub struct LevelBadge {
    pub id: String,
    pub name: String,
    pub colour: String,
}

/// The badge of a level id of a rule set; `colour` as stored wins when given.
fn badge(rules: Option<&RiskRuleSet>, id: &str, colour: Option<&str>) -> LevelBadge {
    let def = rules.and_then(|r| r.level(id));
    LevelBadge {
        id: id.to_owned(),
        name: def.map_or_else(|| id.to_owned(), |d| d.name.clone()),
        colour: colour
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .or_else(|| def.map(|d| d.colour.as_str().to_owned()))
            .unwrap_or_else(|| "none".to_owned()),
    }
}

/// How far a rule is verified, as a badge.
pub struct MarkBadge {
    pub label: &'static str,
    pub class: &'static str,
    /// Verified rules carry no badge in the lists of reasons and measures.
    pub shown: bool,
}

fn mark_badge(m: Mark) -> MarkBadge {
    match m {
        Mark::Verified => MarkBadge {
            label: "đã kiểm chứng",
            class: "badge mark-verified",
            shown: false,
        },
        Mark::Summary => MarkBadge {
            label: "theo bản tóm tắt",
            class: "badge mark-summary",
            shown: true,
        },
        Mark::Unverified => MarkBadge {
            label: "chưa kiểm chứng",
            class: "badge unverified",
            shown: true,
        },
    }
}

/// One reason of a unit's level.
pub struct ReasonLine {
    pub text: String,
    pub not_computable: bool,
    pub source: String,
    pub mark: MarkBadge,
}

fn reason_lines(rs: Vec<Reason>) -> Vec<ReasonLine> {
    rs.into_iter()
        .map(|r| ReasonLine {
            not_computable: r.outcome == ReasonOutcome::NotComputable,
            text: r.text,
            source: r.source,
            mark: mark_badge(r.mark),
        })
        .collect()
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A number the Vietnamese way: 100000 → "100.000", 1.5 → "1,5" (at most 2 decimals).
pub fn vn_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.2}", x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    out.push_str(&group_thousands(int));
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// A fraction as a percentage: 0.7 → "70%", 0.555 → "55,5%".
pub fn vn_pct(fraction: f64) -> String {
    format!("{}%", vn_num((fraction * 1000.0).round() / 10.0))
}

/// The local day of a moment, dd/mm/yyyy.
fn vn_day(t: &DateTime<Utc>) -> String {
    vn_date(&t.with_timezone(&vietnam()).date_naive())
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Notices after the redirects of these pages, by key (never text from the URL); a count `n`
/// where one is told.
fn notice(key: &str, n: Option<u64>) -> Option<String> {
    Some(match key {
        "coverage" => "Đã ghi tỷ lệ tiêm chủng; số liệu được dùng từ lần đánh giá sau.".into(),
        "capacity" => {
            "Đã ghi đánh giá năng lực thu dung, điều trị; dùng từ lần đánh giá sau.".into()
        }
        "fact" => "Đã ghi nhận yếu tố; dùng từ lần đánh giá sau.".into(),
        "neighbour" => "Đã thêm đơn vị tiếp giáp.".into(),
        "neighbour_removed" => "Đã bỏ đơn vị tiếp giáp.".into(),
        "estimated" => format!(
            "Đã thêm {} cặp đơn vị tiếp giáp ước tính từ tọa độ trung tâm — hãy kiểm tra và sửa lại theo thực tế.",
            n.unwrap_or(0)
        ),
        "measure" => "Đã thêm biện pháp của địa phương.".into(),
        "measure_removed" => "Đã bỏ biện pháp của địa phương.".into(),
        "rules_saved" => "Đã lưu phiên bản mới của bộ quy tắc; các đánh giá trước giữ phiên bản đã dùng.".into(),
        "cloned" => "Đã tạo bộ quy tắc mới từ bản sao. Sửa các mức, tiêu chí và biện pháp theo kế hoạch của địa phương ở khung chỉnh sửa bên dưới.".into(),
        _ => return None,
    })
}

fn layout(u: &Authed, title: impl Into<String>, msg: Option<&str>, n: Option<u64>) -> Layout {
    let l = Layout::for_user(u, title, "risk");
    match msg.and_then(|k| notice(k, n)) {
        Some(text) => Layout {
            notice: Some(text),
            ..l
        },
        None => l.with_notice(msg),
    }
}

/// Every rule set, latest version, by id.
async fn latest_sets(s: &AppState) -> Result<Vec<RiskRuleSet>, PageError> {
    let mut out = Vec::new();
    for row in s.store.risk_rule_sets().await? {
        out.push(row.rules()?);
    }
    Ok(out)
}

fn by_id(sets: &[RiskRuleSet]) -> HashMap<String, &RiskRuleSet> {
    sets.iter().map(|r| (r.id.clone(), r)).collect()
}

/// A rule set's validity, dd/mm/yyyy – dd/mm/yyyy.
fn validity(from: NaiveDate, to: Option<NaiveDate>) -> String {
    match to {
        Some(t) => format!("{} – {}", vn_date(&from), vn_date(&t)),
        None => format!("từ {}", vn_date(&from)),
    }
}

fn tier_label(level: &str) -> &'static str {
    UnitLevel::parse(level).map_or("", UnitLevel::label)
}

fn status_label(status: &str) -> &'static str {
    match status {
        "proposed" => "Đề xuất (chưa phê duyệt)",
        "approved" => "Đã phê duyệt, công bố",
        _ => "Đã thay thế",
    }
}

/// The fact kinds the rule sets look at, labelled with the factor that reads them.
fn fact_kinds(sets: &[RiskRuleSet]) -> Vec<Choice> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for set in sets {
        for c in &set.criteria {
            if let Test::Fact { fact } = &c.test
                && seen.insert(fact.clone())
            {
                out.push(Choice::new(fact.clone(), format!("{} ({fact})", c.text)));
            }
        }
    }
    out.sort_by(|a, b| a.value.cmp(&b.value));
    out
}

fn case_kind(found_in: &[FoundIn], source_known: Option<bool>, settings: &[Setting]) -> String {
    let mut parts = vec![if found_in.is_empty() {
        "trong cộng đồng".to_owned()
    } else {
        found_in
            .iter()
            .map(|f| lower_first(f.label()))
            .collect::<Vec<_>>()
            .join(" hoặc ")
    }];
    match source_known {
        Some(true) => parts.push("rõ nguồn lây".into()),
        Some(false) => parts.push("chưa rõ nguồn lây".into()),
        None => {}
    }
    if !settings.is_empty() {
        parts.push(format!(
            "tại {}",
            settings
                .iter()
                .map(|s| lower_first(s.label()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    parts.join(", ")
}

fn level_name(rules: &RiskRuleSet, id: &str) -> String {
    rules
        .level(id)
        .map_or_else(|| format!("\"{id}\""), |l| l.name.clone())
}

/// What a criterion looks at, in Vietnamese, with its numbers.
pub fn describe_test(rules: &RiskRuleSet, t: &Test) -> String {
    match t {
        Test::Cases {
            days,
            found_in,
            source_known,
            settings,
            min,
        } => format!(
            "Từ {} ca F0 ({}) trong {days} ngày gần nhất",
            vn_num(f64::from(*min)),
            case_kind(found_in, *source_known, settings)
        ),
        Test::Rate {
            days,
            found_in,
            source_known,
            threshold,
            strict,
        } => format!(
            "{} {} ca F0 ({}) trên 100.000 dân trong {days} ngày gần nhất; không tính được khi thiếu số dân",
            if *strict { "Trên" } else { "Từ" },
            vn_num(*threshold),
            case_kind(found_in, *source_known, &[])
        ),
        Test::Neighbour { min_level } => format!(
            "Tiếp giáp một đơn vị cùng cấp ở mức {} trở lên",
            level_name(rules, min_level)
        ),
        Test::Children {
            min_level,
            share,
            count,
        } => {
            let mut parts = Vec::new();
            if let Some(s) = share {
                parts.push(format!("từ {} số đơn vị trực thuộc", vn_pct(*s)));
            }
            if let Some(k) = count {
                parts.push(format!("từ {k} đơn vị trực thuộc"));
            }
            format!(
                "{} ở mức {} trở lên",
                upper_first(&parts.join(" hoặc ")),
                level_name(rules, min_level)
            )
        }
        Test::Fact { fact } => {
            format!("Người đánh giá đã ghi nhận yếu tố \"{fact}\" cho đơn vị (còn hiệu lực)")
        }
        Test::CoverageBelow { field, below } => format!(
            "{} dưới {}; không tính được khi chưa có số liệu",
            field.label(),
            vn_pct(*below)
        ),
        Test::CapacityMet => {
            "Năng lực thu dung, điều trị được đánh giá là đáp ứng; không tính được khi chưa đánh giá"
                .into()
        }
        Test::CapacityNotMet => {
            "Năng lực thu dung, điều trị được đánh giá là chưa đáp ứng; không tính được khi chưa đánh giá"
                .into()
        }
    }
}

/// What a criterion does when it fires, in Vietnamese.
pub fn describe_effect(rules: &RiskRuleSet, e: &Effect) -> String {
    match e {
        Effect::Set(l) => format!("Xếp mức {}", level_name(rules, l)),
        Effect::Raise(k) => format!("Tăng {k} cấp"),
        Effect::Lower(k) => format!("Giảm {k} cấp"),
        Effect::Hold => "Không hạ thấp hơn mức trước của đơn vị".into(),
    }
}

/// Measures of one category.
pub struct MeasureGroup {
    pub label: &'static str,
    pub items: Vec<MeasureLine>,
}

pub struct MeasureLine {
    pub text: String,
    pub level: LevelBadge,
    pub source: String,
    pub mark: MarkBadge,
}

/// Measures grouped by category, in the order of the categories.
fn group_measures(rules: &RiskRuleSet, ms: &[&Measure]) -> Vec<MeasureGroup> {
    MeasureCategory::ALL
        .iter()
        .filter_map(|c| {
            let items: Vec<MeasureLine> = ms
                .iter()
                .filter(|m| m.category == *c)
                .map(|m| MeasureLine {
                    text: m.text.clone(),
                    level: badge(Some(rules), &m.level, None),
                    source: m.source.clone(),
                    mark: mark_badge(m.mark),
                })
                .collect();
            (!items.is_empty()).then_some(MeasureGroup {
                label: c.label(),
                items,
            })
        })
        .collect()
}

/// A form's text field.
fn take(pairs: &[(String, String)], k: &str) -> String {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A user-typed area id, or a field error naming `field`.
fn area_id(field: &str, s: &str) -> Result<AreaId, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return Err(Invalid::field(
            field,
            "nhập mã địa bàn, ví dụ L12, L105, L03386",
        ));
    }
    AreaId::parse(t).map_err(|_| {
        Invalid::field(
            field,
            format!("mã địa bàn \"{t}\" không hợp lệ (ví dụ L12, L105, L03386)"),
        )
    })
}

/// The path's area id; a malformed one is a page that does not exist.
fn path_area(id: &str) -> Result<AreaId, PageError> {
    AreaId::parse(id).map_err(|_| PageError::not_found())
}

// ---------------------------------------------------------------------------------------------
// The list of assessments, and running one.

pub struct AssessmentLine {
    pub id: i64,
    pub as_of: String,
    pub area_id: String,
    pub area_name: String,
    pub rules: String,
    pub status: String,
    pub status_label: &'static str,
    pub units: i32,
    pub changed: i32,
    pub decision_no: String,
    pub computed: String,
}

fn assessment_line(a: &AssessmentRow, sets: &HashMap<String, &RiskRuleSet>) -> AssessmentLine {
    AssessmentLine {
        id: a.id,
        as_of: vn_date(&a.as_of),
        area_id: a.area_id.clone(),
        area_name: a.area_name.clone(),
        rules: format!(
            "{} (v{})",
            sets.get(&a.rule_set_id)
                .map_or(a.rule_set_id.as_str(), |r| r.name.as_str()),
            a.rule_version
        ),
        status: a.status.clone(),
        status_label: a.status_label(),
        units: a.unit_count,
        changed: a.changed_count,
        decision_no: a.decision_no.clone().unwrap_or_default(),
        computed: format!("{} · {}", vn_datetime(&a.computed_at), a.computed_by),
    }
}

/// The run-assessment form as typed.
#[derive(Debug, Deserialize, Default)]
pub struct AssessForm {
    #[serde(default)]
    pub area_id: String,
    /// An area id typed instead of the choice.
    #[serde(default)]
    pub area_typed: String,
    #[serde(default)]
    pub as_of: String,
    /// Empty: the rule set in force on the date.
    #[serde(default)]
    pub rule_set: String,
}

#[derive(Template)]
#[template(path = "risk_list.html")]
struct ListPage {
    l: Layout,
    assessments: Vec<AssessmentLine>,
    can_assess: bool,
    areas: Vec<Choice>,
    rule_sets: Vec<Choice>,
    in_force_today: String,
    form: AssessForm,
    errors: FormErrors,
    today: String,
}

/// The areas offered to assess: the user's roots, the provinces under a country root, and for
/// a province of today's structure the province of before 01/07/2025 that its records count
/// under (an assessment of 2021 is of the legacy units).
async fn assess_choices(s: &AppState, u: &Authed) -> Result<Vec<Choice>, PageError> {
    let scope = u.scope(Permission::AssessRisk);
    let label = |a: &AreaRow| {
        let when = match a.structure.as_deref() {
            Some("legacy") => " — cơ cấu trước 01/07/2025",
            _ => "",
        };
        format!("{}{when} ({})", a.name, a.id)
    };
    let mut out: Vec<Choice> = Vec::new();
    for root in s.store.scope_roots(&scope).await? {
        out.push(Choice::new(root.id.clone(), label(&root)));
        let id = AreaId::parse(&root.id)?;
        match root.level.as_str() {
            "country" => {
                for c in s.store.children(&scope, &id, 200, 0).await?.items {
                    out.push(Choice::new(c.id.clone(), format!("— {}", label(&c))));
                }
            }
            "province" => {
                for p in s.store.counted_provinces(&id).await? {
                    if p.id != root.id {
                        out.push(Choice::new(p.id.clone(), label(&p)));
                    }
                }
            }
            _ => {}
        }
    }
    let mut seen = HashSet::new();
    out.retain(|c| seen.insert(c.value.clone()));
    Ok(out)
}

async fn list_page(
    s: &AppState,
    u: &Authed,
    msg: Option<&str>,
    form: AssessForm,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, PageError> {
    let today = s.clock.today();
    let sets = latest_sets(s).await?;
    let names = by_id(&sets);
    let assessments = s
        .store
        .assessments(&u.scope(Permission::ViewAreas), RECENT)
        .await?
        .iter()
        .map(|a| assessment_line(a, &names))
        .collect();
    let can_assess = u.can(Permission::AssessRisk);
    let areas = if can_assess {
        assess_choices(s, u).await?
    } else {
        Vec::new()
    };
    let mut form = form;
    if errors.is_empty() && form.area_id.is_empty() && form.area_typed.is_empty() {
        // The first unit of the structure in force today.
        let prefix = Structure::in_force_on(today).id_prefix();
        form.area_id = areas
            .iter()
            .find(|a| a.value.starts_with(prefix))
            .or(areas.first())
            .map(|a| a.value.clone())
            .unwrap_or_default();
    }
    if errors.is_empty() && form.as_of.is_empty() {
        form.as_of = vn_date(&today);
    }
    render_status(
        status,
        &ListPage {
            l: layout(u, "Cấp độ dịch — đánh giá", msg, None),
            assessments,
            can_assess,
            areas,
            rule_sets: sets
                .iter()
                .map(|r| {
                    Choice::new(
                        r.id.clone(),
                        format!("{} ({})", r.name, validity(r.valid_from, r.valid_to)),
                    )
                })
                .collect(),
            in_force_today: risk::in_force(&sets, today)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            form,
            errors,
            today: vn_date(&today),
        },
    )
}

#[derive(Debug, Deserialize, Default)]
pub struct MsgQuery {
    msg: Option<String>,
    n: Option<u64>,
}

pub async fn list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    list_page(
        &s,
        &u,
        q.msg.as_deref(),
        AssessForm::default(),
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn run(
    State(s): State<AppState>,
    sub: Submitted<AssessForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let f = &sub.form;
    let today = s.clock.today();
    let mut errors = Vec::new();
    let typed = if f.area_typed.trim().is_empty() {
        &f.area_id
    } else {
        &f.area_typed
    };
    let area = match area_id("area_id", typed) {
        Ok(a) => Some(a),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let as_of = match parse_past_date("as_of", &f.as_of, today) {
        Ok(d) => Some(d.unwrap_or(today)),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match (area, as_of) {
        (Some(area), Some(as_of)) if errors.is_empty() => match s
            .store
            .assess_risk(
                &u.scope(Permission::AssessRisk),
                &u.who(),
                &area,
                as_of,
                Some(f.rule_set.as_str()),
            )
            .await
        {
            Ok(a) => {
                return Ok(see_other(&format!(
                    "/risk/assessments/{}?msg=assessed",
                    a.id
                )));
            }
            Err(e) => form_errors(e)?,
        },
        _ => FormErrors(errors),
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

// ---------------------------------------------------------------------------------------------
// One assessment: its units, level by level, and the approval.

pub struct AssessmentView {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub as_of: String,
    pub status: String,
    pub status_label: &'static str,
    pub computed: String,
    pub unit_count: i32,
    pub changed_count: i32,
    pub decision_no: String,
    pub approved: String,
    pub effective: String,
}

pub struct UnitLine {
    pub area_id: String,
    pub name: String,
    pub tier: &'static str,
    pub level: LevelBadge,
    pub previous: Option<LevelBadge>,
    pub changed: bool,
    /// The computed level, when the committee chose another.
    pub computed: Option<LevelBadge>,
    pub override_reason: String,
    pub reasons: Vec<ReasonLine>,
}

/// Units at one level, per tier.
pub struct CountLine {
    pub level: LevelBadge,
    pub per_tier: Vec<i64>,
    pub total: i64,
}

/// One override row of the approval form as typed, with its errors.
#[derive(Default)]
pub struct OverrideRow {
    pub index: usize,
    pub area_id: String,
    pub level: String,
    pub reason: String,
    pub area_error: Option<String>,
    pub level_error: Option<String>,
    pub reason_error: Option<String>,
}

impl OverrideRow {
    fn blank(&self) -> bool {
        self.area_id.trim().is_empty()
            && self.level.trim().is_empty()
            && self.reason.trim().is_empty()
    }
}

/// The approval form as typed.
#[derive(Default)]
pub struct ApproveTyped {
    pub decision_no: String,
    pub rows: Vec<OverrideRow>,
    pub errors: FormErrors,
    /// Every error, naming its field for the summary: "Điều chỉnh 2 — lý do: …".
    pub summary: Vec<String>,
}

impl ApproveTyped {
    fn empty() -> Self {
        Self {
            decision_no: String::new(),
            rows: (0..OVERRIDE_ROWS)
                .map(|index| OverrideRow {
                    index,
                    ..Default::default()
                })
                .collect(),
            errors: FormErrors::default(),
            summary: Vec::new(),
        }
    }

    /// Each row's errors, for the fields.
    fn with_errors(mut self, errors: FormErrors) -> Self {
        for r in &mut self.rows {
            let get = |f: &str| {
                errors
                    .get(&format!("overrides[{}].{f}", r.index))
                    .map(str::to_owned)
            };
            r.area_error = get("area_id");
            r.level_error = get("level");
            r.reason_error = get("reason");
        }
        self.summary = errors
            .all()
            .iter()
            .map(|e| {
                let label = match e.field.strip_prefix("overrides[") {
                    Some(rest) => {
                        let (i, f) = rest.split_once("].").unwrap_or((rest, ""));
                        let n = i.parse::<usize>().map_or(0, |i| i + 1);
                        let what = match f {
                            "area_id" => "đơn vị",
                            "level" => "mức",
                            _ => "lý do",
                        };
                        format!("Điều chỉnh {n} — {what}")
                    }
                    None if e.field == "decision_no" => "Số quyết định".to_owned(),
                    None => String::new(),
                };
                if label.is_empty() {
                    e.message.clone()
                } else {
                    format!("{label}: {}", e.message)
                }
            })
            .collect();
        self.errors = errors;
        self
    }
}

#[derive(Template)]
#[template(path = "risk_assessment.html")]
struct AssessmentPage {
    l: Layout,
    a: AssessmentView,
    rules_id: String,
    rules_name: String,
    rules_version: i32,
    announce_hours: u32,
    tiers: Vec<&'static str>,
    counts: Vec<CountLine>,
    only_changed: bool,
    units: Vec<UnitLine>,
    total: i64,
    pager: Pager,
    page: u64,
    can_approve: bool,
    unit_choices: Vec<Choice>,
    level_choices: Vec<Choice>,
    approve: ApproveTyped,
}

#[derive(Debug, Deserialize, Default)]
pub struct AssessmentQuery {
    changed: Option<String>,
    page: Option<u64>,
    msg: Option<String>,
}

/// What the notice says after a run or an approval.
fn assessment_notice(msg: Option<&str>, a: &AssessmentRow) -> Option<String> {
    match msg? {
        "assessed" => Some(format!(
            "Đã tính cấp độ của {} đơn vị; {} đơn vị khác mức đang công bố. Đây là đề xuất: Ban Chỉ đạo phê duyệt thì mới công bố.",
            a.unit_count, a.changed_count
        )),
        "approved" => {
            let dn = a.decision_no.clone().unwrap_or_default();
            Some(match (a.approved_at, a.effective_at) {
                (Some(ap), Some(ef)) if ef > ap => format!(
                    "Đã phê duyệt theo quyết định {dn}. Các mức được công bố và có hiệu lực từ {} ({} giờ sau khi phê duyệt).",
                    vn_datetime(&ef),
                    (ef - ap).num_hours()
                ),
                (Some(ap), _) => format!(
                    "Đã phê duyệt theo quyết định {dn}. Các mức được công bố và có hiệu lực ngay từ {}.",
                    vn_datetime(&ap)
                ),
                _ => format!("Đã phê duyệt theo quyết định {dn}."),
            })
        }
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn assessment_page(
    s: &AppState,
    u: &Authed,
    id: i64,
    page: u64,
    only_changed: bool,
    msg: Option<&str>,
    approve: ApproveTyped,
    status: StatusCode,
) -> Result<Response, PageError> {
    let scope = u.scope(Permission::ViewAreas);
    let a = found(s.store.assessment(&scope, id).await)?;
    let (_, rules) = s
        .store
        .risk_rule_set(&a.rule_set_id, Some(a.rule_version))
        .await?;
    let counted = s.store.assessment_counts(&scope, id).await?;
    let tiers: Vec<UnitLevel> = [UnitLevel::Province, UnitLevel::District, UnitLevel::Ward]
        .into_iter()
        .filter(|t| counted.iter().any(|c| c.unit_level == t.as_str()))
        .collect();
    let counts = rules
        .levels
        .iter()
        .map(|l| {
            let per_tier: Vec<i64> = tiers
                .iter()
                .map(|t| {
                    counted
                        .iter()
                        .filter(|c| c.level == l.id && c.unit_level == t.as_str())
                        .map(|c| c.n)
                        .sum()
                })
                .collect();
            CountLine {
                level: badge(Some(&rules), &l.id, None),
                total: per_tier.iter().sum(),
                per_tier,
            }
        })
        .collect();
    let (rows, total) = s
        .store
        .assessment_results(&scope, id, only_changed, PER_PAGE, (page - 1) * PER_PAGE)
        .await?;
    let can_approve = a.status == "proposed"
        && u.can(Permission::ApproveRisk)
        && s.store
            .area_in_scope(
                &u.scope(Permission::ApproveRisk),
                &AreaId::parse(&a.area_id)?,
            )
            .await?;
    let mut unit_choices: Vec<Choice> = rows
        .iter()
        .map(|r| {
            Choice::new(
                r.area_id.clone(),
                format!(
                    "{} ({}, {})",
                    r.area_name,
                    tier_label(&r.unit_level),
                    r.area_id
                ),
            )
        })
        .collect();
    // A unit typed on another page stays selectable.
    for r in &approve.rows {
        if !r.area_id.is_empty() && !unit_choices.iter().any(|c| c.value == r.area_id) {
            unit_choices.push(Choice::new(r.area_id.clone(), r.area_id.clone()));
        }
    }
    let changed_q = if only_changed { "&changed=1" } else { "" };
    let units = rows
        .into_iter()
        .map(|r| {
            let overridden = !r.override_reason.is_empty() || r.computed_level != r.level;
            UnitLine {
                tier: tier_label(&r.unit_level),
                level: badge(Some(&rules), &r.level, Some(&r.colour)),
                previous: r
                    .previous_level
                    .as_deref()
                    .map(|p| badge(Some(&rules), p, None)),
                changed: r.changed(),
                computed: overridden.then(|| badge(Some(&rules), &r.computed_level, None)),
                reasons: reason_lines(r.reasons()),
                override_reason: r.override_reason,
                area_id: r.area_id,
                name: r.area_name,
            }
        })
        .collect();
    let mut l = layout(
        u,
        format!(
            "Đánh giá cấp độ — {} ngày {}",
            a.area_name,
            vn_date(&a.as_of)
        ),
        None,
        None,
    );
    l.notice = assessment_notice(msg, &a);
    render_status(
        status,
        &AssessmentPage {
            l,
            rules_id: rules.id.clone(),
            rules_name: rules.name.clone(),
            rules_version: a.rule_version,
            announce_hours: rules.announce_hours,
            tiers: tiers.iter().map(|t| t.label()).collect(),
            counts,
            only_changed,
            units,
            total,
            pager: Pager::new(total, page, PER_PAGE, |n| {
                format!("/risk/assessments/{id}?page={n}{changed_q}#units")
            }),
            page,
            can_approve,
            unit_choices,
            level_choices: rules
                .levels
                .iter()
                .map(|l| Choice::new(l.id.clone(), l.name.clone()))
                .collect(),
            approve,
            a: AssessmentView {
                id: a.id,
                area_id: a.area_id.clone(),
                area_name: a.area_name.clone(),
                as_of: vn_date(&a.as_of),
                status: a.status.clone(),
                status_label: a.status_label(),
                computed: format!("{} · {}", vn_datetime(&a.computed_at), a.computed_by),
                unit_count: a.unit_count,
                changed_count: a.changed_count,
                decision_no: a.decision_no.clone().unwrap_or_default(),
                approved: match (&a.approved_at, &a.approved_by) {
                    (Some(at), Some(by)) => format!("{} · {by}", vn_datetime(at)),
                    _ => String::new(),
                },
                effective: a.effective_at.as_ref().map(vn_datetime).unwrap_or_default(),
            },
        },
    )
}

pub async fn assessment(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<i64>,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, PageError> {
    assessment_page(
        &s,
        &u,
        id,
        q.page.unwrap_or(1).max(1),
        q.changed.as_deref() == Some("1"),
        q.msg.as_deref(),
        ApproveTyped::empty(),
        StatusCode::OK,
    )
    .await
}

pub async fn approve(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ApproveRisk)?;
    let scope = u.scope(Permission::ApproveRisk);
    found(s.store.assessment(&scope, id).await)?;
    let f = &sub.form;
    let page = take(f, "page").parse::<u64>().unwrap_or(1).max(1);
    let only_changed = take(f, "changed") == "1";
    let mut typed = ApproveTyped::empty();
    typed.decision_no = take(f, "decision_no");
    for r in &mut typed.rows {
        r.area_id = take(f, &format!("overrides[{}].area_id", r.index))
            .trim()
            .to_owned();
        r.level = take(f, &format!("overrides[{}].level", r.index))
            .trim()
            .to_owned();
        r.reason = take(f, &format!("overrides[{}].reason", r.index));
    }
    // The rows filled in, by their row number; an empty row is ignored.
    let filled: Vec<&OverrideRow> = typed.rows.iter().filter(|r| !r.blank()).collect();
    let mut errors = Vec::new();
    let mut units = HashSet::new();
    for r in &filled {
        let field = |f: &str| format!("overrides[{}].{f}", r.index);
        if r.area_id.is_empty() {
            errors.push(FieldError::new(
                field("area_id"),
                "chọn đơn vị cần điều chỉnh",
            ));
        } else if !units.insert(r.area_id.as_str()) {
            errors.push(FieldError::new(
                field("area_id"),
                "đơn vị này đã được điều chỉnh ở một dòng khác",
            ));
        }
        if r.level.is_empty() {
            errors.push(FieldError::new(field("level"), "chọn mức điều chỉnh"));
        }
        if !errors.is_empty() && clean(&r.reason).chars().count() < 5 {
            errors.push(FieldError::new(
                field("reason"),
                "ghi lý do điều chỉnh (ít nhất 5 ký tự)",
            ));
        }
    }
    if !errors.is_empty() && clean(&typed.decision_no).is_empty() {
        errors.insert(
            0,
            FieldError::new(
                "decision_no",
                "nhập số văn bản quyết định (ví dụ 123/QĐ-BCĐ), tối đa 100 ký tự",
            ),
        );
    }
    let errors = if errors.is_empty() {
        let overrides: Vec<Override> = filled
            .iter()
            .map(|r| Override {
                area_id: r.area_id.clone(),
                level: r.level.clone(),
                reason: r.reason.clone(),
            })
            .collect();
        match s
            .store
            .approve_assessment(&scope, &u.who(), id, &typed.decision_no, &overrides)
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/risk/assessments/{id}?msg=approved"))),
            Err(e) => {
                // The store numbers the overrides it was given; the form numbers its rows.
                let FormErrors(es) = form_errors(e)?;
                FormErrors(
                    es.into_iter()
                        .map(|mut e| {
                            for (j, r) in filled.iter().enumerate() {
                                let from = format!("overrides[{j}].");
                                if let Some(rest) = e.field.strip_prefix(&from) {
                                    e.field = format!("overrides[{}].{rest}", r.index);
                                    break;
                                }
                            }
                            e
                        })
                        .collect(),
                )
            }
        }
    } else {
        FormErrors(errors)
    };
    let typed = typed.with_errors(errors);
    assessment_page(
        &s,
        u,
        id,
        page,
        only_changed,
        None,
        typed,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// One unit: its published level, why, the measures in force, its history and inputs.

pub struct NextLevel {
    pub level: LevelBadge,
    pub when: String,
}

pub struct PublishedView {
    pub level: LevelBadge,
    pub since: String,
    pub rules_id: String,
    pub rules_name: String,
    pub next: Option<NextLevel>,
}

/// The assessment the reasons come from.
pub struct ReasonsOf {
    pub assessment_id: i64,
    pub as_of: String,
    pub decision_no: String,
    pub linked: bool,
    pub level: LevelBadge,
    pub computed: Option<LevelBadge>,
    pub override_reason: String,
}

pub struct HistoryLine {
    pub assessment_id: i64,
    pub linked: bool,
    pub as_of: String,
    pub rules: String,
    pub level: LevelBadge,
    pub computed: Option<LevelBadge>,
    pub override_reason: String,
    pub previous: Option<LevelBadge>,
    pub status_label: &'static str,
    pub decision_no: String,
    pub effective: String,
}

pub struct AddedLine {
    pub id: i64,
    pub rules: String,
    pub level: LevelBadge,
    pub category: String,
    pub text: String,
    pub by: String,
    pub area_id: String,
    pub area_name: String,
}

pub struct CoverageLine {
    pub as_of: String,
    pub first_dose_18plus: String,
    pub full_dose_65plus: String,
    pub full_dose_all: String,
    pub source: String,
    pub by: String,
}

pub struct CapacityLine {
    pub as_of: String,
    pub met: bool,
    pub note: String,
    pub by: String,
}

pub struct FactLine {
    pub kind: String,
    pub label: String,
    pub from: String,
    pub to: String,
    pub note: String,
    pub by: String,
}

pub struct NeighbourLine {
    pub id: String,
    pub name: String,
    pub source: String,
}

/// A rule set's levels, for the grouped level select.
pub struct LevelGroup {
    pub rule_set: String,
    pub name: String,
    pub levels: Vec<Choice>,
}

#[derive(Debug, Deserialize, Default)]
pub struct CoverageForm {
    #[serde(default)]
    pub as_of: String,
    #[serde(default)]
    pub first_dose_18plus: String,
    #[serde(default)]
    pub full_dose_65plus: String,
    #[serde(default)]
    pub full_dose_all: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct CapacityForm {
    #[serde(default)]
    pub as_of: String,
    /// `yes` or `no`.
    #[serde(default)]
    pub met: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct FactForm {
    #[serde(default)]
    pub kind: String,
    /// A kind typed instead of the choice.
    #[serde(default)]
    pub kind_other: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NeighbourForm {
    #[serde(default)]
    pub other: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct MeasureForm {
    #[serde(default)]
    pub rule_set: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub text: String,
}

/// What was typed in the forms of a unit's page, kept when validation fails.
#[derive(Default)]
pub struct AreaForms {
    pub coverage: CoverageForm,
    pub coverage_errors: FormErrors,
    pub capacity: CapacityForm,
    pub capacity_errors: FormErrors,
    pub fact: FactForm,
    pub fact_errors: FormErrors,
    pub neighbour: NeighbourForm,
    pub neighbour_errors: FormErrors,
    pub measure: MeasureForm,
    pub measure_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "risk_area.html")]
struct AreaPage {
    l: Layout,
    id: String,
    name: String,
    tier: &'static str,
    crumbs: Vec<Choice>,
    assessed: bool,
    published: Option<PublishedView>,
    reasons_of: Option<ReasonsOf>,
    reasons: Vec<ReasonLine>,
    measures_level: Option<LevelBadge>,
    measures_rules: String,
    measures_cumulative: bool,
    measure_groups: Vec<MeasureGroup>,
    added_in_force: Vec<AddedLine>,
    history: Vec<HistoryLine>,
    coverage: Vec<CoverageLine>,
    capacity: Vec<CapacityLine>,
    facts: Vec<FactLine>,
    neighbours: Vec<NeighbourLine>,
    can_assess: bool,
    estimate_in: Option<Choice>,
    fact_kinds: Vec<Choice>,
    can_approve: bool,
    added: Vec<AddedLine>,
    rule_sets: Vec<Choice>,
    level_groups: Vec<LevelGroup>,
    categories: Vec<Choice>,
    forms: AreaForms,
}

fn pct_cell(v: Option<f64>) -> String {
    v.map(vn_pct).unwrap_or_else(|| "—".to_owned())
}

/// The unit whose tier-mates an estimate of neighbours looks at: a province or a district
/// itself, a ward's district.
async fn estimate_root(
    s: &AppState,
    u: &Authed,
    a: &AreaRow,
) -> Result<Option<AreaRow>, PageError> {
    let scope = u.scope(Permission::AssessRisk);
    let id = match a.level.as_str() {
        "province" | "district" => Some(a.id.clone()),
        "ward" => a.parent_id.clone(),
        _ => None,
    };
    let Some(id) = id else { return Ok(None) };
    match s.store.area(&scope, &AreaId::parse(&id)?).await {
        Ok(r) => Ok(Some(r)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A day on which the unit's structure is in force: today, or the nearest day of it.
fn day_of_structure(a: &AreaRow, today: NaiveDate) -> NaiveDate {
    let mut d = today;
    if let Some(t) = a.valid_to {
        d = d.min(t);
    }
    if let Some(f) = a.valid_from {
        d = d.max(f);
    }
    let want = match a.structure.as_deref() {
        Some("legacy") => Structure::Legacy,
        Some("current") => Structure::Current,
        _ => return d,
    };
    if Structure::in_force_on(d) != want {
        match (want, Structure::Current.valid_from()) {
            (Structure::Legacy, Some(from)) => d = from.pred_opt().unwrap_or(from),
            (Structure::Current, Some(from)) => d = from,
            _ => {}
        }
    }
    d
}

fn added_line(
    m: AddedMeasure,
    sets: &HashMap<String, &RiskRuleSet>,
    names: &HashMap<String, String>,
) -> AddedLine {
    let rules = sets.get(&m.rule_set_id).copied();
    AddedLine {
        id: m.id,
        rules: rules.map_or_else(|| m.rule_set_id.clone(), |r| r.name.clone()),
        level: badge(rules, &m.level, None),
        category: MeasureCategory::parse(&m.category)
            .map_or_else(|_| m.category.clone(), |c| c.label().to_owned()),
        text: m.text,
        by: format!("{} · {}", vn_datetime(&m.created_at), m.created_by),
        area_name: names
            .get(&m.area_id)
            .cloned()
            .unwrap_or_else(|| m.area_id.clone()),
        area_id: m.area_id,
    }
}

async fn area_page(
    s: &AppState,
    u: &Authed,
    id: &str,
    msg: Option<&str>,
    n: Option<u64>,
    forms: AreaForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let area_id = path_area(id)?;
    let view = u.scope(Permission::ViewAreas);
    let a = found(s.store.area(&view, &area_id).await)?;
    let today = s.clock.today();
    let sets = latest_sets(s).await?;
    let set_by = by_id(&sets);
    let ancestors = s.store.ancestors(&area_id).await?;
    let mut names: HashMap<String, String> = ancestors
        .iter()
        .map(|b| (b.id.clone(), b.name.clone()))
        .collect();
    names.insert(a.id.clone(), a.name.clone());
    let assessed = matches!(a.level.as_str(), "province" | "district" | "ward");
    let mut crumbs = Vec::new();
    for b in &ancestors {
        if s.store.area_in_scope(&view, &AreaId::parse(&b.id)?).await? {
            crumbs.push(Choice::new(b.id.clone(), b.name.clone()));
        }
    }

    // The published level and the announced next one.
    let published = s.store.published_level(&area_id).await?.map(|p| {
        let rules = set_by.get(&p.rule_set_id).copied();
        PublishedView {
            level: badge(rules, &p.level, Some(&p.colour)),
            since: vn_day(&p.since),
            rules_name: rules.map_or_else(|| p.rule_set_id.clone(), |r| r.name.clone()),
            rules_id: p.rule_set_id.clone(),
            next: match (&p.next_level, &p.next_effective_at) {
                (Some(l), Some(when)) => Some(NextLevel {
                    level: badge(rules, l, p.next_colour.as_deref()),
                    when: vn_datetime(when),
                }),
                _ => None,
            },
        }
    });

    // History; the assessments the user may open are linked.
    let rows = s.store.risk_history(&area_id, HISTORY).await?;
    let assessment_ids: HashSet<i64> = rows.iter().map(|r| r.assessment_id).collect();
    let mut visible = HashSet::new();
    for id in assessment_ids {
        match s.store.assessment(&view, id).await {
            Ok(_) => {
                visible.insert(id);
            }
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let linked = |id: i64| visible.contains(&id);
    let mut reasons_of = None;
    let mut reasons = Vec::new();
    if let Some(r) = rows.iter().find(|r| r.status == "approved") {
        let rules = set_by.get(&r.rule_set_id).copied();
        let overridden = !r.override_reason.is_empty() || r.computed_level != r.level;
        reasons_of = Some(ReasonsOf {
            assessment_id: r.assessment_id,
            as_of: vn_date(&r.as_of),
            decision_no: r.decision_no.clone().unwrap_or_default(),
            linked: linked(r.assessment_id),
            level: badge(rules, &r.level, Some(&r.colour)),
            computed: overridden.then(|| badge(rules, &r.computed_level, None)),
            override_reason: r.override_reason.clone(),
        });
        reasons = reason_lines(r.reasons());
    }
    let history = rows
        .iter()
        .map(|r| {
            let rules = set_by.get(&r.rule_set_id).copied();
            let overridden = !r.override_reason.is_empty() || r.computed_level != r.level;
            HistoryLine {
                assessment_id: r.assessment_id,
                linked: linked(r.assessment_id),
                as_of: vn_date(&r.as_of),
                rules: rules.map_or_else(|| r.rule_set_id.clone(), |x| x.name.clone()),
                level: badge(rules, &r.level, Some(&r.colour)),
                computed: overridden.then(|| badge(rules, &r.computed_level, None)),
                override_reason: r.override_reason.clone(),
                previous: r.previous_level.as_deref().map(|p| badge(rules, p, None)),
                status_label: status_label(&r.status),
                decision_no: r.decision_no.clone().unwrap_or_default(),
                effective: r.effective_at.as_ref().map(vn_datetime).unwrap_or_default(),
            }
        })
        .collect();

    // The measures in force at the published level.
    let mut measures_level = None;
    let mut measures_rules = String::new();
    let mut measures_cumulative = false;
    let mut measure_groups = Vec::new();
    let mut added_in_force = Vec::new();
    if let Some(m) = s.store.measures_in_force(&area_id).await? {
        if let Some(rules) = set_by.get(&m.rule_set_id).copied() {
            let refs: Vec<&Measure> = m.from_rules.iter().collect();
            measure_groups = group_measures(rules, &refs);
            measures_cumulative = rules.measures_cumulative;
            measures_level = Some(badge(Some(rules), &m.level, None));
        }
        measures_rules = m.rule_set_name.clone();
        added_in_force = m
            .added
            .into_iter()
            .map(|x| added_line(x, &set_by, &names))
            .collect();
    }

    // Inputs.
    let inputs = s.store.unit_inputs(&area_id).await?;
    let kinds = fact_kinds(&sets);
    let kind_label: HashMap<&str, &str> = kinds
        .iter()
        .map(|c| (c.value.as_str(), c.label.as_str()))
        .collect();
    let can_assess = assessed
        && u.can(Permission::AssessRisk)
        && s.store
            .area_in_scope(&u.scope(Permission::AssessRisk), &area_id)
            .await?;
    let estimate_in = if can_assess {
        estimate_root(s, u, &a)
            .await?
            .map(|r| Choice::new(r.id.clone(), r.name.clone()))
    } else {
        None
    };
    let can_approve = assessed
        && u.can(Permission::ApproveRisk)
        && s.store
            .area_in_scope(&u.scope(Permission::ApproveRisk), &area_id)
            .await?;
    let mut added = Vec::new();
    for set in &sets {
        for m in s
            .store
            .added_measures(&set.id, std::slice::from_ref(&a.id))
            .await?
        {
            added.push(added_line(m, &set_by, &names));
        }
    }

    let mut forms = forms;
    let in_force = risk::in_force(&sets, today);
    if forms.coverage.as_of.is_empty() && forms.coverage_errors.is_empty() {
        forms.coverage.as_of = vn_date(&today);
    }
    if forms.capacity.as_of.is_empty() && forms.capacity_errors.is_empty() {
        forms.capacity.as_of = vn_date(&today);
    }
    if forms.fact.valid_from.is_empty() && forms.fact_errors.is_empty() {
        forms.fact.valid_from = vn_date(&today);
    }
    if forms.measure.rule_set.is_empty() && forms.measure_errors.is_empty() {
        forms.measure.rule_set = published
            .as_ref()
            .map(|p| p.rules_id.clone())
            .or_else(|| in_force.map(|r| r.id.clone()))
            .unwrap_or_default();
    }

    render_status(
        status,
        &AreaPage {
            l: layout(u, format!("Cấp độ dịch — {}", a.name), msg, n),
            id: a.id.clone(),
            name: a.name.clone(),
            tier: tier_label(&a.level),
            crumbs,
            assessed,
            published,
            reasons_of,
            reasons,
            measures_level,
            measures_rules,
            measures_cumulative,
            measure_groups,
            added_in_force,
            history,
            coverage: inputs
                .coverage
                .iter()
                .map(|c| CoverageLine {
                    as_of: vn_date(&c.as_of),
                    first_dose_18plus: pct_cell(c.first_dose_18plus),
                    full_dose_65plus: pct_cell(c.full_dose_65plus),
                    full_dose_all: pct_cell(c.full_dose_all),
                    source: c.source.clone(),
                    by: c.updated_by.clone(),
                })
                .collect(),
            capacity: inputs
                .capacity
                .iter()
                .map(|c| CapacityLine {
                    as_of: vn_date(&c.as_of),
                    met: c.met,
                    note: c.note.clone(),
                    by: c.updated_by.clone(),
                })
                .collect(),
            facts: inputs
                .facts
                .iter()
                .map(|f| FactLine {
                    label: kind_label
                        .get(f.kind.as_str())
                        .map_or_else(|| f.kind.clone(), |l| (*l).to_owned()),
                    kind: f.kind.clone(),
                    from: vn_date(&f.valid_from),
                    to: f.valid_to.as_ref().map(vn_date).unwrap_or_default(),
                    note: f.note.clone(),
                    by: f.created_by.clone(),
                })
                .collect(),
            neighbours: inputs
                .neighbours
                .iter()
                .map(|n| NeighbourLine {
                    id: n.id.clone(),
                    name: n.name.clone(),
                    source: n.source.clone(),
                })
                .collect(),
            can_assess,
            estimate_in,
            fact_kinds: kinds,
            can_approve,
            added,
            rule_sets: sets
                .iter()
                .map(|r| Choice::new(r.id.clone(), r.name.clone()))
                .collect(),
            level_groups: sets
                .iter()
                .map(|r| LevelGroup {
                    rule_set: r.id.clone(),
                    name: r.name.clone(),
                    levels: r
                        .levels
                        .iter()
                        .map(|l| Choice::new(l.id.clone(), l.name.clone()))
                        .collect(),
                })
                .collect(),
            categories: MeasureCategory::ALL
                .iter()
                .map(|c| Choice::new(c.as_str(), c.label()))
                .collect(),
            forms,
        },
    )
}

pub async fn area(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    area_page(
        &s,
        &u,
        &id,
        q.msg.as_deref(),
        q.n,
        AreaForms::default(),
        StatusCode::OK,
    )
    .await
}

/// A percentage typed by a person ("65", "65,5", "65.5%"), as a fraction; empty: unknown.
fn percent(field: &str, s: &str) -> Result<Option<f64>, Invalid> {
    let t = s.trim().trim_end_matches('%').trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.0..=100.0).contains(&v) => Ok(Some(v / 100.0)),
        _ => Err(Invalid::field(
            field,
            format!("\"{}\": nhập tỷ lệ phần trăm từ 0 đến 100", s.trim()),
        )),
    }
}

fn required_date(field: &str, s: &str, what: &str) -> Result<NaiveDate, Invalid> {
    parse_date(field, s)?.ok_or_else(|| Invalid::field(field, format!("nhập {what} (dd/mm/yyyy)")))
}

/// A failed form: its errors, or any other error passed on.
fn errors_of(r: Result<(), StoreError>) -> Result<Option<FormErrors>, PageError> {
    match r {
        Ok(()) => Ok(None),
        Err(e) => form_errors(e).map(Some),
    }
}

pub async fn set_coverage(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<CoverageForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let mut errors = Vec::new();
    let mut figures = [None; 3];
    for (i, (field, typed)) in [
        (CoverageField::FirstDose18Plus, &f.first_dose_18plus),
        (CoverageField::FullDose65Plus, &f.full_dose_65plus),
        (CoverageField::FullDoseAll, &f.full_dose_all),
    ]
    .into_iter()
    .enumerate()
    {
        match percent(field.as_str(), typed) {
            Ok(v) => figures[i] = v,
            Err(e) => errors.extend(e.0),
        }
    }
    let as_of = match parse_past_date("as_of", &f.as_of, s.clock.today()).and_then(|d| {
        d.ok_or_else(|| Invalid::field("as_of", "nhập ngày của số liệu (dd/mm/yyyy)"))
    }) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match as_of {
        Some(as_of) if errors.is_empty() => errors_of(
            s.store
                .set_coverage(
                    &u.scope(Permission::AssessRisk),
                    &u.who(),
                    &area,
                    as_of,
                    figures,
                    &f.source,
                )
                .await,
        )?,
        _ => Some(FormErrors(errors)),
    };
    let Some(errors) = errors else {
        return Ok(see_other(&format!("/risk/areas/{id}?msg=coverage#inputs")));
    };
    let forms = AreaForms {
        coverage: sub.form,
        coverage_errors: errors,
        ..Default::default()
    };
    area_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn set_capacity(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<CapacityForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let mut errors = Vec::new();
    let met = match f.met.as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => {
            errors.push(FieldError::new("met", "chọn đáp ứng hoặc chưa đáp ứng"));
            None
        }
    };
    let as_of = match parse_past_date("as_of", &f.as_of, s.clock.today())
        .and_then(|d| d.ok_or_else(|| Invalid::field("as_of", "nhập ngày đánh giá (dd/mm/yyyy)")))
    {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match (met, as_of) {
        (Some(met), Some(as_of)) => errors_of(
            s.store
                .set_capacity(
                    &u.scope(Permission::AssessRisk),
                    &u.who(),
                    &area,
                    as_of,
                    met,
                    &f.note,
                )
                .await,
        )?,
        _ => Some(FormErrors(errors)),
    };
    let Some(errors) = errors else {
        return Ok(see_other(&format!("/risk/areas/{id}?msg=capacity#inputs")));
    };
    let forms = AreaForms {
        capacity: sub.form,
        capacity_errors: errors,
        ..Default::default()
    };
    area_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn add_fact(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<FactForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let kind = if f.kind_other.trim().is_empty() {
        f.kind.trim()
    } else {
        f.kind_other.trim()
    };
    let mut errors = Vec::new();
    if kind.is_empty() {
        errors.push(FieldError::new("kind", "chọn hoặc nhập loại yếu tố"));
    }
    let from = match required_date("valid_from", &f.valid_from, "ngày bắt đầu") {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let to = match parse_date("valid_to", &f.valid_to) {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match from {
        Some(from) if errors.is_empty() => errors_of(
            s.store
                .add_fact(
                    &u.scope(Permission::AssessRisk),
                    &u.who(),
                    &area,
                    kind,
                    from,
                    to,
                    &f.note,
                )
                .await
                .map(|_| ()),
        )?,
        _ => Some(FormErrors(errors)),
    };
    let Some(errors) = errors else {
        return Ok(see_other(&format!("/risk/areas/{id}?msg=fact#inputs")));
    };
    let forms = AreaForms {
        fact: sub.form,
        fact_errors: errors,
        ..Default::default()
    };
    area_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn add_neighbour(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<NeighbourForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let errors = match area_id("other", &sub.form.other) {
        Ok(other) => match s
            .store
            .add_neighbours(
                &u.scope(Permission::AssessRisk),
                &u.who(),
                &[(area, other)],
                "nhập tay",
            )
            .await
        {
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/risk/areas/{id}?msg=neighbour#neighbours"
                )));
            }
            // The store names the pair's sides; the form has one field.
            Err(e) => FormErrors(
                form_errors(e)?
                    .0
                    .into_iter()
                    .map(|mut e| {
                        if e.field.starts_with("pairs[0]") {
                            e.field = "other".into();
                        }
                        e
                    })
                    .collect(),
            ),
        },
        Err(e) => e.into(),
    };
    let forms = AreaForms {
        neighbour: sub.form,
        neighbour_errors: errors,
        ..Default::default()
    };
    area_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn remove_neighbour(
    State(s): State<AppState>,
    Path((id, other)): Path<(String, String)>,
    sub: Submitted<super::Empty>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let other = path_area(&other)?;
    match s
        .store
        .remove_neighbour(&u.scope(Permission::AssessRisk), &u.who(), &area, &other)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/risk/areas/{id}?msg=neighbour_removed#neighbours"
        ))),
        Err(StoreError::Invalid(_)) | Err(StoreError::NotFound(_)) => Err(PageError::not_found()),
        Err(e) => Err(e.into()),
    }
}

pub async fn estimate_neighbours(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<super::Empty>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::AssessRisk)?;
    let area = path_area(&id)?;
    let a = found(s.store.area(&u.scope(Permission::AssessRisk), &area).await)?;
    let Some(root) = estimate_root(&s, u, &a).await? else {
        return Err(PageError::not_found());
    };
    let n = s
        .store
        .estimate_neighbours(
            &u.scope(Permission::AssessRisk),
            &u.who(),
            &AreaId::parse(&root.id)?,
            day_of_structure(&root, s.clock.today()),
        )
        .await?;
    Ok(see_other(&format!(
        "/risk/areas/{id}?msg=estimated&n={n}#neighbours"
    )))
}

pub async fn add_measure(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<MeasureForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ApproveRisk)?;
    let area = path_area(&id)?;
    let f = &sub.form;
    let errors = match s
        .store
        .add_measure(
            &u.scope(Permission::ApproveRisk),
            &u.who(),
            &area,
            f.rule_set.trim(),
            f.level.trim(),
            &f.category,
            &f.text,
        )
        .await
    {
        Ok(_) => return Ok(see_other(&format!("/risk/areas/{id}?msg=measure#added"))),
        Err(e) => form_errors(e)?,
    };
    let forms = AreaForms {
        measure: sub.form,
        measure_errors: errors,
        ..Default::default()
    };
    area_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct RemoveMeasureForm {
    /// The unit's page to go back to.
    #[serde(default)]
    area_id: String,
}

pub async fn remove_measure(
    State(s): State<AppState>,
    Path(id): Path<i64>,
    sub: Submitted<RemoveMeasureForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ApproveRisk)?;
    found(
        s.store
            .remove_measure(&u.scope(Permission::ApproveRisk), &u.who(), id)
            .await,
    )?;
    Ok(match AreaId::parse(&sub.form.area_id) {
        Ok(a) => see_other(&format!(
            "/risk/areas/{}?msg=measure_removed#added",
            a.as_str()
        )),
        Err(_) => see_other("/risk"),
    })
}

// ---------------------------------------------------------------------------------------------
// Rule sets.

pub struct RuleSetLine {
    pub id: String,
    pub name: String,
    pub version: i32,
    pub validity: String,
    pub shipped: bool,
    pub changed: String,
    pub based_on: String,
    pub in_force: bool,
    pub levels: Vec<LevelBadge>,
}

#[derive(Template)]
#[template(path = "risk_rules.html")]
struct RulesPage {
    l: Layout,
    sets: Vec<RuleSetLine>,
    today: String,
}

pub async fn rules_list(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Query(q): Query<MsgQuery>,
) -> Result<Response, PageError> {
    let today = s.clock.today();
    let rows = s.store.risk_rule_sets().await?;
    let mut parsed = Vec::new();
    for r in &rows {
        parsed.push(r.rules()?);
    }
    let current = risk::in_force(&parsed, today).map(|r| r.id.clone());
    let sets = rows
        .iter()
        .zip(&parsed)
        .map(|(row, r)| RuleSetLine {
            id: row.id.clone(),
            name: row.name.clone(),
            version: row.version,
            validity: validity(row.valid_from, row.valid_to),
            shipped: row.shipped,
            changed: format!("{} · {}", vn_datetime(&row.created_at), row.created_by),
            based_on: r.based_on.clone().unwrap_or_default(),
            in_force: current.as_deref() == Some(row.id.as_str()),
            levels: r
                .levels
                .iter()
                .map(|l| badge(Some(r), &l.id, None))
                .collect(),
        })
        .collect();
    render_status(
        StatusCode::OK,
        &RulesPage {
            l: layout(&u, "Bộ quy tắc cấp độ dịch", q.msg.as_deref(), None),
            sets,
            today: vn_date(&today),
        },
    )
}

pub struct CriterionLine {
    pub id: String,
    pub tiers: String,
    pub test: String,
    pub effect: String,
    pub text: String,
    pub source: String,
    pub mark: MarkBadge,
}

/// The measures of one level, by category.
pub struct MeasureLevel {
    pub level: LevelBadge,
    pub groups: Vec<MeasureGroup>,
}

pub struct VersionLine {
    pub version: i32,
    pub name: String,
    pub validity: String,
    pub created: String,
    pub shipped: bool,
    pub shown: bool,
}

/// The clone form as typed.
#[derive(Debug, Deserialize, Default)]
pub struct CloneForm {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    /// The version cloned (the latest when empty).
    #[serde(default)]
    pub version: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    pub body: String,
}

#[derive(Default)]
pub struct RuleForms {
    /// The JSON typed, when the edit failed.
    pub body: Option<String>,
    pub body_errors: FormErrors,
    pub clone: CloneForm,
    pub clone_errors: FormErrors,
}

#[derive(Template)]
#[template(path = "risk_rule_set.html")]
struct RuleSetPage {
    l: Layout,
    id: String,
    version: i32,
    latest: i32,
    name: String,
    document: String,
    validity: String,
    in_force: bool,
    shipped: bool,
    based_on: String,
    notes: String,
    announce_hours: u32,
    cumulative: bool,
    levels: Vec<LevelBadge>,
    criteria: Vec<CriterionLine>,
    unverified: usize,
    measure_levels: Vec<MeasureLevel>,
    versions: Vec<VersionLine>,
    can_manage: bool,
    body: String,
    forms: RuleForms,
}

#[derive(Debug, Deserialize, Default)]
pub struct RuleQuery {
    version: Option<i32>,
    msg: Option<String>,
}

async fn rule_set_page(
    s: &AppState,
    u: &Authed,
    id: &str,
    version: Option<i32>,
    msg: Option<&str>,
    forms: RuleForms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (row, rules) = found(s.store.risk_rule_set(id, version).await)?;
    let versions = s.store.risk_rule_versions(id).await?;
    let latest = versions.first().map_or(row.version, |v| v.version);
    let today = s.clock.today();
    let sets = latest_sets(s).await?;
    let in_force = risk::in_force(&sets, today).is_some_and(|r| r.id == rules.id);
    let criteria: Vec<CriterionLine> = rules
        .criteria
        .iter()
        .map(|c| CriterionLine {
            id: c.id.clone(),
            tiers: c
                .applies_to
                .iter()
                .map(|t| t.label())
                .collect::<Vec<_>>()
                .join(", "),
            test: describe_test(&rules, &c.test),
            effect: describe_effect(&rules, &c.effect),
            text: c.text.clone(),
            source: c.source.clone(),
            mark: mark_badge(c.mark),
        })
        .collect();
    let unverified = rules
        .criteria
        .iter()
        .filter(|c| c.mark == Mark::Unverified)
        .count();
    let measure_levels = rules
        .levels
        .iter()
        .map(|l| {
            let ms: Vec<&Measure> = rules.measures.iter().filter(|m| m.level == l.id).collect();
            MeasureLevel {
                level: badge(Some(&rules), &l.id, None),
                groups: group_measures(&rules, &ms),
            }
        })
        .collect();
    let body =
        serde_json::to_string_pretty(&rules).map_err(|e| StoreError::Internal(e.to_string()))?;
    render_status(
        status,
        &RuleSetPage {
            l: layout(
                u,
                format!("{} — bộ quy tắc cấp độ dịch", rules.name),
                msg,
                None,
            ),
            id: row.id.clone(),
            version: row.version,
            latest,
            name: rules.name.clone(),
            document: rules.document.clone(),
            validity: validity(rules.valid_from, rules.valid_to),
            in_force,
            shipped: row.shipped,
            based_on: rules.based_on.clone().unwrap_or_default(),
            notes: rules.notes.clone(),
            announce_hours: rules.announce_hours,
            cumulative: rules.measures_cumulative,
            levels: rules
                .levels
                .iter()
                .map(|l| badge(Some(&rules), &l.id, None))
                .collect(),
            criteria,
            unverified,
            measure_levels,
            versions: versions
                .iter()
                .map(|v| VersionLine {
                    version: v.version,
                    name: v.name.clone(),
                    validity: validity(v.valid_from, v.valid_to),
                    created: format!("{} · {}", vn_datetime(&v.created_at), v.created_by),
                    shipped: v.shipped,
                    shown: v.version == row.version,
                })
                .collect(),
            can_manage: u.can(Permission::ManageRules),
            body,
            forms,
        },
    )
}

pub async fn rule_set(
    State(s): State<AppState>,
    PageUser(u): PageUser,
    Path(id): Path<String>,
    Query(q): Query<RuleQuery>,
) -> Result<Response, PageError> {
    rule_set_page(
        &s,
        &u,
        &id,
        q.version,
        q.msg.as_deref(),
        RuleForms::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn edit_rule_set(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<EditForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    found(s.store.risk_rule_versions(&id).await)?;
    let errors = match RiskRuleSet::from_json(&sub.form.body) {
        Ok(set) if set.id != id => FormErrors(vec![FieldError::new(
            "id",
            format!(
                "mã trong JSON là \"{}\" nhưng bộ quy tắc đang sửa là \"{id}\"; để tạo bộ mới hãy dùng \"Nhân bản\"",
                set.id
            ),
        )]),
        Ok(set) => match s.store.save_risk_rule_set(&u.who(), &set).await {
            Ok(row) => {
                return Ok(see_other(&format!(
                    "/risk/rules/{}?msg=rules_saved",
                    row.id
                )));
            }
            Err(e) => form_errors(e)?,
        },
        Err(e) => e.into(),
    };
    let forms = RuleForms {
        body: Some(sub.form.body),
        body_errors: errors,
        ..Default::default()
    };
    rule_set_page(
        &s,
        u,
        &id,
        None,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

pub async fn clone_rule_set(
    State(s): State<AppState>,
    Path(id): Path<String>,
    sub: Submitted<CloneForm>,
) -> Result<Response, PageError> {
    let u = &sub.user;
    require(u, Permission::ManageRules)?;
    let f = &sub.form;
    let version = f.version.trim().parse::<i32>().ok();
    let (_, source) = found(s.store.risk_rule_set(&id, version).await)?;
    let mut errors = Vec::new();
    let new_id = f.id.trim().to_owned();
    if !new_id.is_empty() {
        match s.store.risk_rule_versions(&new_id).await {
            Ok(_) => errors.push(FieldError::new(
                "id",
                format!("đã có bộ quy tắc mã \"{new_id}\"; chọn mã khác"),
            )),
            Err(StoreError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let from = match required_date("valid_from", &f.valid_from, "ngày bắt đầu áp dụng") {
        Ok(d) => Some(d),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let to = match parse_date("valid_to", &f.valid_to) {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let errors = match from {
        Some(from) if errors.is_empty() => {
            let copy = RiskRuleSet {
                id: new_id,
                name: f.name.trim().to_owned(),
                valid_from: from,
                valid_to: to,
                based_on: Some(source.id.clone()),
                ..source
            };
            match s.store.save_risk_rule_set(&u.who(), &copy).await {
                Ok(row) => return Ok(see_other(&format!("/risk/rules/{}?msg=cloned", row.id))),
                Err(e) => form_errors(e)?,
            }
        }
        _ => FormErrors(errors),
    };
    let forms = RuleForms {
        clone: sub.form,
        clone_errors: errors,
        ..Default::default()
    };
    rule_set_page(
        &s,
        u,
        &id,
        version,
        None,
        forms,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod describe_tests {
    use super::*;

    #[test]
    fn numbers_the_vietnamese_way() {
        assert_eq!(vn_num(100_000.0), "100.000");
        assert_eq!(vn_num(1.5), "1,5");
        assert_eq!(vn_num(600.0), "600");
        assert_eq!(vn_pct(0.3), "30%");
        assert_eq!(vn_pct(0.555), "55,5%");
    }

    #[test]
    fn every_shipped_criterion_is_described_with_its_numbers() {
        let sets = risk::shipped();
        assert_eq!(sets.len(), 3);
        for set in &sets {
            for c in &set.criteria {
                let t = describe_test(set, &c.test);
                assert!(!t.is_empty() && !t.contains("\"\""), "{}: {t}", c.id);
                let e = describe_effect(set, &c.effect);
                assert!(!e.is_empty());
            }
        }
        let qd218 = sets.iter().find(|s| s.id == "qd218").unwrap();
        let t = &qd218
            .criteria
            .iter()
            .find(|c| c.id == "xa_cap_4_ca_moi_tuan")
            .unwrap()
            .test;
        assert!(describe_test(qd218, t).starts_with("Trên 600 ca F0"));
        let qd2686 = sets.iter().find(|s| s.id == "qd2686").unwrap();
        let c = qd2686
            .criteria
            .iter()
            .find(|c| c.id == "huyen_30pct_rat_cao")
            .unwrap();
        assert_eq!(
            describe_test(qd2686, &c.test),
            "Từ 30% số đơn vị trực thuộc ở mức Nguy cơ rất cao trở lên"
        );
        assert_eq!(
            describe_effect(qd2686, &c.effect),
            "Xếp mức Nguy cơ rất cao"
        );
    }
}
