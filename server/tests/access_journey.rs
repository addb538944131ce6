//! The access journey over HTTP, through the same server functions and routes the pages
//! use, on both databases: basket, form, team by invitation, the ethics PDF, submission,
//! a return and a resubmission, a reviewer with a conflict, votes and two decisions,
//! and visas node systems verify. Also: mail delivery over SMTP with retries.

mod common;

use app::cohort_access::api::{
    ActOnApplication, AddToBasket, GetApplication, GetInvitation, JoinTeam, SaveApplication, StartApplication,
};
use app::cohort_access::model::{ApplicationPage, ApplicationState, PartStatus};
use common::TestApp;
use leptos::server_fn::ServerFn;

/// A real one-page PDF (a PDF library must read what is uploaded).
const PDF: &[u8] = include_bytes!("fixtures/decision.pdf");

fn today_plus(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days)).date_naive().to_string()
}

/// A complete form; `linkage` is what the resubmission changes.
fn form(id: i64, intent: &str, linkage: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", id.to_string()),
        ("intent", intent.to_owned()),
        ("title", "Plaque, proteins and cancer".into()),
        ("lay_summary", "Why some arteries narrow, and whether cancer changes it.".into()),
        ("scientific_abstract", "Plasma proteomics against CCTA plaque burden.".into()),
        ("purpose", "health_medical".into()),
        ("disease", String::new()),
        ("funding", "Swedish Research Council".into()),
        ("publication_plan", "Open access articles.".into()),
        ("data_categories", "CCTA, plasma proteins".into()),
        ("selection_criteria", "All participants with CCTA".into()),
        ("linkage", linkage.to_owned()),
        ("data_form", "pseudonymised".into()),
        ("data_form_reason", "Linkage needs a key held at the node.".into()),
        ("period_start", today_plus(30)),
        ("period_end", today_plus(3 * 365)),
        ("processing_location", "SciLifeLab secure computing, Sweden".into()),
        ("safeguards", "Two-factor access, logging, no export.".into()),
        ("ethics_reference", "2025-01234-01".into()),
        ("ethics_decision_date", "2025-11-02".into()),
    ]
}

/// The form's fields as the page names them: `form[title]`, beside `id` and `intent`.
fn as_posted(fields: &[(&'static str, String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| match *k {
            "id" | "intent" => ((*k).to_owned(), v.clone()),
            field => (format!("form[{field}]"), v.clone()),
        })
        .collect()
}

