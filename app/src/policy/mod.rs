//! Who may do what. The only place that decides; everything else asks. Deny by default.
//!
//! [`decide`] answers "may this person do this action on this thing" for people in the
//! browser; [`decide_api`] answers the same for node systems calling `/api/` with a token.
//! [`endpoints`] lists the actions every server function may ask for; a server function's
//! request that asks for another is refused at run time, and a test checks that no server
//! function is missing from the list.

#[cfg(feature = "ssr")]
pub mod endpoints;
#[cfg(feature = "ssr")]
pub mod form_fields;

use crate::identity::model::{Role, SignedInPerson};
use kernel::PersonId;
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
    /// Change what one's profile says of oneself (today: the optional gender declaration).
    EditOwnProfile,
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
    /// Change a node's details and catalogue link. Needs [`Thing::Node`].
    EditNode,
    /// Harvest a node's catalogue now. Needs [`Thing::Node`].
    HarvestNode,
    /// Keep a basket of cohorts, start access applications and list one's own.
    ApplyForAccess,
    /// Read an access application: signed in, and (with [`Thing::Application`]) the
    /// application's own visibility lets them see it.
    ReadApplication,
    /// Save an application's form as typed (the application's rules say who, and when).
    ChangeApplication,
    /// Give any command on an application: signed in; the application's rules decide the rest.
    ActOnApplication,
    /// Read one's own requests for advice (the reviewer role).
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
    /// Read a proposal: signed in, and (with [`Thing::Proposal`]) the proposal's own
    /// visibility lets them see it.
    ReadProposal,
    /// Save and submit a proposal's form (the proposal's rules say who, and when).
    ChangeProposal,
    /// Give a command on a proposal (screen, assign, decide, withdraw…): signed in; the
    /// proposal's rules decide the rest.
    ActOnProposal,
    /// Score a proposal one is assigned to (the reviewer role; the proposal's rules decide).
    ReviewProposal,
    /// Open and accept an invitation (to represent a company).
    AcceptInvitation,
    /// See a call's ranked panel view (the board and administrators).
    ViewPanel,
    /// Declare conflicts of interest with companies and see one's review work.
    DeclareConflicts,
    /// Read collaboration agreements: signed in, and (with [`Thing::Agreement`]) the
    /// agreement's own visibility lets them see it.
    ReadAgreement,
    /// Give a command on an agreement: signed in; the agreement's rules decide the rest.
    ActOnAgreement,
    /// Sign an agreement (the agreement's rules say who signs, and when).
    SignAgreement,
    /// Ask whether a hash is a signed agreement version's (anyone: it names the parties
    /// and signers, never the content).
    VerifyAgreement,
    /// See the KPI dashboard, its drill-downs and exports: the board and administrators
    /// all of it, a node coordinator their node's figures.
    ViewDashboard,
    /// Set a KPI's target for a period (the steering board).
    SetKpiTarget,
    /// Record a decision or an action on a KPI for a period (the steering board).
    WriteBoardNote,
    /// See "The cluster in numbers": national aggregates with small numbers hidden (anyone).
    ViewPublicNumbers,
}

