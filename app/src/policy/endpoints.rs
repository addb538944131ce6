//! The actions each server function may ask the policy about. The declaration is enforced
//! when the portal runs: [`crate::request::authorize_on`], called for a server function's
//! own request, refuses (500, and an error in the log naming the function and the action)
//! an action its entry does not list, and a server function without an entry. A server
//! function missing from this table also fails the coverage test
//! (`server/tests/policy_coverage.rs`).
//!
//! Each entry also knows its function's form ([`ServerFnPolicy::form_shape`], learnt from
//! the argument struct's `Deserialize`), so tests can post to every function without
//! reading its source.

use super::Action;
use crate::agreements::api::{
    ActOnAgreement, ChooseModel, ConfirmDemoSignature, GetAgreement, GetTermsEditor, GuideAgreement,
    ListAgreements, ReviseTerms, SetApprovalPlan, VerifyAgreement,
};
use crate::audit::api::{AuditChainStatus, AuditTrail};
use crate::catalogue::api::{
    GetCatalogueOverview, GetDataset, GetNode, HarvestNodeNow, ListNodes, SearchDatasets, UpdateNode,
};
use crate::co_creation::api::{
    AcceptCompanyInvitation, ActOnProposal, AddRepresentative, DeclareConflict, GetCall, GetCallEditor,
    GetCompany, GetCompanyInvitation, GetPanel, GetProposal, ListCalls, ManageCall, MyProposals,
    RegisterCompany, ReviewerDesk, SaveCall, SaveProposal, SaveReview, StartProposal, UpdateCompany,
};
use crate::cohort_access::api::{
    ActOnApplication, AddToBasket, CommitteeQueue, GetApplication, GetBasket, GetInvitation, GetNodeRules,
    GetReviewRequest, JoinTeam, MyApplications, MyReviews, RemoveFromBasket, SaveApplication,
    StartApplication, UpdateNodeRules,
};
use crate::content::api::{ContentMenu, ContentPage};
use crate::identity::api::{
    AddClaimRule, CreateApiToken, DeclareGender, DemoSignIn, GetDeclaredGender, GetViewer, GrantRole,
    ListApiTokens, ListClaimRules, ListDemoPeople, ListPeople, PersonForAdmin, RemoveClaimRule,
    RevokeApiToken, RevokeRole, SetLanguage, SetMembership, SignInOptions, SignOut,
};
use crate::kpi::api::{AddBoardNote, GetDashboard, GetDashboardRecords, GetPublicNumbers, SetKpiTarget};
use crate::notifications::api::DemoOutbox;
use leptos::server_fn::ServerFn;
use serde::de::DeserializeOwned;

pub use super::form_fields::{FieldKind, FormField, FormShape};

/// One server function: its URL path, its Rust name (for messages), its actions and how to
/// learn its form.
#[derive(Debug, Clone, Copy)]
pub struct ServerFnPolicy {
    pub path: &'static str,
    pub name: &'static str,
    pub actions: &'static [Action],
    shape: fn() -> FormShape,
}

impl ServerFnPolicy {
    /// Does this function's entry list the action?
    pub fn lists(&self, action: Action) -> bool {
        self.actions.contains(&action)
    }

    /// The function's arguments and every form field beneath them.
    pub fn form_shape(&self) -> FormShape {
        (self.shape)()
    }
}

const fn entry<F: ServerFn + DeserializeOwned>(
    name: &'static str,
    actions: &'static [Action],
) -> ServerFnPolicy {
    ServerFnPolicy { path: F::PATH, name, actions, shape: super::form_fields::form_shape::<F> }
}

/// The entry of the server function at this URL path.
pub fn for_path(path: &str) -> Option<&'static ServerFnPolicy> {
    SERVER_FUNCTIONS.iter().find(|entry| entry.path == path)
}

