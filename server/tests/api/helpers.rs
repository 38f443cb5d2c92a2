//! `spawn_app()`: a real server on a free port with a database of its own.

use app::config::Config;
use app::db::{Backend, Db};
use rand::Rng;
use rand::distributions::Alphanumeric;

/// Runs each named `async fn name(app: TestApp)` of the calling module on both backends,
/// as `<module>::sqlite::<name>` and `<module>::postgres::<name>`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(app::db::Backend::Sqlite).await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(app::db::Backend::Postgres).await;
                    super::$name(&app).await;
                    app.cleanup().await;
                }
            )*
        }
    };
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub db: Db,
    pub http: reqwest::Client,
    scratch: Scratch,
}

enum Scratch {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

fn random_suffix() -> String {
    rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(12)
        .map(char::from)
        .collect::<String>()
        .to_lowercase()
}

/// The server PostgreSQL tests create their databases on (CI: trust auth on 127.0.0.1).
fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let (database_url, scratch) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            (
                format!("sqlite://{}/test.db", dir.path().display()),
                Scratch::Sqlite(dir),
            )
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("pa_test_{}", random_suffix());
            sqlx::any::install_default_drivers();
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin_url}/postgres"))
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL must be reachable at {admin_url} (set TEST_POSTGRES_URL): {e}"));
            sqlx::query(&format!(r#"CREATE DATABASE "{name}""#))
                .execute(&mut conn)
                .await
                .expect("create test database");
            (format!("{admin_url}/{name}"), Scratch::Postgres { admin_url, name })
        }
    };
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.clone()),
        "SITE_ADDR" => Some("127.0.0.1:0".to_owned()),
        "LOG_LEVEL" => Some("warn".to_owned()),
        _ => None,
    })
    .expect("test config");
    let state = server::prepare_state(config).await.expect("server state");
    let db = state.db.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(server::run(state, listener));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("http client");
    TestApp {
        address,
        db,
        http,
        scratch,
    }
}

impl TestApp {
    /// Drops the PostgreSQL database (SQLite's folder goes with the TempDir).
    pub async fn cleanup(self) {
        self.db.close().await;
        if let Scratch::Postgres { admin_url, name } = &self.scratch
            && let Ok(mut conn) =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{admin_url}/postgres")).await
        {
            let _ = sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
                .execute(&mut conn)
                .await;
        }
    }
}

/// A practice with its admin, one staff member, one client and one custom role.
pub struct Practice {
    pub id: i64,
    pub admin: i64,
    pub staff: i64,
    pub client: i64,
    pub employee_role: i64,
    pub custom_role: i64,
}

/// Creates a [`Practice`] directly in the database; `tag` keeps emails unique.
pub async fn seed_practice(db: &Db, tag: &str) -> Practice {
    use app::names::{DisplayName, EmailAddress};
    use app::permissions::RoleKind;
    use app::plans::Plan;

    let name = |s: &str| DisplayName::parse(s, "name", 200).unwrap();
    let email = |s: &str| EmailAddress::parse(&format!("{s}.{tag}@example.com")).unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let admin = app::users::ssr::create_user(&mut tx, &email("admin"), &name("Ada Admin"), None)
        .await
        .unwrap();
    let id = app::practices::ssr::create_practice(&mut tx, &name(&format!("Practice {tag}")), admin)
        .await
        .unwrap();
    let employee_role = app::practices::ssr::predefined_role_id(&mut tx, id, RoleKind::Employee)
        .await
        .unwrap();
    let staff = app::users::ssr::create_user(&mut tx, &email("staff"), &name("Sam Staff"), None)
        .await
        .unwrap();
    app::practices::ssr::add_member(&mut tx, id, staff, employee_role, false)
        .await
        .unwrap();
    let custom_role = app::roles::ssr::create_custom_role(&mut tx, id, &name("Bookkeeper"), &["expenses.list"])
        .await
        .unwrap();
    app::clients::ssr::insert_clients(&mut tx, id, &[(format!("Acme {tag} Ltd"), Plan::PracticeEdition)])
        .await
        .unwrap();
    let client: i64 = sqlx::query_scalar("SELECT id FROM clients WHERE practice_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Practice {
        id,
        admin,
        staff,
        client,
        employee_role,
        custom_role,
    }
}
