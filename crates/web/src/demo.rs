//! The demo deployment loaded on first start: the province of Lai Châu with its real districts
//! and communes in both structures, its population figures with their sources, a few agencies
//! (named by office, not by person), one account per role with a random password, and the
//! story of May–June 2021 ([`chongdich_synth::story`]: returnees from Bắc Giang, the Than Uyên
//! and Phong Thổ outbreaks) on a synthetic population of a few thousand people, seen best with
//! `serve --today 2021-06-24`.
//!
//! [`generate`] loads a synthetic dataset of any size into any deployment
//! (`chongdich demo generate`, the benchmarks): the generator runs on its own thread and hands
//! batches to the store's bulk loader.

use crate::auth::password;
use chongdich_domain::Invalid;
use chongdich_domain::access::{Grant, Role, Scope};
use chongdich_domain::agency::{AgencyKind, MemberInput};
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::population::{ImportMode, parse_population_csv};
use chongdich_domain::user::Username;
use chongdich_store::audit::Who;
use chongdich_store::bulk::{
    BulkData, CaseEventRecord, CaseRecord, ExposureRecord, FlevelRecord, GenerationArea, LabRecord,
    NextIds, OutbreakRecord, PersonFields, PersonRecord, SampleRecord, ZoneRecord,
};
use chongdich_store::users::NewUser;
use chongdich_store::{Store, StoreError};
use chongdich_synth::story;
use chongdich_synth::world::{self, FirstIds, Place, ProvinceSpec, WardSpec, World, WorldSpec};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::collections::HashMap;
use std::time::Instant;

/// Lai Châu's GSO code (unchanged by the 2025 reform).
pub const PROVINCE: &str = "12";

const PROVINCES_2019: &str =
    include_str!("../../../data/admin-units/population/provinces-legacy-census-2019.csv");
const DISTRICTS_2019: &str =
    include_str!("../../../data/admin-units/population/districts-laichau-langson-census-2019.csv");

/// An account created for the demo, with its password (shown once).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role: Role,
    pub area: String,
    pub password: String,
}

/// Loads the demo unless it is already there. Returns the accounts created (empty if none).
pub async fn load(store: &Store) -> Result<Vec<DemoAccount>, StoreError> {
    if store.setting("demo_loaded").await?.is_some() {
        return Ok(vec![]);
    }
    let units = chongdich_store::units::embedded()?;
    store.import_units(&units.data(), Some(&[PROVINCE])).await?;
    let who = Who::console();
    let everywhere = Scope::everywhere();

    // Population: the 2019 census for the province and for the districts it gives separately.
    // Lai Châu's borders did not change on 01/07/2025, so the census figure holds for N12 too.
    let mut legacy = parse_population_csv(PROVINCES_2019)?;
    legacy.rows.retain(|r| r.code.as_str() == PROVINCE);
    let districts = parse_population_csv(DISTRICTS_2019)?;
    // The file holds Lạng Sơn's districts too: keep those whose parent is Lai Châu.
    let lai_chau_district = |code: &str| {
        units.legacy.iter().any(|u| {
            u.code.as_str() == code
                && u.parent_code
                    .as_ref()
                    .is_some_and(|p| p.as_str() == PROVINCE)
        })
    };
    legacy.rows.extend(
        districts
            .rows
            .into_iter()
            .filter(|r| lai_chau_district(r.code.as_str())),
    );
    let mut current = legacy.clone();
    current.rows.retain(|r| r.code.as_str() == PROVINCE);
    for r in &mut current.rows {
        r.figure.source = format!(
            "{} — ranh giới tỉnh không đổi sau 01/07/2025",
            r.figure.source
        );
    }
    store
        .import_population(
            &everywhere,
            &who,
            Structure::Legacy,
            legacy,
            ImportMode::AllOrNothing,
        )
        .await?;
    store
        .import_population(
            &everywhere,
            &who,
            Structure::Current,
            current,
            ImportMode::AllOrNothing,
        )
        .await?;

    let province = AreaId::parse(&format!("N{PROVINCE}"))?;
    let committee = store
        .create_agency(
            &everywhere,
            &who,
            &province,
            "Ban Chỉ đạo phòng, chống dịch COVID-19 tỉnh Lai Châu",
            AgencyKind::SteeringCommittee,
        )
        .await?;
    for (holder, position) in [
        ("Chủ tịch UBND tỉnh", "Trưởng ban"),
        ("Giám đốc Sở Y tế", "Phó Trưởng ban thường trực"),
        ("Giám đốc Công an tỉnh", "Phó Trưởng ban"),
        ("Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh", "Phó Trưởng ban"),
        ("Giám đốc Sở Thông tin và Truyền thông", "Thành viên"),
    ] {
        store
            .add_member(
                &everywhere,
                &who,
                committee.agency.id,
                &MemberInput::parse(holder, position, "")?,
            )
            .await?;
    }
    for (name, kind) in [
        (
            "Ủy ban nhân dân tỉnh Lai Châu",
            AgencyKind::PeoplesCommittee,
        ),
        ("Sở Y tế tỉnh Lai Châu", AgencyKind::Department),
        (
            "Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu",
            AgencyKind::HealthFacility,
        ),
        (
            "Sở Giáo dục và Đào tạo tỉnh Lai Châu",
            AgencyKind::Department,
        ),
        ("Công an tỉnh Lai Châu", AgencyKind::Sector),
    ] {
        store
            .create_agency(&everywhere, &who, &province, name, kind)
            .await?;
    }

    // One account per role. The commune health worker gets one ward (the first in order).
    let first_ward = store
        .children(&everywhere, &province, 1, 0)
        .await?
        .items
        .into_iter()
        .next()
        .map(|a| a.id)
        .unwrap_or_else(|| province.to_string());
    let plan = [
        (
            "quantri",
            "Quản trị hệ thống (demo)",
            Role::Administrator,
            province.to_string(),
        ),
        (
            "bancd",
            "Văn phòng Ban Chỉ đạo (demo)",
            Role::SteeringCommittee,
            province.to_string(),
        ),
        (
            "yte",
            "Cán bộ Sở Y tế (demo)",
            Role::HealthOfficer,
            province.to_string(),
        ),
        (
            "tramyte",
            "Trạm Y tế xã (demo)",
            Role::CommuneHealthWorker,
            first_ward,
        ),
        (
            "chot",
            "Chốt kiểm soát (demo)",
            Role::CheckpointOfficer,
            province.to_string(),
        ),
        (
            "cachly",
            "Cơ sở cách ly (demo)",
            Role::QuarantineManager,
            province.to_string(),
        ),
        (
            "tiemchung",
            "Điểm tiêm chủng (demo)",
            Role::VaccinationSite,
            province.to_string(),
        ),
        (
            "xem",
            "Người xem (demo)",
            Role::Viewer,
            province.to_string(),
        ),
    ];
    let mut accounts = Vec::new();
    for (username, display, role, area) in plan {
        let pw = password::generate();
        let hash = password::hash(&pw).map_err(StoreError::Internal)?;
        store
            .create_user(
                &everywhere,
                &who,
                NewUser {
                    username: Username::parse(username)?,
                    display_name: display.to_owned(),
                    password_hash: hash,
                    grants: vec![Grant {
                        role,
                        area_id: AreaId::parse(&area)?,
                    }],
                },
            )
            .await?;
        accounts.push(DemoAccount {
            username: username.to_owned(),
            role,
            area,
            password: pw,
        });
    }
    load_story(store).await?;
    load_risk(store).await?;
    load_directives(store).await?;
    load_oversight(store).await?;
    load_quarantine(store).await?;
    store.set_setting("demo_loaded", "1").await?;
    Ok(accounts)
}

