//! Access applications against a real database: the event log, its projections (parts,
//! team, entitlements) and the audit trail move together, on SQLite and PostgreSQL.

mod common;

use app::cohort_access::store::{self, ExecuteError};
use chrono::{DateTime, NaiveDate, Utc};
use kernel::access::votes::Vote;
use kernel::access::{Actor, ApplicationState, Command, Decision, Refusal};
use kernel::{CohortId, NodeId, PersonId};

fn context(now: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(now).unwrap().with_timezone(&Utc)
}

async fn person(db: &app::db::Db, name: &str) -> PersonId {
    PersonId(common::person_id(db, name).await)
}

async fn cohort(db: &app::db::Db, slug: &str) -> CohortId {
    CohortId(id_of(db, "cohorts", slug).await)
}

async fn node(db: &app::db::Db, slug: &str) -> NodeId {
    NodeId(id_of(db, "nodes", slug).await)
}

/// A person's live entitlements.
async fn live(db: &app::db::Db, person: PersonId) -> Vec<store::Entitlement> {
    let mut conn = db.read().await.unwrap();
    store::live_entitlements(&mut conn, person).await.unwrap()
}

/// A node committee's queue.
async fn queue(
    db: &app::db::Db,
    node: NodeId,
    filter: &store::QueueFilter,
    now: DateTime<Utc>,
) -> Vec<store::QueueItem> {
    let mut conn = db.read().await.unwrap();
    store::committee_queue(&mut conn, node.get(), filter, now).await.unwrap()
}

