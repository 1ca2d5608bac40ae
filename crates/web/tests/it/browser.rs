//! The browser tests: a real Chromium, driven through WebDriver (chromedriver), signs in through
//! the login form, searches the area browser with and without diacritics and opens a province;
//! registers a case, adds two contacts, confirms the case and sees the contacts become F1
//! and the chain drawn; and, without signing in, finds a commune on the public page and sees
//! its risk level and the measures in force.
//!
//! It runs when CHONGDICH_WEBDRIVER names a WebDriver server (e.g. http://127.0.0.1:9515, from
//! `chromedriver --port=9515`) and is skipped otherwise, unless CHONGDICH_REQUIRE_BROWSER=1,
//! which turns a missing server into a failure (CI sets it). CHONGDICH_CHROMIUM names the
//! browser binary (default /usr/bin/chromium).

use crate::support::{PASSWORD, TestApp};
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::wd::{Capabilities, TimeoutConfiguration};
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::json;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long any one wait (an element, a page after a click) may take.
const WAIT: Duration = Duration::from_secs(10);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(100);
/// Starting the browser (a new WebDriver session).
const CONNECT: Duration = Duration::from_secs(60);
/// The whole walk through the pages.
const SCENARIO: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_searches_areas_and_opens_a_province() {
    run("admin", async |c, base| scenario(c, base).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registers_a_case_adds_two_contacts_confirms_and_sees_f1_and_the_chain() {
    run("officer_a", async |c, base| case_scenario(c, base).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_citizen_finds_a_commune_on_the_public_page_and_sees_its_level_and_measures() {
    run_with(None, publish_levels, async |c, base| {
        public_scenario(c, base).await
    })
    .await;
}

/// Starts the app and a browser, signs in as `user`, runs the scenario within SCENARIO and
/// reports where the browser stood if it failed.
pub(crate) async fn run(user: &str, scenario: impl AsyncFnOnce(&Client, &str) -> Checked) {
    run_with(Some(user), async |_| {}, scenario).await;
}

/// Like [`run`], after `setup` prepares the data; without a user nobody signs in.
pub(crate) async fn run_with(
    user: Option<&str>,
    setup: impl AsyncFnOnce(&TestApp),
    scenario: impl AsyncFnOnce(&Client, &str) -> Checked,
) {
    let Some(webdriver) = webdriver_url() else {
        return;
    };
    let app = TestApp::new().await;
    setup(&app).await;
    let base = format!("http://{}", app.serve().await);
    let profile = Profile::new();
    let client = connect(&webdriver, &profile).await;
    let walk = async {
        if let Some(user) = user {
            sign_in(&client, &base, user).await?;
        }
        scenario(&client, &base).await
    };
    let outcome = AssertUnwindSafe(tokio::time::timeout(SCENARIO, walk))
        .catch_unwind()
        .await;
    // Where the browser stood, for the failure message (before the session goes away).
    let failed = !matches!(outcome, Ok(Ok(Ok(()))));
    let context = if failed {
        where_we_are(&client).await
    } else {
        String::new()
    };
    let closed = client.close().await;
    match outcome {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => panic!("browser test failed: {e}\n{context}"),
        Ok(Err(_)) => panic!("browser test took longer than {SCENARIO:?}\n{context}"),
        Err(panic) => {
            eprintln!("browser test panicked\n{context}");
            std::panic::resume_unwind(panic)
        }
    }
    closed.expect("closing the WebDriver session");
}

/// A ward of Thành phố Lai Châu, within officer_a's district.
const WARD: &str = "L03386";

async fn case_scenario(c: &Client, base: &str) -> Checked {
    goto(c, &format!("{base}/cases/new")).await?;
    type_into(c, "#full_name", "Nguyễn Văn An").await?;
    choose(c, "#area_id", WARD).await?;
    choose(c, "#classification", "suspected").await?;
    click(c, r#"form[action="/cases"] button[type=submit]"#).await?;
    let case_path = poll(c, "the new case's page", async || {
        let path = c.current_url().await?.path().to_owned();
        if !path.starts_with("/cases/") || path == "/cases/new" {
            return Ok(None);
        }
        let badge = c
            .find(Locator::Css("#classification"))
            .await?
            .text()
            .await?;
        Ok((badge == "Nghi ngờ").then_some(path))
    })
    .await?;
    for name in ["Lê Thị Bình", "Trần Văn Cường"] {
        type_into(c, "#c_full_name", name).await?;
        choose(c, "#c_area_id", WARD).await?;
        // Date inputs take their text in the browser's locale; the value is set directly. The
        // case has no onset or sample date, so it is infectious from 2 days before its
        // confirmation today (24/06/2021): a contact on the 23rd counts.
        c.execute(
            "document.getElementById('first_date').value = '2021-06-23';",
            vec![],
        )
        .await
        .map_err(|e| format!("setting the contact date: {e}"))?;
        click(c, "#contact-form button[type=submit]").await?;
        poll(c, &format!("{name} in the contact table"), async || {
            let rows = c.find_all(Locator::Css("#contact-table a")).await?;
            for r in rows {
                if r.text().await? == name {
                    return Ok(Some(()));
                }
            }
            Ok(None)
        })
        .await?;
    }
    // Before confirmation a suspect makes no F1.
    let levels = texts(c, "#contact-table td.level").await?;
    if levels.iter().any(|l| l.starts_with('F')) {
        return Err(format!(
            "contacts of a suspect already have levels: {levels:?}"
        ));
    }
    choose(c, "#new_class", "confirmed").await?;
    click(c, "#classify").await?;
    poll(c, "the confirmed case", async || {
        if c.current_url().await?.path() != case_path {
            return Ok(None);
        }
        let badge = c
            .find(Locator::Css("#classification"))
            .await?
            .text()
            .await?;
        Ok((badge == "Xác định (F0)").then_some(()))
    })
    .await?;
    let levels = texts(c, "#contact-table td.level").await?;
    if levels != ["F1", "F1"] {
        return Err(format!(
            "after confirmation the contacts' levels are {levels:?}, not [F1, F1]"
        ));
    }
    // The chain: an SVG with one node per person, the F0 and both F1s named.
    let nodes = texts(c, "#chain svg g.node title").await?;
    let drawn = |needle: &str| nodes.iter().any(|t| t.contains(needle));
    if nodes.len() != 3
        || !drawn("F0 · Nguyễn Văn An")
        || !drawn("F1 · Lê Thị Bình")
        || !drawn("F1 · Trần Văn Cường")
    {
        return Err(format!("the chain draws {nodes:?}"));
    }
    Ok(())
}

/// A community case of unknown source in Phường Tân Phong, then Lai Châu assessed (QĐ 2686)
/// and approved through the API.
async fn publish_levels(app: &TestApp) {
    use axum::http::{Method, StatusCode};
    let t = app.token("national").await;
    let (s, p) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(json!({"full_name": "Lò Thị Hoa", "area_id": "L03387"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{p}");
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/cases",
            &t,
            Some(
                json!({"person_id": p["id"], "disease": "covid19", "classification": "confirmed",
                "confirmed_date": "2021-06-22", "found_in": "community", "source_known": false}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, a) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &t,
            Some(json!({"area_id": "L12"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{}/approve", a["id"]),
            &t,
            Some(json!({"decision_no": "12/QĐ-BCĐ"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

/// Without signing in: the map of the province, a search without diacritics, the commune's
/// level and the measures in force.
async fn public_scenario(c: &Client, base: &str) -> Checked {
    goto(c, &format!("{base}/public")).await?;
    let dots = poll(c, "the map's wards", async || {
        let n = c
            .find_all(Locator::Css("svg.level-map circle"))
            .await?
            .len();
        Ok((n > 0).then_some(n))
    })
    .await?;
    if dots != 106 {
        return Err(format!("the map draws {dots} wards, not Lai Châu's 106"));
    }
    type_into(c, "#q", "tan phong").await?;
    click(c, "form.search button[type=submit]").await?;
    let found = poll(c, "the search result", async || {
        let mut l = Vec::new();
        for a in c.find_all(Locator::Css(".found a")).await? {
            l.push((a.text().await?, a.attr("href").await?.unwrap_or_default()));
        }
        Ok((!l.is_empty()).then_some(l))
    })
    .await?;
    if !found
        .iter()
        .any(|(t, h)| t == "Phường Tân Phong" && h.ends_with("/public/area/L03387"))
    {
        return Err(format!("searching \"tan phong\" found {found:?}"));
    }
    click(c, ".found a[href$='/public/area/L03387']").await?;
    let level = poll(c, "the commune's level", async || {
        if !c
            .current_url()
            .await?
            .path()
            .ends_with("/public/area/L03387")
        {
            return Ok(None);
        }
        Ok(c.find_all(Locator::Css(".big-level .level"))
            .await?
            .into_iter()
            .next())
    })
    .await?
    .text()
    .await
    .map_err(|e| format!("reading the level: {e}"))?;
    if level != "Nguy cơ cao" {
        return Err(format!(
            "Phường Tân Phong shows {level:?}, not \"Nguy cơ cao\""
        ));
    }
    let measures = texts(c, "table.measures td").await?;
    if !measures.iter().any(|m| m.contains("karaoke")) {
        return Err(format!("the measures in force are {measures:?}"));
    }
    Ok(())
}

/// Picks an option of a select by its value.
pub(crate) async fn choose(c: &Client, css: &str, value: &str) -> Checked {
    find(c, css)
        .await?
        .select_by_value(value)
        .await
        .map_err(|e| format!("choosing {value:?} in {css}: {e}"))
}

pub(crate) async fn click(c: &Client, css: &str) -> Checked {
    find(c, css)
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking {css}: {e}"))
}

/// The text of every element a selector matches (for SVG `<title>`, its text content).
pub(crate) async fn texts(c: &Client, css: &str) -> Checked<Vec<String>> {
    let read = async {
        let mut out = Vec::new();
        for e in c.find_all(Locator::Css(css)).await? {
            let t = e.prop("textContent").await?.unwrap_or_default();
            out.push(t.trim().to_owned());
        }
        Ok::<_, CmdError>(out)
    };
    read.await.map_err(|e| format!("reading {css}: {e}"))
}

/// The WebDriver URL, or None when the test is to be skipped.
fn webdriver_url() -> Option<String> {
    match std::env::var("CHONGDICH_WEBDRIVER") {
        Ok(url) if !url.trim().is_empty() => Some(url.trim().to_owned()),
        _ if std::env::var("CHONGDICH_REQUIRE_BROWSER").is_ok_and(|v| v == "1") => panic!(
            "CHONGDICH_REQUIRE_BROWSER=1 but CHONGDICH_WEBDRIVER is not set: start \
             `chromedriver --port=9515` and set CHONGDICH_WEBDRIVER=http://127.0.0.1:9515"
        ),
        _ => {
            eprintln!(
                "browser test skipped: set CHONGDICH_WEBDRIVER (e.g. http://127.0.0.1:9515, \
                 from `chromedriver --port=9515`) to run it"
            );
            None
        }
    }
}

/// A fresh Chromium profile directory for this run, removed afterwards.
struct Profile {
    dir: PathBuf,
}

impl Profile {
    fn new() -> Profile {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("chongdich-chromium-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)
            .unwrap_or_else(|e| panic!("creating the browser profile {}: {e}", dir.display()));
        Profile { dir }
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn connect(webdriver: &str, profile: &Profile) -> Client {
    let binary = std::env::var("CHONGDICH_CHROMIUM")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| "/usr/bin/chromium".to_owned());
    let options = json!({
        "binary": binary,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            format!("--user-data-dir={}", profile.dir.display()),
            "--window-size=1280,900",
        ],
    });
    let mut caps = Capabilities::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert("goog:chromeOptions".into(), options);
    // chromedriver listens on plain http on this machine: no TLS stack is needed.
    let builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .clone();
    let client = tokio::time::timeout(CONNECT, builder.connect(webdriver))
        .await
        .unwrap_or_else(|_| panic!("no browser session from {webdriver} within {CONNECT:?}"))
        .unwrap_or_else(|e| {
            panic!("cannot start a browser session through {webdriver} ({binary}): {e}")
        });
    // Bound navigation too: a page that never loads fails the test instead of hanging it.
    let timeouts = TimeoutConfiguration::new(Some(WAIT), Some(WAIT), Some(Duration::ZERO));
    if let Err(e) = client.update_timeouts(timeouts).await {
        let _ = client.clone().close().await;
        panic!("setting the WebDriver timeouts: {e}");
    }
    client
}

pub(crate) type Checked<T = ()> = Result<T, String>;

async fn scenario(c: &Client, base: &str) -> Checked {
    // Without diacritics, lower case: both Lai Châu provinces and the city, shown with diacritics.
    let results = search(c, base, "lai chau").await?;
    expect_link(&results, "/areas/L12", "Tỉnh Lai Châu")?;
    expect_link(&results, "/areas/N12", "Tỉnh Lai Châu")?;
    expect_link(&results, "/areas/L105", "Thành phố Lai Châu")?;
    if let Some((text, href)) = results
        .iter()
        .find(|(text, _)| text.to_lowercase().contains("lai chau"))
    {
        return Err(format!(
            "result {href} is shown without diacritics: {text:?}"
        ));
    }

    // Open the province as it was before 01/07/2025, by clicking its result.
    let link = find(c, r#"table.results a[href$="/areas/L12"]"#).await?;
    link.click()
        .await
        .map_err(|e| format!("clicking the result /areas/L12: {e}"))?;
    let heading = poll(c, "the page of /areas/L12 with its heading", async || {
        if c.current_url().await?.path() != "/areas/L12" {
            return Ok(None);
        }
        Ok(Some(c.find(Locator::Css("main h1")).await?.text().await?))
    })
    .await?;
    if heading.trim() != "Tỉnh Lai Châu" {
        return Err(format!(
            "the heading of /areas/L12 is {heading:?}, not \"Tỉnh Lai Châu\""
        ));
    }
    let children = links(c, "main section table a").await?;
    for district in ["Huyện Tam Đường", "Thành phố Lai Châu", "Huyện Phong Thổ"] {
        if !children.iter().any(|(text, _)| text.trim() == district) {
            return Err(format!(
                "/areas/L12 does not list {district:?} among its sub-areas: {children:?}"
            ));
        }
    }

    // Upper case, with diacritics: the same provinces.
    let results = search(c, base, "LAI CHÂU").await?;
    expect_link(&results, "/areas/L12", "Tỉnh Lai Châu")?;
    expect_link(&results, "/areas/N12", "Tỉnh Lai Châu")?;
    Ok(())
}

pub(crate) async fn sign_in(c: &Client, base: &str, user: &str) -> Checked {
    goto(c, &format!("{base}/login")).await?;
    type_into(c, "#username", user).await?;
    type_into(c, "#password", PASSWORD).await?;
    find(c, r#"form[action="/login"] button[type=submit]"#)
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking the login button: {e}"))?;
    // Home: the path is "/", the greeting is there and so is the sign-out form.
    let greeting = poll(c, "the home page after signing in", async || {
        if c.current_url().await?.path() != "/" {
            return Ok(None);
        }
        if c.find_all(Locator::Css(r#"form[action="/logout"]"#))
            .await?
            .is_empty()
        {
            return Ok(None);
        }
        Ok(Some(c.find(Locator::Css("main h1")).await?.text().await?))
    })
    .await?;
    if !greeting.starts_with("Xin chào") {
        return Err(format!("the home page greets with {greeting:?}"));
    }
    Ok(())
}

/// Searches the area browser through its form; the result links as (text, href).
async fn search(c: &Client, base: &str, query: &str) -> Checked<Vec<(String, String)>> {
    goto(c, &format!("{base}/areas")).await?;
    type_into(c, "form[role=search] #q", query).await?;
    find(c, "form[role=search] button[type=submit]")
        .await?
        .click()
        .await
        .map_err(|e| format!("clicking the search button: {e}"))?;
    let what = format!("the results of searching {query:?}");
    poll(c, &what, async || {
        let url = c.current_url().await?;
        if url.path() != "/areas" || !url.query_pairs().any(|(k, v)| k == "q" && v == query) {
            return Ok(None);
        }
        let headings = c.find_all(Locator::Css("main h2")).await?;
        let mut searched = false;
        for h in headings {
            searched |= h.text().await?.starts_with("Kết quả");
        }
        if !searched || c.find_all(Locator::Css("table.results")).await?.is_empty() {
            return Ok(None);
        }
        Ok(Some(()))
    })
    .await?;
    let kept = find(c, "form[role=search] #q")
        .await?
        .prop("value")
        .await
        .map_err(|e| format!("reading the search box: {e}"))?;
    if kept.as_deref() != Some(query) {
        return Err(format!(
            "after searching {query:?} the search box holds {kept:?}"
        ));
    }
    links(c, "table.results a").await
}

fn expect_link(links: &[(String, String)], path: &str, text: &str) -> Checked {
    match links.iter().find(|(_, href)| href.ends_with(path)) {
        Some((shown, _)) if shown.trim() == text => Ok(()),
        Some((shown, _)) => Err(format!("the result {path} reads {shown:?}, not {text:?}")),
        None => Err(format!(
            "no result links to {path} ({text:?}); results: {links:?}"
        )),
    }
}

/// Opens a page. A renderer that did not answer in time (Chromium starved of CPU while other
/// browsers start) gets one more try: opening a page is a GET, so trying again changes nothing.
pub(crate) async fn goto(c: &Client, url: &str) -> Checked {
    match c.goto(url).await {
        Err(e)
            if e.to_string()
                .contains("Timed out receiving message from renderer") =>
        {
            c.goto(url)
                .await
                .map_err(|e| format!("opening {url} (second try): {e}"))
        }
        other => other.map_err(|e| format!("opening {url}: {e}")),
    }
}

/// Waits for an element.
pub(crate) async fn find(c: &Client, css: &str) -> Checked<Element> {
    poll(c, &format!("an element {css}"), async || {
        Ok(c.find_all(Locator::Css(css)).await?.into_iter().next())
    })
    .await
}

/// Types into a field and checks that the field got exactly that text.
pub(crate) async fn type_into(c: &Client, css: &str, text: &str) -> Checked {
    let field = find(c, css).await?;
    let typed = async {
        field.clear().await?;
        field.send_keys(text).await?;
        field.prop("value").await
    }
    .await
    .map_err(|e| format!("typing into {css}: {e}"))?;
    if typed.as_deref() == Some(text) {
        Ok(())
    } else {
        Err(format!("typed {text:?} into {css}, which holds {typed:?}"))
    }
}

/// The links matched by a selector, as (text, href).
async fn links(c: &Client, css: &str) -> Checked<Vec<(String, String)>> {
    let read = async {
        let mut out = Vec::new();
        for a in c.find_all(Locator::Css(css)).await? {
            let href = a.attr("href").await?.unwrap_or_default();
            out.push((a.text().await?, href));
        }
        Ok::<_, CmdError>(out)
    };
    read.await
        .map_err(|e| format!("reading the links {css}: {e}"))
}

/// Looks again every POLL until `probe` gives a value, for at most WAIT. WebDriver errors
/// while looking (a page half loaded, an element gone stale) only mean "not yet".
pub(crate) async fn poll<T>(
    c: &Client,
    what: &str,
    mut probe: impl AsyncFnMut() -> Result<Option<T>, CmdError>,
) -> Checked<T> {
    let deadline = Instant::now() + WAIT;
    let mut last_error = None;
    loop {
        match probe().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last_error = Some(e.to_string()),
        }
        if Instant::now() >= deadline {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_else(|e| format!("unknown ({e})"));
            let error = last_error
                .map(|e| format!("; last WebDriver error: {e}"))
                .unwrap_or_default();
            return Err(format!(
                "waited {WAIT:?} for {what}; the browser is at {url}{error}"
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The browser's URL and the start of the page's text, to explain a failure.
async fn where_we_are(c: &Client) -> String {
    let url = match c.current_url().await {
        Ok(u) => u.to_string(),
        Err(e) => return format!("(the browser cannot tell where it is: {e})"),
    };
    let text = match c.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let text: String = text.chars().take(2000).collect();
    format!("browser at {url}; the page reads:\n{text}")
}
