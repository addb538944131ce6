//! The frame around every page: the HTML document, the header with role-aware navigation
//! and the language switch, and the footer. The routes between them are in `crate::routes`.

pub use crate::routes::App;

use crate::i18n::{Lang, use_i18n};
use crate::identity::api::{SetLanguage, SignOut, get_viewer};
use crate::identity::model::{Role, Viewer};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::MetaTags;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

/// The HTML document. Runs on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = current_lang();
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
                <crate::failed_form::FailedFormData />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The language of this page: from the request on the server, from `<html lang>` in the
/// browser (the server wrote it), so both sides render the same text.
pub(crate) fn current_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        crate::request::request_lang()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        {
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
                .and_then(|e| e.get_attribute("lang"))
                .and_then(|code| Lang::parse(&code))
                .unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            Lang::default()
        }
    }
}

/// A navigation entry and who sees it.
struct NavItem {
    href: &'static str,
    tr_key: &'static str,
    visible_to: Visibility,
}

enum Visibility {
    Everyone,
    SignedIn,
    Role(Role),
    AnyRole(&'static [Role]),
    /// Signed in, where mail stays in the demo outbox.
    DemoOutbox,
    /// Whoever the policy lets take this action (on nothing in particular).
    Permitted(crate::policy::Action),
}

const NAV: &[NavItem] = &[
    NavItem { href: "/", tr_key: "nav.home", visible_to: Visibility::Everyone },
    NavItem { href: "/catalogue", tr_key: "nav.cohorts", visible_to: Visibility::Everyone },
    NavItem { href: "/nodes", tr_key: "nav.nodes", visible_to: Visibility::Everyone },
    NavItem { href: "/pages/cohort-access", tr_key: "nav.cohort_access", visible_to: Visibility::Everyone },
    NavItem { href: "/calls", tr_key: "nav.co_creation", visible_to: Visibility::Everyone },
    NavItem { href: "/pages/about", tr_key: "nav.about", visible_to: Visibility::Everyone },
    NavItem { href: "/applications", tr_key: "nav.applications", visible_to: Visibility::SignedIn },
    NavItem {
        href: "/committee",
        tr_key: "nav.committee",
        visible_to: Visibility::AnyRole(&[Role::AccessCommitteeMember, Role::NodeCoordinator]),
    },
    NavItem { href: "/reviews", tr_key: "nav.reviews", visible_to: Visibility::Role(Role::Reviewer) },
    NavItem { href: "/proposals", tr_key: "nav.proposals", visible_to: Visibility::SignedIn },
    NavItem {
        href: "/reviewing",
        tr_key: "nav.reviewing",
        visible_to: Visibility::AnyRole(&[Role::Reviewer, Role::SteeringBoardMember, Role::Administrator]),
    },
    NavItem {
        href: "/dashboard",
        tr_key: "nav.dashboard",
        visible_to: Visibility::Permitted(crate::policy::Action::ViewDashboard),
    },
    NavItem { href: "/outbox", tr_key: "nav.outbox", visible_to: Visibility::DemoOutbox },
    NavItem { href: "/me", tr_key: "nav.profile", visible_to: Visibility::SignedIn },
    NavItem {
        href: "/admin/people",
        tr_key: "nav.people",
        visible_to: Visibility::Role(Role::Administrator),
    },
    NavItem {
        href: "/admin/claim-rules",
        tr_key: "nav.claim_rules",
        visible_to: Visibility::Role(Role::Administrator),
    },
    NavItem {
        href: "/admin/api-tokens",
        tr_key: "nav.api_tokens",
        visible_to: Visibility::Role(Role::Administrator),
    },
    NavItem { href: "/admin/audit", tr_key: "nav.audit", visible_to: Visibility::Role(Role::Administrator) },
];

/// The navigation entries this viewer may see, in order.
fn visible_nav(viewer: Option<&Viewer>) -> Vec<&'static NavItem> {
    let person = viewer.and_then(|v| v.person.as_ref());
    NAV.iter()
        .filter(|item| match item.visible_to {
            Visibility::Everyone => true,
            Visibility::SignedIn => person.is_some(),
            Visibility::Role(role) => person.is_some_and(|p| p.has_role(role)),
            Visibility::AnyRole(roles) => person.is_some_and(|p| roles.iter().any(|r| p.has_role(*r))),
            Visibility::DemoOutbox => person.is_some() && viewer.is_some_and(|v| v.mail_outbox),
            Visibility::Permitted(action) => {
                let deployment = crate::policy::Deployment {
                    demo_sign_in: false,
                    mail_outbox: viewer.is_some_and(|v| v.mail_outbox),
                };
                person.is_some()
                    && crate::policy::decide(person, action, crate::policy::Thing::Nothing, deployment)
                        .is_ok()
            }
        })
        .collect()
}

