//! Quarantine orders (cách ly y tế) as versioned rule sets: which order an F1, a returnee from an
//! epidemic area, an entrant from abroad or a suspect receives, under the document in force on
//! the order's start date (CĐ 600/CĐ-BCĐ, CV 5599/BYT-MT, CV 6386/BYT-MT, CV 10696/BYT-MT,
//! CV 762/BYT-DP, CV 1909/BYT-DP …).
//!
//! A rule set is data: its document and the dates it was in force, and its rules, each a
//! [`QuarantineRule`] — the subjects it applies to, a [`Condition`] on the person's vaccination or
//! recovery, the order (kind, days, test days, monitoring after release, the sign at the door,
//! the daily declaration), the part of the document it comes from and how far it is verified
//! ([`Mark`]). A value the software had to fill in where the reference is silent is listed as an
//! [`Assumption`] with a note saying what was assumed, never silently. The shipped sets are JSON
//! files in `data/quarantine-rules/`; an administrator clones and edits them as data.
//!
//! [`plan`] is pure. Day 1 is the order's start date; a quarantine of `days` days ends at the end
//! of day `days` ([`OrderPlan::last_day`], inclusive) and the person is free on the morning of the
//! next day ([`OrderPlan::released_on`]). Monitoring starts on the release day: monitoring day 1
//! is `released_on`. Test days count from day 1 of their period. A person's immunity is judged on
//! the start date.

use crate::error::{Collector, Invalid};
use crate::json_rules::{check_id, non_empty, parse};
use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::OnceLock;

pub use crate::risk::Mark;

pub mod order;

#[cfg(test)]
mod tests;

crate::vocabulary! {
    /// Who an order is for.
    pub enum Subject (field = "subject") {
        F1 = ("f1", "F1 (người tiếp xúc gần)"),
        Returnee = ("returnee", "Người về từ vùng dịch trong nước"),
        Entrant = ("entrant", "Người nhập cảnh"),
        Suspect = ("suspect", "Người nghi nhiễm"),
    }
}

crate::vocabulary! {
    /// Where and how a person is quarantined.
    pub enum OrderKind (field = "kind") {
        Centralized = ("centralized", "Cách ly tập trung"),
        Hotel = ("hotel", "Cách ly tại khách sạn"),
        Home = ("home", "Cách ly tại nhà, nơi lưu trú"),
        SelfMonitoring = ("self_monitoring", "Tự theo dõi sức khỏe"),
        #[serde(rename = "none")]
        NoQuarantine = ("none", "Không cách ly"),
    }
}

/// The longest quarantine or monitoring period a rule may have, in days.
pub const MAX_DAYS: u32 = 60;

/// The fields of a set an [`Assumption`] may name.
pub const SET_FIELDS: [&str; 5] = ["valid_from", "valid_to", "name", "source", "rules"];

/// The fields of a rule an [`Assumption`] may name; `rule` is the rule as a whole.
pub const RULE_FIELDS: [&str; 16] = [
    "rule",
    "subjects",
    "condition",
    "condition.min_doses",
    "condition.days_after_last_dose",
    "condition.dose_within_months",
    "condition.recovered_within_months",
    "kind",
    "days",
    "then_home_days",
    "test_days",
    "monitoring_days",
    "monitoring_test_days",
    "sign_at_door",
    "daily_declaration",
    "counted_from",
];

/// A versioned set of quarantine rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarantineRuleSet {
    /// `cd600`, `cv5599`, … or an administrator's id (lowercase, digits, `_`).
    pub id: String,
    /// Short name with the date, for the screen and the explanation: "CV 5599/BYT-MT (14/7/2021)".
    pub name: String,
    /// The document: kind, number, issuer, date, subject.
    pub source: String,
    pub valid_from: NaiveDate,
    /// The last day in force (inclusive); none: still in force.
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// The set this one was cloned from.
    #[serde(default)]
    pub based_on: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// Values of the set (its dates, its scope) filled in where the reference is silent.
    #[serde(default)]
    pub assumptions: Vec<Assumption>,
    /// The first rule that matches a person (and is not an alternative) applies.
    pub rules: Vec<QuarantineRule>,
}

