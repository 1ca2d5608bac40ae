//! A synthetic surveillance world: people living in wards, outbreaks grown as transmission
//! trees, the contacts traced around every case, the tests taken, and the F-levels all that
//! implies on the dataset's "today".
//!
//! Everything is a function of the seed and the [`WorldSpec`]:
//!
//! * **People** are numbered `0..people` and laid out ward after ward (wards sorted by province
//!   then id), each ward getting a share proportional to its weight. Households are runs of up
//!   to four consecutive people of a ward; a household is drawn from its own sub-seed, so
//!   people are produced in chunks ([`World::people`]) and never all held in memory. A person's
//!   ward, household and id follow from their number alone ([`World::ward_of`]). CCCD serials
//!   come from one counter per (province of birth, sex, year of birth), starting after the
//!   first person id: unique within a dataset and across datasets loaded one after the other
//!   (up to a million people per group).
//! * **Outbreaks** ([`World::epidemic`]) are drawn one after the other: an index case, then a
//!   branching process (each case infects a Poisson number of others, mean R between 1.2 and
//!   2, within its infectious window, in the household or the outbreak's setting), a new
//!   introduction whenever the chain dies out before the outbreak's size. Every case gets 5–30
//!   traced contacts (household members, then workplace or market), a few F1s name F2s, most
//!   contacts have a negative test and every case a positive RT-PCR. A case traced as an F1
//!   before it was detected is found in quarantine, the others in the community. Each outbreak
//!   is finally placed in time so that it ends some days before "today".
//! * **F-levels** ([`Epidemic::flevels`]) are derived with [`flevel::derive`] over every
//!   exposure still inside the rule set's window on "today", exactly as the store would.

use crate::names;
use crate::rng::Rng;
use chongdich_domain::case::{Classification, FoundIn, Outcome, Setting};
use chongdich_domain::disease::{RuleSet, in_force};
use chongdich_domain::exposure::{Certainty, Proximity};
use chongdich_domain::flevel;
use chongdich_domain::outbreak::ZoneKind;
use chongdich_domain::person::{IdDocument, Sex, cccd_number};
use chongdich_domain::sample::{SampleKind, SampleReason, TestResult};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// A ward people live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WardSpec {
    /// The area id (`L03595`, `N03388`).
    pub area_id: String,
    pub name: String,
    /// The province's GSO code (`"12"`).
    pub province_code: String,
    /// A phường or thị trấn (streets are "tổ dân phố"), not a xã ("thôn, bản").
    pub urban: bool,
    /// Relative population.
    pub weight: u64,
}

/// A unit where a lab may sit: the province itself or one of its districts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub area_id: String,
    pub name: String,
}

/// A province of the world: its own area, and the units its smaller labs sit in (districts,
/// most populous first; wards when there are no districts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvinceSpec {
    pub code: String,
    pub area_id: String,
    pub name: String,
    pub lab_sites: Vec<Place>,
}

/// The first id of each table: the generator numbers its records from there (the store's
/// current maximum + 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstIds {
    pub person: i64,
    pub outbreak: i64,
    pub zone: i64,
    pub case: i64,
    pub case_event: i64,
    pub exposure: i64,
    pub sample: i64,
    pub lab: i64,
}

