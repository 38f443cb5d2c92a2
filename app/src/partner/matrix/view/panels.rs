//! The panels over the matrix: its filters, "Copy access from…" and a bulk action's
//! confirmation, each opened by address.

use leptos::prelude::*;

use super::*;
use crate::platform::words::thousands;
use crate::ui::plan_select::PlanSelect;
use crate::ui::widgets::{AutoSubmit, address_with, kept_as_hidden_fields};
use leptos_router::params::ParamsMap;

/// Search, plan and access filters: a GET form; a choice applies as it changes
/// (`AutoSubmit`), the search on Enter. With the count shown.
#[component]
pub(super) fn MatrixFilters(scope: Scope, matching: i64, total: i64) -> impl IntoView {
    // The other parts of the address ride along as hidden fields; a new filter starts at the
    // first page and closes any panel.
    let kept = kept_as_hidden_fields(
        &PANELS
            .iter()
            .copied()
            .chain(["clients", "plan", "access", "page"])
            .collect::<Vec<_>>(),
    );
    view! {
        <form method="get" action="/partner/users" class="filters" role="search" aria-label="Clients">
            {kept}
            <div class="field">
                <label for="matrix-search">"Search clients"</label>
                <input id="matrix-search" name="clients" type="search" value=scope.search.clone()/>
            </div>
            <AutoSubmit>
                <div class="field">
                    <label for="matrix-plan">"Filter by plan"</label>
                    <PlanSelect id="matrix-plan" name="plan" any_label="All plans" selected=Plan::parse(&scope.plan)/>
                </div>
                <div class="field">
                    <label for="matrix-access">"Filter by access"</label>
                    <select id="matrix-access" name="access">
                        {AccessFilter::ALL.into_iter().map(|a| view! {
                            <option value=a.as_str() selected=a.as_str() == scope.access>{a.label()}</option>
                        }).collect_view()}
                    </select>
                </div>
            </AutoSubmit>
            <noscript><button type="submit" class="secondary">"Show"</button></noscript>
            <p class="count" role="status" id="matrix-count">{format!("Showing {} of {}", thousands(matching), thousands(total))}</p>
        </form>
    }
}

