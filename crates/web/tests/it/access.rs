//! Nobody where they don't belong: a user of district A can neither list nor fetch nor change a
//! record of district B, through any endpoint or page.

use crate::support::TestApp;
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// A ward of the district, by its first child.
async fn first_ward(app: &TestApp, token: &str, district: &str) -> String {
    let (_, v) = app
        .get(&format!("/api/v1/areas/{district}/children"), token)
        .await;
    v["items"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn district_a_cannot_reach_district_b_through_the_api() {
    let app = TestApp::new().await;
    let a = app.token("officer_a").await;
    let b = app.token("officer_b").await;
    let admin_a = app.token("admin_a").await;
    let ward_b = first_ward(&app, &b, "L106").await;
    let ward_a = first_ward(&app, &a, "L105").await;

    // B's own records, made by B.
    let (status, village_b) = app
        .api(
            Method::POST,
            &format!("/api/v1/areas/{ward_b}/villages"),
            &b,
            Some(json!({"name": "Bản Hon"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let village_b = village_b["id"].as_str().unwrap().to_owned();
    let officer_b_id = app.user_id("officer_b").await;

    for path in [
        "/api/v1/areas/L106".to_owned(),
        format!("/api/v1/areas/{ward_b}"),
        format!("/api/v1/areas/{village_b}"),
        "/api/v1/areas/L106/children".to_owned(),
        format!("/api/v1/areas/{ward_b}/mapping"),
        "/api/v1/areas/L106/population".to_owned(),
        "/api/v1/areas/L12".to_owned(),
        "/api/v1/areas/N12".to_owned(),
    ] {
        let (status, v) = app.get(&path, &a).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "officer_a GET {path}: {v}");
    }
    // Writes into B.
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/areas/{ward_b}/villages"),
            &a,
            Some(json!({"name": "Bản Lạ"})),
        )
        .await;
    assert!(
        matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{status}"
    );
    let (status, _) = app
        .api(
            Method::PUT,
            "/api/v1/areas/L106/population",
            &a,
            Some(json!({"population": 1, "year": 2021, "source": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Searching does not list B.
    let (_, found) = app.get("/api/v1/areas?q=tam%20duong", &a).await;
    assert_eq!(found["total"], 0, "{found}");
    let (_, found) = app.get("/api/v1/areas?q=ban%20hon", &a).await;
    assert_eq!(found["total"], 0);
    let (_, roots) = app.get("/api/v1/areas", &a).await;
    assert_eq!(roots["items"].as_array().unwrap().len(), 1);
    assert_eq!(roots["items"][0]["id"], "L105");
    // A's own are fine.
    assert_eq!(
        app.get(&format!("/api/v1/areas/{ward_a}"), &a).await.0,
        StatusCode::OK
    );
    let (_, found) = app.get("/api/v1/areas?q=lai%20chau", &a).await;
    let ids: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["L105"]);

    // Accounts and the log of B are invisible to A's administrator.
    let (status, _) = app
        .get(&format!("/api/v1/users/{officer_b_id}"), &admin_a)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, users) = app.get("/api/v1/users", &admin_a).await;
    let names: Vec<&str> = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"officer_a") && !names.contains(&"officer_b") && !names.contains(&"admin"),
        "{names:?}"
    );
    let (status, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/users/{officer_b_id}/disable"),
            &admin_a,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, log) = app.get("/api/v1/audit", &admin_a).await;
    let areas: Vec<Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["area_id"].clone())
        .collect();
    assert!(
        !areas
            .iter()
            .any(|a| a == &json!(village_b) || a == &json!("L106")),
        "{areas:?}"
    );
    assert!(!log.to_string().contains(&village_b));

    // A's administrator cannot grant roles outside A.
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/users",
            &admin_a,
            Some(json!({"username": "ke.xam.nhap", "display_name": "X", "password": "một mật khẩu đủ dài",
                        "grants": [{"role": "administrator", "area_id": "L106"}]})),
        )
        .await;
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("grants"))
    );
    // … nor take over an account that also holds a role outside A.
    let admin = app.token("admin").await;
    let (_, both) = app
        .api(
            Method::POST,
            "/api/v1/users",
            &admin,
            Some(json!({"username": "hai.huyen", "display_name": "Hai huyện", "password": "một mật khẩu đủ dài",
                        "grants": [{"role": "viewer", "area_id": "L105"}, {"role": "viewer", "area_id": "L106"}]})),
        )
        .await;
    let both_id = both["id"].as_i64().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/users/{both_id}"), &admin_a)
            .await
            .0,
        StatusCode::OK
    );
    let (status, _) = app
        .api(
            Method::PUT,
            &format!("/api/v1/users/{both_id}/password"),
            &admin_a,
            Some(json!({"password": "chiếm quyền tài khoản"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn district_a_cannot_reach_district_b_through_the_pages() {
    let app = TestApp::new().await;
    let b = app.token("officer_b").await;
    let ward_b = first_ward(&app, &b, "L106").await;
    let officer_b_id = app.user_id("officer_b").await;
    let admin = app.token("bcd").await;
    let (_, agency) = app
        .api(Method::POST, "/api/v1/agencies", &admin, Some(json!({"area_id": "L106", "name": "Trung tâm Y tế huyện Tam Đường", "kind": "health_facility"})))
        .await;
    let agency_id = agency["agency"]["id"].as_i64().unwrap();

    let a = app.login("admin_a").await;
    for path in [
        "/areas/L106".to_owned(),
        format!("/areas/{ward_b}"),
        format!("/agencies/{agency_id}"),
        format!("/users/{officer_b_id}"),
    ] {
        let (status, html) = app.page(&a, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "admin_a GET {path}");
        assert!(!html.contains("Tam Đường"), "{path} leaks B's name");
    }
    let (_, list) = app.page(&a, "/areas?q=tam+duong").await;
    assert!(!list.contains("Huyện Tam Đường"));
    let (_, agencies) = app.page(&a, "/agencies").await;
    assert!(!agencies.contains("Trung tâm Y tế huyện Tam Đường"));
    let (_, users) = app.page(&a, "/users").await;
    assert!(users.contains("officer_a") && !users.contains("officer_b"));
    let (status, _, _) = app
        .post_form(
            &a,
            &format!("/areas/{ward_b}/villages"),
            &[("name", "Bản Lạ")],
        )
        .await;
    assert!(
        matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{status}"
    );
    let (status, _, _) = app
        .post_form(
            &a,
            "/areas/L106/population",
            &[("population", "1"), ("year", "2021"), ("source", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .post_form(&a, &format!("/users/{officer_b_id}/disable"), &[])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nothing of it was written.
    let (_, v) = app
        .get(&format!("/api/v1/areas/{ward_b}/children"), &b)
        .await;
    assert_eq!(v["total"], 0);
    assert!(
        app.try_login("officer_b", crate::support::PASSWORD)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn roles_limit_what_a_user_may_do_in_their_own_area() {
    let app = TestApp::new().await;
    let viewer = app.token("viewer").await;
    assert_eq!(
        app.get("/api/v1/areas/N12", &viewer).await.0,
        StatusCode::OK
    );
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/areas/N03388/villages",
            &viewer,
            Some(json!({"name": "Bản A"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app
        .api(
            Method::PUT,
            "/api/v1/areas/N12/population",
            &viewer,
            Some(json!({"population": 1, "year": 2021, "source": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let s = app.login("viewer").await;
    let (status, _) = app.page(&s, "/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = app.page(&s, "/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, home) = app.page(&s, "/").await;
    assert!(!home.contains("href=\"/users\"") && !home.contains("href=\"/audit\""));
}
