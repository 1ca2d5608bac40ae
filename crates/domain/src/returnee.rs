//! Returnees (người về từ vùng dịch): a batch names where people came from (the origin area and
//! its risk level there), how and when they arrived and the commune that receives them; each
//! person of the batch is classified (returnee, F1, entrant) and given the quarantine order of
//! the rule version in force on the day they arrived.
//!
//! People arrive one by one at a checkpoint, or as an Excel list (`crate::import`).

use crate::area::AreaId;
use crate::error::{Collector, Invalid};
use crate::person::{PersonDraft, PersonInput};
use crate::quarantine::{ImmunityInput, Subject};
use crate::vocab::parse_past_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// How a batch was registered.
    pub enum BatchSource (field = "source") {
        Checkpoint = ("checkpoint", "Tại chốt kiểm soát"),
        Excel = ("excel", "Danh sách Excel"),
        Hotline = ("hotline", "Từ đường dây nóng"),
    }
}

/// The most doses of vaccine a person is recorded with.
pub const MAX_DOSES: u8 = 5;

/// A batch as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchDraft {
    /// The receiving commune (an area id).
    pub area_id: String,
    /// Where they came from, as said ("TP. Bắc Giang", "Khu công nghiệp Vân Trung").
    pub origin: String,
    /// The origin as a registered area, when known.
    pub origin_area_id: String,
    /// The origin's risk level when they left (as announced there: "cấp 4", "đỏ", "vùng phong tỏa").
    pub origin_level: String,
    pub transport: String,
    /// `dd/mm/yyyy` or `yyyy-mm-dd`; not in the future.
    pub arrived_on: String,
    pub source: String,
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchInput {
    pub area_id: AreaId,
    pub origin: String,
    pub origin_area_id: Option<AreaId>,
    pub origin_level: String,
    pub transport: String,
    pub arrived_on: NaiveDate,
    pub source: BatchSource,
    pub notes: String,
}

fn short_text(c: &mut Collector, field: &str, s: &str, max: usize, required: bool) -> String {
    let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if required && t.is_empty() {
        c.push(field, "bắt buộc");
    } else if t.chars().count() > max {
        c.push(field, format!("tối đa {max} ký tự"));
    }
    t
}

impl BatchDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<BatchInput, Invalid> {
        let mut c = Collector::new();
        let area_id = if self.area_id.trim().is_empty() {
            c.push("area_id", "chọn xã, phường tiếp nhận");
            None
        } else {
            c.take(AreaId::parse(&self.area_id).map_err(|_| {
                Invalid::field(
                    "area_id",
                    format!("mã địa bàn \"{}\" không hợp lệ", self.area_id),
                )
            }))
        };
        let origin = short_text(&mut c, "origin", &self.origin, 200, true);
        let origin_area_id = if self.origin_area_id.trim().is_empty() {
            Some(None)
        } else {
            c.take(AreaId::parse(&self.origin_area_id).map(Some).map_err(|_| {
                Invalid::field(
                    "origin_area_id",
                    format!("mã địa bàn \"{}\" không hợp lệ", self.origin_area_id),
                )
            }))
        };
        let origin_level = short_text(&mut c, "origin_level", &self.origin_level, 100, false);
        let transport = short_text(&mut c, "transport", &self.transport, 200, false);
        let arrived_on = match c.take(parse_past_date("arrived_on", &self.arrived_on, today)) {
            Some(Some(d)) => Some(d),
            Some(None) => {
                c.push("arrived_on", "bắt buộc");
                None
            }
            None => None,
        };
        let source = if self.source.trim().is_empty() {
            Some(BatchSource::Checkpoint)
        } else {
            c.take(BatchSource::parse(&self.source))
        };
        let notes = short_text(&mut c, "notes", &self.notes, 2000, false);
        c.finish()?;
        match (area_id, origin_area_id, arrived_on, source) {
            (Some(area_id), Some(origin_area_id), Some(arrived_on), Some(source)) => {
                Ok(BatchInput {
                    area_id,
                    origin,
                    origin_area_id,
                    origin_level,
                    transport,
                    arrived_on,
                    source,
                    notes,
                })
            }
            _ => Err(Invalid::field("arrived_on", "dữ liệu không hợp lệ")),
        }
    }
}

/// One person of a batch as typed (a checkpoint form, or an Excel row after its columns are
/// mapped). The person's commune (`person.area_id`) is where they will stay; empty means the
/// batch's receiving commune.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturneeDraft {
    #[serde(flatten)]
    pub person: PersonDraft,
    /// `returnee` (default), `f1`, `entrant` or `suspect`.
    pub subject: String,
    /// Doses of vaccine received (0–5); empty is 0.
    pub doses: String,
    pub last_dose: String,
    pub recovered_on: String,
    /// Empty means the batch's day.
    pub arrived_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReturneeInput {
    pub person: PersonInput,
    pub subject: Subject,
    pub immunity: ImmunityInput,
    pub arrived_on: NaiveDate,
}

