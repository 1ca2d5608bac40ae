//! Roles, permissions and the area subtree each grant covers.
//!
//! A user holds one or more grants; each grant is a role on an area, and covers that area and
//! everything below it. What a user may do somewhere is the union of the grants covering it.
//! The store applies a [`Scope`] to every query, so the rule is enforced where data is read and
//! written, not only in the handlers.

use crate::area::AreaId;
use crate::error::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Administrator,
    SteeringCommittee,
    HealthOfficer,
    CommuneHealthWorker,
    CheckpointOfficer,
    QuarantineManager,
    VaccinationSite,
    Viewer,
}

/// What a role may do. New capabilities add variants here and grant them to roles below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See areas, populations and agencies.
    ViewAreas,
    /// Enter villages, edit populations.
    EditAreas,
    /// Create and edit agencies and their members.
    ManageAgencies,
    /// See personal health data (people, cases, contacts).
    ViewPersons,
    /// Create accounts and grant roles.
    ManageUsers,
    /// Read the audit log.
    ViewAudit,
    /// Register and edit people, cases, contacts, samples and outbreaks.
    EditSurveillance,
    /// Edit diseases and their rule sets, and the risk rule sets (administrators only).
    ManageRules,
    /// Run risk assessments and enter their inputs (coverage, treatment capacity, facts,
    /// neighbouring units).
    AssessRisk,
    /// Approve and publish risk levels, override a unit's level, add provincial measures.
    ApproveRisk,
    /// See the registered documents, the tasks, inspections and their records.
    ViewDirectives,
    /// Register documents, assign and escalate tasks, plan and record inspections.
    ManageDirectives,
    /// Report progress on a task (with attachments).
    ReportTasks,
    /// Take hotline calls, triage citizens' reports, assign them and record the outcome.
    HandleHotline,
    /// Register quarantine facilities and their rooms; admit, move and discharge the people
    /// quarantined there (reading the stays needs [`Permission::ViewPersons`]: they name people).
    ManageQuarantine,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Administrator,
        Role::SteeringCommittee,
        Role::HealthOfficer,
        Role::CommuneHealthWorker,
        Role::CheckpointOfficer,
        Role::QuarantineManager,
        Role::VaccinationSite,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::SteeringCommittee => "steering_committee",
            Role::HealthOfficer => "health_officer",
            Role::CommuneHealthWorker => "commune_health_worker",
            Role::CheckpointOfficer => "checkpoint_officer",
            Role::QuarantineManager => "quarantine_manager",
            Role::VaccinationSite => "vaccination_site",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::field("role", format!("vai trò \"{}\" không tồn tại", s.trim()))
            })
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Administrator => "Quản trị hệ thống",
            Role::SteeringCommittee => "Ban Chỉ đạo",
            Role::HealthOfficer => "Cán bộ y tế (Sở Y tế, CDC, TTYT)",
            Role::CommuneHealthWorker => "Trạm Y tế xã",
            Role::CheckpointOfficer => "Chốt kiểm soát",
            Role::QuarantineManager => "Cơ sở cách ly",
            Role::VaccinationSite => "Điểm tiêm chủng",
            Role::Viewer => "Chỉ xem",
        }
    }

    pub fn permits(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Administrator => true,
            Role::SteeringCommittee => {
                matches!(
                    p,
                    ViewAreas
                        | EditAreas
                        | ManageAgencies
                        | ViewPersons
                        | AssessRisk
                        | ApproveRisk
                        | ViewDirectives
                        | ManageDirectives
                        | ReportTasks
                        | HandleHotline
                        | ManageQuarantine
                )
            }
            Role::HealthOfficer => {
                matches!(
                    p,
                    ViewAreas
                        | EditAreas
                        | ViewPersons
                        | EditSurveillance
                        | AssessRisk
                        | ViewDirectives
                        | ManageDirectives
                        | ReportTasks
                        | HandleHotline
                        | ManageQuarantine
                )
            }
            Role::CommuneHealthWorker => {
                matches!(
                    p,
                    ViewAreas
                        | EditAreas
                        | ViewPersons
                        | EditSurveillance
                        | ViewDirectives
                        | ReportTasks
                        | HandleHotline
                        | ManageQuarantine
                )
            }
            Role::QuarantineManager => {
                matches!(
                    p,
                    ViewAreas | ViewPersons | ViewDirectives | ReportTasks | ManageQuarantine
                )
            }
            Role::CheckpointOfficer | Role::VaccinationSite => {
                matches!(p, ViewAreas | ViewPersons | ViewDirectives | ReportTasks)
            }
            Role::Viewer => matches!(p, ViewAreas | ViewDirectives),
        }
    }
}