async fn email_of(db: &app::db::Db, person: PersonId) -> String {
    sqlx::query_scalar("SELECT email FROM people WHERE id = $1")
        .bind(person)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// The applicant invites the person by their address and they join (as the invitation's
/// link would let them).
async fn invite_and_join(db: &app::db::Db, id: i64, applicant: PersonId, person: PersonId, now: &str) {
    let email = email_of(db, person).await;
    act(db, id, &Actor::person(applicant), Command::InviteMember { email: email.clone() }, now).await;
    act(db, id, &Actor::person(person), Command::JoinTeam { email }, now).await;
}

/// A command that must be accepted, given at `now`.
async fn act(db: &app::db::Db, id: i64, actor: &Actor, command: Command, now: &str) {
    store::execute(db, id, actor, command, context(now)).await.unwrap();
}

/// The committee votes and decides (the demo nodes decide with one vote).
fn vote(cohort: CohortId, vote: Vote) -> Command {
    Command::Vote { cohort, vote, comment: String::new() }
}

async fn id_of(db: &app::db::Db, table: &str, slug: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE slug = $1"))
        .bind(slug)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

async fn count(db: &app::db::Db, sql: &str, id: impl Into<i64>) -> i64 {
    let id: i64 = id.into();
    sqlx::query_scalar(sql).bind(id).fetch_one(db.pool()).await.unwrap()
}

on_both_backends!(an_application_to_two_nodes_is_stored_as_events_with_projections_and_grants, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let (sara, lars, anna, karin) = (
        person(&t.db, "Sara Lindqvist").await,
        person(&t.db, "Mikael Holm").await,
        person(&t.db, "Anna Ekström").await,
        person(&t.db, "Karin Sjöberg").await,
    );
    let (scapis, ucan) = (cohort(&t.db, "scapis").await, cohort(&t.db, "u-can").await);
    let (uppsala, umea) = (node(&t.db, "uppsala").await, node(&t.db, "umea").await);
    let applicant = Actor::person(sara);
    let uppsala_committee = Actor::committee(anna, &[uppsala]);
    let umea_committee = Actor::committee(karin, &[umea]);

    let id = store::create(
        &t.db,
        &applicant,
        "Heart and cancer",
        &[scapis, ucan],
        context("2026-03-01T10:00:00Z"),
    )
    .await
    .unwrap();
    let run = |actor: &Actor, command: Command, now: &str| {
        let (db, actor) = (t.db.clone(), actor.clone());
        let context = context(now);
        async move { store::execute(&db, id, &actor, command, context).await }
    };
    invite_and_join(&t.db, id, sara, lars, "2026-03-01T10:05:00Z").await;
    let refused = run(&applicant, Command::Submit, "2026-03-01T10:06:00Z").await;
    assert!(matches!(refused, Err(ExecuteError::Refused(Refusal::TermsNotAccepted))), "{refused:?}");
    for (person, cohort) in [(sara, scapis), (sara, ucan), (lars, scapis), (lars, ucan)] {
        run(&Actor::person(person), Command::AcceptTerms { cohort }, "2026-03-01T11:00:00Z").await.unwrap();
    }
    let submitted = run(&applicant, Command::Submit, "2026-03-02T09:00:00Z").await.unwrap();
    assert_eq!(submitted.aggregate.state(), ApplicationState::Submitted);

    // Each node's queue sees its own part, with a deadline.
    let queue: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT node_id, state, deadline FROM application_parts WHERE application_id = $1 ORDER BY node_id",
    )
    .bind(id)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    assert_eq!(queue.len(), 2);
    assert!(queue.iter().all(|(_, state, deadline)| state == "submitted" && deadline.is_some()));

    run(
        &umea_committee,
        Command::ReturnForChanges { node: umea, questions: "Which registers?".into() },
        "2026-03-04T09:00:00Z",
    )
    .await
    .unwrap();
    let wrong = run(
        &umea_committee,
        Command::AssignHandler { node: uppsala, handler: karin },
        "2026-03-04T09:00:00Z",
    )
    .await;
    assert!(matches!(wrong, Err(ExecuteError::Refused(Refusal::NotAllowed))), "{wrong:?}");
    run(&applicant, Command::Submit, "2026-03-14T09:00:00Z").await.unwrap();
    run(&uppsala_committee, Command::AssignHandler { node: uppsala, handler: anna }, "2026-03-15T09:00:00Z")
        .await
        .unwrap();
    run(&umea_committee, Command::AssignHandler { node: umea, handler: karin }, "2026-03-15T09:00:00Z")
        .await
        .unwrap();
    let ends_on = NaiveDate::from_ymd_opt(2028, 3, 31).unwrap();
    let approve = Command::Decide {
        cohort: scapis,
        decision: Decision::Approve { ends_on, conditions: "Cite SCAPIS.".into() },
    };
    run(&uppsala_committee, vote(scapis, Vote::Approve), "2026-04-01T08:00:00Z").await.unwrap();
    run(&uppsala_committee, approve, "2026-04-01T09:00:00Z").await.unwrap();
    let reject =
        Command::Decide { cohort: ucan, decision: Decision::Reject { reasons: "Outside DS-cancer.".into() } };
    run(&umea_committee, vote(ucan, Vote::Reject), "2026-04-02T08:00:00Z").await.unwrap();
    let decided = run(&umea_committee, reject, "2026-04-02T09:00:00Z").await.unwrap();
    assert_eq!(decided.aggregate.state(), ApplicationState::Decided);

    // One entitlement per team member for the approved cohort only.
    let sara_grants = live(&t.db, sara).await;
    assert_eq!(sara_grants.len(), 1);
    assert_eq!((CohortId(sara_grants[0].cohort_id), sara_grants[0].ends_on.as_str()), (scapis, "2028-03-31"));
    assert_eq!(live(&t.db, lars).await.len(), 1);

    // The log is the record: the state folds back from it, and it cannot be changed.
    let mut conn = t.db.pool().acquire().await.unwrap();
    let (folded, events) = store::load(&mut conn, id).await.unwrap();
    assert_eq!(folded.state(), ApplicationState::Decided);
    assert_eq!(
        events.len() as i64,
        count(&t.db, "SELECT COUNT(*) FROM application_events WHERE application_id = $1", id).await
    );
    let changed = sqlx::query("UPDATE application_events SET kind = 'approved' WHERE application_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await;
    assert!(changed.is_err(), "application events are append-only");
    drop(conn);

    // Every command is in the audit trail, with its actor and the states on either side.
    let audited = count(
        &t.db,
        "SELECT COUNT(*) FROM events WHERE subject_kind = 'application' AND subject_id = CAST($1 AS TEXT)",
        id,
    )
    .await;
    // created, invited, joined, 4 terms, submitted, returned, resubmitted, 2 handlers,
    // 2 votes, approved (with access), rejected
    assert_eq!(audited, 1 + 2 + 4 + 1 + 1 + 1 + 2 + 2 + 1 + 1);
    let (from, to): (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT from_state, to_state FROM events WHERE subject_kind = 'application' AND action = 'returned'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!((from.as_deref(), to.as_deref()), (Some("submitted"), Some("returned")));

    // Expiry ends the grants; the system does it, not a person.
    run(&Actor::System, Command::Expire { cohort: scapis }, "2028-04-01T01:00:00Z").await.unwrap();
    assert!(live(&t.db, sara).await.is_empty());
});

on_both_backends!(two_submissions_at_once_make_one_version, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let sara = person(&t.db, "Sara Lindqvist").await;
    let scapis = cohort(&t.db, "scapis").await;
    let applicant = Actor::person(sara);
    let id = store::create(&t.db, &applicant, "", &[scapis], context("2026-03-01T10:00:00Z")).await.unwrap();
    act(&t.db, id, &applicant, Command::AcceptTerms { cohort: scapis }, "2026-03-01T10:01:00Z").await;
    let attempts: Vec<_> = (0..4)
        .map(|_| {
            let (db, actor) = (t.db.clone(), applicant.clone());
            tokio::spawn(async move {
                store::execute(&db, id, &actor, Command::Submit, context("2026-03-02T09:00:00Z")).await
            })
        })
        .collect();
    let mut accepted = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(_) => accepted += 1,
            Err(ExecuteError::Refused(Refusal::WrongState)) => {}
            Err(other) => panic!("unexpected: {other:?}"),
        }
    }
    assert_eq!(accepted, 1);
    assert_eq!(
        count(
            &t.db,
            "SELECT COUNT(*) FROM application_events WHERE application_id = $1 AND kind = 'submitted'",
            id
        )
        .await,
        1
    );
    // A refused creation leaves nothing behind.
    let bad = store::create(&t.db, &applicant, "", &[], context("2026-03-03T09:00:00Z")).await;
    assert!(matches!(bad, Err(ExecuteError::Refused(Refusal::Invalid("cohorts")))), "{bad:?}");
    assert_eq!(count(&t.db, "SELECT COUNT(*) FROM applications WHERE applicant_id = $1", sara).await, 1);
});