/// Doses typed as a number 0–5 (empty is 0); the error names `field`.
pub fn parse_doses(field: &str, s: &str) -> Result<u8, Invalid> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    match t.parse::<u8>() {
        Ok(n) if n <= MAX_DOSES => Ok(n),
        _ => Err(Invalid::field(
            field,
            format!("số mũi \"{t}\" không hợp lệ (0–{MAX_DOSES})"),
        )),
    }
}

impl ReturneeDraft {
    /// Parses every field against the batch (its commune and day fill the blanks), collecting
    /// every error at once.
    pub fn parse(&self, batch: &BatchInput, today: NaiveDate) -> Result<ReturneeInput, Invalid> {
        let mut c = Collector::new();
        let mut person = self.person.clone();
        if person.area_id.trim().is_empty() {
            person.area_id = batch.area_id.as_str().to_owned();
        }
        let person = c.take(person.parse(today));
        let subject = if self.subject.trim().is_empty() {
            Some(Subject::Returnee)
        } else {
            c.take(Subject::parse(&self.subject).or_else(|e| {
                Subject::ALL
                    .iter()
                    .copied()
                    .find(|s| {
                        crate::text::search_key(s.label()) == crate::text::search_key(&self.subject)
                    })
                    .ok_or(e)
            }))
        };
        let doses = c.take(parse_doses("doses", &self.doses));
        let last_dose = c.take(parse_past_date("last_dose", &self.last_dose, today));
        let recovered_on = c.take(parse_past_date("recovered_on", &self.recovered_on, today));
        let arrived_on = c
            .take(parse_past_date("arrived_on", &self.arrived_on, today))
            .map(|d| d.unwrap_or(batch.arrived_on));
        if let (Some(0), Some(Some(_))) = (doses, last_dose) {
            c.push("last_dose", "có ngày tiêm mũi cuối nhưng số mũi là 0");
        }
        c.finish()?;
        match (person, subject, doses, last_dose, recovered_on, arrived_on) {
            (
                Some(person),
                Some(subject),
                Some(doses),
                Some(last_dose),
                Some(recovered_on),
                Some(arrived_on),
            ) => Ok(ReturneeInput {
                person,
                subject,
                immunity: ImmunityInput {
                    doses,
                    last_dose,
                    recovered_on,
                },
                arrived_on,
            }),
            _ => Err(Invalid::field("full_name", "dữ liệu không hợp lệ")),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 6, 24).unwrap()
    }

    fn batch() -> BatchInput {
        BatchDraft {
            area_id: "L03386".into(),
            origin: "TP. Bắc Giang".into(),
            origin_level: "cấp 4".into(),
            transport: "xe khách 29B-123.45".into(),
            arrived_on: "20/06/2021".into(),
            ..BatchDraft::default()
        }
        .parse(today())
        .unwrap()
    }

    #[test]
    fn a_batch_needs_its_commune_origin_and_a_day_not_in_the_future() {
        let b = batch();
        assert_eq!(b.arrived_on, NaiveDate::from_ymd_opt(2021, 6, 20).unwrap());
        assert_eq!(b.source, BatchSource::Checkpoint);
        let e = BatchDraft {
            arrived_on: "25/06/2021".into(),
            ..BatchDraft::default()
        }
        .parse(today())
        .unwrap_err();
        assert!(e.message_for("area_id").is_some());
        assert!(e.message_for("origin").is_some());
        assert!(e.message_for("arrived_on").unwrap().contains("tương lai"));
    }

    #[test]
    fn a_returnee_takes_the_batch_commune_and_day_when_blank() {
        let r = ReturneeDraft {
            person: PersonDraft {
                full_name: "Nguyễn Văn An".into(),
                ..PersonDraft::default()
            },
            doses: "2".into(),
            last_dose: "01/05/2021".into(),
            ..ReturneeDraft::default()
        }
        .parse(&batch(), today())
        .unwrap();
        assert_eq!(r.person.area_id.as_str(), "L03386");
        assert_eq!(r.arrived_on, batch().arrived_on);
        assert_eq!(r.subject, Subject::Returnee);
        assert_eq!(r.immunity.doses, 2);
    }

    #[test]
    fn a_returnee_row_names_every_bad_field() {
        let e = ReturneeDraft {
            person: PersonDraft {
                full_name: "".into(),
                id_number: "12".into(),
                ..PersonDraft::default()
            },
            subject: "khách du lịch".into(),
            doses: "7".into(),
            ..ReturneeDraft::default()
        }
        .parse(&batch(), today())
        .unwrap_err();
        for f in ["full_name", "id_number", "subject", "doses"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        // A subject may be typed as its label, without diacritics.
        let r = ReturneeDraft {
            person: PersonDraft {
                full_name: "Lê Thị Bình".into(),
                ..PersonDraft::default()
            },
            subject: "F1 (nguoi tiep xuc gan)".into(),
            ..ReturneeDraft::default()
        }
        .parse(&batch(), today())
        .unwrap();
        assert_eq!(r.subject, Subject::F1);
    }
}
