//! A quarantine order for one person: the terms computed by the rule set in force on its start
//! date ([`super::plan_in_force`]), or those terms overridden by an officer with a reason; and
//! what an order asks of the health worker on a given day (the work list).

use super::{
    Assumption, Condition, ImmunityInput, Mark, OrderKind, OrderPlan, QuarantineRule,
    QuarantineRuleSet, Subject, in_force,
};
use crate::error::{Collector, Invalid};
use crate::returnee::parse_doses;
use crate::vocab::{parse_date, parse_past_date};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The most days an overridden order may run, quarantine and monitoring together.
pub const MAX_OVERRIDE_DAYS: i64 = 90;

/// An order as typed. The override fields are used only when `override_kind` is filled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderDraft {
    pub subject: String,
    /// Day 1 (`dd/mm/yyyy` or `yyyy-mm-dd`).
    pub start: String,
    pub doses: String,
    pub last_dose: String,
    pub recovered_on: String,
    /// One of the alternatives the rule set offers (empty: the default rule).
    pub rule: String,
    pub override_kind: String,
    pub override_ends_on: String,
    pub override_monitoring_until: String,
    /// Test days, `dd/mm/yyyy` separated by commas or spaces.
    pub override_tests: String,
    pub override_reason: String,
    /// Where a home quarantine is kept.
    pub address: String,
    /// Who lives there (names, or how many).
    pub household: String,
    /// The day the sign was put at the door.
    pub sign_posted_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub kind: OrderKind,
    pub ends_on: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    pub tests: Vec<NaiveDate>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderInput {
    pub subject: Subject,
    pub immunity: ImmunityInput,
    pub start: NaiveDate,
    pub rule: Option<String>,
    pub over: Option<Override>,
    pub address: String,
    pub household: String,
    pub sign_posted_on: Option<NaiveDate>,
}

/// What a province decided for people the rule set in force has no rule for (returnees under
/// CĐ 600, for instance: directive 000 asks for home quarantine and monitoring of the citizens
/// back from Bắc Giang). Given with a batch; the orders it makes are marked as overrides, the
/// decision named as their reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fallback {
    pub kind: OrderKind,
    pub days: u32,
    pub test_days: Vec<u32>,
    pub monitoring_days: u32,
    /// The decision: "Thông báo 000/TB-UBND ngày 18/6/2021 của UBND tỉnh Lai Châu".
    pub basis: String,
}

/// A fallback as typed (empty `kind`: none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FallbackDraft {
    pub fallback_kind: String,
    pub fallback_days: String,
    pub fallback_test_days: String,
    pub fallback_monitoring_days: String,
    pub fallback_basis: String,
}

fn day_count(c: &mut Collector, field: &str, s: &str) -> Option<u32> {
    let t = s.trim();
    if t.is_empty() {
        return Some(0);
    }
    match t.parse::<u32>() {
        Ok(n) if n <= super::MAX_DAYS => Some(n),
        _ => {
            c.push(
                field,
                format!("số ngày \"{t}\" không hợp lệ (0–{})", super::MAX_DAYS),
            );
            None
        }
    }
}

impl FallbackDraft {
    pub fn parse(&self) -> Result<Option<Fallback>, Invalid> {
        if self.fallback_kind.trim().is_empty() {
            return Ok(None);
        }
        let mut c = Collector::new();
        let kind = c.take(
            OrderKind::parse(&self.fallback_kind)
                .map_err(|e| Invalid::field("fallback_kind", e.0[0].message.clone())),
        );
        let days = day_count(&mut c, "fallback_days", &self.fallback_days);
        let monitoring_days = day_count(
            &mut c,
            "fallback_monitoring_days",
            &self.fallback_monitoring_days,
        );
        let mut test_days = Vec::new();
        for part in self
            .fallback_test_days
            .split([',', ';', ' '])
            .filter(|p| !p.trim().is_empty())
        {
            match part.trim().parse::<u32>() {
                Ok(n) if n >= 1 && days.is_none_or(|d| n <= d.max(1)) => test_days.push(n),
                _ => c.push(
                    "fallback_test_days",
                    format!(
                        "ngày xét nghiệm \"{}\" phải là số ngày trong thời gian cách ly",
                        part.trim()
                    ),
                ),
            }
        }
        let basis = text(&mut c, "fallback_basis", &self.fallback_basis, 300);
        if basis.chars().count() < 5 {
            c.push(
                "fallback_basis",
                "ghi văn bản quyết định (số, ngày, cơ quan ban hành)",
            );
        }
        if let (Some(k), Some(0)) = (kind, days)
            && !matches!(k, OrderKind::NoQuarantine | OrderKind::SelfMonitoring)
        {
            c.push("fallback_days", "ghi số ngày cách ly");
        }
        c.finish()?;
        match (kind, days, monitoring_days) {
            (Some(kind), Some(days), Some(monitoring_days)) => Ok(Some(Fallback {
                kind,
                days,
                test_days,
                monitoring_days,
                basis,
            })),
            _ => Err(Invalid::field("fallback_kind", "dữ liệu không hợp lệ")),
        }
    }
}

