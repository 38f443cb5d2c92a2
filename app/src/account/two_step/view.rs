//! The Two-step sign-in page (account menu) and the code step of signing in.

use leptos_meta::Title;
use leptos_router::components::A;

use super::*;
use crate::ui::forms::{Field, FormError, action_error};

#[component]
pub fn TwoStepPage() -> impl IntoView {
    let start = ServerAction::<StartTwoStep>::new();
    let confirm = ServerAction::<ConfirmTwoStep>::new();
    let turn_off = ServerAction::<TurnOffTwoStep>::new();
    let status = Resource::new(
        move || (turn_off.version().get(), start.version().get()),
        |_| get_two_step(),
    );
    let start_error = action_error(start);
    let confirm_error = action_error(confirm);
    let off_error = action_error(turn_off);
    // The recovery codes arrive once, in the answer to turning it on.
    let codes = move || confirm.value().get().and_then(Result::ok);

    view! {
        <Title text="Two-step sign-in"/>
        <section class="card narrow two-step">
            <h1>"Two-step sign-in"</h1>
            // The codes appear above and the form is hidden, not removed: removing the form
            // while its own submission finishes would touch what was just disposed.
            {move || codes().map(|c| view! { <RecoveryCodes codes=c/> })}
            <div hidden=move || codes().is_some()>
                <Transition fallback=|| view! { <p>"Loading…"</p> }>
                    {move || status.get().map(|r| match r {
                        Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                        Ok(s) if !s.available && !s.enabled => view! {
                            <p>"Two-step sign-in is not available on this server yet: it needs a SECRET_KEY. Ask your administrator."</p>
                        }.into_any(),
                        // Turned on by a plain form post just now: its codes, once.
                        Ok(TwoStepStatus { enabled: true, new_recovery_codes: Some(codes), .. }) => view! {
                            <RecoveryCodes codes/>
                        }.into_any(),
                        Ok(s) if s.enabled => {
                            let required = s.required_by.first().cloned();
                            view! {
                                <p class="notice">"Two-step sign-in is on: signing in asks for a code from your authenticator app after your password."</p>
                                <p>{format!("Recovery codes left: {}.", s.recovery_codes_left)}</p>
                                {match required {
                                    Some(practice) => view! {
                                        <p class="muted">{format!("{practice} requires two-step sign-in for all staff, so it stays on.")}</p>
                                    }.into_any(),
                                    None => view! {
                                        <h2>"Turn it off"</h2>
                                        <ActionForm action=turn_off attr:novalidate="true">
                                            <FormError error=off_error/>
                                            <Field label="Password" name="password" kind="password" error=off_error autocomplete="current-password"/>
                                            <Field label="Verification code" name="code" error=off_error autocomplete="one-time-code"/>
                                            <button type="submit" class="danger" disabled=move || turn_off.pending().get()>"Turn off two-step sign-in"</button>
                                        </ActionForm>
                                    }.into_any(),
                                }}
                            }.into_any()
                        }
                        Ok(s) => {
                            let setup = s.setup.clone();
                            view! {
                                {s.required_by.first().map(|practice| view! {
                                    <div class="alert info" role="alert">{format!("{practice} requires two-step sign-in for all staff. Turn it on to continue.")}</div>
                                })}
                                <p>"After your password, signing in will ask for a six-digit code from an authenticator app on your phone (such as Google Authenticator, Microsoft Authenticator or 1Password)."</p>
                                {setup.is_none().then(|| view! {
                                    <p>"Enter your password to see the key to add to your app."</p>
                                    <ActionForm action=start attr:novalidate="true">
                                        <FormError error=start_error/>
                                        <Field label="Password" name="password" kind="password" error=start_error autocomplete="current-password"/>
                                        <button type="submit" disabled=move || start.pending().get()>"Show my key"</button>
                                    </ActionForm>
                                })}
                                {setup.map(|setup| view! {
                                    <ol class="steps">
                                        <li>
                                            <p>"Scan this QR code with your authenticator app."</p>
                                            <div class="qr" role="img" aria-label="QR code of your two-step sign-in key" inner_html=setup.qr_svg></div>
                                            <p>"Can't scan? Enter this key"</p>
                                            <p><code class="key">{setup.key}</code></p>
                                        </li>
                                        <li>
                                            <p>"Enter the code the app shows."</p>
                                            <ActionForm action=confirm attr:novalidate="true">
                                                <FormError error=confirm_error/>
                                                <Field label="Verification code" name="code" error=confirm_error autocomplete="one-time-code"/>
                                                <button type="submit" disabled=move || confirm.pending().get()>"Turn on two-step sign-in"</button>
                                            </ActionForm>
                                        </li>
                                    </ol>
                                })}
                            }.into_any()
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}

/// The ten recovery codes, shown once right after turning two-step sign-in on.
#[component]
fn RecoveryCodes(codes: Vec<String>) -> impl IntoView {
    view! {
        <p class="notice" role="status">"Two-step sign-in is on."</p>
        <h2>"Recovery codes"</h2>
        <p>"If you lose your phone, sign in with one of these instead of a code. Each works once. Keep them somewhere safe: they are shown only now."</p>
        <ul class="recovery-codes" aria-label="Recovery codes">
            {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
        </ul>
        // A full load, so the top bar learns two-step sign-in is on.
        <p><a href="/" rel="external" class="button">"I have saved my recovery codes"</a></p>
    }
}

#[component]
pub fn VerifySignInPage() -> impl IntoView {
    let verify = ServerAction::<VerifySignIn>::new();
    let error = action_error(verify);
    view! {
        <Title text="Two-step sign-in"/>
        <section class="card narrow">
            <h1>"Enter your verification code"</h1>
            <p>"Open your authenticator app and enter the six-digit code it shows for Practice Access."</p>
            <ActionForm action=verify attr:novalidate="true">
                <FormError error=error/>
                <Field label="Verification code" name="code" error=error autocomplete="one-time-code"/>
                <p class="hint">"Lost your phone? Enter one of your recovery codes instead."</p>
                <button type="submit" disabled=move || verify.pending().get()>"Verify"</button>
            </ActionForm>
            <p><A href="/login">"Start again"</A></p>
        </section>
    }
}

/// The page a two-step reset link opens: "Turn off two-step sign-in", or why it cannot.
#[component]
pub fn TwoStepResetPage() -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let link = Resource::new(token, get_two_step_reset);
    let action = ServerAction::<UseTwoStepReset>::new();
    let error = crate::ui::forms::action_error(action);
    view! {
        <leptos_meta::Title text="Reset two-step sign-in"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || link.get().map(|open| match open {
                    Err(_) => view! {
                        <h1>"This link is not valid"</h1>
                        <p>"It may have been used already, replaced by a newer one, or have expired. Ask your practice's admin to send a new one."</p>
                    }.into_any(),
                    Ok(()) => view! {
                        <h1>"Reset two-step sign-in"</h1>
                        <p>"This turns off two-step sign-in for your login and signs you out everywhere. Then sign in with your password and set it up again."</p>
                        <ActionForm action=action>
                            <crate::ui::forms::FormError error=error/>
                            <input type="hidden" name="token" value=token()/>
                            <button type="submit" disabled=move || action.pending().get()>"Turn off two-step sign-in"</button>
                        </ActionForm>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
