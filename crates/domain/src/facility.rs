//! Quarantine facilities (cơ sở cách ly): centralized sites, paid hotels, health facilities; their
//! rooms and beds, and the stays of the people quarantined there.
//!
//! Directive 002 asks that centralized quarantine never becomes a place of infection: people of
//! different arrival dates or risk groups are not put in one room. A stay carries its *cohort
//! date* (the day of arrival, or of last exposure for an F1) and its risk group; a newcomer may
//! share a room only with people of the same cohort date and risk group. Neither a room's beds
//! nor the facility's total beds may be exceeded.

use crate::area::AreaId;
use crate::error::{Collector, Invalid};
use crate::vocab::parse_past_date;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The risk groups are those quarantine orders are issued for (`f1`, `returnee`, `entrant`,
/// `suspect`): one vocabulary for the order and for the room.
pub use crate::quarantine::Subject as RiskGroup;

crate::vocabulary! {
    /// What kind of place a facility is.
    pub enum FacilityKind (field = "kind") {
        Centralized = ("centralized", "Khu cách ly tập trung"),
        Hotel = ("hotel", "Khách sạn (cách ly có thu phí)"),
        Hospital = ("hospital", "Cơ sở y tế"),
    }
}

crate::vocabulary! {
    /// Why a stay ended.
    pub enum LeftReason (field = "reason") {
        Discharged = ("discharged", "Hoàn thành cách ly"),
        Transferred = ("transferred", "Chuyển cơ sở khác"),
        MovedRoom = ("moved_room", "Chuyển phòng"),
        Positive = ("positive", "Dương tính, chuyển điều trị"),
        Other = ("other", "Lý do khác"),
    }
}

/// The most rooms a facility is entered with at once, and the most beds in one room.
pub const MAX_ROOMS: usize = 2000;
pub const MAX_ROOM_BEDS: i64 = 200;

/// A room as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoomDraft {
    pub name: String,
    pub beds: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomInput {
    pub name: String,
    pub beds: i64,
}

/// Rooms typed one per line as `name: beds` (`P101: 4`); empty lines are skipped.
pub fn room_lines(text: &str) -> Vec<RoomDraft> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.rsplit_once([':', ';', '\t']) {
            Some((name, beds)) => RoomDraft {
                name: name.trim().to_owned(),
                beds: beds.trim().to_owned(),
            },
            None => RoomDraft {
                name: l.to_owned(),
                beds: String::new(),
            },
        })
        .collect()
}

/// A facility as typed in the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FacilityDraft {
    pub area_id: String,
    pub name: String,
    pub kind: String,
    /// Who runs it (đơn vị quản lý).
    pub operator: String,
    pub address: String,
    pub phone: String,
    /// The beds the facility may use in all (empty: every bed of its rooms).
    pub beds: String,
    pub rooms: Vec<RoomDraft>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacilityInput {
    pub area_id: AreaId,
    pub name: String,
    pub kind: FacilityKind,
    pub operator: String,
    pub address: String,
    pub phone: String,
    pub beds: i64,
    pub rooms: Vec<RoomInput>,
}

fn text(c: &mut Collector, field: &str, s: &str, max: usize, need: Option<&str>) -> String {
    let t = crate::text::clean(s);
    if t.is_empty() {
        if let Some(what) = need {
            c.push(field, format!("cần {what}"));
        }
    } else if t.chars().count() > max {
        c.push(field, format!("dài quá {max} ký tự"));
    }
    t
}

fn count(field: &str, s: &str, what: &str, max: i64) -> Result<i64, Invalid> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        Ok(_) => Err(Invalid::field(field, format!("{what} phải từ 1 đến {max}"))),
        Err(_) if t.is_empty() => Err(Invalid::field(field, format!("cần {what}"))),
        Err(_) => Err(Invalid::field(
            field,
            format!("{what} \"{t}\" không phải số nguyên"),
        )),
    }
}

/// A positive id typed in a field.
pub fn parse_id(field: &str, s: &str, what: &str) -> Result<i64, Invalid> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ if t.is_empty() => Err(Invalid::field(field, format!("chọn {what}"))),
        _ => Err(Invalid::field(
            field,
            format!("\"{t}\" không phải mã {what}"),
        )),
    }
}

