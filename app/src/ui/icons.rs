//! Inline SVG icons: nothing is loaded from elsewhere, and colour comes from CSS.

use leptos::prelude::*;

#[component]
pub fn Logo() -> impl IntoView {
    view! {
        <svg class="logo" width="28" height="28" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
            <rect x="2" y="2" width="28" height="28" rx="7" fill="currentColor"/>
            <path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// A tick mark; green or grey is decided by the surrounding element's class. (Drawn
/// hundreds of times on a page of the matrix: its strokes are styled in `style/main.css`,
/// not repeated on every tick.)
#[component]
pub fn Tick() -> impl IntoView {
    view! {
        <svg class="tick" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true">
            <circle cx="10" cy="10" r="9"/>
            <path d="M5.5 10.5l3 3 6-6.5"/>
        </svg>
    }
}

/// A person silhouette with a plus (grant) or minus (remove) badge.
#[component]
pub fn Person(#[prop(optional)] remove: bool) -> impl IntoView {
    view! {
        <svg class="person" width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
            <circle cx="9" cy="7" r="4"/>
            <path d="M1.5 21c0-4.4 3.4-7.5 7.5-7.5s7.5 3.1 7.5 7.5z"/>
            <circle class="badge" cx="18.5" cy="16.5" r="5"/>
            <path class="sign" d=if remove { "M16 16.5h5" } else { "M16 16.5h5M18.5 14v5" }/>
        </svg>
    }
}

/// A calendar page: when access ends.
#[component]
pub fn Calendar() -> impl IntoView {
    view! {
        <svg class="calendar" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true">
            <rect x="3" y="5" width="18" height="16" rx="2.5"/>
            <path d="M3 10h18M8 3v4M16 3v4"/>
        </svg>
    }
}
