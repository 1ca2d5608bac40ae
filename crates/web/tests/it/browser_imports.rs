//! The browser test of the Excel import (issue #4): the province's administrator uploads a
//! small returnee list with one bad row (an .xlsx written by the test), sees the report naming
//! the row and the column, imports the valid rows, waits for the progress bar to finish and
//! finds the people in the receiving commune's work list. Runs like the other browser tests
//! (see `browser.rs`): only when CHONGDICH_WEBDRIVER names a WebDriver server.

use crate::browser::{Checked, choose, click, find, goto, poll, run, texts, type_into};
use crate::imports::list_with_one_bad_row;
use fantoccini::Locator;

/// The list, written where the browser can read it; removed afterwards.
struct ListFile(std::path::PathBuf);

impl ListFile {
    fn new() -> ListFile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "chongdich-ds-bac-giang-{}-{nanos}.xlsx",
            std::process::id()
        ));
        std::fs::write(&path, list_with_one_bad_row()).expect("writing the list");
        ListFile(path)
    }
}

impl Drop for ListFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_a_returnee_list_with_one_bad_row_and_sees_them_in_the_communes_work_list() {
    let file = ListFile::new();
    run("admin", async |c, base| {
        import_scenario(c, base, &file).await
    })
    .await;
}

async fn import_scenario(c: &fantoccini::Client, base: &str, file: &ListFile) -> Checked {
    goto(c, &format!("{base}/quarantine/returnees")).await?;
    click(c, "#import-link").await?;
    find(c, "#import-form").await?;
    type_into(c, "#origin", "TP. Bắc Giang").await?;
    type_into(c, "#origin_level", "vùng phong tỏa").await?;
    type_into(c, "#arrived_on", "20/06/2021").await?;
    choose(c, "#area_id", "L03386").await?;
    // The province's decision for returnees (CĐ 600 has no rule for them).
    click(c, "#import-form details summary").await?;
    choose(c, "#fallback_kind", "home").await?;
    type_into(c, "#fallback_days", "14").await?;
    type_into(c, "#fallback_test_days", "1, 7, 14").await?;
    type_into(c, "#fallback_monitoring_days", "14").await?;
    type_into(
        c,
        "#fallback_basis",
        "Thông báo 000/TB-UBND ngày 18/6/2021 của UBND tỉnh Lai Châu",
    )
    .await?;
    find(c, "#file")
        .await?
        .send_keys(&file.0.display().to_string())
        .await
        .map_err(|e| format!("choosing the file: {e}"))?;
    click(c, "#upload-submit").await?;

    // The columns, guessed from the headers.
    find(c, "#mapping-table").await?;
    let chosen = find(c, "#map_id_number")
        .await?
        .prop("value")
        .await
        .map_err(|e| format!("reading the ID column: {e}"))?;
    if chosen.as_deref() != Some("2") {
        return Err(format!(
            "the ID number's column is {chosen:?}, not column C"
        ));
    }
    click(c, "#check-submit").await?;

    // The report: one bad row, named by line and column.
    let bad = poll(c, "the report's bad rows", async || {
        let rows = c.find_all(Locator::Css("#bad-rows tbody tr")).await?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.text().await?);
        }
        Ok((!out.is_empty()).then_some(out))
    })
    .await?;
    if bad.len() != 1 || !bad[0].contains("Dòng 5") || !bad[0].contains("Số CCCD/CMND") {
        return Err(format!("the bad rows read {bad:?}"));
    }
    let valid = texts(c, "#count-valid").await?;
    if valid != ["2"] {
        return Err(format!("the valid rows read {valid:?}"));
    }
    click(c, "#run-submit").await?;

    // The progress bar, then the outcome (the page reloads itself when the import ends).
    let done = poll(c, "the import to finish", async || {
        let done = c.find_all(Locator::Css("#import-done")).await?;
        match done.first() {
            Some(d) => Ok(Some(d.text().await?)),
            None => Ok(None),
        }
    })
    .await?;
    if !done.contains("Đã nhập 2 người") {
        return Err(format!("the outcome reads {done:?}"));
    }
    click(c, "#work-link").await?;
    let names = poll(c, "the commune's work list", async || {
        if c.current_url().await?.path() != "/quarantine/work" {
            return Ok(None);
        }
        let mut out = Vec::new();
        for a in c.find_all(Locator::Css("#work-list a.name")).await? {
            out.push(a.text().await?);
        }
        Ok((!out.is_empty()).then_some(out))
    })
    .await?;
    for n in ["Nguyễn Văn An", "Trần Văn Cường"] {
        if !names.iter().any(|x| x == n) {
            return Err(format!("{n} is not in the work list: {names:?}"));
        }
    }
    if names.iter().any(|x| x == "Lê Thị Bình") {
        return Err("the bad row was imported".into());
    }
    Ok(())
}
