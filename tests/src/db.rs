//! A fresh database per test: a SQLite file in a temp folder, or a new PostgreSQL database on
//! the server named by `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
//!
//! Each one is removed when the last clone of its `TestDb` is dropped, also when the test fails
//! (unwinding drops it): the SQLite folder `chatops-test-<uuid>` is deleted and the PostgreSQL
//! database `chatops_test_<uuid>` is dropped (`WITH (FORCE)`, so the app's open connections do
//! not keep it alive). A run leaves nothing behind in the temp folder or on the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sqlx::Connection;

#[derive(Debug, Clone)]
pub struct TestDb {
    pub url: String,
    pub postgres: bool,
    /// Removes the database when the last clone goes; `None` for a database the test does not
    /// own (`TestDb::external`). Held only for its `Drop`.
    _cleanup: Option<Arc<Cleanup>>,
}

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = TempDir::new("chatops-test");
        TestDb {
            url: format!("sqlite://{}/chatops.db", dir.path().display()),
            postgres: false,
            _cleanup: Some(Arc::new(Cleanup::Folder(dir))),
        }
    }

    pub async fn postgres() -> TestDb {
        let admin = admin_url();
        let name = format!("chatops_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL for tests is not reachable at TEST_DATABASE_URL ({e}); run scripts/test.sh"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let _ = conn.close().await;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        TestDb {
            url: format!("{base}/{name}"),
            postgres: true,
            _cleanup: Some(Arc::new(Cleanup::Database { admin, name })),
        }
    }

    /// A database the test does not own (e.g. on a server the test started itself): nothing is
    /// removed when it is dropped.
    pub fn external(url: &str) -> TestDb {
        TestDb {
            url: url.to_string(),
            postgres: url.starts_with("postgres"),
            _cleanup: None,
        }
    }
}

#[derive(Debug)]
enum Cleanup {
    /// Held only for its `Drop`.
    #[allow(dead_code)]
    Folder(TempDir),
    Database {
        admin: String,
        name: String,
    },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Database { admin, name } = self {
            drop_database(admin, name);
        }
        // A folder removes itself (TempDir's Drop).
    }
}

/// Drops a test database, terminating the connections still open on it. Runs on its own thread
/// with its own runtime, so it works from `Drop` inside or outside a Tokio runtime. Never
/// panics (a panic while unwinding would abort the test binary): a failure is printed.
fn drop_database(admin: &str, name: &str) {
    let (admin, name) = (admin.to_string(), name.to_string());
    let shown = name.clone();
    let outcome = std::thread::spawn(move || -> Result<(), String> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let mut conn = sqlx::PgConnection::connect(&admin)
                .await
                .map_err(|e| e.to_string())?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            let _ = conn.close().await;
            Ok(())
        })
    })
    .join();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("warning: could not drop the test database {shown}: {e}"),
        Err(_) => {
            eprintln!("warning: could not drop the test database {shown}: the thread panicked")
        }
    }
}

/// A fresh folder `<temp dir>/<prefix>-<uuid>`, removed with everything in it when dropped
/// (also when the test fails). Hand-written rather than the `tempfile` crate: a dozen lines,
/// and the names keep the `chatops-*` prefixes that make a leftover easy to spot.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create the folder {}: {e}", dir.display()));
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0) {
            if e.kind() != std::io::ErrorKind::NotFound {
                eprintln!("warning: could not remove {}: {e}", self.0.display());
            }
        }
    }
}
