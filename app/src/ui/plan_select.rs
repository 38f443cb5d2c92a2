//! The plan `<select>` of forms and filters.

use leptos::prelude::*;

use crate::domain::plans::Plan;

/// The plan `<select>` of forms and filters; `any_label` adds an "all plans" choice.
#[component]
pub fn PlanSelect(
    #[prop(into)] id: String,
    name: &'static str,
    #[prop(optional)] any_label: Option<&'static str>,
    #[prop(default = None)] selected: Option<Plan>,
    #[prop(optional, into)] on_change: Option<Callback<String>>,
) -> impl IntoView {
    view! {
        <select id=id name=name on:change=move |ev| if let Some(cb) = on_change { cb.run(event_target_value(&ev)) }>
            {any_label.map(|l| view! { <option value="">{l}</option> })}
            {Plan::ALL.into_iter().map(|p| view! { <option value=p.as_str() selected=selected == Some(p)>{p.label()}</option> }).collect_view()}
        </select>
    }
}
