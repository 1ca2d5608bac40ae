//! Fresh databases for tests: a new SQLite file per test, or — when `DATABASE_URL` names a
//! PostgreSQL server — a new database on that server per test, dropped when the test ends
//! (also when it fails).

use crate::{Store, StoreError};
use chongdich_domain::clock::SharedClock;
use std::path::PathBuf;

pub struct TestDb {
    pub store: Store,
    pub url: String,
    sqlite_file: Option<PathBuf>,
    pg: Option<(String, String)>,
}

fn unique_name() -> String {
    format!("chongdich_test_{}", &crate::sessions::random_token()[..16])
}

/// The server URL with another database name.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_end..]
        .find('/')
        .map(|i| i + authority_end)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..path_start])
}

impl TestDb {
    /// Which engine the tests run on: PostgreSQL when `DATABASE_URL` says so, else SQLite.
    pub fn engine_url() -> Option<String> {
        std::env::var("DATABASE_URL")
            .ok()
            .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
    }

    /// A migrated, empty database.
    pub async fn new(clock: SharedClock) -> Result<Self, StoreError> {
        let name = unique_name();
        let (url, sqlite_file, pg) = match Self::engine_url() {
            Some(server) => {
                let admin =
                    Store::connect(&with_database(&server, "postgres"), clock.clone()).await?;
                sea_orm::ConnectionTrait::execute_unprepared(
                    admin.connection(),
                    &format!("CREATE DATABASE \"{name}\""),
                )
                .await?;
                admin.close().await?;
                (with_database(&server, &name), None, Some((server, name)))
            }
            None => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                (
                    format!("sqlite://{}?mode=rwc", path.display()),
                    Some(path),
                    None,
                )
            }
        };
        let store = Store::connect(&url, clock).await?;
        store.migrate().await?;
        Ok(Self {
            store,
            url,
            sqlite_file,
            pg,
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
        if let Some((server, name)) = self.pg.take() {
            // Drop runs outside any async context we may block; use a thread with its own runtime.
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    let clock: SharedClock =
                        std::sync::Arc::new(chongdich_domain::clock::SystemClock);
                    if let Ok(admin) =
                        Store::connect(&with_database(&server, "postgres"), clock).await
                    {
                        let _ = sea_orm::ConnectionTrait::execute_unprepared(
                            admin.connection(),
                            &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                        )
                        .await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database(
                "postgres://u:p@127.0.0.1:5432/chongdich?sslmode=disable",
                "t1"
            ),
            "postgres://u:p@127.0.0.1:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "t2"), "postgres://u@h/t2");
    }
}