impl Default for FirstIds {
    fn default() -> Self {
        Self {
            person: 1,
            outbreak: 1,
            zone: 1,
            case: 1,
            case_event: 1,
            exposure: 1,
            sample: 1,
            lab: 1,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct WorldSpec {
    pub seed: u64,
    pub people: u64,
    pub cases: u64,
    /// The dataset's "today": every date is on or before it; F-levels are as of it.
    pub today: NaiveDate,
    /// The creation time stamped on people.
    pub now: DateTime<Utc>,
    pub provinces: Vec<ProvinceSpec>,
    pub wards: Vec<WardSpec>,
    pub first: FirstIds,
    /// The disease's rule sets (the one in force on `today` decides the F-levels).
    pub rules: Vec<RuleSet>,
    /// About how many people (or cases) per chunk.
    pub chunk: usize,
}

/// A person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub province_code: String,
    pub area_id: String,
    pub street: String,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// A CCCD number (people aged 14 and more, most of them).
    pub cccd: Option<String>,
    pub phone: Option<String>,
    pub occupation: String,
    pub workplace: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lab {
    pub id: i64,
    pub province_code: String,
    pub area_id: String,
    pub name: String,
    pub capacity_per_day: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outbreak {
    pub id: i64,
    pub province_code: String,
    pub area_id: String,
    pub name: String,
    pub place: String,
    pub setting: Setting,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub id: i64,
    pub outbreak_id: i64,
    pub area_id: String,
    pub kind: ZoneKind,
    pub description: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub person_id: i64,
    pub province_code: String,
    pub area_id: String,
    pub case_code: String,
    pub classification: Classification,
    pub onset: Option<NaiveDate>,
    pub sample: Option<NaiveDate>,
    pub confirmed: Option<NaiveDate>,
    pub isolated: Option<NaiveDate>,
    pub curve_date: NaiveDate,
    pub found_in: FoundIn,
    pub source_known: bool,
    pub setting: Setting,
    pub treatment_place: String,
    pub outcome: Outcome,
    pub outcome_date: Option<NaiveDate>,
    pub illegal_entry: bool,
    pub outbreak_id: Option<i64>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

/// A line of a case's classification history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseEvent {
    pub id: i64,
    pub case_id: i64,
    pub at: DateTime<Utc>,
    pub on_date: NaiveDate,
    pub from: Option<Classification>,
    pub to: Classification,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub id: i64,
    pub province_code: String,
    pub source_person_id: i64,
    pub exposed_person_id: i64,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub setting: Setting,
    pub proximity: Proximity,
    pub duration_minutes: Option<i32>,
    pub certainty: Certainty,
    pub notes: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub id: i64,
    pub province_code: String,
    pub area_id: String,
    pub person_id: i64,
    pub case_id: Option<i64>,
    pub kind: SampleKind,
    pub reason: SampleReason,
    pub taken_on: NaiveDate,
    pub lab_id: Option<i64>,
    pub symptoms: String,
    pub result: TestResult,
    pub result_on: Option<NaiveDate>,
    pub ct: Option<f64>,
    pub created_at: DateTime<Utc>,
}

/// A stored F-level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flevel {
    pub person_id: i64,
    pub level: u8,
    pub via_person_id: i64,
    pub root_person_id: i64,
    pub exposure_id: i64,
    pub exposed_on: NaiveDate,
    pub province_code: String,
    pub area_id: String,
}

/// Records of some outbreaks, in insertion order (outbreaks and zones, then cases and their
/// history, then exposures and samples).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Batch {
    pub outbreaks: Vec<Outbreak>,
    pub zones: Vec<Zone>,
    pub cases: Vec<Case>,
    pub events: Vec<CaseEvent>,
    pub exposures: Vec<Exposure>,
    pub samples: Vec<Sample>,
}

impl Batch {
    pub fn rows(&self) -> usize {
        self.outbreaks.len()
            + self.zones.len()
            + self.cases.len()
            + self.events.len()
            + self.exposures.len()
            + self.samples.len()
    }

    pub fn append(&mut self, other: Batch) {
        self.outbreaks.extend(other.outbreaks);
        self.zones.extend(other.zones);
        self.cases.extend(other.cases);
        self.events.extend(other.events);
        self.exposures.extend(other.exposures);
        self.samples.extend(other.samples);
    }
}

/// Why a specification cannot be generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

/// A generator for one dataset.
#[derive(Debug, Clone)]
pub struct World {
    spec: WorldSpec,
    /// `starts[w]..starts[w + 1]`: the people of ward `w`.
    starts: Vec<u64>,
    /// For each ward, the index of its province in `province_ranges`.
    ward_province: Vec<usize>,
    /// Per province (in ward order): its code and the range of its people.
    province_ranges: Vec<(String, u64, u64)>,
    /// Province codes that open a valid CCCD.
    cccd_codes: Vec<String>,
}

const HOUSEHOLD: u64 = 4;

/// Vietnam's population by five-year age band (0–4 … 90–94), in tenths of a percent; after
/// the 2019 census's age pyramid (GSO, "Kết quả toàn bộ Tổng điều tra dân số và nhà ở năm
/// 2019"), rounded by us.
const AGE_BANDS: [(u32, u32); 19] = [
    (0, 79),
    (5, 83),
    (10, 73),
    (15, 66),
    (20, 69),
    (25, 80),
    (30, 83),
    (35, 78),
    (40, 70),
    (45, 65),
    (50, 60),
    (55, 53),
    (60, 44),
    (65, 32),
    (70, 20),
    (75, 13),
    (80, 10),
    (85, 6),
    (90, 3),
];

/// Mobile prefixes in use (10-digit numbers): Viettel 032–039, 086, 096–098; Vinaphone 081–085,
/// 088, 091, 094; MobiFone 070, 076–079, 089, 090, 093; Vietnamobile 056, 058; Gmobile 059.
const MOBILE_PREFIXES: [&str; 31] = [
    "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "059", "070", "076",
    "077", "078", "079", "081", "082", "083", "084", "085", "086", "088", "089", "090", "091",
    "093", "094", "096", "097", "098",
];

const OCCUPATIONS: [(&str, u32); 10] = [
    ("Nông dân", 30),
    ("Công nhân", 14),
    ("Buôn bán", 12),
    ("Lao động tự do", 12),
    ("Cán bộ, công chức", 7),
    ("Giáo viên", 4),
    ("Nhân viên văn phòng", 6),
    ("Lái xe", 4),
    ("Nội trợ", 8),
    ("Nhân viên y tế", 3),
];

const SYMPTOMS: [&str; 6] = [
    "Sốt, ho",
    "Sốt, đau họng",
    "Ho, mệt mỏi",
    "Mất vị giác, khứu giác",
    "Sốt, khó thở",
    "Đau đầu, đau mỏi người",
];

/// Settings of an outbreak (beside households), with weights.
const OUTBREAK_SETTINGS: [(Setting, u32); 8] = [
    (Setting::IndustrialPark, 18),
    (Setting::Market, 20),
    (Setting::Office, 10),
    (Setting::Restaurant, 10),
    (Setting::School, 8),
    (Setting::Gathering, 12),
    (Setting::Hospital, 4),
    (Setting::Household, 18),
];

/// A sub-generator: independent streams per purpose (`stream`) and item (`n`).
pub fn sub_rng(seed: u64, stream: u64, n: u64) -> Rng {
    let mut h = Rng::new(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let a = h.next_u64();
    Rng::new(a ^ n.wrapping_mul(0xd1b5_4a32_d192_ed03))
}

/// 09:00 in Việt Nam (UTC+7) on a day: when the records of that day are said to be made.
pub fn morning(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_time(NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default()))
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// A number drawn from a Poisson distribution of mean `mean` (Knuth's method; small means).
pub fn poisson(rng: &mut Rng, mean: f64) -> u32 {
    let limit = (-mean).exp();
    let mut k = 0u32;
    let mut p = rng.unit();
    while p > limit && k < 100 {
        k += 1;
        p *= rng.unit();
    }
    k
}

/// The short name of a unit: "Tỉnh Lai Châu" → "Lai Châu", "Huyện Than Uyên" → "Than Uyên".
pub fn short_name(name: &str) -> &str {
    for prefix in [
        "Thành phố ",
        "Tỉnh ",
        "Huyện ",
        "Thị xã ",
        "Quận ",
        "Thị trấn ",
        "Phường ",
        "Xã ",
        "Đặc khu ",
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest;
        }
    }
    name
}

impl World {
    pub fn new(mut spec: WorldSpec) -> Result<Self, SpecError> {
        spec.wards.retain(|w| w.weight > 0);
        if spec.wards.is_empty() {
            return Err(SpecError(
                "no ward to put people in (load the units of the province first)".into(),
            ));
        }
        if spec.people == 0 {
            return Err(SpecError("--people must be at least 1".into()));
        }
        if spec.cases.saturating_mul(4) > spec.people {
            return Err(SpecError(format!(
                "{} cases need at least {} people (4 per case: cases and their contacts)",
                spec.cases,
                spec.cases.saturating_mul(4)
            )));
        }
        spec.chunk = spec.chunk.max(100);
        spec.wards.sort_by(|a, b| {
            (a.province_code.as_str(), a.area_id.as_str())
                .cmp(&(b.province_code.as_str(), b.area_id.as_str()))
        });
        spec.wards.dedup_by(|a, b| a.area_id == b.area_id);
        // Largest remainder: shares proportional to weights, adding up to `people`.
        let total: u128 = spec.wards.iter().map(|w| u128::from(w.weight)).sum();
        let n = u128::from(spec.people);
        let mut counts: Vec<u64> = Vec::with_capacity(spec.wards.len());
        let mut rema: Vec<(u128, usize)> = Vec::with_capacity(spec.wards.len());
        for (i, w) in spec.wards.iter().enumerate() {
            let exact = n * u128::from(w.weight);
            counts.push(u64::try_from(exact / total).unwrap_or(0));
            rema.push((exact % total, i));
        }
        let given: u64 = counts.iter().sum();
        rema.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for (_, i) in rema
            .iter()
            .take(usize::try_from(spec.people - given).unwrap_or(0))
        {
            counts[*i] += 1;
        }
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut acc = 0u64;
        starts.push(0);
        for c in &counts {
            acc += c;
            starts.push(acc);
        }
        let mut province_ranges: Vec<(String, u64, u64)> = Vec::new();
        let mut ward_province = Vec::with_capacity(spec.wards.len());
        for (i, w) in spec.wards.iter().enumerate() {
            match province_ranges.last_mut() {
                Some(p) if p.0 == w.province_code => p.2 = starts[i + 1],
                _ => province_ranges.push((w.province_code.clone(), starts[i], starts[i + 1])),
            }
            ward_province.push(province_ranges.len() - 1);
        }
        let cccd_codes = (1..=99)
            .map(|c| format!("{c:02}"))
            .filter(|c| {
                IdDocument::parse("cccd", &cccd_number(c, Sex::Male, 1990, 1))
                    .is_ok_and(|d| d.is_some())
            })
            .collect();
        Ok(Self {
            spec,
            starts,
            ward_province,
            province_ranges,
            cccd_codes,
        })
    }

    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }

    pub fn wards(&self) -> &[WardSpec] {
        &self.spec.wards
    }

    /// The ward a person (by number) lives in.
    pub fn ward_of(&self, index: u64) -> usize {
        self.starts
            .partition_point(|&s| s <= index)
            .saturating_sub(1)
            .min(self.spec.wards.len() - 1)
    }

    /// The people of a ward, by number.
    pub fn ward_people(&self, ward: usize) -> std::ops::Range<u64> {
        self.starts[ward]..self.starts[ward + 1]
    }

    /// The ward with this area id.
    pub fn ward_index(&self, area_id: &str) -> Option<usize> {
        self.spec.wards.iter().position(|w| w.area_id == area_id)
    }

    pub fn person_id(&self, index: u64) -> i64 {
        self.spec.first.person + i64::try_from(index).unwrap_or(i64::MAX)
    }

    pub fn person_index(&self, id: i64) -> u64 {
        u64::try_from(id - self.spec.first.person).unwrap_or(0)
    }

    /// The other members of a person's household.
    pub fn household_of(&self, index: u64) -> Vec<u64> {
        let w = self.ward_of(index);
        let r = self.ward_people(w);
        let start = r.start + (index - r.start) / HOUSEHOLD * HOUSEHOLD;
        (start..(start + HOUSEHOLD).min(r.end))
            .filter(|&i| i != index)
            .collect()
    }

    fn province_range(&self, ward: usize) -> (u64, u64) {
        let p = &self.province_ranges[self.ward_province[ward]];
        (p.1, p.2)
    }

    /// The people, in chunks of about `spec.chunk`, in number order.
    pub fn people(&self) -> People<'_> {
        People {
            world: self,
            ward: 0,
            next: 0,
            serials: HashMap::new(),
        }
    }

