//! Administrative units: the two official structures (before and after 1 July 2025),
//! villages entered by users, and the identifiers that keep them apart.

use crate::error::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which official structure a unit belongs to.
///
/// GSO codes are reused across the two structures (ward `00004` is Phường Trúc Bạch before
/// 2025 and Phường Ba Đình after), so every unit is identified by its structure and its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Structure {
    /// tỉnh › huyện › xã, in force until 2025-06-30.
    Legacy,
    /// tỉnh › xã, in force from 2025-07-01 (Nghị quyết 202/2025/QH15 and the ward resolutions).
    Current,
}

impl Structure {
    pub const ALL: [Structure; 2] = [Structure::Current, Structure::Legacy];

    pub fn as_str(self) -> &'static str {
        match self {
            Structure::Legacy => "legacy",
            Structure::Current => "current",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "legacy" => Ok(Structure::Legacy),
            "current" => Ok(Structure::Current),
            _ => Err(Invalid::field(
                "structure",
                "phải là \"current\" (từ 01/07/2025) hoặc \"legacy\" (trước 01/07/2025)",
            )),
        }
    }

    /// The letter that prefixes area ids of this structure.
    pub fn id_prefix(self) -> char {
        match self {
            Structure::Legacy => 'L',
            Structure::Current => 'N',
        }
    }

    /// The first day the structure is in force (None: since before the system's records).
    pub fn valid_from(self) -> Option<NaiveDate> {
        match self {
            Structure::Legacy => None,
            Structure::Current => NaiveDate::from_ymd_opt(2025, 7, 1),
        }
    }

    /// The last day the structure is in force (None: still in force).
    pub fn valid_to(self) -> Option<NaiveDate> {
        match self {
            Structure::Legacy => NaiveDate::from_ymd_opt(2025, 6, 30),
            Structure::Current => None,
        }
    }

    /// The structure in force on a date.
    pub fn in_force_on(date: NaiveDate) -> Self {
        match Structure::Current.valid_from() {
            Some(from) if date >= from => Structure::Current,
            _ => Structure::Legacy,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Structure::Legacy => "Trước 01/07/2025 (tỉnh › huyện › xã)",
            Structure::Current => "Từ 01/07/2025 (tỉnh › xã)",
        }
    }
}

/// The level of a unit in the tree. The tree has any depth: below the ward come villages,
/// residential groups, and whatever a province enters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    Country,
    Province,
    District,
    Ward,
    /// thôn, bản, tổ dân phố, khu phố … entered by users.
    Village,
}

impl AreaLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AreaLevel::Country => "country",
            AreaLevel::Province => "province",
            AreaLevel::District => "district",
            AreaLevel::Ward => "ward",
            AreaLevel::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "country" => Ok(AreaLevel::Country),
            "province" => Ok(AreaLevel::Province),
            "district" => Ok(AreaLevel::District),
            "ward" => Ok(AreaLevel::Ward),
            "village" => Ok(AreaLevel::Village),
            _ => Err(Invalid::field("level", "cấp hành chính không hợp lệ")),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AreaLevel::Country => "Quốc gia",
            AreaLevel::Province => "Tỉnh/Thành phố",
            AreaLevel::District => "Huyện/Quận",
            AreaLevel::Ward => "Xã/Phường",
            AreaLevel::Village => "Thôn/Bản/Tổ dân phố",
        }
    }

    /// How many digits the GSO code of a unit at this level has.
    pub fn code_len(self) -> Option<usize> {
        match self {
            AreaLevel::Province => Some(2),
            AreaLevel::District => Some(3),
            AreaLevel::Ward => Some(5),
            AreaLevel::Country | AreaLevel::Village => None,
        }
    }
}

