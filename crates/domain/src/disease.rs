//! Diseases and their rule sets. A disease is data (a code, a name, an ICD-10 code); what the
//! software does with its cases — how far contacts are traced, from when a case is infectious,
//! which tests confirm — is a versioned [`RuleSet`] naming the document it comes from and the
//! dates it was in force. A value not read in a faithful source is listed in
//! [`RuleParams::unverified`] and shown as such, never silently assumed (regulations.md).

use crate::case::Classification;
use crate::error::{Collector, Invalid};
use crate::flevel;
use crate::sample::SampleKind;
use crate::vocab::parse_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A disease code: lowercase letters, digits and `_`, 2–32 characters (`covid19`, `dengue`).
pub fn parse_code(s: &str) -> Result<String, Invalid> {
    let t = s.trim();
    let ok = (2..=32).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(t.to_owned())
    } else {
        Err(Invalid::field(
            "code",
            "mã bệnh gồm 2–32 chữ thường không dấu, số hoặc dấu _ (ví dụ covid19)",
        ))
    }
}

/// What a rule set decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleParams {
    /// How far contacts are traced: 0 = no contact tracing (e.g. dengue), 1..=5 = F1..F5.
    pub max_f_level: u8,
    /// A case is infectious from this many days before onset (or before the positive sample).
    pub infectious_days_before_onset: u32,
    /// An exposure older than this many days no longer makes anyone an F-level contact.
    pub contact_window_days: u32,
    /// Which classifications count as F0 for contact tracing.
    pub f0_classifications: Vec<Classification>,
    /// Which individual (not pooled) positive tests confirm a case.
    pub confirming_tests: Vec<SampleKind>,
    /// Names of the parameters above that are not verified in a faithful source.
    pub unverified: Vec<String>,
    /// Where each value comes from, for the screen.
    pub notes: String,
}

impl RuleParams {
    pub const NAMES: [&'static str; 5] = [
        "max_f_level",
        "infectious_days_before_onset",
        "contact_window_days",
        "f0_classifications",
        "confirming_tests",
    ];

    pub fn validate(&self) -> Result<(), Invalid> {
        let mut c = Collector::new();
        if self.max_f_level > 5 {
            c.push("max_f_level", "truy vết tối đa đến F5");
        }
        if self.infectious_days_before_onset > 30 {
            c.push("infectious_days_before_onset", "tối đa 30 ngày");
        }
        if !(1..=60).contains(&self.contact_window_days) {
            c.push("contact_window_days", "từ 1 đến 60 ngày");
        }
        if self.f0_classifications.is_empty()
            || self
                .f0_classifications
                .iter()
                .any(|c| matches!(c, Classification::Discarded | Classification::Suspected))
        {
            c.push(
                "f0_classifications",
                "F0 là ca xác định (có thể thêm ca có thể), không gồm ca nghi ngờ hay loại trừ",
            );
        }
        for u in &self.unverified {
            if !Self::NAMES.contains(&u.as_str()) {
                c.push("unverified", format!("không có tham số \"{u}\""));
            }
        }
        c.finish()
    }

    pub fn is_verified(&self, name: &str) -> bool {
        !self.unverified.iter().any(|u| u == name)
    }

    /// Whether a case in this classification is an F0 for contact tracing.
    pub fn is_f0(&self, c: Classification) -> bool {
        self.f0_classifications.contains(&c)
    }

    /// Whether a positive result of this test confirms a case. A pooled sample never does: the
    /// people in the pool are tested again one by one.
    pub fn confirms(&self, kind: SampleKind, pooled: bool) -> bool {
        !pooled && self.confirming_tests.contains(&kind)
    }

    pub fn flevel(&self) -> flevel::Params {
        flevel::Params {
            max_level: self.max_f_level,
            window_days: self.contact_window_days,
        }
    }
}

/// One version of a disease's rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    pub version: i32,
    pub name: String,
    /// The document the rules come from (số hiệu, ngày).
    pub source: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub params: RuleParams,
}

impl RuleSet {
    pub fn in_force_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d <= t)
    }
}

/// The rule set in force on a date: the one whose period holds it (the latest start wins).
pub fn in_force(sets: &[RuleSet], on: NaiveDate) -> Option<&RuleSet> {
    sets.iter()
        .filter(|s| s.in_force_on(on))
        .max_by_key(|s| (s.valid_from, s.version))
}

/// A rule set as typed by an administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleSetDraft {
    pub name: String,
    pub source: String,
    pub valid_from: String,
    pub valid_to: String,
    pub max_f_level: String,
    pub infectious_days_before_onset: String,
    pub contact_window_days: String,
    /// Comma-separated classifications (`confirmed,probable`).
    pub f0_classifications: String,
    /// Comma-separated test kinds (`rt_pcr,antigen`).
    pub confirming_tests: String,
    /// Comma-separated names of unverified parameters.
    pub unverified: String,
    pub notes: String,
}

fn number<T: std::str::FromStr>(c: &mut Collector, field: &str, s: &str) -> Option<T> {
    match s.trim().parse::<T>() {
        Ok(v) => Some(v),
        Err(_) => {
            c.push(field, "cần một số nguyên không âm");
            None
        }
    }
}