    /// Labs: a CDC per province and a district health centre or two (only when there are
    /// cases to test).
    pub fn labs(&self) -> Vec<Lab> {
        if self.spec.cases == 0 {
            return vec![];
        }
        let mut out = Vec::new();
        let mut id = self.spec.first.lab;
        let mut present: Vec<&ProvinceSpec> = self
            .spec
            .provinces
            .iter()
            .filter(|p| self.province_ranges.iter().any(|r| r.0 == p.code))
            .collect();
        present.sort_by(|a, b| a.code.cmp(&b.code));
        for p in present {
            let mut rng = sub_rng(self.spec.seed, 7, p.code.parse().unwrap_or(0));
            out.push(Lab {
                id,
                province_code: p.code.clone(),
                area_id: p.area_id.clone(),
                name: format!("CDC {}", short_name(&p.name)),
                capacity_per_day: 1_000 + 500 * i32::try_from(rng.below(4)).unwrap_or(0),
            });
            id += 1;
            for site in p.lab_sites.iter().take(2) {
                out.push(Lab {
                    id,
                    province_code: p.code.clone(),
                    area_id: site.area_id.clone(),
                    name: format!("TTYT {}", short_name(&site.name)),
                    capacity_per_day: 200 + 100 * i32::try_from(rng.below(4)).unwrap_or(0),
                });
                id += 1;
            }
        }
        out
    }

    /// The outbreaks, in batches, then ([`Epidemic::flevels`]) the F-levels.
    pub fn epidemic(&self) -> Epidemic<'_> {
        let labs = self.labs();
        let mut by_province: HashMap<String, Vec<i64>> = HashMap::new();
        for l in &labs {
            by_province
                .entry(l.province_code.clone())
                .or_default()
                .push(l.id);
        }
        let params = in_force(&self.spec.rules, self.spec.today).map(|r| r.params.clone());
        Epidemic {
            world: self,
            sizes: plan_outbreaks(self.spec.seed, self.spec.cases),
            next: 0,
            ids: self.spec.first,
            labs: by_province,
            cased: HashMap::new(),
            recent: Vec::new(),
            params,
            made: 0,
        }
    }

    fn random_in_ward(&self, rng: &mut Rng, ward: usize) -> u64 {
        let r = self.ward_people(ward);
        r.start + rng.below(r.end - r.start)
    }

    /// Someone near a person: mostly their own ward, sometimes anywhere in their province.
    fn random_near(&self, rng: &mut Rng, ward: usize) -> u64 {
        let r = self.ward_people(ward);
        if r.end - r.start > HOUSEHOLD && rng.chance(0.7) {
            self.random_in_ward(rng, ward)
        } else {
            let (s, e) = self.province_range(ward);
            s + rng.below(e - s)
        }
    }
}

/// Outbreak sizes for `cases` cases: when there are 10,000 cases or more the first outbreak
/// has exactly 1,000; the others follow a heavy tail (many clusters of a few cases, some of
/// hundreds). Sizes 1 and 2 are sporadic cases that belong to no outbreak.
pub fn plan_outbreaks(seed: u64, cases: u64) -> Vec<u64> {
    let mut rng = sub_rng(seed, 3, 0);
    let mut out = Vec::new();
    let mut left = cases;
    if cases >= 10_000 {
        out.push(1_000);
        left -= 1_000;
    }
    let cap = (cases / 20).clamp(50, 20_000);
    while left > 0 {
        // Pareto with shape 1.1 from 1.
        let u = rng.unit().max(1e-9);
        let draw = (u.powf(-1.0 / 1.1)).floor() as u64;
        let size = draw.clamp(1, cap).min(left);
        out.push(size);
        left -= size;
    }
    out
}

/// People, chunk by chunk.
pub struct People<'w> {
    world: &'w World,
    ward: usize,
    next: u64,
    serials: HashMap<(String, Sex, i32), u32>,
}

