//! The co-creation journey over HTTP, through the server functions and routes the pages
//! use, on both databases: a TRL 4 proposal found ineligible with its reason; a TRL 6 one
//! screened, reviewed by three reviewers assigned by the suggestion (a conflicted fourth
//! refused everywhere), ranked, decided, released with the call's decisions and read back
//! as a consensus report; the public numbers; the agreement. Also the panel benchmark.

mod common;

use app::agreements::api::GetAgreement;
use app::agreements::model::AgreementPage;
use app::co_creation::api::{
    ActOnProposal, DeclareConflict, GetCall, GetPanel, GetProposal, ListCalls, ManageCall, ReviewerDesk,
    SaveProposal, SaveReview, StartProposal,
};
use app::co_creation::model::{
    CallPage, CallSummary, PanelPage, ProposalPage, ProposalState, ReviewerDeskView,
};
use common::TestApp;
use leptos::server_fn::ServerFn;

/// A real one-page PDF (a PDF library must read what is uploaded).
const PDF: &[u8] = include_bytes!("fixtures/decision.pdf");

/// A complete proposal form claiming this TRL.
fn proposal(id: i64, intent: &str, trl: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> =
        vec![("id".into(), id.to_string()), ("intent".into(), intent.into())];
    for (name, value) in [
        ("title", "Sepsis in an hour"),
        ("summary", "A host-response test that tells sepsis within an hour."),
        ("technology", "Targeted RNA panel on a cartridge reader."),
        ("trl_claimed", trl),
        ("trl_evidence", "Validated on 400 biobank samples."),
        ("disease_area", "Sepsis"),
        ("patient_group", "Adults at the emergency department"),
        ("unmet_need", "Hours lost before antibiotics."),
        ("healthcare_pull", "Emergency physicians at two university hospitals ask for it."),
        ("scientific_evidence", "Two published cohorts, AUC 0.91."),
        ("applications", "Emergency departments, ICUs."),
        ("budget", "Cellvia; 1 200 000; 300 000\nUppsala node; 0; 500 000"),
        ("device_class", "ivdr_c"),
        ("ai_act_class", "high"),
        ("regulatory_pathway", "IVDR class C with a notified body."),
        ("background_ip", "Patent application on the panel."),
        ("milestones", "Clinical study month 6; CE mark month 24."),
        ("may_name", "true"),
    ] {
        fields.push((format!("fields[{name}]"), value.into()));
    }
    for (name, value) in [
        ("nodes[uppsala]", "uppsala"),
        ("nodes[umea]", "umea"),
        ("resources[samples]", "samples"),
        ("resources[cohort_data]", "cohort_data"),
    ] {
        fields.push((name.into(), value.into()));
    }
    fields
}

async fn call(app: &TestApp, path: &str, fields: &[(String, String)], cookies: &str) -> (u16, String) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(path, &fields, cookies).await
}

fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

async fn page(app: &TestApp, id: i64, cookies: &str) -> (u16, Option<ProposalPage>) {
    let (status, body) =
        call(app, GetProposal::PATH, &args(&[("id", &id.to_string()), ("check", "false")]), cookies).await;
    (status, serde_json::from_str(&body).ok())
}

/// A command as the proposal page's small forms post it: `command[<name>][<field>]`.
fn command(id: i64, name: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut posted = args(&[("id", &id.to_string())]);
    if fields.is_empty() {
        posted.push(("command".into(), name.into()));
    }
    posted.extend(fields.iter().map(|(k, v)| (format!("command[{name}][{k}]"), (*v).to_owned())));
    posted
}

async fn review(
    app: &TestApp,
    id: i64,
    cookies: &str,
    scores: [&str; 5],
    comment: &str,
    justification: &str,
) -> (u16, String) {
    let mut fields = args(&[("id", &id.to_string()), ("intent", "submit")]);
    for (code, score) in app::co_creation::model::DEFAULT_CRITERIA.iter().zip(scores) {
        fields.push((format!("review[score][{code}]"), score.into()));
        fields.push((format!("review[comment][{code}]"), comment.into()));
    }
    fields.push(("review[assessed_trl]".into(), "6".into()));
    fields.push(("review[confidence]".into(), "high".into()));
    fields.push(("review[justification]".into(), justification.into()));
    call(app, SaveReview::PATH, &fields, cookies).await
}

