//! The demo's story: Lai Châu in May–June 2021, told by the directives of the time.
//!
//! * **Returnees from Bắc Giang** (the industrial-park outbreak of May 2021): buses of workers
//!   coming home between 18/5 and 18/6, each person tested at the checkpoint (reason
//!   "returnee") and again on days 7 and 14 of concentrated quarantine. Four are positive: two
//!   at the checkpoint (found at the point of entry), two in quarantine. None is a community case.
//! * **Than Uyên** (district 110): a trader at the central market of the thị trấn falls ill on
//!   11/6 and is confirmed on 13/6 with no known source; her household and the market's
//!   customers are traced (F1), a son is confirmed in quarantine, a customer in quarantine,
//!   another customer in the community; the F1s name their families (F2). The market and tổ
//!   dân phố 3 are locked down from 13/6.
//! * **Phong Thổ** (district 109): a driver who went to a wedding in xã Mường So on 14/6 is
//!   confirmed on 18/6; his household and the wedding guests are traced, a guest and a family
//!   member are confirmed; thôn 2 of Mường So is locked down from 18/6.
//!
//! On 24/06/2021 the rule set in force is v2 (CĐ 600/CĐ-BCĐ: contacts within 21 days, F1 to
//! F5), so the F-levels around Than Uyên and Phong Thổ are active. Everything is placed on the
//! population of a [`World`] (people only), deterministically.

use crate::rng::Rng;
use crate::world::{
    Batch, Case, CaseEvent, Exposure, FirstIds, Flevel, Lab, Outbreak, Sample, SpecError, World,
    Zone, derive_levels, morning, sub_rng,
};
use chongdich_domain::case::{Classification, FoundIn, Outcome, Setting};
use chongdich_domain::disease::in_force;
use chongdich_domain::exposure::{Certainty, Proximity};
use chongdich_domain::flevel;
use chongdich_domain::outbreak::ZoneKind;
use chongdich_domain::sample::{SampleKind, SampleReason, TestResult};
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// The story's "today".
pub fn today() -> NaiveDate {
    date(6, 24)
}

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, month, day).unwrap_or_default()
}

/// The areas the story happens in (legacy structure).
pub const PROVINCE_AREA: &str = "L12";
pub const THAN_UYEN: &str = "L110";
pub const PHONG_THO: &str = "L109";
/// Thị trấn Than Uyên, xã Mường Than, xã Mường Cang (Than Uyên).
pub const TT_THAN_UYEN: &str = "L03595";
pub const MUONG_THAN: &str = "L03619";
pub const MUONG_CANG: &str = "L03631";
/// Thị trấn Phong Thổ, xã Mường So (Phong Thổ).
pub const TT_PHONG_THO: &str = "L03549";
pub const MUONG_SO: &str = "L03589";

/// What the story adds to the population of its world.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Story {
    pub labs: Vec<Lab>,
    pub batch: Batch,
    pub flevels: Vec<Flevel>,
}

/// How a scripted case went.
struct CaseSpec<'a> {
    onset: Option<NaiveDate>,
    sample: NaiveDate,
    confirmed: NaiveDate,
    isolated: NaiveDate,
    found_in: FoundIn,
    setting: Setting,
    source_known: bool,
    outbreak: Option<i64>,
    lab: i64,
    reason: SampleReason,
    symptoms: &'a str,
    treatment: &'a str,
    notes: &'a str,
}

struct Script<'w> {
    w: &'w World,
    rng: Rng,
    ids: FirstIds,
    /// People with a role already (cases, returnees), not to be picked again.
    used: HashSet<u64>,
    batch: Batch,
    /// Person id → (curve date, isolation) of the cases.
    cases: HashMap<i64, (NaiveDate, NaiveDate)>,
}

impl<'w> Script<'w> {
    fn ward(&self, area: &str) -> Result<usize, SpecError> {
        self.w
            .ward_index(area)
            .filter(|&i| !self.w.ward_people(i).is_empty())
            .ok_or_else(|| SpecError(format!("the story needs people in ward {area}")))
    }

