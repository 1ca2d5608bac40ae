//! The orders of every shipped version for a fully vaccinated and an unvaccinated F1, with dates
//! (regulations.md §4), the choice of the version by date, immunity limits, returnees,
//! validation and parsing, and the marking of every assumption.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use chrono::Days;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn set(id: &str) -> QuarantineRuleSet {
    shipped().into_iter().find(|s| s.id == id).unwrap()
}

/// Two doses, the last 30 days before `start`.
fn vaccinated(start: &str) -> ImmunityInput {
    ImmunityInput {
        doses: 2,
        last_dose: Some(d(start) - Days::new(30)),
        recovered_on: None,
    }
}

fn unvaccinated() -> ImmunityInput {
    ImmunityInput::default()
}

fn doses(n: u8, last: &str) -> ImmunityInput {
    ImmunityInput {
        doses: n,
        last_dose: Some(d(last)),
        recovered_on: None,
    }
}

fn recovered(on: &str) -> ImmunityInput {
    ImmunityInput {
        recovered_on: Some(d(on)),
        ..Default::default()
    }
}

fn run(id: &str, subject: Subject, person: &ImmunityInput, start: &str) -> OrderPlan {
    plan(&set(id), subject, person, d(start)).unwrap()
}

/// What the reference's table gives, with the dates for one start date.
struct Expected<'a> {
    rule: &'a str,
    kind: OrderKind,
    days: u32,
    tests: &'a [&'a str],
    last_day: Option<&'a str>,
    released_on: &'a str,
    monitoring_until: Option<&'a str>,
    monitoring_tests: &'a [&'a str],
}

fn check(p: &OrderPlan, e: &Expected) {
    let dates = |v: &[&str]| v.iter().map(|s| d(s)).collect::<Vec<_>>();
    assert_eq!(p.rule, e.rule, "{}", p.explanation);
    assert_eq!(p.kind, e.kind, "{}", p.explanation);
    assert_eq!(p.days, e.days, "{}", p.explanation);
    assert_eq!(p.tests, dates(e.tests), "{}", p.explanation);
    assert_eq!(p.last_day, e.last_day.map(d), "{}", p.explanation);
    assert_eq!(p.released_on, d(e.released_on), "{}", p.explanation);
    assert_eq!(
        p.monitoring_until,
        e.monitoring_until.map(d),
        "{}",
        p.explanation
    );
    assert_eq!(
        p.monitoring_tests,
        dates(e.monitoring_tests),
        "{}",
        p.explanation
    );
}

/// The plans of a fully vaccinated and an unvaccinated F1 starting on `start`.
fn both(id: &str, start: &str) -> (OrderPlan, OrderPlan) {
    (
        run(id, Subject::F1, &vaccinated(start), start),
        run(id, Subject::F1, &unvaccinated(), start),
    )
}

