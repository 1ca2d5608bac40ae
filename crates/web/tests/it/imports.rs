//! Excel import of returnee lists (issue #4), through the API and the pages: a list with one bad
//! row is reported by line and column, its valid rows imported in one go with their orders and
//! seen in the receiving commune's work list; files that are not lists, lists without a header
//! row, a run asked twice, a database that changed since the check; the columns remembered.
//! Case and contact lists go through the same engine: a case list's bad row named, its cases
//! imported with their classification; contacts of a confirmed case becoming F1, an unknown
//! source reported on its column, nothing written when a run fails.

use crate::support::{Session, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

/// A workbook whose first sheet holds these rows (strings; "" leaves a cell empty).
pub fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, *cell).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

pub const HEADERS: &[&str] = &[
    "STT",
    "Họ và tên",
    "Số CCCD/CMND",
    "Năm sinh",
    "Giới tính",
    "SĐT",
    "Xã/Phường",
    "Đối tượng",
    "Số mũi",
];

/// A list from TP. Bắc Giang: a title, an empty line, the header (line 3), three people of
/// whom the second (line 5) has a bad ID number. The first is a returnee, the others F1.
pub fn list_with_one_bad_row() -> Vec<u8> {
    xlsx(&[
        &["DANH SÁCH CÔNG DÂN TỪ TP. BẮC GIANG VỀ ĐỊA PHƯƠNG"],
        &[],
        HEADERS,
        &[
            "1",
            "Nguyễn Văn An",
            "012090000101",
            "1990",
            "Nam",
            "0912345678",
            "Quyết Thắng",
            "người về",
            "0",
        ],
        &[
            "2",
            "Lê Thị Bình",
            "12345",
            "1985",
            "Nữ",
            "",
            "Phường Tân Phong",
            "F1",
            "0",
        ],
        &["3", "Trần Văn Cường", "", "1978", "Nam", "", "", "F1", ""],
    ])
}