    /// Someone of a ward not given a role yet; `adult`: a household's first or second member.
    fn someone(&mut self, area: &str, adult: bool) -> Result<u64, SpecError> {
        let r = self.w.ward_people(self.ward(area)?);
        for _ in 0..200 {
            let p = r.start + self.rng.below(r.end - r.start);
            if (!adult || (p - r.start) % 4 < 2) && self.used.insert(p) {
                return Ok(p);
            }
        }
        Err(SpecError(format!("not enough people in ward {area}")))
    }

    /// An adult of any ward of the world.
    fn anyone(&mut self) -> Result<u64, SpecError> {
        let n = self.w.spec().people;
        for _ in 0..200 {
            let p = self.rng.below(n);
            let r = self.w.ward_people(self.w.ward_of(p));
            if (p - r.start) % 4 < 2 && self.used.insert(p) {
                return Ok(p);
            }
        }
        Err(SpecError("not enough people for the returnees".into()))
    }

    fn area(&self, p: u64) -> (String, String) {
        let wd = &self.w.wards()[self.w.ward_of(p)];
        (wd.province_code.clone(), wd.area_id.clone())
    }

    fn case(&mut self, p: u64, c: &CaseSpec<'_>) -> i64 {
        let id = self.ids.case;
        self.ids.case += 1;
        let (province_code, area_id) = self.area(p);
        let person_id = self.w.person_id(p);
        let recovered = c.confirmed + chrono::Duration::days(19);
        let (outcome, outcome_date) = if recovered <= today() {
            (Outcome::Recovered, Some(recovered))
        } else {
            (Outcome::Treating, None)
        };
        let curve = c.onset.unwrap_or(c.sample);
        self.cases.insert(person_id, (curve, c.isolated));
        self.batch.cases.push(Case {
            id,
            person_id,
            province_code: province_code.clone(),
            area_id: area_id.clone(),
            // The national patient number ("BN"): about 2,900 cases before the wave of 27/4/2021,
            // about 190 a day after it.
            case_code: (2_900 + 190 * (c.confirmed - date(4, 27)).num_days() + id % 97).to_string(),
            classification: Classification::Confirmed,
            onset: c.onset,
            sample: Some(c.sample),
            confirmed: Some(c.confirmed),
            isolated: Some(c.isolated),
            curve_date: curve,
            found_in: c.found_in,
            source_known: c.source_known,
            setting: c.setting,
            treatment_place: c.treatment.to_owned(),
            outcome,
            outcome_date,
            illegal_entry: false,
            outbreak_id: c.outbreak,
            notes: c.notes.to_owned(),
            created_at: morning(c.confirmed),
        });
        self.batch.events.push(CaseEvent {
            id: self.ids.case_event,
            case_id: id,
            at: morning(c.confirmed),
            on_date: c.confirmed,
            from: None,
            to: Classification::Confirmed,
            reason: "đăng ký ca bệnh".into(),
        });
        self.ids.case_event += 1;
        self.sample(p, c.reason, c.sample, true, c.lab, Some(id), c.symptoms);
        id
    }

    #[allow(clippy::too_many_arguments)]
    fn sample(
        &mut self,
        p: u64,
        reason: SampleReason,
        taken: NaiveDate,
        positive: bool,
        lab: i64,
        case_id: Option<i64>,
        symptoms: &str,
    ) {
        let (province_code, area_id) = self.area(p);
        let result_on = taken + chrono::Duration::days(1);
        let (result, result_on) = if result_on > today() {
            (TestResult::Pending, None)
        } else if positive {
            (TestResult::Positive, Some(result_on))
        } else {
            (TestResult::Negative, Some(result_on))
        };
        let ct = positive
            .then(|| 18.0 + f64::from(u32::try_from(self.rng.below(120)).unwrap_or(0)) / 10.0);
        self.batch.samples.push(Sample {
            id: self.ids.sample,
            province_code,
            area_id,
            person_id: self.w.person_id(p),
            case_id,
            kind: SampleKind::RtPcr,
            reason,
            taken_on: taken,
            lab_id: Some(lab),
            symptoms: symptoms.to_owned(),
            result,
            result_on,
            ct,
            created_at: morning(taken),
        });
        self.ids.sample += 1;
    }

