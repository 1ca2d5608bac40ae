//! Risk levels of areas (QĐ 2686/QĐ-BCĐQG, QĐ 4800/QĐ-BYT, QĐ 218/QĐ-BYT, a province's own
//! response plan …) and the measures each level brings.
//!
//! A rule set is data: its levels (lowest first), its criteria — each a [`Test`] of a fixed
//! kind with its thresholds, the [`Effect`] it has when it fires, the document it comes from and
//! how far that is verified ([`Mark`]) — and its catalogue of [`Measure`]s. The shipped sets are
//! JSON files in `data/risk-rules/`; an administrator clones and edits them as data.
//!
//! [`assess`] is pure: from an [`AssessInput`] (the unit tree, community cases, coverage,
//! capacity and facts) it gives every unit its level and the reasons, criterion by criterion,
//! with the numbers. An input the criterion needs and that is unknown (a commune without a
//! population figure) makes the criterion *not computable*, reported as such, never zero.
//! The same function serves the database (`chongdich-store` builds the input from its tables)
//! and the what-if command line (`chongdich risk assess`).

use crate::case::{FoundIn, Setting};
use crate::error::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod engine;
mod rules;

pub use engine::assess;
pub use rules::{in_force, shipped};

crate::vocabulary! {
    /// The colour a level is shown in.
    pub enum Colour (field = "colour") {
        Green = ("green", "Xanh"),
        Yellow = ("yellow", "Vàng"),
        Orange = ("orange", "Cam"),
        Red = ("red", "Đỏ"),
    }
}

crate::vocabulary! {
    /// The tier of an administrative unit that is assessed.
    pub enum UnitLevel (field = "level") {
        Province = ("province", "Tỉnh"),
        District = ("district", "Huyện"),
        Ward = ("ward", "Xã"),
    }
}

crate::vocabulary! {
    /// How far a rule or a threshold is verified (regulations.md): read in a faithful source,
    /// a summary or local reading, or not verified.
    pub enum Mark (field = "mark") {
        Verified = ("verified", "Đã kiểm chứng"),
        Summary = ("summary", "Theo bản tóm tắt"),
        Unverified = ("unverified", "Chưa kiểm chứng"),
    }
}

crate::vocabulary! {
    /// The kind of a measure.
    pub enum MeasureCategory (field = "category") {
        General = ("general", "Chung"),
        Health = ("health", "Y tế, khai báo, xét nghiệm"),
        Services = ("services", "Dịch vụ"),
        Gatherings = ("gatherings", "Tụ tập, sự kiện"),
        WeddingsFunerals = ("weddings_funerals", "Đám cưới, đám tang"),
        Schools = ("schools", "Trường học"),
        Markets = ("markets", "Chợ, siêu thị, ăn uống"),
        PublicTransport = ("public_transport", "Vận tải hành khách công cộng"),
        Interprovincial = ("interprovincial", "Đi lại liên tỉnh"),
        Work = ("work", "Sản xuất, công sở"),
    }
}

crate::vocabulary! {
    /// A vaccination coverage figure of a unit (a fraction 0–1).
    pub enum CoverageField (field = "field") {
        // serde's snake_case would give `first_dose18_plus`: the names are those of `as_str`
        // (and of `CoverageInput`'s fields).
        #[serde(rename = "first_dose_18plus", alias = "first_dose18_plus")]
        FirstDose18Plus = ("first_dose_18plus", "Tỷ lệ người từ 18 tuổi tiêm ít nhất 1 mũi"),
        #[serde(rename = "full_dose_65plus", alias = "full_dose65_plus")]
        FullDose65Plus = ("full_dose_65plus", "Tỷ lệ người từ 65 tuổi tiêm đủ liều"),
        FullDoseAll = ("full_dose_all", "Tỷ lệ dân số tiêm đủ liều"),
    }
}