/// Quarantine as of 24/06/2021: a bus of returnees from Bắc Giang received by Phường Quyết
/// Thắng on 18/06 under the province's decision (home quarantine 14 days, tests on days 1, 7
/// and 14, then 14 days of monitoring: CĐ 600 has no national rule for returnees), some of them
/// checked in; a centralized facility with two rooms and two F1 admitted with their orders.
pub async fn load_quarantine(store: &Store) -> Result<(), StoreError> {
    use chongdich_domain::facility::{AdmissionDraft, FacilityDraft, room_lines};
    use chongdich_domain::person::PersonDraft;
    use chongdich_domain::quarantine::order::{CheckinDraft, FallbackDraft, OrderDraft};
    use chongdich_domain::returnee::{BatchDraft, ReturneeDraft};
    let everywhere = Scope::everywhere();
    let who = Who::console();
    let today = story::today();
    // Phường Quyết Thắng, Thành phố Lai Châu (legacy code 03386).
    let ward = "L03386";
    let batch = BatchDraft {
        area_id: ward.into(),
        origin: "Huyện Việt Yên, tỉnh Bắc Giang".into(),
        origin_level: "vùng có dịch (giãn cách theo Chỉ thị 16)".into(),
        transport: "xe khách 29B-123.45".into(),
        arrived_on: "18/06/2021".into(),
        source: "checkpoint".into(),
        ..BatchDraft::default()
    }
    .parse(today)?;
    let fallback = FallbackDraft {
        fallback_kind: "home".into(),
        fallback_days: "14".into(),
        fallback_test_days: "1, 7, 14".into(),
        fallback_monitoring_days: "14".into(),
        fallback_basis: "Kế hoạch đón công dân tỉnh Lai Châu từ Bắc Giang trở về (6/2021)".into(),
    }
    .parse()?;
    let row = store
        .create_batch(&everywhere, &who, &batch, fallback.as_ref())
        .await?;
    let people = [
        ("Hoàng Văn Dũng", "1995", "male", "0912345001", "Tổ 3"),
        ("Lò Thị Mai", "1998", "female", "0912345002", "Tổ 5"),
        ("Vàng A Sình", "1992", "male", "0912345003", "Tổ 7"),
        ("Tẩn Thị Lả", "2000", "female", "", "Tổ 2"),
        ("Nguyễn Đức Huy", "1990", "male", "0912345005", "Tổ 9"),
    ];
    let mut orders = Vec::new();
    for (name, birth, sex, phone, street) in people {
        let r = ReturneeDraft {
            person: PersonDraft {
                full_name: name.into(),
                birth_date: birth.into(),
                sex: sex.into(),
                phone: phone.into(),
                street: street.into(),
                ..PersonDraft::default()
            },
            subject: "returnee".into(),
            ..ReturneeDraft::default()
        }
        .parse(&batch, today)?;
        orders.push(
            store
                .register_returnee(&everywhere, &who, row.id, &r)
                .await?,
        );
    }
    // Check-ins: the first three declared every day up to yesterday, the fourth stopped on the
    // 21st, the fifth never did.
    for (i, o) in orders.iter().enumerate() {
        let last = match i {
            0..=2 => today - chrono::Duration::days(1),
            3 => NaiveDate::from_ymd_opt(2021, 6, 21).unwrap_or(today),
            _ => continue,
        };
        let mut d = NaiveDate::from_ymd_opt(2021, 6, 18).unwrap_or(today);
        while d <= last {
            let input = CheckinDraft {
                on_date: d.format("%d/%m/%Y").to_string(),
                temperature: if i == 2 && d == last { "37,8" } else { "36,6" }.into(),
                symptoms: if i == 2 && d == last { "Ho" } else { "" }.into(),
                note: String::new(),
            }
            .parse(today)?;
            store
                .add_checkin(&everywhere, &who, o.order_id, &input)
                .await?;
            d += chrono::Duration::days(1);
        }
    }
    // A centralized facility with two F1 of the Than Uyên outbreak.
    let facility = store
        .create_facility(
            &everywhere,
            &who,
            &FacilityDraft {
                area_id: ward.into(),
                name: "Khu cách ly tập trung Trường Cao đẳng Cộng đồng Lai Châu".into(),
                kind: "centralized".into(),
                operator: "Bộ Chỉ huy Quân sự tỉnh".into(),
                address: "Phường Quyết Thắng".into(),
                phone: String::new(),
                beds: String::new(),
                rooms: room_lines("P101: 4\nP102: 4\nP103: 6"),
            }
            .parse()?,
        )
        .await?;
    let view = store.facility(&everywhere, &who, facility.id).await?;
    let room = view.rooms.first().map(|r| r.room.id).unwrap_or_default();
    for (name, birth) in [("Lường Văn Thắng", "1987"), ("Lường Thị Hoa", "1989")] {
        let person = chongdich_domain::person::PersonDraft {
            full_name: name.into(),
            birth_date: birth.into(),
            area_id: ward.into(),
            street: "Tổ 11".into(),
            ..PersonDraft::default()
        }
        .parse(today)?;
        let id = match store
            .create_person(&everywhere, &who, &person, true)
            .await?
        {
            chongdich_store::persons::Created::New(p) => p.id,
            chongdich_store::persons::Created::Candidates(_) => continue,
        };
        let order = OrderDraft {
            subject: "f1".into(),
            start: "15/06/2021".into(),
            ..OrderDraft::default()
        }
        .parse(today)?;
        store.create_order(&everywhere, &who, id, &order).await?;
        store
            .admit(
                &everywhere,
                &everywhere,
                &who,
                facility.id,
                &AdmissionDraft {
                    person_id: id.to_string(),
                    room_id: room.to_string(),
                    risk_group: "f1".into(),
                    cohort_date: "15/06/2021".into(),
                    admitted_on: "15/06/2021".into(),
                }
                .parse(today)?,
            )
            .await?;
    }
    Ok(())
}

