//! The demo deployment a newcomer sees on first start.

use chongdich_domain::access::{Role, Scope};
use chongdich_domain::area::AreaId;
use chongdich_domain::clock::{SharedClock, SystemClock};
use chongdich_store::testing::TestDb;
use std::sync::Arc;

#[tokio::test]
async fn the_demo_is_lai_chau_with_one_account_per_role_and_loads_once() {
    let clock: SharedClock = Arc::new(SystemClock);
    let db = TestDb::new(clock).await.unwrap();
    let store = &db.store;
    let accounts = chongdich_web::demo::load(store).await.unwrap();
    let mut roles: Vec<Role> = accounts.iter().map(|a| a.role).collect();
    roles.sort();
    assert_eq!(roles, Role::ALL.to_vec(), "one account per role");
    let mut passwords: Vec<&str> = accounts.iter().map(|a| a.password.as_str()).collect();
    passwords.sort();
    passwords.dedup();
    assert_eq!(passwords.len(), 8, "every password different");
    for a in &accounts {
        let creds = store.credentials(&a.username).await.unwrap().unwrap();
        assert!(
            chongdich_web::auth::password::verify(&a.password, &creds.password_hash),
            "{}",
            a.username
        );
        assert!(!chongdich_web::auth::password::verify(
            "",
            &creds.password_hash
        ));
    }

    let everywhere = Scope::everywhere();
    let l12 = store
        .area(&everywhere, &AreaId::parse("L12").unwrap())
        .await
        .unwrap();
    assert_eq!(
        (l12.name.as_str(), l12.population, l12.population_year),
        ("Tỉnh Lai Châu", Some(460_196), Some(2019))
    );
    let n12 = store
        .area(&everywhere, &AreaId::parse("N12").unwrap())
        .await
        .unwrap();
    assert_eq!(n12.population, Some(460_196));
    assert!(
        n12.population_source
            .unwrap()
            .contains("không đổi sau 01/07/2025")
    );
    let districts = store
        .children(&everywhere, &AreaId::parse("L12").unwrap(), 50, 0)
        .await
        .unwrap();
    assert_eq!(districts.total, 8);
    // The census gives five of the eight districts separately; the other three stay unknown.
    assert_eq!(
        districts
            .items
            .iter()
            .filter(|d| d.population.is_some())
            .count(),
        5
    );
    let wards = store
        .children(&everywhere, &AreaId::parse("N12").unwrap(), 100, 0)
        .await
        .unwrap();
    assert_eq!(wards.total, 38);
    assert!(
        store
            .area(&everywhere, &AreaId::parse("N20").unwrap())
            .await
            .is_err(),
        "only Lai Châu"
    );

    let agencies = store.agencies(&everywhere, None, 50, 0).await.unwrap();
    // Six registered by the demo, six more named by its two directives, and the People's
    // Committees of the eight districts, each given its share of "UBND các huyện, thành phố".
    assert_eq!(agencies.total, 20);
    let finance = agencies
        .items
        .iter()
        .find(|a| a.name == "Sở Tài chính")
        .expect("Sở Tài chính, named by directive 000");
    let tasks = store
        .tasks(
            &everywhere,
            &chongdich_store::tasks::TaskFilter {
                agency_id: Some(finance.id),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert!(
        tasks.items.iter().any(
            |t| t.task.deadline == chrono::NaiveDate::from_ymd_opt(2021, 7, 5)
                && t.task.item_path.as_deref() == Some("9.1")
        ),
        "{tasks:?}"
    );
    assert_eq!(
        store
            .documents(&everywhere, None, None, 10, 0)
            .await
            .unwrap()
            .total,
        2
    );
    let committee = agencies
        .items
        .iter()
        .find(|a| a.kind == "steering_committee")
        .unwrap();
    assert_eq!(committee.member_count, 5);

    // The committee's follow-up: the correction required of Than Uyên by the province's
    // inspection of 22/06 (due 23/06) and Phong Thổ's list of wedding guests (due 20/06) are
    // overdue, each counted under its lead agency and its district.
    let overdue = store.overdue_summary(&everywhere, None).await.unwrap();
    for name in ["UBND huyện Than Uyên", "UBND huyện Phong Thổ"] {
        assert!(
            overdue.by_agency.iter().any(|r| r.name == name && r.n == 1),
            "{name} in {:?}",
            overdue.by_agency
        );
    }
    for district in ["L110", "L109"] {
        assert!(
            overdue
                .by_area
                .iter()
                .any(|r| r.key.as_deref() == Some(district) && r.n == 1),
            "{district} in {:?}",
            overdue.by_area
        );
    }
    let inspections = store
        .inspections(&everywhere, &Default::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(inspections.total, 1);
    let inspection = store
        .inspection(&everywhere, inspections.items[0].id)
        .await
        .unwrap();
    assert_eq!(inspection.inspection.status, "done");
    assert_eq!(inspection.findings.len(), 2);
    // Three calls to the hotline; the suspect, urgent, is with Thị trấn Than Uyên.
    let calls = store
        .reports(
            &everywhere,
            &chongdich_store::audit::Who::console(),
            &Default::default(),
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(calls.total, 3);
    let suspect = calls.items.iter().find(|r| r.kind == "suspect").unwrap();
    assert_eq!(
        (suspect.priority.as_str(), suspect.status.as_str()),
        ("urgent", "assigned")
    );
    assert_eq!(suspect.assigned_area_id.as_deref(), Some("L03595"));

    // Quarantine on 24/06/2021 in Phường Quyết Thắng: five returnees at home (day 7: tested
    // today), two F1 in the facility; one returnee never declared, another stopped on the 21st.
    let list = store
        .work_list(
            &everywhere,
            &chongdich_store::audit::Who::console(),
            &chongdich_store::quarantine::WorkPlace::Area(AreaId::parse("L03386").unwrap()),
            chrono::NaiveDate::from_ymd_opt(2021, 6, 24).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(list.lines.len(), 7);
    let count = |k: &str| list.counts.iter().find(|(c, _)| c == k).unwrap().1;
    assert_eq!(count("test"), 5);
    assert_eq!(count("missed"), 2);
    assert_eq!(count("move"), 0);
    // The commune health worker of the 2025 ward that took in Phường Quyết Thắng sees the same
    // list (its scope covers the wards merged into it).
    let ward_2025 = AreaId::parse("N03388").unwrap();
    let merged = store
        .work_list(
            &Scope::of([ward_2025.clone()]),
            &chongdich_store::audit::Who::console(),
            &chongdich_store::quarantine::WorkPlace::Area(ward_2025),
            chrono::NaiveDate::from_ymd_opt(2021, 6, 24).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(merged.lines.len(), 7);

    assert!(
        chongdich_web::demo::load(store).await.unwrap().is_empty(),
        "a second start loads nothing"
    );
    assert_eq!(store.user_count().await.unwrap(), 8);
}
