//! `chongdich-bench import [--rows N] [--shared-strings] [--keep]`: the Excel import of a
//! returnee list of N rows (default 100,000) on a fresh database (SQLite, or PostgreSQL when
//! DATABASE_URL names one) with the units of Lai Châu.
//!
//! The list is written as an .xlsx with rust_xlsxwriter: its text inline in the cells (constant
//! memory), or with `--shared-strings` in a shared-strings table as Excel itself writes (the
//! reader then holds the table in memory). A title, the header
//! row, then one person a row — name, CCCD (unique, agreeing with birth year and sex), birth
//! year, sex, phone, commune and district among Lai Châu's, village, subject (returnee or F1),
//! doses and last dose; one row in a thousand has a bad phone number. It then goes through the
//! functions the pages and the API use: the upload (the header found, the job kept), the check
//! (every row: fields, commune, duplicates in the file and in the database, the order), and the
//! run in the background (checked again, then written in one transaction), followed until done.
//! Printed: the time of each step and the peak resident memory during it (VmHWM, reset before
//! each step through /proc/self/clear_refs). Target: validate + import < 30 s.

use anyhow::{Context, Result, bail};
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::import::{ImportKind, ImportSettings};
use chongdich_domain::person::Sex;
use chongdich_domain::quarantine::order::FallbackDraft;
use chongdich_domain::returnee::BatchDraft;
use chongdich_store::audit::Who;
use chongdich_store::imports::JobStatus;
use chongdich_synth::Rng;
use chongdich_web::imports as engine;
use chongdich_web::{AppState, WebSettings};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use std::time::{Duration, Instant};

const PROVINCE: &str = "12";

/// Peak and current resident memory of this process, in MB (VmHWM, VmRSS).
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (kb("VmHWM:"), kb("VmRSS:"))
}

/// Starts a new peak (Linux: writing 5 to clear_refs resets VmHWM to the current RSS).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

struct Commune {
    name: String,
    district: String,
}