impl Fallback {
    /// The decision as a one-rule set standing in for `set`, so that its order is computed
    /// and explained as any rule's is.
    fn as_set(&self, set: &QuarantineRuleSet, subject: Subject) -> QuarantineRuleSet {
        let note = format!(
            "{} không có quy tắc cho đối tượng \"{}\"; áp dụng quyết định của địa phương",
            set.name,
            subject.label()
        );
        let self_monitoring = self.kind == OrderKind::SelfMonitoring;
        QuarantineRuleSet {
            id: set.id.clone(),
            name: self.basis.clone(),
            source: self.basis.clone(),
            valid_from: set.valid_from,
            valid_to: set.valid_to,
            based_on: Some(set.id.clone()),
            notes: note.clone(),
            assumptions: vec![Assumption {
                field: "rules".into(),
                note,
            }],
            rules: vec![QuarantineRule {
                id: "quyet_dinh_dia_phuong".into(),
                subjects: vec![subject],
                condition: Condition::Any,
                alternative: false,
                kind: self.kind,
                days: self.days,
                then_home_days: 0,
                test_days: self.test_days.clone(),
                monitoring_days: self.monitoring_days,
                monitoring_test_days: Vec::new(),
                sign_at_door: self.kind == OrderKind::Home,
                daily_declaration: self.kind == OrderKind::Home || self_monitoring,
                counted_from: String::new(),
                text: format!("Quyết định của địa phương: {}", self.basis),
                source: self.basis.clone(),
                mark: Mark::Unverified,
                assumptions: Vec::new(),
            }],
        }
    }
}

/// The terms an order is stored with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderTerms {
    pub subject: Subject,
    pub kind: OrderKind,
    pub starts_on: NaiveDate,
    /// The last day of quarantine; none for self-monitoring or no quarantine.
    pub ends_on: Option<NaiveDate>,
    pub released_on: NaiveDate,
    pub home_from: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    /// The last day the person is followed (quarantine or monitoring).
    pub until_on: NaiveDate,
    /// Every test day, quarantine and monitoring, in order.
    pub tests: Vec<NaiveDate>,
    pub sign_at_door: bool,
    pub daily_declaration: bool,
    /// The set in force and the rule applied (empty under a fallback decision).
    pub rule_set: String,
    pub rule: String,
    pub source: String,
    pub mark: Mark,
    pub explanation: String,
    /// What the rules (or the fallback decision) computed, whatever the override.
    pub computed: OrderPlan,
    pub overridden: bool,
    pub override_reason: String,
}

fn text(c: &mut Collector, field: &str, s: &str, max: usize) -> String {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.chars().count() > max {
        c.push(field, format!("tối đa {max} ký tự"));
    }
    t
}