/// A role held on an area subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub area_id: AreaId,
}

/// The area subtrees in which something may be done. Empty: nowhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    roots: Vec<AreaId>,
}

impl Scope {
    pub fn nowhere() -> Self {
        Self::default()
    }

    pub fn of(roots: impl IntoIterator<Item = AreaId>) -> Self {
        let mut roots: Vec<AreaId> = roots.into_iter().collect();
        roots.sort();
        roots.dedup();
        Self { roots }
    }

    /// The whole country: for command-line tools run by the operator.
    pub fn everywhere() -> Self {
        Self::of([AreaId::country()])
    }

    pub fn roots(&self) -> &[AreaId] {
        &self.roots
    }

    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    pub fn is_everywhere(&self) -> bool {
        self.roots.iter().any(|r| r.as_str() == AreaId::COUNTRY)
    }
}

/// Who is acting: a signed-in user with their grants, or the operator at the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
    pub grants: Vec<Grant>,
}

impl Actor {
    /// The operator running a command-line tool on the server itself.
    pub fn console() -> Self {
        Self {
            user_id: None,
            username: "console".to_owned(),
            grants: vec![Grant {
                role: Role::Administrator,
                area_id: AreaId::country(),
            }],
        }
    }

    pub fn scope(&self, p: Permission) -> Scope {
        Scope::of(
            self.grants
                .iter()
                .filter(|g| g.role.permits(p))
                .map(|g| g.area_id.clone()),
        )
    }

    pub fn can_anywhere(&self, p: Permission) -> bool {
        self.grants.iter().any(|g| g.role.permits(p))
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut r: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        r.sort();
        r.dedup();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(role: Role, area: &str) -> Grant {
        Grant {
            role,
            area_id: AreaId::parse(area).unwrap(),
        }
    }

    #[test]
    fn role_codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
            assert!(!r.label().is_empty());
        }
        assert_eq!(Role::parse("root").unwrap_err().0[0].field, "role");
    }

    #[test]
    fn only_administrators_manage_users_and_read_the_audit() {
        for r in Role::ALL {
            assert_eq!(r.permits(Permission::ManageUsers), r == Role::Administrator);
            assert_eq!(r.permits(Permission::ViewAudit), r == Role::Administrator);
            assert!(r.permits(Permission::ViewAreas));
        }
        assert!(!Role::Viewer.permits(Permission::ViewPersons));
        assert!(Role::CommuneHealthWorker.permits(Permission::EditAreas));
        assert!(!Role::CheckpointOfficer.permits(Permission::EditAreas));
    }

    #[test]
    fn scope_is_the_union_of_grants_that_permit() {
        let a = Actor {
            user_id: Some(1),
            username: "u".into(),
            grants: vec![
                grant(Role::Viewer, "L105"),
                grant(Role::HealthOfficer, "L106"),
                grant(Role::HealthOfficer, "L106"),
            ],
        };
        assert_eq!(a.scope(Permission::ViewAreas).roots().len(), 2);
        assert_eq!(
            a.scope(Permission::EditAreas).roots(),
            &[AreaId::parse("L106").unwrap()]
        );
        assert!(a.scope(Permission::ManageUsers).is_empty());
        assert!(!a.can_anywhere(Permission::ViewAudit));
        assert!(
            Actor::console()
                .scope(Permission::ViewAudit)
                .is_everywhere()
        );
    }
}
