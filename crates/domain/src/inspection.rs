//! Inspections (kiểm tra): Directive 001 asks each level to inspect the one directly below it
//! (province → districts, district → communes, commune → villages; from 01/07/2025 province →
//! communes), to record what was checked, and to follow the findings through: violations,
//! required corrections with a deadline (each becomes a task of the inspected unit), rewards and
//! discipline.
//!
//! An inspection is planned, then done (its record written) or cancelled. Findings are added to
//! a done inspection only: they are what the inspection found.

use crate::area::{AreaId, AreaLevel};
use crate::error::{Collector, Invalid};
use crate::vocab::{parse_date, parse_past_date};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// Where an inspection stands.
    pub enum InspectionStatus (field = "status") {
        Planned = ("planned", "Đã lên kế hoạch"),
        Done = ("done", "Đã kiểm tra"),
        Cancelled = ("cancelled", "Đã huỷ"),
    }
}

crate::vocabulary! {
    /// What an inspection found or decided.
    pub enum FindingKind (field = "kind") {
        Finding = ("finding", "Nhận xét, kết quả kiểm tra"),
        Violation = ("violation", "Vi phạm"),
        Correction = ("correction", "Yêu cầu khắc phục"),
        Reward = ("reward", "Khen thưởng"),
        Discipline = ("discipline", "Kỷ luật"),
    }
}

impl FindingKind {
    /// Whom the finding is about must be named: who broke a rule, who is rewarded, who is
    /// disciplined.
    pub fn needs_subject(self) -> bool {
        matches!(
            self,
            FindingKind::Violation | FindingKind::Reward | FindingKind::Discipline
        )
    }

    /// The form of a reward or a discipline (Giấy khen, Khiển trách …) must be given.
    pub fn needs_decision(self) -> bool {
        matches!(self, FindingKind::Reward | FindingKind::Discipline)
    }

    /// What the "subject" field holds for this kind, for the screen.
    pub fn subject_label(self) -> &'static str {
        match self {
            FindingKind::Violation => "Tổ chức, cá nhân vi phạm",
            FindingKind::Reward => "Tổ chức, cá nhân được khen thưởng",
            FindingKind::Discipline => "Tổ chức, cá nhân bị kỷ luật",
            FindingKind::Finding | FindingKind::Correction => "Nội dung, lĩnh vực",
        }
    }

    /// What the "decision" field holds for this kind, for the screen.
    pub fn decision_label(self) -> &'static str {
        match self {
            FindingKind::Violation => "Hình thức xử lý",
            FindingKind::Reward => "Hình thức khen thưởng",
            FindingKind::Discipline => "Hình thức kỷ luật",
            FindingKind::Finding | FindingKind::Correction => "Căn cứ, văn bản",
        }
    }
}

/// Whether a unit at level `by` inspects units at level `target` (its children): country →
/// province, province → district (before 01/07/2025) or commune (after), district → commune,
/// commune → village. Villages, residential groups and what lies below them inspect no one.
pub fn inspects(by: AreaLevel, target: AreaLevel) -> bool {
    matches!(
        (by, target),
        (AreaLevel::Country, AreaLevel::Province)
            | (AreaLevel::Province, AreaLevel::District | AreaLevel::Ward)
            | (AreaLevel::District, AreaLevel::Ward)
            | (AreaLevel::Ward, AreaLevel::Village)
    )
}

/// A unit as the level rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: String,
    pub name: String,
    pub level: AreaLevel,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    /// The name with the id: today's province and the one of before 2025 share their name.
    fn named(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }
}

/// Where the inspected unit stands in the tree relative to the inspecting one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Below {
    /// A direct child.
    Child,
    /// Further down: a grandchild or below.
    Deeper,
    /// Not below it at all (or the unit itself).
    Outside,
}