on_both_backends!(a_proposal_goes_from_submission_to_a_consensus_report_and_an_agreement, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |config| {
        config.attachment_dir =
            std::env::temp_dir().join(format!("portal-cc-{}", std::process::id())).display().to_string();
    })
    .await;
    let emma = app.sign_in_as("Emma Novak").await;
    let oskar = app.sign_in_as("Oskar Wik").await;
    let maria = app.sign_in_as("Maria Lund").await;
    let per = app.sign_in_as("Per Almqvist").await;
    let reviewers = [
        app.sign_in_as("Mikael Holm").await,
        app.sign_in_as("Johanna Berg").await,
        app.sign_in_as("Ali Hassan").await,
    ];
    let eva = app.sign_in_as("Eva Lindgren").await;

    let (status, body) = call(&app, ListCalls::PATH, &[], "").await;
    assert_eq!(status, 200, "{body}");
    let calls: Vec<CallSummary> = serde_json::from_str(&body).unwrap();
    let slug = calls[0].slug.clone();

    // Nordbiotix claims TRL 4: complete, but ineligible, with the reason in plain words.
    let start = |company: &str, title: &str| args(&[("call", &slug), ("company", company), ("title", title)]);
    let (status, body) = call(&app, StartProposal::PATH, &start("nordbiotix", "Lab-only assay"), &emma).await;
    assert_eq!(status, 200, "{body}");
    let low: i64 = serde_json::from_str(&body).unwrap();
    let (status, body) = call(&app, StartProposal::PATH, &start("nordbiotix", "Not theirs"), &oskar).await;
    assert_eq!(status, 403, "only a company's representatives propose for it: {body}");
    let (status, body) = call(&app, SaveProposal::PATH, &proposal(low, "submit", "4"), &emma).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("ineligible"), "{body}");
    let low_page = page(&app, low, &emma).await.1.unwrap();
    assert_eq!(low_page.state, ProposalState::Ineligible);
    assert!(
        low_page.ineligible_reason.as_deref().unwrap().contains("TRL 4"),
        "{:?}",
        low_page.ineligible_reason
    );

    // Cellvia's TRL 6 proposal: an incomplete submission is refused at the field.
    let (_, body) = call(&app, StartProposal::PATH, &start("cellvia", "Sepsis in an hour"), &oskar).await;
    let id: i64 = serde_json::from_str(&body).unwrap();
    let mut incomplete = proposal(id, "submit", "6");
    incomplete.retain(|(k, _)| k != "fields[unmet_need]");
    let (status, body) = call(&app, SaveProposal::PATH, &incomplete, &oskar).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"unmet_need\",\"form.required\""), "the problem, at its field: {body}");
    let saved = page(&app, id, &oskar).await.1.unwrap();
    assert_eq!(saved.state, ProposalState::Draft, "a refused submission keeps the draft, and what was typed");
    assert_eq!(saved.form.budget, "Cellvia; 1 200 000; 300 000\nUppsala node; 0; 500 000");
    assert_eq!(saved.form.nodes, vec!["uppsala".to_owned(), "umea".to_owned()]);
    let upload = |bytes: &'static [u8], name: &'static str| {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name);
        app.client
            .post(format!("{}/proposals/{id}/attachments", app.base))
            .header("cookie", &oskar)
            .header("origin", &app.base)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
    };
    let refused = upload(b"not a pdf", "letter.pdf").await.unwrap();
    assert!(refused.headers()["location"].to_str().unwrap().contains("upload_error=not_pdf"));
    let stored = upload(PDF, "letter.pdf").await.unwrap();
    assert!(!stored.headers()["location"].to_str().unwrap().contains("upload_error"));
    let (status, body) = call(&app, SaveProposal::PATH, &proposal(id, "submit", "6"), &oskar).await;
    assert_eq!(status, 200, "{body}");
    let submitted = page(&app, id, &oskar).await.1.unwrap();
    assert_eq!(submitted.state, ProposalState::Submitted);
    let letter = submitted.letter.clone().expect("the letter stays with the proposal").0;

    // Screening; Eva declares a conflict with Cellvia; the suggestion assigns the other three.
    let (status, _) = page(&app, id, &reviewers[0]).await;
    assert_eq!(status, 403, "not yet assigned");
    let screen = command(id, "screen", &[("eligible", "true")]);
    let (status, body) = call(&app, ActOnProposal::PATH, &screen, &per).await;
    assert_eq!(status, 403, "screening is the administrators': {body}");
    let (status, body) = call(&app, ActOnProposal::PATH, &screen, &maria).await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = call(&app, ReviewerDesk::PATH, &[], &eva).await;
    let desk: ReviewerDeskView = serde_json::from_str(&body).unwrap();
    let cellvia =
        desk.companies.iter().find(|(_, name, _)| name.starts_with("Cellvia")).expect("Cellvia is listed").0;
    let (status, body) = call(
        &app,
        DeclareConflict::PATH,
        &args(&[("company", &cellvia.to_string()), ("kind", "financial")]),
        &eva,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) =
        call(&app, ManageCall::PATH, &args(&[("slug", &slug), ("step", "suggest_assignment")]), &maria).await;
    assert_eq!(status, 200, "{body}");
    let mut conn = t.db.read().await.unwrap();
    let (assigned, _) = app::co_creation::store::load(&mut conn, id).await.unwrap();
    drop(conn);
    let eva_id = common::person_id(&t.db, "Eva Lindgren").await;
    assert_eq!(assigned.reviewers.len(), 3);
    assert!(!assigned.reviewers.contains_key(&kernel::PersonId(eva_id)));
    // The conflicted reviewer cannot open it: not the page, not its letter, not by a manual assignment.
    let (status, _) = page(&app, id, &eva).await;
    assert_eq!(status, 403);
    let response = app.get(&format!("/proposals/{id}/attachments/{letter}"), &eva).await;
    assert_eq!(response.status().as_u16(), 403);
    let (status, html) = app.get_text(&format!("/proposals/{id}"), &eva).await;
    assert_eq!(status, 403);
    assert!(!html.contains("Sepsis in an hour"));
    let assign = command(id, "assign_reviewer", &[("reviewer", &eva_id.to_string())]);
    let (status, body) = call(&app, ActOnProposal::PATH, &assign, &maria).await;
    assert_eq!(status, 400, "{body}");

    // Reviews: every score needs a comment; others' reviews appear after one's own.
    let (status, body) = review(&app, id, &reviewers[0], ["4", "4.5", "4", "3.5", "4"], "", "").await;
    assert_eq!(status, 400);
    assert!(body.contains("comment-clinical_need"), "{body}");
    assert!(page(&app, id, &reviewers[0]).await.1.unwrap().reviews_hidden);
    let (status, body) =
        review(&app, id, &reviewers[0], ["4", "4.5", "4", "3.5", "4"], "Convincing.", "").await;
    assert_eq!(status, 200, "{body}");
    let (status, _) =
        review(&app, id, &reviewers[0], ["4.5", "4.5", "4", "3.5", "4"], "Convincing.", "").await;
    assert_eq!(status, 400, "a change after submission needs a justification");
    let (status, _) = review(
        &app,
        id,
        &reviewers[0],
        ["4.5", "4.5", "4", "3.5", "4"],
        "Convincing.",
        "Read the letter again.",
    )
    .await;
    assert_eq!(status, 200);
    let second = page(&app, id, &reviewers[1]).await.1.unwrap();
    assert!(second.reviews_hidden && second.reviews.is_empty());
    review(&app, id, &reviewers[1], ["5", "4", "4", "4", "4"], "Strong pull.", "").await;
    review(&app, id, &reviewers[2], ["2.5", "4", "3.5", "4", "3"], "Pull is local.", "").await;
    let first = page(&app, id, &reviewers[0]).await.1.unwrap();
    assert_eq!(first.reviews.len(), 2, "the others' reviews, by number");
    assert!(first.reviews.iter().all(|r| r.reviewer.starts_with('#')));

    // The panel: clinical need 4.5 / 5 / 2.5 → median 4.5, spread 2.5: disagreement.
    let (status, body) = call(&app, GetPanel::PATH, &args(&[("slug", &slug)]), &per).await;
    assert_eq!(status, 200, "{body}");
    let panel: PanelPage = serde_json::from_str(&body).unwrap();
    let row = panel.rows.iter().find(|r| r.id.get() == id).unwrap();
    assert_eq!((row.rank, row.reviews, row.disagreement, row.passes), (1, 3, true, true));
    assert_eq!(row.medians[0].0.as_deref(), Some("4.5"));
    let (status, _) = call(&app, GetPanel::PATH, &args(&[("slug", &slug)]), &oskar).await;
    assert_eq!(status, 403);

    // The board decides; decisions go out together once the call has closed.
    let decide = command(
        id,
        "record_decision",
        &[
            ("decision", "selected"),
            ("rationale", "Strong clinical pull and a clear path to IVDR."),
            (
                "summary",
                "The panel found the need well documented; validation beyond two sites is the main risk.",
            ),
        ],
    );
    let (status, body) = call(&app, ActOnProposal::PATH, &decide, &maria).await;
    assert_eq!(status, 403, "deciding is the board's: {body}");
    let (status, body) = call(&app, ActOnProposal::PATH, &decide, &per).await;
    assert_eq!(status, 200, "{body}");
    let waiting = page(&app, id, &oskar).await.1.unwrap();
    assert!(
        waiting.report.is_none() && waiting.state == ProposalState::InReview,
        "nothing shows before the release"
    );
    let (status, _) =
        call(&app, ManageCall::PATH, &args(&[("slug", &slug), ("step", "release")]), &maria).await;
    assert_eq!(status, 400, "the call is still open");
    sqlx::query("UPDATE calls SET closes_at = $1 WHERE slug = $2")
        .bind(app::db::timestamp(chrono::Utc::now() - chrono::Duration::minutes(1)))
        .bind(&slug)
        .execute(t.db.pool())
        .await
        .unwrap();
    let (status, body) =
        call(&app, ManageCall::PATH, &args(&[("slug", &slug), ("step", "release")]), &maria).await;
    assert_eq!((status, body.as_str()), (200, "\"1\""));

    // The company reads its decision and consensus report, with no reviewer's name.
    let (status, body) =
        call(&app, GetProposal::PATH, &args(&[("id", &id.to_string()), ("check", "false")]), &oskar).await;
    assert_eq!(status, 200);
    for name in ["Mikael Holm", "Johanna Berg", "Ali Hassan"] {
        assert!(!body.contains(name), "the company must not learn who reviewed");
    }
    let report: ProposalPage = serde_json::from_str(&body).unwrap();
    assert_eq!(report.state, ProposalState::Selected);
    let consensus = report.report.unwrap();
    assert_eq!(consensus.decision, "selected");
    assert_eq!(consensus.criteria[0].1.as_deref(), Some("4.5"));
    assert!(consensus.criteria[0].2.contains(&"Pull is local.".to_owned()));

    // The public page of the closed call: the numbers and the named project.
    let (_, body) = call(&app, GetCall::PATH, &args(&[("slug", &slug)]), "").await;
    let public: CallPage = serde_json::from_str(&body).unwrap();
    let outcome = public.outcome.unwrap();
    assert_eq!((outcome.received, outcome.eligible, outcome.selected), (2, 1, Some(1)));
    assert_eq!(
        outcome.named,
        vec![("Cellvia Diagnostics AB (fictional)".to_owned(), "Sepsis in an hour".to_owned())]
    );

    // The agreement starts once, and the record keeps every step.
    let start_agreement = command(id, "start_agreement", &[]);
    assert_eq!(call(&app, ActOnProposal::PATH, &start_agreement, &oskar).await.0, 200);
    assert_eq!(call(&app, ActOnProposal::PATH, &start_agreement, &oskar).await.0, 400);
    // It is created at once from what the proposal says, as Cellvia's draft to complete.
    let page: ProposalPage = serde_json::from_str(
        &call(&app, GetProposal::PATH, &args(&[("id", &id.to_string()), ("check", "false")]), &oskar).await.1,
    )
    .unwrap();
    let (agreement, _) = page.agreement.expect("the proposal links its agreement");
    let (status, body) =
        call(&app, GetAgreement::PATH, &args(&[("id", &agreement.to_string())]), &oskar).await;
    assert_eq!(status, 200, "{body}");
    let agreement: AgreementPage = serde_json::from_str(&body).unwrap();
    assert_eq!(agreement.title, "Sepsis in an hour");
    assert_eq!(agreement.proposal, Some(id));
    assert_eq!(agreement.parties[0].0, "Cellvia Diagnostics AB (fictional)");
    assert_eq!(agreement.parties[0].2, "coordinator");
    let detail = agreement.detail.expect("the company sees its draft");
    assert_eq!(
        detail.background,
        [("Cellvia Diagnostics AB (fictional)".to_owned(), "Patent application on the panel.".to_owned())]
    );
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM proposal_events WHERE proposal_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    for kind in [
        "created",
        "submitted",
        "screened_eligible",
        "reviewers_assigned",
        "review_submitted",
        "review_revised",
        "decision_recorded",
        "decision_released",
        "agreement_started",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing from {kinds:?}");
    }
    let refused = sqlx::query("UPDATE proposal_events SET reason = 'x' WHERE proposal_id = $1")
        .bind(id)
        .execute(t.db.pool())
        .await;
    assert!(refused.is_err(), "the proposal's events are append-only");
    let mails: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'proposal_decision'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert_eq!(mails, 1, "Cellvia's representative hears of the decision");
});

