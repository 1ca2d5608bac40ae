//! Inspections through the API and the pages: each level plans inspections of the level
//! directly below it (never a grandchild, never outside its scope), records the result, and
//! adds findings; a required correction becomes a task of the inspected unit in the same
//! transaction, led by the registered agency a typed name stands for, and a bad finding
//! writes nothing. The test clock stands on 24/06/2021.

use crate::support::TestApp;
use axum::http::{Method, StatusCode, header};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

/// Lai Châu before 01/07/2025 (the province whose districts are inspected).
const PROVINCE: &str = "L12";
/// Thành phố Lai Châu, admin_a's and officer_a's district.
const DISTRICT_A: &str = "L105";
/// Phường Quyết Thắng and Phường Tân Phong, in district 105.
const WARD_A: &str = "L03386";
const WARD_A2: &str = "L03387";
/// Xã Sơn Bình, in district 106.
const WARD_B: &str = "L03413";
/// Phường Tân Phong of the 2025 structure, directly under today's province N12.
const NEW_WARD: &str = "N03408";

async fn plan(app: &TestApp, t: &str, by: &str, area: &str, title: &str) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        "/api/v1/inspections",
        t,
        Some(json!({"by_area_id": by, "area_id": area, "title": title, "planned_on": "24/06/2021",
            "scope_text": "Chốt kiểm soát; khu cách ly tập trung", "team": "Ông A, Phó Giám đốc Sở Y tế"})),
    )
    .await
}

