use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::*;
use crate::ui::forms::{Field, FormError, action_error};

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let invitation = Resource::new(token, get_invitation);
    let action = ServerAction::<AcceptInvitation>::new();
    let error = action_error(action);
    view! {
        <Title text="Accept invitation"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Loading invitation…"</p> }>
                {move || {
                    invitation.get().map(|result| match result {
                        // Accepted, revoked, replaced by a resend, or never existed: all look
                        // the same (the server answers "not found" for each).
                        Err(_) => view! {
                            <h1>"This invitation link is not valid"</h1>
                            <p>"It may have been used already, revoked, or replaced by a newer invitation. Ask your practice's admin to send a new one."</p>
                        }
                        .into_any(),
                        Ok(InvitationView { state: InvitationState::Expired, account_name, .. }) => view! {
                            <h1>"This invitation has expired"</h1>
                            <p>{format!("Ask an admin of {account_name} to resend it.")}</p>
                        }
                        .into_any(),
                        Ok(InvitationView { state: InvitationState::Open, account_name, role_name, email, .. }) => view! {
                            <h1>{format!("Join {account_name}")}</h1>
                            <p>
                                "You have been invited as "<strong>{role_name}</strong>" with the email "
                                <strong>{email}</strong>"."
                            </p>
                            <ActionForm action=action attr:novalidate="true">
                                <FormError error=error/>
                                <input type="hidden" name="token" value=token()/>
                                <Field label="Password" name="password" kind="password" error=error autocomplete="new-password"/>
                                <crate::ui::forms::CodeWhenAsked error=error/>
                                <p class="hint">"New to Practice Access? Choose a password of at least 8 characters. Already have a login with this email? Enter its password."</p>
                                <button type="submit">"Accept invitation"</button>
                            </ActionForm>
                        }
                        .into_any(),
                    })
                }}
            </Suspense>
        </section>
    }
}
