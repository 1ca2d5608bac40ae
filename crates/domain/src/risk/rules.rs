//! The shipped rule sets, the choice of the one in force, parsing and validation.

use super::{AssessInput, Effect, RiskRuleSet, Test};
use crate::error::{Collector, Invalid};
use crate::json_rules::{check_id, non_empty, parse};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::sync::OnceLock;

/// The JSON of the shipped sets, in the order of their dates.
pub const SHIPPED_JSON: [(&str, &str); 3] = [
    (
        "qd2686",
        include_str!("../../../../data/risk-rules/qd2686.json"),
    ),
    (
        "qd4800",
        include_str!("../../../../data/risk-rules/qd4800.json"),
    ),
    (
        "qd218",
        include_str!("../../../../data/risk-rules/qd218.json"),
    ),
];

/// The longest case window a criterion may have, in days.
pub const MAX_DAYS: u32 = 90;

/// The rule sets that ship with chongdich (`data/risk-rules/`), oldest first. A shipped file
/// that does not parse or validate is left out (the tests make sure none is).
pub fn shipped() -> Vec<RiskRuleSet> {
    static SETS: OnceLock<Vec<RiskRuleSet>> = OnceLock::new();
    SETS.get_or_init(|| {
        SHIPPED_JSON
            .iter()
            .filter_map(|(_, text)| from_json(text).ok())
            .collect()
    })
    .clone()
}

/// The set in force on a date: the latest `valid_from` among those in force.
pub fn in_force(sets: &[RiskRuleSet], d: NaiveDate) -> Option<&RiskRuleSet> {
    sets.iter()
        .filter(|s| s.in_force_on(d))
        .max_by_key(|s| s.valid_from)
}

pub(super) fn validate(s: &RiskRuleSet) -> Result<(), Invalid> {
    let mut c = Collector::new();
    check_id(&mut c, "id".into(), &s.id, 32);
    non_empty(&mut c, || "name".into(), &s.name);
    non_empty(&mut c, || "document".into(), &s.document);
    if let Some(to) = s.valid_to
        && to < s.valid_from
    {
        c.push(
            "valid_to",
            format!(
                "ngày hết hiệu lực {} trước ngày có hiệu lực {}",
                to.format("%d/%m/%Y"),
                s.valid_from.format("%d/%m/%Y")
            ),
        );
    }
    if let Some(b) = &s.based_on {
        check_id(&mut c, "based_on".into(), b, 32);
    }
    if s.levels.len() < 2 {
        c.push("levels", "cần ít nhất 2 mức");
    }
    let mut level_ids = HashSet::new();
    for (i, l) in s.levels.iter().enumerate() {
        check_id(&mut c, format!("levels[{i}].id"), &l.id, 32);
        if !level_ids.insert(l.id.as_str()) {
            c.push(
                format!("levels[{i}].id"),
                format!("mức \"{}\" bị trùng", l.id),
            );
        }
        non_empty(&mut c, || format!("levels[{i}].name"), &l.name);
    }
    let known = s
        .levels
        .iter()
        .map(|l| l.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let level_exists = |c: &mut Collector, field: String, id: &str| {
        if !level_ids.contains(id) {
            c.push(
                field,
                format!("không có mức \"{id}\"; dùng một trong: {known}"),
            );
        }
    };
    let mut criterion_ids = HashSet::new();
    for (i, cr) in s.criteria.iter().enumerate() {
        let f = |rest: &str| format!("criteria[{i}].{rest}");
        check_id(&mut c, f("id"), &cr.id, 32);
        if !criterion_ids.insert(cr.id.as_str()) {
            c.push(f("id"), format!("tiêu chí \"{}\" bị trùng", cr.id));
        }
        if cr.applies_to.is_empty() {
            c.push(f("applies_to"), "chọn ít nhất một cấp đơn vị");
        }
        non_empty(&mut c, || f("text"), &cr.text);
        non_empty(&mut c, || f("source"), &cr.source);
        let check_days = |c: &mut Collector, days: u32| {
            if !(1..=MAX_DAYS).contains(&days) {
                c.push(
                    f("test.days"),
                    format!("số ngày phải từ 1 đến {MAX_DAYS} (là {days})"),
                );
            }
        };
        match &cr.test {
            Test::Cases { days, .. } => check_days(&mut c, *days),
            Test::Rate {
                days, threshold, ..
            } => {
                check_days(&mut c, *days);
                if !(threshold.is_finite() && *threshold >= 0.0) {
                    c.push(
                        f("test.threshold"),
                        format!("ngưỡng phải là số không âm (là {threshold})"),
                    );
                }
            }
            Test::Neighbour { min_level } => level_exists(&mut c, f("test.min_level"), min_level),
            Test::Children {
                min_level,
                share,
                count,
            } => {
                level_exists(&mut c, f("test.min_level"), min_level);
                if let Some(sh) = share
                    && !(sh.is_finite() && *sh > 0.0 && *sh <= 1.0)
                {
                    c.push(
                        f("test.share"),
                        format!("tỷ lệ phải lớn hơn 0 và không quá 1 (là {sh})"),
                    );
                }
                if *count == Some(0) {
                    c.push(f("test.count"), "số đơn vị phải từ 1");
                }
                if share.is_none() && count.is_none() {
                    c.push(f("test"), "cần tỷ lệ (share) hoặc số đơn vị (count)");
                }
            }
            Test::Fact { fact } => check_id(&mut c, f("test.fact"), fact, 64),
            Test::CoverageBelow { below, .. } => {
                if !(below.is_finite() && *below > 0.0 && *below <= 1.0) {
                    c.push(
                        f("test.below"),
                        format!("tỷ lệ phải lớn hơn 0 và không quá 1 (là {below})"),
                    );
                }
            }
            Test::CapacityMet | Test::CapacityNotMet => {}
        }
        match &cr.effect {
            Effect::Set(l) => level_exists(&mut c, f("effect.set"), l),
            Effect::Raise(0) => c.push(f("effect.raise"), "số cấp phải từ 1"),
            Effect::Lower(0) => c.push(f("effect.lower"), "số cấp phải từ 1"),
            Effect::Raise(_) | Effect::Lower(_) | Effect::Hold => {}
        }
    }
    for (i, m) in s.measures.iter().enumerate() {
        level_exists(&mut c, format!("measures[{i}].level"), &m.level);
        non_empty(&mut c, || format!("measures[{i}].text"), &m.text);
    }
    c.finish()
}

pub(super) fn from_json(text: &str) -> Result<RiskRuleSet, Invalid> {
    let s: RiskRuleSet = parse(text, "rules")?;
    validate(&s)?;
    Ok(s)
}

pub(super) fn input_from_json(text: &str) -> Result<AssessInput, Invalid> {
    parse(text, "input")
}
