//! Rule tests of the shipped sets, the engine's edges (windows, populations, the neighbour
//! fixed point, roll-up), validation and parsing, and random inputs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::super::engine::{vn_decimal, vn_percent};
use super::super::rules::SHIPPED_JSON;
use crate::case::{FoundIn, Setting};
use crate::risk::*;
use chrono::{Duration, NaiveDate};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const AS_OF: &str = "2021-06-24";

fn rules(id: &str) -> RiskRuleSet {
    shipped().into_iter().find(|s| s.id == id).unwrap()
}

fn unit(code: &str, level: UnitLevel, parent: Option<&str>, population: Option<u64>) -> UnitInput {
    UnitInput {
        code: code.into(),
        level,
        parent: parent.map(Into::into),
        population,
        neighbours: Vec::new(),
    }
}

fn ward(code: &str, parent: Option<&str>) -> UnitInput {
    unit(code, UnitLevel::Ward, parent, Some(10_000))
}

/// A case `days_ago` days before the assessment date.
fn case(w: &str, days_ago: i64, found_in: FoundIn, source_known: bool) -> CaseInput {
    CaseInput {
        ward: w.into(),
        confirmed_on: d(AS_OF) - Duration::days(days_ago),
        found_in,
        source_known,
        setting: None,
        count: 1,
    }
}

fn community(w: &str, source_known: bool) -> CaseInput {
    case(w, 1, FoundIn::Community, source_known)
}

fn input(units: Vec<UnitInput>, cases: Vec<CaseInput>) -> AssessInput {
    AssessInput {
        as_of: d(AS_OF),
        units,
        cases,
        ..Default::default()
    }
}

fn result<'a>(a: &'a Assessment, code: &str) -> &'a UnitResult {
    a.units.iter().find(|u| u.code == code).unwrap()
}

fn level_of<'a>(a: &'a Assessment, code: &str) -> &'a str {
    &result(a, code).level
}

fn texts<'a>(a: &'a Assessment, code: &str) -> Vec<&'a str> {
    result(a, code)
        .reasons
        .iter()
        .map(|r| r.text.as_str())
        .collect()
}

fn run(set: &str, i: &AssessInput) -> Assessment {
    assess(&rules(set), i).unwrap()
}

// ------------------------------------------------------------------ QĐ 2686, communes

#[test]
fn qd2686_commune_table() {
    let with_setting = |s: Setting| CaseInput {
        setting: Some(s),
        ..community("X", true)
    };
    let fact = |kind: &str| FactInput {
        unit: "X".into(),
        kind: kind.into(),
    };
    #[allow(clippy::type_complexity)]
    let table: Vec<(&str, Vec<CaseInput>, Vec<FactInput>, &str, Colour)> = vec![
        (
            "one community case, known source",
            vec![community("X", true)],
            vec![],
            "nguy_co",
            Colour::Yellow,
        ),
        (
            "every case found in quarantine",
            vec![
                case("X", 1, FoundIn::Quarantine, false),
                case("X", 2, FoundIn::Quarantine, false),
                case("X", 3, FoundIn::Lockdown, false),
                case("X", 3, FoundIn::PointOfEntry, false),
            ],
            vec![],
            "binh_thuong_moi",
            Colour::Green,
        ),
        (
            "one community case, unknown source",
            vec![community("X", false)],
            vec![],
            "nguy_co_cao",
            Colour::Orange,
        ),
        (
            "a cluster of 2 with no traced source",
            vec![
                community("X", false),
                case("X", 5, FoundIn::Community, false),
            ],
            vec![],
            "nguy_co_rat_cao",
            Colour::Red,
        ),
        (
            "a case in a market",
            vec![with_setting(Setting::Market)],
            vec![],
            "nguy_co_rat_cao",
            Colour::Red,
        ),
        (
            "a case in an industrial park",
            vec![with_setting(Setting::IndustrialPark)],
            vec![],
            "nguy_co_rat_cao",
            Colour::Red,
        ),
        (
            "a case in a household",
            vec![with_setting(Setting::Household)],
            vec![],
            "nguy_co",
            Colour::Yellow,
        ),
        (
            "a crowded source in a red cluster",
            vec![],
            vec![fact("crowded_source_in_red_cluster")],
            "nguy_co_cao",
            Colour::Orange,
        ),
        (
            "illegal entrants",
            vec![],
            vec![fact("illegal_entry_risk")],
            "nguy_co",
            Colour::Yellow,
        ),
        (
            "a large quarantine population",
            vec![],
            vec![fact("large_quarantine_population")],
            "nguy_co",
            Colour::Yellow,
        ),
        (
            "community contacts",
            vec![],
            vec![fact("community_contacts")],
            "nguy_co",
            Colour::Yellow,
        ),
        ("nothing", vec![], vec![], "binh_thuong_moi", Colour::Green),
    ];
    for (name, cases, facts, want, colour) in table {
        let mut i = input(vec![ward("X", None)], cases);
        i.facts = facts;
        let a = run("qd2686", &i);
        let r = result(&a, "X");
        assert_eq!(r.level, want, "{name}: {:?}", r.reasons);
        assert_eq!(r.colour, colour, "{name}");
        assert!(!r.reasons.is_empty(), "{name}");
    }
}

#[test]
fn reasons_carry_the_numbers_in_vietnamese() {
    let mut x = ward("X", None);
    x.population = Some(222_000);
    let a = run(
        "qd2686",
        &input(
            vec![x, ward("Y", None)],
            vec![
                community("X", false),
                community("X", false),
                community("X", true),
                community("X", true),
                community("X", true),
            ],
        ),
    );
    let t = texts(&a, "X");
    // Red first (the strongest effect), then orange, then yellow.
    assert!(
        t[0].starts_with("Nguy cơ rất cao: Có ổ dịch, chùm ca bệnh F0"),
        "{t:?}"
    );
    assert!(t.contains(
        &"Nguy cơ cao: Có ca F0 trong cộng đồng chưa rõ nguồn lây — 2 ca trong 14 ngày (từ 1 ca)"
    ));
    assert!(
        t.iter().any(|s| s.starts_with("Nguy cơ: Trong 14 ngày có trên 1 ca F0 đã rõ nguồn lây trên 100.000 dân — 1,35 ca/100.000 dân trong 14 ngày (trên 1)")),
        "{t:?}"
    );
    let r = result(&a, "X");
    assert!(r.reasons.iter().all(|r| !r.source.is_empty()));
    assert!(r.reasons.iter().all(|r| r.outcome == ReasonOutcome::Fired));
    // Nothing fired in Y: one reason saying so.
    assert_eq!(
        texts(&a, "Y"),
        vec!["Bình thường mới: không có yếu tố nào của các mức cao hơn"]
    );
    assert_eq!(result(&a, "Y").reasons[0].criterion, "none");
}

