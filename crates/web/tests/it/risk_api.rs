//! Risk levels through the JSON API and the public pages and feeds: an assessment of Lai Châu
//! from its cases under the rules in force, approval with an override, publication, the 48-hour
//! announcement of QĐ 4800, inputs, rule-set versions, and who may do what.

use crate::support::TestApp;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};

/// Phường Quyết Thắng, Phường Tân Phong, Phường Quyết Tiến (Thành phố Lai Châu, district 105).
const QUYET_THANG: &str = "L03386";
const TAN_PHONG: &str = "L03387";
const QUYET_TIEN: &str = "L03388";
/// Xã Sơn Bình (Tam Đường), far from the others.
const SON_BINH: &str = "L03413";

async fn case_in(app: &TestApp, t: &str, ward: &str, name: &str, extra: Value) {
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/persons",
            t,
            Some(json!({"full_name": name, "area_id": ward, "confirm_new": true})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mut body = json!({"person_id": v["id"], "disease": "covid19", "classification": "confirmed",
        "sample_date": "2021-06-19", "confirmed_date": "2021-06-20"});
    for (k, x) in extra.as_object().unwrap() {
        body[k] = x.clone();
    }
    let (s, v) = app.api(Method::POST, "/api/v1/cases", t, Some(body)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
}

fn unit<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["area_id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {v}"))
}

async fn public(app: &TestApp, path: &str) -> (StatusCode, String) {
    let (s, _, b) = app
        .send(Request::get(path).body(Body::empty()).unwrap())
        .await;
    (s, String::from_utf8_lossy(&b).into_owned())
}