/// The province's directives of May and June 2021 (data/directives/000 and 001) in the
/// registry, their items given as tasks to the agencies they name (registered on the way),
/// the health officer a member of Sở Y tế, and one progress report.
pub async fn load_directives(store: &Store) -> Result<(), StoreError> {
    use chongdich_domain::directive::parse::parse;
    use chongdich_domain::task::{NamedAgency, TaskInput, TaskStatus};
    use chongdich_store::documents::{DocumentTask, NewDocument};
    use chongdich_store::tasks::{NewReport, TaskFilter};
    let everywhere = Scope::everywhere();
    let who = Who::console();
    let province = AreaId::parse(&format!("N{PROVINCE}"))?;
    for text in [
        include_str!("../../../data/directives/001_59aeeaa545908d1b.txt"),
        include_str!("../../../data/directives/000_b7a427223fb6cfea.txt"),
    ] {
        let parsed = parse(text);
        let names = |v: &[String]| -> Vec<NamedAgency> {
            v.iter()
                .map(|n| NamedAgency {
                    agency_id: None,
                    name: n.clone(),
                })
                .collect()
        };
        let tasks = parsed
            .flat_items()
            .into_iter()
            .filter(|i| !i.lead.is_empty())
            .map(|i| DocumentTask {
                path: i.path.clone(),
                input: TaskInput {
                    title: i.text.clone(),
                    deadline: i.deadline,
                    lead: names(&i.lead),
                    support: names(&i.support),
                },
            })
            .collect();
        store
            .register_document(
                &everywhere,
                &who,
                NewDocument {
                    area: province.clone(),
                    fields: parsed,
                    body: text.to_owned(),
                    tasks,
                    create_missing_agencies: true,
                },
            )
            .await?;
    }
    // The health officer answers for Sở Y tế's tasks.
    let health = store
        .agencies(&everywhere, Some(&province), 200, 0)
        .await?
        .items
        .into_iter()
        .find(|a| a.name == "Sở Y tế tỉnh Lai Châu");
    if let Some(health) = health {
        store
            .add_member(
                &everywhere,
                &who,
                health.id,
                &MemberInput::parse("Cán bộ Sở Y tế (demo)", "Chuyên viên phòng Nghiệp vụ Y", "")?
                    .with_account("yte")?,
            )
            .await?;
        let first = store
            .tasks(
                &everywhere,
                &TaskFilter {
                    agency_id: Some(health.id),
                    ..TaskFilter::default()
                },
                50,
                0,
            )
            .await?
            .items
            .into_iter()
            .find(|t| {
                t.agencies
                    .iter()
                    .any(|a| a.role == "lead" && a.agency_id == Some(health.id))
            });
        if let Some(t) = first {
            store
                .report_task(
                    &everywhere,
                    &who,
                    t.task.id,
                    NewReport {
                        body: "Đã triển khai tới các Trung tâm Y tế huyện; đang tổng hợp kết quả."
                            .into(),
                        progress: Some(50),
                        status: Some(TaskStatus::InProgress),
                        attachments: Vec::new(),
                    },
                )
                .await?;
        }
    }
    Ok(())
}

