//! Diseases and their rule sets through the pages and the API: everyone reads them, only an
//! administrator adds a disease or a new version (never an edit). The test clock stands on
//! 24/06/2021: COVID-19 rule set v2 is in force.

use crate::support::TestApp;
use axum::http::{Method, StatusCode, header};
use serde_json::json;

/// A complete new version of the COVID-19 rules, as the form posts it.
fn version_5<'a>(valid_from: &'a str, valid_to: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", "Truy vết COVID-19 thí điểm tại Lai Châu"),
        ("source", "QĐ 999/QĐ-UBND (20/6/2021)"),
        ("valid_from", valid_from),
        ("valid_to", valid_to),
        ("max_f_level", "3"),
        ("infectious_days_before_onset", "2"),
        ("contact_window_days", "14"),
        ("f0_classifications", "confirmed"),
        ("f0_classifications", "probable"),
        ("confirming_tests", "rt_pcr"),
        ("unverified", "contact_window_days"),
        ("notes", "Thí điểm theo quyết định của tỉnh."),
    ]
}

async fn rule_set_count(app: &TestApp, t: &str) -> usize {
    let (s, v) = app.get("/api/v1/diseases/covid19", t).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["rule_sets"].as_array().unwrap().len()
}

#[tokio::test]
async fn everyone_reads_the_rules_in_force_with_their_source_and_unverified_values_marked() {
    let app = TestApp::new().await;
    let s = app.login("viewer").await;
    let (status, html) = app.page(&s, "/diseases").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<a href=\"/diseases/covid19\"><code>covid19</code></a>"));
    assert!(html.contains("COVID-19") && html.contains("U07.1"));
    assert!(html.contains("v2 — Truy vết COVID-19 theo CĐ 600 và QĐ 3638"));
    assert!(html.contains("CĐ 600/CĐ-BCĐ (05/5/2021)"));
    assert!(!html.contains("Thêm bệnh"));

    let (status, html) = app.page(&s, "/diseases/covid19").await;
    assert_eq!(status, StatusCode::OK);
    for v in ["v1", "v2", "v3", "v4"] {
        assert!(html.contains(&format!("<th scope=\"row\">{v}")), "{v}");
    }
    assert_eq!(html.matches("Đang áp dụng</span>").count(), 1);
    let v2 = html.find("<th scope=\"row\">v2").unwrap();
    let in_force = html.find("<tr class=\"in-force\">").unwrap();
    assert!(
        in_force < v2 && v2 - in_force < 40,
        "v2 is the one in force on 24/06/2021"
    );
    assert!(html.contains("05/05/2021 – 28/12/2021") && html.contains("từ 15/04/2022"));
    assert!(html.contains("không bao giờ bị sửa"));
    assert!(html.contains("chưa kiểm chứng") && html.contains("(CĐ 600) [v]"));
    assert!(html.contains("Xác định (F0)") && html.contains("RT-PCR, Test nhanh kháng nguyên"));
    assert!(!html.contains("/rule-sets\""), "no form for a viewer");
    assert_eq!(
        app.page(&s, "/diseases/khong_co").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn only_an_administrator_adds_a_rule_set_version_and_a_bad_one_writes_nothing() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    for who in ["viewer", "officer_a"] {
        let s = app.login(who).await;
        let (status, _, _) = app
            .post_form(
                &s,
                "/diseases/covid19/rule-sets",
                &version_5("2021-06-20", ""),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        let (status, _, _) = app
            .post_form(
                &s,
                "/diseases",
                &[("code", "dengue"), ("name", "Sốt xuất huyết Dengue")],
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(rule_set_count(&app, &t).await, 4);

    let s = app.login("admin").await;
    let (_, html) = app.page(&s, "/diseases/covid19").await;
    assert!(html.contains("Thêm phiên bản 5"));
    assert!(
        html.contains("value=\"COVID-19 sau CV 1909 (F1 không cách ly)\""),
        "prefilled from the latest version"
    );
    assert!(html.contains("name=\"confirming_tests\" value=\"antigen\" checked"));

    // Ends before it starts: the message, what was typed, nothing written.
    let (status, _, html) = app
        .post_form(
            &s,
            "/diseases/covid19/rule-sets",
            &version_5("2021-06-20", "2021-06-01"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ngày hết hiệu lực trước ngày bắt đầu"));
    assert!(
        html.contains("value=\"Truy vết COVID-19 thí điểm tại Lai Châu\"")
            && html.contains("value=\"2021-06-01\"")
    );
    assert!(html.contains("name=\"f0_classifications\" value=\"probable\" checked"));
    assert!(!html.contains("name=\"confirming_tests\" value=\"antigen\" checked"));
    assert_eq!(rule_set_count(&app, &t).await, 4);

    let (status, headers, _) = app
        .post_form(
            &s,
            "/diseases/covid19/rule-sets",
            &version_5("2021-06-20", ""),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, "/diseases/covid19?msg=rules");
    let (_, html) = app.page(&s, &to).await;
    assert!(html.contains("Đã thêm phiên bản quy tắc mới."));
    let in_force = html.find("<tr class=\"in-force\">").unwrap();
    assert!(
        html[in_force..in_force + 60].contains(">v5"),
        "v5 starts latest: in force"
    );
    assert!(html.contains("QĐ 999/QĐ-UBND (20/6/2021)") && html.contains("Thêm phiên bản 6"));
    let (_, v) = app.get("/api/v1/diseases/covid19", &t).await;
    let sets = v["rule_sets"].as_array().unwrap();
    assert_eq!(sets.len(), 5);
    assert_eq!(sets[4]["version"], 5);
    assert_eq!(sets[4]["in_force"], true);
    assert_eq!(sets[4]["max_f_level"], 3);
    assert_eq!(
        sets[4]["f0_classifications"],
        json!(["confirmed", "probable"])
    );
    assert_eq!(sets[4]["unverified"], json!(["contact_window_days"]));
    assert_eq!(
        sets[3]["valid_to"],
        serde_json::Value::Null,
        "earlier versions untouched"
    );
}

#[tokio::test]
async fn a_new_disease_has_no_rules_until_one_is_added() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/diseases",
            &t,
            Some(json!({"code": "dengue", "name": "Sốt xuất huyết Dengue", "icd10": "A97"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["code"], "dengue");
    assert_eq!(v["rule_sets"], json!([]));
    let officer = app.token("officer_a").await;
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/diseases",
            &officer,
            Some(json!({"code": "malaria", "name": "Sốt rét"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let s = app.login("admin").await;
    let (_, html) = app.page(&s, "/diseases").await;
    assert!(html.contains("<a href=\"/diseases/dengue\"><code>dengue</code></a>"));
    assert!(html.contains("chưa có bộ quy tắc") && html.contains("A97"));
    let (status, html) = app.page(&s, "/diseases/dengue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chưa có bộ quy tắc nào") && html.contains("Thêm phiên bản 1"));

    // Through the page: a bad code keeps what was typed; a good one goes to the disease.
    let (status, _, html) = app
        .post_form(
            &s,
            "/diseases",
            &[("code", "Sốt rét"), ("name", "Sốt rét"), ("icd10", "B54")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("mã bệnh gồm")
            && html.contains("value=\"Sốt rét\"")
            && html.contains("value=\"B54\"")
    );
    let (status, _, html) = app
        .post_form(
            &s,
            "/diseases",
            &[("code", "dengue"), ("name", "Trùng"), ("icd10", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("mã bệnh đã có"));
    let (status, headers, _) = app
        .post_form(
            &s,
            "/diseases",
            &[("code", "malaria"), ("name", "Sốt rét"), ("icd10", "B54")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/diseases/malaria?msg=created");
    let (_, v) = app.get("/api/v1/diseases", &t).await;
    assert_eq!(v.as_array().unwrap().len(), 3);
}
