//! Form pieces shared by every page: labelled fields with their errors beside them, and a
//! banner for errors that belong to no field.

use leptos::prelude::*;

use crate::platform::error::AppError;

/// The error of a server action's last result, if any.
pub fn action_error<I, O>(action: ServerAction<I>) -> Signal<Option<AppError>>
where
    I: leptos::server_fn::ServerFn<Output = O, Error = AppError> + Clone + Send + Sync + 'static,
    O: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(|r: Result<O, AppError>| r.err()))
}

/// A labelled input whose error, when `error` names its field, is shown beside it and
/// announced through `aria-describedby`.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = true)] required: bool,
    /// Focused when the page arrives (also, whatever this says, when the field was refused).
    #[prop(optional)]
    autofocus: bool,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    let message = Signal::derive(move || error.get().and_then(|e| e.for_field(name)));
    let autofocus = autofocus || message.get_untracked().is_some();
    view! {
        <div class="field" class:invalid=move || message.get().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                value=value
                autofocus=autofocus
                aria-invalid=move || message.get().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id role="alert">
                {move || message.get()}
            </p>
        </div>
    }
}

/// Errors that belong to no single field (conflicts, rate limits, server trouble).
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let general = move || {
        error
            .get()
            .filter(|e| !matches!(e, AppError::Invalid { field, .. } if !field.is_empty()))
            .map(|e| e.to_string())
    };
    view! {
        <Show when=move || general().is_some()>
            <div class="alert error" role="alert">{general}</div>
        </Show>
    }
}

/// "Verification code", once the server asked for it (`error` names the field `code`): a
/// door that takes a password and commits something asks a login with two-step sign-in
/// for its code too, before anything is committed.
#[component]
pub fn CodeWhenAsked(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let asked = RwSignal::new(false);
    Effect::new(move |_| {
        if error.get().and_then(|e| e.for_field("code")).is_some() {
            asked.set(true);
        }
    });
    let shown = move || asked.get() || error.get().and_then(|e| e.for_field("code")).is_some();
    view! {
        <Show when=shown>
            <Field label="Verification code" name="code" error=error autocomplete="one-time-code"/>
        </Show>
    }
}
