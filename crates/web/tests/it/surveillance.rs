//! People, cases, contacts and F-levels through the API and the pages: duplicates, merges,
//! classification with history, F-levels derived and released, chains, exports, scoping and
//! audit. The test clock stands on 24/06/2021 (rule set v2: F1–F5, 21-day window).

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// A ward of Thành phố Lai Châu (district 105, where officer_a works).
const WARD_A: &str = "L03386";
/// A ward of Tam Đường (district 106, officer_b's).
const WARD_B: &str = "L03390";

async fn person(app: &TestApp, t: &str, name: &str, extra: Value) -> i64 {
    let mut body = json!({"full_name": name, "area_id": WARD_A});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let (s, v) = app
        .api(Method::POST, "/api/v1/persons", t, Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn case(app: &TestApp, t: &str, person_id: i64, classification: &str) -> i64 {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/cases",
            t,
            Some(json!({"person_id": person_id, "disease": "covid19", "classification": classification, "sample_date": "2021-06-20"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn contact(
    app: &TestApp,
    t: &str,
    source: i64,
    exposed: i64,
    day: &str,
) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/persons/{source}/contacts"),
        t,
        Some(json!({"disease": "covid19", "exposed_person_id": exposed, "first_date": day})),
    )
    .await
}

async fn level(app: &TestApp, t: &str, id: i64) -> Option<i64> {
    let (_, v) = app.get(&format!("/api/v1/persons/{id}"), t).await;
    v["f_levels"]
        .as_array()
        .unwrap()
        .first()
        .map(|f| f["level"].as_i64().unwrap())
}

#[tokio::test]
async fn people_are_validated_deduplicated_and_found_without_diacritics() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    // Several bad fields at once, nothing written.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(json!({"full_name": "", "id_number": "12345", "phone": "12", "area_id": WARD_A, "birth_date": "31/02/1990"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["full_name", "id_number", "phone", "birth_date"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let id = person(
        &app,
        &t,
        "Đỗ Thị Hằng",
        json!({"id_number": "012187000123", "birth_date": "1987", "sex": "female", "phone": "0912 345 678"}),
    )
    .await;
    // Same name and birth year, no diacritics: a candidate, not a second record.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(json!({"full_name": "Do Thi Hang", "birth_date": "1987", "area_id": WARD_A})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["candidates"][0]["id"], id);
    // Same phone in another form.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(json!({"full_name": "Trần Văn B", "phone": "+84912345678", "area_id": WARD_A})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(v["candidates"][0]["id"], id);
    // Confirmed as someone else: created.
    let other = person(
        &app,
        &t,
        "Do Thi Hang",
        json!({"birth_date": "1987", "confirm_new": true}),
    )
    .await;
    assert_ne!(other, id);
    // Found by name without diacritics, by given name, by CCCD and by phone.
    for q in [
        "do thi hang",
        "hang",
        "Hằng Đỗ",
        "012187000123",
        "0912.345.678",
    ] {
        let (s, v) = app
            .get(&format!("/api/v1/persons?q={}", urlencode(q)), &t)
            .await;
        assert_eq!(s, StatusCode::OK);
        let ids: Vec<i64> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&id), "{q}: {ids:?}");
    }
    // Officer B (another district) sees neither.
    let tb = app.token("officer_b").await;
    let (s, _) = app.get(&format!("/api/v1/persons/{id}"), &tb).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = app.get("/api/v1/persons?q=hang", &tb).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    // Every read of the record is in the audit log.
    let (s, _) = app.get(&format!("/api/v1/persons/{id}"), &t).await;
    assert_eq!(s, StatusCode::OK);
    let admin = app.token("admin").await;
    let (_, v) = app.get("/api/v1/audit?record_type=person", &admin).await;
    let views = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["action"] == "view"
                && e["record_id"].as_str().and_then(|r| r.parse::<i64>().ok()) == Some(id)
        })
        .count();
    assert!(views >= 1, "{v}");
}