/// A value the software filled in: not verified, with what was assumed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    /// The field it concerns (one of [`SET_FIELDS`] or [`RULE_FIELDS`]; in an [`OrderPlan`], the
    /// full path: `rules[2].test_days`).
    pub field: String,
    /// What was assumed and why, in Vietnamese.
    pub note: String,
}

/// One rule: for whom, on what condition, which order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarantineRule {
    /// Unique within the set: `f1_tai_nha`.
    pub id: String,
    pub subjects: Vec<Subject>,
    #[serde(default)]
    pub condition: Condition,
    /// An order the document allows instead of the rule before it (home quarantine where a
    /// facility is full): never applied by default, offered in [`OrderPlan::alternatives`].
    #[serde(default)]
    pub alternative: bool,
    pub kind: OrderKind,
    /// Days of quarantine (0 for `none`).
    pub days: u32,
    /// The last days of `days` spent in home quarantine after a centralized or hotel part
    /// ("7 ngày tập trung + 7 ngày tại nhà").
    #[serde(default)]
    pub then_home_days: u32,
    /// Days of the quarantine with a test; day 1 is the start date.
    #[serde(default)]
    pub test_days: Vec<u32>,
    /// Days of health monitoring after release.
    #[serde(default)]
    pub monitoring_days: u32,
    /// Days of the monitoring with a test; day 1 is the release day.
    #[serde(default)]
    pub monitoring_test_days: Vec<u32>,
    /// A warning sign at the door of a home quarantine.
    #[serde(default)]
    pub sign_at_door: bool,
    /// A health declaration every day of the quarantine.
    #[serde(default)]
    pub daily_declaration: bool,
    /// What day 1 is, as the document says ("ngày nhập cảnh hoặc ngày tiếp xúc lần cuối"); empty
    /// when it does not say.
    #[serde(default)]
    pub counted_from: String,
    /// The rule in Vietnamese, as the document words it (or as the summary does).
    pub text: String,
    /// Where it comes from: "CV 5599/BYT-MT (14/7/2021) — cách ly y tế tại nhà đối với F1".
    pub source: String,
    pub mark: Mark,
    /// Values of this rule filled in where the reference is silent.
    #[serde(default)]
    pub assumptions: Vec<Assumption>,
}

/// Which people a rule applies to, by their vaccination or recovery on the start date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// Everyone of the rule's subjects.
    #[default]
    Any,
    /// Fully vaccinated or recovered, as the test says.
    Immune(ImmunityTest),
    /// Neither fully vaccinated nor recovered, as the test says.
    NotImmune(ImmunityTest),
}

/// What counts as fully vaccinated or recovered under a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImmunityTest {
    /// Doses that make a person fully vaccinated (2).
    pub min_doses: u8,
    /// Days from the last dose to the start date, at least (14; 0: no wait).
    pub days_after_last_dose: u32,
    /// The last dose at most this many months before the start date (12 under CV 6386, 6 under
    /// CV 10696); none: no upper bound.
    #[serde(default)]
    pub dose_within_months: Option<u32>,
    /// Recovered at most this many months before the start date; none: recovery does not count.
    #[serde(default)]
    pub recovered_within_months: Option<u32>,
}

/// A person's vaccination and recovery, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmunityInput {
    /// Doses of a COVID-19 vaccine received.
    #[serde(default)]
    pub doses: u8,
    #[serde(default)]
    pub last_dose: Option<NaiveDate>,
    /// The day the person recovered (discharge or certificate of recovery).
    #[serde(default)]
    pub recovered_on: Option<NaiveDate>,
}

/// A person's immunity on a date as a rule's [`ImmunityTest`] judges it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Immunity {
    pub fully_vaccinated: bool,
    pub recovered: bool,
    /// Why, in Vietnamese: "đã tiêm 2 mũi, mũi cuối 20/6/2021 (đủ 14 ngày, chưa quá 12 tháng)".
    pub text: String,
}

