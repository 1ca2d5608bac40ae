//! Cases (ca bệnh): a person's episode of a disease, its classification with history, where it
//! was found, its setting and outcome.
//!
//! Classification follows the WHO/MoH surveillance vocabulary: suspected (nghi ngờ), probable
//! (có thể), confirmed (xác định — "F0"), discarded (loại trừ). Where a case was found matters:
//! only a case found in the community counts toward an area's risk level (regulations.md §4).

use crate::error::{Collector, Invalid};
use crate::vocab::parse_past_date;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// The surveillance classification of a case.
    pub enum Classification (field = "classification") {
        Suspected = ("suspected", "Nghi ngờ"),
        Probable = ("probable", "Có thể"),
        Confirmed = ("confirmed", "Xác định (F0)"),
        Discarded = ("discarded", "Loại trừ"),
    }
}

crate::vocabulary! {
    /// Where the case was found. Only `Community` counts toward an area's risk.
    pub enum FoundIn (field = "found_in") {
        Community = ("community", "Trong cộng đồng"),
        Quarantine = ("quarantine", "Trong khu cách ly tập trung"),
        Lockdown = ("lockdown", "Trong khu vực phong tỏa"),
        PointOfEntry = ("point_of_entry", "Tại cửa khẩu, nhập cảnh"),
        Hospital = ("hospital", "Tại cơ sở y tế"),
    }
}

impl FoundIn {
    /// Whether a case found here is a community case (counts toward area risk levels).
    pub fn is_community(self) -> bool {
        self == FoundIn::Community
    }
}

crate::vocabulary! {
    /// The setting in which a case or an exposure happened.
    pub enum Setting (field = "setting") {
        Household = ("household", "Hộ gia đình"),
        IndustrialPark = ("industrial_park", "Khu công nghiệp"),
        School = ("school", "Trường học"),
        Market = ("market", "Chợ"),
        Supermarket = ("supermarket", "Siêu thị"),
        Hospital = ("hospital", "Cơ sở y tế"),
        Office = ("office", "Cơ quan, công sở"),
        Restaurant = ("restaurant", "Nhà hàng, quán ăn"),
        Transport = ("transport", "Phương tiện giao thông"),
        Gathering = ("gathering", "Sự kiện tập trung đông người"),
        Other = ("other", "Khác"),
    }
}

crate::vocabulary! {
    /// How a case ended.
    pub enum Outcome (field = "outcome") {
        Treating = ("treating", "Đang điều trị"),
        Recovered = ("recovered", "Khỏi bệnh"),
        Died = ("died", "Tử vong"),
    }
}

impl Classification {
    /// Whether a change of classification is allowed, and what it needs.
    ///
    /// Any open classification may move to any other; a confirmed case can only be discarded
    /// (a false positive), never silently downgraded; discarding needs a reason; a discarded
    /// case may be reopened as suspected.
    pub fn check_transition(self, to: Classification, reason: &str) -> Result<(), Invalid> {
        use Classification::*;
        if self == to {
            return Err(Invalid::field(
                "classification",
                format!("ca bệnh đã ở phân loại \"{}\"", to.label()),
            ));
        }
        match (self, to) {
            (Confirmed, Suspected | Probable) => Err(Invalid::field(
                "classification",
                "ca đã xác định chỉ có thể chuyển sang \"Loại trừ\" (kèm lý do)",
            )),
            (Discarded, Probable | Confirmed) => Err(Invalid::field(
                "classification",
                "ca đã loại trừ phải mở lại thành \"Nghi ngờ\" trước",
            )),
            (_, Discarded) if reason.trim().is_empty() => {
                Err(Invalid::field("reason", "cần ghi lý do loại trừ"))
            }
            (Confirmed, Discarded) if reason.trim().chars().count() < 5 => Err(Invalid::field(
                "reason",
                "loại trừ một ca đã xác định cần lý do rõ ràng (ít nhất 5 ký tự)",
            )),
            _ => Ok(()),
        }
    }

    /// Whether the case is still open (suspected or probable).
    pub fn is_open(self) -> bool {
        matches!(self, Classification::Suspected | Classification::Probable)
    }
}

/// The dates of a case that matter to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CaseDates {
    pub onset: Option<NaiveDate>,
    pub sample: Option<NaiveDate>,
    pub confirmed: Option<NaiveDate>,
    pub isolated: Option<NaiveDate>,
}

