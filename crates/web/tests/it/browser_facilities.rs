//! The browser test of quarantine facilities: the province's administrator registers a facility
//! with two rooms, finds a person by name and admits them into one of the rooms, and sees the
//! occupancy on the overview.
//! Runs like the other browser tests (see `browser.rs`): only when CHONGDICH_WEBDRIVER names a
//! WebDriver server.

use crate::browser::{Checked, choose, click, goto, poll, run_with, texts, type_into};
use crate::outbreaks::person;
use std::sync::atomic::{AtomicI64, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_registers_a_facility_admits_a_person_and_sees_the_occupancy() {
    let person_id = AtomicI64::new(0);
    run_with(
        Some("admin"),
        async |app| {
            let t = app.token("admin").await;
            person_id.store(person(app, &t, "Nguyễn Văn An").await, Ordering::SeqCst);
        },
        async |c, base| facility_scenario(c, base, person_id.load(Ordering::SeqCst)).await,
    )
    .await;
}

async fn facility_scenario(c: &fantoccini::Client, base: &str, person_id: i64) -> Checked {
    goto(c, &format!("{base}/quarantine")).await?;
    click(c, "#new-facility-link").await?;
    type_into(c, "#name", "Khu cách ly KTX Trường Cao đẳng").await?;
    choose(c, "#kind", "centralized").await?;
    choose(c, "#area_id", "N12").await?;
    type_into(c, "#rooms", "P101: 4\nP102: 2").await?;
    click(c, "#facility-submit").await?;
    poll(c, "the new facility's page", async || {
        let path = c.current_url().await?.path().to_owned();
        let rest = path.strip_prefix("/quarantine/facilities/").unwrap_or("");
        Ok((!rest.is_empty() && rest.chars().all(|ch| ch.is_ascii_digit())).then_some(()))
    })
    .await?;
    let rooms = texts(c, "#room-table tbody tr").await?;
    if rooms.len() != 2 {
        return Err(format!("the rooms read {rooms:?}"));
    }
    // The person is found by name, typed without diacritics, and chosen from the results.
    type_into(c, "#person_q", "nguyen van an").await?;
    click(c, "#person-search button[type=submit]").await?;
    click(c, "#candidates a.candidate").await?;
    poll(c, "the chosen person in the admission form", async || {
        let v = c
            .find(fantoccini::Locator::Css("#person_id"))
            .await?
            .prop("value")
            .await?;
        Ok((v.as_deref() == Some(person_id.to_string().as_str())).then_some(()))
    })
    .await?;
    c.execute(
        "const s = document.getElementById('room_id'); s.selectedIndex = 1;",
        vec![],
    )
    .await
    .map_err(|e| format!("choosing the room: {e}"))?;
    choose(c, "#risk_group", "returnee").await?;
    type_into(c, "#cohort_date", "20/06/2021").await?;
    click(c, "#admit-submit").await?;
    poll(c, "the person in the room", async || {
        let cells = c
            .find_all(fantoccini::Locator::Css("#room-table ul.occupants li"))
            .await?;
        Ok((!cells.is_empty()).then_some(()))
    })
    .await?;

    goto(c, &format!("{base}/quarantine")).await?;
    let rows = texts(c, "#facility-table tbody tr").await?;
    if !rows.iter().any(|r| {
        r.contains("Khu cách ly KTX Trường Cao đẳng") && r.contains('6') && r.contains('5')
    }) {
        return Err(format!("the overview shows {rows:?}"));
    }
    let occupied = texts(c, "#total-occupied").await?;
    if occupied != ["1"] {
        return Err(format!("the total occupied reads {occupied:?}"));
    }
    Ok(())
}
