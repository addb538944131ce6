//! An access application as a pure state machine: a command is checked against the
//! current state and the actor's roles and answers events or a refusal; the state is the
//! fold of its events (REMS' design). One application can ask for cohorts at several
//! nodes: each cohort is a *part* that its node's committee handles and decides alone.
//!
//! Every command lives in [`Command`], every event in [`Event`]; [`decide`] holds all the
//! rules. The persistence layer stores each event with its actor and time.

use super::clock::{ClockRules, DecisionClock};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub type PersonId = i64;
pub type CohortId = i64;
pub type NodeId = i64;

/// Who gives a command. Committee membership is per node (from the person's roles).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The portal itself (expiry, reminders).
    System,
    Person {
        id: PersonId,
        committee_of: BTreeSet<NodeId>,
    },
}

impl Actor {
    pub fn person(id: PersonId) -> Actor {
        Actor::Person { id, committee_of: BTreeSet::new() }
    }

    pub fn committee(id: PersonId, nodes: &[NodeId]) -> Actor {
        Actor::Person { id, committee_of: nodes.iter().copied().collect() }
    }

    fn id(&self) -> Option<PersonId> {
        match self {
            Actor::System => None,
            Actor::Person { id, .. } => Some(*id),
        }
    }

    fn serves(&self, node: NodeId) -> bool {
        matches!(self, Actor::Person { committee_of, .. } if committee_of.contains(&node))
    }
}

/// Where the application as a whole stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    Draft,
    /// With the committees (some parts submitted or under review).
    Submitted,
    /// At least one node sent it back with questions: the applicant edits and resubmits.
    Returned,
    /// Every part has a decision.
    Decided,
    Withdrawn,
    Closed,
}

/// Where one cohort's part stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum PartState {
    Draft,
    Submitted,
    UnderReview { handler: PersonId },
    Returned,
    Approved { ends_on: NaiveDate, conditions: String },
    Rejected { reasons: String },
    AccessActive { starts_on: NaiveDate, ends_on: NaiveDate },
    Expired,
    Revoked { reason: String },
    Withdrawn,
}

impl PartState {
    pub fn code(&self) -> &'static str {
        match self {
            PartState::Draft => "draft",
            PartState::Submitted => "submitted",
            PartState::UnderReview { .. } => "under_review",
            PartState::Returned => "returned",
            PartState::Approved { .. } => "approved",
            PartState::Rejected { .. } => "rejected",
            PartState::AccessActive { .. } => "access_active",
            PartState::Expired => "expired",
            PartState::Revoked { .. } => "revoked",
            PartState::Withdrawn => "withdrawn",
        }
    }

    /// The committee still has to decide.
    fn in_handling(&self) -> bool {
        matches!(self, PartState::Submitted | PartState::UnderReview { .. })
    }

    fn decided(&self) -> bool {
        matches!(
            self,
            PartState::Approved { .. }
                | PartState::Rejected { .. }
                | PartState::AccessActive { .. }
                | PartState::Expired
                | PartState::Revoked { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub cohort: CohortId,
    /// The node whose committee decides for this cohort.
    pub node: NodeId,
    pub state: PartState,
    pub clock: DecisionClock,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Approve { ends_on: NaiveDate, conditions: String },
    Reject { reasons: String },
}

/// Everything anyone can ask of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    /// From the basket: one part per cohort, each with its deciding node.
    Create {
        cohorts: Vec<(CohortId, NodeId)>,
    },
    InviteMember {
        person: PersonId,
    },
    RemoveMember {
        person: PersonId,
    },
    /// A member (or the applicant) accepts the terms of one cohort.
    AcceptTerms {
        cohort: CohortId,
    },
    /// The form is complete (checked by the caller against the form rules).
    Submit,
    AssignHandler {
        node: NodeId,
        handler: PersonId,
    },
    ReturnForChanges {
        node: NodeId,
        questions: String,
    },
    ExtendDeadline {
        node: NodeId,
        reason: String,
    },
    Decide {
        cohort: CohortId,
        decision: Decision,
    },
    Revoke {
        cohort: CohortId,
        reason: String,
    },
    /// The system, when an access period has ended.
    Expire {
        cohort: CohortId,
    },
    Withdraw,
    Close,
}

/// What happened. Folding these gives the application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    Created {
        applicant: PersonId,
        cohorts: Vec<(CohortId, NodeId)>,
    },
    MemberInvited {
        person: PersonId,
    },
    MemberRemoved {
        person: PersonId,
    },
    TermsAccepted {
        person: PersonId,
        cohort: CohortId,
    },
    /// Version `version` went to these nodes' committees.
    Submitted {
        version: u32,
        nodes: Vec<NodeId>,
    },
    HandlerAssigned {
        node: NodeId,
        handler: PersonId,
    },
    Returned {
        node: NodeId,
        questions: String,
    },
    DeadlineExtended {
        node: NodeId,
        reason: String,
    },
    Approved {
        cohort: CohortId,
        ends_on: NaiveDate,
        conditions: String,
    },
    /// Entitlements start for every member.
    AccessActivated {
        cohort: CohortId,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    },
    Rejected {
        cohort: CohortId,
        reasons: String,
    },
    Revoked {
        cohort: CohortId,
        reason: String,
    },
    Expired {
        cohort: CohortId,
    },
    Withdrawn,
    Closed,
}

