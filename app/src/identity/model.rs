//! People, roles and the signed-in viewer. Pure types and rules, no I/O.

use crate::i18n::Lang;
use kernel::{CohortId, NodeId, PersonId};
use serde::{Deserialize, Serialize};

/// Roles a person can be granted. Every signed-in person is also an applicant; that role
/// is implicit and never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    CompanyRepresentative,
    Reviewer,
    AccessCommitteeMember,
    NodeCoordinator,
    SteeringBoardMember,
    Administrator,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::CompanyRepresentative,
        Role::Reviewer,
        Role::AccessCommitteeMember,
        Role::NodeCoordinator,
        Role::SteeringBoardMember,
        Role::Administrator,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CompanyRepresentative => "company_representative",
            Role::Reviewer => "reviewer",
            Role::AccessCommitteeMember => "access_committee_member",
            Role::NodeCoordinator => "node_coordinator",
            Role::SteeringBoardMember => "steering_board_member",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Translation key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::CompanyRepresentative => "role.company_representative",
            Role::Reviewer => "role.reviewer",
            Role::AccessCommitteeMember => "role.access_committee_member",
            Role::NodeCoordinator => "role.node_coordinator",
            Role::SteeringBoardMember => "role.steering_board_member",
            Role::Administrator => "role.administrator",
        }
    }
}

/// A granted role with the node or cohort it is limited to, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: Role,
    pub node_slug: Option<String>,
    pub cohort_slug: Option<String>,
    /// The same scope by id, as the workflows' rules name nodes and cohorts.
    #[serde(default)]
    pub node_id: Option<NodeId>,
    #[serde(default)]
    pub cohort_id: Option<CohortId>,
}

impl RoleGrant {
    /// A grant named by its scope's slugs (for showing it; the ids are the store's).
    pub fn named(role: Role, node_slug: Option<String>, cohort_slug: Option<String>) -> RoleGrant {
        RoleGrant { role, node_slug, cohort_slug, node_id: None, cohort_id: None }
    }

    pub fn scope(&self) -> RoleScope {
        match (&self.node_slug, &self.cohort_slug) {
            (Some(node), _) => RoleScope::Node(node.clone()),
            (None, Some(cohort)) => RoleScope::Cohort(cohort.clone()),
            (None, None) => RoleScope::None,
        }
    }
}

/// What a role is limited to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RoleScope {
    None,
    Node(String),
    Cohort(String),
}

impl RoleScope {
    /// From the two optional form fields; both given is a mistake the caller reports.
    pub fn from_fields(node: Option<&str>, cohort: Option<&str>) -> Result<RoleScope, &'static str> {
        let node = node.map(str::trim).filter(|s| !s.is_empty());
        let cohort = cohort.map(str::trim).filter(|s| !s.is_empty());
        match (node, cohort) {
            (Some(_), Some(_)) => Err("error.scope_node_or_cohort"),
            (Some(node), None) => Ok(RoleScope::Node(node.to_owned())),
            (None, Some(cohort)) => Ok(RoleScope::Cohort(cohort.to_owned())),
            (None, None) => Ok(RoleScope::None),
        }
    }
}

impl Role {
    /// Which scopes a role may have; answers the message key of the problem otherwise.
    pub fn check_scope(self, scope: &RoleScope) -> Result<(), &'static str> {
        match (self, scope) {
            (Role::AccessCommitteeMember, RoleScope::Node(_) | RoleScope::Cohort(_)) => Ok(()),
            (Role::AccessCommitteeMember, RoleScope::None) => {
                Err("error.scope_committee_needs_node_or_cohort")
            }
            (Role::NodeCoordinator, RoleScope::Node(_)) => Ok(()),
            (Role::NodeCoordinator, _) => Err("error.scope_coordinator_needs_node"),
            (_, RoleScope::None) => Ok(()),
            (_, _) => Err("error.scope_not_for_this_role"),
        }
    }
}

/// A grant as administrators manage it: with its id and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    pub id: i64,
    pub grant: RoleGrant,
    pub granted_at: String,
    pub granted_by: Option<String>,
    /// Set when a claim rule made (and maintains) the grant.
    pub source_rule_id: Option<i64>,
}

/// An organisation as a choice in forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub slug: String,
    pub name: String,
}

