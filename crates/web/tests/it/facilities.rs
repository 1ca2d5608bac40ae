//! Quarantine facilities through the API and the pages: a facility with rooms, admissions under
//! the cohort rule (same arrival date and risk group per room), full rooms and facilities
//! refused with nothing written, moves and discharges, occupancy over time, the overview per
//! area, and scoping by area. The test clock stands on 24/06/2021.

use crate::outbreaks::person;
use crate::support::TestApp;
use axum::http::{Method, StatusCode, header};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, Query};
use serde_json::{Value, json};

/// Thành phố Lai Châu (district 105) and Xã Sơn Bình (district 106).
const DISTRICT_A: &str = "L105";
const WARD_B: &str = "L03413";

async fn facility(app: &TestApp, t: &str, area: &str, rooms: Value, beds: Option<i64>) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/facilities",
            t,
            Some(json!({"area_id": area, "name": "KTX Trường Cao đẳng cộng đồng", "kind": "centralized",
                "operator": "Bộ CHQS tỉnh", "rooms": rooms, "beds": beds})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn detail(app: &TestApp, t: &str, id: i64) -> Value {
    let (s, v) = app.get(&format!("/api/v1/facilities/{id}"), t).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn admit(
    app: &TestApp,
    t: &str,
    fid: i64,
    person_id: i64,
    room_id: i64,
    group: &str,
    cohort: &str,
) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/facilities/{fid}/admissions"),
        t,
        Some(
            json!({"person_id": person_id, "room_id": room_id, "risk_group": group,
            "cohort_date": cohort, "admitted_on": "22/06/2021"}),
        ),
    )
    .await
}

