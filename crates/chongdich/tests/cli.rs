//! The binary end to end: settings errors, the deployment, accounts, the audit export, and a
//! graceful stop on SIGTERM. On SQLite, or on PostgreSQL when DATABASE_URL names a server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chongdich_domain::clock::{SharedClock, SystemClock};
use chongdich_store::testing::TestDb;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_chongdich");

async fn database() -> TestDb {
    let clock: SharedClock = Arc::new(SystemClock);
    TestDb::new(clock).await.expect("test database")
}

fn run(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chongdich");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_bad_setting_is_named_and_nothing_starts() {
    let o = Command::new(BIN)
        .args(["serve", "--addr", "localhost"])
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("setting addr (--addr, CHONGDICH_ADDR)"),
        "{err}"
    );
    let o = Command::new(BIN)
        .args(["serve", "--province", "99"])
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("setting province"));
    let o = Command::new(BIN)
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).contains("setting database_url"));
}

#[tokio::test(flavor = "multi_thread")]
async fn units_accounts_and_the_audit_export_from_the_console() {
    let db = database().await;
    let url = db.url.clone();
    let o = run(&url, &["units", "import", "--province", "20"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("Đã nạp"));
    let areas = db.store.area_count().await.unwrap();
    // Lạng Sơn: 1 + 11 districts + its wards (legacy) and 1 + 65 wards (current), plus the country.
    assert!(areas > 200, "{areas}");
    // Again: nothing changes.
    assert!(
        run(&url, &["units", "import", "--province", "20"], None)
            .status
            .success()
    );
    assert_eq!(db.store.area_count().await.unwrap(), areas);

    let o = run(
        &url,
        &[
            "user",
            "add",
            "admin.ls",
            "--name",
            "Quản trị Lạng Sơn",
            "--role",
            "administrator",
            "--area",
            "N20",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    let password = out
        .lines()
        .find_map(|l| l.split(": ").nth(1))
        .expect("password printed once")
        .trim()
        .to_owned();
    assert_eq!(password.chars().count(), 16);
    let o = run(
        &url,
        &[
            "user", "add", "admin.ls", "--name", "X", "--role", "viewer", "--area", "N20",
        ],
        None,
    );
    assert!(!o.status.success(), "duplicate username refused");
    let o = run(
        &url,
        &[
            "user",
            "add",
            "x.y",
            "--name",
            "X",
            "--role",
            "viewer",
            "--area",
            "N20",
            "--password-stdin",
        ],
        Some("ngắn\n"),
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("12"),
        "password policy applies"
    );
    let o = run(
        &url,
        &["user", "passwd", "admin.ls", "--password-stdin"],
        Some("một mật khẩu mới đủ dài\n"),
    );
    assert!(o.status.success());
    let creds = db.store.credentials("admin.ls").await.unwrap().unwrap();
    assert!(chongdich_web::auth::password::verify(
        "một mật khẩu mới đủ dài",
        &creds.password_hash
    ));
    assert!(
        run(&url, &["user", "disable", "admin.ls"], None)
            .status
            .success()
    );
    assert!(
        db.store
            .credentials("admin.ls")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );

    let file = std::env::temp_dir().join(format!("audit-{}.csv", std::process::id()));
    let o = run(
        &url,
        &[
            "audit",
            "export",
            "--username",
            "console",
            "-o",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).ok();
    assert!(csv.starts_with("\u{feff}id,thoi_gian"));
    for action in [",create,user,", ",update,user,", ",disable,user,"] {
        assert!(csv.contains(action), "{action} in {csv}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_loads_the_deployment_answers_and_stops_on_sigterm() {
    let db = database().await;
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--province", "12"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = String::new();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.split("http://").nth(1) {
            addr = rest.split_whitespace().next().unwrap().to_owned();
            break;
        }
        printed.push(line);
    }
    assert!(
        !addr.is_empty(),
        "the server printed its address: {printed:?}"
    );
    assert!(
        printed.iter().any(|l| l.contains("user add")),
        "tells how to make the first account: {printed:?}"
    );
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        db.store.area_count().await.unwrap() > 100,
        "Lai Châu's units loaded"
    );
    assert_eq!(
        db.store.user_count().await.unwrap(),
        0,
        "no demo accounts with --province"
    );

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful stop exits 0: {exit:?}");
}