impl CaseDates {
    /// From when the case could infect others: `days_before` days before symptom onset, or
    /// before the positive sample when there were no symptoms (CV 11042/BYT-DP, 29/12/2021),
    /// or before confirmation when neither is known.
    pub fn infectious_from(&self, days_before: u32) -> Option<NaiveDate> {
        self.onset
            .or(self.sample)
            .or(self.confirmed)
            .map(|d| d - Duration::days(i64::from(days_before)))
    }

    /// The day the case counts on the epidemic curve: onset, else sample, else confirmation.
    pub fn curve_date(&self) -> Option<NaiveDate> {
        self.onset.or(self.sample).or(self.confirmed)
    }
}

/// A case as typed in a form or a request body: strings, kept to re-show the form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaseDraft {
    pub disease: String,
    pub classification: String,
    pub case_code: String,
    pub onset_date: String,
    pub sample_date: String,
    pub confirmed_date: String,
    pub isolated_on: String,
    pub found_in: String,
    pub source_known: bool,
    pub setting: String,
    pub treatment_place: String,
    pub illegal_entry: bool,
    pub notes: String,
}

/// A parsed case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseInput {
    pub disease: String,
    pub classification: Classification,
    pub case_code: Option<String>,
    pub dates: CaseDates,
    pub found_in: FoundIn,
    pub source_known: bool,
    pub setting: Setting,
    pub treatment_place: String,
    pub illegal_entry: bool,
    pub notes: String,
}

fn bounded(c: &mut Collector, field: &str, s: &str, max: usize) -> String {
    let v = crate::text::clean(s);
    if v.chars().count() > max {
        c.push(field, format!("tối đa {max} ký tự"));
    }
    v
}

impl CaseDraft {
    /// Parses every field, collecting all errors. A person who entered the country illegally is
    /// registered at least as a suspect (directive practice: "nhập cảnh trái phép" → nghi ngờ).
    pub fn parse(&self, today: NaiveDate) -> Result<CaseInput, Invalid> {
        let mut c = Collector::new();
        let disease = crate::text::clean(&self.disease);
        if disease.is_empty() {
            c.push("disease", "chọn bệnh");
        }
        let classification = if self.classification.trim().is_empty() {
            Some(Classification::Suspected)
        } else {
            c.take(Classification::parse(&self.classification))
        };
        let onset = c.take(parse_past_date("onset_date", &self.onset_date, today));
        let sample = c.take(parse_past_date("sample_date", &self.sample_date, today));
        let confirmed = c.take(parse_past_date(
            "confirmed_date",
            &self.confirmed_date,
            today,
        ));
        let isolated = c.take(parse_past_date("isolated_on", &self.isolated_on, today));
        let found_in = if self.found_in.trim().is_empty() {
            Some(FoundIn::Community)
        } else {
            c.take(FoundIn::parse(&self.found_in))
        };
        let setting = if self.setting.trim().is_empty() {
            Some(Setting::Other)
        } else {
            c.take(Setting::parse(&self.setting))
        };
        let case_code = bounded(&mut c, "case_code", &self.case_code, 40);
        let treatment_place = bounded(&mut c, "treatment_place", &self.treatment_place, 200);
        let notes = bounded(&mut c, "notes", &self.notes, 2000);
        if let (Some(Some(o)), Some(Some(s))) = (onset, sample)
            && o > s + Duration::days(30)
        {
            c.push(
                "onset_date",
                "ngày khởi phát sau ngày lấy mẫu hơn 30 ngày — kiểm tra lại",
            );
        }
        if let (Some(Some(s)), Some(Some(cf))) = (sample, confirmed)
            && cf < s
        {
            c.push("confirmed_date", "ngày xác định trước ngày lấy mẫu");
        }
        c.finish()?;
        let (Some(classification), Some(found_in), Some(setting)) =
            (classification, found_in, setting)
        else {
            return Err(Invalid::field("classification", "thiếu phân loại"));
        };
        let mut dates = CaseDates {
            onset: onset.flatten(),
            sample: sample.flatten(),
            confirmed: confirmed.flatten(),
            isolated: isolated.flatten(),
        };
        if classification == Classification::Confirmed && dates.confirmed.is_none() {
            dates.confirmed = Some(today);
        }
        if classification == Classification::Discarded {
            return Err(Invalid::field(
                "classification",
                "không đăng ký một ca mới ở phân loại \"Loại trừ\"",
            ));
        }
        Ok(CaseInput {
            disease,
            classification,
            case_code: Some(case_code).filter(|s| !s.is_empty()),
            dates,
            found_in,
            source_known: self.source_known,
            setting,
            treatment_place,
            illegal_entry: self.illegal_entry,
            notes,
        })
    }
}

