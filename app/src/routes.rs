//! The application and its routes: every address the portal answers, the page that answers
//! it, and the title every page's title passes through.

use crate::agreements::edit::TermsEditorPage;
use crate::agreements::guide::GuidePageView;
use crate::agreements::pages::{AgreementPageView, AgreementsPage, VerifyPage};
use crate::audit::views::AuditTrailPage;
use crate::catalogue::pages::{CataloguePage, DatasetPage, NodeEditPage, NodePage, NodesPage};
use crate::catalogue::views::HomePage;
use crate::co_creation::pages::{
    CallEditPage, CallPageView, CallsPage, CompanyInvitationPage, CompanyNewPage, CompanyPageView,
    MyProposalsPage, PanelPageView, ProposalPageView, ReviewingPage,
};
use crate::cohort_access::pages::{
    ApplicationPageView, BasketPage, CommitteeQueuePage, InvitationPage, MyApplicationsPage,
    ReviewRequestPage, ReviewsPage,
};
use crate::content::views::ContentPageView;
use crate::i18n::I18n;
use crate::identity::admin_views::{ApiTokensPage, ClaimRulesPage, PersonAdminPage};
use crate::identity::views::{DemoSignInPage, PeoplePage, ProfilePage, SignInPage};
use crate::kpi::pages::{BoardPackPage, DashboardPage, DashboardRecordsPage, NumbersPage};
use crate::notifications::views::OutboxPage;
use crate::shell::{Footer, Header, current_lang};
use crate::ui::NotFound;
use leptos::prelude::*;
use leptos_meta::{Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

/// The whole application: the header and footer from `shell` around the page the address
/// names, every title through `title_markup`.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = I18n { lang: current_lang() };
    provide_context(i18n);
    // Effects run only in the browser: this marks the moment the page became interactive
    // (browser tests wait for it).
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/portal.css" />
        <Title formatter=move |page: String| {
            let title = if page.is_empty() {
                i18n.t("shell.site_name")
            } else {
                format!("{page} – {}", i18n.t("shell.site_name"))
            };
            title_markup(title)
        } />
        <Router>
            <Header />
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async />
                    <Route path=path!("/pages/:slug") view=ContentPageView ssr=SsrMode::Async />
                    <Route path=path!("/catalogue") view=CataloguePage ssr=SsrMode::Async />
                    <Route path=path!("/datasets/:slug") view=DatasetPage ssr=SsrMode::Async />
                    <Route path=path!("/nodes") view=NodesPage ssr=SsrMode::Async />
                    <Route path=path!("/nodes/:slug") view=NodePage ssr=SsrMode::Async />
                    <Route path=path!("/nodes/:slug/edit") view=NodeEditPage ssr=SsrMode::Async />
                    <Route path=path!("/demo-sign-in") view=DemoSignInPage ssr=SsrMode::Async />
                    <Route path=path!("/me") view=ProfilePage ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/people") view=PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/people/:id") view=PersonAdminPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/claim-rules") view=ClaimRulesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/api-tokens") view=ApiTokensPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/audit") view=AuditTrailPage ssr=SsrMode::Async />
                    <Route path=path!("/applications") view=MyApplicationsPage ssr=SsrMode::Async />
                    <Route path=path!("/applications/basket") view=BasketPage ssr=SsrMode::Async />
                    <Route path=path!("/applications/:id") view=ApplicationPageView ssr=SsrMode::Async />
                    <Route path=path!("/invitations/:token") view=InvitationPage ssr=SsrMode::Async />
                    <Route path=path!("/committee") view=CommitteeQueuePage ssr=SsrMode::Async />
                    <Route path=path!("/reviews") view=ReviewsPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews/:id/:node") view=ReviewRequestPage ssr=SsrMode::Async />
                    <Route path=path!("/outbox") view=OutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/calls") view=CallsPage ssr=SsrMode::Async />
                    <Route path=path!("/calls/new") view=CallEditPage ssr=SsrMode::Async />
                    <Route path=path!("/calls/:slug") view=CallPageView ssr=SsrMode::Async />
                    <Route path=path!("/calls/:slug/edit") view=CallEditPage ssr=SsrMode::Async />
                    <Route path=path!("/calls/:slug/panel") view=PanelPageView ssr=SsrMode::Async />
                    <Route path=path!("/companies/new") view=CompanyNewPage ssr=SsrMode::Async />
                    <Route path=path!("/companies/:slug") view=CompanyPageView ssr=SsrMode::Async />
                    <Route path=path!("/company-invitations/:token") view=CompanyInvitationPage ssr=SsrMode::Async />
                    <Route path=path!("/proposals") view=MyProposalsPage ssr=SsrMode::Async />
                    <Route path=path!("/proposals/:id") view=ProposalPageView ssr=SsrMode::Async />
                    <Route path=path!("/reviewing") view=ReviewingPage ssr=SsrMode::Async />
                    <Route path=path!("/agreements") view=AgreementsPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/numbers") view=NumbersPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/board-pack") view=BoardPackPage ssr=SsrMode::Async />
                    <Route path=path!("/dashboard/records/:kpi") view=DashboardRecordsPage ssr=SsrMode::Async />
                    <Route path=path!("/agreements/verify") view=VerifyPage ssr=SsrMode::Async />
                    <Route path=path!("/agreements/:id") view=AgreementPageView ssr=SsrMode::Async />
                    <Route path=path!("/agreements/:id/terms") view=TermsEditorPage ssr=SsrMode::Async />
                    <Route path=path!("/agreements/:id/guide") view=GuidePageView ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

/// What goes between `<title>` and `</title>`. `leptos_meta` writes the formatted title into
/// the server-rendered page as it is, so people's text (a proposal's title, a harvested
/// dataset's) is escaped here, the one formatter every page's title passes through. In the
/// browser the title is set as text (`document.title`), where escaping would show.
fn title_markup(title: String) -> String {
    #[cfg(feature = "ssr")]
    {
        crate::html::escape_text(&title)
    }
    #[cfg(not(feature = "ssr"))]
    {
        title
    }
}