    fn expose(
        &mut self,
        source: u64,
        exposed: u64,
        first: NaiveDate,
        last: NaiveDate,
        setting: Setting,
        notes: &str,
    ) {
        if source == exposed {
            return;
        }
        let (proximity, duration) = match setting {
            Setting::Household => (Proximity::Physical, None),
            Setting::Transport => (Proximity::SameSpace, Some(420)),
            Setting::Other => (Proximity::SameSpace, Some(24 * 60)),
            Setting::Gathering => (Proximity::Within2m, Some(180)),
            _ => (Proximity::Within2m, Some(20)),
        };
        let (province_code, _) = self.area(source);
        self.batch.exposures.push(Exposure {
            id: self.ids.exposure,
            province_code,
            source_person_id: self.w.person_id(source),
            exposed_person_id: self.w.person_id(exposed),
            first_date: first,
            last_date: last,
            setting,
            proximity,
            duration_minutes: duration,
            certainty: Certainty::Confirmed,
            notes: notes.to_owned(),
            created_at: morning(last),
        });
        self.ids.exposure += 1;
    }

    fn outbreak(
        &mut self,
        area: &str,
        name: &str,
        place: &str,
        setting: Setting,
        started: NaiveDate,
    ) -> i64 {
        let id = self.ids.outbreak;
        self.ids.outbreak += 1;
        self.batch.outbreaks.push(Outbreak {
            id,
            province_code: "12".into(),
            area_id: area.to_owned(),
            name: name.to_owned(),
            place: place.to_owned(),
            setting,
            started_on: started,
            ended_on: None,
            created_at: morning(started),
        });
        id
    }

    fn zone(
        &mut self,
        outbreak: i64,
        area: &str,
        kind: ZoneKind,
        description: &str,
        starts: NaiveDate,
    ) {
        self.batch.zones.push(Zone {
            id: self.ids.zone,
            outbreak_id: outbreak,
            area_id: area.to_owned(),
            kind,
            description: description.to_owned(),
            starts_on: starts,
            ends_on: None,
            created_at: morning(starts),
        });
        self.ids.zone += 1;
    }

    /// The other members of someone's household who have no role yet.
    fn family(&self, p: u64) -> Vec<u64> {
        self.w
            .household_of(p)
            .into_iter()
            .filter(|m| !self.used.contains(m))
            .collect()
    }
}

