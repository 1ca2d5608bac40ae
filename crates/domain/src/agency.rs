//! Agencies: the Steering Committee of each level, departments (sở), boards (ban), sectors
//! (ngành), people's committees and health facilities, each attached to an area.

use crate::area::AreaLevel;
use crate::error::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// Ban Chỉ đạo phòng, chống dịch of a level.
    SteeringCommittee,
    /// Ủy ban nhân dân.
    PeoplesCommittee,
    /// Sở (Sở Y tế, Sở Giáo dục và Đào tạo …).
    Department,
    /// Ban, ngành, đoàn thể (Công an, Bộ Chỉ huy Quân sự, Mặt trận …).
    Sector,
    /// CDC, Trung tâm Y tế, Trạm Y tế, bệnh viện.
    HealthFacility,
    Other,
}

impl AgencyKind {
    pub const ALL: [AgencyKind; 6] = [
        AgencyKind::SteeringCommittee,
        AgencyKind::PeoplesCommittee,
        AgencyKind::Department,
        AgencyKind::Sector,
        AgencyKind::HealthFacility,
        AgencyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgencyKind::SteeringCommittee => "steering_committee",
            AgencyKind::PeoplesCommittee => "peoples_committee",
            AgencyKind::Department => "department",
            AgencyKind::Sector => "sector",
            AgencyKind::HealthFacility => "health_facility",
            AgencyKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| Invalid::field("kind", "loại cơ quan không hợp lệ"))
    }

    pub fn label(self) -> &'static str {
        match self {
            AgencyKind::SteeringCommittee => "Ban Chỉ đạo phòng, chống dịch",
            AgencyKind::PeoplesCommittee => "Ủy ban nhân dân",
            AgencyKind::Department => "Sở",
            AgencyKind::Sector => "Ban, ngành, đoàn thể",
            AgencyKind::HealthFacility => "Cơ sở y tế",
            AgencyKind::Other => "Khác",
        }
    }
}

/// A member of an agency as entered: name and position required, phone optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberInput {
    pub full_name: String,
    pub position: String,
    pub phone: Option<String>,
    /// The member's account, so that they see their agency's tasks as their own.
    #[serde(default)]
    pub account: Option<crate::user::Username>,
}

impl MemberInput {
    /// Links the member to an account (empty: none); the error names `account`.
    pub fn with_account(mut self, username: &str) -> Result<Self, Invalid> {
        self.account = if username.trim().is_empty() {
            None
        } else {
            Some(
                crate::user::Username::parse(username)
                    .map_err(|e| Invalid::field("account", e.0[0].message.clone()))?,
            )
        };
        Ok(self)
    }

    pub fn parse(full_name: &str, position: &str, phone: &str) -> Result<Self, Invalid> {
        let mut c = crate::error::Collector::new();
        let full_name = crate::text::clean(full_name);
        if full_name.is_empty() || full_name.chars().count() > 120 {
            c.push("full_name", "họ tên cần từ 1 đến 120 ký tự");
        }
        let position = crate::text::clean(position);
        if position.is_empty() || position.chars().count() > 200 {
            c.push("position", "chức vụ cần từ 1 đến 200 ký tự");
        }
        let phone = phone.trim();
        let digits: String = phone
            .chars()
            .filter(|c| !matches!(c, ' ' | '.' | '-'))
            .collect();
        let phone = if phone.is_empty() {
            None
        } else if (9..=12).contains(&digits.len())
            && digits
                .trim_start_matches('+')
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            Some(digits)
        } else {
            c.push("phone", "số điện thoại không hợp lệ");
            None
        };
        c.finish()?;
        Ok(Self {
            full_name,
            position,
            phone,
            account: None,
        })
    }
}

/// An agency's name: cleaned, 1–200 characters.
pub fn parse_agency_name(s: &str) -> Result<String, Invalid> {
    let name = crate::text::clean(s);
    match name.chars().count() {
        0 => Err(Invalid::field("name", "tên cơ quan không được để trống")),
        n if n > 200 => Err(Invalid::field("name", "tên cơ quan dài quá 200 ký tự")),
        _ => Ok(name),
    }
}