impl People<'_> {
    fn household(&mut self, ward: usize, start: u64, end: u64, out: &mut Vec<Person>) {
        let w = self.world;
        let spec = &w.spec;
        let wd = &spec.wards[ward];
        let mut rng = sub_rng(spec.seed, 1, start);
        let street = if wd.urban {
            if rng.chance(0.6) {
                format!("Số {}, tổ {}", 1 + rng.below(150), 1 + rng.below(20))
            } else {
                format!("Tổ dân phố {}", 1 + rng.below(20))
            }
        } else {
            format!("Thôn {}", 1 + rng.below(15))
        };
        let head_sex = if rng.chance(0.75) {
            Sex::Male
        } else {
            Sex::Female
        };
        let head_age = 25 + i64::try_from(rng.below(50)).unwrap_or(0);
        let family = names::surname(&mut rng);
        let spouse_family = names::surname(&mut rng);
        for (slot, index) in (start..end).enumerate() {
            let (sex, age) = match slot {
                0 => (head_sex, head_age),
                1 if rng.chance(0.8) => (
                    if head_sex == Sex::Male {
                        Sex::Female
                    } else {
                        Sex::Male
                    },
                    (head_age - 6 + i64::try_from(rng.below(10)).unwrap_or(0)).max(20),
                ),
                _ => {
                    let sex = if rng.chance(0.51) {
                        Sex::Male
                    } else {
                        Sex::Female
                    };
                    let band = i64::from(rng.weighted(&AGE_BANDS).copied().unwrap_or(30));
                    (sex, band + i64::try_from(rng.below(5)).unwrap_or(0))
                }
            };
            let name = names::full_name(&mut rng, sex);
            // Children and the head share the family name; a spouse keeps their own.
            let surname = if slot == 1 { spouse_family } else { family };
            let full_name = match name.split_once(' ') {
                Some((_, rest)) => format!("{surname} {rest}"),
                None => name,
            };
            let birth_date =
                spec.today - days(age * 365 + i64::try_from(rng.below(365)).unwrap_or(0) + age / 4);
            let cccd = if age >= 14 && rng.chance(0.92) {
                let born_in = if rng.chance(0.9) && w.cccd_codes.contains(&wd.province_code) {
                    wd.province_code.clone()
                } else {
                    rng.pick(&w.cccd_codes).clone()
                };
                let year = birth_date.year();
                // Serials start after the people already stored (the first person id), so that
                // a second dataset does not repeat the numbers of the first.
                let base =
                    u32::try_from((spec.first.person - 1).rem_euclid(1_000_000)).unwrap_or(0);
                let serial = self
                    .serials
                    .entry((born_in.clone(), sex, year))
                    .or_insert(base);
                *serial += 1;
                Some(cccd_number(&born_in, sex, year, *serial))
            } else {
                None
            };
            let phone_p = if age >= 15 { 0.85 } else { 0.08 };
            let phone = rng.chance(phone_p).then(|| phone_number(spec.seed, index));
            let occupation = match age {
                0..=5 => String::new(),
                6..=17 => "Học sinh".to_owned(),
                18..=22 if rng.chance(0.5) => "Sinh viên".to_owned(),
                61.. if rng.chance(0.6) => "Hưu trí".to_owned(),
                _ => rng
                    .weighted(&OCCUPATIONS)
                    .copied()
                    .unwrap_or("Lao động tự do")
                    .to_owned(),
            };
            out.push(Person {
                id: w.person_id(index),
                province_code: wd.province_code.clone(),
                area_id: wd.area_id.clone(),
                street: street.clone(),
                full_name,
                sex,
                birth_date,
                cccd,
                phone,
                occupation,
                workplace: String::new(),
                created_at: spec.now,
            });
        }
    }
}

/// A 10-digit mobile number, unique per person number (up to 310 million people).
fn phone_number(seed: u64, index: u64) -> String {
    let n = MOBILE_PREFIXES.len() as u64;
    let prefix = MOBILE_PREFIXES[usize::try_from(index % n).unwrap_or(0)];
    let q = (index / n) % 10_000_000;
    let scrambled = (q * 7_654_321 + seed % 10_000_000) % 10_000_000;
    format!("{prefix}{scrambled:07}")
}

impl Iterator for People<'_> {
    type Item = Vec<Person>;

    fn next(&mut self) -> Option<Vec<Person>> {
        let w = self.world;
        let mut out = Vec::with_capacity(w.spec.chunk + HOUSEHOLD as usize);
        while out.len() < w.spec.chunk && self.ward < w.spec.wards.len() {
            let r = w.ward_people(self.ward);
            let start = r.start + self.next;
            if start >= r.end {
                self.ward += 1;
                self.next = 0;
                continue;
            }
            let end = (start + HOUSEHOLD).min(r.end);
            self.household(self.ward, start, end, &mut out);
            self.next += end - start;
        }
        (!out.is_empty()).then_some(out)
    }
}

/// Where a case is in the outbreak being built; days are relative to the outbreak's day 0.
#[derive(Debug, Clone)]
struct GenCase {
    person: u64,
    infected: i64,
    onset: Option<i64>,
    sample: i64,
    confirmed: i64,
    isolated: i64,
    found_in: FoundIn,
    setting: Setting,
    source_known: bool,
}

impl GenCase {
    fn infectious_from(&self) -> i64 {
        self.onset.unwrap_or(self.sample) - 2
    }
}

/// Contacts and tests in relative days.
#[derive(Debug, Clone)]
struct GenExposure {
    source: u64,
    exposed: u64,
    first: i64,
    last: i64,
    setting: Setting,
}

#[derive(Debug, Clone)]
struct GenSample {
    person: u64,
    case: Option<usize>,
    reason: SampleReason,
    taken: i64,
    positive: bool,
    symptoms: String,
}

/// Infectious window of a case already stored: (curve date, isolation), as day numbers.
#[derive(Debug, Clone, Copy)]
struct Mark {
    curve: i32,
    isolated: i32,
}

/// The outbreaks of a world, batch by batch.
pub struct Epidemic<'w> {
    world: &'w World,
    sizes: Vec<u64>,
    next: usize,
    ids: FirstIds,
    labs: HashMap<String, Vec<i64>>,
    cased: HashMap<u64, Mark>,
    recent: Vec<flevel::Exposure>,
    params: Option<chongdich_domain::disease::RuleParams>,
    made: u64,
}

