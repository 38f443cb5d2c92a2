//! An island's life on a page the islands router patches in place. When a navigation
//! replaces the part of the page an island was drawn in, the island's element leaves the
//! document, but Leptos keeps what hydrated it (`leptos_macro`: "TODO better cleanup"):
//! its intervals would go on polling, its window listeners go on hearing keys, and what it
//! drew could not be collected. [`scoped`] runs an island's body in a reactive owner of its
//! own and ends that owner when the router says a navigation is done
//! (`islands-router:navigated`) and the island's element is no longer in the document:
//! what it drew is dropped (elements, listeners, effects), every `on_cleanup` of the body
//! runs (clearing its intervals and listeners) and its signals are freed.

//!
//! The router keeps an island across a navigation when the new page has the same island
//! with the same props (and the same server-drawn children): **an island draws itself from
//! its props alone**, never from the request or the address on the server, or a kept island
//! would show the page before.

use leptos::prelude::*;
use leptos::tachys::reactive_graph::OwnedView;

/// Draws `body` in an owner of its own (inside a `<div class="island-scope">`, laid out as
/// if it were not there), ended when that element has left the document after a navigation.
pub fn scoped<V>(body: impl FnOnce() -> V + Send + 'static) -> impl IntoView
where
    V: IntoView + 'static,
{
    let owner = Owner::new();
    let view = owner.with(move || {
        let root = NodeRef::<leptos::html::Div>::new();
        // On the server the body is drawn as it is (the server may draw a page's parts
        // more than once, resolving then writing it).
        #[cfg(not(feature = "hydrate"))]
        let drawn = body();
        // In the browser it is hydrated once, inside a render effect of the owner that runs
        // again only to draw nothing when the island has left the document: what it drew
        // (elements, their listeners and effects) is dropped, not only its signals. Leptos
        // keeps the island's outer view for ever, so what is not dropped here is kept.
        #[cfg(feature = "hydrate")]
        let drawn = {
            let alive = RwSignal::new(true);
            end_when_left(root, Owner::current().expect("the island's owner"), alive);
            let mut body = Some(body);
            move || {
                if alive.get() {
                    untrack(|| body.take().map(|body| body()))
                } else {
                    None
                }
            }
        };
        view! { <div class="island-scope" node_ref=root>{drawn}</div> }
    });
    OwnedView::new_with_owner(view, owner)
}

#[cfg(feature = "hydrate")]
fn end_when_left(root: NodeRef<leptos::html::Div>, owner: Owner, alive: RwSignal<bool>) {
    let listener = window_event_listener_untyped("islands-router:navigated", move |_| {
        let gone = root.get_untracked().is_some_and(|el| !el.is_connected());
        if gone && alive.get_untracked() {
            // The body is dropped now (its effect runs in a microtask); the owner ends after
            // this listener has returned (ending it removes the listener).
            alive.set(false);
            let owner = owner.clone();
            set_timeout(move || owner.cleanup(), std::time::Duration::ZERO);
        }
    });
    on_cleanup(move || listener.remove());
}
