//! `spawn_app()`: a real server on a free port with a database of its own.

use app::platform::config::Config;
use app::platform::db::{Backend, Db};
use rand::Rng;
use rand::distributions::Alphanumeric;
use reqwest::StatusCode;
use serde_json::Value;

use crate::smtp_sink::SmtpSink;

/// Runs each named `async fn name(app: TestApp)` of the calling module on both backends,
/// as `<module>::sqlite::<name>` and `<module>::postgres::<name>`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(app::platform::db::Backend::Sqlite).await;
                    $crate::helpers::bounded(super::$name(&app)).await;
                    app.cleanup().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app(app::platform::db::Backend::Postgres).await;
                    $crate::helpers::bounded(super::$name(&app)).await;
                    app.cleanup().await;
                }
            )*
        }
    };
}

/// Like `on_both_backends!`, for apps started with `SMTP_URL` = `$smtp` (an
/// `Option<String>`; `None` keeps mail in the outbox), in a module of its own.
#[macro_export]
macro_rules! on_both_backends_with_smtp {
    ($module:ident, $smtp:expr; $($name:ident),* $(,)?) => {
        mod $module {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let app = $crate::helpers::spawn_app_with(app::platform::db::Backend::Sqlite, $smtp, None).await;
                        $crate::helpers::bounded(super::super::$name(&app)).await;
                        app.cleanup().await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $name() {
                        let app = $crate::helpers::spawn_app_with(app::platform::db::Backend::Postgres, $smtp, None).await;
                        $crate::helpers::bounded(super::super::$name(&app)).await;
                        app.cleanup().await;
                    }
                )*
            }
        }
    };
}

/// A request the server has not answered in this long fails its test instead of hanging
/// the whole suite (and CI with it).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs one test's body, failing it if it takes longer than any test should.
pub async fn bounded(test: impl std::future::Future<Output = ()>) {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(300);
    if tokio::time::timeout(LIMIT, test).await.is_err() {
        panic!("the test did not finish in {} s", LIMIT.as_secs());
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: String,
    pub db: Db,
    pub http: reqwest::Client,
    /// The SMTP server this app sends to (`None` when started without SMTP).
    pub smtp: Option<SmtpSink>,
    /// The database this app (and any second server of it) uses.
    pub database_url: String,
    scratch: Scratch,
    /// The app's `SECRET_KEY` (a second server of it needs the same).
    secret_key: String,
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
    let sink = SmtpSink::start().await;
    let url = sink.url();
    spawn_app_with(backend, Some(url), Some(sink)).await
}

/// Starts the app with `smtp_url` (None: keep mail in the outbox).
pub async fn spawn_app_with(backend: Backend, smtp_url: Option<String>, smtp: Option<SmtpSink>) -> TestApp {
    spawn_app_configured(backend, smtp_url, smtp, &[]).await
}

/// Starts the app with `smtp_url` and further settings (`APP_BASE_URL`, …).
pub async fn spawn_app_configured(
    backend: Backend,
    smtp_url: Option<String>,
    smtp: Option<SmtpSink>,
    settings: &[(&str, &str)],
) -> TestApp {
    // Server-side errors (a 500's cause) show in a failing test's output.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
        .with_test_writer()
        .try_init();
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let bound = listener.local_addr().expect("addr").to_string();
    // Each app its own key, as each deployment has: nothing secret is in the repository.
    let secret_key = hex::encode(rand::random::<[u8; 32]>());
    let config = Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(database_url.clone()),
        "SITE_ADDR" => Some(bound.clone()),
        "LOG_LEVEL" => Some("warn".to_owned()),
        "SMTP_URL" => smtp_url.clone(),
        // A setting given as "" is unset (as an empty environment variable is).
        other => match settings.iter().find(|(k, _)| *k == other) {
            Some((_, v)) => (!v.is_empty()).then(|| (*v).to_owned()),
            None => (other == "SECRET_KEY").then(|| secret_key.clone()),
        },
    })
    .expect("test config");
    let state = server::prepare_state(config).await.expect("server state");
    let db = state.db.clone();
    let address = format!("http://{bound}");
    tokio::spawn(server::run(state, listener));
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("http client");
    TestApp {
        address,
        database_url: database_url.clone(),
        db,
        http,
        smtp,
        scratch,
        secret_key,
    }
}