/// The level rule: a unit inspects only its direct children, of the level below it, and only
/// a unit that exists on the day of the inspection. Errors name `area_id` (the inspected unit)
/// or `by_area_id` (a unit that inspects no one).
pub fn check_levels(by: &Unit, target: &Unit, below: Below, on: NaiveDate) -> Result<(), Invalid> {
    let rule = "mỗi cấp kiểm tra cấp liền dưới: tỉnh → huyện, huyện → xã, xã → thôn \
                (từ 01/07/2025: tỉnh → xã)";
    match below {
        Below::Outside if by.id == target.id => {
            return Err(Invalid::field(
                "area_id",
                format!("{} không tự kiểm tra chính mình; {rule}", by.named()),
            ));
        }
        Below::Outside => {
            return Err(Invalid::field(
                "area_id",
                format!("{} không trực thuộc {}; {rule}", target.named(), by.named()),
            ));
        }
        Below::Deeper => {
            return Err(Invalid::field(
                "area_id",
                format!(
                    "{} không phải cấp liền dưới của {}: {rule}",
                    target.named(),
                    by.named()
                ),
            ));
        }
        Below::Child => {}
    }
    if !inspects(by.level, target.level) {
        return Err(Invalid::field(
            "by_area_id",
            format!(
                "cấp {} ({}) không kiểm tra cấp {}; {rule}",
                by.level.label().to_lowercase(),
                by.named(),
                target.level.label().to_lowercase()
            ),
        ));
    }
    if target.valid_from.is_some_and(|f| on < f) || target.valid_to.is_some_and(|t| on > t) {
        let when = match (target.valid_from, target.valid_to) {
            (Some(f), _) if on < f => format!("chỉ có từ {}", f.format("%d/%m/%Y")),
            (_, Some(t)) => format!("chỉ có đến {}", t.format("%d/%m/%Y")),
            _ => "không còn".to_owned(),
        };
        return Err(Invalid::field(
            "area_id",
            format!(
                "{} {when}; ngày kiểm tra là {}",
                target.named(),
                on.format("%d/%m/%Y")
            ),
        ));
    }
    Ok(())
}

/// An inspection plan as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanDraft {
    /// The inspecting unit.
    pub by_area_id: String,
    /// The inspected unit: a direct child of the inspecting one.
    pub area_id: String,
    pub title: String,
    /// What will be checked (nội dung kiểm tra).
    pub scope_text: String,
    pub planned_on: String,
    /// The agency leading the inspection team (optional).
    pub lead_agency_id: String,
    /// The members of the team (thành phần đoàn kiểm tra).
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanInput {
    pub by_area_id: AreaId,
    pub area_id: AreaId,
    pub title: String,
    pub scope_text: String,
    pub planned_on: NaiveDate,
    pub lead_agency_id: Option<i64>,
    pub team: String,
}

/// Cleans a text field, keeping line breaks (records and findings are several lines long):
/// each line is cleaned, runs of empty lines become one.
pub fn clean_lines(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in s.lines().map(crate::text::clean) {
        if line.is_empty() && out.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

fn bounded(c: &mut Collector, field: &str, text: String, max: usize, what: &str) -> String {
    if text.chars().count() > max {
        c.push(field, format!("{what} dài quá {max} ký tự"));
    }
    text
}

fn required(c: &mut Collector, field: &str, text: String, max: usize, what: &str) -> String {
    if text.is_empty() {
        c.push(field, format!("cần {what}"));
        text
    } else {
        bounded(c, field, text, max, what)
    }
}

fn optional_id(c: &mut Collector, field: &str, s: &str) -> Option<i64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            c.push(field, format!("\"{t}\" không phải mã cơ quan"));
            None
        }
    }
}

