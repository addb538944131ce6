//! Who may do what. The only place that decides; everything else asks. Deny by default.
//!
//! [`decide`] answers "may this person do this action on this thing" for people in the
//! browser; [`decide_api`] answers the same for node systems calling `/api/` with a token.
//! [`endpoints`] lists the action every server function asks for, and a test checks that
//! no server function is missing from it.

#[cfg(feature = "ssr")]
pub mod endpoints;

use crate::identity::model::{Role, SignedInPerson};
use serde::{Deserialize, Serialize};

/// Everything a person can ask the portal to do. New capabilities add a variant here
/// and an arm in [`decide`]; there is no fallback arm, so the compiler insists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Read public pages: home, content, nodes and the cohort list.
    ReadPublicCatalogue,
    /// Change one's own language preference (anonymous visitors keep it in a cookie only).
    SetOwnLanguage,
    /// Sign in as a demo person (only where demo sign-in is on).
    UseDemoSignIn,
    /// Sign in through one of the configured identity providers.
    UseProviderSignIn,
    SignOut,
    ViewOwnProfile,
    /// Download everything the portal holds about oneself.
    ExportOwnData,
    /// See every person and their roles.
    ListPeople,
    /// Grant and revoke roles, add and remove organisation memberships.
    ManageRoles,
    /// Add and remove the rules that turn identity-provider claims into roles.
    ManageClaimRules,
    /// Browse the audit trail and see whether its chain holds.
    ViewAudit,
    /// Create and revoke API tokens for node systems.
    ManageApiTokens,
    /// Read a draft (an application or proposal not yet submitted). Needs [`Thing::Draft`].
    ReadDraft,
    /// Read something in review as a reviewer. Needs [`Thing::UnderReview`].
    ReadForReview,
    /// Change a node's details and catalogue link. Needs [`Thing::Node`].
    EditNode,
    /// Harvest a node's catalogue now. Needs [`Thing::Node`].
    HarvestNode,
    /// Keep a basket of cohorts, start access applications and list one's own.
    ApplyForAccess,
    /// Read an access application. Needs [`Thing::Application`].
    ReadApplication,
    /// Act on an application as its applicant or a team member (the application's own
    /// rules then say which commands each may give). Needs [`Thing::Application`].
    ChangeApplication,
    /// Handle an application as a committee serving one of its nodes. Needs [`Thing::Application`].
    HandleApplication,
    /// Answer a request for advice: declare conflicts, then advise. Needs [`Thing::Application`].
    ReviewApplication,
    /// See the requests for advice one has been sent.
    ListOwnReviews,
    /// See a node committee's queue. Needs [`Thing::Committee`].
    ViewCommitteeQueue,
    /// Read the demo mail outbox (only where no mail server is configured).
    ReadDemoOutbox,
    /// Create and edit co-creation calls, screen proposals, assign reviewers, release
    /// decisions (administrators).
    ManageCalls,
    /// Register a company profile and list one's own proposals.
    RegisterCompany,
    /// Edit a company's profile and propose for it. Needs [`Thing::Company`].
    RepresentCompany,
    /// Read a proposal. Needs [`Thing::Proposal`].
    ReadProposal,
    /// Write and submit a proposal as its company. Needs [`Thing::Proposal`].
    ChangeProposal,
    /// Screen, assign and release as the call's administrator. Needs [`Thing::Proposal`].
    ManageProposal,
    /// Score a proposal one is assigned to. Needs [`Thing::Proposal`].
    ReviewProposal,
    /// Record the board's decision on a proposal. Needs [`Thing::Proposal`].
    DecideProposal,
    /// See a call's ranked panel view (the board and administrators).
    ViewPanel,
    /// Declare conflicts of interest with companies and see one's review work.
    DeclareConflicts,
}

/// Facts about the thing an action is about. Actions that are about nothing in particular
/// take [`Thing::Nothing`]; an action given the wrong kind of thing is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing<'a> {
    Nothing,
    /// Private to its owner and the members they invited until it is submitted.
    Draft {
        owner_id: i64,
        member_ids: &'a [i64],
    },
    /// Assigned to some reviewers; some people declared a conflict of interest with it.
    UnderReview {
        assigned_reviewer_ids: &'a [i64],
        conflicted_ids: &'a [i64],
    },
    /// One of the seven nodes, by slug.
    Node {
        slug: &'a str,
    },
    /// An access application, with who is on its team, where it goes and who reviews it.
    Application(&'a ApplicationFacts),
    /// A node's access committee, with the cohorts it decides on.
    Committee {
        node_slug: &'a str,
        cohort_slugs: &'a [String],
    },
    /// A company, with its representatives.
    Company {
        representative_ids: &'a [i64],
    },
    /// A co-creation proposal.
    Proposal(&'a ProposalFacts),
}

/// What the policy needs to know about a co-creation proposal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalFacts {
    pub representative_ids: Vec<i64>,
    pub assigned_reviewer_ids: Vec<i64>,
    /// People who declared a conflict of interest with the proposing company.
    pub conflicted_ids: Vec<i64>,
    /// Sent in at least once: nobody but the company sees a draft.
    pub submitted: bool,
}

