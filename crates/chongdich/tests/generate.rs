//! `chongdich demo generate` end to end, at a small scale: on SQLite, or on PostgreSQL when
//! DATABASE_URL names a server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chongdich_domain::access::Scope;
use chongdich_domain::clock::{SharedClock, SystemClock};
use chongdich_store::audit::{AuditFilter, Who};
use chongdich_store::cases::CaseFilter;
use chongdich_store::persons::PersonFilter;
use chongdich_store::testing::TestDb;
use std::process::{Command, Output};
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_chongdich");

async fn database() -> TestDb {
    let clock: SharedClock = Arc::new(SystemClock);
    TestDb::new(clock).await.expect("test database")
}

fn run(url: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("start chongdich")
}

const GENERATE: [&str; 12] = [
    "demo",
    "generate",
    "--seed",
    "7",
    "--province",
    "12",
    "--people",
    "3000",
    "--cases",
    "200",
    "--today",
    "2021-06-24",
];

#[tokio::test(flavor = "multi_thread")]
async fn demo_generate_loads_a_consistent_dataset_and_says_what_it_did() {
    let db = database().await;
    let url = db.url.clone();
    // Nothing loaded yet: the province's units are needed first, and the message says so.
    let o = run(&url, &GENERATE);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("units import"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        run(&url, &["units", "import", "--province", "12"])
            .status
            .success()
    );
    let o = run(&url, &GENERATE);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("Đã tạo dữ liệu mô phỏng"), "{out}");
    assert!(out.contains("3000 người, 200 ca bệnh"), "{out}");

    let store = &db.store;
    let everywhere = Scope::everywhere();
    let who = Who::console();
    let people = store
        .persons(&everywhere, &who, &PersonFilter::default(), 5, 0)
        .await
        .unwrap();
    assert_eq!(people.total, 3000);
    // Everyone lives in a Lai Châu ward of the legacy structure (in force in 2021).
    assert!(people.items.iter().all(|p| p.area_id.starts_with("L0")));
    let cases = store
        .cases(&everywhere, &who, &CaseFilter::default(), 5, 0)
        .await
        .unwrap();
    assert_eq!(cases.total, 200);
    let outbreaks = store
        .outbreaks(&everywhere, None, false, 100, 0)
        .await
        .unwrap();
    assert!(outbreaks.total >= 1);
    let audit = store
        .audit_entries(
            &everywhere,
            &AuditFilter {
                record_type: Some("synthetic".into()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 1, "one audit entry per run");
    assert_eq!(audit.items[0].area_id.as_deref(), Some("L12"));

    // A second run adds a second dataset after the first (ids continue).
    let o = run(&url, &GENERATE);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let cases = store
        .cases(&everywhere, &who, &CaseFilter::default(), 5, 0)
        .await
        .unwrap();
    assert_eq!(cases.total, 400);

    // The same seed gives the same data in another database.
    let other = database().await;
    assert!(
        run(&other.url, &["units", "import", "--province", "12"])
            .status
            .success()
    );
    assert!(run(&other.url, &GENERATE).status.success());
    let b = other
        .store
        .persons(&everywhere, &who, &PersonFilter::default(), 20, 0)
        .await
        .unwrap();
    let names = |p: &chongdich_store::areas::Page<chongdich_store::persons::PersonRow>| {
        p.items
            .iter()
            .map(|r| (r.full_name.clone(), r.id_number.clone(), r.area_id.clone()))
            .collect::<Vec<_>>()
    };
    // The newest 20 people of the first run are the newest 20 of the single run.
    let first_run_tail = store
        .persons(&everywhere, &who, &PersonFilter::default(), 20, 3000)
        .await
        .unwrap();
    assert_eq!(names(&first_run_tail), names(&b));
    // The second run's people are new records, with CCCD numbers that do not repeat the first's.
    let second = store
        .persons(&everywhere, &who, &PersonFilter::default(), 20, 0)
        .await
        .unwrap();
    let numbers: std::collections::HashSet<String> = first_run_tail
        .items
        .iter()
        .filter_map(|p| p.id_number.clone())
        .collect();
    assert!(
        second
            .items
            .iter()
            .filter_map(|p| p.id_number.as_ref())
            .all(|n| !numbers.contains(n))
    );
}
