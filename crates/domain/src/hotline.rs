//! The hotline and citizens' reports (đường dây nóng, phản ánh của người dân — Chỉ thị 02 and
//! 03): what a report is about, where, who to call back; how it is triaged, assigned to a
//! commune or an agency and closed; and what a report about a person becomes (a suspected case
//! or a returnee from an epidemic area).

use crate::area::AreaId;
use crate::error::{Collector, Invalid};
use crate::person::Phone;
use crate::text::{clean, search_key};
use crate::vocab::parse_past_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

crate::vocabulary! {
    /// What a report is about.
    pub enum ReportKind (field = "kind") {
        Suspect = ("suspect", "Người nghi mắc bệnh"),
        IllegalEntrant = ("illegal_entrant", "Người nhập cảnh trái phép"),
        EpidemicArrival = ("epidemic_arrival", "Người đến, về từ vùng có dịch"),
        MeasureViolation = ("measure_violation", "Vi phạm biện pháp phòng, chống dịch"),
        PriceGouging = ("price_gouging", "Tăng giá, hàng giả vật tư y tế"),
        Other = ("other", "Khác"),
    }
}

crate::vocabulary! {
    /// Where a report stands.
    pub enum ReportStatus (field = "status") {
        New = ("new", "Mới nhận"),
        Triaged = ("triaged", "Đã phân loại"),
        Assigned = ("assigned", "Đã giao xử lý"),
        Closed = ("closed", "Đã xử lý xong"),
        Rejected = ("rejected", "Không xử lý"),
    }
}

crate::vocabulary! {
    /// How a report came in.
    pub enum Channel (field = "channel") {
        Web = ("web", "Biểu mẫu trên trang web"),
        Phone = ("phone", "Gọi đường dây nóng"),
    }
}

crate::vocabulary! {
    /// How soon a report must be acted on.
    pub enum Priority (field = "priority") {
        Normal = ("normal", "Thường"),
        Urgent = ("urgent", "Khẩn"),
    }
}

crate::vocabulary! {
    /// What a report about a person becomes.
    pub enum ConvertTarget (field = "to") {
        Suspect = ("suspect", "Ca nghi ngờ"),
        Returnee = ("returnee", "Người về từ vùng dịch"),
    }
}

impl ReportKind {
    /// A suspect or someone who crossed the border illegally may be spreading the disease now:
    /// such reports start urgent (the operator may lower it at triage).
    pub fn initial_priority(self) -> Priority {
        match self {
            ReportKind::Suspect | ReportKind::IllegalEntrant => Priority::Urgent,
            _ => Priority::Normal,
        }
    }

    /// Whether a report of this kind may be about a person, and so become a suspect or a
    /// returnee record. Price gouging and fake supplies are about shops, not people.
    pub fn may_concern_a_person(self) -> bool {
        self != ReportKind::PriceGouging
    }
}

impl ReportStatus {
    /// Closed and rejected reports are final.
    pub fn is_open(self) -> bool {
        !matches!(self, ReportStatus::Closed | ReportStatus::Rejected)
    }

    /// Refuses any change to a closed or rejected report, naming `field`.
    pub fn check_open(self, field: &str) -> Result<(), Invalid> {
        if self.is_open() {
            Ok(())
        } else {
            Err(Invalid::field(
                field,
                format!(
                    "phản ánh đã ở trạng thái \"{}\", không sửa được nữa",
                    self.label()
                ),
            ))
        }
    }
}

/// The number a citizen is given for a report: `PA-000123`.
pub fn reference(id: i64) -> String {
    format!("PA-{id:06}")
}

/// The id in a reference as typed back by someone (`PA-000123`, `pa 123`, `PA123`).
pub fn parse_reference(s: &str) -> Option<i64> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    let digits = t.strip_prefix("PA")?;
    if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&n: &i64| n > 0)
}

/// A report as typed in the public form, an operator's form or a request body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportDraft {
    pub kind: String,
    /// The commune (ward) where it happens.
    pub area_id: String,
    pub reporter_name: String,
    pub reporter_phone: String,
    /// The person reported, if any.
    pub subject_name: String,
    pub subject_phone: String,
    /// House number, village, shop name …
    pub place_detail: String,
    pub description: String,
    /// Only operators set it; empty: by the kind ([`ReportKind::initial_priority`]).
    pub priority: String,
}

