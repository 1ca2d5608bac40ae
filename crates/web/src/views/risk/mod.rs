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
use super::{
    FormErrors, Layout, Submitted, UnitNames, render_status, see_other, vn_date, vn_datetime,
};
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

mod areas;
mod assessments;
mod imports;
mod rules;

use areas::*;
use assessments::*;
use imports::*;
use rules::*;

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
        .route("/risk/areas/{id}/facts/{fact}/end", post(end_fact))
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
        .route(
            "/risk/coverage/import",
            get(coverage_import_page)
                .post(coverage_import)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
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

fn reason_lines(rs: Vec<Reason>, names: &UnitNames) -> Vec<ReasonLine> {
    rs.into_iter()
        .map(|r| ReasonLine {
            not_computable: r.outcome == ReasonOutcome::NotComputable,
            text: names.apply(&r.text),
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
        "fact_ended" => "Đã kết thúc yếu tố; các lần đánh giá sau ngày đó không tính nữa.".into(),
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