/// Everything administrators see and change about one person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonAdminView {
    pub person: PersonListing,
    pub grants: Vec<GrantRecord>,
    pub organisations: Vec<Choice>,
    /// Choices for the forms.
    pub all_nodes: Vec<Choice>,
    pub all_cohorts: Vec<Choice>,
    pub all_organisations: Vec<Choice>,
}

/// An API token as administrators see it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenListing {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub node_slug: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    pub live: bool,
}

/// The person behind the current request, as the UI and the policy see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInPerson {
    pub id: PersonId,
    pub display_name: String,
    pub email: Option<String>,
    pub home_organisation: Option<String>,
    pub grants: Vec<RoleGrant>,
}

impl SignedInPerson {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The person as access applications' rules see them: the committee seats their roles
    /// give (a node's committee members and coordinators serve the whole node; a committee
    /// member for a cohort serves that cohort) and whether they hold the reviewer role.
    pub fn access_actor(&self) -> kernel::access::Actor {
        let mut seats = kernel::access::Seats::default();
        for grant in &self.grants {
            match (grant.role, grant.node_id, grant.cohort_id) {
                (Role::AccessCommitteeMember | Role::NodeCoordinator, Some(node), _) => {
                    seats.nodes.insert(node);
                }
                (Role::AccessCommitteeMember, None, Some(cohort)) => {
                    seats.cohorts.insert(cohort);
                }
                _ => {}
            }
        }
        kernel::access::Actor::Person { id: self.id, seats, reviewer: self.has_role(Role::Reviewer) }
    }

    /// The person as proposals' rules see them.
    pub fn proposal_actor(&self) -> kernel::proposal::Actor {
        kernel::proposal::Actor {
            id: self.id,
            roles: kernel::proposal::Roles {
                administrator: self.has_role(Role::Administrator),
                board: self.has_role(Role::SteeringBoardMember),
                reviewer: self.has_role(Role::Reviewer),
            },
        }
    }

    /// Distinct roles, in a stable order, for display.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

#[cfg(test)]
impl SignedInPerson {
    /// A test person holding these roles, unscoped.
    pub fn with_roles(roles: &[Role]) -> SignedInPerson {
        SignedInPerson {
            id: PersonId(1),
            display_name: "Test Person".into(),
            email: None,
            home_organisation: None,
            grants: roles
                .iter()
                .map(|&role| RoleGrant {
                    role,
                    node_slug: None,
                    cohort_slug: None,
                    node_id: None,
                    cohort_id: None,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub person: Option<SignedInPerson>,
    pub lang: Lang,
    pub demo_sign_in: bool,
    /// Mail stays in the portal's demo outbox (no mail server configured).
    #[serde(default)]
    pub mail_outbox: bool,
}

impl Viewer {
    pub fn anonymous(lang: Lang, demo_sign_in: bool) -> Viewer {
        Viewer { person: None, lang, demo_sign_in, mail_outbox: demo_sign_in }
    }
}

/// A demo person offered on the demo sign-in page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoPerson {
    pub id: i64,
    pub display_name: String,
    pub home_organisation: Option<String>,
    pub grants: Vec<RoleGrant>,
}

/// A row of the administrators' people list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonListing {
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub home_organisation: Option<String>,
    pub issuer: String,
    pub grants: Vec<RoleGrant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_fit_their_roles() {
        let node = RoleScope::Node("uppsala".into());
        let cohort = RoleScope::Cohort("scapis".into());
        assert!(Role::AccessCommitteeMember.check_scope(&node).is_ok());
        assert!(Role::AccessCommitteeMember.check_scope(&cohort).is_ok());
        assert!(Role::AccessCommitteeMember.check_scope(&RoleScope::None).is_err());
        assert!(Role::NodeCoordinator.check_scope(&node).is_ok());
        assert!(Role::NodeCoordinator.check_scope(&cohort).is_err());
        for role in
            [Role::Reviewer, Role::SteeringBoardMember, Role::Administrator, Role::CompanyRepresentative]
        {
            assert!(role.check_scope(&RoleScope::None).is_ok(), "{role:?}");
            assert!(role.check_scope(&node).is_err(), "{role:?}");
        }
        assert_eq!(RoleScope::from_fields(Some(" "), None), Ok(RoleScope::None));
        assert!(RoleScope::from_fields(Some("a"), Some("b")).is_err());
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("applicant"), None, "applicant is implicit, never stored");
    }
}
