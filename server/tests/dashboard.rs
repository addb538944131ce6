//! The KPI dashboard on the demo's two years of history, on both backends: the figures
//! the history was built to give (so SQLite and PostgreSQL agree on them), a node
//! coordinator held to their node, targets with their history, the drill-down's
//! visibility, the CSV's header and its suppressed cells, and who may not look.

mod common;

use app::i18n::Lang;
use app::identity::api::{DeclareGender, GetDeclaredGender};
use app::kpi::api::ssr::{dashboard, drill};
use app::kpi::api::{AddBoardNote, GetDashboard, SetKpiTarget};
use app::kpi::model::Dashboard;
use common::{TestApp, person_id};
use kernel::kpi::Kpi;
use kernel::kpi::disclosure::{DEFAULT_THRESHOLD, Shown};
use kernel::kpi::figures::Value;
use kernel::kpi::filters::FilterQuery;
use kernel::kpi::gender::GenderGroup;
use kernel::kpi::targets::{TargetForm, TargetStatus};
use leptos::server_fn::ServerFn;

async fn viewer(db: &app::db::Db, name: &str) -> app::identity::model::SignedInPerson {
    let id = person_id(db, name).await;
    app::identity::store::load_person(db, kernel::PersonId(id)).await.unwrap().unwrap()
}

fn whole_history() -> FilterQuery {
    let today = kernel::stockholm::date(chrono::Utc::now());
    FilterQuery {
        from: Some((today - chrono::Duration::days(900)).to_string()),
        to: Some(today.to_string()),
        ..FilterQuery::default()
    }
}

async fn view(db: &app::db::Db, name: &str, query: FilterQuery) -> Dashboard {
    let person = viewer(db, name).await;
    let mut conn = db.read().await.unwrap();
    dashboard(&mut conn, &person, query, Lang::En, DEFAULT_THRESHOLD, chrono::Utc::now()).await.unwrap()
}

fn value(dashboard: &Dashboard, kpi: Kpi) -> Value {
    dashboard.card(kpi).unwrap_or_else(|| panic!("no card for {kpi:?}")).figure.total.value
}