/// The committee's follow-up as of 24/06/2021: the province inspected Than Uyên's home
/// quarantine of the returnees on 22/06 and required a correction due the next day (a task,
/// overdue on the 24th), Phong Thổ owes the list of the Mường So wedding's guests since 20/06,
/// and the hotline took three calls: a suspect in Than Uyên (urgent, assigned to the commune),
/// an unannounced return from Bắc Giang in Phường Quyết Thắng, masks sold at three times the
/// price in Phong Thổ.
pub async fn load_oversight(store: &Store) -> Result<(), StoreError> {
    use chongdich_domain::hotline::{AssignDraft, Channel, ReportDraft, ReportInput, TriageDraft};
    use chongdich_domain::inspection::{FindingDraft, PlanDraft, RecordDraft};
    use chongdich_domain::task::{NamedAgency, TaskInput, TaskSource};
    use chongdich_store::tasks::NewTask;
    let everywhere = Scope::everywhere();
    let who = Who::console();
    let today = story::today();
    let agencies = store
        .agencies(
            &everywhere,
            Some(&AreaId::parse(&format!("N{PROVINCE}"))?),
            200,
            0,
        )
        .await?
        .items;
    let health = agencies
        .iter()
        .find(|a| a.name == "Sở Y tế tỉnh Lai Châu")
        .map(|a| a.id.to_string())
        .unwrap_or_default();

    let plan = PlanDraft {
        by_area_id: story::PROVINCE_AREA.into(),
        area_id: story::THAN_UYEN.into(),
        title: "Kiểm tra công tác cách ly y tế tại nhà công dân về từ Bắc Giang".into(),
        scope_text: "Việc lập danh sách, dán thông báo tại nhà, theo dõi sức khỏe hằng ngày và \
                     xét nghiệm ngày thứ 7, 14 của công dân về từ Bắc Giang."
            .into(),
        planned_on: "22/06/2021".into(),
        lead_agency_id: health,
        team: "Sở Y tế (trưởng đoàn), CDC tỉnh, Công an tỉnh".into(),
    }
    .parse()?;
    let inspection = store.plan_inspection(&everywhere, &who, &plan).await?;
    let record = RecordDraft {
        done_on: "22/06/2021".into(),
        record: "Đoàn làm việc với Ban Chỉ đạo huyện Than Uyên, kiểm tra thực tế tại thị trấn \
                 Than Uyên và xã Mường Than: 212 công dân đang cách ly tại nhà, danh sách đầy đủ."
            .into(),
    }
    .parse(today)?;
    store
        .record_inspection(&everywhere, &who, inspection.id, &record)
        .await?;
    for finding in [
        FindingDraft {
            kind: "violation".into(),
            subject: "Xã Mường Than".into(),
            text: "9 hộ có người cách ly tại nhà chưa dán thông báo; 2 người không khai báo y tế \
                   hằng ngày."
                .into(),
            decision: "Nhắc nhở, yêu cầu khắc phục ngay".into(),
            ..FindingDraft::default()
        },
        FindingDraft {
            kind: "correction".into(),
            text: "Dán thông báo cách ly tại nhà cho đủ 9 hộ và báo cáo kết quả về Sở Y tế.".into(),
            deadline: "23/06/2021".into(),
            agency_name: "UBND huyện Than Uyên".into(),
            ..FindingDraft::default()
        },
    ] {
        let f = finding.parse(record.done_on)?;
        store
            .add_finding(&everywhere, &who, inspection.id, &f)
            .await?;
    }

    store
        .create_task(
            &everywhere,
            &who,
            &NewTask {
                area: AreaId::parse(story::PHONG_THO)?,
                input: TaskInput {
                    title: "Rà soát, lập danh sách toàn bộ khách dự đám cưới tại xã Mường So ngày \
                            14/6/2021, báo cáo Ban Chỉ đạo tỉnh."
                        .into(),
                    deadline: NaiveDate::from_ymd_opt(2021, 6, 20),
                    lead: vec![NamedAgency {
                        agency_id: None,
                        name: "UBND huyện Phong Thổ".into(),
                    }],
                    support: vec![NamedAgency {
                        agency_id: None,
                        name: "Trung tâm Y tế huyện Phong Thổ".into(),
                    }],
                },
                source: TaskSource::Manual,
                document_id: None,
                item_path: None,
            },
        )
        .await?;

    let calls = [
        ReportDraft {
            kind: "suspect".into(),
            area_id: story::TT_THAN_UYEN.into(),
            reporter_name: "Lò Văn Hùng".into(),
            reporter_phone: "0912345678".into(),
            subject_name: "Hàng xóm tổ 3".into(),
            place_detail: "Tổ 3, thị trấn Than Uyên".into(),
            description: "Người hàng xóm sốt cao, ho ba ngày nay, hôm 15/6 có đi chợ Than Uyên."
                .into(),
            ..ReportDraft::default()
        },
        ReportDraft {
            kind: "epidemic_arrival".into(),
            area_id: "L03386".into(),
            reporter_name: "Tổ trưởng tổ dân phố số 5".into(),
            reporter_phone: "0987654321".into(),
            subject_name: "Con trai ông Tòng Văn Sơn".into(),
            place_detail: "Tổ 5, phường Quyết Thắng".into(),
            description: "Vừa từ Việt Yên, Bắc Giang về tối 23/6 bằng xe máy, chưa khai báo y tế."
                .into(),
            ..ReportDraft::default()
        },
        ReportDraft {
            kind: "price_gouging".into(),
            area_id: story::TT_PHONG_THO.into(),
            place_detail: "Hiệu thuốc gần chợ trung tâm thị trấn Phong Thổ".into(),
            description: "Bán khẩu trang y tế 150.000 đồng một hộp, gấp ba giá thường.".into(),
            ..ReportDraft::default()
        },
    ];
    let mut ids = Vec::new();
    for call in &calls {
        let input = ReportInput::parse(call, Channel::Phone)?;
        ids.push(
            store
                .submit_report(&who, &input, None, Some(&everywhere))
                .await?
                .id,
        );
    }
    // The suspect is triaged urgent and sent to the commune's health station.
    store
        .triage_report(
            &everywhere,
            &who,
            ids[0],
            &TriageDraft {
                kind: "suspect".into(),
                priority: "urgent".into(),
                ..TriageDraft::default()
            },
        )
        .await?;
    store
        .assign_report(
            &everywhere,
            &who,
            ids[0],
            &AssignDraft {
                area_id: story::TT_THAN_UYEN.into(),
                agency_id: String::new(),
            },
        )
        .await?;
    Ok(())
}

/// Risk levels for the story's day: estimated ward populations (labelled as estimates),
/// neighbours estimated from the wards' centroids, and an assessment under the rules in force,
/// approved, so that the public page has a map from the first start.
pub async fn load_risk(store: &Store) -> Result<(), StoreError> {
    let who = Who::console();
    let everywhere = Scope::everywhere();
    let today = story::today();
    let units = chongdich_store::units::embedded()?;
    let districts = parse_population_csv(DISTRICTS_2019)?;
    let mut estimates = Vec::new();
    // The file holds Lạng Sơn's districts too: only Lai Châu's are loaded.
    let in_province = |code: &chongdich_domain::area::UnitCode| {
        units.legacy.iter().any(|u| {
            &u.code == code
                && u.parent_code
                    .as_ref()
                    .is_some_and(|p| p.as_str() == PROVINCE)
        })
    };
    for d in districts.rows.iter().filter(|d| in_province(&d.code)) {
        let wards: Vec<_> = units
            .legacy
            .iter()
            .filter(|u| u.parent_code.as_ref() == Some(&d.code))
            .collect();
        if wards.is_empty() {
            continue;
        }
        let each = d.figure.population / wards.len() as i64;
        for w in wards {
            estimates.push((AreaId::official(Structure::Legacy, &w.code), each));
        }
    }
    store
        .set_population_estimates(
            &who,
            &estimates,
            2019,
            "Ước tính cho dữ liệu mẫu: dân số huyện (Tổng điều tra 2019) chia đều cho các xã",
        )
        .await?;
    let root = AreaId::parse(&format!("L{PROVINCE}"))?;
    store
        .estimate_neighbours(&everywhere, &who, &root, today)
        .await?;
    let a = store
        .assess_risk(&everywhere, &who, &root, today, None)
        .await?;
    store
        .approve_assessment(&everywhere, &who, a.id, "01/QĐ-BCĐ (dữ liệu mẫu)", &[])
        .await?;
    Ok(())
}

