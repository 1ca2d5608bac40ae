//! Configuration: flags, then `CHONGDICH_…` environment variables (clap reads both), then an
//! optional TOML file, then defaults. Everything is validated at start, and a bad setting is
//! named in the error.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// The optional file (`--config`, `CHONGDICH_CONFIG`). Unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub addr: Option<String>,
    pub database_url: Option<String>,
    pub no_demo: Option<bool>,
    pub today: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_hours: Option<i64>,
    pub province: Option<String>,
    pub trusted_proxies: Option<String>,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("configuration file {}: invalid setting", path.display()))
    }
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/chongdich.db?mode=rwc";

pub fn parse_addr(s: &str) -> Result<SocketAddr> {
    s.parse().with_context(|| {
        format!(
            "setting addr (--addr, CHONGDICH_ADDR): \"{s}\" is not HOST:PORT, e.g. 127.0.0.1:8080"
        )
    })
}

pub fn check_database_url(s: &str) -> Result<String> {
    if s.starts_with("sqlite:") || s.starts_with("postgres://") || s.starts_with("postgresql://") {
        Ok(s.to_owned())
    } else {
        bail!(
            "setting database_url (--database-url, DATABASE_URL): \"{s}\" must start with sqlite: or postgres://"
        )
    }
}

pub fn parse_trusted_proxies(s: &str) -> Result<chongdich_web::client_addr::Proxies> {
    chongdich_web::client_addr::Proxies::parse(s).map_err(|e| {
        anyhow::anyhow!(
            "setting trusted_proxies (--trusted-proxies, CHONGDICH_TRUSTED_PROXIES): {e}"
        )
    })
}

pub fn parse_today(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| {
        format!("setting today (--today, CHONGDICH_TODAY): \"{s}\" is not a date YYYY-MM-DD")
    })
}

pub fn check_session_hours(h: i64) -> Result<i64> {
    if (1..=24 * 30).contains(&h) {
        Ok(h)
    } else {
        bail!("setting session_hours (CHONGDICH_SESSION_HOURS): {h} must be between 1 and 720")
    }
}

/// Which provinces a deployment covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provinces {
    All,
    Some(Vec<String>),
}

/// `all`, or comma-separated GSO province codes that exist in the shipped lists.
pub fn parse_provinces(s: &str) -> Result<Provinces> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("all") {
        return Ok(Provinces::All);
    }
    let units = chongdich_store::units::embedded().map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let mut codes = Vec::new();
    for code in s.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let known = units
            .legacy
            .iter()
            .chain(units.current.iter())
            .any(|u| u.parent_code.is_none() && u.code.as_str() == code);
        if !known {
            bail!(
                "setting province (--province, CHONGDICH_PROVINCE): \"{code}\" is not a province code (e.g. 12 for Lai Châu, 20 for Lạng Sơn) nor \"all\""
            );
        }
        codes.push(code.to_owned());
    }
    if codes.is_empty() {
        bail!(
            "setting province (--province, CHONGDICH_PROVINCE): give province codes such as 12,20 or \"all\""
        );
    }
    Ok(Provinces::Some(codes))
}

/// Makes sure the folder of a SQLite file exists.
pub fn prepare_sqlite(url: &str) -> Result<()> {
    if let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = rest.split('?').next().unwrap_or("");
        if !path.is_empty()
            && path != ":memory:"
            && let Some(dir) = Path::new(path)
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create the database folder {}", dir.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_are_named() {
        let e = parse_addr("localhost").unwrap_err().to_string();
        assert!(e.contains("addr"), "{e}");
        let e = check_database_url("mysql://x").unwrap_err().to_string();
        assert!(e.contains("database_url"), "{e}");
        let e = parse_today("24/06/2021").unwrap_err().to_string();
        assert!(e.contains("today"), "{e}");
        assert!(check_session_hours(0).is_err());
        let e = parse_trusted_proxies("127.0.0.1, nginx")
            .unwrap_err()
            .to_string();
        assert!(e.contains("trusted_proxies") && e.contains("nginx"), "{e}");
        assert!(!parse_trusted_proxies("127.0.0.1,::1").unwrap().is_empty());
        assert_eq!(parse_provinces("all").unwrap(), Provinces::All);
        assert_eq!(
            parse_provinces("12, 20").unwrap(),
            Provinces::Some(vec!["12".into(), "20".into()])
        );
        let e = parse_provinces("99").unwrap_err().to_string();
        assert!(e.contains("province"), "{e}");
        assert_eq!(
            parse_today("2021-06-24").unwrap(),
            NaiveDate::from_ymd_opt(2021, 6, 24).unwrap()
        );
    }

    #[test]
    fn file_rejects_unknown_keys() {
        let ok: FileConfig = toml::from_str("addr = \"0.0.0.0:80\"\nno_demo = true").unwrap();
        assert_eq!(ok.addr.as_deref(), Some("0.0.0.0:80"));
        assert!(toml::from_str::<FileConfig>("adress = \"x\"").is_err());
    }
}
