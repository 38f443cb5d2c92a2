//! Home → Manage users: the invite form and the users table with its row actions.

use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::*;
use crate::platform::words::thousands;
use crate::practice::invitations::{InviteUser, ResendInvitation, RevokeInvitation};
use crate::practice::settings::view::{AccessEmailsSetting, RequestsSetting, TwoStepSetting};
use crate::practice::settings::{SetAccessEmails, SetStaffMayRequest, SetTwoStepRequired};
use crate::ui::forms::{Field, FormError, action_error};
use crate::ui::widgets::{AutoSubmit, LinkPager, PanelButton, panel_is_open, url_encode};

#[component]
pub fn ManageUsersPage() -> impl IntoView {
    let invite = ServerAction::<InviteUser>::new();
    let resend = ServerAction::<ResendInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let change_role = ServerAction::<ChangeMemberRole>::new();
    let set_active = ServerAction::<SetMemberActive>::new();
    let transfer = ServerAction::<TransferMainUser>::new();
    let reset = ServerAction::<ResetTwoStep>::new();
    let require = ServerAction::<SetTwoStepRequired>::new();
    let emails = ServerAction::<SetAccessEmails>::new();
    let requests = ServerAction::<SetStaffMayRequest>::new();
    // The search, filters and page live in the address (a GET form without JavaScript).
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        query.with(|q| UsersQuery {
            q: q.get("q").unwrap_or_default(),
            role: q.get("role").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            page: q
                .get("page")
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(0)
                .clamp(0, 1_000_000),
        })
    });
    let page = Resource::new(
        move || {
            (
                (
                    invite.version().get(),
                    resend.version().get(),
                    revoke.version().get(),
                    change_role.version().get(),
                    set_active.version().get(),
                    transfer.version().get(),
                    reset.version().get(),
                    require.version().get(),
                    emails.version().get(),
                    requests.version().get(),
                ),
                filters.get(),
            )
        },
        |(_, f)| list_practice_users(f.q, f.role, f.status, f.page),
    );
    let show_form = RwSignal::new(panel_is_open("open", "invite"));
    let invite_error = action_error(invite);
    // Close the form after a successful invitation.
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            show_form.set(false);
        }
    });
    let row_error = Signal::derive(move || {
        [
            action_error(resend).get(),
            action_error(revoke).get(),
            action_error(change_role).get(),
            action_error(set_active).get(),
            action_error(transfer).get(),
            action_error(reset).get(),
            action_error(require).get(),
            action_error(emails).get(),
            action_error(requests).get(),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(())) = invite.value().get() {
            notice.set(Some(crate::practice::invitations::INVITATION_SENT.into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = reset.value().get() {
            notice.set(Some(TWO_STEP_RESET.into()));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = resend.value().get() {
            notice.set(Some(crate::practice::invitations::INVITATION_SENT_AGAIN.into()));
        }
    });

    view! {
        <Title text="Manage users"/>
        <div class="page-head">
            <h1>"Manage users"</h1>
            <div class="actions">
                <A href="/manage-users/roles" attr:class="button secondary">"View roles"</A>
                <PanelButton label="Invite users" key="open" value="invite" open=show_form
                    toggle=Callback::new(move |()| show_form.update(|s| *s = !*s))/>
            </div>
        </div>
        <p role="status" class="notice">{move || notice.get()}</p>
        <Transition fallback=|| view! { <p>"Loading users…"</p> }>
            {move || {
                page.get().map(|result| match result {
                    Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                    Ok(data) => {
                        let roles = StoredValue::new(data.roles.clone());
                        view! {
                            <UsersFilters filters roles=data.roles.clone()/>
                            <Show when=move || show_form.get()>
                                <section class="card" aria-labelledby="invite-heading">
                                    <h2 id="invite-heading">"Invite a user"</h2>
                                    <ActionForm action=invite attr:novalidate="true" attr:class="inline-form">
                                        <InviteFields roles=roles.get_value() error=invite_error pending=invite.pending()/>
                                    </ActionForm>
                                </section>
                            </Show>
                            <Show when=move || row_error.get().is_some()>
                                <div class="alert error" role="alert">{move || row_error.get().map(|e| e.to_string())}</div>
                            </Show>
                            // After a form posted without JavaScript: what it did.
                            {data.notice.clone().map(|n| view! { <p role="status" class="notice">{n}</p> })}
                            <p class="count" role="status">{shown_count(&data, filters.get_untracked().page)}</p>
                            {(data.lines.is_empty()).then(|| view! { <p class="empty">"No users match."</p> })}
                            {
                                let pages = (data.matching + PAGE_SIZE - 1) / PAGE_SIZE;
                                let f = filters.get_untracked();
                                view! {
                                    <TwoStepSetting required=data.two_step_required require/>
                                    <AccessEmailsSetting enabled=data.access_emails emails/>
                                    <RequestsSetting enabled=data.staff_may_request requests/>
                                    <UsersTable data resend revoke change_role set_active transfer reset/>
                                    <LinkPager page=f.page pages href=Callback::new(move |p| UsersQuery { page: p, ..f.clone() }.url())/>
                                }
                            }
                        }
                        .into_any()
                    }
                })
            }}
        </Transition>
    }
}

/// "Showing 12 of 200" (matching of all); past one page, "Showing 51–100 of 200".
fn shown_count(data: &UsersPage, page: i64) -> String {
    let on_page = data.lines.len() as i64;
    if on_page >= data.matching {
        format!("Showing {} of {}", thousands(data.matching), thousands(data.total))
    } else {
        let first = page.max(0) * PAGE_SIZE + 1;
        format!(
            "Showing {}–{} of {}",
            thousands(first),
            thousands(first + on_page - 1),
            thousands(data.matching)
        )
    }
}

/// The table's search, filters and page, as in the address.
#[derive(Clone, Debug, Default, PartialEq)]
struct UsersQuery {
    q: String,
    role: String,
    status: String,
    page: i64,
}

impl UsersQuery {
    fn url(&self) -> String {
        let mut parts = Vec::new();
        for (key, value) in [("q", self.q.as_str()), ("role", &self.role), ("status", &self.status)] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", url_encode(value)));
            }
        }
        if self.page > 0 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/manage-users".to_owned()
        } else {
            format!("/manage-users?{}", parts.join("&"))
        }
    }
}

