//! `portal`: serves the portal, migrates the database and loads demo data.

use app::config::Mode;
use clap::{Parser, Subcommand};
use portal::{prepare_state, router, settings, telemetry};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Parser)]
#[command(name = "portal", version, about = "Governance, co-creation and cohort access portal", after_help = settings::help_text())]
struct Cli {
    /// A TOML file with settings (keys as below, without the PORTAL_ prefix).
    #[arg(long, env = "PORTAL_CONFIG_FILE", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the portal (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load the illustrative demo data into an empty database (does nothing otherwise).
    SeedDemo,
    /// Check the configuration (including the production rules) and print it without secrets.
    CheckConfig,
    /// Work with the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit 1 and name the first broken row if it does not hold.
    Verify,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match settings::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("portal: configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format, &config.log_filter);

    if config.mode == Mode::Production {
        let problems = config.production_problems();
        if !problems.is_empty() {
            for problem in &problems {
                eprintln!("portal: refusing to run in production: {problem}");
            }
            return ExitCode::from(2);
        }
    }

    let provider_problems = config.provider_problems();
    if !provider_problems.is_empty() {
        for problem in &provider_problems {
            eprintln!("portal: configuration error: {problem}");
        }
        return ExitCode::from(2);
    }

    match cli.command.unwrap_or(Command::Serve) {
        Command::CheckConfig => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let _ =
                writeln!(std::io::stdout(), "{}", serde_json::to_string_pretty(&config).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Command::Migrate => match app::db::Db::connect(&config.database_url, 1).await {
            Ok(db) => match db.migrate().await {
                Ok(()) => {
                    println!("migrations applied ({})", db.backend().name());
                    ExitCode::SUCCESS
                }
                Err(error) => fail(error),
            },
            Err(error) => fail(error),
        },
        Command::SeedDemo => seed_demo(&config).await,
        Command::Audit(AuditCommand::Verify) => audit_verify(&config).await,
        Command::Serve => serve(config).await,
    }
}

fn fail(error: impl std::fmt::Display) -> ExitCode {
    eprintln!("portal: {error}");
    ExitCode::FAILURE
}

async fn audit_verify(config: &app::config::PortalConfig) -> ExitCode {
    let db = match app::db::Db::connect(&config.database_url, 2).await {
        Ok(db) => db,
        Err(error) => return fail(error),
    };
    match app::audit::store::verify(&db).await {
        Ok(report) => match report.first_break {
            None => {
                println!("audit chain intact: {} rows verified; head {}", report.rows_checked, report.head);
                ExitCode::SUCCESS
            }
            Some((id, problem)) => {
                let what = match problem {
                    app::audit::chain::Break::Unsealed => "has no hash (written around the portal)",
                    app::audit::chain::Break::ContentChanged => "was changed after it was written",
                    app::audit::chain::Break::LinkBroken => {
                        "does not follow the row before it (a row was removed, inserted or re-hashed)"
                    }
                };
                println!(
                    "audit chain BROKEN at row {id}: the row {what}; {} rows before it verified",
                    report.rows_checked
                );
                ExitCode::FAILURE
            }
        },
        Err(error) => fail(error),
    }
}

async fn seed_demo(config: &app::config::PortalConfig) -> ExitCode {
    let db = match app::db::Db::connect(&config.database_url, 2).await {
        Ok(db) => db,
        Err(error) => return fail(error),
    };
    if let Err(error) = db.migrate().await {
        return fail(error);
    }
    match app::demo::seed_demo(&db, Some(&config.public_url)).await {
        Ok(app::demo::SeedOutcome::Loaded { nodes, organisations, cohorts, people }) => {
            println!(
                "demo data loaded: {nodes} nodes, {organisations} organisations, {cohorts} cohorts, {people} people (illustrative)"
            );
            ExitCode::SUCCESS
        }
        Ok(app::demo::SeedOutcome::SkippedNotEmpty) => {
            println!("the database already has data; demo data not loaded");
            ExitCode::SUCCESS
        }
        Err(error) => fail(error),
    }
}

async fn serve(config: app::config::PortalConfig) -> ExitCode {
    let job_interval = Duration::from_secs(config.job_interval_seconds.max(1));
    let options = match portal::leptos_options() {
        Ok(options) => options,
        Err(error) => return fail(error),
    };
    let state = match prepare_state(config, options).await {
        Ok(state) => state,
        Err(error) => return fail(error),
    };
    if state.config.demo_sign_in && !app::demo::is_demo_database(&state.db).await.unwrap_or(false) {
        tracing::warn!(
            "demo sign-in is configured but stays off: this database was not made by `portal seed-demo`"
        );
    }
    let addr = state.leptos_options.site_addr;
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => return fail(format!("cannot listen on {addr}: {error}")),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let jobs = tokio::spawn(run_jobs(state.clone(), job_interval, stop_rx.clone()));
    tracing::info!(%addr, database = state.db.backend().name(), "portal listening on http://{addr}");

    let app = router(state.clone()).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            let _ = stop_tx.send(true);
        })
        .await;
    let _ = jobs.await;
    state.db.close().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error),
    }
}

/// Each replica looks for due jobs now and then; the lease decides who runs them.
async fn run_jobs(state: app::request::AppState, every: Duration, mut stop: watch::Receiver<bool>) {
    let holder = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
    loop {
        app::jobs::run_due_jobs(&state.db, &state.config, &holder).await;
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