fn day_number(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

fn from_day_number(n: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(n).unwrap_or_default()
}

impl Epidemic<'_> {
    /// How many cases have been produced so far.
    pub fn cases_made(&self) -> u64 {
        self.made
    }

    /// The id of the 1,000-case outbreak (when the world has 10,000 cases or more).
    pub fn big_outbreak_id(&self) -> Option<i64> {
        (self.world.spec.cases >= 10_000).then_some(self.world.spec.first.outbreak)
    }

    /// One outbreak (or sporadic cluster) of `size` cases.
    fn outbreak(&mut self, number: usize, size: u64) -> Batch {
        let w = self.world;
        let spec = &w.spec;
        let mut rng = sub_rng(spec.seed, 2, number as u64);
        let r0 = 1.2 + 0.8 * rng.unit();
        let setting = *rng.weighted(&OUTBREAK_SETTINGS).unwrap_or(&Setting::Market);
        let mut taken: HashSet<u64> = HashSet::new();
        let free = |p: u64, taken: &HashSet<u64>, cased: &HashMap<u64, Mark>| {
            !taken.contains(&p) && !cased.contains_key(&p)
        };
        // The index case: anyone (so wards by population).
        let mut index = 0;
        for _ in 0..50 {
            index = rng.below(spec.people);
            if free(index, &taken, &self.cased) {
                break;
            }
        }
        let home = w.ward_of(index);
        let mut cases: Vec<GenCase> = Vec::new();
        let mut exposures: Vec<GenExposure> = Vec::new();
        let mut samples: Vec<GenSample> = Vec::new();
        let first_case = community_case(&mut rng, index, 0, setting, false);
        taken.insert(index);
        cases.push(first_case);
        // Cases are processed in the order they were infected; introductions come at any time
        // of the outbreak's span (a few weeks, longer for large outbreaks).
        let span = 14 + 7 * u64::from(64 - size.leading_zeros());
        let mut queue: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
        queue.push(Reverse((0, 0)));
        while let Some(Reverse((_, ci))) = queue.pop() {
            let c = cases[ci].clone();
            let ward = w.ward_of(c.person);
            let from = c.infectious_from();
            let until = c.isolated;
            let household = w.household_of(c.person);
            let mut contacts: HashSet<u64> = HashSet::new();
            contacts.insert(c.person);
            // Whom this case infects.
            let wanted = if (cases.len() as u64) < size {
                poisson(&mut rng, r0)
            } else {
                0
            };
            for _ in 0..wanted {
                if cases.len() as u64 >= size || from > until {
                    break;
                }
                let in_household = setting == Setting::Household || rng.chance(0.4);
                let mut person = None;
                if in_household {
                    person = household
                        .iter()
                        .copied()
                        .find(|&p| free(p, &taken, &self.cased));
                }
                let child_setting = if person.is_some() {
                    Setting::Household
                } else if setting == Setting::Household {
                    Setting::Gathering
                } else {
                    setting
                };
                if person.is_none() {
                    for _ in 0..20 {
                        let p = w.random_near(&mut rng, ward);
                        if free(p, &taken, &self.cased) && !contacts.contains(&p) {
                            person = Some(p);
                            break;
                        }
                    }
                }
                let t = from
                    + i64::try_from(rng.below(u64::try_from(until - from + 1).unwrap_or(1)))
                        .unwrap_or(0);
                // Past its span the outbreak is under control: no more onward transmission.
                if t > span as i64 {
                    continue;
                }
                let Some(p) = person else { continue };
                let child = if rng.chance(0.35) {
                    traced_case(&mut rng, p, t, c.confirmed + 1, child_setting)
                } else {
                    community_case(&mut rng, p, t, child_setting, true)
                };
                taken.insert(p);
                contacts.insert(p);
                let (first, last) = if child_setting == Setting::Household {
                    (from.max(t - 2), t)
                } else {
                    (t, t)
                };
                exposures.push(GenExposure {
                    source: c.person,
                    exposed: p,
                    first,
                    last,
                    setting: child_setting,
                });
                queue.push(Reverse((child.infected, cases.len())));
                cases.push(child);
            }
            // The rest of the traced contacts.
            let target =
                5 + rng.below(8) + rng.below(8) + if rng.chance(0.2) { rng.below(12) } else { 0 };
            let target = target.min(30) as usize;
            let (win_from, win_to) = if from <= until {
                (from, until)
            } else {
                // Isolated before becoming infectious: room-mates in quarantine.
                (until, c.confirmed)
            };
            let span = u64::try_from(win_to - win_from + 1).unwrap_or(1);
            let mut f1s: Vec<(u64, i64)> = Vec::new();
            for &m in &household {
                if contacts.len() > target {
                    break;
                }
                if from <= until && contacts.insert(m) {
                    exposures.push(GenExposure {
                        source: c.person,
                        exposed: m,
                        first: win_from,
                        last: win_to,
                        setting: Setting::Household,
                    });
                    f1s.push((m, win_from));
                }
            }
            let mut tries = 0;
            while contacts.len() <= target && tries < target * 3 {
                tries += 1;
                let p = w.random_near(&mut rng, ward);
                if !contacts.insert(p) {
                    continue;
                }
                let d = win_from + i64::try_from(rng.below(span)).unwrap_or(0);
                let last = (d + i64::try_from(rng.below(3)).unwrap_or(0)).min(win_to);
                let s = if from > until {
                    Setting::Other
                } else if setting == Setting::Household {
                    *rng.pick(&[Setting::Gathering, Setting::Market, Setting::Restaurant])
                } else {
                    setting
                };
                exposures.push(GenExposure {
                    source: c.person,
                    exposed: p,
                    first: d,
                    last,
                    setting: s,
                });
                f1s.push((p, d));
            }
            // Tests of the F1s, and a few F2s named by them.
            let traced = c.confirmed + 1;
            for &(f1, exposed_on) in &f1s {
                if self.cased.contains_key(&f1) || taken.contains(&f1) {
                    continue;
                }
                if rng.chance(0.6) {
                    samples.push(GenSample {
                        person: f1,
                        case: None,
                        reason: SampleReason::Contact,
                        taken: traced + i64::try_from(rng.below(2)).unwrap_or(0),
                        positive: false,
                        symptoms: String::new(),
                    });
                }
                if rng.chance(0.12) {
                    let home_members = w.household_of(f1);
                    let n = 1 + rng.below(3);
                    for k in 0..n {
                        let f2 = match home_members.get(usize::try_from(k).unwrap_or(0)) {
                            Some(&m) if rng.chance(0.7) => m,
                            _ => w.random_near(&mut rng, w.ward_of(f1)),
                        };
                        if f2 == f1 || f2 == c.person {
                            continue;
                        }
                        let d = exposed_on
                            + i64::try_from(
                                rng.below(u64::try_from(traced - exposed_on + 1).unwrap_or(1)),
                            )
                            .unwrap_or(0);
                        exposures.push(GenExposure {
                            source: f1,
                            exposed: f2,
                            first: d,
                            last: d,
                            setting: if home_members.contains(&f2) {
                                Setting::Household
                            } else {
                                Setting::Other
                            },
                        });
                        if rng.chance(0.2) {
                            samples.push(GenSample {
                                person: f2,
                                case: None,
                                reason: SampleReason::Contact,
                                taken: traced + 1 + i64::try_from(rng.below(2)).unwrap_or(0),
                                positive: false,
                                symptoms: String::new(),
                            });
                        }
                    }
                }
            }
            // The chain died out before the outbreak's size: a new introduction.
            if queue.is_empty() && (cases.len() as u64) < size {
                let mut p = None;
                for _ in 0..50 {
                    let cand = w.random_near(&mut rng, home);
                    if free(cand, &taken, &self.cased) {
                        p = Some(cand);
                        break;
                    }
                }
                if let Some(p) = p {
                    let t = i64::try_from(rng.below(span)).unwrap_or(0);
                    taken.insert(p);
                    queue.push(Reverse((t, cases.len())));
                    cases.push(community_case(&mut rng, p, t, setting, false));
                }
            }
        }
        for (i, c) in cases.iter().enumerate() {
            samples.push(GenSample {
                person: c.person,
                case: Some(i),
                reason: match (c.found_in, c.onset) {
                    (FoundIn::Quarantine, _) => SampleReason::Quarantine,
                    (_, Some(_)) => SampleReason::Symptoms,
                    _ => SampleReason::Screening,
                },
                taken: c.sample,
                positive: true,
                symptoms: if c.onset.is_some() {
                    (*rng.pick(&SYMPTOMS)).to_owned()
                } else {
                    String::new()
                },
            });
        }
        self.place(&mut rng, number, setting, home, cases, exposures, samples)
    }

    /// Puts an outbreak built in relative days on the calendar and numbers its records.
    #[allow(clippy::too_many_arguments)]
    fn place(
        &mut self,
        rng: &mut Rng,
        number: usize,
        setting: Setting,
        home: usize,
        cases: Vec<GenCase>,
        exposures: Vec<GenExposure>,
        samples: Vec<GenSample>,
    ) -> Batch {
        let w = self.world;
        let spec = &w.spec;
        let today = spec.today;
        let last_rel = cases
            .iter()
            .map(|c| c.confirmed)
            .chain(exposures.iter().map(|e| e.last))
            .chain(samples.iter().map(|s| s.taken + 1))
            .max()
            .unwrap_or(0);
        // The 1,000-case outbreak and a few others are still going on "today".
        let lag = if (number == 0 && spec.cases >= 10_000) || rng.chance(0.06) {
            rng.below(3) as i64
        } else {
            3 + rng.below(360) as i64
        };
        let base = today - days(lag + last_rel);
        let at = |rel: i64| base + days(rel);
        let in_outbreak = cases.len() >= 3;
        let outbreak_id = in_outbreak.then(|| {
            let id = self.ids.outbreak;
            self.ids.outbreak += 1;
            id
        });
        let mut batch = Batch::default();
        let home_ward = &spec.wards[home];
        let province_name = spec
            .provinces
            .iter()
            .find(|p| p.code == home_ward.province_code)
            .map(|p| short_name(&p.name).to_owned())
            .unwrap_or_default();
        let last_confirmed = cases.iter().map(|c| c.confirmed).max().unwrap_or(0);
        let first_confirmed = cases.iter().map(|c| c.confirmed).min().unwrap_or(0);
        if let Some(oid) = outbreak_id {
            let started = at(first_confirmed);
            let ended = at(last_confirmed + 28);
            let place = match setting {
                Setting::IndustrialPark => {
                    format!("Khu công nghiệp {}", short_name(&home_ward.name))
                }
                Setting::Market => format!("Chợ {}", short_name(&home_ward.name)),
                Setting::Office => format!("Trụ sở cơ quan tại {}", home_ward.name),
                Setting::Restaurant => format!("Quán ăn tại {}", home_ward.name),
                Setting::School => format!("Trường học tại {}", home_ward.name),
                Setting::Gathering => format!("Đám cưới tại {}", home_ward.name),
                Setting::Hospital => format!("Bệnh viện tại {}", home_ward.name),
                _ => format!("Khu dân cư {}", home_ward.name),
            };
            batch.outbreaks.push(Outbreak {
                id: oid,
                province_code: home_ward.province_code.clone(),
                area_id: home_ward.area_id.clone(),
                name: format!("Ổ dịch {} — {}", place, province_name),
                place,
                setting,
                started_on: started,
                ended_on: (ended <= today).then_some(ended),
                created_at: morning(started),
            });
            if cases.len() >= 10 {
                let ends = at(last_confirmed + 14);
                let mut zone_wards = vec![home];
                if cases.len() >= 50 {
                    for c in &cases {
                        let wd = w.ward_of(c.person);
                        if !zone_wards.contains(&wd) {
                            zone_wards.push(wd);
                        }
                        if zone_wards.len() >= 3 {
                            break;
                        }
                    }
                }
                for (k, wd) in zone_wards.into_iter().enumerate() {
                    let zw = &spec.wards[wd];
                    let kind = if k == 0 {
                        ZoneKind::Lockdown
                    } else {
                        ZoneKind::MedicalIsolation
                    };
                    batch.zones.push(Zone {
                        id: self.ids.zone,
                        outbreak_id: oid,
                        area_id: zw.area_id.clone(),
                        kind,
                        description: format!("{} {}", kind.label(), zw.name),
                        starts_on: started,
                        ends_on: (ends <= today).then_some(ends),
                        created_at: morning(started),
                    });
                    self.ids.zone += 1;
                }
            }
        }
        let treatment = format!("Bệnh viện Đa khoa tỉnh {province_name}");
        let mut case_ids = Vec::with_capacity(cases.len());
        let window_start = self
            .params
            .as_ref()
            .map(|p| today - days(i64::from(p.contact_window_days)));
        for c in &cases {
            let id = self.ids.case;
            self.ids.case += 1;
            case_ids.push(id);
            let wd = &spec.wards[w.ward_of(c.person)];
            let confirmed = at(c.confirmed);
            let out_day = at(c.confirmed + 10 + rng.below(16) as i64);
            let (outcome, outcome_date) = if out_day <= today {
                if rng.chance(0.01) {
                    (Outcome::Died, Some(out_day))
                } else {
                    (Outcome::Recovered, Some(out_day))
                }
            } else {
                (Outcome::Treating, None)
            };
            let onset = c.onset.map(at);
            let sample = at(c.sample);
            let curve = onset.unwrap_or(sample);
            self.cased.insert(
                c.person,
                Mark {
                    curve: day_number(curve),
                    isolated: day_number(at(c.isolated)),
                },
            );
            batch.cases.push(Case {
                id,
                person_id: w.person_id(c.person),
                province_code: wd.province_code.clone(),
                area_id: wd.area_id.clone(),
                case_code: id.to_string(),
                classification: Classification::Confirmed,
                onset,
                sample: Some(sample),
                confirmed: Some(confirmed),
                isolated: Some(at(c.isolated)),
                curve_date: curve,
                found_in: c.found_in,
                source_known: c.source_known,
                setting: c.setting,
                treatment_place: treatment.clone(),
                outcome,
                outcome_date,
                illegal_entry: false,
                outbreak_id,
                notes: String::new(),
                created_at: morning(confirmed),
            });
            batch.events.push(CaseEvent {
                id: self.ids.case_event,
                case_id: id,
                at: morning(confirmed),
                on_date: confirmed,
                from: None,
                to: Classification::Confirmed,
                reason: "đăng ký ca bệnh".into(),
            });
            self.ids.case_event += 1;
        }
        for e in &exposures {
            let id = self.ids.exposure;
            self.ids.exposure += 1;
            let (first, last) = (at(e.first), at(e.last));
            let (proximity, duration) = match e.setting {
                Setting::Household => (Proximity::Physical, None),
                Setting::Other => (Proximity::SameSpace, Some(60 + 30 * rng.below(8) as i32)),
                _ => (
                    *rng.pick(&[Proximity::Within2m, Proximity::SameSpace]),
                    Some(15 + 15 * rng.below(12) as i32),
                ),
            };
            if window_start.is_some_and(|s| last >= s) {
                self.recent.push(flevel::Exposure {
                    id,
                    source: w.person_id(e.source),
                    exposed: w.person_id(e.exposed),
                    first,
                    last,
                });
            }
            batch.exposures.push(Exposure {
                id,
                province_code: spec.wards[w.ward_of(e.source)].province_code.clone(),
                source_person_id: w.person_id(e.source),
                exposed_person_id: w.person_id(e.exposed),
                first_date: first,
                last_date: last,
                setting: e.setting,
                proximity,
                duration_minutes: duration,
                certainty: if rng.chance(0.85) {
                    Certainty::Confirmed
                } else {
                    Certainty::Probable
                },
                notes: String::new(),
                created_at: morning(last.max(first)),
            });
        }
        for s in &samples {
            let taken = at(s.taken);
            if taken > today {
                continue;
            }
            let wd = &spec.wards[w.ward_of(s.person)];
            let labs = self.labs.get(&wd.province_code);
            let lab_id = labs.and_then(|l| {
                if l.len() == 1 || rng.chance(0.7) {
                    l.first().copied()
                } else {
                    l.get(1 + usize::try_from(rng.below(l.len() as u64 - 1)).unwrap_or(0))
                        .copied()
                }
            });
            let result_on = taken + days(1);
            let (result, result_on) = if result_on > today {
                (TestResult::Pending, None)
            } else if s.positive {
                (TestResult::Positive, Some(result_on))
            } else {
                (TestResult::Negative, Some(result_on))
            };
            batch.samples.push(Sample {
                id: self.ids.sample,
                province_code: wd.province_code.clone(),
                area_id: wd.area_id.clone(),
                person_id: w.person_id(s.person),
                case_id: s.case.map(|i| case_ids[i]),
                kind: SampleKind::RtPcr,
                reason: s.reason,
                taken_on: taken,
                lab_id,
                symptoms: s.symptoms.clone(),
                result,
                result_on,
                ct: s
                    .positive
                    .then(|| 15.0 + f64::from(rng.below(170) as u32) / 10.0),
                created_at: morning(taken),
            });
            self.ids.sample += 1;
        }
        self.made += cases.len() as u64;
        batch
    }

    /// The F-levels on "today" under the rule set in force then: [`flevel::derive`] over every
    /// exposure inside the window, the cases of the people they touch as F0s.
    pub fn flevels(self) -> Vec<Flevel> {
        let Some(params) = &self.params else {
            return vec![];
        };
        let w = self.world;
        let days_before = i64::from(params.infectious_days_before_onset);
        let cased = &self.cased;
        let active = |p: i64| {
            cased.get(&w.person_index(p)).map(|m| flevel::ActiveCase {
                person: p,
                infectious_from: from_day_number(m.curve) - days(days_before),
                isolated_on: Some(from_day_number(m.isolated)),
            })
        };
        derive_levels(w, params, &self.recent, active)
    }
}

