//! A proposal's life: drafted by a company, submitted before the call closes (automatic
//! eligibility checks at once), screened by the call's administrators, reviewed, decided
//! by the board and released with the call's other decisions; a selected proposal starts
//! an agreement. Pure rules: who may give which command in which state, and where it leads.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    Draft,
    /// Sent in and through the automatic checks; waiting for screening.
    Submitted,
    Ineligible,
    InReview,
    Selected,
    Reserve,
    NotSelected,
    Withdrawn,
}

pub const PROPOSAL_STATES: [&str; 8] =
    ["draft", "submitted", "ineligible", "in_review", "selected", "reserve", "not_selected", "withdrawn"];

impl ProposalState {
    pub fn code(self) -> &'static str {
        PROPOSAL_STATES[self as usize]
    }

    pub fn parse(code: &str) -> Option<ProposalState> {
        use ProposalState::*;
        [Draft, Submitted, Ineligible, InReview, Selected, Reserve, NotSelected, Withdrawn]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// Sent in at least once: what counts as "received" on the public page.
    pub fn received(self) -> bool {
        !matches!(self, ProposalState::Draft | ProposalState::Withdrawn)
    }
}

/// A call with an expression of interest first asks for a short proposal; those invited
/// go on to write the full one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    ExpressionOfInterest,
    Full,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::ExpressionOfInterest => "expression_of_interest",
            Stage::Full => "full",
        }
    }

    pub fn parse(code: &str) -> Option<Stage> {
        [Stage::ExpressionOfInterest, Stage::Full].into_iter().find(|s| s.code() == code)
    }
}

/// The board's decision on a proposal; released to the company with the call's others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Selected,
    Reserve,
    NotSelected,
}

pub const DECISIONS: [&str; 3] = ["selected", "reserve", "not_selected"];

impl Decision {
    pub fn code(self) -> &'static str {
        DECISIONS[self as usize]
    }

    pub fn parse(code: &str) -> Option<Decision> {
        [Decision::Selected, Decision::Reserve, Decision::NotSelected].into_iter().find(|d| d.code() == code)
    }

    fn state(self) -> ProposalState {
        match self {
            Decision::Selected => ProposalState::Selected,
            Decision::Reserve => ProposalState::Reserve,
            Decision::NotSelected => ProposalState::NotSelected,
        }
    }
}

/// Who gives a command, as the proposal sees them (the policy has already checked that
/// they may act on it at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalActor {
    /// A representative of the proposing company.
    Company,
    /// An administrator of the call.
    CallAdmin,
    /// A member of the steering board.
    Board,
}

/// Where a proposal stands, as far as the rules need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub state: ProposalState,
    pub stage: Stage,
    pub decision: Option<Decision>,
    pub agreement_started: bool,
}

impl Status {
    pub fn new_draft(stage: Stage) -> Status {
        Status { state: ProposalState::Draft, stage, decision: None, agreement_started: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `open`: the call has not closed (the server's clock); `ineligible`: what the
    /// automatic checks found (empty when eligible). Missing parts are refused before this.
    Submit {
        open: bool,
        ineligible: Vec<String>,
    },
    Screen {
        eligible: bool,
        reason: String,
    },
    Withdraw {
        reason: String,
    },
    RecordDecision {
        decision: Decision,
        rationale: String,
    },
    /// The call's decisions go out together; each proposal's is released by this.
    Release,
    StartAgreement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not yours to do")]
    NotAllowed,
    #[error("not in this state")]
    WrongState,
    #[error("the call has closed")]
    CallClosed,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("no decision to release")]
    NoDecision,
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "error.forbidden",
            Refusal::WrongState => "proposal.refused.wrong_state",
            Refusal::CallClosed => "proposal.refused.call_closed",
            Refusal::ReasonRequired => "form.required",
            Refusal::NoDecision => "proposal.refused.no_decision",
        }
    }

    /// The field a refusal is shown at.
    pub fn field(self) -> &'static str {
        match self {
            Refusal::ReasonRequired => "reason",
            _ => "",
        }
    }
}

/// What a command does: the event's kind, the status after it, and its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub kind: &'static str,
    pub to: Status,
    pub reason: Option<String>,
}