/// The kind an agency named in a document most likely is, from its name.
pub fn guess_kind(name: &str) -> AgencyKind {
    let k = crate::text::search_key(name);
    let starts = |p: &str| k == p || k.starts_with(&format!("{p} "));
    if starts("ban chi dao") || starts("bcd") {
        AgencyKind::SteeringCommittee
    } else if starts("ubnd") || starts("uy ban nhan dan") {
        AgencyKind::PeoplesCommittee
    } else if starts("so") {
        AgencyKind::Department
    } else if starts("trung tam y te")
        || starts("tram y te")
        || starts("benh vien")
        || starts("trung tam kiem soat benh tat")
        || starts("cdc")
    {
        AgencyKind::HealthFacility
    } else {
        AgencyKind::Sector
    }
}

/// Whether a name as written in a document stands for no single agency but a group
/// ("UBND các huyện, thành phố", "các sở, ban, ngành").
pub fn is_group_name(name: &str) -> bool {
    let k = crate::text::search_key(name);
    k.starts_with("cac ") || k.contains(" cac ") || k.starts_with("thanh vien ")
}

/// A group that names one agency in each unit of a level below the document's unit: "UBND
/// các huyện, thành phố" is the People's Committee of every district, "Trung tâm Y tế các
/// huyện" every district's health centre, "UBND các xã, phường, thị trấn" every commune's.
/// A task given to such a group is given to each of them, so that each district sees, reports
/// on and answers for its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitGroup {
    /// The agency's name before the unit ("UBND", "Trung tâm Y tế").
    pub prefix: String,
    pub level: AreaLevel,
    pub kind: AgencyKind,
}

impl UnitGroup {
    /// The group's agency in one unit: "UBND" and "Huyện Than Uyên" give "UBND huyện Than
    /// Uyên".
    pub fn member_name(&self, unit_name: &str) -> String {
        let mut chars = unit_name.chars();
        let unit: String = match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        };
        format!("{} {unit}", self.prefix)
    }
}

/// The [`UnitGroup`] a name stands for, or None: other groups ("các sở, ban, ngành", "các
/// địa phương, đơn vị") name no unit level and stay names.
pub fn unit_group(name: &str) -> Option<UnitGroup> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| crate::text::search_key(w) == "cac")?;
    let head = crate::text::search_key(&words[..at].join(" "));
    let tail = crate::text::search_key(&words[at + 1..].join(" "));
    let level = if tail.starts_with("huyen")
        || tail.starts_with("quan")
        || tail.starts_with("thi xa")
    {
        AreaLevel::District
    } else if tail.starts_with("xa") || tail.starts_with("phuong") || tail.starts_with("thi tran") {
        AreaLevel::Ward
    } else {
        return None;
    };
    let written = words[..at].join(" ");
    let (prefix, kind) = if head == "ubnd" || head == "uy ban nhan dan" {
        ("UBND".to_owned(), AgencyKind::PeoplesCommittee)
    } else if head.starts_with("ban chi dao") || head.starts_with("bcd") {
        (written, AgencyKind::SteeringCommittee)
    } else if head == "trung tam y te" || head == "tram y te" {
        (written, AgencyKind::HealthFacility)
    } else if head == "phong y te" {
        (written, AgencyKind::Department)
    } else if head == "cong an" {
        (written, AgencyKind::Sector)
    } else {
        return None;
    };
    Some(UnitGroup {
        prefix,
        level,
        kind,
    })
}

