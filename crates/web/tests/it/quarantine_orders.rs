//! Quarantine orders through the API: orders from the rule set in force on their start (an F1
//! under CĐ 600), overrides with their reason in the audit log, refusals that write nothing,
//! check-ins by the health worker and by the person through the link (no account), violations,
//! the work lists of a commune and of a facility, escalation to a suspect case with a room mate
//! becoming a contact, returnee batches with and without a local decision, rule-set versions,
//! the people followed per unit, retries, and scoping by area. The test clock stands on
//! 24/06/2021.

use crate::outbreaks::person;
use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, Query};
use serde_json::{Value, json};

/// A ward of Thành phố Lai Châu (district L105, officer_a's).
const WARD: &str = "L03386";

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let row = app
        .store()
        .connection()
        .query_one(
            &Query::select()
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .from(table)
                .to_owned(),
        )
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

async fn order(app: &TestApp, t: &str, person_id: i64, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/persons/{person_id}/quarantine-orders"),
        t,
        Some(body),
    )
    .await
}

async fn created(app: &TestApp, t: &str, person_id: i64, body: Value) -> Value {
    let (s, v) = order(app, t, person_id, body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn checkin(app: &TestApp, t: &str, order_id: i64, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/quarantine/orders/{order_id}/checkins"),
        t,
        Some(body),
    )
    .await
}

/// A request without any cookie or token (the person's phone).
async fn anonymous(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut b = Request::builder().method(method).uri(path);
    let body = match body {
        Some(v) => {
            b = b.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let (s, _, bytes) = app.send(b.body(body).unwrap()).await;
    (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// A POST with an Idempotency-Key; the answer and whether it was replayed.
async fn post_with_key(
    app: &TestApp,
    t: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value, bool) {
    let (s, h, bytes) = app
        .send(
            Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header("Idempotency-Key", key)
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await;
    (
        s,
        serde_json::from_slice(&bytes).unwrap(),
        h.get("idempotent-replayed").is_some(),
    )
}

fn field_of(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn duties(line: &Value) -> Vec<String> {
    line["duties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["duty"].as_str().unwrap().to_owned())
        .collect()
}

fn line(list: &Value, order_id: i64) -> &Value {
    list["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["order_id"] == order_id)
        .unwrap_or_else(|| panic!("order {order_id} not in {list}"))
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[tokio::test]
async fn orders_checkins_violations_work_lists_and_escalation_to_a_case() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let an = person(&app, &t, "Nguyễn Văn An").await;
    let binh = person(&app, &t, "Trần Thị Bình").await;
    let cuong = person(&app, &t, "Lê Văn Cường").await;
    let dung = person(&app, &t, "Phạm Thị Dung").await;
    let em = person(&app, &t, "Vũ Văn Em").await;

    // An F1 under CĐ 600 from 10/06/2021: 21 days centralized (to 30/06), tests on days 1, 14
    // and 20, then 7 days of monitoring with a test on its 7th day.
    let o_an = created(
        &app,
        &t,
        an,
        json!({"subject": "f1", "start": "10/06/2021"}),
    )
    .await;
    assert_eq!(o_an["kind"], "centralized");
    assert_eq!(o_an["rule_set"], "cd600");
    assert_eq!(o_an["starts_on"], "2021-06-10");
    assert_eq!(o_an["ends_on"], "2021-06-30");
    assert_eq!(o_an["released_on"], "2021-07-01");
    assert_eq!(o_an["monitoring_until"], "2021-07-07");
    assert_eq!(o_an["until_on"], "2021-07-07");
    assert_eq!(
        o_an["tests"],
        json!(["2021-06-10", "2021-06-23", "2021-06-29", "2021-07-07"])
    );
    assert_eq!(o_an["overridden"], false);
    assert_eq!(o_an["status"], "open");
    assert_eq!(o_an["computed"]["rule"], "tap_trung_21");
    assert!(
        o_an["explanation"]
            .as_str()
            .unwrap()
            .starts_with("Theo CĐ 600")
    );
    let link = o_an["checkin_link"].as_str().unwrap();
    assert!(link.starts_with("/khai-bao/") && link.len() == "/khai-bao/".len() + 32);
    let an_order = id(&o_an);

    // A second open order for An: refused on `start`, nothing written.
    let before = count(&app, "quarantine_orders").await;
    let (s, v) = order(
        &app,
        &t,
        an,
        json!({"subject": "f1", "start": "20/06/2021"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["start"], "{v}");
    assert_eq!(count(&app, "quarantine_orders").await, before);

    // An override ending before it starts: refused on `override_ends_on`, nothing written.
    let bad = json!({"subject": "f1", "start": "20/06/2021", "override_kind": "home",
        "override_ends_on": "15/06/2021", "override_reason": "Gia đình có trẻ nhỏ",
        "address": "Tổ 3, phường Tân Phong"});
    let (s, v) = order(&app, &t, cuong, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["override_ends_on"], "{v}");
    assert!(
        v["message"].as_str().unwrap().contains("trước khi bắt đầu"),
        "{v}"
    );
    assert_eq!(count(&app, "quarantine_orders").await, before);
    let (s, v) = app
        .get(&format!("/api/v1/persons/{cuong}/quarantine-orders"), &t)
        .await;
    assert_eq!((s, v), (StatusCode::OK, json!([])));

    // An override with its reason, sent twice with one Idempotency-Key: one order, the same
    // answer replayed; the reason is in the audit log.
    let reason = "Khu cách ly tập trung hết chỗ; BCĐ phường cho cách ly tại nhà";
    let body = json!({"subject": "f1", "start": "17/06/2021", "override_kind": "home",
        "override_ends_on": "30/06/2021", "override_tests": "24/06/2021",
        "override_reason": reason, "address": "Tổ 5, phường Tân Phong",
        "household": "4 người", "doses": 0});
    let path = format!("/api/v1/persons/{binh}/quarantine-orders");
    let (s, o_binh, replayed) = post_with_key(&app, &t, &path, "don-binh-1", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{o_binh}");
    assert!(!replayed);
    let (s, again, replayed) = post_with_key(&app, &t, &path, "don-binh-1", &body).await;
    assert_eq!(s, StatusCode::CREATED, "{again}");
    assert!(replayed);
    assert_eq!(again["id"], o_binh["id"]);
    assert_eq!(count(&app, "quarantine_orders").await, before + 1);
    assert_eq!(o_binh["kind"], "home");
    assert_eq!(o_binh["overridden"], true);
    assert_eq!(o_binh["override_reason"], reason);
    assert_eq!(o_binh["ends_on"], "2021-06-30");
    assert_eq!(o_binh["tests"], json!(["2021-06-24"]));
    assert_eq!(o_binh["sign_at_door"], true);
    assert_eq!(o_binh["computed"]["kind"], "centralized");
    let binh_order = id(&o_binh);
    let admin_a = app.token("admin_a").await;
    let (s, log) = app
        .get(
            &format!(
                "/api/v1/audit?record_type=quarantine_order&record_id={binh_order}&action=create"
            ),
            &admin_a,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{log}");
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["username"], "officer_a");
    assert!(
        log["items"][0]["detail"].as_str().unwrap().contains(reason),
        "{log}"
    );

    // Cường: home from 20/06 to 03/07; Dung: an F1 of the same day as An; Em: home, ending today.
    let o_cuong = created(
        &app,
        &t,
        cuong,
        json!({"subject": "f1", "start": "20/06/2021", "override_kind": "home",
            "override_ends_on": "03/07/2021", "override_reason": "Gia đình có trẻ nhỏ",
            "address": "Tổ 3, phường Tân Phong"}),
    )
    .await;
    let cuong_order = id(&o_cuong);
    let dung_order = id(&created(
        &app,
        &t,
        dung,
        json!({"subject": "f1", "start": "2021-06-10"}),
    )
    .await);
    let em_order = id(&created(
        &app,
        &t,
        em,
        json!({"subject": "f1", "start": "11/06/2021", "override_kind": "home",
            "override_ends_on": "24/06/2021", "override_monitoring_until": "01/07/2021",
            "override_reason": "Đã tiêm đủ 2 mũi, cách ly tại nhà", "address": "Tổ 1"}),
    )
    .await);

    // Check-ins by the worker: Bình on 21/06, Em today. Outside the order or in the future:
    // refused on `on_date`, nothing written.
    let (s, v) = checkin(
        &app,
        &t,
        binh_order,
        json!({"on_date": "21/06/2021", "temperature": 36.8}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["warning"], false);
    let (s, v) = checkin(&app, &t, em_order, json!({"temperature": "36,6"})).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["on_date"], "2021-06-24");
    let before = count(&app, "quarantine_checkins").await;
    let (s, v) = checkin(&app, &t, an_order, json!({"on_date": "05/06/2021"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["on_date"], "{v}");
    let (s, v) = checkin(&app, &t, an_order, json!({"on_date": "25/06/2021"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["on_date"], "{v}");
    let (s, v) = checkin(&app, &t, an_order, json!({"temperature": "45"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["temperature"], "{v}");
    assert_eq!(count(&app, "quarantine_checkins").await, before);

    // Cường declares through his link, with no cookie and no token; sending it twice keeps one.
    let token = o_cuong["checkin_link"]
        .as_str()
        .unwrap()
        .trim_start_matches("/khai-bao/")
        .to_owned();
    let public = format!("/api/v1/public/checkin/{token}");
    let (s, v) = anonymous(&app, Method::GET, &public, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["initial"], "C.");
    assert_eq!(
        (v["open"].clone(), v["checked_in_today"].clone()),
        (json!(true), json!(false))
    );
    assert!(!v.to_string().contains("Cường"), "{v}");
    let declaration = json!({"temperature": "36.7", "symptoms": "", "note": "Bình thường"});
    for _ in 0..2 {
        let (s, v) = anonymous(&app, Method::POST, &public, Some(declaration.clone())).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["warning"], false);
    }
    assert_eq!(count(&app, "quarantine_checkins").await, before + 1);
    let (_, v) = anonymous(&app, Method::GET, &public, None).await;
    assert_eq!(v["checked_in_today"], true);
    let (s, v) = anonymous(
        &app,
        Method::POST,
        &public,
        Some(json!({"on_date": "19/06/2021"})),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["on_date"], "{v}");
    // A wrong link is 404, read or written.
    let wrong = format!("/api/v1/public/checkin/{}", "0".repeat(32));
    assert_eq!(
        anonymous(&app, Method::GET, &wrong, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anonymous(&app, Method::POST, &wrong, Some(declaration.clone()))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        anonymous(&app, Method::GET, "/api/v1/public/checkin/abc", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The rest of the API still wants an account.
    assert_eq!(
        anonymous(
            &app,
            Method::GET,
            &format!("/api/v1/quarantine/orders/{cuong_order}"),
            None
        )
        .await
        .0,
        StatusCode::UNAUTHORIZED
    );

    // A violation with its fine; one dated before the order is refused on `on_date`.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{binh_order}/violations"),
            &t,
            Some(json!({"on_date": "22/06/2021", "kind": "left_place",
                "description": "Tự ý ra chợ Tân Phong", "decision": "QĐ 12/QĐ-XPHC",
                "fine": "2.000.000"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["fine"], 2_000_000);
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{binh_order}/violations"),
            &t,
            Some(json!({"on_date": "01/06/2021", "kind": "visitors", "description": "Có khách"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["on_date"], "{v}");

    // The order with its check-ins, violations and link; reading it is audited.
    let (s, v) = app
        .get(&format!("/api/v1/quarantine/orders/{binh_order}"), &t)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["phase"], "quarantine");
    assert_eq!(v["checkins"].as_array().unwrap().len(), 1);
    assert_eq!(v["checkins"][0]["by_kind"], "worker");
    assert_eq!(v["violations"][0]["fine"], 2_000_000);
    assert_eq!(v["checkin_link"], o_binh["checkin_link"]);
    let (_, v) = app
        .get(&format!("/api/v1/quarantine/orders/{cuong_order}"), &t)
        .await;
    assert_eq!(v["checkins"][0]["by_kind"], "self");
    let (_, log) = app
        .get(
            &format!(
                "/api/v1/audit?record_type=quarantine_order&record_id={binh_order}&action=view"
            ),
            &admin_a,
        )
        .await;
    assert_eq!(log["total"], 1, "{log}");

    // The commune's work list on 24/06/2021.
    let (s, w) = app
        .get(&format!("/api/v1/quarantine/work?area={WARD}"), &t)
        .await;
    assert_eq!(s, StatusCode::OK, "{w}");
    assert_eq!(w["on"], "2021-06-24");
    assert_eq!(w["total"], 5, "{w}");
    assert_eq!(w["with_duties"], 4, "{w}");
    // An and Dung, centralized, are not yet in a facility: to be moved, and meanwhile called,
    // nobody seeing them (no check-in since their start on 10/06: 14 days missed).
    assert_eq!(
        duties(line(&w, an_order)),
        ["call", "missed", "move"],
        "{w}"
    );
    assert_eq!(line(&w, an_order)["duties"][1]["days"], 14);
    assert_eq!(
        line(&w, an_order)["duties"][2]["reason"],
        "chưa vào cơ sở cách ly"
    );
    assert_eq!(duties(line(&w, dung_order)), ["call", "missed", "move"]);
    // Bình at home: no check-in today, a test today, and nothing on 22/06 and 23/06.
    assert_eq!(duties(line(&w, binh_order)), ["call", "test", "missed"]);
    assert_eq!(line(&w, binh_order)["duties"][2]["days"], 2);
    assert_eq!(line(&w, binh_order)["last_checkin"], "2021-06-21");
    // Em: checked in today, quarantine ends today.
    assert_eq!(duties(line(&w, em_order)), ["ends"]);
    // Cường declared today: nothing to do, listed last.
    assert!(duties(line(&w, cuong_order)).is_empty());
    assert_eq!(w["lines"][4]["order_id"], cuong_order);
    assert_eq!(
        w["counts"],
        json!({"call": 3, "test": 1, "ends": 1, "monitoring_ends": 0, "missed": 3, "move": 2})
    );
    let (s, v) = app.get("/api/v1/quarantine/work", &t).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["area"]);

    // People followed per commune of the district: An and Dung in centralized quarantine,
    // Bình, Cường and Em at home.
    let (s, f) = app.get("/api/v1/quarantine/followed?area=L105", &t).await;
    assert_eq!(s, StatusCode::OK, "{f}");
    let ward = f
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["area_id"] == WARD)
        .unwrap();
    assert_eq!(
        (&ward["quarantined"], &ward["at_home"], &ward["monitored"]),
        (&json!(2), &json!(3), &json!(0)),
        "{f}"
    );

    // An and Dung enter one room of a facility: the facility's list shows them, without moves.
    let (s, fac) = app
        .api(
            Method::POST,
            "/api/v1/facilities",
            &t,
            Some(
                json!({"area_id": WARD, "name": "KTX Trường Cao đẳng cộng đồng",
                "kind": "centralized", "rooms": [{"name": "P101", "beds": 4}]}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{fac}");
    let fid = id(&fac);
    let (_, detail) = app.get(&format!("/api/v1/facilities/{fid}"), &t).await;
    let room = detail["room_list"][0]["id"].as_i64().unwrap();
    for p in [an, dung] {
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/facilities/{fid}/admissions"),
                &t,
                Some(json!({"person_id": p, "room_id": room, "risk_group": "f1",
                    "cohort_date": "10/06/2021", "admitted_on": "22/06/2021"})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let (s, fw) = app
        .get(&format!("/api/v1/quarantine/work?facility={fid}"), &t)
        .await;
    assert_eq!(s, StatusCode::OK, "{fw}");
    assert_eq!(fw["total"], 2, "{fw}");
    assert_eq!(fw["facility_id"], fid);
    assert_eq!(line(&fw, an_order)["in_facility"], true);
    assert!(duties(line(&fw, an_order)).is_empty(), "{fw}");
    assert_eq!(fw["counts"]["move"], 0);
    assert_eq!(fw["with_duties"], 0);
    let (_, w) = app
        .get(&format!("/api/v1/quarantine/work?area={WARD}"), &t)
        .await;
    assert_eq!(w["counts"]["move"], 0, "{w}");

    // An tests positive: a suspected case, the order ends with it, Dung (same room) becomes
    // a contact. The Steering Committee may manage quarantine but not register cases.
    let bcd = app.token("bcd").await;
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{an_order}/case"),
            &bcd,
            Some(json!({"reason": "Test nhanh dương tính"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, c) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{an_order}/case"),
            &t,
            Some(json!({"on_date": "24/06/2021", "reason": "Test nhanh dương tính, sốt 38,5 °C"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(c["contacts"], json!([dung]));
    let case_id = c["case_id"].as_i64().unwrap();
    let (s, case) = app.get(&format!("/api/v1/cases/{case_id}"), &t).await;
    assert_eq!(s, StatusCode::OK, "{case}");
    assert_eq!(case["classification"], "suspected");
    assert_eq!(case["found_in"], "quarantine");
    assert_eq!(case["person_id"], an);
    let (_, o) = app
        .get(&format!("/api/v1/quarantine/orders/{an_order}"), &t)
        .await;
    assert_eq!(o["status"], "case");
    assert_eq!(o["case_id"], case_id);
    assert_eq!(o["closed_on"], "2021-06-24");
    assert_eq!(o["present_in"], Value::Null);
    let (_, contacts) = app
        .get(&format!("/api/v1/persons/{dung}/contacts"), &t)
        .await;
    let exposure = contacts
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["other_id"] == an)
        .unwrap_or_else(|| panic!("no contact with An: {contacts}"));
    assert_eq!(exposure["proximity"], "same_space");
    assert_eq!(exposure["first_date"], "2021-06-22");
    // Once An is confirmed, Dung is an F1 through that exposure.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/cases/{case_id}/classification"),
            &t,
            Some(json!({"classification": "confirmed"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, p) = app.get(&format!("/api/v1/persons/{dung}"), &t).await;
    assert_eq!(p["f_levels"][0]["level"], 1, "{p}");
    assert_eq!(p["f_levels"][0]["root_person_id"], an);
    // Escalating or closing an ended order: a conflict.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{an_order}/case"),
            &t,
            Some(json!({"reason": "lần nữa"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{an_order}/close"),
            &t,
            Some(json!({"reason": "kết thúc"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Closing Em's order early: the reason is required, then the order is closed.
    let close = format!("/api/v1/quarantine/orders/{em_order}/close");
    let (s, v) = app
        .api(Method::POST, &close, &t, Some(json!({"reason": ""})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["reason"], "{v}");
    let (s, v) = app
        .api(
            Method::POST,
            &close,
            &t,
            Some(json!({"closed_on": "24/06/2021", "reason": "Chuyển về Hà Nội theo quyết định"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "closed");
    let (s, v) = checkin(&app, &t, em_order, json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["on_date"], "{v}");
    let (_, w) = app
        .get(&format!("/api/v1/quarantine/work?area={WARD}"), &t)
        .await;
    assert_eq!(w["total"], 3, "{w}");

    // officer_b (district L106) sees nothing of officer_a's commune.
    let tb = app.token("officer_b").await;
    for path in [
        format!("/api/v1/quarantine/orders/{binh_order}"),
        format!("/api/v1/persons/{binh}/quarantine-orders"),
        format!("/api/v1/quarantine/work?facility={fid}"),
    ] {
        let (s, v) = app.get(&path, &tb).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {v}");
    }
    // A unit outside the user's area is refused by name, as everywhere in the API.
    for path in [
        format!("/api/v1/quarantine/work?area={WARD}"),
        "/api/v1/quarantine/followed?area=L105".to_owned(),
    ] {
        let (s, v) = app.get(&path, &tb).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert_eq!(field_of(&v), ["area"], "{path}: {v}");
    }
    let (s, _) = checkin(&app, &tb, binh_order, json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/quarantine/orders/{binh_order}/close"),
            &tb,
            Some(json!({"reason": "không phải của tôi"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = order(
        &app,
        &tb,
        binh,
        json!({"subject": "f1", "start": "20/06/2021"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["person_id"], "{v}");
    // A viewer reads no orders at all.
    let tv = app.token("viewer").await;
    assert_eq!(
        app.get(&format!("/api/v1/quarantine/work?area={WARD}"), &tv)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn returnee_batches_register_people_with_their_orders() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let batch = json!({"area_id": WARD, "origin": "TP. Bắc Giang", "origin_level": "cấp 4",
        "transport": "xe khách 29B-123.45", "arrived_on": "20/06/2021"});
    let (s, b1) = app
        .api(
            Method::POST,
            "/api/v1/returnee-batches",
            &t,
            Some(batch.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b1}");
    assert_eq!(b1["fallback"], Value::Null);
    assert_eq!(b1["source"], "checkpoint");
    let b1 = id(&b1);

    // CĐ 600 has no rule for returnees: without the province's decision, refused on `subject`
    // and nothing written.
    let persons = count(&app, "persons").await;
    let path1 = format!("/api/v1/returnee-batches/{b1}/returnees");
    let (s, v) = app
        .api(
            Method::POST,
            &path1,
            &t,
            Some(json!({"full_name": "Hoàng Văn Giang", "street": "Bản Nậm Loỏng"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["subject"], "{v}");
    assert_eq!(count(&app, "persons").await, persons);
    assert_eq!(count(&app, "returnees").await, 0);
    // An F1 of the same batch has a national rule.
    let (s, r) = app
        .api(
            Method::POST,
            &path1,
            &t,
            Some(json!({"full_name": "Đỗ Thị Hà", "subject": "f1"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["order"]["kind"], "centralized");
    assert_eq!(r["order"]["starts_on"], "2021-06-20");
    assert_eq!(r["order"]["returnee_id"], r["returnee_id"]);

    // A batch carrying the province's decision: home quarantine 14 days, tests on days 1, 7
    // and 14, then 14 days of monitoring.
    let mut with = batch.clone();
    with["fallback_kind"] = json!("home");
    with["fallback_days"] = json!(14);
    with["fallback_test_days"] = json!([1, 7, 14]);
    with["fallback_monitoring_days"] = json!("14");
    with["fallback_basis"] = json!("Thông báo 000/TB-UBND ngày 18/6/2021 của UBND tỉnh Lai Châu");
    let (s, b2) = app
        .api(Method::POST, "/api/v1/returnee-batches", &t, Some(with))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b2}");
    assert_eq!(b2["fallback"]["kind"], "home");
    assert_eq!(b2["fallback"]["test_days"], json!([1, 7, 14]));
    let b2 = id(&b2);
    let path2 = format!("/api/v1/returnee-batches/{b2}/returnees");
    let giang = json!({"full_name": "Hoàng Văn Giang", "street": "Bản Nậm Loỏng", "doses": 1,
        "last_dose": "01/06/2021", "phone": "0912 345 678"});
    // Registered once even when the checkpoint's request is retried.
    let (s, r, replayed) = post_with_key(&app, &t, &path2, "chot-giang-1", &giang).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(!replayed);
    let (_, again, replayed) = post_with_key(&app, &t, &path2, "chot-giang-1", &giang).await;
    assert!(replayed);
    assert_eq!(again["person_id"], r["person_id"]);
    assert_eq!(count(&app, "persons").await, persons + 2);
    let o = &r["order"];
    assert_eq!(o["subject"], "returnee");
    assert_eq!(o["kind"], "home");
    assert_eq!(o["area_id"], WARD);
    assert_eq!(o["starts_on"], "2021-06-20");
    assert_eq!(o["ends_on"], "2021-07-03");
    assert_eq!(o["monitoring_until"], "2021-07-17");
    assert_eq!(
        o["tests"],
        json!(["2021-06-20", "2021-06-26", "2021-07-03"])
    );
    assert_eq!(o["overridden"], true);
    assert!(
        o["override_reason"]
            .as_str()
            .unwrap()
            .contains("000/TB-UBND"),
        "{o}"
    );
    assert_eq!(o["mark"], "unverified");
    assert_eq!(o["address"], "Bản Nậm Loỏng");
    assert_eq!(o["doses"], 1);
    assert_eq!(r["order_id"], o["id"]);

    // The returnee is on the commune's work list at once.
    let (_, w) = app
        .get(&format!("/api/v1/quarantine/work?area={WARD}"), &t)
        .await;
    assert_eq!(
        line(&w, r["order_id"].as_i64().unwrap())["full_name"],
        "Hoàng Văn Giang"
    );
    assert_eq!(w["total"], 2, "{w}");

    let (s, d) = app.get(&format!("/api/v1/returnee-batches/{b2}"), &t).await;
    assert_eq!(s, StatusCode::OK, "{d}");
    assert_eq!(d["people"], 1);
    assert_eq!(d["returnees"][0]["order_id"], r["order_id"]);
    assert_eq!(d["returnees"][0]["kind"], "home");
    let (s, list) = app.get("/api/v1/returnee-batches", &t).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["id"], b2);

    // A bad batch names every field at once, the decision's too.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/returnee-batches",
            &t,
            Some(
                json!({"area_id": WARD, "arrived_on": "25/06/2021", "fallback_kind": "home",
                "fallback_days": "x", "fallback_basis": "TB"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = field_of(&v);
    for f in ["origin", "arrived_on", "fallback_days", "fallback_basis"] {
        assert!(fields.iter().any(|x| x == f), "{f}: {v}");
    }
    // A bad person: every field named, nothing written.
    let (s, v) = app
        .api(
            Method::POST,
            &path2,
            &t,
            Some(json!({"full_name": "", "id_number": "12", "doses": 9})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let fields = field_of(&v);
    for f in ["full_name", "id_number", "doses"] {
        assert!(fields.iter().any(|x| x == f), "{f}: {v}");
    }
    assert_eq!(count(&app, "persons").await, persons + 2);

    // Another district sees neither the batches nor their people.
    let tb = app.token("officer_b").await;
    assert_eq!(
        app.get(&format!("/api/v1/returnee-batches/{b2}"), &tb)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, v) = app.get("/api/v1/returnee-batches", &tb).await;
    assert_eq!((s, v), (StatusCode::OK, json!([])));
    let (s, _) = app
        .api(
            Method::POST,
            &path2,
            &tb,
            Some(json!({"full_name": "Ai Đó"})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // And a batch for officer_a's commune is not officer_b's to create.
    let (s, v) = app
        .api(Method::POST, "/api/v1/returnee-batches", &tb, Some(batch))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["area_id"], "{v}");
}

#[tokio::test]
async fn rule_set_versions_are_added_by_administrators_and_apply_from_their_dates() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let admin = app.token("admin").await;
    let (s, sets) = app.get("/api/v1/quarantine/rule-sets", &t).await;
    assert_eq!(s, StatusCode::OK, "{sets}");
    let sets = sets.as_array().unwrap().clone();
    assert_eq!(sets.len(), 7);
    let today: Vec<&str> = sets
        .iter()
        .filter(|s| s["in_force_today"] == true)
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(today, ["cd600"]);
    let cd600 = sets.iter().find(|s| s["id"] == "cd600").unwrap()["set"].clone();

    // A province's own version: F1 at home 14 days from 20/06/2021.
    let mut mine = cd600.clone();
    mine["id"] = json!("laichau_f1_tai_nha");
    mine["name"] = json!("KH Lai Châu (20/6/2021)");
    mine["based_on"] = json!("cd600");
    mine["valid_from"] = json!("2021-06-20");
    mine["rules"][0]["id"] = json!("f1_tai_nha_14");
    mine["rules"][0]["kind"] = json!("home");
    mine["rules"][0]["days"] = json!(14);
    mine["rules"][0]["test_days"] = json!([1, 7, 14]);
    mine["rules"][0]["sign_at_door"] = json!(true);

    // Only administrators add versions.
    let (s, _) = app
        .api(
            Method::POST,
            "/api/v1/quarantine/rule-sets",
            &t,
            Some(mine.clone()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Errors name their path: a value out of range, a value of the wrong type, a used id.
    let mut bad = mine.clone();
    bad["rules"][0]["days"] = json!(0);
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/quarantine/rule-sets",
            &admin,
            Some(bad),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(field_of(&v).iter().any(|f| f == "rules[0].days"), "{v}");
    let mut bad = mine.clone();
    bad["rules"][0]["days"] = json!("mười bốn");
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/quarantine/rule-sets",
            &admin,
            Some(bad),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        field_of(&v).iter().any(|f| f.starts_with("rules[0].days")),
        "{v}"
    );
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/quarantine/rule-sets",
            &admin,
            Some(cd600),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["id"], "{v}");
    assert_eq!(count(&app, "quarantine_rule_sets").await, 7);

    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/quarantine/rule-sets",
            &admin,
            Some(mine),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["id"], "laichau_f1_tai_nha");
    assert_eq!(v["in_force_today"], true);
    let (_, sets) = app.get("/api/v1/quarantine/rule-sets", &t).await;
    assert_eq!(sets.as_array().unwrap().len(), 8);

    // Orders starting from 20/06 follow the new version; earlier ones keep CĐ 600.
    let an = person(&app, &t, "Nguyễn Văn An").await;
    let o = created(
        &app,
        &t,
        an,
        json!({"subject": "f1", "start": "21/06/2021", "address": "Tổ 2, phường Tân Phong"}),
    )
    .await;
    assert_eq!(o["rule_set"], "laichau_f1_tai_nha");
    assert_eq!(o["rule"], "f1_tai_nha_14");
    assert_eq!(o["kind"], "home");
    assert_eq!(o["ends_on"], "2021-07-04");
    let binh = person(&app, &t, "Trần Thị Bình").await;
    let o = created(
        &app,
        &t,
        binh,
        json!({"subject": "f1", "start": "15/06/2021"}),
    )
    .await;
    assert_eq!(o["rule_set"], "cd600");
    // A home order needs its address.
    let cuong = person(&app, &t, "Lê Văn Cường").await;
    let (s, v) = order(
        &app,
        &t,
        cuong,
        json!({"subject": "f1", "start": "22/06/2021"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(field_of(&v), ["address"], "{v}");

    // The OpenAPI document describes both rooms; the link's calls need no account.
    let (_, doc) = app.get("/api/v1/openapi.json", &t).await;
    for (path, method, tag) in [
        (
            "/api/v1/persons/{id}/quarantine-orders",
            "get",
            "quarantine",
        ),
        (
            "/api/v1/persons/{id}/quarantine-orders",
            "post",
            "quarantine",
        ),
        ("/api/v1/quarantine/orders/{id}", "get", "quarantine"),
        (
            "/api/v1/quarantine/orders/{id}/checkins",
            "post",
            "quarantine",
        ),
        (
            "/api/v1/quarantine/orders/{id}/violations",
            "post",
            "quarantine",
        ),
        ("/api/v1/quarantine/orders/{id}/close", "post", "quarantine"),
        ("/api/v1/quarantine/orders/{id}/case", "post", "quarantine"),
        ("/api/v1/quarantine/work", "get", "quarantine"),
        ("/api/v1/quarantine/followed", "get", "quarantine"),
        ("/api/v1/quarantine/rule-sets", "get", "quarantine"),
        ("/api/v1/quarantine/rule-sets", "post", "quarantine"),
        ("/api/v1/returnee-batches", "get", "returnees"),
        ("/api/v1/returnee-batches", "post", "returnees"),
        ("/api/v1/returnee-batches/{id}", "get", "returnees"),
        (
            "/api/v1/returnee-batches/{id}/returnees",
            "post",
            "returnees",
        ),
        ("/api/v1/public/checkin/{token}", "get", "public"),
        ("/api/v1/public/checkin/{token}", "post", "public"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["tags"][0], tag,
            "{method} {path} in the OpenAPI document"
        );
    }
    assert_eq!(
        doc["paths"]["/api/v1/public/checkin/{token}"]["post"]["security"],
        Value::Null
    );

    let national = app.token("national").await;
    let (_, log) = app
        .get("/api/v1/audit?record_type=quarantine_rule_set", &national)
        .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["record_id"], "laichau_f1_tai_nha");
    assert_eq!(log["items"][0]["username"], "admin");
}