/// F-levels on the world's "today": the F0s are the people of `exposures` for whom `active`
/// gives a case (as the store takes every confirmed case of the people around a change).
pub fn derive_levels(
    w: &World,
    params: &chongdich_domain::disease::RuleParams,
    exposures: &[flevel::Exposure],
    active: impl Fn(i64) -> Option<flevel::ActiveCase>,
) -> Vec<Flevel> {
    if params.max_f_level == 0 {
        return vec![];
    }
    let mut cases = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    for e in exposures {
        for p in [e.source, e.exposed] {
            if seen.insert(p)
                && let Some(a) = active(p)
            {
                cases.push(a);
            }
        }
    }
    flevel::derive(&cases, exposures, &params.flevel(), w.spec.today)
        .into_iter()
        .map(|(person, d)| {
            let wd = &w.spec.wards[w.ward_of(w.person_index(person))];
            Flevel {
                person_id: person,
                level: d.level,
                via_person_id: d.via,
                root_person_id: d.root,
                exposure_id: d.exposure_id,
                exposed_on: d.exposed_on,
                province_code: wd.province_code.clone(),
                area_id: wd.area_id.clone(),
            }
        })
        .collect()
}

impl Iterator for Epidemic<'_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        let mut batch = Batch::default();
        while self.next < self.sizes.len() {
            let size = self.sizes[self.next];
            let number = self.next;
            self.next += 1;
            batch.append(self.outbreak(number, size));
            if batch.cases.len() >= self.world.spec.chunk / 4
                || batch.rows() >= 20 * self.world.spec.chunk
            {
                break;
            }
        }
        (!batch.cases.is_empty() || !batch.outbreaks.is_empty()).then_some(batch)
    }
}