#[test]
fn grouped_and_single_cases_count_the_same() {
    let single = input(
        vec![ward("X", None)],
        vec![community("X", false), community("X", false)],
    );
    let mut grouped = input(vec![ward("X", None)], vec![community("X", false)]);
    grouped.cases[0].count = 2;
    let a = run("qd2686", &single);
    let b = run("qd2686", &grouped);
    assert_eq!(a, b);
    assert_eq!(level_of(&a, "X"), "nguy_co_rat_cao");
}

#[test]
fn neighbours_are_resolved_to_a_fixed_point() {
    // A chain R – O – Y – G in a scrambled order, the relation listed in one direction only.
    let mut g = ward("G", Some("D"));
    g.neighbours = vec!["Y".into()];
    let mut o = ward("O", Some("D"));
    o.neighbours = vec!["R".into(), "Y".into()];
    let r = ward("R", Some("D"));
    let y = ward("Y", Some("D"));
    let i = input(
        vec![g, y, o, r, unit("D", UnitLevel::District, None, None)],
        vec![community("R", false), community("R", false)],
    );
    let a = run("qd2686", &i);
    assert_eq!(level_of(&a, "R"), "nguy_co_rat_cao");
    assert_eq!(level_of(&a, "O"), "nguy_co_cao");
    assert_eq!(level_of(&a, "Y"), "nguy_co");
    assert_eq!(level_of(&a, "G"), "binh_thuong_moi");
    assert_eq!(
        texts(&a, "O")[0],
        "Nguy cơ cao: tiếp giáp đơn vị Nguy cơ rất cao: R"
    );
    assert!(
        texts(&a, "Y").contains(&"Nguy cơ: tiếp giáp đơn vị Nguy cơ cao trở lên: O"),
        "{:?}",
        texts(&a, "Y")
    );
    // Output order: wards in input order, then the district.
    let codes: Vec<&str> = a.units.iter().map(|u| u.code.as_str()).collect();
    assert_eq!(codes, ["G", "Y", "O", "R", "D"]);
}

#[test]
fn a_neighbour_of_another_tier_does_not_count() {
    let mut w = ward("W", Some("D2"));
    w.neighbours = vec!["D1".into(), "ELSEWHERE".into()];
    let i = input(
        vec![
            ward("R", Some("D1")),
            w,
            unit("D1", UnitLevel::District, None, None),
            unit("D2", UnitLevel::District, None, None),
        ],
        vec![community("R", false), community("R", false)],
    );
    let a = run("qd2686", &i);
    assert_eq!(level_of(&a, "W"), "binh_thuong_moi");
}

// ------------------------------------------------------------------ QĐ 2686, roll-up

/// A district `code` with `n` communes `code-1` … of which the first `red` have a cluster.
fn district(
    code: &str,
    parent: Option<&str>,
    n: usize,
    red: usize,
) -> (Vec<UnitInput>, Vec<CaseInput>) {
    let mut units = Vec::new();
    let mut cases = Vec::new();
    for k in 1..=n {
        let w = format!("{code}-{k}");
        if k <= red {
            cases.push(community(&w, false));
            cases.push(community(&w, false));
        }
        units.push(ward(&w, Some(code)));
    }
    units.push(unit(code, UnitLevel::District, parent, None));
    (units, cases)
}

#[test]
fn districts_and_provinces_roll_up() {
    let mut units = Vec::new();
    let mut cases = Vec::new();
    for (code, n, red) in [("D30", 10, 3), ("D10", 10, 1), ("D0", 10, 0)] {
        let (u, c) = district(code, Some("P"), n, red);
        units.extend(u);
        cases.extend(c);
    }
    units.push(unit("P", UnitLevel::Province, None, None));
    let a = run("qd2686", &input(units, cases));
    assert_eq!(level_of(&a, "D30"), "nguy_co_rat_cao");
    assert!(
        texts(&a, "D30")
            .contains(&"Nguy cơ rất cao: 3/10 xã (30%) ở mức Nguy cơ rất cao trở lên (từ 30%)"),
        "{:?}",
        texts(&a, "D30")
    );
    assert_eq!(level_of(&a, "D10"), "nguy_co_cao");
    assert!(
        texts(&a, "D10")
            .contains(&"Nguy cơ cao: 1/10 xã (10%) ở mức Nguy cơ rất cao trở lên (từ 1 xã)"),
        "{:?}",
        texts(&a, "D10")
    );
    assert_eq!(level_of(&a, "D0"), "binh_thuong_moi");
    // 1 of 3 districts red (33,3% ≥ 30%).
    assert_eq!(level_of(&a, "P"), "nguy_co_rat_cao");
    assert!(
        texts(&a, "P")
            .contains(&"Nguy cơ rất cao: 1/3 huyện (33,3%) ở mức Nguy cơ rất cao trở lên (từ 30%)"),
        "{:?}",
        texts(&a, "P")
    );
    // The province's unverified orange factor is marked so.
    let orange = result(&a, "P")
        .reasons
        .iter()
        .find(|r| r.criterion == "tinh_co_don_vi_rat_cao")
        .unwrap();
    assert_eq!(orange.mark, Mark::Unverified);
    // Order: wards, districts, province.
    let tiers: Vec<UnitLevel> = a.units.iter().map(|u| u.unit_level).collect();
    assert_eq!(tiers.len(), 34);
    assert!(tiers[..30].iter().all(|&t| t == UnitLevel::Ward));
    assert!(tiers[30..33].iter().all(|&t| t == UnitLevel::District));
    assert_eq!(tiers[33], UnitLevel::Province);
}