/// The seed and size of the demo's population.
const STORY_SEED: u64 = 20_210_624;
const STORY_PEOPLE: u64 = 3_000;

/// The story of May–June 2021 in Lai Châu (legacy structure), on a population of
/// [`STORY_PEOPLE`] people. Deterministic: the same records on every machine.
pub async fn load_story(store: &Store) -> Result<GenerateReport, StoreError> {
    let started = Instant::now();
    let today = story::today();
    let areas = store
        .generation_areas(Some(&[PROVINCE.to_owned()]), today)
        .await?;
    let (provinces, wards) = world_parts(&areas);
    let next = store.bulk_first_ids().await?;
    let rules = store.disease_by_code("covid19").await?;
    let world = World::new(WorldSpec {
        seed: STORY_SEED,
        people: STORY_PEOPLE,
        cases: 0,
        today,
        now: store.clock().now(),
        provinces,
        wards,
        first: first_ids(next),
        rules: rules.rule_sets.clone(),
        chunk: 5_000,
    })
    .map_err(|e| Invalid::field("demo", e.to_string()))?;
    let told = story::lai_chau_2021(&world).map_err(|e| Invalid::field("demo", e.to_string()))?;
    let mapper = Mapper {
        disease_id: rules.disease.id,
        now: store.clock().now(),
    };
    let mut report = GenerateReport::default();
    for chunk in world.people() {
        let data = BulkData {
            persons: chunk.into_iter().map(person_record).collect(),
            ..BulkData::default()
        };
        report.add(&data);
        store.bulk_insert(&data).await?;
    }
    let mut data = mapper.batch(told.batch);
    data.labs = told.labs.into_iter().map(|l| mapper.lab(l)).collect();
    data.flevels = told.flevels.into_iter().map(|f| mapper.flevel(f)).collect();
    report.add(&data);
    store.bulk_insert(&data).await?;
    report.seconds = started.elapsed().as_secs_f64();
    store
        .bulk_finish(
            &Who::console(),
            Some("L12"),
            &format!(
                "Dữ liệu mẫu Lai Châu 05–06/2021 (mô phỏng, seed {STORY_SEED}): {}",
                report.summary()
            ),
        )
        .await?;
    Ok(report)
}

/// What to generate with [`generate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    pub seed: u64,
    /// GSO codes of the provinces whose wards people live in; `None`: every loaded province.
    pub provinces: Option<Vec<String>>,
    pub people: u64,
    pub cases: u64,
    /// The dataset's "today" (the units in force then are used; F-levels are as of it).
    pub today: NaiveDate,
    /// People per batch (cases per batch are a quarter of it).
    pub chunk: usize,
}

/// What a generation loaded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerateReport {
    pub people: u64,
    pub labs: u64,
    pub outbreaks: u64,
    pub zones: u64,
    pub cases: u64,
    pub case_events: u64,
    pub exposures: u64,
    pub samples: u64,
    pub flevels: u64,
    /// The outbreak of exactly 1,000 cases (datasets of 10,000 cases or more).
    pub big_outbreak_id: Option<i64>,
    pub seconds: f64,
}

impl GenerateReport {
    fn add(&mut self, d: &BulkData) {
        let n = |v: usize| v as u64;
        self.people += n(d.persons.len());
        self.labs += n(d.labs.len());
        self.outbreaks += n(d.outbreaks.len());
        self.zones += n(d.zones.len());
        self.cases += n(d.cases.len());
        self.case_events += n(d.events.len());
        self.exposures += n(d.exposures.len());
        self.samples += n(d.samples.len());
        self.flevels += n(d.flevels.len());
    }

    fn merge(&mut self, d: &GenerateReport) {
        self.people += d.people;
        self.labs += d.labs;
        self.outbreaks += d.outbreaks;
        self.zones += d.zones;
        self.cases += d.cases;
        self.case_events += d.case_events;
        self.exposures += d.exposures;
        self.samples += d.samples;
        self.flevels += d.flevels;
    }

    /// Every row loaded.
    pub fn rows(&self) -> u64 {
        self.people
            + self.labs
            + self.outbreaks
            + self.zones
            + self.cases
            + self.case_events
            + self.exposures
            + self.samples
            + self.flevels
    }

    /// The counts, in Vietnamese.
    pub fn summary(&self) -> String {
        format!(
            "{} người, {} ca bệnh, {} ổ dịch, {} vùng phong tỏa/cách ly, {} tiếp xúc, {} mẫu xét nghiệm, {} phòng xét nghiệm, {} người F1–F5",
            self.people,
            self.cases,
            self.outbreaks,
            self.zones,
            self.exposures,
            self.samples,
            self.labs,
            self.flevels
        )
    }
}

