//! Persistence of chongdich.
//!
//! One code path serves SQLite (the embedded default) and PostgreSQL (production): queries are
//! built with sea-query and run through SeaORM, which carries booleans, dates and timestamps
//! correctly on both engines. Every read of scoped data takes a [`Scope`] and filters by the
//! area closure table, so no caller can forget the access rule.
//!
//! Rooms: [`migrate`] (append-only schema history), [`areas`], [`units`] (official lists),
//! [`population`], [`agencies`], [`users`], [`sessions`], [`tokens`], [`audit`],
//! [`idempotency`], [`settings`], [`testing`] (fresh databases for tests).

pub mod agencies;
pub mod areas;
pub mod audit;
pub mod bulk;
pub mod cases;
pub mod contacts;
pub mod diseases;
pub mod documents;
pub mod error;
pub mod facilities;
pub mod hotline;
pub mod idempotency;
pub mod imports;
pub mod inspections;
pub mod migrate;
pub mod outbreaks;
pub mod persons;
pub mod population;
pub mod quarantine;
pub mod returnees;
pub mod risk;
pub mod samples;
mod scope;
pub mod sessions;
pub mod settings;
pub mod tasks;
pub mod testing;
pub mod tokens;
pub mod units;
pub mod users;

pub use chongdich_domain::access::Scope;
pub use error::StoreError;

use chongdich_domain::clock::SharedClock;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};
use std::time::Duration;

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The handle to the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    clock: SharedClock,
}

impl Store {
    /// Connects to `sqlite://path?mode=rwc` or `postgres://…`. Does not migrate.
    pub async fn connect(url: &str, clock: SharedClock) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10));
        if url.starts_with("sqlite:") {
            // Writers queue on SQLite's single write lock; a small pool keeps them short. Every
            // connection waits up to 30 s for the lock (an import of 100,000 rows holds it for
            // about 15 s) and keeps a 32 MB page cache (the default 2 MB spills while large
            // writes update the indexes).
            opts.max_connections(4).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.busy_timeout(Duration::from_secs(30))
                    .pragma("cache_size", "-32768")
                    .foreign_keys(true)
            });
        } else {
            opts.max_connections(16).min_connections(1);
            // Statements are prepared and cached per connection; after five runs PostgreSQL
            // may switch to a generic plan that does not know the values. For a name prefix
            // that plan sorts every match (30–120 ms) where the value's plan walks the index
            // (under 1 ms): plan each execution with its values.
            opts.map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
        }
        let db = Database::connect(opts).await?;
        if db.get_database_backend() == DbBackend::Sqlite {
            db.execute_unprepared("PRAGMA journal_mode = WAL").await?;
            db.execute_unprepared("PRAGMA foreign_keys = ON").await?;
        }
        Ok(Self { db, clock })
    }

    pub fn engine(&self) -> Engine {
        match self.db.get_database_backend() {
            DbBackend::Postgres => Engine::Postgres,
            _ => Engine::Sqlite,
        }
    }

    pub fn clock(&self) -> &SharedClock {
        &self.clock
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so concurrent writers queue on the busy timeout instead of failing
    /// when a read inside the transaction would have to be upgraded; PostgreSQL ignores the mode.
    pub(crate) async fn write(&self) -> Result<sea_orm::DatabaseTransaction, StoreError> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        Ok(self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?)
    }

    /// Applies every migration not yet applied.
    /// Applies every migration not yet applied, then the data backfills that follow them.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let applied = migrate::run(&self.db, self.clock.now()).await?;
        self.backfill_user_search_keys().await?;
        self.seed_diseases().await?;
        self.seed_risk_rules().await?;
        self.seed_quarantine_rules().await?;
        self.ensure_bulk_indexes().await?;
        Ok(applied)
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await?;
        Ok(())
    }

    pub async fn close(self) -> Result<(), StoreError> {
        self.db.close().await?;
        Ok(())
    }
}

/// How many rows a query returns (it is wrapped as a subquery and counted).
pub(crate) async fn count_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    stmt: &sea_orm::sea_query::SelectStatement,
) -> Result<i64, StoreError> {
    use sea_orm::sea_query::{Expr, Query};
    let counted = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from_subquery(stmt.clone(), "sub")
        .to_owned();
    Ok(match db.query_one(&counted).await? {
        Some(r) => r.try_get::<i64>("", "n")?,
        None => 0,
    })
}

/// How many rows a query returns, counting at most `cap + 1` (a total above `cap` is shown as
/// "more than"). Counting millions of rows exactly is what makes peers' lists slow.
pub(crate) async fn count_capped<C: sea_orm::ConnectionTrait>(
    db: &C,
    stmt: &sea_orm::sea_query::SelectStatement,
    cap: u64,
) -> Result<i64, StoreError> {
    let mut limited = stmt.clone();
    limited.clear_order_by().limit(cap + 1);
    count_of(db, &limited).await
}

/// Inserts one row given as (column, value) pairs and returns its id.
pub(crate) async fn insert_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    table: &'static str,
    values: Vec<(&'static str, sea_orm::Value)>,
    what: &'static str,
) -> Result<i64, StoreError> {
    use sea_orm::sea_query::{Alias, Query};
    let row = db
        .query_one(
            &Query::insert()
                .into_table(Alias::new(table))
                .columns(values.iter().map(|(c, _)| Alias::new(*c)))
                .values_panic(values.into_iter().map(|(_, v)| v.into()))
                .returning_col(Alias::new("id"))
                .to_owned(),
        )
        .await?
        .ok_or(StoreError::NotFound(what))?;
    Ok(row.try_get("", "id")?)
}

/// The province code of an area (None for the country or an unknown id).
pub(crate) async fn province_of<C: sea_orm::ConnectionTrait>(
    db: &C,
    area_id: &str,
) -> Result<Option<String>, StoreError> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let row = db
        .query_one(
            &Query::select()
                .column("province_code")
                .from("areas")
                .and_where(Expr::col("id").eq(area_id))
                .to_owned(),
        )
        .await?;
    Ok(row.and_then(|r| {
        r.try_get::<Option<String>>("", "province_code")
            .ok()
            .flatten()
    }))
}

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
pub(crate) const BATCH: usize = 400;