/// The story, on `world` (Lai Châu's legacy wards, with people and no generated cases; its
/// `first` ids are where the story's own records start).
pub fn lai_chau_2021(world: &World) -> Result<Story, SpecError> {
    let first = world.spec().first;
    let mut s = Script {
        w: world,
        rng: sub_rng(world.spec().seed, 11, 2021),
        ids: first,
        used: HashSet::new(),
        batch: Batch::default(),
        cases: HashMap::new(),
    };
    let labs = vec![
        Lab {
            id: first.lab,
            province_code: "12".into(),
            area_id: PROVINCE_AREA.into(),
            name: "CDC Lai Châu".into(),
            capacity_per_day: 1_000,
        },
        Lab {
            id: first.lab + 1,
            province_code: "12".into(),
            area_id: THAN_UYEN.into(),
            name: "TTYT Than Uyên".into(),
            capacity_per_day: 300,
        },
        Lab {
            id: first.lab + 2,
            province_code: "12".into(),
            area_id: PHONG_THO.into(),
            name: "TTYT Phong Thổ".into(),
            capacity_per_day: 200,
        },
    ];
    let (cdc, ttyt_tu, ttyt_pt) = (labs[0].id, labs[1].id, labs[2].id);
    let hospital = "Bệnh viện Đa khoa tỉnh Lai Châu";
    let d = |n: i64| chrono::Duration::days(n);

    // Returnees: 15 buses from Bắc Giang, 18/5 to 18/6.
    let arrivals = [
        (5, 18),
        (5, 21),
        (5, 23),
        (5, 26),
        (5, 28),
        (5, 30),
        (6, 1),
        (6, 3),
        (6, 4),
        (6, 6),
        (6, 8),
        (6, 10),
        (6, 12),
        (6, 15),
        (6, 18),
    ];
    let mut buses: Vec<(NaiveDate, Vec<u64>)> = Vec::new();
    for (m, day) in arrivals {
        let n = 8 + s.rng.below(6);
        let mut riders = Vec::new();
        for _ in 0..n {
            riders.push(s.anyone()?);
        }
        buses.push((date(m, day), riders));
    }
    // Who is positive: (bus, rider, how).
    let r1 = (3usize, buses[3].1[0]);
    let r2 = (9usize, buses[9].1[0]);
    let r3 = (6usize, buses[6].1[0]);
    let r4 = (11usize, buses[11].1[0]);
    for (b, (arrived, riders)) in buses.iter().enumerate() {
        for &p in riders {
            // The checkpoint test of r1 and r2 is their case's positive test.
            if (b, p) == r1 || (b, p) == r2 {
                continue;
            }
            s.sample(p, SampleReason::Returnee, *arrived, false, cdc, None, "");
            // Days 7 and 14 of concentrated quarantine (r3 and r4 became cases on day 7).
            if (b, p) == r3 || (b, p) == r4 {
                continue;
            }
            for day in [6, 13] {
                let taken = *arrived + d(day);
                if taken <= today() {
                    s.sample(p, SampleReason::Quarantine, taken, false, cdc, None, "");
                }
            }
        }
    }
    let (b1_day, b1) = buses[r1.0].clone();
    s.case(
        r1.1,
        &CaseSpec {
            onset: None,
            sample: b1_day,
            confirmed: b1_day + d(1),
            isolated: b1_day,
            found_in: FoundIn::PointOfEntry,
            setting: Setting::Transport,
            source_known: true,
            outbreak: None,
            lab: cdc,
            reason: SampleReason::Returnee,
            symptoms: "",
            treatment: hospital,
            notes: "Trở về từ huyện Việt Yên, Bắc Giang; phát hiện tại chốt kiểm soát khi nhập tỉnh",
        },
    );
    for &p in b1.iter().skip(1) {
        s.expose(
            r1.1,
            p,
            b1_day,
            b1_day,
            Setting::Transport,
            "đi cùng xe khách từ Bắc Giang",
        );
    }
    let (b2_day, b2) = buses[r2.0].clone();
    s.case(
        r2.1,
        &CaseSpec {
            onset: None,
            sample: b2_day,
            confirmed: b2_day + d(1),
            isolated: b2_day,
            found_in: FoundIn::PointOfEntry,
            setting: Setting::Transport,
            source_known: true,
            outbreak: None,
            lab: cdc,
            reason: SampleReason::Returnee,
            symptoms: "",
            treatment: hospital,
            notes: "Công nhân khu công nghiệp Quang Châu (Bắc Giang) về địa phương; phát hiện tại chốt kiểm soát",
        },
    );
    for &p in b2.iter().skip(1) {
        s.expose(
            r2.1,
            p,
            b2_day - d(1),
            b2_day,
            Setting::Transport,
            "đi cùng xe khách từ Bắc Giang",
        );
    }
    let (b3_day, b3) = buses[r3.0].clone();
    let r3_sample = b3_day + d(6);
    s.case(
        r3.1,
        &CaseSpec {
            onset: None,
            sample: r3_sample,
            confirmed: r3_sample + d(1),
            isolated: r3_sample + d(1),
            found_in: FoundIn::Quarantine,
            setting: Setting::IndustrialPark,
            source_known: true,
            outbreak: None,
            lab: cdc,
            reason: SampleReason::Quarantine,
            symptoms: "",
            treatment: hospital,
            notes: "Về từ Bắc Giang ngày 01/06, âm tính khi nhập tỉnh, dương tính ngày thứ 7 cách ly tập trung",
        },
    );
    for &p in b3.iter().skip(1).take(3) {
        s.expose(
            r3.1,
            p,
            b3_day,
            r3_sample,
            Setting::Other,
            "cùng phòng cách ly tập trung",
        );
    }
    let (b4_day, b4) = buses[r4.0].clone();
    let r4_onset = b4_day + d(3);
    s.case(
        r4.1,
        &CaseSpec {
            onset: Some(r4_onset),
            sample: r4_onset,
            confirmed: r4_onset + d(1),
            isolated: r4_onset + d(1),
            found_in: FoundIn::Quarantine,
            setting: Setting::IndustrialPark,
            source_known: true,
            outbreak: None,
            lab: cdc,
            reason: SampleReason::Quarantine,
            symptoms: "Sốt, ho",
            treatment: hospital,
            notes: "Về từ Bắc Giang, sốt ngày thứ 3 trong khu cách ly tập trung",
        },
    );
    for &p in b4.iter().skip(1).take(2) {
        s.expose(
            r4.1,
            p,
            b4_day,
            r4_onset,
            Setting::Other,
            "cùng phòng cách ly tập trung",
        );
    }

    // Than Uyên: the central market of the thị trấn.
    let o1 = s.outbreak(
        TT_THAN_UYEN,
        "Ổ dịch chợ trung tâm thị trấn Than Uyên",
        "Chợ trung tâm thị trấn Than Uyên",
        Setting::Market,
        date(6, 13),
    );
    s.zone(
        o1,
        TT_THAN_UYEN,
        ZoneKind::Lockdown,
        "Phong tỏa khu vực chợ trung tâm và tổ dân phố số 3, thị trấn Than Uyên",
        date(6, 13),
    );
    s.zone(
        o1,
        MUONG_THAN,
        ZoneKind::MedicalIsolation,
        "Cách ly y tế vùng nơi cư trú của ca bệnh, xã Mường Than",
        date(6, 16),
    );
    let a = s.someone(TT_THAN_UYEN, true)?;
    s.case(
        a,
        &CaseSpec {
            onset: Some(date(6, 11)),
            sample: date(6, 12),
            confirmed: date(6, 13),
            isolated: date(6, 13),
            found_in: FoundIn::Community,
            setting: Setting::Market,
            source_known: false,
            outbreak: Some(o1),
            lab: ttyt_tu,
            reason: SampleReason::Symptoms,
            symptoms: "Sốt, ho, đau họng",
            treatment: hospital,
            notes: "Tiểu thương chợ trung tâm thị trấn Than Uyên; chưa rõ nguồn lây",
        },
    );
    let a_family = s.family(a);
    for &m in &a_family {
        s.used.insert(m);
        s.expose(
            a,
            m,
            date(6, 9),
            date(6, 13),
            Setting::Household,
            "sống cùng nhà",
        );
    }
    let mut market: Vec<u64> = Vec::new();
    for (area, n) in [(TT_THAN_UYEN, 8), (MUONG_THAN, 3), (MUONG_CANG, 3)] {
        for _ in 0..n {
            market.push(s.someone(area, false)?);
        }
    }
    for (k, &p) in market.iter().enumerate() {
        let day = date(6, 9) + d(i64::try_from(k % 4).unwrap_or(0));
        s.expose(a, p, day, day, Setting::Market, "mua bán tại chợ trung tâm");
    }
    // A's son, in quarantine.
    if let Some(&b) = a_family.first() {
        s.case(
            b,
            &CaseSpec {
                onset: None,
                sample: date(6, 14),
                confirmed: date(6, 15),
                isolated: date(6, 14),
                found_in: FoundIn::Quarantine,
                setting: Setting::Household,
                source_known: true,
                outbreak: Some(o1),
                lab: ttyt_tu,
                reason: SampleReason::Contact,
                symptoms: "",
                treatment: "Trung tâm Y tế huyện Than Uyên",
                notes: "F1 của ca bệnh tiểu thương (sống cùng nhà), dương tính khi vào khu cách ly",
            },
        );
        for &m in a_family.iter().skip(1) {
            s.sample(
                m,
                SampleReason::Contact,
                date(6, 14),
                false,
                ttyt_tu,
                None,
                "",
            );
            s.sample(
                m,
                SampleReason::Quarantine,
                date(6, 20),
                false,
                ttyt_tu,
                None,
                "",
            );
        }
    }
    // A customer found in quarantine (C), another in the community (D).
    let (c, dd) = (market[8], market[1]);
    for &p in &market {
        if p != c && p != dd {
            s.sample(
                p,
                SampleReason::Contact,
                date(6, 14),
                false,
                ttyt_tu,
                None,
                "",
            );
        }
    }
    s.case(
        c,
        &CaseSpec {
            onset: Some(date(6, 15)),
            sample: date(6, 15),
            confirmed: date(6, 16),
            isolated: date(6, 14),
            found_in: FoundIn::Quarantine,
            setting: Setting::Market,
            source_known: true,
            outbreak: Some(o1),
            lab: ttyt_tu,
            reason: SampleReason::Quarantine,
            symptoms: "Sốt, mệt mỏi",
            treatment: "Trung tâm Y tế huyện Than Uyên",
            notes: "F1 (mua hàng tại chợ ngày 10/06), có triệu chứng trong khu cách ly",
        },
    );
    for m in s.family(c) {
        s.expose(
            c,
            m,
            date(6, 12),
            date(6, 14),
            Setting::Household,
            "sống cùng nhà",
        );
    }
    s.case(
        dd,
        &CaseSpec {
            onset: Some(date(6, 14)),
            sample: date(6, 15),
            confirmed: date(6, 16),
            isolated: date(6, 16),
            found_in: FoundIn::Community,
            setting: Setting::Market,
            source_known: true,
            outbreak: Some(o1),
            lab: ttyt_tu,
            reason: SampleReason::Symptoms,
            symptoms: "Sốt, mất vị giác",
            treatment: hospital,
            notes: "Đi chợ trung tâm ngày 10/06, tự khai báo khi có triệu chứng",
        },
    );
    for m in s.family(dd) {
        s.expose(
            dd,
            m,
            date(6, 12),
            date(6, 16),
            Setting::Household,
            "sống cùng nhà",
        );
        s.sample(
            m,
            SampleReason::Contact,
            date(6, 17),
            false,
            ttyt_tu,
            None,
            "",
        );
    }
    let mut colleagues = Vec::new();
    for _ in 0..6 {
        colleagues.push(s.someone(TT_THAN_UYEN, true)?);
    }
    for &p in &colleagues {
        s.expose(
            dd,
            p,
            date(6, 14),
            date(6, 15),
            Setting::Office,
            "cùng cơ quan",
        );
        s.sample(
            p,
            SampleReason::Contact,
            date(6, 17),
            false,
            ttyt_tu,
            None,
            "",
        );
        s.sample(
            p,
            SampleReason::Quarantine,
            date(6, 23),
            false,
            ttyt_tu,
            None,
            "",
        );
    }
    // F2: the families of some F1s, before the F1s were quarantined.
    for &f1 in colleagues
        .iter()
        .take(2)
        .chain(market.iter().skip(2).take(2))
    {
        for m in s.family(f1) {
            s.expose(
                f1,
                m,
                date(6, 14),
                date(6, 16),
                Setting::Household,
                "sống cùng nhà với F1",
            );
        }
    }

    // Phong Thổ: a wedding in xã Mường So.
    let o2 = s.outbreak(
        MUONG_SO,
        "Ổ dịch đám cưới xã Mường So, huyện Phong Thổ",
        "Đám cưới tại thôn 2, xã Mường So",
        Setting::Gathering,
        date(6, 18),
    );
    s.zone(
        o2,
        MUONG_SO,
        ZoneKind::Lockdown,
        "Phong tỏa thôn 2, xã Mường So",
        date(6, 18),
    );
    let e = s.someone(TT_PHONG_THO, true)?;
    s.case(
        e,
        &CaseSpec {
            onset: Some(date(6, 16)),
            sample: date(6, 17),
            confirmed: date(6, 18),
            isolated: date(6, 18),
            found_in: FoundIn::Community,
            setting: Setting::Gathering,
            source_known: false,
            outbreak: Some(o2),
            lab: ttyt_pt,
            reason: SampleReason::Symptoms,
            symptoms: "Sốt, ho",
            treatment: hospital,
            notes: "Lái xe chở hàng tuyến Lai Châu – Lào Cai; dự đám cưới tại xã Mường So ngày 14/06; chưa rõ nguồn lây",
        },
    );
    let e_family = s.family(e);
    for &m in &e_family {
        s.used.insert(m);
        s.expose(
            e,
            m,
            date(6, 14),
            date(6, 18),
            Setting::Household,
            "sống cùng nhà",
        );
    }
    if let Some(&f) = e_family.first() {
        s.case(
            f,
            &CaseSpec {
                onset: None,
                sample: date(6, 19),
                confirmed: date(6, 20),
                isolated: date(6, 19),
                found_in: FoundIn::Quarantine,
                setting: Setting::Household,
                source_known: true,
                outbreak: Some(o2),
                lab: ttyt_pt,
                reason: SampleReason::Contact,
                symptoms: "",
                treatment: "Trung tâm Y tế huyện Phong Thổ",
                notes: "F1 của ca bệnh lái xe (sống cùng nhà)",
            },
        );
        for &m in e_family.iter().skip(1) {
            s.sample(
                m,
                SampleReason::Contact,
                date(6, 19),
                false,
                ttyt_pt,
                None,
                "",
            );
        }
    }
    let mut guests = Vec::new();
    for (area, n) in [(MUONG_SO, 10), (TT_PHONG_THO, 6)] {
        for _ in 0..n {
            guests.push(s.someone(area, false)?);
        }
    }
    for &p in &guests {
        s.expose(
            e,
            p,
            date(6, 14),
            date(6, 14),
            Setting::Gathering,
            "dự đám cưới ngày 14/06",
        );
    }
    let g = guests[0];
    for &p in guests.iter().skip(1) {
        s.sample(
            p,
            SampleReason::Contact,
            date(6, 19),
            false,
            ttyt_pt,
            None,
            "",
        );
        s.sample(
            p,
            SampleReason::Quarantine,
            date(6, 24),
            false,
            ttyt_pt,
            None,
            "",
        );
    }
    s.case(
        g,
        &CaseSpec {
            onset: Some(date(6, 18)),
            sample: date(6, 19),
            confirmed: date(6, 20),
            isolated: date(6, 20),
            found_in: FoundIn::Community,
            setting: Setting::Gathering,
            source_known: true,
            outbreak: Some(o2),
            lab: ttyt_pt,
            reason: SampleReason::Symptoms,
            symptoms: "Sốt, đau họng",
            treatment: hospital,
            notes: "Khách dự đám cưới ngày 14/06, có triệu chứng trước khi được truy vết",
        },
    );
    for m in s.family(g) {
        s.expose(
            g,
            m,
            date(6, 16),
            date(6, 20),
            Setting::Household,
            "sống cùng nhà",
        );
    }
    for &f1 in guests.iter().skip(1).take(3) {
        for m in s.family(f1) {
            s.expose(
                f1,
                m,
                date(6, 15),
                date(6, 18),
                Setting::Household,
                "sống cùng nhà với F1",
            );
        }
    }

    // F-levels on 24/06/2021.
    let rules = &world.spec().rules;
    let flevels = match in_force(rules, today()) {
        Some(r) => {
            let exposures: Vec<flevel::Exposure> = s
                .batch
                .exposures
                .iter()
                .map(|e| flevel::Exposure {
                    id: e.id,
                    source: e.source_person_id,
                    exposed: e.exposed_person_id,
                    first: e.first_date,
                    last: e.last_date,
                })
                .collect();
            let before = i64::from(r.params.infectious_days_before_onset);
            let cases = &s.cases;
            derive_levels(world, &r.params, &exposures, |p| {
                cases.get(&p).map(|&(curve, isolated)| flevel::ActiveCase {
                    person: p,
                    infectious_from: curve - chrono::Duration::days(before),
                    isolated_on: Some(isolated),
                })
            })
        }
        None => vec![],
    };
    Ok(Story {
        labs,
        batch: s.batch,
        flevels,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::world::{Place, ProvinceSpec, WardSpec, WorldSpec};
    use chongdich_domain::disease::covid19_rule_sets;
    use chrono::{TimeZone, Utc};

    fn world() -> World {
        let mut wards: Vec<WardSpec> = (0..40)
            .map(|i| WardSpec {
                area_id: format!("L0{}", 3400 + i),
                name: format!("Xã {i}"),
                province_code: "12".into(),
                urban: false,
                weight: 1,
            })
            .collect();
        for (id, urban) in [
            (TT_THAN_UYEN, true),
            (MUONG_THAN, false),
            (MUONG_CANG, false),
            (TT_PHONG_THO, true),
            (MUONG_SO, false),
        ] {
            wards.push(WardSpec {
                area_id: id.into(),
                name: id.into(),
                province_code: "12".into(),
                urban,
                weight: if urban { 3 } else { 1 },
            });
        }
        World::new(WorldSpec {
            seed: 2021,
            people: 3_000,
            cases: 0,
            today: today(),
            now: Utc.with_ymd_and_hms(2021, 6, 24, 2, 0, 0).unwrap(),
            provinces: vec![ProvinceSpec {
                code: "12".into(),
                area_id: "L12".into(),
                name: "Tỉnh Lai Châu".into(),
                lab_sites: vec![Place {
                    area_id: "L110".into(),
                    name: "Huyện Than Uyên".into(),
                }],
            }],
            wards,
            first: FirstIds::default(),
            rules: covid19_rule_sets(),
            chunk: 1_000,
        })
        .unwrap()
    }

    #[test]
    fn the_story_is_deterministic_and_tells_the_directives() {
        let w = world();
        let story = lai_chau_2021(&w).unwrap();
        assert_eq!(story, lai_chau_2021(&w).unwrap());
        let b = &story.batch;
        assert_eq!(b.outbreaks.len(), 2);
        assert_eq!(
            b.zones
                .iter()
                .filter(|z| z.kind == ZoneKind::Lockdown)
                .count(),
            2
        );
        let community: Vec<&Case> = b
            .cases
            .iter()
            .filter(|c| c.found_in == FoundIn::Community)
            .collect();
        assert_eq!(community.len(), 4);
        assert!(community.iter().all(|c| c.outbreak_id.is_some()));
        let returnee_cases = b.cases.iter().filter(|c| c.outbreak_id.is_none()).count();
        assert_eq!(returnee_cases, 4);
        assert!(
            b.cases
                .iter()
                .filter(|c| c.outbreak_id.is_none())
                .all(|c| matches!(c.found_in, FoundIn::PointOfEntry | FoundIn::Quarantine))
        );
        let returnee_tests = b
            .samples
            .iter()
            .filter(|s| s.reason == SampleReason::Returnee)
            .count();
        assert!(returnee_tests > 100, "{returnee_tests}");
        let negatives = b
            .samples
            .iter()
            .filter(|s| s.result == TestResult::Negative)
            .count();
        assert!(negatives > 200, "{negatives}");
        for s in &b.samples {
            assert!(s.taken_on <= today());
            assert!(s.result_on.is_none_or(|r| r <= today()));
        }
        for c in &b.cases {
            assert!(c.onset.is_none_or(|o| o <= c.sample.unwrap()));
            assert!(c.sample.unwrap() <= c.confirmed.unwrap() && c.confirmed.unwrap() <= today());
        }
        // F1s and F2s around the two outbreaks are active on 24/06/2021 (rule set v2).
        let f1 = story.flevels.iter().filter(|f| f.level == 1).count();
        let f2 = story.flevels.iter().filter(|f| f.level == 2).count();
        assert!(f1 >= 30, "{f1}");
        assert!(f2 >= 3, "{f2}");
        let areas: HashSet<&str> = story.flevels.iter().map(|f| f.area_id.as_str()).collect();
        assert!(
            areas.contains(TT_THAN_UYEN) && areas.contains(MUONG_SO),
            "{areas:?}"
        );
        let case_people: HashSet<i64> = b.cases.iter().map(|c| c.person_id).collect();
        assert!(
            story
                .flevels
                .iter()
                .all(|f| !case_people.contains(&f.person_id))
        );
    }
}
