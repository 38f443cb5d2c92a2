//! An island's life on a page the islands router patches in place. When a navigation
//! replaces the part of the page an island was drawn in, the island's element leaves the
//! document, but Leptos keeps what hydrated it (`leptos_macro`: "TODO better cleanup"):
//! its intervals would go on polling, its window listeners go on hearing keys, and what it
//! drew could not be collected. [`scoped`] runs an island's body in a reactive owner of its
//! own and ends that owner when the router says a navigation is done
//! (`islands-router:navigated`) and the island's element is no longer in the document:
//! every `on_cleanup` of the body runs (clearing its intervals and listeners) and its
//! signals and views are dropped.

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
        // In the browser it is hydrated once, inside a render effect of the owner (never
        // run again: untracked), so that ending the owner drops all it drew.
        #[cfg(feature = "hydrate")]
        let drawn = {
            end_when_left(root, Owner::current().expect("the island's owner"));
            let mut body = Some(body);
            move || untrack(|| (body.take().expect("an island's body is drawn once"))())
        };
        view! { <div class="island-scope" node_ref=root>{drawn}</div> }
    });
    OwnedView::new_with_owner(view, owner)
}

#[cfg(feature = "hydrate")]
fn end_when_left(root: NodeRef<leptos::html::Div>, owner: Owner) {
    let listener = window_event_listener_untyped("islands-router:navigated", move |_| {
        let gone = root.get_untracked().is_some_and(|el| !el.is_connected());
        if gone {
            // After this listener has returned: ending the owner removes it.
            let owner = owner.clone();
            set_timeout(move || owner.cleanup(), std::time::Duration::ZERO);
        }
    });
    on_cleanup(move || listener.remove());
}
