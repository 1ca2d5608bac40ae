//! Outbreaks (ổ dịch): cases grouped by place and setting, with the medical isolation or
//! lockdown zones (vùng cách ly y tế / phong tỏa) put around them.

use crate::area::AreaId;
use crate::case::Setting;
use crate::error::{Collector, Invalid};
use crate::vocab::parse_past_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// The kind of zone put around an outbreak.
    pub enum ZoneKind (field = "kind") {
        Lockdown = ("lockdown", "Phong tỏa"),
        MedicalIsolation = ("medical_isolation", "Cách ly y tế vùng"),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutbreakDraft {
    pub disease: String,
    pub name: String,
    pub area_id: String,
    pub place: String,
    pub setting: String,
    pub started_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutbreakInput {
    pub disease: String,
    pub name: String,
    pub area_id: AreaId,
    pub place: String,
    pub setting: Setting,
    pub started_on: NaiveDate,
}

impl OutbreakDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<OutbreakInput, Invalid> {
        let mut c = Collector::new();
        let disease = crate::text::clean(&self.disease);
        if disease.is_empty() {
            c.push("disease", "chọn bệnh");
        }
        let name = crate::text::clean(&self.name);
        if name.chars().count() < 3 || name.chars().count() > 200 {
            c.push("name", "tên ổ dịch từ 3 đến 200 ký tự");
        }
        let area_id = c.take(AreaId::parse(&self.area_id));
        let place = crate::text::clean(&self.place);
        if place.chars().count() > 300 {
            c.push("place", "tối đa 300 ký tự");
        }
        let setting = if self.setting.trim().is_empty() {
            Some(Setting::Other)
        } else {
            c.take(Setting::parse(&self.setting))
        };
        let started_on = c
            .take(parse_past_date("started_on", &self.started_on, today))
            .flatten();
        if started_on.is_none() && self.started_on.trim().is_empty() {
            c.push("started_on", "cần ngày phát hiện ổ dịch");
        }
        c.finish()?;
        match (area_id, setting, started_on) {
            (Some(area_id), Some(setting), Some(started_on)) => Ok(OutbreakInput {
                disease,
                name,
                area_id,
                place,
                setting,
                started_on,
            }),
            _ => Err(Invalid::field("name", "thiếu thông tin ổ dịch")),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZoneDraft {
    pub kind: String,
    pub area_id: String,
    pub description: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ZoneInput {
    pub kind: ZoneKind,
    pub area_id: AreaId,
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl ZoneDraft {
    /// The end may be in the future (a zone is announced for a period); the start may not be
    /// more than a week ahead.
    pub fn parse(&self, today: NaiveDate) -> Result<ZoneInput, Invalid> {
        let mut c = Collector::new();
        let kind = c.take(ZoneKind::parse(&self.kind));
        let area_id = c.take(AreaId::parse(&self.area_id));
        let description = crate::text::clean(&self.description);
        if description.chars().count() > 500 {
            c.push("description", "tối đa 500 ký tự");
        }
        let starts_on = c
            .take(parse_past_date(
                "starts_on",
                &self.starts_on,
                today + chrono::Duration::days(7),
            ))
            .flatten();
        if starts_on.is_none() && self.starts_on.trim().is_empty() {
            c.push("starts_on", "cần ngày bắt đầu");
        }
        let ends_on = c
            .take(crate::vocab::parse_date("ends_on", &self.ends_on))
            .flatten();
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && e < s
        {
            c.push("ends_on", "ngày kết thúc trước ngày bắt đầu");
        }
        c.finish()?;
        match (kind, area_id, starts_on) {
            (Some(kind), Some(area_id), Some(starts_on)) => Ok(ZoneInput {
                kind,
                area_id,
                description,
                starts_on,
                ends_on,
            }),
            _ => Err(Invalid::field("kind", "thiếu thông tin vùng")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn outbreak_and_zone() {
        let today = day("2021-06-24");
        let o = OutbreakDraft {
            disease: "covid19".into(),
            name: "Ổ dịch bản Mường Cang".into(),
            area_id: "L03838".into(),
            setting: "household".into(),
            started_on: "12/06/2021".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(o.started_on, day("2021-06-12"));
        let e = OutbreakDraft::default().parse(today).unwrap_err();
        for f in ["disease", "name", "area_id", "started_on"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        let z = ZoneDraft {
            kind: "lockdown".into(),
            area_id: "L03838".into(),
            starts_on: "2021-06-13".into(),
            ends_on: "2021-07-10".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(z.ends_on, Some(day("2021-07-10")));
        let bad = ZoneDraft {
            kind: "lockdown".into(),
            area_id: "L03838".into(),
            starts_on: "2021-06-13".into(),
            ends_on: "2021-06-01".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        assert!(bad.message_for("ends_on").is_some());
    }
}
