//! Risk levels of areas: the rule sets (versioned; the shipped ones seeded), the inputs entered
//! per unit (vaccination coverage, treatment capacity, facts, neighbouring units), assessments
//! (a proposal computed by the pure `chongdich_domain::risk::assess` from the database), their
//! approval and publication, and the measures in force.
//!
//! Publication: `risk_published` keeps per unit the level in force and the next one approved
//! but not yet in force (QĐ 4800 announces a change 48 hours ahead). A reader resolves the two
//! against the clock, so a change takes effect on time without a job.

use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::{AreaId, Structure};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::error::Collector;
use chongdich_domain::risk::{
    self, AssessInput, Assessment, CapacityInput, CaseInput, CoverageInput, FactInput, Measure,
    MeasureCategory, PreviousLevel, Reason, RiskRuleSet, UnitInput, UnitLevel,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One version of a rule set as stored.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct RuleSetRow {
    pub id: String,
    pub version: i32,
    pub name: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub shipped: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(skip)]
    pub body: String,
}

impl RuleSetRow {
    pub fn rules(&self) -> Result<RiskRuleSet, StoreError> {
        serde_json::from_str(&self.body)
            .map_err(|e| StoreError::Internal(format!("bộ quy tắc {} hỏng: {e}", self.id)))
    }
}

/// An administrative unit that is assessed, with what the screens and the map need.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct UnitInfo {
    pub id: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub province_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub sort_key: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AssessmentRow {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub rule_set_id: String,
    pub rule_version: i32,
    pub as_of: NaiveDate,
    pub status: String,
    pub computed_at: DateTime<Utc>,
    pub computed_by: String,
    pub unit_count: i32,
    pub changed_count: i32,
    pub decision_no: Option<String>,
    pub approved_by: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub effective_at: Option<DateTime<Utc>>,
}

impl AssessmentRow {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "proposed" => "Đề xuất (chưa phê duyệt)",
            "approved" => "Đã phê duyệt, công bố",
            _ => "Đã thay thế",
        }
    }
}

/// A unit's level in an assessment.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ResultRow {
    pub area_id: String,
    pub area_name: String,
    pub province_code: Option<String>,
    pub parent_id: Option<String>,
    pub unit_level: String,
    pub level: String,
    pub colour: String,
    pub computed_level: String,
    pub override_reason: String,
    pub previous_level: Option<String>,
    #[serde(skip)]
    pub reasons: String,
}

impl ResultRow {
    pub fn reasons(&self) -> Vec<Reason> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }

    pub fn changed(&self) -> bool {
        self.previous_level.as_deref() != Some(self.level.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, FromQueryResult)]
struct PublishedDb {
    area_id: String,
    province_code: Option<String>,
    unit_level: String,
    rule_set_id: String,
    level: String,
    colour: String,
    since: DateTime<Utc>,
    assessment_id: i64,
    next_level: Option<String>,
    next_colour: Option<String>,
    next_effective_at: Option<DateTime<Utc>>,
    next_assessment_id: Option<i64>,
    next_rule_set_id: Option<String>,
}

/// The columns of `risk_published`, in the order of [`PublishedDb`].
const PUBLISHED_COLUMNS: [&str; 13] = [
    "area_id",
    "province_code",
    "unit_level",
    "rule_set_id",
    "level",
    "colour",
    "since",
    "assessment_id",
    "next_level",
    "next_colour",
    "next_effective_at",
    "next_assessment_id",
    "next_rule_set_id",
];

impl PublishedDb {
    /// The row as it stands at `at`: an announced change whose time has come is in force.
    fn at(mut self, at: DateTime<Utc>) -> Self {
        if let (Some(when), Some(level), Some(colour), Some(a), Some(r)) = (
            self.next_effective_at,
            self.next_level.clone(),
            self.next_colour.clone(),
            self.next_assessment_id,
            self.next_rule_set_id.clone(),
        ) && when <= at
        {
            if level != self.level {
                self.since = when;
            }
            self.level = level;
            self.colour = colour;
            self.assessment_id = a;
            self.rule_set_id = r;
            self.next_level = None;
            self.next_colour = None;
            self.next_effective_at = None;
            self.next_assessment_id = None;
            self.next_rule_set_id = None;
        }
        self
    }
}

/// A unit's published level, as it stands now, and the announced next one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Published {
    pub area_id: String,
    pub area_name: String,
    pub parent_id: Option<String>,
    pub unit_level: String,
    pub province_code: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub rule_set_id: String,
    pub level: String,
    pub colour: String,
    pub since: DateTime<Utc>,
    pub assessment_id: i64,
    pub next_level: Option<String>,
    pub next_colour: Option<String>,
    pub next_effective_at: Option<DateTime<Utc>>,
}

/// A ward on the public map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapDot {
    pub area_id: String,
    pub colour: String,
    pub lat: f64,
    pub lon: f64,
}

/// A unit's level in one assessment, for its history.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct HistoryRow {
    pub assessment_id: i64,
    pub as_of: NaiveDate,
    pub status: String,
    pub rule_set_id: String,
    pub decision_no: Option<String>,
    pub effective_at: Option<DateTime<Utc>>,
    pub level: String,
    pub colour: String,
    pub computed_level: String,
    pub override_reason: String,
    pub previous_level: Option<String>,
    #[serde(skip)]
    pub reasons: String,
}

impl HistoryRow {
    pub fn reasons(&self) -> Vec<Reason> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }
}

/// A measure added by a province to a level of a rule set.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AddedMeasure {
    pub id: i64,
    pub area_id: String,
    pub rule_set_id: String,
    pub level: String,
    pub category: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The measures in force in a unit at its published level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuresInForce {
    pub rule_set_id: String,
    pub rule_set_name: String,
    pub level: String,
    pub level_name: String,
    pub from_rules: Vec<Measure>,
    pub added: Vec<AddedMeasure>,
}

