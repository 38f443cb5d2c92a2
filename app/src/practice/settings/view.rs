//! The practice's settings as Manage users shows them: each a checkbox that saves as it
//! changes (a form with a Save button without JavaScript).

use leptos::prelude::*;

use super::{SetAccessEmails, SetStaffMayRequest, SetTwoStepRequired};
use crate::ui::widgets::AutoSubmit;

/// What every setting's form holds: the box `name` (`value="true"`, absent when unticked),
/// labelled `label`, that calls `save` as it changes; a Save button without JavaScript;
/// and what the setting does (`hint`).
fn setting_box(
    name: &'static str,
    checked: bool,
    label: &'static str,
    hint: &'static str,
    save: impl Fn(bool) + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <AutoSubmit>
        <label class="check">
            <input type="checkbox" name=name value="true" checked=checked
                on:change=move |ev| save(event_target_checked(&ev))/>
            {label}
        </label>
        </AutoSubmit>
        <noscript><button type="submit" class="secondary">"Save"</button></noscript>
        <span class="muted">{hint}</span>
    }
}

/// The practice setting "Require two-step sign-in for all staff".
#[component]
pub fn TwoStepSetting(required: bool, require: ServerAction<SetTwoStepRequired>) -> impl IntoView {
    view! {
        <ActionForm action=require attr:class="setting">
            {setting_box(
                "required",
                required,
                "Require two-step sign-in for all staff",
                " Staff without it are asked to set it up before anything else.",
                move |required| { require.dispatch(SetTwoStepRequired { required }); },
            )}
        </ActionForm>
    }
}

/// The practice setting "Notify staff when their client access changes".
#[component]
pub fn AccessEmailsSetting(enabled: bool, emails: ServerAction<SetAccessEmails>) -> impl IntoView {
    view! {
        <ActionForm action=emails attr:class="setting">
            {setting_box(
                "enabled",
                enabled,
                "Notify staff when their client access changes",
                " Clicks within five minutes make one email; a bulk action or a copy, one at once.",
                move |enabled| { emails.dispatch(SetAccessEmails { enabled }); },
            )}
        </ActionForm>
    }
}

/// The practice setting "Staff may request access".
#[component]
pub fn RequestsSetting(enabled: bool, requests: ServerAction<SetStaffMayRequest>) -> impl IntoView {
    view! {
        <ActionForm action=requests attr:class="setting">
            {setting_box(
                "enabled",
                enabled,
                "Staff may request access",
                " Staff ask for a client with a reason; whoever manages users approves or declines.",
                move |enabled| { requests.dispatch(SetStaffMayRequest { enabled }); },
            )}
        </ActionForm>
    }
}
