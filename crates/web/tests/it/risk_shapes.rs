//! Unit boundaries uploaded as GeoJSON, through the API and the upload page: errors name the
//! feature and write nothing; who may upload where; the public map draws the shaped wards as
//! boundaries and the others as dots.

use crate::support::{Session, TestApp, field};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chongdich_domain::access::Scope;
use chongdich_store::audit::AuditFilter;
use serde_json::{Value, json};

/// Phường Quyết Thắng and Phường Tân Phong (Thành phố Lai Châu, legacy codes), their centroids.
const QUYET_THANG: (&str, f64, f64) = ("03386", 22.4026, 103.4367);
const TAN_PHONG: (&str, f64, f64) = ("03387", 22.388, 103.4714);

/// A small square (about 1 km) around a point, as a GeoJSON polygon.
fn square(lat: f64, lon: f64) -> Value {
    let d = 0.005;
    json!({"type": "Polygon", "coordinates": [[
        [lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]
    ]]})
}

/// A detailed boundary: a circle of about 1 km through `points` points.
fn circle(lat: f64, lon: f64, points: usize) -> Value {
    let ring: Vec<Value> = (0..=points)
        .map(|i| {
            let a = i as f64 / points as f64 * std::f64::consts::TAU;
            json!([lon + 0.006 * a.cos(), lat + 0.005 * a.sin()])
        })
        .collect();
    json!({"type": "Polygon", "coordinates": [ring]})
}

fn feature(code: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": "x"}, "geometry": geometry})
}

fn two_wards() -> Vec<Value> {
    [QUYET_THANG, TAN_PHONG]
        .iter()
        .map(|(code, lat, lon)| feature(code, square(*lat, *lon)))
        .collect()
}

fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

async fn upload(app: &TestApp, token: &str, structure: &str, body: &str) -> (StatusCode, Value) {
    let (status, _, bytes) = app
        .send(
            Request::post(format!("/api/v1/risk/shapes?structure={structure}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/geo+json")
                .body(Body::from(body.to_owned()))
                .unwrap(),
        )
        .await;
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v)
}

async fn shapes_of(app: &TestApp, ids: &[&str]) -> Vec<String> {
    let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
    let mut have: Vec<String> = app
        .store()
        .area_shapes(&ids)
        .await
        .unwrap()
        .into_keys()
        .collect();
    have.sort();
    have
}

fn fields(e: &Value) -> Vec<String> {
    e["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {e}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn public(app: &TestApp, path: &str) -> String {
    let (s, _, b) = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK);
    String::from_utf8_lossy(&b).into_owned()
}

/// How a unit is drawn on the public map: `path`, `circle`, or None.
fn drawn_as(html: &str, id: &str) -> Option<&'static str> {
    let at = html.find(&format!("<a href=\"/public/area/{id}\"><"))?;
    let rest = &html[at..];
    let tag = &rest[rest.find("><").unwrap() + 2..];
    if tag.starts_with("path") {
        Some("path")
    } else if tag.starts_with("circle") {
        Some("circle")
    } else {
        None
    }
}

