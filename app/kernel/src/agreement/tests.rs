//! The agreement's stories: the whole way from draft to completion, and the turns off it.

use super::fixtures::*;
use super::model::Heading;
use super::review::{ApprovalRole, Step};
use super::schedule::{MilestoneStatus, ReminderKind, ScheduleItem};
use super::signing::{Reauthentication, chain_holds};
use super::*;
use crate::workflow::Aggregate;

fn states(story: &Story) -> Vec<AgreementState> {
    transitions(story.log.iter().map(|(e, t)| (e, *t))).into_iter().map(|t| t.to).collect()
}

/// Both parties accept the latest version; the last acceptance approves it.
fn both_accept(story: &mut Story, context: &Context) {
    let version = story.agreement.latest().unwrap().number;
    for (actor, organisation) in [(company_member(), COMPANY_ORG), (university_member(), UNIVERSITY_ORG)] {
        story.run(&actor, Command::AcceptVersion { party: organisation, version }, context).unwrap();
    }
}

/// Every signature in order: the company, the researcher's undertaking, the university.
fn everyone_signs(story: &mut Story, now: &str) {
    let context = context(now);
    for (actor, capacity) in [
        (company_signer(), party(COMPANY_ORG)),
        (researcher(), undertaking()),
        (university_signer(), party(UNIVERSITY_ORG)),
    ] {
        let command = sign(&story.agreement, capacity, context.now, 30, false);
        story.run(&actor, command, &context).unwrap();
    }
}

