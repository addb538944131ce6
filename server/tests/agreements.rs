//! Collaboration agreements over HTTP, through the server functions the pages use, on both
//! databases: the demo's three agreements as each kind of viewer sees them (the list, one
//! agreement, the board's summary, nothing at all), signing in the order the rules ask
//! until the agreement is in force and its hash is on public record, reminders of an
//! overdue milestone queued once, expiry at the end date, and the draft's terms edited
//! section by section (problems at their rows, the state-aid warning that comes and goes,
//! the approval plan, the guided choice of a model).

mod common;

use app::agreements::api::{
    ActOnAgreement, ChooseModel, ConfirmDemoSignature, GetAgreement, GetTermsEditor, GuideAgreement,
    ListAgreements, ReviseTerms, SetApprovalPlan, VerifyAgreement,
};
use app::agreements::model::Verification;
use app::agreements::model::{AgreementList, AgreementPage, AgreementState};
use app::agreements::model::{GuidePage, TermsEditor};
use common::TestApp;
use leptos::server_fn::ServerFn;

async fn demo_app(t: &common::TestDb) -> TestApp {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    TestApp::spawn(t, |_| {}).await
}

async fn list(app: &TestApp, cookies: &str, filters: &[(&str, &str)]) -> AgreementList {
    let (status, body) = app.call(ListAgreements::PATH, filters, cookies).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn page(app: &TestApp, id: i64, cookies: &str) -> (u16, Option<AgreementPage>) {
    let (status, body) = app.call(GetAgreement::PATH, &[("id", &id.to_string())], cookies).await;
    (status, if status == 200 { Some(serde_json::from_str(&body).unwrap()) } else { None })
}

/// The demo agreement with this title.
async fn agreement_titled(db: &app::db::Db, title: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM agreements WHERE title = $1")
        .bind(title)
        .fetch_one(db.pool())
        .await
        .unwrap()
}

const ACTIVE: &str = "Tidig upptäckt av sepsis på akuten (demo)";
const WAITING: &str = "Snabbtest för troponin i primärvården (demo)";
const DRAFT: &str = "Bildanalys av cellprover med Umeås plattform (demo)";

on_both_backends!(each_viewer_sees_the_agreements_their_rules_show, |t| {
    let app = demo_app(t).await;
    let titles = |list: &AgreementList| {
        let mut titles: Vec<String> = list.rows.iter().map(|r| r.title.clone()).collect();
        titles.sort();
        titles
    };
    let mut all = vec![ACTIVE.to_owned(), WAITING.to_owned(), DRAFT.to_owned()];
    all.sort();
    let admin = app.sign_in_as("Maria Lund").await;
    assert_eq!(titles(&list(&app, &admin, &[]).await), all);
    let board = app.sign_in_as("Per Almqvist").await;
    assert_eq!(titles(&list(&app, &board, &[]).await), all);
    // A party's people, the researcher named to sign, the node's coordinator.
    let emma = app.sign_in_as("Emma Novak").await;
    let mut company_side = vec![WAITING.to_owned(), ACTIVE.to_owned()];
    company_side.sort();
    assert_eq!(titles(&list(&app, &emma, &[]).await), company_side);
    let oskar = app.sign_in_as("Oskar Wik").await;
    assert_eq!(titles(&list(&app, &oskar, &[]).await), [DRAFT]);
    let karin = app.sign_in_as("Karin Sjöberg").await;
    assert_eq!(
        titles(&list(&app, &karin, &[]).await),
        [DRAFT],
        "a member of Umeå University sees its agreement"
    );
    // Legal approves: it sees the agreements whose plan has its role.
    let lena = app.sign_in_as("Lena Juhl").await;
    assert_eq!(titles(&list(&app, &lena, &[]).await).len(), 3);
    let mikael = app.sign_in_as("Mikael Holm").await;
    assert!(list(&app, &mikael, &[]).await.rows.is_empty(), "a reviewer sees no agreement");

    // The filters: overdue first and alone when asked, by state, by party.
    let overdue = list(&app, &admin, &[("query[overdue]", "true")]).await;
    assert_eq!(titles(&overdue), [ACTIVE]);
    assert!(overdue.rows[0].overdue);
    let everything = list(&app, &admin, &[]).await;
    assert_eq!(everything.rows[0].title, ACTIVE, "overdue first");
    let waiting = list(&app, &admin, &[("query[state]", "out_for_signature")]).await;
    assert_eq!(titles(&waiting), [WAITING]);
    let cellvia: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE slug = 'cellvia'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let by_party = list(&app, &admin, &[("query[party]", &cellvia.to_string())]).await;
    assert_eq!(titles(&by_party), [DRAFT]);

    // One agreement: the parties see its text; the board a summary; others nothing.
    let active = agreement_titled(&t.db, ACTIVE).await;
    let (status, seen) = page(&app, active, &emma).await;
    assert_eq!(status, 200);
    let seen = seen.unwrap();
    assert_eq!(seen.state, AgreementState::Active);
    let detail = seen.detail.expect("a party sees the text");
    assert!(!detail.clauses.is_empty() && !detail.money.is_empty());
    assert_eq!(detail.signatures.len(), 3, "the undertaking and both signatories");
    assert!(detail.signatures.iter().all(|s| s.demo), "demo signatures say so");
    assert!(seen.milestones.iter().any(|m| m.code == "M1" && m.overdue));
    let (status, summary) = page(&app, active, &board).await;
    assert_eq!(status, 200);
    let summary = summary.unwrap();
    assert!(summary.summary_only && summary.detail.is_none(), "the board sees a summary only");
    assert!(!summary.parties.is_empty() && summary.total.is_some());
    for (who, cookies) in
        [("a reviewer", &mikael), ("another company", &oskar), ("a coordinator of another node", &karin)]
    {
        let (status, body) = page(&app, active, cookies).await;
        assert_eq!(status, 403, "{who}: {body:?}");
    }
    let (status, _) = page(&app, active, "").await;
    assert_eq!(status, 401, "anonymous");
    let (status, _) = page(&app, 999_999, &admin).await;
    assert_eq!(status, 404);
    // Nor may they act on it.
    let (status, _) = app
        .call(
            ActOnAgreement::PATH,
            &[("id", &active.to_string()), ("command[put_on_hold][reason]", "x")],
            &oskar,
        )
        .await;
    assert_eq!(status, 403);
});

on_both_backends!(signatures_follow_the_order_until_the_agreement_is_in_force, |t| {
    let app = demo_app(t).await;
    let id = agreement_titled(&t.db, WAITING).await.to_string();
    let organisation = |slug: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE slug = $1")
            .bind(slug)
            .fetch_one(t.db.pool())
            .await
            .unwrap()
            .to_string()
    };
    let (lund, nordbiotix) = (organisation("lu").await, organisation("nordbiotix").await);
    let sign = |cookies: String, organisation: String, undertaking: bool| {
        let app = &app;
        let id = id.clone();
        async move {
            app.call(
                ConfirmDemoSignature::PATH,
                &[("id", &id), ("organisation", &organisation), ("undertaking", &undertaking.to_string())],
                &cookies,
            )
            .await
        }
    };
    let in_force_told = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications WHERE kind = 'agreement_in_force'")
            .fetch_one(t.db.pool())
            .await
            .unwrap()
    };
    let told_before = in_force_told().await;
    let emma = app.sign_in_as("Emma Novak").await;
    let helena = app.sign_in_as("Helena Vik").await;
    let david = app.sign_in_as("David Okafor").await;
    // The university signs only after its researcher's undertaking and the company.
    let (status, body) = sign(helena.clone(), lund.clone(), false).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("agreement.sign.refused.order"), "{body}");
    let (status, body) = sign(david.clone(), lund.clone(), true).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = sign(emma.clone(), nordbiotix.clone(), false).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = sign(emma.clone(), nordbiotix.clone(), false).await;
    assert_ne!(status, 200, "a second signature is refused: {body}");
    let (status, body) = sign(helena.clone(), lund.clone(), false).await;
    assert_eq!(status, 200, "{body}");
    let (_, page) = page(&app, id.parse().unwrap(), &emma).await;
    let page = page.unwrap();
    assert_eq!(page.state, AgreementState::Active);
    // The signed version's hash is on public record, and every signer was told.
    let detail = page.detail.unwrap();
    let hash: String = sqlx::query_scalar("SELECT hash FROM signed_versions WHERE agreement_id = $1")
        .bind(id.parse::<i64>().unwrap())
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(detail.hash.replace(' ', ""), hash);
    assert_eq!(in_force_told().await - told_before, 3, "both signatories and the researcher");
    // Anyone may check the hash: the parties and signers, never the content; a changed
    // copy's hash is unknown and a malformed one refused.
    let (status, body) = app.call(VerifyAgreement::PATH, &[("hash", &detail.hash)], "").await;
    assert_eq!(status, 200, "{body}");
    let found: Option<Verification> = serde_json::from_str(&body).unwrap();
    let found = found.expect("the signed version is on record");
    assert_eq!(found.version, 1);
    let signers: Vec<&str> = found.signers.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(signers, ["David Okafor", "Emma Novak", "Helena Vik"]);
    assert!(!body.contains("troponin"), "no content: {body}");
    let mut changed = hash.clone();
    changed.replace_range(0..1, if hash.starts_with('0') { "1" } else { "0" });
    let (status, body) = app.call(VerifyAgreement::PATH, &[("hash", &changed)], "").await;
    assert_eq!((status, body.as_str()), (200, "null"));
    let (status, _) = app.call(VerifyAgreement::PATH, &[("hash", "not a hash")], "").await;
    assert_eq!(status, 400);
    // The signed version as a PDF: for its parties, the same bytes each time; the board
    // (a summary only), a stranger and an anonymous visitor get none; a version that never
    // came into force is no document.
    let pdf_path = format!("/agreements/{id}/versions/1/pdf");
    let response = app.get(&pdf_path, &emma).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let again = app.get(&pdf_path, &helena).await.bytes().await.unwrap().to_vec();
    assert_eq!(pdf, again, "the same version renders to the same bytes");
    let oskar = app.sign_in_as("Oskar Wik").await;
    let board = app.sign_in_as("Per Almqvist").await;
    for (who, cookies, expected) in
        [("the board", &board, 403), ("another company", &oskar, 403), ("anonymous", &String::new(), 401)]
    {
        assert_eq!(app.get(&pdf_path, cookies).await.status(), expected, "{who}");
    }
    assert_eq!(app.get(&format!("/agreements/{id}/versions/2/pdf"), &emma).await.status(), 404);
    assert_eq!(app.get("/agreements/999999/versions/1/pdf", &emma).await.status(), 404);
    // Anyone may upload a copy: the unchanged file is recognised, a changed one is not.
    let upload = |bytes: Vec<u8>| async {
        let part = reqwest::multipart::Part::bytes(bytes).file_name("agreement.pdf");
        let response = app
            .client
            .post(format!("{}/agreements/verify/file", app.base))
            .header("origin", &app.base)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303);
        response.headers()["location"].to_str().unwrap().to_owned()
    };
    let location = upload(pdf.clone()).await;
    let file_hash = location.strip_prefix("/agreements/verify?file=").expect(&location).to_owned();
    let (status, body) =
        app.call(VerifyAgreement::PATH, &[("hash", &file_hash), ("of_file", "true")], "").await;
    assert_eq!(status, 200, "{body}");
    let found: Option<Verification> = serde_json::from_str(&body).unwrap();
    assert_eq!(found.expect("the issued file is known").version, 1);
    let mut altered = pdf.clone();
    let at = altered.len() / 2;
    altered[at] ^= 1;
    let location = upload(altered).await;
    let altered_hash = location.strip_prefix("/agreements/verify?file=").expect(&location).to_owned();
    assert_ne!(altered_hash, file_hash);
    let (status, body) =
        app.call(VerifyAgreement::PATH, &[("hash", &altered_hash), ("of_file", "true")], "").await;
    assert_eq!((status, body.as_str()), (200, "null"), "a changed copy is not recognised");
    // The version's own hash is no file's, and a post without a file says so.
    let (_, body) = app.call(VerifyAgreement::PATH, &[("hash", &hash), ("of_file", "true")], "").await;
    assert_eq!(body, "null");
    let response = app
        .client
        .post(format!("{}/agreements/verify/file", app.base))
        .header("origin", &app.base)
        .multipart(reqwest::multipart::Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["location"], "/agreements/verify?file_error=no_file");
    // A stranger to the agreement cannot sign at all.
    let (status, _) = sign(oskar, lund, false).await;
    assert!(status == 403 || status == 400, "{status}");
});