#[test]
fn a_district_counts_the_cases_of_its_communes() {
    // One known-source case in a commune: the district (and the province) has a community
    // case with a known source too.
    let (mut units, _) = district("D", Some("P"), 4, 0);
    // Three districts: one at Nguy cơ is not half of them.
    units.extend(district("E", Some("P"), 2, 0).0);
    units.extend(district("F", Some("P"), 2, 0).0);
    units.push(unit("P", UnitLevel::Province, None, None));
    let a = run("qd2686", &input(units, vec![community("D-2", true)]));
    assert_eq!(level_of(&a, "D-2"), "nguy_co");
    assert_eq!(level_of(&a, "D-1"), "binh_thuong_moi");
    assert_eq!(level_of(&a, "D"), "nguy_co");
    assert_eq!(level_of(&a, "P"), "nguy_co");
    assert!(texts(&a, "P")[0].contains("1 ca trong 14 ngày"));
}

#[test]
fn a_province_of_wards_only_works() {
    // After 01/07/2025: province → wards.
    let mut units: Vec<UnitInput> = (1..=10)
        .map(|k| ward(&format!("W{k}"), Some("P")))
        .collect();
    units.push(unit("P", UnitLevel::Province, None, None));
    let cases = (1..=3)
        .flat_map(|k| {
            let w = format!("W{k}");
            [community(&w, false), community(&w, false)]
        })
        .collect();
    let a = run("qd2686", &input(units, cases));
    assert_eq!(level_of(&a, "P"), "nguy_co_rat_cao");
    assert!(
        texts(&a, "P")
            .contains(&"Nguy cơ rất cao: 3/10 xã (30%) ở mức Nguy cơ rất cao trở lên (từ 30%)"),
        "{:?}",
        texts(&a, "P")
    );
    assert_eq!(a.units.last().unwrap().code, "P");
    // And the rate of a province of wards uses the wards' populations.
    let mut i = input(
        (1..=3).map(|k| ward(&format!("W{k}"), Some("P"))).collect(),
        vec![
            community("W1", true),
            community("W1", true),
            community("W2", true),
            community("W2", true),
        ],
    );
    i.units.push(unit("P", UnitLevel::Province, None, None));
    let a = run("qd2686", &i);
    let p = result(&a, "P");
    assert!(
        p.reasons
            .iter()
            .any(|r| r.criterion == "ty_le_ca_ro_nguon_14_ngay"
                && r.outcome == ReasonOutcome::Fired
                && r.text.contains("13,33 ca/100.000 dân")),
        "{:?}",
        p.reasons
    );
}

// ------------------------------------------------------------------ populations

#[test]
fn a_rate_without_a_population_is_not_computable() {
    let mut x = ward("X", Some("D"));
    x.population = None;
    let mut y = ward("Y", Some("D"));
    y.population = Some(0);
    let i = input(
        vec![
            x,
            y,
            ward("Z", Some("D")),
            unit("D", UnitLevel::District, None, None),
        ],
        vec![],
    );
    let a = run("qd2686", &i);
    // Nothing else fired: the level does not change.
    assert_eq!(level_of(&a, "X"), "binh_thuong_moi");
    let r = result(&a, "X");
    let nc: Vec<&Reason> = r
        .reasons
        .iter()
        .filter(|r| r.outcome == ReasonOutcome::NotComputable)
        .collect();
    assert_eq!(nc.len(), 1, "{:?}", r.reasons);
    assert_eq!(nc[0].criterion, "ty_le_ca_ro_nguon_14_ngay");
    assert!(
        nc[0]
            .text
            .contains("không tính được: thiếu số dân của đơn vị X"),
        "{}",
        nc[0].text
    );
    assert_eq!(r.reasons[0].criterion, "none");
    // A population of 0 is missing too.
    assert!(
        texts(&a, "Y")
            .iter()
            .any(|t| t.contains("thiếu số dân của đơn vị Y"))
    );
    // Z has a population: computable, nothing fired.
    assert_eq!(result(&a, "Z").reasons.len(), 1);
    // The district has none and one of its communes has none either.
    assert!(
        texts(&a, "D")
            .iter()
            .any(|t| t.contains("thiếu số dân của đơn vị D và của đơn vị cấp dưới X")),
        "{:?}",
        texts(&a, "D")
    );
    // With a missing population a known-source case still gives Nguy cơ.
    let mut i = input(vec![ward("X", None)], vec![community("X", true)]);
    i.units[0].population = None;
    let a = run("qd2686", &i);
    assert_eq!(level_of(&a, "X"), "nguy_co");
    assert!(
        result(&a, "X")
            .reasons
            .iter()
            .any(|r| r.outcome == ReasonOutcome::NotComputable)
    );
}

#[test]
fn a_district_population_is_the_sum_of_its_communes() {
    // 2 communes of 10.000, no district figure: 20.000; 1 known case → 5/100.000 > 1.
    let i = input(
        vec![
            ward("A", Some("D")),
            ward("B", Some("D")),
            unit("D", UnitLevel::District, None, None),
        ],
        vec![community("A", true)],
    );
    let a = run("qd2686", &i);
    assert!(
        texts(&a, "D")
            .iter()
            .any(|t| t.contains("5 ca/100.000 dân trong 14 ngày (trên 1) — 1 ca / 20.000 dân")),
        "{:?}",
        texts(&a, "D")
    );
}

// ------------------------------------------------------------------ windows

