//! The surveillance benchmarks: a synthetic dataset of a given size in a given database, then
//! the queries that matter at that size, each measured many times (p50/p99).
//!
//! ```sh
//! cargo build --release -p chongdich-bench -p chongdich
//! target/release/chongdich-bench surveillance --database-url sqlite:///tmp/bench.db?mode=rwc \
//!     --people 1000000 --cases 100000
//! target/release/chongdich-bench surveillance --database-url postgres://…/bench_10m \
//!     --people 10000000 --cases 1000000
//! ```
//!
//! Options: `--seed N` (42), `--today YYYY-MM-DD` (2021-09-30: rule set v2, F1–F5 over 21 days,
//! the heaviest contact tracing), `--province all|12,20` (all), `--samples N` (200 per
//! query), `--export-rows N` (1,000,000), `--skip-generate` (measure the data already there),
//! `--only search,cases,confirm,outbreak,export` (some sections only).
//!
//! Targets: person search p99 < 50 ms; case list p99 < 100 ms; confirming a case with 50
//! contacts < 50 ms; the page data of a 1,000-case outbreak < 300 ms; an Excel export of 1M
//! case rows < 60 s in < 200 MB; generating 10M people / 1M cases on PostgreSQL < 15 min.

use crate::{ms, percentile};
use anyhow::{Context, Result, bail};
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::case::{CaseDates, CaseInput, Classification, FoundIn, Setting};
use chongdich_domain::clock::{SharedClock, ShiftedClock};
use chongdich_domain::exposure::{Certainty, ExposureInput, Proximity};
use chongdich_domain::text::search_key;
use chongdich_store::Store;
use chongdich_store::audit::Who;
use chongdich_store::bulk::{BulkData, ExposureRecord};
use chongdich_store::cases::{CaseFilter, CaseRow};
use chongdich_store::contacts::{Chain, Exposed};
use chongdich_store::outbreaks::CurvePoint;
use chongdich_store::persons::PersonFilter;
use chongdich_synth::Rng;
use chrono::{Duration as Days, NaiveDate};
use sea_orm::{ConnectionTrait, Statement};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Opts {
    url: String,
    people: u64,
    cases: u64,
    seed: u64,
    today: NaiveDate,
    provinces: Option<Vec<String>>,
    samples: usize,
    export_rows: u64,
    skip_generate: bool,
    /// Only these sections (search, cases, confirm, outbreak, risk, export); empty: all.
    only: Vec<String>,
}

impl Opts {
    fn wants(&self, section: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|s| s == section)
    }
}

fn parse(args: &[String]) -> Result<Opts> {
    let mut o = Opts {
        url: std::env::var("DATABASE_URL").unwrap_or_default(),
        people: 1_000_000,
        cases: 100_000,
        seed: 42,
        today: NaiveDate::from_ymd_opt(2021, 9, 30).context("date")?,
        provinces: None,
        samples: 200,
        export_rows: 1_000_000,
        skip_generate: false,
        only: Vec::new(),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .with_context(|| format!("{a} needs a value"))
                .cloned()
        };
        match a.as_str() {
            "--database-url" => o.url = value()?,
            "--people" => o.people = value()?.parse()?,
            "--cases" => o.cases = value()?.parse()?,
            "--seed" => o.seed = value()?.parse()?,
            "--today" => o.today = NaiveDate::parse_from_str(&value()?, "%Y-%m-%d")?,
            "--province" => {
                let v = value()?;
                o.provinces = (v != "all").then(|| v.split(',').map(str::to_owned).collect());
            }
            "--samples" => o.samples = value()?.parse()?,
            "--export-rows" => o.export_rows = value()?.parse()?,
            "--skip-generate" => o.skip_generate = true,
            "--only" => o.only = value()?.split(',').map(str::to_owned).collect(),
            other => bail!("unknown option {other}"),
        }
    }
    if o.url.is_empty() {
        bail!("--database-url (or DATABASE_URL) is needed");
    }
    Ok(o)
}

