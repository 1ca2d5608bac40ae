//! The hotline and citizens' reports through the API and the pages: a citizen's report reaches
//! the operators of its district and no one else; bad input names the field and writes
//! nothing; the public side is rate-limited per address and per phone, refuses a honeypot and
//! a form sent back too fast, and makes one report of a retried submission; an operator
//! records a call, triages, assigns and closes; a report about a person becomes exactly one
//! person with one suspected case, or a returnee; the people offered as possible duplicates
//! are audited as viewed. The test clock stands on 24/06/2021.

use crate::support::{Session, TestApp, field};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use chongdich_domain::access::Scope;
use chongdich_store::audit::AuditFilter;
use chongdich_web::hotline_limit::{ADDRESS_WINDOW_MINUTES, MAX_PER_ADDRESS, MAX_PER_PHONE};
use chrono::Duration;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

/// Phường Quyết Thắng and Phường Tân Phong, Thành phố Lai Châu (district 105, officer_a).
const QUYET_THANG: &str = "L03386";
const TAN_PHONG: &str = "L03387";
/// Xã Sơn Bình, Huyện Tam Đường (district 106, officer_b).
const SON_BINH: &str = "L03413";

/// A citizen's report through the public API (no credentials), with an optional
/// Idempotency-Key.
async fn submit(app: &TestApp, body: &Value, key: Option<&str>) -> (StatusCode, HeaderMap, Value) {
    let mut b =
        Request::post("/api/v1/public/reports").header(header::CONTENT_TYPE, "application/json");
    if let Some(k) = key {
        b = b.header("idempotency-key", k);
    }
    let (status, headers, bytes) = app
        .send(b.body(Body::from(body.to_string())).unwrap())
        .await;
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, v)
}

fn report(kind: &str, area: &str, phone: &str) -> Value {
    json!({
        "kind": kind,
        "area_id": area,
        "reporter_name": "Nguyễn Thị Mai",
        "reporter_phone": phone,
        "subject_name": "Lò Văn Pành",
        "subject_phone": "0987 111 222",
        "place_detail": "Tổ 12, cạnh chợ",
        "description": "Có người từ bên kia biên giới về đêm qua, chưa khai báo y tế.",
    })
}

