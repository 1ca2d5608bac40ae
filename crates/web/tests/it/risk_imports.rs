//! Vaccination coverage and treatment capacity of many units from a CSV or Excel file, through
//! the API and the upload page: a bad row is reported by line and column and nothing is
//! written; a good file writes every row; who may import.

use crate::support::{Session, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chongdich_domain::access::Scope;
use chongdich_store::audit::AuditFilter;
use serde_json::Value;

async fn import(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let (status, _, bytes) = app
        .send(
            Request::post(format!("/api/v1/risk/inputs/import{query}"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let v = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v)
}

fn fields(e: &Value) -> Vec<String> {
    e["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors in {e}"))
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn inputs(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, area) = app.get(&format!("/api/v1/risk/areas/{id}"), token).await;
    assert_eq!(status, StatusCode::OK, "{area}");
    area["inputs"].clone()
}

const GOOD: &str = "ma_dia_ban,ngay,mui1_18,du_lieu_65,du_lieu,nguon,dap_ung_dieu_tri,ghi_chu\n\
L03386,20/06/2021,65%,\"50,5\",0.4,\"Báo cáo CDC tỉnh, 20/06/2021\",có,\n\
03387,2021-06-21,72,,,Báo cáo CDC tỉnh,không,Thiếu máy thở\n";

#[tokio::test]
async fn a_bad_row_writes_nothing_and_a_good_file_writes_every_row() {
    let app = TestApp::new().await;
    let t = app.token("national").await;

    // Line 3: 170%; line 4: a unit that does not exist.
    let bad = "area_id,as_of,first_dose_18plus,source,capacity_met\n\
               L03386,20/06/2021,65,BC,có\n\
               L03387,20/06/2021,170,BC,\n\
               L99999,20/06/2021,60,BC,\n";
    let (status, e) = import(&app, &t, "", bad.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["dòng 3: first_dose_18plus"], "{e}");

    // The parse is clean, the store refuses the unknown unit: still nothing written.
    let unknown = "area_id,as_of,first_dose_18plus,source\n\
                   L03386,20/06/2021,65,BC\n\
                   L99999,20/06/2021,60,BC\n";
    let (status, e) = import(&app, &t, "", unknown.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["dòng 3: area_id"], "{e}");
    let empty = inputs(&app, &t, "L03386").await;
    assert_eq!(empty["coverage"].as_array().unwrap().len(), 0, "{empty}");
    assert_eq!(empty["capacity"].as_array().unwrap().len(), 0, "{empty}");

    // A date after today (the clock says 24/06/2021).
    let future = "area_id,as_of,capacity_met\nL03386,25/06/2021,có\n";
    let (status, e) = import(&app, &t, "", future.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["dòng 2: as_of"], "{e}");

    // Not an import at all.
    for body in [&b""[..], b"a,b\n1,2\n", &[0xff, 0xfe, 0x00]] {
        let (status, e) = import(&app, &t, "", body.to_vec()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(fields(&e), vec!["file"], "{e}");
    }
    // A GSO code needs the structure.
    let (status, e) = import(&app, &t, "", GOOD.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(fields(&e), vec!["dòng 3: area_id"], "{e}");

    let (status, r) = import(&app, &t, "?structure=legacy", GOOD.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["units"], 2);
    assert_eq!(r["coverage"], 2);
    assert_eq!(r["capacity"], 2);

    let a = inputs(&app, &t, "L03386").await;
    let cov = &a["coverage"][0];
    assert_eq!(cov["as_of"], "2021-06-20");
    assert_eq!(cov["first_dose_18plus"], 0.65);
    assert_eq!(cov["full_dose_65plus"], 0.505);
    assert_eq!(cov["full_dose_all"], 0.4);
    assert_eq!(cov["source"], "Báo cáo CDC tỉnh, 20/06/2021");
    assert_eq!(cov["updated_by"], "national");
    assert_eq!(a["capacity"][0]["met"], true);
    let b = inputs(&app, &t, "L03387").await;
    assert_eq!(b["coverage"][0]["first_dose_18plus"], 0.72);
    assert!(b["coverage"][0]["full_dose_65plus"].is_null(), "{b}");
    assert_eq!(b["capacity"][0]["met"], false);
    assert_eq!(b["capacity"][0]["note"], "Thiếu máy thở");

    // Again: the figures of the same day are replaced, not added.
    let (status, _) = import(&app, &t, "?structure=legacy", GOOD.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::OK);
    let a = inputs(&app, &t, "L03386").await;
    assert_eq!(a["coverage"].as_array().unwrap().len(), 1, "{a}");

    let log = app
        .store()
        .audit_entries(
            &Scope::everywhere(),
            &AuditFilter {
                record_type: Some("risk_inputs".into()),
                ..AuditFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(log.items.len(), 2, "one audit entry per import");
    assert_eq!(log.items[0].action, "import");
    assert!(
        log.items[0]
            .detail
            .as_deref()
            .unwrap()
            .starts_with("2 đơn vị")
    );
}

async fn upload(
    app: &TestApp,
    s: &Session,
    csrf: &str,
    file: &[u8],
) -> (StatusCode, String, String) {
    let boundary = "RiskInputsBoundary7";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("structure", "legacy")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"tiem-chung.xlsx\"\r\nContent-Type: {}\r\n\r\n",
            chongdich_web::excel::XLSX_MIME
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, headers, out) = app
        .send(
            Request::post("/risk/coverage/import")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, &s.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let location = headers
        .get(header::LOCATION)
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, String::from_utf8_lossy(&out).into_owned())
}

/// A workbook as a province sends it: Vietnamese headers, codes as text, percent cells as
/// fractions.
fn workbook(rows: &[(&str, &str, f64, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã địa bàn", "Ngày", "mui1_18", "Nguồn", "dap_ung_dieu_tri"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (code, day, first, met)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *code).unwrap();
        ws.write_string(r, 1, *day).unwrap();
        ws.write_number(r, 2, *first).unwrap();
        ws.write_string(r, 3, "Báo cáo tuần 25").unwrap();
        ws.write_string(r, 4, *met).unwrap();
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_page_loads_a_workbook_and_reports_its_bad_rows() {
    let app = TestApp::new().await;
    let s = app.login("national").await;
    let t = app.token("national").await;
    let (status, risk) = app.page(&s, "/risk").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        risk.contains("href=\"/risk/coverage/import\""),
        "linked from /risk"
    );
    let (status, page) = app.page(&s, "/risk/coverage/import").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("mui1_18") && page.contains("dap_ung_dieu_tri"));
    let (status, template) = app.page(&s, "/risk/coverage/import?template=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(template.contains("ma_dia_ban,ngay,mui1_18"), "{template}");

    // A bad row: the report names the line and the column, nothing is written.
    let bad = workbook(&[
        ("03386", "20/06/2021", 0.65, "có"),
        ("03387", "20/06/2021", 170.0, "chưa rõ"),
    ]);
    let (status, _, html) = upload(&app, &s, &s.csrf, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("<td>3</td><td>mui1_18 (first_dose_18plus)</td>"),
        "{html}"
    );
    assert!(
        html.contains("<td>3</td><td>dap_ung_dieu_tri (capacity_met)</td>"),
        "{html}"
    );
    assert!(html.contains("Không nạp dòng nào"));
    assert_eq!(
        inputs(&app, &t, "L03386").await["coverage"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Not a workbook nor CSV text.
    let (status, _, html) = upload(&app, &s, &s.csrf, b"PK\x03\x04broken").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không đọc được tệp Excel"), "{html}");

    // A good workbook.
    let good = workbook(&[
        ("03386", "20/06/2021", 0.655, "có"),
        ("03387", "2021-06-21", 72.0, "không"),
    ]);
    let (status, location, _) = upload(&app, &s, &s.csrf, &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location, "/risk/coverage/import?msg=imported&n=2");
    let (_, page) = app.page(&s, &location).await;
    assert!(page.contains("Đã nạp 2 đơn vị"));
    let a = inputs(&app, &t, "L03386").await;
    assert_eq!(a["coverage"][0]["first_dose_18plus"], 0.655);
    assert_eq!(a["capacity"][0]["met"], true);
    let b = inputs(&app, &t, "L03387").await;
    assert_eq!(b["coverage"][0]["first_dose_18plus"], 0.72);
    assert_eq!(b["coverage"][0]["as_of"], "2021-06-21");
    assert_eq!(b["capacity"][0]["met"], false);

    // A stale form is refused.
    let (status, _, _) = upload(&app, &s, "wrong", &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_viewer_may_not_import() {
    let app = TestApp::new().await;
    let t = app.token("viewer").await;
    let (status, _) = import(&app, &t, "?structure=legacy", GOOD.as_bytes().to_vec()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let s = app.login("viewer").await;
    let (status, _) = app.page(&s, "/risk/coverage/import").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, risk) = app.page(&s, "/risk").await;
    assert!(
        !risk.contains("/risk/coverage/import"),
        "no link for a viewer"
    );
    let (status, _, _) = upload(&app, &s, &s.csrf, GOOD.as_bytes()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let national = app.token("national").await;
    assert_eq!(
        inputs(&app, &national, "L03386").await["coverage"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}
