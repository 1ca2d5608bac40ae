//! The area tree: reading (scoped), searching without diacritics, and entering villages.

use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::access::Scope;
use chongdich_domain::area::{AreaId, AreaLevel, parse_area_name};
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::text::{search_key, sort_key};
use chrono::NaiveDate;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

/// An area as read, with its latest population figure.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AreaRow {
    pub id: String,
    pub structure: Option<String>,
    pub level: String,
    pub code: Option<String>,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub province_code: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_km2: Option<f64>,
    pub population: Option<i64>,
    pub population_year: Option<i32>,
    pub population_source: Option<String>,
    pub child_count: i64,
    /// How many rows the query matched before paging (a window count: no second query).
    #[serde(skip)]
    pub total_count: i64,
}

impl AreaRow {
    pub fn level(&self) -> AreaLevel {
        AreaLevel::parse(&self.level).unwrap_or(AreaLevel::Village)
    }

    /// Whether the unit is in force on a date.
    pub fn valid_on(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= date) && self.valid_to.is_none_or(|t| date <= t)
    }
}

/// A name and id, for breadcrumbs and links.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct AreaBrief {
    pub id: String,
    pub name: String,
    pub level: String,
}

/// One page of a longer list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: u64,
    pub offset: u64,
}

/// An old-ward → new-ward pair as shown for a ward.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct MappingLink {
    pub old_area_id: String,
    pub old_name: String,
    pub new_area_id: String,
    pub new_name: String,
    pub kind: String,
}

/// `FROM areas a`, to which conditions are added; counting needs nothing more.
fn area_base() -> SelectStatement {
    Query::select().from_as("areas", "a").to_owned()
}

/// The columns of [`AreaRow`]: the area, its latest population and how many sub-areas it has.
fn with_columns(mut q: SelectStatement) -> SelectStatement {
    let a = |c: &'static str| (Alias::new("a"), Alias::new(c));
    q.columns([
        a("id"),
        a("structure"),
        a("level"),
        a("code"),
        a("name"),
        a("kind"),
        a("parent_id"),
        a("province_code"),
        a("valid_from"),
        a("valid_to"),
        a("lat"),
        a("lon"),
        a("area_km2"),
    ])
    .expr_as(Expr::cust("p.population"), "population")
    .expr_as(Expr::cust("p.year"), "population_year")
    .expr_as(Expr::cust("p.source"), "population_source")
    .expr_as(
        Expr::cust("(SELECT COUNT(*) FROM areas c WHERE c.parent_id = a.id)"),
        "child_count",
    )
    .expr_as(Expr::cust("COUNT(*) OVER ()"), "total_count")
    .join_as(
        JoinType::LeftJoin,
        "populations",
        "p",
        Expr::cust(
            "p.area_id = a.id AND p.year = (SELECT MAX(q.year) FROM populations q WHERE q.area_id = a.id)",
        ),
    );
    q
}

fn select_areas() -> SelectStatement {
    with_columns(area_base())
}

/// The search terms of a name: every word suffix of its search key, and the code.
pub(crate) fn terms(name: &str, code: Option<&str>) -> Vec<String> {
    let key = search_key(name);
    let words: Vec<&str> = key.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out: Vec<String> = (0..words.len()).map(|i| words[i..].join(" ")).collect();
    if let Some(c) = code {
        out.push(c.to_owned());
    }
    out.sort();
    out.dedup();
    out
}

async fn fetch<C: ConnectionTrait>(
    db: &C,
    stmt: &SelectStatement,
) -> Result<Vec<AreaRow>, StoreError> {
    Ok(
        AreaRow::find_by_statement(db.get_database_backend().build(stmt))
            .all(db)
            .await?,
    )
}