/// Generates a dataset into the store: people in the wards in force on `today` of the chosen
/// provinces (which must be loaded), then outbreaks with their cases, contacts and tests, then
/// the F-levels. `progress` is called after every batch with the counts so far. One audit entry
/// is written at the end.
pub async fn generate(
    store: &Store,
    opts: &GenerateOptions,
    mut progress: impl FnMut(&GenerateReport),
) -> Result<GenerateReport, StoreError> {
    let started = Instant::now();
    let areas = store
        .generation_areas(opts.provinces.as_deref(), opts.today)
        .await?;
    let (provinces, wards) = world_parts(&areas);
    if wards.is_empty() {
        return Err(Invalid::field(
            "province",
            "chưa có đơn vị hành chính nào của tỉnh này còn hiệu lực vào ngày đã chọn (chạy `chongdich units import --province …` trước)",
        )
        .into());
    }
    store.bulk_start(opts.people).await?;
    let next = store.bulk_first_ids().await?;
    let rules = store.disease_by_code("covid19").await?;
    let world = World::new(WorldSpec {
        seed: opts.seed,
        people: opts.people,
        cases: opts.cases,
        today: opts.today,
        now: store.clock().now(),
        provinces: provinces.clone(),
        wards,
        first: first_ids(next),
        rules: rules.rule_sets.clone(),
        chunk: opts.chunk,
    })
    .map_err(|e| Invalid::field("people", e.to_string()))?;
    let mapper = Mapper {
        disease_id: rules.disease.id,
        now: store.clock().now(),
    };
    // Phases: people, labs, outbreaks, F-levels. Batches of one phase are independent and go
    // to the database in parallel on PostgreSQL (COPY is bound by one backend's CPU); a phase
    // starts once the one it refers to is committed.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(u8, BulkData)>(4);
    let producer = tokio::task::spawn_blocking(move || {
        for chunk in world.people() {
            let data = BulkData {
                persons: chunk.into_iter().map(person_record).collect(),
                ..BulkData::default()
            };
            if tx.blocking_send((0, data)).is_err() {
                return;
            }
        }
        let labs = BulkData {
            labs: world.labs().into_iter().map(|l| mapper.lab(l)).collect(),
            ..BulkData::default()
        };
        if tx.blocking_send((1, labs)).is_err() {
            return;
        }
        let mut epidemic = world.epidemic();
        for batch in epidemic.by_ref() {
            if tx.blocking_send((2, mapper.batch(batch))).is_err() {
                return;
            }
        }
        let levels = epidemic.flevels();
        for chunk in levels.chunks(50_000) {
            let data = BulkData {
                flevels: chunk.iter().cloned().map(|f| mapper.flevel(f)).collect(),
                ..BulkData::default()
            };
            if tx.blocking_send((3, data)).is_err() {
                return;
            }
        }
    });
    let mut report = GenerateReport {
        big_outbreak_id: (opts.cases >= 10_000).then_some(next.outbreak),
        ..GenerateReport::default()
    };
    let writers = match store.engine() {
        chongdich_store::Engine::Postgres => 2,
        chongdich_store::Engine::Sqlite => 1,
    };
    let mut inflight: tokio::task::JoinSet<Result<GenerateReport, StoreError>> =
        tokio::task::JoinSet::new();
    let mut phase = 0u8;
    let mut done = |r: Result<Result<GenerateReport, StoreError>, tokio::task::JoinError>,
                    report: &mut GenerateReport|
     -> Result<(), StoreError> {
        let d = r.map_err(|e| StoreError::Internal(format!("a writer stopped: {e}")))??;
        report.merge(&d);
        report.seconds = started.elapsed().as_secs_f64();
        progress(report);
        Ok(())
    };
    while let Some((p, data)) = rx.recv().await {
        while (p != phase && !inflight.is_empty()) || inflight.len() >= writers {
            if let Some(r) = inflight.join_next().await {
                done(r, &mut report)?;
            }
        }
        phase = p;
        let store = store.clone();
        inflight.spawn(async move {
            let mut d = GenerateReport::default();
            d.add(&data);
            store.bulk_insert(&data).await?;
            Ok(d)
        });
    }
    while let Some(r) = inflight.join_next().await {
        done(r, &mut report)?;
    }
    producer
        .await
        .map_err(|e| StoreError::Internal(format!("the generator stopped: {e}")))?;
    let area = match (opts.provinces.as_deref(), provinces.as_slice()) {
        (Some([_]), [p]) => Some(p.area_id.clone()),
        _ => None,
    };
    store
        .bulk_finish(
            &Who::console(),
            area.as_deref(),
            &format!(
                "chongdich demo generate --seed {} --people {} --cases {} --today {}: {}",
                opts.seed,
                opts.people,
                opts.cases,
                opts.today,
                report.summary()
            ),
        )
        .await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn first_ids(n: NextIds) -> FirstIds {
    FirstIds {
        person: n.person,
        outbreak: n.outbreak,
        zone: n.zone,
        case: n.case,
        case_event: n.case_event,
        exposure: n.exposure,
        sample: n.sample,
        lab: n.lab,
    }
}

/// The provinces and wards of the generator from the areas in force. A ward weighs its own
/// population when known, else an equal share of its district's (or province's), a phường or
/// thị trấn twice a xã's.
fn world_parts(areas: &[GenerationArea]) -> (Vec<ProvinceSpec>, Vec<WardSpec>) {
    let by_id: HashMap<&str, &GenerationArea> = areas.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut wards_under: HashMap<&str, u64> = HashMap::new();
    for a in areas.iter().filter(|a| a.level == "ward") {
        if let Some(p) = &a.parent_id {
            *wards_under.entry(p.as_str()).or_default() += 1;
            if let Some(gp) = by_id.get(p.as_str()).and_then(|d| d.parent_id.as_deref())
                && by_id.get(gp).is_some_and(|g| g.level == "province")
            {
                *wards_under.entry(gp).or_default() += 1;
            }
        }
    }
    let share = |id: &str| -> Option<u64> {
        let a = by_id.get(id)?;
        let pop = u64::try_from(a.population?).ok()?;
        Some(pop / wards_under.get(id).copied().unwrap_or(1).max(1))
    };
    let mut wards = Vec::new();
    let mut district_weight: HashMap<&str, u64> = HashMap::new();
    for a in areas.iter().filter(|a| a.level == "ward") {
        let urban = matches!(a.kind.as_str(), "Phường" | "Thị trấn");
        let parent = a.parent_id.as_deref().unwrap_or("");
        let grandparent = by_id
            .get(parent)
            .and_then(|p| p.parent_id.as_deref())
            .unwrap_or("");
        let weight = match a.population.and_then(|p| u64::try_from(p).ok()) {
            Some(p) => p,
            None => share(parent)
                .or_else(|| share(grandparent))
                .unwrap_or(5_000)
                .saturating_mul(if urban { 2 } else { 1 }),
        }
        .max(1);
        *district_weight.entry(parent).or_default() += weight;
        let Some(province_code) = a.province_code.clone() else {
            continue;
        };
        wards.push(WardSpec {
            area_id: a.id.clone(),
            name: a.name.clone(),
            province_code,
            urban,
            weight,
        });
    }
    let mut provinces = Vec::new();
    for p in areas.iter().filter(|a| a.level == "province") {
        let mut sites: Vec<(&GenerationArea, u64)> = areas
            .iter()
            .filter(|d| d.level == "district" && d.parent_id.as_deref() == Some(p.id.as_str()))
            .map(|d| (d, district_weight.get(d.id.as_str()).copied().unwrap_or(0)))
            .collect();
        if sites.is_empty() {
            sites = wards
                .iter()
                .filter(|w| {
                    by_id
                        .get(w.area_id.as_str())
                        .and_then(|a| a.parent_id.as_deref())
                        == Some(p.id.as_str())
                })
                .filter_map(|w| by_id.get(w.area_id.as_str()).map(|a| (*a, w.weight)))
                .collect();
        }
        sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.id.cmp(&b.0.id)));
        provinces.push(ProvinceSpec {
            code: p
                .province_code
                .clone()
                .or(p.code.clone())
                .unwrap_or_default(),
            area_id: p.id.clone(),
            name: p.name.clone(),
            lab_sites: sites
                .into_iter()
                .take(2)
                .map(|(a, _)| Place {
                    area_id: a.id.clone(),
                    name: a.name.clone(),
                })
                .collect(),
        });
    }
    (provinces, wards)
}

