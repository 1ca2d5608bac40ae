//! The browser test of the hotline: without signing in, a citizen opens the report form, types
//! the commune without diacritics, sends the report and is given its reference; an operator of
//! the district then signs in and finds it on the hotline screen. Runs like the other browser
//! tests (see `browser.rs`): only when CHONGDICH_WEBDRIVER names a WebDriver server.

use crate::browser::{Checked, click, find, goto, poll, run_with, sign_in, type_into};
use chongdich_domain::clock::ManualClock;
use fantoccini::{Client, Locator};
use std::sync::Mutex;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_reports_without_signing_in_and_the_operator_sees_it() {
    // The form refuses what comes back faster than a person types; the test clock is moved on
    // while the "citizen" fills it in.
    let clock: Mutex<Option<ManualClock>> = Mutex::new(None);
    run_with(
        None,
        async |app| {
            if let Ok(mut c) = clock.lock() {
                *c = Some(app.clock.clone());
            }
        },
        async |c, base| report_scenario(c, base, &clock).await,
    )
    .await;
}

async fn report_scenario(c: &Client, base: &str, clock: &Mutex<Option<ManualClock>>) -> Checked {
    goto(c, &format!("{base}/report")).await?;
    click(c, "input[name=kind][value=illegal_entrant]").await?;
    type_into(c, "#commune", "tan phong").await?;
    type_into(c, "#place_detail", "Tổ 7, gần cầu treo").await?;
    type_into(c, "#subject_name", "Vàng A Dế").await?;
    type_into(
        c,
        "#description",
        "Có hai người vượt biên về tối qua, đang ở nhà người quen.",
    )
    .await?;
    type_into(c, "#reporter_phone", "0912 345 678").await?;
    if let Ok(Some(clock)) = clock.lock().as_deref() {
        clock.advance(chrono::Duration::seconds(30));
    }
    click(c, "#report-form button[type=submit]").await?;
    let reference = poll(c, "the reference of the report", async || {
        let found = c.find_all(Locator::Css("#reference")).await?;
        match found.first() {
            Some(e) => {
                let t = e.text().await?;
                Ok(t.starts_with("PA-").then_some(t))
            }
            None => Ok(None),
        }
    })
    .await?;
    let url = c
        .current_url()
        .await
        .map_err(|e| format!("reading the URL: {e}"))?;
    if url.path() != "/report" {
        return Err(format!("the thank-you page is at {url}"));
    }

    sign_in(c, base, "officer_a").await?;
    goto(c, &format!("{base}/hotline")).await?;
    let row = poll(c, "the report on the hotline screen", async || {
        for a in c.find_all(Locator::Css("#reports a")).await? {
            if a.text().await? == reference {
                return Ok(Some(a));
            }
        }
        Ok(None)
    })
    .await?;
    row.click()
        .await
        .map_err(|e| format!("opening the report: {e}"))?;
    let heading = find(c, "main h1 #reference")
        .await?
        .text()
        .await
        .map_err(|e| format!("reading the heading: {e}"))?;
    if heading != reference {
        return Err(format!("the report page is headed {heading:?}"));
    }
    let facts = find(c, "dl.facts")
        .await?
        .text()
        .await
        .map_err(|e| format!("reading the report: {e}"))?;
    if !facts.contains("Phường Tân Phong") || !facts.contains("Vàng A Dế") {
        return Err(format!("the report reads {facts:?}"));
    }
    Ok(())
}
