#![recursion_limit = "256"]
//! Practice Access: the application crate. Components, server functions and domain types
//! live here, one module per domain concept; server-only code sits behind the `ssr` feature.

pub mod frame;
pub mod identity;
pub mod partner;
pub mod platform;
pub mod practice;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::frame::layout::{TopBar, provide_me};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
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
    // Effects run only in the browser, after hydration: end-to-end tests wait for this mark.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    provide_me();
    view! {
        <Stylesheet id="leptos" href="/pkg/practice-access.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Practice Access".to_owned() } else { format!("{page} · Practice Access") }/>
        <Router>
            <TopBar/>
            <main id="main" class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=frame::home::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=identity::sign_up::SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup/sent") view=identity::sign_up::SignUpSentPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup/confirm/:token") view=identity::sign_up::ConfirmSignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=identity::auth::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/login/two-step") view=identity::two_step::VerifySignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/two-step") view=identity::two_step::TwoStepPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/access") view=identity::my_access::MyAccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/invite/:token") view=identity::invitations::AcceptInvitationPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users") view=practice::manage_users::ManageUsersRoute ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users/roles") view=practice::roles::RolesPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users/offboard") view=practice::offboarding::OffboardPage ssr=SsrMode::Async/>
                    <Route path=path!("/manage-users/leaver-report") view=practice::offboarding::LeaverReportPage ssr=SsrMode::Async/>
                    <Route path=path!("/outbox") view=platform::outbox::OutboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/audit") view=practice::audit_log::AuditLogPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/clients") view=partner::clients::ClientOverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/clients/staff") view=partner::client_staff::ClientStaffPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/users") view=partner::matrix::MatrixPageView ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
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