/// A unit's level chosen by the committee instead of the computed one.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub area_id: String,
    pub level: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CoverageRow {
    pub area_id: String,
    pub as_of: NaiveDate,
    pub first_dose_18plus: Option<f64>,
    pub full_dose_65plus: Option<f64>,
    pub full_dose_all: Option<f64>,
    pub source: String,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct CapacityRow {
    pub area_id: String,
    pub as_of: NaiveDate,
    pub met: bool,
    pub note: String,
    pub updated_by: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct FactRow {
    pub id: i64,
    pub area_id: String,
    pub kind: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    pub note: String,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct NeighbourRow {
    pub id: String,
    pub name: String,
    pub source: String,
}

/// What was entered for a unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitInputs {
    pub coverage: Vec<CoverageRow>,
    pub capacity: Vec<CapacityRow>,
    pub facts: Vec<FactRow>,
    pub neighbours: Vec<NeighbourRow>,
}

/// The input of an assessment read from the database, with the units' names.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedInput {
    pub input: AssessInput,
    pub units: Vec<UnitInfo>,
    /// Units whose population is an estimate.
    pub estimated_population: HashSet<String>,
}

/// Rows are written in chunks so that one statement stays under the engines' parameter limits.
const CHUNK: usize = 400;

impl Store {
    /// Ships the rule sets of `data/risk-rules/` on a fresh database (a set already there, even
    /// edited, is left alone).
    pub(crate) async fn seed_risk_rules(&self) -> Result<(), StoreError> {
        let have: HashSet<String> = self
            .db
            .query_all(
                &Query::select()
                    .column("id")
                    .from("risk_rule_sets")
                    .to_owned(),
            )
            .await?
            .into_iter()
            .map(|r| r.try_get::<String>("", "id"))
            .collect::<Result<_, _>>()?;
        for set in risk::shipped() {
            if !have.contains(&set.id) {
                self.insert_rule_version(&Who::console(), &set, 1, true)
                    .await?;
            }
        }
        Ok(())
    }

    async fn insert_rule_version(
        &self,
        who: &Who,
        set: &RiskRuleSet,
        version: i32,
        shipped: bool,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let body =
            serde_json::to_string_pretty(set).map_err(|e| StoreError::Internal(e.to_string()))?;
        let txn = self.write().await?;
        txn.execute(
            &Query::insert()
                .into_table("risk_rule_sets")
                .columns([
                    "id",
                    "version",
                    "name",
                    "valid_from",
                    "valid_to",
                    "body",
                    "shipped",
                    "created_at",
                    "created_by",
                ])
                .values_panic([
                    set.id.clone().into(),
                    version.into(),
                    set.name.clone().into(),
                    set.valid_from.into(),
                    set.valid_to.into(),
                    body.into(),
                    shipped.into(),
                    now.into(),
                    who.username.clone().into(),
                ])
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(
                if version == 1 {
                    AuditAction::Create
                } else {
                    AuditAction::Update
                },
                "risk_rule_set",
                Some(format!("{}@{version}", set.id)),
            )
            .with_detail(set.name.clone()),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    fn rule_rows() -> SelectStatement {
        Query::select()
            .columns([
                "id",
                "version",
                "name",
                "valid_from",
                "valid_to",
                "shipped",
                "created_at",
                "created_by",
                "body",
            ])
            .from("risk_rule_sets")
            .to_owned()
    }

    /// The latest version of every rule set, oldest in force first.
    pub async fn risk_rule_sets(&self) -> Result<Vec<RuleSetRow>, StoreError> {
        let rows = RuleSetRow::find_by_statement(
            self.db.get_database_backend().build(
                Self::rule_rows()
                    .order_by("id", Order::Asc)
                    .order_by("version", Order::Desc),
            ),
        )
        .all(&self.db)
        .await?;
        let mut seen = HashSet::new();
        let mut latest: Vec<RuleSetRow> = rows
            .into_iter()
            .filter(|r| seen.insert(r.id.clone()))
            .collect();
        latest.sort_by(|a, b| (a.valid_from, &a.id).cmp(&(b.valid_from, &b.id)));
        Ok(latest)
    }

    /// Every version of one rule set, newest first.
    pub async fn risk_rule_versions(&self, id: &str) -> Result<Vec<RuleSetRow>, StoreError> {
        let rows = RuleSetRow::find_by_statement(
            self.db.get_database_backend().build(
                Self::rule_rows()
                    .and_where(Expr::col("id").eq(id))
                    .order_by("version", Order::Desc),
            ),
        )
        .all(&self.db)
        .await?;
        if rows.is_empty() {
            return Err(StoreError::NotFound("bộ quy tắc"));
        }
        Ok(rows)
    }

    /// One version of a rule set (the latest when none is named).
    pub async fn risk_rule_set(
        &self,
        id: &str,
        version: Option<i32>,
    ) -> Result<(RuleSetRow, RiskRuleSet), StoreError> {
        let rows = self.risk_rule_versions(id).await?;
        let row = match version {
            Some(v) => rows
                .into_iter()
                .find(|r| r.version == v)
                .ok_or(StoreError::NotFound("phiên bản bộ quy tắc"))?,
            None => rows
                .into_iter()
                .next()
                .ok_or(StoreError::NotFound("bộ quy tắc"))?,
        };
        let rules = row.rules()?;
        Ok((row, rules))
    }

    /// Saves an edited rule set as its next version, or a new set (a clone under a new id).
    /// Earlier versions stay as they were: assessments name the version they used.
    pub async fn save_risk_rule_set(
        &self,
        who: &Who,
        set: &RiskRuleSet,
    ) -> Result<RuleSetRow, StoreError> {
        set.validate()?;
        let version = match self.risk_rule_versions(&set.id).await {
            Ok(rows) => rows[0].version + 1,
            Err(StoreError::NotFound(_)) => 1,
            Err(e) => return Err(e),
        };
        self.insert_rule_version(who, set, version, false).await?;
        Ok(self.risk_rule_set(&set.id, Some(version)).await?.0)
    }

    /// The rule set in force on a date (latest versions; the latest start wins).
    pub async fn risk_rules_on(&self, d: NaiveDate) -> Result<Option<RiskRuleSet>, StoreError> {
        let sets: Vec<RiskRuleSet> = self
            .risk_rule_sets()
            .await?
            .iter()
            .map(RuleSetRow::rules)
            .collect::<Result<_, _>>()?;
        Ok(risk::in_force(&sets, d).cloned())
    }

    /// The units assessed under `root` on a date: the province, district and ward units of the
    /// structure in force then.
    pub async fn assessed_units(
        &self,
        root: &AreaId,
        as_of: NaiveDate,
    ) -> Result<Vec<UnitInfo>, StoreError> {
        let stmt = Query::select()
            .columns(
                [
                    "id",
                    "name",
                    "level",
                    "parent_id",
                    "province_code",
                    "lat",
                    "lon",
                    "sort_key",
                ]
                .map(|c| (Alias::new("a"), Alias::new(c))),
            )
            .from_as("areas", "a")
            .join_as(
                JoinType::InnerJoin,
                "area_closure",
                "c",
                Expr::cust("c.descendant_id = a.id"),
            )
            .and_where(Expr::col((Alias::new("c"), Alias::new("ancestor_id"))).eq(root.as_str()))
            .and_where(Expr::col((Alias::new("c"), Alias::new("via_mapping"))).eq(false))
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("structure")))
                    .eq(Structure::in_force_on(as_of).as_str()),
            )
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("level")))
                    .is_in(["province", "district", "ward"]),
            )
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .to_owned();
        Ok(
            UnitInfo::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Reads what an assessment of `root` on `as_of` works from: the units, their populations
    /// and neighbours, the confirmed cases of `disease_id` grouped by ward, day and kind, and the
    /// coverage, capacity and facts entered, and the levels in force now.
    pub async fn risk_input(
        &self,
        root: &AreaId,
        as_of: NaiveDate,
        disease_id: i64,
        max_days: u32,
    ) -> Result<LoadedInput, StoreError> {
        let units = self.assessed_units(root, as_of).await?;
        let ids: HashSet<&str> = units.iter().map(|u| u.id.as_str()).collect();
        // Every input is read for the root's subtree only (a province's recomputation after a
        // new case does not read the country's rows).
        let under_root = || area_in_scope(Alias::new("area_id"), &Scope::of([root.clone()]));
        // Populations: the latest year up to the assessment's, else the earliest after it.
        let mut pops: HashMap<String, (i32, i64, bool)> = HashMap::new();
        for r in self
            .db
            .query_all(
                &Query::select()
                    .columns(["area_id", "year", "population", "estimated"])
                    .from("populations")
                    .and_where(under_root())
                    .to_owned(),
            )
            .await?
        {
            let area: String = r.try_get("", "area_id")?;
            if !ids.contains(area.as_str()) {
                continue;
            }
            let year: i32 = r.try_get("", "year")?;
            let n: i64 = r.try_get("", "population")?;
            let est: bool = r.try_get("", "estimated")?;
            // The latest year up to the assessment's, else the nearest after it.
            let y0 = chrono::Datelike::year(&as_of);
            let rank = |y: i32| if y <= y0 { (0, y0 - y) } else { (1, y - y0) };
            let better = pops
                .get(&area)
                .is_none_or(|(y, _, _)| rank(year) < rank(*y));
            if better {
                pops.insert(area, (year, n, est));
            }
        }
        let mut neighbours: HashMap<String, Vec<String>> = HashMap::new();
        for r in self
            .db
            .query_all(
                &Query::select()
                    .columns(["area_id", "neighbour_id"])
                    .from("area_neighbours")
                    .and_where(under_root())
                    .to_owned(),
            )
            .await?
        {
            let a: String = r.try_get("", "area_id")?;
            let b: String = r.try_get("", "neighbour_id")?;
            if ids.contains(a.as_str()) && ids.contains(b.as_str()) {
                neighbours.entry(a).or_default().push(b);
            }
        }
        let unit_inputs: Vec<UnitInput> = units
            .iter()
            .map(|u| UnitInput {
                code: u.id.clone(),
                level: UnitLevel::parse(&u.level).unwrap_or(UnitLevel::Ward),
                parent: u.parent_id.clone().filter(|p| ids.contains(p.as_str())),
                population: pops.get(&u.id).and_then(|(_, n, _)| u64::try_from(*n).ok()),
                neighbours: neighbours.remove(&u.id).unwrap_or_default(),
            })
            .collect();
        let estimated_population = pops
            .iter()
            .filter(|(_, (_, _, e))| *e)
            .map(|(k, _)| k.clone())
            .collect();
        let cases = self
            .risk_cases(root, as_of, disease_id, max_days, &ids)
            .await?;
        let coverage = latest_per_area(
            CoverageRow::find_by_statement(
                self.db.get_database_backend().build(
                    Query::select()
                        .columns([
                            "area_id",
                            "as_of",
                            "first_dose_18plus",
                            "full_dose_65plus",
                            "full_dose_all",
                            "source",
                            "updated_by",
                        ])
                        .from("area_coverage")
                        .and_where(under_root())
                        .and_where(Expr::col("as_of").lte(as_of))
                        .order_by("as_of", Order::Asc),
                ),
            )
            .all(&self.db)
            .await?,
            |c| c.area_id.clone(),
        )
        .into_iter()
        .filter(|c| ids.contains(c.area_id.as_str()))
        .map(|c| CoverageInput {
            unit: c.area_id,
            first_dose_18plus: c.first_dose_18plus,
            full_dose_65plus: c.full_dose_65plus,
            full_dose_all: c.full_dose_all,
        })
        .collect();
        let capacity = latest_per_area(
            CapacityRow::find_by_statement(
                self.db.get_database_backend().build(
                    Query::select()
                        .columns(["area_id", "as_of", "met", "note", "updated_by"])
                        .from("area_capacity")
                        .and_where(under_root())
                        .and_where(Expr::col("as_of").lte(as_of))
                        .order_by("as_of", Order::Asc),
                ),
            )
            .all(&self.db)
            .await?,
            |c| c.area_id.clone(),
        )
        .into_iter()
        .filter(|c| ids.contains(c.area_id.as_str()))
        .map(|c| CapacityInput {
            unit: c.area_id,
            met: c.met,
        })
        .collect();
        let facts = self
            .facts_on(root, as_of)
            .await?
            .into_iter()
            .filter(|f| ids.contains(f.area_id.as_str()))
            .map(|f| FactInput {
                unit: f.area_id,
                kind: f.kind,
            })
            .collect();
        let now = self.clock.now();
        let previous = self
            .published_rows(root)
            .await?
            .into_iter()
            .map(|p| p.at(now))
            .filter(|p| p.since <= now && ids.contains(p.area_id.as_str()))
            .map(|p| PreviousLevel {
                unit: p.area_id,
                level: p.level,
            })
            .collect();
        Ok(LoadedInput {
            input: AssessInput {
                as_of,
                units: unit_inputs,
                cases,
                coverage,
                capacity,
                facts,
                previous,
            },
            units,
            estimated_population,
        })
    }

    /// Confirmed cases by ward (a village's case counts in its ward), confirmation day, where
    /// found, source known and setting, over the longest window a rule set looks at.
    async fn risk_cases(
        &self,
        root: &AreaId,
        as_of: NaiveDate,
        disease_id: i64,
        max_days: u32,
        wards: &HashSet<&str>,
    ) -> Result<Vec<CaseInput>, StoreError> {
        let from = as_of - Duration::days(i64::from(std::cmp::max(max_days, 1)));
        let ward = "CASE WHEN a.level = 'village' THEN a.parent_id ELSE a.id END";
        let mut stmt = Query::select()
            .expr_as(Expr::cust(ward), "ward")
            .expr_as(Expr::cust("c.confirmed_date"), "confirmed_on")
            .expr_as(Expr::cust("c.found_in"), "found_in")
            .expr_as(Expr::cust("c.source_known"), "source_known")
            .expr_as(Expr::cust("c.setting"), "setting")
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from_as("cases", "c")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = c.area_id"),
            )
            .and_where(Expr::col((Alias::new("c"), Alias::new("disease_id"))).eq(disease_id))
            .and_where(Expr::col((Alias::new("c"), Alias::new("confirmed_date"))).gt(from))
            .and_where(Expr::col((Alias::new("c"), Alias::new("confirmed_date"))).lte(as_of))
            .and_where(Expr::col((Alias::new("c"), Alias::new("classification"))).eq("confirmed"))
            .add_group_by([
                Expr::cust(ward),
                Expr::cust("c.confirmed_date"),
                Expr::cust("c.found_in"),
                Expr::cust("c.source_known"),
                Expr::cust("c.setting"),
            ])
            .to_owned();
        if let Some(p) = self.province_code_of(root).await? {
            stmt.and_where(Expr::col((Alias::new("c"), Alias::new("province_code"))).eq(p));
        }
        let mut out = Vec::new();
        for r in self.db.query_all(&stmt).await? {
            let ward: Option<String> = r.try_get("", "ward")?;
            let Some(ward) = ward.filter(|w| wards.contains(w.as_str())) else {
                continue;
            };
            let found_in: String = r.try_get("", "found_in")?;
            let setting: String = r.try_get("", "setting")?;
            let n: i64 = r.try_get("", "n")?;
            out.push(CaseInput {
                ward,
                confirmed_on: r.try_get("", "confirmed_on")?,
                found_in: chongdich_domain::case::FoundIn::parse(&found_in)?,
                source_known: r.try_get("", "source_known")?,
                setting: chongdich_domain::case::Setting::parse_opt(&setting)?,
                count: u32::try_from(n).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    async fn province_code_of(&self, root: &AreaId) -> Result<Option<String>, StoreError> {
        if root.as_str() == AreaId::COUNTRY {
            return Ok(None);
        }
        crate::province_of(&self.db, root.as_str()).await
    }

    /// Computes the levels of every unit under `root` on `as_of` and keeps them as a proposal.
    /// Without a named rule set, the one in force on the date applies.
    pub async fn assess_risk(
        &self,
        scope: &Scope,
        who: &Who,
        root: &AreaId,
        as_of: NaiveDate,
        rule_set: Option<&str>,
    ) -> Result<AssessmentRow, StoreError> {
        if !self.area_in_scope(scope, root).await? {
            return Err(StoreError::NotFound("địa bàn")
                .not_found_as("area_id", "địa bàn không có hoặc ngoài phạm vi của bạn"));
        }
        let (row, rules) = match rule_set.filter(|s| !s.trim().is_empty()) {
            Some(id) => self.risk_rule_set(id.trim(), None).await.map_err(|e| {
                e.not_found_as("rule_set", format!("không có bộ quy tắc \"{}\"", id.trim()))
            })?,
            None => {
                let Some(r) = self.risk_rules_on(as_of).await? else {
                    return Err(Invalid::field(
                        "rule_set",
                        format!(
                            "không có bộ quy tắc nào có hiệu lực ngày {}",
                            as_of.format("%d/%m/%Y")
                        ),
                    )
                    .into());
                };
                self.risk_rule_set(&r.id, None).await?
            }
        };
        let disease = self.disease_by_code("covid19").await?.disease.id;
        let max_days = max_window(&rules);
        let loaded = self.risk_input(root, as_of, disease, max_days).await?;
        if loaded.units.is_empty() {
            return Err(Invalid::field(
                "area_id",
                "địa bàn không có đơn vị hành chính nào thuộc cơ cấu có hiệu lực vào ngày đánh giá",
            )
            .into());
        }
        let result = risk::assess(&rules, &loaded.input)?;
        let id = self
            .store_assessment(who, root, &row, &rules, &loaded, &result)
            .await?;
        self.assessment(scope, id).await
    }

    async fn store_assessment(
        &self,
        who: &Who,
        root: &AreaId,
        row: &RuleSetRow,
        rules: &RiskRuleSet,
        loaded: &LoadedInput,
        result: &Assessment,
    ) -> Result<i64, StoreError> {
        let now = self.clock.now();
        let previous: HashMap<&str, &str> = loaded
            .input
            .previous
            .iter()
            .map(|p| (p.unit.as_str(), p.level.as_str()))
            .collect();
        let province: HashMap<&str, Option<&String>> = loaded
            .units
            .iter()
            .map(|u| (u.id.as_str(), u.province_code.as_ref()))
            .collect();
        let changed = result
            .units
            .iter()
            .filter(|u| previous.get(u.code.as_str()) != Some(&u.level.as_str()))
            .count();
        let txn = self.write().await?;
        let id: i64 = txn
            .query_one(
                &Query::insert()
                    .into_table("risk_assessments")
                    .columns([
                        "area_id",
                        "province_code",
                        "rule_set_id",
                        "rule_version",
                        "as_of",
                        "status",
                        "computed_at",
                        "computed_by",
                        "unit_count",
                        "changed_count",
                    ])
                    .values_panic([
                        root.as_str().into(),
                        crate::province_of(&txn, root.as_str()).await?.into(),
                        row.id.clone().into(),
                        row.version.into(),
                        result.as_of.into(),
                        "proposed".into(),
                        now.into(),
                        who.username.clone().into(),
                        (result.units.len() as i32).into(),
                        (changed as i32).into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("đánh giá"))?
            .try_get("", "id")?;
        for chunk in result.units.chunks(CHUNK) {
            let mut q = Query::insert();
            q.into_table("risk_results").columns([
                "assessment_id",
                "area_id",
                "province_code",
                "unit_level",
                "level",
                "colour",
                "computed_level",
                "override_reason",
                "previous_level",
                "reasons",
            ]);
            for u in chunk {
                let reasons = serde_json::to_string(&u.reasons)
                    .map_err(|e| StoreError::Internal(e.to_string()))?;
                q.values_panic([
                    id.into(),
                    u.code.clone().into(),
                    province
                        .get(u.code.as_str())
                        .copied()
                        .flatten()
                        .cloned()
                        .into(),
                    u.unit_level.as_str().into(),
                    u.level.clone().into(),
                    u.colour.as_str().into(),
                    u.level.clone().into(),
                    "".into(),
                    previous.get(u.code.as_str()).map(|s| s.to_string()).into(),
                    reasons.into(),
                ]);
            }
            txn.execute(&q).await?;
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "risk_assessment", Some(id.to_string()))
                .in_area(root.as_str())
                .with_detail(format!(
                    "{} ngày {}: {} đơn vị, {} thay đổi",
                    rules.name,
                    result.as_of.format("%d/%m/%Y"),
                    result.units.len(),
                    changed
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(id)
    }

    fn assessment_select() -> SelectStatement {
        Query::select()
            .columns(
                [
                    "id",
                    "area_id",
                    "rule_set_id",
                    "rule_version",
                    "as_of",
                    "status",
                    "computed_at",
                    "computed_by",
                    "unit_count",
                    "changed_count",
                    "decision_no",
                    "approved_by",
                    "approved_at",
                    "effective_at",
                ]
                .map(|c| (Alias::new("r"), Alias::new(c))),
            )
            .expr_as(Expr::cust("a.name"), "area_name")
            .from_as("risk_assessments", "r")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = r.area_id"),
            )
            .to_owned()
    }

    /// One assessment, if its area is within the scope.
    pub async fn assessment(&self, scope: &Scope, id: i64) -> Result<AssessmentRow, StoreError> {
        let stmt = Self::assessment_select()
            .and_where(Expr::col((Alias::new("r"), Alias::new("id"))).eq(id))
            .and_where(area_in_scope(
                (Alias::new("r"), Alias::new("area_id")),
                scope,
            ))
            .to_owned();
        AssessmentRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("đánh giá"))
    }

    /// The latest assessments of areas within the scope, newest first.
    pub async fn assessments(
        &self,
        scope: &Scope,
        limit: u64,
    ) -> Result<Vec<AssessmentRow>, StoreError> {
        let stmt = Self::assessment_select()
            .and_where(area_in_scope(
                (Alias::new("r"), Alias::new("area_id")),
                scope,
            ))
            .order_by((Alias::new("r"), Alias::new("id")), Order::Desc)
            .limit(limit)
            .to_owned();
        Ok(
            AssessmentRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The daily recomputation: every area whose levels were ever approved gets a proposal for
    /// today under the rules in force, unless it has one already. Returns the new proposals.
    /// Approval stays with the committee.
    pub async fn daily_assessments(&self, who: &Who) -> Result<Vec<AssessmentRow>, StoreError> {
        let today = self.clock.today();
        let areas = |cond: SimpleExpr| {
            Query::select()
                .distinct()
                .column("area_id")
                .from("risk_assessments")
                .and_where(cond)
                .to_owned()
        };
        let read = async |cond: SimpleExpr| -> Result<HashSet<String>, StoreError> {
            self.db
                .query_all(&areas(cond))
                .await?
                .into_iter()
                .map(|r| Ok(r.try_get::<String>("", "area_id")?))
                .collect()
        };
        let approved = read(Expr::col("status").eq("approved")).await?;
        let done_today = read(Expr::col("as_of").eq(today)).await?;
        let mut made = Vec::new();
        let mut roots: Vec<&String> = approved.difference(&done_today).collect();
        roots.sort();
        for area in roots {
            let root = AreaId::parse(area)?;
            match self
                .assess_risk(&Scope::everywhere(), who, &root, today, None)
                .await
            {
                Ok(a) => made.push(a),
                // No rule set in force today, or no units of today's structure: nothing to do.
                Err(StoreError::Invalid(e)) => {
                    tracing::info!(area = %area, "no daily risk assessment: {e}");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(made)
    }

    /// The units of an assessment: all, or only those whose level differs from the one in
    /// force when it was computed ("what changed"); provinces, then districts, then wards.
    pub async fn assessment_results(
        &self,
        scope: &Scope,
        id: i64,
        only_changed: bool,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<ResultRow>, i64), StoreError> {
        self.assessment(scope, id).await?;
        let mut stmt = Query::select()
            .columns(
                [
                    "area_id",
                    "province_code",
                    "unit_level",
                    "level",
                    "colour",
                    "computed_level",
                    "override_reason",
                    "previous_level",
                    "reasons",
                ]
                .map(|c| (Alias::new("r"), Alias::new(c))),
            )
            .expr_as(Expr::cust("a.name"), "area_name")
            .expr_as(Expr::cust("a.parent_id"), "parent_id")
            .from_as("risk_results", "r")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = r.area_id"),
            )
            .and_where(Expr::col((Alias::new("r"), Alias::new("assessment_id"))).eq(id))
            .to_owned();
        if only_changed {
            stmt.and_where(Expr::cust(
                "(r.previous_level IS NULL OR r.previous_level <> r.level)",
            ));
        }
        let total = crate::count_of(&self.db, &stmt).await?;
        stmt.order_by_expr(
            Expr::cust(
                "CASE r.unit_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END",
            ),
            Order::Asc,
        )
        .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
        .limit(limit)
        .offset(offset);
        let rows = ResultRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok((rows, total))
    }

    /// Approves a proposal: the committee's decision number, overrides with their reasons,
    /// and publication. The levels take effect after the rule set's announcement time.
    pub async fn approve_assessment(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        decision_no: &str,
        overrides: &[Override],
    ) -> Result<AssessmentRow, StoreError> {
        let a = self.assessment(scope, id).await?;
        if a.status != "proposed" {
            return Err(StoreError::Conflict(
                "đánh giá này đã được phê duyệt hoặc đã bị thay thế".into(),
            ));
        }
        let (_, rules) = self
            .risk_rule_set(&a.rule_set_id, Some(a.rule_version))
            .await?;
        let decision_no = chongdich_domain::text::clean(decision_no);
        let mut c = Collector::new();
        if decision_no.is_empty() || decision_no.chars().count() > 100 {
            c.push(
                "decision_no",
                "nhập số văn bản quyết định (ví dụ 123/QĐ-BCĐ), tối đa 100 ký tự",
            );
        }
        let (results, _) = self
            .assessment_results(scope, id, false, u64::MAX >> 1, 0)
            .await?;
        let by_area: HashMap<&str, &ResultRow> =
            results.iter().map(|r| (r.area_id.as_str(), r)).collect();
        for (i, o) in overrides.iter().enumerate() {
            if !by_area.contains_key(o.area_id.as_str()) {
                c.push(
                    format!("overrides[{i}].area_id"),
                    "đơn vị không thuộc đánh giá này",
                );
            }
            if rules.level(&o.level).is_none() {
                c.push(
                    format!("overrides[{i}].level"),
                    format!(
                        "mức \"{}\" không có trong bộ quy tắc {}",
                        o.level, rules.name
                    ),
                );
            }
            if chongdich_domain::text::clean(&o.reason).chars().count() < 5 {
                c.push(
                    format!("overrides[{i}].reason"),
                    "ghi lý do điều chỉnh (ít nhất 5 ký tự)",
                );
            }
        }
        c.finish()?;
        let now = self.clock.now();
        let effective = now + Duration::hours(i64::from(rules.announce_hours));
        let overridden: HashMap<&str, &Override> =
            overrides.iter().map(|o| (o.area_id.as_str(), o)).collect();
        let root = AreaId::parse(&a.area_id)?;
        let mut published: HashMap<String, PublishedDb> = self
            .published_rows(&root)
            .await?
            .into_iter()
            .map(|p| (p.area_id.clone(), p))
            .collect();
        let txn = self.write().await?;
        for o in overrides {
            let colour = rules
                .level(&o.level)
                .map(|l| l.colour.as_str())
                .unwrap_or("green");
            txn.execute(
                &Query::update()
                    .table("risk_results")
                    .value("level", o.level.clone())
                    .value("colour", colour)
                    .value("override_reason", chongdich_domain::text::clean(&o.reason))
                    .and_where(Expr::col("assessment_id").eq(id))
                    .and_where(Expr::col("area_id").eq(o.area_id.clone()))
                    .to_owned(),
            )
            .await?;
            audit::append(
                &txn,
                who,
                now,
                &AuditEvent::new(AuditAction::Update, "risk_level", Some(o.area_id.clone()))
                    .in_area(o.area_id.as_str())
                    .with_detail(format!(
                        "điều chỉnh {} → {}: {}",
                        by_area
                            .get(o.area_id.as_str())
                            .map(|r| r.computed_level.as_str())
                            .unwrap_or(""),
                        o.level,
                        o.reason
                    )),
            )
            .await?;
        }
        // The new published rows: what stands at the effective time, then this decision as the
        // next level (or at once when there is no announcement time).
        let mut rows = Vec::with_capacity(results.len());
        for r in &results {
            let (level, colour) = match overridden.get(r.area_id.as_str()) {
                Some(o) => (
                    o.level.clone(),
                    rules
                        .level(&o.level)
                        .map(|l| l.colour.as_str().to_owned())
                        .unwrap_or_default(),
                ),
                None => (r.level.clone(), r.colour.clone()),
            };
            let mut p = match published.remove(&r.area_id) {
                Some(p) => p.at(effective),
                None => PublishedDb {
                    area_id: r.area_id.clone(),
                    province_code: None,
                    unit_level: r.unit_level.clone(),
                    rule_set_id: a.rule_set_id.clone(),
                    level: level.clone(),
                    colour: colour.clone(),
                    since: effective,
                    assessment_id: id,
                    next_level: None,
                    next_colour: None,
                    next_effective_at: None,
                    next_assessment_id: None,
                    next_rule_set_id: None,
                },
            };
            p.province_code = r.province_code.clone();
            p.next_level = Some(level);
            p.next_colour = Some(colour);
            p.next_effective_at = Some(effective);
            p.next_assessment_id = Some(id);
            p.next_rule_set_id = Some(a.rule_set_id.clone());
            if effective <= now {
                p = p.at(now);
            }
            rows.push(p);
        }
        for chunk in rows.chunks(CHUNK) {
            txn.execute(
                &Query::delete()
                    .from_table("risk_published")
                    .and_where(Expr::col("area_id").is_in(chunk.iter().map(|p| p.area_id.clone())))
                    .to_owned(),
            )
            .await?;
            let mut q = Query::insert();
            q.into_table("risk_published").columns(PUBLISHED_COLUMNS);
            for p in chunk {
                q.values_panic([
                    p.area_id.clone().into(),
                    p.province_code.clone().into(),
                    p.unit_level.clone().into(),
                    p.rule_set_id.clone().into(),
                    p.level.clone().into(),
                    p.colour.clone().into(),
                    p.since.into(),
                    p.assessment_id.into(),
                    p.next_level.clone().into(),
                    p.next_colour.clone().into(),
                    p.next_effective_at.into(),
                    p.next_assessment_id.into(),
                    p.next_rule_set_id.clone().into(),
                ]);
            }
            txn.execute(&q).await?;
        }
        // Older proposals of the same area are superseded by this decision.
        txn.execute(
            &Query::update()
                .table("risk_assessments")
                .value("status", "superseded")
                .and_where(Expr::col("area_id").eq(a.area_id.clone()))
                .and_where(Expr::col("status").eq("proposed"))
                .and_where(Expr::col("id").ne(id))
                .to_owned(),
        )
        .await?;
        txn.execute(
            &Query::update()
                .table("risk_assessments")
                .value("status", "approved")
                .value("decision_no", decision_no.clone())
                .value("approved_by", who.username.clone())
                .value("approved_at", now)
                .value("effective_at", effective)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "risk_assessment", Some(id.to_string()))
                .in_area(a.area_id.as_str())
                .with_detail(format!(
                    "phê duyệt theo {decision_no}; {} đơn vị, {} điều chỉnh; hiệu lực từ {}",
                    results.len(),
                    overrides.len(),
                    effective
                        .with_timezone(&chongdich_domain::clock::vietnam())
                        .format("%H:%M %d/%m/%Y")
                )),
        )
        .await?;
        txn.commit().await?;
        self.assessment(scope, id).await
    }

    async fn published_rows(&self, root: &AreaId) -> Result<Vec<PublishedDb>, StoreError> {
        let stmt = Query::select()
            .columns(PUBLISHED_COLUMNS.map(|c| (Alias::new("p"), Alias::new(c))))
            .from_as("risk_published", "p")
            .and_where(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                &Scope::of([root.clone()]),
            ))
            .to_owned();
        Ok(
            PublishedDb::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The published levels of every unit under `root` as they stand now (public: no scope).
    pub async fn published_levels(&self, root: &AreaId) -> Result<Vec<Published>, StoreError> {
        self.published_where(area_in_scope(
            (Alias::new("p"), Alias::new("area_id")),
            &Scope::of([root.clone()]),
        ))
        .await
    }

    /// The published levels of one tier (`province`, `district`, `ward`) under `root`.
    pub async fn published_tier(
        &self,
        root: &AreaId,
        tier: &str,
    ) -> Result<Vec<Published>, StoreError> {
        self.published_where(
            area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                &Scope::of([root.clone()]),
            )
            .and(Expr::col((Alias::new("p"), Alias::new("unit_level"))).eq(tier)),
        )
        .await
    }

    /// The published levels of these units.
    pub async fn published_of(&self, ids: &[String]) -> Result<Vec<Published>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.published_where(
            Expr::col((Alias::new("p"), Alias::new("area_id"))).is_in(ids.iter().cloned()),
        )
        .await
    }

    async fn published_where(&self, cond: SimpleExpr) -> Result<Vec<Published>, StoreError> {
        let now = self.clock.now();
        let stmt = Query::select()
            .columns(PUBLISHED_COLUMNS.map(|c| (Alias::new("p"), Alias::new(c))))
            .columns(
                ["name", "parent_id", "lat", "lon", "sort_key"]
                    .map(|c| (Alias::new("a"), Alias::new(c))),
            )
            .from_as("risk_published", "p")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = p.area_id"),
            )
            .and_where(cond)
            .order_by_expr(
                Expr::cust(
                    "CASE p.unit_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END",
                ),
                Order::Asc,
            )
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .to_owned();
        let mut out = Vec::new();
        for r in self.db.query_all(&stmt).await? {
            let p = PublishedDb::from_query_result(&r, "")?.at(now);
            if p.since > now {
                // Published for the first time, announced for later: nothing in force yet.
                continue;
            }
            out.push(Published {
                area_name: r.try_get("", "name")?,
                parent_id: r.try_get("", "parent_id")?,
                lat: r.try_get("", "lat")?,
                lon: r.try_get("", "lon")?,
                area_id: p.area_id,
                unit_level: p.unit_level,
                province_code: p.province_code,
                rule_set_id: p.rule_set_id,
                level: p.level,
                colour: p.colour,
                since: p.since,
                assessment_id: p.assessment_id,
                next_level: p.next_level,
                next_colour: p.next_colour,
                next_effective_at: p.next_effective_at,
            });
        }
        Ok(out)
    }

    /// The wards under `root` as dots for a map: where, and the colour in force now. Lean
    /// (no names), for the country's 10,000 wards.
    pub async fn published_dots(&self, root: &AreaId) -> Result<Vec<MapDot>, StoreError> {
        let now = self.clock.now();
        let stmt = Query::select()
            .columns(
                [
                    "area_id",
                    "colour",
                    "since",
                    "next_colour",
                    "next_effective_at",
                ]
                .map(|c| (Alias::new("p"), Alias::new(c))),
            )
            .columns(["lat", "lon"].map(|c| (Alias::new("a"), Alias::new(c))))
            .from_as("risk_published", "p")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = p.area_id"),
            )
            .and_where(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                &Scope::of([root.clone()]),
            ))
            .and_where(Expr::col((Alias::new("p"), Alias::new("unit_level"))).eq("ward"))
            .to_owned();
        let mut out = Vec::new();
        for r in self.db.query_all(&stmt).await? {
            let (Some(lat), Some(lon)) = (
                r.try_get::<Option<f64>>("", "lat")?,
                r.try_get::<Option<f64>>("", "lon")?,
            ) else {
                continue;
            };
            let since: DateTime<Utc> = r.try_get("", "since")?;
            let next: Option<DateTime<Utc>> = r.try_get("", "next_effective_at")?;
            let colour = match (next, r.try_get::<Option<String>>("", "next_colour")?) {
                (Some(t), Some(c)) if t <= now => c,
                _ if since > now => continue,
                _ => r.try_get("", "colour")?,
            };
            out.push(MapDot {
                area_id: r.try_get("", "area_id")?,
                colour,
                lat,
                lon,
            });
        }
        Ok(out)
    }

    /// One unit's published level now (None: never published).
    pub async fn published_level(&self, area: &AreaId) -> Result<Option<Published>, StoreError> {
        Ok(self
            .published_of(&[area.as_str().to_owned()])
            .await?
            .into_iter()
            .next())
    }

    /// A unit's levels in every assessment, newest first.
    pub async fn risk_history(
        &self,
        area: &AreaId,
        limit: u64,
    ) -> Result<Vec<HistoryRow>, StoreError> {
        let stmt = Query::select()
            .columns(
                [
                    "level",
                    "colour",
                    "computed_level",
                    "override_reason",
                    "previous_level",
                    "reasons",
                ]
                .map(|c| (Alias::new("r"), Alias::new(c))),
            )
            .expr_as(Expr::cust("s.id"), "assessment_id")
            .columns(
                [
                    "as_of",
                    "status",
                    "rule_set_id",
                    "decision_no",
                    "effective_at",
                ]
                .map(|c| (Alias::new("s"), Alias::new(c))),
            )
            .from_as("risk_results", "r")
            .join_as(
                JoinType::InnerJoin,
                "risk_assessments",
                "s",
                Expr::cust("s.id = r.assessment_id"),
            )
            .and_where(Expr::col((Alias::new("r"), Alias::new("area_id"))).eq(area.as_str()))
            .order_by((Alias::new("s"), Alias::new("as_of")), Order::Desc)
            .order_by((Alias::new("s"), Alias::new("id")), Order::Desc)
            .limit(limit)
            .to_owned();
        Ok(
            HistoryRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The measures in force in a unit at its published level: the rule set's, and those its
    /// province (or any unit above it) added.
    pub async fn measures_in_force(
        &self,
        area: &AreaId,
    ) -> Result<Option<MeasuresInForce>, StoreError> {
        let Some(p) = self.published_level(area).await? else {
            return Ok(None);
        };
        let (row, rules) = self.risk_rule_set(&p.rule_set_id, None).await?;
        let mut above: Vec<String> = self
            .ancestors(area)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        above.push(area.as_str().to_owned());
        let rank = rules.rank(&p.level);
        let added = self
            .added_measures(&row.id, &above)
            .await?
            .into_iter()
            .filter(|m| {
                let r = rules.rank(&m.level);
                if rules.measures_cumulative {
                    r <= rank
                } else {
                    r == rank
                }
            })
            .collect();
        Ok(Some(MeasuresInForce {
            rule_set_id: row.id.clone(),
            rule_set_name: rules.name.clone(),
            level_name: rules
                .level(&p.level)
                .map(|l| l.name.clone())
                .unwrap_or_default(),
            from_rules: rules.measures_at(&p.level).into_iter().cloned().collect(),
            level: p.level,
            added,
        }))
    }

    /// Measures added under these areas to a rule set, all levels.
    pub async fn added_measures(
        &self,
        rule_set_id: &str,
        areas: &[String],
    ) -> Result<Vec<AddedMeasure>, StoreError> {
        let stmt = Query::select()
            .columns([
                "id",
                "area_id",
                "rule_set_id",
                "level",
                "category",
                "text",
                "created_at",
                "created_by",
            ])
            .from("risk_measures_added")
            .and_where(Expr::col("rule_set_id").eq(rule_set_id))
            .and_where(Expr::col("area_id").is_in(areas.iter().cloned()))
            .order_by("id", Order::Asc)
            .to_owned();
        Ok(
            AddedMeasure::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// A province (or district) adds a measure to a level of a rule set.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_measure(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        rule_set_id: &str,
        level: &str,
        category: &str,
        text: &str,
    ) -> Result<AddedMeasure, StoreError> {
        let mut c = Collector::new();
        if !self.area_in_scope(scope, area).await? {
            c.push("area_id", "địa bàn không có hoặc ngoài phạm vi của bạn");
        }
        let rules = match self.risk_rule_set(rule_set_id, None).await {
            Ok((_, r)) => Some(r),
            Err(StoreError::NotFound(_)) => {
                c.push("rule_set", "không có bộ quy tắc này");
                None
            }
            Err(e) => return Err(e),
        };
        if let Some(r) = &rules
            && r.level(level).is_none()
        {
            c.push("level", "mức không có trong bộ quy tắc");
        }
        if let Err(e) = MeasureCategory::parse(category) {
            for f in e.0 {
                c.push(f.field, f.message);
            }
        }
        let text = chongdich_domain::text::clean(text);
        if text.chars().count() < 5 || text.chars().count() > 1000 {
            c.push("text", "nội dung biện pháp từ 5 đến 1000 ký tự");
        }
        c.finish()?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let id: i64 = txn
            .query_one(
                &Query::insert()
                    .into_table("risk_measures_added")
                    .columns([
                        "area_id",
                        "rule_set_id",
                        "level",
                        "category",
                        "text",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        area.as_str().into(),
                        rule_set_id.into(),
                        level.into(),
                        category.trim().into(),
                        text.clone().into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("biện pháp"))?
            .try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "risk_measure", Some(id.to_string()))
                .in_area(area.as_str())
                .with_detail(format!("{rule_set_id}/{level}: {text}")),
        )
        .await?;
        txn.commit().await?;
        self.added_measures(rule_set_id, &[area.as_str().to_owned()])
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or(StoreError::NotFound("biện pháp"))
    }

    /// Removes a measure a province added.
    pub async fn remove_measure(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
    ) -> Result<(), StoreError> {
        let row = self
            .db
            .query_one(
                &Query::select()
                    .columns(["area_id", "text"])
                    .from("risk_measures_added")
                    .and_where(Expr::col("id").eq(id))
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("biện pháp"))?;
        let area: String = row.try_get("", "area_id")?;
        if !self.area_in_scope(scope, &AreaId::parse(&area)?).await? {
            return Err(StoreError::NotFound("biện pháp"));
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::delete()
                .from_table("risk_measures_added")
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Delete, "risk_measure", Some(id.to_string()))
                .in_area(area.as_str())
                .with_detail(row.try_get::<String>("", "text")?),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The facts of units under `root` in force on a day.
    async fn facts_on(&self, root: &AreaId, d: NaiveDate) -> Result<Vec<FactRow>, StoreError> {
        let stmt = Self::fact_select()
            .and_where(area_in_scope(
                Alias::new("area_id"),
                &Scope::of([root.clone()]),
            ))
            .and_where(Expr::col("valid_from").lte(d))
            .and_where(
                Expr::col("valid_to")
                    .is_null()
                    .or(Expr::col("valid_to").gte(d)),
            )
            .to_owned();
        Ok(
            FactRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    fn fact_select() -> SelectStatement {
        Query::select()
            .columns([
                "id",
                "area_id",
                "kind",
                "valid_from",
                "valid_to",
                "note",
                "created_by",
            ])
            .from("area_facts")
            .to_owned()
    }

    /// What was entered for a unit: coverage and capacity (newest first), facts, neighbours.
    pub async fn unit_inputs(&self, area: &AreaId) -> Result<UnitInputs, StoreError> {
        let b = self.db.get_database_backend();
        let coverage = CoverageRow::find_by_statement(
            b.build(
                Query::select()
                    .columns([
                        "area_id",
                        "as_of",
                        "first_dose_18plus",
                        "full_dose_65plus",
                        "full_dose_all",
                        "source",
                        "updated_by",
                    ])
                    .from("area_coverage")
                    .and_where(Expr::col("area_id").eq(area.as_str()))
                    .order_by("as_of", Order::Desc),
            ),
        )
        .all(&self.db)
        .await?;
        let capacity = CapacityRow::find_by_statement(
            b.build(
                Query::select()
                    .columns(["area_id", "as_of", "met", "note", "updated_by"])
                    .from("area_capacity")
                    .and_where(Expr::col("area_id").eq(area.as_str()))
                    .order_by("as_of", Order::Desc),
            ),
        )
        .all(&self.db)
        .await?;
        let facts = FactRow::find_by_statement(
            b.build(
                Self::fact_select()
                    .and_where(Expr::col("area_id").eq(area.as_str()))
                    .order_by("valid_from", Order::Desc),
            ),
        )
        .all(&self.db)
        .await?;
        let neighbours = self.neighbours_of(area).await?;
        Ok(UnitInputs {
            coverage,
            capacity,
            facts,
            neighbours,
        })
    }

    /// A unit's neighbours, either direction of the stored pair.
    pub async fn neighbours_of(&self, area: &AreaId) -> Result<Vec<NeighbourRow>, StoreError> {
        let mut out = Vec::new();
        for (this, other) in [("area_id", "neighbour_id"), ("neighbour_id", "area_id")] {
            let stmt = Query::select()
                .expr_as(Expr::cust("a.id"), "id")
                .expr_as(Expr::cust("a.name"), "name")
                .expr_as(Expr::cust("n.source"), "source")
                .from_as("area_neighbours", "n")
                .join_as(
                    JoinType::InnerJoin,
                    "areas",
                    "a",
                    Expr::col((Alias::new("a"), Alias::new("id")))
                        .equals((Alias::new("n"), Alias::new(other))),
                )
                .and_where(Expr::col((Alias::new("n"), Alias::new(this))).eq(area.as_str()))
                .to_owned();
            out.extend(
                NeighbourRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                    .all(&self.db)
                    .await?,
            );
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out.dedup_by(|a, b| a.id == b.id);
        Ok(out)
    }
}

impl Store {
    /// Records a unit's vaccination coverage on a date (fractions 0–1; a figure left out is
    /// unknown). Until vaccination records exist, this is entered or imported per unit.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_coverage(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        as_of: NaiveDate,
        figures: [Option<f64>; 3],
        source: &str,
    ) -> Result<(), StoreError> {
        let mut c = Collector::new();
        for (f, v) in chongdich_domain::risk::CoverageField::ALL
            .iter()
            .zip(figures)
        {
            if let Some(v) = v
                && !(v.is_finite() && (0.0..=1.0).contains(&v))
            {
                c.push(f.as_str(), "tỷ lệ từ 0 đến 100%");
            }
        }
        if figures.iter().all(Option::is_none) {
            c.push("first_dose_18plus", "nhập ít nhất một tỷ lệ");
        }
        let source = chongdich_domain::text::clean(source);
        if source.is_empty() {
            c.push("source", "ghi nguồn số liệu (báo cáo, ngày)");
        }
        c.finish()?;
        self.check_unit(scope, area).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        write_coverage(&txn, who, now, area, as_of, figures, &source).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "area_coverage", Some(area.to_string()))
                .in_area(area.as_str())
                .with_detail(format!(
                    "{}: {figures:?} ({source})",
                    as_of.format("%d/%m/%Y")
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records whether a unit can receive and treat its patients, as assessed on a date.
    pub async fn set_capacity(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        as_of: NaiveDate,
        met: bool,
        note: &str,
    ) -> Result<(), StoreError> {
        self.check_unit(scope, area).await?;
        let note = chongdich_domain::text::clean(note);
        let now = self.clock.now();
        let txn = self.write().await?;
        write_capacity(&txn, who, now, area, as_of, met, &note).await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "area_capacity", Some(area.to_string()))
                .in_area(area.as_str())
                .with_detail(format!(
                    "{}: {} {note}",
                    as_of.format("%d/%m/%Y"),
                    if met {
                        "đáp ứng"
                    } else {
                        "không đáp ứng"
                    }
                )),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Records a fact about a unit that a rule set looks at (`illegal_entry_risk` …), from a
    /// date, until a date or open.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_fact(
        &self,
        scope: &Scope,
        who: &Who,
        area: &AreaId,
        kind: &str,
        from: NaiveDate,
        to: Option<NaiveDate>,
        note: &str,
    ) -> Result<FactRow, StoreError> {
        let mut c = Collector::new();
        let kind = kind.trim();
        if !(2..=64).contains(&kind.len())
            || !kind
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        {
            c.push("kind", "loại yếu tố: chữ thường không dấu, số, dấu _");
        }
        if to.is_some_and(|t| t < from) {
            c.push("valid_to", "ngày kết thúc trước ngày bắt đầu");
        }
        c.finish()?;
        self.check_unit(scope, area).await?;
        let note = chongdich_domain::text::clean(note);
        let now = self.clock.now();
        let txn = self.write().await?;
        let id: i64 = txn
            .query_one(
                &Query::insert()
                    .into_table("area_facts")
                    .columns([
                        "area_id",
                        "kind",
                        "valid_from",
                        "valid_to",
                        "note",
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        area.as_str().into(),
                        kind.into(),
                        from.into(),
                        to.into(),
                        note.clone().into(),
                        now.into(),
                        who.username.clone().into(),
                    ])
                    .returning_col("id")
                    .to_owned(),
            )
            .await?
            .ok_or(StoreError::NotFound("yếu tố"))?
            .try_get("", "id")?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Create, "area_fact", Some(id.to_string()))
                .in_area(area.as_str())
                .with_detail(format!("{kind} từ {}: {note}", from.format("%d/%m/%Y"))),
        )
        .await?;
        txn.commit().await?;
        FactRow::find_by_statement(
            self.db
                .get_database_backend()
                .build(Self::fact_select().and_where(Expr::col("id").eq(id))),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("yếu tố"))
    }

    /// Ends a fact on a day (it no longer counts after that day). The day may not be before
    /// the fact's start; an ended fact is ended again on the new day.
    pub async fn end_fact(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        to: NaiveDate,
    ) -> Result<FactRow, StoreError> {
        let fact = FactRow::find_by_statement(
            self.db
                .get_database_backend()
                .build(Self::fact_select().and_where(Expr::col("id").eq(id))),
        )
        .one(&self.db)
        .await?
        .ok_or(StoreError::NotFound("yếu tố"))?;
        if !self
            .area_in_scope(scope, &AreaId::parse(&fact.area_id)?)
            .await?
        {
            return Err(StoreError::NotFound("yếu tố"));
        }
        if to < fact.valid_from {
            return Err(Invalid::field(
                "valid_to",
                format!(
                    "ngày kết thúc trước ngày bắt đầu ({})",
                    fact.valid_from.format("%d/%m/%Y")
                ),
            )
            .into());
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        txn.execute(
            &Query::update()
                .table("area_facts")
                .value("valid_to", to)
                .and_where(Expr::col("id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "area_fact", Some(id.to_string()))
                .in_area(fact.area_id.as_str())
                .with_detail(format!("{} kết thúc {}", fact.kind, to.format("%d/%m/%Y"))),
        )
        .await?;
        txn.commit().await?;
        Ok(FactRow {
            valid_to: Some(to),
            ..fact
        })
    }

    /// The unit must exist, be within the scope and be a province, district or ward.
    async fn check_unit(&self, scope: &Scope, area: &AreaId) -> Result<(), StoreError> {
        let row = self.area(scope, area).await.map_err(|e| {
            e.not_found_as("area_id", "địa bàn không có hoặc ngoài phạm vi của bạn")
        })?;
        if !matches!(row.level.as_str(), "province" | "district" | "ward") {
            return Err(
                Invalid::field("area_id", "chỉ tỉnh, huyện, xã được đánh giá cấp độ").into(),
            );
        }
        Ok(())
    }

    /// Sets neighbouring pairs: each `(a, b)` is stored once, in either direction; a pair
    /// already there keeps its source. Every unit must be within the scope; all or nothing.
    pub async fn add_neighbours(
        &self,
        scope: &Scope,
        who: &Who,
        pairs: &[(AreaId, AreaId)],
        source: &str,
    ) -> Result<usize, StoreError> {
        let mut c = Collector::new();
        let mut checked: HashMap<AreaId, bool> = HashMap::new();
        for (i, (a, b)) in pairs.iter().enumerate() {
            if a == b {
                c.push(format!("pairs[{i}]"), "một đơn vị không tiếp giáp chính nó");
            }
            for (side, id) in [("a", a), ("b", b)] {
                let ok = match checked.get(id) {
                    Some(ok) => *ok,
                    None => {
                        let ok = self.check_unit(scope, id).await.is_ok();
                        checked.insert(id.clone(), ok);
                        ok
                    }
                };
                if !ok {
                    c.push(
                        format!("pairs[{i}].{side}"),
                        format!("{id}: không phải tỉnh/huyện/xã trong phạm vi của bạn"),
                    );
                }
            }
        }
        c.finish()?;
        let mut have: HashSet<(String, String)> = HashSet::new();
        for r in self
            .db
            .query_all(
                &Query::select()
                    .columns(["area_id", "neighbour_id"])
                    .from("area_neighbours")
                    .to_owned(),
            )
            .await?
        {
            let a: String = r.try_get("", "area_id")?;
            let b: String = r.try_get("", "neighbour_id")?;
            have.insert((a.clone(), b.clone()));
            have.insert((b, a));
        }
        let mut new: Vec<(String, String)> = Vec::new();
        for (a, b) in pairs {
            let (a, b) = if a < b { (a, b) } else { (b, a) };
            let k = (a.as_str().to_owned(), b.as_str().to_owned());
            if a != b && have.insert(k.clone()) {
                have.insert((k.1.clone(), k.0.clone()));
                new.push(k);
            }
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        for chunk in new.chunks(CHUNK) {
            let mut q = Query::insert();
            q.into_table("area_neighbours")
                .columns(["area_id", "neighbour_id", "source"]);
            for (a, b) in chunk {
                q.values_panic([a.clone().into(), b.clone().into(), source.into()]);
            }
            txn.execute(&q).await?;
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Import, "area_neighbours", None)
                .with_detail(format!("{} cặp mới ({source})", new.len())),
        )
        .await?;
        txn.commit().await?;
        Ok(new.len())
    }

    /// Removes a neighbouring pair.
    pub async fn remove_neighbour(
        &self,
        scope: &Scope,
        who: &Who,
        a: &AreaId,
        b: &AreaId,
    ) -> Result<(), StoreError> {
        self.check_unit(scope, a).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        for (x, y) in [(a, b), (b, a)] {
            txn.execute(
                &Query::delete()
                    .from_table("area_neighbours")
                    .and_where(Expr::col("area_id").eq(x.as_str()))
                    .and_where(Expr::col("neighbour_id").eq(y.as_str()))
                    .to_owned(),
            )
            .await?;
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Delete, "area_neighbours", Some(a.to_string()))
                .in_area(a.as_str())
                .with_detail(format!("bỏ tiếp giáp {a} — {b}")),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Proposes neighbours where none were entered: units of one tier under `root` whose
    /// centroids are close (within 1.6 times the distance to the nearest one, at most six).
    /// An estimate, stored with that source, to be corrected by the province.
    pub async fn estimate_neighbours(
        &self,
        scope: &Scope,
        who: &Who,
        root: &AreaId,
        as_of: NaiveDate,
    ) -> Result<usize, StoreError> {
        let units = self.assessed_units(root, as_of).await?;
        let mut pairs = Vec::new();
        for tier in ["district", "ward"] {
            let pts: Vec<(&UnitInfo, f64, f64)> = units
                .iter()
                .filter(|u| u.level == tier)
                .filter_map(|u| Some((u, u.lat?, u.lon?)))
                .collect();
            for (i, (u, la, lo)) in pts.iter().enumerate() {
                let mut d: Vec<(f64, usize)> = pts
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(j, (_, la2, lo2))| {
                        let dx = (lo2 - lo) * la.to_radians().cos();
                        ((dx * dx + (la2 - la).powi(2)).sqrt(), j)
                    })
                    .collect();
                d.sort_by(|a, b| a.0.total_cmp(&b.0));
                let Some(&(nearest, _)) = d.first() else {
                    continue;
                };
                for &(dist, j) in d.iter().take(6) {
                    if dist <= nearest * 1.6 {
                        pairs.push((AreaId::parse(&u.id)?, AreaId::parse(&pts[j].0.id)?));
                    }
                }
            }
        }
        self.add_neighbours(scope, who, &pairs, "ước tính từ tọa độ trung tâm")
            .await
    }

    /// Population figures that are estimates (demo data): stored with `estimated` set, shown
    /// as such, replaced by any real figure typed later.
    pub async fn set_population_estimates(
        &self,
        who: &Who,
        figures: &[(AreaId, i64)],
        year: i32,
        source: &str,
    ) -> Result<(), StoreError> {
        let now = self.clock.now();
        let txn = self.write().await?;
        for chunk in figures.chunks(CHUNK) {
            txn.execute(
                &Query::delete()
                    .from_table("populations")
                    .and_where(Expr::col("area_id").is_in(chunk.iter().map(|(a, _)| a.as_str())))
                    .and_where(Expr::col("year").eq(year))
                    .to_owned(),
            )
            .await?;
            let mut q = Query::insert();
            q.into_table("populations").columns([
                "area_id",
                "year",
                "population",
                "source",
                "estimated",
                "updated_at",
                "updated_by",
            ]);
            for (a, n) in chunk {
                q.values_panic([
                    a.as_str().into(),
                    year.into(),
                    (*n).into(),
                    source.into(),
                    true.into(),
                    now.into(),
                    who.username.clone().into(),
                ]);
            }
            txn.execute(&q).await?;
        }
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Import, "population", None)
                .with_detail(format!("{} số dân ước tính ({source})", figures.len())),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

/// The last row of each area (rows ordered by date).
fn latest_per_area<T>(rows: Vec<T>, area: impl Fn(&T) -> String) -> Vec<T> {
    let mut by: HashMap<String, T> = HashMap::new();
    for r in rows {
        by.insert(area(&r), r);
    }
    by.into_values().collect()
}

/// The longest case window any criterion of the set looks at.
fn max_window(rules: &RiskRuleSet) -> u32 {
    rules
        .criteria
        .iter()
        .filter_map(|c| match &c.test {
            risk::Test::Cases { days, .. } | risk::Test::Rate { days, .. } => Some(*days),
            _ => None,
        })
        .max()
        .unwrap_or(14)
}

/// How many units of an assessment are at a level, per tier.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct LevelCount {
    pub unit_level: String,
    pub level: String,
    pub n: i64,
}

impl Store {
    /// The units of an assessment counted by tier and level (one GROUP BY, whatever the
    /// number of units), if its area is within the scope.
    pub async fn assessment_counts(
        &self,
        scope: &Scope,
        id: i64,
    ) -> Result<Vec<LevelCount>, StoreError> {
        self.assessment(scope, id).await?;
        let stmt = Query::select()
            .columns(["unit_level", "level"])
            .expr_as(Expr::cust("COUNT(*)"), "n")
            .from("risk_results")
            .and_where(Expr::col("assessment_id").eq(id))
            .group_by_col("unit_level")
            .group_by_col("level")
            .to_owned();
        Ok(
            LevelCount::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}

/// A unit whose boundary was uploaded.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ShapeRow {
    pub area_id: String,
    pub name: String,
    pub level: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl Store {
    /// Which of these units may carry a boundary for a user of `scope`: each must exist, be
    /// within the scope and be a province, district or ward. The errors name `{field}[i]`.
    async fn check_shape_units(
        &self,
        scope: &Scope,
        ids: &[&AreaId],
        field: &str,
    ) -> Result<(), StoreError> {
        let mut level: HashMap<String, String> = HashMap::new();
        let mut in_scope: HashSet<String> = HashSet::new();
        let wanted: Vec<&str> = ids
            .iter()
            .map(|a| a.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        for chunk in wanted.chunks(CHUNK) {
            let ids = chunk.iter().map(|s| (*s).to_owned());
            for r in self
                .db
                .query_all(
                    &Query::select()
                        .columns(["id", "level"])
                        .from("areas")
                        .and_where(Expr::col("id").is_in(ids.clone()))
                        .to_owned(),
                )
                .await?
            {
                level.insert(r.try_get("", "id")?, r.try_get("", "level")?);
            }
            for r in self
                .db
                .query_all(
                    &Query::select()
                        .column("id")
                        .from("areas")
                        .and_where(Expr::col("id").is_in(ids))
                        .and_where(area_in_scope("id", scope))
                        .to_owned(),
                )
                .await?
            {
                in_scope.insert(r.try_get("", "id")?);
            }
        }
        let mut c = Collector::new();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            let at = format!("{field}[{i}]");
            match level.get(id.as_str()) {
                None => c.push(at, format!("không có đơn vị {id}")),
                Some(_) if !in_scope.contains(id.as_str()) => {
                    c.push(at, format!("{id} ở ngoài phạm vi của bạn"))
                }
                Some(l) if !matches!(l.as_str(), "province" | "district" | "ward") => c.push(
                    at,
                    format!("{id}: chỉ tỉnh, huyện, xã có ranh giới trên bản đồ"),
                ),
                Some(_) => {
                    if let Some(j) = seen.insert(id.as_str(), i) {
                        c.push(at, format!("{id} đã có ở {field}[{j}]"));
                    }
                }
            }
        }
        c.finish()?;
        Ok(())
    }

    /// Records the boundaries of units (each a GeoJSON geometry as text, replacing the unit's
    /// earlier one). Every unit must exist, be within the scope and be a province, district or
    /// ward; one bad unit and nothing is written (the errors name `shapes[i]`). One audit entry.
    pub async fn set_area_shapes(
        &self,
        scope: &Scope,
        who: &Who,
        shapes: &[(AreaId, String)],
    ) -> Result<usize, StoreError> {
        if shapes.is_empty() {
            return Err(Invalid::field("shapes", "không có ranh giới nào để nạp").into());
        }
        let ids: Vec<&AreaId> = shapes.iter().map(|(a, _)| a).collect();
        self.check_shape_units(scope, &ids, "shapes").await?;
        let mut c = Collector::new();
        for (i, (_, g)) in shapes.iter().enumerate() {
            if g.trim().is_empty() {
                c.push(format!("shapes[{i}]"), "ranh giới rỗng");
            }
        }
        c.finish()?;
        let now = self.clock.now();
        let txn = self.write().await?;
        for chunk in shapes.chunks(CHUNK) {
            txn.execute(
                &Query::delete()
                    .from_table("area_shapes")
                    .and_where(Expr::col("area_id").is_in(chunk.iter().map(|(a, _)| a.as_str())))
                    .to_owned(),
            )
            .await?;
            let mut q = Query::insert();
            q.into_table("area_shapes")
                .columns(["area_id", "geojson", "updated_at", "updated_by"]);
            for (a, g) in chunk {
                q.values_panic([
                    a.as_str().into(),
                    g.clone().into(),
                    now.into(),
                    who.username.clone().into(),
                ]);
            }
            txn.execute(&q).await?;
        }
        let mut event = AuditEvent::new(AuditAction::Import, "area_shapes", None)
            .with_detail(format!("{} ranh giới", shapes.len()));
        if let [(one, _)] = shapes {
            event = event.in_area(one.as_str());
        }
        audit::append(&txn, who, now, &event).await?;
        txn.commit().await?;
        Ok(shapes.len())
    }

    /// Removes the boundaries of units (they are drawn as dots again); how many there were.
    pub async fn remove_area_shapes(
        &self,
        scope: &Scope,
        who: &Who,
        ids: &[AreaId],
    ) -> Result<usize, StoreError> {
        if ids.is_empty() {
            return Err(Invalid::field("ids", "chưa chọn đơn vị nào").into());
        }
        let refs: Vec<&AreaId> = ids.iter().collect();
        self.check_shape_units(scope, &refs, "ids").await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let mut removed = 0;
        for chunk in ids.chunks(CHUNK) {
            removed += txn
                .execute(
                    &Query::delete()
                        .from_table("area_shapes")
                        .and_where(Expr::col("area_id").is_in(chunk.iter().map(AreaId::as_str)))
                        .to_owned(),
                )
                .await?
                .rows_affected() as usize;
        }
        let mut event =
            AuditEvent::new(AuditAction::Delete, "area_shapes", None).with_detail(format!(
                "bỏ {removed} ranh giới: {}",
                ids.iter()
                    .take(20)
                    .map(AreaId::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        if let [one] = ids {
            event = event.in_area(one.as_str());
        }
        audit::append(&txn, who, now, &event).await?;
        txn.commit().await?;
        Ok(removed)
    }

    /// The boundaries of these units that have one: area id → GeoJSON geometry text.
    pub async fn area_shapes(&self, ids: &[String]) -> Result<HashMap<String, String>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(CHUNK) {
            for r in self
                .db
                .query_all(
                    &Query::select()
                        .columns(["area_id", "geojson"])
                        .from("area_shapes")
                        .and_where(Expr::col("area_id").is_in(chunk.iter().cloned()))
                        .to_owned(),
                )
                .await?
            {
                out.insert(r.try_get("", "area_id")?, r.try_get("", "geojson")?);
            }
        }
        Ok(out)
    }

    /// The units within the scope that have a boundary: how many, and the latest `limit`
    /// updated.
    pub async fn shaped_areas(
        &self,
        scope: &Scope,
        limit: u64,
    ) -> Result<(i64, Vec<ShapeRow>), StoreError> {
        let cond = area_in_scope((Alias::new("s"), Alias::new("area_id")), scope);
        let count: i64 = self
            .db
            .query_one(
                &Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), "n")
                    .from_as("area_shapes", "s")
                    .and_where(cond.clone())
                    .to_owned(),
            )
            .await?
            .map(|r| r.try_get("", "n"))
            .transpose()?
            .unwrap_or(0);
        let stmt = Query::select()
            .columns(
                ["area_id", "updated_at", "updated_by"].map(|c| (Alias::new("s"), Alias::new(c))),
            )
            .columns(["name", "level"].map(|c| (Alias::new("a"), Alias::new(c))))
            .from_as("area_shapes", "s")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = s.area_id"),
            )
            .and_where(cond)
            .order_by((Alias::new("s"), Alias::new("updated_at")), Order::Desc)
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .limit(limit)
            .to_owned();
        let rows = ShapeRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .all(&self.db)
            .await?;
        Ok((count, rows))
    }
}

/// Replaces a unit's vaccination coverage of a date (the SQL of `set_coverage` and of the
/// import).
async fn write_coverage(
    txn: &impl ConnectionTrait,
    who: &Who,
    now: DateTime<Utc>,
    area: &AreaId,
    as_of: NaiveDate,
    figures: [Option<f64>; 3],
    source: &str,
) -> Result<(), StoreError> {
    txn.execute(
        &Query::delete()
            .from_table("area_coverage")
            .and_where(Expr::col("area_id").eq(area.as_str()))
            .and_where(Expr::col("as_of").eq(as_of))
            .to_owned(),
    )
    .await?;
    txn.execute(
        &Query::insert()
            .into_table("area_coverage")
            .columns([
                "area_id",
                "as_of",
                "first_dose_18plus",
                "full_dose_65plus",
                "full_dose_all",
                "source",
                "updated_at",
                "updated_by",
            ])
            .values_panic([
                area.as_str().into(),
                as_of.into(),
                figures[0].into(),
                figures[1].into(),
                figures[2].into(),
                source.into(),
                now.into(),
                who.username.clone().into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Replaces a unit's treatment capacity assessment of a date.
async fn write_capacity(
    txn: &impl ConnectionTrait,
    who: &Who,
    now: DateTime<Utc>,
    area: &AreaId,
    as_of: NaiveDate,
    met: bool,
    note: &str,
) -> Result<(), StoreError> {
    txn.execute(
        &Query::delete()
            .from_table("area_capacity")
            .and_where(Expr::col("area_id").eq(area.as_str()))
            .and_where(Expr::col("as_of").eq(as_of))
            .to_owned(),
    )
    .await?;
    txn.execute(
        &Query::insert()
            .into_table("area_capacity")
            .columns([
                "area_id",
                "as_of",
                "met",
                "note",
                "updated_at",
                "updated_by",
            ])
            .values_panic([
                area.as_str().into(),
                as_of.into(),
                met.into(),
                note.into(),
                now.into(),
                who.username.clone().into(),
            ])
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub use chongdich_domain::risk_import::{CapacityFigure, CoverageFigures, RiskInputRow};

/// What an import of risk inputs wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RiskInputsImported {
    /// Distinct units.
    pub units: usize,
    /// Coverage rows and capacity rows written.
    pub coverage: usize,
    pub capacity: usize,
}

impl Store {
    /// Writes the vaccination coverage and treatment capacity of many units, all or nothing:
    /// every row is checked first (the unit exists, is within the scope, is a province,
    /// district or ward; fractions 0–1 with a source; the date not after today), and any bad
    /// row is an `Invalid` naming each row's field (`dòng 5: first_dose_18plus`), with nothing
    /// written. Then one transaction, and one audit entry.
    pub async fn import_risk_inputs(
        &self,
        scope: &Scope,
        who: &Who,
        rows: &[RiskInputRow],
    ) -> Result<RiskInputsImported, StoreError> {
        let today = self.clock.today();
        let mut c = Collector::new();
        if rows.is_empty() {
            c.push("rows", "không có dòng số liệu nào");
        }
        let mut checked: HashMap<String, Result<(), Invalid>> = HashMap::new();
        let mut seen = HashSet::new();
        let mut units = HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            let name = |f: &str| row.field_name(i, f);
            if !checked.contains_key(row.area.as_str()) {
                let r = match self.check_unit(scope, &row.area).await {
                    Ok(()) => Ok(()),
                    Err(StoreError::Invalid(e)) => Err(e),
                    Err(e) => return Err(e),
                };
                checked.insert(row.area.to_string(), r);
            }
            if let Some(Err(e)) = checked.get(row.area.as_str()) {
                for f in &e.0 {
                    c.push(name(&f.field), f.message.clone());
                }
            }
            if row.as_of > today {
                c.push(
                    name("as_of"),
                    format!(
                        "ngày {} ở tương lai (hôm nay là {})",
                        row.as_of.format("%d/%m/%Y"),
                        today.format("%d/%m/%Y")
                    ),
                );
            }
            if !seen.insert((row.area.to_string(), row.as_of)) {
                c.push(name("area_id"), "đơn vị và ngày này đã có ở dòng trên");
            }
            if row.coverage.is_none() && row.capacity.is_none() {
                c.push(
                    name("first_dose_18plus"),
                    "không có tỷ lệ tiêm chủng hay đánh giá năng lực điều trị",
                );
            }
            if let Some(cov) = &row.coverage {
                for (f, v) in risk::CoverageField::ALL.iter().zip(cov.figures) {
                    if let Some(v) = v
                        && !(v.is_finite() && (0.0..=1.0).contains(&v))
                    {
                        c.push(name(f.as_str()), "tỷ lệ từ 0 đến 100%");
                    }
                }
                if cov.figures.iter().all(Option::is_none) {
                    c.push(name("first_dose_18plus"), "nhập ít nhất một tỷ lệ");
                }
                if chongdich_domain::text::clean(&cov.source).is_empty() {
                    c.push(name("source"), "ghi nguồn số liệu (báo cáo, ngày)");
                }
            }
            units.insert(row.area.to_string());
        }
        c.finish()?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let (mut coverage, mut capacity) = (0, 0);
        for row in rows {
            if let Some(cov) = &row.coverage {
                let source = chongdich_domain::text::clean(&cov.source);
                write_coverage(&txn, who, now, &row.area, row.as_of, cov.figures, &source).await?;
                coverage += 1;
            }
            if let Some(cap) = &row.capacity {
                let note = chongdich_domain::text::clean(&cap.note);
                write_capacity(&txn, who, now, &row.area, row.as_of, cap.met, &note).await?;
                capacity += 1;
            }
        }
        let report = RiskInputsImported {
            units: units.len(),
            coverage,
            capacity,
        };
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Import, "risk_inputs", None).with_detail(format!(
                "{} đơn vị: {coverage} dòng tỷ lệ tiêm chủng, {capacity} dòng năng lực điều trị",
                report.units
            )),
        )
        .await?;
        txn.commit().await?;
        Ok(report)
    }
}