/// Dates separated by commas, semicolons or spaces.
pub fn parse_dates(field: &str, s: &str) -> Result<Vec<NaiveDate>, Invalid> {
    let mut out = Vec::new();
    for part in s
        .split([',', ';', ' ', '\n'])
        .filter(|p| !p.trim().is_empty())
    {
        if let Some(d) = parse_date(field, part)? {
            out.push(d);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

impl OrderDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<OrderInput, Invalid> {
        let mut c = Collector::new();
        let subject = if self.subject.trim().is_empty() {
            c.push("subject", "chọn đối tượng");
            None
        } else {
            c.take(Subject::parse(&self.subject))
        };
        let start = match c.take(parse_date("start", &self.start)) {
            Some(Some(d)) => Some(d),
            Some(None) => {
                c.push("start", "bắt buộc");
                None
            }
            None => None,
        };
        let doses = c.take(parse_doses("doses", &self.doses));
        let last_dose = c.take(parse_past_date("last_dose", &self.last_dose, today));
        let recovered_on = c.take(parse_past_date("recovered_on", &self.recovered_on, today));
        let rule = Some(self.rule.trim())
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let over = if self.override_kind.trim().is_empty() {
            Some(None)
        } else {
            let kind = c.take(
                OrderKind::parse(&self.override_kind)
                    .map_err(|e| Invalid::field("override_kind", e.0[0].message.clone())),
            );
            let ends_on = c.take(parse_date("override_ends_on", &self.override_ends_on));
            let monitoring_until = c.take(parse_date(
                "override_monitoring_until",
                &self.override_monitoring_until,
            ));
            let tests = c.take(parse_dates("override_tests", &self.override_tests));
            let reason = text(&mut c, "override_reason", &self.override_reason, 1000);
            if reason.chars().count() < 5 {
                c.push(
                    "override_reason",
                    "ghi lý do điều chỉnh (ít nhất 5 ký tự): việc điều chỉnh được ghi nhật ký",
                );
            }
            match (kind, ends_on, monitoring_until, tests) {
                (Some(kind), Some(ends_on), Some(monitoring_until), Some(tests)) => {
                    Some(Some(Override {
                        kind,
                        ends_on,
                        monitoring_until,
                        tests,
                        reason,
                    }))
                }
                _ => None,
            }
        };
        let address = text(&mut c, "address", &self.address, 300);
        let household = text(&mut c, "household", &self.household, 1000);
        let sign_posted_on = c.take(parse_past_date(
            "sign_posted_on",
            &self.sign_posted_on,
            today,
        ));
        c.finish()?;
        match (
            subject,
            start,
            doses,
            last_dose,
            recovered_on,
            over,
            sign_posted_on,
        ) {
            (
                Some(subject),
                Some(start),
                Some(doses),
                Some(last_dose),
                Some(recovered_on),
                Some(over),
                Some(sign_posted_on),
            ) => Ok(OrderInput {
                subject,
                immunity: ImmunityInput {
                    doses,
                    last_dose,
                    recovered_on,
                },
                start,
                rule,
                over,
                address,
                household,
                sign_posted_on,
            }),
            _ => Err(Invalid::field("start", "dữ liệu không hợp lệ")),
        }
    }
}

/// The order's terms under the rule set in force on its start date, then the officer's override
/// checked against the start: an order cannot end before it starts, its test days lie within it,
/// a home quarantine names its address. When the set has no rule for the person and a
/// `fallback` decision is given, the decision applies (marked as an override).
pub fn terms(
    sets: &[QuarantineRuleSet],
    input: &OrderInput,
    fallback: Option<&Fallback>,
) -> Result<OrderTerms, Invalid> {
    let set = in_force(sets, input.start).ok_or_else(|| {
        Invalid::field(
            "start",
            format!(
                "không có bộ quy tắc cách ly nào có hiệu lực ngày {}",
                input.start.format("%d/%m/%Y")
            ),
        )
    })?;
    let planned = match &input.rule {
        Some(rule) => super::plan_with_rule(set, rule, input.subject, &input.immunity, input.start),
        None => super::plan(set, input.subject, &input.immunity, input.start),
    };
    let mut t = match (planned, fallback) {
        (Ok(plan), _) => from_plan(plan),
        (Err(e), Some(f)) if input.rule.is_none() && e.message_for("subject").is_some() => {
            let local = f.as_set(set, input.subject);
            let mut t = from_plan(super::plan(
                &local,
                input.subject,
                &input.immunity,
                input.start,
            )?);
            t.rule = String::new();
            t.overridden = true;
            t.override_reason = format!(
                "{} không có quy tắc cho đối tượng này; theo {}",
                set.name, f.basis
            );
            t
        }
        (Err(e), _) => return Err(e),
    };
    if let Some(o) = &input.over {
        apply_override(&mut t, o)?;
    }
    if t.kind == OrderKind::Home && input.address.trim().is_empty() {
        return Err(Invalid::field(
            "address",
            "cách ly tại nhà: ghi địa chỉ nơi cách ly",
        ));
    }
    Ok(t)
}

fn from_plan(plan: OrderPlan) -> OrderTerms {
    let mut tests: Vec<NaiveDate> = plan
        .tests
        .iter()
        .chain(plan.monitoring_tests.iter())
        .copied()
        .collect();
    tests.sort();
    tests.dedup();
    let until_on = plan
        .monitoring_until
        .or(plan.last_day)
        .unwrap_or(plan.start);
    OrderTerms {
        subject: plan.subject,
        kind: plan.kind,
        starts_on: plan.start,
        ends_on: plan.last_day,
        released_on: plan.released_on,
        home_from: plan.home_from,
        monitoring_until: plan.monitoring_until,
        until_on,
        tests,
        sign_at_door: plan.sign_at_door,
        daily_declaration: plan.daily_declaration,
        rule_set: plan.rule_set.clone(),
        rule: plan.rule.clone(),
        source: plan.source.clone(),
        mark: plan.mark,
        explanation: plan.explanation.clone(),
        computed: plan,
        overridden: false,
        override_reason: String::new(),
    }
}

fn apply_override(t: &mut OrderTerms, o: &Override) -> Result<(), Invalid> {
    let start = t.starts_on;
    let vn = |d: NaiveDate| d.format("%d/%m/%Y").to_string();
    let mut c = Collector::new();
    let quarantined = !matches!(o.kind, OrderKind::SelfMonitoring | OrderKind::NoQuarantine);
    if quarantined && o.ends_on.is_none() {
        c.push("override_ends_on", "ghi ngày cuối cùng của cách ly");
    }
    if let Some(end) = o.ends_on {
        if end < start {
            c.push(
                "override_ends_on",
                format!(
                    "lệnh kết thúc ({}) trước khi bắt đầu ({})",
                    vn(end),
                    vn(start)
                ),
            );
        } else if (end - start).num_days() >= MAX_OVERRIDE_DAYS {
            c.push(
                "override_ends_on",
                format!("tối đa {MAX_OVERRIDE_DAYS} ngày"),
            );
        }
    }
    let last = o.ends_on.unwrap_or(start);
    if let Some(m) = o.monitoring_until {
        if m < last {
            c.push(
                "override_monitoring_until",
                format!("theo dõi kết thúc trước ngày {}", vn(last)),
            );
        } else if (m - start).num_days() >= MAX_OVERRIDE_DAYS {
            c.push(
                "override_monitoring_until",
                format!("tối đa {MAX_OVERRIDE_DAYS} ngày"),
            );
        }
    }
    let until = o.monitoring_until.unwrap_or(last).max(last);
    if let Some(bad) = o.tests.iter().find(|d| **d < start || **d > until) {
        c.push(
            "override_tests",
            format!(
                "ngày xét nghiệm {} nằm ngoài thời gian của lệnh ({} – {})",
                vn(*bad),
                vn(start),
                vn(until)
            ),
        );
    }
    c.finish()?;
    t.kind = o.kind;
    t.ends_on = if quarantined { o.ends_on } else { None };
    t.released_on = match t.ends_on {
        Some(e) => e + Duration::days(1),
        None => start,
    };
    if t.home_from.is_some_and(|h| t.ends_on.is_none_or(|e| h > e)) || !quarantined {
        t.home_from = None;
    }
    t.monitoring_until = o.monitoring_until;
    t.until_on = until;
    t.tests = o.tests.clone();
    t.sign_at_door = o.kind == OrderKind::Home;
    t.overridden = true;
    t.override_reason = o.reason.clone();
    t.explanation = format!(
        "Điều chỉnh bởi cán bộ: {} — {}{}. Lý do: {}. (Theo quy tắc: {})",
        o.kind.label(),
        match t.ends_on {
            Some(e) => format!("từ {} đến hết {}", vn(start), vn(e)),
            None => format!("từ {}", vn(start)),
        },
        match t.monitoring_until {
            Some(m) => format!(", theo dõi đến hết {}", vn(m)),
            None => String::new(),
        },
        o.reason,
        t.computed.explanation
    );
    Ok(())
}

/// The highest temperature a check-in may record (a typo guard), and the lowest.
pub const MAX_TEMPERATURE: f64 = 43.0;
pub const MIN_TEMPERATURE: f64 = 34.0;
/// A temperature from which a check-in counts as fever.
pub const FEVER: f64 = 37.5;

/// A daily check-in as typed (by the health worker, or by the person through the link).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckinDraft {
    /// Empty: today.
    pub on_date: String,
    /// `37.2` or `37,2`; empty when not measured.
    pub temperature: String,
    /// Symptoms ticked (`fever`, `cough`, …) or typed, comma separated; empty: none.
    pub symptoms: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinInput {
    pub on_date: NaiveDate,
    pub temperature: Option<f64>,
    pub symptoms: String,
    pub note: String,
}

impl CheckinInput {
    /// Fever or any symptom: the officer is offered to open a suspect case.
    pub fn is_warning(&self) -> bool {
        self.temperature.is_some_and(|t| t >= FEVER) || !self.symptoms.trim().is_empty()
    }
}

/// The symptoms a check-in offers to tick.
pub const SYMPTOMS: [(&str, &str); 6] = [
    ("sot", "Sốt"),
    ("ho", "Ho"),
    ("kho_tho", "Khó thở"),
    ("dau_hong", "Đau họng"),
    ("mat_vi_giac", "Mất vị giác, khứu giác"),
    ("met_moi", "Mệt mỏi, đau cơ"),
];

impl CheckinDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<CheckinInput, Invalid> {
        let mut c = Collector::new();
        let on_date = c
            .take(parse_past_date("on_date", &self.on_date, today))
            .map(|d| d.unwrap_or(today));
        let t = self.temperature.trim().replace(',', ".");
        let temperature = if t.is_empty() {
            Some(None)
        } else {
            match t.parse::<f64>() {
                Ok(v) if (MIN_TEMPERATURE..=MAX_TEMPERATURE).contains(&v) => Some(Some(v)),
                _ => {
                    c.push(
                        "temperature",
                        format!(
                            "nhiệt độ \"{}\" không hợp lệ ({MIN_TEMPERATURE}–{MAX_TEMPERATURE} °C)",
                            self.temperature.trim()
                        ),
                    );
                    None
                }
            }
        };
        let symptoms = text(&mut c, "symptoms", &self.symptoms, 500);
        let note = text(&mut c, "note", &self.note, 1000);
        c.finish()?;
        match (on_date, temperature) {
            (Some(on_date), Some(temperature)) => Ok(CheckinInput {
                on_date,
                temperature,
                symptoms,
                note,
            }),
            _ => Err(Invalid::field("on_date", "dữ liệu không hợp lệ")),
        }
    }
}

/// Who entered a check-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinBy {
    Worker,
    Person,
}