/// Facts about the thing an action is about. Actions that are about nothing in particular
/// take [`Thing::Nothing`]; an action given the wrong kind of thing is denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Thing<'a> {
    Nothing,
    /// One of the seven nodes, by slug.
    Node {
        slug: &'a str,
    },
    /// What an access application's rules let this person see of it.
    Application(&'a kernel::access::Visibility),
    /// A node's access committee, with the cohorts it decides on.
    Committee {
        node_slug: &'a str,
        cohort_slugs: &'a [String],
    },
    /// A company, with its representatives.
    Company {
        representative_ids: &'a [PersonId],
    },
    /// What a co-creation proposal's rules let this person see of it.
    Proposal(&'a kernel::proposal::Visibility),
    /// What an agreement's rules let this person see of it.
    Agreement(&'a kernel::agreement::Visibility),
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

/// Whether the policy lets this person take an action that is about nothing in
/// particular, in any deployment (for a page's buttons; the server function asks again).
pub fn permits(person: &SignedInPerson, action: Action) -> bool {
    decide(Some(person), action, Thing::Nothing, Deployment { demo_sign_in: false, mail_outbox: false })
        .is_ok()
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
        Action::ReadPublicCatalogue
        | Action::SetOwnLanguage
        | Action::UseProviderSignIn
        | Action::VerifyAgreement
        | Action::ViewPublicNumbers => Ok(()),
        Action::UseDemoSignIn => {
            if deployment.demo_sign_in {
                Ok(())
            } else {
                Err(Denied::NotAvailable)
            }
        }
        Action::SignOut | Action::ViewOwnProfile | Action::EditOwnProfile | Action::ExportOwnData => {
            signed_in().map(|_| ())
        }
        Action::ListPeople
        | Action::ManageRoles
        | Action::ManageClaimRules
        | Action::ViewAudit
        | Action::ManageApiTokens => with_role(Role::Administrator),
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
        // Signed in is the gate; the application's rules decide what they may see and do.
        Action::ChangeApplication | Action::ActOnApplication => signed_in().map(|_| ()),
        // Signed in is the gate (for a list); for one record, its own rules' visibility.
        Action::ReadApplication | Action::ReadProposal | Action::ReadAgreement => {
            signed_in()?;
            let sees = match (action, thing) {
                (_, Thing::Nothing) => true,
                (Action::ReadApplication, Thing::Application(visibility)) => visibility.sees_application(),
                (Action::ReadProposal, Thing::Proposal(visibility)) => visibility.sees,
                (Action::ReadAgreement, Thing::Agreement(visibility)) => visibility.sees(),
                _ => false,
            };
            if sees { Ok(()) } else { Err(Denied::Forbidden) }
        }
        Action::ReviewApplication => with_role(Role::Reviewer),
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
        Action::ViewDashboard => {
            let person = signed_in()?;
            let roles = [Role::SteeringBoardMember, Role::Administrator, Role::NodeCoordinator];
            if roles.iter().any(|r| person.has_role(*r)) { Ok(()) } else { Err(Denied::Forbidden) }
        }
        Action::SetKpiTarget | Action::WriteBoardNote => with_role(Role::SteeringBoardMember),
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
        Action::ChangeProposal | Action::ActOnProposal | Action::AcceptInvitation => signed_in().map(|_| ()),
        Action::ReviewProposal => with_role(Role::Reviewer),
        Action::ActOnAgreement | Action::SignAgreement => signed_in().map(|_| ()),
        Action::ViewCommitteeQueue => match thing {
            Thing::Committee { node_slug, cohort_slugs } => {
                let person = signed_in()?;
                let serves = committee_cohorts(person, node_slug, cohort_slugs).is_none_or(|c| !c.is_empty());
                if serves { Ok(()) } else { Err(Denied::Forbidden) }
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
    /// Read co-creation's audit events too (companies, calls, proposals: reviewers, board
    /// rationales, conflicts). Never with a node's token; for the portal's own archive.
    CoCreationAuditRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 4] = [
        ApiScope::AuditRead,
        ApiScope::PeopleRead,
        ApiScope::EntitlementsRead,
        ApiScope::CoCreationAuditRead,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ApiScope::AuditRead => "audit:read",
            ApiScope::PeopleRead => "people:read",
            ApiScope::EntitlementsRead => "entitlements:read",
            ApiScope::CoCreationAuditRead => "audit:co_creation",
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
            grants: vec![RoleGrant::named(Role::NodeCoordinator, Some("umea".into()), None)],
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
            (&anonymous, EditOwnProfile, PRODUCTION, Err(Denied::NotSignedIn)),
            (&applicant, EditOwnProfile, PRODUCTION, Ok(())),
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
        SignedInPerson { id: PersonId(id), ..person_with(roles) }
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

    fn grant(role: Role, node: Option<&str>, cohort: Option<&str>) -> crate::identity::model::RoleGrant {
        crate::identity::model::RoleGrant::named(role, node.map(String::from), cohort.map(String::from))
    }

    fn person_granted(id: i64, grants: Vec<crate::identity::model::RoleGrant>) -> SignedInPerson {
        SignedInPerson { id: PersonId(id), grants, ..person_with(&[]) }
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
    fn companies_panels_and_conflict_declarations_are_for_their_roles() {
        use Action::*;
        let company = person_numbered(1, &[Role::CompanyRepresentative]);
        let board = person_numbered(5, &[Role::SteeringBoardMember]);
        let admin = person_numbered(6, &[Role::Administrator]);
        let seen = kernel::proposal::Visibility {
            sees: true,
            company: false,
            judge: true,
            reviewer: false,
            reviews: kernel::proposal::ReviewsSeen::AllNamed,
            decision: true,
        };
        let hidden = kernel::proposal::Visibility { sees: false, ..seen.clone() };
        assert_eq!(decide(None, ReadProposal, Thing::Proposal(&seen), DEMO), Err(Denied::NotSignedIn));
        assert_eq!(decide(Some(&admin), ReadProposal, Thing::Proposal(&seen), DEMO), Ok(()));
        assert_eq!(
            decide(Some(&admin), ReadProposal, Thing::Proposal(&hidden), DEMO),
            Err(Denied::Forbidden)
        );
        assert_eq!(decide(Some(&company), ReviewProposal, Thing::Nothing, DEMO), Err(Denied::Forbidden));
        let company_thing = Thing::Company { representative_ids: &[PersonId(1)] };
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