impl Immunity {
    pub fn immune(&self) -> bool {
        self.fully_vaccinated || self.recovered
    }
}

/// The order computed for one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderPlan {
    pub rule_set: String,
    pub rule_set_name: String,
    /// The id of the rule applied.
    pub rule: String,
    pub rule_text: String,
    pub subject: Subject,
    pub kind: OrderKind,
    /// Day 1.
    pub start: NaiveDate,
    pub days: u32,
    /// The last day of quarantine (inclusive), `start + days − 1`; none without quarantine.
    pub last_day: Option<NaiveDate>,
    /// The first day free of the quarantine (the morning after `last_day`); `start` without
    /// quarantine. Monitoring day 1.
    pub released_on: NaiveDate,
    /// The first day of the home part of a split quarantine.
    pub home_from: Option<NaiveDate>,
    pub tests: Vec<NaiveDate>,
    /// The last day of monitoring (inclusive).
    pub monitoring_until: Option<NaiveDate>,
    pub monitoring_tests: Vec<NaiveDate>,
    pub sign_at_door: bool,
    pub daily_declaration: bool,
    pub counted_from: String,
    /// The person's immunity, when the rule's condition looked at it.
    pub immunity: Option<Immunity>,
    pub source: String,
    /// The rule's mark, or `unverified` when the set or the rule has assumptions.
    pub mark: Mark,
    /// The assumptions of the set and of the rule, with full paths (`rules[2].test_days`).
    pub assumptions: Vec<Assumption>,
    /// Other rules the document allows for this person (ids), to choose with [`plan_with_rule`].
    pub alternatives: Vec<String>,
    /// In Vietnamese: "Theo CV 5599/BYT-MT (14/7/2021): cách ly tập trung 14 ngày, xét nghiệm
    /// ngày 1, 7, 14; sau đó tự theo dõi 14 ngày. …".
    pub explanation: String,
}

/// The JSON of the shipped sets, in the order of their dates.
pub const SHIPPED_JSON: [(&str, &str); 7] = [
    (
        "nam2020",
        include_str!("../../../data/quarantine-rules/nam2020.json"),
    ),
    (
        "cd600",
        include_str!("../../../data/quarantine-rules/cd600.json"),
    ),
    (
        "cv5599",
        include_str!("../../../data/quarantine-rules/cv5599.json"),
    ),
    (
        "cv6386",
        include_str!("../../../data/quarantine-rules/cv6386.json"),
    ),
    (
        "cv10696",
        include_str!("../../../data/quarantine-rules/cv10696.json"),
    ),
    (
        "cv762",
        include_str!("../../../data/quarantine-rules/cv762.json"),
    ),
    (
        "cv1909",
        include_str!("../../../data/quarantine-rules/cv1909.json"),
    ),
];

/// The rule sets that ship with chongdich (`data/quarantine-rules/`), oldest first. A shipped file
/// that does not parse or validate is left out (the tests make sure none is).
pub fn shipped() -> Vec<QuarantineRuleSet> {
    static SETS: OnceLock<Vec<QuarantineRuleSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        SHIPPED_JSON
            .iter()
            .filter_map(|(_, text)| QuarantineRuleSet::from_json(text).ok())
            .collect()
    })
    .clone()
}

/// The set in force on a date (an order's start date): the latest `valid_from` among those in
/// force.
pub fn in_force(sets: &[QuarantineRuleSet], d: NaiveDate) -> Option<&QuarantineRuleSet> {
    sets.iter()
        .filter(|s| s.in_force_on(d))
        .max_by_key(|s| s.valid_from)
}

/// The order for a person under a set: the first rule for the subject whose condition the
/// person meets on `start` (alternatives aside).
pub fn plan(
    set: &QuarantineRuleSet,
    subject: Subject,
    person: &ImmunityInput,
    start: NaiveDate,
) -> Result<OrderPlan, Invalid> {
    plan_inner(set, None, subject, person, start)
}

