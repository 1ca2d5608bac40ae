//! Loading the official lists of administrative units, both structures, and the 2025 ward
//! mapping. Idempotent: units already present are kept as they are.
//!
//! The closure table gets two kinds of rows: the structural tree (`via_mapping = false`), and
//! "counted under" rows (`via_mapping = true`) that place each old ward, and each old district
//! or province whose wards all went into one new province, under the new units that took it
//! in. So a user scoped to today's province also reaches what was recorded against its old
//! wards.

use crate::areas::terms;
use crate::{BATCH, Store, StoreError};
use chongdich_domain::area::{AreaId, AreaLevel, Structure};
use chongdich_domain::text::{search_key, sort_key};
use chongdich_domain::units::{MappingRow, UnitRow};
use sea_orm::sea_query::{Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitImport {
    pub areas: usize,
    pub closure_rows: usize,
    pub mapping_rows: usize,
}

/// The official data, as parsed from its files.
pub struct UnitData<'a> {
    pub legacy: &'a [UnitRow],
    pub current: &'a [UnitRow],
    pub mapping: &'a [MappingRow],
}

async fn insert_rows(
    txn: &DatabaseTransaction,
    table: &'static str,
    columns: &[&'static str],
    rows: Vec<Vec<SimpleExpr>>,
) -> Result<usize, StoreError> {
    let n = rows.len();
    let mut iter = rows.into_iter().peekable();
    while iter.peek().is_some() {
        let mut q = Query::insert();
        q.into_table(table).columns(columns.iter().copied());
        for row in iter.by_ref().take(BATCH) {
            q.values(row)
                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        }
        q.on_conflict(OnConflict::new().do_nothing().to_owned());
        txn.execute(&q).await?;
    }
    Ok(n)
}

impl Store {
    /// Loads units of the given provinces (all when `provinces` is None) of both structures,
    /// with the ward mapping between them, in one transaction.
    pub async fn import_units(
        &self,
        data: &UnitData<'_>,
        provinces: Option<&[&str]>,
    ) -> Result<UnitImport, StoreError> {
        let now = self.clock.now();
        let keep = |province: &str| provinces.is_none_or(|p| p.contains(&province));
        // Each unit with its structural chain: id -> (row, structure, parent id, province code).
        let mut units: Vec<(AreaId, &UnitRow, Structure, AreaId, String)> = Vec::new();
        for (structure, rows) in [
            (Structure::Legacy, data.legacy),
            (Structure::Current, data.current),
        ] {
            let parent_of: HashMap<&str, &str> = rows
                .iter()
                .filter_map(|r| {
                    r.parent_code
                        .as_ref()
                        .map(|p| (r.code.as_str(), p.as_str()))
                })
                .collect();
            for r in rows {
                let mut province = r.code.as_str();
                while let Some(p) = parent_of.get(province) {
                    province = p;
                }
                if !keep(province) {
                    continue;
                }
                let parent = match &r.parent_code {
                    Some(p) => AreaId::official(structure, p),
                    None => AreaId::country(),
                };
                units.push((
                    AreaId::official(structure, &r.code),
                    r,
                    structure,
                    parent,
                    province.to_owned(),
                ));
            }
        }
        // Parents before children, for the foreign key.
        units.sort_by_key(|u| u.1.level);
        let parent_map: HashMap<&AreaId, &AreaId> = units.iter().map(|u| (&u.0, &u.3)).collect();
        let chain = |id: &AreaId| -> Vec<AreaId> {
            let mut out = vec![id.clone()];
            let mut cur = id;
            while let Some(p) = parent_map.get(cur) {
                out.push((*p).clone());
                cur = p;
            }
            if out.last().map(|a| a.as_str()) != Some(AreaId::COUNTRY) {
                out.push(AreaId::country());
            }
            out
        };

        let mut area_rows = vec![vec![
            Expr::val(AreaId::COUNTRY),
            Expr::val(Option::<String>::None),
            Expr::val(AreaLevel::Country.as_str()),
            Expr::val(Option::<String>::None),
            Expr::val("Việt Nam"),
            Expr::val("Quốc gia"),
            Expr::val(Option::<String>::None),
            Expr::val(Option::<String>::None),
            Expr::val(search_key("Việt Nam")),
            Expr::val(sort_key("Việt Nam")),
            Expr::val(Option::<chrono::NaiveDate>::None),
            Expr::val(Option::<chrono::NaiveDate>::None),
            Expr::val(Option::<f64>::None),
            Expr::val(Option::<f64>::None),
            Expr::val(Option::<f64>::None),
            Expr::val(now),
        ]];
        let mut closure: BTreeMap<(String, String), (i32, bool)> = BTreeMap::new();
        closure.insert((AreaId::COUNTRY.into(), AreaId::COUNTRY.into()), (0, false));
        let mut term_rows: BTreeSet<(String, String)> = terms("Việt Nam", None)
            .into_iter()
            .map(|t| (t, AreaId::COUNTRY.to_owned()))
            .collect();
        for (id, r, structure, parent, province) in &units {
            area_rows.push(vec![
                Expr::val(id.as_str()),
                Expr::val(structure.as_str()),
                Expr::val(r.level.as_str()),
                Expr::val(r.code.as_str()),
                Expr::val(r.name.as_str()),
                Expr::val(r.kind.as_str()),
                Expr::val(parent.as_str()),
                Expr::val(province.as_str()),
                Expr::val(search_key(&r.name)),
                Expr::val(sort_key(&r.name)),
                Expr::val(structure.valid_from()),
                Expr::val(structure.valid_to()),
                Expr::val(r.lat),
                Expr::val(r.lon),
                Expr::val(r.area_km2),
                Expr::val(now),
            ]);
            for (depth, anc) in chain(id).iter().enumerate() {
                closure.insert((anc.to_string(), id.to_string()), (depth as i32, false));
            }
            for t in terms(&r.name, Some(r.code.as_str())) {
                term_rows.insert((t, id.to_string()));
            }
        }

        // The 2025 mapping, for the wards loaded here.
        let loaded: BTreeSet<&str> = units.iter().map(|u| u.0.as_str()).collect();
        let mut mapping_rows = Vec::new();
        // new province of each old unit's records: old unit id -> set of new province ids
        let mut lands_in: HashMap<AreaId, BTreeSet<AreaId>> = HashMap::new();
        for m in data.mapping {
            let old = AreaId::official(Structure::Legacy, &m.old_code);
            let new = AreaId::official(Structure::Current, &m.new_code);
            if !loaded.contains(old.as_str()) || !loaded.contains(new.as_str()) {
                continue;
            }
            mapping_rows.push(vec![
                Expr::val(old.as_str()),
                Expr::val(new.as_str()),
                Expr::val(m.kind.as_str()),
            ]);
            if m.kind.counts_records() {
                let new_chain = chain(&new);
                for anc in &new_chain {
                    closure
                        .entry((anc.to_string(), old.to_string()))
                        .or_insert((0, true));
                }
                // The new province is the chain's last before the country.
                if let Some(new_province) = new_chain.iter().rev().nth(1) {
                    for old_anc in chain(&old).iter().skip(1) {
                        if old_anc.as_str() != AreaId::COUNTRY {
                            lands_in
                                .entry(old_anc.clone())
                                .or_default()
                                .insert(new_province.clone());
                        }
                    }
                }
            }
        }
        for (old_anc, provinces) in &lands_in {
            if let [only] = provinces.iter().collect::<Vec<_>>().as_slice() {
                closure
                    .entry((only.to_string(), old_anc.to_string()))
                    .or_insert((0, true));
            }
        }

        let closure_rows: Vec<Vec<SimpleExpr>> = closure
            .into_iter()
            .map(|((a, d), (depth, via))| {
                vec![Expr::val(a), Expr::val(d), Expr::val(depth), Expr::val(via)]
            })
            .collect();
        let term_rows: Vec<Vec<SimpleExpr>> = term_rows
            .into_iter()
            .map(|(t, a)| vec![Expr::val(t), Expr::val(a)])
            .collect();

        let txn = self.write().await?;
        let areas = insert_rows(
            &txn,
            "areas",
            &[
                "id",
                "structure",
                "level",
                "code",
                "name",
                "kind",
                "parent_id",
                "province_code",
                "search_key",
                "sort_key",
                "valid_from",
                "valid_to",
                "lat",
                "lon",
                "area_km2",
                "created_at",
            ],
            area_rows,
        )
        .await?;
        let closure_rows = insert_rows(
            &txn,
            "area_closure",
            &["ancestor_id", "descendant_id", "depth", "via_mapping"],
            closure_rows,
        )
        .await?;
        insert_rows(&txn, "area_terms", &["term", "area_id"], term_rows).await?;
        let mapping_rows = insert_rows(
            &txn,
            "ward_mapping",
            &["old_area_id", "new_area_id", "kind"],
            mapping_rows,
        )
        .await?;
        txn.commit().await?;
        // Fresh statistics, so that the planners choose the term and closure indexes well.
        self.db.execute_unprepared("ANALYZE").await?;
        Ok(UnitImport {
            areas,
            closure_rows,
            mapping_rows,
        })
    }

    /// How many areas are loaded.
    pub async fn area_count(&self) -> Result<i64, StoreError> {
        crate::count_of(
            &self.db,
            &Query::select().column("id").from("areas").to_owned(),
        )
        .await
    }
}

/// The official lists shipped inside the binary (`data/admin-units/`, see its README for the
/// source and licence), parsed once.
pub struct EmbeddedUnits {
    pub legacy: Vec<UnitRow>,
    pub current: Vec<UnitRow>,
    pub mapping: Vec<MappingRow>,
}

impl EmbeddedUnits {
    pub fn data(&self) -> UnitData<'_> {
        UnitData {
            legacy: &self.legacy,
            current: &self.current,
            mapping: &self.mapping,
        }
    }
}

pub const LEGACY_CSV: &str = include_str!("../../../data/admin-units/units-legacy.csv");
pub const CURRENT_CSV: &str = include_str!("../../../data/admin-units/units-2025.csv");
pub const MAPPING_CSV: &str = include_str!("../../../data/admin-units/ward-mapping-2025.csv");

/// The shipped lists. They are checked by a test to parse without a single bad row.
pub fn embedded() -> Result<&'static EmbeddedUnits, chongdich_domain::Invalid> {
    use chongdich_domain::units::{parse_mapping_csv, parse_units_csv};
    static CELL: std::sync::OnceLock<EmbeddedUnits> = std::sync::OnceLock::new();
    if let Some(e) = CELL.get() {
        return Ok(e);
    }
    let parsed = EmbeddedUnits {
        legacy: parse_units_csv(LEGACY_CSV, Structure::Legacy)?.rows,
        current: parse_units_csv(CURRENT_CSV, Structure::Current)?.rows,
        mapping: parse_mapping_csv(MAPPING_CSV)?.rows,
    };
    Ok(CELL.get_or_init(|| parsed))
}