on_both_backends!(overdue_milestones_are_reminded_once_and_agreements_expire, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let now = chrono::Utc::now();
    let first = app::agreements::store::send_due_reminders(&t.db, now).await.unwrap();
    assert!(first >= 1, "the overdue milestone is reminded");
    let overdue: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'agreement_overdue'")
            .fetch_one(t.db.pool())
            .await
            .unwrap();
    assert!(overdue >= 1);
    let again =
        app::agreements::store::send_due_reminders(&t.db, now + chrono::Duration::hours(1)).await.unwrap();
    assert_eq!(again, 0, "each reminder once");
    // Nothing expires before the end date; after it, the agreement in force does.
    assert_eq!(app::agreements::store::expire_ended(&t.db, now).await.unwrap(), 0);
    let later = now + chrono::Duration::days(3 * 365);
    assert_eq!(app::agreements::store::expire_ended(&t.db, later).await.unwrap(), 1);
    let state: String = sqlx::query_scalar("SELECT state FROM agreements WHERE title = $1")
        .bind(ACTIVE)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(state, "expired");
});

on_both_backends!(the_draft_takes_another_model_from_those_offered, |t| {
    let app = demo_app(t).await;
    let draft = agreement_titled(&t.db, DRAFT).await;
    let oskar = app.sign_in_as("Oskar Wik").await;
    let (_, before) = page(&app, draft, &oskar).await;
    let before = before.unwrap();
    assert!(before.models.len() >= 6, "the example models are offered: {}", before.models.len());
    let other = before.models.iter().find(|m| !m.chosen).expect("another model");
    let choose = |model: String, cookies: String| {
        let app = &app;
        async move {
            app.call(ChooseModel::PATH, &[("id", &draft.to_string()), ("model", &model)], &cookies).await
        }
    };
    let (status, body) = choose(other.id.to_string(), oskar.clone()).await;
    assert_eq!(status, 200, "{body}");
    let (_, after) = page(&app, draft, &oskar).await;
    let after = after.unwrap();
    assert_eq!(after.model.as_deref(), Some(other.name.as_str()));
    assert!(after.models.iter().any(|m| m.chosen && m.id == other.id));
    let (status, _) = choose("999".into(), oskar.clone()).await;
    assert_eq!(status, 400, "an unknown model");
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, _) = choose(other.id.to_string(), emma.clone()).await;
    assert_eq!(status, 403, "another company's draft");
    // Nobody may edit an agreement out for signature: no models are offered.
    let (_, waiting) = page(&app, agreement_titled(&t.db, WAITING).await, &emma).await;
    assert!(waiting.unwrap().models.is_empty());
});