#[test]
fn windows_include_13_days_ago_and_exclude_14() {
    let at = |days_ago| {
        let a = run(
            "qd2686",
            &input(
                vec![ward("X", None)],
                vec![case("X", days_ago, FoundIn::Community, false)],
            ),
        );
        level_of(&a, "X").to_owned()
    };
    assert_eq!(at(0), "nguy_co_cao");
    assert_eq!(at(13), "nguy_co_cao");
    assert_eq!(at(14), "binh_thuong_moi");
    assert_eq!(
        at(-1),
        "binh_thuong_moi",
        "a case after the date is not counted"
    );
    // The weekly window of QĐ 4800: 6 days ago counts, 7 does not.
    let weekly = |days_ago| {
        let cases = (0..150)
            .map(|_| case("X", days_ago, FoundIn::Community, true))
            .collect();
        let mut x = ward("X", None);
        x.population = Some(100_000);
        let a = run("qd4800", &input(vec![x], cases));
        level_of(&a, "X").to_owned()
    };
    assert_eq!(weekly(6), "cap_4");
    assert_eq!(weekly(7), "cap_1");
}

// ------------------------------------------------------------------ QĐ 4800, QĐ 218

/// A commune of 100.000 with `n` community cases this week.
fn weekly(n: u32) -> AssessInput {
    let mut x = ward("X", None);
    x.population = Some(100_000);
    let mut c = community("X", true);
    c.count = n;
    input(vec![x], if n > 0 { vec![c] } else { vec![] })
}

#[test]
fn qd4800_weekly_rate_table() {
    for (n, want, colour) in [
        (0, "cap_1", Colour::Green),
        (19, "cap_1", Colour::Green),
        (20, "cap_2", Colour::Yellow),
        (49, "cap_2", Colour::Yellow),
        (50, "cap_3", Colour::Orange),
        (149, "cap_3", Colour::Orange),
        (150, "cap_4", Colour::Red),
        (10_000, "cap_4", Colour::Red),
    ] {
        let a = run("qd4800", &weekly(n));
        let r = result(&a, "X");
        assert_eq!(r.level, want, "{n}: {:?}", r.reasons);
        assert_eq!(r.colour, colour);
        // Coverage and capacity unknown: reported, not counted.
        assert_eq!(
            r.reasons
                .iter()
                .filter(|r| r.outcome == ReasonOutcome::NotComputable)
                .count(),
            3,
            "{:?}",
            r.reasons
        );
    }
    let a = run("qd4800", &weekly(150));
    let r = &result(&a, "X").reasons[0];
    assert_eq!(r.mark, Mark::Verified);
    assert_eq!(
        r.text,
        "Cấp 4 — nguy cơ rất cao: Số ca mắc mới trong cộng đồng từ 150/100.000 dân/tuần — 150 ca/100.000 dân trong 7 ngày (từ 150) — 150 ca / 100.000 dân"
    );
    let a = run("qd4800", &weekly(149));
    assert_eq!(result(&a, "X").reasons[0].mark, Mark::Unverified);
}

#[test]
fn coverage_below_raises_one_level() {
    let mut i = weekly(25);
    i.coverage = vec![CoverageInput {
        unit: "X".into(),
        first_dose_18plus: Some(0.55),
        full_dose_65plus: Some(0.9),
        full_dose_all: None,
    }];
    let a = run("qd4800", &i);
    assert_eq!(level_of(&a, "X"), "cap_3");
    assert!(
        texts(&a, "X").contains(
            &"Tăng 1 cấp: Tỷ lệ người từ 18 tuổi trở lên được tiêm ít nhất 1 mũi vắc xin dưới 70% — 55% (dưới 70%)"
        ),
        "{:?}",
        texts(&a, "X")
    );
    // Exactly 70% is not below.
    i.coverage[0].first_dose_18plus = Some(0.70);
    assert_eq!(level_of(&run("qd4800", &i), "X"), "cap_2");
    // Both coverage rules below: two levels up; never above the top.
    i.coverage[0].first_dose_18plus = Some(0.1);
    i.coverage[0].full_dose_65plus = Some(0.1);
    assert_eq!(level_of(&run("qd4800", &i), "X"), "cap_4");
    let mut top = weekly(200);
    top.coverage = i.coverage.clone();
    assert_eq!(level_of(&run("qd4800", &top), "X"), "cap_4");
    // With no case: cap_1 + 2 = cap_3, and the base reason says nothing of a higher level fired.
    let mut none = weekly(0);
    none.coverage = i.coverage.clone();
    let a = run("qd4800", &none);
    assert_eq!(level_of(&a, "X"), "cap_3");
    assert_eq!(result(&a, "X").reasons[0].criterion, "none");
}

#[test]
fn capacity_not_met_holds_the_previous_level() {
    let mut i = weekly(0);
    i.previous = vec![PreviousLevel {
        unit: "X".into(),
        level: "cap_3".into(),
    }];
    // Capacity unknown: the rate decides.
    assert_eq!(level_of(&run("qd4800", &i), "X"), "cap_1");
    i.capacity = vec![CapacityInput {
        unit: "X".into(),
        met: false,
    }];
    let a = run("qd4800", &i);
    assert_eq!(level_of(&a, "X"), "cap_3");
    assert!(
        texts(&a, "X").iter().any(
            |t| t.starts_with("Không hạ cấp:") && t.ends_with("mức trước: Cấp 3 — nguy cơ cao")
        ),
        "{:?}",
        texts(&a, "X")
    );
    // Met: lowered to what the rate says.
    i.capacity[0].met = true;
    assert_eq!(level_of(&run("qd4800", &i), "X"), "cap_1");
    // Hold never lowers: rate cap_4, previous cap_3.
    let mut j = weekly(200);
    j.previous = i.previous.clone();
    j.capacity = vec![CapacityInput {
        unit: "X".into(),
        met: false,
    }];
    assert_eq!(level_of(&run("qd4800", &j), "X"), "cap_4");
    // No previous level: nothing to hold.
    j.previous.clear();
    let mut k = weekly(0);
    k.capacity = j.capacity.clone();
    let a = run("qd4800", &k);
    assert_eq!(level_of(&a, "X"), "cap_1");
    assert!(
        texts(&a, "X")
            .iter()
            .any(|t| t.ends_with("chưa có mức trước"))
    );
}