impl FacilityDraft {
    /// Every field at once; rooms are named `rooms` (the form's one text field): a room
    /// without a name or with a bad bed count, a name twice.
    pub fn parse(&self) -> Result<FacilityInput, Invalid> {
        let mut c = Collector::new();
        let area_id = if self.area_id.trim().is_empty() {
            c.push("area_id", "chọn địa bàn của cơ sở");
            None
        } else {
            c.take(AreaId::parse(&self.area_id))
        };
        let name = text(&mut c, "name", &self.name, 300, Some("tên cơ sở"));
        let kind = if self.kind.trim().is_empty() {
            c.push("kind", "chọn loại cơ sở");
            None
        } else {
            c.take(FacilityKind::parse(&self.kind))
        };
        let operator = text(&mut c, "operator", &self.operator, 300, None);
        let address = text(&mut c, "address", &self.address, 500, None);
        let phone = text(&mut c, "phone", &self.phone, 50, None);
        let mut rooms: Vec<RoomInput> = Vec::new();
        if self.rooms.is_empty() {
            c.push(
                "rooms",
                "cần ít nhất một phòng (mỗi dòng: tên phòng: số giường)",
            );
        }
        if self.rooms.len() > MAX_ROOMS {
            c.push("rooms", format!("nhiều nhất {MAX_ROOMS} phòng một lần"));
        }
        for (i, r) in self.rooms.iter().enumerate().take(MAX_ROOMS) {
            let rname = crate::text::clean(&r.name);
            let line = i + 1;
            if rname.is_empty() {
                c.push("rooms", format!("dòng {line}: cần tên phòng"));
                continue;
            }
            if rname.chars().count() > 100 {
                c.push("rooms", format!("dòng {line}: tên phòng dài quá 100 ký tự"));
                continue;
            }
            if rooms.iter().any(|o| o.name == rname) {
                c.push(
                    "rooms",
                    format!("dòng {line}: phòng \"{rname}\" ghi hai lần"),
                );
                continue;
            }
            match count("rooms", &r.beds, "số giường", MAX_ROOM_BEDS) {
                Ok(beds) => rooms.push(RoomInput { name: rname, beds }),
                Err(e) => {
                    for f in e.0 {
                        c.push("rooms", format!("dòng {line} ({rname}): {}", f.message));
                    }
                }
            }
        }
        let room_beds: i64 = rooms.iter().map(|r| r.beds).sum();
        let beds = if self.beds.trim().is_empty() {
            Some(room_beds)
        } else {
            c.take(count("beds", &self.beds, "tổng số giường", 1_000_000))
                .and_then(|b| {
                    if room_beds > 0 && b > room_beds {
                        c.push(
                            "beds",
                            format!(
                                "tổng số giường ({b}) nhiều hơn số giường của các phòng ({room_beds})"
                            ),
                        );
                        None
                    } else {
                        Some(b)
                    }
                })
        };
        c.finish()?;
        match (area_id, kind, beds) {
            (Some(area_id), Some(kind), Some(beds)) => Ok(FacilityInput {
                area_id,
                name,
                kind,
                operator,
                address,
                phone,
                beds,
                rooms,
            }),
            _ => Err(Invalid::field("name", "thiếu thông tin cơ sở")),
        }
    }
}

/// An admission as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdmissionDraft {
    pub person_id: String,
    pub room_id: String,
    pub risk_group: String,
    /// The day of arrival, or of last exposure (dd/mm/yyyy).
    pub cohort_date: String,
    /// The day of admission (empty: today).
    pub admitted_on: String,
}

/// The two things a room's occupants must share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cohort {
    pub risk_group: RiskGroup,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdmissionInput {
    pub person_id: i64,
    pub room_id: i64,
    pub cohort: Cohort,
    pub admitted_on: NaiveDate,
}

fn as_field(e: Invalid, field: &str) -> Invalid {
    Invalid(
        e.0.into_iter()
            .map(|f| crate::FieldError::new(field, f.message))
            .collect(),
    )
}

/// A day, required, not after `today`.
fn day(c: &mut Collector, field: &str, s: &str, today: NaiveDate, what: &str) -> Option<NaiveDate> {
    if s.trim().is_empty() {
        c.push(field, format!("cần {what} (dd/mm/yyyy)"));
        return None;
    }
    c.take(parse_past_date(field, s, today)).flatten()
}

