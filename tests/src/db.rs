//! A fresh database per test: a SQLite file in a temp folder, or a new PostgreSQL database on
//! the server named by `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).

use sqlx::Connection;

#[derive(Debug, Clone)]
pub struct TestDb {
    pub url: String,
    pub postgres: bool,
}

pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir =
            std::env::temp_dir().join(format!("chatops-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        TestDb {
            url: format!("sqlite://{}/chatops.db", dir.display()),
            postgres: false,
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
            .unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
        TestDb {
            url: format!("{base}/{name}"),
            postgres: true,
        }
    }
}