#[test]
fn qd218_needs_more_than_600() {
    assert_eq!(level_of(&run("qd218", &weekly(601)), "X"), "cap_4");
    assert_eq!(level_of(&run("qd218", &weekly(600)), "X"), "cap_3");
    assert_eq!(level_of(&run("qd218", &weekly(10)), "X"), "cap_1");
    // Capacity met lowers by one, not met raises by one, within the levels.
    let with = |n, met| {
        let mut i = weekly(n);
        i.capacity = vec![CapacityInput {
            unit: "X".into(),
            met,
        }];
        level_of(&run("qd218", &i), "X").to_owned()
    };
    assert_eq!(with(601, true), "cap_3");
    assert_eq!(with(10, true), "cap_1");
    assert_eq!(with(60, false), "cap_4");
    assert_eq!(with(601, false), "cap_4");
    // Full-dose coverage below 75%: up one.
    let mut i = weekly(25);
    i.coverage = vec![CoverageInput {
        unit: "X".into(),
        first_dose_18plus: None,
        full_dose_65plus: None,
        full_dose_all: Some(0.5),
    }];
    assert_eq!(level_of(&run("qd218", &i), "X"), "cap_3");
}

#[test]
fn qd4800_districts_use_their_aggregate_and_are_marked_unverified() {
    let mut a1 = ward("A", Some("D"));
    a1.population = Some(50_000);
    let mut b1 = ward("B", Some("D"));
    b1.population = Some(50_000);
    let mut c = community("A", true);
    c.count = 150;
    let a = run(
        "qd4800",
        &input(
            vec![a1, b1, unit("D", UnitLevel::District, None, None)],
            vec![c],
        ),
    );
    assert_eq!(level_of(&a, "A"), "cap_4");
    assert_eq!(level_of(&a, "B"), "cap_1");
    // 150 / 100.000 for the district.
    assert_eq!(level_of(&a, "D"), "cap_4");
    let r = &result(&a, "D").reasons[0];
    assert_eq!(r.criterion, "huyen_tinh_cap_4_ca_moi_tuan");
    assert_eq!(r.mark, Mark::Unverified);
}

// ------------------------------------------------------------------ validation, parsing

#[test]
fn input_errors_name_their_field() {
    let mut i = input(
        vec![
            ward("W", Some("D")),
            ward("W", Some("D")),
            ward("V", Some("NOWHERE")),
            unit("D", UnitLevel::District, Some("W"), None),
        ],
        vec![
            community("W", true),
            community("GHOST", true),
            community("D", true),
        ],
    );
    i.coverage = vec![CoverageInput {
        unit: "GHOST".into(),
        first_dose_18plus: Some(1.5),
        full_dose_65plus: None,
        full_dose_all: None,
    }];
    i.capacity = vec![CapacityInput {
        unit: "GHOST".into(),
        met: true,
    }];
    i.facts = vec![FactInput {
        unit: "GHOST".into(),
        kind: "community_contacts".into(),
    }];
    i.previous = vec![
        PreviousLevel {
            unit: "GHOST".into(),
            level: "nguy_co".into(),
        },
        PreviousLevel {
            unit: "W".into(),
            level: "cap_9".into(),
        },
    ];
    let e = assess(&rules("qd2686"), &i).unwrap_err();
    let msg = |f: &str| e.message_for(f).unwrap_or_else(|| panic!("{f}: {e}"));
    assert!(msg("units[1].code").contains("trùng"));
    assert!(msg("units[2].parent").contains("NOWHERE"));
    assert!(msg("units[3].parent").contains("phải cao hơn"));
    assert!(msg("cases[1].ward").contains("GHOST"));
    assert!(msg("cases[2].ward").contains("không phải xã"));
    assert!(msg("coverage[0].unit").contains("GHOST"));
    assert!(msg("coverage[0].first_dose_18plus").contains("từ 0 đến 1"));
    assert!(msg("capacity[0].unit").contains("GHOST"));
    assert!(msg("facts[0].unit").contains("GHOST"));
    assert!(msg("previous[0].unit").contains("GHOST"));
    assert!(msg("previous[1].level").contains("nguy_co_rat_cao"));
    assert!(e.message_for("cases[0].ward").is_none());
}

#[test]
fn too_many_input_errors_are_counted() {
    let cases = (0..500).map(|_| community("GHOST", true)).collect();
    let e = assess(&rules("qd2686"), &input(vec![ward("W", None)], cases)).unwrap_err();
    assert_eq!(e.0.len(), 51);
    assert_eq!(e.message_for("input"), Some("và 450 lỗi khác"));
}

#[test]
fn rule_errors_name_their_field() {
    let mut s = rules("qd2686");
    s.id = "QĐ 2686".into();
    s.name = " ".into();
    s.valid_to = Some(d("2021-01-01"));
    s.levels[1].id = "binh_thuong_moi".into();
    s.criteria[0].effect = Effect::Set("vang".into());
    s.criteria[1].applies_to.clear();
    s.criteria[2].test = Test::Cases {
        days: 0,
        found_in: vec![],
        source_known: None,
        settings: vec![],
        min: 1,
    };
    s.criteria[3].test = Test::Neighbour {
        min_level: "do".into(),
    };
    s.criteria[4].test = Test::Children {
        min_level: "nguy_co_cao".into(),
        share: Some(1.5),
        count: None,
    };
    s.criteria[5].test = Test::Children {
        min_level: "nguy_co_cao".into(),
        share: None,
        count: None,
    };
    s.criteria[6].test = Test::Rate {
        days: 91,
        found_in: vec![],
        source_known: None,
        threshold: f64::NAN,
        strict: false,
    };
    s.criteria[7].test = Test::CoverageBelow {
        field: CoverageField::FullDoseAll,
        below: 0.0,
    };
    s.criteria[8].id = s.criteria[9].id.clone();
    s.criteria[10].source = String::new();
    s.criteria[11].effect = Effect::Raise(0);
    s.measures[0].level = "xanh".into();
    let e = s.validate().unwrap_err();
    for f in [
        "id",
        "name",
        "valid_to",
        "levels[1].id",
        "criteria[0].effect.set",
        "criteria[1].applies_to",
        "criteria[2].test.days",
        "criteria[3].test.min_level",
        "criteria[4].test.share",
        "criteria[5].test",
        "criteria[6].test.days",
        "criteria[6].test.threshold",
        "criteria[7].test.below",
        "criteria[9].id",
        "criteria[10].source",
        "criteria[11].effect.raise",
        "measures[0].level",
    ] {
        assert!(e.message_for(f).is_some(), "{f}: {e}");
    }
    // The level that does not exist is named, with the ones that do.
    assert!(
        e.message_for("criteria[3].test.min_level")
            .unwrap()
            .contains("\"do\"")
    );
    // assess refuses an invalid set, naming the field under `rules.`.
    let e = assess(&s, &input(vec![ward("W", None)], vec![])).unwrap_err();
    assert!(
        e.message_for("rules.criteria[3].test.min_level").is_some(),
        "{e}"
    );
    // A single level is not a scale.
    let mut one = rules("qd4800");
    one.levels.truncate(1);
    one.criteria.clear();
    one.measures.clear();
    assert!(one.validate().unwrap_err().message_for("levels").is_some());
}

