//! Risk levels on the surveillance dataset: assessing every unit of the country (the database
//! read, the rules, the proposal written), the rules alone on a million cases within the window,
//! recomputing a province after one new case, and the public map page.

use crate::surveillance::Report;
use crate::{ms, percentile};
use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::Request;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::case::{FoundIn, Setting};
use chongdich_domain::clock::SharedClock;
use chongdich_domain::risk::{self, CaseInput};
use chongdich_store::Store;
use chongdich_store::audit::Who;
use chongdich_synth::Rng;
use chrono::{Duration as Days, NaiveDate};
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, Statement};
use std::time::{Duration, Instant};
use tower::ServiceExt;

async fn exec(store: &Store, sql: &str) -> Result<()> {
    let db = store.connection();
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    Ok(())
}

async fn one_i64(store: &Store, sql: &str) -> Result<i64> {
    let db = store.connection();
    let r = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .context("no row")?;
    Ok(r.try_get_by_index::<i64>(0)?)
}

pub async fn section(
    store: &Store,
    clock: SharedClock,
    today: NaiveDate,
    report: &mut Report,
) -> Result<()> {
    println!("\n## risk levels (as of {today})");
    // A clean slate: earlier runs' assessments and publications.
    for t in ["risk_published", "risk_results", "risk_assessments"] {
        exec(store, &format!("DELETE FROM {t}")).await?;
    }
    let everywhere = Scope::everywhere();
    let who = Who::console();
    let country = AreaId::country();
    let from = today - Days::days(14);
    let in_window = one_i64(
        store,
        &format!(
            "SELECT COUNT(*) FROM cases WHERE classification = 'confirmed' \
             AND confirmed_date > '{from}' AND confirmed_date <= '{today}'"
        ),
    )
    .await?;
    let all_cases = one_i64(store, "SELECT COUNT(*) FROM cases").await?;

    // The whole country through the store: read, assess, write the proposal.
    let disease = store.disease_by_code("covid19").await?.disease.id;
    let mut load = Vec::new();
    let mut rules_only = Vec::new();
    let mut whole = Vec::new();
    let mut last = None;
    let rules = store
        .risk_rules_on(today)
        .await?
        .context("no risk rule set in force on the benchmark's day")?;
    let mut input = None;
    for _ in 0..3 {
        let t = Instant::now();
        let loaded = store.risk_input(&country, today, disease, 14).await?;
        load.push(t.elapsed());
        let t = Instant::now();
        let out = risk::assess(&rules, &loaded.input)?;
        rules_only.push(t.elapsed());
        let t = Instant::now();
        let a = store
            .assess_risk(&everywhere, &who, &country, today, None)
            .await?;
        whole.push(t.elapsed());
        println!(
            "  {} units, {} case groups; {} units above the lowest level",
            out.units.len(),
            loaded.input.cases.len(),
            out.units
                .iter()
                .filter(|u| rules.rank(&u.level) > Some(0))
                .count()
        );
        last = Some(a);
        input = Some(loaded.input);
    }
    let a = last.context("no assessment")?;
    load.sort();
    rules_only.sort();
    println!(
        "  phases: read p50 {}, rules p50 {}",
        ms(percentile(&load, 0.5)),
        ms(percentile(&rules_only, 0.5))
    );
    report.timed(
        &format!(
            "assessing the whole country ({} units; {in_window} of {all_cases} cases in the 14-day window): read, rules, proposal written",
            a.unit_count
        ),
        &mut whole,
        Some(2000.0),
    );

    // The rules alone on a million community cases within the window.
    let mut input = input.context("no input")?;
    let wards: Vec<String> = input
        .units
        .iter()
        .filter(|u| u.level == risk::UnitLevel::Ward)
        .map(|u| u.code.clone())
        .collect();
    let mut rng = Rng::new(7);
    input.cases = (0..1_000_000)
        .map(|_| CaseInput {
            ward: wards[rng.below(wards.len() as u64) as usize].clone(),
            confirmed_on: today - Days::days(rng.below(14) as i64),
            found_in: if rng.below(4) == 0 {
                FoundIn::Quarantine
            } else {
                FoundIn::Community
            },
            source_known: rng.below(3) > 0,
            setting: Some(Setting::ALL[rng.below(Setting::ALL.len() as u64) as usize]),
            count: 1,
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let out = risk::assess(&rules, &input)?;
        times.push(t.elapsed());
        std::hint::black_box(out);
    }
    report.timed(
        &format!(
            "the rules alone: {} units, 1,000,000 cases within the window (one by one)",
            input.units.len()
        ),
        &mut times,
        Some(2000.0),
    );

    // Approval of the national proposal (every unit published).
    let t = Instant::now();
    store
        .approve_assessment(&everywhere, &who, a.id, "1/BENCH", &[])
        .await?;
    report.line(
        "approving and publishing the national proposal",
        ms(t.elapsed()),
        "",
        None,
    );

    // Recomputing one province after one new case: the province with the most people.
    let province = one_i64(
        store,
        "SELECT CAST(province_code AS BIGINT) FROM persons GROUP BY province_code \
         ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .await?;
    let root = AreaId::parse(&format!(
        "{}{province:02}",
        if today < NaiveDate::from_ymd_opt(2025, 7, 1).context("date")? {
            "L"
        } else {
            "N"
        }
    ))?;
    let mut times = Vec::new();
    let (mut read, mut assess) = (Vec::new(), Vec::new());
    let mut units = 0;
    for i in 0..20 {
        // One new confirmed community case of unknown source in the province.
        exec(
            store,
            &format!(
                "INSERT INTO cases (province_code, area_id, person_id, disease_id, case_code, \
                 classification, confirmed_date, curve_date, found_in, source_known, setting, \
                 treatment_place, outcome, illegal_entry, notes, created_at, updated_at) \
                 SELECT province_code, area_id, id, {disease}, 'BENCH-{i}', 'confirmed', '{today}', \
                 '{today}', 'community', {f}, 'other', '', 'treating', {f}, '', '{now}', '{now}' \
                 FROM persons WHERE province_code = '{province:02}' ORDER BY id LIMIT 1 OFFSET {i}",
                f = if store.engine() == chongdich_store::Engine::Postgres {
                    "FALSE"
                } else {
                    "0"
                },
                now = clock.now().format("%Y-%m-%d %H:%M:%S%:z"),
            ),
        )
        .await?;
        let t = Instant::now();
        let a = store
            .assess_risk(&everywhere, &who, &root, today, None)
            .await?;
        times.push(t.elapsed());
        units = a.unit_count;
        // The phases, measured apart (not in the figure).
        let t = Instant::now();
        let loaded = store.risk_input(&root, today, disease, 14).await?;
        read.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(risk::assess(&rules, &loaded.input)?);
        assess.push(t.elapsed());
    }
    read.sort();
    assess.sort();
    println!(
        "  phases: read p50 {}, rules p50 {}; the rest is writing the proposal",
        ms(percentile(&read, 0.5)),
        ms(percentile(&assess, 0.5))
    );
    report.timed(
        &format!("recomputing a province after one new case ({root}, {units} units)"),
        &mut times,
        Some(50.0),
    );

    // The public map page: the country (every ward a dot) and a province.
    let app = chongdich_web::app(chongdich_web::AppState::new(
        store.clone(),
        clock,
        chongdich_web::WebSettings::default(),
    ));
    for (label, path) in [
        ("the country".to_owned(), "/public?area=VN".to_owned()),
        (
            format!("a province ({root})"),
            format!("/public?area={root}"),
        ),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for _ in 0..20 {
            let t = Instant::now();
            let res = app
                .clone()
                .oneshot(Request::get(path.as_str()).body(Body::empty())?)
                .await?;
            let status = res.status();
            let body = res.into_body().collect().await?.to_bytes();
            times.push(t.elapsed());
            anyhow::ensure!(status.is_success(), "{path}: {status}");
            bytes = body.len();
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        let figure = format!(
            "n=20 p50 {} p99 {}, {} KB",
            ms(percentile(&times, 0.5)),
            ms(p99),
            bytes / 1024
        );
        report.line(
            &format!("public map page, {label}"),
            figure,
            "< 100 ms and < 300 KB",
            Some(p99 < Duration::from_millis(100) && bytes < 300 * 1024),
        );
    }
    Ok(())
}
