//! Outbreaks through the API and the pages: declared, zoned, drawn (curve, chain, timeline)
//! and ended; forms that fail keep what was typed and write nothing; a 1,000-case outbreak
//! renders in one go. The test clock stands on 24/06/2021.

use crate::support::TestApp;
use axum::http::{Method, StatusCode, header};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use serde_json::{Value, json};

/// A ward of Thành phố Lai Châu (district 105, where officer_a works).
pub const WARD_A: &str = "L03386";

pub async fn person(app: &TestApp, t: &str, name: &str) -> i64 {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            t,
            Some(json!({"full_name": name, "area_id": WARD_A, "confirm_new": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

pub async fn case(app: &TestApp, t: &str, body: Value) -> i64 {
    let (s, v) = app.api(Method::POST, "/api/v1/cases", t, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn outbreak(app: &TestApp, t: &str, id: i64) -> Value {
    let (s, v) = app.get(&format!("/api/v1/outbreaks/{id}"), t).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

fn location(h: &axum::http::HeaderMap) -> String {
    h[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn outbreaks_are_declared_on_the_api_and_the_page_and_a_bad_form_keeps_its_values() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/outbreaks",
            &t,
            Some(json!({"disease": "covid19", "name": "Ổ dịch chợ Tân Phong", "area_id": WARD_A, "setting": "market", "started_on": "10/06/2021"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let first = v["id"].as_i64().unwrap();

    let s = app.login("officer_a").await;
    let (status, html) = app.page(&s, "/outbreaks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!(
        "<a href=\"/outbreaks/{first}\">Ổ dịch chợ Tân Phong</a>"
    )));
    assert!(html.contains("Khai báo ổ dịch") && html.contains(&format!("value=\"{WARD_A}\"")));
    assert!(html.contains("value=\"covid19\"") && html.contains("value=\"industrial_park\""));

    // A name too short and a date in the future: 422, what was typed is kept, nothing written.
    let (status, _, html) = app
        .post_form(
            &s,
            "/outbreaks",
            &[
                ("disease", "covid19"),
                ("name", "Ổ"),
                ("area_id", WARD_A),
                ("place", "Khu tập thể số 3"),
                ("setting", "household"),
                ("started_on", "2021-07-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("tên ổ dịch từ 3 đến 200 ký tự"), "{html}");
    assert!(html.contains("ở tương lai"));
    assert!(html.contains("value=\"Khu tập thể số 3\"") && html.contains("value=\"2021-07-01\""));
    assert!(html.contains("<option value=\"household\" selected>"));
    let (_, v) = app.get("/api/v1/outbreaks", &t).await;
    assert_eq!(v["total"], 1);

    let (status, headers, _) = app
        .post_form(
            &s,
            "/outbreaks",
            &[
                ("disease", "covid19"),
                ("name", "Ổ dịch khu tập thể số 3"),
                ("area_id", WARD_A),
                ("place", "Khu tập thể số 3"),
                ("setting", "household"),
                ("started_on", "2021-06-15"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = location(&headers);
    assert!(to.ends_with("?msg=created"), "{to}");
    let (status, html) = app.page(&s, &to).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đã tạo.") && html.contains("Ổ dịch khu tập thể số 3"));
    assert!(html.contains("15/06/2021") && html.contains("Hộ gia đình"));
    let (_, v) = app.get("/api/v1/outbreaks", &t).await;
    assert_eq!(v["total"], 2);

    // Who may see what.
    let viewer = app.login("viewer").await;
    assert_eq!(
        app.page(&viewer, "/outbreaks").await.0,
        StatusCode::FORBIDDEN
    );
    let bcd = app.login("bcd").await;
    let (status, html) = app.page(&bcd, "/outbreaks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ổ dịch chợ Tân Phong") && !html.contains("Khai báo ổ dịch"));
    let (status, _, _) = app
        .post_form(
            &bcd,
            "/outbreaks",
            &[
                ("disease", "covid19"),
                ("name", "Ổ dịch khác"),
                ("area_id", WARD_A),
                ("started_on", "2021-06-15"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let other = app.login("officer_b").await;
    assert_eq!(
        app.page(&other, &format!("/outbreaks/{first}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.page(&s, "/outbreaks/999999").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_outbreak_page_draws_its_curve_and_chain_lists_its_cases_zones_and_ends() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let (_, v) = app
        .api(
            Method::POST,
            "/api/v1/outbreaks",
            &t,
            Some(json!({"disease": "covid19", "name": "Ổ dịch bản Nậm Loỏng", "area_id": WARD_A, "setting": "household", "started_on": "2021-06-10"})),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
    let a = person(&app, &t, "Lò Văn Páo").await;
    let b = person(&app, &t, "Tòng Thị Xuân").await;
    let case_a = case(
        &app,
        &t,
        json!({"person_id": a, "disease": "covid19", "classification": "confirmed", "case_code": "101", "sample_date": "2021-06-11", "confirmed_date": "2021-06-12", "found_in": "community"}),
    )
    .await;
    let case_b = case(
        &app,
        &t,
        json!({"person_id": b, "disease": "covid19", "classification": "confirmed", "sample_date": "2021-06-14", "confirmed_date": "2021-06-15", "found_in": "quarantine"}),
    )
    .await;
    for c in [case_a, case_b] {
        let (s, v) = app
            .api(
                Method::PUT,
                &format!("/api/v1/cases/{c}/outbreak"),
                &t,
                Some(json!({"outbreak_id": id})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/persons/{a}/contacts"),
            &t,
            Some(json!({"disease": "covid19", "exposed_person_id": b, "first_date": "2021-06-09"})),
        )
        .await;
    assert!(s.is_success(), "{s} {v}");

    let s = app.login("officer_a").await;
    let page = format!("/outbreaks/{id}");
    let (status, html) = app.page(&s, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("class=\"chart epi-curve\""),
        "the curve is drawn"
    );
    assert!(html.contains("Cộng đồng") && html.contains("Đã cách ly / phong tỏa / nhập cảnh"));
    // Every day from the first case (11/06) to today (24/06), the outbreak being active.
    assert!(
        html.contains("14 ngày, từ 11/06 đến 24/06; tổng 2 ca"),
        "{html}"
    );
    assert!(html.contains("class=\"chart chain\""), "the chain is drawn");
    assert!(html.contains(&format!("/persons/{a}")) && html.contains(&format!("/persons/{b}")));
    assert!(html.contains(&format!(
        "<a href=\"/cases/{case_a}\">#{case_a} (BN 101)</a>"
    )));
    assert!(html.contains("Lò Văn Páo") && html.contains("Tòng Thị Xuân"));
    assert!(html.contains(&format!("href=\"/cases?outbreak_id={id}\"")));
    assert!(html.contains("Phát hiện ổ dịch") && html.contains("được xác định là ca bệnh"));
    let detected = html.find("Phát hiện ổ dịch").unwrap();
    let confirmed = html.find("BN 101 — Lò Văn Páo").unwrap();
    assert!(detected < confirmed, "the timeline goes in date order");
    assert!(html.contains("<strong>2</strong>"), "two confirmed cases");

    // A zone.
    let (status, headers, _) = app
        .post_form(
            &s,
            &format!("/outbreaks/{id}/zones"),
            &[
                ("kind", "lockdown"),
                ("area_id", WARD_A),
                ("description", "Bản Nậm Loỏng, 42 hộ"),
                ("starts_on", "2021-06-12"),
                ("ends_on", "2021-06-26"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&s, &location(&headers)).await;
    assert!(html.contains("Đã thêm vùng phong tỏa / cách ly."));
    assert!(html.contains("Bản Nậm Loỏng, 42 hộ") && html.contains("26/06/2021"));
    assert!(html.contains("Bắt đầu phong tỏa") && html.contains("(dự kiến)"));
    assert_eq!(
        outbreak(&app, &t, id).await["zones"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // A zone ending before it starts: 422 with the message next to the field, nothing written.
    let (status, _, html) = app
        .post_form(
            &s,
            &format!("/outbreaks/{id}/zones"),
            &[
                ("kind", "medical_isolation"),
                ("area_id", WARD_A),
                ("description", "Tổ 7"),
                ("starts_on", "2021-06-20"),
                ("ends_on", "2021-06-01"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ngày kết thúc trước ngày bắt đầu"));
    assert!(html.contains("value=\"Tổ 7\"") && html.contains("value=\"2021-06-01\""));
    assert!(html.contains("<option value=\"medical_isolation\" selected>"));
    assert_eq!(
        outbreak(&app, &t, id).await["zones"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Someone who may only look cannot add a zone.
    let bcd = app.login("bcd").await;
    let (_, html) = app.page(&bcd, &page).await;
    assert!(!html.contains("Thêm vùng") && !html.contains("/end\""));
    let (status, _, _) = app
        .post_form(
            &bcd,
            &format!("/outbreaks/{id}/zones"),
            &[
                ("kind", "lockdown"),
                ("area_id", WARD_A),
                ("starts_on", "2021-06-12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Ending: not in the future, then on a real day.
    let (status, _, html) = app
        .post_form(
            &s,
            &format!("/outbreaks/{id}/end"),
            &[("ended_on", "2021-06-30")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ở tương lai") && html.contains("value=\"2021-06-30\""));
    assert_eq!(outbreak(&app, &t, id).await["ended_on"], Value::Null);
    let (status, headers, _) = app
        .post_form(
            &s,
            &format!("/outbreaks/{id}/end"),
            &[("ended_on", "2021-06-23")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location(&headers).ends_with("?msg=ended"));
    assert_eq!(outbreak(&app, &t, id).await["ended_on"], "2021-06-23");
    let (_, html) = app.page(&s, &location(&headers)).await;
    assert!(html.contains("Đã kết thúc ổ dịch.") && html.contains("Kết thúc ổ dịch</li>"));
    assert!(
        html.contains("23/06/2021") && !html.contains(&format!("action=\"/outbreaks/{id}/end\""))
    );
    // Ended: the list shows it after the active ones.
    app.api(
        Method::POST,
        "/api/v1/outbreaks",
        &t,
        Some(json!({"disease": "covid19", "name": "Ổ dịch mới", "area_id": WARD_A, "started_on": "2021-06-01"})),
    )
    .await;
    let (_, html) = app.page(&s, "/outbreaks").await;
    assert!(html.find("Ổ dịch mới").unwrap() < html.find("Ổ dịch bản Nậm Loỏng").unwrap());
}

/// A thousand confirmed cases in one outbreak, in a binary transmission tree, written straight
/// into the database (through the API it would take minutes).
#[tokio::test]
async fn a_thousand_case_outbreak_renders_in_one_go() {
    const N: usize = 1000;
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let (_, v) = app
        .api(
            Method::POST,
            "/api/v1/outbreaks",
            &t,
            Some(json!({"disease": "covid19", "name": "Ổ dịch khu công nghiệp", "area_id": WARD_A, "setting": "industrial_park", "started_on": "2021-05-01"})),
        )
        .await;
    let id = v["id"].as_i64().unwrap();
    let db = app.store().connection();
    let disease = app
        .store()
        .disease_by_code("covid19")
        .await
        .unwrap()
        .disease
        .id;
    let now = Utc.with_ymd_and_hms(2021, 6, 24, 1, 0, 0).unwrap();
    let first_day = NaiveDate::from_ymd_opt(2021, 5, 2).unwrap();
    for chunk in (0..N).collect::<Vec<_>>().chunks(250) {
        let mut q = Query::insert()
            .into_table("persons")
            .columns([
                "province_code",
                "area_id",
                "street",
                "full_name",
                "search_key",
                "given_key",
                "sort_key",
                "nationality",
                "occupation",
                "workplace",
                "created_at",
                "updated_at",
            ])
            .to_owned();
        for i in chunk {
            let name = format!("Công nhân {i:04}");
            let key = format!("cong nhan {i:04}");
            q.values_panic([
                "12".into(),
                WARD_A.into(),
                "".into(),
                name.into(),
                key.clone().into(),
                format!("{i:04}").into(),
                key.into(),
                "VN".into(),
                "".into(),
                "".into(),
                now.into(),
                now.into(),
            ]);
        }
        db.execute(&q).await.unwrap();
    }
    let ids: Vec<i64> = db
        .query_all(
            &Query::select()
                .column("id")
                .from("persons")
                .and_where(Expr::col("search_key").like("cong nhan %"))
                .order_by("id", Order::Asc)
                .to_owned(),
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<i64>("", "id").unwrap())
        .collect();
    assert_eq!(ids.len(), N);
    let day_of = |i: usize| first_day + Duration::days((i / 20) as i64);
    for chunk in (0..N).collect::<Vec<_>>().chunks(200) {
        let mut cases = Query::insert()
            .into_table("cases")
            .columns([
                "province_code",
                "area_id",
                "person_id",
                "disease_id",
                "classification",
                "sample_date",
                "confirmed_date",
                "curve_date",
                "found_in",
                "source_known",
                "setting",
                "treatment_place",
                "outcome",
                "illegal_entry",
                "outbreak_id",
                "notes",
                "created_at",
                "updated_at",
            ])
            .to_owned();
        let mut exposures = Query::insert()
            .into_table("exposures")
            .columns([
                "province_code",
                "disease_id",
                "source_person_id",
                "exposed_person_id",
                "first_date",
                "last_date",
                "setting",
                "proximity",
                "certainty",
                "notes",
                "created_at",
                "created_by",
            ])
            .to_owned();
        for &i in chunk {
            let day = day_of(i);
            cases.values_panic([
                "12".into(),
                WARD_A.into(),
                ids[i].into(),
                disease.into(),
                "confirmed".into(),
                day.into(),
                day.into(),
                day.into(),
                (if i % 3 == 0 {
                    "quarantine"
                } else {
                    "community"
                })
                .into(),
                false.into(),
                "industrial_park".into(),
                "".into(),
                "treating".into(),
                false.into(),
                id.into(),
                "".into(),
                now.into(),
                now.into(),
            ]);
            if i > 0 {
                let source = (i - 1) / 2;
                exposures.values_panic([
                    "12".into(),
                    disease.into(),
                    ids[source].into(),
                    ids[i].into(),
                    day_of(source).into(),
                    day_of(source).into(),
                    "industrial_park".into(),
                    "within_2m".into(),
                    "confirmed".into(),
                    "".into(),
                    now.into(),
                    "officer_a".into(),
                ]);
            }
        }
        db.execute(&cases).await.unwrap();
        if chunk.iter().any(|&i| i > 0) {
            db.execute(&exposures).await.unwrap();
        }
    }

    let s = app.login("officer_a").await;
    let started = std::time::Instant::now();
    let (status, html) = app.page(&s, &format!("/outbreaks/{id}")).await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("<strong>1000</strong>"),
        "1000 confirmed cases"
    );
    assert!(html.contains("Ca bệnh (1000)"));
    assert!(html.contains("class=\"chart epi-curve\"") && html.contains("class=\"chart chain\""));
    assert!(
        html.contains("Công nhân 0999") && html.contains("rel=\"next\""),
        "200 per page, then a pager"
    );
    assert_eq!(html.matches("<tr><td><a href=\"/cases/").count(), 200);
    // Generous for a debug build on a busy machine; N+1 queries would take far longer.
    assert!(took < std::time::Duration::from_secs(10), "{took:?}");
    let (status, html) = app.page(&s, &format!("/outbreaks/{id}?page=5")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Công nhân 0000") && html.contains("Trang 5/5"));
}