impl AdmissionDraft {
    /// Neither day may lie in the future; the cohort date may not follow the admission.
    pub fn parse(&self, today: NaiveDate) -> Result<AdmissionInput, Invalid> {
        let mut c = Collector::new();
        let person_id = c.take(parse_id("person_id", &self.person_id, "người"));
        let room_id = c.take(parse_id("room_id", &self.room_id, "phòng"));
        let risk_group = if self.risk_group.trim().is_empty() {
            c.push("risk_group", "chọn nhóm nguy cơ");
            None
        } else {
            c.take(RiskGroup::parse(&self.risk_group).map_err(|e| as_field(e, "risk_group")))
        };
        let cohort_date = day(
            &mut c,
            "cohort_date",
            &self.cohort_date,
            today,
            "ngày về / ngày tiếp xúc cuối",
        );
        let admitted_on = if self.admitted_on.trim().is_empty() {
            Some(today)
        } else {
            day(&mut c, "admitted_on", &self.admitted_on, today, "ngày vào")
        };
        if let (Some(d), Some(a)) = (cohort_date, admitted_on)
            && d > a
        {
            c.push(
                "cohort_date",
                format!(
                    "ngày về / tiếp xúc ({}) sau ngày vào cơ sở ({})",
                    d.format("%d/%m/%Y"),
                    a.format("%d/%m/%Y")
                ),
            );
        }
        c.finish()?;
        match (person_id, room_id, risk_group, cohort_date, admitted_on) {
            (Some(person_id), Some(room_id), Some(risk_group), Some(date), Some(admitted_on)) => {
                Ok(AdmissionInput {
                    person_id,
                    room_id,
                    cohort: Cohort { risk_group, date },
                    admitted_on,
                })
            }
            _ => Err(Invalid::field("person_id", "thiếu thông tin tiếp nhận")),
        }
    }
}

/// The end of a stay as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DischargeDraft {
    /// `discharged`, `positive` or `other` (a move is a transfer).
    pub reason: String,
    /// Empty: today.
    pub left_on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DischargeInput {
    pub reason: LeftReason,
    pub left_on: NaiveDate,
}

impl DischargeDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<DischargeInput, Invalid> {
        let mut c = Collector::new();
        let reason = if self.reason.trim().is_empty() {
            Some(LeftReason::Discharged)
        } else {
            c.take(LeftReason::parse(&self.reason))
        };
        if matches!(
            reason,
            Some(LeftReason::Transferred | LeftReason::MovedRoom)
        ) {
            c.push("reason", "chuyển phòng, chuyển cơ sở: dùng mục \"Chuyển\"");
        }
        let left_on = if self.left_on.trim().is_empty() {
            Some(today)
        } else {
            c.take(parse_past_date("left_on", &self.left_on, today))
                .flatten()
        };
        c.finish()?;
        match (reason, left_on) {
            (Some(reason), Some(left_on)) => Ok(DischargeInput { reason, left_on }),
            _ => Err(Invalid::field("left_on", "thiếu ngày ra")),
        }
    }
}

/// A move to another room (of this facility or another) as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TransferDraft {
    pub room_id: String,
    /// Empty: today.
    pub on: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TransferInput {
    pub room_id: i64,
    pub on: NaiveDate,
}

impl TransferDraft {
    pub fn parse(&self, today: NaiveDate) -> Result<TransferInput, Invalid> {
        let mut c = Collector::new();
        let room_id = c.take(parse_id("room_id", &self.room_id, "phòng chuyển đến"));
        let on = if self.on.trim().is_empty() {
            Some(today)
        } else {
            c.take(parse_past_date("on", &self.on, today)).flatten()
        };
        c.finish()?;
        match (room_id, on) {
            (Some(room_id), Some(on)) => Ok(TransferInput { room_id, on }),
            _ => Err(Invalid::field("room_id", "thiếu phòng chuyển đến")),
        }
    }
}

/// A room as the rules see it: its beds and who is in it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomState {
    pub name: String,
    pub beds: i64,
    pub occupants: Vec<Cohort>,
}

/// A facility as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityState {
    pub name: String,
    pub beds: i64,
    pub occupied: i64,
}

