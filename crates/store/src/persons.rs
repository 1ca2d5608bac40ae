//! People: one record however many roles a person plays (case, contact, returnee …), found by
//! ID number, phone, or name ignoring diacritics; duplicates are offered before a new record is
//! made, and two records can be merged later with both histories kept.

use crate::areas::Page;
use crate::audit::{self, Who};
use crate::scope::area_in_scope;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::area::AreaId;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::person::{Birth, PersonInput, dedup_key};
use chongdich_domain::text::{search_key, sort_key};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{
    Alias, Cond, Expr, ExprTrait, JoinType, Order, Query, SelectStatement, SimpleExpr,
};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct PersonRow {
    pub id: i64,
    pub area_id: String,
    pub area_name: String,
    pub province_code: Option<String>,
    pub street: String,
    pub full_name: String,
    pub id_kind: Option<String>,
    pub id_number: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub birth_year: Option<i32>,
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub nationality: String,
    pub occupation: String,
    pub workplace: String,
    pub merged_into: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PersonRow {
    /// Date of birth for the screen: dd/mm/yyyy, or the year alone.
    pub fn birth_display(&self) -> String {
        match (self.birth_date, self.birth_year) {
            (Some(d), _) => d.format("%d/%m/%Y").to_string(),
            (None, Some(y)) => y.to_string(),
            _ => String::new(),
        }
    }
}

/// Filters of the people list.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// A name (any order of given name and family name, diacritics ignored), an ID number or a
    /// phone number.
    pub q: String,
    pub area: Option<AreaId>,
    /// Only people at this F-level of `disease_id`.
    pub f_level: Option<u8>,
    pub disease_id: Option<i64>,
}

/// The search key with the given name (last word) first: "nguyen van hung" → "hung nguyen van",
/// so that people are found by the name they are called by.
pub fn given_key(key: &str) -> String {
    match key.rsplit_once(' ') {
        Some((rest, last)) => format!("{last} {rest}"),
        None => key.to_owned(),
    }
}

/// The result of asking to create a person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Created {
    New(Box<PersonRow>),
    /// Records that may be the same person; nothing was written.
    Candidates(Vec<PersonRow>),
}

pub(crate) fn select_persons() -> SelectStatement {
    Query::select()
        .columns(
            [
                "id",
                "area_id",
                "province_code",
                "street",
                "full_name",
                "id_kind",
                "id_number",
                "birth_date",
                "birth_year",
                "sex",
                "phone",
                "nationality",
                "occupation",
                "workplace",
                "merged_into",
                "created_at",
                "updated_at",
            ]
            .map(|c| (Alias::new("p"), Alias::new(c))),
        )
        .expr_as(Expr::cust("a.name"), "area_name")
        .from_as("persons", "p")
        .join_as(
            JoinType::InnerJoin,
            "areas",
            "a",
            Expr::cust("a.id = p.area_id"),
        )
        .to_owned()
}

pub(crate) fn person_values(
    input: &PersonInput,
    province: Option<String>,
) -> Vec<(&'static str, sea_orm::Value)> {
    let key = input.name_key();
    let (birth_date, birth_year) = match input.birth {
        Some(Birth::Date(d)) => (
            Some(d),
            Some(d.format("%Y").to_string().parse::<i32>().unwrap_or(0)),
        ),
        Some(Birth::Year(y)) => (None, Some(y)),
        None => (None, None),
    };
    vec![
        ("province_code", province.into()),
        ("area_id", input.area_id.as_str().to_owned().into()),
        ("street", input.street.clone().into()),
        ("full_name", input.full_name.clone().into()),
        ("search_key", key.clone().into()),
        ("given_key", given_key(&key).into()),
        ("sort_key", sort_key(&given_key(&input.full_name)).into()),
        (
            "id_kind",
            input.id.as_ref().map(|d| d.kind.as_str().to_owned()).into(),
        ),
        (
            "id_number",
            input.id.as_ref().map(|d| d.number.clone()).into(),
        ),
        ("birth_date", birth_date.into()),
        ("birth_year", birth_year.into()),
        ("sex", input.sex.map(|s| s.as_str().to_owned()).into()),
        (
            "phone",
            input.phone.as_ref().map(|p| p.as_str().to_owned()).into(),
        ),
        ("nationality", input.nationality.clone().into()),
        ("occupation", input.occupation.clone().into()),
        ("workplace", input.workplace.clone().into()),
        ("dedup_key", dedup_key(&key, birth_year).into()),
    ]
}

