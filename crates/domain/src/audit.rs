//! What the audit log records.

use serde::{Deserialize, Serialize};

/// What was done. Every read of a person's record is a `View`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    View,
    Create,
    Update,
    Delete,
    Disable,
    Enable,
    Revoke,
    Import,
    Export,
    Login,
    LoginFailed,
    Logout,
    Merge,
}

impl AuditAction {
    pub const ALL: [AuditAction; 13] = [
        AuditAction::View,
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
        AuditAction::Disable,
        AuditAction::Enable,
        AuditAction::Revoke,
        AuditAction::Import,
        AuditAction::Export,
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::Merge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::View => "view",
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Disable => "disable",
            AuditAction::Enable => "enable",
            AuditAction::Revoke => "revoke",
            AuditAction::Import => "import",
            AuditAction::Export => "export",
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::Merge => "merge",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::View => "Xem",
            AuditAction::Create => "Tạo",
            AuditAction::Update => "Sửa",
            AuditAction::Delete => "Xoá",
            AuditAction::Disable => "Khoá",
            AuditAction::Enable => "Mở khoá",
            AuditAction::Revoke => "Thu hồi",
            AuditAction::Import => "Nhập dữ liệu",
            AuditAction::Export => "Xuất dữ liệu",
            AuditAction::Login => "Đăng nhập",
            AuditAction::LoginFailed => "Đăng nhập thất bại",
            AuditAction::Logout => "Đăng xuất",
            AuditAction::Merge => "Gộp hồ sơ",
        }
    }
}

/// One entry to append to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub action: AuditAction,
    /// The kind of record: `user`, `area`, `population`, `agency`, `api_token`, `audit`, `session`, …
    pub record_type: String,
    pub record_id: Option<String>,
    /// The area the record belongs to, so the log can be filtered and scoped by area.
    pub area_id: Option<String>,
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(action: AuditAction, record_type: &str, record_id: Option<String>) -> Self {
        Self {
            action,
            record_type: record_type.to_owned(),
            record_id,
            area_id: None,
            detail: None,
        }
    }

    pub fn in_area(mut self, area_id: impl Into<String>) -> Self {
        self.area_id = Some(area_id.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(AuditAction::parse("drop"), None);
    }

    #[test]
    fn events_carry_area_and_detail() {
        let e = AuditEvent::new(AuditAction::View, "user", Some("7".into()))
            .in_area("N12")
            .with_detail("xem hồ sơ");
        assert_eq!(e.area_id.as_deref(), Some("N12"));
        assert_eq!(e.detail.as_deref(), Some("xem hồ sơ"));
    }
}
