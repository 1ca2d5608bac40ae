//! The quarantine pages through HTTP: issuing an order on a person's page (a bad override keeps
//! what was typed and writes nothing), the order's page with its explanation, a check-in form,
//! the ward's work list on screen and as Excel, the person's own declaration by link without an
//! account, the rule versions page, and a batch's checkpoint form. The clock stands on
//! 24/06/2021.

use crate::outbreaks::{WARD_A, person};
use crate::support::TestApp;
use chongdich_domain::access::Scope;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, Query};

async fn count(app: &TestApp, table: &str) -> i64 {
    let r = app
        .store()
        .connection()
        .query_one(
            &Query::select()
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .from(sea_orm::sea_query::Alias::new(table))
                .to_owned(),
        )
        .await
        .unwrap()
        .unwrap();
    r.try_get::<i64>("", "n").unwrap()
}

fn location(h: &axum::http::HeaderMap) -> String {
    h.get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn an_order_is_issued_on_the_page_and_followed_in_the_work_list() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let pid = person(&app, &t, "Nguyễn Văn An").await;
    let s = app.login("officer_a").await;
    let path = format!("/persons/{pid}/quarantine/new");
    let (status, page) = app.page(&s, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ra lệnh cách ly"), "{page}");

    // An override ending before the start: refused on its field, what was typed kept.
    let bad = [
        ("subject", "f1"),
        ("start", "10/06/2021"),
        ("override_kind", "home"),
        ("override_ends_on", "05/06/2021"),
        ("override_reason", "Khu cách ly quá tải"),
        ("address", "Tổ 3"),
        ("action", "create"),
    ];
    let (status, _, page) = app.post_form(&s, &path, &bad).await;
    assert_eq!(status, 422);
    assert!(page.contains("trước khi bắt đầu"), "{page}");
    assert!(page.contains("Khu cách ly quá tải"));
    assert_eq!(count(&app, "quarantine_orders").await, 0);

    // The preview shows what the rules give without writing.
    let (status, _, page) = app
        .post_form(
            &s,
            &path,
            &[
                ("subject", "f1"),
                ("start", "10/06/2021"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Theo CĐ 600"), "{page}");
    assert_eq!(count(&app, "quarantine_orders").await, 0);

    let (status, headers, _) = app
        .post_form(
            &s,
            &path,
            &[
                ("subject", "f1"),
                ("start", "10/06/2021"),
                ("address", "Tổ 3"),
                ("action", "create"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let order_path = location(&headers);
    let order_path = order_path.split('?').next().unwrap().to_owned();
    assert!(
        order_path.starts_with("/quarantine/orders/"),
        "{order_path}"
    );
    let (status, page) = app.page(&s, &order_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Cách ly tập trung"));
    assert!(page.contains("30/06/2021"), "the last day of 21: {page}");
    assert!(page.contains("/khai-bao/"));

    // A check-in with an impossible temperature keeps the form; a good one is listed.
    let checkins = format!("{order_path}/checkins");
    let (status, _, page) = app
        .post_form(&s, &checkins, &[("temperature", "73,5")])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("73,5"), "the typed value is kept");
    assert_eq!(count(&app, "quarantine_checkins").await, 0);
    let (status, _, _) = app
        .post_form(&s, &checkins, &[("temperature", "36,7"), ("symptom", "ho")])
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&s, &order_path).await;
    assert!(page.contains("36,7 °C") && page.contains("Ho"), "{page}");

    // The ward's work list: the person, in the centralized part, to be moved (not in a
    // facility); the Excel file carries the same line.
    let (status, page) = app
        .page(&s, &format!("/quarantine/work?area={WARD_A}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Nguyễn Văn An"), "{page}");
    assert!(page.contains("chưa vào cơ sở cách ly"), "{page}");
    let (status, headers, body) = app
        .send(
            axum::http::Request::get(format!("/quarantine/work.xlsx?area={WARD_A}"))
                .header("cookie", &s.cookie)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        headers.get("content-type").unwrap(),
        chongdich_web::excel::XLSX_MIME
    );
    let csv = chongdich_web::excel::first_sheet_as_csv(&body).unwrap();
    assert!(csv.contains("Nguyễn Văn An"), "{csv}");
    assert!(csv.contains("Cần chuyển: chưa vào cơ sở cách ly"), "{csv}");

    // officer_b (another district) neither sees the order nor this ward's list.
    let b = app.login("officer_b").await;
    assert_eq!(app.page(&b, &order_path).await.0, 404);
    assert_eq!(
        app.page(&b, &format!("/quarantine/work?area={WARD_A}"))
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn a_person_declares_through_the_link_without_an_account() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let pid = person(&app, &t, "Lê Thị Bình").await;
    let s = app.login("officer_a").await;
    let (status, _, _) = app
        .post_form(
            &s,
            &format!("/persons/{pid}/quarantine/new"),
            &[
                ("subject", "f1"),
                ("start", "20/06/2021"),
                ("action", "create"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let order = app
        .store()
        .orders_of_person(&Scope::everywhere(), pid)
        .await
        .unwrap()
        .remove(0);
    let path = format!("/khai-bao/{}", order.token);
    let anonymous = |p: String| {
        axum::http::Request::get(p)
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let (status, _, body) = app.send(anonymous(path.clone())).await;
    let page = String::from_utf8_lossy(&body);
    assert_eq!(status, 200);
    assert!(
        page.contains("… Bình"),
        "only the given name is shown: {page}"
    );
    assert!(!page.contains("Lê Thị Bình"));

    let post = |fields: &str| {
        axum::http::Request::post(path.clone())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(fields.to_owned()))
            .unwrap()
    };
    let (status, _, _) = app.send(post("temperature=abc")).await;
    assert_eq!(status, 422);
    assert_eq!(count(&app, "quarantine_checkins").await, 0);
    let (status, headers, _) = app
        .send(post("temperature=38%2C2&symptom=ho&symptom=sot"))
        .await;
    assert_eq!(status, 303);
    assert!(location(&headers).ends_with("?sent=1"));
    let view = app
        .store()
        .order(
            &Scope::everywhere(),
            &chongdich_store::audit::Who::console(),
            order.id,
        )
        .await
        .unwrap();
    assert_eq!(view.checkins.len(), 1);
    assert_eq!(view.checkins[0].by_kind, "self");
    assert_eq!(view.checkins[0].temperature, Some(38.2));
    assert_eq!(view.checkins[0].symptoms, "Ho, Sốt");

    // A made-up token is not found, and says nothing.
    let (status, _, _) = app
        .send(anonymous(format!("/khai-bao/{}", "0".repeat(32))))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_rule_versions_are_listed_and_a_new_one_is_checked_before_it_is_kept() {
    let app = TestApp::new().await;
    let viewer = app.login("viewer").await;
    let (status, page) = app.page(&viewer, "/quarantine/rules").await;
    assert_eq!(status, 200);
    for name in ["CĐ 600", "CV 5599", "CV 1909"] {
        assert!(page.contains(name), "{name}");
    }
    assert!(!page.contains("id=\"rules-form\""), "a viewer cannot add");

    let admin = app.login("national").await;
    let sets = app.store().quarantine_rules().await.unwrap();
    let mut set = sets.last().unwrap().clone();
    set.id = "lc_2022".into();
    set.name = "Quyết định của tỉnh (2022)".into();
    set.valid_from = chrono::NaiveDate::from_ymd_opt(2022, 6, 1).unwrap();
    let mut bad = set.clone();
    bad.rules[0].days = 500;
    let (status, _, page) = app
        .post_form(
            &admin,
            "/quarantine/rules",
            &[("body", &serde_json::to_string(&bad).unwrap())],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("rules[0].days"), "{page}");
    assert_eq!(
        app.store().quarantine_rules().await.unwrap().len(),
        sets.len()
    );
    let (status, _, _) = app
        .post_form(
            &admin,
            "/quarantine/rules",
            &[("body", &serde_json::to_string(&set).unwrap())],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&admin, "/quarantine/rules").await;
    assert!(page.contains("Quyết định của tỉnh (2022)"));
    // The same id again is refused: a version in use is never rewritten.
    let (status, _, page) = app
        .post_form(
            &admin,
            "/quarantine/rules",
            &[("body", &serde_json::to_string(&set).unwrap())],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("lc_2022"));
}

#[tokio::test]
async fn a_checkpoint_registers_returnees_one_by_one() {
    let app = TestApp::new().await;
    let s = app.login("officer_a").await;
    // Without the province's decision, a returnee under CĐ 600 has no order: refused.
    let (status, headers, _) = app
        .post_form(
            &s,
            "/quarantine/returnees",
            &[
                ("area_id", WARD_A),
                ("origin", "TP. Bắc Giang"),
                ("origin_level", "cấp 4"),
                ("arrived_on", "20/06/2021"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let batch = location(&headers);
    let batch = batch.split('?').next().unwrap().to_owned();
    let (status, _, page) = app
        .post_form(
            &s,
            &format!("{batch}/people"),
            &[("full_name", "Trần Văn Cường"), ("subject", "returnee")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("không có quy định cách ly"), "{page}");
    assert!(page.contains("Trần Văn Cường"), "kept");
    assert_eq!(count(&app, "returnees").await, 0);
    assert_eq!(count(&app, "persons").await, 0);
    // An F1 of the same bus has a rule: registered with its order.
    let (status, _, _) = app
        .post_form(
            &s,
            &format!("{batch}/people"),
            &[("full_name", "Trần Văn Cường"), ("subject", "f1")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&s, &batch).await;
    assert!(page.contains("Trần Văn Cường") && page.contains("Cách ly tập trung"));

    // A batch with the decision: the returnee gets home quarantine citing it.
    let (status, headers, _) = app
        .post_form(
            &s,
            "/quarantine/returnees",
            &[
                ("area_id", WARD_A),
                ("origin", "TP. Bắc Giang"),
                ("arrived_on", "20/06/2021"),
                ("fallback_kind", "home"),
                ("fallback_days", "14"),
                ("fallback_test_days", "1, 7, 14"),
                ("fallback_monitoring_days", "14"),
                ("fallback_basis", "Kế hoạch 1234/KH-UBND"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let batch = location(&headers);
    let batch = batch.split('?').next().unwrap().to_owned();
    let (status, _, _) = app
        .post_form(
            &s,
            &format!("{batch}/people"),
            &[
                ("full_name", "Phạm Thị Dung"),
                ("subject", "returnee"),
                ("street", "Tổ 4"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&s, &batch).await;
    assert!(page.contains("Phạm Thị Dung") && page.contains("Cách ly tại nhà"));
    let (_, page) = app
        .page(&s, &format!("/quarantine/work?area={WARD_A}"))
        .await;
    assert!(page.contains("Phạm Thị Dung") && page.contains("Trần Văn Cường"));
    // Another district does not see the batch.
    let b = app.login("officer_b").await;
    assert_eq!(app.page(&b, &batch).await.0, 404);
}
