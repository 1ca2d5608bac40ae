//! `chongdich-bench quarantine [--orders N] [--load M] [--keep]`: the day's work list of a
//! commune among N open quarantine orders nationally (default 1,000,000), M of them (default
//! 500) followed today in the measured commune, on a fresh database (SQLite, or PostgreSQL when
//! DATABASE_URL names one). The clock stands on 24/06/2021 (CĐ 600 in force).
//!
//! Every unit of both structures is imported. Each order has its person; the orders are spread
//! over every ward of the legacy structure, started within the last 60 days and followed 14 to
//! 28 days, all of them `open` (orders that ran out without being closed stay open, as in the
//! field). The measured commune's orders are interleaved with the others (their rows scattered
//! through the table, not contiguous) and are written as the app writes them: terms computed by
//! the shipped rule sets, half of them overridden to home quarantine, with the full explanation
//! and the computed plan. The other orders carry short texts, so that two engines' copies fit
//! the machine's disk. 30 % of the orders have 1–3 check-ins; the measured commune's people
//! check in most days, and 150 of its centralized people are in a facility.
//!
//! Measured: `Store::work_list` for the commune (as a user of its province), then through the
//! router `GET /api/v1/quarantine/work?area=…` and `/api/v1/quarantine/followed?area=…` for
//! the district and the province. Target: p99 < 100 ms.

use anyhow::{Context, Result};
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::clock::{Clock, ManualClock};
use chongdich_domain::person::Sex;
use chongdich_domain::quarantine::order::{OrderDraft, OrderTerms, terms};
use chongdich_domain::quarantine::shipped;
use chongdich_store::Store;
use chongdich_store::audit::Who;
use chongdich_store::bulk::{BulkData, PersonFields, PersonRecord};
use chongdich_store::quarantine::WorkPlace;
use chongdich_synth::Rng;
use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, TransactionTrait};
use std::time::{Duration, Instant};

/// The measured commune (Phường Quyết Thắng, Thành phố Lai Châu), its district and province.
const COMMUNE: &str = "L03386";
const DISTRICT: &str = "L105";
const PROVINCE: &str = "L12";
/// Orders generated and written per transaction.
const CHUNK: usize = 50_000;
/// Rows per INSERT statement (under both engines' limits on bound values).
const ROWS: usize = 500;

struct Ward {
    id: String,
    province: Option<String>,
}