/// "Search users", "Role" and "Status": a GET form of this page (rendered on the server);
/// a choice applies as it changes (`AutoSubmit`), the search on Enter or "Search". Any
/// change goes back to the first page (the form carries no page).
#[component]
fn UsersFilters(filters: Memo<UsersQuery>, roles: Vec<RoleOption>) -> impl IntoView {
    let initial = filters.get_untracked();
    view! {
        <form method="get" action="/manage-users" class="filters" role="search" aria-label="Users">
            <div class="field">
                <label for="users-search">"Search users"</label>
                <input id="users-search" name="q" type="search" autocomplete="off" placeholder="Name or email"
                    value=initial.q.clone()/>
            </div>
            <AutoSubmit>
            <div class="field">
                <label for="users-role">"Filter by role"</label>
                <select id="users-role" name="role">
                    <option value="">"All roles"</option>
                    {roles.into_iter().map(|r| {
                        let id = r.id.to_string();
                        let selected = id == initial.role;
                        view! { <option value=id selected=selected>{r.name}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="users-status">"Filter by status"</label>
                <select id="users-status" name="status">
                    <option value="" selected=initial.status.is_empty()>"All statuses"</option>
                    {UserStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=initial.status == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
            </div>
            </AutoSubmit>
            <button type="submit" class="secondary">"Search"</button>
        </form>
    }
}

#[component]
fn UsersTable(
    data: UsersPage,
    resend: ServerAction<ResendInvitation>,
    revoke: ServerAction<RevokeInvitation>,
    change_role: ServerAction<ChangeMemberRole>,
    set_active: ServerAction<SetMemberActive>,
    transfer: ServerAction<TransferMainUser>,
    reset: ServerAction<ResetTwoStep>,
) -> impl IntoView {
    let UsersPage {
        practice_name,
        lines,
        roles,
        my_user_id,
        i_am_main,
        ..
    } = data;
    let no_rows = lines.is_empty();
    view! {
        <div class="table-wrap" hidden=no_rows>
            <table class="data stack">
                <caption>{format!("Users of {practice_name}")}</caption>
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
                    {lines
                        .into_iter()
                        .map(|line| {
                            let roles = roles.clone();
                            let status_class = format!("status status-{}", line.status.label().to_lowercase());
                            let name = line.name.clone();
                            // Every row action is a form posting to its server function, so it works
                            // without JavaScript; with it, the form dispatches the action in place.
                            let role_label = format!("Role of {name}");
                            let resend_label = format!("Resend invitation to {name}");
                            let revoke_label = format!("Revoke invitation to {name}");
                            let active_label = if line.status == UserStatus::Active {
                                format!("Deactivate {name}")
                            } else {
                                format!("Reactivate {name}")
                            };
                            let transfer_label = format!("Transfer main user to {name}");
                            let reset_label = format!("Reset two-step sign-in for {name}");
                            let offboard_label = format!("Offboard {name}");
                            let report_label = format!("Leaver report for {name}");
                            let two_step = line.two_step;
                            let role_cell = match line.user_id {
                                Some(user_id) if !line.is_main && line.status == UserStatus::Active => {
                                    let current = line.role_id;
                                    view! {
                                        <ActionForm action=change_role attr:class="row-form">
                                            <input type="hidden" name="user_id" value=user_id.to_string()/>
                                            <AutoSubmit>
                                            <select
                                                name="role_id"
                                                aria-label=role_label
                                                on:change=move |ev| {
                                                    if let Ok(role_id) = event_target_value(&ev).parse::<i64>() {
                                                        change_role.dispatch(ChangeMemberRole { user_id, role_id });
                                                    }
                                                }
                                            >
                                                {roles.into_iter().map(|r| view! { <option value=r.id.to_string() selected=r.id == current>{r.name}</option> }).collect_view()}
                                            </select>
                                            </AutoSubmit>
                                            <noscript><button type="submit" class="secondary">"Change"</button></noscript>
                                        </ActionForm>
                                    }
                                    .into_any()
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
                                }
                                .into_any(),
                                (Some(_), None) if line.is_main => view! { <span class="muted">"Main user"</span> }.into_any(),
                                (Some(user_id), None) => {
                                    let active = line.status == UserStatus::Active;
                                    let me = user_id == my_user_id;
                                    view! {
                                        {(!me).then(|| view! {
                                            <ActionForm action=set_active attr:class="row-form">
                                                <input type="hidden" name="user_id" value=user_id.to_string()/>
                                                <input type="hidden" name="active" value=(!active).to_string()/>
                                                {if active {
                                                    view! { <button type="submit" class="link danger" aria-label=active_label.clone()>"Deactivate"</button> }.into_any()
                                                } else {
                                                    view! { <button type="submit" class="link" aria-label=active_label.clone()>"Reactivate"</button> }.into_any()
                                                }}
                                            </ActionForm>
                                        })}
                                        {(two_step && !me).then(|| view! {
                                            <ActionForm action=reset attr:class="row-form">
                                                <input type="hidden" name="user_id" value=user_id.to_string()/>
                                                <button type="submit" class="link" aria-label=reset_label>"Reset two-step"</button>
                                            </ActionForm>
                                        })}
                                        {(!me).then(|| if active {
                                            // A GET form: the next page says what will happen and asks to confirm.
                                            view! {
                                                <form method="get" action="/manage-users/offboard" class="row-form">
                                                    <input type="hidden" name="user" value=user_id.to_string()/>
                                                    <button type="submit" class="link danger" aria-label=offboard_label>"Offboard"</button>
                                                </form>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <a class="link" href=format!("/manage-users/leaver-report?user={user_id}") aria-label=report_label>"Leaver report"</a>
                                            }.into_any()
                                        })}
                                        {(i_am_main && active && !me).then(|| view! {
                                            <ActionForm action=transfer attr:class="row-form">
                                                <input type="hidden" name="user_id" value=user_id.to_string()/>
                                                <button type="submit" class="link" aria-label=transfer_label>"Transfer main user"</button>
                                            </ActionForm>
                                        })}
                                    }
                                    .into_any()
                                }
                                (None, None) => ().into_any(),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{line.name.clone()}{line.is_main.then(|| view! { <span class="badge">"Main user"</span> })}</th>
                                    <td class="full">{line.email.clone()}</td>
                                    <td>{role_cell}</td>
                                    <td>
                                        <span class=status_class>{line.status.label()}</span>
                                        {line.two_step.then(|| view! { <span class="badge" title="Two-step sign-in is on">"Two-step"</span> })}
                                    </td>
                                    <td class="full"><div class="row-actions">{actions}</div></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The invite form's fields and button ("Name", "Email", "Role", "Invite user"), shared by
/// the practice's Manage users and a client's; each page's form posts to its own function.
#[component]
pub fn InviteFields(
    roles: Vec<RoleOption>,
    error: Signal<Option<crate::platform::error::AppError>>,
    #[prop(into)] pending: Signal<bool>,
) -> impl IntoView {
    // What a refused post typed, back in its fields.
    let [name, email, role] = crate::platform::form_return::kept_values::<3>(crate::practice::invitations::KEPT);
    view! {
        <FormError error=error/>
        <Field label="Name" name="name" error=error autocomplete="off" value=name autofocus=true/>
        <Field label="Email" name="email" kind="email" error=error autocomplete="off" value=email/>
        <div class="field">
            <label for="field-role_id">"Role"</label>
            <select id="field-role_id" name="role_id">
                {roles.into_iter().map(|r| {
                    let id = r.id.to_string();
                    let selected = id == role;
                    view! { <option value=id selected=selected>{r.name}</option> }
                }).collect_view()}
            </select>
        </div>
        <button type="submit" disabled=move || pending.get()>"Invite user"</button>
    }
}