impl Event {
    /// The event's name in the log and the audit trail.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Created { .. } => "created",
            Event::MemberInvited { .. } => "member_invited",
            Event::MemberRemoved { .. } => "member_removed",
            Event::TermsAccepted { .. } => "terms_accepted",
            Event::Submitted { .. } => "submitted",
            Event::HandlerAssigned { .. } => "handler_assigned",
            Event::Returned { .. } => "returned",
            Event::DeadlineExtended { .. } => "deadline_extended",
            Event::Approved { .. } => "approved",
            Event::AccessActivated { .. } => "access_activated",
            Event::Rejected { .. } => "rejected",
            Event::Revoked { .. } => "revoked",
            Event::Expired { .. } => "expired",
            Event::Withdrawn => "withdrawn",
            Event::Closed => "closed",
        }
    }
}

impl ApplicationState {
    pub fn code(self) -> &'static str {
        match self {
            ApplicationState::Draft => "draft",
            ApplicationState::Submitted => "submitted",
            ApplicationState::Returned => "returned",
            ApplicationState::Decided => "decided",
            ApplicationState::Withdrawn => "withdrawn",
            ApplicationState::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
    #[error("this person may not do that")]
    NotAllowed,
    #[error("not in this state")]
    WrongState,
    #[error("every member must accept the terms of every cohort first")]
    TermsNotAccepted,
    #[error("the application does not ask for that cohort or node")]
    NotInApplication,
    #[error("the value is not acceptable")]
    Invalid(&'static str),
}

/// The application, as the fold of its events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub applicant: Option<PersonId>,
    pub members: BTreeSet<PersonId>,
    /// (person, cohort) pairs whose terms were accepted.
    pub accepted_terms: BTreeSet<(PersonId, CohortId)>,
    pub parts: BTreeMap<CohortId, Part>,
    /// Submissions so far; each is a version the committees can compare.
    pub version: u32,
    pub withdrawn: bool,
    pub closed: bool,
}

/// The time and rules a command is decided under.
#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub now: DateTime<Utc>,
    pub clock: ClockRules,
}

impl Context {
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&chrono_tz::Europe::Stockholm).date_naive()
    }
}

impl Application {
    pub fn state(&self) -> ApplicationState {
        let parts: Vec<&PartState> = self.parts.values().map(|p| &p.state).collect();
        if self.closed {
            ApplicationState::Closed
        } else if self.withdrawn {
            ApplicationState::Withdrawn
        } else if self.version == 0 {
            ApplicationState::Draft
        } else if parts.iter().any(|p| **p == PartState::Returned) {
            ApplicationState::Returned
        } else if !parts.is_empty() && parts.iter().all(|p| p.decided()) {
            ApplicationState::Decided
        } else {
            ApplicationState::Submitted
        }
    }

    /// Everyone who will see the data: the applicant and the members.
    pub fn team(&self) -> BTreeSet<PersonId> {
        self.members.iter().copied().chain(self.applicant).collect()
    }

    fn nodes(&self) -> BTreeSet<NodeId> {
        self.parts.values().map(|p| p.node).collect()
    }

    fn terms_complete(&self) -> bool {
        self.team()
            .iter()
            .all(|person| self.parts.keys().all(|c| self.accepted_terms.contains(&(*person, *c))))
    }

    pub fn fold<'a>(
        events: impl IntoIterator<Item = (&'a Event, DateTime<Utc>)>,
        rules: ClockRules,
    ) -> Application {
        let mut application = Application::default();
        for (event, at) in events {
            application.apply(event, at, rules);
        }
        application
    }