/// One line of the final table.
struct Line {
    what: String,
    figure: String,
    target: String,
    met: Option<bool>,
}

pub(crate) struct Report {
    engine: String,
    scale: String,
    lines: Vec<Line>,
}

impl Report {
    pub(crate) fn timed(&mut self, what: &str, times: &mut [Duration], target_ms: Option<f64>) {
        times.sort();
        let p50 = percentile(times, 0.5);
        let p99 = percentile(times, 0.99);
        let max = times.last().copied().unwrap_or_default();
        let figure = format!(
            "n={} p50 {} p99 {} max {}",
            times.len(),
            ms(p50),
            ms(p99),
            ms(max)
        );
        println!("{what}: {figure}");
        self.lines.push(Line {
            what: what.to_owned(),
            figure,
            target: target_ms
                .map(|t| format!("p99 < {t} ms"))
                .unwrap_or_default(),
            met: target_ms.map(|t| p99.as_secs_f64() * 1000.0 < t),
        });
    }

    pub(crate) fn line(&mut self, what: &str, figure: String, target: &str, met: Option<bool>) {
        println!("{what}: {figure}");
        self.lines.push(Line {
            what: what.to_owned(),
            figure,
            target: target.to_owned(),
            met,
        });
    }

    fn print(&self) {
        println!(
            "\n### {} — {}\n\n| measure | figure | target | met |\n|---|---|---|---|",
            self.engine, self.scale
        );
        for l in &self.lines {
            println!(
                "| {} | {} | {} | {} |",
                l.what,
                l.figure,
                l.target,
                match l.met {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "",
                }
            );
        }
    }
}

async fn rows(store: &Store, sql: &str) -> Result<Vec<sea_orm::QueryResult>> {
    let db = store.connection();
    Ok(db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await?)
}

/// Scope of the administrator of a person's province, in the structure of their area.
fn province_scope(area_id: &str, province: &str) -> Result<Scope> {
    let prefix = if area_id.starts_with('N') { "N" } else { "L" };
    Ok(Scope::of([AreaId::parse(&format!("{prefix}{province}"))?]))
}

