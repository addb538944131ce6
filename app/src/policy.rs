//! Who may do what. The only place that decides; everything else asks. Deny by default.

use crate::identity::model::{Role, SignedInPerson};
use serde::{Deserialize, Serialize};

/// Everything a person can ask the portal to do. New capabilities add a variant here
/// and an arm in [`decide`]; there is no fallback arm, so the compiler insists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// Read public pages: home, content, nodes and the cohort list.
    ReadPublicCatalogue,
    /// Change one's own language preference (anonymous visitors keep it in a cookie only).
    SetOwnLanguage,
    /// Sign in as a demo person (only where demo sign-in is on).
    UseDemoSignIn,
    SignOut,
    ViewOwnProfile,
    /// See every person and their roles.
    ListPeople,
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

pub fn decide(person: Option<&SignedInPerson>, action: Action, deployment: Deployment) -> Result<(), Denied> {
    let signed_in = || person.ok_or(Denied::NotSignedIn);
    match action {
        Action::ReadPublicCatalogue | Action::SetOwnLanguage => Ok(()),
        Action::UseDemoSignIn => {
            if deployment.demo_sign_in {
                Ok(())
            } else {
                Err(Denied::NotAvailable)
            }
        }
        Action::SignOut | Action::ViewOwnProfile => signed_in().map(|_| ()),
        Action::ListPeople => {
            if signed_in()?.has_role(Role::Administrator) {
                Ok(())
            } else {
                Err(Denied::Forbidden)
            }
        }
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
        ];
        for (who, action, deployment, expected) in table {
            assert_eq!(decide(who.as_ref(), action, deployment), expected, "{action:?} by {who:?}");
        }
    }

    #[test]
    fn only_administrators_list_people_whatever_else_they_hold() {
        for role in Role::ALL {
            let person = person_with(&[role]);
            let allowed = decide(Some(&person), Action::ListPeople, DEMO).is_ok();
            assert_eq!(allowed, role == Role::Administrator, "{role:?}");
        }
    }
}
