//! Performance benchmarks (a bench binary, never a timed unit test).
//!
//! `cargo build --release && cargo run --release -p chongdich-bench`
//!
//! 1. Import of every unit of both structures and the ward mapping into a fresh SQLite file
//!    (and PostgreSQL when DATABASE_URL names one). Target: < 5 s on SQLite.
//! 2. Area search over every ward's name, diacritics removed. Target: p99 < 5 ms.
//! 3. The real server binary (demo province), its idle resident memory. Target: < 60 MB.
//! 4. 50 concurrent signed-in users loading pages over 127.0.0.1. Target: p99 < 20 ms.
//!
//! `chongdich-bench surveillance --database-url URL --people N --cases M`: the surveillance
//! benchmarks on a generated dataset (see [`surveillance`]).
//!
//! `chongdich-bench directive [--runs N] [--items N]`: the directive parser on a 20-page
//! document (see [`directive`]).
//!
//! `chongdich-bench tasks [--tasks N]`: the overdue-tasks page with N tasks (see [`tasks`]).
//!
//! `chongdich-bench facilities [--facilities N] [--stays M]`: the quarantine overview (see
//! [`facilities`]).
//!
//! `chongdich-bench import [--rows N]`: the Excel import of a returnee list (see [`import`]).
//!
//! `chongdich-bench quarantine [--orders N] [--load M]`: a commune's work list among N open
//! quarantine orders (see [`quarantine`]).

#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result, bail};
use chongdich_domain::access::Scope;
use chongdich_domain::clock::{SharedClock, SystemClock};
use chongdich_store::testing::TestDb;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod directive;
mod facilities;
mod import;
mod pages;
mod quarantine;
mod risk;
mod surveillance;
mod tasks;

const USERS: usize = 50;
const REQUESTS_PER_USER: usize = 200;
const THINKING_REQUESTS: usize = 60;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("surveillance") => return surveillance::run(&args[1..]).await,
        Some("directive") => return directive::run(&args[1..]),
        Some("tasks") => return tasks::run(&args[1..]).await,
        Some("facilities") => return facilities::run(&args[1..]).await,
        Some("import") => return import::run(&args[1..]).await,
        Some("quarantine") => return quarantine::run(&args[1..]).await,
        Some("export-child") => return surveillance::export_child(&args[1..]).await,
        Some(other) => {
            bail!("unknown benchmark {other} (none: the foundation benchmarks; surveillance)")
        }
        None => {}
    }
    let clock: SharedClock = Arc::new(SystemClock);
    println!(
        "# chongdich benchmarks ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    store_benchmarks(clock.clone(), "SQLite", None).await?;
    if let Some(url) = TestDb::engine_url() {
        store_benchmarks(clock.clone(), "PostgreSQL", Some(url)).await?;
    }
    server_benchmarks().await
}

async fn store_benchmarks(clock: SharedClock, engine: &str, pg: Option<String>) -> Result<()> {
    // TestDb picks PostgreSQL from DATABASE_URL; hide it for the SQLite pass.
    let saved = std::env::var("DATABASE_URL").ok();
    // SAFETY: single-threaded at this point of the benchmark; no other thread reads the environment.
    unsafe {
        match &pg {
            Some(url) => std::env::set_var("DATABASE_URL", url),
            None => std::env::remove_var("DATABASE_URL"),
        }
    }
    let db = TestDb::new(clock).await?;
    unsafe {
        if let Some(v) = saved {
            std::env::set_var("DATABASE_URL", v);
        }
    }
    let units = chongdich_store::units::embedded()?;
    let started = Instant::now();
    let imported = db.store.import_units(&units.data(), None).await?;
    let import = started.elapsed();
    println!(
        "\n## {engine}\nimport of all units, both structures: {} areas, {} closure rows, {} mapping pairs in {:.2} s (target < 5 s on SQLite)",
        imported.areas,
        imported.closure_rows,
        imported.mapping_rows,
        import.as_secs_f64()
    );

    // Search by every ward's name (a stride through all 13,356 wards of both structures).
    let names: Vec<&str> = units
        .legacy
        .iter()
        .chain(units.current.iter())
        .filter(|u| u.level == chongdich_domain::area::AreaLevel::Ward)
        .map(|u| u.name.as_str())
        .collect();
    let scope = Scope::everywhere();
    let mut times = Vec::with_capacity(names.len());
    let mut found = 0usize;
    for name in names.iter().step_by(4) {
        let plain = chongdich_domain::text::search_key(name);
        let t = Instant::now();
        let page = db.store.search_areas(&scope, &plain, None, 20, 0).await?;
        times.push(t.elapsed());
        found += usize::from(page.total > 0);
    }
    times.sort();
    println!(
        "area search (diacritics removed) over {} ward names: p50 {} p99 {} max {} (target p99 < 5 ms); {} of {} found",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap_or(&Duration::ZERO)),
        found,
        times.len()
    );
    // A scoped user's search (a province admin) costs the closure lookup too.
    let province = Scope::of([chongdich_domain::area::AreaId::parse("N12")?]);
    let mut scoped = Vec::new();
    for q in [
        "xa",
        "phuong",
        "muong",
        "tam duong",
        "lai chau",
        "san",
        "nam",
    ] {
        for _ in 0..50 {
            let t = Instant::now();
            db.store.search_areas(&province, q, None, 50, 0).await?;
            scoped.push(t.elapsed());
        }
    }
    scoped.sort();
    println!(
        "scoped search (province N12, short prefixes): p50 {} p99 {}",
        ms(percentile(&scoped, 0.5)),
        ms(percentile(&scoped, 0.99))
    );
    Ok(())
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Server {
    child: std::process::Child,
    addr: String,
    admin_password: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start_server() -> Result<Server> {
    let exe = std::env::current_exe()?.with_file_name("chongdich");
    if !exe.exists() {
        bail!(
            "{} not found: run `cargo build --release` first",
            exe.display()
        );
    }
    let dir = std::env::temp_dir().join(format!("chongdich-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut child = Command::new(&exe)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/bench.db?mode=rwc", dir.display()),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().context("server stdout")?;
    let mut admin_password = String::new();
    let mut addr = String::new();
    // The server prints the demo accounts, then the address it listens on.
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if line.trim_start().starts_with("quantri ") {
            admin_password = line.split_whitespace().last().unwrap_or("").to_owned();
        }
        if let Some(rest) = line.split("http://").nth(1) {
            addr = rest.split_whitespace().next().unwrap_or("").to_owned();
            break;
        }
    }
    if addr.is_empty() || admin_password.is_empty() {
        bail!("the server did not start");
    }
    Ok(Server {
        child,
        addr,
        admin_password,
        dir,
    })
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

async fn send(
    client: &HttpClient,
    req: Request<Full<Bytes>>,
) -> Result<(StatusCode, hyper::HeaderMap, Bytes)> {
    let res = client.request(req).await?;
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, headers, body))
}

