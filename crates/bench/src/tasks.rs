//! `chongdich-bench tasks [--tasks N]`: the overdue-tasks page with N tasks (default 100,000)
//! in one province, on a fresh database (SQLite, or PostgreSQL when DATABASE_URL names one).
//!
//! The tasks are spread over the province's districts and wards, with deadlines from 60 days
//! before to 30 days after today, three in ten done, each with one lead agency and up to two
//! supporting ones among 60 agencies. Measured through the router, as a signed-in province
//! administrator (a bearer token): the committee's overdue page (counts by agency and by area,
//! the longest-overdue first page) and the overdue list. Target: p99 < 100 ms.

use anyhow::{Context, Result};
use chongdich_domain::access::Scope;
use chongdich_synth::Rng;
use chrono::Duration as Days;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use std::time::{Duration, Instant};

/// The province the tasks are in (Hà Nội: the most units).
const PROVINCE: &str = "01";

pub async fn run(args: &[String]) -> Result<()> {
    let mut n: usize = 100_000;
    let mut keep = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--tasks" => n = it.next().context("--tasks N")?.parse()?,
            "--keep" => keep = true,
            other => anyhow::bail!("unknown option {other} (--tasks N, --keep)"),
        }
    }
    let (clock, shared, db, engine) =
        crate::pages::fresh_db(chrono::NaiveDate::from_ymd_opt(2021, 8, 15).context("date")?)
            .await?;
    let store = db.store.clone();
    println!("# overdue tasks ({engine}, {n} tasks in province {PROVINCE})");
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
    let mut agencies = Vec::new();
    for i in 0..60 {
        let row = store
            .connection()
            .query_one(
                &Query::insert()
                    .into_table("agencies")
                    .columns([
                        "area_id",
                        "province_code",
                        "name",
                        "kind",
                        "sort_key",
                        "created_at",
                    ])
                    .values_panic([
                        province.clone().into(),
                        PROVINCE.into(),
                        format!("Cơ quan số {i}").into(),
                        "department".into(),
                        format!("co quan so {i:03}").into(),
                        now.into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .context("agency")?;
        agencies.push((row.try_get::<i64>("", "id")?, format!("Cơ quan số {i}")));
    }
    let today = chongdich_domain::clock::Clock::now(&clock).date_naive();
    let mut rng = Rng::new(20210815);
    let t0 = Instant::now();
    let first_id: i64 = 1;
    let batch = 400;
    let mut id = first_id;
    while (id - first_id) < n as i64 {
        let mut tasks = Query::insert()
            .into_table("tasks")
            .columns([
                "id",
                "province_code",
                "area_id",
                "title",
                "search_key",
                "deadline",
                "status",
                "progress",
                "source",
                "created_at",
                "created_by",
                "updated_at",
            ])
            .to_owned();
        let mut links = Query::insert()
            .into_table("task_agencies")
            .columns([
                "task_id",
                "role",
                "agency_id",
                "name",
                "province_code",
                "area_id",
                "deadline",
                "status",
            ])
            .to_owned();
        for _ in 0..batch {
            if (id - first_id) >= n as i64 {
                break;
            }
            let deadline = today + Days::days(rng.below(90) as i64 - 60);
            let status = if rng.chance(0.3) {
                "done"
            } else if rng.chance(0.5) {
                "in_progress"
            } else {
                "new"
            };
            let area = rng.pick(&areas).clone();
            tasks.values_panic([
                id.into(),
                PROVINCE.into(),
                area.clone().into(),
                format!("Nhiệm vụ số {id}: rà soát, báo cáo").into(),
                format!("nhiem vu so {id} ra soat bao cao").into(),
                deadline.into(),
                status.into(),
                (if status == "done" { 100 } else { 0 }).into(),
                "manual".into(),
                now.into(),
                "bench".into(),
                now.into(),
            ]);
            let lead = rng.pick(&agencies).clone();
            let copy = |role: &str, a: (i64, String)| {
                [
                    id.into(),
                    role.into(),
                    a.0.into(),
                    a.1.into(),
                    PROVINCE.into(),
                    area.clone().into(),
                    deadline.into(),
                    status.into(),
                ]
            };
            links.values_panic(copy("lead", lead));
            for _ in 0..rng.below(3) {
                let s = rng.pick(&agencies).clone();
                links.values_panic(copy("support", s));
            }
            id += 1;
        }
        store.connection().execute(&tasks).await?;
        store.connection().execute(&links).await?;
    }
    if b == sea_orm::DbBackend::Postgres {
        store
            .connection()
            .execute_unprepared("SELECT setval(pg_get_serial_sequence('tasks','id'), (SELECT MAX(id) FROM tasks)); ANALYZE")
            .await?;
    } else {
        store.connection().execute_unprepared("ANALYZE").await?;
    }
    println!("generated {n} tasks in {:.1} s", t0.elapsed().as_secs_f64());

    let token = crate::pages::committee_token(&store, &province).await?;
    let app = chongdich_web::app(chongdich_web::AppState::new(
        store.clone(),
        shared,
        chongdich_web::WebSettings::default(),
    ));
    let overdue = store
        .tasks(
            &Scope::everywhere(),
            &chongdich_store::tasks::TaskFilter {
                status: Some(chongdich_domain::task::TaskStatus::Overdue),
                ..Default::default()
            },
            1,
            0,
        )
        .await?
        .total;
    println!("overdue tasks: {overdue}");
    let failed = !crate::pages::time_pages(
        &app,
        &token,
        &[
            (
                "overdue page (by agency, by area, first 50)",
                "/tasks/overdue",
            ),
            ("overdue list page", "/tasks?view=overdue"),
            ("overdue summary (API)", "/api/v1/tasks/overdue"),
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
