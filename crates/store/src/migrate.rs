//! The schema's history. Migrations are append-only: an applied migration is never edited;
//! a change is a new migration at the end of [`MIGRATIONS`].
//!
//! Each migration is built with sea-query's schema builder for the engine at hand, so one
//! definition serves SQLite and PostgreSQL. Columns that hold machine keys (`search`/`sort`
//! keys, closure ids) are declared `COLLATE "C"` on PostgreSQL so that range scans and ORDER BY
//! compare bytes exactly as SQLite does.

use crate::StoreError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, ForeignKeyCreateStatement, Index, Query, Table,
    TableCreateStatement,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    up: fn(DbBackend) -> Vec<Statement>,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "areas, users, sessions, tokens, audit, agencies, population",
        up: m0001_foundation,
    },
    Migration {
        version: 2,
        name: "one village of a name per ward",
        up: m0002_unique_village_names,
    },
    Migration {
        version: 3,
        name: "accounts searchable without diacritics",
        up: m0003_user_search_key,
    },
    Migration {
        version: 4,
        name: "surveillance: diseases, rule sets, people, cases, contacts, outbreaks, tests",
        up: m0004_surveillance,
    },
    Migration {
        version: 5,
        name: "name search walks one index per key, counts from the index alone",
        up: m0005_person_name_indexes,
    },
    Migration {
        version: 6,
        name: "risk levels: rule sets, inputs, assessments, publication, measures",
        up: m0006_risk,
    },
    Migration {
        version: 7,
        name: "directives: documents, tasks, inspections, hotline, returnees, notifications",
        up: m0007_directives,
    },
    Migration {
        version: 8,
        name: "quarantine facilities: rooms, stays",
        up: m0008_quarantine_facilities,
    },
    Migration {
        version: 9,
        name: "quarantine orders, daily check-ins, violations, returnee batches, imports",
        up: m0009_quarantine_orders,
    },
    Migration {
        version: 10,
        name: "escalated tasks are open: they count as overdue and are reminded",
        up: m0010_escalated_tasks_open,
    },
];

fn date(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().not_null().to_owned()
}

fn date_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).date().null().to_owned()
}

fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).integer().null().to_owned()
}

fn flag(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).boolean().not_null().to_owned()
}

fn index(
    name: &str,
    table: &'static str,
    cols: &[&'static str],
) -> sea_orm::sea_query::IndexCreateStatement {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(*c);
    }
    i
}