#[test]
fn malformed_json_names_its_path() {
    let text = r#"{"as_of":"2021-06-24","units":[{"code":"X","level":"ward"}],
        "cases":[
          {"ward":"X","confirmed_on":"2021-06-20","found_in":"community"},
          {"ward":"X","confirmed_on":"2021-06-20","found_in":"community"},
          {"ward":"X","confirmed_on":"2021-06-20","found_in":"street"}]}"#;
    let e = AssessInput::from_json(text).unwrap_err();
    let m = e
        .message_for("cases[2].found_in")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(m.starts_with("trường cases[2].found_in: "), "{m}");
    assert!(m.contains("street") && m.contains("community"), "{m}");
    let e = AssessInput::from_json(r#"{"as_of":"2021-06-24","units":[{"code":"X","level":"xa"}]}"#)
        .unwrap_err();
    assert!(e.message_for("units[0].level").is_some(), "{e}");
    let e = AssessInput::from_json(r#"{"units":[]}"#).unwrap_err();
    assert!(
        e.message_for("input")
            .unwrap()
            .contains("thiếu trường `as_of`"),
        "{e}"
    );
    let e = AssessInput::from_json(r#"{"as_of":"2021-06-24","units":[]"#).unwrap_err();
    assert!(
        e.message_for("input")
            .unwrap()
            .contains("JSON không hợp lệ: hết dữ liệu"),
        "{e}"
    );
    let e = AssessInput::from_json(r#"{"as_of":"2021-06-24","units":[]} x"#).unwrap_err();
    assert!(e.message_for("input").is_some(), "{e}");
    let e = AssessInput::from_json(r#"{"as_of":"2021-06-24","units":[],"cases":[{"ward":"X","confirmed_on":"2021-06-20","found_in":"community","count":-1}]}"#)
        .unwrap_err();
    assert!(e.message_for("cases[0].count").is_some(), "{e}");
    // A rule set: the path inside the criteria.
    let mut v: serde_json::Value = serde_json::from_str(SHIPPED_JSON[0].1).unwrap();
    v["criteria"][3]["effect"] = serde_json::json!({"jump": 2});
    let e = RiskRuleSet::from_json(&v.to_string()).unwrap_err();
    assert!(e.message_for("criteria[3].effect").is_some(), "{e}");
    // Valid JSON, invalid rules: the validation's fields.
    let mut v: serde_json::Value = serde_json::from_str(SHIPPED_JSON[0].1).unwrap();
    v["criteria"][3]["test"]["min_level"] = serde_json::json!("tim");
    let e = RiskRuleSet::from_json(&v.to_string()).unwrap_err();
    assert!(e.message_for("criteria[3].test.min_level").is_some(), "{e}");
    // Unknown fields of a what-if file are ignored.
    let i = AssessInput::from_json(r#"{"as_of":"2021-06-24","units":[],"comment":"x"}"#).unwrap();
    assert!(i.units.is_empty());
}

// ------------------------------------------------------------------ the shipped sets

#[test]
fn every_shipped_set_validates_and_cites_its_sources() {
    for (id, text) in SHIPPED_JSON {
        if let Err(e) = RiskRuleSet::from_json(text) {
            panic!("{id}: {e}");
        }
    }
    let sets = shipped();
    assert_eq!(
        sets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["qd2686", "qd4800", "qd218"]
    );
    for ((id, text), s) in SHIPPED_JSON.iter().zip(&sets) {
        assert_eq!(*id, s.id);
        s.validate().unwrap();
        // The file is in the exact serde shape (pretty-printed).
        assert_eq!(
            format!("{}\n", serde_json::to_string_pretty(s).unwrap()),
            *text,
            "{id} is not in the serde shape"
        );
        assert!(!s.notes.is_empty());
        assert_eq!(s.levels.len(), 4);
        let number = s.name.split(['/', ' ']).nth(1).unwrap();
        for c in &s.criteria {
            assert!(
                c.source.contains(number),
                "{id}/{}: the source does not cite {number}",
                c.id
            );
            assert!(!c.text.is_empty());
        }
        for m in &s.measures {
            assert!(!m.source.is_empty(), "{id}: {}", m.text);
        }
        for l in &s.levels {
            assert!(
                s.measures.iter().any(|m| m.level == l.id),
                "{id}: no measure at {}",
                l.id
            );
        }
    }
    let on = |s: &str| in_force(&sets, d(s)).map(|s| s.id.as_str());
    assert_eq!(on("2021-05-30"), None);
    assert_eq!(on("2021-06-24"), Some("qd2686"));
    assert_eq!(on("2021-10-11"), Some("qd2686"));
    assert_eq!(on("2021-10-12"), Some("qd4800"));
    assert_eq!(on("2022-01-26"), Some("qd4800"));
    assert_eq!(on("2022-01-27"), Some("qd218"));
    assert_eq!(on("2025-07-01"), Some("qd218"));
    let s = &sets[0];
    assert_eq!(s.announce_hours, 0);
    assert!(s.measures_cumulative);
    assert_eq!(sets[1].announce_hours, 48);
    // Cumulative: Nguy cơ rất cao includes Bình thường mới's 5K.
    assert!(
        s.measures_at("nguy_co_rat_cao")
            .iter()
            .any(|m| m.text.starts_with("Thực hiện 5K"))
    );
    assert!(
        s.measures_at("binh_thuong_moi")
            .iter()
            .any(|m| m.mark == Mark::Unverified && m.text.contains("rạp chiếu phim"))
    );
    // The reopening allowed at Bình thường mới is not carried to the higher levels, where
    // karaoke is suspended.
    let red = s.measures_at("nguy_co_rat_cao");
    assert!(!red.iter().any(|m| m.text.contains("rạp chiếu phim")));
    assert!(red.iter().any(|m| m.text.contains("karaoke")));
}

#[test]
fn marks_follow_the_reference() {
    let mark = |set: &str, id: &str| {
        rules(set)
            .criteria
            .iter()
            .find(|c| c.id == id)
            .unwrap_or_else(|| panic!("{set}/{id}"))
            .mark
    };
    assert_eq!(mark("qd2686", "xa_ca_khong_ro_nguon"), Mark::Verified);
    assert_eq!(mark("qd2686", "huyen_30pct_cao"), Mark::Verified);
    assert_eq!(mark("qd2686", "tinh_30pct_cao"), Mark::Unverified);
    assert_eq!(mark("qd2686", "tinh_30pct_rat_cao"), Mark::Verified);
    assert_eq!(mark("qd4800", "xa_cap_4_ca_moi_tuan"), Mark::Verified);
    assert_eq!(mark("qd4800", "xa_cap_2_ca_moi_tuan"), Mark::Unverified);
    assert_eq!(mark("qd4800", "tiem_1_mui_18_duoi_70pct"), Mark::Unverified);
    assert_eq!(mark("qd4800", "tiem_du_lieu_65_duoi_80pct"), Mark::Summary);
    assert_eq!(mark("qd4800", "nang_luc_chua_dap_ung"), Mark::Verified);
    assert_eq!(mark("qd218", "xa_cap_4_ca_moi_tuan"), Mark::Verified);
    assert_eq!(mark("qd218", "xa_cap_3_ca_moi_tuan"), Mark::Unverified);
    assert_eq!(mark("qd218", "tiem_du_lieu_duoi_75pct"), Mark::Summary);
    assert_eq!(mark("qd218", "nang_luc_dap_ung"), Mark::Unverified);
}

#[test]
fn effects_serialize_in_the_documented_shape() {
    let v = |e: &Effect| serde_json::to_value(e).unwrap();
    assert_eq!(
        v(&Effect::Set("nguy_co".into())),
        serde_json::json!({"set": "nguy_co"})
    );
    assert_eq!(v(&Effect::Raise(1)), serde_json::json!({"raise": 1}));
    assert_eq!(v(&Effect::Lower(1)), serde_json::json!({"lower": 1}));
    assert_eq!(v(&Effect::Hold), serde_json::json!("hold"));
}

#[test]
fn vietnamese_numbers() {
    assert_eq!(vn_decimal(1.3513, 2), "1,35");
    assert_eq!(vn_decimal(150.0, 2), "150");
    assert_eq!(vn_decimal(1234567.5, 2), "1.234.567,5");
    assert_eq!(vn_decimal(0.004, 2), "0");
    assert_eq!(vn_percent(0.4), "40%");
    assert_eq!(vn_percent(1.0 / 3.0), "33,3%");
}

// ------------------------------------------------------------------ random inputs

/// xorshift64*: small, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// A random input: anything (`clean` false), or consistent references (`clean` true) with
/// random populations, counts, neighbours, coverage, capacity and previous levels.
fn random_input(r: &mut Rng, levels: &[&str], clean: bool) -> AssessInput {
    let n = r.below(30) as usize + 1;
    let code = |r: &mut Rng| format!("U{}", r.below(n as u64 + 3));
    let mut units = Vec::new();
    for k in 0..n {
        let level = *r.pick(UnitLevel::ALL);
        let population = match r.below(4) {
            0 => None,
            1 => Some(0),
            2 => Some(u64::MAX - r.below(3)),
            _ => Some(r.below(200_000)),
        };
        let mut u = unit(&format!("U{k}"), level, None, population);
        u.parent = if r.chance(70) { Some(code(r)) } else { None };
        u.neighbours = (0..r.below(4)).map(|_| code(r)).collect();
        units.push(u);
    }
    let rank = |l: UnitLevel| match l {
        UnitLevel::Ward => 0,
        UnitLevel::District => 1,
        UnitLevel::Province => 2,
    };
    let wards: Vec<String> = units
        .iter()
        .filter(|u| u.level == UnitLevel::Ward)
        .map(|u| u.code.clone())
        .collect();
    if clean {
        for k in 0..n {
            let higher: Vec<String> = units
                .iter()
                .filter(|p| rank(p.level) > rank(units[k].level))
                .map(|p| p.code.clone())
                .collect();
            units[k].parent = if higher.is_empty() || r.chance(20) {
                None
            } else {
                Some(r.pick(&higher).clone())
            };
        }
    }
    let ward_code = |r: &mut Rng| {
        if clean && !wards.is_empty() {
            r.pick(&wards).clone()
        } else {
            code(r)
        }
    };
    let cases = (0..r.below(60))
        .filter(|_| !clean || !wards.is_empty())
        .map(|_| CaseInput {
            ward: ward_code(r),
            confirmed_on: d(AS_OF) - Duration::days(r.below(40) as i64 - 5),
            found_in: *r.pick(FoundIn::ALL),
            source_known: r.chance(50),
            setting: if r.chance(50) {
                Some(*r.pick(Setting::ALL))
            } else {
                None
            },
            count: match r.below(5) {
                0 => 0,
                1 => u32::MAX,
                _ => r.below(400) as u32,
            },
        })
        .collect();
    let ratio = |r: &mut Rng| match r.below(5) {
        0 => None,
        1 if !clean => Some(f64::NAN),
        2 if !clean => Some(1.5),
        _ => Some(r.below(101) as f64 / 100.0),
    };
    // Units for the per-unit lists: each at most once when clean.
    let some_units = |r: &mut Rng| -> Vec<String> {
        if clean {
            units
                .iter()
                .filter(|_| r.chance(30))
                .map(|u| u.code.clone())
                .collect()
        } else {
            (0..r.below(4)).map(|_| code(r)).collect()
        }
    };
    let coverage = some_units(r)
        .into_iter()
        .map(|unit| CoverageInput {
            unit,
            first_dose_18plus: ratio(r),
            full_dose_65plus: ratio(r),
            full_dose_all: ratio(r),
        })
        .collect();
    let capacity = some_units(r)
        .into_iter()
        .map(|unit| CapacityInput {
            unit,
            met: r.chance(50),
        })
        .collect();
    let facts = some_units(r)
        .into_iter()
        .map(|unit| FactInput {
            unit,
            kind: r
                .pick(&["community_contacts", "hard_to_control_source", "x"])
                .to_string(),
        })
        .collect();
    let previous = some_units(r)
        .into_iter()
        .map(|unit| PreviousLevel {
            unit,
            level: if clean {
                r.pick(levels).to_string()
            } else {
                r.pick(&["cap_3", "nguy_co", "zzz"]).to_string()
            },
        })
        .collect();
    AssessInput {
        as_of: d(AS_OF),
        units,
        cases,
        coverage,
        capacity,
        facts,
        previous,
    }
}

#[test]
fn random_inputs_never_panic() {
    let sets = shipped();
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let mut ok = 0;
    for round in 0..3_000 {
        for s in &sets {
            let levels: Vec<&str> = s.levels.iter().map(|l| l.id.as_str()).collect();
            let i = random_input(&mut r, &levels, round % 2 == 0);
            match assess(s, &i) {
                Ok(a) => {
                    ok += 1;
                    assert_eq!(a.units.len(), i.units.len());
                    for u in &a.units {
                        assert!(s.rank(&u.level).is_some());
                        assert!(!u.reasons.is_empty());
                    }
                }
                Err(e) => {
                    assert!(!e.0.is_empty());
                    assert!(round % 2 == 1, "a clean input was refused: {e}");
                }
            }
        }
    }
    assert!(ok >= 4_500, "{ok}");
}

#[test]
fn random_consistent_trees_are_assessed() {
    // Trees that are always valid: every result is a level of the set and the order holds.
    let sets = shipped();
    let mut r = Rng(42);
    for _ in 0..300 {
        let provinces = r.below(3) + 1;
        let mut units = Vec::new();
        let mut wards = Vec::new();
        for p in 0..provinces {
            let pc = format!("P{p}");
            let two_level = r.chance(50);
            for dd in 0..r.below(4) {
                let dc = format!("{pc}D{dd}");
                for w in 0..r.below(6) {
                    let wc = format!("{dc}W{w}");
                    let mut u = ward(&wc, Some(if two_level { &pc } else { &dc }));
                    if r.chance(20) {
                        u.population = None;
                    }
                    if let Some(prev) = wards.last() {
                        u.neighbours.push(String::clone(prev));
                    }
                    wards.push(wc);
                    units.push(u);
                }
                if !two_level {
                    units.push(unit(&dc, UnitLevel::District, Some(&pc), None));
                }
            }
            units.push(unit(&pc, UnitLevel::Province, None, None));
        }
        let cases = (0..r.below(50))
            .filter(|_| !wards.is_empty())
            .map(|_| CaseInput {
                ward: r.pick(&wards).clone(),
                confirmed_on: d(AS_OF) - Duration::days(r.below(20) as i64),
                found_in: *r.pick(FoundIn::ALL),
                source_known: r.chance(50),
                setting: None,
                count: r.below(50) as u32 + 1,
            })
            .collect();
        let i = input(units, cases);
        for s in &sets {
            let a = assess(s, &i).unwrap();
            assert_eq!(a.units.len(), i.units.len());
            let tiers: Vec<usize> = a
                .units
                .iter()
                .map(|u| match u.unit_level {
                    UnitLevel::Ward => 0,
                    UnitLevel::District => 1,
                    UnitLevel::Province => 2,
                })
                .collect();
            assert!(tiers.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}

// ------------------------------------------------------------------ size

/// The whole country: 63 provinces, 700 districts, 10,035 wards, 1,000,000 cases. Run with
/// `cargo test --release -p chongdich-domain large_country -- --ignored --nocapture`.
#[test]
#[ignore = "large; run in release"]
fn large_country_assesses_fast() {
    let mut r = Rng(7);
    let mut units = Vec::new();
    let mut wards = Vec::new();
    for p in 0..63 {
        units.push(unit(&format!("P{p}"), UnitLevel::Province, None, None));
    }
    for dd in 0..700 {
        units.push(unit(
            &format!("D{dd}"),
            UnitLevel::District,
            Some(&format!("P{}", dd % 63)),
            None,
        ));
    }
    for w in 0..10_035 {
        let mut u = ward(&format!("W{w}"), Some(&format!("D{}", w % 700)));
        u.neighbours = vec![
            format!("W{}", (w + 1) % 10_035),
            format!("W{}", (w + 700) % 10_035),
        ];
        units.push(u);
        wards.push(format!("W{w}"));
    }
    let cases: Vec<CaseInput> = (0..1_000_000)
        .map(|_| CaseInput {
            ward: r.pick(&wards).clone(),
            confirmed_on: d(AS_OF) - Duration::days(r.below(30) as i64),
            found_in: *r.pick(FoundIn::ALL),
            source_known: r.chance(50),
            setting: if r.chance(10) {
                Some(*r.pick(Setting::ALL))
            } else {
                None
            },
            count: 1,
        })
        .collect();
    let i = input(units, cases);
    for s in shipped() {
        let t = std::time::Instant::now();
        let a = assess(&s, &i).unwrap();
        let e = t.elapsed();
        println!("{}: {} units in {:?}", s.id, a.units.len(), e);
        assert_eq!(a.units.len(), 10_035 + 700 + 63);
        if !cfg!(debug_assertions) {
            assert!(e < std::time::Duration::from_secs(1), "{e:?}");
        }
    }
}