pub async fn run(args: &[String]) -> Result<()> {
    let o = parse(args)?;
    let clock: SharedClock = Arc::new(ShiftedClock::to_date(o.today, chrono::Utc::now()));
    if let Some(path) = o.url.strip_prefix("sqlite://")
        && let Some(dir) = std::path::Path::new(path.split('?').next().unwrap_or(path)).parent()
    {
        std::fs::create_dir_all(dir)?;
    }
    let store = Store::connect(&o.url, clock.clone()).await?;
    store.migrate().await?;
    let engine = match store.engine() {
        chongdich_store::Engine::Sqlite => "SQLite",
        chongdich_store::Engine::Postgres => "PostgreSQL",
    };
    let mut report = Report {
        engine: engine.to_owned(),
        scale: format!("{} people / {} cases", o.people, o.cases),
        lines: Vec::new(),
    };
    println!("# surveillance benchmarks on {engine} ({})", report.scale);
    let mut big = None;
    if !o.skip_generate {
        let units = chongdich_store::units::embedded()?;
        let t = Instant::now();
        let imported = store.import_units(&units.data(), None).await?;
        report.line(
            "units import (all, both structures)",
            format!(
                "{} areas in {:.1} s",
                imported.areas,
                t.elapsed().as_secs_f64()
            ),
            "",
            None,
        );
        let opts = chongdich_web::demo::GenerateOptions {
            seed: o.seed,
            provinces: o.provinces.clone(),
            people: o.people,
            cases: o.cases,
            today: o.today,
            chunk: 20_000,
        };
        let mut last = Instant::now();
        let g = chongdich_web::demo::generate(&store, &opts, |r| {
            if last.elapsed() >= Duration::from_secs(15) {
                last = Instant::now();
                eprintln!(
                    "  {:.0} s: {} people, {} cases, {} exposures, {} samples ({:.0} rows/s)",
                    r.seconds,
                    r.people,
                    r.cases,
                    r.exposures,
                    r.samples,
                    r.rows() as f64 / r.seconds.max(0.001)
                );
            }
        })
        .await?;
        big = g.big_outbreak_id;
        let big_target = o.people >= 10_000_000 && engine == "PostgreSQL";
        report.line(
            "generation",
            format!(
                "{} rows ({}) in {:.0} s = {:.1} min, {:.0} rows/s",
                g.rows(),
                g.summary(),
                g.seconds,
                g.seconds / 60.0,
                g.rows() as f64 / g.seconds
            ),
            if big_target {
                "10M people / 1M cases on PG < 15 min"
            } else {
                ""
            },
            big_target.then_some(g.seconds < 15.0 * 60.0),
        );
    }
    let n = o.samples;
    let who = Who::console();
    let everywhere = Scope::everywhere();
    let mut rng = Rng::new(o.seed ^ 0xbe9c);
    let bounds = rows(&store, "SELECT MIN(id) AS lo, MAX(id) AS hi FROM persons").await?;
    let (lo, hi): (i64, i64) = match bounds.first() {
        Some(r) => (r.try_get("", "lo")?, r.try_get("", "hi")?),
        None => bail!("no people"),
    };
    // Sample people (with a CCCD) spread over the table.
    let span = u64::try_from(hi - lo + 1)?;
    let ids: Vec<String> = (0..n * 2)
        .map(|_| (lo + i64::try_from(rng.below(span)).unwrap_or(0)).to_string())
        .collect();
    let sample = rows(
        &store,
        &format!(
            "SELECT id, full_name, id_number, province_code, area_id FROM persons \
             WHERE id_number IS NOT NULL AND id IN ({})",
            ids.join(",")
        ),
    )
    .await?;
    let mut people: Vec<(i64, String, String, String, String)> = Vec::new();
    for r in &sample {
        people.push((
            r.try_get("", "id")?,
            r.try_get("", "full_name")?,
            r.try_get("", "id_number")?,
            r.try_get::<Option<String>>("", "province_code")?
                .unwrap_or_default(),
            r.try_get("", "area_id")?,
        ));
    }
    people.truncate(n);
    if o.wants("search") {
        println!("\n## person search ({} people sampled)", people.len());
        // Each kind of query gets at most a minute: a query that takes seconds is reported with
        // the samples it had time for.
        let budget = Duration::from_secs(60);
        for (label, national) in [("province admin", false), ("national", true)] {
            for kind in ["CCCD", "name", "given"] {
                let mut times = Vec::new();
                let mut found = 0usize;
                let started = Instant::now();
                for (_, name, number, province, area) in &people {
                    if started.elapsed() > budget {
                        break;
                    }
                    let scope = if national {
                        everywhere.clone()
                    } else {
                        province_scope(area, province)?
                    };
                    let key = search_key(name);
                    let q = match kind {
                        "CCCD" => number.clone(),
                        // "Nguyễn Văn Hù…": the name with the end of the given name missing.
                        "name" => key
                            .chars()
                            .take(key.chars().count().saturating_sub(2).max(3))
                            .collect(),
                        // "Hùng Nguyễn": the given name, then the family name.
                        _ => {
                            let words: Vec<&str> = key.split(' ').collect();
                            format!(
                                "{} {}",
                                words.last().unwrap_or(&""),
                                words.first().unwrap_or(&"")
                            )
                        }
                    };
                    let f = PersonFilter {
                        q,
                        ..Default::default()
                    };
                    let t = Instant::now();
                    let page = store.persons(&scope, &who, &f, 20, 0).await?;
                    times.push(t.elapsed());
                    found += usize::from(page.total > 0);
                }
                if found != times.len() {
                    println!(
                        "  (warning: {found} of {} searches found someone)",
                        times.len()
                    );
                }
                let what = match kind {
                    "CCCD" => format!("person search by CCCD, {label}"),
                    "name" => format!("person search by name prefix (\"nguyen van hu\"), {label}"),
                    _ => {
                        format!(
                            "person search by given name + family name (\"hung nguyen\"), {label}"
                        )
                    }
                };
                report.timed(&what, &mut times, Some(50.0));
            }
        }
    }

    // The case list: confirmed COVID-19 cases of a district over 90 days, by a province admin.
    let disease = store.disease_by_code("covid19").await?.disease.id;
    let case_bounds = rows(&store, "SELECT MIN(id) AS lo, MAX(id) AS hi FROM cases").await?;
    let (clo, chi): (Option<i64>, Option<i64>) = match case_bounds.first() {
        Some(r) => (r.try_get("", "lo")?, r.try_get("", "hi")?),
        None => (None, None),
    };
    if let (Some(clo), Some(chi), true) = (clo, chi, o.wants("cases")) {
        let ids: Vec<String> = (0..n)
            .map(|_| {
                (clo + i64::try_from(rng.below(u64::try_from(chi - clo + 1).unwrap_or(1)))
                    .unwrap_or(0))
                .to_string()
            })
            .collect();
        let picked = rows(
            &store,
            &format!(
                "SELECT c.area_id, a.parent_id, c.province_code, c.curve_date FROM cases c \
                 JOIN areas a ON a.id = c.area_id WHERE c.id IN ({})",
                ids.join(",")
            ),
        )
        .await?;
        let mut times = Vec::new();
        let mut province_times = Vec::new();
        let mut totals = 0i64;
        for r in &picked {
            let area: String = r.try_get("", "area_id")?;
            let parent: Option<String> = r.try_get("", "parent_id")?;
            let province: Option<String> = r.try_get("", "province_code")?;
            let day: NaiveDate = r.try_get("", "curve_date")?;
            let scope = province_scope(&area, province.as_deref().unwrap_or(""))?;
            let mut f = CaseFilter {
                disease_id: Some(disease),
                classification: Some(Classification::Confirmed),
                from: Some(day - Days::days(60)),
                to: Some(day + Days::days(30)),
                area: parent.as_deref().map(AreaId::parse).transpose()?,
                ..Default::default()
            };
            let t = Instant::now();
            let page = store.cases(&scope, &who, &f, 50, 0).await?;
            times.push(t.elapsed());
            totals += page.total;
            f.area = None;
            let t = Instant::now();
            store.cases(&scope, &who, &f, 50, 0).await?;
            province_times.push(t.elapsed());
        }
        println!(
            "\n## case list (average total {:.0} rows per district filter)",
            totals as f64 / picked.len().max(1) as f64
        );
        report.timed(
            "case list: confirmed + disease + 90 days + district, province scope, first page of 50",
            &mut times,
            Some(100.0),
        );
        report.timed(
            "case list: same without the district (whole province)",
            &mut province_times,
            Some(100.0),
        );
    }

    // Confirming a case with 50 contacts (F-levels recomputed in the same transaction). The
    // contacts are loaded in bulk (at this scale 1,000 single inserts, each recomputing the
    // levels around it, would dominate the run); `add_exposure` is timed on its own after.
    if o.wants("confirm") {
        println!("\n## confirming a case with 50 contacts");
        let today = o.today;
        let rounds = (n / 4).clamp(1, 100);
        let mut suspects = Vec::new();
        let t = Instant::now();
        let mut next = store.bulk_first_ids().await?;
        while suspects.len() < rounds {
            let p = lo + i64::try_from(rng.below(u64::try_from(hi - lo + 1)?)).unwrap_or(0);
            if !store.cases_of_person(&everywhere, p).await?.is_empty() {
                continue;
            }
            let case = store
                .create_case(&everywhere, &who, p, &suspect(today))
                .await?;
            let mut data = BulkData::default();
            while data.exposures.len() < 50 {
                let c = lo + i64::try_from(rng.below(u64::try_from(hi - lo + 1)?)).unwrap_or(0);
                if c == p {
                    continue;
                }
                data.exposures.push(ExposureRecord {
                    id: next.exposure,
                    province_code: None,
                    disease_id: disease,
                    source_person_id: p,
                    exposed_person_id: c,
                    first_date: today - Days::days(4),
                    last_date: today - Days::days(1),
                    setting: Setting::Office,
                    proximity: Proximity::Within2m,
                    duration_minutes: Some(30),
                    certainty: Certainty::Confirmed,
                    notes: String::new(),
                    created_at: chrono::Utc::now(),
                    created_by: "bench".into(),
                });
                next.exposure += 1;
            }
            store.bulk_insert(&data).await?;
            suspects.push((p, case));
        }
        store
            .bulk_finish(&who, None, "benchmark: 50 contacts of each test case")
            .await?;
        println!(
            "  (set up {rounds} suspected cases with 50 contacts each in {:.1} s)",
            t.elapsed().as_secs_f64()
        );
        let mut confirm = Vec::new();
        let mut held = 0;
        for &(p, case) in &suspects {
            let t = Instant::now();
            store
                .classify_case(
                    &everywhere,
                    &who,
                    case,
                    Classification::Confirmed,
                    "RT-PCR dương tính",
                    None,
                )
                .await?;
            confirm.push(t.elapsed());
            held += store.held_by(&everywhere, p, disease).await?.len();
        }
        println!(
            "  (each new F0 holds {:.1} F1s on average: the other contacts are F0s themselves or \
         nearer another F0)",
            held as f64 / rounds as f64
        );
        report.timed(
            "confirming a case with 50 contacts (classify_case)",
            &mut confirm,
            Some(50.0),
        );
        // One more contact of each new F0, through the app's own path.
        let mut add = Vec::new();
        for &(p, _) in &suspects {
            let c = lo + i64::try_from(rng.below(u64::try_from(hi - lo + 1)?)).unwrap_or(0);
            if c == p {
                continue;
            }
            let t = Instant::now();
            store
                .add_exposure(
                    &everywhere,
                    &who,
                    disease,
                    p,
                    &Exposed::Existing(c),
                    &ExposureInput {
                        first_date: today - Days::days(1),
                        last_date: today - Days::days(1),
                        setting: Setting::Office,
                        proximity: Proximity::Within2m,
                        duration_minutes: Some(30),
                        certainty: Certainty::Confirmed,
                        notes: String::new(),
                    },
                )
                .await?;
            add.push(t.elapsed());
        }
        report.timed("adding a contact to an F0 (add_exposure)", &mut add, None);
    }

    // The page of the 1,000-case outbreak.
    let outbreak = match big.filter(|_| o.wants("outbreak")) {
        Some(b) => Some(b),
        None if !o.wants("outbreak") => None,
        None => rows(
            &store,
            "SELECT outbreak_id FROM cases WHERE outbreak_id IS NOT NULL GROUP BY outbreak_id \
             ORDER BY ABS(COUNT(*) - 1000), outbreak_id LIMIT 1",
        )
        .await?
        .first()
        .map(|r| r.try_get::<i64>("", "outbreak_id"))
        .transpose()?,
    };
    if let Some(id) = outbreak {
        let row = store.outbreak_row(&everywhere, id).await?;
        let scope = Scope::of([AreaId::parse(&format!(
            "{}{}",
            if row.area_id.starts_with('N') {
                "N"
            } else {
                "L"
            },
            row.province_code.clone().unwrap_or_default()
        ))?]);
        println!(
            "\n## outbreak page: #{id} {} ({} confirmed cases)",
            row.name, row.case_count
        );
        let mut times = Vec::new();
        let mut phases: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
        let mut svg_bytes = 0;
        for _ in 0..20.min(n) {
            let start = Instant::now();
            let mut lap = Instant::now();
            let mut mark = |name: &'static str, lap: &mut Instant| {
                phases.entry(name).or_default().push(lap.elapsed());
                *lap = Instant::now();
            };
            let o = store.outbreak_row(&scope, id).await?;
            mark("outbreak_row", &mut lap);
            let f = CaseFilter {
                outbreak_id: Some(id),
                ..Default::default()
            };
            let curve = store.curve(&scope, &f).await?;
            mark("curve", &mut lap);
            let chain = store.outbreak_chain(&scope, id).await?;
            mark("outbreak_chain", &mut lap);
            let zones = store.zones(id).await?;
            mark("zones", &mut lap);
            let page = store.cases(&scope, &who, &f, 50, 0).await?;
            mark("cases (first page)", &mut lap);
            let a = chain_svg(&chain, &o.name);
            mark("chain SVG", &mut lap);
            let b = curve_svg(&curve, &o.name);
            mark("curve SVG", &mut lap);
            times.push(start.elapsed());
            svg_bytes = a.len() + b.len() + zones.len() + page.items.len();
        }
        for (name, mut t) in phases {
            t.sort();
            println!("  {name}: p50 {}", ms(percentile(&t, 0.5)));
        }
        println!("  ({} KB of SVG)", svg_bytes / 1024);
        report.timed(
            &format!("outbreak page data + SVGs ({} cases)", row.case_count),
            &mut times,
            Some(300.0),
        );
    }

    if o.wants("risk") {
        crate::risk::section(&store, clock.clone(), o.today, &mut report).await?;
    }

    // The Excel export, in a child process to measure its peak memory.
    if o.wants("export") {
        println!("\n## Excel export");
        let path = std::env::temp_dir().join(format!(
            "chongdich-bench-export-{}.xlsx",
            std::process::id()
        ));
        let out = std::process::Command::new(std::env::current_exe()?)
            .args([
                "export-child",
                &o.url,
                &o.export_rows.to_string(),
                &path.display().to_string(),
            ])
            .output()?;
        let _ = std::fs::remove_file(&path);
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find(|l| l.starts_with("EXPORT "))
            .with_context(|| format!("export failed: {}", String::from_utf8_lossy(&out.stderr)))?;
        let parts: Vec<&str> = line.split_whitespace().collect();
        let (rows_n, secs, hwm, size): (u64, f64, u64, u64) = (
            parts[1].parse()?,
            parts[2].parse()?,
            parts[3].parse()?,
            parts[4].parse()?,
        );
        let million = rows_n >= 1_000_000;
        report.line(
            "Excel export (cases_chunk × 5,000, constant memory)",
            format!(
                "{rows_n} rows in {secs:.1} s, peak RSS {:.0} MB, file {:.0} MB",
                hwm as f64 / 1024.0,
                size as f64 / 1_048_576.0
            ),
            if million {
                "1M rows < 60 s, < 200 MB"
            } else {
                "(fewer than 1M rows)"
            },
            million.then_some(secs < 60.0 && hwm < 200 * 1024),
        );
    }
    report.print();
    Ok(())
}