/// The batch: received by Phường Quyết Thắng on 20/06/2021 from TP. Bắc Giang; with the
/// province's decision for returnees (CĐ 600 has no rule for them) when asked.
pub fn batch_fields(fallback: bool) -> Vec<(&'static str, &'static str)> {
    let mut f = vec![
        ("area_id", "L03386"),
        ("origin", "TP. Bắc Giang"),
        ("origin_level", "vùng phong tỏa"),
        ("transport", "xe khách 98B-012.34"),
        ("arrived_on", "20/06/2021"),
    ];
    if fallback {
        f.extend([
            ("fallback_kind", "home"),
            ("fallback_days", "14"),
            ("fallback_test_days", "1, 7, 14"),
            ("fallback_monitoring_days", "14"),
            (
                "fallback_basis",
                "Thông báo 000/TB-UBND ngày 18/6/2021 của UBND tỉnh Lai Châu",
            ),
        ]);
    }
    f
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "chongdichImportBoundary7";
    let mut body: Vec<u8> = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `POST /api/v1/imports/returnees` with a bearer token.
pub async fn upload(
    app: &TestApp,
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(fields, file);
    let (status, _, bytes) = app
        .send(
            Request::post("/api/v1/imports/returnees")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
    )
}

/// Follows a running job until it ends.
pub async fn wait(app: &TestApp, token: &str, id: i64) -> Value {
    for _ in 0..600 {
        let (s, v) = app.get(&format!("/api/v1/imports/{id}"), token).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["status"] != "running" {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("import {id} still running after 12 s");
}

async fn count(app: &TestApp, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    app.store()
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            app.store().connection().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

fn names(lines: &Value) -> Vec<String> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["full_name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_list_with_one_bad_row_is_reported_and_its_valid_rows_reach_the_communes_work_list() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let bytes = list_with_one_bad_row();
    let (s, job) = upload(
        &app,
        &t,
        &batch_fields(true),
        Some(("ds-bac-giang.xlsx", &bytes)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(job["status"], "uploaded");
    assert_eq!(job["header_line"], 3);
    assert_eq!(job["headers"][1], "Họ và tên");
    assert_eq!(job["sample"].as_array().unwrap().len(), 3);
    assert_eq!(job["sample"][0]["line"], 4);
    // The columns guessed from the headers.
    for (field, col) in [
        ("full_name", 1),
        ("id_number", 2),
        ("birth_date", 3),
        ("sex", 4),
        ("phone", 5),
        ("commune", 6),
        ("subject", 7),
        ("doses", 8),
    ] {
        assert_eq!(job["mapping"][field], col, "{field}: {}", job["mapping"]);
    }
    let id = job["id"].as_i64().unwrap();

    // Check: the bad row is named by line and column.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "checked");
    let r = &v["report"];
    assert_eq!(
        (r["total"].clone(), r["valid"].clone(), r["invalid"].clone()),
        (json!(3), json!(2), json!(1))
    );
    assert_eq!(r["rows"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["rows"][0]["line"], 5);
    assert_eq!(r["rows"][0]["name"], "Lê Thị Bình");
    assert_eq!(r["rows"][0]["errors"][0]["field"], "id_number");
    assert_eq!(r["rows"][0]["errors"][0]["label"], "Số CCCD/CMND");
    // Nothing is written by a check.
    assert_eq!(count(&app, "persons").await, 0);

    // Another account (even an administrator) does not see the job.
    let other = app.token("admin_a").await;
    let (s, _) = app.get(&format!("/api/v1/imports/{id}"), &other).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/run"),
            &other,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Run: 202, then done with a batch of the two valid rows, each with an order.
    let (s, v) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["status"], "running");
    let done = wait(&app, &t, id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["imported"], 2);
    assert_eq!(done["area_id"], "L03386");
    let batch_id = done["batch_id"].as_i64().unwrap();
    let (s, b) = app
        .get(&format!("/api/v1/returnee-batches/{batch_id}"), &t)
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    assert_eq!(b["source"], "excel");
    let people = b["returnees"].as_array().unwrap();
    assert_eq!(names(&b["returnees"]), ["Nguyễn Văn An", "Trần Văn Cường"]);
    assert!(people.iter().all(|p| p["order_id"].is_i64()), "{b}");
    let an = &people[0];
    assert_eq!(
        (an["subject"].clone(), an["kind"].clone()),
        (json!("returnee"), json!("home"))
    );
    assert_eq!(people[1]["subject"], "f1");

    // The receiving commune sees them in today's work list.
    let (s, w) = app.get("/api/v1/quarantine/work?area=L03386", &t).await;
    assert_eq!(s, StatusCode::OK, "{w}");
    let seen = names(&w["lines"]);
    for n in ["Nguyễn Văn An", "Trần Văn Cường"] {
        assert!(seen.contains(&n.to_owned()), "{n} not in {seen:?}");
    }

    // A job imports once.
    let (s, v) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(count(&app, "persons").await, 2);
}

#[tokio::test]
async fn without_the_provinces_decision_returnees_have_no_order_and_are_reported_on_subject() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let bytes = list_with_one_bad_row();
    let (s, job) = upload(&app, &t, &batch_fields(false), Some(("ds.xlsx", &bytes))).await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let id = job["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["report"]["rows"].as_array().unwrap();
    assert_eq!(v["report"]["valid"], 1, "{v}");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["line"], 4);
    assert_eq!(rows[0]["errors"][0]["field"], "subject", "{}", rows[0]);
    assert_eq!(rows[0]["errors"][0]["label"], "Đối tượng");
    assert_eq!(rows[1]["line"], 5);
    // The F1 imports.
    let (s, _) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let done = wait(&app, &t, id).await;
    assert_eq!(
        (done["status"].clone(), done["imported"].clone()),
        (json!("done"), json!(1)),
        "{done}"
    );
}

#[tokio::test]
async fn files_that_are_not_lists_are_refused_on_file_and_nothing_is_written() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa";
    let no_header = xlsx(&[
        &["Nguyễn Văn An", "012090000101", "1990"],
        &["Lê Thị Bình", "", "1985"],
    ]);
    let empty = xlsx(&[]);
    let header_only = xlsx(&[HEADERS]);
    for (name, bytes, says) in [
        ("anh-chup.xlsx", png, "không phải tệp Excel"),
        ("anh.png", png, "Excel (.xlsx) hoặc CSV"),
        ("ds.xlsx", &no_header[..], "dòng tiêu đề"),
        ("trong.xlsx", &empty[..], "trống"),
        ("tieu-de.xlsx", &header_only[..], "không có dòng dữ liệu"),
        ("ds.xls", &b"\xD0\xCF\x11\xE0\xA1\xB1\x1a\xe1"[..], ".xls"),
    ] {
        let (s, v) = upload(&app, &t, &batch_fields(true), Some((name, bytes))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {v}");
        assert_eq!(v["field"], "file", "{name}: {v}");
        assert!(v["message"].as_str().unwrap().contains(says), "{name}: {v}");
    }
    // No file at all, and the batch's own errors at once.
    let (s, v) = upload(&app, &t, &[("area_id", "L03386")], None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["origin", "arrived_on", "file"] {
        assert!(fields.contains(&f), "{f}: {v}");
    }
    // A commune outside the user's district.
    let ta = app.token("officer_a").await;
    let bytes = list_with_one_bad_row();
    let mut outside = batch_fields(true);
    outside[0] = ("area_id", "L03413");
    let (s, v) = upload(&app, &ta, &outside, Some(("ds.xlsx", &bytes))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "area_id", "{v}");
    // A viewer may not import.
    let tv = app.token("viewer").await;
    let (s, _) = upload(&app, &tv, &batch_fields(true), Some(("ds.xlsx", &bytes))).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let viewer = app.login("viewer").await;
    let (s, _) = app.page(&viewer, "/quarantine/returnees/import").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for table in [
        "import_jobs",
        "persons",
        "returnee_batches",
        "quarantine_orders",
    ] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn duplicates_in_the_file_or_in_the_database_and_unknown_or_ambiguous_communes() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    // Somebody with this CCCD is registered already.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(
                json!({"full_name": "Phạm Thị Dung", "id_number": "012185000303",
                "birth_date": "1985", "sex": "female", "area_id": "L03386", "confirm_new": true}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let bytes = xlsx(&[
        &[
            "Họ tên",
            "CCCD",
            "Năm sinh",
            "Giới tính",
            "Xã, phường",
            "Huyện",
            "Đối tượng",
        ],
        &[
            "Nguyễn Văn An",
            "012090000101",
            "1990",
            "Nam",
            "Tân Phong",
            "",
            "F1",
        ],
        &[
            "Nguyễn Văn An",
            "012090000101",
            "1990",
            "Nam",
            "Tân Phong",
            "",
            "F1",
        ],
        &["Phạm Thị Dung", "012185000303", "1985", "Nữ", "", "", "F1"],
        &["Hoàng Văn Em", "", "1970", "Nam", "Mường Tè", "", "F1"],
        &[
            "Vũ Thị Gấm",
            "",
            "1970",
            "Nữ",
            "Xã Mường Tè",
            "Huyện Mường Tè",
            "F1",
        ],
        &[
            "Đỗ Văn Hùng",
            "",
            "1970",
            "Nam",
            "Phường Không Có",
            "",
            "F1",
        ],
        &[
            "Lý Văn Ích",
            "",
            "1970",
            "Nam",
            "Sơn Bình",
            "Tam Đường",
            "F1",
        ],
    ]);
    let (s, job) = upload(&app, &t, &batch_fields(true), Some(("ds.xlsx", &bytes))).await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    let id = job["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let rows = v["report"]["rows"].as_array().unwrap();
    let by_line = |l: i64| {
        rows.iter()
            .find(|r| r["line"] == l)
            .unwrap_or_else(|| panic!("line {l} not reported: {v}"))["errors"]
            .to_string()
    };
    assert!(by_line(2).contains("dòng 3"), "{}", by_line(2));
    assert!(by_line(3).contains("dòng 2"), "{}", by_line(3));
    assert!(by_line(4).contains("đã có hồ sơ"), "{}", by_line(4));
    let e5 = by_line(5);
    assert!(
        e5.contains("Thị trấn Mường Tè") && e5.contains("Xã Mường Tè"),
        "{e5}"
    );
    assert!(e5.contains("\"commune\""), "{e5}");
    assert!(by_line(7).contains("không có xã, phường"), "{}", by_line(7));
    // The full name, or the district, decides; Vũ Thị Gấm and Lý Văn Ích are fine.
    assert_eq!(v["report"]["valid"], 2, "{v}");
    assert_eq!(rows.len(), 5);
}

#[tokio::test]
async fn a_database_changed_since_the_check_stops_the_run_and_nothing_is_written() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let bytes = list_with_one_bad_row();
    let (_, job) = upload(&app, &t, &batch_fields(true), Some(("ds.xlsx", &bytes))).await;
    let id = job["id"].as_i64().unwrap();
    let validate = async || {
        app.api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({})),
        )
        .await
    };
    let (s, v) = validate().await;
    assert_eq!(
        (s, v["report"]["valid"].clone()),
        (StatusCode::OK, json!(2))
    );
    // Meanwhile Nguyễn Văn An is registered by hand.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(
                json!({"full_name": "Nguyễn Văn An", "id_number": "012090000101",
                "birth_date": "1990", "sex": "male", "area_id": "L03386", "confirm_new": true}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let failed = wait(&app, &t, id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .starts_with("dữ liệu đã thay đổi từ lúc kiểm tra (2 dòng hợp lệ, nay 1)"),
        "{failed}"
    );
    // A failed job does not run again before a new check.
    let (s, _) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(failed["batch_id"], Value::Null);
    for table in ["returnee_batches", "returnees", "quarantine_orders"] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }
    assert_eq!(count(&app, "persons").await, 1);
    // Checked again, the one valid row left imports.
    let (s, v) = validate().await;
    assert_eq!(
        (s, v["report"]["valid"].clone()),
        (StatusCode::OK, json!(1)),
        "{v}"
    );
    let (s, _) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let done = wait(&app, &t, id).await;
    assert_eq!(
        (done["status"].clone(), done["imported"].clone()),
        (json!("done"), json!(1))
    );
}

#[tokio::test]
async fn the_columns_chosen_are_offered_again_for_the_next_list() {
    let app = TestApp::new().await;
    let t = app.token("officer_a").await;
    let rows: &[&[&str]] = &[
        &["Tên công dân", "CCCD", "Nơi về", "Ghi chú"],
        &[
            "Nguyễn Văn An",
            "012090000101",
            "Phường Tân Phong",
            "về từ Bắc Giang",
        ],
    ];
    let bytes = xlsx(rows);
    let (s, job) = upload(&app, &t, &batch_fields(true), Some(("lan1.xlsx", &bytes))).await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    // Only the ID number is recognised: the name has no column yet.
    assert_eq!(job["mapping"], json!({"id_number": 1}), "{job}");
    let id = job["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({"mapping": {"id_number": 1}})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "full_name", "{v}");
    assert!(v["message"].as_str().unwrap().contains("Họ và tên"), "{v}");
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            &t,
            Some(json!({"mapping": {"full_name": "Tên công dân", "id_number": 1, "commune": 2}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["report"]["valid"], 1, "{v}");

    // The next list, columns in another order: the same choice is offered.
    let bytes = xlsx(&[
        &["Ghi chú", "Nơi về", "TÊN CÔNG DÂN", "Số CCCD"],
        &["", "Phường Quyết Thắng", "Lê Thị Bình", "012185000202"],
    ]);
    let (s, job) = upload(&app, &t, &batch_fields(true), Some(("lan2.xlsx", &bytes))).await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(
        job["mapping"],
        json!({"full_name": 2, "id_number": 3, "commune": 1}),
        "{job}"
    );
    // Another user is offered only what the headers say.
    let tb = app.token("admin").await;
    let (_, job) = upload(&app, &tb, &batch_fields(true), Some(("lan2.xlsx", &bytes))).await;
    assert_eq!(job["mapping"], json!({"id_number": 3}), "{job}");
}

fn job_id_of(location: &str) -> i64 {
    location
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a job: {location}"))
}

async fn wait_page(app: &TestApp, s: &Session, path: &str) -> String {
    for _ in 0..600 {
        let (st, html) = app.page(s, path).await;
        assert_eq!(st, StatusCode::OK, "{html}");
        if !html.contains("id=\"import-progress\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{path} still importing");
}

#[tokio::test]
async fn the_pages_upload_choose_columns_report_and_import() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (st, html) = app.page(&s, "/quarantine/returnees/import").await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"target-table\"") && html.contains("Số CCCD/CMND"));
    // A form that fails keeps what was typed.
    let mut fields = batch_fields(true);
    fields[1] = ("origin", "");
    let bytes = list_with_one_bad_row();
    let (st, _, html) = app
        .post_multipart(
            &s,
            "/quarantine/returnees/import",
            &fields,
            Some(("file", "ds.xlsx", &bytes)),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("value=\"xe khách 98B-012.34\""), "{html}");
    assert!(html.contains("Thông báo 000/TB-UBND"));
    assert!(html.contains("id=\"origin-error\""));

    let (st, headers, html) = app
        .post_multipart(
            &s,
            "/quarantine/returnees/import",
            &batch_fields(true),
            Some(("file", "ds.xlsx", &bytes)),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    let path = headers[header::LOCATION].to_str().unwrap().to_owned();
    let id = job_id_of(&path);
    let (st, html) = app.page(&s, &path).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("id=\"mapping-table\""), "{html}");
    assert!(
        html.contains("<option value=\"2\" selected>C — Số CCCD/CMND</option>"),
        "{html}"
    );
    assert!(html.contains("Lê Thị Bình"), "the sample rows are shown");

    // Leaving out the name is refused, naming the field; the choices are kept.
    let check = format!("/quarantine/returnees/import/{id}/check");
    let mut map: Vec<(String, String)> = [
        ("full_name", ""),
        ("id_number", "2"),
        ("birth_date", "3"),
        ("sex", "4"),
        ("phone", "5"),
        ("commune", "6"),
        ("subject", "7"),
        ("doses", "8"),
    ]
    .iter()
    .map(|(f, c)| (format!("map_{f}"), (*c).to_owned()))
    .collect();
    let owned = map.clone();
    let f: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (st, _, html) = app.post_form(&s, &check, &f).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("id=\"full_name-error\""), "{html}");
    assert!(html.contains("Họ và tên"));
    assert!(
        html.contains("<option value=\"7\" selected>H — Đối tượng</option>"),
        "{html}"
    );

    map[0].1 = "1".into();
    let owned = map.clone();
    let f: Vec<(&str, &str)> = owned
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (st, headers, html) = app.post_form(&s, &check, &f).await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(headers[header::LOCATION], path.as_str());
    let (_, html) = app.page(&s, &path).await;
    assert!(html.contains("id=\"bad-rows\""), "{html}");
    assert!(
        html.contains("Dòng 5") && html.contains("Số CCCD/CMND:"),
        "{html}"
    );
    assert!(html.contains("id=\"count-valid\">2<"), "{html}");
    assert!(html.contains("Nhập 2 dòng hợp lệ"));

    let (st, headers, html) = app
        .post_form(&s, &format!("/quarantine/returnees/import/{id}/run"), &[])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(headers[header::LOCATION], path.as_str());
    let html = wait_page(&app, &s, &path).await;
    assert!(html.contains("id=\"import-done\""), "{html}");
    assert!(html.contains("Đã nhập 2 người"), "{html}");
    assert!(html.contains("href=\"/quarantine/work?area=L03386\""));
    // The work list page of the commune names them.
    let (st, work) = app.page(&s, "/quarantine/work?area=L03386").await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        work.contains("Nguyễn Văn An") && work.contains("Trần Văn Cường"),
        "{work}"
    );
    // The progress script is served.
    let (st, js) = app.page(&s, "/static/import.js").await;
    assert_eq!(st, StatusCode::OK);
    assert!(js.contains("/api/v1/imports") || js.contains("data-poll"));
    // Another user's job is not found.
    let other = app.login("admin_a").await;
    let (st, _) = app.page(&other, &path).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// `POST {path}` (an upload of any kind) with a bearer token.
async fn upload_to(
    app: &TestApp,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> (StatusCode, Value) {
    let (content_type, body) = multipart(fields, file);
    let (status, _, bytes) = app
        .send(
            Request::post(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned())),
    )
}

/// Validates a job with the columns offered, then runs it and waits for the end.
async fn validate(app: &TestApp, t: &str, id: i64) -> Value {
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/imports/{id}/validate"),
            t,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

async fn run(app: &TestApp, t: &str, id: i64) -> Value {
    let (s, v) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), t, None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{v}");
    wait(app, t, id).await
}

async fn person_id(app: &TestApp, name: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let db = app.store().connection();
    db.query_one_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        format!("SELECT id FROM persons WHERE full_name = '{name}'"),
    ))
    .await
    .unwrap()
    .unwrap_or_else(|| panic!("no {name}"))
    .try_get::<i64>("", "id")
    .unwrap()
}

/// A case list: three cases of Lai Châu, the second (line 4) with a classification nobody
/// knows. Nguyễn Văn An (BN1001) is confirmed, Trần Văn Cường suspected.
fn case_list() -> Vec<u8> {
    xlsx(&[
        &["DANH SÁCH CA BỆNH COVID-19"],
        &[
            "STT",
            "Họ và tên",
            "Số CCCD/CMND",
            "Năm sinh",
            "Giới tính",
            "Xã/Phường",
            "Phân loại",
            "Mã BN",
            "Ngày khởi phát",
            "Ngày lấy mẫu",
            "Ngày có kết quả",
            "Nơi phát hiện",
        ],
        &[
            "1",
            "Nguyễn Văn An",
            "012090000101",
            "1990",
            "Nam",
            "Quyết Thắng",
            "Xac dinh",
            "BN1001",
            "18/06/2021",
            "19/06/2021",
            "20/06/2021",
            "cộng đồng",
        ],
        &[
            "2",
            "Lê Thị Bình",
            "012185000202",
            "1985",
            "Nữ",
            "Tân Phong",
            "chắc chắn",
            "BN1002",
            "",
            "",
            "",
            "",
        ],
        &[
            "3",
            "Trần Văn Cường",
            "",
            "1978",
            "Nam",
            "Tân Phong",
            "nghi ngờ",
            "",
            "21/06/2021",
            "",
            "",
            "",
        ],
    ])
}

/// Imports [`case_list`]: its two valid rows.
async fn import_cases(app: &TestApp, t: &str) -> Value {
    let bytes = case_list();
    let (s, job) = upload_to(
        app,
        t,
        "/api/v1/imports/cases",
        &[],
        Some(("ca-benh.xlsx", &bytes)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(job["kind"], "cases");
    assert_eq!(job["disease"], "covid19");
    assert_eq!(job["header_line"], 2);
    for (field, col) in [
        ("full_name", 1),
        ("id_number", 2),
        ("commune", 5),
        ("classification", 6),
        ("case_code", 7),
        ("onset_date", 8),
        ("sample_date", 9),
        ("confirmed_date", 10),
        ("found_in", 11),
    ] {
        assert_eq!(job["mapping"][field], col, "{field}: {}", job["mapping"]);
    }
    let id = job["id"].as_i64().unwrap();
    let v = validate(app, t, id).await;
    let r = &v["report"];
    assert_eq!(
        (r["total"].clone(), r["valid"].clone(), r["invalid"].clone()),
        (json!(3), json!(2), json!(1)),
        "{r}"
    );
    assert_eq!(r["rows"][0]["line"], 4);
    assert_eq!(r["rows"][0]["name"], "Lê Thị Bình");
    assert_eq!(r["rows"][0]["errors"][0]["field"], "classification");
    assert_eq!(r["rows"][0]["errors"][0]["label"], "Phân loại");
    assert_eq!(count(app, "cases").await, 0, "a check writes nothing");
    let done = run(app, t, id).await;
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["imported"], 2);
    assert_eq!(done["batch_id"], Value::Null);
    done
}

#[tokio::test]
async fn a_case_list_is_reported_by_line_and_column_and_its_cases_imported_with_their_classification()
 {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    import_cases(&app, &t).await;
    let (s, v) = app.get("/api/v1/cases?limit=50", &t).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut cases: Vec<(String, String, String, String)> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["full_name"].as_str().unwrap().to_owned(),
                c["classification"].as_str().unwrap().to_owned(),
                c["case_code"].as_str().unwrap_or("").to_owned(),
                c["area_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    cases.sort();
    assert_eq!(
        cases,
        [
            (
                "Nguyễn Văn An".to_owned(),
                "confirmed".to_owned(),
                "BN1001".to_owned(),
                "L03386".to_owned()
            ),
            (
                "Trần Văn Cường".to_owned(),
                "suspected".to_owned(),
                String::new(),
                "L03387".to_owned()
            ),
        ]
    );
    assert_eq!(count(&app, "persons").await, 2);
    // The import's own audit entry besides each case's.
    assert_eq!(
        count(&app, "audit_log WHERE record_type = 'case_import'").await,
        1
    );
    // The same list again: the people are already registered (by CCCD).
    let bytes = case_list();
    let (_, job) = upload_to(
        &app,
        &t,
        "/api/v1/imports/cases",
        &[("disease", "covid19")],
        Some(("ca-benh.xlsx", &bytes)),
    )
    .await;
    let v = validate(&app, &t, job["id"].as_i64().unwrap()).await;
    let first = &v["report"]["rows"][0];
    assert_eq!(first["line"], 3, "{v}");
    assert_eq!(first["errors"][0]["field"], "id_number");
    // An unknown disease is refused on upload.
    let (s, v) = upload_to(
        &app,
        &t,
        "/api/v1/imports/cases",
        &[("disease", "dich-hach-zombie")],
        Some(("ca-benh.xlsx", &bytes)),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("disease"), "{v}");
}

/// A contact list: Phạm Thị Dung met BN1001, Hoàng Văn Em met the same case (named by CCCD),
/// Vũ Thị Gấm a source nobody knows (line 6).
fn contact_list() -> Vec<u8> {
    xlsx(&[
        &[
            "STT",
            "Họ và tên",
            "CCCD",
            "Năm sinh",
            "Giới tính",
            "Xã, phường",
            "Mã BN nguồn",
            "Ngày tiếp xúc",
            "Ngày tiếp xúc cuối",
            "Mức độ tiếp xúc",
        ],
        &[
            "1",
            "Phạm Thị Dung",
            "",
            "1992",
            "Nữ",
            "Tân Phong",
            "BN1001",
            "19/06/2021",
            "20/06/2021",
            "trực tiếp",
        ],
        &[
            "2",
            "Hoàng Văn Em",
            "012088000303",
            "1988",
            "Nam",
            "Quyết Thắng",
            "012090000101",
            "20/06/2021",
            "",
            "",
        ],
        &[
            "3",
            "Vũ Thị Gấm",
            "",
            "1970",
            "Nữ",
            "Tân Phong",
            "BN9999",
            "20/06/2021",
            "",
            "",
        ],
    ])
}

#[tokio::test]
async fn contacts_of_an_imported_confirmed_case_become_f1_and_an_unknown_source_is_reported() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    import_cases(&app, &t).await;
    let persons = count(&app, "persons").await;
    let bytes = contact_list();
    let (s, job) = upload_to(
        &app,
        &t,
        "/api/v1/imports/contacts",
        &[],
        Some(("tiep-xuc.xlsx", &bytes)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{job}");
    assert_eq!(job["kind"], "contacts");
    assert_eq!(job["mapping"]["source"], 6, "{job}");
    assert_eq!(job["mapping"]["first_date"], 7);
    assert_eq!(job["mapping"]["last_date"], 8);
    assert_eq!(job["mapping"]["proximity"], 9);
    let id = job["id"].as_i64().unwrap();
    let v = validate(&app, &t, id).await;
    let r = &v["report"];
    assert_eq!(
        (r["valid"].clone(), r["invalid"].clone()),
        (json!(2), json!(1)),
        "{r}"
    );
    assert_eq!(r["rows"][0]["line"], 4);
    assert_eq!(r["rows"][0]["name"], "Vũ Thị Gấm");
    assert_eq!(r["rows"][0]["errors"][0]["field"], "source");
    assert_eq!(r["rows"][0]["errors"][0]["label"], "Người nguồn");
    assert!(
        r["rows"][0]["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("BN9999"),
        "{r}"
    );

    // Meanwhile Hoàng Văn Em is registered by hand: the run stops, nothing is written.
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            &t,
            Some(
                json!({"full_name": "Hoàng Văn Em", "id_number": "012088000303",
                "birth_date": "1988", "sex": "male", "area_id": "L03386", "confirm_new": true}),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _) = app
        .api(Method::POST, &format!("/api/v1/imports/{id}/run"), &t, None)
        .await;
    assert_eq!(s, StatusCode::ACCEPTED);
    let failed = wait(&app, &t, id).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .starts_with("dữ liệu đã thay đổi từ lúc kiểm tra"),
        "{failed}"
    );
    assert_eq!(count(&app, "exposures").await, 0);
    assert_eq!(count(&app, "persons").await, persons + 1);
    assert_eq!(
        count(&app, "audit_log WHERE record_type = 'contact_import'").await,
        0
    );

    // Checked again: Phạm Thị Dung alone imports, and becomes F1 of Nguyễn Văn An.
    let v = validate(&app, &t, id).await;
    assert_eq!(v["report"]["valid"], 1, "{v}");
    let done = run(&app, &t, id).await;
    assert_eq!(
        (done["status"].clone(), done["imported"].clone()),
        (json!("done"), json!(1)),
        "{done}"
    );
    assert_eq!(count(&app, "exposures").await, 1);
    let dung = person_id(&app, "Phạm Thị Dung").await;
    let an = person_id(&app, "Nguyễn Văn An").await;
    let (s, p) = app.get(&format!("/api/v1/persons/{dung}"), &t).await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let levels = p["f_levels"].as_array().unwrap();
    assert_eq!(levels.len(), 1, "{p}");
    assert_eq!(levels[0]["level"], 1);
    assert_eq!(levels[0]["root_person_id"], an);
    assert_eq!(
        count(&app, "audit_log WHERE record_type = 'contact_import'").await,
        1
    );
}

#[tokio::test]
async fn the_case_and_contact_pages_are_the_same_flow() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (st, html) = app.page(&s, "/cases").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("href=\"/cases/import\""), "{html}");
    let (st, html) = app.page(&s, "/persons").await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("href=\"/persons/contacts/import\""), "{html}");
    let (st, html) = app.page(&s, "/persons/contacts/import").await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("Người nguồn") && html.contains("Ngày tiếp xúc cuối"));
    let (st, html) = app.page(&s, "/cases/import").await;
    assert_eq!(st, StatusCode::OK, "{html}");
    assert!(html.contains("id=\"target-table\"") && html.contains("Phân loại"));
    assert!(!html.contains("id=\"origin\""), "no batch for cases");

    let bytes = case_list();
    let (st, headers, html) = app
        .post_multipart(
            &s,
            "/cases/import",
            &[("disease", "covid19")],
            Some(("file", "ca-benh.xlsx", &bytes)),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    let path = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(path.starts_with("/cases/import/"), "{path}");
    let id = job_id_of(&path);
    let (st, html) = app.page(&s, &path).await;
    assert_eq!(st, StatusCode::OK);
    assert!(html.contains("id=\"mapping-table\""), "{html}");
    assert!(html.contains(&format!("action=\"/cases/import/{id}/check\"")));
    // The same job under another kind's pages is sent to its own.
    let (st, headers, _) = app
        .send(
            Request::get(format!("/quarantine/returnees/import/{id}"))
                .header(header::COOKIE, &s.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], path.as_str());

    let map: Vec<(String, String)> = [
        ("full_name", "1"),
        ("id_number", "2"),
        ("birth_date", "3"),
        ("sex", "4"),
        ("commune", "5"),
        ("classification", "6"),
        ("case_code", "7"),
        ("confirmed_date", "10"),
    ]
    .iter()
    .map(|(f, c)| (format!("map_{f}"), (*c).to_owned()))
    .collect();
    let f: Vec<(&str, &str)> = map.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let (st, _, html) = app
        .post_form(&s, &format!("/cases/import/{id}/check"), &f)
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    let (_, html) = app.page(&s, &path).await;
    assert!(
        html.contains("Dòng 4") && html.contains("Phân loại:"),
        "{html}"
    );
    assert!(html.contains("Nhập 2 dòng hợp lệ"), "{html}");
    let (st, _, html) = app
        .post_form(&s, &format!("/cases/import/{id}/run"), &[])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{html}");
    let html = wait_page(&app, &s, &path).await;
    assert!(html.contains("Đã nhập 2 ca bệnh"), "{html}");
    assert_eq!(count(&app, "cases").await, 2);
}
