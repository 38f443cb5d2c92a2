//! The frame around every page: the top bar with the Home menu, the Accounts switcher and
//! the user menu. What the top bar offers follows the account the user is acting in.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::account::me::{Me, use_me};
use crate::account::sign_in::SignOut;
use crate::account::switcher::SwitchAccount;
use crate::identity::accounts::{Account, AccountKind};
use crate::platform::error::AppError;
use crate::ui::icons;

/// A disclosure menu: a button that shows and hides a list of links or actions. An island:
/// its links are rendered on the server (its children), the opening and closing happens in
/// the browser (and before the WASM has come, on focus or hover: style/main.css).
#[island]
fn Menu(label: String, id: String, children: Children) -> impl IntoView {
    view! { <MenuFrame label id>{children()}</MenuFrame> }
}

/// [`Menu`]'s body, for islands that draw their own menu ([`AccountsMenu`]).
#[component]
fn MenuFrame(label: String, id: String, children: Children) -> impl IntoView {
    // Ended (its window listener with it) when a navigation replaces the top bar.
    crate::ui::island::scoped(move || menu_frame(label, id, children))
}

fn menu_frame(label: String, id: String, children: Children) -> impl IntoView {
    let open = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Div>::new();
    // A click anywhere else, or focus moving elsewhere, closes the menu.
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let outside = move |target: Option<web_sys::EventTarget>| {
            let node = target.and_then(|t| t.dyn_into::<web_sys::Node>().ok());
            root.get_untracked().is_some_and(|r| !r.contains(node.as_ref()))
        };
        let handle = window_event_listener(leptos::ev::click, move |ev| {
            if open.get_untracked() && outside(ev.target()) {
                open.set(false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <div
            class="menu"
            node_ref=root
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    open.set(false);
                }
            }
            on:focusout=move |_ev| {
                #[cfg(feature = "hydrate")]
                {
                    use wasm_bindgen::JsCast;
                    let next = _ev.related_target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
                    if next.is_some() && root.get_untracked().is_some_and(|r| !r.contains(next.as_ref())) {
                        open.set(false);
                    }
                }
            }
        >
            <button
                type="button"
                class="menu-button"
                aria-expanded=move || open.get().to_string()
                aria-controls=id.clone()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {label}
                <span class="caret" aria-hidden="true">"▾"</span>
            </button>
            <div id=id class="menu-list" hidden=move || !open.get() on:click=move |_| open.set(false)>
                {children()}
            </div>
        </div>
    }
}

#[component]
pub fn TopBar() -> impl IntoView {
    let me = use_me();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">
                <icons::Logo/>
                <span>"Practice Access"</span>
            </A>
            <Transition fallback=|| view! { <nav class="topnav" aria-label="Main"></nav> }>
                {move || {
                    me.0.get().map(|result| match result {
                        Ok(Some(me)) => view! { <SignedInNav me/> }.into_any(),
                        // Signed in, but who it is could not be read just now (too many
                        // requests in progress, the server busy): say so, rather than
                        // offer to sign in someone who is signed in.
                        Err(e) if e != AppError::Unauthenticated => view! {
                            <nav class="topnav" aria-label="Main">
                                <span class="spacer"></span>
                                <p class="topnav-note" role="status">{e.to_string()}</p>
                            </nav>
                        }
                        .into_any(),
                        _ => view! {
                            <nav class="topnav" aria-label="Main">
                                <span class="spacer"></span>
                                <A href="/login">"Sign in"</A>
                                <A href="/signup">"Create practice account"</A>
                            </nav>
                        }
                        .into_any(),
                    })
                }}
            </Transition>
        </header>
    }
}