async fn save(app: &TestApp, fields: &[(&'static str, String)], cookies: &str) -> (u16, String) {
    let posted = as_posted(fields);
    let fields: Vec<(&str, &str)> = posted.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(SaveApplication::PATH, &fields, cookies).await
}

async fn call(app: &TestApp, path: &str, fields: &[(&str, String)], cookies: &str) -> (u16, String) {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call(path, &fields, cookies).await
}

async fn page(app: &TestApp, id: i64, cookies: &str) -> (u16, Option<ApplicationPage>) {
    let (status, body) =
        call(app, GetApplication::PATH, &[("id", id.to_string()), ("check", "false".into())], cookies).await;
    (status, serde_json::from_str(&body).ok())
}

/// A command as the application page's forms post it: `command[<name>][<field>]`.
async fn command(
    app: &TestApp,
    id: i64,
    name: &str,
    fields: &[(&str, String)],
    cookies: &str,
) -> (u16, String) {
    let mut posted = vec![("id".to_owned(), id.to_string())];
    if fields.is_empty() {
        posted.push(("command".to_owned(), name.to_owned()));
    }
    posted.extend(fields.iter().map(|(k, v)| (format!("command[{name}][{k}]"), v.clone())));
    let fields: Vec<(&str, &str)> = posted.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.call(ActOnApplication::PATH, &fields, cookies).await
}

async fn node_id(app: &TestApp, slug: &str) -> String {
    let id: i64 = sqlx::query_scalar("SELECT id FROM nodes WHERE slug = $1")
        .bind(slug)
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    id.to_string()
}

/// What a committee does at a node, by the name its form's button has.
async fn committee(
    app: &TestApp,
    id: i64,
    node: &str,
    step: &str,
    extra: &[(&str, String)],
    cookies: &str,
) -> (u16, String) {
    let node = node_id(app, node).await;
    let get = |key: &str| extra.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let (name, fields): (&str, Vec<(&str, String)>) = match step {
        "return" => ("return_for_changes", vec![("node", node), ("questions", get("text"))]),
        "extend_deadline" => ("extend_deadline", vec![("node", node), ("reason", get("text"))]),
        "assign_handler" => ("assign_handler", vec![("node", node), ("handler", get("person_id"))]),
        "invite_reviewer" => ("invite_reviewer", vec![("node", node), ("reviewer", get("person_id"))]),
        "vote" => {
            ("vote", vec![("cohort", get("cohort_id")), ("vote", get("vote")), ("comment", get("text"))])
        }
        "approve" => (
            "decide",
            vec![
                ("cohort", get("cohort_id")),
                ("decision][approve][ends_on", get("date")),
                ("decision][approve][conditions", get("text")),
            ],
        ),
        "reject" => {
            ("decide", vec![("cohort", get("cohort_id")), ("decision][reject][reasons", get("text"))])
        }
        other => panic!("no committee step {other}"),
    };
    command(app, id, name, &fields, cookies).await
}

/// What the team does, by the name its form's button has.
async fn team(app: &TestApp, id: i64, step: &str, extra: &[(&str, String)], cookies: &str) -> (u16, String) {
    let get = |key: &str| extra.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let (name, fields): (&str, Vec<(&str, String)>) = match step {
        "invite" => ("invite_member", vec![("email", get("email"))]),
        "accept_terms" => ("accept_terms", vec![("cohort", get("cohort_id"))]),
        "remark" => (
            "add_remark",
            vec![
                ("node", node_id(app, &get("node")).await),
                ("public", "true".into()),
                ("text", get("text")),
            ],
        ),
        other => panic!("no team step {other}"),
    };
    command(app, id, name, &fields, cookies).await
}

async fn upload(app: &TestApp, id: i64, name: &str, bytes: &'static [u8], cookies: &str) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let response = app
        .client
        .post(format!("{}/applications/{id}/attachments", app.base))
        .header("origin", &app.base)
        .header("cookie", cookies)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    let location =
        response.headers().get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    (response.status().as_u16(), location)
}

fn part<'a>(page: &'a ApplicationPage, slug: &str) -> &'a app::cohort_access::model::PartView {
    page.parts.iter().find(|p| p.cohort_slug == slug).unwrap_or_else(|| panic!("no part {slug}"))
}

