//! The practice's settings as Manage users shows them: each a checkbox that saves as it
//! changes (a form with a Save button without JavaScript).

use leptos::prelude::*;

use super::{SetAccessEmails, SetStaffMayRequest, SetTwoStepRequired};
use crate::ui::widgets::AutoSubmit;

/// The practice setting "Require two-step sign-in for all staff": a checkbox that saves as
/// it changes (a form with a Save button without JavaScript).
#[component]
pub fn TwoStepSetting(required: bool, require: ServerAction<SetTwoStepRequired>) -> impl IntoView {
    view! {
        <ActionForm action=require attr:class="setting">
            <AutoSubmit>
            <label class="check">
                <input type="checkbox" name="required" value="true" checked=required
                    on:change=move |ev| { require.dispatch(SetTwoStepRequired { required: event_target_checked(&ev) }); }/>
                "Require two-step sign-in for all staff"
            </label>
            </AutoSubmit>
            <noscript><button type="submit" class="secondary">"Save"</button></noscript>
            <span class="muted">" Staff without it are asked to set it up before anything else."</span>
        </ActionForm>
    }
}

/// The practice setting "Notify staff when their client access changes".
#[component]
pub fn AccessEmailsSetting(enabled: bool, emails: ServerAction<SetAccessEmails>) -> impl IntoView {
    view! {
        <ActionForm action=emails attr:class="setting">
            <AutoSubmit>
            <label class="check">
                <input type="checkbox" name="enabled" value="true" checked=enabled
                    on:change=move |ev| { emails.dispatch(SetAccessEmails { enabled: event_target_checked(&ev) }); }/>
                "Notify staff when their client access changes"
            </label>
            </AutoSubmit>
            <noscript><button type="submit" class="secondary">"Save"</button></noscript>
            <span class="muted">" Clicks within five minutes make one email; a bulk action or a copy, one at once."</span>
        </ActionForm>
    }
}

/// The practice setting "Staff may request access".
#[component]
pub fn RequestsSetting(enabled: bool, requests: ServerAction<SetStaffMayRequest>) -> impl IntoView {
    view! {
        <ActionForm action=requests attr:class="setting">
            <AutoSubmit>
            <label class="check">
                <input type="checkbox" name="enabled" value="true" checked=enabled
                    on:change=move |ev| { requests.dispatch(SetStaffMayRequest { enabled: event_target_checked(&ev) }); }/>
                "Staff may request access"
            </label>
            </AutoSubmit>
            <noscript><button type="submit" class="secondary">"Save"</button></noscript>
            <span class="muted">" Staff ask for a client with a reason; whoever manages users approves or declines."</span>
        </ActionForm>
    }
}