fn list<T>(
    c: &mut Collector,
    s: &str,
    parse: impl Fn(&str) -> Result<T, Invalid>,
    field: &str,
) -> Vec<T> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match parse(part) {
            Ok(v) => out.push(v),
            Err(e) => {
                for fe in e.0 {
                    c.push(field, fe.message);
                }
            }
        }
    }
    out
}

impl RuleSetDraft {
    /// The draft of an existing rule set (to prefill the form of a new version).
    pub fn of(r: &RuleSet) -> Self {
        let p = &r.params;
        Self {
            name: r.name.clone(),
            source: r.source.clone(),
            valid_from: r.valid_from.format("%Y-%m-%d").to_string(),
            valid_to: r
                .valid_to
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            max_f_level: p.max_f_level.to_string(),
            infectious_days_before_onset: p.infectious_days_before_onset.to_string(),
            contact_window_days: p.contact_window_days.to_string(),
            f0_classifications: p
                .f0_classifications
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            confirming_tests: p
                .confirming_tests
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(","),
            unverified: p.unverified.join(","),
            notes: p.notes.clone(),
        }
    }

    /// Parses into a rule set with version `version`.
    pub fn parse(&self, version: i32) -> Result<RuleSet, Invalid> {
        let mut c = Collector::new();
        let name = crate::text::clean(&self.name);
        if name.chars().count() < 3 {
            c.push("name", "cần tên bộ quy tắc");
        }
        let source = crate::text::clean(&self.source);
        if source.chars().count() < 3 {
            c.push("source", "cần văn bản làm căn cứ (số hiệu, ngày)");
        }
        let from = c.take(parse_date("valid_from", &self.valid_from)).flatten();
        if from.is_none() && self.valid_from.trim().is_empty() {
            c.push("valid_from", "cần ngày bắt đầu áp dụng");
        }
        let to = c.take(parse_date("valid_to", &self.valid_to)).flatten();
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            c.push("valid_to", "ngày hết hiệu lực trước ngày bắt đầu");
        }
        let max = number::<u8>(&mut c, "max_f_level", &self.max_f_level);
        let inf = number::<u32>(
            &mut c,
            "infectious_days_before_onset",
            &self.infectious_days_before_onset,
        );
        let win = number::<u32>(&mut c, "contact_window_days", &self.contact_window_days);
        let f0 = list(
            &mut c,
            &self.f0_classifications,
            Classification::parse,
            "f0_classifications",
        );
        let tests = list(
            &mut c,
            &self.confirming_tests,
            SampleKind::parse,
            "confirming_tests",
        );
        let unverified: Vec<String> = self
            .unverified
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let notes = crate::text::clean(&self.notes);
        let (Some(from), Some(max), Some(inf), Some(win)) = (from, max, inf, win) else {
            c.finish()?;
            return Err(Invalid::field("name", "thiếu thông tin"));
        };
        let params = RuleParams {
            max_f_level: max,
            infectious_days_before_onset: inf,
            contact_window_days: win,
            f0_classifications: f0,
            confirming_tests: tests,
            unverified,
            notes,
        };
        if let Err(e) = params.validate() {
            for fe in e.0 {
                c.push(fe.field, fe.message);
            }
        }
        c.finish()?;
        Ok(RuleSet {
            version,
            name,
            source,
            valid_from: from,
            valid_to: to,
            params,
        })
    }
}