impl PlanDraft {
    /// Checks every field at once; the level rule needs the tree and is checked by the store
    /// ([`check_levels`]).
    pub fn parse(&self) -> Result<PlanInput, Invalid> {
        let mut c = Collector::new();
        let by_area_id = if self.by_area_id.trim().is_empty() {
            c.push("by_area_id", "chọn đơn vị kiểm tra");
            None
        } else {
            c.take(AreaId::parse(&self.by_area_id).map_err(|e| rename(e, "by_area_id")))
        };
        let area_id = if self.area_id.trim().is_empty() {
            c.push("area_id", "chọn đơn vị được kiểm tra");
            None
        } else {
            c.take(AreaId::parse(&self.area_id))
        };
        let title = required(
            &mut c,
            "title",
            crate::text::clean(&self.title),
            300,
            "tên cuộc kiểm tra",
        );
        let scope_text = bounded(
            &mut c,
            "scope_text",
            clean_lines(&self.scope_text),
            4000,
            "nội dung kiểm tra",
        );
        let planned_on = c.take(parse_date("planned_on", &self.planned_on)).flatten();
        if planned_on.is_none() && self.planned_on.trim().is_empty() {
            c.push("planned_on", "cần ngày kiểm tra (dd/mm/yyyy)");
        }
        let lead_agency_id = optional_id(&mut c, "lead_agency_id", &self.lead_agency_id);
        let team = bounded(
            &mut c,
            "team",
            clean_lines(&self.team),
            2000,
            "thành phần đoàn",
        );
        c.finish()?;
        match (by_area_id, area_id, planned_on) {
            (Some(by_area_id), Some(area_id), Some(planned_on)) => Ok(PlanInput {
                by_area_id,
                area_id,
                title,
                scope_text,
                planned_on,
                lead_agency_id,
                team,
            }),
            _ => Err(Invalid::field("title", "thiếu thông tin kế hoạch kiểm tra")),
        }
    }
}

/// The same errors under another field's name (an area id parsed for `by_area_id`).
fn rename(e: Invalid, field: &str) -> Invalid {
    Invalid(
        e.0.into_iter()
            .map(|f| crate::FieldError::new(field, f.message))
            .collect(),
    )
}

/// The result of an inspection as typed: when it took place and what was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecordDraft {
    pub done_on: String,
    /// What was checked and how (biên bản kiểm tra).
    pub record: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordInput {
    pub done_on: NaiveDate,
    pub record: String,
}

impl RecordDraft {
    /// The day may not be in the future; the record is required.
    pub fn parse(&self, today: NaiveDate) -> Result<RecordInput, Invalid> {
        let mut c = Collector::new();
        let done_on = c
            .take(parse_past_date("done_on", &self.done_on, today))
            .flatten();
        if done_on.is_none() && self.done_on.trim().is_empty() {
            c.push("done_on", "cần ngày kiểm tra thực tế (dd/mm/yyyy)");
        }
        let record = required(
            &mut c,
            "record",
            clean_lines(&self.record),
            20_000,
            "nội dung đã kiểm tra (biên bản)",
        );
        c.finish()?;
        match done_on {
            Some(done_on) => Ok(RecordInput { done_on, record }),
            None => Err(Invalid::field("done_on", "cần ngày kiểm tra thực tế")),
        }
    }
}

/// Why a planned inspection is cancelled: required, kept as its record.
pub fn parse_cancel_reason(s: &str) -> Result<String, Invalid> {
    let mut c = Collector::new();
    let reason = required(&mut c, "reason", clean_lines(s), 2000, "lý do huỷ");
    c.finish()?;
    Ok(reason)
}

/// A finding as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FindingDraft {
    pub kind: String,
    /// Whom it is about (required for violations, rewards and discipline).
    pub subject: String,
    pub text: String,
    /// The form of handling, reward or discipline, or the decision it rests on.
    pub decision: String,
    /// A correction's deadline.
    pub deadline: String,
    /// A correction's responsible agency, from the list …
    pub agency_id: String,
    /// … and/or by name (several separated by ";").
    pub agency_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingInput {
    pub kind: FindingKind,
    pub subject: String,
    pub text: String,
    pub decision: String,
    pub deadline: Option<NaiveDate>,
    /// A registered agency responsible for a correction.
    pub agency_id: Option<i64>,
    /// Agencies responsible for a correction, by name.
    pub agency_names: Vec<String>,
}