on_both_backends!(a_company_is_registered_with_a_checked_organisation_number, |t| {
    use app::co_creation::api::RegisterCompany;
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let sara = app.sign_in_as("Sara Lindqvist").await;
    let company = |number: &str| {
        args(&[
            ("company[name]", "Nya Diagnostik AB"),
            ("company[org_number]", number),
            ("company[kind]", "spin_out"),
            ("company[size]", "micro"),
            ("company[contact_name]", "Sara Lindqvist"),
            ("company[contact_email]", "sara@example.org"),
        ])
    };
    let (status, body) = call(&app, RegisterCompany::PATH, &company("556036-0794"), &sara).await;
    assert_eq!(status, 400);
    assert!(body.contains("org_number_check"), "{body}");
    let (status, body) = call(&app, RegisterCompany::PATH, &company("559901-0013"), &sara).await;
    assert_eq!(status, 400, "Nordbiotix has that number");
    assert!(body.contains("org_number_taken"), "{body}");
    let (status, body) = call(&app, RegisterCompany::PATH, &company("5560360793"), &sara).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, "\"nya-diagnostik-ab\"");
    let stored: String = sqlx::query_scalar("SELECT org_number FROM company_profiles p JOIN organisations o ON o.id = p.organisation_id WHERE o.slug = 'nya-diagnostik-ab'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(stored, "556036-0793");
    let (status, _) = call(&app, RegisterCompany::PATH, &company("5560360793"), "").await;
    assert_eq!(status, 401);
});