/// Whether a newcomer of `cohort` may take a bed in `room` of `facility`: the room has a free
/// bed, whoever is in it shares the newcomer's cohort date and risk group, and the facility
/// has a free bed. Errors name `room_id` (the room) or `facility_id` (the facility).
pub fn check_admission(
    facility: &FacilityState,
    room: &RoomState,
    cohort: Cohort,
) -> Result<(), Invalid> {
    let present = i64::try_from(room.occupants.len()).unwrap_or(i64::MAX);
    if present >= room.beds {
        return Err(Invalid::field(
            "room_id",
            format!(
                "phòng {} đã đủ {} giường; chọn phòng khác",
                room.name, room.beds
            ),
        ));
    }
    if let Some(other) = room.occupants.iter().find(|o| **o != cohort) {
        let why = if other.date != cohort.date {
            format!(
                "người trong phòng về / tiếp xúc ngày {}, người mới ngày {}",
                other.date.format("%d/%m/%Y"),
                cohort.date.format("%d/%m/%Y")
            )
        } else {
            format!(
                "người trong phòng thuộc nhóm \"{}\", người mới nhóm \"{}\"",
                other.risk_group.label(),
                cohort.risk_group.label()
            )
        };
        return Err(Invalid::field(
            "room_id",
            format!(
                "không xếp chung phòng {} người khác ngày về hoặc khác nhóm nguy cơ ({why}); \
                 chọn phòng trống hoặc phòng cùng nhóm, cùng ngày",
                room.name
            ),
        ));
    }
    if facility.occupied >= facility.beds {
        return Err(Invalid::field(
            "facility_id",
            format!(
                "cơ sở {} đã đủ {} giường ({} người đang cách ly); chọn cơ sở khác",
                facility.name, facility.beds, facility.occupied
            ),
        ));
    }
    Ok(())
}