impl CheckinBy {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckinBy::Worker => "worker",
            CheckinBy::Person => "self",
        }
    }
}

crate::vocabulary! {
    /// What a person under quarantine did wrong.
    pub enum ViolationKind (field = "kind") {
        LeftPlace = ("left_place", "Tự ý rời nơi cách ly"),
        RefusedTest = ("refused_test", "Không chấp hành xét nghiệm"),
        Visitors = ("visitors", "Tiếp xúc người ngoài"),
        Other = ("other", "Vi phạm khác"),
    }
}

/// A violation as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViolationDraft {
    pub on_date: String,
    pub kind: String,
    pub description: String,
    /// The decision taken: a fine's number, a move to centralized quarantine.
    pub decision: String,
    /// In đồng, digits (dots and spaces allowed).
    pub fine: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationInput {
    pub on_date: NaiveDate,
    pub kind: ViolationKind,
    pub description: String,
    pub decision: String,
    pub fine: Option<i64>,
}

/// The highest fine recorded, in đồng (a typo guard: Decree 117/2020 fines are far below).
pub const MAX_FINE: i64 = 1_000_000_000;

impl ViolationDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<ViolationInput, Invalid> {
        let mut c = Collector::new();
        let on_date = match c.take(parse_past_date("on_date", &self.on_date, today)) {
            Some(Some(d)) => Some(d),
            Some(None) => {
                c.push("on_date", "bắt buộc");
                None
            }
            None => None,
        };
        let kind = c.take(ViolationKind::parse(&self.kind));
        let description = text(&mut c, "description", &self.description, 2000);
        if description.is_empty() {
            c.push("description", "mô tả vi phạm");
        }
        let decision = text(&mut c, "decision", &self.decision, 500);
        let digits: String = self
            .fine
            .chars()
            .filter(|ch| !matches!(ch, '.' | ' ' | ','))
            .collect();
        let fine = if digits.is_empty() {
            Some(None)
        } else {
            match digits.parse::<i64>() {
                Ok(v) if (0..=MAX_FINE).contains(&v) => Some(Some(v)),
                _ => {
                    c.push(
                        "fine",
                        format!("số tiền \"{}\" không hợp lệ", self.fine.trim()),
                    );
                    None
                }
            }
        };
        c.finish()?;
        match (on_date, kind, fine) {
            (Some(on_date), Some(kind), Some(fine)) => Ok(ViolationInput {
                on_date,
                kind,
                description,
                decision,
                fine,
            }),
            _ => Err(Invalid::field("on_date", "dữ liệu không hợp lệ")),
        }
    }
}

