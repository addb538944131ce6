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

    const DEMO: Deployment = Deployment { demo_sign_in: true };
    const PRODUCTION: Deployment = Deployment { demo_sign_in: false };

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