/// A benchmark, not a test: `cargo test -p portal --test co_creation -- --ignored --nocapture`.
/// 20 calls, 5,000 proposals, 20,000 reviews (five scores each); prints the server time of
/// the ranked panel view of one call (read, aggregated, ranked).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures, asserts nothing about time"]
async fn benchmark_panel_over_5000_proposals_and_20000_reviews() {
    const CALLS: i64 = 20;
    const PROPOSALS: i64 = 5_000;
    const REVIEWS_EACH: i64 = 4;
    const RUNS: usize = 40;
    for (name, t) in common::benchmark_backends(true).await {
        let app = TestApp::spawn(&t, |_| {}).await;
        let admin = common::person_id(&t.db, "Maria Lund").await;
        let companies: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM organisations WHERE kind = 'company' ORDER BY id")
                .fetch_all(t.db.pool())
                .await
                .unwrap();
        let people: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM people ORDER BY id").fetch_all(t.db.pool()).await.unwrap();
        let loading = std::time::Instant::now();
        let now = app::db::now();
        let codes = app::co_creation::model::DEFAULT_CRITERIA;
        let mut tx = t.db.pool().begin().await.unwrap();
        for c in 1..=CALLS {
            sqlx::query(
                "INSERT INTO calls (id, slug, title_sv, title_en, body_sv, body_en, opens_at, closes_at, trl_min, trl_max, published, created_at, updated_at) \
                 VALUES ($1, $2, 'U', 'C', '', '', '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z', 5, 9, 1, $3, $3)",
            )
            .bind(1000 + c)
            .bind(format!("bench-{c}"))
            .bind(&now)
            .execute(&mut *tx)
            .await
            .unwrap();
            for (position, code) in codes.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO call_criteria (call_id, position, code, name_sv, name_en, description_sv, description_en, threshold, weight) \
                     VALUES ($1, $2, $3, $3, $3, '', '', 6, $4)",
                )
                .bind(1000 + c)
                .bind(position as i64)
                .bind(code)
                .bind(if position == 0 { 2i64 } else { 1 })
                .execute(&mut *tx)
                .await
                .unwrap();
            }
        }
        for batch in 0..(PROPOSALS / 250) {
            let (mut proposals, mut versions, mut reviews, mut scores) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            for i in batch * 250..(batch + 1) * 250 {
                let id = 100_000 + i;
                let call = 1000 + i % CALLS + 1;
                let company = companies[(i as usize) % companies.len()];
                proposals.push(format!(
                    "({id}, {call}, {company}, {admin}, 'in_review', 'full', 'Proposal {i}', '{{\"trl_claimed\": {}}}', '{now}', '{now}', '{now}')",
                    5 + i % 5
                ));
                versions.push(format!("({id}, 1, 'full', '{{\"trl_claimed\": {}}}', '{now}')", 5 + i % 5));
                for r in 0..REVIEWS_EACH {
                    let reviewer = people[((i + r) as usize) % people.len()];
                    reviews.push(format!(
                        "({id}, {reviewer}, {}, 'medium', '{now}', 1, '{now}')",
                        5 + (i + r) % 5
                    ));
                    for (n, code) in codes.iter().enumerate() {
                        let score = (i * 7 + r * 3 + n as i64 * 5) % 11;
                        scores.push(format!("({id}, {reviewer}, '{code}', {score}, 'Comment {r}')"));
                    }
                }
            }
            for (table, columns, rows) in [
                (
                    "proposals",
                    "(id, call_id, company_id, created_by, state, stage, title, form, submitted_at, created_at, updated_at)",
                    &proposals,
                ),
                (
                    "reviews",
                    "(proposal_id, reviewer_id, assessed_trl, confidence, submitted_at, revision, updated_at)",
                    &reviews,
                ),
                ("review_scores", "(proposal_id, reviewer_id, criterion, score, comment)", &scores),
                ("proposal_versions", "(proposal_id, version, stage, form, submitted_at)", &versions),
            ] {
                for chunk in rows.chunks(500) {
                    sqlx::query(&format!("INSERT INTO {table} {columns} VALUES {}", chunk.join(", ")))
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                }
            }
        }
        tx.commit().await.unwrap();
        let loaded = loading.elapsed();
        let person =
            app::identity::store::load_person(&t.db, kernel::PersonId(admin)).await.unwrap().unwrap();
        let mut conn = t.db.pool().acquire().await.unwrap();
        let call = app::co_creation::store::call(&mut conn, "bench-7").await.unwrap().unwrap();
        drop(conn);
        let mut times = Vec::with_capacity(RUNS);
        let mut rows = 0;
        for _ in 0..RUNS {
            let started = std::time::Instant::now();
            let mut conn = t.db.read().await.unwrap();
            let panel = app::co_creation::views::panel_page(
                &mut conn,
                &app.state,
                &person,
                &call,
                chrono::Utc::now(),
            )
            .await
            .unwrap();
            drop(conn);
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            rows = panel.rows.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name}: {CALLS} calls, {PROPOSALS} proposals, {} reviews loaded in {:.1} s; the ranked panel view of one call \
             ({rows} proposals, {} reviews): median {:.1} ms, p95 {:.1} ms ({RUNS} runs)",
            PROPOSALS * REVIEWS_EACH,
            loaded.as_secs_f64(),
            rows as i64 * REVIEWS_EACH,
            times[RUNS / 2],
            times[RUNS * 95 / 100],
        );
    }
}