impl TestApp {
    /// Starts another app server on this app's database (as several stateless servers
    /// behind a load balancer would run) and returns its address.
    pub async fn second_server(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let bound = listener.local_addr().expect("addr").to_string();
        let config = Config::from_lookup(|key| match key {
            "DATABASE_URL" => Some(self.database_url.clone()),
            "SITE_ADDR" => Some(bound.clone()),
            "LOG_LEVEL" => Some("warn".to_owned()),
            "SECRET_KEY" => Some(self.secret_key.clone()),
            _ => None,
        })
        .expect("test config");
        let state = server::prepare_state(config).await.expect("server state");
        tokio::spawn(server::run(state, listener));
        format!("http://{bound}")
    }

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
    use app::domain::plans::Plan;
    use app::domain::roles::RoleKind;
    use app::platform::names::{DisplayName, EmailAddress};

    let name = |s: &str| DisplayName::parse(s, "name", 200).unwrap();
    let email = |s: &str| EmailAddress::parse(&format!("{s}.{tag}@example.com")).unwrap();
    let mut tx = db.begin_write().await.unwrap();
    let admin = app::identity::users::ssr::create_user(&mut tx, &email("admin"), &name("Ada Admin"), None)
        .await
        .unwrap();
    let id = app::access::practices::create_practice(&mut tx, &name(&format!("Practice {tag}")), admin)
        .await
        .unwrap();
    let employee_role = app::access::practices::predefined_role_id(&mut tx, id, RoleKind::Employee)
        .await
        .unwrap();
    let staff = app::identity::users::ssr::create_user(&mut tx, &email("staff"), &name("Sam Staff"), None)
        .await
        .unwrap();
    app::access::members::add_member(&mut tx, id, staff, employee_role, false)
        .await
        .unwrap();
    let custom_role = app::practice::roles::ssr::create_custom_role(
        &mut tx,
        id,
        &name("Bookkeeper"),
        &[app::domain::permissions::Permission::ExpensesList],
    )
    .await
    .unwrap();
    app::partner::clients::ssr::insert_clients(&mut tx, id, &[(format!("Acme {tag} Ltd"), Plan::PracticeEdition)])
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

/// A signed-in browser: its own cookie jar.
pub struct Client {
    pub http: reqwest::Client,
}

/// What sign-up created, for the test to act with.
pub struct Admin {
    pub client: Client,
    pub email: String,
    pub practice_id: i64,
    pub user_id: i64,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// A fresh browser with an empty cookie jar.
    pub fn client(&self) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(REQUEST_TIMEOUT)
                .build()
                .unwrap(),
        }
    }

    /// Calls server function `name` with form fields, as the browser does.
    pub async fn call(&self, client: &Client, name: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.call_at(&self.address, client, name, form).await
    }

    /// [`TestApp::call`] on the server at `address` (see [`TestApp::second_server`]).
    pub async fn call_at(
        &self,
        address: &str,
        client: &Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let response = client
            .http
            .post(format!("{address}/api/{name}"))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// [`TestApp::call`] in a task of its own, for a request the test holds up (behind a
    /// lock) while it does something else; the answer's status and body text.
    pub fn call_in_background(
        &self,
        client: &Client,
        name: &str,
        form: Vec<(&'static str, String)>,
    ) -> tokio::task::JoinHandle<(StatusCode, String)> {
        let request = client
            .http
            .post(format!("{}/api/{name}", self.address))
            .header("Accept", "application/json")
            .form(&form);
        tokio::spawn(async move {
            let answer = request.send().await.unwrap();
            (answer.status(), answer.text().await.unwrap())
        })
    }

    /// Calls server function `name` with a JSON body.
    pub async fn call_json(&self, client: &Client, name: &str, body: Value) -> (StatusCode, Value) {
        let response = client
            .http
            .post(format!("{}/api/{name}", self.address))
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Signs up a new practice and confirms it as its owner would; `tag` keeps its email
    /// unique.
    pub async fn sign_up(&self, tag: &str) -> Admin {
        let client = self.client();
        let email = format!("admin.{tag}@example.com");
        let token = self.sign_up_token(&client, &format!("Practice {tag}"), &email).await;
        let (status, body) = self
            .call(&client, "confirm_sign_up", &[("token", &token), ("password", PASSWORD)])
            .await;
        assert!(
            status.is_success() || status.is_redirection(),
            "confirming the sign-up failed: {status} {body}"
        );
        let (user_id, practice_id): (i64, i64) = sqlx::query_as(
            "SELECT u.id, m.practice_id FROM users u JOIN practice_members m ON m.user_id = u.id WHERE u.email = $1",
        )
        .bind(&email)
        .fetch_one(self.db.pool())
        .await
        .unwrap();
        Admin {
            client,
            email,
            practice_id,
            user_id,
        }
    }

    /// Starts a sign-up of `practice` for `email` (password [`PASSWORD`]) and returns
    /// where the answer sends the caller (`Location`).
    pub async fn start_sign_up(&self, client: &Client, practice: &str, email: &str) -> String {
        let response = client
            .http
            .post(format!("{}/api/sign_up", self.address))
            .header("Accept", "application/json")
            .form(&[
                ("practice_name", practice),
                ("name", "Ada Admin"),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "sign up failed: {status} {body}");
        location.expect("sign-up answers with where to go next")
    }

    /// Starts a sign-up and returns the confirmation token from the email (with SMTP) or
    /// from where the answer led (without).
    pub async fn sign_up_token(&self, client: &Client, practice: &str, email: &str) -> String {
        let seen = self.mail_count(email);
        let location = self.start_sign_up(client, practice, email).await;
        match &self.smtp {
            Some(sink) => {
                assert_eq!(location, "/signup/sent");
                let message = sink.wait_for(email, seen).await;
                link_token(&message.data, "/signup/confirm/")
            }
            None if location == "/signup/sent" => self.mailbox_unreachable_token(email).await,
            None => link_token(&location, "/signup/confirm/"),
        }
    }

    /// For an app whose SMTP server is down: stops the worker retrying the newest sign-up
    /// email to `email` and gives its request a token, as if the mail had arrived.
    async fn mailbox_unreachable_token(&self, email: &str) -> String {
        let request: i64 = sqlx::query_scalar("SELECT MAX(id) FROM sign_up_requests WHERE email = $1")
            .bind(email)
            .fetch_one(self.db.pool())
            .await
            .unwrap();
        // Wait until the worker is not holding the message, then take it out of its queue.
        for _ in 0..300 {
            let stopped = sqlx::query(
                "UPDATE email_outbox SET status = 'failed' WHERE sign_up_request_id = $1 AND (claimed_until IS NULL OR claimed_until < $2)",
            )
            .bind(request)
            .bind(app::platform::db::now())
            .execute(self.db.pool())
            .await
            .unwrap()
            .rows_affected();
            if stopped == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let token = app::platform::tokens::new_token();
        sqlx::query("UPDATE sign_up_requests SET token_hash = $1 WHERE id = $2")
            .bind(app::platform::tokens::hash_token(&token))
            .bind(request)
            .execute(self.db.pool())
            .await
            .unwrap();
        token
    }

    /// How many messages the SMTP sink has received for `email` (0 without SMTP).
    pub fn mail_count(&self, email: &str) -> usize {
        self.smtp
            .as_ref()
            .map(|s| {
                s.messages()
                    .iter()
                    .filter(|m| m.to.iter().any(|t| t.contains(email)))
                    .count()
            })
            .unwrap_or(0)
    }

    /// Signs `email` in with `password` in a fresh browser.
    pub async fn sign_in(&self, email: &str, password: &str) -> (Client, StatusCode, Value) {
        let client = self.client();
        let (status, body) = self.sign_in_on(&client, email, password).await;
        (client, status, body)
    }

    /// Signs in on `client`, a browser that may have been someone else's (its other
    /// cookies stay).
    pub async fn sign_in_on(&self, client: &Client, email: &str, password: &str) -> (StatusCode, Value) {
        self.call(client, "sign_in", &[("email", email), ("password", password)])
            .await
    }

    /// The id of a role of `practice_id` by name.
    pub async fn role_id(&self, practice_id: i64, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM roles WHERE practice_id = $1 AND name = $2")
            .bind(practice_id)
            .bind(name)
            .fetch_one(self.db.pool())
            .await
            .unwrap()
    }

    /// Invites `email` with `role_id` as `admin` and returns the link from the email.
    pub async fn invite_and_read_link(&self, admin: &Admin, name: &str, email: &str, role_id: i64) -> String {
        let seen = self.mail_count(email);
        let (status, body) = self
            .call(
                &admin.client,
                "invite_user",
                &[("name", name), ("email", email), ("role_id", &role_id.to_string())],
            )
            .await;
        assert!(status.is_success(), "invite failed: {status} {body}");
        let message = self.smtp.as_ref().expect("app has SMTP").wait_for(email, seen).await;
        invitation_token(&message.data)
    }

    /// Whether `client` is signed in, according to `get_me`.
    pub async fn me(&self, client: &Client) -> Value {
        self.call(client, "get_me", &[]).await.1
    }

    /// The text `client` gets for `path` (a page, a download) of this app.
    pub async fn get_text(&self, client: &Client, path: &str) -> String {
        get_page(&client.http, &format!("{}{path}", self.address))
            .await
            .text()
            .await
            .unwrap()
    }
}

/// A GET of a page, asked again if it does not answer within 20 s (at most three times).
///
/// Rarely (a few times in a thousand page loads on this 2-core machine) a server-rendered
/// page never finishes: Leptos 0.8's resources have a lost-wake race between the task that
/// loads a resource and the render that awaits it (leptos-rs/leptos#4647; fixed upstream
/// in 0.9.0-beta by 22be2a689, not released for 0.8). The product bug is known and written
/// down (README, *Known limits*); a GET changes nothing, so asking again is what a user's
/// reload does, and the tests stay about behaviour. A page that never answers three times
/// still fails the test.
pub async fn get_page(http: &reqwest::Client, url: &str) -> reqwest::Response {
    const ATTEMPT: std::time::Duration = std::time::Duration::from_secs(20);
    for attempt in 1..=3 {
        match http.get(url).timeout(ATTEMPT).send().await {
            Ok(answer) => return answer,
            Err(e) if e.is_timeout() && attempt < 3 => {
                eprintln!("GET {url}: no answer within {ATTEMPT:?} (attempt {attempt}); asking again");
            }
            Err(e) => panic!("GET {url}: {e}"),
        }
    }
    unreachable!()
}

/// The invitation token from an email body.
pub fn invitation_token(body: &str) -> String {
    link_token(body, "/invite/")
}

/// The token after the first `path` (`/invite/`, `/signup/confirm/`) in `text`.
pub fn link_token(text: &str, path: &str) -> String {
    let start = text.find(path).unwrap_or_else(|| panic!("no {path} link in {text}")) + path.len();
    let token: String = text[start..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    assert_eq!(token.len(), 64, "token in {text}");
    token
}

/// Polls all `futures` concurrently on this task (so the requests overlap) and collects them.
pub async fn join_all<F: std::future::Future<Output = T>, T>(futures: Vec<F>) -> Vec<T> {
    let mut pinned: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<T>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (f, slot) in pinned.iter_mut().zip(results.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(results.iter_mut().map(|r| r.take().unwrap()).collect())
        }
    })
    .await
}

/// Adds `n` clients on the Small plan, named `<prefix> 00000` onwards, directly in the
/// database (one statement: the size tests seed 10,000).
pub async fn seed_clients(app: &TestApp, practice_id: i64, prefix: &str, n: usize) {
    let clients: Vec<(String, app::domain::plans::Plan)> = (0..n)
        .map(|i| (format!("{prefix} {i:05}"), app::domain::plans::Plan::Small))
        .collect();
    let mut tx = app.db.begin_write().await.unwrap();
    app::partner::clients::ssr::insert_clients(&mut tx, practice_id, &clients)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Adds an active staff member (Employee, no password) to the practice, directly in the
/// database; returns their user id.
pub async fn seed_staff(app: &TestApp, practice_id: i64, tag: &str) -> i64 {
    use app::platform::names::{DisplayName, EmailAddress};
    let mut tx = app.db.begin_write().await.unwrap();
    let email = EmailAddress::parse(&format!("staff.{tag}@example.com")).unwrap();
    let name = DisplayName::parse("Sam Staff", "name", 200).unwrap();
    let user = app::identity::users::ssr::create_user(&mut tx, &email, &name, None)
        .await
        .unwrap();
    let role = app::access::practices::predefined_role_id(&mut tx, practice_id, app::domain::roles::RoleKind::Employee)
        .await
        .unwrap();
    app::access::members::add_member(&mut tx, practice_id, user, role, false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    user
}

/// Waits until a request to the server is waiting for a row lock on PostgreSQL (or has
/// answered: then it did not wait, which the caller's assertions catch).
pub async fn until_waiting_for_a_lock<T>(app: &TestApp, request: &tokio::task::JoinHandle<T>) {
    for _ in 0..200 {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        if waiting > 0 || request.is_finished() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the request neither waited for the lock nor answered");
}

/// `name` at `email` accepts an invitation to the admin's practice with `role`: their
/// signed-in client and user id.
pub async fn join(app: &TestApp, admin: &Admin, name: &str, email: &str, role: i64) -> (Client, i64) {
    let token = app.invite_and_read_link(admin, name, email, role).await;
    let who = app.client();
    let (status, body) = app
        .call(&who, "accept_invitation", &[("token", &token), ("password", PASSWORD)])
        .await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    (who, id)
}
