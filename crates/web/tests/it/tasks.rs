//! Tasks through the API and the pages: assigned by hand to an agency, seen in that agency's
//! list and by its members as their own, reported on with progress and an attachment, overdue
//! once the deadline passes (counted by agency and by area), escalated to the committee of the
//! level above, reminded through the outbox; scoped, and bad input names its field. The test
//! clock stands on 24/06/2021.

use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;
use serde_json::{Value, json};

async fn agency(app: &TestApp, t: &str, area: &str, name: &str, kind: &str) -> i64 {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/agencies",
            t,
            Some(json!({"area_id": area, "name": name, "kind": kind})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["agency"]["id"].as_i64().unwrap()
}

async fn task(app: &TestApp, t: &str, body: Value) -> Value {
    let (s, v) = app.api(Method::POST, "/api/v1/tasks", t, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

#[tokio::test]
async fn a_task_goes_to_its_agency_is_reported_on_and_becomes_overdue_after_its_deadline() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let health = agency(&app, &t, "N12", "Sở Y tế tỉnh Lai Châu", "department").await;
    let finance = agency(&app, &t, "N12", "Sở Tài chính", "department").await;
    // officer_a is a member of Sở Y tế: its tasks are theirs.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/agencies/{health}/members"),
            &t,
            Some(json!({"full_name": "Nguyễn Văn An", "position": "Chuyên viên", "phone": "0912345678", "account": "officer_a"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let created = task(
        &app,
        &t,
        json!({"area_id": "N12", "title": "Đẩy nhanh tiêm vắc xin đợt 3", "deadline": "28/06/2021",
               "lead": [{"agency_id": health}], "support": [{"agency_id": finance}, {"name": "UBND các huyện, thành phố"}]}),
    )
    .await;
    assert_eq!(created["status"], "new");
    assert_eq!(created["agencies"][0]["name"], "Sở Y tế tỉnh Lai Châu");
    assert_eq!(created["agencies"][2]["agency_id"], Value::Null);

    let (_, list) = app
        .get(&format!("/api/v1/tasks?agency={finance}"), &t)
        .await;
    assert_eq!(list["total"], 1, "support agencies see it too: {list}");
    let o = app.token("officer_a").await;
    let (_, mine) = app.get("/api/v1/tasks?mine=true", &o).await;
    assert_eq!(
        mine["total"], 0,
        "officer_a's scope is the district; the task is the province's"
    );
    // A task in the district, for Sở Y tế, is officer_a's own; officer_b does not see it.
    let district = task(
        &app,
        &t,
        json!({"area_id": "L105", "title": "Rà soát người về từ Bắc Giang", "deadline": "2021-06-26",
               "lead": [{"agency_id": health}]}),
    )
    .await;
    let did = district["id"].as_i64().unwrap();
    let (_, mine) = app.get("/api/v1/tasks?mine=true", &o).await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["items"][0]["id"], did);
    let b = app.token("officer_b").await;
    let (s, _) = app.get(&format!("/api/v1/tasks/{did}"), &b).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, theirs) = app.get("/api/v1/tasks", &b).await;
    assert_eq!(theirs["total"], 0);

    // On screen: officer_a's list opens on their own tasks with the reminder (due in 2 days).
    let sa = app.login("officer_a").await;
    let (status, html) = app.page(&sa, "/tasks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nhiệm vụ của đơn vị tôi"), "{html}");
    assert!(html.contains("sắp đến hạn"), "{html}");
    assert!(html.contains("Rà soát người về từ Bắc Giang"), "{html}");
    // The reminder's link lists the tasks it counts: their own due soon, not every task due
    // soon that they can see.
    let other = task(
        &app,
        &t,
        json!({"area_id": "L105", "title": "Chi trả kinh phí chốt kiểm soát", "deadline": "2021-06-25",
               "lead": [{"agency_id": finance}]}),
    )
    .await;
    let (_, html) = app.page(&sa, "/tasks").await;
    assert!(html.contains("/tasks?view=mine_due_soon"), "{html}");
    let (_, html) = app.page(&sa, "/tasks?view=mine_due_soon").await;
    assert!(
        html.contains("Rà soát người về từ Bắc Giang") && !html.contains("Chi trả kinh phí"),
        "{html}"
    );
    let (_, html) = app.page(&sa, "/tasks?view=due_soon").await;
    assert!(
        html.contains("Rà soát người về từ Bắc Giang") && html.contains("Chi trả kinh phí"),
        "{html}"
    );
    // (Done the same day, so that it counts nowhere below.)
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{}/reports", other["id"]),
            &t,
            Some(json!({"body": "Đã chi trả", "status": "done"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // A report moves it in progress; bad progress names the field and writes nothing.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{did}/reports"),
            &o,
            Some(json!({"body": "Đã rà soát 3 xã", "progress": 150})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "progress");
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{did}/reports"),
            &o,
            Some(json!({"body": "Đã rà soát 3 xã", "progress": 40})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "in_progress");
    assert_eq!(v["progress"], 40);
    assert_eq!(v["reports"].as_array().unwrap().len(), 1);

    // Three days later both open tasks are past their deadline… (26/06 and 28/06; today 29/06)
    app.clock.advance(Duration::days(5));
    let (_, over) = app.get("/api/v1/tasks?status=overdue", &t).await;
    assert_eq!(over["total"], 2, "{over}");
    let (_, sum) = app.get("/api/v1/tasks/overdue", &t).await;
    assert_eq!(sum["total"], 2, "{sum}");
    let by_agency: Vec<(Value, Value)> = sum["by_agency"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].clone(), c["overdue"].clone()))
        .collect();
    assert_eq!(
        by_agency,
        vec![(json!("Sở Y tế tỉnh Lai Châu"), json!(2))],
        "only lead agencies count"
    );
    let areas: Vec<Value> = sum["by_area"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].clone())
        .collect();
    assert!(
        areas.contains(&json!("N12")) && areas.contains(&json!("L105")),
        "{sum}"
    );
    // … and one done is no longer overdue.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{did}/reports"),
            &o,
            Some(json!({"body": "Xong", "status": "done"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["status"], "done");
    assert_eq!(v["progress"], 100);
    let (_, sum) = app.get("/api/v1/tasks/overdue", &t).await;
    assert_eq!(sum["total"], 1, "{sum}");
    let s = app.login("bcd").await;
    // The overdue list in Excel: the same rows as on screen.
    let (status, html) = app.page(&s, "/tasks?view=overdue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/tasks/export.xlsx?view=overdue"), "{html}");
    let (status, headers, bytes) = app
        .send(
            Request::get("/tasks/export.xlsx?view=overdue")
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let csv = chongdich_web::excel::first_sheet_as_csv(&bytes).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "a header and the one overdue task: {csv}");
    assert!(
        lines[1].contains("Đẩy nhanh tiêm vắc xin đợt 3")
            && lines[1].contains("28/06/2021")
            && lines[1].contains("Sở Y tế tỉnh Lai Châu"),
        "{csv}"
    );
    let (status, html) = app.page(&s, "/tasks/overdue").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Sở Y tế tỉnh Lai Châu") && html.contains("Đẩy nhanh tiêm vắc xin"),
        "{html}"
    );
    assert!(!html.contains("Rà soát người về từ Bắc Giang"), "{html}");
}

#[tokio::test]
async fn reports_carry_attachments_and_the_page_forms_keep_what_was_typed() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let health = agency(&app, &t, "N12", "Sở Y tế tỉnh Lai Châu", "department").await;
    let v = task(
        &app,
        &t,
        json!({"area_id": "L105", "title": "Báo cáo công tác cách ly", "lead": [{"agency_id": health}]}),
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    let s = app.login("officer_a").await;
    // A bad report keeps the text typed.
    let (status, _, html) = app
        .post_multipart(
            &s,
            &format!("/tasks/{id}/reports"),
            &[("body", "Đang làm dở"), ("progress", "abc")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Đang làm dở") && html.contains("tiến độ là một số"),
        "{html}"
    );
    // A report with a file, sent twice with the form's key (a double click, a retry after a
    // lost answer): one report, the same answer.
    let (_, page) = app.page(&s, &format!("/tasks/{id}")).await;
    let idem = crate::support::field(&page, "idem").unwrap().to_owned();
    let pdf = b"%PDF-1.4 bien ban kiem tra".to_vec();
    let send = async || {
        app.post_multipart(
            &s,
            &format!("/tasks/{id}/reports"),
            &[
                ("body", "Gửi kèm biên bản"),
                ("progress", "60"),
                ("idem", &idem),
            ],
            Some(("file", "Biên bản kiểm tra.pdf", &pdf)),
        )
        .await
    };
    let (status, headers, body) = send().await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (again, replayed, _) = send().await;
    assert_eq!(again, StatusCode::SEE_OTHER);
    assert_eq!(replayed["idempotent-replayed"], "true");
    assert_eq!(replayed[header::LOCATION], headers[header::LOCATION]);
    assert!(
        headers[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("msg=reported")
    );
    let (status, html) = app.page(&s, &format!("/tasks/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Biên bản kiểm tra.pdf") && html.contains("60%"),
        "{html}"
    );
    let (_, detail) = app.get(&format!("/api/v1/tasks/{id}"), &t).await;
    assert_eq!(detail["reports"].as_array().unwrap().len(), 1, "{detail}");
    let att = &detail["reports"][0]["attachments"][0];
    assert_eq!(att["content_type"], "application/pdf");
    let aid = att["id"].as_i64().unwrap();
    let (status, headers, bytes) = app
        .send(
            Request::get(format!("/tasks/{id}/attachments/{aid}"))
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes.to_vec(), pdf);
    assert!(
        headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    // Through the API: a raw upload onto the report.
    let rid = detail["reports"][0]["id"].as_i64().unwrap();
    let (status, _, body) = app
        .send(
            Request::post(format!(
                "/api/v1/tasks/{id}/reports/{rid}/attachments?file_name=anh.jpg"
            ))
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "image/jpeg")
            .body(Body::from(vec![0xffu8, 0xd8, 0xff]))
            .unwrap(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (_, detail) = app.get(&format!("/api/v1/tasks/{id}"), &t).await;
    assert_eq!(
        detail["reports"][0]["attachments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // officer_b cannot download it.
    let b = app.token("officer_b").await;
    let (status, _) = app
        .get(&format!("/api/v1/tasks/{id}/attachments/{aid}"), &b)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The manual form: no lead agency and a bad date are named; the text stays.
    let sa = app.login("admin").await;
    let (status, html) = app.page(&sa, "/tasks/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sở Y tế tỉnh Lai Châu"), "{html}");
    let (status, _, html) = app
        .post_form(
            &sa,
            "/tasks/new",
            &[
                ("area_id", "N12"),
                ("title", "Kiểm tra chốt"),
                ("deadline", "32/06/2021"),
                ("lead_other", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Kiểm tra chốt") && html.contains("cần ít nhất một cơ quan chủ trì")
            || html.contains("không hợp lệ"),
        "{html}"
    );
    let health_s = health.to_string();
    let (status, headers, html) = app
        .post_form(
            &sa,
            "/tasks/new",
            &[
                ("area_id", "N12"),
                ("title", "Kiểm tra chốt"),
                ("deadline", "30/06/2021"),
                ("lead", &health_s),
                ("support", &health_s),
                ("support_other", "Công an tỉnh"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, html) = app
        .page(&sa, headers[header::LOCATION].to_str().unwrap())
        .await;
    assert!(
        html.contains("Kiểm tra chốt")
            && html.contains("30/06/2021")
            && html.contains("Công an tỉnh"),
        "{html}"
    );
    // The API names a missing agency.
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/tasks",
            &t,
            Some(json!({"area_id": "N12", "title": "x", "lead": [{"agency_id": 99999}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "lead");
}

#[tokio::test]
async fn a_task_beyond_the_levels_authority_is_escalated_to_the_committee_above() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let district_pc = agency(
        &app,
        &t,
        "L105",
        "UBND thành phố Lai Châu",
        "peoples_committee",
    )
    .await;
    let v = task(
        &app,
        &t,
        json!({"area_id": "L105", "title": "Bố trí kinh phí khu cách ly", "deadline": "30/06/2021",
               "lead": [{"agency_id": district_pc}]}),
    )
    .await;
    let id = v["id"].as_i64().unwrap();
    let a = app.token("officer_a").await;
    // No committee registered above yet: the reason field says so.
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{id}/escalate"),
            &a,
            Some(json!({"reason": "Vượt khả năng ngân sách huyện"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "reason");
    let committee = agency(
        &app,
        &t,
        "N12",
        "Ban Chỉ đạo tỉnh Lai Châu",
        "steering_committee",
    )
    .await;
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{id}/escalate"),
            &a,
            Some(json!({"reason": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{id}/escalate"),
            &a,
            Some(json!({"reason": "Vượt khả năng ngân sách huyện"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "escalated");
    assert_eq!(v["escalated_to"], "Ban Chỉ đạo tỉnh Lai Châu");
    let (_, list) = app
        .get(&format!("/api/v1/tasks?agency={committee}"), &t)
        .await;
    assert_eq!(
        list["total"], 1,
        "the committee sees it in its list: {list}"
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/tasks/{id}/escalate"),
            &a,
            Some(json!({"reason": "lần nữa"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "escalated once");
    // The page shows it, without the form.
    let s = app.login("bcd").await;
    let (_, html) = app.page(&s, &format!("/tasks/{id}")).await;
    assert!(
        html.contains("Đã báo cáo cấp trên") && html.contains("Vượt khả năng ngân sách huyện"),
        "{html}"
    );
    // Handed up, it is still not done: past its deadline it is overdue, counted under the
    // committee that now leads it.
    app.clock.advance(Duration::days(7));
    let (_, over) = app.get("/api/v1/tasks?status=overdue", &t).await;
    assert_eq!(over["total"], 1, "{over}");
    assert_eq!(over["items"][0]["status"], "overdue");
    let (_, sum) = app.get("/api/v1/tasks/overdue", &t).await;
    assert!(
        sum["by_agency"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Ban Chỉ đạo tỉnh Lai Châu" && c["overdue"] == 1),
        "{sum}"
    );
}

#[tokio::test]
async fn reminders_go_to_the_outbox_once_per_task_member_and_kind() {
    let app = TestApp::new().await;
    let t = app.token("national").await;
    let health = agency(&app, &t, "N12", "Sở Y tế tỉnh Lai Châu", "department").await;
    for (name, phone) in [("Lò Văn Bình", "0912000111"), ("Không có số", "")] {
        let (s, v) = app
            .api(
                Method::POST,
                &format!("/api/v1/agencies/{health}/members"),
                &t,
                Some(json!({"full_name": name, "position": "Chuyên viên", "phone": phone})),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let v = task(&app, &t, json!({"area_id": "N12", "title": "Nộp báo cáo tuần", "deadline": "2021-06-26", "lead": [{"agency_id": health}]})).await;
    let id = v["id"].as_i64().unwrap();
    task(&app, &t, json!({"area_id": "N12", "title": "Việc còn xa", "deadline": "2021-07-20", "lead": [{"agency_id": health}]})).await;
    assert_eq!(app.store().queue_task_reminders().await.unwrap(), 1);
    assert_eq!(app.store().queue_task_reminders().await.unwrap(), 0, "once");
    let (status, out) = app.get("/api/v1/notifications", &t).await;
    assert_eq!(status, StatusCode::OK);
    let out = out.as_array().unwrap().clone();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0]["recipient"], "0912000111");
    assert_eq!(out[0]["task_id"], id);
    assert!(out[0]["body"].as_str().unwrap().contains("26/06/2021"));
    // A province administrator may not read other provinces' phone numbers.
    let a = app.token("admin").await;
    let (status, _) = app.get("/api/v1/notifications", &a).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let nid = out[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/notifications/{nid}/sent"),
            &t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, out) = app.get("/api/v1/notifications", &t).await;
    assert_eq!(out, json!([]));
    // Past the deadline, an "overdue" reminder follows once.
    app.clock.advance(Duration::days(3));
    assert_eq!(app.store().queue_task_reminders().await.unwrap(), 1);
    let (_, out) = app.get("/api/v1/notifications", &t).await;
    assert!(
        out[0]["body"].as_str().unwrap().contains("quá hạn"),
        "{out}"
    );
}

#[tokio::test]
async fn a_task_names_only_agencies_within_reach_and_takes_their_registered_names() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let health = agency(&app, &t, "N12", "Sở Y tế tỉnh Lai Châu", "department").await;
    let other_district = agency(
        &app,
        &t,
        "L106",
        "UBND huyện Tam Đường",
        "peoples_committee",
    )
    .await;
    let own = agency(
        &app,
        &t,
        "L105",
        "UBND thành phố Lai Châu",
        "peoples_committee",
    )
    .await;
    let ta = app.token("admin_a").await;
    // Thành phố Lai Châu's administrator gives work to its own committee, with the province's
    // health department in support; the names come from the registry.
    let created = task(
        &app,
        &ta,
        json!({"area_id": "L105", "title": "Rà soát người về từ Bắc Giang",
               "lead": [{"agency_id": own}], "support": [{"agency_id": health}]}),
    )
    .await;
    assert_eq!(created["agencies"][0]["name"], "UBND thành phố Lai Châu");
    assert_eq!(created["agencies"][1]["name"], "Sở Y tế tỉnh Lai Châu");
    // … but not to a neighbouring district's committee: refused on the field, its name not
    // given away, nothing written.
    let before = app.get("/api/v1/tasks", &t).await.1["total"].clone();
    for (field, body) in [
        (
            "lead",
            json!({"area_id": "L105", "title": "Việc của huyện khác", "lead": [{"agency_id": other_district}]}),
        ),
        (
            "support",
            json!({"area_id": "L105", "title": "Việc của huyện khác", "lead": [{"agency_id": own}], "support": [{"agency_id": other_district}]}),
        ),
    ] {
        let (s, v) = app
            .api(Method::POST, "/api/v1/tasks", &ta, Some(body))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["field"], field, "{v}");
        assert!(!v.to_string().contains("Tam Đường"), "{v}");
    }
    assert_eq!(app.get("/api/v1/tasks", &t).await.1["total"], before);
}
