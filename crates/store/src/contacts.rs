//! Contacts: exposures between people, the F-levels derived from them (stored in
//! `person_flevels`, recomputed around every change), and the graph of a chain.
//!
//! Recomputation is local: after a change around person P, the exposures within
//! 2 × max_level hops of P are loaded (every path of length ≤ max_level from a person within
//! max_level hops of P lies inside), levels are derived by [`flevel::derive`], and the stored
//! levels of the people within max_level hops of P are replaced. Active F0s end every path
//! (nobody is an F2 "through" an F0), so the search does not expand past them — except past
//! the people of the change themselves (a discarded F0 must release its contacts). This keeps
//! the neighbourhood to a few dozen exposures where a national dataset would otherwise load
//! tens of thousands (measured: confirming a case with 50 contacts went from 562 to 12 ms p50
//! on PostgreSQL with 10 million people).

use crate::audit::{self, Who};
use crate::persons::insert_person;
use crate::{Store, StoreError};
use chongdich_domain::Invalid;
use chongdich_domain::access::Scope;
use chongdich_domain::audit::{AuditAction, AuditEvent};
use chongdich_domain::case::{CaseDates, Classification};
use chongdich_domain::exposure::ExposureInput;
use chongdich_domain::flevel::{self, ActiveCase, Exposure};
use chongdich_domain::person::PersonInput;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Cond, Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Ids per `IN (…)` list.
const CHUNK: usize = 500;
/// A safety bound on the neighbourhood loaded for one recomputation.
const MAX_EDGES: usize = 500_000;

/// The exposed side of a new contact: someone already registered, or a new person.
#[derive(Debug, Clone)]
pub enum Exposed {
    Existing(i64),
    New(Box<PersonInput>),
}

#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct ContactRow {
    pub exposure_id: i64,
    pub disease_id: i64,
    pub source_person_id: i64,
    pub exposed_person_id: i64,
    /// The other person (not the one whose contacts are listed).
    pub other_id: i64,
    pub other_name: String,
    pub other_level: Option<i32>,
    pub other_is_case: bool,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    pub setting: String,
    pub proximity: String,
    pub certainty: String,
    pub duration_minutes: Option<i32>,
    pub notes: String,
}

/// A person's derived F-level for one disease, and why.
#[derive(Debug, Clone, PartialEq, FromQueryResult, Serialize)]
pub struct FlevelRow {
    pub person_id: i64,
    pub disease_id: i64,
    pub level: i32,
    pub via_person_id: i64,
    pub via_name: String,
    pub root_person_id: i64,
    pub root_name: String,
    pub exposure_id: i64,
    pub exposed_on: NaiveDate,
}