on_both_backends!(a_researcher_applies_to_two_nodes_and_gets_a_verifiable_grant_for_the_approved_one, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let attachments =
        std::env::temp_dir().join(format!("portal-attachments-{}", uuid::Uuid::new_v4().simple()));
    let dir = attachments.display().to_string();
    let app = TestApp::spawn(t, |c| c.attachment_dir = dir).await;
    let sara = app.sign_in_as("Sara Lindqvist").await;
    let david = app.sign_in_as("David Okafor").await;
    let anna = app.sign_in_as("Anna Ekström").await;
    let karin = app.sign_in_as("Karin Sjöberg").await;
    let mikael = app.sign_in_as("Mikael Holm").await;

    // The basket: two cohorts, decided at two nodes.
    for slug in ["scapis", "u-can"] {
        assert_eq!(call(&app, AddToBasket::PATH, &[("slug", slug.into())], &sara).await.0, 200);
    }
    assert_eq!(call(&app, AddToBasket::PATH, &[("slug", "atlantis".into())], &sara).await.0, 404);
    assert_eq!(call(&app, AddToBasket::PATH, &[("slug", "scapis".into())], "").await.0, 401);
    let (status, body) = call(&app, StartApplication::PATH, &[("title", " ".into())], &sara).await;
    assert_eq!(status, 400, "a title is needed: {body}");
    let (status, body) = call(&app, StartApplication::PATH, &[("title", "Plaque".into())], &sara).await;
    assert_eq!(status, 200, "{body}");
    let id: i64 = body.parse().unwrap();

    // A draft saves whatever it holds; an incomplete one cannot be submitted.
    // As a browser sends it before any choice is made: no purpose, no data form at all.
    let mut incomplete = form(id, "submit", "");
    incomplete.retain(|(field, _)| !["lay_summary", "purpose", "data_form"].contains(field));
    incomplete.push(("lay_summary", String::new()));
    let (status, body) = save(&app, &incomplete, &sara).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"submitted\":false") && body.contains("lay_summary"), "{body}");
    assert!(body.contains("\"purpose\"") && body.contains("\"data_form\""), "{body}");
    assert_eq!(save(&app, &form(id, "save", ""), &sara).await.0, 200);
    let (_, draft) = page(&app, id, &sara).await;
    let draft = draft.unwrap();
    assert_eq!(draft.state, ApplicationState::Draft);
    assert_eq!(draft.form.linkage, "");
    assert_eq!(part(&draft, "scapis").node_slug, "uppsala");
    assert_eq!(part(&draft, "u-can").node_slug, "umea");
    let duo: Vec<(&str, &str)> = draft
        .duo
        .iter()
        .map(|d| (d.acronym.as_str(), d.verdict.as_ref().map(|v| v.code()).unwrap_or("")))
        .collect();
    assert_eq!(
        duo,
        vec![("SCAPIS", "needs_review"), ("U-CAN", "not_compatible")],
        "HMB purpose against DS-cancer"
    );
    // Nobody else reads a draft: not a committee, not an administrator.
    assert_eq!(page(&app, id, &anna).await.0, 403);
    assert_eq!(page(&app, id, &app.sign_in_as("Maria Lund").await).await.0, 403);

    // The ethics decision: a PDF by its content, not its name.
    let (status, location) = upload(&app, id, "decision.pdf", b"GIF89a not a pdf at all", &sara).await;
    assert_eq!((status, location.contains("upload_error=not_pdf")), (303, true), "{location}");
    let (status, location) = upload(&app, id, "beslut.pdf", PDF, &sara).await;
    assert_eq!((status, location.contains("upload_error")), (303, false), "{location}");
    assert_eq!(upload(&app, id, "beslut.pdf", PDF, &anna).await.0, 403);

    // The team: David is invited by mail and joins with the link.
    let (status, body) = team(&app, id, "invite", &[("email", "not-an-address".into())], &sara).await;
    assert!(status == 400 && body.contains("application.refused.invalid.email"), "{body}");
    assert_eq!(team(&app, id, "invite", &[("email", "David.Okafor@example.org".into())], &sara).await.0, 200);
    let mail: String = sqlx::query_scalar(
        "SELECT body FROM notifications WHERE kind = 'member_invited' AND recipient_email = 'david.okafor@example.org'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    let token = mail.split("/invitations/").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
    let (status, body) = call(&app, GetInvitation::PATH, &[("token", token.clone())], &david).await;
    assert!(status == 200 && body.contains("Sara Lindqvist"), "{body}");
    assert_eq!(call(&app, JoinTeam::PATH, &[("token", "f".repeat(64))], &david).await.0, 403);
    assert_eq!(call(&app, JoinTeam::PATH, &[("token", token.clone())], &david).await.0, 200);
    assert_eq!(call(&app, JoinTeam::PATH, &[("token", token)], &mikael).await.0, 403, "a used link");

    // Everyone accepts every cohort's terms; then it can go.
    let (scapis, ucan) = (part(&draft, "scapis").cohort_id, part(&draft, "u-can").cohort_id);
    let (status, body) = save(&app, &form(id, "submit", ""), &sara).await;
    assert!(status == 400 && body.contains("application.refused.terms"), "{status} {body}");
    for who in [&sara, &david] {
        for cohort in [scapis, ucan] {
            assert_eq!(
                team(&app, id, "accept_terms", &[("cohort_id", cohort.to_string())], who).await.0,
                200
            );
        }
    }
    let (status, body) = save(&app, &form(id, "submit", ""), &sara).await;
    assert!(status == 200 && body.contains("\"submitted\":true"), "{body}");
    let (_, submitted) = page(&app, id, &sara).await;
    let submitted = submitted.unwrap();
    assert_eq!(submitted.state, ApplicationState::Submitted);
    let first_deadline = part(&submitted, "u-can").deadline.clone().unwrap();

    // Each committee sees its own part only.
    let (status, umea_view) = page(&app, id, &karin).await;
    assert_eq!(status, 200);
    let umea_view = umea_view.unwrap();
    assert_eq!(umea_view.parts.iter().map(|p| p.cohort_slug.as_str()).collect::<Vec<_>>(), vec!["u-can"]);
    assert_eq!(umea_view.handling.len(), 1);
    assert_eq!(committee(&app, id, "uppsala", "return", &[("text", "Hm?".into())], &karin).await.0, 403);

    // Umeå asks a question: the part goes back and its clock stops.
    let (status, body) = committee(&app, id, "umea", "return", &[("text", " ".into())], &karin).await;
    assert!(status == 400 && body.contains("application.refused.invalid.questions"), "{body}");
    let questions = "Which registers will you link, and why?";
    assert_eq!(committee(&app, id, "umea", "return", &[("text", questions.into())], &karin).await.0, 200);
    let (_, returned) = page(&app, id, &sara).await;
    let returned = returned.unwrap();
    assert_eq!(returned.state, ApplicationState::Returned);
    assert_eq!(part(&returned, "u-can").clock.as_ref().unwrap().status, "paused");
    assert_eq!(part(&returned, "scapis").state, PartStatus::Submitted, "Uppsala's part is not touched");
    assert!(returned.remarks.iter().any(|r| r.kind == "questions" && r.text == questions));

    // What the team changes in the returned draft is theirs until it is submitted again.
    let mut draft = form(id, "save", "");
    draft.retain(|(field, _)| *field != "title");
    draft.push(("title", "A working title".into()));
    assert_eq!(save(&app, &draft, &sara).await.0, 200);
    let (status, location) = upload(&app, id, "beslut-2.pdf", PDF, &sara).await;
    assert_eq!((status, location.contains("upload_error")), (303, false), "{location}");
    let (_, umea_view) = page(&app, id, &karin).await;
    let umea_view = umea_view.unwrap();
    assert_eq!(umea_view.title, "Plaque, proteins and cancer", "the submitted title, not the draft's");
    assert_eq!(umea_view.attachments.len(), 1, "the new PDF is not submitted yet");
    let (_, draft_view) = page(&app, id, &sara).await;
    let new_pdf = draft_view.unwrap().attachments.iter().map(|a| a.id).max().unwrap();
    let refused = app.get(&format!("/applications/{id}/attachments/{new_pdf}"), &karin).await;
    assert_eq!(refused.status().as_u16(), 404);

    // A committee chooses its handler among its own people, and reviewers among reviewers.
    let (david_id, sara_id) =
        (common::person_id(&t.db, "David Okafor").await, common::person_id(&t.db, "Sara Lindqvist").await);
    for (step, person) in [
        ("assign_handler", david_id),
        ("assign_handler", common::person_id(&t.db, "Mikael Holm").await),
        ("invite_reviewer", sara_id),
        ("invite_reviewer", common::person_id(&t.db, "Karin Sjöberg").await),
    ] {
        let (status, body) =
            committee(&app, id, "uppsala", step, &[("person_id", person.to_string())], &anna).await;
        assert_eq!(status, 400, "{step} {person}: {body}");
    }

    // A reviewer for Uppsala declares a conflict: the application is closed to him.
    let mikael_id = common::person_id(&t.db, "Mikael Holm").await;
    let ask = [("person_id", mikael_id.to_string())];
    assert_eq!(committee(&app, id, "uppsala", "invite_reviewer", &ask, &anna).await.0, 200);
    assert_eq!(page(&app, id, &mikael).await.0, 403, "nothing before the declaration");
    let declare = [
        ("node", node_id(&app, "uppsala").await),
        ("conflicted", "true".to_owned()),
        ("reason", "David Okafor is my co-author".to_owned()),
    ];
    assert_eq!(command(&app, id, "declare_conflict", &declare, &mikael).await.0, 200);
    assert_eq!(page(&app, id, &mikael).await.0, 403, "a conflicted reviewer never sees it");
    let attachment = submitted.attachments[0].id;
    let pdf = app.get(&format!("/applications/{id}/attachments/{attachment}"), &mikael).await;
    assert_eq!(pdf.status().as_u16(), 403, "not the files either");
    let pdf = app.get(&format!("/applications/{id}/attachments/{attachment}"), &anna).await;
    assert_eq!(pdf.status().as_u16(), 200);
    assert_eq!(pdf.bytes().await.unwrap().as_ref(), PDF);

    // The applicant answers, changes the form and resubmits; Umeå sees what changed.
    let answer = [("node", "umea".to_owned()), ("text", "The cancer register, for outcomes.".to_owned())];
    assert_eq!(team(&app, id, "remark", &answer, &sara).await.0, 200);
    let (status, body) = save(&app, &form(id, "submit", "The Swedish Cancer Register"), &sara).await;
    assert!(status == 200 && body.contains("\"submitted\":true"), "{body}");
    let (_, resubmitted) = page(&app, id, &karin).await;
    let resubmitted = resubmitted.unwrap();
    assert_eq!(resubmitted.version, 2);
    assert_eq!(resubmitted.compared_versions, Some((1, 2)));
    assert_eq!(
        resubmitted.changed_fields,
        vec!["linkage".to_owned(), "ethics_decision_attachment".to_owned()]
    );
    assert_eq!(resubmitted.attachments.len(), 2, "both PDFs were submitted in some version");
    assert_eq!(resubmitted.form.linkage, "The Swedish Cancer Register");
    let resumed = part(&resubmitted, "u-can").deadline.clone().unwrap();
    assert!(resumed >= first_deadline, "{resumed} vs {first_deadline}");
    // One extension of the deadline, with a reason, moves it three months.
    assert_eq!(
        committee(&app, id, "umea", "extend_deadline", &[("text", "Register linkage".into())], &karin)
            .await
            .0,
        200
    );
    let (_, extended) = page(&app, id, &karin).await;
    let extended = part(&extended.unwrap(), "u-can").deadline.clone().unwrap();
    assert!(extended > resumed, "{extended} vs {resumed}");
    assert_eq!(
        committee(&app, id, "umea", "extend_deadline", &[("text", "Again".into())], &karin).await.0,
        400
    );

    // Uppsala approves after its vote; Umeå rejects with a reason.
    let (anna_id, karin_id) =
        (common::person_id(&t.db, "Anna Ekström").await, common::person_id(&t.db, "Karin Sjöberg").await);
    assert_eq!(
        committee(&app, id, "uppsala", "assign_handler", &[("person_id", anna_id.to_string())], &anna)
            .await
            .0,
        200
    );
    let ends_on = today_plus(365);
    let approve =
        [("cohort_id", scapis.to_string()), ("date", ends_on.clone()), ("text", "Cite SCAPIS.".to_owned())];
    let (status, body) = committee(&app, id, "uppsala", "approve", &approve, &anna).await;
    assert!(status == 400 && body.contains("application.refused.votes"), "no decision before a vote: {body}");
    let yes = [("cohort_id", scapis.to_string()), ("vote", "approve".to_owned())];
    assert_eq!(committee(&app, id, "uppsala", "vote", &yes, &anna).await.0, 200);
    assert_eq!(committee(&app, id, "uppsala", "approve", &approve, &anna).await.0, 200);
    assert_eq!(
        committee(&app, id, "umea", "assign_handler", &[("person_id", karin_id.to_string())], &karin).await.0,
        200
    );
    let no = [("cohort_id", ucan.to_string()), ("vote", "reject".to_owned())];
    assert_eq!(committee(&app, id, "umea", "vote", &no, &karin).await.0, 200);
    let reasons = "The purpose is not cancer research, which U-CAN's consent requires.";
    let reject = [("cohort_id", ucan.to_string()), ("text", reasons.to_owned())];
    assert_eq!(committee(&app, id, "umea", "reject", &reject, &karin).await.0, 200);

    // The researcher sees both decisions and the end of access; votes stay internal.
    let (_, decided) = page(&app, id, &sara).await;
    let decided = decided.unwrap();
    assert_eq!(decided.state, ApplicationState::Decided);
    assert_eq!(part(&decided, "scapis").state, PartStatus::AccessActive);
    assert_eq!(part(&decided, "scapis").ends_on.as_deref(), Some(ends_on.as_str()));
    assert_eq!(part(&decided, "u-can").reasons.as_deref(), Some(reasons));
    assert!(decided.timeline.iter().all(|e| !e.internal), "the team sees no committee business");
    assert!(!decided.timeline.iter().any(|e| e.kind == "vote_cast" || e.kind == "conflict_declared"));

    // Mail went out for each step (kept in the demo outbox here).
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT kind FROM notifications WHERE application_id = $1 ORDER BY kind")
            .bind(id)
            .fetch_all(t.db.pool())
            .await
            .unwrap();
    for kind in [
        "approved",
        "member_invited",
        "rejected",
        "remark",
        "returned",
        "reviewer_invited",
        "submitted",
        "submitted_committee",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} mail: {kinds:?}");
    }

    // A node system verifies Sara's visas: exactly the approved cohort.
    let admin = common::person_id(&t.db, "Maria Lund").await;
    let new_token = app::identity::tokens::NewToken {
        name: "uppsala-node",
        scopes: &[app::policy::ApiScope::EntitlementsRead],
        node_id: None,
        expires_at: chrono::Utc::now() + chrono::Duration::days(1),
    };
    let (_, token) = app::identity::tokens::create(&t.db, new_token, admin).await.unwrap();
    let passport: serde_json::Value = app
        .client
        .get(format!("{}/api/permissions/sara-lindqvist", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: serde_json::Value =
        app.client.get(format!("{}/api/jwk", app.base)).send().await.unwrap().json().await.unwrap();
    let visas = passport["ga4gh_passport_v1"].as_array().unwrap();
    let mut values = Vec::new();
    for visa in visas {
        let visa = visa.as_str().unwrap();
        let kid = jsonwebtoken::decode_header(visa).unwrap().kid.unwrap();
        let jwk = keys["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid.as_str()).unwrap();
        let key = jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<serde_json::Value>(visa, &key, &validation).unwrap().claims;
        values.push(claims["ga4gh_visa_v1"]["value"].as_str().unwrap().to_owned());
    }
    assert_eq!(values, vec![format!("{}/datasets/scapis", app.state.config.public_url)]);
    let _ = std::fs::remove_dir_all(attachments);
});

on_both_backends!(a_coordinator_sets_the_rules_new_applications_follow, |t| {
    use app::cohort_access::api::{GetNodeRules, UpdateNodeRules};
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let karin = app.sign_in_as("Karin Sjöberg").await;
    let rules = |slug: &str, months: &str, quorum: &str| {
        vec![
            ("slug", slug.to_owned()),
            ("rules[decision_months]", months.to_owned()),
            ("rules[extension_months]", "2".to_owned()),
            ("rules[quorum]", quorum.to_owned()),
            ("rules[majority]", "two_thirds".to_owned()),
            ("rules[chair_decides_ties]", "true".to_owned()),
        ]
    };
    let (status, body) = call(&app, UpdateNodeRules::PATH, &rules("umea", "13", "2"), &karin).await;
    assert!(status == 400 && body.contains("decision_months"), "{body}");
    assert_eq!(
        call(&app, UpdateNodeRules::PATH, &rules("uppsala", "2", "2"), &karin).await.0,
        403,
        "not her node"
    );
    assert_eq!(call(&app, UpdateNodeRules::PATH, &rules("umea", "2", "2"), &karin).await.0, 200);
    let (status, body) = call(&app, GetNodeRules::PATH, &[("slug", "umea".into())], &karin).await;
    assert_eq!(status, 200);
    let view: app::cohort_access::model::NodeRulesView = serde_json::from_str(&body).unwrap();
    assert_eq!((view.decision_months, view.quorum, view.majority.as_str()), (2, 2, "two_thirds"));
    let changed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM events WHERE action = 'node_rules_updated' AND subject_id = 'umea'",
    )
    .fetch_one(t.db.pool())
    .await
    .unwrap();
    assert_eq!(changed, 1, "the change is an audit event");

    // An application started now decides U-CAN in two months, by two of three votes.
    let sara = app.sign_in_as("Sara Lindqvist").await;
    assert_eq!(call(&app, AddToBasket::PATH, &[("slug", "u-can".into())], &sara).await.0, 200);
    let (_, id) = call(&app, StartApplication::PATH, &[("title", "Rules".into())], &sara).await;
    let id: i64 = id.parse().unwrap();
    let mut conn = t.db.pool().acquire().await.unwrap();
    let (application, _) = app::cohort_access::store::load(&mut conn, id).await.unwrap();
    let part = application.parts.values().next().unwrap();
    assert_eq!(part.rules.clock.decision_months, 2);
    assert_eq!(part.rules.votes.quorum, 2);
});