pub const EVENT_KINDS: [&str; 13] = [
    "created",
    "submitted",
    "found_ineligible",
    "screened_eligible",
    "invited_to_full_proposal",
    "screened_ineligible",
    "withdrawn",
    "decision_recorded",
    "decision_released",
    "agreement_started",
    // Recorded by the review work rather than by [`decide`].
    "reviewers_assigned",
    "review_submitted",
    "review_revised",
];

fn need(text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() { Err(Refusal::ReasonRequired) } else { Ok(text.to_owned()) }
}

/// Decides a command; the caller stores the transition as an event.
pub fn decide(status: Status, actor: ProposalActor, command: &Command) -> Result<Transition, Refusal> {
    use ProposalActor::*;
    use ProposalState::*;
    let at = |state: ProposalState| Status { state, ..status };
    let allowed = match command {
        Command::Submit { .. } | Command::Withdraw { .. } => actor == Company,
        Command::Screen { .. } | Command::Release => actor == CallAdmin,
        Command::RecordDecision { .. } => actor == Board,
        Command::StartAgreement => matches!(actor, Company | CallAdmin),
    };
    if !allowed {
        return Err(Refusal::NotAllowed);
    }
    match (status.state, command) {
        (Draft, Command::Submit { open, ineligible }) => {
            if !open {
                return Err(Refusal::CallClosed);
            }
            if ineligible.is_empty() {
                Ok(Transition { kind: "submitted", to: at(Submitted), reason: None })
            } else {
                Ok(Transition {
                    kind: "found_ineligible",
                    to: at(Ineligible),
                    reason: Some(ineligible.join("; ")),
                })
            }
        }
        (Submitted, Command::Screen { eligible: true, reason }) => {
            let reason = Some(reason.trim().to_owned()).filter(|r| !r.is_empty());
            Ok(match status.stage {
                Stage::ExpressionOfInterest => Transition {
                    kind: "invited_to_full_proposal",
                    to: Status { state: Draft, stage: Stage::Full, ..status },
                    reason,
                },
                Stage::Full => Transition { kind: "screened_eligible", to: at(InReview), reason },
            })
        }
        (Submitted, Command::Screen { eligible: false, reason }) => {
            Ok(Transition { kind: "screened_ineligible", to: at(Ineligible), reason: Some(need(reason)?) })
        }
        (Draft | Submitted | InReview, Command::Withdraw { reason }) => {
            Ok(Transition { kind: "withdrawn", to: at(Withdrawn), reason: Some(need(reason)?) })
        }
        (InReview, Command::RecordDecision { decision, rationale }) => Ok(Transition {
            kind: "decision_recorded",
            to: Status { decision: Some(*decision), ..status },
            reason: Some(need(rationale)?),
        }),
        (InReview, Command::Release) => {
            let decision = status.decision.ok_or(Refusal::NoDecision)?;
            Ok(Transition { kind: "decision_released", to: at(decision.state()), reason: None })
        }
        (Selected, Command::StartAgreement) if !status.agreement_started => Ok(Transition {
            kind: "agreement_started",
            to: Status { agreement_started: true, ..status },
            reason: None,
        }),
        _ => Err(Refusal::WrongState),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProposalActor::*;
    use proptest::prelude::*;

    fn submit(ineligible: &[&str]) -> Command {
        Command::Submit { open: true, ineligible: ineligible.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn the_whole_way_from_draft_to_an_agreement() {
        let mut status = Status::new_draft(Stage::Full);
        let steps = [
            (Company, submit(&[])),
            (CallAdmin, Command::Screen { eligible: true, reason: String::new() }),
            (
                Board,
                Command::RecordDecision { decision: Decision::Selected, rationale: "Strong pull".into() },
            ),
            (CallAdmin, Command::Release),
            (Company, Command::StartAgreement),
        ];
        for (actor, command) in steps {
            status = decide(status, actor, &command).unwrap().to;
        }
        assert_eq!(status.state, ProposalState::Selected);
        assert!(status.agreement_started);
        assert_eq!(decide(status, CallAdmin, &Command::StartAgreement), Err(Refusal::WrongState), "once");
    }

    #[test]
    fn the_automatic_checks_and_the_deadline() {
        let draft = Status::new_draft(Stage::Full);
        let t = decide(draft, Company, &submit(&["TRL 4 is below 5"])).unwrap();
        assert_eq!((t.to.state, t.reason.as_deref()), (ProposalState::Ineligible, Some("TRL 4 is below 5")));
        let closed = Command::Submit { open: false, ineligible: vec![] };
        assert_eq!(decide(draft, Company, &closed), Err(Refusal::CallClosed));
        assert_eq!(decide(draft, CallAdmin, &submit(&[])), Err(Refusal::NotAllowed));
    }

    #[test]
    fn an_expression_of_interest_comes_back_as_a_draft_of_the_full_proposal() {
        let eoi = decide(Status::new_draft(Stage::ExpressionOfInterest), Company, &submit(&[])).unwrap().to;
        let t = decide(eoi, CallAdmin, &Command::Screen { eligible: true, reason: String::new() }).unwrap();
        assert_eq!(
            (t.kind, t.to.state, t.to.stage),
            ("invited_to_full_proposal", ProposalState::Draft, Stage::Full)
        );
        let refused = Command::Screen { eligible: false, reason: " ".into() };
        assert_eq!(decide(eoi, CallAdmin, &refused), Err(Refusal::ReasonRequired));
    }

    fn any_step() -> impl Strategy<Value = (ProposalActor, Command)> {
        let actor = prop_oneof![Just(Company), Just(CallAdmin), Just(Board)];
        let decision =
            prop_oneof![Just(Decision::Selected), Just(Decision::Reserve), Just(Decision::NotSelected)];
        let text = prop_oneof![Just(String::new()), Just("because".to_owned())];
        let command = prop_oneof![
            (any::<bool>(), any::<bool>()).prop_map(|(open, bad)| Command::Submit {
                open,
                ineligible: if bad { vec!["TRL".into()] } else { vec![] }
            }),
            (any::<bool>(), text.clone()).prop_map(|(eligible, reason)| Command::Screen { eligible, reason }),
            text.clone().prop_map(|reason| Command::Withdraw { reason }),
            (decision, text)
                .prop_map(|(decision, rationale)| Command::RecordDecision { decision, rationale }),
            Just(Command::Release),
            Just(Command::StartAgreement),
        ];
        (actor, command)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        #[test]
        fn no_sequence_of_commands_reaches_an_illegal_state(
            eoi in any::<bool>(),
            steps in proptest::collection::vec(any_step(), 0..30),
        ) {
            use ProposalState::*;
            let stage = if eoi { Stage::ExpressionOfInterest } else { Stage::Full };
            let mut status = Status::new_draft(stage);
            let mut released_once = false;
            for (actor, command) in steps {
                let before = status;
                match decide(status, actor, &command) {
                    Ok(t) => {
                        status = t.to;
                        // Each command is one actor's.
                        let owner = match command {
                            Command::Submit { .. } | Command::Withdraw { .. } => actor == Company,
                            Command::Screen { .. } | Command::Release => actor == CallAdmin,
                            Command::RecordDecision { .. } => actor == Board,
                            Command::StartAgreement => actor != Board,
                        };
                        prop_assert!(owner);
                        if t.kind == "decision_released" { released_once = true; }
                        // Refusals, withdrawals, decisions and ineligibility carry their reason.
                        if matches!(t.kind, "withdrawn" | "screened_ineligible" | "decision_recorded" | "found_ineligible") {
                            prop_assert!(t.reason.as_deref().is_some_and(|r| !r.trim().is_empty()));
                        }
                    }
                    Err(_) => prop_assert_eq!(status, before, "a refusal changes nothing"),
                }
                // Invariants.
                if matches!(status.state, Selected | Reserve | NotSelected) {
                    prop_assert!(released_once);
                    prop_assert_eq!(status.decision.map(Decision::state), Some(status.state));
                }
                if status.agreement_started { prop_assert_eq!(status.state, Selected); }
                if status.state == InReview || status.decision.is_some() { prop_assert_eq!(status.stage, Stage::Full); }
                if before.stage == Stage::Full { prop_assert_eq!(status.stage, Stage::Full, "no way back to the short form"); }
                // Final states stay final.
                if matches!(before.state, Ineligible | Withdrawn | Reserve | NotSelected) {
                    prop_assert_eq!(status, before);
                }
            }
        }
    }
}