on_both_backends!(an_administrator_opens_a_call_with_its_criteria, |t| {
    use app::co_creation::api::{GetCallEditor, SaveCall};
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let maria = app.sign_in_as("Maria Lund").await;
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, _) = call(&app, GetCallEditor::PATH, &args(&[("slug", "")]), &emma).await;
    assert_eq!(status, 403);
    let mut form = args(&[
        ("slug", ""),
        ("call[title_sv]", "Sepsis 2027"),
        ("call[title_en]", "Sepsis diagnostics 2027"),
        ("call[body_sv]", ""),
        ("call[body_en]", "Find <script>x</script> **sepsis** earlier."),
        ("call[opens]", "2026-01-10T09:00"),
        ("call[closes]", "2026-01-09T09:00"),
        ("call[trl_min]", "5"),
        ("call[trl_max]", "9"),
        ("call[disease_areas]", "Sepsis"),
        ("call[overall_threshold]", "3"),
        ("call[reviewers_per_proposal]", "3"),
        ("call[published]", "true"),
        ("criteria[code-0]", ""),
        ("criteria[name_sv-0]", "Kliniskt behov"),
        ("criteria[name_en-0]", "Clinical need"),
        ("criteria[description_sv-0]", ""),
        ("criteria[description_en-0]", ""),
        ("criteria[threshold-0]", "3.5"),
        ("criteria[weight-0]", "2"),
        ("criteria[name_en-1]", ""),
        ("criteria[threshold-1]", ""),
    ]);
    let (status, body) = call(&app, SaveCall::PATH, &form, &maria).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("closes_before_opens"), "{body}");
    form.iter_mut().find(|(k, _)| k == "call[closes]").unwrap().1 = "2099-03-01T17:00".into();
    let (status, body) = call(&app, SaveCall::PATH, &form, &maria).await;
    assert_eq!(status, 200, "{body}");
    let slug: String = serde_json::from_str(&body).unwrap();
    let (_, body) = call(&app, GetCall::PATH, &args(&[("slug", &slug)]), "").await;
    let page: CallPage = serde_json::from_str(&body).unwrap();
    assert_eq!(page.criteria.len(), 1);
    assert_eq!((page.criteria[0].threshold.as_str(), page.criteria[0].weight), ("3.5", 2));
    assert!(page.body.en.contains("&lt;script&gt;") && page.body.en.contains("<strong>sepsis</strong>"));
    // 17:00 in Stockholm in March is 16:00 UTC.
    assert_eq!(page.call.closes, "2099-03-01 17:00");
    assert_eq!(page.call.closes_iso, "2099-03-01T16:00:00.000000Z");
});
