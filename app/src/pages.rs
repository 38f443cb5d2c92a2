//! The pages as lazy routes. In the browser, pages come in five groups, each its own
//! WASM chunk (the release build splits the WASM there: `cargo leptos build --split`,
//! scripts/build-release.sh), fetched when a page of the group is first opened; on a first
//! visit, the server names the chunk in the page so it loads alongside the main module.
//! So the sign-in page does not carry the matrix or the role editor, and the matrix does
//! not carry the sign-up forms. Five groups rather than one chunk per page: every split
//! point multiplies the small shared chunks the splitter makes (one per set of pages that
//! share code), and each is one more request. On the server the pages render as always.
//! A page reads its data in its own component (on a first visit the data comes with the
//! server-rendered HTML), so a route's `data` holds nothing.

use leptos::prelude::*;
use leptos_router::LazyRoute;

/// The pages a visitor meets before signing in: signing up and in, confirming a sign-up,
/// accepting an invitation. Each is one form that posts to its server function and shows
/// its errors from the server's answer, so it works the same without JavaScript and loses
/// nothing on an error but the password (a failed sign-in keeps its email, a failed
/// sign-up its other three fields: `session::keep_form_if_failed`; the other forms ask only for a
/// password). To someone not signed
/// in the server sends them without the WASM (275 KB of it on the sign-in page, before
/// it is interactive): the first page anyone sees is ready as soon as its HTML is. Signed
/// in, the top bar's menus need the WASM, so these pages hydrate as every other page does.
pub fn ships_no_script(path: &str, signed_in: bool) -> bool {
    !signed_in
        && (matches!(path, "/login" | "/signup" | "/signup/sent")
            || path.starts_with("/signup/confirm/")
            || path.starts_with("/invite/"))
}

/// [`ships_no_script`] for the request being rendered (never in the browser). "Signed in"
/// means a session cookie came with the request: a stale one only costs the WASM.
pub fn ships_no_script_to_this_request() -> bool {
    #[cfg(feature = "ssr")]
    {
        if let Some(parts) = use_context::<http::request::Parts>() {
            let signed_in = crate::identity::session::has_session_cookie();
            return ships_no_script(parts.uri.path(), signed_in);
        }
    }
    false
}

/// For a page sent without the WASM: `<link rel="prefetch">` for the signed-in app's files
/// (`AppState::prefetch`). The browser fetches them when idle, at the lowest priority,
/// while the visitor types, so the page after signing in (or confirming, or accepting)
/// finds them in its cache.
pub fn prefetch_hints() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let files: Vec<String> = use_context::<crate::platform::state::AppState>()
        .map(|s| s.prefetch.to_vec())
        .unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    let files: Vec<String> = vec![];
    files
        .into_iter()
        .map(|file| view! { <link rel="prefetch" href=format!("/pkg/{file}")/> })
        .collect_view()
}

/// Pages anyone may open: signing up and in, accepting an invitation.
#[derive(Clone, Copy)]
pub enum PublicPage {
    SignUp,
    SignUpSent,
    ConfirmSignUp,
    SignIn,
    VerifySignIn,
    AcceptInvitation,
}

#[lazy]
fn public_view(page: PublicPage) -> AnyView {
    match page {
        PublicPage::SignUp => view! { <crate::identity::sign_up::SignUpPage/> }.into_any(),
        PublicPage::SignUpSent => view! { <crate::identity::sign_up::SignUpSentPage/> }.into_any(),
        PublicPage::ConfirmSignUp => view! { <crate::identity::sign_up::ConfirmSignUpPage/> }.into_any(),
        PublicPage::SignIn => view! { <crate::identity::auth::SignInPage/> }.into_any(),
        PublicPage::VerifySignIn => view! { <crate::identity::two_step::VerifySignInPage/> }.into_any(),
        PublicPage::AcceptInvitation => view! { <crate::identity::invitations::AcceptInvitationPage/> }.into_any(),
    }
}

/// `/signup`
pub struct SignUp;

impl LazyRoute for SignUp {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        public_view(PublicPage::SignUp).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_public_view().await;
    }
}

/// `/signup/sent`
pub struct SignUpSent;

impl LazyRoute for SignUpSent {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        public_view(PublicPage::SignUpSent).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_public_view().await;
    }
}

/// `/signup/confirm/:token`
pub struct ConfirmSignUp;

impl LazyRoute for ConfirmSignUp {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        public_view(PublicPage::ConfirmSignUp).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_public_view().await;
    }
}

/// `/login`
pub struct SignIn;

impl LazyRoute for SignIn {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        public_view(PublicPage::SignIn).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_public_view().await;
    }
}

/// `/login/two-step`
pub struct VerifySignIn;

impl LazyRoute for VerifySignIn {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        public_view(PublicPage::VerifySignIn).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_public_view().await;
    }
}

/// `/invite/:token`
pub struct AcceptInvitation;

impl LazyRoute for AcceptInvitation {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        public_view(PublicPage::AcceptInvitation).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_public_view().await;
    }
}

/// The start page and a signed-in person's own pages.
#[derive(Clone, Copy)]
pub enum AccountPage {
    Home,
    TwoStep,
    MyAccess,
    Outbox,
}

