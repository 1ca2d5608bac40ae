//! The assessment: pure, from an input to every unit's level and reasons.
//!
//! How it goes:
//! 1. The input is checked (every error names its field) and indexed: the unit tree, the
//!    symmetric neighbour relation within a tier, and the units' populations (a unit without one
//!    takes the sum of its children's when every child has one, recursively).
//! 2. The cases are aggregated once, per ward, per day of the longest window and per class
//!    (where found × source known × setting), sorted and merged; each case criterion then
//!    counts from the aggregate in one pass, and the counts are rolled up to the districts and
//!    provinces. Nothing is O(units × cases).
//! 3. The wards are assessed, the neighbour criteria by a fixed point (a worklist: when a
//!    unit's level rises its neighbours are looked at again; levels only rise); then the
//!    districts (their children are assessed), then the provinces.
//!
//! Neighbour codes that are not among the units (a commune over the border of a province that
//! is not loaded) or that are of another tier are ignored.

use super::{
    AssessInput, Assessment, CoverageField, CoverageInput, Criterion, Effect, Mark, Reason,
    ReasonOutcome, RiskRuleSet, Test, UnitLevel, UnitResult,
};
use crate::case::{FoundIn, Setting};
use crate::error::{Collector, Invalid};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

const WARD: usize = 0;
const DISTRICT: usize = 1;
const PROVINCE: usize = 2;

/// At most this many input errors are listed; the rest are counted.
const MAX_ERRORS: usize = 50;

/// Case classes: where found × source known × setting (none or one of the settings).
const SETTINGS: usize = Setting::ALL.len() + 1;
const CLASSES: usize = FoundIn::ALL.len() * 2 * SETTINGS;
const _: () = assert!(CLASSES <= 256, "a case class must fit in 8 bits");

/// Assesses every unit of the input under a rule set.
///
/// Fails when the rule set is invalid (fields prefixed `rules.`) or when the input is
/// inconsistent (a unit's parent, a case's ward … unknown): every error names its field, e.g.
/// `units[3].parent`, `cases[10].ward`.
pub fn assess(rules: &RiskRuleSet, input: &AssessInput) -> Result<Assessment, Invalid> {
    rules.validate().map_err(|Invalid(errors)| {
        Invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("rules.{}", e.field);
                    e
                })
                .collect(),
        )
    })?;
    let ctx = Ctx::build(rules, input)?;
    Ok(ctx.run())
}

/// The position of a tier in the order of assessment: wards, districts, provinces.
fn tier_of(l: UnitLevel) -> usize {
    match l {
        UnitLevel::Ward => WARD,
        UnitLevel::District => DISTRICT,
        UnitLevel::Province => PROVINCE,
    }
}

/// A unit's coverage figure for a field.
pub fn coverage_value(c: &CoverageInput, field: CoverageField) -> Option<f64> {
    match field {
        CoverageField::FirstDose18Plus => c.first_dose_18plus,
        CoverageField::FullDose65Plus => c.full_dose_65plus,
        CoverageField::FullDoseAll => c.full_dose_all,
    }
}

/// The class of a case, 0..CLASSES.
fn class(found_in: FoundIn, source_known: bool, setting: Option<Setting>) -> usize {
    let s = setting.map_or(0, |s| s as usize + 1);
    (found_in as usize) * 2 * SETTINGS + usize::from(source_known) * SETTINGS + s
}

/// Which classes a case test counts.
fn class_mask(found_in: &[FoundIn], source_known: Option<bool>, settings: &[Setting]) -> Vec<bool> {
    let mut mask = vec![false; CLASSES];
    for &f in FoundIn::ALL {
        let f_ok = if found_in.is_empty() {
            f.is_community()
        } else {
            found_in.contains(&f)
        };
        if !f_ok {
            continue;
        }
        for sk in [false, true] {
            if source_known.is_some_and(|k| k != sk) {
                continue;
            }
            if settings.is_empty() {
                mask[class(f, sk, None)] = true;
            }
            for &s in Setting::ALL {
                if settings.is_empty() || settings.contains(&s) {
                    mask[class(f, sk, Some(s))] = true;
                }
            }
        }
    }
    mask
}

/// Input errors, at most [`MAX_ERRORS`] of them listed.
#[derive(Default)]
struct Errors {
    collector: Collector,
    count: usize,
}

