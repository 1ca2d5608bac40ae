//! The browser test of the directives room: an administrator pastes directive 000, reviews
//! what the parser found (item 9.1 for Sở Tài chính, due 05/07/2021), confirms, and finds the
//! task in Sở Tài chính's list. Runs like the other browser tests (see `browser.rs`).

use crate::browser::{Checked, click, find, goto, poll, run, texts};
use crate::directives::D000;
use fantoccini::{Client, Locator};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pastes_directive_000_reviews_confirms_and_sees_the_task_of_so_tai_chinh() {
    run("admin", async |c, base| paste_review_confirm(c, base).await).await;
}

async fn paste_review_confirm(c: &Client, base: &str) -> Checked {
    goto(c, &format!("{base}/documents/import")).await?;
    // Pasting 7,800 characters key by key takes long; a paste puts the whole text at once.
    find(c, "#text").await?;
    c.execute(
        "document.getElementById('text').value = arguments[0]; return true;",
        vec![json!(D000)],
    )
    .await
    .map_err(|e| format!("pasting the directive: {e}"))?;
    click(c, r#"form[action="/documents/import"] button[type=submit]"#).await?;
    // The review screen: item 9.1 names Sở Tài chính as lead, due 05/07/2021.
    let row = poll(c, "item 9.1 on the review screen", async || {
        for input in c.find_all(Locator::Css("input[name$='_path']")).await? {
            if input.prop("value").await?.as_deref() == Some("9.1") {
                let name = input.attr("name").await?.unwrap_or_default();
                return Ok(Some(name.trim_end_matches("_path").to_owned()));
            }
        }
        Ok(None)
    })
    .await?;
    let value = async |css: String| -> Checked<String> {
        find(c, &css)
            .await?
            .prop("value")
            .await
            .map_err(|e| format!("reading {css}: {e}"))
            .map(Option::unwrap_or_default)
    };
    let lead = value(format!("input[name='{row}_lead']")).await?;
    let deadline = value(format!("input[name='{row}_deadline']")).await?;
    if lead != "Sở Tài chính" || deadline != "2021-07-05" {
        return Err(format!(
            "item 9.1 reads lead {lead:?}, deadline {deadline:?} (expected Sở Tài chính, 2021-07-05)"
        ));
    }
    let take = find(c, &format!("input[name='{row}_take']"))
        .await?
        .prop("checked")
        .await
        .map_err(|e| format!("reading the checkbox: {e}"))?;
    if take.as_deref() != Some("true") {
        return Err(format!(
            "item 9.1 is not ticked to become a task ({take:?})"
        ));
    }
    click(
        c,
        r#"form[action="/documents/confirm"] button[type=submit]"#,
    )
    .await?;
    // The registered document lists its tasks; Sở Tài chính's link opens the agency's list.
    poll(c, "the registered document", async || {
        let path = c.current_url().await?.path().to_owned();
        let registered =
            path.starts_with("/documents/") && path[11..].chars().all(|ch| ch.is_ascii_digit());
        Ok(registered.then_some(()))
    })
    .await?;
    let agency_link = poll(c, "Sở Tài chính's link in the task table", async || {
        for a in c.find_all(Locator::Css("table.tasks a.agency")).await? {
            if a.text().await? == "Sở Tài chính" {
                return a.attr("href").await;
            }
        }
        Ok(None)
    })
    .await?;
    goto(c, &format!("{base}{agency_link}")).await?;
    let heading = texts(c, "h1").await?;
    if !heading.iter().any(|h| h == "Nhiệm vụ của Sở Tài chính") {
        return Err(format!("the agency's list is headed {heading:?}"));
    }
    let rows = poll(c, "the agency's tasks", async || {
        let mut rows = Vec::new();
        for tr in c.find_all(Locator::Css("table.tasks tbody tr")).await? {
            rows.push(tr.text().await?);
        }
        Ok((!rows.is_empty()).then_some(rows))
    })
    .await?;
    if !rows
        .iter()
        .any(|r| r.contains("05/07/2021") && r.contains("Sở Tài chính"))
    {
        return Err(format!("Sở Tài chính's list holds {rows:?}"));
    }
    Ok(())
}