/// A report, parsed and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportInput {
    pub kind: ReportKind,
    pub area_id: AreaId,
    pub channel: Channel,
    pub priority: Priority,
    pub reporter_name: String,
    pub reporter_phone: Option<Phone>,
    pub subject_name: String,
    pub subject_phone: Option<Phone>,
    pub place_detail: String,
    pub description: String,
}

/// Bounds of the free-text fields, in characters.
pub const MAX_NAME: usize = 100;
pub const MAX_PLACE: usize = 300;
pub const MIN_DESCRIPTION: usize = 10;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_OUTCOME: usize = 2000;

/// Cleans a text of several lines: each line as [`clean`] does, at most one empty line in a
/// row, none at the start or the end.
pub fn clean_block(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in s.lines().map(clean) {
        if line.is_empty() && out.last().is_none_or(String::is_empty) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

fn bounded(c: &mut Collector, field: &str, s: &str, max: usize) -> String {
    let v = clean(s);
    if v.chars().count() > max {
        c.push(field, format!("tối đa {max} ký tự"));
    }
    v
}

/// A phone number in a field of its own name (the error names that field).
fn phone_in(c: &mut Collector, field: &str, s: &str, required: bool) -> Option<Phone> {
    if s.trim().is_empty() {
        if required {
            c.push(
                field,
                "cần số điện thoại để cơ quan chức năng liên hệ lại, xác minh",
            );
        }
        return None;
    }
    match Phone::parse(s) {
        Ok(p) => Some(p),
        Err(Invalid(errors)) => {
            for e in errors {
                c.push(field, e.message);
            }
            None
        }
    }
}

impl ReportInput {
    /// Parses a report, collecting every field's error. A citizen on the web must leave a phone
    /// number (to be called back, and so that one number cannot flood the hotline); a caller
    /// may have withheld theirs.
    pub fn parse(d: &ReportDraft, channel: Channel) -> Result<ReportInput, Invalid> {
        let mut c = Collector::new();
        let kind = if d.kind.trim().is_empty() {
            c.push("kind", "chọn nội dung phản ánh");
            None
        } else {
            c.take(ReportKind::parse(&d.kind))
        };
        let area_id = if d.area_id.trim().is_empty() {
            c.push("area_id", "chọn xã, phường nơi xảy ra sự việc");
            None
        } else {
            c.take(AreaId::parse(&d.area_id))
        };
        let priority = c.take(Priority::parse_opt(&d.priority));
        let reporter_name = bounded(&mut c, "reporter_name", &d.reporter_name, MAX_NAME);
        let reporter_phone = phone_in(
            &mut c,
            "reporter_phone",
            &d.reporter_phone,
            channel == Channel::Web,
        );
        let subject_name = bounded(&mut c, "subject_name", &d.subject_name, MAX_NAME);
        let subject_phone = phone_in(&mut c, "subject_phone", &d.subject_phone, false);
        let place_detail = bounded(&mut c, "place_detail", &d.place_detail, MAX_PLACE);
        let description = clean_block(&d.description);
        let len = description.chars().count();
        if len == 0 {
            c.push("description", "hãy mô tả sự việc");
        } else if len < MIN_DESCRIPTION {
            c.push(
                "description",
                format!("mô tả quá ngắn (ít nhất {MIN_DESCRIPTION} ký tự)"),
            );
        } else if len > MAX_DESCRIPTION {
            c.push(
                "description",
                format!("mô tả tối đa {MAX_DESCRIPTION} ký tự (đã nhập {len})"),
            );
        }
        c.finish()?;
        match (kind, area_id, priority) {
            (Some(kind), Some(area_id), Some(priority)) => Ok(ReportInput {
                priority: priority.unwrap_or_else(|| kind.initial_priority()),
                kind,
                area_id,
                channel,
                reporter_name,
                reporter_phone,
                subject_name,
                subject_phone,
                place_detail,
                description,
            }),
            _ => Err(Invalid::field("kind", "thiếu thông tin phản ánh")),
        }
    }

    /// The diacritic-free key the operators' search looks in: the names, phones, place and
    /// description.
    pub fn search_text(&self) -> String {
        let phones = [&self.reporter_phone, &self.subject_phone]
            .into_iter()
            .flatten()
            .map(Phone::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        search_key(&format!(
            "{} {} {} {} {}",
            self.reporter_name, self.subject_name, phones, self.place_detail, self.description
        ))
    }
}

/// Triage: what the report is really about, how urgent, and its status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TriageDraft {
    pub kind: String,
    pub priority: String,
    /// `triaged` (the default) or `new`; assigning, closing and rejecting have their own steps.
    pub status: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TriageInput {
    pub kind: ReportKind,
    pub priority: Priority,
    pub status: ReportStatus,
}

impl TriageDraft {
    /// Parses against the report's current status: a closed or rejected report is not
    /// triaged again; an assigned report keeps its status unless told otherwise.
    pub fn parse(&self, current: ReportStatus) -> Result<TriageInput, Invalid> {
        let mut c = Collector::new();
        c.take(current.check_open("status"));
        let kind = c.take(ReportKind::parse(&self.kind));
        let priority = c.take(Priority::parse(&self.priority));
        let status = if self.status.trim().is_empty() {
            Some(if current == ReportStatus::Assigned {
                ReportStatus::Assigned
            } else {
                ReportStatus::Triaged
            })
        } else {
            match c.take(ReportStatus::parse(&self.status)) {
                Some(s @ (ReportStatus::New | ReportStatus::Triaged)) => Some(s),
                Some(ReportStatus::Assigned) if current == ReportStatus::Assigned => {
                    Some(ReportStatus::Assigned)
                }
                Some(ReportStatus::Assigned) => {
                    c.push(
                        "status",
                        "giao xử lý bằng bước \"Giao xử lý\" (chọn nơi nhận)",
                    );
                    None
                }
                Some(_) => {
                    c.push(
                        "status",
                        "kết thúc hoặc từ chối bằng bước \"Kết thúc\" (ghi kết quả)",
                    );
                    None
                }
                None => None,
            }
        };
        c.finish()?;
        match (kind, priority, status) {
            (Some(kind), Some(priority), Some(status)) => Ok(TriageInput {
                kind,
                priority,
                status,
            }),
            _ => Err(Invalid::field("kind", "thiếu thông tin phân loại")),
        }
    }
}

/// Assignment: a commune (or any unit) and/or an agency that will handle the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssignDraft {
    pub area_id: String,
    pub agency_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignInput {
    pub area_id: Option<AreaId>,
    pub agency_id: Option<i64>,
}

impl AssignDraft {
    pub fn parse(&self, current: ReportStatus) -> Result<AssignInput, Invalid> {
        let mut c = Collector::new();
        c.take(current.check_open("area_id"));
        let area_id = c.take(
            (!self.area_id.trim().is_empty())
                .then(|| AreaId::parse(&self.area_id))
                .transpose(),
        );
        let agency = self.agency_id.trim();
        let agency_id = if agency.is_empty() {
            Some(None)
        } else {
            match agency.parse::<i64>() {
                Ok(n) if n > 0 => Some(Some(n)),
                _ => {
                    c.push("agency_id", format!("mã cơ quan \"{agency}\" không hợp lệ"));
                    None
                }
            }
        };
        if matches!((&area_id, &agency_id), (Some(None), Some(None))) {
            c.push("area_id", "chọn địa bàn hoặc cơ quan nhận xử lý");
        }
        c.finish()?;
        match (area_id, agency_id) {
            (Some(area_id), Some(agency_id)) => Ok(AssignInput { area_id, agency_id }),
            _ => Err(Invalid::field("area_id", "thiếu nơi nhận xử lý")),
        }
    }
}

/// Closing: the outcome, or why the report is rejected (false, duplicate, out of scope).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseDraft {
    pub outcome: String,
    /// Reject instead of close.
    pub reject: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloseInput {
    pub status: ReportStatus,
    pub outcome: String,
}

impl CloseDraft {
    pub fn parse(&self, current: ReportStatus) -> Result<CloseInput, Invalid> {
        let mut c = Collector::new();
        c.take(current.check_open("outcome"));
        let outcome = clean_block(self.outcome.trim());
        let len = outcome.chars().count();
        if len < 3 {
            c.push(
                "outcome",
                if self.reject {
                    "ghi lý do không xử lý (tin sai, trùng, không thuộc thẩm quyền …)"
                } else {
                    "ghi kết quả xử lý"
                },
            );
        } else if len > MAX_OUTCOME {
            c.push("outcome", format!("tối đa {MAX_OUTCOME} ký tự"));
        }
        c.finish()?;
        Ok(CloseInput {
            status: if self.reject {
                ReportStatus::Rejected
            } else {
                ReportStatus::Closed
            },
            outcome,
        })
    }
}

/// What a returnee record needs beyond the person: where they came from, when and how.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturneeDraft {
    /// The place they came from, as said (a province, a country, a city).
    pub origin: String,
    /// The unit they came from, when known.
    pub origin_area_id: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    pub arrived_on: String,
    /// Car, coach, train, plane …
    pub transport: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturneeInput {
    pub origin: String,
    pub origin_area_id: Option<AreaId>,
    pub arrived_on: NaiveDate,
    pub transport: String,
}

impl ReturneeDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<ReturneeInput, Invalid> {
        let mut c = Collector::new();
        let origin = bounded(&mut c, "origin", &self.origin, 200);
        if origin.chars().count() < 2 {
            c.push("origin", "ghi nơi đi (tỉnh, thành phố hoặc nước)");
        }
        let origin_area_id = c.take(
            (!self.origin_area_id.trim().is_empty())
                .then(|| {
                    AreaId::parse(&self.origin_area_id).map_err(|_| {
                        Invalid::field(
                            "origin_area_id",
                            format!("mã địa bàn \"{}\" không hợp lệ", self.origin_area_id.trim()),
                        )
                    })
                })
                .transpose(),
        );
        let arrived_on = c
            .take(parse_past_date("arrived_on", &self.arrived_on, today))
            .flatten();
        if arrived_on.is_none() && self.arrived_on.trim().is_empty() {
            c.push("arrived_on", "cần ngày về địa phương");
        }
        let transport = bounded(&mut c, "transport", &self.transport, 100);
        c.finish()?;
        match (origin_area_id, arrived_on) {
            (Some(origin_area_id), Some(arrived_on)) => Ok(ReturneeInput {
                origin,
                origin_area_id,
                arrived_on,
                transport,
            }),
            _ => Err(Invalid::field("origin", "thiếu thông tin người về")),
        }
    }
}

/// Refuses to convert a report that is closed, rejected, or not about a person.
pub fn check_convertible(kind: ReportKind, status: ReportStatus) -> Result<(), Invalid> {
    status.check_open("to")?;
    if kind.may_concern_a_person() {
        Ok(())
    } else {
        Err(Invalid::field(
            "to",
            format!(
                "phản ánh loại \"{}\" không nói về một người; phân loại lại nếu cần",
                kind.label()
            ),
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn draft() -> ReportDraft {
        ReportDraft {
            kind: "illegal_entrant".into(),
            area_id: "L03386".into(),
            reporter_phone: "0912 345 678".into(),
            subject_name: "  Nguyễn   Văn A ".into(),
            place_detail: "Tổ 5".into(),
            description: "Có người mới vượt biên về, ở nhà số 12.".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_citizens_report_parses_with_its_priority_from_the_kind() {
        let r = ReportInput::parse(&draft(), Channel::Web).unwrap();
        assert_eq!(r.kind, ReportKind::IllegalEntrant);
        assert_eq!(r.priority, Priority::Urgent);
        assert_eq!(r.reporter_phone.as_ref().unwrap().as_str(), "0912345678");
        assert_eq!(r.subject_name, "Nguyễn Văn A");
        assert!(r.search_text().contains("nguyen van a"));
        assert!(r.search_text().contains("0912345678"));
        let other = ReportInput::parse(
            &ReportDraft {
                kind: "price_gouging".into(),
                ..draft()
            },
            Channel::Web,
        )
        .unwrap();
        assert_eq!(other.priority, Priority::Normal);
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = ReportInput::parse(&ReportDraft::default(), Channel::Web).unwrap_err();
        for f in ["kind", "area_id", "reporter_phone", "description"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        let e = ReportInput::parse(
            &ReportDraft {
                kind: "rumour".into(),
                reporter_phone: "12345".into(),
                subject_phone: "0123".into(),
                description: "ngắn".into(),
                priority: "asap".into(),
                ..draft()
            },
            Channel::Web,
        )
        .unwrap_err();
        for f in [
            "kind",
            "reporter_phone",
            "subject_phone",
            "description",
            "priority",
        ] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        assert!(e.message_for("phone").is_none());
    }

    #[test]
    fn a_caller_may_withhold_their_number() {
        let d = ReportDraft {
            reporter_phone: String::new(),
            ..draft()
        };
        assert!(ReportInput::parse(&d, Channel::Web).is_err());
        assert!(ReportInput::parse(&d, Channel::Phone).is_ok());
    }

    #[test]
    fn blocks_keep_their_lines() {
        assert_eq!(clean_block("\n\n  a  b \r\n\n\n\n c\n\n"), "a b\n\nc");
        assert_eq!(clean_block(" \n "), "");
    }

    #[test]
    fn references_round_trip() {
        assert_eq!(reference(123), "PA-000123");
        assert_eq!(parse_reference("PA-000123"), Some(123));
        assert_eq!(parse_reference(" pa 123 "), Some(123));
        assert_eq!(parse_reference("123"), None);
        assert_eq!(parse_reference("PA-"), None);
        assert_eq!(parse_reference("PA-0"), None);
    }

    #[test]
    fn triage_assign_and_close_follow_the_status() {
        let t = TriageDraft {
            kind: "suspect".into(),
            priority: "normal".into(),
            status: String::new(),
        }
        .parse(ReportStatus::New)
        .unwrap();
        assert_eq!(t.status, ReportStatus::Triaged);
        assert_eq!(t.priority, Priority::Normal);
        let e = TriageDraft {
            kind: "suspect".into(),
            priority: "urgent".into(),
            status: "closed".into(),
        }
        .parse(ReportStatus::New)
        .unwrap_err();
        assert!(e.message_for("status").is_some());
        let e = TriageDraft {
            kind: "suspect".into(),
            priority: "urgent".into(),
            status: String::new(),
        }
        .parse(ReportStatus::Closed)
        .unwrap_err();
        assert!(e.message_for("status").is_some());

        let a = AssignDraft {
            area_id: "L03387".into(),
            agency_id: String::new(),
        }
        .parse(ReportStatus::Triaged)
        .unwrap();
        assert_eq!(a.area_id.unwrap().as_str(), "L03387");
        let e = AssignDraft::default()
            .parse(ReportStatus::Triaged)
            .unwrap_err();
        assert!(e.message_for("area_id").is_some());
        let e = AssignDraft {
            area_id: String::new(),
            agency_id: "abc".into(),
        }
        .parse(ReportStatus::New)
        .unwrap_err();
        assert!(e.message_for("agency_id").is_some());

        let closed = CloseDraft {
            outcome: "Đã cách ly tại nhà".into(),
            reject: false,
        }
        .parse(ReportStatus::Assigned)
        .unwrap();
        assert_eq!(closed.status, ReportStatus::Closed);
        let rejected = CloseDraft {
            outcome: "Tin trùng".into(),
            reject: true,
        }
        .parse(ReportStatus::New)
        .unwrap();
        assert_eq!(rejected.status, ReportStatus::Rejected);
        assert!(
            CloseDraft::default()
                .parse(ReportStatus::New)
                .unwrap_err()
                .message_for("outcome")
                .is_some()
        );
        assert!(
            CloseDraft {
                outcome: "Lần nữa".into(),
                reject: false
            }
            .parse(ReportStatus::Closed)
            .is_err()
        );
    }

    #[test]
    fn returnees_need_where_from_and_when() {
        let today = NaiveDate::from_ymd_opt(2021, 6, 24).unwrap();
        let r = ReturneeDraft {
            origin: "TP. Hồ Chí Minh".into(),
            arrived_on: "22/06/2021".into(),
            transport: "xe khách".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap();
        assert_eq!(r.arrived_on, NaiveDate::from_ymd_opt(2021, 6, 22).unwrap());
        let e = ReturneeDraft {
            arrived_on: "25/06/2021".into(),
            origin_area_id: "X".into(),
            ..Default::default()
        }
        .parse(today)
        .unwrap_err();
        for f in ["origin", "arrived_on", "origin_area_id"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
    }

    #[test]
    fn only_open_reports_about_people_convert() {
        assert!(check_convertible(ReportKind::Suspect, ReportStatus::New).is_ok());
        assert!(check_convertible(ReportKind::PriceGouging, ReportStatus::New).is_err());
        assert!(check_convertible(ReportKind::Suspect, ReportStatus::Rejected).is_err());
        for k in ReportKind::ALL {
            assert_eq!(ReportKind::parse(k.as_str()).unwrap(), *k);
        }
        assert_eq!(
            serde_json::to_string(&ReportKind::EpidemicArrival).unwrap(),
            "\"epidemic_arrival\""
        );
    }
}