async fn publish_lai_chau(app: &TestApp, t: &str) {
    let (s, a) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            t,
            Some(json!({"area_id": "L12"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    let (s, a) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{}/approve", a["id"]),
            t,
            Some(json!({"decision_no": "1/QĐ"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
}

#[tokio::test]
async fn uploaded_boundaries_are_drawn_on_the_public_map() {
    let app = TestApp::new().await;
    let t = app.token("national").await;
    let wards = ["L03386", "L03387"];

    // An unknown code: 422 naming the feature, nothing stored (not even the good one).
    let mut bad = two_wards();
    bad.push(feature("99999", square(22.4, 103.4)));
    let (s, e) = upload(&app, &t, "legacy", &collection(bad).to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), ["features[2].properties.code"], "{e}");
    assert!(e["message"].as_str().unwrap().contains("L99999"), "{e}");
    assert!(shapes_of(&app, &wards).await.is_empty());

    // A point at latitude 50: the feature and the point are named.
    let mut bad = two_wards();
    bad[1] = feature(TAN_PHONG.0, square(50.0, 103.47));
    let (s, e) = upload(&app, &t, "legacy", &collection(bad).to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        fields(&e),
        ["features[1].geometry.coordinates[0][0]"],
        "{e}"
    );
    assert!(
        e["message"].as_str().unwrap().contains("ngoài phạm vi"),
        "{e}"
    );
    assert!(shapes_of(&app, &wards).await.is_empty());

    // Not JSON; JSON but not a FeatureCollection; a code without its structure.
    let (s, e) = upload(&app, &t, "legacy", "ranh giới").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["code"], "malformed_json");
    let (s, e) = upload(&app, &t, "legacy", &square(22.4, 103.4).to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("cần một FeatureCollection"),
        "{e}"
    );
    let (s, e) = upload(&app, &t, "", &collection(two_wards()).to_string()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        fields(&e),
        ["features[0].properties.code", "features[1].properties.code"]
    );
    assert!(shapes_of(&app, &wards).await.is_empty());

    // Who may: not a viewer; not an administrator of another district.
    let viewer = app.token("viewer").await;
    let (s, _) = upload(
        &app,
        &viewer,
        "legacy",
        &collection(two_wards()).to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let admin_b = app.token("admin_b").await;
    let (s, e) = upload(
        &app,
        &admin_b,
        "legacy",
        &collection(two_wards()).to_string(),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("ngoài phạm vi"),
        "{e}"
    );
    assert!(shapes_of(&app, &wards).await.is_empty());

    // The two wards, one by its code and one by its area id.
    let mut good = two_wards();
    good[1]["properties"] = json!({"area_id": "L03387"});
    let (s, v) = upload(&app, &t, "legacy", &collection(good).to_string()).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["loaded"], 2);
    assert_eq!(v["area_ids"], json!(["L03386", "L03387"]));
    assert_eq!(shapes_of(&app, &wards).await, wards);
    let stored = app
        .store()
        .area_shapes(&["L03386".to_owned()])
        .await
        .unwrap();
    let g: Value = serde_json::from_str(&stored["L03386"]).unwrap();
    assert_eq!(g["type"], "Polygon", "only the geometry is stored: {g}");
    let log = app
        .store()
        .audit_entries(
            &Scope::everywhere(),
            &AuditFilter {
                record_type: Some("area_shapes".into()),
                ..AuditFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(log.items.len(), 1, "one audit entry for the upload");
    assert_eq!(log.items[0].action, "import");
    assert!(log.items[0].detail.as_deref().unwrap().contains('2'));

    // Published: the shaped wards are boundaries, the others still dots.
    publish_lai_chau(&app, &t).await;
    let html = public(&app, "/public?area=L12").await;
    assert_eq!(drawn_as(&html, "L03386"), Some("path"), "{html}");
    assert_eq!(drawn_as(&html, "L03387"), Some("path"));
    assert_eq!(drawn_as(&html, "L03388"), Some("circle"));
    assert_eq!(drawn_as(&html, "L03413"), Some("circle"));

    // Uploaded again, in detail (over the API's usual body limit): replaced, not added.
    let moved = collection(vec![feature(
        QUYET_THANG.0,
        circle(QUYET_THANG.1, QUYET_THANG.2, 12_000),
    )])
    .to_string();
    assert!(moved.len() > 300_000);
    let (s, v) = upload(&app, &t, "legacy", &moved).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let after = app
        .store()
        .area_shapes(&["L03386".to_owned()])
        .await
        .unwrap();
    assert_ne!(after["L03386"], stored["L03386"]);
    assert_eq!(shapes_of(&app, &wards).await, wards);
}

async fn post_multipart(
    app: &TestApp,
    s: &Session,
    parts: &[(&str, &str)],
    file: Option<&str>,
) -> (StatusCode, String) {
    let boundary = "GeoJsonBoundary42";
    let mut body = String::new();
    for (name, value) in parts {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/geo+json\r\n\r\n{}\r\n",
        if file.is_some() { "ranh-gioi.geojson" } else { "" },
        file.unwrap_or("")
    ));
    body.push_str(&format!("--{boundary}--\r\n"));
    let (status, _, out) = app
        .send(
            Request::post("/risk/shapes")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, &s.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    (status, String::from_utf8_lossy(&out).into_owned())
}

#[tokio::test]
async fn the_upload_page_loads_a_file_or_pasted_text_and_reports_errors() {
    let app = TestApp::new().await;
    // An administrator of Thành phố Lai Châu (L105).
    let s = app.login("admin_a").await;
    let (status, risk) = app.page(&s, "/risk").await;
    assert_eq!(status, StatusCode::OK);
    assert!(risk.contains("href=\"/risk/shapes\""), "linked from /risk");
    let (status, html) = app.page(&s, "/risk/shapes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("FeatureCollection") && html.contains("enctype=\"multipart/form-data\""));
    let csrf = field(&html, "csrf").unwrap().to_owned();

    // Not JSON: the message, the structure kept, nothing stored.
    let (status, out) = post_multipart(
        &app,
        &s,
        &[("csrf", &csrf), ("structure", "legacy"), ("geojson", "")],
        Some("<kml>ranh giới</kml>"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(
        out.contains("không phải JSON hợp lệ") && out.contains("KML"),
        "{out}"
    );
    assert!(
        out.contains("<option value=\"legacy\" selected>"),
        "structure kept"
    );

    // A ward outside the district (Xã Sơn Bình, Tam Đường), pasted: named by feature.
    let pasted = collection(vec![
        feature(QUYET_THANG.0, square(QUYET_THANG.1, QUYET_THANG.2)),
        feature("03413", square(22.3, 103.6)),
    ])
    .to_string();
    let (status, out) = post_multipart(
        &app,
        &s,
        &[
            ("csrf", &csrf),
            ("structure", "legacy"),
            ("geojson", &pasted),
        ],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(
        out.contains("<code>features[1].properties.code</code>: L03413 ở ngoài phạm vi"),
        "{out}"
    );
    assert!(out.contains("Chưa nạp ranh giới nào"));
    assert!(shapes_of(&app, &["L03386", "L03413"]).await.is_empty());

    // A wrong CSRF token is refused.
    let (status, _) = post_multipart(
        &app,
        &s,
        &[("csrf", "sai"), ("structure", "legacy")],
        Some(&collection(two_wards()).to_string()),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The file of the two wards, drawn in detail: larger than the forms' body limit.
    let detailed = collection(
        [QUYET_THANG, TAN_PHONG]
            .iter()
            .map(|(code, lat, lon)| feature(code, circle(*lat, *lon, 8_000)))
            .collect(),
    )
    .to_string();
    assert!(detailed.len() > 400_000, "{} bytes", detailed.len());
    let (status, out) = post_multipart(
        &app,
        &s,
        &[("csrf", &csrf), ("structure", "legacy"), ("geojson", "")],
        Some(&detailed),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert!(out.contains("Đã nạp 2 ranh giới"), "{out}");
    assert!(out.contains("2 đơn vị trong phạm vi của bạn đã có ranh giới"));
    assert_eq!(
        shapes_of(&app, &["L03386", "L03387"]).await,
        ["L03386", "L03387"]
    );

    let national = app.token("national").await;
    publish_lai_chau(&app, &national).await;
    let html = public(&app, "/public?area=L12").await;
    assert_eq!(drawn_as(&html, "L03386"), Some("path"));
    assert_eq!(drawn_as(&html, "L03388"), Some("circle"));
    // 16,000 points uploaded; a few dozen drawn.
    let map = &html[html.find("<svg").unwrap()..html.find("</svg>").unwrap()];
    assert!(map.len() < 40_000, "{} bytes of map", map.len());

    // Removed: a dot again.
    let (status, _, _) = app
        .post_form(&s, "/risk/shapes/remove", &[("ids", "L03386")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(shapes_of(&app, &["L03386", "L03387"]).await, ["L03387"]);
    let html = public(&app, "/public?area=L12").await;
    assert_eq!(drawn_as(&html, "L03386"), Some("circle"));
    let (status, _, out) = app
        .post_form(&s, "/risk/shapes/remove", &[("ids", "L03413")])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(out.contains("ngoài phạm vi"), "{out}");

    // A viewer neither sees the link nor the page.
    let v = app.login("viewer").await;
    let (_, risk) = app.page(&v, "/risk").await;
    assert!(!risk.contains("href=\"/risk/shapes\""));
    let (status, _) = app.page(&v, "/risk/shapes").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
