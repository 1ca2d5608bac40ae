//! The demo deployment loaded on first start: the province of Lai Châu with its real districts
//! and communes in both structures, its population figures with their sources, a few agencies
//! (named by office, not by person), and one account per role with a random password.

use crate::auth::password;
use chongdich_domain::access::{Grant, Role, Scope};
use chongdich_domain::agency::{AgencyKind, MemberInput};
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::population::{ImportMode, parse_population_csv};
use chongdich_domain::user::Username;
use chongdich_store::audit::Who;
use chongdich_store::users::NewUser;
use chongdich_store::{Store, StoreError};

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
    store.set_setting("demo_loaded", "1").await?;
    Ok(accounts)
}