/// How many people were present on each day from `from` to `to` (both included), given the
/// stays as (admitted_on, left_on): present on a day when admitted on or before it and not
/// left on or before it (whoever moves rooms on a day is counted once).
pub fn occupancy(
    stays: &[(NaiveDate, Option<NaiveDate>)],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(NaiveDate, i64)> {
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|d| {
            let n = stays
                .iter()
                .filter(|(a, l)| *a <= d && l.is_none_or(|l| l > d))
                .count();
            (d, i64::try_from(n).unwrap_or(i64::MAX))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, 6, day).unwrap()
    }

    fn cohort(g: RiskGroup, day: u32) -> Cohort {
        Cohort {
            risk_group: g,
            date: d(day),
        }
    }

    fn facility(beds: i64, occupied: i64) -> FacilityState {
        FacilityState {
            name: "KTX Trường Cao đẳng".into(),
            beds,
            occupied,
        }
    }

    fn room(beds: i64, occupants: Vec<Cohort>) -> RoomState {
        RoomState {
            name: "P101".into(),
            beds,
            occupants,
        }
    }

    #[test]
    fn facility_rooms_parse_and_name_their_field() {
        let draft = FacilityDraft {
            area_id: "L105".into(),
            name: " KTX  Trường Cao đẳng ".into(),
            kind: "centralized".into(),
            rooms: room_lines("P101: 4\n\nP102: 6\n"),
            ..Default::default()
        };
        let f = draft.parse().unwrap();
        assert_eq!(f.name, "KTX Trường Cao đẳng");
        assert_eq!(f.beds, 10);
        assert_eq!(f.rooms.len(), 2);
        assert_eq!(f.kind.label(), "Khu cách ly tập trung");

        let bad = FacilityDraft {
            beds: "11".into(),
            ..draft.clone()
        };
        assert!(bad.parse().unwrap_err().message_for("beds").is_some());
        let fewer = FacilityDraft {
            beds: "8".into(),
            ..draft.clone()
        };
        assert_eq!(fewer.parse().unwrap().beds, 8);

        let e = FacilityDraft {
            rooms: room_lines("P101: 4\nP101: 2\nP103: không\nP104"),
            kind: "tent".into(),
            area_id: String::new(),
            ..draft
        }
        .parse()
        .unwrap_err();
        let rooms: Vec<&str> =
            e.0.iter()
                .filter(|f| f.field == "rooms")
                .map(|f| f.message.as_str())
                .collect();
        assert_eq!(rooms.len(), 3, "{rooms:?}");
        assert!(e.message_for("kind").is_some());
        assert!(e.message_for("area_id").is_some());
        assert!(
            FacilityDraft::default()
                .parse()
                .unwrap_err()
                .message_for("rooms")
                .is_some()
        );
    }

    #[test]
    fn facility_admission_parses_days_and_groups() {
        let today = d(24);
        let a = AdmissionDraft {
            person_id: "7".into(),
            room_id: "3".into(),
            risk_group: "returnee".into(),
            cohort_date: "20/06/2021".into(),
            admitted_on: String::new(),
        }
        .parse(today)
        .unwrap();
        assert_eq!(a.cohort, cohort(RiskGroup::Returnee, 20));
        assert_eq!(a.admitted_on, today);

        let e = AdmissionDraft {
            person_id: "x".into(),
            room_id: String::new(),
            risk_group: "tourist".into(),
            cohort_date: "25/06/2021".into(),
            admitted_on: String::new(),
        }
        .parse(today)
        .unwrap_err();
        for f in ["person_id", "room_id", "risk_group", "cohort_date"] {
            assert!(e.message_for(f).is_some(), "{f}: {e}");
        }
        let late = AdmissionDraft {
            person_id: "7".into(),
            room_id: "3".into(),
            risk_group: "f1".into(),
            cohort_date: "23/06/2021".into(),
            admitted_on: "22/06/2021".into(),
        }
        .parse(today)
        .unwrap_err();
        assert!(late.message_for("cohort_date").is_some());
    }

    #[test]
    fn facility_room_takes_only_the_same_cohort() {
        let f = facility(100, 2);
        let r = room(4, vec![cohort(RiskGroup::Returnee, 20); 2]);
        assert!(check_admission(&f, &r, cohort(RiskGroup::Returnee, 20)).is_ok());
        let other_day = check_admission(&f, &r, cohort(RiskGroup::Returnee, 21)).unwrap_err();
        assert!(
            other_day
                .message_for("room_id")
                .unwrap()
                .contains("21/06/2021")
        );
        let other_group = check_admission(&f, &r, cohort(RiskGroup::F1, 20)).unwrap_err();
        assert!(other_group.message_for("room_id").unwrap().contains("F1"));
        // An empty room takes anyone.
        assert!(check_admission(&f, &room(4, vec![]), cohort(RiskGroup::Entrant, 1)).is_ok());
    }

    #[test]
    fn facility_room_and_total_beds_are_not_exceeded() {
        let full_room = room(2, vec![cohort(RiskGroup::F1, 20); 2]);
        let e = check_admission(&facility(100, 2), &full_room, cohort(RiskGroup::F1, 20));
        assert!(
            e.unwrap_err()
                .message_for("room_id")
                .unwrap()
                .contains("đủ 2 giường")
        );
        let e = check_admission(
            &facility(10, 10),
            &room(4, vec![]),
            cohort(RiskGroup::F1, 20),
        );
        assert!(e.unwrap_err().message_for("facility_id").is_some());
    }

    #[test]
    fn facility_discharge_and_transfer_parse() {
        let today = d(24);
        let x = DischargeDraft::default().parse(today).unwrap();
        assert_eq!((x.reason, x.left_on), (LeftReason::Discharged, today));
        let e = DischargeDraft {
            reason: "moved_room".into(),
            left_on: "30/06/2021".into(),
        }
        .parse(today)
        .unwrap_err();
        assert!(e.message_for("reason").is_some() && e.message_for("left_on").is_some());
        assert_eq!(
            TransferDraft {
                room_id: "5".into(),
                on: "23/06/2021".into()
            }
            .parse(today)
            .unwrap(),
            TransferInput {
                room_id: 5,
                on: d(23)
            }
        );
        assert!(
            TransferDraft::default()
                .parse(today)
                .unwrap_err()
                .message_for("room_id")
                .is_some()
        );
    }

    #[test]
    fn facility_occupancy_counts_each_day() {
        let stays = [
            (d(20), None),
            (d(21), Some(d(23))),
            // Moved rooms on the 23rd: counted once that day.
            (d(23), None),
        ];
        let o = occupancy(&stays, d(19), d(24));
        let n: Vec<i64> = o.iter().map(|(_, n)| *n).collect();
        assert_eq!(n, [0, 1, 2, 2, 2, 2]);
    }
}
