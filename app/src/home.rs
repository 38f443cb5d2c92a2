//! The start page: what the product does, and how access reaches each kind of client.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::plans::Plan;

#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>"Give your staff the right access to every client"</h1>
            <p class="lead">
                "Invite staff into your practice, define roles, and grant each person a role on each client "
                "account from one matrix, with every change audited."
            </p>
        </section>
        <PlanExplainer/>
    }
}

/// How staff reach a client on each plan. The buttons work once the page is interactive;
/// without JavaScript the Practice Edition answer is shown.
#[component]
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
