//! The data layer against real databases: every test runs on SQLite and on PostgreSQL.

mod common;

use app::catalogue::model::DuoTerm;
use app::catalogue::store::overview;
use app::demo::{SeedOutcome, seed_demo};
use app::i18n::Lang;
use app::identity::model::Role;
use app::identity::sessions::{SessionPolicy, hash_token, new_token};
use app::identity::store;
use app::jobs::{self, JobSpec};
use chrono::Duration;

on_both_backends!(migrations_are_applied_and_reported_ready, |t| {
    let readiness = t.db.readiness().await;
    assert!(readiness.is_ready(), "{readiness:?}");
    assert!(readiness.migrations_expected >= 1);
    // Running them again changes nothing.
    t.db.migrate().await.unwrap();
    assert_eq!(t.db.readiness().await, readiness);
});

on_both_backends!(demo_data_loads_once_and_reads_back, |t| {
    let outcome = seed_demo(&t.db, None).await.unwrap();
    assert!(matches!(outcome, SeedOutcome::Loaded { nodes: 7, cohorts, .. } if cohorts >= 8), "{outcome:?}");
    assert_eq!(seed_demo(&t.db, None).await.unwrap(), SeedOutcome::SkippedNotEmpty);

    let english = overview(&t.db, Lang::En).await.unwrap();
    assert_eq!(english.nodes.len(), 7);
    let gothenburg = english.nodes.iter().find(|n| n.slug == "goteborg").unwrap();
    assert_eq!(gothenburg.name, "Gothenburg");
    assert_eq!(gothenburg.hospitals, vec!["Sahlgrenska University Hospital".to_owned()]);
    let scapis = english.cohorts.iter().find(|c| c.slug == "scapis").unwrap();
    assert_eq!(scapis.node_names.len(), 6);
    assert_eq!(scapis.participants, 30154);
    assert!(scapis.illustrative);
    assert_eq!(scapis.consent_codes[0].term, DuoTerm::Hmb, "primary code first");
    let ucan = english.cohorts.iter().find(|c| c.slug == "u-can").unwrap();
    assert!(ucan.consent_codes.iter().any(|c| c.short() == "DS-cancer"));

    let swedish = overview(&t.db, Lang::Sv).await.unwrap();
    assert_eq!(swedish.nodes.iter().find(|n| n.slug == "goteborg").unwrap().name, "Göteborg");

    let history = app::audit::store::history(&t.db, "database", "demo").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].to_state.as_deref(), Some("demo"));
});

on_both_backends!(foreign_keys_are_enforced, |t| {
    let orphan = sqlx::query("INSERT INTO cohort_nodes (cohort_id, node_id) VALUES (4242, 4343)")
        .execute(t.db.pool())
        .await;
    assert!(orphan.is_err(), "a link to nothing must be refused");
});

on_both_backends!(roles_carry_their_scope, |t| {
    seed_demo(&t.db, None).await.unwrap();
    let people = store::all_people(&t.db).await.unwrap();
    let anna = people.iter().find(|p| p.display_name == "Anna Ekström").unwrap();
    assert_eq!(anna.grants[0].role, Role::AccessCommitteeMember);
    assert_eq!(anna.grants[0].node_slug.as_deref(), Some("uppsala"));
    let lars = people.iter().find(|p| p.display_name == "Lars Nyberg").unwrap();
    assert_eq!(lars.grants[0].cohort_slug.as_deref(), Some("scapis"));
    let demo = store::demo_people(&t.db).await.unwrap();
    for role in Role::ALL {
        assert!(demo.iter().any(|p| p.grants.iter().any(|g| g.role == role)), "{role:?}");
    }
});

on_both_backends!(sessions_live_until_they_expire_or_end, |t| {
    seed_demo(&t.db, None).await.unwrap();
    let person = store::demo_people(&t.db).await.unwrap()[0].id;
    let policy = SessionPolicy { idle: Duration::minutes(60), absolute: Duration::hours(12) };
    let key = b"test-key";
    let token = new_token();
    let hash = hash_token(key, &token);
    store::create_session(&t.db, person, &hash, &policy, None, None).await.unwrap();
    let found = store::person_for_session(&t.db, &hash, &policy).await.unwrap();
    assert_eq!(found.map(|p| p.id.get()), Some(person));
    assert!(store::person_for_session(&t.db, &hash_token(key, "forged"), &policy).await.unwrap().is_none());

    // A session past its absolute limit is not honoured and the cleanup job removes it.
    let expired = hash_token(key, &new_token());
    let dead_policy = SessionPolicy { idle: Duration::minutes(60), absolute: Duration::seconds(-1) };
    store::create_session(&t.db, person, &expired, &dead_policy, None, None).await.unwrap();
    assert!(store::person_for_session(&t.db, &expired, &policy).await.unwrap().is_none());
    assert_eq!(store::delete_dead_sessions(&t.db, &policy).await.unwrap(), 1);

    store::delete_session(&t.db, &hash).await.unwrap();
    assert!(store::person_for_session(&t.db, &hash, &policy).await.unwrap().is_none());
});