pub const SERVER_FUNCTIONS: &[ServerFnPolicy] = &[
    entry::<GetViewer>("get_viewer", &[Action::ReadPublicCatalogue]),
    entry::<GetCatalogueOverview>("get_catalogue_overview", &[Action::ReadPublicCatalogue]),
    entry::<SearchDatasets>("search_datasets", &[Action::ReadPublicCatalogue]),
    entry::<GetDataset>("get_dataset", &[Action::ReadPublicCatalogue]),
    entry::<ListNodes>("list_nodes", &[Action::ReadPublicCatalogue]),
    entry::<GetNode>("get_node", &[Action::ReadPublicCatalogue]),
    entry::<UpdateNode>("update_node", &[Action::EditNode]),
    entry::<HarvestNodeNow>("harvest_node_now", &[Action::HarvestNode]),
    entry::<ContentPage>("content_page", &[Action::ReadPublicCatalogue]),
    entry::<ContentMenu>("content_menu", &[Action::ReadPublicCatalogue]),
    entry::<SetLanguage>("set_language", &[Action::SetOwnLanguage]),
    entry::<GetDeclaredGender>("get_declared_gender", &[Action::ViewOwnProfile]),
    entry::<DeclareGender>("declare_gender", &[Action::EditOwnProfile]),
    entry::<ListDemoPeople>("list_demo_people", &[Action::UseDemoSignIn]),
    entry::<DemoSignIn>("demo_sign_in", &[Action::UseDemoSignIn]),
    entry::<SignInOptions>("sign_in_options", &[Action::UseProviderSignIn]),
    entry::<SignOut>("sign_out", &[Action::SignOut]),
    entry::<ListPeople>("list_people", &[Action::ListPeople]),
    entry::<PersonForAdmin>("person_for_admin", &[Action::ListPeople]),
    entry::<GrantRole>("grant_role", &[Action::ManageRoles]),
    entry::<RevokeRole>("revoke_role", &[Action::ManageRoles]),
    entry::<SetMembership>("set_membership", &[Action::ManageRoles]),
    entry::<ListClaimRules>("list_claim_rules", &[Action::ManageClaimRules]),
    entry::<AddClaimRule>("add_claim_rule", &[Action::ManageClaimRules]),
    entry::<RemoveClaimRule>("remove_claim_rule", &[Action::ManageClaimRules]),
    entry::<ListApiTokens>("list_api_tokens", &[Action::ManageApiTokens]),
    entry::<CreateApiToken>("create_api_token", &[Action::ManageApiTokens]),
    entry::<RevokeApiToken>("revoke_api_token", &[Action::ManageApiTokens]),
    entry::<AuditTrail>("audit_trail", &[Action::ViewAudit]),
    entry::<AuditChainStatus>("audit_chain_status", &[Action::ViewAudit]),
    entry::<GetBasket>("get_basket", &[Action::ReadPublicCatalogue]),
    entry::<AddToBasket>("add_to_basket", &[Action::ApplyForAccess]),
    entry::<RemoveFromBasket>("remove_from_basket", &[Action::ApplyForAccess]),
    entry::<StartApplication>("start_application", &[Action::ApplyForAccess]),
    entry::<MyApplications>("my_applications", &[Action::ApplyForAccess]),
    entry::<GetApplication>("get_application", &[Action::ReadApplication]),
    entry::<SaveApplication>("save_application", &[Action::ChangeApplication]),
    entry::<ActOnApplication>("act_on_application", &[Action::ActOnApplication]),
    entry::<GetReviewRequest>("get_review_request", &[Action::ReviewApplication]),
    entry::<MyReviews>("my_reviews", &[Action::ListOwnReviews]),
    entry::<GetInvitation>("get_invitation", &[Action::ApplyForAccess]),
    entry::<JoinTeam>("join_team", &[Action::ApplyForAccess]),
    entry::<CommitteeQueue>("committee_queue", &[Action::ReadPublicCatalogue, Action::ViewCommitteeQueue]),
    entry::<DemoOutbox>("demo_outbox", &[Action::ReadDemoOutbox]),
    entry::<GetNodeRules>("get_node_rules", &[Action::EditNode]),
    entry::<UpdateNodeRules>("update_node_rules", &[Action::EditNode]),
    entry::<ListCalls>("list_calls", &[Action::ReadPublicCatalogue]),
    entry::<GetCall>("get_call", &[Action::ReadPublicCatalogue]),
    entry::<GetCallEditor>("get_call_editor", &[Action::ManageCalls]),
    entry::<SaveCall>("save_call", &[Action::ManageCalls]),
    entry::<ManageCall>("manage_call", &[Action::ManageCalls]),
    entry::<GetPanel>("get_panel", &[Action::ViewPanel]),
    entry::<RegisterCompany>("register_company", &[Action::RegisterCompany]),
    entry::<GetCompany>("get_company", &[Action::RepresentCompany]),
    entry::<UpdateCompany>("update_company", &[Action::RepresentCompany]),
    entry::<AddRepresentative>("add_representative", &[Action::RepresentCompany]),
    entry::<GetCompanyInvitation>("get_company_invitation", &[Action::AcceptInvitation]),
    entry::<AcceptCompanyInvitation>("accept_company_invitation", &[Action::AcceptInvitation]),
    entry::<MyProposals>("my_proposals", &[Action::RegisterCompany]),
    entry::<StartProposal>("start_proposal", &[Action::RepresentCompany]),
    entry::<GetProposal>("get_proposal", &[Action::ReadProposal]),
    entry::<SaveProposal>("save_proposal", &[Action::ChangeProposal]),
    entry::<ActOnProposal>("act_on_proposal", &[Action::ActOnProposal]),
    entry::<SaveReview>("save_review", &[Action::ReviewProposal]),
    entry::<ReviewerDesk>("reviewer_desk", &[Action::DeclareConflicts]),
    entry::<DeclareConflict>("declare_conflict", &[Action::DeclareConflicts]),
    entry::<ListAgreements>("list_agreements", &[Action::ReadAgreement]),
    entry::<GetAgreement>("get_agreement", &[Action::ReadAgreement]),
    entry::<ActOnAgreement>("act_on_agreement", &[Action::ActOnAgreement]),
    entry::<ConfirmDemoSignature>("confirm_demo_signature", &[Action::SignAgreement]),
    entry::<VerifyAgreement>("verify_agreement", &[Action::VerifyAgreement]),
    entry::<ChooseModel>("choose_model", &[Action::ActOnAgreement]),
    entry::<GetTermsEditor>("get_terms_editor", &[Action::ReadAgreement]),
    entry::<ReviseTerms>("revise_terms", &[Action::ActOnAgreement]),
    entry::<SetApprovalPlan>("set_approval_plan", &[Action::ActOnAgreement]),
    entry::<GuideAgreement>("guide_agreement", &[Action::ReadAgreement]),
    entry::<GetDashboard>("get_dashboard", &[Action::ViewDashboard]),
    entry::<GetDashboardRecords>("get_dashboard_records", &[Action::ViewDashboard]),
    entry::<SetKpiTarget>("set_kpi_target", &[Action::SetKpiTarget]),
    entry::<GetPublicNumbers>("get_public_numbers", &[Action::ViewPublicNumbers]),
    entry::<AddBoardNote>("add_board_note", &[Action::WriteBoardNote]),
];