/// Where a person stands on a day under an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    NotStarted,
    Quarantine,
    Monitoring,
    Over,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::NotStarted => "Chưa bắt đầu",
            Phase::Quarantine => "Đang cách ly",
            Phase::Monitoring => "Theo dõi sau cách ly",
            Phase::Over => "Đã kết thúc",
        }
    }
}

/// What the work list needs of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub kind: OrderKind,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub home_from: Option<NaiveDate>,
    pub monitoring_until: Option<NaiveDate>,
    pub until_on: NaiveDate,
    pub tests: Vec<NaiveDate>,
    /// Whether the order asks for a declaration every day.
    pub daily_declaration: bool,
    /// The last day with a check-in, if any.
    pub last_checkin: Option<NaiveDate>,
    /// Present in a facility now.
    pub in_facility: bool,
}

/// One thing to do today about one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "duty", rename_all = "snake_case")]
pub enum Duty {
    /// At home or monitored and no check-in today: call.
    Call,
    /// A test is due today.
    Test,
    /// Today is the last day of quarantine (released tomorrow).
    Ends,
    /// Today is the last day of monitoring.
    MonitoringEnds,
    /// Whole days since the start without any check-in (yesterday and before).
    Missed { days: i64 },
    /// Must be moved, and why.
    Move { reason: String },
}