/// A node of a drawn chain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainNode {
    pub person_id: i64,
    pub full_name: String,
    /// 0 for an active F0, 1..=5 for F-levels, None otherwise.
    pub level: Option<u8>,
    pub case_id: Option<i64>,
    pub case_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainEdge {
    pub source: i64,
    pub exposed: i64,
    pub first_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Chain {
    pub nodes: Vec<ChainNode>,
    pub edges: Vec<ChainEdge>,
    /// True when the graph was cut at the node limit.
    pub truncated: bool,
}

#[derive(FromQueryResult)]
struct EdgeRow {
    id: i64,
    source_person_id: i64,
    exposed_person_id: i64,
    first_date: NaiveDate,
    last_date: NaiveDate,
}

#[derive(FromQueryResult)]
struct ActiveRow {
    person_id: i64,
    onset_date: Option<NaiveDate>,
    sample_date: Option<NaiveDate>,
    confirmed_date: Option<NaiveDate>,
    isolated_on: Option<NaiveDate>,
}

#[derive(FromQueryResult)]
struct AreaOf {
    id: i64,
    area_id: String,
    province_code: Option<String>,
}

/// Diseases with an exposure or a case involving any of these people.
pub(crate) async fn diseases_touching<C: ConnectionTrait>(
    db: &C,
    persons: &[i64],
) -> Result<BTreeSet<i64>, StoreError> {
    let mut out = BTreeSet::new();
    for stmt in [
        Query::select()
            .distinct()
            .column("disease_id")
            .from("exposures")
            .cond_where(
                Cond::any()
                    .add(Expr::col("source_person_id").is_in(persons.to_vec()))
                    .add(Expr::col("exposed_person_id").is_in(persons.to_vec())),
            )
            .to_owned(),
        Query::select()
            .distinct()
            .column("disease_id")
            .from("cases")
            .and_where(Expr::col("person_id").is_in(persons.to_vec()))
            .to_owned(),
    ] {
        for r in db.query_all(&stmt).await? {
            out.insert(r.try_get::<i64>("", "disease_id")?);
        }
    }
    Ok(out)
}

/// Exposures of a disease touching any of `persons`, within the window.
async fn edges_around<C: ConnectionTrait>(
    db: &C,
    disease_id: i64,
    persons: &[i64],
    since: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<Exposure>, StoreError> {
    let mut out = Vec::new();
    for chunk in persons.chunks(CHUNK) {
        let stmt = Query::select()
            .columns([
                "id",
                "source_person_id",
                "exposed_person_id",
                "first_date",
                "last_date",
            ])
            .from("exposures")
            .and_where(Expr::col("disease_id").eq(disease_id))
            .and_where(Expr::col("last_date").gte(since))
            .and_where(Expr::col("first_date").lte(today))
            .cond_where(
                Cond::any()
                    .add(Expr::col("source_person_id").is_in(chunk.to_vec()))
                    .add(Expr::col("exposed_person_id").is_in(chunk.to_vec())),
            )
            .to_owned();
        for r in EdgeRow::find_by_statement(db.get_database_backend().build(&stmt))
            .all(db)
            .await?
        {
            out.push(Exposure {
                id: r.id,
                source: r.source_person_id,
                exposed: r.exposed_person_id,
                first: r.first_date,
                last: r.last_date,
            });
        }
    }
    Ok(out)
}

impl Store {
    /// Recomputes the stored F-levels of `disease_id` around `around` (see the module doc).
    /// Runs inside the caller's transaction so a change and its consequences land together.
    pub(crate) async fn recompute_flevels<C: ConnectionTrait>(
        &self,
        txn: &C,
        disease_id: i64,
        around: &[i64],
    ) -> Result<(), StoreError> {
        let rules = self.disease(disease_id).await?;
        let today = self.clock.today();
        let Some(params) = rules.params_on(today).cloned() else {
            return Ok(());
        };
        let max = std::cmp::min(params.max_f_level, 5);
        let since = today - Duration::days(i64::from(params.contact_window_days));
        // Load the neighbourhood: 2 × max hops.
        let f0: Vec<String> = params
            .f0_classifications
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        // Active F0s are endpoints of every path, never steps: the neighbourhood is
        // not expanded beyond them (except from the people of the change themselves).
        let mut seen: BTreeSet<i64> = around.iter().copied().collect();
        let mut frontier: Vec<i64> = around.to_vec();
        let mut edges: BTreeMap<i64, Exposure> = BTreeMap::new();
        let mut cases = Vec::new();
        let mut f0_people: BTreeSet<i64> = BTreeSet::new();
        let mut fresh: Vec<i64> = around.to_vec();
        for round in 0..=(2 * u32::from(std::cmp::max(max, 1))) {
            // The active F0s among the people just reached.
            for chunk in fresh.chunks(CHUNK) {
                let stmt = Query::select()
                    .columns([
                        "person_id",
                        "onset_date",
                        "sample_date",
                        "confirmed_date",
                        "isolated_on",
                    ])
                    .from("cases")
                    .and_where(Expr::col("disease_id").eq(disease_id))
                    .and_where(Expr::col("classification").is_in(f0.clone()))
                    .and_where(Expr::col("person_id").is_in(chunk.to_vec()))
                    .to_owned();
                for r in ActiveRow::find_by_statement(txn.get_database_backend().build(&stmt))
                    .all(txn)
                    .await?
                {
                    let dates = CaseDates {
                        onset: r.onset_date,
                        sample: r.sample_date,
                        confirmed: r.confirmed_date,
                        isolated: r.isolated_on,
                    };
                    if let Some(from) = dates.infectious_from(params.infectious_days_before_onset) {
                        f0_people.insert(r.person_id);
                        cases.push(ActiveCase {
                            person: r.person_id,
                            infectious_from: from,
                            isolated_on: r.isolated_on,
                        });
                    }
                }
            }
            if round == 2 * u32::from(std::cmp::max(max, 1)) {
                break;
            }
            if round > 0 {
                frontier = fresh
                    .iter()
                    .copied()
                    .filter(|p| !f0_people.contains(p))
                    .collect();
            }
            if frontier.is_empty() || edges.len() > MAX_EDGES {
                break;
            }
            let found = edges_around(txn, disease_id, &frontier, since, today).await?;
            let mut next = Vec::new();
            for e in found {
                for p in [e.source, e.exposed] {
                    if seen.insert(p) {
                        next.push(p);
                    }
                }
                edges.insert(e.id, e);
            }
            fresh = next;
        }
        let edges: Vec<Exposure> = edges.into_values().collect();
        let derived = if max == 0 {
            BTreeMap::new()
        } else {
            flevel::derive(&cases, &edges, &params.flevel(), today)
        };
        // The people whose level may change are reached from the change through
        // people who are not F0s.
        let mut neighbours: std::collections::HashMap<i64, Vec<i64>> =
            std::collections::HashMap::new();
        for e in edges.iter().filter(|e| e.source != e.exposed) {
            neighbours.entry(e.source).or_default().push(e.exposed);
            neighbours.entry(e.exposed).or_default().push(e.source);
        }
        let mut affected: BTreeSet<i64> = around.iter().copied().collect();
        let mut queue: std::collections::VecDeque<(i64, u8)> =
            around.iter().map(|a| (*a, 0u8)).collect();
        while let Some((person, distance)) = queue.pop_front() {
            if distance >= std::cmp::max(max, 1) || (distance > 0 && f0_people.contains(&person)) {
                continue;
            }
            for &next in neighbours.get(&person).map(Vec::as_slice).unwrap_or(&[]) {
                if affected.insert(next) {
                    queue.push_back((next, distance + 1));
                }
            }
        }
        self.store_flevels(txn, disease_id, &affected, &derived)
            .await
    }

    /// Replaces the stored F-levels of `affected` people with `derived`.
    pub(crate) async fn store_flevels<C: ConnectionTrait>(
        &self,
        txn: &C,
        disease_id: i64,
        affected: &BTreeSet<i64>,
        derived: &BTreeMap<i64, flevel::Derived>,
    ) -> Result<(), StoreError> {
        let now: DateTime<Utc> = self.clock.now();
        let affected: Vec<i64> = affected.iter().copied().collect();
        for chunk in affected.chunks(CHUNK) {
            txn.execute(
                &Query::delete()
                    .from_table("person_flevels")
                    .and_where(Expr::col("disease_id").eq(disease_id))
                    .and_where(Expr::col("person_id").is_in(chunk.to_vec()))
                    .to_owned(),
            )
            .await?;
            let keep: Vec<i64> = chunk
                .iter()
                .copied()
                .filter(|p| derived.contains_key(p))
                .collect();
            if keep.is_empty() {
                continue;
            }
            let areas = AreaOf::find_by_statement(
                txn.get_database_backend().build(
                    &Query::select()
                        .columns(["id", "area_id", "province_code"])
                        .from("persons")
                        .and_where(Expr::col("id").is_in(keep.clone()))
                        .to_owned(),
                ),
            )
            .all(txn)
            .await?;
            let mut insert = Query::insert()
                .into_table("person_flevels")
                .columns([
                    "person_id",
                    "disease_id",
                    "level",
                    "via_person_id",
                    "root_person_id",
                    "exposure_id",
                    "exposed_on",
                    "province_code",
                    "area_id",
                    "updated_at",
                ])
                .to_owned();
            let mut any = false;
            for a in areas {
                let Some(d) = derived.get(&a.id) else {
                    continue;
                };
                insert.values_panic([
                    a.id.into(),
                    disease_id.into(),
                    i32::from(d.level).into(),
                    d.via.into(),
                    d.root.into(),
                    d.exposure_id.into(),
                    d.exposed_on.into(),
                    a.province_code.into(),
                    a.area_id.into(),
                    now.into(),
                ]);
                any = true;
            }
            if any {
                txn.execute(&insert).await?;
            }
        }
        Ok(())
    }

    /// Records that `exposed` was in contact with `source` for a disease, creating the exposed
    /// person if new; F-levels around both are recomputed in the same transaction. Returns the
    /// exposure's id and the exposed person's id.
    pub async fn add_exposure(
        &self,
        scope: &Scope,
        who: &Who,
        disease_id: i64,
        source_id: i64,
        exposed: &Exposed,
        input: &ExposureInput,
    ) -> Result<(i64, i64), StoreError> {
        let source = self.person_row(scope, source_id).await.map_err(|e| {
            e.not_found_as(
                "source_person_id",
                format!("không có người nguồn #{source_id} trong phạm vi của bạn"),
            )
        })?;
        if source.merged_into.is_some() {
            return Err(Invalid::field("source_person_id", "hồ sơ người nguồn đã được gộp").into());
        }
        match exposed {
            Exposed::Existing(id) if *id == source_id => {
                return Err(Invalid::field(
                    "exposed_person_id",
                    "một người không tiếp xúc với chính mình",
                )
                .into());
            }
            Exposed::Existing(id) => {
                if let Err(StoreError::NotFound(_)) = self.person_row(scope, *id).await {
                    return Err(Invalid::field(
                        "exposed_person_id",
                        format!("không có người #{id} trong phạm vi của bạn"),
                    )
                    .into());
                }
            }
            Exposed::New(p) => self.check_area(scope, &p.area_id).await?,
        }
        let now = self.clock.now();
        let txn = self.write().await?;
        let exposed_id = match exposed {
            Exposed::Existing(id) => *id,
            Exposed::New(p) => insert_person(&txn, who, now, p).await?,
        };
        let id = insert_exposure(&txn, who, now, disease_id, &source, exposed_id, input).await?;
        self.recompute_flevels(&txn, disease_id, &[source_id, exposed_id])
            .await?;
        txn.commit().await?;
        Ok((id, exposed_id))
    }

    /// A person's contacts (both directions) for every disease, most recent first.
    pub async fn contacts_of(
        &self,
        scope: &Scope,
        person_id: i64,
    ) -> Result<Vec<ContactRow>, StoreError> {
        self.person_row(scope, person_id).await?;
        let other = format!(
            "CASE WHEN e.source_person_id = {person_id} THEN e.exposed_person_id ELSE e.source_person_id END"
        );
        let stmt = Query::select()
            .expr_as(Expr::cust("e.id"), "exposure_id")
            .columns(
                ["disease_id", "source_person_id", "exposed_person_id", "first_date", "last_date", "setting", "proximity", "certainty", "duration_minutes", "notes"]
                    .map(|c| (Alias::new("e"), Alias::new(c))),
            )
            .expr_as(Expr::cust("o.id"), "other_id")
            .expr_as(Expr::cust("o.full_name"), "other_name")
            .expr_as(Expr::cust("f.level"), "other_level")
            .expr_as(
                Expr::cust(
                    "EXISTS (SELECT 1 FROM cases c WHERE c.person_id = o.id AND c.disease_id = e.disease_id AND c.classification = 'confirmed')",
                ),
                "other_is_case",
            )
            .from_as("exposures", "e")
            .join_as(JoinType::InnerJoin, "persons", "o", Expr::cust(format!("o.id = {other}")))
            .join_as(
                JoinType::LeftJoin,
                "person_flevels",
                "f",
                Expr::cust("f.person_id = o.id AND f.disease_id = e.disease_id"),
            )
            .cond_where(
                Cond::any()
                    .add(Expr::col((Alias::new("e"), Alias::new("source_person_id"))).eq(person_id))
                    .add(Expr::col((Alias::new("e"), Alias::new("exposed_person_id"))).eq(person_id)),
            )
            .order_by((Alias::new("e"), Alias::new("last_date")), Order::Desc)
            .order_by((Alias::new("e"), Alias::new("id")), Order::Asc)
            .limit(1000)
            .to_owned();
        Ok(
            ContactRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// A person's F-levels, with the person one step nearer the F0 and the F0 itself.
    pub async fn flevels_of(&self, person_id: i64) -> Result<Vec<FlevelRow>, StoreError> {
        let stmt = Query::select()
            .columns(
                [
                    "person_id",
                    "disease_id",
                    "level",
                    "via_person_id",
                    "root_person_id",
                    "exposure_id",
                    "exposed_on",
                ]
                .map(|c| (Alias::new("f"), Alias::new(c))),
            )
            .expr_as(Expr::cust("v.full_name"), "via_name")
            .expr_as(Expr::cust("r.full_name"), "root_name")
            .from_as("person_flevels", "f")
            .join_as(
                JoinType::InnerJoin,
                "persons",
                "v",
                Expr::cust("v.id = f.via_person_id"),
            )
            .join_as(
                JoinType::InnerJoin,
                "persons",
                "r",
                Expr::cust("r.id = f.root_person_id"),
            )
            .and_where(Expr::col((Alias::new("f"), Alias::new("person_id"))).eq(person_id))
            .to_owned();
        Ok(
            FlevelRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// People whose F-level runs through `person_id` (their `via`): "who is F1/F2 of whom".
    pub async fn held_by(
        &self,
        scope: &Scope,
        person_id: i64,
        disease_id: i64,
    ) -> Result<Vec<FlevelRow>, StoreError> {
        let stmt = Query::select()
            .columns(
                [
                    "person_id",
                    "disease_id",
                    "level",
                    "via_person_id",
                    "root_person_id",
                    "exposure_id",
                    "exposed_on",
                ]
                .map(|c| (Alias::new("f"), Alias::new(c))),
            )
            .expr_as(Expr::cust("p.full_name"), "via_name")
            .expr_as(Expr::cust("r.full_name"), "root_name")
            .from_as("person_flevels", "f")
            .join_as(
                JoinType::InnerJoin,
                "persons",
                "p",
                Expr::cust("p.id = f.person_id"),
            )
            .join_as(
                JoinType::InnerJoin,
                "persons",
                "r",
                Expr::cust("r.id = f.root_person_id"),
            )
            .and_where(Expr::col((Alias::new("f"), Alias::new("via_person_id"))).eq(person_id))
            .and_where(Expr::col((Alias::new("f"), Alias::new("disease_id"))).eq(disease_id))
            .and_where(crate::scope::area_in_scope(
                (Alias::new("f"), Alias::new("area_id")),
                scope,
            ))
            .order_by((Alias::new("f"), Alias::new("level")), Order::Asc)
            .order_by((Alias::new("p"), Alias::new("sort_key")), Order::Asc)
            .limit(2000)
            .to_owned();
        Ok(
            FlevelRow::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?,
        )
    }

    /// The graph around some people for one disease: exposures up to `hops` steps away (all
    /// dates), at most `max_nodes` people; F-levels and confirmed cases marked.
    pub async fn chain(
        &self,
        disease_id: i64,
        start: &[i64],
        hops: u8,
        max_nodes: usize,
    ) -> Result<Chain, StoreError> {
        let far_past = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
        let far_future = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
        let mut seen: BTreeSet<i64> = start.iter().copied().collect();
        let mut frontier: Vec<i64> = start.to_vec();
        let mut edges: BTreeMap<i64, Exposure> = BTreeMap::new();
        let mut truncated = false;
        for _ in 0..hops {
            if frontier.is_empty() {
                break;
            }
            let mut next = Vec::new();
            for e in edges_around(&self.db, disease_id, &frontier, far_past, far_future).await? {
                let mut fits = true;
                for p in [e.source, e.exposed] {
                    if !seen.contains(&p) {
                        if seen.len() >= max_nodes {
                            fits = false;
                            truncated = true;
                        } else {
                            seen.insert(p);
                            next.push(p);
                        }
                    }
                }
                if fits {
                    edges.insert(e.id, e);
                }
            }
            frontier = next;
        }
        self.chain_of(disease_id, &seen, edges.into_values().collect(), truncated)
            .await
    }

    /// Names, levels and cases of a set of people, with the given exposures among them.
    pub(crate) async fn chain_of(
        &self,
        disease_id: i64,
        people: &BTreeSet<i64>,
        edges: Vec<Exposure>,
        truncated: bool,
    ) -> Result<Chain, StoreError> {
        #[derive(FromQueryResult)]
        struct N {
            id: i64,
            full_name: String,
            level: Option<i32>,
            case_id: Option<i64>,
            case_code: Option<String>,
            classification: Option<String>,
        }
        let ids: Vec<i64> = people.iter().copied().collect();
        let mut nodes = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(CHUNK) {
            let stmt = Query::select()
                .expr_as(Expr::cust("p.id"), "id")
                .expr_as(Expr::cust("p.full_name"), "full_name")
                .expr_as(Expr::cust("f.level"), "level")
                .expr_as(Expr::cust("c.id"), "case_id")
                .expr_as(Expr::cust("c.case_code"), "case_code")
                .expr_as(Expr::cust("c.classification"), "classification")
                .from_as("persons", "p")
                .join_as(
                    JoinType::LeftJoin,
                    "person_flevels",
                    "f",
                    Expr::cust(format!("f.person_id = p.id AND f.disease_id = {disease_id}")),
                )
                .join_as(
                    JoinType::LeftJoin,
                    "cases",
                    "c",
                    Expr::cust(format!(
                        "c.id = (SELECT MAX(c2.id) FROM cases c2 WHERE c2.person_id = p.id AND c2.disease_id = {disease_id})"
                    )),
                )
                .and_where(Expr::col((Alias::new("p"), Alias::new("id"))).is_in(chunk.to_vec()))
                .to_owned();
            for n in N::find_by_statement(self.db.get_database_backend().build(&stmt))
                .all(&self.db)
                .await?
            {
                let is_f0 = n.classification.as_deref() == Some(Classification::Confirmed.as_str());
                nodes.push(ChainNode {
                    person_id: n.id,
                    full_name: n.full_name,
                    level: if is_f0 {
                        Some(0)
                    } else {
                        n.level.and_then(|l| u8::try_from(l).ok())
                    },
                    case_id: n.case_id,
                    case_code: n.case_code,
                });
            }
        }
        nodes.sort_by_key(|n| n.person_id);
        let edges = edges
            .into_iter()
            .map(|e| ChainEdge {
                source: e.source,
                exposed: e.exposed,
                first_date: e.first,
            })
            .collect();
        Ok(Chain {
            nodes,
            edges,
            truncated,
        })
    }
}

/// Writes an exposure of `exposed_id` to `source` within the caller's transaction, audited; the
/// caller recomputes the F-levels.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_exposure<C: ConnectionTrait>(
    txn: &C,
    who: &Who,
    now: DateTime<Utc>,
    disease_id: i64,
    source: &crate::persons::PersonRow,
    exposed_id: i64,
    input: &ExposureInput,
) -> Result<i64, StoreError> {
    let source_id = source.id;
    let row = txn
        .query_one(
            &Query::insert()
                .into_table("exposures")
                .columns([
                    "province_code",
                    "disease_id",
                    "source_person_id",
                    "exposed_person_id",
                    "first_date",
                    "last_date",
                    "setting",
                    "proximity",
                    "duration_minutes",
                    "certainty",
                    "notes",
                    "created_at",
                    "created_by",
                ])
                .values_panic([
                    source.province_code.clone().into(),
                    disease_id.into(),
                    source_id.into(),
                    exposed_id.into(),
                    input.first_date.into(),
                    input.last_date.into(),
                    input.setting.as_str().into(),
                    input.proximity.as_str().into(),
                    input.duration_minutes.into(),
                    input.certainty.as_str().into(),
                    input.notes.clone().into(),
                    now.into(),
                    who.username.clone().into(),
                ])
                .returning_col("id")
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound("tiếp xúc"))?;
    let id: i64 = row.try_get("", "id")?;
    audit::append(
        txn,
        who,
        now,
        &AuditEvent::new(AuditAction::Create, "exposure", Some(id.to_string()))
            .in_area(source.area_id.clone())
            .with_detail(format!(
                "#{source_id} → #{exposed_id}, {}",
                input.first_date.format("%d/%m/%Y")
            )),
    )
    .await?;
    Ok(id)
}