fn suspect(today: NaiveDate) -> CaseInput {
    CaseInput {
        disease: "covid19".into(),
        classification: Classification::Suspected,
        case_code: None,
        dates: CaseDates {
            onset: Some(today - Days::days(2)),
            sample: Some(today - Days::days(1)),
            confirmed: None,
            isolated: Some(today),
        },
        found_in: FoundIn::Community,
        source_known: false,
        setting: Setting::Household,
        treatment_place: String::new(),
        illegal_entry: false,
        notes: String::new(),
    }
}

fn chain_svg(chain: &Chain, title: &str) -> String {
    let nodes: Vec<chongdich_svg::chain::Node> = chain
        .nodes
        .iter()
        .map(|n| chongdich_svg::chain::Node {
            id: n.person_id,
            label: match n.level {
                Some(l) => format!("F{l} · {}", n.full_name),
                None => n.full_name.clone(),
            },
            sublabel: n
                .case_code
                .clone()
                .map(|c| format!("BN {c}"))
                .unwrap_or_else(|| format!("#{}", n.person_id)),
            level: n.level,
            href: Some(format!("/persons/{}", n.person_id)),
        })
        .collect();
    let edges: Vec<chongdich_svg::chain::Edge> = chain
        .edges
        .iter()
        .map(|e| chongdich_svg::chain::Edge {
            from: e.source,
            to: e.exposed,
            label: e.first_date.format("%d/%m").to_string(),
        })
        .collect();
    chongdich_svg::chain::chain(&nodes, &edges, None, title)
}

