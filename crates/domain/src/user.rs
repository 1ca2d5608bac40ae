//! Accounts: usernames, display names and the password policy.

use crate::error::Invalid;
use serde::{Deserialize, Serialize};

/// A login name: 3–40 characters of lowercase letters, digits, `.`, `_` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        let len = s.chars().count();
        if !(3..=40).contains(&len) {
            return Err(Invalid::field(
                "username",
                "tên đăng nhập cần từ 3 đến 40 ký tự",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Invalid::field(
                "username",
                "tên đăng nhập chỉ gồm chữ không dấu, chữ số và . _ -",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

/// A person's name as shown on screen: cleaned, 1–120 characters.
pub fn parse_display_name(s: &str) -> Result<String, Invalid> {
    let name = crate::text::clean(s);
    match name.chars().count() {
        0 => Err(Invalid::field("display_name", "họ tên không được để trống")),
        n if n > 120 => Err(Invalid::field("display_name", "họ tên dài quá 120 ký tự")),
        _ => Ok(name),
    }
}

/// The password policy: at least 12 characters, at most 200, not all the same character.
/// (Length beats composition rules: NIST SP 800-63B §5.1.1.)
pub fn check_password(field: &str, password: &str) -> Result<(), Invalid> {
    let n = password.chars().count();
    if n < 12 {
        return Err(Invalid::field(field, "mật khẩu cần ít nhất 12 ký tự"));
    }
    if n > 200 {
        return Err(Invalid::field(field, "mật khẩu dài quá 200 ký tự"));
    }
    let mut chars = password.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Err(Invalid::field(field, "mật khẩu quá dễ đoán"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased_and_restricted() {
        assert_eq!(
            Username::parse(" Admin.LaiChau ").unwrap().as_str(),
            "admin.laichau"
        );
        for bad in ["ab", "có-dấu", "a b c", "x;drop", &"a".repeat(41)] {
            assert_eq!(
                Username::parse(bad).unwrap_err().0[0].field,
                "username",
                "{bad}"
            );
        }
    }

    #[test]
    fn password_policy() {
        assert!(check_password("password", "đủ dài rồi nhé").is_ok());
        assert!(check_password("password", "ngắn").is_err());
        assert!(check_password("password", "aaaaaaaaaaaaaaa").is_err());
        assert_eq!(
            check_password("new_password", "x").unwrap_err().0[0].field,
            "new_password"
        );
    }

    #[test]
    fn display_names() {
        assert_eq!(
            parse_display_name(" Nguyễn  Văn A ").unwrap(),
            "Nguyễn Văn A"
        );
        assert!(parse_display_name("").is_err());
    }
}
