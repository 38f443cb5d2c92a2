//! The client's Manage users page: the invite form and the table of its users, with
//! practice staff shown read-only.

use leptos_meta::Title;

use super::*;
use crate::practice::invitations::{INVITATION_SENT, INVITATION_SENT_AGAIN};
use crate::ui::forms::action_error;
use crate::ui::widgets::{AutoSubmit, PanelButton, panel_is_open};

#[component]
pub fn ClientUsersPage() -> impl IntoView {
    let invite = ServerAction::<InviteClientUser>::new();
    let resend = ServerAction::<ResendClientInvitation>::new();
    let revoke = ServerAction::<RevokeClientInvitation>::new();
    let change_role = ServerAction::<ChangeClientUserRole>::new();
    let set_active = ServerAction::<SetClientUserActive>::new();
    let people = Resource::new(
        move || {
            (
                invite.version().get(),
                resend.version().get(),
                revoke.version().get(),
                change_role.version().get(),
                set_active.version().get(),
            )
        },
        |_| list_client_users(),
    );
    let show_form = RwSignal::new(panel_is_open("open", "invite"));
    let invite_error = action_error(invite);
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            show_form.set(false);
            notice.set(Some(INVITATION_SENT.into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = resend.value().get() {
            notice.set(Some(INVITATION_SENT_AGAIN.into()));
        }
    });
    let row_error = Signal::derive(move || {
        [
            action_error(resend).get(),
            action_error(revoke).get(),
            action_error(change_role).get(),
            action_error(set_active).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    view! {
        <Title text="Manage users"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || people.get().map(|r| match r {
                Err(AppError::NotFound(_)) => view! {
                    <section class="card narrow">
                        <h1>"No Manage users here"</h1>
                        <p>"This client is on Practice Edition: its users are managed by the practice, in Partner › Clients › Users."</p>
                    </section>
                }.into_any(),
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(data) => {
                    let roles = StoredValue::new(data.roles.clone());
                    let invite_heading = format!("Invite a user to {}", data.client_name);
                    // After a form posted without JavaScript: what it did.
                    let posted = data.notice.clone();
                    view! {
                        <div class="page-head">
                            <div>
                                <p class="crumbs">{format!("Home › {}", data.client_name)}</p>
                                <h1>"Manage users"</h1>
                            </div>
                            <div class="actions">
                                <PanelButton label="Invite users" key="open" value="invite" open=show_form
                                    toggle=Callback::new(move |()| show_form.update(|s| *s = !*s))/>
                            </div>
                        </div>
                        <p role="status" class="notice">{move || notice.get().or_else(|| posted.clone())}</p>
                        <Show when=move || show_form.get()>
                            <section class="card" aria-labelledby="invite-heading">
                                <h2 id="invite-heading">{invite_heading.clone()}</h2>
                                <ActionForm action=invite attr:novalidate="true" attr:class="inline-form">
                                    <crate::practice::manage_users::InviteFields roles=roles.get_value() error=invite_error pending=invite.pending()/>
                                </ActionForm>
                            </section>
                        </Show>
                        <Show when=move || row_error.get().is_some()>
                            <div class="alert error" role="alert">{move || row_error.get().map(|e| e.to_string())}</div>
                        </Show>
                        <ClientUsersTable data=data.clone() resend revoke change_role set_active/>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn ClientUsersTable(
    data: ClientUsers,
    resend: ServerAction<ResendClientInvitation>,
    revoke: ServerAction<RevokeClientInvitation>,
    change_role: ServerAction<ChangeClientUserRole>,
    set_active: ServerAction<SetClientUserActive>,
) -> impl IntoView {
    let ClientUsers {
        client_name,
        practice_name,
        lines,
        roles,
        my_user_id,
        ..
    } = data;
    let staff_note = format!("Practice staff (managed by {practice_name})");
    view! {
        <div class="table-wrap">
            <table class="data stack">
                <caption>{format!("Users of {client_name}")}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {lines.into_iter().map(|line| {
                        let name = line.name.clone();
                        let role_label = format!("Role of {name}");
                        let resend_label = format!("Resend invitation to {name}");
                        let revoke_label = format!("Revoke invitation to {name}");
                        let active_label = if line.status == UserStatus::Active {
                            format!("Deactivate {name}")
                        } else {
                            format!("Reactivate {name}")
                        };
                        let (status_class, status_text) = if line.practice_staff {
                            ("status status-staff".to_owned(), staff_note.clone())
                        } else {
                            (format!("status status-{}", line.status.label().to_lowercase()), line.status.label().to_owned())
                        };
                        let editable = !line.practice_staff && line.user_id.is_some_and(|id| id != my_user_id);
                        let role_cell = match line.user_id {
                            Some(user_id) if editable && line.status == UserStatus::Active => {
                                let current = line.role_id;
                                let roles = roles.clone();
                                view! {
                                    <ActionForm action=change_role attr:class="row-form">
                                        <input type="hidden" name="user_id" value=user_id.to_string()/>
                                        <AutoSubmit>
                                        <select name="role_id" aria-label=role_label
                                            on:change=move |ev| {
                                                if let Ok(role_id) = event_target_value(&ev).parse::<i64>() {
                                                    change_role.dispatch(ChangeClientUserRole { user_id, role_id });
                                                }
                                            }>
                                            {roles.into_iter().map(|r| view! { <option value=r.id.to_string() selected=r.id == current>{r.name}</option> }).collect_view()}
                                        </select>
                                        </AutoSubmit>
                                        <noscript><button type="submit" class="secondary">"Change"</button></noscript>
                                    </ActionForm>
                                }.into_any()
                            }
                            _ => view! { <span>{line.role_name.clone()}</span> }.into_any(),
                        };
                        let actions = match (line.user_id, line.invitation_id) {
                            (_, Some(invitation_id)) => view! {
                                <ActionForm action=resend attr:class="row-form">
                                    <input type="hidden" name="invitation_id" value=invitation_id.to_string()/>
                                    <button type="submit" class="link" aria-label=resend_label>"Resend"</button>
                                </ActionForm>
                                <ActionForm action=revoke attr:class="row-form">
                                    <input type="hidden" name="invitation_id" value=invitation_id.to_string()/>
                                    <button type="submit" class="link danger" aria-label=revoke_label>"Revoke"</button>
                                </ActionForm>
                            }.into_any(),
                            (Some(user_id), None) if editable => {
                                let active = line.status == UserStatus::Active;
                                view! {
                                    <ActionForm action=set_active attr:class="row-form">
                                        <input type="hidden" name="user_id" value=user_id.to_string()/>
                                        <input type="hidden" name="active" value=(!active).to_string()/>
                                        {if active {
                                            view! { <button type="submit" class="link danger" aria-label=active_label.clone()>"Deactivate"</button> }.into_any()
                                        } else {
                                            view! { <button type="submit" class="link" aria-label=active_label.clone()>"Reactivate"</button> }.into_any()
                                        }}
                                    </ActionForm>
                                }.into_any()
                            }
                            _ => ().into_any(),
                        };
                        view! {
                            <tr>
                                <th scope="row">{line.name.clone()}</th>
                                <td class="full">{line.email.clone()}</td>
                                <td>{role_cell}</td>
                                <td><span class=status_class>{status_text}</span></td>
                                <td class="full"><div class="row-actions">{actions}</div></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