/// What the policy needs to know about an access application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationFacts {
    pub team_ids: Vec<i64>,
    /// One per requested cohort: the cohort and the node whose committee decides it.
    pub parts: Vec<PartFacts>,
    pub reviewers: Vec<ReviewerFacts>,
    /// Submitted at least once: committees see nothing of a first draft.
    pub submitted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartFacts {
    pub cohort_id: i64,
    pub cohort_slug: String,
    pub node_id: i64,
    pub node_slug: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerFacts {
    pub person_id: i64,
    pub node_slug: String,
    /// `None` until the reviewer has declared.
    pub conflicted: Option<bool>,
}

/// Does this person serve this node's committee for these cohorts? Its access committee
/// members and coordinators serve it for every cohort; a committee member for one cohort
/// serves it for that cohort only.
pub fn serves_committee(person: &SignedInPerson, node_slug: &str, cohort_slugs: &[String]) -> bool {
    person.grants.iter().any(|g| match (g.role, &g.node_slug, &g.cohort_slug) {
        (Role::AccessCommitteeMember | Role::NodeCoordinator, Some(node), _) => node == node_slug,
        (Role::AccessCommitteeMember, None, Some(cohort)) => cohort_slugs.contains(cohort),
        _ => false,
    })
}

/// The cohorts of a committee's queue a person may see: `None` for all of them (they serve
/// the whole node), else the cohorts they serve; empty when they serve none.
pub fn committee_cohorts(
    person: &SignedInPerson,
    node_slug: &str,
    cohort_slugs: &[String],
) -> Option<Vec<String>> {
    let whole_node = person.grants.iter().any(|g| {
        matches!(g.role, Role::AccessCommitteeMember | Role::NodeCoordinator)
            && g.node_slug.as_deref() == Some(node_slug)
    });
    if whole_node {
        return None;
    }
    Some(
        cohort_slugs
            .iter()
            .filter(|c| serves_committee(person, node_slug, std::slice::from_ref(c)))
            .cloned()
            .collect(),
    )
}

impl ApplicationFacts {
    /// The parts of this application whose committee the person serves: all of a node's
    /// parts for its committee members and coordinators, one cohort's for a member for that
    /// cohort. Someone on the application's own team serves none: they would judge themselves.
    pub fn serving_parts(&self, person: &SignedInPerson) -> Vec<&PartFacts> {
        if self.on_team(person.id) {
            return Vec::new();
        }
        self.parts
            .iter()
            .filter(|p| serves_committee(person, &p.node_slug, std::slice::from_ref(&p.cohort_slug)))
            .collect()
    }

    /// The nodes (slug) of this application where the person serves for some part.
    pub fn serving_nodes(&self, person: &SignedInPerson) -> Vec<String> {
        let mut nodes: Vec<String> = self.serving_parts(person).iter().map(|p| p.node_slug.clone()).collect();
        nodes.dedup();
        nodes
    }

    /// The nodes (slug) where the person serves for every part here: they may do the node's
    /// business (handler, questions, the deadline, reviewers), not just decide a cohort.
    pub fn node_wide(&self, person: &SignedInPerson) -> Vec<String> {
        let serving = self.serving_parts(person);
        self.serving_nodes(person)
            .into_iter()
            .filter(|node| self.parts.iter().filter(|p| &p.node_slug == node).all(|p| serving.contains(&p)))
            .collect()
    }

    /// The nodes whose request for advice the person has, and whether they declared a conflict.
    pub fn reviewing(&self, person_id: i64) -> Vec<&ReviewerFacts> {
        self.reviewers.iter().filter(|r| r.person_id == person_id).collect()
    }

    fn on_team(&self, person_id: i64) -> bool {
        self.team_ids.contains(&person_id)
    }

    /// A declared conflict with any part hides the whole application from the person.
    fn conflicted(&self, person_id: i64) -> bool {
        self.reviewing(person_id).iter().any(|r| r.conflicted == Some(true))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    #[error("sign in first")]
    NotSignedIn,
    #[error("not allowed")]
    Forbidden,
    #[error("not available here")]
    NotAvailable,
}

/// Facts about the deployment that some decisions depend on.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub demo_sign_in: bool,
    /// No mail server is configured: mail stays in the portal's demo outbox.
    pub mail_outbox: bool,
}

pub fn decide(
    person: Option<&SignedInPerson>,
    action: Action,
    thing: Thing<'_>,
    deployment: Deployment,
) -> Result<(), Denied> {
    let signed_in = || person.ok_or(Denied::NotSignedIn);
    let with_role = |role: Role| {
        if signed_in()?.has_role(role) { Ok(()) } else { Err(Denied::Forbidden) }
    };
    match action {
        Action::ReadPublicCatalogue | Action::SetOwnLanguage | Action::UseProviderSignIn => Ok(()),
        Action::UseDemoSignIn => {
            if deployment.demo_sign_in {
                Ok(())
            } else {
                Err(Denied::NotAvailable)
            }
        }
        Action::SignOut | Action::ViewOwnProfile | Action::ExportOwnData => signed_in().map(|_| ()),
        Action::ListPeople
        | Action::ManageRoles
        | Action::ManageClaimRules
        | Action::ViewAudit
        | Action::ManageApiTokens => with_role(Role::Administrator),
        // Not even administrators read someone else's draft: it is not yet an application.
        Action::ReadDraft => match thing {
            Thing::Draft { owner_id, member_ids } => {
                let person = signed_in()?;
                if person.id == owner_id || member_ids.contains(&person.id) {
                    Ok(())
                } else {
                    Err(Denied::Forbidden)
                }
            }
            _ => Err(Denied::Forbidden),
        },
        // Administrators look after every node; a coordinator after their own.
        Action::EditNode | Action::HarvestNode => match thing {
            Thing::Node { slug } => {
                let person = signed_in()?;
                let coordinates = person
                    .grants
                    .iter()
                    .any(|g| g.role == Role::NodeCoordinator && g.node_slug.as_deref() == Some(slug));
                if person.has_role(Role::Administrator) || coordinates {
                    Ok(())
                } else {
                    Err(Denied::Forbidden)
                }
            }
            _ => Err(Denied::Forbidden),
        },
        Action::ApplyForAccess | Action::ListOwnReviews => signed_in().map(|_| ()),
        Action::ReadDemoOutbox => {
            signed_in()?;
            if deployment.mail_outbox { Ok(()) } else { Err(Denied::NotAvailable) }
        }
        Action::ReadApplication
        | Action::ChangeApplication
        | Action::HandleApplication
        | Action::ReviewApplication => {
            let Thing::Application(facts) = thing else { return Err(Denied::Forbidden) };
            let person = signed_in()?;
            let team = facts.on_team(person.id);
            // The team's own application is theirs to read whatever else they are; anyone
            // else with a conflict sees nothing of it (HotCRP's rule), but for their own
            // request for advice, which shows the declaration they made.
            if !team && facts.conflicted(person.id) && action != Action::ReviewApplication {
                return Err(Denied::Forbidden);
            }
            let committee = facts.submitted && !facts.serving_nodes(person).is_empty();
            let advising = person.has_role(Role::Reviewer) && !facts.reviewing(person.id).is_empty();
            let cleared = advising && facts.reviewing(person.id).iter().any(|r| r.conflicted == Some(false));
            let allowed = match action {
                Action::ReadApplication => team || committee || cleared,
                Action::ChangeApplication => team,
                Action::HandleApplication => committee && !team,
                _ => advising && !team,
            };
            if allowed { Ok(()) } else { Err(Denied::Forbidden) }
        }
        Action::ManageCalls => with_role(Role::Administrator),
        Action::RegisterCompany => signed_in().map(|_| ()),
        Action::ViewPanel => {
            let person = signed_in()?;
            if person.has_role(Role::SteeringBoardMember) || person.has_role(Role::Administrator) {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
        Action::DeclareConflicts => {
            let person = signed_in()?;
            let roles = [Role::Reviewer, Role::SteeringBoardMember, Role::Administrator];
            if roles.iter().any(|r| person.has_role(*r)) { Ok(()) } else { Err(Denied::Forbidden) }
        }
        Action::RepresentCompany => match thing {
            Thing::Company { representative_ids } => {
                if representative_ids.contains(&signed_in()?.id) {
                    Ok(())
                } else {
                    Err(Denied::Forbidden)
                }
            }
            _ => Err(Denied::Forbidden),
        },
        Action::ReadProposal
        | Action::ChangeProposal
        | Action::ManageProposal
        | Action::ReviewProposal
        | Action::DecideProposal => {
            let Thing::Proposal(facts) = thing else { return Err(Denied::Forbidden) };
            let person = signed_in()?;
            let company = facts.representative_ids.contains(&person.id);
            // A declared conflict hides the proposal from everyone but its own company,
            // whatever role they hold.
            if !company && facts.conflicted_ids.contains(&person.id) {
                return Err(Denied::Forbidden);
            }
            let outside = facts.submitted && !company;
            let admin = outside && person.has_role(Role::Administrator);
            let board = outside && person.has_role(Role::SteeringBoardMember);
            let reviewer = outside
                && person.has_role(Role::Reviewer)
                && facts.assigned_reviewer_ids.contains(&person.id);
            let allowed = match action {
                Action::ReadProposal => company || admin || board || reviewer,
                Action::ChangeProposal => company,
                Action::ManageProposal => admin,
                Action::ReviewProposal => reviewer,
                _ => board,
            };
            if allowed { Ok(()) } else { Err(Denied::Forbidden) }
        }
        Action::ViewCommitteeQueue => match thing {
            Thing::Committee { node_slug, cohort_slugs } => {
                let person = signed_in()?;
                let serves = committee_cohorts(person, node_slug, cohort_slugs).is_none_or(|c| !c.is_empty());
                if serves { Ok(()) } else { Err(Denied::Forbidden) }
            }
            _ => Err(Denied::Forbidden),
        },
        // A conflict hides the thing whatever else the person holds.
        Action::ReadForReview => match thing {
            Thing::UnderReview { assigned_reviewer_ids, conflicted_ids } => {
                let person = signed_in()?;
                if conflicted_ids.contains(&person.id) {
                    Err(Denied::Forbidden)
                } else if person.has_role(Role::Reviewer) && assigned_reviewer_ids.contains(&person.id) {
                    Ok(())
                } else {
                    Err(Denied::Forbidden)
                }
            }
            _ => Err(Denied::Forbidden),
        },
    }
}

/// What a node system's token may be used for. A token carries one or more scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiScope {
    /// Read the audit trail (to mirror it into the node's own log).
    AuditRead,
    /// Read people and their roles (to mirror committee membership at the node).
    PeopleRead,
    /// Read who may access which cohort: entitlements and GA4GH visas.
    EntitlementsRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 3] = [ApiScope::AuditRead, ApiScope::PeopleRead, ApiScope::EntitlementsRead];

    pub fn code(self) -> &'static str {
        match self {
            ApiScope::AuditRead => "audit:read",
            ApiScope::PeopleRead => "people:read",
            ApiScope::EntitlementsRead => "entitlements:read",
        }
    }

    pub fn parse(code: &str) -> Option<ApiScope> {
        ApiScope::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// What an API route asks of the token that calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiRequirement {
    /// Open to anyone, token or not: the public catalogue (metadata only, rate limited).
    Public,
    /// Any live token (e.g. asking about the token itself).
    AnyToken,
    Scope(ApiScope),
}

/// May a caller holding a live token with these scopes (or no live token) use a route?
pub fn decide_api(scopes: Option<&[ApiScope]>, requirement: ApiRequirement) -> Result<(), Denied> {
    if requirement == ApiRequirement::Public {
        return Ok(());
    }
    let scopes = scopes.ok_or(Denied::NotSignedIn)?;
    match requirement {
        ApiRequirement::Public | ApiRequirement::AnyToken => Ok(()),
        ApiRequirement::Scope(scope) if scopes.contains(&scope) => Ok(()),
        ApiRequirement::Scope(_) => Err(Denied::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person_with(roles: &[Role]) -> SignedInPerson {
        SignedInPerson::with_roles(roles)
    }

    const DEMO: Deployment = Deployment { demo_sign_in: true, mail_outbox: true };
    const PRODUCTION: Deployment = Deployment { demo_sign_in: false, mail_outbox: false };

    #[test]
    fn coordinators_edit_their_own_node_and_administrators_every_node() {
        use crate::identity::model::RoleGrant;
        let coordinator = SignedInPerson {
            grants: vec![RoleGrant {
                role: Role::NodeCoordinator,
                node_slug: Some("umea".into()),
                cohort_slug: None,
            }],
            ..person_with(&[])
        };
        let umea = Thing::Node { slug: "umea" };
        let uppsala = Thing::Node { slug: "uppsala" };
        for action in [Action::EditNode, Action::HarvestNode] {
            assert_eq!(decide(Some(&coordinator), action, umea, PRODUCTION), Ok(()));
            assert_eq!(decide(Some(&coordinator), action, uppsala, PRODUCTION), Err(Denied::Forbidden));
            assert_eq!(
                decide(Some(&coordinator), action, Thing::Nothing, PRODUCTION),
                Err(Denied::Forbidden)
            );
            assert_eq!(
                decide(Some(&person_with(&[Role::Administrator])), action, uppsala, PRODUCTION),
                Ok(())
            );
            assert_eq!(
                decide(Some(&person_with(&[Role::SteeringBoardMember])), action, umea, PRODUCTION),
                Err(Denied::Forbidden)
            );
            assert_eq!(decide(None, action, umea, PRODUCTION), Err(Denied::NotSignedIn));
            // A coordinator of another node with an unscoped grant is not a coordinator of this one.
            assert_eq!(
                decide(Some(&person_with(&[Role::NodeCoordinator])), action, umea, PRODUCTION),
                Err(Denied::Forbidden)
            );
        }
    }

    #[test]
    fn table_of_decisions() {
        use Action::*;
        let anonymous: Option<SignedInPerson> = None;
        let applicant = Some(person_with(&[]));
        let admin = Some(person_with(&[Role::Administrator]));
        let board = Some(person_with(&[Role::SteeringBoardMember]));
        // (who, action, deployment, expected)
        type Row<'a> = (&'a Option<SignedInPerson>, Action, Deployment, Result<(), Denied>);
        let table: Vec<Row> = vec![
            (&anonymous, ReadPublicCatalogue, PRODUCTION, Ok(())),
            (&anonymous, SetOwnLanguage, PRODUCTION, Ok(())),
            (&anonymous, UseDemoSignIn, DEMO, Ok(())),
            (&anonymous, UseDemoSignIn, PRODUCTION, Err(Denied::NotAvailable)),
            (&anonymous, SignOut, DEMO, Err(Denied::NotSignedIn)),
            (&anonymous, ViewOwnProfile, DEMO, Err(Denied::NotSignedIn)),
            (&anonymous, ListPeople, DEMO, Err(Denied::NotSignedIn)),
            (&applicant, ViewOwnProfile, DEMO, Ok(())),
            (&applicant, ListPeople, DEMO, Err(Denied::Forbidden)),
            (&board, ListPeople, DEMO, Err(Denied::Forbidden)),
            (&admin, ListPeople, PRODUCTION, Ok(())),
            (&admin, SignOut, PRODUCTION, Ok(())),
            (&anonymous, UseProviderSignIn, PRODUCTION, Ok(())),
            (&anonymous, ExportOwnData, PRODUCTION, Err(Denied::NotSignedIn)),
            (&applicant, ExportOwnData, PRODUCTION, Ok(())),
            (&board, ViewAudit, PRODUCTION, Err(Denied::Forbidden)),
            (&admin, ViewAudit, PRODUCTION, Ok(())),
            (&admin, UseDemoSignIn, PRODUCTION, Err(Denied::NotAvailable)),
        ];
        for (who, action, deployment, expected) in table {
            assert_eq!(
                decide(who.as_ref(), action, Thing::Nothing, deployment),
                expected,
                "{action:?} by {who:?}"
            );
        }
    }

    #[test]
    fn only_administrators_list_people_whatever_else_they_hold() {
        for role in Role::ALL {
            let person = person_with(&[role]);
            let allowed = decide(Some(&person), Action::ListPeople, Thing::Nothing, DEMO).is_ok();
            assert_eq!(allowed, role == Role::Administrator, "{role:?}");
        }
    }

    fn person_numbered(id: i64, roles: &[Role]) -> SignedInPerson {
        SignedInPerson { id, ..person_with(roles) }
    }

    #[test]
    fn administrative_actions_are_for_administrators_only() {
        for action in
            [Action::ManageRoles, Action::ManageClaimRules, Action::ViewAudit, Action::ManageApiTokens]
        {
            assert_eq!(decide(None, action, Thing::Nothing, DEMO), Err(Denied::NotSignedIn), "{action:?}");
            for role in Role::ALL {
                let allowed = decide(Some(&person_with(&[role])), action, Thing::Nothing, DEMO).is_ok();
                assert_eq!(allowed, role == Role::Administrator, "{action:?} by {role:?}");
            }
        }
    }

    #[test]
    fn a_person_sees_only_their_own_drafts() {
        let draft = Thing::Draft { owner_id: 7, member_ids: &[8] };
        let owner = person_numbered(7, &[]);
        let member = person_numbered(8, &[]);
        let stranger = person_numbered(9, &[]);
        let admin = person_numbered(10, &[Role::Administrator]);
        let committee = person_numbered(11, &[Role::AccessCommitteeMember]);
        assert_eq!(decide(Some(&owner), Action::ReadDraft, draft, DEMO), Ok(()));
        assert_eq!(decide(Some(&member), Action::ReadDraft, draft, DEMO), Ok(()));
        for other in [&stranger, &admin, &committee] {
            assert_eq!(decide(Some(other), Action::ReadDraft, draft, DEMO), Err(Denied::Forbidden));
        }
        assert_eq!(decide(None, Action::ReadDraft, draft, DEMO), Err(Denied::NotSignedIn));
        assert_eq!(
            decide(Some(&owner), Action::ReadDraft, Thing::Nothing, DEMO),
            Err(Denied::Forbidden),
            "without the facts, deny"
        );
    }

    #[test]
    fn a_reviewer_never_sees_what_they_have_a_conflict_with() {
        let reviewer = person_numbered(3, &[Role::Reviewer]);
        let clean = Thing::UnderReview { assigned_reviewer_ids: &[3], conflicted_ids: &[] };
        let conflicted = Thing::UnderReview { assigned_reviewer_ids: &[3], conflicted_ids: &[3] };
        let unassigned = Thing::UnderReview { assigned_reviewer_ids: &[4], conflicted_ids: &[] };
        assert_eq!(decide(Some(&reviewer), Action::ReadForReview, clean, DEMO), Ok(()));
        assert_eq!(decide(Some(&reviewer), Action::ReadForReview, conflicted, DEMO), Err(Denied::Forbidden));
        assert_eq!(decide(Some(&reviewer), Action::ReadForReview, unassigned, DEMO), Err(Denied::Forbidden));
        // A conflict wins over every other role, administrator included.
        let powerful = person_numbered(3, &Role::ALL);
        assert_eq!(decide(Some(&powerful), Action::ReadForReview, conflicted, DEMO), Err(Denied::Forbidden));
        // Being assigned is not enough without the reviewer role.
        let not_reviewer = person_numbered(3, &[Role::SteeringBoardMember]);
        assert_eq!(decide(Some(&not_reviewer), Action::ReadForReview, clean, DEMO), Err(Denied::Forbidden));
    }

    fn grant(role: Role, node: Option<&str>, cohort: Option<&str>) -> crate::identity::model::RoleGrant {
        crate::identity::model::RoleGrant {
            role,
            node_slug: node.map(String::from),
            cohort_slug: cohort.map(String::from),
        }
    }

    fn person_granted(id: i64, grants: Vec<crate::identity::model::RoleGrant>) -> SignedInPerson {
        SignedInPerson { id, grants, ..person_with(&[]) }
    }

    /// SCAPIS decided at Uppsala, U-CAN at Umeå; Sara (1) applies with David (2).
    fn two_node_application(submitted: bool, reviewers: Vec<ReviewerFacts>) -> ApplicationFacts {
        let part = |cohort_id: i64, cohort: &str, node_id: i64, node: &str| PartFacts {
            cohort_id,
            cohort_slug: cohort.into(),
            node_id,
            node_slug: node.into(),
        };
        ApplicationFacts {
            team_ids: vec![1, 2],
            parts: vec![part(100, "scapis", 10, "uppsala"), part(200, "u-can", 20, "umea")],
            reviewers,
            submitted,
        }
    }

    #[test]
    fn the_team_reads_and_changes_its_application_and_committees_handle_their_part_once_submitted() {
        use Action::*;
        let draft = two_node_application(false, vec![]);
        let submitted = two_node_application(true, vec![]);
        let applicant = person_numbered(1, &[]);
        let uppsala = person_granted(4, vec![grant(Role::AccessCommitteeMember, Some("uppsala"), None)]);
        let scapis_only = person_granted(5, vec![grant(Role::AccessCommitteeMember, None, Some("scapis"))]);
        let umea_coordinator = person_granted(6, vec![grant(Role::NodeCoordinator, Some("umea"), None)]);
        let elsewhere = person_granted(7, vec![grant(Role::AccessCommitteeMember, Some("orebro"), None)]);
        let admin = person_numbered(8, &[Role::Administrator]);
        for action in [ReadApplication, ChangeApplication] {
            assert_eq!(decide(Some(&applicant), action, Thing::Application(&draft), DEMO), Ok(()));
        }
        for committee in [&uppsala, &scapis_only, &umea_coordinator] {
            let thing = Thing::Application(&draft);
            assert_eq!(
                decide(Some(committee), ReadApplication, thing, DEMO),
                Err(Denied::Forbidden),
                "a draft is private"
            );
            for action in [ReadApplication, HandleApplication] {
                assert_eq!(decide(Some(committee), action, Thing::Application(&submitted), DEMO), Ok(()));
            }
            assert_eq!(
                decide(Some(committee), ChangeApplication, Thing::Application(&submitted), DEMO),
                Err(Denied::Forbidden)
            );
        }
        for outsider in [&elsewhere, &admin] {
            for action in [ReadApplication, ChangeApplication, HandleApplication, ReviewApplication] {
                assert_eq!(
                    decide(Some(outsider), action, Thing::Application(&submitted), DEMO),
                    Err(Denied::Forbidden)
                );
            }
        }
        assert_eq!(
            decide(None, ReadApplication, Thing::Application(&submitted), DEMO),
            Err(Denied::NotSignedIn)
        );
        assert_eq!(decide(Some(&applicant), ReadApplication, Thing::Nothing, DEMO), Err(Denied::Forbidden));
        assert_eq!(submitted.serving_nodes(&scapis_only), vec!["uppsala".to_owned()]);
        assert_eq!(
            submitted.node_wide(&scapis_only),
            vec!["uppsala".to_owned()],
            "SCAPIS is all Uppsala decides here"
        );
        let mut three = submitted.clone();
        three.parts.push(PartFacts {
            cohort_id: 300,
            cohort_slug: "epihealth".into(),
            node_id: 10,
            node_slug: "uppsala".into(),
        });
        assert_eq!(three.serving_parts(&scapis_only).len(), 1);
        assert!(three.node_wide(&scapis_only).is_empty(), "EpiHealth is not theirs");
        assert_eq!(three.node_wide(&uppsala), vec!["uppsala".to_owned()]);
        // A committee member who applies serves no committee for their own application.
        let applying_member =
            person_granted(1, vec![grant(Role::AccessCommitteeMember, Some("uppsala"), None)]);
        assert!(submitted.serving_nodes(&applying_member).is_empty());
        assert_eq!(
            decide(Some(&applying_member), HandleApplication, Thing::Application(&submitted), DEMO),
            Err(Denied::Forbidden)
        );
        assert_eq!(submitted.serving_nodes(&umea_coordinator), vec!["umea".to_owned()]);
    }

    #[test]
    fn a_reviewer_with_a_conflict_never_sees_the_application_whatever_else_they_are() {
        use Action::*;
        let reviewer = |conflicted| ReviewerFacts { person_id: 9, node_slug: "uppsala".into(), conflicted };
        let mut reviewer_and_committee =
            person_granted(9, vec![grant(Role::AccessCommitteeMember, Some("umea"), None)]);
        reviewer_and_committee.grants.push(grant(Role::Reviewer, None, None));
        let plain_reviewer = person_numbered(9, &[Role::Reviewer]);
        let undeclared = two_node_application(true, vec![reviewer(None)]);
        let clear = two_node_application(true, vec![reviewer(Some(false))]);
        let conflicted = two_node_application(true, vec![reviewer(Some(true))]);
        assert_eq!(
            decide(Some(&plain_reviewer), ReviewApplication, Thing::Application(&undeclared), DEMO),
            Ok(())
        );
        assert_eq!(
            decide(Some(&plain_reviewer), ReadApplication, Thing::Application(&undeclared), DEMO),
            Err(Denied::Forbidden),
            "nothing before the declaration"
        );
        assert_eq!(decide(Some(&plain_reviewer), ReadApplication, Thing::Application(&clear), DEMO), Ok(()));
        for who in [&plain_reviewer, &reviewer_and_committee] {
            for action in [ReadApplication, HandleApplication, ChangeApplication] {
                assert_eq!(
                    decide(Some(who), action, Thing::Application(&conflicted), DEMO),
                    Err(Denied::Forbidden),
                    "{action:?}"
                );
            }
        }
        // The request itself stays theirs: it shows the conflict they declared (the
        // application's rules refuse any advice from them).
        assert_eq!(
            decide(Some(&plain_reviewer), ReviewApplication, Thing::Application(&conflicted), DEMO),
            Ok(())
        );
        // Without the reviewer role an invitation gives nothing.
        let not_reviewer = person_numbered(9, &[]);
        assert_eq!(
            decide(Some(&not_reviewer), ReviewApplication, Thing::Application(&clear), DEMO),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn committee_queues_are_for_those_who_serve_the_node() {
        let cohorts = vec!["scapis".to_owned(), "u-can".to_owned()];
        let queue = Thing::Committee { node_slug: "uppsala", cohort_slugs: &cohorts };
        let node_member = person_granted(4, vec![grant(Role::AccessCommitteeMember, Some("uppsala"), None)]);
        let scapis_only = person_granted(5, vec![grant(Role::AccessCommitteeMember, None, Some("scapis"))]);
        let other = person_granted(6, vec![grant(Role::AccessCommitteeMember, None, Some("vip"))]);
        assert_eq!(decide(Some(&node_member), Action::ViewCommitteeQueue, queue, DEMO), Ok(()));
        assert_eq!(decide(Some(&scapis_only), Action::ViewCommitteeQueue, queue, DEMO), Ok(()));
        assert_eq!(decide(Some(&other), Action::ViewCommitteeQueue, queue, DEMO), Err(Denied::Forbidden));
        assert_eq!(committee_cohorts(&node_member, "uppsala", &cohorts), None);
        assert_eq!(committee_cohorts(&scapis_only, "uppsala", &cohorts), Some(vec!["scapis".to_owned()]));
        assert_eq!(
            decide(Some(&node_member), Action::ViewCommitteeQueue, Thing::Nothing, DEMO),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn a_proposal_is_the_companys_until_submitted_and_a_conflict_hides_it_from_everyone_else() {
        use Action::*;
        let facts = |submitted, conflicted: Vec<i64>| ProposalFacts {
            representative_ids: vec![1],
            assigned_reviewer_ids: vec![2, 3],
            conflicted_ids: conflicted,
            submitted,
        };
        let company = person_numbered(1, &[Role::CompanyRepresentative]);
        let reviewer = person_numbered(2, &[Role::Reviewer]);
        let unassigned = person_numbered(4, &[Role::Reviewer]);
        let board = person_numbered(5, &[Role::SteeringBoardMember]);
        let admin = person_numbered(6, &[Role::Administrator]);
        let draft = facts(false, vec![]);
        for action in [ReadProposal, ChangeProposal] {
            assert_eq!(decide(Some(&company), action, Thing::Proposal(&draft), DEMO), Ok(()));
        }
        for other in [&reviewer, &board, &admin] {
            assert_eq!(
                decide(Some(other), ReadProposal, Thing::Proposal(&draft), DEMO),
                Err(Denied::Forbidden)
            );
        }
        let submitted = facts(true, vec![]);
        let allowed = |who: &SignedInPerson, action| {
            decide(Some(who), action, Thing::Proposal(&submitted), DEMO).is_ok()
        };
        assert!(allowed(&reviewer, ReadProposal) && allowed(&reviewer, ReviewProposal));
        assert!(!allowed(&unassigned, ReadProposal) && !allowed(&unassigned, ReviewProposal));
        assert!(allowed(&board, DecideProposal) && !allowed(&board, ManageProposal));
        assert!(
            allowed(&admin, ManageProposal)
                && !allowed(&admin, DecideProposal)
                && !allowed(&admin, ChangeProposal)
        );
        assert!(!allowed(&company, ReviewProposal) && !allowed(&company, ManageProposal));
        // A conflict wins over every role, administrator and board included.
        let everything = person_numbered(2, &Role::ALL);
        let conflicted = facts(true, vec![2]);
        for action in [ReadProposal, ReviewProposal, ManageProposal, DecideProposal, ChangeProposal] {
            assert_eq!(
                decide(Some(&everything), action, Thing::Proposal(&conflicted), DEMO),
                Err(Denied::Forbidden),
                "{action:?}"
            );
        }
        assert_eq!(decide(None, ReadProposal, Thing::Proposal(&submitted), DEMO), Err(Denied::NotSignedIn));
        assert_eq!(decide(Some(&admin), ReadProposal, Thing::Nothing, DEMO), Err(Denied::Forbidden));
        let company_thing = Thing::Company { representative_ids: &[1] };
        assert_eq!(decide(Some(&company), RepresentCompany, company_thing, DEMO), Ok(()));
        assert_eq!(decide(Some(&admin), RepresentCompany, company_thing, DEMO), Err(Denied::Forbidden));
        assert_eq!(decide(Some(&company), ViewPanel, Thing::Nothing, DEMO), Err(Denied::Forbidden));
        assert_eq!(decide(Some(&board), ViewPanel, Thing::Nothing, DEMO), Ok(()));
        assert_eq!(decide(Some(&company), DeclareConflicts, Thing::Nothing, DEMO), Err(Denied::Forbidden));
    }

    #[test]
    fn the_demo_outbox_exists_only_without_a_mail_server() {
        let person = person_numbered(1, &[]);
        assert_eq!(decide(Some(&person), Action::ReadDemoOutbox, Thing::Nothing, DEMO), Ok(()));
        assert_eq!(
            decide(Some(&person), Action::ReadDemoOutbox, Thing::Nothing, PRODUCTION),
            Err(Denied::NotAvailable)
        );
        assert_eq!(decide(None, Action::ReadDemoOutbox, Thing::Nothing, DEMO), Err(Denied::NotSignedIn));
    }

    #[test]
    fn api_routes_need_a_live_token_with_the_scope() {
        use ApiScope::*;
        assert_eq!(decide_api(None, ApiRequirement::Public), Ok(()));
        assert_eq!(decide_api(None, ApiRequirement::AnyToken), Err(Denied::NotSignedIn));
        assert_eq!(decide_api(Some(&[]), ApiRequirement::AnyToken), Ok(()));
        assert_eq!(decide_api(Some(&[PeopleRead]), ApiRequirement::Scope(AuditRead)), Err(Denied::Forbidden));
        assert_eq!(decide_api(Some(&[PeopleRead, AuditRead]), ApiRequirement::Scope(AuditRead)), Ok(()));
        for scope in ApiScope::ALL {
            assert_eq!(ApiScope::parse(scope.code()), Some(scope));
        }
    }
}
