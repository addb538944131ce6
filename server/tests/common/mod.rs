//! Test support: a fresh database per test on SQLite or PostgreSQL (dropped afterwards),
//! and a running portal on a random port.
#![allow(dead_code)]

use app::config::PortalConfig;
use app::db::Db;
use app::request::AppState;
use leptos::prelude::LeptosOptions;
use std::path::PathBuf;

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

enum Cleanup {
    SqliteFile(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// A fresh, migrated database that is removed when the value is dropped (even after a
/// failed assertion).
pub struct TestDb {
    pub db: Db,
    pub url: String,
    cleanup: Option<Cleanup>,
}

fn unique_name() -> String {
    format!("portal_test_{}", uuid::Uuid::new_v4().simple())
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
        let url = format!("sqlite://{}", path.display());
        let db = Db::connect(&url, 5).await.expect("sqlite connects");
        db.migrate().await.expect("sqlite migrates");
        TestDb { db, url, cleanup: Some(Cleanup::SqliteFile(path)) }
    }

    /// A fresh PostgreSQL database. When the server cannot be reached the test is skipped
    /// with a message, except under `CI=true`, where that is a failure.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = postgres_admin_url();
        let admin = match Db::connect(&admin_url, 1).await {
            Ok(admin) => admin,
            Err(error) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL at {admin_url} is unreachable and CI=true: {error}");
                }
                eprintln!("SKIPPED: PostgreSQL at {admin_url} is unreachable ({error})");
                return None;
            }
        };
        let name = unique_name();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await.expect("create database");
        admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(base, _)| base).unwrap_or(&admin_url);
        let url = format!("{base}/{name}");
        let db = Db::connect(&url, 5).await.expect("postgres connects");
        db.migrate().await.expect("postgres migrates");
        Some(TestDb { db, url, cleanup: Some(Cleanup::Postgres { admin_url, name }) })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(cleanup) = self.cleanup.take() else { return };
        let pool = self.db.clone();
        // Drop runs outside async code, so a small runtime of its own does the async part.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                pool.close().await;
                match cleanup {
                    Cleanup::SqliteFile(path) => {
                        for suffix in ["", "-wal", "-shm"] {
                            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                        }
                    }
                    Cleanup::Postgres { admin_url, name } => {
                        if let Ok(admin) = Db::connect(&admin_url, 1).await {
                            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .execute(admin.pool())
                                .await;
                            admin.close().await;
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// A figure a test measured (throughput, counts): printed, and where the test command
/// names a file in `TEST_FIGURES_FILE`, written there too, so the command shows every
/// figure after the run whether or not the test's own output is captured.
pub fn figure(line: &str) {
    println!("{line}");
    if let Some(path) = std::env::var_os("TEST_FIGURES_FILE") {
        use std::io::Write as _;
        if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(file, "{line}");
        }
    }
}

/// [`figure`] with `format!` arguments.
#[macro_export]
macro_rules! figure {
    ($($arg:tt)*) => { $crate::common::figure(&format!($($arg)*)) };
}

/// Runs a test body against a fresh database on each backend: `<name>::sqlite` and
/// `<name>::postgres` (the test command counts them by these names).
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$db:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test_db = $crate::common::TestDb::sqlite().await;
                let $db = &test_db;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(test_db) = $crate::common::TestDb::postgres().await else { return };
                let $db = &test_db;
                $body
            }
        }
    };
}

pub fn test_config(database_url: &str) -> PortalConfig {
    PortalConfig {
        database_url: database_url.to_owned(),
        content_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../content").to_owned(),
        ..PortalConfig::default()
    }
}

pub fn test_leptos_options() -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("portal")
        .site_root(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/site"))
        .site_pkg_dir("pkg")
        .build()
}

/// A portal serving on a random loopback port over the given database.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
}

impl TestApp {
    pub async fn spawn(test_db: &TestDb, adjust: impl FnOnce(&mut PortalConfig)) -> TestApp {
        TestApp::spawn_on(test_db, test_db.db.clone(), adjust).await
    }