/// The shipped COVID-19 rule sets, from `regulations.md` §4. Tags there: [v] read in a faithful
/// source, [~] a summary, [?] not verified — anything not [v] is listed in `unverified`.
pub fn covid19_rule_sets() -> Vec<RuleSet> {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    let all = |u: &[&str]| u.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    use Classification::Confirmed;
    use SampleKind::{Antigen, RtPcr};
    vec![
        RuleSet {
            version: 1,
            name: "Truy vết COVID-19 năm 2020".into(),
            source:
                "Hướng dẫn giám sát COVID-19 của Bộ Y tế năm 2020; cách ly tập trung 14 ngày [~]"
                    .into(),
            valid_from: d(2020, 1, 23),
            valid_to: Some(d(2021, 5, 4)),
            params: RuleParams {
                max_f_level: 5,
                infectious_days_before_onset: 2,
                contact_window_days: 14,
                f0_classifications: vec![Confirmed],
                confirming_tests: vec![RtPcr],
                unverified: all(&[
                    "infectious_days_before_onset",
                    "contact_window_days",
                    "confirming_tests",
                ]),
                notes: "F0–F5 [v]. Cách ly tập trung 14 ngày rồi theo dõi 14 ngày tại nhà [~]. \
                        2 ngày trước khởi phát: chưa đối chiếu văn bản năm 2020 [?]."
                    .into(),
            },
        },
        RuleSet {
            version: 2,
            name: "Truy vết COVID-19 theo CĐ 600 và QĐ 3638".into(),
            source: "CĐ 600/CĐ-BCĐ (05/5/2021); QĐ 3638/QĐ-BYT (30/7/2021) về F2".into(),
            valid_from: d(2021, 5, 5),
            valid_to: Some(d(2021, 12, 28)),
            params: RuleParams {
                max_f_level: 5,
                infectious_days_before_onset: 2,
                contact_window_days: 21,
                f0_classifications: vec![Confirmed],
                confirming_tests: vec![RtPcr],
                unverified: all(&["infectious_days_before_onset", "confirming_tests"]),
                notes: "F0–F5 [v]; F2: trong 2 m với F1 từ khi F1 có thể bị lây đến khi F1 được \
                        cách ly (QĐ 3638) [v]; cách ly tập trung ≥21 ngày từ lần tiếp xúc cuối \
                        (CĐ 600) [v]. Khẳng định bằng RT-PCR [~]."
                    .into(),
            },
        },
        RuleSet {
            version: 3,
            name: "Truy vết COVID-19 theo CV 11042 và CV 10696".into(),
            source: "CV 11042/BYT-DP (29/12/2021); CV 10696/BYT-MT (12/2021)".into(),
            valid_from: d(2021, 12, 29),
            valid_to: Some(d(2022, 4, 14)),
            params: RuleParams {
                max_f_level: 1,
                infectious_days_before_onset: 2,
                contact_window_days: 7,
                f0_classifications: vec![Confirmed],
                confirming_tests: vec![RtPcr, Antigen],
                unverified: all(&["max_f_level", "confirming_tests"]),
                notes: "Thời kỳ lây từ 2 ngày trước khởi phát hoặc trước ngày lấy mẫu dương tính \
                        (CV 11042) [v]; F1 cách ly 7 ngày (CV 10696) [v]. Chỉ truy vết F1 và \
                        khẳng định bằng test nhanh: thực tiễn địa phương [~]."
                    .into(),
            },
        },
        RuleSet {
            version: 4,
            name: "COVID-19 sau CV 1909 (F1 không cách ly)".into(),
            source: "CV 1909/BYT-DP (15/4/2022)".into(),
            valid_from: d(2022, 4, 15),
            valid_to: None,
            params: RuleParams {
                max_f_level: 1,
                infectious_days_before_onset: 2,
                contact_window_days: 7,
                f0_classifications: vec![Confirmed],
                confirming_tests: vec![RtPcr, Antigen],
                unverified: all(&["max_f_level", "contact_window_days", "confirming_tests"]),
                notes: "F1 không còn phải cách ly (CV 1909) [v]; vẫn ghi nhận F1 để theo dõi [~]."
                    .into(),
            },
        },
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn shipped_sets_are_valid_contiguous_and_pick_by_date() {
        let sets = covid19_rule_sets();
        for s in &sets {
            s.params.validate().unwrap();
        }
        for w in sets.windows(2) {
            let end = w[0].valid_to.unwrap();
            assert_eq!(end.succ_opt().unwrap(), w[1].valid_from);
        }
        assert_eq!(in_force(&sets, day("2021-06-24")).unwrap().version, 2);
        assert_eq!(in_force(&sets, day("2020-03-01")).unwrap().version, 1);
        assert_eq!(in_force(&sets, day("2026-11-23")).unwrap().version, 4);
        assert!(in_force(&sets, day("2019-01-01")).is_none());
        let v2 = &sets[1].params;
        assert!(!v2.is_verified("infectious_days_before_onset"));
        assert!(v2.is_verified("max_f_level"));
    }

    #[test]
    fn confirmation_rules() {
        let sets = covid19_rule_sets();
        let v2 = &sets[1].params;
        assert!(v2.confirms(SampleKind::RtPcr, false));
        assert!(
            !v2.confirms(SampleKind::RtPcr, true),
            "pooled never confirms"
        );
        assert!(!v2.confirms(SampleKind::Antigen, false));
        assert!(sets[2].params.confirms(SampleKind::Antigen, false));
        assert!(v2.is_f0(Classification::Confirmed));
        assert!(!v2.is_f0(Classification::Suspected));
    }

    #[test]
    fn draft_round_trip_and_errors() {
        let sets = covid19_rule_sets();
        let back = RuleSetDraft::of(&sets[1]).parse(2).unwrap();
        assert_eq!(back, sets[1]);
        let e = RuleSetDraft {
            name: "x".into(),
            valid_from: "2021-06-01".into(),
            valid_to: "2021-05-01".into(),
            max_f_level: "9".into(),
            infectious_days_before_onset: "2".into(),
            contact_window_days: "abc".into(),
            f0_classifications: "suspected".into(),
            confirming_tests: "blood".into(),
            unverified: "nope".into(),
            ..Default::default()
        }
        .parse(5)
        .unwrap_err();
        for f in [
            "name",
            "source",
            "valid_to",
            "contact_window_days",
            "confirming_tests",
        ] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        let e2 = RuleSetDraft {
            max_f_level: "9".into(),
            contact_window_days: "14".into(),
            ..RuleSetDraft::of(&sets[1])
        }
        .parse(5)
        .unwrap_err();
        assert!(e2.message_for("max_f_level").is_some());
        assert!(parse_code("covid19").is_ok());
        assert!(parse_code("COVID 19").is_err());
    }
}
