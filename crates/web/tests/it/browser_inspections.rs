//! The browser test of inspections: the province's administrator plans an inspection of a
//! district, opens it, records the result, adds a required correction with a deadline and sees
//! it listed with the link to the task it became. Runs like the other browser tests (see
//! `browser.rs`): only when CHONGDICH_WEBDRIVER names a WebDriver server.

use crate::browser::{Checked, choose, click, find, goto, poll, run, texts, type_into};
use fantoccini::{Client, Locator};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_province_plans_records_and_requires_a_correction_that_becomes_a_task() {
    run("admin", async |c, base| inspection_scenario(c, base).await).await;
}

/// The text of the inspection's status badge once it reads `want`.
async fn status_is(c: &Client, want: &str) -> Checked {
    poll(c, &format!("the status \"{want}\""), async || {
        let found = c.find_all(Locator::Css("#status")).await?;
        match found.first() {
            Some(e) => Ok((e.text().await? == want).then_some(())),
            None => Ok(None),
        }
    })
    .await
}

async fn inspection_scenario(c: &Client, base: &str) -> Checked {
    goto(c, &format!("{base}/inspections")).await?;
    click(c, "#plan-link").await?;
    // Lai Châu of before 2025 inspects its districts (the test clock stands in 2021).
    choose(c, "#by", "L12").await?;
    click(c, "#choose-by").await?;
    // The form reloads for the chosen unit (the first page may already list the same
    // districts: wait for the new one, or the choice below would be lost with the old page).
    poll(c, "the districts of Lai Châu to choose from", async || {
        if c.current_url().await?.query() != Some("by=L12") {
            return Ok(None);
        }
        let options = c
            .find_all(Locator::Css("#area_id option[value=L105]"))
            .await?;
        Ok((!options.is_empty()).then_some(()))
    })
    .await?;
    choose(c, "#area_id", "L105").await?;
    type_into(
        c,
        "#title",
        "Kiểm tra công tác phòng, chống dịch tại thành phố",
    )
    .await?;
    type_into(
        c,
        "#scope_text",
        "Chốt kiểm soát Km 5; khu cách ly tập trung",
    )
    .await?;
    click(c, "#plan-submit").await?;
    let path = poll(c, "the new inspection's page", async || {
        let path = c.current_url().await?.path().to_owned();
        let rest = path.strip_prefix("/inspections/").unwrap_or("");
        Ok((!rest.is_empty() && rest.chars().all(|ch| ch.is_ascii_digit())).then_some(path))
    })
    .await?;
    status_is(c, "Đã lên kế hoạch").await?;
    let inspected = find(c, "#inspected")
        .await?
        .text()
        .await
        .map_err(|e| format!("reading the inspected unit: {e}"))?;
    if inspected != "Thành phố Lai Châu" {
        return Err(format!("the inspected unit is {inspected:?}"));
    }

    // The result: the day defaults to the planned one (today).
    type_into(
        c,
        "#record_text",
        "Đã kiểm tra chốt Km 5 và khu cách ly tập trung.",
    )
    .await?;
    click(c, "#record-submit").await?;
    status_is(c, "Đã kiểm tra").await?;

    // A correction with a deadline: date inputs take their text in the browser's locale, so
    // the value is set directly.
    choose(c, "#kind", "correction").await?;
    type_into(c, "#text", "Bố trí thêm người trực chốt Km 5").await?;
    c.execute(
        "document.getElementById('deadline').value = '2021-07-01';",
        vec![],
    )
    .await
    .map_err(|e| format!("setting the deadline: {e}"))?;
    type_into(c, "#agency_name", "UBND thành phố Lai Châu").await?;
    click(c, "#finding-submit").await?;
    let href = poll(c, "the correction's task link", async || {
        let found = c
            .find_all(Locator::Css("#kind-correction a.task-link"))
            .await?;
        match found.first() {
            Some(a) => Ok(a.attr("href").await?),
            None => Ok(None),
        }
    })
    .await?;
    if !href.starts_with("/tasks/")
        || c.current_url().await.map_err(|e| e.to_string())?.path() != path
    {
        return Err(format!("the task link is {href:?}"));
    }
    let deadlines = texts(c, "#kind-correction td.deadline").await?;
    if deadlines != ["01/07/2021"] {
        return Err(format!("the correction's deadline reads {deadlines:?}"));
    }

    // The list shows the inspection, done, with its correction counted.
    goto(c, &format!("{base}/inspections")).await?;
    let rows = texts(c, "#inspection-table tbody tr").await?;
    if !rows.iter().any(|r| {
        r.contains("Kiểm tra công tác phòng, chống dịch tại thành phố") && r.contains("Đã kiểm tra")
    }) {
        return Err(format!("the list shows {rows:?}"));
    }
    Ok(())
}