    /// [`TestApp::spawn`] over another pool on the same database (a smaller one, say).
    pub async fn spawn_on(test_db: &TestDb, db: Db, adjust: impl FnOnce(&mut PortalConfig)) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config = test_config(&test_db.url);
        // Writes are accepted from the public URL's origin only, as a browser there sends.
        config.public_url = base.clone();
        adjust(&mut config);
        let state = portal::state_with(config, db, test_leptos_options()).expect("state");
        let router = portal::router(state.clone());
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        // A response that never completes fails its test instead of stalling the run.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        TestApp { base, client, state }
    }

    /// The origin a browser on the portal's public URL sends with its writes.
    pub fn origin(&self) -> String {
        portal::http_layers::origin_of(&self.state.config.public_url).unwrap_or_default()
    }

    pub async fn get(&self, path: &str, cookies: &str) -> reqwest::Response {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        request.send().await.expect("request is sent")
    }

    pub async fn get_text(&self, path: &str, cookies: &str) -> (u16, String) {
        let response = self.get(path, cookies).await;
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    /// A form post as a browser without JavaScript sends it.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)], cookies: &str) -> reqwest::Response {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("accept", "text/html")
            .header("origin", self.origin())
            .form(form);
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        request.send().await.expect("request is sent")
    }

    /// Calls a server function as the hydrated app does (no HTML redirect): answers the
    /// status and body.
    pub async fn call(&self, path: &str, form: &[(&str, &str)], cookies: &str) -> (u16, String) {
        let mut request =
            self.client.post(format!("{}{path}", self.base)).header("origin", self.origin()).form(form);
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        let response = request.send().await.expect("request is sent");
        (response.status().as_u16(), response.text().await.unwrap_or_default())
    }

    /// [`TestApp::call`] with a body exactly as given (form-encoded by the caller, or
    /// deliberately not); a failure to get an answer is handed back, not a panic.
    pub async fn call_raw(&self, path: &str, body: String, cookies: &str) -> reqwest::Result<(u16, String)> {
        let response = self.post_raw(path, body, cookies, false).await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    }

    /// [`TestApp::post_form`] with a body exactly as given, like [`TestApp::call_raw`].
    pub async fn post_form_raw(
        &self,
        path: &str,
        body: String,
        cookies: &str,
    ) -> reqwest::Result<reqwest::Response> {
        self.post_raw(path, body, cookies, true).await
    }

    async fn post_raw(
        &self,
        path: &str,
        body: String,
        cookies: &str,
        as_plain_form: bool,
    ) -> reqwest::Result<reqwest::Response> {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("origin", self.origin())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if as_plain_form {
            request = request.header("accept", "text/html");
        }
        if !cookies.is_empty() {
            request = request.header("cookie", cookies);
        }
        request.send().await
    }

    /// Signs in as the demo person with this display name; answers the cookie header.
    pub async fn sign_in_as(&self, display_name: &str) -> String {
        let people = app::identity::store::demo_people(&self.state.db).await.unwrap();
        let person = people.iter().find(|p| p.display_name == display_name).expect("demo person exists");
        let response = self
            .post_form(
                <app::identity::api::DemoSignIn as leptos::server_fn::ServerFn>::PATH,
                &[("person_id", &person.id.to_string())],
                "",
            )
            .await;
        assert!(response.status().is_redirection(), "sign-in answered {}", response.status());
        session_cookie(&response).expect("a session cookie is set")
    }
}

pub fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{}=", "portal_session")))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// The id of a demo person, by display name.
pub async fn person_id(db: &app::db::Db, display_name: &str) -> i64 {
    app::identity::store::demo_people(db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.display_name == display_name)
        .expect("demo person exists")
        .id
}

/// The backends a benchmark runs on, by name: SQLite always, PostgreSQL when reachable;
/// each with the demo data when `seeded`.
pub async fn benchmark_backends(seeded: bool) -> Vec<(&'static str, TestDb)> {
    let mut backends = vec![("SQLite", TestDb::sqlite().await)];
    if let Some(postgres) = TestDb::postgres().await {
        backends.push(("PostgreSQL", postgres));
    }
    if seeded {
        for (_, t) in &backends {
            app::demo::seed_demo(&t.db, None).await.expect("demo data");
        }
    }
    backends
}

/// Sara Lindqvist's application for SCAPIS, with this title, created at `now`.
pub async fn saras_scapis_application(db: &Db, title: &str, now: chrono::DateTime<chrono::Utc>) -> i64 {
    let sara = person_id(db, "Sara Lindqvist").await;
    let scapis: i64 = sqlx::query_scalar("SELECT id FROM cohorts WHERE slug = 'scapis'")
        .fetch_one(db.pool())
        .await
        .expect("the demo has SCAPIS");
    app::cohort_access::store::create(
        db,
        &kernel::access::Actor::person(kernel::PersonId(sara)),
        title,
        &[kernel::CohortId(scapis)],
        now,
    )
    .await
    .expect("Sara may apply")
}