    /// Applies an event (already decided, so it cannot fail).
    pub fn apply(&mut self, event: &Event, at: DateTime<Utc>, rules: ClockRules) {
        match event {
            Event::Created { applicant, cohorts } => {
                self.applicant = Some(*applicant);
                for (cohort, node) in cohorts {
                    let part = Part {
                        cohort: *cohort,
                        node: *node,
                        state: PartState::Draft,
                        clock: DecisionClock::default(),
                    };
                    self.parts.insert(*cohort, part);
                }
            }
            Event::MemberInvited { person } => {
                self.members.insert(*person);
            }
            Event::MemberRemoved { person } => {
                self.members.remove(person);
                self.accepted_terms.retain(|(p, _)| p != person);
            }
            Event::TermsAccepted { person, cohort } => {
                self.accepted_terms.insert((*person, *cohort));
            }
            Event::Submitted { version, nodes } => {
                self.version = *version;
                let waiting = |p: &&mut Part| matches!(p.state, PartState::Draft | PartState::Returned);
                for part in self.parts.values_mut().filter(|p| nodes.contains(&p.node)).filter(waiting) {
                    match part.state {
                        // Back from the applicant: the clock runs on from where it stopped.
                        PartState::Returned => {
                            let _ = part.clock.resume(at);
                        }
                        _ => part.clock.start(at, rules),
                    }
                    part.state = PartState::Submitted;
                }
            }
            Event::HandlerAssigned { node, handler } => {
                for part in self.parts.values_mut().filter(|p| p.node == *node && p.state.in_handling()) {
                    part.state = PartState::UnderReview { handler: *handler };
                }
            }
            Event::Returned { node, .. } => {
                for part in self.parts.values_mut().filter(|p| p.node == *node && p.state.in_handling()) {
                    part.state = PartState::Returned;
                    let _ = part.clock.pause(at);
                }
            }
            Event::DeadlineExtended { node, .. } => {
                for part in self.parts.values_mut().filter(|p| p.node == *node && p.state.in_handling()) {
                    let _ = part.clock.extend(rules);
                }
            }
            Event::Approved { cohort, ends_on, conditions } => {
                self.set(*cohort, PartState::Approved { ends_on: *ends_on, conditions: conditions.clone() });
            }
            Event::AccessActivated { cohort, starts_on, ends_on } => {
                self.set(*cohort, PartState::AccessActive { starts_on: *starts_on, ends_on: *ends_on });
            }
            Event::Rejected { cohort, reasons } => {
                self.set(*cohort, PartState::Rejected { reasons: reasons.clone() })
            }
            Event::Revoked { cohort, reason } => {
                self.set(*cohort, PartState::Revoked { reason: reason.clone() })
            }
            Event::Expired { cohort } => self.set(*cohort, PartState::Expired),
            Event::Withdrawn => {
                self.withdrawn = true;
                for part in self.parts.values_mut().filter(|p| !p.state.decided()) {
                    part.state = PartState::Withdrawn;
                }
            }
            Event::Closed => self.closed = true,
        }
    }

    fn set(&mut self, cohort: CohortId, state: PartState) {
        if let Some(part) = self.parts.get_mut(&cohort) {
            part.state = state;
        }
    }
}

