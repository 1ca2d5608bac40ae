//! Labs, samples and results through the API and the pages. The test clock stands on
//! 24/06/2021, under COVID-19 rule set v2 (CĐ 600): only an individual RT-PCR confirms; a
//! pooled sample never does, and an antigen test did not yet (it does from v3, 29/12/2021).

use crate::outbreaks::{case, person};
use crate::support::TestApp;
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

async fn sample(app: &TestApp, t: &str, person_id: i64, body: Value) -> i64 {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/persons/{person_id}/samples"),
            t,
            Some(body),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn suspected(app: &TestApp, t: &str, person_id: i64) -> i64 {
    case(
        app,
        t,
        json!({"person_id": person_id, "disease": "covid19", "classification": "suspected", "onset_date": "2021-06-21"}),
    )
    .await
}

async fn classification(app: &TestApp, t: &str, case_id: i64) -> String {
    let (s, v) = app.get(&format!("/api/v1/cases/{case_id}"), t).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["classification"].as_str().unwrap().to_owned()
}

fn location(h: &axum::http::HeaderMap) -> String {
    h[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn labs_are_registered_and_their_load_is_shown_against_capacity() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let s = app.login("officer_a").await;
    let (status, html) = app.page(&s, "/labs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Thêm phòng xét nghiệm") && html.contains("value=\"L105\""));

    let (status, _, html) = app
        .post_form(
            &s,
            "/labs",
            &[
                ("area_id", "L105"),
                ("name", "Khoa Xét nghiệm TTYT"),
                ("capacity_per_day", "nhiều"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("công suất là số mẫu mỗi ngày"));
    assert!(html.contains("value=\"Khoa Xét nghiệm TTYT\"") && html.contains("value=\"nhiều\""));
    let (_, v) = app.get("/api/v1/labs", &t).await;
    assert_eq!(v.as_array().unwrap().len(), 0, "nothing written");

    let (status, headers, _) = app
        .post_form(
            &s,
            "/labs",
            &[
                ("area_id", "L105"),
                ("name", "Khoa Xét nghiệm TTYT"),
                ("capacity_per_day", "2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/labs?msg=created");
    let (_, v) = app.get("/api/v1/labs", &t).await;
    let lab = v[0]["id"].as_i64().unwrap();
    assert_eq!(v[0]["capacity_per_day"], 2);
    let (_, html) = app.page(&s, "/labs?msg=created").await;
    assert!(html.contains("Đã tạo.") && html.contains("Khoa Xét nghiệm TTYT"));

    // Three samples today in a lab that runs two a day; one yesterday.
    let p = person(&app, &t, "Giàng A Tủa").await;
    for day in ["2021-06-24", "2021-06-24", "2021-06-24", "2021-06-23"] {
        sample(
            &app,
            &t,
            p,
            json!({"disease": "covid19", "kind": "rt_pcr", "reason": "contact", "taken_on": day, "lab_id": lab.to_string()}),
        )
        .await;
    }
    let (status, html) = app.page(&s, "/samples").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/labs\""));
    assert!(
        html.contains("<strong>3/2</strong> <span class=\"badge result-positive\">vượt</span>"),
        "{html}"
    );
    assert!(html.contains(">1/2</td>") && html.contains(">0/2</td>"));
    assert!(html.contains("vượt 1 ngày"));
    assert!(
        html.contains("11/06") && html.contains("24/06"),
        "14 days to today"
    );
    assert!(html.contains("4 mẫu") && html.contains("Giàng A Tủa"));

    // Filters.
    let (_, html) = app.page(&s, "/samples?result=positive").await;
    assert!(html.contains("0 mẫu"));
    let (_, html) = app
        .page(
            &s,
            &format!("/samples?lab_id={lab}&from=2021-06-24&to=2021-06-24"),
        )
        .await;
    assert!(html.contains("3 mẫu") && html.contains("value=\"2021-06-24\""));
    let (_, html) = app.page(&s, "/samples?from=24%2F06%2F2021").await;
    assert!(
        html.contains("3 mẫu") && html.contains("value=\"2021-06-24\""),
        "dd/mm/yyyy is read too"
    );
    let (status, html) = app.page(&s, "/samples?from=hôm-qua&result=x").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không hợp lệ") && html.contains("hôm-qua"));

    // Who may see.
    let viewer = app.login("viewer").await;
    assert_eq!(app.page(&viewer, "/samples").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.page(&viewer, "/labs").await.0, StatusCode::FORBIDDEN);
    let bcd = app.login("bcd").await;
    let (status, html) = app.page(&bcd, "/labs").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Khoa Xét nghiệm TTYT") && !html.contains("Thêm phòng xét nghiệm"));
    let (status, _, _) = app
        .post_form(
            &bcd,
            "/labs",
            &[
                ("area_id", "L105"),
                ("name", "Phòng khác"),
                ("capacity_per_day", "5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_positive_individual_rt_pcr_confirms_a_suspected_case_and_nothing_else_does() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let s = app.login("officer_a").await;

    // Through the page: RT-PCR, individual, positive → the case is confirmed and the page goes
    // to it.
    let p = person(&app, &t, "Lù Thị Mai").await;
    let c = suspected(&app, &t, p).await;
    let x = sample(
        &app,
        &t,
        p,
        json!({"disease": "covid19", "kind": "rt_pcr", "reason": "symptoms", "taken_on": "2021-06-22"}),
    )
    .await;
    let (status, html) = app.page(&s, &format!("/samples/{x}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Ghi kết quả") && html.contains("Lù Thị Mai") && html.contains("22/06/2021")
    );
    // A bad Ct: 422, typed values kept, nothing written.
    let (status, _, html) = app
        .post_form(
            &s,
            &format!("/samples/{x}/result"),
            &[
                ("result", "positive"),
                ("result_on", "2021-06-23"),
                ("ct", "99"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ct là số từ 0 đến 50") && html.contains("value=\"99\""));
    assert!(html.contains("<option value=\"positive\" selected>"));
    assert_eq!(classification(&app, &t, c).await, "suspected");
    let (_, v) = app.get(&format!("/api/v1/samples?person_id={p}"), &t).await;
    assert_eq!(v["items"][0]["result"], "pending");

    let (status, headers, _) = app
        .post_form(
            &s,
            &format!("/samples/{x}/result"),
            &[
                ("result", "positive"),
                ("result_on", "2021-06-23"),
                ("ct", "22,5"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&headers),
        format!("/cases/{c}?msg=confirmed_by_test")
    );
    assert_eq!(classification(&app, &t, c).await, "confirmed");
    let (_, html) = app.page(&s, &format!("/samples/{x}")).await;
    assert!(
        html.contains("Dương tính")
            && html.contains("22,5")
            && html.contains(&format!("href=\"/cases/{c}\""))
    );

    // Through the API: the response names the case it confirmed.
    let p2 = person(&app, &t, "Vàng Văn Sử").await;
    let c2 = suspected(&app, &t, p2).await;
    let x2 = sample(
        &app,
        &t,
        p2,
        json!({"disease": "covid19", "kind": "rt_pcr", "taken_on": "2021-06-23"}),
    )
    .await;
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/samples/{x2}/result"),
            &t,
            Some(json!({"result": "positive"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["confirmed_case_id"], c2);
    assert_eq!(classification(&app, &t, c2).await, "confirmed");

    // A pooled positive does not confirm: the people in the pool are tested one by one.
    let p3 = person(&app, &t, "Sùng Thị Dua").await;
    let c3 = suspected(&app, &t, p3).await;
    let x3 = sample(
        &app,
        &t,
        p3,
        json!({"disease": "covid19", "kind": "rt_pcr", "taken_on": "2021-06-23", "pool_size": "5", "pool_code": "G-17"}),
    )
    .await;
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/samples/{x3}/result"),
            &t,
            Some(json!({"result": "positive"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v["confirmed_case_id"].is_null(), "{v}");
    assert_eq!(classification(&app, &t, c3).await, "suspected");
    let p4 = person(&app, &t, "Hảng A Lử").await;
    let c4 = suspected(&app, &t, p4).await;
    let x4 = sample(
        &app,
        &t,
        p4,
        json!({"disease": "covid19", "kind": "rt_pcr", "taken_on": "2021-06-23", "pool_size": "3", "pool_code": "G-18"}),
    )
    .await;
    let (status, headers, _) = app
        .post_form(
            &s,
            &format!("/samples/{x4}/result"),
            &[
                ("result", "positive"),
                ("result_on", "2021-06-24"),
                ("ct", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/samples/{x4}?msg=result"));
    assert_eq!(classification(&app, &t, c4).await, "suspected");
    let (_, html) = app.page(&s, &location(&headers)).await;
    assert!(html.contains("Đã ghi kết quả xét nghiệm.") && html.contains("gộp 3 người, mã G-18"));

    // An antigen positive does not confirm under v2 (in force on 24/06/2021).
    let p5 = person(&app, &t, "Chang Thị Pà").await;
    let c5 = suspected(&app, &t, p5).await;
    let x5 = sample(
        &app,
        &t,
        p5,
        json!({"disease": "covid19", "kind": "antigen", "taken_on": "2021-06-24"}),
    )
    .await;
    let (status, headers, _) = app
        .post_form(
            &s,
            &format!("/samples/{x5}/result"),
            &[("result", "positive"), ("result_on", "2021-06-24")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("/samples/{x5}?msg=result"));
    assert_eq!(classification(&app, &t, c5).await, "suspected");

    // A result for a sample that does not exist: 404, nothing written.
    let (_, before) = app.get("/api/v1/samples", &t).await;
    let (status, _, _) = app
        .post_form(
            &s,
            "/samples/999999/result",
            &[("result", "positive"), ("result_on", "2021-06-24")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/samples/999999/result",
            &t,
            Some(json!({"result": "positive"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert_eq!(
        app.page(&s, "/samples/999999").await.0,
        StatusCode::NOT_FOUND
    );
    let (_, after) = app.get("/api/v1/samples", &t).await;
    assert_eq!(before, after);

    // Someone who may only look sees the sample but cannot record a result.
    let bcd = app.login("bcd").await;
    let (status, html) = app.page(&bcd, &format!("/samples/{x5}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("Ghi kết quả</button>"));
    let (status, _, _) = app
        .post_form(
            &bcd,
            &format!("/samples/{x5}/result"),
            &[("result", "negative")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Another district's officer does not see it at all.
    let other = app.login("officer_b").await;
    assert_eq!(
        app.page(&other, &format!("/samples/{x5}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = app
        .post_form(
            &other,
            &format!("/samples/{x5}/result"),
            &[("result", "negative")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