on_both_backends!(language_preference_is_remembered_per_person, |t| {
    seed_demo(&t.db, None).await.unwrap();
    let maria = store::demo_people(&t.db)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.display_name == "Maria Lund")
        .unwrap();
    assert_eq!(store::preferred_lang(&t.db, maria.id).await.unwrap(), Some(Lang::En));
    assert_eq!(store::set_preferred_lang(&t.db, maria.id, Lang::Sv).await.unwrap(), Some(Lang::En));
    assert_eq!(store::preferred_lang(&t.db, maria.id).await.unwrap(), Some(Lang::Sv));
});

const TEST_JOB: JobSpec =
    JobSpec { name: "test_job", every: Duration::minutes(10), lease: Duration::minutes(5) };

on_both_backends!(only_one_replica_wins_a_job_lease, |t| {
    // Eight replicas race for the same due job; exactly one may run it.
    let mut racers = Vec::new();
    for replica in 0..8 {
        let db = t.db.clone();
        racers.push(tokio::spawn(async move {
            jobs::try_acquire(&db, &TEST_JOB, &format!("replica-{replica}")).await.unwrap()
        }));
    }
    let mut winners = 0;
    for racer in racers {
        winners += usize::from(racer.await.unwrap());
    }
    assert_eq!(winners, 1);
    let holder: String = sqlx::query_scalar("SELECT holder FROM job_leases WHERE job = 'test_job'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    // Nobody else gets it while it is held, nor after it finished until it is due again.
    assert!(!jobs::try_acquire(&t.db, &TEST_JOB, "late-replica").await.unwrap());
    jobs::finish(&t.db, &TEST_JOB, &holder, "ok").await.unwrap();
    assert!(!jobs::try_acquire(&t.db, &TEST_JOB, "late-replica").await.unwrap());
    // A job that is due again (zero interval) can be taken once the lease is released.
    let due_now = JobSpec { every: Duration::zero(), ..TEST_JOB };
    assert!(jobs::try_acquire(&t.db, &due_now, "late-replica").await.unwrap());
});

on_both_backends!(the_job_runner_cleans_sessions, |t| {
    let config = common::test_config(&t.url);
    let ran = jobs::run_due_jobs(&t.db, &config, "replica-a").await;
    assert_eq!(ran.len(), jobs::jobs(&config).len());
    assert!(jobs::run_due_jobs(&t.db, &config, "replica-b").await.is_empty(), "not due again yet");
});

/// Every table and column, as this backend has them after all migrations.
async fn schema(db: &app::db::Db) -> std::collections::BTreeSet<(String, String)> {
    let rows: Vec<(String, String)> = match db.backend() {
        app::db::Backend::Sqlite => sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '\\_sqlx%' ESCAPE '\\' \
               AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
        app::db::Backend::Postgres => sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
    };
    rows.into_iter().collect()
}

/// Both migration sets end in the same tables with the same columns (full-text search is
/// each backend's own: an FTS5 table on SQLite, a generated column on PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_end_with_the_same_tables_and_columns() {
    let Some(postgres) = common::TestDb::postgres().await else { return };
    let sqlite = common::TestDb::sqlite().await;
    let (on_sqlite, on_postgres) = (schema(&sqlite.db).await, schema(&postgres.db).await);
    let search_only =
        |(table, column): &&(String, String)| table.contains("search") || column.contains("search");
    let only_sqlite: Vec<_> = on_sqlite.difference(&on_postgres).filter(|c| !search_only(c)).collect();
    let only_postgres: Vec<_> = on_postgres.difference(&on_sqlite).filter(|c| !search_only(c)).collect();
    assert!(on_sqlite.len() > 100, "the schema was read: {} columns", on_sqlite.len());
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only on SQLite: {only_sqlite:?}\nonly on PostgreSQL: {only_postgres:?}"
    );
}