on_both_backends!(the_dashboard_gives_the_figures_the_demo_history_was_built_to_give, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let board = view(&t.db, "Per Almqvist", whole_history()).await;
    assert_eq!(value(&board, Kpi::AccessDecisions), Value::Number(app::demo::HISTORY_DECIDED as f64));
    assert_eq!(value(&board, Kpi::ApprovalRate), Value::Number(0.75));
    assert_eq!(value(&board, Kpi::DecidedWithinLimit), Value::Number(0.75));
    assert_eq!(value(&board, Kpi::UsedExtension), Value::Number(0.125));
    assert_eq!(value(&board, Kpi::DaysToAccessDecision), Value::Number(65.0));
    // Two nodes, 56 decisions each.
    let breakdown = &board.card(Kpi::AccessDecisions).unwrap().figure.breakdown;
    assert_eq!(breakdown.iter().map(|(_, c)| c.records).collect::<Vec<_>>(), vec![Shown::Count(56); 2]);
    assert_eq!(board.card(Kpi::AccessDecisions).unwrap().breakdown_names, ["Uppsala", "Umeå"]);
    // The pipeline and agreements sections are there for the board.
    assert!(board.card(Kpi::ProposalsReceived).is_some() && board.card(Kpi::AgreementsSigned).is_some());
    assert!(board.can_set_targets);

    // Uppsala alone: half of its decisions were late, against the demo's 90 % target.
    let uppsala: i64 = sqlx::query_scalar("SELECT id FROM nodes WHERE slug = 'uppsala'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    let this_year = FilterQuery { node: Some(uppsala.to_string()), ..FilterQuery::default() };
    let at_uppsala =
        view(&t.db, "Per Almqvist", FilterQuery { node: Some(uppsala.to_string()), ..whole_history() }).await;
    assert_eq!(value(&at_uppsala, Kpi::DecidedWithinLimit), Value::Number(0.5));
    let year = view(&t.db, "Per Almqvist", this_year.clone()).await;
    let card = year.card(Kpi::DecidedWithinLimit).unwrap();
    assert_eq!(card.target.as_ref().map(|t| t.value), Some(0.9));
    assert!(matches!(card.status, Some(TargetStatus::OffTrack | TargetStatus::Missed)), "{:?}", card.status);

    // Karin coordinates Umeå: whatever node she asks for, she sees Umeå, without the pipeline.
    let karin =
        view(&t.db, "Karin Sjöberg", FilterQuery { node: Some(uppsala.to_string()), ..whole_history() })
            .await;
    assert_eq!(karin.scoped_to.as_deref(), Some("Umeå"));
    assert_eq!(value(&karin, Kpi::AccessDecisions), Value::Number(56.0));
    assert_eq!(value(&karin, Kpi::DecidedWithinLimit), Value::Number(1.0));
    assert!(karin.card(Kpi::ProposalsReceived).is_none());
    assert!(!karin.can_set_targets);

    // The drill-down: Uppsala's late decisions are Uppsala's; Karin cannot open them (the
    // applications' own visibility) but Anna, Uppsala's committee member, could.
    let karin_person = viewer(&t.db, "Karin Sjöberg").await;
    let mut conn = t.db.read().await.unwrap();
    let records = drill(
        &mut conn,
        &karin_person,
        Kpi::DecidedWithinLimit,
        whole_history(),
        Lang::En,
        5,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(records.rows.len(), 56);
    assert!(
        records.rows.iter().all(|r| r.group == "Umeå" && r.link.is_some()),
        "her node's applications are hers to open"
    );
    let board_person = viewer(&t.db, "Per Almqvist").await;
    let records = drill(
        &mut conn,
        &board_person,
        Kpi::DecidedWithinLimit,
        FilterQuery { node: Some(uppsala.to_string()), ..whole_history() },
        Lang::En,
        5,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(records.closed, Shown::Count(56), "the board sees the figures, not the applications");
    assert!(records.rows.iter().all(|r| r.link.is_none() && r.title.is_none()));
    assert_eq!(records.rows.iter().filter(|r| r.counted.contains("after the limit")).count(), 28);
    drop(conn);

    // A target for next year, changed once: both kept, newest first, with who and why.
    let next_year = (chrono::Datelike::year(&kernel::stockholm::date(chrono::Utc::now())) + 1).to_string();
    let form = |value: &str, why: &str| TargetForm {
        kpi: "approval_rate".into(),
        period: next_year.clone(),
        direction: "at_least".into(),
        value: value.into(),
        owner: "Anna Ekström".into(),
        rationale: why.into(),
    };
    let per = person_id(&t.db, "Per Almqvist").await;
    for (value, why) in [("70", "Where we are."), ("80", "Better guidance for applicants.")] {
        let target = form(value, why).read(kernel::stockholm::date(chrono::Utc::now())).unwrap();
        let mut tx = t.db.write().await.unwrap();
        app::kpi::store::set_target(&mut tx, kernel::PersonId(per), &target).await.unwrap();
        tx.commit().await.unwrap();
    }
    let later = view(&t.db, "Per Almqvist", whole_history()).await;
    let history = &later.card(Kpi::ApprovalRate).unwrap().history;
    assert_eq!(history.len(), 2);
    assert_eq!((history[0].old.map(|o| o.1), history[0].new.1), (Some(0.7), 0.8));
    assert_eq!(
        (history[0].who.as_str(), history[0].why.as_str()),
        ("Per Almqvist", "Better guidance for applicants.")
    );
});

on_both_backends!(the_csv_states_its_filters_and_only_the_board_and_coordinators_may_look, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    // In English (the language cookie), so the header's words can be checked.
    let in_english = |cookie: String| format!("{cookie}; {}=en", Lang::COOKIE);
    let board = in_english(app.sign_in_as("Per Almqvist").await);
    let query = whole_history();
    let link = format!("from={}&to={}", query.from.clone().unwrap(), query.to.clone().unwrap());
    let (status, csv) = app.get_text(&format!("/dashboard.csv?{link}"), &board).await;
    assert_eq!(status, 200, "{csv}");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[1].contains(&query.from.clone().unwrap()) && lines[1].contains("Node: All"),
        "{}",
        lines[1]
    );
    assert!(lines[2].contains(&link), "{}", lines[2]);
    assert!(lines[4].starts_with("section,kpi,name"), "{}", lines[4]);
    assert!(csv.contains("access,access_decisions,Access decisions,1,period,"), "{csv}");
    // Months with one or two decisions show as <5, never as their count.
    assert!(csv.contains(",<5,<5,"), "no suppressed cell in {csv}");
    // Malformed filters are a 400, not a guess.
    assert_eq!(app.get_text("/dashboard.csv?from=yesterday", &board).await.0, 400);
    assert_eq!(app.get_text("/dashboard/board-pack.pdf?from=yesterday", &board).await.0, 400);
    // The board pack as the portal's own PDF (its text is read back in the browser journey).
    let pdf = reqwest::Client::new()
        .get(format!("{}/dashboard/board-pack.pdf?{link}", app.base))
        .header("cookie", &board)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    for name in ["Mikael Holm", "Sara Lindqvist", "Emma Novak"] {
        let cookie = app.sign_in_as(name).await;
        assert_eq!(app.get_text(&format!("/dashboard.csv?{link}"), &cookie).await.0, 403, "{name}");
        assert_eq!(
            app.get_text(&format!("/dashboard/board-pack.pdf?{link}"), &cookie).await.0,
            403,
            "{name}"
        );
        let (status, _) = app.call(GetDashboard::PATH, &[], &cookie).await;
        assert_eq!(status, 403, "{name}");
    }
    assert_eq!(app.get_text("/dashboard.csv", "").await.0, 401);
    let karin = in_english(app.sign_in_as("Karin Sjöberg").await);
    let (status, csv) = app.get_text(&format!("/dashboard.csv?{link}"), &karin).await;
    assert_eq!(status, 200);
    assert!(csv.lines().nth(1).unwrap().contains("Node: Umeå"), "{csv}");
    assert!(!csv.contains("pipeline,"), "a coordinator's export has no national pipeline");
    // Only the board sets targets.
    let target = [
        ("target[kpi]", "approval_rate"),
        ("target[period]", "2099"),
        ("target[direction]", "at_least"),
        ("target[value]", "80"),
        ("target[owner]", "Karin"),
        ("target[rationale]", "Mine."),
    ];
    assert_eq!(app.call(SetKpiTarget::PATH, &target, &karin).await.0, 403);
    let (status, body) = app.call(SetKpiTarget::PATH, &target, &board).await;
    assert_eq!(status, 400, "2099 is no period a target is set for: {body}");
    assert!(body.contains("period"), "{body}");
});