/// A versioned set of risk rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskRuleSet {
    /// `qd2686`, `qd4800`, `qd218`, or an administrator's id (lowercase, digits, `_`).
    pub id: String,
    /// Short name for the screen: "QĐ 2686/QĐ-BCĐQG".
    pub name: String,
    /// The document: kind, number, issuer, date, subject.
    pub document: String,
    pub valid_from: NaiveDate,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// The set this one was cloned from.
    #[serde(default)]
    pub based_on: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// From the lowest (normal) to the highest.
    pub levels: Vec<LevelDef>,
    /// A level change takes effect this many hours after it is approved (48 under QĐ 4800).
    #[serde(default)]
    pub announce_hours: u32,
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub measures: Vec<Measure>,
    /// Whether a level's measures add to those of the levels below it (QĐ 2686: yes).
    #[serde(default)]
    pub measures_cumulative: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelDef {
    /// `binh_thuong_moi`, `nguy_co`, … or `cap_1` … `cap_4`.
    pub id: String,
    /// "Nguy cơ cao", "Cấp 3 — nguy cơ cao".
    pub name: String,
    pub colour: Colour,
}

/// One factor of the rules: when its test fires for a unit of a tier it applies to, its effect
/// applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    /// Unique within the set: `xa_ca_khong_ro_nguon`.
    pub id: String,
    pub applies_to: Vec<UnitLevel>,
    pub test: Test,
    pub effect: Effect,
    /// The factor as the document words it, in Vietnamese.
    pub text: String,
    /// Where it comes from: "QĐ 2686/QĐ-BCĐQG, Phụ lục, mục II.1".
    pub source: String,
    pub mark: Mark,
}

/// What a criterion looks at. Case windows are the last `days` days up to and including the
/// assessment date, by confirmation date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Test {
    /// At least `min` cases in the unit (its wards for a district or province).
    Cases {
        days: u32,
        /// Where the cases were found; empty means community cases only.
        #[serde(default)]
        found_in: Vec<FoundIn>,
        /// Only cases whose source is known (true) or not (false); none: either.
        #[serde(default)]
        source_known: Option<bool>,
        /// Only cases in these settings; empty: any.
        #[serde(default)]
        settings: Vec<Setting>,
        min: u32,
    },
    /// Cases in the last `days` days per 100,000 population above (`strict`) or at least
    /// `threshold`. Not computable without the unit's population.
    Rate {
        days: u32,
        #[serde(default)]
        found_in: Vec<FoundIn>,
        #[serde(default)]
        source_known: Option<bool>,
        threshold: f64,
        #[serde(default)]
        strict: bool,
    },
    /// A neighbouring unit (of the same tier) is at `min_level` or higher.
    Neighbour { min_level: String },
    /// At least `share` (0–1] of the unit's children, or at least `count` of them, are at
    /// `min_level` or higher.
    Children {
        min_level: String,
        #[serde(default)]
        share: Option<f64>,
        #[serde(default)]
        count: Option<u32>,
    },
    /// A fact recorded for the unit (`illegal_entry_risk`, `large_quarantine_population`,
    /// `community_contacts`, `hard_to_control_source` …).
    Fact { fact: String },
    /// A vaccination coverage figure below `below`. Not computable when unknown.
    CoverageBelow { field: CoverageField, below: f64 },
    /// The capacity to receive and treat patients is assessed as met. Not computable when
    /// not assessed.
    CapacityMet,
    /// The capacity is assessed as not met. Not computable when not assessed.
    CapacityNotMet,
}

/// What a fired criterion does. The level is the highest `Set` that fired (the lowest level if
/// none did); then every `Raise` and `Lower` that fired moves it, within the levels; then `Hold`
/// keeps it from going below the unit's previous level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Set(String),
    Raise(u8),
    Lower(u8),
    Hold,
}

/// One measure of a level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub level: String,
    pub category: MeasureCategory,
    pub text: String,
    #[serde(default)]
    pub source: String,
    pub mark: Mark,
    /// Applies at its own level only, even where the set's measures are cumulative (a
    /// reopening allowed at the lowest level is not carried to the higher ones).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub only_at_level: bool,
}

