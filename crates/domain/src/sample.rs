//! Tests (xét nghiệm): samples taken from a person, the lab that runs them, and their result.
//! Whether a positive result confirms a case is decided by the disease's rule set.

use crate::error::{Collector, Invalid};
use crate::vocab::parse_past_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// The kind of test run on a sample.
    pub enum SampleKind (field = "kind") {
        RtPcr = ("rt_pcr", "RT-PCR"),
        Antigen = ("antigen", "Test nhanh kháng nguyên"),
    }
}

crate::vocabulary! {
    /// The result of a test.
    pub enum TestResult (field = "result") {
        Pending = ("pending", "Chờ kết quả"),
        Negative = ("negative", "Âm tính"),
        Positive = ("positive", "Dương tính"),
        Invalid = ("invalid", "Không xác định"),
    }
}

crate::vocabulary! {
    /// Why the sample was taken.
    pub enum SampleReason (field = "reason") {
        Symptoms = ("symptoms", "Sàng lọc người có triệu chứng (ho, sốt, khó thở)"),
        Contact = ("contact", "Người tiếp xúc (F1, F2)"),
        Case = ("case", "Theo dõi ca bệnh"),
        Returnee = ("returnee", "Người về từ vùng dịch"),
        Quarantine = ("quarantine", "Người đang cách ly"),
        Screening = ("screening", "Xét nghiệm sàng lọc cộng đồng"),
        Other = ("other", "Khác"),
    }
}

/// A sample as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SampleDraft {
    pub disease: String,
    pub kind: String,
    pub reason: String,
    pub taken_on: String,
    pub lab_id: String,
    /// Number of people in the pool (gộp mẫu); empty or 1 for an individual sample.
    pub pool_size: String,
    pub pool_code: String,
    pub symptoms: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampleInput {
    pub disease: String,
    pub kind: SampleKind,
    pub reason: SampleReason,
    pub taken_on: NaiveDate,
    pub lab_id: Option<i64>,
    pub pool_size: Option<u32>,
    pub pool_code: Option<String>,
    pub symptoms: String,
}

impl SampleInput {
    pub fn is_pooled(&self) -> bool {
        self.pool_size.is_some_and(|n| n > 1)
    }
}

impl SampleDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<SampleInput, Invalid> {
        let mut c = Collector::new();
        let disease = crate::text::clean(&self.disease);
        if disease.is_empty() {
            c.push("disease", "chọn bệnh");
        }
        let kind = c.take(SampleKind::parse(&self.kind));
        let reason = if self.reason.trim().is_empty() {
            Some(SampleReason::Other)
        } else {
            c.take(SampleReason::parse(&self.reason))
        };
        let taken_on = c.take(parse_past_date("taken_on", &self.taken_on, today));
        let lab_id = match self.lab_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(v) if v > 0 => Some(v),
                _ => {
                    c.push("lab_id", "phòng xét nghiệm không hợp lệ");
                    None
                }
            },
        };
        let pool_size = match self.pool_size.trim() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(v) if (1..=20).contains(&v) => Some(v),
                _ => {
                    c.push("pool_size", "số người trong mẫu gộp từ 1 đến 20");
                    None
                }
            },
        };
        let pool_code = crate::text::clean(&self.pool_code);
        if pool_size.is_some_and(|n| n > 1) && pool_code.is_empty() {
            c.push("pool_code", "mẫu gộp cần mã mẫu gộp");
        }
        let symptoms = crate::text::clean(&self.symptoms);
        if symptoms.chars().count() > 500 {
            c.push("symptoms", "tối đa 500 ký tự");
        }
        c.finish()?;
        let (Some(kind), Some(reason)) = (kind, reason) else {
            return Err(Invalid::field("kind", "thiếu loại xét nghiệm"));
        };
        Ok(SampleInput {
            disease,
            kind,
            reason,
            taken_on: taken_on.flatten().unwrap_or(today),
            lab_id,
            pool_size,
            pool_code: Some(pool_code).filter(|s| !s.is_empty()),
            symptoms,
        })
    }
}

/// A result as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResultDraft {
    pub result: String,
    pub result_on: String,
    pub ct: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ResultInput {
    pub result: TestResult,
    pub result_on: NaiveDate,
    pub ct: Option<f64>,
}

impl ResultDraft {
    /// Parses a result for a sample taken on `taken_on`.
    pub fn parse(&self, taken_on: NaiveDate, today: NaiveDate) -> Result<ResultInput, Invalid> {
        let mut c = Collector::new();
        let result = c.take(TestResult::parse(&self.result));
        let on = c
            .take(parse_past_date("result_on", &self.result_on, today))
            .flatten()
            .unwrap_or(today);
        if on < taken_on {
            c.push("result_on", "ngày có kết quả trước ngày lấy mẫu");
        }
        let ct = match self.ct.trim().replace(',', ".").as_str() {
            "" => None,
            s => match s.parse::<f64>() {
                Ok(v) if (0.0..=50.0).contains(&v) => Some(v),
                _ => {
                    c.push("ct", "Ct là số từ 0 đến 50");
                    None
                }
            },
        };
        if ct.is_some() && result == Some(TestResult::Pending) {
            c.push("ct", "chưa có kết quả thì chưa có Ct");
        }
        c.finish()?;
        let Some(result) = result else {
            return Err(Invalid::field("result", "thiếu kết quả"));
        };
        Ok(ResultInput {
            result,
            result_on: on,
            ct,
        })
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
    fn samples_and_pools() {
        let today = day("2021-06-24");
        let s = SampleDraft {
            disease: "covid19".into(),
            kind: "rt_pcr".into(),
            pool_size: "5".into(),
            pool_code: "G-12".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert!(s.is_pooled());
        assert_eq!(s.taken_on, today);
        let e = SampleDraft {
            disease: "covid19".into(),
            kind: "blood".into(),
            pool_size: "5".into(),
            taken_on: "2021-07-01".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        for f in ["kind", "pool_code", "taken_on"] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
    }

    #[test]
    fn results() {
        let today = day("2021-06-24");
        let r = ResultDraft {
            result: "positive".into(),
            result_on: "24/06/2021".into(),
            ct: "22,5".into(),
        }
        .parse(day("2021-06-23"), today)
        .unwrap();
        assert_eq!(r.ct, Some(22.5));
        assert!(
            ResultDraft {
                result: "positive".into(),
                result_on: "2021-06-20".into(),
                ct: "".into()
            }
            .parse(day("2021-06-23"), today)
            .unwrap_err()
            .message_for("result_on")
            .is_some()
        );
        assert!(
            ResultDraft {
                result: "positive".into(),
                ct: "99".into(),
                ..Default::default()
            }
            .parse(day("2021-06-23"), today)
            .is_err()
        );
    }
}