on_both_backends!(the_board_records_notes_that_show_on_the_cards_of_the_periods_they_are_about, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let year = chrono::Datelike::year(&kernel::stockholm::date(chrono::Utc::now()));
    // The demo's own note, on this year's view.
    let this_year = view(&t.db, "Per Almqvist", FilterQuery::default()).await;
    let notes = &this_year.card(Kpi::DecidedWithinLimit).unwrap().notes;
    assert_eq!(notes.len(), 1);
    assert!(notes[0].text.contains("second handler") && notes[0].who == "Per Almqvist", "{notes:?}");
    assert!(this_year.can_write_notes);

    let board = app.sign_in_as("Per Almqvist").await;
    let last_year = format!("{}", year - 1);
    let note = |period: &str, text: &str| {
        vec![
            ("note[kpi]", "approval_rate".to_owned()),
            ("note[period]", period.to_owned()),
            ("note[kind]", "decision".to_owned()),
            ("note[text]", text.to_owned()),
        ]
    };
    let call = |fields: Vec<(&'static str, String)>, cookie: String| {
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call(AddBoardNote::PATH, &fields, &cookie).await
        }
    };
    let (status, body) = call(note(&last_year, "Approval fell: review the guidance."), board.clone()).await;
    assert_eq!(status, 200, "{body}");
    // Last year's note shows on last year's view, not on this year's.
    let last = FilterQuery {
        from: Some(format!("{last_year}-01-01")),
        to: Some(format!("{last_year}-12-31")),
        ..FilterQuery::default()
    };
    let then = view(&t.db, "Per Almqvist", last).await;
    assert_eq!(then.card(Kpi::ApprovalRate).unwrap().notes[0].text, "Approval fell: review the guidance.");
    assert!(
        view(&t.db, "Per Almqvist", FilterQuery::default())
            .await
            .card(Kpi::ApprovalRate)
            .unwrap()
            .notes
            .is_empty()
    );
    // An audit row, and refusals: no text, a period too far off, someone not on the board.
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE action = 'kpi_note_added'")
        .fetch_one(t.db.pool())
        .await
        .unwrap();
    assert_eq!(audited, 2, "the demo's note and this one");
    let (status, body) = call(note(&last_year, "  "), board.clone()).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("text"), "{body}");
    assert_eq!(call(note(&format!("{}", year + 5), "Later."), board.clone()).await.0, 400);
    for name in ["Karin Sjöberg", "Mikael Holm"] {
        let cookie = app.sign_in_as(name).await;
        assert_eq!(call(note(&last_year, "Mine."), cookie).await.0, 403, "{name}");
    }
});