#[tokio::test]
async fn name_search_pages_through_both_name_orders_without_repeats() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    // "hung" starts the full name, the given-name-first key, or both ("Hùng Văn Hùng").
    for name in [
        "Hùng Thị Lan",
        "Hà Văn Hùng",
        "Hưng Nguyễn",
        "Hùng Văn Hùng",
        "Lê Hùng",
        "Đỗ Thị Hằng",
    ] {
        person(&app, &t, name, json!({})).await;
    }
    let mut seen = Vec::new();
    for offset in [0, 2, 4, 6] {
        let (s, v) = app
            .get(
                &format!("/api/v1/persons?q=hung&limit=2&offset={offset}"),
                &t,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["total"], 5, "{v}");
        for p in v["items"].as_array().unwrap() {
            seen.push(p["full_name"].as_str().unwrap().to_owned());
        }
    }
    // Sorted by the key that matched, the earlier one when both did: "hung ha van",
    // "hung hung van", "hung le", "hung nguyen", "hung thi lan".
    assert_eq!(
        seen,
        [
            "Hà Văn Hùng",
            "Hùng Văn Hùng",
            "Lê Hùng",
            "Hưng Nguyễn",
            "Hùng Thị Lan"
        ]
    );
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn confirming_a_case_makes_its_contacts_f1_and_discarding_releases_them_unless_held() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let a = person(&app, &t, "Nguyễn Văn An", json!({})).await;
    let b = person(&app, &t, "Lê Thị Bình", json!({})).await;
    let c = person(&app, &t, "Phạm Văn Cường", json!({})).await;
    let d = person(&app, &t, "Hoàng Văn Dũng", json!({})).await;
    let case_a = case(&app, &t, a, "suspected").await;
    assert_eq!(
        contact(&app, &t, a, b, "2021-06-21").await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        contact(&app, &t, b, c, "2021-06-22").await.0,
        StatusCode::CREATED
    );
    // A cycle is legitimate data.
    assert_eq!(
        contact(&app, &t, c, a, "2021-06-23").await.0,
        StatusCode::CREATED
    );
    assert_eq!(level(&app, &t, b).await, None, "a suspect makes no F1");
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{case_a}/classification"),
            &t,
            Some(json!({"classification": "confirmed"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["history"].as_array().unwrap().len(), 2);
    assert_eq!(level(&app, &t, b).await, Some(1));
    // C met A directly on the 23rd (the cycle): F1, not F2.
    assert_eq!(level(&app, &t, c).await, Some(1));
    let (_, pv) = app.get(&format!("/api/v1/persons/{b}"), &t).await;
    assert_eq!(pv["f_levels"][0]["root_person_id"], a);
    // D becomes F2 through B.
    contact(&app, &t, b, d, "2021-06-23").await;
    assert_eq!(level(&app, &t, d).await, Some(2));
    // A second F0 holding D directly.
    let e = person(&app, &t, "Vũ Thị Em", json!({})).await;
    case(&app, &t, e, "confirmed").await;
    contact(&app, &t, e, d, "2021-06-23").await;
    assert_eq!(level(&app, &t, d).await, Some(1));
    // The chain is drawn and lists everyone around A.
    let (_, chain) = app.get(&format!("/api/v1/cases/{case_a}/chain"), &t).await;
    assert!(chain["nodes"].as_array().unwrap().len() >= 4, "{chain}");
    // Discarding A: B and C are released; D is still held by E.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{case_a}/classification"),
            &t,
            Some(json!({"classification": "discarded"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{case_a}/classification"),
            &t,
            Some(json!({"classification": "discarded", "reason": "PCR lại âm tính hai lần"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // B is no longer F1, but met D (F1 of E) on the 23rd, after D's exposure: F2 through D.
    assert_eq!(level(&app, &t, b).await, Some(2));
    let (_, pv) = app.get(&format!("/api/v1/persons/{b}"), &t).await;
    assert_eq!(pv["f_levels"][0]["via_person_id"], d);
    assert_eq!(pv["f_levels"][0]["root_person_id"], e);
    // C met B on the 22nd, before B could have been infected through D: released.
    assert_eq!(level(&app, &t, c).await, None);
    assert_eq!(level(&app, &t, d).await, Some(1));
    // The F1 filter of the list.
    let (_, v) = app
        .get("/api/v1/persons?f_level=1&disease=covid19", &t)
        .await;
    let ids: Vec<i64> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![d]);
}

#[tokio::test]
async fn bad_contacts_and_merges_write_nothing() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let a = person(&app, &t, "Nguyễn Văn An", json!({})).await;
    let b = person(&app, &t, "Lê Thị Bình", json!({})).await;
    let count = |app: &TestApp| {
        let db = app.store().clone();
        async move {
            use sea_orm::ConnectionTrait;
            let r = db
                .connection()
                .query_one_raw(sea_orm::Statement::from_string(
                    db.connection().get_database_backend(),
                    "SELECT COUNT(*) AS n FROM exposures",
                ))
                .await
                .unwrap()
                .unwrap();
            r.try_get::<i64>("", "n").unwrap()
        }
    };
    // Source that does not exist.
    let (s, v) = contact(&app, &t, 999_999, b, "2021-06-20").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "source_person_id");
    // Exposure in the future.
    let (s, v) = contact(&app, &t, a, b, "2021-06-25").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "first_date");
    // Oneself.
    let (s, v) = contact(&app, &t, a, a, "2021-06-20").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "exposed_person_id");
    // A new contact person with a bad field: neither the person nor the exposure is written.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/persons/{a}/contacts"),
            &t,
            Some(json!({"disease": "covid19", "person": {"full_name": "Hà Văn C", "area_id": WARD_A, "phone": "123"}, "first_date": "2021-06-20"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, v) = app.get("/api/v1/persons?q=ha%20van%20c", &t).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert_eq!(count(&app).await, 0);
    // Merge with itself.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/persons/{a}/merge"),
            &t,
            Some(json!({"merged_id": a})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "merged_id");
    // A real merge keeps both records and moves the case.
    let dup = person(&app, &t, "Nguyen Van An", json!({"confirm_new": true})).await;
    let c = case(&app, &t, dup, "suspected").await;
    contact(&app, &t, dup, b, "2021-06-20").await;
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/persons/{a}/merge"),
            &t,
            Some(json!({"merged_id": dup})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, cv) = app.get(&format!("/api/v1/cases/{c}"), &t).await;
    assert_eq!(cv["person_id"], a);
    let (_, pv) = app.get(&format!("/api/v1/persons/{a}"), &t).await;
    assert_eq!(pv["merged"][0]["id"], dup);
    let (_, dv) = app.get(&format!("/api/v1/persons/{dup}"), &t).await;
    assert_eq!(dv["merged_into"], a);
    let (_, contacts) = app.get(&format!("/api/v1/persons/{a}/contacts"), &t).await;
    assert_eq!(contacts.as_array().unwrap().len(), 1);
    // Merging again is refused.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/persons/{a}/merge"),
            &t,
            Some(json!({"merged_id": dup})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn case_list_filters_scopes_exports_and_idempotent_retries() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let a = person(&app, &t, "Nguyễn Văn An", json!({})).await;
    let b = person(&app, &t, "Lê Thị Bình", json!({})).await;
    case(&app, &t, a, "confirmed").await;
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/cases",
            &t,
            Some(json!({"person_id": b, "disease": "covid19", "found_in": "quarantine", "illegal_entry": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(v["classification"], "suspected");
    assert_eq!(v["community"], false);
    // Unknown disease and bad dates name their fields.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/cases",
            &t,
            Some(json!({"person_id": a, "disease": "plague", "onset_date": "2030-01-01"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"onset_date"), "{v}");
    let (_, v) = app
        .get("/api/v1/cases?classification=confirmed&disease=covid19", &t)
        .await;
    assert_eq!(v["total"], 1);
    let (_, v) = app.get("/api/v1/cases?found_in=quarantine", &t).await;
    assert_eq!(v["items"][0]["person_id"], b);
    let (_, v) = app.get("/api/v1/cases?q=binh", &t).await;
    assert_eq!(v["total"], 1);
    let (_, v) = app
        .get("/api/v1/cases?from=2021-06-21&to=2021-06-24", &t)
        .await;
    assert_eq!(
        v["total"], 1,
        "only the case without a sample date (curve = today)"
    );
    let (s, v) = app.get("/api/v1/cases?classification=maybe", &t).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "classification");
    // Another district sees none; the province admin sees both.
    let (_, v) = app
        .get("/api/v1/cases", &app.token("officer_b").await)
        .await;
    assert_eq!(v["total"], 0);
    let (_, v) = app.get("/api/v1/cases", &app.token("admin").await).await;
    assert_eq!(v["total"], 2);
    // The viewer role sees no personal data.
    let (s, _) = app.get("/api/v1/cases", &app.token("viewer").await).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // CSV export: a BOM, a header and one line per case.
    let (s, v) = app.get("/api/v1/cases/export?format=csv", &t).await;
    assert_eq!(s, StatusCode::OK);
    let text = v.as_str().unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("Lê Thị Bình"));
    // Excel export opens and holds the same rows.
    let (status, headers, body) = app
        .send(
            axum::http::Request::get("/api/v1/cases/export?format=xlsx")
                .header("authorization", format!("Bearer {t}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(body.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Ca bệnh").unwrap();
    assert_eq!(sheet.height(), 3);
    // A retried create with the same Idempotency-Key writes once.
    let c = person(&app, &t, "Phạm Văn Cường", json!({})).await;
    let req = || {
        axum::http::Request::post("/api/v1/cases")
            .header("authorization", format!("Bearer {t}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "case-c-1")
            .body(axum::body::Body::from(
                json!({"person_id": c, "disease": "covid19"}).to_string(),
            ))
            .unwrap()
    };
    let (s1, _, b1) = app.send(req()).await;
    let (s2, _, b2) = app.send(req()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2);
    let (_, v) = app.get("/api/v1/cases?q=cuong", &t).await;
    assert_eq!(v["total"], 1);
}

#[tokio::test]
async fn pages_register_a_case_keep_typed_values_and_show_the_chain() {
    let app = TestApp::new().await;
    let s = app.login("officer_a").await;
    let (st, html) = app.page(&s, "/cases/new").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(WARD_A),
        "the ward picker offers the officer's wards"
    );
    assert!(!html.contains(WARD_B), "but not another district's");
    // A bad phone: 422, the name typed is kept, the error names the phone.
    let (st, _, html) = app
        .post_form(
            &s,
            "/cases",
            &[
                ("full_name", "Nguyễn Văn An"),
                ("phone", "12"),
                ("area_id", WARD_A),
                ("disease", "covid19"),
                ("classification", "suspected"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Nguyễn Văn An\""));
    assert!(html.contains("id=\"phone-error\""));
    let (st, headers, _) = app
        .post_form(
            &s,
            "/cases",
            &[
                ("full_name", "Nguyễn Văn An"),
                ("birth_date", "1980"),
                ("area_id", WARD_A),
                ("disease", "covid19"),
                ("classification", "suspected"),
                ("sample_date", "2021-06-22"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let loc = headers["location"].to_str().unwrap().to_owned();
    let case_path = loc.split('?').next().unwrap().to_owned();
    let (_, html) = app.page(&s, &loc).await;
    assert!(html.contains("Nghi ngờ"));
    // The same person again offers the existing record.
    let (st, _, html) = app
        .post_form(
            &s,
            "/cases",
            &[
                ("full_name", "Nguyen Van An"),
                ("birth_date", "1980"),
                ("area_id", WARD_A),
                ("disease", "covid19"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    assert!(html.contains("Dùng hồ sơ này"));
    // Two contacts, then confirm.
    for name in ["Lê Thị Bình", "Trần Văn Cường"] {
        let (st, _, html) = app
            .post_form(
                &s,
                &format!("{case_path}/contacts"),
                &[
                    ("full_name", name),
                    ("area_id", WARD_A),
                    ("first_date", "2021-06-21"),
                ],
            )
            .await;
        assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    }
    // A contact in the future is refused with the form kept.
    let (st, _, html) = app
        .post_form(
            &s,
            &format!("{case_path}/contacts"),
            &[
                ("full_name", "Hà Văn Dũng"),
                ("area_id", WARD_A),
                ("first_date", "2021-07-01"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Hà Văn Dũng\""));
    let (st, _, _) = app
        .post_form(
            &s,
            &format!("{case_path}/classification"),
            &[("classification", "confirmed")],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&s, &case_path).await;
    assert!(html.contains("Xác định (F0)"));
    assert_eq!(
        html.matches("<span class=\"badge f1\">F1</span>").count(),
        2,
        "both contacts are F1"
    );
    assert!(html.contains("<svg"), "the chain is drawn");
    assert!(html.contains("Lê Thị Bình"));
    // The list and the person pages.
    let (_, html) = app.page(&s, "/cases?classification=confirmed").await;
    assert!(html.contains("Nguyễn Văn An"));
    let (_, html) = app.page(&s, "/persons?f_level=1&disease=covid19").await;
    assert!(html.contains("Lê Thị Bình") && html.contains("Trần Văn Cường"));
    let (_, html) = app.page(&s, "/persons?q=binh").await;
    let id: i64 = html
        .split("href=\"/persons/")
        .skip(1)
        .find_map(|rest| rest.split('"').next().unwrap().parse().ok())
        .unwrap();
    let (_, html) = app.page(&s, &format!("/persons/{id}")).await;
    assert!(html.contains("F1"));
    assert!(html.contains("Nguyễn Văn An"), "why: the F0 is named");
    // Correcting the record: a bad phone keeps what was typed; a good one is saved.
    let (st, _, html) = app
        .post_form(
            &s,
            &format!("/persons/{id}"),
            &[
                ("full_name", "Lê Thị Bình An"),
                ("area_id", WARD_A),
                ("phone", "99"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Lê Thị Bình An\""));
    let (st, _, _) = app
        .post_form(
            &s,
            &format!("/persons/{id}"),
            &[
                ("full_name", "Lê Thị Bình An"),
                ("area_id", WARD_A),
                ("phone", "0987654321"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&s, "/persons?q=0987654321").await;
    assert!(html.contains("Lê Thị Bình An"));
    // The viewer may not open case pages.
    let v = app.login("viewer").await;
    let (st, _) = app.page(&v, "/cases").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_openapi_document_describes_the_surveillance_api() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let (_, doc) = app.get("/api/v1/openapi.json", &t).await;
    for path in [
        "/api/v1/persons",
        "/api/v1/persons/{id}",
        "/api/v1/persons/{id}/merge",
        "/api/v1/persons/{id}/contacts",
        "/api/v1/persons/{id}/samples",
        "/api/v1/cases",
        "/api/v1/cases/export",
        "/api/v1/cases/{id}/classification",
        "/api/v1/cases/{id}/chain",
        "/api/v1/outbreaks/{id}",
        "/api/v1/samples/{id}/result",
        "/api/v1/labs/load",
        "/api/v1/diseases/{code}/rule-sets",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} is not in the OpenAPI document"
        );
    }
}
