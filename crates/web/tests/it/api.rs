//! The JSON API: authentication, errors that name the field, idempotent retries, areas,
//! population, agencies, users, tokens and the audit log.

use crate::support::{PASSWORD, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

#[tokio::test]
async fn public_endpoints_answer_anonymously_and_the_rest_wants_credentials() {
    let app = TestApp::new().await;
    for path in [
        "/healthz",
        "/metrics",
        "/api/v1/openapi.json",
        "/api/docs",
        "/login",
        "/static/app.css",
    ] {
        let (status, _, _) = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    for path in [
        "/api/v1/me",
        "/api/v1/areas",
        "/api/v1/areas/N12",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/agencies",
        "/api/v1/tokens",
    ] {
        let (status, _, body) = app
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["code"], "unauthorized");
        assert!(v["operation_id"].as_str().is_some_and(|s| !s.is_empty()));
    }
    let (status, _) = app.get("/api/v1/me", "cdt_not-a-real-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn openapi_document_lists_the_handlers() {
    let app = TestApp::new().await;
    let (_, _, body) = app
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let doc: Value = serde_json::from_slice(&body).unwrap();
    for path in [
        "/api/v1/areas",
        "/api/v1/areas/{id}",
        "/api/v1/users",
        "/api/v1/audit/export",
        "/api/v1/population/import",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let (_, _, docs) = app
        .send(Request::get("/api/docs").body(Body::empty()).unwrap())
        .await;
    let docs = String::from_utf8_lossy(&docs);
    assert!(docs.contains("/api/v1/areas/{id}/villages"));
}

#[tokio::test]
async fn search_ignores_diacritics_and_case_and_sorts_in_vietnamese() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let mut ids = Vec::new();
    for q in ["lai%20chau", "LAI%20CH%C3%82U", "Lai%20Ch%C3%A2u"] {
        let (status, v) = app.get(&format!("/api/v1/areas?q={q}"), &t).await;
        assert_eq!(status, StatusCode::OK);
        let found: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect();
        ids.push(found);
    }
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert!(
        ids[0].contains(&"N12".to_owned())
            && ids[0].contains(&"L12".to_owned())
            && ids[0].contains(&"L105".to_owned())
    );
    // Provinces come before districts.
    assert!(ids[0].iter().position(|i| i == "L12") < ids[0].iter().position(|i| i == "L105"));

    // A code finds its unit.
    let (_, v) = app.get("/api/v1/areas?q=106", &t).await;
    assert_eq!(v["items"][0]["name"], "Huyện Tam Đường");

    // Children of the legacy province in Vietnamese order: Mường Tè < Nậm Nhùn < Phong Thổ …
    let (_, v) = app.get("/api/v1/areas/L12/children", &t).await;
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 8);
    assert_eq!(
        names,
        [
            "Huyện Mường Tè",
            "Huyện Nậm Nhùn",
            "Huyện Phong Thổ",
            "Huyện Sìn Hồ",
            "Huyện Tam Đường",
            "Huyện Tân Uyên",
            "Huyện Than Uyên",
            "Thành phố Lai Châu"
        ]
    );
    // Paging.
    let (_, v) = app
        .get("/api/v1/areas/N12/children?limit=10&offset=30", &t)
        .await;
    assert_eq!(v["total"], 38);
    assert_eq!(v["items"].as_array().unwrap().len(), 8);
    // Past the end: no rows, the total still right.
    let (_, v) = app
        .get("/api/v1/areas/N12/children?limit=10&offset=40", &t)
        .await;
    assert_eq!(
        (v["total"].as_i64(), v["items"].as_array().unwrap().len()),
        (Some(38), 0)
    );
}

#[tokio::test]
async fn old_wards_are_mapped_to_new_ones_and_counted_under_them() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    // A user of today's province reaches the old district and its wards.
    let (status, v) = app.get("/api/v1/areas/L105/children", &t).await;
    assert_eq!(status, StatusCode::OK);
    let first_old_ward = v["items"][0]["id"].as_str().unwrap().to_owned();
    let (status, links) = app
        .get(&format!("/api/v1/areas/{first_old_ward}/mapping"), &t)
        .await;
    assert_eq!(status, StatusCode::OK);
    let links = links.as_array().unwrap();
    assert!(!links.is_empty());
    assert!(
        links
            .iter()
            .all(|l| l["old_area_id"] == first_old_ward.as_str())
    );
    assert!(links[0]["new_area_id"].as_str().unwrap().starts_with('N'));
    // Units carry their validity.
    let (_, old) = app.get("/api/v1/areas/L105", &t).await;
    assert_eq!(old["valid_to"], "2025-06-30");
    let (_, new) = app.get("/api/v1/areas/N12", &t).await;
    assert_eq!(new["valid_from"], "2025-07-01");
    assert_eq!(new["population"], Value::Null, "no population is invented");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_writes_nothing() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let send = |body: &'static str, ctype: &'static str| {
        Request::post("/api/v1/areas/N03388/villages")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, ctype)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, _, body) = app.send(send("{\"name\": ", "application/json")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["code"],
        "malformed_json"
    );

    let (status, _, body) = app.send(send("{\"name\": 5}", "application/json")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["code"].as_str(), v["field"].as_str()),
        (Some("invalid"), Some("name"))
    );

    let (status, _, body) = app.send(send("{}", "application/json")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["field"],
        "name"
    );

    let (status, _, body) = app.send(send("name=x", "text/plain")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["code"],
        "unsupported_media_type"
    );

    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/areas/N03388/villages",
            &t,
            Some(json!({"name": "   "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "name");

    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let (status, _, _) = app
        .send(
            Request::post("/api/v1/areas/N03388/villages")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let (status, v) = app.get("/api/v1/areas/N99999", &t).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, _) = app.get("/api/v1/areas/not-an-id", &t).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, v) = app
        .api(
            Method::PUT,
            "/api/v1/areas/N12/population",
            &t,
            Some(json!({"population": "nhiều", "year": 2019, "source": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "population");
    let (status, v) = app
        .api(
            Method::PUT,
            "/api/v1/areas/N12/population",
            &t,
            Some(json!({"population": 5, "year": 1800, "source": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["year", "source"]);

    // None of it wrote anything.
    let (_, v) = app.get("/api/v1/areas/N03388/children", &t).await;
    assert_eq!(v["total"], 0);
    let (_, v) = app.get("/api/v1/areas/N12/population", &t).await;
    assert_eq!(v, json!([]));
}

#[tokio::test]
async fn villages_are_entered_once_even_when_the_request_is_retried() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let post = |key: &'static str, name: &'static str| {
        Request::post("/api/v1/areas/N03388/villages")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header("idempotency-key", key)
            .body(Body::from(
                json!({"name": name, "kind": "Tổ dân phố"}).to_string(),
            ))
            .unwrap()
    };
    let (s1, h1, b1) = app.send(post("key-1", "Tổ dân phố số 1")).await;
    assert_eq!(s1, StatusCode::CREATED);
    assert!(h1.get("idempotent-replayed").is_none());
    let (s2, h2, b2) = app.send(post("key-1", "Tổ dân phố số 1")).await;
    assert_eq!(s2, StatusCode::CREATED);
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(b1, b2);
    // The same key with another body is refused.
    let (s3, _, b3) = app.send(post("key-1", "Tổ dân phố số 2")).await;
    assert_eq!(s3, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        serde_json::from_slice::<Value>(&b3).unwrap()["code"],
        "idempotency_key_reused"
    );
    // Without a key, the natural key still prevents a duplicate.
    let (s4, v4) = app
        .api(
            Method::POST,
            "/api/v1/areas/N03388/villages",
            &t,
            Some(json!({"name": "tổ dân phố  SỐ 1", "kind": "Tổ dân phố"})),
        )
        .await;
    assert_eq!(
        (s4, v4["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );

    let (_, v) = app.get("/api/v1/areas/N03388/children", &t).await;
    assert_eq!(v["total"], 1);
    let village = &v["items"][0];
    assert_eq!(village["level"], "village");
    assert_eq!(village["province_code"], "12");
    // It is searchable at once, without diacritics.
    let (_, found) = app.get("/api/v1/areas?q=to%20dan%20pho%20so%201", &t).await;
    assert_eq!(found["items"][0]["id"], village["id"]);
    // Only under a ward.
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/areas/N12/villages",
            &t,
            Some(json!({"name": "Bản X"})),
        )
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent_id"))
    );
}

#[tokio::test]
async fn population_csv_import_is_all_or_nothing_or_valid_rows_with_line_numbers() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let csv = "code,name,population,year,source\n105,Thành phố Lai Châu,41771,2019,GSO 2019\n106,Huyện Tam Đường,abc,2019,GSO 2019\n20,Lạng Sơn,781655,2019,GSO 2019\n109,Huyện Phong Thổ,79645,2019,GSO 2019\n";
    let import = |mode: &'static str| {
        Request::post(format!(
            "/api/v1/population/import?structure=legacy&mode={mode}"
        ))
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "text/csv")
        .body(Body::from(csv))
        .unwrap()
    };
    let (status, _, body) = app.send(import("all_or_nothing")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = serde_json::from_slice(&body).unwrap();
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    // Line 3 has a bad number; line 4 is a province outside Lai Châu (not in this deployment).
    assert_eq!(fields, ["line 3: population", "line 4: code"]);
    let (_, p) = app.get("/api/v1/areas/L105/population", &t).await;
    assert_eq!(p, json!([]), "nothing written");

    let (status, _, body) = app.send(import("valid_rows")).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["imported"], 2);
    assert_eq!(v["written"], true);
    assert_eq!(v["errors"].as_array().unwrap().len(), 2);
    let (_, a) = app.get("/api/v1/areas/L105", &t).await;
    assert_eq!(a["population"]["population"], 41771);
    assert_eq!(a["population"]["source"], "GSO 2019");

    // Editing a figure keeps its year and source, and a new year is history.
    let (status, a) = app
        .api(
            Method::PUT,
            "/api/v1/areas/L105/population",
            &t,
            Some(json!({"population": 42000, "year": 2021, "source": "Ước tính của tỉnh"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["population"]["year"], 2021);
    let (_, p) = app.get("/api/v1/areas/L105/population", &t).await;
    assert_eq!(p.as_array().unwrap().len(), 2);
    assert_eq!(p[0]["year"], 2021);
}

#[tokio::test]
async fn users_are_created_with_roles_and_checked_field_by_field() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/users",
            &t,
            Some(json!({"username": "ab", "display_name": "", "password": "short", "grants": [{"role": "king", "area_id": "N12"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["username", "display_name", "password", "grants[0].role"]
    );

    let body = json!({"username": "tram.yte", "display_name": "Trạm Y tế Đoàn Kết", "password": "một mật khẩu đủ dài",
                      "grants": [{"role": "commune_health_worker", "area_id": "N03388"}]});
    let (status, v) = app
        .api(Method::POST, "/api/v1/users", &t, Some(body.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["grants"][0]["area_name"], "Phường Đoàn Kết");
    let (status, v) = app.api(Method::POST, "/api/v1/users", &t, Some(body)).await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("username"))
    );

    // The new account works, sees its ward and not the rest of the province.
    assert!(
        app.try_login("tram.yte", "một mật khẩu đủ dài")
            .await
            .is_ok()
    );
    let mine = app.token("tram.yte").await;
    let (status, me) = app.get("/api/v1/me", &mine).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["grants"][0]["role"], "commune_health_worker");
    assert_eq!(
        app.get("/api/v1/areas/N03388", &mine).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/v1/areas/N03408", &mine).await.0,
        StatusCode::NOT_FOUND
    );

    // Disabling ends its sessions and tokens.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/users/{id}/disable"),
            &t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &mine).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.try_login("tram.yte", "một mật khẩu đủ dài")
            .await
            .is_err()
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/users/{id}/enable"),
            &t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/me", &mine).await.0, StatusCode::OK);

    // A new password replaces the old one.
    let (status, _) = app
        .api(
            Method::PUT,
            &format!("/api/v1/users/{id}/password"),
            &t,
            Some(json!({"password": "mật khẩu mới toanh 2021"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        app.try_login("tram.yte", "một mật khẩu đủ dài")
            .await
            .is_err()
    );
    assert!(
        app.try_login("tram.yte", "mật khẩu mới toanh 2021")
            .await
            .is_ok()
    );

    // Only administrators manage accounts.
    let viewer = app.token("viewer").await;
    let (status, v) = app.get("/api/v1/users", &viewer).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
}

#[tokio::test]
async fn reading_an_account_is_audited_and_the_log_is_exportable() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let viewer_id = app.user_id("viewer").await;
    let (status, _) = app.get(&format!("/api/v1/users/{viewer_id}"), &t).await;
    assert_eq!(status, StatusCode::OK);
    let (status, log) = app
        .get(
            &format!("/api/v1/audit?record_type=user&record_id={viewer_id}&action=view"),
            &t,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["username"], "admin");
    assert!(
        log["items"][0]["operation_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );

    let (status, v) = app.get("/api/v1/audit?from=31/02/2021", &t).await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("from"))
    );

    let (status, headers, body) = app
        .send(
            Request::get("/api/v1/audit/export?action=view")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = String::from_utf8(body.to_vec()).unwrap();
    assert!(text.starts_with("\u{feff}id,thoi_gian"));
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&format!(",view,user,{viewer_id},")));
    // The export itself is in the log.
    let (_, log) = app.get("/api/v1/audit?action=export", &t).await;
    assert_eq!(log["total"], 1);

    // Only administrators read the log.
    let bcd = app.token("bcd").await;
    assert_eq!(
        app.get("/api/v1/audit", &bcd).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/v1/audit/export", &bcd).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_audit_log_cannot_be_rewritten_even_in_the_database() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    app.get("/api/v1/users/1", &t).await;
    let db = app.store().connection();
    assert!(
        db.execute_unprepared("UPDATE audit_log SET username = 'someone else'")
            .await
            .is_err()
    );
    assert!(
        db.execute_unprepared("DELETE FROM audit_log")
            .await
            .is_err()
    );
    let (_, log) = app.get("/api/v1/audit", &t).await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["username"] != "someone else")
    );
    assert!(log["total"].as_i64().unwrap() >= 2);
}

#[tokio::test]
async fn tokens_are_shown_once_and_revocable() {
    let app = TestApp::new().await;
    let session_token = app.token("viewer").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/tokens",
            &session_token,
            Some(json!({"name": "Đồng bộ"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = v["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("cdt_"));
    let id = v["token"]["id"].as_i64().unwrap();
    assert_eq!(app.get("/api/v1/me", &secret).await.0, StatusCode::OK);
    let (_, list) = app.get("/api/v1/tokens", &secret).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none())
    );
    assert!(
        list.to_string().find(&secret[..20]).is_none(),
        "secrets are never listed"
    );
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &secret,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get("/api/v1/me", &secret).await.0,
        StatusCode::UNAUTHORIZED
    );
    // Another user's token cannot be revoked.
    let other = app.token("admin").await;
    let (_, mine) = app.get("/api/v1/tokens", &other).await;
    let other_id = mine[0]["id"].as_i64().unwrap();
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{other_id}"),
            &session_token,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_writes_through_the_api_only_with_its_csrf_token() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let req = |csrf: Option<&str>| {
        let mut b = Request::post("/api/v1/areas/N03388/villages")
            .header(header::COOKIE, &s.cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        b.body(Body::from(json!({"name": "Bản Mới"}).to_string()))
            .unwrap()
    };
    let (status, _, body) = app.send(req(None)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap()["code"],
        "csrf"
    );
    let (status, _, _) = app.send(req(Some(&s.csrf))).await;
    assert_eq!(status, StatusCode::CREATED);
    // Reading needs no token.
    let (status, _, _) = app
        .send(
            Request::get("/api/v1/me")
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn login_is_rate_limited() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        assert_eq!(
            app.try_login("viewer", "sai mật khẩu rồi")
                .await
                .unwrap_err(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused for the rest of the window.
    assert_eq!(
        app.try_login("viewer", PASSWORD).await.unwrap_err(),
        StatusCode::TOO_MANY_REQUESTS
    );
    app.clock.advance(chrono::Duration::minutes(16));
    assert!(app.try_login("viewer", PASSWORD).await.is_ok());
    let t = app.token("admin").await;
    let (_, log) = app.get("/api/v1/audit?action=login_failed", &t).await;
    assert_eq!(log["total"], 5);
}

#[tokio::test]
async fn behind_a_trusted_proxy_sign_in_failures_count_per_citizen() {
    use chongdich_web::auth::MAX_PER_ADDRESS;
    let app = TestApp::with_settings(chongdich_web::WebSettings {
        trusted_proxies: chongdich_web::client_addr::Proxies::parse("127.0.0.1").unwrap(),
        ..Default::default()
    })
    .await;
    let nginx = std::net::SocketAddr::from(([127, 0, 0, 1], 40_000));
    // One address guesses, spreading its attempts over many accounts.
    for i in 0..MAX_PER_ADDRESS {
        assert_eq!(
            app.try_login_via(
                &format!("nguoi{i}"),
                "sai mật khẩu rồi",
                Some((nginx, "203.0.113.7"))
            )
            .await
            .unwrap_err(),
            StatusCode::UNAUTHORIZED,
            "attempt {i}"
        );
    }
    // That address is held back, even with the right password …
    assert_eq!(
        app.try_login_via("viewer", PASSWORD, Some((nginx, "203.0.113.7")))
            .await
            .unwrap_err(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // … while another citizen behind the same proxy signs in.
    assert!(
        app.try_login_via("viewer", PASSWORD, Some((nginx, "203.0.113.8")))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn agencies_and_their_members() {
    let app = TestApp::new().await;
    let t = app.token("bcd").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/agencies",
            &t,
            Some(
                json!({"area_id": "N12", "name": "Ban Chỉ đạo tỉnh", "kind": "steering_committee"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = v["agency"]["id"].as_i64().unwrap();
    let (status, v) = app
        .api(Method::POST, &format!("/api/v1/agencies/{id}/members"), &t, Some(json!({"full_name": "Chủ tịch UBND tỉnh", "position": "Trưởng ban", "phone": "0213 3876 543"})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(v["members"][0]["phone"], "02133876543");
    let (status, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/agencies/{id}/members"),
            &t,
            Some(json!({"full_name": "", "position": "x", "phone": "abc"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "full_name");
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/agencies",
            &t,
            Some(json!({"area_id": "N12", "name": "X", "kind": "club"})),
        )
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("kind"))
    );
    let (_, list) = app.get("/api/v1/agencies?area_id=N12", &t).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["member_count"], 1);
    let (_, detail) = app.get(&format!("/api/v1/agencies/{id}"), &t).await;
    let member_id = detail["members"][0]["id"].as_i64().unwrap();
    let (status, after) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/agencies/{id}/members/{member_id}"),
            &t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["members"], json!([]));
    let (status, _) = app
        .api(
            Method::DELETE,
            &format!("/api/v1/agencies/{id}/members/{member_id}"),
            &t,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "removing twice");
    let (_, log) = app
        .get(
            "/api/v1/audit?action=delete&record_type=agency_member",
            &app.token("admin").await,
        )
        .await;
    assert_eq!(log["total"], 1);
    // A viewer reads but cannot create.
    let viewer = app.token("viewer").await;
    assert_eq!(
        app.get(&format!("/api/v1/agencies/{id}"), &viewer).await.0,
        StatusCode::OK
    );
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/agencies",
            &viewer,
            Some(json!({"area_id": "N12", "name": "Y", "kind": "other"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn metrics_count_requests() {
    let app = TestApp::new().await;
    app.send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    let (_, _, body) = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    let text = String::from_utf8_lossy(&body);
    assert!(
        text.contains(
            "chongdich_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(text.contains("chongdich_http_request_duration_seconds_count"));
}

#[tokio::test]
async fn migrations_are_idempotent() {
    let app = TestApp::new().await;
    assert!(app.store().migrate().await.unwrap().is_empty());
    let n = app.store().area_count().await.unwrap();
    // Importing again changes nothing.
    let units = chongdich_store::units::embedded().unwrap();
    app.store()
        .import_units(&units.data(), Some(&["12"]))
        .await
        .unwrap();
    assert_eq!(app.store().area_count().await.unwrap(), n);
}

#[tokio::test]
async fn unknown_api_paths_and_bad_path_parameters_answer_json() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let (status, v) = app.get("/api/v1/nothing-here", &t).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (status, v) = app.get("/api/v1/users/abc", &t).await;
    assert_eq!(
        (status, v["code"].as_str(), v["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid"), Some("id"))
    );
}

fn workbook(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            // Numbers as numbers, the way a spreadsheet holds them.
            match cell.parse::<f64>() {
                Ok(n) if !cell.starts_with('0') => ws.write_number(r as u32, c as u16, n).unwrap(),
                _ => ws.write_string(r as u32, c as u16, *cell).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn population_comes_in_from_excel_and_the_log_goes_out_to_excel() {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let book = workbook(&[
        &["code", "name", "population", "year", "source"],
        &[
            "105",
            "Thành phố Lai Châu",
            "41771",
            "2019",
            "Tổng điều tra 2019",
        ],
        &[
            "03387",
            "Phường Tân Phong (trước 2025)",
            "12345",
            "2019",
            "Báo cáo xã",
        ],
    ]);
    let (status, _, body) = app
        .send(
            Request::post("/api/v1/population/import?structure=legacy")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .header(header::CONTENT_TYPE, chongdich_web::excel::XLSX_MIME)
                .body(Body::from(book))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (_, a) = app.get("/api/v1/areas/L105", &t).await;
    assert_eq!(a["population"]["population"], 41771);
    assert_eq!(a["population"]["source"], "Tổng điều tra 2019");

    // A ward code typed as a number loses its leading zero; the error says so, by line.
    let book = workbook(&[
        &["code", "population", "year", "source"],
        &["3387", "1", "2019", "x"],
    ]);
    let (status, _, body) = app
        .send(
            Request::post("/api/v1/population/import?structure=legacy")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .header(header::CONTENT_TYPE, chongdich_web::excel::XLSX_MIME)
                .body(Body::from(book))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["errors"][0]["field"], "line 2: code");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("số 0 ở đầu")
    );

    let (status, headers, body) = app
        .send(
            Request::get("/api/v1/audit/export?format=xlsx&action=import")
                .header(header::AUTHORIZATION, format!("Bearer {t}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        chongdich_web::excel::XLSX_MIME
    );
    let mut wb: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(body.to_vec())).unwrap();
    let sheet = wb.worksheet_range("Nhật ký").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows.len(),
        2,
        "header + the one successful import: {rows:?}"
    );
    assert_eq!(rows[0][0], "Mã");
    assert_eq!(rows[1][3], "admin");
    assert_eq!(rows[1][4], "Nhập dữ liệu");
    let (status, v) = app.get("/api/v1/audit/export?format=pdf", &t).await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("format"))
    );
}

#[tokio::test]
async fn users_change_their_own_password_through_the_api() {
    let app = TestApp::new().await;
    let t = app.token("viewer").await;
    let (status, v) = app
        .api(
            Method::PUT,
            "/api/v1/me/password",
            &t,
            Some(json!({"current": "sai", "new_password": "một mật khẩu mới đủ dài"})),
        )
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("current"))
    );
    let (status, v) = app
        .api(
            Method::PUT,
            "/api/v1/me/password",
            &t,
            Some(json!({"current": PASSWORD, "new_password": "ngắn"})),
        )
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("new_password"))
    );
    let (status, _) = app
        .api(
            Method::PUT,
            "/api/v1/me/password",
            &t,
            Some(json!({"current": PASSWORD, "new_password": "một mật khẩu mới đủ dài"})),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(app.try_login("viewer", PASSWORD).await.is_err());
    assert!(
        app.try_login("viewer", "một mật khẩu mới đủ dài")
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_are_neither_lost_nor_refused() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let villages = (0..30).map(|i| {
        let t = t.clone();
        let app = &app;
        async move {
            app.api(
                Method::POST,
                "/api/v1/areas/N03388/villages",
                &t,
                Some(json!({"name": format!("Tổ dân phố số {i}")})),
            )
            .await
            .0
        }
    });
    let populations = (0..30).map(|i| {
        let t = t.clone();
        let app = &app;
        async move {
            app.api(
                Method::PUT,
                "/api/v1/areas/N03388/population",
                &t,
                Some(json!({"population": 10_000 + i, "year": 1990 + i, "source": "Báo cáo xã"})),
            )
            .await
            .0
        }
    });
    let (v, p) = tokio::join!(
        futures_util::future::join_all(villages),
        futures_util::future::join_all(populations)
    );
    assert!(v.iter().all(|s| *s == StatusCode::CREATED), "{v:?}");
    assert!(p.iter().all(|s| *s == StatusCode::OK), "{p:?}");
    let (_, children) = app.get("/api/v1/areas/N03388/children?limit=100", &t).await;
    assert_eq!(children["total"], 30);
    let (_, figures) = app.get("/api/v1/areas/N03388/population", &t).await;
    assert_eq!(figures.as_array().unwrap().len(), 30);
    let (_, log) = app.get("/api/v1/audit?area_id=N03388&limit=200", &t).await;
    assert_eq!(log["total"], 60, "every write has its audit entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_racing_requests_with_one_village_name_make_one_village() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    for round in 0..5 {
        let name = format!("Bản Đua {round}");
        let post = || {
            app.api(
                Method::POST,
                "/api/v1/areas/N03408/villages",
                &t,
                Some(json!({ "name": name })),
            )
        };
        let (a, b) = tokio::join!(post(), post());
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "round {round}"
        );
    }
    let (_, children) = app.get("/api/v1/areas/N03408/children", &t).await;
    assert_eq!(children["total"], 5);
}

#[tokio::test]
async fn accounts_are_found_without_diacritics_even_those_from_before_the_key() {
    use sea_orm::ConnectionTrait;
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/users",
            &t,
            Some(json!({"username": "hoa.nt", "display_name": "Nguyễn Thị Hoà", "password": "một mật khẩu đủ dài",
                        "grants": [{"role": "viewer", "area_id": "N12"}]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let found = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    for q in [
        "hoa",
        "HO%C3%80",
        "nguyen%20thi",
        "Nguy%E1%BB%85n",
        "hoa.nt",
    ] {
        let (_, v) = app.get(&format!("/api/v1/users?q={q}"), &t).await;
        assert_eq!(found(&v), ["hoa.nt"], "{q}");
    }
    let (_, v) = app.get("/api/v1/users?q=khong%20co", &t).await;
    assert_eq!(v["total"], 0);
    // Accounts made before the search key existed get it when the schema is migrated.
    app.store()
        .connection()
        .execute_unprepared("UPDATE users SET search_key = ''")
        .await
        .unwrap();
    let (_, v) = app.get("/api/v1/users?q=hoa", &t).await;
    assert_eq!(v["total"], 0);
    app.store().migrate().await.unwrap();
    let (_, v) = app.get("/api/v1/users?q=hoa", &t).await;
    assert_eq!(found(&v), ["hoa.nt"]);
}
