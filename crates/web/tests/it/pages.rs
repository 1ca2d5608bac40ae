//! The Vietnamese web shell, page by page, as a browser without JavaScript uses it.

use crate::support::{TestApp, cookie_pair, field};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

#[tokio::test]
async fn pages_need_a_sign_in_and_send_you_back_after_it() {
    let app = TestApp::new().await;
    let (status, headers, _) = app
        .send(Request::get("/areas?q=x").body(Body::empty()).unwrap())
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login?next=%2Fareas%3Fq%3Dx");
    let (_, _, body) = app
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("<html lang=\"vi\">") && html.contains("Đăng nhập"));
    // A wrong password keeps the username typed and says why.
    let (status, _, body) = {
        let (_, headers, body) = app
            .send(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let cookie = cookie_pair(&headers, "cd_login_csrf").unwrap();
        let csrf = field(&String::from_utf8_lossy(&body), "csrf")
            .unwrap()
            .to_owned();
        let form = serde_urlencoded::to_string([
            ("username", "admin"),
            ("password", "sai"),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .unwrap();
        app.send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(form))
                .unwrap(),
        )
        .await
    };
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let html = String::from_utf8_lossy(&body);
    assert!(html.contains("Sai tên đăng nhập hoặc mật khẩu"));
    assert!(html.contains("name=\"username\" value=\"admin\""));
    // Without the login form's token, no sign-in.
    let form = serde_urlencoded::to_string([
        ("username", "admin"),
        ("password", crate::support::PASSWORD),
        ("csrf", "forged"),
    ])
    .unwrap();
    let (status, _, _) = app
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn home_shows_the_users_area_with_its_sub_areas_and_populations() {
    let app = TestApp::new().await;
    let t = app.token("admin").await;
    app.api(
        axum::http::Method::PUT,
        "/api/v1/areas/N12/population",
        &t,
        Some(
            serde_json::json!({"population": 460196, "year": 2019, "source": "Tổng điều tra 2019"}),
        ),
    )
    .await;
    let s = app.login("admin").await;
    let (status, html) = app.page(&s, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tỉnh Lai Châu"));
    assert!(
        html.contains("460.196"),
        "population with Vietnamese thousands separator"
    );
    assert!(html.contains("Địa bàn trực thuộc (38)"));
    assert!(html.contains("Phường Đoàn Kết"));
    assert!(
        html.contains("chưa rõ"),
        "missing populations are shown as unknown"
    );
    // The province as it was before 01/07/2025, with its districts.
    assert!(html.contains(
        "<a href=\"/areas/L12\">Tỉnh Lai Châu</a> <small class=\"muted\">trước 01/07/2025</small>"
    ));
    assert!(html.contains("Địa bàn trực thuộc (8)") && html.contains("Huyện Tam Đường"));
}

#[tokio::test]
async fn area_browser_searches_without_diacritics() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    for q in ["lai+chau", "LAI+CH%C3%82U"] {
        let (status, html) = app.page(&s, &format!("/areas?q={q}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("<a href=\"/areas/L12\">Tỉnh Lai Châu</a>"),
            "{q}"
        );
        assert!(html.contains("<a href=\"/areas/L105\">Thành phố Lai Châu</a>"));
    }
    let (_, html) = app.page(&s, "/areas/L12").await;
    for d in ["Huyện Tam Đường", "Huyện Mường Tè", "Thành phố Lai Châu"] {
        assert!(html.contains(d), "{d}");
    }
    assert!(html.contains("đến 30/06/2025"), "validity as dd/mm/yyyy");
    // Search results are escaped.
    let (_, html) = app
        .page(&s, "/areas?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert!(!html.contains("<script>alert(1)</script>"));
    assert!(html.contains("&#60;script&#62;") || html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn a_form_that_fails_keeps_what_was_typed_and_a_resubmitted_form_writes_once() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (status, _, html) = app
        .post_form(
            &s,
            "/areas/N03388/population",
            &[
                ("population", "bốn mươi"),
                ("year", "2021"),
                ("source", "Báo cáo xã"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"bốn mươi\"") && html.contains("value=\"Báo cáo xã\""));
    assert!(html.contains("dân số phải là số nguyên"));

    let (status, _, html) = app
        .post_form(
            &s,
            "/areas/N03388/villages",
            &[("name", ""), ("kind", "Bản")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("tên không được để trống") && html.contains("value=\"Bản\""));

    // The same form submitted twice (a double click, a retry) creates one village.
    let form = [
        ("name", "Bản Nà Luông"),
        ("kind", "Bản"),
        ("idem", "form-key-123"),
    ];
    let (s1, h1, _) = app.post_form(&s, "/areas/N03388/villages", &form).await;
    let (s2, h2, _) = app.post_form(&s, "/areas/N03388/villages", &form).await;
    assert_eq!((s1, s2), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(h1[header::LOCATION], h2[header::LOCATION]);
    let t = app.token("admin").await;
    let (_, v) = app.get("/api/v1/areas/N03388/children", &t).await;
    assert_eq!(v["total"], 1);
    let (_, html) = app.page(&s, h1[header::LOCATION].to_str().unwrap()).await;
    assert!(html.contains("Đã thêm thôn/bản/tổ dân phố."));
    assert!(html.contains("Bản Nà Luông"));

    // A form without the session's token is refused and writes nothing.
    let forged = serde_urlencoded::to_string([("name", "Bản Giả"), ("csrf", "forged")]).unwrap();
    let (status, _, _) = app
        .send(
            Request::post("/areas/N03388/villages")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, &s.cookie)
                .body(Body::from(forged))
                .unwrap(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, v) = app.get("/api/v1/areas/N03388/children", &t).await;
    assert_eq!(v["total"], 1);
}

#[tokio::test]
async fn user_administration_through_the_pages() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (status, html) = app.page(&s, "/users/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Trạm Y tế xã") && html.contains("Phường Đoàn Kết (N03388)"));

    let (status, _, html) = app
        .post_form(
            &s,
            "/users",
            &[
                ("username", "Có Dấu"),
                ("display_name", "Nguyễn Thị Hoa"),
                ("password", "ngắn"),
                ("role_0", "viewer"),
                ("area_0", "N12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Nguyễn Thị Hoa\""), "typed name kept");
    assert!(
        html.contains("tên đăng nhập chỉ gồm") && html.contains("mật khẩu cần ít nhất 12 ký tự")
    );
    assert!(
        !html.contains("value=\"ngắn\""),
        "passwords are never echoed"
    );

    let (status, headers, _) = app
        .post_form(
            &s,
            "/users",
            &[
                ("username", "hoa.nt"),
                ("display_name", "Nguyễn Thị Hoa"),
                ("password", "một mật khẩu đủ dài"),
                ("role_0", "commune_health_worker"),
                ("area_0", "N03388"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    let (_, html) = app.page(&s, &location).await;
    assert!(html.contains("Nguyễn Thị Hoa") && html.contains("Đã tạo."));
    let id = location
        .trim_start_matches("/users/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    let (status, _, _) = app
        .post_form(&s, &format!("/users/{id}/disable"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = app.page(&s, "/users?q=hoa").await;
    assert!(list.contains("hoa.nt") && list.contains("Đã khoá"));

    // Viewing the account is in the audit log, shown with dates as dd/mm/yyyy.
    let (status, html) = app
        .page(&s, &format!("/audit?record_type=user&record_id={id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("24/06/2021"),
        "dates on screen are dd/mm/yyyy"
    );
    assert!(html.contains("Xem") && html.contains("Khoá") && html.contains("Tạo"));
    let (status, html) = app.page(&s, "/audit?from=2021-13-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ngày phải có dạng dd/mm/yyyy"));
    let (_, html) = app.page(&s, "/audit?action=view").await;
    assert!(
        html.contains("href=\"/audit/export?action=view&amp;format=xlsx\""),
        "Excel export link keeps the filter"
    );
    let (status, csv) = app
        .page(&s, &format!("/audit/export?record_id={id}&format=csv"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.contains("hoa.nt"));
}

#[tokio::test]
async fn my_account_makes_tokens_shown_once_and_signs_out() {
    let app = TestApp::new().await;
    let s = app.login("viewer").await;
    let (status, _, html) = app
        .post_form(&s, "/account/tokens", &[("name", "Đồng bộ số liệu")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let start = html.find("cdt_").expect("secret shown once");
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert_eq!(app.get("/api/v1/me", &secret).await.0, StatusCode::OK);
    let (_, again) = app.page(&s, "/account").await;
    assert!(!again.contains(&secret), "the secret is not shown again");
    assert!(again.contains("Đồng bộ số liệu"));

    let (status, headers, _) = app.post_form(&s, "/logout", &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    let (status, _) = app.page(&s, "/").await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer works"
    );
}

#[tokio::test]
async fn agencies_and_population_import_pages() {
    let app = TestApp::new().await;
    let s = app.login("admin").await;
    let (status, _, html) = app
        .post_form(
            &s,
            "/agencies",
            &[
                ("name", ""),
                ("kind", "steering_committee"),
                ("area_id", "N12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("tên cơ quan không được để trống"));
    let (status, headers, _) = app
        .post_form(
            &s,
            "/agencies",
            &[
                ("name", "Ban Chỉ đạo phòng, chống dịch tỉnh"),
                ("kind", "steering_committee"),
                ("area_id", "N12"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = headers[header::LOCATION].to_str().unwrap().to_owned();
    let agency = location.split('?').next().unwrap().to_owned();
    let (status, _, html) = app
        .post_form(
            &s,
            &format!("{agency}/members"),
            &[
                ("full_name", "Giám đốc Sở Y tế"),
                ("position", ""),
                ("phone", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Giám đốc Sở Y tế\"") && html.contains("chức vụ cần"));
    let (_, page) = app.page(&s, &agency).await;
    assert!(page.contains("Ban Chỉ đạo phòng, chống dịch tỉnh"));
    let (status, headers, _) = app
        .post_form(
            &s,
            &format!("{agency}/members"),
            &[
                ("full_name", "Giám đốc Sở Y tế"),
                ("position", "Uỷ viên thường trực"),
                ("phone", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app
        .page(&s, headers[header::LOCATION].to_str().unwrap())
        .await;
    assert!(page.contains("Uỷ viên thường trực") && page.contains("Đã thêm thành viên."));
    let remove = page
        .split("action=\"")
        .filter_map(|p| p.split('"').next())
        .find(|a| a.ends_with("/remove"))
        .expect("a remove button per member")
        .to_owned();
    let (status, _, _) = app.post_form(&s, &remove, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = app.page(&s, &agency).await;
    assert!(!page.contains("Uỷ viên thường trực"));

    // The CSV upload form.
    let (status, html) = app.page(&s, "/population/import").await;
    assert_eq!(status, StatusCode::OK);
    let boundary = "XyZ";
    let part = |name: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        )
    };
    let csrf = field(&html, "csrf").unwrap().to_owned();
    let body = format!(
        "{}{}{}--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dan-so.csv\"\r\nContent-Type: text/csv\r\n\r\ncode,population,year,source\n105,41771,2019,GSO\n999,1,2019,GSO\n\r\n--{boundary}--\r\n",
        part("csrf", &csrf),
        part("structure", "legacy"),
        part("mode", "all_or_nothing"),
    );
    let (status, _, out) = app
        .send(
            Request::post("/population/import")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .header(header::COOKIE, &s.cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let out = String::from_utf8_lossy(&out);
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{out}");
    assert!(
        out.contains("Không nhập dòng nào") && out.contains("<td>3</td>"),
        "bad row reported by its line"
    );
}

#[tokio::test]
async fn my_account_changes_its_password() {
    let app = TestApp::new().await;
    let s = app.login("viewer").await;
    let (status, _, html) = app
        .post_form(
            &s,
            "/account/password",
            &[
                ("current", "sai rồi"),
                ("new_password", "một mật khẩu mới đủ dài"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("mật khẩu hiện tại không đúng"));
    let (status, headers, _) = app
        .post_form(
            &s,
            "/account/password",
            &[
                ("current", crate::support::PASSWORD),
                ("new_password", "một mật khẩu mới đủ dài"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers[header::LOCATION], "/login");
    assert_eq!(
        app.page(&s, "/").await.0,
        StatusCode::SEE_OTHER,
        "every session ended"
    );
    assert!(
        app.try_login("viewer", "một mật khẩu mới đủ dài")
            .await
            .is_ok()
    );
}