impl FindingDraft {
    /// `inspected_on` is the day the inspection took place: a correction's deadline may not
    /// come before it. Only a correction has a deadline and a responsible agency; it needs
    /// both.
    pub fn parse(&self, inspected_on: NaiveDate) -> Result<FindingInput, Invalid> {
        let mut c = Collector::new();
        let kind = c.take(FindingKind::parse(&self.kind));
        let subject = bounded(
            &mut c,
            "subject",
            crate::text::clean(&self.subject),
            300,
            "đối tượng",
        );
        let text = required(
            &mut c,
            "text",
            clean_lines(&self.text),
            2000,
            "nội dung kết luận",
        );
        let decision = bounded(
            &mut c,
            "decision",
            crate::text::clean(&self.decision),
            300,
            "hình thức, căn cứ",
        );
        let deadline = c.take(parse_date("deadline", &self.deadline)).flatten();
        let agency_id = optional_id(&mut c, "agency_id", &self.agency_id);
        let agency_names = crate::task::split_agency_list(&self.agency_name);
        if agency_names.len() > 20 {
            c.push("agency_name", "quá nhiều cơ quan (tối đa 20)");
        }
        if agency_names.iter().any(|n| n.chars().count() > 300) {
            c.push("agency_name", "tên cơ quan dài quá 300 ký tự");
        }
        if let Some(kind) = kind {
            if kind.needs_subject() && subject.is_empty() {
                c.push(
                    "subject",
                    format!("cần ghi {}", kind.subject_label().to_lowercase()),
                );
            }
            if kind.needs_decision() && decision.is_empty() {
                c.push(
                    "decision",
                    format!("cần ghi {}", kind.decision_label().to_lowercase()),
                );
            }
            if kind == FindingKind::Correction {
                match deadline {
                    None if self.deadline.trim().is_empty() => {
                        c.push("deadline", "yêu cầu khắc phục cần thời hạn (dd/mm/yyyy)");
                    }
                    Some(d) if d < inspected_on => c.push(
                        "deadline",
                        format!(
                            "thời hạn {} trước ngày kiểm tra {}",
                            d.format("%d/%m/%Y"),
                            inspected_on.format("%d/%m/%Y")
                        ),
                    ),
                    _ => {}
                }
                if agency_id.is_none()
                    && agency_names.is_empty()
                    && self.agency_id.trim().is_empty()
                {
                    c.push(
                        "agency_id",
                        "chọn hoặc ghi tên cơ quan chịu trách nhiệm khắc phục",
                    );
                }
            } else {
                if !self.deadline.trim().is_empty() {
                    c.push("deadline", "chỉ yêu cầu khắc phục mới có thời hạn");
                }
                if !self.agency_id.trim().is_empty() || !agency_names.is_empty() {
                    c.push(
                        "agency_id",
                        "chỉ yêu cầu khắc phục mới giao cơ quan chịu trách nhiệm",
                    );
                }
            }
        }
        c.finish()?;
        match kind {
            Some(kind) => Ok(FindingInput {
                kind,
                subject,
                text,
                decision,
                deadline,
                agency_id,
                agency_names,
            }),
            None => Err(Invalid::field("kind", "chọn loại kết luận")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn unit(id: &str, level: AreaLevel) -> Unit {
        let legacy = id.starts_with('L');
        Unit {
            id: id.into(),
            name: format!("Đơn vị {id}"),
            level,
            valid_from: (!legacy && id != "VN").then(|| d(2025, 7, 1)),
            valid_to: legacy.then(|| d(2025, 6, 30)),
        }
    }

    #[test]
    fn each_level_inspects_the_one_directly_below() {
        use AreaLevel::*;
        assert!(inspects(Country, Province));
        assert!(inspects(Province, District));
        assert!(inspects(Province, Ward), "the two-level structure");
        assert!(inspects(District, Ward));
        assert!(inspects(Ward, Village));
        for (by, target) in [
            (Province, Province),
            (District, District),
            (District, Village),
            (Village, Village),
            (Ward, District),
            (Country, District),
        ] {
            assert!(!inspects(by, target), "{by:?} → {target:?}");
        }
    }

    #[test]
    fn a_grandchild_a_stranger_or_oneself_is_refused_on_the_inspected_field() {
        let on = d(2021, 6, 24);
        let province = unit("L12", AreaLevel::Province);
        let district = unit("L105", AreaLevel::District);
        let ward = unit("L03386", AreaLevel::Ward);
        assert!(check_levels(&province, &district, Below::Child, on).is_ok());
        assert!(check_levels(&district, &ward, Below::Child, on).is_ok());
        let e = check_levels(&province, &ward, Below::Deeper, on).unwrap_err();
        assert!(e.message_for("area_id").unwrap().contains("cấp liền dưới"));
        let e = check_levels(
            &district,
            &unit("L03413", AreaLevel::Ward),
            Below::Outside,
            on,
        )
        .unwrap_err();
        assert!(
            e.message_for("area_id")
                .unwrap()
                .contains("không trực thuộc")
        );
        let e = check_levels(&district, &district, Below::Outside, on).unwrap_err();
        assert!(e.message_for("area_id").unwrap().contains("chính mình"));
        let village = unit("T1", AreaLevel::Village);
        let e =
            check_levels(&village, &unit("T2", AreaLevel::Village), Below::Child, on).unwrap_err();
        assert!(e.message_for("by_area_id").is_some());
    }

    #[test]
    fn the_inspected_unit_must_exist_on_the_day() {
        let on_2021 = d(2021, 6, 24);
        let new_province = unit("N12", AreaLevel::Province);
        let new_ward = unit("N03386", AreaLevel::Ward);
        let e = check_levels(&new_province, &new_ward, Below::Child, on_2021).unwrap_err();
        assert!(e.message_for("area_id").unwrap().contains("từ 01/07/2025"));
        assert!(check_levels(&new_province, &new_ward, Below::Child, d(2025, 7, 1)).is_ok());
        let old = unit("L105", AreaLevel::District);
        let e = check_levels(
            &unit("L12", AreaLevel::Province),
            &old,
            Below::Child,
            d(2025, 8, 1),
        )
        .unwrap_err();
        assert!(e.message_for("area_id").unwrap().contains("đến 30/06/2025"));
    }

    #[test]
    fn a_plan_needs_units_a_title_and_a_date() {
        let e = PlanDraft::default().parse().unwrap_err();
        for f in ["by_area_id", "area_id", "title", "planned_on"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        let e = PlanDraft {
            by_area_id: "X".into(),
            lead_agency_id: "abc".into(),
            planned_on: "31/02/2021".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(e.message_for("by_area_id").is_some());
        assert!(e.message_for("lead_agency_id").is_some());
        assert!(e.message_for("planned_on").unwrap().contains("31/02/2021"));
        let p = PlanDraft {
            by_area_id: "L12".into(),
            area_id: "L105".into(),
            title: "  Kiểm tra   công tác phòng, chống dịch ".into(),
            scope_text: "Chốt kiểm soát\n\n\n  Khu cách ly  ".into(),
            planned_on: "28/06/2021".into(),
            lead_agency_id: "3".into(),
            team: String::new(),
        }
        .parse()
        .unwrap();
        assert_eq!(p.title, "Kiểm tra công tác phòng, chống dịch");
        assert_eq!(p.scope_text, "Chốt kiểm soát\n\nKhu cách ly");
        assert_eq!(p.planned_on, d(2021, 6, 28));
        assert_eq!(p.lead_agency_id, Some(3));
    }

    #[test]
    fn a_record_is_not_in_the_future_and_not_empty() {
        let today = d(2021, 6, 24);
        let e = RecordDraft {
            done_on: "25/06/2021".into(),
            record: " ".into(),
        }
        .parse(today)
        .unwrap_err();
        assert!(e.message_for("done_on").unwrap().contains("tương lai"));
        assert!(e.message_for("record").is_some());
        let r = RecordDraft {
            done_on: "2021-06-24".into(),
            record: "Đã kiểm tra 3 chốt".into(),
        }
        .parse(today)
        .unwrap();
        assert_eq!(r.done_on, today);
        assert!(
            parse_cancel_reason("  ")
                .unwrap_err()
                .message_for("reason")
                .is_some()
        );
    }

    #[test]
    fn a_correction_needs_a_deadline_from_the_inspection_day_and_an_agency() {
        let on = d(2021, 6, 24);
        let e = FindingDraft {
            kind: "correction".into(),
            text: "Bổ sung sổ theo dõi".into(),
            ..Default::default()
        }
        .parse(on)
        .unwrap_err();
        assert!(e.message_for("deadline").unwrap().contains("thời hạn"));
        assert!(e.message_for("agency_id").is_some());
        let e = FindingDraft {
            kind: "correction".into(),
            text: "Bổ sung sổ theo dõi".into(),
            deadline: "23/06/2021".into(),
            agency_name: "UBND phường Tân Phong".into(),
            ..Default::default()
        }
        .parse(on)
        .unwrap_err();
        assert!(
            e.message_for("deadline")
                .unwrap()
                .contains("trước ngày kiểm tra")
        );
        let f = FindingDraft {
            kind: "correction".into(),
            text: "Bổ sung sổ theo dõi".into(),
            deadline: "24/06/2021".into(),
            agency_id: "4".into(),
            agency_name: "Trạm Y tế phường; Công an phường".into(),
            ..Default::default()
        }
        .parse(on)
        .unwrap();
        assert_eq!(f.deadline, Some(on));
        assert_eq!(f.agency_id, Some(4));
        assert_eq!(f.agency_names, ["Trạm Y tế phường", "Công an phường"]);
    }

    #[test]
    fn violations_rewards_and_discipline_name_whom_and_only_corrections_have_deadlines() {
        let on = d(2021, 6, 24);
        for kind in ["violation", "reward", "discipline"] {
            let e = FindingDraft {
                kind: kind.into(),
                text: "Nội dung".into(),
                ..Default::default()
            }
            .parse(on)
            .unwrap_err();
            assert!(e.message_for("subject").is_some(), "{kind}");
            assert_eq!(
                e.message_for("decision").is_some(),
                kind != "violation",
                "{kind}"
            );
        }
        let e = FindingDraft {
            kind: "violation".into(),
            subject: "Quán karaoke X".into(),
            text: "Mở cửa khi có lệnh tạm dừng".into(),
            deadline: "30/06/2021".into(),
            agency_name: "UBND phường".into(),
            ..Default::default()
        }
        .parse(on)
        .unwrap_err();
        assert!(e.message_for("deadline").is_some());
        assert!(e.message_for("agency_id").is_some());
        let e = FindingDraft::default().parse(on).unwrap_err();
        assert!(e.message_for("kind").is_some() && e.message_for("text").is_some());
        let ok = FindingDraft {
            kind: "discipline".into(),
            subject: "Ông Nguyễn Văn B, trưởng chốt".into(),
            text: "Bỏ vị trí trực".into(),
            decision: "Khiển trách".into(),
            ..Default::default()
        }
        .parse(on)
        .unwrap();
        assert_eq!(ok.kind, FindingKind::Discipline);
        assert!(ok.deadline.is_none() && ok.agency_names.is_empty());
    }
}