/// The id behind a reference `PA-000123`.
fn id_of(reference: &Value) -> i64 {
    reference
        .as_str()
        .unwrap()
        .trim_start_matches("PA-")
        .parse()
        .unwrap()
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    app.store()
        .connection()
        .query_one(
            &Query::select()
                .expr_as(Expr::cust("COUNT(*)"), "n")
                .from(table)
                .to_owned(),
        )
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

fn errors_name(v: &Value, field: &str) -> bool {
    v["errors"]
        .as_array()
        .is_some_and(|e| e.iter().any(|x| x["field"] == field))
}

#[tokio::test]
async fn a_citizens_report_reaches_the_operator_of_its_district_and_no_one_else() {
    let app = TestApp::new().await;
    let (s, _, v) = submit(&app, &report("suspect", QUYET_THANG, "0912345678"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let reference = v["reference"].clone();
    assert!(reference.as_str().unwrap().starts_with("PA-"), "{v}");
    let id = id_of(&reference);

    let a = app.token("officer_a").await;
    let (s, list) = app.get("/api/v1/hotline/reports", &a).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["reference"], reference);
    assert_eq!(item["status"], "new");
    assert_eq!(item["channel"], "web");
    // A suspect starts urgent.
    assert_eq!(item["priority"], "urgent");
    assert_eq!(item["area_name"], "Phường Quyết Thắng");
    assert_eq!(item["reporter_phone"], "0912345678");
    assert_eq!(item["subject_phone"], "0987111222");

    let b = app.token("officer_b").await;
    let (s, list) = app.get("/api/v1/hotline/reports", &b).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["total"], 0, "{list}");
    let (s, _) = app.get(&format!("/api/v1/hotline/reports/{id}"), &b).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .get("/api/v1/hotline/reports", &app.token("viewer").await)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app.get("/api/v1/hotline/reports", "cdt_nonsense").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Reading one report is audited.
    let (s, one) = app.get(&format!("/api/v1/hotline/reports/{id}"), &a).await;
    assert_eq!(s, StatusCode::OK, "{one}");
    assert_eq!(one["description"], report("", "", "")["description"]);
    let log = app
        .store()
        .audit_entries(
            &Scope::everywhere(),
            &AuditFilter {
                record_type: Some("hotline_report".into()),
                ..AuditFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log
        .items
        .iter()
        .map(|e| (e.action.as_str(), e.username.as_str()))
        .collect();
    assert_eq!(actions, [("view", "officer_a"), ("create", "public")]);

    // Filters and a search without diacritics (and by reference).
    for (query, expected) in [
        ("?q=lo%20van%20panh", 1),
        ("?q=L%C3%92%20V%C4%82N", 1),
        ("?q=nguyen%20van%20binh", 0),
        (&format!("?q={}", reference.as_str().unwrap()), 1),
        ("?status=new&kind=suspect", 1),
        ("?status=closed", 0),
        ("?kind=price_gouging", 0),
        ("?area=L105", 1),
        ("?area=L03387", 0),
    ] {
        let (s, l) = app
            .get(&format!("/api/v1/hotline/reports{query}"), &a)
            .await;
        assert_eq!(s, StatusCode::OK, "{query}: {l}");
        assert_eq!(l["total"], expected, "{query}: {l}");
    }
    let (s, l) = app.get("/api/v1/hotline/reports?status=lost", &a).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(errors_name(&l, "status"), "{l}");
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::new().await;
    let cases: [(Value, &[&str]); 5] = [
        (
            json!({}),
            &["kind", "area_id", "reporter_phone", "description"],
        ),
        (
            {
                let mut r = report("rumour", QUYET_THANG, "12345");
                r["subject_phone"] = json!("0123");
                r["description"] = json!("ngắn");
                r
            },
            &["kind", "reporter_phone", "subject_phone", "description"],
        ),
        // A district is not a commune; an unknown ward neither.
        (report("suspect", "L105", "0912345678"), &["area_id"]),
        (report("suspect", "L99999", "0912345678"), &["area_id"]),
        (report("suspect", "bogus", "0912345678"), &["area_id"]),
    ];
    for (body, fields) in cases {
        let (s, _, v) = submit(&app, &body, None).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        for f in fields {
            assert!(errors_name(&v, f), "{f} in {v}");
        }
    }
    let (s, _, v) = submit(&app, &json!({"kind": 3}), None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "kind");
    assert_eq!(count(&app, "hotline_reports").await, 0);

    // The operator's side: the same rules, and a place outside their area.
    let a = app.token("officer_a").await;
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/hotline/reports",
            &a,
            Some(json!({"kind": "suspect", "area_id": SON_BINH,
                "description": "Người gọi báo có người sốt cao ở bản."})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(errors_name(&v, "area_id"), "{v}");
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/hotline/reports",
            &a,
            Some(
                json!({"kind": "suspect", "area_id": QUYET_THANG, "priority": "asap",
                "description": "sốt"}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        errors_name(&v, "priority") && errors_name(&v, "description"),
        "{v}"
    );
    assert_eq!(count(&app, "hotline_reports").await, 0);
}

#[tokio::test]
async fn the_public_side_is_limited_per_address_and_per_phone_and_a_retry_makes_one_report() {
    let app = TestApp::new().await;
    // In-process requests have no address: they all come from one.
    for i in 0..MAX_PER_ADDRESS {
        let (s, _, v) = submit(
            &app,
            &report("other", QUYET_THANG, &format!("09120000{i:02}")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "report {i}: {v}");
    }
    let (s, headers, v) = submit(&app, &report("other", QUYET_THANG, "0912999999"), None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["code"], "rate_limited");
    let wait: i64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= ADDRESS_WINDOW_MINUTES * 60, "{wait}");
    assert_eq!(count(&app, "hotline_reports").await, MAX_PER_ADDRESS as i64);

    app.clock
        .advance(Duration::minutes(ADDRESS_WINDOW_MINUTES + 1));
    let (s, _, v) = submit(&app, &report("other", QUYET_THANG, "0912999999"), None).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");

    // One phone number: a few a day.
    for i in 1..MAX_PER_PHONE {
        let (s, _, v) = submit(&app, &report("other", TAN_PHONG, "0912999999"), None).await;
        assert_eq!(s, StatusCode::CREATED, "{i}: {v}");
    }
    let (s, _, v) = submit(&app, &report("other", TAN_PHONG, "0912 999 999"), None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert!(v["message"].as_str().unwrap().contains("24 giờ"), "{v}");

    // A retried submission: the same reference, no second report, not counted again.
    app.clock.advance(Duration::days(1));
    let body = report("price_gouging", TAN_PHONG, "0978000111");
    let (s, h, first) = submit(&app, &body, Some("abc-123")).await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert!(h.get("idempotent-replayed").is_none());
    let before = count(&app, "hotline_reports").await;
    for _ in 0..MAX_PER_PHONE + 1 {
        let (s, h, again) = submit(&app, &body, Some("abc-123")).await;
        assert_eq!(s, StatusCode::CREATED, "{again}");
        assert_eq!(again["reference"], first["reference"]);
        assert_eq!(h["idempotent-replayed"], "true");
    }
    assert_eq!(count(&app, "hotline_reports").await, before);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_citizen_is_limited_by_their_own_address() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let app = TestApp::with_settings(chongdich_web::WebSettings {
        trusted_proxies: chongdich_web::client_addr::Proxies::parse("127.0.0.1, ::1").unwrap(),
        ..Default::default()
    })
    .await;
    // A report arriving from `peer`, carrying `X-Forwarded-For: forwarded`.
    let send = async |peer: [u8; 4], forwarded: &str, phone: &str| {
        let mut req = Request::post("/api/v1/public/reports")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", forwarded)
            .body(Body::from(report("other", QUYET_THANG, phone).to_string()))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from((peer, 40_000))));
        let (status, _, bytes) = app.send(req).await;
        (status, String::from_utf8_lossy(&bytes).into_owned())
    };
    let nginx = [127, 0, 0, 1];
    for i in 0..MAX_PER_ADDRESS {
        let (s, body) = send(nginx, "203.0.113.7", &format!("09130000{i:02}")).await;
        assert_eq!(s, StatusCode::CREATED, "report {i}: {body}");
    }
    // The same citizen once more: refused, whatever they write on the left of the header.
    let (s, body) = send(nginx, "198.51.100.1, 203.0.113.7", "0913999999").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // Another citizen through the same proxy is not held back by the first.
    let (s, body) = send(nginx, "203.0.113.8", "0913888888").await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    // A client that is not the proxy keeps its own address: forging the header does not free
    // it from its limit.
    let outsider = [198, 51, 100, 20];
    for i in 0..MAX_PER_ADDRESS {
        let (s, body) = send(
            outsider,
            &format!("192.0.2.{i}"),
            &format!("09140000{i:02}"),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "report {i}: {body}");
    }
    let (s, body) = send(outsider, "192.0.2.99", "0914999999").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // The audit log records the citizens, not the proxy.
    let log = app
        .store()
        .audit_entries(
            &Scope::everywhere(),
            &AuditFilter {
                record_type: Some("hotline_report".into()),
                action: Some("create".into()),
                ..AuditFilter::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    let mut ips: Vec<&str> = log.items.iter().filter_map(|e| e.ip.as_deref()).collect();
    ips.sort_unstable();
    ips.dedup();
    assert_eq!(ips, ["198.51.100.20", "203.0.113.7", "203.0.113.8"]);
}

#[tokio::test]
async fn the_operators_list_exports_to_excel_as_filtered_within_the_scope_and_audited() {
    let app = TestApp::new().await;
    for (kind, area, phone) in [
        ("suspect", QUYET_THANG, "0912345601"),
        ("price_gouging", TAN_PHONG, "0912345602"),
        ("suspect", SON_BINH, "0912345603"),
    ] {
        let (s, _, v) = submit(&app, &report(kind, area, phone), None).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
    let get = async |session: &Session, path: &str| {
        app.send(
            Request::get(path)
                .header(header::COOKIE, &session.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    };
    let a = app.login("officer_a").await;
    let (status, html) = app.page(&a, "/hotline?kind=suspect").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("/hotline/export.xlsx?status=&#38;kind=suspect&#38;area=&#38;q="),
        "{html}"
    );
    // officer_a's district, suspects only: one row, with the contacts and the place.
    let (status, headers, bytes) = get(&a, "/hotline/export.xlsx?kind=suspect").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        chongdich_web::excel::XLSX_MIME
    );
    let csv = chongdich_web::excel::first_sheet_as_csv(&bytes).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("Mã,Nhận lúc,Kênh,Nội dung"), "{csv}");
    assert!(
        lines[1].starts_with("PA-")
            && lines[1].contains("Phường Quyết Thắng")
            && lines[1].contains("0912345601")
            && lines[1].contains("Khẩn"),
        "{csv}"
    );
    // Unfiltered: the district's two, never Tam Đường's.
    let (_, _, bytes) = get(&a, "/hotline/export.xlsx").await;
    let csv = chongdich_web::excel::first_sheet_as_csv(&bytes).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(!csv.contains("0912345603"), "{csv}");
    // Audited; refused to those who do not handle the hotline.
    let log = app
        .store()
        .audit_entries(
            &Scope::everywhere(),
            &AuditFilter {
                record_type: Some("hotline_report".into()),
                action: Some("export".into()),
                ..AuditFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(log.items.len(), 2, "{log:?}");
    assert!(log.items.iter().all(|e| e.username == "officer_a"));
    let v = app.login("viewer").await;
    let (status, _, _) = get(&v, "/hotline/export.xlsx").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// The public form's token and page.
async fn form_page(app: &TestApp) -> (String, String) {
    let (status, _, body) = app
        .send(Request::get("/report").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::OK);
    let html = String::from_utf8_lossy(&body).into_owned();
    let token = field(&html, "t").expect("form token").to_owned();
    (token, html)
}

async fn post_public(app: &TestApp, fields: &[(&str, &str)]) -> (StatusCode, String) {
    let form = serde_urlencoded::to_string(fields).unwrap();
    let (status, _, body) = app
        .send(
            Request::post("/report")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn the_public_form_finds_the_commune_refuses_robots_keeps_what_was_typed_and_thanks() {
    let app = TestApp::new().await;
    let (token, html) = form_page(&app).await;
    assert!(html.contains("Phản ánh, báo tin về dịch bệnh"));
    assert!(html.contains("value=\"illegal_entrant\"") && html.contains("name=\"commune\""));
    assert!(html.contains("name=\"website\""), "the honeypot is there");

    let typed = |t: &str, commune: &str, phone: &str, website: &str| -> Vec<(String, String)> {
        [
            ("t", t),
            ("kind", "epidemic_arrival"),
            ("commune", commune),
            ("place_detail", "Số 5 đường Trần Phú"),
            ("subject_name", "Hoàng Văn Thụ"),
            ("description", "Anh Thụ vừa từ Bắc Giang về\nchưa khai báo."),
            ("reporter_name", ""),
            ("reporter_phone", phone),
            ("website", website),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let send = async |fields: Vec<(String, String)>| {
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        post_public(&app, &refs).await
    };

    // Sent back at once: refused, what was typed is kept.
    let (s, html) = send(typed(&token, "tan phong", "0912345678", "")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("quá nhanh"), "{html}");
    assert!(html.contains("value=\"Số 5 đường Trần Phú\"") && html.contains("Hoàng Văn Thụ"));
    assert!(html.contains("Anh Thụ vừa từ Bắc Giang về\nchưa khai báo.</textarea>"));
    app.clock.advance(Duration::seconds(10));

    // The honeypot filled: refused, nothing written.
    let (s, _) = send(typed(
        &token,
        "tan phong",
        "0912345678",
        "http://spam.example",
    ))
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A forged token.
    let (s, html) = send(typed("123.abc.def", "tan phong", "0912345678", "")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("hết hạn"), "{html}");
    assert_eq!(count(&app, "hotline_reports").await, 0);

    // An ambiguous commune and a bad phone: both named, the candidates offered, values kept.
    let (s, html) = send(typed(&token, "quyet", "0912", "")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("có 2 xã, phường trùng tên"), "{html}");
    assert!(html.contains(&format!("value=\"{QUYET_THANG}\"")));
    assert!(html.contains("Phường Quyết Tiến — Thành phố Lai Châu — Tỉnh Lai Châu"));
    assert!(html.contains("id=\"reporter_phone-error\""), "{html}");
    assert!(html.contains("value=\"0912\"") && html.contains("value=\"quyet\""));
    assert!(
        html.contains("<input type=\"radio\" name=\"kind\" value=\"epidemic_arrival\" checked")
    );
    let (s, html) = send(typed(&token, "khong co xa nay", "0912345678", "")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không tìm thấy xã, phường"), "{html}");
    assert_eq!(count(&app, "hotline_reports").await, 0);

    // The commune picked among the candidates: accepted, a reference given.
    let (token, _) = form_page(&app).await;
    app.clock.advance(Duration::seconds(10));
    let mut fields = typed(&token, "quyet", "0912345678", "");
    fields.push(("area_id".into(), QUYET_THANG.into()));
    let (s, html) = send(fields.clone()).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("Đã nhận phản ánh") && html.contains("PA-000001"),
        "{html}"
    );
    // The same form sent again: the same report.
    let (s, html) = send(fields).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("PA-000001"), "{html}");
    assert_eq!(count(&app, "hotline_reports").await, 1);

    // A name without diacritics designating one commune.
    let (token, _) = form_page(&app).await;
    app.clock.advance(Duration::seconds(10));
    let (s, html) = send(typed(&token, "tan phong", "0912345679", "")).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("PA-000002"), "{html}");

    // The operator sees both, with their communes.
    let a = app.login("officer_a").await;
    let (s, html) = app.page(&a, "/hotline").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("PA-000001") && html.contains("PA-000002"),
        "{html}"
    );
    assert!(html.contains("Phường Tân Phong") && html.contains("Phường Quyết Thắng"));
    let (s, html) = app
        .page(&a, "/hotline?q=hoang%20van%20thu&status=new")
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("2 phản ánh"), "{html}");
    let (s, html) = app.page(&a, "/hotline/1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Người đến, về từ vùng có dịch") && html.contains("Số 5 đường Trần Phú"));
    assert!(html.contains("Người dân (trang web)") && html.contains("24/06/2021"));
    let b = app.login("officer_b").await;
    assert_eq!(app.page(&b, "/hotline/1").await.0, StatusCode::NOT_FOUND);
    let viewer = app.login("viewer").await;
    assert_eq!(app.page(&viewer, "/hotline").await.0, StatusCode::FORBIDDEN);
}

async fn call(app: &TestApp, t: &str, body: Value) -> Value {
    let (s, v) = app
        .api(Method::POST, "/api/v1/hotline/reports", t, Some(body))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v
}

async fn step(app: &TestApp, t: &str, id: i64, what: &str, body: Value) -> (StatusCode, Value) {
    app.api(
        Method::POST,
        &format!("/api/v1/hotline/reports/{id}/{what}"),
        t,
        Some(body),
    )
    .await
}

#[tokio::test]
async fn an_operator_takes_a_call_triages_assigns_and_closes_it() {
    let app = TestApp::new().await;
    let a = app.login("officer_a").await;
    let (s, html) = app.page(&a, "/hotline/new").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(&format!("<option value=\"{TAN_PHONG}\"")),
        "{html}"
    );
    assert!(!html.contains(&format!("<option value=\"{SON_BINH}\"")));

    // A call with a description too short: kept, nothing written.
    let call_form = |d: &'static str| {
        vec![
            ("kind", "measure_violation"),
            ("area_id", TAN_PHONG),
            ("place_detail", "Quán karaoke Hoa Hồng"),
            ("description", d),
            ("reporter_phone", ""),
        ]
    };
    let (s, _, html) = app.post_form(&a, "/hotline/new", &call_form("ồn")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("mô tả quá ngắn") && html.contains("value=\"Quán karaoke Hoa Hồng\""));
    assert!(html.contains(&format!("<option value=\"{TAN_PHONG}\" selected")));
    assert_eq!(count(&app, "hotline_reports").await, 0);
    let (s, h, _) = app
        .post_form(
            &a,
            "/hotline/new",
            &call_form("Quán karaoke vẫn mở cửa đón khách dù đã có lệnh tạm dừng."),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let to = h[header::LOCATION].to_str().unwrap().to_owned();
    assert!(to.ends_with("?msg=created"), "{to}");
    let id: i64 = to
        .trim_start_matches("/hotline/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (s, html) = app.page(&a, &to).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Đã tạo.") && html.contains("Gọi đường dây nóng (officer_a)"));
    assert!(html.contains("Vi phạm biện pháp phòng, chống dịch"));

    // Triage on the page: urgent.
    let (s, _, html) = app
        .post_form(
            &a,
            &format!("/hotline/{id}/triage"),
            &[("kind", "measure_violation"), ("priority", "soon")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"priority-error\""), "{html}");
    let (s, _, _) = app
        .post_form(
            &a,
            &format!("/hotline/{id}/triage"),
            &[("kind", "measure_violation"), ("priority", "urgent")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    // Assign through the API: a commune of one's own district, not of another's.
    let t = app.token("officer_a").await;
    let (s, v) = step(&app, &t, id, "assign", json!({"area_id": SON_BINH})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(errors_name(&v, "area_id"), "{v}");
    let (s, v) = step(&app, &t, id, "assign", json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = step(&app, &t, id, "assign", json!({"area_id": QUYET_THANG})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "assigned");
    assert_eq!(v["priority"], "urgent");
    assert_eq!(v["assigned_area_name"], "Phường Quyết Thắng");

    // A provincial administrator assigns it across districts: officer_b now sees it too.
    let admin = app.token("admin").await;
    let (s, v) = step(&app, &admin, id, "assign", json!({"area_id": SON_BINH})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let b = app.token("officer_b").await;
    let (_, list) = app.get("/api/v1/hotline/reports", &b).await;
    assert_eq!(list["total"], 1, "{list}");

    // Close on the page: an outcome is needed; then it is final.
    let (s, _, html) = app
        .post_form(
            &a,
            &format!("/hotline/{id}/close"),
            &[("outcome", ""), ("action", "close")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ghi kết quả xử lý"), "{html}");
    let (s, _, _) = app
        .post_form(
            &a,
            &format!("/hotline/{id}/close"),
            &[
                (
                    "outcome",
                    "Đoàn kiểm tra liên ngành đã lập biên bản, đình chỉ hoạt động.",
                ),
                ("action", "close"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, v) = app.get(&format!("/api/v1/hotline/reports/{id}"), &t).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["status"], "closed");
    assert!(v["outcome"].as_str().unwrap().contains("đình chỉ"));
    let (s, v) = step(
        &app,
        &t,
        id,
        "triage",
        json!({"kind": "other", "priority": "normal"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(errors_name(&v, "status"), "{v}");
    let (s, html) = app.page(&a, &format!("/hotline/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Đã xử lý xong") && !html.contains("id=\"triage-form\""));

    // A report rejected through the API.
    let v = call(
        &app,
        &t,
        json!({"kind": "other", "area_id": QUYET_THANG, "reporter_phone": "0912 000 111",
            "description": "Người gọi hỏi lịch tiêm vắc xin.", "priority": "normal"}),
    )
    .await;
    assert_eq!(v["channel"], "phone");
    let (s, v) = step(
        &app,
        &t,
        v["id"].as_i64().unwrap(),
        "close",
        json!({"outcome": "Không thuộc phạm vi phản ánh", "reject": true}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "rejected");
}

async fn suspects(app: &TestApp) -> (i64, i64) {
    (count(app, "persons").await, count(app, "cases").await)
}

#[tokio::test]
async fn a_report_becomes_one_person_with_one_suspected_case_and_a_retry_adds_nothing() {
    let app = TestApp::new().await;
    let (s, _, v) = submit(
        &app,
        &report("illegal_entrant", QUYET_THANG, "0912345678"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = id_of(&v["reference"]);
    let t = app.token("officer_a").await;
    assert_eq!(suspects(&app).await, (0, 0));

    // Bad input: named, nothing written.
    let (s, v) = step(&app, &t, id, "convert", json!({"to": "prisoner"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(errors_name(&v, "to"), "{v}");
    let (s, v) = step(
        &app,
        &t,
        id,
        "convert",
        json!({"to": "suspect", "disease": "covid19", "person": {"birth_date": "2030"}}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(errors_name(&v, "birth_date"), "{v}");
    assert_eq!(suspects(&app).await, (0, 0));

    let body = json!({"to": "suspect", "disease": "covid19", "person": {"sex": "male", "birth_date": "1990"}});
    let (s, v) = step(&app, &t, id, "convert", body.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let person = v["person_id"].as_i64().unwrap();
    let case = v["case_id"].as_i64().unwrap();
    assert_eq!(suspects(&app).await, (1, 1));
    let (_, p) = app.get(&format!("/api/v1/persons/{person}"), &t).await;
    assert_eq!(p["full_name"], "Lò Văn Pành", "{p}");
    assert_eq!(p["area_id"], QUYET_THANG);
    assert_eq!(p["phone"], "0987111222");
    let (_, c) = app.get(&format!("/api/v1/cases/{case}"), &t).await;
    assert_eq!(c["classification"], "suspected", "{c}");
    assert_eq!(c["illegal_entry"], true, "{c}");

    // Again: the same links, nothing new.
    let (s, again) = step(&app, &t, id, "convert", body.clone()).await;
    assert_eq!(s, StatusCode::OK, "{again}");
    assert_eq!(again["person_id"], person);
    assert_eq!(again["case_id"], case);
    assert_eq!(suspects(&app).await, (1, 1));

    // A second report about the same person: the candidates first, then the person picked;
    // their open suspected case is reused.
    let (_, _, v) = submit(&app, &report("suspect", QUYET_THANG, "0912345670"), None).await;
    let second = id_of(&v["reference"]);
    let (s, v) = step(&app, &t, second, "convert", body.clone()).await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["candidates"][0]["id"], person, "{v}");
    assert_eq!(suspects(&app).await, (1, 1));
    let (s, v) = step(
        &app,
        &t,
        second,
        "convert",
        json!({"to": "suspect", "disease": "covid19", "person_id": person}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["person_id"], person);
    assert_eq!(v["case_id"], case);
    assert_eq!(suspects(&app).await, (1, 1));

    // Someone who may not register people cannot convert; another district cannot see it.
    let bcd = app.token("bcd").await;
    let (s, _) = step(&app, &bcd, id, "convert", body.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let b = app.token("officer_b").await;
    let (s, _) = step(&app, &b, id, "convert", body).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(suspects(&app).await, (1, 1));
}

#[tokio::test]
async fn a_report_becomes_a_returnee_on_the_page_and_price_gouging_becomes_nothing() {
    let app = TestApp::new().await;
    let mut r = report("epidemic_arrival", TAN_PHONG, "0912345678");
    r["subject_name"] = json!("Đỗ Thị Hằng");
    r["subject_phone"] = json!("");
    let (_, _, v) = submit(&app, &r, None).await;
    let id = id_of(&v["reference"]);
    let a: Session = app.login("officer_a").await;
    let (s, html) = app.page(&a, &format!("/hotline/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Chuyển thành hồ sơ"), "{html}");
    assert!(html.contains("id=\"to_returnee\" checked"), "{html}");
    assert!(html.contains("value=\"Đỗ Thị Hằng\""));

    let convert = |origin: &'static str| {
        vec![
            ("to", "returnee"),
            ("full_name", "Đỗ Thị Hằng"),
            ("birth_date", "12/03/1995"),
            ("sex", "female"),
            ("area_id", TAN_PHONG),
            ("origin", origin),
            ("arrived_on", "2021-06-22"),
            ("transport", "xe khách"),
        ]
    };
    // No origin: named, kept, nothing written.
    let (s, _, html) = app
        .post_form(&a, &format!("/hotline/{id}/convert"), &convert(""))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"origin-error\"") && html.contains("value=\"12/03/1995\""));
    assert!(html.contains("value=\"xe khách\""), "{html}");
    assert_eq!(count(&app, "persons").await, 0);
    assert_eq!(count(&app, "returnees").await, 0);

    let (s, h, _) = app
        .post_form(
            &a,
            &format!("/hotline/{id}/convert"),
            &convert("TP. Hồ Chí Minh"),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, html) = app.page(&a, h[header::LOCATION].to_str().unwrap()).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"person-link\"") && html.contains("người về từ vùng dịch #"));
    assert_eq!(count(&app, "persons").await, 1);
    assert_eq!(count(&app, "returnees").await, 1);
    let row = app
        .store()
        .connection()
        .query_one(
            &Query::select()
                .columns(["origin", "source", "hotline_report_id", "area_id"])
                .from("returnees")
                .and_where(Expr::col("hotline_report_id").eq(id))
                .to_owned(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get::<String>("", "origin").unwrap(),
        "TP. Hồ Chí Minh"
    );
    assert_eq!(row.try_get::<String>("", "source").unwrap(), "hotline");
    assert_eq!(row.try_get::<String>("", "area_id").unwrap(), TAN_PHONG);
    // The same form sent again (a retried request): nothing more.
    let t = app.token("officer_a").await;
    let (s, v) = step(
        &app,
        &t,
        id,
        "convert",
        json!({"to": "returnee", "origin": "TP. Hồ Chí Minh", "arrived_on": "22/06/2021"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(count(&app, "persons").await, 1);
    assert_eq!(count(&app, "returnees").await, 1);
    // Later a suspect too: the same person, one case.
    let (s, v) = step(
        &app,
        &t,
        id,
        "convert",
        json!({"to": "suspect", "disease": "covid19"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(count(&app, "persons").await, 1);
    assert_eq!(count(&app, "cases").await, 1);

    let (_, _, v) = submit(
        &app,
        &report("price_gouging", TAN_PHONG, "0912345671"),
        None,
    )
    .await;
    let gouging = id_of(&v["reference"]);
    let (s, v) = step(
        &app,
        &t,
        gouging,
        "convert",
        json!({"to": "suspect", "disease": "covid19"}),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(errors_name(&v, "to"), "{v}");
    assert_eq!(count(&app, "persons").await, 1);
}

/// The views of people's records in the audit log, oldest first: (person id, user, area,
/// detail).
async fn person_views(app: &TestApp) -> Vec<(String, String, String, String)> {
    let log = app
        .store()
        .audit_entries(
            &Scope::everywhere(),
            &AuditFilter {
                record_type: Some("person".into()),
                action: Some("view".into()),
                ..AuditFilter::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    log.items
        .into_iter()
        .rev()
        .map(|e| {
            (
                e.record_id.unwrap_or_default(),
                e.username,
                e.area_id.unwrap_or_default(),
                e.detail.unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_people_offered_as_possible_duplicates_are_audited_as_viewed() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let (_, _, v) = submit(
        &app,
        &report("illegal_entrant", QUYET_THANG, "0912345678"),
        None,
    )
    .await;
    let first = id_of(&v["reference"]);
    let (s, v) = step(
        &app,
        &t,
        first,
        "convert",
        json!({"to": "suspect", "disease": "covid19", "person": {"sex": "male", "birth_date": "1990"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let person = v["person_id"].as_i64().unwrap();
    assert_eq!(person_views(&app).await, []);

    // A second report about the same person: its page, before any conversion, offers no one
    // and reads no one's record.
    let (_, _, v) = submit(&app, &report("suspect", QUYET_THANG, "0912345670"), None).await;
    let second = id_of(&v["reference"]);
    let reference = v["reference"].as_str().unwrap().to_owned();
    let a = app.login("officer_a").await;
    let (s, html) = app.page(&a, &format!("/hotline/{second}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains("Có thể đã có hồ sơ"), "{html}");
    assert_eq!(person_views(&app).await, []);

    // Converting on the page: the candidate is shown (name, birth date, phone), and that read
    // of their record is audited in the user's name, saying for which report.
    let (s, _, html) = app
        .post_form(
            &a,
            &format!("/hotline/{second}/convert"),
            &[
                ("to", "suspect"),
                ("disease", "covid19"),
                ("full_name", "Lò Văn Pành"),
                ("birth_date", "1990"),
                ("sex", "male"),
                ("phone", "0987 111 222"),
                ("area_id", QUYET_THANG),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        html.contains("Có thể đã có hồ sơ")
            && html.contains(&format!("name=\"person_id\" value=\"{person}\"")),
        "{html}"
    );
    let viewed = person_views(&app).await;
    assert_eq!(viewed.len(), 1, "{viewed:?}");
    let (id, user, area, detail) = &viewed[0];
    assert_eq!(
        (id.as_str(), user.as_str(), area.as_str()),
        (person.to_string().as_str(), "officer_a", QUYET_THANG)
    );
    assert!(detail.contains(&reference), "{detail}");

    // The same through the API: one entry more.
    let (s, v) = step(
        &app,
        &t,
        second,
        "convert",
        json!({"to": "suspect", "disease": "covid19", "person": {"sex": "male", "birth_date": "1990"}}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let viewed = person_views(&app).await;
    assert_eq!(viewed.len(), 2, "{viewed:?}");
    assert_eq!(viewed[1].0, person.to_string());
    assert!(viewed[1].3.contains(&reference), "{viewed:?}");

    // A report about someone not registered: converted at once, no one offered, no one read.
    let mut r = report("suspect", TAN_PHONG, "0912345671");
    r["subject_name"] = json!("Đỗ Thị Hằng");
    r["subject_phone"] = json!("0977 333 444");
    let (_, _, v) = submit(&app, &r, None).await;
    let third = id_of(&v["reference"]);
    let (s, _) = app.page(&a, &format!("/hotline/{third}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app
        .post_form(
            &a,
            &format!("/hotline/{third}/convert"),
            &[
                ("to", "suspect"),
                ("disease", "covid19"),
                ("full_name", "Đỗ Thị Hằng"),
                ("birth_date", "12/03/1995"),
                ("sex", "female"),
                ("phone", "0977 333 444"),
                ("area_id", TAN_PHONG),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(person_views(&app).await.len(), 2);
}

#[tokio::test]
async fn the_api_document_describes_the_room() {
    let app = TestApp::new().await;
    let (s, _, body) = app
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&body).unwrap();
    let paths = &doc["paths"];
    for p in [
        "/api/v1/public/reports",
        "/api/v1/hotline/reports",
        "/api/v1/hotline/reports/{id}",
        "/api/v1/hotline/reports/{id}/triage",
        "/api/v1/hotline/reports/{id}/assign",
        "/api/v1/hotline/reports/{id}/close",
        "/api/v1/hotline/reports/{id}/convert",
    ] {
        assert!(paths.get(p).is_some(), "{p} missing");
    }
    assert_eq!(paths["/api/v1/public/reports"]["post"]["tags"][0], "public");
    assert!(
        paths["/api/v1/public/reports"]["post"]
            .get("security")
            .is_none()
    );
}
