//! The document registry through the pages and the API: directive 000 pasted, reviewed and
//! confirmed gives Sở Tài chính its task due 05/07/2021; the API registers a document with the
//! parser's tasks; references link to documents registered before or after; a number cannot
//! be registered twice; bad files and empty texts are refused naming the field, nothing
//! written. The test clock stands on 24/06/2021.

use crate::support::TestApp;
use axum::http::{Method, StatusCode, header};
use serde_json::{Value, json};

pub const D000: &str = include_str!("../../../../data/directives/000_b7a427223fb6cfea.txt");
pub const D001: &str = include_str!("../../../../data/directives/001_59aeeaa545908d1b.txt");

async fn count(app: &TestApp, table: &str) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .store()
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            app.store().connection().get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The value of the first input named `name` in a page (its attribute as rendered).
fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].replace("&#38;", "&").replace("&amp;", "&"))
}

#[tokio::test]
async fn directive_000_pasted_reviewed_and_confirmed_gives_so_tai_chinh_its_task() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    // Paste.
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12"), ("text", D000)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Rà soát văn bản"), "{html}");
    // The review screen shows what the parser found: the kind, the incomplete date, item 9.1
    // for Sở Tài chính with its deadline, ready to be corrected.
    assert_eq!(input_value(&html, "date_month").as_deref(), Some("6"));
    assert_eq!(input_value(&html, "date_year").as_deref(), Some("2021"));
    assert!(
        html.contains("<option value=\"thong_bao\" selected"),
        "{html}"
    );
    let rows = input_value(&html, "item_count")
        .unwrap()
        .parse::<usize>()
        .unwrap();
    let row = (0..rows)
        .find(|i| input_value(&html, &format!("item{i}_path")).as_deref() == Some("9.1"))
        .expect("item 9.1 on the review screen");
    assert_eq!(
        input_value(&html, &format!("item{row}_lead")).as_deref(),
        Some("Sở Tài chính")
    );
    assert_eq!(
        input_value(&html, &format!("item{row}_deadline")).as_deref(),
        Some("2021-07-05")
    );

    // Item 7 ("Sở Y tế và UBND các huyện, thành phố") says into how many tasks the group splits:
    // the eight districts of June 2021.
    assert!(
        html.contains("UBND các huyện, thành phố (giao cho từng huyện: 8 nhiệm vụ)"),
        "{html}"
    );

    // Confirm the document with two of its items as tasks, one of them corrected.
    let item_count = "2";
    let fields = [
        ("area_id", "N12"),
        ("kind", "thong_bao"),
        ("number", "/TB-UBND"),
        ("place", "Lai Châu"),
        ("date_month", "6"),
        ("date_year", "2021"),
        (
            "subject",
            "Kết luận của đồng chí Tổng Thanh Hải tại cuộc họp trực tuyến",
        ),
        ("body", D000),
        ("create_agencies", "1"),
        ("item_count", item_count),
        ("item0_path", "9.1"),
        ("item0_take", "1"),
        (
            "item0_text",
            "Giao Sở Tài chính chủ trì, phối hợp với Sở Y tế có văn bản trả lời",
        ),
        ("item0_lead", "Sở Tài chính"),
        ("item0_support", "Sở Y tế"),
        ("item0_deadline", "2021-07-05"),
        ("item1_path", "4"),
        ("item1_take", "1"),
        (
            "item1_text",
            "Sở Giáo dục và Đào tạo tăng cường công tác kiểm tra",
        ),
        (
            "item1_lead",
            "Sở Giáo dục và Đào tạo; UBND các huyện, thành phố",
        ),
        ("item1_support", ""),
        ("item1_deadline", ""),
    ];
    let (status, headers, body) = app.post_form(&s, "/documents/confirm", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let doc_page = headers[header::LOCATION].to_str().unwrap().to_owned();
    let (status, html) = app.page(&s, &doc_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Sở Tài chính"), "{html}");
    assert!(html.contains("05/07/2021"), "{html}");

    // The agency was registered from the document and its list holds the task.
    let t = app.token("admin").await;
    let (_, agencies) = app.get("/api/v1/agencies?limit=100", &t).await;
    let tc = agencies["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "Sở Tài chính")
        .expect("Sở Tài chính registered");
    let id = tc["id"].as_i64().unwrap();
    let (status, html) = app.page(&s, &format!("/tasks?agency={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Nhiệm vụ của Sở Tài chính"), "{html}");
    assert!(
        html.contains("05/07/2021") && html.contains("Giao Sở Tài chính chủ trì"),
        "{html}"
    );
    let (_, list) = app.get(&format!("/api/v1/tasks?agency={id}"), &t).await;
    assert_eq!(list["total"], 1, "{list}");
    let task = &list["items"][0];
    assert_eq!(task["deadline"], "2021-07-05");
    assert_eq!(task["item_path"], "9.1");
    assert_eq!(task["status"], "new");
    assert_eq!(task["source"], "directive");
    // "UBND các huyện, thành phố" is given to each district of the province in force on the
    // document's date: the department keeps one task at the province, and each of the eight
    // districts' People's Committees (registered on the way, in its district) gets its own.
    let (_, all) = app.get("/api/v1/tasks?q=giao%20duc&limit=50", &t).await;
    assert_eq!(all["total"], 9, "{all}");
    let items = all["items"].as_array().unwrap();
    let leads: Vec<(&str, &str, bool)> = items
        .iter()
        .map(|i| {
            let a = &i["agencies"][0];
            (
                i["area_id"].as_str().unwrap(),
                a["name"].as_str().unwrap(),
                a["agency_id"].is_i64() && i["agencies"].as_array().unwrap().len() == 1,
            )
        })
        .collect();
    assert!(
        leads.contains(&("N12", "Sở Giáo dục và Đào tạo", true)),
        "{leads:?}"
    );
    assert!(
        leads.contains(&("L110", "UBND huyện Than Uyên", true)),
        "{leads:?}"
    );
    assert!(
        leads.contains(&("L105", "UBND thành phố Lai Châu", true)),
        "{leads:?}"
    );
    assert_eq!(
        leads.iter().filter(|(a, _, _)| a.starts_with('L')).count(),
        8
    );
    // The district's officer sees the district's task, and only that one of the nine.
    let (_, theirs) = app
        .get("/api/v1/tasks?q=giao%20duc", &app.token("officer_b").await)
        .await;
    assert_eq!(theirs["total"], 1, "{theirs}");
    assert_eq!(
        theirs["items"][0]["agencies"][0]["name"],
        "UBND huyện Tam Đường"
    );
}

#[tokio::test]
async fn a_group_of_units_splits_into_the_units_in_force_on_the_documents_date() {
    use chongdich_domain::area::{AreaId, AreaLevel};
    let app = TestApp::new().await;
    let n12 = AreaId::parse("N12").unwrap();
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let wards = |prefix: &str| {
        let prefix = prefix.to_owned();
        let app = &app;
        async move {
            count(
                app,
                &format!("areas WHERE level = 'ward' AND id LIKE '{prefix}%'"),
            )
            .await as usize
        }
    };
    let store = app.store();
    // Before 1/7/2025: the province's districts and the communes of the 3-level structure;
    // after: the communes of the 2-level one (there are no districts any more).
    assert_eq!(
        store
            .unit_count(&n12, AreaLevel::District, day(2021, 6, 1))
            .await
            .unwrap(),
        8
    );
    assert_eq!(
        store
            .unit_count(&n12, AreaLevel::Ward, day(2021, 6, 1))
            .await
            .unwrap(),
        wards("L").await
    );
    assert_eq!(
        store
            .unit_count(&n12, AreaLevel::District, day(2026, 1, 1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .unit_count(&n12, AreaLevel::Ward, day(2026, 1, 1))
            .await
            .unwrap(),
        wards("N").await
    );
    assert_ne!(wards("L").await, wards("N").await);
    // A district's document giving work to "UBND các xã, thị trấn": one task per commune of
    // the district, led by that commune's committee, which the commune's officer sees.
    let t = app.token("admin").await;
    let text = "UBND HUYỆN TAM ĐƯỜNG\nSố: 45/UBND-VP\nTam Đường, ngày 02 tháng 7 năm 2021\n\
                1. UBND các xã, thị trấn rà soát người về từ vùng dịch (trước ngày 05/7/2021).\n";
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &t,
            Some(json!({"area_id": "L106", "text": text})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let communes = store
        .unit_count(
            &AreaId::parse("L106").unwrap(),
            AreaLevel::Ward,
            day(2021, 7, 2),
        )
        .await
        .unwrap();
    assert!(communes > 5, "{communes}");
    let (_, tasks) = app.get("/api/v1/tasks?q=ra%20soat&limit=100", &t).await;
    assert_eq!(tasks["total"], communes as i64, "{tasks}");
    assert!(
        tasks["items"].as_array().unwrap().iter().all(|i| {
            i["area_id"].as_str().unwrap().starts_with('L')
                && i["agencies"][0]["name"]
                    .as_str()
                    .unwrap()
                    .starts_with("UBND ")
                && i["deadline"] == "2021-07-05"
        }),
        "{tasks}"
    );
}

#[tokio::test]
async fn an_agency_named_for_a_unit_is_registered_in_that_unit() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let text = "UỶ BAN NHÂN DÂN TỈNH LAI CHÂU\nSố: 77/UBND-VX\nLai Châu, ngày 01 tháng 7 năm 2021\n\
                1. UBND huyện Tam Đường chủ trì, phối hợp với Trung tâm Y tế huyện Tam Đường lập chốt kiểm soát.\n\
                2. Sở Y tế hướng dẫn chuyên môn.\n\
                3. UBND xã Bản Bo rà soát người về từ vùng dịch.\n";
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &t,
            Some(json!({"area_id": "N12", "text": text})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, agencies) = app.get("/api/v1/agencies?limit=100", &t).await;
    let area_of = |name: &str| {
        agencies["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {agencies}"))["area_id"]
            .clone()
    };
    assert_eq!(area_of("UBND huyện Tam Đường"), "L106");
    assert_eq!(area_of("Trung tâm Y tế huyện Tam Đường"), "L106");
    assert_eq!(area_of("Sở Y tế"), "N12");
    assert_eq!(area_of("UBND xã Bản Bo"), "L03424");
    // So the district's officer sees the district's and the commune's tasks (and not the
    // department's).
    let (_, theirs) = app
        .get("/api/v1/tasks", &app.token("officer_b").await)
        .await;
    assert_eq!(theirs["total"], 2, "{theirs}");
}

#[tokio::test]
async fn a_bad_review_keeps_what_was_typed_and_writes_nothing() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let before = (count(&app, "documents").await, count(&app, "tasks").await);
    let fields = [
        ("area_id", "N12"),
        ("kind", "cong_van"),
        ("number", "77/UBND-VX"),
        ("date_day", "31"),
        ("date_month", "2"),
        ("date_year", "2021"),
        ("subject", "Trích yếu đã gõ"),
        ("body", "Nội dung"),
        ("item_count", "1"),
        ("item0_path", "1"),
        ("item0_take", "1"),
        ("item0_text", "Việc cần làm"),
        ("item0_lead", ""),
        ("item0_deadline", "31/13/2021"),
    ];
    let (status, _, html) = app.post_form(&s, "/documents/confirm", &fields).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("value=\"Trích yếu đã gõ\"") || html.contains(">Trích yếu đã gõ<"),
        "{html}"
    );
    assert!(html.contains("value=\"77/UBND-VX\""), "{html}");
    assert!(
        html.contains("Mục 1:"),
        "the row's errors are shown: {html}"
    );
    assert_eq!(
        (count(&app, "documents").await, count(&app, "tasks").await),
        before
    );
}

#[tokio::test]
async fn uploads_that_are_not_text_or_docx_and_empty_texts_are_refused_naming_the_field() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12"), ("text", "")],
            Some((
                "file",
                "anh.png",
                &[0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe],
            )),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(".txt, .md hoặc .docx"), "{html}");
    // Text in another encoding (Windows-1258 bytes) is named as such.
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12")],
            Some(("file", "cv.txt", b"S\xf4\xcc: 12/UBND \xd0\xe3")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("UTF-8"), "{html}");
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12"), ("text", "   ")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("dán nội dung văn bản"), "{html}");
    // A Word document is read paragraph by paragraph.
    let docx = {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        w.start_file("word/document.xml", opts).unwrap();
        let paragraphs = [
            "UỶ BAN NHÂN DÂN TỈNH LAI CHÂU",
            "Số: 345/UBND-VX",
            "Lai Châu, ngày 02 tháng 7 năm 2021",
            "V/v tăng cường kiểm soát người về từ vùng dịch",
            "1. Sở Y tế chủ trì, phối hợp với Công an tỉnh rà soát người về (trước ngày 10/7/2021).",
        ];
        let body: String = paragraphs
            .iter()
            .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
            .collect();
        w.write_all(
            format!(
                "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
            )
            .as_bytes(),
        )
        .unwrap();
        w.finish().unwrap().into_inner()
    };
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12")],
            Some(("file", "cv-345.docx", &docx)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(input_value(&html, "number").as_deref(), Some("345/UBND-VX"));
    assert_eq!(
        input_value(&html, "item0_deadline").as_deref(),
        Some("2021-07-10")
    );
    // A file named .docx that is not one is refused naming the file.
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12")],
            Some(("file", "x.docx", b"not a zip")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("không đọc được tệp .docx"), "{html}");
    // A text without numbered items still reaches the review screen, saying so.
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12"), ("text", "Đề nghị các đơn vị quan tâm.")],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("không tìm thấy mục đánh số nào"), "{html}");
    assert_eq!(count(&app, "documents").await, 0);
    // The API's parser answers for empty text with the field.
    let t = app.token("admin").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/documents/parse",
            &t,
            Some(json!({"text": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["field"], "text");

    // Text still in TCVN3 (typed in .VnTime), pasted or uploaded, is refused naming the
    // encoding; the pasted text is kept in the form. The API refuses it on `text`.
    let tcvn3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\n\
                 1. Së Y tÕ chñ tr×, phèi hîp víi C«ng an tØnh.";
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12"), ("text", tcvn3)],
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("TCVN3"), "{html}");
    assert!(
        html.contains("Céng hoµ x· héi"),
        "the pasted text is kept: {html}"
    );
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12")],
            Some((
                "file",
                "vni.txt",
                "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam\nÑoäc laäp - Töï do - Haïnh phuùc"
                    .as_bytes(),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("VNI"), "{html}");
    for path in ["/api/v1/documents/parse", "/api/v1/documents"] {
        let (status, v) = app
            .api(
                Method::POST,
                path,
                &t,
                Some(json!({"text": tcvn3, "area_id": "N12"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {v}");
        assert_eq!(v["field"], "text", "{path}");
    }
    assert_eq!(count(&app, "documents").await, 0);
    // Windows Notepad's "Unicode" (UTF-16 with its byte-order mark) is read.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(D000.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let (status, _, html) = app
        .post_multipart(
            &s,
            "/documents/import",
            &[("area_id", "N12")],
            Some(("file", "thong-bao.txt", &utf16)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(input_value(&html, "number").as_deref(), Some("/TB-UBND"));
    assert!(html.contains("2021-07-05"), "{html}");
}

#[tokio::test]
async fn the_api_registers_a_document_with_the_parsers_tasks_once_and_links_references() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/documents/parse",
            &t,
            Some(json!({"text": D001})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["kind"], "cong_van");
    assert_eq!(v["number"], "1229/UBND-VX");
    assert!(
        v["references"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["number"] == "98/TB-VPCP"),
        "{v}"
    );
    let (status, doc) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &t,
            Some(json!({"area_id": "N12", "text": D001})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let id = doc["id"].as_i64().unwrap();
    assert!(doc["tasks"].as_array().unwrap().len() >= 3, "{doc}");
    assert!(
        doc["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["document_id"] == id),
        "{doc}"
    );
    let reference = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == "98/TB-VPCP")
        .unwrap()
        .clone();
    assert_eq!(reference["document_id"], Value::Null, "not registered yet");
    // The same number again is refused, naming the number; nothing more is written.
    let tasks_before = count(&app, "tasks").await;
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &t,
            Some(json!({"area_id": "N12", "text": D001})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["field"], "number");
    assert_eq!(count(&app, "tasks").await, tasks_before);
    // The same number issued by a district is another document.
    let (status, v) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &app.token("admin_b").await,
            Some(json!({
                "area_id": "L106",
                "text": "UBND HUYỆN TAM ĐƯỜNG\nSố: 1229/UBND-VX\nTam Đường, ngày 12 tháng 5 năm 2021\nV/v triển khai Công văn của tỉnh\n",
                "tasks": []
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    // A Thông báo of the same number a year later is not the one cited.
    let (status, later) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &t,
            Some(json!({
                "area_id": "N12",
                "text": "VĂN PHÒNG CHÍNH PHỦ\nSố: 98/TB-VPCP\nHà Nội, ngày 10 tháng 3 năm 2022\nTHÔNG BÁO\nKết luận năm 2022\n",
                "tasks": []
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{later}");
    let (_, doc) = app.get(&format!("/api/v1/documents/{id}"), &t).await;
    let cited = |doc: &Value| {
        doc["references"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["number"] == "98/TB-VPCP")
            .unwrap()["document_id"]
            .clone()
    };
    assert_eq!(cited(&doc), Value::Null, "{doc}");
    // Registering the cited Thông báo links the earlier reference to it.
    let (status, tb) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &t,
            Some(json!({
                "area_id": "N12",
                "text": "VĂN PHÒNG CHÍNH PHỦ\nSố: 98/TB-VPCP\nHà Nội, ngày 06 tháng 5 năm 2021\nTHÔNG BÁO\nKết luận của Thủ tướng Chính phủ\n",
                "tasks": []
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{tb}");
    let tb_id = tb["id"].as_i64().unwrap();
    let (_, doc) = app.get(&format!("/api/v1/documents/{id}"), &t).await;
    let linked = doc["references"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == "98/TB-VPCP")
        .unwrap()["document_id"]
        .clone();
    assert_eq!(linked, json!(tb_id), "{doc}");
    assert_eq!(tb["cited_by"][0]["id"], id, "{tb}");
    let (_, tb) = app.get(&format!("/api/v1/documents/{tb_id}"), &t).await;
    assert_eq!(tb["cited_by"].as_array().unwrap().len(), 1, "{tb}");
    // Search ignores diacritics; a district sees the province's documents.
    let (_, found) = app.get("/api/v1/documents?q=1229", &t).await;
    assert_eq!(found["total"], 2, "the province's and Tam Đường's: {found}");
    let o = app.token("officer_b").await;
    let (status, list) = app.get("/api/v1/documents", &o).await;
    assert_eq!(status, StatusCode::OK);
    // The province's three and the district's own.
    assert_eq!(list["total"], 4, "{list}");
    let s = app.login("officer_b").await;
    let (status, html) = app.page(&s, "/documents?q=thong%20bao").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("98/TB-VPCP"), "{html}");
    let (status, html) = app.page(&s, &format!("/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("1229/UBND-VX") && html.contains(&format!("/documents/{tb_id}")),
        "{html}"
    );
    // Only those who manage directives register them.
    let v = app.token("viewer").await;
    let (status, _) = app
        .api(
            Method::POST,
            "/api/v1/documents",
            &v,
            Some(json!({"area_id": "N12", "text": D000})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