pub async fn run(args: &[String]) -> Result<()> {
    let mut n: usize = 1_000_000;
    let mut load: usize = 500;
    let mut keep = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--orders" => n = it.next().context("--orders N")?.parse()?,
            "--load" => load = it.next().context("--load M")?.parse()?,
            "--keep" => keep = true,
            other => anyhow::bail!("unknown option {other} (--orders N, --load M, --keep)"),
        }
    }
    anyhow::ensure!(load <= n, "--load must not exceed --orders");
    let (clock, shared, db, engine) =
        crate::pages::fresh_db(chrono::NaiveDate::from_ymd_opt(2021, 6, 24).context("date")?)
            .await?;
    let store = db.store.clone();
    println!(
        "# quarantine work list ({engine}, {n} open orders nationally, {load} followed today in {COMMUNE})"
    );
    let units = chongdich_store::units::embedded()?;
    store.import_units(&units.data(), None).await?;
    let wards: Vec<Ward> = store
        .connection()
        .query_all(
            &Query::select()
                .columns(["id", "province_code"])
                .from("areas")
                .and_where(Expr::col("level").eq("ward"))
                .and_where(Expr::cust("id LIKE 'L%'"))
                .to_owned(),
        )
        .await?
        .iter()
        .map(|r| {
            Ok(Ward {
                id: r.try_get("", "id")?,
                province: r.try_get("", "province_code")?,
            })
        })
        .collect::<Result<_>>()?;
    anyhow::ensure!(wards.len() > 1000, "only {} legacy wards", wards.len());
    let target = wards
        .iter()
        .position(|w| w.id == COMMUNE)
        .context("the measured commune is not among the units")?;

    let t0 = Instant::now();
    let generated = generate(&store, &clock, &wards, target, n, load).await?;
    println!(
        "generated {n} orders with their people, {} check-ins, {} stays in {:.1} s",
        generated.checkins,
        generated.stays,
        t0.elapsed().as_secs_f64()
    );

    let today = clock.today();
    let scope = Scope::of([AreaId::parse(PROVINCE)?]);
    let who = Who {
        username: "bench".into(),
        ..Who::default()
    };
    let place = WorkPlace::Area(AreaId::parse(COMMUNE)?);
    let mut times = Vec::new();
    let mut lines = 0;
    let mut counts = Vec::new();
    for i in 0..60 {
        let t = Instant::now();
        let list = store.work_list(&scope, &who, &place, today).await?;
        if i >= 10 {
            times.push(t.elapsed());
        }
        lines = list.lines.len();
        counts = list.counts;
    }
    times.sort();
    let p99 = crate::percentile(&times, 0.99);
    let target_met = p99 < Duration::from_millis(100);
    println!(
        "Store::work_list({COMMUNE}): {lines} lines ({}), n={} p50 {} p99 {} max {} — target p99 < 100 ms: {}",
        counts
            .iter()
            .map(|(k, c)| format!("{k} {c}"))
            .collect::<Vec<_>>()
            .join(", "),
        times.len(),
        crate::ms(crate::percentile(&times, 0.5)),
        crate::ms(p99),
        crate::ms(times.last().copied().unwrap_or_default()),
        if target_met { "met" } else { "NOT met" }
    );

    let token = crate::pages::committee_token(&store, PROVINCE).await?;
    let app = chongdich_web::app(chongdich_web::AppState::new(
        store.clone(),
        shared,
        chongdich_web::WebSettings::default(),
    ));
    let work = format!("/api/v1/quarantine/work?area={COMMUNE}");
    let district = format!("/api/v1/quarantine/followed?area={DISTRICT}");
    let province = format!("/api/v1/quarantine/followed?area={PROVINCE}");
    let pages_met = crate::pages::time_pages(
        &app,
        &token,
        &[
            ("commune work list (API)", work.as_str()),
            (
                "followed per commune of the district (API)",
                district.as_str(),
            ),
            (
                "followed per district of the province (API)",
                province.as_str(),
            ),
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
    anyhow::ensure!(target_met && pages_met, "a target was not met");
    Ok(())
}

struct Generated {
    checkins: usize,
    stays: usize,
}

/// One order as generated: its row values, and the days it was checked in.
struct Gen {
    values: Vec<SimpleExpr>,
    checkins: Vec<NaiveDate>,
    /// A centralized order of the measured commune, followed today.
    centralized_today: bool,
}

/// The plan as the store writes it: JSON (through axum's serializer: the bench has no JSON
/// crate of its own).
async fn json(plan: &chongdich_domain::quarantine::OrderPlan) -> Result<String> {
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    let body = axum::Json(plan).into_response().into_body();
    Ok(String::from_utf8(
        body.collect().await?.to_bytes().to_vec(),
    )?)
}

fn d(s: NaiveDate, n: i64) -> NaiveDate {
    s + Days::days(n)
}

fn iso(ds: &[NaiveDate]) -> String {
    ds.iter()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// An order of the measured commune, written as the app writes one.
fn full_order(rng: &mut Rng, today: NaiveDate) -> Result<(OrderTerms, OrderDraft)> {
    let home = rng.chance(0.5);
    let start = if home {
        d(today, -(rng.below(20) as i64))
    } else {
        d(today, -(rng.below(27) as i64))
    };
    let vn = |x: NaiveDate| x.format("%d/%m/%Y").to_string();
    let mut draft = OrderDraft {
        subject: "f1".into(),
        start: vn(start),
        address: "Tổ dân phố 5, phường Quyết Thắng".into(),
        household: "4 người".into(),
        ..OrderDraft::default()
    };
    if home {
        draft.override_kind = "home".into();
        draft.override_ends_on = vn(d(start, 13));
        draft.override_monitoring_until = vn(d(start, 20));
        draft.override_tests = format!("{} {} {}", vn(start), vn(d(start, 6)), vn(d(start, 13)));
        draft.override_reason =
            "Khu cách ly tập trung của tỉnh hết chỗ; Ban Chỉ đạo phường quyết định cách ly tại nhà"
                .into();
    }
    let input = draft.parse(today).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = terms(&shipped(), &input, None).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((t, draft))
}

fn order_row(
    id: i64,
    ward: &Ward,
    t: &OrderTerms,
    address: &str,
    household: &str,
    computed: String,
    now: DateTime<Utc>,
) -> Vec<SimpleExpr> {
    let v: Vec<sea_orm::Value> = vec![
        id.into(),
        ward.province.clone().into(),
        ward.id.clone().into(),
        id.into(),
        t.subject.as_str().into(),
        t.kind.as_str().into(),
        t.starts_on.into(),
        t.ends_on.into(),
        t.released_on.into(),
        t.home_from.into(),
        t.monitoring_until.into(),
        t.until_on.into(),
        iso(&t.tests).into(),
        t.sign_at_door.into(),
        t.daily_declaration.into(),
        0i32.into(),
        Option::<NaiveDate>::None.into(),
        Option::<NaiveDate>::None.into(),
        t.rule_set.clone().into(),
        t.rule.clone().into(),
        t.source.clone().into(),
        t.mark.as_str().into(),
        t.explanation.clone().into(),
        computed.into(),
        t.overridden.into(),
        t.override_reason.clone().into(),
        address.to_owned().into(),
        household.to_owned().into(),
        Option::<NaiveDate>::None.into(),
        Option::<i64>::None.into(),
        Option::<i64>::None.into(),
        "open".into(),
        Option::<NaiveDate>::None.into(),
        "".into(),
        Option::<i64>::None.into(),
        format!("{id:032x}").into(),
        now.into(),
        "bench".into(),
        now.into(),
    ];
    v.into_iter().map(SimpleExpr::from).collect()
}

/// An order elsewhere: plausible dates and kind, short texts.
fn compact_order(
    rng: &mut Rng,
    id: i64,
    ward: &Ward,
    today: NaiveDate,
    template: &OrderTerms,
    now: DateTime<Utc>,
) -> Gen {
    use chongdich_domain::quarantine::OrderKind;
    let start = d(today, 2 - rng.below(62) as i64);
    let days = 14 + rng.below(15) as i64;
    let kind = *rng
        .weighted(&[
            (OrderKind::Centralized, 4),
            (OrderKind::Home, 5),
            (OrderKind::SelfMonitoring, 1),
        ])
        .unwrap_or(&OrderKind::Home);
    let mut t = template.clone();
    t.kind = kind;
    t.starts_on = start;
    t.ends_on = (kind != OrderKind::SelfMonitoring).then(|| d(start, days - 1));
    t.released_on = d(start, days);
    t.home_from = None;
    t.monitoring_until = Some(d(start, days + 6));
    t.until_on = d(start, days + 6);
    t.tests = vec![start, d(start, days - 1)];
    t.sign_at_door = kind == OrderKind::Home;
    t.daily_declaration = kind != OrderKind::Centralized;
    t.explanation = format!(
        "Theo CĐ 600/CĐ-BCĐ (5/5/2021): {} {days} ngày.",
        kind.label()
    );
    t.overridden = false;
    t.override_reason = String::new();
    let mut checkins = Vec::new();
    if rng.chance(0.3) {
        let last = Ord::min(t.until_on, today);
        for k in 0..=rng.below(3) as i64 {
            let day = d(last, -k);
            if day >= start {
                checkins.push(day);
            }
        }
    }
    Gen {
        values: order_row(id, ward, &t, "", "", String::new(), now),
        checkins,
        centralized_today: false,
    }
}

async fn generate(
    store: &Store,
    clock: &ManualClock,
    wards: &[Ward],
    target: usize,
    n: usize,
    load: usize,
) -> Result<Generated> {
    let now = clock.now();
    let today = clock.today();
    let mut rng = Rng::new(20210624);
    // Which orders are the measured commune's: `load` positions spread through 1..=n.
    let mut chosen = std::collections::HashSet::new();
    while chosen.len() < load {
        chosen.insert(1 + rng.below(n as u64) as i64);
    }
    let (template, _) = full_order(&mut rng, today)?;
    let mut checkins_written = 0usize;
    let mut centralized_today: Vec<i64> = Vec::new();
    let mut checkin_id = 1i64;
    let mut id = 1i64;
    store.bulk_start(n as u64).await?;
    while (id as usize) <= n {
        let end = (id as usize + CHUNK - 1).min(n) as i64;
        let mut persons = BulkData::default();
        let mut orders: Vec<Gen> = Vec::with_capacity(CHUNK);
        for i in id..=end {
            let mine = chosen.contains(&i);
            let ward = if mine {
                &wards[target]
            } else {
                let mut w = rng.below(wards.len() as u64) as usize;
                if w == target {
                    w = (w + 1) % wards.len();
                }
                &wards[w]
            };
            let sex = if rng.chance(0.5) {
                Sex::Male
            } else {
                Sex::Female
            };
            persons.persons.push(PersonRecord::new(PersonFields {
                id: i,
                province_code: ward.province.clone(),
                area_id: ward.id.clone(),
                street: String::new(),
                full_name: chongdich_synth::names::full_name(&mut rng, sex),
                id_kind: None,
                id_number: None,
                birth_date: None,
                birth_year: Some(1950 + rng.below(55) as i32),
                sex: Some(sex),
                phone: Some(format!("09{:08}", rng.below(100_000_000))),
                nationality: "VN".into(),
                occupation: String::new(),
                workplace: String::new(),
                created_at: now,
            }));
            if mine {
                let (t, draft) = full_order(&mut rng, today)?;
                // Most days checked in, some missed.
                let mut checkins = Vec::new();
                let mut day = t.starts_on;
                while day <= Ord::min(today, t.until_on) {
                    if rng.chance(0.8) {
                        checkins.push(day);
                    }
                    day = d(day, 1);
                }
                let centralized = t.kind.as_str() == "centralized";
                orders.push(Gen {
                    values: order_row(
                        i,
                        ward,
                        &t,
                        &draft.address,
                        &draft.household,
                        json(&t.computed).await?,
                        now,
                    ),
                    checkins,
                    centralized_today: centralized,
                });
            } else {
                orders.push(compact_order(&mut rng, i, ward, today, &template, now));
            }
        }
        store.bulk_insert(&persons).await?;
        drop(persons);
        let txn = store.connection().begin().await?;
        for rows in orders.chunks(ROWS) {
            let mut q = Query::insert()
                .into_table("quarantine_orders")
                .columns(
                    chongdich_store::quarantine::ORDER_COLUMNS
                        .iter()
                        .chain(&["updated_at"])
                        .map(|c| Alias::new(*c)),
                )
                .to_owned();
            for g in rows {
                q.values_panic(g.values.iter().cloned());
            }
            txn.execute(&q).await?;
        }
        let mut pending: Vec<(i64, NaiveDate)> = Vec::new();
        for (k, g) in orders.iter().enumerate() {
            let order_id = id + k as i64;
            if g.centralized_today {
                centralized_today.push(order_id);
            }
            for day in &g.checkins {
                pending.push((order_id, *day));
            }
        }
        for rows in pending.chunks(ROWS) {
            let mut q = Query::insert()
                .into_table("quarantine_checkins")
                .columns(
                    [
                        "id",
                        "province_code",
                        "order_id",
                        "on_date",
                        "temperature",
                        "symptoms",
                        "by_kind",
                        "note",
                        "created_at",
                        "created_by",
                    ]
                    .map(Alias::new),
                )
                .to_owned();
            for (order_id, day) in rows {
                q.values_panic([
                    checkin_id.into(),
                    Option::<String>::None.into(),
                    (*order_id).into(),
                    (*day).into(),
                    Some(36.5 + rng.below(10) as f64 / 10.0).into(),
                    "".into(),
                    (if rng.chance(0.5) { "self" } else { "worker" }).into(),
                    "".into(),
                    now.into(),
                    "bench".into(),
                ]);
                checkin_id += 1;
            }
            txn.execute(&q).await?;
        }
        checkins_written += pending.len();
        txn.commit().await?;
        id = end + 1;
    }
    // 150 of the commune's centralized people are in a facility, ten to a room.
    let stays = centralized_today.len().min(150);
    let db = store.connection();
    db.execute(
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
                1i64.into(),
                wards[target].province.clone().into(),
                wards[target].id.clone().into(),
                "Khu cách ly tập trung KTX Trường Cao đẳng".into(),
                "centralized".into(),
                "Bộ CHQS tỉnh".into(),
                "".into(),
                "".into(),
                200i64.into(),
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
    for r in 1..=20i64 {
        rooms.values_panic([r.into(), 1i64.into(), format!("P{r}").into(), 10i64.into()]);
    }
    db.execute(&rooms).await?;
    if stays > 0 {
        let mut q = Query::insert()
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
        for (k, order_id) in centralized_today.iter().take(stays).enumerate() {
            // Person i has order i.
            q.values_panic([
                (k as i64 + 1).into(),
                wards[target].province.clone().into(),
                1i64.into(),
                (k as i64 / 10 + 1).into(),
                (*order_id).into(),
                "f1".into(),
                today.into(),
                today.into(),
                Option::<NaiveDate>::None.into(),
                Option::<String>::None.into(),
                now.into(),
                "bench".into(),
            ]);
        }
        db.execute(&q).await?;
    }
    store
        .bulk_finish(&Who::console(), None, "benchmark: quarantine orders")
        .await?;
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('quarantine_orders','id'), (SELECT MAX(id) FROM quarantine_orders)); \
             SELECT setval(pg_get_serial_sequence('quarantine_checkins','id'), (SELECT MAX(id) FROM quarantine_checkins)); \
             SELECT setval(pg_get_serial_sequence('facilities','id'), (SELECT MAX(id) FROM facilities)); \
             SELECT setval(pg_get_serial_sequence('facility_rooms','id'), (SELECT MAX(id) FROM facility_rooms)); \
             SELECT setval(pg_get_serial_sequence('facility_stays','id'), (SELECT MAX(id) FROM facility_stays)); \
             ANALYZE quarantine_orders, quarantine_checkins, facility_stays",
        )
        .await?;
    } else {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(Generated {
        checkins: checkins_written,
        stays,
    })
}