/// Inserts a person within a transaction (used by the people, contacts and import paths).
pub(crate) async fn insert_person<C: ConnectionTrait>(
    txn: &C,
    who: &Who,
    now: DateTime<Utc>,
    input: &PersonInput,
) -> Result<i64, StoreError> {
    let province = crate::province_of(txn, input.area_id.as_str()).await?;
    let mut values = person_values(input, province);
    values.push(("created_at", now.into()));
    values.push(("updated_at", now.into()));
    let row = txn
        .query_one(
            &Query::insert()
                .into_table("persons")
                .columns(values.iter().map(|(c, _)| Alias::new(*c)))
                .values_panic(values.into_iter().map(|(_, v)| v.into()))
                .returning_col("id")
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("người"))?;
    let id: i64 = row.try_get("", "id")?;
    audit::append(
        txn,
        who,
        now,
        &AuditEvent::new(AuditAction::Create, "person", Some(id.to_string()))
            .in_area(input.area_id.as_str())
            .with_detail(input.full_name.clone()),
    )
    .await?;
    Ok(id)
}

/// The condition of a name search: the full key or the given-name-first key starts with `q`.
/// The two keys a name is searched by: the full name in order, and the given name first.
const NAME_KEYS: [&str; 2] = ["search_key", "given_key"];

/// `col` starts with the prefix `q` (a range, so that the index on `col` is used).
fn key_starts_with(col: &'static str, q: &str) -> SimpleExpr {
    let c = || Expr::col((Alias::new("p"), Alias::new(col)));
    c().gte(q).and(c().lt(format!("{q}~")))
}

/// Digits of a query that looks like an ID or phone number (spaces, dots, `+84` allowed).
fn as_number(q: &str) -> Option<String> {
    let t: String = q
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let t = t.strip_prefix("+84").map(|r| format!("0{r}")).unwrap_or(t);
    (t.len() >= 6
        && t.chars().all(|c| c.is_ascii_alphanumeric())
        && t.chars().any(|c| c.is_ascii_digit()))
    .then(|| t.to_uppercase())
}

impl Store {
    /// People who may be the one described: same ID number, same phone, or same name and birth
    /// year ignoring diacritics. Only records within the scope are offered.
    pub async fn person_candidates(
        &self,
        scope: &Scope,
        input: &PersonInput,
    ) -> Result<Vec<PersonRow>, StoreError> {
        let mut any = Cond::any();
        if let Some(doc) = &input.id {
            any = any
                .add(Expr::col((Alias::new("p"), Alias::new("id_number"))).eq(doc.number.clone()));
        }
        if let Some(phone) = &input.phone {
            any = any.add(Expr::col((Alias::new("p"), Alias::new("phone"))).eq(phone.as_str()));
        }
        if let Some(k) = dedup_key(&input.name_key(), input.birth_year()) {
            any = any.add(Expr::col((Alias::new("p"), Alias::new("dedup_key"))).eq(k));
        }
        if any.is_empty() {
            return Ok(vec![]);
        }
        let stmt = select_persons()
            .cond_where(any)
            .and_where(Expr::col((Alias::new("p"), Alias::new("merged_into"))).is_null())
            .and_where(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                scope,
            ))
            .order_by((Alias::new("p"), Alias::new("id")), Order::Asc)
            .limit(20)
            .to_owned();
        Ok(
            PersonRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// Creates a person unless records that may be the same person exist; with `confirm_new`,
    /// creates it anyway (the user looked at the candidates and said it is someone else).
    pub async fn create_person(
        &self,
        scope: &Scope,
        who: &Who,
        input: &PersonInput,
        confirm_new: bool,
    ) -> Result<Created, StoreError> {
        self.check_area(scope, &input.area_id).await?;
        if !confirm_new {
            let c = self.person_candidates(scope, input).await?;
            if !c.is_empty() {
                return Ok(Created::Candidates(c));
            }
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let id = insert_person(&txn, who, now, input).await?;
        txn.commit().await?;
        Ok(Created::New(Box::new(self.person_row(scope, id).await?)))
    }

    /// Refuses an area outside the scope, naming the field.
    pub(crate) async fn check_area(&self, scope: &Scope, area: &AreaId) -> Result<(), StoreError> {
        if self.area_in_scope(scope, area).await? {
            Ok(())
        } else {
            Err(Invalid::field("area_id", "địa bàn không có hoặc nằm ngoài phạm vi của bạn").into())
        }
    }

    /// One person, without auditing (for internal use after a write).
    pub(crate) async fn person_row(&self, scope: &Scope, id: i64) -> Result<PersonRow, StoreError> {
        let stmt = select_persons()
            .and_where(Expr::col((Alias::new("p"), Alias::new("id"))).eq(id))
            .and_where(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                scope,
            ))
            .to_owned();
        PersonRow::find_by_statement(self.db.get_database_backend().build(&stmt))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound("người"))
    }

