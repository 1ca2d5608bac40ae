//! What the API sends and receives. Rows from the store are converted, never serialised as is.

use chongdich_domain::access::Role;
use chongdich_store::agencies::{AgencyRow, AgencyView, MemberRow};
use chongdich_store::areas::{AreaRow, MappingLink};
use chongdich_store::audit::AuditEntry;
use chongdich_store::population::PopulationEntry;
use chongdich_store::tokens::TokenRow;
use chongdich_store::users::{GrantRow, UserView};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Area {
    /// `VN`, `N` + code (from 01/07/2025), `L` + code (before), `T` + number (entered villages).
    pub id: String,
    /// `current` or `legacy`; none for the country.
    pub structure: Option<String>,
    /// `country`, `province`, `district`, `ward` or `village`.
    pub level: String,
    /// GSO code.
    pub code: Option<String>,
    pub name: String,
    /// Tỉnh, Thành phố, Huyện, Xã, Phường, Đặc khu, Thôn, Bản …
    pub kind: String,
    pub parent_id: Option<String>,
    pub province_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_km2: Option<f64>,
    /// The latest figure; none means unknown.
    pub population: Option<Population>,
    pub child_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Population {
    pub population: i64,
    pub year: i32,
    pub source: String,
}

impl From<AreaRow> for Area {
    fn from(r: AreaRow) -> Self {
        let population = match (r.population, r.population_year, r.population_source) {
            (Some(population), Some(year), Some(source)) => Some(Population {
                population,
                year,
                source,
            }),
            _ => None,
        };
        Self {
            id: r.id,
            structure: r.structure,
            level: r.level,
            code: r.code,
            name: r.name,
            kind: r.kind,
            parent_id: r.parent_id,
            province_code: r.province_code,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            lat: r.lat,
            lon: r.lon,
            area_km2: r.area_km2,
            population,
            child_count: r.child_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaPage {
    pub items: Vec<Area>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WardLink {
    pub old_area_id: String,
    pub old_name: String,
    pub new_area_id: String,
    pub new_name: String,
    /// `whole`, `default-part` or `part`.
    pub kind: String,
}

impl From<MappingLink> for WardLink {
    fn from(m: MappingLink) -> Self {
        Self {
            old_area_id: m.old_area_id,
            old_name: m.old_name,
            new_area_id: m.new_area_id,
            new_name: m.new_name,
            kind: m.kind,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVillage {
    pub name: String,
    /// Thôn, Bản, Tổ dân phố, Khu phố … (default Thôn).
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PopulationInput {
    pub population: i64,
    pub year: i32,
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationRecord {
    pub year: i32,
    pub population: i64,
    pub source: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl From<PopulationEntry> for PopulationRecord {
    fn from(p: PopulationEntry) -> Self {
        Self {
            year: p.year,
            population: p.population,
            source: p.source,
            updated_at: p.updated_at,
            updated_by: p.updated_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowErrorOut {
    pub line: usize,
    pub field: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub imported: usize,
    pub written: bool,
    pub errors: Vec<RowErrorOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Grant {
    pub role: String,
    pub role_label: String,
    pub area_id: String,
    pub area_name: String,
}

impl From<GrantRow> for Grant {
    fn from(g: GrantRow) -> Self {
        Self {
            role_label: Role::parse(&g.role)
                .map(|r| r.label())
                .unwrap_or("")
                .to_owned(),
            role: g.role,
            area_id: g.area_id,
            area_name: g.area_name,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantInput {
    /// administrator, steering_committee, health_officer, commune_health_worker,
    /// checkpoint_officer, quarantine_manager, vaccination_site, viewer
    pub role: String,
    pub area_id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub grants: Vec<Grant>,
}

impl From<UserView> for User {
    fn from(v: UserView) -> Self {
        Self {
            id: v.user.id,
            username: v.user.username,
            display_name: v.user.display_name,
            disabled: v.user.disabled,
            created_at: v.user.created_at,
            grants: v.grants.into_iter().map(Grant::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    /// At least 12 characters.
    pub password: String,
    pub grants: Vec<GrantInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UserUpdate {
    pub display_name: String,
    pub grants: Vec<GrantInput>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordInput {
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OwnPasswordInput {
    pub current: String,
    /// At least 12 characters.
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// The first characters, to recognise it.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for Token {
    fn from(t: TokenRow) -> Self {
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: Token,
    /// Shown once; keep it secret.
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub username: String,
    pub action: String,
    pub record_type: String,
    pub record_id: Option<String>,
    pub area_id: Option<String>,
    pub ip: Option<String>,
    pub operation_id: Option<String>,
    pub detail: Option<String>,
}

impl From<AuditEntry> for AuditRecord {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            at: e.at,
            user_id: e.user_id,
            username: e.username,
            action: e.action,
            record_type: e.record_type,
            record_id: e.record_id,
            area_id: e.area_id,
            ip: e.ip,
            operation_id: e.operation_id,
            detail: e.detail,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecord>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub name: String,
    /// steering_committee, peoples_committee, department, sector, health_facility, other
    pub kind: String,
    pub member_count: i64,
}

impl From<AgencyRow> for Agency {
    fn from(a: AgencyRow) -> Self {
        Self {
            id: a.id,
            area_id: a.area_id,
            area_name: a.area_name,
            name: a.name,
            kind: a.kind,
            member_count: a.member_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: i64,
    pub full_name: String,
    pub position: String,
    pub phone: Option<String>,
}

impl From<MemberRow> for Member {
    fn from(m: MemberRow) -> Self {
        Self {
            id: m.id,
            full_name: m.full_name,
            position: m.position,
            phone: m.phone,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyDetail {
    pub agency: Agency,
    pub members: Vec<Member>,
}

impl From<AgencyView> for AgencyDetail {
    fn from(v: AgencyView) -> Self {
        Self {
            agency: v.agency.into(),
            members: v.members.into_iter().map(Member::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyPage {
    pub items: Vec<Agency>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAgency {
    pub area_id: String,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMember {
    pub full_name: String,
    pub position: String,
    #[serde(default)]
    pub phone: String,
    /// The member's username, so that they see the agency's tasks as their own.
    #[serde(default)]
    pub account: String,
}
