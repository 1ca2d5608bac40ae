//! Timing pages through the router as a signed-in user (a bearer token), for the benchmarks
//! of a room on its own fresh database.

use crate::{ms, percentile};
use anyhow::Result;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use chongdich_domain::access::{Grant, Role, Scope};
use chongdich_domain::area::AreaId;
use chongdich_domain::user::Username;
use chongdich_store::Store;
use chongdich_store::audit::Who;
use chongdich_store::users::NewUser;
use http_body_util::BodyExt;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// A user of the Steering Committee of `area`, and an API token of theirs.
pub async fn committee_token(store: &Store, area: &str) -> Result<String> {
    let user = store
        .create_user(
            &Scope::everywhere(),
            &Who::console(),
            NewUser {
                username: Username::parse("bench_admin")?,
                display_name: "Bench".into(),
                password_hash: chongdich_web::auth::password::hash("mật khẩu thử nghiệm 2021")
                    .map_err(anyhow::Error::msg)?,
                grants: vec![Grant {
                    role: Role::SteeringCommittee,
                    area_id: AreaId::parse(area)?,
                }],
            },
        )
        .await?;
    let who = Who {
        user_id: Some(user.user.id),
        username: "bench_admin".into(),
        ..Who::default()
    };
    Ok(store.create_token(&who, user.user.id, "bench").await?.1)
}

/// Loads each page 60 times (the first 10 warm up), prints p50 / p99 / max and size, and
/// says whether every p99 met `target`.
pub async fn time_pages(
    app: &Router,
    token: &str,
    pages: &[(&str, &str)],
    target: Duration,
) -> Result<bool> {
    let mut all_met = true;
    for (label, path) in pages {
        let mut times = Vec::new();
        let mut bytes = 0;
        for i in 0..60 {
            let t = Instant::now();
            let res = app
                .clone()
                .oneshot(
                    Request::get(*path)
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::empty())?,
                )
                .await?;
            let status = res.status();
            let body = res.into_body().collect().await?.to_bytes();
            anyhow::ensure!(status.is_success(), "{path}: {status}");
            bytes = body.len();
            if i >= 10 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        let p99 = percentile(&times, 0.99);
        let met = p99 < target;
        all_met &= met;
        println!(
            "{label}: n={} p50 {} p99 {} max {}, {} KB — target p99 < {}: {}",
            times.len(),
            ms(percentile(&times, 0.5)),
            ms(p99),
            ms(times.last().copied().unwrap_or_default()),
            bytes / 1024,
            ms(target),
            if met { "met" } else { "NOT met" }
        );
    }
    Ok(all_met)
}

/// A fresh database for a benchmark, its clock standing at 02:00 UTC (09:00 in Vietnam) on
/// `day`, and the engine's name for the report.
pub(crate) async fn fresh_db(
    day: chrono::NaiveDate,
) -> Result<(
    chongdich_domain::clock::ManualClock,
    chongdich_domain::clock::SharedClock,
    chongdich_store::testing::TestDb,
    &'static str,
)> {
    use anyhow::Context;
    let at = day.and_hms_opt(2, 0, 0).context("date")?.and_utc();
    let clock = chongdich_domain::clock::ManualClock::at(at);
    let shared: chongdich_domain::clock::SharedClock = std::sync::Arc::new(clock.clone());
    let db = chongdich_store::testing::TestDb::new(shared.clone()).await?;
    let engine = if chongdich_store::testing::TestDb::engine_url().is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    Ok((clock, shared, db, engine))
}