/// An outcome as typed: recovered or died on a date.
pub fn parse_outcome(
    outcome: &str,
    date: &str,
    classification: Classification,
    today: NaiveDate,
) -> Result<(Outcome, Option<NaiveDate>), Invalid> {
    let mut c = Collector::new();
    let o = c.take(Outcome::parse(outcome));
    let d = c
        .take(parse_past_date("outcome_date", date, today))
        .flatten();
    c.finish()?;
    let Some(o) = o else {
        return Err(Invalid::field("outcome", "thiếu kết quả"));
    };
    if o != Outcome::Treating && d.is_none() {
        return Err(Invalid::field(
            "outcome_date",
            "cần ngày khỏi bệnh hoặc tử vong",
        ));
    }
    if o != Outcome::Treating
        && !matches!(
            classification,
            Classification::Confirmed | Classification::Probable
        )
    {
        return Err(Invalid::field(
            "outcome",
            "chỉ ghi kết quả điều trị cho ca xác định hoặc có thể",
        ));
    }
    Ok((o, if o == Outcome::Treating { None } else { d }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use Classification::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn transitions() {
        assert!(Suspected.check_transition(Confirmed, "").is_ok());
        assert!(Suspected.check_transition(Probable, "").is_ok());
        assert!(Probable.check_transition(Confirmed, "").is_ok());
        assert!(Suspected.check_transition(Suspected, "").is_err());
        let e = Suspected.check_transition(Discarded, " ").unwrap_err();
        assert!(e.message_for("reason").is_some());
        assert!(
            Suspected
                .check_transition(Discarded, "âm tính 2 lần")
                .is_ok()
        );
        let e = Confirmed.check_transition(Suspected, "x").unwrap_err();
        assert!(e.message_for("classification").is_some());
        assert!(Confirmed.check_transition(Discarded, "ab").is_err());
        assert!(
            Confirmed
                .check_transition(Discarded, "dương tính giả, PCR lại âm tính")
                .is_ok()
        );
        assert!(Discarded.check_transition(Confirmed, "").is_err());
        assert!(Discarded.check_transition(Suspected, "").is_ok());
        assert!(Suspected.is_open() && Probable.is_open() && !Confirmed.is_open());
    }

    #[test]
    fn infectious_period_starts_before_onset_or_sample() {
        let d = CaseDates {
            onset: Some(day("2021-06-10")),
            sample: Some(day("2021-06-12")),
            ..Default::default()
        };
        assert_eq!(d.infectious_from(2), Some(day("2021-06-08")));
        let asymptomatic = CaseDates {
            sample: Some(day("2021-06-12")),
            ..Default::default()
        };
        assert_eq!(asymptomatic.infectious_from(2), Some(day("2021-06-10")));
        assert_eq!(CaseDates::default().infectious_from(2), None);
        assert_eq!(d.curve_date(), Some(day("2021-06-10")));
    }

    #[test]
    fn draft_parses_with_defaults_and_collects_errors() {
        let today = day("2021-06-24");
        let ok = CaseDraft {
            disease: "covid19".into(),
            classification: "confirmed".into(),
            sample_date: "20/06/2021".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(ok.classification, Confirmed);
        assert_eq!(ok.dates.confirmed, Some(today));
        assert_eq!(ok.found_in, FoundIn::Community);
        assert!(ok.found_in.is_community());
        let bad = CaseDraft {
            disease: "".into(),
            classification: "maybe".into(),
            onset_date: "30/06/2021".into(),
            found_in: "moon".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        for f in ["disease", "classification", "onset_date", "found_in"] {
            assert!(bad.message_for(f).is_some(), "{f}: {bad}");
        }
        let sus = CaseDraft {
            disease: "covid19".into(),
            illegal_entry: true,
            found_in: "point_of_entry".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(sus.classification, Suspected);
        assert!(!sus.found_in.is_community());
        let wrong_order = CaseDraft {
            disease: "covid19".into(),
            sample_date: "20/06/2021".into(),
            confirmed_date: "19/06/2021".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        assert!(wrong_order.message_for("confirmed_date").is_some());
    }

    #[test]
    fn outcomes() {
        let today = day("2021-06-24");
        assert_eq!(
            parse_outcome("recovered", "2021-06-20", Confirmed, today).unwrap(),
            (Outcome::Recovered, Some(day("2021-06-20")))
        );
        assert!(parse_outcome("died", "", Confirmed, today).is_err());
        assert!(parse_outcome("recovered", "2021-06-20", Suspected, today).is_err());
        assert!(parse_outcome("recovered", "2021-07-20", Confirmed, today).is_err());
    }
}