/// The list: a title, the header, `n` people.
fn workbook(n: usize, communes: &[Commune], shared: bool) -> Result<Vec<u8>> {
    let mut rng = Rng::new(20210620);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = if shared {
        wb.add_worksheet_with_low_memory()?
    } else {
        wb.add_worksheet_with_constant_memory()?
    };
    ws.write_string(0, 0, "DANH SÁCH CÔNG DÂN TỪ TP. BẮC GIANG VỀ ĐỊA PHƯƠNG")?;
    let headers = [
        "STT",
        "Họ và tên",
        "Số CCCD/CMND",
        "Năm sinh",
        "Giới tính",
        "SĐT",
        "Xã/Phường",
        "Huyện",
        "Thôn, bản, tổ",
        "Đối tượng",
        "Số mũi",
        "Ngày tiêm mũi cuối",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(2, c as u16, *h)?;
    }
    for i in 0..n {
        let r = (i + 3) as u32;
        let sex = if rng.chance(0.5) {
            Sex::Male
        } else {
            Sex::Female
        };
        let year = 1950 + rng.below(55) as u32;
        // CCCD: province 012, the century and sex digit, the year, a serial unique per row.
        let digit = match (sex, year >= 2000) {
            (Sex::Male, false) => 0,
            (Sex::Female, false) => 1,
            (Sex::Male, true) => 2,
            (Sex::Female, true) => 3,
        };
        let cccd = format!("012{digit}{:02}{:06}", year % 100, i);
        let phone = if i % 1000 == 999 {
            "12345".to_owned()
        } else {
            format!("09{:08}", rng.below(100_000_000))
        };
        let c = rng.pick(communes);
        let doses = rng.below(3);
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, chongdich_synth::names::full_name(&mut rng, sex))?;
        ws.write_string(r, 2, &cccd)?;
        ws.write_number(r, 3, f64::from(year))?;
        ws.write_string(r, 4, if sex == Sex::Male { "Nam" } else { "Nữ" })?;
        ws.write_string(r, 5, &phone)?;
        ws.write_string(r, 6, &c.name)?;
        ws.write_string(r, 7, &c.district)?;
        ws.write_string(r, 8, format!("Bản {}", 1 + rng.below(20)))?;
        ws.write_string(
            r,
            9,
            if rng.chance(0.8) {
                "người về"
            } else {
                "F1"
            },
        )?;
        ws.write_number(r, 10, doses as f64)?;
        if doses > 0 {
            ws.write_string(r, 11, format!("{:02}/05/2021", 1 + rng.below(28)))?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

pub async fn run(args: &[String]) -> Result<()> {
    let mut n: usize = 100_000;
    let mut keep = false;
    let mut shared_strings = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--rows" => n = it.next().context("--rows N")?.parse()?,
            "--shared-strings" => shared_strings = true,
            "--keep" => keep = true,
            other => bail!("unknown option {other} (--rows N, --shared-strings, --keep)"),
        }
    }
    let (clock, shared, db, engine_name) =
        crate::pages::fresh_db(chrono::NaiveDate::from_ymd_opt(2021, 6, 24).context("date")?)
            .await?;
    let store = db.store.clone();
    println!("# Excel import of a returnee list ({engine_name}, {n} rows, province {PROVINCE})");
    let units = chongdich_store::units::embedded()?;
    store.import_units(&units.data(), Some(&[PROVINCE])).await?;
    // Lai Châu's communes in 2021, with their district.
    let communes: Vec<Commune> = store
        .connection()
        .query_all(
            &Query::select()
                .expr_as(Expr::cust("a.name"), "name")
                .expr_as(Expr::cust("p.name"), "district")
                .from_as("areas", "a")
                .join_as(
                    sea_orm::sea_query::JoinType::InnerJoin,
                    "areas",
                    "p",
                    Expr::cust("p.id = a.parent_id"),
                )
                .and_where(Expr::cust("a.level").eq("ward"))
                .and_where(Expr::cust("a.structure").eq("legacy"))
                .and_where(Expr::cust("a.province_code").eq(PROVINCE))
                .to_owned(),
        )
        .await?
        .iter()
        .filter_map(|r| {
            Some(Commune {
                name: r.try_get("", "name").ok()?,
                district: r.try_get("", "district").ok()?,
            })
        })
        .collect();
    anyhow::ensure!(!communes.is_empty(), "no communes of province {PROVINCE}");

    let t0 = Instant::now();
    let bytes = workbook(n, &communes, shared_strings)?;
    let limit = WebSettings::default().upload_limit;
    println!(
        "file: {n} rows, {:.1} MB .xlsx ({}; upload limit {} MB), written in {}",
        bytes.len() as f64 / 1e6,
        if shared_strings {
            "shared strings, as Excel writes"
        } else {
            "inline strings"
        },
        limit / (1024 * 1024),
        secs(t0.elapsed())
    );
    if bytes.len() > limit {
        println!("  (larger than the upload limit: the pages and the API would refuse it)");
    }

    let state = AppState::new(store.clone(), shared, WebSettings::default());
    let scope = Scope::of([AreaId::parse("N12")?]);
    let who = Who {
        username: "bench".into(),
        ..Who::console()
    };
    let today = chongdich_domain::clock::Clock::today(&clock);
    let can_reset = reset_peak();
    let (_, rss0) = memory();
    println!(
        "resident memory before: {rss0:.0} MB{}",
        if can_reset {
            ""
        } else {
            " (peaks below are of the whole run: /proc/self/clear_refs not writable)"
        }
    );

    let t = Instant::now();
    let (job, preview) = engine::upload(
        &store,
        &scope,
        &who,
        today,
        engine::Upload {
            kind: ImportKind::Returnees,
            settings: ImportSettings {
                batch: BatchDraft {
                    area_id: "L03386".into(),
                    origin: "TP. Bắc Giang".into(),
                    origin_level: "vùng phong tỏa".into(),
                    transport: "xe khách".into(),
                    arrived_on: "20/06/2021".into(),
                    ..BatchDraft::default()
                },
                fallback: FallbackDraft {
                    fallback_kind: "home".into(),
                    fallback_days: "14".into(),
                    fallback_test_days: "1, 7, 14".into(),
                    fallback_monitoring_days: "14".into(),
                    fallback_basis: "Thông báo 000/TB-UBND ngày 18/6/2021 của UBND tỉnh Lai Châu"
                        .into(),
                },
                ..ImportSettings::default()
            },
            file_name: "ds-bac-giang.xlsx".into(),
            content: bytes,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("upload: {e}"))?;
    let (peak, _) = memory();
    println!(
        "upload (header on line {}, job kept): {}, peak {peak:.0} MB",
        preview.header_line,
        secs(t.elapsed())
    );

    reset_peak();
    let t = Instant::now();
    let (job, report) = engine::check_job(&store, &scope, &who, today, job.id, None)
        .await
        .map_err(|e| anyhow::anyhow!("check: {e}"))?;
    let validate = t.elapsed();
    let (peak, rss) = memory();
    println!(
        "validate: {} rows ({} valid, {} bad, first bad line {}) in {}, peak {peak:.0} MB (now {rss:.0} MB)",
        report.total,
        report.valid,
        report.invalid,
        report.rows.first().map(|r| r.line).unwrap_or(0),
        secs(validate)
    );

    reset_peak();
    let t = Instant::now();
    engine::start(&state, scope.clone(), who.clone(), job.id)
        .await
        .map_err(|e| anyhow::anyhow!("run: {e}"))?;
    // Meanwhile another user writes (remembers a mapping) every 500 ms: how long does a write
    // wait while the import holds the write transaction?
    let (mut writes, mut failed, mut slowest) = (0u32, Vec::new(), Duration::ZERO);
    let done = loop {
        let w = Instant::now();
        match store
            .remember_import_mapping("other", ImportKind::Returnees, "{}")
            .await
        {
            Ok(()) => writes += 1,
            Err(e) => failed.push(e.to_string()),
        }
        slowest = slowest.max(w.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
        let j = store.import_job(&who, job.id).await?;
        if j.status() != JobStatus::Running {
            break j;
        }
    };
    let import = t.elapsed();
    let (peak, rss) = memory();
    anyhow::ensure!(
        done.status() == JobStatus::Done,
        "the import failed: {}",
        done.error
    );
    println!(
        "import (checked again, then written in one transaction): {} rows in {}, peak {peak:.0} MB (now {rss:.0} MB)",
        done.imported,
        secs(import)
    );
    println!(
        "another user's writes during the import: {writes} done, {} failed{}, slowest {}",
        failed.len(),
        failed
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default(),
        secs(slowest)
    );
    let total = validate + import;
    println!(
        "validate + import: {} (target < 30 s) {}",
        secs(total),
        if total < Duration::from_secs(30) {
            "OK"
        } else {
            "TOO SLOW"
        }
    );
    if keep {
        println!("database kept: {}", db.url);
        std::mem::forget(db);
    }
    Ok(())
}