    /// One person's record; the read is audited.
    pub async fn person(&self, scope: &Scope, who: &Who, id: i64) -> Result<PersonRow, StoreError> {
        let p = self.person_row(scope, id).await?;
        self.audit(
            who,
            AuditEvent::new(AuditAction::View, "person", Some(id.to_string()))
                .in_area(p.area_id.clone()),
        )
        .await?;
        Ok(p)
    }

    /// People within the scope, by name / ID / phone, area and F-level. The total is counted up
    /// to 10,000 (a national table holds millions; "10.000+" is what a screen needs).
    /// The search itself is audited (who looked for whom).
    pub async fn persons(
        &self,
        scope: &Scope,
        who: &Who,
        f: &PersonFilter,
        limit: u64,
        offset: u64,
    ) -> Result<Page<PersonRow>, StoreError> {
        // The conditions, shared by the page query and the count.
        let mut filters = Cond::all()
            .add(Expr::col((Alias::new("p"), Alias::new("merged_into"))).is_null())
            .add(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                scope,
            ));
        let q = f.q.trim();
        let mut name_key = None;
        if !q.is_empty() {
            if let Some(n) = as_number(q) {
                filters = filters.add(
                    Cond::any()
                        .add(Expr::col((Alias::new("p"), Alias::new("id_number"))).eq(n.clone()))
                        .add(Expr::col((Alias::new("p"), Alias::new("phone"))).eq(n)),
                );
            } else {
                let key = search_key(q);
                if !key.is_empty() {
                    name_key = Some(key);
                }
            }
        }
        if let Some(area) = &f.area {
            filters = filters.add(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                &Scope::of([area.clone()]),
            ));
        }
        if let Some(level) = f.f_level {
            let mut sub = Query::select()
                .column("person_id")
                .from("person_flevels")
                .and_where(Expr::col("level").eq(i32::from(level)))
                .to_owned();
            if let Some(d) = f.disease_id {
                sub.and_where(Expr::col("disease_id").eq(d));
            }
            filters = filters.add(Expr::col((Alias::new("p"), Alias::new("id"))).in_subquery(sub));
        }
        let (total, items) = match &name_key {
            Some(key) => {
                // The provinces of the scope, stated so that the per-province indexes are used.
                if let Some(codes) = self.scope_provinces(scope).await? {
                    filters = filters.add(
                        Expr::col((Alias::new("p"), Alias::new("province_code"))).is_in(codes),
                    );
                }
                (
                    self.count_by_name(&filters, key, 10_000).await?,
                    self.persons_by_name(
                        &select_persons().cond_where(filters).to_owned(),
                        key,
                        limit,
                        offset,
                    )
                    .await?,
                )
            }
            None => {
                let mut stmt = select_persons().cond_where(filters).to_owned();
                let total = crate::count_capped(&self.db, &stmt, 10_000).await?;
                stmt.order_by((Alias::new("p"), Alias::new("id")), Order::Desc)
                    .limit(limit)
                    .offset(offset);
                let items =
                    PersonRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                        .all(&self.db)
                        .await?;
                (total, items)
            }
        };
        if !q.is_empty() {
            self.audit(
                who,
                AuditEvent::new(AuditAction::View, "person_search", None)
                    .with_detail(format!("tìm \"{q}\": {} kết quả", items.len())),
            )
            .await?;
        }
        Ok(Page {
            items,
            total,
            limit,
            offset,
        })
    }

    /// How many people match a name, up to `cap` + 1: the ids of each key's range, read from its
    /// index alone (an OR of the two would visit every matching row), counted once.
    async fn count_by_name(&self, filters: &Cond, key: &str, cap: u64) -> Result<i64, StoreError> {
        let mut ids = std::collections::HashSet::new();
        for col in NAME_KEYS {
            let stmt = Query::select()
                .column((Alias::new("p"), Alias::new("id")))
                .from_as("persons", "p")
                .cond_where(filters.clone())
                .and_where(key_starts_with(col, key))
                .limit(cap + 1)
                .to_owned();
            for r in self.db.query_all(&stmt).await? {
                ids.insert(r.try_get::<i64>("", "id")?);
            }
        }
        Ok(ids.len().min(cap as usize + 1) as i64)
    }

    /// The province codes a scope lies within (None: the whole country is in it).
    async fn scope_provinces(&self, scope: &Scope) -> Result<Option<Vec<String>>, StoreError> {
        if scope.is_everywhere() {
            return Ok(None);
        }
        let mut codes = Vec::new();
        for root in scope.roots() {
            match crate::province_of(&self.db, root.as_str()).await? {
                Some(c) => codes.push(c),
                None => return Ok(None),
            }
        }
        codes.sort();
        codes.dedup();
        Ok(Some(codes))
    }

    /// One page of the people whose name starts with `key`, in either order, sorted by the key
    /// that matched (the earlier one if both did), then area and id.
    ///
    /// `search_key OR given_key` cannot walk one index, and on 10 million people PostgreSQL then
    /// sorts every match (17 s p99). Instead each key is its own range scan in its own index's
    /// order, stopping at `offset + limit` rows, and the two short lists are merged here. Any row
    /// of the merged page is within the first `offset + limit` rows of the scan of the key it sorts
    /// by, so the page is exact.
    async fn persons_by_name(
        &self,
        filtered: &SelectStatement,
        key: &str,
        limit: u64,
        offset: u64,
    ) -> Result<Vec<PersonRow>, StoreError> {
        let mut found: Vec<(String, PersonRow)> = Vec::new();
        for col in NAME_KEYS {
            let stmt = filtered
                .clone()
                .expr_as(Expr::col((Alias::new("p"), Alias::new(col))), "match_key")
                .and_where(key_starts_with(col, key))
                .order_by((Alias::new("p"), Alias::new(col)), Order::Asc)
                .order_by((Alias::new("p"), Alias::new("area_id")), Order::Asc)
                .order_by((Alias::new("p"), Alias::new("id")), Order::Asc)
                .limit(offset + limit)
                .to_owned();
            for r in self.db.query_all(&stmt).await? {
                found.push((
                    r.try_get("", "match_key")?,
                    PersonRow::from_query_result(&r, "")?,
                ));
            }
        }
        // The order of the indexes: key, area, id (a total order, so the merge is exact).
        found.sort_by(|a, b| (&a.0, &a.1.area_id, a.1.id).cmp(&(&b.0, &b.1.area_id, b.1.id)));
        let mut seen = std::collections::HashSet::new();
        Ok(found
            .into_iter()
            .filter(|(_, r)| seen.insert(r.id))
            .skip(offset as usize)
            .take(limit as usize)
            .map(|(_, r)| r)
            .collect())
    }

    /// Corrects a person's record.
    pub async fn update_person(
        &self,
        scope: &Scope,
        who: &Who,
        id: i64,
        input: &PersonInput,
    ) -> Result<PersonRow, StoreError> {
        let before = self.person_row(scope, id).await?;
        if before.merged_into.is_some() {
            return Err(StoreError::Conflict(
                "hồ sơ đã được gộp vào hồ sơ khác".into(),
            ));
        }
        self.check_area(scope, &input.area_id).await?;
        let now = self.clock.now();
        let txn = self.write().await?;
        let province = crate::province_of(&txn, input.area_id.as_str()).await?;
        let mut q = Query::update();
        q.table("persons");
        for (c, v) in person_values(input, province) {
            q.value(Alias::new(c), v);
        }
        q.value("updated_at", now).and_where(Expr::col("id").eq(id));
        txn.execute(&q).await?;
        txn.execute(
            &Query::update()
                .table("person_flevels")
                .value("area_id", input.area_id.as_str())
                .and_where(Expr::col("person_id").eq(id))
                .to_owned(),
        )
        .await?;
        audit::append(
            &txn,
            who,
            now,
            &AuditEvent::new(AuditAction::Update, "person", Some(id.to_string()))
                .in_area(input.area_id.as_str())
                .with_detail(input.full_name.clone()),
        )
        .await?;
        txn.commit().await?;
        self.person_row(scope, id).await
    }

    /// Merges `merged` into `kept`: cases, samples and exposures move to the kept record, the
    /// merged record is kept (marked `merged_into`) with a snapshot, so both histories remain.
    /// F-levels of the kept person are recomputed for every disease it touches.
    pub async fn merge_persons(
        &self,
        scope: &Scope,
        who: &Who,
        kept: i64,
        merged: i64,
    ) -> Result<PersonRow, StoreError> {
        if kept == merged {
            return Err(Invalid::field("merged_id", "không thể gộp một hồ sơ với chính nó").into());
        }
        let k = self.person_row(scope, kept).await?;
        let m = self.person_row(scope, merged).await.map_err(|e| {
            e.not_found_as("merged_id", "hồ sơ cần gộp không có hoặc ngoài phạm vi")
        })?;
        if k.merged_into.is_some() || m.merged_into.is_some() {
            return Err(Invalid::field("merged_id", "hồ sơ đã được gộp trước đó").into());
        }
        let now = self.clock.now();
        let snapshot =
            serde_json::to_string(&m).map_err(|e| StoreError::Internal(e.to_string()))?;
        let txn = self.write().await?;
        for (table, col) in [
            ("cases", "person_id"),
            ("samples", "person_id"),
            ("exposures", "source_person_id"),
            ("exposures", "exposed_person_id"),
        ] {
            txn.execute(
                &Query::update()
                    .table(Alias::new(table))
                    .value(Alias::new(col), kept)
                    .and_where(Expr::col(Alias::new(col)).eq(merged))
                    .to_owned(),
            )
            .await?;
        }
        txn.execute(
            &Query::update()
                .table("persons")
                .value("merged_into", kept)
                .value("updated_at", now)
                .and_where(Expr::col("id").eq(merged))
                .to_owned(),
        )
        .await?;
        txn.execute(
            &Query::insert()
                .into_table("person_merges")
                .columns(["kept_id", "merged_id", "snapshot", "at", "by_user"])
                .values_panic([
                    kept.into(),
                    merged.into(),
                    snapshot.into(),
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
            &AuditEvent::new(AuditAction::Merge, "person", Some(kept.to_string()))
                .in_area(k.area_id.clone())
                .with_detail(format!(
                    "gộp hồ sơ #{merged} ({}) vào #{kept} ({})",
                    m.full_name, k.full_name
                )),
        )
        .await?;
        let diseases = crate::contacts::diseases_touching(&txn, &[kept, merged]).await?;
        for d in diseases {
            self.recompute_flevels(&txn, d, &[kept, merged]).await?;
        }
        txn.commit().await?;
        self.person_row(scope, kept).await
    }

    /// Records merged into a person (to show "this record absorbed …").
    pub async fn merged_into(
        &self,
        scope: &Scope,
        kept: i64,
    ) -> Result<Vec<PersonRow>, StoreError> {
        let stmt = select_persons()
            .and_where(Expr::col((Alias::new("p"), Alias::new("merged_into"))).eq(kept))
            .and_where(area_in_scope(
                (Alias::new("p"), Alias::new("area_id")),
                scope,
            ))
            .to_owned();
        Ok(
            PersonRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_name_first() {
        assert_eq!(given_key("nguyen van hung"), "hung nguyen van");
        assert_eq!(given_key("hung"), "hung");
    }

    #[test]
    fn numbers_are_recognised() {
        assert_eq!(as_number("0912 345 678").as_deref(), Some("0912345678"));
        assert_eq!(as_number("+84912345678").as_deref(), Some("0912345678"));
        assert_eq!(as_number("012087000123").as_deref(), Some("012087000123"));
        assert_eq!(as_number("b1234567").as_deref(), Some("B1234567"));
        assert_eq!(as_number("nguyen"), None);
        assert_eq!(as_number("hùng 12"), None);
    }
}