#[component]
fn SignedInNav(me: Me) -> impl IntoView {
    let in_practice = me.current.as_ref().is_some_and(|a| a.kind == AccountKind::Practice);
    let can_manage = me.can_manage_users;
    let waiting = me.requests_waiting;
    let account_name = me.current.as_ref().map(|a| a.name.clone()).unwrap_or_default();
    let sign_out = ServerAction::<SignOut>::new();
    // A practice requires two-step sign-in and it is not on: every page load leads to
    // setting it up (a redirect from the server; in between, server functions refuse with
    // the reason, which pages show).
    #[cfg(feature = "ssr")]
    {
        let path = leptos_router::hooks::use_location().pathname.get_untracked();
        if me.must_set_up_two_step && path != "/account/two-step" {
            leptos_axum::redirect("/account/two-step");
        }
    }
    view! {
        <nav class="topnav" aria-label="Main">
            <Menu label="Home".to_owned() id="menu-home".to_owned()>
                <A href="/">"Overview"</A>
                {can_manage.then(|| view! { <A href="/manage-users">"Manage users"</A> })}
                {(can_manage && in_practice).then(|| view! { <A href="/manage-users/roles">"Roles"</A> })}
                {(can_manage && in_practice).then(|| view! { <A href="/audit">"Audit log"</A> })}
                {(can_manage && in_practice).then(|| view! {
                    <A href="/access-requests">
                        "Access requests"
                        {(waiting > 0).then(|| view! { <span class="badge" aria-label=format!("{waiting} waiting")>{waiting}</span> })}
                    </A>
                })}
                {(can_manage && in_practice).then(|| view! { <A href="/outbox">"Sent email"</A> })}
            </Menu>
            {(can_manage && in_practice).then(|| view! {
                <Menu label="Partner".to_owned() id="menu-partner".to_owned()>
                    <p class="menu-group">"Clients"</p>
                    <A href="/partner/clients">"Client overview"</A>
                    <A href="/partner/users">"Users"</A>
                </Menu>
            })}
            <span class="spacer"></span>
            <span class="current-account" title="The account you are working in">{account_name}</span>
            <AccountsMenu accounts=me.accounts.clone() total=me.accounts_total request=me.may_request_access/>
            <Menu label=me.name.clone() id="menu-user".to_owned()>
                <p class="menu-note">{me.email.clone()}</p>
                <A href="/account">"Your account"</A>
                <A href="/account/access">"My access"</A>
                <A href="/account/two-step">"Two-step sign-in"</A>
                <ActionForm action=sign_out>
                    <button type="submit" class="menu-item">"Sign out"</button>
                </ActionForm>
            </Menu>
        </nav>
    }
}

/// The accounts one can act in, each a form that switches to it; with many, a search (an
/// island for it: the first ones come with the page, the rest are found on the server).
#[island]
fn AccountsMenu(accounts: Vec<Account>, total: i64, request: bool) -> impl IntoView {
    let switch = ServerAction::<SwitchAccount>::new();
    let first = StoredValue::new(accounts.clone());
    let shown = RwSignal::new(accounts);
    let search = RwSignal::new(String::new());
    // Searching runs a server function directly rather than through a Resource: a
    // Resource here would nest a second Suspense inside the top bar's, which breaks hydration.
    let find = move |text: String| {
        search.set(text.clone());
        if text.trim().is_empty() {
            shown.set(first.get_value());
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(found) = crate::account::switcher::list_accounts(text.clone()).await
                && search.try_with_untracked(|s| *s == text) == Some(true)
            {
                shown.set(found);
            }
        });
    };
    let many = total > shown.with_untracked(|s| s.len() as i64);
    view! {
        <MenuFrame label="Accounts".to_owned() id="menu-accounts".to_owned()>
            {many.then(|| view! {
                <div class="menu-search" on:click=|ev| ev.stop_propagation()>
                    <label for="accounts-search">{format!("Find one of your {} accounts", crate::platform::words::thousands(total))}</label>
                    <input id="accounts-search" type="search" prop:value=move || search.get() on:input=move |ev| find(event_target_value(&ev))/>
                </div>
            })}
            {move || {
                shown
                    .get()
                    .into_iter()
                    .map(|a| {
                        let label = match a.kind {
                            AccountKind::Practice => "Go to my practice".to_owned(),
                            AccountKind::Client => a.name.clone(),
                        };
                        let kind = if a.kind == AccountKind::Practice { "practice" } else { "client" };
                        let until = a
                            .ends_at
                            .map(|e| format!(" · until {}", crate::platform::dates::last_day(e)))
                            .unwrap_or_default();
                        let detail = match a.plan {
                            Some(plan) => format!("{} · {}{until}", plan.label(), a.role_name),
                            None => format!("{} · {}", a.name, a.role_name),
                        };
                        view! {
                            <ActionForm action=switch>
                                <input type="hidden" name="kind" value=kind/>
                                <input type="hidden" name="id" value=a.id.to_string()/>
                                <button type="submit" class="menu-item" aria-current=a.current.then_some("true")>
                                    <span>{label}</span>
                                    <small>{detail}</small>
                                </button>
                            </ActionForm>
                        }
                    })
                    .collect_view()
            }}
            {move || (search.get().trim().is_empty() && many).then(|| view! {
                <p class="menu-note">{format!("Showing {} of {}; search to find the others.", shown.with(|s| s.len()), crate::platform::words::thousands(total))}</p>
            })}
            {request.then(|| view! { <a href="/access-requests/new" class="menu-item">"Request access"</a> })}
        </MenuFrame>
    }
}