/// The order under a rule chosen among those [`plan`] offers (the default and its
/// alternatives); an error on `rule` if that rule does not apply to the person.
pub fn plan_with_rule(
    set: &QuarantineRuleSet,
    rule: &str,
    subject: Subject,
    person: &ImmunityInput,
    start: NaiveDate,
) -> Result<OrderPlan, Invalid> {
    plan_inner(set, Some(rule), subject, person, start)
}

/// [`plan`] under the set in force on `start`; an error on `start` if none is.
pub fn plan_in_force(
    sets: &[QuarantineRuleSet],
    subject: Subject,
    person: &ImmunityInput,
    start: NaiveDate,
) -> Result<OrderPlan, Invalid> {
    let set = in_force(sets, start).ok_or_else(|| {
        Invalid::field(
            "start",
            format!(
                "không có bộ quy tắc cách ly nào có hiệu lực ngày {}",
                vn(start)
            ),
        )
    })?;
    plan(set, subject, person, start)
}

impl QuarantineRuleSet {
    /// Whether the set is in force on a date.
    pub fn in_force_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d <= t)
    }

    pub fn rule(&self, id: &str) -> Option<&QuarantineRule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Checks a set typed or edited by a person; every error names the field, e.g.
    /// `rules[2].test_days[1]`.
    pub fn validate(&self) -> Result<(), Invalid> {
        validate(self)
    }

    /// Parses a set from JSON, naming the field of a malformed value, then validates it.
    pub fn from_json(text: &str) -> Result<Self, Invalid> {
        let s: Self = parse(text, "rules")?;
        s.validate()?;
        Ok(s)
    }
}

impl Condition {
    /// Whether a person meets the condition on a date, with the immunity it looked at.
    pub fn check(&self, person: &ImmunityInput, on: NaiveDate) -> (bool, Option<Immunity>) {
        match self {
            Condition::Any => (true, None),
            Condition::Immune(t) => {
                let i = t.assess(person, on);
                (i.immune(), Some(i))
            }
            Condition::NotImmune(t) => {
                let i = t.assess(person, on);
                (!i.immune(), Some(i))
            }
        }
    }
}

/// Whether `on` is at most `months` months after `from` (the day itself included).
fn within_months(from: NaiveDate, months: u32, on: NaiveDate) -> bool {
    from.checked_add_months(Months::new(months))
        .is_none_or(|end| on <= end)
}

impl ImmunityTest {
    /// A person's immunity on a date. An unknown date of the last dose, where the test needs
    /// it, does not count as fully vaccinated.
    pub fn assess(&self, p: &ImmunityInput, on: NaiveDate) -> Immunity {
        let mut parts = Vec::new();
        let needs_date = self.days_after_last_dose > 0 || self.dose_within_months.is_some();
        let fully_vaccinated = if p.doses == 0 {
            parts.push("chưa tiêm vắc xin".to_owned());
            false
        } else if p.doses < self.min_doses {
            parts.push(format!(
                "mới tiêm {} mũi (cần từ {} mũi)",
                p.doses, self.min_doses
            ));
            false
        } else {
            match p.last_dose {
                None if needs_date => {
                    parts.push(format!(
                        "đã tiêm {} mũi nhưng không rõ ngày tiêm mũi cuối",
                        p.doses
                    ));
                    false
                }
                None => {
                    parts.push(format!("đã tiêm {} mũi", p.doses));
                    true
                }
                Some(d) => {
                    let since = (on - d).num_days();
                    let head = format!("đã tiêm {} mũi, mũi cuối {}", p.doses, vn(d));
                    if since < i64::from(self.days_after_last_dose) {
                        parts.push(if since < 0 {
                            format!("{head}: sau ngày bắt đầu")
                        } else {
                            format!("{head}: chưa đủ {} ngày", self.days_after_last_dose)
                        });
                        false
                    } else if let Some(m) = self.dose_within_months
                        && !within_months(d, m, on)
                    {
                        parts.push(format!("{head}: đã quá {m} tháng"));
                        false
                    } else {
                        let mut why = Vec::new();
                        if self.days_after_last_dose > 0 {
                            why.push(format!("đủ {} ngày", self.days_after_last_dose));
                        }
                        if let Some(m) = self.dose_within_months {
                            why.push(format!("chưa quá {m} tháng"));
                        }
                        parts.push(if why.is_empty() {
                            head
                        } else {
                            format!("{head} ({})", why.join(", "))
                        });
                        true
                    }
                }
            }
        };
        let recovered = match (self.recovered_within_months, p.recovered_on) {
            (Some(_), Some(r)) if r > on => {
                parts.push(format!("khỏi bệnh {}: sau ngày bắt đầu", vn(r)));
                false
            }
            (Some(m), Some(r)) if within_months(r, m, on) => {
                parts.push(format!("đã khỏi bệnh {}, trong vòng {m} tháng", vn(r)));
                true
            }
            (Some(m), Some(r)) => {
                parts.push(format!("đã khỏi bệnh {}, đã quá {m} tháng", vn(r)));
                false
            }
            (None, Some(r)) => {
                parts.push(format!(
                    "đã khỏi bệnh {} (quy định này không tính việc khỏi bệnh)",
                    vn(r)
                ));
                false
            }
            (_, None) => false,
        };
        Immunity {
            fully_vaccinated,
            recovered,
            text: parts.join("; "),
        }
    }
}