on_both_backends!(committees_see_their_queue_overdue_first_and_expiry_ends_access, |t| {
    app::demo::seed_demo_without_history(&t.db, None).await.unwrap();
    let (sara, anna) = (person(&t.db, "Sara Lindqvist").await, person(&t.db, "Anna Ekström").await);
    let uppsala = node(&t.db, "uppsala").await;
    let (scapis, ucan) = (cohort(&t.db, "scapis").await, cohort(&t.db, "u-can").await);
    let applicant = Actor::person(sara);
    let committee = Actor::committee(anna, &[uppsala]);
    // Two applications to Uppsala, submitted a month apart; a third goes to Umeå only.
    let mut ids = Vec::new();
    for (title, submitted, cohort) in [
        ("Early", "2026-01-10T09:00:00Z", scapis),
        ("Late", "2026-02-10T09:00:00Z", scapis),
        ("Elsewhere", "2026-01-05T09:00:00Z", ucan),
    ] {
        let id = store::create(&t.db, &applicant, title, &[cohort], context(submitted)).await.unwrap();
        store::execute(&t.db, id, &applicant, Command::AcceptTerms { cohort }, context(submitted))
            .await
            .unwrap();
        store::execute(&t.db, id, &applicant, Command::Submit, context(submitted)).await.unwrap();
        ids.push(id);
    }
    let now = context("2026-04-20T09:00:00Z");
    let listed = queue(&t.db, uppsala, &store::QueueFilter::default(), now).await;
    let titles: Vec<&str> = listed.iter().map(|q| q.title.as_str()).collect();
    assert_eq!(titles, vec!["Early", "Late"], "the nearest deadline first, other nodes' parts not shown");
    assert!(listed[0].overdue && !listed[1].overdue, "{listed:?}");
    let overdue = store::QueueFilter { overdue_only: true, ..Default::default() };
    assert_eq!(queue(&t.db, uppsala, &overdue, now).await.len(), 1);

    // Assigned to me; the early one gets approved until a date that then passes.
    store::execute(
        &t.db,
        ids[0],
        &committee,
        Command::AssignHandler { node: uppsala, handler: anna },
        context("2026-04-20T09:00:00Z"),
    )
    .await
    .unwrap();
    let mine = store::QueueFilter { assigned_to: Some(anna.get()), ..Default::default() };
    let assigned = queue(&t.db, uppsala, &mine, now).await;
    assert_eq!(assigned.iter().map(|q| q.title.as_str()).collect::<Vec<_>>(), vec!["Early"]);
    let ends_on = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    let approve = Command::Decide {
        cohort: scapis,
        decision: Decision::Approve { ends_on, conditions: String::new() },
    };
    store::execute(&t.db, ids[0], &committee, vote(scapis, Vote::Approve), context("2026-04-21T08:00:00Z"))
        .await
        .unwrap();
    store::execute(&t.db, ids[0], &committee, approve, context("2026-04-21T09:00:00Z")).await.unwrap();
    assert_eq!(queue(&t.db, uppsala, &store::QueueFilter::default(), now).await.len(), 1);

    assert_eq!(
        store::expire_due(&t.db, context("2026-06-30T12:00:00Z")).await.unwrap(),
        0,
        "the end date is the last day"
    );
    assert_eq!(store::expire_due(&t.db, context("2026-07-01T12:00:00Z")).await.unwrap(), 1);
    assert!(live(&t.db, sara).await.is_empty());
    assert_eq!(store::expire_due(&t.db, context("2026-07-02T12:00:00Z")).await.unwrap(), 0, "once only");
});