/// Counts the rows of a statement built on [`area_base`] (before [`with_columns`]).
async fn count<C: ConnectionTrait>(db: &C, base: &SelectStatement) -> Result<i64, StoreError> {
    let counted = base.clone().expr_as(Expr::cust("COUNT(*)"), "n").to_owned();
    let row = db.query_one(&counted).await?;
    Ok(match row {
        Some(r) => r.try_get::<i64>("", "n")?,
        None => 0,
    })
}

/// One page of areas with the total taken from the window count; a page past the end has no
/// row to carry it, and only then is the total counted separately.
async fn paged<C: ConnectionTrait>(
    db: &C,
    base: &SelectStatement,
    stmt: &SelectStatement,
    limit: u64,
    offset: u64,
) -> Result<Page<AreaRow>, StoreError> {
    let items = fetch(db, stmt).await?;
    let total = match items.first() {
        Some(first) => first.total_count,
        None if offset == 0 => 0,
        None => count(db, base).await?,
    };
    Ok(Page {
        items,
        total,
        limit,
        offset,
    })
}

impl Store {
    /// One area, if it lies within the scope.
    pub async fn area(&self, scope: &Scope, id: &AreaId) -> Result<AreaRow, StoreError> {
        let stmt = select_areas()
            .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).eq(id.as_str()))
            .and_where(area_in_scope((Alias::new("a"), Alias::new("id")), scope))
            .to_owned();
        fetch(&self.db, &stmt)
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound("địa bàn"))
    }

    /// Whether an area lies within the scope.
    pub async fn area_in_scope(&self, scope: &Scope, id: &AreaId) -> Result<bool, StoreError> {
        let stmt = Query::select()
            .column("id")
            .from("areas")
            .and_where(Expr::col("id").eq(id.as_str()))
            .and_where(area_in_scope("id", scope))
            .to_owned();
        Ok(self.db.query_one(&stmt).await?.is_some())
    }

    /// The areas the scope is made of, in Vietnamese order.
    pub async fn scope_roots(&self, scope: &Scope) -> Result<Vec<AreaRow>, StoreError> {
        let ids: Vec<String> = scope
            .roots()
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect();
        let stmt = select_areas()
            .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).is_in(ids))
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .to_owned();
        fetch(&self.db, &stmt).await
    }

    /// The old-structure provinces whose records count under an area: for today's Lai Châu,
    /// the Lai Châu of before 01/07/2025 with its districts.
    pub async fn counted_provinces(&self, id: &AreaId) -> Result<Vec<AreaRow>, StoreError> {
        let stmt = select_areas()
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("id"))).in_subquery(
                    Query::select()
                        .column("descendant_id")
                        .from("area_closure")
                        .and_where(Expr::col("ancestor_id").eq(id.as_str()))
                        .and_where(Expr::col("via_mapping").eq(true))
                        .to_owned(),
                ),
            )
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("level"))).eq(AreaLevel::Province.as_str()),
            )
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .to_owned();
        fetch(&self.db, &stmt).await
    }

    /// The sub-areas of an area that lie within the scope, in Vietnamese order.
    pub async fn children(
        &self,
        scope: &Scope,
        parent: &AreaId,
        limit: u64,
        offset: u64,
    ) -> Result<Page<AreaRow>, StoreError> {
        let base = area_base()
            .and_where(Expr::col((Alias::new("a"), Alias::new("parent_id"))).eq(parent.as_str()))
            .and_where(area_in_scope((Alias::new("a"), Alias::new("id")), scope))
            .to_owned();
        let stmt = with_columns(base.clone())
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        paged(&self.db, &base, &stmt, limit, offset).await
    }

    /// Areas whose name has a word starting with the query, diacritics and case ignored
    /// ("lai chau", "LAI CHÂU" and "Lai Châu" find the same units), or whose code is the query.
    /// An index range scan on the terms table: no full scan, whatever the number of units.
    pub async fn search_areas(
        &self,
        scope: &Scope,
        query: &str,
        structure: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<Page<AreaRow>, StoreError> {
        let key = search_key(query);
        if key.is_empty() {
            return Ok(Page {
                items: vec![],
                total: 0,
                limit,
                offset,
            });
        }
        // Terms hold only [a-z0-9 ]; '~' sorts after all of them.
        let upper = format!("{key}~");
        // The matching terms; within a scope, joined to the closure so that the planner can
        // start from whichever side is smaller (a province's subtree, or a rare prefix).
        let mut matching = Query::select()
            .column((Alias::new("t"), Alias::new("area_id")))
            .from_as("area_terms", "t")
            .and_where(Expr::col((Alias::new("t"), Alias::new("term"))).gte(key.as_str()))
            .and_where(Expr::col((Alias::new("t"), Alias::new("term"))).lt(upper.as_str()))
            .to_owned();
        if !scope.is_everywhere() {
            let roots: Vec<String> = scope
                .roots()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect();
            matching
                .join_as(
                    JoinType::InnerJoin,
                    "area_closure",
                    "c",
                    Expr::cust("c.descendant_id = t.area_id"),
                )
                .and_where(Expr::col((Alias::new("c"), Alias::new("ancestor_id"))).is_in(roots));
        }
        let mut base = area_base()
            .and_where(Expr::col((Alias::new("a"), Alias::new("id"))).in_subquery(matching))
            .to_owned();
        if let Some(s) = structure {
            base.and_where(Expr::col((Alias::new("a"), Alias::new("structure"))).eq(s));
        }
        let stmt = with_columns(base.clone())
            .order_by_expr(
                Expr::cust("CASE a.level WHEN 'country' THEN 0 WHEN 'province' THEN 1 WHEN 'district' THEN 2 WHEN 'ward' THEN 3 ELSE 4 END"),
                Order::Asc,
            )
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .limit(limit)
            .offset(offset)
            .to_owned();
        paged(&self.db, &base, &stmt, limit, offset).await
    }

    /// The names of these areas (unknown ids are left out). Public facts: no scope.
    pub async fn area_names(
        &self,
        ids: &[String],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(400) {
            let stmt = Query::select()
                .columns(["id", "name"])
                .from("areas")
                .and_where(Expr::col("id").is_in(chunk.iter().cloned()))
                .to_owned();
            for r in self.db.query_all(&stmt).await? {
                out.insert(r.try_get("", "id")?, r.try_get("", "name")?);
            }
        }
        Ok(out)
    }

    /// The structural ancestors of an area, from the top down (not including the area).
    pub async fn ancestors(&self, id: &AreaId) -> Result<Vec<AreaBrief>, StoreError> {
        let stmt = Query::select()
            .columns([
                (Alias::new("a"), Alias::new("id")),
                (Alias::new("a"), Alias::new("name")),
                (Alias::new("a"), Alias::new("level")),
            ])
            .from_as("area_closure", "c")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "a",
                Expr::cust("a.id = c.ancestor_id"),
            )
            .and_where(Expr::col((Alias::new("c"), Alias::new("descendant_id"))).eq(id.as_str()))
            .and_where(Expr::col((Alias::new("c"), Alias::new("via_mapping"))).eq(false))
            .and_where(Expr::col((Alias::new("c"), Alias::new("depth"))).gt(0))
            .order_by((Alias::new("c"), Alias::new("depth")), Order::Desc)
            .to_owned();
        Ok(
            AreaBrief::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The 2025 merger as it touches a ward: where an old ward went, or what a new ward took in.
    pub async fn ward_mapping(&self, id: &AreaId) -> Result<Vec<MappingLink>, StoreError> {
        let stmt = Query::select()
            .columns([
                (Alias::new("m"), Alias::new("old_area_id")),
                (Alias::new("m"), Alias::new("new_area_id")),
                (Alias::new("m"), Alias::new("kind")),
            ])
            .expr_as(Expr::cust("o.name"), "old_name")
            .expr_as(Expr::cust("n.name"), "new_name")
            .from_as("ward_mapping", "m")
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "o",
                Expr::cust("o.id = m.old_area_id"),
            )
            .join_as(
                JoinType::InnerJoin,
                "areas",
                "n",
                Expr::cust("n.id = m.new_area_id"),
            )
            .cond_where(
                Expr::col((Alias::new("m"), Alias::new("old_area_id")))
                    .eq(id.as_str())
                    .or(Expr::col((Alias::new("m"), Alias::new("new_area_id"))).eq(id.as_str())),
            )
            .order_by((Alias::new("o"), Alias::new("sort_key")), Order::Asc)
            .order_by((Alias::new("n"), Alias::new("sort_key")), Order::Asc)
            .to_owned();
        Ok(
            MappingLink::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Enters a village (thôn, bản, tổ dân phố …) under a ward or another village within the
    /// scope. One transaction: the area, its closure rows, its search terms and the audit entry.
    pub async fn add_village(
        &self,
        scope: &Scope,
        who: &Who,
        parent: &AreaId,
        name: &str,
        kind: &str,
    ) -> Result<AreaRow, StoreError> {
        let name = parse_area_name(name)?;
        let kind = match chongdich_domain::text::clean(kind) {
            k if k.is_empty() => "Thôn".to_owned(),
            k if k.chars().count() > 40 => {
                return Err(
                    chongdich_domain::Invalid::field("kind", "loại dài quá 40 ký tự").into(),
                );
            }
            k => k,
        };
        let parent_row = self.area(scope, parent).await.map_err(|_| {
            chongdich_domain::Invalid::field(
                "parent_id",
                "không có địa bàn cấp trên này trong phạm vi của bạn",
            )
        })?;
        if !matches!(parent_row.level(), AreaLevel::Ward | AreaLevel::Village) {
            return Err(chongdich_domain::Invalid::field(
                "parent_id",
                "thôn/bản/tổ dân phố chỉ nhập dưới một xã/phường",
            )
            .into());
        }
        let now = self.clock.now();
        let who = who.clone();
        let parent = parent.clone();
        let owned = self.write().await?;
        let txn = &owned;
        let id = {
            let duplicate = txn
                .query_one(
                    &Query::select()
                        .column("id")
                        .from("areas")
                        .and_where(Expr::col("parent_id").eq(parent.as_str()))
                        .and_where(Expr::col("search_key").eq(search_key(&name)))
                        .to_owned(),
                )
                .await?;
            if duplicate.is_some() {
                return Err(StoreError::Conflict(format!(
                    "\"{name}\" đã có trong {}",
                    parent_row.name
                )));
            }
            let seq = txn
                .query_one(
                    &Query::insert()
                        .into_table("settings")
                        .columns(["key", "value"])
                        .values_panic(["village_seq".into(), "1".into()])
                        .on_conflict(
                            sea_orm::sea_query::OnConflict::column("key")
                                .value(
                                    "value",
                                    Expr::cust("CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)"),
                                )
                                .to_owned(),
                        )
                        .returning_col("value")
                        .to_owned(),
                )
                .await?
                .ok_or(StoreError::NotFound("bộ đếm"))?;
            let n: i64 = seq
                .try_get::<String>("", "value")?
                .parse()
                .map_err(|_| sea_orm::DbErr::Custom("village_seq is not a number".into()))?;
            let id = AreaId::entered(n);
            txn.execute(
                &Query::insert()
                    .into_table("areas")
                    .columns([
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
                        "created_at",
                        "created_by",
                    ])
                    .values_panic([
                        id.as_str().into(),
                        parent_row.structure.clone().into(),
                        AreaLevel::Village.as_str().into(),
                        Option::<String>::None.into(),
                        name.clone().into(),
                        kind.clone().into(),
                        parent_row.id.clone().into(),
                        parent_row.province_code.clone().into(),
                        search_key(&name).into(),
                        sort_key(&name).into(),
                        parent_row.valid_from.into(),
                        parent_row.valid_to.into(),
                        now.into(),
                        who.user_id.into(),
                    ])
                    .to_owned(),
            )
            .await
            .map_err(|e| match e.sql_err() {
                // Two requests racing with one name: the index decides.
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                    StoreError::Conflict(format!("\"{name}\" đã có trong {}", parent_row.name))
                }
                _ => StoreError::Db(e),
            })?;
            txn.execute(
                &Query::insert()
                    .into_table("area_closure")
                    .columns(["ancestor_id", "descendant_id", "depth", "via_mapping"])
                    .select_from(
                        Query::select()
                            .column("ancestor_id")
                            .expr(Expr::val(id.as_str()))
                            .expr(Expr::col("depth").add(1))
                            .column("via_mapping")
                            .from("area_closure")
                            .and_where(Expr::col("descendant_id").eq(parent.as_str()))
                            .to_owned(),
                    )
                    .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
                    .to_owned(),
            )
            .await?;
            txn.execute(
                &Query::insert()
                    .into_table("area_closure")
                    .columns(["ancestor_id", "descendant_id", "depth", "via_mapping"])
                    .values_panic([
                        id.as_str().into(),
                        id.as_str().into(),
                        0.into(),
                        false.into(),
                    ])
                    .to_owned(),
            )
            .await?;
            for term in terms(&name, None) {
                txn.execute(
                    &Query::insert()
                        .into_table("area_terms")
                        .columns(["term", "area_id"])
                        .values_panic([term.into(), id.as_str().into()])
                        .to_owned(),
                )
                .await?;
            }
            audit::append(
                txn,
                &who,
                now,
                &AuditEvent::new(AuditAction::Create, "area", Some(id.to_string()))
                    .in_area(id.as_str())
                    .with_detail(format!("{kind} {name}")),
            )
            .await?;
            id
        };
        owned.commit().await?;
        self.area(scope, &id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_word_suffixes_and_code() {
        assert_eq!(
            terms("Tỉnh Lai Châu", Some("12")),
            ["12", "chau", "lai chau", "tinh lai chau"]
        );
    }
}

/// A ward or village offered in a picker: its id and "Ward — District".
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct PlaceOption {
    pub id: String,
    pub label: String,
}

impl Store {
    /// Wards and villages within the scope in the structure in force on `on`, in Vietnamese
    /// order of district then ward, at most `limit` (pickers of a province fit; a national
    /// scope falls back to typing the id).
    pub async fn place_options(
        &self,
        scope: &Scope,
        on: NaiveDate,
        limit: u64,
    ) -> Result<Vec<PlaceOption>, StoreError> {
        let structure = chongdich_domain::area::Structure::in_force_on(on);
        let stmt = Query::select()
            .expr_as(Expr::cust("a.id"), "id")
            .expr_as(
                Expr::cust("a.name || ' — ' || COALESCE(p.name, '')"),
                "label",
            )
            .from_as("areas", "a")
            .join_as(
                JoinType::LeftJoin,
                "areas",
                "p",
                Expr::cust("p.id = a.parent_id"),
            )
            .and_where(Expr::col((Alias::new("a"), Alias::new("level"))).is_in(["ward", "village"]))
            .and_where(
                Expr::col((Alias::new("a"), Alias::new("structure")))
                    .eq(structure.as_str())
                    .or(Expr::col((Alias::new("a"), Alias::new("structure"))).is_null()),
            )
            .and_where(area_in_scope((Alias::new("a"), Alias::new("id")), scope))
            .order_by((Alias::new("p"), Alias::new("sort_key")), Order::Asc)
            .order_by((Alias::new("a"), Alias::new("sort_key")), Order::Asc)
            .limit(limit)
            .to_owned();
        Ok(
            PlaceOption::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}
