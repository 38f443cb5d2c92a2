//! The shell: the HTML document, the router and its routes, the top bar, the start page,
//! and which pages come with the WASM. The top layer: it may use every feature.

pub mod home;
pub mod layout;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::account::me::provide_me;
use crate::shell::layout::TopBar;

/// The HTML document around the app, rendered on the server. A page that works the same
/// without JavaScript, seen by someone not signed in (see [`pages::ships_no_script`]), comes
/// without the WASM: interactive at once, nothing to download before typing; it asks the
/// browser to fetch the app's files when idle ([`pages::prefetch_hints`]).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let scripts = if pages::ships_no_script_to_this_request() {
        // What `HydrationScripts` does in islands mode: only islands' data goes with the
        // page (there are none here).
        if let Some(sc) = Owner::current_shared_context() {
            sc.set_is_hydrating(false);
        }
        pages::prefetch_hints().into_any()
    } else {
        view! { <HydrationScripts options=options.clone() islands=true islands_router=true/> }.into_any()
    };
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                // The build this page is of: the islands router loads a page of another
                // build in full (a deployment while a tab was open).
                <meta name="build" content=pages::build_id()/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                // `practice-access.<hash>.css` in a release build (see server::hash_file_beside_binary).
                <HashedStylesheet options=options.clone() id="leptos"/>
                <AutoReload options=options.clone()/>
                {scripts}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The body is marked `data-hydrated` by the frontend once hydration has ended.
    provide_me();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Practice Access".to_owned() } else { format!("{page} · Practice Access") }/>
        <Router>
            <TopBar/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=crate::shell::home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=crate::account::sign_up::SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup/sent") view=crate::account::sign_up::SignUpSentPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup/confirm/:token") view=crate::account::sign_up::ConfirmSignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=crate::account::sign_in::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/two-step") view=crate::account::two_step::VerifySignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password") view=crate::account::password_reset::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/forgot-password/sent") view=crate::account::password_reset::ForgotPasswordSentPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset-password/:token") view=crate::account::password_reset::ResetPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/two-step") view=crate::account::two_step::TwoStepPage ssr=SsrMode::Async/>
                    <Route path=path!("/two-step-reset/:token") view=crate::account::two_step::TwoStepResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/access") view=MyAccessRoute ssr=SsrMode::Async/>
                    <Route path=path!("/access-requests/new") view=crate::partner::access_requests::RequestAccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/access-requests") view=crate::partner::access_requests::AccessRequestsPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=crate::account::your_account::YourAccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/confirm-email/:token") view=crate::account::your_account::ConfirmEmailPage ssr=SsrMode::Async/>
                    <Route path=path!("/invite/:token") view=crate::practice::invitations::AcceptInvitationPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users") view=ManageUsersRoute ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users/roles") view=crate::practice::roles::RolesPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users/offboard") view=crate::practice::offboarding::OffboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users/leaver-report") view=crate::practice::offboarding::LeaverReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/outbox") view=crate::practice::settings::sent_email::OutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=crate::practice::audit_log::AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/clients") view=crate::partner::clients::ClientOverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/clients/staff") view=crate::partner::client_staff::ClientStaffPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/users") view=crate::partner::matrix::MatrixPageView ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}

/// "My access": the clients one can open, then one's access requests.
#[component]
fn MyAccessRoute() -> impl IntoView {
    view! {
        <crate::account::my_access::MyAccessPage/>
        <crate::partner::access_requests::MyRequests/>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found"/>
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. "<A href="/">"Go to the start page"</A>"."</p>
        </section>
    }
}

/// Home › Manage users: the practice's users in the partner account, or the client's own
/// users in a client account.
#[component]
pub fn ManageUsersRoute() -> impl IntoView {
    let me = crate::account::me::use_me();
    view! {
        <Transition fallback=|| ()>
            {move || me.0.get().map(|r| {
                let in_client = matches!(&r, Ok(Some(m)) if m.current.as_ref().is_some_and(|a| a.kind == crate::identity::accounts::AccountKind::Client));
                // Signed in, with no account at all (their last access ended).
                let in_none = matches!(&r, Ok(Some(m)) if m.current.is_none());
                if in_none {
                    view! {
                        <Title text="Manage users"/>
                        <section class="card narrow">
                            <h1>"No Manage users here"</h1>
                            <p>"You do not have access to any account at the moment. Ask your practice's admin for access."</p>
                        </section>
                    }.into_any()
                } else if in_client { view! { <crate::partner::client_users::ClientUsersPage/> }.into_any() } else { view! { <crate::practice::manage_users::ManageUsersPage/> }.into_any() }
            })}
        </Transition>
    }
}