impl Duty {
    pub fn key(&self) -> &'static str {
        match self {
            Duty::Call => "call",
            Duty::Test => "test",
            Duty::Ends => "ends",
            Duty::MonitoringEnds => "monitoring_ends",
            Duty::Missed { .. } => "missed",
            Duty::Move { .. } => "move",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Duty::Call => "Gọi hỏi thăm (chưa khai báo hôm nay)".into(),
            Duty::Test => "Xét nghiệm hôm nay".into(),
            Duty::Ends => "Hết cách ly hôm nay".into(),
            Duty::MonitoringEnds => "Hết theo dõi hôm nay".into(),
            Duty::Missed { days } => format!("Bỏ khai báo {days} ngày"),
            Duty::Move { reason } => format!("Cần chuyển: {reason}"),
        }
    }
}

impl FollowUp {
    pub fn phase(&self, today: NaiveDate) -> Phase {
        if today < self.starts_on {
            Phase::NotStarted
        } else if self.ends_on.is_some_and(|e| today <= e) {
            Phase::Quarantine
        } else if today <= self.until_on && self.monitoring_until.is_some() {
            Phase::Monitoring
        } else if self.ends_on.is_none() && today <= self.until_on {
            // Self-monitoring from day 1.
            Phase::Monitoring
        } else {
            Phase::Over
        }
    }

    /// What is to be done about this person today, in the order of the list's columns.
    pub fn duties(&self, today: NaiveDate) -> Vec<Duty> {
        let phase = self.phase(today);
        let mut out = Vec::new();
        if matches!(phase, Phase::NotStarted | Phase::Over) {
            return out;
        }
        // Staff see the people in a facility every day; anyone else is called.
        let in_place = self.in_facility;
        if !in_place && self.last_checkin != Some(today) {
            out.push(Duty::Call);
        }
        if self.tests.contains(&today) {
            out.push(Duty::Test);
        }
        if self.ends_on == Some(today) {
            out.push(Duty::Ends);
        }
        if self.monitoring_until == Some(today) {
            out.push(Duty::MonitoringEnds);
        }
        let yesterday = today - Duration::days(1);
        let counted_from = self
            .last_checkin
            .map_or(self.starts_on, |d| d + Duration::days(1));
        let missed = (yesterday - counted_from).num_days() + 1;
        // Days without a check-in count where one is expected every day: the order asks for
        // it, or nobody sees the person (not in a facility, whose staff check every day).
        if missed > 0 && (self.daily_declaration || !in_place) {
            out.push(Duty::Missed { days: missed });
        }
        if let Some(reason) = self.move_reason(today, phase) {
            out.push(Duty::Move { reason });
        }
        out
    }