async fn stays(app: &TestApp) -> i64 {
    let row = app
        .store()
        .connection()
        .query_one(
            &Query::select()
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .from("facility_stays")
                .to_owned(),
        )
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn room_ids(v: &Value) -> Vec<i64> {
    v["room_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn facilities_admit_by_cohort_refuse_full_rooms_and_move_and_discharge() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let f = facility(
        &app,
        &t,
        DISTRICT_A,
        json!([{"name": "P101", "beds": 2}, {"name": "P102", "beds": 2}]),
        Some(3),
    )
    .await;
    let fid = f["id"].as_i64().unwrap();
    assert_eq!(
        (
            f["beds"].as_i64(),
            f["rooms"].as_i64(),
            f["occupied"].as_i64()
        ),
        (Some(3), Some(2), Some(0))
    );
    let rooms = room_ids(&detail(&app, &t, fid).await);
    let (p101, p102) = (rooms[0], rooms[1]);
    let an = person(&app, &t, "Nguyễn Văn An").await;
    let binh = person(&app, &t, "Trần Thị Bình").await;
    let cuong = person(&app, &t, "Lê Văn Cường").await;
    let dung = person(&app, &t, "Phạm Thị Dung").await;

    let (s, v) = admit(&app, &t, fid, an, p101, "returnee", "20/06/2021").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["full_name"], "Nguyễn Văn An");

    // Another arrival date, then another risk group: refused for the shared room, nothing written.
    let before = stays(&app).await;
    let (s, v) = admit(&app, &t, fid, binh, p101, "returnee", "21/06/2021").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("room_id"), "{v}");
    let (s, v) = admit(&app, &t, fid, binh, p101, "f1", "20/06/2021").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("room_id"), "{v}");
    assert_eq!(stays(&app).await, before);

    // Same cohort: shares the room; the room is then full.
    let (s, v) = admit(&app, &t, fid, binh, p101, "returnee", "20/06/2021").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = admit(&app, &t, fid, cuong, p101, "returnee", "20/06/2021").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("room_id"), "{v}");
    // The same person twice: refused.
    let (s, v) = admit(&app, &t, fid, an, p102, "returnee", "20/06/2021").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("person_id"), "{v}");

    // The facility's 3 beds: the third person fits in P102, the fourth is refused.
    let (s, v) = admit(&app, &t, fid, cuong, p102, "f1", "19/06/2021").await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let before = stays(&app).await;
    let (s, v) = admit(&app, &t, fid, dung, p102, "f1", "19/06/2021").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("facility_id"), "{v}");
    assert_eq!(stays(&app).await, before);

    let d = detail(&app, &t, fid).await;
    assert_eq!(d["occupied"], 3);
    assert_eq!(d["free"], 0);
    assert_eq!(d["room_list"][0]["occupants"].as_array().unwrap().len(), 2);

    // Cường moves to a new facility; Bình is discharged.
    let f2 = facility(
        &app,
        &t,
        DISTRICT_A,
        json!([{"name": "A1", "beds": 4}]),
        None,
    )
    .await;
    let f2id = f2["id"].as_i64().unwrap();
    let a1 = room_ids(&detail(&app, &t, f2id).await)[0];
    let cuong_stay = d["room_list"][1]["occupants"][0]["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/facilities/{fid}/stays/{cuong_stay}/transfer"),
            &t,
            Some(json!({"room_id": a1, "on": "23/06/2021"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["facility_id"], f2id);
    assert_eq!(v["cohort_date"], "2021-06-19");
    let binh_stay = d["room_list"][0]["occupants"][1]["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/facilities/{fid}/stays/{binh_stay}/discharge"),
            &t,
            Some(json!({"reason": "discharged"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["left_on"], "2021-06-24");
    // Discharged twice: a conflict.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/facilities/{fid}/stays/{binh_stay}/discharge"),
            &t,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    assert_eq!(detail(&app, &t, fid).await["occupied"], 1);
    assert_eq!(detail(&app, &t, f2id).await["occupied"], 1);

    // Occupancy: 30 days ending today; 3 present on the 22nd and 23rd (Cường moved out that
    // day), 1 today.
    let (s, o) = app
        .get(&format!("/api/v1/facilities/{fid}/occupancy"), &t)
        .await;
    assert_eq!(s, StatusCode::OK, "{o}");
    let o = o.as_array().unwrap();
    assert_eq!(o.len(), 30);
    let at = |day: &str| {
        o.iter()
            .find(|d| d["day"] == day)
            .map(|d| d["present"].as_i64().unwrap())
    };
    assert_eq!(at("2021-06-21"), Some(0));
    assert_eq!(at("2021-06-22"), Some(3));
    assert_eq!(at("2021-06-23"), Some(2));
    assert_eq!(at("2021-06-24"), Some(1));

    // The overview: two facilities in district 105.
    let (s, ov) = app.get("/api/v1/facilities/overview", &t).await;
    assert_eq!(s, StatusCode::OK, "{ov}");
    assert_eq!(ov["facilities"], 2);
    assert_eq!(ov["beds"], 7);
    assert_eq!(ov["occupied"], 2);
    assert_eq!(ov["free"], 5);
    assert_eq!(ov["areas"][0]["area_id"], DISTRICT_A);

    // Reading a facility's occupants is audited.
    let audited = app
        .store()
        .connection()
        .query_one(
            &Query::select()
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .from("audit_log")
                .and_where(Expr::cust("record_type = 'facility' AND action = 'view'"))
                .to_owned(),
        )
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert!(audited >= 1);
}

#[tokio::test]
async fn facilities_are_scoped_by_area_and_bad_input_names_fields() {
    let app = TestApp::new().await;
    let a = app.token("officer_a").await;
    let b = app.token("officer_b").await;
    let f = facility(
        &app,
        &a,
        DISTRICT_A,
        json!([{"name": "P1", "beds": 2}]),
        None,
    )
    .await;
    let fid = f["id"].as_i64().unwrap();

    // officer_b (district 106) neither sees nor writes district 105's facility.
    let (s, v) = app.get("/api/v1/facilities", &b).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().unwrap().len(), 0, "{v}");
    let (s, _) = app.get(&format!("/api/v1/facilities/{fid}"), &b).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get("/api/v1/facilities/overview", &b).await;
    assert_eq!(s, StatusCode::OK);
    // … nor registers one in district 105.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/facilities",
            &b,
            Some(json!({"area_id": DISTRICT_A, "name": "X", "kind": "hotel", "rooms": [{"name": "1", "beds": 1}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("area_id"));
    facility(&app, &b, WARD_B, json!([{"name": "P1", "beds": 2}]), None).await;
    let (_, v) = app.get("/api/v1/facilities", &b).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    // The province sees both.
    let admin = app.token("admin").await;
    let (_, v) = app.get("/api/v1/facilities", &admin).await;
    assert_eq!(v.as_array().unwrap().len(), 2);
    // The viewer reads no stays.
    let viewer = app.token("viewer").await;
    let (s, _) = app.get("/api/v1/facilities", &viewer).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Bad input: every field named.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/facilities",
            &a,
            Some(json!({"area_id": "", "name": "", "kind": "tent", "rooms": [{"name": "P1", "beds": 0}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    for field in ["area_id", "name", "kind", "rooms"] {
        assert!(v.to_string().contains(field), "{field}: {v}");
    }
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/facilities/{fid}/admissions"),
            &a,
            Some(json!({"person_id": 999999, "room_id": 999999, "risk_group": "f1", "cohort_date": "30/06/2021"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("cohort_date"), "{v}");
}

#[tokio::test]
async fn facilities_pages_render_admit_and_keep_typed_values() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (st, html) = app.page(&s, "/quarantine").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("href=\"/quarantine\" aria-current=\"page\""));
    let (st, html) = app.page(&s, "/quarantine/facilities/new").await;
    assert_eq!(st, StatusCode::OK, "{html}");

    // A bad form keeps what was typed.
    let (st, _, html) = app
        .post_form(
            &s,
            "/quarantine/facilities/new",
            &[
                ("name", "Khách sạn Mường Thanh"),
                ("kind", "hotel"),
                ("area_id", DISTRICT_A),
                ("rooms", "P201: 2\nP202: nhiều"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Khách sạn Mường Thanh\""));
    assert!(html.contains("P202: nhiều"));
    assert!(html.contains("rooms-error"));

    let (st, h, _) = app
        .post_form(
            &s,
            "/quarantine/facilities/new",
            &[
                ("name", "Khách sạn Mường Thanh"),
                ("kind", "hotel"),
                ("area_id", DISTRICT_A),
                ("rooms", "P201: 2\nP202: 2"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let loc = h[header::LOCATION].to_str().unwrap().to_owned();
    let fid: i64 = loc
        .trim_start_matches("/quarantine/facilities/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let t = app.token("admin").await;
    let rooms = room_ids(&detail(&app, &t, fid).await);
    let an = person(&app, &t, "Nguyễn Văn An").await;
    let binh = person(&app, &t, "Trần Thị Bình").await;
    // The person to admit is found by name without diacritics; choosing fills the form.
    let (st, html) = app
        .page(
            &s,
            &format!("/quarantine/facilities/{fid}?person_q=tran%20thi%20binh"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains(&format!("?person_id={binh}#admit-form")),
        "{html}"
    );
    assert!(!html.contains(&format!("?person_id={an}#admit-form")));
    let (_, html) = app
        .page(
            &s,
            &format!("/quarantine/facilities/{fid}?person_id={binh}"),
        )
        .await;
    assert!(
        html.contains(&format!("name=\"person_id\" value=\"{binh}\"")),
        "{html}"
    );
    let (st, _, _) = app
        .post_form(
            &s,
            &format!("/quarantine/facilities/{fid}/admit"),
            &[
                ("person_id", &an.to_string()),
                ("room_id", &rooms[0].to_string()),
                ("risk_group", "entrant"),
                ("cohort_date", "20/06/2021"),
                ("admitted_on", "21/06/2021"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    // Another cohort in the same room: the form comes back with the values and the room named.
    let (st, _, html) = app
        .post_form(
            &s,
            &format!("/quarantine/facilities/{fid}/admit"),
            &[
                ("person_id", &binh.to_string()),
                ("room_id", &rooms[0].to_string()),
                ("risk_group", "entrant"),
                ("cohort_date", "18/06/2021"),
                ("admitted_on", "21/06/2021"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("room_id-error"), "{html}");
    assert!(html.contains("value=\"18/06/2021\""));
    assert!(html.contains(&format!("value=\"{binh}\"")));

    let (st, html) = app.page(&s, &format!("/quarantine/facilities/{fid}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Nguyễn Văn An"));
    assert!(html.contains("<svg"));
    let (_, html) = app.page(&s, "/quarantine").await;
    assert!(html.contains("Khách sạn Mường Thanh"));
    assert!(html.contains("<td class=\"num occupied\">1</td>"), "{html}");
    assert!(html.contains("id=\"total-beds\">4<"));
}