#[tokio::test]
async fn assessment_explains_levels_and_approval_publishes_them_with_measures() {
    let app = TestApp::new().await;
    let t = app.token("national").await;
    // A community case of known source, one of unknown source, one found in quarantine.
    case_in(
        &app,
        &t,
        QUYET_THANG,
        "Lò Văn Một",
        json!({"found_in": "community", "source_known": true}),
    )
    .await;
    case_in(
        &app,
        &t,
        SON_BINH,
        "Lò Văn Hai",
        json!({"found_in": "community", "source_known": false}),
    )
    .await;
    case_in(
        &app,
        &t,
        QUYET_TIEN,
        "Lò Văn Ba",
        json!({"found_in": "quarantine", "source_known": true}),
    )
    .await;

    // Who may not: a viewer; an officer outside the area.
    let viewer = app.token("viewer").await;
    let (s, _) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &viewer,
            Some(json!({"area_id": "L12"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let ob = app.token("officer_b").await;
    let (s, v) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &ob,
            Some(json!({"area_id": "L105"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("area_id"), "{v}");

    // On 24/06/2021 QĐ 2686 is in force.
    let (s, a) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &t,
            Some(json!({"area_id": "L12", "as_of": "24/06/2021"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["rule_set_id"], "qd2686");
    assert_eq!(a["status"], "proposed");
    // 1 province, 8 districts, 106 wards.
    assert_eq!(a["unit_count"], 115);
    let id = a["id"].as_i64().unwrap();
    let (_, v) = app
        .get(&format!("/api/v1/risk/assessments/{id}?limit=1000"), &t)
        .await;
    assert_eq!(v["total"], 115);
    let qt = unit(&v, QUYET_THANG);
    assert_eq!(qt["level"], "nguy_co", "{qt}");
    assert_eq!(qt["colour"], "yellow");
    let why = qt["reasons"].to_string();
    assert!(why.contains("nguồn lây"), "{why}");
    assert_eq!(unit(&v, SON_BINH)["level"], "nguy_co_cao");
    // Found in quarantine: does not count.
    assert_eq!(unit(&v, QUYET_TIEN)["level"], "binh_thuong_moi");
    // Nothing was published before: every unit "changed".
    assert_eq!(a["changed_count"], 115);

    // Approval: the decision number and every override's reason are required; nothing written.
    let (s, e) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{id}/approve"),
            &t,
            Some(json!({"decision_no": "", "overrides": [{"area_id": TAN_PHONG, "level": "nguy_co", "reason": ""}]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let es = e.to_string();
    assert!(
        es.contains("decision_no") && es.contains("overrides[0].reason"),
        "{es}"
    );
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{id}/approve"),
            &viewer,
            Some(json!({"decision_no": "1/QĐ"})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = public(&app, "/public/risk.json?area=L12").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        app.store()
            .published_levels(&chongdich_domain::area::AreaId::parse("L12").unwrap())
            .await
            .unwrap()
            .len(),
        0,
        "nothing published by a refused approval"
    );
    let (s, a) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{id}/approve"),
            &t,
            Some(json!({"decision_no": "125/QĐ-BCĐ", "overrides": [
                {"area_id": TAN_PHONG, "level": "nguy_co", "reason": "Giáp chợ đầu mối của phường Quyết Thắng"}]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_eq!(a["status"], "approved");
    assert_eq!(a["decision_no"], "125/QĐ-BCĐ");
    // QĐ 2686 has no announcement time: in force at once.
    assert_eq!(a["effective_at"], a["approved_at"]);
    // Approving twice is refused.
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{id}/approve"),
            &t,
            Some(json!({"decision_no": "126/QĐ-BCĐ"})),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The public feeds, without logging in.
    let (s, body) = public(&app, "/public/risk.json?area=L12").await;
    assert_eq!(s, StatusCode::OK);
    let feed: Value = serde_json::from_str(&body).unwrap();
    let levels: Vec<&Value> = feed.as_array().unwrap().iter().collect();
    assert_eq!(levels.len(), 115);
    let tp = levels.iter().find(|u| u["area_id"] == TAN_PHONG).unwrap();
    assert_eq!(tp["level"], "nguy_co", "the override is what is published");
    assert_eq!(tp["level_name"], "Nguy cơ");
    let (s, csv) = public(&app, "/public/risk.csv?area=L105").await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("area_id,area_name,unit_level"));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("L03386,Phường Quyết Thắng,ward") && l.contains(",nguy_co,")),
        "{csv}"
    );
    let (s, e) = public(&app, "/public/risk.json?area=nowhere!").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // A unit's level, measures and history through the API.
    let (s, r) = app.get(&format!("/api/v1/risk/areas/{SON_BINH}"), &t).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["published"]["level"], "nguy_co_cao");
    assert!(!r["measures"].as_array().unwrap().is_empty());
    assert!(r["measures"].to_string().contains("karaoke"), "{r}");
    assert_eq!(r["history"][0]["decision_no"], "125/QĐ-BCĐ");

    // The public page: search without diacritics, the level and the measures.
    let (s, html) = public(&app, "/public?q=son%20binh").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Xã Sơn Bình"), "{html}");
    assert!(html.contains("Nguy cơ cao"));
    assert!(html.contains("<svg"), "the map");
    let (s, html) = public(&app, &format!("/public/area/{SON_BINH}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Nguy cơ cao") && html.contains("Biện pháp đang áp dụng"));
    assert!(html.contains("karaoke"), "{html}");
    let (s, _) = public(&app, "/public/area/L99999").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A second assessment the next day: only what changed is listed as changed.
    app.clock.advance(chrono::Duration::days(1));
    let (_, b) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &t,
            Some(json!({"area_id": "L12"})),
        )
        .await;
    let (_, changed) = app
        .get(
            &format!(
                "/api/v1/risk/assessments/{}?changed=true&limit=1000",
                b["id"]
            ),
            &t,
        )
        .await;
    let ids: Vec<&str> = changed["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["area_id"].as_str().unwrap())
        .collect();
    // Tân Phong was overridden to "nguy cơ"; the rules alone give it something else.
    assert!(ids.contains(&TAN_PHONG), "{ids:?}");
    assert!(!ids.contains(&SON_BINH), "{ids:?}");
    assert_eq!(b["changed_count"], ids.len() as i64);
}

#[tokio::test]
async fn levels_under_qd4800_take_effect_48_hours_after_approval() {
    let app = TestApp::new().await;
    let t = app.token("national").await;
    // 01/11/2021: QĐ 4800. A coverage figure below 70% raises a level.
    app.clock.advance(chrono::Duration::days(130));
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/areas/{QUYET_THANG}/coverage"),
            &t,
            Some(json!({"first_dose_18plus": 1.7, "source": ""})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let vs = v.to_string();
    assert!(
        vs.contains("first_dose_18plus") && vs.contains("source"),
        "{vs}"
    );
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/areas/{QUYET_THANG}/coverage"),
            &t,
            Some(json!({"first_dose_18plus": 0.55, "full_dose_65plus": 0.9, "source": "Báo cáo TTYT 30/10/2021"})),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, a) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &t,
            Some(json!({"area_id": "L105"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["rule_set_id"], "qd4800");
    let id = a["id"].as_i64().unwrap();
    let (_, v) = app
        .get(&format!("/api/v1/risk/assessments/{id}?limit=1000"), &t)
        .await;
    let qt = unit(&v, QUYET_THANG);
    assert_eq!(qt["level"], "cap_2", "raised by one for coverage: {qt}");
    // Without population figures the rate cannot be computed: said, not taken as zero.
    let other = unit(&v, TAN_PHONG);
    assert!(
        other["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["outcome"] == "not_computable"),
        "{other}"
    );
    let (s, a) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{id}/approve"),
            &t,
            Some(json!({"decision_no": "300/QĐ-UBND"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{a}");
    assert_ne!(a["effective_at"], a["approved_at"]);
    // Announced, not yet in force.
    let (_, body) = public(&app, "/public/risk.json?area=L105").await;
    assert_eq!(body, "[]");
    app.clock.advance(chrono::Duration::hours(49));
    let (_, body) = public(&app, "/public/risk.json?area=L105").await;
    let feed: Value = serde_json::from_str(&body).unwrap();
    let qt = feed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["area_id"] == QUYET_THANG)
        .unwrap();
    assert_eq!(qt["level"], "cap_2");
    assert_eq!(qt["since"], a["effective_at"]);
}

#[tokio::test]
async fn rule_sets_are_versioned_data_and_neighbours_import_all_or_nothing() {
    let app = TestApp::new().await;
    let admin = app.token("national").await;
    let officer = app.token("officer_a").await;
    let (s, list) = app.get("/api/v1/risk/rule-sets", &officer).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["qd2686", "qd4800", "qd218"]);
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["in_force"] == true)
            .count(),
        1
    );
    let (_, mut set) = app.get("/api/v1/risk/rule-sets/qd2686", &officer).await;
    assert_eq!(set["levels"].as_array().unwrap().len(), 4);
    // Only administrators save; a bad level reference names its field; nothing is saved.
    let save = |body: Value, token: String| {
        let app = &app;
        async move {
            let (s, _, b) = app
                .send(
                    Request::post("/api/v1/risk/rule-sets")
                        .header("authorization", format!("Bearer {token}"))
                        .header("content-type", "application/json")
                        .body(Body::from(body.to_string()))
                        .unwrap(),
                )
                .await;
            (s, String::from_utf8_lossy(&b).into_owned())
        }
    };
    let (s, _) = save(set.clone(), officer.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let mut bad = set.clone();
    bad["criteria"][0]["effect"] = json!({"set": "khong_co"});
    let (s, e) = save(bad, admin.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.contains("criteria[0]"), "{e}");
    let (s, e) = save(json!({"id": "x1", "levels": 3}), admin.clone()).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    // A province's own plan: a clone under a new id, then a new version of it.
    set["id"] = json!("langson_kh63");
    set["name"] = json!("KH 63/KH-UBND Lạng Sơn");
    set["based_on"] = json!("qd2686");
    let (s, r) = save(set.clone(), admin.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(r.contains("\"version\":1"), "{r}");
    set["notes"] = json!("Sửa lần 2");
    let (s, r) = save(set.clone(), admin.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert!(r.contains("\"version\":2"), "{r}");
    let (_, v1) = app
        .get("/api/v1/risk/rule-sets/langson_kh63?version=1", &officer)
        .await;
    assert_ne!(
        v1["notes"], "Sửa lần 2",
        "earlier versions stay as they were"
    );
    let (_, shipped) = app.get("/api/v1/risk/rule-sets/qd2686", &officer).await;
    assert_eq!(shipped["name"], "QĐ 2686/QĐ-BCĐQG");

    // Neighbours: a CSV with one bad line writes nothing; a good one adds the pairs once.
    let (s, e) = app
        .api(
            Method::POST,
            "/api/v1/risk/neighbours",
            &officer,
            Some(json!({"csv": "a,b\nL03386,L03387\nL03386;xx yy\n"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("csv dòng 3"), "{e}");
    let (s, e) = app
        .api(
            Method::POST,
            "/api/v1/risk/neighbours",
            &officer,
            Some(json!({"pairs": [[QUYET_THANG, SON_BINH]]})),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside officer_a's district: {e}"
    );
    let (s, r) = app
        .api(
            Method::POST,
            "/api/v1/risk/neighbours",
            &officer,
            Some(json!({"csv": "L03386,L03387\nL03387,L03386\nL03386,L03388"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["added"], 2);
    let (_, area) = app
        .get(&format!("/api/v1/risk/areas/{QUYET_THANG}"), &officer)
        .await;
    assert_eq!(area["inputs"]["neighbours"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn approved_areas_get_a_daily_proposal_once_a_day() {
    let app = TestApp::new().await;
    let t = app.token("national").await;
    let store = app.store();
    let who = chongdich_store::audit::Who::console();
    assert!(
        store.daily_assessments(&who).await.unwrap().is_empty(),
        "nothing approved yet"
    );
    let (_, a) = app
        .api(
            Method::POST,
            "/api/v1/risk/assessments",
            &t,
            Some(json!({"area_id": "L105"})),
        )
        .await;
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/assessments/{}/approve", a["id"]),
            &t,
            Some(json!({"decision_no": "7/QĐ-BCĐ"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Today already has one.
    assert!(store.daily_assessments(&who).await.unwrap().is_empty());
    app.clock.advance(chrono::Duration::days(1));
    let made = store.daily_assessments(&who).await.unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].area_id, "L105");
    assert_eq!(made[0].as_of.to_string(), "2021-06-25");
    assert_eq!(made[0].status, "proposed");
    assert!(store.daily_assessments(&who).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_fact_counts_until_it_is_ended() {
    let app = TestApp::new().await;
    let t = app.token("national").await;
    // An illegal-entry risk in Phường Quyết Thắng from 20/06/2021: "Nguy cơ" under QĐ 2686.
    let (s, v) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/areas/{QUYET_THANG}/facts"),
            &t,
            Some(json!({"kind": "illegal_entry_risk", "valid_from": "20/06/2021", "note": "đường mòn biên giới"})),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let level = async |app: &TestApp| {
        let (_, a) = app
            .api(
                Method::POST,
                "/api/v1/risk/assessments",
                &t,
                Some(json!({"area_id": "L105"})),
            )
            .await;
        let (_, v) = app
            .get(
                &format!("/api/v1/risk/assessments/{}?limit=1000", a["id"]),
                &t,
            )
            .await;
        unit(&v, QUYET_THANG)["level"].as_str().unwrap().to_owned()
    };
    assert_eq!(level(&app).await, "nguy_co");
    let (_, area) = app
        .get(&format!("/api/v1/risk/areas/{QUYET_THANG}"), &t)
        .await;
    let id = area["inputs"]["facts"][0]["id"].as_i64().unwrap();
    // Not before it started; not by someone without the permission or outside the area.
    let (s, e) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/facts/{id}/end"),
            &t,
            Some(json!({"valid_to": "19/06/2021"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert!(e.to_string().contains("valid_to"), "{e}");
    let viewer = app.token("viewer").await;
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/facts/{id}/end"),
            &viewer,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let ob = app.token("officer_b").await;
    let (s, _) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/facts/{id}/end"),
            &ob,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Ended on 23/06: on the 24th it no longer counts.
    let (s, f) = app
        .api(
            Method::POST,
            &format!("/api/v1/risk/facts/{id}/end"),
            &t,
            Some(json!({"valid_to": "2021-06-23"})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{f}");
    assert_eq!(f["valid_to"], "2021-06-23");
    assert_eq!(level(&app).await, "binh_thuong_moi");

    // The same from the unit's page: a bad date is shown with the facts, nothing changed; an
    // empty one ends the fact today.
    let session = app.login("officer_a").await;
    let page = format!("/risk/areas/{QUYET_THANG}");
    let (_, html) = app.page(&session, &page).await;
    assert!(
        html.contains(&format!("action=\"{page}/facts/{id}/end\"")),
        "{html}"
    );
    let (s, _, html) = app
        .post_form(
            &session,
            &format!("{page}/facts/{id}/end"),
            &[("valid_to", "31/02/2021")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("Chưa kết thúc được yếu tố: ngày &#34;31/02/2021&#34; không hợp lệ"),
        "{html}"
    );
    let (s, headers, _) = app
        .post_form(
            &session,
            &format!("{page}/facts/{id}/end"),
            &[("valid_to", "")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .contains("msg=fact_ended")
    );
    let (_, area) = app
        .get(&format!("/api/v1/risk/areas/{QUYET_THANG}"), &t)
        .await;
    assert_eq!(area["inputs"]["facts"][0]["valid_to"], "2021-06-24");
}