#[test]
fn the_whole_way_from_draft_to_completion() {
    use AgreementState::*;
    let mut story = Story::drafted();
    let april = context("2026-04-02T09:00:00Z");
    assert_eq!(story.agreement.state, Draft);

    // Internal review: legal, then finance.
    story.run(&company_member(), Command::SendForInternalReview, &april).unwrap();
    assert!(story.agreement.version(1).unwrap().frozen());
    let steps: Vec<Step> = story.agreement.checklist().into_iter().map(|i| i.step).collect();
    assert_eq!(steps, [Step::Pending, Step::Waiting]);
    assert_eq!(
        story.run(&finance(), Command::Approve { role: ApprovalRole::Finance }, &april),
        Err(Refusal::NotAllowed),
        "finance waits for legal"
    );
    story.run(&legal(), Command::Approve { role: ApprovalRole::Legal }, &april).unwrap();
    assert_eq!(story.agreement.state, InternalReview);
    story.run(&finance(), Command::Approve { role: ApprovalRole::Finance }, &april).unwrap();
    assert_eq!(story.agreement.state, Negotiation);

    // Negotiation: the university asks for a change and writes a second version.
    let comment = Command::Comment {
        version: 1,
        clause: Heading::Publication,
        text: "Vi behöver 60 dagars frist.".into(),
    };
    story.run(&university_member(), comment, &april).unwrap();
    let mut terms = story.agreement.latest().unwrap().content.terms.clone();
    terms.negotiated.insert(
        Heading::Publication,
        super::model::Bilingual::new(
            "Publicering anmäls 60 dagar i förväg. {{deemed_consent}}",
            "Publication is notified 60 days in advance. {{deemed_consent}}",
        ),
    );
    terms.background[0].restrictions = "Etikprövat ändamål; inga genetiska analyser".into();
    let frozen_first = story.agreement.version(1).unwrap().clone();
    story.run(&university_member(), Command::Revise { terms }, &april).unwrap();
    assert_eq!(story.agreement.latest().unwrap().number, 2);
    assert_eq!(story.agreement.version(1), Some(&frozen_first), "a sent version never changes");
    assert_eq!(
        story.run(&company_member(), Command::AcceptVersion { party: COMPANY_ORG, version: 2 }, &april),
        Err(Refusal::WrongState),
        "the second version has not been sent"
    );
    story.run(&university_member(), Command::ShareVersion, &april).unwrap();
    let diff = story.agreement.diff(1, 2).unwrap();
    let fields: Vec<&str> = diff.fields.iter().map(|c| c.path.as_str()).collect();
    assert_eq!(fields, ["background.0.restrictions"]);
    let clauses: Vec<Heading> = diff.clauses.iter().map(|c| c.heading).collect();
    assert_eq!(
        clauses,
        [Heading::IntellectualProperty, Heading::Publication],
        "the register is in the IP clause"
    );
    both_accept(&mut story, &april);
    assert_eq!(story.agreement.state, Approved);

    // Signing, in order, with fresh sign-ins.
    let may = context("2026-05-04T10:00:00Z");
    story.run(&admin(), Command::SendForSignature, &may).unwrap();
    let hash = story.agreement.signing.as_ref().unwrap().hash.clone();
    assert_eq!(hash, canonical::version_hash(AGREEMENT, 2, &story.agreement.version(2).unwrap().content));
    let early = sign(&story.agreement, party(UNIVERSITY_ORG), may.now, 30, false);
    assert_eq!(
        story.run(&university_signer(), early, &may),
        Err(Refusal::OutOfOrder { waiting_for: vec![COMPANY_SIGNER, RESEARCHER] })
    );
    let stale = sign(&story.agreement, party(COMPANY_ORG), may.now, 120, false);
    assert_eq!(
        story.run(&company_signer(), stale, &may),
        Err(Refusal::Reauthentication(Reauthentication::BeforeRequest)),
        "a sign-in older than the request is no re-authentication"
    );
    let forged = sign(&story.agreement, party(COMPANY_ORG), may.now, 30, true);
    assert_eq!(story.run(&company_signer(), forged, &may), Err(Refusal::HashMismatch));
    everyone_signs(&mut story, "2026-05-04T10:00:00Z");
    assert_eq!((story.agreement.state, story.agreement.in_force), (Active, Some(2)));
    assert!(story.agreement.fully_signed(2) && chain_holds(&story.agreement.signatures));
    assert_eq!(
        story.agreement.signatures[2].previous,
        Some(signing::chain_hash(&story.agreement.signatures[1]))
    );

    // A milestone becomes overdue.
    let reminders = story.agreement.due_reminders(day("2026-12-20"));
    let overdue: Vec<_> =
        reminders.iter().filter(|r| r.kind == ReminderKind::Overdue).map(|r| &r.item).collect();
    assert_eq!(overdue, [&ScheduleItem::Milestone { code: "M1".into() }]);
    assert!(story.agreement.summary(day("2026-12-20")).unwrap().milestones[0].overdue);

    // An amendment: the old version stays in force until the new one is signed.
    let december = context("2026-12-20T09:00:00Z");
    let amend = Command::StartAmendment { reason: "Panelen behöver ett kvartal till".into() };
    story.run(&company_member(), amend, &december).unwrap();
    assert!(story.agreement.amending() && story.agreement.in_force == Some(2));
    let mut terms = story.agreement.latest().unwrap().content.terms.clone();
    terms.milestones[0].due = day("2027-03-15");
    story.run(&company_member(), Command::Revise { terms }, &december).unwrap();
    story.run(&company_member(), Command::ShareVersion, &december).unwrap();
    both_accept(&mut story, &december);
    story.run(&company_member(), Command::SendForSignature, &december).unwrap();
    assert_eq!(story.agreement.in_force, Some(2), "in force until the amendment is signed");
    everyone_signs(&mut story, "2026-12-20T09:00:00Z");
    assert_eq!((story.agreement.state, story.agreement.in_force), (Active, Some(3)));
    assert!(story.agreement.due_reminders(day("2026-12-20")).iter().all(|r| !r.overdue()), "M1 moved");

    // Follow-up and closing.
    let later = context("2027-10-01T09:00:00Z");
    let update = |code: &str, status| Command::UpdateMilestone {
        code: code.into(),
        status,
        evidence: "https://example.se/rapport.pdf".into(),
        note: String::new(),
    };
    story.run(&company_member(), update("M1", MilestoneStatus::Delivered), &later).unwrap();
    assert_eq!(
        story.run(&company_member(), update("M1", MilestoneStatus::Accepted), &later),
        Err(Refusal::NotAllowed),
        "the party that delivers does not accept its own delivery"
    );
    story.run(&university_member(), update("M1", MilestoneStatus::Accepted), &later).unwrap();
    let complete = Command::Complete { trl_reached: 6, report: "Panelen validerad.".into() };
    assert_eq!(
        story.run(&admin(), complete.clone(), &later),
        Err(Refusal::OpenMilestones(vec!["M2".into()]))
    );
    story.run(&admin(), update("M2", MilestoneStatus::Waived), &later).unwrap();
    story.run(&admin(), complete, &later).unwrap();
    assert_eq!((story.agreement.state, story.agreement.trl_reached), (Completed, Some(6)));

    assert_eq!(story.replayed(), story.agreement);
    let stored = serde_json::to_string(&story.log).unwrap();
    let read: Vec<(Event, chrono::DateTime<chrono::Utc>)> = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        Agreement::fold(read.iter().map(|(e, t)| (e, *t))),
        story.agreement,
        "the log is stored as JSON"
    );
    assert!(stored.contains(r#"{"came_into_force":{"version":2}}"#));
    let state = serde_json::to_string(&story.agreement).unwrap();
    assert_eq!(serde_json::from_str::<Agreement>(&state).unwrap(), story.agreement);
    assert_eq!(
        states(&story),
        [
            Draft,
            InternalReview,
            Negotiation,
            Approved,
            OutForSignature,
            Active,
            Negotiation,
            Approved,
            OutForSignature,
            Active,
            Completed
        ]
    );
}

#[test]
fn a_request_for_changes_sends_the_version_back_with_its_reason() {
    let mut story = Story::drafted();
    let context = context("2026-04-02T09:00:00Z");
    story.run(&company_member(), Command::SendForInternalReview, &context).unwrap();
    let ask = |reason: &str| Command::RequestChanges { role: ApprovalRole::Legal, reason: reason.into() };
    assert_eq!(story.run(&legal(), ask(" "), &context), Err(Refusal::ReasonRequired));
    story.run(&legal(), ask("Ansvarsbegränsningen saknar tak"), &context).unwrap();
    assert_eq!(story.agreement.state, AgreementState::Draft);
    let last = transitions(story.log.iter().map(|(e, t)| (e, *t))).pop().unwrap();
    assert_eq!(
        (last.kind, last.from, last.to, last.reason.as_deref()),
        (
            "changes_requested",
            Some(AgreementState::InternalReview),
            AgreementState::Draft,
            Some("Ansvarsbegränsningen saknar tak")
        )
    );
    assert_eq!(story.agreement.next_edit(), 2, "the next edit starts a new version");
}

#[test]
fn an_incomplete_version_cannot_be_sent() {
    let mut story = Story::new();
    let context = context("2026-04-01T08:00:00Z");
    let mut terms = terms();
    terms.parties[1].signatories.clear();
    let create = Command::CreateOutsideCall { approval: approval(), terms };
    assert_eq!(
        story.run(&company_member(), create.clone(), &context),
        Err(Refusal::NotAllowed),
        "administrators only"
    );
    story.run(&admin(), create, &context).unwrap();
    let Err(Refusal::Incomplete(problems)) = story.run(&admin(), Command::SendForInternalReview, &context)
    else {
        panic!("sent without a model and a signatory")
    };
    let keys: Vec<&str> = problems.iter().map(|p| p.key).collect();
    assert_eq!(keys, ["agreement.missing.model", "agreement.missing.signatory"]);
    let mut broken = model();
    broken.clauses[0].body.sv.push_str("{{pris}}");
    assert!(matches!(
        story.run(&admin(), Command::ChooseModel { model: broken }, &context),
        Err(Refusal::Model(super::model::ModelError::Placeholder { .. }))
    ));
}

#[test]
fn who_sees_what() {
    let story = Story::drafted();
    let facts = facts();
    let sees = |actor: &Actor| story.agreement.visibility(actor, &facts);
    let confidential = &story.agreement.latest().unwrap().content.terms.annexes[1];
    for party_side in [company_member(), university_member(), company_signer(), researcher(), admin()] {
        let view = sees(&party_side);
        assert!(view.sees_clauses() && view.sees_annex(confidential), "{party_side:?}");
    }
    for helper in [coordinator(), legal()] {
        let view = sees(&helper);
        assert!(
            view.sees_clauses() && view.sees_money_detail() && !view.sees_annex(confidential),
            "{helper:?}"
        );
    }
    let summary_only = sees(&board());
    assert!(summary_only.sees() && !summary_only.sees_clauses() && !summary_only.sees_comments());
    assert!(!summary_only.sees_money_detail());
    assert!(
        summary_only.sees_event(&story.log[0].0) && !summary_only.sees_event(&story.log[1].0),
        "created, not model_chosen"
    );
    for nobody in [reviewer(), other_company(), stranger(), Actor::System] {
        assert_eq!(sees(&nobody), Visibility::NOTHING, "{nobody:?}");
    }
    let context = context("2026-04-02T09:00:00Z");
    assert!(story.agreement.permitted(&board(), &context).is_empty());
    assert!(story.agreement.permitted(&other_company(), &context).is_empty());
    assert_eq!(story.agreement.permitted(&Actor::System, &context), Default::default());
    let summary = story.agreement.summary(day("2026-04-02")).unwrap();
    assert_eq!(summary.parties.len(), 2);
    assert_eq!(summary.money.unwrap().total.0, 500_000 + 900_000 + 1_200_000 + 560_000);
}

/// Signed and in force, for the turns that follow.
fn in_force() -> Story {
    let mut story = Story::drafted();
    let april = context("2026-04-02T09:00:00Z");
    story.run(&company_member(), Command::SendForInternalReview, &april).unwrap();
    story.run(&legal(), Command::Approve { role: ApprovalRole::Legal }, &april).unwrap();
    story.run(&finance(), Command::Approve { role: ApprovalRole::Finance }, &april).unwrap();
    both_accept(&mut story, &april);
    story.run(&company_member(), Command::SendForSignature, &april).unwrap();
    everyone_signs(&mut story, "2026-04-02T09:00:00Z");
    assert_eq!(story.agreement.state, AgreementState::Active);
    story
}

#[test]
fn the_portal_expires_an_agreement_after_its_end_date_and_nobody_else_does() {
    let mut story = in_force();
    let last_day = context("2028-05-31T12:00:00Z");
    assert_eq!(
        story.run(&Actor::System, Command::Expire, &last_day),
        Err(Refusal::NotEnded { end: Some(day("2028-05-31")) })
    );
    let after = context("2028-06-01T06:00:00Z");
    assert_eq!(story.run(&admin(), Command::Expire, &after), Err(Refusal::NotAllowed));
    story.run(&Actor::System, Command::Expire, &after).unwrap();
    assert_eq!(story.agreement.state, AgreementState::Expired);
    assert!(story.agreement.due_reminders(day("2028-06-02")).is_empty());
}

#[test]
fn on_hold_resumes_where_it_was_and_termination_needs_a_reason() {
    let mut story = in_force();
    let context = context("2026-09-01T09:00:00Z");
    story.run(&admin(), Command::PutOnHold { reason: "Etikprövningen överklagad".into() }, &context).unwrap();
    let update = Command::UpdateMilestone {
        code: "M1".into(),
        status: MilestoneStatus::InProgress,
        evidence: String::new(),
        note: String::new(),
    };
    assert_eq!(story.run(&company_member(), update, &context), Err(Refusal::WrongState));
    story.run(&admin(), Command::Resume, &context).unwrap();
    assert_eq!(story.agreement.state, AgreementState::Active);
    assert_eq!(
        story.run(&admin(), Command::Terminate { reason: String::new() }, &context),
        Err(Refusal::ReasonRequired)
    );
    story
        .run(&admin(), Command::Terminate { reason: "Bolaget har gått i konkurs".into() }, &context)
        .unwrap();
    assert_eq!(story.agreement.state, AgreementState::Terminated);
    assert_eq!(story.agreement.closing.as_deref(), Some("Bolaget har gått i konkurs"));
}

#[test]
fn an_abandoned_amendment_leaves_the_signed_version_in_force() {
    let mut story = in_force();
    let context = context("2026-09-01T09:00:00Z");
    story.run(&university_member(), Command::StartAmendment { reason: "Ny part".into() }, &context).unwrap();
    assert_eq!(story.agreement.state, AgreementState::Negotiation);
    story
        .run(&university_member(), Command::Withdraw { reason: "Parten hoppade av".into() }, &context)
        .unwrap();
    assert_eq!((story.agreement.state, story.agreement.in_force), (AgreementState::Active, Some(1)));
    assert_eq!(story.log.last().unwrap().0.kind(), "amendment_abandoned");
}

#[test]
fn an_obligation_is_met_once_per_due_date() {
    let mut story = in_force();
    let context = context("2027-01-10T09:00:00Z");
    let report_overdue = |story: &Story| {
        let reminders = story.agreement.due_reminders(day("2027-01-10"));
        reminders
            .iter()
            .any(|r| r.overdue() && matches!(&r.item, ScheduleItem::Obligation { code, .. } if code == "R"))
    };
    assert!(report_overdue(&story));
    let met =
        |due: &str| Command::RecordObligationMet { code: "R".into(), due: day(due), evidence: String::new() };
    assert_eq!(
        story.run(&company_member(), met("2027-01-31"), &context),
        Err(Refusal::Invalid("due".into(), "agreement.refused.obligation"))
    );
    story.run(&company_member(), met("2026-12-31"), &context).unwrap();
    assert_eq!(
        story.run(&company_member(), met("2026-12-31"), &context),
        Err(Refusal::Invalid("due".into(), "agreement.refused.obligation_met"))
    );
    assert!(!report_overdue(&story));
}