#[component]
pub(crate) fn Header() -> impl IntoView {
    let i = use_i18n();
    // Each page that needs the viewer loads it itself: one resource, one Suspense.
    let viewer = Resource::new(|| (), |_| get_viewer());
    let (menu_open, set_menu_open) = signal(false);
    let location = use_location();
    // Close the menu after navigating on a phone.
    Effect::new(move |_| {
        location.pathname.track();
        set_menu_open.set(false);
    });

    view! {
        <header class="site-header">
            <a class="skip-link" href="#main">{i.t("shell.skip_to_content")}</a>
            <div class="site-header__bar">
                <a class="brand" href="/">
                    <span class="brand__mark" aria-hidden="true">"◆"</span>
                    <span class="brand__name">{i.t("shell.site_name")}</span>
                </a>
                <button
                    type="button"
                    class="menu-toggle"
                    aria-controls="site-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| set_menu_open.update(|open| *open = !*open)
                >
                    {i.t("shell.menu")}
                </button>
            </div>
            <nav
                id="site-nav"
                class="site-nav"
                class:site-nav--open=move || menu_open.get()
                aria-label=i.t("shell.main_navigation")
            >
                // One Suspense reads the viewer once: a resource read by two boundaries can
                // stall a server-rendered response (leptos-rs/leptos#4851).
                <Suspense fallback=move || view! { <NavList viewer=None /> }>
                    {move || Suspend::new(async move {
                        let viewer = viewer.await.ok();
                        view! {
                            <NavList viewer=viewer.clone() />
                            <div class="site-nav__tools">
                                <LanguageSwitch />
                                {viewer.map(|viewer| view! { <AccountBox viewer /> })}
                            </div>
                        }
                    })}
                </Suspense>
            </nav>
        </header>
    }
}

#[component]
fn NavList(viewer: Option<Viewer>) -> impl IntoView {
    let i = use_i18n();
    let items = visible_nav(viewer.as_ref());
    view! {
        <ul class="site-nav__list">
            {items
                .into_iter()
                .map(|item| {
                    // In-page links are plain anchors: the router would mark them as the
                    // current page wherever their path matches.
                    if item.href.contains('#') {
                        view! { <li><a href=item.href>{i.t(item.tr_key)}</a></li> }.into_any()
                    } else {
                        view! { <li><A href=item.href exact=true>{i.t(item.tr_key)}</A></li> }.into_any()
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Sign-in link or the signed-in person's name with a sign-out button. Session changes
/// are plain form posts: the whole page reloads under the new identity.
#[component]
fn AccountBox(viewer: Viewer) -> impl IntoView {
    let i = use_i18n();
    match viewer.person {
        Some(person) => view! {
            <div class="account">
                <span class="account__name">{person.display_name}</span>
                <form method="post" action=SignOut::url()>
                    <button type="submit" class="button button--quiet">{i.t("shell.sign_out")}</button>
                </form>
            </div>
        }
        .into_any(),
        None => view! {
            <div class="account">
                <a class="button" href="/sign-in">{i.t("shell.sign_in")}</a>
            </div>
        }
        .into_any(),
    }
}

/// Switches to the other language and comes back to the same page.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i = use_i18n();
    let location = use_location();
    let return_to = move || {
        // The fragment never reaches the server, so it is not part of the way back.
        let search = location.search.get();
        let query = if search.is_empty() { String::new() } else { format!("?{search}") };
        format!("{}{query}", location.pathname.get())
    };
    let other = i.lang.other();
    view! {
        <form method="post" action=SetLanguage::url() class="language-switch">
            <input type="hidden" name="lang" value=other.code() />
            <input type="hidden" name="return_to" value=return_to />
            <button type="submit" class="button button--quiet" lang=other.code()>
                <span class="visually-hidden">{i.t("shell.change_language")}": "</span>
                {other.endonym()}
            </button>
        </form>
    }
}

#[component]
pub(crate) fn Footer() -> impl IntoView {
    let i = use_i18n();
    let menu = Resource::new(|| (), |_| crate::content::api::content_menu());
    view! {
        <footer class="site-footer">
            <div class="site-footer__inner">
                <p class="site-footer__name">{i.t("shell.site_name")}</p>
                <p>{i.t("shell.footer_tagline")}</p>
                <nav aria-label=i.t("shell.footer_navigation")>
                    <Suspense>
                        {move || Suspend::new(async move {
                            menu.await
                                .map(|links| view! {
                                    <ul class="site-footer__links">
                                        <li><A href="/numbers">{i.t("numbers.title")}</A></li>
                                        {links.into_iter().map(|link| view! {
                                            <li><A href=format!("/pages/{}", link.slug)>{link.title}</A></li>
                                        }).collect_view()}
                                    </ul>
                                })
                                .ok()
                        })}
                    </Suspense>
                </nav>
                <p class="site-footer__demo">{i.t("shell.demo_notice")}</p>
            </div>
        </footer>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::model::SignedInPerson;

    fn viewer_with(roles: &[Role]) -> Viewer {
        Viewer {
            person: Some(SignedInPerson::with_roles(roles)),
            lang: Lang::Sv,
            demo_sign_in: true,
            mail_outbox: true,
        }
    }

    fn hrefs(viewer: Option<&Viewer>) -> Vec<&'static str> {
        visible_nav(viewer).into_iter().map(|item| item.href).collect()
    }

    #[test]
    fn visitors_see_public_entries_only() {
        let anonymous = Viewer::anonymous(Lang::Sv, true);
        assert!(!hrefs(Some(&anonymous)).contains(&"/me"));
        assert!(!hrefs(Some(&anonymous)).contains(&"/admin/people"));
        assert_eq!(hrefs(None), hrefs(Some(&anonymous)));
    }

    #[test]
    fn administrators_see_the_people_list_and_others_do_not() {
        assert!(hrefs(Some(&viewer_with(&[Role::Administrator]))).contains(&"/admin/people"));
        assert!(hrefs(Some(&viewer_with(&[]))).contains(&"/me"));
        for role in Role::ALL.into_iter().filter(|r| *r != Role::Administrator) {
            assert!(!hrefs(Some(&viewer_with(&[role]))).contains(&"/admin/people"), "{role:?}");
        }
    }
}