fn person_record(p: world::Person) -> PersonRecord {
    PersonRecord::new(PersonFields {
        id: p.id,
        province_code: Some(p.province_code),
        area_id: p.area_id,
        street: p.street,
        full_name: p.full_name,
        id_kind: p.cccd.as_ref().map(|_| "cccd"),
        id_number: p.cccd,
        birth_date: Some(p.birth_date),
        birth_year: Some(p.birth_date.year()),
        sex: Some(p.sex),
        phone: p.phone,
        nationality: "VN".into(),
        occupation: p.occupation,
        workplace: p.workplace,
        created_at: p.created_at,
    })
}

/// Generated records to the store's rows.
#[derive(Debug, Clone, Copy)]
struct Mapper {
    disease_id: i64,
    now: DateTime<Utc>,
}

const BY: &str = "synthetic";

impl Mapper {
    fn lab(&self, l: world::Lab) -> LabRecord {
        LabRecord {
            id: l.id,
            province_code: Some(l.province_code),
            area_id: l.area_id,
            name: l.name,
            capacity_per_day: l.capacity_per_day,
            created_at: self.now,
        }
    }

    fn flevel(&self, f: world::Flevel) -> FlevelRecord {
        FlevelRecord {
            person_id: f.person_id,
            disease_id: self.disease_id,
            level: f.level,
            via_person_id: f.via_person_id,
            root_person_id: f.root_person_id,
            exposure_id: f.exposure_id,
            exposed_on: f.exposed_on,
            province_code: Some(f.province_code),
            area_id: f.area_id,
            updated_at: self.now,
        }
    }

