//! Risk levels: the staff pages. An assessment of Lai Châu (legacy structure, in force on the
//! test clock's 24/06/2021, when QĐ 2686 applies) is run from the form, explained unit by
//! unit, approved with an override and published; the unit's page shows its level, why and
//! the measures in force; inputs are entered per unit; rule sets are read, edited as JSON and
//! cloned. Forms that fail name the field, keep what was typed and write nothing.

use crate::support::{Session, TestApp};
use axum::http::{HeaderMap, Method, StatusCode, header};
use chongdich_domain::area::AreaId;
use chongdich_domain::risk;
use serde_json::json;

/// Phường Quyết Thắng, Thành phố Lai Châu (L105).
const WARD_UNKNOWN: &str = "L03386";
/// Phường Tân Phong, Thành phố Lai Châu (L105).
const WARD_KNOWN: &str = "L03387";
/// Thị trấn Tam Đường (L106): a case found in quarantine only.
const WARD_QUARANTINE: &str = "L03390";

fn location(h: &HeaderMap) -> String {
    h[header::LOCATION].to_str().unwrap().to_owned()
}

/// A confirmed case of a new person living in `ward`.
async fn confirmed_case(
    app: &TestApp,
    t: &str,
    name: &str,
    ward: &str,
    found_in: &str,
    source_known: bool,
    confirmed: &str,
) {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            t,
            Some(json!({"full_name": name, "area_id": ward, "confirm_new": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let person = v["id"].as_i64().unwrap();
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/cases",
            t,
            Some(json!({
                "person_id": person, "disease": "covid19", "classification": "confirmed",
                "sample_date": confirmed, "confirmed_date": confirmed,
                "found_in": found_in, "source_known": source_known
            })),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

/// The cases of the scenario: one community case of unknown source, one of known source, one
/// found in quarantine (which does not count).
async fn cases(app: &TestApp) {
    let t = app.token("admin").await;
    for (name, ward, found_in, source_known, day) in [
        ("Lò Văn Một", WARD_UNKNOWN, "community", false, "2021-06-22"),
        ("Tòng Thị Hai", WARD_KNOWN, "community", true, "2021-06-20"),
        (
            "Vàng A Ba",
            WARD_QUARANTINE,
            "quarantine",
            false,
            "2021-06-21",
        ),
    ] {
        confirmed_case(app, &t, name, ward, found_in, source_known, day).await;
    }
}

/// Runs an assessment from the form; the id of the assessment.
async fn run(app: &TestApp, s: &Session, area: &str, date: &str) -> i64 {
    let (status, headers, body) = app
        .post_form(
            s,
            "/risk/assessments",
            &[("area_id", area), ("as_of", date), ("rule_set", "")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let to = location(&headers);
    assert!(to.ends_with("?msg=assessed"), "{to}");
    to.trim_start_matches("/risk/assessments/")
        .trim_end_matches("?msg=assessed")
        .parse()
        .unwrap()
}

/// The table row of a unit on an assessment page.
fn row<'a>(html: &'a str, area: &str) -> &'a str {
    let at = html
        .find(&format!("<a href=\"/risk/areas/{area}\">"))
        .unwrap_or_else(|| panic!("{area} on the page"));
    let end = html[at..].find("</tr>").unwrap() + at;
    &html[at..end]
}

#[tokio::test]
async fn an_assessment_is_run_explained_approved_with_an_override_and_published() {
    let app = TestApp::new().await;
    cases(&app).await;
    let s = app.login("bcd").await;

    // The list: the form offers the Lai Châu of 2021 (the records of today's N12 count there).
    let (status, html) = app.page(&s, "/risk").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chưa có lần đánh giá nào"));
    assert!(
        html.contains("<option value=\"L12\" selected>"),
        "legacy province first in 2021"
    );
    assert!(html.contains("cơ cấu trước 01/07/2025 (L12)"));
    assert!(html.contains("value=\"24/06/2021\""), "today by default");
    assert!(html.contains("bộ quy tắc có hiệu lực vào ngày đánh giá"));
    assert!(html.contains("href=\"/risk/rules\"") && html.contains("href=\"/public\""));

    // A bad date: the field named, the typed value kept, nothing computed.
    let (status, _, html) = app
        .post_form(
            &s,
            "/risk/assessments",
            &[
                ("area_id", "L12"),
                ("as_of", "31/02/2021"),
                ("rule_set", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"as_of-error\"") && html.contains("31/02/2021"));
    assert!(html.contains("Chưa có lần đánh giá nào"));

    let id = run(&app, &s, "L12", "24/06/2021").await;
    let (status, html) = app
        .page(&s, &format!("/risk/assessments/{id}?msg=assessed"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Đây là đề xuất"));
    assert!(html.contains("QĐ 2686/QĐ-BCĐQG</a>, phiên bản 1"));
    assert!(html.contains("Đề xuất (chưa phê duyệt)"));
    // Counts per level, in the rule set's names and colours.
    assert!(html.contains("<span class=\"level level-orange\">Nguy cơ cao</span>"));
    assert!(html.contains("<span class=\"level level-green\">Bình thường mới</span>"));

    // The ward with a community case of unknown source: Nguy cơ cao, with the numbers.
    let r = row(&html, WARD_UNKNOWN);
    assert!(r.contains("Phường Quyết Thắng"), "{r}");
    assert!(
        r.contains("<span class=\"level level-orange\">Nguy cơ cao</span>"),
        "{r}"
    );
    assert!(
        r.contains("Có ca F0 trong cộng đồng chưa rõ nguồn lây — 1 ca trong 14 ngày (từ 1 ca)"),
        "{r}"
    );
    assert!(r.contains("chưa công bố"), "no previous level: {r}");
    // Known source: Nguy cơ; the rate per 100,000 needs the ward's population.
    let r = row(&html, WARD_KNOWN);
    assert!(
        r.contains("<span class=\"level level-yellow\">Nguy cơ</span>"),
        "{r}"
    );
    // The test units have no population figures: never taken as zero.
    assert!(r.contains("class=\"not-computable\""), "{r}");
    assert!(
        r.contains("không tính được</span>")
            // The unit is named on the screen, not by its id.
            && r.contains("không tính được: thiếu số dân của đơn vị Phường Tân Phong"),
        "{r}"
    );
    // Found in quarantine: does not count.
    let r = row(&html, WARD_QUARANTINE);
    assert!(
        r.contains("<span class=\"level level-green\">Bình thường mới</span>"),
        "{r}"
    );
    assert!(r.contains("không có yếu tố nào của các mức cao hơn"), "{r}");
    // Districts counted from their wards.
    let r = row(&html, "L105");
    assert!(r.contains("Huyện") && r.contains("level-yellow"), "{r}");

    // The approval form: decision number and override rows.
    assert!(html.contains("action=\"/risk/assessments/"));
    assert!(html.contains("name=\"overrides[2].reason\""));
    assert!(html.contains("có hiệu lực ngay khi phê duyệt"));

    // An override without its reason: 422 naming the field, what was typed kept, nothing
    // approved.
    let bad = [
        ("decision_no", "15/QĐ-BCĐ"),
        ("overrides[0].area_id", ""),
        ("overrides[0].level", ""),
        ("overrides[0].reason", ""),
        ("overrides[1].area_id", WARD_QUARANTINE),
        ("overrides[1].level", "nguy_co"),
        ("overrides[1].reason", ""),
        ("page", "1"),
    ];
    let (status, _, html) = app
        .post_form(&s, &format!("/risk/assessments/{id}/approve"), &bad)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    let err = html
        .find("id=\"o1_reason-error\"")
        .expect("the reason of row 2");
    assert!(html[err..].starts_with("id=\"o1_reason-error\">ghi lý do điều chỉnh"));
    assert!(
        !html.contains("id=\"o0_reason-error\""),
        "the empty row is ignored"
    );
    assert!(html.contains("value=\"15/QĐ-BCĐ\""));
    assert!(html.contains(&format!("<option value=\"{WARD_QUARANTINE}\" selected>")));
    assert!(html.contains("<option value=\"nguy_co\" selected>"));
    assert!(html.contains("Đề xuất (chưa phê duyệt)"));
    let (_, area) = app.page(&s, &format!("/risk/areas/{WARD_UNKNOWN}")).await;
    assert!(area.contains("chưa công bố"));
    assert!(
        app.store()
            .published_level(&AreaId::parse(WARD_UNKNOWN).unwrap())
            .await
            .unwrap()
            .is_none()
    );

    // With the reason: approved, published at once (QĐ 2686 has no announcement time).
    let mut good = bad.to_vec();
    good[6] = (
        "overrides[1].reason",
        "Giáp cửa khẩu, nhiều lao động trở về từ vùng dịch",
    );
    let (status, headers, body) = app
        .post_form(&s, &format!("/risk/assessments/{id}/approve"), &good)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let to = location(&headers);
    assert_eq!(to, format!("/risk/assessments/{id}?msg=approved"));
    let (_, html) = app.page(&s, &to).await;
    assert!(
        html.contains("Đã phê duyệt theo quyết định 15/QĐ-BCĐ"),
        "{html}"
    );
    assert!(html.contains("có hiệu lực ngay từ 24/06/2021 08:00"));
    assert!(html.contains("Đã phê duyệt, công bố"));
    assert!(!html.contains("name=\"decision_no\""), "approved once");
    let r = row(&html, WARD_QUARANTINE);
    assert!(
        r.contains("level-yellow") && r.contains("điều chỉnh"),
        "{r}"
    );
    assert!(r.contains("tính ra: Bình thường mới"), "{r}");
    assert!(
        r.contains("Giáp cửa khẩu, nhiều lao động trở về từ vùng dịch"),
        "{r}"
    );

    // The unit's page: level, since when, why, the measures in force, history.
    let (status, html) = app.page(&s, &format!("/risk/areas/{WARD_UNKNOWN}")).await;
    assert_eq!(status, StatusCode::OK);
    let now = html.find("class=\"level-now\"").unwrap();
    assert!(html[now..].contains(
        "<span class=\"level level-orange\">Nguy cơ cao</span> từ ngày <strong>24/06/2021</strong>"
    ));
    assert!(html.contains("Vì sao?"));
    assert!(html.contains("phê duyệt theo quyết định 15/QĐ-BCĐ"));
    assert!(html.contains("Có ca F0 trong cộng đồng chưa rõ nguồn lây — 1 ca trong 14 ngày"));
    let rules = risk::shipped()
        .into_iter()
        .find(|r| r.id == "qd2686")
        .unwrap();
    let in_force = rules.measures_at("nguy_co_cao");
    assert!(!in_force.is_empty());
    let shown = in_force
        .iter()
        .filter(|m| !m.text.contains(['"', '\'', '&', '<', '>']))
        .collect::<Vec<_>>();
    assert!(!shown.is_empty());
    for m in &shown {
        assert!(html.contains(&m.text), "measure in force: {}", m.text);
    }
    // Measures of the level above are not in force.
    for m in rules
        .measures
        .iter()
        .filter(|m| m.level == "nguy_co_rat_cao")
    {
        if !m.text.contains(['"', '\'', '&', '<', '>'])
            && !in_force.iter().any(|x| x.text == m.text)
        {
            assert!(!html.contains(&m.text), "not in force: {}", m.text);
        }
    }
    let hist = html.find("id=\"history-h\"").unwrap();
    assert!(html[hist..].contains("15/QĐ-BCĐ") && html[hist..].contains("Đã phê duyệt, công bố"));

    // The overridden unit shows why it was changed.
    let (_, html) = app
        .page(&s, &format!("/risk/areas/{WARD_QUARANTINE}"))
        .await;
    assert!(html.contains("<span class=\"level level-yellow\">Nguy cơ</span> từ ngày"));
    assert!(html.contains(
        "Mức tính theo tiêu chí là Bình thường mới; Ban Chỉ đạo điều chỉnh vì: Giáp cửa khẩu"
    ));

    // The next day a case appears in another ward: "what changed" lists it alone among wards.
    let t = app.token("admin").await;
    confirmed_case(
        &app,
        &t,
        "Lò Thị Bốn",
        "L03388",
        "community",
        false,
        "2021-06-24",
    )
    .await;
    let id2 = run(&app, &s, "L12", "24/06/2021").await;
    let (_, html) = app
        .page(&s, &format!("/risk/assessments/{id2}?changed=1"))
        .await;
    assert!(html.contains("Xem tất cả đơn vị"));
    assert!(
        html.contains("href=\"/risk/areas/L03388\""),
        "the new case's ward"
    );
    assert!(
        !html.contains(&format!("href=\"/risk/areas/{WARD_UNKNOWN}\"")),
        "unchanged"
    );
    // The override was of one assessment: computed again, Tam Đường is back to its own level.
    assert!(html.contains(&format!("href=\"/risk/areas/{WARD_QUARANTINE}\"")));
    let (_, list) = app.page(&s, "/risk").await;
    assert!(list.contains(&format!("href=\"/risk/assessments/{id2}\"")));
    assert!(list.contains("15/QĐ-BCĐ") && list.contains("Đề xuất (chưa phê duyệt)"));
}

#[tokio::test]
async fn who_may_run_and_approve_and_what_each_sees() {
    let app = TestApp::new().await;
    cases(&app).await;

    // A viewer reads but does not run.
    let viewer = app.login("viewer").await;
    let (status, html) = app.page(&viewer, "/risk").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("action=\"/risk/assessments\""));
    let (status, _, _) = app
        .post_form(
            &viewer,
            "/risk/assessments",
            &[("area_id", "L12"), ("as_of", "24/06/2021")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A district's health officer runs for the district only, and does not approve.
    let officer = app.login("officer_a").await;
    let (_, html) = app.page(&officer, "/risk").await;
    assert!(html.contains("<option value=\"L105\" selected>"));
    let (status, _, html) = app
        .post_form(
            &officer,
            "/risk/assessments",
            &[
                ("area_id", "L105"),
                ("area_typed", "L12"),
                ("as_of", "2021-06-24"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("ngoài phạm vi của bạn") && html.contains("value=\"L12\""));
    let id = run(&app, &officer, "L105", "2021-06-24").await;
    let (status, html) = app.page(&officer, &format!("/risk/assessments/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Phường Quyết Thắng"));
    assert!(!html.contains("Tam Đường"), "only the district's units");
    assert!(!html.contains("name=\"decision_no\""), "no approval form");
    let (status, _, _) = app
        .post_form(
            &officer,
            &format!("/risk/assessments/{id}/approve"),
            &[("decision_no", "1/QĐ")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The other district's officer does not see it.
    let other = app.login("officer_b").await;
    assert_eq!(
        app.page(&other, &format!("/risk/assessments/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, html) = app.page(&other, "/risk").await;
    assert!(!html.contains(&format!("href=\"/risk/assessments/{id}\"")));
    assert_eq!(
        app.page(&other, &format!("/risk/areas/{WARD_UNKNOWN}"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // The committee sees it and approves.
    let bcd = app.login("bcd").await;
    let (_, html) = app.page(&bcd, &format!("/risk/assessments/{id}")).await;
    assert!(html.contains("name=\"decision_no\""));
    // Without a decision number: named, nothing approved.
    let (status, _, html) = app
        .post_form(
            &bcd,
            &format!("/risk/assessments/{id}/approve"),
            &[("decision_no", " ")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"decision_no-error\""));
    assert!(html.contains("Đề xuất (chưa phê duyệt)"));
}

#[tokio::test]
async fn inputs_and_local_measures_are_entered_on_the_units_page() {
    let app = TestApp::new().await;
    let officer = app.login("officer_a").await;
    let page = format!("/risk/areas/{WARD_UNKNOWN}");
    let (status, html) = app.page(&officer, &page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("chưa công bố"));
    assert!(html.contains("action=\"/risk/areas/L03386/coverage\""));
    assert!(
        !html.contains("action=\"/risk/areas/L03386/measures\""),
        "committee only"
    );
    // The fact kinds of the rule sets are offered.
    assert!(html.contains("<option value=\"illegal_entry_risk\""));
    assert!(html.contains("Ước tính tiếp giáp từ tọa độ"));

    // Coverage: percentages typed, fractions stored; a bad one is named and kept.
    let (status, _, html) = app
        .post_form(
            &officer,
            &format!("{page}/coverage"),
            &[
                ("as_of", "20/06/2021"),
                ("first_dose_18plus", "120"),
                ("full_dose_65plus", "40"),
                ("source", "Báo cáo TTYT 20/6"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"first_dose_18plus-error\""));
    assert!(html.contains("value=\"120\"") && html.contains("value=\"Báo cáo TTYT 20/6\""));
    assert!(html.contains("Chưa có số liệu."));
    let (status, headers, _) = app
        .post_form(
            &officer,
            &format!("{page}/coverage"),
            &[
                ("as_of", "20/06/2021"),
                ("first_dose_18plus", "65,5"),
                ("full_dose_65plus", "40%"),
                ("source", "Báo cáo TTYT 20/6"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&officer, &location(&headers)).await;
    assert!(html.contains("Đã ghi tỷ lệ tiêm chủng"));
    assert!(html.contains("<td>20/06/2021</td><td>65,5%</td><td>40%</td><td>—</td>"));
    let stored = app
        .store()
        .unit_inputs(&AreaId::parse(WARD_UNKNOWN).unwrap())
        .await
        .unwrap();
    assert!((stored.coverage[0].first_dose_18plus.unwrap() - 0.655).abs() < 1e-9);

    // Capacity: yes or no must be chosen.
    let (status, _, html) = app
        .post_form(
            &officer,
            &format!("{page}/capacity"),
            &[("as_of", "21/06/2021")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"met-error\""));
    let (status, _, _) = app
        .post_form(
            &officer,
            &format!("{page}/capacity"),
            &[
                ("as_of", "21/06/2021"),
                ("met", "no"),
                ("note", "Thiếu giường hồi sức"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Facts: from the list, or typed.
    let (status, _, _) = app
        .post_form(
            &officer,
            &format!("{page}/facts"),
            &[("kind", "illegal_entry_risk"), ("valid_from", "15/06/2021")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, html) = app
        .post_form(
            &officer,
            &format!("{page}/facts"),
            &[("kind_other", "Sai Mã"), ("valid_from", "15/06/2021")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"kind-error\"") && html.contains("value=\"Sai Mã\""));

    // Neighbours: added, listed, removed; one out of scope is refused.
    let (status, _, html) = app
        .post_form(
            &officer,
            &format!("{page}/neighbours"),
            &[("other", "L03390")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"other-error\""));
    let (status, _, _) = app
        .post_form(
            &officer,
            &format!("{page}/neighbours"),
            &[("other", "L03387")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&officer, &page).await;
    assert!(html.contains("<td>21/06/2021</td><td><span class=\"badge off\">chưa đáp ứng</span></td><td>Thiếu giường hồi sức</td>"));
    let facts = html.find("id=\"facts-h\"").unwrap();
    assert!(html[facts..].contains(
        "<td title=\"illegal_entry_risk\">Có nguy cơ cao từ người nhập cảnh trái phép (illegal_entry_risk)</td><td>15/06/2021</td>"
    ));
    assert!(html.contains("href=\"/risk/areas/L03387\">Phường Tân Phong</a>"));
    let (status, headers, _) = app
        .post_form(&officer, &format!("{page}/neighbours/L03387/remove"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&officer, &location(&headers)).await;
    assert!(html.contains("Đã bỏ đơn vị tiếp giáp"));
    assert!(!html.contains("href=\"/risk/areas/L03387\">Phường Tân Phong</a>"));
    let (status, headers, _) = app
        .post_form(&officer, &format!("{page}/neighbours/estimate"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let to = location(&headers);
    assert!(to.contains("msg=estimated&n="), "{to}");
    let (_, html) = app.page(&officer, &to).await;
    assert!(html.contains("cặp đơn vị tiếp giáp ước tính từ tọa độ"));

    // A viewer sees the inputs but no form.
    let viewer = app.login("viewer").await;
    let (_, html) = app.page(&viewer, &page).await;
    assert!(html.contains("65,5%") && !html.contains("action=\"/risk/areas/L03386/coverage\""));
    let (status, _, _) = app
        .post_form(
            &viewer,
            &format!("{page}/capacity"),
            &[("as_of", "21/06/2021"), ("met", "yes")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The committee adds a provincial measure; it is in force once the level is published.
    let bcd = app.login("bcd").await;
    let (_, html) = app.page(&bcd, "/risk/areas/L12").await;
    assert!(html.contains("action=\"/risk/areas/L12/measures\""));
    let (status, _, html) = app
        .post_form(
            &bcd,
            "/risk/areas/L12/measures",
            &[
                ("rule_set", "qd2686"),
                ("level", "cap_9"),
                ("category", "markets"),
                ("text", "x"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"level-error\"") && html.contains("id=\"text-error\""));
    let text = "Chợ phiên vùng cao tạm dừng họp";
    let (status, _, _) = app
        .post_form(
            &bcd,
            "/risk/areas/L12/measures",
            &[
                ("rule_set", "qd2686"),
                ("level", "binh_thuong_moi"),
                ("category", "markets"),
                ("text", text),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&bcd, "/risk/areas/L12").await;
    assert!(html.contains(text) && html.contains("action=\"/risk/measures/"));
    let id = run(&app, &bcd, "L12", "24/06/2021").await;
    let (status, _, _) = app
        .post_form(
            &bcd,
            &format!("/risk/assessments/{id}/approve"),
            &[("decision_no", "20/QĐ-BCĐ")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&bcd, &format!("/risk/areas/{WARD_UNKNOWN}")).await;
    let measures = html.find("id=\"measures-h\"").unwrap();
    let history = html.find("id=\"history-h\"").unwrap();
    assert!(html[measures..history].contains("Biện pháp bổ sung của địa phương"));
    assert!(html[measures..history].contains(text));
    // Removed.
    let (_, html) = app.page(&bcd, "/risk/areas/L12").await;
    let at = html.find("action=\"/risk/measures/").unwrap() + "action=\"/risk/measures/".len();
    let mid: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let (status, headers, _) = app
        .post_form(
            &bcd,
            &format!("/risk/measures/{mid}/remove"),
            &[("area_id", "L12")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&headers),
        "/risk/areas/L12?msg=measure_removed#added"
    );
    let (_, html) = app.page(&bcd, &format!("/risk/areas/{WARD_UNKNOWN}")).await;
    assert!(!html.contains(text));
}

#[tokio::test]
async fn rule_sets_are_read_edited_as_json_and_cloned() {
    let app = TestApp::new().await;
    let viewer = app.login("viewer").await;
    let (status, html) = app.page(&viewer, "/risk/rules").await;
    assert_eq!(status, StatusCode::OK);
    for id in ["qd2686", "qd4800", "qd218"] {
        assert!(html.contains(&format!("<code>{id}</code>")), "{id}");
    }
    assert_eq!(html.matches("đang có hiệu lực</span>").count(), 1);
    let current = html.find("<tr class=\"in-force\">").unwrap();
    assert!(html[current..current + 120].contains("href=\"/risk/rules/qd2686\""));
    assert!(html.contains("31/05/2021 – 11/10/2021") && html.contains("từ 27/01/2022"));
    assert!(html.contains("kèm phần mềm"));

    let (status, html) = app.page(&viewer, "/risk/rules/qd4800").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("chưa kiểm chứng"));
    assert!(html.contains("Từ 150 ca F0 (trong cộng đồng) trên 100.000 dân trong 7 ngày gần nhất"));
    assert!(html.contains("mức mới có hiệu lực 48 giờ sau khi phê duyệt"));
    assert!(html.contains("Tăng 1 cấp"));
    assert!(html.contains("<span class=\"level level-red\">Cấp 4"));
    assert!(!html.contains("name=\"body\""), "no edit form for a viewer");
    let (status, html) = app.page(&viewer, "/risk/rules/qd2686").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Từ 30% số đơn vị trực thuộc ở mức Nguy cơ rất cao trở lên"));
    assert!(html.contains("Xếp mức Nguy cơ rất cao"));
    assert_eq!(
        app.page(&viewer, "/risk/rules/khong_co").await.0,
        StatusCode::NOT_FOUND
    );
    let (status, _, _) = app
        .post_form(&viewer, "/risk/rules/qd2686", &[("body", "{}")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = app.login("admin").await;
    let (_, html) = app.page(&admin, "/risk/rules/qd2686").await;
    assert!(html.contains("name=\"body\""));
    assert!(
        html.contains("&#34;id&#34;: &#34;qd2686&#34;"),
        "the JSON to edit"
    );
    assert!(html.contains("thành phiên bản 2"));

    // A bad level id: the field path named, the typed text kept, nothing saved.
    let mut set = risk::shipped()
        .into_iter()
        .find(|r| r.id == "qd2686")
        .unwrap();
    let mut v = serde_json::to_value(&set).unwrap();
    v["criteria"][0]["effect"]["set"] = json!("nguy_co_xyz");
    let typed = serde_json::to_string_pretty(&v).unwrap();
    let (status, _, html) = app
        .post_form(&admin, "/risk/rules/qd2686", &[("body", &typed)])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("<code>criteria[0].effect.set</code>"),
        "{html}"
    );
    assert!(html.contains("không có mức &#34;nguy_co_xyz&#34;"));
    // The typed text is shown again, not the stored one.
    assert!(html.contains("&#34;set&#34;: &#34;nguy_co_xyz&#34;"));
    assert!(!html.contains("?version=2"));
    // Malformed JSON: the path of the bad value.
    let (status, _, html) = app
        .post_form(
            &admin,
            "/risk/rules/qd2686",
            &[(
                "body",
                &typed.replace("\"announce_hours\": 0", "\"announce_hours\": \"hai\""),
            )],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<code>announce_hours</code>"), "{html}");
    // Another id in the JSON.
    set.id = "qd9999".into();
    let (status, _, html) = app
        .post_form(
            &admin,
            "/risk/rules/qd2686",
            &[("body", &serde_json::to_string(&set).unwrap())],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("<code>id</code>") && html.contains("Nhân bản"));
    // A good edit: version 2.
    set.id = "qd2686".into();
    set.notes = "Đã đối chiếu thêm với công văn của tỉnh.".into();
    let (status, headers, _) = app
        .post_form(
            &admin,
            "/risk/rules/qd2686",
            &[("body", &serde_json::to_string(&set).unwrap())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = app.page(&admin, &location(&headers)).await;
    assert!(html.contains("Đã lưu phiên bản mới"));
    assert!(
        html.contains("phiên bản 2") && html.contains("Đã đối chiếu thêm với công văn của tỉnh.")
    );
    assert!(html.contains("href=\"/risk/rules/qd2686?version=1\""));
    let (_, html) = app.page(&admin, "/risk/rules/qd2686?version=1").await;
    assert!(html.contains("phiên bản 1") && html.contains("bản mới nhất"));

    // Clone: an id already taken is refused; a new one is listed, based on its source.
    let clone = |id: &'static str| {
        vec![
            ("id", id),
            ("name", "Kế hoạch đáp ứng tỉnh Lai Châu"),
            ("valid_from", "01/06/2021"),
            ("valid_to", ""),
            ("version", "2"),
        ]
    };
    let (status, _, html) = app
        .post_form(&admin, "/risk/rules/qd2686/clone", &clone("qd4800"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"id-error\">đã có bộ quy tắc mã &#34;qd4800&#34;"));
    assert!(html.contains("value=\"Kế hoạch đáp ứng tỉnh Lai Châu\""));
    let (status, _, html) = app
        .post_form(&admin, "/risk/rules/qd2686/clone", &clone("Lai Chau"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"id-error\""));
    let (status, headers, _) = app
        .post_form(&admin, "/risk/rules/qd2686/clone", &clone("lai_chau_kh"))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location(&headers), "/risk/rules/lai_chau_kh?msg=cloned");
    let (_, html) = app.page(&admin, "/risk/rules/lai_chau_kh?msg=cloned").await;
    assert!(html.contains("Đã tạo bộ quy tắc mới"));
    assert!(html.contains("Đã đối chiếu thêm"), "cloned from version 2");
    assert!(html.contains("nhân bản từ <a href=\"/risk/rules/qd2686\">"));
    let (_, html) = app.page(&viewer, "/risk/rules").await;
    assert!(html.contains("Kế hoạch đáp ứng tỉnh Lai Châu"));
    // It starts after QĐ 2686: it is the one in force now.
    let current = html.find("<tr class=\"in-force\">").unwrap();
    assert!(html[current..current + 120].contains("href=\"/risk/rules/lai_chau_kh\""));
}