on_both_backends!(people_declare_their_gender_and_the_board_sees_only_totals, |t| {
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let app = TestApp::spawn(t, |_| {}).await;
    let row = |dashboard: &Dashboard, group: GenderGroup| {
        dashboard.gender.iter().find(|r| r.group == group).cloned()
    };
    // The demo's 22 applicants declared: 10 women, 7 men, 5 prefer not to say or no answer.
    let board = view(&t.db, "Per Almqvist", whole_history()).await;
    let applicants = row(&board, GenderGroup::Applicants).unwrap();
    let counts: Vec<Option<u64>> = applicants.cells.iter().map(|c| c.count()).collect();
    assert_eq!(counts, [Some(10), Some(7), Some(0), Some(5)]);
    assert_eq!(applicants.total, Shown::Count(22));
    assert_eq!(applicants.share_women, Some(10.0 / 17.0));
    // The board and the committees are too small to show.
    assert!(row(&board, GenderGroup::Board).unwrap().too_few);
    for r in &board.gender {
        assert!(r.cells.iter().all(|c| c.count().is_none_or(|n| n == 0 || n >= DEFAULT_THRESHOLD)), "{r:?}");
    }
    // A coordinator sees their node's groups only: no national reviewers or board.
    let umea = view(&t.db, "Karin Sjöberg", whole_history()).await;
    assert!(row(&umea, GenderGroup::Board).is_none() && row(&umea, GenderGroup::Reviewers).is_none());
    assert!(row(&umea, GenderGroup::Applicants).is_some());

    // Sara declares, changes her mind, and withdraws; the trail says only that it changed.
    let sara = app.sign_in_as("Sara Lindqvist").await;
    let declared = || async { app.call(GetDeclaredGender::PATH, &[], &sara).await };
    assert_eq!(declared().await.1, r#""woman""#, "the demo's own declaration");
    for (gender, shown) in [("man", r#""man""#), ("", "null")] {
        let (status, body) = app.call(DeclareGender::PATH, &[("gender", gender)], &sara).await;
        assert!(status < 400, "{status} {body}");
        assert_eq!(declared().await.1, shown);
    }
    let states: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT from_state, to_state FROM events WHERE action = 'gender_declaration_changed' ORDER BY id",
    )
    .fetch_all(t.db.pool())
    .await
    .unwrap();
    let state = |s: &str| Some(s.to_owned());
    assert_eq!(
        states,
        [(state("declared"), state("declared")), (state("declared"), state("not_declared"))],
        "never the value"
    );
    let (status, body) = app.call(DeclareGender::PATH, &[("gender", "robot")], &sara).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("gender"), "{body}");
    assert_eq!(app.call(DeclareGender::PATH, &[("gender", "woman")], "").await.0, 401);
    // "My data" holds the declaration.
    app.call(DeclareGender::PATH, &[("gender", "prefer_not_to_say")], &sara).await;
    let (status, data) = app.get_text("/me/data.json", &sara).await;
    assert_eq!(status, 200);
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data["person"]["gender"], "prefer_not_to_say");
});