fn set_cookie(headers: &hyper::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

async fn login(client: &HttpClient, base: &str, password: &str) -> Result<String> {
    let (_, headers, body) = send(
        client,
        Request::get(format!("{base}/login")).body(Full::default())?,
    )
    .await?;
    let cookie = set_cookie(&headers, "cd_login_csrf").context("login cookie")?;
    let html = String::from_utf8_lossy(&body);
    let start = html.find("name=\"csrf\" value=\"").context("csrf field")? + 19;
    let csrf = &html[start..start + 64];
    let form = serde_urlencoded::to_string([
        ("username", "quantri"),
        ("password", password),
        ("csrf", csrf),
        ("next", "/"),
    ])?;
    let (status, headers, _) = send(
        client,
        Request::post(format!("{base}/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(Full::new(Bytes::from(form)))?,
    )
    .await?;
    if status != StatusCode::SEE_OTHER {
        bail!("login failed: {status}");
    }
    set_cookie(&headers, "cd_session").context("session cookie")
}

async fn server_benchmarks() -> Result<()> {
    let server = start_server()?;
    let base = format!("http://{}", server.addr);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    // Idle: after start-up (schema, demo province, accounts), wait for the allocator to settle.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle = rss_kb(server.child.id()).unwrap_or(0);
    println!(
        "\n## server (release binary, SQLite, demo province)\nidle resident memory: {:.1} MB (target < 60 MB)",
        idle as f64 / 1024.0
    );

    let cookie = login(&client, &base, &server.admin_password).await?;
    let pages = [
        "/",
        "/areas?q=lai+chau",
        "/areas/N12",
        "/areas/L12",
        "/agencies",
        "/areas?q=muong",
    ];
    // Warm up.
    for p in pages {
        let (status, _, _) = send(
            &client,
            Request::get(format!("{base}{p}"))
                .header("cookie", &cookie)
                .body(Full::default())?,
        )
        .await?;
        if status != StatusCode::OK {
            bail!("{p}: {status}");
        }
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..USERS {
        let client = client.clone();
        let cookie = cookie.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(REQUESTS_PER_USER);
            let mut errors = 0usize;
            for i in 0..REQUESTS_PER_USER {
                let p = pages[(u + i) % pages.len()];
                let req = Request::get(format!("{base}{p}"))
                    .header("cookie", &cookie)
                    .body(Full::default())
                    .unwrap();
                let t = Instant::now();
                match send(&client, req).await {
                    Ok((StatusCode::OK, _, _)) => times.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (times, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (times, e) = t.await?;
        all.extend(times);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    println!(
        "{USERS} concurrent users without think time (saturation) × {REQUESTS_PER_USER} page loads ({}): {} ok, {errors} errors, {:.0} pages/s; p50 {} p99 {} max {} (target p99 < 20 ms)",
        pages.join(", "),
        all.len(),
        all.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().unwrap_or(&Duration::ZERO))
    );
    // The same users with a think time: each loads a page every 250 ms (about 200 pages/s in all).
    let started = Instant::now();
    let mut tasks = Vec::new();
    for u in 0..USERS {
        let client = client.clone();
        let cookie = cookie.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            // Spread the users over the first interval.
            tokio::time::sleep(Duration::from_millis((u as u64 * 250) / USERS as u64)).await;
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            let mut times = Vec::with_capacity(THINKING_REQUESTS);
            for i in 0..THINKING_REQUESTS {
                tick.tick().await;
                let p = pages[(u + i) % pages.len()];
                let req = Request::get(format!("{base}{p}"))
                    .header("cookie", &cookie)
                    .body(Full::default())
                    .unwrap();
                let t = Instant::now();
                if let Ok((StatusCode::OK, _, _)) = send(&client, req).await {
                    times.push(t.elapsed());
                }
            }
            times
        }));
    }
    let mut thinking = Vec::new();
    for t in tasks {
        thinking.extend(t.await?);
    }
    thinking.sort();
    println!(
        "{USERS} users each loading a page every 250 ms for {:.0} s: {} pages; p50 {} p99 {} max {} (target p99 < 20 ms)",
        started.elapsed().as_secs_f64(),
        thinking.len(),
        ms(percentile(&thinking, 0.5)),
        ms(percentile(&thinking, 0.99)),
        ms(*thinking.last().unwrap_or(&Duration::ZERO))
    );
    println!(
        "resident memory after the load: {:.1} MB",
        rss_kb(server.child.id()).unwrap_or(0) as f64 / 1024.0
    );
    Ok(())
}