/// Whether a registered agency is the one a document names: the same name ignoring case and
/// diacritics, or the registered name followed by its place ("Sở Y tế" names "Sở Y tế tỉnh
/// Lai Châu"; "Công an tỉnh" names "Công an tỉnh Lai Châu").
pub fn name_matches(registered: &str, written: &str, place: &str) -> bool {
    let r = crate::text::search_key(registered);
    let w = crate::text::search_key(written);
    if w.is_empty() {
        return false;
    }
    if r == w {
        return true;
    }
    let Some(rest) = r.strip_prefix(&format!("{w} ")) else {
        return false;
    };
    let place = crate::text::search_key(place);
    let rest = ["tinh ", "thanh pho ", "huyen ", "thi xa ", "xa ", "phuong "]
        .iter()
        .find_map(|p| rest.strip_prefix(p))
        .unwrap_or(rest);
    rest == place || (!place.is_empty() && place.ends_with(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_names_match_registered_agencies_and_groups_stay_groups() {
        assert!(name_matches("Sở Y tế tỉnh Lai Châu", "Sở Y tế", "Lai Châu"));
        assert!(name_matches("Sở Tài chính", "sở tài chính", "Lai Châu"));
        assert!(name_matches(
            "Công an tỉnh Lai Châu",
            "Công an tỉnh",
            "Tỉnh Lai Châu"
        ));
        assert!(!name_matches("Sở Y tế tỉnh Lai Châu", "Sở Y", "Lai Châu"));
        assert!(!name_matches(
            "Sở Giáo dục và Đào tạo tỉnh Lai Châu",
            "Sở Giao thông vận tải",
            "Lai Châu"
        ));
        assert!(!name_matches(
            "Sở Y tế tỉnh Điện Biên",
            "Sở Y tế",
            "Lai Châu"
        ));
        assert!(is_group_name("UBND các huyện, thành phố"));
        assert!(is_group_name("Các sở, ban, ngành"));
        assert!(!is_group_name("Sở Tài chính"));
        assert_eq!(guess_kind("Sở Tài chính"), AgencyKind::Department);
        assert_eq!(
            guess_kind("UBND huyện Tam Đường"),
            AgencyKind::PeoplesCommittee
        );
        assert_eq!(
            guess_kind("Ban Chỉ đạo tỉnh"),
            AgencyKind::SteeringCommittee
        );
        assert_eq!(guess_kind("Công an tỉnh"), AgencyKind::Sector);
        assert_eq!(guess_kind("Sơn La"), AgencyKind::Sector);
    }

    #[test]
    fn groups_of_units_name_one_agency_per_unit() {
        let g = unit_group("UBND các huyện, thành phố").unwrap();
        assert_eq!(
            (g.prefix.as_str(), g.level, g.kind),
            ("UBND", AreaLevel::District, AgencyKind::PeoplesCommittee)
        );
        assert_eq!(g.member_name("Huyện Than Uyên"), "UBND huyện Than Uyên");
        assert_eq!(
            g.member_name("Thành phố Lai Châu"),
            "UBND thành phố Lai Châu"
        );
        assert_eq!(
            unit_group("Ủy ban nhân dân các huyện, thị xã, thành phố")
                .unwrap()
                .member_name("Thị xã Sơn Tây"),
            "UBND thị xã Sơn Tây"
        );
        let wards = unit_group("UBND các xã, phường, thị trấn").unwrap();
        assert_eq!(wards.level, AreaLevel::Ward);
        assert_eq!(wards.member_name("Xã Mường Than"), "UBND xã Mường Than");
        let health = unit_group("Trung tâm Y tế các huyện, thành phố").unwrap();
        assert_eq!(health.kind, AgencyKind::HealthFacility);
        assert_eq!(
            health.member_name("Huyện Phong Thổ"),
            "Trung tâm Y tế huyện Phong Thổ"
        );
        let committees =
            unit_group("Ban Chỉ đạo phòng, chống dịch Covid-19 các huyện, thành phố").unwrap();
        assert_eq!(committees.kind, AgencyKind::SteeringCommittee);
        assert_eq!(
            committees.member_name("Huyện Tam Đường"),
            "Ban Chỉ đạo phòng, chống dịch Covid-19 huyện Tam Đường"
        );
        for other in [
            "Các sở, ban, ngành",
            "các địa phương, đơn vị",
            "Thành viên BCĐ tỉnh",
            "Sở Y tế",
            "các cơ quan báo chí",
            "UBND các cấp",
        ] {
            assert_eq!(unit_group(other), None, "{other}");
        }
    }

    #[test]
    fn kinds_round_trip() {
        for k in AgencyKind::ALL {
            assert_eq!(AgencyKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(AgencyKind::parse("club").is_err());
    }

    #[test]
    fn members_are_checked_field_by_field() {
        let m = MemberInput::parse(" Nguyễn Văn A ", "Phó Trưởng ban", "0912 345 678").unwrap();
        assert_eq!(m.phone.as_deref(), Some("0912345678"));
        let err = MemberInput::parse("", "", "12ab").unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["full_name", "position", "phone"]);
        assert_eq!(
            MemberInput::parse("B", "Thành viên", "").unwrap().phone,
            None
        );
    }

    #[test]
    fn agency_names() {
        assert!(parse_agency_name("  ").is_err());
        assert_eq!(parse_agency_name("Sở  Y tế").unwrap(), "Sở Y tế");
    }
}