async fn planned(app: &TestApp, t: &str, by: &str, area: &str, title: &str) -> i64 {
    let (s, v) = plan(app, t, by, area, title).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn record(app: &TestApp, t: &str, id: i64) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{id}/record"),
            t,
            Some(json!({"done_on": "24/06/2021", "record": "Đã kiểm tra 3 chốt kiểm soát và khu cách ly tập trung."})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn finding(app: &TestApp, t: &str, id: i64, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/inspections/{id}/findings"),
        t,
        Some(body),
    )
    .await
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let db = app.store().connection();
    let row = db
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

fn location(h: &axum::http::HeaderMap) -> String {
    h[header::LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_level_plans_inspections_of_the_level_directly_below_within_its_scope() {
    let app = TestApp::new().await;
    let province = app.token("admin").await;
    let district = app.token("admin_a").await;

    // The province inspects a district; the district inspects a ward.
    let (s, v) = plan(
        &app,
        &province,
        PROVINCE,
        DISTRICT_A,
        "Kiểm tra công tác phòng, chống dịch",
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let of_district = v["id"].as_i64().unwrap();
    assert_eq!(v["status"], "planned");
    assert_eq!(v["by_area_id"], PROVINCE);
    assert_eq!(v["area_name"], "Thành phố Lai Châu");
    assert_eq!(v["planned_on"], "2021-06-24");
    let of_ward = planned(
        &app,
        &district,
        DISTRICT_A,
        WARD_A,
        "Kiểm tra phường Quyết Thắng",
    )
    .await;

    // A grandchild is refused on the inspected unit's field, naming the rule.
    let (s, v) = plan(&app, &province, PROVINCE, WARD_A, "Kiểm tra vượt cấp").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "area_id");
    assert!(
        v["message"].as_str().unwrap().contains("cấp liền dưới"),
        "{v}"
    );
    // Outside the scope: another district as the inspecting unit, or its ward as the inspected.
    let (s, v) = plan(&app, &district, "L106", WARD_B, "Kiểm tra huyện khác").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "by_area_id");
    let (s, v) = plan(
        &app,
        &district,
        DISTRICT_A,
        WARD_B,
        "Kiểm tra xã huyện khác",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "area_id");
    assert!(
        v["message"].as_str().unwrap().contains("không trực thuộc"),
        "{v}"
    );
    // A unit that does not exist yet on the planned day (a ward of the 2025 structure).
    let (s, v) = plan(&app, &province, "N12", NEW_WARD, "Kiểm tra phường mới").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "area_id");
    assert!(
        v["message"].as_str().unwrap().contains("từ 01/07/2025"),
        "{v}"
    );
    // A missing title and date: every field named at once.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/inspections",
            &province,
            Some(json!({"by_area_id": PROVINCE, "area_id": DISTRICT_A, "title": " ", "planned_on": ""})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["title", "planned_on"]);
    // A lead agency that does not exist.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/inspections",
            &province,
            Some(json!({"by_area_id": PROVINCE, "area_id": DISTRICT_A, "title": "Kiểm tra", "planned_on": "2021-06-28", "lead_agency_id": 999_999})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "lead_agency_id", "{v}");
    // Nothing was written by the refusals.
    assert_eq!(count(&app, "inspections").await, 2);

    // A retried plan with the same Idempotency-Key writes once.
    let req = || {
        axum::http::Request::post("/api/v1/inspections")
            .header("authorization", format!("Bearer {district}"))
            .header("content-type", "application/json")
            .header("idempotency-key", "plan-tan-phong-1")
            .body(axum::body::Body::from(
                json!({"by_area_id": DISTRICT_A, "area_id": WARD_A2, "title": "Kiểm tra phường Tân Phong", "planned_on": "2021-06-30"}).to_string(),
            ))
            .unwrap()
    };
    let (s1, _, b1) = app.send(req()).await;
    let (s2, h2, b2) = app.send(req()).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::CREATED));
    assert_eq!(b1, b2);
    assert_eq!(h2["idempotent-replayed"], "true");
    assert_eq!(count(&app, "inspections").await, 3);

    // Who sees what: the inspected district sees the province's inspection of it and its own;
    // another district sees none; the province's viewer sees them all.
    let officer_a = app.token("officer_a").await;
    let (_, v) = app.get("/api/v1/inspections", &officer_a).await;
    assert_eq!(v["total"], 3);
    let officer_b = app.token("officer_b").await;
    let (_, v) = app.get("/api/v1/inspections", &officer_b).await;
    assert_eq!(v["total"], 0);
    let (s, _) = app
        .get(&format!("/api/v1/inspections/{of_ward}"), &officer_b)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let viewer = app.token("viewer").await;
    let (_, v) = app.get("/api/v1/inspections", &viewer).await;
    assert_eq!(v["total"], 3);
    let (s, _) = plan(&app, &viewer, PROVINCE, DISTRICT_A, "Không có quyền").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The inspected do not write their own inspection's record.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{of_district}/record"),
            &officer_a,
            Some(json!({"done_on": "24/06/2021", "record": "Tự ghi"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");

    // Filters: by the inspecting unit, the inspected subtree, the status, the day.
    let q = |p: &'static str| {
        let app = &app;
        let t = province.clone();
        async move { app.get(&format!("/api/v1/inspections?{p}"), &t).await }
    };
    assert_eq!(q("by_area_id=L105").await.1["total"], 2);
    assert_eq!(q("by_area_id=L12").await.1["total"], 1);
    assert_eq!(q("area_id=L105").await.1["total"], 3);
    assert_eq!(q("area_id=L03386").await.1["total"], 1);
    assert_eq!(q("status=planned").await.1["total"], 3);
    assert_eq!(q("status=done").await.1["total"], 0);
    assert_eq!(q("from=25/06/2021").await.1["total"], 1);
    assert_eq!(q("from=2021-06-01&to=2021-06-24").await.1["total"], 2);
    assert_eq!(
        q("limit=1&offset=1").await.1["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let (s, v) = q("status=open&from=hom-qua").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2, "{v}");
    assert_eq!(v["field"], "status");
    // Every plan is in the audit log, filed under the inspected unit.
    let db = app.store().connection();
    let audited = db
        .query_all(
            &Query::select()
                .columns(["record_id", "area_id"])
                .from("audit_log")
                .and_where(Expr::col("record_type").eq("inspection"))
                .and_where(Expr::col("action").eq("create"))
                .to_owned(),
        )
        .await
        .unwrap();
    assert_eq!(audited.len(), 3);

    // The OpenAPI document describes the room.
    let (_, doc) = app.get("/api/v1/openapi.json", &province).await;
    for (path, method) in [
        ("/api/v1/inspections", "get"),
        ("/api/v1/inspections", "post"),
        ("/api/v1/inspections/{id}", "get"),
        ("/api/v1/inspections/{id}/record", "post"),
        ("/api/v1/inspections/{id}/findings", "post"),
        ("/api/v1/inspections/{id}/cancel", "post"),
    ] {
        assert_eq!(
            doc["paths"][path][method]["tags"][0], "inspections",
            "{method} {path} in the OpenAPI document"
        );
    }

    // The two-level structure: from 01/07/2025 the province inspects its communes directly.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/inspections",
            &province,
            Some(json!({"by_area_id": "N12", "area_id": NEW_WARD, "title": "Kiểm tra phường Tân Phong", "planned_on": "15/07/2025"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["area_name"], "Phường Tân Phong");
}

#[tokio::test]
async fn a_recorded_inspection_takes_findings_and_a_correction_becomes_a_task_in_one_transaction() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let id = planned(&app, &t, PROVINCE, DISTRICT_A, "Kiểm tra công tác cách ly").await;

    // Findings come after the inspection took place.
    let (s, v) = finding(&app, &t, id, json!({"kind": "finding", "text": "Tốt"})).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    // The record: not in the future, not empty.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{id}/record"),
            &t,
            Some(json!({"done_on": "25/06/2021", "record": ""})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2, "{v}");
    let v = record(&app, &t, id).await;
    assert_eq!(v["status"], "done");
    assert_eq!(v["done_on"], "2021-06-24");

    // A correction without a deadline or an agency: refused, the fields named, nothing written.
    let tasks_before = count(&app, "tasks").await;
    let (s, v) = finding(
        &app,
        &t,
        id,
        json!({"kind": "correction", "text": "Bổ sung sổ theo dõi người cách ly tại nhà"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "deadline", "{v}");
    assert!(v["message"].as_str().unwrap().contains("agency_id"), "{v}");
    // A deadline before the inspection day.
    let (s, v) = finding(
        &app,
        &t,
        id,
        json!({"kind": "correction", "text": "Bổ sung sổ", "deadline": "2021-06-20", "agency_name": "UBND thành phố Lai Châu"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("trước ngày kiểm tra"),
        "{v}"
    );
    // A registered agency that does not exist.
    let (s, v) = finding(
        &app,
        &t,
        id,
        json!({"kind": "correction", "text": "Bổ sung sổ", "deadline": "2021-06-30", "agency_id": 999_999}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "agency_id");
    assert_eq!(count(&app, "tasks").await, tasks_before);
    assert_eq!(count(&app, "inspection_findings").await, 0);

    // A correction with its deadline and responsible agencies: the task is written with it.
    let (s, a) = app
        .api(
            Method::POST,
            "/api/v1/agencies",
            &t,
            Some(json!({"area_id": DISTRICT_A, "name": "Trung tâm Y tế thành phố Lai Châu", "kind": "health_facility"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let agency = a["agency"]["id"].as_i64().unwrap();
    let (s, f) = finding(
        &app,
        &t,
        id,
        json!({"kind": "correction", "subject": "Khu cách ly tập trung", "text": "Bổ sung sổ theo dõi người cách ly",
            "deadline": "30/06/2021", "agency_id": agency, "agency_name": "UBND phường Tân Phong"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    assert_eq!(f["kind"], "correction");
    assert_eq!(f["deadline"], "2021-06-30");
    assert_eq!(f["task_status"], "new");
    assert_eq!(
        f["responsible"],
        json!(["Trung tâm Y tế thành phố Lai Châu", "UBND phường Tân Phong"])
    );
    let task = f["task_id"].as_i64().unwrap();
    let db = app.store().connection();
    let row = db
        .query_one(
            &Query::select()
                .columns(["area_id", "title", "source", "deadline", "status"])
                .from("tasks")
                .and_where(Expr::col("id").eq(task))
                .to_owned(),
        )
        .await
        .unwrap()
        .expect("the correction's task");
    assert_eq!(row.try_get::<String>("", "area_id").unwrap(), DISTRICT_A);
    assert_eq!(row.try_get::<String>("", "source").unwrap(), "inspection");
    assert_eq!(
        row.try_get::<String>("", "title").unwrap(),
        "Khu cách ly tập trung: Bổ sung sổ theo dõi người cách ly"
    );
    assert_eq!(
        row.try_get::<chrono::NaiveDate>("", "deadline").unwrap(),
        chrono::NaiveDate::from_ymd_opt(2021, 6, 30).unwrap()
    );
    let leads = db
        .query_all(
            &Query::select()
                .columns(["agency_id", "name"])
                .from("task_agencies")
                .and_where(Expr::col("task_id").eq(task))
                .and_where(Expr::col("role").eq("lead"))
                .order_by("id", sea_orm::sea_query::Order::Asc)
                .to_owned(),
        )
        .await
        .unwrap();
    assert_eq!(leads.len(), 2);
    assert_eq!(
        leads[0].try_get::<Option<i64>>("", "agency_id").unwrap(),
        Some(agency)
    );
    assert_eq!(count(&app, "tasks").await, tasks_before + 1);
    assert_eq!(
        app.store()
            .inspection_of_task(&chongdich_domain::access::Scope::everywhere(), task)
            .await
            .unwrap()
            .map(|(i, _)| i),
        Some(id)
    );

    // The inspection shows it; the inspected district sees its correction.
    let officer_a = app.token("officer_a").await;
    let (s, v) = app
        .get(&format!("/api/v1/inspections/{id}"), &officer_a)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "done");
    assert_eq!(v["correction_count"], 1);
    assert_eq!(v["findings"][0]["task_id"], task);
    // Past its deadline the task shows as overdue.
    app.clock.advance(chrono::Duration::days(7));
    let (_, v) = app.get(&format!("/api/v1/inspections/{id}"), &t).await;
    assert_eq!(v["findings"][0]["task_status"], "overdue");

    // A done inspection is not cancelled; a planned one is, with a reason, and then takes no
    // record.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{id}/cancel"),
            &t,
            Some(json!({"reason": "Đổi lịch"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let other = planned(&app, &t, PROVINCE, "L106", "Kiểm tra huyện Tam Đường").await;
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{other}/cancel"),
            &t,
            Some(json!({"reason": "  "})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "reason");
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{other}/cancel"),
            &t,
            Some(json!({"reason": "Huyện đang phong tỏa, lùi lịch kiểm tra"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "cancelled");
    assert_eq!(v["record"], "Huyện đang phong tỏa, lùi lịch kiểm tra");
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/inspections/{other}/record"),
            &t,
            Some(json!({"done_on": "24/06/2021", "record": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // Every write is in the audit log.
    let db = app.store().connection();
    let kinds = db
        .query_all(
            &Query::select()
                .columns(["record_type", "action"])
                .from("audit_log")
                .and_where(Expr::col("record_type").is_in([
                    "inspection",
                    "inspection_finding",
                    "task",
                ]))
                .to_owned(),
        )
        .await
        .unwrap();
    let entries: Vec<(String, String)> = kinds
        .iter()
        .map(|r| {
            (
                r.try_get("", "record_type").unwrap(),
                r.try_get("", "action").unwrap(),
            )
        })
        .collect();
    for want in [
        ("inspection", "create"),
        ("inspection", "update"),
        ("inspection_finding", "create"),
        ("task", "create"),
    ] {
        assert!(
            entries.iter().any(|(t, a)| t == want.0 && a == want.1),
            "{want:?} in {entries:?}"
        );
    }
    // Two plans, one record, one cancellation, one finding, one task.
    assert_eq!(entries.len(), 6, "{entries:?}");
}

#[tokio::test]
async fn violations_rewards_and_discipline_name_whom_and_make_no_task() {
    let app = TestApp::new().await;
    let t = app.token("admin_a").await;
    let id = planned(&app, &t, DISTRICT_A, WARD_A, "Kiểm tra chốt kiểm soát").await;
    record(&app, &t, id).await;
    for kind in ["violation", "reward", "discipline"] {
        let (s, v) = finding(&app, &t, id, json!({"kind": kind, "text": "Nội dung"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{kind}");
        assert_eq!(v["field"], "subject", "{kind}: {v}");
    }
    let (s, v) = finding(
        &app,
        &t,
        id,
        json!({"kind": "violation", "subject": "Quán karaoke Hoa Mai", "text": "Mở cửa khi có lệnh tạm dừng", "deadline": "30/06/2021"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v["field"], "deadline",
        "only corrections have deadlines: {v}"
    );
    let bodies = [
        json!({"kind": "finding", "text": "Chốt kiểm soát trực đủ 24/24 giờ"}),
        json!({"kind": "violation", "subject": "Quán karaoke Hoa Mai", "text": "Mở cửa khi có lệnh tạm dừng", "decision": "Xử phạt 15.000.000 đồng"}),
        json!({"kind": "reward", "subject": "Tổ COVID cộng đồng tổ 5", "text": "Phát hiện sớm 2 người về từ vùng dịch", "decision": "Giấy khen của Chủ tịch UBND thành phố"}),
        json!({"kind": "discipline", "subject": "Ông Nguyễn Văn B, tổ trưởng chốt", "text": "Bỏ vị trí trực", "decision": "Khiển trách"}),
    ];
    let tasks_before = count(&app, "tasks").await;
    for b in bodies {
        let (s, v) = finding(&app, &t, id, b).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(v["task_id"], Value::Null);
    }
    assert_eq!(count(&app, "tasks").await, tasks_before);
    let (_, v) = app.get(&format!("/api/v1/inspections/{id}"), &t).await;
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["finding", "violation", "reward", "discipline"]);
    assert_eq!(v["findings"][3]["decision"], "Khiển trách");
    // Another district's administrator does not even see it.
    let b = app.token("admin_b").await;
    let (s, _) = finding(&app, &b, id, json!({"kind": "finding", "text": "x"})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_list_plan_and_show_an_inspection_and_a_bad_form_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (st, html) = app.page(&s, "/inspections").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("href=\"/inspections/new\""), "{html}");

    // The plan form: the unit in force today (Lai Châu before 2025) comes first, with its
    // districts to choose from; another of the user's units is one step away.
    let (st, html) = app.page(&s, "/inspections/new").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("name=\"by_area_id\" value=\"L12\""), "{html}");
    assert!(
        html.contains("<option value=\"L105\" >Thành phố Lai Châu (L105)</option>"),
        "{html}"
    );
    assert!(
        html.contains("<option value=\"N12\" >"),
        "today's province is offered too"
    );
    let (st, html) = app.page(&s, "/inspections/new?by=L105").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("value=\"L03386\""));
    assert!(
        !html.contains("value=\"L03413\""),
        "only the unit's own children"
    );

    // A plan without a title: 422, what was typed is kept.
    let fields = [
        ("by_area_id", "L12"),
        ("area_id", "L105"),
        ("title", ""),
        ("scope_text", "Chốt kiểm soát Km 5"),
        ("planned_on", "2021-06-28"),
        ("team", "Bà C, Phó Chánh Văn phòng"),
    ];
    let (st, _, html) = app.post_form(&s, "/inspections/new", &fields).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("cần tên cuộc kiểm tra"), "{html}");
    assert!(html.contains(">Chốt kiểm soát Km 5</textarea>"));
    assert!(html.contains(">Bà C, Phó Chánh Văn phòng</textarea>"));
    assert!(html.contains("value=\"2021-06-28\""));
    assert!(html.contains("<option value=\"L105\" selected>"));
    // A grandchild posted by hand is refused on the page too.
    let mut bad = fields;
    bad[1] = ("area_id", WARD_A);
    bad[2] = ("title", "Kiểm tra vượt cấp");
    let (st, _, html) = app.post_form(&s, "/inspections/new", &bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("cấp liền dưới"), "{html}");
    assert_eq!(count(&app, "inspections").await, 0);

    let mut good = fields;
    good[2] = ("title", "Kiểm tra công tác phòng, chống dịch tại thành phố");
    let (st, headers, _) = app.post_form(&s, "/inspections/new", &good).await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let to = location(&headers);
    assert!(to.ends_with("?msg=created"), "{to}");
    let id: i64 = to
        .trim_start_matches("/inspections/")
        .trim_end_matches("?msg=created")
        .parse()
        .unwrap();
    let (st, html) = app.page(&s, &to).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Đã lập kế hoạch kiểm tra."));
    assert!(html.contains("28/06/2021") && html.contains("Chốt kiểm soát Km 5"));
    assert!(html.contains("Ghi kết quả kiểm tra") && html.contains("Huỷ cuộc kiểm tra"));
    assert!(
        !html.contains("id=\"finding-form\""),
        "no findings before the record"
    );

    // The record, then a correction without a deadline (kept, refused), then with one.
    let path = format!("/inspections/{id}");
    let (st, _, html) = app
        .post_form(
            &s,
            &format!("{path}/record"),
            &[("done_on", "2021-06-24"), ("record", "")],
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("cần nội dung đã kiểm tra"), "{html}");
    let (st, headers, _) = app
        .post_form(
            &s,
            &format!("{path}/record"),
            &[
                ("done_on", "2021-06-24"),
                ("record", "Kiểm tra 2 chốt, 1 khu cách ly."),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), format!("{path}?msg=recorded"));
    let correction = [
        ("kind", "correction"),
        ("subject", ""),
        ("text", "Bố trí thêm người trực chốt Km 5"),
        ("decision", ""),
        ("deadline", ""),
        ("agency_id", ""),
        ("agency_name", "UBND thành phố Lai Châu"),
    ];
    let (st, _, html) = app
        .post_form(&s, &format!("{path}/findings"), &correction)
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("yêu cầu khắc phục cần thời hạn"), "{html}");
    assert!(html.contains(">Bố trí thêm người trực chốt Km 5</textarea>"));
    assert!(html.contains("value=\"UBND thành phố Lai Châu\""));
    assert!(html.contains("<option value=\"correction\" selected>"));
    assert_eq!(count(&app, "tasks").await, 0);
    let mut with_deadline = correction;
    with_deadline[4] = ("deadline", "2021-07-01");
    let (st, headers, _) = app
        .post_form(&s, &format!("{path}/findings"), &with_deadline)
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&s, &location(&headers)).await;
    assert!(html.contains("Đã ghi yêu cầu khắc phục"), "{html}");
    let task: i64 = {
        let at = html.find("href=\"/tasks/").unwrap() + "href=\"/tasks/".len();
        html[at..].split('"').next().unwrap().parse().unwrap()
    };
    assert!(html.contains("01/07/2021") && html.contains("Đã kiểm tra"));
    assert!(html.contains("id=\"kind-correction\""));
    assert_eq!(count(&app, "tasks").await, 1);
    assert_eq!(
        app.store()
            .inspection_of_task(&chongdich_domain::access::Scope::everywhere(), task)
            .await
            .unwrap()
            .map(|(i, _)| i),
        Some(id)
    );
    // A reward on the page.
    let (st, _, _) = app
        .post_form(
            &s,
            &format!("{path}/findings"),
            &[
                ("kind", "reward"),
                ("subject", "Tổ COVID cộng đồng tổ 5"),
                ("text", "Làm tốt công tác khai báo y tế"),
                ("decision", "Giấy khen"),
            ],
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&s, &path).await;
    assert!(html.contains("id=\"kind-reward\"") && html.contains("Tổ COVID cộng đồng tổ 5"));

    // The list shows it, filtered too; the inspected district sees it without forms; another
    // district does not see it at all; a viewer may not plan.
    let (_, html) = app.page(&s, "/inspections?status=done").await;
    assert!(html.contains(&format!(
        "<a href=\"/inspections/{id}\">Kiểm tra công tác phòng, chống dịch tại thành phố</a>"
    )));
    let (_, html) = app.page(&s, "/inspections?status=cancelled").await;
    assert!(!html.contains(&format!("href=\"/inspections/{id}\"")));
    let (st, html) = app.page(&s, "/inspections?from=xyz").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"xyz\"") && html.contains("không hợp lệ"));
    let officer_a = app.login("officer_a").await;
    let (st, html) = app.page(&officer_a, &path).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("Bố trí thêm người trực chốt Km 5"));
    assert!(!html.contains("id=\"record-form\"") && !html.contains("id=\"finding-form\""));
    let (st, _, _) = app
        .post_form(
            &officer_a,
            &format!("{path}/record"),
            &[("done_on", "2021-06-24"), ("record", "x")],
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let officer_b = app.login("officer_b").await;
    assert_eq!(app.page(&officer_b, &path).await.0, StatusCode::NOT_FOUND);
    let (_, html) = app.page(&officer_b, "/inspections").await;
    assert!(!html.contains(&format!("href=\"/inspections/{id}\"")));
    let viewer = app.login("viewer").await;
    assert_eq!(app.page(&viewer, "/inspections").await.0, StatusCode::OK);
    assert_eq!(
        app.page(&viewer, "/inspections/new").await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.page(&s, "/inspections/new?by=L999").await.0,
        StatusCode::NOT_FOUND
    );
}

/// The lead agencies of a task as written: (agency id, name), in order.
async fn task_leads(app: &TestApp, task: i64) -> Vec<(Option<i64>, String)> {
    app.store()
        .connection()
        .query_all(
            &Query::select()
                .columns(["agency_id", "name"])
                .from("task_agencies")
                .and_where(Expr::col("task_id").eq(task))
                .and_where(Expr::col("role").eq("lead"))
                .order_by("id", sea_orm::sea_query::Order::Asc)
                .to_owned(),
        )
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get::<Option<i64>>("", "agency_id").unwrap(),
                r.try_get::<String>("", "name").unwrap(),
            )
        })
        .collect()
}

/// The ids of the tasks naming an agency, through the API.
async fn tasks_of_agency(app: &TestApp, t: &str, agency: i64) -> Vec<i64> {
    let (s, list) = app
        .get(&format!("/api/v1/tasks?agency={agency}&limit=100"), t)
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_responsible_agency_typed_by_name_is_the_registered_one_it_names() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let register = async |area: &str, name: &str, kind: &str| -> i64 {
        let (s, a) = app
            .api(
                Method::POST,
                "/api/v1/agencies",
                &t,
                Some(json!({"area_id": area, "name": name, "kind": kind})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        a["agency"]["id"].as_i64().unwrap()
    };
    // Huyện Tam Đường's People's Committee; another district's; two communes' health stations
    // of Tam Đường (which "Trạm Y tế" alone would name both of).
    let tam_duong = register("L106", "UBND huyện Tam Đường", "peoples_committee").await;
    let muong_te = register("L107", "UBND huyện Mường Tè", "peoples_committee").await;
    register(WARD_B, "Trạm Y tế xã Sơn Bình", "health_facility").await;
    register("L03424", "Trạm Y tế xã Bản Bo", "health_facility").await;

    let id = planned(&app, &t, PROVINCE, "L106", "Kiểm tra huyện Tam Đường").await;
    record(&app, &t, id).await;
    let (s, f) = finding(
        &app,
        &t,
        id,
        json!({"kind": "correction", "text": "Bố trí thêm người trực chốt Km 5", "deadline": "30/06/2021",
            "agency_name": "ubnd huyen Tam Duong; UBND huyện Mường Tè; Trạm Y tế; Ban quản lý chợ Tam Đường"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let task = f["task_id"].as_i64().unwrap();
    // The name as typed stays; the one standing for exactly one agency of the inspected unit
    // (or of a unit below or above it) leads as that agency. Another district's agency, an
    // ambiguous name and an unregistered one stay names.
    assert_eq!(
        task_leads(&app, task).await,
        [
            (Some(tam_duong), "ubnd huyen Tam Duong".to_owned()),
            (None, "UBND huyện Mường Tè".to_owned()),
            (None, "Trạm Y tế".to_owned()),
            (None, "Ban quản lý chợ Tam Đường".to_owned()),
        ]
    );
    // So the task is in the agency's list (and its reminders), not in the other district's.
    assert_eq!(tasks_of_agency(&app, &t, tam_duong).await, [task]);
    assert!(tasks_of_agency(&app, &t, muong_te).await.is_empty());
    let listed = app
        .store()
        .tasks(
            &chongdich_domain::access::Scope::everywhere(),
            &chongdich_store::tasks::TaskFilter {
                agency_id: Some(tam_duong),
                ..Default::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    assert_eq!(
        listed.items.iter().map(|i| i.task.id).collect::<Vec<_>>(),
        [task]
    );

    // Picked from the list and typed too: the agency leads once.
    let (s, f) = finding(
        &app,
        &t,
        id,
        json!({"kind": "correction", "text": "Cập nhật danh sách người về từ vùng dịch", "deadline": "30/06/2021",
            "agency_id": tam_duong, "agency_name": "UBND huyện Tam Đường"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{f}");
    let second = f["task_id"].as_i64().unwrap();
    assert_eq!(
        task_leads(&app, second).await,
        [(Some(tam_duong), "UBND huyện Tam Đường".to_owned())]
    );
    assert_eq!(
        tasks_of_agency(&app, &t, tam_duong).await.len(),
        2,
        "{task} and {second}"
    );
}
