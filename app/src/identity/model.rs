//! People, roles and the signed-in viewer. Pure types and rules, no I/O.

use crate::i18n::Lang;
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
}

/// The person behind the current request, as the UI and the policy see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInPerson {
    pub id: i64,
    pub display_name: String,
    pub email: Option<String>,
    pub home_organisation: Option<String>,
    pub grants: Vec<RoleGrant>,
}

impl SignedInPerson {
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
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
            id: 1,
            display_name: "Test Person".into(),
            email: None,
            home_organisation: None,
            grants: roles
                .iter()
                .map(|&role| RoleGrant { role, node_slug: None, cohort_slug: None })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub person: Option<SignedInPerson>,
    pub lang: Lang,
    pub demo_sign_in: bool,
}

impl Viewer {
    pub fn anonymous(lang: Lang, demo_sign_in: bool) -> Viewer {
        Viewer { person: None, lang, demo_sign_in }
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
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("applicant"), None, "applicant is implicit, never stored");
    }
}