/// The rules: may this actor give this command now, and what happens if so.
pub fn decide(
    application: &Application,
    actor: &Actor,
    command: &Command,
    context: Context,
) -> Result<Vec<Event>, Refusal> {
    let state = application.state();
    let is_applicant = actor.id().is_some() && actor.id() == application.applicant;
    let editable = matches!(state, ApplicationState::Draft | ApplicationState::Returned);
    let part = |cohort: &CohortId| application.parts.get(cohort).ok_or(Refusal::NotInApplication);
    let known_node = |node: &NodeId| {
        if application.nodes().contains(node) { Ok(()) } else { Err(Refusal::NotInApplication) }
    };
    // A withdrawn application keeps the access already granted: it can still expire or be revoked.
    let after_the_end = matches!(command, Command::Expire { .. } | Command::Revoke { .. });
    if state == ApplicationState::Closed || (state == ApplicationState::Withdrawn && !after_the_end) {
        return Err(Refusal::WrongState);
    }
    match command {
        Command::Create { cohorts } => {
            let Some(applicant) = actor.id() else { return Err(Refusal::NotAllowed) };
            if application.applicant.is_some() {
                return Err(Refusal::WrongState);
            }
            let distinct: BTreeSet<CohortId> = cohorts.iter().map(|(c, _)| *c).collect();
            if cohorts.is_empty() || distinct.len() != cohorts.len() {
                return Err(Refusal::Invalid("cohorts"));
            }
            Ok(vec![Event::Created { applicant, cohorts: cohorts.clone() }])
        }
        Command::InviteMember { person } => {
            if !is_applicant {
                return Err(Refusal::NotAllowed);
            }
            if !editable {
                return Err(Refusal::WrongState);
            }
            if application.team().contains(person) {
                return Err(Refusal::Invalid("person"));
            }
            Ok(vec![Event::MemberInvited { person: *person }])
        }
        Command::RemoveMember { person } => {
            if !is_applicant {
                return Err(Refusal::NotAllowed);
            }
            if !editable {
                return Err(Refusal::WrongState);
            }
            if !application.members.contains(person) {
                return Err(Refusal::Invalid("person"));
            }
            Ok(vec![Event::MemberRemoved { person: *person }])
        }
        Command::AcceptTerms { cohort } => {
            let person = actor.id().filter(|p| application.team().contains(p)).ok_or(Refusal::NotAllowed)?;
            part(cohort)?;
            if !editable {
                return Err(Refusal::WrongState);
            }
            if application.accepted_terms.contains(&(person, *cohort)) {
                return Err(Refusal::Invalid("cohort"));
            }
            Ok(vec![Event::TermsAccepted { person, cohort: *cohort }])
        }
        Command::Submit => {
            if !is_applicant {
                return Err(Refusal::NotAllowed);
            }
            if !editable {
                return Err(Refusal::WrongState);
            }
            if !application.terms_complete() {
                return Err(Refusal::TermsNotAccepted);
            }
            // A first submission goes to every node; a resubmission to the nodes that asked.
            let nodes: BTreeSet<NodeId> = application
                .parts
                .values()
                .filter(|p| matches!(p.state, PartState::Draft | PartState::Returned))
                .map(|p| p.node)
                .collect();
            Ok(vec![Event::Submitted {
                version: application.version + 1,
                nodes: nodes.into_iter().collect(),
            }])
        }
        Command::AssignHandler { node, handler } => {
            known_node(node)?;
            if !actor.serves(*node) {
                return Err(Refusal::NotAllowed);
            }
            if !application.parts.values().any(|p| p.node == *node && p.state.in_handling()) {
                return Err(Refusal::WrongState);
            }
            if application.team().contains(handler) {
                return Err(Refusal::Invalid("handler"));
            }
            Ok(vec![Event::HandlerAssigned { node: *node, handler: *handler }])
        }
        Command::ReturnForChanges { node, questions } => {
            known_node(node)?;
            if !actor.serves(*node) {
                return Err(Refusal::NotAllowed);
            }
            if !application.parts.values().any(|p| p.node == *node && p.state.in_handling()) {
                return Err(Refusal::WrongState);
            }
            if questions.trim().is_empty() {
                return Err(Refusal::Invalid("questions"));
            }
            Ok(vec![Event::Returned { node: *node, questions: questions.trim().to_owned() }])
        }
        Command::ExtendDeadline { node, reason } => {
            known_node(node)?;
            if !actor.serves(*node) {
                return Err(Refusal::NotAllowed);
            }
            let parts: Vec<&Part> =
                application.parts.values().filter(|p| p.node == *node && p.state.in_handling()).collect();
            if parts.is_empty() || parts.iter().any(|p| p.clock.extended) {
                return Err(Refusal::WrongState);
            }
            if reason.trim().is_empty() {
                return Err(Refusal::Invalid("reason"));
            }
            Ok(vec![Event::DeadlineExtended { node: *node, reason: reason.trim().to_owned() }])
        }
        Command::Decide { cohort, decision } => {
            let part = part(cohort)?;
            if !actor.serves(part.node) {
                return Err(Refusal::NotAllowed);
            }
            if !matches!(part.state, PartState::UnderReview { .. }) {
                return Err(Refusal::WrongState);
            }
            match decision {
                Decision::Approve { ends_on, conditions } => {
                    let today = context.today();
                    if *ends_on <= today {
                        return Err(Refusal::Invalid("ends_on"));
                    }
                    Ok(vec![
                        Event::Approved {
                            cohort: *cohort,
                            ends_on: *ends_on,
                            conditions: conditions.trim().to_owned(),
                        },
                        Event::AccessActivated { cohort: *cohort, starts_on: today, ends_on: *ends_on },
                    ])
                }
                Decision::Reject { reasons } => {
                    if reasons.trim().is_empty() {
                        return Err(Refusal::Invalid("reasons"));
                    }
                    Ok(vec![Event::Rejected { cohort: *cohort, reasons: reasons.trim().to_owned() }])
                }
            }
        }
        Command::Revoke { cohort, reason } => {
            let part = part(cohort)?;
            if !actor.serves(part.node) {
                return Err(Refusal::NotAllowed);
            }
            if !matches!(part.state, PartState::AccessActive { .. }) {
                return Err(Refusal::WrongState);
            }
            if reason.trim().is_empty() {
                return Err(Refusal::Invalid("reason"));
            }
            Ok(vec![Event::Revoked { cohort: *cohort, reason: reason.trim().to_owned() }])
        }
        Command::Expire { cohort } => {
            if *actor != Actor::System {
                return Err(Refusal::NotAllowed);
            }
            match part(cohort)?.state {
                // The end date is the last day of access: it ends the day after.
                PartState::AccessActive { ends_on, .. } if ends_on < context.today() => {
                    Ok(vec![Event::Expired { cohort: *cohort }])
                }
                _ => Err(Refusal::WrongState),
            }
        }
        Command::Withdraw => {
            if !is_applicant {
                return Err(Refusal::NotAllowed);
            }
            if matches!(state, ApplicationState::Decided) {
                return Err(Refusal::WrongState);
            }
            Ok(vec![Event::Withdrawn])
        }
        Command::Close => {
            let may = is_applicant || application.nodes().iter().any(|n| actor.serves(*n));
            if !may {
                return Err(Refusal::NotAllowed);
            }
            let finished = application.parts.values().all(|p| {
                matches!(p.state, PartState::Rejected { .. } | PartState::Expired | PartState::Revoked { .. })
            });
            if state != ApplicationState::Decided || !finished {
                return Err(Refusal::WrongState);
            }
            Ok(vec![Event::Closed])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const APPLICANT: PersonId = 1;
    const MEMBER: PersonId = 2;
    const OUTSIDER: PersonId = 3;
    const UPPSALA_COMMITTEE: PersonId = 4;
    const UMEA_COMMITTEE: PersonId = 5;
    const UPPSALA: NodeId = 10;
    const UMEA: NodeId = 20;
    const SCAPIS: CohortId = 100;
    const UCAN: CohortId = 200;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn context(now: &str) -> Context {
        Context { now: at(now), clock: ClockRules::default() }
    }

    struct Story {
        application: Application,
        log: Vec<(Event, DateTime<Utc>)>,
    }

    impl Story {
        fn new() -> Story {
            Story { application: Application::default(), log: Vec::new() }
        }

        fn run(&mut self, actor: &Actor, command: Command, now: &str) -> Result<(), Refusal> {
            let context = context(now);
            let events = decide(&self.application, actor, &command, context)?;
            for event in events {
                self.application.apply(&event, context.now, context.clock);
                self.log.push((event, context.now));
            }
            Ok(())
        }
    }

    fn applicant() -> Actor {
        Actor::person(APPLICANT)
    }

    #[test]
    fn one_application_two_nodes_two_decisions() {
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let umea = Actor::committee(UMEA_COMMITTEE, &[UMEA]);
        let mut story = Story::new();
        story
            .run(
                &applicant(),
                Command::Create { cohorts: vec![(SCAPIS, UPPSALA), (UCAN, UMEA)] },
                "2026-03-01T10:00:00Z",
            )
            .unwrap();
        story.run(&applicant(), Command::InviteMember { person: MEMBER }, "2026-03-01T10:01:00Z").unwrap();
        assert_eq!(
            story.run(&applicant(), Command::Submit, "2026-03-01T10:02:00Z"),
            Err(Refusal::TermsNotAccepted)
        );
        for person in [APPLICANT, MEMBER] {
            for cohort in [SCAPIS, UCAN] {
                story
                    .run(&Actor::person(person), Command::AcceptTerms { cohort }, "2026-03-01T10:03:00Z")
                    .unwrap();
            }
        }
        assert_eq!(
            story.run(
                &Actor::person(OUTSIDER),
                Command::AcceptTerms { cohort: SCAPIS },
                "2026-03-01T10:03:00Z"
            ),
            Err(Refusal::NotAllowed)
        );
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        assert_eq!(story.application.state(), ApplicationState::Submitted);
        assert_eq!(story.application.version, 1);

        // Umeå's committee cannot touch Uppsala's part, and the other way round.
        let handle = |node| Command::AssignHandler { node, handler: UPPSALA_COMMITTEE };
        assert_eq!(story.run(&umea, handle(UPPSALA), "2026-03-03T09:00:00Z"), Err(Refusal::NotAllowed));
        story.run(&uppsala, handle(UPPSALA), "2026-03-03T09:00:00Z").unwrap();
        story
            .run(
                &umea,
                Command::ReturnForChanges { node: UMEA, questions: "Which registers?".into() },
                "2026-03-04T09:00:00Z",
            )
            .unwrap();
        assert_eq!(story.application.state(), ApplicationState::Returned);
        // Returned: the applicant answers; only Umeå's part goes back, as version 2.
        story.run(&applicant(), Command::Submit, "2026-03-14T09:00:00Z").unwrap();
        assert_eq!(story.application.version, 2);
        assert_eq!(
            story
                .log
                .iter()
                .filter(|(e, _)| matches!(e, Event::Submitted { nodes, .. } if nodes == &vec![UMEA]))
                .count(),
            1
        );
        let ucan_clock = story.application.parts[&UCAN].clock;
        let scapis_clock = story.application.parts[&SCAPIS].clock;
        assert_eq!(
            ucan_clock.deadline.unwrap() - scapis_clock.deadline.unwrap(),
            chrono::Duration::days(10),
            "the clock paused for 10 days"
        );

        let ends_on = NaiveDate::from_ymd_opt(2028, 3, 31).unwrap();
        story
            .run(
                &uppsala,
                Command::Decide {
                    cohort: SCAPIS,
                    decision: Decision::Approve { ends_on, conditions: "Cite SCAPIS.".into() },
                },
                "2026-04-01T09:00:00Z",
            )
            .unwrap();
        assert!(
            matches!(story.application.parts[&SCAPIS].state, PartState::AccessActive { ends_on: e, .. } if e == ends_on)
        );
        story
            .run(
                &umea,
                Command::AssignHandler { node: UMEA, handler: UMEA_COMMITTEE },
                "2026-04-02T09:00:00Z",
            )
            .unwrap();
        story
            .run(
                &umea,
                Command::Decide {
                    cohort: UCAN,
                    decision: Decision::Reject { reasons: "Purpose is outside DS-cancer.".into() },
                },
                "2026-04-03T09:00:00Z",
            )
            .unwrap();
        assert_eq!(story.application.state(), ApplicationState::Decided);

        // Expiry is the system's, and only after the end date.
        assert_eq!(
            story.run(&Actor::System, Command::Expire { cohort: SCAPIS }, "2027-01-01T09:00:00Z"),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            story.run(&uppsala, Command::Expire { cohort: SCAPIS }, "2028-04-01T09:00:00Z"),
            Err(Refusal::NotAllowed)
        );
        story.run(&Actor::System, Command::Expire { cohort: SCAPIS }, "2028-04-01T09:00:00Z").unwrap();
        story.run(&applicant(), Command::Close, "2028-04-02T09:00:00Z").unwrap();
        assert_eq!(story.application.state(), ApplicationState::Closed);

        // The state is the fold of the log.
        let replayed = Application::fold(story.log.iter().map(|(e, t)| (e, *t)), ClockRules::default());
        assert_eq!(replayed, story.application);
    }

    #[test]
    fn a_deadline_extends_once_with_a_reason() {
        let uppsala = Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]);
        let mut story = Story::new();
        story
            .run(&applicant(), Command::Create { cohorts: vec![(SCAPIS, UPPSALA)] }, "2026-03-01T10:00:00Z")
            .unwrap();
        story.run(&applicant(), Command::AcceptTerms { cohort: SCAPIS }, "2026-03-01T10:00:00Z").unwrap();
        story.run(&applicant(), Command::Submit, "2026-03-02T09:00:00Z").unwrap();
        let before = story.application.parts[&SCAPIS].clock.deadline.unwrap();
        let extend = |reason: &str| Command::ExtendDeadline { node: UPPSALA, reason: reason.into() };
        assert_eq!(story.run(&uppsala, extend(" "), "2026-05-01T09:00:00Z"), Err(Refusal::Invalid("reason")));
        story.run(&uppsala, extend("Linkage to registers takes time."), "2026-05-01T09:00:00Z").unwrap();
        let after = story.application.parts[&SCAPIS].clock.deadline.unwrap();
        assert_eq!(after, at("2026-09-02T21:59:59Z"));
        assert!(after > before);
        assert_eq!(story.run(&uppsala, extend("again"), "2026-06-01T09:00:00Z"), Err(Refusal::WrongState));
    }

    /// The small world random sequences play in.
    fn actors() -> Vec<Actor> {
        vec![
            Actor::System,
            Actor::person(APPLICANT),
            Actor::person(MEMBER),
            Actor::person(OUTSIDER),
            Actor::committee(UPPSALA_COMMITTEE, &[UPPSALA]),
            Actor::committee(UMEA_COMMITTEE, &[UMEA]),
        ]
    }

    fn command_strategy() -> impl Strategy<Value = Command> {
        let cohort = prop_oneof![Just(SCAPIS), Just(UCAN), Just(999)];
        let node = prop_oneof![Just(UPPSALA), Just(UMEA), Just(99)];
        let person = prop_oneof![Just(APPLICANT), Just(MEMBER), Just(OUTSIDER), Just(UPPSALA_COMMITTEE)];
        let text = prop_oneof![Just(String::new()), Just("Because.".to_owned())];
        let day = (0i64..1500)
            .prop_map(|d| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(d));
        prop_oneof![
            Just(Command::Create { cohorts: vec![(SCAPIS, UPPSALA), (UCAN, UMEA)] }),
            person.clone().prop_map(|person| Command::InviteMember { person }),
            person.clone().prop_map(|person| Command::RemoveMember { person }),
            cohort.clone().prop_map(|cohort| Command::AcceptTerms { cohort }),
            Just(Command::Submit),
            Just(Command::Submit),
            (node.clone(), person).prop_map(|(node, handler)| Command::AssignHandler { node, handler }),
            (node.clone(), text.clone())
                .prop_map(|(node, questions)| Command::ReturnForChanges { node, questions }),
            (node, text.clone()).prop_map(|(node, reason)| Command::ExtendDeadline { node, reason }),
            (cohort.clone(), day, text.clone()).prop_map(|(cohort, ends_on, conditions)| Command::Decide {
                cohort,
                decision: Decision::Approve { ends_on, conditions }
            }),
            (cohort.clone(), text.clone()).prop_map(|(cohort, reasons)| Command::Decide {
                cohort,
                decision: Decision::Reject { reasons }
            }),
            (cohort.clone(), text).prop_map(|(cohort, reason)| Command::Revoke { cohort, reason }),
            cohort.prop_map(|cohort| Command::Expire { cohort }),
            Just(Command::Withdraw),
            Just(Command::Close),
        ]
    }

    /// What must hold after every accepted command, whatever came before.
    fn check_invariants(application: &Application) -> Result<(), String> {
        let state = application.state();
        for part in application.parts.values() {
            let fine = match state {
                ApplicationState::Draft => part.state == PartState::Draft,
                ApplicationState::Withdrawn => {
                    !part.state.in_handling()
                        && part.state != PartState::Returned
                        && part.state != PartState::Draft
                }
                ApplicationState::Decided | ApplicationState::Closed => part.state.decided(),
                ApplicationState::Submitted | ApplicationState::Returned => part.state != PartState::Draft,
            };
            if !fine {
                return Err(format!(
                    "part {} is {:?} while the application is {state:?}",
                    part.cohort, part.state
                ));
            }
            if let PartState::AccessActive { starts_on, ends_on } = part.state
                && ends_on <= starts_on
            {
                return Err("access ends before it starts".into());
            }
            if part.state.in_handling() && part.clock.deadline.is_none() {
                return Err("a part in handling has no deadline".into());
            }
            if part.state == PartState::Returned && part.clock.paused_at.is_none() {
                return Err("a returned part's clock runs".into());
            }
        }
        if state != ApplicationState::Draft
            && application.version == 0
            && state != ApplicationState::Withdrawn
        {
            return Err("submitted without a version".into());
        }
        if application.version > 0
            && !application.terms_complete()
            && !application.withdrawn
            && !application.closed
        {
            // Members can only join while editable, and submitting needs everyone's terms.
            let editable = matches!(state, ApplicationState::Returned);
            if !editable {
                return Err("submitted while a member had not accepted the terms".into());
            }
        }
        Ok(())
    }

    /// Who may have caused an event, by role.
    fn allowed(actor: &Actor, event: &Event, before: &Application) -> bool {
        let applicant = actor.id().is_some() && actor.id() == before.applicant;
        let serves_node_of =
            |cohort: &CohortId| before.parts.get(cohort).is_some_and(|p| actor.serves(p.node));
        match event {
            Event::Created { .. } => actor.id().is_some(),
            Event::MemberInvited { .. }
            | Event::MemberRemoved { .. }
            | Event::Submitted { .. }
            | Event::Withdrawn => applicant,
            Event::TermsAccepted { person, .. } => {
                actor.id() == Some(*person) && before.team().contains(person)
            }
            Event::HandlerAssigned { node, .. }
            | Event::Returned { node, .. }
            | Event::DeadlineExtended { node, .. } => actor.serves(*node),
            Event::Approved { cohort, .. }
            | Event::AccessActivated { cohort, .. }
            | Event::Rejected { cohort, .. }
            | Event::Revoked { cohort, .. } => serves_node_of(cohort),
            Event::Expired { .. } => *actor == Actor::System,
            Event::Closed => applicant || before.parts.values().any(|p| actor.serves(p.node)),
        }
    }

    /// A valid story, step by step, so random sequences also start deep in the workflow
    /// (a random walk from nothing rarely gets past the terms and the submission).
    /// (index into [`actors`], the command) for each step of the story.
    type Step = (usize, fn() -> Command);

    const CHECKPOINTS: &[Step] = &[
        (1, || Command::Create { cohorts: vec![(SCAPIS, UPPSALA), (UCAN, UMEA)] }),
        (1, || Command::InviteMember { person: MEMBER }),
        (1, || Command::AcceptTerms { cohort: SCAPIS }),
        (1, || Command::AcceptTerms { cohort: UCAN }),
        (2, || Command::AcceptTerms { cohort: SCAPIS }),
        (2, || Command::AcceptTerms { cohort: UCAN }),
        (1, || Command::Submit),
        (4, || Command::AssignHandler { node: UPPSALA, handler: UPPSALA_COMMITTEE }),
        (5, || Command::ReturnForChanges { node: UMEA, questions: "Which registers?".into() }),
        (1, || Command::Submit),
        (5, || Command::AssignHandler { node: UMEA, handler: UMEA_COMMITTEE }),
        (4, || Command::Decide {
            cohort: SCAPIS,
            decision: Decision::Approve {
                ends_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                conditions: String::new(),
            },
        }),
    ];

    /// The application after the first `steps` steps of the story.
    fn reach(steps: usize) -> (Application, Vec<(Event, DateTime<Utc>)>) {
        let actors = actors();
        let mut application = Application::default();
        let mut log = Vec::new();
        for (i, (who, command)) in CHECKPOINTS.iter().take(steps).enumerate() {
            let context = Context {
                now: at("2026-01-05T09:00:00Z") + chrono::Duration::days(i as i64),
                clock: ClockRules::default(),
            };
            for event in decide(&application, &actors[*who], &command(), context).expect("the story is valid")
            {
                application.apply(&event, context.now, context.clock);
                log.push((event, context.now));
            }
        }
        (application, log)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 10_000, ..ProptestConfig::default() })]

        /// No sequence of commands, by anyone, in any order, reaches an illegal state, and
        /// every accepted command came from someone with the role for it.
        #[test]
        fn no_command_sequence_reaches_an_illegal_state(
            checkpoint in 0usize..=CHECKPOINTS.len(),
            steps in proptest::collection::vec((0usize..6, command_strategy(), 0i64..40), 1..40)
        ) {
            let actors = actors();
            let (mut application, mut log) = reach(checkpoint);
            let mut now = at("2026-02-01T09:00:00Z");
            for (who, command, days) in steps {
                now += chrono::Duration::days(days);
                let context = Context { now, clock: ClockRules::default() };
                let actor = &actors[who];
                if let Ok(events) = decide(&application, actor, &command, context) {
                    prop_assert!(!events.is_empty());
                    let before = application.clone();
                    for event in &events {
                        prop_assert!(allowed(actor, event, &before), "{actor:?} caused {event:?}");
                        application.apply(event, now, context.clock);
                        log.push((event.clone(), now));
                    }
                    if let Err(problem) = check_invariants(&application) {
                        prop_assert!(false, "{problem} after {command:?} by {actor:?}");
                    }
                }
            }
            let replayed = Application::fold(log.iter().map(|(e, t)| (e, *t)), ClockRules::default());
            prop_assert_eq!(replayed, application);
        }
    }
}
