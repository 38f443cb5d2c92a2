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

/// A tick mark; green or grey is decided by the surrounding element's class.
#[component]
pub fn Tick() -> impl IntoView {
    view! {
        <svg class="tick" width="20" height="20" viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <circle cx="10" cy="10" r="9" fill="currentColor"/>
            <path d="M5.5 10.5l3 3 6-6.5" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>
        </svg>
    }
}

/// A person silhouette with a plus (grant) or minus (remove) badge.
#[component]
pub fn Person(#[prop(optional)] remove: bool) -> impl IntoView {
    view! {
        <svg class="person" width="22" height="22" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <circle cx="9" cy="7" r="4" fill="currentColor"/>
            <path d="M1.5 21c0-4.4 3.4-7.5 7.5-7.5s7.5 3.1 7.5 7.5z" fill="currentColor"/>
            <circle cx="18.5" cy="16.5" r="5" fill="currentColor" stroke="#fff" stroke-width="1.5"/>
            <path d="M16 16.5h5" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>
            {(!remove).then(|| view! { <path d="M18.5 14v5" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/> })}
        </svg>
    }
}

/// A calendar page: when access ends.
#[component]
pub fn Calendar() -> impl IntoView {
    view! {
        <svg class="calendar" width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <rect x="3" y="5" width="18" height="16" rx="2.5" fill="none" stroke="currentColor" stroke-width="2"/>
            <path d="M3 10h18M8 3v4M16 3v4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
        </svg>
    }
}

/// The matrix's icons, defined once for a page that repeats them hundreds of times: each
/// use is a `<use>` of one of these symbols (still inline SVG, a few bytes each).
#[component]
pub fn IconSymbols() -> impl IntoView {
    view! {
        <svg class="icon-symbols" width="0" height="0" aria-hidden="true" focusable="false">
            <symbol id="pa-tick" viewBox="0 0 20 20">
                <circle cx="10" cy="10" r="9" fill="currentColor"/>
                <path d="M5.5 10.5l3 3 6-6.5" fill="none" stroke="#fff" stroke-width="2.2" stroke-linecap="round" stroke-linejoin="round"/>
            </symbol>
            <symbol id="pa-person-remove" viewBox="0 0 24 24">
                <circle cx="9" cy="7" r="4" fill="currentColor"/>
                <path d="M1.5 21c0-4.4 3.4-7.5 7.5-7.5s7.5 3.1 7.5 7.5z" fill="currentColor"/>
                <circle cx="18.5" cy="16.5" r="5" fill="currentColor" stroke="#fff" stroke-width="1.5"/>
                <path d="M16 16.5h5" stroke="#fff" stroke-width="1.8" stroke-linecap="round"/>
            </symbol>
            <symbol id="pa-calendar" viewBox="0 0 24 24">
                <rect x="3" y="5" width="18" height="16" rx="2.5" fill="none" stroke="currentColor" stroke-width="2"/>
                <path d="M3 10h18M8 3v4M16 3v4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/>
            </symbol>
        </svg>
    }
}

/// One of [`IconSymbols`]: `tick`, `person-remove` or `calendar`, with the class and size of
/// the icon it stands for.
#[component]
pub fn UseIcon(symbol: &'static str, class: &'static str, size: u32) -> impl IntoView {
    view! {
        <svg class=class width=size height=size aria-hidden="true" focusable="false">
            <use href=format!("#pa-{symbol}")/>
        </svg>
    }
}
