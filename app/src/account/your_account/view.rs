//! The Your account page and the page an email-change link opens.

use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::*;
use crate::platform::dates::format_time;
use crate::ui::forms::{Field, FormError, action_error};

#[component]
pub fn YourAccountPage() -> impl IntoView {
    let name = ServerAction::<ChangeName>::new();
    let email = ServerAction::<RequestEmailChange>::new();
    let password = ServerAction::<ChangePassword>::new();
    let sign_out_one = ServerAction::<SignOutSession>::new();
    let sign_out_others = ServerAction::<SignOutOtherSessions>::new();
    let account = Resource::new(
        move || {
            (
                name.version().get(),
                email.version().get(),
                password.version().get(),
                sign_out_one.version().get(),
                sign_out_others.version().get(),
            )
        },
        |_| get_your_account(),
    );
    let email_changed = use_query_map().with_untracked(|q| q.get("email").as_deref() == Some("changed"));
    view! {
        <Title text="Your account"/>
        <div class="page-head"><h1>"Your account"</h1></div>
        {email_changed.then(|| view! { <p class="alert success" role="status">"Your email is changed."</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || account.get().map(|result| match result {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(a) => view! {
                    {a.notice.clone().map(|n| view! { <p class="notice" role="status">{n}</p> })}
                    <div class="account-sections">
                        <NameSection current=a.name.clone() action=name/>
                        <EmailSection current=a.email.clone() pending=a.pending_email.clone() action=email/>
                        <PasswordSection email=a.email.clone() action=password/>
                        <SessionsSection sessions=a.sessions.clone() one=sign_out_one others=sign_out_others/>
                        <section class="card" aria-labelledby="more-heading">
                            <h2 id="more-heading">"More"</h2>
                            <p><A href="/account/two-step">"Two-step sign-in"</A>" · "<A href="/account/access">"My access"</A></p>
                        </section>
                    </div>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn NameSection(current: String, action: ServerAction<ChangeName>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="name-heading">
            <h2 id="name-heading">"Your name"</h2>
            <ActionForm action=action attr:novalidate="true" attr:class="inline-form">
                <FormError error=error/>
                <Field label="Name" name="name" error=error autocomplete="name" value=current/>
                <button type="submit" class="secondary" disabled=move || action.pending().get()>"Save name"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn EmailSection(current: String, pending: Option<String>, action: ServerAction<RequestEmailChange>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="email-heading">
            <h2 id="email-heading">"Email"</h2>
            <p>"You sign in with "<strong>{current}</strong>"."</p>
            {pending.map(|p| view! {
                <p class="muted">{format!("Waiting for you to open the link sent to {p}.")}</p>
            })}
            <ActionForm action=action attr:novalidate="true" attr:class="inline-form">
                <FormError error=error/>
                <Field label="New email" name="email" kind="email" error=error autocomplete="email"/>
                <Field label="Password" name="password" kind="password" error=error autocomplete="current-password"/>
                <button type="submit" class="secondary" disabled=move || action.pending().get()>"Change email"</button>
            </ActionForm>
            <p class="hint">"We email a link to the new address; your old address is told once it changes. Your password confirms it is you."</p>
        </section>
    }
}

#[component]
fn PasswordSection(email: String, action: ServerAction<ChangePassword>) -> impl IntoView {
    let error = action_error(action);
    view! {
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change password"</h2>
            <ActionForm action=action attr:novalidate="true">
                <FormError error=error/>
                // For password managers: whose password this is.
                <input type="email" name="username" value=email autocomplete="username" hidden/>
                <Field label="Current password" name="current_password" kind="password" error=error autocomplete="current-password"/>
                <Field label="New password" name="new_password" kind="password" error=error autocomplete="new-password"/>
                <p class="hint">"At least 8 characters. Every other place you are signed in is signed out."</p>
                <button type="submit" disabled=move || action.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SessionsSection(
    sessions: Vec<SessionLine>,
    one: ServerAction<SignOutSession>,
    others: ServerAction<SignOutOtherSessions>,
) -> impl IntoView {
    let any_other = sessions.iter().any(|s| !s.this);
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Where you're signed in"</h2>
            <div class="table-wrap">
                <table class="data stack">
                    <caption class="sr-only">"Where you're signed in"</caption>
                    <thead><tr>
                        <th scope="col">"Browser"</th><th scope="col">"Address"</th>
                        <th scope="col">"Signed in"</th><th scope="col">"Last used"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                    </tr></thead>
                    <tbody>
                        {sessions.into_iter().map(|s| {
                            let label = format!("Sign out {} ({})", s.device, s.address);
                            view! {
                                <tr>
                                    <th scope="row">{s.device.clone()}{s.this.then(|| view! { <small class="muted">" · this browser"</small> })}</th>
                                    <td data-label="Address">{s.address.clone()}</td>
                                    <td data-label="Signed in">{format_time(s.started)}</td>
                                    <td data-label="Last used">{format_time(s.last_used)}</td>
                                    <td>
                                        {(!s.this).then(|| view! {
                                            <ActionForm action=one attr:class="row-form">
                                                <input type="hidden" name="session" value=s.id.clone()/>
                                                <button type="submit" class="link danger" aria-label=label>"Sign out"</button>
                                            </ActionForm>
                                        })}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {any_other.then(|| view! {
                <ActionForm action=others>
                    <button type="submit" class="secondary">"Sign out everywhere else"</button>
                </ActionForm>
            })}
        </section>
    }
}

/// The page an email-change link opens: "Confirm new email", or why it cannot.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let link = Resource::new(token, get_email_change);
    let action = ServerAction::<ConfirmEmailChange>::new();
    let error = action_error(action);
    view! {
        <Title text="Confirm your new email"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || link.get().map(|open| match open {
                    Err(_) => view! {
                        <h1>"This link is not valid"</h1>
                        <p>"It may have been used already, replaced by a newer one, or have expired. Ask for a new one in Your account."</p>
                    }.into_any(),
                    Ok(new_email) => view! {
                        <h1>"Confirm your new email"</h1>
                        <p>"Your login's email becomes "<strong>{new_email}</strong>"."</p>
                        <ActionForm action=action>
                            <FormError error=error/>
                            <input type="hidden" name="token" value=token()/>
                            <button type="submit" disabled=move || action.pending().get()>"Confirm new email"</button>
                        </ActionForm>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