impl Errors {
    fn push(&mut self, field: impl FnOnce() -> String, message: impl FnOnce() -> String) {
        self.count += 1;
        if self.count <= MAX_ERRORS {
            self.collector.push(field(), message());
        }
    }

    fn finish(mut self) -> Result<(), Invalid> {
        if self.count > MAX_ERRORS {
            self.collector.push(
                "input",
                format!("và {} lỗi khác", vn_int((self.count - MAX_ERRORS) as u64)),
            );
        }
        self.collector.finish()
    }
}

/// A checked, indexed input.
struct Ctx<'a> {
    rules: &'a RiskRuleSet,
    input: &'a AssessInput,
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    neighbours: Vec<Vec<usize>>,
    /// The units of each tier, in input order: wards, districts, provinces.
    by_tier: [Vec<usize>; 3],
    /// Own population, or the children's sum when every child has one.
    population: Vec<Option<u64>>,
    /// For a unit without a population: the unit whose figure is missing (itself or below).
    population_missing: Vec<usize>,
    /// Index into `input.coverage`.
    coverage: Vec<Option<usize>>,
    capacity: Vec<Option<bool>>,
    facts: HashSet<(usize, &'a str)>,
    previous: Vec<Option<usize>>,
    /// (ward << 24 | age in days << 8 | class, count), sorted by key, keys unique.
    cases: Vec<(u64, u64)>,
}

fn unknown_unit(code: &str) -> String {
    format!("không có đơn vị mã \"{code}\" trong danh sách đơn vị (units)")
}

impl<'a> Ctx<'a> {
    fn build(rules: &'a RiskRuleSet, input: &'a AssessInput) -> Result<Self, Invalid> {
        let mut e = Errors::default();
        let n = input.units.len();
        let mut index: HashMap<&str, usize> = HashMap::with_capacity(n);
        for (i, u) in input.units.iter().enumerate() {
            if u.code.trim().is_empty() {
                e.push(
                    || format!("units[{i}].code"),
                    || "mã đơn vị không được để trống".into(),
                );
                continue;
            }
            match index.entry(u.code.as_str()) {
                Entry::Occupied(o) => {
                    let j = *o.get();
                    e.push(
                        || format!("units[{i}].code"),
                        || format!("mã \"{}\" trùng với units[{j}]", u.code),
                    );
                }
                Entry::Vacant(v) => {
                    v.insert(i);
                }
            }
        }
        let tier: Vec<usize> = input.units.iter().map(|u| tier_of(u.level)).collect();
        let mut parent = vec![None; n];
        let mut children = vec![Vec::new(); n];
        for (i, u) in input.units.iter().enumerate() {
            let Some(p) = &u.parent else { continue };
            match index.get(p.as_str()) {
                None => e.push(|| format!("units[{i}].parent"), || unknown_unit(p)),
                Some(&j) if tier[j] <= tier[i] => e.push(
                    || format!("units[{i}].parent"),
                    || {
                        format!(
                            "đơn vị cấp trên \"{p}\" là {}, phải cao hơn {} ({})",
                            input.units[j].level.label().to_lowercase(),
                            u.level.label().to_lowercase(),
                            u.code
                        )
                    },
                ),
                Some(&j) => {
                    parent[i] = Some(j);
                    children[j].push(i);
                }
            }
        }
        let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, u) in input.units.iter().enumerate() {
            for code in &u.neighbours {
                if let Some(&j) = index.get(code.as_str())
                    && j != i
                    && tier[j] == tier[i]
                {
                    neighbours[i].push(j);
                    neighbours[j].push(i);
                }
            }
        }
        for v in &mut neighbours {
            v.sort_unstable();
            v.dedup();
        }
        let mut by_tier: [Vec<usize>; 3] = Default::default();
        for (i, &t) in tier.iter().enumerate() {
            by_tier[t].push(i);
        }