fn curve_svg(points: &[CurvePoint], title: &str) -> String {
    let kinds = [
        "community",
        "quarantine",
        "lockdown",
        "point_of_entry",
        "hospital",
    ];
    let series: Vec<chongdich_svg::curve::Series> = kinds
        .iter()
        .map(|k| chongdich_svg::curve::Series {
            label: FoundIn::parse(k)
                .map(|f| f.label().to_owned())
                .unwrap_or_default(),
            color: String::new(),
        })
        .collect();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return chongdich_svg::curve::epi_curve(&[], &series, title);
    };
    let mut days = Vec::new();
    let mut d = first.day;
    while d <= last.day {
        let values = kinds
            .iter()
            .map(|k| {
                points
                    .iter()
                    .filter(|p| p.day == d && p.found_in == *k)
                    .map(|p| u32::try_from(p.n).unwrap_or(0))
                    .sum()
            })
            .collect();
        days.push(chongdich_svg::curve::Day {
            label: d.format("%d/%m").to_string(),
            values,
        });
        d += Days::days(1);
    }
    chongdich_svg::curve::epi_curve(&days, &series, title)
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

const HEADERS: [&str; 14] = [
    "Mã ca",
    "Mã BN",
    "Họ và tên",
    "Năm sinh",
    "Giới tính",
    "Địa bàn",
    "Phân loại",
    "Ngày khởi phát",
    "Ngày lấy mẫu",
    "Ngày xác định",
    "Nơi phát hiện",
    "Bối cảnh",
    "Kết quả điều trị",
    "Ổ dịch",
];