fn incubation(rng: &mut Rng) -> i64 {
    2 + rng.below(4) as i64 + rng.below(5) as i64
}

/// A case found in the community (not traced beforehand), infected on day `t`.
fn community_case(
    rng: &mut Rng,
    person: u64,
    t: i64,
    setting: Setting,
    source_known: bool,
) -> GenCase {
    let onset = rng.chance(0.7).then(|| t + incubation(rng));
    let sample = match onset {
        Some(o) => o + rng.below(3) as i64,
        None => t + 4 + rng.below(8) as i64,
    };
    let confirmed = sample + 1 + i64::from(rng.chance(0.2));
    GenCase {
        person,
        infected: t,
        onset,
        sample,
        confirmed,
        isolated: confirmed,
        found_in: FoundIn::Community,
        setting,
        source_known,
    }
}

/// A case infected on day `t` by a case whose contacts were quarantined on `traced`: found in
/// quarantine when it was not detected before.
fn traced_case(rng: &mut Rng, person: u64, t: i64, traced: i64, setting: Setting) -> GenCase {
    let mut c = community_case(rng, person, t, setting, true);
    let detected = c.onset.unwrap_or(c.sample);
    if detected >= traced {
        let sample = match c.onset {
            Some(o) => o.max(traced),
            // Tested on entering quarantine, then on days 7 and 14.
            None => [traced, traced + 6, traced + 13]
                .into_iter()
                .find(|&d| d >= t + 4)
                .unwrap_or(t + 4),
        };
        c.sample = sample;
        c.confirmed = sample + 1;
        c.isolated = traced;
        c.found_in = FoundIn::Quarantine;
    }
    c
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use chongdich_domain::disease::covid19_rule_sets;
    use chongdich_domain::person::Phone;

    fn spec(people: u64, cases: u64) -> WorldSpec {
        let wards = (0..30)
            .map(|i| WardSpec {
                area_id: format!("L{:05}", 3000 + i),
                name: format!("Xã Thử {i}"),
                province_code: if i < 20 { "12".into() } else { "20".into() },
                urban: i % 5 == 0,
                weight: 1 + (i as u64 % 4),
            })
            .collect();
        WorldSpec {
            seed: 42,
            people,
            cases,
            today: NaiveDate::from_ymd_opt(2021, 9, 30).unwrap(),
            now: Utc.with_ymd_and_hms(2021, 9, 30, 3, 0, 0).unwrap(),
            provinces: vec![
                ProvinceSpec {
                    code: "12".into(),
                    area_id: "L12".into(),
                    name: "Tỉnh Lai Châu".into(),
                    lab_sites: vec![Place {
                        area_id: "L110".into(),
                        name: "Huyện Than Uyên".into(),
                    }],
                },
                ProvinceSpec {
                    code: "20".into(),
                    area_id: "L20".into(),
                    name: "Tỉnh Lạng Sơn".into(),
                    lab_sites: vec![],
                },
            ],
            wards,
            first: FirstIds {
                person: 101,
                ..FirstIds::default()
            },
            rules: covid19_rule_sets(),
            chunk: 1_000,
        }
    }

    #[test]
    fn people_are_deterministic_valid_and_spread_by_weight() {
        let w = World::new(spec(5_000, 0)).unwrap();
        let all: Vec<Person> = w.people().flatten().collect();
        let again: Vec<Person> = World::new(spec(5_000, 0))
            .unwrap()
            .people()
            .flatten()
            .collect();
        assert_eq!(all, again);
        assert_eq!(all.len(), 5_000);
        assert_eq!(all[0].id, 101);
        assert!(all.windows(2).all(|p| p[1].id == p[0].id + 1));
        let mut cccd = HashSet::new();
        let mut phones = HashSet::new();
        let today = w.spec().today;
        for p in &all {
            if let Some(n) = &p.cccd {
                let doc = IdDocument::parse("cccd", n).unwrap().unwrap();
                let info = doc.cccd_info().unwrap();
                assert_eq!(info.birth_year, p.birth_date.year(), "{n}");
                assert_eq!(info.sex, p.sex);
                assert!(cccd.insert(n.clone()), "duplicate {n}");
            }
            if let Some(ph) = &p.phone {
                assert_eq!(Phone::parse(ph).unwrap().as_str(), ph);
                assert!(phones.insert(ph.clone()));
            }
            assert!(p.birth_date <= today);
            assert!(p.full_name.split(' ').count() >= 2);
        }
        let with_phone = all.iter().filter(|p| p.phone.is_some()).count();
        assert!((3_000..4_000).contains(&with_phone), "{with_phone}");
        let home = all
            .iter()
            .filter_map(|p| p.cccd.as_ref().map(|c| (c, p)))
            .filter(|(c, p)| c[1..3] == p.province_code[..])
            .count();
        assert!(home * 100 > cccd.len() * 80, "{home} of {}", cccd.len());
        // Weight 4 wards hold about 4 times the people of weight 1 wards.
        let count = |a: &str| all.iter().filter(|p| p.area_id == a).count();
        let (w1, w4) = (count("L03000"), count("L03003"));
        assert!(w4 > 3 * w1 && w4 < 5 * w1, "{w1} {w4}");
        // An age pyramid: more children than people over 70.
        let age = |p: &Person| (today - p.birth_date).num_days() / 365;
        let kids = all.iter().filter(|p| age(p) < 15).count();
        let old = all.iter().filter(|p| age(p) >= 70).count();
        assert!(kids > 2 * old && old > 50, "{kids} {old}");
        // A household shares a family name between head and children.
        assert_eq!(w.household_of(0), vec![1, 2, 3]);
    }

    #[test]
    fn outbreaks_are_consistent() {
        let w = World::new(spec(20_000, 600)).unwrap();
        let labs = w.labs();
        assert_eq!(labs.len(), 3);
        assert_eq!(labs[0].name, "CDC Lai Châu");
        assert_eq!(labs[1].name, "TTYT Than Uyên");
        let mut epi = w.epidemic();
        let mut all = Batch::default();
        for b in epi.by_ref() {
            all.append(b);
        }
        assert_eq!(all.cases.len(), 600);
        assert_eq!(epi.cases_made(), 600);
        let today = w.spec().today;
        let persons: HashSet<i64> = all.cases.iter().map(|c| c.person_id).collect();
        assert_eq!(persons.len(), 600, "a person is a case once");
        let range = 101..101 + 20_000;
        for c in &all.cases {
            assert!(range.contains(&c.person_id));
            let conf = c.confirmed.unwrap();
            assert!(conf <= today && c.sample.unwrap() <= conf);
            assert!(c.onset.is_none_or(|o| o <= c.sample.unwrap()));
            assert_eq!(
                w.wards()[w.ward_of(w.person_index(c.person_id))].area_id,
                c.area_id
            );
            assert!(c.outcome_date.is_none_or(|d| d <= today && d > conf));
        }
        let community = all
            .cases
            .iter()
            .filter(|c| c.found_in == FoundIn::Community)
            .count();
        assert!(community > 200 && community < 600, "{community}");
        for e in &all.exposures {
            assert!(e.first_date <= e.last_date && e.last_date <= today);
            assert!(range.contains(&e.source_person_id) && range.contains(&e.exposed_person_id));
            assert_ne!(e.source_person_id, e.exposed_person_id);
        }
        let per_case = all.exposures.len() as f64 / 600.0;
        assert!((5.0..=32.0).contains(&per_case), "{per_case}");
        let positives = all
            .samples
            .iter()
            .filter(|s| s.result == TestResult::Positive)
            .count();
        let negatives = all
            .samples
            .iter()
            .filter(|s| s.result == TestResult::Negative)
            .count();
        assert!(
            positives >= 590 && negatives > 1_000,
            "{positives} {negatives}"
        );
        for s in &all.samples {
            assert!(s.taken_on <= today && s.result_on.is_none_or(|d| d <= today));
            assert!(s.lab_id.is_some_and(|l| (1..=3).contains(&l)));
        }
        // Ids are consecutive from the first ones.
        assert_eq!(all.cases[0].id, 1);
        assert!(all.cases.windows(2).all(|c| c[1].id == c[0].id + 1));
        assert!(all.exposures.windows(2).all(|c| c[1].id == c[0].id + 1));
        assert!(!all.outbreaks.is_empty());
        for o in &all.outbreaks {
            let n = all
                .cases
                .iter()
                .filter(|c| c.outbreak_id == Some(o.id))
                .count();
            assert!(n >= 3, "{n}");
        }
        let flevels = epi.flevels();
        // Every stored level is what derive gives from the exposures in the window.
        for f in &flevels {
            assert!(!persons.contains(&f.person_id), "an F0 has no F-level");
            assert!((1..=5).contains(&f.level));
        }
    }

    #[test]
    fn a_big_world_has_a_thousand_case_outbreak() {
        let sizes = plan_outbreaks(42, 1_000_000);
        assert_eq!(sizes[0], 1_000);
        assert_eq!(sizes.iter().sum::<u64>(), 1_000_000);
        assert!(sizes.iter().filter(|&&s| s >= 100).count() > 50);
        assert!(sizes.iter().filter(|&&s| s <= 5).count() > sizes.len() / 2);
        assert_eq!(plan_outbreaks(1, 7).iter().sum::<u64>(), 7);
        assert!(plan_outbreaks(1, 0).is_empty());
    }

    #[test]
    fn bad_specs_are_refused() {
        let mut s = spec(100, 0);
        s.wards.clear();
        assert!(World::new(s).is_err());
        assert!(World::new(spec(100, 50)).is_err());
    }
}