    fn batch(&self, b: world::Batch) -> BulkData {
        let disease_id = self.disease_id;
        BulkData {
            outbreaks: b
                .outbreaks
                .into_iter()
                .map(|o| OutbreakRecord {
                    id: o.id,
                    province_code: Some(o.province_code),
                    disease_id,
                    area_id: o.area_id,
                    name: o.name,
                    place: o.place,
                    setting: o.setting,
                    started_on: o.started_on,
                    ended_on: o.ended_on,
                    created_at: o.created_at,
                })
                .collect(),
            zones: b
                .zones
                .into_iter()
                .map(|z| ZoneRecord {
                    id: z.id,
                    outbreak_id: z.outbreak_id,
                    area_id: z.area_id,
                    kind: z.kind,
                    description: z.description,
                    starts_on: z.starts_on,
                    ends_on: z.ends_on,
                    created_at: z.created_at,
                })
                .collect(),
            cases: b
                .cases
                .into_iter()
                .map(|c| CaseRecord {
                    id: c.id,
                    province_code: Some(c.province_code),
                    area_id: c.area_id,
                    person_id: c.person_id,
                    disease_id,
                    case_code: Some(c.case_code),
                    classification: c.classification,
                    onset_date: c.onset,
                    sample_date: c.sample,
                    confirmed_date: c.confirmed,
                    isolated_on: c.isolated,
                    curve_date: c.curve_date,
                    found_in: c.found_in,
                    source_known: c.source_known,
                    setting: c.setting,
                    treatment_place: c.treatment_place,
                    outcome: c.outcome,
                    outcome_date: c.outcome_date,
                    illegal_entry: c.illegal_entry,
                    outbreak_id: c.outbreak_id,
                    notes: c.notes,
                    created_at: c.created_at,
                })
                .collect(),
            events: b
                .events
                .into_iter()
                .map(|e| CaseEventRecord {
                    id: e.id,
                    case_id: e.case_id,
                    at: e.at,
                    on_date: e.on_date,
                    from_class: e.from,
                    to_class: e.to,
                    reason: e.reason,
                    by_user: BY.into(),
                })
                .collect(),
            exposures: b
                .exposures
                .into_iter()
                .map(|e| ExposureRecord {
                    id: e.id,
                    province_code: Some(e.province_code),
                    disease_id,
                    source_person_id: e.source_person_id,
                    exposed_person_id: e.exposed_person_id,
                    first_date: e.first_date,
                    last_date: e.last_date,
                    setting: e.setting,
                    proximity: e.proximity,
                    duration_minutes: e.duration_minutes,
                    certainty: e.certainty,
                    notes: e.notes,
                    created_at: e.created_at,
                    created_by: BY.into(),
                })
                .collect(),
            samples: b
                .samples
                .into_iter()
                .map(|s| SampleRecord {
                    id: s.id,
                    province_code: Some(s.province_code),
                    area_id: s.area_id,
                    person_id: s.person_id,
                    case_id: s.case_id,
                    disease_id,
                    kind: s.kind,
                    reason: s.reason,
                    taken_on: s.taken_on,
                    lab_id: s.lab_id,
                    symptoms: s.symptoms,
                    result: s.result,
                    result_on: s.result_on,
                    ct: s.ct,
                    created_at: s.created_at,
                    created_by: BY.into(),
                })
                .collect(),
            ..BulkData::default()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chongdich_domain::case::Classification;
    use chongdich_domain::clock::{ManualClock, SharedClock};
    use chongdich_store::cases::CaseFilter;
    use chongdich_store::persons::PersonFilter;
    use chongdich_store::testing::TestDb;
    use chrono::TimeZone;
    use sea_orm::{ConnectionTrait, Statement};
    use std::sync::Arc;

    async fn levels(store: &Store) -> Vec<(i64, i32, i64, i64, i64, NaiveDate)> {
        let db = store.connection();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT person_id, level, via_person_id, root_person_id, exposure_id, exposed_on \
                 FROM person_flevels ORDER BY person_id",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.try_get("", "person_id").unwrap(),
                    r.try_get("", "level").unwrap(),
                    r.try_get("", "via_person_id").unwrap(),
                    r.try_get("", "root_person_id").unwrap(),
                    r.try_get("", "exposure_id").unwrap(),
                    r.try_get("", "exposed_on").unwrap(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn the_story_of_june_2021_is_loaded_with_the_f_levels_the_rules_give() {
        // The clock of `serve --today 2021-06-24`.
        let clock: SharedClock = Arc::new(ManualClock::at(
            Utc.with_ymd_and_hms(2021, 6, 24, 3, 0, 0).unwrap(),
        ));
        let db = TestDb::new(clock).await.unwrap();
        let store = &db.store;
        load(store).await.unwrap();
        let everywhere = Scope::everywhere();
        let who = Who::console();
        let people = store
            .persons(&everywhere, &who, &PersonFilter::default(), 1, 0)
            .await
            .unwrap();
        // The story's people, and the seven of the quarantine demo (five returnees, two F1).
        assert_eq!(people.total, STORY_PEOPLE as i64 + 7);
        let cases = store
            .cases(&everywhere, &who, &CaseFilter::default(), 50, 0)
            .await
            .unwrap();
        assert_eq!(cases.total, 11);
        let community: Vec<_> = cases
            .items
            .iter()
            .filter(|c| c.found_in == "community")
            .collect();
        assert_eq!(community.len(), 4);
        assert!(community.iter().all(|c| c.outbreak_id.is_some()));
        let outbreaks = store
            .outbreaks(&everywhere, None, true, 10, 0)
            .await
            .unwrap();
        assert_eq!(outbreaks.total, 2);
        for o in &outbreaks.items {
            let zones = store.zones(o.id).await.unwrap();
            assert!(zones.iter().any(|z| z.kind == "lockdown"), "{}", o.name);
        }
        let than_uyen = outbreaks
            .items
            .iter()
            .find(|o| o.area_id == story::TT_THAN_UYEN)
            .unwrap();
        assert_eq!(than_uyen.case_count, 4);
        // F1s and F2s are active on 24/06/2021 under rule set v2.
        let disease = store.disease_by_code("covid19").await.unwrap().disease.id;
        for level in [1u8, 2] {
            let f = store
                .persons(
                    &everywhere,
                    &who,
                    &PersonFilter {
                        f_level: Some(level),
                        disease_id: Some(disease),
                        ..Default::default()
                    },
                    1,
                    0,
                )
                .await
                .unwrap();
            assert!(f.total >= 3, "F{level}: {}", f.total);
        }
        let labs = store
            .lab_load(
                &everywhere,
                story::today() - chrono::Duration::days(40),
                story::today(),
            )
            .await
            .unwrap();
        assert!(
            labs.iter()
                .any(|l| l.lab_name == "CDC Lai Châu" && l.capacity_per_day == 1_000)
        );
        assert!(labs.iter().any(|l| l.lab_name == "TTYT Than Uyên"));

        // Risk levels of 24/06/2021 are published under QĐ 2686: the Than Uyên outbreak (an
        // index case of unknown source) puts its ward above "Bình thường mới"; the wards have
        // estimated populations, labelled as estimates.
        let l12 = AreaId::parse("L12").unwrap();
        let published = store.published_levels(&l12).await.unwrap();
        assert_eq!(published.len(), 115, "1 province, 8 districts, 106 wards");
        assert!(published.iter().all(|p| p.rule_set_id == "qd2686"));
        let tt = published
            .iter()
            .find(|p| p.area_id == story::TT_THAN_UYEN)
            .unwrap();
        assert_ne!(tt.level, "binh_thuong_moi", "{tt:?}");
        let loaded = store
            .risk_input(&l12, story::today(), disease, 14)
            .await
            .unwrap();
        // The census file gives five of the eight districts (not Mường Tè, Sìn Hồ, Nậm Nhùn):
        // their 59 wards get estimates; the others have none, and their rate criterion is
        // reported as not computable.
        assert_eq!(loaded.estimated_population.len(), 59);
        let a = store
            .assessments(&everywhere, 1)
            .await
            .unwrap()
            .pop()
            .unwrap();
        let (rows, _) = store
            .assessment_results(&everywhere, a.id, false, 200, 0)
            .await
            .unwrap();
        let muong_te_ward = rows
            .iter()
            .find(|r| r.unit_level == "ward" && r.parent_id.as_deref() == Some("L107"))
            .unwrap();
        assert!(
            muong_te_ward
                .reasons()
                .iter()
                .any(|r| r.outcome == chongdich_domain::risk::ReasonOutcome::NotComputable),
            "{muong_te_ward:?}"
        );

        // The stored levels are what the store itself derives: taking the index case out and
        // back recomputes the levels around it, and nothing changes.
        let before = levels(store).await;
        let index = cases
            .items
            .iter()
            .find(|c| c.outbreak_id == Some(than_uyen.id) && !c.source_known)
            .unwrap();
        store
            .classify_case(
                &everywhere,
                &who,
                index.id,
                Classification::Discarded,
                "kiểm tra lại",
                None,
            )
            .await
            .unwrap();
        assert_ne!(
            levels(store).await,
            before,
            "discarding the F0 releases contacts"
        );
        store
            .classify_case(
                &everywhere,
                &who,
                index.id,
                Classification::Suspected,
                "",
                None,
            )
            .await
            .unwrap();
        store
            .classify_case(
                &everywhere,
                &who,
                index.id,
                Classification::Confirmed,
                "RT-PCR",
                None,
            )
            .await
            .unwrap();
        assert_eq!(levels(store).await, before);
    }
}