/// A GSO code: 2 digits for a province, 3 for a district, 5 for a ward.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitCode(String);

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if matches!(s.len(), 2 | 3 | 5) && s.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(s.to_owned()))
        } else {
            let hint = if matches!(s.len(), 1 | 4) && s.bytes().all(|b| b.is_ascii_digit()) {
                " — có lẽ đã mất số 0 ở đầu: trong Excel hãy định dạng cột mã là Văn bản"
            } else {
                ""
            };
            Err(Invalid::field(
                "code",
                format!(
                    "mã đơn vị \"{s}\" không hợp lệ: cần 2 (tỉnh), 3 (huyện) hoặc 5 (xã) chữ số{hint}"
                ),
            ))
        }
    }

    /// Parses a code that must be of the given level.
    pub fn parse_at(s: &str, level: AreaLevel) -> Result<Self, Invalid> {
        let code = Self::parse(s)?;
        if level.code_len() != Some(code.0.len()) {
            return Err(Invalid::field(
                "code",
                format!("mã \"{}\" không phải mã cấp {}", code.0, level.label()),
            ));
        }
        Ok(code)
    }

    pub fn level(&self) -> AreaLevel {
        match self.0.len() {
            2 => AreaLevel::Province,
            3 => AreaLevel::District,
            _ => AreaLevel::Ward,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UnitCode {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<UnitCode> for String {
    fn from(c: UnitCode) -> String {
        c.0
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of an area: `VN` for the country, `N` + code for a unit of the current structure,
/// `L` + code for a unit of the legacy structure, `T` + a number for a unit entered by users.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaId(String);

impl AreaId {
    pub const COUNTRY: &'static str = "VN";

    pub fn country() -> Self {
        Self(Self::COUNTRY.to_owned())
    }

    pub fn official(structure: Structure, code: &UnitCode) -> Self {
        Self(format!("{}{}", structure.id_prefix(), code.as_str()))
    }

    pub fn entered(number: i64) -> Self {
        Self(format!("T{number}"))
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let bad = || Invalid::field("area_id", format!("mã địa bàn \"{s}\" không hợp lệ"));
        if s == Self::COUNTRY {
            return Ok(Self::country());
        }
        let mut chars = s.chars();
        match chars.next() {
            Some('N' | 'L') => {
                UnitCode::parse(chars.as_str()).map_err(|_| bad())?;
            }
            Some('T') => {
                let rest = chars.as_str();
                if rest.is_empty() || rest.len() > 18 || !rest.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
            }
            _ => return Err(bad()),
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The structure of an official unit's id.
    pub fn structure(&self) -> Option<Structure> {
        match self.0.chars().next() {
            Some('N') => Some(Structure::Current),
            Some('L') => Some(Structure::Legacy),
            _ => None,
        }
    }
}

impl TryFrom<String> for AreaId {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<AreaId> for String {
    fn from(c: AreaId) -> String {
        c.0
    }
}

impl fmt::Display for AreaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How an old ward went into a new one (`ward-mapping-2025.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingKind {
    /// The whole old ward went into the new one.
    Whole,
    /// The old ward was divided; most of it went here. Its records are counted here.
    DefaultPart,
    /// The old ward was divided; a part went here.
    Part,
}

impl MappingKind {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim() {
            "whole" => Ok(MappingKind::Whole),
            "default-part" | "default_part" => Ok(MappingKind::DefaultPart),
            "part" => Ok(MappingKind::Part),
            other => Err(Invalid::field(
                "kind",
                format!("loại sáp nhập \"{other}\" không hợp lệ"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MappingKind::Whole => "whole",
            MappingKind::DefaultPart => "default-part",
            MappingKind::Part => "part",
        }
    }

    /// Whether records of the old ward are counted under the new one.
    pub fn counts_records(self) -> bool {
        matches!(self, MappingKind::Whole | MappingKind::DefaultPart)
    }
}

/// The name of a unit entered by a user (a village): cleaned, 1 to 120 characters.
pub fn parse_area_name(s: &str) -> Result<String, Invalid> {
    let name = crate::text::clean(s);
    let len = name.chars().count();
    if len == 0 {
        return Err(Invalid::field("name", "tên không được để trống"));
    }
    if len > 120 {
        return Err(Invalid::field("name", "tên dài quá 120 ký tự"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes_have_two_three_or_five_digits() {
        assert_eq!(UnitCode::parse("12").unwrap().level(), AreaLevel::Province);
        assert_eq!(
            UnitCode::parse(" 105 ").unwrap().level(),
            AreaLevel::District
        );
        assert_eq!(UnitCode::parse("03199").unwrap().level(), AreaLevel::Ward);
        for bad in ["", "1", "1234", "123456", "12a", "１２"] {
            let err = UnitCode::parse(bad).unwrap_err();
            assert_eq!(err.0[0].field, "code", "{bad}");
        }
    }

    #[test]
    fn a_code_that_lost_its_leading_zero_says_so() {
        let err = UnitCode::parse("3199").unwrap_err();
        assert!(err.0[0].message.contains("số 0 ở đầu"));
        assert!(
            !UnitCode::parse("123456").unwrap_err().0[0]
                .message
                .contains("số 0")
        );
    }

    #[test]
    fn unit_code_of_the_wrong_level_is_refused() {
        assert!(UnitCode::parse_at("105", AreaLevel::District).is_ok());
        assert!(UnitCode::parse_at("105", AreaLevel::Ward).is_err());
    }

    #[test]
    fn area_ids_keep_the_two_structures_apart() {
        let code = UnitCode::parse("00004").unwrap();
        let old = AreaId::official(Structure::Legacy, &code);
        let new = AreaId::official(Structure::Current, &code);
        assert_ne!(old, new);
        assert_eq!(old.as_str(), "L00004");
        assert_eq!(new.structure(), Some(Structure::Current));
        assert_eq!(AreaId::parse("T42").unwrap(), AreaId::entered(42));
        assert_eq!(AreaId::parse("VN").unwrap(), AreaId::country());
        for bad in ["", "X12", "N1", "T", "Tabc", "N12'; drop table"] {
            assert!(AreaId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_structure_changes_on_1_july_2025() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(Structure::in_force_on(d(2025, 6, 30)), Structure::Legacy);
        assert_eq!(Structure::in_force_on(d(2025, 7, 1)), Structure::Current);
        assert_eq!(Structure::Legacy.valid_to(), Some(d(2025, 6, 30)));
        assert_eq!(Structure::parse("current").unwrap(), Structure::Current);
        assert!(Structure::parse("2025").is_err());
    }

    #[test]
    fn mapping_kinds() {
        assert!(MappingKind::parse("whole").unwrap().counts_records());
        assert!(MappingKind::parse("default-part").unwrap().counts_records());
        assert!(!MappingKind::parse("part").unwrap().counts_records());
        assert!(MappingKind::parse("half").is_err());
    }

    #[test]
    fn area_names_are_cleaned_and_bounded() {
        assert_eq!(
            parse_area_name("  Bản   Nà Luông ").unwrap(),
            "Bản Nà Luông"
        );
        assert!(parse_area_name("   ").is_err());
        assert!(parse_area_name(&"a".repeat(121)).is_err());
    }
}