        // Cases: checked, then aggregated per ward, day and class.
        let max_days = rules
            .criteria
            .iter()
            .filter_map(|c| match c.test {
                Test::Cases { days, .. } | Test::Rate { days, .. } => Some(i64::from(days)),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let mut cases: Vec<(u64, u64)> = Vec::new();
        for (i, c) in input.cases.iter().enumerate() {
            let w = match index.get(c.ward.as_str()) {
                None => {
                    e.push(|| format!("cases[{i}].ward"), || unknown_unit(&c.ward));
                    continue;
                }
                Some(&w) if tier[w] != WARD => {
                    e.push(
                        || format!("cases[{i}].ward"),
                        || {
                            format!(
                                "\"{}\" là {}, không phải xã/phường",
                                c.ward,
                                input.units[w].level.label().to_lowercase()
                            )
                        },
                    );
                    continue;
                }
                Some(&w) => w,
            };
            if e.count > 0 || c.count == 0 {
                continue;
            }
            let age = input.as_of.signed_duration_since(c.confirmed_on).num_days();
            if !(0..max_days).contains(&age) {
                continue;
            }
            let key = ((w as u64) << 24)
                | ((age as u64) << 8)
                | class(c.found_in, c.source_known, c.setting) as u64;
            cases.push((key, u64::from(c.count)));
        }
        cases.sort_unstable_by_key(|r| r.0);
        cases.dedup_by(|a, b| {
            if a.0 == b.0 {
                b.1 = b.1.saturating_add(a.1);
                true
            } else {
                false
            }
        });

        let mut coverage = vec![None; n];
        for (i, c) in input.coverage.iter().enumerate() {
            match index.get(c.unit.as_str()) {
                None => e.push(|| format!("coverage[{i}].unit"), || unknown_unit(&c.unit)),
                Some(&u) => match coverage[u] {
                    Some(j) => e.push(
                        || format!("coverage[{i}].unit"),
                        || format!("đơn vị \"{}\" đã có số liệu ở coverage[{j}]", c.unit),
                    ),
                    None => coverage[u] = Some(i),
                },
            }
            for &f in CoverageField::ALL {
                if let Some(v) = coverage_value(c, f)
                    && !(v.is_finite() && (0.0..=1.0).contains(&v))
                {
                    e.push(
                        || format!("coverage[{i}].{}", f.as_str()),
                        || format!("tỷ lệ phải từ 0 đến 1 (là {v})"),
                    );
                }
            }
        }
        let mut capacity = vec![None; n];
        for (i, c) in input.capacity.iter().enumerate() {
            match index.get(c.unit.as_str()) {
                None => e.push(|| format!("capacity[{i}].unit"), || unknown_unit(&c.unit)),
                Some(&u) if capacity[u].is_some() => e.push(
                    || format!("capacity[{i}].unit"),
                    || format!("đơn vị \"{}\" đã có đánh giá năng lực", c.unit),
                ),
                Some(&u) => capacity[u] = Some(c.met),
            }
        }
        let mut facts = HashSet::new();
        for (i, f) in input.facts.iter().enumerate() {
            match index.get(f.unit.as_str()) {
                None => e.push(|| format!("facts[{i}].unit"), || unknown_unit(&f.unit)),
                Some(&u) => {
                    facts.insert((u, f.kind.as_str()));
                }
            }
        }
        let mut previous = vec![None; n];
        for (i, p) in input.previous.iter().enumerate() {
            let rank = rules.rank(&p.level);
            if rank.is_none() {
                e.push(
                    || format!("previous[{i}].level"),
                    || {
                        format!(
                            "mức \"{}\" không có trong bộ tiêu chí {}; dùng một trong: {}",
                            p.level,
                            rules.id,
                            rules
                                .levels
                                .iter()
                                .map(|l| l.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                );
            }
            match index.get(p.unit.as_str()) {
                None => e.push(|| format!("previous[{i}].unit"), || unknown_unit(&p.unit)),
                Some(&u) if previous[u].is_some() => e.push(
                    || format!("previous[{i}].unit"),
                    || format!("đơn vị \"{}\" đã có mức trước", p.unit),
                ),
                Some(&u) => previous[u] = rank,
            }
        }
        e.finish()?;

        // Populations, bottom up (children are of a lower tier, so assessed before).
        let mut population = vec![None; n];
        let mut population_missing: Vec<usize> = (0..n).collect();
        for t in [WARD, DISTRICT, PROVINCE] {
            for &u in &by_tier[t] {
                if let Some(p) = input.units[u].population.filter(|&p| p > 0) {
                    population[u] = Some(p);
                    continue;
                }
                if children[u].is_empty() {
                    continue;
                }
                let mut sum = 0u64;
                let mut missing = None;
                for &c in &children[u] {
                    match population[c] {
                        Some(p) => sum = sum.saturating_add(p),
                        None => {
                            missing = Some(population_missing[c]);
                            break;
                        }
                    }
                }
                match missing {
                    None => population[u] = Some(sum),
                    Some(m) => population_missing[u] = m,
                }
            }
        }

        Ok(Self {
            rules,
            input,
            parent,
            children,
            neighbours,
            by_tier,
            population,
            population_missing,
            coverage,
            capacity,
            facts,
            previous,
            cases,
        })
    }

    /// Cases in the window per unit (a district or province: its wards').
    fn counts(
        &self,
        days: u32,
        found_in: &[FoundIn],
        source_known: Option<bool>,
        settings: &[Setting],
    ) -> Vec<u64> {
        let mask = class_mask(found_in, source_known, settings);
        let mut c = vec![0u64; self.parent.len()];
        let days = u64::from(days);
        for &(key, count) in &self.cases {
            let cls = (key & 0xff) as usize;
            let age = (key >> 8) & 0xffff;
            if age < days && mask[cls] {
                let w = (key >> 24) as usize;
                c[w] = c[w].saturating_add(count);
            }
        }
        for &w in &self.by_tier[WARD] {
            let v = c[w];
            if v == 0 {
                continue;
            }
            let mut p = self.parent[w];
            while let Some(x) = p {
                c[x] = c[x].saturating_add(v);
                p = self.parent[x];
            }
        }
        c
    }

    fn code(&self, u: usize) -> &str {
        &self.input.units[u].code
    }

    fn level_name(&self, rank: usize) -> &str {
        self.rules.levels.get(rank).map_or("", |l| l.name.as_str())
    }

    fn run(self) -> Assessment {
        let rules = self.rules;
        let n = self.parent.len();
        let top = rules.levels.len().saturating_sub(1);

        // Per criterion: the case counts it needs (shared between criteria with one filter),
        // the rank of its Set and of its min_level.
        type Filter = (u32, Vec<FoundIn>, Option<bool>, Vec<Setting>);
        let mut filters: Vec<(Filter, Vec<u64>)> = Vec::new();
        let mut count_of: Vec<Option<usize>> = Vec::with_capacity(rules.criteria.len());
        for c in &rules.criteria {
            let f: Option<Filter> = match &c.test {
                Test::Cases {
                    days,
                    found_in,
                    source_known,
                    settings,
                    ..
                } => Some((*days, found_in.clone(), *source_known, settings.clone())),
                Test::Rate {
                    days,
                    found_in,
                    source_known,
                    ..
                } => Some((*days, found_in.clone(), *source_known, Vec::new())),
                _ => None,
            };
            count_of.push(f.map(|mut f| {
                f.1.sort();
                f.1.dedup();
                f.3.sort();
                f.3.dedup();
                match filters.iter().position(|(g, _)| *g == f) {
                    Some(i) => i,
                    None => {
                        let counts = self.counts(f.0, &f.1, f.2, &f.3);
                        filters.push((f, counts));
                        filters.len() - 1
                    }
                }
            }));
        }
        let min_rank: Vec<usize> = rules
            .criteria
            .iter()
            .map(|c| match &c.test {
                Test::Neighbour { min_level } | Test::Children { min_level, .. } => {
                    rules.rank(min_level).unwrap_or(top)
                }
                _ => 0,
            })
            .collect();
        let effects: Vec<Eff> = rules
            .criteria
            .iter()
            .map(|c| match &c.effect {
                Effect::Set(l) => Eff::Set(rules.rank(l).unwrap_or(0)),
                Effect::Raise(k) => Eff::Delta(i64::from(*k)),
                Effect::Lower(k) => Eff::Delta(-i64::from(*k)),
                Effect::Hold => Eff::Hold,
            })
            .collect();

        let mut level = vec![0usize; n];
        let mut reasons: Vec<Vec<Reason>> = vec![Vec::new(); n];
        for t in [WARD, DISTRICT, PROVINCE] {
            let applies: Vec<usize> = rules
                .criteria
                .iter()
                .enumerate()
                .filter(|(_, c)| c.applies_to.iter().any(|&l| tier_of(l) == t))
                .map(|(i, _)| i)
                .collect();
            let (neighbour, fixed): (Vec<usize>, Vec<usize>) = applies
                .iter()
                .partition(|&&ci| matches!(rules.criteria[ci].test, Test::Neighbour { .. }));
            // The criteria that do not depend on the neighbours' levels, once.
            let mut outcomes: Vec<Vec<Outcome>> = Vec::new();
            outcomes.resize_with(n, Vec::new);
            let mut summary = vec![Summary::default(); n];
            for &u in &self.by_tier[t] {
                let mut out = Vec::new();
                let mut s = Summary::default();
                for &ci in &fixed {
                    let counts = count_of[ci].map(|i| filters[i].1.as_slice());
                    if let Some(o) = self.test(u, ci, counts, &level, min_rank[ci]) {
                        if o.fired {
                            s.add(effects[ci]);
                        }
                        out.push(o);
                    }
                }
                outcomes[u] = out;
                summary[u] = s;
            }
            // The neighbour criteria: a fixed point, levels only rise.
            let eval = |u: usize, level: &[usize]| -> usize {
                let mut s = summary[u];
                if let Some(m) = self.neighbours[u].iter().map(|&v| level[v]).max() {
                    for &ci in &neighbour {
                        if m >= min_rank[ci] {
                            s.add(effects[ci]);
                        }
                    }
                }
                s.level(top, self.previous[u])
            };
            let mut queued = vec![false; n];
            let mut queue: VecDeque<usize> = VecDeque::with_capacity(self.by_tier[t].len());
            for &u in &self.by_tier[t] {
                queued[u] = true;
                queue.push_back(u);
            }
            while let Some(u) = queue.pop_front() {
                queued[u] = false;
                let new = eval(u, &level);
                if new > level[u] {
                    level[u] = new;
                    for &v in &self.neighbours[u] {
                        if !queued[v] {
                            queued[v] = true;
                            queue.push_back(v);
                        }
                    }
                }
            }
            // The reasons, with the final levels of the neighbours.
            for &u in &self.by_tier[t] {
                let mut out = std::mem::take(&mut outcomes[u]);
                for &ci in &neighbour {
                    if let Some(o) = self.neighbour_outcome(u, ci, &level, min_rank[ci]) {
                        out.push(o);
                    }
                }
                out.sort_by_key(|o| (strength(effects[o.ci], top), o.ci));
                let mut rs = Vec::with_capacity(out.len() + 1);
                if !out
                    .iter()
                    .any(|o| o.fired && matches!(effects[o.ci], Eff::Set(_)))
                {
                    let mark = applies
                        .iter()
                        .map(|&ci| rules.criteria[ci].mark)
                        .max()
                        .unwrap_or(Mark::Verified);
                    rs.push(Reason {
                        criterion: "none".into(),
                        outcome: ReasonOutcome::Fired,
                        text: format!(
                            "{}: không có yếu tố nào của các mức cao hơn",
                            self.level_name(0)
                        ),
                        source: rules.name.clone(),
                        mark,
                    });
                }
                for o in out {
                    let c = &rules.criteria[o.ci];
                    let mut text = format!("{}: {}", self.prefix(c), o.body);
                    if o.fired && c.effect == Effect::Hold {
                        match self.previous[u] {
                            Some(p) => {
                                text.push_str(&format!("; mức trước: {}", self.level_name(p)))
                            }
                            None => text.push_str("; chưa có mức trước"),
                        }
                    }
                    rs.push(Reason {
                        criterion: c.id.clone(),
                        outcome: if o.fired {
                            ReasonOutcome::Fired
                        } else {
                            ReasonOutcome::NotComputable
                        },
                        text,
                        source: c.source.clone(),
                        mark: c.mark,
                    });
                }
                reasons[u] = rs;
            }
        }

        let mut units = Vec::with_capacity(n);
        for t in [WARD, DISTRICT, PROVINCE] {
            for &u in &self.by_tier[t] {
                let l = &rules.levels[level[u].min(top)];
                units.push(UnitResult {
                    code: self.input.units[u].code.clone(),
                    unit_level: self.input.units[u].level,
                    level: l.id.clone(),
                    colour: l.colour,
                    reasons: std::mem::take(&mut reasons[u]),
                });
            }
        }
        Assessment {
            rules: rules.id.clone(),
            as_of: self.input.as_of,
            units,
        }
    }

    /// "Nguy cơ cao", "Tăng 1 cấp" …
    fn prefix(&self, c: &Criterion) -> String {
        match &c.effect {
            Effect::Set(l) => self
                .rules
                .level(l)
                .map_or_else(|| l.clone(), |d| d.name.clone()),
            Effect::Raise(k) => format!("Tăng {k} cấp"),
            Effect::Lower(k) => format!("Giảm {k} cấp"),
            Effect::Hold => "Không hạ cấp".into(),
        }
    }

    fn missing_population(&self, u: usize) -> String {
        let m = self.population_missing[u];
        if m == u {
            format!("thiếu số dân của đơn vị {}", self.code(u))
        } else {
            format!(
                "thiếu số dân của đơn vị {} và của đơn vị cấp dưới {}",
                self.code(u),
                self.code(m)
            )
        }
    }

    /// A criterion other than a neighbour one, for a unit: fired, not computable, or neither
    /// (None).
    fn test(
        &self,
        u: usize,
        ci: usize,
        counts: Option<&[u64]>,
        level: &[usize],
        min_rank: usize,
    ) -> Option<Outcome> {
        let c = &self.rules.criteria[ci];
        let fired = |body: String| Some(Outcome::fired(ci, body));
        let not_computable = |why: String| {
            Some(Outcome {
                ci,
                fired: false,
                body: format!("{} — không tính được: {why}", c.text),
            })
        };
        match &c.test {
            Test::Cases { days, min, .. } => {
                let k = counts.and_then(|cs| cs.get(u)).copied().unwrap_or(0);
                if k >= u64::from(*min) {
                    fired(format!(
                        "{} — {} ca trong {days} ngày (từ {} ca)",
                        c.text,
                        vn_int(k),
                        vn_int(u64::from(*min))
                    ))
                } else {
                    None
                }
            }
            Test::Rate {
                days,
                threshold,
                strict,
                ..
            } => {
                let Some(pop) = self.population[u] else {
                    return not_computable(self.missing_population(u));
                };
                let k = counts.and_then(|cs| cs.get(u)).copied().unwrap_or(0);
                let rate = k as f64 * 100_000.0 / pop as f64;
                let hit = if *strict {
                    rate > *threshold
                } else {
                    rate >= *threshold
                };
                if hit {
                    fired(format!(
                        "{} — {} ca/100.000 dân trong {days} ngày ({} {}) — {} ca / {} dân",
                        c.text,
                        vn_decimal(rate, 2),
                        if *strict { "trên" } else { "từ" },
                        vn_decimal(*threshold, 2),
                        vn_int(k),
                        vn_int(pop)
                    ))
                } else {
                    None
                }
            }
            Test::Neighbour { .. } => None,
            Test::Children { share, count, .. } => {
                let kids = &self.children[u];
                let total = kids.len();
                if total == 0 {
                    return None;
                }
                let at = kids.iter().filter(|&&k| level[k] >= min_rank).count();
                let frac = at as f64 / total as f64;
                let by_share = share.is_some_and(|s| frac >= s - 1e-9);
                let by_count = count.is_some_and(|k| at >= k as usize);
                if !(by_share || by_count) {
                    return None;
                }
                let first = self.input.units[kids[0]].level;
                let noun = if kids.iter().all(|&k| self.input.units[k].level == first) {
                    first.label().to_lowercase()
                } else {
                    "đơn vị".to_owned()
                };
                let threshold = match (by_share, share, count) {
                    (true, Some(s), _) => format!("từ {}", vn_percent(*s)),
                    (_, _, Some(k)) => format!("từ {k} {noun}"),
                    _ => String::new(),
                };
                fired(format!(
                    "{at}/{total} {noun} ({}) ở mức {} trở lên ({threshold})",
                    vn_percent(frac),
                    self.level_name(min_rank)
                ))
            }
            Test::Fact { fact } => {
                if self.facts.contains(&(u, fact.as_str())) {
                    fired(format!("{} — đã ghi nhận ({fact})", c.text))
                } else {
                    None
                }
            }
            Test::CoverageBelow { field, below } => {
                let Some(v) = self.coverage[u]
                    .and_then(|i| self.input.coverage.get(i))
                    .and_then(|cv| coverage_value(cv, *field))
                else {
                    return not_computable(format!(
                        "thiếu {} của đơn vị {}",
                        lower_first(field.label()),
                        self.code(u)
                    ));
                };
                if v < *below {
                    fired(format!(
                        "{} — {} (dưới {})",
                        c.text,
                        vn_percent(v),
                        vn_percent(*below)
                    ))
                } else {
                    None
                }
            }
            Test::CapacityMet | Test::CapacityNotMet => {
                let Some(met) = self.capacity[u] else {
                    return not_computable(format!(
                        "chưa có đánh giá năng lực thu dung, điều trị của đơn vị {}",
                        self.code(u)
                    ));
                };
                let want = matches!(c.test, Test::CapacityMet);
                if met == want {
                    fired(format!(
                        "{} — năng lực thu dung, điều trị: {}",
                        c.text,
                        if met {
                            "đáp ứng"
                        } else {
                            "chưa đáp ứng"
                        }
                    ))
                } else {
                    None
                }
            }
        }
    }

    fn neighbour_outcome(
        &self,
        u: usize,
        ci: usize,
        level: &[usize],
        min_rank: usize,
    ) -> Option<Outcome> {
        const SHOWN: usize = 5;
        let at: Vec<usize> = self.neighbours[u]
            .iter()
            .copied()
            .filter(|&v| level[v] >= min_rank)
            .collect();
        if at.is_empty() {
            return None;
        }
        let top = self.rules.levels.len().saturating_sub(1);
        let mut list: Vec<String> = at
            .iter()
            .take(SHOWN)
            .map(|&v| {
                if level[v] == min_rank {
                    self.code(v).to_owned()
                } else {
                    format!("{} ({})", self.code(v), self.level_name(level[v]))
                }
            })
            .collect();
        if at.len() > SHOWN {
            list.push(format!("và {} đơn vị khác", at.len() - SHOWN));
        }
        Some(Outcome::fired(
            ci,
            format!(
                "tiếp giáp đơn vị {}{}: {}",
                self.level_name(min_rank),
                if min_rank < top { " trở lên" } else { "" },
                list.join(", ")
            ),
        ))
    }
}

/// An effect with its level resolved.
#[derive(Debug, Clone, Copy)]
enum Eff {
    Set(usize),
    Delta(i64),
    Hold,
}

/// The effects that fired for a unit.
#[derive(Debug, Clone, Copy, Default)]
struct Summary {
    set: Option<usize>,
    delta: i64,
    hold: bool,
}

impl Summary {
    fn add(&mut self, e: Eff) {
        match e {
            Eff::Set(r) => self.set = Some(self.set.map_or(r, |s| s.max(r))),
            Eff::Delta(d) => self.delta = self.delta.saturating_add(d),
            Eff::Hold => self.hold = true,
        }
    }

    /// The highest Set (the lowest level if none), moved by the raises and lowers within the
    /// levels, then held at the previous level.
    fn level(&self, top: usize, previous: Option<usize>) -> usize {
        let base = self.set.unwrap_or(0) as i64;
        let mut r = base.saturating_add(self.delta).clamp(0, top as i64) as usize;
        if self.hold
            && let Some(p) = previous
        {
            r = r.max(p.min(top));
        }
        r
    }
}

/// The order of reasons: Sets from the highest level, then raises, lowers, holds.
fn strength(e: Eff, top: usize) -> (u8, i64) {
    match e {
        Eff::Set(r) => (0, top as i64 - r as i64),
        Eff::Delta(d) if d > 0 => (1, -d),
        Eff::Delta(d) => (2, d),
        Eff::Hold => (3, 0),
    }
}

/// A criterion's outcome for a unit.
struct Outcome {
    ci: usize,
    fired: bool,
    /// The text after the effect's prefix.
    body: String,
}

impl Outcome {
    fn fired(ci: usize, body: String) -> Self {
        Self {
            ci,
            fired: true,
            body,
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// 1234567 → "1.234.567".
pub fn vn_int(n: u64) -> String {
    group_thousands(&n.to_string())
}

fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Vietnamese decimal: 1234.5 → "1.234,5", 1.35 → "1,35", 150.0 → "150" (at most `decimals`
/// decimals, trailing zeros dropped).
pub fn vn_decimal(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if x < 0.0 && (int != "0" || !frac.is_empty()) {
        out.push('-');
    }
    out.push_str(&group_thousands(int));
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// 0.4 → "40%", 0.555 → "55,5%".
pub fn vn_percent(fraction: f64) -> String {
    format!("{}%", vn_decimal(fraction * 100.0, 1))
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