async fn editor(app: &TestApp, id: i64, cookies: &str) -> (u16, Option<TermsEditor>) {
    let (status, body) = app.call(GetTermsEditor::PATH, &[("id", &id.to_string())], cookies).await;
    (status, if status == 200 { Some(serde_json::from_str(&body).unwrap()) } else { None })
}

/// Posts one section of the terms as its form does (`fields[due-2]=…`).
async fn revise(
    app: &TestApp,
    id: i64,
    base: &str,
    section: &str,
    fields: &[(&str, String)],
    cookies: &str,
) -> (u16, String) {
    let id = id.to_string();
    let named: Vec<(String, String)> =
        fields.iter().map(|(k, v)| (format!("fields[{k}]"), v.clone())).collect();
    let mut form: Vec<(&str, &str)> = vec![("id", &id), ("section", section), ("base", base)];
    form.extend(named.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.call(ReviseTerms::PATH, &form, cookies).await
}

on_both_backends!(the_draft_terms_are_edited_section_by_section, |t| {
    let app = demo_app(t).await;
    let draft = agreement_titled(&t.db, DRAFT).await;
    let organisation = |slug: &'static str| async move {
        sqlx::query_scalar::<_, i64>("SELECT id FROM organisations WHERE slug = $1")
            .bind(slug)
            .fetch_one(t.db.pool())
            .await
            .unwrap()
            .to_string()
    };
    let (cellvia, umu) = (organisation("cellvia").await, organisation("umu").await);
    let oskar = app.sign_in_as("Oskar Wik").await;
    // Only those who may edit the draft get its editor.
    for (who, name) in
        [("another company", "Emma Novak"), ("a reviewer", "Mikael Holm"), ("the board", "Per Almqvist")]
    {
        let cookies = app.sign_in_as(name).await;
        let (status, body) = app.call(GetTermsEditor::PATH, &[("id", &draft.to_string())], &cookies).await;
        assert_eq!(status, 403, "{who}: {body}");
    }
    assert_eq!(editor(&app, draft, "").await.0, 401);
    let (status, shown) = editor(&app, draft, &oskar).await;
    assert_eq!(status, 200);
    let shown = shown.unwrap();
    assert_eq!(shown.sections.len(), 9);
    assert!(shown.missing.iter().any(|(field, _)| field == "cost_of_developed_goods"), "{:?}", shown.missing);

    // The general terms; then a save against the version it replaced is refused.
    let general = |cost: &str| {
        vec![
            ("title", DRAFT.to_owned()),
            ("purpose", "att pröva provberedningen".to_owned()),
            ("language", "sv".to_owned()),
            ("start", "2027-01-01".to_owned()),
            ("end", "2027-12-31".to_owned()),
            ("trl_start", "6".to_owned()),
            ("research_category", "industrial_research".to_owned()),
            ("cost_of_developed_goods", cost.to_owned()),
        ]
    };
    let (status, body) = revise(&app, draft, &shown.base, "general", &general("Delas lika"), &oskar).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = revise(&app, draft, &shown.base, "general", &general("Annat"), &oskar).await;
    assert_eq!(status, 400);
    assert!(body.contains("agreement.form.stale"), "{body}");
    let shown = editor(&app, draft, &oskar).await.1.unwrap();
    assert!(!shown.missing.iter().any(|(field, _)| field == "cost_of_developed_goods"));

    // A problem comes back at the row it was typed in.
    let milestones = vec![
        ("code-0", "M1".to_owned()),
        ("title-0", "Provberedning klar".to_owned()),
        ("kind-0", "milestone".to_owned()),
        ("due-0", "2027-06-01".to_owned()),
        ("responsible-0", cellvia.clone()),
        ("code-3", "M2".to_owned()),
        ("kind-3", "deliverable".to_owned()),
        ("due-3", "2027-02-30".to_owned()),
        ("responsible-3", umu.clone()),
    ];
    let (status, body) = revise(&app, draft, &shown.base, "milestones", &milestones, &oskar).await;
    assert_eq!(status, 400);
    assert!(body.contains("milestones-3-due") && body.contains("form.date"), "{body}");
    let mut milestones = milestones;
    milestones[7].1 = "2027-11-30".into();
    let (status, body) = revise(&app, draft, &shown.base, "milestones", &milestones, &oskar).await;
    assert_eq!(status, 200, "{body}");
    let page_now = page(&app, draft, &oskar).await.1.unwrap();
    let codes: Vec<&str> = page_now.milestones.iter().map(|m| m.code.as_str()).collect();
    assert_eq!(codes, ["M1", "M2"]);

    // Contributions: a grant above the aid cap is warned of, and the warning goes when corrected.
    let contributions = |grant: &str| {
        vec![
            ("party-0", cellvia.clone()),
            ("year-0", "2027".to_owned()),
            ("kind-0", "cash".to_owned()),
            ("amount-0", "150 000".to_owned()),
            ("source-0", "own".to_owned()),
            ("party-1", cellvia.clone()),
            ("year-1", "2027".to_owned()),
            ("kind-1", "cash".to_owned()),
            ("amount-1", grant.to_owned()),
            ("source-1", "vinnova".to_owned()),
            ("party-2", umu.clone()),
            ("year-2", "2027".to_owned()),
            ("kind-2", "hours".to_owned()),
            ("hours-2", "200".to_owned()),
            ("rate-2", "800".to_owned()),
            ("source-2", "own".to_owned()),
        ]
    };
    let above_cap = |e: &TermsEditor| e.warnings.iter().any(|w| w.key == "agreement.aid.intensity_above_cap");
    let base = editor(&app, draft, &oskar).await.1.unwrap().base;
    let (status, body) =
        revise(&app, draft, &base, "contributions", &contributions("1 000 000"), &oskar).await;
    assert_eq!(status, 200, "{body}");
    let shown = editor(&app, draft, &oskar).await.1.unwrap();
    assert!(above_cap(&shown), "{:?}", shown.warnings);
    let (status, body) =
        revise(&app, draft, &shown.base, "contributions", &contributions("100 000"), &oskar).await;
    assert_eq!(status, 200, "{body}");
    let shown = editor(&app, draft, &oskar).await.1.unwrap();
    assert!(!above_cap(&shown), "{:?}", shown.warnings);

    // Signatories by the e-mail they sign in with; an unknown address is refused at its row.
    let signatories = |email: &str| {
        vec![
            ("email-0", "oskar.wik@example.com".to_owned()),
            ("party-0", cellvia.clone()),
            ("authority-0", "statutory".to_owned()),
            ("step-0", "1".to_owned()),
            ("email-1", email.to_owned()),
            ("party-1", umu.clone()),
            ("authority-1", "delegation".to_owned()),
            ("step-1", "2".to_owned()),
        ]
    };
    let (status, body) =
        revise(&app, draft, &shown.base, "signatories", &signatories("nobody@example.org"), &oskar).await;
    assert_eq!(status, 400);
    assert!(body.contains("signatories-1-email"), "{body}");
    let (status, body) =
        revise(&app, draft, &shown.base, "signatories", &signatories("KARIN.SJOBERG@example.org"), &oskar)
            .await;
    assert_eq!(status, 200, "{body}");
    let shown = editor(&app, draft, &oskar).await.1.unwrap();
    let signatories = shown.sections.iter().find(|s| s.code == "signatories").unwrap();
    assert_eq!(signatories.filled, 2);
    assert!(signatories.rows[1].contains(&"karin.sjoberg@example.org".to_owned()), "{:?}", signatories.rows);

    // The approval plan: in parallel; the same role twice is the kernel's to refuse.
    let plan = |roles: &[&str]| {
        let mut form =
            vec![("id".to_owned(), draft.to_string()), ("order".to_owned(), "in_parallel".to_owned())];
        form.extend(roles.iter().enumerate().map(|(n, r)| (format!("roles[role-{n}]"), (*r).to_owned())));
        form
    };
    let post = |form: Vec<(String, String)>| {
        let app = &app;
        let oskar = oskar.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            app.call(SetApprovalPlan::PATH, &form, &oskar).await
        }
    };
    let (status, body) = post(plan(&["legal", "legal"])).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(plan(&["finance", "legal"])).await;
    assert_eq!(status, 200, "{body}");
    let shown = editor(&app, draft, &oskar).await.1.unwrap();
    assert_eq!(
        (shown.approval_order.as_str(), shown.approval_roles.clone()),
        ("in_parallel", vec!["finance".to_owned(), "legal".to_owned()])
    );

    // The guided choice: nothing until every question is answered, then a model and why.
    let guide = |answers: &[(&str, &str)]| {
        let app = &app;
        let oskar = oskar.clone();
        let mut form: Vec<(String, String)> = vec![("id".into(), draft.to_string())];
        form.extend(answers.iter().map(|(k, v)| (format!("answers[{k}]"), (*v).to_owned())));
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, body) = app.call(GuideAgreement::PATH, &form, &oskar).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<GuidePage>(&body).unwrap()
        }
    };
    let answered = [
        ("service_agreement", "no"),
        ("parties", "2"),
        ("essential_background", "nobody"),
        ("results_unpublished", "no"),
        ("company_needs", "exclusivity"),
    ];
    assert!(guide(&answered[..3]).await.recommendation.is_none());
    let found = guide(&answered).await.recommendation.expect("a recommendation");
    assert_eq!(found.rule, "academic_owns_exclusive_option");
    let model = found.model.expect("an example model suits a spin-out and a university");
    assert!(found.reasons.iter().any(|r| r.key == "guide.reason.exclusivity"));
    let (status, body) = app
        .call(ChooseModel::PATH, &[("id", &draft.to_string()), ("model", &model.id.to_string())], &oskar)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(page(&app, draft, &oskar).await.1.unwrap().model.as_deref(), Some(model.name.as_str()));
    let emma = app.sign_in_as("Emma Novak").await;
    let (status, _) = app.call(GuideAgreement::PATH, &[("id", &draft.to_string())], &emma).await;
    assert_eq!(status, 403, "another company's draft");
    let (status, _) = revise(&app, draft, &shown.base, "general", &general("x"), &emma).await;
    assert_eq!(status, 403, "another company may not edit it");
});