/// A researcher with SCAPIS approved (Uppsala) and U-CAN rejected (Umeå); answers the
/// application's id and the cohorts' ids.
async fn approved_and_rejected(db: &app::db::Db) -> (i64, CohortId, CohortId) {
    let (sara, anna, karin) = (
        person(db, "Sara Lindqvist").await,
        person(db, "Anna Ekström").await,
        person(db, "Karin Sjöberg").await,
    );
    let (scapis, ucan) = (cohort(db, "scapis").await, cohort(db, "u-can").await);
    let (uppsala, umea) = (node(db, "uppsala").await, node(db, "umea").await);
    let applicant = Actor::person(sara);
    // Decided an hour ago, minute by minute (a decision is in the past when visas are asked for).
    let now = chrono::Utc::now();
    let step = |minutes: i64| now - chrono::Duration::hours(1) + chrono::Duration::minutes(minutes);
    let id = store::create(db, &applicant, "Visas", &[scapis, ucan], step(0)).await.unwrap();
    for cohort in [scapis, ucan] {
        store::execute(db, id, &applicant, Command::AcceptTerms { cohort }, step(1)).await.unwrap();
    }
    store::execute(db, id, &applicant, Command::Submit, step(2)).await.unwrap();
    let (uppsala_committee, umea_committee) =
        (Actor::committee(anna, &[uppsala]), Actor::committee(karin, &[umea]));
    store::execute(
        db,
        id,
        &uppsala_committee,
        Command::AssignHandler { node: uppsala, handler: anna },
        step(3),
    )
    .await
    .unwrap();
    store::execute(db, id, &umea_committee, Command::AssignHandler { node: umea, handler: karin }, step(3))
        .await
        .unwrap();
    let ends_on = (now + chrono::Duration::days(365)).date_naive();
    let approve = Command::Decide {
        cohort: scapis,
        decision: Decision::Approve { ends_on, conditions: String::new() },
    };
    store::execute(db, id, &uppsala_committee, vote(scapis, Vote::Approve), step(4)).await.unwrap();
    store::execute(db, id, &uppsala_committee, approve, step(4)).await.unwrap();
    let reject =
        Command::Decide { cohort: ucan, decision: Decision::Reject { reasons: "Outside DS-cancer.".into() } };
    store::execute(db, id, &umea_committee, vote(ucan, Vote::Reject), step(5)).await.unwrap();
    store::execute(db, id, &umea_committee, reject, step(5)).await.unwrap();
    (id, scapis, ucan)
}

