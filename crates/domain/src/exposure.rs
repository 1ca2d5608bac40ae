//! Exposures: a source person and an exposed person in contact on one or more days. The
//! F-levels derived from them live in [`crate::flevel`].

use crate::case::Setting;
use crate::error::{Collector, Invalid};
use crate::vocab::parse_past_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// How close the contact was (the F1 criteria of CV 11042/BYT-DP, 29/12/2021 [v]).
    pub enum Proximity (field = "proximity") {
        Physical = ("physical", "Tiếp xúc cơ thể trực tiếp"),
        Within2m = ("within_2m", "Trong khoảng 2 m"),
        SameSpace = ("same_space", "Cùng không gian kín từ 15 phút"),
        Care = ("care", "Chăm sóc, không có bảo hộ"),
        Other = ("other", "Khác"),
    }
}

crate::vocabulary! {
    /// How sure the tracer is that the contact happened.
    pub enum Certainty (field = "certainty") {
        Confirmed = ("confirmed", "Chắc chắn"),
        Probable = ("probable", "Có khả năng"),
        Possible = ("possible", "Chưa rõ"),
    }
}

/// An exposure as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExposureDraft {
    pub first_date: String,
    /// Empty: the same day as `first_date`.
    pub last_date: String,
    pub setting: String,
    pub proximity: String,
    pub duration_minutes: String,
    pub certainty: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureInput {
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub setting: Setting,
    pub proximity: Proximity,
    pub duration_minutes: Option<i32>,
    pub certainty: Certainty,
    pub notes: String,
}

impl ExposureDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<ExposureInput, Invalid> {
        let mut c = Collector::new();
        let first = c
            .take(parse_past_date("first_date", &self.first_date, today))
            .flatten();
        if first.is_none() && self.first_date.trim().is_empty() {
            c.push("first_date", "cần ngày tiếp xúc");
        }
        let last = c
            .take(parse_past_date("last_date", &self.last_date, today))
            .flatten();
        if let (Some(f), Some(l)) = (first, last)
            && l < f
        {
            c.push("last_date", "ngày tiếp xúc cuối trước ngày đầu");
        }
        let or_default = |s: &str, d: &str| {
            if s.trim().is_empty() {
                d.to_owned()
            } else {
                s.to_owned()
            }
        };
        let setting = c.take(Setting::parse(&or_default(&self.setting, "other")));
        let proximity = c.take(Proximity::parse(&or_default(&self.proximity, "within_2m")));
        let certainty = c.take(Certainty::parse(&or_default(&self.certainty, "confirmed")));
        let duration_minutes = match self.duration_minutes.trim() {
            "" => None,
            s => match s.parse::<i32>() {
                Ok(v) if (0..=60 * 24 * 60).contains(&v) => Some(v),
                _ => {
                    c.push("duration_minutes", "số phút không hợp lệ");
                    None
                }
            },
        };
        let notes = crate::text::clean(&self.notes);
        if notes.chars().count() > 1000 {
            c.push("notes", "tối đa 1000 ký tự");
        }
        c.finish()?;
        match (first, setting, proximity, certainty) {
            (Some(first), Some(setting), Some(proximity), Some(certainty)) => Ok(ExposureInput {
                first_date: first,
                last_date: last.unwrap_or(first),
                setting,
                proximity,
                duration_minutes,
                certainty,
                notes,
            }),
            _ => Err(Invalid::field("first_date", "thiếu thông tin tiếp xúc")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn exposure_dates() {
        let today = NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
        let e = ExposureDraft {
            first_date: "20/06/2021".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(e.first_date, e.last_date);
        assert_eq!(e.proximity, Proximity::Within2m);
        let future = ExposureDraft {
            first_date: "2021-06-25".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        assert!(
            future
                .message_for("first_date")
                .unwrap()
                .contains("tương lai")
        );
        let backwards = ExposureDraft {
            first_date: "2021-06-20".into(),
            last_date: "2021-06-19".into(),
            proximity: "telepathy".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        assert!(backwards.message_for("last_date").is_some());
        assert!(backwards.message_for("proximity").is_some());
        assert!(ExposureDraft::default().parse(today).is_err());
    }
}