/// A date as the screen shows it in prose: 2/8/2021.
fn vn(d: NaiveDate) -> String {
    d.format("%-d/%-m/%Y").to_string()
}

fn vn_dates(ds: &[NaiveDate]) -> String {
    ds.iter().map(|d| vn(*d)).collect::<Vec<_>>().join(", ")
}

fn day_list(days: &[u32]) -> String {
    days.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Day `n` (1-based) of a period starting on `first`.
fn nth_day(first: NaiveDate, n: u32) -> Result<NaiveDate, Invalid> {
    first
        .checked_add_days(Days::new(u64::from(n.saturating_sub(1))))
        .ok_or_else(|| Invalid::field("start", "ngày nằm ngoài phạm vi lịch"))
}

fn check_person(p: &ImmunityInput) -> Result<(), Invalid> {
    let mut c = Collector::new();
    if p.doses > 10 {
        c.push(
            "doses",
            format!("số mũi tiêm {} không hợp lý (tối đa 10)", p.doses),
        );
    }
    if p.doses == 0 && p.last_dose.is_some() {
        c.push("last_dose", "có ngày tiêm mũi cuối nhưng số mũi là 0");
    }
    c.finish()
}

/// The order in words: "cách ly tập trung 14 ngày, xét nghiệm ngày 1, 7, 14; sau đó tự theo dõi
/// 14 ngày".
fn order_phrase(r: &QuarantineRule) -> String {
    let mut s = match r.kind {
        OrderKind::Centralized | OrderKind::Hotel if r.then_home_days > 0 => format!(
            "{} {} ngày rồi cách ly tại nhà {} ngày",
            if r.kind == OrderKind::Hotel {
                "cách ly tại khách sạn"
            } else {
                "cách ly tập trung"
            },
            r.days.saturating_sub(r.then_home_days),
            r.then_home_days
        ),
        OrderKind::Centralized => format!("cách ly tập trung {} ngày", r.days),
        OrderKind::Hotel => format!("cách ly tại khách sạn {} ngày", r.days),
        OrderKind::Home => format!("cách ly tại nhà {} ngày", r.days),
        OrderKind::SelfMonitoring => format!("tự theo dõi sức khỏe {} ngày", r.days),
        OrderKind::NoQuarantine => "không phải cách ly".to_owned(),
    };
    if !r.test_days.is_empty() {
        s.push_str(&format!(", xét nghiệm ngày {}", day_list(&r.test_days)));
    }
    if r.sign_at_door {
        s.push_str(", dán biển cảnh báo tại cửa");
    }
    if r.daily_declaration {
        s.push_str(", khai báo y tế hằng ngày");
    }
    if r.monitoring_days > 0 {
        if r.kind == OrderKind::NoQuarantine {
            s.push_str(&format!("; tự theo dõi {} ngày", r.monitoring_days));
        } else {
            s.push_str(&format!("; sau đó tự theo dõi {} ngày", r.monitoring_days));
        }
        if !r.monitoring_test_days.is_empty() {
            s.push_str(&format!(
                ", xét nghiệm ngày {} của thời gian theo dõi",
                day_list(&r.monitoring_test_days)
            ));
        }
    }
    s
}

struct Match<'a> {
    index: usize,
    rule: &'a QuarantineRule,
    immunity: Option<Immunity>,
}