on_both_backends!(node_systems_verify_visas_for_exactly_the_approved_cohort, |t| {
    app::demo::seed_demo_without_history(&t.db, None).await.unwrap();
    approved_and_rejected(&t.db).await;
    let app = common::TestApp::spawn(t, |_| {}).await;
    let admin = person(&t.db, "Maria Lund").await;
    let new_token = app::identity::tokens::NewToken {
        name: "uppsala-node",
        scopes: &[app::policy::ApiScope::EntitlementsRead],
        node_id: None,
        expires_at: chrono::Utc::now() + chrono::Duration::days(30),
    };
    let (_, token) = app::identity::tokens::create(&t.db, new_token, admin.get()).await.unwrap();
    let get = |path: String, token: Option<String>| {
        let mut request = app.client.get(format!("{}{path}", app.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap_or_default())
        }
    };
    let (status, passport) = get("/api/permissions/sara-lindqvist".into(), Some(token.clone())).await;
    assert_eq!(status, 200, "{passport}");
    let visas: Vec<String> = passport["ga4gh_passport_v1"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(visas.len(), 1, "SCAPIS only: U-CAN was rejected");
    assert_eq!(get("/api/permissions/sara-lindqvist".into(), None).await.0, 401);
    assert_eq!(get("/api/permissions/nobody-at-all".into(), Some(token.clone())).await.0, 404);
    let sara = person(&t.db, "Sara Lindqvist").await;
    let by_portal_subject = get(format!("/api/permissions/portal-{}", sara.get()), Some(token.clone())).await;
    assert_eq!(by_portal_subject.1["ga4gh_passport_v1"].as_array().unwrap().len(), 1);

    // Someone at another provider with the same subject: a bare subject is ambiguous, and
    // never answered with the older person's visas.
    sqlx::query(
        "INSERT INTO people (issuer, subject, display_name, created_at) VALUES ('https://other-idp.example', 'sara-lindqvist', 'Another Sara', $1)",
    )
    .bind(app::db::now())
    .execute(t.db.pool())
    .await
    .unwrap();
    assert_eq!(get("/api/permissions/sara-lindqvist".into(), Some(token.clone())).await.0, 409);
    let other =
        get("/api/permissions/sara-lindqvist?issuer=https://other-idp.example".into(), Some(token.clone()))
            .await;
    assert_eq!(other.0, 200);
    assert_eq!(other.1["ga4gh_passport_v1"], serde_json::json!([]), "the other Sara has no access");

    // Verified with an independent JWT library and only the published keys.
    let (status, keys) = get("/api/jwk".into(), None).await;
    assert_eq!(status, 200);
    let keys = keys["keys"].as_array().unwrap().clone();
    let public_url = app.state.config.public_url.clone();
    for visa in &visas {
        let header = jsonwebtoken::decode_header(visa).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
        assert_eq!(header.jku.as_deref(), Some(format!("{public_url}/api/jwk").as_str()));
        let kid = header.kid.unwrap();
        let jwk = keys.iter().find(|k| k["kid"] == kid.as_str()).expect("the kid is published");
        let key = jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.set_issuer(&[format!("{public_url}/")]);
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(visa, &key, &validation).unwrap().claims;
        assert_eq!(claims["sub"], format!("portal-{}", sara.get()));
        assert_eq!(claims["subject_at_issuer"], "sara-lindqvist");
        assert!(claims["subject_issuer"].as_str().is_some_and(|i| !i.is_empty()));
        let grant = &claims["ga4gh_visa_v1"];
        // Asserted when the committee decided, never after the visa was issued.
        let decided: String = sqlx::query_scalar(
            "SELECT MAX(occurred_at) FROM application_events WHERE kind = 'access_activated'",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        let decided = app::db::parse_timestamp(&decided).unwrap().timestamp();
        assert_eq!(grant["asserted"].as_i64(), Some(decided));
        assert!(grant["asserted"].as_i64() <= claims["iat"].as_i64());
        assert_eq!(grant["type"], "ControlledAccessGrants");
        assert_eq!(grant["by"], "dac");
        assert_eq!(grant["value"], format!("{public_url}/datasets/scapis"));
        assert_eq!(grant["source"], format!("{public_url}/nodes/uppsala#access-committee"));
        // A signature made with another key does not verify.
        let mut tampered = visa.clone();
        tampered.replace_range(tampered.len() - 8.., "AAAAAAAA");
        assert!(jsonwebtoken::decode::<serde_json::Value>(&tampered, &key, &validation).is_err());
    }

    // The entitlements list node systems poll.
    let (status, listing) = get("/api/v1/entitlements?dataset=scapis".into(), Some(token.clone())).await;
    assert_eq!(status, 200);
    let rows = listing["entitlements"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{listing}");
    assert_eq!(rows[0]["user"], format!("portal-{}", sara.get()));
    assert_eq!(rows[0]["subject_at_issuer"], "sara-lindqvist");
    assert_eq!(
        get("/api/v1/entitlements?dataset=u-can".into(), Some(token)).await.1["entitlements"],
        serde_json::json!([])
    );

    // A node's token reads its own node's grants only: Umeå's sees none of Uppsala's.
    let umea: i64 =
        sqlx::query_scalar("SELECT id FROM nodes WHERE slug = 'umea'").fetch_one(t.db.pool()).await.unwrap();
    let umea_token = app::identity::tokens::NewToken {
        name: "umea-node",
        scopes: &[app::policy::ApiScope::EntitlementsRead],
        node_id: Some(umea),
        expires_at: chrono::Utc::now() + chrono::Duration::days(30),
    };
    let (_, umea_token) = app::identity::tokens::create(&t.db, umea_token, admin.get()).await.unwrap();
    let (status, listing) = get("/api/v1/entitlements".into(), Some(umea_token.clone())).await;
    assert_eq!((status, listing["entitlements"].clone()), (200, serde_json::json!([])));
    let (status, passport) = get(format!("/api/permissions/portal-{}", sara.get()), Some(umea_token)).await;
    assert_eq!((status, passport["ga4gh_passport_v1"].clone()), (200, serde_json::json!([])));
});

on_both_backends!(a_rotated_key_stays_published_while_its_visas_live, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    approved_and_rejected(&t.db).await;
    let public_url = "https://portal.example.org";
    let now = chrono::Utc::now();
    // Keys rotate every 10 minutes here; visas live an hour.
    let rotation = chrono::Duration::minutes(10);
    let sara = person(&t.db, "Sara Lindqvist").await.get();
    let passport = |at| app::cohort_access::visas::passport(&t.db, public_url, sara, None, rotation, at);
    let first = passport(now).await.unwrap();
    let kid = |visa: &str| jsonwebtoken::decode_header(visa).unwrap().kid.unwrap();
    // 20 minutes on, a new key signs; the old one is still listed, because its visa lives.
    let later = now + chrono::Duration::minutes(20);
    let second = passport(later).await.unwrap();
    assert_ne!(kid(&first[0]), kid(&second[0]));
    let published = app::cohort_access::visas::published_keys(&t.db, later).await.unwrap();
    let kids: Vec<&str> = published.iter().map(|k| k.kid.as_str()).collect();
    assert!(kids.contains(&kid(&first[0]).as_str()) && kids.contains(&kid(&second[0]).as_str()), "{kids:?}");
    // Once every visa the old key signed has expired, only the newest is listed.
    let much_later = now + chrono::Duration::hours(2);
    let published = app::cohort_access::visas::published_keys(&t.db, much_later).await.unwrap();
    assert_eq!(published.iter().map(|k| k.kid.clone()).collect::<Vec<_>>(), vec![kid(&second[0])]);
});

/// The server time of one application page for one viewer: the policy's facts and the page.
async fn timed_page(
    db: &app::db::Db,
    id: i64,
    viewer: &app::identity::model::SignedInPerson,
    now: DateTime<Utc>,
) -> (std::time::Duration, app::cohort_access::model::ApplicationPage) {
    let started = std::time::Instant::now();
    let mut conn = db.read().await.unwrap();
    let record = app::cohort_access::page_data::load(&mut conn, kernel::ApplicationId(id)).await.unwrap();
    drop(conn);
    let page = app::cohort_access::page_data::build(
        &record,
        &viewer.access_actor(),
        false,
        app::i18n::Lang::En,
        now,
    );
    (started.elapsed(), page)
}

/// A benchmark, not a test: `cargo test -p portal --test cohort_access -- --ignored --nocapture`.
/// 100,000 applications with 1,000,000 events; prints the server time of a committee's
/// queue and of loading one application (its events folded).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures, asserts nothing about time"]
async fn benchmark_queue_and_application_over_100000_applications() {
    use kernel::access::Event;
    use kernel::workflow::EventKind;
    const APPLICATIONS: i64 = 100_000;
    const EVENTS_EACH: i64 = 10;
    const RUNS: usize = 40;
    for (name, t) in common::benchmark_backends(true).await {
        let people: Vec<PersonId> =
            sqlx::query_scalar("SELECT id FROM people WHERE display_name <> 'Per Almqvist' ORDER BY id")
                .fetch_all(t.db.pool())
                .await
                .unwrap();
        let cohorts: Vec<(CohortId, NodeId)> = sqlx::query_as(
            "SELECT c.id, MIN(cn.node_id) FROM cohorts c JOIN cohort_nodes cn ON cn.cohort_id = c.id GROUP BY c.id ORDER BY c.id",
        )
        .fetch_all(t.db.pool())
        .await
        .unwrap();
        let loading = std::time::Instant::now();
        let start = DateTime::parse_from_rfc3339("2025-01-01T09:00:00Z").unwrap().with_timezone(&Utc);
        let mut tx = t.db.pool().begin().await.unwrap();
        let states = ["submitted", "under_review", "returned", "decided", "draft"];
        for batch in 0..(APPLICATIONS / 500) {
            let (mut apps, mut parts, mut team, mut events) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for i in batch * 500..(batch + 1) * 500 {
                let id = i + 1;
                let applicant = people[(i as usize) % people.len()];
                let (cohort, node) = cohorts[(i as usize) % cohorts.len()];
                let at = start + chrono::Duration::minutes(i);
                let state = states[(i as usize) % states.len()];
                let deadline = app::db::timestamp(at + chrono::Duration::days(90));
                apps.push(format!(
                    "({id}, {applicant}, 'Application {i}', '{state}', 1, '{{}}', '{0}', '{0}')",
                    app::db::timestamp(at)
                ));
                parts.push(format!(
                    "({id}, {cohort}, {node}, '{state}', NULL, '{deadline}', {})",
                    i64::from(state == "returned")
                ));
                team.push(format!("({id}, {applicant})"));
                let event_list = [
                    Event::Created { applicant, cohorts: vec![(cohort, node)], rules: vec![] },
                    Event::TermsAccepted { person: applicant, cohort },
                    Event::Submitted { version: 1, nodes: vec![node] },
                    Event::HandlerAssigned { node, handler: applicant },
                ];
                for seq in 1..=EVENTS_EACH {
                    let event = &event_list[((seq - 1) as usize).min(event_list.len() - 1)];
                    let payload = serde_json::to_string(event).unwrap().replace('\'', "''");
                    events.push(format!(
                        "({id}, {seq}, '{}', {applicant}, '{}', '{payload}')",
                        app::db::timestamp(at + chrono::Duration::seconds(seq)),
                        event.kind()
                    ));
                }
            }
            for (table, columns, rows) in [
                (
                    "applications",
                    "(id, applicant_id, title, state, version, form, created_at, updated_at)",
                    &apps,
                ),
                (
                    "application_parts",
                    "(application_id, cohort_id, node_id, state, handler_id, deadline, paused)",
                    &parts,
                ),
                ("application_team", "(application_id, person_id)", &team),
                (
                    "application_events",
                    "(application_id, seq, occurred_at, actor_id, kind, payload)",
                    &events,
                ),
            ] {
                sqlx::query(&format!("INSERT INTO {table} {columns} VALUES {}", rows.join(", ")))
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
        }
        tx.commit().await.unwrap();
        if name == "PostgreSQL" {
            sqlx::query("SELECT setval(pg_get_serial_sequence('applications', 'id'), 100000)")
                .execute(t.db.pool())
                .await
                .unwrap();
            sqlx::query("ANALYZE").execute(t.db.pool()).await.unwrap();
        }
        let loaded_in = loading.elapsed();
        let busiest: i64 = sqlx::query_scalar(
            "SELECT node_id FROM application_parts GROUP BY node_id ORDER BY COUNT(*) DESC LIMIT 1",
        )
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        let now = start + chrono::Duration::days(400);
        let mut queue_times = Vec::new();
        let mut shown = 0;
        for run in 0..RUNS + 3 {
            let one = std::time::Instant::now();
            let queue = queue(&t.db, NodeId(busiest), &store::QueueFilter::default(), now).await;
            if run >= 3 {
                queue_times.push(one.elapsed());
            }
            shown = queue.len();
        }
        let mut load_times = Vec::new();
        let mut page_times = Vec::new();
        let mut committee_page_times = Vec::new();
        // Someone off every team, to look as a committee member.
        let committee_person = person(&t.db, "Per Almqvist").await;
        for run in 0..RUNS + 3 {
            let id = 1 + (run as i64 * 2_477) % APPLICATIONS;
            let one = std::time::Instant::now();
            let mut conn = t.db.pool().acquire().await.unwrap();
            let (application, events) = store::load(&mut conn, id).await.unwrap();
            drop(conn);
            if run >= 3 {
                load_times.push(one.elapsed());
            }
            assert_eq!(events.len() as i64, EVENTS_EACH);
            let applicant = application.applicant.unwrap();
            // The whole application page as its applicant sees it: the policy's facts, the
            // fold, names, cohorts, versions, the consent check and the timeline.
            let viewer = app::identity::store::load_person(&t.db, applicant).await.unwrap().unwrap();
            let (took, page) = timed_page(&t.db, id, &viewer, now).await;
            if run >= 3 {
                page_times.push(took);
            }
            // The applicant sees their own events, never the committee's handler assignments.
            assert_eq!(page.timeline.len(), 3);
            // The same page as the deciding node's committee sees it: the submitted version,
            // the handling section with votes, reviewers and the committee's people.
            let grant = app::identity::model::RoleGrant {
                node_id: Some(page.parts[0].node_id),
                ..app::identity::model::RoleGrant::named(
                    app::identity::model::Role::AccessCommitteeMember,
                    Some(page.parts[0].node_slug.clone()),
                    None,
                )
            };
            let member =
                app::identity::model::SignedInPerson { id: committee_person, grants: vec![grant], ..viewer };
            let (took, page) = timed_page(&t.db, id, &member, now).await;
            if run >= 3 {
                committee_page_times.push(took);
            }
            assert_eq!(page.handling.len(), 1);
        }
        queue_times.sort();
        load_times.sort();
        page_times.sort();
        committee_page_times.sort();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM application_events")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
        println!(
            "{name}: {APPLICATIONS} applications and {events} events loaded in {:.1} s; committee queue (first {shown} of the busiest node): \
             median {:.1} ms, p95 {:.1} ms; one application (events folded): median {:.2} ms, p95 {:.2} ms; \
             the whole application page, as its applicant: median {:.2} ms, p95 {:.2} ms; \
             as the deciding committee: median {:.2} ms, p95 {:.2} ms ({RUNS} runs each)",
            loaded_in.as_secs_f64(),
            queue_times[RUNS / 2].as_secs_f64() * 1000.0,
            queue_times[RUNS * 95 / 100].as_secs_f64() * 1000.0,
            load_times[RUNS / 2].as_secs_f64() * 1000.0,
            load_times[RUNS * 95 / 100].as_secs_f64() * 1000.0,
            page_times[RUNS / 2].as_secs_f64() * 1000.0,
            page_times[RUNS * 95 / 100].as_secs_f64() * 1000.0,
            committee_page_times[RUNS / 2].as_secs_f64() * 1000.0,
            committee_page_times[RUNS * 95 / 100].as_secs_f64() * 1000.0,
        );
    }
}

on_both_backends!(team_changes_while_returned_grant_and_remove_access_correctly, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let (sara, lars, david) = (
        person(&t.db, "Sara Lindqvist").await,
        person(&t.db, "Mikael Holm").await,
        person(&t.db, "David Okafor").await,
    );
    let (anna, karin) = (person(&t.db, "Anna Ekström").await, person(&t.db, "Karin Sjöberg").await);
    let (scapis, ucan) = (cohort(&t.db, "scapis").await, cohort(&t.db, "u-can").await);
    let (uppsala, umea) = (node(&t.db, "uppsala").await, node(&t.db, "umea").await);
    let (applicant, uppsala_committee, umea_committee) =
        (Actor::person(sara), Actor::committee(anna, &[uppsala]), Actor::committee(karin, &[umea]));
    let id = store::create(&t.db, &applicant, "Team", &[scapis, ucan], context("2026-03-01T10:00:00Z"))
        .await
        .unwrap();
    let run = |actor: &Actor, command: Command, now: &str| {
        let (db, actor, context) = (t.db.clone(), actor.clone(), context(now));
        async move { store::execute(&db, id, &actor, command, context).await.unwrap() }
    };
    invite_and_join(&t.db, id, sara, lars, "2026-03-01T10:01:00Z").await;
    for (person, cohort) in [(sara, scapis), (sara, ucan), (lars, scapis), (lars, ucan)] {
        run(&Actor::person(person), Command::AcceptTerms { cohort }, "2026-03-01T10:02:00Z").await;
    }
    run(&applicant, Command::Submit, "2026-03-02T09:00:00Z").await;
    run(&uppsala_committee, Command::AssignHandler { node: uppsala, handler: anna }, "2026-03-03T09:00:00Z")
        .await;
    run(
        &umea_committee,
        Command::ReturnForChanges { node: umea, questions: "Which registers?".into() },
        "2026-03-04T09:00:00Z",
    )
    .await;
    // Uppsala approves while Umeå has the application back with the applicant.
    let ends_on = NaiveDate::from_ymd_opt(2028, 3, 31).unwrap();
    run(&uppsala_committee, vote(scapis, Vote::Approve), "2026-03-05T08:00:00Z").await;
    run(
        &uppsala_committee,
        Command::Decide {
            cohort: scapis,
            decision: Decision::Approve { ends_on, conditions: String::new() },
        },
        "2026-03-05T09:00:00Z",
    )
    .await;
    assert_eq!(live(&t.db, lars).await.len(), 1);
    // Meanwhile the team changes: Lars leaves, David joins.
    run(&applicant, Command::RemoveMember { person: lars }, "2026-03-06T09:00:00Z").await;
    invite_and_join(&t.db, id, sara, david, "2026-03-06T09:01:00Z").await;
    assert!(live(&t.db, lars).await.is_empty(), "off the team, off the data");
    assert!(live(&t.db, david).await.is_empty(), "never reviewed for SCAPIS");
    for cohort in [scapis, ucan] {
        run(&Actor::person(david), Command::AcceptTerms { cohort }, "2026-03-07T09:00:00Z").await;
    }
    run(&applicant, Command::Submit, "2026-03-08T09:00:00Z").await;
    run(&umea_committee, Command::AssignHandler { node: umea, handler: karin }, "2026-03-09T09:00:00Z").await;
    run(&umea_committee, vote(ucan, Vote::Approve), "2026-03-10T08:00:00Z").await;
    run(
        &umea_committee,
        Command::Decide { cohort: ucan, decision: Decision::Approve { ends_on, conditions: String::new() } },
        "2026-03-10T09:00:00Z",
    )
    .await;
    let davids: Vec<CohortId> = live(&t.db, david).await.iter().map(|e| CohortId(e.cohort_id)).collect();
    assert_eq!(davids, vec![ucan], "David was on the team when U-CAN was decided, not SCAPIS");
});

on_both_backends!(conflicted_or_applying_committee_members_see_no_queue_entry_and_get_no_mail, |t| {
    app::demo::seed_demo_without_history(&t.db, None).await.unwrap();
    let (sara, anna, lars) = (
        person(&t.db, "Sara Lindqvist").await,
        person(&t.db, "Anna Ekström").await,
        person(&t.db, "Lars Nyberg").await,
    );
    let scapis = cohort(&t.db, "scapis").await;
    let uppsala = node(&t.db, "uppsala").await;
    let applicant = Actor::person(sara);
    let id = store::create(&t.db, &applicant, "Conflicts", &[scapis], context("2026-03-01T10:00:00Z"))
        .await
        .unwrap();
    act(&t.db, id, &applicant, Command::AcceptTerms { cohort: scapis }, "2026-03-01T10:01:00Z").await;
    store::execute(&t.db, id, &applicant, Command::Submit, context("2026-03-02T09:00:00Z")).await.unwrap();
    // Anna is asked for advice too (she also reviews), and declares a conflict.
    sqlx::query("INSERT INTO role_assignments (person_id, role, granted_at) VALUES ($1, 'reviewer', $2)")
        .bind(anna)
        .bind(app::db::now())
        .execute(t.db.pool())
        .await
        .unwrap();
    // A seat for a cohort this application does not ask for serves none of its parts.
    let ucan = cohort(&t.db, "u-can").await;
    store::execute(
        &t.db,
        id,
        &Actor::cohort_committee(lars, &[ucan]),
        Command::InviteReviewer { node: uppsala, reviewer: anna },
        context("2026-03-03T09:00:00Z"),
    )
    .await
    .unwrap_err();
    let committee = Actor::committee(anna, &[uppsala]);
    store::execute(
        &t.db,
        id,
        &committee,
        Command::InviteReviewer { node: uppsala, reviewer: anna },
        context("2026-03-03T09:00:00Z"),
    )
    .await
    .unwrap();
    let declare = Command::DeclareConflict { node: uppsala, conflicted: true, reason: "My group".into() };
    store::execute(&t.db, id, &Actor::reviewer(anna), declare, context("2026-03-03T10:00:00Z"))
        .await
        .unwrap();
    let now = context("2026-03-04T09:00:00Z");
    let queue_of = |viewer: PersonId| {
        let filter = store::QueueFilter { viewer: Some(viewer.get()), ..Default::default() };
        let db = t.db.clone();
        async move { queue(&db, uppsala, &filter, now).await.len() }
    };
    assert_eq!(queue_of(anna).await, 0, "a declared conflict keeps it out of her queue");
    assert_eq!(queue_of(lars).await, 1);
    assert_eq!(queue_of(sara).await, 0, "nobody handles their own application");
    // Her submission mail went out before; after the conflict no committee mail reaches her.
    let returned = Command::ReturnForChanges { node: uppsala, questions: "Which data?".into() };
    store::execute(
        &t.db,
        id,
        &Actor::cohort_committee(lars, &[ucan]),
        returned,
        context("2026-03-04T09:00:00Z"),
    )
    .await
    .unwrap_err();
    store::execute(
        &t.db,
        id,
        &Actor::committee(lars, &[uppsala]),
        Command::ReturnForChanges { node: uppsala, questions: "Which data?".into() },
        context("2026-03-04T09:00:00Z"),
    )
    .await
    .unwrap();
    store::execute(&t.db, id, &applicant, Command::Submit, context("2026-03-05T09:00:00Z")).await.unwrap();
    let to_anna: Vec<String> = sqlx::query_scalar(
        "SELECT kind FROM notifications WHERE application_id = $1 AND recipient_id = $2 ORDER BY id",
    )
    .bind(id)
    .bind(anna)
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    // (She asked herself for advice, so no mail told her of it.)
    assert_eq!(to_anna, vec!["submitted_committee".to_owned()], "nothing after the conflict");
    let to_lars: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE application_id = $1 AND recipient_id = $2 AND kind = 'submitted_committee'",
    )
    .bind(id)
    .bind(lars)
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(to_lars, 2, "the committee hears of both submissions");
});