/// The active demo agreement amended four times (five signed versions), each amendment
/// with twenty milestones: every step a command through the executor, so its log is real.
async fn amend_four_times(db: &app::db::Db, id: i64) {
    use app::agreements::views::DEMO_ISSUER;
    use kernel::agreement::review::ApprovalRole;
    use kernel::agreement::schedule::{Milestone, MilestoneKind};
    use kernel::agreement::signing::{Authentication, Capacity, Client, SigningRequest};
    use kernel::agreement::{Agreement, Command, PersonCommand};
    let actor = |name: &'static str| async move {
        let person =
            app::identity::store::load_person(db, kernel::PersonId(common::person_id(db, name).await))
                .await
                .unwrap()
                .unwrap();
        let mut conn = db.read().await.unwrap();
        app::agreements::store::actor(&mut conn, &person).await.unwrap()
    };
    let load = || async {
        let mut conn = db.read().await.unwrap();
        app::workflow::load::<Agreement>(&mut conn, id).await.unwrap().0
    };
    let act = |who: kernel::agreement::Actor, command: Command, at: chrono::DateTime<chrono::Utc>| async move {
        app::workflow::execute::<Agreement>(db, id, &who, command, at)
            .await
            .unwrap_or_else(|error| panic!("refused: {error}"));
    };
    let (maria, lena, fredrik) =
        (actor("Maria Lund").await, actor("Lena Juhl").await, actor("Fredrik Ström").await);
    let (emma, helena, david) =
        (actor("Emma Novak").await, actor("Helena Vik").await, actor("David Okafor").await);
    let mut at = chrono::Utc::now();
    for amendment in 1..=4 {
        let mut step = || {
            at += chrono::Duration::minutes(10);
            at
        };
        act(
            maria.clone(),
            PersonCommand::StartAmendment { reason: format!("Amendment {amendment}") }.into(),
            step(),
        )
        .await;
        let mut terms = load().await.latest().unwrap().content.terms.clone();
        let template = terms.milestones[0].clone();
        let start = terms.start.unwrap();
        terms.milestones = (1..=20)
            .map(|n| Milestone {
                code: format!("M{n}"),
                title: format!("{} (amendment {amendment}, step {n})", template.title),
                kind: if n % 4 == 0 { MilestoneKind::Deliverable } else { MilestoneKind::Milestone },
                due: start + chrono::Duration::days(30 * n),
                ..template.clone()
            })
            .collect();
        terms.purpose = format!("{} (amendment {amendment})", terms.purpose);
        act(maria.clone(), Command::Revise { terms }, step()).await;
        act(maria.clone(), PersonCommand::SendForInternalReview.into(), step()).await;
        act(lena.clone(), PersonCommand::Approve { role: ApprovalRole::Legal }.into(), step()).await;
        act(fredrik.clone(), PersonCommand::Approve { role: ApprovalRole::Finance }.into(), step()).await;
        let agreement = load().await;
        let version = agreement.latest().unwrap().number;
        let parties: Vec<_> =
            agreement.latest().unwrap().content.terms.parties.iter().map(|p| p.organisation).collect();
        act(emma.clone(), PersonCommand::AcceptVersion { party: parties[0], version }.into(), step()).await;
        act(helena.clone(), PersonCommand::AcceptVersion { party: parties[1], version }.into(), step()).await;
        act(maria.clone(), PersonCommand::SendForSignature.into(), step()).await;
        let round = load().await.signing.clone().unwrap();
        for (who, subject, capacity) in [
            (&david, "david", Capacity::Undertaking { university: parties[1] }),
            (&emma, "emma", Capacity::Party { organisation: parties[0] }),
            (&helena, "helena", Capacity::Party { organisation: parties[1] }),
        ] {
            let when = step();
            let command = Command::Sign {
                capacity,
                request: SigningRequest {
                    version: round.version,
                    hash: round.hash.clone(),
                    nonce: format!("bench-{subject}-{version}"),
                    requested_at: when,
                },
                authentication: Authentication {
                    issuer: DEMO_ISSUER.into(),
                    subject: subject.into(),
                    acr: None,
                    amr: vec!["demo".into()],
                    auth_time: when,
                },
                client: Client { ip: "127.0.0.1".into(), user_agent: "benchmark".into() },
            };
            act(who.clone(), command, when).await;
        }
    }
    let agreement = load().await;
    assert_eq!(agreement.signed_versions, [1, 2, 3, 4, 5]);
    assert_eq!(agreement.in_force_version().unwrap().content.terms.milestones.len(), 20);
}