/// Large tables (people, cases, exposures, samples) carry `province_code` so the schema can be
/// sharded by province; every row also names its area for scoping.
fn m0004_surveillance(b: DbBackend) -> Vec<Statement> {
    let tables: Vec<TableCreateStatement> = vec![
        Table::create()
            .table("diseases")
            .col(id("id"))
            .col(key(b, "code", false).unique_key())
            .col(text("name"))
            .col(text_null("icd10"))
            .col(ts("created_at"))
            .to_owned(),
        Table::create()
            .table("rule_sets")
            .col(id("id"))
            .col(big("disease_id"))
            .col(ColumnDef::new("version").integer().not_null())
            .col(text("name"))
            .col(text("source"))
            .col(date("valid_from"))
            .col(date_null("valid_to"))
            .col(text("params"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("rule_sets", "disease_id"), ("diseases", "id")))
            .to_owned(),
        Table::create()
            .table("persons")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(text("street"))
            .col(text("full_name"))
            .col(key(b, "search_key", false))
            .col(key(b, "given_key", false))
            .col(key(b, "sort_key", false))
            .col(text_null("id_kind"))
            .col(key(b, "id_number", true))
            .col(date_null("birth_date"))
            .col(int_null("birth_year"))
            .col(text_null("sex"))
            .col(key(b, "phone", true))
            .col(text("nationality"))
            .col(text("occupation"))
            .col(text("workplace"))
            .col(key(b, "dedup_key", true))
            .col(big_null("merged_into"))
            .col(ts("created_at"))
            .col(ts("updated_at"))
            .foreign_key(&mut fk(("persons", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("person_merges")
            .col(id("id"))
            .col(big("kept_id"))
            .col(big("merged_id"))
            .col(text("snapshot"))
            .col(ts("at"))
            .col(text("by_user"))
            .to_owned(),
        Table::create()
            .table("outbreaks")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(big("disease_id"))
            .col(key(b, "area_id", false))
            .col(text("name"))
            .col(key(b, "search_key", false))
            .col(text("place"))
            .col(text("setting"))
            .col(date("started_on"))
            .col(date_null("ended_on"))
            .col(ts("created_at"))
            .foreign_key(&mut fk(("outbreaks", "area_id"), ("areas", "id")))
            .foreign_key(&mut fk(("outbreaks", "disease_id"), ("diseases", "id")))
            .to_owned(),
        Table::create()
            .table("outbreak_zones")
            .col(id("id"))
            .col(big("outbreak_id"))
            .col(key(b, "area_id", false))
            .col(text("kind"))
            .col(text("description"))
            .col(date("starts_on"))
            .col(date_null("ends_on"))
            .col(ts("created_at"))
            .foreign_key(&mut fk(
                ("outbreak_zones", "outbreak_id"),
                ("outbreaks", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("cases")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(big("person_id"))
            .col(big("disease_id"))
            .col(key(b, "case_code", true))
            .col(text("classification"))
            .col(date_null("onset_date"))
            .col(date_null("sample_date"))
            .col(date_null("confirmed_date"))
            .col(date_null("isolated_on"))
            .col(date("curve_date"))
            .col(text("found_in"))
            .col(flag("source_known"))
            .col(text("setting"))
            .col(text("treatment_place"))
            .col(text("outcome"))
            .col(date_null("outcome_date"))
            .col(flag("illegal_entry"))
            .col(big_null("outbreak_id"))
            .col(text("notes"))
            .col(ts("created_at"))
            .col(ts("updated_at"))
            .foreign_key(&mut fk(("cases", "person_id"), ("persons", "id")))
            .foreign_key(&mut fk(("cases", "disease_id"), ("diseases", "id")))
            .foreign_key(&mut fk(("cases", "outbreak_id"), ("outbreaks", "id")))
            .to_owned(),
        Table::create()
            .table("case_events")
            .col(id("id"))
            .col(big("case_id"))
            .col(ts("at"))
            .col(date("on_date"))
            .col(text_null("from_class"))
            .col(text("to_class"))
            .col(text("reason"))
            .col(text("by_user"))
            .foreign_key(&mut fk(("case_events", "case_id"), ("cases", "id")))
            .to_owned(),
        Table::create()
            .table("exposures")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(big("disease_id"))
            .col(big("source_person_id"))
            .col(big("exposed_person_id"))
            .col(date("first_date"))
            .col(date("last_date"))
            .col(text("setting"))
            .col(text("proximity"))
            .col(int_null("duration_minutes"))
            .col(text("certainty"))
            .col(text("notes"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(
                ("exposures", "source_person_id"),
                ("persons", "id"),
            ))
            .foreign_key(&mut fk(
                ("exposures", "exposed_person_id"),
                ("persons", "id"),
            ))
            .foreign_key(&mut fk(("exposures", "disease_id"), ("diseases", "id")))
            .to_owned(),
        Table::create()
            .table("person_flevels")
            .col(big("person_id"))
            .col(big("disease_id"))
            .col(ColumnDef::new("level").integer().not_null())
            .col(big("via_person_id"))
            .col(big("root_person_id"))
            .col(big("exposure_id"))
            .col(date("exposed_on"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(ts("updated_at"))
            .primary_key(Index::create().col("person_id").col("disease_id"))
            .to_owned(),
        Table::create()
            .table("labs")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(text("name"))
            .col(ColumnDef::new("capacity_per_day").integer().not_null())
            .col(ts("created_at"))
            .foreign_key(&mut fk(("labs", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("samples")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(big("person_id"))
            .col(big_null("case_id"))
            .col(big("disease_id"))
            .col(text("kind"))
            .col(text("reason"))
            .col(int_null("pool_size"))
            .col(text_null("pool_code"))
            .col(date("taken_on"))
            .col(big_null("lab_id"))
            .col(text("symptoms"))
            .col(text("result"))
            .col(date_null("result_on"))
            .col(ColumnDef::new("ct").double().null())
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("samples", "person_id"), ("persons", "id")))
            .foreign_key(&mut fk(("samples", "lab_id"), ("labs", "id")))
            .to_owned(),
    ];
    let mut indexes = vec![
        index("rule_sets_version", "rule_sets", &["disease_id", "version"])
            .unique()
            .to_owned(),
        // Replaced by migration 5.
        index("persons_search", "persons", &["search_key"]),
        index("persons_given", "persons", &["given_key"]),
        index("outbreaks_area", "outbreaks", &["area_id"]),
        index("zones_outbreak", "outbreak_zones", &["outbreak_id"]),
        index("person_merges_kept", "person_merges", &["kept_id"]),
    ];
    indexes.extend(m0004_bulk_indexes());
    let mut out: Vec<Statement> = tables.iter().map(|t| b.build(t)).collect();
    out.extend(indexes.iter().map(|i| b.build(i)));
    out
}

/// The key is filled by `Store::migrate` for accounts that existed before (a Rust function,
/// since removing diacritics is not portable SQL).
fn m0003_user_search_key(b: DbBackend) -> Vec<Statement> {
    vec![
        b.build(
            &Table::alter()
                .table("users")
                .add_column(ColumnDef::new("search_key").text().not_null().default(""))
                .to_owned(),
        ),
    ]
}

/// The secondary indexes of migration 4 on the tables a bulk load fills.
fn m0004_bulk_indexes() -> Vec<sea_orm::sea_query::IndexCreateStatement> {
    vec![
        index("persons_id_number", "persons", &["id_number"]),
        index("persons_phone", "persons", &["phone"]),
        index("persons_dedup", "persons", &["dedup_key"]),
        index("persons_area", "persons", &["area_id", "sort_key"]),
        index("cases_person", "cases", &["person_id"]),
        index("cases_outbreak", "cases", &["outbreak_id"]),
        index("cases_area", "cases", &["area_id"]),
        index("cases_curve", "cases", &["disease_id", "curve_date"]),
        index("cases_code", "cases", &["case_code"]),
        index("case_events_case", "case_events", &["case_id"]),
        index("exposures_source", "exposures", &["source_person_id"]),
        index("exposures_exposed", "exposures", &["exposed_person_id"]),
        index("flevels_level", "person_flevels", &["disease_id", "level"]),
        index("flevels_via", "person_flevels", &["via_person_id"]),
        index("flevels_root", "person_flevels", &["root_person_id"]),
        index("flevels_area", "person_flevels", &["area_id"]),
        index("samples_person", "samples", &["person_id"]),
        index("samples_lab", "samples", &["lab_id", "taken_on"]),
        index("samples_area", "samples", &["area_id", "taken_on"]),
    ]
}

/// The secondary indexes of migration 6 on the tables a bulk load fills: cases by
/// confirmation day, for the country's window and for one province's.
fn m0006_bulk_indexes() -> Vec<sea_orm::sea_query::IndexCreateStatement> {
    vec![
        index(
            "cases_confirmed",
            "cases",
            &["disease_id", "confirmed_date"],
        ),
        index(
            "cases_province_confirmed",
            "cases",
            &["province_code", "disease_id", "confirmed_date"],
        ),
    ]
}

/// Every secondary index of the tables a bulk load fills, as the migrations build them, as
/// `(name, statement)`. A large load drops them first and builds each once at its end
/// (`Store::bulk_start`, `Store::bulk_finish`): kept up row by row they more than halve the
/// load's speed, while building one over 10 million rows takes seconds. `Store::migrate` builds
/// any that is missing (a load that failed halfway).
pub(crate) fn bulk_indexes(b: DbBackend) -> Vec<(String, Statement)> {
    let built = m0004_bulk_indexes()
        .into_iter()
        .chain(m0006_bulk_indexes())
        .map(|mut i| {
            let name = i.get_index_spec().get_name().unwrap_or_default().to_owned();
            (name, b.build(i.if_not_exists()))
        });
    PERSON_NAME_INDEXES
        .iter()
        .map(|(name, sql)| ((*name).to_owned(), Statement::from_string(b, *sql)))
        .chain(built)
        .collect()
}

/// Name search is two range scans, one per key, each in its own index order (see
/// `Store::persons`). Only unmerged records are searched, and the scope is checked on the area,
/// so each index is partial and carries `area_id` and `id`: pages and counts are answered from
/// the index. A province's users search within their province's part of the key range (the
/// `province_code` indexes): a common prefix ("nguyen thi h", 155,000 people nationally) then
/// costs the province's matches, not the country's. Same SQL on both engines.
fn m0005_person_name_indexes(b: DbBackend) -> Vec<Statement> {
    ["DROP INDEX persons_search", "DROP INDEX persons_given"]
        .into_iter()
        .chain(PERSON_NAME_INDEXES.iter().map(|(_, sql)| *sql))
        .map(|sql| Statement::from_string(b, sql))
        .collect()
}

/// The name-search indexes of `persons` (migration 5), by name; part of [`bulk_indexes`].
pub(crate) const PERSON_NAME_INDEXES: [(&str, &str); 4] = [
    (
        "persons_search",
        "CREATE INDEX IF NOT EXISTS persons_search ON persons (search_key, area_id, id) WHERE merged_into IS NULL",
    ),
    (
        "persons_given",
        "CREATE INDEX IF NOT EXISTS persons_given ON persons (given_key, area_id, id) WHERE merged_into IS NULL",
    ),
    (
        "persons_search_province",
        "CREATE INDEX IF NOT EXISTS persons_search_province ON persons (province_code, search_key, area_id, id) WHERE merged_into IS NULL",
    ),
    (
        "persons_given_province",
        "CREATE INDEX IF NOT EXISTS persons_given_province ON persons (province_code, given_key, area_id, id) WHERE merged_into IS NULL",
    ),
];

/// Risk levels of areas. `risk_published` holds, per unit, the level in force and the next one
/// approved but not yet in force (a change announced 48 hours ahead), so the public page reads
/// one row per unit whatever the length of the history (`risk_results`).
fn m0006_risk(b: DbBackend) -> Vec<Statement> {
    let dbl = |n: &'static str| ColumnDef::new(n).double().null().to_owned();
    let tables = [
        Table::create()
            .table("risk_rule_sets")
            .col(key(b, "id", false))
            .col(ColumnDef::new("version").integer().not_null())
            .col(text("name"))
            .col(date("valid_from"))
            .col(date_null("valid_to"))
            .col(text("body"))
            .col(flag("shipped"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .primary_key(Index::create().col("id").col("version"))
            .to_owned(),
        Table::create()
            .table("risk_assessments")
            .col(id("id"))
            .col(key(b, "area_id", false))
            .col(text_null("province_code"))
            .col(key(b, "rule_set_id", false))
            .col(ColumnDef::new("rule_version").integer().not_null())
            .col(date("as_of"))
            .col(text("status"))
            .col(ts("computed_at"))
            .col(text("computed_by"))
            .col(ColumnDef::new("unit_count").integer().not_null())
            .col(ColumnDef::new("changed_count").integer().not_null())
            .col(text_null("decision_no"))
            .col(text_null("approved_by"))
            .col(ts_null("approved_at"))
            .col(ts_null("effective_at"))
            .to_owned(),
        Table::create()
            .table("risk_results")
            .col(big("assessment_id"))
            .col(key(b, "area_id", false))
            .col(text_null("province_code"))
            .col(text("unit_level"))
            .col(text("level"))
            .col(text("colour"))
            .col(text("computed_level"))
            .col(text("override_reason"))
            .col(text_null("previous_level"))
            .col(text("reasons"))
            .primary_key(Index::create().col("assessment_id").col("area_id"))
            .foreign_key(&mut fk(
                ("risk_results", "assessment_id"),
                ("risk_assessments", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("risk_published")
            .col(key(b, "area_id", false).primary_key())
            .col(text_null("province_code"))
            .col(text("unit_level"))
            .col(key(b, "rule_set_id", false))
            .col(text("level"))
            .col(text("colour"))
            .col(ts("since"))
            .col(big("assessment_id"))
            .col(text_null("next_level"))
            .col(text_null("next_colour"))
            .col(ts_null("next_effective_at"))
            .col(big_null("next_assessment_id"))
            .col(key(b, "next_rule_set_id", true))
            .to_owned(),
        Table::create()
            .table("area_neighbours")
            .col(key(b, "area_id", false))
            .col(key(b, "neighbour_id", false))
            .col(text("source"))
            .primary_key(Index::create().col("area_id").col("neighbour_id"))
            .to_owned(),
        Table::create()
            .table("area_coverage")
            .col(key(b, "area_id", false))
            .col(date("as_of"))
            .col(dbl("first_dose_18plus"))
            .col(dbl("full_dose_65plus"))
            .col(dbl("full_dose_all"))
            .col(text("source"))
            .col(ts("updated_at"))
            .col(text("updated_by"))
            .primary_key(Index::create().col("area_id").col("as_of"))
            .to_owned(),
        Table::create()
            .table("area_capacity")
            .col(key(b, "area_id", false))
            .col(date("as_of"))
            .col(flag("met"))
            .col(text("note"))
            .col(ts("updated_at"))
            .col(text("updated_by"))
            .primary_key(Index::create().col("area_id").col("as_of"))
            .to_owned(),
        Table::create()
            .table("area_facts")
            .col(id("id"))
            .col(key(b, "area_id", false))
            .col(text("kind"))
            .col(date("valid_from"))
            .col(date_null("valid_to"))
            .col(text("note"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .to_owned(),
        Table::create()
            .table("risk_measures_added")
            .col(id("id"))
            .col(key(b, "area_id", false))
            .col(key(b, "rule_set_id", false))
            .col(text("level"))
            .col(text("category"))
            .col(text("text"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .to_owned(),
        Table::create()
            .table("area_shapes")
            .col(key(b, "area_id", false).primary_key())
            .col(text("geojson"))
            .col(ts("updated_at"))
            .col(text("updated_by"))
            .to_owned(),
    ];
    let indexes = [
        index(
            "risk_assessments_area",
            "risk_assessments",
            &["area_id", "as_of"],
        ),
        index("risk_results_area", "risk_results", &["area_id"]),
        index(
            "risk_published_province",
            "risk_published",
            &["province_code"],
        ),
        index("area_neighbours_back", "area_neighbours", &["neighbour_id"]),
        index("area_facts_area", "area_facts", &["area_id"]),
        index("risk_measures_area", "risk_measures_added", &["area_id"]),
    ];
    let indexes: Vec<_> = indexes.into_iter().chain(m0006_bulk_indexes()).collect();
    let mut out: Vec<Statement> = tables.iter().map(|t| b.build(t)).collect();
    out.extend(indexes.iter().map(|i| b.build(i)));
    out.push(
        b.build(
            &Table::alter()
                .table("populations")
                .add_column(
                    ColumnDef::new("estimated")
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        ),
    );
    out
}

/// Documents and what they assign (tasks with their agencies, reports and attachments),
/// inspections and their findings, the hotline's reports, returnee records made from them, and
/// the notification outbox that an e-mail or SMS gateway drains. Tables that grow with the
/// province's activity carry `province_code`.
fn m0007_directives(b: DbBackend) -> Vec<Statement> {
    let int = |n: &'static str| ColumnDef::new(n).integer().not_null().to_owned();
    let tables = [
        Table::create()
            .table("documents")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(text("kind"))
            .col(text_null("number"))
            .col(key(b, "number_key", true))
            .col(text_null("issuer"))
            .col(text_null("place"))
            .col(int_null("date_year"))
            .col(int_null("date_month"))
            .col(int_null("date_day"))
            .col(text_null("subject"))
            .col(key(b, "search_key", false))
            .col(text("recipients"))
            .col(text("distribution"))
            .col(text_null("signer_name"))
            .col(text_null("signer_authority"))
            .col(text_null("signer_title"))
            .col(text("body"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("documents", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("document_references")
            .col(id("id"))
            .col(big("document_id"))
            .col(int("position"))
            .col(text("kind"))
            .col(text_null("number"))
            .col(key(b, "number_key", true))
            .col(text_null("issuer"))
            .col(int_null("date_year"))
            .col(int_null("date_month"))
            .col(int_null("date_day"))
            .col(big_null("referenced_id"))
            .foreign_key(&mut fk(
                ("document_references", "document_id"),
                ("documents", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("tasks")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(big_null("document_id"))
            .col(text_null("item_path"))
            .col(text("title"))
            .col(key(b, "search_key", false))
            .col(date_null("deadline"))
            .col(text("status"))
            .col(int("progress"))
            .col(text("source"))
            .col(big_null("escalated_to"))
            .col(text_null("escalation_reason"))
            .col(ts_null("escalated_at"))
            .col(ts_null("done_at"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .col(ts("updated_at"))
            .foreign_key(&mut fk(("tasks", "area_id"), ("areas", "id")))
            .foreign_key(&mut fk(("tasks", "document_id"), ("documents", "id")))
            .to_owned(),
        Table::create()
            .table("task_agencies")
            .col(id("id"))
            .col(big("task_id"))
            .col(text("role"))
            .col(big_null("agency_id"))
            .col(text("name"))
            // The task's province, area, deadline and status, copied so that overdue tasks
            // are counted by agency from one index (kept in step by every status change).
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(date_null("deadline"))
            .col(text("status"))
            .foreign_key(&mut fk(("task_agencies", "task_id"), ("tasks", "id")))
            .to_owned(),
        Table::create()
            .table("task_reports")
            .col(id("id"))
            .col(big("task_id"))
            .col(text("body"))
            .col(int_null("progress"))
            .col(text_null("status"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("task_reports", "task_id"), ("tasks", "id")))
            .to_owned(),
        Table::create()
            .table("task_attachments")
            .col(id("id"))
            .col(big("report_id"))
            .col(big("task_id"))
            .col(text("file_name"))
            .col(text("content_type"))
            .col(ColumnDef::new("size").big_integer().not_null())
            .col(ColumnDef::new("data").blob().not_null())
            .col(ts("created_at"))
            .foreign_key(&mut fk(
                ("task_attachments", "report_id"),
                ("task_reports", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("notifications")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(text("channel"))
            .col(text("recipient"))
            .col(text("subject"))
            .col(text("body"))
            .col(key(b, "dedup_key", true).unique_key())
            .col(big_null("task_id"))
            .col(ts("created_at"))
            .col(ts_null("sent_at"))
            .to_owned(),
        Table::create()
            .table("inspections")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(key(b, "by_area_id", false))
            .col(text("title"))
            .col(text("scope_text"))
            .col(date("planned_on"))
            .col(text("status"))
            .col(big_null("lead_agency_id"))
            .col(text("team"))
            .col(text("record"))
            .col(date_null("done_on"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .col(ts("updated_at"))
            .foreign_key(&mut fk(("inspections", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("inspection_findings")
            .col(id("id"))
            .col(big("inspection_id"))
            .col(text("kind"))
            .col(text("subject"))
            .col(text("text"))
            .col(text("decision"))
            .col(date_null("deadline"))
            .col(big_null("task_id"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(
                ("inspection_findings", "inspection_id"),
                ("inspections", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("hotline_reports")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", true))
            .col(text("kind"))
            .col(text("channel"))
            .col(text("reporter_name"))
            .col(text("reporter_phone"))
            .col(text("subject_name"))
            .col(text("subject_phone"))
            .col(text("place_detail"))
            .col(text("description"))
            .col(text("status"))
            .col(text("priority"))
            .col(key(b, "assigned_area_id", true))
            .col(big_null("assigned_agency_id"))
            .col(text("outcome"))
            .col(big_null("person_id"))
            .col(big_null("case_id"))
            .col(big_null("returnee_id"))
            .col(key(b, "client_key", true).unique_key())
            .col(key(b, "search_key", false))
            .col(ts("created_at"))
            .col(text("created_by"))
            .col(ts("updated_at"))
            .to_owned(),
        Table::create()
            .table("returnees")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(big("person_id"))
            .col(text("origin"))
            .col(key(b, "origin_area_id", true))
            .col(date_null("arrived_on"))
            .col(text("transport"))
            .col(text("source"))
            .col(big_null("hotline_report_id"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("returnees", "area_id"), ("areas", "id")))
            .foreign_key(&mut fk(("returnees", "person_id"), ("persons", "id")))
            .to_owned(),
    ];
    let indexes = [
        index("documents_area", "documents", &["area_id"]),
        index("documents_number", "documents", &["number_key"]),
        index("documents_search", "documents", &["search_key"]),
        index("document_refs_doc", "document_references", &["document_id"]),
        index(
            "document_refs_number",
            "document_references",
            &["number_key"],
        ),
        index(
            "tasks_province_deadline",
            "tasks",
            &["province_code", "deadline"],
        ),
        index("tasks_area", "tasks", &["area_id"]),
        index("tasks_document", "tasks", &["document_id"]),
        index(
            "task_agencies_task",
            "task_agencies",
            &["task_id", "role", "agency_id", "name"],
        ),
        index(
            "task_agencies_agency",
            "task_agencies",
            &["agency_id", "task_id"],
        ),
        index("task_reports_task", "task_reports", &["task_id"]),
        index(
            "task_attachments_report",
            "task_attachments",
            &["report_id"],
        ),
        index("notifications_unsent", "notifications", &["sent_at", "id"]),
        index("inspections_area", "inspections", &["area_id"]),
        index(
            "inspections_by_area",
            "inspections",
            &["by_area_id", "planned_on"],
        ),
        index(
            "inspection_findings_inspection",
            "inspection_findings",
            &["inspection_id"],
        ),
        index(
            "hotline_province_status",
            "hotline_reports",
            &["province_code", "status", "created_at"],
        ),
        index("hotline_area", "hotline_reports", &["area_id"]),
        index("returnees_area", "returnees", &["area_id", "arrived_on"]),
        index("returnees_person", "returnees", &["person_id"]),
    ];
    let mut out: Vec<Statement> = tables.iter().map(|t| b.build(t)).collect();
    out.extend(indexes.iter().map(|i| b.build(i)));
    // Open tasks by province: in deadline order (the longest overdue first), by area (the
    // overdue page's counts per area), and their lead agencies by agency — each read from its
    // index alone. Same SQL on both engines.
    for sql in [
        "CREATE INDEX tasks_open_deadline ON tasks (province_code, deadline, id) \
         WHERE status IN ('new', 'in_progress')",
        "CREATE INDEX tasks_open_area ON tasks (province_code, area_id, deadline) \
         WHERE status IN ('new', 'in_progress')",
        "CREATE INDEX task_agencies_open_lead ON task_agencies \
         (province_code, agency_id, deadline, name) \
         WHERE role = 'lead' AND status IN ('new', 'in_progress')",
    ] {
        out.push(Statement::from_string(b, sql));
    }
    out
}

/// The open-task partial indexes of migration 7 with escalated tasks in them: a task handed
/// to the level above is still to be done, overdue past its deadline.
fn m0010_escalated_tasks_open(b: DbBackend) -> Vec<Statement> {
    [
        "DROP INDEX tasks_open_deadline",
        "DROP INDEX tasks_open_area",
        "DROP INDEX task_agencies_open_lead",
        "CREATE INDEX tasks_open_deadline ON tasks (province_code, deadline, id) \
         WHERE status IN ('new', 'in_progress', 'escalated')",
        "CREATE INDEX tasks_open_area ON tasks (province_code, area_id, deadline) \
         WHERE status IN ('new', 'in_progress', 'escalated')",
        "CREATE INDEX task_agencies_open_lead ON task_agencies \
         (province_code, agency_id, deadline, name) \
         WHERE role = 'lead' AND status IN ('new', 'in_progress', 'escalated')",
    ]
    .into_iter()
    .map(|sql| Statement::from_string(b, sql))
    .collect()
}

/// Quarantine facilities, their rooms, and the stays of the people quarantined there. A stay
/// is present while `left_on` is NULL; a move ends one stay and opens the next
/// (`transferred_to`). One person is present in one place at a time (a partial unique index,
/// same SQL on both engines, as are the partial indexes of present stays).
fn m0008_quarantine_facilities(b: DbBackend) -> Vec<Statement> {
    let tables = [
        Table::create()
            .table("facilities")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(text("name"))
            .col(text("kind"))
            .col(text("operator"))
            .col(text("address"))
            .col(text("phone"))
            .col(big("beds"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("facilities", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("facility_rooms")
            .col(id("id"))
            .col(big("facility_id"))
            .col(text("name"))
            .col(big("beds"))
            .foreign_key(&mut fk(
                ("facility_rooms", "facility_id"),
                ("facilities", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("facility_stays")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(big("facility_id"))
            .col(big("room_id"))
            .col(big("person_id"))
            .col(text("risk_group"))
            .col(date("cohort_date"))
            .col(date("admitted_on"))
            .col(date_null("left_on"))
            .col(text_null("left_reason"))
            .col(big_null("transferred_to"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(
                ("facility_stays", "facility_id"),
                ("facilities", "id"),
            ))
            .foreign_key(&mut fk(
                ("facility_stays", "room_id"),
                ("facility_rooms", "id"),
            ))
            .foreign_key(&mut fk(("facility_stays", "person_id"), ("persons", "id")))
            .to_owned(),
    ];
    let indexes = [
        index(
            "facilities_province",
            "facilities",
            &["province_code", "area_id"],
        ),
        index("facilities_area", "facilities", &["area_id"]),
        index(
            "facility_rooms_facility",
            "facility_rooms",
            &["facility_id"],
        ),
        index(
            "facility_stays_person",
            "facility_stays",
            &["person_id", "admitted_on"],
        ),
        index(
            "facility_stays_history",
            "facility_stays",
            &["facility_id", "admitted_on"],
        ),
    ];
    let mut out: Vec<Statement> = tables.iter().map(|t| b.build(t)).collect();
    out.extend(indexes.iter().map(|i| b.build(i)));
    for sql in [
        "CREATE INDEX facility_stays_present ON facility_stays \
         (facility_id, room_id, risk_group, cohort_date) WHERE left_on IS NULL",
        "CREATE INDEX facility_stays_present_province ON facility_stays \
         (province_code, facility_id) WHERE left_on IS NULL",
        "CREATE UNIQUE INDEX facility_stays_present_person ON facility_stays (person_id) \
         WHERE left_on IS NULL",
    ] {
        out.push(Statement::from_string(b, sql));
    }
    out
}

fn m0009_quarantine_orders(b: DbBackend) -> Vec<Statement> {
    let tables = [
        Table::create()
            .table("quarantine_rule_sets")
            .col(id("id"))
            .col(key(b, "code", false))
            .col(text("name"))
            .col(date("valid_from"))
            .col(date_null("valid_to"))
            .col(text("body"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .to_owned(),
        Table::create()
            .table("returnee_batches")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(text("origin"))
            .col(key(b, "origin_area_id", true))
            .col(text("origin_level"))
            .col(text("transport"))
            .col(date("arrived_on"))
            .col(text("source"))
            .col(text("notes"))
            .col(text("fallback"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(("returnee_batches", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("quarantine_orders")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(key(b, "area_id", false))
            .col(big("person_id"))
            .col(text("subject"))
            .col(text("kind"))
            .col(date("starts_on"))
            .col(date_null("ends_on"))
            .col(date("released_on"))
            .col(date_null("home_from"))
            .col(date_null("monitoring_until"))
            .col(date("until_on"))
            .col(text("tests"))
            .col(flag("sign_at_door"))
            .col(flag("daily_declaration"))
            .col(ColumnDef::new("doses").integer().not_null())
            .col(date_null("last_dose"))
            .col(date_null("recovered_on"))
            .col(text("rule_set"))
            .col(text("rule"))
            .col(text("source"))
            .col(text("mark"))
            .col(text("explanation"))
            .col(text("computed"))
            .col(flag("overridden"))
            .col(text("override_reason"))
            .col(text("address"))
            .col(text("household"))
            .col(date_null("sign_posted_on"))
            .col(big_null("facility_id"))
            .col(big_null("returnee_id"))
            .col(text("status"))
            .col(date_null("closed_on"))
            .col(text("closed_reason"))
            .col(big_null("case_id"))
            .col(key(b, "token", false).unique_key())
            .col(ts("created_at"))
            .col(text("created_by"))
            .col(ts("updated_at"))
            .foreign_key(&mut fk(("quarantine_orders", "area_id"), ("areas", "id")))
            .foreign_key(&mut fk(
                ("quarantine_orders", "person_id"),
                ("persons", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("quarantine_checkins")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(big("order_id"))
            .col(date("on_date"))
            .col(ColumnDef::new("temperature").double().null())
            .col(text("symptoms"))
            .col(text("by_kind"))
            .col(text("note"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(
                ("quarantine_checkins", "order_id"),
                ("quarantine_orders", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("quarantine_violations")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(big("order_id"))
            .col(date("on_date"))
            .col(text("kind"))
            .col(text("description"))
            .col(text("decision"))
            .col(big_null("fine"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .foreign_key(&mut fk(
                ("quarantine_violations", "order_id"),
                ("quarantine_orders", "id"),
            ))
            .to_owned(),
        Table::create()
            .table("import_mappings")
            .col(id("id"))
            .col(text("username"))
            .col(text("kind"))
            .col(text("mapping"))
            .col(ts("updated_at"))
            .to_owned(),
        Table::create()
            .table("import_jobs")
            .col(id("id"))
            .col(text_null("province_code"))
            .col(text("kind"))
            .col(text("file_name"))
            .col(ColumnDef::new("content").binary().not_null())
            .col(text("mapping"))
            .col(text("status"))
            .col(big("total"))
            .col(big("valid"))
            .col(big("invalid"))
            .col(big("imported"))
            .col(text("report"))
            .col(text("error"))
            .col(big_null("batch_id"))
            .col(ts("created_at"))
            .col(text("created_by"))
            .col(ts_null("finished_at"))
            .to_owned(),
    ];
    let indexes = [
        index(
            "quarantine_rule_sets_code",
            "quarantine_rule_sets",
            &["code"],
        )
        .unique()
        .to_owned(),
        index(
            "returnee_batches_area",
            "returnee_batches",
            &["province_code", "arrived_on"],
        ),
        index(
            "quarantine_orders_person",
            "quarantine_orders",
            &["person_id", "starts_on"],
        ),
        index(
            "quarantine_orders_returnee",
            "quarantine_orders",
            &["returnee_id"],
        ),
        index(
            "quarantine_checkins_order",
            "quarantine_checkins",
            &["order_id", "on_date"],
        ),
        index(
            "quarantine_violations_order",
            "quarantine_violations",
            &["order_id"],
        ),
        index(
            "import_mappings_user",
            "import_mappings",
            &["username", "kind"],
        )
        .unique()
        .to_owned(),
        index("import_jobs_user", "import_jobs", &["created_by", "id"]),
    ];
    let mut out: Vec<Statement> = tables.iter().map(|t| b.build(t)).collect();
    out.extend(indexes.iter().map(|i| b.build(i)));
    for sql in [
        // The work lists: the orders followed today in an area (until_on is the last day of
        // quarantine or of the monitoring after it). Literal predicates: SQLite uses a
        // partial index only when the query's own literal implies it.
        "CREATE INDEX quarantine_orders_open ON quarantine_orders (area_id, until_on) \
         WHERE status = 'open'",
        "CREATE INDEX quarantine_orders_open_province ON quarantine_orders \
         (province_code, until_on) WHERE status = 'open'",
        "CREATE INDEX quarantine_orders_facility ON quarantine_orders (facility_id, until_on) \
         WHERE status = 'open'",
        "ALTER TABLE returnees ADD COLUMN batch_id BIGINT NULL",
        "ALTER TABLE returnees ADD COLUMN subject TEXT NULL",
        "CREATE INDEX returnees_batch ON returnees (batch_id)",
        "CREATE INDEX returnees_province ON returnees (province_code, area_id)",
    ] {
        out.push(Statement::from_string(b, sql));
    }
    out
}

/// Official lists do hold two wards of one name under one parent (22 pairs before 2025, 8
/// after), so the rule holds for entered villages only: a partial index, same SQL on both engines.
fn m0002_unique_village_names(b: DbBackend) -> Vec<Statement> {
    vec![Statement::from_string(
        b,
        "CREATE UNIQUE INDEX areas_village_name ON areas (parent_id, search_key) WHERE level = 'village'",
    )]
}

fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}

fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}

/// A text column compared byte-wise on both engines.
fn key(backend: DbBackend, name: &'static str, null: bool) -> ColumnDef {
    let mut c = ColumnDef::new(name).text().to_owned();
    if null {
        c.null();
    } else {
        c.not_null();
    }
    if backend == DbBackend::Postgres {
        c.extra("COLLATE \"C\"");
    }
    c
}

fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn big(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}

fn big_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}

fn fk(
    from: (&'static str, &'static str),
    to: (&'static str, &'static str),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

fn m0001_foundation(b: DbBackend) -> Vec<Statement> {
    let tables: Vec<TableCreateStatement> = vec![
        Table::create()
            .table("areas")
            .col(key(b, "id", false).primary_key())
            .col(text_null("structure"))
            .col(text("level"))
            .col(text_null("code"))
            .col(text("name"))
            .col(text("kind"))
            .col(key(b, "parent_id", true))
            .col(text_null("province_code"))
            .col(key(b, "search_key", false))
            .col(key(b, "sort_key", false))
            .col(ColumnDef::new("valid_from").date().null())
            .col(ColumnDef::new("valid_to").date().null())
            .col(ColumnDef::new("lat").double().null())
            .col(ColumnDef::new("lon").double().null())
            .col(ColumnDef::new("area_km2").double().null())
            .col(ts("created_at"))
            .col(big_null("created_by"))
            .foreign_key(&mut fk(("areas", "parent_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("area_closure")
            .col(key(b, "ancestor_id", false))
            .col(key(b, "descendant_id", false))
            .col(ColumnDef::new("depth").integer().not_null())
            .col(ColumnDef::new("via_mapping").boolean().not_null())
            .primary_key(Index::create().col("ancestor_id").col("descendant_id"))
            .to_owned(),
        Table::create()
            .table("area_terms")
            .col(key(b, "term", false))
            .col(key(b, "area_id", false))
            .primary_key(Index::create().col("term").col("area_id"))
            .to_owned(),
        Table::create()
            .table("ward_mapping")
            .col(key(b, "old_area_id", false))
            .col(key(b, "new_area_id", false))
            .col(text("kind"))
            .primary_key(Index::create().col("old_area_id").col("new_area_id"))
            .to_owned(),
        Table::create()
            .table("populations")
            .col(key(b, "area_id", false))
            .col(ColumnDef::new("year").integer().not_null())
            .col(big("population"))
            .col(text("source"))
            .col(ts("updated_at"))
            .col(text("updated_by"))
            .primary_key(Index::create().col("area_id").col("year"))
            .foreign_key(&mut fk(("populations", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("users")
            .col(id("id"))
            .col(key(b, "username", false).unique_key())
            .col(text("display_name"))
            .col(text("password_hash"))
            .col(ColumnDef::new("disabled").boolean().not_null())
            .col(ts("created_at"))
            .col(ts("updated_at"))
            .to_owned(),
        Table::create()
            .table("role_grants")
            .col(id("id"))
            .col(big("user_id"))
            .col(text("role"))
            .col(key(b, "area_id", false))
            .foreign_key(&mut fk(("role_grants", "user_id"), ("users", "id")))
            .foreign_key(&mut fk(("role_grants", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("sessions")
            .col(key(b, "token_hash", false).primary_key())
            .col(big("user_id"))
            .col(text("csrf_token"))
            .col(ts("created_at"))
            .col(ts("expires_at"))
            .col(text_null("ip"))
            .foreign_key(&mut fk(("sessions", "user_id"), ("users", "id")))
            .to_owned(),
        Table::create()
            .table("api_tokens")
            .col(id("id"))
            .col(big("user_id"))
            .col(text("name"))
            .col(key(b, "token_hash", false).unique_key())
            .col(text("prefix"))
            .col(ts("created_at"))
            .col(ts_null("last_used_at"))
            .col(ts_null("revoked_at"))
            .foreign_key(&mut fk(("api_tokens", "user_id"), ("users", "id")))
            .to_owned(),
        Table::create()
            .table("audit_log")
            .col(id("id"))
            .col(ts("at"))
            .col(big_null("user_id"))
            .col(text("username"))
            .col(text("action"))
            .col(text("record_type"))
            .col(text_null("record_id"))
            .col(key(b, "area_id", true))
            .col(text_null("province_code"))
            .col(text_null("ip"))
            .col(text_null("operation_id"))
            .col(text_null("detail"))
            .to_owned(),
        Table::create()
            .table("agencies")
            .col(id("id"))
            .col(key(b, "area_id", false))
            .col(text_null("province_code"))
            .col(text("name"))
            .col(text("kind"))
            .col(key(b, "sort_key", false))
            .col(ts("created_at"))
            .foreign_key(&mut fk(("agencies", "area_id"), ("areas", "id")))
            .to_owned(),
        Table::create()
            .table("agency_members")
            .col(id("id"))
            .col(big("agency_id"))
            .col(text("full_name"))
            .col(text("position"))
            .col(text_null("phone"))
            .col(big_null("user_id"))
            .col(ts("created_at"))
            .foreign_key(&mut fk(("agency_members", "agency_id"), ("agencies", "id")))
            .to_owned(),
        Table::create()
            .table("idempotency_keys")
            .col(big("user_id"))
            .col(key(b, "key", false))
            .col(text("request_hash"))
            .col(ColumnDef::new("status").integer().not_null())
            .col(text("content_type"))
            .col(text("body"))
            .col(ts("created_at"))
            .primary_key(Index::create().col("user_id").col("key"))
            .to_owned(),
        Table::create()
            .table("settings")
            .col(key(b, "key", false).primary_key())
            .col(text("value"))
            .to_owned(),
    ];
    let indexes = [
        Index::create()
            .name("areas_parent_sort")
            .table("areas")
            .col("parent_id")
            .col("sort_key")
            .to_owned(),
        Index::create()
            .name("areas_structure_code")
            .table("areas")
            .col("structure")
            .col("code")
            .unique()
            .to_owned(),
        Index::create()
            .name("area_closure_descendant")
            .table("area_closure")
            .col("descendant_id")
            .to_owned(),
        Index::create()
            .name("area_terms_area")
            .table("area_terms")
            .col("area_id")
            .to_owned(),
        Index::create()
            .name("ward_mapping_new")
            .table("ward_mapping")
            .col("new_area_id")
            .to_owned(),
        Index::create()
            .name("role_grants_unique")
            .table("role_grants")
            .col("user_id")
            .col("role")
            .col("area_id")
            .unique()
            .to_owned(),
        Index::create()
            .name("role_grants_area")
            .table("role_grants")
            .col("area_id")
            .to_owned(),
        Index::create()
            .name("sessions_user")
            .table("sessions")
            .col("user_id")
            .to_owned(),
        Index::create()
            .name("api_tokens_user")
            .table("api_tokens")
            .col("user_id")
            .to_owned(),
        Index::create()
            .name("audit_at")
            .table("audit_log")
            .col("at")
            .to_owned(),
        Index::create()
            .name("audit_user_at")
            .table("audit_log")
            .col("user_id")
            .col("at")
            .to_owned(),
        Index::create()
            .name("audit_record")
            .table("audit_log")
            .col("record_type")
            .col("record_id")
            .to_owned(),
        Index::create()
            .name("audit_area_at")
            .table("audit_log")
            .col("area_id")
            .col("at")
            .to_owned(),
        Index::create()
            .name("agencies_area")
            .table("agencies")
            .col("area_id")
            .col("sort_key")
            .to_owned(),
        Index::create()
            .name("agency_members_agency")
            .table("agency_members")
            .col("agency_id")
            .to_owned(),
    ];
    let mut out: Vec<Statement> = tables.iter().map(|t| b.build(t)).collect();
    out.extend(indexes.iter().map(|i| b.build(i)));
    // The audit log is append-only, enforced by the database itself.
    match b {
        DbBackend::Postgres => {
            out.push(Statement::from_string(
                b,
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$",
            ));
            out.push(Statement::from_string(
                b,
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            ));
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                out.push(Statement::from_string(
                    b,
                    format!(
                        "CREATE TRIGGER audit_log_no_{} BEFORE {op} ON audit_log \
                         BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                        op.to_lowercase()
                    ),
                ));
            }
        }
    }
    out
}

/// Applies the pending migrations, each in its own transaction; returns their names.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    let backend = db.get_database_backend();
    db.execute(
        &Table::create()
            .table("schema_migrations")
            .if_not_exists()
            .col(
                ColumnDef::new("version")
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .col(text("name"))
            .col(ts("applied_at"))
            .to_owned(),
    )
    .await?;
    let rows = db
        .query_all(
            &Query::select()
                .column("version")
                .from("schema_migrations")
                .to_owned(),
        )
        .await?;
    let mut applied = Vec::new();
    for r in rows {
        applied.push(r.try_get::<i64>("", "version")?);
    }
    let mut done = Vec::new();
    for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let txn = db.begin().await?;
        for stmt in (m.up)(backend) {
            txn.execute_raw(stmt).await?;
        }
        txn.execute(
            &Query::insert()
                .into_table("schema_migrations")
                .columns(["version", "name", "applied_at"])
                .values([m.version.into(), m.name.into(), now.into()])
                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
                .to_owned(),
        )
        .await?;
        txn.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        done.push(format!("{:04} {}", m.version, m.name));
    }
    Ok(done)
}
