//! The start page: the signed-in user's current account, or what the product does.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::account::me::Me;
use crate::account::me::use_me;
use crate::domain::plans::Plan;
use crate::identity::accounts::AccountKind;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = use_me();
    view! {
        <Transition fallback=|| ()>
            {move || me.0.get().map(|r| match r {
                Ok(Some(me)) => view! { <Overview me/> }.into_any(),
                _ => view! { <Landing/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Overview(me: Me) -> impl IntoView {
    let Some(account) = me.current.clone() else {
        return view! {
            <Title text="Overview"/>
            <section class="card narrow">
                <h1>{format!("Welcome, {}", me.name)}</h1>
                <p>"You do not have access to any account at the moment. Ask your practice's admin to give you access."</p>
            </section>
        }
        .into_any();
    };
    let is_practice = account.kind == AccountKind::Practice;
    let kind_label = match account.plan {
        Some(plan) => format!("Client account · {}", plan.label()),
        None => "Partner account".to_owned(),
    };
    view! {
        <Title text=account.name.clone()/>
        <section class="hero">
            <p class="eyebrow">{kind_label}</p>
            <h1>{account.name.clone()}</h1>
            <p class="lead">{format!("You are signed in as {} with the role {}.", me.name, account.role_name)}</p>
        </section>
        <div class="tiles">
            {me.can_manage_users.then(|| view! {
                <A href="/manage-users" attr:class="tile">
                    <strong>"Manage users"</strong>
                    <span>{if is_practice { "Invite staff, change roles, deactivate leavers." } else { "This client's own users." }}</span>
                </A>
            })}
            {(me.can_manage_users && is_practice).then(|| view! {
                <A href="/partner/users" attr:class="tile">
                    <strong>"Partner › Clients › Users"</strong>
                    <span>"Give each staff member a role on each client."</span>
                </A>
                <A href="/partner/clients" attr:class="tile">
                    <strong>"Client overview"</strong>
                    <span>"Add, import, rename and archive client accounts."</span>
                </A>
                <A href="/audit" attr:class="tile">
                    <strong>"Audit log"</strong>
                    <span>"Who changed which access, when, before and after."</span>
                </A>
                <A href="/manage-users/roles" attr:class="tile">
                    <strong>"Roles"</strong>
                    <span>"Predefined and custom roles with their permissions."</span>
                </A>
            })}
        </div>
        {(!is_practice).then(|| view! {
            <section class="card" aria-labelledby="permits-heading">
                <h2 id="permits-heading">{format!("What {} permits here", account.role_name)}</h2>
                {if me.permissions.is_empty() {
                    view! { <p>"Nothing yet: this role has no permissions."</p> }.into_any()
                } else {
                    view! { <ul class="permits">{me.permissions.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul> }.into_any()
                }}
                {account.plan.filter(|p| !p.has_own_user_management()).map(|_| view! {
                    <p class="muted">"This client is on Practice Edition: its users are managed by the practice, in Partner › Clients › Users."</p>
                })}
            </section>
        })}
    }
    .into_any()
}

#[component]
fn Landing() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Give your staff the right access to every client"</h1>
            <p class="lead">
                "Invite staff into your practice, define roles, and grant each person a role on each client "
                "account from one matrix, with every change audited."
            </p>
            <p class="cta">
                <A href="/signup" attr:class="button">"Create practice account"</A>
                <A href="/login" attr:class="button secondary">"Sign in"</A>
            </p>
        </section>
        <PlanExplainer/>
    }
}

/// How staff reach a client on each plan. The buttons work once the page is interactive
/// (an island); without JavaScript the Practice Edition answer is shown.
#[island]
fn PlanExplainer() -> impl IntoView {
    let selected = RwSignal::new(Plan::PracticeEdition);
    view! {
        <section class="card" aria-labelledby="plans-heading">
            <h2 id="plans-heading">"How access reaches a client"</h2>
            <div class="segmented" role="group" aria-label="Client plan">
                {Plan::ALL
                    .into_iter()
                    .map(|plan| {
                        view! {
                            <button
                                type="button"
                                aria-pressed=move || (selected.get() == plan).to_string()
                                on:click=move |_| selected.set(plan)
                            >
                                {plan.label()}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <p class="plan-answer" aria-live="polite">
                {move || {
                    let plan = selected.get();
                    if plan.has_own_user_management() {
                        format!(
                            "{} clients keep their own Manage users menu for their own people; your staff also reach them through Partner → Clients → Users.",
                            plan.label(),
                        )
                    } else {
                        "Practice Edition clients have no Manage users menu of their own: your staff reach them only through Partner → Clients → Users.".to_owned()
                    }
                }}
            </p>
        </section>
    }
}