#[lazy]
fn account_view(page: AccountPage) -> AnyView {
    match page {
        AccountPage::Home => view! { <crate::frame::home::HomePage/> }.into_any(),
        AccountPage::TwoStep => view! { <crate::identity::two_step::TwoStepPage/> }.into_any(),
        AccountPage::MyAccess => view! { <crate::identity::my_access::MyAccessPage/> }.into_any(),
        AccountPage::Outbox => view! { <crate::platform::outbox::OutboxPage/> }.into_any(),
    }
}

/// `/`
pub struct Home;

impl LazyRoute for Home {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        account_view(AccountPage::Home).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_account_view().await;
    }
}

/// `/account/two-step`
pub struct TwoStep;

impl LazyRoute for TwoStep {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        account_view(AccountPage::TwoStep).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_account_view().await;
    }
}

/// `/account/access`
pub struct MyAccess;

impl LazyRoute for MyAccess {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        account_view(AccountPage::MyAccess).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_account_view().await;
    }
}

/// `/outbox`
pub struct Outbox;

impl LazyRoute for Outbox {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        account_view(AccountPage::Outbox).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_account_view().await;
    }
}

/// Home → Manage users and what hangs off it, and the audit log.
#[derive(Clone, Copy)]
pub enum PracticePage {
    ManageUsers,
    Roles,
    Offboard,
    LeaverReport,
    AuditLog,
}

#[lazy]
fn practice_view(page: PracticePage) -> AnyView {
    match page {
        PracticePage::ManageUsers => view! { <crate::practice::manage_users::ManageUsersRoute/> }.into_any(),
        PracticePage::Roles => view! { <crate::practice::roles::RolesPage/> }.into_any(),
        PracticePage::Offboard => view! { <crate::practice::offboarding::OffboardPage/> }.into_any(),
        PracticePage::LeaverReport => view! { <crate::practice::offboarding::LeaverReportPage/> }.into_any(),
        PracticePage::AuditLog => view! { <crate::practice::audit_log::AuditLogPage/> }.into_any(),
    }
}

/// `/manage-users`
pub struct ManageUsers;

impl LazyRoute for ManageUsers {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        practice_view(PracticePage::ManageUsers).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_practice_view().await;
    }
}

/// `/manage-users/roles`
pub struct Roles;

impl LazyRoute for Roles {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        practice_view(PracticePage::Roles).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_practice_view().await;
    }
}

/// `/manage-users/offboard`
pub struct Offboard;

impl LazyRoute for Offboard {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        practice_view(PracticePage::Offboard).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_practice_view().await;
    }
}

/// `/manage-users/leaver-report`
pub struct LeaverReport;

impl LazyRoute for LeaverReport {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        practice_view(PracticePage::LeaverReport).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_practice_view().await;
    }
}

/// `/audit`
pub struct AuditLog;

impl LazyRoute for AuditLog {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        practice_view(PracticePage::AuditLog).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_practice_view().await;
    }
}

/// Partner → Client overview and a client's staff.
#[derive(Clone, Copy)]
pub enum ClientsPage {
    ClientOverview,
    ClientStaff,
}

#[lazy]
fn clients_view(page: ClientsPage) -> AnyView {
    match page {
        ClientsPage::ClientOverview => view! { <crate::partner::clients::ClientOverviewPage/> }.into_any(),
        ClientsPage::ClientStaff => view! { <crate::partner::client_staff::ClientStaffPage/> }.into_any(),
    }
}

/// `/partner/clients`
pub struct ClientOverview;

impl LazyRoute for ClientOverview {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        clients_view(ClientsPage::ClientOverview).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_clients_view().await;
    }
}

/// `/partner/clients/staff`
pub struct ClientStaff;

impl LazyRoute for ClientStaff {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        clients_view(ClientsPage::ClientStaff).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_clients_view().await;
    }
}

/// Partner → Users: the matrix, the largest page, alone.
#[derive(Clone, Copy)]
pub enum MatrixPage {
    Matrix,
}

#[lazy]
fn matrix_view(page: MatrixPage) -> AnyView {
    match page {
        MatrixPage::Matrix => view! { <crate::partner::matrix::MatrixPageView/> }.into_any(),
    }
}

/// `/partner/users`
pub struct Matrix;

impl LazyRoute for Matrix {
    fn data() -> Self {
        Self
    }

    async fn view(_: Self) -> AnyView {
        matrix_view(MatrixPage::Matrix).await
    }

    // Fetches the group's chunk before the page is drawn (and hydrated): drawing must not
    // wait for it half-way, or hydration would not match the server's HTML.
    async fn preload() {
        #[cfg(feature = "hydrate")]
        __preload_matrix_view().await;
    }
}

#[cfg(test)]
mod tests {
    use super::ships_no_script;

    #[test]
    fn only_the_pages_before_sign_in_ship_no_script_and_only_to_visitors() {
        for path in [
            "/login",
            "/signup",
            "/signup/sent",
            "/signup/confirm/abc",
            "/invite/abc",
        ] {
            assert!(ships_no_script(path, false), "{path}");
            assert!(!ships_no_script(path, true), "{path} signed in");
        }
        for path in [
            "/",
            "/signup/",
            "/login/two-step",
            "/partner/users",
            "/invite",
            "/signup/confirmed",
            "/loginx",
        ] {
            assert!(!ships_no_script(path, false), "{path}");
        }
    }
}
