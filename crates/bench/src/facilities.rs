//! `chongdich-bench facilities [--facilities N] [--stays M]`: the quarantine overview of a
//! province with N facilities (default 300) and M people present (default 50,000), on a fresh
//! database (SQLite, or PostgreSQL when DATABASE_URL names one).
//!
//! Each facility has rooms of 10 beds enough for its share; the people are admitted by cohort
//! (arrival date and risk group) into rooms, a tenth of them already discharged. Measured
//! through the router as a province user (a bearer token): `/quarantine` (every facility with
//! beds, occupied and free, and people in quarantine per area) and the API's overview and list.
//! Target: p99 < 100 ms.

use anyhow::{Context, Result};
use chongdich_synth::Rng;
use chrono::Duration as Days;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use std::time::{Duration, Instant};

/// The province the tasks are in (Hà Nội: the most units).
const PROVINCE: &str = "01";

pub async fn run(args: &[String]) -> Result<()> {
    let mut facilities: usize = 300;
    let mut n: usize = 50_000;
    let mut keep = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--facilities" => facilities = it.next().context("--facilities N")?.parse()?,
            "--stays" => n = it.next().context("--stays M")?.parse()?,
            "--keep" => keep = true,
            other => anyhow::bail!("unknown option {other} (--facilities N, --stays M, --keep)"),
        }
    }
    let (clock, shared, db, engine) =
        crate::pages::fresh_db(chrono::NaiveDate::from_ymd_opt(2021, 8, 15).context("date")?)
            .await?;
    let store = db.store.clone();
    println!(
        "# quarantine overview ({engine}, {facilities} facilities, {n} people in province {PROVINCE})"
    );
    let units = chongdich_store::units::embedded()?;
    store.import_units(&units.data(), None).await?;
    let b = store.connection().get_database_backend();
    // The province's units (both structures) for the tasks' areas.
    let areas: Vec<String> = store
        .connection()
        .query_all(
            &Query::select()
                .column("id")
                .from("areas")
                .and_where(Expr::col("province_code").eq(PROVINCE))
                .to_owned(),
        )
        .await?
        .iter()
        .filter_map(|r| r.try_get::<String>("", "id").ok())
        .collect();
    anyhow::ensure!(!areas.is_empty(), "no units of province {PROVINCE}");
    let province = areas
        .iter()
        .find(|a| a.len() == 3 && a.starts_with('N'))
        .cloned()
        .unwrap_or_else(|| format!("N{PROVINCE}"));
    let now = chongdich_domain::clock::Clock::now(&clock);
    let today = chongdich_domain::clock::Clock::now(&clock).date_naive();
    let mut rng = Rng::new(20210815);
    let t0 = Instant::now();
    let wards: Vec<String> = areas.iter().filter(|a| a.len() == 6).cloned().collect();
    let per = n.div_ceil(facilities);
    let rooms_per = per.div_ceil(10);
    let groups = ["f1", "returnee", "entrant", "suspect"];
    let mut person = 1i64;
    let mut stay = 1i64;
    let mut room_id = 1i64;
    for f in 1..=facilities as i64 {
        let area = rng.pick(&wards).clone();
        store
            .connection()
            .execute(
                &Query::insert()
                    .into_table("facilities")
                    .columns([
                        "id",
                        "province_code",
                        "area_id",
                        "name",
                        "kind",
                        "operator",
                        "address",
                        "phone",
                        "beds",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        f.into(),
                        PROVINCE.into(),
                        area.clone().into(),
                        format!("Khu cách ly số {f}").into(),
                        "centralized".into(),
                        "Bộ Chỉ huy Quân sự".into(),
                        "".into(),
                        "".into(),
                        ((rooms_per * 10) as i64).into(),
                        now.into(),
                        "bench".into(),
                    ])
                    .to_owned(),
            )
            .await?;
        let mut rooms = Query::insert()
            .into_table("facility_rooms")
            .columns(["id", "facility_id", "name", "beds"])
            .to_owned();
        let first_room = room_id;
        for r in 0..rooms_per {
            rooms.values_panic([
                room_id.into(),
                f.into(),
                format!("P{r}").into(),
                10i64.into(),
            ]);
            room_id += 1;
        }
        store.connection().execute(&rooms).await?;
        // The facility's people, in batches: a room is one cohort.
        let mut left = per.min(n.saturating_sub(((f - 1) as usize) * per));
        let mut room = first_room;
        while left > 0 {
            let batch = left.min(200);
            let mut people = Query::insert()
                .into_table("persons")
                .columns([
                    "id",
                    "province_code",
                    "area_id",
                    "street",
                    "full_name",
                    "search_key",
                    "given_key",
                    "sort_key",
                    "nationality",
                    "occupation",
                    "workplace",
                    "created_at",
                    "updated_at",
                ])
                .to_owned();
            let mut stays = Query::insert()
                .into_table("facility_stays")
                .columns([
                    "id",
                    "province_code",
                    "facility_id",
                    "room_id",
                    "person_id",
                    "risk_group",
                    "cohort_date",
                    "admitted_on",
                    "left_on",
                    "left_reason",
                    "created_at",
                    "created_by",
                ])
                .to_owned();
            for i in 0..batch {
                if i > 0 && i % 10 == 0 {
                    room += 1;
                }
                people.values_panic([
                    person.into(),
                    PROVINCE.into(),
                    rng.pick(&wards).clone().into(),
                    "".into(),
                    format!("Người cách ly {person}").into(),
                    format!("nguoi cach ly {person}").into(),
                    format!("{person} nguoi cach ly").into(),
                    format!("nguoi cach ly {person:08}").into(),
                    "VN".into(),
                    "".into(),
                    "".into(),
                    now.into(),
                    now.into(),
                ]);
                let cohort = today - Days::days(room % 14);
                let gone = rng.chance(0.1);
                stays.values_panic([
                    stay.into(),
                    PROVINCE.into(),
                    f.into(),
                    room.into(),
                    person.into(),
                    groups[(room % 4) as usize].into(),
                    cohort.into(),
                    cohort.into(),
                    (if gone { Some(today) } else { None }).into(),
                    (if gone { Some("discharged") } else { None }).into(),
                    now.into(),
                    "bench".into(),
                ]);
                person += 1;
                stay += 1;
            }
            room += 1;
            store.connection().execute(&people).await?;
            store.connection().execute(&stays).await?;
            left -= batch;
        }
    }
    if b == sea_orm::DbBackend::Postgres {
        store
            .connection()
            .execute_unprepared(
                "SELECT setval(pg_get_serial_sequence('persons','id'), (SELECT MAX(id) FROM persons)); \
                 SELECT setval(pg_get_serial_sequence('facilities','id'), (SELECT MAX(id) FROM facilities)); \
                 SELECT setval(pg_get_serial_sequence('facility_rooms','id'), (SELECT MAX(id) FROM facility_rooms)); \
                 SELECT setval(pg_get_serial_sequence('facility_stays','id'), (SELECT MAX(id) FROM facility_stays)); ANALYZE",
            )
            .await?;
    } else {
        store.connection().execute_unprepared("ANALYZE").await?;
    }
    println!(
        "generated {facilities} facilities, {} rooms, {} stays in {:.1} s",
        room_id - 1,
        stay - 1,
        t0.elapsed().as_secs_f64()
    );

    let token = crate::pages::committee_token(&store, &province).await?;
    let app = chongdich_web::app(chongdich_web::AppState::new(
        store.clone(),
        shared,
        chongdich_web::WebSettings::default(),
    ));
    let failed = !crate::pages::time_pages(
        &app,
        &token,
        &[
            ("quarantine overview page", "/quarantine"),
            ("overview (API)", "/api/v1/facilities/overview"),
            ("facilities list (API)", "/api/v1/facilities"),
        ],
        Duration::from_millis(100),
    )
    .await?;
    if keep {
        println!("kept the database: {}", db.url);
        std::mem::forget(db);
    } else {
        drop(db);
    }
    anyhow::ensure!(!failed, "a target was not met");
    Ok(())
}