/// A benchmark, not a test: `cargo test -p portal --test agreements -- --ignored --nocapture`.
/// 10,000 agreements, each with five signed versions of twenty milestones (copies of one
/// built by commands, all at one node); prints the median server time of the list a
/// node coordinator reads, of one agreement's page for a party, and of one version's PDF.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: prints figures, asserts nothing about time"]
async fn benchmark_10000_agreements_of_5_versions_and_20_milestones() {
    const AGREEMENTS: i64 = 10_000;
    const RUNS: usize = 40;
    for (name, t) in common::benchmark_backends(true).await {
        let app = TestApp::spawn(&t, |_| {}).await;
        let template = agreement_titled(&t.db, ACTIVE).await;
        let building = std::time::Instant::now();
        amend_four_times(&t.db, template).await;
        let built = building.elapsed();
        let copying = std::time::Instant::now();
        let mut tx = t.db.pool().begin().await.unwrap();
        // Copy k of the template is agreement 1,000,000 + k.
        let copies = format!(
            "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {AGREEMENTS} - 1) "
        );
        let statements = [
            "INSERT INTO agreements (id, proposal_id, state, title, model_name, started_by, started_at, updated_at, next_due, next_due_what) \
             SELECT 1000000 + k, NULL, state, title || ' #' || k, model_name, started_by, started_at, updated_at, next_due, next_due_what \
             FROM agreements, n WHERE id = $1"
                .to_owned(),
            "INSERT INTO agreement_events (agreement_id, seq, occurred_at, actor_id, kind, from_state, to_state, reason, payload) \
             SELECT 1000000 + k, seq, occurred_at, actor_id, kind, from_state, to_state, reason, payload \
             FROM agreement_events, n WHERE agreement_id = $1"
                .to_owned(),
            "INSERT INTO agreement_parties (agreement_id, organisation_id) \
             SELECT 1000000 + k, organisation_id FROM agreement_parties, n WHERE agreement_id = $1"
                .to_owned(),
            "INSERT INTO agreement_signers (agreement_id, person_id) \
             SELECT 1000000 + k, person_id FROM agreement_signers, n WHERE agreement_id = $1"
                .to_owned(),
            "INSERT INTO agreement_nodes (agreement_id, node_id) \
             SELECT 1000000 + k, node_id FROM agreement_nodes, n WHERE agreement_id = $1"
                .to_owned(),
            "INSERT INTO signed_versions (hash, agreement_id, version, in_force_at) \
             SELECT hash || '-' || k, 1000000 + k, version, in_force_at FROM signed_versions, n WHERE agreement_id = $1"
                .to_owned(),
        ];
        for statement in statements {
            sqlx::query(&format!("{copies}{statement}")).bind(template).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        let copied = copying.elapsed();
        let (events, bytes): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(LENGTH(payload)) AS BIGINT) FROM agreement_events WHERE agreement_id = $1",
        )
        .bind(template)
        .fetch_one(t.db.pool())
        .await
        .unwrap();
        // The coordinator of the copies' node (Mikael Holm, a reviewer given the role here:
        // no party to any of them), who sees every copy: the list's worst case.
        let node: i64 =
            sqlx::query_scalar("SELECT node_id FROM agreement_nodes WHERE agreement_id = $1 LIMIT 1")
                .bind(template)
                .fetch_one(t.db.pool())
                .await
                .unwrap();
        let mikael = common::person_id(&t.db, "Mikael Holm").await;
        sqlx::query(
            "INSERT INTO role_assignments (person_id, role, scope_node_id, granted_at) VALUES ($1, 'node_coordinator', $2, $3)",
        )
        .bind(mikael)
        .bind(node)
        .bind(app::db::now())
        .execute(t.db.pool())
        .await
        .unwrap();
        let coordinator_cookies = app.sign_in_as("Mikael Holm").await;
        let emma = app.sign_in_as("Emma Novak").await;
        let time = |path: String, form: Vec<(&'static str, String)>, cookies: String| {
            let app = &app;
            async move {
                let mut times = Vec::new();
                let mut answer = String::new();
                for _ in 0..RUNS {
                    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    let started = std::time::Instant::now();
                    let (status, body) = app.call(&path, &form, &cookies).await;
                    times.push(started.elapsed().as_secs_f64() * 1000.0);
                    assert_eq!(status, 200, "{body}");
                    answer = body;
                }
                times.sort_by(f64::total_cmp);
                (times[RUNS / 2], times[RUNS * 95 / 100], answer)
            }
        };
        let (list_median, list_p95, body) =
            time(ListAgreements::PATH.into(), Vec::new(), coordinator_cookies).await;
        let listed: AgreementList = serde_json::from_str(&body).unwrap();
        let one = 1_000_000 + AGREEMENTS / 2;
        let (page_median, page_p95, body) =
            time(GetAgreement::PATH.into(), vec![("id", one.to_string())], emma.clone()).await;
        let shown: AgreementPage = serde_json::from_str(&body).unwrap();
        assert_eq!(shown.detail.as_ref().unwrap().signed_versions, [1, 2, 3, 4, 5]);
        // The PDF: rendered alone, and as the download (load, check, render, record).
        let agreement = {
            let mut conn = t.db.read().await.unwrap();
            app::workflow::load::<kernel::agreement::Agreement>(&mut conn, one).await.unwrap().0
        };
        let in_force = chrono::Utc::now();
        let printed = app::agreements::document::printed(
            kernel::AgreementId(one),
            &agreement,
            5,
            in_force,
            "http://portal",
        )
        .unwrap();
        let mut renders = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let started = std::time::Instant::now();
            size = portal::agreement_pdf::render(&printed, in_force).unwrap().len();
            renders.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        renders.sort_by(f64::total_cmp);
        let mut downloads = Vec::new();
        for _ in 0..RUNS {
            let started = std::time::Instant::now();
            let response = app.get(&format!("/agreements/{one}/versions/5/pdf"), &emma).await;
            assert_eq!(response.status(), 200);
            response.bytes().await.unwrap();
            downloads.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        downloads.sort_by(f64::total_cmp);
        figure!(
            "agreements benchmark ({name}, {AGREEMENTS} agreements of 5 signed versions and 20 milestones; \
             the template's log {events} events, {} KB of payload; built by commands in {:.1} s, copied in {:.1} s): \
             /agreements for a node coordinator ({} rows shown) median {list_median:.1} ms, p95 {list_p95:.1} ms; \
             one agreement's page for a party median {page_median:.1} ms, p95 {page_p95:.1} ms; \
             one version's PDF ({} KB, {} clauses) rendered in median {:.1} ms, downloaded in median {:.1} ms ({RUNS} runs each)",
            bytes / 1024,
            built.as_secs_f64(),
            copied.as_secs_f64(),
            listed.rows.len(),
            size / 1024,
            printed.clauses.len(),
            renders[RUNS / 2],
            downloads[RUNS / 2],
        );
    }
}