/// What [`assess`] works from. The shape is the what-if file's (`chongdich risk assess`);
/// unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssessInput {
    pub as_of: NaiveDate,
    pub units: Vec<UnitInput>,
    #[serde(default)]
    pub cases: Vec<CaseInput>,
    #[serde(default)]
    pub coverage: Vec<CoverageInput>,
    #[serde(default)]
    pub capacity: Vec<CapacityInput>,
    #[serde(default)]
    pub facts: Vec<FactInput>,
    /// The units' levels before this assessment (for `Hold`).
    #[serde(default)]
    pub previous: Vec<PreviousLevel>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitInput {
    pub code: String,
    pub level: UnitLevel,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub population: Option<u64>,
    #[serde(default)]
    pub neighbours: Vec<String>,
}

/// Cases of one ward on one day with the same attributes (`count` of them; 1 in a what-if
/// file, a GROUP BY from the database).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseInput {
    pub ward: String,
    pub confirmed_on: NaiveDate,
    pub found_in: FoundIn,
    #[serde(default)]
    pub source_known: bool,
    #[serde(default)]
    pub setting: Option<Setting>,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageInput {
    pub unit: String,
    #[serde(default)]
    pub first_dose_18plus: Option<f64>,
    #[serde(default)]
    pub full_dose_65plus: Option<f64>,
    #[serde(default)]
    pub full_dose_all: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityInput {
    pub unit: String,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactInput {
    pub unit: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousLevel {
    pub unit: String,
    pub level: String,
}

/// The result of an assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub rules: String,
    pub as_of: NaiveDate,
    /// Wards first, then districts, then provinces; in the input's order within a tier.
    pub units: Vec<UnitResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    pub code: String,
    pub unit_level: UnitLevel,
    /// A level id of the rule set.
    pub level: String,
    pub colour: Colour,
    pub reasons: Vec<Reason>,
}

/// Why: one criterion that fired, or could not be computed, with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub criterion: String,
    /// Fired, or not computable (an input it needs is unknown).
    pub outcome: ReasonOutcome,
    /// In Vietnamese, with the numbers: "Nguy cơ cao: Có ca F0 trong cộng đồng chưa rõ nguồn
    /// lây — 2 ca trong 14 ngày (từ 1 ca)".
    pub text: String,
    pub source: String,
    pub mark: Mark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonOutcome {
    Fired,
    NotComputable,
}

impl RiskRuleSet {
    /// The position of a level id, lowest = 0.
    pub fn rank(&self, level: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == level)
    }

    pub fn level(&self, id: &str) -> Option<&LevelDef> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// Whether the set is in force on a date.
    pub fn in_force_on(&self, d: NaiveDate) -> bool {
        self.valid_from <= d && self.valid_to.is_none_or(|t| d <= t)
    }

    /// The measures in force at a level: those of the level, and of the levels below it when
    /// the set's measures are cumulative; lowest level first.
    pub fn measures_at(&self, level: &str) -> Vec<&Measure> {
        let Some(r) = self.rank(level) else {
            return Vec::new();
        };
        self.measures
            .iter()
            .filter(|m| match self.rank(&m.level) {
                Some(mr) if self.measures_cumulative && !m.only_at_level => mr <= r,
                Some(mr) => mr == r,
                None => false,
            })
            .collect()
    }

    /// Checks a set typed or edited by a person; every error names the field, e.g.
    /// `criteria[3].effect`.
    pub fn validate(&self) -> Result<(), Invalid> {
        rules::validate(self)
    }

    /// Parses a set from JSON, naming the field of a malformed value, then validates it.
    pub fn from_json(text: &str) -> Result<Self, Invalid> {
        rules::from_json(text)
    }
}

impl AssessInput {
    /// Parses a what-if file, naming the field of a malformed value.
    pub fn from_json(text: &str) -> Result<Self, Invalid> {
        rules::input_from_json(text)
    }
}