    fn move_reason(&self, today: NaiveDate, phase: Phase) -> Option<String> {
        let facility_part = matches!(self.kind, OrderKind::Centralized | OrderKind::Hotel)
            && phase == Phase::Quarantine
            && self.home_from.is_none_or(|h| today < h);
        if facility_part && !self.in_facility {
            return Some("chưa vào cơ sở cách ly".into());
        }
        if self.in_facility && self.home_from == Some(today) {
            return Some("chuyển về cách ly tại nhà từ hôm nay".into());
        }
        if self.in_facility && phase != Phase::Quarantine {
            return Some("đã hết thời gian cách ly tập trung, cho ra".into());
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::quarantine::shipped;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn today() -> NaiveDate {
        d("2021-06-24")
    }

    fn draft(subject: &str, start: &str) -> OrderDraft {
        OrderDraft {
            subject: subject.into(),
            start: start.into(),
            address: "Bản Nậm Loỏng".into(),
            ..OrderDraft::default()
        }
    }

    fn home_14() -> Fallback {
        FallbackDraft {
            fallback_kind: "home".into(),
            fallback_days: "14".into(),
            fallback_test_days: "1, 7, 14".into(),
            fallback_monitoring_days: "14".into(),
            fallback_basis: "Thông báo 000/TB-UBND của UBND tỉnh Lai Châu".into(),
        }
        .parse()
        .unwrap()
        .unwrap()
    }

    #[test]
    fn an_f1_under_cd600_gets_21_days_centralized_and_7_of_monitoring() {
        let input = draft("f1", "2021-06-10").parse(today()).unwrap();
        let t = terms(&shipped(), &input, None).unwrap();
        assert_eq!(t.kind, OrderKind::Centralized);
        assert_eq!(t.ends_on, Some(d("2021-06-30")));
        assert_eq!(t.released_on, d("2021-07-01"));
        assert_eq!(t.monitoring_until, Some(d("2021-07-07")));
        assert_eq!(t.until_on, d("2021-07-07"));
        assert_eq!(t.tests.first(), Some(&d("2021-06-10")));
        assert_eq!(t.rule_set, "cd600");
        assert!(!t.overridden);
        assert!(t.explanation.starts_with("Theo "), "{}", t.explanation);
    }

    #[test]
    fn a_returnee_without_a_rule_needs_the_local_decision() {
        let input = draft("returnee", "2021-06-20").parse(today()).unwrap();
        let e = terms(&shipped(), &input, None).unwrap_err();
        assert!(e.message_for("subject").is_some());
        let t = terms(&shipped(), &input, Some(&home_14())).unwrap();
        assert_eq!(t.kind, OrderKind::Home);
        assert_eq!(t.ends_on, Some(d("2021-07-03")));
        assert_eq!(t.monitoring_until, Some(d("2021-07-17")));
        assert_eq!(
            t.tests,
            vec![d("2021-06-20"), d("2021-06-26"), d("2021-07-03")]
        );
        assert!(t.sign_at_door && t.daily_declaration);
        assert!(t.overridden);
        assert!(t.override_reason.contains("000/TB-UBND"));
        assert_eq!(t.mark, Mark::Unverified);
        assert_eq!(t.rule_set, "cd600");
        // Where the rules do have a rule, the fallback changes nothing.
        let f1 = draft("f1", "2021-06-20").parse(today()).unwrap();
        assert!(!terms(&shipped(), &f1, Some(&home_14())).unwrap().overridden);
    }

    #[test]
    fn an_override_needs_a_reason_and_cannot_end_before_it_starts() {
        let mut o = draft("f1", "2021-06-10");
        o.override_kind = "home".into();
        o.override_ends_on = "05/06/2021".into();
        let e = o.parse(today()).unwrap_err();
        assert!(e.message_for("override_reason").is_some());
        o.override_reason = "Bệnh viện quá tải, cách ly tại nhà".into();
        let input = o.parse(today()).unwrap();
        let e = terms(&shipped(), &input, None).unwrap_err();
        assert!(
            e.message_for("override_ends_on")
                .unwrap()
                .contains("trước khi bắt đầu"),
            "{e}"
        );
        o.override_ends_on = "23/06/2021".into();
        o.override_tests = "10/06/2021, 30/06/2021".into();
        let e = terms(&shipped(), &o.parse(today()).unwrap(), None).unwrap_err();
        assert!(
            e.message_for("override_tests")
                .unwrap()
                .contains("30/06/2021")
        );
        o.override_tests = "10/06/2021 23/06/2021".into();
        let t = terms(&shipped(), &o.parse(today()).unwrap(), None).unwrap();
        assert_eq!(t.kind, OrderKind::Home);
        assert_eq!(t.ends_on, Some(d("2021-06-23")));
        assert_eq!(t.released_on, d("2021-06-24"));
        assert_eq!(t.until_on, d("2021-06-23"));
        assert!(t.overridden && t.sign_at_door);
        assert_eq!(t.computed.kind, OrderKind::Centralized);
        assert!(t.explanation.contains("Bệnh viện quá tải"));
    }

    #[test]
    fn home_quarantine_names_its_address() {
        let mut o = draft("returnee", "2021-06-20");
        o.address = String::new();
        let e = terms(&shipped(), &o.parse(today()).unwrap(), Some(&home_14())).unwrap_err();
        assert!(e.message_for("address").is_some());
    }

    #[test]
    fn a_fallback_names_its_decision_and_its_days() {
        let e = FallbackDraft {
            fallback_kind: "home".into(),
            fallback_days: "".into(),
            fallback_test_days: "1, 30".into(),
            fallback_monitoring_days: "x".into(),
            fallback_basis: "".into(),
        }
        .parse()
        .unwrap_err();
        for f in [
            "fallback_days",
            "fallback_monitoring_days",
            "fallback_basis",
        ] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        assert_eq!(FallbackDraft::default().parse().unwrap(), None);
    }

    fn follow(kind: OrderKind) -> FollowUp {
        FollowUp {
            kind,
            starts_on: d("2021-06-20"),
            ends_on: Some(d("2021-07-03")),
            home_from: None,
            monitoring_until: Some(d("2021-07-17")),
            until_on: d("2021-07-17"),
            tests: vec![d("2021-06-20"), d("2021-06-26"), d("2021-07-03")],
            daily_declaration: kind == OrderKind::Home,
            last_checkin: None,
            in_facility: false,
        }
    }

    #[test]
    fn the_work_list_says_whom_to_call_test_release_and_move() {
        let mut f = follow(OrderKind::Home);
        // Day 1, nobody has checked in yet: call and test; nothing missed yet.
        assert_eq!(f.duties(d("2021-06-20")), vec![Duty::Call, Duty::Test]);
        // Day 3 without a check-in: two whole days missed.
        assert_eq!(
            f.duties(d("2021-06-22")),
            vec![Duty::Call, Duty::Missed { days: 2 }]
        );
        f.last_checkin = Some(d("2021-06-26"));
        assert_eq!(f.duties(d("2021-06-26")), vec![Duty::Test]);
        f.last_checkin = Some(d("2021-07-03"));
        assert_eq!(f.duties(d("2021-07-03")), vec![Duty::Test, Duty::Ends]);
        assert_eq!(f.phase(d("2021-07-04")), Phase::Monitoring);
        assert_eq!(f.phase(d("2021-07-18")), Phase::Over);
        assert!(f.duties(d("2021-07-18")).is_empty());
        assert!(f.duties(d("2021-06-19")).is_empty());
        // Centralized and not yet in a facility: must be moved; in one, no call.
        let mut c = follow(OrderKind::Centralized);
        c.last_checkin = Some(d("2021-06-20"));
        assert_eq!(
            c.duties(d("2021-06-20")),
            vec![
                Duty::Test,
                Duty::Move {
                    reason: "chưa vào cơ sở cách ly".into()
                }
            ]
        );
        c.in_facility = true;
        assert_eq!(c.duties(d("2021-06-20")), vec![Duty::Test]);
        // In a facility and no daily declaration asked: days without a check-in are not
        // flagged (the staff see the person); at home they are.
        c.last_checkin = None;
        assert!(c.duties(d("2021-06-23")).is_empty());
        c.daily_declaration = true;
        assert_eq!(c.duties(d("2021-06-23")), vec![Duty::Missed { days: 3 }]);
        c.daily_declaration = false;
        c.last_checkin = Some(d("2021-07-04"));
        assert_eq!(
            c.duties(d("2021-07-04")),
            vec![Duty::Move {
                reason: "đã hết thời gian cách ly tập trung, cho ra".into()
            }]
        );
    }

    #[test]
    fn a_checkin_takes_a_comma_and_refuses_an_impossible_temperature() {
        let c = CheckinDraft {
            temperature: "37,8".into(),
            ..CheckinDraft::default()
        }
        .parse(today())
        .unwrap();
        assert_eq!(c.on_date, today());
        assert_eq!(c.temperature, Some(37.8));
        assert!(c.is_warning());
        for bad in ["378", "abc", "20"] {
            let e = CheckinDraft {
                temperature: bad.into(),
                ..CheckinDraft::default()
            }
            .parse(today())
            .unwrap_err();
            assert!(e.message_for("temperature").is_some(), "{bad}");
        }
        let e = CheckinDraft {
            on_date: "25/06/2021".into(),
            ..CheckinDraft::default()
        }
        .parse(today())
        .unwrap_err();
        assert!(e.message_for("on_date").is_some());
        assert!(!CheckinDraft::default().parse(today()).unwrap().is_warning());
    }

    #[test]
    fn a_violation_names_its_kind_day_and_fine() {
        let v = ViolationDraft {
            on_date: "22/06/2021".into(),
            kind: "left_place".into(),
            description: "Ra chợ".into(),
            decision: "QĐ 12/QĐ-XPHC".into(),
            fine: "2.000.000".into(),
        }
        .parse(today())
        .unwrap();
        assert_eq!(v.fine, Some(2_000_000));
        assert_eq!(v.kind, ViolationKind::LeftPlace);
        let e = ViolationDraft {
            fine: "hai triệu".into(),
            ..ViolationDraft::default()
        }
        .parse(today())
        .unwrap_err();
        for f in ["on_date", "kind", "description", "fine"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
    }
}