fn cells(c: &CaseRow) -> [String; 14] {
    let d = |v: Option<NaiveDate>| {
        v.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default()
    };
    [
        c.id.to_string(),
        c.case_code.clone().unwrap_or_default(),
        c.full_name.clone(),
        c.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        c.sex.clone().unwrap_or_default(),
        c.area_name.clone(),
        c.classification.clone(),
        d(c.onset_date),
        d(c.sample_date),
        d(c.confirmed_date),
        c.found_in.clone(),
        c.setting.clone(),
        c.outcome.clone(),
        c.outbreak_id.map(|o| o.to_string()).unwrap_or_default(),
    ]
}

/// The child process of the export benchmark: `export-child URL ROWS PATH`; prints
/// `EXPORT rows seconds peak_rss_kb file_bytes`.
pub async fn export_child(args: &[String]) -> Result<()> {
    let [url, limit, path] = args else {
        bail!("export-child URL ROWS PATH");
    };
    let limit: u64 = limit.parse()?;
    let clock: SharedClock = Arc::new(chongdich_domain::clock::SystemClock);
    let started = Instant::now();
    let store = Store::connect(url, clock).await?;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet_with_constant_memory()?;
    ws.set_name("Ca bệnh")?;
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, u16::try_from(c)?, *h, &bold)?;
    }
    let mut row = 1u32;
    let mut after = 0i64;
    let mut done = 0u64;
    'outer: loop {
        let chunk = store
            .cases_chunk(&Scope::everywhere(), &CaseFilter::default(), after, 5_000)
            .await?;
        let Some(last) = chunk.last() else { break };
        after = last.id;
        for c in &chunk {
            if done >= limit {
                break 'outer;
            }
            ws.write_number(row, 0, c.id as f64)?;
            for (i, cell) in cells(c).iter().enumerate().skip(1) {
                if !cell.is_empty() {
                    ws.write_string(row, u16::try_from(i)?, cell)?;
                }
            }
            row += 1;
            done += 1;
        }
    }
    wb.save(path)?;
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!(
        "EXPORT {done} {:.2} {} {size}",
        started.elapsed().as_secs_f64(),
        vm_hwm_kb()
    );
    Ok(())
}