fn plan_inner(
    set: &QuarantineRuleSet,
    chosen: Option<&str>,
    subject: Subject,
    person: &ImmunityInput,
    start: NaiveDate,
) -> Result<OrderPlan, Invalid> {
    check_person(person)?;
    let matching: Vec<Match> = set
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| r.subjects.contains(&subject))
        .filter_map(|(index, rule)| {
            let (ok, immunity) = rule.condition.check(person, start);
            ok.then_some(Match {
                index,
                rule,
                immunity,
            })
        })
        .collect();
    let Some(default) = matching.iter().find(|m| !m.rule.alternative) else {
        return Err(Invalid::field(
            "subject",
            format!(
                "{} không có quy định cách ly cho đối tượng \"{}\" trong trường hợp này; cơ quan y tế quyết định",
                set.name,
                subject.label()
            ),
        ));
    };
    let options: Vec<&Match> = std::iter::once(default)
        .chain(matching.iter().filter(|m| m.rule.alternative))
        .collect();
    let m = match chosen {
        None => default,
        Some(id) => options
            .iter()
            .copied()
            .find(|m| m.rule.id == id)
            .ok_or_else(|| {
                Invalid::field(
                    "rule",
                    if set.rule(id).is_some() {
                        format!(
                            "quy tắc \"{id}\" không áp dụng cho người này; chọn một trong: {}",
                            options
                                .iter()
                                .map(|o| o.rule.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    } else {
                        format!("{} không có quy tắc \"{id}\"", set.name)
                    },
                )
            })?,
    };
    let r = m.rule;
    let quarantined = r.kind != OrderKind::NoQuarantine && r.days > 0;
    let last_day = if quarantined {
        Some(nth_day(start, r.days)?)
    } else {
        None
    };
    let released_on = match last_day {
        Some(l) => nth_day(l, 2)?,
        None => start,
    };
    let home_from = if r.then_home_days > 0 && r.then_home_days < r.days {
        Some(nth_day(start, r.days - r.then_home_days + 1)?)
    } else {
        None
    };
    let tests = r
        .test_days
        .iter()
        .map(|n| nth_day(start, *n))
        .collect::<Result<Vec<_>, _>>()?;
    let monitoring_until = if r.monitoring_days > 0 {
        Some(nth_day(released_on, r.monitoring_days)?)
    } else {
        None
    };
    let monitoring_tests = r
        .monitoring_test_days
        .iter()
        .map(|n| nth_day(released_on, *n))
        .collect::<Result<Vec<_>, _>>()?;
    let assumptions: Vec<Assumption> = set
        .assumptions
        .iter()
        .cloned()
        .chain(r.assumptions.iter().map(|a| Assumption {
            field: format!("rules[{}].{}", m.index, a.field),
            note: a.note.clone(),
        }))
        .collect();
    let mark = if assumptions.is_empty() {
        r.mark
    } else {
        Mark::Unverified
    };
    let alternatives = options
        .iter()
        .filter(|o| o.rule.id != r.id)
        .map(|o| o.rule.id.clone())
        .collect();

    let mut explanation = format!("Theo {}: {}.", set.name, order_phrase(r));
    if let Some(i) = &m.immunity {
        explanation.push_str(&format!(" Tiêm chủng, khỏi bệnh: {}.", i.text));
    }
    if !r.counted_from.trim().is_empty() {
        explanation.push_str(&format!(" Ngày 1 là {}.", r.counted_from.trim()));
    }
    if let Some(l) = last_day {
        explanation.push_str(&format!(" Từ {} đến hết {}", vn(start), vn(l)));
        if let Some(h) = home_from {
            explanation.push_str(&format!(" (cách ly tại nhà từ {})", vn(h)));
        }
        if !tests.is_empty() {
            explanation.push_str(&format!("; xét nghiệm {}", vn_dates(&tests)));
        }
        explanation.push('.');
    }
    if let Some(u) = monitoring_until {
        explanation.push_str(&format!(
            " Tự theo dõi từ {} đến hết {}",
            vn(released_on),
            vn(u)
        ));
        if !monitoring_tests.is_empty() {
            explanation.push_str(&format!("; xét nghiệm {}", vn_dates(&monitoring_tests)));
        }
        explanation.push('.');
    }
    if mark != Mark::Verified {
        explanation.push_str(&format!(" Mức kiểm chứng: {}.", mark.label()));
        for a in &assumptions {
            explanation.push_str(&format!(" Giả định: {}", a.note.trim()));
        }
    }

    Ok(OrderPlan {
        rule_set: set.id.clone(),
        rule_set_name: set.name.clone(),
        rule: r.id.clone(),
        rule_text: r.text.clone(),
        subject,
        kind: r.kind,
        start,
        days: r.days,
        last_day,
        released_on,
        home_from,
        tests,
        monitoring_until,
        monitoring_tests,
        sign_at_door: r.sign_at_door,
        daily_declaration: r.daily_declaration,
        counted_from: r.counted_from.clone(),
        immunity: m.immunity.clone(),
        source: r.source.clone(),
        mark,
        assumptions,
        alternatives,
        explanation,
    })
}

fn check_assumptions(c: &mut Collector, prefix: &str, list: &[Assumption], known: &[&str]) {
    for (i, a) in list.iter().enumerate() {
        if !known.contains(&a.field.as_str()) {
            c.push(
                format!("{prefix}assumptions[{i}].field"),
                format!(
                    "không có trường \"{}\"; dùng một trong: {}",
                    a.field,
                    known.join(", ")
                ),
            );
        }
        non_empty(c, || format!("{prefix}assumptions[{i}].note"), &a.note);
    }
}

/// Days of a period with a test: each in 1..=`days`, increasing.
fn check_days(c: &mut Collector, field: &str, list: &[u32], days: u32, what: &str) {
    let mut previous = 0;
    for (j, d) in list.iter().enumerate() {
        if !(1..=days).contains(d) {
            c.push(
                format!("{field}[{j}]"),
                format!("ngày {d} nằm ngoài {what} (ngày 1 đến ngày {days})"),
            );
        } else if *d <= previous {
            c.push(
                format!("{field}[{j}]"),
                format!("ngày {d}: các ngày xét nghiệm phải tăng dần, không trùng"),
            );
        }
        previous = previous.max(*d);
    }
}

fn validate(s: &QuarantineRuleSet) -> Result<(), Invalid> {
    let mut c = Collector::new();
    check_id(&mut c, "id".into(), &s.id, 32);
    non_empty(&mut c, || "name".into(), &s.name);
    non_empty(&mut c, || "source".into(), &s.source);
    if let Some(to) = s.valid_to
        && to < s.valid_from
    {
        c.push(
            "valid_to",
            format!(
                "ngày hết hiệu lực {} trước ngày có hiệu lực {}",
                vn(to),
                vn(s.valid_from)
            ),
        );
    }
    if let Some(b) = &s.based_on {
        check_id(&mut c, "based_on".into(), b, 32);
    }
    check_assumptions(&mut c, "", &s.assumptions, &SET_FIELDS);
    if s.rules.is_empty() {
        c.push("rules", "cần ít nhất một quy tắc");
    }
    let mut ids = HashSet::new();
    for (i, r) in s.rules.iter().enumerate() {
        let f = |rest: &str| format!("rules[{i}].{rest}");
        check_id(&mut c, f("id"), &r.id, 32);
        if !ids.insert(r.id.as_str()) {
            c.push(f("id"), format!("quy tắc \"{}\" bị trùng", r.id));
        }
        if r.subjects.is_empty() {
            c.push(f("subjects"), "chọn ít nhất một đối tượng");
        }
        let mut seen = HashSet::new();
        for (j, sub) in r.subjects.iter().enumerate() {
            if !seen.insert(*sub) {
                c.push(
                    f(&format!("subjects[{j}]")),
                    format!("đối tượng \"{}\" bị trùng", sub.as_str()),
                );
            }
        }
        if let Condition::Immune(t) | Condition::NotImmune(t) = &r.condition {
            if !(1..=10).contains(&t.min_doses) {
                c.push(f("condition.min_doses"), "số mũi phải từ 1 đến 10");
            }
            if t.days_after_last_dose > 365 {
                c.push(
                    f("condition.days_after_last_dose"),
                    "số ngày sau mũi cuối tối đa 365",
                );
            }
            for (name, v) in [
                ("dose_within_months", t.dose_within_months),
                ("recovered_within_months", t.recovered_within_months),
            ] {
                if let Some(m) = v
                    && !(1..=60).contains(&m)
                {
                    c.push(
                        f(&format!("condition.{name}")),
                        format!("số tháng phải từ 1 đến 60 (là {m})"),
                    );
                }
            }
        }
        if r.kind == OrderKind::NoQuarantine {
            if r.days != 0 {
                c.push(f("days"), "không cách ly thì số ngày cách ly là 0");
            }
            if !r.test_days.is_empty() {
                c.push(f("test_days"), "không cách ly thì không có ngày xét nghiệm");
            }
            if r.sign_at_door {
                c.push(f("sign_at_door"), "không cách ly thì không dán biển");
            }
            if r.daily_declaration {
                c.push(
                    f("daily_declaration"),
                    "không cách ly thì không khai báo y tế hằng ngày trong thời gian cách ly",
                );
            }
        } else {
            if !(1..=MAX_DAYS).contains(&r.days) {
                c.push(
                    f("days"),
                    format!("số ngày phải từ 1 đến {MAX_DAYS} (là {})", r.days),
                );
            }
            check_days(
                &mut c,
                &f("test_days"),
                &r.test_days,
                r.days,
                "thời gian cách ly",
            );
        }
        if r.then_home_days > 0 {
            if !matches!(r.kind, OrderKind::Centralized | OrderKind::Hotel) {
                c.push(
                    f("then_home_days"),
                    "chỉ cách ly tập trung hoặc tại khách sạn mới chuyển về nhà",
                );
            } else if r.then_home_days >= r.days {
                c.push(
                    f("then_home_days"),
                    format!(
                        "số ngày tại nhà ({}) phải ít hơn tổng số ngày cách ly ({})",
                        r.then_home_days, r.days
                    ),
                );
            }
        }
        if r.monitoring_days > MAX_DAYS {
            c.push(
                f("monitoring_days"),
                format!(
                    "số ngày theo dõi tối đa {MAX_DAYS} (là {})",
                    r.monitoring_days
                ),
            );
        }
        check_days(
            &mut c,
            &f("monitoring_test_days"),
            &r.monitoring_test_days,
            r.monitoring_days,
            "thời gian theo dõi",
        );
        non_empty(&mut c, || f("text"), &r.text);
        non_empty(&mut c, || f("source"), &r.source);
        check_assumptions(&mut c, &f(""), &r.assumptions, &RULE_FIELDS);
        if r.mark == Mark::Unverified && r.assumptions.is_empty() {
            c.push(
                f("assumptions"),
                "quy tắc chưa kiểm chứng: ghi rõ điều đã giả định",
            );
        }
        if r.alternative {
            for sub in &r.subjects {
                let has_default = s.rules[..i]
                    .iter()
                    .any(|p| !p.alternative && p.subjects.contains(sub));
                if !has_default {
                    c.push(
                        f("alternative"),
                        format!(
                            "phương án thay thế cần một quy tắc chính cho \"{}\" đứng trước",
                            sub.as_str()
                        ),
                    );
                }
            }
        }
    }
    c.finish()
}