/// "Copy access from…": another staff member's client access, added to this person's or
/// replacing it, with an optional end date; previewed first (`?copy=open&…&preview=1`),
/// then undoable like a bulk action. The panel opens by address.
#[component]
pub(super) fn CopyAccess(
    user_id: i64,
    others: Vec<(i64, String)>,
    query: ParamsMap,
    asked: Option<Result<BulkPreview, AppError>>,
) -> impl IntoView {
    let open = query.get("copy").is_some();
    let from = query.get("from").and_then(|f| f.parse::<i64>().ok());
    let mode = CopyMode::parse(&query.get("mode").unwrap_or_default()).unwrap_or(CopyMode::Add);
    let ends = query.get("copy_ends").unwrap_or_default();
    let choices: Vec<(i64, String)> = others.into_iter().filter(|(id, _)| *id != user_id).collect();
    let leave = PANELS;
    let cancel = address_with("/partner/users", &query, &[("preview", "")]);
    view! {
        <div class="copy-access">
            <form method="get" action="/partner/users" class="panel-toggle">
                {kept_as_hidden_fields(&leave)}
                <button type="submit" class="secondary" name=(!open).then_some("copy") value="open"
                    aria-expanded=open.to_string()>"Copy access from…"</button>
            </form>
            {open.then(|| view! {
                <form method="get" action="/partner/users" class="copy-panel" role="group" aria-label="Copy access">
                    {kept_as_hidden_fields(&leave)}
                    <input type="hidden" name="copy" value="open"/>
                    <div class="field">
                        <label for="copy-from">"Copy from"</label>
                        <select id="copy-from" name="from" autofocus=asked.is_none()>
                            {choices.into_iter().map(|(id, name)| view! { <option value=id.to_string() selected=from == Some(id)>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <fieldset class="modes">
                        <legend>"How"</legend>
                        {[CopyMode::Add, CopyMode::Replace].into_iter().map(|m| view! {
                            <label class="check">
                                <input type="radio" name="mode" value=m.as_str() checked=m == mode/>
                                {m.label()}
                            </label>
                        }).collect_view()}
                    </fieldset>
                    <div class="field">
                        <label for="copy-ends">"Copied access ends on (optional)"</label>
                        <input id="copy-ends" name="copy_ends" type="date" value=ends.clone()/>
                    </div>
                    <button type="submit" name="preview" value="1">"Preview copy"</button>
                </form>
            })}
            {asked.map(|r| match r {
                Err(e) => view! { <div class="alert error" role="alert">{e.to_string()}</div> }.into_any(),
                Ok(p) if p.changes == 0 => view! {
                    <div class="alert success" role="status">"Nothing to copy: the access already matches."</div>
                }.into_any(),
                Ok(p) => view! {
                    <form method="post" action="/api/apply_copy" class="confirm-bar" role="alertdialog" aria-label="Confirm copy">
                        <input type="hidden" name="user_id" value=user_id.to_string()/>
                        <input type="hidden" name="from_user_id" value=from.unwrap_or_default().to_string()/>
                        <input type="hidden" name="mode" value=mode.as_str()/>
                        <input type="hidden" name="ends_on" value=ends.clone()/>
                        <p>
                            <strong>{format!("This changes {}", crate::platform::words::clients(p.changes))}</strong>
                            {if p.overwrites > 0 { format!(": {} of them have another role now.", thousands(p.overwrites)) } else { ".".to_owned() }}
                        </p>
                        <button type="submit" autofocus>"Copy access"</button>
                        <a class="button secondary" href=cancel.clone()>"Cancel"</a>
                    </form>
                }.into_any(),
            })}
        </div>
    }
}

/// A bulk action asked for from a column head (`?bulk=`): what it would change, and a form
/// that confirms it (posted to `apply_bulk` with the scope the preview counted: a change of
/// filter is a new address, which withdraws it) or a link that cancels it.
#[component]
pub(super) fn AskedBulk(
    user_id: i64,
    staff_name: String,
    role_id: Option<i64>,
    preview: BulkPreview,
    columns: Vec<RoleColumn>,
    filtered: bool,
    scope: Scope,
    query: ParamsMap,
) -> impl IntoView {
    let cancel = address_with("/partner/users", &query, &[("bulk", "")]);
    let what = match role_id.and_then(|r| columns.iter().find(|c| c.id == r)) {
        Some(c) => format!("give them the role {}", c.name),
        None => "remove access".to_owned(),
    };
    if preview.changes == 0 {
        return view! {
            <div class="alert success" role="status">
                "Nothing to change: every client in view is already so. "<a href=cancel>"Back"</a>
            </div>
        }
        .into_any();
    }
    view! {
        <form method="post" action="/api/apply_bulk" class="confirm-bar" role="alertdialog" aria-label="Confirm bulk change">
            <input type="hidden" name="user_id" value=user_id.to_string()/>
            {role_id.map(|r| view! { <input type="hidden" name="role_id" value=r.to_string()/> })}
            <input type="hidden" name="search" value=scope.search/>
            <input type="hidden" name="plan" value=scope.plan/>
            <input type="hidden" name="access" value=scope.access/>
            <p>
                <strong>{format!("This changes {} for {staff_name}", crate::platform::words::clients(preview.changes))}</strong>
                {format!(
                    ": {what}.{}{}",
                    if preview.overwrites > 0 { format!(" {} of them have another role now.", thousands(preview.overwrites)) } else { String::new() },
                    if filtered { format!(" Only the {} shown clients are affected.", thousands(preview.in_scope)) } else { String::new() },
                )}
            </p>
            <div class="field bulk-ends">
                <label for="asked-bulk-ends">"Access given ends on (optional)"</label>
                <input id="asked-bulk-ends" name="ends_on" type="date"/>
            </div>
            <button type="submit" autofocus>"Confirm"</button>
            <a class="button secondary" href=cancel>"Cancel"</a>
        </form>
    }
    .into_any()
}