#[test]
fn shipped_files_parse_validate_and_round_trip() {
    let sets = shipped();
    assert_eq!(sets.len(), SHIPPED_JSON.len());
    for (id, text) in SHIPPED_JSON {
        let s = QuarantineRuleSet::from_json(text).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(s.id, id);
        assert!(!s.notes.trim().is_empty(), "{id}: notes");
        let again = QuarantineRuleSet::from_json(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(again, s);
    }
}

#[test]
fn shipped_sets_are_contiguous_from_2020() {
    let sets = shipped();
    assert_eq!(sets[0].valid_from, d("2020-01-01"));
    for w in sets.windows(2) {
        let end = w[0]
            .valid_to
            .unwrap_or_else(|| panic!("{} has no end", w[0].id));
        assert_eq!(
            end.succ_opt().unwrap(),
            w[1].valid_from,
            "{} → {}",
            w[0].id,
            w[1].id
        );
    }
    assert_eq!(sets.last().unwrap().valid_to, None);
    // Every day from 2020-01-01 on has exactly one set.
    let mut day = d("2020-01-01");
    while day <= d("2023-01-01") {
        let n = sets.iter().filter(|s| s.in_force_on(day)).count();
        assert_eq!(n, 1, "{day}");
        day = day.succ_opt().unwrap();
    }
}

#[test]
fn in_force_picks_the_version_at_each_boundary() {
    let sets = shipped();
    let id = |s: &str| in_force(&sets, d(s)).map(|x| x.id.as_str());
    assert_eq!(id("2019-12-31"), None);
    for (date, expected) in [
        ("2020-01-01", "nam2020"),
        ("2021-05-04", "nam2020"),
        ("2021-05-05", "cd600"),
        ("2021-07-13", "cd600"),
        ("2021-07-14", "cv5599"),
        ("2021-08-06", "cv5599"),
        ("2021-08-07", "cv6386"),
        ("2021-12-15", "cv6386"),
        ("2021-12-16", "cv10696"),
        ("2022-02-20", "cv10696"),
        ("2022-02-21", "cv762"),
        ("2022-04-14", "cv762"),
        ("2022-04-15", "cv1909"),
        ("2030-01-01", "cv1909"),
    ] {
        assert_eq!(id(date), Some(expected), "{date}");
    }
    let p = plan_in_force(&sets, Subject::F1, &unvaccinated(), d("2021-07-20")).unwrap();
    assert_eq!(p.rule_set, "cv5599");
    let e = plan_in_force(&sets, Subject::F1, &unvaccinated(), d("2019-06-01")).unwrap_err();
    assert!(e.message_for("start").is_some(), "{e}");
}

#[test]
fn nam2020_f1_centralized_14_then_14_monitoring() {
    let (vax, unvax) = both("nam2020", "2020-08-01");
    for p in [&vax, &unvax] {
        check(
            p,
            &Expected {
                rule: "tap_trung_14",
                kind: OrderKind::Centralized,
                days: 14,
                tests: &[],
                last_day: Some("2020-08-14"),
                released_on: "2020-08-15",
                monitoring_until: Some("2020-08-28"),
                monitoring_tests: &[],
            },
        );
        assert_eq!(p.immunity, None);
        // A summary, with the start date of the set a convention.
        assert_eq!(p.mark, Mark::Unverified);
    }
    assert!(
        vax.explanation.starts_with(
            "Theo Quy định năm 2020: cách ly tập trung 14 ngày; sau đó tự theo dõi 14 ngày."
        ),
        "{}",
        vax.explanation
    );
    // Returnees and entrants too.
    for s in [Subject::Returnee, Subject::Entrant] {
        assert_eq!(run("nam2020", s, &unvaccinated(), "2020-08-01").days, 14);
    }
}

#[test]
fn cd600_f1_centralized_21_tests_1_14_20_then_7_monitoring() {
    let (vax, unvax) = both("cd600", "2021-05-10");
    for p in [&vax, &unvax] {
        check(
            p,
            &Expected {
                rule: "tap_trung_21",
                kind: OrderKind::Centralized,
                days: 21,
                tests: &["2021-05-10", "2021-05-23", "2021-05-29"],
                last_day: Some("2021-05-30"),
                released_on: "2021-05-31",
                monitoring_until: Some("2021-06-06"),
                monitoring_tests: &["2021-06-06"],
            },
        );
        assert_eq!(p.mark, Mark::Verified);
        assert!(p.assumptions.is_empty());
    }
    assert_eq!(
        vax.explanation,
        "Theo CĐ 600/CĐ-BCĐ (5/5/2021): cách ly tập trung 21 ngày, xét nghiệm ngày 1, 14, 20; \
         sau đó tự theo dõi 7 ngày, xét nghiệm ngày 7 của thời gian theo dõi. \
         Ngày 1 là ngày nhập cảnh hoặc ngày tiếp xúc lần cuối với ca bệnh. \
         Từ 10/5/2021 đến hết 30/5/2021; xét nghiệm 10/5/2021, 23/5/2021, 29/5/2021. \
         Tự theo dõi từ 31/5/2021 đến hết 6/6/2021; xét nghiệm 6/6/2021."
    );
    // Entrants from abroad too; returnees from inside the country have no rule.
    assert_eq!(
        run("cd600", Subject::Entrant, &unvaccinated(), "2021-05-10").days,
        21
    );
    let e = plan(
        &set("cd600"),
        Subject::Returnee,
        &unvaccinated(),
        d("2021-05-10"),
    )
    .unwrap_err();
    assert!(e.message_for("subject").unwrap().contains("CĐ 600"), "{e}");
}

#[test]
fn cv5599_f1_centralized_14_tests_1_7_14_then_14_monitoring() {
    let (vax, unvax) = both("cv5599", "2021-07-20");
    for p in [&vax, &unvax] {
        check(
            p,
            &Expected {
                rule: "f1_tap_trung_14",
                kind: OrderKind::Centralized,
                days: 14,
                tests: &["2021-07-20", "2021-07-26", "2021-08-02"],
                last_day: Some("2021-08-02"),
                released_on: "2021-08-03",
                monitoring_until: Some("2021-08-16"),
                monitoring_tests: &[],
            },
        );
        assert_eq!(
            p.alternatives,
            ["f1_tap_trung_7_tai_nha_7", "f1_tai_nha_14"]
        );
        // The test days of a centralized quarantine are those of home quarantine: assumed.
        assert_eq!(p.mark, Mark::Unverified);
        assert_eq!(p.assumptions[0].field, "rules[0].test_days");
    }
    assert!(
        vax.explanation.starts_with(
            "Theo CV 5599/BYT-MT (14/7/2021): cách ly tập trung 14 ngày, xét nghiệm ngày 1, 7, 14; \
             sau đó tự theo dõi 14 ngày. Từ 20/7/2021 đến hết 2/8/2021; \
             xét nghiệm 20/7/2021, 26/7/2021, 2/8/2021. Tự theo dõi từ 3/8/2021 đến hết 16/8/2021."
        ),
        "{}",
        vax.explanation
    );
    assert!(vax.explanation.contains("Mức kiểm chứng: Chưa kiểm chứng."));
}

#[test]
fn cv5599_alternatives_home_14_and_7_plus_7() {
    let s = set("cv5599");
    let start = d("2021-07-20");
    let home = plan_with_rule(&s, "f1_tai_nha_14", Subject::F1, &unvaccinated(), start).unwrap();
    check(
        &home,
        &Expected {
            rule: "f1_tai_nha_14",
            kind: OrderKind::Home,
            days: 14,
            tests: &["2021-07-20", "2021-07-26", "2021-08-02"],
            last_day: Some("2021-08-02"),
            released_on: "2021-08-03",
            monitoring_until: Some("2021-08-16"),
            monitoring_tests: &[],
        },
    );
    assert!(home.sign_at_door && home.daily_declaration);
    assert_eq!(home.mark, Mark::Verified);
    assert_eq!(
        home.alternatives,
        ["f1_tap_trung_14", "f1_tap_trung_7_tai_nha_7"]
    );
    let split = plan_with_rule(
        &s,
        "f1_tap_trung_7_tai_nha_7",
        Subject::F1,
        &unvaccinated(),
        start,
    )
    .unwrap();
    assert_eq!(split.kind, OrderKind::Centralized);
    assert_eq!(split.home_from, Some(d("2021-07-27")));
    assert_eq!(split.last_day, Some(d("2021-08-02")));
    assert!(
        split
            .explanation
            .contains("cách ly tập trung 7 ngày rồi cách ly tại nhà 7 ngày"),
        "{}",
        split.explanation
    );
    let e = plan_with_rule(&s, "khong_co", Subject::F1, &unvaccinated(), start).unwrap_err();
    assert!(e.message_for("rule").is_some(), "{e}");
    let e = plan_with_rule(
        &s,
        "nhap_canh_tap_trung_14",
        Subject::F1,
        &unvaccinated(),
        start,
    )
    .unwrap_err();
    assert!(
        e.message_for("rule").unwrap().contains("f1_tai_nha_14"),
        "{e}"
    );
}

#[test]
fn cv6386_f1_keeps_cv5599_marked_as_assumed() {
    let (vax, unvax) = both("cv6386", "2021-09-01");
    for p in [&vax, &unvax] {
        check(
            p,
            &Expected {
                rule: "f1_tap_trung_14",
                kind: OrderKind::Centralized,
                days: 14,
                tests: &["2021-09-01", "2021-09-07", "2021-09-14"],
                last_day: Some("2021-09-14"),
                released_on: "2021-09-15",
                monitoring_until: Some("2021-09-28"),
                monitoring_tests: &[],
            },
        );
        assert_eq!(p.mark, Mark::Unverified);
        let fields: Vec<&str> = p.assumptions.iter().map(|a| a.field.as_str()).collect();
        assert!(fields.contains(&"valid_from"), "{fields:?}");
        assert!(fields.contains(&"rules"), "{fields:?}");
        assert!(fields.contains(&"rules[2].rule"), "{fields:?}");
    }
}

#[test]
fn cv6386_returnee_vaccinated_self_monitors_7_others_home_14() {
    let start = "2021-09-01";
    let vax = run("cv6386", Subject::Returnee, &vaccinated(start), start);
    check(
        &vax,
        &Expected {
            rule: "ve_tu_vung_dich_mien_dich",
            kind: OrderKind::SelfMonitoring,
            days: 7,
            tests: &["2021-09-01", "2021-09-07"],
            last_day: Some("2021-09-07"),
            released_on: "2021-09-08",
            monitoring_until: None,
            monitoring_tests: &[],
        },
    );
    assert!(vax.immunity.as_ref().unwrap().fully_vaccinated);
    assert!(
        vax.explanation
            .contains("đã tiêm 2 mũi, mũi cuối 2/8/2021 (đủ 14 ngày, chưa quá 12 tháng)"),
        "{}",
        vax.explanation
    );
    let unvax = run("cv6386", Subject::Returnee, &unvaccinated(), start);
    check(
        &unvax,
        &Expected {
            rule: "ve_tu_vung_dich_khac",
            kind: OrderKind::Home,
            days: 14,
            tests: &["2021-09-01", "2021-09-07", "2021-09-14"],
            last_day: Some("2021-09-14"),
            released_on: "2021-09-15",
            monitoring_until: Some("2021-09-28"),
            monitoring_tests: &[],
        },
    );
    assert!(unvax.sign_at_door && unvax.daily_declaration);
    assert!(unvax.alternatives.is_empty());
    // The last dose 7 days before: not yet fully vaccinated.
    let recent = run("cv6386", Subject::Returnee, &doses(2, "2021-08-25"), start);
    assert_eq!(recent.rule, "ve_tu_vung_dich_khac");
    assert!(recent.immunity.unwrap().text.contains("chưa đủ 14 ngày"));
    // One dose only.
    assert_eq!(
        run("cv6386", Subject::Returnee, &doses(1, "2021-06-01"), start).rule,
        "ve_tu_vung_dich_khac"
    );
    // Recovered 5 months before.
    assert_eq!(
        run("cv6386", Subject::Returnee, &recovered("2021-04-01"), start).rule,
        "ve_tu_vung_dich_mien_dich"
    );
    // Two doses with no date of the last: cannot tell, not fully vaccinated.
    let unknown = ImmunityInput {
        doses: 2,
        ..Default::default()
    };
    let p = run("cv6386", Subject::Returnee, &unknown, start);
    assert_eq!(p.rule, "ve_tu_vung_dich_khac");
    assert!(
        p.immunity
            .unwrap()
            .text
            .contains("không rõ ngày tiêm mũi cuối")
    );
}

#[test]
fn cv10696_f1_vaccinated_home_7_unvaccinated_assumed_home_14() {
    let (vax, unvax) = both("cv10696", "2022-01-10");
    check(
        &vax,
        &Expected {
            rule: "f1_mien_dich",
            kind: OrderKind::Home,
            days: 7,
            tests: &["2022-01-10", "2022-01-16"],
            last_day: Some("2022-01-16"),
            released_on: "2022-01-17",
            monitoring_until: Some("2022-01-23"),
            monitoring_tests: &[],
        },
    );
    check(
        &unvax,
        &Expected {
            rule: "f1_khac",
            kind: OrderKind::Home,
            days: 14,
            tests: &["2022-01-10", "2022-01-16", "2022-01-23"],
            last_day: Some("2022-01-23"),
            released_on: "2022-01-24",
            monitoring_until: Some("2022-02-06"),
            monitoring_tests: &[],
        },
    );
    assert_eq!(unvax.mark, Mark::Unverified);
    assert!(
        unvax.assumptions.iter().any(|a| a.field == "rules[1].rule"),
        "{:?}",
        unvax.assumptions
    );
    assert!(
        unvax.explanation.contains("Giả định: CV 10696"),
        "{}",
        unvax.explanation
    );
}

#[test]
fn dose_upper_bound_is_12_months_under_cv6386_and_6_under_cv10696() {
    // The last dose 7 months before.
    let p6386 = run(
        "cv6386",
        Subject::Returnee,
        &doses(2, "2021-04-20"),
        "2021-11-20",
    );
    assert_eq!(p6386.rule, "ve_tu_vung_dich_mien_dich");
    let p10696 = run(
        "cv10696",
        Subject::F1,
        &doses(2, "2021-06-01"),
        "2022-01-10",
    );
    assert_eq!(p10696.rule, "f1_khac");
    assert!(p10696.immunity.unwrap().text.contains("đã quá 6 tháng"));
    // Exactly 6 months is within.
    assert_eq!(
        run(
            "cv10696",
            Subject::F1,
            &doses(2, "2021-07-10"),
            "2022-01-10"
        )
        .rule,
        "f1_mien_dich"
    );
}

#[test]
fn cv762_f1_two_doses_5_days_others_7_days() {
    let (vax, unvax) = both("cv762", "2022-03-01");
    check(
        &vax,
        &Expected {
            rule: "f1_tu_2_mui",
            kind: OrderKind::Home,
            days: 5,
            tests: &["2022-03-05"],
            last_day: Some("2022-03-05"),
            released_on: "2022-03-06",
            monitoring_until: Some("2022-03-10"),
            monitoring_tests: &[],
        },
    );
    check(
        &unvax,
        &Expected {
            rule: "f1_khac",
            kind: OrderKind::Home,
            days: 7,
            tests: &["2022-03-07"],
            last_day: Some("2022-03-07"),
            released_on: "2022-03-08",
            monitoring_until: Some("2022-03-10"),
            monitoring_tests: &[],
        },
    );
    // Where the set is kept (home) is assumed.
    for p in [&vax, &unvax] {
        assert_eq!(p.mark, Mark::Unverified);
        assert!(p.assumptions.iter().any(|a| a.field.ends_with(".kind")));
    }
    // "≥2 doses" read literally: a second dose 4 days before counts; one dose does not.
    assert_eq!(
        run("cv762", Subject::F1, &doses(2, "2022-02-25"), "2022-03-01").rule,
        "f1_tu_2_mui"
    );
    assert_eq!(
        run("cv762", Subject::F1, &doses(1, "2021-06-01"), "2022-03-01").rule,
        "f1_khac"
    );
}

#[test]
fn recovered_within_and_over_the_months_limit() {
    // CV 762: 3 months, the day itself included.
    let within = run("cv762", Subject::F1, &recovered("2021-12-01"), "2022-03-01");
    assert_eq!(within.rule, "f1_tu_2_mui");
    let i = within.immunity.unwrap();
    assert!(i.recovered && !i.fully_vaccinated);
    assert!(i.text.contains("trong vòng 3 tháng"), "{}", i.text);
    let over = run("cv762", Subject::F1, &recovered("2021-11-30"), "2022-03-01");
    assert_eq!(over.rule, "f1_khac");
    assert!(over.immunity.unwrap().text.contains("đã quá 3 tháng"));
    // CV 10696: 6 months.
    assert_eq!(
        run(
            "cv10696",
            Subject::F1,
            &recovered("2021-07-10"),
            "2022-01-10"
        )
        .rule,
        "f1_mien_dich"
    );
    assert_eq!(
        run(
            "cv10696",
            Subject::F1,
            &recovered("2021-07-09"),
            "2022-01-10"
        )
        .rule,
        "f1_khac"
    );
    // Recovered after the start date does not count.
    assert_eq!(
        run(
            "cv10696",
            Subject::F1,
            &recovered("2022-01-11"),
            "2022-01-10"
        )
        .rule,
        "f1_khac"
    );
}

#[test]
fn cv1909_f1_gets_no_quarantine() {
    let (vax, unvax) = both("cv1909", "2022-05-01");
    for p in [&vax, &unvax] {
        check(
            p,
            &Expected {
                rule: "f1_khong_cach_ly",
                kind: OrderKind::NoQuarantine,
                days: 0,
                tests: &[],
                last_day: None,
                released_on: "2022-05-01",
                monitoring_until: None,
                monitoring_tests: &[],
            },
        );
        assert!(!p.sign_at_door && !p.daily_declaration);
        assert_eq!(p.mark, Mark::Verified);
    }
    assert_eq!(
        vax.explanation,
        "Theo CV 1909/BYT-DP (15/4/2022): không phải cách ly."
    );
}

#[test]
fn a_subject_without_a_rule_is_an_error_naming_the_subject() {
    for id in ["cd600", "cv5599", "cv10696", "cv762", "cv1909"] {
        let e = plan(
            &set(id),
            Subject::Suspect,
            &unvaccinated(),
            set(id).valid_from,
        )
        .unwrap_err();
        assert!(e.message_for("subject").is_some(), "{id}: {e}");
    }
    let e = plan(
        &set("cv1909"),
        Subject::Returnee,
        &unvaccinated(),
        d("2022-05-01"),
    )
    .unwrap_err();
    assert!(
        e.message_for("subject")
            .unwrap()
            .contains("Người về từ vùng dịch trong nước"),
        "{e}"
    );
}

#[test]
fn inconsistent_person_is_an_error_naming_the_field() {
    let p = ImmunityInput {
        doses: 0,
        last_dose: Some(d("2021-06-01")),
        recovered_on: None,
    };
    let e = plan(&set("cv762"), Subject::F1, &p, d("2022-03-01")).unwrap_err();
    assert!(e.message_for("last_dose").is_some(), "{e}");
    let many = ImmunityInput {
        doses: 40,
        ..Default::default()
    };
    let e = plan(&set("cv762"), Subject::F1, &many, d("2022-03-01")).unwrap_err();
    assert!(e.message_for("doses").is_some(), "{e}");
}

/// `cv5599` edited as JSON by `edit`, then validated.
fn edited(id: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Invalid {
    let mut v = serde_json::to_value(set(id)).unwrap();
    edit(&mut v);
    QuarantineRuleSet::from_json(&v.to_string()).unwrap_err()
}

#[test]
fn validation_errors_name_the_field() {
    let e = edited("cv5599", |v| {
        v["rules"][2]["test_days"] = serde_json::json!([1, 20]);
        v["valid_to"] = serde_json::json!("2021-07-01");
        v["rules"][1]["then_home_days"] = serde_json::json!(14);
        v["rules"][3]["assumptions"] = serde_json::json!([]);
        v["rules"][0]["assumptions"][0]["field"] = serde_json::json!("khong_co");
        v["rules"][2]["id"] = serde_json::json!("f1_tap_trung_14");
        v["rules"][2]["monitoring_test_days"] = serde_json::json!([15]);
        v["rules"][2]["subjects"] = serde_json::json!(["f1", "f1"]);
        v["id"] = serde_json::json!("CV 5599");
    });
    for f in [
        "rules[2].test_days[1]",
        "valid_to",
        "rules[1].then_home_days",
        "rules[3].assumptions",
        "rules[0].assumptions[0].field",
        "rules[2].id",
        "rules[2].monitoring_test_days[0]",
        "rules[2].subjects[1]",
        "id",
    ] {
        assert!(e.message_for(f).is_some(), "{f}: {e}");
    }
    assert!(
        e.message_for("rules[2].test_days[1]")
            .unwrap()
            .contains("ngày 20"),
        "{e}"
    );

    let e = edited("cv5599", |v| {
        v["rules"][2]["test_days"] = serde_json::json!([7, 1]);
        v["rules"][0]["alternative"] = serde_json::json!(true);
    });
    assert!(e.message_for("rules[2].test_days[1]").is_some(), "{e}");
    assert!(e.message_for("rules[0].alternative").is_some(), "{e}");

    let e = edited("cv762", |v| {
        v["rules"][0]["condition"]["min_doses"] = serde_json::json!(0);
        v["rules"][1]["condition"]["recovered_within_months"] = serde_json::json!(0);
        v["rules"][1]["days"] = serde_json::json!(0);
    });
    for f in [
        "rules[0].condition.min_doses",
        "rules[1].condition.recovered_within_months",
        "rules[1].days",
    ] {
        assert!(e.message_for(f).is_some(), "{f}: {e}");
    }

    let e = edited("cv1909", |v| {
        v["rules"][0]["days"] = serde_json::json!(5);
        v["rules"][0]["test_days"] = serde_json::json!([1]);
    });
    assert!(e.message_for("rules[0].days").is_some(), "{e}");
    assert!(e.message_for("rules[0].test_days").is_some(), "{e}");

    let e = edited("cv1909", |v| v["rules"] = serde_json::json!([]));
    assert!(e.message_for("rules").is_some(), "{e}");
}

#[test]
fn parse_errors_name_the_path() {
    let e = edited("cv5599", |v| {
        v["rules"][1]["subjects"][0] = serde_json::json!("f2")
    });
    assert!(
        e.message_for("rules[1].subjects[0]")
            .unwrap()
            .contains("giá trị không hợp lệ"),
        "{e}"
    );
    let e = edited("cv5599", |v| {
        v["rules"][2]["kind"] = serde_json::json!("camp")
    });
    assert!(e.message_for("rules[2].kind").is_some(), "{e}");
    let e = edited("cv5599", |v| {
        v["valid_from"] = serde_json::json!("2021-13-01")
    });
    assert!(e.message_for("valid_from").is_some(), "{e}");
    let e = edited("cv762", |v| {
        v["rules"][1]["condition"]["kind"] = serde_json::json!("vaccinated");
    });
    assert!(e.message_for("rules[1].condition.kind").is_some(), "{e}");
    // A misspelt field is refused, not ignored.
    let e = edited("cv5599", |v| {
        v["rules"][2]["test_day"] = serde_json::json!([1]);
    });
    assert!(
        e.0.iter()
            .any(|f| f.field.starts_with("rules[2]") && f.message.contains("test_day")),
        "{e}"
    );
    let e = QuarantineRuleSet::from_json("không phải JSON").unwrap_err();
    assert!(e.message_for("rules").is_some(), "{e}");
    let e = QuarantineRuleSet::from_json("{\"id\": ").unwrap_err();
    assert!(e.message_for("id").is_some(), "{e}");
}

/// Whether a shipped set has an assumption on a field: of the set (`rule` none) or of a rule.
fn assumed(id: &str, rule: Option<&str>, field: &str) -> bool {
    let s = set(id);
    let list = match rule {
        None => &s.assumptions,
        Some(r) => &s.rule(r).unwrap().assumptions,
    };
    list.iter()
        .any(|a| a.field == field && !a.note.trim().is_empty())
}

#[test]
fn every_unverified_assumption_is_marked() {
    // The gaps of the reference, each filled with an assumption and its note.
    for (id, rule, field) in [
        ("nam2020", None, "valid_from"),
        ("nam2020", Some("tap_trung_14"), "subjects"),
        ("cv5599", Some("f1_tap_trung_14"), "test_days"),
        ("cv5599", Some("f1_tap_trung_7_tai_nha_7"), "test_days"),
        ("cv5599", Some("nhap_canh_tap_trung_14"), "rule"),
        ("cv6386", None, "valid_from"),
        ("cv6386", None, "rules"),
        ("cv6386", Some("f1_tap_trung_14"), "rule"),
        ("cv6386", Some("ve_tu_vung_dich_khac"), "sign_at_door"),
        ("cv10696", None, "valid_from"),
        ("cv10696", Some("f1_khac"), "rule"),
        ("cv10696", Some("f1_mien_dich"), "daily_declaration"),
        ("cv762", Some("f1_tu_2_mui"), "kind"),
        ("cv762", Some("f1_tu_2_mui"), "condition"),
        ("cv762", Some("f1_khac"), "kind"),
    ] {
        assert!(assumed(id, rule, field), "{id} {rule:?} {field}");
    }
    for s in shipped() {
        for (i, r) in s.rules.iter().enumerate() {
            // A rule marked unverified says what was assumed.
            if r.mark == Mark::Unverified {
                assert!(!r.assumptions.is_empty(), "{} rules[{i}]", s.id);
            }
            // No plan resting on an assumption or a summary is shown as verified, and the
            // explanation carries every note.
            let start = s.valid_from;
            let person = match r.condition {
                Condition::Immune(_) => ImmunityInput {
                    doses: 2,
                    last_dose: Some(start - Days::new(30)),
                    recovered_on: None,
                },
                _ => unvaccinated(),
            };
            for subject in &r.subjects {
                let p = plan_with_rule(&s, &r.id, *subject, &person, start)
                    .unwrap_or_else(|e| panic!("{} {}: {e}", s.id, r.id));
                let clean = r.mark == Mark::Verified
                    && r.assumptions.is_empty()
                    && s.assumptions.is_empty();
                assert_eq!(p.mark == Mark::Verified, clean, "{} {}", s.id, r.id);
                assert_eq!(
                    p.assumptions.len(),
                    s.assumptions.len() + r.assumptions.len()
                );
                for a in &p.assumptions {
                    assert!(p.explanation.contains(a.note.trim()), "{} {}", s.id, r.id);
                }
            }
        }
    }
}