on_both_backends!(closed_months_are_stored_once_and_the_trend_shows_them_as_they_were, |t| {
    use kernel::kpi::filters::Month;
    app::demo::seed_demo(&t.db, None).await.unwrap();
    let now = chrono::Utc::now();
    let today = kernel::stockholm::date(now);
    let last_month = Month::of(Month::of(today).first_day().pred_opt().unwrap());
    // What the board was shown for last month under an earlier definition (version 0).
    sqlx::query(
        "INSERT INTO kpi_snapshots (kpi, month, scope, definition_version, records, yes, value, taken_at) \
         VALUES ('access_decisions', $1, 'national', 0, 50, 0, '50', $2)",
    )
    .bind(last_month.code())
    .bind(app::db::now())
    .execute(t.db.pool())
    .await
    .unwrap();
    let stored = app::kpi::store::take_snapshots(&t.db, now).await.unwrap();
    assert!(stored > 100, "the first run fills the history: {stored}");
    assert_eq!(app::kpi::store::take_snapshots(&t.db, now).await.unwrap(), 0, "and the next stores nothing");
    let kept: Result<_, _> = sqlx::query("DELETE FROM kpi_snapshots").execute(t.db.pool()).await;
    assert!(kept.is_err(), "snapshots are kept as taken");

    let board = view(&t.db, "Per Almqvist", whole_history()).await;
    let card = board.card(Kpi::AccessDecisions).unwrap();
    let month = |m: Month| card.figure.trend.iter().find(|(month, _)| *month == m).unwrap().1;
    assert_eq!(month(last_month).value, Value::Number(50.0), "as shown then");
    assert!(card.figure.stored.contains(&(last_month, 0)));
    // Every other closed month is stored as the live figure gives it today.
    let mut conn = t.db.read().await.unwrap();
    let facts = app::kpi::store::facts(&mut conn).await.unwrap();
    drop(conn);
    let live = Kpi::AccessDecisions.figure(&facts, &board.filters, DEFAULT_THRESHOLD);
    let current = Month::of(today);
    for (m, cell) in &live.trend {
        if *m != last_month {
            assert_eq!(month(*m), *cell, "{}", m.code());
        }
    }
    let versions: Vec<u32> =
        card.figure.stored.iter().filter(|(m, _)| *m != last_month).map(|(_, v)| *v).collect();
    assert!(!versions.is_empty() && versions.iter().all(|v| *v == Kpi::AccessDecisions.definition_version()));
    assert!(card.figure.stored.iter().all(|(m, _)| *m < current), "the current month is live");

    // The CSV gives last month's row the definition it was computed under.
    let app = TestApp::spawn(t, |_| {}).await;
    let cookie = format!("{}; {}=en", app.sign_in_as("Per Almqvist").await, Lang::COOKIE);
    let query = whole_history();
    let link = format!("from={}&to={}", query.from.unwrap(), query.to.unwrap());
    let (status, csv) = app.get_text(&format!("/dashboard.csv?{link}"), &cookie).await;
    assert_eq!(status, 200);
    let row = format!("access,access_decisions,Access decisions,0,month,{},50,50,", last_month.code());
    assert!(csv.contains(&row), "{row} not in {csv}");
});
